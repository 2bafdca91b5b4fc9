# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client under the attacks of issue 17 (hardening, round 2) and of the probe that followed it, over real HTTP on
loopback: a listing that lies about total_pages (too high or too low), a reply that trickles or never ends, an
oversized reply or gzip bomb, an unreadable 2xx after a write, a 429 whose Retry-After is 0, negative, NaN, past or
infinite. Every test is bounded in requests and in time."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    MAX_REPLY_BYTES,
    MIN_RATE_LIMITED_WAIT,
    PREFETCH_WINDOW,
    CloudflareAPIError,
    CloudflareInconsistentListing,
)
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import account_path

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
                client.paginate(account_path(client, "/iam/user_groups"), per_page=500)
        finally:
            emulator.pagination()
        assert "total_pages says 10000 but page 2 has 1 items, fewer than its per_page=2" in str(info.value)
        assert len(emulator.requests()) == 1 + PREFETCH_WINDOW


# =========================================================================== point 4: timeout bounds each whole reply
class RawServer(object):
    """A loopback TCP server that runs ``handle(connection)`` for each connection (a thread each)."""

    def __init__(self, handle):
        import socket
        import threading

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.connections = 0
        self.closed = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/client/v4" % self.port

    def _serve(self):
        import threading
        while not self.closed:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            conn.recv(65536)
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.closed = True
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(handle):
        server = RawServer(handle)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


def trickle(conn, data, pause, until=8.0):
    """Send ``data`` a byte every ``pause`` seconds, for ``until`` seconds at most (bounded, whatever happens)."""
    import time
    began = time.monotonic()
    for n in range(len(data)):
        if time.monotonic() - began > until:
            return
        conn.sendall(data[n:n + 1])
        time.sleep(pause)


BODY = b'{"success": true, "errors": [], "messages": [], "result": {"id": "' + b"a" * 32 + b'"}}'
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)


class TestWholeReplyDeadline(object):
    def test_a_body_trickling_at_a_byte_a_second_fails_in_about_timeout(self, emulator, make_client):
        """The reported case: timeout 3, a byte a second; before: 45 s and success."""
        import time
        emulator.faults(rate=1.0, kinds=["trickle"], methods=["GET"], trickle_ms=1000)
        client = make_client(timeout=3, max_retries=0)
        began = time.monotonic()
        try:
            with pytest.raises(CloudflareAPIError) as info:
                client.get(account_path(client, "/iam/user_groups"))
        finally:
            emulator.faults(rate=0)
        elapsed = time.monotonic() - began
        assert 2.9 <= elapsed < 4.5, elapsed
        assert "no reply in time" in str(info.value)
        assert "timed out: the whole reply did not arrive within timeout=3 s" in str(info.value)

    def test_headers_trickling_fail_too(self, raw_server, stub_client):
        import time
        server = raw_server(lambda conn: trickle(conn, HEADERS + BODY, 0.05))
        client = stub_client(server, timeout=1, max_retries=0, limiter=False)
        began = time.monotonic()
        with pytest.raises(CloudflareAPIError, match="within timeout=1 s"):
            client.get("/x")
        assert 0.9 <= time.monotonic() - began < 2.5

    def test_a_silent_server_fails_in_about_timeout(self, raw_server, stub_client):
        import time
        server = raw_server(lambda conn: time.sleep(5))
        client = stub_client(server, timeout=1, max_retries=0, limiter=False)
        began = time.monotonic()
        with pytest.raises(CloudflareAPIError, match="no reply in time"):
            client.get("/x")
        assert 0.9 <= time.monotonic() - began < 2.5

    def test_a_timed_out_get_is_retried_and_each_try_has_its_own_deadline(self, raw_server, stub_client):
        calls = []

        def handle(conn):
            calls.append(1)
            if len(calls) == 1:
                trickle(conn, HEADERS + BODY, 0.05)
            else:
                conn.sendall(HEADERS + BODY)
        server = raw_server(handle)
        client = stub_client(server, timeout=1, max_retries=2, limiter=False)
        assert client.get("/x") == {"id": "a" * 32}
        assert len(calls) == 2 and len(client.sleep.waits) == 1

    def test_a_prompt_reply_on_a_kept_alive_connection_is_unaffected(self, stub_api, stub_client):
        api = stub_api()
        client = stub_client(api, timeout=1)
        for _n in range(30):
            client.get("/x")
        assert len(api.requests) == 30 and client.sleep.waits == []


