"""Shared fixtures: the Cloudflare API emulator (see tests/emulator/pytest_plugin.py).

Provides ``emulator_server`` (session) and ``emulator`` (function) to every test under tests/.
"""
import os
import sys

_EMULATOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "emulator")
if _EMULATOR_DIR not in sys.path:
    sys.path.insert(0, _EMULATOR_DIR)

import pytest_plugin  # noqa: E402  pylint: disable=wrong-import-position


def pytest_configure(config):
    pytest_plugin.register(config)
