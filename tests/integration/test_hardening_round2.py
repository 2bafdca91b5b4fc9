# -*- coding: utf-8 -*-
"""Issue 17 (hardening, round 2), end to end: each test reproduces one reported attack or failure with real
ansible-playbook runs against the emulator (loopback only, bounded in time and requests) and asserts on what the
emulator holds and received."""
from __future__ import absolute_import, division, print_function

import subprocess

from harness import ansible_bin, ansible_env, make_group


# --------------------------------------------------------------------------- point 2: to_unsafe_yaml keys
def test_unsafe_yaml_keys_never_run_in_a_play(emulator, tmp_path):
    """A group named with a lookup (anyone who can name a group can do it), read with cf_user_group_info, keyed by
    name (items2dict), written with to_unsafe_yaml, read back with vars_files, copied with set_fact and looped over
    with dict2items: the lookup hidden in the key never runs."""
    marker = tmp_path / "ran"
    name = "{{ lookup('pipe', 'touch %s') }}" % marker
    group_id = make_group(emulator, name)
    (tmp_path / "write.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - cfiam.user_groups.cf_user_group_info:\n      register: current\n"
        "    - ansible.builtin.copy:\n        dest: groups.yml\n        mode: '0600'\n"
        "        content: \"{{ {'by_name': current.user_groups | items2dict(key_name='name', value_name='id')}"
        " | cfiam.user_groups.to_unsafe_yaml }}\"\n")
    (tmp_path / "read.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  vars_files: [groups.yml]\n  tasks:\n"
        "    - ansible.builtin.set_fact:\n        copied: \"{{ by_name }}\"\n"
        "    - ansible.builtin.debug:\n        msg: \"{{ item.key }} is {{ item.value }}\"\n"
        "      loop: \"{{ copied | dict2items }}\"\n")
    env = ansible_env(emulator)
    for playbook in ("write.yml", "read.yml"):
        done = subprocess.run([ansible_bin("ansible-playbook"), "-i", "localhost,", "-c", "local", playbook],
                              cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not marker.exists(), playbook
    written = (tmp_path / "groups.yml").read_text()
    assert "!unsafe '{{ lookup(''pipe''" in written, written
    assert "is %s" % group_id in done.stdout and "lookup('pipe'" in done.stdout, done.stdout
