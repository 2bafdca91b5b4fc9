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


# =========================================================================== damaged or foreign stores
def header(capacity=10, head=0, last=T, written_at=T, version=ratelimit._VERSION, magic=ratelimit._MAGIC,
           blocked_until=0.0):
    return ratelimit._HEADER.pack(magic, version, 0, capacity, head, last, -1.0, 0.0, -1.0, blocked_until, 0,
                                  written_at)


class TestDamagedStores(object):
    @pytest.mark.parametrize("data", [
        b"", b"CFRL", header()[:40], header(version=1), header(version=3), header(magic=b"XXXX"),
        header(head=10, capacity=10), header(last=float("nan")), header(written_at=float("inf")),
        header(blocked_until=1e16), b"\0" * 72, os.urandom(200), header(capacity=10),
        header(capacity=ratelimit.MAX_SLOTS + 1) + b"\0" * 8 * (ratelimit.MAX_SLOTS + 1)])
    def test_a_damaged_or_foreign_store_starts_afresh(self, tmp_path, data):
        lim = limiter(tmp_path, budget=10)
        with open(store_path(tmp_path), "wb") as handle:
            handle.write(data)
        grants = [lim.reserve(now=T, max_wait=300) for _n in range(10)]
        assert all(g.granted and g.wait == 0.0 for g in grants), grants
        assert lim.reserve(now=T, max_wait=0).granted is False  # and it counts again from there

    def test_a_store_of_a_larger_budget_is_kept(self, tmp_path):
        """Another process's larger budget (a capacity the file holds, within MAX_SLOTS) is not damage."""
        limiter(tmp_path, budget=50).reserve(now=T)
        size = os.path.getsize(store_path(tmp_path))
        lim = limiter(tmp_path, budget=10)
        assert [lim.reserve(now=T, max_wait=0).granted for _n in range(10)] == [True] * 9 + [False]
        assert os.path.getsize(store_path(tmp_path)) == size

    PROBE = r"""
import os, resource, sys, time
sys.path[:0] = %(paths)r
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
from ansible_collections.cfiam.user_groups.plugins.module_utils import ratelimit as rl
path = %(path)r
with open(path, "wb") as handle:
    handle.write(rl._HEADER.pack(rl._MAGIC, rl._VERSION, 0, %(capacity)d, 0, %(last)r, -1.0, 0.0, -1.0, 0.0, 0,
                                 %(written_at)r))
lim = rl.SharedRateLimiter(%(fp)r, %(hfp)r, budget=1100, per_second=0, directory=os.path.dirname(path))
began = time.monotonic()
grant = lim.reserve(now=%(now)r, max_wait=300)
print("granted=%%s wait=%%.1f took=%%.1fs size=%%d" %% (grant.granted, grant.wait, time.monotonic() - began,
                                                       os.path.getsize(path)))
"""

    @pytest.mark.parametrize("case", ["clock_back", "last_far_ahead"])
    @pytest.mark.parametrize("capacity", [2 ** 32 - 1, ratelimit.MAX_SLOTS])
    def test_a_damaged_capacity_does_not_hang_the_store(self, tmp_path, case, capacity):
        """Before: 4,294,967,295 slots in a 72-byte file were walked slot by slot (hours, 32 GB) with the lock held
        at the first clock step back or 'last' beyond MAX_AHEAD."""
        written_at, last = (T + 120.0, T) if case == "clock_back" else (T, T + 7200.0)
        script = self.PROBE % dict(paths=[p for p in sys.path if p], path=store_path(tmp_path), capacity=capacity,
                                   last=last, written_at=written_at, now=T,
                                   fp=credential_fingerprint(HOST, api_token=TOKEN), hfp=host_fingerprint(HOST))
        try:
            done = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, timeout=10, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail("the reservation did not finish in 10 s (the store is walked slot by slot, lock held)")
        assert done.returncode == 0 and "granted=True" in done.stdout, done.stdout[-1500:]
        assert "size=%d" % (ratelimit._HEADER.size + 1100 * 8) in done.stdout, done.stdout


# =========================================================================== clock steps both ways
class TestClockStepsBothWays(object):
    def test_a_clock_stepped_forward_then_back_within_one_run_keeps_counting(self, tmp_path):
        """Reservations made while the clock ran an hour ahead still count once it is set back (shifted, not lost)."""
        lim = limiter(tmp_path, budget=10)
        for _n in range(10):
            assert lim.reserve(now=T + 3600).wait == 0.0
        grant = lim.reserve(now=T + 1, max_wait=600)
        assert grant.granted and 250 <= grant.wait <= 301, grant

    @pytest.mark.parametrize("retry_after", [0.0, 299.0, 300.0, 301.0, 3600.0, 1e9, -5.0, float("inf")])
    def test_a_stored_block_is_bounded_on_both_sides(self, tmp_path, retry_after):
        lim = limiter(tmp_path, budget=0)
        lim.observe(retry_after=retry_after, now=T)
        grant = limiter(tmp_path, budget=0).reserve(now=T, max_wait=1000)
        assert grant.granted and grant.wait == min(MAX_BLOCK, max(0.0, retry_after)), grant

    def test_a_block_stored_before_the_clock_went_back_keeps_its_length(self, tmp_path):
        """The store cannot know how much time passed across the step: the block keeps its full length (+ the skew)."""
        lim = limiter(tmp_path, budget=0)
        lim.observe(retry_after=200, now=T)
        grant = limiter(tmp_path, budget=0).reserve(now=T - 3600 + 50, max_wait=1000)
        assert grant.granted and 200 <= grant.wait <= 200 + ratelimit.CLOCK_SKEW + 0.01, grant
