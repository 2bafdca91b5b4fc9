# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared test data: a small account and an in-memory ``AccountAPI`` stand-in for the pure layers.

``FakeAPI`` answers the read methods of ``api.AccountAPI`` from fixed lists and records every call, so a real
``catalogue.Catalogue`` runs over it without HTTP (the model, planning and view tests). Everything that talks
HTTP uses the emulator instead (``emulator`` fixture).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"
ACCT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
ACCOUNT_KEY = ACCT_SCOPE + "." + ACCOUNT
WORKER_PREFIX = ACCT_SCOPE + ".worker."


def hexid(n):
    """A 32-hexadecimal id (the shape of every Cloudflare id) made from a number: ``hexid(5)`` = ``0...05``."""
    return "%032x" % n


def account_path(client, suffix=""):
    """The API path of ``suffix`` in the client's account, as ``api.AccountAPI`` builds it."""
    return "/accounts/%s%s" % (client.account_id, suffix)


def zone_obj(zone_id):
    return "%s.%s" % (ZONE_SCOPE, zone_id)


def worker_obj(n):
    return WORKER_PREFIX + hexid(n)


def pg(n, name, label, scopes=ACCT_SCOPE, **meta):
    data = {"label": label, "description": name, "editable": "false"}
    if scopes is not None:
        data["scopes"] = scopes
    data.update(meta)
    return {"id": hexid(n), "name": name, "meta": data, "created_on": "2020-07-06T12:19:13Z",
            "modified_on": "2020-10-13T11:18:00Z"}


PG_ADMIN = pg(1, "Administrator", "admin")
PG_READ = pg(2, "Administrator Read Only", "admin_readonly")
PG_DNS = pg(3, "DNS", "dns")
PG_BILLING = pg(4, "Billing", "billing")
PG_DOMAIN_DNS = pg(5, "Domain DNS", "domain_dns", ZONE_SCOPE)
PG_DOMAIN_ADMIN = pg(6, "Domain Administrator", "domain_admin", ZONE_SCOPE)
PG_WORKER = pg(7, "Workers Script Editor", "workers_script_editor", WORKER_PREFIX.rstrip("."))
PG_LEGACY = pg(8, "Legacy Log Reader", "legacy_logs", deprecated="true", eol_at="2026-06-30")
PG_NOSCOPE = pg(9, "Mystery Role", "mystery", None)
PGS = [PG_ADMIN, PG_READ, PG_DNS, PG_BILLING, PG_DOMAIN_DNS, PG_DOMAIN_ADMIN, PG_WORKER, PG_LEGACY, PG_NOSCOPE]

ZONES = [{"id": hexid(100), "name": "example.com", "status": "active"},
         {"id": hexid(101), "name": "example.net", "status": "active"},
         {"id": hexid(102), "name": "example.org", "status": "active"},
         {"id": hexid(103), "name": "shop.example.com", "status": "pending"}]
ZONE_IDS = dict((z["name"], z["id"]) for z in ZONES)


def zkey(name):
    return zone_obj(ZONE_IDS[name])


RG_PROD = {"id": hexid(200), "name": "Production zones", "meta": {"editable": "true"},
           "scope": {"key": ACCOUNT_KEY, "objects": [{"key": zkey("example.com")}, {"key": zkey("example.net")}]}}
