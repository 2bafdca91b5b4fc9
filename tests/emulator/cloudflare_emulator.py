#!/usr/bin/env python
"""Cloudflare API emulator (IAM user groups and their lookups).

Run:  python tests/emulator/cloudflare_emulator.py --host 127.0.0.1 --port 0 \
          [--token T] [--account-id ID] [--state FILE] [--latency-ms N] \
          [--api-email E] [--api-key K]
With ``--port 0`` a free port is chosen; once listening the server prints one
line ``EMULATOR_URL=http://HOST:PORT/client/v4`` to stdout.
In-process: ``EmulatorServer(host, port, token, account_id, state=None,
latency_ms=0).start()`` / ``.stop()`` / ``.base_url``.

API (under ``/client/v4``): the 21 operations of the vendored
``cloudflare-iam-openapi.json`` (user groups, group members, permission groups,
resource groups, account members, zones, accounts).  Every request is
  0. redirected when the ``redirect`` switch is on (before anything else),
  1. routed (unknown path -> 404 code 7003 "No route for the URI"; known path,
     wrong method -> 405 code 7001 "Method <M> not available for that URI."),
  2. attributed to a credential (``Authorization: Bearer <token>`` or
     ``X-Auth-Email`` + ``X-Auth-Key``) and counted against that credential's
     rate budget (``POST /__emulator__/rate_limit``) -> 429 code 10100,
  3. possibly faulted (``POST /__emulator__/faults``),
  4. authenticated: no valid credential -> 401 code 10000 "Authentication
     error"; a path ``account_id`` that does not exist or that the credential
     cannot see -> 403 code 9109 "Unauthorized to access requested resource",
  5. JSON-decoded (bad JSON -> 400 code 6007 "Malformed JSON in request body"),
  6. validated against the OpenAPI document with openapi-core (parameters incl.
     per_page bounds and the body schema) -> 400 code 10001, message says what,
  7. executed.
Credentials are never logged, echoed or printed; a known secret that appears in a
logged path, query or body is replaced by ``[REDACTED]``.

Error codes (all HTTP 400 unless noted; [E] = the emulator's choice, Cloudflare's
code is undocumented):
  1003 (404)  "user group not found" / "member not found in user group" /
              "permission group not found" / "resource group not found" /
              "account member not found"                       [E]
  1004        "account member(s) not found: <id>, <id>"         [E] (POST/PUT members)
  1006        "invalid permission group"  (unknown permission group id; source.pointer names it)
  1006        "invalid permission group and resource group combination": a role
              whose class does not match the scope, an empty permission_groups or
              resource_groups list, and every scope that is not one of the documented
              forms below (Cloudflare answers both cases with 1006, see
              docs/cloudflare-api-notes.md, sections 1 and 5)
  1007        "invalid resource group"    (unknown resource group id)   [E]
  1008        "The number of Scope objects should not be zero" (message documented, code [E])
  1010        SCIM refusal, configurable (``config(scim_refusal=...)``); default
              "Cannot modify user group '<name>': it is managed by SCIM from your
              identity provider"                                [E]
  1013        "resource group is in use by a policy" (DELETE resource group)  [E]
  971  (429)  fault "Please wait and consider throttling your request speed"
  10100 (429) rate budget "More than <limit> requests per <window> seconds reached. ..."
  9109 (403)  account the credential cannot see (or that does not exist)

Scopes accepted (everything else -> 1006), ``<ACCT>`` = the account of the path:
  account        key ``com.cloudflare.api.account.<ACCT>``, objects ``[*]``
  zones          key ``com.cloudflare.api.account.<ACCT>``, objects
                 ``com.cloudflare.api.account.zone.<zone id of ACCT>`` (one or more);
                 a named resource group of zones is a "domain group"
  ad-hoc zone    key ``com.cloudflare.api.account.zone.<zone id of ACCT>``, objects ``[*]``
  Workers        key ``com.cloudflare.api.account.<ACCT>``, objects
                 ``com.cloudflare.api.account.worker.<Worker id>`` (one or more; the id
                 must be 32 lower-case hex -- a Worker name is refused -- but is not
                 looked up: the emulator has no Workers API)
Role classes (``meta.scopes`` of the permission group): ``com.cloudflare.api.account``
roles only on the account scope, ``com.cloudflare.api.account.zone`` roles only on
zone scopes, ``com.cloudflare.api.account.worker`` (per-Worker) roles only on Worker
scopes.  Every role of a policy must fit every resource group of the policy.

Admin endpoints (no auth, no validation, no faults, not rate limited, not
logged) under ``/__emulator__/``; a bad admin request answers 400 {"error": ...}
and changes nothing:
  GET  health                 -> {"ok": true, "account_id": <default account>, ...}
  GET  state                  -> the state (format below)
  POST state                  -> replace state; body = a state, or {"demo": true}
  POST reset                  -> demo state, empty log, no faults, no rate budget, no
                                 extra tokens, every config switch at its default
  GET  requests / DELETE requests -> request log / clear it.  Entries:
       {seq, method, path (full path incl. the /client/v4 prefix, no query),
        query (dict str -> str, or list when repeated), status (0 = dropped),
        body (parsed JSON request body or null), operation (operationId or null),
        fault (fault kind, "redirect", or null), credential (the credential's
        name: "default", "global-key", a token name, or null), rate_limited (true
        when the rate budget answered 429), at (arrival, Unix time in seconds)}.
        Never headers, never a secret.
  POST faults                 -> {"rate", "kinds", "retry_after", "slow_ms", "seed", "methods",
                                  "trickle_ms"}; kinds: 500, 502 (HTML), 503, 429, slow,
                                  drop (nothing done, no answer), drop_after (done, no
                                  answer), trickle (the answer's body is sent one byte every
                                  trickle_ms, default 1000), html_after (done, then answered
                                  HTTP 200 with an HTML page, as a proxy replacing the reply)
  POST rate_limit / GET rate_limit
       body {"budget"|"limit": N, "window_s"|"window": s, "block_s"|"block": s,
             "headers": "ratelimit"|"x-ratelimit"|"both"|"none"}; replaces the
       whole rate-limit configuration; N = 0 (default) enforces nothing.
       Each credential has its own budget (tokens given the same "budget" key share
       one): past N requests in ``window`` seconds every call of that credential is
       answered 429 code 10100 for ``block`` seconds (default = window), with
       ``Retry-After`` (whole seconds, only on 429); after the block the budget is
       full again.  Headers on every /client/v4 answer (``headers``):
         ratelimit   ``Ratelimit: "default";r=<remaining>;t=<reset s>`` and
                     ``Ratelimit-Policy: "burst";q=<budget>;w=<window s>`` (default)
         x-ratelimit ``x-ratelimit-limit``, ``x-ratelimit-remaining``, ``x-ratelimit-reset`` (s)
         both / none
       Without a budget the headers announce Cloudflare's 1200 per 300 s.
       Answer: {"ok", "rate_limit": {...}, "usage": {budget key: {"used", "blocked_for_s"}}}.
  POST config / GET config    -> switches; POST sets only the keys given:
       latency_ms          int, added to every API answer (default: --latency-ms)
       write_replies       "full" (default) | "minimal": writes answer the least the
                           schema allows: POST/PUT user group -> {id, name, created_on,
                           modified_on} (no policies, no status); POST members -> only
                           the members this request added, [{id}], request order;
                           PUT members -> the members of the body, [{id}], body order;
                           DELETE member -> {id}; POST/PUT resource group -> {id, scope};
                           DELETEs already answer {id}.  Reads are unchanged.
       max_per_page        int | null: every paginated listing applies at most this
                           many items per page whatever per_page asks; result_info
                           reports the per_page really applied
       result_info         "full" (default) | "omit" (no result_info on any listing)
       result_info_omit    list of result_info keys to drop, e.g. ["total_pages"] or
                           ["total_pages", "total_count"]
       total_count_delta   int added to total_count (a lying total; count, page,
                           per_page and total_pages stay truthful)
       total_pages_delta   int added to total_pages (a lying page count; the other
                           result_info keys stay truthful)
       listing_padding     int: bytes of padding (a "padding" key of the envelope) added
                           to every paginated listing's answer (an oversized reply)
       redirect            null | {"location": URL, "status": 301|302|303|307|308
                           (default 307), "append_path": bool (append /client/v4/...
                           and the query to location), "methods": [..] | null}:
                           every matching /client/v4 request is answered with that
                           redirect (empty body) and logged with fault "redirect"
       member_policies     "inherited" (default) | "inherited_new_ids" | "direct": the
                           ``policies`` of an account member (GET members, GET member)
                           are its own policies (state ``members[].policies``) plus a
                           copy of each policy of every group that lists it, as the
                           user-groups guide documents (no marker of which is which);
                           "inherited" repeats the group policy's id on the copy,
                           "inherited_new_ids" gives each copy an id of its own,
                           "direct" lists the member's own policies only.  Which of
                           the three Cloudflare does is not documented.
       scim_refusal        {"status": 4xx, "code": int, "message": str} for renaming,
                           deleting or changing the members of a SCIM group;
                           "{name}" in message is the group name; keys not given
                           take their default (400, 1010, message above)
  POST tokens / GET tokens / DELETE tokens
       body {"tokens": [{"token": secret, "name": label, "type": "user"|"account",
             "accounts": "*" | [account ids], "budget": key}]}: extra API tokens
       besides the CLI token (name "default") and the global key ("global-key"),
       both of which see every account.  A user token sees the listed accounts
       (default "*"); an account-owned token sees exactly one.  Answers list names,
       types and accounts, never a secret.  DELETE (and reset) drops the extra tokens.

State format, single account (plain JSON)::

  {"version": 1, "seed": 0,            # seed: RNG for new ids (re-seeded on load)
   "account": {"id": "<32hex>", "name": "Demo Account", "type"?, "settings"?, "created_on"?},
   "permission_groups": [{"id", "name", "meta": {"description", "editable", "label", "scopes",
                                                 "deprecated"?, "eol_at"?},
                          "created_on", "modified_on"}],
   "members": [{"id", "email", "status": "accepted|pending", "created_on",
                "user": {"id", "email", "first_name", "last_name",
                         "two_factor_authentication_enabled"},
                "policies"?: [{"id", "access", "permission_groups": [pg ids],
                               "resource_groups": [rg ids], "created_on", "modified_on"}]}],
                # policies: the member's own (direct) policies, read-only through the API
   "zones": [{"id", "name", "status", "type", "created_on", "modified_on", "activated_on"}],
   "workers": [{"id", "name", "created_on"}],          # optional
   "resource_groups": [{"id", "name", "anonymous": bool, "meta": {...},
                        "scope": {"key", "objects": [{"key"}]}, "created_on", "modified_on"}],
                        # anonymous = created from an inline scope; not listed
   "user_groups": [{"id", "name", "scim": bool, "created_on", "modified_on",
                    "policies": [{"id", "access", "permission_groups": [pg ids],
                                  "resource_groups": [rg ids], "created_on", "modified_on"}],
                    "members": [{"id": "<account member id>", "created_at"}]}]}

State format, several accounts (the catalogue is shared)::

  {"version": 2, "seed": 0, "default_account": "<id>",   # default: the first account
   "permission_groups": [...],
   "accounts": [{"account": {...}, "members": [...], "zones": [...], "workers": [...],
                 "resource_groups": [...], "user_groups": [...]}, ...]}

A state is exported in the form it was loaded in.  New ids never equal an id
present anywhere in the loaded state (accounts, members and their users, zones,
Workers, resource groups, user groups, policies, permission groups).

Spec deviations applied when validating requests: ``readOnly`` is stripped from
the request-side copy of the schema (the Cloudflare document marks the path
identifiers readOnly, which openapi-core would reject in requests), and a
missing body on DELETE resource group is accepted (the SDK sends none).
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import hmac
import json
import math
import os
import random
import re
import socket
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

try:  # package import (tests.emulator.cloudflare_emulator)
    from . import builders  # type: ignore
except ImportError:  # run as a script / top-level module
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import builders  # type: ignore

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cloudflare-iam-openapi.json")
API_PREFIX = "/client/v4"
ADMIN_PREFIX = "/__emulator__/"
SPEC_HOST = "https://api.cloudflare.com"

DEFAULT_TOKEN = "emulator-token"
DEFAULT_ACCOUNT_ID = builders.DEFAULT_ACCOUNT_ID
DEFAULT_API_EMAIL = "emulator@example.com"
DEFAULT_API_KEY = "emulator-global-key"

ACCOUNT_SCOPE = builders.ACCOUNT_SCOPE
ZONE_SCOPE = builders.ZONE_SCOPE
WORKER_SCOPE = builders.WORKER_SCOPE


def now_ts() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ApiError(Exception):
    def __init__(self, status, code, message, pointer=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.pointer = status, code, message, pointer
        self.headers = headers or {}

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.pointer:
            err["source"] = {"pointer": self.pointer}
        return {"success": False, "errors": [err], "messages": [], "result": None}


# ------------------------------------------------------------------ spec

_SPEC_LOCK = threading.Lock()
_SPEC_CACHE = {}


def _strip_readonly(o):
    if isinstance(o, dict):
        return {k: _strip_readonly(v) for k, v in o.items() if k != "readOnly"}
    if isinstance(o, list):
        return [_strip_readonly(x) for x in o]
    return o


class Spec:
    """Loaded once per process: routes + cached openapi-core validators."""

    def __init__(self, path=SPEC_PATH):
        from jsonschema_path import SchemaPath
        from openapi_core.validation.request.validators import (
            V30RequestBodyValidator, V30RequestParametersValidator)

        with open(path) as fh:
            self.raw = json.load(fh)
        spec = SchemaPath.from_dict(_strip_readonly(self.raw))
        self.params_validator = V30RequestParametersValidator(spec, spec_validator_cls=None)
        self.body_validator = V30RequestBodyValidator(spec, spec_validator_cls=None)
        self.routes = []  # (regex, template, {METHOD: operationId})
        self.defaults = {}  # operationId -> {param: default}
        for tpl, ops in self.raw["paths"].items():
            rx = re.compile("^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", tpl) + "$")
            methods = {}
            for m, op in ops.items():
                if m.lower() not in ("get", "post", "put", "delete", "patch"):
                    continue
                methods[m.upper()] = op["operationId"]
                self.defaults[op["operationId"]] = {
                    p["name"]: p.get("schema", {}).get("default")
                    for p in op.get("parameters", []) if p.get("in") == "query"}
            self.routes.append((rx, tpl, methods))
        # longest templates first is irrelevant (segments are anchored), keep order

    @classmethod
    def get(cls, path=SPEC_PATH):
        with _SPEC_LOCK:
            if path not in _SPEC_CACHE:
                _SPEC_CACHE[path] = cls(path)
            return _SPEC_CACHE[path]

    def route(self, method, path):
        for rx, tpl, methods in self.routes:
            m = rx.match(path)
            if m:
                if method not in methods:
                    raise ApiError(405, 7001, f"Method {method} not available for that URI.")
                return methods[method], tpl, dict(m.groupdict())
        raise ApiError(404, 7003, "No route for the URI")

    def validate(self, op_id, method, path, tpl, path_params, query_items, raw_body, content_type):
        from openapi_core.testing import MockRequest
        from openapi_core.validation.request.exceptions import MissingRequiredRequestBody

        req = MockRequest(SPEC_HOST, method, API_PREFIX + path, path_pattern=API_PREFIX + tpl,
                          view_args=path_params, args=query_items, data=raw_body or None,
                          content_type=content_type or "application/json")
        try:
            self.params_validator.validate(req)
        except Exception as exc:  # noqa: BLE001
            raise ApiError(400, 10001, _describe(exc))
        try:
            self.body_validator.validate(req)
        except MissingRequiredRequestBody:
            if op_id != "account-resource-group-delete":
                raise ApiError(400, 10001, "Missing required request body")
        except Exception as exc:  # noqa: BLE001
            raise ApiError(400, 10001, _describe(exc))


def _describe(exc) -> str:
    parts = [str(exc).split(": Value ", maxsplit=1)[0].strip() or type(exc).__name__]
    cause = exc.__cause__
    errs = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None) or []
    details = []
    for e in errs:
        loc = "/".join(str(x) for x in getattr(e, "absolute_path", []))
        # prefer the most specific sub-error of oneOf/anyOf
        best = e
        ctx = getattr(e, "context", None)
        if ctx:
            best = max(ctx, key=lambda c: len(list(c.absolute_path)))
            loc = "/".join(str(x) for x in best.absolute_path)
        details.append((f"{loc}: " if loc else "") + best.message)
    if not details and cause is not None and str(cause):
        details.append(str(cause))
    if details:
        parts.append("; ".join(details))
    return ": ".join(parts)[:1000]


# ------------------------------------------------------------------ state

COMBINATION = "invalid permission group and resource group combination"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
ROLE_CLASSES = {ACCOUNT_SCOPE: "account", ZONE_SCOPE: "zone", WORKER_SCOPE: "worker"}
SECTION_KEYS = ("members", "zones", "resource_groups", "user_groups", "workers")


class AccountData:
    """One account: its members, zones, Workers, resource groups and user groups."""

    def __init__(self, data: dict):
        self.account = dict(data["account"])
        if not isinstance(self.account.get("id"), str) or not self.account["id"]:
            raise ValueError("account.id missing")
        self.members = {m["id"]: m for m in data.get("members", [])}
        self.zones = {z["id"]: z for z in data.get("zones", [])}
        self.workers = {w["id"]: w for w in data.get("workers", [])}
        self.rgs = {r["id"]: r for r in data.get("resource_groups", [])}
        self.ugs = {}
        for g in data.get("user_groups", []):
            g = dict(g)
            g.setdefault("scim", False)
            g.setdefault("policies", [])
            g["members"] = {m["id"]: m.get("created_at") or now_ts() for m in g.get("members", [])}
            self.ugs[g["id"]] = g
        self.had_workers = "workers" in data

    @property
    def id(self):
        return self.account["id"]

    @property
    def account_key(self):
        return f"{ACCOUNT_SCOPE}.{self.account['id']}"

    def export(self) -> dict:
        ugs = []
        for g in self.ugs.values():
            g = dict(g)
            g["members"] = [{"id": k, "created_at": v} for k, v in g["members"].items()]
            ugs.append(g)
        out = {"account": self.account, "members": list(self.members.values()), "zones": list(self.zones.values()),
               "resource_groups": list(self.rgs.values()), "user_groups": ugs}
        if self.had_workers or self.workers:
            out["workers"] = list(self.workers.values())
        return out

    def ids(self):
        yield self.id
        for coll in (self.members, self.zones, self.workers, self.rgs, self.ugs):
            yield from coll
        for m in self.members.values():
            if (m.get("user") or {}).get("id"):
                yield m["user"]["id"]
        for g in self.ugs.values():
            for p in g["policies"]:
                yield p["id"]
        for m in self.members.values():
            for p in m.get("policies") or []:
                yield p["id"]


class State:
    """In-memory state: the shared permission-group catalogue and one or more accounts.

    All methods are called with the server lock held."""

    def __init__(self, data: dict):
        data = copy.deepcopy(data)
        self.version = data.get("version", 1)
        self.seed = data.get("seed", 0)
        self.rng = random.Random(f"emulator-ids:{self.seed}")
        self.pgs = {p["id"]: p for p in data.get("permission_groups", [])}
        self.multi = "accounts" in data
        sections = data["accounts"] if self.multi else [data]
        self.accounts = {}
        for sec in sections:
            a = AccountData(sec)
            if a.id in self.accounts:
                raise ValueError(f"duplicate account id {a.id}")
            self.accounts[a.id] = a
        if not self.accounts:
            raise ValueError("no account")
        self.default_account = data.get("default_account") or next(iter(self.accounts))
        if self.default_account not in self.accounts:
            raise ValueError(f"default_account {self.default_account} is not an account of the state")
        # every id present anywhere: new ids never collide with them
        self.used_ids = set(self.pgs)
        for a in self.accounts.values():
            self.used_ids.update(a.ids())

    @property
    def account(self):
        """The default account's ``account`` object (single-account callers)."""
        return self.accounts[self.default_account].account

    def export(self) -> dict:
        if not self.multi:
            a = self.accounts[self.default_account]
            out = {"version": self.version, "seed": self.seed, "account": a.account,
                   "permission_groups": list(self.pgs.values())}
            out.update({k: v for k, v in a.export().items() if k != "account"})
            return copy.deepcopy(out)
        return copy.deepcopy({"version": self.version, "seed": self.seed, "default_account": self.default_account,
                              "permission_groups": list(self.pgs.values()),
                              "accounts": [a.export() for a in self.accounts.values()]})

    def new_id(self) -> str:
        while True:
            nid = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
            if nid not in self.used_ids:
                self.used_ids.add(nid)
                return nid

    # ---- renderers
    def pg_out(self, pg):
        out = {"id": pg["id"], "name": pg["name"], "meta": dict(pg.get("meta", {})), "status": "V",
               "created_on": pg.get("created_on"), "modified_on": pg.get("modified_on")}
        return out

    @staticmethod
    def rg_out(rg):
        objs = sorted((dict(o) for o in rg["scope"]["objects"]), key=lambda o: o["key"], reverse=True)
        return {"id": rg["id"], "name": rg.get("name") or rg["scope"]["key"],
                "meta": dict(rg.get("meta") or {"editable": "false"}),
                "scope": {"key": rg["scope"]["key"], "objects": objs},
                "created_on": rg.get("created_on"), "modified_on": rg.get("modified_on")}

    def policy_out(self, a, p):
        pgs = sorted((self.pgs[i] for i in p["permission_groups"] if i in self.pgs), key=lambda x: x["id"])
        rgs = sorted((a.rgs[i] for i in p["resource_groups"] if i in a.rgs), key=lambda x: x["id"])
        return {"id": p["id"], "access": p["access"], "created_on": p["created_on"],
                "modified_on": p["modified_on"], "status": "V",
                "permission_groups": [self.pg_out(x) for x in pgs],
                "resource_groups": [self.rg_out(x) for x in rgs]}

    def ug_out(self, a, g):
        out = {"id": g["id"], "name": g["name"], "created_on": g["created_on"],
               "modified_on": g["modified_on"], "status": "V"}
        if g["policies"]:
            out["policies"] = [self.policy_out(a, p) for p in g["policies"]]
        return out

    @staticmethod
    def gm_out(a, mid):
        m = a.members[mid]
        return {"id": m["id"], "email": m["email"], "status": m["status"]}

    @staticmethod
    def gm_detail(a, g, mid):
        m = a.members[mid]
        u = m.get("user", {})
        return {"id": m["id"], "email": m["email"], "status": m["status"],
                "created_at": g["members"][mid],
                "user": {"id": u.get("id"), "email": u.get("email", m["email"]),
                         "first_name": u.get("first_name") or "", "last_name": u.get("last_name") or ""}}

    def member_out(self, a, m, policies="inherited"):
        u = m.get("user", {})
        return {"id": m["id"], "email": m["email"], "status": m["status"],
                "user": {"id": u.get("id"), "email": u.get("email", m["email"]),
                         "first_name": u.get("first_name"), "last_name": u.get("last_name"),
                         "two_factor_authentication_enabled": bool(u.get("two_factor_authentication_enabled"))},
                "roles": [], "policies": self.member_policies_out(a, m, policies)}

    def member_policies_out(self, a, m, mode):
        """A member's policies: its own (state ``members[].policies``), then, unless ``mode`` is "direct", a copy of
        each policy of every group that lists it (Cloudflare's guide: inherited policies are included, unmarked).
        "inherited" repeats the group policy's id, "inherited_new_ids" gives each copy an id of its own."""
        out = [self.policy_out(a, p) for p in m.get("policies") or []]
        if mode == "direct":
            return out
        for g in a.ugs.values():
            if m["id"] not in g["members"]:
                continue
            for p in g["policies"]:
                copy_ = self.policy_out(a, p)
                if mode == "inherited_new_ids":
                    copy_["id"] = builders.hid("inherited", m["id"], p["id"])
                out.append(copy_)
        return out

    @staticmethod
    def zone_out(a, z):
        acct = a.account
        return {"id": z["id"], "name": z["name"], "status": z.get("status", "active"),
                "paused": False, "type": z.get("type", "full"), "development_mode": 0,
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "original_name_servers": None, "original_registrar": None, "original_dnshost": None,
                "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3,
                         "phishing_detected": False},
                "owner": {"id": acct["id"], "type": "organization", "name": acct["name"]},
                "account": {"id": acct["id"], "name": acct["name"]},
                "permissions": [], "plan": {"id": "enterprise", "name": "Enterprise Website"},
                "created_on": z.get("created_on"), "modified_on": z.get("modified_on"),
                "activated_on": z.get("activated_on")}

    @staticmethod
    def account_out(a):
        acct = a.account
        settings = {"enforce_twofactor": False}
        settings.update(acct.get("settings") or {})
        return {"id": acct["id"], "name": acct["name"], "type": acct.get("type", "standard"),
                "settings": settings, "created_on": acct.get("created_on") or "2020-01-01T00:00:00.000000Z"}

    # ---- policies
    @staticmethod
    def scope_kind(a, scope, pointer):
        """Kind of a scope ("account", "zone", "worker"); anything not documented -> 400 1006."""
        key = scope["key"]
        objs = [o["key"] for o in scope["objects"]]
        if not objs:
            raise ApiError(400, 1008, "The number of Scope objects should not be zero", pointer)
        zone_prefix = ZONE_SCOPE + "."
        worker_prefix = WORKER_SCOPE + "."
        if key.startswith(zone_prefix):  # "ad-hoc" single-zone form: key = the zone, objects [*]
            if key[len(zone_prefix):] in a.zones and objs == ["*"]:
                return "zone"
            raise ApiError(400, 1006, COMBINATION, pointer)
        if key != a.account_key:  # another account, or an undocumented key
            raise ApiError(400, 1006, COMBINATION, pointer)
        if objs == ["*"]:
            return "account"
        if all(o.startswith(zone_prefix) and o[len(zone_prefix):] in a.zones for o in objs):
            return "zone"
        if all(o.startswith(worker_prefix) and HEX32.match(o[len(worker_prefix):]) for o in objs):
            return "worker"  # a Worker id (32 hex); the emulator has no Workers API, so any such id is taken
        raise ApiError(400, 1006, COMBINATION, pointer)

    def role_class(self, pid):
        scopes = self.pgs[pid].get("meta", {}).get("scopes")
        return ROLE_CLASSES.get(scopes, f"other:{scopes}")

    def build_policies(self, a, policies):
        """Validate everything first; return (policy records, new anonymous rgs)."""
        ts = now_ts()
        built, new_rgs = [], []
        for i, p in enumerate(policies):
            pgs = []
            for j, ref in enumerate(p["permission_groups"]):
                if ref["id"] not in self.pgs:
                    raise ApiError(400, 1006, "invalid permission group",
                                   f"/policies/{i}/permission_groups/{j}/id")
                pgs.append(ref["id"])
            rgs, kinds = [], []
            for j, ref in enumerate(p["resource_groups"]):
                ptr = f"/policies/{i}/resource_groups/{j}"
                if "id" in ref:
                    rg = a.rgs.get(ref["id"])
                    if rg is None:
                        raise ApiError(400, 1007, "invalid resource group", ptr + "/id")
                    kinds.append(self.scope_kind(a, rg["scope"], ptr))
                    rgs.append(rg["id"])
                else:
                    scope = ref["scope"]
                    kinds.append(self.scope_kind(a, scope, ptr + "/scope"))
                    rg = {"id": "", "name": scope["key"], "anonymous": True,
                          "meta": {"editable": "false"},
                          "scope": {"key": scope["key"], "objects": [{"key": o["key"]} for o in scope["objects"]]},
                          "created_on": ts, "modified_on": ts}
                    new_rgs.append(rg)
                    rgs.append(rg)
            if not pgs or not rgs:
                raise ApiError(400, 1006, COMBINATION, f"/policies/{i}")
            for pid in pgs:
                need = self.role_class(pid)
                if any(k != need for k in kinds):
                    raise ApiError(400, 1006, COMBINATION, f"/policies/{i}")
            built.append({"id": None, "access": p["access"], "permission_groups": list(dict.fromkeys(pgs)),
                          "resource_groups": rgs, "created_on": ts, "modified_on": ts})
        # validated: now draw the ids, in the order the emulator always drew them (per policy: its new
        # anonymous resource groups, then the policy); a refused request consumes none
        for b in built:
            for r in b["resource_groups"]:
                if isinstance(r, dict):
                    r["id"] = self.new_id()
            b["id"] = self.new_id()
            b["resource_groups"] = list(dict.fromkeys(r["id"] if isinstance(r, dict) else r
                                                      for r in b["resource_groups"]))
        return built, new_rgs

    @staticmethod
    def gc_anonymous(a):
        used = {r for g in a.ugs.values() for p in g["policies"] for r in p["resource_groups"]}
        used.update(r for m in a.members.values() for p in m.get("policies") or [] for r in p["resource_groups"])
        for rid in [r for r, rg in a.rgs.items() if rg.get("anonymous") and r not in used]:
            del a.rgs[rid]


