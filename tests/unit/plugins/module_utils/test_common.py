# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""common.py: the helpers every layer shares (ids, name comparison, suggestions, role and member metadata)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    comparable_name,
    is_id,
    member_email,
    name_problems,
    pg_deprecation,
    pg_scopes,
    suggest,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import hexid


# =========================================================================== helpers
class TestHelpers(object):
    def test_is_id(self):
        assert is_id(hexid(1)) and is_id("ABCDEF" + hexid(1)[6:])
        assert not is_id(hexid(1)[:31]) and not is_id(hexid(1) + "0") and not is_id("g" * 32) and not is_id(None)

    def test_comparable_name(self):
        nfd = unicodedata.normalize("NFD", u"Caf\u00e9 Team")
        assert comparable_name(nfd) == comparable_name(u"caf\u00e9  team ") == u"caf\u00e9 team"
        assert comparable_name(u"STRASSE") == comparable_name(u"stra\u00dfe")  # casefold
        assert comparable_name(None) is None

    def test_suggest(self):
        assert suggest("admn", ["admin", "Administrator", "billing"]) == " (did you mean 'admin'?)"
        assert suggest("zzz", ["admin"]) == ""
        assert suggest("alcie@example.com", ["alice@example.com", "alice@other.org"]) == \
            " (did you mean 'alice@example.com'?)"
        assert suggest("x", [None, ""]) == ""

    def test_pg_metadata(self):
        assert pg_scopes({"meta": {"scopes": "a, b,"}}) == ["a", "b"]
        assert pg_scopes({"meta": {"scopes": ["a", 3]}}) == ["a"] and pg_scopes(None) == []
        assert pg_deprecation({"meta": {"deprecated": "True", "eol_at": "2026-01-01"}}) == (True, "2026-01-01")
        assert pg_deprecation({"meta": {"deprecated": False, "eol_at": "2026-01-01"}}) == (False, None)
        assert pg_deprecation({"meta": {"deprecated": True}}) == (True, None)

    def test_member_email(self):
        assert member_email({"email": " Bob@Example.COM "}) == "bob@example.com"
        assert member_email({"user": {"email": "Dave@example.com"}}) == "dave@example.com"
        assert member_email({}) is None and member_email(None) is None


# =========================================================================== name_problems
@pytest.mark.parametrize("name, problem", [
    ("Ops", None),
    (u"Caf\u00e9 \U0001F600 {{ x }}", None),
    ("", "name must not be empty"),
    ("   ", "name must not be empty"),
    (None, "name must not be empty"),
    ("Line\nbreak", "contains a control character"),
    ("Tab\there", "contains a control character"),
    ("Delete\x7f", "contains a control character"),
])
def test_name_problems(name, problem):
    found = name_problems(name, "name")
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]
