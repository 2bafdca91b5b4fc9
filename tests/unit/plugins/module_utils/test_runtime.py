# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""runtime.py: TaskRun (one failure path, one result shape), session_for (sharing) and target_group."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import runtime
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun, session_for, target_group
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import hexid

API = "/client/v4"


def connection(emulator, **overrides):
    """The validated connection options of a task aimed at the emulator (as the argument spec fills them in)."""
    params = dict(api_token=emulator.token, api_email=None, api_key=None, account_id=emulator.account_id,
                  base_url=emulator.base_url, timeout=10, validate_certs=True, max_retries=0, max_retry_wait=60)
    params.update(overrides)
    return params


def task_run(emulator, scope=None, check_mode=False, diff_mode=False, secrets=None, **overrides):
    params = connection(emulator, **overrides)
    return TaskRun("cfiam.user_groups.cf_test", params, check_mode=check_mode, diff_mode=diff_mode,
                   scope=scope if scope is not None else object(),
                   secrets=[emulator.token] if secrets is None else secrets)


# =========================================================================== TaskRun.run: the failure path
class TestFailurePath(object):
    def test_success_has_counts_and_warnings(self, emulator):
        run = task_run(emulator)

        def work(r):
            r.warn("one")
            r.warn("one")
            r.catalogue.user_groups()
            return r.result(changed=1, diff={"before": {}, "after": {}}, data="x")
        result = run.run(work)
        assert result == {"changed": True, "data": "x", "warnings": ["one"],
                          "api_requests": {"GET": 1, "total": 1, "retries": 0, "waited": 0.0}}

    def test_diff_only_in_diff_mode(self, emulator):
        assert task_run(emulator, diff_mode=True).result(diff={"a": 1}) == {"changed": False, "diff": {"a": 1}}
        assert task_run(emulator, diff_mode=True).result(diff=None) == {"changed": False}

    def test_every_problem_is_listed(self, emulator):
        run = task_run(emulator)

        def work(r):
            r.doing("resolve the policies of user group 'Ops'")
            raise ResolutionError(["first problem", "second problem"])
        result = run.run(work)
        assert result["failed"] is True and result.get("changed", False) is False
        assert result["msg"] == "Failed to resolve the policies of user group 'Ops': first problem; second problem"
        assert result["problems"] == ["first problem", "second problem"]
        assert "written" not in result and result["api_requests"] == {"total": 0, "retries": 0, "waited": 0.0}

    def test_cloudflare_status_and_codes_are_carried(self, emulator):
        run = task_run(emulator)
        scim = emulator.group_by_name("Okta Contractors")

        def work(r):
            r.doing("rename user group 'Okta Contractors'")
            r.api.update_user_group(scim["id"], name="Renamed")
        result = run.run(work)
        path = "/accounts/%s/iam/user_groups/%s" % (emulator.account_id, scim["id"])
        assert result["failed"] is True and result.get("changed", False) is False
        assert result["status"] == 400 and result["error_codes"] == [1010]
        assert result["method"] == "PUT" and result["path"] == path
        assert result["msg"].startswith("Failed to rename user group 'Okta Contractors': [1010] Cannot modify user "
                                        "group 'Okta Contractors'")
        assert result["msg"].endswith("(HTTP 400, PUT %s)" % path)
        assert result["api_requests"] == {"PUT": 1, "total": 1, "retries": 0, "waited": 0.0}

    def test_a_failure_after_a_write_says_what_was_written(self, emulator):
        run = task_run(emulator)
        made = {}

        def work(r):
            r.doing("create user group 'Half done'")
            made.update(r.api.create_user_group("Half done"))
            r.wrote("created user group 'Half done' (%s)" % made["id"])
            r.doing("add 1 member(s) to user group 'Half done'")
            r.api.add_group_members(made["id"], [hexid(0xBAD)])
        result = run.run(work)
        assert result["failed"] is True and result["changed"] is True
        assert result["written"] == ["created user group 'Half done' (%s)" % made["id"]]
        assert result["error_codes"] == [1004] and result["status"] == 400
        assert result["msg"].endswith(". Already written before the failure: created user group 'Half done' (%s)"
                                      % made["id"])
        assert [g["id"] for g in emulator.groups_by_name("Half done")] == [made["id"]]

    def test_missing_connection_settings(self, emulator):
        run = task_run(emulator, api_token=None, account_id="not-an-account")
        result = run.run(lambda r: r.result(count=len(r.catalogue.user_groups())))
        assert result["failed"] is True
        assert result["msg"].startswith("Failed to run cfiam.user_groups.cf_test: Invalid connection settings: no "
                                        "Cloudflare credentials")
        assert "account_id 'not-an-account' is not a Cloudflare account id" in result["msg"]
        assert result["api_requests"] == {"total": 0, "retries": 0, "waited": 0.0} and emulator.requests() == []

    def test_unexpected_errors_become_one_failure(self, emulator):
        run = task_run(emulator)
        result = run.run(lambda r: {}["missing"])
        assert result["failed"] is True and result["msg"] == "Failed to run cfiam.user_groups.cf_test: unexpected " \
                                                             "KeyError: 'missing'"
        assert "Traceback" in result["exception"]

    def test_secrets_are_masked_everywhere(self, emulator):
        secret = emulator.token
        run = task_run(emulator, secrets=[secret, "other-secret", None, ""])

        def work(r):
            r.warn("a warning that quotes %s" % secret)
            r.doing("use %s" % secret)
            raise ResolutionError(["token %s in a problem" % secret, "and other-secret too"])
        result = run.run(work)
        text = json.dumps(result)
        assert secret not in text and "other-secret" not in text
        assert result["problems"] == ["token ******** in a problem", "and ******** too"]
        assert result["warnings"] == ["a warning that quotes ********"]
        assert result["msg"].startswith("Failed to use ********: ")

    def test_secret_in_an_unexpected_error_is_masked(self, emulator):
        secret = emulator.token

        def work(r):
            raise ValueError("bad value %s" % secret)
        result = task_run(emulator).run(work)
        assert secret not in json.dumps(result) and "bad value ********" in result["msg"]


