# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Views: how model values and API objects are shown to people (return values, diffs, declarations).

Layer 8 of 9, views (the layer map: docs/development.md). It may import ``common`` and ``model``; it sends no
request except the lazy reads of the ``catalogue.Catalogue`` it is handed, for names it is asked to show.

Three renderings of a policy, all from one ``Policy`` value:

* ``policy_view``: the normalised form modules return (ids, names and labels, scopes, ``target``);
* ``readable_policy``: the compact form diffs show (role names, zone names, no ids);
* ``policy_item``: the item form the modules and the role take (``to_declaration`` writes it).

A group (``model.Group``) renders the same way: ``group_view`` (the return value), ``group_diff_side`` (the diff),
``declared_group`` (the role's declaration entry); each shows every plain field of ``Group.FIELDS``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    expired_keys,
    member_email,
    pg_label,
    pg_scopes,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
    ACCOUNT,
    ACCOUNT_SCOPE,
    RESOURCE_OBJECT_PREFIXES,
    ZONE_PREFIX,
    ZONES,
    Group,
    Policy,
    ResourceGroupRef,
    Scope,
    policies_from_api,
    scopes_of,
)


def _json_key(value):
    return json.dumps(value, sort_keys=True)


# --------------------------------------------------------------------------- members
def member_view(member):
    """``{id, email, status}`` of a member, whichever listing it came from."""
    return {"id": member.get("id"), "email": member_email(member), "status": member.get("status")}


def sorted_members(views):
    return sorted(views, key=lambda m: (m.get("email") or "", m.get("id") or ""))


def member_views(ids, catalogue, known=None):
    """Views of member ids: from ``known`` ({id: member}) or the catalogue; an unknown id shows as itself."""
    out = []
    for mid in ids:
        member = (known or {}).get(mid) or catalogue.describe_member(mid) or {"id": mid}
        out.append(member_view(member))
    return sorted_members(out)


def member_labels(views):
    return [m.get("email") or m.get("id") for m in views]


# --------------------------------------------------------------------------- policies
def policy_zone_ids(policies, catalogue=None):
    """Ids of the zones the policies (Policy values) scope to, including through named resource groups."""
    ids = set()
    for policy in policies or []:
        for target in policy.resource_groups:
            if isinstance(target, Scope):
                ids.update(target.zone_ids())
            elif catalogue is not None:
                for scope in scopes_of(catalogue.describe_resource_group(target.id)):
                    ids.update(scope.zone_ids())
    return ids


def _scope_entry(scope, catalogue):
    entry = {"scope": {"key": scope.key, "objects": sorted(scope.objects)}}
    if scope.kind(catalogue.account_id) == ZONES:
        entry["zones"] = sorted(catalogue.zone_name(z) or z for z in scope.zone_ids())
    return entry


def policy_view(policy, catalogue):
    """The normalised view of a Policy: ``{access, permission_groups, resource_groups, target}``.

    ``permission_groups``: ``[{id, name, label}]`` sorted by name; ``resource_groups``: ``[{scope: {key,
    objects}, id?, name?, zones?}]`` (``id``/``name`` for named resource groups, ``zones`` for zone scopes);
    ``target``: ``account``, ``zones``, ``resource_groups``, ``scope``, ``mixed`` or ``none``.
    """
    pgs = []
    for pg_id in policy.permission_groups:
        known = catalogue.describe_permission_group(pg_id) or {}
        pgs.append({"id": pg_id, "name": known.get("name"), "label": pg_label(known)})
    pgs.sort(key=lambda p: (p.get("name") or "", p.get("id") or ""))
    rgs = []
    kinds = set()
    for target in policy.resource_groups:
        if isinstance(target, ResourceGroupRef):
            rg = catalogue.describe_resource_group(target.id) or {}
            for scope in scopes_of(rg) or [Scope(None, frozenset())]:
                entry = _scope_entry(scope, catalogue)
                entry.update({"id": target.id, "name": rg.get("name")})
                rgs.append(entry)
            kinds.add("resource_groups")
        else:
            rgs.append(_scope_entry(target, catalogue))
            kind = target.kind(catalogue.account_id)
            kinds.add(kind if kind in (ACCOUNT, ZONES) else "scope")
    rgs.sort(key=_json_key)
    target = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")
    return {"access": policy.access, "permission_groups": pgs, "resource_groups": rgs, "target": target}


def policy_views(policies, catalogue):
    return sorted((policy_view(p, catalogue) for p in policies or []), key=_json_key)


