#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group_info
short_description: List Cloudflare user groups, their policies and their members
version_added: 0.2.0
description:
  - Lists the user groups of a Cloudflare account, including groups pushed by SCIM from an identity provider.
  - Each group comes with its permission policies, normalised and readable (role names and labels, scopes, zone
    names), and, with O(include_members=true), with its members.
  - Filters combine. A filter that matches nothing returns an empty list and does not fail.
  - Never changes anything.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Only the group or groups with exactly this name.
    type: str
  id:
    description:
      - Only the group with this id. An unknown id returns an empty list.
    type: str
  fuzzy_name:
    description:
      - Only groups whose name contains this text, matched by Cloudflare (C(fuzzyName)).
    type: str
  include_members:
    description:
      - Also list the members of each group. The member listings of several groups are read concurrently.
    type: bool
    default: false
seealso:
  - module: cfiam.user_groups.cf_user_group
  - module: cfiam.user_groups.cf_user_group_member
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Confirm the groups created in Cloudflare or pushed by SCIM
  cfiam.user_groups.cf_user_group_info:
  register: all_groups

- name: Show their names and ids
  ansible.builtin.debug:
    msg: "{{ all_groups.user_groups | map(attribute='name') | zip(all_groups.user_groups | map(attribute='id')) }}"

- name: Look at the group pushed from the identity provider (it has no policies yet)
  cfiam.user_groups.cf_user_group_info:
    name: Okta Contractors
  register: pushed

- name: Verify the identity provider synchronised the members of the pushed group
  cfiam.user_groups.cf_user_group_info:
    id: "{{ pushed.user_groups[0].id }}"
    include_members: true
  register: pushed_members

- name: Fail when a member is missing
  ansible.builtin.assert:
    that:
      - "'luke.skywalker@rebelalliance.net' in pushed_members.user_groups[0].members | map(attribute='email')"

- name: Groups whose name contains "Demo"
  cfiam.user_groups.cf_user_group_info:
    fuzzy_name: Demo
"""

RETURN = r"""
user_groups:
  description: The matching groups, sorted by name. Empty when nothing matches.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Id of the group.
      type: str
      sample: 7148c1e4d9f247f5b6dcd3ef20f998f9
    name:
      description: Name of the group.
      type: str
      sample: "My Cool Demo Group, now with policies!"
    created_on:
      description: When the group was created.
      type: str
      sample: "2025-01-16T20:43:01.019311Z"
    modified_on:
      description: When the group was last changed.
      type: str
      sample: "2025-01-16T20:44:07.627233Z"
    policies:
      description:
        - The group's policies, normalised and sorted, in the form M(cfiam.user_groups.cf_user_group) returns.
          Policy ids, which Cloudflare regenerates, are left out.
        - Each has C(access), C(permission_groups) (C(id), C(name), C(label)), C(resource_groups) (C(scope), and
          C(id) and C(name) for named resource groups, C(zones) for zone targets) and C(target).
      type: list
      elements: dict
      sample:
        - access: allow
          permission_groups: [{"id": "a1a099e3256942259bfde18c688b67d5", "name": "Domain Page Shield",
                               "label": "domain_page_shield"}]
          resource_groups: [{"scope": {"key": "com.cloudflare.api.account.a3324a084cd290080b563ab39c91545a",
                                       "objects": ["com.cloudflare.api.account.zone.023e105f4ecef8ad9ca31a8372d0c353"]},
                             "zones": ["example.com"]}]
          target: zones
    members:
      description: The group's members, sorted by email.
      returned: when O(include_members=true)
      type: list
      elements: dict
      contains:
        id:
          description: Account member id.
          type: str
          sample: a4366a09c43a0b0c4606dc5528472bb6
        email:
          description: Email of the member, lower-cased.
          type: str
          sample: luke.skywalker@rebelalliance.net
        status:
          description: V(accepted) or V(pending).
          type: str
          sample: accepted
account_id:
  description: The account the groups were read from.
  returned: success
  type: str
  sample: 0123456789abcdef0123456789abcdef
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 3, "total": 3, "retries": 0}
"""
