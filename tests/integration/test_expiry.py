# -*- coding: utf-8 -*-
"""Expiring access against the emulator: entries with ``expires`` end on their day (UTC, the day included).

Today is fixed with ``CFIAM_TODAY`` (read by ``common.today``), so the boundaries run without waiting: an entry
that expired yesterday or expires today is removed whatever ``exclusive`` says, one that expires tomorrow is not
(and is listed under ``expiring``), the warning window is inclusive. Every test asserts the emulator's state and
request log; a bad date writes nothing.
"""
from __future__ import absolute_import, division, print_function

import datetime

from harness import apply_role, make_group, module_task, normalized_groups, plan_result

TODAY = "2026-12-07"
DAY = datetime.date(2026, 12, 7)
ENV = {"CFIAM_TODAY": TODAY}


def day(offset):
    return (DAY + datetime.timedelta(days=offset)).isoformat()


def account_policy(emulator, label):
    return {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id(label)}],
            "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                                           "objects": [{"key": "*"}]}}]}


def zone_policy(emulator, label, zone):
    return {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id(label)}],
            "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                                           "objects": [{"key": "com.cloudflare.api.account.zone.%s"
                                                        % emulator.zone_id(zone)}]}}]}


def contractors(emulator, name="Contractors"):
    """A group with alice and carol, an account read-only policy and DNS on example.com."""
    return make_group(emulator, name, ["alice@example.com", "carol@example.com"],
                      [account_policy(emulator, "admin_readonly"), zone_policy(emulator, "domain_dns", "example.com")])


MEMBER = module_task("cfiam.user_groups.cf_user_group_member", register="out")
POLICY = module_task("cfiam.user_groups.cf_user_group_policy", register="out")
GROUP = module_task("cfiam.user_groups.cf_user_group", register="out")


def run_task(run_playbook, task, check=False, today=TODAY, ignore_errors=False):
    if ignore_errors:
        task = dict(task, ignore_errors=True)
    return run_playbook(tasks=[task], check=check, diff=True, env={"CFIAM_TODAY": today})


# --------------------------------------------------------------------------- boundaries (cf_user_group_member)
def test_member_boundaries_yesterday_today_tomorrow(emulator, run_playbook):
    """exclusive: false; carol expired yesterday, dave expires today, erin tomorrow: carol and dave go, erin stays."""
    gid = make_group(emulator, "Temps", ["alice@example.com", "carol@example.com", "dave@example.com",
                                         "erin@example.com"])
    task = MEMBER("Temps", group="Temps", members=[
        "alice@example.com", {"email": "carol@example.com", "expires": day(-1)},
        {"email": "dave@example.com", "expires": day(0)}, {"email": "erin@example.com", "expires": day(1)}])
    check = run_task(run_playbook, task, check=True)
    assert check.rc == 0, check
    assert emulator.writes() == []
    out = check.task("Temps")
    assert out["changed"] is True
    assert [(e["member"], e["removed"], e["note"]) for e in out["expired"]] == [
        ("carol@example.com", True, "removed: expired on %s" % day(-1)),
        ("dave@example.com", True, "removed: expired on %s" % day(0))]
    assert out["expiring"] == [{"group": "Temps", "member": "erin@example.com", "expires": day(1), "days_left": 1}]

    real = run_task(run_playbook, task)
    assert real.rc == 0, real
    writes = emulator.writes()
    assert sorted((w["method"], w["path"].rsplit("/", 1)[-1]) for w in writes) == sorted([
        ("DELETE", emulator.member_id("carol@example.com")), ("DELETE", emulator.member_id("dave@example.com"))])
    assert all("/iam/user_groups/%s/members/" % gid in w["path"] for w in writes)
    assert normalized_groups(emulator.state())["Temps"]["members"] == ["alice@example.com", "erin@example.com"]
    assert [m["email"] for m in real.task("Temps")["removed"]] == ["carol@example.com", "dave@example.com"]

    # The next run: nothing to remove (the entries are listed as gone, not in the group).
    emulator.clear_requests()
    again = run_task(run_playbook, task)
    assert again.rc == 0 and again.task("Temps")["changed"] is False, again
    assert emulator.writes() == []
    assert [e["note"] for e in again.task("Temps")["expired"]] == [
        "not in the group: expired on %s" % day(-1), "not in the group: expired on %s" % day(0)]


