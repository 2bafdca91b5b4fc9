# -*- coding: utf-8 -*-
"""probe1: hostile probes of issue 18's guards. Each test asserts the behaviour wanted; the ones that fail on main
are marked xfail(strict=True) with the reason."""
from __future__ import absolute_import, division, print_function

import json

import pytest

from harness import apply_role, make_group, normalized_groups, plan_result, task

SCIM = "Okta Contractors"


def msg(run):
    r = plan_result(run)["result"]
    return " ".join((r.get("msg") or "").split())


def writes(emulator):
    return [(w["method"], w["path"], w.get("body")) for w in emulator.writes()]


@pytest.mark.parametrize("existing, declared", [
    ("Finance", u"Fin\u200bance"),        # zero-width space
    ("Finance", u"Finance\u200d"),        # zero-width joiner
    ("Finance", u"\ufeffFinance"),        # BOM
    ("Finance", u"\uff26inance"),         # full-width F
    ("Finance", u"F\u0131nance"),         # Turkish dotless i
    ("Finance", u"F\u0130NANCE"),         # Turkish capital dotted I
    ("Finance", "Finance\t"),             # trailing tab
    ("Sales EMEA", u"Sales\u00a0EMEA"),   # NBSP
    ("Sales EMEA", u"Sales\u3000EMEA"),   # ideographic space
    ("Sales EMEA", "Sales\tEMEA"),        # tab inside
])
def test_probe_lookalike(emulator, run_playbook, existing, declared):
    make_group(emulator, existing, ["alice@example.com"])
    decl = [{"name": declared, "members": ["bob@example.com"]}, {"name": SCIM, "scim": True}]
    emulator.clear_requests()
    run = apply_role(run_playbook, decl, user_groups_purge=True)
    names = sorted(normalized_groups(emulator.state()))
    print(json.dumps({"rc": run.rc, "msg": msg(run), "names": names, "writes": writes(emulator)}, ensure_ascii=True))
    assert run.rc != 0 and writes(emulator) == [], names


def dump(run, emulator):
    st = normalized_groups(emulator.state())
    ids = dict((g["name"], g["id"]) for g in emulator.state()["user_groups"])
    out = {"rc": run.rc, "msg": msg(run), "groups": st, "ids": ids, "writes": writes(emulator)}
    try:
        out["summary"] = run.role_summary()
    except AssertionError:
        pass
    print("DUMP " + json.dumps(out, ensure_ascii=True, default=str))
    return out


def test_probe_tab_existing_then_previous_names(emulator, run_playbook):
    make_group(emulator, "Finance\t", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "Finance", "members": ["alice@example.com"]}])
    dump(run, emulator)
    emulator.clear_requests()
    run = apply_role(run_playbook, [{"name": "Finance", "previous_names": ["Finance\t"], "members": ["alice@example.com"]}])
    out = dump(run, emulator)
    assert run.rc == 0 and "Finance" in out["groups"]


def test_probe_zero_width_existing(emulator, run_playbook):
    make_group(emulator, u"Fin\u200bance", ["alice@example.com"])
    make_group(emulator, "Other", ["alice@example.com"])
    make_group(emulator, "Other2", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "Finance", "members": ["alice@example.com"]},
                                    {"name": "Other"}, {"name": "Other2"}, {"name": SCIM, "scim": True}],
                     user_groups_purge=True, check=True, diff=True)
    dump(run, emulator)
    assert run.rc != 0 and writes(emulator) == []


def test_probe_previous_name_is_another_declared_group(emulator, run_playbook):
    b = make_group(emulator, "B", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "A", "previous_names": ["B"], "members": ["bob@example.com"]},
                                    {"name": "B", "members": ["carol@example.com"]}], diff=True)
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


def test_probe_swap(emulator, run_playbook):
    make_group(emulator, "A", ["alice@example.com"])
    make_group(emulator, "B", ["bob@example.com"])
    run = apply_role(run_playbook, [{"name": "A", "previous_names": ["B"]}, {"name": "B", "previous_names": ["A"]}])
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


def test_probe_chain(emulator, run_playbook):
    make_group(emulator, "A", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "C", "previous_names": ["B", "A"], "members": ["alice@example.com"]}],
                     diff=True)
    out = dump(run, emulator)
    assert run.rc == 0 and list(out["groups"]) == ["C"] and out["summary"]["renamed"] == {"A": "C"}


def test_probe_two_declared_share_previous(emulator, run_playbook):
    make_group(emulator, "Old", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "New1", "previous_names": ["Old"]},
                                    {"name": "New2", "previous_names": ["Old"]}])
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


