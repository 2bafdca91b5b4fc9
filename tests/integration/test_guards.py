# -*- coding: utf-8 -*-
"""The guards of the user_groups role and of cf_user_group against losing or keeping access at account scale (one
account; playbooks/multi_account: test_multi_account_guards.py):

* a declared name that only looks like an existing group's (case, spaces, Unicode form) fails before any write;
  ``user_groups_lookalike_names: warn`` keeps the second group; cf_user_group's ``lookalike_names`` does the same for
  a create or rename, and the modules that look a group up give the existing spelling;
* ``previous_names`` renames a group in place (its id, members and policies kept); both names existing fails;
* ``user_groups_max_removal_ratio`` refuses a run that removes much (groups, memberships, policies) with the figures,
  and lets ordinary edits through;
* ``user_groups_protected_members`` are never removed by an exclusive list, nor by the purge of their group;
* playbooks/export.yml writes a relative path in the current directory and never overwrites a file that differs.

Every refusal is asserted on the emulator's request log: not one write.
"""
from __future__ import absolute_import, division, print_function

import os

import pytest

from harness import REPO, apply_role, four_steps, make_group, normalized_groups, plan_result, role_tasks, task

SCIM_GROUP = "Okta Contractors"
NFC = u"Financ\u00e9"
NFD = u"Finance\u0301"  # "Finance" + combining acute: looks the same, another string


def admin_ro(emulator):
    return {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("admin_readonly")}],
            "resource_groups": [{"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
                                           "objects": [{"key": "*"}]}}]}


def msg_of(run):
    return " ".join(plan_result(run)["result"]["msg"].split())


def warnings_of(run):
    return " ".join(" ".join(plan_result(run)["result"].get("warnings") or []).split())


def only_reads(emulator):
    log = emulator.requests()
    assert log and [e for e in log if e["method"] != "GET"] == [], log
    return log


# --------------------------------------------------------------------------- look-alike names
@pytest.mark.parametrize("existing, declared, written", [
    ("Finance", "finance", '"Finance"'),
    ("Security", "Security ", '"Security"'),
    ("Sales EMEA", "Sales  EMEA", '"Sales EMEA"'),
    (NFC, NFD, u'"Financ\u00e9"'),
    (NFD, NFC, '"Finance\\u0301"'),
], ids=["case", "trailing space", "run of spaces", "NFD for NFC", "NFC for NFD"])
def test_a_look_alike_name_fails_before_any_write(emulator, run_playbook, existing, declared, written):
    gid = make_group(emulator, existing, ["alice@example.com"], policies=[admin_ro(emulator)])
    declaration = [{"name": declared, "members": ["bob@example.com"]}, {"name": SCIM_GROUP, "scim": True}]
    for check in (True, False):
        emulator.clear_requests()
        run = apply_role(run_playbook, declaration, check=check, user_groups_purge=True)
        assert run.rc != 0, run
        only_reads(emulator)
        msg = msg_of(run)
        assert "does not exist, but" in msg and "(%s) does" % gid in msg, msg
        assert "differ only by case, spaces or Unicode form" in msg
        assert "add previous_names: [%s] to group" % written in msg, msg
        assert "user_groups_lookalike_names: warn" in msg
    assert normalized_groups(emulator.state())[existing]["members"] == ["alice@example.com"]


def test_warn_keeps_the_second_group_and_never_purges_the_look_alike(emulator, run_playbook):
    make_group(emulator, "Finance", ["alice@example.com"])
    declaration = [{"name": "finance", "members": ["bob@example.com"]}, {"name": SCIM_GROUP, "scim": True}]
    run = apply_role(run_playbook, declaration, user_groups_purge=True, user_groups_lookalike_names="warn")
    assert run.rc == 0, run
    assert "is created as a second group" in warnings_of(run)
    groups = normalized_groups(emulator.state())
    assert groups["Finance"]["members"] == ["alice@example.com"] and groups["finance"]["members"] == ["bob@example.com"]
    assert run.role_summary()["look_alikes"] == {"Finance": "finance"}


