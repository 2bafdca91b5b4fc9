#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_resource_group
short_description: Manage named Cloudflare resource groups
version_added: 0.2.0
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
  - cfiam.user_groups.connection.modules
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
