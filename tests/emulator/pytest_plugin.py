"""pytest fixtures for the Cloudflare API emulator.

* ``emulator_server`` (session): starts ``cloudflare_emulator.py --port 0`` as a
  subprocess (one per xdist worker), yields an ``EmulatorClient`` bound to it,
  kills it at session end.
* ``emulator`` (function): resets the server (demo state, empty request log,
  no faults, no rate budget, no extra tokens, every ``config`` switch at its
  default, latency back to the CLI value) and returns the same ``EmulatorClient``.
* ``recording_sink`` (function): a ``RecordingSink`` -- an HTTP server on
  127.0.0.1 with its own port (another origin than the emulator) recording
  method, path, query, headers and body of everything it receives, never
  printing any of it; stopped after the test.  Outside tests/emulator import it
  (``from pytest_plugin import recording_sink``) in a conftest or test module.

``EmulatorClient`` attributes: ``base_url`` (``http://127.0.0.1:PORT/client/v4``),
``admin_url``, ``token``, ``account_id``, ``api_email``, ``api_key``.

Methods (admin calls raise ValueError when the emulator refuses a value):
  state(), set_state(dict), reset(), health()
  requests(clear=False), clear_requests(), writes(), rate_limited()
      -- the request log; entries {seq, method, path, query, status, body,
         operation, fault, credential, rate_limited, at (arrival, Unix time)}, never a secret
  faults(rate, kinds, retry_after, slow_ms, seed, methods, trickle_ms)
  rate_limit(budget|limit=N, window_s|window=S, block_s|block=S,
             headers="ratelimit"|"x-ratelimit"|"both"|"none")
      -- replaces the rate-limit configuration; N requests per S seconds per
         credential (tokens with the same "budget" key share one), then every call
         of that credential gets 429 code 10100 + Retry-After for block seconds;
         budget=0 (default) enforces nothing.  rate_limit_status() -> usage per budget.
  config(**switches), get_config() -- switches (all reset by reset()):
      latency_ms=N
      write_replies="full"|"minimal"      (write_replies(mode) is the same)
      max_per_page=N|None, result_info="full"|"omit",
      result_info_omit=[keys of result_info], total_count_delta=N, total_pages_delta=N
                                          (pagination(...) sets all five at once)
      listing_padding=N                   (N bytes of padding in every listing's answer)
      redirect=None|{"location", "status", "append_path", "methods"}
                                          (redirect(location, status=307, append_path=False,
                                           methods=None); redirect(None) stops)
      scim_refusal={"status", "code", "message"}   ("{name}" = the group name;
                                           scim_refusal(status, code, message); no args = default)
  tokens([{"token", "name", "type": "user"|"account", "accounts": "*"|[ids], "budget"}]),
  token_list() -- extra API tokens; answers never contain a secret
  clone(token=None, account_id=None) -- the same emulator seen with another token/account
  env(), headers(), api(method, path, **requests_kw)  ('{account_id}' in path is substituted)
  account_ids(), account_state(account_id=None)
  group_by_name(name, account_id=None), groups_by_name(name, account_id=None),
  member_id(email, account_id=None), permission_group_id(label_or_name),
  zone_id(name, account_id=None), worker_id(name, account_id=None)
See cloudflare_emulator.py's docstring for the exact semantics of every switch.

Shared by every test suite (unit, integration, emulator) and the benchmarks, each of which puts this folder on
``sys.path`` and imports ``pytest_plugin``:
  register(config)          -- makes the fixtures above available to the whole run; each conftest.py calls it
                               from ``pytest_configure`` (``pytest tests/unit`` alone does not read tests/conftest.py)
  ensure_collection_link()  -- .build/collections/ansible_collections/cfiam/user_groups -> the checkout; returns
                               the collections path (ANSIBLE_COLLECTIONS_PATH, or sys.path for Python imports)
  unused_port()             -- a port of 127.0.0.1 nothing listens on (for "connection refused")
Only stdlib + requests are used.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
EMULATOR_SCRIPT = os.path.join(HERE, "cloudflare_emulator.py")
PLUGIN_NAME = "cfiam-emulator-fixtures"
DEFAULT_TOKEN = "emulator-token"
DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_API_EMAIL = "emulator@example.com"
DEFAULT_API_KEY = "emulator-global-key"


def register(config):
    """Register this module's fixtures for the whole run, once, whichever conftest.py asks first.

    Registered as a plugin, a fixture a conftest.py defines under the same name (tests/unit/conftest.py's
    ``emulator_server``) still wins for the tests below that conftest.py.
    """
    manager = config.pluginmanager
    module = sys.modules[__name__]
    if not manager.is_registered(module) and manager.get_plugin(PLUGIN_NAME) is None:
        manager.register(module, PLUGIN_NAME)


def ensure_collection_link():
    """``.build/collections/ansible_collections/cfiam/user_groups`` -> the checkout (made when missing); returns
    ``.build/collections``. Safe when several processes (xdist workers) make it at once."""
    target = os.path.join(COLLECTIONS, "ansible_collections", "cfiam", "user_groups")
    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.symlink(REPO, target)
        except FileExistsError:  # another process made it meanwhile
            pass
        importlib.invalidate_caches()  # the path finder may have cached the directory as missing
    return COLLECTIONS


def unused_port():
    """A TCP port of 127.0.0.1 that nothing listens on (bound once, then released)."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


