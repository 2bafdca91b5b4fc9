"""State builders for the Cloudflare API emulator.

Every function returns a plain-JSON state dict in the format documented at the
top of ``cloudflare_emulator.py`` (loadable with ``--state FILE`` or
``POST /__emulator__/state``).  All ids are derived from names with a hash, so
the same call always yields the same ids.

* ``demo_state(account_id=DEFAULT_ACCOUNT_ID)`` -- the built-in demo account.
* ``generated_state(n_groups, n_members, depth=3, members_per_group=10,
  policies_per_group=2, seed=0, with_groups=True, n_zones=10, ...)`` -- a large
  account for benchmarks.
* ``generated_declaration(...)`` (same arguments) -- the matching desired-state
  declaration: nested list of ``{name, members: [emails], policies: [{access,
  permission_groups: [labels], zones?: [zone names]}], children: [...]}``.
* ``multi_account_state(n_accounts=3, n_groups=10, ...)`` -- N accounts x M
  groups in the multi-account state form (``{"version": 2, "accounts": [...]}``);
  account 0 has the default account id and is exactly ``generated_state(...)``'s
  account, account k > 0 has id ``account_ids(n)[k]``, ids salted by the account
  id and zones ``zoneNNN.aKK.example.com``.  ``multi_account_declaration(k, ...)``
  (same arguments) is the declaration matching account k.
* ``account_ids(n)`` -- the account ids ``multi_account_state`` uses.
* ``accounts_state(accounts, scim_in_first=True)`` -- named accounts ``[(name,
  type, zones, ...)]`` in the multi-account form, the demo people as members of
  each (own member ids), their zones, no user group except the SCIM group of the
  first (``DEMO_SCIM_GROUP``); ids from ``example_account_id(k)``.
  ``ACME_ACCOUNTS`` are the accounts of ``playbooks/multi_account`` (and of the
  ``acme`` seed, ``seeds.py``).

Catalogue: ``PERMISSION_GROUPS`` (account- and domain-scoped roles, the pool the
generators draw from) plus ``EXTRA_PERMISSION_GROUPS`` (Workers platform roles,
the resource-scoped per-Worker roles with ``meta.scopes``
``com.cloudflare.api.account.worker`` and two deprecated roles carrying
``meta.deprecated: "true"`` and ``meta.eol_at``), all served by the emulator.
The demo account also has four Workers (``DEMO_WORKERS``) for per-Worker scopes.

Generated group naming: a tree of ``depth`` levels; the group name stored in
the account is the full path of segment names joined with ``" / "``, e.g.
``"Department 01 / Team 01-02 / Squad 01-02-03"``.  ``generated_declaration``
gives the full name in ``name`` and the last segment in ``segment``
(``full_names=False`` puts the segment in ``name`` instead).
"""

from __future__ import annotations

import hashlib
import random

DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_ACCOUNT_NAME = "Demo Account"
STATE_VERSION = 1

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
WORKER_SCOPE = "com.cloudflare.api.account.worker"

PG_CREATED = "2020-07-06T12:19:13.099114Z"
PG_MODIFIED = "2020-10-13T11:18:00.208228Z"
DEMO_CREATED = "2024-03-11T09:15:42.123456Z"
DEMO_MODIFIED = "2024-03-11T09:15:42.123456Z"


def hid(*parts) -> str:
    """Deterministic 32-hex id from names."""
    return hashlib.md5(":".join(str(p) for p in parts).encode()).hexdigest()


