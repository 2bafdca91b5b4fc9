# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe 2 of the issue 17 hardening: lease files that are garbage, and a create whose read-back by name fails.

Strict xfails reproduce what broke (the reason says what happened and what should happen); the plain tests pin
what held. Injected clocks only: nothing waits through real seconds."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.cfiam.user_groups.plugins.module_utils import runlock, runtime
from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.runlock import RunLease
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun

ACCOUNT = "0123456789abcdef0123456789abcdef"
HOST = "api.example"


def write_lease(lease_dir, content):
    path = os.path.join(lease_dir, runlock.lease_name(HOST, ACCOUNT))
    with open(path, "w") as handle:
        handle.write(content)
    return path


def lease(lease_dir, clock, wait=5):
    return RunLease(HOST, ACCOUNT, os.getpid(), directory=lease_dir, wait=wait, warn=[].append,
                    notice=[].append, sleep=clock.sleep, clock=clock)


# --------------------------------------------------------------------------- a create whose read-back fails
def new_run(emulator):
    return TaskRun("cfiam.user_groups.cf_user_group", dict(
        api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url, timeout=3,
        max_retries=0, rate_limit=0, rate_limit_per_second=0), scope=object(), secrets=[emulator.token])


def test_a_create_whose_read_back_fails_reports_the_group_it_made(emulator, monkeypatch):
    monkeypatch.setattr(runtime, "_LEASES", set())
    run = new_run(emulator)
    run.catalogue.user_groups()  # the plan: no such group
    emulator.faults(rate=1.0, kinds=["500"], methods=["GET"])  # only the read-back fails
    emulator.clear_requests()

    def create(r):
        group = apply_group(r, plan_group(None, "Probe2 read-back"))
        return r.result(changed=True, group=group)
    result = run.run(create)
    emulator.faults(rate=0)
    made = emulator.groups_by_name("Probe2 read-back")
    assert len(made) == 1, made
    assert [e["method"] for e in emulator.requests()] == ["POST", "GET"]
    assert result.get("failed") is True
    assert result.get("changed") is True and made[0]["id"] in result["msg"], result


def test_a_create_whose_read_back_shows_two_new_groups_names_both(emulator, monkeypatch):
    """Two other groups of the name appear between the plan and the POST: all three ids are named."""
    monkeypatch.setattr(runtime, "_LEASES", set())
    run = new_run(emulator)
    run.catalogue.user_groups()
    others = [emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": "Triplet"}).json()
              ["result"]["id"] for _n in range(2)]
    result = run.run(lambda r: r.result(changed=True, group=apply_group(r, plan_group(None, "Triplet"))))
    assert result["failed"] is True and result["changed"] is True
    assert "now exists 3 times" in result["msg"]
    for group_id in [g["id"] for g in emulator.groups_by_name("Triplet")]:
        assert group_id in result["msg"]
    assert set(others) <= set(g["id"] for g in emulator.groups_by_name("Triplet"))
