# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""model.py: Scope / ResourceGroupRef / Policy values, parse_policies, resolve_members, parse_declaration.

A real ``Catalogue`` runs over ``FakeAPI`` (fixed lists, no HTTP); ``api.calls`` shows which listings were read.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import unicodedata

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import ResolutionError, shown_name
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    ACCOUNT as KIND_ACCOUNT,
    RESOURCES,
    ZONES as KIND_ZONES,
    Policy,
    ResourceGroupRef,
    Scope,
    declared_with_members,
    is_anonymous,
    name_problems,
    parse_declaration,
    parse_policies,
    parse_scope,
    policies_from_api,
    resolve_members,
    scopes_of,
    unique,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ACCOUNT_KEY,
    ACCT_SCOPE,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
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
    anon_rg,
    api_policy,
    fake_catalogue,
    hexid,
    named_rg,
    worker_obj,
    zkey,
    zone_obj,
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


# =========================================================================== values
class TestValues(object):
    def test_scope_is_order_insensitive_and_accepts_both_object_forms(self):
        one = Scope.of(ACCOUNT_KEY, [{"key": zkey("example.com")}, zkey("example.net")])
        two = Scope.of(" %s " % ACCOUNT_KEY, [" %s" % zkey("example.net"), {"key": zkey("example.com")}])
        assert one == two and hash(one) == hash(two)
        assert one == ZONES_COM_NET
        assert isinstance(one.objects, frozenset)
        assert Scope.of(ACCOUNT_KEY, ["*", "*"]) == WHOLE
        assert Scope.of(ACCOUNT_KEY, [zkey("example.com")]) != one

    def test_policy_is_order_insensitive_by_construction(self):
        one = Policy.of("allow", [PG_DNS["id"], PG_ADMIN["id"]], [WHOLE, ResourceGroupRef(RG_PROD["id"])])
        two = Policy.of("ALLOW", [PG_ADMIN["id"], PG_DNS["id"], PG_ADMIN["id"]],
                        [ResourceGroupRef(RG_PROD["id"]), Scope.of(ACCOUNT_KEY, [{"key": "*"}])])
        assert one == two and hash(one) == hash(two)
        assert len(set([one, two])) == 1
        assert isinstance(one.permission_groups, frozenset) and isinstance(one.resource_groups, frozenset)
        assert Policy.of(None, [PG_DNS["id"]], [WHOLE]).access == "allow"

    @pytest.mark.parametrize("other", [
        Policy.of("deny", [PG_ADMIN["id"]], [WHOLE]),
        Policy.of("allow", [PG_ADMIN["id"], PG_DNS["id"]], [WHOLE]),
        Policy.of("allow", [PG_ADMIN["id"]], [WHOLE, ResourceGroupRef(RG_PROD["id"])]),
        Policy.of("allow", [PG_ADMIN["id"]], [Scope.of(ACCOUNT_KEY, [zkey("example.com")])]),
        Policy.of("allow", [PG_ADMIN["id"]], []),
    ], ids=["access", "roles", "extra_target", "other_scope", "no_target"])
    def test_differences_do_count(self, other):
        assert Policy.of("allow", [PG_ADMIN["id"]], [WHOLE]) != other

    def test_a_reference_never_equals_a_scope(self):
        assert ResourceGroupRef(RG_PROD["id"]) != scopes_of(RG_PROD)[0]
        assert Policy.of("allow", [PG_DOMAIN_DNS["id"]], [ResourceGroupRef(RG_PROD["id"])]) != \
            Policy.of("allow", [PG_DOMAIN_DNS["id"]], scopes_of(RG_PROD))

    def test_unique_keeps_the_first_order(self):
        a = Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])
        b = Policy.of("deny", [PG_ADMIN["id"]], [WHOLE])
        assert unique([b, a, Policy.of("DENY", [PG_ADMIN["id"]], [WHOLE]), a]) == [b, a]

    def test_body(self):
        policy = Policy.of("Deny", [PG_DOMAIN_DNS["id"], PG_DOMAIN_ADMIN["id"]],
                           [Scope.of(zkey("example.org"), ["*"]), ZONES_COM_NET, ResourceGroupRef(RG_PROD["id"])])
        assert policy.body() == {
            "access": "deny",
            "permission_groups": [{"id": PG_DOMAIN_DNS["id"]}, {"id": PG_DOMAIN_ADMIN["id"]}],
            "resource_groups": [
                {"id": RG_PROD["id"]},
                {"scope": {"key": ACCOUNT_KEY, "objects": [{"key": k} for k in sorted(
                    [zkey("example.com"), zkey("example.net")])]}},
                {"scope": {"key": zkey("example.org"), "objects": [{"key": "*"}]}},
            ]}
        # The body of an equal policy is the same text, whatever the order it was built in.
        again = Policy.of("deny", [PG_DOMAIN_ADMIN["id"], PG_DOMAIN_DNS["id"]],
                          [ResourceGroupRef(RG_PROD["id"]), Scope.of(zkey("example.org"), [{"key": "*"}]),
                           Scope.of(ACCOUNT_KEY, [zkey("example.net"), zkey("example.com")])])
        assert again.body() == policy.body()

    def test_account_policy_body(self):
        assert Policy.of("allow", [PG_ADMIN["id"]], [WHOLE]).body() == {
            "access": "allow", "permission_groups": [{"id": PG_ADMIN["id"]}],
            "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}]}


# =========================================================================== Scope.kind
@pytest.mark.parametrize("key, objects, kind", [
    (ACCOUNT_KEY, ["*"], KIND_ACCOUNT),
    (ACCOUNT_KEY, [zkey("example.com")], KIND_ZONES),
    (ACCOUNT_KEY, [zkey("example.com"), zkey("example.org")], KIND_ZONES),
    (ACCOUNT_KEY, [zone_obj(hexid(0xABC).upper())], KIND_ZONES),
    (zkey("example.org"), ["*"], KIND_ZONES),
    (ACCOUNT_KEY, [worker_obj(1)], RESOURCES),
    (ACCOUNT_KEY, [worker_obj(1), worker_obj(2)], RESOURCES),
], ids=["account", "one_zone", "zones", "zone_id_upper_hex", "adhoc_zone_key", "worker", "workers"])
def test_scope_kind_documented_forms(key, objects, kind):
    assert Scope.of(key, objects).kind(ACCOUNT) == kind


@pytest.mark.parametrize("key, objects", [
    (ACCT_SCOPE + "." + OTHER_ACCOUNT, ["*"]),
    (ACCT_SCOPE + "." + OTHER_ACCOUNT, [zkey("example.com")]),
    (ACCT_SCOPE + "." + OTHER_ACCOUNT, [worker_obj(1)]),
    (zkey("example.org"), [zkey("example.org")]),
    (zkey("example.org"), ["*", zkey("example.com")]),
    (zone_obj("example.org"), ["*"]),
    (zone_obj(hexid(1)[:31]), ["*"]),
    (ACCOUNT_KEY, ["*", zkey("example.com")]),
    (ACCOUNT_KEY, [zkey("example.com"), worker_obj(1)]),
    (ACCOUNT_KEY, [zone_obj("example.com")]),
    (ACCOUNT_KEY, [ACCT_SCOPE + ".worker."]),
    (ACCOUNT_KEY, [ACCT_SCOPE + ".kv." + hexid(1)]),
    (ACCOUNT_KEY, ["com.cloudflare.edge.r2.bucket." + hexid(1)]),
    (ACCOUNT_KEY, []),
    ("com.cloudflare.api.user." + hexid(1), ["*"]),
    (ACCT_SCOPE, ["*"]),
    ("", ["*"]),
    (None, ["*"]),
], ids=["foreign_account", "foreign_account_zones", "foreign_account_workers", "zone_key_zone_objects",
        "zone_key_mixed_objects", "zone_key_name_not_id", "zone_key_short_id", "star_and_zone", "zone_and_worker",
        "zone_object_name_not_id", "worker_without_id", "kv_object", "r2_object", "no_objects", "user_key",
        "bare_account_prefix", "empty_key", "no_key"])
def test_scope_kind_malformed_forms_are_none(key, objects):
    assert Scope.of(key, objects).kind(ACCOUNT) is None


def test_scope_zone_ids():
    assert ZONES_COM_NET.zone_ids() == sorted([ZONE_IDS["example.com"], ZONE_IDS["example.net"]])
    assert Scope.of(zkey("example.org"), ["*"]).zone_ids() == [ZONE_IDS["example.org"]]
    assert WHOLE.zone_ids() == []


# =========================================================================== Policy.from_api
class TestFromAPI(object):
    def test_inline_scope_without_id(self):
        """A request body (``{"scope": ...}``) read back: compared by its scope."""
        policy = Policy.from_api({"access": "allow", "permission_groups": [{"id": PG_DOMAIN_DNS["id"]}],
                                  "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": [
                                      {"key": zkey("example.net")}, {"key": zkey("example.com")}]}}]})
        assert policy == Policy.of("allow", [PG_DOMAIN_DNS["id"]], [ZONES_COM_NET])

    def test_anonymous_group_named_after_its_key(self):
        rg = anon_rg(hexid(300), ACCOUNT_KEY, ["*"])
        assert is_anonymous(rg)
        policy = Policy.from_api(api_policy(hexid(900), "allow", [PG_ADMIN, PG_DNS], [rg]))
        assert policy == Policy.of("allow", [PG_ADMIN["id"], PG_DNS["id"]], [WHOLE])

    def test_anonymous_group_without_name(self):
        rg = anon_rg(hexid(300), zkey("example.org"), ["*"], name=None)
        assert is_anonymous(rg)
        policy = Policy.from_api(api_policy(hexid(900), "allow", [PG_DOMAIN_DNS], [rg]))
        assert policy.resource_groups == frozenset([Scope.of(zkey("example.org"), ["*"])])

    def test_named_reference(self):
        assert not is_anonymous(RG_PROD)
        policy = Policy.from_api(api_policy(hexid(900), "allow", [PG_DOMAIN_ADMIN], [named_rg(RG_PROD)]))
        assert policy == Policy.of("allow", [PG_DOMAIN_ADMIN["id"]], [ResourceGroupRef(RG_PROD["id"])])

    def test_bare_id_request_body_read_back(self):
        assert not is_anonymous({"id": RG_PROD["id"]})
        policy = Policy.from_api({"access": "allow", "permission_groups": [{"id": PG_DOMAIN_ADMIN["id"]}],
                                  "resource_groups": [{"id": RG_PROD["id"]}]})
        assert policy.resource_groups == frozenset([ResourceGroupRef(RG_PROD["id"])])

    def test_scope_as_an_array(self):
        """Older API versions return ``scope`` as a list: an anonymous group gives one Scope per entry."""
        rg = anon_rg(hexid(300), ACCOUNT_KEY, [zkey("example.com")])
        rg["scope"] = [rg["scope"], {"key": zkey("example.org"), "objects": [{"key": "*"}]}]
        policy = Policy.from_api(api_policy(hexid(900), "allow", [PG_DOMAIN_DNS], [rg]))
        assert policy.resource_groups == frozenset([Scope.of(ACCOUNT_KEY, [zkey("example.com")]),
                                                    Scope.of(zkey("example.org"), ["*"])])
        named = named_rg(RG_PROD)
        named["scope"] = [named["scope"]]
        assert scopes_of(named) == scopes_of(RG_PROD)
        assert Policy.from_api(api_policy(hexid(901), "allow", [PG_DOMAIN_DNS], [named])).resource_groups == \
            frozenset([ResourceGroupRef(RG_PROD["id"])])

    def test_null_lists_and_missing_fields(self):
        assert policies_from_api(None) == []
        assert policies_from_api([]) == []
        assert policies_from_api(["junk", None, 3]) == []
        policy = Policy.from_api({"permission_groups": None, "resource_groups": None})
        assert policy == Policy("allow", frozenset(), frozenset())
        policy = Policy.from_api({"access": "deny", "permission_groups": [None, "x", {"id": PG_DNS["id"]}],
                                  "resource_groups": []})
        assert policy.permission_groups == frozenset([PG_DNS["id"]]) and policy.access == "deny"

    def test_ids_status_timestamps_meta_and_order_are_ignored(self):
        one = api_policy(hexid(1), "allow", [PG_DOMAIN_DNS, PG_DOMAIN_ADMIN],
                         [anon_rg(hexid(10), ACCOUNT_KEY, [zkey("example.com"), zkey("example.net")]),
                          anon_rg(hexid(11), ACCOUNT_KEY, [zkey("example.org")]), named_rg(RG_PROD)])
        two = copy.deepcopy(one)
        two.update(id=hexid(2), status="X", created_on="2030-01-01T00:00:00Z", access="ALLOW")
        two["permission_groups"].reverse()
        two["permission_groups"][0].update(name="Renamed", meta={"label": "renamed"})
        two["resource_groups"].reverse()
        for rg in two["resource_groups"]:
            if rg["id"] != RG_PROD["id"]:
                rg["id"] = hexid(int(rg["id"], 16) + 100)
            rg["scope"]["objects"].reverse()
            rg["meta"] = {"editable": "true"}
        assert Policy.from_api(one) == Policy.from_api(two)
        assert len(Policy.from_api(one).resource_groups) == 3

    def test_anonymous_groups_compare_by_scope_named_ones_by_id(self):
        anonymous_looking = anon_rg(hexid(300), ACCOUNT_KEY, ["*"])
        prod = named_rg(RG_PROD)
        raw = api_policy(hexid(900), "allow", [PG_ADMIN], [anonymous_looking, prod])
        assert Policy.from_api(raw).resource_groups == frozenset([WHOLE, ResourceGroupRef(RG_PROD["id"])])

    def test_bare_id_is_never_dropped(self):
        policy = Policy.from_api({"access": "allow", "permission_groups": [{"id": PG_DOMAIN_ADMIN["id"]}],
                                  "resource_groups": [{"id": RG_PROD["id"]}]})
        assert policy.resource_groups == frozenset([ResourceGroupRef(RG_PROD["id"])])


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
            "permission_groups, zones, resource_groups, scope, allow_unknown_scope)",
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


# =========================================================================== parse_scope, name_problems
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


@pytest.mark.parametrize("name, problem", [
    ("Ops", None),
    (u"Caf\u00e9 \U0001F600 {{ x }}", None),
    ("", "name must not be empty"),
    ("   ", "name must not be empty"),
    (None, "name must not be empty"),
    ("Line\nbreak", "contains a control character"),
    ("Tab\there", "contains a control character"),
    ("Delete\x7f", "contains a control character"),
])
def test_name_problems(name, problem):
    found = name_problems(name, "name")
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]
