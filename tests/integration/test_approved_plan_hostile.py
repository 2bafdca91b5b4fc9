# -*- coding: utf-8 -*-
"""Approved plans under attack: hostile names in the plan file, files the check job cannot write as asked, a plan of
another account, an old plan, a plan edited with a recomputed digest, an approved plan with a drift report.

A group name (anyone who can name a group, through SCIM too, controls it) lands in the plan file, which travels as
extra variables (``-e @PATH``, AWX artifacts): Ansible templates extra variables when the role passes them on, so the
plan must carry no template markers Ansible would render.
"""
from __future__ import absolute_import, division, print_function

import base64
import hashlib
import json
import os

from harness import apply_role, make_group, plan_result

DECLARATION = [{"name": "Hostile Ops", "members": ["alice@example.com"], "policies": []}]
SWITCHES = {"user_groups_purge": True, "user_groups_purge_exclude": ["^Okta"], "user_groups_max_removal_ratio": 1}


def hostile_name(marker):
    return "Stray {{ lookup('pipe', 'touch %s') }} {%% if true %%}x{%% endif %%} {# c #}" % marker


def approve(run_playbook, tmp_path, emulator, **extra):
    path = tmp_path / "approved-plan.json"
    emulator.clear_requests()
    run = apply_role(run_playbook, DECLARATION, check=True, diff=True,
                     **dict(SWITCHES, user_groups_plan_out=str(path), **extra))
    assert run.rc == 0, run
    assert emulator.writes() == []
    return path, run


def apply_approved(run_playbook, emulator, path, check=False, **extra):
    emulator.clear_requests()
    return run_playbook(tasks=[{"name": "Apply the user groups role",
                                "ansible.builtin.include_role": {"name": "cfiam.user_groups.user_groups"}}],
                        vars=dict(SWITCHES, user_groups=DECLARATION, user_groups_require_approved_plan=True, **extra),
                        check=check, args=["-e", "@%s" % path])


def test_hostile_group_name_in_the_plan_file_is_not_templated(emulator, run_playbook, tmp_path):
    marker = str(tmp_path / "pwned")
    name = hostile_name(marker)
    stray = make_group(emulator, name, members=["bob@example.com"])  # undeclared: the purge deletes it
    path, _run = approve(run_playbook, tmp_path, emulator)
    assert not os.path.exists(marker)
    run = apply_approved(run_playbook, emulator, path)
    assert not os.path.exists(marker), "the plan file ran a template on the controller"
    text = path.read_text()
    for mark in ("{{", "{%", "{#"):
        assert mark not in text, text
    assert run.rc == 0, run
    assert emulator.groups_by_name(name) == []
    assert [w["method"] for w in emulator.writes()].count("DELETE") == 1, emulator.writes()
    assert stray in json.dumps(plan_result(run)["result"])


def add_hostile_member(emulator, marker):
    """A member of the account whose email holds a template (the emulator's state, as an invitation could)."""
    state = emulator.state()
    account = state if "accounts" not in state else state["accounts"][0]
    email = "mallory+{{ lookup('pipe', 'touch %s') }}@example.com" % marker
    member = json.loads(json.dumps(account["members"][0]))
    member.update(id="%032x" % 0xbad, email=email)
    member["user"].update(id="%032x" % 0xbad1, email=email)
    account["members"].append(member)
    emulator.set_state(state)
    return email, member["id"]


def test_hostile_names_refused_after_approval_are_named_readably_and_not_run(emulator, run_playbook, tmp_path):
    """A change since approval in a group with a hostile name: the refusal names the group and the member as they
    are; nothing runs, nothing is written (ansible-playbook and -e @PATH)."""
    marker = str(tmp_path / "pwned")
    email, member_id = add_hostile_member(emulator, marker + "-email")
    name = hostile_name(marker)
    stray = make_group(emulator, name, members=["bob@example.com"])
    emulator.api("POST", "/accounts/%s/iam/user_groups/%s/members" % (emulator.account_id, stray),
                 json=[{"id": member_id}])
    path, _run = approve(run_playbook, tmp_path, emulator)
    sealed = json.loads(path.read_text())["user_groups_approved_plan"][emulator.account_id]
    assert json.loads(base64.b64decode(sealed["plan"]))["labels"][member_id] == email  # inside the plan, exactly
    assert emulator.api("DELETE", "/accounts/%s/iam/user_groups/%s/members/%s" % (
        emulator.account_id, stray, member_id)).status_code == 200
    run = apply_approved(run_playbook, emulator, path)
    assert run.rc != 0 and emulator.writes() == [], run
    msg = plan_result(run)["result"]["msg"]
    assert "member was removed since approval: %s" % email in msg, msg
    assert "group '%s' (%s): member was removed" % (name, stray) in msg, msg
    assert not os.path.exists(marker) and not os.path.exists(marker + "-email")


