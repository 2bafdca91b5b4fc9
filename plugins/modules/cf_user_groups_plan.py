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
version_added: 0.2.0
description:
  - Reads a Cloudflare account once and compares it with a declared hierarchy of user groups. It returns what must
    be created, which policies and members must change, and what a purge would delete, with every name already
    resolved to an id.
  - This is the first step of the C(cfiam.user_groups.user_groups) role, which then passes each RV(apply) item to
    M(cfiam.user_groups.cf_user_group) and each RV(delete) item to it with C(state=absent). The module itself never
    writes anything.
  - The whole declaration is validated first. Duplicate group names, unknown roles, emails or zones, and roles that
    cannot apply to their scope anywhere in the tree fail the task with every problem listed.
  - "Guards, checked on the account before anything is written (each fails the task with every problem listed):
    a declared name that only looks like an existing group's (O(lookalike_names)); a group and one of its
    C(previous_names) that both exist; a run that would remove more than O(max_removal_ratio) of the account's groups,
    of the declared groups' memberships or of their policies; a purge of a group a member of O(protected_members)
    is in."
  - When the task runs on a host of the C(cfiam.user_groups.accounts) inventory, every diff header and warning starts
    with the account's name and id (the host variables C(account_name) and C(cloudflare_account_id); no request is
    sent for them).
  - Cloudflare's groups are flat, so the hierarchy is flattened. A member of a child group is also a member of every
    ancestor. Policies are not copied downwards. A group that declares no C(members) only gains its descendants'
    members; nobody is ever removed from it.
  - "Requests: one listing of the account's groups (policies included), the member listing of every managed group
    (fetched concurrently, at most 8 at a time), and a catalogue (roles, account members, zones, resource groups)
    only when a declared name was not already seen in those listings. The member listing of each group the purge
    deletes is read too (its memberships count among the removals of O(max_removal_ratio); the diff shows them)."
  - "Expiring access: a member entry may be C({email: ..., expires: YYYY-MM-DD}) (or C({id: ..., expires: ...})) and a
    policy item may carry C(expires). From that day on (UTC, the day itself included) the entry counts as removed:
    the plan removes the member or detaches the policy whatever O(exclusive_members) and O(exclusive_policies) say,
    and the RV(apply) item carries the entry with its C(expires) so M(cfiam.user_groups.cf_user_group) does the
    same. A member declared twice (in the group and a child, or twice in one list) stays until the last of its
    entries expires; an entry without C(expires) keeps it for good. An expired entry of a member of
    O(protected_members) is kept, with a warning. Expired removals do not count toward O(max_removal_ratio) (the
    date is the explicit yes). An expired entry that names nobody in the account any more is skipped. A C(expires) that is not a calendar date fails the
    task with every bad entry listed. See C(docs/expiring-access.md)."
author:
  - cfiam.user_groups maintainers (@cfiam)