def _q(query, name, default=None):
    v = query.get(name)
    if v is None:
        return default
    return v[-1] if isinstance(v, list) else v


def _int(v, default):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return default


def _match_op(value, expr):
    """Cloudflare name filter: 'equal' default, or 'op:value'."""
    op, sep, arg = expr.partition(":")
    ops = {"equal", "not_equal", "starts_with", "ends_with", "contains", "starts_with_case_sensitive",
           "ends_with_case_sensitive", "contains_case_sensitive"}
    if op not in ops or not sep:
        op, arg = "equal", expr
    cs = op.endswith("_case_sensitive")
    base = op.replace("_case_sensitive", "")
    v, a = (value, arg) if cs else (value.lower(), arg.lower())
    return {"equal": v == a, "not_equal": v != a, "starts_with": v.startswith(a),
            "ends_with": v.endswith(a), "contains": a in v}[base]


# ------------------------------------------------------------------ API handlers

class Ctx:
    """Per-request context handed to the handlers."""

    def __init__(self, acct=None, cred=None):
        self.acct, self.cred = acct, cred


class Api:
    def __init__(self, emu: "Emulator"):
        self.emu = emu

    @property
    def st(self) -> State:
        return self.emu.state

    @property
    def cfg(self) -> dict:
        return self.emu.cfg

    @property
    def minimal(self) -> bool:
        return self.cfg["write_replies"] == "minimal"

    @staticmethod
    def ok(result, info=None):
        body = {"success": True, "errors": [], "messages": [], "result": result}
        if info is not None:
            body["result_info"] = info
        return 200, body

    def paged(self, op, query, items):
        """One page of ``items`` and its result_info, shaped by the pagination switches."""
        d = self.emu.spec.defaults.get(op, {})
        page = _int(_q(query, "page"), d.get("page") or 1)
        per_page = _int(_q(query, "per_page"), d.get("per_page") or 20)
        if self.cfg["max_per_page"]:
            per_page = min(per_page, self.cfg["max_per_page"])
        total = len(items)
        start = (page - 1) * per_page
        chunk = items[start:start + per_page] if start < total else []
        if self.cfg["result_info"] == "omit":
            return chunk, None
        info = {"page": page, "per_page": per_page, "count": len(chunk),
                "total_count": total + self.cfg["total_count_delta"],
                "total_pages": (math.ceil(total / per_page) if per_page else 0) + self.cfg["total_pages_delta"]}
        for k in self.cfg["result_info_omit"]:
            info.pop(k, None)
        return chunk, info

    def group(self, ctx, gid):
        g = ctx.acct.ugs.get(gid)
        if g is None:
            raise ApiError(404, 1003, "user group not found")
        return g

    def scim_refuse(self, g):
        if g.get("scim"):
            r = self.cfg["scim_refusal"]
            raise ApiError(r["status"], r["code"], r["message"].replace("{name}", g["name"]))

    def ug_write_out(self, ctx, g):
        if self.minimal:
            return {"id": g["id"], "name": g["name"], "created_on": g["created_on"], "modified_on": g["modified_on"]}
        return self.st.ug_out(ctx.acct, g)

    def rg_write_out(self, r):
        if self.minimal:
            return {"id": r["id"], "scope": {"key": r["scope"]["key"],
                                             "objects": [dict(o) for o in r["scope"]["objects"]]}}
        return self.st.rg_out(r)

    # accounts
    def accounts_list(self, op, pp, query, body, ctx):
        items = [a for aid, a in self.st.accounts.items() if ctx.cred.sees(aid)]
        name = _q(query, "name")
        if name is not None:
            items = [a for a in items if a.account["name"] == name]
        items.sort(key=lambda a: (a.account["name"], a.id), reverse=_q(query, "direction") == "desc")
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.account_out(a) for a in chunk], info)

    # user groups
    def ug_list(self, op, pp, query, body, ctx):
        items = list(ctx.acct.ugs.values())
        if _q(query, "id") is not None:
            items = [g for g in items if g["id"] == _q(query, "id")]
        if _q(query, "name") is not None:
            items = [g for g in items if g["name"] == _q(query, "name")]
        if _q(query, "fuzzyName") is not None:
            f = _q(query, "fuzzyName").lower()
            items = [g for g in items if f in g["name"].lower()]
        items.sort(key=lambda g: (g["name"], g["created_on"], g["id"]),
                   reverse=_q(query, "direction", "asc") == "desc")
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.ug_out(ctx.acct, g) for g in chunk], info)

    def ug_get(self, op, pp, query, body, ctx):
        return self.ok(self.st.ug_out(ctx.acct, self.group(ctx, pp["user_group_id"])))

    def ug_create(self, op, pp, query, body, ctx):
        a = ctx.acct
        policies, new_rgs = self.st.build_policies(a, body.get("policies") or [])
        ts = now_ts()
        g = {"id": self.st.new_id(), "name": body["name"], "scim": False, "created_on": ts,
             "modified_on": ts, "policies": policies, "members": {}}
        for rg in new_rgs:
            a.rgs[rg["id"]] = rg
        a.ugs[g["id"]] = g
        return self.ok(self.ug_write_out(ctx, g))

    def ug_update(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        if "name" in body and body["name"] != g["name"]:
            self.scim_refuse(g)
        built = None
        if "policies" in body:
            built, new_rgs = self.st.build_policies(a, body["policies"])
        # validated: apply
        if "name" in body:
            g["name"] = body["name"]
        if built is not None:
            for rg in new_rgs:
                a.rgs[rg["id"]] = rg
            g["policies"] = built
            self.st.gc_anonymous(a)
        g["modified_on"] = now_ts()
        return self.ok(self.ug_write_out(ctx, g))

    def ug_delete(self, op, pp, query, body, ctx):
        g = self.group(ctx, pp["user_group_id"])
        self.scim_refuse(g)
        del ctx.acct.ugs[g["id"]]
        self.st.gc_anonymous(ctx.acct)
        return self.ok({"id": g["id"]})

    # group members
    @staticmethod
    def _sorted_members(a, g, desc=False):
        ids = [m for m in g["members"] if m in a.members]
        ids.sort(key=lambda m: (a.members[m]["email"].lower(), m), reverse=desc)
        return ids

    def gm_list(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        ids = self._sorted_members(a, g, _q(query, "direction", "asc") == "desc")
        f = _q(query, "fuzzyEmail")
        if f is not None:
            ids = [m for m in ids if f.lower() in a.members[m]["email"].lower()]
        chunk, info = self.paged(op, query, ids)
        result = [self.st.gm_out(a, m) for m in chunk] if ids else None  # real API: null when empty
        return self.ok(result, info)

    def gm_get(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        mid = pp["member_id"]
        if mid not in g["members"] or mid not in a.members:
            raise ApiError(404, 1003, "member not found in user group")
        return self.ok(self.st.gm_detail(a, g, mid))

    @staticmethod
    def _check_members(a, body):
        ids = list(dict.fromkeys(x["id"] for x in body))
        unknown = [i for i in ids if i not in a.members]
        if unknown:
            raise ApiError(400, 1004, "account member(s) not found: " + ", ".join(unknown))
        return ids

    def gm_add(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        self.scim_refuse(g)
        ids = self._check_members(a, body)
        ts = now_ts()
        added = [i for i in ids if i not in g["members"]]
        for i in added:
            g["members"][i] = ts
        if added:
            g["modified_on"] = ts
        if self.minimal:  # only the members this request added, id only
            return self.ok([{"id": i} for i in added])
        return self.ok([self.st.gm_out(a, m) for m in self._sorted_members(a, g)])

    def gm_replace(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        self.scim_refuse(g)
        ids = self._check_members(a, body)
        ts = now_ts()
        g["members"] = {i: g["members"].get(i, ts) for i in ids}
        g["modified_on"] = ts
        if self.minimal:  # the members of the body, in body order, id only
            return self.ok([{"id": i} for i in ids])
        return self.ok([self.st.gm_out(a, m) for m in self._sorted_members(a, g)])

    def gm_delete(self, op, pp, query, body, ctx):
        a = ctx.acct
        g = self.group(ctx, pp["user_group_id"])
        self.scim_refuse(g)
        mid = pp["member_id"]
        if mid not in g["members"] or mid not in a.members:
            raise ApiError(404, 1003, "member not found in user group")
        out = {"id": mid} if self.minimal else self.st.gm_out(a, mid)
        del g["members"][mid]
        g["modified_on"] = now_ts()
        return self.ok(out)

    # permission groups (one catalogue shared by every account)
    def pg_list(self, op, pp, query, body, ctx):
        items = list(self.st.pgs.values())
        for key, get in (("id", lambda p: p["id"]), ("name", lambda p: p["name"]),
                         ("label", lambda p: p.get("meta", {}).get("label"))):
            v = _q(query, key)
            if v is not None:
                items = [p for p in items if get(p) == v]
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.pg_out(p) for p in chunk], info)

    def pg_get(self, op, pp, query, body, ctx):
        p = self.st.pgs.get(pp["permission_group_id"])
        if p is None:
            raise ApiError(404, 1003, "permission group not found")
        return self.ok(self.st.pg_out(p))

    # resource groups
    def rg_list(self, op, pp, query, body, ctx):
        items = [r for r in ctx.acct.rgs.values() if not r.get("anonymous")]
        if _q(query, "id") is not None:
            items = [r for r in items if r["id"] == _q(query, "id")]
        if _q(query, "name") is not None:
            items = [r for r in items if r.get("name") == _q(query, "name")]
        return self.ok([self.st.rg_out(r) for r in items])

    @staticmethod
    def _rg(ctx, rid):
        r = ctx.acct.rgs.get(rid)
        if r is None:
            raise ApiError(404, 1003, "resource group not found")
        return r

    def rg_get(self, op, pp, query, body, ctx):
        return self.ok(self.st.rg_out(self._rg(ctx, pp["resource_group_id"])))

    def rg_create(self, op, pp, query, body, ctx):
        self.st.scope_kind(ctx.acct, body["scope"], "/scope")
        ts = now_ts()
        r = {"id": self.st.new_id(), "name": body["name"], "anonymous": False, "meta": {"editable": "true"},
             "scope": {"key": body["scope"]["key"], "objects": [{"key": o["key"]} for o in body["scope"]["objects"]]},
             "created_on": ts, "modified_on": ts}
        ctx.acct.rgs[r["id"]] = r
        return self.ok(self.rg_write_out(r))

    def rg_update(self, op, pp, query, body, ctx):
        a = ctx.acct
        r = self._rg(ctx, pp["resource_group_id"])
        if "scope" in body:
            kind = self.st.scope_kind(a, body["scope"], "/scope")
            # a used group must stay compatible with the policies referencing it
            for g in a.ugs.values():
                for p in g["policies"]:
                    if r["id"] in p["resource_groups"]:
                        for pid in p["permission_groups"]:
                            if pid in self.st.pgs and kind != self.st.role_class(pid):
                                raise ApiError(400, 1006, COMBINATION, "/scope")
            r["scope"] = {"key": body["scope"]["key"], "objects": [{"key": o["key"]} for o in body["scope"]["objects"]]}
        if "name" in body:
            r["name"] = body["name"]
        r["modified_on"] = now_ts()
        return self.ok(self.rg_write_out(r))

    def rg_delete(self, op, pp, query, body, ctx):
        a = ctx.acct
        r = self._rg(ctx, pp["resource_group_id"])
        if any(r["id"] in p["resource_groups"] for g in a.ugs.values() for p in g["policies"]) or \
                any(r["id"] in p["resource_groups"] for m in a.members.values() for p in m.get("policies") or []):
            raise ApiError(400, 1013, "resource group is in use by a policy")
        del a.rgs[r["id"]]
        return self.ok({"id": r["id"]})

    # account members
    def am_list(self, op, pp, query, body, ctx):
        items = list(ctx.acct.members.values())
        status = _q(query, "status")
        if status is not None:
            items = [m for m in items if m["status"] == status]
        order = _q(query, "order")
        keyf = {"user.first_name": lambda m: (m.get("user", {}).get("first_name") or "").lower(),
                "user.last_name": lambda m: (m.get("user", {}).get("last_name") or "").lower(),
                "user.email": lambda m: m["email"].lower(),
                "status": lambda m: m["status"]}.get(order)
        if keyf is not None:
            items.sort(key=lambda m: (keyf(m), m["email"]))
        if _q(query, "direction") == "desc":
            items.reverse()
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.member_out(ctx.acct, m, self.cfg["member_policies"]) for m in chunk], info)

    def am_get(self, op, pp, query, body, ctx):
        m = ctx.acct.members.get(pp["member_id"])
        if m is None:
            raise ApiError(404, 1003, "account member not found")
        return self.ok(self.st.member_out(ctx.acct, m, self.cfg["member_policies"]))

    # zones (of every account the credential can see)
    def zones_list(self, op, pp, query, body, ctx):
        conds = []
        if _q(query, "name") is not None:
            conds.append(lambda a, z, v=_q(query, "name"): _match_op(z["name"], v))
        if _q(query, "account.id") is not None:
            conds.append(lambda a, z, v=_q(query, "account.id"): a.id == v)
        if _q(query, "account.name") is not None:
            conds.append(lambda a, z, v=_q(query, "account.name"): _match_op(a.account["name"], v))
        if _q(query, "status") is not None:
            conds.append(lambda a, z, v=_q(query, "status"): z.get("status", "active") == v)
        types = query.get("type")
        if types:
            wanted = {t for v in (types if isinstance(types, list) else [types]) for t in v.split(",") if t}
        else:
            wanted = {"full", "partial", "secondary"}
        items = [(a, z) for aid, a in self.st.accounts.items() if ctx.cred.sees(aid)
                 for z in a.zones.values() if z.get("type", "full") in wanted]
        if conds:
            if _q(query, "match", "all") == "any":
                items = [(a, z) for a, z in items if any(c(a, z) for c in conds)]
            else:
                items = [(a, z) for a, z in items if all(c(a, z) for c in conds)]
        order = _q(query, "order")
        if order in ("name", "status"):
            items.sort(key=lambda az: az[1].get(order, ""))
        if _q(query, "direction") == "desc":
            items.reverse()
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.zone_out(a, z) for a, z in chunk], info)

    HANDLERS = {
        "accounts-list-accounts": "accounts_list",
        "account-user-group-list": "ug_list",
        "account-user-group-details": "ug_get",
        "account-user-group-create": "ug_create",
        "account-user-group-update": "ug_update",
        "account-user-group-delete": "ug_delete",
        "account-user-group-member-list": "gm_list",
        "account-user-group-member-get": "gm_get",
        "account-user-group-member-create": "gm_add",
        "account-user-group-members-update": "gm_replace",
        "account-user-group-member-delete": "gm_delete",
        "account-permission-group-list": "pg_list",
        "account-permission-group-details": "pg_get",
        "account-resource-group-list": "rg_list",
        "account-resource-group-details": "rg_get",
        "account-resource-group-create": "rg_create",
        "account-resource-group-update": "rg_update",
        "account-resource-group-delete": "rg_delete",
        "account-members-list-members": "am_list",
        "account-members-member-details": "am_get",
        "zones-get": "zones_list",
    }

    def dispatch(self, op, pp, query, body, ctx):
        return getattr(self, self.HANDLERS[op])(op, pp, query, body, ctx)