def readable_policy(view):
    """A compact view of a normalised policy for diffs: role names and scopes, no ids."""
    out = {"access": view["access"],
           "permission_groups": sorted(pg.get("name") or pg.get("id") for pg in view["permission_groups"])}
    target = view.get("target")
    rgs = view.get("resource_groups") or []
    if target == "account":
        out["scope"] = "account"
    elif target == "zones":
        out["zones"] = sorted(z for rg in rgs for z in rg.get("zones") or [])
    elif target == "resource_groups":
        out["resource_groups"] = sorted(rg.get("name") or rg.get("id") for rg in rgs)
    else:
        out["scope"] = []
        for rg in rgs:
            entry = dict(rg.get("scope") or {})
            entry.update((k, rg[k]) for k in ("name", "zones") if rg.get(k))
            out["scope"].append(entry)
    return out


def readable_policies(views):
    """Diff views of normalised policies, sorted by what they show so that before and after line up."""
    return sorted((readable_policy(v) for v in views or []), key=_json_key)


def scope_text(scope):
    """One line for a readable scope (``readable_policy`` without access and roles)."""
    if scope.get("scope") == "account":
        return "account"
    if "zones" in scope:
        return "zones: %s" % ", ".join(scope["zones"])
    if "resource_groups" in scope:
        return "resource groups: %s" % ", ".join(scope["resource_groups"])
    parts = []
    for entry in scope.get("scope") or []:
        if entry.get("name"):
            parts.append("resource group %s" % entry["name"])
        elif entry.get("zones"):
            parts.append("zones: %s" % ", ".join(entry["zones"]))
        else:
            parts.append(_raw_scope_text(entry))
    return "; ".join(parts) or "none"


def _raw_scope_text(entry):
    """``Worker <id>, ...`` for objects of a documented resource kind, else ``<key> [<objects>]``."""
    objects = entry.get("objects") or []
    named = []
    for obj in objects:
        kinds = [(prefix, what) for prefix, what in RESOURCE_OBJECT_PREFIXES if str(obj).startswith(prefix)]
        if not kinds:
            return "%s [%s]" % (entry.get("key"), ", ".join(objects))
        named.append("%s %s" % (kinds[0][1], str(obj)[len(kinds[0][0]):]))
    return ", ".join(named) or "%s []" % entry.get("key")


def policy_line(readable):
    """One line for a readable policy (``readable_policy``): ``allow Domain DNS, Zone Read on zones: example.com``."""
    scope = dict((k, v) for k, v in readable.items() if k not in ("access", "permission_groups"))
    return "%s %s on %s" % (readable["access"], ", ".join(readable["permission_groups"]), scope_text(scope))


def policy_from_view(view):
    """The Policy a normalised view (``policy_view``, as the info modules return it) shows."""
    targets = []
    for rg in view.get("resource_groups") or []:
        if rg.get("id"):
            targets.append(ResourceGroupRef(rg["id"]))
        else:
            scope = rg.get("scope") or {}
            targets.append(Scope.of(scope.get("key"), scope.get("objects")))
    return Policy.of(view.get("access"), [pg.get("id") for pg in view.get("permission_groups") or []], targets)


def policy_item(policy, account_id, pg_ref=None, zone_ref=None, rg_ref=None):
    """The item (as the modules and the role take it) that parses back to exactly ``policy``.

    ``pg_ref``/``zone_ref``/``rg_ref`` turn an id into what the item shows (a label, a zone name, a resource
    group name); by default ids. One inline scope of zones becomes ``zones``, named resource groups
    ``resource_groups``, the account scope alone no target, and every other scope a raw ``scope`` entry, so
    a policy of several scopes (inline and named, mixed) comes back exactly.
    """
    pg_ref = pg_ref or (lambda pg_id: pg_id)
    zone_ref = zone_ref or (lambda zone_id: zone_id)
    rg_ref = rg_ref or (lambda rg_id: rg_id)
    item = {"access": policy.access, "permission_groups": sorted(pg_ref(p) for p in policy.permission_groups)}
    refs = sorted(t.id for t in policy.resource_groups if isinstance(t, ResourceGroupRef))
    scopes = sorted((t for t in policy.resource_groups if isinstance(t, Scope)), key=lambda s: s.sort_key())
    zone_scopes = [s for s in scopes if s.key == "%s.%s" % (ACCOUNT_SCOPE, account_id) and s.kind(account_id) == ZONES]
    if zone_scopes:
        item["zones"] = sorted(zone_ref(z) for z in zone_scopes[0].zone_ids())
        scopes.remove(zone_scopes[0])
    if refs:
        item["resource_groups"] = sorted(rg_ref(r) for r in refs)
    only_account = len(scopes) == 1 and scopes[0].kind(account_id) == ACCOUNT and "zones" not in item and not refs
    if scopes and not only_account:
        raw = [s.body() for s in scopes]
        item["scope"] = [dict(s, objects=[o["key"] for o in s["objects"]]) for s in raw]
        if any(s.kind(account_id) is None for s in scopes):
            item["allow_unknown_scope"] = True
    return item


