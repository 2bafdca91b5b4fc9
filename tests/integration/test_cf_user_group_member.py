# -*- coding: utf-8 -*-
"""Integration tests of cfiam.user_groups.cf_user_group_member against the Cloudflare API emulator."""
from __future__ import absolute_import, division, print_function

import pytest
from harness import make_group as harness_make_group, module_task

# Every test runs twice: with full write replies, and with the minimal ones Cloudflare may send.
pytestmark = pytest.mark.usefixtures("write_replies")

MOD = "cfiam.user_groups.cf_user_group_member"
UG = "/accounts/{account_id}/iam/user_groups"
SCIM_GROUP = "Okta Contractors"


task = module_task(MOD)


def make_group(emulator, name, emails=()):
    return harness_make_group(emulator, name, members=emails)


def member_emails(emulator, gid):
    st = emulator.state()
    emails = dict((m["id"], m["email"]) for m in st["members"])
    group = [g for g in st["user_groups"] if g["id"] == gid][0]
    return sorted(emails[m["id"]] for m in group["members"])


def run_logged(run_playbook, emulator, tasks, **kw):
    emulator.clear_requests()
    run = run_playbook(tasks, **kw)
    return run, emulator.requests()


def group_requests(log, gid):
    return [r for r in log if "/iam/user_groups/%s/members" % gid in r["path"]]


def test_add_replace_empty_remove_four_steps(run_playbook, emulator):
    g = {
        "add": make_group(emulator, "Add"),
        "replace": make_group(emulator, "Replace", ["alice@example.com", "bob@example.com", "carol@example.com"]),
        "empty": make_group(emulator, "Empty", ["alice@example.com", "bob@example.com"]),
        "remove one": make_group(emulator, "Remove One", ["alice@example.com", "bob@example.com"]),
        "remove many": make_group(emulator, "Remove Many", ["alice@example.com", "bob@example.com",
                                                            "carol@example.com"]),
        "pending": make_group(emulator, "Pending"),
    }
    tasks = [
        task("add", group="Add", members=["alice@example.com", "Bob@Example.COM"]),
        task("replace", group="Replace", members=["CAROL@example.com", "dave@example.com"], exclusive=True),
        task("empty", group="Empty", members=[], exclusive=True),
        task("remove one", group="Remove One", members=["ALICE@example.com"], state="absent"),
        task("remove many", group="Remove Many", members=["alice@example.com", "bob@example.com",
                                                          "erin@example.com"], state="absent"),
        task("pending", group_id=g["pending"], members=["xavier@example.com"]),
    ]
    names = [t["name"] for t in tasks]
    runs = []
    for check, expect in ((True, "changed"), (False, "changed"), (True, "ok"), (False, "ok")):
        run, log = run_logged(run_playbook, emulator, tasks, check=check, diff=True)
        assert run.rc == 0, run
        assert [run.status(n) for n in names] == [expect] * len(names), run
        writes = [r for r in log if r["method"] != "GET"]
        if check or expect == "ok":
            assert writes == [], writes
        # one member listing per group and run; one write per group, except removals: one DELETE per member
        for key, gid in g.items():
            reqs = group_requests(log, gid)
            assert len([r for r in reqs if r["method"] == "GET"]) == 1, (key, reqs)
            assert len([r for r in reqs if r["method"] != "GET"]) <= (2 if key == "remove many" else 1), (key, reqs)
        runs.append((run, log))

    (check1, _log0), (real1, log1), _run2, (real2, _log3) = runs
    writes = dict((key, [r for r in group_requests(log1, gid) if r["method"] != "GET"][0]) for key, gid in g.items())
    many = [r for r in group_requests(log1, g["remove many"]) if r["method"] != "GET"]
    mid = emulator.member_id
    assert (writes["add"]["method"], writes["add"]["body"]) == (
        "POST", [{"id": mid("alice@example.com")}, {"id": mid("bob@example.com")}])
    assert writes["replace"]["method"] == "PUT"
    assert sorted(m["id"] for m in writes["replace"]["body"]) == sorted([mid("carol@example.com"),
                                                                         mid("dave@example.com")])
    assert (writes["empty"]["method"], writes["empty"]["body"]) == ("PUT", [])
    assert writes["remove one"]["method"] == "DELETE"
    assert writes["remove one"]["path"].endswith("/members/" + mid("alice@example.com"))
    # Removing several members never replaces the whole list: a member added meanwhile by someone else stays.
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in many] == [
        ("DELETE", mid("alice@example.com")), ("DELETE", mid("bob@example.com"))]

    assert member_emails(emulator, g["add"]) == ["alice@example.com", "bob@example.com"]
    assert member_emails(emulator, g["replace"]) == ["carol@example.com", "dave@example.com"]
    assert member_emails(emulator, g["empty"]) == []
    assert member_emails(emulator, g["remove one"]) == ["bob@example.com"]
    assert member_emails(emulator, g["remove many"]) == ["carol@example.com"]
    assert member_emails(emulator, g["pending"]) == ["xavier@example.com"]

    # check mode predicted exactly what the real run did
    for name in names:
        for key in ("members", "added", "removed"):
            assert check1.task(name)[key] == real1.task(name)[key], (name, key)
    assert [m["email"] for m in real1.task("replace")["removed"]] == ["alice@example.com", "bob@example.com"]
    assert [m["email"] for m in real1.task("replace")["added"]] == ["dave@example.com"]
    assert real1.task("remove many")["removed"] == [
        m for m in real1.task("remove many")["removed"] if m["email"] in ("alice@example.com", "bob@example.com")]
    assert real1.task("replace")["diff"]["before"]["members"] == [
        "alice@example.com", "bob@example.com", "carol@example.com"]
    assert real1.task("replace")["diff"]["after"]["members"] == ["carol@example.com", "dave@example.com"]
    assert real2.task("add")["added"] == [] and real2.task("add")["api_requests"].get("POST", 0) == 0

    # pending member: warned about, added anyway; no warning once it is in the group
    for run in (check1, real1):
        warnings = " ".join(run.task("pending").get("warnings") or []) or run.output
        assert "xavier@example.com has not accepted the invitation" in warnings
    assert real1.task("pending")["members"][0]["status"] == "pending"
    assert "has not accepted the invitation" not in " ".join(real2.task("pending").get("warnings") or [])


