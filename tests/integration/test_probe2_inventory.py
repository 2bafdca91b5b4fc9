# -*- coding: utf-8 -*-
"""Probe 2 of the issue 17 hardening: the accounts inventory next to other inventory sources (a static file, a
second source of this plugin with another token), as AWX inventories with several sources and `-i a -i b` combine
them. Real ansible-inventory / ansible-playbook processes against the emulator; strict xfails reproduce what broke.
"""
from __future__ import absolute_import, division, print_function

import json

import pytest
import yaml

from accounts_harness import account_id, accounts_state, hostvars, run_ansible

PLUGIN = "cfiam.user_groups.accounts"


def source(path, config=None):
    data = {"plugin": PLUGIN}
    data.update(config or {})
    path.write_text(yaml.safe_dump(data))
    return str(path)


def listing(emulator, tmp_path, *inventories, **kwargs):
    args = []
    for inventory in inventories:
        args += ["-i", inventory]
    run = run_ansible(emulator, args + ["--list"], str(tmp_path), tool="ansible-inventory",
                      env=dict({"CLOUDFLARE_ACCOUNT_ID": None}, **kwargs.get("env", {})))
    assert run.rc == 0, run
    return run, json.loads(run.stdout)


STATIC = """\
[web_servers]
db1 ansible_host=192.0.2.10

[prod]
acme ansible_host=192.0.2.11 ansible_connection=ssh ansible_user=deploy
"""


@pytest.mark.xfail(strict=True, reason=(
    "probe2: an account whose host name equals a host of another inventory source (a static file read first: "
    "'-i hosts.ini -i acme.cloudflare_accounts.yml', or an AWX inventory with two sources) is merged into that host: "
    "the real server 'acme' gets ansible_connection=local, ansible_python_interpreter and cloudflare_account_id "
    "of the account 'Acme', so every task of a play on its group 'prod' runs on the controller, and a play on "
    "cloudflare_accounts includes the server. Whoever can rename an account can redirect a server's tasks. Hosts "
    "already in the inventory should be taken names (suffix + warning)."))
def test_an_account_never_takes_over_a_host_of_another_source(emulator, tmp_path):
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"])], scim_in_first=False))
    static = tmp_path / "hosts.ini"
    static.write_text(STATIC)
    _run, data = listing(emulator, tmp_path, str(static), source(tmp_path / "cf.cloudflare_accounts.yml"))
    hosts = hostvars(data)
    server = hosts["acme"]
    assert server.get("ansible_connection") == "ssh" and "cloudflare_account_id" not in server, server
    assert [v["cloudflare_account_id"] for v in hosts.values() if v.get("cloudflare_account_id")] == [account_id(0)]


@pytest.mark.xfail(strict=True, reason=(
    "probe2: an account whose host name equals a group of another source ('Web Servers' -> web_servers, a group of "
    "hosts.ini) is not renamed (only the plugin's own groups are reserved), and InventoryData.set_variable() "
    "prefers a group of that name: the account's variables become GROUP variables of web_servers. Every server of "
    "the group (db1, 192.0.2.10) gets ansible_connection=local and the account's cloudflare_account_id, so a task "
    "aimed at db1 runs on the controller (this test: 'ansible db1 -m command -a touch <marker>' creates the marker "
    "locally); the account host itself has no variables. Whoever can rename an account redirects a whole group's "
    "tasks to the controller. Groups (and hosts) already in the inventory should be taken names."))
def test_an_account_never_shadows_a_group_of_another_source(emulator, tmp_path):
    emulator.set_state(accounts_state([("Prod", "standard", ["a.example"]), ("Web Servers", "standard",
                                                                             ["b.example"])], scim_in_first=False))
    static = tmp_path / "hosts.ini"
    static.write_text(STATIC)
    cf = source(tmp_path / "cf.cloudflare_accounts.yml")
    _run, data = listing(emulator, tmp_path, str(static), cf)
    hosts = hostvars(data)
    marker = tmp_path / "ran-on-the-controller"
    adhoc = run_ansible(emulator, ["-i", str(static), "-i", cf, "db1", "-m", "ansible.builtin.command", "-a",
                                   "touch %s" % marker], str(tmp_path), tool="ansible",
                        env={"CLOUDFLARE_ACCOUNT_ID": None, "ANSIBLE_TIMEOUT": "2", "ANSIBLE_HOST_KEY_CHECKING": "0"})
    assert not marker.exists(), "a task for db1 (192.0.2.10) ran on the controller:\n%s" % adhoc.stdout[-1500:]
    assert "cloudflare_account_id" not in hosts["db1"] and hosts["db1"].get("ansible_connection") != "local", \
        hosts["db1"]
    ids = sorted(v["cloudflare_account_id"] for h, v in hosts.items() if h not in ("acme", "db1")
                 and v.get("cloudflare_account_id"))
    assert ids == sorted([account_id(0), account_id(1)]), hosts


@pytest.mark.xfail(strict=True, reason=(
    "probe2: two sources of this plugin in one inventory (two tokens, e.g. an AWX inventory with one source per "
    "organisation) that each reach an account named 'Acme' give both accounts the host 'acme': the second source "
    "overwrites the first one's variables, so ansible-inventory --list (an AWX sync) shows one host for two "
    "accounts and no warning; the first account is silently never managed. Host names must stay unique across "
    "sources (suffix as for a collision within one source, with the warning)."))
def test_two_sources_with_same_named_accounts_keep_both(emulator, tmp_path):
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"]), ("Acme", "enterprise", ["b.example"])],
                                      scim_in_first=False))
    emulator.tokens([{"token": "probe2-one-0123456789", "name": "one", "accounts": [account_id(0)]},
                     {"token": "probe2-two-0123456789", "name": "two", "accounts": [account_id(1)]}])
    folder = tmp_path / "inventory"
    folder.mkdir()
    source(folder / "one.cloudflare_accounts.yml", {"api_token": "probe2-one-0123456789"})
    source(folder / "two.cloudflare_accounts.yml", {"api_token": "probe2-two-0123456789"})
    _run, data = listing(emulator, tmp_path, str(folder))
    ids = sorted(v.get("cloudflare_account_id") for v in hostvars(data).values())
    assert ids == sorted([account_id(0), account_id(1)]), hostvars(data)


def test_the_same_account_through_two_sources_is_one_host(emulator, tmp_path):
    """What held: two sources reaching the same account (one id) agree on one host, no duplicate."""
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"])], scim_in_first=False))
    folder = tmp_path / "inventory"
    folder.mkdir()
    source(folder / "one.cloudflare_accounts.yml")
    source(folder / "two.cloudflare_accounts.yml")
    _run, data = listing(emulator, tmp_path, str(folder))
    assert sorted(hostvars(data)) == ["acme"]
    assert hostvars(data)["acme"]["cloudflare_account_id"] == account_id(0)