def account_id_of_views(views):
    """The account id that normalised policy views of this account name, None when none does.

    Only views the module classified as the whole account or zones of this account (``target`` ``account`` or
    ``zones``) count: a scope that names another account is shown with target ``scope`` and must not be taken
    for this one.
    """
    prefix = ACCOUNT_SCOPE + "."
    for view in views or []:
        if view.get("target") not in ("account", "zones"):
            continue
        for rg in view.get("resource_groups") or []:
            key = (rg.get("scope") or {}).get("key") or ""
            if key.startswith(prefix) and not key.startswith(ZONE_PREFIX):
                return key[len(prefix):]
    return None


# --------------------------------------------------------------------------- groups
def group_view(group, policies, catalogue, members=None):
    """The normalised state of a group as modules return it: its id, plain fields (``Group.FIELDS``), timestamps and
    policies (``policies``: its Policy values, None: those of ``group``); ``members`` only when asked for."""
    value = Group.from_api(group, policies)
    view = dict(value.fields)
    view.update({"id": value.id, "created_on": group.get("created_on"), "modified_on": group.get("modified_on"),
                 "policies": policy_views(value.policies, catalogue)})
    if members is not None:
        view["members"] = sorted_members(members)
    return view


def group_diff_side(view):
    """One side of a group's diff: its plain fields, readable policies and (when known) member emails; {} when
    absent."""
    if not view:
        return {}
    out = dict((field, view.get(field)) for field in Group.FIELDS)
    out["policies"] = readable_policies(view.get("policies"))
    if view.get("members") is not None:
        out["members"] = member_labels(view["members"])
    return out


def group_from_view(view):
    """The Group a normalised group view (``group_view``, as cf_user_group_info returns it) shows."""
    return Group.of(dict((f, view.get(f)) for f in Group.FIELDS),
                    [policy_from_view(p) for p in view.get("policies") or []], None,
                    view.get("id"))


def declared_group(group, account_id, pg_ref=None, zone_ref=None, rg_ref=None):
    """``(plain fields, policy items)`` of a Group as the role declares it (``to_declaration``): the plain fields the
    declaration takes (``Group.DECLARED``) that are set, and each policy as its item (see ``policy_item``) in one
    stable order, repeats (the same policy twice) folded."""
    fields = dict((f, group.get(f)) for f in Group.DECLARED if group.get(f) is not None)
    items = [policy_item(p, account_id, pg_ref, zone_ref, rg_ref) for p in group.policies or ()]
    unique = dict((_json_key(p), p) for p in items)
    return fields, [unique[k] for k in sorted(unique)]


def diff(before, after, header):
    return {"before": before, "after": after, "before_header": header, "after_header": header}


# --------------------------------------------------------------------------- roles and resource groups
def _editable(meta):
    value = meta.get("editable")
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def permission_group_view(pg):
    meta = pg.get("meta") or {}
    view = {"id": pg.get("id"), "name": pg.get("name"), "label": pg_label(pg), "description": meta.get("description"),
            "scopes": pg_scopes(pg), "editable": _editable(meta)}
    deprecated = meta.get("deprecated")
    view["deprecated"] = deprecated is True or str(deprecated).strip().lower() == "true"
    view["eol_at"] = meta.get("eol_at") if view["deprecated"] else None
    return view


def resource_group_view(rg, catalogue, scope=None):
    """``{id, name, scope: {key, objects}, zones?, meta, created_on, modified_on}`` (``zones``: zone names)."""
    scopes = [scope] if scope is not None else scopes_of(rg)
    first = scopes[0] if scopes else Scope(None, frozenset())
    view = {"id": rg.get("id"), "name": rg.get("name"),
            "scope": {"key": first.key, "objects": sorted(first.objects)},
            "meta": rg.get("meta") or {}, "created_on": rg.get("created_on"), "modified_on": rg.get("modified_on")}
    if first.kind(catalogue.account_id) == ZONES:
        catalogue.learn_zone_names(first.zone_ids())
        view["zones"] = sorted(catalogue.zone_name(z) or z for z in first.zone_ids())
    return view


# --------------------------------------------------------------------------- info filters
def select_by_name_or_id(items, names, ids, name_key="name"):
    """Items whose ``name_key`` (case-insensitive) or id was asked for, and the asked values that matched nothing.

    ``names`` and ``ids`` are option values (lists or None); with both None every item is selected.
    """
    filtering = names is not None or ids is not None
    names = [n.strip() for n in names or [] if n and n.strip()]
    ids = [i.strip() for i in ids or [] if i and i.strip()]
    wanted_names = set(n.lower() for n in names)
    wanted_ids = set(ids)
    known_names = set((item.get(name_key) or "").lower() for item in items)
    known_ids = set(item.get("id") for item in items)
    not_found = [n for n in names if n.lower() not in known_names] + [i for i in ids if i not in known_ids]
    found = list(items)
    if filtering:
        found = [item for item in items
                 if (item.get(name_key) or "").lower() in wanted_names or item.get("id") in wanted_ids]
    return found, list(dict.fromkeys(not_found))


