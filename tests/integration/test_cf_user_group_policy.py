# -*- coding: utf-8 -*-
"""Integration tests of cfiam.user_groups.cf_user_group_policy against the Cloudflare API emulator.

Every state-changing case follows the four steps check -> real -> check -> real (``harness.four_steps``).
Several cases share one playbook (one task per case, each on its own group) so
the whole file stays fast; each case asserts its own status, the emulator state
and the PUT it caused.
"""
from __future__ import absolute_import, division, print_function

import pytest
from harness import four_steps, make_group as harness_make_group, module_task

# Every test runs twice: with full write replies, and with the minimal ones Cloudflare may send.
pytestmark = pytest.mark.usefixtures("write_replies")

MODULE = "cfiam.user_groups.cf_user_group_policy"
ZONE_PREFIX = "com.cloudflare.api.account.zone."
SCIM_GROUP = "Okta Contractors"
RESOURCE_GROUP = "Production zones"


# --------------------------------------------------------------------------- helpers
def acct_key(emulator):
    return "com.cloudflare.api.account.%s" % emulator.account_id


def api_policy(emulator, access, labels, target="account"):
    """A PolicyWrite body. target: 'account', a list of zone names, ('rg', name) or a raw scope dict."""
    if target == "account":
        rgs = [{"scope": {"key": acct_key(emulator), "objects": [{"key": "*"}]}}]
    elif isinstance(target, tuple) and target[0] == "rg":
        rg = [r for r in emulator.state()["resource_groups"] if r.get("name") == target[1]][0]
        rgs = [{"id": rg["id"]}]
    elif isinstance(target, dict):
        rgs = [{"scope": target}]
    else:
        rgs = [{"scope": {"key": acct_key(emulator),
                          "objects": [{"key": ZONE_PREFIX + emulator.zone_id(z)} for z in target]}}]
    return {"access": access, "permission_groups": [{"id": emulator.permission_group_id(lb)} for lb in labels],
            "resource_groups": rgs}


def make_group(emulator, name, policies=()):
    """A group with policies in this file's shorthand ``(access, roles, target)``."""
    return harness_make_group(emulator, name, policies=[api_policy(emulator, *p) for p in policies])


def set_policies(emulator, group_id, policies):
    resp = emulator.api("PUT", "/accounts/{account_id}/iam/user_groups/%s" % group_id,
                        json={"policies": [api_policy(emulator, *p) for p in policies]})
    assert resp.status_code == 200, resp.text


def canon(emulator, access, labels, target="account"):
    """The canonical form ``group_policies`` returns for one policy."""
    if target == "account":
        t = ("account", ("*",))
    elif isinstance(target, tuple):
        t = target
    elif isinstance(target, dict):
        t = (target["key"], tuple(sorted(o if isinstance(o, str) else o["key"] for o in target["objects"])))
    else:
        t = ("account", tuple(sorted("zone:" + z for z in target)))
    return (access, frozenset(labels), frozenset([t]))


def group_policies(emulator, name, state=None):
    """The group's policies in the emulator's state, order-free: {(access, {labels}, {targets})}.

    A target is ("rg", name) for a named resource group, ("account", objects) for an inline scope on the
    account key (objects "*" or "zone:<name>"), or (scope key, objects) for another inline scope.
    """
    st = state or emulator.state()
    labels = dict((p["id"], p["meta"]["label"]) for p in st["permission_groups"])
    rgs = dict((r["id"], r) for r in st["resource_groups"])
    zones = dict((z["id"], z["name"]) for z in st["zones"])
    group = [g for g in st["user_groups"] if g["name"] == name]
    assert len(group) == 1, "group %r: %d in state" % (name, len(group))
    out = []
    for p in group[0]["policies"]:
        targets = set()
        for rid in p["resource_groups"]:
            rg = rgs[rid]
            if not rg.get("anonymous"):
                targets.add(("rg", rg["name"]))
                continue
            key = rg["scope"]["key"]
            objs = []
            for o in rg["scope"]["objects"]:
                k = o["key"]
                objs.append("zone:" + zones[k[len(ZONE_PREFIX):]] if k.startswith(ZONE_PREFIX) else k)
            targets.add(("account" if key == acct_key(emulator) else key, tuple(sorted(objs))))
        out.append((p["access"], frozenset(labels[i] for i in p["permission_groups"]), frozenset(targets)))
    assert len(out) == len(set(out)), "duplicate policies: %s" % out
    return set(out)


