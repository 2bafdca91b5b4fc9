# -*- coding: utf-8 -*-
"""Every command written in the docs and in playbook headers runs, exactly as written, against the emulator.

``doc_commands.py`` extracts the commands (README.md, docs/*.md, roles/*/README.md, playbooks/**/README.md, the
header comments of playbooks/**/*.yml) and says the conventions. For each file, in a temporary copy of the
checkout (the venvs linked, nothing written into the checkout), this test does what a reader does:

1. starts the emulator in the background with ``make emulator SEED=<the block's seed>`` (the command the README
   gives; a ``make emulator`` command of the docs is that step itself),
2. runs each block in one ``bash -e -o pipefail`` after ``. .build/emulator.env`` (as the README says), from the
   repository root or the example's directory,
3. asserts its exit status, that it printed no Python warning or traceback, and, where the docs promise something,
   the emulator's state or request log afterwards (``EXPECTATIONS``; each must match a command still in the docs).

A command marked ``not run by tests: <reason>`` is skipped and reported (``test_command_not_run``), and there must
stay few of them. New commands anywhere in these files are picked up without a change here.

The commands run with the checkout's own ``.venv`` (the env file puts it first on PATH), so the compat suites,
which run tests/integration with other ansible-core versions, skip this module.
"""
from __future__ import absolute_import, division, print_function

import os
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest

import accounts_harness
import doc_commands
from harness import REPO, ansible_bin, normalized_groups
from pytest_plugin import EmulatorClient

MAX_NOT_RUN = 8  # commands that cannot run here are the exception: keep them rare
BLOCK_TIMEOUT = 900
SOURCES, PROBLEMS = doc_commands.every_source()
SKIPPED = [c for blocks in SOURCES.values() for b in blocks for c in b.commands if c.skip]
VENVS = (".venv", ".venv-2.16", ".venv-2.21", ".venv-galaxy-importer")
DEMO_GROUP = "My Cool Demo Group"
NOISE = re.compile(r"\w+Warning: |Traceback \(most recent call last\)")

pytestmark = pytest.mark.skipif(
    os.path.realpath(os.path.dirname(ansible_bin("ansible-playbook"))) != os.path.realpath(
        os.path.join(REPO, ".venv", "bin")),
    reason="the docs' commands run with the checkout's .venv (make test-pytest runs them)")


# --------------------------------------------------------------------------- what the docs promise
def no_writes(client, _output, _workspace):
    assert client.writes() == [], client.writes()


def demo_group(policies):
    def check(client, _output, _workspace):
        groups = normalized_groups(client.state())
        assert "My" not in groups, sorted(groups)  # the quoting bug: a group named after the first word
        assert groups[DEMO_GROUP] == {"members": ["alice@example.com", "bob@example.com"], "policies": policies}
    return check


def try_it(client, output, _workspace):
    groups = normalized_groups(client.state())
    assert groups["Platform"] == {"members": ["carol@example.com"], "policies": []}
    writes = [int(n) for n in re.findall(r"^\d+ requests \(.*\), (\d+) writes$", output, re.M)]
    assert len(writes) == 2 and writes[0] >= 2 and writes[1] == 0, output  # first run writes, the second does not


def acme_converged(client, _output, _workspace):
    assert accounts_harness.state_of(client) == accounts_harness.expected_example()


def exported(path):
    def check(client, _output, workspace):
        assert client.writes() == []
        written = os.path.join(workspace, path)
        assert (os.listdir(written) if os.path.isdir(written) else os.path.getsize(written)), written
    return check


def expired_and_removed(client, output, _workspace):
    """docs/expiring-access.md: carol (expired 2026-12-07) and the DNS policy (2026-12-11) are gone, and said so."""
    group = normalized_groups(client.state())["Contractors"]
    assert group == {"members": ["alice@example.com", "bob@example.com", "dave@example.com", "erin@example.com",
                                 "frank@example.com"], "policies": [("allow", ("admin_readonly",), ("account",))]}
    assert "carol@example.com removed: expired on 2026-12-07" in output, output[-3000:]


def approved_platform(client, output, _workspace):
    """roles/user_groups/README.md: the apply run applied the approved plan of docs/examples/platform.yml."""
    groups = normalized_groups(client.state())
    assert groups["Platform SRE"]["members"] == ["bob@example.com"], groups
    assert groups["Platform"]["members"] == ["alice@example.com", "bob@example.com", "carol@example.com"], groups
    assert "the plan is the approved plan" in output, output[-3000:]


