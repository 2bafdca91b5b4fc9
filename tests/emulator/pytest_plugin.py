"""pytest fixtures for the Cloudflare API emulator.

* ``emulator_server`` (session): starts ``cloudflare_emulator.py --port 0`` as a
  subprocess (one per xdist worker), yields an ``EmulatorClient`` bound to it,
  kills it at session end.
* ``emulator`` (function): resets the server (demo state, empty request log,
  no faults, no rate limit, latency back to the CLI value) and returns the same
  ``EmulatorClient``.

``EmulatorClient`` attributes: ``base_url`` (``http://127.0.0.1:PORT/client/v4``),
``admin_url``, ``token``, ``account_id``, ``api_email``, ``api_key``.
Methods: ``state()``, ``set_state(dict)``, ``reset()``, ``requests(clear=False)``,
``clear_requests()``, ``writes()``, ``faults(**kw)``, ``rate_limit(**kw)``,
``config(**kw)``, ``env()``, ``headers()``, ``api(method, path, **requests_kw)``,
``group_by_name(name)``, ``groups_by_name(name)``, ``member_id(email)``,
``permission_group_id(label_or_name)``, ``zone_id(name)``.
Only stdlib + requests are used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR_SCRIPT = os.path.join(HERE, "cloudflare_emulator.py")
DEFAULT_TOKEN = "emulator-token"
DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_API_EMAIL = "emulator@example.com"
DEFAULT_API_KEY = "emulator-global-key"


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

    # ---- admin
    def _admin(self, method, name, json_body=None):
        r = self.session.request(method, f"{self.admin_url}/{name}", json=json_body, timeout=30)
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

    def faults(self, **kw):
        return self._admin("POST", "faults", kw)

    def rate_limit(self, **kw):
        return self._admin("POST", "rate_limit", kw)

    def config(self, **kw):
        return self._admin("POST", "config", kw)

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

    # ---- state lookups
    def groups_by_name(self, name):
        return [g for g in self.state()["user_groups"] if g["name"] == name]

    def group_by_name(self, name):
        found = self.groups_by_name(name)
        return found[0] if found else None

    def member_id(self, email):
        for m in self.state()["members"]:
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

    def zone_id(self, name):
        for z in self.state()["zones"]:
            if z["name"] == name:
                return z["id"]
        raise KeyError(name)


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
