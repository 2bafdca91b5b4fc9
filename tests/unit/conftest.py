# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit-test setup.

1. ``ansible_collections.cfiam.user_groups`` must be importable.  Under
   ``ansible-test units`` (a copy of the collection at
   ``<tmp>/ansible_collections/cfiam/user_groups``) it already is and nothing is
   changed.  Under plain pytest from the repository, ``.build/collections`` is
   put on ``sys.path`` with ``.build/collections/ansible_collections/cfiam/user_groups``
   a symlink to the repository root (``pytest_plugin.ensure_collection_link``).
2. The emulator fixtures (``emulator_server``, ``emulator``) come from
   ``tests/emulator/pytest_plugin.py`` (registered by ``pytest_plugin.register``, as
   every conftest.py does); ``pytest tests/unit`` does not read ``tests/conftest.py``.
"""
from __future__ import absolute_import, division, print_function

import importlib.util
import os
import random
import sys

import pytest

UNIT_DIR = os.path.dirname(os.path.abspath(__file__))
EMULATOR_DIR = os.path.join(os.path.dirname(UNIT_DIR), "emulator")
if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

import pytest_plugin  # noqa: E402  pylint: disable=wrong-import-position


def _collection_importable():
    try:
        return importlib.util.find_spec("ansible_collections.cfiam.user_groups.plugins.module_utils") is not None
    except (ImportError, ValueError):
        return False


if not _collection_importable():
    _COLLECTIONS = pytest_plugin.ensure_collection_link()
    if _COLLECTIONS not in sys.path:
        sys.path.insert(0, _COLLECTIONS)
        importlib.invalidate_caches()


def pytest_configure(config):
    pytest_plugin.register(config)


@pytest.fixture(scope="session")
def builders():
    """``tests/emulator/builders.py`` (state builders)."""
    import builders as module  # pylint: disable=import-outside-toplevel
    return module


class RecordingSleep(object):
    """A ``sleep`` for CloudflareClient: records each wait instead of sleeping.

    ``on_call(n)`` (optional) runs after the n-th wait, e.g. to switch the
    emulator's faults off so that the retry succeeds.
    """

    def __init__(self, on_call=None):
        self.waits = []
        self.on_call = on_call

    def __call__(self, seconds):
        self.waits.append(seconds)
        if self.on_call is not None:
            self.on_call(len(self.waits))


@pytest.fixture
def recording_sleep():
    return RecordingSleep


@pytest.fixture
def make_client(emulator, tmp_path):
    """``make_client(**overrides)``: a real CloudflareClient bound to the emulator (records warnings).

    Its shared rate budget lives in a directory of this test only.
    """
    from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareClient

    def make(**kwargs):
        warnings = []
        options = dict(api_token=emulator.token, account_id=emulator.account_id, base_url=emulator.base_url,
                       timeout=10, max_retries=3, max_retry_wait=60, warn=warnings.append,
                       sleep=RecordingSleep(), rate_limit_dir=str(tmp_path / "rate-budget"))
        options.update(kwargs)
        client = CloudflareClient(**options)
        client.warnings = warnings
        return client

    return make


# ---------------------------------------------------------------------------- one emulator per process
# ``ansible-test units`` runs every test in its own fork (ansible_forked plugin) and
# the child ends with os._exit(): a session fixture would be set up again in every
# child and never torn down, leaving one emulator process behind per test. So the
# emulator is started once in the process that collected the tests (each xdist
# worker, or the only process), before any fork, and stopped at the end of that
# session; ``emulator_server`` below hands it out (it overrides the plugin's).
_EMULATOR = {}


def pytest_collection_finish(session):
    if _EMULATOR or not any("emulator_server" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    process = pytest_plugin.EmulatorProcess()
    _EMULATOR.update(process=process, client=pytest_plugin.EmulatorClient(process.base_url), pid=os.getpid())


def pytest_sessionfinish(session):
    if _EMULATOR.get("pid") == os.getpid():
        _EMULATOR.pop("process").stop()
        _EMULATOR.clear()


@pytest.fixture(scope="session")
def emulator_server():
    if "client" in _EMULATOR:
        return _EMULATOR["client"]
    process = pytest_plugin.EmulatorProcess()  # collected late (e.g. -p no:... setups): one for this session
    _EMULATOR.update(process=process, client=pytest_plugin.EmulatorClient(process.base_url), pid=os.getpid())
    return _EMULATOR["client"]


# ---------------------------------------------------------------------------- programmable stub HTTP servers
class StubAPI(object):
    """A small HTTP/1.1 server on 127.0.0.1 that answers what a test tells it and records every request.

    ``reply(status, body, headers)`` queues an answer (body: dict/list -> JSON,
    str/bytes -> as is); ``reply("drop")`` closes the connection without an
    answer, ``reply("drop_after")`` does the same after counting the request as
    processed. With the queue empty, ``handler(request)`` (if set) answers,
    else ``default`` (200, empty success envelope). ``requests`` holds dicts:
    method, path, query (dict of str), headers (dict, original case), body
    (bytes), time (time.time() on arrival), action.
    """

    def __init__(self):
        import http.server
        import threading

        stub = self
        self.requests = []
        self.replies = []
        self.handler = None
        self.default = (200, {"success": True, "errors": [], "messages": [], "result": None}, {})
        self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args):
                pass

            def _any(self):
                from urllib.parse import parse_qsl, urlsplit
                import time as _time

                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                request = {"method": self.command, "path": split.path, "query": dict(parse_qsl(split.query)),
                           "headers": dict(self.headers.items()), "body": body, "time": _time.time()}
                with stub._lock:
                    stub.requests.append(request)
                    queued = stub.replies.pop(0) if stub.replies else None
                if queued is None:
                    queued = stub.handler(request) if stub.handler is not None else stub.default
                if queued in ("drop", "drop_after"):
                    request["action"] = queued
                    self.close_connection = True
                    try:
                        import socket as _socket
                        self.connection.shutdown(_socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                status, payload, headers = (tuple(queued) + ({},))[:3]
                if isinstance(payload, (dict, list)) or payload is None:
                    import json as _json
                    data = _json.dumps(payload).encode()
                else:
                    data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(status)
                sent = set()
                for key, value in (headers or {}).items():
                    self.send_header(key, str(value))
                    sent.add(key.lower())
                if "content-type" not in sent:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def root(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def base_url(self):
        return self.root + "/client/v4"

    def reply(self, status=200, body=None, headers=None):
        with self._lock:
            self.replies.append(status if status in ("drop", "drop_after") else (status, body, headers or {}))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_api():
    """``stub_api()`` starts a ``StubAPI`` (several may run); all are stopped after the test."""
    servers = []

    def start():
        server = StubAPI()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def stub_client(tmp_path):
    """``stub_client(stub, **overrides)``: a CloudflareClient for a StubAPI; records warnings and sleeps."""
    from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareClient

    def make(stub, **kwargs):
        warnings = []
        options = dict(api_token="stub-token-0123456789abcdef", account_id="0123456789abcdef0123456789abcdef",
                       base_url=stub.base_url, timeout=5, max_retries=3, max_retry_wait=60, warn=warnings.append,
                       sleep=RecordingSleep(), rate_limit_dir=str(tmp_path / "rate-budget"), rng=random.Random(7))
        options.update(kwargs)
        client = CloudflareClient(**options)
        client.warnings = warnings
        return client

    return make
