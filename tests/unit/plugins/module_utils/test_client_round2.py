# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client under the attacks of issue 17 (hardening, round 2), over real HTTP on loopback: a listing that lies
about total_pages, a reply that trickles, an oversized reply, an unreadable 2xx after a write. Every test is bounded
in requests and in time."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    PREFETCH_WINDOW,
    CloudflareInconsistentListing,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
GROUPS = "/accounts/%s/iam/user_groups" % ACCOUNT


def envelope(result=None, result_info=None):
    body = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def hexid(n):
    return "%032x" % n


def full_pages_then_empty(full_pages, per_page=10, total_pages=10000, total_count=None):
    """A server whose first ``full_pages`` pages are full, every later page empty, and that claims ``total_pages``."""
    def handle(request):
        page = int(request["query"]["page"])
        items = [{"id": hexid(page * 1000 + n)} for n in range(per_page)] if page <= full_pages else []
        info = {"page": page, "per_page": per_page, "count": len(items), "total_pages": total_pages}
        if total_count is not None:
            info["total_count"] = total_count
        return 200, envelope(items, info)
    return handle


# =========================================================================== point 5: total_pages is not trusted
class TestBoundedPrefetch(object):
    def test_a_server_claiming_10000_pages_costs_one_window(self, stub_api, stub_client):
        """The reported probe: page 1 full, total_pages 10000, page 2 empty. Before: 1,100 requests in seconds."""
        api = stub_api()
        api.handler = full_pages_then_empty(1)
        with pytest.raises(CloudflareInconsistentListing) as info:
            stub_client(api).paginate(GROUPS, per_page=10)
        assert "total_pages says 10000 but page 2 was empty" in str(info.value)
        assert len(api.requests) <= 1 + PREFETCH_WINDOW
        assert sorted(int(r["query"]["page"]) for r in api.requests) == list(range(1, 2 + PREFETCH_WINDOW))

    def test_the_same_with_total_count(self, stub_api, stub_client):
        api = stub_api()
        api.handler = full_pages_then_empty(1, total_count=100000)
        with pytest.raises(CloudflareInconsistentListing) as info:
            stub_client(api).paginate(GROUPS, per_page=10)
        assert "total_count says 100000 but the pages ran out at 10 items (page 2 was empty)" in str(info.value)
        assert len(api.requests) == 1 + PREFETCH_WINDOW

    def test_full_pages_then_empty_costs_at_most_one_window_more(self, stub_api, stub_client):
        api = stub_api()
        api.handler = full_pages_then_empty(20)
        with pytest.raises(CloudflareInconsistentListing) as info:
            stub_client(api).paginate(GROUPS, per_page=10)
        assert "total_pages says 10000 but page 21 was empty" in str(info.value)
        assert 21 <= len(api.requests) <= 20 + PREFETCH_WINDOW

    def test_a_short_page_before_the_last_stops_reading_ahead(self, stub_api, stub_client):
        def handle(request):
            page = int(request["query"]["page"])
            size = 10 if page != 3 else 4
            items = [{"id": hexid(page * 1000 + n)} for n in range(size)]
            return 200, envelope(items, {"page": page, "per_page": 10, "count": size, "total_pages": 50})
        api = stub_api()
        api.handler = handle
        with pytest.raises(CloudflareInconsistentListing) as info:
            stub_client(api).paginate(GROUPS, per_page=10)
        assert "total_pages says 50 but page 3 has 4 items, fewer than its per_page=10" in str(info.value)
        assert len(api.requests) == 1 + PREFETCH_WINDOW  # page 1, one window (2-9); nothing after the short page

    def test_a_true_long_listing_is_read_window_by_window(self, stub_api, stub_client):
        items = [{"id": hexid(n)} for n in range(253)]

        def handle(request):
            page = int(request["query"]["page"])
            chunk = items[(page - 1) * 10:page * 10]
            return 200, envelope(chunk, {"page": page, "per_page": 10, "count": len(chunk), "total_count": 253,
                                         "total_pages": 26})
        api = stub_api()
        api.handler = handle
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert sorted(int(r["query"]["page"]) for r in api.requests) == list(range(1, 27))

    def test_the_smaller_of_the_two_counts_bounds_the_window(self, stub_api, stub_client):
        """total_count says 2 pages, total_pages says 10000: only page 2 is read ahead."""
        def handle(request):
            page = int(request["query"]["page"])
            chunk = [{"id": hexid(n)} for n in range(15)][(page - 1) * 10:page * 10]
            return 200, envelope(chunk, {"page": page, "per_page": 10, "count": len(chunk), "total_count": 15,
                                         "total_pages": 10000})
        api = stub_api()
        api.handler = handle
        assert len(stub_client(api).paginate(GROUPS, per_page=10)) == 15
        assert len(api.requests) == 2

    def test_the_emulator_lying_about_total_pages(self, emulator, make_client, builders):
        """The emulator's total_pages_delta: 3 groups, 2 a page, no total_count, total_pages 10000."""
        emulator.set_state(builders.generated_state(n_groups=3, n_members=3, depth=1, members_per_group=1))
        emulator.pagination(max_per_page=2, result_info_omit=["total_count"], total_pages_delta=9998)
        emulator.clear_requests()
        client = make_client()
        try:
            with pytest.raises(CloudflareInconsistentListing) as info:
                client.paginate(client.account_path("/iam/user_groups"), per_page=500)
        finally:
            emulator.pagination()
        assert "total_pages says 10000 but page 2 has 1 items, fewer than its per_page=2" in str(info.value)
        assert len(emulator.requests()) == 1 + PREFETCH_WINDOW
