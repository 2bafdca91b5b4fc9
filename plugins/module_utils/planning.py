# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plans: set arithmetic on model values, and nothing else (no API call, no name lookup, no rendering).

Layer 6 of 9, planning (the layer map: docs/development.md). It may import ``common`` and ``model``; it sends no
request and resolves no name. A plan says what the state becomes and which requests make it so; check mode
shows the plan, a real run carries it out, so both report the same result by construction.

The membership and policy rules, in one place:

* a list that is not given leaves that part of the group alone;
* ``exclusive`` makes the part exactly the list (``[]`` empties it), otherwise the list is added to what is
  there (``state=absent`` removes what is listed);
* members are added with ``POST`` and removed one by one with ``DELETE`` (no concurrent addition can be lost);
  only an exclusive list that also removes members replaces the whole membership with one ``PUT``;
* policies have no per-policy endpoint: a change is one ``PUT`` of the group's whole policy list, the ones
  that stay re-sent unchanged;
* an entry whose ``expires`` date has come (``expired``: the day itself included, UTC) counts as removed: it is
  no longer wanted and is removed from the group whatever ``exclusive`` says (docs/expiring-access.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from fractions import Fraction

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    LOOK_ALIKE,
    comparable_name,
    expired_keys,
    name_literal,
    shown_name,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group, unique


class MemberPlan(object):
    """``to_add`` / ``to_remove`` / ``after`` (member ids) and how to send it (``method``)."""

    def __init__(self, before, to_add, to_remove, after, method):
        self.before = before
        self.to_add = to_add
        self.to_remove = to_remove
        self.after = after
        self.method = method  # None, "POST" (add), "DELETE" (remove one by one), "PUT" (replace)

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)


def plan_members(current_ids, wanted_ids, state="present", exclusive=False, expired=()):
    """Membership as sets (order and repeats ignored); see the module docstring for the rules. ``expired``: member
    ids whose entry expired, removed whatever ``exclusive`` says."""
    current = list(dict.fromkeys(current_ids or []))
    expired = set(expired or ())
    wanted = [m for m in dict.fromkeys(wanted_ids or []) if state == "absent" or m not in expired]
    current_set, wanted_set = set(current), set(wanted)
    if state == "absent":
        to_remove = [m for m in current if m in wanted_set]
        return MemberPlan(current, [], to_remove, [m for m in current if m not in wanted_set],
                          "DELETE" if to_remove else None)
    to_add = [m for m in wanted if m not in current_set]
    to_remove = [m for m in current if m not in wanted_set] if exclusive else [m for m in current if m in expired]
    after = [m for m in current if m not in set(to_remove)] + to_add
    if to_remove and exclusive:
        method = "PUT"
    else:
        method = "POST" if to_add else "DELETE" if to_remove else None
    return MemberPlan(current, to_add, to_remove, after, method)


class PolicyPlan(object):
    """The policies before and after (Policy values), what is added and removed, and the PUT body."""

    def __init__(self, before, after, added, removed):
        self.before = before
        self.after = after
        self.added = added
        self.removed = removed

    @property
    def changed(self):
        return bool(self.added or self.removed)

    def bodies(self):
        return [p.body() for p in self.after]


def plan_policies(current, desired, state="present", exclusive=False, expired=()):
    """Policies as sets of Policy values.

    ``present`` adds each desired policy that is missing (``exclusive`` also removes every other one, and
    repeats of a kept one); ``absent`` removes each desired policy (every copy). ``expired``: policies whose entry
    expired, detached (every copy) whatever ``exclusive`` says.
    """
    current = list(current or [])
    expired = set(expired or ()) if state != "absent" else set()
    desired = [p for p in unique(desired or []) if p not in expired]
    wanted = set(desired)
    if state == "absent":
        removed = [p for p in current if p in wanted]
        after = [p for p in current if p not in wanted]
        return PolicyPlan(current, after, [], removed)
    present = set(current)
    added = [p for p in desired if p not in present]
    if exclusive:
        after = list(desired)
        kept = set()
        removed = []
        for policy in current:
            if policy in wanted and policy not in kept:
                kept.add(policy)
            else:
                removed.append(policy)
        return PolicyPlan(current, after, added, removed)
    removed = [p for p in current if p in expired]
    return PolicyPlan(current, [p for p in current if p not in expired] + added, added, removed)