# ------------------------------------------------------------------ credentials

class Credential:
    """An accepted credential.  ``name`` is what the request log shows; the secret is never stored here."""

    def __init__(self, name, kind="user", accounts="*", budget=None):
        self.name, self.kind, self.accounts = name, kind, accounts
        self.budget = budget or name

    def sees(self, account_id):
        return self.accounts == "*" or account_id in self.accounts

    def describe(self):
        return {"name": self.name, "type": self.kind,
                "accounts": self.accounts if self.accounts == "*" else sorted(self.accounts),
                "budget": self.budget}


# ------------------------------------------------------------------ emulator core

DEFAULT_SCIM_REFUSAL = {"status": 400, "code": 1010,
                        "message": "Cannot modify user group '{name}': it is managed by SCIM from your identity provider"}
MEMBER_POLICY_MODES = ("inherited", "inherited_new_ids", "direct")
RESULT_INFO_KEYS = ("page", "per_page", "count", "total_count", "total_pages")
RATELIMIT_HEADER_MODES = ("ratelimit", "x-ratelimit", "both", "none")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class Emulator:
    """Transport-independent core: state, log, faults, rate limit, switches."""

    def __init__(self, token=DEFAULT_TOKEN, account_id=DEFAULT_ACCOUNT_ID, state=None, latency_ms=0,
                 api_email=DEFAULT_API_EMAIL, api_key=DEFAULT_API_KEY):
        self.spec = Spec.get()
        self._token = token
        self._email = api_email
        self._key = api_key
        self.default_account_id = account_id
        self.lock = threading.RLock()
        self.initial_latency_ms = latency_ms
        self.latency_ms = latency_ms
        self.api = Api(self)
        self.initial_state = state
        self.load_state(state if state is not None else {"demo": True})
        self.log = []
        self.seq = 0
        self.set_faults({"rate": 0})
        self.set_rate_limit({"limit": 0})
        self.set_tokens([])
        self.cfg = self.default_config()

    # admin ops (call with lock held or from admin handler)
    def load_state(self, data):
        if isinstance(data, str):
            with open(data) as fh:
                data = json.load(fh)
        if not data or data.get("demo"):
            data = builders.demo_state(self.default_account_id)
        self.state = State(data)

    def default_config(self):
        return {"latency_ms": self.initial_latency_ms, "write_replies": "full", "max_per_page": None,
                "result_info": "full", "result_info_omit": [], "total_count_delta": 0, "total_pages_delta": 0,
                "listing_padding": 0, "redirect": None,
                "scim_refusal": dict(DEFAULT_SCIM_REFUSAL), "member_policies": "inherited"}

    def set_config(self, body):
        """Validate every key first, then apply (a bad request changes nothing)."""
        new = dict(self.cfg)
        new["latency_ms"] = self.latency_ms
        for k, v in body.items():
            if k == "latency_ms":
                new[k] = int(v or 0)
            elif k == "write_replies":
                if v not in ("full", "minimal"):
                    raise ValueError("write_replies must be 'full' or 'minimal'")
                new[k] = v
            elif k == "max_per_page":
                if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                    raise ValueError("max_per_page must be a positive integer or null")
                new[k] = v
            elif k == "result_info":
                if v not in ("full", "omit"):
                    raise ValueError("result_info must be 'full' or 'omit'")
                new[k] = v
            elif k == "result_info_omit":
                if not isinstance(v, list) or not set(v) <= set(RESULT_INFO_KEYS):
                    raise ValueError(f"result_info_omit must be a list of {', '.join(RESULT_INFO_KEYS)}")
                new[k] = list(v)
            elif k == "listing_padding":
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    raise ValueError("listing_padding must be a non-negative integer")
                new[k] = v
            elif k in ("total_count_delta", "total_pages_delta"):
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ValueError(f"{k} must be an integer")
                new[k] = v
            elif k == "redirect":
                new[k] = self._check_redirect(v)
            elif k == "scim_refusal":
                new[k] = self._check_scim_refusal(v)
            elif k == "member_policies":
                if v not in MEMBER_POLICY_MODES:
                    raise ValueError(f"member_policies must be one of {', '.join(MEMBER_POLICY_MODES)}")
                new[k] = v
            else:
                raise ValueError(f"unknown config key {k!r}")
        self.cfg = new
        self.latency_ms = new["latency_ms"]

    @staticmethod
    def _check_redirect(v):
        if v is None:
            return None
        if not isinstance(v, dict) or not isinstance(v.get("location"), str) or not v["location"]:
            raise ValueError("redirect needs a location")
        status = v.get("status", 307)
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"redirect status must be one of {REDIRECT_STATUSES}")
        unknown = set(v) - {"status", "location", "append_path", "methods"}
        if unknown:
            raise ValueError(f"unknown redirect keys {sorted(unknown)}")
        methods = v.get("methods")
        return {"status": status, "location": v["location"], "append_path": bool(v.get("append_path", False)),
                "methods": [m.upper() for m in methods] if methods else None}

    @staticmethod
    def _check_scim_refusal(v):
        v = dict(DEFAULT_SCIM_REFUSAL, **(v or {}))
        unknown = set(v) - set(DEFAULT_SCIM_REFUSAL)
        if unknown:
            raise ValueError(f"unknown scim_refusal keys {sorted(unknown)}")
        if not isinstance(v["status"], int) or not 400 <= v["status"] <= 499:
            raise ValueError("scim_refusal status must be a 4xx integer")
        if not isinstance(v["code"], int) or not isinstance(v["message"], str):
            raise ValueError("scim_refusal code must be an integer and message a string")
        return v

    def set_faults(self, cfg):
        cfg = dict(cfg or {})
        self.faults = {
            "rate": float(cfg.get("rate", 0) or 0),
            "kinds": list(cfg.get("kinds") or ["500"]),
            "retry_after": cfg.get("retry_after", 1),
            "slow_ms": int(cfg.get("slow_ms", 200)),
            "trickle_ms": int(cfg.get("trickle_ms", 1000)),
            "seed": cfg.get("seed", 0),
            "methods": [m.upper() for m in cfg["methods"]] if cfg.get("methods") else None,
        }
        self.fault_rng = random.Random(self.faults["seed"])

    def set_rate_limit(self, cfg):
        """Replace the whole rate-limit configuration.  ``budget``/``limit`` requests per
        ``window_s``/``window`` seconds per credential, then ``block_s``/``block`` seconds of 429."""
        cfg = dict(cfg or {})
        unknown = set(cfg) - {"limit", "budget", "window", "window_s", "block", "block_s", "headers"}
        if unknown:
            raise ValueError(f"unknown rate_limit keys {sorted(unknown)}")
        limit = int(cfg.get("budget", cfg.get("limit", 0)) or 0)
        window = float(cfg.get("window_s", cfg.get("window", 300)))
        block = float(cfg.get("block_s", cfg.get("block", window)))
        headers = cfg.get("headers", "ratelimit")
        if headers not in RATELIMIT_HEADER_MODES:
            raise ValueError(f"headers must be one of {RATELIMIT_HEADER_MODES}")
        if limit < 0 or window <= 0 or block < 0:
            raise ValueError("limit must be >= 0, window > 0 and block >= 0")
        self.rl = {"limit": limit, "window": window, "block": block, "headers": headers}
        self.rl_buckets = {}  # budget key -> {"hits": deque, "blocked_until": float}

    def set_tokens(self, tokens):
        """Extra API tokens besides the CLI token and the global key (both see every account)."""
        creds = {self._token: Credential("default"), ("key", self._email, self._key): Credential("global-key")}
        names = {"default", "global-key"}
        for n, t in enumerate(tokens or []):
            if not isinstance(t, dict) or not isinstance(t.get("token"), str) or not t["token"]:
                raise ValueError(f"tokens[{n}]: a non-empty 'token' string is required")
            unknown = set(t) - {"token", "name", "type", "accounts", "budget"}
            if unknown:
                raise ValueError(f"tokens[{n}]: unknown keys {sorted(unknown)}")
            kind = t.get("type", "user")
            accounts = t.get("accounts", "*")
            if kind not in ("user", "account"):
                raise ValueError(f"tokens[{n}]: type must be 'user' or 'account'")
            if accounts != "*":
                if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
                    raise ValueError(f"tokens[{n}]: accounts must be '*' or a list of account ids")
                accounts = set(accounts)
            if kind == "account" and (accounts == "*" or len(accounts) != 1):
                raise ValueError(f"tokens[{n}]: an account-owned token sees exactly one account")
            name = t.get("name") or ("default" if t["token"] == self._token else f"token-{n + 1}")
            if name in names and not (t["token"] == self._token and name == "default"):
                raise ValueError(f"tokens[{n}]: duplicate name {name!r}")
            names.add(name)
            creds[t["token"]] = Credential(name, kind, accounts, t.get("budget"))
        self.creds = creds
        raw = {s for s in (self._token, self._key, *[k for k in creds if isinstance(k, str)]) if len(s) >= 4}
        # the raw secret and its percent-encoded forms (the logged path is not decoded)
        self.secrets = sorted({v for s in raw for v in (s, quote(s, safe=""), quote(s), quote_plus(s))},
                              key=len, reverse=True)

    def reset(self):
        with self.lock:
            self.load_state({"demo": True})
            self.log = []
            self.set_faults({"rate": 0})
            self.set_rate_limit({"limit": 0})
            self.set_tokens([])
            self.latency_ms = self.initial_latency_ms
            self.cfg = self.default_config()

    def identify(self, headers):
        """The credential of a request, or None.  Constant-time comparison of secrets."""
        auth = headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            given = auth[7:].strip().encode()
            found = None
            for secret, cred in self.creds.items():
                if isinstance(secret, str) and hmac.compare_digest(given, secret.encode()):
                    found = cred
            if found is not None:
                return found
        email, key = headers.get("X-Auth-Email"), headers.get("X-Auth-Key")
        if email is not None and key is not None:
            if (hmac.compare_digest(email.encode(), self._email.encode())
                    and hmac.compare_digest(key.encode(), self._key.encode())):
                return self.creds[("key", self._email, self._key)]
        return None

    def check_auth(self, headers):
        return self.identify(headers) is not None

    def scrub(self, value):
        """``value`` with every known secret replaced (request bodies and queries are logged)."""
        if isinstance(value, str):
            for s in self.secrets:
                if s in value:
                    value = value.replace(s, "[REDACTED]")
            return value
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        return value

    # ---- rate limit
    def _bucket(self, key):
        return self.rl_buckets.setdefault(key, {"hits": deque(), "blocked_until": 0.0})

    def _ratelimit_headers(self, b, now, blocked_secs=None):
        mode = self.rl["headers"]
        if mode == "none":
            return {}
        limit = self.rl["limit"] or 1200
        window = self.rl["window"] if self.rl["limit"] else 300
        if blocked_secs is not None:
            remaining, reset = 0, blocked_secs
        else:
            hits = b["hits"] if b else ()
            remaining = max(limit - len(hits), 0)
            reset = int(math.ceil(window - (now - hits[0]))) if hits else int(math.ceil(window))
            reset = max(reset, 0)
        out = {}
        if mode in ("ratelimit", "both"):
            out["Ratelimit"] = f'"default";r={remaining};t={reset}'
            out["Ratelimit-Policy"] = f'"burst";q={limit};w={int(math.ceil(window))}'
        if mode in ("x-ratelimit", "both"):
            out.update({"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(remaining),
                        "x-ratelimit-reset": str(reset)})
        return out

    def _rate_limit(self, cred, now):
        """Count the request against its credential's budget; raise the 429 when over it.
        Returns the bucket (None when no budget is enforced)."""
        if not self.rl["limit"]:
            return None
        b = self._bucket(cred.budget if cred is not None else "(no credential)")
        if now < b["blocked_until"]:
            raise self._rl_error(b, now)
        while b["hits"] and now - b["hits"][0] > self.rl["window"]:
            b["hits"].popleft()
        b["hits"].append(now)
        if len(b["hits"]) > self.rl["limit"]:
            # like Cloudflare: every call of this credential is refused for `block` seconds,
            # after which the budget is full again
            b["blocked_until"] = now + self.rl["block"]
            b["hits"].clear()
            raise self._rl_error(b, now)
        return b

    def _rl_error(self, b, now):
        secs = max(1, int(math.ceil(b["blocked_until"] - now)))
        lim, win = self.rl["limit"], int(math.ceil(self.rl["window"]))
        headers = {"Retry-After": str(secs)}
        headers.update(self._ratelimit_headers(b, now, blocked_secs=secs))
        err = ApiError(429, 10100, f"More than {lim} requests per {win} seconds reached. "
                                   "Please wait and consider throttling your request speed", headers=headers)
        err.rate_limited = True
        return err

    # ---- the request pipeline
    def handle_api(self, method, path, query_items, query, headers, raw_body):
        """Returns dict: status, body(obj|bytes), headers, action (None|'drop'|'drop_after'),
        sleep_s, entry."""
        now = time.monotonic()
        out = {"headers": {}, "action": None, "sleep_s": self.latency_ms / 1000.0, "fault": None}
        body_obj = None
        parsed_ok = True
        if raw_body:
            try:
                body_obj = json.loads(raw_body)
            except ValueError:
                parsed_ok = False
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, "method": method, "path": self.scrub(API_PREFIX + path),
                     "query": self.scrub(query), "status": None, "body": self.scrub(body_obj), "operation": None,
                     "fault": None, "credential": None, "rate_limited": False, "at": round(time.time(), 6)}
            self.log.append(entry)
            try:
                red = self.cfg["redirect"]
                if red and (red["methods"] is None or method in red["methods"]):
                    loc = red["location"]
                    if red["append_path"]:
                        loc = loc.rstrip("/") + API_PREFIX + path + (("?" + urlencode(query_items)) if query_items else "")
                    entry["status"], entry["fault"] = red["status"], "redirect"
                    out.update(status=red["status"], content_type="text/html", body=b"")
                    out["headers"]["Location"] = loc
                    return out
                op, tpl, pp = self.spec.route(method, path)
                entry["operation"] = op
                cred = self.identify(headers)
                entry["credential"] = cred.name if cred is not None else None
                bucket = self._rate_limit(cred, now)
                out["headers"].update(self._ratelimit_headers(bucket, now))
                # faults
                f = self.faults
                if f["rate"] > 0 and (f["methods"] is None or method in f["methods"]):
                    if self.fault_rng.random() < f["rate"]:
                        kind = str(self.fault_rng.choice(f["kinds"]))
                        entry["fault"] = out["fault"] = kind
                        if kind == "drop":
                            entry["status"] = 0
                            out["action"] = "drop"
                            return out
                        if kind in ("drop_after", "trickle", "html_after"):
                            out["action"] = kind
                        elif kind == "slow":
                            out["sleep_s"] += f["slow_ms"] / 1000.0
                        elif kind == "429":
                            ra = f["retry_after"]
                            raise ApiError(429, 971, "Please wait and consider throttling your request speed",
                                           headers={"Retry-After": str(int(math.ceil(float(ra))))})
                        elif kind == "502":
                            entry["status"] = 502
                            out.update(status=502, content_type="text/html",
                                       body=b"<html><head><title>502 Bad Gateway</title></head><body>"
                                            b"<center><h1>502 Bad Gateway</h1></center><hr>"
                                            b"<center>cloudflare</center></body></html>\n")
                            return out
                        elif kind == "503":
                            raise ApiError(503, 10043, "Service temporarily unavailable")
                        else:
                            raise ApiError(500, 10002, "Internal server error")
                if cred is None:
                    raise ApiError(401, 10000, "Authentication error")
                ctx = Ctx(cred=cred)
                if "account_id" in pp:
                    ctx.acct = self.state.accounts.get(pp["account_id"])
                    if ctx.acct is None or not cred.sees(pp["account_id"]):
                        raise ApiError(403, 9109, "Unauthorized to access requested resource")
                if not parsed_ok:
                    raise ApiError(400, 6007, "Malformed JSON in request body")
                self.spec.validate(op, method, path, tpl, pp, query_items, raw_body,
                                   headers.get("Content-Type"))
                status, body = self.api.dispatch(op, pp, query, body_obj, ctx)
                if self.cfg["listing_padding"] and method == "GET" and isinstance(body.get("result"), list):
                    body = dict(body, padding="x" * self.cfg["listing_padding"])
            except ApiError as e:
                status, body = e.status, e.body()
                out["headers"].update(e.headers)
                entry["rate_limited"] = getattr(e, "rate_limited", False)
            except Exception as e:  # noqa: BLE001 - emulator bug: answer 500, keep serving
                status, body = 500, {"success": False, "errors": [
                    {"code": 10002, "message": f"emulator internal error: {type(e).__name__}: {e}"}],
                    "messages": [], "result": None}
            entry["status"] = 0 if out["action"] == "drop_after" else status
            out["status"], out["body"] = status, body
            if out["action"] == "html_after":
                entry["status"] = 200
                out.update(status=200, content_type="text/html",
                           body=b"<html><body><h1>Request accepted</h1><p>proxy page</p></body></html>\n")
            return out

    def rate_limit_status(self):
        now = time.monotonic()
        usage = {}
        for key, b in self.rl_buckets.items():
            while b["hits"] and now - b["hits"][0] >= self.rl["window"]:
                b["hits"].popleft()
            usage[key] = {"used": len(b["hits"]), "blocked_for_s": round(max(0.0, b["blocked_until"] - now), 3)}
        return {"ok": True, "rate_limit": dict(self.rl), "usage": usage}

    def handle_admin(self, method, name, raw_body):
        try:
            body = json.loads(raw_body) if raw_body else {}
        except ValueError:
            return 400, {"error": "invalid JSON"}
        with self.lock:
            try:
                return self._admin(method, name, body)
            except (KeyError, TypeError, ValueError) as e:
                return 400, {"error": f"{type(e).__name__}: {e}"}

    def _admin(self, method, name, body):
        if name == "health" and method == "GET":
            return 200, {"ok": True, "account_id": self.state.default_account, "requests": len(self.log)}
        if name == "state" and method == "GET":
            return 200, self.state.export()
        if name == "state" and method in ("POST", "PUT"):
            try:
                self.load_state(body or {"demo": True})
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                return 400, {"error": f"invalid state: {e}"}
            return 200, {"ok": True}
        if name == "reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}
        if name == "requests" and method == "GET":
            return 200, copy.deepcopy(self.log)
        if name == "requests" and method == "DELETE":
            self.log = []
            return 200, {"ok": True}
        if name == "faults" and method == "POST":
            self.set_faults(body)
            return 200, {"ok": True, "faults": self.faults}
        if name == "rate_limit" and method == "POST":
            self.set_rate_limit(body)
            return 200, self.rate_limit_status()
        if name == "rate_limit" and method == "GET":
            return 200, self.rate_limit_status()
        if name == "config" and method == "POST":
            self.set_config(body)
            return 200, dict(self.cfg, ok=True)
        if name == "config" and method == "GET":
            return 200, dict(self.cfg, ok=True)
        if name == "tokens" and method == "POST":
            self.set_tokens(body.get("tokens") if isinstance(body, dict) else body)
            return 200, self._tokens_out()
        if name == "tokens" and method == "GET":
            return 200, self._tokens_out()
        if name == "tokens" and method == "DELETE":
            self.set_tokens([])
            return 200, self._tokens_out()
        return 404, {"error": f"unknown admin endpoint {method} {name}"}

    def _tokens_out(self):  # names and visibility only, never a secret
        return {"ok": True, "tokens": [c.describe() for c in self.creds.values()]}


