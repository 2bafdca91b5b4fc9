# -*- coding: utf-8 -*-
"""cf_resource_group_info, cf_account_member_info and cf_zone_info against the emulator.

Every filter, empty results, counts equal to the emulator's state, pagination
request counts, and never a write.
"""
from __future__ import absolute_import, division, print_function

import hashlib

NS = "cfiam.user_groups."
MISSING_ID = "f" * 32


def task(title, module, **args):
    return {"name": title, NS + module: args}


def get_paths(emulator, suffix):
    return [e for e in emulator.requests() if e["method"] == "GET" and e["path"].endswith(suffix)]


def test_resource_group_info_filters(emulator, run_playbook):
    state = emulator.state()
    prod = [rg for rg in state["resource_groups"] if rg["name"] == "Production zones"][0]
    # a second named group (Workers scope) and an anonymous one that must not be listed
    state["resource_groups"].append({
        "id": "a" * 32, "name": "Edge workers", "anonymous": False, "meta": {"editable": "true"},
        "scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                  "objects": [{"key": "com.cloudflare.api.account.worker.%s" % ("b" * 32)}]},
        "created_on": "2025-01-01T00:00:00.000000Z", "modified_on": "2025-01-01T00:00:00.000000Z"})
    state["resource_groups"].append({
        "id": "c" * 32, "name": "com.cloudflare.api.account.%s" % emulator.account_id, "anonymous": True,
        "meta": {"editable": "false"},
        "scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id, "objects": [{"key": "*"}]},
        "created_on": "2025-01-01T00:00:00.000000Z", "modified_on": "2025-01-01T00:00:00.000000Z"})
    emulator.set_state(state)
    emulator.clear_requests()

    run = run_playbook([
        task("all", "cf_resource_group_info"),
        task("by name", "cf_resource_group_info", name="Production zones"),
        task("by id", "cf_resource_group_info", id=prod["id"]),
        task("unknown name", "cf_resource_group_info", name="No such group"),
        task("unknown id", "cf_resource_group_info", id=MISSING_ID),
        {"name": "bad id", NS + "cf_resource_group_info": {"id": "xyz"}, "ignore_errors": True},
    ], check=True)
    assert run.rc == 0, run

    everything = run.task("all")
    assert everything["changed"] is False
    assert [rg["name"] for rg in everything["resource_groups"]] == ["Edge workers", "Production zones"]
    by_name = run.task("by name")["resource_groups"]
    assert len(by_name) == 1
    view = by_name[0]
    assert view["id"] == prod["id"]
    assert view["zones"] == ["example.com", "example.net"]
    assert view["scope"] == {"key": prod["scope"]["key"], "objects": sorted(o["key"] for o in prod["scope"]["objects"])}
    assert view["meta"] == prod["meta"]
    assert run.task("by id")["resource_groups"] == by_name
    workers = everything["resource_groups"][0]
    assert "zones" not in workers
    assert workers["scope"]["objects"] == ["com.cloudflare.api.account.worker.%s" % ("b" * 32)]
    assert run.task("unknown name")["resource_groups"] == []
    assert run.task("unknown id")["resource_groups"] == []
    assert run.status("bad id") == "failed"
    assert "'xyz' is not a resource group id" in run.task("bad id")["msg"]
    # the zone names came from one zone listing per task that needed them
    assert run.task("by name")["api_requests"]["total"] == 2
    assert emulator.writes() == []


def _expected_member(m):
    user = m.get("user") or {}
    return {"id": m["id"], "email": m["email"].lower(), "status": m["status"], "user_id": user.get("id"),
            "first_name": user.get("first_name"), "last_name": user.get("last_name")}


