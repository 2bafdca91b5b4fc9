# -*- coding: utf-8 -*-
"""probe1: hostile probes of issue 18's guards (user_groups role). Each test asserts the behaviour wanted; those that
fail on main are xfail(strict=True) with the finding as the reason; the others record what held up."""
from __future__ import absolute_import, division, print_function

import json

import pytest

from harness import apply_role, make_group, normalized_groups, plan_result

SCIM = "Okta Contractors"
EMAILS = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com",
          "frank@example.com", "grace@example.com", "heidi@example.com"]


def msg(run):
    r = plan_result(run)["result"]
    return " ".join((r.get("msg") or "").split())


def writes(emulator):
    return [(w["method"], w["path"], w.get("body")) for w in emulator.writes()]


def dump(run, emulator):
    out = {"rc": run.rc, "msg": msg(run), "groups": normalized_groups(emulator.state()), "writes": writes(emulator)}
    try:
        out["summary"] = run.role_summary()
    except AssertionError:
        pass
    print("DUMP " + json.dumps(out, ensure_ascii=True, default=str))
    return out


# --------------------------------------------------------------------------- look-alikes
INVISIBLE = pytest.mark.xfail(strict=True, reason="probe1 HIGH: comparable_name() is NFC+casefold+split only: an "
                              "invisible (Cf) character, a compatibility form or Turkish i is no look-alike, so the "
                              "run creates a second group and, with purge, DELETES the old one (1 removal passes "
                              "the ratio)")


@pytest.mark.parametrize("declared", [
    pytest.param(u"Fin\u200bance", marks=INVISIBLE, id="zero-width-space"),
    pytest.param(u"Finance\u200d", marks=INVISIBLE, id="zero-width-joiner"),
    pytest.param(u"\ufeffFinance", marks=INVISIBLE, id="bom"),
    pytest.param(u"\uff26inance", marks=INVISIBLE, id="full-width-F"),
    pytest.param(u"F\u0131nance", marks=INVISIBLE, id="dotless-i"),
    pytest.param(u"F\u0130NANCE", marks=INVISIBLE, id="dotted-capital-I"),
    pytest.param("Finance\t", id="trailing-tab"),          # held: refused as a control character
    pytest.param(u"Finance\u00a0", id="nbsp"),             # held
    pytest.param(u"FINANCE\u3000", id="ideographic-space"),  # held
])
def test_look_alike_with_purge_never_replaces_the_group(emulator, run_playbook, declared):
    gid = make_group(emulator, "Finance", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": declared, "members": ["bob@example.com"]}, {"name": SCIM, "scim": True}],
                     user_groups_purge=True)
    dump(run, emulator)
    assert run.rc != 0 and writes(emulator) == []
    assert gid in [g["id"] for g in emulator.state()["user_groups"]]


@pytest.mark.xfail(strict=True, reason="probe1 HIGH: the same hole from the account side: an existing 'Fin\\u200bance' "
                   "and a declared 'Finance' plan a create plus the purge of the existing group, rc 0 in check mode")
def test_existing_invisible_character_group_is_a_look_alike(emulator, run_playbook):
    make_group(emulator, u"Fin\u200bance", ["alice@example.com"])
    for name in ("Other", "Other2"):
        make_group(emulator, name, ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "Finance", "members": ["alice@example.com"]}, {"name": "Other"},
                                    {"name": "Other2"}, {"name": SCIM, "scim": True}],
                     user_groups_purge=True, check=True, diff=True)
    dump(run, emulator)
    assert run.rc != 0


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: an existing group whose name holds a tab (SCIM, dashboard) is a "
                   "look-alike; the message says add previous_names: [\"Finance\\t\"], which the parser then refuses "
                   "as a control character: the advised fix is impossible")
def test_the_advised_previous_name_for_a_tab_name_is_accepted(emulator, run_playbook):
    make_group(emulator, "Finance\t", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "Finance", "members": ["alice@example.com"]}])
    assert run.rc != 0 and 'add previous_names: ["Finance\\t"]' in msg(run)
    run = apply_role(run_playbook, [{"name": "Finance", "previous_names": ["Finance\t"],
                                     "members": ["alice@example.com"]}])
    dump(run, emulator)
    assert run.rc == 0 and "Finance" in normalized_groups(emulator.state())


@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: check mode and the plan pass, then the real run writes the "
                   "rename and fails: the apply loop creates 'finance' while 'Finance' (a previous name, renamed by a "
                   "later item) still exists, and cf_user_group refuses the look-alike at write time")
