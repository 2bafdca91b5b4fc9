# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's declaration: the ``user_groups`` tree parsed into ``DesiredGroup`` values, every name resolved.

Layer 5 of 9, names (the layer map: docs/development.md). It may import ``common``, ``model`` and ``resolve``; it
reads names through the ``catalogue.Catalogue`` it is handed. Only ``cf_user_groups_plan`` uses it: the tree is
flattened depth-first, membership rolls up to every ancestor, and every problem of every entry is collected so that
the plan reports them all at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    LOOK_ALIKE,
    ResolutionError,
    comparable_name,
    later_expiry,
    new_name_problems,
    shown_name,
    suggest,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies, resolve_members

# The keys of a declared group: its plain fields (``Group.DECLARED``), then the rest.
GROUP_KEYS = Group.DECLARED + ("members", "policies", "children", "scim", "previous_names")


class DesiredGroup(object):
    """One declared group after flattening.

    ``member_ids`` holds the group's own members plus every descendant's (membership rolls up);
    ``members_declared`` says whether the group itself listed ``members``: when it did not, the roll-up can
    only add members, never remove one. ``policies`` None leaves the group's policies alone.
    ``previous_names``: names the group had before; a group holding one of them is renamed to ``name``.
    ``fields``: the other plain fields declared (``Group.DECLARED``), ``{field: value}``; a field not declared is
    left alone. ``member_expiry`` (``{member id: date or None}``, rolled up like the members: an ancestor keeps the
    later of two expiries, and None, no expiry, wins) and ``policy_expiry`` (``{Policy: date or None}``) hold each
    entry's ``expires``.
    """

    def __init__(self, name, scim, path, policies=None, member_ids=None, members_declared=False, previous_names=(),
                 fields=None):
        self.name = name
        self.scim = scim
        self.path = path
        self.policies = policies
        self.member_ids = member_ids
        self.members_declared = members_declared
        self.previous_names = list(previous_names)
        self.fields = dict(fields or {})
        self.member_expiry = {}
        self.policy_expiry = {}


class _Declaration(object):
    """What parsing the tree has seen so far: the problems, the groups in order, the names and previous names."""

    def __init__(self, catalogue, warnings, today=None):
        self.catalogue = catalogue
        self.today = today
        self.warnings = warnings
        self.problems = []
        self.groups = []
        self.seen = {}  # name -> trail
        self.seen_like = {}  # comparable name -> first name
        self.previous = {}  # previous name -> the group that lists it

    def check_names(self, name, trail):
        """False when the name was declared before (the group is skipped); look-alikes are problems."""
        if name in self.seen:
            self.problems.append("group name '%s' is declared twice (%s and %s); names must be unique across the "
                                 "whole tree" % (name, self.seen[name], trail))
            return False
        self.seen[name] = trail
        twin = self.seen_like.get(comparable_name(name))
        if twin is not None:
            self.problems.append("declare only one of the group names %s and %s: they %s, and Cloudflare would "
                                 "show two look-alike groups" % (shown_name(twin), shown_name(name), LOOK_ALIKE))
        self.seen_like.setdefault(comparable_name(name), name)
        return True

    def previous_names(self, node, name, scim, where):
        """The ``previous_names`` of a group entry, checked on their own (``check_renames`` checks them together)."""
        value = node.get("previous_names")
        if value is None:
            return []
        # A previous name names a group that exists: it is taken exactly as it is (a tab, an invisible character).
        if not isinstance(value, list) or any(not isinstance(v, str) or not v for v in value):
            self.problems.append("%s: previous_names must be a list of the names the group had before" % where)
            return []
        if scim:
            self.problems.append("%s is pushed by SCIM: its name belongs to the identity provider; remove "
                                 "previous_names" % where)
            return []
        names = []
        for old in dict.fromkeys(value):
            if old == name:
                self.problems.append("%s lists its own name in previous_names" % where)
            elif old in self.previous:
                self.problems.append("previous name '%s' is listed by groups '%s' and '%s': a group can be renamed "
                                     "to one name only" % (old, self.previous[old], name))
            else:
                self.previous[old] = name
                names.append(old)
        return names

    def check_renames(self):
        """A previous name that is also a declared name: the role cannot both rename and keep that group."""
        for old, new in sorted(self.previous.items()):
            if old in self.seen:
                self.problems.append("'%s' is declared as a group (%s) and as a previous name of group '%s': a "
                                     "group cannot be kept and renamed; remove one of them" % (old, self.seen[old], new))


