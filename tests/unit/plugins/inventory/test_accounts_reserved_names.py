# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host names never equal a group or reserved name of the inventory (issue 17, point 1): the pure rule."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.inventory import accounts as inv

A = "0123456789abcdef0123456789abcdef"
B = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
C = "1f2e3d4c00000000000000000000000c"


def account(account_id, name):
    return {"id": account_id, "name": name, "type": "standard"}


@pytest.mark.parametrize("name, taken", [("All", "all"), ("UNGROUPED", "ungrouped"), ("Localhost", "localhost"),
                                         ("Cloudflare Accounts", "cloudflare_accounts"),
                                         ("cloudflare-accounts", "cloudflare_accounts")])
def test_ansible_names_and_the_plugin_group_are_never_host_names(name, taken):
    names, warnings = inv.assign_hostnames([account(A, name), account(B, "Other")])
    assert names == {A: "%s_01234567" % taken, B: "other"}
    assert len(warnings) == 1
    assert ("the host name '%s' of the account '%s' (%s) is a group or reserved name" % (taken, name, A)
            in warnings[0])
    assert "it ends with the start of the account id instead: %s_01234567" % taken in warnings[0]


def test_the_config_groups_are_reserved_too():
    reserved = inv.reserved_names(["type_enterprise", "Staging", "account_" + B])
    accounts = [account(A, "Type Enterprise"), account(B, "staging"), account(C, "Account " + B)]
    names, warnings = inv.assign_hostnames(accounts, reserved)
    assert names == {A: "type_enterprise_01234567", B: "staging_1f2e3d4c", C: "account_%s_1f2e3d4c" % B}
    assert len(warnings) == 3


def test_a_reserved_name_shared_by_several_accounts():
    names, warnings = inv.assign_hostnames([account(A, "All"), account(B, "ALL"), account(C, "Other")])
    assert names == {A: "all_01234567", B: "all_1f2e3d4c", C: "other"}
    assert len(warnings) == 1 and "they end with" in warnings[0] and "'All' (%s), 'ALL' (%s)" % (A, B) in warnings[0]


def test_a_suffixed_name_that_is_reserved_grows_until_it_is_free():
    reserved = inv.reserved_names(["all_01234567", "all_012345678901"])
    names, _warnings = inv.assign_hostnames([account(A, "All")], reserved)
    assert names == {A: "all_0123456789ab"}  # 8 characters, then 12: free
    assert names[A] not in reserved


def test_a_plain_account_never_changes_because_of_reserved_names():
    names, warnings = inv.assign_hostnames([account(A, "Acme Production")], inv.reserved_names(["staging"]))
    assert names == {A: "acme_production"} and warnings == []


def test_reserved_names_are_compared_without_case():
    assert "staging" in inv.reserved_names(["Staging"])
    assert {"all", "ungrouped", "localhost", "cloudflare_accounts"} <= inv.reserved_names()


def test_plan_hosts_asks_for_the_groups_of_the_selected_accounts():
    seen = []

    def groups_of(selected):
        seen.append([a["id"] for a in selected])
        return ["acme"]

    hosts, warnings = inv.plan_hosts([account(A, "Acme"), account(B, "Other")], exclude_names=["Other"],
                                     groups_of=groups_of)
    assert seen == [[A]]
    assert hosts == [("acme_01234567", account(A, "Acme"))] and len(warnings) == 1


# --------------------------------------------------------------------------- names other inventory sources hold
def test_a_host_or_group_of_another_source_is_a_taken_name():
    names, warnings = inv.assign_hostnames([account(A, "Acme"), account(B, "Web Servers"), account(C, "Other")],
                                           taken=["all", "ungrouped", "web_servers", "Acme", "db1"])
    assert names == {A: "acme_01234567", B: "web_servers_1f2e3d4c", C: "other"}
    assert len(warnings) == 2
    assert all("is already a host or group of the inventory" in w and "host_name_prefix" in w for w in warnings)
    assert "the host name 'acme' of the account 'Acme' (%s)" % A in warnings[0]


def test_an_account_an_earlier_source_made_a_host_for_keeps_it():
    names, warnings = inv.assign_hostnames([account(A, "Acme"), account(B, "Acme")], taken=["acme"],
                                           existing={A.upper(): "acme"})
    assert names == {A: "acme", B: "acme_1f2e3d4c"}
    assert len(warnings) == 1 and "'Acme' (%s)" % B in warnings[0] and "'Acme' (%s)" % A not in warnings[0]


def test_an_earlier_host_named_like_a_group_of_this_source_is_not_reused():
    names, _warnings = inv.assign_hostnames([account(A, "Acme")], inv.reserved_names(["acme"]), taken=["acme"],
                                            existing={A: "acme"})
    assert names == {A: "acme_01234567"}


def test_the_prefix_starts_every_new_host_name_before_the_checks():
    names, warnings = inv.assign_hostnames([account(A, "Acme"), account(B, "All"), account(C, "!!")],
                                           taken=["acme", "cf_all"], prefix="cf_")
    assert names == {A: "cf_acme", B: "cf_all_1f2e3d4c", C: "cf_account_1f2e3d4c"}
    assert len(warnings) == 1


@pytest.mark.parametrize("prefix, ok", [("", True), (None, True), ("cf_", True), ("cf", True), ("a1_b", True),
                                        ("CF_", False), ("_cf", False), ("1cf", False), ("cf-", False),
                                        ("c f", False), ("x" * 65, False), (3, False)])
def test_host_name_prefix_problems(prefix, ok):
    problems = inv.host_name_prefix_problems(prefix)
    assert (problems == []) is ok
    if not ok:
        assert "host_name_prefix must be lower-case letters" in problems[0]


def test_plan_hosts_passes_taken_names_existing_hosts_and_the_prefix():
    hosts, warnings = inv.plan_hosts([account(A, "Acme"), account(B, "Other")], taken=["cf_other"],
                                     existing={A: "acme"}, prefix="cf_")
    assert hosts == [("acme", account(A, "Acme")), ("cf_other_1f2e3d4c", account(B, "Other"))]
    assert len(warnings) == 1
