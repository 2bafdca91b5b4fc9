# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure unit tests of policies.py: no network, a fake Lookups object."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import random

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import (
    DesiredPolicy,
    account_scope_key,
    current_policy_body,
    current_policy_signature,
    needs_named_rg_listing,
    normalize_policies,
    normalize_policy,
    plan_policies,
    policy_item_from_normalized,
    readable_policy,
    resolve_policies,
    validate_policy_items,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
ACCOUNT_KEY = "com.cloudflare.api.account." + ACCOUNT
ACCT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"


def hexid(n):
    return "%032x" % n


PG_ADMIN = {"id": hexid(1), "name": "Administrator", "meta": {"label": "admin", "scopes": ACCT_SCOPE}}
PG_READ = {"id": hexid(2), "name": "Administrator Read Only", "meta": {"label": "admin_readonly", "scopes": ACCT_SCOPE}}
PG_DNS = {"id": hexid(3), "name": "DNS", "meta": {"label": "dns", "scopes": ACCT_SCOPE}}
PG_DOMAIN_DNS = {"id": hexid(4), "name": "Domain DNS", "meta": {"label": "domain_dns", "scopes": ZONE_SCOPE}}
PG_DOMAIN_ADMIN = {"id": hexid(5), "name": "Domain Administrator",
                   "meta": {"label": "domain_admin", "scopes": ZONE_SCOPE}}
PGS = [PG_ADMIN, PG_READ, PG_DNS, PG_DOMAIN_DNS, PG_DOMAIN_ADMIN]

ZONES = [{"id": hexid(100), "name": "example.com"}, {"id": hexid(101), "name": "example.net"},
         {"id": hexid(102), "name": "example.org"}]
ZONE_IDS = dict((z["name"], z["id"]) for z in ZONES)

RG_PROD = {"id": hexid(200), "name": "Production zones",
           "scope": {"key": ACCOUNT_KEY, "objects": [
               {"key": "com.cloudflare.api.account.zone." + hexid(100)},
               {"key": "com.cloudflare.api.account.zone." + hexid(101)}]},
           "meta": {"editable": "true"}}
RG_DUP1 = {"id": hexid(201), "name": "Twin", "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}
RG_DUP2 = {"id": hexid(202), "name": "Twin", "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}
RGS = [RG_PROD, RG_DUP1, RG_DUP2]


def zkey(name):
    return "com.cloudflare.api.account.zone." + ZONE_IDS[name]


class FakeLookups(object):
    """The subset of Lookups that policies.py uses, over fixed catalogues."""

    def __init__(self, pgs=None, zones=None, rgs=None):
        self.pgs = list(PGS if pgs is None else pgs)
        self.zones = list(ZONES if zones is None else zones)
        self.rgs = list(RGS if rgs is None else rgs)
        self.calls = []

    def find_permission_group(self, ref):
        self.calls.append(("pg", ref))
        for key in (lambda p: p["id"], lambda p: p["meta"]["label"], lambda p: p["name"]):
            for pg in self.pgs:
                if key(pg) == ref:
                    return pg
        return None

    def describe_permission_group(self, pg_id):
        return next((pg for pg in self.pgs if pg["id"] == pg_id), None)

    def permission_group_names(self):
        return [pg["name"] for pg in self.pgs] + [pg["meta"]["label"] for pg in self.pgs]

    def prefetch_zones(self, refs):
        self.calls.append(("prefetch", tuple(refs)))

    def find_zone(self, ref, verify=True):
        self.calls.append(("zone", ref))
        for zone in self.zones:
            if zone["name"] == ref.lower() or zone["id"] == ref:
                return zone
        return None

    def zone_names(self):
        return [z["name"] for z in self.zones]

    def zone_name(self, zone_id):
        return next((z["name"] for z in self.zones if z["id"] == zone_id), None)

    def resource_groups(self):
        return self.rgs

    def find_resource_group(self, ref):
        for rg in self.rgs:
            if rg["id"] == ref:
                return rg
        matches = [rg for rg in self.rgs if rg["name"] == ref]
        return matches[0] if len(matches) == 1 else (matches or None)


@pytest.fixture
def lookups():
    return FakeLookups()


def resolve(items, lookups, **kwargs):
    return resolve_policies(items, lookups, ACCOUNT, **kwargs)


# --------------------------------------------------------------------------- API-shaped policies
def api_pg(pg):
    out = copy.deepcopy(pg)
    out.update({"status": "V", "created_on": "2020-07-06T12:19:13.099114Z", "modified_on": "2020-10-13T11:18:00Z"})
    out["meta"] = dict(out["meta"], description="whatever", editable="false")
    return out


def anon_rg(rg_id, key, object_keys):
    """An anonymous resource group as the API returns an inline scope: named after its key."""
    return {"id": rg_id, "name": key, "meta": {"editable": "false"}, "status": "V",
            "created_on": "2025-01-24T15:31:36.759979Z", "modified_on": "2025-01-24T15:31:36.759979Z",
            "scope": {"key": key, "objects": [{"key": k} for k in object_keys]}}


def named_rg(rg):
    out = copy.deepcopy(rg)
    out.update({"status": "V", "created_on": "2025-01-24T15:31:36.759979Z"})
    return out


def api_policy(policy_id, access, pgs, rgs):
    return {"id": policy_id, "access": access, "status": "V", "created_on": "2025-01-24T15:31:36Z",
            "modified_on": "2025-01-24T15:31:36Z",
            "permission_groups": [api_pg(p) for p in pgs], "resource_groups": rgs}


def account_policy(policy_id=hexid(900), pgs=(PG_ADMIN,), access="allow", rg_id=hexid(300)):
    return api_policy(policy_id, access, list(pgs), [anon_rg(rg_id, ACCOUNT_KEY, ["*"])])


def zones_policy(policy_id=hexid(901), pgs=(PG_DOMAIN_DNS,), zones=("example.com", "example.net"), rg_id=hexid(301)):
    return api_policy(policy_id, "allow", list(pgs), [anon_rg(rg_id, ACCOUNT_KEY, [zkey(z) for z in zones])])


def rg_policy(policy_id=hexid(902), pgs=(PG_DOMAIN_ADMIN,), rg=None):
    rg = RG_PROD if rg is None else rg
    return api_policy(policy_id, "allow", list(pgs), [named_rg(rg)])


# =========================================================================== validation
class TestValidation(object):
    def test_valid_items_have_no_problems(self):
        items = [
            {"permission_groups": ["admin"]},
            {"access": "DENY", "permission_groups": ["dns"], "zones": ["example.com"]},
            {"access": "allow", "permission_groups": ["Domain DNS"], "resource_groups": ["Production zones"]},
            {"permission_groups": ["x"], "scope": {"key": ACCOUNT_KEY, "objects": ["*"]}},
            {"permission_groups": ["x"], "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}},
        ]
        assert validate_policy_items(items) == []

    def test_none_is_no_policies(self):
        assert validate_policy_items(None) == []
        assert validate_policy_items([]) == []

    def test_not_a_list(self):
        problems = validate_policy_items({"permission_groups": ["admin"]})
        assert len(problems) == 1
        assert "must be a list" in problems[0] and "dict" in problems[0]

    def test_every_bad_shape_is_reported_at_once(self):
        items = [
            "admin",                                                             # 0 not a dict
            {"permission_groups": ["admin"], "acess": "allow"},                  # 1 unknown key
            {"access": "maybe", "permission_groups": ["admin"]},                 # 2 bad access
            {"access": "allow"},                                                 # 3 no permission groups
            {"permission_groups": []},                                           # 4 empty permission groups
            {"permission_groups": ["admin", " ", 3]},                            # 5 bad pg items
            {"permission_groups": ["dns"], "zones": ["a.com"], "resource_groups": ["rg"]},  # 6 two targets
            {"permission_groups": ["dns"], "zones": []},                         # 7 empty zones
            {"permission_groups": ["dns"], "resource_groups": "Production"},     # 8 not a list
            {"permission_groups": ["dns"], "zones": ["ok.com", ""]},             # 9 bad zone item
            {"permission_groups": ["dns"], "scope": "account"},                  # 10 scope not a dict
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY}},       # 11 no objects
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": []}},  # 12 empty objects
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": [{"key": ""}, 5]}},  # 13
            {"permission_groups": ["dns"], "scope": {"objects": ["*"]}},         # 14 no key
        ]
        problems = validate_policy_items(items)
        joined = "\n".join(problems)
        for index in range(len(items)):
            assert "policies[%d]" % index in joined, "item %d not reported:\n%s" % (index, joined)
        assert "must be a dictionary, got str" in problems[0]
        assert "unknown keys acess" in joined
        assert "access must be allow or deny, got 'maybe'" in joined
        assert "zones and resource_groups" in joined
        assert "should not be zero" in joined
        # one problem per bad item, nothing lost, nothing duplicated
        assert len(problems) == len(items)

    def test_where_prefix(self):
        problems = validate_policy_items([{"permission_groups": []}], where="groups[2].policies")
        assert problems[0].startswith("groups[2].policies[0]")

    def test_resolve_raises_all_shape_problems_before_any_lookup(self, lookups):
        with pytest.raises(ResolutionError) as info:
            resolve([{"access": "x", "permission_groups": ["admin"]}, {"permission_groups": []}], lookups)
        assert len(info.value.problems) == 2
        assert lookups.calls == []


# =========================================================================== resolution
class TestResolution(object):
    def test_account_scope_is_the_default(self, lookups):
        (policy,) = resolve([{"permission_groups": ["admin"]}], lookups)
        assert policy.access == "allow"
        assert policy.body() == {"access": "allow", "permission_groups": [{"id": PG_ADMIN["id"]}],
                                 "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}]}

    def test_permission_groups_by_label_name_and_id_are_one(self, lookups):
        (policy,) = resolve([{"access": "Allow", "permission_groups": ["admin", "Administrator", PG_ADMIN["id"]]}],
                            lookups)
        assert [pg["id"] for pg in policy.permission_groups] == [PG_ADMIN["id"]]

    def test_zones_become_one_inline_scope(self, lookups):
        (policy,) = resolve([{"permission_groups": ["domain_dns"], "zones": ["example.net", "EXAMPLE.com"]}], lookups)
        assert policy.body()["resource_groups"] == [
            {"scope": {"key": ACCOUNT_KEY, "objects": sorted(
                [{"key": zkey("example.com")}, {"key": zkey("example.net")}], key=lambda o: o["key"])}}]

    def test_named_resource_group_is_sent_by_id(self, lookups):
        (policy,) = resolve([{"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}], lookups)
        assert policy.body()["resource_groups"] == [{"id": RG_PROD["id"]}]
        assert policy.rg_signatures() == [("rg", RG_PROD["id"])]

    def test_same_policy_twice_is_one(self, lookups):
        items = [{"permission_groups": ["admin", "dns"]}, {"access": "ALLOW", "permission_groups": ["dns", "admin"]}]
        assert len(resolve(items, lookups)) == 1

    def test_unknown_names_all_reported_with_suggestions(self, lookups):
        items = [{"permission_groups": ["admn", "Administratr"]},
                 {"permission_groups": ["domain_dns"], "zones": ["exampel.com", "nowhere.invalid"]},
                 {"permission_groups": ["domain_dns"], "resource_groups": ["Production zone", "Twin"]}]
        with pytest.raises(ResolutionError) as info:
            resolve(items, lookups)
        problems = info.value.problems
        joined = "\n".join(problems)
        assert "policies[0]: unknown permission group 'admn' (did you mean 'admin'" in joined
        assert "unknown permission group 'Administratr' (did you mean 'Administrator'" in joined
        assert "policies[1]: unknown zone 'exampel.com' in account %s (did you mean 'example.com'" % ACCOUNT in joined
        assert "unknown zone 'nowhere.invalid'" in joined
        assert "unknown resource group 'Production zone' (did you mean 'Production zones'" in joined
        assert "resource group name 'Twin' is ambiguous, ids: %s, %s" % (RG_DUP1["id"], RG_DUP2["id"]) in joined
        assert len(problems) == 6

    def test_zone_role_on_the_whole_account_is_refused(self, lookups):
        with pytest.raises(ResolutionError) as info:
            resolve([{"permission_groups": ["domain_dns"]}], lookups)
        (problem,) = info.value.problems
        assert "policies[0]" in problem and "'Domain DNS'" in problem and "not to the whole account" in problem

    def test_account_role_on_zones_is_refused(self, lookups):
        items = [{"permission_groups": ["admin"], "zones": ["example.com"]},
                 {"permission_groups": ["dns"], "resource_groups": ["Production zones"]},
                 {"permission_groups": ["admin_readonly"],
                  "scope": {"key": "com.cloudflare.api.account.zone." + hexid(100), "objects": ["*"]}}]
        with pytest.raises(ResolutionError) as info:
            resolve(items, lookups)
        problems = info.value.problems
        assert len(problems) == 3
        assert all("not to individual zones" in p for p in problems)
        assert "'Administrator'" in problems[0] and "'DNS'" in problems[1]

    def test_mixed_roles_report_only_the_misfit(self, lookups):
        with pytest.raises(ResolutionError) as info:
            resolve([{"permission_groups": ["domain_dns", "domain_admin", "dns"], "zones": ["example.com"]}], lookups)
        (problem,) = info.value.problems
        assert "'DNS'" in problem

    def test_unclassified_scopes_are_not_checked(self, lookups):
        worker = {"key": ACCOUNT_KEY, "objects": ["com.cloudflare.api.account.worker." + hexid(7)]}
        (policy,) = resolve([{"permission_groups": ["domain_dns"], "scope": worker}], lookups)
        assert policy.body()["resource_groups"][0]["scope"]["objects"] == [{"key": worker["objects"][0]}]

    def test_unverified_ids_skip_the_catalogue(self, lookups):
        unknown = hexid(4242)
        (policy,) = resolve([{"permission_groups": [unknown]}], lookups, verify=False)
        assert policy.permission_groups == [{"id": unknown}]
        assert ("pg", unknown) not in lookups.calls


# =========================================================================== signatures
class TestSignatures(object):
    def test_orders_are_irrelevant(self):
        one = api_policy(hexid(1), "allow", [PG_DOMAIN_DNS, PG_DOMAIN_ADMIN],
                         [anon_rg(hexid(10), ACCOUNT_KEY, [zkey("example.com"), zkey("example.net")]),
                          anon_rg(hexid(11), ACCOUNT_KEY, [zkey("example.org")])])
        two = api_policy(hexid(1), "allow", [PG_DOMAIN_ADMIN, PG_DOMAIN_DNS],
                         [anon_rg(hexid(11), ACCOUNT_KEY, [zkey("example.org")]),
                          anon_rg(hexid(10), ACCOUNT_KEY, [zkey("example.net"), zkey("example.com")])])
        assert current_policy_signature(one) == current_policy_signature(two)

    def test_ids_status_timestamps_meta_ignored(self):
        one = account_policy(policy_id=hexid(1), rg_id=hexid(10))
        two = account_policy(policy_id=hexid(2), rg_id=hexid(20))
        two["status"] = "X"
        two["created_on"] = two["modified_on"] = "2030-01-01T00:00:00Z"
        two["permission_groups"][0]["meta"] = {"label": "renamed"}
        two["permission_groups"][0]["name"] = "Renamed"
        two["resource_groups"][0]["meta"] = {"editable": "true"}
        two["resource_groups"][0]["modified_on"] = "2031-01-01T00:00:00Z"
        two["access"] = "ALLOW"
        assert current_policy_signature(one) == current_policy_signature(two)

    def test_differences_do_count(self):
        base = current_policy_signature(account_policy())
        assert current_policy_signature(account_policy(access="deny")) != base
        assert current_policy_signature(account_policy(pgs=(PG_ADMIN, PG_DNS))) != base
        assert current_policy_signature(zones_policy(pgs=(PG_ADMIN,))) != base
        assert (current_policy_signature(zones_policy(zones=("example.com",)))
                != current_policy_signature(zones_policy()))

    def test_scope_as_an_array_is_accepted(self):
        policy = account_policy()
        rg = policy["resource_groups"][0]
        rg["scope"] = [rg["scope"]]
        assert current_policy_signature(policy) == current_policy_signature(account_policy())

    def test_desired_equals_current(self, lookups):
        items = [{"access": "allow", "permission_groups": ["admin"]},
                 {"permission_groups": ["domain_admin", "domain_dns"], "zones": ["example.net", "example.com"]},
                 {"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}]
        desired = resolve(items, lookups)
        current = [account_policy(), zones_policy(pgs=(PG_DOMAIN_DNS, PG_DOMAIN_ADMIN)), rg_policy()]
        referenced = set([RG_PROD["id"]])
        assert (set(p.signature() for p in desired)
                == set(current_policy_signature(p, referenced) for p in current))

    def test_named_rg_compares_by_scope_unless_referenced(self):
        policy = rg_policy()
        by_scope = current_policy_signature(policy)
        assert by_scope[2][0][0] == "scope"
        assert current_policy_signature(policy, set([RG_PROD["id"]]))[2] == (("rg", RG_PROD["id"]),)


# =========================================================================== plans
def shuffled_copy(policies, seed):
    """The same policies as the API would return them after a PUT: new ids, other order."""
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


class TestPlan(object):
    def current(self):
        return [account_policy(), zones_policy(), rg_policy()]

    def test_present_already_there_is_unchanged(self, lookups):
        desired = resolve([{"permission_groups": ["domain_dns"], "zones": ["example.net", "example.com"]}], lookups)
        plan = plan_policies(self.current(), desired)
        assert not plan.changed
        assert plan.added == [] and plan.removed == []

    def test_present_adds_and_resends_the_others_unchanged(self, lookups):
        desired = resolve([{"access": "deny", "permission_groups": ["dns"]}], lookups)
        current = self.current()
        plan = plan_policies(current, desired, named_rg_ids=set([RG_PROD["id"]]))
        assert plan.changed
        assert plan.removed == [] and plan.added == desired
        assert plan.bodies == [
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
        assert len(plan.after_policies) == 4
        assert plan.after_policies[:3] == current

    def test_resend_without_named_listing_uses_the_anonymous_heuristic(self, lookups):
        desired = resolve([{"access": "deny", "permission_groups": ["dns"]}], lookups)
        plan = plan_policies(self.current(), desired, named_rg_ids=None)
        assert plan.bodies[2]["resource_groups"] == [{"id": RG_PROD["id"]}]
        assert "scope" in plan.bodies[0]["resource_groups"][0]

    def test_named_rg_ids_decide_what_is_named(self):
        policy = rg_policy()
        assert current_policy_body(policy, named_rg_ids=set())["resource_groups"] == [
            {"scope": {"key": ACCOUNT_KEY, "objects": [{"key": k} for k in sorted(
                [zkey("example.com"), zkey("example.net")])]}}]
        assert current_policy_body(policy, named_rg_ids=set([RG_PROD["id"]]))["resource_groups"] == [
            {"id": RG_PROD["id"]}]

    def test_needs_named_rg_listing(self):
        assert not needs_named_rg_listing([account_policy(), zones_policy()])
        assert needs_named_rg_listing([account_policy(), rg_policy()])
        assert not needs_named_rg_listing(None)

    def test_exclusive_removes_the_others(self, lookups):
        desired = resolve([{"permission_groups": ["admin"]}], lookups)
        current = self.current()
        plan = plan_policies(current, desired, exclusive=True)
        assert plan.changed
        assert plan.added == []
        assert plan.removed == current[1:]
        assert plan.after_policies == current[:1]
        assert len(plan.bodies) == 1

    def test_exclusive_with_nothing_resets(self):
        plan = plan_policies(self.current(), [], exclusive=True)
        assert plan.changed and plan.bodies == [] and plan.after_policies == []
        assert len(plan.removed) == 3
        assert not plan_policies([], [], exclusive=True).changed
        assert not plan_policies(None, [], exclusive=True).changed

    def test_present_without_exclusive_and_nothing_wanted_changes_nothing(self):
        plan = plan_policies(self.current(), [])
        assert not plan.changed and len(plan.bodies) == 3

    def test_absent_removes_only_matches(self, lookups):
        desired = resolve([{"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]},
                           {"access": "deny", "permission_groups": ["dns"]}], lookups)
        current = self.current()
        plan = plan_policies(current, desired, state="absent")
        assert plan.changed
        assert plan.removed == [current[2]]
        assert plan.after_policies == current[:2]
        assert plan.added == []

    def test_absent_of_missing_policy_is_unchanged(self, lookups):
        desired = resolve([{"access": "deny", "permission_groups": ["dns"]}], lookups)
        plan = plan_policies(self.current(), desired, state="absent")
        assert not plan.changed and len(plan.bodies) == 3

    def test_absent_removes_every_duplicate(self, lookups):
        desired = resolve([{"permission_groups": ["admin"]}], lookups)
        current = [account_policy(policy_id=hexid(1)), account_policy(policy_id=hexid(2)), zones_policy()]
        plan = plan_policies(current, desired, state="absent")
        assert plan.removed == current[:2]
        assert plan.after_policies == current[2:]

    def test_duplicates_in_current_collapse_to_one(self, lookups):
        desired = resolve([{"permission_groups": ["admin"]}], lookups)
        current = [account_policy(policy_id=hexid(1)), zones_policy(), account_policy(policy_id=hexid(2))]
        plan = plan_policies(current, desired)
        assert plan.changed
        assert plan.removed == [current[2]]
        assert plan.after_policies == current[:2]

    def test_duplicate_desired_policies_are_added_once(self, lookups):
        one = resolve([{"permission_groups": ["dns"]}], lookups)[0]
        two = resolve([{"permission_groups": ["DNS"]}], lookups)[0]
        plan = plan_policies([], [one, two])
        assert len(plan.added) == 1 and len(plan.bodies) == 1

    def test_after_prediction_compares_equal_to_desired(self, lookups):
        desired = resolve([{"permission_groups": ["admin"]},
                           {"permission_groups": ["domain_dns"], "zones": ["example.org"]},
                           {"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}],
                          lookups)
        plan = plan_policies([], desired)
        again = plan_policies(plan.after_policies, desired)
        assert not again.changed

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_regenerated_ids_and_reordering_are_idempotent(self, lookups, seed):
        """After a PUT the API regenerates policy ids and reorders: a second plan changes nothing."""
        items = [{"permission_groups": ["admin", "dns"]},
                 {"permission_groups": ["domain_dns", "domain_admin"], "zones": ["example.com", "example.net",
                                                                                 "example.org"]},
                 {"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}]
        desired = resolve(items, lookups)
        current = [account_policy(pgs=(PG_DNS, PG_ADMIN)),
                   zones_policy(pgs=(PG_DOMAIN_ADMIN, PG_DOMAIN_DNS), zones=("example.org", "example.com",
                                                                             "example.net")),
                   rg_policy()]
        for state, exclusive in (("present", False), ("present", True)):
            plan = plan_policies(shuffled_copy(current, seed), desired, state=state, exclusive=exclusive)
            assert not plan.changed, (state, exclusive)
        plan = plan_policies(shuffled_copy(current, seed), desired, state="absent")
        assert plan.changed and len(plan.removed) == 3 and plan.bodies == []


# =========================================================================== views
class TestViews(object):
    def test_normalize_account_policy(self, lookups):
        view = normalize_policy(account_policy(pgs=(PG_READ, PG_ADMIN)), lookups, ACCOUNT)
        assert view == {
            "access": "allow",
            "permission_groups": [{"id": PG_ADMIN["id"], "name": "Administrator", "label": "admin"},
                                  {"id": PG_READ["id"], "name": "Administrator Read Only",
                                   "label": "admin_readonly"}],
            "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": ["*"]}}],
            "target": "account",
        }
        assert readable_policy(view) == {"access": "allow", "scope": "account",
                                         "permission_groups": ["Administrator", "Administrator Read Only"]}

    def test_normalize_zones_policy_names_zones(self, lookups):
        view = normalize_policy(zones_policy(), lookups, ACCOUNT)
        assert view["target"] == "zones"
        assert view["resource_groups"] == [{"scope": {"key": ACCOUNT_KEY, "objects": sorted(
            [zkey("example.com"), zkey("example.net")])}, "zones": ["example.com", "example.net"]}]
        assert readable_policy(view) == {"access": "allow", "permission_groups": ["Domain DNS"],
                                         "zones": ["example.com", "example.net"]}

    def test_normalize_without_lookups_keeps_ids(self):
        view = normalize_policy(zones_policy(), None, ACCOUNT)
        assert view["resource_groups"][0]["zones"] == sorted([hexid(100), hexid(101)])
        assert view["permission_groups"][0]["label"] == "domain_dns"

    def test_normalize_adhoc_zone_scope(self, lookups):
        key = "com.cloudflare.api.account.zone." + hexid(102)
        view = normalize_policy(api_policy(hexid(1), "allow", [PG_DOMAIN_DNS], [anon_rg(hexid(2), key, ["*"])]),
                                lookups, ACCOUNT)
        assert view["target"] == "zones"
        assert view["resource_groups"][0]["zones"] == ["example.org"]

    def test_normalize_named_resource_group(self, lookups):
        view = normalize_policy(rg_policy(), lookups, ACCOUNT)
        assert view["target"] == "resource_groups"
        (entry,) = view["resource_groups"]
        assert entry["id"] == RG_PROD["id"] and entry["name"] == "Production zones"
        assert readable_policy(view)["resource_groups"] == ["Production zones"]

    def test_normalize_custom_scope(self, lookups):
        worker = "com.cloudflare.api.account.worker." + hexid(7)
        view = normalize_policy(api_policy(hexid(1), "deny", [PG_DNS], [anon_rg(hexid(2), ACCOUNT_KEY, [worker])]),
                                lookups, ACCOUNT)
        assert view["target"] == "scope"
        assert readable_policy(view)["scope"] == [{"key": ACCOUNT_KEY, "objects": [worker]}]

    def test_normalize_has_no_volatile_fields(self, lookups):
        one = normalize_policies([account_policy(policy_id=hexid(1)), zones_policy()], lookups, ACCOUNT)
        two = normalize_policies(shuffled_copy([zones_policy(), account_policy(policy_id=hexid(2))], 7),
                                 lookups, ACCOUNT)
        assert one == two
        text = repr(one)
        for volatile in ("created_on", "modified_on", "status", hexid(900), hexid(300)):
            assert volatile not in text

    def test_normalize_policies_empty(self):
        assert normalize_policies(None) == [] and normalize_policies([]) == []

    @pytest.mark.parametrize("policy", [
        account_policy(pgs=(PG_ADMIN, PG_DNS)),
        account_policy(access="deny"),
        zones_policy(pgs=(PG_DOMAIN_DNS, PG_DOMAIN_ADMIN), zones=("example.com", "example.org")),
        rg_policy(),
        api_policy(hexid(1), "allow", [PG_DOMAIN_DNS],
                   [anon_rg(hexid(2), ACCOUNT_KEY, ["com.cloudflare.api.account.worker." + hexid(7)])]),
        api_policy(hexid(1), "allow", [PG_DOMAIN_DNS],
                   [anon_rg(hexid(2), "com.cloudflare.api.account.zone." + hexid(102), ["*"])]),
    ], ids=["account", "deny", "zones", "resource_group", "workers_scope", "adhoc_zone"])
    def test_policy_item_round_trip(self, lookups, policy):
        """normalize -> user item -> resolve gives the same signature as the API policy."""
        item = policy_item_from_normalized(normalize_policy(policy, lookups, ACCOUNT))
        assert validate_policy_items([item]) == []
        (desired,) = resolve([item], lookups)
        referenced = set(rg["id"] for rg in desired.resource_groups if rg.get("id"))
        assert desired.signature() == current_policy_signature(policy, referenced)
        assert not plan_policies([policy], [desired]).changed

    def test_policy_item_uses_labels_and_zone_names(self, lookups):
        item = policy_item_from_normalized(normalize_policy(zones_policy(), lookups, ACCOUNT))
        assert item == {"access": "allow", "permission_groups": ["domain_dns"],
                        "zones": ["example.com", "example.net"]}
        item = policy_item_from_normalized(normalize_policy(account_policy(), lookups, ACCOUNT))
        assert item == {"access": "allow", "permission_groups": ["admin"]}


def test_desired_policy_as_api_policy_round_trips(lookups):
    for items in ([{"permission_groups": ["admin"]}],
                  [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}],
                  [{"permission_groups": ["domain_dns"], "resource_groups": ["Production zones"]}]):
        (desired,) = resolve(items, lookups)
        referenced = set(rg["id"] for rg in desired.resource_groups if rg.get("id"))
        assert current_policy_signature(desired.as_api_policy(), referenced) == desired.signature()


def test_account_scope_key():
    assert account_scope_key(ACCOUNT) == ACCOUNT_KEY
    assert isinstance(DesiredPolicy("allow", [], []).body(), dict)


@pytest.mark.parametrize("items", [
    [{"permission_groups": ["admin", "dns"]}],
    [{"access": "deny", "permission_groups": ["domain_dns"], "zones": ["example.com", "example.net"]}],
    [{"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}],
    [{"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": [
        "com.cloudflare.api.account.worker." + hexid(7)]}}],
], ids=["account", "zones", "resource_group", "scope"])
def test_desired_policy_item_names_everything_by_id(lookups, items):
    """``item()`` resolves, without verification, to the same policy."""
    (desired,) = resolve(items, lookups)
    item = desired.item()
    assert validate_policy_items([item]) == []
    assert all(len(ref) == 32 for ref in item["permission_groups"])
    (again,) = resolve([item], lookups, verify=False)
    assert again.signature() == desired.signature()
    assert again.body() == desired.body()
