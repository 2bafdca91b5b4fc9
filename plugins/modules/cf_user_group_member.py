#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group_member
short_description: Manage the members of a Cloudflare user group
version_added: 0.2.0
description:
  - Adds account members to a Cloudflare account user group, removes them, or makes the group's membership exactly a
    given list.
  - Members are given by email (matched case-insensitively against the account's members) or by account member id.
    Every email and id is resolved before the first write; an unknown one fails the task and nothing is changed.
  - Uses the fewest API calls. One member listing of the group, then a bulk C(POST) for additions and one C(DELETE)
    per removal, so a member that someone else adds in the meantime is never removed. Only O(exclusive=true) with
    members to remove replaces the whole membership with one C(PUT), sent right after the listing (the read-to-write
    window is that of one request).
  - The result is computed from the listing and the plan, never taken from Cloudflare's reply, which may list only
    the members a request added.
  - In check mode, a O(group) that does not exist yet (because an earlier task of the play creates it) gives a
    warning and the change this task would make on an empty group.
  - The members of a group pushed by SCIM from an identity provider belong to the provider. Cloudflare refuses to
    change them, and the task fails with Cloudflare's reason.
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
  members:
    description:
      - Account members, each an email address (contains C(@)) or a 32-character account member id (not a user id).
      - Members whose invitation is still pending trigger a warning, because the dashboard only offers accepted
        members. The module still does what it was asked.
      - O(members=[]) with O(exclusive=true) empties the group.
      - "An entry may also be a dictionary C({email: ..., expires: YYYY-MM-DD}) (or C({id: ..., expires: ...})): from
        that day on (UTC, the day itself included) the member counts as removed and is removed whatever the
        C(exclusive) setting says."
      - The result lists it under C(expired). Until then it is listed under C(expiring) once
        the date is at most O(expiry_warning_days) days away. Only a run enforces it, so schedule one (see
        C(docs/expiring-access.md)). A date that is not a calendar date fails the task before anything is written.
    type: list
    elements: raw
    required: true
  state:
    description:
      - V(present) makes sure each of O(members) is in the group.
      - V(absent) makes sure none of O(members) is in the group.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), make the group's members exactly O(members) and remove everyone else.
        O(members=[]) with O(exclusive=true) empties the group.
    type: bool
    default: false
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.expiry
  - cfiam.user_groups.attributes
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Add two people to a group (other members stay)
  cfiam.user_groups.cf_user_group_member:
    group: Engineering
    members:
      - alice@example.com
      - Bob@Example.com

- name: Make the membership exactly this list
  cfiam.user_groups.cf_user_group_member:
    group: Engineering SRE
    members: [carol@example.com, dave@example.com]
    exclusive: true

- name: Give a contractor access until the end of the year (removed by the first run on 2026-12-31)
  cfiam.user_groups.cf_user_group_member:
    group: Engineering
    members:
      - {email: erin@example.com, expires: "2026-12-31"}
    expiry_warning_days: 7
  register: temporary

- name: Show the entries that end within a week
  ansible.builtin.debug:
    var: temporary.expiring

- name: Remove a leaver
  cfiam.user_groups.cf_user_group_member:
    group: Engineering
    members: [mallory@example.com]
    state: absent

- name: Empty a group
  cfiam.user_groups.cf_user_group_member:
    group_id: 7148c1e4d9f247f5b6dcd3ef20f998f9
    members: []
    exclusive: true
"""

RETURN = r"""
members:
  description: The group's members after the task (predicted in check mode), sorted by email.
  returned: success
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
added:
  description: Members added (or that would be added in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{"id": "a4366a09c43a0b0c4606dc5528472bb6", "email": "luke.skywalker@rebelalliance.net", "status": "accepted"}]
removed:
  description: Members removed (or that would be removed in check mode).
  returned: success
  type: list
  elements: dict
  sample: []
user_group:
  description: Id and name of the group.
  returned: success
  type: dict
  sample: {"id": "7148c1e4d9f247f5b6dcd3ef20f998f9", "name": "Engineering"}
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
  sample: {"GET": 1, "POST": 1, "total": 2, "retries": 0}
"""
