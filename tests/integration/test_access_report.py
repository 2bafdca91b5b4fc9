# -*- coding: utf-8 -*-
"""The access review end to end: playbooks/access_report.yml (and the multi-account one) against the emulator, the
four files checked against the emulator's state and against each other, and the page in headless Chromium.

The scenario (tests/emulator/access_state.py): members with direct policies, members in several groups, a deny
policy, a zone-scoped and a resource-group-scoped grant, a per-Worker grant, pending members, a SCIM group, an empty
group, a deprecated role, and a group and a member whose names are hostile (markup, template markers, a pipe, a line
break, a spreadsheet formula). The emulator answers a member's policies in each of the three ways Cloudflare may.
"""
from __future__ import absolute_import, division, print_function

import csv
import json
import os
import re

import pytest

import access_state
import builders
from accounts_harness import EXAMPLE_DIR, account_id, example_state, run_ansible
from browser import Browser, chromium_binary

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "playbooks", "access_report.yml")
MODES = ["inherited", "inherited_new_ids", "direct"]
FORMATS = ["json", "csv", "md", "html"]


def write_report(run_playbook, out, previous=None):
    extra = {"access_report_dir": str(out)}
    if previous:
        extra["access_report_previous"] = str(previous)
    run = run_playbook(playbook=PLAYBOOK, extra_vars=extra)
    assert run.rc == 0, run
    return run


def load(out):
    with open(os.path.join(str(out), "access-report.json")) as handle:
        return json.load(handle)


# --------------------------------------------------------------------------- what the state says
def scope_text(state, rg_id):
    rg = [r for r in state["resource_groups"] if r["id"] == rg_id][0]
    if not rg.get("anonymous"):
        return "resource groups: " + rg["name"]
    objects = [o["key"] for o in rg["scope"]["objects"]]
    if objects == ["*"]:
        return "account"
    zones = dict((z["id"], z["name"]) for z in state["zones"])
    if all(".zone." in o for o in objects):
        return "zones: " + ", ".join(sorted(zones[o.rsplit(".", 1)[1]] for o in objects))
    return ", ".join("Worker " + o.rsplit(".", 1)[1] for o in objects)


def expected_access(state):
    """{email: {(access, label, scope text): set(via)}} and {email: [group names]}, from the state alone."""
    labels = dict((pg["id"], pg["meta"]["label"]) for pg in state["permission_groups"])
    emails = dict((m["id"], m["email"].lower()) for m in state["members"])
    grants = dict((e, {}) for e in emails.values())
    groups = dict((e, []) for e in emails.values())

    def add(email, policy, via):
        for pg_id in policy["permission_groups"]:
            for rg_id in policy["resource_groups"]:
                key = (policy["access"], labels[pg_id], scope_text(state, rg_id))
                grants[email].setdefault(key, set()).add(via)

    for group in state["user_groups"]:
        for member in group["members"]:
            groups[emails[member["id"]]].append(group["name"])
            for policy in group["policies"]:
                add(emails[member["id"]], policy, "group:" + group["name"])
    for member in state["members"]:
        for policy in member.get("policies") or []:
            add(emails[member["id"]], policy, "direct")
    return grants, dict((e, sorted(g)) for e, g in groups.items())


def expected_findings(state, grants, groups):
    labels = dict((pg["meta"]["label"], pg) for pg in state["permission_groups"])
    status = dict((m["email"].lower(), m["status"]) for m in state["members"])
    found = set()
    for email, held in grants.items():
        if any(k[1] == "super_admin" and k[0] == "allow" for k in held):
            found.add(("super_admin", email))
        if any("direct" in via for via in held.values()):
            found.add(("direct_policy", email))
        if status[email] == "pending" and held:
            found.add(("pending_member", email))
        if not groups[email]:
            found.add(("no_group", email))
    for group in state["user_groups"]:
        if not group["members"]:
            found.add(("empty_group", group["name"]))
    for label, pg in labels.items():
        if pg["meta"].get("deprecated") == "true" and any(k[1] == label for held in grants.values() for k in held):
            found.add(("deprecated_role", pg["name"]))
    return found