def test_hostile_names_through_the_workflow_artifact(emulator, tmp_path):
    """set_stats -> artifact -> the apply job's extra variables (ansible-runner, as AWX passes them)."""
    from test_approved_plan_runner import job, runner_env  # ansible-runner is optional: imported here

    marker = str(tmp_path / "pwned")
    email, member_id = add_hostile_member(emulator, marker + "-email")
    name = hostile_name(marker)
    stray = make_group(emulator, name, members=["bob@example.com"])
    emulator.api("POST", "/accounts/%s/iam/user_groups/%s/members" % (emulator.account_id, stray),
                 json=[{"id": member_id}])
    project = tmp_path / "project"
    project.mkdir()
    play = {"name": "Cloudflare user groups", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": dict(SWITCHES, user_groups=DECLARATION), "roles": [{"role": "cfiam.user_groups.user_groups"}]}
    (project / "user_groups.yml").write_text(json.dumps([play]))
    private = tmp_path / "private"
    private.mkdir()
    env = runner_env(emulator)
    emulator.clear_requests()
    status, artifact, out = job(private, project, "user_groups.yml", env, "check", {
        "user_groups_plan_out": str(tmp_path / "plan.json")}, check=True)
    assert status == "successful", out[-3000:]
    assert emulator.writes() == []
    for mark in ("{{", "{%", "{#"):
        assert mark not in json.dumps(artifact)
    emulator.clear_requests()
    status, _artifact, out = job(private, project, "user_groups.yml", env, "apply",
                                 dict(artifact, user_groups_require_approved_plan=True), check=False)
    assert status == "successful", out[-3000:]
    assert not os.path.exists(marker) and not os.path.exists(marker + "-email")
    assert emulator.groups_by_name(name) == [] and emulator.group_by_name("Hostile Ops") is not None
    assert email in json.dumps(emulator.state())  # the member itself stays: only the group went


def digest_of(account_id, changes, read):
    text = json.dumps({"account": account_id, "changes": changes, "read": read}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_hand_edited_plan_with_a_recomputed_digest_applies_nothing_else(emulator, run_playbook, tmp_path):
    """The digest is no signature (docs/awx.md, the trust model): an edited plan with a recomputed digest passes the
    digest check, and is then one more plan that differs from the plan made now, so nothing is written. What is
    applied is always the plan made now, never the file's changes."""
    make_group(emulator, "Hostile Ops", members=["bob@example.com"])
    path, _run = approve(run_playbook, tmp_path, emulator)
    data = json.loads(path.read_text())
    sealed = data["user_groups_approved_plan"][emulator.account_id]
    plan = json.loads(base64.b64decode(sealed["plan"]))
    group = plan["changes"]["groups"]["Hostile Ops"]
    group["members"]["remove"] = []  # "approve" keeping bob, then re-seal
    plan["digest"] = digest_of(emulator.account_id, plan["changes"], plan["read"])
    data["user_groups_approved_plan"][emulator.account_id] = dict(
        sealed, digest=plan["digest"], plan=base64.b64encode(json.dumps(plan).encode("utf-8")).decode("ascii"))
    path.write_text(json.dumps(data))
    run = apply_approved(run_playbook, emulator, path)
    assert run.rc != 0 and emulator.writes() == [], run
    msg = plan_result(run)["result"]["msg"]
    assert ("group 'Hostile Ops': the declaration or the role's variables changed since approval, so the plan "
            "differs: approved update, add members alice@example.com; now update, add members alice@example.com, "
            "remove members bob@example.com") in msg, msg


def test_an_old_plan_still_applies_when_nothing_changed(emulator, run_playbook, tmp_path):
    """No expiry (docs/awx.md): a plan approved long ago applies when the account and the declaration are as then."""
    path, _run = approve(run_playbook, tmp_path, emulator)
    data = json.loads(path.read_text())
    sealed = data["user_groups_approved_plan"][emulator.account_id]
    plan = json.loads(base64.b64decode(sealed["plan"]))
    plan["planned_at"] = "2020-01-01T00:00:00Z"  # not in the digest: when it was made is for messages only
    data["user_groups_approved_plan"][emulator.account_id] = dict(
        sealed, planned_at=plan["planned_at"], plan=base64.b64encode(json.dumps(plan).encode("utf-8")).decode("ascii"))
    path.write_text(json.dumps(data))
    run = apply_approved(run_playbook, emulator, path)
    assert run.rc == 0, run
    assert emulator.group_by_name("Hostile Ops") is not None