class GroupPlan(object):
    """Everything one group needs: create it or change its plain fields (a rename is one), its policies, its members.

    ``before`` is the group as read (a Group value; None when it is created), ``changes`` the plain fields sent
    (``{field: value}``: every one set for a create, those that differ otherwise), ``policies`` a PolicyPlan and
    ``members`` a MemberPlan (None: left alone).
    """

    def __init__(self, name, current=None, changes=None, policies=None, members=None, before=None):
        self.name = name  # the group's name after the plan
        self.current = current  # the group as read (API dict), None when it is to be created
        self.changes = dict(changes or {})
        self.policies = policies
        self.members = members
        self.before = before if before is not None or current is None else Group.from_api(current)

    @property
    def create(self):
        return self.current is None

    @property
    def rename(self):
        """The new name, or None."""
        return None if self.create else self.changes.get("name")

    @property
    def changed(self):
        return self.create or bool(self.changes) or any(
            part is not None and part.changed for part in (self.policies, self.members))

    @property
    def policies_change(self):
        return self.policies is not None and self.policies.changed

    def after(self):
        """The group as the plan leaves it (a Group value): the changes made, the policies and members planned."""
        base = self.before if self.before is not None else Group.of()
        return base.updated(self.changes, self.policies.after if self.policies is not None else None,
                            self.members.after if self.members is not None else None)

    def _sent(self):
        """``(Group, policies sent)``: the group whose ``changes`` the write sends, or ``(None, False)``: no write.

        A create sends the plain fields set and, when managed, the policies. A change sends the plain fields that
        differ and the policies when they change; Cloudflare does not document what a PUT without policies does to
        them, so a plain field change re-sends the policies as read right before (they are kept whichever way it
        answers). The policies alone never send the name (an IdP-pushed group's name belongs to the identity
        provider).
        """
        if self.create:
            return self.after(), self.policies is not None
        if self.policies_change:
            return self.after(), True
        if self.changes:
            return self.before.updated(self.changes), True
        return None, False

    def body(self):
        """The request body that creates the group or changes it ({} when nothing is to be sent)."""
        group, policies = self._sent()
        return {} if group is None else group.body(self.changes, policies)

    def sending(self):
        """The Policy values the write sends (None when it sends none): a 1006 refusal shows them."""
        group, policies = self._sent()
        return list(group.policies) if policies and group.policies is not None else None


def plan_group(current, name, current_policies=None, desired_policies=None, exclusive_policies=True,
               current_member_ids=None, desired_member_ids=None, exclusive_members=True, fields=None, expired=None):
    """The plan of one group; ``current`` None means it is created (with no policies and no members yet).

    The wanted plain fields are ``name`` and ``fields`` (``{field: value}`` of ``Group.FIELDS``; ``name`` need not
    be repeated there); each is compared on its own, a None value (or a field not given) is left alone. Policies
    and members: see ``plan_policies`` and ``plan_members`` (None: left alone; ``current_policies`` None: those of
    ``current``); ``expired``: ``(member ids, policies)`` whose entries expired (removed).
    """
    expired_members, expired_policies = expired or ((), ())
    wanted = dict(fields or {})
    if name is not None:
        wanted["name"] = name
    before = None
    if current is not None:
        before = Group.from_api(current, current_policies, current_member_ids)
    changes = Group.of(wanted).changes_from(before)
    policies = None
    if desired_policies is not None:
        policies = plan_policies(list(before.policies) if before is not None else [], desired_policies, "present",
                                 exclusive_policies, expired_policies)
    members = None
    if desired_member_ids is not None:
        members = plan_members(current_member_ids if current is not None else [], desired_member_ids, "present",
                               exclusive_members, expired_members)
    after_name = changes.get("name", before.name if before is not None else None)
    return GroupPlan(after_name, current, changes, policies, members, before)


# --------------------------------------------------------------------------- the whole account (the role)
LOOKALIKE_FAIL, LOOKALIKE_WARN = "fail", "warn"


