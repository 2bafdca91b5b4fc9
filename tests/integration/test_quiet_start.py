# -*- coding: utf-8 -*-
"""The ansible-* commands of the venvs the project builds start without a Python warning.

ansible-core 2.19 and 2.21 import DSA names that cryptography 51 deprecates, so every command printed
"CryptographyDeprecationWarning: DSA is deprecated" (requirements-dev.txt and the Makefile's COMPAT_TEST_DEPS pin
cryptography<51). Run with each suite's ansible-core (CFIAM_ANSIBLE_BIN_DIR), without PYTHONWARNINGS.
"""
from __future__ import absolute_import, division, print_function

import os
import re
import subprocess

import pytest

from harness import ansible_bin, ensure_collection_link


@pytest.mark.parametrize("command", [["ansible", "--version"], ["ansible-doc", "cfiam.user_groups.cf_user_group"],
                                     ["ansible-playbook", "--version"]], ids=lambda c: c[0])
def test_no_python_warning_at_start(command):
    env = dict((k, v) for k, v in os.environ.items() if k not in ("PYTHONWARNINGS",) and not k.startswith("ANSIBLE_"))
    env["ANSIBLE_COLLECTIONS_PATH"] = ensure_collection_link()
    proc = subprocess.run([ansible_bin(command[0])] + command[1:], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert not re.findall(r"\w+Warning: .*", proc.stderr), proc.stderr
