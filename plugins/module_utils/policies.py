# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Permission policies: validation, resolution, canonical form, request bodies and readable views.

A policy is compared through its *signature*: access, the set of permission
group ids and the set of resource-group signatures, where a resource group is
either a reference to a named resource group (``("rg", id)``) or an inline
scope (``("scope", key, sorted object keys)``). Policy ids, ``status``,
timestamps and ``meta`` are ignored, and so is every order: Cloudflare
regenerates policy ids on each PUT and does not keep list order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import (
    ACCOUNT_SCOPE,
    ZONE_OBJECT_PREFIX,
    ZONE_SCOPE,
    ResolutionError,
    is_id,
    pg_label,
    pg_scopes,
    suggest,
)

ACCESS_VALUES = ("allow", "deny")
POLICY_KEYS = ("access", "permission_groups", "zones", "resource_groups", "scope")
TARGET_KEYS = ("zones", "resource_groups", "scope")

# The argument spec of a policy item, shared by every module that takes policies. Deliberately lenient
# (no choices, nothing required): validate_policy_items checks every item and reports every problem of
# every item at once, where the argument spec would stop at the first one.
POLICY_OPTIONS = dict(
    access=dict(type="str", default="allow"),
    permission_groups=dict(type="list", elements="str"),
    zones=dict(type="list", elements="str"),
    resource_groups=dict(type="list", elements="str"),
    scope=dict(type="dict"),
)


def clean_policy_items(items):
    """Policy items with None-valued keys dropped (the argument spec and Jinja fill in explicit nulls)."""
    if items is None:
        return None
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(dict((k, v) for k, v in item.items() if v is not None))
        else:
            out.append(item)
    return out


def account_scope_key(account_id):
    return "%s.%s" % (ACCOUNT_SCOPE, account_id)


def _object_keys(objects):
    keys = []
    for obj in objects or []:
        if isinstance(obj, dict):
            keys.append(obj.get("key"))
        else:
            keys.append(obj)
    return keys


def _scopes_of(rg):
    """A resource group's scopes as a list (old API versions return an array)."""
    scope = rg.get("scope")
    if isinstance(scope, list):
        return [s for s in scope if isinstance(s, dict)]
    if isinstance(scope, dict):
        return [scope]
    return []


def scope_signature(key, objects):
    return ("scope", key, tuple(sorted(set(_object_keys(objects)))))


def signature_to_json(sig):
    return json.dumps([sig[0], sig[1], sorted(sig[2])], sort_keys=True)


def policy_signature(access, pg_ids, rg_sigs):
    return (access, tuple(sorted(set(pg_ids))), tuple(sorted(set(rg_sigs), key=json.dumps)))


# --------------------------------------------------------------------------- validation
def validate_policy_items(items, where="policies"):
    """Shape problems of user-supplied policy items (no API call). Returns a list of strings."""
    problems = []
    if items is None:
        return problems
    if not isinstance(items, list):
        return ["%s must be a list of policies, got %s" % (where, type(items).__name__)]
    for index, item in enumerate(items):
        label = "%s[%d]" % (where, index)
        if not isinstance(item, dict):
            problems.append("%s must be a dictionary, got %s" % (label, type(item).__name__))
            continue
        unknown = sorted(set(item) - set(POLICY_KEYS))
        if unknown:
            problems.append("%s has unknown keys %s (allowed: %s)" % (label, ", ".join(unknown), ", ".join(POLICY_KEYS)))
        access = item.get("access", "allow")
        if not isinstance(access, str) or access.lower() not in ACCESS_VALUES:
            problems.append("%s access must be allow or deny, got %r" % (label, access))
        pgs = item.get("permission_groups")
        if not isinstance(pgs, list) or not pgs:
            problems.append("%s permission_groups must be a non-empty list of permission group names, labels or ids"
                            % label)
        elif any(not isinstance(p, str) or not p.strip() for p in pgs):
            problems.append("%s permission_groups items must be non-empty strings" % label)
        targets = [k for k in TARGET_KEYS if item.get(k) is not None]
        if len(targets) > 1:
            problems.append("%s sets %s: give at most one of zones, resource_groups, scope" % (label, " and ".join(targets)))
        for key in ("zones", "resource_groups"):
            value = item.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not value:
                problems.append("%s %s must be a non-empty list" % (label, key))
            elif any(not isinstance(v, str) or not v.strip() for v in value):
                problems.append("%s %s items must be non-empty strings" % (label, key))
        scope = item.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or not isinstance(scope.get("key"), str) or not scope.get("key"):
                problems.append("%s scope must be a dictionary with a key (e.g. com.cloudflare.api.account.<id>) and "
                                "objects" % label)
            else:
                objects = scope.get("objects")
                if not isinstance(objects, list) or not objects:
                    problems.append("%s scope.objects must be a non-empty list (Cloudflare: The number of Scope "
                                    "objects should not be zero)" % label)
                elif any(not isinstance(k, str) or not k for k in _object_keys(objects)):
                    problems.append("%s scope.objects must be strings or {key: string} items" % label)
    return problems


