# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters: to_declaration (exact round trip), to_unsafe_yaml (!unsafe text that Ansible loads back untrusted)
and user_groups_run_summary (from realistic registered loop results)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.utils.yaml import from_yaml
from ansible.release import __version__ as ANSIBLE_VERSION
from ansible.template import Templar

from ansible_collections.cfiam.user_groups.plugins.filter import user_groups as filters
from ansible_collections.cfiam.user_groups.plugins.filter.user_groups import (
    FilterModule,
    to_declaration,
    to_unsafe_yaml,
    user_groups_run_summary,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import parse_declaration
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, ResourceGroupRef
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import group_view, member_view
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import (
    ACCOUNT,
    MEMBERS,
    PG_ADMIN,
    RG_TWIN1,
    RG_TWIN2,
    ZONE_IDS,
    fake_catalogue,
    hexid,
    policy_shapes,
)

try:  # ansible-core >= 2.19: a string is a template only when it is trusted
    from ansible.template import is_trusted_as_template, trust_as_template
except ImportError:  # ansible-core 2.16 - 2.18: the !unsafe tag makes an AnsibleUnsafe string
    is_trusted_as_template = trust_as_template = None

ANSIBLE_219 = tuple(int(x) for x in ANSIBLE_VERSION.split(".")[:2]) >= (2, 19)
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))

SHAPES = policy_shapes()
SHAPE = dict(SHAPES)


def knowing_catalogue():
    catalogue = fake_catalogue()
    catalogue.permission_groups()
    catalogue.zones()
    catalogue.resource_groups()
    catalogue.account_members()
    return catalogue


def info_group(n, name, policies, members=(), catalogue=None):
    """One item of cf_user_group_info's ``user_groups`` (include_members=true)."""
    catalogue = catalogue or knowing_catalogue()
    return group_view({"id": hexid(700 + n), "name": name, "created_on": "c", "modified_on": "m"}, policies,
                      catalogue, [member_view(m) for m in members])


def declared_policies(declaration):
    groups, problems = parse_declaration(declaration, fake_catalogue())
    assert problems == []
    return dict((g.name, set(g.policies)) for g in groups)


# =========================================================================== to_declaration
@pytest.mark.parametrize("name, policy", SHAPES, ids=[n for n, _p in SHAPES])
def test_to_declaration_round_trips_each_shape(name, policy):
    declaration = to_declaration([info_group(1, "G", [policy])])
    assert declared_policies(declaration) == {"G": set([policy])}, declaration


def test_to_declaration_round_trips_every_shape_in_one_group():
    policies = [p for n, p in SHAPES if n != "foreign_account_key"]
    declaration = to_declaration([info_group(1, "All", policies)])
    assert declared_policies(declaration) == {"All": set(policies)}


def test_to_declaration_foreign_scope_does_not_change_other_groups():
    zones = [{"id": ZONE_IDS[name], "name": name} for name in ("example.com", "example.net")]
    declaration = to_declaration([info_group(1, "A", [SHAPE["foreign_account_key"]]),
                                  info_group(2, "B", [SHAPE["account"], SHAPE["zones"]])], zones=zones)
    assert declaration[1]["policies"] == [
        {"access": "allow", "permission_groups": ["admin", "dns"]},
        {"access": "allow", "permission_groups": ["domain_admin", "domain_dns"],
         "zones": ["example.com", "example.net"]}]


def test_to_declaration_output_form():
    groups = [info_group(2, "Zeta", [SHAPE["zones"], SHAPE["account"], SHAPE["account"]], MEMBERS[:2]),
              info_group(1, "Alpha", [SHAPE["named"]], [MEMBERS[3], MEMBERS[1], MEMBERS[3]])]
    zones = [{"id": ZONE_IDS[name], "name": name} for name in ("example.com", "example.net")]
    assert to_declaration(groups, zones=zones) == [
        {"name": "Alpha", "members": ["bob@example.com", "dave@example.com"],
         "policies": [{"access": "allow", "permission_groups": ["domain_admin"],
                       "resource_groups": ["Production zones"]}]},
        {"name": "Zeta", "members": ["alice@example.com", "bob@example.com"],
         "policies": [{"access": "allow", "permission_groups": ["admin", "dns"]},
                      {"access": "allow", "permission_groups": ["domain_admin", "domain_dns"],
                       "zones": ["example.com", "example.net"]}]}]


