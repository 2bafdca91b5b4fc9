# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One run at a time per Cloudflare account on this controller: a lease owned by the ansible-playbook process.

Layer 1 of 9, HTTP (the layer map: docs/development.md), beside ``ratelimit`` (whose private directory and file
locking it uses; it imports nothing else).
Cloudflare has no locking and allows several groups of one name, so two runs that plan the same account at
the same time both create the groups they miss. The ``user_groups`` role is several tasks (the plan, a
``cf_user_group`` loop, a purge loop), each run in a worker process forked from ansible-playbook, so a lock
held by one task cannot span the role. Instead the first task that may write to an account (not in check
mode) takes a *lease* for its ansible-playbook process: the file ``<sha256 of API host and account>.run``
in the rate budget's directory names that process (pid and start time). Every later task of the same
ansible-playbook run goes on at once; a task of another run waits until the owner has ended (the lease is
then stale and taken over), at most ``wait`` seconds, and fails saying which process holds the account,
where the lease is and how to clear it. A lease whose process is gone (finished, killed, or its pid reused
by another program) is taken over at once, and so is one that names no valid process (pid 0, negative, 1,
beyond a C int, not a number: a damaged file).

Where the directory cannot be used (no file locking, a directory of another user), or its lock stays held,
runs are not serialised and a warning says so; nothing else changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import time

from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    HAS_FCNTL,
    LOCK_WAIT,
    LockTimeout,
    _FileBackend,
    default_directory,
    private_directory,
)

POLL = 1.0  # seconds between two looks at a lease held by a live process
MAX_PID = 2 ** 31 - 1  # a pid is a C int


def valid_pid(value):
    """True when ``value`` can name the ansible-playbook process of a run: an int (not a bool) above 1 (0 and
    negative values name process groups to ``kill``, 1 is init) that fits a C int."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 < value <= MAX_PID


class RunLeaseBusy(Exception):
    """Another live run holds the account's lease and did not end within the wait."""


def lease_name(host, account_id):
    """The lease file's name: a SHA-256 of the API host and account (no credential, nothing readable)."""
    data = "cfiam.user_groups run lease v1\0%s\0%s" % ((host or "").lower(), (account_id or "").lower())
    return hashlib.sha256(data.encode("utf-8")).hexdigest() + ".run"


def _proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (state first), or None when unknown."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IOError, IndexError):
        return None


def process_start(pid):
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or None when unknown."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (ValueError, IndexError):
        return None


