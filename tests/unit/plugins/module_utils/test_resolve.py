# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""resolve.py: parse_policies, resolve_members, parse_scope (the names of what the user wrote, every problem at once).

A real ``Catalogue`` runs over ``FakeAPI`` (fixed lists, no HTTP); ``api.calls`` shows which listings were read.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, ResourceGroupRef, Scope
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import (
    parse_policies,
    parse_scope,
    resolve_members,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ACCOUNT_KEY,
    ACCT_SCOPE,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    OTHER_ACCOUNT,
    PG_ADMIN,
    PG_DNS,
    PG_DOMAIN_ADMIN,
    PG_DOMAIN_DNS,
    PG_LEGACY,
    PG_NOSCOPE,
    RG_PROD,
    RG_TWIN1,
    RG_TWIN2,
    ZONE_IDS,
    fake_catalogue,
    hexid,
    worker_obj,
    zkey,
)


@pytest.fixture
def cat():
    return fake_catalogue()


def parse(items, catalogue, **kwargs):
    return parse_policies(items, catalogue, **kwargs)


def problems_of(items, catalogue, **kwargs):
    with pytest.raises(ResolutionError) as info:
        parse_policies(items, catalogue, **kwargs)
    return info.value.problems


ZONES_COM_NET = Scope.zones(ACCOUNT, [ZONE_IDS["example.com"], ZONE_IDS["example.net"]])
WHOLE = Scope.account(ACCOUNT)