class EmulatorClient:
    def __init__(self, base_url, token=DEFAULT_TOKEN, account_id=DEFAULT_ACCOUNT_ID,
                 api_email=DEFAULT_API_EMAIL, api_key=DEFAULT_API_KEY):
        self.base_url = base_url.rstrip("/")
        self.admin_url = self.base_url[: -len("/client/v4")] + "/__emulator__"
        self.token = token
        self.account_id = account_id
        self.api_email = api_email
        self.api_key = api_key
        self.session = requests.Session()

    def __repr__(self):  # never show the token
        return f"EmulatorClient({self.base_url!r}, account_id={self.account_id!r})"

    def clone(self, token=None, account_id=None):
        """The same emulator seen with another token and/or default account (shares nothing mutable)."""
        return EmulatorClient(self.base_url, token=token if token is not None else self.token,
                              account_id=account_id or self.account_id, api_email=self.api_email,
                              api_key=self.api_key)

    # ---- admin
    def _admin(self, method, name, json_body=None):
        r = self.session.request(method, f"{self.admin_url}/{name}", json=json_body, timeout=30)
        if r.status_code == 400:
            raise ValueError(r.json().get("error", r.text))
        r.raise_for_status()
        return r.json()

    def health(self):
        return self._admin("GET", "health")

    def state(self):
        return self._admin("GET", "state")

    def set_state(self, state):
        return self._admin("POST", "state", state)

    def reset(self):
        return self._admin("POST", "reset")

    def requests(self, clear=False):
        log = self._admin("GET", "requests")
        if clear:
            self.clear_requests()
        return log

    def clear_requests(self):
        return self._admin("DELETE", "requests")

    def writes(self):
        return [e for e in self.requests() if e["method"] != "GET"]

    def rate_limited(self):
        """Request-log entries the rate budget answered with 429."""
        return [e for e in self.requests() if e.get("rate_limited")]

    def faults(self, **kw):
        return self._admin("POST", "faults", kw)

    def rate_limit(self, **kw):
        """Replace the rate-limit configuration (see the module docstring); returns it with per-budget usage."""
        return self._admin("POST", "rate_limit", kw)

    def rate_limit_status(self):
        return self._admin("GET", "rate_limit")

    def config(self, **kw):
        """Set switches (see the module docstring); keys not given keep their value; returns all switches."""
        return self._admin("POST", "config", kw)

    def get_config(self):
        return self._admin("GET", "config")

    def write_replies(self, mode):
        return self.config(write_replies=mode)

    def pagination(self, max_per_page=None, result_info="full", result_info_omit=(), total_count_delta=0,
                   total_pages_delta=0):
        """Set every pagination switch at once (the defaults restore Cloudflare-like pages)."""
        return self.config(max_per_page=max_per_page, result_info=result_info,
                           result_info_omit=list(result_info_omit), total_count_delta=total_count_delta,
                           total_pages_delta=total_pages_delta)

    def redirect(self, location=None, status=307, append_path=False, methods=None):
        """Answer every /client/v4 request with a redirect to ``location``; ``redirect(None)`` stops."""
        if location is None:
            return self.config(redirect=None)
        return self.config(redirect={"location": location, "status": status, "append_path": append_path,
                                     "methods": methods})

    def scim_refusal(self, status=None, code=None, message=None):
        """Status/code/message of the SCIM-group refusal; ``{name}`` in message = the group name.
        Called without arguments it restores the default."""
        body = {k: v for k, v in (("status", status), ("code", code), ("message", message)) if v is not None}
        return self.config(scim_refusal=body)

    def tokens(self, tokens):
        """Extra API tokens: list of {"token", "name"?, "type": "user"|"account", "accounts": "*"|[ids],
        "budget"?}.  Replaces the previous extra tokens; the answer lists names, never secrets."""
        return self._admin("POST", "tokens", {"tokens": list(tokens)})

    def token_list(self):
        return self._admin("GET", "tokens")["tokens"]

    # ---- for subprocesses / API calls
    def env(self):
        return {"CLOUDFLARE_API_TOKEN": self.token, "CLOUDFLARE_ACCOUNT_ID": self.account_id,
                "CLOUDFLARE_BASE_URL": self.base_url}

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def api(self, method, path, **kw):
        """Authenticated API call; ``path`` relative to base_url, '{account_id}' is substituted."""
        headers = dict(self.headers())
        headers.update(kw.pop("headers", None) or {})
        kw.setdefault("timeout", 30)
        url = self.base_url + path.replace("{account_id}", self.account_id)
        return self.session.request(method, url, headers=headers, **kw)

    # ---- state lookups (``account_id`` defaults to this client's account)
    def account_ids(self):
        st = self.state()
        return [a["account"]["id"] for a in st["accounts"]] if "accounts" in st else [st["account"]["id"]]

    def account_state(self, account_id=None):
        """The part of the state holding one account (``account``, ``members``, ``user_groups``, ...)."""
        st = self.state()
        aid = account_id or self.account_id
        if "accounts" not in st:
            if st["account"]["id"] != aid:
                raise KeyError(aid)
            return st
        for a in st["accounts"]:
            if a["account"]["id"] == aid:
                return a
        raise KeyError(aid)

    def groups_by_name(self, name, account_id=None):
        return [g for g in self.account_state(account_id)["user_groups"] if g["name"] == name]

    def group_by_name(self, name, account_id=None):
        found = self.groups_by_name(name, account_id)
        return found[0] if found else None

    def member_id(self, email, account_id=None):
        for m in self.account_state(account_id)["members"]:
            if m["email"].lower() == email.lower():
                return m["id"]
        raise KeyError(email)

    def permission_group_id(self, label_or_name):
        pgs = self.state()["permission_groups"]
        for pg in pgs:
            if pg.get("meta", {}).get("label") == label_or_name:
                return pg["id"]
        for pg in pgs:
            if pg["name"] == label_or_name:
                return pg["id"]
        raise KeyError(label_or_name)

    def zone_id(self, name, account_id=None):
        for z in self.account_state(account_id)["zones"]:
            if z["name"] == name:
                return z["id"]
        raise KeyError(name)

    def worker_id(self, name, account_id=None):
        for w in self.account_state(account_id).get("workers", []):
            if w["name"] == name:
                return w["id"]
        raise KeyError(name)


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "recording-sink"
    sys_version = ""

    def log_message(self, fmt, *args):  # never print what arrives
        pass

    def _any(self):
        sink = self.server.sink
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        split = urlsplit(self.path)
        with sink.lock:
            sink._records.append({"method": self.command, "path": split.path, "query": split.query,
                                  "headers": dict(self.headers.items()), "body": body})
            status, payload = sink.status, sink.payload
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # no traceback on stderr either
        pass


