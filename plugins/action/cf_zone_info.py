# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_zone_info: zones of the account (the ids policy scopes use).

Documentation: plugins/modules/cf_zone_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.views import select_by_name_or_id, zone_view
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_zone_info"
    ARGUMENT_SPEC = dict(
        name=dict(type="list", elements="str"),
        id=dict(type="list", elements="str"),
    )

    def run_task(self, run):
        p = run.params
        with run.step("list the zones of account %s" % run.account_id):
            zones = [zone_view(z) for z in run.catalogue.zones()]
        found, not_found = select_by_name_or_id(zones, p["name"], p["id"])
        found.sort(key=lambda z: (z["name"].lower(), z["id"] or ""))
        return run.result(changed=False, zones=found, not_found=not_found)
