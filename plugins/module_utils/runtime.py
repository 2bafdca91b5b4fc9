# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared base of every cfiam task: one session per task, one failure path, one result shape.

Layer 9 of 9, runtime (the layer map: docs/development.md). It may import every layer below; the action plugins
(``plugins/action/*.py``, through ``plugins/plugin_utils/action.py``) are the only code above it. Nothing here
knows about Ansible's plugin classes, so it runs the same in a unit test.

* ``Session``: the client (connection pool, retries, rate limiter), the account's API and its catalogue. The
  items of one loop share one session, so the 2nd..Nth item sends no request the 1st already made; different
  tasks, accounts or credentials never share one (``session_for``).
* ``TaskRun``: one execution of one task item: validated options, check and diff mode, warnings, its steps
  (``step``: what a failure says the task failed to do, and the record of the writes that landed, kept by
  ``apply.Steps``), the ``writer`` every write goes through, and ``run(func)``, the single failure path: every
  message names the object and the step, carries Cloudflare's status and error codes, lists every problem at once,
  says what was already written, and never contains a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import multiprocessing
import os
import threading
import traceback
from urllib.parse import urlsplit

from ansible_collections.cfiam.user_groups.plugins.module_utils.api import AccountAPI, first_accounts
from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import (
    DuplicateUserGroup,
    Steps,
    UnconfirmedCreate,
    Writer,
    failed_step,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.catalogue import Catalogue
from ansible_collections.cfiam.user_groups.plugins.module_utils.client import (
    CloudflareAPIError,
    CloudflareConfigError,
    CloudflareError,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
    ConnectionSettings,
    ConnectionSettingsError,
    build_client,
    mask_secrets,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.runlock import RunLease, RunLeaseBusy
from ansible_collections.cfiam.user_groups.plugins.module_utils.views import policy_views, readable_policies


class ControllerGone(CloudflareConfigError):
    """The ansible-playbook process that started this task is gone: nothing more is taken or written."""


def controller_pid():
    """The ansible-playbook process that started this task, as recorded when this worker was forked.

    ansible-core runs each task in a worker process, a ``multiprocessing.Process`` forked from ansible-playbook;
    multiprocessing records its parent's pid at the fork (``multiprocessing.parent_process()``), so the worker
    knows it even after ansible-playbook died and the worker was orphaned (its parent pid is then 1, or a
    subreaper's). Outside such a worker (a unit test), the parent process.
    """
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getppid()


def controller_gone(owner=None):
    """True when ``owner`` (default ``controller_pid()``) is neither this process nor its parent any more: the
    ansible-playbook process that started this worker has died and the worker is an orphan."""
    owner = controller_pid() if owner is None else owner
    return owner not in (os.getppid(), os.getpid())


def orphaned_worker():
    """True in an ansible-core worker whose ansible-playbook process is gone: nothing reads its result any more."""
    return multiprocessing.parent_process() is not None and controller_gone()


def controller_guard(owner=None):
    """A guard that refuses to take a lease or write once the ansible-playbook process ``owner`` (default
    ``controller_pid()``) has died.

    When ansible-playbook is killed (SIGKILL of that process alone), its workers are orphaned and would go on with
    the remaining items of their loops, or take an account's lease once another run has ended; this guard, called
    before the lease is taken, at every look while waiting for it and before every write, stops them.
    """
    owner = controller_pid() if owner is None else owner

    def guard():
        if controller_gone(owner):
            raise ControllerGone("the ansible-playbook process that started this task (pid %d) is gone; nothing more "
                                 "is written. Run the play again: it plans from the account as it is now" % owner)
    return guard


class AccountBusy(CloudflareConfigError):
    """Another ansible-playbook run on this controller holds the account (see ``runlock``); nothing was sent."""


_LEASES = set()


def take_run_lease(settings, owner, warn, notice=None):
    """The account's run lease for the ansible-playbook process ``owner``, taken once per process (``runlock``).

    An orphaned worker (``owner`` is gone) takes nothing: ``ControllerGone``, before the lease and at every look
    while it waits for it."""
    guard = controller_guard(owner)
    guard()
    host = urlsplit(settings.base_url or "").netloc
    key = (settings.rate_limit_dir, host, settings.account_id, owner)
    if key in _LEASES:
        return
    lease = RunLease(host, settings.account_id, owner, directory=settings.rate_limit_dir,
                     wait=settings.max_total_wait, warn=warn, notice=notice, check=guard)
    try:
        lease.acquire()
    except RunLeaseBusy as exc:
        raise AccountBusy("%s" % exc)
    _LEASES.add(key)


class Session(object):
    """The client, API and catalogue of one account, shared by the items of one task."""

    def __init__(self, client, account_id, owner=None):
        self.client = client
        self.account_id = account_id
        self.api = AccountAPI(client, account_id, guard=controller_guard(owner))
        self.catalogue = Catalogue(self.api)


_SESSIONS = {}
_SESSIONS_LOCK = threading.Lock()


def _fingerprint(settings):
    """A key for the session cache that holds no secret in the clear (a digest of every setting)."""
    digest = hashlib.sha256()
    for key, value in sorted(settings.client_kwargs().items()):
        digest.update(("%s=%r;" % (key, value)).encode("utf-8"))
    return digest.hexdigest()


def session_for(scope, settings, warn, owner=None):
    """The session of ``scope`` (the task and host: items of one loop share it) and these connection settings;
    ``owner``: the ansible-playbook process whose death stops every write (default ``controller_pid()``)."""
    key = (scope, _fingerprint(settings))
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            # A new task starts: forget every other task's session (a worker process runs one task).
            for old in [k for k in _SESSIONS if k[0] != scope]:
                del _SESSIONS[old]
            session = Session(build_client(settings, warn=warn), settings.account_id, owner)
            _SESSIONS[key] = session
        else:
            session.client.warn = warn
        return session


class TaskRun(object):
    """One execution of one task (or loop item)."""

    def __init__(self, name, params, check_mode=False, diff_mode=False, scope=None, needs_account=True,
                 secrets=(), host=None, account_from_inventory=False, lease_owner=None, notice=None, say=None):
        self.name = name
        # ``say`` prints one line of progress while the task runs (ansible-playbook's output); None: nothing.
        self.say = say or (lambda line: None)
        # The ansible-playbook process whose run takes the account's lease before anything is read (tasks that
        # may write, not in check mode); None: no lease. ``notice`` shows at once that the task waits for it.
        self.lease_owner = lease_owner
        self.notice = notice
        self.host = host  # the inventory host, named when the task has no account
        # The account came from the host's variable cloudflare_account_id (the accounts inventory, host_vars):
        # a 9109 then means the inventory is stale, not a wrong account_id.
        self.account_from_inventory = bool(account_from_inventory)
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff_mode = bool(diff_mode)
        self.scope = scope if scope is not None else object()
        self.needs_account = needs_account
        self.secrets = [s for s in secrets if s]
        self.warnings = []
        self.action = "run %s" % name  # what a failure outside every step says the task failed to do
        self.steps = Steps()
        self._session = None
        self._settings = None
        self._writer = None
        # (account id, account name or None) of the inventory host, from its variables cloudflare_account_id and
        # account_name (the cfiam.user_groups.accounts inventory sets both): output then names the account.
        self.host_account = None

    # ------------------------------------------------------------------ the account
    @property
    def session(self):
        if self._session is None:
            self._settings = ConnectionSettings.from_params(self.params, needs_account=self.needs_account,
                                                            host=self.host)
            self.secrets = sorted(set(self.secrets) | set(self._settings.secrets))
            for note in self._settings.warnings:
                self.warn(note)
            if self.lease_owner is not None and not self.check_mode and self._settings.account_id:
                take_run_lease(self._settings, self.lease_owner, self.warn, self.notice)
            self._session = session_for(self.scope, self._settings, self.warn, self.lease_owner)
            self._session.catalogue.begin_item()
        return self._session

    @property
    def api(self):
        return self.session.api

    @property
    def catalogue(self):
        return self.session.catalogue

    @property
    def account_id(self):
        return self.session.account_id

    @property
    def writer(self):
        """What every write goes through (``apply.Writer``): the API, the catalogue's notes, this run's steps."""
        if self._writer is None:
            self._writer = Writer(self.api, self.catalogue, self.steps)
        return self._writer

    @property
    def account_name(self):
        """The account's name when the host's variables give it and the task works on the host's account, else None."""
        label = self.host_account
        if label and self._session is not None and label[0] == self._session.account_id:
            return label[1]
        return None

    def account_label(self):
        """``account 'Acme' (<id>)`` when the task works on its inventory host's account (one of many accounts in a
        run): diff headers and warnings then say which account they are about. None otherwise."""
        label = self.host_account
        if not label or self._session is None or label[0] != self._session.account_id:
            return None
        return "account '%s' (%s)" % (label[1], label[0]) if label[1] else "account %s" % label[0]

    def _labelled(self, diff):
        """Diff sections whose headers name the account (see ``account_label``)."""
        label = self.account_label()
        if not label:
            return diff
        sections = diff if isinstance(diff, list) else [diff]
        out = [dict(d, **dict((k, "%s: %s" % (label, d[k])) for k in ("before_header", "after_header") if d.get(k)))
               if isinstance(d, dict) else d for d in sections]
        return out if isinstance(diff, list) else out[0]

    # ------------------------------------------------------------------ reporting
    def step(self, action, done=None, sending=None):
        """A scoped step (``with run.step("find user group 'X'"):``): an error inside it fails the task with
        'Failed to <action>: ...'; ``done`` is recorded as written when it ends without one (``apply.Steps``)."""
        return self.steps.step(action, done, sending)

    def doing(self, action):
        """Name what the task does outside every step (by default 'run <module>')."""
        self.action = action

    def wrote(self, what):
        """Record a write that reached Cloudflare outside a step: a failure after it says what was already written."""
        self.steps.written.append(what)

    def _explain(self, exc, step):
        """Cloudflare's 1006 answers both a role/scope mismatch and a malformed scope: say so, show the policies the
        failed step sent."""
        sending = step.sending if step is not None else None
        if 1006 not in exc.codes or not sending or self._session is None:
            return ""
        shown = readable_policies(policy_views(sending, self._session.catalogue))
        return (". Cloudflare's code 1006 means a role/scope mismatch or a malformed scope (a role that cannot apply to "
                "its scope, an unknown scope form or object) in the policies sent: %s" % shown)

    def _account_fix(self, exc):
        """Cloudflare's 9109 (the credential cannot see the account): the likely fix, said first.

        From the inventory: refresh it. Otherwise the account id is most likely wrong: one more request
        (``GET /accounts``, only on this failure path) lists the accounts the credential does reach.
        """
        if exc.status != 403 or 9109 not in exc.codes or self._session is None:
            return ""
        account = self._session.account_id
        if self.account_from_inventory:
            return ("Refresh the inventory (ansible-inventory --graph, or the inventory sync in AWX): the credential "
                    "no longer reaches account %s of host '%s' (its variable cloudflare_account_id); check the "
                    "token's account resources. " % (account, self.host))
        try:
            accounts, total = first_accounts(self._session.client)
        except CloudflareError:
            return "Check account_id (or CLOUDFLARE_ACCOUNT_ID): the credential cannot see account %s. " % account
        if not accounts:
            return ("The credential reaches no account at all (GET /accounts lists none): check the token's account "
                    "resources. ")
        shown = ", ".join("'%s' (%s)" % (a.get("name"), a.get("id")) for a in accounts[:10])
        if total > 10:
            shown += " and %d more" % (total - 10)
        return ("Set account_id (or CLOUDFLARE_ACCOUNT_ID) to an account the credential reaches: %s; it cannot see "
                "account %s. " % (shown, account))

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def _counts(self):
        if self._session is None:
            return {"total": 0, "retries": 0, "waited": 0.0}
        return self._session.client.request_counts()

    def result(self, changed=False, diff=None, **data):
        """The task's result; ``diff`` only in diff mode."""
        data["changed"] = bool(changed)
        if self.diff_mode and diff is not None:
            data["diff"] = self._labelled(diff)
        return data

    def failure(self, msg, **data):
        written = self.steps.written
        if written:
            msg = "%s. Already written before the failure: %s" % (msg, "; ".join(written))
            data["changed"] = True
            data["written"] = list(written)
        data.update(failed=True, msg=msg)
        return data

    def _failed(self, exc):
        """The one failure result of an error: 'Failed to <the step it happened in>: ...'."""
        step = failed_step(exc)
        action = step.action if step is not None else self.action
        if isinstance(exc, ResolutionError):
            return self.failure("Failed to %s: %s" % (action, "; ".join(exc.problems)), problems=exc.problems)
        if isinstance(exc, CloudflareAPIError):
            return self.failure("Failed to %s: %s%s%s" % (action, self._account_fix(exc), exc.describe(),
                                                          self._explain(exc, step)), **exc.to_dict())
        if isinstance(exc, ConnectionSettingsError):
            return self.failure("Failed to %s: %s" % (action, exc), problems=exc.problems)
        if isinstance(exc, (CloudflareConfigError, DuplicateUserGroup, UnconfirmedCreate)):
            return self.failure("Failed to %s: %s" % (action, exc))
        return self.failure("Failed to %s: unexpected %s: %s" % (action, exc.__class__.__name__, exc),
                            exception=traceback.format_exc())

    def run(self, func):
        """``func(self)`` returns the result dict; every error becomes one failure result."""
        try:
            result = func(self)
        except (ResolutionError, CloudflareAPIError, CloudflareConfigError, DuplicateUserGroup, UnconfirmedCreate,
                KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            result = self._failed(exc)
        result["api_requests"] = self._counts()
        if self.warnings:
            label = self.account_label()
            result["warnings"] = ["%s: %s" % (label, w) for w in self.warnings] if label else list(self.warnings)
        return mask_secrets(result, self.secrets)


def target_group(run, name, group_id):
    """The group a member or policy task works on; in check mode a group an earlier task would create.

    Returns ``(group, label, problems)``; ``group`` is ``{"id": None, "name": name}`` when the group does not
    exist and check mode assumes that an earlier task of the play creates it (a warning says so).
    """
    catalogue = run.catalogue
    ref = name if name is not None else group_id
    group, problems = catalogue.find_user_group(name=name, group_id=group_id)
    if group is None and not problems:
        if run.check_mode and name is not None:
            like = catalogue.user_groups_like(name)
            run.warn("user group '%s' does not exist in account %s%s; check mode assumes an earlier task creates it "
                     "and predicts this task's change on an empty group" % (
                         name, run.account_id, catalogue.look_alike_hint(like) if like else ""))
            return {"id": None, "name": name, "policies": []}, "user group '%s'" % name, []
        problems.append(catalogue.unknown_group_problem(ref))
    if group is None:
        return None, "user group '%s'" % ref, problems
    return group, "user group '%s' (%s)" % (group.get("name"), group.get("id")), problems
