# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TaskRun names the account in diff headers and warnings when the task works on its inventory host's account (many
accounts in one run), and leaves them as they are otherwise."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun

OTHER = "fedcba9876543210fedcba9876543210"


def task_run(emulator, host_account=None):
    params = dict(api_token=emulator.token, api_email=None, api_key=None, account_id=emulator.account_id,
                  base_url=emulator.base_url, timeout=10, validate_certs=True, max_retries=0, max_retry_wait=60)
    run = TaskRun("cfiam.user_groups.cf_test", params, diff_mode=True, scope=object(), secrets=[emulator.token])
    run.host_account = host_account
    return run


def work(run):
    run.catalogue.user_groups()
    run.warn("something to know")
    return run.result(diff=[{"before": {}, "after": {"name": "A"}, "before_header": "user group 'A'",
                             "after_header": "user group 'A'"}])


def test_an_account_host_names_the_account(emulator):
    result = task_run(emulator, (emulator.account_id, "Acme Production")).run(work)
    label = "account 'Acme Production' (%s): " % emulator.account_id
    assert result["warnings"] == [label + "something to know"]
    assert result["diff"][0]["before_header"] == result["diff"][0]["after_header"] == label + "user group 'A'"


def test_a_host_without_a_name_gives_the_id(emulator):
    result = task_run(emulator, (emulator.account_id, None)).run(work)
    assert result["warnings"] == ["account %s: something to know" % emulator.account_id]


def test_another_account_or_no_account_host_changes_nothing(emulator):
    for host_account in (None, (OTHER, "Elsewhere")):
        run = task_run(emulator, host_account)
        result = run.run(work)
        assert result["warnings"] == ["something to know"], host_account
        assert result["diff"][0]["before_header"] == "user group 'A'" and run.account_name is None
