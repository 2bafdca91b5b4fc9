# -*- coding: utf-8 -*-
"""Integration tests of cfiam.user_groups.cf_user_group against the Cloudflare API emulator."""
from __future__ import absolute_import, division, print_function

import pytest
from harness import make_group, module_task

# Every test runs twice: with full write replies, and with the minimal ones Cloudflare may send.
pytestmark = pytest.mark.usefixtures("write_replies")

MOD = "cfiam.user_groups.cf_user_group"
UG = "/accounts/{account_id}/iam/user_groups"
SCIM_GROUP = "Okta Contractors"


task = module_task(MOD)


def account_scope(emulator):
    return {"key": "com.cloudflare.api.account.%s" % emulator.account_id, "objects": [{"key": "*"}]}


def zone_scope(emulator, *zones):
    return {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
            "objects": [{"key": "com.cloudflare.api.account.zone.%s" % emulator.zone_id(z)} for z in zones]}


def api_policy(emulator, pgs, scope, access="allow"):
    return {"access": access, "permission_groups": [{"id": emulator.permission_group_id(p)} for p in pgs],
            "resource_groups": [{"scope": scope}]}


def member_emails(emulator, gid):
    emails = dict((m["id"], m["email"]) for m in emulator.state()["members"])
    group = [g for g in emulator.state()["user_groups"] if g["id"] == gid][0]
    return sorted(emails[m["id"]] for m in group["members"])


def state_group(emulator, group_id):
    found = [g for g in emulator.state()["user_groups"] if g["id"] == group_id]
    return found[0] if found else None


def policy_set(emulator, group):
    """Policies of a state group as a set of (access, frozenset(pg labels), frozenset(scope signatures))."""
    st = emulator.state()
    labels = dict((pg["id"], pg["meta"]["label"]) for pg in st["permission_groups"])
    zones = dict((z["id"], z["name"]) for z in st["zones"])
    rgs = dict((rg["id"], rg) for rg in st["resource_groups"])
    out = set()
    for pol in group["policies"]:
        targets = set()
        for rid in pol["resource_groups"]:
            objs = [o["key"] for o in rgs[rid]["scope"]["objects"]]
            if objs == ["*"]:
                targets.add("account")
            else:
                targets.update(zones[o.rsplit(".", 1)[1]] for o in objs)
        out.add((pol["access"], frozenset(labels[p] for p in pol["permission_groups"]), frozenset(targets)))
    return out


def four_steps(run_playbook, emulator, tasks, changing, diff=False):
    """check (changed, no write) -> real (changed) -> check (ok) -> real (ok, no write); returns the 4 runs."""
    names = [t["name"] for t in tasks]
    emulator.clear_requests()
    check1 = run_playbook(tasks, check=True, diff=diff)
    assert check1.rc == 0, check1
    for n in names:
        assert check1.status(n) == ("changed" if n in changing else "ok"), (n, check1)
    assert emulator.writes() == []
    real1 = run_playbook(tasks, diff=diff)
    assert real1.rc == 0, real1
    for n in names:
        assert real1.status(n) == ("changed" if n in changing else "ok"), (n, real1)
    writes = emulator.writes()
    emulator.clear_requests()
    check2 = run_playbook(tasks, check=True, diff=diff)
    assert check2.rc == 0, check2
    assert [check2.status(n) for n in names] == ["ok"] * len(names), check2
    real2 = run_playbook(tasks, diff=diff)
    assert real2.rc == 0, real2
    assert [real2.status(n) for n in names] == ["ok"] * len(names), real2
    assert emulator.writes() == []
    return check1, real1, check2, real2, writes


def strip_times(view):
    return dict((k, v) for k, v in view.items() if k not in ("created_on", "modified_on", "id"))


