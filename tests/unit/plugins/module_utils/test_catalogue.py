# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""catalogue.Catalogue against the emulator: every listing at most once per task, asserted on the request log."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import Catalogue
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import hexid

API = "/client/v4"


def pages(entries):
    return [(e["query"].get("page"), e["query"].get("per_page")) for e in entries]


def account_scope(emulator):
    return {"key": "com.cloudflare.api.account." + emulator.account_id, "objects": [{"key": "*"}]}


def fresh(client):
    return Catalogue(AccountAPI(client, client.account_id))


# =========================================================================== roles
class TestPermissionGroups(object):
    def test_by_label_name_id_and_case_one_paged_listing(self, emulator, catalogue, log):
        emulator.clear_requests()
        admin = emulator.permission_group_id("admin")
        assert catalogue.find_permission_group("admin")["id"] == admin
        assert catalogue.find_permission_group("Administrator")["id"] == admin
        assert catalogue.find_permission_group(admin)["name"] == "Administrator"
        assert catalogue.find_permission_group(" administrator read only ")["meta"]["label"] == "admin_readonly"
        assert catalogue.find_permission_group("DOMAIN_DNS")["name"] == "Domain DNS"
        assert catalogue.find_permission_group("no such role") is None
        assert catalogue.describe_permission_group(admin)["name"] == "Administrator"
        assert "admin" in catalogue.permission_group_names() and "Administrator" in catalogue.permission_group_names()
        assert pages(log()) == [("1", "50"), ("2", "50")]  # 52 roles at 50 a page, read once

    def test_roles_embedded_in_group_policies_need_no_listing(self, emulator, client, api, log):
        admin, dns = emulator.permission_group_id("admin"), emulator.permission_group_id("dns")
        api.create_user_group("Seeded", policies=[{"access": "allow", "permission_groups": [{"id": admin}, {"id": dns}],
                                                   "resource_groups": [{"scope": account_scope(emulator)}]}])
        catalogue = fresh(client)
        catalogue.user_groups()
        emulator.clear_requests()
        assert catalogue.find_permission_group("admin")["id"] == admin
        assert catalogue.find_permission_group("DNS")["id"] == dns
        assert catalogue.find_permission_group(admin)["id"] == admin
        (policy,) = parse_policies([{"permission_groups": ["admin", "dns"]}], catalogue)
        assert policy.permission_groups == frozenset([admin, dns])
        assert log() == []
        # A name that is not an exact match of a seeded role needs the catalogue, once.
        assert catalogue.find_permission_group("analytics")["meta"]["label"] == "analytics"
        assert catalogue.find_permission_group("administrator")["id"] == admin
        assert len(log()) == 2 and all(e["path"].endswith("/iam/permission_groups") for e in log())

    def test_an_embedded_role_without_meta_does_not_hide_the_listing(self, emulator, catalogue, log):
        admin = emulator.permission_group_id("admin")
        catalogue.seed_permission_groups([{"id": admin, "name": "Administrator"}])
        emulator.clear_requests()
        found = catalogue.find_permission_group("Administrator")
        assert found["meta"]["label"] == "admin" and len(log()) == 2  # the scopes are needed: listing read
        catalogue.seed_permission_groups([{"id": admin, "name": "Administrator"}])  # never downgrades
        assert "meta" in catalogue.describe_permission_group(admin)


# =========================================================================== members
class TestAccountMembers(object):
    def test_email_case_insensitive_one_page(self, emulator, catalogue, log):
        emulator.clear_requests()
        alice = emulator.member_id("alice@example.com")
        assert catalogue.find_member("ALICE@Example.COM")["id"] == alice
        assert catalogue.find_member("bob@example.com")["id"] == emulator.member_id("bob@example.com")
        assert catalogue.find_member(alice)["id"] == alice
        assert catalogue.find_member("nobody@example.com") is None
        assert catalogue.find_member(hexid(5)) is None
        assert catalogue.describe_member(alice)["email"] == "alice@example.com"
        assert len(catalogue.member_emails()) == 25
        assert [e["path"] for e in log()] == ["%s/accounts/%s/members" % (API, emulator.account_id)]
        assert pages(log()) == [("1", "50")]

    def test_120_members_three_pages(self, emulator, builders, catalogue, log):
        emulator.set_state(builders.generated_state(n_groups=0, n_members=120, with_groups=False, n_zones=1))
        emulator.clear_requests()
        assert catalogue.find_member("USER00120@example.com")["id"] == emulator.member_id("user00120@example.com")
        assert len(catalogue.account_members()) == 120
        assert sorted(pages(log())) == [("1", "50"), ("2", "50"), ("3", "50")]

    def test_members_seen_in_a_group_listing_need_no_account_listing(self, emulator, client, api, log):
        group = api.create_user_group("Seen")
        alice = emulator.member_id("alice@example.com")
        api.add_group_members(group["id"], [alice])
        catalogue = fresh(client)
        catalogue.seed_members(api.list_group_members(group["id"]))
        emulator.clear_requests()
        assert catalogue.find_member("Alice@example.com")["id"] == alice
        assert catalogue.find_member(alice)["id"] == alice
        assert log() == []


