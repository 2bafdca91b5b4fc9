# -*- coding: utf-8 -*-
"""Issue 17, point 1: no account host may be named like a group of the inventory (``all``, ``ungrouped``, the
plugin's group, any keyed, composed or ``groups`` group) nor ``localhost``. Such accounts get the start of their id
appended, with a warning; ``ansible-inventory --list`` shows every account, and a play on ``cloudflare_accounts``
runs on every account."""
from __future__ import absolute_import, division, print_function

import json

import pytest
import yaml

from accounts_harness import account_id, accounts_state, hostvars, inventory_list, run_ansible

PLUGIN = "cfiam.user_groups.accounts"


def write_source(tmp_path, config=None):
    data = {"plugin": PLUGIN}
    data.update(config or {})
    path = tmp_path / "test.cloudflare_accounts.yml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def state(names):
    return accounts_state([(name, kind, ["zone%d.example" % k]) for k, (name, kind) in enumerate(names)],
                          scim_in_first=False)


def every_host(data):
    """Every host ansible-inventory lists, whichever group it is in."""
    hosts = set(data["_meta"]["hostvars"])
    for name, group in data.items():
        if name != "_meta":
            hosts.update(group.get("hosts") or [])
    return hosts


CASES = [
    # (account name, account type, inventory config, the name it would have taken)
    ("All", "standard", {}, "all"),
    ("Ungrouped", "standard", {}, "ungrouped"),
    ("Cloudflare Accounts", "standard", {}, "cloudflare_accounts"),
    ("LOCALHOST", "standard", {}, "localhost"),
    ("Type Enterprise", "standard", {"keyed_groups": [{"key": "account_type", "prefix": "type"}]}, "type_enterprise"),
    ("Staging", "standard", {"groups": {"staging": "account_name is search('Acme')"}}, "staging"),
    ("Nobody", "standard", {"groups": {"nobody": "false"}}, "nobody"),  # a groups entry no account joins
    ("Account %s" % account_id(1), "standard", {"keyed_groups": [{"key": "account_id", "prefix": "account"}]},
     "account_%s" % account_id(1)),
]


@pytest.mark.parametrize("name, kind, config, taken", CASES, ids=[c[3][:20] for c in CASES])
def test_a_group_name_is_never_a_host_name(emulator, tmp_path, name, kind, config, taken):
    emulator.set_state(state([("Acme Production", "enterprise"), (name, kind), ("Acme Staging", "standard")]))
    run, data = inventory_list(emulator, write_source(tmp_path, config), str(tmp_path))
    assert run.rc == 0, run
    hosts = hostvars(data)
    renamed = "%s_%s" % (taken, account_id(1)[:8])
    assert sorted(hosts) == sorted(["acme_production", "acme_staging", renamed]), sorted(hosts)
    assert hosts[renamed]["cloudflare_account_id"] == account_id(1) and hosts[renamed]["account_name"] == name
    assert sorted(data["cloudflare_accounts"]["hosts"]) == sorted(hosts)
    assert every_host(data) == set(hosts)
    assert taken not in data["_meta"]["hostvars"]
    text = " ".join(run.stderr.split())
    assert "the host name '%s' of the account '%s' (%s) is a group or reserved name" % (taken, name, account_id(1)) \
        in text, run
    assert renamed in text


def test_an_account_named_all_does_not_hide_the_others(emulator, tmp_path):
    """Before: 'All' became the host 'all' and ansible-inventory --list (an AWX sync) showed one host of four."""
    names = [("Acme Production", "enterprise"), ("All", "standard"), ("Acme Staging", "standard"),
             ("Acme Sandbox", "standard")]
    emulator.set_state(state(names))
    run, data = inventory_list(emulator, write_source(tmp_path), str(tmp_path))
    assert run.rc == 0, run
    assert len(every_host(data)) == 4 and len(data["cloudflare_accounts"]["hosts"]) == 4


