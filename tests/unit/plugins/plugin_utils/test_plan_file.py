# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan file (plan_file.record): processes writing one file at once keep every account's plan and never leave
half a file; a symbolic link, a missing directory, a file that is not a plan file, a lock held too long and a write
that fails are refused with the fix first."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import multiprocessing
import os

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.plugin_utils import plan_file


def entry(n):
    return {"format": 2, "digest": "%064x" % n, "plan": "e30=", "summary": ["x" * 2000]}


def write_many(path, start, count):
    for n in range(start, start + count):
        plan_file.record(path, "%032x" % n, entry(n))


def test_processes_writing_one_file_keep_every_plan(tmp_path):
    path = str(tmp_path / "plan.json")
    workers = [multiprocessing.Process(target=write_many, args=(path, k * 100, 20)) for k in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with open(path) as handle:
        plans = json.load(handle)["user_groups_approved_plan"]
    assert sorted(plans) == sorted("%032x" % (k * 100 + n) for k in range(4) for n in range(20))
    assert [f for f in os.listdir(str(tmp_path)) if f.startswith(".plan-")] == []  # no temporary file left


def test_the_same_account_again_replaces_its_plan(tmp_path):
    path = str(tmp_path / "plan.json")
    plan_file.record(path, "a" * 32, entry(1))
    plan_file.record(path, "b" * 32, entry(2))
    plan_file.record(path, "a" * 32, entry(3))
    with open(path) as handle:
        assert json.load(handle) == {"user_groups_approved_plan": {"a" * 32: entry(3), "b" * 32: entry(2)}}


def refusal(path, **kw):
    with pytest.raises(ResolutionError) as info:
        plan_file.record(str(path), "a" * 32, entry(1), **kw)
    return info.value.problems[0]


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"user_groups_approved_plan": {}}))
    link = tmp_path / "plan.json"
    os.symlink(str(target), str(link))
    assert refusal(link).startswith("choose another user_groups_plan_out, or replace the symbolic link %s" % link)
    assert json.loads(target.read_text()) == {"user_groups_approved_plan": {}} and os.path.islink(str(link))
    dangling = tmp_path / "dangling.json"
    os.symlink(str(tmp_path / "nowhere.json"), str(dangling))
    assert "symbolic link" in refusal(dangling) and not os.path.exists(str(tmp_path / "nowhere.json"))


def test_a_missing_directory_or_another_file_is_refused(tmp_path):
    assert refusal(tmp_path / "missing" / "plan.json").startswith("create the directory %s first" % (
        tmp_path / "missing"))
    other = tmp_path / "notes.json"
    other.write_text('{"keep": 1}')
    assert "it exists and is not a plan file the role wrote" in refusal(other)
    assert other.read_text() == '{"keep": 1}'
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert refusal(folder).startswith("make %s writable, or choose another user_groups_plan_out" % folder)


def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "plan.json"
    plan_file.record(str(path), "b" * 32, entry(2))
    before = path.read_text()

    def refuse(*_args):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(plan_file.os, "replace", refuse)
    assert refusal(path).startswith("make %s writable, or choose another user_groups_plan_out: " % path)
    assert path.read_text() == before
    assert sorted(os.listdir(str(tmp_path))) == ["plan.json"]


def test_a_lock_held_too_long_is_waited_for_with_a_bound(tmp_path):
    holder = os.open(str(tmp_path), os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        text = refusal(tmp_path / "plan.json", wait=0.2)
    finally:
        os.close(holder)
    assert text.startswith("choose another user_groups_plan_out, or find the process that holds the lock on %s"
                           % tmp_path), text
    assert not os.path.exists(str(tmp_path / "plan.json"))
