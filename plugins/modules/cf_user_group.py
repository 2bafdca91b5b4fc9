#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group
short_description: Create, rename, delete a Cloudflare user group and set its permission policies
version_added: 0.2.0
description:
  - Creates a Cloudflare account user group, renames it or deletes it, and sets its permission policies and its members.
    It manages a whole group in one task, as C(amazon.aws.iam_group) manages a group with its users and policies.
  - A group is found by its exact O(name), or by O(id). With O(id), a different O(name) renames the group.
  - O(policies) and O(members) are compared as sets, so order and repeats do not matter. A list that is omitted leaves
    that part of the group alone. A list that is given becomes exactly the group's list when O(exclusive_policies) or
    O(exclusive_members) is V(true) (the default), and is added to what the group has when it is V(false).
  - Every permission group, zone, resource group and member is resolved before the first write, and every problem is
    reported at once. Nothing is changed when one of them is unknown.
  - Uses the fewest API calls. A new group is created with one C(POST) that carries its policies, then one C(POST) of
    its members. A rename and a change of policies are one C(PUT). A rename re-sends the group's policies as read
    right before it (Cloudflare does not document what a C(PUT) without them does), so they are kept. Members are added with one C(POST) and removed one
    by one with C(DELETE), so a member added concurrently by someone else is never lost; only an exclusive list that
    also removes members replaces the membership with one C(PUT), right after reading it.
  - The result after a write is computed from what was read and what was planned, never taken from Cloudflare's
    reply, which may list less than the whole state.
  - Two groups with the same name make the name ambiguous. The task then fails, lists their ids and changes nothing.
    Address the group by O(id) instead. A new name (a create or a rename) that looks like another group's (case,
    spaces, invisible characters, Unicode form) fails the task, naming the look-alike and its exact spelling
    (see O(lookalike_names)).
  - A group pushed by SCIM from an identity provider belongs to the provider. Cloudflare refuses to rename or delete
    it, or to change its members, and the task fails with Cloudflare's reason. Its policies can be set.
  - Runs in the Ansible controller. In a loop, the items share one connection and the catalogues read by earlier
    items, so the 2nd..Nth item sends no request the 1st already made.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  name:
    description:
      - Exact name of the user group.
      - Required to create a group.
      - With O(id), the new name of the group.
      - A new name (a create, or a rename with O(id)) must show as it is written. A control character (a line break
        or a tab) or a character that does not show (a zero-width space or joiner, a byte order mark, a direction mark,
        another format or default-ignorable character; variation selectors aside) is refused. A name that finds an
        existing group is taken exactly as it is, so such a group can be addressed, renamed (with its O(id)) or
        deleted. Cloudflare documents no length limit.
    type: str
  id:
    description:
      - Id of an existing user group (32 hexadecimal characters).
      - A group cannot be created with a chosen id. With O(state=present), an unknown O(id) fails the task.
      - With O(state=absent), an unknown O(id) means there is nothing to delete.
    type: str
  state:
    description:
      - V(present) makes sure the group exists, with O(name) and, when given, O(policies) and O(members).
      - V(absent) deletes the group. Deleting a group that does not exist changes nothing; when a group whose name
        looks like it exists (see O(lookalike_names)), a warning gives its exact spelling and id.
    type: str
    choices: [present, absent]
    default: present
  policies:
    description:
      - The permission policies of the group. When omitted, the policies are not changed.
      - With O(exclusive_policies=true) (the default) the group's policies become exactly this list, and
        O(policies=[]) removes every policy. With O(exclusive_policies=false) the policies that are missing are
        added and the others are kept.
      - Each policy grants (or denies) its permission groups on its targets, O(policies[].zones),
        O(policies[].resource_groups) and O(policies[].scope), which can be combined. A policy with none of them
        applies to the whole account.
      - Ignored with O(state=absent).
    # type, elements and suboptions: the cfiam.user_groups.policies doc fragment
  exclusive_policies:
    description:
      - With V(true), O(policies) becomes exactly the group's policies. With V(false), missing policies are added and
        the others are kept.
      - A task with an exact list undoes what another task (for example M(cfiam.user_groups.cf_user_group_policy))
        adds to the same group; give every policy in one list, or set V(false).
    type: bool
    default: true
  members:
    description:
      - Members of the group, each an email (case-insensitive) or an account member id.
      - With O(exclusive_members=true) (the default) they become exactly the group's members, and O(members=[])
        empties the group. With O(exclusive_members=false) they are added and nobody is removed.
      - When omitted, the members are not changed. Ignored with O(state=absent).
      - "An entry may also be a dictionary C({email: ..., expires: YYYY-MM-DD}) (or C({id: ..., expires: ...})): from
        that day on (UTC, the day itself included) the member counts as removed and is removed whatever the
        C(exclusive) setting says."
      - The result lists it under C(expired). Until then it is listed under C(expiring) once
        the date is at most O(expiry_warning_days) days away. Only a run enforces it, so schedule one (see
        C(docs/expiring-access.md)). A date that is not a calendar date fails the task before anything is written.
    type: list
    elements: raw
  exclusive_members:
    description:
      - With V(true), O(members) becomes exactly the group's members. With V(false), they are added to it.
    type: bool
    default: true
  lookalike_names:
    description:
      - What to do when the group would be created, or renamed, to a name that looks like another group's, such as
        C(finance) next to C(Finance). Two such groups look the same in the dashboard, and the access of the one
        nobody means stays unreviewed.
      - "Two names look alike when they are the same after: Unicode NFKC normalization (NFC and NFD spellings,
        compatibility forms such as the full-width C(\\uff26) for C(F)); dropping the characters that do not show
        (format characters, Unicode category Cf, such as C(\\u200b) or C(\\ufeff); controls; the other
        default-ignorable characters such as variation selectors); reading the Turkish dotless C(\\u0131) and dotted
        C(\\u0130) as C(i); folding the case; and removing leading and trailing whitespace and making each run of
        whitespace one space. Letters of other scripts that only look the same (Cyrillic C(\\u0430)) are not
        look-alikes."
      - V(fail) fails before any write, naming the other group with its id and exact spelling (to rename it, give
        its O(id) with the new O(name)). V(warn) writes the group and gives a warning.
    type: str
    choices: [fail, warn]
    default: fail
