# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Services over the API client: user groups, their members, resource groups; plans and diffs.

Modules call these; these call the client. Each service method is one API
operation (or one paged listing) with the Cloudflare semantics handled once:
404 on read is "absent", the members body is a bare JSON array, a POST create
is recovered by re-reading instead of being re-sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    CloudflareNotFound,
    PER_PAGE_GROUP_MEMBERS,
    PER_PAGE_USER_GROUPS,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import (
    ZONE_OBJECT_PREFIX,
    Lookups,
    ResolutionError,
    is_id,
    member_email,
    suggest,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import (
    _object_keys,
    _scope_kind,
    _scopes_of,
    account_scope_key,
    normalize_policies,
)


class DuplicateGroupError(ResolutionError):
    """Two or more user groups share the name that was asked for."""


class DuplicateResourceGroupError(ResolutionError):
    """Two or more named resource groups share the name that was asked for."""


class UserGroupService(object):
    """User groups and their members."""

    def __init__(self, client, lookups=None):
        self.client = client
        self.lookups = lookups or Lookups(client)

    # ----------------------------------------------------------------- paths
    def _groups_path(self, suffix=""):
        return self.client.account_path("/iam/user_groups%s" % suffix)

    # ----------------------------------------------------------------- reads
    def list_groups(self, name=None, group_id=None, fuzzy_name=None):
        params = {}
        if name is not None:
            params["name"] = name
        if group_id is not None:
            params["id"] = group_id
        if fuzzy_name is not None:
            params["fuzzyName"] = fuzzy_name
        groups = self.client.paginate(self._groups_path(), params=params, per_page=PER_PAGE_USER_GROUPS)
        if name is not None:
            groups = [g for g in groups if g.get("name") == name]
        self.lookups.seed_from_user_groups(groups)
        return groups

    def get_group(self, group_id):
        """A group by id, or None when it does not exist."""
        try:
            group = self.client.get(self._groups_path("/%s" % group_id))
        except CloudflareNotFound:
            return None
        self.lookups.seed_from_user_groups([group])
        return group

    def find_group(self, name=None, group_id=None, required=False):
        """A group by exact name or id; None when absent; DuplicateGroupError when the name is not unique."""
        if group_id is not None:
            group = self.get_group(group_id) if is_id(group_id) else None
            if group is None and required:
                raise ResolutionError(["user group id '%s' does not exist in account %s" % (
                    group_id, self.client.account_id)])
            return group
        matches = self.list_groups(name=name)
        if len(matches) > 1:
            raise DuplicateGroupError(["%d user groups are named '%s' (ids: %s); address the group by id" % (
                len(matches), name, ", ".join(sorted(g["id"] for g in matches)))])
        if not matches and required:
            others = [g.get("name") for g in self.list_groups(fuzzy_name=name[:3])] if name else []
            raise ResolutionError(["user group '%s' does not exist in account %s%s" % (
                name, self.client.account_id, suggest(name, others))])
        return matches[0] if matches else None

    def list_members(self, group_id):
        members = self.client.paginate(self._groups_path("/%s/members" % group_id), per_page=PER_PAGE_GROUP_MEMBERS)
        self.lookups.seed_members(members)
        return members

    def list_members_many(self, group_ids):
        """Member listings of many groups, fetched concurrently: {group_id: [members]}."""
        group_ids = list(group_ids)
        results = self.client.map_concurrent(self.list_members, group_ids)
        return dict(zip(group_ids, results))

    # ----------------------------------------------------------------- writes
    def create_group(self, name, policies=None, known_ids=()):
        """POST a new group (optionally with its policies).

        ``known_ids``: ids of groups with this name that existed before (usually
        none). If the POST gets no clear answer, re-reading finds a group with
        this name outside ``known_ids``: that is the created one, so the POST is
        not sent again and no duplicate is made.
        """
        body = {"name": name}
        if policies is not None:
            body["policies"] = policies
        known_ids = set(known_ids or ())

        def recover():
            for group in self.list_groups(name=name):
                if group["id"] not in known_ids:
                    return group
            return None

        return self.client.post(self._groups_path(), body=body, recover=recover)

    def update_group(self, group_id, name=None, policies=None):
        body = {}
        if name is not None:
            body["name"] = name
        if policies is not None:
            body["policies"] = policies
        return self.client.put(self._groups_path("/%s" % group_id), body=body)

    def delete_group(self, group_id):
        try:
            self.client.delete(self._groups_path("/%s" % group_id))
        except CloudflareNotFound:
            return False
        return True

    def add_members(self, group_id, member_ids):
        body = [{"id": mid} for mid in member_ids]
        # Adding an existing member is a no-op, so repeating this POST is safe.
        result = self.client.post(self._groups_path("/%s/members" % group_id), body=body, idempotent=True)
        return result or []

    def replace_members(self, group_id, member_ids):
        body = [{"id": mid} for mid in member_ids]
        return self.client.put(self._groups_path("/%s/members" % group_id), body=body) or []

    def remove_member(self, group_id, member_id):
        try:
            return self.client.delete(self._groups_path("/%s/members/%s" % (group_id, member_id)))
        except CloudflareNotFound:
            return None


class ResourceGroupService(object):
    """Named resource groups."""

    def __init__(self, client, lookups=None):
        self.client = client
        self.lookups = lookups or Lookups(client)

    def _path(self, suffix=""):
        return self.client.account_path("/iam/resource_groups%s" % suffix)

    def list(self, name=None, rg_id=None):
        params = {}
        if name is not None:
            params["name"] = name
        if rg_id is not None:
            params["id"] = rg_id
        if not params:
            return self.lookups.resource_groups()
        return self.client.get(self._path(), params=params) or []

    def get(self, rg_id):
        try:
            return self.client.get(self._path("/%s" % rg_id))
        except CloudflareNotFound:
            return None

    def find(self, name=None, rg_id=None):
        """A named resource group by id or exact name; None when absent.

        DuplicateResourceGroupError when several groups carry the name.
        """
        if rg_id is not None:
            return self.get(rg_id) if is_id(rg_id) else None
        matches = [rg for rg in self.list(name=name) if rg.get("name") == name]
        if len(matches) > 1:
            raise DuplicateResourceGroupError(["%d resource groups are named '%s' (ids: %s); address the resource "
                                               "group by id" % (len(matches), name,
                                                                ", ".join(sorted(rg["id"] for rg in matches)))])
        return matches[0] if matches else None

    def create(self, name, scope):
        def recover():
            found = [rg for rg in (self.client.get(self._path(), params={"name": name}) or []) if rg.get("name") == name]
            return found[0] if found else None
        return self.client.post(self._path(), body={"name": name, "scope": scope}, recover=recover)

    def update(self, rg_id, name=None, scope=None):
        body = {}
        if name is not None:
            body["name"] = name
        if scope is not None:
            body["scope"] = scope
        return self.client.put(self._path("/%s" % rg_id), body=body)

    def delete(self, rg_id):
        try:
            self.client.delete(self._path("/%s" % rg_id))
        except CloudflareNotFound:
            return False
        return True


# --------------------------------------------------------------------------- resource group views
def zones_scope(account_id, zone_ids):
    """The resource-group scope of a list of zones: account key, one zone object per zone."""
    return {"key": account_scope_key(account_id),
            "objects": [{"key": ZONE_OBJECT_PREFIX + zid} for zid in dict.fromkeys(zone_ids)]}


def scope_signature_of(scope):
    """Order-insensitive identity of a scope: (key, frozenset of object keys)."""
    scope = scope or {}
    return (scope.get("key"), frozenset(_object_keys(scope.get("objects"))))


def scope_zone_ids(scope, account_id):
    """Zone ids of a scope that lists zones, else None."""
    if not scope or _scope_kind(scope, account_id) != "zones":
        return None
    keys = _object_keys(scope.get("objects"))
    if keys == ["*"]:
        return [scope["key"][len(ZONE_OBJECT_PREFIX):]]
    return [k[len(ZONE_OBJECT_PREFIX):] for k in keys]


def resource_group_view(rg, lookups=None, account_id=None):
    """``{id, name, scope: {key, objects: [sorted keys]}, zones?, meta, created_on, modified_on}``.

    ``zones`` (zone names, sorted; an id when the zone is unknown) is set only
    when the scope lists zones; the zone listing is read at most once, and
    only when a zone name is not known yet.
    """
    scopes = _scopes_of(rg)
    scope = scopes[0] if scopes else {}
    view = {"id": rg.get("id"), "name": rg.get("name"),
            "scope": {"key": scope.get("key"), "objects": sorted(set(_object_keys(scope.get("objects"))))},
            "meta": rg.get("meta") or {}, "created_on": rg.get("created_on"), "modified_on": rg.get("modified_on")}
    zone_ids = scope_zone_ids(scope, account_id) if account_id else None
    if zone_ids is not None:
        names = [lookups.zone_name(z) if lookups is not None else None for z in zone_ids]
        if lookups is not None and None in names:
            lookups.zones()
            names = [lookups.zone_name(z) for z in zone_ids]
        view["zones"] = sorted(n or z for n, z in zip(names, zone_ids))
    return view


# --------------------------------------------------------------------------- member plans
class MemberPlan(object):
    def __init__(self, to_add, to_remove, after_ids, use_replace):
        self.to_add = to_add
        self.to_remove = to_remove
        self.after_ids = after_ids
        self.use_replace = use_replace

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)


