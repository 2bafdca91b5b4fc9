# -*- coding: utf-8 -*-
"""select_by_name_or_id: the filter the info modules share."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.services import select_by_name_or_id

ZONES = [{"id": "a" * 32, "name": "example.com"}, {"id": "b" * 32, "name": "Example.NET"}]


def test_no_filter_selects_everything():
    found, not_found = select_by_name_or_id(ZONES, None, None)
    assert found == ZONES and not_found == []


def test_names_are_case_insensitive_and_ids_exact():
    found, not_found = select_by_name_or_id(ZONES, [" EXAMPLE.com "], ["b" * 32, "B" * 32])
    assert [z["name"] for z in found] == ["example.com", "Example.NET"]
    assert not_found == ["B" * 32]


def test_unknown_values_are_reported_once_in_order():
    found, not_found = select_by_name_or_id(ZONES, ["nope.org", "nope.org", "example.net"], [])
    assert [z["name"] for z in found] == ["Example.NET"]
    assert not_found == ["nope.org"]


def test_an_empty_filter_selects_nothing():
    found, not_found = select_by_name_or_id(ZONES, [], None)
    assert found == [] and not_found == []


def test_other_name_key():
    members = [{"id": "c" * 32, "email": "alice@example.com"}]
    found, not_found = select_by_name_or_id(members, ["Alice@Example.com", "bob@example.com"], None, name_key="email")
    assert found == members and not_found == ["bob@example.com"]
