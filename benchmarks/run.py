#!/usr/bin/env python
"""Benchmark of the user_groups role against the Cloudflare API emulator; prints tables.

    .venv/bin/python benchmarks/run.py --groups 100 --latency-ms 50      # the issue's scenario
    .venv/bin/python benchmarks/run.py --quick                           # 20 groups, 10 ms, scaling 10/20

Scenario: an account with --members members and a --groups group, 3-level hierarchy
(10 members and 2 policies per declared group; members roll up to the ancestors), every API request
delayed by --latency-ms. Measured, each on a freshly loaded account:

  (a) role, first run          (account without groups)
  (b) role, no-change run      (right after (a))
  (c) role, check-mode run     (account without groups: predicts everything)
  (d) uri baseline, first run  (generated playbook, one ansible.builtin.uri call per API call)
  (d') uri baseline, re-run    (the same playbook again: it has no idempotency, so it re-sends every write)
  (d'') uri baseline, read-only verification (the reads a uri playbook needs to check 100 groups)
  (e) lower bound, first run and no-change run: one Python process using plugins/module_utils directly

Figures: wall time, API requests by method (the emulator's request log), and Python processes spawned.
Processes are counted exactly: ANSIBLE_PYTHON_INTERPRETER points at a wrapper script that appends a line
to a counter file and execs the real interpreter, so every module execution (one per task or loop item)
is one line; the ansible-playbook controller itself is one more process (shown as "+1").
Then the growth of the role's no-change and check-mode runs with 10, 100 and 500 groups.
"""
from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
sys.path.insert(0, HERE)
COLLECTIONS = os.path.join(REPO, ".build", "collections")
sys.path.insert(0, COLLECTIONS)

from builders import generated_declaration, generated_state  # noqa: E402
from pytest_plugin import EmulatorClient, EmulatorProcess  # noqa: E402
import uri_baseline  # noqa: E402
import lower_bound  # noqa: E402

ROLE = "cfiam.user_groups.user_groups"


def ensure_collection_link():
    target = os.path.join(COLLECTIONS, "ansible_collections", "cfiam", "user_groups")
    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(REPO, target)


def clean(nodes):
    return [{"name": n["name"], "members": list(n["members"]), "policies": n["policies"],
             "children": clean(n["children"])} for n in nodes]


def flat_generated(nodes, out=None):
    """The generated state's own groups (no roll-up), as a flat declaration."""
    out = [] if out is None else out
    for n in nodes:
        out.append({"name": n["name"], "members": list(n["members"]), "policies": n["policies"]})
        flat_generated(n["children"], out)
    return out


class Bench(object):
    def __init__(self, latency_ms, workdir, verbose=False):
        self.latency_ms = latency_ms
        self.workdir = workdir
        self.verbose = verbose
        self.proc = EmulatorProcess(["--latency-ms", str(latency_ms)])
        self.emu = EmulatorClient(self.proc.base_url)
        self.counter = os.path.join(workdir, "python-processes.txt")
        self.wrapper = os.path.join(workdir, "python-wrapper.sh")
        with open(self.wrapper, "w") as fh:
            fh.write('#!/bin/sh\necho "$$" >> "%s"\nexec "%s" "$@"\n' % (self.counter, sys.executable))
        os.chmod(self.wrapper, 0o755)
        self.n = 0

    def stop(self):
        self.proc.stop()

    def load(self, state):
        self.emu.set_state(state)
        self.emu.config(latency_ms=self.latency_ms)
        self.emu.clear_requests()

    def _env(self):
        env = dict(os.environ)
        env.update(self.emu.env())
        env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_PYTHON_INTERPRETER": self.wrapper,
                    "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "False",
                    "ANSIBLE_DEPRECATION_WARNINGS": "False", "PYTHONWARNINGS": "ignore",
                    # the emulator has no rate limit: the client's shared budget (1,100 per 300 s, 100 per
                    # second) would measure the limiter, not the collection
                    "CLOUDFLARE_RATE_LIMIT": "0", "CLOUDFLARE_RATE_LIMIT_PER_SECOND": "0"})
        return env

    def _measure(self, label, func, repeat=1):
        """Best of ``repeat`` runs (only for runs that leave the account as they found it)."""
        rows = [self._measure_once(label, func) for _i in range(max(1, repeat))]
        best = min(rows, key=lambda r: r["wall"])
        if repeat > 1:
            best["runs"] = [round(r["wall"], 2) for r in rows]
        return best

    def _measure_once(self, label, func):
        if os.path.exists(self.counter):
            os.remove(self.counter)
        self.emu.clear_requests()
        start = time.monotonic()
        extra = func()
        wall = time.monotonic() - start
        log = self.emu.requests()
        methods = {}
        for entry in log:
            methods[entry["method"]] = methods.get(entry["method"], 0) + 1
        procs = 0
        if os.path.exists(self.counter):
            with open(self.counter) as fh:
                procs = len(fh.read().split())
        row = {"label": label, "wall": wall, "requests": len(log), "methods": methods,
               "writes": sum(v for k, v in methods.items() if k != "GET"), "processes": procs}
        row.update(extra or {})
        if self.verbose:
            print("  %-40s %7.1f s %5d requests %s, %d processes" % (label, wall, len(log), methods, procs),
                  file=sys.stderr)
        return row

    def playbook(self, label, path, check=False, repeat=1):
        def run():
            cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", path]
            if check:
                cmd.append("--check")
            proc = subprocess.run(cmd, env=self._env(), cwd=self.workdir, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True, check=False)
            if proc.returncode != 0:
                raise SystemExit("%s failed:\n%s" % (label, proc.stdout[-5000:]))
            return {"controller": 1}
        return self._measure(label, run, repeat)

    def role_playbook(self, name, declaration):
        self.n += 1
        path = os.path.join(self.workdir, "%s.yml" % name)
        with open(path, "w") as fh:
            json.dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                        "vars": {"user_groups": declaration},
                        "tasks": [{"ansible.builtin.include_role": {"name": ROLE}}]}], fh)
        return path

    def script(self, label, func, repeat=1):
        return self._measure(label, lambda: dict(func(self.emu) or {}, processes_script=1), repeat)


