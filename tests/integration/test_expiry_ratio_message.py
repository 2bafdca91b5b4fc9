# -*- coding: utf-8 -*-
"""The removal guard and expiring access: an entry whose expires date has come is the declaration's own dated yes,
so it is not counted against user_groups_max_removal_ratio (a scheduled run lets a contractor's date take effect on
a small declaration); every other removal still is, and a run over the ratio writes nothing."""
from __future__ import absolute_import, division, print_function

from harness import apply_role, make_group, normalized_groups, plan_result

ENV = {"CFIAM_TODAY": "2026-12-07"}


def test_expired_removals_take_effect_under_the_default_ratio(emulator, run_playbook):
    # carol is 1 of the group's 2 memberships: 50%, twice the default ratio, and still removed on her date.
    make_group(emulator, "Contractors", ["alice@example.com", "carol@example.com"])
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": "2026-12-06"}]}]
    run = apply_role(run_playbook, declaration, env=ENV)
    assert run.rc == 0, run
    assert normalized_groups(emulator.state())["Contractors"]["members"] == ["alice@example.com"]
    assert len(emulator.writes()) == 1, emulator.writes()  # one write: the member list without carol


def test_other_removals_still_count_and_the_expired_ones_are_not_among_them(emulator, run_playbook):
    make_group(emulator, "Contractors", ["alice@example.com", "bob@example.com", "carol@example.com"])
    # bob is dropped from the list (exclusive members): 1 of 3 memberships, over the default 0.25; carol's removal
    # is dated and not counted.
    declaration = [{"name": "Contractors", "members": [
        "alice@example.com", {"email": "carol@example.com", "expires": "2026-12-06"}]}]
    run = apply_role(run_playbook, declaration, env=ENV)
    assert run.rc != 0, run
    msg = plan_result(run)["result"]["msg"]
    assert msg.split(": ", 1)[1].startswith("check the declaration"), msg
    assert "remove 1 of the 3 memberships" in msg, msg
    assert emulator.writes() == []
