# -*- coding: utf-8 -*-
"""Many accounts in one run: playbooks/multi_account over the cfiam.user_groups.accounts inventory.

* site.yml converges every selected account to shared_user_groups + its own group_vars/account_<id>.yml, leaves
  the account the inventory filters out alone (not one request), and changes nothing the second time;
* export.yml writes one declaration per account that site.yml then applies without a change (hostile names stay
  strings), and never overwrites a file that differs unless forced (then with a backup);
* a host without an account is named in the failure, with the fix; an account that disappears between the
  inventory and the run (403 code 9109) is named, and the other accounts still converge;
* the rate budget is shared by the forks: a controller-wide request rate under the emulator's budget gives no 429
  with one fork per account, and a token budget is counted exactly across the forks.
"""
from __future__ import absolute_import, division, print_function

import os
import shutil

import pytest
import yaml

from accounts_harness import (
    EXAMPLE_DIR,
    SCIM_GROUP,
    account_groups,
    account_id,
    example_state,
    expected_example,
    generated_accounts_dir,
    inventory_list,
    peak,
    run_ansible,
    state_of,
)

TOKEN = "multi-USER-token-3f9a61c2d0"


class UnsafeLoader(yaml.SafeLoader):
    """Reads an export as data: a value tagged !unsafe is its plain string."""


UnsafeLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


@pytest.fixture
def example(emulator, tmp_path):
    """A copy of playbooks/multi_account (its ansible.cfg applies: the runs start in it) and its accounts."""
    emulator.set_state(example_state())
    emulator.clear_requests()
    work = tmp_path / "multi_account"
    shutil.copytree(EXAMPLE_DIR, str(work))
    return work


def site(emulator, work, *args, **kw):
    return run_ansible(emulator, ["site.yml"] + list(args), str(work), result_file=str(work / "results.jsonl"), **kw)


def test_site_converges_every_account_and_leaves_the_others_alone(emulator, example):
    run = site(emulator, example, "--diff")
    assert run.rc == 0, run
    assert state_of(emulator) == expected_example()
    assert sorted(run.recap()) == ["acme_production", "acme_sandbox", "acme_staging"]
    globex = account_id(3)
    assert [e["path"] for e in emulator.requests() if globex in e["path"] or globex in str(e["query"])] == []
    # the role's summary per account
    summaries = dict((r["host"], r["result"]["ansible_facts"]["user_groups_result"]) for r in run.records
                     if r["task"].endswith("Record what changed"))
    assert sorted(summaries["acme_sandbox"]["created"]) == ["Billing", "Security Auditors"]
    created = ["Billing", "Engineering", "Engineering SRE", "Security Auditors"]
    assert sorted(summaries["acme_production"]["created"]) == created

    emulator.clear_requests()
    run = site(emulator, example)
    assert run.rc == 0, run
    assert run.changed_hosts() == [] and emulator.writes() == []
    assert state_of(emulator) == expected_example()


def test_limit_runs_one_account(emulator, example):
    run = site(emulator, example, "--limit", "acme_staging")
    assert run.rc == 0, run
    assert sorted(run.recap()) == ["acme_staging"]
    written = set(e["path"].split("/")[4] for e in emulator.writes())
    assert written == {account_id(1)}