def test_nothing_removed_the_day_before(emulator, run_playbook):
    make_group(emulator, "Temps", ["alice@example.com", "carol@example.com"])
    task = MEMBER("Temps", group="Temps", members=[{"email": "carol@example.com", "expires": TODAY}])
    run = run_task(run_playbook, task, today=day(-1))
    assert run.rc == 0, run
    assert run.task("Temps")["changed"] is False
    assert emulator.writes() == []
    assert run.task("Temps")["expiring"] == [{"group": "Temps", "member": "carol@example.com", "expires": TODAY,
                                              "days_left": 1}]
    assert normalized_groups(emulator.state())["Temps"]["members"] == ["alice@example.com", "carol@example.com"]


def test_warning_window_is_inclusive(emulator, run_playbook):
    """14 days away is listed, 15 is not; expiry_warning_days moves the window; 0 lists none."""
    make_group(emulator, "Temps", ["alice@example.com", "carol@example.com"])
    members = [{"email": "alice@example.com", "expires": day(14)}, {"email": "carol@example.com", "expires": day(15)}]
    run = run_task(run_playbook, MEMBER("Temps", group="Temps", members=members))
    assert run.rc == 0, run
    assert [(e["member"], e["days_left"]) for e in run.task("Temps")["expiring"]] == [("alice@example.com", 14)]
    run = run_task(run_playbook, MEMBER("Temps", group="Temps", members=members, expiry_warning_days=15))
    assert [e["member"] for e in run.task("Temps")["expiring"]] == ["alice@example.com", "carol@example.com"]
    run = run_task(run_playbook, MEMBER("Temps", group="Temps", members=members, expiry_warning_days=0))
    assert run.task("Temps")["expiring"] == []
    assert emulator.writes() == []


# --------------------------------------------------------------------------- policies
def test_expired_policy_detached_with_exclusive_false(emulator, run_playbook):
    gid = contractors(emulator)
    task = POLICY("DNS", group="Contractors", exclusive=False, policies=[
        {"permission_groups": ["domain_dns"], "zones": ["example.com"], "expires": TODAY}])
    check = run_task(run_playbook, task, check=True)
    assert check.rc == 0 and check.task("DNS")["changed"] is True, check
    assert emulator.writes() == []
    real = run_task(run_playbook, task)
    assert real.rc == 0, real
    writes = emulator.writes()
    assert [(w["method"], w["path"].rsplit("/", 1)[-1]) for w in writes] == [("PUT", gid)]
    assert [p["permission_groups"] for p in writes[0]["body"]["policies"]] == [
        [{"id": emulator.permission_group_id("admin_readonly")}]]
    assert normalized_groups(emulator.state())["Contractors"]["policies"] == [
        ("allow", ("admin_readonly",), ("account",))]
    expired = real.task("DNS")["expired"]
    assert [(e["policy"], e["note"]) for e in expired] == [
        ("allow Domain DNS on zones: example.com", "removed: expired on %s" % TODAY)], expired
    assert len(real.task("DNS")["removed"]) == 1


