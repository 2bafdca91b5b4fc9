# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""common.suggest: a one-letter typo in a short word gets a "did you mean" (the ratio cutoff alone misses it)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import suggest

PEOPLE = ["%s@example.com" % p for p in ("alice", "bob", "carol", "dave", "erin", "zoe", "uma", "ivan", "judy")]


def test_one_letter_in_a_short_local_part():
    assert suggest("bop@example.com", PEOPLE) == " (did you mean 'bob@example.com'?)"
    assert suggest("BOP@example.com", PEOPLE) == " (did you mean 'bob@example.com'?)"
    assert suggest("zeo@example.com", PEOPLE) == " (did you mean 'zoe@example.com'?)"  # two letters swapped
    assert suggest("dav@example.com", PEOPLE) == " (did you mean 'dave@example.com'?)"  # one letter missing
    assert suggest("ivann@example.com", PEOPLE) == " (did you mean 'ivan@example.com'?)"  # one letter too many


def test_no_suggestion_for_what_is_not_one_typo_away():
    assert suggest("xyz@example.com", PEOPLE) == ""
    assert suggest("bxx@example.com", PEOPLE) == ""  # two letters off in three
    assert suggest("ab", ["ac", "ad"]) == ""  # two letters: one typo is half the word, no guess


def test_at_most_three_and_the_close_ones_first():
    found = suggest("dns", ["dn", "dna", "dnb", "dnc", "dnd", "domain_dns"])
    assert found.count("'") == 6, found  # three names


def test_other_names_too():
    assert suggest("dnz", ["dns", "domain_dns", "analytics"]) == " (did you mean 'dns'?)"
