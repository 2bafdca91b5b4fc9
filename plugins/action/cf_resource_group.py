# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_resource_group: create, update or delete a named resource group.

Documentation: plugins/modules/cf_resource_group.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import ResolutionError, is_id
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import name_problems, parse_scope, scopes_of
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
        run.doing("validate the options of resource group %s" % ref)
        problems = shape_problems(p)
        if p["state"] == "absent" and problems:
            raise ResolutionError(problems)
        run.doing("find resource group %s" % ref)
        current = self.find(run, name)
        label = "resource group '%s' (%s)" % (current["name"], current["id"]) if current else "resource group %s" % ref
        if p["state"] == "absent":
            return self.delete(run, current, label)
        if current is None and p["id"] is not None and is_id(p["id"]):
            problems.append("resource group id '%s' does not exist in account %s; give name (and no id) to create "
                            "a resource group" % (p["id"], run.account_id))
        if current is None and p["zones"] is None and p["scope"] is None:
            problems.append("zones or scope is required to create resource group '%s'" % name)
        run.doing("resolve the scope of %s" % label)
        scope = None
        zones_ok = p["zones"] is None or all(isinstance(z, str) and z.strip() for z in p["zones"])
        if zones_ok and not (p["scope"] is not None and problems):
            try:
                scope = parse_scope(p["zones"], p["scope"], run.catalogue)
            except ResolutionError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ResolutionError(problems)
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
    def delete(run, current, label):
        catalogue = run.catalogue
        before = resource_group_view(current, catalogue) if current else None
        changed = current is not None
        if current and not run.check_mode:
            run.doing("delete %s" % label)
            changed = run.api.delete_resource_group(current["id"])
            run.wrote("deleted %s" % label)
            catalogue.note_resource_group(current, deleted=True)
        return run.result(changed=changed, diff=diff(diff_side(before), {}, label), resource_group={})

    @staticmethod
    def create(run, name, scope):
        catalogue = run.catalogue
        after = resource_group_view({"id": None, "name": name, "meta": {}}, catalogue, scope)
        if not run.check_mode:
            run.doing("create resource group '%s'" % name)
            known = [rg.get("id") for rg in catalogue.resource_groups() if rg.get("name") == name]
            reply = run.api.create_resource_group(name, scope.body(), known_ids=known) or {}
            run.wrote("created resource group '%s'" % name)
            created = dict(reply, name=name, scope=scope.body())
            catalogue.note_resource_group(created)
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
            predicted = dict(current, name=new_name or current.get("name"))
            if new_scope is not None:
                predicted["scope"] = new_scope.body()
            after = resource_group_view(predicted, catalogue)
            if not run.check_mode:
                run.doing("update %s" % label)
                reply = run.api.update_resource_group(current["id"], name=new_name,
                                                      scope=new_scope.body() if new_scope is not None else None) or {}
                run.wrote("updated %s" % label)
                predicted["modified_on"] = reply.get("modified_on", current.get("modified_on"))
                catalogue.note_resource_group(predicted)
                after = resource_group_view(predicted, catalogue)
        return run.result(changed=changed, diff=diff(diff_side(before), diff_side(after), label), resource_group=after)
