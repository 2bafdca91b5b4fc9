# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Exactly which HTTP error statuses the client retries, pinned status by status (400 to 599).

A Cloudflare error envelope is retried for 408, 409 (Cloudflare's SDK retries it as a lock timeout), 429 and the
5xx that mean "try again" (500, 502, 503, 504 and Cloudflare's 520-524); every other status fails at once. A reply
that is not JSON (a proxy's error page) is retried for every 5xx. Each probe is a GET answered once with the
status, then with success: a retried probe sends two requests and succeeds, one that is not retried sends one and
fails with the status.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError

RETRIED_WITH_AN_ENVELOPE = frozenset([408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524])
RETRIED_WITHOUT_JSON = RETRIED_WITH_AN_ENVELOPE | frozenset(range(500, 600))
SUCCESS = {"success": True, "errors": [], "messages": [], "result": {"id": "probe"}}
ERROR = {"success": False, "errors": [{"code": 1000, "message": "probe error"}], "messages": [], "result": None}


def retried_statuses(stub, client, body):
    retried = set()
    for status in range(400, 600):
        del stub.requests[:]
        del stub.replies[:]
        stub.reply(status, ERROR if body == "envelope" else "<html>%d</html>" % status,
                   {} if body == "envelope" else {"Content-Type": "text/html"})
        stub.reply(200, SUCCESS)
        try:
            result = client.get("/accounts/0123456789abcdef0123456789abcdef/probe")
        except CloudflareAPIError as exc:
            assert exc.status == status and len(stub.requests) == 1, (status, exc, len(stub.requests))
        else:
            assert result == SUCCESS["result"] and len(stub.requests) == 2, (status, len(stub.requests))
            retried.add(status)
    return retried


@pytest.mark.parametrize("body, expected", [("envelope", RETRIED_WITH_AN_ENVELOPE),
                                            ("not json", RETRIED_WITHOUT_JSON)])
def test_exactly_these_statuses_are_retried(stub_api, stub_client, body, expected):
    stub = stub_api()
    client = stub_client(stub, max_retries=1, limiter=False)
    assert retried_statuses(stub, client, body) == set(expected)
    assert client.retries == len(expected)


def test_a_post_is_not_resent_after_an_ambiguous_5xx(stub_api, stub_client):
    """A POST that may have been applied (5xx) is not sent again without a way to re-read the state."""
    stub = stub_api()
    client = stub_client(stub, max_retries=3, limiter=False)
    stub.reply(503, ERROR)
    with pytest.raises(CloudflareAPIError) as info:
        client.post("/accounts/0123456789abcdef0123456789abcdef/probe", body={"name": "x"})
    assert info.value.status == 503 and len(stub.requests) == 1
    stub.reply(409, ERROR)  # a conflict: nothing was written, so the POST is sent again
    stub.reply(200, SUCCESS)
    assert client.post("/accounts/0123456789abcdef0123456789abcdef/probe", body={"name": "x"}) == SUCCESS["result"]
