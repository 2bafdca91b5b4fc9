# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure parts of the cfiam.user_groups.accounts inventory: host names, their uniqueness, the filters, the host
variables, and its documented connection options against the modules' argument spec."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.cfiam.user_groups.plugins.inventory import accounts as inv
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError

A = "0123456789abcdef0123456789abcdef"
B = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
C = "1f2e3d4c00000000000000000000000c"
D = "abcdefabcdefabcdefabcdefabcdefab"


def account(account_id, name, kind="standard"):
    return {"id": account_id, "name": name, "type": kind}


ACCOUNTS = [account(A, "Acme Production", "enterprise"), account(B, "Acme Staging"), account(C, "Acme Sandbox"),
            account(D, "Globex Shared")]


# --------------------------------------------------------------------------- host names
@pytest.mark.parametrize("name, host", [
    ("Acme Production", "acme_production"),
    ("Acme Corp (EU)", "acme_corp_eu"),
    ("Zürich--Prod", "zurich_prod"),
    ("  __Édition spéciale__  ", "edition_speciale"),
    ("Ⅻ Fullwidth ＡＢＣ", "xii_fullwidth_abc"),  # NFKD compatibility forms
    ("acme.example.com", "acme_example_com"),
    ("Prod/EU 2024", "prod_eu_2024"),
    ("本番", ""),
    ("", ""),
    (None, ""),
])
def test_safe_hostname(name, host):
    assert inv.safe_hostname(name) == host


def test_hostname_rule_keeps_only_safe_characters():
    rng = random.Random(7)
    alphabet = "aZ09 _-./()[]{}'\"é中\t\n$*?!"
    for _i in range(500):
        name = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 20)))
        host = inv.safe_hostname(name)
        assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789_" for c in host), (name, host)
        assert "__" not in host and not host.startswith("_") and not host.endswith("_"), (name, host)


def test_unique_names_are_kept_as_they_are():
    names, warnings = inv.assign_hostnames(ACCOUNTS)
    assert names == {A: "acme_production", B: "acme_staging", C: "acme_sandbox", D: "globex_shared"}
    assert warnings == []


def test_same_name_gets_an_id_suffix_and_a_warning():
    accounts = [account(A, "Acme"), account(B, "Acme"), account(D, "Other")]
    names, warnings = inv.assign_hostnames(accounts)
    assert names == {A: "acme_01234567", B: "acme_1f2e3d4c", D: "other"}
    assert len(warnings) == 1
    for text in ("'Acme' (%s)" % A, "'Acme' (%s)" % B, "acme_01234567", "acme_1f2e3d4c", "'acme'", "keyed_groups"):
        assert text in warnings[0], text


def test_names_that_differ_only_in_case_or_punctuation_clash_too():
    accounts = [account(A, "ACME"), account(B, "acme!"), account(D, "Ácme")]
    names, warnings = inv.assign_hostnames(accounts)
    assert sorted(names.values()) == ["acme_01234567", "acme_1f2e3d4c", "acme_abcdefab"]
    assert len(warnings) == 1 and "'ACME'" in warnings[0] and "'acme!'" in warnings[0] and "'Ácme'" in warnings[0]


def test_the_suffix_grows_until_the_ids_differ():
    accounts = [account(B, "Acme"), account(C, "Acme")]  # both ids start with 1f2e3d4c
    names, _warnings = inv.assign_hostnames(accounts)
    assert names == {B: "acme_1f2e3d4c5b6a", C: "acme_1f2e3d4c0000"}


def test_a_suffixed_name_never_takes_another_accounts_name():
    accounts = [account(A, "Acme"), account(B, "Acme"), account(D, "acme 01234567")]
    names, warnings = inv.assign_hostnames(accounts)
    assert len(set(names.values())) == 3, names
    assert names[B] == "acme_1f2e3d4c"
    assert warnings


def test_a_name_without_safe_characters_uses_the_id():
    names, warnings = inv.assign_hostnames([account(A, "本番"), account(B, "")])
    assert names == {A: "account_01234567", B: "account_1f2e3d4c"}
    assert warnings == []


def test_host_names_do_not_depend_on_the_listing_order():
    accounts = [account(A, "Acme"), account(B, "Acme"), account(C, "Acme"), account(D, "acme_0123456")]
    first, _w = inv.assign_hostnames(accounts)
    for seed in range(5):
        shuffled = list(accounts)
        random.Random(seed).shuffle(shuffled)
        assert inv.assign_hostnames(shuffled)[0] == first
    assert len(set(first.values())) == 4


# --------------------------------------------------------------------------- filters
@pytest.mark.parametrize("entry, name, expected", [
    ("Acme Staging", "Acme Staging", True),
    ("Acme", "Acme Staging", False),  # a whole-name match, not a substring
    ("Acme .*", "Acme Staging", True),
    ("acme .*", "Acme Staging", False),  # case-sensitive
    ("(?i)acme .*", "Acme Staging", True),
    ("Acme (EU", "Acme (EU", True),  # not a valid expression: the exact name still matches
    ("Acme (EU", "Acme (EU)", False),
    (".*Stag.*", "Acme Staging", True),
])
def test_name_matches(entry, name, expected):
    assert inv.name_matches(entry, name) is expected


