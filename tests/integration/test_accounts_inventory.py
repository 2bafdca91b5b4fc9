# -*- coding: utf-8 -*-
"""The cfiam.user_groups.accounts inventory through ``ansible-inventory --list`` against the multi-account emulator.

Every account the credential reaches becomes a host with its variables, in ``cloudflare_accounts`` and the composed
groups; the listing is paginated; the filters select; bad input fails the source before any host is added, naming
the entries or accounts; the token appears in no output, no host variable and no cache file; the cache is used and is
keyed by the credential.
"""
from __future__ import absolute_import, division, print_function

import json
import os

import pytest
import yaml

from accounts_harness import (
    EXAMPLE_ACCOUNTS,
    EXAMPLE_INVENTORY,
    account_id,
    accounts_state,
    example_state,
    hostvars,
    inventory_list,
)

PLUGIN = "cfiam.user_groups.accounts"
TOKEN = "inv-USER-token-7d1c02be55"


@pytest.fixture
def accounts(emulator):
    emulator.set_state(example_state())
    emulator.clear_requests()
    return emulator


def write_source(tmp_path, config, name="test.cloudflare_accounts.yml"):
    data = {"plugin": PLUGIN}
    data.update(config)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return str(path)


def listing(emulator, tmp_path, config=None, env=None, name="test.cloudflare_accounts.yml"):
    return inventory_list(emulator, write_source(tmp_path, config or {}, name), str(tmp_path), env=env)


def api_requests(emulator):
    return [(e["method"], e["path"], e["query"].get("page")) for e in emulator.requests()]


def test_every_account_is_a_host(accounts, tmp_path):
    config = {"keyed_groups": [{"key": "account_type", "prefix": "type"}],
              "groups": {"staging": "account_name is search('Staging')"},
              "compose": {"short_id": "account_id[:8]"}}
    run, data = listing(accounts, tmp_path, config)
    assert run.rc == 0, run
    hosts = hostvars(data)
    assert sorted(hosts) == ["acme_production", "acme_sandbox", "acme_staging", "globex_shared"]
    for k, (name, kind, _zones, _host) in enumerate(EXAMPLE_ACCOUNTS):
        host = hosts[name.lower().replace(" ", "_")]
        assert host == {"account_id": account_id(k), "account_name": name, "account_type": kind,
                        "cloudflare_account_id": account_id(k), "ansible_connection": "local",
                        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                        "short_id": account_id(k)[:8]}
    assert sorted(data["cloudflare_accounts"]["hosts"]) == sorted(hosts)
    assert data["type_enterprise"]["hosts"] == ["acme_production"]
    assert sorted(data["type_standard"]["hosts"]) == ["acme_sandbox", "acme_staging", "globex_shared"]
    assert data["staging"]["hosts"] == ["acme_staging"]
    # one request, GET /accounts, nothing else; and no write
    assert api_requests(accounts) == [("GET", "/client/v4/accounts", "1")]


def test_the_listing_is_read_to_the_last_page(accounts, tmp_path):
    accounts.config(max_per_page=1)
    run, data = listing(accounts, tmp_path)
    assert run.rc == 0, run
    assert len(data["cloudflare_accounts"]["hosts"]) == 4
    pages = [page for _m, _p, page in api_requests(accounts)]
    # page 1 says how many there are; pages 2..4 are then read concurrently, in any order, each once
    assert pages[0] == "1" and sorted(pages) == ["1", "2", "3", "4"], pages


def test_the_example_inventory_selects_the_acme_accounts(accounts, tmp_path):
    run, data = inventory_list(accounts, EXAMPLE_INVENTORY, str(tmp_path))
    assert run.rc == 0, run
    assert sorted(data["cloudflare_accounts"]["hosts"]) == ["acme_production", "acme_sandbox", "acme_staging"]
    assert data["type_enterprise"]["hosts"] == ["acme_production"]


@pytest.mark.parametrize("config, hosts", [
    ({"include_names": ["Acme Staging", "Globex .*"]}, ["acme_staging", "globex_shared"]),
    ({"include_names": ["(?i)acme s.*"], "exclude_names": ["Acme Sandbox"]}, ["acme_staging"]),
    ({"account_ids": [account_id(0), account_id(3).upper()]}, ["acme_production", "globex_shared"]),
    ({"exclude_account_ids": [account_id(0)], "exclude_names": ["Globex Shared"]}, ["acme_sandbox", "acme_staging"]),
], ids=["include names", "include and exclude", "ids", "exclusions only"])
def test_filters(accounts, tmp_path, config, hosts):
    run, data = listing(accounts, tmp_path, config)
    assert run.rc == 0, run
    assert sorted(data["cloudflare_accounts"]["hosts"]) == hosts
    assert sorted(data["_meta"]["hostvars"]) == hosts