def reported_grants(report):
    return dict((m["email"], dict(((g["access"], g["permission_group"]["label"], g["scope_text"]), set(g["via"]))
                                  for g in m["grants"])) for m in report["members"])


# --------------------------------------------------------------------------- the module's truth
@pytest.mark.parametrize("mode", MODES)
def test_report_tells_who_has_what_through_what(emulator, run_playbook, tmp_path, mode):
    state = access_state.access_review_state(hostile=True)
    emulator.set_state(state)
    emulator.config(member_policies=mode)
    emulator.clear_requests()
    write_report(run_playbook, tmp_path / "out")
    report = load(tmp_path / "out")
    grants, groups = expected_access(state)
    assert reported_grants(report) == grants
    assert dict((m["email"], m["groups"]) for m in report["members"]) == groups
    assert dict((m["email"], m["status"]) for m in report["members"]) == \
        dict((m["email"].lower(), m["status"]) for m in state["members"])
    assert set((f["kind"], f["subject"]) for f in report["findings"]) == expected_findings(state, grants, groups)
    assert len(report["findings"]) == len(expected_findings(state, grants, groups))
    assert report["account"] == {"id": state["account"]["id"], "name": state["account"]["name"]}
    assert report["summary"]["policy_ids_repeated"] is (mode == "inherited")
    # the cases the scenario is made of, spelled out
    carol = grants["carol@example.com"]
    assert carol[("deny", "domain_dns", "zones: shop.example.com")] == {"group:DNS Freeze"}
    assert carol[("allow", "domain_admin", "resource groups: Production zones")] == {"group:Prod Ops"}
    assert grants["dave@example.com"][("allow", "admin_readonly", "account")] == {"direct"}
    assert grants["trent@example.com"] == {("allow", "zero_trust_readonly", "account"): {"group:Okta Contractors"}}
    # read-only, and every listing read once
    log = emulator.requests()
    assert [e for e in log if e["method"] != "GET"] == []
    paths = [e["path"] + json.dumps(e["query"], sort_keys=True) for e in log]
    assert len(paths) == len(set(paths)), sorted(paths)
    member_listings = [e for e in log if re.search(r"/iam/user_groups/[0-9a-f]{32}/members$", e["path"])]
    assert len(member_listings) == len(state["user_groups"])


def via_of(report, email):
    member = [m for m in report["members"] if m["email"] == email][0]
    return sorted((g["access"], g["permission_group"]["label"], g["scope_text"], tuple(g["via"]))
                  for g in member["grants"])


def copies_state():
    """Two groups holding the same policy; members holding a direct copy of a group's policy, or one role of it."""
    state = builders.demo_state()
    access_state._group(state, "G1", ["alice@example.com", "bob@example.com", "carol@example.com"])  # noqa: SLF001
    access_state._group(state, "G2", ["bob@example.com"])  # noqa: SLF001
    access_state.add_policy(state, "G1", ["dns"])
    access_state.add_policy(state, "G2", ["dns"])                    # the same policy in two groups
    access_state.add_policy(state, "alice@example.com", ["dns"])     # alice: a direct copy of G1's policy
    access_state.add_policy(state, "dave@example.com", ["dns"])      # dave: in no group, the same policy as G1
    access_state.add_policy(state, "G1", ["billing", "analytics"])   # a two-role policy
    access_state.add_policy(state, "carol@example.com", ["billing"])  # carol: one role of it directly
    return state


@pytest.mark.parametrize("mode", MODES)
def test_direct_copies_of_group_policies_are_seen_in_every_answer(emulator, run_playbook, tmp_path, mode):
    """alice's direct copy of G1's policy is direct whatever Cloudflare's listing holds: the group's policy id is
    missing (``inherited``), the listing holds the policy twice where her group gives it once
    (``inherited_new_ids``), or it lacks G1's other policy, so it holds her own policies only (``direct``)."""
    emulator.set_state(copies_state())
    emulator.config(member_policies=mode)
    write_report(run_playbook, tmp_path / "out")
    report = load(tmp_path / "out")
    assert ("allow", "dns", "account", ("group:G1", "group:G2")) in via_of(report, "bob@example.com")
    assert ("allow", "dns", "account", ("direct",)) in via_of(report, "dave@example.com")
    assert ("allow", "billing", "account", ("direct", "group:G1")) in via_of(report, "carol@example.com")
    assert ("allow", "analytics", "account", ("group:G1",)) in via_of(report, "carol@example.com")
    assert ("allow", "dns", "account", ("direct", "group:G1")) in via_of(report, "alice@example.com")
    direct = [f["subject"] for f in report["findings"] if f["kind"] == "direct_policy"]
    assert "alice@example.com" in direct and "bob@example.com" not in direct


