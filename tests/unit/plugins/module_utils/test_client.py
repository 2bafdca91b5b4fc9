# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CloudflareClient over real HTTP against the emulator.

Only the cases the emulator cannot produce (an HTTP-date Retry-After, a TLS
error) replace the HTTP session's ``request``; everything else is real traffic.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import threading
import time

import pytest
import requests
from pytest_plugin import unused_port  # tests/emulator, on sys.path (tests/unit/conftest.py)

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    CloudflareAPIError,
    CloudflareClient,
    CloudflareNotFound,
    backoff_delay,
    parse_retry_after,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import account_path, hexid

API = "/client/v4"


def api_log(emulator, method=None, suffix=None):
    """Request-log entries (optionally of one method / path suffix)."""
    return [e for e in emulator.requests()
            if (method is None or e["method"] == method) and (suffix is None or e["path"].endswith(suffix))]


def groups_path(emulator, suffix=""):
    return "%s/accounts/%s/iam/user_groups%s" % (API, emulator.account_id, suffix)


def heal(emulator):
    """An on_call hook for RecordingSleep: faults off after the first wait."""
    def on_call(n):
        emulator.faults(rate=0)
    return on_call


def all_texts(exc):
    return [str(exc), repr(exc), exc.describe(), exc.api_messages(), repr(exc.to_dict()), repr(exc.args),
            repr(vars(exc))]


# =========================================================================== envelope and errors
class TestEnvelope(object):
    def test_result_is_unwrapped(self, emulator, make_client):
        client = make_client()
        pg_id = emulator.permission_group_id("admin")
        pg = client.get(account_path(client, "/iam/permission_groups/%s" % pg_id))
        assert pg["id"] == pg_id and pg["name"] == "Administrator"
        envelope = client.request("GET", account_path(client, "/iam/permission_groups/%s" % pg_id))
        assert envelope["success"] is True and envelope["errors"] == [] and envelope["result"]["id"] == pg_id

    def test_api_error_carries_status_method_path_codes(self, emulator, make_client):
        client = make_client()
        path = account_path(client, "/iam/user_groups")
        body = {"name": "x", "policies": [{"access": "allow", "permission_groups": [{"id": hexid(1)}],
                                           "resource_groups": [{"scope": {
                                               "key": "com.cloudflare.api.account." + emulator.account_id,
                                               "objects": [{"key": "*"}]}}]}]}
        with pytest.raises(CloudflareAPIError) as info:
            client.post(path, body=body)
        err = info.value
        assert not isinstance(err, CloudflareNotFound)
        assert (err.status, err.method, err.path, err.codes) == (400, "POST", path, [1006])
        assert "[1006] invalid permission group" in str(err)
        assert "HTTP 400" in str(err) and "POST %s" % path in str(err)
        assert err.to_dict() == {"status": 400, "method": "POST", "path": path, "errors": err.errors,
                                 "error_codes": [1006]}
        assert len(api_log(emulator, "POST")) == 1  # a 400 is not retried
        assert client.sleep.waits == []

    def test_validation_error_is_readable(self, make_client):
        client = make_client()
        with pytest.raises(CloudflareAPIError) as info:
            client.post(account_path(client, "/iam/user_groups"), body={"policies": []})
        assert info.value.status == 400 and info.value.codes == [10001]
        assert "name" in str(info.value)

    def test_not_found(self, emulator, make_client):
        client = make_client()
        path = account_path(client, "/iam/user_groups/%s" % hexid(404))
        with pytest.raises(CloudflareNotFound) as info:
            client.get(path)
        assert info.value.status == 404 and info.value.codes == [1003] and info.value.path == path
        assert isinstance(info.value, CloudflareAPIError)
        assert len(api_log(emulator)) == 1

    def test_unknown_route_is_not_found(self, make_client):
        client = make_client()
        with pytest.raises(CloudflareNotFound) as info:
            client.get("/no/such/route")
        assert info.value.codes == [7003]

    def test_result_null_is_an_empty_listing(self, emulator, make_client):
        client = make_client()
        group = client.post(account_path(client, "/iam/user_groups"), body={"name": "Empty group"})
        emulator.clear_requests()
        raw = emulator.api("GET", "/accounts/{account_id}/iam/user_groups/%s/members" % group["id"]).json()
        assert raw["result"] is None  # what the emulator (and Cloudflare) answer for an empty group
        assert client.paginate(account_path(client, "/iam/user_groups/%s/members" % group["id"]), per_page=500) == []
        assert len(api_log(emulator, "GET", "/members")) == 2  # one by the raw check, one by paginate