# --------------------------------------------------------------------------- resolution
class DesiredPolicy(object):
    """A resolved policy: what to send and what to compare."""

    def __init__(self, access, permission_groups, resource_groups, source_index=None, target=None):
        self.access = access
        self.permission_groups = permission_groups  # list of permission-group dicts (at least an id)
        self.resource_groups = resource_groups  # list of dicts: {"id", "name", "scope"} or {"scope"}
        self.source_index = source_index
        # How the user gave the target, with ids: {"zones": [ids]}, {"resource_groups": [ids]},
        # {"scope": {...}} or {} for the whole account.
        self.target = target or {}

    def item(self):
        """The policy as a user policy item that names everything by id (for verify_ids=false calls)."""
        item = {"access": self.access, "permission_groups": [pg["id"] for pg in self.permission_groups]}
        item.update(self.target)
        return item

    def rg_signatures(self):
        sigs = []
        for rg in self.resource_groups:
            if rg.get("id"):
                sigs.append(("rg", rg["id"]))
            else:
                sigs.append(scope_signature(rg["scope"]["key"], rg["scope"]["objects"]))
        return sigs

    def signature(self):
        return policy_signature(self.access, [pg["id"] for pg in self.permission_groups], self.rg_signatures())

    def body(self):
        resource_groups = []
        for rg in self.resource_groups:
            if rg.get("id"):
                resource_groups.append({"id": rg["id"]})
            else:
                resource_groups.append({"scope": {"key": rg["scope"]["key"],
                                                  "objects": [{"key": k} for k in sorted(set(_object_keys(rg["scope"]["objects"])))]}})
        return {"access": self.access,
                "permission_groups": [{"id": pg["id"]} for pg in self.permission_groups],
                "resource_groups": resource_groups}

    def as_api_policy(self):
        """The policy as the API would return it (used to predict results in check mode)."""
        rgs = []
        for rg in self.resource_groups:
            entry = {"scope": {"key": rg["scope"]["key"], "objects": [{"key": k} for k in _object_keys(rg["scope"]["objects"])]}}
            if rg.get("id"):
                entry["id"] = rg["id"]
                entry["name"] = rg.get("name")
            rgs.append(entry)
        return {"access": self.access, "permission_groups": list(self.permission_groups), "resource_groups": rgs}


def _scope_kind(scope, account_id):
    """'account', 'zones' or None (a scope this collection cannot classify, e.g. Workers)."""
    keys = _object_keys(scope.get("objects"))
    if scope.get("key") == account_scope_key(account_id) and keys == ["*"]:
        return "account"
    if keys and all(isinstance(k, str) and k.startswith(ZONE_OBJECT_PREFIX) for k in keys):
        return "zones"
    if (scope.get("key") or "").startswith(ZONE_OBJECT_PREFIX) and keys == ["*"]:
        return "zones"
    return None


def _check_compatibility(label, pgs, scopes, account_id):
    problems = []
    for scope in scopes:
        kind = _scope_kind(scope, account_id)
        if kind is None:
            continue
        needed = ACCOUNT_SCOPE if kind == "account" else ZONE_SCOPE
        for pg in pgs:
            fits = pg_scopes(pg)
            if not fits or needed in fits:
                continue
            if kind == "account":
                problems.append(
                    "%s: permission group '%s' (%s) applies to %s, not to the whole account; give the policy zones "
                    "or a resource group of zones, or choose an account role" % (
                        label, pg.get("name"), pg_label(pg), ", ".join(fits)))
            else:
                problems.append(
                    "%s: permission group '%s' (%s) applies to %s, not to individual zones; remove zones/resource_groups "
                    "to grant it on the whole account, or choose a domain role (e.g. a 'Domain ...' role)" % (
                        label, pg.get("name"), pg_label(pg), ", ".join(fits)))
    return problems