def test_cf_user_group_refuses_a_look_alike_create_or_rename(emulator, run_playbook):
    finance = make_group(emulator, "Finance")
    other = make_group(emulator, "Budget")
    run = run_playbook(tasks=[
        task("cf_user_group", "create", ignore_errors=True, name="finance "),
        task("cf_user_group", "rename", ignore_errors=True, id=other, name="FINANCE"),
        task("cf_user_group", "own case", id=finance, name="FINANCE"),
        task("cf_user_group", "delete the look-alike", name="finance", state="absent"),
        task("cf_user_group_member", "add to the look-alike", ignore_errors=True, group="finance",
             members=["alice@example.com"]),
    ])
    assert run.rc == 0, run
    create = " ".join(run.task("create")["msg"].split())
    assert run.status("create") == "failed"
    assert 'user group "finance " would be created next to \'Finance\' (%s)' % finance in create, create
    assert "lookalike_names: warn" in create and "give its id with name" in create
    rename = " ".join(run.task("rename")["msg"].split())
    assert "renamed from 'Budget' (%s) next to 'Finance' (%s)" % (other, finance) in rename, rename
    # a group may change the case of its own name (nothing else looks like it)
    assert run.task("own case")["changed"]
    gone = " ".join(" ".join(run.task("delete the look-alike")["warnings"]).split())
    assert not run.task("delete the look-alike")["changed"]
    assert "nothing is deleted (did you mean 'FINANCE' (%s)?" % finance in gone, gone
    member = " ".join(run.task("add to the look-alike")["msg"].split())
    assert "(did you mean 'FINANCE' (%s)? The names differ only by case" % finance in member, member
    writes = emulator.writes()
    assert [(w["method"], w["body"]["name"]) for w in writes] == [("PUT", "FINANCE")]

    # check mode assumes an earlier task creates a missing group, and still gives the existing spelling
    run = run_playbook(tasks=[task("cf_user_group_policy", "policy of the look-alike", group="finance",
                                   policies=[{"permission_groups": ["analytics"]}])], check=True)
    assert run.rc == 0, run
    warned = " ".join(" ".join(run.task("policy of the look-alike")["warnings"]).split())
    assert "user group 'finance' does not exist in account %s (did you mean 'FINANCE' (%s)?" % (
        emulator.account_id, finance) in warned, warned

    run = run_playbook(tasks=[task("cf_user_group", "create anyway", name="finance", lookalike_names="warn")])
    assert run.rc == 0 and run.task("create anyway")["changed"], run
    assert "next to 'FINANCE'" in " ".join(run.task("create anyway")["warnings"])
    assert emulator.group_by_name("finance") is not None


# --------------------------------------------------------------------------- previous_names
def test_previous_names_rename_in_place_then_converge(emulator, run_playbook):
    gid = make_group(emulator, "Finance Team", ["alice@example.com", "bob@example.com"], policies=[admin_ro(emulator)])
    declaration = [{"name": "Finance", "previous_names": ["Finance Team"], "members": ["alice@example.com"],
                    "policies": [{"permission_groups": ["admin_readonly"]}, {"permission_groups": ["analytics"]}]},
                   {"name": SCIM_GROUP, "scim": True}]
    runs = four_steps(lambda check: apply_role(run_playbook, declaration, check=check, diff=True,
                                               user_groups_purge=True), emulator)
    check, real = runs[0], runs[1]
    predicted, done = check.role_summary(), real.role_summary()
    assert predicted["renamed"] == done["renamed"] == {"Finance Team": "Finance"}
    assert predicted["updated"] == done["updated"] == ["Finance"] and done["deleted"] == [] and done["created"] == []
    assert "user group 'Finance Team' (%s) renamed to 'Finance'" % gid in check.stdout
    diff = plan_result(check)["result"]["diff"][0]
    assert (diff["before"]["name"], diff["after"]["name"]) == ("Finance Team", "Finance")
    group = emulator.group_by_name("Finance")
    assert group["id"] == gid and emulator.group_by_name("Finance Team") is None
    assert normalized_groups(emulator.state())["Finance"] == {
        "members": ["alice@example.com"],
        "policies": [("allow", ("admin_readonly",), ("account",)), ("allow", ("analytics",), ("account",))]}


def test_a_rename_alone_is_one_write_keeping_members_and_policies(emulator, run_playbook):
    gid = make_group(emulator, "Ops Old", ["alice@example.com", "bob@example.com"], policies=[admin_ro(emulator)])
    before = normalized_groups(emulator.state())["Ops Old"]
    declaration = [{"name": "Ops", "previous_names": ["Ops Old"]}]
    emulator.clear_requests()
    run = apply_role(run_playbook, declaration)
    assert run.rc == 0, run
    (write,) = emulator.writes()
    assert (write["method"], write["path"].rsplit("/", 1)[1], write["body"]["name"]) == ("PUT", gid, "Ops")
    assert normalized_groups(emulator.state())["Ops"] == before and emulator.group_by_name("Ops")["id"] == gid
    assert run.role_summary()["renamed"] == {"Ops Old": "Ops"}
    emulator.clear_requests()
    run = apply_role(run_playbook, declaration)  # the entry stays; it matches nothing any more
    assert run.rc == 0 and run.recap_changed == 0 and emulator.writes() == [], run


