# -*- coding: utf-8 -*-
"""probe1: hostile probes of playbooks/multi_account (issue 18 point 1, issue 20's multi-account report)."""
from __future__ import absolute_import, division, print_function

import json
import os
import shutil

import pytest

from accounts_harness import (
    EXAMPLE_ACCOUNTS,
    EXAMPLE_DIR,
    account_groups,
    account_id,
    accounts_state,
    example_state,
    run_ansible,
)

NEW = account_id(len(EXAMPLE_ACCOUNTS))


@pytest.fixture
def example(emulator, tmp_path):
    emulator.set_state(example_state())
    emulator.clear_requests()
    work = tmp_path / "multi_account"
    shutil.copytree(EXAMPLE_DIR, str(work))
    return work


def site(emulator, work, *args):
    return run_ansible(emulator, ["site.yml"] + list(args), str(work), result_file=str(work / "results.jsonl"))


def add_namesake(emulator, name="Acme Staging", groups=("Legacy",)):
    state = emulator.state()
    specs = list(EXAMPLE_ACCOUNTS) + [(name, "standard", ["new.example"], None)]
    namesake = accounts_state(specs, scim_in_first=False)["accounts"][-1]
    for n, g in enumerate(groups):
        namesake["user_groups"].append({"id": "%032x" % (4242 + n), "name": g, "policies": [], "members": [
            {"id": namesake["members"][0]["id"], "created_at": "2024-01-01T00:00:00Z"}],
            "created_on": "2024-01-01T00:00:00Z", "modified_on": "2024-01-01T00:00:00Z"})
    state["accounts"].append(namesake)
    emulator.set_state(state)


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: account_user_groups in group_vars/all.yml (or any group every "
                   "host is in) satisfies 'is defined' for a brand-new account: with purge its only group is deleted "
                   "and the shared groups created; the guard cannot tell a declaration of its own from an inherited one")
def test_probe_all_yml_declaration_reaches_a_new_account(emulator, example):
    """group_vars/all.yml (or any group every host is in) holding account_user_groups: the guard 'an account without a
    declaration of its own fails' only checks 'is defined', so a new account gets it, and with purge its only group
    is deleted (one removal always passes the ratio)."""
    (example / "group_vars" / "all.yml").write_text("account_user_groups: []\n")
    assert site(emulator, example).rc == 0
    add_namesake(emulator)
    emulator.clear_requests()
    run = site(emulator, example, "-e", "user_groups_purge=true")
    print("ALL", run.rc, run.recap(), [(w["method"], w["path"]) for w in emulator.writes()])
    assert list(account_groups(emulator, NEW)) == ["Legacy"], "the new account's group was deleted"


@pytest.mark.xfail(strict=True, reason="probe1 LOW: 'account_user_groups:' with no value passes the pre_task and "
                   "fails in the role with 'can only concatenate list (not NoneType) to list', no fix given")
def test_probe_null_declaration(emulator, example):
    (example / "group_vars" / ("account_%s.yml" % account_id(2))).write_text("account_user_groups:\n")
    run = site(emulator, example, "--check")
    fails = [(r["host"], " ".join(r["result"].get("msg", "").split())[:400]) for r in run.failed()]
    print("NULL", run.rc, fails)
    assert run.rc != 0 and "account_user_groups" in fails[0][1]


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: access_report_previous_dir is keyed by host name, which "
                   "follows the account name: after a rename the account's report silently has no 'changes' section "
                   "(issue 18's rule: nothing keyed by a name someone can change)")
def test_probe_access_report_previous_after_rename(emulator, example, tmp_path):
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % (tmp_path / "r1")], str(example))
    assert run.rc == 0, run
    state = emulator.state()
    for section in state["accounts"]:
        if section["account"]["id"] == account_id(0):
            section["account"]["name"] = "Acme Production EU"
    emulator.set_state(state)
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % (tmp_path / "r2"),
                                 "-e", "access_report_previous_dir=%s" % (tmp_path / "r1")], str(example))
    assert run.rc == 0, run
    print("DIRS", sorted(os.listdir(str(tmp_path / "r1"))), sorted(os.listdir(str(tmp_path / "r2"))))
    with open(str(tmp_path / "r2" / "acme_production_eu" / "access-report.json")) as handle:
        data = json.load(handle)
    assert "changes" in data, "the renamed account's report silently has no comparison"


@pytest.mark.xfail(strict=True, reason="probe1 LOW: multi_account/export.yml has no directory check: a directory at "
                   "the target fails with \"object of type 'dict' has no attribute 'checksum'\"")
def test_probe_multi_export_directory_target_and_default(emulator, example):
    os.makedirs(str(example / "exported" / ("account_%s.yml" % account_id(0))))
    run = run_ansible(emulator, ["export.yml", "-e", "user_groups_export_dir=exported"], str(example),
                      result_file=str(example / "results.jsonl"))
    fails = [(r["host"], " ".join(r["result"].get("msg", "").split())[:300]) for r in run.failed()]
    print("EXPDIR", run.rc, fails)
    assert "is a directory" in fails[0][1]
    before = (example / "group_vars" / ("account_%s.yml" % account_id(0))).read_text()
    run = run_ansible(emulator, ["export.yml"], str(example), result_file=str(example / "results.jsonl"))
    print("EXPDEFAULT", run.rc, sorted(r["host"] for r in run.failed()))
    assert (example / "group_vars" / ("account_%s.yml" % account_id(0))).read_text() == before
