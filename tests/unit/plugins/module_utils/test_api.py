# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""api.AccountAPI against the emulator: one method per endpoint, asserted on the request log and the state."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.api import list_accounts
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import hexid

API = "/client/v4"


def acct(emulator, suffix):
    return "%s/accounts/%s%s" % (API, emulator.account_id, suffix)


def heal(emulator):
    def on_call(_n):
        emulator.faults(rate=0)
    return on_call


def one(entries):
    assert len(entries) == 1, entries
    return entries[0]


def scope_body(emulator, *zone_names):
    return {"key": "com.cloudflare.api.account." + emulator.account_id,
            "objects": [{"key": "com.cloudflare.api.account.zone." + emulator.zone_id(z)} for z in zone_names]}


# =========================================================================== user groups
class TestUserGroups(object):
    def test_list_with_filters(self, emulator, api, log):
        made = api.create_user_group("Platform")
        api.create_user_group("Platform Team")
        emulator.clear_requests()
        assert [g["id"] for g in api.list_user_groups(name="Platform")] == [made["id"]]
        assert [g["name"] for g in api.list_user_groups(fuzzy_name="platform")] == ["Platform", "Platform Team"]
        assert [g["name"] for g in api.list_user_groups(group_id=made["id"])] == ["Platform"]
        assert len(api.list_user_groups()) == 3  # with the demo SCIM group
        queries = [e["query"] for e in log("GET")]
        assert [e["path"] for e in log("GET")] == [acct(emulator, "/iam/user_groups")] * 4
        assert queries == [{"name": "Platform", "page": "1", "per_page": "500"},
                           {"fuzzyName": "platform", "page": "1", "per_page": "500"},
                           {"id": made["id"], "page": "1", "per_page": "500"},
                           {"page": "1", "per_page": "500"}]

    def test_get_and_404_is_none(self, emulator, api, log):
        made = api.create_user_group("Readable")
        assert api.get_user_group(made["id"])["name"] == "Readable"
        emulator.clear_requests()
        assert api.get_user_group(hexid(404)) is None
        entry = one(log())
        assert entry["path"] == acct(emulator, "/iam/user_groups/%s" % hexid(404)) and entry["status"] == 404

    def test_create_sends_name_and_policies(self, emulator, api, log):
        policies = [{"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("admin")}],
                     "resource_groups": [{"scope": {"key": "com.cloudflare.api.account." + emulator.account_id,
                                                    "objects": [{"key": "*"}]}}]}]
        emulator.clear_requests()
        made = api.create_user_group("With policies", policies=policies)
        entry = one(log("POST"))
        assert entry["path"] == acct(emulator, "/iam/user_groups")
        assert entry["body"] == {"name": "With policies", "policies": policies}
        stored = emulator.group_by_name("With policies")
        assert stored["id"] == made["id"] and len(stored["policies"]) == 1
        api.create_user_group("Bare")
        assert log("POST")[-1]["body"] == {"name": "Bare"}

    def test_create_whose_reply_is_lost_is_recovered_not_resent(self, emulator, api, log, client):
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        made = api.create_user_group("Made once")
        assert [g["id"] for g in emulator.groups_by_name("Made once")] == [made["id"]]
        assert len(log("POST")) == 1 and client.sleep.waits == []
        assert any("was not sent again" in w for w in client.warnings)

    def test_recovery_never_takes_a_known_group_for_the_new_one(self, emulator, api, log):
        old = api.create_user_group("Twin")
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        new = api.create_user_group("Twin", known_ids=[old["id"]])
        assert new["id"] != old["id"]
        assert sorted(g["id"] for g in emulator.groups_by_name("Twin")) == sorted([old["id"], new["id"]])
        assert len(log("POST")) == 2  # the first create, and the second one sent once

    def test_create_not_processed_is_sent_again(self, emulator, make_client, recording_sleep, log):
        from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
        client = make_client(sleep=recording_sleep(heal(emulator)))
        emulator.faults(rate=1.0, kinds=["drop"], methods=["POST"])
        made = AccountAPI(client, emulator.account_id).create_user_group("On retry")
        assert [g["id"] for g in emulator.groups_by_name("On retry")] == [made["id"]]
        assert [e["status"] for e in log("POST")] == [0, 200]

    def test_update_sends_only_what_is_given(self, emulator, api, log):
        made = api.create_user_group("Old name")
        emulator.clear_requests()
        assert api.update_user_group(made["id"], name="New name")["name"] == "New name"
        api.update_user_group(made["id"], policies=[])
        api.update_user_group(made["id"], name="Newer", policies=[])
        assert [e["body"] for e in log("PUT")] == [{"name": "New name"}, {"policies": []}, {"name": "Newer",
                                                                                            "policies": []}]
        assert all(e["path"] == acct(emulator, "/iam/user_groups/%s" % made["id"]) for e in log("PUT"))
        assert emulator.group_by_name("Newer")["id"] == made["id"]

    def test_delete_true_then_false(self, emulator, api, log):
        made = api.create_user_group("Short lived")
        emulator.clear_requests()
        assert api.delete_user_group(made["id"]) is True
        assert api.delete_user_group(made["id"]) is False
        assert [(e["method"], e["status"]) for e in log()] == [("DELETE", 200), ("DELETE", 404)]
        assert emulator.groups_by_name("Short lived") == []

    def test_scim_group_refuses_a_rename_with_its_code(self, emulator, api):
        scim = emulator.group_by_name("Okta Contractors")
        with pytest.raises(CloudflareAPIError) as info:
            api.update_user_group(scim["id"], name="Renamed")
        assert info.value.status == 400 and info.value.codes == [1010] and "SCIM" in str(info.value)
        # Its policies can be set (a body without the name).
        assert api.update_user_group(scim["id"], policies=[])["name"] == "Okta Contractors"