# =========================================================================== authentication and secrets
SECRET = "wrong-token-5f0c1e4b9d2a7c3e"


class TestAuth(object):
    def test_wrong_token_is_401_and_never_shown(self, emulator, make_client):
        client = make_client(api_token=SECRET)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        err = info.value
        assert err.status == 401 and err.codes == [10000]
        assert "Authentication error" in str(err)
        assert "Account Settings Read" in str(err)  # the hint
        for text in all_texts(err):
            assert SECRET not in text
            assert emulator.token not in text
        assert len(api_log(emulator)) == 1  # 401 is not retried

    def test_secret_in_an_error_body_is_scrubbed(self, make_client, monkeypatch):
        client = make_client(api_token=SECRET)
        monkeypatch.setattr(client._session, "request", lambda *a, **k: FakeResponse(
            400, "<html>bad header Authorization: Bearer %s</html>" % SECRET))
        with pytest.raises(CloudflareAPIError) as info:
            client.get("/x")
        for text in all_texts(info.value):
            assert SECRET not in text
        assert "********" in str(info.value)

    def test_legacy_email_and_key(self, emulator, make_client):
        client = make_client(api_token=None, api_email=emulator.api_email, api_key=emulator.api_key)
        groups = client.paginate(account_path(client, "/iam/user_groups"), per_page=500)
        assert [g["name"] for g in groups] == ["Okta Contractors"]
        assert "Authorization" not in client._session.headers

    def test_legacy_wrong_key_never_shown(self, emulator, make_client):
        client = make_client(api_token=None, api_email=emulator.api_email, api_key=SECRET)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/members"))
        assert info.value.status == 401
        for text in all_texts(info.value):
            assert SECRET not in text

    def test_other_account_is_403(self, emulator, make_client):
        client = make_client(account_id=hexid(7))
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        assert info.value.status == 403 and info.value.codes == [9109]
        # the account is named, with what 9109 means for it
        hint = info.value.errors[-1]["message"]
        assert "cannot see account %s" % hexid(7) in hint and "lost access" in hint and "no longer exists" in hint
        assert "wrong account id" in hint and "inventory" not in hint  # the task's runtime says what to do

    def test_401_of_a_request_without_account_names_none(self, emulator, make_client):
        client = make_client(account_id=None, api_token="not-a-known-token")
        with pytest.raises(CloudflareAPIError) as info:
            client.get("/accounts")
        assert info.value.status == 401
        assert "None" not in info.value.describe() and "on the accounts it should reach" in info.value.describe()

    def test_missing_settings(self, emulator):
        """Credentials are checked once, by connection.ConnectionSettings (test_connection.py), not again here."""
        client = CloudflareClient(account_id=emulator.account_id, base_url=emulator.base_url, limiter=False)
        assert "Authorization" not in client._session.headers and "X-Auth-Key" not in client._session.headers
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        assert info.value.status == 401


