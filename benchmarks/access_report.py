#!/usr/bin/env python
"""Benchmark: the access review (cf_access_info and playbooks/access_report.yml) on a large account; prints tables.

    .venv/bin/python benchmarks/access_report.py                       # 1,000 members, 100 groups, 50 ms, best of 3
    .venv/bin/python benchmarks/access_report.py --quick               # 200 members, 20 groups, 10 ms, once
    .venv/bin/python benchmarks/access_report.py --members 5000 --groups 500 --repeat 1
    .venv/bin/python benchmarks/access_report.py --help

Scenario: ``builders.generated_state`` (a 3-level hierarchy, 10 members and 2 policies per group, one account-wide,
one on 1-3 of 10 zones) plus a direct policy on every 25th member; the emulator delays every API request by
--latency-ms and lists each member's policies with the inherited ones (as Cloudflare's guide documents). The
client keeps its default rate budget (1,100 requests per 300 s, 100 per second, a fresh store per run).

Rows: (1) the module's logic in this Python process, without Ansible (the floor); (2) a playbook with the module
alone; (3) playbooks/access_report.yml (the module and the four files); (4) rendering the four files from the result
in this process; the start-up of an empty play for reference. Figures: wall time (best of --repeat), API requests by
listing (from the emulator's log), file sizes. Targets (the issue's): the report well under 10 s and fewer than 140
requests for 1,000 members and 100 groups at 50 ms.
"""
from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
COLLECTIONS = os.path.join(REPO, ".build", "collections")
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
sys.path.insert(0, COLLECTIONS)

import access_state  # noqa: E402
import builders  # noqa: E402
from pytest_plugin import EmulatorClient, EmulatorProcess  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_REQUESTS = 140
KINDS = (("group members", r"/iam/user_groups/[0-9a-f]{32}/members$"), ("account members", r"/accounts/\w+/members$"),
         ("user groups", r"/iam/user_groups$"), ("resource groups", r"/iam/resource_groups$"),
         ("permission groups", r"/iam/permission_groups$"), ("zones", r"/zones$"), ("accounts", r"/accounts$"))


def ensure_collection_link():
    target = os.path.join(COLLECTIONS, "ansible_collections", "cfiam", "user_groups")
    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(REPO, target)


def scenario(args):
    state = builders.generated_state(n_groups=args.groups, n_members=args.members, seed=0)
    for n, member in enumerate(state["members"]):
        if n % 25 == 0:
            access_state.add_policy(state, member["email"], ["analytics"])
    return state


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def by_kind(log):
    counts = dict((kind, 0) for kind, _pattern in KINDS)
    counts["other"] = 0
    for entry in log:
        for kind, pattern in KINDS:
            if re.search(pattern, entry["path"]):
                counts[kind] += 1
                break
        else:
            counts["other"] += 1
    counts["writes"] = len([e for e in log if e["method"] != "GET"])
    counts["total"] = len(log)
    return counts


class Bench(object):
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.proc = EmulatorProcess(["--latency-ms", str(args.latency_ms)])
        self.emu = EmulatorClient(self.proc.base_url)
        self.emu.set_state(scenario(args))
        self.playbook_bin = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

    def stop(self):
        self.proc.stop()

    def env(self):
        env = dict(os.environ)
        env.update(self.emu.env())
        env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                    "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_DEPRECATION_WARNINGS": "False", "PYTHONWARNINGS": "ignore",
                    "CLOUDFLARE_RATE_LIMIT_DIR": tempfile.mkdtemp(dir=self.workdir)})
        return env

    def best(self, func):
        """(best wall seconds, requests by kind of that run, what func returned, CPU seconds of that run).

        CPU: this process and the processes it waited for (ansible-playbook, its workers and module processes), not
        the emulator's. Unlike the wall time it hardly depends on what else the machine runs.
        """
        found = None
        for _n in range(self.args.repeat):
            self.emu.clear_requests()
            cpu = cpu_seconds()
            start = time.monotonic()
            value = func()
            wall = time.monotonic() - start
            if found is None or wall < found[0]:
                found = (wall, by_kind(self.emu.requests()), value, cpu_seconds() - cpu)
        return found

    def playbook(self, path, extra=()):
        def run():
            proc = subprocess.run([self.playbook_bin, "-i", "localhost,", path] + list(extra), env=self.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                  check=False)
            if proc.returncode != 0:
                raise SystemExit("playbook %s failed:\n%s" % (path, proc.stdout[-3000:]))
        return self.best(run)

    def in_process(self):
        """The module's run_task in this process (no Ansible): the floor."""
        ensure_collection_link()
        from ansible_collections.cfiam.user_groups.plugins.action.cf_access_info import ActionModule
        from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import cloudflare_argument_spec
        from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun

        def run():
            params = dict((name, option.get("default")) for name, option in cloudflare_argument_spec().items())
            params.update(api_token=self.emu.token, account_id=self.emu.account_id, base_url=self.emu.base_url,
                          account_name=None, rate_limit_dir=tempfile.mkdtemp(dir=self.workdir))
            action = ActionModule.__new__(ActionModule)
            result = TaskRun("cf_access_info", params, scope=object()).run(action.run_task)
            if result.get("failed"):
                raise SystemExit(result["msg"])
            return result
        return self.best(run)