# =========================================================================== point 4: a size bound on replies
class TestReplySize(object):
    def test_a_listing_over_the_bound_is_refused_unread(self, emulator, make_client):
        """The emulator pads every listing past MAX_REPLY_BYTES (16 MiB): refused from its Content-Length."""
        emulator.config(listing_padding=MAX_REPLY_BYTES + 1)
        client = make_client()
        try:
            with pytest.raises(CloudflareAPIError) as info:
                client.paginate(account_path(client, "/iam/user_groups"), per_page=500)
        finally:
            emulator.config(listing_padding=0)
        assert "the reply is larger than %d bytes; it was not read" % MAX_REPLY_BYTES in str(info.value)
        assert len(emulator.requests()) == 1 and client.sleep.waits == []  # not retried

    def test_a_reply_without_length_is_cut_at_the_bound(self, raw_server, stub_client):
        sent = []

        def handle(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            for _n in range(256):  # up to 16 MiB, unless the client stops reading first
                conn.sendall(b"[" + b" " * 65535)
                sent.append(1)
        server = raw_server(handle)
        client = stub_client(server, max_reply_bytes=100000, max_retries=0, limiter=False)
        with pytest.raises(CloudflareAPIError, match="larger than 100000 bytes"):
            client.get("/x")
        assert len(sent) < 256  # the client stopped reading: the rest was never taken in

    def test_under_the_bound_is_read(self, emulator, make_client):
        emulator.config(listing_padding=1000000)
        try:
            client = make_client()
            assert client.paginate(account_path(client, "/iam/user_groups"), per_page=500)
        finally:
            emulator.config(listing_padding=0)


# =========================================================================== point 6: an unreadable 2xx after a write
class TestUnreadableWriteReply(object):
    def test_a_create_answered_with_html_200_is_read_back_not_resent(self, emulator, make_client):
        client = make_client()
        service = AccountAPI(client, client.account_id)
        emulator.faults(rate=1.0, kinds=["html_after"], methods=["POST"])
        try:
            group = service.create_user_group("Behind a proxy")
        finally:
            emulator.faults(rate=0)
        assert group["name"] == "Behind a proxy" and len(group["id"]) == 32
        assert len(emulator.groups_by_name("Behind a proxy")) == 1
        assert [e["method"] for e in emulator.requests()].count("POST") == 1
        assert any("re-reading showed the change was made, so it was not sent again" in w for w in client.warnings)
        assert any("text/html" in w for w in client.warnings)

    @pytest.mark.parametrize("method", ["PUT", "DELETE"])
    def test_an_idempotent_write_answered_with_html_200_counts_as_made(self, emulator, make_client, method):
        client = make_client()
        service = AccountAPI(client, client.account_id)
        group = service.create_user_group("To change")
        emulator.faults(rate=1.0, kinds=["html_after"], methods=[method])
        try:
            if method == "PUT":
                service.update_user_group(group["id"], name="Changed")
            else:
                assert service.delete_user_group(group["id"]) is True
        finally:
            emulator.faults(rate=0)
        names = [g["name"] for g in emulator.state()["user_groups"]]
        assert ("Changed" in names) if method == "PUT" else ("To change" not in names)
        assert [e["method"] for e in emulator.requests()].count(method) == 1
        assert any("HTTP 200 with a text/html reply that is not the API's JSON; the status says the write was "
                   "accepted" in w for w in client.warnings), client.warnings

    def test_a_get_answered_with_html_200_still_fails(self, emulator, make_client):
        client = make_client()
        emulator.faults(rate=1.0, kinds=["html_after"], methods=["GET"])
        try:
            with pytest.raises(CloudflareAPIError, match="proxy page"):
                client.get(account_path(client, "/iam/user_groups"))
        finally:
            emulator.faults(rate=0)


# =========================================================================== listings whose counts lie
def listing_of(total_items, per_page, info):
    """A true listing of ``total_items`` whose result_info is ``info(page, items)`` (the lie under test)."""
    items = [{"id": hexid(n), "name": "g%d" % n} for n in range(total_items)]

    def handle(request):
        page = int(request["query"]["page"])
        chunk = items[(page - 1) * per_page:page * per_page]
        return 200, envelope(chunk, info(page, chunk))
    return items, handle


class TestCountsThatLie(object):
    @pytest.mark.parametrize("claimed", [0, 1, 2])
    def test_a_full_page_claiming_to_be_the_last_is_not_trusted(self, stub_api, stub_client, claimed):
        """Before: no total_count, a full page 1 claiming total_pages 1 (or 0, 2) ended the listing: 10 or 20 of 25."""
        items, handle = listing_of(25, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": len(chunk),
                                                                "total_pages": claimed})
        api = stub_api()
        api.handler = handle
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert sorted(int(r["query"]["page"]) for r in api.requests) == [1, 2, 3]

    def test_a_last_full_page_is_confirmed_by_an_empty_one(self, stub_api, stub_client):
        items, handle = listing_of(20, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": len(chunk),
                                                                "total_pages": 2})
        api = stub_api()
        api.handler = handle
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert sorted(int(r["query"]["page"]) for r in api.requests) == [1, 2, 3]

    def test_total_count_proves_a_full_last_page(self, stub_api, stub_client):
        items, handle = listing_of(20, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": len(chunk),
                                                                "total_pages": 2, "total_count": 20})
        api = stub_api()
        api.handler = handle
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert len(api.requests) == 2

    @pytest.mark.parametrize("claimed", [-3, "3", "many", None, True, 2.5])
    def test_total_pages_that_is_not_a_count_is_ignored(self, stub_api, stub_client, claimed):
        items, handle = listing_of(25, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": len(chunk),
                                                                "total_pages": claimed})
        api = stub_api()
        api.handler = handle
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert len(api.requests) == 3

    def test_count_disagreeing_with_the_page_fails(self, stub_api, stub_client):
        _items, handle = listing_of(5, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": 7,
                                                                "total_count": 5})
        api = stub_api()
        api.handler = handle
        with pytest.raises(CloudflareInconsistentListing, match="says count=7"):
            stub_client(api).paginate(GROUPS, per_page=10)

    def test_total_count_changing_between_pages_fails(self, stub_api, stub_client):
        _items, handle = listing_of(25, 10, lambda page, chunk: {"page": page, "per_page": 10, "count": len(chunk),
                                                                 "total_count": 25 + page})
        api = stub_api()
        api.handler = handle
        with pytest.raises(CloudflareInconsistentListing, match="total_count changed"):
            stub_client(api).paginate(GROUPS, per_page=10)