# (name, label, scope, description)
PERMISSION_GROUPS = [
    ("Super Administrator - All Privileges", "super_admin", ACCOUNT_SCOPE,
     "Can edit any Cloudflare setting, make purchases, update billing, and manage memberships."),
    ("Administrator", "admin", ACCOUNT_SCOPE,
     "Can access the full account, except for membership management and billing."),
    ("Administrator Read Only", "admin_readonly", ACCOUNT_SCOPE,
     "Can access the full account in read-only mode."),
    ("Analytics", "analytics", ACCOUNT_SCOPE, "Can read Analytics."),
    ("API Gateway", "api_gateway", ACCOUNT_SCOPE, "Grants full access to API Gateway."),
    ("Audit Logs Viewer", "audit_logs_viewer", ACCOUNT_SCOPE, "Can view Audit Logs."),
    ("Billing", "billing", ACCOUNT_SCOPE, "Can edit the account's billing profile and subscriptions."),
    ("Bot Management (Account-wide)", "bot_management", ACCOUNT_SCOPE,
     "Can edit Bot Management settings for all zones."),
    ("Cache Purge", "cache_purge", ACCOUNT_SCOPE, "Can purge the edge cache."),
    ("Cloudflare Access", "access", ACCOUNT_SCOPE, "Can edit Cloudflare Access policies."),
    ("Cloudflare Gateway", "gateway", ACCOUNT_SCOPE, "Can edit Cloudflare Gateway and read Access."),
    ("Cloudflare Images", "images", ACCOUNT_SCOPE, "Can edit Cloudflare Images assets."),
    ("Cloudflare R2 Admin", "r2_admin", ACCOUNT_SCOPE, "Can edit R2 buckets, objects, and associated settings."),
    ("Cloudflare R2 Read", "r2_read", ACCOUNT_SCOPE, "Can read R2 buckets, objects, and associated settings."),
    ("Cloudflare Stream", "stream", ACCOUNT_SCOPE, "Can edit Cloudflare Stream media."),
    ("Cloudflare Workers Admin", "workers_admin", ACCOUNT_SCOPE,
     "Can edit Cloudflare Workers, KV, Durable Objects and related services."),
    ("Cloudflare Zero Trust", "zero_trust", ACCOUNT_SCOPE, "Can edit Cloudflare Zero Trust."),
    ("Cloudflare Zero Trust Read Only", "zero_trust_readonly", ACCOUNT_SCOPE,
     "Can access Cloudflare Zero Trust in read-only mode."),
    ("Cloudflare Zero Trust Reporting", "zero_trust_reporting", ACCOUNT_SCOPE,
     "Can access Cloudflare Zero Trust reporting data."),
    ("DNS", "dns", ACCOUNT_SCOPE, "Can edit DNS records."),
    ("Email Security Analyst", "email_security_analyst", ACCOUNT_SCOPE,
     "Can read Email Security detections and take actions."),
    ("Firewall", "firewall", ACCOUNT_SCOPE, "Can edit WAF, IP Firewall, and Zone Lockdown settings."),
    ("HTTP Applications", "http_applications", ACCOUNT_SCOPE, "Can edit HTTP Applications."),
    ("Load Balancer", "load_balancer", ACCOUNT_SCOPE, "Can edit Load Balancers, Pools, Origins, and Health Checks."),
    ("Log Share", "log_share", ACCOUNT_SCOPE, "Can edit Log Share configuration."),
    ("Log Share Reader", "log_share_reader", ACCOUNT_SCOPE, "Can read Enterprise Log Share."),
    ("Magic Network Monitoring", "magic_network_monitoring", ACCOUNT_SCOPE,
     "Can edit Magic Network Monitoring configuration."),
    ("Minimal Account Access", "minimal_account_access", ACCOUNT_SCOPE,
     "Can view account, and nothing else."),
    ("Page Shield", "page_shield", ACCOUNT_SCOPE, "Grants write access to Page Shield across the whole account."),
    ("Page Shield Read", "page_shield_read", ACCOUNT_SCOPE,
     "Grants read access to Page Shield across the whole account."),
    ("SSL/TLS, Caching, Performance, Page Rules, and Customization", "ssl_tls_caching_performance",
     ACCOUNT_SCOPE, "Can edit most Cloudflare settings except for DNS and Firewall."),
    ("Trust and Safety", "trust_and_safety", ACCOUNT_SCOPE, "Can view and request reviews for blocks."),
    ("Turnstile", "turnstile", ACCOUNT_SCOPE, "Grants access to Turnstile."),
    ("Turnstile Read", "turnstile_read", ACCOUNT_SCOPE, "Grants read access to Turnstile."),
    ("Waiting Room Admin", "waiting_room_admin", ACCOUNT_SCOPE, "Can edit Waiting Room configuration."),
    ("Zaraz Admin", "zaraz_admin", ACCOUNT_SCOPE, "Can edit Zaraz configuration."),
    ("Zaraz Edit", "zaraz_edit", ACCOUNT_SCOPE, "Can edit Zaraz configuration in preview mode."),
    ("Zaraz Readonly", "zaraz_readonly", ACCOUNT_SCOPE, "Can read Zaraz configuration."),
    ("Domain Administrator", "domain_admin", ZONE_SCOPE,
     "Can access the full domain, except for membership management and billing."),
    ("Domain Administrator Read Only", "domain_admin_readonly", ZONE_SCOPE,
     "Can access the full domain in read-only mode."),
    ("Domain Analytics", "domain_analytics", ZONE_SCOPE, "Can read domain Analytics."),
    ("Domain API Gateway", "domain_api_gateway", ZONE_SCOPE, "Grants full access to API Gateway for domain."),
    ("Domain Bot Management", "domain_bot_management", ZONE_SCOPE, "Can edit Bot Management settings for domain."),
    ("Domain Cache Purge", "domain_cache_purge", ZONE_SCOPE, "Can purge the edge cache for domain."),
    ("Domain DNS", "domain_dns", ZONE_SCOPE, "Can edit DNS records for domain."),
    ("Domain Firewall", "domain_firewall", ZONE_SCOPE, "Can edit WAF, IP Firewall, and Zone Lockdown settings for domain."),
    ("Domain Load Balancer", "domain_load_balancer", ZONE_SCOPE, "Can edit Load Balancers for domain."),
    ("Domain Page Shield", "domain_page_shield", ZONE_SCOPE, "Grants write access to Page Shield for domain"),
    ("Domain Page Shield Read", "domain_page_shield_read", ZONE_SCOPE, "Grants read access to Page Shield for domain"),
    ("Domain SSL and Certificates", "domain_ssl_and_certificates", ZONE_SCOPE,
     "Can edit SSL/TLS settings and certificates for domain."),
    ("Domain Waiting Room Admin", "domain_waiting_room_admin", ZONE_SCOPE, "Can edit Waiting Rooms for domain."),
    ("Domain Zaraz Admin", "domain_zaraz_admin", ZONE_SCOPE, "Can edit Zaraz configuration for domain."),
]

