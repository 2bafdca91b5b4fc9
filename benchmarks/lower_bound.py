"""(e) The lower bound: the same work in one Python process, with the collection's own code and no Ansible.

The planner action's logic (read the account once, resolve every name, plan), then cf_user_group's logic for each
item of the plan's ``apply`` list, exactly as the role runs them, sharing one session (connection and catalogues)
as the items of the role's loop do, but without ansible-playbook, templating or callbacks.
"""
from __future__ import absolute_import, division, print_function

import time

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
    # One scope per run and task, as ansible-playbook has (a task's uuid): a second run in the same process must not
    # reuse the first run's session and catalogues.
    token = object()
    start = time.monotonic()
    plan = _run(PlanAction, "plan", _params(emu, PlanAction.ARGUMENT_SPEC, user_groups=declaration), (token, "plan"))
    phases = {"plan": time.monotonic() - start}
    requests = [len(emu.requests())]
    for index, item in enumerate(plan["apply"]):
        start = time.monotonic()
        options = dict((k, v) for k, v in item.items() if k not in ("scim",))
        if "id" in options:
            options.pop("name")
        _run(GroupAction, "apply", _params(emu, GroupAction.ARGUMENT_SPEC, **options), (token, "apply"))
        key = "first item" if index == 0 else "other items"
        phases[key] = phases.get(key, 0.0) + time.monotonic() - start
        if index == 0:
            requests.append(len(emu.requests()))
    # Seconds per phase, and the requests of the plan and of the loop's first item (it fills the loop's catalogues).
    return {"changed": plan["changed"], "phases": phases,
            "phase_requests": {"plan": requests[0], "first item": requests[1] - requests[0] if len(requests) > 1
                               else 0}}
