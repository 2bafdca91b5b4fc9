# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Name resolution: what the user wrote (policy items, members, a resource group's scope) as model values.

Layer 5 of 9, names (the layer map: docs/development.md). It may import ``common`` and ``model``; it reads the
names through the ``catalogue.Catalogue`` it is handed (each listing at most once per task).

Input is parsed once, here, and every problem of every item is collected and raised at once as a
``ResolutionError`` before anything is written: shapes, unknown roles / zones / resource groups / members (each with
a suggestion), raw scopes of a form Cloudflare does not document, roles that cannot apply to their scope.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    ResolutionError,
    is_id,
    later_expiry,
    parse_date,
    pg_deprecation,
    pg_label,
    suggest,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    ACCOUNT,
    ACCOUNT_SCOPE,
    RESOURCE_OBJECT_PREFIXES,
    RESOURCES,
    ZONE_PREFIX,
    ZONES,
    Policy,
    ResourceGroupRef,
    Scope,
    account_key,
    object_keys,
    role_class,
    scopes_of,
    unique,
)

ACCESS_VALUES = ("allow", "deny")
KIND_LABELS = {ACCOUNT: "the whole account", ZONES: "individual zones", RESOURCES: "individual resources"}

POLICY_KEYS = ("access", "permission_groups", "zones", "resource_groups", "scope", "allow_unknown_scope", "expires")
MEMBER_KEYS = ("email", "id", "expires")

# The argument spec of a policy item, shared by every entry point that takes policies. Deliberately lenient
# (nothing required, no choices): parse_policies checks every item and reports every problem of every item
# at once, where the argument spec would stop at the first one.
POLICY_OPTIONS = dict(
    access=dict(type="str", default="allow"),
    permission_groups=dict(type="list", elements="str"),
    zones=dict(type="list", elements="str"),
    resource_groups=dict(type="list", elements="str"),
    scope=dict(type="raw"),
    allow_unknown_scope=dict(type="bool", default=False),
    # A date YYYY-MM-DD (text, or the date YAML reads); checked by parse_policies (common.parse_date).
    expires=dict(type="raw"),
)


# --------------------------------------------------------------------------- policies
def clean_items(items):
    """Policy items with None-valued keys dropped (the argument spec and Jinja fill in explicit nulls)."""
    if not isinstance(items, list):
        return items
    return [dict((k, v) for k, v in item.items() if v is not None) if isinstance(item, dict) else item
            for item in items]


def _shape_problems(item, label):
    """Problems of one item's shape that need no API call."""
    problems = []
    if not isinstance(item, dict):
        return ["%s must be a dictionary, got %s" % (label, type(item).__name__)]
    unknown = sorted(set(item) - set(POLICY_KEYS))
    if unknown:
        hints = [suggest(k, POLICY_KEYS) for k in unknown]
        problems.append("%s has unknown keys %s%s (allowed: %s)" % (label, ", ".join(unknown), "".join(hints),
                                                                    ", ".join(POLICY_KEYS)))
    access = item.get("access", "allow")
    if not isinstance(access, str) or access.strip().lower() not in ACCESS_VALUES:
        problems.append("%s access must be allow or deny, got %r" % (label, access))
    pgs = item.get("permission_groups")
    if not isinstance(pgs, list) or not pgs:
        problems.append("%s permission_groups must be a non-empty list of role names, labels or ids "
                        "(see cfiam.user_groups.cf_permission_group_info)" % label)
    elif any(not isinstance(p, str) or not p.strip() for p in pgs):
        problems.append("%s permission_groups items must be non-empty strings" % label)
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
        scopes = scope if isinstance(scope, list) else [scope]
        if not scopes:
            problems.append("%s scope must be a scope or a non-empty list of scopes" % label)
        for index, raw in enumerate(scopes):
            where = "%s scope%s" % (label, "[%d]" % index if isinstance(scope, list) else "")
            if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) or not raw["key"].strip():
                problems.append("%s must be a dictionary with a key (e.g. com.cloudflare.api.account.<account id>) "
                                "and objects" % where)
                continue
            extra = sorted(set(raw) - set(["key", "objects"]))
            if extra:
                problems.append("%s has unknown keys %s (allowed: key, objects)" % (where, ", ".join(extra)))
            objects = raw.get("objects")
            if not isinstance(objects, list) or not objects:
                problems.append("%s objects must be a non-empty list (Cloudflare: The number of Scope objects "
                                "should not be zero)" % where)
            elif any(not isinstance(k, str) or not k.strip() for k in object_keys(objects)):
                problems.append("%s objects must be strings or {key: string} items" % where)
    if not isinstance(item.get("allow_unknown_scope", False), bool):
        problems.append("%s allow_unknown_scope must be true or false" % label)
    if item.get("expires") is not None:
        problem = parse_date(item["expires"])[1]
        if problem:
            problems.append("%s expires %s" % (label, problem))
    return problems


