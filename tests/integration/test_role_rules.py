# -*- coding: utf-8 -*-
"""The user_groups role's rules that protect what a user declared or did not declare.

Omitted lists leave things alone, purge exclusions err on the side of protecting, the connection follows one
documented precedence, mistakes are caught before the first write with a useful message, and a run that fails
after writing says what it wrote.
"""
from __future__ import absolute_import, division, print_function

from harness import apply_role, four_steps as harness_four_steps, make_group, normalized_groups, plan_result

SCIM_GROUP = "Okta Contractors"
DEAD_URL = "http://127.0.0.1:9/client/v4"  # nothing listens on the discard port
apply = apply_role  # pylint: disable=invalid-name


def four_steps(run_playbook, emulator, declaration, **switches):
    """The role through check -> real -> check -> real; the real run predicted by the first check."""
    runs = harness_four_steps(lambda check: apply(run_playbook, declaration, check=check, diff=True, **switches),
                              emulator)
    predicted, done = runs[0].role_summary(), runs[1].role_summary()
    for key in ("created", "updated", "deleted", "members_added", "members_removed"):
        assert done[key] == predicted[key], (key, done[key], predicted[key])
    return runs[1]


def test_omitted_members_never_remove_direct_members(emulator, run_playbook):
    """A parent without `members` keeps its direct members; roll-up only adds the children's."""
    make_group(emulator, "Platform", ["frank@example.com", "grace@example.com"])
    declaration = [{"name": "Platform", "policies": [{"permission_groups": ["admin_readonly"]}],
                    "children": [{"name": "Platform Networking", "members": ["alice@example.com"]}]}]
    real = four_steps(run_playbook, emulator, declaration)
    groups = normalized_groups(emulator.state())
    assert groups["Platform"]["members"] == ["alice@example.com", "frank@example.com", "grace@example.com"]
    assert groups["Platform Networking"]["members"] == ["alice@example.com"]
    assert real.role_summary()["members_removed"] == {}

    # `members: []` (exclusive, the default) is how a group is emptied; the children's members stay (roll-up).
    # That removes 2 of the 4 memberships: more than user_groups_max_removal_ratio allows by default.
    declaration[0]["members"] = []
    four_steps(run_playbook, emulator, declaration, user_groups_max_removal_ratio=0.5)
    assert normalized_groups(emulator.state())["Platform"]["members"] == ["alice@example.com"]


def test_purge_exclusions_protect_by_search_and_say_what_they_protected(emulator, run_playbook):
    for name in ("Okta Admins", "Keep Me By Request", "EMEA Contractors", "Finance", "Legacy"):
        make_group(emulator, name)
    switches = dict(user_groups_purge=True,
                    user_groups_purge_exclude=["^Okta", "Keep Me By R", "Contractors$", "Finance"])
    run = apply(run_playbook, [{"name": "Engineering"}], check=True, **switches)
    assert run.rc == 0, run
    predicted = run.role_summary()
    assert predicted["deleted"] == ["Legacy"]
    assert predicted["protected"] == {"^Okta": ["Okta Admins", SCIM_GROUP], "Keep Me By R": ["Keep Me By Request"],
                                      "Contractors$": ["EMEA Contractors", SCIM_GROUP], "Finance": ["Finance"]}
    # What the purge spared is in the result and the plan's progress line, not a warning repeated every run.
    plan = plan_result(run)["result"]
    assert not [w for w in plan.get("warnings") or [] if "protect" in w], plan.get("warnings")
    assert "the purge spares 5 groups (user_groups_purge_exclude)" in plan["progress"], plan["progress"]
    assert plan["progress"] in run.stdout
    four_steps(run_playbook, emulator, [{"name": "Engineering"}], **switches)
    names = sorted(g["name"] for g in emulator.state()["user_groups"])
    assert names == ["EMEA Contractors", "Engineering", "Finance", "Keep Me By Request", "Okta Admins", SCIM_GROUP]


