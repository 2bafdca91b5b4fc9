# -*- coding: utf-8 -*-
"""Integration tests of cfiam.user_groups.cf_permission_group_info against the Cloudflare API emulator."""
from __future__ import absolute_import, division, print_function
from harness import module_task

MODULE = "cfiam.user_groups.cf_permission_group_info"
ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"


task = module_task(MODULE, ignore_errors=True)


def view(pg):
    meta = pg.get("meta") or {}
    deprecated = meta.get("deprecated") == "true"
    return {"id": pg["id"], "name": pg["name"], "label": meta.get("label"), "description": meta.get("description"),
            "scopes": [meta["scopes"]], "editable": meta.get("editable") == "true", "deprecated": deprecated,
            "eol_at": meta.get("eol_at") if deprecated else None}


def pg_requests(emulator):
    return [r for r in emulator.requests() if r["path"].endswith("/iam/permission_groups")]


def test_catalogue_and_filters(emulator, run_playbook):
    catalogue = emulator.state()["permission_groups"]
    assert len(catalogue) > 50  # more than one page of 50
    by_label = dict((pg["meta"]["label"], pg) for pg in catalogue)
    admin_ro = by_label["admin_readonly"]
    dns = by_label["domain_dns"]
    tasks = [
        task("all"),
        task("by_name", name="Administrator Read Only"),
        task("by_label", label="admin_readonly"),
        task("by_id", id=dns["id"]),
        task("domain_roles", scope=ZONE_SCOPE),
        task("account_roles", scope=ACCOUNT_SCOPE),
        task("label_and_scope", label="domain_dns", scope=ZONE_SCOPE),
        task("label_wrong_scope", label="domain_dns", scope=ACCOUNT_SCOPE),
        task("name_is_exact", name="administrator read only"),
        task("unknown_label", label="no_such_role"),
        task("unknown_id", id="f" * 32),
        task("not_an_id", id="admin"),
        task("unknown_scope", scope="com.cloudflare.edge.r2.bucket"),
    ]
    emulator.clear_requests()
    run = run_playbook(tasks, check=True)
    assert run.rc == 0, run
    assert [t["name"] for t in tasks if run.status(t["name"]) != "ok"] == [], run
    assert emulator.writes() == []

    # whole catalogue: every permission group, sorted by name, paged by 50
    everything = run.task("all")["permission_groups"]
    assert len(everything) == len(catalogue)
    assert [p["name"] for p in everything] == sorted((pg["name"] for pg in catalogue), key=lambda n: n.lower())
    assert sorted(everything, key=lambda p: p["id"]) == sorted((view(pg) for pg in catalogue), key=lambda p: p["id"])
    assert run.task("all")["api_requests"]["GET"] == 2
    unfiltered = [r for r in pg_requests(emulator) if set(r["query"]) == {"page", "per_page"}]
    # "all" and the three scope-only tasks read the whole catalogue: two pages of 50 each
    assert [r["query"]["per_page"] for r in unfiltered] == ["50"] * 8
    assert sorted(r["query"]["page"] for r in unfiltered) == ["1"] * 4 + ["2"] * 4

    assert run.task("by_name")["permission_groups"] == [view(admin_ro)]
    assert run.task("by_label")["permission_groups"] == [view(admin_ro)]
    assert run.task("by_label")["permission_groups"][0]["scopes"] == [ACCOUNT_SCOPE]
    assert run.task("by_label")["permission_groups"][0]["editable"] is False
    assert run.task("by_id")["permission_groups"] == [view(dns)]
    # the filters are sent to the API
    queries = [r["query"] for r in pg_requests(emulator)]
    assert any(q.get("label") == "admin_readonly" for q in queries)
    assert any(q.get("name") == "Administrator Read Only" for q in queries)
    assert any(q.get("id") == dns["id"] for q in queries)

    domain = run.task("domain_roles")["permission_groups"]
    assert sorted(p["id"] for p in domain) == sorted(
        pg["id"] for pg in catalogue if pg["meta"]["scopes"] == ZONE_SCOPE)
    assert domain and all(p["scopes"] == [ZONE_SCOPE] for p in domain)
    account = run.task("account_roles")["permission_groups"]
    # the emulator's catalogue also holds resource-scoped (per-Worker) roles, neither account nor domain
    assert len(account) + len(domain) == len([pg for pg in catalogue
                                              if pg["meta"]["scopes"] in (ACCOUNT_SCOPE, ZONE_SCOPE)])
    assert sorted(p["id"] for p in account) == sorted(
        pg["id"] for pg in catalogue if pg["meta"]["scopes"] == ACCOUNT_SCOPE)
    assert "Administrator" in [p["name"] for p in account] and "Domain DNS" not in [p["name"] for p in account]

    assert run.task("label_and_scope")["permission_groups"] == [view(dns)]
    for empty in ("label_wrong_scope", "name_is_exact", "unknown_label", "unknown_id", "not_an_id", "unknown_scope"):
        assert run.task(empty)["permission_groups"] == [], empty
    # an invalid id is not sent to the API
    assert run.task("not_an_id")["api_requests"]["total"] == 0

    # a real (non-check) run returns the same and changes nothing
    emulator.clear_requests()
    run = run_playbook([task("all"), task("by_label", label="admin_readonly")])
    assert run.status("all") == "ok" and run.status("by_label") == "ok"
    assert run.task("all")["permission_groups"] == everything
    assert run.task("by_label")["permission_groups"] == [view(admin_ro)]
    assert emulator.writes() == []


def test_seed_find_the_id_of_admin_readonly_and_use_it(emulator, run_playbook):
    """The seed's workflow: look the role up, then attach it by id to the group pushed by SCIM."""
    tasks = [
        {"name": "find", MODULE: {"label": "admin_readonly"}, "register": "ro"},
        {"name": "attach", "cfiam.user_groups.cf_user_group_policy": {
            "group": "Okta Contractors",
            "policies": [{"permission_groups": ["{{ ro.permission_groups[0].id }}"]}]}},
    ]
    run = run_playbook(tasks)
    assert run.rc == 0, run
    assert run.status("attach") == "changed"
    scim = emulator.group_by_name("Okta Contractors")
    assert [p["permission_groups"] for p in scim["policies"]] == [[emulator.permission_group_id("admin_readonly")]]


def test_connection_errors_are_reported_without_secrets(emulator, run_playbook):
    run = run_playbook([task("bad_token")], env={"CLOUDFLARE_API_TOKEN": "wrong-token-value"})
    assert run.status("bad_token") == "failed", run
    msg = run.task("bad_token")["msg"]
    assert msg.startswith("Failed to list the permission groups of account %s" % emulator.account_id), msg
    assert "10000" in msg
    assert "wrong-token-value" not in run.output and emulator.token not in run.output