def test_account_member_info_filters(emulator, run_playbook):
    members = emulator.state()["members"]
    assert len(members) == 25
    pending = sorted(m["email"] for m in members if m["status"] == "pending")
    bob = emulator.member_id("bob@example.com")
    emulator.clear_requests()

    run = run_playbook([
        task("all", "cf_account_member_info"),
        task("emails", "cf_account_member_info", email=["Alice@Example.com", "carol@example.com", "nobody-here@example.com"]),
        task("one email", "cf_account_member_info", email="bob@EXAMPLE.com"),
        task("pending", "cf_account_member_info", status="pending"),
        task("accepted", "cf_account_member_info", status="accepted"),
        task("by id", "cf_account_member_info", id=[bob, MISSING_ID]),
        task("email and status", "cf_account_member_info", email=["alice@example.com", pending[0]], status="pending"),
        task("nothing", "cf_account_member_info", email=["nobody@example.com"]),
        dict(task("to ids", "cf_account_member_info", email=["dave@example.com", "Erin@example.com"]), register="found"),
        {"name": "ids", "ansible.builtin.set_fact": {
            "ids": "{{ found.account_members | items2dict(key_name='email', value_name='id') }}"}},
    ])
    assert run.rc == 0, run

    everything = run.task("all")
    assert everything["changed"] is False
    assert everything["account_members"] == sorted((_expected_member(m) for m in members), key=lambda m: m["email"])
    assert everything["not_found"] == []
    # 25 members at per_page 50: a single listing request
    assert everything["api_requests"]["GET"] == 1

    emails = run.task("emails")
    assert [m["email"] for m in emails["account_members"]] == ["alice@example.com", "carol@example.com"]
    assert emails["account_members"][0]["id"] == emulator.member_id("alice@example.com")
    assert emails["not_found"] == ["nobody-here@example.com"]
    assert emails["api_requests"]["GET"] == 1
    assert [m["id"] for m in run.task("one email")["account_members"]] == [bob]
    assert [m["email"] for m in run.task("pending")["account_members"]] == pending
    assert len(run.task("accepted")["account_members"]) == 25 - len(pending)
    by_id = run.task("by id")
    assert [m["email"] for m in by_id["account_members"]] == ["bob@example.com"]
    assert by_id["not_found"] == [MISSING_ID]
    assert [m["email"] for m in run.task("email and status")["account_members"]] == [pending[0]]
    assert run.task("nothing")["account_members"] == []
    assert run.task("nothing")["not_found"] == ["nobody@example.com"]

    listings = get_paths(emulator, "/accounts/%s/members" % emulator.account_id)
    assert len(listings) == 9  # one per task
    assert run.task("ids")["ansible_facts"]["ids"] == {
        "dave@example.com": emulator.member_id("dave@example.com"), "erin@example.com": emulator.member_id("erin@example.com")}
    assert all(e["query"].get("per_page") == "50" for e in listings)
    assert emulator.writes() == []


def test_account_member_info_paginates(emulator, run_playbook):
    state = emulator.state()
    for i in range(95):
        email = "user%03d@bulk.example.com" % i
        state["members"].append({
            "id": hashlib.md5(email.encode()).hexdigest(), "email": email, "status": "accepted",
            "created_on": "2025-01-01T00:00:00.000000Z",
            "user": {"id": hashlib.md5(("u" + email).encode()).hexdigest(), "email": email,
                     "first_name": "User", "last_name": "%03d" % i, "two_factor_authentication_enabled": False}})
    emulator.set_state(state)
    emulator.clear_requests()

    run = run_playbook([task("all", "cf_account_member_info"),
                        task("last one", "cf_account_member_info", email="USER094@bulk.example.com")])
    assert run.rc == 0, run
    assert len(run.task("all")["account_members"]) == 120
    assert run.task("all")["api_requests"]["GET"] == 3
    assert [m["email"] for m in run.task("last one")["account_members"]] == ["user094@bulk.example.com"]
    listings = get_paths(emulator, "/accounts/%s/members" % emulator.account_id)
    assert sorted(e["query"]["page"] for e in listings) == ["1", "1", "2", "2", "3", "3"]
    assert emulator.writes() == []


def test_zone_info_filters_and_pagination(emulator, run_playbook):
    zones = emulator.state()["zones"]
    assert len(zones) == 5
    emulator.clear_requests()

    run = run_playbook([
        task("all", "cf_zone_info"),
        task("names", "cf_zone_info", name=["Example.COM", "shop.example.com", "example.invalid"]),
        task("by id", "cf_zone_info", id=[emulator.zone_id("example.net"), MISSING_ID]),
        task("nothing", "cf_zone_info", name="nothing.example"),
    ], check=True)
    assert run.rc == 0, run
    everything = run.task("all")
    assert everything["changed"] is False
    assert everything["zones"] == sorted(({"id": z["id"], "name": z["name"], "status": z["status"]} for z in zones),
                                         key=lambda z: z["name"])
    assert everything["api_requests"]["GET"] == 1
    names = run.task("names")
    assert [z["name"] for z in names["zones"]] == ["example.com", "shop.example.com"]
    assert names["zones"][0]["id"] == emulator.zone_id("example.com")
    assert names["not_found"] == ["example.invalid"]
    by_id = run.task("by id")
    assert [z["name"] for z in by_id["zones"]] == ["example.net"]
    assert by_id["not_found"] == [MISSING_ID]
    assert run.task("nothing")["zones"] == []
    listings = get_paths(emulator, "/zones")
    assert len(listings) == 4
    assert all(e["query"].get("account.id") == emulator.account_id and e["query"].get("per_page") == "50"
               for e in listings)

    # 60 more zones: 65 in all, two pages of 50
    state = emulator.state()
    for i in range(60):
        name = "zone%02d.bulk.example" % i
        state["zones"].append({"id": hashlib.md5(name.encode()).hexdigest(), "name": name, "status": "pending",
                               "type": "full", "created_on": "2025-01-01T00:00:00.000000Z",
                               "modified_on": "2025-01-01T00:00:00.000000Z", "activated_on": None})
    emulator.set_state(state)
    emulator.clear_requests()
    run = run_playbook([task("all", "cf_zone_info")])
    assert run.rc == 0, run
    assert len(run.task("all")["zones"]) == 65
    assert run.task("all")["api_requests"]["GET"] == 2
    assert sum(1 for z in run.task("all")["zones"] if z["status"] == "pending") == 60
    assert emulator.writes() == []
