# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The access report filters: the report data and its comparison, and the CSV, Markdown and HTML renderings.

Values from the API are hostile here (markup, template markers, table pipes, line breaks, spreadsheet formulas):
each rendering must show them as text and nothing else.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import csv
import hashlib
import io
import re

from html.parser import HTMLParser

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cfiam.user_groups.plugins.filter.access_report import FilterModule
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.access_report import (
    MERMAID_MAX_EDGES,
    PAGE_CSS,
    PAGE_JS,
    compare,
    csv_cell,
    md_text,
    mermaid_graph,
    mermaid_text,
)

F = FilterModule().filters()
EVIL_GROUP = "<script>alert(1)</script> {{ lookup('pipe', 'id') }} | Ops\nteam"
EVIL_EMAIL = "=cmd|'/c calc'!a1<b>@example.com"
ACCOUNT = {"id": "0123456789abcdef0123456789abcdef", "name": "Demo <Account>"}


def pg(n, name, label):
    return {"id": "%032x" % n, "name": name, "label": label}


ADMIN, READ, DNS = pg(1, "Administrator", "admin"), pg(2, "Administrator Read Only", "admin_readonly"), pg(3, "DNS", "dns")


def grant(role, scope="account", via=("group:Eng",), access="allow"):
    scope_value = {"scope": "account"} if scope == "account" else {"zones": scope.split(": ")[1].split(", ")}
    return {"access": access, "permission_group": dict(role), "scope": scope_value, "scope_text": scope,
            "via": list(via)}


def result(members=None, groups=None, findings=None, generated_at="2026-12-08T09:00:00Z"):
    members = members if members is not None else [
        {"id": "%032x" % 11, "email": "alice@example.com", "status": "accepted", "groups": ["Eng", EVIL_GROUP],
         "roles": [], "grants": [grant(READ), grant(DNS, via=["group:" + EVIL_GROUP]),
                                 grant(DNS, "zones: example.com", via=["direct", "group:Eng"], access="deny")]},
        {"id": "%032x" % 12, "email": EVIL_EMAIL, "status": "pending", "groups": [EVIL_GROUP], "roles": [],
         "grants": [grant(DNS, via=["group:" + EVIL_GROUP])]},
        {"id": "%032x" % 13, "email": "bob@example.com", "status": "accepted", "groups": [], "roles": [], "grants": []},
    ]
    groups = groups if groups is not None else [
        {"id": "%032x" % 21, "name": "Eng", "members": ["alice@example.com"],
         "policies": [{"access": "allow", "permission_groups": [READ], "scope": {"scope": "account"},
                       "scope_text": "account"}]},
        {"id": "%032x" % 22, "name": EVIL_GROUP, "members": [EVIL_EMAIL, "alice@example.com"],
         "policies": [{"access": "allow", "permission_groups": [DNS], "scope": {"scope": "account"},
                       "scope_text": "account"}]},
    ]
    findings = findings if findings is not None else [
        {"kind": "direct_policy", "subject": "alice@example.com", "message": "alice@example.com holds 1 grant(s)"},
        {"kind": "pending_member", "subject": EVIL_EMAIL, "message": "%s was invited | {{ x }}" % EVIL_EMAIL},
        {"kind": "empty_group", "subject": EVIL_GROUP, "message": "user group %s has no members" % EVIL_GROUP}]
    return {"changed": False, "api_requests": {"total": 9}, "account": dict(ACCOUNT), "generated_at": generated_at,
            "members": members, "groups": groups, "findings": findings,
            "summary": {"members": len(members), "pending": 1, "groups": len(groups), "grants": 4, "findings": {}}}


def previous_result():
    """The same account a review earlier: alice did not have the deny, had Administrator; carol was a member; bob
    was not; the evil member had the same grant via another group (a change of via only)."""
    old = result(generated_at="2026-09-01T09:00:00Z")
    alice = old["members"][0]
    alice["grants"] = [grant(READ), grant(DNS, via=["group:" + EVIL_GROUP]), grant(ADMIN)]
    old["members"][1]["grants"] = [grant(DNS, via=["group:Other"])]
    old["members"][2] = {"id": "%032x" % 14, "email": "carol@example.com", "status": "accepted", "groups": ["Eng"],
                         "roles": [], "grants": [grant(READ)]}
    return old


# --------------------------------------------------------------------------- data and comparison
def test_report_keeps_the_review_and_drops_the_task_keys():
    data = F["access_report"](result())
    assert sorted(data) == ["account", "findings", "generated_at", "groups", "members", "summary"]