def pattern_protects(pattern, name):
    """A purge exclusion protects a group when it equals the name or the regular expression is found in it."""
    return name == pattern or bool(pattern.search(name) if hasattr(pattern, "search") else False)


def spare_members(plan, protected_ids):
    """``(MemberPlan, spared ids)``: the plan without the removal of any protected member (they stay in the group)."""
    spared = [m for m in plan.to_remove if m in protected_ids]
    if not spared:
        return plan, []
    to_remove = [m for m in plan.to_remove if m not in protected_ids]
    after = [m for m in plan.before if m not in set(to_remove)] + [m for m in plan.to_add if m not in plan.before]
    method = plan.method if to_remove else ("POST" if plan.to_add else None)
    return MemberPlan(plan.before, plan.to_add, to_remove, after, method), spared


class AccountPlan(object):
    """The plan of a whole account: one GroupPlan per declared group that exists or is created, the deletes."""

    def __init__(self):
        self.groups = []  # (DesiredGroup, GroupPlan) for every declared group that is planned
        self.delete = []  # groups (API dicts) the purge deletes
        self.protected = {}  # purge exclusion pattern -> names of undeclared groups it protected
        self.look_alikes = {}  # undeclared group name -> declared name it looks like (never purged)
        self.renamed = {}  # previous name -> declared name, for the groups renamed in place
        self.spared = {}  # declared name -> protected member ids its exclusive list would have removed
        self.missing_scim = []  # declared SCIM groups the identity provider has not pushed
        self.problems = []
        self.warnings = []
        self.today = None  # the date the entries' expires were compared with (None: nothing expires)

    @property
    def changed(self):
        return bool(self.delete) or any(plan.changed for _desired, plan in self.groups)

    def removals(self, group_count, deleted_memberships=0):
        """What the plan removes, and out of how much: ``{kind: (removed, total)}`` for the account's groups, the
        memberships (of the groups whose members are managed, and ``deleted_memberships``: those of the groups the
        purge deletes, each removed with its group) and the policies of the groups whose policies are managed.

        An entry whose ``expires`` date has come is not counted as removed (it still counts in the total): its date
        is the explicit yes, written in the declaration, that the removal ratio asks for otherwise."""
        existing = [(desired, gplan) for desired, gplan in self.groups if not gplan.create]

        def expired(expiry):
            return expired_keys(expiry, self.today) if self.today is not None else set()

        members = [(g.members, expired(d.member_expiry)) for d, g in existing if g.members is not None]
        policies = [(g.policies, expired(d.policy_expiry)) for d, g in existing if g.policies is not None]
        return {"groups": (len(self.delete), group_count),
                "members": (sum(len([m for m in plan.to_remove if m not in gone]) for plan, gone in members)
                            + deleted_memberships,
                            sum(len(set(plan.before)) for plan, _gone in members) + deleted_memberships),
                "policies": (sum(len([p for p in plan.removed if p not in gone]) for plan, gone in policies),
                             sum(len(plan.before) for plan, _gone in policies))}


def removal_share(value):
    """``user_groups_max_removal_ratio`` as an exact ``Fraction`` from 0 to 1, or None when it is not one (a boolean,
    a negative number, more than 1, text that is no number). ``0.29`` is exactly 29/100: no float rounding."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        share = Fraction(repr(value) if isinstance(value, float) else str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None
    return share if 0 <= share <= 1 else None


def over_ratio(removed, total, ratio):
    """True when removing ``removed`` of ``total`` goes beyond ``ratio`` (a share, compared exactly).

    Every removal counts: on an account of two groups, deleting one is half of them. An IAM run refuses when in
    doubt; ``user_groups_max_removal_ratio=1`` is the explicit yes.
    """
    share = ratio if isinstance(ratio, Fraction) else removal_share(ratio)
    if share is None:
        raise ValueError("not a share from 0 to 1: %r" % (ratio,))
    return removed * share.denominator > share.numerator * total


class _Account(object):
    """The account's groups, indexed by name and by look-alike name, and what the declaration names."""

    def __init__(self, current_groups, desired_groups):
        self.groups = current_groups
        self.by_name = {}
        for group in current_groups:
            self.by_name.setdefault(group.get("name"), []).append(group)
        self.declared = set(g.name for g in desired_groups)
        self.declared_like = set(comparable_name(g.name) for g in desired_groups)
        self.previous = set(p for g in desired_groups for p in g.previous_names)

    def look_alikes(self, name):
        """Groups whose name only looks like ``name`` and that the declaration does not name (nor as a previous name)."""
        key = comparable_name(name)
        return [g for g in self.groups if g.get("name") != name and g.get("name") not in self.declared
                and g.get("name") not in self.previous and comparable_name(g.get("name")) == key]


