#!/usr/bin/env python
"""Cloudflare API emulator (IAM user groups and their lookups).

Run:  python tests/emulator/cloudflare_emulator.py --host 127.0.0.1 --port 0 \
          [--token T] [--account-id ID] [--state FILE] [--latency-ms N] \
          [--api-email E] [--api-key K]
With ``--port 0`` a free port is chosen; once listening the server prints one
line ``EMULATOR_URL=http://HOST:PORT/client/v4`` to stdout.
In-process: ``EmulatorServer(host, port, token, account_id, state=None,
latency_ms=0).start()`` / ``.stop()`` / ``.base_url``.

API (under ``/client/v4``): the 20 operations of the vendored
``cloudflare-iam-openapi.json``.  Every request is
  1. routed (unknown path -> 404 code 7003 "No route for the URI"; known path,
     wrong method -> 405 code 7001 "Method <M> not available for that URI."),
  2. rate limited (``POST /__emulator__/rate_limit``) -> 429 code 10100,
  3. possibly faulted (``POST /__emulator__/faults``),
  4. authenticated: ``Authorization: Bearer <token>`` or ``X-Auth-Email`` +
     ``X-Auth-Key`` -> else 401 code 10000 "Authentication error"; a path
     ``account_id`` other than the emulator's -> 403 code 9109 "Unauthorized to
     access requested resource",
  5. JSON-decoded (bad JSON -> 400 code 6007 "Malformed JSON in request body"),
  6. validated against the OpenAPI document with openapi-core (parameters incl.
     per_page bounds and the body schema) -> 400 code 10001, message says what,
  7. executed.
Credentials are never logged, echoed or printed.

Error codes chosen (all HTTP 400 unless noted):
  1003 (404)  "user group not found" / "member not found in user group" /
              "permission group not found" / "resource group not found" /
              "account member not found"
  1004        "account member(s) not found: <id>, <id>"     (POST/PUT members)
  1006        "invalid permission group"    (source.pointer names the item)
  1007        "invalid resource group"      (unknown resource group id)
  1008        "The number of Scope objects should not be zero"
  1009        "invalid permission group and resource group combination"
  1010        "Cannot modify user group '<name>': it is managed by SCIM from
               your identity provider"
  1011        "invalid scope: <detail>"     (bad scope key / object key)
  1013        "resource group is in use by a policy"        (DELETE resource group)
  971  (429)  fault "Please wait and consider throttling your request speed"
  10100 (429) rate limit "More than <limit> requests per <window> seconds reached. ..."

Admin endpoints (no auth, no validation, no faults, not rate limited, not
logged) under ``/__emulator__/``:
  GET  health                 -> {"ok": true, ...}
  GET  state                  -> the state (format below)
  POST state                  -> replace state; body = a state, or {"demo": true}
  POST reset                  -> demo state + clear log, faults, rate limit, latency back to CLI value
  GET  requests / DELETE requests -> request log / clear it.  Entries:
       {seq, method, path (full path incl. the /client/v4 prefix, no query),
        query (dict str -> str, or list when repeated), status (0 = dropped),
        body (parsed JSON request body or null), operation (operationId or null),
        fault (fault kind or null)}.  Never headers.
  POST faults                 -> {"rate", "kinds", "retry_after", "slow_ms", "seed", "methods"}
  POST rate_limit             -> {"limit", "window", "block"}; {"limit": 0} disables
  POST config                 -> {"latency_ms": N}

State format (plain JSON, one account)::

  {"version": 1, "seed": 0,            # seed: RNG for new ids (re-seeded on load)
   "account": {"id": "<32hex>", "name": "Demo Account"},
   "permission_groups": [{"id", "name", "meta": {"description", "editable", "label", "scopes"},
                          "created_on", "modified_on"}],
   "members": [{"id", "email", "status": "accepted|pending", "created_on",
                "user": {"id", "email", "first_name", "last_name",
                         "two_factor_authentication_enabled"}}],
   "zones": [{"id", "name", "status", "type", "created_on", "modified_on", "activated_on"}],
   "resource_groups": [{"id", "name", "anonymous": bool, "meta": {...},
                        "scope": {"key", "objects": [{"key"}]}, "created_on", "modified_on"}],
                        # anonymous = created from an inline scope; not listed
   "user_groups": [{"id", "name", "scim": bool, "created_on", "modified_on",
                    "policies": [{"id", "access", "permission_groups": [pg ids],
                                  "resource_groups": [rg ids], "created_on", "modified_on"}],
                    "members": [{"id": "<account member id>", "created_at"}]}]}

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
from urllib.parse import parse_qs, urlsplit

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

class State:
    """In-memory account.  All methods are called with the server lock held."""

    def __init__(self, data: dict):
        data = copy.deepcopy(data)
        self.version = data.get("version", 1)
        self.seed = data.get("seed", 0)
        self.rng = random.Random(f"emulator-ids:{self.seed}")
        self.account = dict(data["account"])
        self.pgs = {p["id"]: p for p in data.get("permission_groups", [])}
        self.members = {m["id"]: m for m in data.get("members", [])}
        self.zones = {z["id"]: z for z in data.get("zones", [])}
        self.rgs = {r["id"]: r for r in data.get("resource_groups", [])}
        self.ugs = {}
        for g in data.get("user_groups", []):
            g = dict(g)
            g.setdefault("scim", False)
            g.setdefault("policies", [])
            g["members"] = {m["id"]: m.get("created_at") or now_ts() for m in g.get("members", [])}
            self.ugs[g["id"]] = g

    def export(self) -> dict:
        ugs = []
        for g in self.ugs.values():
            g = dict(g)
            g["members"] = [{"id": k, "created_at": v} for k, v in g["members"].items()]
            ugs.append(g)
        return copy.deepcopy({
            "version": self.version, "seed": self.seed, "account": self.account,
            "permission_groups": list(self.pgs.values()), "members": list(self.members.values()),
            "zones": list(self.zones.values()), "resource_groups": list(self.rgs.values()),
            "user_groups": ugs})

    def new_id(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    @property
    def account_key(self):
        return f"{ACCOUNT_SCOPE}.{self.account['id']}"

    # ---- renderers
    def pg_out(self, pg):
        out = {"id": pg["id"], "name": pg["name"], "meta": dict(pg.get("meta", {})), "status": "V",
               "created_on": pg.get("created_on"), "modified_on": pg.get("modified_on")}
        return out

    def rg_out(self, rg):
        objs = sorted((dict(o) for o in rg["scope"]["objects"]), key=lambda o: o["key"], reverse=True)
        return {"id": rg["id"], "name": rg.get("name") or rg["scope"]["key"],
                "meta": dict(rg.get("meta") or {"editable": "false"}),
                "scope": {"key": rg["scope"]["key"], "objects": objs},
                "created_on": rg.get("created_on"), "modified_on": rg.get("modified_on")}

    def policy_out(self, p):
        pgs = sorted((self.pgs[i] for i in p["permission_groups"] if i in self.pgs), key=lambda x: x["id"])
        rgs = sorted((self.rgs[i] for i in p["resource_groups"] if i in self.rgs), key=lambda x: x["id"])
        return {"id": p["id"], "access": p["access"], "created_on": p["created_on"],
                "modified_on": p["modified_on"], "status": "V",
                "permission_groups": [self.pg_out(x) for x in pgs],
                "resource_groups": [self.rg_out(x) for x in rgs]}

    def ug_out(self, g):
        out = {"id": g["id"], "name": g["name"], "created_on": g["created_on"],
               "modified_on": g["modified_on"], "status": "V"}
        if g["policies"]:
            out["policies"] = [self.policy_out(p) for p in g["policies"]]
        return out

    def gm_out(self, mid):
        m = self.members[mid]
        return {"id": m["id"], "email": m["email"], "status": m["status"]}

    def gm_detail(self, g, mid):
        m = self.members[mid]
        u = m.get("user", {})
        return {"id": m["id"], "email": m["email"], "status": m["status"],
                "created_at": g["members"][mid],
                "user": {"id": u.get("id"), "email": u.get("email", m["email"]),
                         "first_name": u.get("first_name") or "", "last_name": u.get("last_name") or ""}}

    def member_out(self, m):
        u = m.get("user", {})
        return {"id": m["id"], "email": m["email"], "status": m["status"],
                "user": {"id": u.get("id"), "email": u.get("email", m["email"]),
                         "first_name": u.get("first_name"), "last_name": u.get("last_name"),
                         "two_factor_authentication_enabled": bool(u.get("two_factor_authentication_enabled"))},
                "roles": [], "policies": []}

    def zone_out(self, z):
        return {"id": z["id"], "name": z["name"], "status": z.get("status", "active"),
                "paused": False, "type": z.get("type", "full"), "development_mode": 0,
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "original_name_servers": None, "original_registrar": None, "original_dnshost": None,
                "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3,
                         "phishing_detected": False},
                "owner": {"id": self.account["id"], "type": "organization", "name": self.account["name"]},
                "account": {"id": self.account["id"], "name": self.account["name"]},
                "permissions": [], "plan": {"id": "enterprise", "name": "Enterprise Website"},
                "created_on": z.get("created_on"), "modified_on": z.get("modified_on"),
                "activated_on": z.get("activated_on")}

    # ---- policies
    def scope_kind(self, scope, pointer):
        key = scope["key"]
        objs = [o["key"] for o in scope["objects"]]
        if not objs:
            raise ApiError(400, 1008, "The number of Scope objects should not be zero", pointer)
        zone_prefix = ZONE_SCOPE + "."
        if key.startswith(zone_prefix):  # "ad-hoc" single-zone form
            if key[len(zone_prefix):] not in self.zones:
                raise ApiError(400, 1011, f"invalid scope: unknown zone in scope key {key}", pointer)
            if objs != ["*"]:
                raise ApiError(400, 1011, "invalid scope: a zone scope key needs objects [*]", pointer)
            return "zone"
        if key != self.account_key:
            raise ApiError(400, 1011, f"invalid scope: unknown scope key {key}", pointer)
        if "*" in objs:
            if len(objs) != 1:
                raise ApiError(400, 1011, "invalid scope: '*' cannot be combined with other objects", pointer)
            return "account"
        kinds = set()
        for o in objs:
            if o.startswith(zone_prefix):
                if o[len(zone_prefix):] not in self.zones:
                    raise ApiError(400, 1011, f"invalid scope: unknown zone {o}", pointer)
                kinds.add("zone")
            elif o.startswith(f"{ACCOUNT_SCOPE}.worker."):
                kinds.add("worker")
            else:
                raise ApiError(400, 1011, f"invalid scope: unknown scope object {o}", pointer)
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def build_policies(self, policies):
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
                    rg = self.rgs.get(ref["id"])
                    if rg is None:
                        raise ApiError(400, 1007, "invalid resource group", ptr + "/id")
                    kinds.append(self.scope_kind(rg["scope"], ptr))
                    rgs.append(rg["id"])
                else:
                    scope = ref["scope"]
                    kinds.append(self.scope_kind(scope, ptr + "/scope"))
                    rg = {"id": self.new_id(), "name": scope["key"], "anonymous": True,
                          "meta": {"editable": "false"},
                          "scope": {"key": scope["key"], "objects": [{"key": o["key"]} for o in scope["objects"]]},
                          "created_on": ts, "modified_on": ts}
                    new_rgs.append(rg)
                    rgs.append(rg["id"])
            if not pgs or not rgs:
                raise ApiError(400, 1009, "invalid permission group and resource group combination",
                               f"/policies/{i}")
            for pid in pgs:
                need = "zone" if self.pgs[pid].get("meta", {}).get("scopes") == ZONE_SCOPE else "account"
                if any(k != need for k in kinds):
                    raise ApiError(400, 1009, "invalid permission group and resource group combination",
                                   f"/policies/{i}")
            built.append({"id": self.new_id(), "access": p["access"],
                          "permission_groups": list(dict.fromkeys(pgs)),
                          "resource_groups": list(dict.fromkeys(rgs)),
                          "created_on": ts, "modified_on": ts})
        return built, new_rgs

    def gc_anonymous(self):
        used = {r for g in self.ugs.values() for p in g["policies"] for r in p["resource_groups"]}
        for rid in [r for r, rg in self.rgs.items() if rg.get("anonymous") and r not in used]:
            del self.rgs[rid]


def _page(items, page, per_page):
    total = len(items)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page] if start < total else []
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": total,
            "total_pages": math.ceil(total / per_page) if per_page else 0}
    return chunk, info


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

class Api:
    def __init__(self, emu: "Emulator"):
        self.emu = emu

    @property
    def st(self) -> State:
        return self.emu.state

    def ok(self, result, info=None):
        body = {"success": True, "errors": [], "messages": [], "result": result}
        if info is not None:
            body["result_info"] = info
        return 200, body

    def paged(self, op, query, items):
        d = self.emu.spec.defaults.get(op, {})
        page = _int(_q(query, "page"), d.get("page") or 1)
        per_page = _int(_q(query, "per_page"), d.get("per_page") or 20)
        chunk, info = _page(items, page, per_page)
        return chunk, info

    def group(self, gid):
        g = self.st.ugs.get(gid)
        if g is None:
            raise ApiError(404, 1003, "user group not found")
        return g

    def scim_refuse(self, g):
        if g.get("scim"):
            raise ApiError(400, 1010, f"Cannot modify user group '{g['name']}': "
                                      "it is managed by SCIM from your identity provider")

    # user groups
    def ug_list(self, op, pp, query, body):
        items = list(self.st.ugs.values())
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
        return self.ok([self.st.ug_out(g) for g in chunk], info)

    def ug_get(self, op, pp, query, body):
        return self.ok(self.st.ug_out(self.group(pp["user_group_id"])))

    def ug_create(self, op, pp, query, body):
        policies, new_rgs = self.st.build_policies(body.get("policies") or [])
        ts = now_ts()
        g = {"id": self.st.new_id(), "name": body["name"], "scim": False, "created_on": ts,
             "modified_on": ts, "policies": policies, "members": {}}
        for rg in new_rgs:
            self.st.rgs[rg["id"]] = rg
        self.st.ugs[g["id"]] = g
        return self.ok(self.st.ug_out(g))

    def ug_update(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        if "name" in body and body["name"] != g["name"]:
            self.scim_refuse(g)
        built = None
        if "policies" in body:
            built, new_rgs = self.st.build_policies(body["policies"])
        # validated: apply
        if "name" in body:
            g["name"] = body["name"]
        if built is not None:
            for rg in new_rgs:
                self.st.rgs[rg["id"]] = rg
            g["policies"] = built
            self.st.gc_anonymous()
        g["modified_on"] = now_ts()
        return self.ok(self.st.ug_out(g))

    def ug_delete(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        self.scim_refuse(g)
        del self.st.ugs[g["id"]]
        self.st.gc_anonymous()
        return self.ok({"id": g["id"]})

    # group members
    def _sorted_members(self, g, desc=False):
        ids = [m for m in g["members"] if m in self.st.members]
        ids.sort(key=lambda m: (self.st.members[m]["email"].lower(), m), reverse=desc)
        return ids

    def gm_list(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        ids = self._sorted_members(g, _q(query, "direction", "asc") == "desc")
        f = _q(query, "fuzzyEmail")
        if f is not None:
            ids = [m for m in ids if f.lower() in self.st.members[m]["email"].lower()]
        chunk, info = self.paged(op, query, ids)
        result = [self.st.gm_out(m) for m in chunk] if ids else None  # real API: null when empty
        return self.ok(result, info)

    def gm_get(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        mid = pp["member_id"]
        if mid not in g["members"] or mid not in self.st.members:
            raise ApiError(404, 1003, "member not found in user group")
        return self.ok(self.st.gm_detail(g, mid))

    def _check_members(self, body):
        ids = list(dict.fromkeys(x["id"] for x in body))
        unknown = [i for i in ids if i not in self.st.members]
        if unknown:
            raise ApiError(400, 1004, "account member(s) not found: " + ", ".join(unknown))
        return ids

    def gm_add(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        self.scim_refuse(g)
        ids = self._check_members(body)
        ts = now_ts()
        changed = False
        for i in ids:
            if i not in g["members"]:
                g["members"][i] = ts
                changed = True
        if changed:
            g["modified_on"] = ts
        return self.ok([self.st.gm_out(m) for m in self._sorted_members(g)])

    def gm_replace(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        self.scim_refuse(g)
        ids = self._check_members(body)
        ts = now_ts()
        g["members"] = {i: g["members"].get(i, ts) for i in ids}
        g["modified_on"] = ts
        return self.ok([self.st.gm_out(m) for m in self._sorted_members(g)])

    def gm_delete(self, op, pp, query, body):
        g = self.group(pp["user_group_id"])
        self.scim_refuse(g)
        mid = pp["member_id"]
        if mid not in g["members"] or mid not in self.st.members:
            raise ApiError(404, 1003, "member not found in user group")
        out = self.st.gm_out(mid)
        del g["members"][mid]
        g["modified_on"] = now_ts()
        return self.ok(out)

    # permission groups
    def pg_list(self, op, pp, query, body):
        items = list(self.st.pgs.values())
        for key, get in (("id", lambda p: p["id"]), ("name", lambda p: p["name"]),
                         ("label", lambda p: p.get("meta", {}).get("label"))):
            v = _q(query, key)
            if v is not None:
                items = [p for p in items if get(p) == v]
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.pg_out(p) for p in chunk], info)

    def pg_get(self, op, pp, query, body):
        p = self.st.pgs.get(pp["permission_group_id"])
        if p is None:
            raise ApiError(404, 1003, "permission group not found")
        return self.ok(self.st.pg_out(p))

    # resource groups
    def rg_list(self, op, pp, query, body):
        items = [r for r in self.st.rgs.values() if not r.get("anonymous")]
        if _q(query, "id") is not None:
            items = [r for r in items if r["id"] == _q(query, "id")]
        if _q(query, "name") is not None:
            items = [r for r in items if r.get("name") == _q(query, "name")]
        return self.ok([self.st.rg_out(r) for r in items])

    def _rg(self, rid):
        r = self.st.rgs.get(rid)
        if r is None:
            raise ApiError(404, 1003, "resource group not found")
        return r

    def rg_get(self, op, pp, query, body):
        return self.ok(self.st.rg_out(self._rg(pp["resource_group_id"])))

    def rg_create(self, op, pp, query, body):
        self.st.scope_kind(body["scope"], "/scope")
        ts = now_ts()
        r = {"id": self.st.new_id(), "name": body["name"], "anonymous": False, "meta": {"editable": "true"},
             "scope": {"key": body["scope"]["key"], "objects": [{"key": o["key"]} for o in body["scope"]["objects"]]},
             "created_on": ts, "modified_on": ts}
        self.st.rgs[r["id"]] = r
        return self.ok(self.st.rg_out(r))

    def rg_update(self, op, pp, query, body):
        r = self._rg(pp["resource_group_id"])
        if "scope" in body:
            self.st.scope_kind(body["scope"], "/scope")
            # a used group must stay compatible with the policies referencing it
            for g in self.st.ugs.values():
                for p in g["policies"]:
                    if r["id"] in p["resource_groups"]:
                        kind = self.st.scope_kind(body["scope"], "/scope")
                        for pid in p["permission_groups"]:
                            need = "zone" if self.st.pgs[pid]["meta"].get("scopes") == ZONE_SCOPE else "account"
                            if kind != need:
                                raise ApiError(400, 1009, "invalid permission group and resource group combination")
            r["scope"] = {"key": body["scope"]["key"], "objects": [{"key": o["key"]} for o in body["scope"]["objects"]]}
        if "name" in body:
            r["name"] = body["name"]
        r["modified_on"] = now_ts()
        return self.ok(self.st.rg_out(r))

    def rg_delete(self, op, pp, query, body):
        r = self._rg(pp["resource_group_id"])
        if any(r["id"] in p["resource_groups"] for g in self.st.ugs.values() for p in g["policies"]):
            raise ApiError(400, 1013, "resource group is in use by a policy")
        del self.st.rgs[r["id"]]
        return self.ok({"id": r["id"]})

    # account members
    def am_list(self, op, pp, query, body):
        items = list(self.st.members.values())
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
        return self.ok([self.st.member_out(m) for m in chunk], info)

    def am_get(self, op, pp, query, body):
        m = self.st.members.get(pp["member_id"])
        if m is None:
            raise ApiError(404, 1003, "account member not found")
        return self.ok(self.st.member_out(m))

    # zones
    def zones_list(self, op, pp, query, body):
        acct = self.st.account
        conds = []
        if _q(query, "name") is not None:
            conds.append(lambda z, v=_q(query, "name"): _match_op(z["name"], v))
        if _q(query, "account.id") is not None:
            conds.append(lambda z, v=_q(query, "account.id"): acct["id"] == v)
        if _q(query, "account.name") is not None:
            conds.append(lambda z, v=_q(query, "account.name"): _match_op(acct["name"], v))
        if _q(query, "status") is not None:
            conds.append(lambda z, v=_q(query, "status"): z.get("status", "active") == v)
        types = query.get("type")
        if types:
            wanted = {t for v in (types if isinstance(types, list) else [types]) for t in v.split(",") if t}
        else:
            wanted = {"full", "partial", "secondary"}
        items = [z for z in self.st.zones.values() if z.get("type", "full") in wanted]
        if conds:
            if _q(query, "match", "all") == "any":
                items = [z for z in items if any(c(z) for c in conds)]
            else:
                items = [z for z in items if all(c(z) for c in conds)]
        order = _q(query, "order")
        if order in ("name", "status"):
            items.sort(key=lambda z: z.get(order, ""))
        if _q(query, "direction") == "desc":
            items.reverse()
        chunk, info = self.paged(op, query, items)
        return self.ok([self.st.zone_out(z) for z in chunk], info)

    HANDLERS = {
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

    def dispatch(self, op, pp, query, body):
        return getattr(self, self.HANDLERS[op])(op, pp, query, body)


# ------------------------------------------------------------------ emulator core

class Emulator:
    """Transport-independent core: state, log, faults, rate limit."""

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
        self.load_state(state if state is not None else {"demo": True})
        self.log = []
        self.seq = 0
        self.set_faults({"rate": 0})
        self.set_rate_limit({"limit": 0})

    # admin ops (call with lock held or from admin handler)
    def load_state(self, data):
        if isinstance(data, str):
            with open(data) as fh:
                data = json.load(fh)
        if not data or data.get("demo"):
            data = builders.demo_state(self.default_account_id)
        self.state = State(data)

    def set_faults(self, cfg):
        cfg = dict(cfg or {})
        self.faults = {
            "rate": float(cfg.get("rate", 0) or 0),
            "kinds": list(cfg.get("kinds") or ["500"]),
            "retry_after": cfg.get("retry_after", 1),
            "slow_ms": int(cfg.get("slow_ms", 200)),
            "seed": cfg.get("seed", 0),
            "methods": [m.upper() for m in cfg["methods"]] if cfg.get("methods") else None,
        }
        self.fault_rng = random.Random(self.faults["seed"])

    def set_rate_limit(self, cfg):
        cfg = dict(cfg or {})
        self.rl = {"limit": int(cfg.get("limit", 0) or 0), "window": float(cfg.get("window", 300)),
                   "block": float(cfg.get("block", cfg.get("window", 300)))}
        self.rl_hits = deque()
        self.rl_blocked_until = 0.0

    def reset(self):
        with self.lock:
            self.load_state({"demo": True})
            self.log = []
            self.set_faults({"rate": 0})
            self.set_rate_limit({"limit": 0})
            self.latency_ms = self.initial_latency_ms

    def check_auth(self, headers):
        auth = headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer " and hmac.compare_digest(auth[7:].strip().encode(), self._token.encode()):
            return True
        email, key = headers.get("X-Auth-Email"), headers.get("X-Auth-Key")
        if email is not None and key is not None:
            return (hmac.compare_digest(email.encode(), self._email.encode())
                    and hmac.compare_digest(key.encode(), self._key.encode()))
        return False

    def _ratelimit_headers(self, now):
        limit = self.rl["limit"] or 1200
        window = self.rl["window"] if self.rl["limit"] else 300
        used = len(self.rl_hits)
        reset = int(math.ceil(window - (now - self.rl_hits[0]))) if self.rl_hits else int(window)
        return {"Ratelimit": f'"default";r={max(limit - used, 0)};t={max(reset, 0)}',
                "Ratelimit-Policy": f'"default";q={limit};w={int(window)}'}

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
            entry = {"seq": self.seq, "method": method, "path": API_PREFIX + path, "query": query,
                     "status": None, "body": body_obj, "operation": None, "fault": None}
            self.log.append(entry)
            try:
                op, tpl, pp = self.spec.route(method, path)
                entry["operation"] = op
                # rate limit
                if self.rl["limit"]:
                    while self.rl_hits and now - self.rl_hits[0] > self.rl["window"]:
                        self.rl_hits.popleft()
                    if now < self.rl_blocked_until:
                        raise self._rl_error(now)
                    self.rl_hits.append(now)
                    if len(self.rl_hits) > self.rl["limit"]:
                        self.rl_blocked_until = now + self.rl["block"]
                        raise self._rl_error(now)
                out["headers"].update(self._ratelimit_headers(now))
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
                        if kind == "drop_after":
                            out["action"] = "drop_after"
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
                if not self.check_auth(headers):
                    raise ApiError(401, 10000, "Authentication error")
                if "account_id" in pp and pp["account_id"] != self.state.account["id"]:
                    raise ApiError(403, 9109, "Unauthorized to access requested resource")
                if not parsed_ok:
                    raise ApiError(400, 6007, "Malformed JSON in request body")
                self.spec.validate(op, method, path, tpl, pp, query_items, raw_body,
                                   headers.get("Content-Type"))
                status, body = self.api.dispatch(op, pp, query, body_obj)
            except ApiError as e:
                status, body = e.status, e.body()
                out["headers"].update(e.headers)
            except Exception as e:  # noqa: BLE001 - emulator bug: answer 500, keep serving
                status, body = 500, {"success": False, "errors": [
                    {"code": 10002, "message": f"emulator internal error: {type(e).__name__}: {e}"}],
                    "messages": [], "result": None}
            entry["status"] = 0 if out["action"] == "drop_after" else status
            out["status"], out["body"] = status, body
            return out

    def _rl_error(self, now):
        secs = max(1, int(math.ceil(self.rl_blocked_until - now)))
        lim, win = self.rl["limit"], int(self.rl["window"])
        return ApiError(429, 10100, f"More than {lim} requests per {win} seconds reached. "
                                    "Please wait and consider throttling your request speed",
                        headers={"Retry-After": str(secs),
                                 "Ratelimit": f'"default";r=0;t={secs}',
                                 "Ratelimit-Policy": f'"default";q={lim};w={win}'})

    def handle_admin(self, method, name, raw_body):
        try:
            body = json.loads(raw_body) if raw_body else {}
        except ValueError:
            return 400, {"error": "invalid JSON"}
        with self.lock:
            if name == "health" and method == "GET":
                return 200, {"ok": True, "account_id": self.state.account["id"], "requests": len(self.log)}
            if name == "state" and method == "GET":
                return 200, self.state.export()
            if name == "state" and method in ("POST", "PUT"):
                try:
                    self.load_state(body or {"demo": True})
                except (KeyError, TypeError, ValueError) as e:
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
                return 200, {"ok": True, "rate_limit": self.rl}
            if name == "config" and method == "POST":
                if "latency_ms" in body:
                    self.latency_ms = int(body["latency_ms"] or 0)
                return 200, {"ok": True, "latency_ms": self.latency_ms}
        return 404, {"error": f"unknown admin endpoint {method} {name}"}


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
        self._send(out["status"], out["body"], out["headers"], out.get("content_type", "application/json"))

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
        self.account_id = self.emulator.state.account["id"]
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
