"""(d) The baseline: a playbook written the way users do today, with ansible.builtin.uri.

Generated from the declaration, following the seed's curl steps: list the permission groups, the
account members and the zones (page by page), list the user groups, then per group one POST creating
it with its policies and one POST adding its members. Names are mapped to ids with Jinja from the
listings. It has no idempotency logic: run again, it sends every write again (and Cloudflare creates
every group a second time). mode="verify" generates the read-only variant instead: the listings plus
one member listing per existing group, the reads a uri playbook needs to check the groups.
"""
from __future__ import absolute_import, division, print_function

import json
import math

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"


def rolled_up(declaration):
    """Flat list of groups with members rolled up from their descendants (what the role computes)."""
    out = []

    def walk(node):
        members = list(node.get("members") or [])
        for child in node.get("children") or []:
            for m in walk(child):
                if m not in members:
                    members.append(m)
        out.append({"name": node["name"], "members": members, "policies": node.get("policies") or []})
        return members

    for root in declaration:
        walk(root)
    return out


def _policy(p, account_id):
    pgs = [{"id": "{{ pg_ids['%s'] }}" % label} for label in p["permission_groups"]]
    if p.get("zones"):
        objects = [{"key": "%s.{{ zone_ids['%s'] }}" % (ZONE_SCOPE, z)} for z in p["zones"]]
    else:
        objects = [{"key": "*"}]
    return {"access": p.get("access", "allow"), "permission_groups": pgs,
            "resource_groups": [{"scope": {"key": "%s.%s" % (ACCOUNT_SCOPE, account_id), "objects": objects}}]}


def write_playbook(path, groups, state, mode="apply"):
    account_id = state["account"]["id"]
    api = "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_BASE_URL') }}"
    acct = api + "/accounts/{{ account_id }}"
    headers = {"Authorization": "Bearer {{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}",
               "Content-Type": "application/json"}

    def get(name, url, pages, register):
        task = {"name": name, "ansible.builtin.uri": {"url": url, "method": "GET", "headers": headers},
                "register": register}
        if pages is not None:
            task["ansible.builtin.uri"]["url"] = url + "?page={{ item }}&per_page=50"
            task["loop"] = "{{ range(1, %d) | list }}" % (pages + 1)
        return task

    def pages(n):
        return max(1, int(math.ceil(n / 50.0)))

    tasks = [
        get("List permission groups", acct + "/iam/permission_groups", pages(len(state["permission_groups"])), "pgs"),
        get("List account members", acct + "/members", pages(len(state["members"])), "members"),
        get("List zones", api + "/zones?account.id={{ account_id }}&per_page=50", None, "zones"),
        get("List user groups", acct + "/iam/user_groups?per_page=500", None, "existing"),
        {"name": "Map names to ids", "ansible.builtin.set_fact": {
            "pg_ids": "{{ dict(_pgs | map(attribute='meta.label') | zip(_pgs | map(attribute='id'))) }}",
            "member_ids": "{{ dict(_members | map(attribute='email') | zip(_members | map(attribute='id'))) }}",
            "zone_ids": "{{ dict(zones.json.result | map(attribute='name') | zip(zones.json.result"
                        " | map(attribute='id'))) }}"},
         "vars": {"_pgs": "{{ pgs.results | map(attribute='json.result') | flatten }}",
                  "_members": "{{ members.results | map(attribute='json.result') | flatten }}"}},
    ]
    if mode == "apply":
        tasks += [
            {"name": "Create the user groups with their policies",
             "ansible.builtin.uri": {"url": acct + "/iam/user_groups", "method": "POST", "headers": headers,
                                     "body_format": "json",
                                     "body": {"name": "{{ item.name }}", "policies": "{{ item.policies }}"}},
             "loop": "{{ declared_groups }}", "loop_control": {"label": "{{ item.name }}"}, "register": "created"},
            {"name": "Add the members",
             "ansible.builtin.uri": {"url": acct + "/iam/user_groups/{{ item.json.result.id }}/members",
                                     "method": "POST", "headers": headers, "body_format": "json",
                                     "body": "{{ item.item.members }}"},
             "loop": "{{ created.results }}", "loop_control": {"label": "{{ item.item.name }}"},
             "when": "item.item.members | length > 0"},
        ]
    else:
        tasks += [
            {"name": "Read the members of every group",
             "ansible.builtin.uri": {"url": acct + "/iam/user_groups/{{ item.id }}/members?per_page=500",
                                     "method": "GET", "headers": headers},
             "loop": "{{ existing.json.result }}", "loop_control": {"label": "{{ item.name }}"}},
        ]
    declared = [{"name": g["name"],
                 "members": [{"id": "{{ member_ids['%s'] }}" % m} for m in g["members"]],
                 "policies": [_policy(p, account_id) for p in g["policies"]]} for g in groups]
    play = {"name": "User groups with ansible.builtin.uri", "hosts": "localhost", "connection": "local",
            "gather_facts": False,
            "vars": {"account_id": "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}",
                     "declared_groups": declared},
            "tasks": tasks}
    with open(path, "w") as fh:
        json.dump([play], fh, indent=1)
    return path


def _normalized(state):
    rgs = dict((rg["id"], rg) for rg in state["resource_groups"])
    out = {}
    for g in state["user_groups"]:
        pols = sorted((p["access"], tuple(sorted(p["permission_groups"])),
                       tuple(sorted(o["key"] for r in p["resource_groups"] for o in rgs[r]["scope"]["objects"])))
                      for p in g["policies"])
        out.setdefault(g["name"], []).append((sorted(m["id"] for m in g["members"]), pols))
    return out


def same_groups(a, b):
    """Same group names (no duplicates), members and policies, ignoring ids."""
    return _normalized(a) == _normalized(b)
