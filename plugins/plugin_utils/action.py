# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one base of every cfiam.user_groups action plugin: the modules run in the controller process.

Each ``plugins/action/<module>.py`` declares its options (``ARGUMENT_SPEC`` and the rules between them, as
an AnsibleModule would) and implements ``run_task(run)``; ``plugins/modules/<module>.py`` holds only its
documentation. This base does what AnsibleModule did in the module process:

* the task's arguments (``module_defaults`` already merged by ansible-core) are validated against the spec
  with ansible-core's own ``ArgumentSpecValidator``, so errors read exactly as AnsibleModule's;
* environment fallbacks (``CLOUDFLARE_*``) read the controller's environment plus the task's
  ``environment:`` keyword, as the module process saw them;
* every ``no_log`` value is masked from the result, warnings, failures and ``invocation`` (ansible-core's
  ``remove_values``), after the runtime's own masking of every encoded form of each secret;
* check mode and diff mode come from the task; ``delegate_to`` and the interpreter play no part (the API is
  called from the controller).

The items of one loop share one session (client, connection pool, catalogues): see ``runtime.session_for``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    CONNECTION_REQUIRED_TOGETHER,
    cloudflare_argument_spec,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import (
    TaskRun,
    controller_pid,
    orphaned_worker,
)

COLLECTION = "cfiam.user_groups"
# The exit status of a worker that ends because its ansible-playbook process is gone (no one reads it).
EXIT_ORPHANED = 3


def _plain(value):
    """A copy of templated task arguments as plain Python values (ansible-core's tagged strings, lazy containers).

    The argument validator deep-copies what it is given: plain values cost a fraction of tagged ones. Nothing here
    templates a value, so the copy loses nothing.
    """
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def _env_names(option):
    fallback = option.get("fallback")
    if fallback and len(fallback) > 1 and getattr(fallback[0], "__name__", "") == "env_fallback":
        return list(fallback[1])
    return []