task = module_task(MODULE, ignore_errors=True)


def puts_by_group(writes):
    out = {}
    for w in writes:
        assert w["method"] == "PUT", w
        out.setdefault(w["path"].rsplit("/", 1)[1], []).append(w["body"])
    return out


# --------------------------------------------------------------------------- the four-step matrix
def test_state_changing_cases_four_steps(emulator, run_playbook):
    st0 = emulator.state()
    scim_id = [g["id"] for g in st0["user_groups"] if g["name"] == SCIM_GROUP][0]
    ex_net = emulator.zone_id("example.net")
    shop = emulator.zone_id("shop.example.com")
    ids = {
        "attach": make_group(emulator, "Attach"),
        "second": make_group(emulator, "Second", [("allow", ["admin_readonly"])]),
        "absent": make_group(emulator, "Absent", [("allow", ["admin_readonly"]),
                                                  ("deny", ["domain_cache_purge"], ["shop.example.com"]),
                                                  ("allow", ["domain_dns"], ["example.com"])]),
        "exclusive": make_group(emulator, "Exclusive", [("allow", ["admin_readonly"]),
                                                        ("allow", ["domain_dns"], ["example.com"])]),
        "reset": make_group(emulator, "Reset", [("allow", ["admin"]), ("allow", ["domain_dns"], ["example.org"])]),
        "rg": make_group(emulator, "Named RG", [("allow", ["analytics"])]),
        "raw": make_group(emulator, "Raw"),
        "deny": make_group(emulator, "Deny"),
    }
    raw_scope = {"key": ZONE_PREFIX + shop, "objects": ["*"]}
    tasks = [
        task("attach", group="Attach", policies=[{"permission_groups": ["Administrator Read Only"]}]),
        # zones by name and by id; the existing policy must be re-sent unchanged
        task("second", group="Second", policies=[{"permission_groups": ["domain_dns"],
                                                  "zones": ["example.com", ex_net]}]),
        task("absent", group="Absent", state="absent",
             policies=[{"access": "deny", "permission_groups": ["Domain Cache Purge"], "zones": ["shop.example.com"]}]),
        task("exclusive", group="Exclusive", exclusive=True,
             policies=[{"permission_groups": ["Audit Logs Viewer", "admin_readonly"]}]),
        # the seed's "reset a policy to an empty state"
        task("reset", group_id=ids["reset"], policies=[], exclusive=True),
        task("rg", group="Named RG", policies=[{"permission_groups": ["Domain Administrator"],
                                                "resource_groups": [RESOURCE_GROUP]}]),
        task("raw", group="Raw", policies=[{"permission_groups": ["domain_dns"], "scope": raw_scope}]),
        task("deny", group="Deny", policies=[{"access": "deny", "permission_groups": ["domain_cache_purge"],
                                              "zones": ["shop.example.com"]}]),
        # the seed's workflow: a group pushed by SCIM gets read-only access to the whole account
        task("scim", group=SCIM_GROUP, policies=[{"access": "allow",
                                                  "permission_groups": ["Administrator Read Only"]}]),
    ]
    names = [t["name"] for t in tasks]
    expected = {
        "attach": ("Attach", {canon(emulator, "allow", ["admin_readonly"])}),
        "second": ("Second", {canon(emulator, "allow", ["admin_readonly"]),
                              canon(emulator, "allow", ["domain_dns"], ["example.com", "example.net"])}),
        "absent": ("Absent", {canon(emulator, "allow", ["admin_readonly"]),
                              canon(emulator, "allow", ["domain_dns"], ["example.com"])}),
        "exclusive": ("Exclusive", {canon(emulator, "allow", ["admin_readonly", "audit_logs_viewer"])}),
        "reset": ("Reset", set()),
        "rg": ("Named RG", {canon(emulator, "allow", ["analytics"]),
                            canon(emulator, "allow", ["domain_admin"], ("rg", RESOURCE_GROUP))}),
        "raw": ("Raw", {canon(emulator, "allow", ["domain_dns"], raw_scope)}),
        "deny": ("Deny", {canon(emulator, "deny", ["domain_cache_purge"], ["shop.example.com"])}),
        "scim": (SCIM_GROUP, {canon(emulator, "allow", ["admin_readonly"])}),
    }
    before = emulator.state()
    seen = []  # (writes, state) after each of the four runs (four_steps clears the request log before each)

    def run_once(check):
        run = run_playbook(tasks, check=check, diff=check)
        seen.append((emulator.writes(), emulator.state()))
        return run

    # check (with --diff) -> real -> check -> real: no write in check mode or once in place
    predicted_run, run, second_check, second_run = four_steps(run_once, emulator)
    for step in (predicted_run, run):
        assert [n for n in names if step.status(n) != "changed"] == [], step
    for step in (second_check, second_run):
        assert [n for n in names if step.status(n) != "ok"] == [], step
    assert seen[0][1]["user_groups"] == before["user_groups"]
    assert seen[3][1]["user_groups"] == seen[1][1]["user_groups"]
    predicted = dict((n, predicted_run.task(n)) for n in names)

    # the real run: one PUT per group, state as expected
    puts = puts_by_group(seen[1][0])
    group_ids = dict(ids, scim=scim_id)
    assert sorted(puts) == sorted(group_ids.values())
    assert all(len(bodies) == 1 for bodies in puts.values())
    state = seen[1][1]
    for n in names:
        gname, want = expected[n]
        assert group_policies(emulator, gname, state) == want, n
        # the check-mode prediction is exactly the real result
        assert predicted[n]["policies"] == run.task(n)["policies"], n
        assert predicted[n]["added"] == run.task(n)["added"], n
        assert predicted[n]["removed"] == run.task(n)["removed"], n
        assert run.task(n)["user_group"] == {"id": group_ids[n], "name": gname}

    # PUT replaces everything: adding a policy re-sends the existing one unchanged
    second = puts[ids["second"]][0]
    assert set(second) == {"policies"}
    assert len(second["policies"]) == 2
    assert {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("admin_readonly")}],
            "resource_groups": [{"scope": {"key": acct_key(emulator), "objects": [{"key": "*"}]}}]} \
        in second["policies"]
    # the named resource group is sent by id; the reset sends an empty list; SCIM gets only policies
    rg_id = [r["id"] for r in state["resource_groups"] if r.get("name") == RESOURCE_GROUP][0]
    assert {"id": rg_id} in [rg for p in puts[ids["rg"]][0]["policies"] for rg in p["resource_groups"]]
    assert puts[ids["reset"]][0] == {"policies": []}
    assert set(puts[scim_id][0]) == {"policies"}
    scim = [g for g in state["user_groups"] if g["name"] == SCIM_GROUP][0]
    assert sorted(m["id"] for m in scim["members"]) == sorted(
        m["id"] for m in [g for g in before["user_groups"] if g["name"] == SCIM_GROUP][0]["members"])

    # returned values: normalised, readable
    attach = run.task("attach")
    assert len(attach["policies"]) == 1 and attach["policies"][0]["target"] == "account"
    assert attach["policies"][0]["permission_groups"] == [{
        "id": emulator.permission_group_id("admin_readonly"), "name": "Administrator Read Only",
        "label": "admin_readonly"}]
    assert attach["added"] == attach["policies"] and attach["removed"] == []
    sec = [p for p in run.task("second")["policies"] if p["target"] == "zones"]
    assert [rg["zones"] for rg in sec[0]["resource_groups"]] == [["example.com", "example.net"]]
    removed = run.task("absent")["removed"]
    assert len(removed) == 1 and removed[0]["access"] == "deny"
    assert removed[0]["permission_groups"][0]["label"] == "domain_cache_purge"
    assert run.task("reset")["policies"] == [] and len(run.task("reset")["removed"]) == 2
    assert run.task("rg")["added"][0]["target"] == "resource_groups"
    assert run.task("rg")["added"][0]["resource_groups"][0]["name"] == RESOURCE_GROUP
    assert all("api_requests" in run.task(n) for n in names)