# Added to the catalogue after PERMISSION_GROUPS; not used by the generators (so
# generated_state() stays what it was).  (name, label, scope, description, extra meta)
# Names and descriptions of the Workers roles are Cloudflare's (roles.mdx,
# per-resource-permissions.mdx); labels and the meta.scopes value of the per-Worker
# roles are not documented and are the emulator's guess.  Which roles Cloudflare
# deprecates is not documented either: the two deprecated roles are examples.
EXTRA_PERMISSION_GROUPS = [
    ("Workers Platform Admin", "workers_platform_admin", ACCOUNT_SCOPE,
     "Grants edit and read access to all products typically used as part of Cloudflare's Developer Platform.", {}),
    ("Workers Platform (Read-only)", "workers_platform_read_only", ACCOUNT_SCOPE,
     "Grants read-only access to all products typically used as part of Cloudflare's Developer Platform.", {}),
    ("Worker Admin", "worker_admin", WORKER_SCOPE,
     "Can manage a single Cloudflare Worker resource. Grants full read, edit, deploy, and delete access.", {}),
    ("Worker Edit (Versions & Deployments)", "worker_edit", WORKER_SCOPE,
     "Can update a single Cloudflare Worker resource. Grants access to create new versions and deployments.", {}),
    ("Worker Read", "worker_read", WORKER_SCOPE,
     "Can read a single Cloudflare Worker resource.", {}),
    ("Workers Platform Metadata (Read-only)", "workers_platform_metadata_read_only", ACCOUNT_SCOPE,
     "Legacy role, replaced by Metadata Read-Only at the Developer Platform scope.",
     {"deprecated": "true", "eol_at": "2027-06-30T00:00:00Z"}),
    ("Domain Zaraz Read (legacy)", "domain_zaraz_read_legacy", ZONE_SCOPE,
     "Legacy role: can read Zaraz configuration for domain.",
     {"deprecated": "true", "eol_at": "2026-12-31T00:00:00Z"}),
]

