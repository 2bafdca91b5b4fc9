# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apply.py against the emulator: the requests each plan sends (request log), the state they leave, the writes
they record, and a second plan from the state read back that changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cfiam.user_groups.plugins.module_utils.apply import apply_group, apply_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.model import Policy, policies_from_api
from ansible_collections.cfiam.user_groups.plugins.module_utils.planning import plan_group, plan_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.resolve import parse_policies, resolve_members
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun
from ansible_collections.cfiam.user_groups.tests.unit.plugins.module_utils.cfiam_fakes import hexid

API = "/client/v4"


def new_run(emulator):
    params = dict(api_token=emulator.token, api_email=None, api_key=None, account_id=emulator.account_id,
                  base_url=emulator.base_url, timeout=10, validate_certs=True, max_retries=0, max_retry_wait=60)
    return TaskRun("cfiam.user_groups.cf_user_group", params, scope=object(), secrets=[emulator.token])


def written(run):
    """What the run recorded as written (the failure result shows it)."""
    return run.failure("probe").get("written", [])


def requests(emulator):
    """(method, path below the account, body) of every request since the log was cleared."""
    prefix = "%s/accounts/%s" % (API, emulator.account_id)
    return [(e["method"], e["path"].replace(prefix, ""), e["body"]) for e in emulator.requests()]


def ids(emulator, *people):
    return [emulator.member_id("%s@example.com" % p) for p in people]


def members_of(emulator, name):
    return sorted(m["id"] for m in emulator.group_by_name(name)["members"])


POLICY_ITEMS = [{"permission_groups": ["admin_readonly"]},
                {"permission_groups": ["domain_dns"], "zones": ["example.com", "example.net"]},
                {"permission_groups": ["domain_admin"], "resource_groups": ["Production zones"]},
                {"access": "deny", "permission_groups": ["domain_dns"], "zones": ["shop.example.com"],
                 "scope": {"key": "com.cloudflare.api.account.zone.%s", "objects": ["*"]}}]


def desired_policies(emulator, run):
    items = [dict(i) for i in POLICY_ITEMS]
    items[3]["scope"] = {"key": items[3]["scope"]["key"] % emulator.zone_id("example.org"), "objects": ["*"]}
    return parse_policies(items, run.catalogue)


def current_plan(emulator, run, name, desired, member_ids):
    """The plan of the group as Cloudflare has it now (fresh reads), against the same desire."""
    group = run.api.list_user_groups(name=name)[0]
    current_members = [m["id"] for m in run.api.list_group_members(group["id"])]
    return plan_group(group, None, current_policies=policies_from_api(group.get("policies")),
                      desired_policies=desired, current_member_ids=current_members, desired_member_ids=member_ids)


