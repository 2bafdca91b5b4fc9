# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the access review (documented in the adjacent <filter>.yml files); the code is in
``plugins/plugin_utils/access_report.py``.

* ``access_report``: the result of ``cf_access_info`` as report data, with ``changes`` against a previous report;
* ``access_report_csv``, ``access_report_markdown``, ``access_report_html``: the report as CSV, Markdown, a page;
* ``access_report_files``: the four texts at once (what the playbooks write);
* ``access_report_index``: one page across the reports of several accounts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.plugin_utils.access_report import (
    files,
    index_html,
    report,
    to_csv,
    to_html,
    to_markdown,
)


def access_report(result, previous=None, previous_name=None):
    return report(result, previous, previous_name)


def access_report_csv(data):
    return to_csv(data)


def access_report_markdown(data):
    return to_markdown(data)


def access_report_html(data):
    return to_html(data)


def access_report_files(result, previous=None, previous_name=None):
    return files(result, previous, previous_name)


def access_report_index(reports, links=None):
    return index_html(reports, links)


class FilterModule(object):
    """cfiam.user_groups access review filters."""

    def filters(self):
        return {
            "access_report": access_report,
            "access_report_csv": access_report_csv,
            "access_report_markdown": access_report_markdown,
            "access_report_html": access_report_html,
            "access_report_files": access_report_files,
            "access_report_index": access_report_index,
        }
