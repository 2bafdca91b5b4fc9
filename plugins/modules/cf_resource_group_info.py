#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_resource_group_info
short_description: List named Cloudflare resource groups
version_added: 0.2.0
description:
  - Returns the named resource groups of a Cloudflare account with their scopes. When a scope lists zones, the zone
    names are returned as well.
  - Use it to check which resource groups exist before referencing them in user group policies, or to export them.
  - Resource groups that Cloudflare created for inline policy scopes have no name of their own and are not listed.
  - Never changes anything.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Only the resource group with this exact name.
    type: str
  id:
    description:
      - Only the resource group with this id (32 hexadecimal characters).
    type: str
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: All resource groups of the account
  cfiam.user_groups.cf_resource_group_info:
  register: rgs

- name: Zones of one resource group
  cfiam.user_groups.cf_resource_group_info:
    name: Production zones
  register: prod

- name: Show them
  ansible.builtin.debug:
    msg: "{{ prod.resource_groups[0].zones | default([]) }}"
  when: prod.resource_groups | length > 0
"""

RETURN = r"""
resource_groups:
  description: The matching resource groups, sorted by name. Empty when nothing matches.
  returned: success
  type: list
  elements: dict
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
  sample: {"GET": 1, "total": 1, "retries": 0}
"""
