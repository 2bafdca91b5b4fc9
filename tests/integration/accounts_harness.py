# -*- coding: utf-8 -*-
"""Helpers of the multi-account tests: accounts in the emulator, and ansible runs over the accounts inventory.

* ``example_state()``: the accounts of ``playbooks/multi_account`` (Acme Production, Acme Staging, Acme Sandbox)
  plus one the example's inventory leaves out (Globex Shared), each with the demo people as members (own member
  ids) and its own zones, no user group except the SCIM group the identity provider pushed into Acme Production.
* ``generated_accounts_dir(path, n, ...)``: the example's site.yml over ``n`` generated accounts, their declarations
  in group_vars/account_<id>.yml; ``expected_groups``; ``peak(log, window)``: the most requests within any window of
  the log.
* ``run_ansible(emulator, cmd, ...)``: an ``ansible-playbook`` or ``ansible-inventory`` process with the emulator's
  credentials in the environment (as ``harness.ansible_env``), a failing inventory made fatal, and every task result
  recorded; returns an ``AnsibleRun`` (rc, output, records, recap per host).
"""
from __future__ import absolute_import, division, print_function

import json
import os
import re
import subprocess

import builders
from harness import REPO, ansible_bin, ansible_env

EXAMPLE_DIR = os.path.join(REPO, "playbooks", "multi_account")
EXAMPLE_INVENTORY = os.path.join(EXAMPLE_DIR, "accounts.cloudflare_accounts.yml")
# (name, type, zones, host name); the first is the emulator's default account (builders.ACME_ACCOUNTS, the acme seed)
EXAMPLE_ACCOUNTS = [spec + (host,) for spec, host in zip(
    builders.ACME_ACCOUNTS, ["acme_production", "acme_staging", "acme_sandbox", None])]
SCIM_GROUP = builders.DEMO_SCIM_GROUP
account_id = builders.example_account_id
accounts_state = builders.accounts_state


def example_state():
    return accounts_state(EXAMPLE_ACCOUNTS)


def account_groups(emulator, aid):
    """{group name: {"members": sorted emails, "policies": sorted (access, labels, zones)}} of one account."""
    st = emulator.state()
    labels = dict((pg["id"], pg["meta"]["label"]) for pg in st["permission_groups"])
    acct = [a for a in st["accounts"] if a["account"]["id"] == aid][0]
    emails = dict((m["id"], m["email"]) for m in acct["members"])
    zones = dict((z["id"], z["name"]) for z in acct["zones"])
    rgs = dict((rg["id"], rg) for rg in acct["resource_groups"])
    out = {}
    for group in acct["user_groups"]:
        policies = []
        for pol in group["policies"]:
            targets = []
            for rid in pol["resource_groups"]:
                for obj in rgs[rid]["scope"]["objects"]:
                    key = obj["key"]
                    targets.append("account" if key == "*" else zones.get(key.rsplit(".", 1)[-1], key))
            policies.append((pol["access"], tuple(sorted(labels[p] for p in pol["permission_groups"])),
                             tuple(sorted(targets))))
        assert group["name"] not in out, "duplicate group %r in account %s" % (group["name"], aid)
        out[group["name"]] = {"members": sorted(emails[m["id"]] for m in group["members"]),
                              "policies": sorted(policies)}
    return out


def expected_example():
    """{account id: groups} after site.yml on example_state(): shared_user_groups + group_vars/account_<id>.yml;
    Globex untouched."""
    shared = {"Security Auditors": {"members": ["grace@example.com"],
                                    "policies": [("allow", ("admin_readonly", "audit_logs_viewer"), ("account",))]},
              "Billing": {"members": ["dave@example.com"], "policies": [("allow", ("billing",), ("account",))]}}
    production = dict(shared)
    production.update({
        "Engineering": {"members": ["alice@example.com", "bob@example.com"],
                        "policies": [("allow", ("admin_readonly",), ("account",))]},
        "Engineering SRE": {"members": ["bob@example.com"], "policies": [("allow", ("domain_dns",), ("example.com",))]},
        SCIM_GROUP: {"members": ["trent@example.com", "victor@example.com"],  # pushed by SCIM: untouched
                     "policies": [("allow", ("analytics",), ("account",))]}})
    staging = dict(shared)
    staging["Engineering"] = {"members": ["alice@example.com", "bob@example.com", "carol@example.com"],
                              "policies": [("allow", ("admin",), ("account",))]}
    return {account_id(0): production, account_id(1): staging, account_id(2): dict(shared), account_id(3): {}}


def state_of(emulator, count=4):
    """{account id: account_groups} of the first ``count`` example accounts."""
    return dict((account_id(k), account_groups(emulator, account_id(k))) for k in range(count))