# =========================================================================== 429 with odd Retry-After values
def rate_limited(retry_after):
    return lambda request: (429, {"success": False, "errors": [{"code": 10100, "message": "rate"}], "messages": [],
                                  "result": None}, {"Retry-After": retry_after})


class TestOddRetryAfter(object):
    @pytest.mark.parametrize("retry_after", ["0", "-5", "nan", "Wed, 21 Oct 2015 07:28:00 GMT"])
    def test_a_429_asking_for_no_wait_is_not_retried_at_once(self, stub_api, stub_client, retry_after):
        """Before: the retries went out back to back (no sleep at all) into a server that was rate limiting."""
        api = stub_api()
        api.handler = rate_limited(retry_after)
        client = stub_client(api, max_retries=3, limiter=False)
        with pytest.raises(CloudflareAPIError):
            client.get("/x")
        assert len(api.requests) == 4
        assert len(client.sleep.waits) == 3
        floor = MIN_RATE_LIMITED_WAIT if retry_after != "nan" else 0.25  # NaN is no Retry-After: the backoff
        assert all(w >= floor for w in client.sleep.waits), client.sleep.waits

    @pytest.mark.parametrize("retry_after,fails_at_once", [("299", False), ("300", False), ("301", True),
                                                           ("3600", True), ("1e9", True), ("soon", False)])
    def test_retry_after_against_max_retry_wait(self, stub_api, stub_client, retry_after, fails_at_once):
        api = stub_api()
        api.handler = rate_limited(retry_after)
        client = stub_client(api, max_retries=1, max_retry_wait=300, max_total_wait=600, limiter=False)
        with pytest.raises(CloudflareAPIError) as info:
            client.get("/x")
        if fails_at_once:
            assert len(api.requests) == 1 and "more than max_retry_wait=300 s" in str(info.value)
        else:
            assert len(api.requests) == 2 and len(client.sleep.waits) == 1

    @pytest.mark.parametrize("retry_after", ["inf", "Infinity", "1e400", "-inf"])
    def test_an_infinite_retry_after_fails_with_a_message(self, stub_api, stub_client, retry_after):
        """Before: OverflowError from '%d' % inf, not caught by TaskRun.run: an unhandled exception."""
        api = stub_api()
        api.handler = rate_limited(retry_after)
        client = stub_client(api, max_retries=1, max_retry_wait=300, limiter=False)
        if retry_after == "-inf":  # a wait of 0: retried after the floor, then fails on the retry
            with pytest.raises(CloudflareAPIError):
                client.get("/x")
            assert client.sleep.waits and client.sleep.waits[0] >= MIN_RATE_LIMITED_WAIT
            return
        with pytest.raises(CloudflareAPIError, match="more than max_retry_wait=300 s") as info:
            client.get("/x")
        assert "asks to wait over 1000000000 s" in str(info.value)
        assert len(api.requests) == 1

    @pytest.mark.parametrize("value, expected", [("0", 0.0), ("-5", 0.0), ("nan", None), ("inf", 1e9),
                                                 ("1e400", 1e9), ("12", 12.0), ("", None), ("soon", None)])
    def test_parse_retry_after(self, value, expected):
        from ansible_collections.cfiam.user_groups.plugins.module_utils.client import parse_retry_after
        assert parse_retry_after(value) == expected

    def test_the_store_keeps_at_most_its_block_for_an_infinite_retry_after(self, tmp_path, stub_api, stub_client):
        from ansible_collections.cfiam.user_groups.plugins.module_utils import ratelimit
        api = stub_api()
        api.handler = rate_limited("inf")
        lim = ratelimit.SharedRateLimiter("f" * 64, "e" * 64, budget=0, per_second=0, directory=str(tmp_path / "rl"))
        client = stub_client(api, max_retries=1, limiter=False)
        client._limiter = lim
        with pytest.raises(CloudflareAPIError):
            client.get("/x")
        grant = lim.reserve(max_wait=1000)
        assert grant.granted and 290 < grant.wait <= ratelimit.MAX_BLOCK