class TestApplyGroup(object):
    def test_create_with_policies_and_members(self, emulator):
        run = new_run(emulator)
        desired = desired_policies(emulator, run)
        member_ids = [m["id"] for m in resolve_members(["alice@example.com", "bob@example.com"], run.catalogue)]
        plan = plan_group(None, "Created", desired_policies=desired, desired_member_ids=member_ids)
        emulator.clear_requests()
        group = apply_group(run, plan)
        gid = group["id"]
        assert requests(emulator) == [
            ("GET", "/iam/user_groups", None),  # groups already named so (a lost reply is then recovered safely)
            ("POST", "/iam/user_groups", {"name": "Created", "policies": plan.policies.bodies()}),
            ("GET", "/iam/user_groups", None),  # read back by name: a group another run made meanwhile shows
            ("POST", "/iam/user_groups/%s/members" % gid, [{"id": i} for i in member_ids]),
        ]
        assert group["name"] == "Created" and group["policies"] == plan.policies.bodies() and group["created_on"]
        assert written(run) == ["created user group 'Created' (%s)" % gid,
                                "added 2 member(s) to user group 'Created' (%s)" % gid]
        assert members_of(emulator, "Created") == sorted(member_ids)
        assert len(emulator.group_by_name("Created")["policies"]) == 4
        # The catalogue knows the new group without another listing.
        emulator.clear_requests()
        assert run.catalogue.find_user_group(name="Created")[0]["id"] == gid and emulator.requests() == []
        # Planned again from what Cloudflare now has (new policy ids, anonymous groups): nothing to do.
        assert not current_plan(emulator, run, "Created", desired, member_ids).changed

    def test_create_bare_group(self, emulator):
        run = new_run(emulator)
        run.catalogue.user_groups()
        emulator.clear_requests()
        group = apply_group(run, plan_group(None, "Bare"))
        assert requests(emulator) == [("POST", "/iam/user_groups", {"name": "Bare"}), ("GET", "/iam/user_groups", None)]
        assert [e["query"].get("name") for e in emulator.requests()] == [None, "Bare"]
        assert group["policies"] == [] and emulator.group_by_name("Bare")["id"] == group["id"]

    def test_a_create_reply_without_id_is_found_by_name(self, emulator, api):
        """Cloudflare may answer a create with less than the group: the new one is the group not known before."""
        older = api.create_user_group("Reply")
        run = new_run(emulator)
        real_create = run.api.create_user_group

        def create_without_id(*args, **kwargs):
            real_create(*args, **kwargs)
            return {"success": True}
        run.api.create_user_group = create_without_id
        group = apply_group(run, plan_group(None, "Reply"))
        made = [g["id"] for g in emulator.groups_by_name("Reply") if g["id"] != older["id"]]
        assert len(made) == 1 and group["id"] == made[0]
        assert written(run) == ["created user group 'Reply' (%s)" % made[0]]

    def test_rename_and_policies_are_one_put_members_one_more(self, emulator, api):
        alice, bob, carol = ids(emulator, "alice", "bob", "carol")
        made = api.create_user_group("Before")
        api.add_group_members(made["id"], [alice, bob])
        run = new_run(emulator)
        desired = desired_policies(emulator, run)
        current = run.catalogue.fresh_user_group(made["id"])
        plan = plan_group(current, "After", current_policies=[], desired_policies=desired,
                          current_member_ids=[alice, bob], desired_member_ids=[bob, carol])
        emulator.clear_requests()
        group = apply_group(run, plan)
        gid = made["id"]
        assert requests(emulator) == [
            ("PUT", "/iam/user_groups/%s" % gid, {"name": "After", "policies": plan.policies.bodies()}),
            ("PUT", "/iam/user_groups/%s/members" % gid, [{"id": bob}, {"id": carol}]),
        ]
        assert group["name"] == "After" and group["id"] == gid
        assert written(run) == ["renamed user group 'Before' (%s) to 'After' and set the policies of user group "
                                "'Before' (%s)" % (gid, gid), "set the members of user group 'After' (%s)" % gid]
        assert members_of(emulator, "After") == sorted([bob, carol])
        assert not current_plan(emulator, run, "After", desired, [bob, carol]).changed

    def test_policies_alone_never_send_the_name(self, emulator):
        """A group pushed by SCIM: its name belongs to the identity provider, its policies can be set."""
        run = new_run(emulator)
        scim = run.catalogue.find_user_group(name="Okta Contractors")[0]
        desired = parse_policies([{"permission_groups": ["analytics"]}], run.catalogue)
        plan = plan_group(scim, None, current_policies=[], desired_policies=desired)
        emulator.clear_requests()
        apply_group(run, plan)
        assert requests(emulator) == [("PUT", "/iam/user_groups/%s" % scim["id"],
                                       {"policies": plan.policies.bodies()})]
        assert len(emulator.group_by_name("Okta Contractors")["policies"]) == 1
        assert written(run) == ["set the policies of user group 'Okta Contractors' (%s)" % scim["id"]]

    def test_rename_alone_re_sends_the_policies_it_read(self, emulator, api):
        """What a PUT without policies does to them is not documented: a rename sends the group's policies as read."""
        account = {"key": "com.cloudflare.api.account.%s" % emulator.account_id, "objects": [{"key": "*"}]}
        kept = {"access": "allow", "permission_groups": [{"id": emulator.permission_group_id("analytics")}],
                "resource_groups": [{"scope": account}]}
        made = api.create_user_group("Old", policies=[kept])
        run = new_run(emulator)
        current = run.catalogue.find_user_group(name="Old")[0]  # the listing: notes keep it current
        emulator.clear_requests()
        apply_group(run, plan_group(current, "New"))
        ((method, path, body),) = requests(emulator)
        assert (method, path, body["name"]) == ("PUT", "/iam/user_groups/%s" % made["id"], "New")
        assert [Policy.from_api(p) for p in body["policies"]] == policies_from_api(current["policies"])
        assert len(body["policies"]) == 1 and len(emulator.group_by_name("New")["policies"]) == 1
        assert written(run) == ["renamed user group 'Old' (%s) to 'New'" % made["id"]]
        emulator.clear_requests()
        assert run.catalogue.find_user_group(name="New")[0]["id"] == made["id"] and emulator.requests() == []

    def test_nothing_to_do_sends_nothing(self, emulator, api):
        made = api.create_user_group("Steady")
        run = new_run(emulator)
        current = run.catalogue.fresh_user_group(made["id"])
        emulator.clear_requests()
        group = apply_group(run, plan_group(current, None, current_policies=[], desired_policies=[],
                                            current_member_ids=[], desired_member_ids=[]))
        assert emulator.requests() == [] and written(run) == [] and group["id"] == made["id"]

    def test_a_refused_write_is_reported_with_its_code(self, emulator):
        run = new_run(emulator)
        scim = run.catalogue.find_user_group(name="Okta Contractors")[0]
        result = run.run(lambda r: apply_group(r, plan_group(scim, "Renamed")) and r.result(changed=True))
        assert result["failed"] is True and result["error_codes"] == [1010] and result["status"] == 400
        assert result["msg"].startswith("Failed to rename user group 'Okta Contractors' (%s) to 'Renamed': [1010]"
                                        % scim["id"])
        assert "written" not in result and emulator.group_by_name("Okta Contractors")["id"] == scim["id"]

    def test_a_failure_after_the_create_keeps_what_was_written(self, emulator):
        run = new_run(emulator)
        plan = plan_group(None, "Half", desired_member_ids=[hexid(0xBAD)])
        result = run.run(lambda r: apply_group(r, plan) and r.result(changed=True))
        gid = emulator.group_by_name("Half")["id"]
        assert result["failed"] is True and result["changed"] is True
        assert result["written"] == ["created user group 'Half' (%s)" % gid]
        assert result["error_codes"] == [1004] and result["method"] == "POST"
        assert result["path"] == "/accounts/%s/iam/user_groups/%s/members" % (emulator.account_id, gid)
        assert result["msg"].startswith("Failed to add 1 member(s) to user group 'Half' (%s): [1004]" % gid)
        assert result["msg"].endswith("Already written before the failure: created user group 'Half' (%s)" % gid)
        assert members_of(emulator, "Half") == []


