# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""access.py: where each grant of a member comes from (``via``), whatever Cloudflare's member listing holds, and the
findings.

The three shapes of a member's ``policies`` the API may answer (undocumented which): the member's own plus each
group's policy with the group policy's id, the same with ids of their own, or only the member's own.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.access import (
    DIRECT,
    access_review,
    is_super_admin,
    scope_text,
)

from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT_KEY,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    MEMBERS,
    PG_ADMIN,
    PG_BILLING,
    PG_DNS,
    PG_DOMAIN_DNS,
    PG_LEGACY,
    PG_READ,
    RG_PROD,
    anon_rg,
    api_policy,
    fake_catalogue,
    hexid,
    named_rg,
    pg,
    worker_obj,
    zkey,
)

PG_SUPER = pg(20, "Super Administrator - All Privileges", "super_admin")


def whole(n):
    return [anon_rg(hexid(500 + n), ACCOUNT_KEY, ["*"])]


def group(n, name, policies, members):
    return ({"id": hexid(300 + n), "name": name, "policies": policies}, [{"id": m} for m in members])


# Group policies (ids 4xx), direct member policies (ids 6xx).
ADMINS = group(1, "Admins", [api_policy(hexid(401), "allow", [PG_SUPER], whole(1))], [ALICE, BOB])
ENG = group(2, "Engineering", [api_policy(hexid(402), "allow", [PG_READ], whole(2)),
                               api_policy(hexid(403), "allow", [PG_DOMAIN_DNS],
                                          [anon_rg(hexid(503), ACCOUNT_KEY, [zkey("example.com")])])],
            [ALICE, CAROL])
FREEZE = group(3, "DNS Freeze", [api_policy(hexid(404), "deny", [PG_DOMAIN_DNS],
                                            [anon_rg(hexid(504), ACCOUNT_KEY, [zkey("shop.example.com")])])], [CAROL])
PROD = group(4, "Prod Ops", [api_policy(hexid(405), "allow", [PG_ADMIN, PG_DNS], [named_rg(RG_PROD)])], [DAVE])
EMPTY = group(5, "Empty", [api_policy(hexid(406), "allow", [PG_LEGACY], whole(6))], [])
GROUPS = [ADMINS, ENG, FREEZE, PROD, EMPTY]
DIRECT_POLICIES = {
    DAVE: [api_policy(hexid(601), "allow", [PG_READ], whole(11))],   # same role as Engineering, not in it
    CAROL: [api_policy(hexid(602), "allow", [PG_BILLING], whole(12))],
    ERIN: [api_policy(hexid(603), "allow", [PG_SUPER], whole(13))],  # Super Administrator outside any group
}


def members_listing(mode, direct=None):
    """The account member listing as Cloudflare may answer it (``mode``: inherited, inherited_new_ids, direct)."""
    direct = DIRECT_POLICIES if direct is None else direct
    members = copy.deepcopy(MEMBERS)
    for member in members:
        member["policies"] = copy.deepcopy(direct.get(member["id"], []))
        if mode == "direct":
            continue
        for data, listing in GROUPS:
            if member["id"] in [m["id"] for m in listing]:
                for policy in data["policies"]:
                    copied = copy.deepcopy(policy)
                    if mode == "inherited_new_ids":
                        copied["id"] = hexid(int(policy["id"], 16) + 10000 + int(member["id"], 16))
                    member["policies"].append(copied)
    return members


def review(mode, direct=None, groups=None):
    groups = GROUPS if groups is None else groups
    catalogue = fake_catalogue(pgs=[PG_ADMIN, PG_READ, PG_DNS, PG_BILLING, PG_DOMAIN_DNS, PG_LEGACY, PG_SUPER])
    catalogue.permission_groups()
    catalogue.zones()
    catalogue.resource_groups()
    data = [g for g, _m in groups]
    return access_review(members_listing(mode, direct), data, dict((g["id"], m) for g, m in groups), catalogue,
                         named_ids=set([RG_PROD["id"]]))


def grants(result, email):
    member = [m for m in result["members"] if m["email"] == email][0]
    return sorted((g["access"], g["permission_group"]["name"], g["scope_text"], tuple(g["via"])) for g in member["grants"])


MODES = ["inherited", "inherited_new_ids", "direct"]


