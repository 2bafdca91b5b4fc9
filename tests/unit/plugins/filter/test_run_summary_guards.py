# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""user_groups_run_summary and the guards: renames from the writes that happened, protected members, removal figures
and the account carried from the plan, a refused delete's warning naming the account."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.filter import user_groups as filters
from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import user_groups_run_summary

ACCOUNT = {"id": "0123456789abcdef0123456789abcdef", "name": "Acme Production"}
REMOVALS = {"groups": {"removed": 1, "of": 4}, "members": {"removed": 0, "of": 3},
            "policies": {"removed": 0, "of": 2}, "max_ratio": 0.25}


def plan(account=None):
    return {"changed": True,
            "apply": [{"name": "Finance", "id": "%032x" % 1, "previous_name": "Finance Team"},
                      {"name": "Ops", "id": "%032x" % 2, "previous_name": "Ops Old"},
                      {"name": "Audit", "id": "%032x" % 3}],
            "delete": [{"id": "%032x" % 4, "name": "Okta Sales"}],
            "summary": {"created": [], "updated": ["Audit", "Finance", "Ops"],
                        "renamed": {"Finance Team": "Finance", "Ops Old": "Ops"},
                        "members_protected": {"Audit": ["breakglass@example.com"]}, "removals": REMOVALS,
                        "account": account or ACCOUNT},
            "groups": [{"name": "Finance"}, {"name": "Ops"}, {"name": "Audit"}]}


def results(items):
    return {"results": [dict(r, ansible_loop_var="item") for r in items]}


def test_renames_are_those_written_and_the_plan_figures_are_kept(monkeypatch):
    warnings = []
    monkeypatch.setattr(filters.display, "warning", warnings.append)
    p = plan()
    applied = results([{"item": p["apply"][0], "changed": True},
                       {"item": p["apply"][1], "failed": True, "msg": "Failed to rename", "status": 400,
                        "error_codes": [1010]},
                       {"item": p["apply"][2], "changed": True}])
    deleted = results([{"item": p["delete"][0], "failed": False, "status": 400, "error_codes": [1010],
                        "msg": "Failed to delete user group 'Okta Sales': managed by SCIM"}])
    summary = user_groups_run_summary(p, applied=applied, deleted=deleted)
    assert summary["renamed"] == {"Finance Team": "Finance"} and summary["updated"] == ["Audit", "Finance"]
    assert [f["name"] for f in summary["failed"]] == ["Ops"]
    assert summary["members_protected"] == {"Audit": ["breakglass@example.com"]}
    assert summary["removals"] == REMOVALS and summary["account"] == ACCOUNT
    (warning,) = warnings
    assert warning.startswith("account 'Acme Production' (0123456789abcdef0123456789abcdef): Cloudflare refused to "
                              "delete user group 'Okta Sales' (HTTP 400, codes [1010])")


def test_without_an_account_name_the_warning_is_as_before(monkeypatch):
    warnings = []
    monkeypatch.setattr(filters.display, "warning", warnings.append)
    p = plan(account={"id": ACCOUNT["id"], "name": None})
    deleted = results([{"item": p["delete"][0], "status": 403, "error_codes": [], "msg": "refused"}])
    user_groups_run_summary(p, deleted=deleted)
    assert warnings[0].startswith("Cloudflare refused to delete user group 'Okta Sales' (HTTP 403)")


def test_check_mode_is_the_plan_with_its_guards():
    summary = user_groups_run_summary(plan(), check_mode=True)
    assert summary["renamed"] == {"Finance Team": "Finance", "Ops Old": "Ops"} and summary["check_mode"] is True
    assert summary["removals"] == REMOVALS and summary["account"] == ACCOUNT
