"""Makes the emulator fixtures (``emulator_server``, ``emulator``) available to tests/emulator.

``pytest tests/emulator`` from the repo root uses tests/emulator as rootdir, so tests/conftest.py is not read
then: this registers ``pytest_plugin.py`` itself (``pytest_plugin.register`` does it once per run, whichever
conftest.py asks first).
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import pytest_plugin  # noqa: E402  pylint: disable=wrong-import-position


def pytest_configure(config):
    pytest_plugin.register(config)
