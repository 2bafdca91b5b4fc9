# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two runs on one account (issue 17, point 8): the run lease of one controller (runlock.RunLease, taken through
runtime.TaskRun) and, across controllers, the read by name after each create (apply.DuplicateUserGroup).

The lease tests use real processes as holders and an injected clock: nothing waits through real seconds."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import runlock, runtime
from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import DuplicateUserGroup, apply_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.runlock import RunLease, RunLeaseBusy
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import Clock

ACCOUNT = "0123456789abcdef0123456789abcdef"
HOST = "api.example"


@pytest.fixture
def holder():
    """A live process standing for another ansible-playbook run (killed after the test)."""
    procs = []

    def start():
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)


def lease(lease_dir, owner, clock=None, wait=600, warnings=None, notices=None):
    clock = clock or Clock()
    return RunLease(HOST, ACCOUNT, owner, directory=lease_dir, wait=wait,
                    warn=(warnings if warnings is not None else []).append,
                    notice=(notices if notices is not None else []).append, sleep=clock.sleep, clock=clock)


def held_by(lease_dir, pid):
    path = os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT))
    with open(path, "w") as handle:
        json.dump({"pid": pid, "start": runlock.process_start(pid), "since": 1.7e9, "account": ACCOUNT}, handle)
    return path


# =========================================================================== the lease of one controller
class TestRunLease(object):
    def test_a_free_account_is_taken_at_once(self, lease_dir):
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() is True
        path = os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT))
        with open(path) as handle:
            data = json.load(handle)
        assert data["pid"] == os.getpid() and data["account"] == ACCOUNT and clock.sleeps == []
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"

    def test_the_same_run_goes_on_at_once(self, lease_dir):
        assert lease(lease_dir, os.getpid()).acquire()
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() and clock.sleeps == []

    def test_another_live_run_is_waited_for_then_refused(self, lease_dir, holder):
        other = holder()
        path = held_by(lease_dir, other.pid)
        clock, notices, warnings = Clock(), [], []
        with pytest.raises(RunLeaseBusy) as info:
            lease(lease_dir, os.getpid(), clock, wait=30, warnings=warnings, notices=notices).acquire()
        assert sum(clock.sleeps) == 30 and all(s <= runlock.POLL for s in clock.sleeps)
        text = str(info.value)
        for part in ("process %d" % other.pid, "holds account %s" % ACCOUNT, "did not end within 30 s",
                     "nothing was written", "Let that run finish", "delete %s" % path):
            assert part in text, (part, text)
        assert len(notices) == 1 and "waiting up to 30 s for it to end" in notices[0] and path in notices[0]
        assert warnings == []

    def test_a_run_that_ends_during_the_wait_hands_over(self, lease_dir, holder):
        other = holder()
        held_by(lease_dir, other.pid)

        def end_it(n):
            if n == 5:
                other.kill()
                other.wait(timeout=10)
        clock, warnings = Clock(on_sleep=end_it), []
        assert lease(lease_dir, os.getpid(), clock, warnings=warnings).acquire() is True
        assert len(clock.sleeps) == 5
        assert warnings == ["waited 5 s for another ansible-playbook run on account %s to end before this run went on"
                            % ACCOUNT]

    def test_a_lease_of_a_finished_run_is_taken_over(self, lease_dir):
        proc = subprocess.Popen([sys.executable, "-c", "pass"])
        proc.wait(timeout=10)
        held_by(lease_dir, proc.pid)
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() and clock.sleeps == []

    @pytest.mark.skipif(runlock.process_start(os.getpid()) is None, reason="needs /proc for process start times")
    def test_a_reused_pid_is_not_the_holder(self, lease_dir, holder):
        other = holder()
        path = held_by(lease_dir, other.pid)
        with open(path) as handle:
            data = json.load(handle)
        data["start"] -= 1  # the pid now belongs to a process started at another time
        with open(path, "w") as handle:
            json.dump(data, handle)
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() and clock.sleeps == []

    def test_a_damaged_lease_is_taken_over(self, lease_dir):
        with open(os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT)), "w") as handle:
            handle.write("{not json")
        assert lease(lease_dir, os.getpid()).acquire() is True

    @pytest.mark.parametrize("content", ["", "null", "[]", "{}", "{not json", '{"pid": "123"}', '{"pid": 1.5}',
                                         "\xff\xfe", '{"pid": null}', '{"pid": 0}', '{"pid": -1}', '{"pid": true}',
                                         '{"pid": 1}', '{"pid": 1099511627776}', '{"pid": 2147483648}'])
    def test_a_lease_that_names_no_valid_pid_is_taken_over_at_once(self, lease_dir, content):
        """Before: pid 0 and -1 (os.kill signals a group or every process) and true (read as 1: init) were live holders
        (every run waited max_total_wait, then failed); a pid beyond a C int raised OverflowError in every task."""
        path = os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT))
        with open(path, "w") as handle:
            handle.write(content)
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() is True and clock.sleeps == []
        with open(path) as handle:
            assert json.load(handle)["pid"] == os.getpid()

    @pytest.mark.parametrize("value, valid", [(2, True), (4194304, True), (2 ** 31 - 1, True), (1, False),
                                              (0, False), (-1, False), (True, False), (2 ** 31, False),
                                              (2.0, False), ("5", False), (None, False)])
    def test_valid_pid(self, value, valid):
        assert runlock.valid_pid(value) is valid
        if not valid:
            assert runlock.process_alive(value) is False

    def test_an_owner_that_is_process_1_is_not_serialised_and_says_why(self, lease_dir):
        """ansible-playbook as the command of a container is process 1: it cannot name a run, so none is written."""
        warnings = []
        assert lease(lease_dir, 1, warnings=warnings).acquire() is False
        assert len(warnings) == 1 and "not serialised" in warnings[0] and "process 1" in warnings[0]
        assert os.listdir(lease_dir) == []

    def test_other_accounts_and_hosts_are_free(self, lease_dir, holder):
        held_by(lease_dir, holder().pid)
        other_account = RunLease(HOST, "f" * 32, os.getpid(), directory=lease_dir, sleep=Clock().sleep)
        other_host = RunLease("127.0.0.1:8080", ACCOUNT, os.getpid(), directory=lease_dir, sleep=Clock().sleep)
        assert other_account.acquire() and other_host.acquire()

    def test_an_unusable_directory_is_said_and_not_waited_on(self, tmp_path):
        target = tmp_path / "open"
        target.mkdir()
        os.chmod(str(target), 0o777)
        warnings = []
        assert lease(str(target), os.getpid(), warnings=warnings).acquire() is False
        assert len(warnings) == 1 and "not serialised on this controller" in warnings[0]
        assert "writable by other users" in warnings[0]

    def test_a_lease_file_whose_lock_stays_held(self, lease_dir, monkeypatch):
        monkeypatch.setattr(runlock, "LOCK_WAIT", 0.2)
        path = os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT))
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            warnings = []
            assert lease(lease_dir, os.getpid(), warnings=warnings).acquire() is False
        finally:
            os.close(fd)
        assert "not serialised" in warnings[0] and "stayed held" in warnings[0]


