# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drift report: what differs between an account and its declaration, from the plan of ``cf_user_groups_plan``.

Pure functions of plain data (the filter ``user_groups_drift_report`` in ``plugins/filter/drift_report.py`` calls
them; nothing here reads the API). The plan already holds everything, readable: its ``summary`` (groups to create,
update, rename and delete, member emails, the policies attached and detached as the diff shows them, the deleted
groups' members and policies) and its ``groups`` (the declaration, with ``scim``). A refused plan (a failed task
result: the removal ratio, a protected member, a look-alike...) is a report of its own kind, ``refused``.

* ``drift(plan, ...)``: the report data (``account``, ``generated_at``, ``mode``, ``status``, ``groups``, ``notes``,
  ``message``...);
* ``to_markdown(data)``, ``to_json(data)``; ``report_format(path)``: ``markdown`` or ``json`` from a file name.

Every value from the account is escaped in Markdown (``access_report.md_text``: markup, template braces, line
breaks); the JSON is plain JSON.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleFilterError

from ansible_collections.cfiam.user_groups.plugins.module_utils.views import policy_line
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.access_report import md_text, plain

REPORT = "cfiam.user_groups drift report"
FORMATS = {".md": "markdown", ".json": "json"}
LISTED = 5  # groups named in the one-line message


def report_format(path):
    """``markdown`` (``.md``) or ``json`` (``.json``) from a report file name, else an error that says the fix."""
    text = "" if path is None else str(path)
    for ext, fmt in FORMATS.items():
        if text.lower().endswith(ext):
            return fmt
    raise AnsibleFilterError(
        "Set user_groups_report_file to a path ending in .md (Markdown) or .json (JSON), such as "
        "drift/{{ inventory_hostname }}.md; got %s" % json.dumps(text))


def _policies(readable):
    return [dict(p, text=policy_line(p)) for p in readable or []]


def _entry(entries, name):
    if name not in entries:
        entries[name] = {"name": name, "changes": [], "members_to_add": [], "members_to_remove": [],
                         "policies_to_attach": [], "policies_to_detach": [], "notes": []}
    return entries[name]


def _declared_groups(summary, scim):
    """One entry per declared group that changes: create, rename, update, with its members and policies."""
    entries = {}
    for name in summary.get("created") or []:
        _entry(entries, name)["changes"].append("create")
    for previous, name in sorted((summary.get("renamed") or {}).items()):
        entry = _entry(entries, name)
        entry["changes"].append("rename")
        entry["previous_name"] = previous
    for key, field in (("members_added", "members_to_add"), ("members_removed", "members_to_remove")):
        for name, emails in (summary.get(key) or {}).items():
            _entry(entries, name)[field] = sorted(emails or [])
    for key, field in (("policies_attached", "policies_to_attach"), ("policies_detached", "policies_to_detach")):
        for name, readable in (summary.get(key) or {}).items():
            _entry(entries, name)[field] = _policies(readable)
    for name in summary.get("updated") or []:
        entry = _entry(entries, name)
        listed = any(entry[f] for f in ("members_to_add", "members_to_remove", "policies_to_attach",
                                        "policies_to_detach"))
        if (listed or not entry["changes"]) and "create" not in entry["changes"]:
            entry["changes"].append("update")
    for name, entry in entries.items():
        if name in scim:
            entry["notes"].append("pushed by the identity provider (scim: true): its members are left to it")
    return [entries[n] for n in sorted(entries)]


def _deleted_groups(summary):
    out = []
    for group in summary.get("deleted_groups") or []:
        out.append({"name": group.get("name"), "id": group.get("id"), "changes": ["delete"], "members_to_add": [],
                    "members_to_remove": sorted(group.get("members") or []), "policies_to_attach": [],
                    "policies_to_detach": _policies(group.get("policies")), "notes": []})
    named = set(g["name"] for g in out)
    out.extend({"name": n, "changes": ["delete"], "members_to_add": [], "members_to_remove": [],
                "policies_to_attach": [], "policies_to_detach": [], "notes": []}
               for n in summary.get("deleted") or [] if n not in named)  # a plan from before deleted_groups
    return sorted(out, key=lambda g: (g["name"] or "", g.get("id") or ""))