def test_probe_previous_name_of_scim_group(emulator, run_playbook):
    # the demo account has the SCIM group; declare a normal group with the SCIM group's name as previous name
    run = apply_role(run_playbook, [{"name": "Contractors", "previous_names": [SCIM]},
                                    {"name": SCIM, "scim": True}])
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


def test_probe_previous_name_of_scim_group_alone(emulator, run_playbook):
    run = apply_role(run_playbook, [{"name": "Contractors", "previous_names": [SCIM], "members": ["alice@example.com"]}],
                     check=True, diff=True)
    dump(run, emulator)


def test_probe_rename_under_purge_ratio(emulator, run_playbook):
    for n in "ABCD":
        make_group(emulator, n, ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "a", "previous_names": ["A"]}, {"name": "B"}, {"name": "C"},
                                    {"name": "D"}, {"name": SCIM, "scim": True}], user_groups_purge=True)
    out = dump(run, emulator)
    assert run.rc == 0


def test_probe_lookalike_among_declared(emulator, run_playbook):
    run = apply_role(run_playbook, [{"name": "Finance"}, {"name": "finance"}])
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


def test_probe_rename_to_lookalike_of_declared(emulator, run_playbook):
    make_group(emulator, "Finance", ["alice@example.com"])
    make_group(emulator, "Budget", ["bob@example.com"])
    run = apply_role(run_playbook, [{"name": "Finance"}, {"name": "FINANCE ", "previous_names": ["Budget"]}])
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == []


EMAILS = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com",
          "frank@example.com", "grace@example.com", "heidi@example.com"]


@pytest.mark.parametrize("ratio", ["0.5", -0.1, 1.5, "nan", "inf", "abc", "", None, True, "25%", 0])
def test_probe_ratio_values(emulator, run_playbook, ratio):
    make_group(emulator, "G", EMAILS[:4])
    run = apply_role(run_playbook, [{"name": "G", "members": EMAILS[:2]}], check=True,
                     user_groups_max_removal_ratio=ratio)
    out = dump(run, emulator)
    print("RATIO", repr(ratio), out["rc"], out["msg"][:300], out.get("summary", {}).get("removals"))


def test_probe_ratio_float_boundary(emulator, run_playbook):
    # 100 memberships over 4 groups, remove exactly 29 with ratio 0.29: "more than this share" is not true
    st = emulator.state()
    emails = [m["email"] for m in st["members"]]
    print("members", len(emails))


@pytest.mark.parametrize("ref", ["ALICE@Example.COM", " alice@example.com ", "01f90766919e743d4dd307c8cdd016c0",
                                 "01F90766919E743D4DD307C8CDD016C0", "xavier@example.com", "alice@exmple.com"])
def test_probe_protected_refs(emulator, run_playbook, ref):
    make_group(emulator, "G", ["alice@example.com", "bob@example.com", "xavier@example.com", "carol@example.com",
                               "dave@example.com", "erin@example.com", "frank@example.com", "grace@example.com"])
    run = apply_role(run_playbook, [{"name": "G", "members": ["bob@example.com", "carol@example.com",
                                                               "dave@example.com", "erin@example.com",
                                                               "frank@example.com", "grace@example.com"]}],
                     user_groups_protected_members=[ref])
    out = dump(run, emulator)
    print("PROT", repr(ref), out["rc"], out["msg"][:400], out["groups"].get("G"), out.get("summary", {}).get("members_protected"))


def test_probe_protected_purge_scim_group(emulator, run_playbook):
    run = apply_role(run_playbook, [{"name": "X"}], user_groups_purge=True, check=True,
                     user_groups_protected_members=["trent@example.com"])
    out = dump(run, emulator)
    print("PROTSCIM", out["rc"], out["msg"][:600])


def test_probe_single_group_account_emptied(emulator, run_playbook):
    make_group(emulator, "Admins", EMAILS)
    run = apply_role(run_playbook, [{"name": SCIM, "scim": True}], user_groups_purge=True)
    out = dump(run, emulator)
    assert run.rc != 0 and out["writes"] == [], "deleted the only managed group with 8 members"


def test_probe_empty_decl_purge_demo(emulator, run_playbook):
    run = apply_role(run_playbook, [], user_groups_purge=True, check=True)
    out = dump(run, emulator)
    print("EMPTY", out["rc"], out["msg"][:500], out.get("summary", {}).get("deleted"))