# =========================================================================== parse_policies: values
class TestParsePolicies(object):
    def test_account_scope_is_the_default(self, cat):
        (policy,) = parse([{"permission_groups": ["admin"]}], cat)
        assert policy == Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])

    def test_none_and_empty(self, cat):
        assert parse(None, cat) is None
        assert parse([], cat) == []
        assert cat.api.calls == []

    def test_roles_by_label_name_id_and_case_are_one(self, cat):
        (policy,) = parse([{"access": " Allow ", "permission_groups": [
            "admin", "Administrator", PG_ADMIN["id"], "ADMINISTRATOR", " admin "]}], cat)
        assert policy.permission_groups == frozenset([PG_ADMIN["id"]]) and policy.access == "allow"

    def test_zones_by_name_and_id_become_one_inline_scope(self, cat):
        (policy,) = parse([{"permission_groups": ["domain_dns"],
                            "zones": ["example.net", "EXAMPLE.com", ZONE_IDS["example.net"]]}], cat)
        assert policy.resource_groups == frozenset([ZONES_COM_NET])

    def test_named_resource_group_by_name_case_and_id(self, cat):
        for ref in ("Production zones", "production ZONES", RG_PROD["id"]):
            (policy,) = parse([{"permission_groups": ["domain_admin"], "resource_groups": [ref]}], cat)
            assert policy.resource_groups == frozenset([ResourceGroupRef(RG_PROD["id"])]), ref
        # An ambiguous name given by id is fine.
        (policy,) = parse([{"permission_groups": ["admin"], "resource_groups": [RG_TWIN2["id"]]}], cat)
        assert policy.resource_groups == frozenset([ResourceGroupRef(RG_TWIN2["id"])])

    def test_scope_as_one_dict_or_a_list(self, cat):
        one = parse([{"permission_groups": ["domain_dns"], "scope": {"key": zkey("example.org"), "objects": ["*"]}}],
                    cat)
        two = parse([{"permission_groups": ["domain_dns"], "scope": [
            {"key": zkey("example.org"), "objects": [{"key": "*"}]}]}], cat)
        assert one == two == [Policy.of("allow", [PG_DOMAIN_DNS["id"]], [Scope.of(zkey("example.org"), ["*"])])]

    def test_combined_targets_in_one_item(self, cat):
        (policy,) = parse([{"permission_groups": ["domain_dns", "domain_admin"], "zones": ["example.org"],
                            "resource_groups": ["Production zones"],
                            "scope": [{"key": zkey("shop.example.com"), "objects": ["*"]},
                                      {"key": ACCOUNT_KEY, "objects": [zkey("example.com"), zkey("example.net")]}]}],
                          cat)
        assert policy == Policy.of("allow", [PG_DOMAIN_DNS["id"], PG_DOMAIN_ADMIN["id"]], [
            Scope.zones(ACCOUNT, [ZONE_IDS["example.org"]]), ResourceGroupRef(RG_PROD["id"]),
            Scope.of(zkey("shop.example.com"), ["*"]), ZONES_COM_NET])

    def test_worker_scope_with_a_resource_role(self, cat):
        inline, named = parse([{"permission_groups": ["workers_script_editor"],
                                "scope": {"key": ACCOUNT_KEY, "objects": [worker_obj(2), worker_obj(1)]}},
                               {"permission_groups": ["workers_script_editor"], "resource_groups": ["Edge workers"]}],
                              cat)
        assert inline.resource_groups == frozenset([Scope.of(ACCOUNT_KEY, [worker_obj(1), worker_obj(2)])])
        assert named.resource_groups == frozenset([ResourceGroupRef(hexid(203))])

    def test_unknown_form_allowed_on_request(self, cat):
        kv = {"key": ACCOUNT_KEY, "objects": [ACCT_SCOPE + ".kv." + hexid(1)]}
        foreign = {"key": ACCT_SCOPE + "." + OTHER_ACCOUNT, "objects": ["*"]}
        (policy,) = parse([{"permission_groups": ["domain_dns"], "scope": [kv, foreign],
                            "allow_unknown_scope": True}], cat)
        assert policy.resource_groups == frozenset([Scope.of(kv["key"], kv["objects"]),
                                                    Scope.of(foreign["key"], foreign["objects"])])

    def test_role_without_scopes_metadata_is_not_checked(self, cat):
        (policy,) = parse([{"permission_groups": ["mystery"], "zones": ["example.com"]}], cat)
        assert policy.permission_groups == frozenset([PG_NOSCOPE["id"]])

    def test_null_valued_keys_are_dropped(self, cat):
        (policy,) = parse([{"access": None, "permission_groups": ["admin"], "zones": None, "resource_groups": None,
                            "scope": None, "allow_unknown_scope": None}], cat)
        assert policy == Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])

    def test_same_policy_twice_is_one(self, cat):
        items = [{"permission_groups": ["admin", "dns"]}, {"access": "ALLOW", "permission_groups": ["DNS", "admin"]},
                 {"permission_groups": ["admin", "dns"], "scope": {"key": ACCOUNT_KEY, "objects": ["*"]}}]
        assert parse(items, cat) == [Policy.of("allow", [PG_ADMIN["id"], PG_DNS["id"]], [WHOLE])]

    def test_deprecated_role_warns_once_with_its_end_of_life(self, cat):
        warnings = []
        items = [{"permission_groups": ["legacy_logs"]}, {"access": "deny", "permission_groups": ["legacy_logs"]}]
        policies = parse(items, cat, warnings=warnings)
        assert len(policies) == 2
        # Once per cause (the role in this list), whichever items use it.
        assert warnings == [
            "policies: permission group 'Legacy Log Reader' (legacy_logs) is deprecated by Cloudflare (end of life "
            "2026-06-30); choose its replacement"]
        # Without a warnings list nothing breaks.
        assert parse(items[:1], fake_catalogue())[0].permission_groups == frozenset([PG_LEGACY["id"]])

    def test_deprecated_without_eol(self):
        legacy = copy.deepcopy(PG_LEGACY)
        legacy["meta"].pop("eol_at")
        legacy["meta"]["deprecated"] = True
        warnings = []
        parse([{"permission_groups": ["legacy_logs"]}], fake_catalogue(pgs=[legacy]), warnings=warnings)
        assert warnings == ["policies: permission group 'Legacy Log Reader' (legacy_logs) is deprecated by "
                            "Cloudflare; choose its replacement"]

    def test_one_listing_of_each_catalogue(self, cat):
        items = [{"permission_groups": ["dns"]},
                 {"permission_groups": ["domain_dns"], "zones": ["example.com", "example.net", "example.org"]},
                 {"permission_groups": ["domain_admin"], "zones": ["shop.example.com"],
                  "resource_groups": ["Production zones"]},
                 {"permission_groups": ["domain_admin"], "resource_groups": [RG_PROD["id"]]}]
        parse(items, cat)
        assert sorted(cat.api.names()) == ["list_permission_groups", "list_resource_groups", "list_zones"]
        assert ("list_zones", None) in cat.api.calls  # several zone names: the listing, not one query each


