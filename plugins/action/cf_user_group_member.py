# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_user_group_member: add or remove members of a user group.

Documentation: plugins/modules/cf_user_group_member.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, today
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import resolve_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import target_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import Expiry, diff, member_labels, member_views
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


class ActionModule(CloudflareAction):
    MODULE = "cf_user_group_member"
    ARGUMENT_SPEC = dict(
        group=dict(type="str"),
        group_id=dict(type="str"),
        # Emails, member ids, or {email or id, expires} (resolve.member_entry checks every entry).
        members=dict(type="list", elements="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        exclusive=dict(type="bool", default=False),
        expiry_warning_days=dict(type="int", default=14),
    )
    MUTUALLY_EXCLUSIVE = [["group", "group_id"]]
    REQUIRED_ONE_OF = [["group", "group_id"]]

    def run_task(self, run):
        p = run.params
        ref = p["group"] if p["group"] is not None else p["group_id"]
        with run.step("check the members for user group '%s'" % ref):
            if p["members"] is None:
                raise ResolutionError(["members is required: list the members as emails or member ids%s" % (
                    "; with exclusive: true, members: [] empties the group" if p["exclusive"] else
                    "; to empty the group give members: [] with exclusive: true")])
        with run.step("find user group '%s'" % ref):
            group, label, problems = target_group(run, p["group"], p["group_id"])
        with run.step("resolve the members for %s" % label):
            wanted = []
            if p["expiry_warning_days"] < 0:
                problems.append("expiry_warning_days must be 0 or more, got %d" % p["expiry_warning_days"])
            expiry = Expiry(today(), max(p["expiry_warning_days"], 0))
            try:
                wanted = resolve_members(p["members"], run.catalogue, None, expiry.members, expiry.today)
            except ResolutionError as exc:
                problems.extend(exc.problems)
            if problems:
                raise ResolutionError(problems)
        current = []
        if group.get("id"):
            with run.step("read the members of %s" % label):
                current = run.api.list_group_members(group["id"])
                run.catalogue.seed_members(current)
        plan = plan_members([m["id"] for m in current], [m["id"] for m in wanted], p["state"], p["exclusive"],
                            expiry.expired()[0])
        known = dict((m["id"], m) for m in wanted)
        known.update((m["id"], m) for m in current)
        for mid in plan.to_add:
            if (known[mid] or {}).get("status") == "pending":
                run.warn("%s has not accepted the invitation to the account yet (status pending); the dashboard only "
                         "offers accepted members, but it is added to %s as asked" % (
                             member_views([mid], run.catalogue, known)[0]["email"] or mid, label))
        if plan.changed and not run.check_mode:
            apply_members(run.writer, group["id"], label, plan)

        before = member_views(plan.before, run.catalogue, known)
        after = member_views(plan.after, run.catalogue, known)
        expired, expiring = expiry.views(group.get("name"), run.catalogue, known, plan.to_remove) \
            if p["state"] == "present" else ([], [])
        return run.result(
            changed=plan.changed,
            diff=diff({"user_group": group["name"], "members": member_labels(before)},
                      {"user_group": group["name"], "members": member_labels(after)}, "%s members" % label),
            user_group={"id": group.get("id"), "name": group.get("name")},
            members=after,
            added=member_views(plan.to_add, run.catalogue, known),
            removed=member_views(plan.to_remove, run.catalogue, known),
            expired=expired,
            expiring=expiring,
        )
