# -*- coding: utf-8 -*-
"""Every module's EXAMPLES run as written: in check mode (nothing written), then for real, every task succeeding.

The tasks of one module's EXAMPLES form one play, in their order, on the demo account plus what the examples name
as already there (``examples_world``: the groups they change by name, the ids they use, a member of the SCIM group
they verify) and the variables they read (``sre_team_emails``, ``cloudflare_account_id``). A new module, or a new
example, is picked up without a change here; an example that names something else must add it to the world.
"""
from __future__ import absolute_import, division, print_function

import ast
import glob
import os

import pytest
import yaml

import builders
from harness import REPO

MODULES = sorted(glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))
CREATED = "2024-03-11T09:15:42.123456Z"
# Groups the examples change by name, and the objects they name by id: (name, id or None)
GROUPS = [("Engineering", None), ("Engineering SRE", None), ("DNS Editors", None), ("Workers Team", None),
          ("Auditors", None), ("SRE", None), ("Legacy Platform", "f234f49f66df4db8864c5189fe78c87f"),
          ("Contractors", "7148c1e4d9f247f5b6dcd3ef20f998f9")]
RESOURCE_GROUP = ("EU zones", "2d5c9a5e1f7b4c3a9e8d7c6b5a4f3e2d", ["example.org"])
SCIM_MEMBER = "luke.skywalker@rebelalliance.net"
VARIABLES = {"sre_team_emails": ["alice@example.com", "bob@example.com"],
             "cloudflare_account_id": builders.DEFAULT_ACCOUNT_ID}


def examples_of(path):
    """The EXAMPLES of a module's documentation file, parsed (no import of the module)."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return yaml.safe_load(node.value.value)
    return None


def examples_world():
    """The demo account with what the examples take as existing."""
    state = builders.demo_state()
    zone_ids = dict((z["name"], z["id"]) for z in state["zones"])
    luke = builders._member(SCIM_MEMBER, "Luke", "Skywalker")  # pylint: disable=protected-access
    state["members"].append(luke)
    scim = [g for g in state["user_groups"] if g["scim"]][0]
    scim["members"].append({"id": luke["id"], "created_at": CREATED})
    for name, gid in GROUPS:
        state["user_groups"].append({"id": gid or builders.hid("example group", name), "name": name, "scim": False,
                                     "created_on": CREATED, "modified_on": CREATED, "policies": [], "members": []})
    name, rg_id, zones = RESOURCE_GROUP
    state["resource_groups"].append({
        "id": rg_id, "name": name, "anonymous": False, "meta": {"editable": "true"},
        "scope": {"key": "com.cloudflare.api.account.%s" % builders.DEFAULT_ACCOUNT_ID,
                  "objects": [{"key": "com.cloudflare.api.account.zone.%s" % zone_ids[z]} for z in zones]},
        "created_on": CREATED, "modified_on": CREATED})
    return state


@pytest.mark.parametrize("path", MODULES, ids=lambda p: os.path.basename(p)[:-3])
def test_module_examples_run(emulator, run_playbook, path):
    tasks = examples_of(path)
    assert isinstance(tasks, list) and tasks, "%s: no EXAMPLES" % path
    emulator.set_state(examples_world())
    emulator.clear_requests()
    run = run_playbook(tasks=tasks, vars=VARIABLES, check=True, diff=True)
    assert run.rc == 0 and not run.failed, [(r["task"], r["result"].get("msg")) for r in run.failed] or run
    assert emulator.writes() == [], emulator.writes()
    run = run_playbook(tasks=tasks, vars=VARIABLES)
    assert run.rc == 0 and not run.failed, [(r["task"], r["result"].get("msg")) for r in run.failed] or run
    names = [t["name"] for t in tasks]
    assert [r["task"] for r in run.records if r["task"] in names] == names, run  # every example ran
