# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookups and services against the emulator; request counts come from the emulator's request log."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import Lookups, ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import (
    current_policy_body,
    current_policy_signature,
    plan_policies,
    resolve_policies,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    DuplicateGroupError,
    ResourceGroupService,
    UserGroupService,
    group_view,
    resolve_members,
)


def hexid(n):
    return "%032x" % n


def gets(emulator, suffix=None):
    return [e for e in emulator.requests() if e["method"] == "GET" and (suffix is None or e["path"].endswith(suffix))]


def pages(entries):
    return [(e["query"].get("page"), e["query"].get("per_page")) for e in entries]


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def lookups(client):
    return Lookups(client)


@pytest.fixture
def service(client, lookups):
    return UserGroupService(client, lookups)


def account_item(*labels):
    return {"access": "allow", "permission_groups": list(labels)}


# =========================================================================== permission groups
class TestPermissionGroups(object):
    def test_by_label_name_and_id_one_catalogue_listing(self, emulator, lookups):
        emulator.clear_requests()
        admin_id = emulator.permission_group_id("admin")
        assert lookups.find_permission_group("admin")["id"] == admin_id
        assert lookups.find_permission_group("Administrator")["id"] == admin_id
        assert lookups.find_permission_group(admin_id)["name"] == "Administrator"
        assert lookups.find_permission_group(" administrator read only ")["meta"]["label"] == "admin_readonly"
        assert lookups.find_permission_group("DOMAIN_DNS")["name"] == "Domain DNS"
        assert lookups.find_permission_group("no such role") is None
        listing = gets(emulator, "/iam/permission_groups")
        total = len(emulator.state()["permission_groups"])
        assert len(listing) == (total // 50) + 1  # 52 groups at 50 a page: 2 pages, read once
        assert pages(listing) == [("1", "50"), ("2", "50")]
        assert len(emulator.requests()) == len(listing)

    def test_seeded_from_group_listing_sends_no_catalogue_request(self, emulator, client, lookups, service):
        admin_id = emulator.permission_group_id("admin")
        dns_id = emulator.permission_group_id("dns")
        service.create_group("Seeded", policies=[
            {"access": "allow", "permission_groups": [{"id": admin_id}, {"id": dns_id}],
             "resource_groups": [{"scope": {"key": "com.cloudflare.api.account." + emulator.account_id,
                                            "objects": [{"key": "*"}]}}]}])
        fresh = Lookups(client)
        UserGroupService(client, fresh).list_groups()
        emulator.clear_requests()
        assert fresh.find_permission_group("admin")["id"] == admin_id
        assert fresh.find_permission_group("DNS")["id"] == dns_id
        assert fresh.find_permission_group(admin_id)["id"] == admin_id
        assert fresh.describe_permission_group(dns_id)["name"] == "DNS"
        (policy,) = resolve_policies([account_item("admin", "dns")], fresh, emulator.account_id)
        assert sorted(pg["id"] for pg in policy.permission_groups) == sorted([admin_id, dns_id])
        assert emulator.requests() == []
        # A name that is not an exact match of a seeded group needs the catalogue, once.
        assert fresh.find_permission_group("analytics") is not None
        assert fresh.find_permission_group("administrator")["id"] == admin_id
        assert len(gets(emulator, "/iam/permission_groups")) == 2 and len(emulator.requests()) == 2


# =========================================================================== account members
class TestAccountMembers(object):
    def test_email_case_insensitive_one_page(self, emulator, lookups):
        emulator.clear_requests()
        alice = emulator.member_id("alice@example.com")
        assert lookups.find_member("ALICE@Example.COM")["id"] == alice
        assert lookups.find_member("bob@example.com")["id"] == emulator.member_id("bob@example.com")
        assert lookups.find_member(alice)["id"] == alice
        assert lookups.find_member("nobody@example.com") is None
        listing = gets(emulator, "/accounts/%s/members" % emulator.account_id)
        assert pages(listing) == [("1", "50")]  # 25 members, per_page 50
        assert len(emulator.requests()) == 1

    def test_120_members_three_pages(self, emulator, builders, lookups):
        emulator.set_state(builders.generated_state(n_groups=0, n_members=120, with_groups=False, n_zones=1))
        emulator.clear_requests()
        assert lookups.find_member("USER00120@example.com")["id"] == emulator.member_id("user00120@example.com")
        assert len(lookups.account_members()) == 120
        assert pages(gets(emulator, "/members")) == [("1", "50"), ("2", "50"), ("3", "50")]

    def test_members_seen_in_group_listing_need_no_account_listing(self, emulator, client, service):
        group = service.create_group("Seen")
        alice = emulator.member_id("alice@example.com")
        service.add_members(group["id"], [alice])
        fresh = Lookups(client)
        UserGroupService(client, fresh).list_members(group["id"])
        emulator.clear_requests()
        assert [m["id"] for m in resolve_members(["Alice@example.com", alice], fresh)] == [alice]
        assert emulator.requests() == []

    def test_unknown_members_all_listed_with_suggestions(self, emulator, lookups):
        with pytest.raises(ResolutionError) as info:
            resolve_members(["alice@example.com", "alcie@example.com", "bobb@example.com", hexid(5)], lookups)
        problems = info.value.problems
        assert len(problems) == 3
        assert "'alcie@example.com' (did you mean 'alice@example.com'" in problems[0]
        assert "'bobb@example.com' (did you mean 'bob@example.com'" in problems[1]
        assert "no account member has the id '%s'" % hexid(5) in problems[2]
        assert len(gets(emulator, "/members")) == 1


# =========================================================================== zones
class TestZones(object):
    def test_zone_by_name_uses_the_name_filter(self, emulator, lookups):
        emulator.clear_requests()
        zone = lookups.find_zone("example.net")
        assert zone["id"] == emulator.zone_id("example.net")
        (entry,) = emulator.requests()
        assert entry["path"] == "/client/v4/zones"
        assert entry["query"] == {"name": "example.net", "account.id": emulator.account_id, "page": "1",
                                  "per_page": "50"}
        assert lookups.find_zone("EXAMPLE.NET")["id"] == zone["id"]  # cached, case-insensitive
        assert lookups.find_zone(zone["id"])["name"] == "example.net"
        assert lookups.zone_name(zone["id"]) == "example.net"
        assert len(emulator.requests()) == 1

    def test_unknown_zone_is_none(self, emulator, lookups):
        assert lookups.find_zone("nowhere.example") is None

    def test_zone_by_id(self, emulator, lookups):
        zone_id = emulator.zone_id("example.org")
        emulator.clear_requests()
        assert lookups.find_zone(zone_id, verify=False) == {"id": zone_id, "name": None}
        assert emulator.requests() == []
        assert lookups.find_zone(zone_id)["name"] == "example.org"
        assert [e["query"].get("name") for e in emulator.requests()] == [None]  # the account's zone listing
        assert lookups.find_zone(hexid(9)) is None
        assert len(emulator.requests()) == 1

    def test_several_zone_names_read_the_listing_once(self, emulator, lookups):
        emulator.clear_requests()
        items = [{"permission_groups": ["domain_dns"], "zones": ["example.com", "example.net", "example.org"]},
                 {"permission_groups": ["domain_admin"], "zones": ["shop.example.com"]}]
        resolve_policies(items, lookups, emulator.account_id)
        zone_gets = gets(emulator, "/zones")
        assert len(zone_gets) == 1 and "name" not in zone_gets[0]["query"]


# =========================================================================== unknown names
def test_every_unknown_name_listed_with_a_suggestion(emulator, lookups):
    items = [{"permission_groups": ["admn", "Administrator"]},
             {"permission_groups": ["domain_dns"], "zones": ["exmple.com", "example.net"]},
             {"permission_groups": ["domain_dns"], "resource_groups": ["Production zone"]}]
    with pytest.raises(ResolutionError) as info:
        resolve_policies(items, lookups, emulator.account_id)
    problems = info.value.problems
    assert len(problems) == 3, problems
    assert "policies[0]: unknown permission group 'admn' (did you mean 'admin'" in problems[0]
    assert "policies[1]: unknown zone 'exmple.com' in account %s (did you mean 'example.com'" % (
        emulator.account_id) in problems[1]
    assert "policies[2]: unknown resource group 'Production zone' (did you mean 'Production zones'?)" in problems[2]


def test_incompatible_role_against_real_catalogue(emulator, lookups):
    with pytest.raises(ResolutionError) as info:
        resolve_policies([{"permission_groups": ["domain_dns"]},
                          {"permission_groups": ["dns"], "zones": ["example.com"]}], lookups, emulator.account_id)
    assert len(info.value.problems) == 2
    assert "not to the whole account" in info.value.problems[0]
    assert "not to individual zones" in info.value.problems[1]


# =========================================================================== groups
class TestGroups(object):
    def test_duplicate_names_list_both_ids(self, emulator, service):
        one = service.create_group("Twins")
        two = service.create_group("Twins")
        with pytest.raises(DuplicateGroupError) as info:
            service.find_group(name="Twins")
        (problem,) = info.value.problems
        assert "2 user groups are named 'Twins'" in problem
        assert ", ".join(sorted([one["id"], two["id"]])) in problem
        assert isinstance(info.value, ResolutionError)

    def test_find_by_name(self, emulator, service):
        made = service.create_group("Platform")
        service.create_group("Platform Team")  # exact name only
        assert service.find_group(name="Platform")["id"] == made["id"]
        name_query = [e["query"] for e in gets(emulator, "/iam/user_groups")][-1]
        assert name_query["name"] == "Platform"
        assert service.find_group(name="platform") is None

    def test_find_by_id_404_is_none(self, emulator, service):
        emulator.clear_requests()
        assert service.find_group(group_id=hexid(404)) is None
        assert [e["status"] for e in emulator.requests()] == [404]
        with pytest.raises(ResolutionError, match="user group id '%s' does not exist" % hexid(404)):
            service.find_group(group_id=hexid(404), required=True)

    def test_find_by_malformed_id_sends_nothing(self, emulator, service):
        emulator.clear_requests()
        assert service.find_group(group_id="not-an-id") is None
        assert emulator.requests() == []

    def test_required_unknown_name_suggests(self, emulator, service):
        service.create_group("Developers")
        with pytest.raises(ResolutionError) as info:
            service.find_group(name="Develpers", required=True)
        assert "user group 'Develpers' does not exist" in str(info.value)
        assert "did you mean 'Developers'" in str(info.value)

    def test_get_delete(self, emulator, service):
        made = service.create_group("Short lived")
        assert service.get_group(made["id"])["name"] == "Short lived"
        assert service.delete_group(made["id"]) is True
        assert service.delete_group(made["id"]) is False
        assert service.get_group(made["id"]) is None

    def test_members_round_trip(self, emulator, service):
        group = service.create_group("Crew")
        ids = dict((who, emulator.member_id("%s@example.com" % who)) for who in ("alice", "bob", "carol"))
        service.add_members(group["id"], [ids["alice"], ids["bob"]])
        service.add_members(group["id"], [ids["bob"]])  # already there: harmless
        assert sorted(m["id"] for m in service.list_members(group["id"])) == sorted([ids["alice"], ids["bob"]])
        service.replace_members(group["id"], [ids["carol"]])
        assert [m["id"] for m in service.list_members(group["id"])] == [ids["carol"]]
        assert service.remove_member(group["id"], ids["carol"])["id"] == ids["carol"]
        assert service.remove_member(group["id"], ids["carol"]) is None
        assert service.list_members(group["id"]) == []
        assert service.replace_members(group["id"], []) == []

    def test_scim_group_refuses_member_changes(self, emulator, service):
        scim = service.find_group(name="Okta Contractors")
        with pytest.raises(CloudflareAPIError) as info:
            service.add_members(scim["id"], [emulator.member_id("alice@example.com")])
        assert info.value.codes == [1010] and "SCIM" in str(info.value)

    def test_group_view(self, emulator, client, lookups, service):
        group = service.create_group("Viewed", policies=[
            {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_dns")}],
             "resource_groups": [{"scope": {"key": "com.cloudflare.api.account." + emulator.account_id,
                                            "objects": [{"key": "com.cloudflare.api.account.zone."
                                                         + emulator.zone_id("example.com")}]}}]}])
        service.add_members(group["id"], [emulator.member_id("bob@example.com")])
        lookups.zones()
        view = group_view(service.get_group(group["id"]), lookups, emulator.account_id,
                          members=service.list_members(group["id"]))
        assert view["name"] == "Viewed"
        assert view["members"] == [{"id": emulator.member_id("bob@example.com"), "email": "bob@example.com",
                                    "status": "accepted"}]
        (policy,) = view["policies"]
        assert policy["target"] == "zones" and policy["resource_groups"][0]["zones"] == ["example.com"]


# =========================================================================== resource groups
def test_resource_groups(emulator, client, lookups):
    rgs = ResourceGroupService(client, lookups)
    prod = lookups.find_resource_group("Production zones")
    assert prod["name"] == "Production zones"
    assert lookups.find_resource_group("production ZONES")["id"] == prod["id"]
    assert lookups.find_resource_group(prod["id"])["id"] == prod["id"]
    assert lookups.find_resource_group("nothing") is None
    assert rgs.get(hexid(404)) is None
    scope = {"key": "com.cloudflare.api.account." + emulator.account_id,
             "objects": [{"key": "com.cloudflare.api.account.zone." + emulator.zone_id("example.org")}]}
    made = rgs.create("Org zone", scope)
    assert [rg["id"] for rg in rgs.list(name="Org zone")] == [made["id"]]
    assert rgs.update(made["id"], name="Org zone 2")["name"] == "Org zone 2"
    assert rgs.delete(made["id"]) is True and rgs.delete(made["id"]) is False
    assert len(gets(emulator, "/iam/resource_groups")) >= 1


# =========================================================================== policies end to end
POLICY_ITEMS = [
    [{"permission_groups": ["admin_readonly", "dns"]}],
    [{"permission_groups": ["domain_dns", "domain_admin"], "zones": ["example.net", "example.com"]}],
    [{"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}],
    [{"access": "deny", "permission_groups": ["billing"]},
     {"permission_groups": ["domain_dns"], "zones": ["shop.example.com"]},
     {"permission_groups": ["domain_admin_readonly"], "resource_groups": ["Production zones"]},
     {"permission_groups": ["domain_dns"], "scope": {
         "key": "com.cloudflare.api.account.zone.%s", "objects": ["*"]}}],
]


@pytest.mark.parametrize("items", POLICY_ITEMS, ids=["account", "zones", "resource_group", "mixed"])
def test_written_policies_read_back_unchanged(emulator, client, lookups, service, items):
    """What the plan writes, read back from the API (new ids, expanded, reordered), plans as unchanged."""
    items = [dict(i) for i in items]
    for item in items:
        if "scope" in item:
            item["scope"] = {"key": item["scope"]["key"] % emulator.zone_id("example.org"), "objects": ["*"]}
    desired = resolve_policies(items, lookups, emulator.account_id)
    plan = plan_policies([], desired)
    group = service.create_group("Written", policies=plan.bodies)
    current = service.get_group(group["id"])["policies"]
    assert len(current) == len(items)
    for exclusive in (False, True):
        assert not plan_policies(current, desired, exclusive=exclusive).changed
    # Re-sending the current policies unchanged keeps them equal (ids regenerate).
    named = lookups.named_resource_group_ids()
    service.update_group(group["id"], policies=[current_policy_body(p, named) for p in current])
    again = service.get_group(group["id"])["policies"]
    assert set(p["id"] for p in again).isdisjoint(set(p["id"] for p in current))
    referenced = set(rg["id"] for p in desired for rg in p.resource_groups if rg.get("id"))
    assert (sorted(current_policy_signature(p, referenced) for p in again)
            == sorted(current_policy_signature(p, referenced) for p in current))
    assert not plan_policies(again, desired, exclusive=True).changed
    # exclusive with nothing wanted resets the group
    reset = plan_policies(again, [], exclusive=True)
    assert reset.changed and reset.bodies == []
    service.update_group(group["id"], policies=reset.bodies)
    assert not service.get_group(group["id"]).get("policies")
