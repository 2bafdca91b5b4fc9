"""(e) The lower bound: the same work in one Python process, using plugins/module_utils directly.

Plan with the planner (the account read once, names resolved), then write only what differs with the
services, exactly as the role's modules would, but without Ansible and without a process per group.
"""
from __future__ import absolute_import, division, print_function

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareClient
from ansible_collections.cfiam.user_groups.plugins.module_utils.lookups import Lookups
from ansible_collections.cfiam.user_groups.plugins.module_utils.planner import plan_account
from ansible_collections.cfiam.user_groups.plugins.module_utils.policies import resolve_policies
from ansible_collections.cfiam.user_groups.plugins.module_utils.services import UserGroupService


def run(emu, declaration):
    client = CloudflareClient(api_token=emu.token, account_id=emu.account_id, base_url=emu.base_url)
    lookups = Lookups(client)
    service = UserGroupService(client, lookups)
    plan = plan_account(service, declaration)

    def bodies(items):
        return [p.body() for p in resolve_policies(items, lookups, client.account_id, verify=False)]

    for group in plan.create:
        created = service.create_group(group["name"], policies=bodies(group["policies"])
                                       if group["policies"] is not None else None)
        if group["members"]:
            service.replace_members(created["id"], group["members"])
    for group in plan.update_policies:
        service.update_group(group["id"], name=group["name"], policies=bodies(group["policies"]))
    for group in plan.update_members:
        service.replace_members(group["id"], group["members"])
    return {"changed": plan.changed}
