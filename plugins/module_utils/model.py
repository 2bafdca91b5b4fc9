# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The canonical model: ``Scope``, ``ResourceGroupRef``, ``Policy`` and ``Group`` values (pure: no request, no name).

Layer 4 of 9, model (the layer map: docs/development.md). It may import only ``common``.

A value is built once, from what the user wrote (``resolve.parse_policies`` resolves the names and checks every
problem of every item at once; ``Group.from_options``) or from an API reply (``Policy.from_api``,
``Group.from_api``). The values are immutable and hashable, and every collection of policy parts inside them is a
frozenset, so two policies are equal exactly when they grant the same thing, whatever the order Cloudflare returns
and whatever policy ids it regenerated. Planning is set arithmetic on them (``planning``); they render themselves
as request bodies (``body``); ``views`` renders them for people.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import is_id, pg_scopes

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
ZONE_PREFIX = ZONE_SCOPE + "."

# Per-resource scope objects Cloudflare documents (docs/cloudflare-api-notes.md, section 5): object key prefix -> what
# it names.
# A raw scope with any other object form is refused before writing unless the policy sets
# ``allow_unknown_scope: true`` (for forms Cloudflare adds later).
RESOURCE_OBJECT_PREFIXES = (
    (ACCOUNT_SCOPE + ".worker.", "Worker"),
)

# Scope classes and the role class (``meta.scopes``) each one takes.
ACCOUNT, ZONES, RESOURCES = "account", "zones", "resources"


def account_key(account_id):
    return "%s.%s" % (ACCOUNT_SCOPE, account_id)


def object_keys(objects):
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
                   frozenset(k.strip() if isinstance(k, str) else k for k in object_keys(objects)))

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


# --------------------------------------------------------------------------- groups
class Group(namedtuple("Group", "id fields policies member_ids")):
    """A user group as the collection compares it: its id (None for a group as wanted), its plain fields
    (``((field, value), ...)`` in ``FIELDS`` order), its policies (a tuple of Policy values) and its member ids (a
    tuple without repeats).

    In a group as wanted (``from_options``), None is "not managed": a field, the policies or the members left as
    they are. Planning compares the plain fields one by one (``changes_from``), the policies and the members as sets
    (``planning``); the group renders its own request body (``body``) and ``views`` renders it for people.
    """

    __slots__ = ()

    # The plain fields: what Cloudflare keeps on a group as one value each, that a task may set. A field listed here
    # is read from replies and options, compared, sent, shown in return values and diffs, and exported by
    # ``to_declaration`` with no other code to change (docs/development.md, "Add a plain field to user groups").
    FIELDS = ("name",)
    # The plain fields the role's declaration takes: each one is also passed to cf_user_group by
    # roles/user_groups/tasks/main.yml and documented in roles/user_groups/meta/argument_specs.yml.
    DECLARED = ("name",)

    @classmethod
    def of(cls, fields=None, policies=None, member_ids=None, group_id=None):
        """``fields``: ``{field: value}`` (a field missing or None is not managed); ``policies``: Policy values;
        ``member_ids``: member ids (repeats dropped); None: not managed."""
        fields = fields or {}
        return cls(group_id, tuple((f, fields.get(f)) for f in cls.FIELDS),
                   None if policies is None else tuple(policies),
                   None if member_ids is None else tuple(dict.fromkeys(member_ids)))

    @classmethod
    def from_api(cls, group, policies=None, member_ids=None):
        """A group as Cloudflare returns it; ``policies``: its Policy values when the caller has them already (else
        read from the reply), ``member_ids``: the ids of its member listing when it was read."""
        group = group or {}
        if policies is None:
            policies = policies_from_api(group.get("policies"))
        return cls.of(dict((f, group.get(f)) for f in cls.FIELDS), policies, member_ids, group.get("id"))

    @classmethod
    def from_options(cls, options, policies=None, member_ids=None):
        """A group as a task or a declaration wants it: the plain fields from ``options`` (module options, a declared
        group), the policies and member ids the caller resolved (``resolve``)."""
        return cls.of(dict((f, options.get(f)) for f in cls.FIELDS), policies, member_ids)

    def get(self, field):
        return dict(self.fields).get(field)

    @property
    def name(self):
        return self.get("name")

    def changes_from(self, current):
        """``{field: value}``: the plain fields this group (as wanted) sets and ``current`` (a Group as read; None:
        the group is to be created) does not have."""
        return dict((f, v) for f, v in self.fields if v is not None and (current is None or current.get(f) != v))

    def updated(self, changes=None, policies=None, member_ids=None):
        """This group with the plain field ``changes`` made, its policies and member ids replaced where given."""
        fields = dict(self.fields)
        fields.update(changes or {})
        return Group.of(fields, self.policies if policies is None else policies,
                        self.member_ids if member_ids is None else member_ids, self.id)

    def body(self, fields, policies=False):
        """The request body of the plain ``fields`` named, with the group's policies when ``policies`` is true."""
        body = dict((f, self.get(f)) for f in fields)
        if policies and self.policies is not None:
            body["policies"] = [p.body() for p in self.policies]
        return body
