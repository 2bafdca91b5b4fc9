# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ratelimit.py: the request budget shared by every process of the controller.

In-process tests use explicit times (``now=``), never the wall clock. The
multi-process tests start real processes that hammer one stub server; they
check what the limiter granted and what the stub received (every request
arrives no earlier than its granted start; granted starts respect the
budget), not how long anything took.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils import client as client_module
from ansible_collections.cfiam.user_groups.plugins.module_utils import ratelimit
from ansible_collections.cfiam.user_groups.plugins.module_utils.ratelimit import (
    SharedRateLimiter,
    credential_fingerprint,
    default_directory,
    host_fingerprint,
    parse_rate_headers,
)

TOKEN = "shared-token-5f0c1e4b9d2a7c3e"


@pytest.fixture(autouse=True)
def fresh_memory_stores(monkeypatch):
    """Process-local stores (the fallback) are shared by the whole process: each test starts with none."""
    monkeypatch.setattr(ratelimit, "_MEMORY_BUFFERS", {})


def limiter(directory, budget=3, window=10.0, per_second=0, token=TOKEN, host="api.example", warn=None):
    return SharedRateLimiter(credential_fingerprint(host, api_token=token), host_fingerprint(host), budget=budget,
                             window=window, per_second=per_second, directory=str(directory), warn=warn)


def starts(lim, now, n, **kwargs):
    return [lim.reserve(now=now, **kwargs).at for _i in range(n)]


# =========================================================================== the sliding window
class TestBudget(object):
    def test_sliding_window(self, tmp_path):
        lim = limiter(tmp_path)
        assert lim.shared
        assert starts(lim, 100.0, 7) == [100.0, 100.0, 100.0, 110.0, 110.0, 110.0, 120.0]

    def test_a_granted_wait_says_why(self, tmp_path):
        lim = limiter(tmp_path, budget=2)
        assert [lim.reserve(now=5.0).reason for _n in range(2)] == [None, None]
        grant = lim.reserve(now=5.0)
        assert (grant.wait, grant.granted) == (10.0, True)
        assert grant.reason == ("the budget of 2 requests per 10 s for this credential is used up (counted across "
                                "every process of this controller)")
        assert lim.reserve(now=5.0).reason == "earlier requests of this credential are already waiting for their turn"

    def test_the_window_slides(self, tmp_path):
        lim = limiter(tmp_path)
        assert starts(lim, 100.0, 3) == [100.0] * 3
        assert starts(lim, 104.0, 1) == [110.0]
        assert starts(lim, 125.0, 3) == [125.0, 125.0, 125.0]  # the 3rd most recent (110) is 15 s old

    def test_two_processes_share_one_budget(self, tmp_path):
        first, second = limiter(tmp_path), limiter(tmp_path)  # two handles on one store, like two forks
        granted = []
        for n in range(6):
            granted.append((first if n % 2 else second).reserve(now=100.0).at)
        assert granted == [100.0, 100.0, 100.0, 110.0, 110.0, 110.0]

    def test_other_credentials_and_hosts_have_their_own_budget(self, tmp_path):
        lim = limiter(tmp_path)
        starts(lim, 100.0, 3)
        assert starts(limiter(tmp_path, token="other-token"), 100.0, 1) == [100.0]
        assert starts(limiter(tmp_path, host="127.0.0.1:8080"), 100.0, 1) == [100.0]
        assert starts(limiter(tmp_path), 100.0, 1) == [110.0]

    def test_a_refused_reservation_is_not_kept(self, tmp_path):
        lim = limiter(tmp_path, budget=1)
        lim.reserve(now=0.5)
        for _n in range(3):
            grant = lim.reserve(now=0.5, max_wait=5)
            assert (grant.granted, grant.wait) == (False, 10.0)
        assert lim.reserve(now=10.5).wait == 0.0

    def test_a_bigger_budget_grows_the_store(self, tmp_path):
        small = limiter(tmp_path, budget=2)
        assert starts(small, 50.0, 2) == [50.0, 50.0]
        big = limiter(tmp_path, budget=4)
        assert starts(big, 50.0, 3) == [50.0, 50.0, 60.0]  # the two earlier requests were kept
        assert starts(small, 50.0, 1) == [60.0]

    def test_budget_zero_is_off(self, tmp_path):
        assert starts(limiter(tmp_path, budget=0), 1.0, 50) == [1.0] * 50

    def test_per_second_limit_of_the_host(self, tmp_path):
        lim = limiter(tmp_path, budget=0, per_second=2)
        assert [lim.reserve_host(now=50.0) for _n in range(5)] == [0.0, 0.0, 1.0, 1.0, 2.0]
        other = limiter(tmp_path, budget=0, per_second=2, token="another-token")  # every credential counts
        assert other.reserve_host(now=50.0) == 2.0

    def test_a_long_wait_of_one_credential_does_not_hold_up_the_host(self, tmp_path):
        blocked = limiter(tmp_path, budget=1, per_second=5)
        blocked.reserve(now=0.5)
        assert blocked.reserve(now=0.5).wait == 10.0  # its host reservation is made after the wait
        assert limiter(tmp_path, token="free-token", budget=1, per_second=5).reserve_host(now=0.5) == 0.0


