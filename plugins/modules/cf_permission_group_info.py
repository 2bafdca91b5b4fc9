#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_permission_group_info
short_description: List the permission groups (roles) of a Cloudflare account
version_added: 0.2.0
description:
  - Lists the permission groups (roles) that policies of user groups can grant, such as V(Administrator Read Only)
    (label V(admin_readonly)) or V(Domain DNS) (label V(domain_dns)).
  - Without filters, returns the whole catalogue. The catalogue is read page by page, with 50 per page.
  - The filters O(name), O(label) and O(id) are sent to the API and are also applied exactly to the result.
    O(scope) is applied to the result only. Filters combine with AND. A filter that matches nothing returns an
    empty list, which is not an error.
  - These are the roles of account members and user groups (C(/iam/permission_groups)). They are not the
    permissions of API tokens.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Exact name of the permission group, for example V(Administrator Read Only).
    type: str
  label:
    description:
      - Exact C(meta.label) of the permission group, for example V(admin_readonly). Labels are stable machine
        names.
    type: str
  id:
    description:
      - Id of the permission group (32 hexadecimal characters).
    type: str
  scope:
    description:
      - Only permission groups that apply to this scope type (C(meta.scopes)).
      - V(com.cloudflare.api.account) selects account roles and V(com.cloudflare.api.account.zone) selects domain
        roles, which are the roles that can be granted on zones.
    type: str
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Review the available permission groups
  cfiam.user_groups.cf_permission_group_info:
  register: roles

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ roles.permission_groups | map(attribute='name') | list }}"

- name: Find the id of the read-only administrator role
  cfiam.user_groups.cf_permission_group_info:
    label: admin_readonly
  register: admin_readonly

- name: Use it
  ansible.builtin.debug:
    msg: "{{ admin_readonly.permission_groups[0].id }}"

- name: List the domain roles (the ones that can be granted on zones)
  cfiam.user_groups.cf_permission_group_info:
    scope: com.cloudflare.api.account.zone
  register: domain_roles
"""

RETURN = r"""
permission_groups:
  description: The permission groups that match every filter, sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Id of the permission group.
      type: str
      sample: 1a0fc8bdeae24387b64d5b8de1ad052a
    name:
      description: Name of the permission group.
      type: str
      sample: Administrator Read Only
    label:
      description: The stable machine name of the permission group (C(meta.label)).
      type: str
      sample: admin_readonly
    description:
      description: What the permission group allows.
      type: str
      sample: Can access the full account in read-only mode.
    scopes:
      description: The scope types the permission group applies to (C(meta.scopes)).
      type: list
      elements: str
      sample: [com.cloudflare.api.account]
    editable:
      description: Whether the permission group can be edited (C(meta.editable)).
      type: bool
      sample: false
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 1, "total": 1, "retries": 0}
"""
