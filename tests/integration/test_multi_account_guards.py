# -*- coding: utf-8 -*-
"""playbooks/multi_account keeps each account's declaration whatever happens to account names, and its output says
which account it is about:

* an account renamed in the dashboard, and a new account with the name of an existing one, change nothing for the
  existing accounts, even with purge: their declarations are found by account id (group_vars/account_<id>.yml);
* an account without a declaration of its own fails before anything is written to it, naming the file to write:
  one that comes from a shared place (group_vars/all.yml) does not say it is for the account
  (account_user_groups_for), and a declaration without a value (null) asks for ``[]``;
* export.yml refuses a directory where an account's file goes;
* every diff header and every warning names the account (name and id), in check mode and in a real run.

Asserted on the emulator's state and request log.
"""
from __future__ import absolute_import, division, print_function

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
    expected_example,
    run_ansible,
    state_of,
)

NEW_STAGING = account_id(len(EXAMPLE_ACCOUNTS))


@pytest.fixture
def example(emulator, tmp_path):
    emulator.set_state(example_state())
    emulator.clear_requests()
    work = tmp_path / "multi_account"
    shutil.copytree(EXAMPLE_DIR, str(work))
    return work


def site(emulator, work, *args):
    return run_ansible(emulator, ["site.yml"] + list(args), str(work), result_file=str(work / "results.jsonl"))


def rename_and_add_a_namesake(emulator):
    """Acme Production becomes 'Acme Production EU'; a new account is also named 'Acme Staging' (with a group of its
    own that a purge would delete, were the account given a declaration)."""
    state = emulator.state()
    for section in state["accounts"]:
        if section["account"]["id"] == account_id(0):
            section["account"]["name"] = "Acme Production EU"
    specs = list(EXAMPLE_ACCOUNTS) + [("Acme Staging", "standard", ["new-staging.example"], None)]
    namesake = accounts_state(specs, scim_in_first=False)["accounts"][-1]
    assert namesake["account"]["id"] == NEW_STAGING
    namesake["user_groups"].append({"id": "%032x" % 4242, "name": "Legacy", "policies": [], "members": [],
                                    "created_on": "2024-01-01T00:00:00Z", "modified_on": "2024-01-01T00:00:00Z"})
    state["accounts"].append(namesake)
    emulator.set_state(state)


def test_a_renamed_account_and_a_namesake_lose_nothing_even_with_purge(emulator, example):
    assert site(emulator, example).rc == 0
    assert state_of(emulator) == expected_example()
    rename_and_add_a_namesake(emulator)
    emulator.clear_requests()

    run = site(emulator, example, "-e", "user_groups_purge=true", "--diff")
    hosts = {"acme_production_eu", "acme_sandbox", "acme_staging_%s" % account_id(1)[:8],
             "acme_staging_%s" % NEW_STAGING[:8]}
    assert set(run.recap()) == hosts, run
    assert run.rc == 2, run
    (failed,) = run.failed()
    assert failed["host"] == "acme_staging_%s" % NEW_STAGING[:8]
    msg = " ".join(failed["result"]["msg"].split())
    assert "Account 'Acme Staging' (%s) has no declaration of its own: nothing was written to it" % NEW_STAGING in msg
    assert msg.startswith('Write group_vars/account_%s.yml with account_user_groups_for: "%s"' % (
        NEW_STAGING, NEW_STAGING)) and "account_user_groups: []" in msg, msg

    # nothing deleted, nothing written: every existing account already has its declaration, found by id
    assert emulator.writes() == []
    assert state_of(emulator) == expected_example()
    assert list(account_groups(emulator, NEW_STAGING)) == ["Legacy"]
    assert [e for e in emulator.requests() if NEW_STAGING in e["path"]] == []

    # the same run in check mode predicts no change for them
    emulator.clear_requests()
    run = site(emulator, example, "-e", "user_groups_purge=true", "--check")
    assert run.rc == 2 and sorted(run.changed_hosts()) == [], run
    assert emulator.writes() == []


def test_diff_headers_and_warnings_name_the_account(emulator, example):
    # an undeclared group of production that the purge exclusion of group_vars/cloudflare_accounts.yml protects
    reply = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": "Okta Admins"})
    assert reply.status_code == 200 and emulator.account_id == account_id(0), reply.text
    run = site(emulator, example, "--check", "--diff", "-e", "user_groups_purge=true")
    assert run.rc == 0, run
    out = " ".join(run.stdout.split())
    names = {account_id(0): "Acme Production", account_id(1): "Acme Staging", account_id(2): "Acme Sandbox"}
    for aid, name in names.items():
        assert "--- before: account '%s' (%s): user group 'Security Auditors'" % (name, aid) in out, (name, out[-3000:])
    said = " ".join(run.output.split())
    assert "account 'Acme Production' (%s): read " % account_id(0) in said
    assert "the purge spares 1 group (user_groups_purge_exclude)" in said
    plans = dict((r["host"], r["result"]) for r in run.records if r["task"].endswith("Plan the user groups of the account"))
    assert plans["acme_staging"]["account"] == {"id": account_id(1), "name": "Acme Staging"}
    assert [w for w in plans["acme_production"].get("warnings") or []
            if not w.startswith("account 'Acme Production' (%s): " % account_id(0))] == []

    # a real run: each write's diff names the account too
    run = site(emulator, example, "--diff")
    assert run.rc == 0, run
    out = " ".join(run.stdout.split())
    assert "--- before: account 'Acme Staging' (%s): user group 'Engineering'" % account_id(1) in out
    summaries = dict((r["host"], r["result"]["ansible_facts"]["user_groups_result"]) for r in run.records
                     if r["task"].endswith("Record what changed"))
    assert summaries["acme_sandbox"]["account"] == {"id": account_id(2), "name": "Acme Sandbox"}


