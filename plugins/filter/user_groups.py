# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the cfiam.user_groups collection (documented in the adjacent <filter>.yml files).

* ``to_declaration``: the ``user_groups`` list of ``cf_user_group_info`` (with members) -> the role's
  ``user_groups`` declaration, every policy exactly (several scopes, inline and named, mixed).
* ``to_unsafe_yaml``: YAML text in which every string value, and every key that is not a plain word, is tagged
  ``!unsafe``, so that a file written from API data can never be evaluated as a template when it is read back
  (``-e @file``, ``vars_files``).
* ``user_groups_run_summary``: what the ``user_groups`` role did, from its plan and the results of its writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible.utils.display import Display

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML is a dependency of ansible-core
    HAS_YAML = False

from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    account_id_of_views,
    declared_group,
    group_from_view,
)

display = Display()


def _protects(patterns, name):
    """A name/regex list matches a group when an entry equals the name or is found in it (as the purge does)."""
    for pattern in patterns or []:
        if name == pattern:
            return True
        try:
            if re.search(pattern, name):
                return True
        except re.error:
            continue
    return False


def _names(views, zones):
    """id -> shown reference maps for roles (label), zones (name) and named resource groups (name).

    A resource group whose name another exported resource group also has keeps its id (a name must resolve to one
    resource group when the declaration is applied).
    """
    pgs, rgs, zone_names = {}, {}, {}
    for zone in zones or []:
        if isinstance(zone, dict) and zone.get("id") and zone.get("name"):
            zone_names[zone["id"]] = zone["name"]
    rg_names = {}
    for view in views:
        for pg in view.get("permission_groups") or []:
            pgs[pg.get("id")] = pg.get("label") or pg.get("name") or pg.get("id")
        for rg in view.get("resource_groups") or []:
            if rg.get("id") and rg.get("name"):
                rg_names.setdefault(rg["name"], set()).add(rg["id"])
                rgs[rg["id"]] = rg["name"]
            objects = (rg.get("scope") or {}).get("objects") or []
            names = rg.get("zones") or []
            if len(objects) == 1 and len(names) == 1:  # one zone: the pairing is certain
                zone_names.setdefault(objects[0].rsplit(".", 1)[-1], names[0])
    for ids in rg_names.values():
        if len(ids) > 1:
            for rg_id in ids:
                rgs.pop(rg_id, None)
    return pgs, rgs, zone_names


def to_declaration(user_groups, scim_groups=None, include_empty=True, zones=None, account_id=None):
    """Turn cf_user_group_info's ``user_groups`` (with members) into the role's ``user_groups`` list."""
    if user_groups is None:
        return []
    if not isinstance(user_groups, list):
        raise AnsibleFilterError("to_declaration expects the user_groups list returned by "
                                 "cfiam.user_groups.cf_user_group_info, got %s" % type(user_groups).__name__)
    try:
        views = [p for g in user_groups if isinstance(g, dict) for p in g.get("policies") or [] if isinstance(p, dict)]
        account_id = account_id or account_id_of_views(views)
        pgs, rgs, zone_names = _names(views, zones)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError("to_declaration: the policies are not in the normalised form of "
                                 "cf_user_group_info: %s" % to_native(exc))
    declaration = []
    seen = set()
    for index, group in enumerate(user_groups):
        if not isinstance(group, dict) or not group.get("name"):
            raise AnsibleFilterError("to_declaration: user_groups[%d] is not a group with a name" % index)
        name = group["name"]
        if name in seen:
            raise AnsibleFilterError("to_declaration: the account has several groups named '%s'; the role needs "
                                     "unique names, rename one of them first" % name)
        seen.add(name)
        if "members" not in group:
            raise AnsibleFilterError("to_declaration: group '%s' has no members key; read the groups with "
                                     "cf_user_group_info include_members=true" % name)
        try:
            item, policies = declared_group(group_from_view(group), account_id, pg_ref=lambda i: pgs.get(i, i),
                                            zone_ref=lambda i: zone_names.get(i, i), rg_ref=lambda i: rgs.get(i, i))
        except (KeyError, TypeError, AttributeError) as exc:
            raise AnsibleFilterError("to_declaration: group '%s' has a policy that is not in the normalised form of "
                                     "cf_user_group_info: %s" % (name, to_native(exc)))
        if _protects(scim_groups, name):
            item["scim"] = True
        else:
            item["members"] = sorted(set((m.get("email") or m.get("id") or "").lower()
                                         for m in group.get("members") or [] if m.get("email") or m.get("id")))
        item["policies"] = policies
        if not include_empty and not item.get("members") and not item["policies"]:
            continue
        declaration.append(item)
    declaration.sort(key=lambda g: g["name"])
    return declaration