def process_alive(pid, start=None):
    """True while ``pid`` runs and, when ``start`` is known, is the same process (not a reused pid).

    A process that has ended but whose parent has not collected it yet (a zombie) has ended. A value that cannot
    name a run (see ``valid_pid``) is never alive.
    """
    if not valid_pid(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return False
    fields = _proc_stat(pid)
    if fields and fields[0] in ("Z", "X", "x"):
        return False
    if start is not None:
        now = process_start(pid)
        if now is not None and now != start:
            return False
    return True


class RunLease(object):
    """The lease of one account at one API host for the ansible-playbook process ``owner`` (see the docstring).

    ``wait``: the longest wait for another run, in seconds. ``warn(text)``: a warning of the task; ``notice(text)``:
    shown at once when a wait starts (defaults to ``warn``). ``check()``: called before each look at the lease; it
    raises to stop (runtime: the ansible-playbook process that started this task is gone, so nothing may be taken
    or written). ``sleep`` and ``clock`` (monotonic) are injectable.
    """

    def __init__(self, host, account_id, owner, directory=None, wait=600.0, warn=None, notice=None,
                 sleep=time.sleep, clock=time.monotonic, check=None):
        self.account_id = account_id
        self.owner = int(owner)
        self.directory = directory or default_directory()
        self.path = os.path.join(self.directory, lease_name(host, account_id))
        self.wait = float(wait)
        self._warn = warn or (lambda text: None)
        self._notice = notice or self._warn
        self._sleep = sleep
        self._clock = clock
        self._check = check or (lambda: None)
        self.waited = 0.0
        self._waits = None

    def acquire(self):
        """Take the lease for ``owner``, waiting for another live run at most ``wait`` seconds.

        Returns True when the lease is held, False when runs cannot be serialised here (a warning said why);
        raises ``RunLeaseBusy`` when another run still holds it after the wait, ``RunLeaseDeadlock`` at once when
        this run and others wait for each other's accounts and this one started last (see ``WaitGraph``).
        """
        self._check()
        problem = "file locking (fcntl) is not available" if not HAS_FCNTL else None
        if problem is None and not valid_pid(self.owner):
            problem = ("the ansible-playbook process is process %s (a container started with ansible-playbook as its "
                       "command), which cannot name a run" % self.owner)
        problem = problem or private_directory(self.directory)
        if problem:
            return self._unserialised(problem)
        began = self._clock()
        backend = _FileBackend(self.path)
        self._waits = WaitGraph(self.directory, self.owner, self.account_id, self.path)
        try:
            while True:
                self._check()
                try:
                    holder = self._take(backend)
                except (OSError, IOError) as exc:
                    return self._unserialised("%s" % exc if isinstance(exc, LockTimeout) else
                                              "cannot use %s (%s)" % (self.path, exc))
                self.waited = self._clock() - began
                if holder is None:
                    if self.waited >= POLL:
                        self._warn(self._waited_text())
                    return True
                self._waits.record()
                cycle = self._waits.cycle(holder)
                if cycle and cycle.loser == self.owner:
                    raise RunLeaseDeadlock(self._deadlock_text(holder, cycle))
                if self.waited >= self.wait:
                    raise RunLeaseBusy(self._busy_text(holder))
                if self.waited < POLL:
                    self._notice(self._waiting_text(holder))
                self._sleep(min(POLL, max(0.0, self.wait - self.waited)))
        finally:
            backend.close()
            self._waits.clear()

    def _take(self, backend):
        """Under the file's lock: the lease becomes the owner's (returns None), or the live holder is returned."""
        backend.acquire(LOCK_WAIT)
        try:
            try:
                holder = json.loads(backend.read(0, 4096).decode("utf-8") or "null")
            except (ValueError, UnicodeDecodeError):
                holder = None
            if live_holder(holder) and holder["pid"] != self.owner:
                return holder
            if not (isinstance(holder, dict) and holder.get("pid") == self.owner):
                data = json.dumps({"pid": self.owner, "start": process_start(self.owner), "since": time.time(),
                                   "account": self.account_id}).encode("utf-8")
                backend.truncate(0)
                backend.write(0, data)
            return None
        finally:
            backend.release()

    def _unserialised(self, problem):
        self._warn("Runs on account %s are not serialised on this controller: %s. Two runs on the account at the same "
                   "time could then both create a missing group" % (self.account_id, problem))
        return False

    def _holder_text(self, holder):
        return "another ansible-playbook run on this controller (process %s, since %s) holds account %s" % (
            holder.get("pid"), _since(holder.get("since")), self.account_id)

    def _waiting_text(self, holder):
        return ("%s; waiting up to %d s for it to end (one run at a time per account: a run holds the account until "
                "its ansible-playbook process ends; lease %s)" % (self._holder_text(holder), self.wait, self.path))

    def _waited_text(self):
        return ("waited %.0f s for another ansible-playbook run on account %s to end before this run went on"
                % (self.waited, self.account_id))

    def _busy_text(self, holder):
        waiting = self._waits.waiting_text(holder["pid"]) if self._waits is not None else ""
        return ("%s until that process ends%s, and it did not end within %d s (max_total_wait); nothing was written. "
                "Let that run finish, then run again. If no such run exists (the process is stopped, or another "
                "program now has its pid), delete %s" % (self._holder_text(holder), waiting, self.wait, self.path))

    def _deadlock_text(self, holder, cycle):
        return ("Run this playbook again once the other run has ended (it goes on as soon as this one has ended): "
                "this ansible-playbook run (process %d) and %s wait for each other: %s. A run holds an account until "
                "its ansible-playbook process ends, so each would wait max_total_wait (%d s) for the other; this run "
                "started last, so it gives up, and nothing was written by this task. Runs over the same accounts "
                "started at the same time wait for each other (in AWX, keep Concurrent jobs off)"
                % (self.owner, "another run on this controller" if len(cycle.members) == 2 else
                   "%d other runs on this controller" % (len(cycle.members) - 1),
                   "; ".join(cycle.describe(self.owner, self.account_id, holder)), self.wait))


def _since(value):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value)) if isinstance(value, (int, float)) and \
        not isinstance(value, bool) and 0 < value < 1e11 else "?"


def live_holder(lease):
    """True when ``lease`` (a lease file's content) names a live run. A pid that cannot name a run (0, negative, 1,
    a boolean, beyond a C int: a damaged file) names none."""
    return isinstance(lease, dict) and valid_pid(lease.get("pid")) and process_alive(lease["pid"], lease.get("start"))


def _read_json(path):
    """The JSON in ``path`` (a regular file, never through a symbolic link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        return json.loads(os.read(fd, 4096).decode("utf-8") or "null")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)


class RunLeaseDeadlock(RunLeaseBusy):
    """This run and others wait for each other's accounts, and this one started last: it gives up the wait."""


WAIT_SUFFIX = ".wait"
_LEASE_FILE = re.compile(r"^[0-9a-f]{64}\.run$")


