# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every layer shares: the error of bad input, id checks, names as people read and write them, role metadata.

Layer 2 of 9, shared helpers (the layer map: docs/development.md). It may import only ``client`` (for the base of
``ResolutionError``). Pure functions: no request, no cache. The modules, the planner, the views, the access review
and the accounts inventory all take these from here, so an id is checked, a name compared and a problem reported
the same way everywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import re
import unicodedata

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError

HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


class ResolutionError(CloudflareError):
    """One or more inputs are invalid or unknown; ``problems`` lists every one of them (nothing was written)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(ResolutionError, self).__init__("; ".join(self.problems))


def is_id(value):
    """True for a Cloudflare object id: 32 hexadecimal characters."""
    return isinstance(value, str) and bool(HEX32.match(value))


# --------------------------------------------------------------------------- names
def comparable_name(name):
    """A name as a person reads it: Unicode NFC, case-folded, surrounding and repeated whitespace removed.

    Two names with the same comparable form look alike (``"Finance "``, ``"finance"``, an NFD ``"Financé"``).
    """
    if not isinstance(name, str):
        return name
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _visible(name):
    """True when every character of a name shows as itself: printable, Unicode NFC."""
    return isinstance(name, str) and name.isprintable() and unicodedata.normalize("NFC", name) == name


def name_literal(name):
    """A group name as the user writes it in YAML: double-quoted, ``\\u`` escapes only where the text would hide a
    difference (a combining character, a control or invisible one)."""
    return json.dumps(name, ensure_ascii=not _visible(name))


def shown_name(name):
    """A group name as a message shows it: quoted, or as ``name_literal`` when spaces or the Unicode form would hide
    what sets it apart from a look-alike."""
    plain = _visible(name) and name == " ".join(name.split())
    return "'%s'" % name if plain else name_literal(name)


def name_problems(name, what):
    """Problems of a group name Cloudflare would refuse or show wrongly (nothing is known of a length limit)."""
    if not isinstance(name, str) or not name.strip():
        return ["%s must not be empty" % what]
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return ["%s %r contains a control character (a line break or tab, often from a YAML block scalar): "
                "write the name on one line" % (what, name)]
    return []


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


# --------------------------------------------------------------------------- roles and members as Cloudflare lists them
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