# --------------------------------------------------------------------------- !unsafe YAML
class _Unsafe(str):
    """A string (value or key) to be written with the ``!unsafe`` tag."""


# A key made only of these characters cannot hold a template under any delimiters (a Jinja override header needs
# "#jinja2:"): it is written as it is, so that the usual keys (user_groups, name, members, emails) stay readable.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@ -]*\Z")


def _key(key):
    key = str(key)
    return key if _PLAIN_KEY.match(key) else _Unsafe(key)


def _mark(value):
    if isinstance(value, dict):
        return dict((_key(k), _mark(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_mark(v) for v in value]
    if isinstance(value, str):
        return _Unsafe(value)
    return value


if HAS_YAML:
    class _UnsafeDumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        """A safe dumper that writes plain dicts, lists and scalars, and ``_Unsafe`` strings as ``!unsafe``."""

        def ignore_aliases(self, data):
            return True

    _BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")

    def _represent_unsafe(dumper, data):
        text = str(data)
        # A string YAML would read as something else (123, yes, null, a date) cannot hold a template: write it as
        # a quoted string without the tag, which every loader keeps a string.
        if dumper.resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":
            return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="'")
        # Line breaks of any kind survive only double quoting.
        style = '"' if any(b in text for b in _BREAKS) or not text.isprintable() else "'"
        return dumper.represent_scalar("!unsafe", text, style=style)

    _UnsafeDumper.add_representer(_Unsafe, _represent_unsafe)


def to_unsafe_yaml(data, indent=2):
    """YAML text of ``data`` where every string value, and every key that is not a plain word, is tagged ``!unsafe``."""
    if not HAS_YAML:
        raise AnsibleFilterError("to_unsafe_yaml needs PyYAML")
    try:
        data = json.loads(json.dumps(data))  # plain types only, whatever Ansible wrapped them in
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("to_unsafe_yaml: the data is not plain JSON-like data: %s" % to_native(exc))
    return yaml.dump(_mark(data), Dumper=_UnsafeDumper, indent=indent, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=1000)


# --------------------------------------------------------------------------- the role's summary
def _results(registered):
    if not registered:
        return []
    results = registered.get("results") if isinstance(registered, dict) else registered
    return [r for r in results or [] if isinstance(r, dict) and not r.get("skipped")]


def _labels(members):
    return sorted((m.get("email") or m.get("id")) for m in members or [] if isinstance(m, dict))


def _account_label(account):
    """``account 'Acme' (<id>): `` when the plan ran on an account host of the accounts inventory, else empty."""
    if not isinstance(account, dict) or not account.get("name"):
        return ""
    return "account '%s' (%s): " % (account["name"], account.get("id"))


def _count_write(summary, result):
    """One result of the role's create-or-update loop into the summary (only a reported change counts)."""
    item = result.get("item") or {}
    name = item.get("name")
    summary["written"].extend(result.get("written") or [])
    if result.get("failed"):
        summary["failed"].append({"name": name, "msg": result.get("msg"), "status": result.get("status"),
                                  "error_codes": result.get("error_codes") or []})
        return
    if not result.get("changed"):
        return
    summary["created" if item.get("id") is None else "updated"].append(name)
    if item.get("previous_name"):
        summary["renamed"][item["previous_name"]] = name
    if result.get("added"):
        summary["members_added"][name] = _labels(result["added"])
    if result.get("removed"):
        summary["members_removed"][name] = _labels(result["removed"])
    summary["written"].append("%s user group '%s'" % ("created" if item.get("id") is None else "updated", name))


def user_groups_run_summary(plan, applied=None, deleted=None, check_mode=None):
    """What the role did (or, in check mode, would do): names and emails from the plan and the write results.

    The summary is the plan's prediction when the plan ran in check mode (its ``check_mode`` result: ``--check``
    or the ``check_mode`` keyword) or when ``check_mode`` is true.
    """
    if not isinstance(plan, dict):
        raise AnsibleFilterError("user_groups_run_summary expects the registered result of cf_user_groups_plan")
    planned = dict(plan.get("summary") or {})
    if check_mode or plan.get("check_mode") is True:
        planned.update(check_mode=True, delete_refused=[], failed=[], written=[], changed=bool(plan.get("changed")))
        planned["message"] = run_message(planned, plan)
        return planned
    summary = {"created": [], "updated": [], "deleted": [], "delete_refused": [], "members_added": {},
               "members_removed": {}, "failed": [], "written": [], "renamed": {},
               "missing_scim_groups": list(planned.get("missing_scim_groups") or []),
               "protected": planned.get("protected") or {}, "look_alikes": planned.get("look_alikes") or {},
               "members_protected": planned.get("members_protected") or {},
               "removals": planned.get("removals") or {}, "account": planned.get("account") or {},
               "expired": planned.get("expired") or [], "expiring": planned.get("expiring") or []}
    account = _account_label(summary["account"])
    for result in _results(applied):
        _count_write(summary, result)
    for result in _results(deleted):
        name = (result.get("item") or {}).get("name")
        status = result.get("status")
        refused = status is not None and 400 <= int(status) < 500 and int(status) not in (401, 404, 429)
        if refused and result.get("msg"):
            refusal = {"name": name, "status": status, "error_codes": result.get("error_codes") or [],
                       "msg": result.get("msg")}
            summary["delete_refused"].append(refusal)
            display.warning("%sCloudflare refused to delete user group '%s' (HTTP %s%s): %s. A group pushed by an "
                            "identity provider cannot be deleted through the API; exclude it with "
                            "user_groups_purge_exclude or declare it with scim: true"
                            % (account, name, status,
                               ", codes %s" % refusal["error_codes"] if refusal["error_codes"] else "",
                               result.get("msg")))
        elif result.get("failed"):
            summary["failed"].append({"name": name, "msg": result.get("msg"), "status": status,
                                      "error_codes": result.get("error_codes") or []})
        elif result.get("changed"):
            summary["deleted"].append(name)
            summary["written"].append("deleted user group '%s'" % name)
    for key in ("created", "updated", "deleted"):
        summary[key] = sorted(n for n in summary[key] if n)
    touched = set(summary["created"]) | set(summary["updated"])
    groups = plan.get("groups") or []
    failed = set(f["name"] for f in summary["failed"])
    summary["unchanged"] = len([g for g in groups if g.get("name") not in touched and g.get("name") not in failed])
    summary["changed"] = bool(touched or summary["deleted"] or summary["written"])
    summary["message"] = run_message(summary, plan)
    return summary


def _listed(names, limit=5):
    names = list(names)
    shown = ", ".join("'%s'" % n for n in names[:limit])
    return shown + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


def _expired_part(summary):
    """The expired entries the run removes: ``'G': x removed: expired on D``."""
    gone = ["'%s': %s %s" % (e.get("group"), e.get("member") or e.get("policy"), e.get("note"))
            for e in summary.get("expired") or [] if e.get("removed")]
    return ["; ".join(gone[:5]) + (" and %d more" % (len(gone) - 5) if len(gone) > 5 else "")] if gone else []


def _expiring_note(summary):
    soon = len(summary.get("expiring") or [])
    return "; %d entr%s expire%s soon (user_groups_result.expiring)" % (
        soon, "y" if soon == 1 else "ies", "s" if soon == 1 else "") if soon else ""


def run_message(summary, plan):
    """One line for people: what the run changed (would change, in check mode), or that nothing did."""
    account = summary.get("account") or {}
    where = _account_label(account) or ("account %s: " % account["id"] if account.get("id") else "")
    check = summary.get("check_mode")
    parts = []
    for key, verb in (("created", "create"), ("updated", "update"), ("deleted", "delete")):
        names = summary.get(key) or []
        if names:
            parts.append("%s %d (%s)" % (verb if check else key, len(names), _listed(names)))
    renamed = summary.get("renamed") or {}
    if renamed:
        parts.append("%s %s" % ("rename" if check else "renamed",
                                ", ".join("'%s' to '%s'" % pair for pair in sorted(renamed.items()))))
    added = sum(len(v) for v in (summary.get("members_added") or {}).values())
    removed = sum(len(v) for v in (summary.get("members_removed") or {}).values())
    if added or removed:
        verbs = ("to add", "to remove") if check else ("added", "removed")
        parts.append("members: %d %s, %d %s" % (added, verbs[0], removed, verbs[1]))
    parts.extend(_expired_part(summary))
    failed = summary.get("failed") or []
    refused = summary.get("delete_refused") or []
    if failed:
        parts.append("%d failed (user_groups_result.failed)" % len(failed))
    if refused:
        parts.append("%d delete(s) refused by Cloudflare (user_groups_result.delete_refused)" % len(refused))
    if not parts:
        total = len(plan.get("groups") or [])
        return "%sno change: the %d declared group%s already match%s%s%s" % (
            where, total, "" if total == 1 else "s", "es" if total == 1 else "", " (check mode)" if check else "",
            _expiring_note(summary))
    return "%s%s%s%s" % (where, "check mode, nothing written: would " if check else "", "; ".join(parts),
                         _expiring_note(summary))


class FilterModule(object):
    """cfiam.user_groups filters."""

    def filters(self):
        return {
            "to_declaration": to_declaration,
            "to_unsafe_yaml": to_unsafe_yaml,
            "user_groups_run_summary": user_groups_run_summary,
        }
