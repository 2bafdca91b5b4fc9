"""(e) The lower bound: the same work in one Python process, with the collection's own code and no Ansible.

The planner action's logic (read the account once, resolve every name, plan), then cf_user_group's logic for each
item of the plan's ``apply`` list, exactly as the role runs them, sharing one session (connection and catalogues)
as the items of the role's loop do, but without ansible-playbook, templating or callbacks.
"""
from __future__ import absolute_import, division, print_function

from ansible_collections.cfiam.user_groups.plugins.action.cf_user_group import ActionModule as GroupAction
from ansible_collections.cfiam.user_groups.plugins.action.cf_user_groups_plan import ActionModule as PlanAction
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import cloudflare_argument_spec
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun


def _params(emu, spec, **options):
    params = dict((name, option.get("default")) for name, option in spec.items())
    params.update(dict((name, None) for name in cloudflare_argument_spec()))
    params.update(dict((name, option.get("default")) for name, option in cloudflare_argument_spec().items()
                       if "default" in option))
    params.update(api_token=emu.token, account_id=emu.account_id, base_url=emu.base_url)
    params.update(options)
    return params


def _run(action_class, name, params, scope):
    action = action_class.__new__(action_class)  # only run_task is used: no Ansible task or connection needed
    result = TaskRun(name, params, scope=scope).run(action.run_task)
    if result.get("failed"):
        raise RuntimeError(result["msg"])
    return result


def run(emu, declaration):
    plan = _run(PlanAction, "plan", _params(emu, PlanAction.ARGUMENT_SPEC, user_groups=declaration), "plan")
    for item in plan["apply"]:
        options = dict((k, v) for k, v in item.items() if k not in ("scim",))
        if "id" in options:
            options.pop("name")
        _run(GroupAction, "apply", _params(emu, GroupAction.ARGUMENT_SPEC, **options), "apply")
    return {"changed": plan["changed"]}
