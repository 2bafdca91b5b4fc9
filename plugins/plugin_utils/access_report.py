# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The access report: the result of ``cf_access_info`` as JSON data, CSV, Markdown and a self-contained HTML page.

Pure functions of plain data (the filters in ``plugins/filter/access_report.py`` call them; nothing here reads the
API). Every rendering is made from the same report dictionary (``report``), so the four files agree by construction:

* ``report(result, previous=None)``: the report data (``account``, ``generated_at``, ``members``, ``groups``,
  ``findings``, ``summary``) and, given the previous report, ``changes``;
* ``compare(current, previous)``: members added and removed, grants gained and lost per member;
* ``to_csv``, ``to_markdown``, ``to_html``; ``files``: the four texts at once; ``index_html`` for several accounts.

Every value from the API is escaped: HTML (markup, quotes, and braces so no template engine ever sees a marker),
Markdown (the same, plus table pipes, emphasis, links and line breaks), Mermaid labels (entity codes), CSV (cells
that a spreadsheet would run as a formula, starting with = + - @ tab or carriage return, get a leading quote).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import csv
import hashlib
import io
import json
import re

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

REPORT_KEYS = ("account", "generated_at", "members", "groups", "findings", "summary")
CSV_COLUMNS = ("email", "status", "access", "permission_group", "permission_group_label", "scope", "via")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OPEN_KINDS = ("super_admin", "direct_policy", "pending_member", "deprecated_role")
MERMAID_MAX_EDGES = 500  # Mermaid's default maxEdges: a larger graph does not render
KIND_TITLES = {
    "super_admin": "Super Administrator", "direct_policy": "Policy outside any group",
    "pending_member": "Pending invitation with access", "no_group": "Member in no group",
    "empty_group": "Group without members", "deprecated_role": "Deprecated role",
}


# --------------------------------------------------------------------------- data
def plain(value):
    """A copy of ``value`` made of plain dicts, lists, strings, numbers, booleans and None.

    Ansible hands a filter its variables as lazy containers whose every item access costs a templating check; a
    report reads each item many times, so it reads them once here (1,000 members: seconds saved per file).
    """
    if isinstance(value, Mapping):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple, set, frozenset)) or isinstance(value, Sequence):
        return [plain(v) for v in value]
    return value


def _require(result, what):
    """``result`` as plain data, when it is a review (the module's result or a report); else a filter error."""
    if not isinstance(result, Mapping) or not isinstance(result.get("members"), Sequence):
        raise AnsibleFilterError("%s must be the result of cfiam.user_groups.cf_access_info (or an access report), "
                                 "got %s" % (what, type(result).__name__))
    return plain(result)


def report(result, previous=None, previous_name=None):
    """The report data of a ``cf_access_info`` result, with ``changes`` against ``previous`` when given: a report, or
    the text of its JSON file (``previous_name``: that file, for the messages)."""
    result = _require(result, "the input")
    out = dict((key, result.get(key)) for key in REPORT_KEYS)
    if result.get("changes") is not None:  # a report that was compared already
        out["changes"] = result["changes"]
    if previous is not None:
        previous = previous_report(previous, previous_name)
        mine = (out.get("account") or {}).get("id")
        theirs = previous["account"]["id"]
        if mine and mine != theirs:
            raise AnsibleFilterError("give the access-report.json of an earlier review of account %s: %s is of "
                                     "account %s" % (mine, _previous_label(previous_name), theirs))
        out["changes"] = compare(out, previous)
    return out


def _previous_label(name):
    return "the previous report %s" % name if name else "the previous report"


def _report_problems(data):
    """What makes ``data`` no access report: ``[]`` for a report with an account id, members and their grants."""
    if not isinstance(data, Mapping):
        return ["it holds %s, not a report" % type(data).__name__]
    problems = []
    account = data.get("account")
    if not isinstance(account, Mapping) or not isinstance(account.get("id"), str) or not account.get("id"):
        problems.append("it names no account (account.id), so it cannot be shown to be of this account")
    members = data.get("members")
    if isinstance(members, str) or not isinstance(members, Sequence):
        problems.append("its members are not a list")
        return problems
    for n, member in enumerate(members):
        grants = member.get("grants") if isinstance(member, Mapping) else None
        if not isinstance(member, Mapping) or not (member.get("email") or member.get("id")):
            problems.append("members[%d] is not a member with an email or id" % n)
        elif isinstance(grants, str) or not isinstance(grants, Sequence) or not all(
                isinstance(g, Mapping) for g in grants):
            problems.append("the grants of members[%d] are not a list of grants" % n)
        if len(problems) >= 3:
            break
    return problems


