#!/usr/bin/env python
"""Benchmark of the user_groups role against the Cloudflare API emulator, before and after; prints tables.

    .venv/bin/python benchmarks/run.py --groups 100 --latency-ms 50      # the issue's scenario
    .venv/bin/python benchmarks/run.py --quick                           # 10 groups, 10 ms, growth 10/20/30
    .venv/bin/python benchmarks/run.py --no-before                       # the current collection only

Two columns: "before" is the collection as it was at --before REF (default 0af01f4, the last commit that ran
its modules as processes), extracted with ``git archive`` into a temporary ansible_collections tree with its
own ANSIBLE_COLLECTIONS_PATH; "after" is this checkout (its modules run in the controller as action plugins).

Scenario: an account with --members members and a --groups group, 3-level hierarchy (10 members and
2 policies per declared group; members roll up to the ancestors), every API request delayed by
--latency-ms. Each run starts from a freshly loaded account:

  ansible-playbook start-up   an empty play (what every run pays before the first task)
  20 module tasks vs 20 debug 10 cf_zone_info + 10 cf_user_group_info tasks vs 20 ansible.builtin.debug tasks
  (a) role, first run         account without groups
  (b) role, no-change run     right after (a)
  (c) role, check mode        account without groups: predicts every create
  (d) uri baseline            generated playbook, one ansible.builtin.uri call per API call (the same for both
                              columns); (d') re-run and (d'') read-only verification with --uri-variants
  (e) the floor               benchmarks/lower_bound.py: the current collection's own code in one process,
                              no Ansible (first run: sequential writes; no-change: 8 connections)

Figures: wall time, API requests by method (the emulator's request log), Python processes. Processes are
counted exactly: ANSIBLE_PYTHON_INTERPRETER points at a wrapper script that appends a line to a counter
file and execs the real interpreter, so every module process (one per task or loop item "before") is one
line; the ansible-playbook controller is one more ("+ 1"); its forked workers are not counted.
Then the growth (10 -> 100 -> 500 groups, first and no-change runs) and the issue's targets as PASS/FAIL.
"""
from __future__ import absolute_import, division, print_function

import argparse
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
sys.path.insert(0, HERE)
COLLECTIONS = os.path.join(REPO, ".build", "collections")
sys.path.insert(0, COLLECTIONS)

from builders import generated_declaration, generated_group_names, generated_state  # noqa: E402
from pytest_plugin import EmulatorClient, EmulatorProcess, ensure_collection_link  # noqa: E402
import uri_baseline  # noqa: E402

ROLE = "cfiam.user_groups.user_groups"
DEFAULT_BEFORE = "0af01f4"
STARTUP_GUESS = 1.1  # only used when the start-up row was not measured


def lower_bound_module():
    """benchmarks/lower_bound.py, imported once the collection link exists (it imports the collection)."""
    ensure_collection_link()
    import lower_bound  # pylint: disable=import-outside-toplevel
    return lower_bound


def extract_collection(ref, dest):
    """``git archive REF`` as ``DEST/ansible_collections/cfiam/user_groups``; returns (collections path, commit)."""
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", ref + "^{commit}"], stdout=subprocess.PIPE,
                            universal_newlines=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", REPO, "archive", "--format=tar", commit], stdout=subprocess.PIPE,
                             check=True).stdout
    target = os.path.join(dest, "ansible_collections", "cfiam", "user_groups")
    os.makedirs(target)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.name.startswith("/") or ".." in member.name.split("/"):
                raise SystemExit("unexpected path in git archive: %s" % member.name)
        tar.extractall(target)  # nosec: our own repository's archive, paths checked above
    return dest, commit


