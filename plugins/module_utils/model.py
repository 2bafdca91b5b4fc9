# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The canonical model: ``Scope``, ``ResourceGroupRef`` and ``Policy`` values.

Layer 4 of 8, model (the layer map: docs/development.md). It may import ``client`` and ``catalogue``.

A policy is parsed once, from the user's item (``parse_policies``: validation, name resolution and the
role/scope rules, every problem of every item at once) or from an API reply (``Policy.from_api``). The values
are immutable and hashable, and every collection inside them is a frozenset, so two policies are equal
exactly when they grant the same thing, whatever the order Cloudflare returns and whatever policy ids it
regenerated. Planning is set arithmetic on them (``planning``); they render themselves as request bodies
(``body``); ``views`` renders them for people.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import (
    LOOK_ALIKE,
    ResolutionError,
    comparable_name,
    invisible_characters,
    is_id,
    name_literal,
    pg_deprecation,
    pg_label,
    pg_scopes,
    shown_name,
    suggest,
)

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
ZONE_PREFIX = ZONE_SCOPE + "."
ACCESS_VALUES = ("allow", "deny")

# Per-resource scope objects Cloudflare documents (docs/cloudflare-api-notes.md, section 5): object key prefix -> what
# it names.
# A raw scope with any other object form is refused before writing unless the policy sets
# ``allow_unknown_scope: true`` (for forms Cloudflare adds later).
RESOURCE_OBJECT_PREFIXES = (
    (ACCOUNT_SCOPE + ".worker.", "Worker"),
)

# Scope classes and the role class (``meta.scopes``) each one takes.
ACCOUNT, ZONES, RESOURCES = "account", "zones", "resources"
KIND_LABELS = {ACCOUNT: "the whole account", ZONES: "individual zones", RESOURCES: "individual resources"}

POLICY_KEYS = ("access", "permission_groups", "zones", "resource_groups", "scope", "allow_unknown_scope")

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
)


def account_key(account_id):
    return "%s.%s" % (ACCOUNT_SCOPE, account_id)


def _object_keys(objects):
    """Object keys of a scope's ``objects`` given as ``[{"key": k}]`` or ``[k]``."""
    keys = []
    for obj in objects or []:
        keys.append(obj.get("key") if isinstance(obj, dict) else obj)
    return keys


class Scope(namedtuple("Scope", "key objects")):
    """An inline resource scope: a key and the set of its object keys."""

    __slots__ = ()

    @classmethod
    def of(cls, key, objects):
        return cls((key or "").strip() if isinstance(key, str) else key,
                   frozenset(k.strip() if isinstance(k, str) else k for k in _object_keys(objects)))

    @classmethod
    def account(cls, account_id):
        return cls(account_key(account_id), frozenset(["*"]))

    @classmethod
    def zones(cls, account_id, zone_ids):
        return cls(account_key(account_id), frozenset(ZONE_PREFIX + z for z in zone_ids))

    def kind(self, account_id):
        """ACCOUNT, ZONES or RESOURCES for a form Cloudflare documents, else None."""
        objects = self.objects
        if self.key == account_key(account_id):
            if objects == frozenset(["*"]):
                return ACCOUNT
            if objects and all(isinstance(k, str) and k.startswith(ZONE_PREFIX) and is_id(k[len(ZONE_PREFIX):])
                               for k in objects):
                return ZONES
            if objects and all(_resource_object(k) for k in objects):
                return RESOURCES
            return None
        # The "ad-hoc" single-zone form: the zone in the key, every object of it.
        if isinstance(self.key, str) and self.key.startswith(ZONE_PREFIX) and is_id(self.key[len(ZONE_PREFIX):]) \
                and objects == frozenset(["*"]):
            return ZONES
        return None

    def zone_ids(self):
        """Zone ids this scope names (zone objects, or the zone of a single-zone key)."""
        ids = [k[len(ZONE_PREFIX):] for k in self.objects if isinstance(k, str) and k.startswith(ZONE_PREFIX)]
        if isinstance(self.key, str) and self.key.startswith(ZONE_PREFIX):
            ids.append(self.key[len(ZONE_PREFIX):])
        return sorted(set(ids))

    def body(self):
        """The scope as Cloudflare takes it: ``{key, objects: [{key}]}``."""
        return {"key": self.key, "objects": [{"key": k} for k in sorted(self.objects)]}

    def resource_group_body(self):
        """The scope as an inline resource group of a policy."""
        return {"scope": self.body()}

    def sort_key(self):
        return (1, self.key or "", tuple(sorted(self.objects)))


class ResourceGroupRef(namedtuple("ResourceGroupRef", "id")):
    """A reference to a named resource group (its name and scope live in the catalogue)."""

    __slots__ = ()

    def resource_group_body(self):
        return {"id": self.id}

    def sort_key(self):
        return (0, self.id, ())


