# -*- coding: utf-8 -*-
"""Approved plans against the emulator: the check run writes the plan (user_groups_plan_out), the real run applies it
(user_groups_approved_plan) only when the account and the declaration are as they were at approval.

Each change injected between the two runs (a member added by hand, a policy changed, the declaration edited, a group
deleted, a group renamed, a new undeclared group under purge) fails the real run with zero writes (the request log),
naming the group and the change.
"""
from __future__ import absolute_import, division, print_function

import base64
import copy
import json

import pytest

from harness import UG, apply_role, make_group, normalized_groups, plan_result

OPS, NEW, LEGACY = "Approved Ops", "Approved New", "Approved Legacy"
DECLARATION = [
    {"name": OPS, "members": ["alice@example.com", "bob@example.com"],
     "policies": [{"permission_groups": ["Administrator Read Only"]}]},
    {"name": NEW, "members": ["carol@example.com"], "policies": []},
]
SWITCHES = {"user_groups_purge": True, "user_groups_purge_exclude": ["^Okta"], "user_groups_max_removal_ratio": 1}
EXPECTED = {OPS: {"members": ["alice@example.com", "bob@example.com"],
                  "policies": [("allow", ("admin_readonly",), ("account",))]},
            NEW: {"members": ["carol@example.com"], "policies": []}}


def account_policy(emulator, label):
    return {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id(label)}],
            "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                                           "objects": [{"key": "*"}]}}]}


@pytest.fixture
def account(emulator):
    """Ops (alice, Analytics: the plan adds bob and replaces the policy), Legacy (undeclared: the purge deletes it)."""
    ops = make_group(emulator, OPS, members=["alice@example.com"], policies=[account_policy(emulator, "analytics")])
    legacy = make_group(emulator, LEGACY, members=["dave@example.com"])
    return {"ops": ops, "legacy": legacy}


def approve(run_playbook, tmp_path, emulator, declaration=None, **extra):
    """The check run with user_groups_plan_out: zero writes; returns the plan file's path and its content."""
    path = tmp_path / "approved-plan.json"
    switches = dict(SWITCHES, user_groups_plan_out=str(path), **extra)
    emulator.clear_requests()
    run = apply_role(run_playbook, declaration or DECLARATION, check=True, diff=True, **switches)
    assert run.rc == 0, run
    assert emulator.writes() == []
    with open(str(path)) as handle:
        return path, json.load(handle), run


def apply_approved(run_playbook, emulator, path, declaration=None, check=False, **extra):
    emulator.clear_requests()
    return run_playbook(tasks=[{"name": "Apply the user groups role",
                                "ansible.builtin.include_role": {"name": "cfiam.user_groups.user_groups"}}],
                        vars=dict(SWITCHES, user_groups=declaration or DECLARATION, **extra), check=check,
                        args=["-e", "@%s" % path])


def opened(sealed):
    """The plan inside a sealed entry (base64 of its JSON)."""
    return json.loads(base64.b64decode(sealed["plan"]))


def sealed_as(entry):
    """An entry sealed the way the role seals it, with its digest as it stands (a hand-made file)."""
    return {"format": entry["format"], "digest": entry["digest"], "account": entry["account"], "summary": [],
            "planned_at": entry["planned_at"],
            "plan": base64.b64encode(json.dumps(entry).encode("utf-8")).decode("ascii")}


def refused(run, emulator, *texts):
    """The real run failed in the plan, before any write, with the fix first and every text in the message."""
    assert run.rc != 0, run
    assert emulator.writes() == [], emulator.writes()
    msg = plan_result(run)["result"]["msg"]
    assert msg.startswith("Failed to plan the user groups of account %s: run the check job again" %
                          emulator.account_id), msg
    for text in texts:
        assert text in msg, (text, msg)
    assert [r["task"] for r in run.records if r["task"].endswith("Create or update the groups")] == [], run
    return msg