def _strings(value):
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _usable(item):
    """The parts of an item with a shape problem that can still be resolved (to report their unknown names)."""
    usable = {"access": "allow", "permission_groups": item["permission_groups"] if _strings(item.get("permission_groups"))
              else []}
    for key in ("zones", "resource_groups"):
        if _strings(item.get(key)):
            usable[key] = item[key]
    return usable


def _accepted_forms(account_id):
    forms = ["%s with objects [*] (the whole account)" % account_key(account_id),
             "%s with objects %s<zone id> (zones)" % (account_key(account_id), ZONE_PREFIX),
             "%s<zone id> with objects [*] (one zone)" % ZONE_PREFIX]
    forms.extend("%s with objects %s<id> (%ss)" % (account_key(account_id), prefix, what)
                 for prefix, what in RESOURCE_OBJECT_PREFIXES)
    return "; ".join(forms)


def _check_raw_scope(scope, label, account_id):
    """A problem with a raw scope that is not a documented form, else None."""
    if scope.kind(account_id) is not None:
        return None
    key = scope.key or ""
    if key.startswith(ACCOUNT_SCOPE + ".") and key != account_key(account_id) and not key.startswith(ZONE_PREFIX):
        return ("%s scope key %s names another account: the key of this account is %s"
                % (label, key, account_key(account_id)))
    return ("%s scope {key: %s, objects: %s} is not a form Cloudflare documents. Accepted forms: %s. Set "
            "allow_unknown_scope: true on the policy to send a form Cloudflare added since (Cloudflare still "
            "validates it)" % (label, key, sorted(scope.objects), _accepted_forms(account_id)))


def _role_problems(label, pgs, kinds):
    problems = []
    for kind in sorted(set(k for k in kinds if k is not None)):
        for pg in pgs:
            fits = role_class(pg)
            if fits is None or fits == kind:
                continue
            # What to do depends on where the role fits and where it was put.
            where = {ACCOUNT: "grant it without zones, resource groups or scope (the whole account)",
                     ZONES: "give the policy zones or a resource group of zones",
                     RESOURCES: "give the policy a scope of the individual resources it is made for"}[fits]
            instead = {ACCOUNT: "an account role", ZONES: "a domain role (e.g. a 'Domain ...' role)",
                       RESOURCES: "a role made for individual resources"}[kind]
            advice = "%s, or choose %s" % (where, instead)
            problems.append("%s: permission group '%s' (%s) applies to %s, not to %s; %s" % (
                label, pg.get("name"), pg_label(pg), KIND_LABELS[fits], KIND_LABELS[kind], advice))
    return problems


