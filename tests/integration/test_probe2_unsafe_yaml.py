# -*- coding: utf-8 -*-
"""Probe 2 of the issue 17 hardening: to_unsafe_yaml against hostile keys and values read back every documented way
(vars_files, include_vars, -e @file) and handed on (dict2items, items2dict, combine, set_fact with a fact cache, a
loop over keys, the template module). What held; one ansible-playbook run each, no API."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys

from harness import ansible_bin
from pytest_plugin import ensure_collection_link

READ = """\
- hosts: localhost
  gather_facts: false
  vars_files: [groups.yml]
  tasks:
    - ansible.builtin.include_vars: {file: groups.yml, name: inc}
    - ansible.builtin.debug: {msg: "{{ by_name }} {{ inc }}"}
    - ansible.builtin.debug: {msg: "{{ item.key }} = {{ item.value }}"}
      loop: "{{ (by_name | dict2items) + (inc.by_name | dict2items) }}"
    - ansible.builtin.set_fact:
        copied: "{{ by_name | dict2items | items2dict }}"
        combined: "{{ {} | combine(inc.by_name, recursive=true) }}"
        rows_by_name: "{{ rows | items2dict(key_name='name', value_name='id') }}"
        keys_list: "{{ by_name.keys() | list }}"
        cached: "{{ by_name }}"
        cacheable: true
    - ansible.builtin.debug: {msg: "{{ copied }} {{ combined }} {{ rows_by_name }}"}
    - ansible.builtin.debug: {msg: "{{ item }}"}
      loop: "{{ keys_list + (rows_by_name | dict2items | map(attribute='key') | list) }}"
    - ansible.builtin.debug: {msg: "{{ lookup('ansible.builtin.vars', 'yes') }} {{ vars['<<'] }} {{ multi }}"}
    - ansible.builtin.template: {src: t.j2, dest: rendered.txt, mode: "0600"}
    - ansible.builtin.debug: {msg: "{{ lookup('ansible.builtin.file', 'rendered.txt') }}"}
"""

AGAIN = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug: {msg: "{{ item.key }} {{ item.value }}"}
      loop: "{{ cached | dict2items }}"
"""

TEMPLATE = "{% for k, v in by_name.items() %}{{ k }} => {{ v }}\n{% endfor %}{% for r in rows %}{{ r.name }}\n{% endfor %}"


def hostile(folder):
    def lookup(n):
        return "{{ lookup('pipe', 'touch %s') }}" % os.path.join(folder, "ran-%d" % n)
    return {
        "by_name": {lookup(1): "v1",
                    "{%% if lookup('pipe', 'touch %s') %%}x{%% endif %%}" % os.path.join(folder, "ran-2"): "v2",
                    "plain key": lookup(3), "{# c #}" + lookup(4): ["a", {lookup(5): lookup(6)}],
                    "!unsafe " + lookup(7): "x", "&anchor " + lookup(8): "*anchor",
                    "multi\nline " + lookup(9): "a\nb " + lookup(10)},
        "rows": [{"name": lookup(11), "id": "abc"}, {"name": "Ok", "id": lookup(12)}],
        "yes": lookup(13), "<<": {"x": lookup(14)}, "multi": "x\r\n\u2028" + lookup(15),
        "#jinja2:variable_start_string:'[[', variable_end_string:']]'": (
            "[[ lookup('pipe', 'touch %s') ]]" % os.path.join(folder, "ran-16")),
    }


def test_hostile_keys_and_values_never_run(tmp_path):
    from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import to_unsafe_yaml

    folder = str(tmp_path)
    (tmp_path / "groups.yml").write_text(to_unsafe_yaml(hostile(folder)))
    (tmp_path / "read.yml").write_text(READ)
    (tmp_path / "again.yml").write_text(AGAIN)
    (tmp_path / "t.j2").write_text(TEMPLATE)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(), ANSIBLE_LOCALHOST_WARNING="False",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_CACHE_PLUGIN="jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"),
               ANSIBLE_NOCOLOR="1")
    outputs = []
    for playbook, extra in (("read.yml", []), ("again.yml", []), ("again.yml", ["-e", "@groups.yml"])):
        done = subprocess.run([ansible_bin("ansible-playbook"), "-i", "localhost,", "-c", "local", playbook] + extra,
                              cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=55, check=False)
        assert done.returncode == 0, done.stdout[-3000:]
        outputs.append(done.stdout)
        ran = sorted(n for n in os.listdir(folder) if n.startswith("ran-"))
        assert ran == [], (playbook, ran)
    rendered = (tmp_path / "rendered.txt").read_text()
    assert "{{ lookup('pipe', 'touch %s') }} => v1" % os.path.join(folder, "ran-1") in rendered, rendered
    assert "lookup('pipe', 'touch %s')" % os.path.join(folder, "ran-12") in outputs[0]