def test_to_declaration_without_zone_names_uses_the_zones_option():
    """cf_user_group_info without Zone Read shows zone ids: ``zones`` (cf_zone_info's list) names them."""
    blind = fake_catalogue()
    blind.permission_groups()
    groups = [info_group(1, "G", [SHAPE["zones"]], catalogue=blind)]
    assert to_declaration(groups)[0]["policies"][0]["zones"] == sorted(
        [ZONE_IDS["example.com"], ZONE_IDS["example.net"]])
    named = to_declaration(groups, zones=[{"id": ZONE_IDS["example.com"], "name": "example.com"},
                                          {"id": ZONE_IDS["example.net"], "name": "example.net"}, "junk"])
    assert named[0]["policies"][0]["zones"] == ["example.com", "example.net"]
    assert declared_policies(named) == declared_policies(to_declaration(groups)) == {"G": set([SHAPE["zones"]])}


def test_to_declaration_scim_groups_and_empty_groups():
    groups = [info_group(1, "Okta Sales", [SHAPE["account"]], MEMBERS[:1]),
              info_group(2, "Vendor Contractors", [], MEMBERS[:1]),
              info_group(3, "Empty", []),
              info_group(4, "Staff", [], MEMBERS[:1])]
    declaration = to_declaration(groups, scim_groups=["^Okta", "Contractors$", "(invalid"])
    assert [(g["name"], g.get("scim"), "members" in g) for g in declaration] == [
        ("Empty", None, True), ("Okta Sales", True, False), ("Staff", None, True), ("Vendor Contractors", True, False)]
    slim = to_declaration(groups, scim_groups=["^Okta"], include_empty=False)
    assert [g["name"] for g in slim] == ["Okta Sales", "Staff", "Vendor Contractors"]
    groups_, problems = parse_declaration(declaration, fake_catalogue())
    assert problems == [] and [g.name for g in groups_ if g.scim] == ["Okta Sales", "Vendor Contractors"]


def test_to_declaration_refuses_what_it_cannot_export():
    assert to_declaration(None) == []
    with pytest.raises(AnsibleFilterError, match="expects the user_groups list"):
        to_declaration({"user_groups": []})
    with pytest.raises(AnsibleFilterError, match="several groups named 'Twins'"):
        to_declaration([info_group(1, "Twins", []), info_group(2, "Twins", [])])
    without_members = info_group(1, "G", [])
    del without_members["members"]
    with pytest.raises(AnsibleFilterError, match="include_members=true"):
        to_declaration([without_members])
    with pytest.raises(AnsibleFilterError, match=r"user_groups\[0\] is not a group with a name"):
        to_declaration([{"members": []}])
    broken = info_group(1, "G", [])
    broken["policies"] = [{"access": 5, "permission_groups": [{"id": PG_ADMIN["id"]}], "resource_groups": []}]
    with pytest.raises(AnsibleFilterError, match="not in the normalised form"):
        to_declaration([broken])


@pytest.mark.parametrize("policy", [
    {"access": "allow", "permission_groups": "admin", "resource_groups": []},
    {"access": "allow", "permission_groups": [], "resource_groups": [None]},
    {"access": "allow", "permission_groups": [], "resource_groups": [{"scope": {"key": "k", "objects": 5}}]},
], ids=["roles_as_a_string", "null_resource_group", "objects_not_a_list"])
def test_to_declaration_reports_a_malformed_policy(policy):
    broken = info_group(1, "G", [])
    broken["policies"] = [policy]
    with pytest.raises(AnsibleFilterError, match="not in the normalised form"):
        to_declaration([broken])


def test_to_declaration_keeps_the_id_of_an_ambiguous_resource_group():
    policies = [Policy.of("allow", [PG_ADMIN["id"]], [ResourceGroupRef(RG_TWIN1["id"])]),
                Policy.of("deny", [PG_ADMIN["id"]], [ResourceGroupRef(RG_TWIN2["id"])])]
    declaration = to_declaration([info_group(1, "G", policies)])
    assert declared_policies(declaration) == {"G": set(policies)}


