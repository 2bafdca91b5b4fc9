# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Approved plans (approval.py): the entry of an account plan, its fingerprints (order-insensitive, no policy ids),
reading an approved value back, and the comparison that names each group that changed and how (pure: no request)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import json

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import approval
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import DesiredGroup
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, Scope
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_account
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import ACCOUNT, hexid

A, B, C = (hexid(n) for n in range(1, 4))
EMAILS = {A: "a@example.com", B: "b@example.com", C: "c@example.com"}
P_ONE = Policy.of("allow", [hexid(301)], [Scope.account(ACCOUNT)])
P_TWO = Policy.of("allow", [hexid(302), hexid(303)], [Scope.zones(ACCOUNT, [hexid(401), hexid(402)])])
OPS = {"id": hexid(701), "name": "Ops"}
OLD = {"id": hexid(702), "name": "Old"}
STRAY = {"id": hexid(703), "name": "Stray"}


def desired(name, member_ids=None, policies=None):
    return DesiredGroup(name, False, name, policies=policies, member_ids=member_ids,
                        members_declared=member_ids is not None)


def make_entry(groups=(OPS, OLD), members=None, policies=None, declaration=None, purge=True, planned_at="then"):
    members = {OPS["id"]: [A]} if members is None else members
    policies = {OPS["id"]: [P_ONE], OLD["id"]: [P_TWO]} if policies is None else policies
    declaration = declaration or [desired("Ops", [A, B], [P_ONE]), desired("New", [C], [])]
    plan = plan_account(declaration, list(groups), members, policies, purge=purge)
    assert plan.problems == []
    doomed = dict((g["id"], [{"id": A}]) for g in plan.delete)
    return approval.entry({"id": ACCOUNT, "name": "Acme"}, plan, policies, doomed, planned_at, EMAILS.get)


TEXTS = approval.Texts(lambda ids: [EMAILS.get(i, i) for i in ids],
                       lambda bodies: ["%s %s" % (b["access"], ",".join(pg["id"][-3:] for pg in b["permission_groups"]))
                                       for b in bodies],
                       lambda gid: None)


def texts(names=None):
    return approval.Texts(TEXTS.members, TEXTS.policies, (names or {}).get)


def test_entry_holds_the_changes_and_the_fingerprints():
    entry = make_entry()
    assert entry["format"] == 2 and entry["account"] == {"id": ACCOUNT, "name": "Acme"}
    assert entry["changes"]["groups"] == {
        "Ops": {"action": "update", "members": {"add": [B], "remove": []}},
        "New": {"action": "create", "fields": {"name": "New"}, "members": {"add": [C], "remove": []}}}
    assert entry["changes"]["delete"] == {OLD["id"]: "Old"}
    assert entry["read"]["groups"]["New"] is None
    assert entry["read"]["groups"]["Ops"] == {"id": OPS["id"], "fields": {"name": "Ops"},
                                              "policies": [P_ONE.body()], "members": [A]}
    assert entry["read"]["deleted"][OLD["id"]]["members"] == [A]
    assert entry["labels"] == EMAILS
    assert len(entry["digest"]) == 64
    json.dumps(entry)  # plain JSON


def test_fingerprints_ignore_order_policy_ids_and_the_time():
    one = make_entry()
    # the same account read in another order, with policy ids and regenerated resource group ids
    reordered = Policy.from_api({"id": "policy-id-regenerated", "access": "allow",
                                 "permission_groups": [{"id": hexid(303)}, {"id": hexid(302)}],
                                 "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % ACCOUNT,
                                                                "objects": [{"key": "com.cloudflare.api.account.zone.%s"
                                                                             % hexid(402)},
                                                                            {"key": "com.cloudflare.api.account.zone.%s"
                                                                             % hexid(401)}]}}]})
    two = make_entry(groups=(OLD, OPS), policies={OPS["id"]: [P_ONE], OLD["id"]: [reordered]}, planned_at="now")
    assert one["digest"] == two["digest"]
    assert approval.differences(one, two, TEXTS) == []
    assert approval.check(one, two, TEXTS) == two["digest"]


