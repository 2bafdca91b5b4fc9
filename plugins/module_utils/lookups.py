# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Name -> id resolution with per-run caches.

Every catalogue is read at most once per module run (one paged listing) and
only when it is needed: ``seed_*`` feeds what other listings already returned
(permission groups embedded in group policies, members embedded in group
member listings), so a run whose names are all known from those listings
sends no catalogue request at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re
import threading

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    CloudflareError,
    CloudflareNotFound,
    PER_PAGE_ACCOUNT_MEMBERS,
    PER_PAGE_PERMISSION_GROUPS,
    PER_PAGE_ZONES,
)

HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
ZONE_OBJECT_PREFIX = "com.cloudflare.api.account.zone."


def is_id(value):
    """True for a Cloudflare object id: 32 hexadecimal characters."""
    return isinstance(value, str) and bool(HEX32.match(value))


def suggest(value, candidates, limit=3):
    """`` (did you mean 'a', 'b'?)`` or an empty string.

    Emails are compared by their local part among candidates of the same
    domain, so a shared domain does not make every address look close.
    """
    value = str(value).lower()
    pool = sorted(set(c for c in candidates if c))
    if "@" in value:
        local, _at, domain = value.partition("@")
        keyed = dict((c.lower().partition("@")[0], c) for c in pool if c.lower().partition("@")[2] == domain)
        if not keyed:
            keyed = dict((c.lower(), c) for c in pool)
        else:
            value = local
    else:
        keyed = dict((c.lower(), c) for c in pool)
    matches = difflib.get_close_matches(value, list(keyed), n=limit, cutoff=0.75)
    if not matches:
        return ""
    return " (did you mean %s?)" % ", ".join("'%s'" % keyed[m] for m in matches)


