# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The access review: who has what, and through what, from what the API listed (no request of its own).

Layer 8 of 9, views, beside ``views`` (the layer map: docs/development.md): it imports only public functions of
``common``, ``model`` and ``views``, and nothing imports it but the action plugin ``cf_access_info``. Policies are
``model.Policy`` values; every rendering is ``views.policy_view`` / ``views.readable_policy``; names come from the
``catalogue.Catalogue`` it is handed.

**Where a member's policy comes from.** Cloudflare lists a member's policies with no marker of direct or
inherited, and whether the listing includes the policies of the member's groups is documented only by the user
groups guide. So, for one member:

* every policy of every group whose member listing holds the member is one of its grants, via ``group:<name>``
  (effective access is the union of the member's own policies and its groups' policies);
* a policy of the member's listing whose id is the id of a group's policy is that group's (``group:<name>``);
* otherwise, when Cloudflare repeats group policy ids on members anywhere in the account, it is ``direct``;
* otherwise, when the member's listing lacks a policy of one of the member's groups, the listing holds the member's
  own policies only (Cloudflare's "direct only" answer), and every policy in it is ``direct``;
* otherwise a policy equal (as a ``Policy`` value) to a policy of the member's groups is taken as a group's copy,
  as many times as the member's groups give it; a copy beyond that, or a policy that matches none, is ``direct``.

The evidence is the member's own: one listing read a moment apart from a group's (a policy added in between) can
mislead only about that member, never about the whole account. What cannot be told apart: a listing that holds
exactly the policies of the member's groups, each as many times as they give it, may be the groups' copies or a
"direct only" listing whose direct policies equal them; they are shown via the groups only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import pg_deprecation, pg_label
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    member_view,
    policy_view,
    readable_policy,
    scope_text,
)

DIRECT = "direct"
GROUP_PREFIX = "group:"
FINDING_KINDS = ("super_admin", "direct_policy", "pending_member", "no_group", "empty_group", "deprecated_role")
SUPER_ADMIN_LABELS = ("super_admin",)
SUPER_ADMIN_NAME = "super administrator"


def is_super_admin(pg):
    """Cloudflare's Super Administrator role: label ``super_admin`` or a name starting "Super Administrator"."""
    name = ((pg or {}).get("name") or "").strip().lower()
    return pg_label(pg) in SUPER_ADMIN_LABELS or name.startswith(SUPER_ADMIN_NAME)


class _Renderer(object):
    """Views of Policy values, each computed once (a report shows the same policies many times)."""

    def __init__(self, catalogue):
        self.catalogue = catalogue
        self._views = {}

    def view(self, policy):
        if policy not in self._views:
            self._views[policy] = policy_view(policy, self.catalogue)
        return self._views[policy]

    def scope(self, policy):
        readable = readable_policy(self.view(policy))
        return dict((k, v) for k, v in readable.items() if k not in ("access", "permission_groups"))

    def policy(self, policy):
        """A group's policy: ``{access, permission_groups: [{id, name, label}], scope, scope_text}``."""
        scope = self.scope(policy)
        return {"access": policy.access, "permission_groups": self.view(policy)["permission_groups"],
                "scope": scope, "scope_text": scope_text(scope)}

    def grant(self, policy, via):
        """One grant (a single-role policy): ``{access, permission_group, scope, scope_text, via}``."""
        scope = self.scope(policy)
        return {"access": policy.access, "permission_group": self.view(policy)["permission_groups"][0],
                "scope": scope, "scope_text": scope_text(scope),
                "via": sorted(via, key=lambda v: (v != DIRECT, v))}


def grant_sort_key(grant):
    pg = grant["permission_group"]
    return (pg.get("name") or pg.get("id") or "", grant["access"], grant["scope_text"])


def _api_policies(items, named_ids):
    """``[(policy id, Policy)]`` of an API listing's policies."""
    return [(p.get("id"), Policy.from_api(p, named_ids)) for p in items or [] if isinstance(p, dict)]


