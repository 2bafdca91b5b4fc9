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

import re

from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction

try:
    from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import ResolutionError, suggest
    from ansible_collections.cfiam.user_groups.plugins.module_utils.model import (
        declared_with_members,
        parse_declaration,
        policies_from_api,
    )
    from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_account
    from ansible_collections.cfiam.user_groups.plugins.module_utils.views import (
        diff,
        group_diff_side,
        group_plan_views,
        group_view,
        member_labels,
        member_view,
        member_views,
        policy_item,
        policy_views,
        policy_zone_ids,
        readable_policies,
    )
except ImportError:  # requests missing: the base class reports it
    pass


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
    )

    def run_task(self, run):
        p = run.params
        run.doing("plan the user groups of account %s" % run.account_id)
        problems = []
        excludes = compile_excludes(p["purge_exclude"], problems)
        current_groups, listings = read_account(run, p["user_groups"])
        desired, found = parse_declaration(p["user_groups"], run.catalogue, run.warnings)
        problems.extend(found)
        current_policies = dict((g["id"], policies_from_api(g.get("policies"))) for g in current_groups)
        plan = plan_account(desired, current_groups, dict((gid, [m["id"] for m in ms]) for gid, ms in listings.items()),
                            current_policies, p["exclusive_members"], p["exclusive_policies"], p["purge"], excludes)
        problems.extend(plan.problems)
        problems.extend(missing_scim(run, plan.missing_scim, fail=p["missing_scim"] == "fail"))
        if problems:
            raise ResolutionError(problems)
        warn_about(run, plan)
        known = dict((m["id"], m) for ms in listings.values() for m in ms)
        apply_items, diffs, declared, summary = report_groups(run, plan, known)
        deletes = report_deletes(run, plan, current_policies, diffs, summary)
        return run.result(changed=plan.changed, diff=diffs, apply=apply_items, delete=deletes, summary=summary,
                          groups=declared, check_mode=run.check_mode)


def read_account(run, tree):
    """The account, read once: every group with its policies, and the member listings (read concurrently) of the
    existing groups whose membership the declaration manages; they also teach the catalogue most emails."""
    current_groups = run.catalogue.user_groups()
    by_name = {}
    for group in current_groups:
        by_name.setdefault(group.get("name"), []).append(group)
    managed = [by_name[n][0]["id"] for n in sorted(declared_with_members(tree)) if len(by_name.get(n, [])) == 1]
    listings = run.api.list_group_members_many(managed)
    for members in listings.values():
        run.catalogue.seed_members(members)
    return current_groups, listings


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
    for warning in plan.warnings:
        run.warn(warning)
    for pattern, protected in sorted(plan.protected.items()):
        run.warn("purge: '%s' protects %s" % (pattern, ", ".join("'%s'" % n for n in protected)))
    if plan.delete:
        run.warn("purge deletes %s. Cloudflare may refuse any of these deletes: it refuses to delete a group pushed by "
                 "an identity provider, and its API does not say which groups those are. A refused delete is reported "
                 "in user_groups_result.delete_refused; exclude such groups with user_groups_purge_exclude (e.g. "
                 "'^Okta ') or declare them with scim: true" % ", ".join("'%s'" % g.get("name") for g in plan.delete))


def apply_item(run, wanted, gplan):
    """The options of cf_user_group that carry out one group's plan (only the parts that change)."""
    p = run.params
    item = {"name": wanted.name, "scim": wanted.scim}
    if not gplan.create:
        item["id"] = gplan.current["id"]
    if gplan.policies is not None and (gplan.create or gplan.policies.changed):
        item["policies"] = [policy_item(x, run.account_id) for x in wanted.policies]
        item["exclusive_policies"] = p["exclusive_policies"]
    if gplan.members is not None and gplan.members.changed:
        exclusive = p["exclusive_members"] and wanted.members_declared
        item["members"] = list(wanted.member_ids) if exclusive else list(gplan.members.to_add)
        item["exclusive_members"] = exclusive
    return item


def report_groups(run, plan, known):
    """The ``apply`` items, one diff per changing group, the declaration as read, and the summary."""
    catalogue = run.catalogue
    apply_items, diffs, declared = [], [], []
    summary = {"created": [], "updated": [], "deleted": [], "members_added": {}, "members_removed": {},
               "unchanged": 0, "missing_scim_groups": list(plan.missing_scim), "protected": plan.protected,
               "look_alikes": plan.look_alikes}
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
        apply_items.append(apply_item(run, wanted, gplan))
        before, after = group_plan_views(gplan, catalogue, known)
        header = "user group '%s'" % wanted.name + (" (%s)" % gplan.current["id"] if gplan.current else "")
        diffs.append(diff(group_diff_side(before), group_diff_side(after), header))
    return apply_items, diffs, declared, summary


def report_deletes(run, plan, current_policies, diffs, summary):
    """The ``delete`` items; in diff mode each deleted group's diff shows its members and policies."""
    catalogue = run.catalogue
    deletes = []
    doomed_members = run.api.list_group_members_many([g["id"] for g in plan.delete]) if run.diff_mode else {}
    for group in plan.delete:
        deletes.append({"id": group["id"], "name": group.get("name")})
        summary["deleted"].append(group.get("name"))
        policies = current_policies.get(group["id"])
        catalogue.learn_zone_names(policy_zone_ids(policies, catalogue))
        members = doomed_members.get(group["id"])
        view = group_view(group, policies, catalogue, [member_view(m) for m in members] if members is not None else None)
        diffs.append(diff(group_diff_side(view), {}, "user group '%s' (%s)" % (group.get("name"), group["id"])))
    return deletes
