# -*- coding: utf-8 -*-
"""The removal guard's message when the removals are expiries: a scheduled run that a contractor's date trips leads
with the dates, not with "check the declaration"; a mix of expiries and other removals says how many are expiries.
Both write nothing (the emulator's request log has no write)."""
from __future__ import absolute_import, division, print_function

from harness import apply_role, make_group, plan_result

ENV = {"CFIAM_TODAY": "2026-12-07"}


def test_all_expired_removals_lead_with_the_dates(emulator, run_playbook):
    make_group(emulator, "Contractors", ["alice@example.com", "carol@example.com"])
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": "2026-12-06"}]}]
    run = apply_role(run_playbook, declaration, env=ENV)
    assert run.rc != 0, run
    msg = plan_result(run)["result"]["msg"]
    assert "every removal is of an entry whose expires date has come" in msg, msg
    assert "check the declaration" not in msg, msg
    assert "'Contractors': carol@example.com" in msg, msg
    assert emulator.writes() == []


def test_mixed_removals_count_the_expiries(emulator, run_playbook):
    make_group(emulator, "Contractors", ["alice@example.com", "bob@example.com", "carol@example.com"])
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": "2026-12-06"}]}]
    run = apply_role(run_playbook, declaration, env=ENV)
    assert run.rc != 0, run
    msg = plan_result(run)["result"]["msg"]
    assert msg.split(": ", 1)[1].startswith("check the declaration"), msg
    assert "1 of the removals are entries whose expires date has come" in msg, msg
    assert emulator.writes() == []