class _Cycle(object):
    """Runs that wait for each other: ``members`` (owner pids), ``loser`` (the one that started last gives up)."""

    def __init__(self, members, edges, starts):
        self.members = members
        self.edges = edges
        self.loser = max(members, key=lambda pid: (starts.get(pid) or 0, pid))

    def describe(self, me, account_id, holder):
        """The waits of the cycle, this run's first: 'this run waits for account Y, held by process H', ..."""
        out = ["this run waits for account %s, held by process %d (since %s)" % (
            account_id, holder["pid"], _since(holder.get("since")))]
        for owner in sorted(self.members - {me}):
            for target, account in sorted(self.edges.get(owner, {}).items()):
                if target in self.members:
                    out.append("process %d waits for account %s, held by %s" % (
                        owner, account, "this run" if target == me else "process %d" % target))
        return out


class WaitGraph(object):
    """Who waits for whom among the runs of one controller, from *wait records* beside the leases.

    A task that waits for a lease writes ``<owner>-<its pid>.wait`` (the run it belongs to, its start, the lease it
    waits for) and removes it when the wait ends. With every live record, each run that waits points at the run
    holding the lease it waits for. Runs that wait for each other (two runs over two accounts in opposite orders,
    or one playbook over many accounts whose leases split between two runs) would wait until ``max_total_wait``,
    since a lease lasts until its ansible-playbook ends: the run among them that started last gives up its wait
    (``RunLeaseDeadlock``), so the others go on once it has ended. No lease is given up, so the writes of two runs
    never interleave on one account. Records of processes that ended are removed.
    """

    def __init__(self, directory, owner, account_id, lease_path):
        self.directory = directory
        self.owner = owner
        self.account_id = account_id
        self.lease = os.path.basename(lease_path)
        self.start = process_start(owner)
        self.path = None

    def record(self):
        """Write this task's wait record (once per wait); without it, the other runs cannot see this one wait."""
        if self.path is not None:
            return
        path = os.path.join(self.directory, "%d-%d%s" % (self.owner, os.getpid(), WAIT_SUFFIX))
        data = json.dumps({"owner": self.owner, "owner_start": self.start, "worker": os.getpid(),
                           "worker_start": process_start(os.getpid()), "lease": self.lease,
                           "account": self.account_id}).encode("utf-8")
        try:
            fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) |
                         getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            os.replace(path + ".tmp", path)
            self.path = path
        except OSError:
            self.path = ""  # not recorded: a deadlock with this wait is then only ended by max_total_wait

    def clear(self):
        if self.path:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        self.path = None

    def edges(self):
        """``({owner: {holder pid: account}}, {owner: start})`` from the live wait records (stale ones removed)."""
        edges, starts = {}, {}
        try:
            names = [n for n in os.listdir(self.directory) if n.endswith(WAIT_SUFFIX)]
        except OSError:
            return edges, starts
        for name in names:
            path = os.path.join(self.directory, name)
            record = _read_json(path)
            fields = record if isinstance(record, dict) else {}
            owner, worker, lease = fields.get("owner"), fields.get("worker"), fields.get("lease")
            if not (valid_pid(worker) and process_alive(worker, fields.get("worker_start"))):
                _unlink(path)  # the task that waited has ended (or the record is damaged)
                continue
            if not (valid_pid(owner) and isinstance(lease, str) and _LEASE_FILE.match(lease)):
                continue
            holder = _read_json(os.path.join(self.directory, lease))
            if live_holder(holder) and holder["pid"] != owner:
                edges.setdefault(owner, {})[holder["pid"]] = fields.get("account")
                starts[owner] = fields.get("owner_start")
        return edges, starts

    def cycle(self, holder):
        """The runs that wait for each other with this one (waiting for ``holder``), or None."""
        edges, starts = self.edges()
        edges.setdefault(self.owner, {})[holder["pid"]] = self.account_id
        starts[self.owner] = self.start
        ahead = _reach(self.owner, lambda node: edges.get(node, {}))
        if self.owner not in ahead:
            return None
        behind = _reach(self.owner, lambda node: [o for o, targets in edges.items() if node in targets])
        members = (ahead & behind) | {self.owner}
        return _Cycle(members, edges, starts)

    def waiting_text(self, pid):
        """', which itself waits for account X (held by process Y)' when run ``pid`` waits too, else ''."""
        targets = self.edges()[0].get(pid) or {}
        return "".join(", which itself waits for account %s (held by process %d)" % (account, target)
                       for target, account in sorted(targets.items()))


def _reach(start, successors):
    """Every node reachable from ``start`` in one step or more (``start`` itself only through a cycle)."""
    seen, todo = set(), list(successors(start))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(successors(node))
    return seen


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass
