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