# =========================================================================== zones
class TestZones(object):
    def test_one_zone_by_name_uses_the_name_filter(self, emulator, catalogue, log):
        emulator.clear_requests()
        zone = catalogue.find_zone("example.net")
        assert zone["id"] == emulator.zone_id("example.net")
        assert [e["query"] for e in log()] == [{"name": "example.net", "account.id": emulator.account_id,
                                                "page": "1", "per_page": "50"}]
        assert catalogue.find_zone("EXAMPLE.NET")["id"] == zone["id"]  # cached, case-insensitive
        assert catalogue.find_zone(zone["id"])["name"] == "example.net"
        assert catalogue.zone_name(zone["id"]) == "example.net"
        assert len(log()) == 1

    def test_zone_by_id_reads_the_listing_once(self, emulator, catalogue, log):
        zone_id = emulator.zone_id("example.org")
        emulator.clear_requests()
        assert catalogue.find_zone(zone_id)["name"] == "example.org"
        assert catalogue.find_zone(hexid(9)) is None
        assert catalogue.find_zone("nowhere.example") is None  # the listing is complete: no query
        assert [e["query"].get("name") for e in log()] == [None]

    def test_several_names_read_the_listing_once(self, emulator, catalogue, log):
        emulator.clear_requests()
        parse_policies([{"permission_groups": ["domain_dns"], "zones": ["example.com", "example.net", "example.org"]},
                        {"permission_groups": ["domain_admin"], "zones": ["shop.example.com"]}], catalogue)
        zone_gets = log("GET", "/zones")
        assert len(zone_gets) == 1 and "name" not in zone_gets[0]["query"]

    def test_learn_zone_names(self, emulator, catalogue, log):
        known = catalogue.find_zone("example.com")["id"]
        emulator.clear_requests()
        catalogue.learn_zone_names([known])
        assert log() == []  # every name already known
        other = emulator.zone_id("example.org")
        catalogue.learn_zone_names([known, other])
        catalogue.learn_zone_names([hexid(77)])
        assert catalogue.zone_name(other) == "example.org" and catalogue.zone_name(hexid(77)) is None
        assert len(log()) == 1

    def test_learn_zone_names_tolerates_a_token_without_zone_read(self, emulator, make_client, log):
        """A credential the zone listing refuses: ids are shown instead, nothing fails, nothing is asked twice."""
        catalogue = fresh(make_client(api_token="token-without-zone-read"))
        zone_id = emulator.zone_id("example.com")
        emulator.clear_requests()
        catalogue.learn_zone_names([zone_id])
        catalogue.learn_zone_names([zone_id])
        assert catalogue.zone_name(zone_id) is None
        assert [(e["path"], e["status"]) for e in log()] == [(API + "/zones", 401)]
        with pytest.raises(CloudflareError):
            fresh(make_client(api_token="token-without-zone-read")).zones()


