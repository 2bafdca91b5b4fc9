# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Approved plans: what a check run records for approval, and how a later run proves it applies exactly that.

Layer 6 of 9, planning (the layer map: docs/development.md). It may import ``common`` and ``model``; it sends no
request, resolves no name and reads no file. ``cf_user_groups_plan`` builds an entry from its account plan
(``entry``) in check mode with ``plan_out``; a later run with ``approved_plan`` plans again and applies only when
``differences`` finds nothing between the approved entry and the entry of its own plan.

An entry holds, for one account:

* ``changes``: what the plan does, per declared group (``groups``: create or update, the plain fields set, the
  policies attached and detached, the members added and removed) and the groups the purge deletes (``delete``);
* ``read``: the fingerprint of every object the plan reads or touches, as read: each declared group (by its declared
  name: None when it does not exist) and each group the purge deletes (by id), with its id, plain fields, policies
  and, where the plan read them, member ids. Everything is normalised from the model's values and sorted, so two
  readings of the same account are equal whatever the order Cloudflare returns; policy ids (which Cloudflare
  regenerates on every write) are never part of it;
* ``digest``: a SHA-256 of the account id, ``changes`` and ``read`` (what an approver quotes);
* ``labels``: emails of the member ids it names, and ``account``, ``planned_at``: for messages only.

The entry travels as extra variables (``-e @PATH``, AWX artifacts), which Ansible templates when the role passes
them on; group names and emails come from the account (anyone who can name a group, through SCIM too, chooses them).
So what is written and returned is the entry ``seal``ed: ``plan``, the entry's canonical JSON in base64 (no template
marker can appear in it), next to the ``digest`` and, for people, the account and a ``summary`` of the changes with
every template marker broken (``inert``). ``approved_entry`` unseals it and checks the digest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json
import re

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, shown_name
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group

FORMAT = 2
VARIABLE = "user_groups_approved_plan"
FIX = ("run the check job again (user_groups_plan_out) and approve its plan, or undo the changes listed; nothing "
       "was written")


# --------------------------------------------------------------------------- building an entry
def policy_bodies(policies):
    """Policy values as sorted request bodies (no policy id): the order-insensitive form of a policy list."""
    return [p.body() for p in sorted(policies or [], key=lambda p: p.sort_key())]


def group_state(group):
    """The fingerprint of a ``model.Group`` as read (None: the group does not exist)."""
    if group is None:
        return None
    return {"id": group.id, "fields": dict(group.fields), "policies": policy_bodies(group.policies),
            "members": None if group.member_ids is None else sorted(group.member_ids)}


def group_change(gplan):
    """What a ``planning.GroupPlan`` changes, normalised: the action, the plain fields, policies and members."""
    change = {"action": "create" if gplan.create else "update"}
    if gplan.changes:
        change["fields"] = dict(gplan.changes)
    if gplan.policies is not None and gplan.policies.changed:
        change["policies"] = {"attach": policy_bodies(gplan.policies.added),
                              "detach": policy_bodies(gplan.policies.removed)}
    if gplan.members is not None and gplan.members.changed:
        change["members"] = {"add": sorted(gplan.members.to_add), "remove": sorted(gplan.members.to_remove)}
    return change