def test_rename_away_and_create_look_alike_in_one_run(emulator, run_playbook):
    make_group(emulator, "Finance", ["alice@example.com"])
    declaration = [{"name": "finance", "members": ["bob@example.com"]}, {"name": "Fin", "previous_names": ["Finance"]}]
    check = apply_role(run_playbook, declaration, check=True)
    assert check.rc == 0, check
    emulator.clear_requests()
    run = apply_role(run_playbook, declaration)
    dump(run, emulator)
    assert run.rc == 0 and sorted(normalized_groups(emulator.state())) == ["Fin", SCIM, "finance"]


# --------------------------------------------------------------------------- previous_names (held up)
def test_held_previous_names_cases(emulator, run_playbook):
    make_group(emulator, "A", ["alice@example.com"])
    make_group(emulator, "B", ["bob@example.com"])
    cases = [
        [{"name": "A", "previous_names": ["B"]}, {"name": "B", "previous_names": ["A"]}],           # swap
        [{"name": "C", "previous_names": ["A"]}, {"name": "A"}],                                    # prev = declared
        [{"name": "N1", "previous_names": ["A"]}, {"name": "N2", "previous_names": ["A"]}],         # shared prev
        [{"name": "C", "previous_names": ["A", "B"]}],                                              # two hold prevs
        [{"name": "X", "previous_names": [SCIM]}, {"name": SCIM, "scim": True}],                    # prev = SCIM
        [{"name": "Finance"}, {"name": "finance"}],                                                 # declared pair
    ]
    for declaration in cases:
        emulator.clear_requests()
        run = apply_role(run_playbook, declaration)
        assert run.rc != 0 and writes(emulator) == [], declaration
    run = apply_role(run_playbook, [{"name": "C", "previous_names": ["Z", "A"], "members": ["alice@example.com"]},
                                    {"name": "B"}], user_groups_purge=True)
    assert run.rc == 0 and run.role_summary()["renamed"] == {"A": "C"}, run


# --------------------------------------------------------------------------- removal ratio
@pytest.mark.xfail(strict=True, reason="probe1 MEDIUM: 'one removal always passes' lets a declaration that forgot the "
                   "account's only other group delete it with all 8 members (memberships of purged groups are not "
                   "counted anywhere); user_groups: [] with purge on an account of one group passes the same way")
def test_purging_the_only_managed_group_with_many_members_is_refused(emulator, run_playbook):
    make_group(emulator, "Admins", EMAILS)
    run = apply_role(run_playbook, [{"name": SCIM, "scim": True}], user_groups_purge=True)
    dump(run, emulator)
    assert run.rc != 0 and writes(emulator) == []


@pytest.mark.xfail(strict=True, reason="probe1 LOW: float rounding: removing exactly 29 of 100 with ratio 0.29 is "
                   "refused ('29%, more than 0.29 (29%) allows')")
def test_exact_share_passes():
    from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import over_ratio
    assert not over_ratio(29, 100, 0.29) and not over_ratio(57, 100, 0.57)


@pytest.mark.xfail(strict=True, reason="probe1 LOW: a boolean ratio is taken as 1.0 (true disables the guard) and a "
                   "negative one adds a nonsense 'delete 0 of 2 (0%), more than -0.1 allows: .' problem")
def test_odd_ratio_values(emulator, run_playbook):
    make_group(emulator, "G", EMAILS[:4])
    run = apply_role(run_playbook, [{"name": "G", "members": EMAILS[:2]}], check=True,
                     user_groups_max_removal_ratio=-0.1)
    assert run.rc != 0 and "delete 0 of" not in msg(run), msg(run)
    run = apply_role(run_playbook, [{"name": "G", "members": EMAILS[:2]}], check=True,
                     user_groups_max_removal_ratio=True)
    assert run.rc != 0


# --------------------------------------------------------------------------- protected members (held up)
@pytest.mark.parametrize("ref", ["ALICE@Example.COM", " alice@example.com ", "01f90766919e743d4dd307c8cdd016c0"])
def test_held_protected_member_forms(emulator, run_playbook, ref):
    make_group(emulator, "G", EMAILS)
    run = apply_role(run_playbook, [{"name": "G", "members": EMAILS[1:]}], user_groups_protected_members=[ref])
    assert run.rc == 0 and "alice@example.com" in normalized_groups(emulator.state())["G"]["members"], run


def test_held_protected_pending_member_and_scim_purge(emulator, run_playbook):
    make_group(emulator, "G", EMAILS + ["xavier@example.com"])
    run = apply_role(run_playbook, [{"name": "G", "members": EMAILS}], user_groups_protected_members=[
        "xavier@example.com"])
    assert run.rc == 0 and "xavier@example.com" in normalized_groups(emulator.state())["G"]["members"]
    emulator.clear_requests()
    run = apply_role(run_playbook, [{"name": "G"}], user_groups_purge=True, check=True,
                     user_groups_protected_members=["trent@example.com"])
    assert run.rc != 0 and "protected member trent@example.com" in msg(run) and writes(emulator) == []