class Side(object):
    """One column: a collection tree (its own ANSIBLE_COLLECTIONS_PATH)."""

    def __init__(self, key, title, collections_path):
        self.key = key
        self.title = title
        self.path = collections_path


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
        self.ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

    def stop(self):
        self.proc.stop()

    def load(self, state):
        self.emu.set_state(state)
        self.emu.config(latency_ms=self.latency_ms)
        self.emu.clear_requests()

    def _env(self, side):
        env = dict(os.environ)
        env.update(self.emu.env())
        env.update({"ANSIBLE_COLLECTIONS_PATH": side.path, "ANSIBLE_PYTHON_INTERPRETER": self.wrapper,
                    "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "False",
                    "ANSIBLE_DEPRECATION_WARNINGS": "False", "PYTHONWARNINGS": "ignore",
                    # the emulator has no rate limit: the client's shared budget (1,100 per 300 s, 100 per
                    # second) would measure the limiter, not the collection
                    "CLOUDFLARE_RATE_LIMIT": "0", "CLOUDFLARE_RATE_LIMIT_PER_SECOND": "0"})
        return env

    def measure(self, label, func, repeat=1, setup=None, baseline=None):
        """Best of ``repeat`` runs; ``setup()`` (not timed) runs before each, e.g. to reload the account.

        ``baseline()`` (a measured run, e.g. the empty play) runs right before each repetition: the row's
        ``excess`` is the smallest difference of a run and its own baseline, which a change of the machine's load
        between the two measurements disturbs much less than the difference of two separate bests."""
        rows = []
        for _i in range(max(1, repeat)):
            if setup is not None:
                setup()
            base = baseline() if baseline is not None else None
            rows.append(self._measure_once(label, func))
            if base is not None:
                rows[-1]["baseline"] = base
        best = min(rows, key=lambda r: r["wall"])
        best["runs"] = [r["wall"] for r in rows]
        best["cpu_runs"] = [r["cpu"] for r in rows]
        best["cpu"] = min(best["cpu_runs"])  # the least disturbed run's CPU (not necessarily the fastest's)
        if baseline is not None:
            pairs = [(r["wall"] - r["baseline"]["wall"], r) for r in rows]
            best["excess"], closest = min(pairs, key=lambda p: p[0])
            best["excess_pair"] = (closest["wall"], closest["baseline"]["wall"])
            best["excess_emulator_cpu"] = closest["emulator_cpu"]
            best["excess_runs"] = [p[0] for p in pairs]
        return best

    def emulator_cpu(self):
        """The emulator's CPU seconds so far (user + system, from /proc; 0 where there is no /proc)."""
        try:
            with open("/proc/%d/stat" % self.proc.proc.pid) as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
        except (OSError, ValueError, IndexError):
            return 0.0

    def _measure_once(self, label, func):
        if os.path.exists(self.counter):
            os.remove(self.counter)
        self.emu.clear_requests()
        emu_cpu = self.emulator_cpu()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = time.process_time()
        start = time.monotonic()
        extra = func()
        wall = time.monotonic() - start
        own = time.process_time() - own
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU of the run: ansible-playbook and everything it waited for (workers, module processes), or the
        # script's own process; the emulator's is separate (it is the same for every way of doing the work).
        cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        if extra and extra.get("script"):
            cpu = own
        emu_cpu = self.emulator_cpu() - emu_cpu
        log = self.emu.requests()
        methods = {}
        for entry in log:
            methods[entry["method"]] = methods.get(entry["method"], 0) + 1
        procs = 0
        if os.path.exists(self.counter):
            with open(self.counter) as fh:
                procs = len(fh.read().split())
        row = {"label": label, "wall": wall, "cpu": cpu, "emulator_cpu": emu_cpu, "requests": len(log),
               "methods": methods,
               "writes": sum(v for k, v in methods.items() if k != "GET"), "processes": procs,
               "creates": len([e for e in log if e["method"] == "POST" and e["path"].endswith("/iam/user_groups")])}
        row.update(extra or {})
        if self.verbose:
            print("  %-52s %7.2f s (cpu %5.2f s, emulator %5.2f s) %5d requests %-24s %d processes" % (
                label, wall, cpu, emu_cpu, len(log), fmt_methods(methods), procs), file=sys.stderr)
        return row

    def playbook(self, side, label, path, check=False, repeat=1, setup=None, baseline=None):
        """Run ``path`` with the ``side``'s collection; ``baseline``: a playbook to run (and time) before each run."""
        def run():
            cmd = [self.ansible_playbook, "-i", "localhost,", path]
            if check:
                cmd.append("--check")
            proc = subprocess.run(cmd, env=self._env(side), cwd=self.workdir, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True, check=False)
            if proc.returncode != 0:
                raise SystemExit("%s (%s) failed:\n%s" % (label, side.title, proc.stdout[-5000:]))
            return {}
        paired = None
        if baseline is not None:
            def paired():
                return self._measure_once("baseline %s" % os.path.basename(baseline), lambda: self._run_quiet(
                    side, baseline))
        return self.measure("%s [%s]" % (label, side.key), run, repeat, setup, paired)

    def _run_quiet(self, side, path):
        proc = subprocess.run([self.ansible_playbook, "-i", "localhost,", path], env=self._env(side), cwd=self.workdir,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise SystemExit("%s failed:\n%s" % (path, proc.stdout[-5000:]))
        return {}

    def script(self, label, func, repeat=1, setup=None):
        return self.measure(label, lambda: dict(func(self.emu) or {}, script=True), repeat, setup)

    def write(self, name, plays):
        path = os.path.join(self.workdir, "%s.yml" % name)
        with open(path, "w") as fh:
            json.dump(plays, fh, indent=1)
        return path

    def role_playbook(self, name, declaration):
        return self.write(name, [{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                  "vars": {"user_groups": declaration},
                                  "tasks": [{"ansible.builtin.include_role": {"name": ROLE}}]}])

    def tasks_playbook(self, name, tasks):
        return self.write(name, [{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                  "tasks": tasks}])


# --------------------------------------------------------------------------- formatting
def fmt_methods(methods):
    return " ".join("%s %d" % (m, methods[m]) for m in ("GET", "POST", "PUT", "DELETE") if m in methods) or "-"


def ratio(a, b):
    return a / b if b else float("inf")


def fmt_procs(row):
    return "1 (script)" if row.get("script") else "%d + 1" % row["processes"]


def fmt_runs(row):
    runs = row.get("runs") or []
    return "" if len(runs) < 2 else " (best of %s)" % "/".join("%.1f" % w for w in runs)


def side_cells(row, floor=None):
    if row is None:
        return ["", "", "", "", "", ""]
    return ["%.1f" % row["wall"], "%.1f" % row["cpu"], "%.1fx" % ratio(row["wall"], floor["wall"]) if floor else "",
            "%d" % row["requests"], fmt_methods(row["methods"]), fmt_procs(row)]


def print_table(head, widths, rows, align):
    """A Markdown table; ``align`` has one letter per column: l(eft) or r(ight)."""
    def cells(values):
        return "| " + " | ".join(("%-*s" if a == "l" else "%*s") % (w, v) for v, w, a in zip(values, widths, align)) + " |"
    print(cells(head))
    print("|" + "|".join(("-" * (w + 1) + ":") if a == "r" else "-" * (w + 2) for w, a in zip(widths, align)) + "|")
    for row in rows:
        print(cells(row))


def print_side_by_side(results, sides, floors):
    """One line per run, the sides in columns: wall, x floor, requests, by method, processes."""
    order = [("startup", "ansible-playbook start-up (empty play)", None),
             ("debug20", "20 ansible.builtin.debug tasks", None),
             ("tasks20", "20 module tasks (cf_zone_info, cf_user_group_info)", None),
             ("first", "(a) role, first run", "first"),
             ("nochange", "(b) role, no-change run", "nochange"),
             ("check", "(c) role, check mode (empty account)", None)]
    head, widths, align = ["run"], [50], "l"
    for side in sides:
        head += ["%s: wall (s)" % side.key, "cpu (s)", "x floor", "requests", "by method", "processes"]
        widths += [len(side.key) + 11, 7, 7, 8, 25, 9]
        align += "rrrrlr"
    rows = []
    for key, title, floor in order:
        row = [title]
        for side in sides:
            row += side_cells(results[side.key].get(key), floors.get(floor))
        rows.append(row)
    print_table(head, widths, rows, align)


def print_common(rows):
    head = ["run", "wall (s)", "cpu (s)", "emulator cpu (s)", "requests", "by method", "processes"]
    widths = [50, 8, 7, 16, 8, 25, 10]
    print_table(head, widths, [[r["label"], "%.1f" % r["wall"], "%.1f" % r["cpu"], "%.1f" % r["emulator_cpu"],
                                "%d" % r["requests"], fmt_methods(r["methods"]), fmt_procs(r)] for r in rows],
                "lrrrrlr")


# --------------------------------------------------------------------------- scenarios
def scenario(n_groups, n_members):
    gen = dict(n_groups=n_groups, n_members=n_members, depth=3, members_per_group=10, policies_per_group=2)
    empty = generated_state(with_groups=False, **gen)
    declaration = [clean(n) for n in generated_declaration(**gen)]
    return gen, empty, declaration


def clean(node):
    return {"name": node["name"], "members": list(node["members"]), "policies": node["policies"],
            "children": [clean(c) for c in node["children"]]}


def module_tasks(n_groups, count=20):
    """``count`` read-only module tasks: cf_zone_info and cf_user_group_info by name, alternating."""
    names = generated_group_names(n_groups)
    tasks = []
    for i in range(count):
        if i % 2 == 0:
            tasks.append({"name": "zone %d" % i, "cfiam.user_groups.cf_zone_info": {
                "name": ["zone%03d.example.com" % (i // 2 % 10 + 1)]}})
        else:
            tasks.append({"name": "group %d" % i, "cfiam.user_groups.cf_user_group_info": {
                "name": names[i // 2 % len(names)]}})
    return tasks


def debug_tasks(count=20):
    return [{"name": "debug %d" % i, "ansible.builtin.debug": {"msg": "task %d" % i}} for i in range(count)]


def run_side(bench, side, args, reference, first_repeat):
    """The role rows of one column; ``reference`` is the converged state the first run must produce."""
    gen, empty, declaration = scenario(args.groups, args.members)
    role_pb = bench.role_playbook("role-%s" % side.key, declaration)
    rows = {}
    bench.load(reference)
    # Paired with their baselines (run right before each repetition): 20 debug tasks, the empty play.
    empty_play = os.path.join(bench.workdir, "empty.yml")
    rows["tasks20"] = bench.playbook(side, "20 module tasks", bench.tasks_playbook("tasks20", module_tasks(
        gen["n_groups"])), repeat=args.repeat, baseline=os.path.join(bench.workdir, "debug20.yml"))
    rows["check"] = bench.playbook(side, "(c) check mode, empty account", role_pb, check=True, repeat=args.repeat,
                                   setup=lambda: bench.load(empty), baseline=empty_play)
    rows["first"] = bench.playbook(side, "(a) first run", role_pb, repeat=first_repeat,
                                   setup=lambda: bench.load(empty))
    if not uri_baseline.same_groups(bench.emu.state(), reference):
        rows["first"]["label"] += " (STATE DIFFERS!)"
        print("!! %s: the first run's account differs from the lower bound's" % side.title, file=sys.stderr)
    rows["nochange"] = bench.playbook(side, "(b) no-change run", role_pb, repeat=args.repeat, baseline=empty_play)
    return rows


def run_common(bench, args, sides):
    """Start-up, 20 debug tasks, the floor (e) and the uri baseline (d): the same for both columns."""
    lower_bound = lower_bound_module()
    _gen, empty, declaration = scenario(args.groups, args.members)
    side = sides[-1]
    rows = {}
    rows["startup"] = bench.playbook(side, "ansible-playbook start-up (empty play)",
                                     bench.tasks_playbook("empty", []), repeat=args.repeat)
    rows["debug20"] = bench.playbook(side, "20 ansible.builtin.debug tasks",
                                     bench.tasks_playbook("debug20", debug_tasks()), repeat=args.repeat)
    rows["e"] = bench.script("(e) floor (lower_bound.py), first run", lambda emu: lower_bound.run(emu, declaration),
                             repeat=args.repeat, setup=lambda: bench.load(empty))
    rows["reference"] = bench.emu.state()
    rows["e2"] = bench.script("(e) floor (lower_bound.py), no-change run",
                              lambda emu: lower_bound.run(emu, declaration), repeat=args.repeat)
    flat = uri_baseline.rolled_up(declaration)
    uri_first = uri_baseline.write_playbook(os.path.join(bench.workdir, "uri_first.yml"), flat, empty, mode="apply")
    bench.load(empty)
    rows["d"] = bench.playbook(side, "(d) uri baseline, first run", uri_first)
    if not uri_baseline.same_groups(bench.emu.state(), rows["reference"]):
        rows["d"]["label"] += " (STATE DIFFERS!)"
    if args.uri_variants:
        rows["d2"] = bench.playbook(side, "(d') uri baseline, re-run (re-sends writes)", uri_first)
        uri_read = uri_baseline.write_playbook(os.path.join(bench.workdir, "uri_read.yml"), flat, empty,
                                               mode="verify")
        bench.load(rows["reference"])
        rows["d3"] = bench.playbook(side, "(d'') uri baseline, read-only verification", uri_read,
                                    repeat=args.repeat)
    for row in rows.values():
        if isinstance(row, dict) and "label" in row:
            row["label"] = row["label"].replace(" [%s]" % side.key, "")
    return rows


def growth(bench, side, sizes, args, main_rows):
    """First and no-change runs for each size; reuses the main scenario's rows for its own size."""
    out = {}
    for n in sizes:
        members = max(100, 10 * n)
        if n == args.groups and members == args.members and main_rows.get("first"):
            out[n] = (members, main_rows["first"], main_rows["nochange"])
            continue
        _gen, empty, declaration = scenario(n, members)
        pb = bench.role_playbook("growth%d-%s" % (n, side.key), declaration)
        first = bench.playbook(side, "growth %d groups, first run" % n, pb, setup=lambda e=empty: bench.load(e))
        nochange = bench.playbook(side, "growth %d groups, no-change run" % n, pb, repeat=args.repeat)
        out[n] = (members, first, nochange)
    return out


def marginal(grown, key):
    """Seconds and requests per added group between consecutive sizes: [(n0, n1, s/group, req/group)]."""
    sizes = sorted(grown)
    out = []
    for a, b in zip(sizes, sizes[1:]):
        ra, rb = grown[a][key], grown[b][key]
        out.append((a, b, (rb["wall"] - ra["wall"]) / (b - a), (rb["requests"] - ra["requests"]) / float(b - a)))
    return out


def print_growth(grown_by_side, sides, args):
    print()
    print("Growth (%d ms latency; members = max(100, 10 x groups); first run on the account without groups, "
          "no-change best of %d)" % (args.latency_ms, args.repeat))
    head, widths, align = ["groups", "members"], [6, 7], "rr"
    for side in sides:
        head += ["%s: first run" % side.key, "per group", "%s: no-change" % side.key, "per group"]
        widths += [len(side.key) + 43, 20, len(side.key) + 14, 20]
        align += "rrrr"
    rows = []
    sizes = sorted(set(n for g in grown_by_side.values() for n in g))
    for n in sizes:
        row = ["%d" % n, ""]
        for side in sides:
            grown = grown_by_side.get(side.key, {})
            if n not in grown:
                row += ["not run", "", "", ""]
                continue
            members, first, nochange = grown[n]
            row[1] = "%d" % members
            row += ["%s / %.1f s (cpu %.1f) / %s" % (fmt_methods(first["methods"]), first["wall"], first["cpu"],
                                                     fmt_procs(first)),
                    "%.2f req / %.3f s" % (first["requests"] / float(n), first["wall"] / n),
                    "%s / %.1f s" % (fmt_methods(nochange["methods"]), nochange["wall"]),
                    "%.2f req / %.3f s" % (nochange["requests"] / float(n), nochange["wall"] / n)]
        rows.append(row)
    print_table(head, widths, rows, align)
    before_sizes = sorted(grown_by_side.get("before", {}))
    if "before" in grown_by_side and len(before_sizes) < len(sizes):
        print("(before: sizes above %d groups are not run: one module process per written group makes a "
              "500-group first run take about 10 minutes; --before-max-groups to change)" % args.before_max_groups)


# --------------------------------------------------------------------------- targets
class Targets(object):
    def __init__(self):
        self.lines = []

    def check(self, ok, text, before=None):
        self.lines.append("%s  %s%s" % ("PASS" if ok else "FAIL", text, "  [before: %s]" % before if before else ""))

    def show(self):
        print()
        print("Targets (after)")
        for line in self.lines:
            print(line)


def targets(args, common, results, grown_by_side):
    t = Targets()
    after, before = results["after"], results.get("before")
    floor, floor_nc, uri = common["e"], common["e2"], common["d"]
    startup = common["startup"]["wall"]

    def b(fmt, key, func):
        if not before or key not in before:
            return None
        return fmt % func(before[key])

    first = after["first"]
    t.check(first["wall"] <= 2 * floor["wall"],
            "role first run <= 2x the request floor (e): %.1f s = %.2fx %.1f s (limit %.1f s; cpu %.1f s vs %.1f s)" % (
                first["wall"], ratio(first["wall"], floor["wall"]), floor["wall"], 2 * floor["wall"], first["cpu"],
                floor["cpu"]),
            b("%.1f s = %.1fx", "first", lambda r: (r["wall"], ratio(r["wall"], floor["wall"]))))
    t.check(ratio(uri["wall"], first["wall"]) >= 5,
            "role first run >= 5x faster than the uri baseline (d): %.1fx (%.1f s vs %.1f s)" % (
                ratio(uri["wall"], first["wall"]), first["wall"], uri["wall"]),
            b("%.2fx", "first", lambda r: ratio(uri["wall"], r["wall"])))
    # The request floor: the plan's reads, the writes, and the read back by name of each group created (a group of
    # the same name made meanwhile by another run is reported at once). The lower bound itself sends more: like the
    # role, its apply loop is a new session that reads the catalogues again.
    read_backs = floor.get("creates", 0)
    floor_requests = ((floor.get("phase_requests") or {}).get("plan", 0) + floor["writes"] + read_backs
                      or floor["requests"])
    t.check(first["requests"] <= 1.3 * floor_requests,
            "first-run requests <= 1.3x the request floor: %d = %.2fx %d (the plan's %d GETs + %d writes + %d "
            "read-backs of created groups; limit %d; the lower bound sends %d: its loop re-reads the catalogues, as "
            "the role's does)" % (
                first["requests"], ratio(first["requests"], floor_requests), floor_requests,
                floor_requests - floor["writes"] - read_backs, floor["writes"], read_backs,
                int(1.3 * floor_requests), floor["requests"]),
            b("%d = %.2fx", "first", lambda r: (r["requests"], ratio(r["requests"], floor_requests))))

    def excess(row, base):
        """The run's time above its baseline: paired (each run less the baseline run right before it, smallest
        difference) when measured so, else the best run less the baseline's best. Returns (excess, run, baseline)."""
        if "excess" in row:
            return (row["excess"],) + tuple(row["excess_pair"])
        return row["wall"] - base, row["wall"], base

    def fmt_excess(row, base):
        value, run, baseline = excess(row, base)
        return "%.2f - %.2f = %.2f s%s" % (run, baseline, value, " (paired)" if "excess" in row else "")

    nc = after["nochange"]
    nc_excess = excess(nc, startup)[0]
    t.check(nc_excess <= 2 * floor_nc["wall"],
            "no-change run less start-up <= 2x the 8-connection floor (e): %s = %.2fx %.2f s (limit %.2f s; cpu %.1f "
            "s, start-up's %.1f s)" % (fmt_excess(nc, startup), ratio(nc_excess, floor_nc["wall"]), floor_nc["wall"],
                                       2 * floor_nc["wall"], nc["cpu"], common["startup"]["cpu"]),
            b("%.2f s = %.2fx", "nochange", lambda r: (excess(r, startup)[0],
                                                       ratio(excess(r, startup)[0], floor_nc["wall"]))))
    limit = args.groups + 5
    t.check(nc["writes"] == 0 and nc["requests"] <= limit,
            "no-change run: %d writes (limit 0), %d requests (limit %d)" % (nc["writes"], nc["requests"], limit),
            b("%d writes, %d requests", "nochange", lambda r: (r["writes"], r["requests"])))
    ck = after["check"]
    t.check(excess(ck, startup)[0] <= 2.0,
            "check mode on an empty account <= 2 s above start-up: %s (cpu %.1f s vs %.1f s)" % (
                fmt_excess(ck, startup), ck["cpu"], common["startup"]["cpu"]),
            b("%.2f s", "check", lambda r: excess(r, startup)[0]))
    tasks, debug = after["tasks20"], common["debug20"]
    latency = tasks["requests"] * args.latency_ms / 1000.0
    per_task = (excess(tasks, debug["wall"])[0] - latency) / 20.0
    emulator_cpu = tasks.get("excess_emulator_cpu", tasks["emulator_cpu"])
    t.check(per_task <= 0.05,
            "20 module tasks: <= 0.05 s per task above 20 debug tasks plus requests x latency: (%s - %d x %d ms = "
            "%.2f s) / 20 = %.3f s per task (less the emulator's own %.2f s too: %.3f s; cpu %.1f s vs %.1f s: %.3f s "
            "per task)" % (
                fmt_excess(tasks, debug["wall"]), tasks["requests"], args.latency_ms, latency, per_task,
                emulator_cpu, per_task - emulator_cpu / 20.0, tasks["cpu"], debug["cpu"],
                (tasks["cpu"] - debug["cpu"]) / 20.0),
            b("%.3f s per task", "tasks20", lambda r: (excess(r, debug["wall"])[0] - r["requests"] * args.latency_ms
                                                       / 1000.0) / 20.0))
    grown = grown_by_side.get("after") or {}
    if len(grown) >= 3:
        sizes = sorted(grown)
        mid, big = sizes[-2], sizes[-1]
        for key, title in ((1, "first"), (2, "no-change")):
            # Linear: wall = start-up + c x groups, so the time per group above the start-up does not grow; requests
            # per group do not grow either (members, and so the member pages, grow with the groups).
            per = dict((n, ((grown[n][key]["wall"] - startup) / n, grown[n][key]["requests"] / float(n)))
                       for n in (mid, big))
            slopes = ", ".join("%d->%d %.3f s / %.2f req" % (a, b_, s, q) for a, b_, s, q in marginal(grown, key))
            t.check(per[big][0] <= 1.25 * per[mid][0] and per[big][1] <= 1.1 * per[mid][1],
                    "growth of the %s run is linear: per group above start-up %d: %.3f s / %.2f req, %d: %.3f s / "
                    "%.2f req (limits 1.25x the time, 1.1x the requests; per added group %s)" % (
                        title, mid, per[mid][0], per[mid][1], big, per[big][0], per[big][1], slopes))
    t.show()
    if (args.groups, args.members, args.latency_ms) != (100, 1000, 50):
        print("(the targets are set for 100 groups, 1,000 members and 50 ms; this run is %d groups, %d members, "
              "%d ms)" % (args.groups, args.members, args.latency_ms))


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


def load_average():
    try:
        return "%.1f %.1f %.1f" % os.getloadavg()
    except OSError:
        return "?"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--growth", "--scaling", dest="growth", default="10,100,500",
                    help="group counts for the growth table ('' to skip)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N (each run of a first run reloads the account)")
    ap.add_argument("--before", default=DEFAULT_BEFORE, metavar="REF",
                    help="the 'before' column: the collection at this git ref (default %(default)s)")
    ap.add_argument("--no-before", action="store_true", help="run the current collection only")
    ap.add_argument("--before-max-groups", type=int, default=100,
                    help="largest growth size also run 'before' (default %(default)s: 500 groups take ~10 min)")
    ap.add_argument("--before-first-repeat", type=int, default=1,
                    help="best of N for the 'before' first run (default 1: about 2 minutes each at 100 groups)")
    ap.add_argument("--uri-variants", action="store_true",
                    help="also run (d') the uri playbook again and (d'') its read-only variant (slow)")
    ap.add_argument("--quick", action="store_true",
                    help="10 groups, 100 members, 10 ms, growth 10,20,30 (before: 10), best of 1")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (playbooks, counters)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every measurement as it is taken")
    args = ap.parse_args()
    if args.quick:
        args.groups, args.members, args.latency_ms, args.growth, args.repeat = 10, 100, 10, "10,20,30", 1
        args.before_max_groups = min(args.before_max_groups, 10)
    return args


def main():
    args = parse_args()
    ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="cfiam-bench-")
    sides = []
    if not args.no_before:
        path, commit = extract_collection(args.before, os.path.join(workdir, "before"))
        sides.append(Side("before", "before (%s, modules as processes)" % commit, path))
    head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                          universal_newlines=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, universal_newlines=True, check=False).stdout.strip()
    sides.append(Side("after", "after (%s%s, action plugins)" % (head, " + changes" if dirty else ""), COLLECTIONS))
    bench = Bench(args.latency_ms, workdir, verbose=args.verbose)
    started = time.monotonic()
    try:
        print("Machine: %s; load average at start %s" % (machine(), load_average()))
        print("Scenario: %d groups (3 levels), %d members, 10 members and 2 policies per group, %d ms latency; "
              "best of %d" % (args.groups, args.members, args.latency_ms, args.repeat))
        print("Columns: %s" % "; ".join("%s = %s" % (s.key, s.title) for s in sides))
        common = run_common(bench, args, sides)
        results = {}
        for side in sides:
            first_repeat = args.before_first_repeat if side.key == "before" else args.repeat
            results[side.key] = run_side(bench, side, args, common["reference"], first_repeat)
            results[side.key]["startup"] = common["startup"]
            results[side.key]["debug20"] = common["debug20"]
        floors = {"first": common["e"], "nochange": common["e2"]}
        print()
        print("The floor (e), printed once (benchmarks/lower_bound.py, the current code without Ansible), "
              "and the uri baseline (d)")
        print_common([common[k] for k in ("e", "e2", "d", "d2", "d3") if k in common])
        for key in ("e", "e2"):
            phases, counts = common[key].get("phases") or {}, common[key].get("phase_requests") or {}
            print("- %s: %s" % (common[key]["label"], ", ".join(
                "%s %.2f s%s" % (name, phases[name], " (%d requests)" % counts[name] if counts.get(name) else "")
                for name in ("plan", "first item", "other items") if name in phases)))
        print()
        print("Before and after (x floor: wall time / the floor's, first run vs (e) first, no-change vs (e) "
              "no-change; processes: module processes + the controller)")
        print_side_by_side(results, sides, floors)
        for side in sides:
            print("- %s, best-of runs: %s" % (side.key, "; ".join(
                "%s %s" % (k, "/".join("%.1f" % w for w in results[side.key][k]["runs"]))
                for k in ("tasks20", "first", "nochange", "check"))))
            print("  paired with the baseline run right before each (20 debug tasks, the empty play): %s" % "; ".join(
                "%s %s" % (k, "/".join("%.2f" % w for w in results[side.key][k]["excess_runs"]))
                for k in ("tasks20", "nochange", "check") if "excess_runs" in results[side.key][k]))
        sizes = [int(s) for s in args.growth.split(",") if s.strip()]
        grown_by_side = {}
        if sizes:
            for side in sides:
                mine = [n for n in sizes if side.key == "after" or n <= args.before_max_groups]
                grown_by_side[side.key] = growth(bench, side, mine, args, results[side.key])
            print_growth(grown_by_side, sides, args)
        targets(args, common, results, grown_by_side)
        print()
        elapsed = time.monotonic() - started
        print("Total benchmark time %.0f s; load average at the end %s" % (elapsed, load_average()))
    finally:
        bench.stop()
        if args.keep:
            print("work directory: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
