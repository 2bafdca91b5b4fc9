# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_user_group_info: user groups with readable policies and, optionally, members.

Documentation: plugins/modules/cf_user_group_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import is_id
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import group_view, member_view, policy_zone_ids
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_user_group_info"
    ARGUMENT_SPEC = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        fuzzy_name=dict(type="str"),
        include_members=dict(type="bool", default=False),
    )

    def run_task(self, run):
        p = run.params
        filters = ", ".join("%s=%s" % (k, p[k]) for k in ("name", "id", "fuzzy_name") if p[k] is not None)
        what = "the user groups" + (" matching %s" % filters if filters else "")
        with run.step("list %s" % what):
            if p["id"] is not None and not is_id(p["id"]):
                found = []  # not an id: nothing can match, and Cloudflare would refuse the filter
            else:
                found = run.api.list_user_groups(name=p["name"], group_id=p["id"], fuzzy_name=p["fuzzy_name"])
        if p["name"] is not None:
            found = [g for g in found if g.get("name") == p["name"]]
        found = sorted(found, key=lambda g: (g.get("name") or "", g.get("id") or ""))
        catalogue = run.catalogue
        catalogue.seed_from_user_groups(found)
        members = {}
        if p["include_members"] and found:
            with run.step("read the members of %s" % what):
                members = run.api.list_group_members_many([g["id"] for g in found])
        policies = dict((g["id"], policies_from_api(g.get("policies"))) for g in found)
        with run.step("read the zones named in the policies of %s" % what):
            catalogue.learn_zone_names(policy_zone_ids([x for pols in policies.values() for x in pols], catalogue))
        views = [group_view(g, policies[g["id"]], catalogue,
                            [member_view(m) for m in members.get(g["id"]) or []] if p["include_members"] else None)
                 for g in found]
        return run.result(changed=False, user_groups=views, account_id=run.account_id)
