# -*- coding: utf-8 -*-
"""probe1: hostile probes of issue 20's access review (cf_access_info and the report files)."""
from __future__ import absolute_import, division, print_function

import json
import os

import pytest

import access_state
import builders
from harness import REPO

PLAYBOOK = os.path.join(REPO, "playbooks", "access_report.yml")
MODES = ["inherited", "inherited_new_ids", "direct"]


def via_of(report, email):
    m = [m for m in report["members"] if m["email"] == email][0]
    return sorted((g["access"], g["permission_group"]["label"], g["scope_text"], tuple(g["via"])) for g in m["grants"])


def scenario():
    st = builders.demo_state()
    access_state._group(st, "G1", ["alice@example.com", "bob@example.com", "carol@example.com"])
    access_state._group(st, "G2", ["bob@example.com"])
    access_state.add_policy(st, "G1", ["dns"])
    access_state.add_policy(st, "G2", ["dns"])           # the same policy in two groups
    access_state.add_policy(st, "alice@example.com", ["dns"])  # alice: a direct copy of G1's policy
    access_state.add_policy(st, "dave@example.com", ["dns"])   # dave: in no group, same policy as G1
    access_state.add_policy(st, "G1", ["billing", "analytics"])  # a two-role policy
    access_state.add_policy(st, "carol@example.com", ["billing"])  # carol: one role of it directly
    return st


@pytest.mark.parametrize("mode", MODES)
def test_held_via_when_two_groups_hold_one_policy(emulator, run_playbook, tmp_path, mode):
    emulator.set_state(scenario())
    emulator.config(member_policies=mode)
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / "out")})
    assert run.rc == 0, run
    with open(str(tmp_path / "out" / "access-report.json")) as handle:
        report = json.load(handle)
    out = dict((e, via_of(report, e)) for e in ["alice@example.com", "bob@example.com", "carol@example.com",
                                                  "dave@example.com"])
    print("VIA", mode, json.dumps(out), report["summary"]["policy_ids_repeated"])
    assert ("allow", "dns", "account", ("group:G1", "group:G2")) in out["bob@example.com"]
    assert ("allow", "dns", "account", ("direct",)) in out["dave@example.com"]
    assert ("allow", "billing", "account", ("direct", "group:G1")) in out["carol@example.com"]
    if mode == "inherited":
        assert ("allow", "dns", "account", ("direct", "group:G1")) in out["alice@example.com"]


def report_of(emulator, run_playbook, tmp_path, state, mode="inherited", name="out"):
    emulator.set_state(state)
    emulator.config(member_policies=mode)
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / name)})
    assert run.rc == 0, run
    with open(str(tmp_path / name / "access-report.json")) as handle:
        return json.load(handle)


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: the listing proves it holds no inherited policy (bob, in G1 and G2, "
                   "lists none; or alice lists DNS twice), yet alice's direct copy of G1's policy is reported via "
                   "G1 only: no direct_policy finding")
@pytest.mark.parametrize("mode", ["inherited_new_ids", "direct"])
def test_probe_direct_copy_hidden_although_provable(emulator, run_playbook, tmp_path, mode):
    report = report_of(emulator, run_playbook, tmp_path, scenario(), mode)
    assert ("allow", "dns", "account", ("direct", "group:G1")) in via_of(report, "alice@example.com")
    assert ("direct_policy", "alice@example.com") in [(f["kind"], f["subject"]) for f in report["findings"]]


@pytest.mark.xfail(strict=True, reason="probe1 LOW: two groups with the same name: the matrix marks a member of one as a "
                   "member of both (the dot is by name)")
def test_probe_same_name_groups_matrix(emulator, run_playbook, tmp_path):
    st = builders.demo_state()
    access_state._group(st, "Ops", ["alice@example.com"])
    st["user_groups"].append(dict(st["user_groups"][-1], id="ab" * 16, members=[
        {"id": builders.hid("member", "bob@example.com"), "created_at": builders.DEMO_CREATED}]))
    report = report_of(emulator, run_playbook, tmp_path, st)
    with open(str(tmp_path / "out" / "access-report.html")) as handle:
        html = handle.read()
    row = [line for line in html.split("<tr") if 'data-email="alice@example.com"' in line][0]
    print("GROUPS", [(g["id"], g["name"], g["members"]) for g in report["groups"]])
    assert row.count('title="member of Ops"') == 1, row


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: md_text() writes 'None\\' before any value starting with # + - = "
                   "or > (m.group(1) is '' and falls back to group(3), None): '#ops' -> 'None\\#ops', the hostile "
                   "email '=cmd...' -> '### None\\=cmd...'; the Markdown names the wrong group or member")
@pytest.mark.parametrize("text", ["#ops", "-contractors@example.com", "+1", "> quote", "=cmd"])
def test_markdown_keeps_a_leading_block_marker_text(text):
    from ansible_collections.cfiam.user_groups.plugins.plugin_utils.access_report import md_text
    assert "None" not in md_text(text)


@pytest.mark.xfail(strict=True, reason="probe1 LOW: a previous report without account id (hand-edited, or another "
                   "tool's) is compared without any check; a malformed one fails with a bare Python error "
                   "(\"'str' object has no attribute 'get'\") that names neither the file nor the fix")
def test_previous_report_is_validated(emulator, run_playbook, tmp_path):
    emulator.set_state(access_state.access_review_state())
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / "r1")})
    assert run.rc == 0, run
    with open(str(tmp_path / "r1" / "access-report.json")) as handle:
        data = json.load(handle)
    bad = dict(data, members="abc")
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / "r2"),
                                                      "access_report_previous": str(tmp_path / "bad.json")})
    assert run.rc != 0 and "bad.json" in run.output, run
    other = dict(data)
    other.pop("account")
    (tmp_path / "noaccount.json").write_text(json.dumps(other))
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / "r3"),
                                                      "access_report_previous": str(tmp_path / "noaccount.json")})
    assert run.rc != 0, "a previous report of no known account was compared"
