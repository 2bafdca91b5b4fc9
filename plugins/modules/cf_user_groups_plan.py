#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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
  - This is the first step of the C(cfiam.user_groups.user_groups) role, which then passes each RV(apply) item to
    M(cfiam.user_groups.cf_user_group) and each RV(delete) item to it with C(state=absent). The module itself never
    writes anything.
  - The whole declaration is validated first. Duplicate group names, unknown roles, emails or zones, and roles that
    cannot apply to their scope anywhere in the tree fail the task with every problem listed.
  - Cloudflare's groups are flat, so the hierarchy is flattened. A member of a child group is also a member of every
    ancestor. Policies are not copied downwards. A group that declares no C(members) only gains its descendants'
    members; nobody is ever removed from it.
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
      - Unknown keys are reported with a suggestion, at every depth.
    type: list
    elements: raw
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
      - Groups a purge never deletes. An entry protects a group when it equals the name or, as a regular expression,
        is found anywhere in it (C(re.search)), for example V(^Okta), V(Contractors$) or an exact name. Use it for
        groups pushed by SCIM, which no API field marks.
      - A group whose name differs from a declared one only by case, spaces or Unicode form is never purged either
        (a warning names both).
    type: list
    elements: str
    default: []
  missing_scim:
    description:
      - A group declared with C(scim=true) that the account does not have is a problem (V(fail), with a suggestion)
        or a warning (V(warn)) for an identity provider that has not pushed it yet.
    type: str
    choices: [fail, warn]
    default: fail
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.attributes.plan
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
check_mode:
  description:
    - Whether this task ran in check mode (C(--check), or the C(check_mode) keyword on the task, block, role or
      play). The C(user_groups) role applies the plan only when this is V(false).
  returned: success
  type: bool
apply:
  description:
    - One item per declared group that needs a change, with the options to pass to M(cfiam.user_groups.cf_user_group)
      - C(name), C(id) (existing groups), C(policies) (items with ids), C(exclusive_policies), C(members) (member
      ids), C(exclusive_members) - and C(scim). Only the parts that change are given.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "Engineering", "scim": false, "members": ["01f90766919e743d4dd307c8cdd016c0"],
            "exclusive_members": true,
            "policies": [{"access": "allow", "permission_groups": ["1a0fc8bdeae24387b64d5b8de1ad052a"]}],
            "exclusive_policies": true}]
delete:
  description: Groups a purge deletes, each with C(id) and C(name).
  returned: success
  type: list
  elements: dict
  sample: [{"id": "f234f49f66df4db8864c5189fe78c87f", "name": "Old group"}]
summary:
  description: Names of the groups created, updated and deleted, member emails added and removed per group, the
    number of unchanged groups, SCIM groups declared but not pushed yet (with O(missing_scim=warn)), the undeclared
    groups each purge exclusion protected, and look-alike names.
  returned: success
  type: dict
  sample: {"created": ["Engineering"], "updated": [], "deleted": [], "members_added": {"Engineering": ["alice@example.com"]},
           "members_removed": {}, "unchanged": 0, "missing_scim_groups": [], "protected": {"^Okta": ["Okta Admins"]},
           "look_alikes": {}}
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