def test_report_refuses_what_is_not_a_review_and_another_accounts_previous():
    with pytest.raises(AnsibleFilterError, match="cf_access_info"):
        F["access_report"]({"user_groups": []})
    other = previous_result()
    other["account"] = {"id": "f" * 32, "name": "Other"}
    with pytest.raises(AnsibleFilterError, match="^give the access-report.json of an earlier review of account 0123"
                                                 "456789abcdef0123456789abcdef: the previous report is of account f{32}"):
        F["access_report"](result(), previous=other)


def test_changes_are_exactly_the_grants_that_changed():
    changes = F["access_report"](result(), previous=previous_result())["changes"]
    assert changes["previous_generated_at"] == "2026-09-01T09:00:00Z"
    assert [m["email"] for m in changes["members_added"]] == ["bob@example.com"]
    assert [m["email"] for m in changes["members_removed"]] == ["carol@example.com"]
    assert changes["members_removed"][0]["grants"] == [grant(READ)]
    # the evil member's grant only changed its via: not a change of access
    assert [(c["email"], [(g["access"], g["permission_group"]["label"], g["scope_text"]) for g in c["gained"]],
             [(g["access"], g["permission_group"]["label"], g["scope_text"]) for g in c["lost"]])
            for c in changes["members_changed"]] == [
        ("alice@example.com", [("deny", "dns", "zones: example.com")], [("allow", "admin", "account")])]


def test_no_change_against_itself():
    assert compare(result(), result()) == {"previous_generated_at": "2026-12-08T09:00:00Z", "members_added": [],
                                           "members_removed": [], "members_changed": []}


# --------------------------------------------------------------------------- CSV
def parse_csv(text):
    return list(csv.reader(io.StringIO(text)))


def test_csv_one_row_per_member_and_grant_agrees_with_the_data():
    data = F["access_report"](result())
    rows = parse_csv(F["access_report_csv"](data))
    assert rows[0] == ["email", "status", "access", "permission_group", "permission_group_label", "scope", "via"]
    expected = []
    for member in data["members"]:
        for g in member["grants"] or [None]:
            cells = [member["email"], member["status"]] + ([g["access"], g["permission_group"]["name"],
                                                            g["permission_group"]["label"], g["scope_text"],
                                                            "; ".join(g["via"])] if g else [""] * 5)
            expected.append([csv_cell(c) for c in cells])
    assert rows[1:] == expected
    evil = [r for r in rows if r[0].endswith("@example.com") and "calc" in r[0]][0]
    assert evil[0] == "'" + EVIL_EMAIL  # a formula shown as text
    assert evil[6] == "group:" + EVIL_GROUP  # the line break survives inside the quoted cell


