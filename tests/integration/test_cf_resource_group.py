# -*- coding: utf-8 -*-
"""cf_resource_group against the emulator: real ansible-playbook runs, assertions on state and request log."""
from __future__ import absolute_import, division, print_function

import pytest
from harness import module_task

# Every test runs twice: with full write replies, and with the minimal ones Cloudflare may send.
pytestmark = pytest.mark.usefixtures("write_replies")

MODULE = "cfiam.user_groups.cf_resource_group"
ZONE_PREFIX = "com.cloudflare.api.account.zone."
MISSING_ID = "f" * 32


task = module_task(MODULE)


def named_rgs(emulator, name=None):
    return [rg for rg in emulator.state()["resource_groups"]
            if not rg.get("anonymous") and (name is None or rg["name"] == name)]


def rg_of(emulator, name):
    found = named_rgs(emulator, name)
    assert len(found) == 1, found
    return found[0]


def object_keys(rg):
    return sorted(o["key"] for o in rg["scope"]["objects"])


def zone_keys(emulator, *zones):
    return sorted(ZONE_PREFIX + emulator.zone_id(z) for z in zones)


def account_key(emulator):
    return "com.cloudflare.api.account.%s" % emulator.account_id


def test_create_with_zones_four_steps(emulator, run_playbook):
    tasks = [task("create", name="Shop zones", zones=["shop.example.com", "example.org"])]

    # 1. check mode: predicts the creation, sends no write
    run = run_playbook(tasks, check=True, diff=True)
    assert run.rc == 0, run
    assert run.status("create") == "changed"
    res = run.task("create")
    assert res["resource_group"]["name"] == "Shop zones"
    assert res["resource_group"]["zones"] == ["example.org", "shop.example.com"]
    assert res["resource_group"]["scope"] == {
        "key": account_key(emulator), "objects": zone_keys(emulator, "example.org", "shop.example.com")}
    assert res["diff"]["before"] == {}
    assert res["diff"]["after"]["zones"] == ["example.org", "shop.example.com"]
    assert emulator.writes() == []
    assert named_rgs(emulator, "Shop zones") == []

    # 2. real run: one POST, state correct, result equals the prediction (plus the id)
    emulator.clear_requests()
    run = run_playbook(tasks, diff=True)
    assert run.rc == 0, run
    assert run.status("create") == "changed"
    writes = emulator.writes()
    assert [(w["method"], w["operation"]) for w in writes] == [("POST", "account-resource-group-create")]
    assert writes[0]["body"]["name"] == "Shop zones"
    rg = rg_of(emulator, "Shop zones")
    assert rg["scope"]["key"] == account_key(emulator)
    assert object_keys(rg) == zone_keys(emulator, "example.org", "shop.example.com")
    created = run.task("create")["resource_group"]
    assert created["id"] == rg["id"]
    assert created["zones"] == ["example.org", "shop.example.com"]
    assert created["scope"] == res["resource_group"]["scope"]

    # 3. check mode again: no change
    emulator.clear_requests()
    run = run_playbook(tasks, check=True, diff=True)
    assert run.rc == 0, run
    assert run.status("create") == "ok"
    assert run.task("create")["resource_group"]["id"] == rg["id"]
    assert emulator.writes() == []

    # 4. real again, also with the zones in another order, by id and in other case: no change, no write
    emulator.clear_requests()
    run = run_playbook(tasks + [task("reordered", name="Shop zones",
                                     zones=[emulator.zone_id("example.org"), "SHOP.example.com"])])
    assert run.rc == 0, run
    assert run.status("create") == "ok"
    assert run.status("reordered") == "ok"
    assert emulator.writes() == []
    assert len(named_rgs(emulator, "Shop zones")) == 1


def test_change_zones_four_steps(emulator, run_playbook):
    rg_id = rg_of(emulator, "Production zones")["id"]
    assert object_keys(rg_of(emulator, "Production zones")) == zone_keys(emulator, "example.com", "example.net")
    tasks = [task("zones", name="Production zones", zones=["example.com", "example.org"])]

    run = run_playbook(tasks, check=True, diff=True)
    assert run.rc == 0, run
    assert run.status("zones") == "changed"
    res = run.task("zones")
    assert res["diff"]["before"]["zones"] == ["example.com", "example.net"]
    assert res["diff"]["after"]["zones"] == ["example.com", "example.org"]
    assert res["resource_group"]["id"] == rg_id
    assert emulator.writes() == []
    assert object_keys(rg_of(emulator, "Production zones")) == zone_keys(emulator, "example.com", "example.net")

    emulator.clear_requests()
    run = run_playbook(tasks)
    assert run.rc == 0, run
    assert run.status("zones") == "changed"
    writes = emulator.writes()
    assert [w["method"] for w in writes] == ["PUT"]
    assert writes[0]["path"].endswith("/iam/resource_groups/%s" % rg_id)
    assert "name" not in writes[0]["body"]  # only the scope changed
    assert object_keys(rg_of(emulator, "Production zones")) == zone_keys(emulator, "example.com", "example.org")
    assert run.task("zones")["resource_group"]["zones"] == ["example.com", "example.org"]

    emulator.clear_requests()
    run = run_playbook(tasks, check=True)
    assert run.status("zones") == "ok", run
    assert emulator.writes() == []

    emulator.clear_requests()
    run = run_playbook([task("zones", name="Production zones", zones=["example.org", "example.com", "example.com"])])
    assert run.status("zones") == "ok", run
    assert emulator.writes() == []