def _parse_group(node, where, ancestors, state):
    """One entry of the tree as a DesiredGroup (children not included), or None when it cannot be one."""
    problems = state.problems
    if not isinstance(node, dict):
        problems.append("%s must be a dictionary with at least a name" % where)
        return None
    name = node.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("%s has no name (keys given: %s)" % (where, ", ".join(sorted(map(str, node))) or "none"))
        return None
    scim = node.get("scim", False)
    # The name of a group the role may create or rename to must show as it is; a SCIM group's names what exists.
    bad_name = [] if scim is True else new_name_problems(
        name, "%s name" % where, "to rename a group that has such a name, list its name exactly in previous_names")
    if bad_name:
        problems.extend(bad_name)
        return None
    where = "group %s" % shown_name(name)
    for key in sorted(set(node) - set(GROUP_KEYS)):
        problems.append("%s has an unknown key '%s'%s (allowed: %s)" % (
            where, key, suggest(key, GROUP_KEYS), ", ".join(GROUP_KEYS)))
    trail = " > ".join(ancestors + [name])
    if not state.check_names(name, trail):
        return None
    if not isinstance(scim, bool):
        problems.append("%s: scim must be true or false" % where)
        scim = bool(scim)
    group = DesiredGroup(name, scim, trail, previous_names=state.previous_names(node, name, scim, where),
                         fields=_plain_fields(node, where, problems))
    members = node.get("members")
    if members is not None:
        if scim:
            problems.append("%s is pushed by SCIM: its members belong to the identity provider; remove "
                            "members" % where)
        elif not isinstance(members, list):
            problems.append("%s: members must be a list of emails or member ids" % where)
        else:
            try:
                group.member_ids = [m["id"] for m in resolve_members(members, state.catalogue, where,
                                                                     group.member_expiry, state.today)]
                group.members_declared = True
            except ResolutionError as exc:
                problems.extend(exc.problems)
    if node.get("policies") is not None:
        try:
            group.policies = parse_policies(node["policies"], state.catalogue, "%s policies" % where, state.warnings,
                                            group.policy_expiry)
        except ResolutionError as exc:
            problems.extend(exc.problems)
    return group


def _plain_fields(node, where, problems):
    """The plain fields a group entry declares besides its name (``Group.DECLARED``): strings, or left alone."""
    fields = {}
    for field in Group.DECLARED:
        value = node.get(field)
        if field == "name" or value is None:
            continue
        if not isinstance(value, str):
            problems.append("%s: %s must be a string, got %s" % (where, field, type(value).__name__))
            continue
        fields[field] = value
    return fields


def parse_declaration(tree, catalogue, warnings=None, today=None):
    """``(groups, problems)``: the role's ``user_groups`` tree as DesiredGroup values, depth-first, names resolved.

    Every problem is reported once, where it is written (a child's unknown email under the child, not again
    under each ancestor); the caller adds what only the account reveals and reports them all at once. ``today``:
    the date an entry that names nobody in the account any more may have expired by (then it is skipped).
    """
    state = _Declaration(catalogue, warnings, today)

    def walk(nodes, path, ancestors):
        if not isinstance(nodes, list):
            state.problems.append("%s must be a list of groups" % path)
            return []
        mine = []
        for index, node in enumerate(nodes):
            group = _parse_group(node, "%s[%d]" % (path, index), ancestors, state)
            if group is None:
                continue
            state.groups.append(group)
            mine.append(group)
            descendants = walk(node["children"], "group '%s' children" % group.name, ancestors + [group.name]) \
                if node.get("children") is not None else []
            # Membership rolls up: every member of a descendant is a member of this group.
            rolled = [mid for d in descendants if not d.scim for mid in d.member_ids or []]
            if rolled and not group.scim:
                group.member_ids = list(dict.fromkeys((group.member_ids or []) + rolled))
                roll_up_expiry(group, [d for d in descendants if not d.scim])
            mine.extend(descendants)
        return mine

    walk(tree, "user_groups", [])
    state.check_renames()
    return state.groups, state.problems


def roll_up_expiry(group, descendants):
    """A member of a descendant is a member of ``group`` until the last of its entries expires: the later date
    wins, and an entry without ``expires`` (here or in any descendant) keeps it for good."""
    merged = dict(group.member_expiry)
    for child in descendants:
        for member_id in child.member_ids or []:
            date = child.member_expiry.get(member_id)
            merged[member_id] = later_expiry(merged[member_id], date) if member_id in merged else date
    group.member_expiry = merged


def declared_with_members(tree):
    """Names (and previous names) of the declared groups whose membership the declaration manages (own or a
    descendant's members)."""
    names = set()

    def walk(nodes):
        any_members = False
        for node in nodes if isinstance(nodes, list) else []:
            if not isinstance(node, dict):
                continue
            mine = node.get("members") is not None
            below = walk(node.get("children"))
            if (mine or below) and isinstance(node.get("name"), str) and not node.get("scim"):
                names.add(node["name"])
                previous = node.get("previous_names")
                if isinstance(previous, list):
                    names.update(p for p in previous if isinstance(p, str))
            any_members = any_members or mine or below
        return any_members

    walk(tree)
    return names