def _resource_object(key):
    return isinstance(key, str) and any(key.startswith(prefix) and len(key) > len(prefix)
                                        for prefix, _what in RESOURCE_OBJECT_PREFIXES)


def scopes_of(rg):
    """A resource group's scopes as Scope values (older API versions return ``scope`` as an array)."""
    scope = (rg or {}).get("scope")
    items = scope if isinstance(scope, list) else [scope] if isinstance(scope, dict) else []
    return [Scope.of(s.get("key"), s.get("objects")) for s in items if isinstance(s, dict)]


def is_anonymous(rg):
    """True for a resource group Cloudflare made from an inline scope.

    That is one without an id, or with a scope and no name or a name equal to its scope key. A bare
    ``{"id": ...}`` (a request body) is a reference to a named resource group.
    """
    if not rg.get("id"):
        return True
    scopes = scopes_of(rg)
    if not scopes:
        return False
    name = rg.get("name")
    return not name or any(name == s.key for s in scopes)


class Policy(namedtuple("Policy", "access permission_groups resource_groups")):
    """``access``, the frozenset of role ids, the frozenset of targets (``Scope`` / ``ResourceGroupRef``)."""

    __slots__ = ()

    @classmethod
    def of(cls, access, permission_groups, resource_groups):
        return cls((access or "allow").lower(), frozenset(permission_groups), frozenset(resource_groups))

    @classmethod
    def from_api(cls, policy, named_ids=None):
        """A policy as Cloudflare returns it.

        A resource group with an id is a reference when it is named: its id is in ``named_ids`` (the ids of the named
        resource groups, when the caller read that listing, as ``cf_access_info`` does), else when it is not
        ``is_anonymous``. An anonymous one made from an inline scope compares by its scope. Policy ids, ``status``,
        timestamps and ``meta`` are ignored.
        """
        targets = []
        for rg in policy.get("resource_groups") or []:
            bare = rg.get("id") and not scopes_of(rg)  # a reference as a request body sends it
            named = bare or rg.get("id") and (rg["id"] in named_ids if named_ids is not None else not is_anonymous(rg))
            if named:
                targets.append(ResourceGroupRef(rg["id"]))
            else:
                targets.extend(scopes_of(rg))
        return cls.of(policy.get("access"), [pg.get("id") for pg in policy.get("permission_groups") or []
                                             if isinstance(pg, dict)], targets)

    def targets(self):
        return sorted(self.resource_groups, key=lambda t: t.sort_key())

    def body(self):
        """The request body of the policy (PolicyWrite)."""
        return {"access": self.access,
                "permission_groups": [{"id": pg} for pg in sorted(self.permission_groups)],
                "resource_groups": [t.resource_group_body() for t in self.targets()]}

    def sort_key(self):
        return (self.access, tuple(sorted(self.permission_groups)), tuple(t.sort_key() for t in self.targets()))


def policies_from_api(policies, named_ids=None):
    return [Policy.from_api(p, named_ids) for p in policies or [] if isinstance(p, dict)]


def unique(policies):
    """The policies without repeats, in their first order."""
    seen = set()
    out = []
    for policy in policies:
        if policy not in seen:
            seen.add(policy)
            out.append(policy)
    return out


# --------------------------------------------------------------------------- parsing the user's items
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
            elif any(not isinstance(k, str) or not k.strip() for k in _object_keys(objects)):
                problems.append("%s objects must be strings or {key: string} items" % where)
    if not isinstance(item.get("allow_unknown_scope", False), bool):
        problems.append("%s allow_unknown_scope must be true or false" % label)
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


def role_class(pg):
    """ACCOUNT, ZONES or RESOURCES: the kind of scope a role applies to (None when ``meta.scopes`` is unknown)."""
    scopes = pg_scopes(pg)
    if not scopes:
        return None
    if ACCOUNT_SCOPE in scopes:
        return ACCOUNT
    if ZONE_SCOPE in scopes:
        return ZONES
    return RESOURCES


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