class AccessIndex(object):
    """The account's groups, memberships and member policies, indexed for ``sources``."""

    def __init__(self, members, groups, group_members, named_ids=None):
        self.groups = dict((g["id"], g) for g in groups if g.get("id"))
        self.group_policies = dict((gid, _api_policies(g.get("policies"), named_ids)) for gid, g in self.groups.items())
        self.owner = {}
        for gid, policies in self.group_policies.items():
            for pid, _policy in policies:
                if pid:
                    self.owner.setdefault(pid, gid)
        self.groups_of = {}
        self.listed = {}  # members known only from group member listings
        for gid in self.groups:
            for member in group_members.get(gid) or []:
                if isinstance(member, dict) and member.get("id"):
                    self.groups_of.setdefault(member["id"], []).append(gid)
                    self.listed.setdefault(member["id"], member)
        self.members = [m for m in members if isinstance(m, dict) and m.get("id")]
        known = set(m["id"] for m in self.members)
        self.members.extend(m for mid, m in sorted(self.listed.items()) if mid not in known)
        self.member_policies = dict((m["id"], _api_policies(m.get("policies"), named_ids)) for m in self.members)
        self.ids_repeated = any(pid in self.owner for policies in self.member_policies.values() for pid, _p in policies)

    def group_name(self, gid):
        return self.groups[gid].get("name") or gid

    def via_group(self, gid):
        return GROUP_PREFIX + self.group_name(gid)

    def sources(self, member_id):
        """``{Policy: set of via}``: every policy the member holds and where it comes from (see the module doc)."""
        sources = {}
        given = {}  # policy value -> how many copies the member's groups give
        for gid in self.groups_of.get(member_id) or []:
            for _pid, policy in self.group_policies[gid]:
                sources.setdefault(policy, set()).add(self.via_group(gid))
                given[policy] = given.get(policy, 0) + 1
        listing = self.member_policies.get(member_id) or []
        listed = {}
        for _pid, policy in listing:
            listed[policy] = listed.get(policy, 0) + 1
        # A listing that lacks a policy of the member's groups holds the member's own policies only.
        own_only = any(policy not in listed for policy in given)
        left = dict(given)
        for pid, policy in listing:
            if pid and pid in self.owner:
                sources.setdefault(policy, set()).add(self.via_group(self.owner[pid]))
            elif self.ids_repeated or own_only or not left.get(policy):
                sources.setdefault(policy, set()).add(DIRECT)
            else:
                left[policy] -= 1  # one group's copy; a copy beyond what the groups give is direct
        return sources


def explode(sources):
    """``{single-role Policy: set of via}``: one grant per role of each policy, the sources of equal grants merged."""
    grants = {}
    for policy, via in sources.items():
        for pg_id in policy.permission_groups:
            single = Policy(policy.access, frozenset([pg_id]), policy.resource_groups)
            grants.setdefault(single, set()).update(via)
    return grants


def member_entries(index, renderer):
    """The ``members`` of the review: ``{id, email, status, groups, grants, roles}``, sorted by email."""
    out = []
    for member in index.members:
        grants = explode(index.sources(member["id"]))
        entry = member_view(member)
        entry["groups"] = sorted(index.group_name(g) for g in index.groups_of.get(member["id"]) or [])
        entry["grants"] = sorted((renderer.grant(p, via) for p, via in grants.items()), key=grant_sort_key)
        entry["roles"] = sorted(r.get("name") for r in member.get("roles") or [] if isinstance(r, dict) and r.get("name"))
        out.append(entry)
    return sorted(out, key=lambda m: (m["email"] or "", m["id"] or ""))


def group_entries(index, renderer, emails):
    """The ``groups`` of the review: ``{id, name, members: [emails], policies}``, sorted by name."""
    members_of = {}
    for mid, gids in index.groups_of.items():
        for gid in gids:
            members_of.setdefault(gid, []).append(emails.get(mid) or mid)
    out = []
    for gid, group in index.groups.items():
        policies = sorted((renderer.policy(p) for p in dict.fromkeys(p for _pid, p in index.group_policies[gid])),
                          key=lambda v: (v["access"], [pg.get("name") or "" for pg in v["permission_groups"]],
                                         v["scope_text"]))
        out.append({"id": gid, "name": group.get("name"), "members": sorted(members_of.get(gid) or []),
                    "policies": policies})
    return sorted(out, key=lambda g: (g["name"] or "", g["id"]))


