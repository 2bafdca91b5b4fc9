# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names: what users write (role labels, emails, zone and group names) resolved to ids, with per-task caches.

Layer 5 of 9, names (the layer map: docs/development.md). It may import ``client``, ``common`` and ``api`` (it is
handed an ``AccountAPI``). Only the ``Catalogue`` lives here; the helpers every layer shares (ids, name comparison,
role metadata) are in ``common``.

Every listing is read at most once per task (a loop's items share the catalogue) and only when it is needed:
``seed_*`` learns what other listings already returned (permission groups and resource groups embedded in
group policies, members in group member listings), so a task whose names are all known from those sends no
catalogue request at all. A write tells the catalogue what it changed (``note_*``), never the other way round.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    LOOK_ALIKE,
    comparable_name,
    is_id,
    member_email,
    name_literal,
    pg_label,
    shown_name,
    suggest,
)


class Catalogue(object):
    """Lazy, cached catalogues of one account: roles, members, zones, resource groups and user groups."""

    def __init__(self, api):
        self.api = api
        self.account_id = api.account_id
        self._lock = threading.RLock()
        self._pg_all = None
        self._pg_by_id = {}
        self._members_all = None
        self._members_by_id = {}
        self._members_by_email = {}
        self._zones_all = None
        self._zones_by_id = {}
        self._zones_by_name = {}
        self._rg_all = None
        self._rg_by_id = {}
        self._groups = None  # {id: group} of the whole account, once listed
        self._fresh = set()  # ids of the groups read during the current task item
        self._singles = {}  # groups read one by one (no listing) during the current task item

    # ------------------------------------------------------------ permission groups (roles)
    def seed_permission_groups(self, groups):
        with self._lock:
            for pg in groups or []:
                if isinstance(pg, dict) and pg.get("id") and pg.get("name"):
                    known = self._pg_by_id.get(pg["id"])
                    # A listing's entry (with meta) is worth more than an embedded one without it.
                    if known is None or ("meta" in pg and "meta" not in known):
                        self._pg_by_id[pg["id"]] = pg

    def seed_resource_groups(self, rgs):
        with self._lock:
            for rg in rgs or []:
                if isinstance(rg, dict) and rg.get("id"):
                    self._rg_by_id.setdefault(rg["id"], rg)

    def seed_from_user_groups(self, user_groups):
        """Learn the roles and resource groups embedded in the policies of user groups read from the API."""
        for group in user_groups or []:
            for policy in (group or {}).get("policies") or []:
                if isinstance(policy, dict):
                    self.seed_permission_groups(policy.get("permission_groups"))
                    self.seed_resource_groups(policy.get("resource_groups"))

    def permission_groups(self):
        """The whole role catalogue (one paged listing per task)."""
        with self._lock:
            if self._pg_all is None:
                self._pg_all = self.api.list_permission_groups()
                for pg in self._pg_all:
                    if pg.get("id"):
                        self._pg_by_id[pg["id"]] = pg
            return self._pg_all

    @staticmethod
    def _match_pg(ref, groups, exact_only):
        for key in (lambda pg: pg.get("id"), pg_label, lambda pg: pg.get("name")):
            for pg in groups:
                if key(pg) == ref:
                    return pg
        if exact_only:
            return None
        low = ref.lower()
        for pg in groups:
            if (pg.get("name") or "").lower() == low or (pg_label(pg) or "").lower() == low:
                return pg
        return None

    def find_permission_group(self, ref):
        """A role by id, ``meta.label`` or name (exact, then case-insensitive); None when unknown.

        An exact match among roles already seen (embedded in policies) avoids the catalogue listing, unless
        the role's ``meta`` (its scopes) is needed and was not embedded.
        """
        ref = str(ref).strip()
        with self._lock:
            if self._pg_all is None:
                found = self._match_pg(ref, list(self._pg_by_id.values()), exact_only=True)
                if found is not None and "meta" in found:
                    return found
            return self._match_pg(ref, self.permission_groups(), exact_only=False)

    def describe_permission_group(self, pg_id):
        with self._lock:
            return self._pg_by_id.get(pg_id)

    def permission_group_names(self):
        names = []
        for pg in self.permission_groups():
            names.extend([pg.get("name"), pg_label(pg)])
        return names

    # ------------------------------------------------------------ account members
    def _index_member(self, member, overwrite):
        if not isinstance(member, dict) or not member.get("id"):
            return
        if overwrite or member["id"] not in self._members_by_id:
            self._members_by_id[member["id"]] = member
        email = member_email(member)
        if email and (overwrite or email not in self._members_by_email):
            self._members_by_email[email] = member

    def seed_members(self, members):
        """Learn id, email and status of members that a group member listing returned."""
        with self._lock:
            for member in members or []:
                self._index_member(member, overwrite=False)

    def account_members(self):
        with self._lock:
            if self._members_all is None:
                self._members_all = self.api.list_account_members()
                for member in self._members_all:
                    self._index_member(member, overwrite=True)
            return self._members_all

    def find_member(self, ref):
        """An account member by email (case-insensitive) or member id; None when unknown."""
        ref = str(ref).strip()
        with self._lock:
            if "@" in ref:
                key = ref.lower()
                if key not in self._members_by_email and self._members_all is None:
                    self.account_members()
                return self._members_by_email.get(key)
            if ref not in self._members_by_id and self._members_all is None:
                self.account_members()
            return self._members_by_id.get(ref)

    def describe_member(self, member_id):
        with self._lock:
            return self._members_by_id.get(member_id)

    def member_emails(self):
        return [member_email(m) for m in self.account_members()]

    # ------------------------------------------------------------ zones
    def _index_zones(self, zones):
        for zone in zones:
            if zone.get("id"):
                self._zones_by_id[zone["id"]] = zone
            if zone.get("name"):
                self._zones_by_name[zone["name"].lower()] = zone

    def zones(self):
        with self._lock:
            if self._zones_all is None:
                self._zones_all = self.api.list_zones()
                self._index_zones(self._zones_all)
            return self._zones_all

    def prefetch_zones(self, refs):
        """Read the zone listing once when several unknown zone names or ids are about to be resolved."""
        with self._lock:
            unknown = set()
            for ref in refs:
                ref = str(ref).strip()
                if ref.lower() not in self._zones_by_name and ref not in self._zones_by_id:
                    unknown.add(ref.lower())
            if len(unknown) > 1:
                self.zones()

    def find_zone(self, ref):
        """A zone of the account by name (case-insensitive) or id; None when unknown."""
        ref = str(ref).strip()
        with self._lock:
            zone = self._zones_by_name.get(ref.lower()) or self._zones_by_id.get(ref)
            if zone is not None or self._zones_all is not None:
                return zone
            if is_id(ref):
                self.zones()
                return self._zones_by_id.get(ref)
            found = [z for z in self.api.list_zones(name=ref) if (z.get("name") or "").lower() == ref.lower()]
            self._index_zones(found)
            return found[0] if found else None

    def zone_name(self, zone_id):
        with self._lock:
            zone = self._zones_by_id.get(zone_id)
        return zone.get("name") if zone else None

    def learn_zone_names(self, zone_ids):
        """Read the zone listing (once) when a zone's name is not known yet, so views show names, not ids.

        A token without *Zone Read* cannot list zones: ids are shown instead, and nothing fails.
        """
        if any(self.zone_name(z) is None for z in zone_ids or ()) and self._zones_all is None:
            try:
                self.zones()
            except CloudflareError:
                with self._lock:
                    self._zones_all = []

    def zone_names(self):
        return [z.get("name") for z in self.zones()]

    # ------------------------------------------------------------ named resource groups
    def resource_groups(self):
        """Named resource groups of the account (one request per task)."""
        with self._lock:
            if self._rg_all is None:
                self._rg_all = self.api.list_resource_groups()
                for rg in self._rg_all:
                    if rg.get("id"):
                        self._rg_by_id[rg["id"]] = rg
            return self._rg_all

    def find_resource_group(self, ref):
        """A named resource group by id or name: the group, None when unknown, a list when the name is ambiguous."""
        ref = str(ref).strip()
        groups = self.resource_groups()
        for rg in groups:
            if rg.get("id") == ref:
                return rg
        matches = [rg for rg in groups if rg.get("name") == ref]
        if not matches:
            matches = [rg for rg in groups if (rg.get("name") or "").lower() == ref.lower()]
        if not matches:
            return None
        return matches[0] if len(matches) == 1 else matches

    def describe_resource_group(self, rg_id):
        with self._lock:
            return self._rg_by_id.get(rg_id)

    def named_resource_group_ids(self):
        """Ids of the named resource groups when the listing was read in this task, else None."""
        with self._lock:
            return None if self._rg_all is None else set(rg.get("id") for rg in self._rg_all)

    def note_resource_group(self, rg, deleted=False):
        with self._lock:
            if self._rg_all is not None:
                self._rg_all = [r for r in self._rg_all if r.get("id") != rg.get("id")]
                if not deleted:
                    self._rg_all.append(rg)
            if deleted:
                self._rg_by_id.pop(rg.get("id"), None)
            elif rg.get("id"):
                self._rg_by_id[rg["id"]] = rg

    # ------------------------------------------------------------ user groups
    def begin_item(self):
        """A new item of the task starts: groups read by earlier items are no longer fresh (see ``fresh_user_group``)."""
        with self._lock:
            self._fresh = set()
            self._singles = {}

    def user_groups(self):
        """Every user group of the account, with policies (one listing per task; kept current by ``note_*``)."""
        with self._lock:
            if self._groups is None:
                groups = self.api.list_user_groups()
                self._groups = dict((g["id"], g) for g in groups if g.get("id"))
                self._fresh = set(self._groups)
                self.seed_from_user_groups(groups)
            return list(self._groups.values())

    def fresh_user_group(self, group_id):
        """The group as Cloudflare has it now: read again unless this item already read it (None when gone).

        The read right before a write keeps the window in which a concurrent change could be overwritten short.
        """
        with self._lock:
            if group_id in self._fresh:
                if self._groups is not None and group_id in self._groups:
                    return self._groups[group_id]
                if group_id in self._singles:
                    return self._singles[group_id]
        group = self.api.get_user_group(group_id)
        self._note_single(group_id, group)
        return group

    def _note_single(self, group_id, group):
        with self._lock:
            self._fresh.add(group_id)
            self._singles[group_id] = group
            if group is not None:
                self.seed_from_user_groups([group])
                if self._groups is not None:
                    self._groups[group_id] = group
            elif self._groups is not None:
                self._groups.pop(group_id, None)

    def find_user_group(self, name=None, group_id=None):
        """``(group or None, problems)``: the group with exactly this name (or this id).

        A name held by several groups is a problem that lists their ids (address the group by id).
        """
        if group_id is not None:
            if not is_id(group_id):
                return None, []
            return self.user_group(group_id), []
        matches = self.user_groups_named(name)
        if len(matches) > 1:
            return None, ["%d user groups are named '%s' (ids: %s); address the group by id" % (
                len(matches), name, ", ".join(sorted(g["id"] for g in matches)))]
        return (matches[0] if matches else None), []

    def unknown_group_problem(self, ref):
        """The message for a group that does not exist, with a suggestion and look-alikes."""
        if is_id(ref):
            return "user group id '%s' does not exist in account %s" % (ref, self.account_id)
        like = self.user_groups_like(ref)
        hint = self.look_alike_hint(like) if like else suggest(ref, self.user_group_names())
        return "user group %s does not exist in account %s%s" % (shown_name(ref), self.account_id, hint)

    @staticmethod
    def look_alike_hint(groups):
        """`` (did you mean 'Finance' (<id>)? ...)``: the existing spelling of look-alike groups, written so that
        what differs shows."""
        return " (did you mean %s? Write the name exactly as %s, or give the id: the names %s)" % (
            ", ".join("%s (%s)" % (shown_name(g.get("name")), g.get("id")) for g in groups),
            " or ".join(name_literal(g.get("name")) for g in groups), LOOK_ALIKE)

    def user_groups_named(self, name):
        return [g for g in self.user_groups() if g.get("name") == name]

    def user_groups_like(self, name):
        """Groups whose name looks like ``name`` (``comparable_name``) without being it."""
        key = comparable_name(name)
        return [g for g in self.user_groups() if g.get("name") != name and comparable_name(g.get("name")) == key]

    def user_group(self, group_id):
        """A group by id: from the listing when it was read, else one GET per item; None when it does not exist."""
        with self._lock:
            if self._groups is not None:
                return self._groups.get(group_id)
            if group_id in self._fresh and group_id in self._singles:
                return self._singles[group_id]
        group = self.api.get_user_group(group_id) if is_id(group_id) else None
        self._note_single(group_id, group)
        return group

    def user_group_names(self):
        return [g.get("name") for g in self.user_groups()]

    def note_user_group(self, group, deleted=False):
        """Tell the cache what a write did to a group (created, renamed, policies set, deleted)."""
        with self._lock:
            if group.get("id") in self._singles:
                self._singles[group["id"]] = None if deleted else group
            if self._groups is None or not group.get("id"):
                return
            if deleted:
                self._groups.pop(group["id"], None)
            else:
                self._groups[group["id"]] = group