def parse_policies(items, catalogue, where="policies", warnings=None):
    """The user's policy items as Policy values, every name resolved.

    Every problem (shape, unknown role / zone / resource group, raw scope of an undocumented form, role that
    cannot apply to its scope) of every item is collected and raised at once as a ResolutionError, before
    anything is written. Deprecated roles are reported in ``warnings``. The same policy twice is one policy.
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
        policies.append(Policy.of(item.get("access", "allow").strip(), [pg["id"] for pg in pgs], targets))
    if problems:
        raise ResolutionError(problems)
    return unique(policies)


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


# --------------------------------------------------------------------------- names and members
def name_problems(name, what):
    """Problems of a group name Cloudflare would refuse or show wrongly (nothing is known of a length limit)."""
    if not isinstance(name, str) or not name.strip():
        return ["%s must not be empty" % what]
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return ["%s %r contains a control character (a line break or tab, often from a YAML block scalar): "
                "write the name on one line" % (what, name)]
    return []


def new_name_problems(name, what, existing_hint):
    """Problems of a name a group is given (created, or renamed to): those of ``name_problems``, and characters that
    do not show (``catalogue.is_invisible``: zero-width spaces and joiners, the byte order mark, direction marks, ...),
    which make a name look like another group's and impossible to type. Names of what exists (a previous name, a SCIM
    group, a group looked up) are taken exactly as they are; ``existing_hint`` says how to name such a group."""
    problems = name_problems(name, what)
    if problems:
        return problems
    hidden = invisible_characters(name)
    if hidden:
        return ["write %s %s without the character(s) that do not show (%s): such a name looks like another group's "
                "and cannot be typed; %s" % (what, name_literal(name), ", ".join(hidden), existing_hint)]
    return []


# --------------------------------------------------------------------------- members
def resolve_members(refs, catalogue, where=None):
    """Account members for emails (case-insensitive) or member ids, in order, without repeats.

    Every unknown or malformed reference is reported at once (ResolutionError), each with a suggestion.
    """
    problems = []
    found = []
    prefix = "%s: " % where if where else ""
    for ref in refs or []:
        if not isinstance(ref, str) or not ref.strip():
            problems.append("%smembers items must be emails or member ids, got %r" % (prefix, ref))
            continue
        ref = ref.strip()
        if "@" not in ref and not is_id(ref):
            problems.append("%s'%s' is neither an email nor a 32-character member id" % (prefix, ref))
            continue
        member = catalogue.find_member(ref)
        if member is None:
            if "@" in ref:
                problems.append("%sno account member has the email '%s'%s" % (
                    prefix, ref, suggest(ref, catalogue.member_emails())))
            else:
                problems.append("%sno account member has the id '%s'" % (prefix, ref))
        elif member["id"] not in [m["id"] for m in found]:
            found.append(member)
    if problems:
        raise ResolutionError(problems)
    return found


# --------------------------------------------------------------------------- the role's declaration
GROUP_KEYS = ("name", "members", "policies", "children", "scim", "previous_names")


class DesiredGroup(object):
    """One declared group after flattening.

    ``member_ids`` holds the group's own members plus every descendant's (membership rolls up);
    ``members_declared`` says whether the group itself listed ``members``: when it did not, the roll-up can
    only add members, never remove one. ``policies`` None leaves the group's policies alone.
    ``previous_names``: names the group had before; a group holding one of them is renamed to ``name``.
    """

    def __init__(self, name, scim, path, policies=None, member_ids=None, members_declared=False, previous_names=()):
        self.name = name
        self.scim = scim
        self.path = path
        self.policies = policies
        self.member_ids = member_ids
        self.members_declared = members_declared
        self.previous_names = list(previous_names)


class _Declaration(object):
    """What parsing the tree has seen so far: the problems, the groups in order, the names and previous names."""

    def __init__(self, catalogue, warnings):
        self.catalogue = catalogue
        self.warnings = warnings
        self.problems = []
        self.groups = []
        self.seen = {}  # name -> trail
        self.seen_like = {}  # comparable name -> first name
        self.previous = {}  # previous name -> the group that lists it

    def check_names(self, name, trail):
        """False when the name was declared before (the group is skipped); look-alikes are problems."""
        if name in self.seen:
            self.problems.append("group name '%s' is declared twice (%s and %s); names must be unique across the "
                                 "whole tree" % (name, self.seen[name], trail))
            return False
        self.seen[name] = trail
        twin = self.seen_like.get(comparable_name(name))
        if twin is not None:
            self.problems.append("declare only one of the group names %s and %s: they %s, and Cloudflare would "
                                 "show two look-alike groups" % (shown_name(twin), shown_name(name), LOOK_ALIKE))
        self.seen_like.setdefault(comparable_name(name), name)
        return True

    def previous_names(self, node, name, scim, where):
        """The ``previous_names`` of a group entry, checked on their own (``check_renames`` checks them together)."""
        value = node.get("previous_names")
        if value is None:
            return []
        # A previous name names a group that exists: it is taken exactly as it is (a tab, an invisible character).
        if not isinstance(value, list) or any(not isinstance(v, str) or not v for v in value):
            self.problems.append("%s: previous_names must be a list of the names the group had before" % where)
            return []
        if scim:
            self.problems.append("%s is pushed by SCIM: its name belongs to the identity provider; remove "
                                 "previous_names" % where)
            return []
        names = []
        for old in dict.fromkeys(value):
            if old == name:
                self.problems.append("%s lists its own name in previous_names" % where)
            elif old in self.previous:
                self.problems.append("previous name '%s' is listed by groups '%s' and '%s': a group can be renamed "
                                     "to one name only" % (old, self.previous[old], name))
            else:
                self.previous[old] = name
                names.append(old)
        return names

    def check_renames(self):
        """A previous name that is also a declared name: the role cannot both rename and keep that group."""
        for old, new in sorted(self.previous.items()):
            if old in self.seen:
                self.problems.append("'%s' is declared as a group (%s) and as a previous name of group '%s': a "
                                     "group cannot be kept and renamed; remove one of them" % (old, self.seen[old], new))


def _parse_group(node, where, ancestors, state):
    """One entry of the tree as a DesiredGroup (children not included), or None when it cannot be one."""
    problems = state.problems
    if not isinstance(node, dict):
        problems.append("%s must be a dictionary with at least a name" % where)
        return None
    name = node.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("%s has no name (keys given: %s)" % (where, ", ".join(sorted(map(str, node))) or "none"))
        return None
    scim = node.get("scim", False)
    # The name of a group the role may create or rename to must show as it is; a SCIM group's names what exists.
    bad_name = [] if scim is True else new_name_problems(
        name, "%s name" % where, "to rename a group that has such a name, list its name exactly in previous_names")
    if bad_name:
        problems.extend(bad_name)
        return None
    where = "group %s" % shown_name(name)
    for key in sorted(set(node) - set(GROUP_KEYS)):
        problems.append("%s has an unknown key '%s'%s (allowed: %s)" % (
            where, key, suggest(key, GROUP_KEYS), ", ".join(GROUP_KEYS)))
    trail = " > ".join(ancestors + [name])
    if not state.check_names(name, trail):
        return None
    if not isinstance(scim, bool):
        problems.append("%s: scim must be true or false" % where)
        scim = bool(scim)
    group = DesiredGroup(name, scim, trail, previous_names=state.previous_names(node, name, scim, where))
    members = node.get("members")
    if members is not None:
        if scim:
            problems.append("%s is pushed by SCIM: its members belong to the identity provider; remove "
                            "members" % where)
        elif not isinstance(members, list):
            problems.append("%s: members must be a list of emails or member ids" % where)
        else:
            try:
                group.member_ids = [m["id"] for m in resolve_members(members, state.catalogue, where)]
                group.members_declared = True
            except ResolutionError as exc:
                problems.extend(exc.problems)
    if node.get("policies") is not None:
        try:
            group.policies = parse_policies(node["policies"], state.catalogue, "%s policies" % where, state.warnings)
        except ResolutionError as exc:
            problems.extend(exc.problems)
    return group


def parse_declaration(tree, catalogue, warnings=None):
    """``(groups, problems)``: the role's ``user_groups`` tree as DesiredGroup values, depth-first, names resolved.

    Every problem is reported once, where it is written (a child's unknown email under the child, not again
    under each ancestor); the caller adds what only the account reveals and reports them all at once.
    """
    state = _Declaration(catalogue, warnings)

    def walk(nodes, path, ancestors):
        if not isinstance(nodes, list):
            state.problems.append("%s must be a list of groups" % path)
            return []
        mine = []
        for index, node in enumerate(nodes):
            group = _parse_group(node, "%s[%d]" % (path, index), ancestors, state)
            if group is None:
                continue
            state.groups.append(group)
            mine.append(group)
            descendants = walk(node["children"], "group '%s' children" % group.name, ancestors + [group.name]) \
                if node.get("children") is not None else []
            # Membership rolls up: every member of a descendant is a member of this group.
            rolled = [mid for d in descendants if not d.scim for mid in d.member_ids or []]
            if rolled and not group.scim:
                group.member_ids = list(dict.fromkeys((group.member_ids or []) + rolled))
            mine.extend(descendants)
        return mine

    walk(tree, "user_groups", [])
    state.check_renames()
    return state.groups, state.problems


def declared_with_members(tree):
    """Names (and previous names) of the declared groups whose membership the declaration manages (own or a
    descendant's members)."""
    names = set()

    def walk(nodes):
        any_members = False
        for node in nodes if isinstance(nodes, list) else []:
            if not isinstance(node, dict):
                continue
            mine = node.get("members") is not None
            below = walk(node.get("children"))
            if (mine or below) and isinstance(node.get("name"), str) and not node.get("scim"):
                names.add(node["name"])
                previous = node.get("previous_names")
                if isinstance(previous, list):
                    names.update(p for p in previous if isinstance(p, str))
            any_members = any_members or mine or below
        return any_members

    walk(tree)
    return names