@pytest.mark.parametrize("change, expected", [
    (dict(members={OPS["id"]: [A, C]}), "group 'Ops': member was added since approval: c@example.com"),
    (dict(members={OPS["id"]: []}), "group 'Ops': member was removed since approval: a@example.com"),
    (dict(policies={OPS["id"]: [P_ONE, P_TWO], OLD["id"]: [P_TWO]}),
     "group 'Ops': policy was added since approval: allow %s,%s" % (hexid(302)[-3:], hexid(303)[-3:])),
    (dict(groups=(OLD,)), "group 'Ops': it was deleted since approval (id %s)" % OPS["id"]),
    (dict(groups=(dict(OPS, id=hexid(799)), OLD)),
     "group 'Ops': it was replaced since approval: id %s then, %s now" % (OPS["id"], hexid(799))),
    (dict(groups=(OPS, OLD, {"id": hexid(704), "name": "New"})),
     "group 'New': a group of this name appeared since approval (id %s)" % hexid(704)),
    (dict(groups=(OPS, OLD, STRAY)), "group 'Stray' (%s): it appeared since approval" % STRAY["id"]),
    (dict(groups=(OPS,)), "group 'Old' (%s): the purge no longer deletes it: it was deleted since approval" % OLD["id"]),
    (dict(declaration=[desired("Ops", [A, B, C], [P_ONE]), desired("New", [C], [])]),
     "group 'Ops': the declaration or the role's variables changed since approval, so the plan differs: approved "
     "update, add members b@example.com; now update, add members b@example.com, c@example.com"),
    (dict(declaration=[desired("Ops", [A, B], [P_ONE])]), "group 'New': it is no longer declared"),
    (dict(purge=False), "group 'Old' (%s): the purge no longer deletes it" % OLD["id"]),
])
def test_each_change_is_named(change, expected):
    approved = make_entry()
    now = make_entry(**change)
    found = approval.differences(approved, now, TEXTS)
    assert any(expected in line for line in found), found
    with pytest.raises(ResolutionError) as info:
        approval.check(approved, now, TEXTS)
    assert info.value.problems[0].startswith("run the check job again (user_groups_plan_out) and approve its plan")
    assert info.value.problems[1:] == found


def test_a_renamed_group_is_found_by_id():
    approved = make_entry()
    now = make_entry(groups=(dict(OPS, name="Ops (old)"), OLD))
    found = approval.differences(approved, now, texts({OPS["id"]: "Ops (old)"}))
    assert found[0].startswith("group 'Ops': it was renamed to 'Ops (old)' since approval (id %s)" % OPS["id"]), found


def test_only_the_changed_groups_are_listed():
    found = approval.differences(make_entry(), make_entry(members={OPS["id"]: [A, C]}), TEXTS)
    assert len(found) == 1 and found[0].startswith("group 'Ops'")


def test_approved_entry_takes_the_account_entry():
    entry = make_entry()
    assert approval.approved_entry({ACCOUNT: approval.seal(entry, TEXTS), hexid(900): {"anything": 1}},
                                   ACCOUNT) == entry


def wrapped(inner, digest=None):
    """A sealed entry around any ``inner`` value (as a hand-made file would hold it)."""
    return {"format": 2, "digest": inner.get("digest") if digest is None and isinstance(inner, dict) else digest,
            "plan": base64.b64encode(json.dumps(inner).encode("utf-8")).decode("ascii")}