def digest(account_id, changes, read):
    text = json.dumps({"account": account_id, "changes": changes, "read": read}, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry(account, plan, current_policies, doomed, planned_at, email_of=None):
    """The approved-plan entry of one account's plan (``planning.AccountPlan``).

    ``account``: ``{id, name}``; ``current_policies``: ``{group id: [Policy]}`` as read; ``doomed``: ``{group id:
    [member dicts]}``, the member listings of the groups the purge deletes; ``email_of(member id)``: its email or
    None (for the ``labels``).
    """
    changes = {"groups": {}, "delete": {}}
    read = {"groups": {}, "deleted": {}}
    for wanted, gplan in plan.groups:
        read["groups"][wanted.name] = group_state(gplan.before)
        if gplan.changed:
            changes["groups"][wanted.name] = group_change(gplan)
    for name in plan.missing_scim:
        read["groups"][name] = None
    for group in plan.delete:
        members = doomed.get(group["id"])
        read["deleted"][group["id"]] = group_state(Group.from_api(
            group, current_policies.get(group["id"]), None if members is None else [m["id"] for m in members]))
        changes["delete"][group["id"]] = group.get("name")
    named = set()
    for state in list(read["groups"].values()) + list(read["deleted"].values()):
        named.update((state or {}).get("members") or [])
    for change in changes["groups"].values():
        named.update(m for part in (change.get("members") or {}).values() for m in part)
    return {"format": FORMAT, "account": dict(account), "planned_at": planned_at,
            "digest": digest(account["id"], changes, read), "changes": changes, "read": read,
            "labels": labels_of(named, email_of)}


def labels_of(member_ids, email_of):
    labels = {}
    for mid in sorted(member_ids):
        email = email_of(mid) if email_of is not None else None
        if email:
            labels[mid] = email
    return labels


# --------------------------------------------------------------------------- sealing: what travels as a variable
_MARKER = re.compile(r"\{(?=[{%#])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def inert(text):
    """``text`` on one line with every template marker broken (``{{`` ``{%`` ``{#`` get a space after the brace): no
    form of it is a template to Ansible, whatever its version."""
    return _MARKER.sub("{ ", _BREAKS.sub(" ", "" if text is None else str(text)))


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def summary(found, texts):
    """One line per group the plan changes (``group 'name': create, add members ...``), in the entry's order."""
    lines = ["group %s: %s" % (shown_name(name), change_text(change, texts))
             for name, change in sorted(found["changes"]["groups"].items())]
    lines += ["group %s (%s): delete" % (shown_name(name), gid) for gid, name in sorted(
        found["changes"]["delete"].items())]
    return lines or ["no change"]


def seal(found, texts=None):
    """The entry as it travels: the entry itself only as ``plan`` (base64 of its canonical JSON), with its ``digest``,
    and an ``account``, ``planned_at`` and ``summary`` for people (template markers broken, not checked)."""
    account = found["account"]
    return {"format": FORMAT, "digest": found["digest"], "planned_at": inert(found.get("planned_at")),
            "account": {"id": inert(account.get("id")), "name": inert(account.get("name")) or None},
            "summary": [inert(line) for line in summary(found, texts)] if texts is not None else [],
            "plan": base64.b64encode(canonical(found).encode("utf-8")).decode("ascii")}


def unseal(sealed):
    """``(entry, [])`` out of a sealed entry, or ``(None, problems)``."""
    if not isinstance(sealed, dict):
        return None, ["not a mapping"]
    if sealed.get("format") != FORMAT:
        return None, ["format %r, this collection writes format %d: plan again with this version" % (
            sealed.get("format"), FORMAT)]
    try:
        found = json.loads(base64.b64decode(str(sealed.get("plan") or ""), validate=True).decode("utf-8"))
    except (binascii.Error, TypeError, ValueError):
        return None, ["its plan is not the base64 text of a plan (it was edited after the check run)"]
    if not isinstance(found, dict) or found.get("digest") != sealed.get("digest"):
        return None, ["its digest is not the digest of its plan: it was edited after the check run"]
    return found, []


# --------------------------------------------------------------------------- reading an approved plan
def approved_entry(value, account_id):
    """The approved entry for ``account_id`` out of ``user_groups_approved_plan`` (``{account id: entry}``).

    Raises ResolutionError, leading with the fix, when the value is not a plan the role wrote, holds none for this
    account, or one for another account."""
    how = ("pass the file user_groups_plan_out wrote (-e @PATH) or the artifact of the check job, unchanged")
    if isinstance(value, dict) and VARIABLE in value and len(value) == 1:
        raise ResolutionError(["%s: %s is the whole file; load it with -e @PATH (the file sets %s)" % (
            how, VARIABLE, VARIABLE)])
    try:
        value = json.loads(json.dumps(value))
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ResolutionError(["%s: %s must be a mapping of account ids to plans, got %s" % (
            how, VARIABLE, type(value).__name__ if value is not None else "something that is not JSON")])
    found = value.get(account_id)
    if found is None:
        raise ResolutionError(["run the check job for account %s and approve its plan: %s holds no plan for it "
                               "(it holds plans for %s); nothing was written" % (
                                   account_id, VARIABLE, ", ".join(sorted(value)) or "no account")])
    found, problems = unseal(found)
    problems = problems or entry_problems(found, account_id)
    if problems:
        raise ResolutionError(["%s: the plan of account %s in %s is not one the role wrote (%s)" % (
            how, account_id, VARIABLE, "; ".join(problems))])
    return found


def entry_problems(found, account_id):
    if not isinstance(found, dict):
        return ["not a mapping"]
    if found.get("format") != FORMAT:
        return ["format %r, this collection writes format %d: plan again with this version" % (
            found.get("format"), FORMAT)]
    problems = []
    account = found.get("account")
    if not isinstance(account, dict) or account.get("id") != account_id:
        problems.append("it is the plan of account %s, not of account %s" % (
            account.get("id") if isinstance(account, dict) else None, account_id))
    for key, parts in (("changes", ("groups", "delete")), ("read", ("groups", "deleted"))):
        part = found.get(key)
        if not isinstance(part, dict) or not all(isinstance(part.get(p), dict) for p in parts):
            problems.append("%s is missing or not a mapping of %s" % (key, " and ".join(parts)))
    if not problems and found.get("digest") != digest(account_id, found["changes"], found["read"]):
        problems.append("its digest does not match its content: it was edited after the check run")
    return problems


# --------------------------------------------------------------------------- comparing
class Texts(object):
    """How the caller renders ids for people: ``members(ids)`` and ``policies(bodies)`` return lists of text, and
    ``group_name(id)`` the name of a group of the account as read now (None when there is none)."""

    def __init__(self, members, policies, group_name):
        self.members = members
        self.policies = policies
        self.group_name = group_name


def _name(state):
    return ((state or {}).get("fields") or {}).get("name")


def state_changes(approved, now, texts):
    """How a group's fingerprint changed since approval, as phrases (empty: unchanged)."""
    if approved == now:
        return []
    if approved is None:
        return ["a group of this name appeared since approval (id %s)" % now.get("id")]
    if now is None:
        elsewhere = texts.group_name(approved.get("id"))
        if elsewhere is not None:
            return ["it was renamed to %s since approval (id %s)" % (shown_name(elsewhere), approved.get("id"))]
        return ["it was deleted since approval (id %s)" % approved.get("id")]
    if approved.get("id") != now.get("id"):
        return ["it was replaced since approval: id %s then, %s now" % (approved.get("id"), now.get("id"))]
    found = []
    before, after = approved.get("fields") or {}, now.get("fields") or {}
    for field in sorted(set(before) | set(after)):
        if before.get(field) != after.get(field):
            what = "renamed" if field == "name" else "its %s changed" % field
            found.append("%s since approval from %s to %s" % (
                what, shown_name(before.get(field)), shown_name(after.get(field))))
    found.extend(_set_changes(approved, now, "members", texts.members, "member"))
    found.extend(_set_changes(approved, now, "policies", texts.policies, "policy"))
    return found


def _set_changes(approved, now, key, render, what):
    old, new = approved.get(key), now.get(key)
    if old is None or new is None or old == new:
        return []  # not read both times: the declaration changed what is managed (the plan comparison says so)
    keyed = dict((json.dumps(x, sort_keys=True), x) for x in old + new)
    old_keys, new_keys = set(json.dumps(x, sort_keys=True) for x in old), set(json.dumps(x, sort_keys=True) for x in new)
    found = []
    for verb, keys in (("added", sorted(new_keys - old_keys)), ("removed", sorted(old_keys - new_keys))):
        if keys:
            items = sorted(render([keyed[k] for k in keys]))
            found.append("%s %s %s since approval: %s" % (what if len(items) == 1 else what + "s", "was" if len(
                items) == 1 else "were", verb, ", ".join(items)))
    if not found:
        found.append("its %s changed since approval (repeats)" % key)
    return found


def change_text(change, texts):
    """One line for a group's planned change (``group_change``), or ``no change``."""
    if not change:
        return "no change"
    parts = [change["action"]]
    for field, value in sorted((change.get("fields") or {}).items()):
        if not (field == "name" and change["action"] == "create"):
            parts.append("set %s to %s" % (field, shown_name(value)))
    for verb, key, part in (("add members", "members", "add"), ("remove members", "members", "remove"),
                            ("attach", "policies", "attach"), ("detach", "policies", "detach")):
        items = (change.get(key) or {}).get(part)
        if items:
            parts.append("%s %s" % (verb, ", ".join(sorted((texts.members if key == "members" else texts.policies)(
                items)))))
    return ", ".join(parts)


def group_differences(approved, now, texts):
    """``[(group text, [how])]`` for the declared groups: fingerprints first, then the plan of each group whose
    fingerprint is unchanged (then the declaration or the role's variables changed)."""
    found = []
    old_read, new_read = approved["read"]["groups"], now["read"]["groups"]
    old_changes, new_changes = approved["changes"]["groups"], now["changes"]["groups"]
    for name in sorted(set(old_read) | set(new_read) | set(old_changes) | set(new_changes)):
        label = "group %s" % shown_name(name)
        if name not in new_read and name not in new_changes:
            found.append((label, ["it is no longer declared (the declaration changed since approval)"]))
            continue
        if name not in old_read and name not in old_changes:
            found.append((label, ["it is declared since approval (the declaration changed): %s" % change_text(
                new_changes.get(name), texts)]))
            continue
        how = state_changes(old_read.get(name), new_read.get(name), texts)
        if not how and old_changes.get(name) != new_changes.get(name):
            how = ["the declaration or the role's variables changed since approval, so the plan differs: approved "
                   "%s; now %s" % (change_text(old_changes.get(name), texts),
                                   change_text(new_changes.get(name), texts))]
        if how:
            found.append((label, how))
    return found


def purge_differences(approved, now, texts):
    """``[(group text, [how])]`` for the groups the purge deletes (by id)."""
    found = []
    old_read, new_read = approved["read"]["deleted"], now["read"]["deleted"]
    for gid in sorted(set(old_read) | set(new_read)):
        old, new = old_read.get(gid), new_read.get(gid)
        label = "group %s (%s)" % (shown_name(_name(new) or _name(old) or approved["changes"]["delete"].get(gid)),
                                   gid)
        if gid not in old_read:
            found.append((label, ["it appeared since approval (or no longer matches user_groups_purge_exclude or "
                                  "the declaration), and the purge would now delete it"]))
        elif gid not in new_read:
            name = texts.group_name(gid)
            found.append((label, ["the purge no longer deletes it: %s" % (
                "it was deleted since approval" if name is None else
                "it is declared or excluded now, or was renamed to %s" % shown_name(name))]))
        else:
            how = state_changes(old, new, texts)
            if how:
                found.append((label, how))
    return found


def differences(approved, now, texts):
    """Every difference between an approved entry and the entry of the plan made now, as ``group: how`` texts."""
    if approved.get("digest") == now.get("digest"):
        return []
    found = group_differences(approved, now, texts) + purge_differences(approved, now, texts)
    out = ["%s: %s" % (label, "; ".join(how)) for label, how in found]
    return out or ["the plan differs from the approved one in a way no group shows (digest %s approved, %s now)" % (
        approved.get("digest", "")[:12], now.get("digest", "")[:12])]


def check(approved, now, texts):
    """Raise ResolutionError (the fix first, then every group that changed and how) unless the plan made now is the
    approved one and the account still reads as it did; returns the digest applied."""
    found = differences(approved, now, texts)
    if found:
        raise ResolutionError(["%s. Account %s or its declaration changed since its plan %s (made %s) was approved, "
                               "in %d place(s)" % (FIX, now["account"]["id"], approved.get("digest", "")[:12],
                                                   approved.get("planned_at") or "at an unknown time", len(found))]
                              + found)
    return now["digest"]
