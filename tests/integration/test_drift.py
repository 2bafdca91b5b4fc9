# -*- coding: utf-8 -*-
"""Drift: changes made out of band ("in the dashboard") are reported by check mode and repaired.

The role first converges a small hierarchy; then the API is used directly, as the dashboard would, to
remove a member, add a policy, replace a policy's role and rename a group. Check mode must report each
drifted group (with a readable diff) without writing; the next real run repairs exactly those groups;
the run after that changes nothing.
"""
from __future__ import absolute_import, division, print_function


ROLE = "cfiam.user_groups.user_groups"
UG = "/accounts/{account_id}/iam/user_groups"

DECLARATION = [
    {"name": "Drift Engineering",
     "members": ["alice@example.com"],
     "policies": [{"permission_groups": ["admin_readonly"]}],
     "children": [
         {"name": "Drift SRE", "members": ["bob@example.com", "carol@example.com"],
          "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}]},
         {"name": "Drift Web", "members": ["dave@example.com"], "policies": []},
     ]},
    {"name": "Drift Billing", "members": ["erin@example.com"], "policies": [{"permission_groups": ["billing"]}]},
]


def apply(run_playbook, check=False, diff=False):
    return run_playbook(tasks=[{"name": "role", "ansible.builtin.include_role": {"name": ROLE}}],
                        vars={"user_groups": DECLARATION, "user_groups_purge": True,
                              "user_groups_purge_exclude": ["Okta Contractors"],
                              # the repair detaches 1 of the 3 policies of the declared groups: more than the default
                              # share (0.25) of what exists, on so small an account
                              "user_groups_max_removal_ratio": 0.5},
                        check=check, diff=diff)


def snapshot(emulator):
    """{name: (sorted member ids, sorted (access, sorted permission group ids))} of every group."""
    return dict((g["name"], (sorted(m["id"] for m in g["members"]),
                             sorted((p["access"], tuple(sorted(p["permission_groups"]))) for p in g["policies"])))
                for g in emulator.state()["user_groups"])


def test_out_of_band_changes_are_reported_and_repaired(emulator, run_playbook):
    run = apply(run_playbook)
    assert run.rc == 0, run
    converged = snapshot(emulator)
    assert emulator.member_id("bob@example.com") in converged["Drift Engineering"][0]  # rolled up

    # --- "the dashboard": a member removed, a policy added, a role swapped, a group renamed
    sre = emulator.group_by_name("Drift SRE")
    resp = emulator.api("DELETE", UG + "/%s/members/%s" % (sre["id"], emulator.member_id("carol@example.com")))
    assert resp.status_code == 200, resp.text
    web = emulator.group_by_name("Drift Web")
    account_rg = {"scope": {"key": "com.cloudflare.api.account.%s" % emulator.account_id, "objects": [{"key": "*"}]}}
    resp = emulator.api("PUT", UG + "/" + web["id"], json={"name": "Drift Web", "policies": [
        {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("admin")}],
         "resource_groups": [account_rg]}]})
    assert resp.status_code == 200, resp.text
    billing = emulator.group_by_name("Drift Billing")
    resp = emulator.api("PUT", UG + "/" + billing["id"], json={"name": "Billing (renamed by hand)", "policies": [
        {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("billing")}],
         "resource_groups": [account_rg]}]})
    assert resp.status_code == 200, resp.text
    drifted = snapshot(emulator)
    assert drifted != converged

    # --- check mode reports every drift, readable, and writes nothing
    emulator.clear_requests()
    run = apply(run_playbook, check=True, diff=True)
    assert run.rc == 0, run
    assert emulator.writes() == []
    assert snapshot(emulator) == drifted
    predicted = run.role_summary()
    assert predicted["members_added"] == {"Drift SRE": ["carol@example.com"], "Drift Billing": ["erin@example.com"]}
    assert predicted["members_removed"] == {}
    assert "Drift Web" in predicted["updated"]
    assert predicted["created"] == ["Drift Billing"]
    assert predicted["deleted"] == ["Billing (renamed by hand)"]
    for text in ("carol@example.com", "Administrator", "Billing (renamed by hand)"):
        assert text in run.stdout, text

    # --- the next run repairs exactly that
    emulator.clear_requests()
    run = apply(run_playbook)
    assert run.rc == 0, run
    repaired = snapshot(emulator)
    assert set(repaired) == set(converged)
    for name in ("Drift Engineering", "Drift SRE", "Drift Web"):
        assert repaired[name] == converged[name], name
    assert repaired["Drift Billing"] == converged["Drift Billing"]
    assert emulator.group_by_name("Billing (renamed by hand)") is None
    touched = set(w["path"].rsplit("/iam/user_groups", 1)[-1].split("/")[1] if "/iam/user_groups/" in w["path"]
                  else "new" for w in emulator.writes())
    untouched = emulator.group_by_name("Drift Engineering")["id"]
    assert untouched not in touched, emulator.writes()

    # --- and then nothing to do
    emulator.clear_requests()
    run = apply(run_playbook, check=True)
    assert run.rc == 0 and run.recap_changed == 0, run
    run = apply(run_playbook)
    assert run.rc == 0 and run.recap_changed == 0, run
    assert emulator.writes() == []


def test_member_added_by_hand_is_reported_and_removed(emulator, run_playbook):
    run = apply(run_playbook)
    assert run.rc == 0, run
    web = emulator.group_by_name("Drift Web")
    resp = emulator.api("POST", UG + "/%s/members" % web["id"], json=[{"id": emulator.member_id("mallory@example.com")}])
    assert resp.status_code == 200, resp.text
    emulator.clear_requests()
    run = apply(run_playbook, check=True, diff=True)
    assert run.rc == 0, run
    assert emulator.writes() == []
    assert run.role_summary()["members_removed"] == {"Drift Web": ["mallory@example.com"]}
    assert "mallory@example.com" in run.stdout
    run = apply(run_playbook)
    assert run.rc == 0, run
    assert [w["method"] for w in emulator.writes()] == ["PUT"]
    members = [m["id"] for m in emulator.group_by_name("Drift Web")["members"]]
    assert members == [emulator.member_id("dave@example.com")]