def parse_policies(items, catalogue, where="policies", warnings=None, expiries=None):
    """The user's policy items as Policy values, every name resolved.

    Every problem (shape, unknown role / zone / resource group, raw scope of an undocumented form, role that
    cannot apply to its scope, an ``expires`` that is no date) of every item is collected and raised at once as a
    ResolutionError, before anything is written. Deprecated roles are reported in ``warnings``. The same policy
    twice is one policy. ``expiries`` (a dict, when given) receives ``{Policy: date or None}``: each policy's
    ``expires`` (None: it does not expire; the same policy twice keeps the later one, ``common.later_expiry``).
    """
    items = clean_items(items)
    if items is None:
        return None
    if not isinstance(items, list):
        raise ResolutionError(["%s must be a list of policies, got %s" % (where, type(items).__name__)])
    problems = []
    shaped = []
    for index, item in enumerate(items):
        label = "%s[%d]" % (where, index)
        found = _shape_problems(item, label)
        problems.extend(found)
        if isinstance(item, dict):
            # The names of an item with a shape problem are still resolved, so one run reports every problem.
            shaped.append((label, _usable(item) if found else item, not found))
    catalogue.prefetch_zones([z for _label, item, _clean in shaped for z in item.get("zones") or []])
    policies = []
    for label, item, clean in shaped:
        pgs = _resolve_roles(item, label, catalogue, problems, (warnings, where))
        targets, kinds, resolved = _resolve_targets(item, label, catalogue, problems)
        if not resolved or not clean:
            continue  # no account default and no role check on a guess
        if not targets:
            targets.append(Scope.account(catalogue.account_id))
            kinds.append(ACCOUNT)
        problems.extend(_role_problems(label, pgs, kinds))
        policy = Policy.of(item.get("access", "allow").strip(), [pg["id"] for pg in pgs], targets)
        if expiries is not None:
            _note_expiry(expiries, policy, parse_date(item["expires"])[0] if item.get("expires") is not None else None)
        policies.append(policy)
    if problems:
        raise ResolutionError(problems)
    return unique(policies)


def _note_expiry(expiries, key, date):
    """Record the expiry of an entry (``None``: it does not expire); an entry given twice keeps the later one."""
    expiries[key] = later_expiry(expiries[key], date) if key in expiries else date


def _resolve_roles(item, label, catalogue, problems, warn):
    """The permission groups of an item (unknown ones are problems, deprecated ones warnings).

    ``warn``: ``(warnings list or None, where)``. A deprecated role is warned about once per list (``where``, e.g.
    "group 'Finance' policies"), not per item, so that the role's plan and its write task say the same words and
    Ansible shows them once.
    """
    warnings, where = warn
    pgs = []
    for ref in item["permission_groups"]:
        pg = catalogue.find_permission_group(ref)
        if pg is None:
            problems.append("%s: unknown permission group '%s'%s" % (
                label, ref.strip(), suggest(ref, catalogue.permission_group_names())))
            continue
        deprecated, eol = pg_deprecation(pg)
        if deprecated and warnings is not None:
            message = "%s: permission group '%s' (%s) is deprecated by Cloudflare%s; choose its replacement" % (
                where, pg.get("name"), pg_label(pg), " (end of life %s)" % eol if eol else "")
            if message not in warnings:
                warnings.append(message)
        pgs.append(pg)
    return pgs


def _resolve_targets(item, label, catalogue, problems):
    """``(targets, their scope kinds, all resolved)`` of an item's zones, resource groups and raw scopes."""
    account_id = catalogue.account_id
    targets, kinds, resolved = [], [], True
    if item.get("zones") is not None:
        zone_ids = []
        for ref in item["zones"]:
            zone = catalogue.find_zone(ref)
            if zone is None:
                resolved = False
                problems.append("%s: unknown zone '%s' in account %s%s" % (
                    label, ref.strip(), account_id, suggest(ref, catalogue.zone_names())))
            else:
                zone_ids.append(zone["id"])
        targets.append(Scope.zones(account_id, zone_ids))
        kinds.append(ZONES)
    for ref in item.get("resource_groups") or []:
        found = catalogue.find_resource_group(ref)
        if isinstance(found, list):
            resolved = False
            problems.append("%s: resource group name '%s' is ambiguous, ids: %s; give the id" % (
                label, ref.strip(), ", ".join(sorted(rg["id"] for rg in found))))
        elif found is None:
            resolved = False
            problems.append("%s: unknown resource group '%s'%s" % (
                label, ref.strip(), suggest(ref, [rg.get("name") for rg in catalogue.resource_groups()])))
        else:
            targets.append(ResourceGroupRef(found["id"]))
            kinds.extend(s.kind(account_id) for s in scopes_of(found))
    raw = item.get("scope")
    for scope_item in (raw if isinstance(raw, list) else [raw] if raw is not None else []):
        scope = Scope.of(scope_item["key"], scope_item["objects"])
        if not item.get("allow_unknown_scope"):
            problem = _check_raw_scope(scope, label, account_id)
            if problem:
                problems.append(problem)
        targets.append(scope)
        kinds.append(scope.kind(account_id))
    return targets, kinds, resolved


