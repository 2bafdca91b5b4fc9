#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_access_info
short_description: Review who has what access in a Cloudflare account, and through which group
version_added: 0.2.0
description:
  - Returns, for one account, every member with its effective grants (role, scope, allow or deny) and where each
    grant comes from (C(direct) or C(group:<name>)), every group with its members and policies, and the findings a
    reviewer must look at (Super Administrators, policies outside any group, members in no group, empty groups,
    deprecated roles, pending invitations that hold access).
  - Reads each listing once. The account members (50 per request, with their policies), the user groups (with
    their policies), the named resource groups and the name of the account are read concurrently; then the member
    listing of every group, 8 at a time; the role catalogue only when a role in a policy comes without its
    metadata, and the zones when a policy names a zone. 1,000 members and 100 groups take about 125 requests.
  - Cloudflare lists a member's policies with no marker of where they come from. The module derives C(via) from
    the groups' own policies and member listings, for each member. A policy of a group that lists the member is a
    grant via that group. A policy of the member carrying the id of a group's policy is that group's. When
    Cloudflare repeats the groups' policy ids on members anywhere in the account, any other policy of the member is
    C(direct). Otherwise, when the member's listing lacks a policy of one of its groups, the listing holds only the
    member's own policies, and each is C(direct); else a policy equal to one of the member's groups' policies (same
    access, roles and scope) is taken as that group's copy, as many times as its groups give it, and a further copy
    is C(direct). This works whether Cloudflare's listing includes the inherited policies or only the member's own
    ones. See C(docs/access-review.md).
  - A C(deny) grant is listed as it is, beside the C(allow) grants; nothing is netted out (Cloudflare does not
    document how the two combine).
  - C(playbooks/access_report.yml) writes the result as JSON, CSV, Markdown and a self-contained HTML page with the
    filters of this collection (R(cfiam.user_groups.access_report,ansible_collections.cfiam.user_groups.access_report_filter)).
  - Never changes anything.
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  account_name:
    description:
      - The name of the account, shown in RV(account). When omitted, the module reads it from the accounts the
        credential reaches (C(GET /accounts), one request per 50 accounts); when that listing is refused, the name
        is V(null) and a warning says why.
      - The C(cfiam.user_groups.accounts) inventory gives each account host its name as C(account_name).
    type: str
seealso:
  - module: cfiam.user_groups.cf_user_group_info
  - module: cfiam.user_groups.cf_account_member_info
  - plugin: cfiam.user_groups.access_report
    plugin_type: filter
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.attributes.info_module
  - cfiam.user_groups.attributes.actiongroup
"""

EXAMPLES = r"""
- name: Review who has access to the account
  cfiam.user_groups.cf_access_info:
  register: access

- name: Fail when someone holds Super Administrator other than through the Admins group
  ansible.builtin.assert:
    that: >-
      access.members | map(attribute='grants') | flatten
      | selectattr('permission_group.label', '==', 'super_admin') | map(attribute='via') | flatten
      | reject('==', 'group:Admins') | list | length == 0
    fail_msg: "{{ access.findings | selectattr('kind', '==', 'super_admin') | map(attribute='message') | list }}"

- name: List the members whose policies bypass the groups
  ansible.builtin.debug:
    msg: "{{ access.findings | selectattr('kind', '==', 'direct_policy') | map(attribute='subject') | list }}"

- name: Write the review as a self-contained HTML page (playbooks/access_report.yml writes all four formats)
  ansible.builtin.copy:
    dest: ./access-report.html
    content: "{{ access | cfiam.user_groups.access_report | cfiam.user_groups.access_report_html }}"
    mode: "0644"
"""

RETURN = r"""
account:
  description: The account reviewed.
  returned: success
  type: dict
  contains:
    id:
      description: Account id.
      type: str
      sample: 0123456789abcdef0123456789abcdef
    name:
      description: Account name (O(account_name), or read from the account listing; V(null) when unknown).
      type: str
      sample: Demo Account
