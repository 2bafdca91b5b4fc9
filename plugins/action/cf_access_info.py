# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cfiam.user_groups.cf_access_info: who has what access in an account, and through what (the access review).

Documentation: plugins/modules/cf_access_info.py. The join itself: plugins/module_utils/access.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.cfiam.user_groups.plugins.module_utils.access import access_review
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareAPIError
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import policy_zone_ids
from ansible_collections.cfiam.user_groups.plugins.plugin_utils.action import CloudflareAction


def _account_name(run):
    """The account's name from ``GET /accounts``; None (with a warning) when the credential cannot list accounts."""
    try:
        account = run.api.get_account()
    except CloudflareAPIError as exc:
        run.warn("the name of account %s could not be read (%s); the report shows its id only, or pass account_name"
                 % (run.account_id, exc.describe()))
        return None
    return (account or {}).get("name")


def _read(run, account_name):
    """Every listing the review needs, each read once: the account members (their pages concurrently), the groups and
    then each group's members (8 at a time), the resource groups and the account's name, all at the same time."""
    api, catalogue, client = run.api, run.catalogue, run.session.client

    def groups_and_members():
        groups = api.list_user_groups()
        return groups, api.list_group_members_many([g["id"] for g in groups if g.get("id")])

    reads = [api.list_account_members, groups_and_members, api.list_resource_groups]
    if account_name is None:
        reads.append(lambda: _account_name(run))
    what = "the members, user groups, group members and resource groups of account %s" % run.account_id
    with run.step("read %s" % what):
        found = client.map_concurrent(lambda read: read(), reads)
    members, (groups, group_members), rgs = found[:3]
    if account_name is None:
        account_name = found[3]
    catalogue.seed_members(members)
    catalogue.seed_from_user_groups(groups)
    catalogue.seed_from_user_groups(members)  # roles and resource groups embedded in member policies
    catalogue.seed_resource_groups(rgs)
    return members, groups, group_members, set(rg.get("id") for rg in rgs), account_name


def _learn_names(run, members, groups, named_ids):
    """Read the role catalogue when a role embedded in a policy lacks ``meta`` (deprecation), and zone names."""
    catalogue = run.catalogue
    policies = [p for holder in list(members) + list(groups) for p in policies_from_api(holder.get("policies"), named_ids)]
    roles = set(pg for p in policies for pg in p.permission_groups)
    if any("meta" not in (catalogue.describe_permission_group(pg) or {}) for pg in roles):
        with run.step("read the permission groups of account %s" % run.account_id):
            catalogue.permission_groups()
    with run.step("read the zones named in the policies of account %s" % run.account_id):
        catalogue.learn_zone_names(policy_zone_ids(policies, catalogue))


class ActionModule(CloudflareAction):
    MODULE = "cf_access_info"
    ARGUMENT_SPEC = dict(
        account_name=dict(type="str"),
    )

    def run_task(self, run):
        generated_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        members, groups, group_members, named_ids, name = _read(run, run.params["account_name"])
        _learn_names(run, members, groups, named_ids)
        with run.step("review the access of account %s" % run.account_id):
            review = access_review(members, groups, group_members, run.catalogue, named_ids)
        return run.result(changed=False, account={"id": run.account_id, "name": name}, generated_at=generated_at,
                          **review)
