# -*- coding: utf-8 -*-
"""Every example in README.md and playbooks/ runs: in check mode on an empty account, then for real, then again
with no change and no write (playbooks/multi_account: on every account of its inventory).

An "empty account" is the emulator's demo account without user groups, except the group its identity provider
pushed (SCIM groups exist before any run: the provider makes them, not the user).
"""
from __future__ import absolute_import, division, print_function

import os
import re

import pytest
import yaml

from accounts_harness import EXAMPLE_DIR, account_id, example_state, run_ansible

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(REPO, "README.md")
PLAYBOOKS = os.path.join(REPO, "playbooks")
SCIM_GROUP = "Okta Contractors"


def empty_account(emulator):
    state = emulator.state()
    state["user_groups"] = [g for g in state["user_groups"] if g["name"] == SCIM_GROUP]
    emulator.set_state(state)
    emulator.clear_requests()


def readme_examples():
    """(title, play list) for every YAML example of the README: whole plays, and policy snippets in a task."""
    examples = []
    with open(README) as handle:
        text = handle.read()
    for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
        data = yaml.safe_load(block)
        if isinstance(data, list) and data and isinstance(data[0], dict) and "hosts" in data[0]:
            examples.append(("README block %d (%s)" % (index, data[0].get("name") or "play"), data))
        elif isinstance(data, dict) and "policies" in data:
            examples.append(("README block %d (policies)" % index, [{
                "name": "README policies example", "hosts": "localhost", "connection": "local",
                "gather_facts": False, "tasks": [{"name": "Apply the example's policies",
                                                  "cfiam.user_groups.cf_user_group": {
                                                      "name": "README policies example",
                                                      "policies": data["policies"]}}]}]))
    return examples


def three_runs(run_playbook, emulator, playbook, extra_vars=None, setup=None):
    empty_account(emulator)
    run = run_playbook(playbook=playbook, check=True, diff=True, extra_vars=extra_vars)
    assert run.rc == 0, run
    assert emulator.writes() == []
    for step in setup or []:
        assert run_playbook(playbook=step).rc == 0
    run = run_playbook(playbook=playbook, extra_vars=extra_vars)
    assert run.rc == 0, run
    emulator.clear_requests()
    run = run_playbook(playbook=playbook, extra_vars=extra_vars)
    assert run.rc == 0, run
    assert run.recap_changed == 0, run
    assert emulator.writes() == []
    return run


@pytest.mark.parametrize("title, plays", readme_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_readme_example(emulator, run_playbook, tmp_path, title, plays):
    path = str(tmp_path / "example.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(plays, handle)
    assert title
    three_runs(run_playbook, emulator, path)


def test_readme_has_examples():
    titles = [title for title, _plays in readme_examples()]
    assert len(titles) >= 3, titles  # quick start, the role, the policy formats


@pytest.mark.parametrize("name, extra_vars, setup", [
    ("create_group.yml", None, None),
    ("attach_policy.yml", None, ["create_group.yml"]),
    ("reset_policies.yml", None, ["create_group.yml", "attach_policy.yml"]),
    ("review_permission_groups.yml", None, None),
    ("verify_scim_groups.yml", None, None),
    ("demo.yml", None, None),
])
def test_playbook_example(emulator, run_playbook, name, extra_vars, setup):
    three_runs(run_playbook, emulator, os.path.join(PLAYBOOKS, name), extra_vars,
               [os.path.join(PLAYBOOKS, s) for s in setup or []])


@pytest.mark.parametrize("name", ["site.yml", "export.yml"])
def test_multi_account_playbook_example(emulator, tmp_path, name):
    """playbooks/multi_account as committed, run from its directory (its ansible.cfg and inventory) over the example's
    accounts without groups: check mode writes nothing, the real run converges, the next run changes nothing.
    The export writes its declarations into tmp_path, never into the example."""
    emulator.set_state(example_state())
    emulator.clear_requests()
    extra = ["-e", "user_groups_export_dir=%s" % tmp_path] if name == "export.yml" else []
    hosts = ["acme_production", "acme_sandbox", "acme_staging"]
    run = run_ansible(emulator, [name, "--check", "--diff"] + extra, EXAMPLE_DIR)
    assert run.rc == 0 and sorted(run.recap()) == hosts, run
    assert emulator.writes() == [] and os.listdir(str(tmp_path)) == []
    run = run_ansible(emulator, [name] + extra, EXAMPLE_DIR)
    assert run.rc == 0 and run.changed_hosts() == hosts, run
    if name == "export.yml":  # one file per account id; the next run finds the same content and writes nothing
        assert sorted(os.listdir(str(tmp_path))) == sorted("account_%s.yml" % account_id(k) for k in range(3))
    emulator.clear_requests()
    run = run_ansible(emulator, [name] + extra, EXAMPLE_DIR)
    assert run.rc == 0 and run.changed_hosts() == [], run
    assert emulator.writes() == []


def playbooks_under(directory):
    """Every playbook below ``directory``: a YAML list of plays (vars files and inventory sources are not)."""
    found = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if name.endswith(".yml"):
                with open(os.path.join(root, name)) as handle:
                    data = yaml.safe_load(handle)
                if isinstance(data, list) and data and isinstance(data[0], dict) and "hosts" in data[0]:
                    found.append(os.path.relpath(os.path.join(root, name), directory))
    return set(found)


def test_every_playbook_is_tested():
    tested = set(["create_group.yml", "attach_policy.yml", "reset_policies.yml", "review_permission_groups.yml",
                  "verify_scim_groups.yml", "demo.yml", "export.yml",  # export.yml: test_playbooks.py
                  "apply.yml",  # its header's commands: test_doc_commands.py
                  "multi_account/site.yml", "multi_account/export.yml",  # also test_multi_account.py
                  "access_report.yml", "multi_account/access_report.yml"])  # test_access_report.py
    assert playbooks_under(PLAYBOOKS) <= tested
    assert playbooks_under(PLAYBOOKS) >= set(["demo.yml", "multi_account/site.yml"])  # the walk finds them
