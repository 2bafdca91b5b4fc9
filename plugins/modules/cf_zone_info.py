#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_zone_info
short_description: List the zones of a Cloudflare account, to turn zone names into ids
version_added: 0.2.0
description:
  - Returns the zones of the Cloudflare account given by O(account_id), with their ids. Policy and resource group
    scopes name zones by id (C(com.cloudflare.api.account.zone.<zone_id>)).
  - Reads the zone listing of the account once, 50 zones per request, and filters by name (case-insensitive) and id
    itself.
  - The API token needs the C(Zone Read) permission.
  - Never changes anything.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Only zones with one of these names (compared case-insensitively).
      - Names that match no zone are listed in RV(not_found).
    type: list
    elements: str
  id:
    description:
      - Only zones with one of these ids.
      - Ids that match no zone are listed in RV(not_found).
    type: list
    elements: str
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Look up the ids of two zones
  cfiam.user_groups.cf_zone_info:
    name:
      - example.com
      - shop.example.com
  register: zones

- name: Build a raw resource group scope from the zone ids
  cfiam.user_groups.cf_resource_group:
    name: Shop zones
    scope:
      key: "com.cloudflare.api.account.{{ cloudflare_account_id }}"
      objects: "{{ zones.zones | map(attribute='id') | map('regex_replace', '^', 'com.cloudflare.api.account.zone.') | list }}"

- name: All zones of the account, as a name -> id dictionary
  cfiam.user_groups.cf_zone_info:
  register: all_zones

- name: Show it
  ansible.builtin.debug:
    msg: "{{ all_zones.zones | items2dict(key_name='name', value_name='id') }}"
"""

RETURN = r"""
zones:
  description: The matching zones, sorted by name. Empty when nothing matches.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Zone id.
      type: str
      sample: 023e105f4ecef8ad9ca31a8372d0c353
    name:
      description: Zone name.
      type: str
      sample: example.com
    status:
      description: Zone status, for example V(active) or V(pending).
      type: str
      sample: active
not_found:
  description: The O(name) and O(id) filter values that match no zone of the account.
  returned: success
  type: list
  elements: str
  sample: [example.invalid]
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 1, "total": 1, "retries": 0}
"""
