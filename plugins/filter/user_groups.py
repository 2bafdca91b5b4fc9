# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the cfiam.user_groups collection (documented in the adjacent <filter>.yml files).

* ``to_declaration``: the ``user_groups`` list of ``cf_user_group_info`` (with members) -> the role's
  ``user_groups`` declaration (used by ``playbooks/export.yml``).
* ``user_groups_run_summary``: what the ``user_groups`` role actually did, from the registered results of
  its write loops.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import policy_item_from_normalized


def _policy_sort_key(item):
    return json.dumps(item, sort_keys=True)


def _matches(name, patterns):
    for pattern in patterns or []:
        if name == pattern:
            return True
        try:
            if re.fullmatch(pattern, name):
                return True
        except re.error:
            continue
    return False


def to_declaration(user_groups, scim_groups=None, include_empty=True):
    """Turn cf_user_group_info's ``user_groups`` (with members) into the role's ``user_groups`` list."""
    if user_groups is None:
        return []
    if not isinstance(user_groups, list):
        raise AnsibleFilterError("to_declaration expects the user_groups list returned by "
                                 "cfiam.user_groups.cf_user_group_info, got %s" % type(user_groups).__name__)
    declaration = []
    seen = set()
    for index, group in enumerate(user_groups):
        if not isinstance(group, dict) or not group.get("name"):
            raise AnsibleFilterError("to_declaration: user_groups[%d] is not a group with a name" % index)
        name = group["name"]
        if name in seen:
            raise AnsibleFilterError("to_declaration: the account has several groups named '%s'; the role needs "
                                     "unique names, rename one of them first" % name)
        seen.add(name)
        if "members" not in group:
            raise AnsibleFilterError("to_declaration: group '%s' has no members key; read the groups with "
                                     "cf_user_group_info include_members=true" % name)
        try:
            policies = [policy_item_from_normalized(p) for p in group.get("policies") or []]
        except (KeyError, TypeError) as exc:
            raise AnsibleFilterError("to_declaration: group '%s' has a policy that is not in the normalised form of "
                                     "cf_user_group_info: %s" % (name, to_native(exc)))
        # One stable order, duplicates (same item twice) folded.
        unique = dict((_policy_sort_key(p), p) for p in policies)
        item = {"name": name}
        if _matches(name, scim_groups):
            item["scim"] = True
        else:
            item["members"] = sorted(set((m.get("email") or m.get("id") or "").lower()
                                         for m in group.get("members") or [] if m.get("email") or m.get("id")))
        item["policies"] = [unique[k] for k in sorted(unique)]
        if not include_empty and not item.get("members") and not item["policies"]:
            continue
        declaration.append(item)
    declaration.sort(key=lambda g: g["name"])
    return declaration


def _ok_results(registered):
    if not registered:
        return []
    results = registered.get("results") if isinstance(registered, dict) else registered
    return [r for r in results or [] if isinstance(r, dict) and not r.get("skipped")]


def _item_name(result):
    item = result.get("item") or {}
    if isinstance(item, dict):
        if isinstance(item.get("item"), dict):  # loop over the results of an earlier loop
            return item["item"].get("name")
        return item.get("name")
    return None


def _emails(members):
    return sorted((m.get("email") or m.get("id")) for m in members or [] if isinstance(m, dict))


def user_groups_run_summary(plan, created=None, policies=None, members=None, new_members=None, deleted=None):
    """What the role did: created/updated/deleted group names, members added/removed per group, failures."""
    if not isinstance(plan, dict):
        raise AnsibleFilterError("user_groups_run_summary expects the registered result of cf_user_groups_plan")
    planned = plan.get("summary") or {}
    summary = {"created": [], "updated": [], "deleted": [], "delete_refused": [],
               "members_added": {}, "members_removed": {}}
    for result in _ok_results(created):
        if result.get("changed") and not result.get("failed"):
            summary["created"].append(_item_name(result) or (result.get("user_group") or {}).get("name"))
    updated = set()
    for result in _ok_results(policies):
        if result.get("changed") and not result.get("failed"):
            updated.add(_item_name(result))
    for result in _ok_results(members) + _ok_results(new_members):
        if not result.get("changed") or result.get("failed"):
            continue
        name = _item_name(result) or (result.get("user_group") or {}).get("name")
        # With resolved ids (verify_ids=false) a write reply may carry ids only; the plan knows the emails.
        for key, planned_key in (("added", "members_added"), ("removed", "members_removed")):
            if result.get(key):
                emails = _emails(result[key])
                known = (planned.get(planned_key) or {}).get(name)
                if known and len(known) == len(emails):
                    emails = sorted(known)
                summary[planned_key][name] = emails
        if name not in summary["created"]:
            updated.add(name)
    summary["updated"] = sorted(n for n in updated if n and n not in summary["created"])
    for result in _ok_results(deleted):
        name = _item_name(result)
        # A refusal the role tolerates (failed_when) keeps its msg and error_codes but is not failed.
        if result.get("failed") or result.get("error_codes"):
            summary["delete_refused"].append({"name": name, "msg": result.get("msg"),
                                              "error_codes": result.get("error_codes") or []})
        elif result.get("changed"):
            summary["deleted"].append(name)
    summary["created"] = sorted(n for n in summary["created"] if n)
    summary["deleted"] = sorted(n for n in summary["deleted"] if n)
    touched = set(summary["created"]) | set(summary["updated"]) | set(summary["deleted"])
    groups = plan.get("groups") or []
    unchanged = planned.get("unchanged")
    if groups:
        unchanged = len([g for g in groups if g.get("name") not in touched])
    summary["unchanged"] = unchanged if unchanged is not None else 0
    # Declared SCIM groups the identity provider has not pushed yet (nothing the role can do about them).
    summary["missing_scim_groups"] = list(planned.get("missing_scim_groups") or [])
    summary["changed"] = bool(touched or summary["members_added"] or summary["members_removed"])
    return summary


class FilterModule(object):
    """cfiam.user_groups filters."""

    def filters(self):
        return {
            "to_declaration": to_declaration,
            "user_groups_run_summary": user_groups_run_summary,
        }
