#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group_policy
short_description: Manage the permission policies of a Cloudflare user group
version_added: 0.2.0
description:
  - Attaches permission policies to a Cloudflare account user group, detaches them, or makes the group's policies
    exactly a given list.
  - A policy grants (or denies) one or more permission groups (roles) on its targets, which are the whole account, a
    list of zones, named resource groups, raw resource scopes, or a combination of the last three.
  - Permission groups are given by name, C(meta.label) or id. Zones are given by name or id, and resource groups
    by name or id. Every name is resolved and every policy is checked before the first write. This includes
    whether each role can apply to its scope, because a domain role cannot apply to the whole account and an
    account role cannot apply to zones. All problems are reported at once and nothing is changed.
  - Cloudflare's C(PUT) replaces all the policies of a group, so the module sends the complete list. Existing
    policies that stay are sent again unchanged, with inline scopes as scopes and named resource groups as ids.
  - Policies are compared without regard to order and without their ids, which Cloudflare regenerates on every
    C(PUT). A run whose policies are already in place sends no write.
  - Works on groups pushed by SCIM from an identity provider. Their name and members belong to the provider, but
    their policies can be changed. The module sends only the policies.
  - The group's policies are read right before the C(PUT), so a concurrent change made before that read is kept.
  - In check mode, a O(group) that does not exist yet (because an earlier task of the play creates it) gives a
    warning and the change this task would make on an empty group.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  group:
    description:
      - Exact name of the user group.
      - Mutually exclusive with O(group_id).
    type: str
  group_id:
    description:
      - Id of the user group. Saves the name lookup.
      - Mutually exclusive with O(group).
    type: str
  policies:
    description:
      - The policies to attach (O(state=present)) or detach (O(state=absent)).
      - A policy's targets are O(policies[].zones), O(policies[].resource_groups) and O(policies[].scope), which
        can be combined. A policy without any of them applies to the whole account, which is the scope key
        C(com.cloudflare.api.account.<account_id>) with the objects V([*]).
      - O(policies=[]) with O(exclusive=true) resets the group to no policies.
    required: true
    # type, elements and suboptions: the cfiam.user_groups.policies doc fragment
  state:
    description:
      - V(present) makes sure each of O(policies) is attached to the group.
      - V(absent) makes sure none of O(policies) is attached to the group. A policy matches when its access, its
        set of permission groups and its set of scopes are equal.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), make the group's policies exactly O(policies) and remove every other one.
        O(policies=[]) with O(exclusive=true) removes every policy.
    type: bool
    default: false
notes:
  - The token needs C(Account Settings Write) to change the policies, and C(Zone Read) to resolve zone names.
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.policies
  - cfiam.user_groups.expiry
  - cfiam.user_groups.attributes
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: DNS access for an incident, detached by the first run on or after 2026-12-11 (UTC)
  cfiam.user_groups.cf_user_group_policy:
    group: Engineering SRE
    policies:
      - permission_groups: [Domain DNS]
        zones: [example.com]
        expires: "2026-12-11"

- name: Give a group pushed by SCIM read-only access to the whole account
  cfiam.user_groups.cf_user_group_policy:
    group: Okta Contractors
    policies:
      - permission_groups: [Administrator Read Only]

- name: Let a group edit DNS on two zones (other policies stay)
  cfiam.user_groups.cf_user_group_policy:
    group: DNS Editors
    policies:
      - access: allow
        permission_groups: [domain_dns]
        zones: [example.com, example.net]

- name: Deny cache purges on the shop zone
  cfiam.user_groups.cf_user_group_policy:
    group: Engineering
    policies:
      - access: deny
        permission_groups: [Domain Cache Purge]
        zones: [shop.example.com]

- name: Grant a domain role on a named resource group
  cfiam.user_groups.cf_user_group_policy:
    group: Engineering SRE
    policies:
      - permission_groups: [Domain Administrator]
        resource_groups: [Production zones]

