#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cf_user_group_member
short_description: Manage the members of a Cloudflare user group
version_added: 0.1.0
description:
  - Adds account members to a Cloudflare account user group, removes them, or makes the group's membership exactly a
    given list.
  - Members are given by email (matched case-insensitively against the account's members) or by account member id.
    Every email and id is resolved before the first write; an unknown one fails the task and nothing is changed.
  - Uses the fewest API calls. One member listing of the group, then at most one write, which is a bulk C(POST) for
    additions or a C(PUT) of the whole list for an exclusive list or for several removals. A single removal uses
    C(DELETE).
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
    type: list
    elements: str
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
  verify_ids:
    description:
      - When V(false), member ids that are not in the group yet are trusted as given. The account member listing
        is then not read to check them, and Cloudflare still rejects unknown ids without changing anything.
      - The C(cfiam.user_groups.user_groups) role passes ids it has already resolved with this set to V(false).
    type: bool
    default: true
extends_documentation_fragment:
  - cfiam.user_groups.connection
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
api_requests:
  description: Number of API requests the task sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 1, "POST": 1, "total": 2, "retries": 0}
"""

from ansible_collections.cfiam.user_groups.plugins.module_utils.module import CloudflareModule
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import (
    member_view,
    plan_members,
    resolve_members,
)


def sorted_members(members):
    return sorted(members, key=lambda m: (m.get("email") or "", m.get("id") or ""))


def main():
    cf = CloudflareModule(
        argument_spec=dict(
            group=dict(type="str"),
            group_id=dict(type="str"),
            members=dict(type="list", elements="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            exclusive=dict(type="bool", default=False),
            verify_ids=dict(type="bool", default=True),
        ),
        mutually_exclusive=[["group", "group_id"]],
        required_one_of=[["group", "group_id"]],
    )
    cf.run(ensure_members)


def ensure_members(cf):
    p = cf.params
    ref = p["group"] if p["group"] is not None else p["group_id"]
    cf.doing("find user group '%s'" % ref)
    groups = cf.groups
    group = groups.find_group(name=p["group"], group_id=p["group_id"], required=True)
    label = "user group '%s' (%s)" % (group["name"], group["id"])

    cf.doing("read the members of %s" % label)
    current = groups.list_members(group["id"])
    cf.doing("resolve the members for %s" % label)
    wanted = resolve_members(p["members"], cf.lookups, verify=p["verify_ids"])

    plan = plan_members([m["id"] for m in current], [m["id"] for m in wanted], p["state"], p["exclusive"])
    known = dict((m["id"], member_view(m)) for m in current)
    for member in wanted:
        known.setdefault(member["id"], member_view(member))
    for mid in plan.to_add:
        if known[mid].get("status") == "pending":
            cf.warn("%s has not accepted the invitation to the account yet (status pending); the dashboard only "
                    "offers accepted members, but it is added to %s as asked" % (known[mid]["email"] or mid, label))

    after = [known[mid] for mid in plan.after_ids]
    if plan.changed and not cf.check_mode:
        if plan.to_remove and not plan.use_replace and not plan.to_add:
            cf.doing("remove %s from %s" % (known[plan.to_remove[0]]["email"] or plan.to_remove[0], label))
            groups.remove_member(group["id"], plan.to_remove[0])
        elif plan.use_replace:
            cf.doing("set the members of %s" % label)
            result = groups.replace_members(group["id"], plan.after_ids)
            after = [member_view(m) for m in result] if result else after
        else:
            cf.doing("add %d member(s) to %s" % (len(plan.to_add), label))
            result = groups.add_members(group["id"], plan.to_add)
            after = [member_view(m) for m in result] if result else after
        # Fill emails the write reply may not carry (ids trusted with verify_ids=false).
        for member in after:
            if not member.get("email") and member["id"] in known:
                member.update(dict((k, v) for k, v in known[member["id"]].items() if v))

    before_view = sorted_members(known[m["id"]] for m in current)
    after_view = sorted_members(after)
    cf.exit(
        changed=plan.changed,
        diff={"before": {"user_group": group["name"], "members": [m["email"] or m["id"] for m in before_view]},
              "after": {"user_group": group["name"], "members": [m["email"] or m["id"] for m in after_view]},
              "before_header": "%s members" % label, "after_header": "%s members" % label},
        user_group={"id": group["id"], "name": group["name"]},
        members=after_view,
        added=sorted_members(known[mid] for mid in plan.to_add),
        removed=sorted_members(known[mid] for mid in plan.to_remove),
    )


if __name__ == "__main__":
    main()
