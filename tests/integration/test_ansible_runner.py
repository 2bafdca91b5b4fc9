# -*- coding: utf-8 -*-
"""The user_groups role through ansible-runner, the engine AWX and AAP run jobs with.

The credential reaches the playbook the way AWX gives it: the injectors of the custom
credential type in extensions/awx/credential_type.yml are rendered with the credential's
inputs and passed to ansible-runner as ``envvars`` (AWX also omits runner's env files,
``suppress_env_files``). The playbook itself names no credential. The four steps (check,
real, check, real) run as four runner jobs in one private data dir, and the emulator's
state and request log are the proof. The token must not appear in any job event, the
job's stdout, or any file under artifacts/, with one exception that is ansible-runner's
by design: artifacts/<ident>/command records the process environment (mode 0600), which
AWX does not keep (it stores events and stdout only); the test checks that file's mode.

The multi-account site playbook runs the same way over the cfiam.user_groups.accounts inventory, fed by one
credential of the type (a token without an account id) for both the inventory and the playbook.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import shutil
import stat
import sys

import jinja2.sandbox
import pytest
import yaml

_EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator")
if _EMULATOR_DIR not in sys.path:
    sys.path.insert(0, _EMULATOR_DIR)

from pytest_plugin import EmulatorClient, EmulatorProcess  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REPO, ansible_bin, ansible_env  # noqa: E402  pylint: disable=wrong-import-position
from accounts_harness import (  # noqa: E402  pylint: disable=wrong-import-position
    EXAMPLE_DIR,
    example_state,
    expected_example,
    state_of,
)

ansible_runner = pytest.importorskip("ansible_runner")

TOKEN = "cfiam-RUNNER-token-5c2e81d09a"
CREDENTIAL_TYPE = os.path.join(REPO, "extensions", "awx", "credential_type.yml")
DECLARATION = [
    {"name": "Runner Platform", "members": ["alice@example.com"],
     "policies": [{"permission_groups": ["admin_readonly"]}],
     "children": [{"name": "Runner DNS", "members": ["bob@example.com"],
                   "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}]}]},
]


@pytest.fixture(scope="module")
def runner_server():
    proc = EmulatorProcess(extra_args=["--token", TOKEN])
    client = EmulatorClient(proc.base_url, token=TOKEN)
    try:
        yield client
    finally:
        proc.stop()


@pytest.fixture
def emulator(runner_server):
    """This module's emulator has a distinctive token, so a leak cannot hide behind a common string."""
    runner_server.reset()
    return runner_server


def injected_env(inputs):
    """What AWX injects for a credential of the custom type: its env injectors rendered with the inputs."""
    with open(CREDENTIAL_TYPE) as handle:
        credential_type = yaml.safe_load(handle)
    fields = [f["id"] for f in credential_type["inputs"]["fields"]]
    assert set(credential_type["inputs"]["required"]) <= set(fields)
    values = dict((f, inputs.get(f, "")) for f in fields)
    sandbox = jinja2.sandbox.SandboxedEnvironment()
    return dict((key, sandbox.from_string(template).render(**values))
                for key, template in credential_type["injectors"]["env"].items())


def test_credential_type_injects_the_connection_variables():
    env = injected_env({"api_token": "t", "account_id": "a"})
    assert env == {"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_ACCOUNT_ID": "a",
                   "CLOUDFLARE_BASE_URL": "https://api.cloudflare.com/client/v4", "CLOUDFLARE_RATE_LIMIT": "1100"}
    assert injected_env({"api_token": "t", "account_id": "a", "base_url": "https://x.test/v4"})[
        "CLOUDFLARE_BASE_URL"] == "https://x.test/v4"
    # one credential for the accounts inventory and its jobs: no account, a share of the budget per job slice
    env = injected_env({"api_token": "t", "rate_limit": "275"})
    assert env["CLOUDFLARE_ACCOUNT_ID"] == "" and env["CLOUDFLARE_RATE_LIMIT"] == "275"
    with open(CREDENTIAL_TYPE) as handle:
        assert yaml.safe_load(handle)["inputs"]["required"] == ["api_token"]


