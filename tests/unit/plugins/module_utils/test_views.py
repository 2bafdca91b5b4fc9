# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""views.py: the renderings of policies, groups, members, roles and resource groups; select_by_name_or_id.

The central promise: ``policy_item(policy)`` parses back (``parse_policies``) to exactly the same Policy, for
every shape, with and without name mappers.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    Policy,
    ResourceGroupRef,
    Scope,
    policies_from_api,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    account_id_of_views,
    account_member_view,
    diff,
    group_diff_side,
    group_plan_views,
    group_view,
    member_labels,
    member_view,
    member_views,
    permission_group_view,
    policy_from_view,
    policy_item,
    policy_view,
    policy_views,
    policy_zone_ids,
    readable_policies,
    readable_policy,
    resource_group_view,
    select_by_name_or_id,
    zone_view,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ACCOUNT_KEY,
    ACCT_SCOPE,
    ALICE,
    BOB,
    MEMBERS,
    PG_ADMIN,
    PG_DNS,
    PG_DOMAIN_ADMIN,
    PG_DOMAIN_DNS,
    PG_LEGACY,
    PG_READ,
    PGS,
    RG_PROD,
    RG_TWIN2,
    RG_WORKERS,
    RGS,
    ZONE_IDS,
    ZONES,
    anon_rg,
    api_policy,
    fake_catalogue,
    hexid,
    named_rg,
    policy_shapes,
    worker_obj,
    zkey,
)

WHOLE = Scope.account(ACCOUNT)
KV = ACCT_SCOPE + ".kv." + hexid(1)


def zones(*names):
    return Scope.zones(ACCOUNT, [ZONE_IDS[n] for n in names])


def adhoc(name):
    return Scope.of(zkey(name), ["*"])


@pytest.fixture
def cat():
    """A catalogue that has read its listings (views only describe what the catalogue knows)."""
    catalogue = fake_catalogue()
    catalogue.permission_groups()
    catalogue.zones()
    catalogue.resource_groups()
    catalogue.account_members()
    return catalogue


# Every shape a policy can take.
SHAPES = policy_shapes()
SHAPE = dict(SHAPES)
SHAPE_IDS = [name for name, _policy in SHAPES]
POLICIES = [policy for _name, policy in SHAPES]

LABELS = dict((pg["id"], pg["meta"]["label"]) for pg in PGS)
ZONE_NAMES = dict((z["id"], z["name"]) for z in ZONES)
RG_NAMES = dict((rg["id"], rg["name"]) for rg in RGS)


def mappers():
    return dict(pg_ref=LABELS.get, zone_ref=ZONE_NAMES.get, rg_ref=RG_NAMES.get)


# =========================================================================== policy_item round trip
@pytest.mark.parametrize("policy", POLICIES, ids=SHAPE_IDS)
@pytest.mark.parametrize("named", [False, True], ids=["ids", "names"])
def test_policy_item_parses_back_to_the_same_policy(policy, named):
    item = policy_item(policy, ACCOUNT, **(mappers() if named else {}))
    assert parse_policies([item], fake_catalogue()) == [policy], item
    # and again through what a PUT sends and the API returns
    assert policies_from_api([policy.body()]) == [policy]


def test_policy_item_of_an_ambiguous_resource_group_by_id():
    policy = Policy.of("allow", [PG_ADMIN["id"]], [ResourceGroupRef(RG_TWIN2["id"])])
    item = policy_item(policy, ACCOUNT)
    assert item == {"access": "allow", "permission_groups": [PG_ADMIN["id"]], "resource_groups": [RG_TWIN2["id"]]}
    assert parse_policies([item], fake_catalogue()) == [policy]


class TestPolicyItemForms(object):
    """What the item looks like: the form a person would write."""

    def test_account(self):
        assert policy_item(SHAPE["account"], ACCOUNT, **mappers()) == {
            "access": "allow", "permission_groups": ["admin", "dns"]}

    def test_zones(self):
        assert policy_item(SHAPE["zones"], ACCOUNT, **mappers()) == {
            "access": "allow", "permission_groups": ["domain_admin", "domain_dns"],
            "zones": ["example.com", "example.net"]}

    def test_several_inline_scopes(self):
        item = policy_item(SHAPE["several_inline_scopes"], ACCOUNT, **mappers())
        assert item["zones"] == ["example.com"] and "allow_unknown_scope" not in item
        assert item["scope"] == [
            {"key": ACCOUNT_KEY, "objects": sorted([zkey("example.net"), zkey("example.org")])},
            {"key": zkey("shop.example.com"), "objects": ["*"]}]

    def test_named_and_inline(self):
        assert policy_item(SHAPE["named_and_inline"], ACCOUNT, **mappers()) == {
            "access": "allow", "permission_groups": ["domain_admin"], "zones": ["example.org"],
            "resource_groups": ["Production zones"], "scope": [{"key": zkey("shop.example.com"), "objects": ["*"]}]}

    def test_unknown_forms_set_allow_unknown_scope(self):
        item = policy_item(Policy.of("allow", [PG_ADMIN["id"]], [Scope.of(ACCOUNT_KEY, [KV])]), ACCOUNT)
        assert item == {"access": "allow", "permission_groups": [PG_ADMIN["id"]],
                        "scope": [{"key": ACCOUNT_KEY, "objects": [KV]}], "allow_unknown_scope": True}

    def test_account_scope_next_to_another_target_stays_explicit(self):
        item = policy_item(SHAPE["account_named_and_inline"], ACCOUNT, **mappers())
        assert item == {"access": "allow", "permission_groups": ["admin"], "resource_groups": ["Whole account"],
                        "scope": [{"key": ACCOUNT_KEY, "objects": ["*"]}]}