# =========================================================================== resource groups
class TestResourceGroups(object):
    def test_by_name_case_and_id_one_listing(self, emulator, api, catalogue, log):
        scope = {"key": "com.cloudflare.api.account." + emulator.account_id,
                 "objects": [{"key": "com.cloudflare.api.account.zone." + emulator.zone_id("example.org")}]}
        one = api.create_resource_group("Twin", scope)
        two = api.create_resource_group("Twin", scope)
        emulator.clear_requests()
        assert catalogue.named_resource_group_ids() is None
        prod = catalogue.find_resource_group("Production zones")
        assert catalogue.find_resource_group("production ZONES")["id"] == prod["id"]
        assert catalogue.find_resource_group(prod["id"])["id"] == prod["id"]
        assert catalogue.find_resource_group("nothing") is None
        assert sorted(rg["id"] for rg in catalogue.find_resource_group("Twin")) == sorted([one["id"], two["id"]])
        assert catalogue.find_resource_group(one["id"])["id"] == one["id"]
        assert catalogue.describe_resource_group(prod["id"])["name"] == "Production zones"
        assert catalogue.named_resource_group_ids() == set([prod["id"], one["id"], two["id"]])
        assert len(log()) == 1 and log()[0]["path"].endswith("/iam/resource_groups")

    def test_note_resource_group_keeps_the_cache_current(self, emulator, catalogue, log):
        prod = catalogue.find_resource_group("Production zones")
        made = {"id": hexid(0x5150), "name": "Made here", "scope": account_scope(emulator)}
        catalogue.note_resource_group(made)
        catalogue.note_resource_group(dict(prod, name="Renamed zones"))
        assert catalogue.find_resource_group("Made here")["id"] == made["id"]
        assert catalogue.find_resource_group("Renamed zones")["id"] == prod["id"]
        assert catalogue.find_resource_group("Production zones") is None
        catalogue.note_resource_group(made, deleted=True)
        assert catalogue.find_resource_group("Made here") is None and catalogue.describe_resource_group(made["id"]) \
            is None
        assert len(log()) == 1


# =========================================================================== user groups
class TestUserGroups(object):
    def test_one_listing_and_lookups_from_it(self, emulator, api, catalogue, log):
        made = api.create_user_group("Platform")
        api.create_user_group("Platform Team")
        emulator.clear_requests()
        assert catalogue.find_user_group(name="Platform") == (catalogue.user_group(made["id"]), [])
        assert catalogue.find_user_group(name="platform") == (None, [])  # exact names only
        assert catalogue.find_user_group(group_id=made["id"])[0]["name"] == "Platform"
        assert catalogue.find_user_group(group_id=hexid(404)) == (None, [])
        assert catalogue.find_user_group(group_id="not-an-id") == (None, [])
        assert sorted(catalogue.user_group_names()) == ["Okta Contractors", "Platform", "Platform Team"]
        assert [e["path"] for e in log()] == ["%s/accounts/%s/iam/user_groups" % (API, emulator.account_id)]

    def test_by_id_without_the_listing_is_one_get(self, emulator, api, catalogue, log):
        made = api.create_user_group("By id")
        emulator.clear_requests()
        group, problems = catalogue.find_user_group(group_id=made["id"])
        assert group["name"] == "By id" and problems == []
        assert catalogue.find_user_group(group_id="not-an-id") == (None, [])
        assert catalogue.user_group(hexid(404)) is None
        assert [(e["path"].rsplit("/", 1)[-1], e["status"]) for e in log()] == [(made["id"], 200), (hexid(404), 404)]

    def test_duplicates_are_a_problem_listing_their_ids(self, emulator, api, catalogue):
        one = api.create_user_group("Twins")
        two = api.create_user_group("Twins")
        group, problems = catalogue.find_user_group(name="Twins")
        assert group is None
        assert problems == ["2 user groups are named 'Twins' (ids: %s); address the group by id"
                            % ", ".join(sorted([one["id"], two["id"]]))]
        assert catalogue.find_user_group(group_id=one["id"])[0]["id"] == one["id"]

    def test_unknown_group_problem(self, emulator, api, catalogue):
        api.create_user_group("Developers")
        api.create_user_group("Finance")
        nfd = api.create_user_group(unicodedata.normalize("NFD", u"Caf\u00e9"))
        assert catalogue.unknown_group_problem("Develpers") == (
            "user group 'Develpers' does not exist in account %s (did you mean 'Developers'?)" % emulator.account_id)
        finance = api.list_user_groups(name="Finance")[0]["id"]
        assert catalogue.unknown_group_problem("finance ") == (
            'user group "finance " does not exist in account %s (did you mean \'Finance\' (%s)? Write the name '
            'exactly as "Finance", or give the id: the names differ only by case, spaces, invisible characters or '
            'Unicode form)' % (emulator.account_id, finance))
        assert catalogue.unknown_group_problem(u"Caf\u00e9 ").endswith(
            '(did you mean "Cafe\\u0301" (%s)? Write the name exactly as "Cafe\\u0301", or give the id: the names '
            'differ only by case, spaces, invisible characters or Unicode form)' % nfd["id"])
        assert catalogue.unknown_group_problem(hexid(404)) == (
            "user group id '%s' does not exist in account %s" % (hexid(404), emulator.account_id))
        assert catalogue.unknown_group_problem(u"Caf\u00e9 ").startswith(u'user group "Caf\u00e9 " does not exist')
        assert [g["name"] for g in catalogue.user_groups_like(unicodedata.normalize("NFD", u"FINANC\u00c9"))] == []
        assert [g["name"] for g in catalogue.user_groups_like("FINANCE")] == ["Finance"]
        assert catalogue.user_groups_like("Finance") == []

    def test_fresh_user_group_rereads_only_after_begin_item(self, emulator, api, catalogue, log):
        made = api.create_user_group("Fresh")
        catalogue.user_groups()
        emulator.clear_requests()
        assert catalogue.fresh_user_group(made["id"])["name"] == "Fresh"
        assert log() == []  # read by this item's listing
        catalogue.begin_item()
        api.update_user_group(made["id"], name="Fresh (renamed elsewhere)")
        emulator.clear_requests()
        assert catalogue.fresh_user_group(made["id"])["name"] == "Fresh (renamed elsewhere)"
        assert catalogue.fresh_user_group(made["id"])["name"] == "Fresh (renamed elsewhere)"
        assert len(log()) == 1 and log()[0]["path"].endswith(made["id"])
        # The re-read updated the cache the next lookups use.
        assert catalogue.find_user_group(name="Fresh (renamed elsewhere)")[0]["id"] == made["id"]
        catalogue.begin_item()
        api.delete_user_group(made["id"])
        assert catalogue.fresh_user_group(made["id"]) is None
        assert catalogue.find_user_group(name="Fresh (renamed elsewhere)") == (None, [])

    def test_a_group_read_by_id_is_fresh_for_the_item(self, emulator, api, catalogue, log):
        made = api.create_user_group("By id, then fresh")
        emulator.clear_requests()
        group, _problems = catalogue.find_user_group(group_id=made["id"])
        assert catalogue.fresh_user_group(group["id"])["name"] == "By id, then fresh"
        assert len(log()) == 1

    def test_note_user_group_keeps_the_cache_current(self, emulator, catalogue, log):
        catalogue.note_user_group({"id": hexid(1), "name": "Before listing"})  # nothing cached yet: ignored
        groups = catalogue.user_groups()
        assert "Before listing" not in [g["name"] for g in groups]
        emulator.clear_requests()
        created = {"id": hexid(0xC0FFEE), "name": "Created", "policies": []}
        catalogue.note_user_group(created)
        assert catalogue.find_user_group(name="Created")[0] == created
        catalogue.note_user_group(dict(created, name="Renamed"))
        assert catalogue.find_user_group(name="Created") == (None, [])
        assert catalogue.find_user_group(name="Renamed")[0]["id"] == created["id"]
        assert catalogue.user_groups_named("Renamed") == [dict(created, name="Renamed")]
        catalogue.note_user_group(created, deleted=True)
        assert catalogue.find_user_group(name="Renamed") == (None, [])
        catalogue.note_user_group({"name": "no id"})
        assert "no id" not in catalogue.user_group_names()
        assert log() == []