def test_plan_out_is_written_loadable_and_keyed_by_account(emulator, run_playbook, tmp_path, account):
    path, data, run = approve(run_playbook, tmp_path, emulator)
    assert list(data) == ["user_groups_approved_plan"]
    plans = data["user_groups_approved_plan"]
    assert sorted(plans) == [emulator.account_id]
    sealed = plans[emulator.account_id]
    assert sealed["format"] == 2 and sealed["account"] == {"id": emulator.account_id, "name": None}
    assert sorted(sealed["summary"]) == sorted([
        "group '%s': create, add members carol@example.com" % NEW,
        "group '%s': update, add members bob@example.com, attach allow Administrator Read Only on account, detach "
        "allow Analytics on account" % OPS, "group '%s' (%s): delete" % (LEGACY, account["legacy"])])
    plan = opened(sealed)
    assert plan["format"] == 2 and plan["account"]["id"] == emulator.account_id and plan["digest"] == sealed["digest"]
    assert sorted(plan["changes"]["groups"]) == sorted([OPS, NEW])
    assert plan["changes"]["groups"][NEW]["action"] == "create"
    assert plan["changes"]["groups"][OPS]["members"] == {"add": [emulator.member_id("bob@example.com")],
                                                         "remove": []}
    assert plan["changes"]["delete"] == {account["legacy"]: LEGACY}
    assert plan["read"]["groups"][NEW] is None
    ops = plan["read"]["groups"][OPS]
    assert ops["id"] == account["ops"] and ops["fields"] == {"name": OPS}
    assert ops["members"] == [emulator.member_id("alice@example.com")]
    assert [p["permission_groups"] for p in ops["policies"]] == [[{"id": emulator.permission_group_id("analytics")}]]
    assert "id" not in json.dumps(ops["policies"][0]["resource_groups"])  # an inline scope: no regenerated id
    assert plan["read"]["deleted"][account["legacy"]]["members"] == [emulator.member_id("dave@example.com")]
    assert plan["labels"][emulator.member_id("bob@example.com")] == "bob@example.com"
    result = plan_result(run)["result"]
    assert result["approval"]["plan_out"] == str(path) and result["approval"]["digest"] == plan["digest"]
    assert result["approved_plan"] == plans
    assert ("plan %s written to %s for approval" % (plan["digest"][:12], path)) in run.stdout
    # ansible-playbook loads it as the variable it names
    check = apply_approved(run_playbook, emulator, path, check=True)
    assert check.rc == 0 and emulator.writes() == [], check
    assert plan_result(check)["result"]["approval"]["approved"] == plan["digest"]


def test_unchanged_account_applies_exactly_the_approved_plan(emulator, run_playbook, tmp_path, account):
    path, data, _run = approve(run_playbook, tmp_path, emulator)
    digest = data["user_groups_approved_plan"][emulator.account_id]["digest"]
    run = apply_approved(run_playbook, emulator, path)
    assert run.rc == 0, run
    assert plan_result(run)["result"]["approval"]["approved"] == digest
    groups = normalized_groups(emulator.state())
    assert dict((k, v) for k, v in groups.items() if k != "Okta Contractors") == EXPECTED
    writes = sorted((w["method"], w["path"].split("/iam/user_groups")[-1]) for w in emulator.writes())
    new = emulator.group_by_name(NEW)["id"]
    assert writes == sorted([
        ("POST", ""),  # create NEW
        ("POST", "/%s/members" % new),  # its member
        ("POST", "/%s/members" % account["ops"]),  # bob
        ("PUT", "/%s" % account["ops"]),  # the policies
        ("DELETE", "/%s" % account["legacy"]),  # the purge
    ]), writes
    # nothing left to do: the same approved plan no longer matches (the account is as planned, not as approved)
    again = apply_approved(run_playbook, emulator, path)
    refused(again, emulator, "group '%s'" % NEW, "appeared since approval")


def add_member_by_hand(emulator, account):
    resp = emulator.api("POST", UG + "/%s/members" % account["ops"], json=[{"id": emulator.member_id(
        "erin@example.com")}])
    assert resp.status_code == 200, resp.text


def change_policy_by_hand(emulator, account):
    resp = emulator.api("PUT", UG + "/%s" % account["ops"], json={
        "name": OPS, "policies": [account_policy(emulator, "analytics"), account_policy(emulator, "admin")]})
    assert resp.status_code == 200, resp.text


def delete_group_by_hand(emulator, account):
    assert emulator.api("DELETE", UG + "/%s" % account["ops"]).status_code == 200


def rename_group_by_hand(emulator, account):
    resp = emulator.api("PUT", UG + "/%s" % account["ops"], json={
        "name": "Approved Ops (old)", "policies": [account_policy(emulator, "analytics")]})
    assert resp.status_code == 200, resp.text


def add_group_by_hand(emulator, _account):
    make_group(emulator, "Approved Stray", members=["frank@example.com"])


def remove_legacy_member_by_hand(emulator, account):
    member = emulator.member_id("dave@example.com")
    assert emulator.api("DELETE", UG + "/%s/members/%s" % (account["legacy"], member)).status_code == 200


CHANGES = [
    (add_member_by_hand, ["group '%s'" % OPS, "member was added since approval: erin@example.com"]),
    (change_policy_by_hand, ["group '%s'" % OPS, "policy was added since approval: allow Administrator on account"]),
    (delete_group_by_hand, ["group '%s'" % OPS, "it was deleted since approval (id {ops})"]),
    (rename_group_by_hand, ["group '%s'" % OPS, "it was renamed to 'Approved Ops (old)' since approval (id {ops})"]),
    (add_group_by_hand, ["group 'Approved Stray' (", "appeared since approval", "the purge would now delete it"]),
    (remove_legacy_member_by_hand, ["group '%s' ({legacy})" % LEGACY,
                                    "member was removed since approval: dave@example.com"]),
]


