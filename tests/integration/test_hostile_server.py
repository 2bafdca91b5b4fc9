# -*- coding: utf-8 -*-
"""A server that answers differently from the emulator's defaults: redirects, smaller pages than asked, counts
that disagree, a budget that runs out. Nothing is sent where it should not go, no listing is used half-read, and
nothing is written on a listing known to be partial."""
from __future__ import absolute_import, division, print_function

import pytest

from harness import make_group, module_task, normalized_groups
from pytest_plugin import recording_sink  # noqa: F401  pylint: disable=unused-import

UG = "/accounts/{account_id}/iam/user_groups"


task = module_task("cf_user_group", ignore_errors=True)
member_task = module_task("cf_user_group_member", ignore_errors=True)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_with_credentials(emulator, run_playbook, recording_sink, status):
    """Credentials and write bodies never reach the host a redirect points to; the failure says where it pointed."""
    emulator.redirect(recording_sink.url + "/client/v4", status=status, append_path=True)
    run = run_playbook([
        task("create", name="Redirected", members=["alice@example.com"]),
        task("with the global key", name="Redirected", api_token="", api_email=emulator.api_email,
             api_key=emulator.api_key),
    ])
    for title in ("create", "with the global key"):
        assert run.status(title) == "failed", run
        msg = run.task(title)["msg"]
        assert "redirect" in msg.lower() and recording_sink.url.split("//")[1] in msg, msg
    assert recording_sink.count() == 0, recording_sink.summary()
    assert recording_sink.credential_headers() == [] and recording_sink.bodies() == []
    assert not recording_sink.received(emulator.token) and not recording_sink.received(emulator.api_key)
    emulator.redirect(None)
    assert emulator.group_by_name("Redirected") is None


def test_pages_smaller_than_asked_are_followed_to_the_end(emulator, run_playbook):
    """Cloudflare may apply a smaller page size than asked: removing 2 members keeps every other member."""
    emails = sorted(m["email"] for m in emulator.state()["members"])[:20]
    make_group(emulator, "Many members", emails)
    emulator.pagination(max_per_page=3)
    run = run_playbook([member_task("remove two", group="Many members", members=emails[-2:], state="absent"),
                        member_task("exact check", group="Many members", members=emails[:-2], exclusive=True)], check=False)
    assert run.status("remove two") == "changed", run
    assert run.status("exact check") == "ok", run  # nothing else to remove: the listing was read whole
    assert normalized_groups(emulator.state())["Many members"]["members"] == emails[:-2]
    assert [w["method"] for w in emulator.writes()] == ["DELETE", "DELETE"]
    pages = [r for r in emulator.requests() if r["path"].endswith("/members") and r["method"] == "GET"]
    assert len(pages) >= 7  # 20 members, 3 a page, listed twice


def test_a_listing_whose_counts_disagree_is_never_acted_on(emulator, run_playbook):
    emails = sorted(m["email"] for m in emulator.state()["members"])[:8]
    make_group(emulator, "Counted", emails)
    emulator.pagination(max_per_page=3, total_count_delta=5)
    run = run_playbook([member_task("exact", group="Counted", members=emails[:2], exclusive=True)])
    assert run.status("exact") == "failed", run
    assert "inconsistent" in run.task("exact")["msg"], run.task("exact")["msg"]
    assert emulator.writes() == []
    emulator.pagination()
    assert normalized_groups(emulator.state())["Counted"]["members"] == emails


def test_a_role_run_stays_under_a_small_rate_budget(emulator, run_playbook):
    """The emulator blocks past 30 requests in 6 s; the client reads the remaining budget from the headers and
    slows down instead of running into the block."""
    emulator.rate_limit(budget=30, window_s=6, block_s=5, headers="both")
    declaration = [{"name": "Budget %02d" % i, "members": ["alice@example.com"]} for i in range(15)]
    run = run_playbook(tasks=[{"name": "role", "ansible.builtin.include_role": {"name": "cfiam.user_groups.user_groups"}}],
                       vars={"user_groups": declaration})
    assert run.rc == 0, run
    log = emulator.requests()
    assert len(log) > 30
    assert [e for e in log if e.get("rate_limited")] == []
    state = normalized_groups(emulator.state())
    assert all(state[g["name"]]["members"] == ["alice@example.com"] for g in declaration)