# =========================================================================== members
class TestMembers(object):
    def test_round_trip_with_bare_array_bodies(self, emulator, api, log):
        group = api.create_user_group("Crew")
        ids = dict((who, emulator.member_id("%s@example.com" % who)) for who in ("alice", "bob", "carol"))
        emulator.clear_requests()
        assert api.list_group_members(group["id"]) == []  # the API answers result: null
        api.add_group_members(group["id"], [ids["alice"], ids["bob"]])
        api.add_group_members(group["id"], [ids["bob"]])  # already there: harmless
        assert sorted(m["id"] for m in api.list_group_members(group["id"])) == sorted([ids["alice"], ids["bob"]])
        api.replace_group_members(group["id"], [ids["carol"]])
        assert [m["id"] for m in api.list_group_members(group["id"])] == [ids["carol"]]
        assert api.remove_group_member(group["id"], ids["carol"]) is True
        assert api.remove_group_member(group["id"], ids["carol"]) is False
        assert api.replace_group_members(group["id"], []) == []
        members_path = acct(emulator, "/iam/user_groups/%s/members" % group["id"])
        assert [e["body"] for e in log("POST")] == [[{"id": ids["alice"]}, {"id": ids["bob"]}], [{"id": ids["bob"]}]]
        assert [e["body"] for e in log("PUT")] == [[{"id": ids["carol"]}], []]
        assert all(e["path"] == members_path for e in log("POST") + log("PUT"))
        assert [(e["path"], e["status"]) for e in log("DELETE")] == [
            (members_path + "/" + ids["carol"], 200), (members_path + "/" + ids["carol"], 404)]
        assert set(e["query"].get("per_page") for e in log("GET")) == set(["500"])

    def test_adding_members_is_resent_after_a_lost_reply(self, emulator, make_client, recording_sleep, log):
        from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
        client = make_client(sleep=recording_sleep(heal(emulator)))
        api = AccountAPI(client, emulator.account_id)
        group = api.create_user_group("Adders")
        alice = emulator.member_id("alice@example.com")
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        api.add_group_members(group["id"], [alice])
        assert len(log("POST", "/members")) == 2
        assert [m["id"] for m in api.list_group_members(group["id"])] == [alice]

    def test_member_listings_of_many_groups(self, emulator, api, log):
        ids = []
        people = ("alice", "bob", "carol")
        for n in range(4):
            group = api.create_user_group("Group %d" % n)
            if n:
                api.add_group_members(group["id"], [emulator.member_id("%s@example.com" % p) for p in people[:n]])
            ids.append(group["id"])
        emulator.clear_requests()
        listings = api.list_group_members_many(ids)
        assert list(listings) == ids and [len(listings[i]) for i in ids] == [0, 1, 2, 3]
        assert sorted(e["path"] for e in log("GET")) == sorted(acct(emulator, "/iam/user_groups/%s/members" % i)
                                                               for i in ids)
        assert api.list_group_members_many([]) == {}

    def test_scim_group_refuses_member_changes(self, emulator, api):
        scim = emulator.group_by_name("Okta Contractors")
        with pytest.raises(CloudflareAPIError) as info:
            api.add_group_members(scim["id"], [emulator.member_id("alice@example.com")])
        assert info.value.codes == [1010]
        assert len(api.list_group_members(scim["id"])) == 2


