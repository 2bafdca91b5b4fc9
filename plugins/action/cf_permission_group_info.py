# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_permission_group_info: the role catalogue (permission groups).

Documentation: plugins/modules/cf_permission_group_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import is_id, pg_label, pg_scopes
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import permission_group_view
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_permission_group_info"
    ARGUMENT_SPEC = dict(
        name=dict(type="str"),
        label=dict(type="str"),
        id=dict(type="str"),
        scope=dict(type="str"),
    )

    def run_task(self, run):
        p = run.params
        with run.step("list the permission groups of account %s" % run.account_id):
            if p["id"] is not None and not is_id(p["id"]):
                groups = []  # not an id at all: nothing can match, and the API would refuse the query
            elif any(p[k] is not None for k in ("id", "label", "name")):
                groups = run.api.list_permission_groups(id=p["id"], label=p["label"], name=p["name"])
            else:
                groups = run.catalogue.permission_groups()
        matches = [permission_group_view(pg) for pg in groups
                   if (p["id"] is None or pg.get("id") == p["id"])
                   and (p["name"] is None or pg.get("name") == p["name"])
                   and (p["label"] is None or pg_label(pg) == p["label"])
                   and (p["scope"] is None or p["scope"] in pg_scopes(pg))]
        matches.sort(key=lambda x: ((x["name"] or "").lower(), x["name"] or "", x["id"] or ""))
        return run.result(changed=False, permission_groups=matches)
