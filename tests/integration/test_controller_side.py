# -*- coding: utf-8 -*-
"""The modules run in the controller process: what that changes and what it must not change.

Argument errors read exactly as AnsibleModule's, environment fallbacks see the task's ``environment:``, a
controller without ``requests`` gets a message that says how to fix it, and no module process is started.
"""
from __future__ import absolute_import, division, print_function

import os
import re
import sys

MOD = "cfiam.user_groups.cf_user_group"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def task(title, module=MOD, **params):
    return {"name": title, module: params, "ignore_errors": True}


def test_argument_errors_read_as_ansible_modules(emulator, run_playbook):
    run = run_playbook([
        task("unknown option", name="X", colour="blue"),
        task("wrong type", name="X", exclusive_members="perhaps"),
        task("bad choice", name="X", state="gone"),
        task("none of", module="cfiam.user_groups.cf_user_group_member", members=[]),
        task("both", module="cfiam.user_groups.cf_user_group_member", group="X", group_id="0" * 32, members=[]),
        task("together", name="X", api_email="someone@example.com"),
    ])
    names = ("unknown option", "wrong type", "bad choice", "none of", "both", "together")
    msgs = dict((t, run.task(t)["msg"]) for t in names)
    assert msgs["unknown option"].startswith(
        "Unsupported parameters for (cfiam.user_groups.cf_user_group) module: colour. Supported parameters include:")
    assert "exclusive_members" in msgs["wrong type"] and "bool" in msgs["wrong type"]
    assert msgs["bad choice"] == "value of state must be one of: present, absent, got: gone"
    assert msgs["none of"] == "one of the following is required: group, group_id"
    assert msgs["both"] == "parameters are mutually exclusive: group|group_id"
    assert msgs["together"] == "parameters are required together: api_email, api_key"
    assert emulator.requests() == []


def test_environment_fallbacks_see_the_task_environment(emulator, run_playbook):
    """CLOUDFLARE_* set with the task's `environment:` keyword reach the options, as they reached a module."""
    info = {"name": "with task environment", "cfiam.user_groups.cf_zone_info": {},
            "environment": {"CLOUDFLARE_ACCOUNT_ID": emulator.account_id}}
    run = run_playbook([info], env={"CLOUDFLARE_ACCOUNT_ID": None})
    assert run.rc == 0, run
    assert run.task("with task environment")["zones"]


def test_no_module_process_is_started(emulator, run_playbook, tmp_path):
    """The interpreter set for hosts is never run: the whole task runs in the controller."""
    marker = tmp_path / "started"
    wrapper = tmp_path / "python"
    wrapper.write_text("#!/bin/sh\ntouch %s\nexec %s \"$@\"\n" % (marker, sys.executable))
    wrapper.chmod(0o755)
    run = run_playbook([{"name": "create", MOD: {"name": "Controller side"}}],
                       env={"ANSIBLE_PYTHON_INTERPRETER": str(wrapper)})
    assert run.rc == 0, run
    assert emulator.group_by_name("Controller side") is not None
    assert not marker.exists()


def test_missing_requests_names_the_interpreter_and_the_fix(emulator, run_playbook, tmp_path):
    shadow = tmp_path / "shadow"
    (shadow / "requests").mkdir(parents=True)
    (shadow / "requests" / "__init__.py").write_text("raise ImportError('No module named requests (test)')\n")
    pythonpath = os.pathsep.join([str(shadow)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    run = run_playbook([{"name": "create", MOD: {"name": "No requests"}}], env={"PYTHONPATH": pythonpath})
    assert run.rc != 0
    msg = run.task("create")["msg"]
    assert "requests" in msg and "pip install requests" in msg, msg
    named = re.search(r"in the controller's Python \(([^)]+)\)", msg)
    # the controller's interpreter (a venv reached through a symlink is named by the path it was started with)
    assert named and os.path.realpath(named.group(1)) == os.path.realpath(sys.executable), msg
    assert "'%s -m pip install requests'" % named.group(1) in msg, msg
    assert emulator.requests() == []


def shadowed_requests_env(tmp_path):
    """PYTHONPATH with a ``requests`` package that fails to import, first."""
    shadow = tmp_path / "shadow"
    (shadow / "requests").mkdir(parents=True)
    (shadow / "requests" / "__init__.py").write_text("raise ImportError('No module named requests (test)')\n")
    return {"PYTHONPATH": os.pathsep.join([str(shadow)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                           if p])}


def test_every_plugin_reports_a_missing_requests(emulator, run_playbook, tmp_path):
    """Every action plugin and the inventory plugin load without ``requests`` and say how to install it."""
    from accounts_harness import run_ansible  # pylint: disable=import-outside-toplevel

    env = shadowed_requests_env(tmp_path)
    modules = sorted(os.path.splitext(name)[0] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
                     if name.endswith(".py") and name != "__init__.py")
    run = run_playbook([{"name": m, "cfiam.user_groups." + m: {}, "ignore_errors": True} for m in modules], env=env)
    for module in modules:
        assert run.status(module) == "failed", (module, run)
        msg = run.task(module)["msg"]
        assert msg.startswith("cfiam.user_groups.%s runs in the Ansible controller and needs the Python library "
                              "'requests'" % module) and "-m pip install requests" in msg, msg
    source = tmp_path / "test.cloudflare_accounts.yml"
    source.write_text("plugin: cfiam.user_groups.accounts\n")
    inventory = run_ansible(emulator, ["-i", str(source), "--list"], str(tmp_path), env=env, tool="ansible-inventory")
    assert inventory.rc != 0, inventory
    assert "cfiam.user_groups.accounts needs the Python library 'requests'" in inventory.output, inventory
    assert emulator.requests() == []