# =========================================================================== policy_view / readable_policy
class TestPolicyView(object):
    def test_account(self, cat):
        view = policy_view(Policy.of("allow", [PG_READ["id"], PG_ADMIN["id"]], [WHOLE]), cat)
        assert view == {
            "access": "allow",
            "permission_groups": [{"id": PG_ADMIN["id"], "name": "Administrator", "label": "admin"},
                                  {"id": PG_READ["id"], "name": "Administrator Read Only", "label": "admin_readonly"}],
            "resource_groups": [{"scope": {"key": ACCOUNT_KEY, "objects": ["*"]}}],
            "target": "account"}
        assert readable_policy(view) == {"access": "allow", "scope": "account",
                                         "permission_groups": ["Administrator", "Administrator Read Only"]}

    def test_zones_show_names(self, cat):
        view = policy_view(SHAPE["zones"], cat)
        assert view["target"] == "zones"
        assert view["resource_groups"] == [{"scope": {"key": ACCOUNT_KEY, "objects": sorted(
            [zkey("example.com"), zkey("example.net")])}, "zones": ["example.com", "example.net"]}]
        assert readable_policy(view) == {"access": "allow", "permission_groups": ["Domain Administrator", "Domain DNS"],
                                         "zones": ["example.com", "example.net"]}

    def test_unknown_zone_names_show_ids(self):
        catalogue = fake_catalogue()
        view = policy_view(SHAPE["zones"], catalogue)
        assert view["resource_groups"][0]["zones"] == sorted([ZONE_IDS["example.com"], ZONE_IDS["example.net"]])
        assert view["permission_groups"] == [{"id": PG_DOMAIN_DNS["id"], "name": None, "label": None},
                                             {"id": PG_DOMAIN_ADMIN["id"], "name": None, "label": None}]
        assert catalogue.api.calls == []  # a view reads nothing by itself

    def test_adhoc_zone_key(self, cat):
        view = policy_view(SHAPE["adhoc_zone_key"], cat)
        assert view["target"] == "zones"
        assert view["resource_groups"] == [{"scope": {"key": zkey("example.org"), "objects": ["*"]},
                                            "zones": ["example.org"]}]
        assert readable_policy(view)["zones"] == ["example.org"]

    def test_named_resource_group(self, cat):
        view = policy_view(SHAPE["named"], cat)
        assert view["target"] == "resource_groups"
        assert view["resource_groups"] == [{"id": RG_PROD["id"], "name": "Production zones", "zones": [
            "example.com", "example.net"], "scope": {"key": ACCOUNT_KEY, "objects": sorted(
                [zkey("example.com"), zkey("example.net")])}}]
        assert readable_policy(view) == {"access": "allow", "permission_groups": ["Domain Administrator"],
                                         "resource_groups": ["Production zones"]}

    def test_unknown_named_resource_group_shows_its_id(self):
        view = policy_view(Policy.of("allow", [PG_ADMIN["id"]], [ResourceGroupRef(hexid(0x999))]), fake_catalogue())
        assert view["resource_groups"] == [{"id": hexid(0x999), "name": None, "scope": {"key": None, "objects": []}}]
        assert readable_policy(view)["resource_groups"] == [hexid(0x999)]

    def test_workers_scope(self, cat):
        view = policy_view(SHAPE["workers"], cat)
        assert view["target"] == "scope"
        assert readable_policy(view) == {"access": "allow", "permission_groups": ["Workers Script Editor"],
                                         "scope": [{"key": ACCOUNT_KEY, "objects": [worker_obj(1), worker_obj(2)]}]}

    def test_mixed(self, cat):
        view = policy_view(SHAPE["named_and_inline"], cat)
        assert view["target"] == "mixed"
        assert readable_policy(view)["scope"] == [
            {"name": "Production zones", "key": ACCOUNT_KEY, "objects": sorted(
                [zkey("example.com"), zkey("example.net")]), "zones": ["example.com", "example.net"]},
            {"key": ACCOUNT_KEY, "objects": [zkey("example.org")], "zones": ["example.org"]},
            {"key": zkey("shop.example.com"), "objects": ["*"], "zones": ["shop.example.com"]},
        ]

    def test_several_zone_scopes_are_zones(self, cat):
        view = policy_view(SHAPE["several_inline_scopes"], cat)
        assert view["target"] == "zones"
        assert readable_policy(view)["zones"] == ["example.com", "example.net", "example.org", "shop.example.com"]

    def test_none(self, cat):
        view = policy_view(Policy.from_api({"permission_groups": [{"id": PG_ADMIN["id"]}], "resource_groups": None}),
                           cat)
        assert view["target"] == "none" and view["resource_groups"] == []

    @pytest.mark.parametrize("policy", POLICIES, ids=SHAPE_IDS)
    def test_policy_from_view_is_the_policy(self, cat, policy):
        assert policy_from_view(policy_view(policy, cat)) == policy

    def test_views_are_sorted_and_free_of_volatile_fields(self, cat):
        raw = [api_policy(hexid(900), "allow", [PG_DNS, PG_ADMIN], [anon_rg(hexid(300), ACCOUNT_KEY, ["*"])]),
               api_policy(hexid(901), "allow", [PG_DOMAIN_DNS], [
                   anon_rg(hexid(301), ACCOUNT_KEY, [zkey("example.net"), zkey("example.com")])]),
               api_policy(hexid(902), "allow", [PG_DOMAIN_ADMIN], [named_rg(RG_PROD)])]
        one = policy_views(policies_from_api(raw), cat)
        two = policy_views(policies_from_api(list(reversed(raw))), cat)
        assert one == two and [v["target"] for v in one] == ["account", "zones", "resource_groups"]
        for volatile in ("created_on", "modified_on", "status", hexid(900), hexid(300), hexid(301)):
            assert volatile not in repr(one)
        assert readable_policies(one) == readable_policies(list(reversed(one)))
        assert policy_views(None, cat) == [] and readable_policies(None) == []

    def test_policy_zone_ids_include_named_groups(self, cat):
        assert policy_zone_ids(POLICIES, cat) == set(ZONE_IDS.values())
        assert policy_zone_ids([SHAPE["named"]]) == set()
        assert policy_zone_ids(None) == set()

    def test_account_id_of_views(self, cat):
        assert account_id_of_views([policy_view(SHAPE["account"], cat)]) == ACCOUNT
        assert account_id_of_views([policy_view(SHAPE["adhoc_zone_key"], cat)]) is None
        assert account_id_of_views([]) is None


