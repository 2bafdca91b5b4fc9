# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drift report filter (documented in the adjacent user_groups_drift_report.yml); the code is in
``plugins/plugin_utils/drift_report.py``.

* ``user_groups_drift_report``: the result of ``cf_user_groups_plan`` (or the report data this filter returned) as
  report data, Markdown or JSON.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.cfiam.user_groups.plugins.plugin_utils.drift_report import (
    REPORT,
    drift,
    render,
    report_format,
)

FORMATS = ("data", "markdown", "json")


def user_groups_drift_report(plan, format=None, result=None, generated_at=None,  # pylint: disable=redefined-builtin
                             report_file=None, account=None, check_mode=None):
    """Report data (``format='data'``), Markdown or JSON (by ``format``, else by the extension of ``report_file``)."""
    if format is None:
        format = report_format(report_file) if report_file else "data"
    if format not in FORMATS:
        raise AnsibleFilterError("user_groups_drift_report: format must be one of %s, got %r"
                                 % (", ".join(FORMATS), format))
    if isinstance(plan, dict) and plan.get("report") == REPORT:
        data = plan  # already the report data
    else:
        data = drift(plan, result, generated_at, report_file, account, check_mode)
    # Group names and emails come from the account: never a template when the value is used again.
    return wrap_var(data if format == "data" else render(data, format))


class FilterModule(object):
    """cfiam.user_groups drift report filter."""

    def filters(self):
        return {"user_groups_drift_report": user_groups_drift_report}