# =========================================================================== session_for
class TestSessions(object):
    def test_items_of_one_task_share_the_session(self, emulator):
        scope = ("task-uuid-1", "localhost")
        first, second = task_run(emulator, scope=scope), task_run(emulator, scope=scope)
        first.run(lambda r: r.result(count=len(r.catalogue.user_groups())))
        emulator.clear_requests()
        result = second.run(lambda r: r.result(names=r.catalogue.user_group_names()))
        assert second.session is first.session
        assert result["names"] == ["Okta Contractors"]
        assert emulator.requests() == []  # the 2nd item sends no request the 1st already made
        assert result["api_requests"]["total"] == 1  # the shared client counts for the whole task

    def test_the_latest_item_receives_the_warnings(self, emulator):
        scope = ("task-uuid-2", "localhost")
        first, second = task_run(emulator, scope=scope), task_run(emulator, scope=scope)
        assert first.session is second.session
        second.session.client.warn("retrying")
        assert second.warnings == ["retrying"] and first.warnings == []

    def test_each_item_starts_fresh(self, emulator, api):
        scope = ("task-uuid-3", "localhost")
        made = api.create_user_group("Item fresh")
        first = task_run(emulator, scope=scope)
        first.catalogue.user_groups()
        emulator.clear_requests()
        assert first.catalogue.fresh_user_group(made["id"])["name"] == "Item fresh"
        assert emulator.requests() == []
        second = task_run(emulator, scope=scope)
        assert second.catalogue.fresh_user_group(made["id"])["name"] == "Item fresh"
        assert len(emulator.requests()) == 1  # re-read before a write of the next item

    def test_never_shared_across_scopes(self, emulator):
        one = task_run(emulator, scope=("task-a", "host1")).session
        two = task_run(emulator, scope=("task-a", "host2")).session
        three = task_run(emulator, scope=("task-b", "host1")).session
        assert len(set(map(id, (one, two, three)))) == 3
        # A new task forgets the sessions of the others.
        assert task_run(emulator, scope=("task-a", "host1")).session is not one

    @pytest.mark.parametrize("overrides", [
        dict(api_token="another-token"),
        dict(api_token=None, api_email="emulator@example.com", api_key="emulator-global-key"),
        dict(account_id="f" * 32),
        dict(base_url="http://127.0.0.1:9/client/v4"),
        dict(max_retries=3),
    ], ids=["token", "email_and_key", "account", "base_url", "retries"])
    def test_never_shared_across_credentials_or_settings(self, emulator, overrides):
        scope = ("task-uuid-4", "localhost")
        base = task_run(emulator, scope=scope).session
        other = task_run(emulator, scope=scope, **overrides).session
        assert other is not base
        assert task_run(emulator, scope=scope).session is base  # both live while the task runs

    def test_session_keys_hold_no_secret(self, emulator):
        scope = ("task-uuid-5", "localhost")
        task_run(emulator, scope=scope).session
        task_run(emulator, scope=scope, api_token=None, api_email="emulator@example.com",
                 api_key="emulator-global-key").session
        keys = repr(list(runtime._SESSIONS))  # pylint: disable=protected-access
        assert emulator.token not in keys and "emulator-global-key" not in keys

    def test_session_for_directly(self, emulator):
        settings = ConnectionSettings.from_params(dict(connection(emulator)))
        warnings = []
        session = session_for(("direct", None), settings, warnings.append)
        again = ConnectionSettings.from_params(dict(connection(emulator)))
        assert session_for(("direct", None), again, warnings.append) is session
        assert session.account_id == emulator.account_id and session.api.account_id == emulator.account_id
        assert session.catalogue.api is session.api and session.api.client is session.client
        assert session.client.max_retries == 0 and session.client.base_url == emulator.base_url


