# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_user_group_policy: attach or detach permission policies of a user group.

Documentation: plugins/modules/cf_user_group_policy.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_policies
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, today
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_policies
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import POLICY_OPTIONS, parse_policies
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import target_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    Expiry,
    diff,
    policy_views,
    policy_zone_ids,
    readable_policies,
)
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_user_group_policy"
    ARGUMENT_SPEC = dict(
        group=dict(type="str"),
        group_id=dict(type="str"),
        policies=dict(type="list", elements="dict", options=POLICY_OPTIONS),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        exclusive=dict(type="bool", default=False),
        expiry_warning_days=dict(type="int", default=14),
    )
    MUTUALLY_EXCLUSIVE = [["group", "group_id"]]
    REQUIRED_ONE_OF = [["group", "group_id"]]

    def run_task(self, run):
        p = run.params
        ref = p["group"] if p["group"] is not None else p["group_id"]
        state = p["state"]
        exclusive = p["exclusive"] and state == "present"
        with run.step("check the policies for user group '%s'" % ref):
            if p["policies"] is None:
                raise ResolutionError(["policies is required: list the policies%s" % (
                    "; with exclusive: true, policies: [] removes every policy" if p["exclusive"] else
                    "; to remove every policy give policies: [] with exclusive: true")])
        with run.step("find user group '%s'" % ref):
            group, label, problems = target_group(run, p["group"], p["group_id"])
        with run.step("resolve the policies for %s" % label):
            desired = []
            if p["expiry_warning_days"] < 0:
                problems.append("expiry_warning_days must be 0 or more, got %d" % p["expiry_warning_days"])
            expiry = Expiry(today(), max(p["expiry_warning_days"], 0))
            try:
                owner = (group or {}).get("name") or ref
                desired = parse_policies(p["policies"], run.catalogue, "group '%s' policies" % owner,
                                         warnings=run.warnings, expiries=expiry.policies)
            except ResolutionError as exc:
                problems.extend(exc.problems)
            if problems:
                raise ResolutionError(problems)
        if group.get("id"):
            with run.step("read the policies of %s" % label):
                group = run.catalogue.fresh_user_group(group["id"]) or group
        plan = plan_policies(policies_from_api(group.get("policies")), desired, state=state, exclusive=exclusive,
                             expired=expiry.expired()[1])
        if plan.changed and not run.check_mode:
            apply_policies(run.writer, group, plan)

        catalogue = run.catalogue
        catalogue.learn_zone_names(policy_zone_ids(plan.before + plan.after, catalogue))
        before = policy_views(plan.before, catalogue)
        after = policy_views(plan.after, catalogue)
        expired, expiring = expiry.views(group.get("name"), catalogue, None, plan.removed) \
            if state == "present" else ([], [])
        return run.result(
            changed=plan.changed,
            diff=diff({"user_group": group["name"], "policies": readable_policies(before)},
                      {"user_group": group["name"], "policies": readable_policies(after)}, "%s policies" % label),
            user_group={"id": group.get("id"), "name": group.get("name")},
            policies=after,
            added=policy_views(plan.added, catalogue),
            removed=policy_views(plan.removed, catalogue),
            expired=expired,
            expiring=expiring,
        )
