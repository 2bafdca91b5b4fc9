# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure unit tests of member planning and resolution (real Lookups over a fake client, no network)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import Lookups, ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    member_view,
    plan_members,
    resolve_members,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"


def hexid(n):
    return "%032x" % n


A, B, C, D, E = (hexid(n) for n in range(1, 6))


# =========================================================================== plan_members
class TestPlanMembers(object):
    def test_present_adds_missing_only(self):
        plan = plan_members([A, B], [B, C, D])
        assert plan.changed
        assert plan.to_add == [C, D] and plan.to_remove == []
        assert plan.after_ids == [A, B, C, D]
        assert plan.use_replace is False

    def test_present_nothing_missing(self):
        plan = plan_members([A, B, C], [C, A])
        assert not plan.changed and plan.to_add == [] and plan.after_ids == [A, B, C]

    def test_present_empty_list_changes_nothing(self):
        plan = plan_members([A, B], [])
        assert not plan.changed and plan.after_ids == [A, B]

    def test_exclusive_becomes_exactly_wanted(self):
        plan = plan_members([A, B, C], [C, D, B], exclusive=True)
        assert plan.changed and plan.use_replace
        assert plan.to_add == [D] and plan.to_remove == [A]
        assert sorted(plan.after_ids) == sorted([B, C, D])

    def test_exclusive_same_set_in_other_order_is_unchanged(self):
        plan = plan_members([A, B, C], [C, B, A], exclusive=True)
        assert not plan.changed
        assert sorted(plan.after_ids) == [A, B, C]

    def test_exclusive_empty_list_empties(self):
        plan = plan_members([A, B], [], exclusive=True)
        assert plan.changed and plan.use_replace
        assert plan.to_remove == [A, B] and plan.to_add == [] and plan.after_ids == []

    def test_exclusive_empty_on_empty_group(self):
        assert not plan_members([], [], exclusive=True).changed

    def test_absent_removes_listed_present_ones(self):
        plan = plan_members([A, B, C], [B, E])
        assert plan.to_remove == [] and plan.to_add == [E]  # sanity: present mode
        plan = plan_members([A, B, C], [B, E], state="absent")
        assert plan.changed
        assert plan.to_remove == [B] and plan.to_add == []
        assert plan.after_ids == [A, C]
        assert plan.use_replace is False  # one DELETE

    def test_absent_several_use_one_replace(self):
        plan = plan_members([A, B, C], [A, C], state="absent")
        assert plan.to_remove == [A, C] and plan.after_ids == [B]
        assert plan.use_replace is True

    def test_absent_exclusive_is_still_absent(self):
        plan = plan_members([A, B], [B], state="absent", exclusive=True)
        assert plan.to_remove == [B] and plan.to_add == [] and plan.after_ids == [A]

    def test_absent_of_non_members_is_unchanged(self):
        plan = plan_members([A], [B, C], state="absent")
        assert not plan.changed and plan.after_ids == [A]

    def test_duplicates_are_ignored(self):
        plan = plan_members([A, A, B], [C, C, B, C])
        assert plan.to_add == [C] and plan.after_ids == [A, B, C]
        plan = plan_members([A, A], [B, B], exclusive=True)
        assert plan.to_add == [B] and plan.to_remove == [A] and plan.after_ids == [B]
        plan = plan_members([A, B, B], [B, B], state="absent")
        assert plan.to_remove == [B] and plan.after_ids == [A]

    def test_generators_are_accepted(self):
        plan = plan_members(iter([A]), (m for m in [A, B]))
        assert plan.to_add == [B]


# =========================================================================== resolve_members
def account_member(n, email, status="accepted"):
    return {"id": hexid(n), "email": email, "status": status,
            "user": {"id": hexid(1000 + n), "email": email, "first_name": "F", "last_name": "L"}}


MEMBERS = [account_member(1, "alice@example.com"), account_member(2, "Bob@Example.com"),
           account_member(3, "carol@example.com", "pending"),
           # top-level email missing: only user.email carries it
           {"id": hexid(4), "status": "accepted", "user": {"id": hexid(1004), "email": "Dave@example.com"}}]


