# -*- coding: utf-8 -*-
"""The playbooks under playbooks/ run green against the emulator and do what they say."""
from __future__ import absolute_import, division, print_function

import os

import yaml


class UnsafeLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """Reads the export as data: a value tagged !unsafe is its plain string."""


from harness import normalized_groups


UnsafeLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(REPO, "playbooks")
ROLE = "cfiam.user_groups.user_groups"
SCIM_GROUP = "Okta Contractors"


def playbook(name):
    return os.path.join(PLAYBOOKS, name)


def test_demo_applies_a_hierarchy_twice(emulator, run_playbook):
    run = run_playbook(playbook=playbook("demo.yml"))
    assert run.rc == 0, run
    groups = normalized_groups(emulator.state())
    assert groups["Engineering"]["members"] == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert groups["Engineering SRE On-call"]["policies"] == [("allow", ("domain_admin",), ("rg:Production zones",))]
    assert groups[SCIM_GROUP]["members"] == ["trent@example.com", "victor@example.com"]
    assert "Idempotent" in run.stdout
    # the second play changed nothing: its recap line is the last one and the assert passed
    assert not run.failed


def test_seed_workflows(emulator, run_playbook):
    name = "My Cool Demo Group"
    # Create a group and add members
    run = run_playbook(playbook=playbook("create_group.yml"),
                       extra_vars={"group_name": name, "group_members": ["alice@example.com", "Bob@Example.com"]})
    assert run.rc == 0, run
    group = emulator.group_by_name(name)
    assert group is not None
    assert normalized_groups(emulator.state())[name]["members"] == ["alice@example.com", "bob@example.com"]

    # Attach a policy (Administrator on the whole account by default), twice: the second is a no-op
    run = run_playbook(playbook=playbook("attach_policy.yml"), extra_vars={"group_name": name})
    assert run.rc == 0, run
    assert normalized_groups(emulator.state())[name]["policies"] == [("allow", ("admin",), ("account",))]
    emulator.clear_requests()
    run = run_playbook(playbook=playbook("attach_policy.yml"), extra_vars={"group_name": name})
    assert run.rc == 0 and run.recap_changed == 0, run
    assert emulator.writes() == []

    # Reset the policies to an empty state; members stay
    run = run_playbook(playbook=playbook("reset_policies.yml"), extra_vars={"group_name": name})
    assert run.rc == 0, run
    groups = normalized_groups(emulator.state())
    assert groups[name] == {"members": ["alice@example.com", "bob@example.com"], "policies": []}
    assert "1 policies removed" in run.stdout

    # Review permission groups (read only)
    emulator.clear_requests()
    run = run_playbook(playbook=playbook("review_permission_groups.yml"))
    assert run.rc == 0, run
    assert "Administrator Read Only | admin_readonly | com.cloudflare.api.account" in run.stdout
    assert "Domain DNS | domain_dns | com.cloudflare.api.account.zone" in run.stdout
    assert emulator.writes() == []

    # Verify the SCIM-pushed group and its members (read only), and that a missing member fails
    run = run_playbook(playbook=playbook("verify_scim_groups.yml"),
                       extra_vars={"scim_expected_members": ["trent@example.com", "Victor@example.com"]})
    assert run.rc == 0, run
    assert "victor@example.com" in run.stdout
    run = run_playbook(playbook=playbook("verify_scim_groups.yml"),
                       extra_vars={"scim_expected_members": ["trent@example.com", "alice@example.com"]})
    assert run.rc != 0
    assert "missing members" in run.stdout and "alice@example.com" in run.stdout
    assert emulator.writes() == []


