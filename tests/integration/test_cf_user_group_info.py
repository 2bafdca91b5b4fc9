# -*- coding: utf-8 -*-
"""Integration tests of cfiam.user_groups.cf_user_group_info against the Cloudflare API emulator."""
from __future__ import absolute_import, division, print_function
from harness import make_group as harness_make_group, module_task

MOD = "cfiam.user_groups.cf_user_group_info"
UG = "/accounts/{account_id}/iam/user_groups"
SCIM_GROUP = "Okta Contractors"


task = module_task(MOD)


def make_group(emulator, name, policies=None, emails=()):
    return harness_make_group(emulator, name, members=emails, policies=policies)


def names(result):
    return [g["name"] for g in result["user_groups"]]


def test_filters_members_and_unknown(run_playbook, emulator):
    acct = "com.cloudflare.api.account.%s" % emulator.account_id
    zone = "com.cloudflare.api.account.zone.%s" % emulator.zone_id("example.net")
    alpha = make_group(emulator, "Alpha Team", policies=[
        {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_dns")}],
         "resource_groups": [{"scope": {"key": acct, "objects": [{"key": zone}]}}]},
        {"access": "deny", "permission_groups": [{"id": emulator.permission_group_id("billing")}],
         "resource_groups": [{"scope": {"key": acct, "objects": [{"key": "*"}]}}]},
    ], emails=["bob@example.com", "alice@example.com", "xavier@example.com"])
    make_group(emulator, "Alpha Ops", emails=["carol@example.com"])
    beta = make_group(emulator, "Beta")
    emulator.clear_requests()
    before = emulator.state()

    tasks = [
        task("all"),
        task("exact name", name="Alpha Team"),
        task("fuzzy", fuzzy_name="alpha"),
        task("by id", id=beta),
        task("name and fuzzy", name="Alpha Ops", fuzzy_name="ops"),
        task("members", fuzzy_name="Alpha", include_members=True),
        task("unknown id", id="0" * 32),
        task("not an id", id="nope"),
        task("unknown name", name="alpha team"),
        task("unknown fuzzy", fuzzy_name="zzz", include_members=True),
    ]
    for check in (True, False):
        emulator.clear_requests()
        run = run_playbook(tasks, check=check)
        assert run.rc == 0, run
        assert all(run.status(t["name"]) == "ok" for t in tasks), run
        assert emulator.writes() == []
    assert emulator.state() == before

    assert names(run.task("all")) == ["Alpha Ops", "Alpha Team", "Beta", SCIM_GROUP]
    assert names(run.task("exact name")) == ["Alpha Team"]
    assert names(run.task("fuzzy")) == ["Alpha Ops", "Alpha Team"]
    assert names(run.task("by id")) == ["Beta"] and run.task("by id")["user_groups"][0]["id"] == beta
    assert names(run.task("name and fuzzy")) == ["Alpha Ops"]
    for name in ("unknown id", "not an id", "unknown name", "unknown fuzzy"):
        assert run.task(name)["user_groups"] == [], name
    assert "members" not in run.task("all")["user_groups"][0]

    team = run.task("exact name")["user_groups"][0]
    assert team["id"] == alpha and team["created_on"] and team["modified_on"]
    by_target = dict((p["target"], p) for p in team["policies"])
    assert by_target["zones"]["access"] == "allow"
    assert by_target["zones"]["permission_groups"] == [
        {"id": emulator.permission_group_id("domain_dns"), "name": "Domain DNS", "label": "domain_dns"}]
    assert by_target["zones"]["resource_groups"][0]["zones"] == ["example.net"]
    assert by_target["account"]["access"] == "deny"
    assert by_target["account"]["permission_groups"][0]["label"] == "billing"
    assert run.task("by id")["user_groups"][0]["policies"] == []

    with_members = dict((g["name"], g["members"]) for g in run.task("members")["user_groups"])
    assert with_members["Alpha Team"] == [
        {"id": emulator.member_id(e), "email": e, "status": s}
        for e, s in (("alice@example.com", "accepted"), ("bob@example.com", "accepted"),
                     ("xavier@example.com", "pending"))]
    assert with_members["Alpha Ops"] == [
        {"id": emulator.member_id("carol@example.com"), "email": "carol@example.com", "status": "accepted"}]
    # one group listing, one zone listing (for the zone name), one member listing per group
    assert run.task("members")["api_requests"]["GET"] == 4
    assert run.task("fuzzy")["api_requests"]["GET"] == 2
    assert run.task("not an id")["api_requests"]["total"] == 0


def test_scim_verification_flow(run_playbook, emulator):
    """The seed: confirm the groups pushed by SCIM, query the pushed group by id, verify its members."""
    run = run_playbook([
        task("confirm the groups", register="all_groups"),
        {"name": "pick the pushed group", "ansible.builtin.set_fact": {
            "pushed_id": "{{ (all_groups.user_groups | selectattr('name', 'equalto', '%s') | first).id }}"
                         % SCIM_GROUP}},
        task("query the pushed group", register="pushed", id="{{ pushed_id }}"),
        task("verify the members", register="members", id="{{ pushed_id }}", include_members=True),
        {"name": "assert", "ansible.builtin.assert": {"that": [
            "pushed.user_groups | length == 1",
            "pushed.user_groups[0].name == '%s'" % SCIM_GROUP,
            "pushed.user_groups[0].policies == []",
            "members.user_groups[0].members | map(attribute='email') | list == "
            "['trent@example.com', 'victor@example.com']",
        ]}},
    ])
    assert run.rc == 0, run
    assert run.status("assert") == "ok"
    scim_id = emulator.group_by_name(SCIM_GROUP)["id"]
    assert run.task("query the pushed group")["user_groups"][0]["id"] == scim_id
    assert [m["id"] for m in run.task("verify the members")["user_groups"][0]["members"]] == [
        emulator.member_id("trent@example.com"), emulator.member_id("victor@example.com")]
    assert emulator.writes() == []