# ----------------------------------------------------------------------------- create
def test_create_plain_and_with_policies_in_one_post(run_playbook, emulator):
    tasks = [
        task("plain", name="Web Team"),
        task("with policies", name="Readers", policies=[
            {"permission_groups": ["Administrator Read Only"]},
            {"access": "allow", "permission_groups": ["domain_dns", "Domain Analytics"],
             "zones": ["example.com", "shop.example.com"]},
        ]),
    ]
    check1, real1, check2, real2, writes = four_steps(run_playbook, emulator, tasks, {"plain", "with policies"})

    # check mode predicted the group without an id
    predicted = check1.task("with policies")["user_group"]
    assert predicted["id"] is None and predicted["name"] == "Readers"
    assert check1.task("plain")["user_group"]["id"] is None

    # exactly one POST per group, the policies inside it
    assert [(w["method"], w["operation"]) for w in writes] == [("POST", "account-user-group-create")] * 2
    body = [w["body"] for w in writes if w["body"]["name"] == "Readers"][0]
    assert len(body["policies"]) == 2
    plain_body = [w["body"] for w in writes if w["body"]["name"] == "Web Team"][0]
    assert "policies" not in plain_body

    plain = emulator.group_by_name("Web Team")
    readers = emulator.group_by_name("Readers")
    assert plain["policies"] == [] and len(emulator.groups_by_name("Web Team")) == 1
    assert policy_set(emulator, readers) == {
        ("allow", frozenset(["admin_readonly"]), frozenset(["account"])),
        ("allow", frozenset(["domain_dns", "domain_analytics"]), frozenset(["example.com", "shop.example.com"])),
    }

    # the returned group is the real one, and check mode predicted its policies exactly
    result = real1.task("with policies")["user_group"]
    assert result["id"] == readers["id"]
    assert result["policies"] == predicted["policies"]
    assert real2.task("with policies")["user_group"]["policies"] == predicted["policies"]
    zones_policy = [p for p in result["policies"] if p["target"] == "zones"][0]
    assert zones_policy["resource_groups"][0]["zones"] == ["example.com", "shop.example.com"]
    assert sorted(pg["label"] for pg in zones_policy["permission_groups"]) == ["domain_analytics", "domain_dns"]
    account_policy = [p for p in result["policies"] if p["target"] == "account"][0]
    assert account_policy["permission_groups"][0]["name"] == "Administrator Read Only"
    assert real2.task("plain")["api_requests"].get("POST", 0) == 0


# ----------------------------------------------------------------------------- rename / policies
def test_rename_and_policy_changes_with_diff(run_playbook, emulator):
    admin_ro = api_policy(emulator, ["admin_readonly"], account_scope(emulator))
    rename_id = make_group(emulator, "Old Name", policies=[admin_ro])
    change_id = make_group(emulator, "Changer", policies=[admin_ro])
    dns_policy = api_policy(emulator, ["domain_dns"], zone_scope(emulator, "example.com"))
    reset_id = make_group(emulator, "Resetter", policies=[admin_ro, dns_policy])
    set_id = make_group(emulator, "Empty Group")
    make_group(emulator, "Ordered", policies=[
        api_policy(emulator, ["domain_dns", "domain_analytics"], zone_scope(emulator, "example.com", "example.net")),
        api_policy(emulator, ["admin_readonly", "analytics"], account_scope(emulator)),
    ])
    tasks = [
        # the same policies, policies / roles / zones in another order: never a change
        task("reordered", name="Ordered", policies=[
            {"permission_groups": ["Analytics", "admin_readonly"]},
            {"permission_groups": ["Domain Analytics", "domain_dns"], "zones": ["example.net", "EXAMPLE.COM"],
             "access": "allow"},
        ]),
        task("rename by id", id=rename_id, name="New Name"),
        task("change policies", name="Changer", policies=[
            {"permission_groups": ["admin_readonly"]},  # kept
            {"permission_groups": ["domain_dns"], "zones": ["example.com"]},  # added
            {"access": "deny", "permission_groups": ["Domain Firewall"], "zones": ["example.net", "example.org"]},
        ]),
        task("reset policies", name="Resetter", policies=[]),
        task("set policies by id", id=set_id, policies=[{"permission_groups": ["dns", "analytics"]}]),
    ]
    check1, real1, check2, real2, writes = four_steps(
        run_playbook, emulator, tasks, {"rename by id", "change policies", "reset policies", "set policies by id"},
        diff=True)

    # one PUT per group; the rename re-sends the policies it read right before (what a PUT without them does is
    # not documented), unchanged
    puts = dict((w["path"].rsplit("/", 1)[1], w) for w in writes)
    assert len(writes) == 4 and all(w["method"] == "PUT" for w in writes)  # none for "reordered"
    assert puts[rename_id]["body"]["name"] == "New Name" and len(puts[rename_id]["body"]["policies"]) == 1
    assert puts[reset_id]["body"] == {"policies": []}
    assert "name" not in puts[change_id]["body"] and len(puts[change_id]["body"]["policies"]) == 3

    renamed = state_group(emulator, rename_id)
    assert renamed["name"] == "New Name" and emulator.group_by_name("Old Name") is None
    assert policy_set(emulator, renamed) == {("allow", frozenset(["admin_readonly"]), frozenset(["account"]))}
    assert policy_set(emulator, state_group(emulator, change_id)) == {
        ("allow", frozenset(["admin_readonly"]), frozenset(["account"])),
        ("allow", frozenset(["domain_dns"]), frozenset(["example.com"])),
        ("deny", frozenset(["domain_firewall"]), frozenset(["example.net", "example.org"])),
    }
    assert state_group(emulator, reset_id)["policies"] == []
    assert policy_set(emulator, state_group(emulator, set_id)) == {
        ("allow", frozenset(["dns", "analytics"]), frozenset(["account"]))}

    # predictions of check mode = results of the real run (ids and timestamps aside)
    for name in ("rename by id", "change policies", "reset policies", "set policies by id"):
        assert strip_times(check1.task(name)["user_group"]) == strip_times(real1.task(name)["user_group"]), name
    assert real1.task("rename by id")["user_group"]["id"] == rename_id

    # readable diff: role names and targets, before and after
    diff = check1.task("change policies")["diff"]
    assert diff["before"]["policies"] == [
        {"access": "allow", "permission_groups": ["Administrator Read Only"], "scope": "account"}]
    assert {"access": "deny", "permission_groups": ["Domain Firewall"],
            "zones": ["example.net", "example.org"]} in diff["after"]["policies"]
    assert {"access": "allow", "permission_groups": ["Domain DNS"], "zones": ["example.com"]} in diff["after"]["policies"]
    assert diff["before"]["name"] == diff["after"]["name"] == "Changer"
    rdiff = real1.task("rename by id")["diff"]
    assert (rdiff["before"]["name"], rdiff["after"]["name"]) == ("Old Name", "New Name")
    assert rdiff["after"]["policies"] == rdiff["before"]["policies"]
    assert "Domain Firewall" in check1.stdout  # --diff prints it
    assert check2.task("reset policies")["diff"]["before"] == check2.task("reset policies")["diff"]["after"]
    assert check1.task("reordered")["diff"]["before"] == check1.task("reordered")["diff"]["after"]


