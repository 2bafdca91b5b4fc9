# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The run lease (issue 17, probe 2): runs that wait for each other (runlock.WaitGraph), and orphaned workers
(runtime.controller_pid / controller_guard: a worker whose ansible-playbook died takes no lease and writes nothing).

Real processes stand for the runs; an injected clock: nothing waits through real seconds."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import multiprocessing
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import runlock, runtime
from ansible_collections.cfiam.user_groups.plugins.module_utils.runlock import (
    RunLease,
    RunLeaseBusy,
    RunLeaseDeadlock,
    process_start,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import Clock

HOST = "api.example"
ACCOUNT_A = "0123456789abcdef0123456789abcdea"
ACCOUNT_B = "0123456789abcdef0123456789abcdeb"


@pytest.fixture
def spawn():
    """Live processes standing for other ansible-playbook runs (killed after the test), started in this order."""
    procs = []

    def start():
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        procs.append(proc)
        while process_start(proc.pid) is None:
            time.sleep(0.01)
        time.sleep(0.02)  # a later start time (clock ticks of 10 ms) than the next one's
        return proc.pid
    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def hold(lease_dir, account, pid):
    with open(os.path.join(lease_dir, runlock.lease_name(HOST, account)), "w") as handle:
        json.dump({"pid": pid, "start": process_start(pid), "since": time.time()}, handle)


def wait_record(lease_dir, owner, worker, account):
    """What WaitGraph.record writes for a task of run ``owner`` (in worker ``worker``) waiting for ``account``."""
    path = os.path.join(lease_dir, "%d-%d%s" % (owner, worker, runlock.WAIT_SUFFIX))
    with open(path, "w") as handle:
        json.dump({"owner": owner, "owner_start": process_start(owner), "worker": worker,
                   "worker_start": process_start(worker), "lease": runlock.lease_name(HOST, account),
                   "account": account}, handle)
    return path


def lease(lease_dir, owner, account, clock, wait=30):
    return RunLease(HOST, account, owner, directory=lease_dir, wait=wait, warn=[].append, notice=[].append,
                    sleep=clock.sleep, clock=clock)


def test_the_run_that_started_last_gives_up_at_once(lease_dir, spawn):
    """Run 1 holds A and waits for B; run 2 (started later) holds B and now waits for A: run 2 fails at once."""
    first, second = spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    hold(lease_dir, ACCOUNT_B, second)
    wait_record(lease_dir, first, first, ACCOUNT_B)
    clock = Clock()
    with pytest.raises(RunLeaseDeadlock) as caught:
        lease(lease_dir, second, ACCOUNT_A, clock).acquire()
    text = str(caught.value)
    assert clock.sleeps == []
    for part in ("process %d" % second, "wait for each other", "process %d waits for account %s" % (first, ACCOUNT_B),
                 "held by process %d" % first, "started last", "nothing was written"):
        assert part in text, (part, text)
    assert [n for n in os.listdir(lease_dir) if n.startswith("%d-" % second)] == []  # its wait record is gone


def test_the_run_that_started_first_waits_and_names_the_other_wait(lease_dir, spawn):
    """Run 1 (started first) meets the cycle: it waits (run 2 gives up), then times out naming the other's wait."""
    first, second = spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    hold(lease_dir, ACCOUNT_B, second)
    wait_record(lease_dir, second, second, ACCOUNT_A)
    clock = Clock()
    with pytest.raises(RunLeaseBusy) as caught:
        lease(lease_dir, first, ACCOUNT_B, clock, wait=3).acquire()
    assert not isinstance(caught.value, RunLeaseDeadlock)
    assert sum(clock.sleeps) >= 3
    assert "which itself waits for account %s (held by process %d)" % (ACCOUNT_A, first) in str(caught.value)


def test_three_runs_in_a_ring(lease_dir, spawn):
    first, second, third = spawn(), spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    hold(lease_dir, ACCOUNT_B, second)
    account_c = "0123456789abcdef0123456789abcdec"
    hold(lease_dir, account_c, third)
    wait_record(lease_dir, first, first, ACCOUNT_B)  # 1 -> 2
    wait_record(lease_dir, second, second, account_c)  # 2 -> 3
    with pytest.raises(RunLeaseDeadlock) as caught:  # 3 -> 1 closes the ring; 3 started last
        lease(lease_dir, third, ACCOUNT_A, Clock()).acquire()
    assert "2 other runs on this controller" in str(caught.value)


def test_a_wait_without_a_cycle_is_no_deadlock(lease_dir, spawn):
    """Run 2 waits for A (held by 1), and run 1 waits for nothing: run 2 just waits."""
    first, second = spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    clock = Clock()
    with pytest.raises(RunLeaseBusy) as caught:
        lease(lease_dir, second, ACCOUNT_A, clock, wait=2).acquire()
    assert not isinstance(caught.value, RunLeaseDeadlock)


def test_records_of_ended_tasks_are_removed_and_ignored(lease_dir, spawn):
    """A wait record whose worker has ended (killed while waiting) makes no cycle, and is removed."""
    first, second = spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    hold(lease_dir, ACCOUNT_B, second)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = wait_record(lease_dir, first, dead.pid, ACCOUNT_B)
    damaged = os.path.join(lease_dir, "7-7%s" % runlock.WAIT_SUFFIX)
    with open(damaged, "w") as handle:
        handle.write("{not json")
    with pytest.raises(RunLeaseBusy) as caught:
        lease(lease_dir, second, ACCOUNT_A, Clock(), wait=2).acquire()
    assert not isinstance(caught.value, RunLeaseDeadlock)
    assert not os.path.exists(stale) and not os.path.exists(damaged)


def test_a_record_of_a_wait_for_a_lease_now_held_by_its_own_run_is_no_edge(lease_dir, spawn):
    """Another task of run 1 took B meanwhile: run 1's old wait record for B points at itself, not at run 2."""
    first, second = spawn(), spawn()
    hold(lease_dir, ACCOUNT_A, first)
    hold(lease_dir, ACCOUNT_B, first)
    wait_record(lease_dir, first, first, ACCOUNT_B)
    with pytest.raises(RunLeaseBusy) as caught:
        lease(lease_dir, second, ACCOUNT_A, Clock(), wait=2).acquire()
    assert not isinstance(caught.value, RunLeaseDeadlock)


# --------------------------------------------------------------------------- orphaned workers
def _orphan(result_path, lease_dir):
    """In a 'worker' forked by a 'controller' process that then dies: what the guards say once it is orphaned."""
    ctx = multiprocessing.get_context("fork")

    def worker():
        owner = runtime.controller_pid()
        parent_then = os.getppid()
        deadline = time.time() + 10
        while os.getppid() == parent_then and time.time() < deadline:
            time.sleep(0.02)  # until the controller has died
        out = {"owner": owner, "gone": runtime.controller_gone(), "orphaned": runtime.orphaned_worker()}
        try:
            runtime.controller_guard()()
            out["guard"] = "passed"
        except runtime.ControllerGone as exc:
            out["guard"] = str(exc)
        noticed = []
        try:
            RunLease(HOST, ACCOUNT_A, owner, directory=lease_dir, wait=5, warn=noticed.append,
                     check=runtime.controller_guard(owner)).acquire()
            out["lease"] = "taken"
        except runtime.ControllerGone:
            out["lease"] = "refused"
        with open(result_path, "w") as handle:
            json.dump(out, handle)

    def controller():
        proc = ctx.Process(target=worker)
        proc.start()
        with open(result_path + ".pids", "w") as handle:
            json.dump([os.getpid(), proc.pid], handle)
        os._exit(0)  # killed: the worker is orphaned
    proc = ctx.Process(target=controller)
    proc.start()
    proc.join(10)


def test_an_orphaned_worker_knows_its_controller_and_takes_nothing(tmp_path, lease_dir):
    result = str(tmp_path / "orphan.json")
    _orphan(result, lease_dir)
    deadline = time.time() + 15
    while not os.path.exists(result) and time.time() < deadline:
        time.sleep(0.05)
    with open(result + ".pids") as handle:
        controller, _worker = json.load(handle)
    with open(result) as handle:
        out = json.load(handle)
    assert out["owner"] == controller  # not the process the orphan was reparented to
    assert out["gone"] is True and out["orphaned"] is True
    assert "(pid %d) is gone; nothing more is written" % controller in out["guard"]
    assert out["lease"] == "refused"
    assert [n for n in os.listdir(lease_dir) if n.endswith(".run")] == []


def test_outside_a_worker_the_controller_is_the_parent():
    assert runtime.controller_pid() == os.getppid() or multiprocessing.parent_process() is not None
    assert runtime.controller_gone() is False
    runtime.controller_guard()()  # does not raise
