# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared rate budget against the clock and its own stores (issue 17, point 3).

Times are injected (``now=``, a client ``clock``), never slept through; the lock tests wait fractions of a second.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import ratelimit
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError
from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    MAX_BLOCK,
    SharedRateLimiter,
    credential_fingerprint,
    host_fingerprint,
)

TOKEN = "round2-token-3b9c0d7e1f"
HOST = "api.example"
T = 1.7e9  # a wall-clock time


@pytest.fixture(autouse=True)
def fresh_memory_stores(monkeypatch):
    monkeypatch.setattr(ratelimit, "_MEMORY_BUFFERS", {})


def limiter(directory, budget=1100, window=300.0, warn=None, lock_wait=ratelimit.LOCK_WAIT):
    return SharedRateLimiter(credential_fingerprint(HOST, api_token=TOKEN), host_fingerprint(HOST), budget=budget,
                             window=window, per_second=0, directory=str(directory), warn=warn, lock_wait=lock_wait)


def store_path(directory):
    return os.path.join(str(directory), credential_fingerprint(HOST, api_token=TOKEN) + ".budget")


# =========================================================================== the clock steps back
class TestClockSteps(object):
    @pytest.mark.parametrize("step", [3.0, 60.0, 900.0, 3599.0, 3601.0, 86400.0])
    def test_a_clock_stepped_back_costs_at_most_the_skew(self, tmp_path, step):
        """Before: a 15-minute step refused every request for up to an hour ('earlier requests ... waiting')."""
        lim = limiter(tmp_path)
        for _n in range(50):
            assert lim.reserve(now=T).wait == 0.0
        grant = limiter(tmp_path).reserve(now=T - step, max_wait=300)
        assert grant.granted and grant.wait <= ratelimit.CLOCK_SKEW + 0.01, grant

    @pytest.mark.parametrize("step", [0.4, 0.5, 0.6, 2.5])
    def test_the_same_on_both_sides_of_the_skew(self, tmp_path, step):
        lim = limiter(tmp_path)
        lim.reserve(now=T)
        wait = limiter(tmp_path).reserve(now=T - step).wait
        assert wait == pytest.approx(min(step, ratelimit.CLOCK_SKEW), abs=0.01)

    def test_the_budget_still_counts_after_the_step(self, tmp_path):
        """The requests made before the step still count: they moved back with the clock, not away."""
        lim = limiter(tmp_path, budget=3, window=10.0)
        assert [lim.reserve(now=T).at for _n in range(3)] == [T] * 3
        grant = limiter(tmp_path, budget=3, window=10.0).reserve(now=T - 900)
        assert grant.wait == pytest.approx(10.0 + ratelimit.CLOCK_SKEW, abs=0.01)

    def test_a_client_after_the_step_sends_at_once(self, tmp_path, stub_api, stub_client):
        api = stub_api()
        first = stub_client(api, clock=lambda: T, rate_limit_dir=str(tmp_path))
        for _n in range(20):
            first.get("/accounts/%s/iam/user_groups" % ("0" * 32))
        second = stub_client(api, clock=lambda: T - 900, rate_limit_dir=str(tmp_path), max_retry_wait=300)
        second.get("/accounts/%s/iam/user_groups" % ("0" * 32))
        assert len(api.requests) == 21
        # half a second per store at most (the credential's and the API host's), whatever the step
        assert sum(second.sleep.waits) <= 2 * ratelimit.CLOCK_SKEW + 0.01
        assert not any("earlier requests" in w for w in second.warnings), second.warnings


# =========================================================================== stored blocks
class TestStoredBlocks(object):
    @pytest.mark.parametrize("retry_after", [60, 299, 300, 301, 3599, 3600, 3601, 3700, 10 ** 6])
    def test_a_stored_block_never_outlives_cloudflares_five_minutes(self, tmp_path, retry_after):
        """Before: a Retry-After of about an hour refused every later run; a little longer was forgotten."""
        limiter(tmp_path).observe(retry_after=retry_after, now=T)
        grant = limiter(tmp_path).reserve(now=T + 10, max_wait=600)
        assert grant.granted and grant.wait == pytest.approx(min(retry_after, MAX_BLOCK) - 10)
        assert grant.reason == "Cloudflare answered HTTP 429 (rate limited) and asked to wait"
        assert limiter(tmp_path).reserve(now=T + MAX_BLOCK + 1).wait == 0.0

    @pytest.mark.parametrize("reset", [30, 300, 301, 3600, 10 ** 7])
    def test_a_reported_reset_is_bounded_too(self, tmp_path, reset):
        limiter(tmp_path, budget=0).observe(remaining=0, reset=reset, now=T)
        assert limiter(tmp_path, budget=0).reserve(now=T).wait == pytest.approx(min(reset, MAX_BLOCK))

    @pytest.mark.parametrize("ahead", [100.0, 299.0, 301.0, 3000.0, 3601.0, 5e6])
    def test_a_store_holding_times_far_ahead_is_clamped_not_dropped(self, tmp_path, ahead):
        """A store whose times lie ahead (written by an older version, or damaged) keeps a bounded effect."""
        limiter(tmp_path).reserve(now=T)
        with open(store_path(tmp_path), "r+b") as handle:
            fields = list(ratelimit._HEADER.unpack(handle.read(ratelimit._HEADER.size)))
            fields[9] = T + ahead  # blocked_until
            handle.seek(0)
            handle.write(ratelimit._HEADER.pack(*fields))
        grant = limiter(tmp_path).reserve(now=T, max_wait=10 ** 6)
        assert grant.wait == pytest.approx(min(ahead, MAX_BLOCK))

    def test_a_reservation_never_goes_beyond_max_ahead(self, tmp_path):
        lim = limiter(tmp_path, budget=1, window=2 * ratelimit.MAX_AHEAD)
        lim.reserve(now=T)
        grant = lim.reserve(now=T, max_wait=10 ** 7)
        assert grant.granted is False and grant.wait == 2 * ratelimit.MAX_AHEAD


