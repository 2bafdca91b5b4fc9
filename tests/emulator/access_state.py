"""Emulator states for the access review (``cf_access_info``, ``playbooks/access_report.yml``).

* ``access_review_state(account_id=DEFAULT_ACCOUNT_ID, hostile=False)`` -- the demo account plus groups and
  members' own (direct) policies covering every case the report distinguishes (``ACCESS_REVIEW`` says what each
  member and group is for). ``hostile=True`` adds a group and a member whose name and email carry markup, template
  markers, a table pipe and a line break.
* ``add_policy(state, holder, labels, objects=("*",), access="allow", rg=None, account=None)`` -- a policy (its
  anonymous resource group made as the emulator makes one) on a group or a member of a state built by
  ``builders`` (the same id scheme: ids are derived from names).

The emulator lists a member's ``policies`` as its own plus the policies of its groups (``config(member_policies=...)``
chooses how): these states only hold the member's own.
"""

from __future__ import annotations

try:
    from . import builders  # type: ignore
except ImportError:  # run from a test or script that put this directory on sys.path
    import builders  # type: ignore

DEFAULT_ACCOUNT_ID = builders.DEFAULT_ACCOUNT_ID
HOSTILE_GROUP = "<script>alert(1)</script> {{ lookup('pipe', 'id') }} | Ops\nteam"
HOSTILE_EMAIL = "=cmd|'/c calc'!A1<b>@example.com"

# What each holder of the scenario is for (the tests assert the report against the state, not against this).
ACCESS_REVIEW = {
    "Admins": "Super Administrator on the account (alice, bob)",
    "Engineering": "read-only on the account and DNS on two zones (alice, carol, xavier: pending)",
    "Prod Ops": "Domain Administrator on the named resource group 'Production zones' (carol, dave)",
    "DNS Freeze": "a deny policy: DNS on shop.example.com (carol)",
    "Legacy Workers": "a deprecated role (erin)",
    "Empty Team": "a group without members",
    "Okta Contractors": "the demo's SCIM group, given a policy (trent, victor)",
    "dave@example.com": "in Prod Ops, plus a direct read-only policy on the account",
    "frank@example.com": "in no group, a direct Billing policy",
    "grace@example.com": "in no group, a direct per-Worker grant (and its companion role)",
    "yvonne@example.com": "pending, in no group, a direct Analytics policy",
}


def _pg(state, label):
    for pg in state["permission_groups"]:
        if pg["meta"]["label"] == label:
            return pg["id"]
    raise KeyError(label)


def _holder(state, holder, account):
    sections = [state] if "accounts" not in state else state["accounts"]
    section = sections[0] if account is None else [s for s in sections if s["account"]["id"] == account][0]
    for group in section["user_groups"]:
        if group["name"] == holder:
            return section, group
    for member in section["members"]:
        if member["email"] == holder:
            return section, member
    raise KeyError(holder)


def add_policy(state, holder, labels, objects=("*",), access="allow", rg=None, account=None):
    """Add a policy to the group named ``holder`` or the member whose email is ``holder``; returns its id.

    ``objects``: scope object keys under the account key (``*``, zone or Worker object keys), or ``rg``: the id
    of a named resource group of the state.
    """
    section, target = _holder(state, holder, account)
    acct_key = "%s.%s" % (builders.ACCOUNT_SCOPE, section["account"]["id"])
    policies = target.setdefault("policies", [])
    number = len(policies)
    if rg is None:
        rg = builders.hid("access_rg", section["account"]["id"], holder, number)
        section["resource_groups"].append({
            "id": rg, "name": acct_key, "anonymous": True, "meta": {"editable": "false"},
            "scope": {"key": acct_key, "objects": [{"key": o} for o in objects]},
            "created_on": builders.DEMO_CREATED, "modified_on": builders.DEMO_MODIFIED})
    policy_id = builders.hid("access_policy", section["account"]["id"], holder, number)
    policies.append({"id": policy_id, "access": access, "permission_groups": [_pg(state, lbl) for lbl in labels],
                     "resource_groups": [rg], "created_on": builders.DEMO_CREATED,
                     "modified_on": builders.DEMO_MODIFIED})
    return policy_id


def _group(state, name, emails, scim=False):
    state["user_groups"].append({
        "id": builders.hid("user_group", name), "name": name, "scim": scim,
        "created_on": builders.DEMO_CREATED, "modified_on": builders.DEMO_MODIFIED, "policies": [],
        "members": [{"id": builders.hid("member", e), "created_at": builders.DEMO_CREATED} for e in emails]})


def _zone_object(name):
    return "%s.%s" % (builders.ZONE_SCOPE, builders.hid("zone", name))


def access_review_state(account_id: str = DEFAULT_ACCOUNT_ID, hostile: bool = False) -> dict:
    state = builders.demo_state(account_id)
    _group(state, "Admins", ["alice@example.com", "bob@example.com"])
    add_policy(state, "Admins", ["super_admin"])
    _group(state, "Engineering", ["alice@example.com", "carol@example.com", "xavier@example.com"])
    add_policy(state, "Engineering", ["admin_readonly"])
    add_policy(state, "Engineering", ["domain_dns"], objects=[_zone_object("example.com"), _zone_object("example.net")])
    _group(state, "Prod Ops", ["carol@example.com", "dave@example.com"])
    add_policy(state, "Prod Ops", ["domain_admin"], rg=builders.hid("resource_group", builders.DEMO_RESOURCE_GROUP))
    _group(state, "DNS Freeze", ["carol@example.com"])
    add_policy(state, "DNS Freeze", ["domain_dns"], objects=[_zone_object("shop.example.com")], access="deny")
    _group(state, "Legacy Workers", ["erin@example.com"])
    add_policy(state, "Legacy Workers", ["workers_platform_metadata_read_only"])
    _group(state, "Empty Team", [])
    add_policy(state, "Empty Team", ["analytics"])
    add_policy(state, builders.DEMO_SCIM_GROUP, ["zero_trust_readonly"])
    add_policy(state, "dave@example.com", ["admin_readonly"])
    add_policy(state, "frank@example.com", ["billing"])
    worker = "%s.%s" % (builders.WORKER_SCOPE, builders.hid("worker", "payment-service"))
    add_policy(state, "grace@example.com", ["worker_admin"], objects=[worker])
    add_policy(state, "grace@example.com", ["workers_platform_read_only"])
    add_policy(state, "yvonne@example.com", ["analytics"])
    if hostile:
        member = dict(state["members"][0], id=builders.hid("member", HOSTILE_EMAIL), email=HOSTILE_EMAIL,
                      user=dict(state["members"][0]["user"], id=builders.hid("user", HOSTILE_EMAIL),
                                email=HOSTILE_EMAIL, first_name="<i>Mallory</i>", last_name="{{ 7 * 7 }}"))
        state["members"].append(member)
        _group(state, HOSTILE_GROUP, [HOSTILE_EMAIL, "alice@example.com"])
        add_policy(state, HOSTILE_GROUP, ["dns"])
    return state