def access_review(members, groups, group_members, catalogue, named_ids=None):
    """``{members, groups, findings, summary}`` of one account from its listings (see the module doc).

    ``members``: the account member listing (with ``policies``); ``groups``: the user group listing (with
    ``policies``); ``group_members``: ``{group id: member listing}``; ``named_ids``: ids of the named resource
    groups (None when not read).
    """
    index = AccessIndex(members, groups, group_members, named_ids)
    renderer = _Renderer(catalogue)
    member_list = member_entries(index, renderer)
    emails = dict((m["id"], m["email"]) for m in member_list)
    group_list = group_entries(index, renderer, emails)
    found = findings(member_list, group_list, catalogue)
    summary = {"members": len(member_list), "pending": len([m for m in member_list if m["status"] == "pending"]),
               "groups": len(group_list), "grants": sum(len(m["grants"]) for m in member_list),
               "findings": dict((kind, len([f for f in found if f["kind"] == kind])) for kind in FINDING_KINDS),
               "policy_ids_repeated": index.ids_repeated}
    return {"members": member_list, "groups": group_list, "findings": found, "summary": summary}


# --------------------------------------------------------------------------- findings
def _grant_label(grant):
    return "%s%s (%s)" % ("deny " if grant["access"] == "deny" else "", grant["permission_group"].get("name")
                          or grant["permission_group"].get("id"), grant["scope_text"])


def _finding(kind, subject, message):
    return {"kind": kind, "subject": subject, "message": message}


def _member_findings(member, catalogue):
    found = []
    who = member["email"] or member["id"]
    supers = [g for g in member["grants"] if g["access"] == "allow"
              and is_super_admin(catalogue.describe_permission_group(g["permission_group"]["id"])
                                 or g["permission_group"])]
    legacy = [r for r in member["roles"] if r.lower().startswith(SUPER_ADMIN_NAME)]
    if supers or legacy:
        parts = ["%s via %s" % (_grant_label(g), ", ".join(g["via"])) for g in supers]
        parts.extend("legacy account role %s" % r for r in legacy)
        found.append(_finding("super_admin", who, "%s holds Super Administrator: %s" % (who, "; ".join(parts))))
    direct = [g for g in member["grants"] if DIRECT in g["via"]]
    if direct:
        found.append(_finding("direct_policy", who, "%s holds %d grant(s) outside any group, which group-based "
                              "access does not govern: %s" % (who, len(direct), "; ".join(map(_grant_label, direct)))))
    if member["status"] == "pending" and member["grants"]:
        found.append(_finding("pending_member", who, "%s was invited and never accepted, yet holds %d grant(s): %s" % (
            who, len(member["grants"]), "; ".join(map(_grant_label, member["grants"])))))
    if not member["groups"]:
        held = "%d direct grant(s)" % len(member["grants"]) if member["grants"] else "no grant"
        found.append(_finding("no_group", who, "%s is in no user group (holds %s)" % (who, held)))
    return found


def _deprecated_findings(members, groups, catalogue):
    holders = {}
    for group in groups:
        for policy in group["policies"]:
            for pg in policy["permission_groups"]:
                holders.setdefault(pg["id"], set()).add("group %s" % group["name"])
    for member in members:
        for grant in member["grants"]:
            if DIRECT in grant["via"]:
                holders.setdefault(grant["permission_group"]["id"], set()).add("%s directly" % member["email"])
    found = []
    for pg_id, who in holders.items():
        pg = catalogue.describe_permission_group(pg_id) or {}
        deprecated, eol = pg_deprecation(pg)
        if deprecated:
            name = pg.get("name") or pg_id
            found.append(_finding("deprecated_role", name, "%s (%s) is deprecated by Cloudflare%s; held by %s: choose "
                                  "its replacement" % (name, pg_label(pg), " (end of life %s)" % eol if eol else "",
                                                       ", ".join(sorted(who)))))
    return found


def findings(members, groups, catalogue):
    """``[{kind, subject, message}]`` a reviewer must look at, by kind (``FINDING_KINDS`` order), then subject."""
    found = []
    for member in members:
        found.extend(_member_findings(member, catalogue))
    for group in groups:
        if not group["members"]:
            found.append(_finding("empty_group", group["name"], "user group %s has no members (%d policies)" % (
                group["name"], len(group["policies"]))))
    found.extend(_deprecated_findings(members, groups, catalogue))
    order = dict((kind, n) for n, kind in enumerate(FINDING_KINDS))
    return sorted(found, key=lambda f: (order[f["kind"]], f["subject"] or "", f["message"]))