@pytest.mark.parametrize("value, text", [
    ({hexid(900): {}}, "run the check job for account %s and approve its plan: user_groups_approved_plan holds no "
                       "plan for it (it holds plans for %s)" % (ACCOUNT, hexid(900))),
    ({}, "it holds plans for no account"),
    ("text", "must be a mapping of account ids to plans, got str"),
    ({"user_groups_approved_plan": {}}, "user_groups_approved_plan is the whole file; load it with -e @PATH"),
    ({ACCOUNT: []}, "is not one the role wrote (not a mapping)"),
    ({ACCOUNT: {"format": 1}}, "format 1, this collection writes format 2"),
    ({ACCOUNT: {"format": 2, "plan": "not base64 {{ x }}"}}, "its plan is not the base64 text of a plan"),
    ({ACCOUNT: {"format": 2, "plan": base64.b64encode(b"\xff").decode("ascii")}}, "not the base64 text of a plan"),
    ({ACCOUNT: wrapped([1, 2])}, "its digest is not the digest of its plan"),
    ({ACCOUNT: wrapped({"digest": "x"}, digest="y")}, "its digest is not the digest of its plan"),
    ({ACCOUNT: wrapped({"format": 2, "account": {"id": hexid(900)}})}, "it is the plan of account %s" % hexid(900)),
    ({ACCOUNT: wrapped({"format": 2, "account": {"id": ACCOUNT}})}, "changes is missing"),
])
def test_malformed_or_foreign_plans(value, text):
    with pytest.raises(ResolutionError) as info:
        approval.approved_entry(value, ACCOUNT)
    assert text in info.value.problems[0], info.value.problems


def test_an_edited_plan_fails_its_digest():
    entry = make_entry()
    edited = copy.deepcopy(entry)
    edited["changes"]["delete"] = {}
    with pytest.raises(ResolutionError) as info:
        approval.approved_entry({ACCOUNT: approval.seal(edited)}, ACCOUNT)
    assert "its digest does not match its content" in info.value.problems[0]
    # the digest outside the plan is the plan's own: changing it alone is an edit too
    with pytest.raises(ResolutionError) as info:
        approval.approved_entry({ACCOUNT: dict(approval.seal(entry), digest="0" * 64)}, ACCOUNT)
    assert "its digest is not the digest of its plan" in info.value.problems[0]
    assert approval.approved_entry({ACCOUNT: json.loads(json.dumps(approval.seal(entry)))}, ACCOUNT) == entry


HOSTILE = "Stray {{ lookup('pipe', 'id') }} {% if 1 %}x{% endif %} {# c #} {{{ x }}}\n#jinja2:x"


def test_a_sealed_entry_holds_no_template_marker_and_names_groups_readably():
    declaration = [desired(HOSTILE, [A], []), desired("Ops", [A, B], [P_ONE])]
    entry = make_entry(groups=(OPS, dict(STRAY, name="{{ x }} {%raw%}")), declaration=declaration)
    entry["account"]["name"] = "Acme {{ y }}"
    entry["labels"][A] = "{{ z }}@example.com"
    sealed = approval.seal(entry, TEXTS)
    text = json.dumps(sealed)
    for mark in ("{{", "{%", "{#", "\\u007b"):
        assert mark not in text, text
    assert set(sealed) == {"format", "digest", "planned_at", "account", "summary", "plan"}
    assert sealed["digest"] == entry["digest"] and sealed["account"]["name"] == "Acme { { y }}"
    assert any(line.startswith("group \"Stray { { lookup('pipe', 'id') }} { % if 1 %}x{ % endif %} { # c #} "
                               "{ { { x }}}") for line in sealed["summary"]), sealed["summary"]
    assert "group '{ { x }} { %%raw%%}' (%s): delete" % STRAY["id"] in sealed["summary"]
    assert approval.approved_entry({ACCOUNT: json.loads(text)}, ACCOUNT) == entry  # the names, exactly


@pytest.mark.parametrize("text, inert", [
    ("{{a}}", "{ {a}}"), ("{%a%}", "{ %a%}"), ("{#a#}", "{ #a#}"), ("{{{", "{ { {"), ("{ {", "{ {"),
    ("a\nb\r\u2028c", "a b c"), (None, ""), ("{x}", "{x}"),
])
def test_inert(text, inert):
    assert approval.inert(text) == inert
    for mark in ("{{", "{%", "{#"):
        assert mark not in approval.inert(text)
