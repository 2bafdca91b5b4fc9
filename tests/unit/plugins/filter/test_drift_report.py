# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""user_groups_drift_report: the report data of a plan (each kind of change per group, SCIM notes, a refused plan, no
drift), the one-line message, Markdown that hostile names cannot break, JSON that parses back to the data, the
format from the file name."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cfiam.user_groups.plugins.filter.drift_report import FilterModule, user_groups_drift_report
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.drift_report import report_format

ACCOUNT = {"id": "0123456789abcdef0123456789abcdef", "name": "Acme Production"}
ADMIN_RO = {"access": "allow", "permission_groups": ["Administrator Read Only"], "scope": "account"}
DNS = {"access": "allow", "permission_groups": ["Domain DNS"], "zones": ["example.com"]}
HOSTILE = "Evil | *x* <b>{{ lookup('env', 'HOME') }}</b>\n# not a heading"


def plan(check_mode=True, **summary):
    base = {"created": [], "updated": [], "deleted": [], "members_added": {}, "members_removed": {}, "renamed": {},
            "policies_attached": {}, "policies_detached": {}, "deleted_groups": [], "missing_scim_groups": [],
            "look_alikes": {}, "protected": {}, "members_protected": {}, "account": ACCOUNT}
    base.update(summary)
    return {"changed": True, "check_mode": check_mode, "account": ACCOUNT, "summary": base,
            "groups": [{"name": "Eng", "scim": False}, {"name": "Okta Sales", "scim": True},
                       {"name": "Finance", "scim": False}]}


DRIFTED = dict(
    created=["Finance"], updated=["Eng", "Okta Sales"], renamed={"Engineering": "Eng"},
    members_added={"Finance": ["ann@example.com"]}, members_removed={"Eng": ["erin@example.com"]},
    policies_attached={"Eng": [DNS], "Finance": [ADMIN_RO]}, policies_detached={"Okta Sales": [ADMIN_RO]},
    deleted=["Stray"], deleted_groups=[{"id": "%032x" % 9, "name": "Stray", "members": ["zed@example.com"],
                                        "policies": [DNS]}],
    missing_scim_groups=["Okta Later"])


def test_each_kind_of_change_per_group():
    data = user_groups_drift_report(plan(**DRIFTED), generated_at="2025-01-02T03:04:05Z", report_file="d.json",
                                    format="data")
    assert data["status"] == "drift" and data["drift"] is True and data["mode"] == "check"
    assert data["account"] == ACCOUNT and data["generated_at"] == "2025-01-02T03:04:05Z"
    groups = dict((g["name"], g) for g in data["groups"])
    assert [g["name"] for g in data["groups"]] == ["Eng", "Finance", "Okta Sales", "Stray"]
    assert groups["Eng"]["changes"] == ["rename", "update"] and groups["Eng"]["previous_name"] == "Engineering"
    assert groups["Eng"]["members_to_remove"] == ["erin@example.com"]
    assert [p["text"] for p in groups["Eng"]["policies_to_attach"]] == ["allow Domain DNS on zones: example.com"]
    assert groups["Finance"]["changes"] == ["create"] and groups["Finance"]["members_to_add"] == ["ann@example.com"]
    assert groups["Finance"]["policies_to_attach"] == [dict(ADMIN_RO, text="allow Administrator Read Only on account")]
    assert groups["Okta Sales"]["changes"] == ["update"]
    assert groups["Okta Sales"]["notes"] == ["pushed by the identity provider (scim: true): its members are left to it"]
    assert groups["Stray"]["changes"] == ["delete"] and groups["Stray"]["id"] == "%032x" % 9
    assert groups["Stray"]["members_to_remove"] == ["zed@example.com"]
    assert "Okta Later" in data["notes"][0]
    assert data["message"] == (
        "Drift in account 'Acme Production' (0123456789abcdef0123456789abcdef): 4 groups differ from the "
        "declaration: 'Eng' (rename, update, 1 member to remove, 1 policy to attach); 'Finance' (create, 1 member to "
        "add, 1 policy to attach); 'Okta Sales' (update, 1 policy to detach); 'Stray' (delete, 1 member to remove, "
        "1 policy to detach). Check mode: nothing was written; a real run repairs it, or change the declaration to "
        "match. Report: d.json.")