def test_both_the_name_and_a_previous_name_existing_fails(emulator, run_playbook):
    old = make_group(emulator, "Ops Old", ["alice@example.com"])
    new = make_group(emulator, "Ops")
    run = apply_role(run_playbook, [{"name": "Ops", "previous_names": ["Ops Old"], "members": []}])
    assert run.rc != 0
    only_reads(emulator)
    msg = msg_of(run)
    assert "group 'Ops' (%s) and its previous name 'Ops Old' (%s) both exist" % (new, old) in msg, msg


def test_a_look_alike_listed_in_previous_names_is_renamed(emulator, run_playbook):
    gid = make_group(emulator, "finance ", ["alice@example.com"])
    declaration = [{"name": "Finance", "previous_names": ["finance "]}, {"name": SCIM_GROUP, "scim": True}]
    run = apply_role(run_playbook, declaration, user_groups_purge=True)
    assert run.rc == 0, run
    assert emulator.group_by_name("Finance")["id"] == gid and len(emulator.state()["user_groups"]) == 2
    assert normalized_groups(emulator.state())["Finance"]["members"] == ["alice@example.com"]


# --------------------------------------------------------------------------- the removal ratio
def test_an_empty_declaration_with_purge_is_refused_with_the_figures(emulator, run_playbook):
    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        make_group(emulator, name, ["alice@example.com"])
    for check in (True, False):
        emulator.clear_requests()
        run = apply_role(run_playbook, [], check=check, user_groups_purge=True)
        assert run.rc != 0, run
        only_reads(emulator)
        msg = msg_of(run)
        assert "the run would delete 5 of the account's 5 user groups (100%), more than " \
               "user_groups_max_removal_ratio 0.25 (25%) allows: 'Alpha'; 'Beta'; 'Delta'; 'Gamma'; 'Okta Contractors'" \
            in msg, msg
        assert "-e user_groups_max_removal_ratio=1" in msg
    # exactly as the message says, on the command line
    run = run_playbook(tasks=role_tasks(), vars={"user_groups": [], "user_groups_purge": True},
                       args=["-e", "user_groups_max_removal_ratio=1"])
    assert run.rc == 0, run
    assert [g["name"] for g in emulator.state()["user_groups"]] == [SCIM_GROUP]  # the provider's group is refused


def test_members_and_policies_emptied_everywhere_are_refused(emulator, run_playbook):
    for name in ("Alpha", "Beta", "Gamma"):
        make_group(emulator, name, ["alice@example.com", "bob@example.com"], policies=[admin_ro(emulator)])
    emulator.clear_requests()
    run = apply_role(run_playbook, [{"name": n, "members": [], "policies": []} for n in ("Alpha", "Beta", "Gamma")])
    assert run.rc != 0
    only_reads(emulator)
    msg = msg_of(run)
    assert "remove 6 of the 6 memberships of the declared groups (100%)" in msg, msg
    assert "'Alpha': alice@example.com, bob@example.com" in msg
    assert "detach 3 of the 3 policies of the declared groups (100%)" in msg and "'Beta': 1" in msg


def test_ordinary_edits_pass(emulator, run_playbook):
    people = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
    emails = ["%s@example.com" % p for p in people]
    names = ["Team %02d" % k for k in range(9)]
    for name in names:
        make_group(emulator, name, emails if name == "Team 00" else [])
    # the account has 10 groups (with the identity provider's); the run deletes one and removes one member of ten
    declaration = [{"name": "Team 00", "members": emails[1:]}] + [{"name": n} for n in names[1:-1]] + [
        {"name": SCIM_GROUP, "scim": True}]
    run = apply_role(run_playbook, declaration, user_groups_purge=True)
    assert run.rc == 0, run
    summary = run.role_summary()
    assert summary["deleted"] == ["Team 08"] and summary["members_removed"] == {"Team 00": ["alice@example.com"]}
    assert summary["removals"]["groups"] == {"removed": 1, "of": 10}
    assert summary["removals"]["members"] == {"removed": 1, "of": 10}
    # one group of two and the only member of a group: a single removal is an ordinary edit
    emulator.clear_requests()
    declaration = [{"name": "Team 00", "members": []}] + [{"name": n} for n in names[1:-1]] + [
        {"name": SCIM_GROUP, "scim": True}]
    run = apply_role(run_playbook, declaration, check=True, user_groups_purge=True)
    assert run.rc != 0 and "remove 9 of the 9 memberships" in msg_of(run), run


