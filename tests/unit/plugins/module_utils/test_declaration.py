# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""declaration.py: the role's ``user_groups`` tree as DesiredGroup values (parse_declaration, declared_with_members).

A real ``Catalogue`` runs over ``FakeAPI`` (fixed lists, no HTTP); ``api.calls`` shows which listings were read.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import shown_name
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import (
    declared_with_members,
    parse_declaration,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, Scope
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    PG_DNS,
    fake_catalogue,
)


WHOLE = Scope.account(ACCOUNT)


# =========================================================================== parse_declaration
def declare(tree, catalogue=None, warnings=None):
    return parse_declaration(tree, catalogue or fake_catalogue(), warnings)


def by_name(groups):
    return dict((g.name, g) for g in groups)


class TestDeclaration(object):
    def test_flattened_depth_first_with_roll_up(self):
        tree = [{"name": "Engineering", "members": ["erin@example.com"], "policies": [{"permission_groups": ["dns"]}],
                 "children": [
                     {"name": "SRE", "members": ["alice@example.com", "bob@example.com"],
                      "children": [{"name": "On call", "members": ["carol@example.com", "alice@example.com"]}]},
                     {"name": "Web", "children": [{"name": "Frontend", "members": ["dave@example.com"]}]}]},
                {"name": "Finance", "members": []}]
        groups, problems = declare(tree)
        assert problems == []
        assert [g.name for g in groups] == ["Engineering", "SRE", "On call", "Web", "Frontend", "Finance"]
        g = by_name(groups)
        assert g["Engineering"].member_ids == [ERIN, ALICE, BOB, CAROL, DAVE]
        assert g["SRE"].member_ids == [ALICE, BOB, CAROL]
        assert g["On call"].member_ids == [CAROL, ALICE]
        assert g["Web"].member_ids == [DAVE] and g["Frontend"].member_ids == [DAVE]
        assert g["Finance"].member_ids == []
        assert [g[n].members_declared for n in ("Engineering", "SRE", "On call", "Web", "Frontend", "Finance")] == [
            True, True, True, False, True, True]
        assert g["Engineering"].policies == [Policy.of("allow", [PG_DNS["id"]], [WHOLE])]
        assert g["SRE"].policies is None  # omitted: left alone
        assert g["On call"].path == "Engineering > SRE > On call"
        assert not any(x.scim for x in groups)

    def test_group_without_members_or_member_children_manages_no_membership(self):
        groups, problems = declare([{"name": "Audit", "policies": []}])
        assert problems == [] and groups[0].member_ids is None and groups[0].members_declared is False
        assert groups[0].policies == []

    def test_unknown_keys_at_every_depth(self):
        tree = [{"name": "Top", "member": ["alice@example.com"], "children": [
            {"name": "Middle", "polices": [], "children": [
                {"name": "Bottom", "policies": [{"permission_groups": ["admin"], "zone": ["example.com"]}],
                 "childern": []}]}]}]
        _groups, problems = declare(tree)
        assert problems == [
            "group 'Top' has an unknown key 'member' (did you mean 'members'?) (allowed: name, members, policies, "
            "children, scim, previous_names)",
            "group 'Middle' has an unknown key 'polices' (did you mean 'policies'?) (allowed: name, members, "
            "policies, children, scim, previous_names)",
            "group 'Bottom' has an unknown key 'childern' (did you mean 'children'?) (allowed: name, members, "
            "policies, children, scim, previous_names)",
            "group 'Bottom' policies[0] has unknown keys zone (did you mean 'zones'?) (allowed: access, "
            "permission_groups, zones, resource_groups, scope, allow_unknown_scope, expires)",
        ]

    def test_shape_problems(self):
        tree = [{"name": "A", "children": {"name": "B"}}, "C", {"members": ["alice@example.com"]},
                {"name": "  "}, {"name": "D", "scim": "yes"}, {"name": "E", "members": "alice@example.com"}]
        groups, problems = declare(tree)
        assert problems == [
            "group 'A' children must be a list of groups",
            "user_groups[1] must be a dictionary with at least a name",
            "user_groups[2] has no name (keys given: members)",
            "user_groups[3] has no name (keys given: name)",
            "group 'D': scim must be true or false",
            "group 'E': members must be a list of emails or member ids",
        ]
        assert [g.name for g in groups] == ["A", "D", "E"]
        assert declare("Ops")[1] == ["user_groups must be a list of groups"]

    def test_names_cf_user_group_refuses_are_problems_of_the_plan(self):
        _groups, problems = declare([{"name": "Ops\n"}, {"name": "Child", "children": [{"name": "Tab\there"}]}])
        assert len(problems) == 2 and all("contains a control character" in p for p in problems)

    def test_duplicate_names_anywhere_in_the_tree(self):
        tree = [{"name": "Ops", "children": [{"name": "Shared"}]},
                {"name": "Dev", "children": [{"name": "Shared"}, {"name": "Ops"}]}]
        groups, problems = declare(tree)
        assert problems == [
            "group name 'Shared' is declared twice (Ops > Shared and Dev > Shared); names must be unique across the "
            "whole tree",
            "group name 'Ops' is declared twice (Ops and Dev > Ops); names must be unique across the whole tree"]
        assert [g.name for g in groups] == ["Ops", "Shared", "Dev"]

    @pytest.mark.parametrize("first, second", [
        ("Finance", "finance"),
        ("Finance", "Finance "),
        ("Finance team", "Finance  team"),
        (unicodedata.normalize("NFC", u"Caf\u00e9"), unicodedata.normalize("NFD", u"Caf\u00e9")),
    ], ids=["case", "trailing_space", "inner_spaces", "nfc_vs_nfd"])
    def test_look_alike_names_fail(self, first, second):
        assert first != second
        _groups, problems = declare([{"name": first}, {"name": "Other", "children": [{"name": second}]}])
        assert problems == ["declare only one of the group names %s and %s: they differ only by case, spaces, "
                            "invisible characters or Unicode form, and Cloudflare would show two look-alike groups"
                            % (shown_name(first), shown_name(second))]

    def test_a_childs_unknown_email_is_reported_once(self):
        tree = [{"name": "Top", "members": ["alice@example.com"], "children": [
            {"name": "Mid", "children": [{"name": "Leaf", "members": ["bob@example.com", "zed@example.com"]}]}]}]
        groups, problems = declare(tree)
        assert problems == ["group 'Leaf': no account member has the email 'zed@example.com'"]
        g = by_name(groups)
        assert g["Top"].member_ids == [ALICE] and g["Leaf"].member_ids is None and g["Mid"].member_ids is None

    def test_policy_problems_are_labelled_with_the_group(self):
        warnings = []
        tree = [{"name": "Top", "policies": [{"permission_groups": ["domain_dns"]}], "children": [
            {"name": "Child", "policies": [{"permission_groups": ["legacy_logs"]}, {"permission_groups": ["admn"]}]}]}]
        _groups, problems = declare(tree, warnings=warnings)
        assert len(problems) == 2
        assert problems[0].startswith("group 'Top' policies[0]: permission group 'Domain DNS'")
        assert problems[1] == "group 'Child' policies[1]: unknown permission group 'admn' (did you mean 'admin'?)"
        assert len(warnings) == 1 and warnings[0].startswith("group 'Child' policies: permission group 'Legacy")

    def test_scim_rules(self):
        tree = [{"name": "Okta Engineering", "scim": True, "policies": [{"permission_groups": ["dns"]}],
                 "children": [{"name": "Team", "members": ["alice@example.com"]},
                              {"name": "Okta Sub", "scim": True, "members": ["bob@example.com"]}]},
                {"name": "Parent", "members": ["erin@example.com"], "children": [
                    {"name": "Okta Child", "scim": True},
                    {"name": "Plain", "members": ["carol@example.com"]}]}]
        groups, problems = declare(tree)
        assert problems == ["group 'Okta Sub' is pushed by SCIM: its members belong to the identity provider; remove "
                            "members"]
        g = by_name(groups)
        assert g["Okta Engineering"].scim and g["Okta Engineering"].member_ids is None  # never rolled up into
        assert g["Okta Engineering"].policies == [Policy.of("allow", [PG_DNS["id"]], [WHOLE])]
        assert g["Team"].member_ids == [ALICE]
        assert g["Parent"].member_ids == [ERIN, CAROL]  # a SCIM child adds nobody
        assert declared_with_members(tree) == set(["Team", "Parent", "Plain"])

    def test_declared_with_members(self):
        tree = [{"name": "A", "children": [{"name": "B", "children": [{"name": "C", "members": []}]}, {"name": "D"}]},
                {"name": "E"}, {"name": "F", "members": ["x@example.com"]}, "junk", {"members": ["y@example.com"]}]
        assert declared_with_members(tree) == set(["A", "B", "C", "F"])
        assert declared_with_members(None) == set()

    def test_names_resolve_with_one_listing_each(self):
        catalogue = fake_catalogue()
        tree = [{"name": "A", "members": ["alice@example.com"], "policies": [{"permission_groups": ["dns"]}],
                 "children": [{"name": "B", "members": ["bob@example.com"],
                               "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}]},
                              {"name": "C", "members": [CAROL],
                               "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.org"]}]}]}]
        _groups, problems = declare(tree, catalogue)
        assert problems == []
        # One listing of members and of roles; a single zone name per policy is one filtered query.
        assert catalogue.api.calls == [("list_account_members", None), ("list_permission_groups", {}),
                                       ("list_zones", "example.com"), ("list_zones", "example.org")]
