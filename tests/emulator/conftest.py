"""Makes the emulator fixtures (``emulator_server``, ``emulator``) available to tests/emulator.

Loaded whatever pytest picks as rootdir (``pytest tests/emulator`` from the repo root uses
tests/emulator as rootdir, so tests/conftest.py would not be read then).
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from pytest_plugin import emulator, emulator_server  # noqa: E402,F401