notes:
  - Cloudflare regenerates policy ids on every change, so policies are compared by their content (access, permission
    groups and target), never by id.
seealso:
  - module: cfiam.user_groups.cf_user_group_info
  - module: cfiam.user_groups.cf_user_group_member
  - module: cfiam.user_groups.cf_user_group_policy
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.policies
  - cfiam.user_groups.expiry
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

- name: A group with exactly these members (emails or member ids)
  cfiam.user_groups.cf_user_group:
    name: DNS Operators
    members: [alice@example.com, bob@example.com]

- name: Temporary access, member and policy (removed by the first run on or after each date, UTC)
  cfiam.user_groups.cf_user_group:
    name: Incident Responders
    members:
      - alice@example.com
      - {email: carol@example.com, expires: "2026-12-08"}
    policies:
      - permission_groups: [admin_readonly]
      - permission_groups: [domain_dns]
        zones: [example.com]
        expires: "2026-12-08"

- name: Add members and a policy, keeping what the group already has
  cfiam.user_groups.cf_user_group:
    name: DNS Operators
    members: [carol@example.com]
    exclusive_members: false
    policies:
      - permission_groups: [domain_dns]
        zones: [example.net]
    exclusive_policies: false

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
    members:
      description: The members, each with C(id), C(email) and C(status), sorted by email.
      returned: when O(members) is given, or with O(state=absent) in diff mode
      type: list
      elements: dict
      sample: [{"id": "01f90766919e743d4dd307c8cdd016c0", "email": "alice@example.com", "status": "accepted"}]
added:
  description: Members added by the task (predicted in check mode), each with C(id), C(email) and C(status).
  returned: when O(members) is given
  type: list
  elements: dict
removed:
  description: Members removed by the task (predicted in check mode).
  returned: when O(members) is given
  type: list
  elements: dict
written:
  description:
    - On a failure after some writes reached Cloudflare, what was written (the task then also reports C(changed)).
    - A create counts as written once Cloudflare has answered it, before the group is read back by name, so a
      read-back that fails still lists it, with its id, or with C(its id unknown) when the reply gave none.
  returned: on failure after a write
  type: list
  elements: str
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