# =========================================================================== through the runtime
def params(emulator, lease_dir, **extra):
    values = dict(api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url, timeout=10,
                  max_retries=0, rate_limit_dir=lease_dir, max_total_wait=5)
    values.update(extra)
    return values


class TestTaskRunLease(object):
    def test_a_task_of_another_live_run_fails_before_any_request(self, emulator, lease_dir, holder, monkeypatch):
        monkeypatch.setattr(runtime, "_LEASES", set())
        monkeypatch.setattr(runlock, "POLL", 0.05)
        other = holder()
        host = emulator.base_url.split("://", 1)[1].split("/", 1)[0]
        path = os.path.join(lease_dir, runlock.lease_name(host, emulator.account_id))
        with open(path, "w") as handle:
            json.dump({"pid": other.pid, "start": runlock.process_start(other.pid), "since": 1.7e9}, handle)
        emulator.clear_requests()
        notices = []
        run = TaskRun("cfiam.user_groups.cf_user_group", params(emulator, lease_dir, max_total_wait=0.2),
                      scope=object(), lease_owner=os.getpid(), notice=notices.append)
        result = run.run(lambda r: r.result(groups=r.catalogue.user_groups()))
        assert result["failed"] is True and not result.get("changed")
        assert "holds account %s" % emulator.account_id in result["msg"] and path in result["msg"]
        assert emulator.requests() == []
        assert len(notices) == 1

    def test_check_mode_and_info_tasks_take_no_lease(self, emulator, lease_dir, holder, monkeypatch):
        monkeypatch.setattr(runtime, "_LEASES", set())
        other = holder()
        host = emulator.base_url.split("://", 1)[1].split("/", 1)[0]
        with open(os.path.join(lease_dir, runlock.lease_name(host, emulator.account_id)), "w") as handle:
            json.dump({"pid": other.pid, "start": runlock.process_start(other.pid), "since": 1.7e9}, handle)
        for run in (TaskRun("x", params(emulator, lease_dir), scope=object(), check_mode=True,
                            lease_owner=os.getpid()),
                    TaskRun("x", params(emulator, lease_dir), scope=object(), lease_owner=None)):
            result = run.run(lambda r: r.result(count=len(r.catalogue.user_groups())))
            assert "failed" not in result, result

    def test_the_owner_takes_it_once_per_process(self, emulator, lease_dir, monkeypatch):
        monkeypatch.setattr(runtime, "_LEASES", set())
        calls = []
        real = runlock.RunLease.acquire

        def counting(self):
            calls.append(self.path)
            return real(self)
        monkeypatch.setattr(runlock.RunLease, "acquire", counting)
        for _n in range(3):
            run = TaskRun("x", params(emulator, lease_dir), scope=object(), lease_owner=os.getpid())
            assert "failed" not in run.run(lambda r: r.result(count=len(r.catalogue.user_groups())))
        assert len(calls) == 1