# =========================================================================== target_group
class TestTargetGroup(object):
    def test_existing_group(self, emulator, api):
        made = api.create_user_group("Target")
        run = task_run(emulator)
        group, label, problems = target_group(run, "Target", None)
        assert group["id"] == made["id"] and label == "user group 'Target' (%s)" % made["id"] and problems == []
        group, label, problems = target_group(run, None, made["id"])
        assert group["name"] == "Target" and label == "user group 'Target' (%s)" % made["id"] and problems == []

    def test_check_mode_assumes_an_earlier_task_creates_it(self, emulator):
        run = task_run(emulator, check_mode=True)
        group, label, problems = target_group(run, "Later", None)
        assert group == {"id": None, "name": "Later", "policies": []} and label == "user group 'Later'"
        assert problems == []
        assert run.warnings == ["user group 'Later' does not exist in account %s; check mode assumes an earlier task "
                                "creates it and predicts this task's change on an empty group" % emulator.account_id]

    def test_unknown_group_is_a_problem(self, emulator, api):
        api.create_user_group("Developers")
        run = task_run(emulator)
        assert target_group(run, "Develpers", None) == (None, "user group 'Develpers'", [
            "user group 'Develpers' does not exist in account %s (did you mean 'Developers'?)" % emulator.account_id])
        assert target_group(run, None, hexid(404))[2] == [
            "user group id '%s' does not exist in account %s" % (hexid(404), emulator.account_id)]
        # check mode cannot assume a group named by id
        assert target_group(task_run(emulator, check_mode=True), None, hexid(404))[0] is None

    def test_duplicate_names(self, emulator, api):
        ids = sorted(api.create_user_group("Twins")["id"] for _n in range(2))
        group, label, problems = target_group(task_run(emulator, check_mode=True), "Twins", None)
        assert group is None and label == "user group 'Twins'"
        assert problems == ["2 user groups are named 'Twins' (ids: %s); address the group by id" % ", ".join(ids)]