# =========================================================================== catalogues
class TestCatalogueListings(object):
    def test_permission_groups_paged_at_50_with_filters(self, emulator, api, log):
        everything = api.list_permission_groups()
        total = len(emulator.state()["permission_groups"])
        assert len(everything) == total > 50
        pages = (total + 49) // 50
        assert [(e["query"]["page"], e["query"]["per_page"]) for e in log()] == [
            (str(n), "50") for n in range(1, pages + 1)]
        emulator.clear_requests()
        (found,) = api.list_permission_groups(label="admin", name=None, id=None)
        assert found["name"] == "Administrator"
        assert one(log())["query"] == {"label": "admin", "page": "1", "per_page": "50"}
        assert one(log())["path"] == acct(emulator, "/iam/permission_groups")

    def test_account_members(self, emulator, api, log):
        members = api.list_account_members()
        assert len(members) == 25
        entry = one(log())
        assert entry["path"] == acct(emulator, "/members") and entry["query"] == {"page": "1", "per_page": "50"}

    def test_zones_of_the_account(self, emulator, api, log):
        assert sorted(z["name"] for z in api.list_zones()) == sorted(
            ["example.com", "example.net", "example.org", "shop.example.com", "internal.example.dev"])
        assert [z["id"] for z in api.list_zones(name="example.net")] == [emulator.zone_id("example.net")]
        assert [(e["path"], e["query"]) for e in log()] == [
            (API + "/zones", {"account.id": emulator.account_id, "page": "1", "per_page": "50"}),
            (API + "/zones", {"account.id": emulator.account_id, "name": "example.net", "page": "1",
                              "per_page": "50"})]

    def test_accounts_listing(self, emulator, client, log):
        """GET /accounts, filtered by name, paged at 50."""
        (found,) = list_accounts(client, name="Demo Account")
        assert found["id"] == emulator.account_id
        entry = one(log())
        assert entry["path"] == API + "/accounts"
        assert entry["query"] == {"name": "Demo Account", "page": "1", "per_page": "50"}
        assert [a["id"] for a in list_accounts(client)] == emulator.account_ids()


# =========================================================================== resource groups
class TestResourceGroups(object):
    def test_list_is_not_paginated_and_filters(self, emulator, api, log):
        (prod,) = api.list_resource_groups()
        assert prod["name"] == "Production zones"
        assert api.list_resource_groups(name="Production zones")[0]["id"] == prod["id"]
        assert api.list_resource_groups(rg_id=prod["id"])[0]["id"] == prod["id"]
        assert api.list_resource_groups(name="nothing") == []
        assert [e["query"] for e in log()] == [{}, {"name": "Production zones"}, {"id": prod["id"]},
                                               {"name": "nothing"}]
        assert set(e["path"] for e in log()) == set([acct(emulator, "/iam/resource_groups")])

    def test_crud(self, emulator, api, log):
        assert api.get_resource_group(hexid(404)) is None
        scope = scope_body(emulator, "example.org")
        made = api.create_resource_group("Org zone", scope)
        assert log("POST")[-1]["body"] == {"name": "Org zone", "scope": scope}
        assert api.get_resource_group(made["id"])["name"] == "Org zone"
        assert api.update_resource_group(made["id"], name="Org zone 2")["name"] == "Org zone 2"
        wider = scope_body(emulator, "example.org", "example.com")
        api.update_resource_group(made["id"], scope=wider)
        assert [e["body"] for e in log("PUT")] == [{"name": "Org zone 2"}, {"scope": wider}]
        stored = [rg for rg in emulator.state()["resource_groups"] if rg["id"] == made["id"]][0]
        assert stored["name"] == "Org zone 2" and stored["scope"] == wider
        assert api.delete_resource_group(made["id"]) is True and api.delete_resource_group(made["id"]) is False

    def test_create_recovered_with_known_ids(self, emulator, api, log):
        old = api.create_resource_group("Twin zones", scope_body(emulator, "example.org"))
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        new = api.create_resource_group("Twin zones", scope_body(emulator, "example.com"), known_ids=[old["id"]])
        assert new["id"] != old["id"] and len(log("POST")) == 2
        assert len([rg for rg in emulator.state()["resource_groups"] if rg["name"] == "Twin zones"]) == 2

    def test_in_use_is_refused(self, emulator, api):
        prod = api.list_resource_groups()[0]
        api.create_user_group("User", policies=[
            {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_admin")}],
             "resource_groups": [{"id": prod["id"]}]}])
        with pytest.raises(CloudflareAPIError) as info:
            api.delete_resource_group(prod["id"])
        assert info.value.codes == [1013]