def test_export_then_site_changes_nothing(emulator, example):
    assert site(emulator, example).rc == 0
    # changes by hand: a new group (with a name that would run a command if it were evaluated) and other members
    canary = example / "canary"
    hostile = "Hand made {{ lookup('ansible.builtin.pipe', 'touch %s') }}" % canary
    staging = emulator.clone(account_id=account_id(1))
    reply = staging.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": hostile, "policies": [
        {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("analytics")}],
         "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % account_id(1),
                                        "objects": [{"key": "*"}]}}]}]})
    assert reply.status_code == 200, reply.text
    engineering = emulator.group_by_name("Engineering")
    reply = emulator.api("PUT", "/accounts/{account_id}/iam/user_groups/%s/members" % engineering["id"],
                         json=[{"id": emulator.member_id("erin@example.com")}])
    assert reply.status_code == 200, reply.text
    before = state_of(emulator)

    export_dir = example / "group_vars"
    files = dict(("account_%s.yml" % account_id(k), "") for k in range(3))
    hand_written = dict((name, (export_dir / name).read_text()) for name in files)
    emulator.clear_requests()
    scim = ["-e", '{"user_groups_export_scim": ["^Okta"]}']
    # the declarations written by hand are never overwritten: every account fails, naming its file
    run = run_ansible(emulator, ["export.yml"] + scim, str(example), result_file=str(example / "results.jsonl"))
    assert run.rc == 2, run
    assert sorted(r["host"] for r in run.failed()) == ["acme_production", "acme_sandbox", "acme_staging"]
    msg = [r["result"]["msg"] for r in run.failed() if r["host"] == "acme_staging"][0]
    assert "%s exists and the export of account \"Acme Staging\" (%s) differs" % (
        export_dir / ("account_%s.yml" % account_id(1)), account_id(1)) in " ".join(msg.split()), msg
    assert "user_groups_export_force=true" in msg
    assert dict((name, (export_dir / name).read_text()) for name in files) == hand_written
    # asked for: replaced, each with a backup, the absolute path in the message
    run = run_ansible(emulator, ["export.yml", "-e", "user_groups_export_force=true"] + scim, str(example),
                      result_file=str(example / "results.jsonl"))
    assert run.rc == 0, run
    assert emulator.writes() == []
    backups = sorted(n for n in os.listdir(str(export_dir)) if n.endswith("~"))
    assert len(backups) == 3, backups
    for name in files:
        assert [(export_dir / b).read_text() for b in backups if b.startswith(name + ".")] == [hand_written[name]]
    shown = " ".join(r["result"]["msg"] for r in run.records if r["task"] == "Show what was exported")
    assert "written to %s" % (export_dir / ("account_%s.yml" % account_id(0))) in shown, shown
    assert "previous file kept as %s" % export_dir in shown
    for name in files:
        files[name] = (export_dir / name).read_text()
        assert emulator.token not in files[name]
    declared = dict((n, yaml.load(t, Loader=UnsafeLoader)["account_user_groups"]) for n, t in files.items())  # noqa: S506
    staging, sandbox, production = (declared["account_%s.yml" % account_id(k)] for k in (1, 2, 0))
    assert [g["name"] for g in staging] == ["Engineering", hostile]
    assert sandbox == []
    assert [g["name"] for g in production] == ["Engineering", "Engineering SRE", SCIM_GROUP]
    assert production[0]["members"] == ["erin@example.com"]
    assert production[2] == {"name": SCIM_GROUP, "scim": True,
                             "policies": [{"access": "allow", "permission_groups": ["analytics"]}]}
    text = files["account_%s.yml" % account_id(1)]
    assert "!unsafe 'Hand made {{ lookup(''ansible.builtin.pipe''" in text and text.count("!unsafe") >= 4
    assert '"Acme Staging" when exported' in text
    for text in files.values():  # the shared groups stay in group_vars/cloudflare_accounts.yml
        assert "Security Auditors" not in text and "Billing" not in text

    emulator.clear_requests()
    for check in (True, False):
        run = site(emulator, example, *(["--check", "--diff"] if check else []))
        assert run.rc == 0, run
        assert run.changed_hosts() == [] and emulator.writes() == []
    assert not canary.exists(), "a template in an exported name was evaluated"
    assert state_of(emulator) == before

    # the export again, without force: the same files, nothing to change, no backup
    run = run_ansible(emulator, ["export.yml"] + scim, str(example))
    assert run.rc == 0 and run.changed_hosts() == [], run
    assert len([n for n in os.listdir(str(export_dir)) if n.endswith("~")]) == 3


def test_a_host_without_an_account_is_named(emulator, example):
    (example / "static.ini").write_text("[web]\nweb1 ansible_connection=local\n")
    (example / "hosts_all.yml").write_text(yaml.safe_dump([{
        "name": "Every host", "hosts": "all", "gather_facts": False,
        "tasks": [{"name": "Read the groups", "cfiam.user_groups.cf_user_group_info": {}}]}]))
    run = run_ansible(emulator, ["-i", "accounts.cloudflare_accounts.yml", "-i", "static.ini", "hosts_all.yml"],
                      str(example), result_file=str(example / "results.jsonl"),
                      env={"CLOUDFLARE_ACCOUNT_ID": None, "ANSIBLE_INVENTORY_ENABLED": "cfiam.user_groups.accounts,ini"})
    assert run.rc == 2, run
    failed = run.failed()
    assert [r["host"] for r in failed] == ["web1"], run
    msg = failed[0]["result"]["msg"]
    for part in ("no Cloudflare account for host 'web1'", "cloudflare_account_id", "host_vars/web1.yml",
                 "hosts: cloudflare_accounts", "CLOUDFLARE_ACCOUNT_ID"):
        assert part in msg, (part, msg)
    assert failed[0]["result"]["api_requests"]["total"] == 0
    ok = sorted(r["host"] for r in run.records if r["status"] == "ok")
    assert ok == ["acme_production", "acme_sandbox", "acme_staging"]


