# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plans: set arithmetic on model values, and nothing else (no API call, no name lookup, no rendering).

Layer 5 of 8, planning (the layer map: docs/development.md). It may import the layers below it; it sends no
request and resolves no name. A plan says what the state becomes and which requests make it so; check mode
shows the plan, a real run carries it out, so both report the same result by construction.

The membership and policy rules, in one place:

* a list that is not given leaves that part of the group alone;
* ``exclusive`` makes the part exactly the list (``[]`` empties it), otherwise the list is added to what is
  there (``state=absent`` removes what is listed);
* members are added with ``POST`` and removed one by one with ``DELETE`` (no concurrent addition can be lost);
  only an exclusive list that also removes members replaces the whole membership with one ``PUT``;
* policies have no per-policy endpoint: a change is one ``PUT`` of the group's whole policy list, the ones
  that stay re-sent unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import comparable_name
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import unique


class MemberPlan(object):
    """``to_add`` / ``to_remove`` / ``after`` (member ids) and how to send it (``method``)."""

    def __init__(self, before, to_add, to_remove, after, method):
        self.before = before
        self.to_add = to_add
        self.to_remove = to_remove
        self.after = after
        self.method = method  # None, "POST" (add), "DELETE" (remove one by one), "PUT" (replace)

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)


def plan_members(current_ids, wanted_ids, state="present", exclusive=False):
    """Membership as sets (order and repeats ignored); see the module docstring for the rules."""
    current = list(dict.fromkeys(current_ids or []))
    wanted = list(dict.fromkeys(wanted_ids or []))
    current_set, wanted_set = set(current), set(wanted)
    if state == "absent":
        to_remove = [m for m in current if m in wanted_set]
        return MemberPlan(current, [], to_remove, [m for m in current if m not in wanted_set],
                          "DELETE" if to_remove else None)
    to_add = [m for m in wanted if m not in current_set]
    to_remove = [m for m in current if m not in wanted_set] if exclusive else []
    after = [m for m in current if m not in set(to_remove)] + to_add
    if to_remove:
        method = "PUT"
    else:
        method = "POST" if to_add else None
    return MemberPlan(current, to_add, to_remove, after, method)


class PolicyPlan(object):
    """The policies before and after (Policy values), what is added and removed, and the PUT body."""

    def __init__(self, before, after, added, removed):
        self.before = before
        self.after = after
        self.added = added
        self.removed = removed

    @property
    def changed(self):
        return bool(self.added or self.removed)

    def bodies(self):
        return [p.body() for p in self.after]


def plan_policies(current, desired, state="present", exclusive=False):
    """Policies as sets of Policy values.

    ``present`` adds each desired policy that is missing (``exclusive`` also removes every other one, and
    repeats of a kept one); ``absent`` removes each desired policy (every copy).
    """
    current = list(current or [])
    desired = unique(desired or [])
    wanted = set(desired)
    if state == "absent":
        removed = [p for p in current if p in wanted]
        after = [p for p in current if p not in wanted]
        return PolicyPlan(current, after, [], removed)
    present = set(current)
    added = [p for p in desired if p not in present]
    if exclusive:
        after = list(desired)
        kept = set()
        removed = []
        for policy in current:
            if policy in wanted and policy not in kept:
                kept.add(policy)
            else:
                removed.append(policy)
        return PolicyPlan(current, after, added, removed)
    return PolicyPlan(current, current + added, added, [])


class GroupPlan(object):
    """Everything one group needs: create or rename it, its policies, its members."""

    def __init__(self, name, current=None, rename=None, policies=None, members=None):
        self.name = name
        self.current = current  # the group as read, None when it is to be created
        self.rename = rename  # the new name, or None
        self.policies = policies  # PolicyPlan or None (left alone)
        self.members = members  # MemberPlan or None (left alone)

    @property
    def create(self):
        return self.current is None

    @property
    def changed(self):
        return self.create or bool(self.rename) or any(
            part is not None and part.changed for part in (self.policies, self.members))


