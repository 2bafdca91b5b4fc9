# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Expiring access: parsing ``expires`` (common, resolve, declaration) and planning the removals (planning, views)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    ResolutionError,
    expired_keys,
    later_expiry,
    parse_date,
    today,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import parse_declaration
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import (
    plan_account,
    plan_members,
    plan_policies,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies, resolve_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import Expiry
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    fake_catalogue,
)

DAY = datetime.date(2026, 12, 7)


def days(n):
    return DAY + datetime.timedelta(days=n)


# --------------------------------------------------------------------------- dates
@pytest.mark.parametrize("value, expected", [
    ("2026-12-07", DAY), (" 2026-12-07 ", DAY), (datetime.date(2026, 12, 7), DAY), ("2028-02-29", datetime.date(2028, 2, 29)),
])
def test_parse_date_accepts_dates(value, expected):
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize("value, problem", [
    ("2026-02-30", "is not a date of the calendar"),
    ("2027-02-29", "is not a date of the calendar"),
    ("2026-13-01", "is not a date of the calendar"),
    (datetime.datetime(2026, 12, 7, 10, 0), "not a date and time (2026-12-07T10:00:00)"),
    ("2026-12-07T10:00:00", "must be a date YYYY-MM-DD"),
    ("2026-12-07 10:00", "must be a date YYYY-MM-DD"),
    ("07/12/2026", "must be a date YYYY-MM-DD"),
    ("2026-1-7", "must be a date YYYY-MM-DD"),
    (u"\u0662\u0660\u0662\u0666-12-07", "must be a date YYYY-MM-DD"),  # Arabic-Indic digits
    (20261207, "got 20261207 (int)"),
    (2026.12, "(float)"),
    (True, "(bool)"),
    ("", "must be a date YYYY-MM-DD"),
    ([], "(list)"),
])
def test_parse_date_refuses_everything_else(value, problem):
    day, found = parse_date(value)
    assert day is None and problem in found, found


def test_today_is_injectable_and_checked(monkeypatch):
    monkeypatch.setenv("CFIAM_TODAY", "2026-12-07")
    assert today() == DAY
    monkeypatch.setenv("CFIAM_TODAY", "2026-12-32")
    with pytest.raises(ResolutionError) as err:
        today()
    assert "CFIAM_TODAY is not a date of the calendar" in str(err.value)
    monkeypatch.delenv("CFIAM_TODAY")
    assert today() == datetime.datetime.now(datetime.timezone.utc).date()


def test_later_expiry_and_expired_keys():
    assert later_expiry(None, DAY) is None and later_expiry(DAY, None) is None
    assert later_expiry(days(-1), DAY) == DAY
    # Yesterday and today are expired, tomorrow is not, None never.
    assert expired_keys({"y": days(-1), "t": DAY, "m": days(1), "n": None}, DAY) == set(["y", "t"])


# --------------------------------------------------------------------------- resolve
def test_resolve_members_takes_mappings_and_keeps_the_later_expiry():
    expiries = {}
    found = resolve_members(["alice@example.com", {"email": "bob@example.com", "expires": "2026-12-07"},
                             {"id": CAROL, "expires": DAY}, {"email": "alice@example.com", "expires": "2026-12-01"},
                             {"email": "bob@example.com", "expires": "2026-12-20"}],
                            fake_catalogue(), "group 'G'", expiries)
    assert [m["id"] for m in found] == [ALICE, BOB, CAROL]
    assert expiries == {ALICE: None, BOB: days(13), CAROL: DAY}


def test_resolve_members_lists_every_bad_entry_at_once():
    with pytest.raises(ResolutionError) as err:
        resolve_members([{"email": "alice@example.com", "expires": "2026-02-30"},
                         {"email": "bob@example.com", "expires": 20261207},
                         {"email": "carol@example.com", "id": CAROL},
                         {"mail": "dave@example.com"},
                         "nobody@example.com"], fake_catalogue(), "group 'G'", {})
    problems = err.value.problems
    assert len(problems) == 6, problems
    assert problems[0] == "group 'G': member alice@example.com: expires is not a date of the calendar: '2026-02-30'"
    assert "member bob@example.com: expires must be a date YYYY-MM-DD (quoted or not), got 20261207 (int)" \
        in problems[1]
    assert "must give one of email or id" in problems[2]
    assert "unknown keys mail" in problems[3] and "must give one of email or id" in problems[4]
    assert "no account member has the email 'nobody@example.com'" in problems[5]