@pytest.mark.parametrize("config, expected", [
    ({"include_names": ["Acme Prodution"]},
     ["include_names: 'Acme Prodution' matches no account the credential reaches", "did you mean 'Acme Production'"]),
    ({"exclude_names": ["Initech"]}, ["exclude_names: 'Initech' matches no account", "'Globex Shared'"]),
    ({"account_ids": ["ffffffffffffffffffffffffffffffff"]},
     ["account_ids: the credential does not reach account ffffffffffffffffffffffffffffffff"]),
    ({"exclude_account_ids": ["not-an-id"]}, ["exclude_account_ids: 'not-an-id' is not a Cloudflare account id"]),
    ({"include_names": ["Acme Staging"], "exclude_names": ["Acme .*"]}, ["the filters leave no account"]),
    ({"include_names": ["Nope"], "account_ids": ["0123"]}, ["2 problems", "(1) include_names", "(2) account_ids"]),
    ({"base_url": "http://api.example.com/client/v4"}, ["uses plain http://", "allow_insecure_http"]),
    ({"timeout": 0, "rate_limit": -1}, ["timeout must be greater than 0", "rate_limit must be at least 0"]),
], ids=["unknown name", "unknown exclusion", "unknown id", "malformed id", "nothing left", "every problem",
        "cleartext url", "bad numbers"])
def test_bad_input_fails_before_any_host(accounts, tmp_path, config, expected):
    run, data = listing(accounts, tmp_path, config)
    assert run.rc != 0 and data is None, run
    text = " ".join(run.stderr.split())  # ansible-core wraps long warnings and errors
    assert "%s:" % PLUGIN in text and "no host added" in text, run
    for part in expected:
        assert part in text, (part, run)
    assert accounts.token not in run.output
    assert accounts.writes() == []


def test_a_credential_that_reaches_no_account(accounts, tmp_path):
    accounts.tokens([{"token": TOKEN, "name": "nobody", "accounts": []}])
    run, data = listing(accounts, tmp_path, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc != 0 and data is None, run
    text = " ".join(run.stderr.split())
    assert "the credential reaches no Cloudflare account" in text and "Account Settings Read" in text, run
    assert TOKEN not in run.output


def test_a_wrong_token_is_named_not_shown(accounts, tmp_path):
    run, data = listing(accounts, tmp_path, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc != 0 and data is None, run
    text = " ".join(run.stderr.split())
    assert "cannot list the accounts of the credential" in text and "10000" in text and "HTTP 401" in text, run
    assert TOKEN not in run.output


def test_accounts_with_the_same_name_get_unique_hosts_and_a_warning(emulator, tmp_path):
    specs = [("Acme", "enterprise", ["example.com"]), ("Acme", "standard", ["acme.example"]),
             ("ACME!", "standard", ["acme2.example"]), ("Other", "standard", ["other.example"])]
    emulator.set_state(accounts_state(specs))
    run, data = listing(emulator, tmp_path)
    assert run.rc == 0, run
    ids = [account_id(k) for k in range(3)]
    expected = sorted(["acme_%s" % aid[:8] for aid in ids] + ["other"])
    assert sorted(data["cloudflare_accounts"]["hosts"]) == expected
    for aid in ids:
        assert hostvars(data)["acme_%s" % aid[:8]]["cloudflare_account_id"] == aid
    text = " ".join(run.stderr.split())
    assert "give the same host name 'acme'" in text, run
    for aid in ids:
        assert "(%s)" % aid in text


def test_an_account_owned_token_and_the_global_key(accounts, tmp_path):
    accounts.tokens([{"token": TOKEN, "name": "staging-ci", "type": "account", "accounts": [account_id(1)]}])
    run, data = listing(accounts, tmp_path, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc == 0, run
    assert data["cloudflare_accounts"]["hosts"] == ["acme_staging"]
    run, data = listing(accounts, tmp_path, env={"CLOUDFLARE_API_TOKEN": None, "CLOUDFLARE_EMAIL": accounts.api_email,
                                                 "CLOUDFLARE_API_KEY": accounts.api_key})
    assert run.rc == 0, run
    assert len(data["cloudflare_accounts"]["hosts"]) == 4
    assert accounts.api_key not in run.output


def test_templates_in_the_connection_options(accounts, tmp_path):
    config = {"api_token": "{{ lookup('ansible.builtin.env', 'CFIAM_TEST_SECRET') }}"}
    run, data = listing(accounts, tmp_path, config, env={"CLOUDFLARE_API_TOKEN": None, "CFIAM_TEST_SECRET": TOKEN})
    assert run.rc != 0 and data is None  # the templated token is used: the emulator does not know it
    assert "HTTP 401" in " ".join(run.stderr.split()), run
    assert TOKEN not in run.output
    accounts.tokens([{"token": TOKEN, "name": "templated", "accounts": [account_id(2)]}])
    run, data = listing(accounts, tmp_path, config, env={"CLOUDFLARE_API_TOKEN": None, "CFIAM_TEST_SECRET": TOKEN})
    assert run.rc == 0, run
    assert data["cloudflare_accounts"]["hosts"] == ["acme_sandbox"]
    # written in the file itself (not recommended): used, and still in no output
    verbose = {"CLOUDFLARE_API_TOKEN": None, "ANSIBLE_VERBOSITY": "4", "ANSIBLE_VERBOSE_TO_STDERR": "True"}
    run, data = listing(accounts, tmp_path, {"api_token": TOKEN}, env=verbose)
    assert run.rc == 0 and data["cloudflare_accounts"]["hosts"] == ["acme_sandbox"], run
    assert TOKEN not in run.output


def test_the_token_is_in_no_output_host_variable_or_cache(accounts, tmp_path):
    accounts.tokens([{"token": TOKEN, "name": "user", "accounts": [account_id(k) for k in range(4)]}])
    cache_dir = tmp_path / "cache"
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache_dir),
              "cache_timeout": 3600, "compose": {"everything": "vars"}}
    env = {"CLOUDFLARE_API_TOKEN": TOKEN, "ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log")}
    run, data = listing(accounts, tmp_path, config, env=env)
    assert run.rc == 0, run
    assert len(data["cloudflare_accounts"]["hosts"]) == 4
    # -vvv as well: every output, the log, the cache files
    run_v, _data = inventory_list(accounts, str(tmp_path / "test.cloudflare_accounts.yml"), str(tmp_path),
                                  env=dict(env, ANSIBLE_VERBOSITY="3", ANSIBLE_VERBOSE_TO_STDERR="True"))
    assert run_v.rc == 0, run_v
    texts = {"stdout": run.stdout + run_v.stdout, "stderr": run.stderr + run_v.stderr,
             "hostvars": json.dumps(data["_meta"]["hostvars"])}
    files = [os.path.join(d, f) for d, _s, fs in os.walk(str(tmp_path)) for f in fs]
    cache_files = [f for f in files if f.startswith(str(cache_dir))]
    assert cache_files, files
    for path in files:
        with open(path, errors="replace") as handle:
            texts[path] = handle.read()
    assert [name for name, text in texts.items() if TOKEN in text] == []
    cached = json.loads(texts[cache_files[0]])
    if isinstance(cached, dict) and "__payload__" in cached:  # ansible-core 2.19 wraps what it caches
        cached = json.loads(cached["__payload__"])
    assert sorted(a["name"] for a in cached) == sorted(a[0] for a in EXAMPLE_ACCOUNTS)
    assert set(k for a in cached for k in a) == {"id", "name", "type"}


