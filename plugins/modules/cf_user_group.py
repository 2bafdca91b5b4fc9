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
