#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_account_member_info
short_description: List the members of a Cloudflare account, to turn emails into member ids
version_added: 0.2.0
description:
  - Returns the members of a Cloudflare account with their account member ids. User groups take these ids, not user
    ids.
  - The API has no email filter. The module reads the whole member listing once, 50 members per request, and filters
    by email (case-insensitive), id and status itself. Resolve many emails with one task, not one task per email.
  - Never changes anything.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  email:
    description:
      - Only members with one of these emails (compared case-insensitively).
      - Emails that match no member are listed in RV(not_found).
    type: list
    elements: str
  id:
    description:
      - Only members with one of these account member ids.
      - Ids that match no member are listed in RV(not_found).
    type: list
    elements: str
  status:
    description:
      - Only members whose invitation is in this state.
    type: str
    choices: [accepted, pending]
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Look up the member ids of a list of emails (one listing, whatever the number of emails)
  cfiam.user_groups.cf_account_member_info:
    email: "{{ sre_team_emails }}"
  register: sre

- name: Fail early when someone is not a member of the account
  ansible.builtin.assert:
    that: sre.not_found | length == 0
    fail_msg: "Not account members: {{ sre.not_found | join(', ') }}"

- name: Turn the emails into member ids
  ansible.builtin.set_fact:
    sre_member_ids: "{{ sre.account_members | map(attribute='id') | list }}"
    sre_ids_by_email: "{{ sre.account_members | items2dict(key_name='email', value_name='id') }}"

- name: Use the ids
  cfiam.user_groups.cf_user_group_member:
    group: SRE
    members: "{{ sre_member_ids }}"

- name: Invitations still pending
  cfiam.user_groups.cf_account_member_info:
    status: pending
  register: pending
"""

RETURN = r"""
account_members:
  description: The matching account members, sorted by email. Empty when nothing matches.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Account member id, which is what user groups take.
      type: str
      sample: 4536bcfad5faccb111b47003c79917fa
    email:
      description: Email of the member, lower-cased.
      type: str
      sample: alice@example.com
    status:
      description: V(accepted) or V(pending).
      type: str
      sample: accepted
    user_id:
      description: Id of the Cloudflare user. User groups do not use it.
      type: str
      sample: 7c5dae5552338874e5053f2534d2767a
    first_name:
      description: First name of the user, if known.
      type: str
      sample: Alice
    last_name:
      description: Last name of the user, if known.
      type: str
      sample: Example
not_found:
  description: The O(email) and O(id) filter values that match no member of the account (whatever O(status)).
  returned: success
  type: list
  elements: str
  sample: [mallory@example.com]
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 1, "total": 1, "retries": 0}
"""
