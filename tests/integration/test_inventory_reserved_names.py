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