# =========================================================================== at most once per task
def test_every_listing_is_read_at_most_once_per_task(emulator, api, catalogue, log):
    group = api.create_user_group("Everything", policies=[{
        "access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_dns")}],
        "resource_groups": [{"scope": {"key": "com.cloudflare.api.account." + emulator.account_id, "objects": [
            {"key": "com.cloudflare.api.account.zone." + emulator.zone_id("example.com")}]}}]}])
    emulator.clear_requests()
    for _item in range(3):  # three loop items sharing the catalogue
        catalogue.begin_item()
        catalogue.user_groups()
        catalogue.find_user_group(name="Everything")
        parse_policies([{"permission_groups": ["domain_dns"], "zones": ["example.com", "example.org"],
                         "resource_groups": ["Production zones"]},
                        {"permission_groups": ["Administrator"]}], catalogue)
        for email in ("alice@example.com", "nobody@example.com"):
            catalogue.find_member(email)
        catalogue.find_zone("nowhere.example")
        catalogue.find_resource_group("nothing")
        catalogue.learn_zone_names([emulator.zone_id("example.net")])
    paths = sorted(e["path"].replace("%s/accounts/%s" % (API, emulator.account_id), "") for e in log())
    # Roles: two pages of one listing. Zones: one listing (two names), which also answers the unknown name.
    assert paths == sorted(["/iam/permission_groups", "/iam/permission_groups", "/iam/resource_groups",
                            "/iam/user_groups", "/members", API + "/zones"])
    assert catalogue.find_user_group(name="Everything")[0]["id"] == group["id"]
    with pytest.raises(ResolutionError):
        parse_policies([{"permission_groups": ["nope"]}], catalogue)
    assert len(log()) == 6