def test_a_rename_alone_is_a_rename():
    data = user_groups_drift_report(plan(updated=["Eng"], renamed={"Engineering": "Eng"}), format="data")
    assert [(g["name"], g["changes"]) for g in data["groups"]] == [("Eng", ["rename"])]


def test_no_drift_says_so():
    data = user_groups_drift_report(plan(), format="data")
    assert data["status"] == "no drift" and data["drift"] is False and data["groups"] == []
    assert data["message"] == ("No drift in account 'Acme Production' (0123456789abcdef0123456789abcdef): the 3 "
                               "declared groups match the account (check-mode run).")
    text = user_groups_drift_report(plan(), format="markdown")
    assert "- Result: **no drift**" in text and "No drift: the account matches the declaration." in text


def test_a_refused_plan_counts_as_drift():
    refused = {"failed": True, "msg": "Failed to plan the user groups of account x: too much goes.",
               "problems": ["too much goes"]}
    data = user_groups_drift_report(refused, format="data", account={"id": "x", "name": None}, check_mode=True,
                                    report_file="r.md")
    assert data["status"] == "refused" and data["drift"] is True and data["mode"] == "check"
    assert data["refusal"]["problems"] == ["too much goes"]
    assert data["message"] == ("Drift check of account x: the plan was refused before any write, so the account could "
                               "not be compared with the declaration in full; a refusal counts as drift. Failed to plan "
                               "the user groups of account x: too much goes. Report: r.md.")
    text = user_groups_drift_report(data, report_file="r.md")
    assert "## Refused" in text and "- too much goes" in text and "**refused (counts as drift)**" in text


def test_a_real_run_says_what_was_repaired():
    result = {"failed": [{"name": "Finance", "msg": "HTTP 500"}],
              "delete_refused": [{"name": "Stray", "msg": "pushed by SCIM"}]}
    data = user_groups_drift_report(plan(check_mode=False, **DRIFTED), result=result, format="data")
    outcome = dict((g["name"], g["outcome"]) for g in data["groups"])
    assert outcome == {"Eng": "repaired", "Okta Sales": "repaired",
                       "Finance": "not repaired: the write failed: HTTP 500",
                       "Stray": "not repaired: Cloudflare refused the delete: pushed by SCIM"}
    assert data["mode"] == "real" and "The real run repaired what it could" in data["message"]


def hostile():
    drifted = dict(DRIFTED)
    drifted.update({"created": [HOSTILE], "members_added": {HOSTILE: ["ann@example.com"]}, "policies_attached": {},
                    "missing_scim_groups": []})
    return drifted


def test_json_parses_back_to_the_data_and_keeps_names_exactly():
    drifted = hostile()
    data = user_groups_drift_report(plan(**drifted), format="data")
    parsed = json.loads(user_groups_drift_report(plan(**drifted), format="json"))
    assert parsed == json.loads(json.dumps(data))
    assert HOSTILE in [g["name"] for g in parsed["groups"]]


def test_markdown_escapes_hostile_names():
    drifted = hostile()
    text = user_groups_drift_report(plan(**drifted), format="markdown")
    assert "{{" not in text and "<b>" not in text and "lookup(" in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert "### Evil &#124; \\*x\\* &lt;b&gt;&#123;&#123; lookup(&#39;env&#39;, &#39;HOME&#39;) &#125;&#125;&lt;/b&gt; " \
           "# not a heading: create" in headings
    assert not [line for line in text.splitlines() if line.startswith("# not")]


def test_the_format_comes_from_the_file_name_and_anything_else_fails():
    assert report_format("a/b.md") == "markdown" and report_format("B.JSON") == "json"
    with pytest.raises(AnsibleFilterError, match=r"^Set user_groups_report_file to a path ending in \.md"):
        report_format("drift.txt")
    with pytest.raises(AnsibleFilterError, match="path ending in"):
        user_groups_drift_report(plan(), report_file="drift.yaml")
    with pytest.raises(AnsibleFilterError, match="format must be one of data, markdown, json"):
        user_groups_drift_report(plan(), format="html")
    with pytest.raises(AnsibleFilterError, match="expects the registered result"):
        user_groups_drift_report("text")
    assert "user_groups_drift_report" in FilterModule().filters()