def _notes(summary):
    notes = []
    for name in summary.get("missing_scim_groups") or []:
        notes.append("group '%s' is declared with scim: true but the account does not have it yet (the identity "
                     "provider has not pushed it; user_groups_missing_scim: warn)" % name)
    for name, declared in sorted((summary.get("look_alikes") or {}).items()):
        notes.append("undeclared group '%s' looks like declared group '%s' and is left alone "
                     "(user_groups_lookalike_names: warn)" % (name, declared))
    for name, emails in sorted((summary.get("members_protected") or {}).items()):
        notes.append("group '%s' keeps protected member(s) %s that its member list leaves out "
                     "(user_groups_protected_members)" % (name, ", ".join(emails)))
    for pattern, names in sorted((summary.get("protected") or {}).items()):
        if names:
            notes.append("the purge spares %s (user_groups_purge_exclude '%s')"
                         % (", ".join("'%s'" % n for n in names), pattern))
    return notes


def _outcome(groups, result):
    """A real run: whether each group's drift was repaired (the role's ``user_groups_result``)."""
    failed = dict((f.get("name"), f.get("msg")) for f in result.get("failed") or [] if isinstance(f, dict))
    refused = dict((f.get("name"), f.get("msg")) for f in result.get("delete_refused") or [] if isinstance(f, dict))
    for group in groups:
        name = group["name"]
        if name in failed:
            group["outcome"] = "not repaired: the write failed: %s" % failed[name]
        elif "delete" in group["changes"] and name in refused:
            group["outcome"] = "not repaired: Cloudflare refused the delete: %s" % refused[name]
        else:
            group["outcome"] = "repaired"


def _account(plan, account):
    found = plan.get("account") or (plan.get("summary") or {}).get("account")
    if isinstance(found, dict) and found.get("id"):
        return {"id": found.get("id"), "name": found.get("name")}
    if isinstance(account, dict):
        return {"id": account.get("id") or None, "name": account.get("name") or None}
    return {"id": account or None, "name": None}


def account_label(account):
    if account.get("name"):
        return "account '%s' (%s)" % (account["name"], account.get("id"))
    return "account %s" % account["id"] if account.get("id") else "the account"


def drift(plan, result=None, generated_at=None, report_file=None, account=None, check_mode=None):
    """The report data of a plan (the registered result of ``cf_user_groups_plan``, failed or not)."""
    if not isinstance(plan, dict):
        raise AnsibleFilterError("user_groups_drift_report expects the registered result of "
                                 "cfiam.user_groups.cf_user_groups_plan, got %s" % type(plan).__name__)
    plan, result = plain(plan), plain(result or {})
    if plan.get("check_mode") is not None:
        check_mode = plan["check_mode"]
    data = {"report": REPORT, "account": _account(plan, account), "generated_at": generated_at,
            "mode": "check" if check_mode else "real", "report_file": report_file, "groups": [], "notes": []}
    if plan.get("failed"):
        data.update(status="refused", drift=True, refusal={
            "msg": plan.get("msg"), "problems": [str(p) for p in plan.get("problems") or [plan.get("msg")]]})
        data["message"] = message(data)
        return data
    summary = plan.get("summary") or {}
    scim = set(g.get("name") for g in plan.get("groups") or [] if isinstance(g, dict) and g.get("scim"))
    data["groups"] = _declared_groups(summary, scim) + _deleted_groups(summary)
    data["notes"] = _notes(summary)
    data["declared"] = len(plan.get("groups") or [])
    if data["mode"] == "real" and result:
        _outcome(data["groups"], result)
    data.update(status="drift" if data["groups"] else "no drift", drift=bool(data["groups"]))
    data["message"] = message(data)
    return data


def _changes_text(group):
    parts = list(group["changes"])
    for field, what in (("members_to_add", "to add"), ("members_to_remove", "to remove")):
        if group[field]:
            parts.append("%d member%s %s" % (len(group[field]), "" if len(group[field]) == 1 else "s", what))
    for field, what in (("policies_to_attach", "to attach"), ("policies_to_detach", "to detach")):
        if group[field]:
            parts.append("%d polic%s %s" % (len(group[field]), "y" if len(group[field]) == 1 else "ies", what))
    return ", ".join(parts)


