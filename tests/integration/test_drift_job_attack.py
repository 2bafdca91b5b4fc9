# -*- coding: utf-8 -*-
"""Drift jobs under attack: a refused plan under the ``check_mode`` keyword (not ``--check``), a plan that fails on a
bad declaration, hostile group names in a refusal, and a real run with both a report file and an approved plan."""
from __future__ import absolute_import, division, print_function

import json
import os

from harness import make_group, plan_result

DECLARATION = [
    {"name": "Attack Eng", "members": ["alice@example.com"], "policies": [{"permission_groups": ["admin_readonly"]}]},
]
REFUSED_TASK = "cfiam.user_groups.user_groups : Fail on the drift of the refused plan"


def play_with_role(tmp_path, name, role_keywords=None, **role_vars):
    role = {"role": "cfiam.user_groups.user_groups"}
    role.update(role_keywords or {})
    play = {"name": "drift", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": dict({"user_groups": DECLARATION, "user_groups_fail_on_drift": True,
                          "user_groups_purge_exclude": ["^Okta"]}, **role_vars), "roles": [role]}
    path = str(tmp_path / name)
    with open(path, "w") as handle:
        json.dump([play], handle)
    return path


def report(tmp_path, name):
    with open(str(tmp_path / name)) as handle:
        return json.load(handle)


def test_a_refused_plan_under_the_check_mode_keyword_is_a_check_mode_drift(emulator, run_playbook, tmp_path):
    for index in range(3):
        make_group(emulator, "Attack Stray %d" % index)
    playbook = play_with_role(tmp_path, "keyword.yml", {"check_mode": True}, user_groups_purge=True,
                              user_groups_report_file="drift.json")
    emulator.clear_requests()
    run = run_playbook(playbook=playbook)  # no --check: the keyword alone
    assert run.rc == 2, run
    assert emulator.writes() == []
    data = report(tmp_path, "drift.json")
    assert data["status"] == "refused" and data["mode"] == "check", data
    assert run.status(REFUSED_TASK) == "failed", run


def test_a_bad_declaration_is_reported_as_refused_and_fails_the_job(emulator, run_playbook, tmp_path):
    bad = [dict(DECLARATION[0], policies=[{"permission_groups": ["No Such Role"]}], members=["nobody@example.com"])]
    playbook = play_with_role(tmp_path, "bad.yml", user_groups=bad, user_groups_report_file="drift.json")
    emulator.clear_requests()
    run = run_playbook(playbook=playbook, check=True)
    assert run.rc == 2, run
    assert emulator.writes() == []
    data = report(tmp_path, "drift.json")
    assert data["status"] == "refused" and data["drift"] is True and data["mode"] == "check", data
    problems = " ".join(data["refusal"]["problems"])
    assert "No Such Role" in problems and "nobody@example.com" in problems, problems
    assert run.status(REFUSED_TASK) == "failed"


def test_hostile_names_in_a_refusal_are_not_templated(emulator, run_playbook, tmp_path):
    marker = str(tmp_path / "pwned")
    name = "Stray {{ lookup('pipe', 'touch %s') }}" % marker
    for index in range(3):
        make_group(emulator, "%s %d" % (name, index), members=["bob@example.com"])
    for out in ("drift.md", "drift.json"):
        playbook = play_with_role(tmp_path, "hostile.yml", user_groups_purge=True, user_groups_report_file=out)
        run = run_playbook(playbook=playbook, check=True, diff=True)
        assert run.rc == 2, run
        assert not os.path.exists(marker), "a group name ran a template on the controller"
    assert "%s 0" % name in " ".join(report(tmp_path, "drift.json")["refusal"]["problems"])
    assert "{{" not in (tmp_path / "drift.md").read_text()
    assert "lookup(&#39;pipe&#39;" in (tmp_path / "drift.md").read_text()


def test_a_real_run_with_a_report_file_and_an_approved_plan(emulator, run_playbook, tmp_path):
    make_group(emulator, "Attack Eng", members=["alice@example.com", "erin@example.com"])
    plan = tmp_path / "plan.json"
    playbook = play_with_role(tmp_path, "check.yml", user_groups_plan_out=str(plan), user_groups_max_removal_ratio=1,
                              user_groups_report_file="check.json", user_groups_fail_on_drift=False)
    emulator.clear_requests()
    run = run_playbook(playbook=playbook, check=True, diff=True)
    assert run.rc == 0 and emulator.writes() == [], run
    assert report(tmp_path, "check.json")["status"] == "drift"

    # the apply job: applies the approved plan and reports it repaired
    playbook = play_with_role(tmp_path, "apply.yml", user_groups_report_file="apply.json", user_groups_max_removal_ratio=1,
                              user_groups_require_approved_plan=True)
    run = run_playbook(playbook=playbook, args=["-e", "@%s" % plan])
    assert run.rc == 0, run
    data = report(tmp_path, "apply.json")
    assert data["status"] == "drift" and data["mode"] == "real", data
    (group,) = data["groups"]
    assert group["name"] == "Attack Eng" and group["outcome"] == "repaired", group
    assert group["members_to_remove"] == ["erin@example.com"]
    assert plan_result(run)["result"]["approval"]["approved"]

    # the same approved plan again: the account changed since (it was applied), the plan is refused, the report says so
    emulator.clear_requests()
    run = run_playbook(playbook=playbook, args=["-e", "@%s" % plan])
    assert run.rc == 2 and emulator.writes() == [], run
    data = report(tmp_path, "apply.json")
    assert data["status"] == "refused" and data["mode"] == "real", data
    assert "run the check job again" in data["refusal"]["msg"]
    assert run.status(REFUSED_TASK) == "skipped"  # a real run: the plan's own failure fails it