generated_at:
  description: When the listings were read (UTC, ISO 8601).
  returned: success
  type: str
  sample: "2026-12-08T09:30:00Z"
members:
  description: Every account member (and any member a group lists that the account listing did not show), sorted
    by email.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Account member id.
      type: str
      sample: a4366a09c43a0b0c4606dc5528472bb6
    email:
      description: Email, lower-cased.
      type: str
      sample: alice@example.com
    status:
      description: V(accepted) or V(pending) (invited, never accepted), as Cloudflare lists it.
      type: str
      sample: accepted
    groups:
      description: Names of the user groups whose member listing holds the member, sorted.
      type: list
      elements: str
      sample: [Admins, Engineering]
    roles:
      description: Names of the legacy account roles Cloudflare lists on the member (shown as they are, not
        turned into grants).
      type: list
      elements: str
      sample: []
    grants:
      description:
        - One entry per effective grant (one role on one scope), sorted by role name. Two policies that grant the
          same role on the same scope with the same access are one grant with both sources in C(via).
      type: list
      elements: dict
      contains:
        access:
          description: V(allow) or V(deny).
          type: str
          sample: allow
        permission_group:
          description: The role, C(id), C(name) and C(label).
          type: dict
          sample: {"id": "0c6a3ef1b57b4b4a9c1d0d56ad1b4a63", "name": "Domain DNS", "label": "domain_dns"}
        scope:
          description:
            - 'The scope in the form diffs show it. One of C({"scope": "account"}), C({"zones": [names]}),
              C({"resource_groups": [names]}), or C({"scope": [{key, objects, name?, zones?}]}) for raw and mixed
              scopes.'
          type: dict
          sample: {"zones": ["example.com", "example.net"]}
        scope_text:
          description: The scope on one line (what the CSV, Markdown and HTML reports show).
          type: str
          sample: "zones: example.com, example.net"
        via:
          description: Where the grant comes from. V(direct) (a policy of the member outside any group) first, then
            V(group:<name>) for each group that grants it.
          type: list
          elements: str
          sample: ["direct", "group:Engineering"]
groups:
  description: Every user group (SCIM-pushed ones included), sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Group id.
      type: str
    name:
      description: Group name.
      type: str
    members:
      description: Emails of the members, sorted.
      type: list
      elements: str
    policies:
      description: The group's policies, each with C(access), C(permission_groups) (C(id), C(name), C(label)),
        C(scope) and C(scope_text) as in the grants.
      type: list
      elements: dict
findings:
  description:
    - What a reviewer must look at, sorted by kind in this order, then by subject. Each has C(kind), C(subject)
      (an email, a group name or a role name) and C(message).
    - V(super_admin) a member holding Super Administrator (label C(super_admin) or a name starting
      "Super Administrator"), directly or through a group, or as a legacy account role;
      V(direct_policy) a member with grants outside any group; V(pending_member) an invitation never accepted that
      holds grants; V(no_group) a member in no group; V(empty_group) a group without members; V(deprecated_role) a
      role Cloudflare marks deprecated, with its end of life and who holds it.
  returned: success
  type: list
  elements: dict
  sample:
    - kind: super_admin
      subject: alice@example.com
      message: "alice@example.com holds Super Administrator: Super Administrator - All Privileges (account) via group:Admins"
summary:
  description: Counts. C(members), C(pending), C(groups), C(grants), C(findings) (per kind), and
    C(policy_ids_repeated) (whether Cloudflare repeated group policy ids on members, which decides how C(via) is
    derived).
  returned: success
  type: dict
  sample: {"members": 25, "pending": 5, "groups": 7, "grants": 31, "policy_ids_repeated": true,
           "findings": {"super_admin": 2, "direct_policy": 4, "pending_member": 2, "no_group": 14,
                        "empty_group": 1, "deprecated_role": 1}}
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 12, "total": 12, "retries": 0}
"""