def _ref(group):
    return "%s (%s)" % (shown_name(group.get("name")), group.get("id"))


def _find_current(plan, desired, account, lookalike_names):
    """``(found, group)``: the account's group a declared one stands for (by name, else by a previous name).

    ``found`` is False when the declared group cannot be planned (a problem says why).
    """
    matches = account.by_name.get(desired.name, [])
    previous = [g for old in desired.previous_names for g in account.by_name.get(old, [])]
    if len(matches) > 1:
        plan.problems.append("%d user groups are named %s (ids: %s); delete or rename the extra ones" % (
            len(matches), shown_name(desired.name), ", ".join(sorted(g["id"] for g in matches))))
        return False, None
    if matches and previous:
        plan.problems.append(
            "group %s and its previous name %s both exist: the role renames a group only when the new name is free. "
            "Delete the group that is not meant (cf_user_group with its id and state: absent) or remove the name "
            "from previous_names, then run again" % (_ref(matches[0]), ", ".join(_ref(g) for g in previous)))
        return False, None
    if len(previous) > 1:
        plan.problems.append("several groups hold the previous names of group %s: %s; the role renames one group "
                             "only: delete or rename the others first" % (shown_name(desired.name),
                                                                          ", ".join(_ref(g) for g in previous)))
        return False, None
    current = matches[0] if matches else previous[0] if previous else None
    others = account.look_alikes(desired.name)
    if others and lookalike_names == LOOKALIKE_FAIL:
        plan.problems.append(_look_alike_problem(desired, current, others))
        return False, None
    if previous:
        plan.renamed[current.get("name")] = desired.name
    for other in others:
        plan.look_alikes[other.get("name")] = desired.name
        if current is None:
            plan.warnings.append(
                "declared group %s does not exist, but group %s does: their names %s. %s is created as a second group "
                "and %s is left alone (never purged); rename one of them if they are meant to be the same group" % (
                    shown_name(desired.name), _ref(other), LOOK_ALIKE, shown_name(desired.name),
                    shown_name(other.get("name"))))
    return True, current


def _look_alike_problem(desired, current, others):
    names = ", ".join(_ref(g) for g in others)
    spellings = ", ".join(name_literal(g.get("name")) for g in others)
    if current is None and desired.scim:
        return ("declare SCIM group %s exactly as %s: the identity provider owns the name. Declared SCIM group %s does "
                "not exist, but %s does: their names %s" % (shown_name(desired.name), spellings,
                                                            shown_name(desired.name), names, LOOK_ALIKE))
    if current is None:
        return ("add previous_names: [%s] to group %s to rename the existing group in place, or set "
                "user_groups_lookalike_names: warn to create a second group anyway. Declared group %s does not exist, "
                "but %s does: their names %s, so the run would create a second group and leave the old one's access "
                "in place" % (spellings, shown_name(desired.name), shown_name(desired.name), names, LOOK_ALIKE))
    return ("delete the look-alike %s (cf_user_group with its id and state: absent), or rename it by declaring a "
            "distinct name with previous_names: [%s]; to leave it as it is (never purged), set "
            "user_groups_lookalike_names: warn. Declared group %s has that look-alike in the account: their names %s, "
            "and nobody reviews its access" % (names, spellings, _ref(current), LOOK_ALIKE))


