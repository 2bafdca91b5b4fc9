# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""planning.py: plan_members, plan_policies, plan_group and plan_account (pure set arithmetic)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import random
import re
import unicodedata

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import DesiredGroup, parse_declaration
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    Policy,
    ResourceGroupRef,
    Scope,
    policies_from_api,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import (
    pattern_protects,
    plan_account,
    plan_group,
    plan_members,
    plan_policies,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ACCOUNT_KEY,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    PG_ADMIN,
    PG_DNS,
    PG_DOMAIN_ADMIN,
    PG_DOMAIN_DNS,
    RG_PROD,
    ZONE_IDS,
    anon_rg,
    api_policy,
    fake_catalogue,
    hexid,
    named_rg,
    zkey,
)

A, B, C, D, E = (hexid(n) for n in range(1, 6))


# =========================================================================== plan_members
class TestPlanMembers(object):
    def test_present_adds_missing_only_with_one_post(self):
        plan = plan_members([A, B], [B, C, D])
        assert plan.changed and plan.method == "POST"
        assert plan.to_add == [C, D] and plan.to_remove == [] and plan.after == [A, B, C, D]
        assert plan.before == [A, B]

    def test_present_nothing_missing(self):
        plan = plan_members([A, B, C], [C, A])
        assert not plan.changed and plan.method is None and plan.after == [A, B, C]

    def test_present_empty_list_changes_nothing(self):
        plan = plan_members([A, B], [])
        assert not plan.changed and plan.method is None and plan.after == [A, B]

    def test_exclusive_that_removes_is_one_put(self):
        plan = plan_members([A, B, C], [C, D, B], exclusive=True)
        assert plan.changed and plan.method == "PUT"
        assert plan.to_add == [D] and plan.to_remove == [A] and plan.after == [B, C, D]

    def test_exclusive_that_only_removes_is_a_put(self):
        plan = plan_members([A, B, C], [B], exclusive=True)
        assert plan.method == "PUT" and plan.to_add == [] and plan.to_remove == [A, C] and plan.after == [B]

    def test_exclusive_that_only_adds_is_a_post(self):
        """Nothing to remove: a POST, so a member added concurrently by someone else is not lost."""
        plan = plan_members([A], [A, B], exclusive=True)
        assert plan.method == "POST" and plan.to_add == [B] and plan.to_remove == []

    def test_exclusive_same_set_in_other_order_is_unchanged(self):
        plan = plan_members([A, B, C], [C, B, A], exclusive=True)
        assert not plan.changed and plan.method is None and plan.after == [A, B, C]

    def test_exclusive_empty_list_empties(self):
        plan = plan_members([A, B], [], exclusive=True)
        assert plan.changed and plan.method == "PUT"
        assert plan.to_remove == [A, B] and plan.to_add == [] and plan.after == []
        assert not plan_members([], [], exclusive=True).changed

    def test_absent_removes_listed_present_ones_with_deletes(self):
        plan = plan_members([A, B, C], [B, E], state="absent")
        assert plan.changed and plan.method == "DELETE"
        assert plan.to_remove == [B] and plan.to_add == [] and plan.after == [A, C]

    def test_absent_several_are_deleted_one_by_one(self):
        plan = plan_members([A, B, C], [A, C], state="absent")
        assert plan.method == "DELETE" and plan.to_remove == [A, C] and plan.after == [B]

    def test_absent_ignores_exclusive(self):
        plan = plan_members([A, B], [B], state="absent", exclusive=True)
        assert plan.method == "DELETE" and plan.to_remove == [B] and plan.to_add == [] and plan.after == [A]

    def test_absent_of_non_members_is_unchanged(self):
        plan = plan_members([A], [B, C], state="absent")
        assert not plan.changed and plan.method is None and plan.after == [A]

    def test_repeats_are_ignored(self):
        plan = plan_members([A, A, B], [C, C, B, C])
        assert plan.to_add == [C] and plan.after == [A, B, C] and plan.before == [A, B]
        plan = plan_members([A, A], [B, B], exclusive=True)
        assert plan.to_add == [B] and plan.to_remove == [A] and plan.after == [B]
        plan = plan_members([A, B, B], [B, B], state="absent")
        assert plan.to_remove == [B] and plan.after == [A]

    def test_generators_and_none(self):
        assert plan_members(iter([A]), (m for m in [A, B])).to_add == [B]
        plan = plan_members(None, None)
        assert not plan.changed and plan.after == []


