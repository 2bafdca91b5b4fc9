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
