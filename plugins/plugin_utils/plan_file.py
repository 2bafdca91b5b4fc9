# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The file ``user_groups_plan_out`` names: ``{"user_groups_approved_plan": {account id: entry}}`` (``-e @PATH``).

Several hosts of one run (playbooks/multi_account: one host per account, in parallel forks) write into the same
file: each one takes an exclusive lock on the file's directory, reads the file, replaces its own account's entry
and writes the whole file again through a temporary file and a rename, so no entry is lost and no reader sees half
a file. A file that exists and is not such a file is never overwritten.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import tempfile

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError

VARIABLE = "user_groups_approved_plan"


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


def record(path, account_id, entry):
    """Write ``entry`` as the plan of ``account_id`` into ``path``, keeping the other accounts' plans there; returns
    the absolute path."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise ResolutionError(["create the directory %s first (user_groups_plan_out: %s)" % (directory, path)])
    try:
        lock = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
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
        finally:
            os.close(lock)
    except OSError as exc:
        raise ResolutionError(["make %s writable, or choose another user_groups_plan_out: %s" % (path, exc)])
    return path