options:
  user_groups:
    description:
      - The declared groups, as a tree. Each item is a group with the keys C(name) (required, unique across the
        whole tree), C(members), C(policies), C(children), C(scim) and C(previous_names), exactly as the role's
        O(cfiam.user_groups.user_groups#role:main:user_groups) describes them.
      - When a group holding one of its C(previous_names) exists and none of C(name) does, the RV(apply) item carries
        its C(id), the new C(name) and C(previous_name); the group is renamed in place, then converged.
      - Unknown keys are reported with a suggestion, at every depth.
      - A name the role may create or rename a group to must show as it is written. A control character (tab, line
        break) or a character that does not show (a format character such as a zero-width space or joiner, a byte
        order mark, a direction mark, or another default-ignorable character; variation selectors aside) fails the
        task. The names of what exists are taken exactly as they are, C(previous_names) and the name of a C(scim)
        group may hold any character, so a group named with a tab or a zero-width space can be renamed.
      - The apply items list the renames first (a rename after the renames that free a name it looks like), then
        the other groups, so a new name never meets a look-alike that a rename moves away. Renames that each wait
        for another (C(A) to C(b) and C(B) to C(a)) fail the task.
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
      - With O(lookalike_names=warn), a group whose name looks like a declared one (see O(lookalike_names)) is never
        purged either (a warning names both).
    type: list
    elements: str
    default: []
  lookalike_names:
    description:
      - A declared name that looks like an existing group's, when no group has the declared name or the look-alike is
        not declared itself.
      - "Two names look alike when they are the same after: Unicode NFKC normalization (compatibility forms become
        plain letters: full-width C(\\uff26) is C(F), the ligature C(\\ufb01) is C(fi)); dropping the characters that do
        not show (format characters, Unicode category Cf, such as C(\\u200b) zero-width space, C(\\u200d) zero-width
        joiner and C(\\ufeff) byte order mark; controls; the other default-ignorable characters such as variation
        selectors and Hangul fillers); reading the Turkish dotless C(\\u0131) and dotted C(\\u0130) as C(i); folding
        the case (C(casefold)); and removing leading and trailing whitespace and making every run of whitespace one
        space. Letters of other scripts that only look the same (Cyrillic C(\\u0430) for Latin C(a)) are not
        look-alikes."
      - V(fail) fails the task, naming both groups and the C(previous_names) entry that renames the existing one.
        V(warn) plans the declared group next to the look-alike with a warning; the look-alike is never purged.
    type: str
    choices: [fail, warn]
    default: fail
  max_removal_ratio:
    description:
      - The most the plan may remove, as a share (V(0) to V(1)) of what exists. The task fails, with the figures and
        what would be removed, when the plan deletes more than this share of the account's groups, removes more than
        this share of the memberships of the declared groups that exist, or detaches more than this share of their
        policies.
      - The memberships of the groups the purge deletes count as removed memberships (of the declared groups' and the
        deleted groups' memberships together).
      - Every removal counts, however small the account; the share is compared exactly (removing 29 of 100 with
        V(0.29) passes). V(1) allows any removal. A boolean, a negative number, more than V(1) or text that is no
        number fails the task.
    type: raw
    default: 0.25
  protected_members:
    description:
      - Account members (emails or member ids) that an exclusive member list never removes from a group they are
        in. The plan keeps them, warns, and lists them in RV(summary) (C(members_protected)).
      - A purge of a group one of them is in fails the task (deleting the group would remove them).
      - An entry that looks like the email of a member (a typo) fails the task; an email that is no member of the
        account gives a warning.
    type: list
    elements: str
    default: []
  plan_out:
    description:
      - 'In check mode, write the plan for approval to this path as C({"user_groups_approved_plan": {<account id>:
        <plan>}}) (C(-e @PATH) loads it) and return it as RV(approved_plan). An entry of another account already in
        the file stays (the accounts of one run write into one file, each under a lock); a file that exists and is
        not such a file is not overwritten, nor is a symbolic link (refused). The directory must exist.'
      - The plan holds the changes per group and the fingerprint of every group the plan reads or touches (id,
        name, policies and, where managed, members as read, normalised and without policy ids) and of the groups
        the purge deletes, with a C(digest). It is written sealed (RV(approved_plan)), so no template marker of a group
        name or an email can run when the file is loaded as extra variables.
      - Ignored, with a warning, outside check mode.
    type: path
  approved_plan:
    description:
      - A mapping of account ids to plans, as O(plan_out) wrote it. The task fails, before the role writes anything,
        unless the plan made now equals the account's approved plan and every group it reads reads the same as at
        approval. The message leads with the fix (plan again in check mode and approve that plan), then names each
        group that changed and how.
      - A mapping without a plan of this account, a plan of another account, or a plan edited since it was written
        (its C(digest)) fails the task. In check mode too.
    type: raw
  missing_scim:
    description:
      - A group declared with C(scim=true) that the account does not have is a problem (V(fail), with a suggestion)
        or a warning (V(warn)) for an identity provider that has not pushed it yet.
    type: str
    choices: [fail, warn]
    default: fail
extends_documentation_fragment:
  - cfiam.user_groups.connection
  - cfiam.user_groups.connection.modules
  - cfiam.user_groups.expiry
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
progress:
  description:
    - One line, also printed while the task runs, before the diffs. It says what the plan read, how long it took, how many
      groups change, and what the purge spares and protected members keep. It names the account.
    - "Expired entries the plan removes are named, each as C('Contractors': carol@example.com removed: expired on
      2026-12-07), and the number of entries that expire within O(expiry_warning_days) is given."
  returned: success
  type: str
  sample: "account 0123456789abcdef0123456789abcdef: read 1,000 groups and 9,412 memberships in 3.1 s; 12 groups
    change (create 2, update 10)"
check_mode:
  description:
    - Whether this task ran in check mode (C(--check), or the C(check_mode) keyword on the task, block, role or
      play). The C(user_groups) role applies the plan only when this is V(false), and its drift report of a failed
      plan follows it.
  returned: always
  type: bool