# =========================================================================== to_unsafe_yaml
def load_like_a_vars_file(text):
    """Load YAML text the way Ansible reads a vars file (``-e @file``, ``vars_files``)."""
    return from_yaml(trust_as_template(text) if trust_as_template else text)


def untrusted(value):
    if is_trusted_as_template is not None:
        return not is_trusted_as_template(value)
    from ansible.utils.unsafe_proxy import AnsibleUnsafe
    return isinstance(value, AnsibleUnsafe)


def templar():
    return Templar(loader=DataLoader(), variables={"secret": "LEAKED"})


def walk_scalars(node, key=False):
    """(is_key, ScalarNode) of every scalar of a composed YAML node tree."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from walk_scalars(k, key=True)
            yield from walk_scalars(v)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from walk_scalars(item)
    else:
        yield key, node


NASTY = [
    "{{ secret }}",
    "{{ lookup('pipe', 'id') }}",
    "{% if true %}{{ secret }}{% endif %}",
    "{# comment #}{{ secret }}",
    "it's \"quoted\" and 'single'",
    "first line\n{{ secret }}",
    "trailing newline\n",
    "\n\nleading blank lines and two trailing\n\n",
    u"unicode: na\u00efve \u65e5\u672c \U0001F600 {{ secret }}",
    u"NFD e\u0301 and tab\tinside",
    "  leading and trailing spaces  ",
    "- looks like a list",
    "key: looks like a mapping",
    "# looks like a comment",
    "!unsafe looks like a tag",
    "* star",
    "{{",
    u"line\u2028separator",
    "windows\r\nline",
    u"next line \x85 char",
    "trailing spaces  \nsecond line",
    " leading space\nsecond",
    "\n",
    "keep\n\n\n",
    "{{ secret }}\n  {% raw %}",
    "- a\n- b",
    u"separator\u2028\nnewline",
    "x" * 1200 + " {{ secret }}",
]


@pytest.mark.parametrize("value", NASTY, ids=["value%d" % i for i in range(len(NASTY))])
def test_to_unsafe_yaml_loads_back_equal_and_untrusted(value):
    data = {"user_groups": [{"name": value, "members": [value], "policies": [{"permission_groups": [value]}]}],
            value: value}
    loaded = load_like_a_vars_file(to_unsafe_yaml(data))
    group = loaded["user_groups"][0]
    for got in (group["name"], group["members"][0], group["policies"][0]["permission_groups"][0], loaded[value]):
        assert got == value
        assert untrusted(got)
        assert templar().template(got) == value  # never rendered


@pytest.mark.parametrize("value", [u"\x85first", u"last\x85", u"line\n\x85"],
                         ids=["nel_first", "nel_last", "nel_in_block"])
def test_to_unsafe_yaml_next_line_character(value):
    assert load_like_a_vars_file(to_unsafe_yaml({"name": value}))["name"] == value


def test_the_control_is_rendered():
    """The check above can fail: the same text without the tag is a template once trusted."""
    loaded = load_like_a_vars_file("name: '{{ secret }}'\n")
    assert templar().template(loaded["name"]) == "LEAKED"


def test_every_string_value_is_tagged_and_no_plain_key_is():
    data = {"user_groups": [{"name": "Ops", "members": ["alice@example.com"], "scim": False, "count": 3,
                             "ratio": 0.5, "nothing": None, "policies": [{"access": "allow",
                                                                         "permission_groups": ["admin"]}]}]}
    scalars = list(walk_scalars(yaml.compose(to_unsafe_yaml(data))))
    keys = [node for is_key, node in scalars if is_key]
    values = [node for is_key, node in scalars if not is_key]
    assert sorted(n.value for n in keys) == sorted(["user_groups", "name", "members", "scim", "count", "ratio",
                                                    "nothing", "policies", "access", "permission_groups"])
    assert all(n.tag == "tag:yaml.org,2002:str" for n in keys)
    tagged = sorted(n.value for n in values if n.tag == "!unsafe")
    assert tagged == ["Ops", "admin", "alice@example.com", "allow"]
    assert sorted((n.tag, n.value) for n in values if n.tag != "!unsafe") == [
        ("tag:yaml.org,2002:bool", "false"), ("tag:yaml.org,2002:float", "0.5"), ("tag:yaml.org,2002:int", "3"),
        ("tag:yaml.org,2002:null", "null")]
    loaded = load_like_a_vars_file(to_unsafe_yaml(data))
    assert loaded == data


@pytest.mark.parametrize("value", NASTY, ids=["key%d" % i for i in range(len(NASTY))])
def test_to_unsafe_yaml_keys_load_back_equal_and_untrusted(value):
    """A mapping keyed by group name (items2dict(key_name='name')): the keys are tagged too."""
    data = {"by_name": {value: {"id": "a1b2c3"}}, "flat": {value: value}}
    text = to_unsafe_yaml(data)
    loaded = load_like_a_vars_file(text)
    for mapping in (loaded["by_name"], loaded["flat"]):
        (key,) = list(mapping)
        assert key == value
        assert untrusted(key)
        assert templar().template(key) == value  # never rendered
    keys = [node for is_key, node in walk_scalars(yaml.compose(text)) if is_key]
    assert [n.tag for n in keys if n.value == value] == ["!unsafe", "!unsafe"]


@pytest.mark.parametrize("key", ["user_groups", "name", "Engineering SRE", "alice@example.com", "a.b-c_d", "123",
                                 "yes"])
def test_to_unsafe_yaml_plain_word_keys_stay_readable(key):
    text = to_unsafe_yaml({key: "x"})
    (node,) = [n for is_key, n in walk_scalars(yaml.compose(text)) if is_key]
    assert node.tag == "tag:yaml.org,2002:str" and node.value == key
    assert load_like_a_vars_file(text) == {key: "x"}


@pytest.mark.parametrize("value", ["123", "yes", "null", "", "2024-01-01", "1.5", "~", "true", "0x1F"])
def test_to_unsafe_yaml_strings_that_look_like_other_scalars(value):
    loaded = load_like_a_vars_file(to_unsafe_yaml({"name": value}))
    assert isinstance(loaded["name"], str) and loaded["name"] == value


def test_to_unsafe_yaml_input_forms():
    assert load_like_a_vars_file(to_unsafe_yaml({"t": ("a", 1)})) == {"t": ["a", 1]}
    assert to_unsafe_yaml([]) == "[]\n"
    assert to_unsafe_yaml({"a": {"b": ["x"]}}, indent=4) == "a:\n    b:\n    - !unsafe 'x'\n"
    with pytest.raises(AnsibleFilterError, match="not plain JSON-like data"):
        to_unsafe_yaml({"s": set(["x"])})


# =========================================================================== user_groups_run_summary
GROUP_NEW, GROUP_OPS, GROUP_BROKEN = hexid(801), hexid(802), hexid(803)
OLD, SCIM, LOCKED, LIMITED, UNAUTHORIZED, GONE = (hexid(n) for n in range(810, 816))


def plan_result():
    """What cf_user_groups_plan registers."""
    apply_items = [
        {"name": "New team", "scim": False, "policies": [{"access": "allow", "permission_groups": ["admin"]}],
         "exclusive_policies": True, "members": ["alice@example.com"], "exclusive_members": True},
        {"name": "Ops", "scim": False, "id": GROUP_OPS, "members": [hexid(11)], "exclusive_members": True},
        {"name": "Broken", "scim": False, "id": GROUP_BROKEN, "members": [hexid(12)], "exclusive_members": False,
         "policies": [], "exclusive_policies": True},
    ]
    names = ((OLD, "Old"), (SCIM, "Okta Sales"), (LOCKED, "Locked"), (LIMITED, "Throttled"),
             (UNAUTHORIZED, "Unauthorized"), (GONE, "Offline"))
    deletes = [{"id": i, "name": n} for i, n in names]
    return {
        "changed": True, "apply": apply_items, "delete": deletes,
        "summary": {"created": ["New team"], "updated": ["Ops", "Broken"], "deleted": [d["name"] for d in deletes],
                    "members_added": {"New team": ["alice@example.com"]},
                    "members_removed": {"Ops": ["bob@example.com"]}, "unchanged": 2,
                    "missing_scim_groups": ["Okta Support"], "protected": {"^Okta": ["Okta Engineering"]},
                    "look_alikes": {"finance ": "Finance"}},
        "groups": [{"name": n} for n in ("New team", "Ops", "Broken", "Stable", "Steady")],
    }


def loop_result(results):
    for result in results:
        result.setdefault("ansible_loop_var", "item")
        result.setdefault("changed", False)
        result.setdefault("failed", False)
        result.setdefault("invocation", {"module_args": {"api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}})
    return {"changed": any(r["changed"] for r in results), "msg": "All items completed", "results": results,
            "skipped": False}


def failure(item, status, codes, message, written=None, failed=True):
    result = {"item": item, "failed": failed, "status": status, "error_codes": codes,
              "msg": "Failed to %s: %s" % (message, "HTTP %s" % status if status else "no HTTP response"),
              "method": "DELETE", "path": "/accounts/x/iam/user_groups/y", "errors": [{"code": c} for c in codes]}
    if written:
        result.update(written=written, changed=True)
    return result


def applied_and_deleted(plan):
    applied = loop_result([
        {"item": plan["apply"][0], "changed": True, "user_group": {"id": GROUP_NEW, "name": "New team"},
         "added": [{"id": hexid(11), "email": "alice@example.com", "status": "accepted"}], "removed": []},
        {"item": plan["apply"][1], "changed": True, "added": [],
         "removed": [{"id": hexid(12), "email": "bob@example.com", "status": "accepted"}, {"id": hexid(19)}]},
        failure(plan["apply"][2], 400, [1004], "add 1 member(s) to user group 'Broken' (%s)" % GROUP_BROKEN,
                written=["set the policies of user group 'Broken' (%s)" % GROUP_BROKEN]),
    ])
    d = plan["delete"]
    deleted = loop_result([
        {"item": d[0], "changed": True, "user_group": None},
        # failed_when of the role turns a 4xx refusal into a non-failed result
        failure(d[1], 400, [1010], "delete user group 'Okta Sales'", failed=False),
        failure(d[2], 403, [9109], "delete user group 'Locked'"),
        failure(d[3], 429, [10100], "delete user group 'Throttled'"),
        failure(d[4], 401, [10000], "delete user group 'Unauthorized'"),
        failure(d[5], None, [], "delete user group 'Offline'"),
        {"item": {"id": hexid(820), "name": "Skipped"}, "skipped": True, "changed": True},
    ])
    return applied, deleted


class TestRunSummary(object):
    def test_from_realistic_loop_results(self, monkeypatch):
        warnings = []
        monkeypatch.setattr(filters.display, "warning", warnings.append)
        plan = plan_result()
        applied, deleted = applied_and_deleted(plan)
        summary = user_groups_run_summary(plan, applied=applied, deleted=deleted)
        assert summary["created"] == ["New team"] and summary["updated"] == ["Ops"]
        assert summary["deleted"] == ["Old"]
        assert summary["members_added"] == {"New team": ["alice@example.com"]}
        assert summary["members_removed"] == {"Ops": [hexid(19), "bob@example.com"]}
        assert [(r["name"], r["status"], r["error_codes"]) for r in summary["delete_refused"]] == [
            ("Okta Sales", 400, [1010]), ("Locked", 403, [9109])]
        assert [(f["name"], f["status"], f["error_codes"]) for f in summary["failed"]] == [
            ("Broken", 400, [1004]), ("Throttled", 429, [10100]), ("Unauthorized", 401, [10000]),
            ("Offline", None, [])]
        assert summary["written"] == [
            "created user group 'New team'", "updated user group 'Ops'",
            "set the policies of user group 'Broken' (%s)" % GROUP_BROKEN, "deleted user group 'Old'"]
        assert summary["unchanged"] == 2 and summary["changed"] is True
        assert summary["missing_scim_groups"] == ["Okta Support"]
        assert summary["protected"] == {"^Okta": ["Okta Engineering"]}
        assert summary["look_alikes"] == {"finance ": "Finance"}
        assert len(warnings) == 2
        assert warnings[0].startswith("Cloudflare refused to delete user group 'Okta Sales' (HTTP 400, codes [1010])")
        assert "user_groups_purge_exclude" in warnings[0] and "(HTTP 403, codes [9109])" in warnings[1]

    @pytest.mark.parametrize("status", [400, 403, 405, 409, 422])
    def test_any_4xx_but_401_404_429_is_a_refusal(self, status, monkeypatch):
        monkeypatch.setattr(filters.display, "warning", lambda msg: None)
        plan = plan_result()
        deleted = loop_result([failure(plan["delete"][1], status, [], "delete user group 'Okta Sales'")])
        summary = user_groups_run_summary(plan, deleted=deleted)
        assert [r["name"] for r in summary["delete_refused"]] == ["Okta Sales"] and summary["failed"] == []

    @pytest.mark.parametrize("status", [401, 404, 429, 500, 502, None])
    def test_other_failures_are_failures(self, status):
        plan = plan_result()
        deleted = loop_result([failure(plan["delete"][1], status, [], "delete user group 'Okta Sales'")])
        summary = user_groups_run_summary(plan, deleted=deleted)
        assert summary["delete_refused"] == [] and [f["name"] for f in summary["failed"]] == ["Okta Sales"]

    def test_check_mode_is_the_plan(self):
        plan = plan_result()
        skipped = {"results": [], "skipped": True, "skipped_reason": "No items in the list", "changed": False}
        summary = user_groups_run_summary(plan, applied=skipped, deleted=skipped, check_mode=True)
        expected = dict(plan["summary"], check_mode=True, delete_refused=[], failed=[], written=[], changed=True)
        assert summary.pop("message").startswith("check mode, nothing written: would create 1 ('New team')")
        assert summary == expected

    def test_a_plan_that_ran_in_check_mode_is_a_prediction_whatever_the_caller_says(self):
        """The check_mode keyword on the role does not set ansible_check_mode: the plan's own check_mode counts."""
        plan = dict(plan_result(), check_mode=True)
        skipped = {"results": [], "skipped": True, "skipped_reason": "No items in the list", "changed": False}
        for flag in (None, False):
            summary = user_groups_run_summary(plan, applied=skipped, deleted=skipped, check_mode=flag)
            assert summary["check_mode"] is True and summary["written"] == [] and summary["created"]
        real = user_groups_run_summary(dict(plan_result(), check_mode=False), applied=skipped, deleted=skipped)
        assert "check_mode" not in real and real["created"] == [] and real["changed"] is False

    def test_nothing_to_do(self):
        plan = {"changed": False, "apply": [], "delete": [], "groups": [{"name": "Stable"}],
                "summary": {"created": [], "updated": [], "deleted": [], "members_added": {}, "members_removed": {},
                            "unchanged": 1, "missing_scim_groups": [], "protected": {}, "look_alikes": {}}}
        summary = user_groups_run_summary(plan, applied={}, deleted=None)
        assert summary["changed"] is False and summary["unchanged"] == 1 and summary["written"] == []
        assert summary["failed"] == [] and summary["delete_refused"] == []
        assert user_groups_run_summary(plan, applied=[{"item": {"name": "Stable", "id": hexid(1)},
                                                       "changed": False}])["updated"] == []

    def test_a_failure_after_a_write_is_a_change(self):
        plan = plan_result()
        applied = loop_result([failure(plan["apply"][2], 400, [1004], "add members",
                                       written=["set the policies of user group 'Broken'"])])
        summary = user_groups_run_summary(plan, applied=applied)
        assert summary["written"] == ["set the policies of user group 'Broken'"]
        assert summary["changed"] is True

    def test_refuses_a_non_plan(self):
        with pytest.raises(AnsibleFilterError, match="registered result of cf_user_groups_plan"):
            user_groups_run_summary([])


# =========================================================================== the filters' documentation
def test_filter_module_lists_the_filters():
    assert sorted(FilterModule().filters()) == ["to_declaration", "to_unsafe_yaml", "user_groups_run_summary"]


@pytest.mark.parametrize("name, func", [
    ("to_declaration", to_declaration),
    ("to_unsafe_yaml", to_unsafe_yaml),
    ("user_groups_run_summary", user_groups_run_summary),
])
def test_filter_documentation_matches_the_signature(name, func):
    with open(os.path.join(COLLECTION_ROOT, "plugins", "filter", name + ".yml")) as handle:
        doc = yaml.safe_load(handle)["DOCUMENTATION"]
    documented = set(doc["options"]) - set(["_input"])
    arguments = list(inspect.signature(func).parameters)[1:]
    assert documented == set(arguments)


def test_account_constant_is_the_emulators():
    assert ACCOUNT == "0123456789abcdef0123456789abcdef"
