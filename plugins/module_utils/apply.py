# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Carrying out plans: the requests each plan needs, in order, each write recorded as it lands.

Layer 6 of 8, apply (the layer map: docs/development.md), between planning and views: it may import the
layers below it. The caller skips it in check mode; what a write returns is only used for
what the plan cannot know (a new group's id and timestamps), never taken for the whole state: Cloudflare may
answer a write with less than the state (only the members added, a group without its policies).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.model import policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError


class DuplicateUserGroup(CloudflareError):
    """Right after this run created a group, the account has another group of that name that was not there when
    the run planned: another run (another controller, an AWX job, a person) created it at the same time."""

    def __init__(self, account_id, name, created, twins):
        ordered = sorted([created] + list(twins), key=lambda g: ("%s" % (g.get("created_on") or ""), g.get("id")))
        keep, extra = ordered[0], ordered[1:]
        super(DuplicateUserGroup, self).__init__(
            "user group '%s' now exists %d times in account %s: this run created %s and another run (another "
            "controller, AWX job or person) created %s at the same time (%s). Keep the one created first, %s: "
            "delete %s (cfiam.user_groups.cf_user_group with id: <that id> and state: absent), then run again; it "
            "plans from the account as it is. Runs on one controller wait for each other; across controllers, run "
            "one job per account at a time (README, 'Concurrent runs')" % (
                name, len(ordered), account_id, created.get("id"),
                ", ".join("%s" % g.get("id") for g in twins),
                "; ".join("%s created %s" % (g.get("id"), g.get("created_on") or "at an unknown time")
                          for g in ordered),
                keep.get("id"), " and ".join("%s" % g.get("id") for g in extra)))
        self.name = name
        self.ids = [g.get("id") for g in ordered]


def apply_members(run, group_id, label, plan):
    """Send a MemberPlan: POST the additions, DELETE each removal, or PUT the whole list when it must replace."""
    if not plan.changed:
        return
    if plan.method == "PUT":
        run.doing("set the members of %s" % label)
        run.api.replace_group_members(group_id, plan.after)
        run.wrote("set the members of %s" % label)
        return
    if plan.to_add:
        run.doing("add %d member(s) to %s" % (len(plan.to_add), label))
        run.api.add_group_members(group_id, plan.to_add)
        run.wrote("added %d member(s) to %s" % (len(plan.to_add), label))
    for member_id in plan.to_remove:
        run.doing("remove member %s from %s" % (member_id, label))
        run.api.remove_group_member(group_id, member_id)
        run.wrote("removed member %s from %s" % (member_id, label))


def apply_group(run, plan):
    """Send a GroupPlan; return the group as written (API dict: id, name, timestamps; policies from the plan)."""
    catalogue = run.catalogue
    if plan.create:
        label = "user group '%s'" % plan.name
        run.doing("create %s" % label)
        bodies = plan.policies.bodies() if plan.policies is not None else None
        run.sending_policies(plan.policies.after if plan.policies is not None else None)
        known = [g["id"] for g in catalogue.user_groups_named(plan.name)]
        reply = run.api.create_user_group(plan.name, policies=bodies, known_ids=known) or {}
        # Read it back by name: the reply may not say which group was made, and another run (another
        # controller, an AWX job) may have created a group of the same name meanwhile.
        named = [g for g in run.api.list_user_groups(name=plan.name) if g.get("name") == plan.name]
        if not reply.get("id"):
            created = [g for g in named if g.get("id") not in known]
            reply = created[0] if created else reply
        group = dict(reply, name=plan.name, policies=bodies or [])
        label = "user group '%s' (%s)" % (plan.name, group.get("id"))
        run.wrote("created %s" % label)
        catalogue.note_user_group(group)
        twins = [g for g in named if g.get("id") not in known and g.get("id") != group.get("id")]
        if twins:
            raise DuplicateUserGroup(run.account_id, plan.name, group, twins)
        if plan.members is not None:
            apply_members(run, group["id"], label, plan.members)
        return group
    current = plan.current
    label = "user group '%s' (%s)" % (current.get("name"), current.get("id"))
    group = dict(current)
    policies_change = plan.policies is not None and plan.policies.changed
    if plan.rename or policies_change:
        if plan.rename and policies_change:
            run.doing("rename %s to '%s' and set its policies" % (label, plan.rename))
        elif plan.rename:
            run.doing("rename %s to '%s'" % (label, plan.rename))
        else:
            run.doing("set the policies of %s" % label)
        sent = plan.policies.after if policies_change else None
        if plan.rename and sent is None:
            # Cloudflare does not document what a PUT without policies does to them: a rename re-sends the
            # group's policies as read right before, so they are kept whichever way it answers.
            sent = policies_from_api(current.get("policies"))
        run.sending_policies(sent)
        # Policies alone never send the name (an IdP-pushed group's name belongs to the identity provider).
        reply = run.api.update_user_group(current["id"], name=plan.rename,
                                          policies=[p.body() for p in sent] if sent is not None else None) or {}
        group.update(dict((k, v) for k, v in reply.items() if k in ("modified_on",)))
        if plan.rename:
            group["name"] = plan.rename
        if policies_change:
            group["policies"] = plan.policies.bodies()
        run.wrote(("renamed %s to '%s'" % (label, plan.rename) if plan.rename else "") +
                  (" and " if plan.rename and policies_change else "") +
                  ("set the policies of %s" % label if policies_change else ""))
        catalogue.note_user_group(group)
        label = "user group '%s' (%s)" % (group.get("name"), group.get("id"))
    if plan.members is not None:
        apply_members(run, current["id"], label, plan.members)
    return group