def test_diff_shows_role_and_zone_names(emulator, run_playbook):
    make_group(emulator, "Diffed", [("allow", ["admin_readonly"])])
    emulator.clear_requests()
    wanted = [{"permission_groups": ["domain_dns"], "zones": ["example.org", "example.com"]}]
    run = run_playbook([task("d", group="Diffed", policies=wanted)], check=True, diff=True)
    assert run.status("d") == "changed", run
    assert emulator.writes() == []
    diff = run.task("d")["diff"]
    assert diff["before"]["policies"] == [{"access": "allow", "permission_groups": ["Administrator Read Only"],
                                           "scope": "account"}]
    assert diff["after"]["policies"] == [
        {"access": "allow", "permission_groups": ["Administrator Read Only"], "scope": "account"},
        {"access": "allow", "permission_groups": ["Domain DNS"], "zones": ["example.com", "example.org"]}]
    # the diff printed by ansible-playbook --diff shows role and zone names, no ids, no token
    assert "Domain DNS" in run.stdout and "example.org" in run.stdout
    assert emulator.permission_group_id("domain_dns") not in run.stdout
    assert emulator.token not in run.output
    # without --diff no diff is returned
    run = run_playbook([task("d", group="Diffed", policies=wanted)], check=True)
    assert run.status("d") == "changed" and "diff" not in run.task("d")
    assert emulator.writes() == []