class RecordingSink:
    """A throw-away HTTP server on its own port (another origin than the emulator) that records
    every request it receives and answers ``status`` with a Cloudflare-like success envelope.

    It never prints or logs what it records, and its repr shows no request.  Prefer the helpers
    that return no secret values (``count()``, ``summary()``, ``credential_headers()``,
    ``bodies()``, ``received(value)``) in assertions: a failing assert prints its operands.
    ``records()`` returns the raw records (method, path, query, headers dict, body bytes).
    """

    CREDENTIAL_HEADERS = ("authorization", "x-auth-email", "x-auth-key", "x-auth-user-service-key", "cookie")

    def __init__(self, host="127.0.0.1", port=0, status=200, payload=None):
        self.lock = threading.Lock()
        self._records = []
        self.status = status
        self.payload = payload if payload is not None else {"success": True, "errors": [], "messages": [],
                                                            "result": None}
        self.httpd = _QuietServer((host, port), _SinkHandler)
        self.httpd.sink = self
        self.host, self.port = host, self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="recording-sink", daemon=True)
        self._thread.start()

    def __repr__(self):
        return f"RecordingSink({self.url!r}, {self.count()} requests)"

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def respond(self, status=200, payload=None):
        with self.lock:
            self.status = status
            if payload is not None:
                self.payload = payload

    def records(self):
        with self.lock:
            return [dict(r, headers=dict(r["headers"])) for r in self._records]

    def clear(self):
        with self.lock:
            self._records = []

    def count(self):
        with self.lock:
            return len(self._records)

    def summary(self):
        """[(method, path, sorted header names, body length)] -- no header value, no body."""
        return [(r["method"], r["path"], sorted(h.lower() for h in r["headers"]), len(r["body"]))
                for r in self.records()]

    def credential_headers(self):
        """[(method, path, header name)] for every credential-bearing header that arrived (no values)."""
        return [(r["method"], r["path"], h) for r in self.records() for h in r["headers"]
                if h.lower() in self.CREDENTIAL_HEADERS]

    def bodies(self):
        """[(method, path, body length)] for every request that arrived with a body."""
        return [(r["method"], r["path"], len(r["body"])) for r in self.records() if r["body"]]

    def received(self, value):
        """True when ``value`` (str) arrived anywhere: path, query, a header name or value, the body."""
        v = value.encode()
        for r in self.records():
            blob = "\n".join([r["path"], r["query"]] + [f"{k}: {x}" for k, x in r["headers"].items()]).encode()
            if v in blob or v in r["body"]:
                return True
        return False

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class EmulatorProcess:
    """The emulator as a subprocess on a free port."""

    def __init__(self, extra_args=(), timeout=30):
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR_SCRIPT, "--host", "127.0.0.1", "--port", "0", *extra_args],
            stdout=subprocess.PIPE, stderr=self._stderr, universal_newlines=True)
        line = {}

        def read():
            for ln in self.proc.stdout:
                if ln.startswith("EMULATOR_URL="):
                    line["url"] = ln.strip().split("=", 1)[1]
                    break

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout)
        if "url" not in line:
            self.stop()
            self._stderr.seek(0)
            raise RuntimeError("emulator did not start: " + self._stderr.read().decode(errors="replace")[-2000:])
        self.base_url = line["url"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()


@pytest.fixture(scope="session")
def emulator_server():
    proc = EmulatorProcess()
    client = EmulatorClient(proc.base_url)
    try:
        yield client
    finally:
        proc.stop()


@pytest.fixture
def emulator(emulator_server):
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def recording_sink():
    """A RecordingSink on 127.0.0.1 with its own port, stopped after the test."""
    sink = RecordingSink()
    try:
        yield sink
    finally:
        sink.stop()