DEMO_PEOPLE = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    "wendy", "xavier", "yvonne", "zoe", "quentin", "uma",
]
DEMO_PENDING = {"xavier", "yvonne", "zoe", "quentin", "uma"}
DEMO_ZONES = ["example.com", "example.net", "example.org", "shop.example.com", "internal.example.dev"]
DEMO_SCIM_GROUP = "Okta Contractors"
DEMO_SCIM_MEMBERS = ["trent@example.com", "victor@example.com"]
DEMO_RESOURCE_GROUP = "Production zones"
DEMO_RESOURCE_GROUP_ZONES = ["example.com", "example.net"]
DEMO_WORKERS = ["payment-service", "auth-gateway", "api-v1", "api-v2"]


def _permission_groups():
    out = []
    for name, label, scope, desc, extra in [row + ({},) for row in PERMISSION_GROUPS] + EXTRA_PERMISSION_GROUPS:
        meta = {"description": desc, "editable": "false", "label": label, "scopes": scope}
        meta.update(extra)
        out.append({"id": hid("permission_group", label), "name": name, "meta": meta,
                    "created_on": PG_CREATED, "modified_on": PG_MODIFIED})
    return out


def _sid(salt, *parts):
    """hid(*parts), salted when ``salt`` is set (several accounts in one state)."""
    return hid(salt, *parts) if salt else hid(*parts)


def _member(email, first, last, status="accepted", tfa=False, salt=""):
    return {
        "id": _sid(salt, "member", email),
        "email": email,
        "status": status,
        "created_on": DEMO_CREATED,
        "user": {
            "id": hid("user", email),
            "email": email,
            "first_name": first,
            "last_name": last,
            "two_factor_authentication_enabled": tfa,
        },
    }


def _zone(name, status="active", salt=""):
    return {
        "id": _sid(salt, "zone", name),
        "name": name,
        "status": status,
        "type": "full",
        "created_on": "2023-01-15T10:00:00.000000Z",
        "modified_on": "2024-01-15T10:00:00.000000Z",
        "activated_on": "2023-01-15T10:05:00.000000Z",
    }


def _base(account_id, account_name):
    return {
        "version": STATE_VERSION,
        "seed": 0,
        "account": {"id": account_id, "name": account_name},
        "permission_groups": _permission_groups(),
        "members": [],
        "zones": [],
        "resource_groups": [],
        "user_groups": [],
    }


def _zone_key(zone_id):
    return f"{ZONE_SCOPE}.{zone_id}"


def demo_state(account_id: str = DEFAULT_ACCOUNT_ID, account_name: str = DEFAULT_ACCOUNT_NAME) -> dict:
    st = _base(account_id, account_name)
    for i, p in enumerate(DEMO_PEOPLE):
        st["members"].append(_member(
            f"{p}@example.com", p.capitalize(), "Example",
            status="pending" if p in DEMO_PENDING else "accepted", tfa=(i % 3 == 0)))
    st["zones"] = [_zone(z) for z in DEMO_ZONES]
    st["resource_groups"].append({
        "id": hid("resource_group", DEMO_RESOURCE_GROUP),
        "name": DEMO_RESOURCE_GROUP,
        "anonymous": False,
        "meta": {"editable": "true"},
        "scope": {
            "key": f"{ACCOUNT_SCOPE}.{account_id}",
            "objects": [{"key": _zone_key(hid("zone", z))} for z in DEMO_RESOURCE_GROUP_ZONES],
        },
        "created_on": DEMO_CREATED,
        "modified_on": DEMO_MODIFIED,
    })
    st["workers"] = [{"id": hid("worker", w), "name": w, "created_on": DEMO_CREATED} for w in DEMO_WORKERS]
    st["user_groups"].append({
        "id": hid("user_group", DEMO_SCIM_GROUP),
        "name": DEMO_SCIM_GROUP,
        "scim": True,
        "created_on": "2025-01-16T20:43:01.019311Z",
        "modified_on": "2025-01-16T20:43:01.019311Z",
        "policies": [],
        "members": [{"id": hid("member", e), "created_at": "2025-01-16T20:43:01.019311Z"}
                    for e in DEMO_SCIM_MEMBERS],
    })
    return st