def plan_members(current_ids, wanted_ids, state="present", exclusive=False):
    """Set arithmetic for group membership (order-insensitive, duplicates ignored).

    present: add what is missing; present+exclusive: the group becomes exactly
    ``wanted_ids`` (one PUT); absent: remove what is listed.
    """
    current = list(dict.fromkeys(current_ids))
    wanted = list(dict.fromkeys(wanted_ids))
    current_set = set(current)
    wanted_set = set(wanted)
    if state == "absent":
        to_remove = [m for m in current if m in wanted_set]
        after = [m for m in current if m not in wanted_set]
        return MemberPlan([], to_remove, after, use_replace=len(to_remove) > 1)
    to_add = [m for m in wanted if m not in current_set]
    if exclusive:
        to_remove = [m for m in current if m not in wanted_set]
        after = [m for m in current if m in wanted_set] + to_add
        return MemberPlan(to_add, to_remove, after, use_replace=True)
    return MemberPlan(to_add, [], current + to_add, use_replace=False)


def resolve_members(refs, lookups, verify=True):
    """Account members for emails (case-insensitive) or member ids; every unknown listed at once."""
    problems = []
    found = []
    for ref in refs or []:
        if not isinstance(ref, str) or not ref.strip():
            problems.append("members items must be emails or member ids, got %r" % (ref,))
            continue
        ref = ref.strip()
        if "@" not in ref and not is_id(ref):
            problems.append("'%s' is neither an email nor a 32-character member id" % ref)
            continue
        member = lookups.find_member(ref, verify=verify)
        if member is None:
            if "@" in ref:
                problems.append("no account member has the email '%s'%s" % (ref, suggest(ref, lookups.member_emails())))
            else:
                problems.append("no account member has the id '%s'" % ref)
            continue
        if member["id"] not in [m["id"] for m in found]:
            found.append(member)
    if problems:
        raise ResolutionError(problems)
    return found


