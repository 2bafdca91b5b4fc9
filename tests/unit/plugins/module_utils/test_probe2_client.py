# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe 2 of the issue 17 hardening: the client against lying servers (stub servers on loopback, injected sleeps).

Strict xfails reproduce what broke (the reason says what happened and what should happen); the plain tests pin
what held. Every test is bounded in requests and time."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest


@pytest.mark.parametrize("result", ["ok", [1, 2]])
def test_a_create_whose_result_is_not_an_object(emulator, monkeypatch, result):
    from ansible_collections.cfiam.user_groups.plugins.module_utils import runtime
    from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_group
    from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
    from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun

    monkeypatch.setattr(runtime, "_LEASES", set())
    run = TaskRun("cfiam.user_groups.cf_user_group", dict(
        api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url, timeout=5,
        max_retries=0, rate_limit=0, rate_limit_per_second=0), scope=object(), secrets=[emulator.token])
    run.catalogue.user_groups()
    real_post = run.api.client.post

    def post(path, body=None, recover=None, idempotent=None):
        real_post(path, body=body, recover=recover, idempotent=idempotent)
        return result  # what a proxy or an API change could answer as "result"
    monkeypatch.setattr(run.api.client, "post", post)
    outcome = run.run(lambda r: r.result(changed=True, group=apply_group(r, plan_group(None, "Odd result"))))
    made = emulator.groups_by_name("Odd result")
    assert len(made) == 1
    assert not outcome.get("failed") and outcome["group"]["id"] == made[0]["id"], outcome
