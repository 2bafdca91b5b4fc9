#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_resource_group
short_description: Manage named Cloudflare resource groups
version_added: 0.1.0
description:
  - Creates, updates, renames and deletes named resource groups of a Cloudflare account. A resource group is a
    reusable scope, for example a set of zones, that user group policies can reference by name.
  - The Cloudflare Terraform provider has no resource for them, and Cloudflare's documentation says to create them
    with the API. This module does that idempotently.
  - The scope is compared without regard to order, by its key and the set of its object keys. Listing the same zones
    in another order is no change.
  - Every zone is resolved before the first write. Unknown zones fail the task, all of them named in one message,
    and nothing is changed.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Exact name of the resource group.
      - Required unless O(id) is given. With O(id), the group found by id is renamed to O(name).
      - When several resource groups carry this name, the task fails and lists their ids; address the group by O(id).
    type: str
  id:
    description:
      - Id of an existing resource group (32 hexadecimal characters).
      - With O(state=present) the group must exist (an id cannot be chosen for a new group).
      - With O(state=absent) an id that does not exist is no change.
    type: str
  state:
    description:
      - V(present) creates the resource group or updates its name and scope.
      - V(absent) deletes it. Cloudflare refuses to delete a resource group that a policy still uses, and the task
        then fails with Cloudflare's reason.
    type: str
    choices: [present, absent]
    default: present
  zones:
    description:
      - Zones of the account, each a zone name (case-insensitive) or a 32-character zone id.
      - The scope becomes the account key C(com.cloudflare.api.account.<account_id>) with one object
        C(com.cloudflare.api.account.zone.<zone_id>) per zone.
      - Mutually exclusive with O(scope). One of them is required to create a resource group. When both are left out,
        the scope of an existing group is not changed.
    type: list
    elements: str
  scope:
    description:
      - The raw scope, for scopes other than a list of zones (for example Workers).
      - Mutually exclusive with O(zones).
    type: dict
    suboptions:
      key:
        description:
          - The scope key, for example C(com.cloudflare.api.account.<account_id>).
        type: str
        required: true
      objects:
        description:
          - The scope objects, each a key string or a dictionary C({key}), for example
            C(com.cloudflare.api.account.worker.<worker_id>). Must not be empty.
        type: list
        elements: raw
        required: true
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.attributes
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: A resource group of the production zones
  cfiam.user_groups.cf_resource_group:
    name: Production zones
    zones:
      - example.com
      - example.net

- name: Rename a resource group found by id
  cfiam.user_groups.cf_resource_group:
    id: 2d5c9a5e1f7b4c3a9e8d7c6b5a4f3e2d
    name: Production zones (EU)

- name: A resource group of two Workers (raw scope)
  cfiam.user_groups.cf_resource_group:
    name: Edge workers
    scope:
      key: "com.cloudflare.api.account.{{ cloudflare_account_id }}"
      objects:
        - com.cloudflare.api.account.worker.6f1a2b3c4d5e6f708192a3b4c5d6e7f8
        - key: com.cloudflare.api.account.worker.0a1b2c3d4e5f60718293a4b5c6d7e8f9

- name: Delete a resource group
  cfiam.user_groups.cf_resource_group:
    name: Staging zones
    state: absent