# ---------------------------------------------------------------- generated

def _tree(n_groups, depth):
    """Return list of segment paths (tuples of ints) in BFS order."""
    if n_groups <= 0:
        return []
    depth = max(1, depth)
    b = 1
    while sum(b ** k for k in range(1, depth + 1)) < n_groups:
        b += 1
    nodes, level = [], [()]
    for _level in range(depth):
        nxt = [p + (i,) for p in level for i in range(1, b + 1)]
        nodes.extend(nxt)
        level = nxt
        if len(nodes) >= n_groups:
            break
    return nodes[:n_groups]


_LEVEL_WORDS = ["Department", "Team", "Squad", "Unit", "Cell"]


def _segment(path):
    word = _LEVEL_WORDS[min(len(path), len(_LEVEL_WORDS)) - 1]
    return f"{word} " + "-".join(f"{i:02d}" for i in path)


def _full_name(path):
    return " / ".join(_segment(path[:k]) for k in range(1, len(path) + 1))


def _plan(n_groups, n_members, depth, members_per_group, policies_per_group, seed, n_zones,
          zone_domain="example.com"):
    rng = random.Random(seed)
    emails = [f"user{i:05d}@example.com" for i in range(1, n_members + 1)]
    zones = [f"zone{i:03d}.{zone_domain}" for i in range(1, n_zones + 1)]
    account_pgs = [(lbl, name) for name, lbl, sc, _desc in PERMISSION_GROUPS if sc == ACCOUNT_SCOPE and lbl != "super_admin"]
    zone_pgs = [(lbl, name) for name, lbl, sc, _desc in PERMISSION_GROUPS if sc == ZONE_SCOPE]
    groups = []
    for path in _tree(n_groups, depth):
        members = sorted(rng.sample(emails, min(members_per_group, len(emails))))
        policies = []
        for k in range(policies_per_group):
            if k % 2 == 0 or not zones:
                lbls = sorted({rng.choice(account_pgs)[0] for _pick in range(rng.randint(1, 2))})
                policies.append({"access": "allow", "permission_groups": lbls})
            else:
                lbls = sorted({rng.choice(zone_pgs)[0] for _pick in range(rng.randint(1, 2))})
                zs = sorted(rng.sample(zones, min(len(zones), rng.randint(1, 3))))
                policies.append({"access": "allow", "permission_groups": lbls, "zones": zs})
        groups.append({"path": path, "name": _full_name(path), "segment": _segment(path),
                       "members": members, "policies": policies})
    return emails, zones, groups