# =========================================================================== pagination
class TestPagination(object):
    def test_1200_members_take_exactly_three_pages(self, emulator, make_client, builders):
        state = builders.generated_state(n_groups=0, n_members=1200, with_groups=False, n_zones=1)
        group_id = hexid(0xB16)
        state["user_groups"].append({
            "id": group_id, "name": "Everyone", "created_on": "2025-01-01T00:00:00Z",
            "modified_on": "2025-01-01T00:00:00Z", "policies": [],
            "members": [{"id": m["id"]} for m in state["members"]]})
        emulator.set_state(state)
        emulator.clear_requests()
        client = make_client()
        members = AccountAPI(client, client.account_id).list_group_members(group_id)
        assert len(members) == 1200
        assert len(set(m["id"] for m in members)) == 1200
        gets = api_log(emulator, "GET", "/members")
        # Page 1 first; pages 2 and 3 are read concurrently, in either order.
        pages = [(e["query"]["page"], e["query"]["per_page"]) for e in gets]
        assert pages[0] == ("1", "500") and sorted(pages) == [("1", "500"), ("2", "500"), ("3", "500")]
        assert client.request_counts() == {"GET": 3, "total": 3, "retries": 0, "waited": 0.0}

    def test_total_count_avoids_an_empty_last_page(self, emulator, make_client, builders):
        state = builders.generated_state(n_groups=0, n_members=100, with_groups=False, n_zones=1)
        emulator.set_state(state)
        emulator.clear_requests()
        client = make_client()
        members = client.paginate(account_path(client, "/members"), per_page=50)
        assert len(members) == 100
        assert len(api_log(emulator, "GET")) == 2

    @pytest.mark.parametrize("total, pages", [(0, 1), (7, 3), (10, 3), (11, 4)])
    def test_without_result_info(self, make_client, monkeypatch, total, pages):
        """No result_info at all: only an empty page ends the listing (a short one may be a server limit)."""
        client = make_client()
        items = [{"id": hexid(n)} for n in range(total)]
        seen = []

        def fake_request(method, path, params=None, **kwargs):
            seen.append(params)
            start = (params["page"] - 1) * params["per_page"]
            chunk = items[start:start + params["per_page"]]
            return {"success": True, "errors": [], "messages": [], "result": chunk or None}

        monkeypatch.setattr(client, "request", fake_request)
        assert client.paginate("/things", params={"name": "x"}, per_page=5) == items
        assert [p["page"] for p in seen] == list(range(1, pages + 1))
        assert all(p["name"] == "x" and p["per_page"] == 5 for p in seen)

    def test_total_pages_alone_never_ends_the_listing_on_a_full_page(self, make_client, monkeypatch):
        """total_pages (without total_count) does not prove that a full page is the last: one more page is read."""
        client = make_client()
        items = [{"id": hexid(n)} for n in range(10)]
        seen = []

        def fake_request(method, path, params=None, **kwargs):
            seen.append(params["page"])
            start = (params["page"] - 1) * params["per_page"]
            return {"success": True, "result": items[start:start + params["per_page"]],
                    "result_info": {"page": params["page"], "per_page": params["per_page"], "total_pages": 2}}

        monkeypatch.setattr(client, "request", fake_request)
        assert client.paginate("/things", per_page=5) == items
        assert seen == [1, 2, 3]