# --------------------------------------------------------------------------- order-insensitivity
def test_same_policies_in_another_order_change_nothing(emulator, run_playbook):
    gid = make_group(emulator, "Ordered", [
        ("allow", ["admin_readonly", "audit_logs_viewer"]),
        ("allow", ["domain_dns", "domain_analytics"], ["example.com", "example.net"]),
        ("deny", ["domain_cache_purge"], ("rg", RESOURCE_GROUP)),
    ])
    before = emulator.state()
    emulator.clear_requests()
    reordered = [
        {"access": "deny", "permission_groups": ["Domain Cache Purge"], "resource_groups": [RESOURCE_GROUP]},
        {"permission_groups": ["Domain Analytics", "domain_dns"],
         "zones": [emulator.zone_id("example.net"), "EXAMPLE.com"]},
        {"access": "ALLOW", "permission_groups": [emulator.permission_group_id("audit_logs_viewer"),
                                                  "Administrator Read Only"]},
    ]
    tasks = [
        task("present", group="Ordered", policies=reordered),
        task("exclusive", group_id=gid, policies=reordered, exclusive=True),
        task("subset", group="Ordered", policies=reordered[1:]),
        # absent of a policy that is not attached (same roles, other zone): nothing to remove
        task("absent", group="Ordered", state="absent",
             policies=[{"permission_groups": ["domain_dns", "domain_analytics"], "zones": ["example.com"]}]),
        task("by_ids", group="Ordered", policies=[
            {"permission_groups": [emulator.permission_group_id("domain_analytics"),
                                   emulator.permission_group_id("domain_dns")],
             "zones": [emulator.zone_id("example.net"), emulator.zone_id("example.com")]}]),
    ]
    for check in (True, False):
        run = run_playbook(tasks, check=check)
        assert run.rc == 0, run
        assert [t["name"] for t in tasks if run.status(t["name"]) != "ok"] == [], run
        assert emulator.writes() == []
    assert emulator.state()["user_groups"] == before["user_groups"]
    # ids of roles and zones already seen in the group's policies need no catalogue request
    assert run.task("by_ids")["api_requests"]["total"] <= 2, run.task("by_ids")["api_requests"]
    assert len(run.task("present")["policies"]) == 3


