# -*- coding: utf-8 -*-
"""Integration harness: real ``ansible-playbook`` processes against the emulator.

``run_playbook(tasks, check=False, diff=False, ...)`` writes a playbook for
localhost, runs it with the emulator's credentials in the environment and
returns a ``PlaybookRun`` with every task result (via the test-only
``dump_results`` callback), stdout/stderr and the return code.
"""
from __future__ import absolute_import, division, print_function

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
from pytest_plugin import ensure_collection_link  # tests/emulator, on sys.path (tests/conftest.py)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")


def ansible_bin(name):
    bin_dir = os.environ.get("CFIAM_ANSIBLE_BIN_DIR") or os.path.dirname(sys.executable)
    return os.path.join(bin_dir, name)


class PlaybookRun(object):
    def __init__(self, rc, stdout, stderr, records, playbook):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records
        self.playbook = playbook

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name):
        """The result of the (last) task with this name."""
        found = [r for r in self.records if r["task"] == name]
        assert found, "no task named %r ran; tasks: %s\n%s" % (name, [r["task"] for r in self.records], self.output)
        return found[-1]["result"]

    def status(self, name):
        return [r for r in self.records if r["task"] == name][-1]["status"]

    @property
    def recap_changed(self):
        """``changed=`` of the PLAY RECAP (one ansible-playbook run, one host)."""
        found = re.findall(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", self.stdout)
        assert found, self
        return int(found[-1])

    def role_summary(self):
        """The ``user_groups_result`` fact the user_groups role set last."""
        found = [r for r in self.records if r["task"].endswith("Record what changed")]
        assert found, self
        return found[-1]["result"]["ansible_facts"]["user_groups_result"]

    @property
    def failed(self):
        return [r for r in self.records if r["status"] == "failed"]

    def __repr__(self):
        return "PlaybookRun(rc=%s)\n%s" % (self.rc, self.output[-4000:])


def normalized_groups(state):
    """{group name: {members: [emails], policies: [(access, labels, targets)]}} from the emulator state."""
    labels = dict((pg["id"], pg["meta"]["label"]) for pg in state["permission_groups"])
    emails = dict((m["id"], m["email"]) for m in state["members"])
    zones = dict((z["id"], z["name"]) for z in state["zones"])
    rgs = dict((rg["id"], rg) for rg in state["resource_groups"])
    out = {}
    for group in state["user_groups"]:
        policies = []
        for pol in group["policies"]:
            targets = []
            for rid in pol["resource_groups"]:
                rg = rgs[rid]
                if not rg.get("anonymous"):
                    targets.append("rg:" + rg["name"])
                    continue
                for obj in rg["scope"]["objects"]:
                    key = obj["key"]
                    targets.append("account" if key == "*" else "zone:" + zones.get(key.rsplit(".", 1)[-1], key))
            policies.append((pol["access"], tuple(sorted(labels[p] for p in pol["permission_groups"])),
                             tuple(sorted(targets))))
        out[group["name"]] = {"members": sorted(emails[m["id"]] for m in group["members"]),
                              "policies": sorted(policies)}
    return out


_RATE_BUDGET_DIRS = []


def fresh_rate_budget_dir():
    """A private directory for the shared rate budget of one ansible-playbook run.

    Every test talks to the same emulator with the same token: a budget (or a
    429 block) left by one test must not slow down the next.
    """
    if not _RATE_BUDGET_DIRS:
        atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _RATE_BUDGET_DIRS])
    path = tempfile.mkdtemp(prefix="cfiam-rate-budget-")
    _RATE_BUDGET_DIRS.append(path)
    return path


def ansible_env(emulator, extra=None):
    env = dict(os.environ)
    env.update(emulator.env())
    env.update({
        "CLOUDFLARE_RATE_LIMIT_DIR": fresh_rate_budget_dir(),
        "ANSIBLE_COLLECTIONS_PATH": ensure_collection_link(),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "dump_results",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "PYTHONWARNINGS": "ignore",
    })
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def write_playbook(path, tasks, gather_facts=False, vars=None, module_defaults=None):
    play = {"name": "cfiam integration", "hosts": "localhost", "connection": "local",
            "gather_facts": gather_facts, "tasks": tasks}
    if vars:
        play["vars"] = vars
    if module_defaults:
        play["module_defaults"] = module_defaults
    with open(path, "w") as handle:
        json.dump([play], handle, indent=2)  # JSON is valid YAML
    return path