@pytest.mark.parametrize("change, texts", CHANGES, ids=[c[0].__name__ for c in CHANGES])
def test_a_change_since_approval_fails_before_any_write(emulator, run_playbook, tmp_path, account, change, texts):
    path, _data, _run = approve(run_playbook, tmp_path, emulator)
    change(emulator, account)
    before = emulator.state()
    run = apply_approved(run_playbook, emulator, path)
    refused(run, emulator, *[t.format(**account) for t in texts])
    assert emulator.state()["user_groups"] == before["user_groups"] or normalized_groups(
        emulator.state()) == normalized_groups(before)


def test_declaration_edited_since_approval(emulator, run_playbook, tmp_path, account):
    path, _data, _run = approve(run_playbook, tmp_path, emulator)
    edited = copy.deepcopy(DECLARATION)
    edited[1]["members"].append("dave@example.com")
    edited.append({"name": "Approved Extra", "members": []})
    run = apply_approved(run_playbook, emulator, path, declaration=edited)
    msg = refused(run, emulator, "group '%s': the declaration or the role's variables changed since approval" % NEW,
                  "approved create, add members carol@example.com; now create, add members carol@example.com, "
                  "dave@example.com", "group 'Approved Extra': it is declared since approval")
    assert OPS not in msg  # unchanged groups are not listed
    # a role variable that changes the plan: the purge turned off
    run = apply_approved(run_playbook, emulator, path, user_groups_purge=False)
    refused(run, emulator, "group '%s' (%s): the purge no longer deletes it" % (LEGACY, account["legacy"]))


def test_check_mode_with_an_approved_plan_compares_too(emulator, run_playbook, tmp_path, account):
    path, _data, _run = approve(run_playbook, tmp_path, emulator)
    add_member_by_hand(emulator, account)
    run = apply_approved(run_playbook, emulator, path, check=True)
    refused(run, emulator, "erin@example.com")


def write_value(tmp_path, value):
    path = tmp_path / "given.json"
    path.write_text(json.dumps({"user_groups_approved_plan": value}))
    return path


def test_plan_of_another_account_or_malformed(emulator, run_playbook, tmp_path, account):
    _path, data, _run = approve(run_playbook, tmp_path, emulator)
    plans = data["user_groups_approved_plan"]
    entry = opened(plans[emulator.account_id])
    other = "f" * 32
    cases = [
        ({other: plans[emulator.account_id]}, "run the check job for account %s and approve its plan: "
         "user_groups_approved_plan holds no plan for it (it holds plans for %s)" % (emulator.account_id, other)),
        ({emulator.account_id: sealed_as(dict(entry, account={"id": other}))}, "it is the plan of account %s" % other),
        ({emulator.account_id: sealed_as(dict(entry, changes=dict(entry["changes"], delete={})))},
         "its digest does not match its content: it was edited after the check run"),
        ({emulator.account_id: dict(plans[emulator.account_id], digest="0" * 64)},
         "its digest is not the digest of its plan: it was edited after the check run"),
        ({emulator.account_id: dict(plans[emulator.account_id], format=7)}, "format 7"),
        (["not", "a", "mapping"], "user_groups_approved_plan must be a mapping of account ids to plans, got list"),
        (data, "user_groups_approved_plan is the whole file; load it with -e @PATH"),
    ]
    for value, text in cases:
        emulator.clear_requests()
        run = apply_approved(run_playbook, emulator, write_value(tmp_path, value))
        assert run.rc != 0 and emulator.writes() == [], run
        msg = plan_result(run)["result"]["msg"]
        assert text in msg, (text, msg)


def test_plan_out_in_a_real_run_is_not_written(emulator, run_playbook, tmp_path, account):
    path = tmp_path / "plan.json"
    run = apply_role(run_playbook, DECLARATION, user_groups_plan_out=str(path), **SWITCHES)
    assert run.rc == 0, run
    assert not path.exists()
    assert "user_groups_plan_out is written in check mode only" in run.output


def test_plan_out_never_overwrites_another_file(emulator, run_playbook, tmp_path, account):
    path = tmp_path / "approved-plan.json"
    path.write_text("precious: data\n")
    run = apply_role(run_playbook, DECLARATION, check=True, user_groups_plan_out=str(path), **SWITCHES)
    assert run.rc != 0 and path.read_text() == "precious: data\n"
    assert "it exists and is not a plan file the role wrote" in plan_result(run)["result"]["msg"]


def test_require_approved_plan_without_one(emulator, run_playbook, account):
    emulator.clear_requests()
    run = apply_role(run_playbook, DECLARATION, user_groups_require_approved_plan=True, **SWITCHES)
    assert run.rc != 0 and emulator.writes() == [], run
    assert ("Failed to plan the user groups of account %s: run the check job for account %s and approve its plan"
            % (emulator.account_id, emulator.account_id)) in plan_result(run)["result"]["msg"]