def test_a_play_on_cloudflare_accounts_reaches_every_account(emulator, tmp_path):
    """Before: an account named 'Cloudflare Accounts' became a host that hosts: cloudflare_accounts resolved to."""
    names = [("Acme Production", "enterprise"), ("Cloudflare Accounts", "standard"), ("Acme Staging", "standard")]
    emulator.set_state(state(names))
    inventory = write_source(tmp_path)
    (tmp_path / "site.yml").write_text(
        "- hosts: cloudflare_accounts\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug:\n        msg: \"account {{ cloudflare_account_id }}\"\n")
    run = run_ansible(emulator, ["-i", inventory, "site.yml"], str(tmp_path))
    assert run.rc == 0, run
    recap = run.recap()
    assert sorted(recap) == sorted(["acme_production", "acme_staging", "cloudflare_accounts_%s" % account_id(1)[:8]])
    for k in range(3):
        assert "account %s" % account_id(k) in run.stdout
    assert json.dumps(recap)  # one line per account in the recap, all ok
    assert all(counts["ok"] == 1 and counts["failed"] == 0 for counts in recap.values()), recap


# --------------------------------------------------------------------------- next to other inventory sources
def source(path, config=None):
    data = {"plugin": PLUGIN}
    data.update(config or {})
    path.write_text(yaml.safe_dump(data))
    return str(path)


def listing(emulator, tmp_path, *inventories):
    args = []
    for inventory in inventories:
        args += ["-i", inventory]
    run = run_ansible(emulator, args + ["--list"], str(tmp_path), tool="ansible-inventory",
                      env={"CLOUDFLARE_ACCOUNT_ID": None})
    assert run.rc == 0, run
    return run, json.loads(run.stdout)


STATIC = """\
[web_servers]
db1 ansible_host=192.0.2.10

[prod]
acme ansible_host=192.0.2.11 ansible_connection=ssh ansible_user=deploy
"""


def test_an_account_never_takes_over_a_host_of_another_source(emulator, tmp_path):
    """Before: the account 'Acme' merged into the static host 'acme' of hosts.ini (read first): the server got
    ansible_connection=local and the account's cloudflare_account_id, so its tasks ran on the controller."""
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"])], scim_in_first=False))
    static = tmp_path / "hosts.ini"
    static.write_text(STATIC)
    run, data = listing(emulator, tmp_path, str(static), source(tmp_path / "cf.cloudflare_accounts.yml"))
    hosts = hostvars(data)
    server = hosts["acme"]
    assert server.get("ansible_connection") == "ssh" and "cloudflare_account_id" not in server, server
    renamed = "acme_%s" % account_id(0)[:8]
    assert hosts[renamed]["cloudflare_account_id"] == account_id(0)
    assert [h for h, v in hosts.items() if v.get("cloudflare_account_id")] == [renamed]
    assert sorted(data["cloudflare_accounts"]["hosts"]) == [renamed]
    text = " ".join(run.stderr.split())
    assert "the host name 'acme' of the account 'Acme' (%s) is already a host or group of the inventory" \
        % account_id(0) in text, run


def test_an_account_never_shadows_a_group_of_another_source(emulator, tmp_path):
    """Before: 'Web Servers' became web_servers, a group of hosts.ini, and the account's variables became GROUP
    variables: every server of the group got ansible_connection=local (a task for db1 ran on the controller)."""
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
    assert sorted(h for h, v in hosts.items() if v.get("cloudflare_account_id")) == \
        ["prod_%s" % account_id(0)[:8], "web_servers_%s" % account_id(1)[:8]]
    assert sorted(data["web_servers"]["hosts"]) == ["db1"] and sorted(data["prod"]["hosts"]) == ["acme"]


def test_two_sources_with_same_named_accounts_keep_both(emulator, tmp_path):
    """Before: two sources (two tokens) that each reach an account named 'Acme' gave both the host 'acme': the second
    overwrote the first, and one account was silently never managed."""
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"]), ("Acme", "enterprise", ["b.example"])],
                                      scim_in_first=False))
    emulator.tokens([{"token": "inventory-one-0123456789", "name": "one", "accounts": [account_id(0)]},
                     {"token": "inventory-two-0123456789", "name": "two", "accounts": [account_id(1)]}])
    folder = tmp_path / "inventory"
    folder.mkdir()
    source(folder / "one.cloudflare_accounts.yml", {"api_token": "inventory-one-0123456789"})
    source(folder / "two.cloudflare_accounts.yml", {"api_token": "inventory-two-0123456789"})
    run, data = listing(emulator, tmp_path, str(folder))
    hosts = hostvars(data)
    assert dict((h, v["cloudflare_account_id"]) for h, v in hosts.items()) == {
        "acme": account_id(0), "acme_%s" % account_id(1)[:8]: account_id(1)}
    assert "inventory-one" not in run.stderr + run.stdout and "inventory-two" not in run.stderr + run.stdout