- name: Grant a role on specific Workers with a raw scope
  cfiam.user_groups.cf_user_group_policy:
    group: Workers Team
    policies:
      # A per-Worker role applies to individual Workers only; the account-wide role is what it needs beside it.
      - permission_groups: [Workers Platform (Read-only)]
      - permission_groups: [Worker Admin]
        scope:
          key: com.cloudflare.api.account.0123456789abcdef0123456789abcdef
          objects:
            - com.cloudflare.api.account.worker.9a7806061c88ada191ed06f989cc3dac

- name: Remove one policy, keep the others
  cfiam.user_groups.cf_user_group_policy:
    group: Engineering
    state: absent
    policies:
      - access: deny
        permission_groups: [Domain Cache Purge]
        zones: [shop.example.com]

- name: Make the group's policies exactly this list
  cfiam.user_groups.cf_user_group_policy:
    group: Auditors
    exclusive: true
    policies:
      - permission_groups: [admin_readonly, audit_logs_viewer]

- name: Reset the policies of a group to an empty state
  cfiam.user_groups.cf_user_group_policy:
    group_id: 7148c1e4d9f247f5b6dcd3ef20f998f9
    policies: []
    exclusive: true
"""

RETURN = r"""
policies:
  description:
    - The group's policies after the task (predicted in check mode), normalised and sorted.
    - Policy ids are left out because Cloudflare regenerates them on every change.
  returned: success
  type: list
  elements: dict
  contains:
    access:
      description: V(allow) or V(deny).
      type: str
      sample: allow
    permission_groups:
      description: The permission groups of the policy, sorted by name.
      type: list
      elements: dict
      sample: [{"id": "1a0fc8bdeae24387b64d5b8de1ad052a", "name": "Administrator Read Only", "label": "admin_readonly"}]
    resource_groups:
      description:
        - The scopes of the policy. Each has C(scope) with C(key) and sorted C(objects).
        - Named resource groups also have C(id) and C(name). Zone scopes also have C(zones), the zone names (or
          ids when a name is unknown).
      type: list
      elements: dict
      sample: [{"scope": {"key": "com.cloudflare.api.account.a3324a084cd290080b563ab39c91545a", "objects": ["*"]}}]
    target:
      description: >-
        What the policy applies to. One of V(account), V(zones), V(resource_groups), V(scope) (another raw
        scope), V(mixed) or V(none).
      type: str
      sample: account
  sample:
    - access: allow
      permission_groups: [{"id": "1a0fc8bdeae24387b64d5b8de1ad052a", "name": "Administrator Read Only",
                           "label": "admin_readonly"}]
      resource_groups: [{"scope": {"key": "com.cloudflare.api.account.a3324a084cd290080b563ab39c91545a",
                                   "objects": ["*"]}}]
      target: account
added:
  description: Policies attached (or that would be attached in check mode), in the same form as RV(policies).
  returned: success
  type: list
  elements: dict
  sample: []
removed:
  description: Policies detached (or that would be detached in check mode), in the same form as RV(policies).
  returned: success
  type: list
  elements: dict
  sample: []
user_group:
  description: Id and name of the group.
  returned: success
  type: dict
  sample: {"id": "7148c1e4d9f247f5b6dcd3ef20f998f9", "name": "Okta Contractors"}
expired:
  description:
    - "The entries of the task whose C(expires) date has come, each with C(group), C(member) (an email) or C(policy)
      (one readable line), C(expires), C(days_left) (0 or less), C(removed) (true when this task removes it,
      predicted in check mode) and C(note) (V(removed: expired on 2026-12-07), or V(not in the group: expired on ...))."
  returned: always, when the task adds or sets entries (state=present)
  type: list
  elements: dict
  sample: [{"group": "Contractors", "member": "carol@example.com", "expires": "2026-12-07", "days_left": 0,
            "removed": true, "note": "removed: expired on 2026-12-07"}]
expiring:
  description:
    - The entries that expire within O(expiry_warning_days), each with C(group), C(member) or C(policy), C(expires) and
      C(days_left) (1 or more), soonest first.
  returned: always, when the task adds or sets entries (state=present)
  type: list
  elements: dict
  sample: [{"group": "Contractors", "member": "dave@example.com", "expires": "2026-12-10", "days_left": 3}]
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 2, "PUT": 1, "total": 3, "retries": 0}
"""
