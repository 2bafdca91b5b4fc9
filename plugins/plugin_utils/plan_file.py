# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The file ``user_groups_plan_out`` names: ``{"user_groups_approved_plan": {account id: entry}}`` (``-e @PATH``).

Several hosts of one run (playbooks/multi_account: one host per account, in parallel forks) write into the same
file: each one takes an exclusive lock on the file's directory, reads the file, replaces its own account's entry
and writes the whole file again through a temporary file and a rename, so no entry is lost and no reader sees half
a file. A file that exists and is not such a file is never overwritten. Two runs (two playbooks) writing the same
file at once are serialised the same way; a run waits at most ``LOCK_WAIT`` seconds for the lock, then fails with
what to do. A symbolic link is refused (the rename would replace the link, not what it points to; in a shared
directory a link is how another user would make a run write elsewhere).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import tempfile
import time

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError

VARIABLE = "user_groups_approved_plan"
LOCK_WAIT = 60.0  # seconds; writing a plan takes milliseconds


def _existing(path):
    """The plans already in ``path`` (``{}`` when it is absent or empty)."""
    try:
        with open(path) as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or set(data) != set([VARIABLE]) or not isinstance(data[VARIABLE], dict):
        raise ResolutionError(["choose another user_groups_plan_out, or delete %s: it exists and is not a plan file "
                               "the role wrote ({\"%s\": {...}}), so it is not overwritten" % (path, VARIABLE)])
    return data[VARIABLE]


def _lock(handle, directory, wait):
    """An exclusive lock on the directory, waited for at most ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ResolutionError(["choose another user_groups_plan_out, or find the process that holds the lock "
                                       "on %s (another run writing a plan there has held it for over %d s): the plan "
                                       "was not written" % (directory, wait)])
            time.sleep(0.05)


def _write(path, directory, account_id, entry):
    plans = _existing(path)
    plans[account_id] = entry
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".plan-", suffix=".json")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump({VARIABLE: plans}, out, indent=1, sort_keys=True)
            out.write("\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def record(path, account_id, entry, wait=None):
    """Write ``entry`` as the plan of ``account_id`` into ``path``, keeping the other accounts' plans there; returns
    the absolute path."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise ResolutionError(["create the directory %s first (user_groups_plan_out: %s)" % (directory, path)])
    if os.path.islink(path):
        raise ResolutionError(["choose another user_groups_plan_out, or replace the symbolic link %s with the file "
                               "itself (it points to %s): a plan is not written through a link" % (
                                   path, os.readlink(path))])
    try:
        lock = os.open(directory, os.O_RDONLY)
        try:
            _lock(lock, directory, LOCK_WAIT if wait is None else wait)
            if os.path.islink(path):  # made while this run waited
                raise ResolutionError(["choose another user_groups_plan_out: %s became a symbolic link" % path])
            _write(path, directory, account_id, entry)
        finally:
            os.close(lock)
    except OSError as exc:
        raise ResolutionError(["make %s writable, or choose another user_groups_plan_out: %s" % (path, exc)])
    return path