# =========================================================================== retries
class TestRetries(object):
    def test_429_honours_retry_after(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        emulator.faults(rate=1.0, kinds=["429"], retry_after=1)
        groups = client.paginate(account_path(client, "/iam/user_groups"), per_page=500)
        assert len(groups) == 1
        assert client.sleep.waits == [1.0]
        log = api_log(emulator)
        assert [e["status"] for e in log] == [429, 200]
        assert client.request_counts() == {"GET": 2, "total": 2, "retries": 1, "waited": 1.0}
        assert client.warnings == [
            "Cloudflare API GET %s was rate limited ([971] Please wait and consider throttling your request speed); "
            "waiting 1.0 s as its Retry-After asks, then retry 1 of 3" % groups_path(emulator)[len(API):]]

    def test_429_retry_after_is_used_for_each_retry(self, emulator, make_client, recording_sleep):
        def on_call(n):
            if n == 2:
                emulator.faults(rate=0)
        client = make_client(sleep=recording_sleep(on_call))
        emulator.faults(rate=1.0, kinds=["429"], retry_after=3)
        client.get(account_path(client, "/iam/user_groups"))
        assert client.sleep.waits == [3.0, 3.0]

    def test_rate_limit_block_is_waited_out(self, emulator, make_client, recording_sleep):
        """The header said no request is left: the next one waits for the reset instead of getting a 429."""
        def on_call(n):
            emulator.rate_limit(limit=0)
        client = make_client(sleep=recording_sleep(on_call))
        emulator.rate_limit(limit=1, window=2, block=2)
        client.get(account_path(client, "/iam/user_groups"))
        client.get(account_path(client, "/iam/user_groups"))
        (wait,) = client.sleep.waits
        assert 1.5 < wait <= 2.0
        assert [e["status"] for e in api_log(emulator)] == [200, 200]
        assert len(client.warnings) == 1 and "no requests left" in client.warnings[0], client.warnings

    def test_rate_limit_block_is_waited_out_without_headers(self, emulator, make_client, recording_sleep):
        """Without the budget in the headers (limiter off), the 429's Retry-After is waited out."""
        def on_call(n):
            emulator.rate_limit(limit=0)
        client = make_client(sleep=recording_sleep(on_call), limiter=False)
        emulator.rate_limit(limit=1, window=2, block=2)
        client.get(account_path(client, "/iam/user_groups"))
        client.get(account_path(client, "/iam/user_groups"))
        assert client.sleep.waits == [2.0]
        assert [e["status"] for e in api_log(emulator)] == [200, 429, 200]

    def test_exhausted_budget_beyond_max_retry_wait_is_not_sent(self, emulator, make_client):
        client = make_client(max_retry_wait=30)
        emulator.rate_limit(limit=1, window=300, block=300)
        client.get(account_path(client, "/iam/user_groups"))
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        err = info.value
        assert err.status is None and err.codes == []
        assert re.search(r"not sent: Cloudflare reported no requests left for this credential until its rate "
                         r"window resets; its turn comes in (299|300) s, later than max_retry_wait=30 s allows",
                         str(err)), str(err)
        assert client.sleep.waits == [] and len(api_log(emulator)) == 1  # the block was not triggered

    def test_retry_after_beyond_max_retry_wait_fails_clearly(self, emulator, make_client):
        client = make_client(max_retry_wait=30, limiter=False)
        emulator.rate_limit(limit=1, window=300, block=300)
        client.get(account_path(client, "/iam/user_groups"))
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        err = info.value
        assert err.status == 429 and 10100 in err.codes
        assert re.search(r"Cloudflare asks to wait 30[01] s, more than max_retry_wait=30 s", str(err)), str(err)
        assert err.retry_after in (300, 301)  # whole seconds, rounded up
        assert client.sleep.waits == [] and len(api_log(emulator)) == 2

    @pytest.mark.parametrize("kind, status", [("500", 500), ("502", 502), ("503", 503)])
    def test_5xx_backoff_with_seeded_jitter(self, emulator, make_client, recording_sleep, kind, status):
        def on_call(n):
            if n == 3:
                emulator.faults(rate=0)
        client = make_client(sleep=recording_sleep(on_call), rng=random.Random(42))
        emulator.faults(rate=1.0, kinds=[kind])
        groups = client.get(account_path(client, "/iam/user_groups"))
        assert len(groups) == 1
        expected_rng = random.Random(42)
        expected = [backoff_delay(n, rng=expected_rng) for n in range(3)]
        assert client.sleep.waits == expected
        assert 0.25 <= expected[0] <= 0.5 and 0.5 <= expected[1] <= 1.0 and 1.0 <= expected[2] <= 2.0
        assert [e["status"] for e in api_log(emulator)] == [status, status, status, 200]
        assert client.request_counts()["retries"] == 3

    def test_5xx_gives_up_after_max_retries(self, emulator, make_client):
        client = make_client(max_retries=2, rng=random.Random(1))
        emulator.faults(rate=1.0, kinds=["502"])
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        assert info.value.status == 502
        assert "502 Bad Gateway" in str(info.value)  # the HTML reply, shortened
        assert len(client.sleep.waits) == 2 and len(api_log(emulator)) == 3

    def test_max_retries_zero_fails_at_once(self, emulator, make_client):
        client = make_client(max_retries=0)
        emulator.faults(rate=1.0, kinds=["503"])
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        assert info.value.status == 503 and info.value.codes == [10043]
        assert client.sleep.waits == [] and len(api_log(emulator)) == 1
        assert client.warnings == []

    def test_max_retries_zero_on_429(self, emulator, make_client):
        client = make_client(max_retries=0)
        emulator.faults(rate=1.0, kinds=["429"], retry_after=1)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        assert info.value.status == 429 and client.sleep.waits == []

    def test_dropped_get_is_retried(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        emulator.faults(rate=1.0, kinds=["drop"])
        assert len(client.get(account_path(client, "/iam/user_groups"))) == 1
        assert len(client.sleep.waits) == 1
        assert [e["status"] for e in api_log(emulator)] == [0, 200]

    def test_read_timeout_is_retried(self, emulator, make_client, recording_sleep):
        def on_call(n):
            emulator.config(latency_ms=0)
        client = make_client(timeout=0.3, sleep=recording_sleep(on_call))
        emulator.config(latency_ms=1000)
        assert len(client.get(account_path(client, "/iam/user_groups"))) == 1
        assert len(client.sleep.waits) == 1
        assert "ReadTimeout" in client.warnings[0] or "timed out" in client.warnings[0]

    def test_put_is_retried_on_5xx(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        group = client.post(account_path(client, "/iam/user_groups"), body={"name": "Renamable"})
        emulator.faults(rate=1.0, kinds=["500"], methods=["PUT"])
        result = client.put(account_path(client, "/iam/user_groups/%s" % group["id"]), body={"name": "Renamed"})
        assert result["name"] == "Renamed"
        assert [e["status"] for e in api_log(emulator, "PUT")] == [500, 200]


# =========================================================================== POST recovery
class TestPostRecovery(object):
    def test_create_whose_reply_is_dropped_is_not_resent(self, emulator, make_client):
        client = make_client()
        service = AccountAPI(client, client.account_id)
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        group = service.create_user_group("Made once")
        assert group["name"] == "Made once" and len(group["id"]) == 32
        assert [g["id"] for g in emulator.groups_by_name("Made once")] == [group["id"]]
        assert len(api_log(emulator, "POST")) == 1
        assert client.sleep.waits == []
        assert any("was not sent again" in w for w in client.warnings)

    def test_create_dropped_before_processing_is_sent_again(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        emulator.faults(rate=1.0, kinds=["drop"], methods=["POST"])
        group = AccountAPI(client, client.account_id).create_user_group("Made on retry")
        assert [g["id"] for g in emulator.groups_by_name("Made on retry")] == [group["id"]]
        assert [e["status"] for e in api_log(emulator, "POST")] == [0, 200]

    def test_create_on_5xx_after_processing_is_recovered(self, emulator, make_client):
        """A 500 from the emulator means nothing was written: recovery finds nothing, the POST is re-sent."""
        calls = []

        def on_call(n):
            calls.append(n)
            emulator.faults(rate=0)
        client = make_client(sleep=on_call)
        emulator.faults(rate=1.0, kinds=["500"], methods=["POST"])
        AccountAPI(client, client.account_id).create_user_group("After 500")
        assert len(emulator.groups_by_name("After 500")) == 1
        assert len(api_log(emulator, "POST")) == 2 and len(calls) == 1

    def test_known_ids_are_not_taken_for_the_new_group(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        service = AccountAPI(client, client.account_id)
        old = service.create_user_group("Twin")
        emulator.faults(rate=1.0, kinds=["drop"], methods=["POST"])
        new = service.create_user_group("Twin", known_ids=[old["id"]])
        assert new["id"] != old["id"]
        assert sorted(g["id"] for g in emulator.groups_by_name("Twin")) == sorted([old["id"], new["id"]])

    def test_post_without_recover_is_not_resent(self, emulator, make_client):
        client = make_client()
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        with pytest.raises(CloudflareAPIError) as info:
            client.post(account_path(client, "/iam/user_groups"), body={"name": "Blind"})
        assert info.value.status is None and "no HTTP response" in str(info.value)
        assert len(api_log(emulator, "POST")) == 1
        assert len(emulator.groups_by_name("Blind")) == 1

    def test_idempotent_post_is_resent(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        service = AccountAPI(client, client.account_id)
        group = service.create_user_group("Adders")
        alice = emulator.member_id("alice@example.com")
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        service.add_group_members(group["id"], [alice])
        assert len(api_log(emulator, "POST", "/members")) == 2
        assert [m["id"] for m in service.list_group_members(group["id"])] == [alice]


# =========================================================================== connection failures
class TestConnection(object):
    def test_connection_refused_fails_clearly(self, emulator, make_client):
        base = "http://127.0.0.1:%d/client/v4" % unused_port()
        client = make_client(base_url=base, max_retries=2, api_token=SECRET)
        with pytest.raises(CloudflareAPIError) as info:
            client.get(account_path(client, "/iam/user_groups"))
        err = info.value
        assert err.status is None and err.method == "GET"
        assert str(err) == (
            "cannot reach %s: connection refused (ConnectionRefusedError: Failed to establish a new connection: "
            "[Errno 111] Connection refused); not retried: a retry cannot fix this (no HTTP response, GET %s)"
            % (base, account_path(client, "/iam/user_groups")))
        assert client.sleep.waits == []  # a retry cannot fix a refused connection
        for text in all_texts(err):
            assert SECRET not in text

    def test_refused_post_is_not_retried_nor_recovered(self, make_client):
        client = make_client(base_url="http://127.0.0.1:%d/client/v4" % unused_port(), max_retries=1)

        def recover():
            raise AssertionError("a refused connection never reached the server: no recovery needed")
        with pytest.raises(CloudflareAPIError, match="cannot reach"):
            client.post(account_path(client, "/iam/user_groups"), body={"name": "x"}, recover=recover)
        assert client.request_counts() == {"POST": 1, "total": 1, "retries": 0, "waited": 0.0}

    def test_tls_error_is_not_retried(self, make_client, monkeypatch):
        client = make_client(api_token=SECRET)
        calls = []

        def boom(*args, **kwargs):
            calls.append(args)
            raise requests.exceptions.SSLError("certificate verify failed: self-signed certificate")
        monkeypatch.setattr(client._session, "request", boom)
        with pytest.raises(CloudflareAPIError) as info:
            client.get("/accounts")
        assert "certificate verify failed" in str(info.value) and "validate_certs=false" in str(info.value)
        assert len(calls) == 1 and client.sleep.waits == []


# =========================================================================== Retry-After parsing
class FakeResponse(object):
    def __init__(self, status, text, headers=None):
        self.status_code = status
        self.text = text
        self.headers = headers or {}
        self.reason = "Reason"

    def json(self):
        import json
        return json.loads(self.text)

    def iter_content(self, chunk_size=1):
        yield self.text.encode("utf-8")

    def close(self):
        pass


class TestRetryAfter(object):
    def test_seconds(self):
        assert parse_retry_after("1") == 1.0
        assert parse_retry_after(" 30 ") == 30.0
        assert parse_retry_after(2) == 2.0
        assert parse_retry_after("0.5") == 0.5
        assert parse_retry_after("-3") == 0.0

    def test_missing_or_garbage(self):
        assert parse_retry_after(None) is None
        assert parse_retry_after("") is None
        assert parse_retry_after("soon") is None

    def test_http_date(self):
        now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:45 GMT", now=now) == 45.0
        assert parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now=now) == 0.0  # in the past
        future = email.utils.formatdate(time.time() + 20, usegmt=True)
        assert 17 <= parse_retry_after(future) <= 20

    def test_http_date_header_is_honoured(self, make_client, monkeypatch):
        client = make_client()
        when = email.utils.formatdate(time.time() + 10, usegmt=True)
        replies = [FakeResponse(429, '{"success": false, "errors": [{"code": 971, "message": "slow down"}]}',
                                {"Retry-After": when}),
                   FakeResponse(200, '{"success": true, "errors": [], "messages": [], "result": {"id": "x"}}')]
        monkeypatch.setattr(client._session, "request", lambda *a, **k: replies.pop(0))
        assert client.get("/x") == {"id": "x"}
        (wait,) = client.sleep.waits
        assert 7 <= wait <= 10

    def test_backoff_bounds(self):
        rng = random.Random(3)
        for attempt in range(10):
            delay = backoff_delay(attempt, rng=rng)
            ceiling = min(8.0, 0.5 * 2 ** attempt)
            assert ceiling / 2 <= delay <= ceiling


# =========================================================================== concurrency and counts
class TestConcurrencyAndCounts(object):
    def test_map_concurrent_keeps_input_order(self, make_client):
        client = make_client()
        rng = random.Random(5)
        delays = [rng.uniform(0, 0.03) for _i in range(20)]
        threads = set()

        def work(n):
            threads.add(threading.current_thread().name)
            time.sleep(delays[n])
            return n * n
        assert client.map_concurrent(work, range(20)) == [n * n for n in range(20)]
        assert len(threads) > 1
        assert client.map_concurrent(work, [3]) == [9]
        assert client.map_concurrent(work, []) == []
        assert client.map_concurrent(work, range(4), concurrency=1) == [0, 1, 4, 9]

    def test_map_concurrent_reraises(self, make_client):
        client = make_client()

        def work(n):
            if n == 3:
                raise ValueError("three")
            return n
        with pytest.raises(ValueError, match="three"):
            client.map_concurrent(work, range(6))

    def test_member_listings_of_many_groups(self, emulator, make_client):
        client = make_client()
        service = AccountAPI(client, client.account_id)
        ids = []
        for n in range(6):
            group = service.create_user_group("Group %d" % n)
            service.add_group_members(group["id"], [emulator.member_id("%s@example.com" % who)
                                                    for who in ("alice", "bob", "carol", "dave", "erin", "frank")[:n]])
            ids.append(group["id"])
        emulator.clear_requests()
        listings = service.list_group_members_many(ids)
        assert list(listings) == ids
        assert [len(listings[i]) for i in ids] == list(range(6))
        assert len(api_log(emulator, "GET")) == 6

    def test_request_counts(self, emulator, make_client, recording_sleep):
        client = make_client(sleep=recording_sleep(heal(emulator)))
        assert client.request_counts() == {"total": 0, "retries": 0, "waited": 0.0}
        group = client.post(account_path(client, "/iam/user_groups"), body={"name": "Counted"})
        client.get(account_path(client, "/iam/user_groups/%s" % group["id"]))
        client.put(account_path(client, "/iam/user_groups/%s" % group["id"]), body={"name": "Counted 2"})
        emulator.faults(rate=1.0, kinds=["429"], retry_after=1, methods=["DELETE"])
        client.delete(account_path(client, "/iam/user_groups/%s" % group["id"]))
        assert client.request_counts() == {"POST": 1, "GET": 1, "PUT": 1, "DELETE": 2, "total": 5, "retries": 1,
                                           "waited": 1.0}
        assert len(api_log(emulator)) == 5


class TestRecoveryOnTheLastAttempt(object):
    """A POST that was processed on the last allowed attempt is recovered, not reported as failed."""

    def test_max_retries_zero(self, emulator, make_client):
        client = make_client(max_retries=0)
        emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        group = AccountAPI(client, client.account_id).create_user_group("Once")
        assert [g["id"] for g in emulator.groups_by_name("Once")] == [group["id"]]
        assert len(api_log(emulator, "POST")) == 1
        assert client.request_counts()["retries"] == 0

    def test_last_of_several_attempts(self, emulator, make_client, recording_sleep):
        def on_call(n):
            emulator.faults(rate=1.0, kinds=["drop_after"], methods=["POST"])
        client = make_client(max_retries=1, sleep=recording_sleep(on_call))
        emulator.faults(rate=1.0, kinds=["drop"], methods=["POST"])
        group = AccountAPI(client, client.account_id).create_user_group("Second time lucky")
        assert [g["id"] for g in emulator.groups_by_name("Second time lucky")] == [group["id"]]
        assert [e["status"] for e in api_log(emulator, "POST")] == [0, 0]  # dropped, then processed but dropped

    def test_not_made_on_the_last_attempt_still_fails(self, emulator, make_client):
        client = make_client(max_retries=0)
        emulator.faults(rate=1.0, kinds=["drop"], methods=["POST"])
        with pytest.raises(CloudflareAPIError, match="cannot reach"):
            AccountAPI(client, client.account_id).create_user_group("Never")
        assert emulator.groups_by_name("Never") == []


def test_retries_are_counted_across_threads(emulator, make_client):
    """Concurrent listings that each retry once: every retry is counted."""
    client = make_client(sleep=lambda seconds: None, max_retries=20)
    service = AccountAPI(client, client.account_id)
    ids = [service.create_user_group("Concurrent %d" % n)["id"] for n in range(8)]
    emulator.faults(rate=0.3, kinds=["500"], seed=11, methods=["GET"])
    before = client.request_counts()
    listings = service.list_group_members_many(ids)
    after = client.request_counts()
    assert sorted(listings) == sorted(ids)
    failed = [e for e in api_log(emulator, "GET") if e["status"] == 500]
    assert after["retries"] - before["retries"] == len(failed)
    assert after["GET"] - before.get("GET", 0) == len(api_log(emulator, "GET"))