# --------------------------------------------------------------------------- cf_user_group
def test_cf_user_group_expires_members_and_policies_whatever_exclusive(emulator, run_playbook):
    gid = contractors(emulator)
    task = GROUP("Group", name="Contractors", exclusive_members=False, exclusive_policies=False,
                 members=[{"email": "carol@example.com", "expires": TODAY},
                          {"email": "dave@example.com", "expires": day(3)}],
                 policies=[{"permission_groups": ["domain_dns"], "zones": ["example.com"], "expires": day(-1)}])
    check = run_task(run_playbook, task, check=True)
    assert check.rc == 0 and check.task("Group")["changed"] is True, check
    assert emulator.writes() == []
    real = run_task(run_playbook, task)
    assert real.rc == 0, real
    writes = sorted((w["method"], w["path"].split("/iam/user_groups/")[1]) for w in emulator.writes())
    assert writes == sorted([("PUT", gid), ("POST", gid + "/members"),
                             ("DELETE", "%s/members/%s" % (gid, emulator.member_id("carol@example.com")))]), writes
    group = normalized_groups(emulator.state())["Contractors"]
    assert group["members"] == ["alice@example.com", "dave@example.com"]
    assert group["policies"] == [("allow", ("admin_readonly",), ("account",))]
    out = real.task("Group")
    assert sorted(e.get("member") or e.get("policy") for e in out["expired"]) == [
        "allow Domain DNS on zones: example.com", "carol@example.com"]
    assert out["expiring"] == [{"group": "Contractors", "member": "dave@example.com", "expires": day(3),
                                "days_left": 3}]


def test_invalid_dates_fail_before_any_write_listing_each(emulator, run_playbook):
    contractors(emulator)
    task = GROUP("Group", name="Contractors", exclusive_members=False,
                 members=[{"email": "carol@example.com", "expires": "2026-02-30"},
                          {"email": "dave@example.com", "expires": "2026-12-07T10:00:00"},
                          {"email": "erin@example.com", "expires": 20261207},
                          {"email": "frank@example.com", "expire": TODAY}],
                 policies=[{"permission_groups": ["domain_dns"], "zones": ["example.com"], "expires": "tomorrow"}])
    run = run_task(run_playbook, task, ignore_errors=True)
    out = run.task("Group")
    assert run.status("Group") == "failed", out
    msg = out["msg"]
    for needle in ("carol@example.com: expires is not a date of the calendar: '2026-02-30'",
                   "dave@example.com: expires must be a date YYYY-MM-DD",
                   "erin@example.com: expires must be a date YYYY-MM-DD (quoted or not), got 20261207 (int)",
                   "has unknown keys expire",
                   "policies[0] expires must be a date YYYY-MM-DD (quoted or not), got 'tomorrow'"):
        assert needle in msg, (needle, msg)
    assert emulator.writes() == []


def test_yaml_dates_unquoted_and_today_bad(emulator, run_playbook, tmp_path):
    """An unquoted YAML date is a date (accepted); an unquoted date and time is refused; a bad CFIAM_TODAY fails."""
    make_group(emulator, "Temps", ["alice@example.com", "carol@example.com"])
    playbook = tmp_path / "yaml_dates.yml"
    playbook.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Unquoted date
      cfiam.user_groups.cf_user_group_member:
        group: Temps
        members:
          - {email: carol@example.com, expires: 2026-12-07}
      register: out
    - name: Unquoted date and time
      cfiam.user_groups.cf_user_group_member:
        group: Temps
        members:
          - {email: alice@example.com, expires: 2026-12-09 10:00:00}
      ignore_errors: true
