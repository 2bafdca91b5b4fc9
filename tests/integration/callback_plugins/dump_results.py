# -*- coding: utf-8 -*-
# Test-only callback: writes every task result as one JSON line to $CFIAM_RESULT_FILE.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dump_results
type: aggregate
short_description: write task results as JSON lines (tests only)
description:
  - Writes each task result to the file named by E(CFIAM_RESULT_FILE).
requirements:
  - E(CFIAM_RESULT_FILE) set
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dump_results"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("CFIAM_RESULT_FILE")
        if not path:
            return
        task = result._task
        record = {
            "task": task.get_name(),
            "action": task.action,
            "host": result._host.get_name(),
            "status": status,
            "result": self._clean(result._result),
        }
        with open(path, "a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def _clean(self, value):
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result):
        self._write(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