@pytest.fixture
def run_playbook(emulator, tmp_path):
    counter = {"n": 0}

    def run(tasks=None, playbook=None, check=False, diff=False, extra_vars=None, env=None, verbosity=0,
            vars=None, module_defaults=None, args=None, timeout=600):
        counter["n"] += 1
        if playbook is None:
            playbook = write_playbook(str(tmp_path / ("play%d.yml" % counter["n"])), tasks, vars=vars,
                                      module_defaults=module_defaults)
        result_file = str(tmp_path / ("results%d.jsonl" % counter["n"]))
        cmd = [ansible_bin("ansible-playbook"), "-i", "localhost,", playbook]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        cmd += list(args or [])
        run_env = ansible_env(emulator, env)
        run_env["CFIAM_RESULT_FILE"] = result_file
        proc = subprocess.run(cmd, env=run_env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        records = []
        if os.path.exists(result_file):
            with open(result_file) as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, records, playbook)

    return run


# The compat suites (older and newer ansible-core) set CFIAM_WRITE_REPLIES=full: how Cloudflare answers a write
# does not depend on ansible-core, so the minimal-reply runs happen once, in the main suite.
WRITE_REPLIES = [m for m in os.environ.get("CFIAM_WRITE_REPLIES", "full,minimal").split(",") if m]


@pytest.fixture(params=WRITE_REPLIES)
def write_replies(request, emulator):
    """Run a test twice: the emulator answers writes fully, then the minimal way Cloudflare's docs allow
    (only the members a POST added, a group without its policies...): results must not depend on it."""
    emulator.write_replies(request.param)
    return request.param


# --------------------------------------------------------------------------- building blocks of the tests
NS = "cfiam.user_groups."
UG = "/accounts/{account_id}/iam/user_groups"


def task(module, title, ignore_errors=False, register=None, **params):
    """A task of a collection module (``module``: short name or FQCN) with these parameters."""
    entry = {"name": title, (module if "." in module else NS + module): params}
    if ignore_errors:
        entry["ignore_errors"] = True
    if register:
        entry["register"] = register
    return entry


def module_task(module, **defaults):
    """``task`` bound to one module (and default task keywords, e.g. ``ignore_errors=True``)."""
    def bound(title, **params):
        merged = dict(defaults)
        merged.update(params)
        return task(module, title, **merged)
    return bound


def make_group(emulator, name, members=(), policies=None):
    """Set up a group straight through the API (not the module under test): its policies (API form) and members
    (emails). The request log is cleared; returns the group id."""
    body = {"name": name}
    if policies is not None:
        body["policies"] = policies
    resp = emulator.api("POST", UG, json=body)
    assert resp.status_code == 200, resp.text
    gid = resp.json()["result"]["id"]
    if members:
        resp = emulator.api("POST", UG + "/%s/members" % gid, json=[{"id": emulator.member_id(e)} for e in members])
        assert resp.status_code == 200, resp.text
    emulator.clear_requests()
    return gid


def four_steps(run_once, emulator):
    """check (predicts, writes nothing) -> real -> check (no change) -> real (no change, no write).

    ``run_once(check)`` runs the playbook once and returns its PlaybookRun. Returns the four runs.
    """
    runs = []
    for check, expect_change in ((True, True), (False, True), (True, False), (False, False)):
        emulator.clear_requests()
        run = run_once(check)
        assert run.rc == 0, run
        if check or not expect_change:
            assert emulator.writes() == [], (check, emulator.writes())
        if not expect_change:
            assert run.recap_changed == 0, run
        runs.append(run)
    return runs


# --------------------------------------------------------------------------- the role
ROLE = "cfiam.user_groups.user_groups"
PLAN_TASK = "Plan the user groups of the account"


def role_tasks(title="Apply the user groups role"):
    return [{"name": title, "ansible.builtin.include_role": {"name": ROLE}}]


def apply_role(run_playbook, declaration, check=False, diff=False, env=None, module_defaults=None, **switches):
    """One run of the user_groups role with ``user_groups: declaration`` and role variables ``switches``."""
    play_vars = {"user_groups": declaration}
    play_vars.update(switches)
    return run_playbook(tasks=role_tasks(), vars=play_vars, check=check, diff=diff, env=env,
                        module_defaults=module_defaults)


def plan_result(run):
    """The record (task, status, result) of the role's planning task."""
    found = [r for r in run.records if r["task"].endswith(PLAN_TASK)]
    assert found, run
    return found[-1]