# --------------------------------------------------------------------------- formatting
def fmt_methods(methods):
    return " ".join("%s %d" % (m, methods[m]) for m in ("GET", "POST", "PUT", "DELETE") if m in methods) or "-"


def print_table(rows, title):
    print()
    print(title)
    head = "| %-52s | %8s | %8s | %-28s | %9s |" % ("run", "wall (s)", "requests", "by method", "processes")
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    for r in rows:
        procs = r.get("processes_script") and "1 (script)" or ("%d + 1" % r["processes"])
        print("| %-52s | %8.1f | %8d | %-28s | %9s |" % (
            r["label"], r["wall"], r["requests"], fmt_methods(r["methods"]), procs))


def ratio(a, b):
    return a / b if b else float("inf")


# --------------------------------------------------------------------------- scenarios
def main_scenario(bench, args):
    gen = dict(n_groups=args.groups, n_members=args.members, depth=3, members_per_group=10, policies_per_group=2)
    empty = generated_state(with_groups=False, **gen)
    declaration = clean(generated_declaration(**gen))
    role_pb = bench.role_playbook("role", declaration)
    rows = {}

    bench.load(empty)
    rows["c"] = bench.playbook("(c) role, check mode (empty account)", role_pb, check=True, repeat=args.repeat)
    bench.load(empty)
    rows["a"] = bench.playbook("(a) role, first run", role_pb)
    converged = bench.emu.state()
    rows["b"] = bench.playbook("(b) role, no-change run", role_pb, repeat=args.repeat)

    flat = uri_baseline.rolled_up(declaration)
    uri_first = uri_baseline.write_playbook(os.path.join(bench.workdir, "uri_first.yml"), flat, empty, mode="apply")
    uri_read = uri_baseline.write_playbook(os.path.join(bench.workdir, "uri_read.yml"), flat, empty, mode="verify")
    bench.load(empty)
    rows["d"] = bench.playbook("(d) uri baseline, first run", uri_first)
    ok = uri_baseline.same_groups(bench.emu.state(), converged)
    rows["d"]["label"] += "" if ok else " (STATE DIFFERS!)"
    rows["d2"] = bench.playbook("(d') uri baseline, re-run (re-sends writes)", uri_first)
    bench.load(converged)
    rows["d3"] = bench.playbook("(d'') uri baseline, read-only verification", uri_read, repeat=args.repeat)

    bench.load(empty)
    rows["e"] = bench.script("(e) lower bound (module_utils), first run",
                             lambda emu: lower_bound.run(emu, declaration))
    ok = uri_baseline.same_groups(bench.emu.state(), converged)
    rows["e"]["label"] += "" if ok else " (STATE DIFFERS!)"
    rows["e2"] = bench.script("(e) lower bound (module_utils), no-change run",
                              lambda emu: lower_bound.run(emu, declaration), repeat=args.repeat)
    return rows