class CloudflareAction(ActionBase):
    """Base class of the collection's action plugins (see the module docstring)."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    MODULE = None  # the short module name, e.g. "cf_user_group"
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = []
    REQUIRED_TOGETHER = []
    REQUIRED_ONE_OF = []
    REQUIRED_IF = []
    REQUIRED_BY = {}
    NEEDS_ACCOUNT = True

    @classmethod
    def argument_spec(cls):
        """The connection options and the module's own, exactly as AnsibleModule would receive them."""
        spec = cloudflare_argument_spec()
        spec.update(cls.ARGUMENT_SPEC)
        return spec

    def run_task(self, run):
        """Implemented by each action plugin: return ``run.result(...)``."""
        raise NotImplementedError

    def _lease_owner(self):
        """The ansible-playbook process whose run takes the account's lease before a task that may write reads
        anything (runtime.take_run_lease): the process that forked this worker, as recorded at the fork
        (``runtime.controller_pid``), never the parent an orphaned worker has now; None for the info modules."""
        return None if (self.MODULE or "").endswith("_info") else controller_pid()

    def _notice(self, text):
        """A warning shown at once (that the task waits for another run's lease), while the task still runs:
        ansible-core 2.19+ holds what a worker passes to ``Display.warning`` until the task ends."""
        self._display.display("[WARNING]: %s" % text, color=getattr(C, "COLOR_WARN", None), stderr=True)

    # ------------------------------------------------------------------ plumbing
    def _module_name(self):
        return "%s.%s" % (COLLECTION, self.MODULE)

    def _task_environment(self):
        """The task's ``environment:`` keyword, templated (later entries win, as for a module)."""
        merged = {}
        environments = self._task.environment
        if not environments:
            return merged
        if not isinstance(environments, list):
            environments = [environments]
        for environment in environments:
            if not environment:
                continue
            value = self._templar.template(environment)
            if not isinstance(value, dict):
                raise AnsibleError("environment must be a dictionary, received %s" % type(value).__name__)
            merged.update(value)
        return merged

    def _arguments(self, spec, task_vars):
        """The task's arguments, the host's account, and environment fallbacks from the task's ``environment:``.

        Precedence of each option: the task (with ``module_defaults``, merged by ansible-core), then for
        ``account_id`` the host variable ``cloudflare_account_id`` (set by the ``cfiam.user_groups.accounts``
        inventory, or in ``host_vars``), then the environment, then the default.
        """
        args = _plain(dict(self._task.args))
        host_account = (task_vars or {}).get("cloudflare_account_id")
        if host_account is not None:
            host_account = self._templar.template(host_account)
        self._account_from_inventory = False
        if "account_id" in spec and args.get("account_id") in (None, "") and host_account:
            args["account_id"] = host_account
            self._account_from_inventory = True
        task_env = self._task_environment()
        for name, option in spec.items():
            if name in args:
                continue
            for var in _env_names(option):
                if var in task_env:
                    args[name] = task_env[var]
                    break
        return args

    def _host_account(self, task_vars):
        """``(id, name or None)`` from the host variables ``cloudflare_account_id`` and ``account_name`` (the accounts
        inventory sets both), or None: results then name the account when the task works on it."""
        values = []
        for var in ("cloudflare_account_id", "account_name"):
            value = (task_vars or {}).get(var)
            values.append(_plain(self._templar.template(value)) if value is not None else None)
        if not isinstance(values[0], str) or not values[0]:
            return None
        return values[0], values[1] if isinstance(values[1], str) and values[1] else None

    @staticmethod
    def _inject_invocation(task_vars):
        """Whether results carry ``invocation`` as AnsibleModule's do: always before ansible-core 2.21, then as the
        INJECT_INVOCATION setting says."""
        from ansible import constants as C  # pylint: disable=import-outside-toplevel

        try:
            return bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars or {}))
        except (AnsibleError, KeyError):
            return True

    def run(self, tmp=None, task_vars=None):
        super(CloudflareAction, self).run(tmp, task_vars)
        del tmp
        name = self._module_name()
        if not HAS_REQUESTS:
            return {"failed": True, "msg": (
                "%s runs in the Ansible controller and needs the Python library 'requests' in the controller's "
                "Python (%s): install it with '%s -m pip install requests' (or add it to the execution "
                "environment)" % (name, sys.executable, sys.executable))}
        spec = self.argument_spec()
        validator = ArgumentSpecValidator(
            spec,
            mutually_exclusive=self.MUTUALLY_EXCLUSIVE or None,
            required_together=(list(self.REQUIRED_TOGETHER) + CONNECTION_REQUIRED_TOGETHER),
            required_one_of=self.REQUIRED_ONE_OF or None,
            required_if=self.REQUIRED_IF or None,
            required_by=self.REQUIRED_BY or None,
        )
        args = self._arguments(spec, task_vars)
        validation = validator.validate(args)
        params = dict(args)
        params.update(validation.validated_parameters)
        no_log_values = set(validation._no_log_values)
        warnings = ["Both option {option} and its alias {alias} are set.".format(option=w["option"], alias=w["alias"])
                    for w in validation._warnings]
        try:
            error = validation.errors[0]
        except IndexError:
            error = None
        if error:
            msg = validation.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (name, msg)
            result = {"failed": True, "msg": msg}
            if warnings:
                result["warnings"] = warnings
        else:
            host = (task_vars or {}).get("inventory_hostname")
            run = TaskRun(name, params, check_mode=self._task.check_mode, diff_mode=self._task.diff,
                          scope=(self._task._uuid, host), needs_account=self.NEEDS_ACCOUNT, secrets=no_log_values,
                          host=host, account_from_inventory=self._account_from_inventory,
                          lease_owner=self._lease_owner(), notice=self._notice,
                          say=self._display.display)
            run.host_account = self._host_account(task_vars)
            for warning in warnings:
                run.warn(warning)
            result = run.run(self.run_task)
        if orphaned_worker():
            # ansible-playbook is gone (killed): nothing reads this worker's result, and writing one larger than a
            # pipe buffer to ansible-core's result queue would block the orphan forever. It wrote nothing since
            # (runtime.controller_guard) and holds no lock: it ends now.
            os._exit(EXIT_ORPHANED)
        if self._inject_invocation(task_vars):
            result["invocation"] = {"module_args": params}
        # As AnsibleModule does: strip every no_log value, keep booleans and None as they are.
        preserved = dict((k, v) for k, v in result.items() if v is None or isinstance(v, bool))
        result = remove_values(result, no_log_values)
        result.update(preserved)
        return result