# =========================================================================== odd 2xx replies to writes
class TestOddWriteReplies(object):
    def test_a_204_to_a_create_is_read_back_not_resent(self, stub_api, stub_client):
        made = {"id": hexid(77), "name": "Created"}
        api = stub_api()

        def handle(request):
            if request["method"] == "POST":
                return 204, b"", {"Content-Type": "text/plain"}
            return 200, envelope([made], {"page": 1, "per_page": 500, "count": 1, "total_count": 1})
        api.handler = handle
        client = stub_client(api, max_retries=2)
        assert AccountAPI(client, ACCOUNT).create_user_group("Created") == made
        assert [r["method"] for r in api.requests] == ["POST", "GET"]

    def test_success_false_on_a_200_create_is_a_failure_not_retried(self, stub_api, stub_client):
        api = stub_api()
        api.handler = lambda request: (200, {"success": False, "errors": [{"code": 1234, "message": "nope"}],
                                             "messages": [], "result": None})
        with pytest.raises(CloudflareAPIError, match=r"\[1234\] nope"):
            AccountAPI(stub_client(api), ACCOUNT).create_user_group("X")
        assert [r["method"] for r in api.requests] == ["POST"]


# =========================================================================== replies that never end, bombs, silence
class TestEndlessReplies(object):
    def test_a_chunked_reply_that_never_ends_is_cut_at_the_deadline(self, raw_server, stub_client):
        import time

        def handle(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"1\r\n[\r\n")
            began = time.monotonic()
            while time.monotonic() - began < 8:  # bounded whatever the client does
                conn.sendall(b"1\r\n \r\n")
                time.sleep(0.05)
        server = raw_server(handle)
        client = stub_client(server, timeout=1, max_retries=0, limiter=False)
        began = time.monotonic()
        with pytest.raises(CloudflareAPIError, match="within timeout=1 s"):
            client.get("/x")
        assert time.monotonic() - began < 2.5

    def test_a_gzip_bomb_is_refused_at_the_size_bound(self, raw_server, stub_client):
        """100 KiB of gzip that inflates to 96 MiB: the decoded size counts, the reply is refused, not inflated."""
        import gzip
        import time
        body = gzip.compress(b" " * (96 << 20), compresslevel=9)

        def handle(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server = raw_server(handle)
        client = stub_client(server, timeout=10, max_retries=0, limiter=False)
        began = time.monotonic()
        with pytest.raises(CloudflareAPIError, match="larger than %d bytes" % MAX_REPLY_BYTES):
            client.get("/x")
        assert time.monotonic() - began < 5

    def test_headers_then_silence_within_the_announced_length(self, raw_server, stub_client):
        import time

        def handle(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"succ")
            time.sleep(4)
        server = raw_server(handle)
        client = stub_client(server, timeout=1, max_retries=0, limiter=False)
        began = time.monotonic()
        with pytest.raises(CloudflareAPIError, match="no reply in time"):
            client.get("/x")
        assert time.monotonic() - began < 2.5

    def test_a_read_that_times_out_within_the_body_is_a_timeout(self):
        """requests wraps urllib3's ReadTimeoutError in a ConnectionError when the body stalls: still a timeout."""
        import requests
        from urllib3.exceptions import ReadTimeoutError
        from ansible_collections.cfiam.user_groups.plugins.module_utils.client import describe_network_error
        with pytest.raises(requests.exceptions.ConnectionError) as caught:
            try:
                raise ReadTimeoutError(None, "/x", "Read timed out.")
            except ReadTimeoutError as inner:
                raise requests.exceptions.ConnectionError(inner)
        kind, _detail = describe_network_error(caught.value)
        assert kind == "timeout"
