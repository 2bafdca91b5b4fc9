# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apply.Steps and apply.Writer: the scoped step a failure names, the record of what was written, and writes that
need nothing of the task run but the writer."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import (
    Steps,
    Writer,
    apply_group,
    delete_user_group,
    failed_step,
)
from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun


class TestSteps(object):
    def test_a_step_records_what_it_wrote_when_it_ends(self):
        steps = Steps()
        with steps.step("create X", done="created X"):
            assert steps.written == []
        with steps.step("read Y"):
            pass
        assert steps.written == ["created X"]

    def test_the_innermost_step_names_the_failure_and_its_done_is_not_recorded(self):
        steps = Steps()
        with pytest.raises(ResolutionError) as info:
            with steps.step("outer", done="outer done"):
                with steps.step("inner", done="inner done", sending=["p"]):
                    raise ResolutionError(["bad"])
        step = failed_step(info.value)
        assert (step.action, step.sending) == ("inner", ["p"]) and steps.written == []

    def test_a_write_recorded_inside_a_failing_step_stays_recorded(self):
        steps = Steps()
        with pytest.raises(KeyError):
            with steps.step("create X") as step:
                step.wrote("created X (1)")
                raise KeyError("after the write")
        assert steps.written == ["created X (1)"]

    def test_an_error_outside_every_step_names_none(self):
        steps = Steps()
        with steps.step("first", done="first"):
            pass
        assert failed_step(ValueError("later")) is None

    def test_a_step_can_take_back_its_done(self):
        steps = Steps()
        with steps.step("delete X", done="deleted X") as step:
            step.done = None  # it was already gone
        assert steps.written == []


def new_run(emulator, **kwargs):
    params = dict(api_token=emulator.token, api_email=None, api_key=None, account_id=emulator.account_id,
                  base_url=emulator.base_url, timeout=10, validate_certs=True, max_retries=0, max_retry_wait=60)
    return TaskRun("cfiam.user_groups.cf_user_group", params, scope=object(), secrets=[emulator.token], **kwargs)


class TestTaskRunSteps(object):
    def test_a_failure_names_the_step_and_what_was_written(self, emulator):
        run = new_run(emulator)

        def work(r):
            with r.step("create user group 'One'", done="created user group 'One'"):
                r.api.create_user_group("One")
            with r.step("read the members of user group 'One'"):
                pass
            with r.step("add 1 member(s) to user group 'One'"):
                raise ResolutionError(["no such member"])
        result = run.run(work)
        assert result["msg"] == ("Failed to add 1 member(s) to user group 'One': no such member. Already written "
                                 "before the failure: created user group 'One'")
        assert result["written"] == ["created user group 'One'"] and result["changed"] is True

    def test_an_error_after_the_steps_is_the_tasks(self, emulator):
        run = new_run(emulator)

        def work(r):
            with r.step("find user group 'One'"):
                pass
            raise ResolutionError(["late"])
        assert run.run(work)["msg"] == "Failed to run cfiam.user_groups.cf_user_group: late"


class TestWriter(object):
    def test_writes_need_only_the_writer(self, emulator):
        """A Writer made of an API, a catalogue and a Steps record carries out a plan: no task run involved."""
        run = new_run(emulator)
        steps = Steps()
        writer = Writer(run.api, run.catalogue, steps)
        emulator.clear_requests()
        group = apply_group(writer, plan_group(None, "By writer"))
        assert steps.written == ["created user group 'By writer' (%s)" % group["id"]]
        assert emulator.group_by_name("By writer")["id"] == group["id"]
        assert delete_user_group(writer, group) is True
        assert steps.written[-1] == "deleted user group 'By writer' (%s)" % group["id"]
        assert delete_user_group(writer, group) is False and len(steps.written) == 2  # already gone: nothing written
        # the catalogue was told (note_user_group): the name resolves to nothing without another listing
        assert run.catalogue.find_user_group(name="By writer") == (None, [])

    def test_the_task_runs_writer_records_into_the_task(self, emulator):
        run = new_run(emulator)
        assert run.writer is run.writer and run.writer.account_id == emulator.account_id
        apply_group(run.writer, plan_group(None, "Through the run"))
        assert run.failure("probe")["written"] == [
            "created user group 'Through the run' (%s)" % emulator.group_by_name("Through the run")["id"]]