def message(data):
    """One line: no drift, the drifting groups (five named), or the refusal; where the report is."""
    where = account_label(data["account"])
    check = data["mode"] == "check"
    report = " Report: %s." % data["report_file"] if data.get("report_file") else ""
    if data["status"] == "refused":
        return ("Drift check of %s: the plan was refused before any write, so the account could not be compared "
                "with the declaration in full; a refusal counts as drift. %s%s" % (
                    where, (data["refusal"]["msg"] or "").rstrip("."), "." + report))
    if data["status"] == "no drift":
        return "No drift in %s: the %d declared group%s match%s the account (%s run).%s" % (
            where, data["declared"], "" if data["declared"] == 1 else "s", "es" if data["declared"] == 1 else "",
            "check-mode" if check else "real", report)
    groups = data["groups"]
    shown = "; ".join("'%s' (%s)" % (g["name"], _changes_text(g)) for g in groups[:LISTED])
    more = " and %d more" % (len(groups) - LISTED) if len(groups) > LISTED else ""
    then = ("Check mode: nothing was written; a real run repairs it, or change the declaration to match."
            if check else "The real run repaired what it could (see each group's outcome).")
    return "Drift in %s: %d group%s differ%s from the declaration: %s%s. %s%s" % (
        where, len(groups), "" if len(groups) == 1 else "s", "s" if len(groups) == 1 else "", shown, more, then,
        report)


# --------------------------------------------------------------------------- renderings
def to_json(data):
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _md_list(title, items):
    if not items:
        return []
    return ["- %s (%d):" % (title, len(items))] + ["  - %s" % md_text(i) for i in items]


def _md_group(group):
    title = "### %s: %s" % (md_text(group["name"]), md_text(", ".join(group["changes"])))
    lines = [title, ""]
    if group.get("id"):
        lines.append("- Id: %s" % md_text(group["id"]))
    if group.get("previous_name") is not None:
        lines.append("- Renamed from: %s" % md_text(group["previous_name"]))
    removing = "Members who lose it" if "delete" in group["changes"] else "Members to remove"
    detaching = "Its policies, removed with it" if "delete" in group["changes"] else "Policies to detach"
    lines += _md_list("Members to add", group["members_to_add"])
    lines += _md_list(removing, group["members_to_remove"])
    lines += _md_list("Policies to attach", [p["text"] for p in group["policies_to_attach"]])
    lines += _md_list(detaching, [p["text"] for p in group["policies_to_detach"]])
    lines += ["- SCIM: %s" % md_text(n) for n in group["notes"]]
    if group.get("outcome"):
        lines.append("- Outcome: %s" % md_text(group["outcome"]))
    return lines + [""]


def to_markdown(data):
    account = data["account"]
    status = {"no drift": "no drift", "drift": "drift in %d group(s)" % len(data["groups"]),
              "refused": "refused (counts as drift)"}[data["status"]]
    lines = ["# Drift report: %s" % md_text(account.get("name") or account.get("id") or "account"), "",
             "- Account: %s" % md_text("'%s' (%s)" % (account["name"], account.get("id")) if account.get("name")
                                       else account.get("id") or "unknown"),
             "- Generated: %s (UTC)" % md_text(data.get("generated_at") or "unknown"),
             "- Run: %s" % ("check mode (nothing written)" if data["mode"] == "check" else
                            "real run (the drift below was found, then repaired)"),
             "- Result: **%s**" % status, "", md_text(data["message"]), ""]
    if data["status"] == "refused":
        lines += ["## Refused", ""] + ["- %s" % md_text(p) for p in data["refusal"]["problems"]] + [""]
    elif data["groups"]:
        lines += ["## Groups (%d)" % len(data["groups"]), ""]
        for group in data["groups"]:
            lines += _md_group(group)
    else:
        lines += ["No drift: the account matches the declaration.", ""]
    if data["notes"]:
        lines += ["## Notes", ""] + ["- %s" % md_text(n) for n in data["notes"]] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render(data, fmt):
    if fmt == "json":
        return to_json(data)
    return to_markdown(data)