def test_the_same_account_through_two_sources_is_one_host(emulator, tmp_path):
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"])], scim_in_first=False))
    folder = tmp_path / "inventory"
    folder.mkdir()
    source(folder / "one.cloudflare_accounts.yml")
    source(folder / "two.cloudflare_accounts.yml", {"host_name_prefix": "cf_"})
    run, data = listing(emulator, tmp_path, str(folder))
    assert sorted(hostvars(data)) == ["acme"]
    assert hostvars(data)["acme"]["cloudflare_account_id"] == account_id(0)
    assert "already a host or group" not in run.stderr


def test_host_name_prefix_keeps_account_hosts_apart_from_a_later_source(emulator, tmp_path):
    """The documented limit: a source read after this one is not seen. With host_name_prefix no name can meet."""
    emulator.set_state(accounts_state([("Acme", "standard", ["a.example"])], scim_in_first=False))
    static = tmp_path / "hosts.ini"
    static.write_text(STATIC)
    cf = source(tmp_path / "cf.cloudflare_accounts.yml", {"host_name_prefix": "cf_"})
    _run, data = listing(emulator, tmp_path, cf, str(static))
    hosts = hostvars(data)
    assert hosts["cf_acme"]["cloudflare_account_id"] == account_id(0)
    assert hosts["acme"].get("ansible_connection") == "ssh" and "cloudflare_account_id" not in hosts["acme"]


def test_a_bad_host_name_prefix_fails_the_source_before_any_request(emulator, tmp_path):
    emulator.clear_requests()
    cf = source(tmp_path / "cf.cloudflare_accounts.yml", {"host_name_prefix": "CF-"})
    run = run_ansible(emulator, ["-i", cf, "--list"], str(tmp_path), tool="ansible-inventory",
                      env={"CLOUDFLARE_ACCOUNT_ID": None, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    assert run.rc != 0
    assert "host_name_prefix must be lower-case letters" in " ".join(run.stderr.split()), run
    assert emulator.requests() == []


def test_servers_in_a_group_named_like_the_plugin_group_are_named(emulator, tmp_path):
    """Another source read first has a group cloudflare_accounts with a server in it: the accounts join that group
    (Ansible merges groups by name), so a play on it would run on the server too; a warning names the server."""
    emulator.set_state(state([("Prod", "standard")]))
    static = tmp_path / "hosts.ini"
    static.write_text("[cloudflare_accounts]\nweb1 ansible_host=192.0.2.12\n")
    run, data = listing(emulator, tmp_path, str(static), source(tmp_path / "cf.cloudflare_accounts.yml"))
    assert sorted(data["cloudflare_accounts"]["hosts"]) == ["prod", "web1"]
    assert "cloudflare_account_id" not in hostvars(data)["web1"]
    text = " ".join(run.stderr.split())
    assert "the group cloudflare_accounts also holds 1 host(s) that are no Cloudflare account (web1)" in text, text


def test_no_warning_when_the_plugin_group_holds_account_hosts_only(emulator, tmp_path):
    emulator.set_state(state([("Prod", "standard"), ("Dev", "standard")]))
    static = tmp_path / "hosts.ini"
    static.write_text("[web_servers]\nweb1 ansible_host=192.0.2.12\n")
    cfg = {"keyed_groups": [{"key": "account_type", "prefix": "type"}]}
    run, _data = listing(emulator, tmp_path, str(static), source(tmp_path / "a.cloudflare_accounts.yml", cfg),
                         source(tmp_path / "b.cloudflare_accounts.yml", cfg))
    assert "that are no Cloudflare account" not in run.stderr, run.stderr