@pytest.mark.parametrize("value, shown", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
                                          ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=1", "a=1"), (None, ""), (3, "3")])
def test_csv_cells_never_start_a_formula(value, shown):
    assert csv_cell(value) == shown


def test_csv_with_changes():
    rows = parse_csv(F["access_report_csv"](F["access_report"](result(), previous=previous_result())))
    assert rows[0][-1] == "change"
    changes = sorted((r[0], r[3], r[5], r[7]) for r in rows[1:] if r[7])
    assert changes == [("alice@example.com", "Administrator", "account", "lost"),
                       ("alice@example.com", "DNS", "zones: example.com", "gained"),
                       ("bob@example.com", "", "", "member added"),
                       ("carol@example.com", "Administrator Read Only", "account", "member removed")]


# --------------------------------------------------------------------------- Markdown
def md_cells(line):
    """The cells of a GFM table row: split on the pipes that are not backslash-escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def assert_no_raw_markup(text):
    assert "<script" not in text and "<b>" not in text and "{{" not in text and "}}" not in text
    assert "\nteam" not in text  # a line break inside a value would end a table row or a heading


def test_markdown_escapes_every_api_value_and_keeps_tables_intact():
    text = F["access_report_markdown"](F["access_report"](result(), previous=previous_result()))
    assert_no_raw_markup(text)
    lines = text.splitlines()
    width = None
    for n, line in enumerate(lines):
        if not line.startswith("|"):
            width = None
            continue
        if width is None:  # a header row, then its delimiter row
            width = len(md_cells(line))
            assert re.match(r"^\|(---\|)+$", lines[n + 1]) and lines[n + 1].count("---") == width, line
        elif not line.startswith("|---"):
            assert len(md_cells(line)) == width, line  # no value added or removed a cell
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#123;&#123; lookup(&#39;pipe&#39;, &#39;id&#39;) &#125;&#125; " \
           "&#124; Ops team" in text
    assert "## Changes since the previous review (2026-09-01T09:00:00Z)" in text
    assert "| alice@example.com | lost | allow | Administrator | account | group:Eng |" in text


def test_markdown_members_agree_with_the_data():
    data = F["access_report"](result())
    text = F["access_report_markdown"](data)
    for member in data["members"]:
        start = text.index("### %s (" % md_text(member["email"]))
        block = re.split(r"\n##+ ", text[start:])[0]
        rows = [md_cells(line) for line in block.splitlines() if line.startswith("| ") and "Access" not in line]
        assert rows == [[md_text(v) for v in (g["access"], g["permission_group"]["name"], g["scope_text"],
                                              ", ".join(g["via"]))] for g in member["grants"]]


@pytest.mark.parametrize("value", ["-x", "# heading", "1. item", "> quote", "*bold*", "[a](javascript:x)", "`code`",
                                   "a_b_c", "x\r\ny", "{% raw %}", "a|b", "&amp;"])
def test_md_text_leaves_no_markup(value):
    shown = md_text(value)
    assert "\n" not in shown and "\r" not in shown and "|" not in shown and "{" not in shown
    assert not re.match(r"^\s*([#>*+-]|\d+\.)", shown) or shown.startswith("\\")
    assert "[" not in shown.replace("\\[", "") and "`" not in shown.replace("\\`", "")


def test_mermaid_graph_uses_entity_codes_and_true_paths():
    lines, edges = mermaid_graph(F["access_report"](result()))
    text = "\n".join(lines)
    assert edges == 4
    assert 'g1["#60;script#62;alert#40;1#41;#60;/script#62; #123;#123; lookup#40;#39;pipe#39;, #39;id#39;#41; ' \
           '#125;#125; #124; Ops team"]' in text
    assert re.search(r'r\d+\["Administrator Read Only"\] --> s\d+\["account"\]', text)
    for label in re.findall(r'"([^"]*)"', text):
        assert re.match(r"^[\w .,:@/#;]*$", label), label
    assert mermaid_text('a"b\nc') == "a#34;b c"


def test_markdown_leaves_out_a_graph_mermaid_cannot_draw():
    policy = {"access": "allow", "permission_groups": [READ], "scope": {"scope": "account"}, "scope_text": "account"}
    groups = [{"id": "%032x" % n, "name": "G%d" % n, "members": [], "policies": [policy]}
              for n in range(MERMAID_MAX_EDGES + 1)]
    text = F["access_report_markdown"](F["access_report"](result(groups=groups)))
    assert "```mermaid" not in text and "more than Mermaid draws by default (500)" in text
    assert "```mermaid" in F["access_report_markdown"](F["access_report"](result()))


# --------------------------------------------------------------------------- HTML
class Page(HTMLParser):
    """The text, tags and attributes of a page."""

    def __init__(self, text):
        super(Page, self).__init__(convert_charrefs=True)
        self.tags, self.attrs, self.texts, self.scripts, self.styles = [], [], [], [], []
        self._in = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)
        self.texts.append(data)


def sha(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def test_html_is_self_contained_and_shows_api_values_as_text_only():
    text = F["access_report_html"](F["access_report"](result(), previous=previous_result()))
    page = Page(text)
    assert page.tags.count("script") == 1 and page.scripts == [PAGE_JS]
    assert page.tags.count("style") == 1 and page.styles == [PAGE_CSS]
    assert not [a for a in page.attrs if a[1] in ("src", "href", "action", "srcset", "background", "poster")]
    assert not [a for a in page.attrs if a[1].startswith("on")]  # no event handler attribute
    assert "http://" not in text and "https://" not in text and "{{" not in text
    csp = [v for tag, k, v in page.attrs if k == "content" and "default-src" in (v or "")][0]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "img-src 'none'" in csp
    assert "script-src %s" % sha(PAGE_JS) in csp and "style-src %s" % sha(PAGE_CSS) in csp
    shown = "".join(page.texts)
    assert EVIL_GROUP in shown and EVIL_EMAIL in shown  # as text, exactly
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)" in text


def test_html_matrix_agrees_with_the_data():
    data = F["access_report"](result())
    text = F["access_report_html"](data)
    head = re.search(r'<table id="matrix-table">\s*<thead><tr>(.*?)</tr></thead>', text, re.S).group(1)
    titles = [Page(cell).texts[0] if Page(cell).texts else "" for cell in re.findall(r"<th[^>]*>.*?</th>", head, re.S)]
    assert titles[:4] == ["Member", "Status", "Grants", "Direct"]
    assert titles[4:6] == ["Eng", EVIL_GROUP]  # groups, then the roles anyone holds, by name
    assert titles[6:] == ["Administrator Read Only", "DNS"]
    rows = re.findall(r"<tr [^>]*data-email=[^>]*>.*?</tr>", text, re.S)
    assert len(rows) == len(data["members"])
    alice = [r for r in rows if 'data-email="alice@example.com"' in r][0]
    assert 'data-direct="1"' in alice and alice.count("&#9679;") == 2
    assert '<div class="g deny">deny zones: example.com<small>via direct, group:Eng</small></div>' in alice


def test_html_without_findings_and_groups():
    text = F["access_report_html"](F["access_report"](result(findings=[], groups=[])))
    assert "Nothing to look at." in text and "No group." in text


def test_index_across_accounts():
    one = F["access_report"](result())
    two = copy.deepcopy(one)
    two["account"] = {"id": "f" * 32, "name": "Second"}
    one["findings"].append({"kind": "super_admin", "subject": "alice@example.com", "message": "<b>alice</b> holds"})
    text = F["access_report_index"]([one, two], ["a/access-report.html", "b/access-report.html"])
    page = Page(text)
    assert "script" not in page.tags and "<b>alice" not in text
    assert [v for t, k, v in page.attrs if k == "href"] == ["a/access-report.html", "b/access-report.html"]
    shown = "".join(page.texts)
    assert "Demo <Account>: <b>alice</b> holds" in shown
    assert "Second: alice@example.com holds 1 grant(s)" in shown
    with pytest.raises(AnsibleFilterError):
        F["access_report_index"]([{"x": 1}])


@pytest.mark.parametrize("value", ["#ops", "-contractors@example.com", "+1", "> quote", "=cmd", "  - x", "12. x", "3) y",
                                   "a#b", "# - + = > 1."])
def test_md_text_shows_a_value_that_starts_like_markup_as_it_is(value):
    """A leading block marker is escaped, never replaced: rendered, the text is the value (not 'None\\#ops')."""
    shown = md_text(value)
    assert "None" not in shown and shown.replace("\\", "").replace("&gt;", ">") == value
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(shown)
    assert html.startswith("<p>") and unescape_html(re.sub(r"</?p>\n?", "", html)) == value.strip(), html


def unescape_html(text):
    import html
    return html.unescape(text)


# --------------------------------------------------------------------------- the previous report, checked
def test_a_previous_report_is_parsed_and_checked_naming_the_file():
    import json
    good = json.dumps(F["access_report"](previous_result()))
    assert F["access_report"](result(), previous=good, previous_name="old.json")["changes"]["members_added"]
    with pytest.raises(AnsibleFilterError, match=r"^give the access-report.json an earlier review of this account "
                                                 r"wrote, whole and unchanged: the previous report old.json is not "
                                                 r"valid JSON"):
        F["access_report_files"](result(), previous=good[:len(good) // 2], previous_name="old.json")
    no_account = json.loads(good)
    no_account.pop("account")
    with pytest.raises(AnsibleFilterError, match="old.json is not such a report: it names no account"):
        F["access_report"](result(), previous=no_account, previous_name="old.json")
    broken = json.loads(good)
    broken["members"] = "abc"
    with pytest.raises(AnsibleFilterError, match="its members are not a list"):
        F["access_report"](result(), previous=broken, previous_name="old.json")
    broken["members"] = [{"email": "a@example.com", "grants": "x"}, "y"]
    with pytest.raises(AnsibleFilterError, match=r"the grants of members\[0\] are not a list of grants; members\[1\] "
                                                 r"is not a member"):
        F["access_report"](result(), previous=broken)
    with pytest.raises(AnsibleFilterError, match="it holds list, not a report"):
        F["access_report"](result(), previous="[]")


def test_same_name_groups_get_their_own_membership_dots():
    data = result()
    twin = copy.deepcopy(data["groups"][0])
    twin.update(id="%032x" % 29, members=["bob@example.com"])
    data["groups"].append(twin)  # a second group named Eng, bob only
    html = F["access_report_html"](data)
    rows = dict((re.search(r'data-email="([^"]+)"', row).group(1), row) for row in html.split("<tr")[1:]
                if 'data-email="' in row)
    assert rows["alice@example.com"].count('title="member of Eng"') == 1
    assert rows["bob@example.com"].count('title="member of Eng"') == 1


def test_the_page_script_survives_a_malformed_address():
    assert "try { state[kv[0]] = decodeURIComponent(kv[1] || \"\"); } catch (e)" in PAGE_JS