class TestApplyMembers(object):
    def test_additions_are_one_post(self, emulator, api):
        alice, bob = ids(emulator, "alice", "bob")
        made = api.create_user_group("Adds")
        api.add_group_members(made["id"], [alice])
        run = new_run(emulator)
        emulator.clear_requests()
        apply_members(run, made["id"], "user group 'Adds'", plan_members([alice], [alice, bob]))
        assert requests(emulator) == [("POST", "/iam/user_groups/%s/members" % made["id"], [{"id": bob}])]
        assert members_of(emulator, "Adds") == sorted([alice, bob])
        assert written(run) == ["added 1 member(s) to user group 'Adds'"]

    def test_removals_are_deletes_one_by_one(self, emulator, api):
        alice, bob, carol = ids(emulator, "alice", "bob", "carol")
        made = api.create_user_group("Removes")
        api.add_group_members(made["id"], [alice, bob, carol])
        run = new_run(emulator)
        emulator.clear_requests()
        apply_members(run, made["id"], "user group 'Removes'", plan_members([alice, bob, carol], [alice, carol],
                                                                            state="absent"))
        path = "/iam/user_groups/%s/members/" % made["id"]
        assert requests(emulator) == [("DELETE", path + alice, None), ("DELETE", path + carol, None)]
        assert members_of(emulator, "Removes") == [bob]
        assert written(run) == ["removed member %s from user group 'Removes'" % alice,
                                "removed member %s from user group 'Removes'" % carol]

    def test_an_exclusive_list_that_removes_is_one_put(self, emulator, api):
        alice, bob, carol = ids(emulator, "alice", "bob", "carol")
        made = api.create_user_group("Replaces")
        api.add_group_members(made["id"], [alice, bob])
        run = new_run(emulator)
        emulator.clear_requests()
        apply_members(run, made["id"], "user group 'Replaces'", plan_members([alice, bob], [carol, bob],
                                                                             exclusive=True))
        assert requests(emulator) == [("PUT", "/iam/user_groups/%s/members" % made["id"], [{"id": bob},
                                                                                           {"id": carol}])]
        assert members_of(emulator, "Replaces") == sorted([bob, carol])
        apply_members(run, made["id"], "user group 'Replaces'", plan_members([bob, carol], [], exclusive=True))
        assert requests(emulator)[-1] == ("PUT", "/iam/user_groups/%s/members" % made["id"], [])
        assert members_of(emulator, "Replaces") == []

    def test_unchanged_sends_nothing(self, emulator, api):
        made = api.create_user_group("Same")
        run = new_run(emulator)
        emulator.clear_requests()
        apply_members(run, made["id"], "user group 'Same'", plan_members([], [], exclusive=True))
        assert emulator.requests() == [] and written(run) == []