def account_member_view(member):
    user = member.get("user") or {}
    return {"id": member.get("id"), "email": member_email(member), "status": member.get("status"),
            "user_id": user.get("id"), "first_name": user.get("first_name"), "last_name": user.get("last_name")}


def zone_view(zone):
    return {"id": zone.get("id"), "name": zone.get("name") or "", "status": zone.get("status")}


def group_plan_views(plan, catalogue, known_members=None, written=None):
    """``(before, after)`` group views of a GroupPlan (``after`` computed from the plan, ``written`` adds the id).

    Members are shown when the plan manages them; ``known_members`` ({id: member}) gives their emails.
    """
    current = plan.current
    before_policies = plan.policies.before if plan.policies is not None else \
        policies_from_api((current or {}).get("policies"))
    after_policies = plan.policies.after if plan.policies is not None else before_policies
    catalogue.learn_zone_names(policy_zone_ids(before_policies + after_policies, catalogue))
    managed = plan.members is not None
    before = None
    if current is not None:
        before = group_view(current, before_policies, catalogue,
                            member_views(plan.members.before, catalogue, known_members) if managed else None)
    source = written or current or {}
    after = dict(plan.after().fields, id=source.get("id"), created_on=source.get("created_on"),
                 modified_on=source.get("modified_on"))
    after = group_view(after, after_policies, catalogue,
                       member_views(plan.members.after, catalogue, known_members) if managed else None)
    return before, after


# --------------------------------------------------------------------------- expiring access
class Expiry(object):
    """What a task knows of one group's expiring entries: ``members`` (``{member id: date or None}``), ``policies``
    (``{Policy: date or None}``), the run's ``today`` and ``warning_days`` (docs/expiring-access.md)."""

    def __init__(self, today, warning_days, members=None, policies=None):
        self.today = today
        self.warning_days = warning_days
        self.members = dict(members or {})
        self.policies = dict(policies or {})

    def expired(self):
        """``(member ids, policies)`` whose ``expires`` has come (the day itself included): they count as removed."""
        return expired_keys(self.members, self.today), expired_keys(self.policies, self.today)

    def views(self, group, catalogue, known=None, removed=(), kept=()):
        """``(expired, expiring)`` entries of group ``group`` (its name): each ``{group, member or policy, expires,
        days_left}``; an expired one also says whether this run ``removed`` it and why (``note``), ``kept``: the
        member ids a protection keeps. ``expiring``: the entries that expire within ``warning_days``."""
        removed, kept = set(removed or ()), set(kept or ())
        members, policies = (dict((k, d) for k, d in dates.items() if d is not None and self._listed(d))
                             for dates in (self.members, self.policies))
        entries = [(("member", member_views([k], catalogue, known)[0]), k, d) for k, d in members.items()]
        catalogue.learn_zone_names(policy_zone_ids(list(policies), catalogue))
        entries += [(("policy", policy_line(readable_policy(policy_view(k, catalogue)))), k, d)
                    for k, d in policies.items()]
        expired, expiring = [], []
        for (kind, shown), key, date in entries:
            days = (date - self.today).days
            if kind == "member":
                shown = shown.get("email") or shown.get("id")
            entry = {"group": group, kind: shown, "expires": date.isoformat(), "days_left": days}
            if days <= 0:
                entry["removed"] = key in removed
                entry["note"] = ("removed: expired on %s" if key in removed else
                                 "kept: protected member (user_groups_protected_members), expired on %s" if key in kept
                                 else "not in the group: expired on %s") % date.isoformat()
                expired.append(entry)
            else:
                expiring.append(entry)
        return sorted(expired, key=_expiry_order), sorted(expiring, key=_expiry_order)

    def _listed(self, date):
        """Expired, or within the warning window."""
        return (date - self.today).days <= self.warning_days


def _expiry_order(entry):
    return (entry["expires"], entry["group"], entry.get("member") or entry.get("policy") or "")


def expiry_lines(expired, limit=5):
    """``'G': alice@example.com removed: expired on 2026-12-07``, for the entries this run removes (a progress
    line, a message)."""
    lines = ["%s: %s %s" % (e["group"], e.get("member") or e.get("policy"), e["note"]) for e in expired
             if e.get("removed")]
    return lines[:limit] + (["and %d more" % (len(lines) - limit)] if len(lines) > limit else [])
