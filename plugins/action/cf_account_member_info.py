# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_account_member_info: account members by email, id or status.

Documentation: plugins/modules/cf_account_member_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.views import account_member_view, select_by_name_or_id
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_account_member_info"
    ARGUMENT_SPEC = dict(
        email=dict(type="list", elements="str"),
        id=dict(type="list", elements="str"),
        status=dict(type="str", choices=["accepted", "pending"]),
    )

    def run_task(self, run):
        p = run.params
        with run.step("list the members of account %s" % run.account_id):
            members = [account_member_view(m) for m in run.catalogue.account_members()]
        found, not_found = select_by_name_or_id(members, p["email"], p["id"], name_key="email")
        if p["status"] is not None:
            found = [m for m in found if m["status"] == p["status"]]
        found.sort(key=lambda m: (m["email"] or "", m["id"] or ""))
        return run.result(changed=False, account_members=found, not_found=not_found)