def test_mappings_only_where_expiry_is_taken():
    with pytest.raises(ResolutionError) as err:
        resolve_members([{"email": "alice@example.com"}], fake_catalogue(), "user_groups_protected_members")
    assert "members items must be emails or member ids" in str(err.value)


def test_an_expired_entry_of_someone_gone_is_skipped():
    expiries = {}
    found = resolve_members([{"email": "gone@example.com", "expires": DAY}], fake_catalogue(), "g", expiries, DAY)
    assert found == [] and expiries == {}
    with pytest.raises(ResolutionError):  # not expired yet: a typo to report
        resolve_members([{"email": "gone@example.com", "expires": days(1)}], fake_catalogue(), "g", {}, DAY)


def test_parse_policies_records_expiry():
    expiries = {}
    policies = parse_policies([{"permission_groups": ["dns"], "expires": "2026-12-07"},
                               {"permission_groups": ["domain_dns"], "zones": ["example.com"]}], fake_catalogue(),
                              expiries=expiries)
    assert expiries == {policies[0]: DAY, policies[1]: None}
    with pytest.raises(ResolutionError) as err:
        parse_policies([{"permission_groups": ["dns"], "expires": "soon"}], fake_catalogue(), "group 'G' policies")
    assert err.value.problems == ["group 'G' policies[0] expires must be a date YYYY-MM-DD (quoted or not), got "
                                  "'soon' (str)"]


# --------------------------------------------------------------------------- planning
def test_plan_members_removes_expired_whatever_exclusive():
    for exclusive in (False, True):
        plan = plan_members([ALICE, BOB, CAROL], [ALICE, BOB, DAVE], exclusive=exclusive, expired=[BOB])
        assert plan.to_add == [DAVE]
        assert plan.to_remove == ([BOB, CAROL] if exclusive else [BOB])
        assert plan.after == ([ALICE, DAVE] if exclusive else [ALICE, CAROL, DAVE])
        assert plan.method == ("PUT" if exclusive else "POST")
    assert plan_members([ALICE, BOB], [BOB], expired=[BOB]).method == "DELETE"
    # Expired and not in the group: nothing to do; state=absent ignores expiry.
    assert not plan_members([ALICE], [ALICE, BOB], expired=[BOB]).changed
    assert plan_members([ALICE, BOB], [BOB], state="absent", expired=[BOB]).to_remove == [BOB]


def test_plan_policies_detaches_expired_whatever_exclusive():
    catalogue = fake_catalogue()
    dns, zone = parse_policies([{"permission_groups": ["dns"]},
                                {"permission_groups": ["domain_dns"], "zones": ["example.com"]}], catalogue)
    for exclusive in (False, True):
        plan = plan_policies([dns, zone, zone], [dns, zone], exclusive=exclusive, expired=[zone])
        assert plan.removed == [zone, zone] and plan.after == [dns] and plan.added == []


def declared(tree, day=DAY, catalogue=None):
    groups, problems = parse_declaration(tree, catalogue or fake_catalogue(), [], today=day)
    assert problems == []
    return groups


def test_roll_up_keeps_the_later_expiry_and_unexpired_wins():
    child = {"name": "Child", "members": [{"email": "carol@example.com", "expires": "2026-12-07"},
                                          {"email": "dave@example.com", "expires": "2026-12-07"}]}
    other = {"name": "Other", "members": [{"email": "dave@example.com", "expires": "2026-12-09"}]}
    tree = [{"name": "Parent", "members": ["carol@example.com"], "children": [child, other]}]
    parent, child, other = declared(tree)
    assert parent.member_expiry == {CAROL: None, DAVE: days(2)}
    assert child.member_expiry == {CAROL: DAY, DAVE: DAY}
    assert other.member_expiry == {DAVE: days(2)}


def current_group(gid, name):
    return {"id": gid, "name": name, "policies": []}


@pytest.mark.parametrize("offset, removed", [(-1, True), (0, True), (1, False)])
def test_account_plan_boundaries(offset, removed):
    """An entry that expired yesterday or expires today is removed; tomorrow's is not."""
    tree = [{"name": "G", "members": ["alice@example.com", {"email": "bob@example.com", "expires": days(offset)}]}]
    groups = declared(tree)
    plan = plan_account(groups, [current_group("g1", "G")], {"g1": [ALICE, BOB]}, {}, exclusive_members=False,
                        today=DAY)
    members = plan.groups[0][1].members
    assert members.to_remove == ([BOB] if removed else [])
    assert plan.today == DAY