""")
    run = run_playbook(playbook=str(playbook), env=ENV)
    assert run.task("Unquoted date")["changed"] is True, run
    assert "not a date and time" in run.task("Unquoted date and time")["msg"]
    assert normalized_groups(emulator.state())["Temps"]["members"] == ["alice@example.com"]

    emulator.clear_requests()
    run = run_task(run_playbook, MEMBER("Temps", group="Temps", members=["alice@example.com"]), today="12/07/2026",
                   ignore_errors=True)
    assert "CFIAM_TODAY" in run.task("Temps")["msg"], run
    assert emulator.writes() == []


# --------------------------------------------------------------------------- the role
def test_role_expires_whatever_exclusive_and_says_so(emulator, run_playbook):
    gid = contractors(emulator)
    make_group(emulator, "Staff", ["frank@example.com", "grace@example.com"])
    declaration = [
        {"name": "Contractors",
         "members": ["alice@example.com", {"email": "carol@example.com", "expires": TODAY},
                     {"email": "dave@example.com", "expires": day(10)}],
         "policies": [{"permission_groups": ["admin_readonly"]},
                      {"permission_groups": ["domain_dns"], "zones": ["example.com"], "expires": day(-3)}]},
        {"name": "Staff", "members": ["frank@example.com", "grace@example.com"]},
    ]
    switches = dict(user_groups_exclusive_members=False, user_groups_exclusive_policies=False,
                    user_groups_max_removal_ratio=1, env=ENV)
    check = apply_role(run_playbook, declaration, check=True, diff=True, **switches)
    assert check.rc == 0, check
    assert emulator.writes() == []
    plan = plan_result(check)["result"]
    assert "Contractors: carol@example.com removed: expired on %s" % TODAY in plan["progress"], plan["progress"]
    assert "1 entry expires within 14 days (expiring)" in plan["progress"], plan["progress"]
    headers = [d["after_header"] for d in plan["diff"]]
    assert [h for h in headers if h.endswith("; allow Domain DNS on zones: example.com, carol@example.com removed: "
                                             "expired")], headers
    summary = check.role_summary()
    assert "'Contractors': carol@example.com removed: expired on %s" % TODAY in summary["message"], summary
    assert summary["members_removed"] == {"Contractors": ["carol@example.com"]}

    real = apply_role(run_playbook, declaration, diff=True, **switches)
    assert real.rc == 0, real
    writes = sorted((w["method"], w["path"].split("/iam/user_groups/")[1]) for w in emulator.writes())
    assert writes == sorted([("PUT", gid), ("POST", gid + "/members"),
                             ("DELETE", "%s/members/%s" % (gid, emulator.member_id("carol@example.com")))]), writes
    groups = normalized_groups(emulator.state())
    assert groups["Contractors"]["members"] == ["alice@example.com", "dave@example.com"]
    assert groups["Contractors"]["policies"] == [("allow", ("admin_readonly",), ("account",))]
    summary = real.role_summary()
    assert sorted((e["group"], e.get("member") or e.get("policy"), e["removed"]) for e in summary["expired"]) == [
        ("Contractors", "allow Domain DNS on zones: example.com", True), ("Contractors", "carol@example.com", True)]
    assert summary["expiring"] == [{"group": "Contractors", "member": "dave@example.com", "expires": day(10),
                                    "days_left": 10}]
    assert "carol@example.com removed: expired on %s" % TODAY in summary["message"]

    emulator.clear_requests()
    again = apply_role(run_playbook, declaration, **switches)
    assert again.rc == 0 and again.recap_changed == 0, again
    assert emulator.writes() == []


def test_role_expired_entries_need_no_ratio_but_other_removals_do(emulator, run_playbook):
    contractors(emulator)
    # carol's dated entry is 1 of the group's 2 memberships (50%, over the default 0.25): removed without
    # -e user_groups_max_removal_ratio=1.
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": day(-1)}]}]
    run = apply_role(run_playbook, declaration, user_groups_exclusive_members=False, env=ENV)
    assert run.rc == 0, run
    assert normalized_groups(emulator.state())["Contractors"]["members"] == ["alice@example.com"]
    emulator.clear_requests()
    # An undated removal (carol dropped from an exclusive list) is counted as before.
    make_group(emulator, "Vendors", ["alice@example.com", "carol@example.com"])
    run = apply_role(run_playbook, [{"name": "Vendors", "members": ["alice@example.com"]}], env=ENV)
    assert run.rc != 0, run
    assert "user_groups_max_removal_ratio" in plan_result(run)["result"]["msg"]
    assert emulator.writes() == []


def test_role_unexpired_declaration_wins_and_child_roll_up(emulator, run_playbook):
    """carol's entry in the child expired: she leaves the child, and stays in the parent, which declares her without
    expires. dave's only entry (in the child) expired: he leaves the child and the parent it rolled up to."""
    make_group(emulator, "Vendors", ["alice@example.com", "carol@example.com", "dave@example.com"])
    make_group(emulator, "Vendors Temp", ["carol@example.com", "dave@example.com"])
    declaration = [{"name": "Vendors", "members": ["alice@example.com", "carol@example.com"], "children": [
        {"name": "Vendors Temp", "members": [{"email": "carol@example.com", "expires": TODAY},
                                             {"email": "dave@example.com", "expires": TODAY}]}]}]
    run = apply_role(run_playbook, declaration, user_groups_exclusive_members=False,
                     user_groups_max_removal_ratio=1, env=ENV)
    assert run.rc == 0, run
    groups = normalized_groups(emulator.state())
    assert groups["Vendors"]["members"] == ["alice@example.com", "carol@example.com"]
    assert groups["Vendors Temp"]["members"] == []
    assert [w["method"] for w in emulator.writes()] == ["DELETE"] * 3


