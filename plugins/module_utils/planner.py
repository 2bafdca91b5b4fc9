# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan a whole account: a declared group hierarchy against what Cloudflare has.

Used by the ``cf_user_groups_plan`` module, which the ``user_groups`` role
runs once: validate the whole tree (every problem at once), flatten it with
member roll-up, read the account once (one group listing with policies, the
member listing of each managed group fetched concurrently, catalogues only for
names the listings did not already reveal), and compute what to create,
update and delete. Nothing here writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import (
    normalize_policies,
    normalize_policy,
    plan_policies,
    readable_policies,
    readable_policy,
    resolve_policies,
    validate_policy_items,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    member_view,
    plan_members,
    resolve_members,
)

GROUP_KEYS = ("name", "members", "policies", "children", "scim")


class FlatGroup(object):
    """One declared group after flattening: its own members plus every descendant's."""

    def __init__(self, name, scim, policies, members, path):
        self.name = name
        self.scim = scim
        self.policies = policies  # None: leave the group's policies alone
        self.members = members  # None: leave the group's members alone
        self.path = path


def flatten(tree, problems, path=None, ancestors=None, out=None, seen=None):
    """Validate the declaration and flatten it depth-first; problems are appended, never raised."""
    out = [] if out is None else out
    seen = {} if seen is None else seen
    ancestors = ancestors or []
    path = path or "user_groups"
    if not isinstance(tree, list):
        problems.append("%s must be a list of groups" % path)
        return out
    for index, node in enumerate(tree):
        where = "%s[%d]" % (path, index)
        if not isinstance(node, dict):
            problems.append("%s must be a dictionary with at least a name" % where)
            continue
        name = node.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append("%s has no name" % where)
            continue
        where = "group '%s'" % name
        unknown = sorted(set(node) - set(GROUP_KEYS))
        if unknown:
            problems.append("%s has unknown keys %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(GROUP_KEYS)))
        if name in seen:
            problems.append("group name '%s' is declared twice (%s and %s); names must be unique across the whole tree"
                            % (name, seen[name], " > ".join(ancestors + [name])))
            continue
        seen[name] = " > ".join(ancestors + [name])
        scim = node.get("scim", False)
        if not isinstance(scim, bool):
            problems.append("%s: scim must be true or false" % where)
            scim = bool(scim)
        members = node.get("members")
        if members is not None:
            if not isinstance(members, list) or any(not isinstance(m, str) or not m.strip() for m in members):
                problems.append("%s: members must be a list of emails or member ids" % where)
                members = None
            elif scim:
                problems.append("%s is pushed by SCIM: its members belong to the identity provider; remove members"
                                % where)
                members = None
        policies = node.get("policies")
        if policies is not None and not isinstance(policies, list):
            # Other shape problems of the items are reported by resolve_policies, with the unknown names.
            problems.extend(validate_policy_items(policies, "%s policies" % where))
            policies = None
        flat = FlatGroup(name, scim, policies, list(members) if members is not None else None, seen[name])
        out.append(flat)
        children = node.get("children")
        if children is not None:
            start = len(out)
            flatten(children, problems, "%s children" % where, ancestors + [name], out, seen)
            # Membership rolls up: every member of a descendant is a member of this group.
            if not scim:
                for child in out[start:]:
                    if child.members:
                        flat.members = (flat.members or []) + list(child.members)
    return out


def _exclude_matcher(patterns, problems):
    compiled = []
    for pattern in patterns or []:
        try:
            compiled.append((pattern, re.compile(pattern)))
        except re.error as exc:
            problems.append("user_groups_purge_exclude entry '%s' is not a valid regular expression: %s" % (pattern, exc))

    def excluded(name):
        return any(name == raw or regex.fullmatch(name) for raw, regex in compiled)
    return excluded


class AccountPlan(object):
    def __init__(self):
        self.create = []
        self.update_policies = []
        self.update_members = []
        self.delete = []
        self.warnings = []
        self.before = {}
        self.after = {}
        self.summary = {"created": [], "updated": [], "deleted": [], "members_added": {}, "members_removed": {},
                        "unchanged": 0, "missing_scim_groups": []}
        self.groups = []

    @property
    def changed(self):
        return bool(self.create or self.update_policies or self.update_members or self.delete)

    def result(self):
        return {
            "create": self.create,
            "update_policies": self.update_policies,
            "update_members": self.update_members,
            "delete": self.delete,
            "summary": self.summary,
            "groups": self.groups,
        }


def _emails(lookups, ids):
    out = []
    for mid in ids:
        member = lookups.describe_member(mid)
        out.append((member_view(member)["email"] if member else None) or mid)
    return sorted(out)


def _readable(policies, lookups, account_id):
    return readable_policies(normalize_policies(policies, lookups, account_id))


def plan_account(service, tree, exclusive_members=True, exclusive_policies=True, purge=False, purge_exclude=None):
    """Compute the AccountPlan; raise ResolutionError listing every problem of the declaration."""
    lookups = service.lookups
    client = service.client
    account_id = client.account_id
    problems = []
    flat = flatten(tree, problems)
    excluded = _exclude_matcher(purge_exclude, problems)
    if not isinstance(tree, list):
        raise ResolutionError(problems)
    # Problems of the declaration's shape are reported together with the
    # unknown names found below, so one run lists everything to fix.

    # 1. Read the account once: every group with its policies (one listing).
    existing = service.list_groups()
    by_name = {}
    for group in existing:
        by_name.setdefault(group["name"], []).append(group)
    for group in flat:
        if len(by_name.get(group.name, [])) > 1:
            problems.append("%d user groups are named '%s' in account %s (ids: %s); delete or rename the extra ones"
                            % (len(by_name[group.name]), group.name, account_id,
                               ", ".join(sorted(g["id"] for g in by_name[group.name]))))

    # 2. Members of every existing group whose membership is managed, concurrently.
    managed_ids = [by_name[g.name][0]["id"] for g in flat if g.members is not None and g.name in by_name]
    current_members = service.list_members_many(managed_ids)

    # 3. Resolve every name, lazily (listings above already taught most of them).
    resolved_members = {}
    resolved_policies = {}
    for group in flat:
        if group.members is not None:
            try:
                resolved_members[group.name] = resolve_members(group.members, lookups)
            except ResolutionError as exc:
                problems.extend("group '%s': %s" % (group.name, p) for p in exc.problems)
        if group.policies is not None:
            try:
                resolved_policies[group.name] = resolve_policies(group.policies, lookups, account_id,
                                                                 where="group '%s' policies" % group.name)
            except ResolutionError as exc:
                problems.extend(exc.problems)
    if problems:
        raise ResolutionError(problems)

    # 4. Compare, group by group.
    plan = AccountPlan()
    for group in flat:
        current = by_name.get(group.name, [None])[0]
        desired_policies = resolved_policies.get(group.name)
        desired_members = resolved_members.get(group.name)
        member_ids = [m["id"] for m in desired_members] if desired_members is not None else None
        declared = {"name": group.name, "scim": group.scim,
                    "members": _emails(lookups, member_ids) if member_ids is not None else None,
                    "policies": ([readable_policy(normalize_policy(p.as_api_policy(), lookups, account_id))
                                  for p in desired_policies] if desired_policies is not None else None)}
        plan.groups.append(declared)
        for mid in member_ids or []:
            member = lookups.describe_member(mid) or {}
            if member.get("status") == "pending" and (current is None or mid not in set(
                    m["id"] for m in current_members.get(current["id"], []))):
                plan.warnings.append("%s has not accepted the invitation to the account yet (status pending); it is "
                                     "added to group '%s' as declared" % (member_view(member)["email"] or mid, group.name))

        if current is None:
            if group.scim:
                plan.summary["missing_scim_groups"].append(group.name)
                plan.warnings.append("group '%s' is declared as pushed by SCIM but the identity provider has not "
                                     "pushed it yet; it is skipped" % group.name)
                continue
            plan.create.append({"name": group.name,
                                "policies": [p.item() for p in desired_policies] if desired_policies is not None else None,
                                "members": member_ids})
            plan.summary["created"].append(group.name)
            if member_ids:
                plan.summary["members_added"][group.name] = _emails(lookups, member_ids)
            plan.before[group.name] = None
            plan.after[group.name] = {"name": group.name,
                                      "policies": declared["policies"] if desired_policies is not None else [],
                                      "members": declared["members"] or []}
            continue

        changed = False
        before = {"name": group.name, "policies": _readable(current.get("policies"), lookups, account_id)}
        after = dict(before)
        if desired_policies is not None:
            pplan = plan_policies(current.get("policies"), desired_policies, "present", exclusive_policies)
            if pplan.changed:
                changed = True
                plan.update_policies.append({"id": current["id"], "name": group.name, "exclusive": exclusive_policies,
                                             "policies": [p.item() for p in desired_policies]})
                after["policies"] = _readable(pplan.after_policies, lookups, account_id)
        if member_ids is not None:
            now = [m["id"] for m in current_members.get(current["id"], [])]
            mplan = plan_members(now, member_ids, "present", exclusive_members)
            before["members"] = _emails(lookups, now)
            after["members"] = _emails(lookups, mplan.after_ids)
            if mplan.changed:
                changed = True
                plan.update_members.append({
                    "id": current["id"], "name": group.name, "exclusive": exclusive_members,
                    "members": member_ids if exclusive_members else mplan.to_add,
                    "add": mplan.to_add, "remove": mplan.to_remove})
                if mplan.to_add:
                    plan.summary["members_added"][group.name] = _emails(lookups, mplan.to_add)
                if mplan.to_remove:
                    plan.summary["members_removed"][group.name] = _emails(lookups, mplan.to_remove)
        if changed:
            plan.summary["updated"].append(group.name)
            plan.before[group.name] = before
            plan.after[group.name] = after
        else:
            plan.summary["unchanged"] += 1

    # 5. Purge what is not declared.
    if purge:
        declared_names = set(g.name for g in flat)
        for group in sorted(existing, key=lambda g: (g["name"], g["id"])):
            if group["name"] in declared_names or excluded(group["name"]):
                continue
            plan.delete.append({"id": group["id"], "name": group["name"]})
            plan.summary["deleted"].append(group["name"])
            plan.before[group["name"]] = {"name": group["name"],
                                          "policies": _readable(group.get("policies"), lookups, account_id)}
            plan.after[group["name"]] = None
    return plan