# =========================================================================== plan_policies
WHOLE = Scope.account(ACCOUNT)
P_ADMIN = Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])
P_DENY_DNS = Policy.of("deny", [PG_DNS["id"]], [WHOLE])
P_ZONES = Policy.of("allow", [PG_DOMAIN_DNS["id"]], [Scope.zones(ACCOUNT, [ZONE_IDS["example.com"],
                                                                           ZONE_IDS["example.net"]])])
P_RG = Policy.of("allow", [PG_DOMAIN_ADMIN["id"]], [ResourceGroupRef(RG_PROD["id"])])


def current_api():
    """The group's policies as the API returns them (policy ids, anonymous groups named after their key)."""
    return [
        api_policy(hexid(900), "allow", [PG_ADMIN], [anon_rg(hexid(300), ACCOUNT_KEY, ["*"])]),
        api_policy(hexid(901), "allow", [PG_DOMAIN_DNS],
                   [anon_rg(hexid(301), ACCOUNT_KEY, [zkey("example.net"), zkey("example.com")])]),
        api_policy(hexid(902), "allow", [PG_DOMAIN_ADMIN], [named_rg(RG_PROD)]),
    ]


def shuffled_copy(policies, seed):
    """The same policies as the API returns them after a PUT: new ids, another order."""
    rng = random.Random(seed)
    out = copy.deepcopy(policies)
    for n, policy in enumerate(out):
        policy["id"] = hexid(5000 + seed * 100 + n)
        rng.shuffle(policy["permission_groups"])
        rng.shuffle(policy["resource_groups"])
        for rg in policy["resource_groups"]:
            if rg["name"] == rg["scope"]["key"]:
                rg["id"] = hexid(6000 + seed * 100 + n)
            rng.shuffle(rg["scope"]["objects"])
    rng.shuffle(out)
    return out


