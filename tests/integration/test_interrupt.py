# -*- coding: utf-8 -*-
"""An interrupted run writes nothing more, and the next run converges.

SIGINT and SIGTERM go to ansible-playbook's process group (as a terminal or AWX's cancel does); SIGKILL goes to
the ansible-playbook process alone, which leaves its forked worker running the current loop: the worker's guard
(runtime.controller_guard) stops before its next write. At most the one request already on the wire lands.
"""
from __future__ import absolute_import, division, print_function

import os
import signal
import subprocess
import time

import pytest

from harness import ansible_bin, ansible_env, normalized_groups, write_playbook

ROLE = "cfiam.user_groups.user_groups"


def declaration(n):
    return [{"name": "Interrupted %02d" % i, "members": ["alice@example.com"],
             "policies": [{"permission_groups": ["admin_readonly"]}]} for i in range(n)]


def role_playbook(tmp_path, groups):
    return write_playbook(str(tmp_path / "site.yml"),
                          [{"name": "Apply", "ansible.builtin.include_role": {"name": ROLE}}],
                          vars={"user_groups": groups})


def writes(emulator):
    return len(emulator.writes())


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_no_write_after_an_interruption_and_the_rerun_converges(emulator, tmp_path, run_playbook, how):
    groups = declaration(12)
    emulator.config(latency_ms=150)
    playbook = role_playbook(tmp_path, groups)
    proc = subprocess.Popen([ansible_bin("ansible-playbook"), "-i", "localhost,", playbook], env=ansible_env(emulator),
                            cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while writes(emulator) < 4 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        if how == "SIGKILL":
            os.kill(proc.pid, signal.SIGKILL)  # the controller only: its worker is orphaned
        else:
            os.killpg(proc.pid, getattr(signal, how))
        at_signal = writes(emulator)
        proc.wait(timeout=60)
        time.sleep(3)  # an orphaned worker would go on with the loop's next items
        after = writes(emulator)
        assert after <= at_signal + 1, (how, at_signal, after)
        time.sleep(2)
        assert writes(emulator) == after, how
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    assert after < 2 * len(groups), "the interruption came too late to test anything"

    emulator.config(latency_ms=0)
    run = run_playbook(playbook=playbook)
    assert run.rc == 0, run
    state = normalized_groups(emulator.state())
    for group in groups:
        assert state[group["name"]]["members"] == ["alice@example.com"]
        assert state[group["name"]]["policies"] == [("allow", ("admin_readonly",), ("account",))]
    names = [g["name"] for g in emulator.state()["user_groups"]]
    assert len(names) == len(set(names)), "no duplicate group"
    emulator.clear_requests()
    run = run_playbook(playbook=playbook)
    assert run.rc == 0 and run.recap_changed == 0, run
    assert emulator.writes() == []