def test_an_invalid_exclusion_protects_by_failing(emulator, run_playbook):
    make_group(emulator, "Legacy")
    run = apply(run_playbook, [], user_groups_purge=True, user_groups_purge_exclude=["Keep (me"])
    assert run.rc != 0
    assert "'Keep (me' is not a valid regular expression" in plan_result(run)["result"]["msg"]
    assert emulator.writes() == []


def test_connection_precedence_role_var_then_module_defaults_then_environment(emulator, run_playbook):
    """role variable > module_defaults > environment > default; the token never goes to a URL it was not meant for."""
    declaration = [{"name": "Engineering", "members": ["alice@example.com"]}]
    good = {"api_token": emulator.token, "account_id": emulator.account_id, "base_url": emulator.base_url}
    group = "group/cfiam.user_groups.cloudflare"

    # Only module_defaults (no environment at all): the role uses them.
    bare = {"CLOUDFLARE_API_TOKEN": None, "CLOUDFLARE_ACCOUNT_ID": None, "CLOUDFLARE_BASE_URL": None}
    run = apply(run_playbook, declaration, env=bare, module_defaults={group: good})
    assert run.rc == 0, run
    assert emulator.group_by_name("Engineering") is not None

    # module_defaults beat the environment (a dead URL and a wrong token there).
    wrong_env = {"CLOUDFLARE_API_TOKEN": "wrong-token", "CLOUDFLARE_BASE_URL": DEAD_URL}
    run = apply(run_playbook, declaration, env=wrong_env, module_defaults={group: good})
    assert run.rc == 0, run

    # A role variable beats module_defaults.
    run = apply(run_playbook, declaration, env=bare, module_defaults={group: dict(good, base_url=DEAD_URL)},
                user_groups_base_url=emulator.base_url, user_groups_api_token=emulator.token,
                user_groups_account_id=emulator.account_id)
    assert run.rc == 0, run

    # Nothing anywhere: the message names every way to give the credentials.
    run = apply(run_playbook, declaration, env=bare)
    assert run.rc != 0
    msg = plan_result(run)["result"]["msg"]
    for way in ("api_token", "CLOUDFLARE_API_TOKEN", "user_groups_api_token", "module_defaults"):
        assert way in msg, (way, msg)


def test_missing_scim_group_fails_with_a_suggestion_or_warns(emulator, run_playbook):
    declaration = [{"name": "Okta Contractor", "scim": True, "policies": [{"permission_groups": ["analytics"]}]}]
    run = apply(run_playbook, declaration)
    assert run.rc != 0
    msg = plan_result(run)["result"]["msg"]
    assert "did you mean 'Okta Contractors'" in msg and "user_groups_missing_scim" in msg
    assert emulator.writes() == []
    run = apply(run_playbook, declaration, user_groups_missing_scim="warn")
    assert run.rc == 0, run
    assert run.role_summary()["missing_scim_groups"] == ["Okta Contractor"]
    assert emulator.writes() == []


def test_typos_get_the_planner_message_at_every_depth(emulator, run_playbook):
    declaration = [{"name": "Top", "member": ["alice@example.com"],
                    "children": [{"name": "Child", "polices": []}]}]
    run = apply(run_playbook, declaration)
    assert run.rc != 0
    msg = plan_result(run)["result"]["msg"]
    assert "group 'Top' has an unknown key 'member' (did you mean 'members'?)" in msg, msg
    assert "group 'Child' has an unknown key 'polices' (did you mean 'policies'?)" in msg, msg
    assert len(msg) < 2000, "no argument spec dump"
    assert emulator.writes() == []