def test_a_single_removal_of_a_small_account_passes(emulator, run_playbook):
    make_group(emulator, "Solo", ["alice@example.com"])
    make_group(emulator, "Old")
    run = apply_role(run_playbook, [{"name": "Solo", "members": []}, {"name": SCIM_GROUP, "scim": True}],
                     user_groups_purge=True)
    assert run.rc == 0, run
    assert run.role_summary()["deleted"] == ["Old"]
    assert normalized_groups(emulator.state())["Solo"]["members"] == []


def test_max_removal_ratio_must_be_a_share(emulator, run_playbook):
    run = apply_role(run_playbook, [], user_groups_max_removal_ratio=1.5)
    assert run.rc != 0 and "must be between 0 and 1" in msg_of(run), run
    assert emulator.writes() == []


# --------------------------------------------------------------------------- protected members
def test_protected_members_stay_and_the_plan_says_so(emulator, run_playbook):
    make_group(emulator, "Admins", ["alice@example.com", "bob@example.com"])
    switches = dict(user_groups_protected_members=["Alice@Example.com"])
    emulator.clear_requests()
    run = apply_role(run_playbook, [{"name": "Admins", "members": ["bob@example.com"]}], **switches)
    assert run.rc == 0 and run.recap_changed == 0, run
    only_reads(emulator)
    assert "1 protected membership kept (user_groups_protected_members)" in plan_result(run)["result"]["progress"]
    assert not [w for w in warnings_of(run) if "protected" in w], warnings_of(run)
    assert run.role_summary()["members_protected"] == {"Admins": ["alice@example.com"]}

    run = apply_role(run_playbook, [{"name": "Admins", "members": ["carol@example.com"]}], **switches)
    assert run.rc == 0, run
    assert normalized_groups(emulator.state())["Admins"]["members"] == ["alice@example.com", "carol@example.com"]
    assert run.role_summary()["members_removed"] == {"Admins": ["bob@example.com"]}


def test_the_purge_of_a_protected_members_group_is_refused(emulator, run_playbook):
    legacy = make_group(emulator, "Legacy", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": SCIM_GROUP, "scim": True}], user_groups_purge=True,
                     user_groups_protected_members=["alice@example.com"])
    assert run.rc != 0
    only_reads(emulator)
    msg = msg_of(run)
    assert "the purge would delete group 'Legacy' (%s), and with it the membership of protected member " \
           "alice@example.com" % legacy in msg, msg


def test_a_protected_email_that_looks_like_a_typo_fails_an_unknown_one_warns(emulator, run_playbook):
    make_group(emulator, "Admins", ["alice@example.com"])
    run = apply_role(run_playbook, [{"name": "Admins", "members": []}], user_groups_protected_members=["alcie@example.com"])
    assert run.rc != 0 and "did you mean 'alice@example.com'" in msg_of(run), run
    only_reads(emulator)
    run = apply_role(run_playbook, [{"name": "Admins", "members": ["alice@example.com"]}],
                     user_groups_protected_members=["breakglass@elsewhere.example"])
    assert run.rc == 0, run
    assert "'breakglass@elsewhere.example' is no member of account" in warnings_of(run)


# --------------------------------------------------------------------------- playbooks/export.yml
def test_export_writes_in_the_current_directory_and_never_overwrites(emulator, run_playbook, tmp_path):
    playbook = os.path.join(REPO, "playbooks", "export.yml")
    make_group(emulator, "Engineering", ["alice@example.com"])
    run = run_playbook(playbook=playbook, extra_vars={"user_groups_export_file": "exported.yml"})
    assert run.rc == 0, run
    path = tmp_path / "exported.yml"  # run_playbook runs in tmp_path, the playbook lies elsewhere
    assert path.is_file() and not os.path.exists(os.path.join(REPO, "playbooks", "exported.yml"))
    assert "groups written to %s" % path in run.stdout
    exported = path.read_text()

    run = run_playbook(playbook=playbook, extra_vars={"user_groups_export_file": "exported.yml"})
    assert run.rc == 0 and run.recap_changed == 0, run  # the same export: nothing to write
    assert "already in %s" % path in run.stdout

    path.write_text(exported + "# a comment someone wrote\n")
    hand = path.read_text()
    run = run_playbook(playbook=playbook, extra_vars={"user_groups_export_file": "exported.yml"})
    assert run.rc != 0
    assert "%s exists and the export differs from it" % path in " ".join(run.stdout.split())
    assert path.read_text() == hand

    run = run_playbook(playbook=playbook, extra_vars={"user_groups_export_file": str(path),
                                                      "user_groups_export_force": True})
    assert run.rc == 0, run
    assert path.read_text() == exported
    (backup,) = [p for p in tmp_path.iterdir() if p.name.startswith("exported.yml.") and p.name.endswith("~")]
    assert backup.read_text() == hand
    assert "previous file kept as %s" % backup in run.stdout
