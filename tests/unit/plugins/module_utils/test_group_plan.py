# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A group's plan from Group values: the request body it produces, the labels of its write, and a plain field
added to ``Group.FIELDS`` followed through planning, the body, the views, the role's declaration and the export
with no other code changed."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import to_declaration
from ansible_collections.cfiam.user_groups.plugins.module_utils import apply
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import GROUP_KEYS, parse_declaration
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group, Policy, Scope
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_account, plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    group_diff_side,
    group_plan_views,
    group_view,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    PG_ADMIN,
    PG_READ,
    fake_catalogue,
    hexid,
)

WHOLE = Scope.account(ACCOUNT)
P_ADMIN = Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])
P_READ = Policy.of("allow", [PG_READ["id"]], [WHOLE])
OPS = {"id": hexid(50), "name": "Ops", "policies": [P_ADMIN.body()]}


class TestBody(object):
    def test_create(self):
        assert plan_group(None, "Bare").body() == {"name": "Bare"}
        plan = plan_group(None, "New", desired_policies=[P_ADMIN])
        assert plan.body() == {"name": "New", "policies": [P_ADMIN.body()]} and plan.sending() == [P_ADMIN]
        assert plan_group(None, "Empty", desired_policies=[]).body() == {"name": "Empty", "policies": []}

    def test_policies_alone_never_send_the_name(self):
        plan = plan_group(OPS, None, desired_policies=[P_READ], exclusive_policies=False)
        assert plan.body() == {"policies": [P_ADMIN.body(), P_READ.body()]}
        assert plan.sending() == [P_ADMIN, P_READ] and plan.rename is None
        assert plan_group(OPS, None, desired_policies=[P_READ]).body() == {"policies": [P_READ.body()]}

    def test_a_rename_re_sends_the_policies_as_read(self):
        plan = plan_group(OPS, "Operations")
        assert plan.body() == {"name": "Operations", "policies": [P_ADMIN.body()]} and plan.rename == "Operations"
        # policies managed and unchanged: still the ones read, in the order read
        assert plan_group(OPS, "Operations", desired_policies=[P_ADMIN]).body() == plan.body()

    def test_nothing_to_send(self):
        plan = plan_group(OPS, "Ops", desired_policies=[P_ADMIN], current_member_ids=["a"], desired_member_ids=["b"])
        assert plan.body() == {} and plan.sending() is None and plan.changed  # only the members change

    def test_labels(self):
        label = "user group 'Ops' (%s)" % OPS["id"]
        both = plan_group(OPS, "Operations", desired_policies=[P_READ])
        assert apply._update_labels(label, both) == (
            "rename %s to 'Operations' and set its policies" % label,
            "renamed %s to 'Operations' and set the policies of %s" % (label, label))
        assert apply._update_labels(label, plan_group(OPS, "Operations")) == (
            "rename %s to 'Operations'" % label, "renamed %s to 'Operations'" % label)
        assert apply._update_labels(label, plan_group(OPS, None, desired_policies=[P_READ])) == (
            "set the policies of %s" % label, "set the policies of %s" % label)


@pytest.fixture
def description(monkeypatch):
    """Cloudflare adds ``description`` to user groups: the one line of the model that says so."""
    monkeypatch.setattr(Group, "FIELDS", ("name", "description"))
    monkeypatch.setattr(Group, "DECLARED", ("name", "description"))
    monkeypatch.setattr("ansible_collections.cfiam.user_groups.plugins.module_utils.declaration.GROUP_KEYS",
                        ("name", "description") + GROUP_KEYS[1:])


class TestANewPlainField(object):
    def test_planned_sent_and_labelled(self, description):
        current = dict(OPS, description="old")
        plan = plan_group(current, None, fields={"description": "new"})
        assert plan.changes == {"description": "new"} and plan.changed and plan.rename is None
        assert plan.body() == {"description": "new", "policies": [P_ADMIN.body()]}  # policies re-sent as read
        assert not plan_group(current, None, fields={"description": "old"}).changed
        assert not plan_group(current, None, fields={"description": None}).changed  # not given: left alone
        label = "user group 'Ops' (%s)" % OPS["id"]
        assert apply._update_labels(label, plan) == ("set the description of %s" % label,) * 2
        both = plan_group(current, "Operations", desired_policies=[P_READ], fields={"description": "new"})
        assert apply._update_labels(label, both)[0] == (
            "rename %s to 'Operations' and set its description and policies" % label)
        created = plan_group(None, "New", fields={"description": "d"})
        assert created.body() == {"name": "New", "description": "d"}

    def test_shown_in_return_values_and_diffs(self, description):
        catalogue = fake_catalogue()
        view = group_view(dict(OPS, description="old"), [P_ADMIN], catalogue)
        assert view["description"] == "old" and group_diff_side(view)["description"] == "old"
        before, after = group_plan_views(plan_group(dict(OPS, description="old"), None, current_policies=[P_ADMIN],
                                                    fields={"description": "new"}), catalogue)
        assert (before["description"], after["description"]) == ("old", "new")

    def test_declared_planned_and_exported(self, description):
        catalogue = fake_catalogue()
        groups, problems = parse_declaration([{"name": "Ops", "description": "new"},
                                              {"name": "Bad", "description": 3}], catalogue)
        assert problems == ["group 'Bad': description must be a string, got int"]
        plan = plan_account(groups[:1], [dict(OPS, description="old")], {}, {})
        ((_desired, gplan),) = plan.groups
        assert gplan.changes == {"description": "new"} and gplan.body()["description"] == "new"
        view = group_view(dict(OPS, description="Runs things"), [P_ADMIN], catalogue, members=[])
        assert to_declaration([view], account_id=ACCOUNT)[0]["description"] == "Runs things"
