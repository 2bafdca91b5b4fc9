#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group
short_description: Create, rename, delete a Cloudflare user group and set its permission policies
version_added: 0.1.0
description:
  - Creates a Cloudflare account user group, renames it, deletes it, and optionally makes its permission policies
    exactly a given list.
  - A group is found by its exact O(name), or by O(id). With O(id), a different O(name) renames the group.
  - When O(policies) is given, the group's policies become exactly that list. Policies are compared as sets, so the
    order of policies, permission groups and zones does not matter. When O(policies) is omitted, the group's policies
    are left alone. To add or remove single policies and keep the others, use M(cfiam.user_groups.cf_user_group_policy).
  - Every permission group, zone and resource group is resolved before the first write, and every problem is
    reported at once. Nothing is changed when one of them is unknown.
  - Uses the fewest API calls. A new group is created with one C(POST) that carries its policies. A rename and a
    change of policies are one C(PUT). A rename alone sends only the name and leaves the policies untouched.
  - Two groups with the same name make the name ambiguous. The task then fails, lists their ids and changes nothing.
    Address the group by O(id) instead.
  - A group pushed by SCIM from an identity provider belongs to the provider. Cloudflare refuses to rename or delete
    it, and the task fails with Cloudflare's reason. Its policies can be set.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Exact name of the user group.
      - Required to create a group.
      - With O(id), the new name of the group.
    type: str
  id:
    description:
      - Id of an existing user group (32 hexadecimal characters).
      - A group cannot be created with a chosen id. With O(state=present), an unknown O(id) fails the task.
      - With O(state=absent), an unknown O(id) means there is nothing to delete.
    type: str
  state:
    description:
      - V(present) makes sure the group exists, with O(name) and, when given, O(policies).
      - V(absent) deletes the group. Deleting a group that does not exist changes nothing.
    type: str
    choices: [present, absent]
    default: present
  policies:
    description:
      - The permission policies of the group. When given, the group's policies become exactly this list, and
        O(policies=[]) removes every policy. When omitted, the policies are not changed.
      - Each policy grants (or denies) its permission groups on one target. The target is O(policies[].zones),
        O(policies[].resource_groups) or O(policies[].scope). A policy with none of them applies to the whole
        account.
      - Ignored with O(state=absent).
    type: list
    elements: dict
    suboptions:
      access:
        description:
          - V(allow) grants the permission groups, V(deny) denies them.
        type: str
        default: allow
      permission_groups:
        description:
          - Permission groups (roles), each a name such as V(Administrator Read Only), a C(meta.label) such as
            V(admin_readonly), or an id. Names and labels are matched exactly first, then case-insensitively.
          - Use M(cfiam.user_groups.cf_permission_group_info) to list them.
          - Required in every policy, and must not be empty.
        type: list
        elements: str
      zones:
        description:
          - Zones of the account, each a name such as V(example.com) or a zone id.
          - The policy scope is then C(com.cloudflare.api.account.<account_id>) with one object
            C(com.cloudflare.api.account.zone.<zone_id>) per zone. Only domain roles apply to zones.
        type: list
        elements: str
      resource_groups:
        description:
          - Existing named resource groups of the account, each a name or an id.
        type: list
        elements: str
      scope:
        description:
          - A raw resource scope, for targets that the other options do not cover, such as specific Workers.
          - The value is a dictionary with C(key), for example C(com.cloudflare.api.account.<account_id>), and a
            non-empty list C(objects), for example C(com.cloudflare.api.account.worker.<worker_id>). Each object is
            a string or a dictionary with a C(key).
        type: dict
  verify_ids:
    description:
      - When V(false), permission group ids and zone ids in O(policies) are trusted as given. The permission group
        and zone catalogues are then not read to check them, and Cloudflare still rejects unknown ids without
        changing anything. Names and labels are always resolved.
      - With V(false), zones may show as ids in the result and the diff when their names are not known otherwise.
      - The C(cfiam.user_groups.user_groups) role passes ids it has already resolved with this set to V(false).
    type: bool
    default: true
notes:
  - Cloudflare regenerates policy ids on every change, so policies are compared by their content (access, permission
    groups and target), never by id.
seealso:
  - module: cfiam.user_groups.cf_user_group_info
  - module: cfiam.user_groups.cf_user_group_member
  - module: cfiam.user_groups.cf_user_group_policy
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.attributes
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Create a group (policies are left alone)
  cfiam.user_groups.cf_user_group:
    name: My Cool Demo Group

