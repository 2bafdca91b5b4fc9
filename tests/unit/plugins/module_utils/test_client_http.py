# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CloudflareClient against programmable stub servers (``stub_api``/``stub_client`` in tests/unit/conftest.py).

Each test asserts on what the stub received (and what it did not), on the
exact texts the client produces and on the waits it asked for (recorded, never
slept): redirects, every pagination shape, a DELETE whose reply was lost,
network failures, the 7003 hint, rate-limit headers, Retry-After and
max_total_wait, and secrets in error bodies.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import ssl
import subprocess
import threading
import http.server
from urllib.parse import quote, quote_plus

import pytest
import requests
from pytest_plugin import unused_port  # tests/emulator, on sys.path (tests/unit/conftest.py)

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    CloudflareAPIError,
    CloudflareInconsistentListing,
    CloudflareNotFound,
    CloudflareRedirectError,
    DeletedOnRetry,
    describe_network_error,
    was_deleted_on_retry,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import account_path, hexid

TOKEN = "stub-token-0123456789abcdef"
ACCOUNT = "0123456789abcdef0123456789abcdef"
GROUPS = "/accounts/%s/iam/user_groups" % ACCOUNT


def envelope(result=None, result_info=None, success=True, errors=None):
    body = {"success": success, "errors": errors or [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def texts(exc):
    return [str(exc), repr(exc), exc.describe(), exc.api_messages(), repr(exc.to_dict()), repr(exc.args),
            repr(vars(exc))]


# =========================================================================== redirects
class TestRedirects(object):
    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    @pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
    def test_redirect_to_another_host_is_not_followed(self, stub_api, stub_client, status, method):
        api, elsewhere = stub_api(), stub_api()
        api.reply(status, envelope(), {"Location": elsewhere.base_url + GROUPS})
        client = stub_client(api)
        with pytest.raises(CloudflareRedirectError) as info:
            client.request(method, GROUPS, body={"name": "x"} if method == "POST" else None)
        err = info.value
        assert elsewhere.requests == []  # no credentials, no body went there
        assert len(api.requests) == 1  # and it was not retried
        assert err.status == status and err.location == elsewhere.base_url + GROUPS
        assert str(err) == (
            "HTTP %d redirect to %s was not followed (credentials and request bodies go to base_url only); set "
            "base_url to the address of the API itself, e.g. https://api.cloudflare.com/client/v4 (HTTP %d, %s %s)"
            % (status, elsewhere.base_url + GROUPS, status, method, GROUPS))

    def test_global_key_is_not_sent_to_the_redirect_target(self, stub_api, stub_client):
        api, elsewhere = stub_api(), stub_api()
        api.reply(307, envelope(), {"Location": elsewhere.base_url + GROUPS})
        client = stub_client(api, api_token=None, api_email="me@example.com", api_key="global-key-123456")
        with pytest.raises(CloudflareRedirectError):
            client.post(GROUPS, body={"name": "secret body"})
        assert elsewhere.requests == []
        assert api.requests[0]["headers"]["X-Auth-Key"] == "global-key-123456"

    def test_location_is_shown_without_secrets(self, stub_api, stub_client):
        api = stub_api()
        location = "https://user:pass@evil.example:8443/steal/%s/x?token=%s#frag" % (TOKEN, TOKEN)
        api.reply(302, None, {"Location": location})
        client = stub_client(api)
        with pytest.raises(CloudflareRedirectError) as info:
            client.get(GROUPS)
        assert info.value.location == "https://evil.example:8443/steal/********/x (query removed)"
        for text in texts(info.value):
            assert TOKEN not in text and "pass" not in text and "user:" not in text

    def test_http_to_https_redirect_says_to_use_https(self, stub_api, stub_client):
        api = stub_api()
        api.reply(301, None, {"Location": "https://127.0.0.1:%d/client/v4%s" % (api.port, GROUPS)})
        client = stub_client(api)
        with pytest.raises(CloudflareRedirectError, match="the server wants HTTPS: set base_url to its https://"):
            client.get(GROUPS)

    def test_redirect_without_location(self, stub_api, stub_client):
        api = stub_api()
        api.reply(302, None, {})
        with pytest.raises(CloudflareRedirectError, match=r"HTTP 302 redirect to \(no Location header\)"):
            stub_client(api).get(GROUPS)


# =========================================================================== pagination
def pager(items, clamp=None, info=("per_page", "count", "total_count", "total_pages"), lie=None):
    """A stub handler serving ``items`` in pages; ``clamp``: largest page it applies; ``lie``: result_info overrides."""
    def handle(request):
        page = int(request["query"].get("page", 1))
        asked = int(request["query"].get("per_page", 20))
        size = min(asked, clamp) if clamp else asked
        chunk = items[(page - 1) * size:page * size]
        full = {"page": page, "per_page": size, "count": len(chunk), "total_count": len(items),
                "total_pages": (len(items) + size - 1) // size}
        result_info = dict((k, v) for k, v in full.items() if k in info or k == "page") if info else None
        if lie and result_info is not None:
            result_info.update(lie)
        return 200, envelope(chunk if chunk else None, result_info)
    return handle


def pages_asked(stub):
    """(page, per_page) asked, page 1 first; pages 2..N may have been read concurrently, so in any order."""
    asked = [(int(r["query"]["page"]), int(r["query"]["per_page"])) for r in stub.requests]
    return asked[:1] + sorted(asked[1:])


class TestPagination(object):
    ITEMS = [{"id": hexid(n)} for n in range(23)]

    def test_server_applies_a_smaller_page_size(self, stub_api, stub_client):
        """Asked 50, the server gives 10 a page: keep going to total_count, no extra page."""
        api = stub_api()
        api.handler = pager(self.ITEMS, clamp=10)
        assert stub_client(api).paginate(GROUPS, per_page=50) == self.ITEMS
        assert pages_asked(api) == [(1, 50), (2, 50), (3, 50)]

    def test_clamped_without_totals_ends_at_a_page_shorter_than_applied(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, clamp=10, info=("per_page", "count"))
        assert stub_client(api).paginate(GROUPS, per_page=50) == self.ITEMS
        assert pages_asked(api) == [(1, 50), (2, 50), (3, 50)]

    def test_clamped_without_result_info_reads_to_an_empty_page(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, clamp=10, info=())
        assert stub_client(api).paginate(GROUPS, per_page=50) == self.ITEMS
        assert pages_asked(api) == [(1, 50), (2, 50), (3, 50), (4, 50)]

    def test_without_total_pages(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, info=("per_page", "count", "total_count"))
        assert stub_client(api).paginate(GROUPS, per_page=10) == self.ITEMS
        assert pages_asked(api) == [(1, 10), (2, 10), (3, 10)]

    def test_total_count_reached_on_a_full_page_needs_no_empty_page(self, stub_api, stub_client):
        api = stub_api()
        items = self.ITEMS[:20]
        api.handler = pager(items)
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        assert pages_asked(api) == [(1, 10), (2, 10)]

    def test_total_pages_without_total_count(self, stub_api, stub_client):
        api = stub_api()
        items = self.ITEMS[:20]
        api.handler = pager(items, info=("per_page", "total_pages"))
        assert stub_client(api).paginate(GROUPS, per_page=10) == items
        # total_pages alone does not prove that the full page 2 is the last: page 3 (empty) does.
        assert pages_asked(api) == [(1, 10), (2, 10), (3, 10)]

    def test_result_null_is_an_empty_listing(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope(None, {"page": 1, "per_page": 50, "count": 0, "total_count": 0, "total_pages": 0}))
        assert stub_client(api).paginate(GROUPS, per_page=50) == []
        assert len(api.requests) == 1

    def test_result_null_without_result_info(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope(None))
        assert stub_client(api).paginate(GROUPS, per_page=50) == []
        assert len(api.requests) == 1

    def test_extra_params_are_kept_on_every_page(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, clamp=10)
        stub_client(api).paginate(GROUPS, params={"name": "x y"}, per_page=50)
        assert [r["query"]["name"] for r in api.requests] == ["x y"] * 3

    def assert_inconsistent(self, stub, client, reason, per_page=10):
        with pytest.raises(CloudflareInconsistentListing) as info:
            client.paginate(GROUPS, per_page=per_page)
        assert isinstance(info.value, CloudflareAPIError)
        assert str(info.value) == (
            "listing of GET %s is inconsistent: %s; not using a partial listing (run again: the listing may have "
            "changed while it was read) (HTTP 200, GET %s)" % (GROUPS, reason, GROUPS))
        return info.value

    def test_total_count_that_lies_high(self, stub_api, stub_client):
        """total_count says 1200, the pages run out at 800: an error, not 800 items."""
        api = stub_api()
        api.handler = pager([{"id": hexid(n)} for n in range(800)], lie={"total_count": 1200, "total_pages": None})
        self.assert_inconsistent(api, stub_client(api), "total_count says 1200 but the pages ran out at 800 items "
                                 "(page 9 was empty)", per_page=100)
        # page 1 announced 12 pages: pages 2-9 were read concurrently (one window), page 9 was empty, so no more
        assert len(api.requests) == 9

    def test_total_count_that_lies_low(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, info=("per_page", "count", "total_count"), lie={"total_count": 5})
        self.assert_inconsistent(api, stub_client(api), "total_count says 5 but 10 items came")

    def test_total_pages_reached_short_of_total_count(self, stub_api, stub_client):
        api = stub_api()
        api.handler = pager(self.ITEMS, lie={"total_pages": 2})
        self.assert_inconsistent(api, stub_client(api), "total_count says 23 but total_pages=2 pages gave 20 items")

    def test_duplicates_across_pages(self, stub_api, stub_client):
        api = stub_api()
        items = self.ITEMS[:10] + self.ITEMS[5:10] + self.ITEMS[15:20]
        api.handler = pager(items, info=("per_page", "count"))
        self.assert_inconsistent(api, stub_client(api), "item %s is on page 1 and again on page 2" % hexid(5))

    def test_total_count_changing_between_pages(self, stub_api, stub_client):
        api = stub_api()
        # By page number: pages 2 and 3 are read concurrently, so queued replies could go to either.
        api.handler = lambda request: (200, envelope(
            self.ITEMS[:10] if request["query"]["page"] == "1" else self.ITEMS[10:20],
            {"page": int(request["query"]["page"]), "per_page": 10, "count": 10,
             "total_count": 23 if request["query"]["page"] == "1" else 24}))
        self.assert_inconsistent(api, stub_client(api), "total_count changed from 23 to 24 between pages")

    def test_count_disagreeing_with_the_page(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope(self.ITEMS[:10], {"page": 1, "per_page": 10, "count": 9, "total_count": 23}))
        self.assert_inconsistent(api, stub_client(api), "page 1 has 10 items but says count=9")

    def test_page_longer_than_its_per_page(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope(self.ITEMS[:12], {"page": 1, "per_page": 10}))
        self.assert_inconsistent(api, stub_client(api), "page 1 has 12 items, more than its per_page=10")

    def test_result_that_is_not_a_list(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope({"id": hexid(1)}))
        self.assert_inconsistent(api, stub_client(api), "page 1 has a dict as result, not a list")

    def test_emulator_listing_takes_the_minimum_of_requests(self, emulator, make_client, builders):
        state = builders.generated_state(n_groups=0, n_members=120, with_groups=False, n_zones=1)
        emulator.set_state(state)
        emulator.clear_requests()
        client = make_client()
        assert len(client.paginate(account_path(client, "/members"), per_page=50)) == 120
        # page 1 first, then the two others concurrently (in any order)
        pages = [e["query"]["page"] for e in emulator.requests()]
        assert pages[0] == "1" and sorted(pages) == ["1", "2", "3"]


# =========================================================================== DELETE whose reply was lost
class TestDeletedOnRetry(object):
    @pytest.mark.parametrize("first", ["drop_after", 502, 500])
    def test_lost_reply_then_404_is_this_runs_delete(self, stub_api, stub_client, first):
        api = stub_api()
        if first == "drop_after":
            api.reply("drop_after")
        else:
            api.reply(first, envelope(success=False, errors=[{"code": 10002, "message": "upstream"}]))
        api.reply(404, envelope(success=False, errors=[{"code": 1003, "message": "user group not found"}]))
        client = stub_client(api)
        path = GROUPS + "/" + hexid(9)
        result = client.delete(path)
        assert isinstance(result, DeletedOnRetry) and result == {"id": hexid(9)} and result.deleted_on_retry
        assert was_deleted_on_retry(result)
        assert [r["method"] for r in api.requests] == ["DELETE", "DELETE"]
        assert client.request_counts()["retries"] == 1
        assert client.warnings[-1] == ("DELETE %s got no clear answer at first and the retry found it gone (HTTP "
                                       "404): it was deleted by this run" % path)

    def test_request_returns_a_marked_envelope(self, stub_api, stub_client):
        api = stub_api()
        api.reply("drop_after")
        api.reply(404, envelope(success=False, errors=[{"code": 1003, "message": "gone"}]))
        envelope_ = stub_client(api).request("DELETE", GROUPS + "/" + hexid(3))
        assert envelope_["deleted_on_retry"] is True and envelope_["success"] is True
        assert was_deleted_on_retry(envelope_) and was_deleted_on_retry(envelope_["result"])

    def test_404_at_the_first_attempt_is_not_found(self, stub_api, stub_client):
        api = stub_api()
        api.reply(404, envelope(success=False, errors=[{"code": 1003, "message": "user group not found"}]))
        with pytest.raises(CloudflareNotFound):
            stub_client(api).delete(GROUPS + "/" + hexid(9))

    def test_404_after_a_429_is_not_found(self, stub_api, stub_client):
        """A 429 was not processed: the 404 after it says the object was already gone."""
        api = stub_api()
        api.reply(429, envelope(success=False, errors=[{"code": 971, "message": "slow"}]), {"Retry-After": "1"})
        api.reply(404, envelope(success=False, errors=[{"code": 1003, "message": "user group not found"}]))
        with pytest.raises(CloudflareNotFound):
            stub_client(api).delete(GROUPS + "/" + hexid(9))

    def test_a_successful_delete_is_unmarked(self, stub_api, stub_client):
        api = stub_api()
        api.reply(200, envelope({"id": hexid(9)}))
        result = stub_client(api).delete(GROUPS + "/" + hexid(9))
        assert result == {"id": hexid(9)} and not was_deleted_on_retry(result)

    def test_group_and_member_deletes_through_the_emulator(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(lambda n: emulator.faults(rate=0)))
        api = AccountAPI(client, client.account_id)
        group = api.create_user_group("Lost replies")
        alice = emulator.member_id("alice@example.com")
        api.add_group_members(group["id"], [alice])
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["DELETE"])
        removed = client.delete(account_path(client, "/iam/user_groups/%s/members/%s" % (group["id"], alice)))
        assert was_deleted_on_retry(removed) and removed["id"] == alice
        assert api.list_group_members(group["id"]) == []
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["DELETE"])
        assert api.delete_user_group(group["id"]) is True  # changed, although the second DELETE got a 404
        assert emulator.groups_by_name("Lost replies") == []
        deletes = [e for e in emulator.requests() if e["method"] == "DELETE"]
        assert [e["status"] for e in deletes] == [0, 404, 0, 404]


# =========================================================================== network failures
@pytest.fixture(scope="module")
def self_signed_server(tmp_path_factory):
    """An HTTPS server whose certificate nobody trusts."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = str(tmp / "cert.pem"), str(tmp / "key.pem")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is not available")
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d/client/v4" % server.server_address[1], hits
    server.shutdown()
    server.server_close()


class TestNetworkFailures(object):
    def test_name_resolution_failure_is_not_retried(self, stub_api, stub_client):
        client = stub_client(stub_api(), base_url="https://no-such-host.invalid/client/v4")
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        text = str(info.value)
        assert text.startswith("cannot reach https://no-such-host.invalid/client/v4: the host name does not resolve "
                               "(gaierror: "), text
        assert "[Errno " in text  # the cause (socket.gaierror) is kept
        assert text.endswith("; not retried: a retry cannot fix this (no HTTP response, GET %s)" % GROUPS)
        assert client.sleep.waits == [] and client.request_counts()["GET"] == 1

    def test_tls_verification_failure_is_not_retried(self, self_signed_server, stub_api, stub_client):
        url, hits = self_signed_server
        client = stub_client(stub_api(), base_url=url)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        text = str(info.value)
        assert "cannot reach %s: TLS error (" % url in text and "certificate verify failed" in text
        assert "set validate_certs=false only for a test endpoint; not retried" in text
        assert client.sleep.waits == [] and client.request_counts()["GET"] == 1 and hits == []

    def test_tls_unverified_reaches_the_server(self, self_signed_server, stub_api, stub_client):
        url, hits = self_signed_server
        client = stub_client(stub_api(), base_url=url, validate_certs=False, max_retries=0)
        with pytest.raises(CloudflareAPIError):  # the stub answers 200 without a JSON body
            client.get(GROUPS)
        assert hits == ["/client/v4" + GROUPS]

    def test_dropped_connection_keeps_its_cause_and_is_retried(self, stub_api, stub_client):
        api = stub_api()
        api.default = ("drop",)
        api.handler = lambda request: "drop"
        client = stub_client(api, max_retries=2)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        assert len(api.requests) == 3 and len(client.sleep.waits) == 2
        text = str(info.value)
        assert "the connection was dropped (" in text and "Remote end closed connection without response" in text
        assert "gave up after 2 retries and %.1f s of waiting in total" % sum(client.sleep.waits) in text

    def test_long_wrapper_text_is_shortened_but_the_cause_is_whole(self):
        cause = ConnectionResetError(104, "Connection reset by peer " + " ".join("word%d" % n for n in range(60)))
        wrapper = requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='h', port=443): " + "noise " * 150)
        wrapper.__cause__ = cause
        kind, detail = describe_network_error(wrapper)
        assert kind == "dropped"
        assert str(cause) in detail  # whole: no cut inside the cause
        assert detail.startswith("ConnectionResetError: noise noise") and " ... " in detail
        assert len(detail) < len(str(cause)) + 250

    def test_urllib3_object_descriptions_are_dropped(self, stub_api, stub_client):
        client = stub_client(stub_api(), base_url="http://127.0.0.1:%d/client/v4" % unused_port())
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        assert "HTTPConnection(" not in str(info.value) and "Max retries exceeded" not in str(info.value)
        assert "object at 0x" not in str(info.value)


# =========================================================================== base URL hint
class TestNoRouteHint(object):
    NO_ROUTE = envelope(success=False, errors=[{"code": 7003, "message": "No route for the URI"}])

    def test_base_url_without_the_api_path(self, stub_api, stub_client):
        api = stub_api()
        api.reply(404, self.NO_ROUTE)
        client = stub_client(api, base_url=api.root)
        with pytest.raises(CloudflareNotFound) as info:
            client.get(GROUPS)
        assert str(info.value) == (
            "[7003] No route for the URI; base_url %s does not end in /client/v4: the Cloudflare API lives at "
            "https://api.cloudflare.com/client/v4 (check base_url). (HTTP 404, GET %s)" % (api.root, GROUPS))

    def test_no_hint_when_the_path_is_right(self, stub_api, stub_client):
        api = stub_api()
        api.reply(404, self.NO_ROUTE)
        with pytest.raises(CloudflareNotFound) as info:
            stub_client(api).get("/no/such/route")
        assert str(info.value) == "[7003] No route for the URI (HTTP 404, GET /no/such/route)"

    def test_documentation_url_is_shown(self, stub_api, stub_client):
        api = stub_api()
        api.reply(403, envelope(success=False, errors=[{"code": 9109, "message": "Unauthorized",
                                                        "documentation_url": "https://developers.cloudflare.com/x"}]))
        with pytest.raises(CloudflareAPIError, match=r"\[9109\] Unauthorized \(see https://developers.cloudflare"
                                                     r"\.com/x\); Cloudflare answers 9109 when the credential cannot "
                                                     r"see account [0-9a-f]{32}: a wrong account id, a token that lost access"):
            stub_client(api).get(GROUPS)

    def test_other_403_codes_keep_the_permission_hint(self, stub_api, stub_client):
        api = stub_api()
        api.reply(403, envelope(success=False, errors=[{"code": 10000, "message": "Authentication error"}]))
        with pytest.raises(CloudflareAPIError, match=r"\[10000\] Authentication error; Check that the API token is "
                                                     r"valid, belongs to account [0-9a-f]{32} and has the permission"):
            stub_client(api).get(GROUPS)


# =========================================================================== rate limits
def counting_down(start, reset, header="ratelimit"):
    """A handler whose rate-limit headers count ``start`` requests down (reset ``reset`` s, also counting down)."""
    state = {"left": start}

    def handle(request):
        state["left"] = max(0, state["left"] - 1)
        if header == "ratelimit":
            headers = {"Ratelimit": '"default";r=%d;t=%d' % (state["left"], reset),
                       "Ratelimit-Policy": '"default";q=%d;w=300' % start}
        else:
            headers = {"x-ratelimit-limit": str(start), "x-ratelimit-remaining": str(state["left"]),
                       "x-ratelimit-reset": str(reset)}
        return 200, envelope([]), headers
    return handle


class TestRateLimits(object):
    def test_no_headers_no_waiting(self, stub_api, stub_client):
        api = stub_api()
        client = stub_client(api)
        for _n in range(30):
            client.get(GROUPS)
        assert client.sleep.waits == [] and client.warnings == []

    def test_few_requests_left_are_spread_over_the_reset_time(self, stub_api, stub_client):
        api = stub_api()
        api.handler = counting_down(6, 30)  # 5 left after the first reply, reset in 30 s
        client = stub_client(api, clock=lambda: 1000.0)
        for _n in range(3):
            client.get(GROUPS)
        # 5 left / 30 s: one every 6 s; then 4 left / 30 s (the stub's reset does not count down): 7.5 s
        assert client.sleep.waits == [6.0, 7.5]
        assert client.warnings[0] == (
            "Cloudflare API GET %s waits 6.0 s before it is sent: Cloudflare reported only 5 requests left for "
            "the next 30 s; spreading them" % GROUPS)

    @pytest.mark.parametrize("family", ["ratelimit", "x-ratelimit"])
    def test_no_request_left_waits_for_the_reset(self, stub_api, stub_client, family):
        api = stub_api()
        api.handler = counting_down(1, 12, header=family)
        client = stub_client(api, clock=lambda: 500.0)
        client.get(GROUPS)
        client.get(GROUPS)
        assert client.sleep.waits == [12.0] and len(api.requests) == 2
        assert "no requests left for this credential until its rate window resets" in client.warnings[0]

    def test_garbage_headers_are_ignored(self, stub_api, stub_client):
        api = stub_api()
        api.handler = lambda request: (200, envelope([]), {"Ratelimit": "nonsense;;r=;t=x",
                                                           "x-ratelimit-remaining": "-1", "x-ratelimit-reset": "soon"})
        client = stub_client(api)
        for _n in range(5):
            client.get(GROUPS)
        assert client.sleep.waits == []

    def test_429_retry_after_is_waited_out_with_a_warning(self, stub_api, stub_client):
        api = stub_api()
        api.reply(429, envelope(success=False, errors=[{"code": 10100, "message": "More than 1200 requests"}]),
                  {"Retry-After": "7"})
        client = stub_client(api)
        assert client.get(GROUPS) is None
        assert client.sleep.waits == [7.0]
        assert client.warnings == ["Cloudflare API GET %s was rate limited ([10100] More than 1200 requests); "
                                   "waiting 7.0 s as its Retry-After asks, then retry 1 of 3" % GROUPS]

    def test_429_is_shared_with_the_next_client_of_the_token(self, stub_api, stub_client, tmp_path):
        """Another process (here: another client on the same store) waits out the block instead of sending."""
        api = stub_api()
        api.reply(429, envelope(success=False, errors=[{"code": 10100, "message": "blocked"}]),
                  {"Retry-After": "200"})
        first = stub_client(api, clock=lambda: 5000.0, max_retry_wait=100)
        with pytest.raises(CloudflareAPIError, match="Cloudflare asks to wait 200 s, more than max_retry_wait=100 s"):
            first.get(GROUPS)
        second = stub_client(api, clock=lambda: 5010.0, max_retry_wait=300)
        second.get(GROUPS)
        assert second.sleep.waits == [190.0]
        assert len(api.requests) == 2
        assert "Cloudflare answered HTTP 429 (rate limited) and asked to wait" in second.warnings[0]

    def test_429_without_retry_after_backs_off(self, stub_api, stub_client):
        api = stub_api()
        api.reply(429, envelope(success=False, errors=[{"code": 971, "message": "slow down"}]))
        client = stub_client(api)
        client.get(GROUPS)
        (wait,) = client.sleep.waits
        assert 0.25 <= wait <= 0.5 and "(backoff)" in client.warnings[0]

    def test_max_total_wait_bounds_retries(self, stub_api, stub_client):
        api = stub_api()
        api.handler = lambda request: (429, envelope(success=False, errors=[{"code": 971, "message": "slow"}]),
                                       {"Retry-After": "2"})
        client = stub_client(api, max_retries=10, max_total_wait=5, limiter=False)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        assert client.sleep.waits == [2.0, 2.0]
        assert str(info.value) == (
            "[971] slow; the next retry would wait 2.0 s more, beyond max_total_wait=5 s; gave up after 2 retries "
            "and 4.0 s of waiting in total (HTTP 429, GET %s)" % GROUPS)
        assert (info.value.retries, info.value.waited) == (2, 4.0)

    def test_max_total_wait_counts_budget_waits_too(self, stub_api, stub_client, tmp_path):
        api = stub_api()
        api.handler = counting_down(1, 50)
        client = stub_client(api, clock=lambda: 100.0, max_total_wait=40)
        client.get(GROUPS)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        store = client._limiter._token.backend.path
        assert store.startswith(str(tmp_path)) and store.endswith(".budget")
        assert str(info.value) == (
            "not sent: Cloudflare reported no requests left for this credential until its rate window resets; its "
            "turn comes in 50 s, later than the 40 s left of max_total_wait=40 s allows; the turns are kept in the "
            "rate budget store %s (shared by every process of this controller that uses this credential; delete "
            "that file to clear it, once no other run uses the credential) (no HTTP response, GET %s)"
            % (store, GROUPS))
        assert len(api.requests) == 1

    def test_waited_is_counted(self, stub_api, stub_client):
        api = stub_api()
        api.reply(503, envelope(success=False, errors=[{"code": 10043, "message": "unavailable"}]))
        client = stub_client(api)
        client.get(GROUPS)
        (wait,) = client.sleep.waits
        assert client.request_counts() == {"GET": 2, "total": 2, "retries": 1, "waited": round(wait, 3)}


# =========================================================================== secrets in what the server says
ODD_TOKEN = 'tok"en\\with %2F+ spaces&=ü'


class TestSecretsInReplies(object):
    def forms(self, secret):
        return [secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)]

    def test_error_body_echoing_the_token_in_any_form(self, stub_api, stub_client):
        api = stub_api()
        echoed = " | ".join(self.forms(ODD_TOKEN))
        api.reply(400, "<html>bad request %s</html>" % echoed, {"Content-Type": "text/html"})
        client = stub_client(api, api_token=ODD_TOKEN)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        for text in texts(info.value):
            for form in self.forms(ODD_TOKEN):
                assert form not in text
        assert "bad request ******** | ******** | ********" in str(info.value)

    def test_api_errors_echoing_the_token_are_masked(self, stub_api, stub_client):
        api = stub_api()
        api.reply(400, envelope(success=False, errors=[
            {"code": 6003, "message": "Invalid request headers: Bearer %s" % ODD_TOKEN,
             "error_chain": [{"code": 6111, "message": json.dumps({"token": ODD_TOKEN})}]}]))
        client = stub_client(api, api_token=ODD_TOKEN)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        for text in texts(info.value):
            for form in self.forms(ODD_TOKEN):
                assert form not in text
        assert info.value.codes == [6003]

    def test_a_token_cut_by_the_snippet_does_not_leak_a_prefix(self, stub_api, stub_client):
        api = stub_api()
        token = "abcdefghij0123456789ABCDEFGHIJ0123456789"
        api.reply(502, "x" * 190 + token + " tail", {"Content-Type": "text/html"})
        client = stub_client(api, api_token=token, max_retries=0)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(GROUPS)
        for text in texts(info.value):
            assert token[:8] not in text

    def test_warnings_are_masked(self, stub_api, stub_client):
        api = stub_api()
        api.reply(503, envelope(success=False, errors=[{"code": 1, "message": "token %s rejected" % ODD_TOKEN}]))
        client = stub_client(api, api_token=ODD_TOKEN)
        client.get(GROUPS)
        assert client.warnings and all(ODD_TOKEN not in w for w in client.warnings)
        assert "token ******** rejected" in client.warnings[0]

    def test_the_token_is_only_sent_to_the_api(self, stub_api, stub_client):
        api = stub_api()
        client = stub_client(api, api_token=TOKEN)
        client.get(GROUPS)
        assert api.requests[0]["headers"]["Authorization"] == "Bearer " + TOKEN
        assert TOKEN not in json.dumps(client.request_counts())


def test_the_budget_directory_holds_hashes_only(stub_api, stub_client, tmp_path):
    """The shared budget directory holds hashes only."""
    api = stub_api()
    client = stub_client(api, api_token=TOKEN)
    client.get(GROUPS)
    directory = tmp_path / "rate-budget"
    names = sorted(os.listdir(str(directory)))
    assert len(names) == 2 and all(len(n.split(".")[0]) == 64 for n in names)
    for name in names:
        with open(str(directory / name), "rb") as handle:
            assert TOKEN.encode() not in handle.read()


def test_the_user_agent_names_the_collection_version():
    """Cloudflare support sees the User-Agent: it names the version galaxy.yml builds, not an old one."""
    from ansible_collections.cfiam.user_groups.plugins.module_utils.client import USER_AGENT
    root = os.path.dirname(os.path.abspath(__file__))
    while not os.path.exists(os.path.join(root, "galaxy.yml")):
        assert os.path.dirname(root) != root, "galaxy.yml not found above the tests"
        root = os.path.dirname(root)
    with open(os.path.join(root, "galaxy.yml")) as handle:
        version = [line.split(":", 1)[1].strip() for line in handle if line.startswith("version:")][0]
    assert USER_AGENT.startswith("cfiam.user_groups/%s " % version), (USER_AGENT, version)