def generated_state(n_groups: int = 100, n_members: int = 1000, depth: int = 3, members_per_group: int = 10,
                    policies_per_group: int = 2, seed: int = 0, with_groups: bool = True, n_zones: int = 10,
                    account_id: str = DEFAULT_ACCOUNT_ID, account_name: str = "Generated Account",
                    id_salt: str = "", zone_domain: str = "example.com") -> dict:
    """A large account.  ``id_salt`` salts every id (used by multi_account_state so that
    ids differ between accounts); ``zone_domain`` is the zones' parent domain."""
    emails, zones, groups = _plan(n_groups, n_members, depth, members_per_group, policies_per_group, seed, n_zones,
                                  zone_domain)
    st = _base(account_id, account_name)
    st["seed"] = seed
    for i, e in enumerate(emails, 1):
        st["members"].append(_member(e, "User", f"{i:05d}", salt=id_salt))
    st["zones"] = [_zone(z, salt=id_salt) for z in zones]
    if not with_groups:
        return st
    pg_by_label = {pg["meta"]["label"]: pg for pg in st["permission_groups"]}
    acct_key = f"{ACCOUNT_SCOPE}.{account_id}"
    for g in groups:
        gid = _sid(id_salt, "user_group", g["name"])
        pols = []
        for n, p in enumerate(g["policies"]):
            rg_id = _sid(id_salt, "anon_rg", g["name"], n)
            objs = ([{"key": _zone_key(_sid(id_salt, "zone", z))} for z in p["zones"]] if p.get("zones")
                    else [{"key": "*"}])
            st["resource_groups"].append({
                "id": rg_id, "name": acct_key, "anonymous": True, "meta": {"editable": "false"},
                "scope": {"key": acct_key, "objects": objs},
                "created_on": DEMO_CREATED, "modified_on": DEMO_MODIFIED})
            pols.append({
                "id": _sid(id_salt, "policy", g["name"], n), "access": p["access"],
                "permission_groups": [pg_by_label[lbl]["id"] for lbl in p["permission_groups"]],
                "resource_groups": [rg_id], "created_on": DEMO_CREATED, "modified_on": DEMO_MODIFIED})
        st["user_groups"].append({
            "id": gid, "name": g["name"], "scim": False, "created_on": DEMO_CREATED, "modified_on": DEMO_MODIFIED,
            "policies": pols,
            "members": [{"id": _sid(id_salt, "member", e), "created_at": DEMO_CREATED} for e in g["members"]]})
    return st


def generated_declaration(n_groups: int = 100, n_members: int = 1000, depth: int = 3, members_per_group: int = 10,
                          policies_per_group: int = 2, seed: int = 0, n_zones: int = 10,
                          full_names: bool = True, zone_domain: str = "example.com", **_ignored) -> list:
    """Nested desired-state declaration matching ``generated_state`` (same args)."""
    _emails, _zones, groups = _plan(n_groups, n_members, depth, members_per_group, policies_per_group, seed, n_zones,
                                    zone_domain)
    by_path = {}
    roots = []
    for g in groups:
        node = {"name": g["name"] if full_names else g["segment"], "full_name": g["name"],
                "segment": g["segment"], "members": list(g["members"]),
                "policies": [dict(p) for p in g["policies"]], "children": []}
        by_path[g["path"]] = node
        parent = by_path.get(g["path"][:-1])
        (parent["children"] if parent else roots).append(node)
    return roots


def generated_group_names(n_groups: int = 100, depth: int = 3) -> list:
    return [_full_name(p) for p in _tree(n_groups, depth)]


# ---------------------------------------------------------------- several accounts

def account_ids(n_accounts: int) -> list:
    """Ids of ``multi_account_state``'s accounts: the default account first."""
    return [DEFAULT_ACCOUNT_ID] + [hid("account", k) for k in range(1, n_accounts)]


def _account_params(k, seed):
    if k == 0:
        return {"account_id": DEFAULT_ACCOUNT_ID, "account_name": "Account 00", "id_salt": "",
                "zone_domain": "example.com", "seed": seed}
    aid = hid("account", k)
    return {"account_id": aid, "account_name": f"Account {k:02d}", "id_salt": aid,
            "zone_domain": f"a{k:02d}.example.com", "seed": seed + k}