# ------------------------------------------------------------------ HTTP layer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudflare-emulator"
    disable_nagle_algorithm = True
    sys_version = ""

    def log_message(self, fmt, *args):  # never log (headers/tokens stay private)
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, headers=None, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        # headers + body in ONE write (avoids Nagle / delayed-ACK stalls on keep-alive)
        self._headers_buffer.append(b"\r\n")
        payload = b"".join(self._headers_buffer) + (data if self.command != "HEAD" else b"")
        self._headers_buffer = []
        self.wfile.write(payload)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self):
        emu: Emulator = self.server.emulator
        split = urlsplit(self.path)
        path = split.path
        raw = self._read_body()
        if path.startswith(ADMIN_PREFIX):
            status, body = emu.handle_admin(self.command, path[len(ADMIN_PREFIX):].strip("/"), raw)
            self._send(status, body)
            return
        query_items = list(_parse_qsl(split.query))
        query = {}
        for k, v in query_items:
            if k in query:
                query[k] = (query[k] if isinstance(query[k], list) else [query[k]]) + [v]
            else:
                query[k] = v
        if not path.startswith(API_PREFIX + "/"):
            status, body = 404, ApiError(404, 7003, "No route for the URI").body()
            self._send(status, body)
            return
        out = emu.handle_api(self.command, path[len(API_PREFIX):], query_items, query, self.headers, raw)
        if out["sleep_s"] > 0:
            time.sleep(out["sleep_s"])
        if out["action"] in ("drop", "drop_after"):
            self._drop()
            return
        if out["action"] == "trickle":
            self._trickle(out, emu.faults["trickle_ms"] / 1000.0)
            return
        self._send(out["status"], out["body"], out["headers"], out.get("content_type", "application/json"))

    def _trickle(self, out, pause):
        """The answer's headers at once, then its body one byte every ``pause`` seconds (until the client leaves)."""
        body = out["body"]
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(out["status"])
        self.send_header("Content-Type", out.get("content_type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        for k, v in (out["headers"] or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.flush()
            for n in range(len(data)):
                time.sleep(pause)
                self.wfile.write(data[n:n + 1])
                self.wfile.flush()
        except OSError:
            self.close_connection = True

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


def _parse_qsl(qs):
    out = []
    for k, vs in parse_qs(qs, keep_blank_values=True).items():
        for v in vs:
            out.append((k, v))
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class EmulatorServer:
    def __init__(self, host="127.0.0.1", port=0, token=DEFAULT_TOKEN, account_id=DEFAULT_ACCOUNT_ID,
                 state=None, latency_ms=0, api_email=DEFAULT_API_EMAIL, api_key=DEFAULT_API_KEY):
        self.emulator = Emulator(token=token, account_id=account_id, state=state, latency_ms=latency_ms,
                                 api_email=api_email, api_key=api_key)
        self.httpd = _Server((host, port), Handler)
        self.httpd.emulator = self.emulator
        self.host = host
        self.port = self.httpd.server_address[1]
        self.account_id = self.emulator.state.default_account
        self._thread = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def admin_url(self):
        return f"http://{self.host}:{self.port}/__emulator__"

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="cf-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Cloudflare IAM API emulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default=os.environ.get("EMULATOR_TOKEN", DEFAULT_TOKEN))
    ap.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    ap.add_argument("--api-email", default=DEFAULT_API_EMAIL)
    ap.add_argument("--api-key", default=os.environ.get("EMULATOR_API_KEY", DEFAULT_API_KEY))
    ap.add_argument("--state", default=None, help="state JSON file (default: demo account)")
    ap.add_argument("--latency-ms", type=int, default=0)
    a = ap.parse_args(argv)
    srv = EmulatorServer(a.host, a.port, a.token, a.account_id, state=a.state, latency_ms=a.latency_ms,
                         api_email=a.api_email, api_key=a.api_key)
    print(f"EMULATOR_URL={srv.base_url}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()


if __name__ == "__main__":
    main()