class AnsibleRun(object):
    def __init__(self, rc, stdout, stderr, records):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self):
        """{host: {"ok": n, "changed": n, "unreachable": n, "failed": n, ...}} from the PLAY RECAP."""
        out = {}
        for host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", self.stdout, re.M):
            out[host] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", counts))
        return out

    def changed_hosts(self):
        return sorted(h for h, c in self.recap().items() if c.get("changed"))

    def failed(self):
        return [r for r in self.records if r["status"] == "failed"]

    def __repr__(self):
        return "AnsibleRun(rc=%s)\n%s" % (self.rc, self.output[-5000:])


def run_ansible(emulator, args, cwd, result_file=None, env=None, timeout=900, tool="ansible-playbook"):
    """Run ``tool`` with ``args`` in ``cwd`` against the emulator; a failing inventory source is fatal."""
    run_env = ansible_env(emulator, env)
    run_env.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
    if result_file:
        run_env["CFIAM_RESULT_FILE"] = result_file
    proc = subprocess.run([ansible_bin(tool)] + list(args), env=run_env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout, check=False)
    records = []
    if result_file and os.path.exists(result_file):
        with open(result_file) as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        os.remove(result_file)
    return AnsibleRun(proc.returncode, proc.stdout, proc.stderr, records)


def inventory_list(emulator, inventory, cwd, env=None):
    """``ansible-inventory -i inventory --list``: (AnsibleRun, parsed JSON or None)."""
    run = run_ansible(emulator, ["-i", inventory, "--list"], cwd, env=env, tool="ansible-inventory")
    data = json.loads(run.stdout) if run.rc == 0 else None
    return run, data


def hostvars(data):
    """{host: {var: plain value}} of ``ansible-inventory --list`` output (unsafe markers of 2.19 unwrapped)."""
    def plain(value):
        if isinstance(value, dict):
            if set(value) == {"__ansible_unsafe"}:
                return value["__ansible_unsafe"]
            return dict((k, plain(v)) for k, v in value.items())
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return plain(data["_meta"]["hostvars"])


# --------------------------------------------------------------------------- generated accounts
def clean(nodes):
    """generated declarations carry helper keys; keep the role's keys only."""
    return [{"name": n["name"], "members": list(n["members"]), "policies": [dict(p) for p in n["policies"]],
             "children": clean(n["children"])} for n in nodes]


def expected_groups(nodes, out=None):
    """{name: {"members": sorted emails (rolled up), "policies": sorted (access, labels, zones)}} of a declaration."""
    out = {} if out is None else out
    for node in nodes:
        expected_groups(node.get("children") or [], out)
        members = set(node.get("members") or [])
        for child in node.get("children") or []:
            members.update(out[child["name"]]["members"])
        out[node["name"]] = {
            "members": sorted(members),
            "policies": sorted((p.get("access", "allow"), tuple(sorted(p["permission_groups"])),
                                tuple(sorted(p.get("zones") or ["account"]))) for p in node.get("policies") or [])}
    return out


def generated_accounts_dir(path, n_accounts, **sizes):
    """The example's site.yml and ansible.cfg over ``n_accounts`` generated accounts declared in
    group_vars/account_<id>.yml (the example's keyed group).

    Returns (the emulator state: ``builders.multi_account_state`` with ``sizes``, without groups;
    {account id: expected groups}).
    """
    import shutil  # pylint: disable=import-outside-toplevel
    import yaml  # pylint: disable=import-outside-toplevel

    os.makedirs(os.path.join(path, "group_vars"))
    for name in ("site.yml", "ansible.cfg"):
        shutil.copy(os.path.join(EXAMPLE_DIR, name), path)
    with open(os.path.join(path, "accounts.cloudflare_accounts.yml"), "w") as handle:
        yaml.safe_dump({"plugin": "cfiam.user_groups.accounts", "keyed_groups": [
            {"key": "cloudflare_account_id", "prefix": "account", "parent_group": "cloudflare_accounts"}]}, handle)
    with open(os.path.join(path, "group_vars", "cloudflare_accounts.yml"), "w") as handle:
        yaml.safe_dump({"shared_user_groups": [], "user_groups_purge": False}, handle)
    state = builders.multi_account_state(n_accounts=n_accounts, with_groups=False, **sizes)
    expected = {}
    for k, section in enumerate(state["accounts"]):
        declaration = clean(builders.multi_account_declaration(k, **sizes))
        with open(os.path.join(path, "group_vars", "account_%s.yml" % section["account"]["id"]), "w") as handle:
            yaml.safe_dump({"account_user_groups_for": section["account"]["id"], "account_user_groups": declaration},
                           handle)
        expected[section["account"]["id"]] = expected_groups(declaration)
    return state, expected


def peak(log, window):
    """The most requests that arrived within any ``window`` seconds (the emulator log's ``at``)."""
    times = sorted(e["at"] for e in log)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