# --------------------------------------------------------------------------- errors
def test_invalid_input_fails_before_any_write_listing_every_problem(emulator, run_playbook):
    make_group(emulator, "Target", [("allow", ["admin_readonly"])])
    before = emulator.state()
    emulator.clear_requests()
    tasks = [
        task("unknown_pg", group="Target", policies=[{"permission_groups": ["Administrator Read Onyl"]}]),
        # every resolution problem of every item in one message
        task("resolution", group="Target", policies=[
            {"permission_groups": ["domain_dns"], "zones": ["example.com", "nosuch.example"]},
            {"permission_groups": ["domain_admin"], "resource_groups": ["Production zone"]},
            {"permission_groups": ["Domain DNS"]},
            {"permission_groups": ["Administrator"], "zones": ["example.net"]},
            {"permission_groups": ["admin_readonly"]},
        ]),
        # every shape problem of every item in one message
        task("shape", group="Target", policies=[
            {"permission_groups": []},
            {"access": "maybe", "permission_groups": ["admin"]},
            {"permission_groups": ["domain_dns"], "zones": []},
            {"permission_groups": ["admin"], "scope": {"key": "com.cloudflare.api.account.x"}},
        ]),
        task("unknown_group", group="Nope", policies=[{"permission_groups": ["admin_readonly", "Billng"]}]),
        task("scim_zone_role", group=SCIM_GROUP, policies=[{"permission_groups": ["domain_dns"]}]),
    ]
    run = run_playbook(tasks)
    assert [t["name"] for t in tasks if run.status(t["name"]) != "failed"] == [], run
    assert emulator.writes() == []
    assert emulator.state()["user_groups"] == before["user_groups"]

    msg = run.task("unknown_pg")["msg"]
    assert "unknown permission group 'Administrator Read Onyl'" in msg
    assert "did you mean 'Administrator Read Only'" in msg
    assert "user group 'Target'" in msg

    res = run.task("resolution")
    msg = res["msg"]
    assert len(res["problems"]) == 4, res["problems"]
    assert "policies[0]: unknown zone 'nosuch.example'" in msg
    assert "policies[1]: unknown resource group 'Production zone'" in msg
    assert "did you mean 'Production zones'" in msg
    assert "policies[2]: permission group 'Domain DNS' (domain_dns)" in msg and "not to the whole account" in msg
    assert "policies[3]: permission group 'Administrator' (admin)" in msg and "not to individual zones" in msg

    shape = run.task("shape")
    msg = shape["msg"]
    assert "policies[0] permission_groups must be a non-empty list" in msg
    assert "policies[1] access must be allow or deny, got 'maybe'" in msg
    assert "policies[2] zones must be a non-empty list" in msg
    assert "policies[3] scope objects must be a non-empty list" in msg
    assert len(shape["problems"]) == 4, shape["problems"]

    # an unknown group and an unknown role are reported together
    assert "user group 'Nope' does not exist" in run.task("unknown_group")["msg"]
    assert "unknown permission group 'billng' (did you mean 'billing'?)" in run.task("unknown_group")["msg"].lower()
    assert "not to the whole account" in run.task("scim_zone_role")["msg"]
    for t in tasks:
        assert emulator.token not in str(run.task(t["name"]))


def test_api_error_names_the_group_and_carries_the_code(emulator, run_playbook):
    """A scope form the collection lets through on request (allow_unknown_scope) that Cloudflare refuses: the
    message names the group, carries Cloudflare's code, says what the code means and shows the policy sent."""
    make_group(emulator, "Trusting")
    before = emulator.state()
    emulator.clear_requests()
    odd = {"key": "com.cloudflare.api.account.%s" % emulator.account_id,
           "objects": ["com.cloudflare.api.account.gadget.0123456789abcdef0123456789abcdef"]}
    run = run_playbook([task("bad", group="Trusting", policies=[
        {"permission_groups": ["admin"], "scope": odd, "allow_unknown_scope": True}])])
    assert run.status("bad") == "failed", run
    result = run.task("bad")
    msg = result["msg"]
    assert msg.startswith("Failed to set the policies of user group 'Trusting'"), msg
    assert result["status"] == 400 and result["error_codes"], result
    assert result["error_codes"] == [1006], result
    assert "a role/scope mismatch or a malformed scope" in msg, msg
    assert "gadget" in msg  # the policy that was sent
    assert [w["method"] for w in emulator.writes()] == ["PUT"]
    assert emulator.state()["user_groups"] == before["user_groups"]


@pytest.mark.parametrize("exclusive", [False, True])
def test_state_absent_removes_exactly_one_even_with_exclusive(emulator, run_playbook, exclusive):
    """exclusive only applies to state=present: absent never removes what it was not given."""
    make_group(emulator, "Two", [("allow", ["admin_readonly"]), ("allow", ["billing"])])
    emulator.clear_requests()
    run = run_playbook([task("rm", group="Two", state="absent", exclusive=exclusive,
                             policies=[{"permission_groups": ["billing"]}])])
    assert run.status("rm") == "changed", run
    assert group_policies(emulator, "Two") == {canon(emulator, "allow", ["admin_readonly"])}
    assert len(emulator.writes()) == 1