class ResolutionError(CloudflareError):
    """One or more inputs are invalid or unknown; ``problems`` lists every one of them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ResolutionError, self).__init__("; ".join(self.problems))


def pg_label(pg):
    return ((pg or {}).get("meta") or {}).get("label")


def pg_scopes(pg):
    """The scope types a permission group applies to (``meta.scopes`` may be a string or a list)."""
    scopes = ((pg or {}).get("meta") or {}).get("scopes")
    if scopes is None:
        return []
    if isinstance(scopes, str):
        return [s.strip() for s in scopes.split(",") if s.strip()]
    return list(scopes)


def member_email(member):
    email = member.get("email") or (member.get("user") or {}).get("email")
    return email.lower() if isinstance(email, str) else None


class Lookups(object):
    """Lazy, cached catalogues of one account: permission groups, account members, zones, resource groups."""

    def __init__(self, client):
        self.client = client
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

    # ------------------------------------------------------------ permission groups
    def seed_permission_groups(self, groups):
        with self._lock:
            for pg in groups or []:
                if isinstance(pg, dict) and pg.get("id") and pg.get("name"):
                    self._pg_by_id.setdefault(pg["id"], pg)

    def seed_from_user_groups(self, user_groups):
        """Learn the permission groups embedded in the policies of listed user groups."""
        for group in user_groups or []:
            for policy in group.get("policies") or []:
                self.seed_permission_groups(policy.get("permission_groups"))

    def permission_groups(self):
        """The whole permission-group catalogue (one paged listing per run)."""
        with self._lock:
            if self._pg_all is None:
                self._pg_all = self.client.paginate(self.client.account_path("/iam/permission_groups"),
                                                    per_page=PER_PAGE_PERMISSION_GROUPS)
                for pg in self._pg_all:
                    self._pg_by_id[pg["id"]] = pg
            return self._pg_all

    @staticmethod
    def _match_pg(ref, groups, exact_only):
        for pg in groups:
            if pg.get("id") == ref:
                return pg
        for pg in groups:
            if pg_label(pg) == ref:
                return pg
        for pg in groups:
            if pg.get("name") == ref:
                return pg
        if exact_only:
            return None
        low = ref.lower()
        for pg in groups:
            if (pg.get("name") or "").lower() == low or (pg_label(pg) or "").lower() == low:
                return pg
        return None

    def find_permission_group(self, ref):
        """A permission group by id, ``meta.label`` or name; None when unknown.

        Exact matches among permission groups already seen (embedded in
        policies) avoid the catalogue listing; anything else reads it once.
        """
        ref = str(ref).strip()
        with self._lock:
            if self._pg_all is None:
                found = self._match_pg(ref, list(self._pg_by_id.values()), exact_only=True)
                if found is not None:
                    return found
            return self._match_pg(ref, self.permission_groups(), exact_only=False)

    def describe_permission_group(self, pg_id):
        with self._lock:
            return self._pg_by_id.get(pg_id)

    def permission_group_names(self):
        names = []
        for pg in self.permission_groups():
            names.append(pg.get("name"))
            names.append(pg_label(pg))
        return names

    # ------------------------------------------------------------ account members
    def seed_members(self, members):
        """Learn id/email/status of members that a group member listing returned."""
        with self._lock:
            for member in members or []:
                if not isinstance(member, dict) or not member.get("id"):
                    continue
                self._members_by_id.setdefault(member["id"], member)
                email = member_email(member)
                if email:
                    self._members_by_email.setdefault(email, member)

    def account_members(self):
        with self._lock:
            if self._members_all is None:
                self._members_all = self.client.paginate(self.client.account_path("/members"),
                                                         per_page=PER_PAGE_ACCOUNT_MEMBERS)
                for member in self._members_all:
                    self._members_by_id[member["id"]] = member
                    email = member_email(member)
                    if email:
                        self._members_by_email[email] = member
            return self._members_all

    def find_member(self, ref, verify=True):
        """An account member by email (case-insensitive) or member id; None when unknown.

        With ``verify=False`` an id that was not seen yet is trusted as given
        (``{"id": ref}``) instead of reading the account member listing.
        """
        ref = str(ref).strip()
        key = ref.lower()
        with self._lock:
            if "@" in ref:
                if key in self._members_by_email:
                    return self._members_by_email[key]
                self.account_members()
                return self._members_by_email.get(key)
            if ref in self._members_by_id:
                return self._members_by_id[ref]
            if not verify and is_id(ref):
                return {"id": ref}
            self.account_members()
            return self._members_by_id.get(ref)

    def member_emails(self):
        return [member_email(m) for m in self.account_members()]

    def describe_member(self, member_id):
        with self._lock:
            return self._members_by_id.get(member_id)

    # ------------------------------------------------------------ zones
    def _index_zones(self, zones):
        for zone in zones:
            self._zones_by_id[zone["id"]] = zone
            self._zones_by_name[zone["name"].lower()] = zone

    def zones(self):
        with self._lock:
            if self._zones_all is None:
                self._zones_all = self.client.paginate(
                    "/zones", params={"account.id": self.client.account_id}, per_page=PER_PAGE_ZONES)
                self._index_zones(self._zones_all)
            return self._zones_all

    def prefetch_zones(self, refs):
        """Read the zone listing once when several zone names/ids are about to be resolved."""
        unknown = set()
        for ref in refs:
            ref = str(ref).strip()
            if ref.lower() not in self._zones_by_name and ref not in self._zones_by_id:
                unknown.add(ref.lower())
        if len(unknown) > 1:
            self.zones()

    def find_zone(self, ref, verify=True):
        """A zone of the account by name (case-insensitive) or id; None when unknown."""
        ref = str(ref).strip()
        with self._lock:
            if ref.lower() in self._zones_by_name:
                return self._zones_by_name[ref.lower()]
            if ref in self._zones_by_id:
                return self._zones_by_id[ref]
            if self._zones_all is not None:
                return None
            if is_id(ref):
                if not verify:
                    return {"id": ref, "name": None}
                self.zones()
                return self._zones_by_id.get(ref)
            found = self.client.paginate("/zones", params={"name": ref, "account.id": self.client.account_id},
                                         per_page=PER_PAGE_ZONES)
            found = [z for z in found if (z.get("name") or "").lower() == ref.lower()]
            self._index_zones(found)
            return found[0] if found else None

    def zone_name(self, zone_id):
        with self._lock:
            zone = self._zones_by_id.get(zone_id)
        return zone.get("name") if zone else None

    def zone_names(self):
        return [z.get("name") for z in self.zones()]

    # ------------------------------------------------------------ resource groups
    def resource_groups(self):
        """Named resource groups of the account (the listing is not paginated)."""
        with self._lock:
            if self._rg_all is None:
                self._rg_all = self.client.get(self.client.account_path("/iam/resource_groups")) or []
            return self._rg_all

    def find_resource_group(self, ref):
        ref = str(ref).strip()
        groups = self.resource_groups()
        for rg in groups:
            if rg.get("id") == ref:
                return rg
        matches = [rg for rg in groups if rg.get("name") == ref]
        if not matches:
            matches = [rg for rg in groups if (rg.get("name") or "").lower() == ref.lower()]
        return matches[0] if len(matches) == 1 else (None if not matches else matches)

    def named_resource_group_ids(self):
        return set(rg.get("id") for rg in self.resource_groups())

    # ------------------------------------------------------------ helpers
    def get_or_none(self, path):
        try:
            return self.client.get(path)
        except CloudflareNotFound:
            return None