class FakeClient(object):
    """Just enough of CloudflareClient for Lookups: counts listing calls."""

    account_id = ACCOUNT

    def __init__(self, members):
        self.members = members
        self.calls = []

    def account_path(self, suffix=""):
        return "/accounts/%s%s" % (ACCOUNT, suffix)

    def paginate(self, path, params=None, per_page=50):
        self.calls.append(path)
        assert path == "/accounts/%s/members" % ACCOUNT
        return [dict(m) for m in self.members]


@pytest.fixture
def client():
    return FakeClient(MEMBERS)


@pytest.fixture
def lookups(client):
    return Lookups(client)


class TestResolveMembers(object):
    def test_emails_case_insensitive_and_ids(self, lookups, client):
        found = resolve_members(["ALICE@example.com", " bob@example.COM ", hexid(3), "dave@EXAMPLE.com"], lookups)
        assert [m["id"] for m in found] == [hexid(1), hexid(2), hexid(3), hexid(4)]
        assert client.calls == ["/accounts/%s/members" % ACCOUNT]  # one listing, cached

    def test_same_member_twice_is_one(self, lookups):
        found = resolve_members(["alice@example.com", hexid(1), "Alice@Example.com"], lookups)
        assert [m["id"] for m in found] == [hexid(1)]

    def test_empty_and_none(self, lookups, client):
        assert resolve_members([], lookups) == []
        assert resolve_members(None, lookups) == []
        assert client.calls == []

    def test_unknown_listed_all_at_once_with_suggestions(self, lookups):
        refs = ["alice@example.com", "alcie@example.com", "bob@exmple.com", "nobody@nowhere.invalid", hexid(99)]
        with pytest.raises(ResolutionError) as info:
            resolve_members(refs, lookups)
        problems = info.value.problems
        assert len(problems) == 4
        assert problems[0].startswith("no account member has the email 'alcie@example.com' "
                                      "(did you mean 'alice@example.com'")
        assert "'bob@exmple.com' (did you mean 'bob@example.com'" in problems[1]
        assert problems[2] == "no account member has the email 'nobody@nowhere.invalid'"
        assert problems[3] == "no account member has the id '%s'" % hexid(99)
        assert str(info.value) == "; ".join(problems)

    def test_malformed_refs(self, lookups, client):
        refs = ["", "   ", None, 42, {"id": hexid(1)}, "alice", "0123", hexid(1)[:31] + "g"]
        with pytest.raises(ResolutionError) as info:
            resolve_members(refs, lookups)
        problems = info.value.problems
        assert len(problems) == len(refs)
        assert all("members items must be emails or member ids" in p for p in problems[:5])
        assert "'alice' is neither an email nor a 32-character member id" in problems[5]
        assert "'0123' is neither" in problems[6]
        assert client.calls == []  # nothing malformed reaches the API

    def test_malformed_and_unknown_reported_together(self, lookups):
        with pytest.raises(ResolutionError) as info:
            resolve_members(["alice", "zed@example.com", 7], lookups)
        assert len(info.value.problems) == 3

    def test_unverified_ids_are_trusted_without_listing(self, lookups, client):
        found = resolve_members([hexid(77), hexid(1)], lookups, verify=False)
        assert [m["id"] for m in found] == [hexid(77), hexid(1)]
        assert client.calls == []

    def test_unverified_emails_still_need_the_listing(self, lookups, client):
        found = resolve_members(["carol@example.com"], lookups, verify=False)
        assert found[0]["id"] == hexid(3) and len(client.calls) == 1

    def test_seeded_members_need_no_listing(self, lookups, client):
        lookups.seed_members([{"id": hexid(8), "email": "Eve@Example.com", "status": "accepted"}])
        found = resolve_members(["eve@example.com", hexid(8)], lookups)
        assert [m["id"] for m in found] == [hexid(8)]
        assert client.calls == []


def test_member_view():
    assert member_view(MEMBERS[1]) == {"id": hexid(2), "email": "bob@example.com", "status": "accepted"}
    assert member_view(MEMBERS[3])["email"] == "dave@example.com"
    assert member_view({"id": hexid(9)}) == {"id": hexid(9), "email": None, "status": None}