def previous_report(previous, name=None):
    """The previous report as plain data, checked: its JSON text is parsed; text that is no JSON (a file cut short),
    or data that is no report of a known account, fails naming the file and what to give instead."""
    fix = "give the access-report.json an earlier review of this account wrote, whole and unchanged"
    if isinstance(previous, (str, bytes)):
        try:
            previous = json.loads(previous)
        except ValueError as exc:
            raise AnsibleFilterError("%s: %s is not valid JSON (%s; a file cut short or edited by hand fails this "
                                     "way)" % (fix, _previous_label(name), exc))
    problems = _report_problems(previous)
    if problems:
        raise AnsibleFilterError("%s: %s is not such a report: %s" % (fix, _previous_label(name), "; ".join(problems)))
    return plain(previous)


def grant_key(grant):
    """What makes a grant the same grant in two reports: access, role (by id) and scope (as shown)."""
    pg = grant.get("permission_group") or {}
    return (grant.get("access"), pg.get("id") or pg.get("name"), grant.get("scope_text"))


def _by_email(members):
    return dict(((m.get("email") or m.get("id") or "").lower(), m) for m in members or [])


def compare(current, previous):
    """``{previous_generated_at, members_added, members_removed, members_changed}``.

    Members are matched by email; grants by ``grant_key`` (a change of ``via`` alone is not a change of access).
    ``members_changed``: ``[{email, status, gained: [grants], lost: [grants]}]``.
    """
    now, before = _by_email(current.get("members")), _by_email(previous.get("members"))
    added = [now[e] for e in sorted(set(now) - set(before))]
    removed = [before[e] for e in sorted(set(before) - set(now))]
    changed = []
    for email in sorted(set(now) & set(before)):
        old = set(grant_key(g) for g in before[email].get("grants") or [])
        new = set(grant_key(g) for g in now[email].get("grants") or [])
        gained = [g for g in now[email].get("grants") or [] if grant_key(g) not in old]
        lost = [g for g in before[email].get("grants") or [] if grant_key(g) not in new]
        if gained or lost:
            changed.append({"email": now[email].get("email"), "status": now[email].get("status"),
                            "gained": gained, "lost": lost})
    keep = ("id", "email", "status", "groups", "grants")
    return {"previous_generated_at": previous.get("generated_at"),
            "members_added": [dict((k, m.get(k)) for k in keep) for m in added],
            "members_removed": [dict((k, m.get(k)) for k in keep) for m in removed],
            "members_changed": changed}


# --------------------------------------------------------------------------- escaping
def html_text(value):
    """Text for HTML content and attribute values: markup, quotes and template braces become entities."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return text.replace("'", "&#39;").replace("{", "&#123;").replace("}", "&#125;")


_MD_INLINE = re.compile(r"([\\`*_\[\]~])")
_MD_LEADING = re.compile(r"^(\s*)([#+=-])|^(\s*\d+)([.)])")  # ">" is "&gt;" already: no quote


def _md_escape_marker(match):
    """``#`` -> ``\\#``, ``  -`` -> ``  \\-``, ``12.`` -> ``12\\.``: a leading block marker, backslash-escaped."""
    if match.group(2) is not None:
        return "%s\\%s" % (match.group(1), match.group(2))
    return "%s\\%s" % (match.group(3), match.group(4))


def md_text(value):
    """Text for a Markdown paragraph, heading, list item or table cell: HTML-escaped, pipes and braces as entities,
    the characters of inline markup (backslash, backtick, emphasis, links, strike-through) and a leading block marker
    (heading, list, quote) backslash-escaped, line breaks as spaces."""
    text = re.sub(r"[\r\n\v\f\u2028\u2029]+", " ", "" if value is None else str(value))
    text = _MD_LEADING.sub(_md_escape_marker, _MD_INLINE.sub(r"\\\1", text))
    return html_text(text).replace("|", "&#124;")


def mermaid_text(value):
    """A Mermaid label: letters, digits and a few safe marks as they are, everything else as ``#<code>;``."""
    text = re.sub(r"\s+", " ", "" if value is None else str(value))
    return "".join(c if c.isalnum() or c in " .,:@_/" else "#%d;" % ord(c) for c in text)


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: a leading = + - @ tab or carriage return gets a quote first."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --------------------------------------------------------------------------- CSV
def _grant_cells(grant):
    pg = grant.get("permission_group") or {}
    return [grant.get("access"), pg.get("name") or pg.get("id"), pg.get("label"), grant.get("scope_text"),
            "; ".join(grant.get("via") or [])]


