# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The account-scale guards of the plan (issue 18): previous_names renames, look-alike names, protected members and
the removal ratio, in declaration.parse_declaration and planning.plan_account (pure: no request)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata
from fractions import Fraction

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import comparable_name, name_literal, shown_name
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import (
    DesiredGroup,
    declared_with_members,
    parse_declaration,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, Scope
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import (
    over_ratio,
    plan_account,
    plan_members,
    removal_share,
    spare_members,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    fake_catalogue,
    hexid,
)

A, B, C, D, E = (hexid(n) for n in range(1, 6))
P_ONE = Policy.of("allow", [hexid(301)], [Scope.account(ACCOUNT)])
P_TWO = Policy.of("allow", [hexid(302)], [Scope.account(ACCOUNT)])
NFC = u"Financ\u00e9"
NFD = unicodedata.normalize("NFD", NFC)


def group(n, name):
    return {"id": hexid(700 + n), "name": name}


def desired(name, member_ids=None, policies=None, previous=(), scim=False):
    return DesiredGroup(name, scim, name, policies=policies, member_ids=member_ids,
                        members_declared=member_ids is not None, previous_names=previous)


# =========================================================================== names shown in messages
@pytest.mark.parametrize("name, shown, literal", [
    ("Finance", "'Finance'", '"Finance"'),
    ("Security ", '"Security "', '"Security "'),
    ("Sales  EMEA", '"Sales  EMEA"', '"Sales  EMEA"'),
    (u"Z\u00fcrich", u"'Z\u00fcrich'", u'"Z\u00fcrich"'),
    (NFD, '"Financ' + 'e\\u0301"', '"Financ' + 'e\\u0301"'),
])
def test_a_name_is_shown_so_that_what_differs_shows(name, shown, literal):
    assert shown_name(name) == shown and name_literal(name) == literal


# =========================================================================== parse_declaration: previous_names
class TestPreviousNames(object):
    def test_parsed_and_kept_in_order(self):
        groups, problems = parse_declaration([{"name": "Finance", "previous_names": ["finance", "Money", "finance"]}],
                                             fake_catalogue())
        assert problems == [] and groups[0].previous_names == ["finance", "Money"]

    def test_every_mistake_at_once(self):
        tree = [{"name": "A", "previous_names": "Old A"},
                {"name": "B", "previous_names": ["B"]},
                {"name": "C", "previous_names": ["Shared"]},
                {"name": "D", "previous_names": ["Shared", "A"]},
                {"name": "Okta Sales", "scim": True, "previous_names": ["Okta Old"]},
                {"name": "E", "previous_names": ["line\nbreak", u"Zero\u200bwidth"]},  # what exists: taken as it is
                {"name": "F", "previous_names": ["Old F", ""]}]
        _groups, problems = parse_declaration(tree, fake_catalogue())
        assert problems == [
            "group 'A': previous_names must be a list of the names the group had before",
            "group 'B' lists its own name in previous_names",
            "previous name 'Shared' is listed by groups 'C' and 'D': a group can be renamed to one name only",
            "group 'Okta Sales' is pushed by SCIM: its name belongs to the identity provider; remove previous_names",
            "group 'F': previous_names must be a list of the names the group had before",
            "'A' is declared as a group (A) and as a previous name of group 'D': a group cannot be kept and renamed; "
            "remove one of them",
        ]

    def test_previous_names_of_managed_groups_have_their_members_read(self):
        tree = [{"name": "New", "previous_names": ["Old"], "members": []},
                {"name": "Policies only", "previous_names": ["Older"]}]
        assert declared_with_members(tree) == set(["New", "Old"])


# =========================================================================== plan_account: renames
class TestRenames(object):
    def test_a_group_holding_a_previous_name_is_renamed_in_place_then_converged(self):
        old = group(1, "Finance Team")
        plan = plan_account([desired("Finance", [A, B], [P_ONE], previous=["Finance Team"])], [old],
                            {old["id"]: [A, C]}, {old["id"]: [P_ONE, P_TWO]}, purge=True)
        ((_wanted, gplan),) = plan.groups
        assert gplan.current is old and gplan.rename == "Finance" and not gplan.create
        assert gplan.members.to_add == [B] and gplan.members.to_remove == [C]
        assert gplan.policies.removed == [P_TWO]
        assert plan.renamed == {"Finance Team": "Finance"} and plan.delete == [] and plan.problems == []

    def test_after_the_rename_the_previous_name_matches_nothing(self):
        new = group(1, "Finance")
        plan = plan_account([desired("Finance", previous=["Finance Team"])], [new], {}, {}, purge=True)
        assert plan.renamed == {} and not plan.changed and plan.problems == []

    def test_both_names_existing_is_a_problem_naming_both(self):
        old, new = group(1, "Finance Team"), group(2, "Finance")
        plan = plan_account([desired("Finance", previous=["Finance Team"])], [old, new], {}, {}, purge=True)
        assert plan.groups == [] and plan.delete == []
        (problem,) = plan.problems
        assert problem.startswith("group 'Finance' (%s) and its previous name 'Finance Team' (%s) both exist"
                                  % (new["id"], old["id"]))
        assert "state: absent" in problem and "previous_names" in problem

    def test_two_groups_holding_previous_names_is_a_problem(self):
        plan = plan_account([desired("Finance", previous=["Money", "Cash"])], [group(1, "Money"), group(2, "Cash")],
                            {}, {})
        assert plan.groups == [] and len(plan.problems) == 1
        assert plan.problems[0].startswith("several groups hold the previous names of group 'Finance'")

    def test_a_look_alike_listed_as_previous_name_is_renamed(self):
        for old_name in ("finance", "Finance ", NFD):
            old = group(1, old_name)
            plan = plan_account([desired(NFC if old_name == NFD else "Finance", previous=[old_name])], [old], {}, {},
                                purge=True)
            assert plan.problems == [] and plan.warnings == [], old_name
            assert plan.groups[0][1].rename and plan.delete == []


# =========================================================================== plan_account: look-alike names
class TestLookAlikes(object):
    @pytest.mark.parametrize("existing, declared", [("Finance", "finance"), ("Security", "Security "),
                                                    ("Sales EMEA", "Sales  EMEA"), (NFC, NFD), (NFD, NFC)])
    def test_a_declared_name_that_only_looks_like_an_existing_one_fails(self, existing, declared):
        plan = plan_account([desired(declared, [A])], [group(1, existing)], {}, {}, purge=True)
        (problem,) = plan.problems
        assert problem.startswith("add previous_names: [%s] to group %s to rename the existing group in place" % (
            name_literal(existing), shown_name(declared)))
        assert "Declared group %s does not exist, but %s (%s) does" % (
            shown_name(declared), shown_name(existing), hexid(701)) in problem
        assert "user_groups_lookalike_names: warn" in problem
        assert plan.groups == [] and plan.delete == []

    def test_warn_keeps_the_second_group_and_never_purges_the_look_alike(self):
        plan = plan_account([desired("finance")], [group(1, "Finance")], {}, {}, purge=True, lookalike_names="warn")
        assert plan.problems == [] and plan.groups[0][1].create and plan.delete == []
        assert plan.look_alikes == {"Finance": "finance"} and len(plan.warnings) == 1

    def test_an_existing_declared_group_with_a_look_alike_fails_too(self):
        plan = plan_account([desired("Finance")], [group(1, "Finance"), group(2, "finance ")], {}, {}, purge=True)
        (problem,) = plan.problems
        assert problem.startswith("delete the look-alike \"finance \" (%s)" % hexid(702))
        assert "Declared group 'Finance' (%s) has that look-alike in the account" % hexid(701) in problem
        assert plan.delete == []
        warned = plan_account([desired("Finance")], [group(1, "Finance"), group(2, "finance ")], {}, {}, purge=True,
                              lookalike_names="warn")
        assert warned.problems == [] and warned.warnings == [] and warned.delete == []
        assert warned.look_alikes == {"finance ": "Finance"}

    def test_a_scim_group_is_declared_with_the_providers_spelling(self):
        plan = plan_account([desired("okta sales", scim=True)], [group(1, "Okta Sales")], {}, {})
        (problem,) = plan.problems
        assert problem.startswith("declare SCIM group 'okta sales' exactly as \"Okta Sales\": the identity provider "
                                  "owns the name")
        assert plan.missing_scim == []

    def test_declared_look_alikes_of_each_other_are_a_declaration_problem(self):
        _groups, problems = parse_declaration([{"name": "Finance"}, {"name": "finance"}], fake_catalogue())
        assert len(problems) == 1 and "differ only by case, spaces, invisible characters or Unicode form" in problems[0]


# =========================================================================== plan_account: protected members
class TestProtectedMembers(object):
    def test_an_exclusive_list_keeps_a_protected_member(self):
        ops = group(1, "Ops")
        plan = plan_account([desired("Ops", [A])], [ops], {ops["id"]: [A, B, C]}, {}, protected_member_ids=[B])
        members = plan.groups[0][1].members
        assert members.to_remove == [C] and members.after == [A, B] and members.method == "PUT"
        assert plan.spared == {"Ops": [B]}

    def test_nothing_else_to_remove_means_no_put(self):
        ops = group(1, "Ops")
        plan = plan_account([desired("Ops", [A, D])], [ops], {ops["id"]: [A, B]}, {}, protected_member_ids=[B])
        members = plan.groups[0][1].members
        assert members.to_remove == [] and members.to_add == [D] and members.method == "POST"
        plan = plan_account([desired("Ops", [])], [ops], {ops["id"]: [B]}, {}, protected_member_ids=[B])
        assert not plan.changed and plan.spared == {"Ops": [B]}

    def test_spare_members_is_a_plan_again(self):
        base = plan_members([A, B], [C], exclusive=True)
        same, spared = spare_members(base, set([E]))
        assert same is base and spared == []
        kept, spared = spare_members(base, set([A, B]))
        assert spared == [A, B] and kept.to_remove == [] and kept.after == [A, B, C] and kept.method == "POST"


# =========================================================================== the removal ratio
class TestRemovalRatio(object):
    @pytest.mark.parametrize("removed, total, ratio, refused", [
        (1, 10, 0.25, False), (2, 10, 0.25, False), (3, 10, 0.25, True), (10, 10, 0.25, True),
        (1, 2, 0.25, True), (2, 2, 0.25, True), (1, 1, 0.25, True), (2, 3, 0.5, True), (0, 0, 0.25, False),
        (1, 10, 0, True), (0, 10, 0, False), (10, 10, 1, False),
    ])
    def test_over_ratio(self, removed, total, ratio, refused):
        assert over_ratio(removed, total, ratio) is refused

    def test_figures_of_groups_members_and_policies(self):
        groups = [group(n, "G%d" % n) for n in range(1, 6)]
        current_members = {groups[0]["id"]: [A, B, C], groups[1]["id"]: [A]}
        current_policies = {groups[0]["id"]: [P_ONE, P_TWO], groups[1]["id"]: [P_ONE]}
        plan = plan_account([desired("G1", [A], [P_ONE]), desired("G2", [], None), desired("New", [D], [P_ONE])],
                            groups, current_members, current_policies, purge=True)
        assert [g["name"] for g in plan.delete] == ["G3", "G4", "G5"]
        assert plan.removals(len(groups)) == {"groups": (3, 5), "members": (3, 4), "policies": (1, 2)}


class TestExactShare(object):
    def test_the_share_is_exact(self):
        assert not over_ratio(29, 100, 0.29) and not over_ratio(57, 100, 0.57) and over_ratio(30, 100, 0.29)
        assert not over_ratio(29, 100, "0.29") and over_ratio(1, 3, "0.3333") and not over_ratio(1, 3, "1/3")

    @pytest.mark.parametrize("value, share", [
        (0.25, Fraction(1, 4)), ("0.29", Fraction(29, 100)), (1, Fraction(1)), (0, Fraction(0)), (" 0.5 ", Fraction(1, 2)),
        (True, None), (False, None), (None, None), (-0.1, None), (1.5, None), ("true", None), ("a quarter", None),
        (float("nan"), None), (float("inf"), None),
    ])
    def test_removal_share(self, value, share):
        assert removal_share(value) == share

    def test_memberships_of_deleted_groups_count(self):
        groups = [group(1, "Kept"), group(2, "Gone")]
        plan = plan_account([desired("Kept", [A, B])], groups, {groups[0]["id"]: [A, B]}, {}, purge=True)
        assert plan.removals(2, deleted_memberships=8) == {"groups": (1, 2), "members": (8, 10), "policies": (0, 0)}


# =========================================================================== renames go first
class TestRenameOrder(object):
    def test_renames_go_before_creates_and_before_renames_to_a_name_they_free(self):
        finance, old = group(1, "Finance"), group(2, "Old")
        wanted = [desired("finance", [B]), desired("Fin", previous=["Finance"]), desired("FINANCE", previous=["Old"]),
                  desired("Other")]
        plan = plan_account(wanted, [finance, old], {}, {})
        assert plan.problems == []
        # 'Old' -> 'FINANCE' looks like 'Finance': it waits for 'Finance' -> 'Fin'; the creates come last
        assert [(d.name, bool(g.rename), g.create) for d, g in plan.groups] == [
            ("Fin", True, False), ("FINANCE", True, False), ("finance", False, True), ("Other", False, True)]

    def test_renames_waiting_for_each_other_are_a_problem(self):
        plan = plan_account([desired("beta", previous=["Alpha"]), desired("alpha", previous=["Beta"])],
                            [group(1, "Alpha"), group(2, "Beta")], {}, {})
        (problem,) = plan.problems
        assert problem.startswith("rename these groups in two runs") and "'Alpha' (%s) to 'beta'" % hexid(701) in problem

    def test_a_group_may_change_the_case_of_its_own_name(self):
        plan = plan_account([desired("FINANCE", previous=["Finance"])], [group(1, "Finance")], {}, {})
        assert plan.problems == [] and plan.groups[0][1].rename == "FINANCE"


# =========================================================================== names that do not show
class TestNamesThatDoNotShow(object):
    @pytest.mark.parametrize("name", [u"Fin\u200bance", u"Finance\u200d", u"\ufeffFinance", u"Fin\u00adance",
                                      u"Fin\u2060ance", u"\u202eFinance", u"Fin\u034fance", u"Fin\u3164ance"])
    def test_a_new_name_with_an_invisible_character_is_refused(self, name):
        _groups, problems = parse_declaration([{"name": name}], fake_catalogue())
        (problem,) = problems
        assert problem.startswith("write user_groups[0] name %s without the character(s) that do not show (U+"
                                  % name_literal(name)), problem

    def test_variation_selectors_and_visible_names_are_accepted(self):
        groups, problems = parse_declaration([{"name": u"Team \U0001F680\ufe0f"}, {"name": u"Z\u00fcrich"},
                                              {"name": u"\uff26inance"}], fake_catalogue())
        assert problems == [] and len(groups) == 3

    def test_names_of_what_exists_are_taken_as_they_are(self):
        tree = [{"name": "Finance", "previous_names": [u"Fin\u200bance", "Finance\t"]},
                {"name": u"Okta\u200b Sales\t", "scim": True}]
        groups, problems = parse_declaration(tree, fake_catalogue())
        assert problems == [] and groups[0].previous_names == [u"Fin\u200bance", "Finance\t"]
        assert groups[1].name == u"Okta\u200b Sales\t"


class TestComparableName(object):
    @pytest.mark.parametrize("name", [
        "Finance", "finance", " Finance ", "FINANCE", u"Fin\u200bance", u"Finance\u200d", u"\ufeffFinance",
        u"\uff26inance", u"F\u0131nance", u"F\u0130NANCE", "Finance\t", u"Finance\u00a0", u"FINANCE\u3000",
        u"Fin\u00adance", u"Fi\u0307nance", u"Fin\ufe0fance",
    ])
    def test_look_alikes_of_finance(self, name):
        assert comparable_name(name) == "finance"

    @pytest.mark.parametrize("name", [u"Fin ance", u"Finanse", u"Fin\u0430nce", u"Financ\u00e9"])
    def test_not_look_alikes(self, name):
        """A space inside shows; a Cyrillic a is another letter (not folded); an accent is a letter of its own."""
        assert comparable_name(name) != "finance"

    def test_nfd_and_nfc_and_compatibility_forms(self):
        assert comparable_name(NFD) == comparable_name(NFC) and comparable_name(u"\ufb01nance") == "finance"

    @pytest.mark.parametrize("name, literal", [
        (u"Fin\u200bance", '"Fin\\u200bance"'), (u"\uff26inance", '"\\uff26inance"'), (u"F\u0131nance", '"F\\u0131nance"'),
        ("Finance\t", '"Finance\\t"'), (u"Team \U0001F680\ufe0f", '"Team \\U0001f680\\ufe0f"'),
        (u"a\"b\u200b", '"a\\"b\\u200b"'),
    ])
    def test_a_literal_shows_what_differs_and_reads_back(self, name, literal):
        import yaml
        assert name_literal(name) == literal and shown_name(name) == literal
        assert yaml.safe_load("x: " + literal)["x"] == name