def test_rename_by_id_four_steps(emulator, run_playbook):
    rg_id = rg_of(emulator, "Production zones")["id"]
    tasks = [task("rename", id=rg_id, name="Prod zones (EU)")]

    run = run_playbook(tasks, check=True, diff=True)
    assert run.status("rename") == "changed", run
    res = run.task("rename")
    assert res["diff"]["before"]["name"] == "Production zones"
    assert res["diff"]["after"]["name"] == "Prod zones (EU)"
    assert res["diff"]["after"]["zones"] == ["example.com", "example.net"]  # scope untouched
    assert emulator.writes() == []
    assert rg_of(emulator, "Production zones")["id"] == rg_id

    emulator.clear_requests()
    run = run_playbook(tasks)
    assert run.status("rename") == "changed", run
    writes = emulator.writes()
    assert [w["method"] for w in writes] == ["PUT"]
    assert writes[0]["body"] == {"name": "Prod zones (EU)"}
    assert named_rgs(emulator, "Production zones") == []
    renamed = rg_of(emulator, "Prod zones (EU)")
    assert renamed["id"] == rg_id
    assert object_keys(renamed) == zone_keys(emulator, "example.com", "example.net")

    emulator.clear_requests()
    run = run_playbook(tasks, check=True)
    assert run.status("rename") == "ok", run
    assert emulator.writes() == []

    emulator.clear_requests()
    run = run_playbook(tasks)
    assert run.status("rename") == "ok", run
    assert emulator.writes() == []


def test_raw_scope_four_steps(emulator, run_playbook):
    workers = ["com.cloudflare.api.account.worker.%s" % (c * 32) for c in "ab"]
    tasks = [task("raw", name="Edge workers",
                  scope={"key": account_key(emulator), "objects": [workers[0], {"key": workers[1]}]})]

    run = run_playbook(tasks, check=True, diff=True)
    assert run.status("raw") == "changed", run
    predicted = run.task("raw")["resource_group"]
    assert predicted["scope"] == {"key": account_key(emulator), "objects": sorted(workers)}
    assert "zones" not in predicted
    assert emulator.writes() == []

    emulator.clear_requests()
    run = run_playbook(tasks)
    assert run.status("raw") == "changed", run
    writes = emulator.writes()
    assert [w["method"] for w in writes] == ["POST"]
    assert writes[0]["body"]["scope"] == {"key": account_key(emulator),
                                          "objects": [{"key": workers[0]}, {"key": workers[1]}]}
    rg = rg_of(emulator, "Edge workers")
    assert object_keys(rg) == sorted(workers)

    emulator.clear_requests()
    run = run_playbook(tasks, check=True)
    assert run.status("raw") == "ok", run
    assert emulator.writes() == []

    emulator.clear_requests()
    run = run_playbook([task("raw", name="Edge workers",
                             scope={"key": account_key(emulator), "objects": list(reversed(workers))})])
    assert run.status("raw") == "ok", run
    assert emulator.writes() == []


def test_delete_four_steps_and_delete_absent(emulator, run_playbook):
    rg_id = rg_of(emulator, "Production zones")["id"]
    tasks = [task("delete", name="Production zones", state="absent")]

    run = run_playbook(tasks, check=True, diff=True)
    assert run.status("delete") == "changed", run
    res = run.task("delete")
    assert res["diff"]["before"]["zones"] == ["example.com", "example.net"]
    assert res["diff"]["after"] == {}
    assert emulator.writes() == []
    assert rg_of(emulator, "Production zones")["id"] == rg_id

    emulator.clear_requests()
    run = run_playbook(tasks)
    assert run.status("delete") == "changed", run
    writes = emulator.writes()
    assert [(w["method"], w["path"].rsplit("/", 1)[-1]) for w in writes] == [("DELETE", rg_id)]
    assert named_rgs(emulator, "Production zones") == []

    emulator.clear_requests()
    run = run_playbook(tasks, check=True)
    assert run.status("delete") == "ok", run
    assert emulator.writes() == []

    emulator.clear_requests()
    run = run_playbook(tasks + [task("delete by id", id=rg_id, state="absent"),
                                task("delete unknown id", id=MISSING_ID, state="absent")])
    assert run.rc == 0, run
    assert [run.status(n) for n in ("delete", "delete by id", "delete unknown id")] == ["ok", "ok", "ok"]
    assert emulator.writes() == []


