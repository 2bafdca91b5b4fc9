# -*- coding: utf-8 -*-
"""Secrets never leak: every module of the collection, at -vvvv with --diff, successes and failures.

This module runs its own emulator with a distinctive API token and global API
key (the shared fixture's token is the generic ``emulator-token``), overrides
the ``emulator`` fixture with it, and runs ONE playbook that exercises every
module found in plugins/modules/ (a module added later without a task below
still runs, with empty arguments). Failures are included on purpose: a wrong
token (HTTP 401), a wrong global API key, an unknown user group, a bad policy,
an unknown zone. The token, the key and the wrong credentials must appear
nowhere: not in stdout/stderr, not in any task result, not in the emulator's
request log.
"""
from __future__ import absolute_import, division, print_function

import glob
import json
import os
import sys

import pytest

_EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator")
if _EMULATOR_DIR not in sys.path:
    sys.path.insert(0, _EMULATOR_DIR)

from pytest_plugin import EmulatorClient, EmulatorProcess  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS = "cfiam.user_groups."

TOKEN = "cfiam-SECRET-token-7f3e9a1c5b"
API_KEY = "cfiam-SECRET-globalkey-42d8e6"
API_EMAIL = "secrets-test@example.com"
WRONG_TOKEN = "wrong-token-SECRET-1234"
WRONG_KEY = "wrong-key-SECRET-5678"
SECRETS = [TOKEN, API_KEY, WRONG_TOKEN, WRONG_KEY]


@pytest.fixture(scope="module")
def secret_server():
    proc = EmulatorProcess(extra_args=["--token", TOKEN, "--api-email", API_EMAIL, "--api-key", API_KEY])
    client = EmulatorClient(proc.base_url, token=TOKEN, api_email=API_EMAIL, api_key=API_KEY)
    try:
        yield client
    finally:
        proc.stop()


@pytest.fixture
def emulator(secret_server):
    """Overrides the shared fixture for this module: run_playbook then uses these credentials."""
    secret_server.reset()
    return secret_server


def module_names():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py"))
                  if not os.path.basename(p).startswith("_"))


def t(title, module, args, **extra):
    task = {"name": title, NS + module: args, "ignore_errors": True}
    task.update(extra)
    return task


def tasks_for(module, emulator):
    """Successful and failing tasks per known module; modules not known here run with empty arguments."""
    zone_policy = {"permission_groups": ["domain_dns"], "zones": ["example.com"]}
    known = {
        "cf_user_group": [
            t("cf_user_group create", module, {"name": "Secrets Test", "policies": [
                zone_policy, {"permission_groups": ["admin_readonly"]}]}),
            t("cf_user_group bad policy", module, {"name": "Secrets Test", "policies": [
                {"permission_groups": ["no-such-role"], "zones": ["no-such-zone.example"]}]}),
        ],
        "cf_user_group_member": [
            t("cf_user_group_member add", module, {"group": "Secrets Test", "members": ["alice@example.com"]}),
            t("cf_user_group_member unknown group", module, {"group": "No Such Group", "members": ["bob@example.com"]}),
        ],
        "cf_user_group_policy": [
            t("cf_user_group_policy add", module, {"group": "Secrets Test", "policies": [
                {"permission_groups": ["dns"]}]}),
            t("cf_user_group_policy bad policy", module, {"group": "Secrets Test", "policies": [
                {"access": "maybe", "permission_groups": []}]}),
        ],
        "cf_user_group_info": [
            t("cf_user_group_info", module, {"name": "Secrets Test", "include_members": True}),
        ],
        "cf_permission_group_info": [
            t("cf_permission_group_info", module, {"label": "admin"}),
        ],
        "cf_resource_group": [
            t("cf_resource_group create", module, {"name": "Secret zones", "zones": ["example.com", "example.net"]}),
            t("cf_resource_group unknown zone", module, {"name": "Secret zones", "zones": ["nope.example"]}),
        ],
        "cf_resource_group_info": [t("cf_resource_group_info", module, {})],
        "cf_account_member_info": [t("cf_account_member_info", module, {"email": ["alice@example.com"]})],
        "cf_zone_info": [
            t("cf_zone_info", module, {"name": "example.com"}),
            # the legacy global API key path
            t("cf_zone_info global key", module, {"api_token": "", "api_email": API_EMAIL, "api_key": API_KEY}),
            t("cf_zone_info wrong global key", module, {"api_token": "", "api_email": API_EMAIL,
                                                        "api_key": WRONG_KEY}),
        ],
        "cf_user_groups_plan": [
            # the group has 3 policies by then: planning 1 detaches 2 (more than the default max_removal_ratio)
            t("cf_user_groups_plan", module, {"max_removal_ratio": 1, "user_groups": [
                {"name": "Secrets Test", "members": ["alice@example.com", "bob@example.com"],
                 "policies": [zone_policy]}]}),
            t("cf_user_groups_plan bad policy", module, {"user_groups": [
                {"name": "Secrets Plan Only", "policies": [{"permission_groups": ["no-such-role"]}]}]}),
        ],
    }
    return known.get(module) or [t("%s (generic)" % module, module, {})]