def plan_group(current, name, current_policies=None, desired_policies=None, exclusive_policies=True,
               current_member_ids=None, desired_member_ids=None, exclusive_members=True):
    """The plan of one group; ``current`` None means it is created (with no policies and no members yet)."""
    rename = name if current is not None and name is not None and name != current.get("name") else None
    policies = None
    if desired_policies is not None:
        policies = plan_policies(current_policies if current is not None else [], desired_policies, "present",
                                 exclusive_policies)
    members = None
    if desired_member_ids is not None:
        members = plan_members(current_member_ids if current is not None else [], desired_member_ids, "present",
                               exclusive_members)
    return GroupPlan(name if current is None else (rename or current.get("name")), current, rename, policies, members)


# --------------------------------------------------------------------------- the whole account (the role)
def pattern_protects(pattern, name):
    """A purge exclusion protects a group when it equals the name or the regular expression is found in it."""
    return name == pattern or bool(pattern.search(name) if hasattr(pattern, "search") else False)


class AccountPlan(object):
    """The plan of a whole account: one GroupPlan per declared group that exists or is created, the deletes."""

    def __init__(self):
        self.groups = []  # (DesiredGroup, GroupPlan) for every declared group that is planned
        self.delete = []  # groups (API dicts) the purge deletes
        self.protected = {}  # purge exclusion pattern -> names of undeclared groups it protected
        self.look_alikes = {}  # undeclared group name -> declared name it looks like (never purged)
        self.missing_scim = []  # declared SCIM groups the identity provider has not pushed
        self.problems = []
        self.warnings = []

    @property
    def changed(self):
        return bool(self.delete) or any(plan.changed for _desired, plan in self.groups)


def plan_account(desired_groups, current_groups, current_members, current_policies, exclusive_members=True,
                 exclusive_policies=True, purge=False, purge_exclude=None):
    """Compare the declaration with the account.

    ``current_members``: ``{group id: [member ids]}`` of the groups whose membership is managed;
    ``current_policies``: ``{group id: [Policy]}``; ``purge_exclude``: ``[(text, compiled regex)]``.
    Problems that only the account can reveal (a declared name held by several groups) are returned in
    ``problems``; look-alike names, protected groups and SCIM groups not pushed yet in ``warnings`` and the
    plan's fields.
    """
    plan = AccountPlan()
    by_name = {}
    for group in current_groups:
        by_name.setdefault(group.get("name"), []).append(group)
    declared = set(g.name for g in desired_groups)
    declared_like = dict((comparable_name(g.name), g.name) for g in desired_groups)

    for desired in desired_groups:
        matches = by_name.get(desired.name, [])
        if len(matches) > 1:
            plan.problems.append("%d user groups are named '%s' (ids: %s); delete or rename the extra ones" % (
                len(matches), desired.name, ", ".join(sorted(g["id"] for g in matches))))
            continue
        current = matches[0] if matches else None
        if current is None:
            others = [g.get("name") for g in current_groups
                      if g.get("name") not in declared and comparable_name(g.get("name")) == comparable_name(desired.name)]
            for other in others:
                plan.warnings.append("declared group '%s' does not exist, but group '%s' does: their names differ "
                                     "only by case, spaces or Unicode form. '%s' is created as a second group and '%s' "
                                     "is left alone (never purged); rename one of them if they are meant to be the "
                                     "same group" % (desired.name, other, desired.name, other))
            if desired.scim:
                plan.missing_scim.append(desired.name)
                continue
        members_exclusive = exclusive_members and desired.members_declared
        member_ids = None if desired.scim else desired.member_ids
        group_plan = plan_group(
            current, desired.name,
            current_policies=current_policies.get(current["id"]) if current else None,
            desired_policies=desired.policies, exclusive_policies=exclusive_policies,
            current_member_ids=current_members.get(current["id"]) if current else None,
            desired_member_ids=member_ids, exclusive_members=members_exclusive)
        plan.groups.append((desired, group_plan))

    if purge:
        for group in sorted(current_groups, key=lambda g: (g.get("name") or "", g.get("id") or "")):
            name = group.get("name") or ""
            if name in declared:
                continue
            if comparable_name(name) in declared_like:
                plan.look_alikes[name] = declared_like[comparable_name(name)]
                continue
            shields = [text for text, regex in purge_exclude or [] if pattern_protects(regex, name) or name == text]
            if shields:
                for text in shields:
                    plan.protected.setdefault(text, []).append(name)
                continue
            plan.delete.append(group)
    return plan