def test_export_reproduces_the_account(emulator, run_playbook, tmp_path):
    # An account managed by hand (through the API): account, zone and named resource group targets,
    # a deny policy, a group without members, and the SCIM-pushed group.
    account = "com.cloudflare.api.account.%s" % emulator.account_id
    zone = "com.cloudflare.api.account.zone.%s"
    rg_id = [rg["id"] for rg in emulator.state()["resource_groups"] if rg["name"] == "Production zones"][0]
    made_by_hand = [
        ("Engineering", ["alice@example.com", "bob@example.com"],
         [("allow", ["admin_readonly", "analytics"], {"scope": {"key": account, "objects": [{"key": "*"}]}})]),
        ("Engineering SRE", ["bob@example.com"],
         [("allow", ["domain_dns"], {"scope": {"key": account, "objects": [
             {"key": zone % emulator.zone_id("example.com")}, {"key": zone % emulator.zone_id("example.org")}]}}),
          ("allow", ["domain_admin"], {"id": rg_id})]),
        ("Auditors", [], [("deny", ["billing"], {"scope": {"key": account, "objects": [{"key": "*"}]}})]),
    ]
    for name, members, policies in made_by_hand:
        body = {"name": name, "policies": [
            {"access": access, "permission_groups": [{"id": emulator.permission_group_id(p)} for p in pgs],
             "resource_groups": [rg]} for access, pgs, rg in policies]}
        resp = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json=body)
        assert resp.status_code == 200, resp.text
        if members:
            resp = emulator.api("PUT", "/accounts/{account_id}/iam/user_groups/%s/members" % resp.json()["result"]["id"],
                                json=[{"id": emulator.member_id(e)} for e in members])
            assert resp.status_code == 200, resp.text
    expected = normalized_groups(emulator.state())
    assert len(expected) == 4

    export_file = str(tmp_path / "exported.yml")
    emulator.clear_requests()
    run = run_playbook(playbook=playbook("export.yml"), extra_vars={"user_groups_export_file": export_file})
    assert run.rc == 0, run
    assert emulator.writes() == []
    with open(export_file) as handle:
        text = handle.read()
    exported = yaml.load(text, Loader=UnsafeLoader)  # noqa: S506 - a SafeLoader subclass
    # every value read from the API is tagged !unsafe (names, emails, roles, zones)
    assert text.count("!unsafe") >= sum(1 + len(g.get("members") or []) for g in exported["user_groups"])
    names = [g["name"] for g in exported["user_groups"]]
    assert names == sorted(expected)
    assert emulator.token not in open(export_file).read()

    apply = [{"name": "Apply the exported declaration", "ansible.builtin.include_role": {"name": ROLE}}]
    # Same account: a no-change run
    emulator.clear_requests()
    run = run_playbook(tasks=apply, args=["-e", "@" + export_file])
    assert run.rc == 0, run
    assert run.recap_changed == 0
    assert emulator.writes() == []

    # Empty account (demo state without groups): the same groups, policies and members come back
    state = emulator.state()
    state["user_groups"] = []
    emulator.set_state(state)
    run = run_playbook(tasks=apply, args=["-e", "@" + export_file])
    assert run.rc == 0, run
    assert normalized_groups(emulator.state()) == expected


HOSTILE = [
    "{{ lookup('ansible.builtin.pipe', 'touch %s') }}Contractors",
    "{%% if True %%}{{ lookup('ansible.builtin.pipe', 'touch %s') }}{%% endif %%} Ops",
    "{# comment #}Auditors {{ 7 * 7 }}",
]


def test_export_of_hostile_names_never_runs_code(emulator, run_playbook, tmp_path):
    """Names an identity provider can push, with template markers in group, resource group and zone-visible names:
    the export writes them tagged !unsafe, applying it (check mode and real) never evaluates them, and they come
    back exactly."""
    canary = str(tmp_path / "PWNED")
    names = [h % (canary, canary) if h.count("%s") == 2 else (h % canary if "%s" in h else h) for h in HOSTILE]
    rg_name = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}zones" % canary
    account = "com.cloudflare.api.account.%s" % emulator.account_id
    resp = emulator.api("POST", "/accounts/{account_id}/iam/resource_groups", json={
        "name": rg_name, "scope": {"key": account, "objects": [
            {"key": "com.cloudflare.api.account.zone.%s" % emulator.zone_id("example.com")}]}})
    assert resp.status_code == 200, resp.text
    rg_id = resp.json()["result"]["id"]
    for name in names:
        resp = emulator.api("POST", "/accounts/{account_id}/iam/user_groups", json={"name": name, "policies": [
            {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("domain_dns")}],
             "resource_groups": [{"id": rg_id}]}]})
        assert resp.status_code == 200, resp.text
    expected = normalized_groups(emulator.state())

    export_file = str(tmp_path / "exported.yml")
    run = run_playbook(playbook=playbook("export.yml"), extra_vars={"user_groups_export_file": export_file})
    assert run.rc == 0, run
    exported = yaml.load(open(export_file).read(), Loader=UnsafeLoader)  # noqa: S506 - a SafeLoader subclass
    assert sorted(g["name"] for g in exported["user_groups"]) == sorted(names + ["Okta Contractors"])
    assert [p["resource_groups"] for g in exported["user_groups"] if g["name"] in names for p in g["policies"]] == \
        [[rg_name]] * len(names)

    apply = [{"name": "Apply the exported declaration", "ansible.builtin.include_role": {"name": ROLE}}]
    for check in (True, False):
        run = run_playbook(tasks=apply, args=["-e", "@" + export_file], check=check, diff=True)
        assert run.rc == 0, run
        assert run.recap_changed == 0, run
        assert not os.path.exists(canary), "a template in an exported name was evaluated"
    # An empty account gets the very same names back
    state = emulator.state()
    state["user_groups"] = []
    emulator.set_state(state)
    run = run_playbook(tasks=apply, args=["-e", "@" + export_file])
    assert run.rc == 0, run
    assert not os.path.exists(canary)
    assert normalized_groups(emulator.state()) == expected
