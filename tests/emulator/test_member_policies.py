"""The emulator's account members carry policies: their own, plus those inherited from their groups, as Cloudflare's
user-groups guide documents (``config(member_policies=...)`` chooses between the plausible answers).

Every response is validated against the vendored OpenAPI document (``test_emulator.call``).
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import access_state  # noqa: E402
import builders  # noqa: E402
from test_emulator import call  # noqa: E402

MEMBERS = "/accounts/{account_id}/members"


def policies_of(emulator, email, single=False):
    mid = emulator.member_id(email)
    if single:
        return call(emulator, "GET", "%s/%s" % (MEMBERS, mid))["result"]["policies"]
    listed = call(emulator, "GET", MEMBERS, params={"per_page": 50})["result"]
    return [m for m in listed if m["id"] == mid][0]["policies"]


def summary(policies):
    return sorted((p["access"], tuple(pg["meta"]["label"] for pg in p["permission_groups"]),
                   tuple(o["key"] for rg in p["resource_groups"] for o in rg["scope"]["objects"])) for p in policies)


@pytest.mark.parametrize("single", [False, True])
def test_members_list_their_own_and_inherited_policies(emulator, single):
    state = access_state.access_review_state()
    emulator.set_state(state)
    groups = dict((g["name"], g) for g in state["user_groups"])
    # carol: Engineering (2 policies), Prod Ops (1), DNS Freeze (1): inherited, with the groups' policy ids
    carol = policies_of(emulator, "carol@example.com", single)
    assert sorted(p["id"] for p in carol) == sorted(
        p["id"] for name in ("Engineering", "Prod Ops", "DNS Freeze") for p in groups[name]["policies"])
    assert ("deny", ("domain_dns",), (builders.ZONE_SCOPE + "." + builders.hid("zone", "shop.example.com"),)) in \
        summary(carol)
    # dave: his own policy first, then Prod Ops'
    dave = policies_of(emulator, "dave@example.com", single)
    own = [m for m in state["members"] if m["email"] == "dave@example.com"][0]["policies"]
    assert [p["id"] for p in dave] == [own[0]["id"]] + [p["id"] for p in groups["Prod Ops"]["policies"]]
    assert policies_of(emulator, "heidi@example.com", single) == []


def test_inherited_copies_with_their_own_ids_or_only_direct_policies(emulator):
    state = access_state.access_review_state()
    emulator.set_state(state)
    group_ids = set(p["id"] for g in state["user_groups"] for p in g["policies"])
    inherited = policies_of(emulator, "carol@example.com")
    emulator.config(member_policies="inherited_new_ids")
    renamed = policies_of(emulator, "carol@example.com")
    assert summary(renamed) == summary(inherited)
    assert not set(p["id"] for p in renamed) & group_ids
    assert len(set(p["id"] for p in renamed)) == len(renamed)
    emulator.config(member_policies="direct")
    own = [m for m in state["members"] if m["email"] == "carol@example.com"][0].get("policies") or []
    assert policies_of(emulator, "carol@example.com") == [] == own
    assert [p["id"] for p in policies_of(emulator, "dave@example.com", single=True)] == \
        [p["id"] for p in [m for m in state["members"] if m["email"] == "dave@example.com"][0]["policies"]]
    with pytest.raises(ValueError, match="member_policies must be one of"):
        emulator.config(member_policies="sometimes")
    assert emulator.get_config()["member_policies"] == "direct"
    emulator.reset()
    assert emulator.get_config()["member_policies"] == "inherited"


def test_resource_groups_of_member_policies_are_kept(emulator):
    """An anonymous resource group used only by a member's own policy survives the clean-up that follows a group
    write, and a named one it uses cannot be deleted."""
    state = access_state.access_review_state()
    named = {"id": builders.hid("rg", "members only"), "name": "Members only", "anonymous": False, "meta": {},
             "scope": {"key": "%s.%s" % (builders.ACCOUNT_SCOPE, builders.DEFAULT_ACCOUNT_ID),
                       "objects": [{"key": "*"}]}, "created_on": builders.DEMO_CREATED,
             "modified_on": builders.DEMO_MODIFIED}
    state["resource_groups"].append(named)
    access_state.add_policy(state, "walter@example.com", ["admin"], rg=named["id"])
    emulator.set_state(state)
    gid = emulator.group_by_name("Empty Team")["id"]
    call(emulator, "DELETE", "/accounts/{account_id}/iam/user_groups/%s" % gid)
    frank = [m for m in emulator.state()["members"] if m["email"] == "frank@example.com"][0]
    rg_ids = set(rg["id"] for rg in emulator.state()["resource_groups"])
    assert frank["policies"][0]["resource_groups"][0] in rg_ids
    body = call(emulator, "DELETE", "/accounts/{account_id}/iam/resource_groups/%s" % named["id"], expect=400)
    assert body["errors"][0]["code"] == 1013
    assert summary(policies_of(emulator, "frank@example.com")) == [("allow", ("billing",), ("*",))]