def test_the_cache_is_used_and_keyed_by_the_credential(accounts, tmp_path):
    other = "inv-OTHER-token-0b8e6c71aa"
    accounts.tokens([{"token": TOKEN, "name": "user", "accounts": [account_id(0), account_id(1)]},
                     {"token": other, "name": "other", "accounts": [account_id(2)]}])
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
              "cache_timeout": 3600}
    run, data = listing(accounts, tmp_path, config, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc == 0 and sorted(data["cloudflare_accounts"]["hosts"]) == ["acme_production", "acme_staging"], run
    assert len(accounts.requests(clear=True)) == 1
    run, data = listing(accounts, tmp_path, config, env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc == 0 and sorted(data["cloudflare_accounts"]["hosts"]) == ["acme_production", "acme_staging"], run
    assert accounts.requests() == []  # served from the cache
    run, data = listing(accounts, tmp_path, config, env={"CLOUDFLARE_API_TOKEN": other})
    assert run.rc == 0 and data["cloudflare_accounts"]["hosts"] == ["acme_sandbox"], run
    assert len(accounts.requests(clear=True)) == 1  # another credential: not this one's cache
    # the filters apply to the cached listing too, and an unknown name is still refused
    run, data = listing(accounts, tmp_path, dict(config, include_names=["Acme Stagin"]),
                        env={"CLOUDFLARE_API_TOKEN": TOKEN})
    assert run.rc != 0 and "did you mean 'Acme Staging'" in " ".join(run.stderr.split()), run
    assert accounts.requests() == []


@pytest.mark.parametrize("name, accepted", [("acme.cfiam.yaml", True), ("acme.yml", False)])
def test_file_names(accounts, tmp_path, name, accepted):
    run, data = listing(accounts, tmp_path, name=name)
    if accepted:
        assert run.rc == 0 and len(data["cloudflare_accounts"]["hosts"]) == 4, run
    else:
        assert run.rc != 0 and accounts.requests() == [], run
