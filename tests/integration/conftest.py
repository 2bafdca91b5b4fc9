# -*- coding: utf-8 -*-
"""Fixtures of the integration tests; the helpers themselves live in harness.py (import them from there:
``from harness import ...``; a name ``conftest`` is shared by every conftest.py of the test tree)."""
from __future__ import absolute_import, division, print_function

from harness import run_playbook, write_replies  # noqa: F401  pylint: disable=unused-import