def multi_account_state(n_accounts: int = 3, n_groups: int = 10, n_members: int = 50, depth: int = 2,
                        members_per_group: int = 5, policies_per_group: int = 2, seed: int = 0,
                        with_groups: bool = True, n_zones: int = 5) -> dict:
    """``n_accounts`` accounts of ``n_groups`` groups each, in the multi-account state form.

    The permission-group catalogue is shared; every account has its own members (same
    people, account-specific membership ids), zones, resource groups and user groups.
    """
    accounts = []
    for k in range(n_accounts):
        p = _account_params(k, seed)
        st = generated_state(n_groups=n_groups, n_members=n_members, depth=depth, members_per_group=members_per_group,
                             policies_per_group=policies_per_group, with_groups=with_groups, n_zones=n_zones, **p)
        st["account"].update({"type": "standard" if k else "enterprise",
                              "created_on": f"2023-0{1 + k % 9}-15T10:00:00.000000Z"})
        accounts.append({key: st[key] for key in ("account", "members", "zones", "resource_groups", "user_groups")})
    return {"version": 2, "seed": seed, "default_account": DEFAULT_ACCOUNT_ID,
            "permission_groups": _permission_groups(), "accounts": accounts}


def multi_account_declaration(k: int, n_groups: int = 10, n_members: int = 50, depth: int = 2,
                              members_per_group: int = 5, policies_per_group: int = 2, seed: int = 0,
                              n_zones: int = 5, full_names: bool = True, **_ignored) -> list:
    """The declaration matching account ``k`` of ``multi_account_state`` (same arguments)."""
    p = _account_params(k, seed)
    return generated_declaration(n_groups=n_groups, n_members=n_members, depth=depth,
                                 members_per_group=members_per_group, policies_per_group=policies_per_group,
                                 seed=p["seed"], n_zones=n_zones, full_names=full_names,
                                 zone_domain=p["zone_domain"])


# ---------------------------------------------------------------- named accounts (playbooks/multi_account)

# (name, type, zones); the first is the emulator's default account. The example's inventory
# (playbooks/multi_account/accounts.cloudflare_accounts.yml) takes the "Acme" ones and leaves out Globex Shared.
ACME_ACCOUNTS = [
    ("Acme Production", "enterprise", ["example.com", "example.net"]),
    ("Acme Staging", "standard", ["staging.example.com"]),
    ("Acme Sandbox", "standard", ["sandbox.example.com"]),
    ("Globex Shared", "standard", ["globex.example"]),
]


def example_account_id(k: int) -> str:
    """Id of account ``k`` of ``accounts_state``: the default account first."""
    return DEFAULT_ACCOUNT_ID if k == 0 else hid("example account", k)


def accounts_state(accounts, scim_in_first: bool = True) -> dict:
    """A multi-account state: ``accounts`` = [(name, type, zones, ...)], demo people in each, no user groups
    except the SCIM group ``DEMO_SCIM_GROUP`` (trent, victor) in the first when ``scim_in_first``."""
    out = []
    for k, spec in enumerate(accounts):
        name, kind, zones = spec[0], spec[1], spec[2]
        aid = example_account_id(k)
        salt = "" if k == 0 else aid
        members = []
        for i, person in enumerate(DEMO_PEOPLE):
            members.append(_member(f"{person}@example.com", person.capitalize(), "Example",
                                   status="pending" if person in DEMO_PENDING else "accepted", tfa=(i % 3 == 0),
                                   salt=salt))
        groups = []
        if k == 0 and scim_in_first:
            groups.append({"id": hid("user_group", DEMO_SCIM_GROUP), "name": DEMO_SCIM_GROUP, "scim": True,
                           "created_on": "2025-01-16T20:43:01.019311Z", "modified_on": "2025-01-16T20:43:01.019311Z",
                           "policies": [],
                           "members": [{"id": _sid(salt, "member", email), "created_at": "2025-01-16T20:43:01.019311Z"}
                                       for email in DEMO_SCIM_MEMBERS]})
        out.append({"account": {"id": aid, "name": name, "type": kind,
                                "created_on": "2023-0%d-15T10:00:00.000000Z" % (1 + k % 9)},
                    "members": members,
                    "zones": [_zone(z, salt=salt) for z in zones],
                    "resource_groups": [], "user_groups": groups})
    return {"version": 2, "seed": 0, "default_account": example_account_id(0),
            "permission_groups": _permission_groups(), "accounts": out}