RG_TWIN1 = {"id": hexid(201), "name": "Twin", "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}
RG_TWIN2 = {"id": hexid(202), "name": "Twin", "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}
RG_WORKERS = {"id": hexid(203), "name": "Edge workers",
              "scope": {"key": ACCOUNT_KEY, "objects": [{"key": worker_obj(1)}, {"key": worker_obj(2)}]}}
RG_WHOLE = {"id": hexid(204), "name": "Whole account", "scope": {"key": ACCOUNT_KEY, "objects": [{"key": "*"}]}}
RGS = [RG_PROD, RG_TWIN1, RG_TWIN2, RG_WORKERS, RG_WHOLE]


def account_member(n, email, status="accepted"):
    return {"id": hexid(n), "email": email, "status": status,
            "user": {"id": hexid(1000 + n), "email": email, "first_name": "F", "last_name": "L"}}


MEMBERS = [account_member(11, "alice@example.com"), account_member(12, "Bob@Example.com"),
           account_member(13, "carol@example.com", "pending"),
           # top-level email missing: only user.email carries it
           {"id": hexid(14), "status": "accepted", "user": {"id": hexid(1014), "email": "Dave@example.com"}},
           account_member(15, "erin@example.com")]
ALICE, BOB, CAROL, DAVE, ERIN = (m["id"] for m in MEMBERS)


class FakeAPI(object):
    """The read methods of ``AccountAPI`` over fixed lists; ``calls`` records (method, arguments)."""

    def __init__(self, pgs=None, zones=None, rgs=None, members=None, user_groups=None, account_id=ACCOUNT):
        self.account_id = account_id
        self.pgs = copy.deepcopy(PGS if pgs is None else pgs)
        self.zones = copy.deepcopy(ZONES if zones is None else zones)
        self.rgs = copy.deepcopy(RGS if rgs is None else rgs)
        self.members = copy.deepcopy(MEMBERS if members is None else members)
        self.user_groups = copy.deepcopy(user_groups or [])
        self.calls = []

    def names(self):
        return [c[0] for c in self.calls]

    def list_permission_groups(self, **filters):
        self.calls.append(("list_permission_groups", filters))
        return copy.deepcopy(self.pgs)

    def list_account_members(self):
        self.calls.append(("list_account_members", None))
        return copy.deepcopy(self.members)

    def list_zones(self, name=None):
        self.calls.append(("list_zones", name))
        return copy.deepcopy([z for z in self.zones if name is None or z["name"] == name])

    def list_resource_groups(self, name=None, rg_id=None):
        self.calls.append(("list_resource_groups", (name, rg_id)))
        return copy.deepcopy(self.rgs)

    def list_user_groups(self, name=None, group_id=None, fuzzy_name=None):
        self.calls.append(("list_user_groups", name))
        return copy.deepcopy([g for g in self.user_groups if name is None or g["name"] == name])

    def get_user_group(self, group_id):
        self.calls.append(("get_user_group", group_id))
        found = [g for g in self.user_groups if g["id"] == group_id]
        return copy.deepcopy(found[0]) if found else None


def fake_catalogue(**kwargs):
    """A real ``Catalogue`` over a ``FakeAPI``."""
    from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import Catalogue
    return Catalogue(FakeAPI(**kwargs))


# --------------------------------------------------------------------------- API-shaped policies
def api_pg(role):
    out = copy.deepcopy(role)
    out["status"] = "V"
    return out


def anon_rg(rg_id, key, object_keys, name="same"):
    """An anonymous resource group as the API returns an inline scope: named after its key."""
    rg = {"id": rg_id, "meta": {"editable": "false"}, "status": "V",
          "created_on": "2025-01-24T15:31:36.759979Z", "modified_on": "2025-01-24T15:31:36.759979Z",
          "scope": {"key": key, "objects": [{"key": k} for k in object_keys]}}
    if name == "same":
        rg["name"] = key
    elif name is not None:
        rg["name"] = name
    return rg


def named_rg(rg):
    out = copy.deepcopy(rg)
    out.update({"status": "V", "created_on": "2025-01-24T15:31:36.759979Z"})
    return out


def api_policy(policy_id, access, roles, rgs):
    return {"id": policy_id, "access": access, "status": "V", "created_on": "2025-01-24T15:31:36Z",
            "modified_on": "2025-01-24T15:31:36Z",
            "permission_groups": [api_pg(r) for r in roles], "resource_groups": rgs}


# --------------------------------------------------------------------------- every shape of a policy
KV_OBJECT = ACCT_SCOPE + ".kv." + hexid(1)


def policy_shapes():
    """``[(name, Policy)]``: every shape a policy can take (targets of every kind, alone and combined)."""
    from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, ResourceGroupRef, Scope

    whole = Scope.account(ACCOUNT)

    def zones(*names):
        return Scope.zones(ACCOUNT, [ZONE_IDS[n] for n in names])

    def adhoc(name):
        return Scope.of(zkey(name), ["*"])

    return [
        ("account", Policy.of("allow", [PG_ADMIN["id"], PG_DNS["id"]], [whole])),
        ("deny_account", Policy.of("deny", [PG_BILLING["id"]], [whole])),
        ("zones", Policy.of("allow", [PG_DOMAIN_DNS["id"], PG_DOMAIN_ADMIN["id"]], [zones("example.com", "example.net")])),
        ("several_inline_scopes", Policy.of("allow", [PG_DOMAIN_DNS["id"]], [
            zones("example.com"), zones("example.org", "example.net"), adhoc("shop.example.com")])),
        ("named", Policy.of("allow", [PG_DOMAIN_ADMIN["id"]], [ResourceGroupRef(RG_PROD["id"])])),
        ("named_and_inline", Policy.of("allow", [PG_DOMAIN_ADMIN["id"]], [
            ResourceGroupRef(RG_PROD["id"]), zones("example.org"), adhoc("shop.example.com")])),
        ("adhoc_zone_key", Policy.of("allow", [PG_DOMAIN_DNS["id"]], [adhoc("example.org")])),
        ("two_adhoc_zone_keys", Policy.of("deny", [PG_DOMAIN_DNS["id"]], [adhoc("example.org"), adhoc("example.com")])),
        ("workers", Policy.of("allow", [PG_WORKER["id"]], [Scope.of(ACCOUNT_KEY, [worker_obj(1), worker_obj(2)])])),
        ("workers_named_and_inline", Policy.of("allow", [PG_WORKER["id"]], [
            ResourceGroupRef(RG_WORKERS["id"]), Scope.of(ACCOUNT_KEY, [worker_obj(3)])])),
        ("account_named_and_inline", Policy.of("allow", [PG_ADMIN["id"]], [ResourceGroupRef(RG_WHOLE["id"]), whole])),
        ("unknown_object_form", Policy.of("allow", [PG_ADMIN["id"]], [Scope.of(ACCOUNT_KEY, [KV_OBJECT])])),
        ("foreign_account_key", Policy.of("allow", [PG_ADMIN["id"]], [Scope.of(ACCT_SCOPE + "." + OTHER_ACCOUNT, ["*"])])),
        ("star_and_zone", Policy.of("allow", [PG_ADMIN["id"]], [Scope.of(ACCOUNT_KEY, ["*", zkey("example.com")])])),
        ("unknown_and_zones", Policy.of("allow", [PG_DOMAIN_DNS["id"]], [zones("example.com"),
                                                                         Scope.of(ACCOUNT_KEY, [KV_OBJECT])])),
        ("role_without_scopes", Policy.of("allow", [PG_NOSCOPE["id"]], [zones("example.net")])),
        ("deprecated_role", Policy.of("allow", [PG_LEGACY["id"]], [whole])),
    ]


class Clock(object):
    """A monotonic clock that only moves when slept on (and ``on_sleep`` runs after each sleep)."""

    def __init__(self, on_sleep=None):
        self.now = 0.0
        self.sleeps = []
        self.on_sleep = on_sleep

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))
