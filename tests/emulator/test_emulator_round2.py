# -*- coding: utf-8 -*-
"""The emulator switches added for issue 17 (hardening, round 2): a lying total_pages, a reply that trickles, an
oversized listing, an HTML 200 after a write."""
from __future__ import absolute_import, division, print_function

import pytest

import builders

UG = "/accounts/{account_id}/iam/user_groups"


def call(emulator, method, path, **kw):
    resp = emulator.api(method, path, **kw)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_total_pages_delta_lies_about_the_page_count_only(emulator):
    emulator.set_state(builders.generated_state(n_groups=12, n_members=10, depth=1, members_per_group=3))
    emulator.pagination(total_pages_delta=9997)
    info = call(emulator, "GET", UG, params={"per_page": 5})["result_info"]
    assert info == {"page": 1, "per_page": 5, "count": 5, "total_count": 12, "total_pages": 10000}
    page4 = call(emulator, "GET", UG, params={"per_page": 5, "page": 4})
    assert page4["result"] == [] and page4["result_info"]["total_pages"] == 10000
    with pytest.raises(ValueError):
        emulator.config(total_pages_delta="1")
    emulator.pagination()
    assert call(emulator, "GET", UG, params={"per_page": 5})["result_info"]["total_pages"] == 3


def test_listing_padding_makes_a_listing_large(emulator):
    emulator.config(listing_padding=100000)
    try:
        resp = emulator.api("GET", UG)
        assert resp.status_code == 200 and len(resp.content) > 100000 and resp.json()["padding"] == "x" * 100000
        one = emulator.api("GET", UG + "/" + resp.json()["result"][0]["id"])
        assert "padding" not in one.json()  # a single object is not a listing
    finally:
        emulator.config(listing_padding=0)
    assert "padding" not in emulator.api("GET", UG).json()
    with pytest.raises(ValueError):
        emulator.config(listing_padding=-1)


def test_html_after_does_the_write_then_answers_html(emulator):
    emulator.faults(rate=1.0, kinds=["html_after"], methods=["POST"])
    try:
        resp = emulator.api("POST", UG, json={"name": "Made behind a proxy"})
    finally:
        emulator.faults(rate=0)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/html"
    assert resp.text.startswith("<html>")
    assert emulator.group_by_name("Made behind a proxy") is not None
    (entry,) = [e for e in emulator.requests() if e["method"] == "POST"]
    assert entry["fault"] == "html_after" and entry["status"] == 200


def test_trickle_sends_the_body_a_byte_at_a_time(emulator):
    import time

    emulator.faults(rate=1.0, kinds=["trickle"], methods=["GET"], trickle_ms=20)
    try:
        began = time.monotonic()
        resp = emulator.api("GET", UG + "/" + "0" * 32, stream=True)  # a short answer: 404, about 100 bytes
        first = time.monotonic() - began
        body = b"".join(resp.iter_content(1))
        total = time.monotonic() - began
    finally:
        emulator.faults(rate=0)
    assert resp.status_code == 404 and resp.headers["Content-Length"] == str(len(body))
    assert body.startswith(b'{"success": false')
    assert first < 0.5  # the headers come at once
    assert total >= 0.02 * len(body) * 0.9  # then a byte every 20 ms