def scaling(bench, sizes, repeat=1, members_per_group=10):
    out = []
    for n in sizes:
        gen = dict(n_groups=n, n_members=max(100, 10 * n), depth=3, members_per_group=members_per_group,
                   policies_per_group=2)
        state = generated_state(**gen)
        pb_declaration = flat_generated(generated_declaration(**gen))
        pb = bench.role_playbook("scale%d" % n, pb_declaration)
        bench.load(state)
        nochange = bench.playbook("no-change %d groups" % n, pb, repeat=repeat)
        lower = bench.script("lower bound no-change %d groups" % n,
                             lambda emu: lower_bound.run(emu, pb_declaration), repeat=repeat)
        bench.load(generated_state(with_groups=False, **gen))
        check = bench.playbook("check mode %d groups (empty account)" % n, pb, check=True, repeat=repeat)
        out.append((n, gen["n_members"], nochange, check, lower))
    return out


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    core = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible"), "--version"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=False).stdout.splitlines()[0]
    return "nproc %d, %s, Python %s, %s, %s" % (
        os.cpu_count(), cpu, platform.python_version(), core, platform.platform())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--scaling", default="10,100,500", help="group counts for the growth table ('' to skip)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the runs that change nothing")
    ap.add_argument("--quick", action="store_true", help="20 groups, 200 members, 10 ms, scaling 10,20, best of 1")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (playbooks, counters)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.groups, args.members, args.latency_ms, args.scaling, args.repeat = 20, 200, 10, "10,20", 1
    ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="cfiam-bench-")
    bench = Bench(args.latency_ms, workdir, verbose=args.verbose)
    try:
        print("Machine: %s" % machine())
        print("Scenario: %d groups (3 levels), %d members, 10 members and 2 policies per group, %d ms latency"
              % (args.groups, args.members, args.latency_ms))
        rows = main_scenario(bench, args)
        print_table([rows[k] for k in ("a", "b", "c", "d", "d2", "d3", "e", "e2")],
                    "Main scenario (processes: module processes + the ansible-playbook controller)")
        print()
        print("Ratios (wall time)")

        def cmp(name, mine, other):
            r = ratio(other["wall"], mine["wall"])
            word = "faster" if r >= 1 else "slower"
            print("- %s: role %.1fx %s (%.1f s vs %.1f s)" % (name, r if r >= 1 else 1 / r, word, mine["wall"],
                                                              other["wall"]))

        cmp("no-change run vs uri re-run", rows["b"], rows["d2"])
        cmp("no-change run vs uri read-only verification", rows["b"], rows["d3"])
        cmp("first run vs uri first run", rows["a"], rows["d"])
        print("- no-change run vs lower bound: %.1fx the time (target <= 3x), %.2fx the requests"
              % (ratio(rows["b"]["wall"], rows["e2"]["wall"]), ratio(rows["b"]["requests"], rows["e2"]["requests"])))
        print("- first run vs lower bound: %.1fx the time" % ratio(rows["a"]["wall"], rows["e"]["wall"]))
        print("- role no-change run: %d requests (target <= 130, stretch <= 105), %d writes (target 0)"
              % (rows["b"]["requests"], rows["b"]["writes"]))
        sizes = [int(s) for s in args.scaling.split(",") if s.strip()]
        if sizes:
            grown = scaling(bench, sizes, repeat=args.repeat)
            print()
            print("Growth (role; generated account with the groups already in place for no-change, "
                  "empty for check mode; members = max(100, 10 x groups))")
            print("| %6s | %7s | %-26s | %-22s | %-26s | %-26s |" % (
                "groups", "members", "no-change: requests / wall", "per group", "check mode: requests / wall",
                "lower bound no-change"))
            print("|--------|---------|----------------------------|------------------------|"
                  "----------------------------|----------------------------|")
            for n, m, nc, ck, lb in grown:
                print("| %6d | %7d | %-26s | %-22s | %-26s | %-26s |" % (
                    n, m, "%d GET / %.1f s" % (nc["requests"], nc["wall"]),
                    "%.2f req / %.3f s" % (nc["requests"] / n, nc["wall"] / n),
                    "%d GET / %.1f s" % (ck["requests"], ck["wall"]),
                    "%d GET / %.1f s" % (lb["requests"], lb["wall"])))
    finally:
        bench.stop()
        if args.keep:
            print("work directory: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
