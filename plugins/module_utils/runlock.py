# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One run at a time per Cloudflare account on this controller: a lease owned by the ansible-playbook process.

Layer 1, beside ``ratelimit`` (whose private directory and file locking it uses; it imports nothing else).
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
    return type(value) is int and 1 < value <= MAX_PID


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
    shown at once when a wait starts (defaults to ``warn``). ``sleep`` and ``clock`` (monotonic) are injectable.
    """

    def __init__(self, host, account_id, owner, directory=None, wait=600.0, warn=None, notice=None,
                 sleep=time.sleep, clock=time.monotonic):
        self.account_id = account_id
        self.owner = int(owner)
        self.directory = directory or default_directory()
        self.path = os.path.join(self.directory, lease_name(host, account_id))
        self.wait = float(wait)
        self._warn = warn or (lambda text: None)
        self._notice = notice or self._warn
        self._sleep = sleep
        self._clock = clock
        self.waited = 0.0

    def acquire(self):
        """Take the lease for ``owner``, waiting for another live run at most ``wait`` seconds.

        Returns True when the lease is held, False when runs cannot be serialised here (a warning said why);
        raises ``RunLeaseBusy`` when another run still holds it after the wait.
        """
        problem = "file locking (fcntl) is not available" if not HAS_FCNTL else None
        if problem is None and not valid_pid(self.owner):
            problem = ("the ansible-playbook process is process %s (a container started with ansible-playbook as its "
                       "command), which cannot name a run" % self.owner)
        problem = problem or private_directory(self.directory)
        if problem:
            return self._unserialised(problem)
        began = self._clock()
        backend = _FileBackend(self.path)
        try:
            while True:
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
                if self.waited >= self.wait:
                    raise RunLeaseBusy(self._busy_text(holder))
                if self.waited < POLL:
                    self._notice(self._waiting_text(holder))
                self._sleep(min(POLL, max(0.0, self.wait - self.waited)))
        finally:
            backend.close()

    def _take(self, backend):
        """Under the file's lock: the lease becomes the owner's (returns None), or the live holder is returned."""
        backend.acquire(LOCK_WAIT)
        try:
            try:
                holder = json.loads(backend.read(0, 4096).decode("utf-8") or "null")
            except (ValueError, UnicodeDecodeError):
                holder = None
            # A pid that cannot name a run (0, negative, 1, a boolean, beyond a C int: a damaged file) is no holder.
            if isinstance(holder, dict) and valid_pid(holder.get("pid")) and holder["pid"] != self.owner \
                    and process_alive(holder["pid"], holder.get("start")):
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
        since = holder.get("since")
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since)) if isinstance(since, (int, float)) else "?"
        return "another ansible-playbook run on this controller (process %s, since %s) holds account %s" % (
            holder.get("pid"), when, self.account_id)

    def _waiting_text(self, holder):
        return ("%s; waiting up to %d s for it to end (one run at a time per account; lease %s)"
                % (self._holder_text(holder), self.wait, self.path))

    def _waited_text(self):
        return ("waited %.0f s for another ansible-playbook run on account %s to end before this run went on"
                % (self.waited, self.account_id))

    def _busy_text(self, holder):
        return ("%s and did not end within %d s (max_total_wait); nothing was written. Let that run finish, then "
                "run again. If no such run exists (the process is stopped, or another program now has its pid), "
                "delete %s" % (self._holder_text(holder), self.wait, self.path))