def test_account_plan_spares_a_protected_member_whose_entry_expired():
    groups = declared([{"name": "G", "members": [{"email": "bob@example.com", "expires": DAY}]}])
    plan = plan_account(groups, [current_group("g1", "G")], {"g1": [BOB]}, {}, exclusive_members=False,
                        protected_member_ids=[BOB], today=DAY)
    assert plan.groups[0][1].members.to_remove == [] and plan.spared == {"G": [BOB]}
    assert plan.removals(1)["members"] == (0, 1)


def test_expired_removals_are_not_counted_toward_the_ratio():
    # The date is the declaration's yes: bob's removal is planned, not counted; a member dropped from an exclusive
    # list still counts.
    groups = declared([{"name": "G", "members": [{"email": "bob@example.com", "expires": DAY}, "alice@example.com"]}])
    plan = plan_account(groups, [current_group("g1", "G")], {"g1": [ALICE, BOB]}, {}, exclusive_members=False,
                        today=DAY)
    assert plan.groups[0][1].members.to_remove == [BOB]
    assert plan.removals(1)["members"] == (0, 2)
    plan = plan_account(groups, [current_group("g1", "G")], {"g1": [ALICE, BOB, CAROL]}, {}, exclusive_members=True,
                        today=DAY)
    assert sorted(plan.groups[0][1].members.to_remove) == sorted([BOB, CAROL])
    assert plan.removals(1)["members"] == (1, 3)


# --------------------------------------------------------------------------- views
def test_expiry_views_window_and_notes():
    catalogue = fake_catalogue()
    catalogue.find_member("alice@example.com")
    expiry = Expiry(DAY, 14, {ALICE: days(14), BOB: days(15), CAROL: days(-2), DAVE: DAY})
    expired, expiring = expiry.views("G", catalogue, None, removed=[DAVE], kept=[CAROL])
    assert [(e["days_left"], e["removed"], e["note"]) for e in expired] == [
        (-2, False, "kept: protected member (user_groups_protected_members), expired on 2026-12-05"),
        (0, True, "removed: expired on 2026-12-07")]
    assert [(e["group"], e["expires"], e["days_left"]) for e in expiring] == [("G", "2026-12-21", 14)]
    assert Expiry(DAY, 0, {ALICE: days(1)}).views("G", catalogue)[1] == []
    assert expiry.expired() == (set([CAROL, DAVE]), set())


# --------------------------------------------------------------------------- the role's summary and the export
def test_run_summary_keeps_and_says_the_expired_entries():
    from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import user_groups_run_summary
    gone = {"group": "G", "member": "bob@example.com", "expires": "2026-12-07", "days_left": 0, "removed": True,
            "note": "removed: expired on 2026-12-07"}
    soon = {"group": "G", "member": "alice@example.com", "expires": "2026-12-09", "days_left": 2}
    plan = {"check_mode": False, "groups": [{"name": "G"}],
            "summary": {"expired": [gone], "expiring": [soon], "account": {"id": "a"}}}
    applied = {"results": [{"item": {"name": "G", "id": "g1"}, "changed": True,
                            "removed": [{"id": BOB, "email": "bob@example.com"}]}]}
    summary = user_groups_run_summary(plan, applied=applied)
    assert summary["expired"] == [gone] and summary["expiring"] == [soon]
    assert "'G': bob@example.com removed: expired on 2026-12-07" in summary["message"]
    assert summary["message"].endswith("1 entry expires soon (user_groups_result.expiring)")
    quiet = user_groups_run_summary(dict(plan, summary={"expiring": [soon], "account": {"id": "a"}}))
    assert quiet["message"].startswith("account a: no change") and "1 entry expires soon" in quiet["message"]


def test_the_export_writes_no_expires():
    from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import to_declaration
    from ansible_collections.cfiam.user_groups.plugins.module_utils.views import group_view, member_view
    catalogue = fake_catalogue()
    policies = parse_policies([{"permission_groups": ["dns"], "expires": "2026-12-07"}], catalogue, expiries={})
    member = catalogue.find_member("alice@example.com")
    view = group_view({"id": "1" * 32, "name": "G"}, policies, catalogue, [member_view(member)])
    exported = to_declaration([view], account_id="0123456789abcdef0123456789abcdef")
    assert "expires" not in repr(exported), exported