def test_role_through_ansible_runner_with_injected_credential(emulator, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    play = {"name": "Cloudflare user groups", "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"user_groups": DECLARATION},
            "roles": [{"role": "cfiam.user_groups.user_groups"}]}
    (project / "user_groups.yml").write_text(json.dumps([play]))

    env = ansible_env(emulator)
    for key in list(env):
        if key.startswith("CLOUDFLARE_") or key in ("ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_PLUGINS"):
            del env[key]
    env["PATH"] = os.path.dirname(ansible_bin("ansible-playbook")) + os.pathsep + env.get("PATH", "")
    env.update(injected_env({"api_token": emulator.token, "account_id": emulator.account_id,
                             "base_url": emulator.base_url}))
    # A fresh private data dir: a stale env/envvars there would silently win over envvars=.
    private = tmp_path / "private"
    private.mkdir()

    def job(ident, check):
        emulator.clear_requests()
        runner = ansible_runner.run(private_data_dir=str(private), project_dir=str(project),
                                    playbook="user_groups.yml", ident=ident, inventory="localhost,",
                                    cmdline="--diff" + (" --check" if check else ""), envvars=env,
                                    suppress_env_files=True, process_isolation=False, quiet=True)
        stdout = runner.stdout.read()
        assert runner.status == "successful" and runner.rc == 0, (ident, runner.status, stdout[-3000:])
        events = list(runner.events)
        stats = [e for e in events if e["event"] == "playbook_on_stats"][-1]["event_data"]
        changed = sum((stats.get("changed") or {}).values())
        return changed, emulator.writes(), stdout, events

    changed, writes, _out, _ev = job("check1", check=True)
    assert changed > 0 and writes == []
    assert emulator.group_by_name("Runner Platform") is None

    changed, writes, _out, _ev = job("real1", check=False)
    assert changed > 0 and writes
    parent, child = emulator.group_by_name("Runner Platform"), emulator.group_by_name("Runner DNS")
    assert parent is not None and child is not None
    # membership rolls up: bob (child) is a member of the parent too
    assert sorted(m["id"] for m in parent["members"]) == sorted(
        emulator.member_id(e) for e in ("alice@example.com", "bob@example.com"))
    assert [m["id"] for m in child["members"]] == [emulator.member_id("bob@example.com")]
    assert [list(p["permission_groups"]) for p in child["policies"]] == [
        [emulator.permission_group_id("domain_dns")]]
    assert [list(p["permission_groups"]) for p in parent["policies"]] == [
        [emulator.permission_group_id("admin_readonly")]]

    for ident, check in (("check2", True), ("real2", False)):
        changed, writes, _out, _ev = job(ident, check)
        assert changed == 0 and writes == [], ident

    texts = []
    for job_dir in sorted((private / "artifacts").iterdir()):
        command = job_dir / "command"
        assert stat.S_IMODE(command.stat().st_mode) == 0o600, command
        for path in sorted(job_dir.rglob("*")):
            if path.is_file() and path != command:
                texts.append((str(path), path.read_text(errors="replace")))
    assert any(name.endswith("/stdout") for name, _text in texts)
    assert len([name for name, _text in texts if "/job_events/" in name]) > 20
    leaks = [name for name, text in texts if TOKEN in text]
    assert leaks == []
    assert not (private / "env" / "envvars").exists()


def test_multi_account_site_through_ansible_runner(emulator, tmp_path):
    """playbooks/multi_account/site.yml over the cfiam.user_groups.accounts inventory, both fed by one credential of
    the custom type (token only: no account id), as an AWX inventory source and job template over it do: check,
    real, real again; every account converged; the token is in no event, stdout or artefact."""
    emulator.set_state(example_state())
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE_DIR, str(project))
    env = ansible_env(emulator)
    for key in list(env):
        if key.startswith("CLOUDFLARE_") or key in ("ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_PLUGINS"):
            del env[key]
    env["PATH"] = os.path.dirname(ansible_bin("ansible-playbook")) + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"  # as AWX sets for an inventory update
    env.update(injected_env({"api_token": emulator.token, "base_url": emulator.base_url}))
    assert env["CLOUDFLARE_ACCOUNT_ID"] == ""
    private = tmp_path / "private"
    private.mkdir()

    def job(ident, check):
        emulator.clear_requests()
        runner = ansible_runner.run(private_data_dir=str(private), project_dir=str(project), playbook="site.yml",
                                    ident=ident, inventory=str(project / "accounts.cloudflare_accounts.yml"),
                                    cmdline="--diff --forks 3" + (" --check" if check else ""), envvars=env,
                                    suppress_env_files=True, process_isolation=False, quiet=True)
        stdout = runner.stdout.read()
        assert runner.status == "successful" and runner.rc == 0, (ident, runner.status, stdout[-3000:])
        stats = [e for e in runner.events if e["event"] == "playbook_on_stats"][-1]["event_data"]
        return stats, emulator.writes()

    stats, writes = job("check", check=True)
    assert sorted(stats["ok"]) == ["acme_production", "acme_sandbox", "acme_staging"]
    assert sorted(stats["changed"]) == ["acme_production", "acme_sandbox", "acme_staging"] and writes == []
    stats, writes = job("real", check=False)
    assert sorted(stats["changed"]) == ["acme_production", "acme_sandbox", "acme_staging"] and writes
    assert state_of(emulator) == expected_example()
    stats, writes = job("again", check=False)
    assert not stats.get("changed") and writes == [] and not stats.get("failures")

    texts = []
    for job_dir in sorted((private / "artifacts").iterdir()):
        command = job_dir / "command"
        assert stat.S_IMODE(command.stat().st_mode) == 0o600, command
        for path in sorted(job_dir.rglob("*")):
            if path.is_file() and path != command:
                texts.append((str(path), path.read_text(errors="replace")))
    assert len([name for name, _text in texts if "/job_events/" in name]) > 30
    assert [name for name, text in texts if TOKEN in text] == []
    assert not (private / "env" / "envvars").exists()