def test_role_protected_member_with_expired_entry_is_kept_with_a_warning(emulator, run_playbook):
    contractors(emulator)
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": TODAY}]}]
    run = apply_role(run_playbook, declaration, user_groups_protected_members=["carol@example.com"],
                     user_groups_max_removal_ratio=1, env=ENV)
    assert run.rc == 0, run
    assert emulator.writes() == []
    assert normalized_groups(emulator.state())["Contractors"]["members"] == ["alice@example.com",
                                                                             "carol@example.com"]
    plan = plan_result(run)["result"]
    warnings = [w for w in plan.get("warnings") or [] if "carol@example.com" in w]
    assert len(warnings) == 1 and "expired on %s; it is kept" % TODAY in warnings[0], plan.get("warnings")
    assert [e["note"] for e in run.role_summary()["expired"]] == [
        "kept: protected member (user_groups_protected_members), expired on %s" % TODAY]


def test_role_invalid_dates_fail_the_plan_with_zero_writes(emulator, run_playbook):
    contractors(emulator)
    sub = {"name": "Sub", "policies": [{"permission_groups": ["admin_readonly"], "expires": "2026-12-07 09:00"}]}
    declaration = [{"name": "Contractors", "members": [{"email": "carol@example.com", "expires": "2026-13-01"}],
                    "children": [sub]}]
    run = apply_role(run_playbook, declaration, user_groups_expiry_warning_days=-1, env=ENV)
    assert run.rc != 0, run
    msg = plan_result(run)["result"]["msg"]
    for needle in ("group 'Contractors': member carol@example.com: expires is not a date of the calendar",
                   "group 'Sub' policies[0] expires must be a date YYYY-MM-DD",
                   "set user_groups_expiry_warning_days to 0 or more days"):
        assert needle in msg, (needle, msg)
    assert emulator.writes() == []


def test_role_in_a_playbook_file_with_unquoted_dates(emulator, run_playbook, tmp_path):
    """The role as users write it: YAML with unquoted dates (YAML makes them dates)."""
    contractors(emulator)
    playbook = tmp_path / "role.yml"
    playbook.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    user_groups_exclusive_members: false
    user_groups_max_removal_ratio: 1
    user_groups:
      - name: Contractors
        members:
          - alice@example.com
          - {email: carol@example.com, expires: 2026-12-07}
  roles:
    - cfiam.user_groups.user_groups
""")
    run = run_playbook(playbook=str(playbook), env=ENV)
    assert run.rc == 0, run
    assert normalized_groups(emulator.state())["Contractors"]["members"] == ["alice@example.com"]