# =========================================================================== members, groups, diffs
def test_member_views():
    assert member_view(MEMBERS[1]) == {"id": BOB, "email": "bob@example.com", "status": "accepted"}
    assert member_view(MEMBERS[3])["email"] == "dave@example.com"
    assert member_view({"id": hexid(9)}) == {"id": hexid(9), "email": None, "status": None}
    catalogue = fake_catalogue()
    catalogue.seed_members([MEMBERS[0]])
    views = member_views([hexid(9), BOB, ALICE], catalogue, known={BOB: MEMBERS[1]})
    assert views == [{"id": hexid(9), "email": None, "status": None},
                     {"id": ALICE, "email": "alice@example.com", "status": "accepted"},
                     {"id": BOB, "email": "bob@example.com", "status": "accepted"}]
    assert member_labels(views) == [hexid(9), "alice@example.com", "bob@example.com"]
    assert catalogue.api.calls == []


def test_group_view_and_diff_side(cat):
    group = {"id": hexid(50), "name": "Ops", "created_on": "c", "modified_on": "m", "policies": "ignored"}
    view = group_view(group, [SHAPE["account"]], cat, members=[member_view(MEMBERS[1]), member_view(MEMBERS[0])])
    assert view["members"] == [member_view(MEMBERS[0]), member_view(MEMBERS[1])]
    assert (view["id"], view["name"], view["created_on"], view["modified_on"]) == (hexid(50), "Ops", "c", "m")
    assert group_diff_side(view) == {"name": "Ops", "members": ["alice@example.com", "bob@example.com"],
                                     "policies": [readable_policy(policy_view(SHAPE["account"], cat))]}
    assert "members" not in group_view(group, [], cat)
    assert group_diff_side(None) == {}
    assert diff({"a": 1}, {}, "h") == {"before": {"a": 1}, "after": {}, "before_header": "h", "after_header": "h"}


