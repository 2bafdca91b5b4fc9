# -*- coding: utf-8 -*-
"""Integration tests of the cfiam.user_groups.user_groups role against the Cloudflare API emulator.

Every state-changing case follows: check mode (predicts, zero writes) -> real (changes, state
correct) -> check mode again (no change) -> real again (no change, zero writes).
"""
from __future__ import absolute_import, division, print_function

import copy

import pytest

from builders import generated_declaration, generated_state
from harness import apply_role as apply, make_group, normalized_groups, plan_result, role_tasks

# Every test runs twice: with full write replies, and with the minimal ones Cloudflare may send.
pytestmark = pytest.mark.usefixtures("write_replies")

FACT_TASK = "Record what changed"
SCIM_GROUP = "Okta Contractors"
SCIM_MEMBERS = ["trent@example.com", "victor@example.com"]

HIERARCHY = [
    {"name": "Engineering",
     "members": ["alice@example.com"],
     "policies": [{"access": "allow", "permission_groups": ["Administrator Read Only"]}],
     "children": [
         {"name": "Engineering SRE",
          "members": ["bob@example.com"],
          "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}],
          "children": [
              {"name": "Engineering SRE On-call",
               "members": ["Carol@Example.com"],
               "policies": [{"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]}]},
          ]},
         {"name": "Engineering Web",
          "members": ["dave@example.com"],
          "policies": []},
     ]},
    {"name": SCIM_GROUP, "scim": True,
     "policies": [{"permission_groups": ["analytics"]}]},
]


# --------------------------------------------------------------------------- helpers
def records(run, suffix):
    return [r for r in run.records if r["task"].endswith(suffix)]


def test_hierarchy_converges_in_four_steps(emulator, run_playbook):
    before = normalized_groups(emulator.state())

    # 1. check mode + diff on a fresh account: predicts, shows names/roles/emails, writes nothing
    run = apply(run_playbook, HIERARCHY, check=True, diff=True)
    assert run.rc == 0, run
    assert emulator.writes() == []
    assert plan_result(run)["status"] == "changed"
    for text in ("Engineering SRE On-call", "Administrator Read Only", "Domain DNS", "example.com",
                 "alice@example.com", "bob@example.com", "carol@example.com", "Analytics"):
        assert text in run.stdout, text
    predicted = run.role_summary()
    assert predicted["check_mode"] is True
    assert sorted(predicted["created"]) == ["Engineering", "Engineering SRE", "Engineering SRE On-call",
                                            "Engineering Web"]
    assert normalized_groups(emulator.state()) == before

    # 2. real run: groups, policies, members with roll-up; SCIM group gets policies, members untouched
    run = apply(run_playbook, HIERARCHY, diff=True)
    assert run.rc == 0, run
    groups = normalized_groups(emulator.state())
    assert groups["Engineering"]["members"] == ["alice@example.com", "bob@example.com", "carol@example.com",
                                                "dave@example.com"]
    assert groups["Engineering SRE"]["members"] == ["bob@example.com", "carol@example.com"]
    assert groups["Engineering SRE On-call"]["members"] == ["carol@example.com"]
    assert groups["Engineering Web"]["members"] == ["dave@example.com"]
    assert groups["Engineering"]["policies"] == [("allow", ("admin_readonly",), ("account",))]
    assert groups["Engineering SRE"]["policies"] == [("allow", ("domain_dns",), ("zone:example.com",))]
    assert groups["Engineering SRE On-call"]["policies"] == [("allow", ("domain_admin",), ("rg:Production zones",))]
    assert groups["Engineering Web"]["policies"] == []
    assert groups[SCIM_GROUP] == {"members": SCIM_MEMBERS, "policies": [("allow", ("analytics",), ("account",))]}
    done = run.role_summary()
    assert done["changed"] is True
    assert done["created"] == predicted["created"]
    assert done["updated"] == [SCIM_GROUP]
    assert done["members_added"]["Engineering SRE"] == ["bob@example.com", "carol@example.com"]
    assert done["members_added"] == predicted["members_added"]
    # one POST per new group (with its policies), one POST of each new group's members (a new group is empty:
    # nothing to replace), one PUT for the SCIM group's policies
    methods = sorted(w["method"] for w in emulator.writes())
    assert methods == ["POST"] * 8 + ["PUT"], methods
    assert not any("/members" in w["path"] and SCIM_GROUP in str(w) for w in emulator.writes())

    # 3. check mode again: nothing to do
    emulator.clear_requests()
    run = apply(run_playbook, HIERARCHY, check=True, diff=True)
    assert run.rc == 0, run
    assert run.recap_changed == 0
    assert emulator.writes() == []

    # 4. real again: no change, no write, few requests
    run = apply(run_playbook, HIERARCHY)
    assert run.rc == 0, run
    assert run.recap_changed == 0
    assert emulator.writes() == []
    assert run.role_summary()["changed"] is False
    assert normalized_groups(emulator.state()) == groups


def test_bad_input_anywhere_fails_listing_every_problem(emulator, run_playbook):
    declaration = copy.deepcopy(HIERARCHY)
    sre = declaration[0]["children"][0]
    sre["children"].append({"name": "Engineering", "members": []})                     # duplicate name, depth 3
    sre["policies"].append({"permission_groups": ["no_such_role"]})                     # unknown role
    declaration[0]["children"][1]["members"].append("nobody@example.com")              # unknown email
    sre["children"][0]["policies"].append({"permission_groups": ["domain_dns"],
                                           "zones": ["missing.example"]})               # unknown zone
    declaration.append({"name": "Zone role on account", "policies": [{"permission_groups": ["domain_dns"]}]})
    run = apply(run_playbook, declaration)
    assert run.rc != 0, run
    failed = plan_result(run)
    assert failed["status"] == "failed"
    msg = failed["result"]["msg"]
    for text in ("Engineering", "no_such_role", "nobody@example.com", "missing.example", "Zone role on account"):
        assert text in msg, (text, msg)
    assert emulator.writes() == []
    assert emulator.group_by_name("Engineering SRE") is None


def test_purge_with_exclusions(emulator, run_playbook):
    make_group(emulator, "Legacy Admins", ["mallory@example.com"])
    make_group(emulator, "Keep Me 1")
    make_group(emulator, "keep-static")
    declaration = [{"name": "Engineering", "members": ["alice@example.com"]}]
    # The purge deletes 'Legacy Admins' with its one member: all the memberships the run touches (the new group has
    # none yet), so the run needs the explicit yes.
    switches = dict(user_groups_purge=True, user_groups_purge_exclude=["Keep Me \\d+", "keep-static", "Okta.*"],
                    user_groups_max_removal_ratio=1)

    run = apply(run_playbook, declaration, check=True, diff=True, **switches)
    assert run.rc == 0, run
    assert emulator.writes() == []
    predicted = run.role_summary()
    assert predicted["deleted"] == ["Legacy Admins"]
    assert predicted["created"] == ["Engineering"]

    run = apply(run_playbook, declaration, **switches)
    assert run.rc == 0, run
    names = sorted(g["name"] for g in emulator.state()["user_groups"])
    assert names == ["Engineering", "Keep Me 1", SCIM_GROUP, "keep-static"]
    assert run.role_summary()["deleted"] == ["Legacy Admins"]

    emulator.clear_requests()
    run = apply(run_playbook, declaration, check=True, **switches)
    assert run.rc == 0 and run.recap_changed == 0, run
    run = apply(run_playbook, declaration, **switches)
    assert run.rc == 0 and run.recap_changed == 0, run
    assert emulator.writes() == []


def test_purge_reports_a_refused_scim_delete(emulator, run_playbook):
    make_group(emulator, "Legacy Admins")
    run = run_playbook(tasks=role_tasks(), verbosity=3, diff=True, vars={
        "user_groups": [{"name": "Engineering", "members": ["alice@example.com"]}], "user_groups_purge": True,
        "user_groups_max_removal_ratio": 1})  # both groups of the account go
    assert run.rc == 0, run
    # writes, a tolerated failure and -vvv output: the token never shows
    assert emulator.token not in run.output
    result = run.role_summary()
    assert result["deleted"] == ["Legacy Admins"]
    assert [r["name"] for r in result["delete_refused"]] == [SCIM_GROUP]
    assert result["delete_refused"][0]["error_codes"]
    group = emulator.group_by_name(SCIM_GROUP)
    assert group is not None and len(group["members"]) == 2
    assert emulator.group_by_name("Legacy Admins") is None


def test_non_exclusive_members_keep_extra_members(emulator, run_playbook):
    make_group(emulator, "Engineering", ["alice@example.com", "frank@example.com"])
    declaration = [{"name": "Engineering", "members": ["alice@example.com", "bob@example.com"]}]
    switches = dict(user_groups_exclusive_members=False)

    run = apply(run_playbook, declaration, check=True, **switches)
    assert run.rc == 0 and plan_result(run)["status"] == "changed", run
    assert emulator.writes() == []

    run = apply(run_playbook, declaration, **switches)
    assert run.rc == 0, run
    members = normalized_groups(emulator.state())["Engineering"]["members"]
    assert members == ["alice@example.com", "bob@example.com", "frank@example.com"]
    assert run.role_summary()["members_added"] == {"Engineering": ["bob@example.com"]}
    assert run.role_summary()["members_removed"] == {}

    emulator.clear_requests()
    run = apply(run_playbook, declaration, check=True, **switches)
    assert run.rc == 0 and run.recap_changed == 0, run
    run = apply(run_playbook, declaration, **switches)
    assert run.rc == 0 and run.recap_changed == 0, run
    assert emulator.writes() == []


def _flat(nodes):
    for node in nodes:
        yield {"name": node["name"], "members": node["members"], "policies": node["policies"]}
        yield from _flat(node["children"])


def test_no_change_run_on_30_groups_stays_within_budget(emulator, run_playbook):
    args = dict(n_groups=30, n_members=120, depth=3, members_per_group=5)
    emulator.set_state(generated_state(**args))
    # Generated groups do not roll members up, so declare them flat (same groups, members, policies).
    declaration = list(_flat(generated_declaration(**args)))
    assert len(declaration) == 30
    emulator.clear_requests()
    run = apply(run_playbook, declaration)
    assert run.rc == 0, run
    assert run.recap_changed == 0
    log = emulator.requests()
    assert [e for e in log if e["method"] != "GET"] == []
    assert len(log) <= 30 + 5, len(log)
    assert plan_result(run)["result"]["api_requests"]["total"] == len(log)
    # only the planning module ran: every write loop was empty
    modules = [r for r in run.records if r["action"].startswith("cfiam.") and r["status"] != "skipped"]
    assert len(modules) == 1, [r["task"] for r in modules]
