# -*- coding: utf-8 -*-
"""Messages lead with the likely fix (real ansible-playbook runs against the emulator).

* A wrong account id without an inventory (Cloudflare answers 403 code 9109): the message starts with "Set account_id
  (or CLOUDFLARE_ACCOUNT_ID) to an account the credential reaches" and lists them by name and id, read with exactly
  one more request (GET /accounts) on that failure path; no inventory advice.
* The same account id from the host variable cloudflare_account_id (the accounts inventory): "Refresh the inventory"
  first, and no GET /accounts.
* No account at all on localhost: one short sentence, the fix first, no request.
* A one-letter typo in a short email local part gets a "did you mean", and nothing is written.
"""
from __future__ import absolute_import, division, print_function

import builders
from harness import task

WRONG = "0123456789abcdef0123456789abcdee"  # the demo account's id with one character changed
READ = [task("cf_user_group_info", "Read the groups")]


def failure(run):
    [record] = run.failed
    return record["result"]


def test_wrong_account_id_lists_the_accounts_the_token_reaches(emulator, run_playbook):
    run = run_playbook(tasks=READ, env={"CLOUDFLARE_ACCOUNT_ID": WRONG})
    result = failure(run)
    msg = result["msg"]
    expected = ("Failed to list the user groups: Set account_id (or CLOUDFLARE_ACCOUNT_ID) to an account the "
                "credential reaches: 'Demo Account' (%s); it cannot see account %s. [9109]"
                % (builders.DEFAULT_ACCOUNT_ID, WRONG))
    assert msg.startswith(expected), msg
    assert "inventory" not in msg, msg
    assert result["error_codes"] == [9109] and result["status"] == 403
    log = emulator.requests()
    assert [(e["method"], e["path"].split("/client/v4")[-1], e["status"]) for e in log] == [
        ("GET", "/accounts/%s/iam/user_groups" % WRONG, 403), ("GET", "/accounts", 200)]
    assert result["api_requests"]["total"] == 2


def test_only_the_accounts_of_the_token_are_listed(emulator, run_playbook):
    emulator.set_state(builders.accounts_state(builders.ACME_ACCOUNTS))
    reach = [builders.example_account_id(k) for k in (1, 2)]
    emulator.tokens([{"token": "two-accounts-token", "name": "two", "accounts": reach}])
    emulator.clear_requests()
    run = run_playbook(tasks=READ, env={"CLOUDFLARE_API_TOKEN": "two-accounts-token"})  # the default account: 9109
    msg = failure(run)["msg"]
    for name, aid in zip(("Acme Staging", "Acme Sandbox"), reach):
        assert "'%s' (%s)" % (name, aid) in msg, msg
    assert "Acme Production" not in msg and "Globex" not in msg, msg
    assert "two-accounts-token" not in run.output


def test_account_from_the_inventory_says_refresh_it(emulator, run_playbook):
    run = run_playbook(tasks=READ, vars={"cloudflare_account_id": WRONG}, env={"CLOUDFLARE_ACCOUNT_ID": None})
    msg = failure(run)["msg"]
    assert msg.startswith("Failed to list the user groups: Refresh the inventory (ansible-inventory --graph, or the "
                          "inventory sync in AWX): the credential no longer reaches account %s of host 'localhost'"
                          % WRONG), msg
    assert "Set account_id" not in msg
    assert [e["path"].split("/client/v4")[-1] for e in emulator.requests()] == ["/accounts/%s/iam/user_groups" % WRONG]


def test_no_account_is_one_short_sentence(emulator, run_playbook):
    run = run_playbook(tasks=READ, env={"CLOUDFLARE_ACCOUNT_ID": None})
    msg = failure(run)["msg"]
    assert msg == ("Failed to list the user groups: Invalid connection settings: no Cloudflare account: set "
                   "CLOUDFLARE_ACCOUNT_ID or account_id (the task option, module_defaults, or user_groups_account_id "
                   "for the role)"), msg
    assert emulator.requests() == []


def test_a_typo_in_a_short_email_gets_a_suggestion(emulator, run_playbook):
    run = run_playbook(tasks=[task("cf_user_group", "A group with a typo", name="Typo", members=["bop@example.com"])])
    msg = failure(run)["msg"]
    assert "bop@example.com" in msg and "did you mean 'bob@example.com'?" in msg, msg
    assert emulator.writes() == []
