# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""model.py: the Scope / ResourceGroupRef / Policy / Group values, as built from replies and compared."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    ACCOUNT as KIND_ACCOUNT,
    Group,
    Policy,
    RESOURCES,
    ResourceGroupRef,
    Scope,
    ZONES as KIND_ZONES,
    is_anonymous,
    policies_from_api,
    scopes_of,
    unique,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    ACCOUNT_KEY,
    ACCT_SCOPE,
    OTHER_ACCOUNT,
    PG_ADMIN,
    PG_DNS,
    PG_DOMAIN_ADMIN,
    PG_DOMAIN_DNS,
    RG_PROD,
    ZONE_IDS,
    anon_rg,
    api_policy,
    hexid,
    named_rg,
    worker_obj,
    zkey,
    zone_obj,
)


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


# =========================================================================== Group
GROUP_REPLY = {"id": hexid(50), "name": "Ops", "created_on": "2024-01-01T00:00:00Z", "status": "V",
               "policies": [api_policy(hexid(60), "allow", [PG_ADMIN], [anon_rg(hexid(61), ACCOUNT_KEY, ["*"])])]}


class TestGroup(object):
    def test_from_api_reads_the_plain_fields_and_policies(self):
        group = Group.from_api(GROUP_REPLY, member_ids=[hexid(70), hexid(71), hexid(70)])
        assert group.id == hexid(50) and group.name == "Ops" and group.get("name") == "Ops"
        assert group.fields == tuple((f, GROUP_REPLY.get(f)) for f in Group.FIELDS)
        assert group.policies == (Policy.of("allow", [PG_ADMIN["id"]], [WHOLE]),)
        assert group.member_ids == (hexid(70), hexid(71))  # in order, without repeats
        # Policies the caller has already (as parsed once) are taken as they are.
        assert Group.from_api(GROUP_REPLY, policies=[]).policies == ()

    def test_from_options_leaves_what_is_not_given_alone(self):
        wanted = Group.from_options({"name": None, "policies": [{"permission_groups": ["admin"]}]})
        assert wanted.id is None and wanted.name is None and wanted.policies is None and wanted.member_ids is None
        assert wanted.changes_from(Group.from_api(GROUP_REPLY)) == {}

    def test_changes_are_the_fields_that_differ(self):
        current = Group.from_api(GROUP_REPLY)
        assert Group.of({"name": "Ops"}).changes_from(current) == {}
        assert Group.of({"name": "Operations"}).changes_from(current) == {"name": "Operations"}
        assert Group.of({"name": "New"}).changes_from(None) == {"name": "New"}  # a create sends every set field

    def test_values_compare_by_content(self):
        one = Group.of({"name": "Ops"}, [Policy.of("allow", [PG_ADMIN["id"]], [WHOLE])], ["a", "b"])
        two = Group.of({"name": "Ops"}, [Policy.of("ALLOW", [PG_ADMIN["id"]], [WHOLE])], ["a", "b", "a"])
        assert one == two and hash(one) == hash(two) and one != one.updated({"name": "Other"})

    def test_updated_and_body(self):
        current = Group.from_api(GROUP_REPLY)
        after = current.updated({"name": "Operations"}, member_ids=["m"])
        assert after.name == "Operations" and after.policies == current.policies and after.member_ids == ("m",)
        assert after.id == current.id
        assert after.body(["name"]) == {"name": "Operations"}
        assert after.body(["name"], policies=True) == {"name": "Operations",
                                                       "policies": [p.body() for p in current.policies]}
        assert after.body([], policies=True) == {"policies": [p.body() for p in current.policies]}
        assert Group.of({"name": "Bare"}).body(["name"], policies=True) == {"name": "Bare"}  # policies not managed