def test_no_secret_in_output_results_or_requests(emulator, run_playbook):
    modules = module_names()
    assert "cf_user_group_member" in modules and "cf_resource_group" in modules
    tasks = []
    for module in modules:
        tasks.extend(tasks_for(module, emulator))
    # a wrong token (401) on a read and on a write, given as a module option and through the environment
    tasks.append(t("wrong token option", "cf_user_group_info", {"api_token": WRONG_TOKEN}))
    tasks.append(t("wrong token write", "cf_user_group_member", {
        "api_token": WRONG_TOKEN, "group": "Secrets Test", "members": ["carol@example.com"]}))
    # through module_defaults of the action group (the documented way to pass credentials once per play).
    # Not through the task keyword ``environment:``: ansible-core itself prints that environment in the
    # command line it logs at -vvvv, whatever the module does.
    tasks.append({"name": "wrong token defaults", "block": [t("wrong token env", "cf_zone_info", {})],
                  "module_defaults": {"group/cfiam.user_groups.cloudflare": {"api_token": WRONG_TOKEN}}})

    # ansible-core 2.21 no longer adds ``invocation`` (the module arguments) to task results unless
    # INJECT_INVOCATION is on (older versions ignore the variable): turn it on, so the masked arguments
    # are in the results and in the -vvvv output, and the leak check covers them on every version.
    run = run_playbook(tasks, diff=True, verbosity=4, env={"ANSIBLE_INJECT_INVOCATION": "True"})
    assert run.rc == 0, run

    # every module ran, with at least one task
    ran = set(r["action"].replace(NS, "") for r in run.records)
    assert set(modules) <= ran, set(modules) - ran
    assert len(run.records) == len(tasks), [r["task"] for r in run.records]  # the block holds one task

    # the failures really happened (so the leak check covers the failure paths)
    for title in ("wrong token option", "wrong token write", "wrong token env"):
        assert run.status(title) == "failed", (title, run)
        assert run.task(title).get("status") == 401, run.task(title)
    if "cf_zone_info" in modules:
        assert run.status("cf_zone_info global key") == "ok", run.task("cf_zone_info global key")
        assert run.task("cf_zone_info wrong global key").get("status") == 401
    if "cf_user_group_member" in modules:
        assert run.status("cf_user_group_member unknown group") == "failed"
    if "cf_user_group" in modules:
        assert run.status("cf_user_group create") == "changed", run.task("cf_user_group create")
        assert run.status("cf_user_group bad policy") == "failed"
        assert emulator.group_by_name("Secrets Test") is not None
    if "cf_user_groups_plan" in modules:
        assert run.status("cf_user_groups_plan") != "failed", run.task("cf_user_groups_plan")
        assert run.status("cf_user_groups_plan bad policy") == "failed"
    if "cf_resource_group" in modules:
        assert run.status("cf_resource_group create") == "changed"
        assert run.status("cf_resource_group unknown zone") == "failed"
    # -vvvv shows each invocation; the credentials are masked there
    invocation = run.task("wrong token option")["invocation"]["module_args"]
    assert invocation["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert '"api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.stdout

    # the secrets appear nowhere
    log = emulator.requests()
    assert any(e["status"] == 401 for e in log)
    places = {"stdout": run.stdout, "stderr": run.stderr,
              "task results": json.dumps(run.records), "emulator request log": json.dumps(log)}
    for secret in SECRETS:
        for where, text in places.items():
            assert secret not in text, "%s leaked into %s" % (secret, where)
        # nor a recognisable part of it
        assert secret[-10:] not in run.output


def test_no_secret_in_role_runs_or_ansible_runner_artefacts(emulator, tmp_path):
    """The role at -vvvv --diff through ansible-runner: check mode, a real run through retried faults, a failure
    with a wrong token. Nothing under the runner's artefacts, nor its events, shows a secret."""
    import ansible_runner

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from harness import ansible_bin, ansible_env  # noqa: E402

    project = tmp_path / "project"
    project.mkdir()
    role = {"name": "role", "ansible.builtin.include_role": {"name": NS + "user_groups"}}
    declaration = [{"name": "Secret Role Group", "members": ["alice@example.com"],
                    "policies": [{"permission_groups": ["admin_readonly"]}],
                    "children": [{"name": "Secret Role Child", "members": ["bob@example.com"],
                                  "policies": [{"permission_groups": ["domain_dns"], "zones": ["example.com"]}]}]}]
    for name, token in (("site.yml", TOKEN), ("wrong.yml", WRONG_TOKEN)):
        (project / ("secret-" + name)).write_text(json.dumps({"user_groups_api_token": token}))
        play = {"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [role],
                "vars": {"user_groups": declaration}, "vars_files": ["secret-" + name]}
        (project / name).write_text(json.dumps([play]))
    env = ansible_env(emulator)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    # ansible-runner records its environment in artifacts/<ident>/command, and ansible-playbook -vvvv prints
    # every -e value: the token comes from a vars file of the project (a vaulted file in real life).
    env.pop("CLOUDFLARE_API_TOKEN")
    env["PATH"] = os.path.dirname(ansible_bin("ansible-playbook")) + os.pathsep + env.get("PATH", "")
    # the module arguments in every event, as before ansible-core 2.21 (see the test above)
    env["ANSIBLE_INJECT_INVOCATION"] = "True"
    emulator.faults(rate=0.3, kinds=["429", "500", "drop_after"], retry_after=1, seed=3)

    texts = []
    for ident, playbook, cmdline in (("check", "site.yml", "--check --diff -vvvv"),
                                     ("apply", "site.yml", "--diff -vvvv"),
                                     ("wrong", "wrong.yml", "--diff -vvvv")):
        runner = ansible_runner.run(private_data_dir=str(tmp_path), project_dir=str(project), playbook=playbook,
                                    ident=ident, inventory="localhost", cmdline=cmdline, envvars=env,
                                    quiet=True, json_mode=False)
        expected = "failed" if ident == "wrong" else "successful"
        assert runner.status == expected, (ident, runner.status, runner.stdout.read()[-3000:])
        texts.append(json.dumps(list(runner.events)))
    assert emulator.group_by_name("Secret Role Child") is not None
    assert any(e["fault"] for e in emulator.requests())
    artefacts = tmp_path / "artifacts"
    for path in artefacts.rglob("*"):
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    texts.append(json.dumps(emulator.requests()))
    assert any("Authentication error" in text for text in texts)
    for secret in SECRETS:
        for text in texts:
            assert secret not in text


def forms(secret):
    """Every form a secret can take in a message: raw, stripped, repr- and JSON-escaped, URL-encoded."""
    try:
        from urllib.parse import quote, quote_plus
    except ImportError:  # pragma: no cover
        from urllib import quote, quote_plus  # pylint: disable=no-name-in-module
    out = set()
    for value in (secret, secret.strip()):
        out.update([value, repr(value)[1:-1], json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)])
    return [f for f in out if len(f) >= 8]