# ----------------------------------------------------------------------------- delete
def test_delete_and_delete_absent(run_playbook, emulator):
    by_name = make_group(emulator, "Leaving", policies=[api_policy(emulator, ["admin"], account_scope(emulator))])
    by_id = make_group(emulator, "Leaving Too")
    tasks = [
        task("delete by name", name="Leaving", state="absent"),
        task("delete by id", id=by_id, state="absent"),
    ]
    check1, real1, _check2, real2, writes = four_steps(run_playbook, emulator, tasks, {"delete by name", "delete by id"},
                                                       diff=True)
    assert sorted((w["method"], w["path"].rsplit("/", 1)[1]) for w in writes) == sorted(
        [("DELETE", by_name), ("DELETE", by_id)])
    assert state_group(emulator, by_name) is None and state_group(emulator, by_id) is None
    assert real1.task("delete by name")["user_group"] is None
    assert check1.task("delete by name")["diff"]["before"]["name"] == "Leaving"
    assert check1.task("delete by name")["diff"]["after"] == {}
    assert real2.task("delete by id")["user_group"] is None

    # never existed: ok, unchanged, nothing written
    emulator.clear_requests()
    run = run_playbook([task("absent name", name="Never Was", state="absent"),
                        task("absent id", id="0" * 32, state="absent")])
    assert run.rc == 0, run
    assert run.status("absent name") == run.status("absent id") == "ok"
    assert emulator.writes() == []
    assert [g["name"] for g in emulator.state()["user_groups"]] == [SCIM_GROUP]


# ----------------------------------------------------------------------------- failures
def test_duplicate_names_fail_listing_both_ids(run_playbook, emulator):
    first = make_group(emulator, "Twins")
    second = make_group(emulator, "Twins")
    run = run_playbook([
        task("present", ignore_errors=True, name="Twins", policies=[{"permission_groups": ["admin"]}]),
        task("absent", ignore_errors=True, name="Twins", state="absent"),
    ])
    for name in ("present", "absent"):
        result = run.task(name)
        assert run.status(name) == "failed"
        assert first in result["msg"] and second in result["msg"], result["msg"]
        assert "Twins" in result["msg"]
    assert emulator.writes() == []
    assert len(emulator.groups_by_name("Twins")) == 2

    # addressing one of them by id works; renaming it to a name another group has does not
    make_group(emulator, "Taken")
    run = run_playbook([task("by id", id=first, name="Twin One"),
                        task("rename to taken", ignore_errors=True, id=second, name="Taken")])
    assert run.status("by id") == "changed", run
    assert state_group(emulator, first)["name"] == "Twin One"
    assert run.status("rename to taken") == "failed"
    assert "already has that name" in run.task("rename to taken")["msg"]
    assert [w["path"].rsplit("/", 1)[1] for w in emulator.writes()] == [first]
    assert state_group(emulator, second)["name"] == "Twins"


def test_scim_group_refuses_rename_and_delete(run_playbook, emulator):
    scim = emulator.group_by_name(SCIM_GROUP)
    before = emulator.state()["user_groups"]
    run = run_playbook([
        task("rename", ignore_errors=True, id=scim["id"], name="Contractors"),
        task("delete", ignore_errors=True, name=SCIM_GROUP, state="absent"),
    ])
    for name, verb in (("rename", "rename"), ("delete", "delete")):
        result = run.task(name)
        assert run.status(name) == "failed", run
        assert result["msg"].startswith("Failed to %s user group '%s'" % (verb, SCIM_GROUP)), result["msg"]
        assert "[1010]" in result["msg"] and "managed by SCIM" in result["msg"]
        assert result["error_codes"] == [1010] and result["status"] == 400
    assert emulator.state()["user_groups"] == before