def test_same_name_groups_get_their_own_membership_dots(emulator, run_playbook, tmp_path):
    state = builders.demo_state()
    access_state._group(state, "Ops", ["alice@example.com"])  # noqa: SLF001
    state["user_groups"].append(dict(state["user_groups"][-1], id="ab" * 16, members=[
        {"id": builders.hid("member", "bob@example.com"), "created_at": builders.DEMO_CREATED}]))
    emulator.set_state(state)
    write_report(run_playbook, tmp_path / "out")
    with open(str(tmp_path / "out" / "access-report.html")) as handle:
        html = handle.read()
    for email in ("alice@example.com", "bob@example.com"):
        row = [line for line in html.split("<tr") if 'data-email="%s"' % email in line][0]
        assert row.count('title="member of Ops"') == 1, (email, row)


LEADING_MARKERS = ["#ops", "+1 team", "> quote", "=SUM(1)", "1. first", "-contractors"]


def test_csv_markdown_and_json_agree(emulator, run_playbook, tmp_path):
    state = access_state.access_review_state(hostile=True)
    # values that start like Markdown blocks or spreadsheet formulas: groups, and members (emails) named so
    for n, text in enumerate(LEADING_MARKERS):
        email = "%s@example.com" % text.replace(" ", "")
        state["members"].append(builders._member(email, "Lead", str(n)))  # noqa: SLF001
        access_state._group(state, text, [email, "alice@example.com"])  # noqa: SLF001
        access_state.add_policy(state, text, ["dns"])
    emulator.set_state(state)
    write_report(run_playbook, tmp_path / "out")
    report = load(tmp_path / "out")
    with open(str(tmp_path / "out" / "access-report.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    from_csv = {}
    for row in rows:
        email = row["email"]
        if email[:1] == "'" and email[1:2] in ("=", "+", "-", "@", "\t", "\r"):
            email = email[1:]  # the quote that keeps a spreadsheet from running the cell as a formula
        held = from_csv.setdefault(email, {})
        if row["access"]:
            held[(row["access"], row["permission_group_label"], row["scope"])] = set(row["via"].split("; "))
    assert from_csv == reported_grants(report)
    with open(str(tmp_path / "out" / "access-report.md")) as handle:
        text = handle.read()
    assert "{{" not in text and "<script" not in text
    sections = re.split(r"\n### ", text.split("\n## Members (")[1].split("\n## Groups (")[0])[1:]
    assert len(sections) == len(report["members"])
    for section, member in zip(sections, report["members"]):
        cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in section.splitlines()
                 if line.startswith("| ") and not line.startswith("| Access |")]
        assert [c[0] for c in cells] == [g["access"] for g in member["grants"]]
        assert len(cells) == len(member["grants"]) and all(len(c) == 4 for c in cells)
        plain = [unescape_md(c[1]) for c in cells]
        assert plain == [g["permission_group"]["name"] for g in member["grants"]]
        assert [unescape_md(c[3]) for c in cells] == [", ".join(g["via"]).replace("\n", " ") for g in member["grants"]]
    # every member heading and every group row is the JSON's value, however it starts
    headings = re.findall(r"^### (.*) \((?:accepted|pending)\)$", text.split("\n## Members (")[1], re.M)
    assert [unescape_md(h) for h in headings] == [m["email"].replace("\n", " ") for m in report["members"]]
    group_rows = [line for line in text.split("\n## Groups (")[1].split("\n## Graph")[0].splitlines()
                  if line.startswith("| ") and not line.startswith("| Group |")]
    assert [unescape_md(re.split(r"(?<!\\)\|", row)[1].strip()) for row in group_rows] == [
        g["name"].replace("\n", " ") for g in report["groups"]]
    assert "None" not in text
    for marker in LEADING_MARKERS:
        assert marker in [g["name"] for g in report["groups"]]
        assert "group:" + marker in from_csv["%s@example.com" % marker.replace(" ", "").lower()][("allow", "dns", "account")]
    md_findings = re.findall(r"^\| [^|]* \(([\w\\]+)\) \| ", text, re.M)
    assert [k.replace("\\", "") for k in md_findings] == [f["kind"] for f in report["findings"]]
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # only the main suite's venv has it (through rich): the pipe split above checks the same
        return
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in html and "<b>" not in html and html.count("<table>") == len(
        [m for m in report["members"] if m["grants"]]) + 2


def unescape_md(text):
    import html
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def test_previous_review_finds_exactly_the_grants_that_changed(emulator, run_playbook, tmp_path):
    state = access_state.access_review_state()
    emulator.set_state(state)
    write_report(run_playbook, tmp_path / "before")
    # Between the two reviews: carol leaves Prod Ops, frank's direct Billing goes, walter gets a direct DNS policy,
    # heidi leaves the account, a new member arrives; the Engineering policies are untouched.
    prod = [g for g in state["user_groups"] if g["name"] == "Prod Ops"][0]
    prod["members"] = [m for m in prod["members"] if m["id"] != emulator.member_id("carol@example.com")]
    frank = [m for m in state["members"] if m["email"] == "frank@example.com"][0]
    frank["policies"] = []
    access_state.add_policy(state, "walter@example.com", ["dns"])
    state["members"] = [m for m in state["members"] if m["email"] != "heidi@example.com"]
    newcomer = dict(state["members"][0], id="f" * 32, email="newcomer@example.com",
                    user=dict(state["members"][0]["user"], id="e" * 32, email="newcomer@example.com"))
    state["members"].append(newcomer)
    emulator.set_state(state)
    run = write_report(run_playbook, tmp_path / "after", previous=tmp_path / "before" / "access-report.json")
    assert "compared with" in run.stdout
    changes = load(tmp_path / "after")["changes"]
    assert [m["email"] for m in changes["members_added"]] == ["newcomer@example.com"]
    assert [m["email"] for m in changes["members_removed"]] == ["heidi@example.com"]
    assert [(c["email"], [(g["access"], g["permission_group"]["label"], g["scope_text"]) for g in c["gained"]],
             [(g["access"], g["permission_group"]["label"], g["scope_text"]) for g in c["lost"]])
            for c in changes["members_changed"]] == [
        ("carol@example.com", [], [("allow", "domain_admin", "resource groups: Production zones")]),
        ("frank@example.com", [], [("allow", "billing", "account")]),
        ("walter@example.com", [("allow", "dns", "account")], [])]
    with open(str(tmp_path / "after" / "access-report.csv"), newline="") as handle:
        marked = sorted((r["email"], r["permission_group_label"], r["change"]) for r in csv.DictReader(handle)
                        if r["change"])
    assert marked == [("carol@example.com", "domain_admin", "lost"), ("frank@example.com", "billing", "lost"),
                      ("heidi@example.com", "", "member removed"), ("newcomer@example.com", "", "member added"),
                      ("walter@example.com", "dns", "gained")]
    for name in ("access-report.md", "access-report.html"):
        with open(str(tmp_path / "after" / name)) as handle:
            text = handle.read()
        assert "Changes since the previous review" in text and "newcomer@example.com" in text
        assert "Grants gained and lost (3)" in text


def test_playbook_needs_a_directory_and_refuses_another_accounts_previous(emulator, run_playbook, tmp_path):
    run = run_playbook(playbook=PLAYBOOK)
    assert run.rc != 0 and "-e access_report_dir=DIR" in run.output
    assert emulator.requests() == []
    other = {"account": {"id": "f" * 32, "name": "Other"}, "members": [], "groups": [], "findings": []}
    (tmp_path / "other.json").write_text(json.dumps(other))
    run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(tmp_path / "out"),
                                                      "access_report_previous": str(tmp_path / "other.json")})
    assert run.rc != 0 and "the previous report %s is of account %s" % (tmp_path / "other.json", "f" * 32) in " ".join(
        run.output.split()), run
    assert not os.path.exists(str(tmp_path / "out"))  # nothing written, not even the directory


