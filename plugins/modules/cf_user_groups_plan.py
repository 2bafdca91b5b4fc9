#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_groups_plan
short_description: Plan how a Cloudflare account's user groups must change to match a declared hierarchy
version_added: 0.1.0
description:
  - Reads a Cloudflare account once and compares it with a declared hierarchy of user groups. It returns what must
    be created, which policies and members must change, and what a purge would delete, with every name already
    resolved to an id.
  - This is the first step of the C(cfiam.user_groups.user_groups) role, which then calls the write modules only for
    the groups that need a change. The module itself never writes anything.
  - The whole declaration is validated first. Duplicate group names, unknown roles, emails or zones, and roles that
    cannot apply to their scope anywhere in the tree fail the task with every problem listed.
  - Cloudflare's groups are flat, so the hierarchy is flattened. A member of a child group is also a member of every
    ancestor. Policies are not copied downwards.
  - "Requests: one listing of the account's groups (policies included), the member listing of every managed group
    (fetched concurrently, at most 8 at a time), and a catalogue (roles, account members, zones, resource groups)
    only when a declared name was not already seen in those listings."
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  user_groups:
    description:
      - The declared groups. Each item has a C(name) (required, unique across the whole tree) and optionally
        C(members) (emails or account member ids), C(policies) (items as in M(cfiam.user_groups.cf_user_group_policy)),
        C(children) (groups of the same shape, any depth) and C(scim).
      - With C(scim=true) the group is pushed by an identity provider. It is never created, renamed or deleted and
        its members are never touched; only its policies are managed.
      - An omitted C(members) or C(policies) leaves that part of an existing group alone. An empty list with
        exclusivity empties it.
    type: list
    elements: dict
    required: true
  exclusive_members:
    description:
      - Members of each declared group become exactly the declared ones, plus those of its descendants. When V(false),
        missing members are added and extra ones are kept.
    type: bool
    default: true
  exclusive_policies:
    description:
      - Policies of each declared group become exactly the declared ones. When V(false), missing policies are added
        and extra ones are kept.
    type: bool
    default: true
  purge:
    description:
      - Plan the deletion of every group of the account that is not declared, except those matching O(purge_exclude).
    type: bool
    default: false
  purge_exclude:
    description:
      - Group names, or regular expressions matched against the whole name, that a purge never deletes. Use it for
        groups pushed by SCIM, which no API field marks.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Plan an account
  cfiam.user_groups.cf_user_groups_plan:
    user_groups:
      - name: Engineering
        members: [alice@example.com]
        policies:
          - permission_groups: [Administrator Read Only]
        children:
          - name: Engineering SRE
            members: [bob@example.com]
            policies:
              - permission_groups: [domain_dns]
                zones: [example.com]
  register: plan

- name: Show what would change
  ansible.builtin.debug:
    var: plan.summary
"""

RETURN = r"""
changed:
  description: Whether applying the plan would change anything. The module itself never changes anything.
  returned: always
  type: bool
create:
  description: Groups to create, with their desired policies (ids only) and member ids.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "Engineering", "policies": [{"access": "allow", "permission_groups": ["1a0fc8bdeae24387b64d5b8de1ad052a"]}],
            "members": ["01f90766919e743d4dd307c8cdd016c0"]}]
update_policies:
  description: Existing groups whose policies must change, with the policies to pass to
    M(cfiam.user_groups.cf_user_group_policy) (ids only) and whether they are exclusive.
  returned: success
  type: list
  elements: dict
  sample: [{"id": "7148c1e4d9f247f5b6dcd3ef20f998f9", "name": "Engineering", "exclusive": true, "policies": []}]
update_members:
  description: Existing groups whose members must change, with the member ids to pass to
    M(cfiam.user_groups.cf_user_group_member), whether they are exclusive, and the ids added and removed.
  returned: success
  type: list
  elements: dict
  sample: [{"id": "7148c1e4d9f247f5b6dcd3ef20f998f9", "name": "Engineering", "exclusive": true,
            "members": ["01f90766919e743d4dd307c8cdd016c0"], "add": ["01f90766919e743d4dd307c8cdd016c0"], "remove": []}]
delete:
  description: Groups a purge deletes.
  returned: success
  type: list
  elements: dict
  sample: [{"id": "f234f49f66df4db8864c5189fe78c87f", "name": "Old group"}]
summary:
  description: Names of the groups created, updated and deleted, member emails added and removed per group, the
    number of unchanged groups, and SCIM groups declared but not pushed yet.
  returned: success
  type: dict
  sample: {"created": ["Engineering"], "updated": [], "deleted": [], "members_added": {"Engineering": ["alice@example.com"]},
           "members_removed": {}, "unchanged": 0, "missing_scim_groups": []}
groups:
  description: The flattened declaration after member roll-up, with readable policies and member emails.
  returned: success
  type: list
  elements: dict
api_requests:
  description: Number of API requests sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 102, "total": 102, "retries": 0}
"""
