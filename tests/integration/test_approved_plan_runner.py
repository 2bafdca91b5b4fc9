# -*- coding: utf-8 -*-
"""The approval workflow of docs/awx.md through ansible-runner, the engine AWX runs jobs with: a check job
(``--check --diff``, ``user_groups_plan_out``) records the plan with set_stats; its artifact (the ``artifact_data`` of
the job's stats event, which AWX passes to the next workflow node as extra variables) is the apply job's extra
variables. Unchanged, the apply job applies the plan; with a change made between the two jobs it fails with zero
writes. The multi-account site playbook does the same for every account of the inventory at once: the file and the
artifact hold one plan per account.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import shutil

import pytest

from accounts_harness import EXAMPLE_DIR, example_state, expected_example, state_of
from harness import UG, ansible_bin, ansible_env, normalized_groups

ansible_runner = pytest.importorskip("ansible_runner")

DECLARATION = [
    {"name": "Workflow Ops", "members": ["alice@example.com", "bob@example.com"],
     "policies": [{"permission_groups": ["admin_readonly"]}]},
]


def runner_env(emulator, **credential):
    env = ansible_env(emulator)
    for key in list(env):
        if key in ("ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_PLUGINS"):
            del env[key]
    env["PATH"] = os.path.dirname(ansible_bin("ansible-playbook")) + os.pathsep + env.get("PATH", "")
    env.update(credential)
    return env


def job(private, project, playbook, env, ident, extravars, check, inventory="localhost,", forks=1):
    """One AWX job: returns (status, artifact_data of the stats event, stdout)."""
    runner = ansible_runner.run(private_data_dir=str(private), project_dir=str(project), playbook=playbook,
                                ident=ident, inventory=inventory, extravars=extravars,
                                cmdline="--diff --forks %d" % forks + (" --check" if check else ""), envvars=env,
                                suppress_env_files=True, process_isolation=False, quiet=True)
    stdout = runner.stdout.read()
    stats = [e for e in runner.events if e["event"] == "playbook_on_stats"][-1]["event_data"]
    return runner.status, stats.get("artifact_data") or {}, stdout


def test_check_approve_apply_through_ansible_runner(emulator, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    play = {"name": "Cloudflare user groups", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"user_groups": DECLARATION}, "roles": [{"role": "cfiam.user_groups.user_groups"}]}
    (project / "user_groups.yml").write_text(json.dumps([play]))
    private = tmp_path / "private"
    private.mkdir()
    env = runner_env(emulator)
    plan_out = str(tmp_path / "plan.json")

    # 1. the check job: no write, the plan in the file and in the artifact
    emulator.clear_requests()
    status, artifact, out = job(private, project, "user_groups.yml", env, "check1", {"user_groups_plan_out": plan_out},
                                check=True)
    assert status == "successful", out[-3000:]
    assert emulator.writes() == []
    with open(plan_out) as handle:
        assert artifact == json.load(handle)
    assert sorted(artifact["user_groups_approved_plan"]) == [emulator.account_id]

    # 2. approved; the apply job gets the artifact as extra variables, and applies the plan
    emulator.clear_requests()
    status, _artifact, out = job(private, project, "user_groups.yml", env, "apply1", artifact, check=False)
    assert status == "successful", out[-3000:]
    assert normalized_groups(emulator.state())["Workflow Ops"] == {
        "members": ["alice@example.com", "bob@example.com"],
        "policies": [("allow", ("admin_readonly",), ("account",))]}
    assert [w["method"] for w in emulator.writes()] == ["POST", "POST"]  # the group, its members

    # 3. the next change: check job, then someone adds a member by hand before the apply job runs
    members = ["alice@example.com", "bob@example.com", "dave@example.com"]
    play["vars"]["user_groups"] = [dict(DECLARATION[0], members=members)]
    (project / "user_groups.yml").write_text(json.dumps([play]))
    os.unlink(plan_out)
    status, artifact, out = job(private, project, "user_groups.yml", env, "check2", {"user_groups_plan_out": plan_out},
                                check=True)
    assert status == "successful", out[-3000:]
    group = emulator.group_by_name("Workflow Ops")
    resp = emulator.api("POST", UG + "/%s/members" % group["id"], json=[{"id": emulator.member_id("carol@example.com")}])
    assert resp.status_code == 200, resp.text
    emulator.clear_requests()
    status, _artifact, out = job(private, project, "user_groups.yml", env, "apply2", artifact, check=False)
    assert status == "failed", out[-3000:]
    assert emulator.writes() == []
    assert "run the check job again" in out, out[-3000:]
    assert "group 'Workflow Ops': member was added since approval: carol@example.com" in out, out[-3000:]


def test_multi_account_plans_add_up_in_one_file_and_one_artifact(emulator, tmp_path):
    """site.yml over the accounts inventory, 3 forks: every account writes its plan into the same file (under a
    lock) and set_stats aggregates them into one artifact; the apply job converges every account."""
    emulator.set_state(example_state())
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE_DIR, str(project))
    env = runner_env(emulator, CLOUDFLARE_ACCOUNT_ID="")
    private = tmp_path / "private"
    private.mkdir()
    plan_out = str(tmp_path / "plans.json")
    inventory = str(project / "accounts.cloudflare_accounts.yml")
    accounts = sorted(emulator.account_ids())

    emulator.clear_requests()
    status, artifact, out = job(private, project, "site.yml", env, "check", {"user_groups_plan_out": plan_out},
                                check=True, inventory=inventory, forks=3)
    assert status == "successful", out[-3000:]
    assert emulator.writes() == []
    with open(plan_out) as handle:
        written = json.load(handle)
    assert written == artifact
    plans = artifact["user_groups_approved_plan"]
    assert len(plans) == 3 and set(plans) <= set(accounts)  # the three 'Acme .*' accounts of the inventory
    assert all(plan["account"]["id"] == a for a, plan in plans.items())

    status, _artifact, out = job(private, project, "site.yml", env, "apply", artifact, check=False,
                                 inventory=inventory, forks=3)
    assert status == "successful", out[-3000:]
    assert state_of(emulator) == expected_example()
