# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_user_group: create, rename or delete a user group; set its policies and members.

Documentation: plugins/modules/cf_user_group.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_group, delete_user_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    LOOK_ALIKE,
    ResolutionError,
    is_id,
    name_literal,
    new_name_problems,
    shown_name,
    today,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group, policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import (
    POLICY_OPTIONS,
    parse_policies,
    resolve_members,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    Expiry,
    diff,
    group_diff_side,
    group_plan_views,
    group_view,
    member_view,
    member_views,
    policy_zone_ids,
)
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction

NAME_HINT = "to rename a group that has such a name, give its id with the new name"


class ActionModule(CloudflareAction):
    MODULE = "cf_user_group"
    ARGUMENT_SPEC = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        policies=dict(type="list", elements="dict", options=POLICY_OPTIONS),
        exclusive_policies=dict(type="bool", default=True),
        # Emails, member ids, or {email or id, expires} (resolve.member_entry checks every entry).
        members=dict(type="list", elements="raw"),
        exclusive_members=dict(type="bool", default=True),
        lookalike_names=dict(type="str", default="fail", choices=["fail", "warn"]),
        expiry_warning_days=dict(type="int", default=14),
    )
    REQUIRED_ONE_OF = [["name", "id"]]

    def run_task(self, run):
        p = run.params
        ref = p["id"] if p["id"] is not None else p["name"]
        with run.step("find user group '%s'" % ref):
            group, problems = self.find(run)
            if p["state"] == "absent" and problems:
                raise ResolutionError(problems)
            changes = {} if p["state"] == "absent" else self.check_changes(run, group, problems)
        if p["state"] == "absent":
            for option in ["policies", "members"] + [f for f in Group.FIELDS if f != "name"]:
                if p[option] is not None:
                    run.warn("%s is ignored with state=absent" % option)
            return self.delete(run, group)
        desired, expiry = self.resolve(run, group, ref, problems)
        group, current_members = self.read(run, group, desired.policies is not None or bool(changes),
                                           desired.member_ids)
        plan = plan_group(group, p["name"], current_policies=policies_from_api((group or {}).get("policies")),
                          desired_policies=desired.policies, exclusive_policies=p["exclusive_policies"],
                          current_member_ids=[m["id"] for m in current_members or []],
                          desired_member_ids=desired.member_ids, exclusive_members=p["exclusive_members"],
                          fields=dict(desired.fields), expired=expiry.expired())
        written = group
        if plan.changed and not run.check_mode:
            written = apply_group(run.writer, plan)
        return self.report(run, plan.changed, group, current_members, plan, written or {}, expiry)

    @staticmethod
    def find(run):
        """``(group or None, problems)``: the group by exact name or id; a chosen id cannot be created."""
        p = run.params
        name, group_id = p["name"], p["id"]
        group, problems = run.catalogue.find_user_group(name=None if group_id is not None else name, group_id=group_id)
        if name is not None and group_id is None and group is None and p["state"] == "present":
            # A group to create: its name must be clean. A name that finds a group is taken as it is.
            problems.extend(new_name_problems(name, "name", NAME_HINT))
        if p["state"] == "present" and group is None and group_id is not None:
            problems.append("user group id '%s' does not exist in account %s%s; a group cannot be created with a "
                            "chosen id (omit id to create a group by name)" % (
                                group_id, run.account_id, "" if is_id(group_id) else
                                " (an id has 32 hexadecimal characters)"))
        return group, problems

    @staticmethod
    def check_changes(run, group, problems):
        """The plain fields the task changes (``{field: value}``); a rename to a name another group has, or a new
        name that looks like another group's, is a problem."""
        name = run.params["name"]
        changes = Group.from_options(run.params).changes_from(Group.from_api(group) if group is not None else None)
        rename = group is not None and "name" in changes
        if rename:
            problems.extend(new_name_problems(name, "name", NAME_HINT))
            taken = [g for g in run.catalogue.user_groups_named(name) if g.get("id") != group["id"]]
            if taken:
                problems.append("cannot rename user group '%s' (%s) to '%s': user group %s already has that name" % (
                    group.get("name"), group["id"], name, ", ".join(sorted(g["id"] for g in taken))))
        if group is None or rename:
            look_alikes(run, group, problems)
        return changes if group is not None else {}

    @staticmethod
    def resolve(run, group, ref, problems):
        """``(Group, Expiry)``: the group as the task wants it, every name resolved, and the ``expires`` of its
        entries; every problem raised at once."""
        p = run.params
        policies = member_ids = None
        if p["expiry_warning_days"] < 0:
            problems.append("expiry_warning_days must be 0 or more, got %d" % p["expiry_warning_days"])
        expiry = Expiry(today(), max(p["expiry_warning_days"], 0))
        if p["policies"] is not None:
            with run.step("resolve the policies of user group '%s'" % ref):
                try:
                    owner = group.get("name") if group is not None else ref
                    policies = parse_policies(p["policies"], run.catalogue, "group '%s' policies" % owner,
                                              warnings=run.warnings, expiries=expiry.policies)
                except ResolutionError as exc:
                    problems.extend(exc.problems)
        if p["members"] is not None:
            with run.step("resolve the members of user group '%s'" % ref):
                try:
                    member_ids = [m["id"] for m in resolve_members(p["members"], run.catalogue, None, expiry.members,
                                                                   expiry.today)]
                except ResolutionError as exc:
                    problems.extend(exc.problems)
        if problems:
            with run.step("validate user group '%s'" % ref):
                raise ResolutionError(problems)
        return Group.from_options(p, policies, member_ids), expiry

    @staticmethod
    def read(run, group, fresh, member_ids):
        """The group as it is right before the writes (re-read when its policies are sent: a policy change, or a
        plain field change, which re-sends them) and its members."""
        catalogue = run.catalogue
        if group is None:
            return None, None
        label = "user group '%s' (%s)" % (group.get("name"), group["id"])
        if fresh:
            with run.step("read the policies of %s" % label):
                group = catalogue.fresh_user_group(group["id"]) or group
        current_members = None
        if member_ids is not None:
            with run.step("read the members of %s" % label):
                current_members = run.api.list_group_members(group["id"])
                catalogue.seed_members(current_members)
        return group, current_members

    @staticmethod
    def report(run, changed, before, before_members, plan=None, written=None, expiry=None):
        """The result: the group before and after (computed from the plan, never taken from a reply), the entries
        that expired and those that expire soon."""
        catalogue = run.catalogue
        known = dict((m["id"], m) for m in before_members or [])
        if plan is not None:
            before_view, after_view = group_plan_views(plan, catalogue, known, written)
        else:
            policies = policies_from_api((before or {}).get("policies"))
            catalogue.learn_zone_names(policy_zone_ids(policies, catalogue))
            before_view = group_view(before, policies, catalogue, [member_view(m) for m in before_members]
                                     if before_members is not None else None) if before is not None else None
            after_view = None
        # The header names the group as it was (a new group's id is not known in check mode).
        if before_view is not None:
            header = "user group '%s' (%s)" % (before_view["name"], before_view["id"])
        else:
            header = "user group '%s'" % ((after_view or {}).get("name") or run.params.get("name") or run.params.get("id"))
        data = {"user_group": after_view}
        if plan is not None and plan.members is not None:
            data["added"] = member_views(plan.members.to_add, catalogue, known)
            data["removed"] = member_views(plan.members.to_remove, catalogue, known)
        if expiry is not None:
            removed = list(plan.members.to_remove if plan.members is not None else [])
            removed += list(plan.policies.removed if plan.policies is not None else [])
            name = (after_view or before_view or {}).get("name") or run.params.get("name")
            data["expired"], data["expiring"] = expiry.views(name, catalogue, known, removed)
        return run.result(changed=changed, diff=diff(group_diff_side(before_view), group_diff_side(after_view), header),
                          **data)

    def delete(self, run, group):
        if group is None:
            if run.params["name"] is not None and run.params["id"] is None:
                like = run.catalogue.user_groups_like(run.params["name"])
                if like:
                    run.warn("user group %s does not exist in account %s, so nothing is deleted%s" % (
                        shown_name(run.params["name"]), run.account_id, run.catalogue.look_alike_hint(like)))
            return self.report(run, False, None, None)
        members = None
        if run.diff_mode:
            with run.step("read the members of user group '%s' (%s)" % (group.get("name"), group["id"])):
                members = run.api.list_group_members(group["id"])
                run.catalogue.seed_members(members)
        changed = True
        if not run.check_mode:
            changed = delete_user_group(run.writer, group)
        return self.report(run, changed, group, members)


def look_alikes(run, group, problems):
    """A new name (a create, or a rename of ``group``) that looks like another group's (``comparable_name``): a
    problem (``lookalike_names: fail``) or a warning (``warn``)."""
    name = run.params["name"]
    others = [g for g in run.catalogue.user_groups_like(name) if group is None or g.get("id") != group["id"]]
    if not others:
        return
    names = ", ".join("%s (%s)" % (shown_name(g.get("name")), g.get("id")) for g in others)
    doing = "created" if group is None else "renamed from %s (%s)" % (shown_name(group.get("name")), group["id"])
    if run.params["lookalike_names"] == "warn":
        run.warn("user group %s is %s next to %s: their names %s" % (shown_name(name), doing, names, LOOK_ALIKE))
        return
    problems.append(
        "to rename the existing group, give its id with name: %s; to address it, write its name exactly as %s; to make "
        "a second group anyway, set lookalike_names: warn. User group %s would be %s next to %s: their names %s, and "
        "two look-alike groups hide each other's access" % (
            name_literal(name), " or ".join(name_literal(g.get("name")) for g in others), shown_name(name), doing,
            names, LOOK_ALIKE))