def test_look_alike_names_warn_fail_or_are_never_purged(emulator, run_playbook):
    make_group(emulator, "Finance")
    # Two declared look-alikes: fail before anything is written.
    run = apply(run_playbook, [{"name": "Finance"}, {"name": "finance "}])
    assert run.rc != 0
    assert "differ only by case, spaces, invisible characters or Unicode form" in plan_result(run)["result"]["msg"]
    # A declared name that looks like an existing one: with user_groups_lookalike_names: warn (not the default, see
    # test_guards.py), a warning names it; purge never deletes the look-alike.
    nfd = "Financ" + "e\u0301"  # "Finance" + combining acute, versus the precomposed form
    make_group(emulator, nfd)
    declaration = [{"name": "Financ\u00e9"}]
    run = apply(run_playbook, declaration, check=True, user_groups_purge=True, user_groups_lookalike_names="warn",
                user_groups_max_removal_ratio=1)  # 'Finance' and the SCIM group: 2 of 3 groups
    assert run.rc == 0, run
    warnings = " ".join(plan_result(run)["result"].get("warnings") or [])
    assert "differ only by case, spaces, invisible characters or Unicode form" in warnings
    assert '"Finance\\u0301"' in warnings
    assert run.role_summary()["look_alikes"] == {nfd: "Financ\u00e9"}
    assert nfd not in run.role_summary()["deleted"]


def test_a_failure_after_writes_says_what_was_written(emulator, run_playbook):
    """Creates succeed, then a PUT keeps failing: the other groups are still written, the role fails at the end
    naming what it wrote, and the recap counts the change."""
    emulator.faults(rate=1.0, kinds=["500"], methods=["PUT"])
    declaration = [{"name": "New A", "members": ["alice@example.com"]}, {"name": "New B"},
                   {"name": SCIM_GROUP, "scim": True, "policies": [{"permission_groups": ["analytics"]}]}]
    run = apply(run_playbook, declaration, user_groups_max_retries=0)
    assert run.rc != 0, run
    assert run.recap_changed >= 1, run
    result = run.role_summary()
    assert result["created"] == ["New A", "New B"]
    assert [f["name"] for f in result["failed"]] == [SCIM_GROUP]
    assert "created user group 'New A'" in result["written"]
    fail = [r for r in run.records if r["task"].endswith("Fail when a write failed")][-1]
    assert "Okta Contractors" in fail["result"]["msg"] and "created user group 'New A'" in fail["result"]["msg"]
    emulator.faults(rate=0)
    run = apply(run_playbook, declaration)
    assert run.rc == 0, run
    assert run.role_summary()["updated"] == [SCIM_GROUP]


def test_a_refused_purge_delete_is_reported_whatever_status_and_code(emulator, run_playbook):
    """No code is assumed for an identity provider's group: any 4xx other than 401/404/429 is a refusal that is
    reported (status, codes, message) and warned about, and the rest of the run goes on."""
    emulator.scim_refusal(status=403, code=1234, message="group {name} is managed by your identity provider")
    make_group(emulator, "Legacy")
    switches = dict(user_groups_purge=True, user_groups_max_removal_ratio=1)  # both groups of the account go
    run = apply(run_playbook, [{"name": "Engineering"}], check=True, **switches)
    assert run.rc == 0, run
    assert "may" in " ".join(plan_result(run)["result"].get("warnings") or []).lower()
    run = apply(run_playbook, [{"name": "Engineering"}], **switches)
    assert run.rc == 0, run
    result = run.role_summary()
    assert result["deleted"] == ["Legacy"]
    (refused,) = result["delete_refused"]
    assert (refused["name"], refused["status"], refused["error_codes"]) == (SCIM_GROUP, 403, [1234])
    assert "managed by your identity provider" in refused["msg"]
    # ansible-core 2.16 wraps warnings at 80 columns: compare with the line breaks undone
    assert "Cloudflare refused to delete user group 'Okta Contractors' (HTTP 403" in " ".join(run.output.split())
    assert emulator.group_by_name(SCIM_GROUP) is not None and emulator.group_by_name("Engineering") is not None