def parse_scope(zones, scope, catalogue, where="scope"):
    """The scope of a named resource group, from ``zones`` (names or ids) or a raw ``scope``; None when neither."""
    account_id = catalogue.account_id
    if zones is not None:
        catalogue.prefetch_zones(zones)
        ids, problems = [], []
        for ref in zones:
            zone = catalogue.find_zone(ref)
            if zone is None:
                problems.append("zone '%s' is not a zone of account %s%s" % (
                    ref.strip(), account_id, suggest(ref, catalogue.zone_names())))
            else:
                ids.append(zone["id"])
        if problems:
            raise ResolutionError(problems)
        return Scope.zones(account_id, ids)
    if scope is not None:
        return Scope.of(scope["key"], scope["objects"])
    return None


# --------------------------------------------------------------------------- members
def member_entry(entry, prefix, expiring):
    """``(reference, expires date or None, problems)`` of one member entry: an email or member id, or (when
    ``expiring``) a mapping ``{email: ..., expires: YYYY-MM-DD}`` or ``{id: ..., expires: ...}``."""
    if not isinstance(entry, dict) or not expiring:
        return entry, None, []
    problems = []
    unknown = sorted(set(map(str, entry)) - set(MEMBER_KEYS))
    if unknown:
        problems.append("%smember entry %r has unknown keys %s (allowed: %s)" % (
            prefix, entry, ", ".join(unknown), ", ".join(MEMBER_KEYS)))
    refs = [entry[k] for k in ("email", "id") if entry.get(k) is not None]
    if len(refs) != 1:
        problems.append("%smember entry %r must give one of email or id" % (prefix, entry))
    expires = None
    if entry.get("expires") is not None:
        expires, problem = parse_date(entry["expires"])
        if problem:
            problems.append("%smember %s: expires %s" % (prefix, refs[0] if refs else entry, problem))
    return (refs[0] if len(refs) == 1 else None), expires, problems


def resolve_members(refs, catalogue, where=None, expiries=None, today=None):
    """Account members for emails (case-insensitive) or member ids, in order, without repeats.

    Every unknown or malformed reference is reported at once (ResolutionError), each with a suggestion.
    ``expiries`` (a dict, when given) allows the mapping entries of ``member_entry`` and receives
    ``{member id: date or None}`` (None: does not expire; a member listed twice keeps the later expiry). An entry
    that expired by ``today`` and names nobody in the account any more is skipped: there is nothing to remove.
    """
    problems = []
    found = []
    prefix = "%s: " % where if where else ""
    for entry in refs or []:
        ref, expires, bad = member_entry(entry, prefix, expiries is not None)
        problems.extend(bad)
        if bad:
            continue
        if not isinstance(ref, str) or not ref.strip():
            problems.append("%smembers items must be emails or member ids%s, got %r" % (
                prefix, " (or {email: ..., expires: YYYY-MM-DD})" if expiries is not None else "", ref))
            continue
        ref = ref.strip()
        if "@" not in ref and not is_id(ref):
            problems.append("%s'%s' is neither an email nor a 32-character member id" % (prefix, ref))
            continue
        member = catalogue.find_member(ref)
        if member is None and expires is not None and today is not None and expires <= today:
            continue
        if member is None:
            if "@" in ref:
                problems.append("%sno account member has the email '%s'%s" % (
                    prefix, ref, suggest(ref, catalogue.member_emails())))
            else:
                problems.append("%sno account member has the id '%s'" % (prefix, ref))
            continue
        if expiries is not None:
            _note_expiry(expiries, member["id"], expires)
        if member["id"] not in [m["id"] for m in found]:
            found.append(member)
    if problems:
        raise ResolutionError(problems)
    return found