def _csv_rows(data):
    changes = data.get("changes")
    gained = {}
    if changes is not None:
        for entry in changes["members_changed"]:
            gained[(entry["email"] or "").lower()] = set(grant_key(g) for g in entry["gained"])
        for entry in changes["members_added"]:
            gained[(entry["email"] or "").lower()] = None  # every row of the member is new
    rows = []
    for member in data.get("members") or []:
        head = [member.get("email"), member.get("status")]
        mine = gained.get((member.get("email") or "").lower(), set())
        for grant in member.get("grants") or [None]:
            cells = head + (_grant_cells(grant) if grant else [""] * 5)
            if changes is not None:
                cells.append("member added" if mine is None else "gained" if grant and grant_key(grant) in mine
                             else "")
            rows.append(cells)
    if changes is not None:
        for entry in changes["members_changed"]:
            rows.extend([entry["email"], entry["status"]] + _grant_cells(g) + ["lost"] for g in entry["lost"])
        for member in changes["members_removed"]:
            for grant in member.get("grants") or [None]:
                rows.append([member.get("email"), member.get("status")] + (_grant_cells(grant) if grant else [""] * 5)
                            + ["member removed"])
    return rows


def to_csv(data):
    """One row per member and grant (a member without grants: one row with empty grant columns). With changes, a
    ``change`` column: ``gained``, ``member added``, and rows for ``lost`` grants and ``member removed``."""
    data = _require(data, "the input")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = list(CSV_COLUMNS) + (["change"] if data.get("changes") is not None else [])
    writer.writerow(header)
    for row in _csv_rows(data):
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


# --------------------------------------------------------------------------- Markdown
def _md_row(cells):
    return "| %s |" % " | ".join(md_text(c) for c in cells)


def _md_table(header, rows):
    lines = [_md_row(header), "|%s|" % "|".join("---" for _h in header)]
    lines.extend(_md_row(r) for r in rows)
    return lines


def _md_title(data):
    account = data.get("account") or {}
    summary = data.get("summary") or {}
    lines = ["# Access review: %s" % md_text(account.get("name") or account.get("id")), "",
             "Account %s, read %s: %s members (%s pending), %s groups, %s grants, %d findings." % (
                 md_text(account.get("id")), md_text(data.get("generated_at")), summary.get("members", 0),
                 summary.get("pending", 0), summary.get("groups", 0), summary.get("grants", 0),
                 len(data.get("findings") or [])), ""]
    return lines


def _md_findings(data):
    found = data.get("findings") or []
    lines = ["## Findings (%d)" % len(found), ""]
    if not found:
        return lines + ["Nothing to look at.", ""]
    rows = [(KIND_TITLES.get(f["kind"], f["kind"]) + " (%s)" % f["kind"], f["subject"], f["message"]) for f in found]
    return lines + _md_table(("Finding", "Subject", "Message"), rows) + [""]


def _md_changes(changes):
    lines = ["## Changes since the previous review (%s)" % md_text(changes.get("previous_generated_at")), ""]
    for title, key in (("Members added", "members_added"), ("Members removed", "members_removed")):
        members = changes[key]
        lines += ["### %s (%d)" % (title, len(members)), ""]
        lines += ["- %s (%s): %s" % (md_text(m["email"]), md_text(m["status"]), "; ".join(
            md_text(_grant_line(g)) for g in m.get("grants") or []) or "no grant") for m in members]
        lines += [""] if members else ["None.", ""]
    rows = [(e["email"], what, g["access"], (g["permission_group"] or {}).get("name"), g["scope_text"],
             ", ".join(g.get("via") or [])) for e in changes["members_changed"]
            for what, grants in (("gained", e["gained"]), ("lost", e["lost"])) for g in grants]
    lines += ["### Grants gained and lost (%d)" % len(rows), ""]
    if rows:
        lines += _md_table(("Member", "Change", "Access", "Permission group", "Scope", "Via"), rows)
    else:
        lines.append("None.")
    return lines + [""]


def _grant_line(grant):
    pg = grant.get("permission_group") or {}
    return "%s %s on %s via %s" % (grant.get("access"), pg.get("name") or pg.get("id"), grant.get("scope_text"),
                                   ", ".join(grant.get("via") or []))


