# -*- coding: utf-8 -*-
"""Scheduled drift jobs (docs/drift.md): ``user_groups_fail_on_drift`` and ``user_groups_report_file``.

test_drift.py shows that check mode reports out-of-band changes and a real run repairs them; here the nightly job
itself: a check-mode run that finds drift fails after its diff with one message, writes a report per group (Markdown
or JSON, parsed here), and writes nothing to the account (the request log); a run without drift passes and its report
says so. Each kind of drift: a member added by hand, a policy changed, a group deleted, an undeclared group under
purge, and a purge the removal ratio refuses. A bad file name fails before any request; hostile group names neither
break the Markdown nor get templated.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import re

import pytest

from harness import UG, apply_role, make_group, role_tasks, write_playbook

DECLARATION = [
    {"name": "Drift Job Eng", "members": ["alice@example.com", "bob@example.com"],
     "policies": [{"permission_groups": ["admin_readonly"]}]},
    {"name": "Drift Job Web", "members": ["carol@example.com"],
     "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}]},
    {"name": "Drift Job Ops", "scim": False, "members": ["dave@example.com"], "policies": []},
]
FAIL_TASK = "cfiam.user_groups.user_groups : Fail on drift"
REFUSED_TASK = "cfiam.user_groups.user_groups : Fail on the drift of the refused plan"
HOSTILE = "Evil | *x* [l](u) <b>b</b> {{ lookup('env', 'HOME') }}\n# head {% raw %}"


def drift_job(run_playbook, report, check=True, diff=True, **switches):
    """One run of the role as a drift job: fail_on_drift and the report file (relative to the run's directory)."""
    switches.setdefault("user_groups_fail_on_drift", True)
    switches.setdefault("user_groups_purge_exclude", ["Okta Contractors"])  # the seed's SCIM group
    if report is not None:
        switches["user_groups_report_file"] = report
    return apply_role(run_playbook, DECLARATION, check=check, diff=diff, **switches)


@pytest.fixture
def converged(emulator, run_playbook):
    run = apply_role(run_playbook, DECLARATION)
    assert run.rc == 0, run
    emulator.clear_requests()
    return emulator


def read_report(tmp_path, name):
    with open(str(tmp_path / name)) as handle:
        text = handle.read()
    return json.loads(text) if name.endswith(".json") else text


def groups_of(report):
    return dict((g["name"], g) for g in report["groups"])


def fail_msg(run, task=FAIL_TASK):
    return " ".join(run.task(task)["msg"].split())


def md_sections(text):
    """{'### heading': [its lines]} of a Markdown report."""
    sections, current = {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            current = line
            sections[current] = []
        elif current is not None and line.strip():
            sections[current].append(line)
    return sections


def test_no_drift_passes_and_says_so(converged, run_playbook, tmp_path):
    run = drift_job(run_playbook, "drift.json")
    assert run.rc == 0, [(r["task"], r["result"].get("msg")) for r in run.failed]
    assert converged.writes() == []
    assert run.status(FAIL_TASK) == "skipped"
    report = read_report(tmp_path, "drift.json")
    assert report["status"] == "no drift" and report["drift"] is False and report["groups"] == []
    assert report["mode"] == "check" and report["account"]["id"] == converged.account_id
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", report["generated_at"]), report
    assert report["message"].startswith("No drift in account %s: the 3 declared groups match" % converged.account_id)

    run = drift_job(run_playbook, "drift.md")
    assert run.rc == 0, run
    text = read_report(tmp_path, "drift.md")
    assert "- Result: **no drift**" in text and "No drift: the account matches the declaration." in text
    assert "- Run: check mode (nothing written)" in text and converged.account_id in text
    assert converged.writes() == []
    assert run.recap_changed == 0, run  # writing the report is no change to the account


def make_drift(emulator):
    """The dashboard: a member added, a policy's zone changed, a group deleted, an undeclared group made."""
    eng = emulator.group_by_name("Drift Job Eng")
    resp = emulator.api("POST", UG + "/%s/members" % eng["id"], json=[{"id": emulator.member_id("erin@example.com")}])
    assert resp.status_code == 200, resp.text
    web = emulator.group_by_name("Drift Job Web")
    zone_scope = {"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                            "objects": [{"key": "com.cloudflare.api.account.zone.%s" % emulator.zone_id("example.net")}]}}
    resp = emulator.api("PUT", UG + "/" + web["id"], json={"name": "Drift Job Web", "policies": [
        {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_dns")}],
         "resource_groups": [zone_scope]}]})
    assert resp.status_code == 200, resp.text
    ops = emulator.group_by_name("Drift Job Ops")
    assert emulator.api("DELETE", UG + "/" + ops["id"]).status_code == 200
    make_group(emulator, "Drift Job Stray", members=["frank@example.com"])
    emulator.clear_requests()


@pytest.mark.parametrize("name", ["drift.json", "drift.md"])
def test_each_kind_of_drift_fails_after_the_diff_with_zero_writes(converged, run_playbook, tmp_path, name):
    make_drift(converged)
    before = converged.state()
    run = drift_job(run_playbook, name, user_groups_purge=True, user_groups_max_removal_ratio=1)
    assert run.rc == 2, run
    assert converged.writes() == [] and converged.state() == before
    # the diff came first, then the one failure
    assert [r["task"] for r in run.failed] == [r["task"] for r in run.records if r["task"].endswith(FAIL_TASK)]
    assert "user group 'Drift Job Eng'" in run.output and run.output.index("Drift Job Eng") < run.output.index(
        "fatal:")
    msg = fail_msg(run)
    assert msg.startswith("Drift in account %s: 4 groups differ from the declaration: " % converged.account_id), msg
    for part in ("'Drift Job Eng' (update, 1 member to remove)", "'Drift Job Ops' (create, 1 member to add)",
                 "'Drift Job Web' (update, 1 policy to attach, 1 policy to detach)",
                 "'Drift Job Stray' (delete, 1 member to remove)", "Check mode: nothing was written",
                 "Report: %s." % os.path.realpath(str(tmp_path / name))):
        assert part in msg, msg

    if name.endswith(".json"):
        report = read_report(tmp_path, name)
        assert report["status"] == "drift" and report["drift"] is True and report["mode"] == "check"
        groups = groups_of(report)
        assert sorted(groups) == ["Drift Job Eng", "Drift Job Ops", "Drift Job Stray", "Drift Job Web"]
        assert groups["Drift Job Eng"]["changes"] == ["update"]
        assert groups["Drift Job Eng"]["members_to_remove"] == ["erin@example.com"]
        assert groups["Drift Job Ops"]["changes"] == ["create"]
        assert groups["Drift Job Ops"]["members_to_add"] == ["dave@example.com"]
        web = groups["Drift Job Web"]
        assert [p["text"] for p in web["policies_to_attach"]] == ["allow Domain DNS on zones: example.com"]
        assert [p["text"] for p in web["policies_to_detach"]] == ["allow Domain DNS on zones: example.net"]
        assert web["policies_to_attach"][0]["zones"] == ["example.com"]
        stray = groups["Drift Job Stray"]
        assert stray["changes"] == ["delete"] and stray["members_to_remove"] == ["frank@example.com"]
        assert stray["id"] == converged.group_by_name("Drift Job Stray")["id"]
        assert report["message"] == run.task(FAIL_TASK)["msg"]
    else:
        sections = md_sections(read_report(tmp_path, name))
        assert sections["### Drift Job Eng: update"] == ["- Members to remove (1):", "  - erin@example.com"]
        assert sections["### Drift Job Web: update"] == [
            "- Policies to attach (1):", "  - allow Domain DNS on zones: example.com",
            "- Policies to detach (1):", "  - allow Domain DNS on zones: example.net"]
        assert sections["### Drift Job Ops: create"] == ["- Members to add (1):", "  - dave@example.com"]
        stray = sections["### Drift Job Stray: delete"]
        assert stray[1:] == ["- Members who lose it (1):", "  - frank@example.com"] and stray[0].startswith("- Id: ")
        title = sections["# Drift report: %s" % converged.account_id]
        assert "## Groups (4)" in sections and "- Result: **drift in 4 group(s)**" in title


def test_without_fail_on_drift_the_job_is_green_and_still_reports(converged, run_playbook, tmp_path):
    make_drift(converged)
    run = drift_job(run_playbook, "drift.json", user_groups_fail_on_drift=False, user_groups_purge=True,
                    user_groups_max_removal_ratio=1)
    assert run.rc == 0, run
    assert converged.writes() == []
    assert run.status(FAIL_TASK) == "skipped"
    assert len(read_report(tmp_path, "drift.json")["groups"]) == 4


def test_a_real_run_repairs_and_reports_without_failing(converged, run_playbook, tmp_path):
    make_drift(converged)
    run = drift_job(run_playbook, "drift.json", check=False, user_groups_purge=True, user_groups_max_removal_ratio=1)
    assert run.rc == 0, run
    assert converged.writes()  # repaired
    report = read_report(tmp_path, "drift.json")
    assert report["mode"] == "real" and len(report["groups"]) == 4
    assert set(g["outcome"] for g in report["groups"]) == {"repaired"}
    converged.clear_requests()
    run = drift_job(run_playbook, "drift.json", user_groups_purge=True)
    assert run.rc == 0, run
    assert read_report(tmp_path, "drift.json")["status"] == "no drift"


def test_a_refused_purge_counts_as_drift(converged, run_playbook, tmp_path):
    for index in range(3):  # 3 undeclared groups of 7: more than the default ratio (0.25)
        make_group(converged, "Drift Job Stray %d" % index)
    run = drift_job(run_playbook, "drift.json", user_groups_purge=True)
    assert run.rc == 2, run
    assert converged.writes() == []
    report = read_report(tmp_path, "drift.json")
    assert report["status"] == "refused" and report["drift"] is True and report["mode"] == "check"
    assert report["account"]["id"] == converged.account_id
    assert "user_groups_max_removal_ratio" in report["refusal"]["msg"]
    msg = fail_msg(run, REFUSED_TASK)
    assert msg.startswith("Drift check of account %s: the plan was refused before any write" % converged.account_id)
    assert "a refusal counts as drift" in msg and "delete 3 of the account's 7 user groups" in msg, msg

    run = drift_job(run_playbook, "drift.md", user_groups_purge=True)
    assert run.rc == 2, run
    text = read_report(tmp_path, "drift.md")
    assert "- Result: **refused (counts as drift)**" in text and "## Refused" in text


@pytest.mark.parametrize("path, fix", [
    ("drift.txt", "Set user_groups_report_file to a path ending in .md (Markdown) or .json (JSON); got \"drift.txt\"."),
    ("missing/drift.md", "Create the directory \"{tmp}/missing\" on the controller"),
])
def test_a_bad_report_file_fails_before_any_request(emulator, run_playbook, tmp_path, path, fix):
    emulator.clear_requests()
    run = drift_job(run_playbook, path)
    assert run.rc == 2, run
    assert emulator.requests() == []
    (failed,) = run.failed
    msg = " ".join(failed["result"]["msg"].split())
    fix = fix.format(tmp=os.path.realpath(str(tmp_path)))
    assert msg.startswith(fix) and msg.endswith("Nothing was read or written."), msg
    assert not os.path.exists(str(tmp_path / path))


def test_two_hosts_cannot_share_one_report_file(emulator, run_playbook, tmp_path):
    playbook = write_playbook(str(tmp_path / "two.yml"), role_tasks(), vars={
        "user_groups": DECLARATION, "user_groups_report_file": "drift.md"})
    with open(playbook) as handle:
        play = json.load(handle)
    play[0]["hosts"] = "acct_a:acct_b"
    with open(playbook, "w") as handle:
        json.dump(play, handle)
    emulator.clear_requests()
    run = run_playbook(playbook=playbook, check=True, args=["-i", "acct_a,acct_b,", "-c", "local"])
    assert run.rc == 2, run
    assert emulator.requests() == []
    msgs = sorted(" ".join(r["result"]["msg"].split()) for r in run.failed)
    assert len(msgs) == 2 and all("Give each host its own user_groups_report_file, such as "
                                  "drift/{{ inventory_hostname }}.md:" in m for m in msgs), msgs
    assert "acct_a and acct_b would write the same file \"%s\"" % os.path.realpath(str(tmp_path / "drift.md")) \
        in msgs[0], msgs

    # one file per host: both pass
    play[0]["vars"]["user_groups_report_file"] = "drift-{{ inventory_hostname }}.json"
    with open(playbook, "w") as handle:
        json.dump(play, handle)
    run = run_playbook(playbook=playbook, check=True, args=["-i", "acct_a,acct_b,", "-c", "local"])
    assert run.rc == 0, run
    assert read_report(tmp_path, "drift-acct_a.json")["status"] == "drift"  # the groups are not there yet
    assert read_report(tmp_path, "drift-acct_b.json")["status"] == "drift"


def test_hostile_group_names_neither_break_the_markdown_nor_get_templated(converged, run_playbook, tmp_path):
    make_group(converged, HOSTILE, members=["frank@example.com"])
    for name in ("drift.md", "drift.json"):
        run = drift_job(run_playbook, name, user_groups_purge=True, user_groups_max_removal_ratio=1)
        assert run.rc == 2, run
        assert converged.writes() == []
    report = read_report(tmp_path, "drift.json")
    assert [g["name"] for g in report["groups"]] == [HOSTILE]  # exactly, not templated
    text = read_report(tmp_path, "drift.md")
    home = os.path.expanduser("~")
    assert home not in text and "lookup(" in text
    assert "{{" not in text and "{%" not in text and "<b>" not in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Drift report: %s" % converged.account_id, "## Groups (1)",
                        "### Evil &#124; \\*x\\* \\[l\\](u) &lt;b&gt;b&lt;/b&gt; &#123;&#123; lookup(&#39;env&#39;, "
                        "&#39;HOME&#39;) &#125;&#125; # head &#123;% raw %&#125;: delete", "## Notes"], headings
    assert home not in fail_msg(run) and "lookup('env', 'HOME')" in fail_msg(run)