- name: Create a group with a policy, in one request
  cfiam.user_groups.cf_user_group:
    name: "My Cool Demo Group, now with policies!"
    policies:
      - access: allow
        permission_groups: [Administrator Read Only]

- name: Rename a group found by id
  cfiam.user_groups.cf_user_group:
    id: f234f49f66df4db8864c5189fe78c87f
    name: Platform Engineers

- name: Grant DNS editing on two zones and read-only access to the account (exactly these policies)
  cfiam.user_groups.cf_user_group:
    name: DNS Operators
    policies:
      - permission_groups: [domain_dns]
        zones: [example.com, shop.example.com]
      - permission_groups: [admin_readonly]

- name: Attach a policy to a group pushed by SCIM (its name and members belong to the identity provider)
  cfiam.user_groups.cf_user_group:
    name: Okta Contractors
    policies:
      - permission_groups: [admin]

- name: Reset the policies of a group to an empty state
  cfiam.user_groups.cf_user_group:
    name: DNS Operators
    policies: []

- name: Delete a group
  cfiam.user_groups.cf_user_group:
    name: My Cool Demo Group
    state: absent
"""

RETURN = r"""
user_group:
  description:
    - The group after the task (predicted in check mode), or V(null) when it does not exist after the task.
    - A group that check mode would create has a V(null) RV(user_group.id).
  returned: success
  type: dict
  contains:
    id:
      description: Id of the group.
      type: str
      sample: f234f49f66df4db8864c5189fe78c87f
    name:
      description: Name of the group.
      type: str
      sample: My Cool Demo Group
    created_on:
      description: When the group was created.
      type: str
      sample: "2025-01-24T15:31:36.759979Z"
    modified_on:
      description: When the group was last changed.
      type: str
      sample: "2025-01-24T15:35:50.151764Z"
    policies:
      description:
        - The group's policies, normalised and sorted. Policy ids, which Cloudflare regenerates, are left out.
      type: list
      elements: dict
      contains:
        access:
          description: V(allow) or V(deny).
          type: str
        permission_groups:
          description: The roles, each with C(id), C(name) and C(label).
          type: list
          elements: dict
        resource_groups:
          description:
            - The targets, each with its C(scope) (C(key) and sorted C(objects)). Named resource groups also have
              C(id) and C(name); zone targets have C(zones), the zone names.
          type: list
          elements: dict
        target:
          description: V(account), V(zones), V(resource_groups), V(scope), V(mixed) or V(none).
          type: str
      sample:
        - access: allow
          permission_groups: [{"id": "1a0fc8bdeae24387b64d5b8de1ad052a", "name": "Administrator Read Only",
                               "label": "admin_readonly"}]
          resource_groups: [{"scope": {"key": "com.cloudflare.api.account.a3324a084cd290080b563ab39c91545a",
                                       "objects": ["*"]}}]
          target: account
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 2, "PUT": 1, "total": 3, "retries": 0}
"""

from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import ResolutionError, is_id
from ansible_collections.cfiam.user_groups.plugins.module_utils.module import CloudflareModule
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import (
    POLICY_OPTIONS,
    clean_policy_items,
    learn_zone_names,
    needs_named_rg_listing,
    plan_policies,
    readable_policies,
    resolve_policies,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    DuplicateGroupError,
    diff_view,
    group_view,
)


def main():
    cf = CloudflareModule(
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            policies=dict(type="list", elements="dict", options=POLICY_OPTIONS),
            verify_ids=dict(type="bool", default=True),
        ),
        required_one_of=[["name", "id"]],
    )
    cf.run(ensure_group)


def readable(view):
    """The diff form of a group view: role names and scopes instead of ids."""
    if view is None:
        return {}
    out = diff_view(view)
    out["policies"] = readable_policies(view.get("policies"))
    return out


def label_of(group):
    return "user group '%s' (%s)" % (group.get("name"), group.get("id"))


def ensure_group(cf):
    p = cf.params
    name, group_id, state = p["name"], p["id"], p["state"]
    ref = group_id if group_id is not None else name
    account_id = cf.client.account_id
    groups = cf.groups

    # ----------------------------------------------------------- resolve everything, report every problem at once
    cf.doing("find user group '%s'" % ref)
    problems = []
    if name is not None and not name.strip():
        problems.append("name must not be empty")
    group = None
    try:
        group = groups.find_group(name=None if group_id is not None else name, group_id=group_id)
    except DuplicateGroupError as exc:
        problems.extend(exc.problems)
    if state == "present" and group is None and group_id is not None:
        problems.append("user group id '%s' does not exist in account %s%s; a group cannot be created with a chosen "
                        "id (omit id to create a group by name)" % (
                            group_id, account_id, "" if is_id(group_id) else " (an id has 32 hexadecimal characters)"))

    if state == "absent":
        if problems:
            raise ResolutionError(problems)
        if p["policies"] is not None:
            cf.warn("policies is ignored with state=absent")
        return delete_group(cf, group)

    rename = group is not None and name is not None and name != group.get("name")
    if rename and not problems:
        cf.doing("check that no other user group is named '%s'" % name)
        taken = [g for g in groups.list_groups(name=name) if g.get("id") != group["id"]]
        if taken:
            problems.append("cannot rename %s to '%s': user group %s already has that name" % (
                label_of(group), name, ", ".join(sorted(g["id"] for g in taken))))

    desired = None
    if p["policies"] is not None:
        cf.doing("resolve the policies of user group '%s'" % ref)
        try:
            desired = resolve_policies(clean_policy_items(p["policies"]), cf.lookups, account_id, verify=p["verify_ids"])
        except ResolutionError as exc:
            problems.extend(exc.problems)
    if problems:
        cf.doing("validate user group '%s'" % ref)
        raise ResolutionError(problems)

    if group is None:
        return create_group(cf, name, desired)
    return update_group(cf, group, name if rename else None, desired)


def view_of(cf, group):
    if group is None:
        return None
    if cf.params["verify_ids"]:
        learn_zone_names(group.get("policies"), cf.lookups)
    return group_view(group, cf.lookups, cf.client.account_id)


def finish(cf, changed, before, after, label):
    before_view = view_of(cf, before)
    after_view = view_of(cf, after)
    cf.exit(
        changed=changed,
        diff={"before": readable(before_view), "after": readable(after_view),
              "before_header": label, "after_header": label},
        user_group=after_view,
    )


def create_group(cf, name, desired):
    predicted = {"id": None, "name": name, "created_on": None, "modified_on": None,
                 "policies": [d.as_api_policy() for d in desired or []]}
    label = "user group '%s'" % name
    after = predicted
    if not cf.check_mode:
        cf.doing("create %s" % label)
        bodies = [d.body() for d in desired] if desired is not None else None
        after = cf.groups.create_group(name, policies=bodies) or predicted
    finish(cf, True, None, after, label)


def update_group(cf, group, new_name, desired):
    label = label_of(group)
    current = group.get("policies") or []
    plan = None
    if desired is not None:
        plan = plan_policies(current, desired, state="present", exclusive=True)
        if plan.changed and needs_named_rg_listing(current):
            # Re-send kept policies with the right form: named resource groups by id, inline scopes as scopes.
            cf.doing("list the named resource groups for %s" % label)
            plan = plan_policies(current, desired, state="present", exclusive=True,
                                 named_rg_ids=cf.lookups.named_resource_group_ids())
    policies_change = plan is not None and plan.changed
    changed = bool(new_name) or policies_change

    predicted = dict(group)
    if new_name:
        predicted["name"] = new_name
    if policies_change:
        predicted["policies"] = plan.after_policies
    after = predicted
    if changed and not cf.check_mode:
        if new_name and policies_change:
            cf.doing("rename %s to '%s' and set its policies" % (label, new_name))
        elif new_name:
            cf.doing("rename %s to '%s'" % (label, new_name))
        else:
            cf.doing("set the policies of %s" % label)
        after = cf.groups.update_group(group["id"], name=new_name,
                                       policies=plan.bodies if policies_change else None) or predicted
    finish(cf, changed, group, after, label)


def delete_group(cf, group):
    if group is None:
        ref = cf.params["id"] if cf.params["id"] is not None else cf.params["name"]
        label = "user group '%s'" % ref
        return finish(cf, False, None, None, label)
    label = label_of(group)
    changed = True
    if not cf.check_mode:
        cf.doing("delete %s" % label)
        changed = cf.groups.delete_group(group["id"])
    finish(cf, changed, group, None, label)


if __name__ == "__main__":
    main()