@pytest.mark.parametrize("mode", MODES)
def test_via_is_the_same_whatever_the_listing_holds(mode):
    result = review(mode)
    assert grants(result, "alice@example.com") == [
        ("allow", "Administrator Read Only", "account", ("group:Engineering",)),
        ("allow", "Domain DNS", "zones: example.com", ("group:Engineering",)),
        ("allow", "Super Administrator - All Privileges", "account", ("group:Admins",))]
    # several groups, a deny, a direct policy
    assert grants(result, "carol@example.com") == [
        ("allow", "Administrator Read Only", "account", ("group:Engineering",)),
        ("allow", "Billing", "account", (DIRECT,)),
        ("allow", "Domain DNS", "zones: example.com", ("group:Engineering",)),
        ("deny", "Domain DNS", "zones: shop.example.com", ("group:DNS Freeze",))]
    # a policy of two roles on a named resource group: one grant per role; a direct grant beside it
    assert grants(result, "dave@example.com") == [
        ("allow", "Administrator", "resource groups: Production zones", ("group:Prod Ops",)),
        ("allow", "Administrator Read Only", "account", (DIRECT,)),
        ("allow", "DNS", "resource groups: Production zones", ("group:Prod Ops",))]
    assert grants(result, "erin@example.com") == [("allow", "Super Administrator - All Privileges", "account", (DIRECT,))]
    assert result["summary"]["policy_ids_repeated"] is (mode == "inherited")
    bob = [m for m in result["members"] if m["email"] == "bob@example.com"][0]
    assert bob["groups"] == ["Admins"] and bob["status"] == "accepted"


def test_a_direct_copy_of_a_group_policy_is_seen_when_ids_are_repeated():
    """With the group's policy ids on the members, a direct policy equal to a group's is told apart by its id."""
    same = copy.deepcopy(ADMINS[0]["policies"][0])
    same["id"] = hexid(699)
    result = review("inherited", direct={ALICE: [same]})
    assert ("allow", "Super Administrator - All Privileges", "account", (DIRECT, "group:Admins")) in \
        grants(result, "alice@example.com")


@pytest.mark.parametrize("mode", ["inherited_new_ids", "direct"])
def test_without_repeated_ids_a_direct_copy_is_seen_when_the_listing_proves_it(mode):
    """alice is in Admins (Super Administrator) and Engineering (two policies) and holds Super Administrator directly
    too. ``direct``: her listing lacks Engineering's policies, so it holds her own policies only, and the copy is
    hers. ``inherited_new_ids``: it holds Super Administrator twice, once more than her groups give: one copy is
    hers."""
    same = copy.deepcopy(ADMINS[0]["policies"][0])
    same["id"] = hexid(699)
    result = review(mode, direct={ALICE: [same]})
    assert ("allow", "Super Administrator - All Privileges", "account", (DIRECT, "group:Admins")) in \
        grants(result, "alice@example.com")
    assert ("direct_policy", "alice@example.com") in [(f["kind"], f["subject"]) for f in result["findings"]]
    # her other grants stay her groups' (the listing's policies are direct, the groups' are the groups')
    assert ("allow", "Administrator Read Only", "account", ("group:Engineering",)) in grants(result, "alice@example.com")


def test_a_listing_that_equals_the_groups_policies_cannot_tell_a_direct_copy():
    """The documented limit: bob is in Admins only; a "direct only" listing holding his direct copy of its one
    policy looks exactly like an inherited listing without it: the grant shows via the group only."""
    same = copy.deepcopy(ADMINS[0]["policies"][0])
    same["id"] = hexid(699)
    result = review("direct", direct={BOB: [same]})
    assert grants(result, "bob@example.com") == [
        ("allow", "Super Administrator - All Privileges", "account", ("group:Admins",))]
    # the same account answering with the inherited copies (ids of their own) shows it: two copies, one group
    result = review("inherited_new_ids", direct={BOB: [same]})
    assert grants(result, "bob@example.com") == [
        ("allow", "Super Administrator - All Privileges", "account", (DIRECT, "group:Admins"))]


def test_copies_count_per_group_and_the_evidence_is_per_member():
    """A policy value two of a member's groups hold is given twice: two inherited copies are no direct one. A
    "direct only" listing of one member (its groups' policies missing) says nothing about another member's listing."""
    twin = copy.deepcopy(ENG[0])
    twin.update(id=hexid(309), name="Engineering Twin")
    for n, policy in enumerate(twin["policies"]):
        policy["id"] = hexid(490 + n)
    groups = [ADMINS, ENG, (twin, [{"id": ALICE}])]
    members = members_listing("inherited_new_ids", direct={})
    alice = [m for m in members if m["id"] == ALICE][0]
    alice["policies"].extend(copy.deepcopy(twin["policies"]))  # the twin's copies (ids of their own)
    alice["policies"][-1]["id"], alice["policies"][-2]["id"] = hexid(901), hexid(902)
    carol = [m for m in members if m["id"] == CAROL][0]
    carol["policies"] = [carol["policies"][0]]  # only one of Engineering's two policies: "direct only"
    catalogue = fake_catalogue(pgs=[PG_ADMIN, PG_READ, PG_DNS, PG_BILLING, PG_DOMAIN_DNS, PG_LEGACY, PG_SUPER])
    catalogue.permission_groups()
    catalogue.zones()
    result = access_review(members, [g for g, _m in groups], dict((g["id"], m) for g, m in groups), catalogue)
    assert ("allow", "Administrator Read Only", "account", ("group:Engineering", "group:Engineering Twin")) in \
        grants(result, "alice@example.com")
    assert ("allow", "Administrator Read Only", "account", (DIRECT, "group:Engineering")) in \
        grants(result, "carol@example.com")
    direct = [f["subject"] for f in result["findings"] if f["kind"] == "direct_policy"]
    assert "carol@example.com" in direct and "alice@example.com" not in direct