# =========================================================================== the lock
def hold(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


class TestLock(object):
    def test_a_held_lock_is_waited_for_with_a_bound_then_counted_here(self, tmp_path):
        os.chmod(str(tmp_path), 0o700)
        limiter(tmp_path).reserve(now=T)  # the store exists
        fd = hold(store_path(tmp_path))
        try:
            warnings = []
            began = time.monotonic()
            lim = limiter(tmp_path, warn=warnings.append, lock_wait=0.3)
            elapsed = time.monotonic() - began
            assert lim.reserve(now=T).granted  # counted in this process
        finally:
            os.close(fd)
        assert 0.3 <= elapsed < 2.0
        assert lim.shared is False
        (warning,) = warnings
        for text in ("counted in this process only", store_path(tmp_path), "more than 0.3 s", "Ctrl-Z",
                     "fuser %s" % store_path(tmp_path), "delete the file"):
            assert text in warning, (text, warning)
        assert "Set rate_limit_dir" not in warning

    def test_a_lock_held_later_switches_to_this_process(self, tmp_path):
        os.chmod(str(tmp_path), 0o700)
        warnings = []
        lim = limiter(tmp_path, warn=warnings.append, lock_wait=0.2)
        assert lim.shared and lim.reserve(now=T).granted
        fd = hold(store_path(tmp_path))
        try:
            assert lim.reserve(now=T).granted
        finally:
            os.close(fd)
        assert lim.shared is False and len(warnings) == 1 and "stayed held" in warnings[0]

    @pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc to see the process stopped")
    def test_a_stopped_process_holding_the_lock(self, tmp_path):
        """The reported case: a process stopped (Ctrl-Z) while it held the lock froze every run."""
        os.chmod(str(tmp_path), 0o700)
        limiter(tmp_path).reserve(now=T)
        code = ("import fcntl, os, signal, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
                "os.kill(os.getpid(), signal.SIGSTOP)\n")
        child = subprocess.Popen([sys.executable, "-c", code, store_path(tmp_path)])
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with open("/proc/%d/stat" % child.pid) as handle:
                    if handle.read().rsplit(")", 1)[1].split()[0] == "T":
                        break
                time.sleep(0.01)
            else:
                pytest.fail("the child did not stop")
            warnings = []
            lim = limiter(tmp_path, warn=warnings.append, lock_wait=0.3)
            assert lim.shared is False and lim.reserve(now=T).granted
            assert "stayed held by another process for more than 0.3 s" in warnings[0]
        finally:
            child.send_signal(signal.SIGKILL)
            child.send_signal(signal.SIGCONT)
            child.wait(timeout=10)


# =========================================================================== refusals name the store
def test_a_refusal_names_the_store_and_how_to_clear_it(tmp_path, stub_api, stub_client):
    api = stub_api()
    client = stub_client(api, clock=lambda: T, rate_limit=2, rate_limit_dir=str(tmp_path), max_retry_wait=30,
                         max_total_wait=30)
    path = "/accounts/%s/iam/user_groups" % ("0" * 32)
    client.get(path)
    client.get(path)
    with pytest.raises(CloudflareAPIError) as info:
        client.get(path)
    text = str(info.value)
    assert "not sent: the budget of 2 requests per 300 s for this credential is used up" in text
    assert "the rate budget store %s" % os.path.join(str(tmp_path), client._limiter._names[0]) in text
    assert "delete that file to clear it" in text
    assert len(api.requests) == 2


def test_a_refusal_in_memory_says_so(tmp_path, stub_api, stub_client, monkeypatch):
    monkeypatch.setattr(ratelimit, "HAS_FCNTL", False)
    api = stub_api()
    client = stub_client(api, clock=lambda: T, rate_limit=1, max_retry_wait=30, max_total_wait=30)
    client.get("/x")
    with pytest.raises(CloudflareAPIError, match="the rate budget counted in this process"):
        client.get("/x")