def resolve_policies(items, lookups, account_id, verify=True, where="policies"):
    """Turn user policy items into DesiredPolicy objects, resolving every name.

    Every problem (shape, unknown permission group / zone / resource group,
    role that cannot apply to the scope) is collected and raised at once as a
    ResolutionError, before anything is written.
    """
    problems = validate_policy_items(items, where)
    if problems and not isinstance(items, list):
        raise ResolutionError(problems)
    # Items with shape problems are skipped; the names in the others are still resolved, so that one
    # run reports every problem.
    valid = [(index, item) for index, item in enumerate(items or []) if not validate_policy_items([item])]
    # With verify=False zone ids are trusted as given: only names need the zone listing.
    zone_refs = [z for _index, item in valid for z in (item.get("zones") or []) if verify or not is_id(z.strip())]
    if zone_refs:
        lookups.prefetch_zones(zone_refs)
    desired = []
    for index, item in valid:
        label = "%s[%d]" % (where, index)
        pgs = []
        for ref in item["permission_groups"]:
            ref = ref.strip()
            if not verify and is_id(ref):
                pg = lookups.describe_permission_group(ref) or {"id": ref}
            else:
                pg = lookups.find_permission_group(ref)
            if pg is None:
                problems.append("%s: unknown permission group '%s'%s" % (
                    label, ref, suggest(ref, lookups.permission_group_names())))
            elif pg["id"] not in [p["id"] for p in pgs]:
                pgs.append(pg)
        rgs = []
        target = {}
        if item.get("zones") is not None:
            objects = []
            for ref in item["zones"]:
                zone = lookups.find_zone(ref, verify=verify)
                if zone is None:
                    problems.append("%s: unknown zone '%s' in account %s%s" % (
                        label, ref, account_id, suggest(ref, lookups.zone_names())))
                else:
                    objects.append(ZONE_OBJECT_PREFIX + zone["id"])
            rgs.append({"scope": {"key": account_scope_key(account_id), "objects": sorted(set(objects))}})
            target = {"zones": sorted(set(o[len(ZONE_OBJECT_PREFIX):] for o in objects))}
        elif item.get("resource_groups") is not None:
            for ref in item["resource_groups"]:
                found = lookups.find_resource_group(ref)
                if isinstance(found, list):
                    problems.append("%s: resource group name '%s' is ambiguous, ids: %s" % (
                        label, ref, ", ".join(rg["id"] for rg in found)))
                elif found is None:
                    problems.append("%s: unknown resource group '%s'%s" % (
                        label, ref, suggest(ref, [rg.get("name") for rg in lookups.resource_groups()])))
                else:
                    rgs.append({"id": found["id"], "name": found.get("name"), "scope": (_scopes_of(found) or [{}])[0]})
            target = {"resource_groups": [rg["id"] for rg in rgs]}
        elif item.get("scope") is not None:
            scope = item["scope"]
            rgs.append({"scope": {"key": scope["key"], "objects": sorted(set(_object_keys(scope["objects"])))}})
            target = {"scope": rgs[-1]["scope"]}
        else:
            rgs.append({"scope": {"key": account_scope_key(account_id), "objects": ["*"]}})
        scopes = []
        for rg in rgs:
            scopes.extend([rg["scope"]] if rg.get("scope") else [])
        if pgs and all("meta" in pg for pg in pgs):
            problems.extend(_check_compatibility(label, pgs, scopes, account_id))
        desired.append(DesiredPolicy((item.get("access") or "allow").lower(), pgs, rgs, index, target))
    if problems:
        raise ResolutionError(problems)
    # The same policy twice is one policy.
    unique = []
    seen = set()
    for policy in desired:
        sig = policy.signature()
        if sig not in seen:
            seen.add(sig)
            unique.append(policy)
    return unique


# --------------------------------------------------------------------------- current policies
def _is_anonymous(rg):
    """Inline scopes create anonymous resource groups, named after their scope key (or unnamed)."""
    scopes = _scopes_of(rg)
    name = rg.get("name")
    return not rg.get("id") or not name or any(name == s.get("key") for s in scopes)


def current_signatures(policy, referenced_rg_ids=()):
    """Resource-group signatures of a policy returned by the API.

    A resource group whose id the desired side references compares by id;
    every other one compares by its scope (key + set of objects).
    """
    sigs = []
    for rg in policy.get("resource_groups") or []:
        if rg.get("id") and rg["id"] in referenced_rg_ids:
            sigs.append(("rg", rg["id"]))
            continue
        for scope in _scopes_of(rg):
            sigs.append(scope_signature(scope.get("key"), scope.get("objects")))
    return sigs


