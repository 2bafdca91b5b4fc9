# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names: what users write (role labels, emails, zone and group names) resolved to ids, with per-task caches.

Layer 3 of 8, names (the layer map: docs/development.md). It may import ``client`` and ``api``.

Every listing is read at most once per task (a loop's items share the catalogue) and only when it is needed:
``seed_*`` learns what other listings already returned (permission groups and resource groups embedded in
group policies, members in group member listings), so a task whose names are all known from those sends no
catalogue request at all. A write tells the catalogue what it changed (``note_*``), never the other way round.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import re
import threading
import unicodedata

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError

HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
# What two look-alike names differ by (``comparable_name``), as messages say it.
LOOK_ALIKE = "differ only by case, spaces, invisible characters or Unicode form"


class ResolutionError(CloudflareError):
    """One or more inputs are invalid or unknown; ``problems`` lists every one of them (nothing was written)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ResolutionError, self).__init__("; ".join(self.problems))


def is_id(value):
    """True for a Cloudflare object id: 32 hexadecimal characters."""
    return isinstance(value, str) and bool(HEX32.match(value))


# Characters that do not show: besides the format characters (Unicode category Cf: zero-width space and joiners,
# the byte order mark, soft hyphen, direction marks) and the controls, Unicode's other Default_Ignorable_Code_Points
# (combining grapheme joiner, Hangul fillers, variation selectors, ...) and the blank Braille pattern.
_INVISIBLE_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800),
                     (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                     (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
# Variation selectors only choose how the character before them is drawn (an emoji's colour form): a name may hold
# them; the comparison ignores them.
_PRESENTATION = (0xFE00, 0xFE0F)
# The Turkish dotless i and dotted capital I read as i: folded to i before the case is.
_I_FOLD = {0x0131: u"i", 0x0130: u"i"}


def is_invisible(char):
    """True for a character that does not show: a control other than whitespace, a format character (Cf), or
    another default-ignorable code point (``_INVISIBLE_RANGES``)."""
    category = unicodedata.category(char)
    if category == "Cf" or (category == "Cc" and not char.isspace()):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def invisible_characters(name):
    """The characters of ``name`` that do not show (variation selectors aside), each as ``U+200B ZERO WIDTH SPACE``,
    without repeats."""
    found = [c for c in name if is_invisible(c) and not _PRESENTATION[0] <= ord(c) <= _PRESENTATION[1]
             and not (unicodedata.category(c) == "Cc")]
    return ["U+%04X %s" % (ord(c), unicodedata.name(c, "unnamed")) for c in dict.fromkeys(found)]


def comparable_name(name):
    """A name as a person reads it; two names with the same form look alike.

    Unicode's NFKC_Casefold, plus two folds: compatibility forms become their plain letters (NFKC: full-width
    ``\uff26`` is ``F``, the ligature ``\ufb01`` is ``fi``), characters that do not show are dropped (``is_invisible``),
    the Turkish dotless ``\u0131`` and dotted ``\u0130`` read as ``i``, the case is folded (``casefold``), and
    leading, trailing and repeated whitespace (any Unicode space, tab or line break) is one space or none.
    ``"Finance "``, ``"finance"``, an NFD ``"Financé"``, ``"Fin\u200bance"``, ``"\uff26inance"``, ``"F\u0131nance"``
    all read as ``"finance"``. Letters of other scripts that look the same (Cyrillic ``\u0430`` for Latin ``a``) are
    not folded.
    """
    if not isinstance(name, str):
        return name
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if not is_invisible(c)).translate(_I_FOLD)
    text = unicodedata.normalize("NFKC", text.casefold()).replace(u"i\u0307", u"i")
    return " ".join(text.split())


def _visible(name):
    """True when every character of a name shows as itself: printable, nothing invisible, Unicode NFC, no
    compatibility form (NFKC) and no dotless or dotted i."""
    return (isinstance(name, str) and name.isprintable() and not any(is_invisible(c) or ord(c) in _I_FOLD for c in name)
            and unicodedata.normalize("NFKC", name) == name)


_ESCAPES = {"\"": "\\\"", "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def name_literal(name):
    """A group name as the user writes it in YAML: double-quoted; when the text would hide a difference (a combining,
    control, invisible or compatibility character, a dotless i), every character beyond ASCII as a ``\\u`` (or
    ``\\U``) escape."""
    if _visible(name):
        return json.dumps(name, ensure_ascii=False)
    out = []
    for char in name:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 32 <= code < 127:
            out.append(char)
        else:
            out.append("\\u%04x" % code if code <= 0xFFFF else "\\U%08x" % code)
    return '"%s"' % "".join(out)


def shown_name(name):
    """A group name as a message shows it: quoted, or as ``name_literal`` when spaces or the Unicode form would hide
    what sets it apart from a look-alike."""
    plain = _visible(name) and name == " ".join(name.split())
    return "'%s'" % name if plain else name_literal(name)


def suggest(value, candidates, limit=3):
    """`` (did you mean 'a', 'b'?)`` or an empty string.

    Emails are compared by their local part among candidates of the same domain, so a shared domain does
    not make every address look close.
    """
    value = str(value).strip().lower()
    pool = sorted(set(c for c in candidates if c))
    keyed = dict((c.lower(), c) for c in pool)
    if "@" in value:
        local, _at, domain = value.partition("@")
        same_domain = dict((c.lower().partition("@")[0], c) for c in pool if c.lower().partition("@")[2] == domain)
        if same_domain:
            keyed, value = same_domain, local
    matches = difflib.get_close_matches(value, list(keyed), n=limit, cutoff=0.75)
    if len(value) >= 3:  # a typo in a short word ('bop' for 'bob') is below the ratio cutoff
        matches += [k for k in sorted(keyed) if k not in matches and _one_edit(value, k)]
    if not matches:
        return ""
    matches = matches[:limit]
    return " (did you mean %s?)" % ", ".join("'%s'" % keyed[m] for m in matches)


def _one_edit(a, b):
    """True when ``b`` is one typo away from ``a``: one character replaced, added, removed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def pg_label(pg):
    return ((pg or {}).get("meta") or {}).get("label")


def pg_scopes(pg):
    """The scope types a permission group applies to (``meta.scopes`` may be a string or a list)."""
    scopes = ((pg or {}).get("meta") or {}).get("scopes")
    if scopes is None:
        return []
    if isinstance(scopes, str):
        return [s.strip() for s in scopes.split(",") if s.strip()]
    return [s for s in scopes if isinstance(s, str)]


def pg_deprecation(pg):
    """``(True, eol_at or None)`` when Cloudflare marks the permission group deprecated, else ``(False, None)``."""
    meta = (pg or {}).get("meta") or {}
    flag = meta.get("deprecated")
    deprecated = flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "yes", "1"))
    return deprecated, (meta.get("eol_at") or None) if deprecated else None


def member_email(member):
    email = (member or {}).get("email") or ((member or {}).get("user") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) else None


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