def names_of(selected):
    return [a["name"] for a in selected]


def test_no_filter_keeps_every_account():
    assert inv.select_accounts(ACCOUNTS) == ACCOUNTS


def test_include_names_and_account_ids_add_up():
    assert names_of(inv.select_accounts(ACCOUNTS, include_names=["Acme S.*"])) == ["Acme Staging", "Acme Sandbox"]
    assert names_of(inv.select_accounts(ACCOUNTS, account_ids=[D.upper()])) == ["Globex Shared"]
    assert names_of(inv.select_accounts(ACCOUNTS, include_names=["Acme Production"], account_ids=[D])) == [
        "Acme Production", "Globex Shared"]


def test_exclusions_apply_after_the_includes():
    assert names_of(inv.select_accounts(ACCOUNTS, include_names=["Acme .*"], exclude_names=["Acme Sandbox"])) == [
        "Acme Production", "Acme Staging"]
    assert names_of(inv.select_accounts(ACCOUNTS, exclude_account_ids=[A, D])) == ["Acme Staging", "Acme Sandbox"]
    assert names_of(inv.select_accounts(ACCOUNTS, account_ids=[A, B], exclude_account_ids=[B])) == ["Acme Production"]


def problems(**filters):
    with pytest.raises(ResolutionError) as info:
        inv.select_accounts(ACCOUNTS, **filters)
    return info.value.problems


def test_an_unknown_name_is_refused_with_a_suggestion():
    found = problems(include_names=["Acme Prodution"])
    assert found == ["include_names: 'Acme Prodution' matches no account the credential reaches "
                     "(did you mean 'Acme Production'?)"]


def test_an_unknown_name_far_from_every_account_lists_the_accounts():
    found = problems(exclude_names=["Initech"])
    assert len(found) == 1 and found[0].startswith("exclude_names: 'Initech' matches no account")
    assert "'Acme Production'" in found[0] and "'Globex Shared'" in found[0]


def test_unknown_and_malformed_ids_are_refused():
    unknown = "ffffffffffffffffffffffffffffffff"
    typo = A[:-1] + "0"
    found = problems(account_ids=[unknown, typo], exclude_account_ids=["my-account"])
    assert len(found) == 3, found
    assert found[0].startswith("account_ids: the credential does not reach account %s" % unknown)
    assert "(did you mean '%s'?)" % A in found[1]
    assert found[2].startswith("exclude_account_ids: 'my-account' is not a Cloudflare account id")


def test_every_problem_is_reported_at_once():
    found = problems(include_names=["Nope", "Acme .*"], exclude_names=["Nada"], account_ids=[42, ""],
                     exclude_account_ids=["ffffffffffffffffffffffffffffffff"])
    assert [p.split(":", 1)[0] for p in found] == ["account_ids", "account_ids", "include_names", "exclude_names",
                                                   "exclude_account_ids"]


def test_filters_that_leave_no_account_are_refused():
    found = problems(include_names=["Acme Staging"], exclude_account_ids=[B])
    assert len(found) == 1 and found[0].startswith("the filters leave no account")
    assert "'Acme Staging' (%s)" % B in found[0]


def test_plan_hosts_sorts_by_host_name_and_refuses_no_account():
    hosts, warnings = inv.plan_hosts(ACCOUNTS, include_names=["Acme .*"])
    assert [h for h, _a in hosts] == ["acme_production", "acme_sandbox", "acme_staging"]
    assert warnings == []
    with pytest.raises(ResolutionError) as info:
        inv.plan_hosts([])
    assert "reaches no Cloudflare account" in info.value.problems[0]


def test_normalize_accounts_keeps_id_name_type_only():
    listing = [{"id": A, "name": "Acme", "type": "enterprise", "settings": {"x": 1}, "created_on": "2020"},
               {"id": A, "name": "Acme again"}, {"id": B, "name": None}]
    assert inv.normalize_accounts(listing) == [{"id": A, "name": "Acme", "type": "enterprise"},
                                               {"id": B, "name": "", "type": None}]
    with pytest.raises(ResolutionError) as info:
        inv.normalize_accounts([{"id": "short", "name": "x"}, {"name": "no id"}])
    assert len(info.value.problems) == 2


# --------------------------------------------------------------------------- host variables
def test_host_variables():
    variables = inv.host_variables(account(A, "{{ lookup('pipe', 'id') }}", "enterprise"))
    assert variables == {"account_id": A, "account_name": "{{ lookup('pipe', 'id') }}", "account_type": "enterprise",
                         "cloudflare_account_id": A, "ansible_connection": "local",
                         "ansible_python_interpreter": "{{ ansible_playbook_python }}"}


def test_file_names(tmp_path):
    plugin = inv.InventoryModule()
    for name, accepted in (("acme.cloudflare_accounts.yml", True), ("acme.cloudflare_accounts.yaml", True),
                           ("acme.cfiam.yml", True), ("acme.cfiam.yaml", True), ("acme.yml", False),
                           ("cloudflare_accounts.yml", False), ("acme.cfiam.yml.bak", False)):
        path = tmp_path / name
        path.write_text("plugin: cfiam.user_groups.accounts\n")
        assert plugin.verify_file(str(path)) is accepted, name
    assert plugin.verify_file(str(tmp_path / "missing.cfiam.yml")) is False