apply:
  description:
    - One item per declared group that needs a change, with the options to pass to M(cfiam.user_groups.cf_user_group)
      - C(name), C(id) (existing groups), C(policies) (items with ids), C(exclusive_policies), C(members) (member
      ids), C(exclusive_members) - and C(scim). Only the parts that change are given.
    - An entry that expired and is removed goes as C({id, expires}) in C(members), a policy with its C(expires).
    - A group renamed in place also has C(previous_name), its name before.
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
  description:
    - Names of the groups created, updated and deleted, member emails added and removed per group, the number of
      unchanged groups, SCIM groups declared but not pushed yet (with O(missing_scim=warn)), the undeclared groups each
      purge exclusion protected, and look-alike names left alone (with O(lookalike_names=warn)).
    - C(renamed) maps each previous name to the new name; C(members_protected) gives, per group, the protected
      members its exclusive list leaves out and who stay; C(removals) gives what the plan removes out of how much
      (C(groups), C(members), C(policies), each C(removed) and C(of)) and C(max_ratio); C(account) as RV(account);
      C(expired) and C(expiring) as RV(expired) and RV(expiring).
    - C(policies_attached) and C(policies_detached) give, per declared group, the policies the plan attaches and
      detaches, readable (C(access), C(permission_groups) by name, and C(scope), C(zones) or C(resource_groups) as the
      diff shows them); C(deleted_groups) lists each group the purge deletes with its C(id), C(name), C(members)
      (emails) and C(policies) (readable). The filter P(cfiam.user_groups.user_groups_drift_report#filter) renders
      them as a drift report.
  returned: success
  type: dict
  sample: {"created": ["Engineering"], "updated": ["Finance"], "deleted": [],
           "members_added": {"Engineering": ["alice@example.com"]}, "members_removed": {}, "unchanged": 0,
           "missing_scim_groups": [], "protected": {"^Okta": ["Okta Admins"]}, "look_alikes": {},
           "renamed": {"finance": "Finance"}, "members_protected": {"Engineering": ["breakglass@example.com"]},
           "removals": {"groups": {"removed": 0, "of": 12}, "members": {"removed": 1, "of": 30},
                        "policies": {"removed": 0, "of": 14}, "max_ratio": 0.25},
           "policies_attached": {"Engineering": [{"access": "allow", "permission_groups": ["Administrator Read Only"],
                                                  "scope": "account"}]},
           "policies_detached": {}, "deleted_groups": [],
           "account": {"id": "0123456789abcdef0123456789abcdef", "name": "Acme Production"}}
account:
  description:
    - The account planned, C(id) and C(name). The name comes from the host variable C(account_name) when the task runs
      on a host of the C(cfiam.user_groups.accounts) inventory, else it is V(null) (no request is sent for it).
  returned: success
  type: dict
  sample: {"id": "0123456789abcdef0123456789abcdef", "name": "Acme Production"}
groups:
  description: The flattened declaration after member roll-up, with readable policies and member emails.
  returned: success
  type: list
  elements: dict
approval:
  description:
    - With O(approved_plan) or O(plan_out) only. C(digest) of the plan made now; C(approved), the digest of the
      approved plan it matched (with O(approved_plan)); C(plan_out), the absolute path written (check mode with
      O(plan_out)); C(message), one line on both.
  returned: when O(approved_plan) or O(plan_out) is set
  type: dict
  sample: {"digest": "5b1d0e6f0c2f4e8a9d3c7b6a5f4e3d2c1b0a99887766554433221100ffeeddcc",
           "plan_out": "/tmp/plan.json", "message": "plan 5b1d0e6f0c2f written to /tmp/plan.json for approval"}
approved_plan:
  description:
    - 'The plan written to O(plan_out), keyed by the account id, C({<account id>: {format, digest, plan, account,
      planned_at, summary}}).'
    - C(plan) is the plan itself, the base64 text of its canonical JSON (C(format), C(account), C(planned_at),
      C(digest); C(changes), per declared group what changes and the groups the purge deletes; C(read), the
      fingerprint of each group as read; C(labels), the emails of the member ids it names). Group names and emails
      come from the account, and extra variables are templated; in base64 they hold no template marker.
    - C(digest) is the plan's SHA-256 digest (what an approver quotes); C(account), C(planned_at) and C(summary)
      (one line per group that changes) are for people, with every template marker broken by a space (C({ {)),
      and are not checked.
  returned: in check mode with O(plan_out)
  type: dict
expired:
  description:
    - "Every declared entry whose C(expires) date has come, each with C(group), C(member) (an email) or C(policy) (one
      readable line), C(expires), C(days_left) (0 or less), C(removed) (the plan removes it) and C(note):
      V(removed: expired on 2026-12-07), V(not in the group: expired on ...) (already gone: clean up the
      declaration), or V(kept: protected member (user_groups_protected_members), expired on ...)."
  returned: success
  type: list
  elements: dict
  sample: [{"group": "Contractors", "member": "carol@example.com", "expires": "2026-12-07", "days_left": 0,
            "removed": true, "note": "removed: expired on 2026-12-07"}]
expiring:
  description:
    - The declared entries that expire within O(expiry_warning_days), each with C(group), C(member) or C(policy),
      C(expires) and C(days_left) (1 or more), soonest first.
  returned: success
  type: list
  elements: dict
  sample: [{"group": "Contractors", "policy": "allow Domain DNS on zones: example.com", "expires": "2026-12-10",
            "days_left": 3}]
api_requests:
  description: Number of API requests sent, by HTTP method, with C(total) and C(retries).
  returned: always
  type: dict
  sample: {"GET": 102, "total": 102, "retries": 0}
"""
