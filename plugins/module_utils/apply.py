# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every write of the collection: the requests each plan needs, in order, each one a step recorded as it lands.

Layer 7 of 9, apply (the layer map: docs/development.md). It may import ``client``, ``model`` and ``planning``.
The caller skips it in check mode. A write goes through a ``Writer``: the account's API, the catalogue's ``note_*``
(what a write changed, so the rest of the task sees it), and ``step``, one scoped step per request: an error inside
it fails the task with "Failed to <step>: ...", and "Already written before the failure: ..." lists the steps that
landed before (``Steps``; amazon.aws wraps its boto3 calls the same way, with a decorator naming the action). What a
write returns is only used for what the plan cannot know (a new group's id and timestamps), never taken for the
whole state: Cloudflare may answer a write with less than the state (only the members added, a group without its
policies).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible_collections.cfiam.user_groups.plugins.module_utils.client import CloudflareError
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Group
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import GroupPlan

_STEP = "_cfiam_step"  # the attribute an error carries: the innermost Step it happened in


class Step(object):
    """One step of a task: ``action`` (what a failure says it failed to do), ``done`` (what it wrote, recorded
    when it ends without an error; None: nothing), ``sending`` (the Policy values its write sends)."""

    def __init__(self, steps, action, done=None, sending=None):
        self.action = action
        self.done = done
        self.sending = None if sending is None else list(sending)
        self._steps = steps

    def wrote(self, what):
        """Record a write that reached Cloudflare now: a later error, even in this step, still lists it."""
        self._steps.written.append(what)


class Steps(object):
    """What a failure is told from: the step each error happened in, and every write that landed before it."""

    def __init__(self):
        self.written = []

    @contextmanager
    def step(self, action, done=None, sending=None):
        """A scoped step (``with steps.step("create user group 'X'", done="created ..."):``); see ``Step``."""
        current = Step(self, action, done, sending)
        try:
            yield current
        except Exception as exc:
            if getattr(exc, _STEP, None) is None:  # the innermost step names the failure
                setattr(exc, _STEP, current)
            raise
        if current.done:
            self.written.append(current.done)


def failed_step(exc):
    """The Step an error happened in, None when it happened outside every step."""
    return getattr(exc, _STEP, None)


class Writer(object):
    """What carrying out a plan may use, and nothing more: the account's ``api``, ``step`` (``Steps.step``), the
    catalogue's ``note_*`` and the ids of the groups a name has before a create (a lost reply is then recovered
    without making a second group)."""

    def __init__(self, api, catalogue, steps):
        self.api = api
        self.account_id = api.account_id
        self.step = steps.step
        self._catalogue = catalogue

    def note_user_group(self, group, deleted=False):
        self._catalogue.note_user_group(group, deleted=deleted)

    def note_resource_group(self, rg, deleted=False):
        self._catalogue.note_resource_group(rg, deleted=deleted)

    def user_group_ids_named(self, name):
        return [g["id"] for g in self._catalogue.user_groups_named(name)]

    def resource_group_ids_named(self, name):
        return [rg.get("id") for rg in self._catalogue.resource_groups() if rg.get("name") == name]


def as_writer(target):
    """A Writer, or the Writer of what offers one (``runtime.TaskRun.writer``)."""
    return target if isinstance(target, Writer) else target.writer


class DuplicateUserGroup(CloudflareError):
    """Right after this run created a group, the account has another group of that name that was not there when
    the run planned: another run (another controller, an AWX job, a person) created it at the same time."""

    def __init__(self, account_id, name, created, twins):
        ordered = sorted([created] + list(twins), key=lambda g: ("%s" % (g.get("created_on") or ""), g.get("id")))
        keep, extra = ordered[0], ordered[1:]
        super(DuplicateUserGroup, self).__init__(
            "user group '%s' now exists %d times in account %s: this run created %s and another run (another "
            "controller, AWX job or person) created %s at the same time (%s). Keep the one created first, %s: "
            "delete %s (cfiam.user_groups.cf_user_group with id: <that id> and state: absent), then run again; it "
            "plans from the account as it is. Runs on one controller wait for each other; across controllers, run "
            "one job per account at a time (README, 'Concurrent runs')" % (
                name, len(ordered), account_id, created.get("id"),
                ", ".join("%s" % g.get("id") for g in twins),
                "; ".join("%s created %s" % (g.get("id"), g.get("created_on") or "at an unknown time")
                          for g in ordered),
                keep.get("id"), " and ".join("%s" % g.get("id") for g in extra)))
        self.name = name
        self.ids = [g.get("id") for g in ordered]


class UnconfirmedCreate(CloudflareError):
    """A create was answered 2xx without the new object's id, and reading back by name does not show it."""


# --------------------------------------------------------------------------- user group members
def apply_members(writer, group_id, label, plan):
    """Send a MemberPlan: POST the additions, DELETE each removal, or PUT the whole list when it must replace."""
    writer = as_writer(writer)
    if not plan.changed:
        return
    if plan.method == "PUT":
        with writer.step("set the members of %s" % label, done="set the members of %s" % label):
            writer.api.replace_group_members(group_id, plan.after)
        return
    if plan.to_add:
        added = len(plan.to_add)
        with writer.step("add %d member(s) to %s" % (added, label), done="added %d member(s) to %s" % (added, label)):
            writer.api.add_group_members(group_id, plan.to_add)
    for member_id in plan.to_remove:
        with writer.step("remove member %s from %s" % (member_id, label),
                         done="removed member %s from %s" % (member_id, label)):
            writer.api.remove_group_member(group_id, member_id)


# --------------------------------------------------------------------------- user groups
def apply_group(writer, plan):
    """Send a GroupPlan; return the group as written (API dict: id, plain fields, timestamps; policies from the
    plan)."""
    writer = as_writer(writer)
    group = _create(writer, plan) if plan.create else _update(writer, plan)
    if plan.members is not None:
        apply_members(writer, group["id"], "user group '%s' (%s)" % (group.get("name"), group.get("id")),
                      plan.members)
    return group


def apply_policies(writer, group, plan):
    """Send a PolicyPlan of ``group`` (as read): one PUT of its whole policy list, never its name."""
    return apply_group(writer, GroupPlan(group.get("name"), group, policies=plan))


def _create(writer, plan):
    """POST the group (its plain fields and, when managed, its policies), then read it back by name: the reply may
    not say which group was made, and another run (another controller, an AWX job) may have created a group of the
    same name meanwhile (``DuplicateUserGroup``).

    The create is recorded as written as soon as the POST is answered, before the read-back: a read-back that fails
    (a timeout, a 5xx, an inconsistent listing) still reports the group as created (``changed``, ``written``, its
    id when the reply gave it). A reply whose result is no object (an API change, a proxy) is taken as a reply
    without an id: the read-back finds the group."""
    body = plan.body()
    label = "user group '%s'" % plan.name
    with writer.step("create %s" % label, sending=plan.sending()) as step:
        known = writer.user_group_ids_named(plan.name)
        reply = _object(writer.api.create_user_group(known_ids=known, **body))
        if reply.get("id"):
            step.wrote("created %s (%s)" % (label, reply["id"]))
    with writer.step("read back %s by name after creating it" % label) as step:
        try:
            named = [g for g in writer.api.list_user_groups(name=plan.name) if g.get("name") == plan.name]
        except Exception:
            if not reply.get("id"):
                step.wrote("created %s (its id unknown: the reply did not give it)" % label)
            raise
        if not reply.get("id"):
            created = [g for g in named if g.get("id") not in known]
            if not created:
                step.wrote("created %s (its id unknown: the reply did not give it)" % label)
                raise UnconfirmedCreate(
                    "Cloudflare accepted the create but its reply gave no id and no new group of that name is "
                    "listed; list the groups of that name (cfiam.user_groups.cf_user_group_info) before running "
                    "again, since a group made meanwhile would be created twice")
            reply = created[0]
            step.wrote("created %s (%s)" % (label, reply.get("id")))
    group = dict(reply, policies=body.get("policies") or [])
    group.update(plan.changes)
    writer.note_user_group(group)
    twins = [g for g in named if g.get("id") not in known and g.get("id") != group.get("id")]
    if twins:
        with writer.step("create %s" % label):  # the create made a duplicate: "Failed to create ...: now exists"
            raise DuplicateUserGroup(writer.account_id, plan.name, group, twins)
    return group


def _object(reply):
    """What a write answered as its result, when it is an object (a dict); else ``{}``: Cloudflare answers an
    object, but an API change or a proxy may answer a string, a list or nothing, and the write landed all the same."""
    return reply if isinstance(reply, dict) else {}


def _update(writer, plan):
    """One PUT of the plain fields that change and the policies (see ``GroupPlan.body``); nothing when neither
    changes."""
    current = plan.current
    group = dict(current)
    body = plan.body()
    if not body:
        return group
    doing, done = _update_labels("user group '%s' (%s)" % (current.get("name"), current.get("id")), plan)
    with writer.step(doing, done=done, sending=plan.sending()):
        reply = _object(writer.api.update_user_group(current["id"], **body))
    group.update(dict((k, v) for k, v in reply.items() if k in ("modified_on",)))
    group.update(plan.changes)
    if plan.policies_change:
        group["policies"] = plan.policies.bodies()
    writer.note_user_group(group)
    return group


def _update_labels(label, plan):
    """``(step, done)`` of a group's PUT: "rename <label> to 'New' and set its policies", "set the policies of
    <label>", "set the <field> of <label>"..."""
    doing, done = [], []
    if plan.rename:
        doing.append("rename %s to '%s'" % (label, plan.rename))
        done.append("renamed %s to '%s'" % (label, plan.rename))
    parts = [f for f in Group.FIELDS if f != "name" and f in plan.changes]
    if plan.policies_change:
        parts.append("policies")
    if parts:
        what = " and ".join(parts)
        doing.append("set its %s" % what if doing else "set the %s of %s" % (what, label))
        done.append("set the %s of %s" % (what, label))
    return " and ".join(doing), " and ".join(done)


def delete_user_group(writer, group):
    """DELETE a group (as read); True when this request deleted it, False when it was already gone."""
    writer = as_writer(writer)
    label = "user group '%s' (%s)" % (group.get("name"), group["id"])
    with writer.step("delete %s" % label, done="deleted %s" % label) as step:
        changed = writer.api.delete_user_group(group["id"])
        if not changed:
            step.done = None
    writer.note_user_group(group, deleted=True)
    return changed


# --------------------------------------------------------------------------- named resource groups
def resource_group_after(current, name=None, scope=None):
    """A resource group (API dict) with a new ``name`` and ``scope`` (a Scope); None leaves that part as it is."""
    after = dict(current, name=name or current.get("name"))
    if scope is not None:
        after["scope"] = scope.body()
    return after


def create_resource_group(writer, name, scope):
    """POST a named resource group; return it as created (the reply's id and timestamps, the name and scope sent)."""
    writer = as_writer(writer)
    with writer.step("create resource group '%s'" % name, done="created resource group '%s'" % name):
        known = writer.resource_group_ids_named(name)
        reply = _object(writer.api.create_resource_group(name, scope.body(), known_ids=known))
    created = dict(reply, name=name, scope=scope.body())
    writer.note_resource_group(created)
    return created


def update_resource_group(writer, current, label, name=None, scope=None):
    """PUT the ``name`` and ``scope`` that change (None: left alone); return the resource group as updated."""
    writer = as_writer(writer)
    after = resource_group_after(current, name, scope)
    with writer.step("update %s" % label, done="updated %s" % label):
        reply = _object(writer.api.update_resource_group(current["id"], name=name,
                                                         scope=scope.body() if scope is not None else None))
    after["modified_on"] = reply.get("modified_on", current.get("modified_on"))
    writer.note_resource_group(after)
    return after


def delete_resource_group(writer, current, label):
    """DELETE a named resource group; True when this request deleted it."""
    writer = as_writer(writer)
    with writer.step("delete %s" % label, done="deleted %s" % label):
        changed = writer.api.delete_resource_group(current["id"])
    writer.note_resource_group(current, deleted=True)
    return changed