def current_policy_signature(policy, referenced_rg_ids=()):
    return policy_signature((policy.get("access") or "allow").lower(),
                            [pg.get("id") for pg in policy.get("permission_groups") or []],
                            current_signatures(policy, referenced_rg_ids))


def current_policy_body(policy, named_rg_ids=None):
    """Re-send an existing policy unchanged: named resource groups as ids, inline scopes as scopes."""
    resource_groups = []
    for rg in policy.get("resource_groups") or []:
        named = rg.get("id") and (rg["id"] in named_rg_ids if named_rg_ids is not None else not _is_anonymous(rg))
        if named:
            resource_groups.append({"id": rg["id"]})
        else:
            for scope in _scopes_of(rg):
                resource_groups.append({"scope": {"key": scope.get("key"),
                                                  "objects": [{"key": k} for k in sorted(set(_object_keys(scope.get("objects"))))]}})
    return {"access": (policy.get("access") or "allow").lower(),
            "permission_groups": [{"id": pg.get("id")} for pg in policy.get("permission_groups") or []],
            "resource_groups": resource_groups}


def needs_named_rg_listing(policies):
    """True when re-sending these policies needs to know which resource groups are named."""
    for policy in policies or []:
        for rg in policy.get("resource_groups") or []:
            if rg.get("id") and not _is_anonymous(rg):
                return True
    return False


class PolicyPlan(object):
    """The outcome of comparing desired policies with a group's current ones."""

    def __init__(self, changed, bodies, after_policies, added, removed):
        self.changed = changed
        self.bodies = bodies  # the full list to PUT when changed
        self.after_policies = after_policies  # API-shaped list predicting the result
        self.added = added
        self.removed = removed


def plan_policies(current, desired, state="present", exclusive=False, named_rg_ids=None):
    """Compare desired policies with current ones and compute the full list to PUT.

    ``state=present`` ensures each desired policy exists (``exclusive`` also
    removes every other one); ``state=absent`` removes each desired policy.
    Existing policies that stay are re-sent unchanged.
    """
    current = list(current or [])
    referenced = set(rg["id"] for p in desired for rg in p.resource_groups if rg.get("id"))
    cur_sigs = [current_policy_signature(p, referenced) for p in current]
    want = dict((p.signature(), p) for p in desired)
    bodies = []
    after = []
    added = []
    removed = []
    if state == "absent":
        for policy, sig in zip(current, cur_sigs):
            if sig in want:
                removed.append(policy)
            else:
                bodies.append(current_policy_body(policy, named_rg_ids))
                after.append(policy)
    else:
        kept = set()
        for policy, sig in zip(current, cur_sigs):
            if sig in want:
                if sig in kept:
                    removed.append(policy)  # a duplicate of a kept policy
                    continue
                kept.add(sig)
                bodies.append(current_policy_body(policy, named_rg_ids))
                after.append(policy)
            elif exclusive:
                removed.append(policy)
            else:
                bodies.append(current_policy_body(policy, named_rg_ids))
                after.append(policy)
        for sig, policy in want.items():
            if sig not in kept:
                added.append(policy)
                bodies.append(policy.body())
                after.append(policy.as_api_policy())
    return PolicyPlan(bool(added or removed), bodies, after, added, removed)


