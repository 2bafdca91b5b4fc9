# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe 2 of the issue 17 hardening: the shared rate budget's store files, damaged or of another version, and the
clock stepping both ways (injected ``now=``; nothing sleeps through real minutes).

Strict xfails reproduce what broke (the reason says what happened and what should happen); the plain tests pin
what held."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import ratelimit
from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    SharedRateLimiter,
    credential_fingerprint,
    host_fingerprint,
)

TOKEN = "probe2-token-5e1d"
HOST = "api.example"
T = 1.7e9


@pytest.fixture(autouse=True)
def fresh_memory_stores(monkeypatch):
    monkeypatch.setattr(ratelimit, "_MEMORY_BUFFERS", {})


def limiter(directory, budget=10, window=300.0, warn=None):
    return SharedRateLimiter(credential_fingerprint(HOST, api_token=TOKEN), host_fingerprint(HOST), budget=budget,
                             window=window, per_second=0, directory=str(directory), warn=warn)


def store_path(directory):
    return os.path.join(str(directory), credential_fingerprint(HOST, api_token=TOKEN) + ".budget")


def header(capacity=10, head=0, last=T, written_at=T, version=ratelimit._VERSION, magic=ratelimit._MAGIC,
           blocked_until=0.0):
    return ratelimit._HEADER.pack(magic, version, 0, capacity, head, last, -1.0, 0.0, -1.0, blocked_until, 0,
                                  written_at)


# --------------------------------------------------------------------------- damaged stores
@pytest.mark.parametrize("data", [
    b"", b"CFRL", header()[:40], header(version=1), header(version=3), header(magic=b"XXXX"),
    header(head=10, capacity=10), header(last=float("nan")), header(written_at=float("inf")),
    header(blocked_until=1e16), b"\0" * 72, os.urandom(200)])
def test_a_damaged_or_foreign_store_starts_afresh(tmp_path, data):
    lim = limiter(tmp_path)
    with open(store_path(tmp_path), "wb") as handle:
        handle.write(data)
    grants = [lim.reserve(now=T, max_wait=300) for _n in range(10)]
    assert all(g.granted and g.wait == 0.0 for g in grants), grants
    assert lim.reserve(now=T, max_wait=0).granted is False  # and it counts again from there


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


@pytest.mark.xfail(strict=True, reason=(
    "probe2: a store whose header is intact but whose capacity field is damaged (4,294,967,295 slots in a 72-byte "
    "file) is loaded as valid; the first clock step back (or a 'last' beyond MAX_AHEAD) makes _Ring.shift/clamp "
    "read and rewrite every slot: ~1.5 s and 8 MB per million slots, so hours and 32 GB for this one (it does not finish in 10 s), while holding "
    "the store's lock (every other process waits LOCK_WAIT, then counts alone). A capacity that the file's size "
    "cannot hold, or far beyond any budget, should be taken as damaged and the store started afresh."))
@pytest.mark.parametrize("case", ["clock_back", "last_far_ahead"])
def test_a_damaged_capacity_does_not_hang_the_store(tmp_path, case):
    now = T
    written_at, last = (T + 120.0, T) if case == "clock_back" else (T, T + 7200.0)
    script = PROBE % dict(paths=[p for p in sys.path if p], path=store_path(tmp_path), capacity=2 ** 32 - 1,
                          last=last, written_at=written_at, now=now,
                          fp=credential_fingerprint(HOST, api_token=TOKEN), hfp=host_fingerprint(HOST))
    try:
        done = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=10, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the reservation did not finish in 10 s (the store is walked slot by slot, lock held)")
    assert done.returncode == 0 and "granted=True" in done.stdout, done.stdout[-1500:]


# --------------------------------------------------------------------------- clock steps
def test_a_clock_stepped_forward_then_back_within_one_run_keeps_counting(tmp_path):
    """Reservations made while the clock ran an hour ahead still count once it is set back (shifted, not lost)."""
    lim = limiter(tmp_path)
    for _n in range(10):
        assert lim.reserve(now=T + 3600).wait == 0.0
    grant = lim.reserve(now=T + 1, max_wait=600)
    assert grant.granted and 250 <= grant.wait <= 301, grant


@pytest.mark.parametrize("retry_after", [0.0, 299.0, 300.0, 301.0, 3600.0, 1e9, -5.0])
def test_a_stored_block_is_bounded_on_both_sides(tmp_path, retry_after):
    lim = limiter(tmp_path, budget=0)
    lim.observe(retry_after=retry_after, now=T)
    grant = limiter(tmp_path, budget=0).reserve(now=T, max_wait=1000)
    assert grant.granted and grant.wait == min(300.0, max(0.0, retry_after)), grant


def test_a_block_stored_before_the_clock_went_back_keeps_its_length(tmp_path):
    """The store cannot know how much time passed across the step: the block keeps its full length (+ the skew)."""
    lim = limiter(tmp_path, budget=0)
    lim.observe(retry_after=200, now=T)
    grant = limiter(tmp_path, budget=0).reserve(now=T - 3600 + 50, max_wait=1000)
    assert grant.granted and 200 <= grant.wait <= 200 + ratelimit.CLOCK_SKEW + 0.01, grant