def test_a_previous_report_is_checked_naming_the_file(emulator, run_playbook, tmp_path):
    """One that names no account (hand-made, another tool's), one cut short, one whose members are not a list: the
    run fails naming the file and what to give, and writes nothing."""
    emulator.set_state(access_state.access_review_state())
    write_report(run_playbook, tmp_path / "r1")
    with open(str(tmp_path / "r1" / "access-report.json")) as handle:
        text = handle.read()
    data = json.loads(text)
    no_account = dict(data)
    no_account.pop("account")
    cases = {"noaccount.json": (json.dumps(no_account), "it names no account"),
             "truncated.json": (text[:len(text) // 2], "is not valid JSON"),
             "bad.json": (json.dumps(dict(data, members="abc")), "its members are not a list")}
    for name, (content, why) in sorted(cases.items()):
        (tmp_path / name).write_text(content)
        out = tmp_path / ("out-" + name)
        run = run_playbook(playbook=PLAYBOOK, extra_vars={"access_report_dir": str(out),
                                                          "access_report_previous": str(tmp_path / name)})
        said = " ".join(run.output.split())
        assert run.rc != 0, (name, run)
        assert "give the access-report.json an earlier review of this account wrote, whole and unchanged: the " \
               "previous report %s " % (tmp_path / name) in said and why in said, (name, said[-2000:])
        assert not os.path.exists(str(out))


def test_check_mode_reviews_and_writes_nothing(emulator, run_playbook, tmp_path):
    emulator.set_state(access_state.access_review_state())
    emulator.clear_requests()
    run = run_playbook(playbook=PLAYBOOK, check=True, extra_vars={"access_report_dir": str(tmp_path / "out")})
    assert run.rc == 0, run
    assert not os.path.exists(str(tmp_path / "out"))
    assert run.task("Read who has access, through what")["summary"]["members"] == 25
    assert [e for e in emulator.requests() if e["method"] != "GET"] == []


def test_hostile_names_are_never_evaluated(emulator, run_playbook, tmp_path):
    """A group name and an email carrying template markers, in the API's answer and in the previous report."""
    emulator.set_state(access_state.access_review_state(hostile=True))
    write_report(run_playbook, tmp_path / "one")
    write_report(run_playbook, tmp_path / "two", previous=tmp_path / "one" / "access-report.json")
    for name in FORMATS:
        with open(str(tmp_path / "two" / ("access-report." + name))) as handle:
            text = handle.read()
        assert "uid=" not in text, name
    report = load(tmp_path / "two")
    assert access_state.HOSTILE_GROUP in [g["name"] for g in report["groups"]]
    assert access_state.HOSTILE_EMAIL.lower() in [m["email"] for m in report["members"]]


# --------------------------------------------------------------------------- the page in a real browser
needs_browser = pytest.mark.skipif(
    chromium_binary() is None and os.environ.get("CI") != "true",
    reason="no Chromium on this machine (apt-get install -y chromium); CI installs it and never skips")


def visible_emails(browser):
    return browser.evaluate("Array.prototype.map.call(document.querySelectorAll('#matrix-table tbody tr'),"
                            "function(r){return r.hidden ? null : r.getAttribute('data-email');})"
                            ".filter(function(e){return e !== null;})")


@needs_browser
def test_page_in_headless_chromium(emulator, run_playbook, tmp_path):
    emulator.set_state(access_state.access_review_state(hostile=True))
    write_report(run_playbook, tmp_path / "out")
    report = load(tmp_path / "out")
    url = "file://" + str(tmp_path / "out" / "access-report.html")
    with Browser() as browser:
        browser.open(url, ready_attribute="data-ready")
        # the matrix as rendered: every member a row, every group and role a column, the cells as the JSON says
        heads = browser.evaluate("Array.prototype.map.call(document.querySelectorAll('#matrix-table thead th'),"
                                 "function(h){return h.textContent;})")
        assert heads[4:4 + len(report["groups"])] == [g["name"] for g in report["groups"]]
        assert visible_emails(browser) == [m["email"] for m in report["members"]]
        cell = browser.evaluate(
            "(function(){var row=document.querySelector('tr[data-email=\"carol@example.com\"]');"
            "var heads=[].slice.call(document.querySelectorAll('#matrix-table thead th'));"
            "var col=heads.findIndex(function(h){return h.textContent==='Domain DNS';});"
            "return row.cells[col].innerText;})()")
        assert "zones: example.com, example.net" in cell and "deny zones: shop.example.com" in cell
        assert "via group:DNS Freeze" in cell
        # the hostile group is text: one script on the page (ours), no alert ran
        assert browser.evaluate("document.scripts.length") == 1
        assert browser.evaluate("document.querySelector('#groups-table').innerText").count("<script>alert(1)") == 1
        # the filter, typed like a user does
        browser.type("#filter", "dns freeze")
        assert visible_emails(browser) == ["carol@example.com"]
        assert browser.evaluate("document.getElementById('count').textContent") == \
            "1 of %d members shown" % len(report["members"])
        browser.type("#filter", "")
        browser.evaluate("(function(){var s=document.getElementById('status'); s.value='pending';"
                         "s.dispatchEvent(new Event('change'));})()")
        assert visible_emails(browser) == [m["email"] for m in report["members"] if m["status"] == "pending"]
        browser.evaluate("(function(){var s=document.getElementById('status'); s.value='';"
                         "s.dispatchEvent(new Event('change'));})()")
        browser.click("#direct-only")
        assert visible_emails(browser) == [m["email"] for m in report["members"]
                                           if any("direct" in g["via"] for g in m["grants"])]
        browser.click("#direct-only")
        # sorting: by number of grants (most first), then again (fewest first); by a group column (its members first)
        browser.click("#matrix-table thead th:nth-child(3)")
        by_grants = sorted(report["members"], key=lambda m: (-len(m["grants"]), m["email"]))
        assert visible_emails(browser) == [m["email"] for m in by_grants]
        browser.click("#matrix-table thead th:nth-child(3)")
        assert visible_emails(browser) == [m["email"] for m in sorted(
            report["members"], key=lambda m: (len(m["grants"]), m["email"]))]
        engineering = 5 + [g["name"] for g in report["groups"]].index("Engineering")
        browser.click("#matrix-table thead th:nth-child(%d)" % engineering)
        assert visible_emails(browser)[:3] == ["alice@example.com", "carol@example.com", "xavier@example.com"]
        assert "sort=%d" % (engineering - 1) in browser.evaluate("location.hash")
        # a link with the filter in its address opens the same view
        browser.open(url + "#q=xavier", ready_attribute="data-ready")
        assert visible_emails(browser) == ["xavier@example.com"]
        # no network: the page asked for itself and nothing else, and loaded no resource
        assert set(u.split("#")[0] for u in browser.requested()) == {url}
        assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
        browser.screenshot(str(tmp_path / "page.png"))
    assert os.path.getsize(str(tmp_path / "page.png")) > 10000


@needs_browser
def test_page_starts_with_a_malformed_address(emulator, run_playbook, tmp_path):
    """``#q=%`` is no valid percent-encoding: the page still starts, and filters by the text as written."""
    emulator.set_state(access_state.access_review_state())
    write_report(run_playbook, tmp_path / "out")
    url = "file://" + str(tmp_path / "out" / "access-report.html")
    with Browser() as browser:
        browser.open(url + "#q=%", ready_attribute="data-ready")
        assert browser.evaluate("document.getElementById('filter').value") == "%"
        browser.open(url + "#q=100%25%20sure%&status=pending", ready_attribute="data-ready")
        assert browser.evaluate("document.getElementById('filter').value") == "100%25%20sure%"
        assert browser.evaluate("document.getElementById('status').value") == "pending"
        browser.open(url + "#q=dns%20freeze", ready_attribute="data-ready")  # a valid one is decoded as before
        assert browser.evaluate("document.getElementById('filter').value") == "dns freeze"


@needs_browser
def test_the_network_check_sees_a_request(tmp_path):
    """The check above can fail: a page that loads an image and fetches is seen asking for both."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png">'
                    '<script>fetch("http://127.0.0.1:9/data").catch(function(){});'
                    'document.body.setAttribute("data-ready","1")</script></body></html>')
    with Browser() as browser:
        browser.open("file://" + str(page), ready_attribute="data-ready")
        browser.evaluate("new Promise(function(done){setTimeout(done, 300);})")
        asked = browser.requested()
    assert "http://127.0.0.1:9/pixel.png" in asked and "http://127.0.0.1:9/data" in asked


# --------------------------------------------------------------------------- many accounts
def test_multi_account_reports_and_index(emulator, tmp_path):
    state = example_state()
    access_state.add_policy(state, "alice@example.com", ["super_admin"])  # a direct Super Administrator in Production
    emulator.set_state(state)
    emulator.clear_requests()
    out = tmp_path / "review"
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % out], EXAMPLE_DIR)
    hosts = ["acme_production", "acme_sandbox", "acme_staging"]
    ids = dict((host, account_id(k)) for k, host in enumerate(["acme_production", "acme_staging", "acme_sandbox"]))
    assert run.rc == 0 and sorted(run.recap()) == hosts, run
    assert [e for e in emulator.requests() if e["method"] != "GET"] == []
    # one directory per account, named after its id (never its name, which the dashboard can change)
    assert sorted(os.listdir(str(out))) == sorted(ids.values()) + ["index.html"]
    names = {}
    for host in hosts:
        assert sorted(os.listdir(str(out / ids[host]))) == sorted("access-report." + f for f in FORMATS)
        names[host] = load(out / ids[host])["account"]["name"]
    assert names == {"acme_production": "Acme Production", "acme_sandbox": "Acme Sandbox",
                     "acme_staging": "Acme Staging"}
    # the inventory gave the names (account_name): only the inventory listed the accounts
    assert len([e for e in emulator.requests() if e["path"] == "/client/v4/accounts"]) == 1
    with open(str(out / "index.html")) as handle:
        index = handle.read()
    for host in hosts:
        assert '<a href="%s/access-report.html">%s</a>' % (ids[host], names[host]) in index
    assert re.search(r"alice@example.com</td><td>Acme Production: alice@example.com holds Super Administrator", index)
    # the next review compares each account with its previous report
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % (tmp_path / "again"),
                                 "-e", "access_report_previous_dir=%s" % out], EXAMPLE_DIR)
    assert run.rc == 0, run
    for host in hosts:
        assert load(tmp_path / "again" / ids[host])["changes"]["members_changed"] == []


def test_multi_account_comparison_survives_an_account_rename(emulator, tmp_path):
    """Acme Production is renamed between two reviews (its host name follows the name): its report is still found
    by the account's id, and compared."""
    emulator.set_state(example_state())
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % (tmp_path / "r1")], EXAMPLE_DIR)
    assert run.rc == 0, run
    state = emulator.state()
    for section in state["accounts"]:
        if section["account"]["id"] == account_id(0):
            section["account"]["name"] = "Acme Production EU"
    access_state.add_policy(state, "alice@example.com", ["super_admin"])  # a change the comparison must show
    emulator.set_state(state)
    run = run_ansible(emulator, ["access_report.yml", "-e", "access_report_dir=%s" % (tmp_path / "r2"),
                                 "-e", "access_report_previous_dir=%s" % (tmp_path / "r1")], EXAMPLE_DIR)
    assert run.rc == 0 and "acme_production_eu" in run.recap(), run
    data = load(tmp_path / "r2" / account_id(0))
    assert data["account"]["name"] == "Acme Production EU"
    assert [(c["email"], [g["permission_group"]["label"] for g in c["gained"]])
            for c in data["changes"]["members_changed"]] == [("alice@example.com", ["super_admin"])]
    with open(str(tmp_path / "r2" / "index.html")) as handle:
        assert ">Acme Production EU</a>" in handle.read()
