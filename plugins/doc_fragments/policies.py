# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The items of a ``policies`` option (their argument spec: ``POLICY_OPTIONS`` in ``module_utils/resolve.py``).

    A module that takes policies extends ``cfiam.user_groups.policies`` and describes the option itself (what the
    list means for that module, whether it is required); the type and the suboptions come from here.
    """

    DOCUMENTATION = r"""
options:
  policies:
    type: list
    elements: dict
    suboptions:
      access:
        description:
          - V(allow) grants the permission groups, V(deny) denies them.
        type: str
        default: allow
      permission_groups:
        description:
          - Permission groups (roles), each a name such as V(Administrator Read Only), a C(meta.label) such as
            V(admin_readonly), or an id. Names and labels are matched exactly first, then case-insensitively.
          - Use M(cfiam.user_groups.cf_permission_group_info) to list them. A role Cloudflare marks deprecated gives a
            warning with its end-of-life date.
          - Account roles apply to the whole account, domain roles to zones and resource groups of zones, resource
            roles to individual resources; any other pairing fails before anything is written.
          - Required in every policy, and must not be empty.
        type: list
        elements: str
      zones:
        description:
          - Zones of the account, each a name such as V(example.com) or a zone id.
          - They become one inline scope, C(com.cloudflare.api.account.<account_id>) with one object
            C(com.cloudflare.api.account.zone.<zone_id>) per zone. Only domain roles apply to zones.
        type: list
        elements: str
      resource_groups:
        description:
          - Existing named resource groups of the account, each a name or an id.
        type: list
        elements: str
      scope:
        description:
          - Raw inline scopes for targets the other options do not cover, such as specific Workers. One scope, or a
            list of scopes.
          - A scope is a dictionary with C(key), for example C(com.cloudflare.api.account.<account_id>), and a
            non-empty list C(objects), for example C(com.cloudflare.api.account.worker.<worker_id>). Each object is
            a string or a dictionary with a C(key).
          - Only the forms Cloudflare documents are accepted, and the account in the key must be this account; the
            error lists the accepted forms. See O(policies[].allow_unknown_scope).
        type: raw
      allow_unknown_scope:
        description:
          - Send a raw O(policies[].scope) of a form this collection does not know, for a form Cloudflare added
            later. Cloudflare still validates it.
        type: bool
        default: false
      expires:
        description:
          - The date the policy ends, V(YYYY-MM-DD) (UTC; quoted or not). From that day on, the day itself included,
            the policy counts as removed - it is detached whatever the list's C(exclusive) setting says, and the
            result lists it under C(expired).
          - Until then it is listed under C(expiring) once it is at most O(expiry_warning_days) days away.
          - Only a run enforces it. Schedule one, for example a daily AWX job, so the policy is detached on the day.
            See C(docs/expiring-access.md).
          - A value that is not a calendar date (V(2026-02-30), a date and time, a number) fails the task before
            anything is written, with every bad entry listed.
          - Cloudflare does not keep the date. It lives only in the declaration, so the export never writes it.
        type: raw
"""