# --------------------------------------------------------------------------- readable views
def normalize_policy(policy, lookups=None, account_id=None):
    """A readable, canonical view of an API policy: ids that the API regenerates are left out.

    ``{"access", "permission_groups": [{"id", "name", "label"}], "resource_groups":
    [{"id"?, "name"?, "scope": {"key", "objects"}, "zones"?}], "target"}``
    """
    pgs = []
    for pg in policy.get("permission_groups") or []:
        known = (lookups.describe_permission_group(pg.get("id")) if lookups is not None else None) or pg
        pgs.append({"id": pg.get("id"), "name": known.get("name") or pg.get("name"),
                    "label": pg_label(known) or pg_label(pg)})
    pgs.sort(key=lambda p: (p.get("name") or "", p.get("id") or ""))
    rgs = []
    kinds = set()
    for rg in policy.get("resource_groups") or []:
        anonymous = _is_anonymous(rg)
        for scope in _scopes_of(rg) or [{}]:
            objects = sorted(set(_object_keys(scope.get("objects"))))
            entry = {"scope": {"key": scope.get("key"), "objects": objects}}
            if not anonymous:
                entry["id"] = rg.get("id")
                entry["name"] = rg.get("name")
                kinds.add("resource_groups")
            kind = _scope_kind(entry["scope"], account_id) if account_id else None
            if kind == "zones":
                zone_ids = [k[len(ZONE_OBJECT_PREFIX):] for k in objects if k.startswith(ZONE_OBJECT_PREFIX)]
                if not zone_ids and (scope.get("key") or "").startswith(ZONE_OBJECT_PREFIX):
                    zone_ids = [scope["key"][len(ZONE_OBJECT_PREFIX):]]
                entry["zones"] = sorted((lookups.zone_name(z) if lookups is not None else None) or z for z in zone_ids)
            if anonymous:
                kinds.add(kind or "scope")
            rgs.append(entry)
    rgs.sort(key=lambda r: json.dumps(r, sort_keys=True))
    target = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")
    return {"access": (policy.get("access") or "allow").lower(), "permission_groups": pgs,
            "resource_groups": rgs, "target": target}


def normalize_policies(policies, lookups=None, account_id=None):
    normalised = [normalize_policy(p, lookups, account_id) for p in policies or []]
    normalised.sort(key=lambda p: json.dumps(p, sort_keys=True))
    return normalised


def policy_zone_ids(policies):
    """Ids of the zones that API policies scope to (zone objects and single-zone scope keys)."""
    ids = set()
    for policy in policies or []:
        for rg in policy.get("resource_groups") or []:
            for scope in _scopes_of(rg):
                for key in _object_keys(scope.get("objects")):
                    if isinstance(key, str) and key.startswith(ZONE_OBJECT_PREFIX):
                        ids.add(key[len(ZONE_OBJECT_PREFIX):])
                key = scope.get("key") or ""
                if key.startswith(ZONE_OBJECT_PREFIX):
                    ids.add(key[len(ZONE_OBJECT_PREFIX):])
    return ids


def learn_zone_names(policies, lookups):
    """Read the zone listing (once per run) when a policy scopes to a zone whose name is not known yet.

    Lets ``normalize_policies`` show zone names instead of ids; sends no request when every name is known.
    """
    if any(lookups.zone_name(zone_id) is None for zone_id in policy_zone_ids(policies)):
        try:
            lookups.zones()
        except CloudflareAPIError:
            pass  # a token without Zone Read: zone ids are shown instead of names


def readable_policy(normalised):
    """A compact one-screen view for diffs: role names and scopes, no ids."""
    view = {"access": normalised["access"],
            "permission_groups": sorted(pg.get("name") or pg.get("id") for pg in normalised["permission_groups"])}
    target = normalised.get("target")
    rgs = normalised.get("resource_groups") or []
    if target == "account":
        view["scope"] = "account"
    elif target == "zones":
        view["zones"] = sorted(z for rg in rgs for z in rg.get("zones") or [])
    elif target == "resource_groups":
        view["resource_groups"] = sorted(rg.get("name") or rg.get("id") for rg in rgs)
    else:
        view["scope"] = [rg["scope"] for rg in rgs]
    return view


def readable_policies(normalised_policies):
    """Diff views of normalised policies, sorted by what they show so before and after line up."""
    return sorted((readable_policy(p) for p in normalised_policies or []), key=lambda v: json.dumps(v, sort_keys=True))


def policy_item_from_normalized(normalised):
    """A user-format policy item (as cf_user_group_policy and the role take) reproducing a policy."""
    item = {"access": normalised["access"],
            "permission_groups": sorted(pg.get("label") or pg.get("name") or pg.get("id")
                                        for pg in normalised["permission_groups"])}
    target = normalised.get("target")
    rgs = normalised.get("resource_groups") or []
    if target == "zones" and all(rg["scope"]["objects"] != ["*"] for rg in rgs):
        item["zones"] = sorted(z for rg in rgs for z in rg.get("zones") or [])
    elif target == "resource_groups":
        item["resource_groups"] = sorted(rg.get("name") or rg.get("id") for rg in rgs)
    elif target != "account":
        if len(rgs) == 1:
            item["scope"] = rgs[0]["scope"]
        # several inline scopes in one policy cannot be written with one item; keep the first
        elif rgs:
            item["scope"] = rgs[0]["scope"]
    return item