# (source, a regular expression that a command of the block matches, check(client, output, workspace))
EXPECTATIONS = [
    ("README.md", r"playbooks/create_group\.yml", try_it),
    ("README.md", r"playbooks/apply\.yml .*--check", exported("account.yml")),
    ("README.md", r"^ansible-playbook site\.yml\s*(#.*)?$", acme_converged),
    ("roles/user_groups/README.md", r"playbooks/apply\.yml -e @user_groups\.yml .*--check",
     exported("user_groups.yml")),
    ("roles/user_groups/README.md", r"-e @approved-plan\.json", approved_platform),
    ("playbooks/multi_account/README.md", r"^ansible-playbook site\.yml\s*(#.*)?$", acme_converged),
    ("docs/awx.md", r"^ansible-playbook site\.yml -e @approved-plan\.json", acme_converged),
    ("docs/expiring-access.md", r"CFIAM_TODAY=2026-12-11", expired_and_removed),
    ("playbooks/create_group.yml", r"create_group\.yml", demo_group([])),
    ("playbooks/attach_policy.yml", r"attach_policy\.yml",
     demo_group([("allow", ("admin",), ("account",))])),
    ("playbooks/reset_policies.yml", r"reset_policies\.yml", demo_group([])),
    ("playbooks/verify_scim_groups.yml", r"verify_scim_groups\.yml", no_writes),
    ("playbooks/review_permission_groups.yml", r"review_permission_groups\.yml", no_writes),
    ("playbooks/export.yml", r"apply\.yml .*--check", exported("user_groups.yml")),
    ("playbooks/multi_account/site.yml", r"--forks", acme_converged),
    ("playbooks/multi_account/export.yml", r"export\.yml", exported("playbooks/multi_account/exported")),
    ("playbooks/multi_account/accounts.cloudflare_accounts.yml", r"--graph", no_writes),
]


# --------------------------------------------------------------------------- a reader's checkout and terminals
def copy_checkout(target):
    """The checkout's files (tracked, and new ones git does not ignore) copied to ``target``, the venvs linked."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    if listing.returncode == 0:
        names = [n for n in listing.stdout.decode("utf-8").split("\0") if n]
    else:  # not a git checkout: everything but what is never shipped
        names = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in (".git", ".build", "__pycache__", "output") and d not in VENVS]
            names += [os.path.relpath(os.path.join(root, f), REPO) for f in files]
    for name in names:
        source = os.path.join(REPO, name)
        if name.split("/")[0] in VENVS or not os.path.isfile(source):
            continue
        os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
        shutil.copy2(source, os.path.join(target, name))
    for venv in VENVS:
        if os.path.exists(os.path.join(REPO, venv)):
            os.symlink(os.path.realpath(os.path.join(REPO, venv)), os.path.join(target, venv))


def reader_env(workspace):
    """The environment of a reader's terminal: nothing of this test run's Ansible, Cloudflare or make settings."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("ANSIBLE_", "CLOUDFLARE_", "CFIAM_", "PYTEST_", "MAKE"))
               and k not in ("PYTHONWARNINGS", "PYTHONPATH", "MFLAGS", "VIRTUAL_ENV"))
    env["HOME"] = os.environ.get("HOME", workspace)
    return env


