# -*- coding: utf-8 -*-
"""Probe 2 of the issue 17 hardening: the role follows the check mode its plan ran in, also through include_role's
``apply`` (which the existing tests do not cover) and a templated check_mode keyword. What held."""
from __future__ import absolute_import, division, print_function

import pytest

from harness import ROLE

DECLARATION = [{"name": "Probe2 CM", "policies": [{"permission_groups": ["admin_readonly"]}]}]


@pytest.mark.parametrize("apply_check, cli_check, writes", [(True, False, False), (False, True, True)])
def test_include_role_apply_check_mode(emulator, run_playbook, apply_check, cli_check, writes):
    include = {"name": ROLE, "apply": {"check_mode": apply_check}}
    tasks = [{"name": "The role", "ansible.builtin.include_role": include}]
    run = run_playbook(tasks=tasks, vars={"user_groups": DECLARATION}, check=cli_check)
    assert run.rc == 0, run
    summary = run.role_summary()
    assert summary["created"] == ["Probe2 CM"]
    assert bool(summary.get("check_mode")) is (not writes), summary
    assert bool(emulator.writes()) is writes
    assert [g["name"] for g in emulator.state()["user_groups"]].count("Probe2 CM") == (1 if writes else 0)


def test_a_templated_check_mode_keyword_on_the_role_entry(emulator, tmp_path):
    import json
    import subprocess
    from harness import ansible_bin, ansible_env

    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"user_groups": DECLARATION, "dry_run": "{{ 'yes' == 'yes' }}"},
             "roles": [{"role": ROLE, "check_mode": "{{ dry_run }}"}]}]
    (tmp_path / "play.yml").write_text(json.dumps(play))
    done = subprocess.run([ansible_bin("ansible-playbook"), "-i", "localhost,", "play.yml"], cwd=str(tmp_path),
                          env=ansible_env(emulator), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=55, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert emulator.writes() == []