def test_group_plan_views(cat):
    current = {"id": hexid(50), "name": "Ops", "created_on": "c", "modified_on": "m",
               "policies": [SHAPE["account"].body()]}
    plan = plan_group(current, "Operations", current_policies=[SHAPE["account"]], desired_policies=[SHAPE["zones"]],
                      current_member_ids=[ALICE], desired_member_ids=[BOB])
    before, after = group_plan_views(plan, cat, known_members=dict((m["id"], m) for m in MEMBERS))
    assert before["name"] == "Ops" and after["name"] == "Operations" and after["id"] == hexid(50)
    assert [p["target"] for p in before["policies"]] == ["account"] and [p["target"] for p in after["policies"]] == [
        "zones"]
    assert member_labels(before["members"]) == ["alice@example.com"]
    assert member_labels(after["members"]) == ["bob@example.com"]
    created = plan_group(None, "New", desired_policies=[SHAPE["account"]])
    before, after = group_plan_views(created, cat, written={"id": hexid(51), "created_on": "now"})
    assert before is None and after["id"] == hexid(51) and after["created_on"] == "now" and "members" not in after
    untouched = plan_group(current, None)
    before, after = group_plan_views(untouched, cat)
    assert before["policies"] == after["policies"] == [policy_view(SHAPE["account"], cat)]


# =========================================================================== roles, resource groups, info rows
def test_permission_group_view():
    view = permission_group_view(PG_LEGACY)
    assert view == {"id": PG_LEGACY["id"], "name": "Legacy Log Reader", "label": "legacy_logs",
                    "description": "Legacy Log Reader", "scopes": ["com.cloudflare.api.account"], "editable": False,
                    "deprecated": True, "eol_at": "2026-06-30"}
    view = permission_group_view({"id": hexid(1), "name": "X", "meta": {"editable": True, "eol_at": "2030-01-01"}})
    assert view["editable"] is True and view["deprecated"] is False and view["eol_at"] is None
    assert view["scopes"] == [] and view["label"] is None


def test_resource_group_view_names_its_zones():
    catalogue = fake_catalogue()
    view = resource_group_view(RG_PROD, catalogue)
    assert view["zones"] == ["example.com", "example.net"]
    assert view["scope"] == {"key": ACCOUNT_KEY, "objects": sorted([zkey("example.com"), zkey("example.net")])}
    assert view["meta"] == {"editable": "true"} and view["name"] == "Production zones"
    assert catalogue.api.names() == ["list_zones"]
    assert "zones" not in resource_group_view(RG_WORKERS, catalogue)
    assert resource_group_view({"id": None, "name": "New", "meta": {}}, catalogue, zones("example.org"))["zones"] == [
        "example.org"]
    assert len(catalogue.api.calls) == 1


def test_info_rows():
    assert account_member_view(MEMBERS[0]) == {"id": ALICE, "email": "alice@example.com", "status": "accepted",
                                               "user_id": hexid(1011), "first_name": "F", "last_name": "L"}
    assert zone_view({"id": hexid(1), "status": "active"}) == {"id": hexid(1), "name": "", "status": "active"}


# =========================================================================== select_by_name_or_id
ROWS = [{"id": "a" * 32, "name": "example.com"}, {"id": "b" * 32, "name": "Example.NET"}]


class TestSelectByNameOrId(object):
    def test_no_filter_selects_everything(self):
        assert select_by_name_or_id(ROWS, None, None) == (ROWS, [])

    def test_names_are_case_insensitive_and_ids_exact(self):
        found, not_found = select_by_name_or_id(ROWS, [" EXAMPLE.com "], ["b" * 32, "B" * 32])
        assert [z["name"] for z in found] == ["example.com", "Example.NET"] and not_found == ["B" * 32]

    def test_unknown_values_are_reported_once_in_order(self):
        found, not_found = select_by_name_or_id(ROWS, ["nope.org", "nope.org", "example.net", "zzz"], ["c" * 32])
        assert [z["name"] for z in found] == ["Example.NET"] and not_found == ["nope.org", "zzz", "c" * 32]

    def test_an_empty_filter_selects_nothing(self):
        assert select_by_name_or_id(ROWS, [], None) == ([], [])
        assert select_by_name_or_id(ROWS, ["", "  ", None], None) == ([], [])

    def test_other_name_key(self):
        members = [{"id": "c" * 32, "email": "alice@example.com"}, {"id": "d" * 32, "email": None}]
        found, not_found = select_by_name_or_id(members, ["Alice@Example.com", "bob@example.com"], None,
                                                name_key="email")
        assert found == members[:1] and not_found == ["bob@example.com"]