"""

RETURN = r"""
resource_group:
  description:
    - The resource group after the task (predicted in check mode, where a new group has no id yet).
    - Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    id:
      description: Id of the resource group.
      type: str
      sample: 2d5c9a5e1f7b4c3a9e8d7c6b5a4f3e2d
    name:
      description: Name of the resource group.
      type: str
      sample: Production zones
    scope:
      description: The scope, with its object keys sorted.
      type: dict
      sample:
        key: com.cloudflare.api.account.0123456789abcdef0123456789abcdef
        objects: [com.cloudflare.api.account.zone.023e105f4ecef8ad9ca31a8372d0c353]
    zones:
      description: Names of the zones in the scope, sorted (a zone id where the zone is not in the account).
      returned: when the scope lists zones
      type: list
      elements: str
      sample: [example.com, example.net]
    meta:
      description: Cloudflare's metadata of the resource group.
      type: dict
      sample: {"editable": "true"}
    created_on:
      description: Creation time.
      type: str
      sample: "2025-01-24T15:31:36.759979Z"
    modified_on:
      description: Last modification time.
      type: str
      sample: "2025-01-24T15:31:36.759979Z"
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 2, "POST": 1, "total": 3, "retries": 0}
"""

from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import ResolutionError, is_id, suggest
from ansible_collections.cfiam.user_groups.plugins.module_utils.module import CloudflareModule
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    resource_group_view,
    scope_signature_of,
    zones_scope,
)


def main():
    cf = CloudflareModule(
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            zones=dict(type="list", elements="str"),
            scope=dict(type="dict", options=dict(
                key=dict(type="str", required=True, no_log=False),
                objects=dict(type="list", elements="raw", required=True),
            )),
        ),
        mutually_exclusive=[["zones", "scope"]],
        required_one_of=[["name", "id"]],
    )
    cf.run(ensure_resource_group)


def validate(p):
    """Every shape problem of the input, in one list."""
    problems = []
    if p["name"] is not None and not p["name"].strip():
        problems.append("name must not be empty")
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
            if not isinstance(key, str) or not key.strip() or (isinstance(obj, dict) and set(obj) - {"key"}):
                problems.append("scope.objects items must be key strings or {key: <string>}, got %r" % (obj,))
    return problems


def resolve_zones(refs, lookups):
    """Zone ids for zone names/ids; every unknown zone in one ResolutionError."""
    lookups.prefetch_zones(refs)
    ids = []
    unknown = []
    for ref in refs:
        zone = lookups.find_zone(ref.strip())
        if zone is None:
            unknown.append(ref.strip())
        elif zone["id"] not in ids:
            ids.append(zone["id"])
    if unknown:
        names = lookups.zone_names()
        account_id = lookups.client.account_id
        raise ResolutionError(["zone '%s' is not a zone of account %s%s" % (ref, account_id, suggest(ref, names))
                               for ref in unknown])
    return ids


def desired_scope(cf):
    p = cf.params
    if p["zones"] is not None:
        return zones_scope(cf.client.account_id, resolve_zones(p["zones"], cf.lookups))
    if p["scope"] is not None:
        objects = []
        for obj in p["scope"]["objects"]:
            key = (obj.get("key") if isinstance(obj, dict) else obj).strip()
            if key not in objects:
                objects.append(key)
        return {"key": p["scope"]["key"].strip(), "objects": [{"key": k} for k in objects]}
    return None


def diff_side(view):
    if not view:
        return {}
    out = {"name": view["name"], "scope": view["scope"]}
    if "zones" in view:
        out["zones"] = view["zones"]
    return out


def ensure_resource_group(cf):
    p = cf.params
    name = p["name"].strip() if p["name"] is not None else None
    ref = "'%s'" % name if p["id"] is None else p["id"]
    cf.doing("validate the options of resource group %s" % ref)
    problems = validate(p)
    if p["state"] == "absent" and problems:
        raise ResolutionError(problems)

    service = cf.resource_groups
    account_id = cf.client.account_id
    cf.doing("find resource group %s" % ref)
    current = service.find(name=name if p["id"] is None else None, rg_id=p["id"])
    label = "resource group '%s' (%s)" % (current["name"], current["id"]) if current else "resource group %s" % ref

    if p["state"] == "absent":
        before = resource_group_view(current, cf.lookups, account_id) if current else None
        if current and not cf.check_mode:
            cf.doing("delete %s" % label)
            service.delete(current["id"])
        cf.exit(changed=current is not None,
                diff={"before": diff_side(before), "after": {}, "before_header": label, "after_header": label},
                resource_group={})
        return

    if current is None and p["id"] is not None and is_id(p["id"]):
        problems.append("resource group id '%s' does not exist in account %s; give name (and no id) to create "
                        "a resource group" % (p["id"], account_id))
    if current is None and p["zones"] is None and p["scope"] is None:
        problems.append("zones or scope is required to create resource group '%s'" % name)
    cf.doing("resolve the scope of %s" % label)
    scope = None
    zones_ok = p["zones"] is None or all(isinstance(z, str) and z.strip() for z in p["zones"])
    if zones_ok and not (p["scope"] is not None and problems):
        try:
            scope = desired_scope(cf)
        except ResolutionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ResolutionError(problems)

    if current is None:
        body = {"id": None, "name": name, "scope": scope, "meta": {}}
        after = resource_group_view(body, cf.lookups, account_id)
        if not cf.check_mode:
            cf.doing("create resource group '%s'" % name)
            after = resource_group_view(service.create(name, scope), cf.lookups, account_id)
        cf.exit(changed=True,
                diff={"before": {}, "after": diff_side(after), "before_header": "resource group '%s'" % name,
                      "after_header": "resource group '%s'" % name},
                resource_group=after)
        return

    before = resource_group_view(current, cf.lookups, account_id)
    new_name = name if name is not None and name != current.get("name") else None
    new_scope = None
    if scope is not None and scope_signature_of(scope) != scope_signature_of(before["scope"]):
        new_scope = scope
    changed = new_name is not None or new_scope is not None
    after = before
    if changed:
        predicted = dict(current)
        if new_name is not None:
            predicted["name"] = new_name
        if new_scope is not None:
            predicted["scope"] = new_scope
        after = resource_group_view(predicted, cf.lookups, account_id)
        if not cf.check_mode:
            cf.doing("update %s" % label)
            result = service.update(current["id"], name=new_name, scope=new_scope)
            if result:
                after = resource_group_view(result, cf.lookups, account_id)
    cf.exit(changed=changed,
            diff={"before": diff_side(before), "after": diff_side(after), "before_header": label,
                  "after_header": label},
            resource_group=after)


if __name__ == "__main__":
    main()
