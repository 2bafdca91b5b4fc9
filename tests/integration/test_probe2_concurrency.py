# -*- coding: utf-8 -*-
"""Probe 2 of the issue 17 hardening: the per-account run lease (runlock) under kills, stops and crossed orders.

Each test runs real ansible-playbook processes against the emulator (loopback only), shares one lease directory
between the runs as one controller's default ``rate_limit_dir`` would, and is bounded in time (< 60 s each).
The strict xfails reproduce what broke; their reason says what happened and what should happen.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import signal
import subprocess
import time


from accounts_harness import account_id, example_state
from harness import ansible_bin, ansible_env, write_playbook

ACCOUNT_PLAY = {"hosts": "localhost", "connection": "local", "gather_facts": False}


def lease_dir(tmp_path):
    path = str(tmp_path / "controller")
    os.mkdir(path, 0o700)
    return path


def play_file(tmp_path, name, plays):
    path = str(tmp_path / name)
    with open(path, "w") as handle:
        json.dump(plays, handle, indent=2)
    return path


def start(emulator, tmp_path, playbook, label, directory, inventory="localhost,", extra_env=None):
    env = {"CLOUDFLARE_RATE_LIMIT_DIR": directory, "CFIAM_RESULT_FILE": None}
    env.update(extra_env or {})
    log = open(str(tmp_path / ("%s.log" % label)), "w")
    try:
        return subprocess.Popen([ansible_bin("ansible-playbook"), "-i", inventory, playbook], cwd=str(tmp_path),
                                env=ansible_env(emulator, env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        log.close()


def finish(proc, tmp_path, label, timeout):
    try:
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            workers = workers_of(proc.pid)  # ansible-core 2.19+ workers have a session of their own
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            kill_orphans(workers)
    return proc.returncode, " ".join((tmp_path / ("%s.log" % label)).read_text().split())


def lease_holders(directory):
    out = []
    for name in os.listdir(directory):
        if name.endswith(".run"):
            with open(os.path.join(directory, name)) as handle:
                out.append(json.load(handle))
    return out


def group_names(emulator):
    return [g["name"] for g in emulator.state()["user_groups"]]


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def workers_of(pid):
    """The pids whose parent is ``pid`` (ansible-playbook's forked workers)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def kill_orphans(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# --------------------------------------------------------------------------- SIGKILL during a write loop
def test_sigkill_during_a_write_loop_does_not_hand_the_lease_to_init(emulator, tmp_path):
    directory = lease_dir(tmp_path)
    names = ["Probe2 loop %02d" % n for n in range(12)]
    playbook = write_playbook(str(tmp_path / "loop.yml"), [
        {"name": "create", "cfiam.user_groups.cf_user_group": {"name": "{{ item }}"}, "loop": names}])
    emulator.config(latency_ms=150)
    orphans = []
    try:
        proc = start(emulator, tmp_path, playbook, "killed", directory)
        assert wait_for(lambda: len(emulator.writes()) >= 3, 40), "the loop did not start writing"
        orphans = workers_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the controller only, as the OOM killer or `kill -9 <pid>` does
        proc.wait(timeout=10)
        time.sleep(2)  # the orphan reaches its next item
    finally:
        emulator.config(latency_ms=0)
        kill_orphans(orphans)
    holders = lease_holders(directory)
    # The next run on the account, from the same controller: should not wait for a run that no longer exists.
    again = write_playbook(str(tmp_path / "again.yml"), [
        {"name": "again", "cfiam.user_groups.cf_user_group": {"name": "Probe2 after the kill"}}])
    proc = start(emulator, tmp_path, again, "again", directory, extra_env={"CLOUDFLARE_MAX_TOTAL_WAIT": "5"})
    rc, output = finish(proc, tmp_path, "again", 50)
    # What happens: the lease names {"pid": 1, ...} and the run fails with "process 1 ... holds account".
    assert rc == 0 and all(h["pid"] != 1 for h in holders), (holders, output[-1500:])


# --------------------------------------------------------------------------- SIGKILL while waiting for the lease
def test_a_run_killed_while_waiting_for_the_lease_writes_nothing(emulator, tmp_path):
    directory = lease_dir(tmp_path)
    holder = write_playbook(str(tmp_path / "holder.yml"), [
        {"name": "hold", "cfiam.user_groups.cf_user_group": {"name": "Probe2 holder"}},
        {"name": "keep the lease a while", "ansible.builtin.pause": {"seconds": 12}}])
    waiter = write_playbook(str(tmp_path / "waiter.yml"), [
        {"name": "wait", "cfiam.user_groups.cf_user_group": {"name": "{{ item }}"},
         "loop": ["Probe2 orphan A", "Probe2 orphan B"]}])
    orphans = []
    try:
        first = start(emulator, tmp_path, holder, "holder", directory)
        assert wait_for(lambda: "Probe2 holder" in group_names(emulator), 30)
        second = start(emulator, tmp_path, waiter, "waiter", directory)
        assert wait_for(lambda: "waiting up to" in (tmp_path / "waiter.log").read_text(), 20), \
            (tmp_path / "waiter.log").read_text()
        orphans = workers_of(second.pid)
        os.kill(second.pid, signal.SIGKILL)
        second.wait(timeout=10)
        rc, output = finish(first, tmp_path, "holder", 40)
        assert rc == 0, output[-2000:]
        time.sleep(4)  # the orphan, if it goes on, takes the lease within a POLL and writes
    finally:
        kill_orphans(orphans)
    created = [n for n in group_names(emulator) if n.startswith("Probe2 orphan")]
    assert created == [], "the killed run's orphaned worker wrote %s" % created


# --------------------------------------------------------------------------- two accounts, crossed orders
def two_account_inventory(tmp_path):
    path = str(tmp_path / "hosts.json")
    hosts = {"acct_a": {"cloudflare_account_id": account_id(0)}, "acct_b": {"cloudflare_account_id": account_id(1)}}
    with open(path, "w") as handle:
        json.dump({"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}, handle)
    return path


def crossed_playbook(tmp_path, label, first, second):
    """Manage account ``first``, do something else for a while, then manage ``second`` (one long playbook)."""
    def play(host, title):
        return dict(ACCOUNT_PLAY, hosts=host, tasks=[
            {"name": title, "cfiam.user_groups.cf_user_group": {"name": "Probe2 %s" % label}}])
    middle = dict(ACCOUNT_PLAY, tasks=[{"name": "other work", "ansible.builtin.pause": {"seconds": 6}}])
    plays = [play(first, "first account"), middle, play(second, "second account")]
    return play_file(tmp_path, "%s.yml" % label, plays)


def test_two_runs_over_two_accounts_in_opposite_orders_do_not_deadlock(emulator, tmp_path):
    emulator.set_state(example_state())
    emulator.clear_requests()
    directory = lease_dir(tmp_path)
    inventory = two_account_inventory(tmp_path)
    env = {"CLOUDFLARE_ACCOUNT_ID": None, "CLOUDFLARE_MAX_TOTAL_WAIT": "10"}
    procs = [start(emulator, tmp_path, crossed_playbook(tmp_path, "ab", "acct_a", "acct_b"), "ab", directory,
                   inventory=inventory, extra_env=env),
             start(emulator, tmp_path, crossed_playbook(tmp_path, "ba", "acct_b", "acct_a"), "ba", directory,
                   inventory=inventory, extra_env=env)]
    began = time.monotonic()
    results = [finish(p, tmp_path, label, 55) for p, label in zip(procs, ("ab", "ba"))]
    assert any(rc == 0 for rc, _o in results), [o[-1500:] for _rc, o in results]
    # The run that gave up (if they met) said why at once, not after max_total_wait (10 s here).
    for rc, output in results:
        assert rc == 0 or ("wait for each other" in output and "started last" in output), output[-1500:]
    assert time.monotonic() - began < 40


# --------------------------------------------------------------------------- what held
def holder_and_waiter(tmp_path):
    holder = write_playbook(str(tmp_path / "holder.yml"), [
        {"name": "hold", "cfiam.user_groups.cf_user_group": {"name": "Probe2 holder"}},
        {"name": "keep the lease a while", "ansible.builtin.pause": {"seconds": 25}}])
    return holder


def test_a_stopped_run_is_waited_for_boundedly_and_named(emulator, tmp_path):
    """SIGSTOP (Ctrl-Z) of a run that holds the lease: another run waits max_total_wait, then fails before any
    request to the account, naming the process and the lease file and saying a stopped process is a cause."""
    directory = lease_dir(tmp_path)
    first = start(emulator, tmp_path, holder_and_waiter(tmp_path), "holder", directory)
    workers = []
    try:
        assert wait_for(lambda: "Probe2 holder" in group_names(emulator), 30)
        workers = workers_of(first.pid)  # ansible-core 2.19+ workers have a session of their own
        os.killpg(first.pid, signal.SIGSTOP)
        emulator.clear_requests()
        other = write_playbook(str(tmp_path / "other.yml"), [
            {"name": "other", "cfiam.user_groups.cf_user_group": {"name": "Probe2 other"}}])
        began = time.monotonic()
        proc = start(emulator, tmp_path, other, "other", directory, extra_env={"CLOUDFLARE_MAX_TOTAL_WAIT": "3"})
        rc, output = finish(proc, tmp_path, "other", 40)
        elapsed = time.monotonic() - began
    finally:
        workers += workers_of(first.pid)  # the worker of the pause task, started after the first look
        os.killpg(first.pid, signal.SIGCONT)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        kill_orphans(workers)
    assert rc != 0 and elapsed < 30
    path = os.path.join(directory, [n for n in os.listdir(directory) if n.endswith(".run")][0])
    for part in ("process %d" % first.pid, "did not end within 3 s", "nothing was written", "the process is stopped",
                 path):
        assert part in output, (part, output[-2000:])
    assert [e for e in emulator.requests() if "/accounts/" in e["path"]] == []


def test_a_check_mode_run_is_not_held_up_by_a_real_run(emulator, tmp_path):
    directory = lease_dir(tmp_path)
    first = start(emulator, tmp_path, holder_and_waiter(tmp_path), "holder", directory)
    workers = []
    try:
        assert wait_for(lambda: "Probe2 holder" in group_names(emulator), 30)
        workers = workers_of(first.pid)
        other = write_playbook(str(tmp_path / "other.yml"), [
            {"name": "other", "cfiam.user_groups.cf_user_group": {"name": "Probe2 other"}, "check_mode": True}])
        began = time.monotonic()
        proc = start(emulator, tmp_path, other, "other", directory, extra_env={"CLOUDFLARE_MAX_TOTAL_WAIT": "20"})
        rc, output = finish(proc, tmp_path, "other", 40)
        elapsed = time.monotonic() - began
    finally:
        workers += workers_of(first.pid)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        kill_orphans(workers)
    assert rc == 0 and "waiting up to" not in output and elapsed < 15, output[-2000:]


# --------------------------------------------------------------------------- orphans after SIGKILL
def test_an_orphaned_worker_with_a_large_result_exits(emulator, tmp_path):
    state = emulator.state()
    for n in range(600):
        state["user_groups"].append({"id": "%032x" % (0xabc000 + n), "name": "Probe2 bulk %04d %s" % (n, "x" * 60),
                                     "created_on": "2025-01-01T00:00:00Z", "modified_on": "2025-01-01T00:00:00Z",
                                     "policies": [], "members": []})
    emulator.set_state(state)
    playbook = write_playbook(str(tmp_path / "info.yml"), [
        {"name": "read", "cfiam.user_groups.cf_user_group_info": {}, "register": "out"}])
    emulator.config(latency_ms=1200)
    orphans = []
    try:
        proc = start(emulator, tmp_path, playbook, "info", lease_dir(tmp_path))
        assert wait_for(lambda: workers_of(proc.pid) and emulator.requests(), 30), "the task did not start"
        orphans = workers_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        emulator.config(latency_ms=0)
        gone = wait_for(lambda: not any(os.path.exists("/proc/%d" % p) and
                                        open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()[0] != "Z"
                                        for p in orphans), 20)
        stuck = [p for p in orphans if os.path.exists("/proc/%d" % p)]
        wchan = [open("/proc/%d/wchan" % p).read() for p in stuck if os.path.exists("/proc/%d/wchan" % p)]
    finally:
        emulator.config(latency_ms=0)
        kill_orphans(orphans)
    assert gone, "orphaned worker(s) %s still alive after 20 s, blocked in %s" % (stuck, wchan)