# =========================================================================== what the server said
class TestServerReports(object):
    def test_nothing_left_waits_for_the_reset(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.observe(remaining=0, reset=30, now=100.0)
        grant = lim.reserve(now=100.0)
        assert grant.wait == 30.0
        assert grant.reason == "Cloudflare reported no requests left for this credential until its rate window resets"

    def test_spacing_follows_what_is_left(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.reserve(now=99.0)
        lim.observe(remaining=4, reset=20, limit=100, now=100.0)
        # 4 left for 20 s: one 5 s after the last; then 3 left, then 2, each spread over the 20 s still to go
        first, second, third = [lim.reserve(now=100.0) for _n in range(3)]
        assert first.at == 104.0 and second.at == pytest.approx(104.0 + 20.0 / 3)
        assert third.at == pytest.approx(104.0 + 20.0 / 3 + 20.0 / 2)
        assert first.reason == "Cloudflare reported only 4 requests left for the next 20 s; spreading them"

    def test_plenty_left_is_not_slowed(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.observe(remaining=900, reset=200, limit=1200, now=10.0)
        assert starts(lim, 10.0, 20) == [10.0] * 20

    def test_a_stale_report_is_forgotten(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.observe(remaining=0, reset=30, now=100.0)
        assert lim.reserve(now=131.0).wait == 0.0

    def test_a_new_report_replaces_the_old(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.observe(remaining=0, reset=30, now=100.0)
        lim.observe(remaining=500, reset=30, now=101.0)
        assert lim.reserve(now=101.0).wait == 0.0

    def test_a_429_block_is_seen_by_every_process(self, tmp_path):
        limiter(tmp_path, budget=0).observe(retry_after=60, now=1000.0)
        limiter(tmp_path, budget=0).observe(retry_after=5, now=1001.0)  # a shorter one does not shorten it
        grant = limiter(tmp_path, budget=0).reserve(now=1010.0)
        assert grant.wait == 50.0 and grant.reason == "Cloudflare answered HTTP 429 (rate limited) and asked to wait"

    def test_half_a_report_is_ignored(self, tmp_path):
        lim = limiter(tmp_path, budget=0)
        lim.observe(remaining=0, reset=None, now=1.0)
        assert lim.reserve(now=1.0).wait == 0.0


# =========================================================================== the store
class TestStore(object):
    def test_private_directory_and_files_named_by_hash(self, tmp_path):
        directory = tmp_path / "made" / "here"
        lim = limiter(directory)
        lim.reserve(now=1.0)
        lim.reserve_host(now=1.0)
        assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
        names = sorted(os.listdir(str(directory)))
        assert names == sorted([credential_fingerprint("api.example", api_token=TOKEN) + ".budget",
                                host_fingerprint("api.example") + ".host"])
        for name in names:
            path = str(directory / name)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            with open(path, "rb") as handle:
                data = handle.read()
            assert TOKEN.encode() not in data and TOKEN[:8].encode() not in data

    def test_fingerprints(self):
        fp = credential_fingerprint("api.cloudflare.com", api_token=TOKEN)
        assert len(fp) == 64 and int(fp, 16) >= 0 and TOKEN not in fp
        assert fp != hashlib.sha256(TOKEN.encode()).hexdigest()  # salted with its purpose and the host
        assert fp == credential_fingerprint("API.Cloudflare.com", api_token=TOKEN)
        assert fp != credential_fingerprint("127.0.0.1:1", api_token=TOKEN)
        assert fp != credential_fingerprint("api.cloudflare.com", api_token=TOKEN + "x")
        key = credential_fingerprint("api.cloudflare.com", api_email="a@example.com", api_key="k")
        assert key != credential_fingerprint("api.cloudflare.com", api_email="b@example.com", api_key="k")

    @pytest.mark.parametrize("mode, problem", [(0o777, "is writable by other users"),
                                               (0o770, "is writable by other users")])
    def test_unsafe_directory_falls_back_to_this_process(self, tmp_path, mode, problem):
        target = tmp_path / "unsafe"
        target.mkdir()
        os.chmod(str(target), mode)
        warnings = []
        lim = limiter(target, warn=warnings.append)
        assert lim.shared is False and lim.problem == "%s %s" % (target, problem)
        assert len(warnings) == 1 and problem in warnings[0]
        assert starts(lim, 100.0, 4)[-1] == 110.0  # still limited, in memory
        assert os.listdir(str(target)) == []

    def test_symlinked_directory_is_refused(self, tmp_path):
        real = tmp_path / "real"
        real.mkdir(mode=0o700)
        link = tmp_path / "link"
        os.symlink(str(real), str(link))
        lim = limiter(link, warn=lambda msg: None)
        assert lim.shared is False and "symbolic link" in lim.problem

    @pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
    def test_directory_of_another_user_is_refused(self, tmp_path):
        target = tmp_path / "theirs"
        target.mkdir(mode=0o700)
        os.chown(str(target), 65534, 65534)
        lim = limiter(target, warn=lambda msg: None)
        assert lim.shared is False and lim.problem == "%s belongs to another user" % target

    def test_no_file_locking_counts_in_this_process_silently(self, tmp_path, monkeypatch):
        monkeypatch.setattr(ratelimit, "HAS_FCNTL", False)
        warnings = []
        lim = limiter(tmp_path / "nolock", warn=warnings.append)
        assert lim.shared is False and warnings == []
        assert starts(lim, 100.0, 4)[-1] == 110.0

    def test_a_file_error_later_switches_to_memory(self, tmp_path):
        warnings = []
        lim = limiter(tmp_path, warn=warnings.append)
        lim.reserve(now=1.0)
        os.close(lim._token.backend._fd)  # the file becomes unusable under the limiter
        assert lim.reserve(now=1.0).granted
        assert lim.shared is False and len(warnings) == 1 and "Bad file descriptor" in warnings[0]

    def test_a_damaged_store_starts_afresh(self, tmp_path):
        lim = limiter(tmp_path)
        starts(lim, 100.0, 3)
        path = str(tmp_path / (credential_fingerprint("api.example", api_token=TOKEN) + ".budget"))
        with open(path, "wb") as handle:
            handle.write(b"garbage" * 3)
        assert starts(limiter(tmp_path), 100.0, 3) == [100.0] * 3

    def test_a_clock_that_jumped_back_moves_the_store_back(self, tmp_path):
        lim = limiter(tmp_path)
        assert starts(lim, 2e9, 5) == [2e9] * 3 + [2e9 + 10] * 2
        # the same turn as at 2e9 (and the half second a race between processes may explain): the times moved back
        assert starts(lim, 1e9, 1) == [pytest.approx(1e9 + 10.5, abs=0.01)]

    def test_default_directory(self, tmp_path):
        assert default_directory({"CLOUDFLARE_RATE_LIMIT_DIR": "/x/y"}) == "/x/y"
        assert default_directory({"XDG_RUNTIME_DIR": str(tmp_path)}) == str(tmp_path / "cfiam.user_groups")
        fallback = default_directory({"XDG_RUNTIME_DIR": str(tmp_path / "missing")})
        assert fallback == os.path.join(ratelimit.tempfile.gettempdir(), "cfiam.user_groups-%d" % os.geteuid())
        assert default_directory({}) == fallback

    def test_cost_per_request(self, tmp_path):
        """reserve + reserve_host + observe on the files: well under 1 ms (best of 3 runs of 300)."""
        lim = limiter(tmp_path, budget=1100, window=300, per_second=100)
        best = None
        for run in range(3):
            began = time.perf_counter()
            for n in range(300):
                now = 1e6 + run * 1000 + n
                lim.reserve(now=now)
                lim.reserve_host(now=now)
                lim.observe(remaining=1000, reset=200, limit=1200, now=now)
            elapsed = (time.perf_counter() - began) / 300
            best = elapsed if best is None else min(best, elapsed)
        assert best < 0.001, "%.3f ms per request" % (best * 1000)


# =========================================================================== headers
class TestHeaders(object):
    @pytest.mark.parametrize("headers, expected", [
        ({"Ratelimit": '"default";r=50;t=30', "Ratelimit-Policy": '"default";q=100;w=60'}, (50.0, 30.0, 100.0)),
        ({"Ratelimit": '"default";r=50;t=30', "Ratelimit-Policy": '"burst";q=100;w=60'}, (50.0, 30.0, None)),
        ({"Ratelimit": '"burst";r=80;t=5, "default";r=7;t=200'}, (7.0, 200.0, None)),
        ({"RateLimit": "limit=100, remaining=50, reset=30"}, (50.0, 30.0, 100.0)),
        ({"x-ratelimit-limit": "1200", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "20"}, (3.0, 20.0, 1200.0)),
        ({"ratelimit-remaining": "9", "ratelimit-reset": "4"}, (9.0, 4.0, None)),
        ({}, (None, None, None)),
        (None, (None, None, None)),
        ({"Ratelimit": "garbage"}, (None, None, None)),
        ({"Ratelimit": '"default";r=-1;t=3'}, (None, None, None)),
        ({"x-ratelimit-remaining": "3"}, (None, None, None)),
        ({"x-ratelimit-remaining": "nan", "x-ratelimit-reset": "5"}, (None, None, None)),
    ])
    def test_parse(self, headers, expected):
        assert parse_rate_headers(headers) == expected

    def test_reset_as_a_unix_time(self):
        remaining, reset, _limit = parse_rate_headers(
            {"x-ratelimit-remaining": "3", "x-ratelimit-reset": "2000000040"}, now=2000000000.0)
        assert (remaining, reset) == (3.0, 40.0)

    def test_requests_headers_are_case_insensitive(self):
        import requests
        headers = requests.structures.CaseInsensitiveDict({"RATELIMIT": '"default";r=1;t=2'})
        assert parse_rate_headers(headers) == (1.0, 2.0, None)


# =========================================================================== several processes
WORKER = r"""
import json, sys, threading, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareClient
base_url, directory, budget, window, per_second, count, name = sys.argv[2:9]
client = CloudflareClient(api_token="one-token-for-every-fork", account_id="0" * 32, base_url=base_url,
                          rate_limit=int(budget), rate_limit_window=float(window),
                          rate_limit_per_second=int(per_second), rate_limit_dir=directory,
                          limiter=None if int(budget) or int(per_second) else False,
                          max_retries=0, max_retry_wait=60, max_total_wait=120)
local = threading.local()
granted = []
if client._limiter is not None:
    reserve, reserve_host = client._limiter.reserve, client._limiter.reserve_host

    def traced_reserve(now=None, max_wait=None):
        grant = reserve(now=now, max_wait=max_wait)
        local.at = grant.at
        granted.append(grant.at)
        return grant

    def traced_reserve_host(now=None):
        wait = reserve_host(now=now)
        local.host_at = now + wait
        return wait
    client._limiter.reserve, client._limiter.reserve_host = traced_reserve, traced_reserve_host
send = client._session.request


def traced_send(method, url, **kwargs):
    kwargs["headers"] = {"X-Granted": repr(getattr(local, "at", 0.0)),
                         "X-Host-Granted": repr(getattr(local, "host_at", 0.0)), "X-Worker": name}
    return send(method, url, **kwargs)
client._session.request = traced_send
print("ready", flush=True)
sys.stdin.readline()  # every process starts sending at once
for n in range(int(count)):
    client.get("/accounts/%s/iam/user_groups" % ("0" * 32))
print(json.dumps({"granted": granted, "counts": client.request_counts()}))
"""


def collections_root():
    path = os.path.abspath(client_module.__file__)
    for _level in range(6):  # .../ansible_collections/cfiam/user_groups/plugins/module_utils/client.py
        path = os.path.dirname(path)
    return path


def hammer(stub, directory, processes, count, budget=0, window=1.0, per_second=0):
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, collections_root(), stub.base_url, str(directory),
                               str(budget), str(window), str(per_second), str(count), "w%d" % n],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
             for n in range(processes)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    return outputs


def most_in_any_window(times, window):
    """The largest number of ``times`` within any half-open interval [t, t + window)."""
    times = sorted(times)
    best, first = 0, 0
    for last, when in enumerate(times):
        while when - times[first] >= window - 1e-9:
            first += 1
        best = max(best, last - first + 1)
    return best


class TestSeveralProcesses(object):
    def test_forks_share_one_budget(self, stub_api, tmp_path):
        stub = stub_api()
        outputs = hammer(stub, tmp_path / "rl", processes=4, count=8, budget=8, window=0.5)
        granted = [t for out in outputs for t in out["granted"]]
        assert len(stub.requests) == len(granted) == 32
        assert most_in_any_window(granted, 0.5) <= 8
        for request in stub.requests:  # nothing was sent before its turn
            assert request["time"] >= float(request["headers"]["X-Granted"]) - 0.001
        assert sorted(set(r["headers"]["X-Worker"] for r in stub.requests)) == ["w0", "w1", "w2", "w3"]
        assert sum(out["counts"]["waited"] for out in outputs) > 0

    def test_per_second_limit_across_processes(self, stub_api, tmp_path):
        stub = stub_api()
        hammer(stub, tmp_path / "rl", processes=3, count=6, per_second=6)
        host_granted = [float(r["headers"]["X-Host-Granted"]) for r in stub.requests]
        assert len(host_granted) == 18
        assert most_in_any_window(host_granted, 1.0) <= 6
        for request in stub.requests:
            assert request["time"] >= float(request["headers"]["X-Host-Granted"]) - 0.001

    def test_the_check_can_fail(self, stub_api, tmp_path):
        """Without a limiter the same processes exceed the budget at the stub: the checks above are meaningful."""
        stub = stub_api()
        hammer(stub, tmp_path / "rl", processes=4, count=8, budget=0, per_second=0)
        assert len(stub.requests) == 32
        assert most_in_any_window([r["time"] for r in stub.requests], 0.5) > 8
