# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_resource_group: create, update or delete a named resource group.

Documentation: plugins/modules/cf_resource_group.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import (
    create_resource_group,
    delete_resource_group,
    resource_group_after,
    update_resource_group,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError, is_id, name_problems
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import scopes_of
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_scope
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import diff, resource_group_view
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


def shape_problems(p):
    """Every shape problem of the input, in one list (no API call)."""
    problems = name_problems(p["name"], "name") if p["name"] is not None else []
    if p["id"] is not None and not is_id(p["id"]):
        problems.append("id '%s' is not a resource group id (32 hexadecimal characters)" % p["id"])
    if p["zones"] is not None:
        if not p["zones"] and p["state"] == "present":
            problems.append("zones must list at least one zone (Cloudflare refuses an empty scope)")
        for zone in p["zones"]:
            if not isinstance(zone, str) or not zone.strip():
                problems.append("zones items must be zone names or ids, got %r" % (zone,))
    if p["scope"] is not None:
        if not (p["scope"]["key"] or "").strip():
            problems.append("scope.key must not be empty")
        if not p["scope"]["objects"]:
            problems.append("scope.objects must not be empty (Cloudflare refuses an empty scope)")
        for obj in p["scope"]["objects"] or []:
            key = obj.get("key") if isinstance(obj, dict) else obj
            if not isinstance(key, str) or not key.strip() or (isinstance(obj, dict) and set(obj) - set(["key"])):
                problems.append("scope.objects items must be key strings or {key: <string>}, got %r" % (obj,))
    return problems


def diff_side(view):
    if not view:
        return {}
    out = {"name": view["name"], "scope": view["scope"]}
    if "zones" in view:
        out["zones"] = view["zones"]
    return out


class ActionModule(CloudflareAction):
    MODULE = "cf_resource_group"
    ARGUMENT_SPEC = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        zones=dict(type="list", elements="str"),
        scope=dict(type="dict", options=dict(
            key=dict(type="str", required=True, no_log=False),
            objects=dict(type="list", elements="raw", required=True),
        )),
    )
    MUTUALLY_EXCLUSIVE = [["zones", "scope"]]
    REQUIRED_ONE_OF = [["name", "id"]]

    def run_task(self, run):
        p = run.params
        name = p["name"].strip() if p["name"] is not None else None
        ref = "'%s'" % name if p["id"] is None else p["id"]
        with run.step("validate the options of resource group %s" % ref):
            problems = shape_problems(p)
            if p["state"] == "absent" and problems:
                raise ResolutionError(problems)
        with run.step("find resource group %s" % ref):
            current = self.find(run, name)
        label = "resource group '%s' (%s)" % (current["name"], current["id"]) if current else "resource group %s" % ref
        if p["state"] == "absent":
            return self.delete(run, current, label)
        with run.step("resolve the scope of %s" % label):
            scope = self.resolve(run, current, name, problems)
        if current is None:
            return self.create(run, name, scope)
        return self.update(run, current, label, name, scope)

    @staticmethod
    def find(run, name):
        p = run.params
        if p["id"] is not None:
            return run.api.get_resource_group(p["id"]) if is_id(p["id"]) else None
        matches = [rg for rg in run.catalogue.resource_groups() if rg.get("name") == name]
        if len(matches) > 1:
            raise ResolutionError(["%d resource groups are named '%s' (ids: %s); address the resource group by id"
                                   % (len(matches), name, ", ".join(sorted(rg["id"] for rg in matches)))])
        return matches[0] if matches else None

    @staticmethod
    def resolve(run, current, name, problems):
        """The scope the task sets (a Scope, None: left alone); every problem of the task raised at once."""
        p = run.params
        if current is None and p["id"] is not None and is_id(p["id"]):
            problems.append("resource group id '%s' does not exist in account %s; give name (and no id) to create "
                            "a resource group" % (p["id"], run.account_id))
        if current is None and p["zones"] is None and p["scope"] is None:
            problems.append("zones or scope is required to create resource group '%s'" % name)
        scope = None
        zones_ok = p["zones"] is None or all(isinstance(z, str) and z.strip() for z in p["zones"])
        if zones_ok and not (p["scope"] is not None and problems):
            try:
                scope = parse_scope(p["zones"], p["scope"], run.catalogue)
            except ResolutionError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ResolutionError(problems)
        return scope

    @staticmethod
    def delete(run, current, label):
        catalogue = run.catalogue
        before = resource_group_view(current, catalogue) if current else None
        changed = current is not None
        if current and not run.check_mode:
            changed = delete_resource_group(run.writer, current, label)
        return run.result(changed=changed, diff=diff(diff_side(before), {}, label), resource_group={})

    @staticmethod
    def create(run, name, scope):
        catalogue = run.catalogue
        after = resource_group_view({"id": None, "name": name, "meta": {}}, catalogue, scope)
        if not run.check_mode:
            created = create_resource_group(run.writer, name, scope)
            after = resource_group_view(created, catalogue, scope)
        return run.result(changed=True, diff=diff({}, diff_side(after), "resource group '%s'" % name),
                          resource_group=after)

    @staticmethod
    def update(run, current, label, name, scope):
        catalogue = run.catalogue
        current_scopes = scopes_of(current)
        before = resource_group_view(current, catalogue)
        new_name = name if name is not None and name != current.get("name") else None
        new_scope = scope if scope is not None and (current_scopes[:1] != [scope] or len(current_scopes) > 1) else None
        changed = new_name is not None or new_scope is not None
        after = before
        if changed:
            after = resource_group_view(resource_group_after(current, new_name, new_scope), catalogue)
            if not run.check_mode:
                updated = update_resource_group(run.writer, current, label, new_name, new_scope)
                after = resource_group_view(updated, catalogue)
        return run.result(changed=changed, diff=diff(diff_side(before), diff_side(after), label), resource_group=after)
