# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17 point 6 (probe 2): a create is recorded as written as soon as its POST is answered, before the read-back
by name; a write whose result is no object is a reply without an id. Against the emulator: the state and the request
log say what happened."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import runtime
from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun


@pytest.fixture
def new_run(emulator, monkeypatch):
    monkeypatch.setattr(runtime, "_LEASES", set())

    def make():
        run = TaskRun("cfiam.user_groups.cf_user_group", dict(
            api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url, timeout=3,
            max_retries=0, rate_limit=0, rate_limit_per_second=0), scope=object(), secrets=[emulator.token])
        run.catalogue.user_groups()  # the plan's read
        return run
    return make


def answer(monkeypatch, run, method, result):
    """The write is sent, and its result replaced by ``result`` (what an API change or a proxy could answer)."""
    real = getattr(run.api.client, method)

    def send(path, *args, **kwargs):
        real(path, *args, **kwargs)
        return result
    monkeypatch.setattr(run.api.client, method, send)


def create(run, name):
    return run.run(lambda r: r.result(changed=True, group=apply_group(r, plan_group(None, name))))


def test_a_reply_without_an_id_and_a_failed_read_back_still_says_created(emulator, new_run, monkeypatch):
    run = new_run()
    answer(monkeypatch, run, "post", {})
    emulator.faults(rate=1.0, kinds=["500"], methods=["GET"])
    emulator.clear_requests()
    result = create(run, "No id")
    emulator.faults(rate=0)
    assert len(emulator.groups_by_name("No id")) == 1
    assert [e["method"] for e in emulator.requests()] == ["POST", "GET"]
    assert result["failed"] is True and result["changed"] is True
    assert result["written"] == ["created user group 'No id' (its id unknown: the reply did not give it)"]
    assert result["msg"].startswith("Failed to read back user group 'No id' by name after creating it: "), result


def test_a_reply_without_an_id_and_no_new_group_listed_fails_saying_so(emulator, new_run, monkeypatch):
    """The POST is answered 2xx without an id, and the listing shows no new group (say, not listed yet)."""
    run = new_run()
    monkeypatch.setattr(run.api.client, "post", lambda path, **kwargs: {})  # nothing is created here
    result = create(run, "Invisible")
    assert emulator.groups_by_name("Invisible") == []
    assert result["failed"] is True and result["changed"] is True
    assert "its reply gave no id and no new group of that name is listed" in result["msg"]
    assert result["written"] == ["created user group 'Invisible' (its id unknown: the reply did not give it)"]


@pytest.mark.parametrize("reply", [None, "ok", [1], 3])
def test_a_create_answered_with_no_object_is_read_back(emulator, new_run, monkeypatch, reply):
    run = new_run()
    answer(monkeypatch, run, "post", reply)
    result = create(run, "Odd reply")
    made = emulator.groups_by_name("Odd reply")
    assert len(made) == 1 and not result.get("failed"), result
    assert result["group"]["id"] == made[0]["id"]


def test_a_create_whose_read_back_fails_names_the_id_of_the_reply(emulator, new_run):
    run = new_run()
    emulator.faults(rate=1.0, kinds=["500"], methods=["GET"])
    result = create(run, "Read back")
    emulator.faults(rate=0)
    made = emulator.groups_by_name("Read back")
    assert result["written"] == ["created user group 'Read back' (%s)" % made[0]["id"]]


@pytest.mark.parametrize("reply", ["ok", [1, 2]])
def test_an_update_answered_with_no_object_is_done(emulator, new_run, monkeypatch, reply):
    before = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": "Old"}).json()["result"]
    run = new_run()
    answer(monkeypatch, run, "put", reply)
    result = run.run(lambda r: r.result(changed=True, group=apply_group(r, plan_group(before, "New"))))
    assert not result.get("failed"), result
    assert [g["name"] for g in emulator.state()["user_groups"] if g["id"] == before["id"]] == ["New"]