def member_view(member):
    """``{id, email, status}`` of a member, whichever listing it came from."""
    return {"id": member.get("id"), "email": member_email(member), "status": member.get("status")}


# --------------------------------------------------------------------------- info filters
def select_by_name_or_id(items, names, ids, name_key="name"):
    """Items whose ``name_key`` (case-insensitive) or id was asked for, and the asked values that matched nothing.

    ``names`` and ``ids`` are option values (lists or None); with both None every item is selected.
    """
    filtering = names is not None or ids is not None
    names = [n.strip() for n in names or [] if n and n.strip()]
    ids = [i.strip() for i in ids or [] if i and i.strip()]
    wanted_names = set(n.lower() for n in names)
    wanted_ids = set(ids)
    known_names = set((item.get(name_key) or "").lower() for item in items)
    known_ids = set(item.get("id") for item in items)
    not_found = [n for n in names if n.lower() not in known_names] + [i for i in ids if i not in known_ids]
    found = list(items)
    if filtering:
        found = [item for item in items
                 if (item.get(name_key) or "").lower() in wanted_names or item.get("id") in wanted_ids]
    return found, list(dict.fromkeys(not_found))


# --------------------------------------------------------------------------- group views and diffs
def group_view(group, lookups=None, account_id=None, members=None):
    """The normalised, readable state of a group as modules return it."""
    view = {"id": group.get("id"), "name": group.get("name"), "created_on": group.get("created_on"),
            "modified_on": group.get("modified_on"),
            "policies": normalize_policies(group.get("policies"), lookups, account_id)}
    if members is not None:
        view["members"] = sorted((member_view(m) for m in members), key=lambda m: (m["email"] or "", m["id"]))
    return view


def diff_view(view):
    """What a diff shows of a group view: no timestamps, ids only where stable."""
    if view is None:
        return {}
    out = {}
    for key in ("id", "name", "policies", "members"):
        if key in view:
            out[key] = view[key]
    return out