def test_a_policy_carrying_a_group_policy_id_is_that_groups_even_without_the_membership():
    """The member listing says the member holds the group's policy (its id) though the group's listing (read at
    another moment) does not list the member: the grant is shown via that group, not as direct."""
    groups = [ADMINS, (ENG[0], [{"id": ALICE}])]  # carol left Engineering between the two reads
    result = review("inherited", direct={}, groups=groups)
    carol = grants(result, "carol@example.com")
    assert ("allow", "Administrator Read Only", "account", ("group:Engineering",)) in carol
    assert [m for m in result["members"] if m["email"] == "carol@example.com"][0]["groups"] == []


def test_a_member_only_a_group_lists_is_reported():
    stranger = hexid(99)
    groups = [(ADMINS[0], [{"id": ALICE}, {"id": stranger, "email": "x@example.com", "status": "pending"}])]
    result = review("direct", direct={}, groups=groups)
    entry = [m for m in result["members"] if m["id"] == stranger][0]
    assert entry["email"] == "x@example.com" and entry["groups"] == ["Admins"]
    assert [g["via"] for g in entry["grants"]] == [["group:Admins"]]


@pytest.mark.parametrize("mode", MODES)
def test_findings(mode):
    found = review(mode)["findings"]
    pairs = [(f["kind"], f["subject"]) for f in found]
    assert pairs == [
        ("super_admin", "alice@example.com"), ("super_admin", "bob@example.com"), ("super_admin", "erin@example.com"),
        ("direct_policy", "carol@example.com"), ("direct_policy", "dave@example.com"),
        ("direct_policy", "erin@example.com"),
        ("pending_member", "carol@example.com"),
        ("no_group", "erin@example.com"),
        ("empty_group", "Empty"),
        ("deprecated_role", "Legacy Log Reader")]
    messages = dict(((f["kind"], f["subject"]), f["message"]) for f in found)
    assert "via group:Admins" in messages[("super_admin", "alice@example.com")]
    assert "via direct" in messages[("super_admin", "erin@example.com")]
    assert "end of life 2026-06-30" in messages[("deprecated_role", "Legacy Log Reader")]
    assert "group Empty" in messages[("deprecated_role", "Legacy Log Reader")]
    assert "Billing (account)" in messages[("direct_policy", "carol@example.com")]


def test_legacy_super_administrator_role_is_a_finding():
    members = copy.deepcopy(MEMBERS[:1])
    members[0]["roles"] = [{"id": hexid(1), "name": "Super Administrator - All Privileges"}]
    result = access_review(members, [], {}, fake_catalogue())
    assert result["members"][0]["roles"] == ["Super Administrator - All Privileges"]
    assert [f["kind"] for f in result["findings"]] == ["super_admin", "no_group"]
    assert "legacy account role" in result["findings"][0]["message"]


def test_groups_and_summary():
    result = review("inherited")
    groups = dict((g["name"], g) for g in result["groups"])
    assert sorted(groups) == ["Admins", "DNS Freeze", "Empty", "Engineering", "Prod Ops"]
    assert groups["Engineering"]["members"] == ["alice@example.com", "carol@example.com"]
    assert [(p["access"], [pg["label"] for pg in p["permission_groups"]], p["scope_text"])
            for p in groups["Prod Ops"]["policies"]] == [("allow", ["admin", "dns"], "resource groups: Production zones")]
    assert result["summary"]["members"] == len(MEMBERS) and result["summary"]["groups"] == 5
    assert result["summary"]["grants"] == sum(len(m["grants"]) for m in result["members"])
    assert result["summary"]["findings"]["super_admin"] == 3


def test_scope_text_and_super_admin():
    assert scope_text({"scope": "account"}) == "account"
    assert scope_text({"zones": ["a.com", "b.com"]}) == "zones: a.com, b.com"
    assert scope_text({"resource_groups": ["Prod"]}) == "resource groups: Prod"
    assert scope_text({"scope": [{"key": ACCOUNT_KEY, "objects": [worker_obj(1)]}]}) == "Worker %s" % hexid(1)
    assert scope_text({"scope": [{"key": "k", "objects": ["o1", "o2"]}, {"name": "Prod", "key": "x"}]}) == \
        "k [o1, o2]; resource group Prod"
    assert is_super_admin(PG_SUPER) and is_super_admin({"name": "Super Administrator"})
    assert not is_super_admin(PG_ADMIN) and not is_super_admin(None)