def test_unknown_members_fail_listing_all_without_writing(run_playbook, emulator):
    gid = make_group(emulator, "Strict", ["alice@example.com"])
    before = emulator.state()["user_groups"]
    run = run_playbook([task("unknown", ignore_errors=True, group="Strict", exclusive=True, members=[
        "bob@example.com", "nobody@example.com", "alcie@example.com", "f" * 32, "not-an-id"])])
    result = run.task("unknown")
    assert run.status("unknown") == "failed", run
    msg = result["msg"]
    assert "nobody@example.com" in msg and "'alcie@example.com' (did you mean 'alice@example.com'" in msg, msg
    assert "no account member has the id '%s'" % ("f" * 32) in msg
    assert "'not-an-id' is neither an email nor" in msg
    assert len(result["problems"]) == 4
    assert emulator.writes() == []
    assert emulator.state()["user_groups"] == before
    assert member_emails(emulator, gid) == ["alice@example.com"]

    # an unknown group fails too, naming it
    run = run_playbook([task("no group", ignore_errors=True, group="No Such Group", members=["alice@example.com"])])
    assert run.status("no group") == "failed"
    assert "user group 'No Such Group' does not exist" in run.task("no group")["msg"]
    assert emulator.writes() == []


def test_scim_group_members_are_refused(run_playbook, emulator):
    scim = emulator.group_by_name(SCIM_GROUP)
    before = emulator.state()["user_groups"]
    run = run_playbook([
        task("add", ignore_errors=True, group=SCIM_GROUP, members=["alice@example.com"]),
        task("remove", ignore_errors=True, group_id=scim["id"], members=["trent@example.com"], state="absent"),
        task("unchanged", group=SCIM_GROUP, members=["Trent@example.com"]),
    ])
    for name in ("add", "remove"):
        result = run.task(name)
        assert run.status(name) == "failed", run
        assert "[1010]" in result["msg"] and "managed by SCIM" in result["msg"], result["msg"]
        assert SCIM_GROUP in result["msg"] and result["error_codes"] == [1010]
    # nothing to change: no write is tried, so no refusal
    assert run.status("unchanged") == "ok"
    assert emulator.state()["user_groups"] == before
    assert len(emulator.writes()) == 2  # the two refused attempts, nothing else


def test_ids_are_checked_and_the_reply_is_not_taken_for_the_state(run_playbook, emulator):
    """Member ids are resolved like emails; the result lists every member, not only what the write's reply lists."""
    gid = make_group(emulator, "Trusted", ["carol@example.com"])
    ids = [emulator.member_id("alice@example.com"), emulator.member_id("bob@example.com")]
    tasks = [task("trusted", group_id=gid, members=ids)]
    run, log = run_logged(run_playbook, emulator, tasks)
    assert run.status("trusted") == "changed", run
    assert sorted(m["email"] for m in run.task("trusted")["members"]) == [
        "alice@example.com", "bob@example.com", "carol@example.com"]
    assert member_emails(emulator, gid) == ["alice@example.com", "bob@example.com", "carol@example.com"]
    # an unknown id fails before any write, naming it
    run, log = run_logged(run_playbook, emulator, tasks + [
        task("bogus", ignore_errors=True, group_id=gid, members=["e" * 32])])
    assert run.status("trusted") == "ok"
    assert run.status("bogus") == "failed"
    assert "no account member has the id '%s'" % ("e" * 32) in run.task("bogus")["msg"]
    assert [r for r in log if r["method"] != "GET"] == []
