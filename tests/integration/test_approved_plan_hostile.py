# -*- coding: utf-8 -*-
"""Approved plans under attack: hostile names in the plan file, files the check job cannot write as asked, a plan of
another account, an old plan, a plan edited with a recomputed digest, an approved plan with a drift report.

A group name (anyone who can name a group, through SCIM too, controls it) lands in the plan file, which travels as
extra variables (``-e @PATH``, AWX artifacts): Ansible templates extra variables when the role passes them on, so the
plan must carry no template markers Ansible would render.
"""
from __future__ import absolute_import, division, print_function

import json
import os

from harness import apply_role, make_group, plan_result

DECLARATION = [{"name": "Hostile Ops", "members": ["alice@example.com"], "policies": []}]
SWITCHES = {"user_groups_purge": True, "user_groups_purge_exclude": ["^Okta"], "user_groups_max_removal_ratio": 1}


def hostile_name(marker):
    return "Stray {{ lookup('pipe', 'touch %s') }} {%% if true %%}x{%% endif %%} {# c #}" % marker


def approve(run_playbook, tmp_path, emulator, **extra):
    path = tmp_path / "approved-plan.json"
    emulator.clear_requests()
    run = apply_role(run_playbook, DECLARATION, check=True, diff=True,
                     **dict(SWITCHES, user_groups_plan_out=str(path), **extra))
    assert run.rc == 0, run
    assert emulator.writes() == []
    return path, run


def apply_approved(run_playbook, emulator, path, check=False, **extra):
    emulator.clear_requests()
    return run_playbook(tasks=[{"name": "Apply the user groups role",
                                "ansible.builtin.include_role": {"name": "cfiam.user_groups.user_groups"}}],
                        vars=dict(SWITCHES, user_groups=DECLARATION, user_groups_require_approved_plan=True, **extra),
                        check=check, args=["-e", "@%s" % path])


def test_hostile_group_name_in_the_plan_file_is_not_templated(emulator, run_playbook, tmp_path):
    marker = str(tmp_path / "pwned")
    name = hostile_name(marker)
    stray = make_group(emulator, name, members=["bob@example.com"])  # undeclared: the purge deletes it
    path, _run = approve(run_playbook, tmp_path, emulator)
    assert not os.path.exists(marker)
    run = apply_approved(run_playbook, emulator, path)
    assert not os.path.exists(marker), "the plan file ran a template on the controller"
    text = path.read_text()
    for mark in ("{{", "{%", "{#"):
        assert mark not in text, text
    assert run.rc == 0, run
    assert emulator.groups_by_name(name) == []
    assert [w["method"] for w in emulator.writes()].count("DELETE") == 1, emulator.writes()
    assert stray in json.dumps(plan_result(run)["result"])