class TestPlanPolicies(object):
    def test_current_as_read_equals_the_values(self):
        assert policies_from_api(current_api()) == [P_ADMIN, P_ZONES, P_RG]

    def test_present_already_there_is_unchanged(self):
        plan = plan_policies(policies_from_api(current_api()), [P_ZONES])
        assert not plan.changed and plan.added == [] and plan.removed == []

    def test_present_adds_and_resends_the_others_unchanged(self):
        current = policies_from_api(current_api())
        plan = plan_policies(current, [P_DENY_DNS, P_ADMIN])
        assert plan.changed and plan.added == [P_DENY_DNS] and plan.removed == []
        assert plan.after == current + [P_DENY_DNS] and plan.before == current
        assert plan.bodies() == [
            {"access": "allow", "permission_groups": [{"id": PG_ADMIN["id"]}],
             "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}]},
            {"access": "allow", "permission_groups": [{"id": PG_DOMAIN_DNS["id"]}],
             "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [
                 {"key": k} for k in sorted([zkey("example.com"), zkey("example.net")])]}}]},
            {"access": "allow", "permission_groups": [{"id": PG_DOMAIN_ADMIN["id"]}],
             "resource_groups": [{"id": RG_PROD["id"]}]},
            {"access": "deny", "permission_groups": [{"id": PG_DNS["id"]}],
             "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}]},
        ]

    def test_present_without_exclusive_keeps_repeats_and_others(self):
        current = [P_ADMIN, P_ZONES, P_ADMIN]
        plan = plan_policies(current, [])
        assert not plan.changed and plan.after == current
        assert not plan_policies(current, [P_ADMIN]).changed

    def test_exclusive_removes_the_others(self):
        current = policies_from_api(current_api())
        plan = plan_policies(current, [P_ADMIN], exclusive=True)
        assert plan.changed and plan.added == [] and plan.removed == [P_ZONES, P_RG] and plan.after == [P_ADMIN]
        assert len(plan.bodies()) == 1

    def test_exclusive_removes_repeats_of_a_kept_policy(self):
        plan = plan_policies([P_ADMIN, P_ZONES, P_ADMIN], [P_ADMIN, P_ZONES], exclusive=True)
        assert plan.changed and plan.added == [] and plan.removed == [P_ADMIN] and plan.after == [P_ADMIN, P_ZONES]

    def test_exclusive_with_nothing_resets(self):
        plan = plan_policies([P_ADMIN, P_ZONES, P_RG], [], exclusive=True)
        assert plan.changed and plan.bodies() == [] and plan.after == [] and len(plan.removed) == 3
        assert not plan_policies([], [], exclusive=True).changed
        assert not plan_policies(None, None, exclusive=True).changed

    def test_exclusive_same_set_other_order_is_unchanged(self):
        assert not plan_policies([P_RG, P_ADMIN, P_ZONES], [P_ZONES, P_RG, P_ADMIN], exclusive=True).changed

    def test_absent_removes_only_matches(self):
        current = policies_from_api(current_api())
        plan = plan_policies(current, [P_RG, P_DENY_DNS], state="absent")
        assert plan.changed and plan.removed == [P_RG] and plan.after == [P_ADMIN, P_ZONES] and plan.added == []

    def test_absent_of_missing_policy_is_unchanged(self):
        plan = plan_policies([P_ADMIN, P_ZONES], [P_DENY_DNS], state="absent")
        assert not plan.changed and plan.after == [P_ADMIN, P_ZONES]

    def test_absent_removes_every_copy(self):
        plan = plan_policies([P_ADMIN, P_ZONES, P_ADMIN], [P_ADMIN], state="absent")
        assert plan.removed == [P_ADMIN, P_ADMIN] and plan.after == [P_ZONES]

    def test_repeated_desired_policies_are_added_once(self):
        plan = plan_policies([], [P_DENY_DNS, Policy.of("DENY", [PG_DNS["id"]], [WHOLE])])
        assert plan.added == [P_DENY_DNS] and len(plan.bodies()) == 1
        plan = plan_policies([], [P_DENY_DNS, P_DENY_DNS], exclusive=True)
        assert plan.after == [P_DENY_DNS]

    def test_after_compares_equal_to_desired(self):
        desired = [P_ADMIN, P_ZONES, P_RG]
        plan = plan_policies([], desired)
        assert not plan_policies(plan.after, desired, exclusive=True).changed
        # What the PUT sends, read back as a request body, is the same set.
        assert policies_from_api(plan.bodies()) == desired

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_regenerated_ids_and_reordering_are_idempotent(self, seed):
        """After a PUT the API regenerates policy and anonymous group ids and reorders: nothing to change."""
        catalogue = fake_catalogue()
        desired = parse_policies([
            {"permission_groups": ["admin"]},
            {"permission_groups": ["domain_dns"], "zones": ["example.com", "example.net"]},
            {"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}], catalogue)
        for exclusive in (False, True):
            assert not plan_policies(policies_from_api(shuffled_copy(current_api(), seed)), desired,
                                     exclusive=exclusive).changed
        plan = plan_policies(policies_from_api(shuffled_copy(current_api(), seed)), desired, state="absent")
        assert plan.changed and len(plan.removed) == 3 and plan.bodies() == []


# =========================================================================== plan_group
class TestPlanGroup(object):
    def test_create_carries_policies_and_members(self):
        plan = plan_group(None, "New", desired_policies=[P_ADMIN], desired_member_ids=[A, B])
        assert plan.create and plan.changed and plan.name == "New" and plan.rename is None
        assert plan.policies.added == [P_ADMIN] and plan.policies.before == []
        assert plan.members.to_add == [A, B] and plan.members.method == "POST"

    def test_create_without_lists(self):
        plan = plan_group(None, "Bare")
        assert plan.create and plan.changed and plan.policies is None and plan.members is None

    def test_omitted_lists_are_left_alone(self):
        current = {"id": hexid(50), "name": "Ops"}
        plan = plan_group(current, None, current_policies=[P_ADMIN], current_member_ids=[A])
        assert not plan.changed and plan.policies is None and plan.members is None and plan.name == "Ops"

    def test_rename_only(self):
        plan = plan_group({"id": hexid(50), "name": "Ops"}, "Operations", current_policies=[P_ADMIN],
                          desired_policies=[P_ADMIN])
        assert plan.changed and plan.rename == "Operations" and plan.name == "Operations"
        assert not plan.policies.changed
        assert plan_group({"id": hexid(50), "name": "Ops"}, "Ops").rename is None

    def test_exclusive_defaults(self):
        plan = plan_group({"id": hexid(50), "name": "Ops"}, None, current_policies=[P_ADMIN, P_ZONES],
                          desired_policies=[P_ADMIN], current_member_ids=[A, B], desired_member_ids=[B, C])
        assert plan.policies.removed == [P_ZONES]
        assert plan.members.to_remove == [A] and plan.members.to_add == [C] and plan.members.method == "PUT"

    def test_additive(self):
        plan = plan_group({"id": hexid(50), "name": "Ops"}, None, current_policies=[P_ADMIN, P_ZONES],
                          desired_policies=[P_RG], exclusive_policies=False, current_member_ids=[A, B],
                          desired_member_ids=[C], exclusive_members=False)
        assert plan.policies.removed == [] and plan.policies.after == [P_ADMIN, P_ZONES, P_RG]
        assert plan.members.to_remove == [] and plan.members.method == "POST"

    def test_nothing_to_do(self):
        plan = plan_group({"id": hexid(50), "name": "Ops"}, None, current_policies=[P_ADMIN],
                          desired_policies=[P_ADMIN], current_member_ids=[A], desired_member_ids=[A])
        assert not plan.changed and not plan.create


# =========================================================================== plan_account
def group(n, name):
    return {"id": hexid(700 + n), "name": name}


def desired(name, member_ids=None, members_declared=False, policies=None, scim=False):
    return DesiredGroup(name, scim, name, policies=policies, member_ids=member_ids, members_declared=members_declared)


def excludes(*patterns):
    return [(p, re.compile(p)) for p in patterns]


class TestPlanAccount(object):
    def test_omitted_members_never_remove_anyone(self):
        """A parent that declares no members only gains its children's, even with exclusive_members=true."""
        catalogue = fake_catalogue()
        tree = [{"name": "Engineering", "children": [{"name": "SRE", "members": ["carol@example.com"]}]}]
        groups, problems = parse_declaration(tree, catalogue)
        assert problems == []
        eng, sre = group(1, "Engineering"), group(2, "SRE")
        plan = plan_account(groups, [eng, sre], {eng["id"]: [ALICE, BOB], sre["id"]: [DAVE]}, {},
                            exclusive_members=True)
        plans = dict((d.name, p) for d, p in plan.groups)
        assert plans["Engineering"].members.to_add == [CAROL]
        assert plans["Engineering"].members.to_remove == [] and plans["Engineering"].members.method == "POST"
        assert plans["SRE"].members.to_remove == [DAVE] and plans["SRE"].members.method == "PUT"
        assert plans["Engineering"].policies is None and plan.changed

    def test_declared_members_are_exact_unless_additive(self):
        groups = [desired("Ops", [A, B], members_declared=True)]
        ops = group(1, "Ops")
        exact = plan_account(groups, [ops], {ops["id"]: [B, C]}, {})
        assert exact.groups[0][1].members.to_remove == [C] and exact.groups[0][1].members.to_add == [A]
        additive = plan_account(groups, [ops], {ops["id"]: [B, C]}, {}, exclusive_members=False)
        assert additive.groups[0][1].members.to_remove == [] and additive.groups[0][1].members.to_add == [A]

    def test_policies_exact_unless_additive(self):
        groups = [desired("Ops", policies=[P_ADMIN])]
        ops = group(1, "Ops")
        exact = plan_account(groups, [ops], {}, {ops["id"]: [P_ADMIN, P_ZONES]})
        assert exact.groups[0][1].policies.removed == [P_ZONES]
        additive = plan_account(groups, [ops], {}, {ops["id"]: [P_ADMIN, P_ZONES]}, exclusive_policies=False)
        assert not additive.changed

    def test_new_group_is_created(self):
        plan = plan_account([desired("New", [A], True, [P_ADMIN])], [], {}, {})
        ((_wanted, gplan),) = plan.groups
        assert gplan.create and gplan.members.to_add == [A] and gplan.policies.added == [P_ADMIN] and plan.changed

    def test_nothing_to_do(self):
        ops = group(1, "Ops")
        plan = plan_account([desired("Ops", [A], True, [P_ADMIN])], [ops], {ops["id"]: [A]},
                            {ops["id"]: [P_ADMIN]}, purge=True)
        assert not plan.changed and plan.delete == [] and plan.problems == [] and plan.warnings == []

    def test_purge_deletes_every_undeclared_group(self):
        current = [group(1, "Ops"), group(2, "Old"), group(3, "Older")]
        plan = plan_account([desired("Ops")], current, {}, {}, purge=True)
        assert [g["name"] for g in plan.delete] == ["Old", "Older"] and plan.changed
        assert plan_account([desired("Ops")], current, {}, {}, purge=False).delete == []

    def test_purge_exclusions_search_or_equal_and_say_what_they_protected(self):
        current = [group(1, "Okta Engineering"), group(2, "Not Okta"), group(3, "Vendor Contractors"),
                   group(4, "Contractors archive"), group(5, "Break glass (admins)"), group(6, "Okta Contractors"),
                   group(7, "Stale")]
        plan = plan_account([], current, {}, {}, purge=True,
                            purge_exclude=excludes("^Okta", "Contractors$", "Break glass (admins)"))
        assert sorted(g["name"] for g in plan.delete) == ["Contractors archive", "Not Okta", "Stale"]
        assert plan.protected == {"^Okta": ["Okta Contractors", "Okta Engineering"],
                                  "Contractors$": ["Okta Contractors", "Vendor Contractors"],
                                  "Break glass (admins)": ["Break glass (admins)"]}

    def test_pattern_protects(self):
        assert pattern_protects(re.compile("^Okta"), "Okta Sales")
        assert not pattern_protects(re.compile("^Okta"), "Sales Okta")
        assert pattern_protects("Exact", "Exact") and not pattern_protects("Exact", "Exact name")

    def test_look_alike_undeclared_groups_are_never_purged(self):
        nfd = unicodedata.normalize("NFD", u"Financ\u00e9")
        current = [group(1, "Finance"), group(2, "finance "), group(3, nfd), group(4, "Legal")]
        plan = plan_account([desired(u"Financ\u00e9"), desired("FINANCE")], current, {}, {}, purge=True,
                            lookalike_names="warn")
        assert [g["name"] for g in plan.delete] == ["Legal"]
        assert plan.look_alikes == {"Finance": "FINANCE", "finance ": "FINANCE", nfd: u"Financ\u00e9"}

    def test_a_declared_group_missing_next_to_a_look_alike_warns(self):
        plan = plan_account([desired("Finance")], [group(1, "finance")], {}, {}, purge=True, lookalike_names="warn")
        ((_wanted, gplan),) = plan.groups
        assert gplan.create and plan.delete == [] and plan.look_alikes == {"finance": "Finance"}
        assert len(plan.warnings) == 1
        assert plan.warnings[0].startswith("declared group 'Finance' does not exist, but group 'finance' (%s) does"
                                           % hexid(701))

    def test_duplicate_declared_names_in_the_account_are_problems(self):
        current = [group(1, "Twins"), group(2, "Twins"), group(3, "Other")]
        plan = plan_account([desired("Twins", [A], True)], current, {}, {}, purge=True)
        assert plan.problems == ["2 user groups are named 'Twins' (ids: %s, %s); delete or rename the extra ones"
                                 % (hexid(701), hexid(702))]
        assert plan.groups == [] and [g["name"] for g in plan.delete] == ["Other"]

    def test_missing_scim_groups(self):
        current = [group(1, "Okta Sales")]
        plan = plan_account([desired("Okta Sales", scim=True, policies=[P_ADMIN]),
                             desired("Okta Support", scim=True, policies=[P_ADMIN])], current, {},
                            {hexid(701): []}, purge=True)
        assert plan.missing_scim == ["Okta Support"]
        ((wanted, gplan),) = plan.groups
        assert wanted.name == "Okta Sales" and gplan.members is None and gplan.policies.added == [P_ADMIN]
        assert plan.delete == []

    def test_scim_group_members_are_never_planned(self):
        okta = group(1, "Okta Sales")
        plan = plan_account([desired("Okta Sales", member_ids=[A], members_declared=True, scim=True)], [okta],
                            {okta["id"]: [B]}, {})
        assert plan.groups[0][1].members is None and not plan.changed