def _md_members(data):
    lines = ["## Members (%d)" % len(data.get("members") or []), ""]
    for member in data.get("members") or []:
        lines += ["### %s (%s)" % (md_text(member.get("email") or member.get("id")), md_text(member.get("status"))),
                  "", "Groups: %s" % (", ".join(md_text(g) for g in member.get("groups") or []) or "none") + ".", ""]
        if member.get("roles"):
            lines += ["Legacy account roles: %s." % ", ".join(md_text(r) for r in member["roles"]), ""]
        rows = [_grant_cells(g)[:2] + [g.get("scope_text"), ", ".join(g.get("via") or [])]
                for g in member.get("grants") or []]
        lines += (_md_table(("Access", "Permission group", "Scope", "Via"), rows) if rows else ["No grant."]) + [""]
    return lines


def _role_names(policy):
    return ", ".join(pg.get("name") or pg.get("id") or "" for pg in policy["permission_groups"])


def _md_groups(data):
    groups = data.get("groups") or []
    lines = ["## Groups (%d)" % len(groups), ""]
    rows = []
    for group in groups:
        policies = "; ".join("%s %s on %s" % (p["access"], _role_names(p), p["scope_text"])
                             for p in group.get("policies") or []) or "none"
        rows.append((group.get("name"), ", ".join(group.get("members") or []) or "none", policies))
    return lines + (_md_table(("Group", "Members", "Policies"), rows) if rows else ["No group."]) + [""]


def mermaid_graph(data):
    """``(lines, edges)``: groups -> roles -> scopes; a role node per (access, role, scope), so every path is true."""
    lines, edges = ["graph LR"], 0
    roles, scopes = {}, {}
    for n, group in enumerate(data.get("groups") or []):
        lines.append('  g%d["%s"]' % (n, mermaid_text(group.get("name"))))
        for policy in group.get("policies") or []:
            scope = scopes.setdefault(policy["scope_text"], "s%d" % len(scopes))
            for pg in policy["permission_groups"]:
                key = (policy["access"], pg.get("id"), policy["scope_text"])
                if key not in roles:
                    roles[key] = "r%d" % len(roles)
                    lines.append('  %s["%s%s"] --> %s["%s"]' % (
                        roles[key], "deny: " if policy["access"] == "deny" else "", mermaid_text(pg.get("name")),
                        scope, mermaid_text(policy["scope_text"])))
                    edges += 1
                lines.append("  g%d --> %s" % (n, roles[key]))
                edges += 1
    return lines, edges


def _md_graph(data):
    lines, edges = mermaid_graph(data)
    head = ["## Graph: groups, roles, scopes", ""]
    if edges > MERMAID_MAX_EDGES:
        return head + ["The graph has %d edges, more than Mermaid draws by default (%d): see the groups above." % (
            edges, MERMAID_MAX_EDGES), ""]
    if edges == 0:
        return head + ["No group has a policy.", ""]
    return head + ["```mermaid"] + lines + ["```", ""]