# =========================================================================== parse_policies: problems
class TestPolicyProblems(object):
    def test_not_a_list(self, cat):
        assert problems_of({"permission_groups": ["admin"]}, cat) == ["policies must be a list of policies, got dict"]
        assert problems_of("admin", cat, where="group 'X' policies") == [
            "group 'X' policies must be a list of policies, got str"]

    def test_every_bad_shape_is_reported_at_once_before_any_lookup(self, cat):
        items = [
            "admin",                                                              # 0 not a dict
            {"permission_groups": ["admin"], "acess": "allow"},                   # 1 unknown key
            {"access": "maybe", "permission_groups": ["admin"]},                  # 2 bad access
            {"access": "allow"},                                                  # 3 no permission groups
            {"permission_groups": []},                                            # 4 empty permission groups
            {"permission_groups": ["admin", " ", 3]},                             # 5 bad pg items
            {"permission_groups": ["dns"], "zones": []},                          # 6 empty zones
            {"permission_groups": ["dns"], "resource_groups": "Production"},      # 7 not a list
            {"permission_groups": ["dns"], "zones": ["ok.com", ""]},              # 8 bad zone item
            {"permission_groups": ["dns"], "scope": "account"},                   # 9 scope not a dict
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY}},        # 10 no objects
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": []}},  # 11 empty objects
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": [{"key": ""}, 5]}},  # 12
            {"permission_groups": ["dns"], "scope": {"objects": ["*"]}},          # 13 no key
            {"permission_groups": ["dns"], "scope": []},                          # 14 empty scope list
            {"permission_groups": ["dns"], "scope": {"key": ACCOUNT_KEY, "objects": ["*"], "obj": 1}},  # 15
            {"permission_groups": ["dns"], "allow_unknown_scope": "yes"},         # 16 not a bool
            {"permission_groups": "admin"},                                       # 17 not a list
        ]
        problems = problems_of(items, cat, where="group 'Ops' policies")
        assert len(problems) == len(items), problems
        for index, problem in enumerate(problems):
            assert problem.startswith("group 'Ops' policies[%d]" % index), (index, problem)
        joined = "\n".join(problems)
        assert "policies[0] must be a dictionary, got str" in problems[0]
        assert "has unknown keys acess (did you mean 'access'?)" in problems[1]
        assert "access must be allow or deny, got 'maybe'" in problems[2]
        assert "permission_groups must be a non-empty list" in problems[3] and "non-empty list" in problems[4]
        assert "permission_groups items must be non-empty strings" in problems[5]
        assert "zones must be a non-empty list" in problems[6]
        assert "resource_groups must be a non-empty list" in problems[7]
        assert "zones items must be non-empty strings" in problems[8]
        assert "must be a dictionary with a key" in problems[9] and "must be a dictionary with a key" in problems[13]
        assert "should not be zero" in problems[10] and "should not be zero" in problems[11]
        assert "objects must be strings or {key: string} items" in problems[12]
        assert "scope must be a scope or a non-empty list of scopes" in problems[14]
        assert "scope has unknown keys obj (allowed: key, objects)" in problems[15]
        assert "allow_unknown_scope must be true or false" in problems[16]
        assert "policies[17] permission_groups must be a non-empty list" in joined
        # a malformed value never reaches the API; well-formed names of a malformed item are still resolved
        assert all(call[0] == "list_permission_groups" for call in cat.api.calls), cat.api.calls

    def test_scope_list_items_are_numbered(self, cat):
        (problem,) = problems_of([{"permission_groups": ["dns"], "scope": [
            {"key": ACCOUNT_KEY, "objects": ["*"]}, {"key": ACCOUNT_KEY, "objects": []}]}], cat)
        assert problem.startswith("policies[0] scope[1] objects must be a non-empty list")

    def test_unknown_names_all_reported_with_suggestions(self, cat):
        items = [{"permission_groups": ["admn", "Administratr"]},
                 {"permission_groups": ["domain_dns"], "zones": ["exampel.com", "nowhere.invalid"]},
                 {"permission_groups": ["domain_dns"], "resource_groups": ["Production zone", "Twin"]}]
        problems = problems_of(items, cat)
        assert problems[:6] == [
            "policies[0]: unknown permission group 'admn' (did you mean 'admin'?)",
            "policies[0]: unknown permission group 'Administratr' (did you mean 'Administrator', "
            "'Domain Administrator'?)",
            "policies[1]: unknown zone 'exampel.com' in account %s (did you mean 'example.com'?)" % ACCOUNT,
            "policies[1]: unknown zone 'nowhere.invalid' in account %s" % ACCOUNT,
            "policies[2]: unknown resource group 'Production zone' (did you mean 'Production zones'?)",
            "policies[2]: resource group name 'Twin' is ambiguous, ids: %s, %s; give the id" % (
                RG_TWIN1["id"], RG_TWIN2["id"]),
        ]

    def test_unresolved_resource_groups_do_not_make_an_account_policy(self, cat):
        problems = problems_of([{"permission_groups": ["domain_dns"], "resource_groups": ["Production zone"]}], cat)
        assert problems == ["policies[0]: unknown resource group 'Production zone' (did you mean 'Production zones'?)"]

    def test_shape_and_name_problems_of_one_item_together(self, cat):
        problems = problems_of([{"permission_groups": ["admn"], "acess": "allow"}], cat)
        assert len(problems) == 2
        assert "unknown permission group 'admn' (did you mean 'admin'?)" in problems[1]

    @pytest.mark.parametrize("item, role, fits, kind", [
        ({"permission_groups": ["domain_dns"]}, "Domain DNS", "individual zones", "the whole account"),
        ({"permission_groups": ["domain_dns"], "resource_groups": ["Whole account"]}, "Domain DNS",
         "individual zones", "the whole account"),
        ({"permission_groups": ["domain_dns"], "scope": {"key": ACCOUNT_KEY, "objects": ["*"]}}, "Domain DNS",
         "individual zones", "the whole account"),
        ({"permission_groups": ["admin"], "zones": ["example.com"]}, "Administrator", "the whole account",
         "individual zones"),
        ({"permission_groups": ["dns"], "resource_groups": ["Production zones"]}, "DNS", "the whole account",
         "individual zones"),
        ({"permission_groups": ["admin_readonly"], "scope": {"key": zkey("example.org"), "objects": ["*"]}},
         "Administrator Read Only", "the whole account", "individual zones"),
        ({"permission_groups": ["workers_script_editor"]}, "Workers Script Editor", "individual resources",
         "the whole account"),
        ({"permission_groups": ["workers_script_editor"], "zones": ["example.com"]}, "Workers Script Editor",
         "individual resources", "individual zones"),
        ({"permission_groups": ["billing"], "scope": {"key": ACCOUNT_KEY, "objects": [worker_obj(1)]}}, "Billing",
         "the whole account", "individual resources"),
        ({"permission_groups": ["domain_dns"], "resource_groups": ["Edge workers"]}, "Domain DNS",
         "individual zones", "individual resources"),
    ], ids=["zone_role_default_account", "zone_role_account_rg", "zone_role_account_scope", "account_role_zones",
            "account_role_zone_rg", "account_role_adhoc_zone", "resource_role_account", "resource_role_zones",
            "account_role_workers", "zone_role_worker_rg"])
    def test_role_scope_mismatch_in_every_direction(self, cat, item, role, fits, kind):
        (problem,) = problems_of([item], cat)
        assert problem.startswith("policies[0]: permission group '%s' (" % role), problem
        assert "applies to %s, not to %s" % (fits, kind) in problem

    @pytest.mark.parametrize("item", [
        {"permission_groups": ["workers_script_editor"]},
        {"permission_groups": ["workers_script_editor"], "zones": ["example.com"]},
    ], ids=["on_account", "on_zones"])
    def test_resource_role_advice_names_resources(self, cat, item):
        (problem,) = problems_of([item], cat)
        assert "zones" not in problem.split(";", 1)[1] and "whole account" not in problem.split(";", 1)[1]

    def test_mixed_roles_report_only_the_misfits(self, cat):
        problems = problems_of([{"permission_groups": ["domain_dns", "domain_admin", "dns", "billing"],
                                 "zones": ["example.com"]}], cat)
        assert len(problems) == 2
        assert "'DNS' (dns)" in problems[0] and "'Billing' (billing)" in problems[1]

    def test_combined_targets_check_every_target(self, cat):
        problems = problems_of([{"permission_groups": ["domain_dns"], "zones": ["example.com"],
                                 "scope": {"key": ACCOUNT_KEY, "objects": ["*"]}}], cat)
        assert len(problems) == 1 and "not to the whole account" in problems[0]

    def test_undocumented_scope_is_refused_unless_allowed(self, cat):
        kv = {"key": ACCOUNT_KEY, "objects": [ACCT_SCOPE + ".kv." + hexid(1)]}
        (problem,) = problems_of([{"permission_groups": ["admin"], "scope": kv}], cat)
        assert problem.startswith("policies[0] scope {key: %s, objects: ['%s']} is not a form Cloudflare documents"
                                  % (ACCOUNT_KEY, kv["objects"][0]))
        assert "Accepted forms: %s with objects [*] (the whole account)" % ACCOUNT_KEY in problem
        assert "allow_unknown_scope: true" in problem
        assert parse([{"permission_groups": ["admin"], "scope": kv, "allow_unknown_scope": True}], cat)

    def test_foreign_account_key_is_named(self, cat):
        foreign = ACCT_SCOPE + "." + OTHER_ACCOUNT
        (problem,) = problems_of([{"permission_groups": ["admin"], "scope": {"key": foreign, "objects": ["*"]}}], cat)
        assert problem == ("policies[0] scope key %s names another account: the key of this account is %s"
                           % (foreign, ACCOUNT_KEY))

    def test_zone_key_with_zone_objects_is_refused(self, cat):
        (problem,) = problems_of([{"permission_groups": ["domain_dns"],
                                   "scope": {"key": zkey("example.org"), "objects": [zkey("example.org")]}}], cat)
        assert "is not a form Cloudflare documents" in problem

    def test_every_problem_of_every_item_at_once(self, cat):
        warnings = []
        items = [
            {"permission_groups": ["admin"], "zones": "example.com"},                          # shape
            {"permission_groups": ["admn"]},                                                   # unknown role
            {"permission_groups": ["domain_dns"], "zones": ["exampel.com"]},                   # unknown zone
            {"permission_groups": ["domain_dns"], "resource_groups": ["Production zone"],
             "zones": ["example.com"]},                                                        # unknown rg
            {"permission_groups": ["admin"], "resource_groups": ["Twin"]},                     # ambiguous rg
            {"permission_groups": ["domain_admin"]},                                           # mismatch
            {"permission_groups": ["admin"], "scope": {"key": ACCOUNT_KEY, "objects": [ACCT_SCOPE + ".kv.x"]}},
            {"permission_groups": ["legacy_logs"]},                                            # warning only
            {"permission_groups": ["dns"]},                                                    # fine
        ]
        problems = problems_of(items, cat, warnings=warnings)
        assert [p.split(" ")[0].rstrip(":") for p in problems] == ["policies[%d]" % i for i in range(7)]
        assert len(warnings) == 1 and warnings[0].startswith("policies: permission group 'Legacy")