def render(result, repeat):
    from ansible_collections.cfiam.user_groups.plugins.plugin_utils import access_report as r
    sizes, best = {}, None
    for _n in range(repeat):
        start = time.monotonic()
        texts = r.files(result)
        wall = time.monotonic() - start
        best = wall if best is None else min(best, wall)
        sizes = dict((k, len(v.encode("utf-8"))) for k, v in texts.items())
    return best, sizes


def write_plays(workdir):
    empty = os.path.join(workdir, "empty.yml")
    module = os.path.join(workdir, "module.yml")
    play = {"hosts": "localhost", "connection": "local", "gather_facts": False}
    with open(empty, "w") as handle:
        json.dump([dict(play, tasks=[])], handle)
    with open(module, "w") as handle:
        json.dump([dict(play, tasks=[{"cfiam.user_groups.cf_access_info": {}, "register": "access"}])], handle)
    return empty, module


def row(label, measured):
    wall, kinds, _value, cpu = measured
    return "| %s | %.2f | %.2f | %d | %s |" % (label, wall, cpu, kinds["total"], ", ".join(
        "%s %d" % (k, v) for k, v in kinds.items() if v and k not in ("total",)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 members, 20 groups, 10 ms, once")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.groups, args.latency_ms, args.repeat = 200, 20, 10, 1
    workdir = tempfile.mkdtemp(prefix="cfiam-access-bench-")
    load_before = os.getloadavg()[0]
    bench = Bench(args, workdir)
    try:
        empty, module = write_plays(workdir)
        out = os.path.join(workdir, "report")
        floor = bench.in_process()
        startup = bench.playbook(empty)
        alone = bench.playbook(module)
        full = bench.playbook(os.path.join(REPO, "playbooks", "access_report.yml"), ["-e", "access_report_dir=" + out])
        render_wall, sizes = render(floor[2], args.repeat)
    finally:
        bench.stop()
    result = floor[2]
    print("Access review benchmark: %d members, %d groups, %d ms per request; best of %d; Python %s, %d cores" % (
        args.members, args.groups, args.latency_ms, args.repeat, platform.python_version(), os.cpu_count() or 0))
    print("Account: %d members, %d groups, %d grants, %d findings; policy ids repeated on members: %s\n" % (
        result["summary"]["members"], result["summary"]["groups"], result["summary"]["grants"],
        len(result["findings"]), result["summary"]["policy_ids_repeated"]))
    print("Load average (1 min) on this %d-core machine: %.1f before, %.1f after\n" % (
        os.cpu_count() or 0, load_before, os.getloadavg()[0]))
    print("| run | wall s | CPU s | requests | by listing |")
    print("|---|---|---|---|---|")
    print(row("(1) cf_access_info logic in one process (floor)", floor))
    print(row("(2) playbook: cf_access_info alone", alone))
    print(row("(3) playbooks/access_report.yml (module + 4 files)", full))
    print(row("start-up: an empty play", startup))
    print("| (4) rendering the 4 files in one process | %.2f | %.2f | 0 | json %d B, csv %d B, md %d B, html %d B |" % (
        render_wall, render_wall, sizes["json"], sizes["csv"], sizes["md"], sizes["html"]))
    if (args.members, args.groups, args.latency_ms) == (1000, 100, 50):
        checks = [(alone[0] < TARGET_SECONDS, "the review (module task) %.2f s < %.0f s" % (alone[0], TARGET_SECONDS)),
                  (full[0] < TARGET_SECONDS, "the review and its 4 files %.2f s < %.0f s" % (full[0], TARGET_SECONDS)),
                  (full[1]["total"] < TARGET_REQUESTS, "requests %d < %d" % (full[1]["total"], TARGET_REQUESTS)),
                  (full[1]["writes"] == 0, "no write"),
                  (full[1]["group members"] == args.groups, "each group's members read once")]
        for ok, text in checks:
            print("%s  %s" % ("PASS" if ok else "FAIL", text))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