def _rename_order(plan):
    """The planned groups in the order of their writes: the renames first, each after the renames that free a name
    its new name looks like; then the others (a new group never meets a look-alike that a rename moves away).
    Renames that wait for each other (``A`` to ``b`` and ``B`` to ``a``) are a problem: nothing can go first."""
    pending = [item for item in plan.groups if item[1].rename]
    ordered = []
    while pending:
        ready = [item for item in pending if not any(
            other is not item and comparable_name(other[1].current.get("name")) == comparable_name(item[1].rename)
            for other in pending)]
        if not ready:
            plan.problems.append(
                "rename these groups in two runs (first to names that look like no other group's, then to the names "
                "wanted): %s; each new name looks like the current name of another group the run renames, so none "
                "of the renames can go first (the names %s)" % (
                    ", ".join("%s to %s" % (_ref(g.current), shown_name(g.rename)) for _d, g in pending), LOOK_ALIKE))
            ordered.extend(pending)
            break
        ordered.extend(ready)
        pending = [item for item in pending if item not in ready]
    plan.groups = ordered + [item for item in plan.groups if not item[1].rename]


def plan_account(desired_groups, current_groups, current_members, current_policies, exclusive_members=True,
                 exclusive_policies=True, purge=False, purge_exclude=None, lookalike_names=LOOKALIKE_FAIL,
                 protected_member_ids=None, today=None):
    """Compare the declaration with the account.

    ``current_members``: ``{group id: [member ids]}`` of the groups whose membership is managed;
    ``current_policies``: ``{group id: [Policy]}``; ``purge_exclude``: ``[(text, compiled regex)]``;
    ``lookalike_names``: a declared name that looks like an undeclared group's (``comparable_name``) is a problem
    (``fail``) or a warning (``warn``: the look-alike is left alone and never purged);
    ``protected_member_ids``: members an exclusive list (or an expired entry) never removes (``spared``);
    ``today``: the date the declared entries' ``expires`` are compared with (None: nothing expires).
    A group holding a previous name of a declared group (and none the new name) is renamed in place; ``groups`` lists
    the renames first (``_rename_order``), the order in which the writes must go.
    Problems that only the account can reveal are returned in ``problems``; look-alike names, protected groups and
    SCIM groups not pushed yet in ``warnings`` and the plan's fields.
    """
    plan = AccountPlan()
    plan.today = today
    account = _Account(current_groups, desired_groups)
    protected = set(protected_member_ids or [])
    for desired in desired_groups:
        found, current = _find_current(plan, desired, account, lookalike_names)
        if not found:
            continue
        if current is None and desired.scim:
            plan.missing_scim.append(desired.name)
            continue
        expired = (expired_keys(desired.member_expiry, today), expired_keys(desired.policy_expiry, today)) \
            if today is not None else None
        group_plan = plan_group(
            current, desired.name,
            current_policies=current_policies.get(current["id"]) if current else None,
            desired_policies=desired.policies, exclusive_policies=exclusive_policies,
            current_member_ids=current_members.get(current["id"]) if current else None,
            desired_member_ids=None if desired.scim else desired.member_ids,
            exclusive_members=exclusive_members and desired.members_declared, fields=desired.fields, expired=expired)
        if group_plan.members is not None and protected:
            group_plan.members, spared = spare_members(group_plan.members, protected)
            if spared:
                plan.spared[desired.name] = spared
        plan.groups.append((desired, group_plan))
    _rename_order(plan)
    if purge:
        _plan_purge(plan, account, purge_exclude)
    return plan


def _plan_purge(plan, account, purge_exclude):
    """The undeclared groups the purge deletes: not planned, not a look-alike left alone, not excluded."""
    kept = set(gplan.current["id"] for _desired, gplan in plan.groups if gplan.current is not None)
    for group in sorted(account.groups, key=lambda g: (g.get("name") or "", g.get("id") or "")):
        name = group.get("name") or ""
        if group.get("id") in kept or name in account.declared or name in account.previous:
            continue
        if comparable_name(name) in account.declared_like:
            continue  # a look-alike: a problem, or left alone with user_groups_lookalike_names: warn
        shields = [text for text, regex in purge_exclude or [] if pattern_protects(regex, name) or name == text]
        if shields:
            for text in shields:
                plan.protected.setdefault(text, []).append(name)
            continue
        plan.delete.append(group)
