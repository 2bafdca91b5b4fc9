# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_user_groups_plan: plan a whole declared hierarchy against the account (never writes).

Documentation: plugins/modules/cf_user_groups_plan.py. The ``user_groups`` role runs it once, then passes each
``apply`` item to cf_user_group and each ``delete`` item to cf_user_group with ``state=absent``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import time

from ansible_collections.cfiam.user_groups.plugins.module_utils import approval
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import (
    ResolutionError,
    expired_keys,
    shown_name,
    suggest,
    today,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.declaration import (
    declared_with_members,
    parse_declaration,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group, Policy, policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import (
    over_ratio,
    plan_account,
    removal_share,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import resolve_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
    Expiry,
    diff,
    expiry_lines,
    group_diff_side,
    group_plan_views,
    group_view,
    member_labels,
    member_view,
    member_views,
    policy_item,
    policy_line,
    policy_view,
    policy_views,
    policy_zone_ids,
    readable_policies,
    readable_policy,
)
from ansible_collections.cfiam.user_groups.plugins.plugin_utils import plan_file
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


def compile_excludes(patterns, problems):
    compiled = []
    for pattern in patterns or []:
        try:
            compiled.append((pattern, re.compile(pattern)))
        except re.error as exc:
            problems.append("user_groups_purge_exclude entry '%s' is not a valid regular expression (%s); escape "
                            "special characters or write the exact group name" % (pattern, exc))
    return compiled


class ActionModule(CloudflareAction):
    MODULE = "cf_user_groups_plan"
    ARGUMENT_SPEC = dict(
        user_groups=dict(type="list", elements="raw", required=True),
        exclusive_members=dict(type="bool", default=True),
        exclusive_policies=dict(type="bool", default=True),
        purge=dict(type="bool", default=False),
        purge_exclude=dict(type="list", elements="str", default=[]),
        missing_scim=dict(type="str", default="fail", choices=["fail", "warn"]),
        lookalike_names=dict(type="str", default="fail", choices=["fail", "warn"]),
        # A share from 0 to 1, checked here (removal_share): a float type would take true for 1 and round 0.29.
        max_removal_ratio=dict(type="raw", default=0.25),
        protected_members=dict(type="list", elements="str", default=[]),
        # Checked here (approval.approved_entry): a dict type would say less than "not a plan the role wrote".
        approved_plan=dict(type="raw"),
        plan_out=dict(type="path"),
        expiry_warning_days=dict(type="int", default=14),
    )

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        # A failed plan too: the role's report of a refused plan follows the check mode the plan ran in (the check_mode
        # keyword on the role sets no ansible_check_mode).
        result.setdefault("check_mode", bool(self._task.check_mode))
        return result

    def run_task(self, run):
        started = time.monotonic()
        with run.step("plan the user groups of account %s" % run.account_id):
            return self.plan(run, run.params, started)

    @staticmethod
    def plan(run, p, started):
        problems = []
        ratio = removal_share(p["max_removal_ratio"])
        if ratio is None:
            problems.append("set user_groups_max_removal_ratio to a number from 0 to 1 (the share of what exists a run "
                            "may remove, 0.25 by default; 1 allows any removal), got %r" % (p["max_removal_ratio"],))
        excludes = compile_excludes(p["purge_exclude"], problems)
        day = today()
        if p["expiry_warning_days"] < 0:
            problems.append("set user_groups_expiry_warning_days to 0 or more days, got %d" % p["expiry_warning_days"])
        current_groups, listings = read_account(run, p["user_groups"])
        desired, found = parse_declaration(p["user_groups"], run.catalogue, run.warnings, today=day)
        problems.extend(found)
        protected = protected_member_ids(run, p["protected_members"], problems)
        current_policies = dict((g["id"], policies_from_api(g.get("policies"))) for g in current_groups)
        plan = plan_account(desired, current_groups, dict((gid, [m["id"] for m in ms]) for gid, ms in listings.items()),
                            current_policies, p["exclusive_members"], p["exclusive_policies"], p["purge"], excludes,
                            lookalike_names=p["lookalike_names"], protected_member_ids=protected, today=day)
        problems.extend(plan.problems)
        problems.extend(missing_scim(run, plan.missing_scim, fail=p["missing_scim"] == "fail"))
        doomed = read_doomed_members(run, plan)
        known = dict((m["id"], m) for ms in list(listings.values()) + list(doomed.values()) for m in ms or [])
        problems.extend(protected_in_deletes(run, plan, doomed, protected, known))
        figures = plan.removals(len(current_groups), sum(len(ms or []) for ms in doomed.values()))
        if ratio is not None:
            problems.extend(removal_problems(run, plan, figures, ratio, known, doomed))
        if problems and p["approved_plan"] is not None:
            # What changed since approval explains a plan that fails now (a member added by hand and a removal
            # guard): the approval's fix first.
            approve(run, plan, current_policies, doomed, known, current_groups, failing=problems)
        if problems:
            raise ResolutionError(problems)
        approved = approve(run, plan, current_policies, doomed, known, current_groups)
        warn_about(run, plan)
        expired, expiring = expiry_report(run, plan, known)
        progress = progress_line(run, plan, current_groups, listings, time.monotonic() - started)
        if approved.get("approval"):
            progress += "; %s" % approved["approval"]["message"]
        progress += expiry_progress(expired, expiring, p["expiry_warning_days"])
        run.say(progress)
        apply_items, diffs, declared, summary = report_groups(run, plan, known, expired)
        summary.update(expired=expired, expiring=expiring)
        summary["removals"] = dict((k, {"removed": r, "of": t}) for k, (r, t) in figures.items())
        summary["removals"]["max_ratio"] = float(ratio)
        deletes = report_deletes(run, plan, current_policies, doomed, diffs, summary, known)
        account = {"id": run.account_id, "name": run.account_name}
        return run.result(changed=plan.changed, diff=diffs, apply=apply_items, delete=deletes,
                          summary=dict(summary, account=account), groups=declared, account=account,
                          check_mode=run.check_mode, progress=progress, expired=expired, expiring=expiring,
                          **approved)


def approval_texts(run, known, approved, current_groups):
    """How the comparison of an approved plan names members, policies and groups (approval.Texts)."""
    catalogue = run.catalogue
    labels = (approved or {}).get("labels") or {}
    names = dict((g.get("id"), g.get("name")) for g in current_groups)

    def member(mid):
        if mid in known or catalogue.describe_member(mid):
            return member_labels(member_views([mid], catalogue, known))[0]
        return labels.get(mid, mid)

    def policies(bodies):
        values = [Policy.from_api(b) for b in bodies]
        catalogue.learn_zone_names(policy_zone_ids(values, catalogue))
        return [policy_line(readable_policy(policy_view(p, catalogue))) for p in values]

    return approval.Texts(lambda ids: [member(m) for m in ids], policies, names.get)


def approve(run, plan, current_policies, doomed, known, current_groups, failing=None):
    """``{}``, or ``{approval, approved_plan}``: with ``approved_plan``, the plan made now must be the approved one
    and the account must read as it did (else a ResolutionError, before any write); with ``plan_out`` in check mode,
    the plan is written there for approval (and returned as ``approved_plan``, keyed by account id).

    ``failing``: the problems of a plan that fails; only the comparison runs, and its error also lists them."""
    p = run.params
    if p["approved_plan"] is None and not p["plan_out"]:
        return {}
    account = {"id": run.account_id, "name": run.account_name}
    texts = approval_texts(run, known, None, current_groups)
    now = approval.entry(account, plan, current_policies, doomed,
                         datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         email_of=lambda mid: texts.members([mid])[0] if "@" in texts.members([mid])[0] else None)
    result = {"digest": now["digest"]}
    messages = []
    if p["approved_plan"] is not None:
        approved = approval.approved_entry(p["approved_plan"], run.account_id)
        try:
            result["approved"] = approval.check(approved, now, approval_texts(run, known, approved, current_groups))
        except ResolutionError as exc:
            raise ResolutionError(exc.problems + ["the plan made now also fails: %s" % "; ".join(failing)]
                                  if failing else exc.problems)
        if failing:
            return {}
        messages.append("the plan is the approved plan %s" % now["digest"][:12])
    sealed = approval.seal(now, texts)  # as it travels: no template marker in it (approval.seal)
    if p["plan_out"] and run.check_mode:
        result["plan_out"] = plan_file.record(p["plan_out"], run.account_id, sealed)
        messages.append("plan %s written to %s for approval" % (now["digest"][:12], result["plan_out"]))
    elif p["plan_out"]:
        run.warn("user_groups_plan_out is written in check mode only (a plan to approve comes from the check job); "
                 "%s was not written" % p["plan_out"])
    result["message"] = "; ".join(messages)
    out = {"approval": result}
    if "plan_out" in result:
        out["approved_plan"] = {run.account_id: sealed}
    return out


def read_account(run, tree):
    """The account, read once: every group with its policies, and the member listings (read concurrently) of the
    existing groups whose membership the declaration manages (by name or previous name); they also teach the
    catalogue most emails."""
    current_groups = run.catalogue.user_groups()
    by_name = {}
    for group in current_groups:
        by_name.setdefault(group.get("name"), []).append(group)
    managed = [by_name[n][0]["id"] for n in sorted(declared_with_members(tree)) if len(by_name.get(n, [])) == 1]
    listings = run.api.list_group_members_many(managed)
    for members in listings.values():
        run.catalogue.seed_members(members)
    return current_groups, listings


def protected_member_ids(run, refs, problems):
    """Ids of the protected members. An entry that is no member of the account protects nobody there (a warning);
    one that looks like a member's email is a typo that would leave that member unprotected (a problem)."""
    ids = set()
    for ref in refs or []:
        try:
            ids.update(m["id"] for m in resolve_members([ref], run.catalogue, "user_groups_protected_members"))
        except ResolutionError as exc:
            email = ref.strip() if "@" in ref else None
            if email is None or suggest(email, run.catalogue.member_emails()):
                problems.extend(exc.problems)
            else:
                run.warn("user_groups_protected_members: '%s' is no member of account %s; it protects nobody there"
                         % (email, run.account_id))
    return ids


def read_doomed_members(run, plan):
    """Member listings of the groups the purge deletes: their memberships count among the removals, the diff shows
    them, and a protected member keeps the group."""
    if not plan.delete:
        return {}
    listings = run.api.list_group_members_many([g["id"] for g in plan.delete])
    for members in listings.values():
        run.catalogue.seed_members(members)
    return listings


def protected_in_deletes(run, plan, doomed, protected, known):
    """Deleting a group removes its members: the purge of a group a protected member is in is a problem."""
    problems = []
    for group in plan.delete:
        kept = [m["id"] for m in doomed.get(group["id"]) or [] if m.get("id") in protected]
        if kept:
            problems.append("the purge would delete group %s, and with it the membership of protected member %s "
                            "(user_groups_protected_members): declare the group, exclude it with "
                            "user_groups_purge_exclude, or take the member out of user_groups_protected_members" % (
                                group_ref(group), ", ".join(member_labels(member_views(kept, run.catalogue, known)))))
    return problems


def group_ref(group):
    return "%s (%s)" % (shown_name(group.get("name")), group.get("id"))


def removed_items(run, plan, known, doomed):
    """What the plan removes, by kind, as people read it: group names; emails per group (a deleted group's members
    too); the policies detached from each group, one line each."""
    catalogue = run.catalogue
    members = [(shown_name(w.name), g.members.to_remove) for w, g in plan.groups
               if g.members is not None and g.members.to_remove]
    members += [("%s (deleted)" % shown_name(g.get("name")), [m["id"] for m in doomed.get(g["id"]) or []])
                for g in plan.delete if doomed.get(g["id"])]
    policies = [(w.name, g.policies.removed) for w, g in plan.groups if g.policies is not None and g.policies.removed]
    for _name, removed in policies:
        catalogue.learn_zone_names(policy_zone_ids(removed, catalogue))
    return {
        "groups": [shown_name(g.get("name")) for g in plan.delete],
        "members": ["%s: %s" % (name, ", ".join(member_labels(member_views(ids, catalogue, known))))
                    for name, ids in members],
        "policies": ["%s: %s" % (shown_name(name), ", ".join(
            policy_line(r) for r in readable_policies(policy_views(removed, catalogue)))) for name, removed in policies],
    }


# The likely fix of a removal over the ratio: a declaration gone wrong (entries whose expires date has come are not
# counted: their date is the yes).
REMOVAL_FIX = ("check the declaration (an empty or partly rendered user_groups, members: [] where a list was meant); if "
               "the removal is intended, run again with -e user_groups_max_removal_ratio=1")
REMOVALS = (("groups", "delete %d of the account's %d user groups"),
            ("members", "remove %d of the %d memberships of the declared groups"),
            ("policies", "detach %d of the %d policies of the declared groups"))


def percent(part, whole):
    """``29%``, ``28.6%``: a share as people read it (one decimal at most)."""
    value = 100.0 * part / whole if whole else 100.0
    return ("%.1f" % value).rstrip("0").rstrip(".") + "%"


def removal_problems(run, plan, figures, ratio, known, doomed):
    """A run that removes more than ``ratio`` (a Fraction) of the account's groups, of the memberships of the declared
    groups and the deleted ones, or of the declared groups' policies fails before any write: the way to allow it
    first, then the figures and what would go."""
    problems = []
    items = None
    shown = "%g" % float(ratio)
    for kind, text in REMOVALS:
        removed, total = figures[kind]
        if not over_ratio(removed, total, ratio):
            continue
        items = items or removed_items(run, plan, known, doomed)
        listed = items[kind]
        more = " and %d more" % (len(listed) - 10) if len(listed) > 10 else ""
        what = text % (removed, total) + (" and of the groups the purge deletes" if kind == "members" and any(
            doomed.get(g["id"]) for g in plan.delete) else "")
        problems.append(
            "%s. The run would %s (%s), more than user_groups_max_removal_ratio %s (%s) allows: %s%s" % (
                REMOVAL_FIX, what, percent(removed, total), shown,
                percent(ratio.numerator, ratio.denominator), "; ".join(listed[:10]), more))
    return problems


def missing_scim(run, names, fail):
    """Declared SCIM groups the account does not have: problems (a typo) or warnings (not pushed yet)."""
    problems = []
    existing = run.catalogue.user_group_names()
    for name in names:
        message = ("group '%s' is declared as pushed by SCIM (scim: true) but account %s has no group of that name%s"
                   % (name, run.account_id, suggest(name, existing)))
        if fail:
            problems.append(message + "; fix the name, or set user_groups_missing_scim: warn while the identity "
                                      "provider has not pushed it yet")
        else:
            run.warn(message + "; it is skipped until the identity provider pushes it")
    return problems


def warn_about(run, plan):
    """What needs a person: the plan's own warnings (look-alikes kept with lookalike_names=warn, ...), and in check
    mode, where a purge is reviewed, one line on deletes Cloudflare may refuse. What the run does on purpose (groups
    the purge spares, protected members kept) is no warning: it is in the progress line, the diff and
    user_groups_result; a refused delete is warned about when it happens."""
    for warning in plan.warnings:
        run.warn(warning)
    if plan.delete and run.check_mode:
        run.warn("the purge deletes %d group(s); Cloudflare may refuse to delete a group pushed by an identity "
                 "provider (reported in user_groups_result.delete_refused, not fatal): exclude such groups with "
                 "user_groups_purge_exclude or declare them with scim: true" % len(plan.delete))


def _count(number, one, many):
    return "%s %s" % ("{:,}".format(number), one if number == 1 else many)


def progress_line(run, plan, current_groups, listings, seconds):
    """One line: what the plan read, how long it took and what changes (printed before the diffs)."""
    label = run.account_label() or "account %s" % run.account_id
    memberships = sum(len(members or []) for members in listings.values())
    changing = [gplan for _wanted, gplan in plan.groups if gplan.changed]
    read = (_count(len(current_groups), "group", "groups"), _count(memberships, "membership", "memberships"))
    parts = ["%s: read %s and %s in %.1f s" % (label, read[0], read[1], seconds)]
    if changing or plan.delete:
        what = [("create", len([g for g in changing if g.create])),
                ("update", len([g for g in changing if not g.create])), ("delete", len(plan.delete))]
        parts.append("%s change%s (%s)" % (_count(len(changing) + len(plan.delete), "group", "groups"),
                                           "s" if len(changing) + len(plan.delete) == 1 else "",
                                           ", ".join("%s %d" % (w, n) for w, n in what if n)))
    else:
        parts.append("no group changes")
    spared = sorted(set(n for names in plan.protected.values() for n in names))
    if spared:
        parts.append("the purge spares %s (user_groups_purge_exclude)" % _count(len(spared), "group", "groups"))
    kept = sum(len(ids) for ids in plan.spared.values())
    if kept:
        kept_text = _count(kept, "protected membership", "protected memberships")
        parts.append("%s kept (user_groups_protected_members)" % kept_text)
    return "; ".join(parts)


def expiry_report(run, plan, known):
    """``(expired, expiring)``: the declared entries whose ``expires`` has come (each saying whether the run removes
    it) and those that expire within ``expiry_warning_days``. An expired entry of a protected member is kept (a list
    that protects errs on the side of protecting), with one warning each."""
    expired, expiring = [], []
    for wanted, gplan in plan.groups:
        expiry = Expiry(plan.today, run.params["expiry_warning_days"], wanted.member_expiry, wanted.policy_expiry)
        removed = list(gplan.members.to_remove if gplan.members is not None else [])
        removed += list(gplan.policies.removed if gplan.policies is not None else [])
        gone, coming = expiry.views(wanted.name, run.catalogue, known, removed, plan.spared.get(wanted.name))
        for entry in gone:
            if entry["note"].startswith("kept"):
                run.warn("group %s: the entry of protected member %s expired on %s; it is kept "
                         "(user_groups_protected_members); remove the entry, or take the member out of "
                         "user_groups_protected_members" % (shown_name(wanted.name), entry["member"], entry["expires"]))
        expired.extend(gone)
        expiring.extend(coming)
    return expired, expiring


def expiry_progress(expired, expiring, days):
    """The part of the progress line on expiring access (empty when no entry expires)."""
    parts = []
    lines = expiry_lines(expired)
    if lines:
        parts.append("expired: %s" % "; ".join(lines))
    if expiring:
        parts.append("%s within %d days (expiring)" % (_count(len(expiring), "entry expires", "entries expire"), days))
    return "".join("; " + part for part in parts)


def apply_item(run, wanted, gplan, day=None):
    """The options of cf_user_group that carry out one group's plan (only the parts that change); an entry that
    expired goes with its ``expires`` (cf_user_group removes it whatever exclusive says)."""
    p = run.params
    gone_members, gone_policies = (expired_keys(wanted.member_expiry, day), expired_keys(wanted.policy_expiry, day)) \
        if day is not None else (set(), set())
    item = {"name": wanted.name, "scim": wanted.scim}
    if not gplan.create:
        item["id"] = gplan.current["id"]
    if gplan.rename:
        item["previous_name"] = gplan.current.get("name")
    item.update((f, v) for f, v in gplan.changes.items() if f != "name" and f in Group.DECLARED)
    if gplan.policies is not None and (gplan.create or gplan.policies.changed):
        item["policies"] = [policy_item(x, run.account_id) for x in wanted.policies]
        for policy, entry in zip(wanted.policies, item["policies"]):
            if policy in gone_policies:
                entry["expires"] = wanted.policy_expiry[policy].isoformat()
        item["exclusive_policies"] = p["exclusive_policies"]
    if gplan.members is not None and gplan.members.changed:
        exclusive = p["exclusive_members"] and wanted.members_declared
        # A protected member the exclusive list leaves out stays: the list sent is what the group keeps.
        item["members"] = list(gplan.members.after) if exclusive else list(gplan.members.to_add)
        item["members"] += [{"id": m, "expires": wanted.member_expiry[m].isoformat()} for m in gplan.members.to_remove
                            if m in gone_members]
        item["exclusive_members"] = exclusive
    return item


def new_summary(plan):
    return {"created": [], "updated": [], "deleted": [], "members_added": {}, "members_removed": {},
            "unchanged": 0, "missing_scim_groups": list(plan.missing_scim), "protected": plan.protected,
            "look_alikes": plan.look_alikes, "renamed": dict(plan.renamed), "members_protected": {},
            "policies_attached": {}, "policies_detached": {}, "deleted_groups": []}


def report_groups(run, plan, known, expired=()):
    """The ``apply`` items, one diff per changing group, the declaration as read, and the summary; a diff header
    names the expired entries its group loses."""
    catalogue = run.catalogue
    apply_items, diffs, declared = [], [], []
    summary = new_summary(plan)
    for name, spared in plan.spared.items():
        summary["members_protected"][name] = member_labels(member_views(spared, catalogue, known))
    for wanted, gplan in plan.groups:
        declared.append({"name": wanted.name, "scim": wanted.scim,
                         "members": member_labels(member_views(wanted.member_ids, catalogue, known))
                         if wanted.member_ids is not None else None,
                         "policies": readable_policies(policy_views(wanted.policies, catalogue))
                         if wanted.policies is not None else None})
        if not gplan.changed:
            summary["unchanged"] += 1
            continue
        summary["created" if gplan.create else "updated"].append(wanted.name)
        for key, ids in (("members_added", gplan.members and gplan.members.to_add),
                         ("members_removed", gplan.members and gplan.members.to_remove)):
            if ids:
                summary[key][wanted.name] = member_labels(member_views(ids, catalogue, known))
        apply_items.append(apply_item(run, wanted, gplan, plan.today))
        before, after = group_plan_views(gplan, catalogue, known)
        for key, policies in (("policies_attached", gplan.policies and gplan.policies.added),
                              ("policies_detached", gplan.policies and gplan.policies.removed)):
            if policies:  # zone names learnt by group_plan_views
                summary[key][wanted.name] = readable_policies(policy_views(policies, catalogue))
        header = "user group '%s'" % wanted.name
        if gplan.current:
            header = "user group %s (%s)" % (shown_name(gplan.current.get("name")), gplan.current["id"]) + (
                " renamed to %s" % shown_name(wanted.name) if gplan.rename else "")
        gone = [e.get("member") or e.get("policy") for e in expired if e["group"] == wanted.name and e["removed"]]
        if gone:
            header += "; %s removed: expired" % ", ".join(gone)
        diffs.append(diff(group_diff_side(before), group_diff_side(after), header))
    return apply_items, diffs, declared, summary


def report_deletes(run, plan, current_policies, doomed, diffs, summary, known):
    """The ``delete`` items; in diff mode each deleted group's diff shows its members and policies."""
    catalogue = run.catalogue
    deletes = []
    for group in plan.delete:
        deletes.append({"id": group["id"], "name": group.get("name")})
        summary["deleted"].append(group.get("name"))
        policies = current_policies.get(group["id"])
        catalogue.learn_zone_names(policy_zone_ids(policies, catalogue))
        members = doomed.get(group["id"]) if run.diff_mode else None
        view = group_view(group, policies, catalogue, [member_view(m) for m in members] if members is not None else None)
        summary["deleted_groups"].append({
            "id": group["id"], "name": group.get("name"), "policies": readable_policies(view["policies"]),
            "members": member_labels(member_views([m["id"] for m in doomed.get(group["id"]) or []], catalogue, known))})
        diffs.append(diff(group_diff_side(view), {}, "user group '%s' (%s)" % (group.get("name"), group["id"])))
    return deletes
