# -*- coding: utf-8 -*-
"""What a user reads (issue 22, points 5 and 6): a steady-state run prints nothing to act on, every warning comes
once per cause and names its group, the summary is one line, the plan says what it read and what changes, and the
apply loop counts its items."""
from __future__ import absolute_import, division, print_function

import re

from harness import apply_role, make_group, plan_result, role_tasks

DEPRECATED = "Workers Platform Metadata (Read-only)"


def declaration():
    return [{"name": "Platform", "members": ["alice@example.com", "bob@example.com"],
             "policies": [{"permission_groups": [DEPRECATED]}, {"permission_groups": ["Administrator Read Only"]}],
             "children": [{"name": "Platform On-call", "members": ["bob@example.com"]}]},
            {"name": "Finance", "members": ["dave@example.com"]}]


def switches():
    # A purge exclusion that spares a group on every run, and a protected member kept on every run.
    return dict(user_groups_purge=True, user_groups_purge_exclude=["^Keep", "^Okta"],
                user_groups_protected_members=["carol@example.com"])


def warning_lines(run):
    """The [WARNING] texts of the run, each with ansible-core 2.16's line wrapping undone."""
    text = " ".join(run.output.split())
    return re.findall(r"\[WARNING\]: (.*?)(?= \[WARNING\]:| TASK \[| PLAY | ok: | changed: |$)", text)


def show_message(run):
    found = re.findall(r'"msg": "(.*)"', run.stdout)
    assert found, run
    return found[-1]


def test_a_steady_state_run_prints_nothing_to_act_on(emulator, run_playbook):
    make_group(emulator, "Keep Me")
    make_group(emulator, "Finance", ["dave@example.com", "carol@example.com"])
    first = apply_role(run_playbook, declaration(), **switches())
    assert first.rc == 0, first
    # The deprecated role is warned about once in the whole run (plan and write say the same words), naming the group.
    deprecation = [w for w in warning_lines(first) if DEPRECATED in w]
    assert len(deprecation) == 1, warning_lines(first)
    assert deprecation[0].startswith("group 'Platform' policies: permission group '%s'" % DEPRECATED), deprecation
    # The loop counts its items: Platform and Platform On-call are created, Finance loses carol? no: she is
    # protected, so Finance does not change.
    assert "(item=group 1 of 2: Platform)" in first.stdout and "(item=group 2 of 2: Platform On-call)" in first.stdout

    second = apply_role(run_playbook, declaration(), **switches())
    assert second.rc == 0 and second.recap_changed == 0, second
    # Only the cause that persists, once: the deprecated role. The spared group and the kept member are facts of
    # the run, in the progress line and the result, not warnings.
    assert [w for w in warning_lines(second) if DEPRECATED not in w] == [], warning_lines(second)
    plan = plan_result(second)["result"]
    assert re.match(r"account [0-9a-f]{32}: read 5 groups and 5 memberships in \d+\.\d s; no group changes; the "
                    r"purge spares 2 groups \(user_groups_purge_exclude\); 1 protected membership kept "
                    r"\(user_groups_protected_members\)$", plan["progress"]), plan["progress"]
    assert plan["progress"] in second.stdout
    assert show_message(second) == ("account %s: no change: the 3 declared groups already match" % emulator.account_id)
    assert second.role_summary()["message"] == show_message(second)
    assert second.role_summary()["protected"] == {"^Keep": ["Keep Me"], "^Okta": ["Okta Contractors"]}


def test_the_summary_line_says_what_changed_and_the_full_result_is_one_v_away(emulator, run_playbook):
    run = apply_role(run_playbook, declaration(), check=True)
    assert run.rc == 0, run
    message = show_message(run)
    assert message.startswith("account %s: check mode, nothing written: would create 3 (" % emulator.account_id), message
    assert "members: 4 to add, 0 to remove" in message
    assert "read 1 group and 0 memberships" in plan_result(run)["result"]["progress"]
    assert "3 groups change (create 3)" in plan_result(run)["result"]["progress"]
    verbose = run_playbook(tasks=role_tasks(), vars={"user_groups": declaration()}, check=True, verbosity=1)
    assert verbose.rc == 0, verbose
    assert '"removals": {' in verbose.stdout and '"message": "account ' in verbose.stdout, verbose.stdout[-3000:]