def test_invalid_input_fails_without_writes(emulator, run_playbook):
    before = emulator.state()["resource_groups"]
    run = run_playbook([
        task("unknown zones", ignore_errors=True, name="Shop zones",
             zones=["example.com", "nope.example.com", "exmaple.net", MISSING_ID]),
        task("no scope", ignore_errors=True, name="Brand new"),
        task("missing id", ignore_errors=True, id=MISSING_ID, name="Whatever", zones=["example.com"]),
        task("bad shapes", ignore_errors=True, id="not-an-id", zones=["example.com", ""]),
        task("empty objects", ignore_errors=True, name="Empty", scope={"key": account_key(emulator), "objects": []}),
        task("both", ignore_errors=True, name="Both", zones=["example.com"],
             scope={"key": account_key(emulator), "objects": ["*"]}),
    ])
    assert run.rc == 0, run
    for name in ("unknown zones", "no scope", "missing id", "bad shapes", "empty objects", "both"):
        assert run.status(name) == "failed", (name, run)

    msg = run.task("unknown zones")["msg"]
    assert "'Shop zones'" in msg
    for zone in ("nope.example.com", "exmaple.net", MISSING_ID):
        assert "zone '%s' is not a zone of account" % zone in msg
    assert "did you mean 'example.net'" in msg
    assert len(run.task("unknown zones")["problems"]) == 3
    assert "zones or scope is required" in run.task("no scope")["msg"]
    assert "resource group id '%s' does not exist" % MISSING_ID in run.task("missing id")["msg"]
    bad = run.task("bad shapes")["problems"]
    assert any("'not-an-id' is not a resource group id" in p for p in bad) and any("zones items" in p for p in bad)
    assert "scope.objects must not be empty" in run.task("empty objects")["msg"]
    assert "mutually exclusive" in run.task("both")["msg"]

    assert emulator.writes() == []
    assert emulator.state()["resource_groups"] == before


def test_duplicate_name_fails_listing_ids(emulator, run_playbook):
    state = emulator.state()
    original = [rg for rg in state["resource_groups"] if rg["name"] == "Production zones"][0]
    twin = dict(original, id="e" * 32)
    state["resource_groups"].append(twin)
    emulator.set_state(state)
    emulator.clear_requests()

    run = run_playbook([
        task("update twin", ignore_errors=True, name="Production zones", zones=["example.org"]),
        task("delete twin", ignore_errors=True, name="Production zones", state="absent"),
    ])
    assert run.rc == 0, run
    for name in ("update twin", "delete twin"):
        assert run.status(name) == "failed", run
        msg = run.task(name)["msg"]
        assert "2 resource groups are named 'Production zones'" in msg
        assert original["id"] in msg and twin["id"] in msg
    assert emulator.writes() == []
    assert len(named_rgs(emulator, "Production zones")) == 2


def test_delete_in_use_fails_with_cloudflare_code(emulator, run_playbook):
    state = emulator.state()
    rg_id = [rg for rg in state["resource_groups"] if rg["name"] == "Production zones"][0]["id"]
    state["user_groups"].append({
        "id": "d" * 32, "name": "DNS editors", "scim": False,
        "created_on": "2025-01-01T00:00:00.000000Z", "modified_on": "2025-01-01T00:00:00.000000Z",
        "policies": [{"id": "c" * 32, "access": "allow", "permission_groups": [emulator.permission_group_id("domain_dns")],
                      "resource_groups": [rg_id], "created_on": "2025-01-01T00:00:00.000000Z",
                      "modified_on": "2025-01-01T00:00:00.000000Z"}],
        "members": []})
    emulator.set_state(state)
    emulator.clear_requests()

    run = run_playbook([task("delete used", ignore_errors=True, name="Production zones", state="absent")])
    assert run.status("delete used") == "failed", run
    res = run.task("delete used")
    assert res["msg"].startswith("Failed to delete resource group 'Production zones' (%s)" % rg_id)
    assert "[1013]" in res["msg"]
    assert res["error_codes"] == [1013]
    assert rg_of(emulator, "Production zones")["id"] == rg_id