@pytest.mark.parametrize("how", ["access removed", "account deleted"])
def test_an_account_gone_between_inventory_and_run(emulator, example, how):
    acme = [account_id(k) for k in range(3)]
    emulator.tokens([{"token": TOKEN, "name": "platform", "accounts": acme}])
    inventory = example / "accounts.cloudflare_accounts.yml"
    config = yaml.safe_load(inventory.read_text())
    config.update({"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_timeout": 3600,
                   "cache_connection": str(example / "cache")})
    inventory.write_text(yaml.safe_dump(config))
    env = {"CLOUDFLARE_API_TOKEN": TOKEN}
    run, data = inventory_list(emulator, str(inventory), str(example), env=env)  # AWX: the inventory sync
    assert run.rc == 0 and len(data["cloudflare_accounts"]["hosts"]) == 3, run

    gone = account_id(1)
    if how == "access removed":
        emulator.tokens([{"token": TOKEN, "name": "platform", "accounts": [acme[0], acme[2]]}])
    else:
        state = emulator.state()
        state["accounts"] = [a for a in state["accounts"] if a["account"]["id"] != gone]
        emulator.set_state(state)
    emulator.clear_requests()
    run = site(emulator, example, env=env)  # AWX: the job, on the synced inventory
    assert run.rc == 2, run
    failed = run.failed()
    assert sorted(set(r["host"] for r in failed)) == ["acme_staging"], run
    msg = failed[0]["result"]["msg"]
    for part in ("9109", "HTTP 403", "cannot see account %s" % gone, "lost access", "no longer exists",
                 "Refresh the inventory"):
        assert part in msg, (part, msg)
    assert TOKEN not in run.output
    assert [e for e in emulator.writes() if gone in e["path"]] == []
    assert account_groups(emulator, acme[0]) == expected_example()[acme[0]]
    assert account_groups(emulator, acme[2]) == expected_example()[acme[2]]
    # a fresh inventory no longer lists it, and the run succeeds
    run = site(emulator, example, "--flush-cache", env=env)
    assert run.rc == 0 and sorted(run.recap()) == ["acme_production", "acme_sandbox"], run


# --------------------------------------------------------------------------- one rate budget for every fork
SIZES = dict(n_groups=4, n_members=20, depth=2, members_per_group=3, policies_per_group=2, n_zones=2)


def test_forks_share_one_request_rate_under_the_emulators_budget(emulator, tmp_path):
    """6 accounts, one fork each: the emulator allows 20 requests per 2 s (then 429 for 10 s) and reports nothing in
    headers; the controller's shared budget of 6 requests per second (rate_limit_per_second, one file-locked store for
    every process) keeps the forks under it: no 429, every account converged.

    The token budget (rate_limit) has Cloudflare's 300 s window, too long for a test to run into; the next test
    proves that every fork counts against that store too.
    """
    work = tmp_path / "generated"
    state, expected = generated_accounts_dir(str(work), 6, **SIZES)
    emulator.set_state(state)
    emulator.rate_limit(budget=20, window_s=2, block_s=10, headers="none")
    emulator.clear_requests()
    run = site(emulator, work, "--forks", "6", env={"CLOUDFLARE_RATE_LIMIT_PER_SECOND": "6"})
    log = emulator.requests()
    assert emulator.rate_limited() == [] and [e for e in log if e["status"] == 429] == [], run
    assert run.rc == 0, run
    for aid, groups in expected.items():
        assert account_groups(emulator, aid) == groups, aid
    total = len(log)
    print("6 forks under 20 requests per 2 s: %d requests in %.1f s, peak %d per 2 s, %d per 1 s"
          % (total, log[-1]["at"] - log[0]["at"], peak(log, 2.0), peak(log, 1.0)))
    assert total > 100, total  # the budget was needed: 6 forks together ask for far more than 20 per 2 s
    assert peak(log, 2.0) <= 20
    assert peak(log, 1.0) <= 12, peak(log, 1.0)  # 6 per second, and some slack for the way to the server
    assert log[-1]["at"] - log[0]["at"] >= total / 6.0 - 2
    waited = [res["api_requests"]["waited"] for r in run.records for res in [r["result"]] + list(
        r["result"].get("results") or []) if isinstance(res.get("api_requests"), dict)]
    assert sum(waited) > 0


def item_failed(res):
    """A failed result or loop item as a callback sees it: ansible-core 2.21 leaves ``failed`` out of the results it
    hands to callbacks and marks a failure without a traceback with ``exception: (traceback unavailable)``."""
    return bool(res.get("failed") or "exception" in res)


def test_a_token_budget_is_counted_across_every_fork(emulator, tmp_path):
    """rate_limit=40 per 300 s, no waiting allowed (max_total_wait=1): every fork and the inventory together send
    exactly 40 requests, although each account alone needs fewer; the rest fail saying why, and nothing more is sent."""
    work = tmp_path / "generated"
    state, _expected = generated_accounts_dir(str(work), 6, **SIZES)
    emulator.set_state(state)
    emulator.clear_requests()
    run = site(emulator, work, "--forks", "6",
               env={"CLOUDFLARE_RATE_LIMIT": "40", "CLOUDFLARE_MAX_TOTAL_WAIT": "1"})
    assert run.rc == 2, run
    assert len(emulator.requests()) == 40
    per_account = {}
    for entry in emulator.requests():
        parts = entry["path"].split("/")
        key = parts[4] if len(parts) > 4 and parts[3] == "accounts" else entry["query"].get("account.id", "other")
        per_account[key] = per_account.get(key, 0) + 1
    assert max(per_account.values()) < 40, per_account
    refused = [res["msg"] for r in run.failed() for res in [r["result"]] + list(r["result"].get("results") or [])
               if item_failed(res) and isinstance(res.get("api_requests"), dict)]
    assert refused and all("budget of 40 requests per 300 s" in m and "counted across every process" in m
                           for m in refused), refused
