# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_resource_group_info: named resource groups of the account.

Documentation: plugins/modules/cf_resource_group_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, is_id
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import resource_group_view
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_resource_group_info"
    ARGUMENT_SPEC = dict(
        name=dict(type="str"),
        id=dict(type="str"),
    )

    def run_task(self, run):
        p = run.params
        with run.step("validate the resource group filters"):
            if p["id"] is not None and not is_id(p["id"]):
                raise ResolutionError(["id '%s' is not a resource group id (32 hexadecimal characters)" % p["id"]])
        with run.step("list the resource groups of account %s" % run.account_id):
            if p["name"] is None and p["id"] is None:
                found = run.catalogue.resource_groups()
            else:
                found = run.api.list_resource_groups(name=p["name"], rg_id=p["id"])
        # The API filters already; filter again so a looser server-side match never leaks through.
        found = [rg for rg in found if (p["name"] is None or rg.get("name") == p["name"])
                 and (p["id"] is None or rg.get("id") == p["id"])]
        with run.step("resolve the zone names of the resource groups of account %s" % run.account_id):
            views = sorted((resource_group_view(rg, run.catalogue) for rg in found),
                           key=lambda v: (v.get("name") or "", v.get("id") or ""))
        return run.result(changed=False, resource_groups=views)
