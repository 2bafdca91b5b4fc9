"""Makes the emulator fixtures (``emulator_server``, ``emulator``) available to tests/emulator.

``pytest tests/emulator`` from the repo root uses tests/emulator as rootdir, so
tests/conftest.py is not read then: register ``pytest_plugin.py`` as a plugin
(global, lowest priority) unless another conftest already did.  When
tests/conftest.py is loaded its fixtures win, so one run starts one emulator
per worker.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import pytest_plugin as _plugin  # noqa: E402

PLUGIN_NAME = "cfiam-emulator-fixtures"


def pytest_configure(config):
    pm = config.pluginmanager
    if not pm.is_registered(_plugin) and pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(_plugin, PLUGIN_NAME)