def test_scim_group_policies_can_be_set(run_playbook, emulator):
    """The seed's workflow: attach a policy to the pushed group, then reset it to an empty state."""
    tasks = [task("attach", name=SCIM_GROUP, policies=[{"permission_groups": ["Administrator"]}])]
    four_steps(run_playbook, emulator, tasks, {"attach"})
    scim = emulator.group_by_name(SCIM_GROUP)
    assert policy_set(emulator, scim) == {("allow", frozenset(["admin"]), frozenset(["account"]))}
    run = run_playbook([task("reset", name=SCIM_GROUP, policies=[])])
    assert run.status("reset") == "changed", run
    assert emulator.group_by_name(SCIM_GROUP)["policies"] == []


def test_every_problem_reported_before_any_write(run_playbook, emulator):
    existing = make_group(emulator, "Existing", policies=[api_policy(emulator, ["admin_readonly"], account_scope(emulator))])
    bad = [
        {"permission_groups": ["No Such Role"]},
        {"permission_groups": ["domain_dns"], "zones": ["nope.example.com", "example.com"]},
        {"permission_groups": ["domain_dns"]},  # a zone role on the whole account
    ]
    before = emulator.state()
    run = run_playbook([
        task("new group", ignore_errors=True, name="Brand New", policies=bad),
        task("existing group", ignore_errors=True, name="Existing", policies=bad),
        task("unknown id", ignore_errors=True, id="f" * 32, name="Whatever", policies=[
            {"permission_groups": ["Administratr"]}]),
        task("no name", ignore_errors=True, id="not-an-id"),
    ])
    for name in ("new group", "existing group"):
        result = run.task(name)
        assert run.status(name) == "failed", run
        msg = result["msg"]
        assert "unknown permission group 'No Such Role'" in msg, msg
        assert "unknown zone 'nope.example.com'" in msg, msg
        assert "policies[2]: permission group 'Domain DNS'" in msg and "not to the whole account" in msg, msg
        assert len(result["problems"]) == 3
    unknown = run.task("unknown id")
    assert "does not exist" in unknown["msg"] and "chosen id" in unknown["msg"]
    assert "'Administratr'" in unknown["msg"] and "did you mean 'Administrator'" in unknown["msg"]
    assert len(unknown["problems"]) == 2
    assert "32 hexadecimal" in run.task("no name")["msg"]
    assert emulator.writes() == []
    assert emulator.state()["user_groups"] == before["user_groups"]
    assert policy_set(emulator, state_group(emulator, existing)) == {
        ("allow", frozenset(["admin_readonly"]), frozenset(["account"]))}


def test_loop_items_share_one_session(run_playbook, emulator):
    """A loop's items share the connection and the catalogues: each listing is read once for the whole loop."""
    items = [{"name": "Loop %d" % i, "members": ["alice@example.com", "bob@example.com"][: 1 + i % 2],
              "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.org", "example.com"][: 1 + i % 2]},
                           {"permission_groups": ["Administrator Read Only"]}]} for i in range(6)]
    loop = {"name": "loop", MOD: {"name": "{{ item.name }}", "members": "{{ item.members }}",
                                  "policies": "{{ item.policies }}"},
            "loop": items, "register": "looped"}
    run = run_playbook([loop])
    assert run.rc == 0, run
    gets = [(r["path"], sorted(r["query"].items())) for r in emulator.requests() if r["method"] == "GET"]
    # no GET twice for the six items: each catalogue is read at most once for the whole loop
    assert len(gets) == len(set(map(repr, gets))), gets
    paths = [path for path, _query in gets]
    account = "/client/v4/accounts/%s" % emulator.account_id
    listings = [dict(query).get("name") for path, query in gets if path == account + "/iam/user_groups"]
    # the listing once, then each new group read back by name right after its create (issue 17: a twin shows)
    assert sorted(listings, key=str) == sorted([None] + [item["name"] for item in items], key=str), listings
    assert paths.count(account + "/members") == 1, paths
    assert 1 <= paths.count("/client/v4/zones") <= 2, paths  # by name, then the listing
    writes = emulator.writes()
    assert [w["method"] for w in writes] == ["POST", "POST"] * 6  # a group with its policies, then its members
    for item in items:
        assert member_emails(emulator, emulator.group_by_name(item["name"])["id"]) == sorted(item["members"])
    emulator.clear_requests()
    run = run_playbook([loop])
    assert run.rc == 0 and run.status("loop") == "ok", run
    assert emulator.writes() == []