class Emulator(object):
    """``make emulator SEED=...`` running in the background of a workspace, like a second terminal."""

    def __init__(self, workspace, command, seed, log):
        self.workspace = workspace
        self.seed = seed
        self.env_file = os.path.join(workspace, ".build", "emulator.env")
        if os.path.exists(self.env_file):
            os.remove(self.env_file)
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(["bash", "-c", command], cwd=workspace, env=reader_env(workspace),
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 300  # `make emulator` first makes sure .venv is up to date
        while not os.path.exists(self.env_file):
            assert self.proc.poll() is None, "%s ended: %s" % (command, open(log).read()[-3000:])
            assert time.time() < deadline, "%s wrote no %s: %s" % (command, self.env_file, open(log).read()[-3000:])
            time.sleep(0.2)
        with open(self.env_file) as handle:
            url = [shlex.split(line.split("=", 1)[1])[0] for line in handle
                   if line.startswith("export CLOUDFLARE_BASE_URL=")][0]
        self.client = EmulatorClient(url)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        deadline = time.time() + 15  # make may end before the emulator has removed its env file
        while os.path.exists(self.env_file) and time.time() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(self.env_file), "the emulator left its env file behind"


def script(block, env_file):
    """The block as one bash script: the env file loaded as the README says, then each command as written."""
    lines = ["set -e -o pipefail", ". %s" % shlex.quote(env_file), "cd %s" % shlex.quote(block.cwd)]
    for command in block.commands:
        if command.skip or command.starts_emulator:
            continue
        lines.append("printf '\\n@@ %s\\n' %s >&2" % ("%s", shlex.quote(command.where)))
        lines.append(command.text)
    return "\n".join(lines) + "\n"


def run_block(workspace, emulator, block, tmp_path):
    path = str(tmp_path / ("block-%d.sh" % block.line))
    with open(path, "w") as handle:
        handle.write(script(block, emulator.env_file))
    proc = subprocess.run(["bash", path], cwd=workspace, env=reader_env(workspace), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=BLOCK_TIMEOUT, check=False)
    return proc.returncode, proc.stdout


# --------------------------------------------------------------------------- the tests
def venv_is_current():
    """``make emulator`` in each copy would otherwise reinstall the shared .venv, several copies at once."""
    stamp = os.path.join(REPO, ".venv", ".cfiam-dev-stamp")
    newest = max(os.path.getmtime(os.path.join(REPO, f)) for f in ("requirements-dev.txt", "requirements.txt"))
    return os.path.exists(stamp) and os.path.getmtime(stamp) >= newest


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_commands_run_as_written(source, tmp_path):
    assert venv_is_current(), "run `make venv` first: .venv is older than requirements-dev.txt"
    workspace = str(tmp_path / "checkout")
    copy_checkout(workspace)
    expectations = [e for e in EXPECTATIONS if e[0] == source]
    matched = set()
    emulator = None
    try:
        for block in SOURCES[source]:
            starts = [c for c in block.commands if c.starts_emulator]
            seed = block.seed or (emulator.seed if emulator else "demo")
            if emulator is None or starts or seed != emulator.seed:
                if emulator is not None:
                    emulator.stop()
                command = starts[0].text if starts else "make emulator SEED=%s" % seed
                emulator = Emulator(workspace, command, seed, str(tmp_path / "emulator.log"))
            if not [c for c in block.commands if not c.skip and not c.starts_emulator]:
                continue
            emulator.client.clear_requests()
            rc, output = run_block(workspace, emulator, block, tmp_path)
            failed_at = re.findall(r"^@@ (\S+)$", output, re.M)
            assert rc == 0, "%s: the command at %s exited %d:\n%s" % (
                source, failed_at[-1] if failed_at else block.line, rc, output[-6000:])
            noise = NOISE.findall(output)
            assert not noise, "%s (block at line %d) printed %s:\n%s" % (source, block.line, noise, output[-6000:])
            for index, (_source, pattern, check) in enumerate(expectations):
                if any(re.search(pattern, c.text, re.M) for c in block.commands if not c.skip):
                    check(emulator.client, output, workspace)
                    matched.add(index)
    finally:
        if emulator is not None:
            emulator.stop()
    missing = [expectations[i][1] for i in range(len(expectations)) if i not in matched]
    assert not missing, "%s: no command matches %s any more; update EXPECTATIONS" % (source, missing)


@pytest.mark.parametrize("where, reason", [(c.where, c.skip) for c in SKIPPED] or [("-", "")])
def test_command_not_run(where, reason):
    """One skipped item per command marked ``not run by tests``, with its reason: the list of what is not run."""
    if where == "-":
        return
    assert reason, "%s: say why the command cannot run" % where
    pytest.skip("%s not run: %s" % (where, reason))


def test_the_docs_are_found_and_few_commands_are_not_run():
    assert not PROBLEMS, "\n".join(PROBLEMS)
    for source in ("README.md", "docs/development.md", "roles/user_groups/README.md",
                   "playbooks/multi_account/README.md", "playbooks/create_group.yml", "playbooks/multi_account/site.yml"):
        assert source in SOURCES, (source, sorted(SOURCES))
    runs = sum(1 for blocks in SOURCES.values() for b in blocks for c in b.commands if not c.skip)
    assert runs >= 40, runs
    assert len(SKIPPED) <= MAX_NOT_RUN, "commands not run by the tests (at most %d):\n%s" % (
        MAX_NOT_RUN, "\n".join("%s: %s" % (c.where, c.skip) for c in SKIPPED))
    assert set(e[0] for e in EXPECTATIONS) <= set(SOURCES), set(e[0] for e in EXPECTATIONS) - set(SOURCES)


def test_the_extraction_keeps_commands_as_written(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text("text\n\n```console\n# to try it: make emulator SEED=acme\nansible-playbook a.yml \\\n"
                   "    -e '{\"x\": \"two words\"}'\npython3 -c 'print(1); \\\n  print(2)'\n"
                   "awx x   # not run by tests: needs AWX\n```\n\n```\nno language\n```\n")
    blocks, problems = doc_commands.markdown_blocks(str(doc))
    [block] = blocks
    assert block.seed == "acme" and [c.line for c in block.commands] == [5, 7, 9]
    assert block.commands[0].text == "ansible-playbook a.yml \\\n    -e '{\"x\": \"two words\"}'"
    assert block.commands[2].skip == "needs AWX" and not block.commands[0].skip
    assert len(problems) == 1 and "without a language" in problems[0]
    play = tmp_path / "play.yml"
    play.write_text("---\n# Does things:\n#   ansible-playbook play.yml \\\n#     -e a=b\n# Then ansible-playbook "
                    "other.yml\n- hosts: localhost\n#   ansible-playbook not-a-header.yml\n")
    block, problems = doc_commands.header_block(str(play))
    assert [c.text for c in block.commands] == ["ansible-playbook play.yml \\\n-e a=b"]
    assert len(problems) == 1 and "inside a sentence" in problems[0]