# =========================================================================== resolve_members
class TestResolveMembers(object):
    def test_emails_case_insensitive_and_ids_one_listing(self, cat):
        found = resolve_members(["ALICE@example.com", " bob@example.COM ", CAROL, "dave@EXAMPLE.com"], cat)
        assert [m["id"] for m in found] == [ALICE, BOB, CAROL, DAVE]
        assert cat.api.names() == ["list_account_members"]

    def test_same_member_twice_is_one(self, cat):
        assert [m["id"] for m in resolve_members(["alice@example.com", ALICE, "Alice@Example.com"], cat)] == [ALICE]

    def test_empty_and_none(self, cat):
        assert resolve_members([], cat) == [] and resolve_members(None, cat) == []
        assert cat.api.calls == []

    def test_unknown_all_at_once_with_suggestions(self, cat):
        refs = ["alice@example.com", "alcie@example.com", "bob@exmple.com", "nobody@nowhere.invalid", hexid(99)]
        with pytest.raises(ResolutionError) as info:
            resolve_members(refs, cat, where="group 'Ops'")
        problems = info.value.problems
        assert len(problems) == 4
        assert problems[0] == ("group 'Ops': no account member has the email 'alcie@example.com' "
                               "(did you mean 'alice@example.com'?)")
        # A domain typo has no same-domain candidates: whole addresses are compared, the right one first.
        assert problems[1].startswith("group 'Ops': no account member has the email 'bob@exmple.com' "
                                      "(did you mean 'bob@example.com'")
        assert problems[2:] == ["group 'Ops': no account member has the email 'nobody@nowhere.invalid'",
                                "group 'Ops': no account member has the id '%s'" % hexid(99)]
        assert str(info.value) == "; ".join(info.value.problems)
        assert cat.api.names() == ["list_account_members"]

    def test_suggestions_compare_local_parts_within_a_domain(self, cat):
        with pytest.raises(ResolutionError) as info:
            resolve_members(["zed@example.com"], cat)
        assert info.value.problems == ["no account member has the email 'zed@example.com'"]

    def test_malformed_refs_reach_no_api(self, cat):
        refs = ["", "   ", None, 42, {"id": ALICE}, "alice", "0123", ALICE[:31] + "g"]
        with pytest.raises(ResolutionError) as info:
            resolve_members(refs, cat)
        problems = info.value.problems
        assert len(problems) == len(refs)
        assert all("members items must be emails or member ids" in p for p in problems[:5])
        assert "'alice' is neither an email nor a 32-character member id" in problems[5]
        assert "'0123' is neither" in problems[6] and "is neither" in problems[7]
        assert cat.api.calls == []

    def test_seeded_members_need_no_listing(self, cat):
        cat.seed_members([{"id": hexid(8), "email": "Eve@Example.com", "status": "accepted"}])
        assert [m["id"] for m in resolve_members(["eve@example.com", hexid(8)], cat)] == [hexid(8)]
        assert cat.api.calls == []


# =========================================================================== parse_scope
class TestParseScope(object):
    def test_zones_by_name_and_id(self, cat):
        assert parse_scope(["example.net", ZONE_IDS["example.com"]], None, cat) == ZONES_COM_NET

    def test_every_unknown_zone_at_once(self, cat):
        with pytest.raises(ResolutionError) as info:
            parse_scope(["exampel.com", "example.net", "nowhere.invalid"], None, cat)
        assert info.value.problems == [
            "zone 'exampel.com' is not a zone of account %s (did you mean 'example.com'?)" % ACCOUNT,
            "zone 'nowhere.invalid' is not a zone of account %s" % ACCOUNT]

    def test_raw_scope_and_nothing(self, cat):
        assert parse_scope(None, {"key": ACCOUNT_KEY, "objects": [{"key": worker_obj(1)}]}, cat) == \
            Scope.of(ACCOUNT_KEY, [worker_obj(1)])
        assert parse_scope(None, None, cat) is None
        assert cat.api.calls == []