# =========================================================================== across controllers
def new_run(emulator):
    return TaskRun("cfiam.user_groups.cf_user_group", dict(
        api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url, timeout=10,
        max_retries=0), scope=object(), secrets=[emulator.token])


class TestDuplicateAfterCreate(object):
    def test_a_twin_made_meanwhile_is_reported_at_once(self, emulator):
        """Another controller creates the same group between this run's plan and its POST."""
        run = new_run(emulator)
        run.catalogue.user_groups()  # planned: no such group
        twin = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": "Twins"}).json()["result"]
        emulator.clear_requests()
        plan = plan_group(None, "Twins", desired_member_ids=[emulator.member_id("alice@example.com")])
        with pytest.raises(DuplicateUserGroup) as info:
            apply_group(run, plan)
        ours = [g["id"] for g in emulator.groups_by_name("Twins") if g["id"] != twin["id"]][0]
        text = str(info.value)
        for part in ("user group 'Twins' now exists 2 times in account %s" % emulator.account_id,
                     "this run created %s and another run" % ours, "created %s at the same time" % twin["id"],
                     "Keep the one created first, %s: delete %s" % (twin["id"], ours), "state: absent",
                     "then run again"):
            assert part in text, (part, text)
        assert info.value.ids == [twin["id"], ours]
        # reported before the members were added; the create is recorded as written
        assert [e["method"] for e in emulator.requests()] == ["POST", "GET"]

        def fail_again(_run):
            raise info.value
        result = run.run(fail_again)
        assert result["failed"] is True and result["changed"] is True
        assert result["written"] == ["created user group 'Twins' (%s)" % ours]
        assert "Failed to create user group 'Twins': user group 'Twins' now exists 2 times" in result["msg"]

    def test_no_twin_no_report(self, emulator):
        run = new_run(emulator)
        run.catalogue.user_groups()
        group = apply_group(run, plan_group(None, "Single"))
        assert [g["id"] for g in emulator.groups_by_name("Single")] == [group["id"]]

    def test_a_group_of_that_name_known_before_is_not_a_twin(self, emulator):
        """cf_user_group may create next to groups it already knew of (they were in its plan)."""
        older = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": "Known"}).json()
        run = new_run(emulator)
        run.catalogue.user_groups()
        group = apply_group(run, plan_group(None, "Known"))
        assert sorted(g["id"] for g in emulator.groups_by_name("Known")) == sorted([older["result"]["id"],
                                                                                   group["id"]])


@pytest.mark.skipif(runlock.process_start(os.getpid()) is None, reason="needs /proc for process states")
def test_a_run_that_ended_but_was_not_collected_is_gone(lease_dir):
    """A parent that has not collected its ended child (a zombie): the run has ended all the same."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (runlock._proc_stat(proc.pid) or ["?"])[0] != "Z":
        time.sleep(0.01)
    try:
        assert runlock.process_alive(proc.pid) is False
        held_by(lease_dir, proc.pid)
        clock = Clock()
        assert lease(lease_dir, os.getpid(), clock).acquire() and clock.sleeps == []
    finally:
        proc.wait(timeout=10)