def add_account_with_a_group(emulator, name="Acme Staging", groups=("Legacy",)):
    """A new account (a namesake of Acme Staging) with groups of its own, each with a member."""
    state = emulator.state()
    specs = list(EXAMPLE_ACCOUNTS) + [(name, "standard", ["new.example"], None)]
    namesake = accounts_state(specs, scim_in_first=False)["accounts"][-1]
    for n, group in enumerate(groups):
        namesake["user_groups"].append({"id": "%032x" % (4242 + n), "name": group, "policies": [], "members": [
            {"id": namesake["members"][0]["id"], "created_at": "2024-01-01T00:00:00Z"}],
            "created_on": "2024-01-01T00:00:00Z", "modified_on": "2024-01-01T00:00:00Z"})
    state["accounts"].append(namesake)
    emulator.set_state(state)


@pytest.mark.parametrize("shared", ["all.yml", "cloudflare_accounts.yml"])
def test_a_declaration_from_a_shared_place_is_not_the_accounts_own(emulator, example, shared):
    """account_user_groups in group_vars/all.yml (or the group every account is in) reaches a new account: without
    account_user_groups_for naming it, that account fails, and its group is not purged."""
    path = example / "group_vars" / shared
    path.write_text((path.read_text() if path.exists() else "---\n") + "account_user_groups: []\n")
    assert site(emulator, example).rc == 0
    add_account_with_a_group(emulator)
    emulator.clear_requests()
    run = site(emulator, example, "-e", "user_groups_purge=true", "-e", "user_groups_max_removal_ratio=1")
    assert run.rc == 2, run
    (failed,) = run.failed()
    msg = " ".join(failed["result"]["msg"].split())
    assert "has an account_user_groups that is not its own" in msg and "(account_user_groups_for is \"not set\")" \
        in msg, msg
    assert list(account_groups(emulator, NEW_STAGING)) == ["Legacy"]
    assert [e for e in emulator.requests() if NEW_STAGING in e["path"]] == []
    assert emulator.writes() == []
    assert state_of(emulator) == expected_example()


def test_a_file_copied_from_another_account_is_refused(emulator, example):
    """A copy of Acme Staging's file, saved under the new account's name, still says it is for Acme Staging."""
    add_account_with_a_group(emulator)
    source = example / "group_vars" / ("account_%s.yml" % account_id(1))
    (example / "group_vars" / ("account_%s.yml" % NEW_STAGING)).write_text(source.read_text())
    emulator.clear_requests()
    run = site(emulator, example, "-e", "user_groups_purge=true", "--limit", "acme_staging_%s" % NEW_STAGING[:8])
    assert run.rc == 2, run
    msg = " ".join(run.failed()[0]["result"]["msg"].split())
    assert "(account_user_groups_for is \"%s\")" % account_id(1) in msg, msg
    assert emulator.writes() == [] and list(account_groups(emulator, NEW_STAGING)) == ["Legacy"]


@pytest.mark.parametrize("content, said", [
    ("account_user_groups:\n", "without a value (null)"),
    ("account_user_groups: none\n", "that is not a list"),
], ids=["null", "a string"])
def test_a_declaration_that_is_no_list_asks_for_one(emulator, example, content, said):
    aid = account_id(2)
    (example / "group_vars" / ("account_%s.yml" % aid)).write_text(
        'account_user_groups_for: "%s"\n%s' % (aid, content))
    run = site(emulator, example, "--check")
    assert run.rc == 2, run
    (failed,) = run.failed()
    msg = " ".join(failed["result"]["msg"].split())
    assert msg.startswith("Write account_user_groups: [] in group_vars/account_%s.yml" % aid) and said in msg, msg
    assert emulator.writes() == []


def test_export_refuses_a_directory_where_an_accounts_file_goes(emulator, example):
    target = example / "exported" / ("account_%s.yml" % account_id(0))
    os.makedirs(str(target))
    run = run_ansible(emulator, ["export.yml", "-e", "user_groups_export_dir=exported"], str(example),
                      result_file=str(example / "results.jsonl"))
    fails = dict((r["host"], " ".join(r["result"].get("msg", "").split())) for r in run.failed())
    assert sorted(fails) == ["acme_production"], run
    assert fails["acme_production"].startswith("Move the directory %s away" % target) and "is a directory" in \
        fails["acme_production"], fails
    assert os.listdir(str(target)) == []
    # the other accounts were exported, each file naming its account
    for aid in (account_id(1), account_id(2)):
        text = (example / "exported" / ("account_%s.yml" % aid)).read_text()
        assert "account_user_groups_for: !unsafe '%s'" % aid in text or \
            'account_user_groups_for: !unsafe "%s"' % aid in text, text
    # the example's own group_vars hold hand-written declarations: the default export leaves them as they are
    before = (example / "group_vars" / ("account_%s.yml" % account_id(0))).read_text()
    run = run_ansible(emulator, ["export.yml"], str(example), result_file=str(example / "results.jsonl"))
    failed = sorted(r["host"] for r in run.failed())
    assert run.rc == 2 and failed == ["acme_production", "acme_sandbox", "acme_staging"], run
    assert (example / "group_vars" / ("account_%s.yml" % account_id(0))).read_text() == before
