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

import datetime
import difflib
import json
import os
import re
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


# --------------------------------------------------------------------------- dates (expiring access)
TODAY_VARIABLE = "CFIAM_TODAY"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_date(value):
    """``(datetime.date, None)`` for a date written ``YYYY-MM-DD`` (text, or the date YAML makes of an unquoted
    one), else ``(None, what is wrong)``: a date and time, a number, another form, a date the calendar lacks."""
    if isinstance(value, datetime.datetime):
        return None, "must be a date YYYY-MM-DD, not a date and time (%s)" % value.isoformat()
    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, value.day), None
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return datetime.date(*[int(part) for part in value.strip().split("-")]), None
        except ValueError:
            return None, "is not a date of the calendar: %r" % value
    return None, "must be a date YYYY-MM-DD (quoted or not), got %r (%s)" % (value, type(value).__name__)


def today():
    """Today's date in UTC: the day an entry's ``expires`` is compared with (expired from that day on).

    ``CFIAM_TODAY=YYYY-MM-DD`` in the controller's environment replaces it: the tests set it to move the date
    without waiting (docs/development.md); the only function that reads it.
    """
    fixed = os.environ.get(TODAY_VARIABLE)
    if fixed:
        day, problem = parse_date(fixed)
        if problem:
            raise ResolutionError(["the environment variable %s %s; unset it to use today's date"
                                   % (TODAY_VARIABLE, problem)])
        return day
    return datetime.datetime.now(datetime.timezone.utc).date()


def later_expiry(first, second):
    """The expiry of one entry declared twice (``None``: never expires): the one that keeps access longer wins."""
    if first is None or second is None:
        return None
    return max(first, second)


def expired_keys(expiries, today):
    """The entries of ``{key: date or None}`` whose date has come (``date <= today``): they count as removed."""
    return set(key for key, date in (expiries or {}).items() if date is not None and date <= today)


def is_id(value):
    """True for a Cloudflare object id: 32 hexadecimal characters."""
    return isinstance(value, str) and bool(HEX32.match(value))


# --------------------------------------------------------------------------- names
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


def name_problems(name, what):
    """Problems of a group name Cloudflare would refuse or show wrongly (nothing is known of a length limit)."""
    if not isinstance(name, str) or not name.strip():
        return ["%s must not be empty" % what]
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return ["%s %r contains a control character (a line break or tab, often from a YAML block scalar): "
                "write the name on one line" % (what, name)]
    return []


def new_name_problems(name, what, existing_hint):
    """Problems of a name a group is given (created, or renamed to): those of ``name_problems``, and characters that
    do not show (``is_invisible``: zero-width spaces and joiners, the byte order mark, direction marks, ...), which
    make a name look like another group's and impossible to type. Names of what exists (a previous name, a SCIM
    group, a group looked up) are taken exactly as they are; ``existing_hint`` says how to name such a group."""
    problems = name_problems(name, what)
    if problems:
        return problems
    hidden = invisible_characters(name)
    if hidden:
        return ["write %s %s without the character(s) that do not show (%s): such a name looks like another group's "
                "and cannot be typed; %s" % (what, name_literal(name), ", ".join(hidden), existing_hint)]
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