def to_markdown(data):
    """The report as Markdown: findings, changes (when compared), members with their grants, groups, the graph."""
    data = _require(data, "the input")
    lines = _md_title(data) + _md_findings(data)
    if data.get("changes") is not None:
        lines += _md_changes(data["changes"])
    lines += _md_members(data) + _md_groups(data) + _md_graph(data)
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML
PAGE_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 1.5em 2em;color:#1d2330;background:#fff}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid #d6dae3}
.meta{color:#555}table{border-collapse:collapse}th,td{border:1px solid #d6dae3;padding:3px 6px;text-align:left;
vertical-align:top}thead th{background:#f1f3f8}.findings td:first-child{white-space:nowrap}
details.finding{margin:.3em 0}details.finding summary{cursor:pointer;font-weight:600}
details.k-super_admin summary{color:#a4000f}details.k-direct_policy summary,details.k-pending_member summary,
details.k-deprecated_role summary{color:#9a5b00}
.controls{display:flex;gap:1.2em;align-items:center;flex-wrap:wrap;margin:.4em 0 .6em}.controls input[type=search]{width:22em}
.scroll{overflow:auto;max-height:80vh;border:1px solid #d6dae3}#matrix-table{font-size:13px}
#matrix-table thead th{position:sticky;top:0;z-index:2;cursor:pointer;user-select:none;max-width:9em;font-weight:600}
#matrix-table thead th.group{background:#e6eefc}#matrix-table thead th.role{background:#f4ecfb}
#matrix-table tbody th{position:sticky;left:0;background:#fff;z-index:1;white-space:nowrap;font-weight:500}
#matrix-table thead th:first-child{left:0;z-index:3}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}td.in{text-align:center;color:#1e5bd8;font-weight:700}
.g{white-space:nowrap}.g small{color:#666;margin-left:.3em}.allow{color:#0b6b2f}.deny{color:#b00020;font-weight:600}
tr.pending th{font-style:italic}.pill{display:inline-block;border-radius:8px;padding:0 6px;background:#fde9c8}
.none{color:#888}tr.lost .g{text-decoration:line-through}
"""

PAGE_JS = """
(function () {
  "use strict";
  var table = document.getElementById("matrix-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var filter = document.getElementById("filter");
  var status = document.getElementById("status");
  var direct = document.getElementById("direct-only");
  var count = document.getElementById("count");
  var sortCol = -1, sortDir = 1;

  function saveState() {
    var parts = [];
    if (filter.value) { parts.push("q=" + encodeURIComponent(filter.value)); }
    if (status.value) { parts.push("status=" + encodeURIComponent(status.value)); }
    if (direct.checked) { parts.push("direct=1"); }
    if (sortCol >= 0) { parts.push("sort=" + sortCol, "dir=" + (sortDir > 0 ? "asc" : "desc")); }
    try { history.replaceState(null, "", "#" + parts.join("&")); } catch (e) { /* a file: URL may refuse */ }
  }

  function apply() {
    var q = filter.value.trim().toLowerCase(), s = status.value, only = direct.checked, shown = 0;
    rows.forEach(function (row) {
      var ok = (!q || row.getAttribute("data-search").indexOf(q) >= 0) &&
        (!s || row.getAttribute("data-status") === s) && (!only || row.getAttribute("data-direct") === "1");
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " members shown";
    saveState();
  }

  function value(row, col) {
    var cell = row.cells[col];
    var v = cell.getAttribute("data-v");
    return v !== null ? v : cell.textContent.trim().toLowerCase();
  }

  function sortBy(col, dir) {
    var numeric = heads[col].getAttribute("data-type") === "num";
    sortCol = col; sortDir = dir;
    rows.sort(function (a, b) {
      var x = value(a, col), y = value(b, col), c;
      if (numeric) { c = (parseFloat(x) || 0) - (parseFloat(y) || 0); } else { c = x < y ? -1 : x > y ? 1 : 0; }
      return c * dir || (a.getAttribute("data-email") < b.getAttribute("data-email") ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    heads.forEach(function (h, i) {
      if (i === col) { h.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending"); }
      else { h.removeAttribute("aria-sort"); }
    });
    saveState();
  }

  heads.forEach(function (h, i) {
    h.addEventListener("click", function () {
      var first = h.getAttribute("data-type") === "text" ? 1 : -1;
      sortBy(i, sortCol === i ? -sortDir : first);
    });
  });
  filter.addEventListener("input", apply);
  status.addEventListener("change", apply);
  direct.addEventListener("change", apply);

  var state = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    if (!kv[0]) { return; }
    try { state[kv[0]] = decodeURIComponent(kv[1] || ""); } catch (e) { state[kv[0]] = kv[1] || ""; }
  });
  filter.value = state.q || "";
  status.value = state.status || "";
  direct.checked = state.direct === "1";
  var col = parseInt(state.sort, 10);
  if (col >= 0 && col < heads.length) { sortBy(col, state.dir === "desc" ? -1 : 1); }
  apply();
  document.body.setAttribute("data-ready", "1");
}());
"""


def _csp_hash(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _page(title, body_parts, script=True):
    """A whole page: no external asset, and a Content-Security-Policy that allows no request at all."""
    policy = ("default-src 'none'; style-src %s; script-src %s; img-src 'none'; connect-src 'none'; "
              "base-uri 'none'; form-action 'none'" % (_csp_hash(PAGE_CSS), _csp_hash(PAGE_JS) if script else "'none'"))
    head = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="%s">' % policy,
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            '<title>%s</title>' % html_text(title), '<style>%s</style>' % PAGE_CSS, '</head>', '<body>']
    tail = ['<script>%s</script>' % PAGE_JS] if script else []
    return "\n".join(head + body_parts + tail + ['</body>', '</html>', ''])


def _cell(tag, text, attrs=None):
    extra = "".join(' %s="%s"' % (k, html_text(v)) for k, v in sorted((attrs or {}).items()) if v is not None)
    return "<%s%s>%s</%s>" % (tag, extra, html_text(text), tag)


def _html_title(data):
    account = data.get("account") or {}
    summary = data.get("summary") or {}
    return ['<header>', '<h1>Access review: %s</h1>' % html_text(account.get("name") or account.get("id")),
            '<p class="meta">Account <code>%s</code>, read %s: %s members (%s pending), %s groups, %s grants, '
            '%d findings.</p>' % (html_text(account.get("id")), html_text(data.get("generated_at")),
                                  summary.get("members", 0), summary.get("pending", 0), summary.get("groups", 0),
                                  summary.get("grants", 0), len(data.get("findings") or [])), '</header>']


def _html_findings(data):
    """The findings by kind, each kind a block that opens on a click; the kinds that need action open at first."""
    found = data.get("findings") or []
    parts = ['<section id="findings">', '<h2>Findings (%d)</h2>' % len(found)]
    if not found:
        return parts + ['<p>Nothing to look at.</p>', '</section>']
    kinds = list(dict.fromkeys(f["kind"] for f in found))
    for kind in kinds:
        mine = [f for f in found if f["kind"] == kind]
        parts.append('<details class="finding k-%s"%s><summary>%s (%d)</summary>' % (
            html_text(kind), " open" if kind in OPEN_KINDS or len(mine) <= 3 else "",
            html_text(KIND_TITLES.get(kind, kind)), len(mine)))
        parts.append('<table class="findings"><thead><tr><th>Subject</th><th>Message</th></tr></thead><tbody>')
        parts.extend('<tr class="k-%s">%s%s</tr>' % (html_text(kind), _cell("td", f["subject"]), _cell(
            "td", f["message"])) for f in mine)
        parts.append('</tbody></table></details>')
    return parts + ['</section>']


def _grant_html(grant, show_role=False):
    pg = grant.get("permission_group") or {}
    text = ("%s: " % (pg.get("name") or pg.get("id")) if show_role else "") + (grant.get("scope_text") or "")
    return '<div class="g %s">%s%s<small>via %s</small></div>' % (
        "deny" if grant.get("access") == "deny" else "allow", "deny " if grant.get("access") == "deny" else "",
        html_text(text), html_text(", ".join(grant.get("via") or [])))


def _html_changes(changes):
    parts = ['<section id="changes">', '<h2>Changes since the previous review (%s)</h2>' % html_text(
        changes.get("previous_generated_at"))]
    for title, key in (("Members added", "members_added"), ("Members removed", "members_removed")):
        members = changes[key]
        parts.append('<h3>%s (%d)</h3>' % (title, len(members)))
        items = ['<li>%s (%s)%s</li>' % (html_text(m["email"]), html_text(m["status"]), "".join(
            _grant_html(g, True) for g in m.get("grants") or []) or ": no grant") for m in members]
        parts.append('<ul class="%s">%s</ul>' % (key, "".join(items)) if items else '<p>None.</p>')
    rows = ['<tr class="%s">%s%s<td>%s</td></tr>' % (what, _cell("td", e["email"]), _cell("td", what),
                                                     _grant_html(g, True))
            for e in changes["members_changed"] for what, grants in (("gained", e["gained"]), ("lost", e["lost"]))
            for g in grants]
    parts.append('<h3>Grants gained and lost (%d)</h3>' % len(rows))
    parts.append('<table id="grant-changes"><thead><tr><th>Member</th><th>Change</th><th>Grant</th></tr></thead>'
                 '<tbody>%s</tbody></table>' % "".join(rows) if rows else '<p>None.</p>')
    return parts + ['</section>']


def _roles(data):
    """The roles anyone holds, ``[(id, name, label)]`` sorted by name."""
    roles = {}
    for member in data.get("members") or []:
        for grant in member.get("grants") or []:
            pg = grant.get("permission_group") or {}
            roles.setdefault(pg.get("id") or pg.get("name"), (pg.get("name") or pg.get("id"), pg.get("label")))
    return sorted(((k, n, lbl) for k, (n, lbl) in roles.items()), key=lambda r: ((r[1] or "").lower(), r[0] or ""))


def _matrix_head(groups, roles):
    cells = [_cell("th", "Member", {"data-type": "text", "scope": "col"}),
             _cell("th", "Status", {"data-type": "text", "scope": "col"}),
             _cell("th", "Grants", {"data-type": "num", "scope": "col", "title": "number of grants"}),
             _cell("th", "Direct", {"data-type": "num", "scope": "col", "title": "grants outside any group"})]
    cells += [_cell("th", g.get("name"), {"class": "group", "data-type": "num", "data-key": "group:%s" % g.get("name"),
                                          "scope": "col", "title": "group %s" % g.get("name")}) for g in groups]
    cells += [_cell("th", name, {"class": "role", "data-type": "num", "data-key": "role:%s" % (label or rid),
                                 "scope": "col", "title": "role %s (%s)" % (name, label)}) for rid, name, label in roles]
    return '<thead><tr>%s</tr></thead>' % "".join(cells)


def _matrix_row(member, groups, roles, member_sets):
    grants = member.get("grants") or []
    direct = len([g for g in grants if "direct" in (g.get("via") or [])])
    search = [member.get("email"), member.get("status")] + list(member.get("groups") or [])
    for grant in grants:
        pg = grant.get("permission_group") or {}
        search += [pg.get("name"), pg.get("label"), grant.get("scope_text"), grant.get("access")] + list(
            grant.get("via") or [])
    attrs = {"data-email": member.get("email"), "data-status": member.get("status"),
             "data-direct": "1" if direct else "0", "data-search": " ".join(str(s) for s in search if s).lower(),
             "class": "pending" if member.get("status") == "pending" else None}
    cells = [_cell("th", member.get("email") or member.get("id"), {"scope": "row"}),
             _cell("td", member.get("status")), _cell("td", len(grants)), _cell("td", direct)]
    who = member.get("email") or member.get("id")
    for group, group_members in zip(groups, member_sets):  # by the group's own member list: same-name groups differ
        inside = who in group_members
        cells.append('<td class="in" data-v="%d"%s>%s</td>' % (
            int(inside), ' title="member of %s"' % html_text(group.get("name")) if inside else "",
            "&#9679;" if inside else ""))
    for rid, _name, _label in roles:
        held = [g for g in grants if ((g.get("permission_group") or {}).get("id") or
                                      (g.get("permission_group") or {}).get("name")) == rid]
        cells.append('<td data-v="%d">%s</td>' % (len(held), "".join(_grant_html(g) for g in held)))
    extra = "".join(' %s="%s"' % (k, html_text(v)) for k, v in sorted(attrs.items()) if v is not None)
    return '<tr%s>%s</tr>' % (extra, "".join(cells))


def _html_matrix(data):
    groups = data.get("groups") or []
    roles = _roles(data)
    members = data.get("members") or []
    parts = ['<section id="matrix">', '<h2>Members &#215; groups and roles</h2>', '<div class="controls">',
             '<label>Filter <input id="filter" type="search" placeholder="email, group, role, scope, via"></label>',
             '<label>Status <select id="status"><option value="">all</option><option value="accepted">accepted'
             '</option><option value="pending">pending</option></select></label>',
             '<label><input id="direct-only" type="checkbox"> only members with grants outside any group</label>',
             '<span id="count">%d members</span>' % len(members), '</div>',
             '<p class="meta">A dot: member of the group. A role cell: the scopes the member holds the role on, and '
             'via what. Click a column header to sort.</p>',
             '<div class="scroll"><table id="matrix-table">', _matrix_head(groups, roles), '<tbody>']
    member_sets = [set(g.get("members") or []) for g in groups]
    parts.extend(_matrix_row(m, groups, roles, member_sets) for m in members)
    return parts + ['</tbody></table></div>', '</section>']


def _html_groups(data):
    groups = data.get("groups") or []
    parts = ['<section id="groups">', '<h2>Groups (%d)</h2>' % len(groups)]
    if not groups:
        return parts + ['<p>No group.</p>', '</section>']
    parts.append('<table id="groups-table"><thead><tr><th>Group</th><th>Members</th><th>Policies</th></tr></thead>'
                 '<tbody>')
    for group in groups:
        policies = "".join('<div class="g %s">%s%s: %s</div>' % (
            p["access"], "deny " if p["access"] == "deny" else "",
            html_text(_role_names(p)),
            html_text(p["scope_text"])) for p in group.get("policies") or []) or '<span class="none">none</span>'
        parts.append('<tr>%s%s<td>%s</td></tr>' % (_cell("td", group.get("name")), _cell(
            "td", ", ".join(group.get("members") or []) or "none"), policies))
    return parts + ['</tbody></table>', '</section>']


def to_html(data):
    """One self-contained page: findings first, the changes (when compared), the filterable and sortable members x
    groups/roles matrix, the groups. No external asset; its Content-Security-Policy allows no request."""
    data = _require(data, "the input")
    account = data.get("account") or {}
    body = _html_title(data) + _html_findings(data)
    if data.get("changes") is not None:
        body += _html_changes(data["changes"])
    body += _html_matrix(data) + _html_groups(data)
    body.append('<footer class="meta">Written by cfiam.user_groups (cf_access_info, access_report_html).</footer>')
    return _page("Access review: %s" % (account.get("name") or account.get("id")), body)


def files(result, previous=None, previous_name=None):
    """``{json, csv, md, html}``: the four texts of the report of ``result`` (``report(result, previous,
    previous_name)``)."""
    data = report(result, previous, previous_name)
    return {"json": json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "csv": to_csv(data),
            "md": to_markdown(data), "html": to_html(data)}


# --------------------------------------------------------------------------- several accounts
def index_data(reports, links=None):
    """``{accounts, super_admins, direct_policies}`` across the reports (``links``: the page of each, same order).

    ``super_admins`` and ``direct_policies``: ``[{email, where: ["<account>: <finding message>"]}]``, from each
    report's findings of that kind.
    """
    links = list(links or [])
    accounts, found = [], {"super_admin": {}, "direct_policy": {}}
    for n, data in enumerate(reports or []):
        data = _require(data, "reports[%d]" % n)
        account = data.get("account") or {}
        label = account.get("name") or account.get("id")
        accounts.append({"id": account.get("id"), "name": account.get("name"), "href": links[n] if n < len(links)
                         else None, "generated_at": data.get("generated_at"), "summary": data.get("summary") or {}})
        for finding in data.get("findings") or []:
            if finding.get("kind") in found:
                found[finding["kind"]].setdefault(finding.get("subject"), []).append(
                    "%s: %s" % (label, finding.get("message")))
    return {"accounts": accounts,
            "super_admins": [{"email": e, "where": w} for e, w in sorted(found["super_admin"].items())],
            "direct_policies": [{"email": e, "where": w} for e, w in sorted(found["direct_policy"].items())]}


def index_html(reports, links=None):
    """A page across accounts: each account's counts and page, who holds Super Administrator anywhere, and every
    member with grants outside any group anywhere."""
    data = index_data(reports, links)
    parts = ['<header>', '<h1>Access review: %d accounts</h1>' % len(data["accounts"]), '</header>',
             '<section id="accounts">', '<h2>Accounts</h2>', '<table id="accounts-table"><thead><tr><th>Account</th>'
             '<th>Id</th><th>Read</th><th>Members</th><th>Pending</th><th>Groups</th><th>Grants</th>'
             '<th>Findings</th></tr></thead><tbody>']
    for account in data["accounts"]:
        name = html_text(account["name"] or account["id"])
        link = '<a href="%s">%s</a>' % (html_text(account["href"]), name) if account["href"] else name
        summary = account["summary"]
        counts = ", ".join("%s %d" % (k, v) for k, v in sorted((summary.get("findings") or {}).items()) if v)
        parts.append('<tr><td>%s</td>%s%s%s%s%s%s%s</tr>' % (link, _cell("td", account["id"]), _cell(
            "td", account["generated_at"]), _cell("td", summary.get("members")), _cell("td", summary.get("pending")),
            _cell("td", summary.get("groups")), _cell("td", summary.get("grants")), _cell("td", counts or "none")))
    parts.append('</tbody></table></section>')
    for key, title in (("super_admins", "Super Administrators in any account"),
                       ("direct_policies", "Members with grants outside any group, in any account")):
        parts += ['<section id="%s">' % key.replace("_", "-"), '<h2>%s (%d)</h2>' % (title, len(data[key]))]
        rows = ['<tr>%s<td>%s</td></tr>' % (_cell("td", e["email"]), "<br>".join(html_text(w) for w in e["where"]))
                for e in data[key]]
        parts += (['<table><thead><tr><th>Member</th><th>Where</th></tr></thead><tbody>'] + rows
                  + ['</tbody></table>'] if rows else ['<p>None.</p>']) + ['</section>']
    return _page("Access review: %d accounts" % len(data["accounts"]), parts, script=False)