def test_odd_secrets_through_every_module_and_the_role(emulator, run_playbook):
    """A token with a trailing newline (a YAML block scalar, a pasted AWX credential) works and is never shown; a
    token with an inner newline is refused without being echoed; tokens with quotes, backslashes, % and + that
    Cloudflare refuses are masked in every form."""
    trailing = TOKEN + "\n"
    inner = "cfiam-SECRET\ninner-token"
    quoted = "wrong\"SECRET'to\\ken%2B+x"
    tasks = []
    for module in module_names():
        for title, token in (("trailing", trailing), ("inner", inner), ("quoted", quoted)):
            args = dict(tasks_for(module, emulator)[0][NS + module])
            args["api_token"] = token
            tasks.append(t("%s %s" % (module, title), module, args))
    tasks.append({"name": "role with a trailing newline", "ansible.builtin.include_role": {
        "name": "cfiam.user_groups.user_groups"}, "vars": {
            "user_groups": [{"name": "Odd Secrets", "members": ["alice@example.com"]}],
            "user_groups_api_token": trailing}})
    run = run_playbook(tasks, diff=True, verbosity=4)
    for module in module_names():
        assert run.status("%s trailing" % module) != "failed", run.task("%s trailing" % module)
        inner_msg = run.task("%s inner" % module)["msg"]
        assert "api_token" in inner_msg and "control character" in inner_msg, inner_msg
        assert run.status("%s quoted" % module) == "failed"
    assert emulator.group_by_name("Odd Secrets") is not None
    text = run.output + json.dumps(run.records) + json.dumps(emulator.requests())
    for secret in (trailing, inner, quoted):
        for form in forms(secret):
            assert form not in text, "a form of a secret leaked: %r" % form
