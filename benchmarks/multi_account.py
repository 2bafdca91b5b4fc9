#!/usr/bin/env python
"""Benchmark: many accounts in one run (playbooks/multi_account/site.yml over the accounts inventory); prints tables.

    .venv/bin/python benchmarks/multi_account.py                       # 20 accounts x 20 groups, 50 ms, forks 1/5/10
    .venv/bin/python benchmarks/multi_account.py --quick               # 5 accounts x 5 groups, 10 ms, forks 1/5
    .venv/bin/python benchmarks/multi_account.py --budget none         # without any rate budget (parallelism alone)
    .venv/bin/python benchmarks/multi_account.py --help

Scenario: --accounts accounts of --groups groups each (``builders.multi_account_state``: 50 members, 5 zones,
2-level hierarchy, 5 members and 2 policies per group), one token that reaches them all, every API request delayed
by --latency-ms. The site playbook of playbooks/multi_account (with its ansible.cfg) runs over the accounts with
--forks 1, 5 and 10: a first run on the accounts without groups, then a no-change run.

The emulator enforces Cloudflare's budget (--budget cloudflare: 1,200 requests per 300 s for the token, then 429
for 300 s, with Ratelimit headers) and the client its default shared budget (1,100 per 300 s, 100 per second,
across every fork). Each run starts with both budgets full (as runs five minutes apart). --budget none turns both
off, to see what the forks alone give.

Figures per run: wall time; API requests (the emulator's log); the peak request rate per 300 s and per second (from
the arrival time of each request in the log) against the budget; 429 answers; seconds the modules waited for the
budget (their ``api_requests.waited``, summed); CPU seconds of the ansible processes, all of them and the
controller process alone (ansible-playbook itself: strategy, results, callbacks; the rest is its forked workers);
whether every account converged. Goal: with 10 forks at least 5x faster than with 1 on the first run, never a 429.
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
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from pytest_plugin import EmulatorClient, EmulatorProcess, ensure_collection_link  # noqa: E402
from accounts_harness import account_groups, generated_accounts_dir, peak  # noqa: E402
from harness import CALLBACKS  # noqa: E402

CLOUDFLARE_BUDGET = 1200
CLOUDFLARE_WINDOW = 300
# ansible-playbook in a wrapper that writes the CPU seconds of its own process (the controller: strategy, results,
# callbacks) and of its children (the forked workers that run the tasks) to $CFIAM_CPU_REPORT when it exits.
PLAYBOOK_WRAPPER = r"""
import atexit, json, os, resource, sys
def _report():
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["CFIAM_CPU_REPORT"], "w") as handle:
        json.dump({"controller": own.ru_utime + own.ru_stime, "workers": workers.ru_utime + workers.ru_stime}, handle)
atexit.register(_report)
sys.argv[0] = "ansible-playbook"
from ansible.cli.playbook import main
main()
"""


def sizes(args):
    return dict(n_groups=args.groups, n_members=50, depth=2, members_per_group=5, policies_per_group=2, n_zones=5)


class Bench(object):
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.proc = EmulatorProcess(["--latency-ms", str(args.latency_ms)])
        self.emu = EmulatorClient(self.proc.base_url)
        self.site_dir = os.path.join(workdir, "site")
        self.state, self.expected = generated_accounts_dir(self.site_dir, args.accounts, **sizes(args))

    def stop(self):
        self.proc.stop()

    def budgets(self):
        """Both budgets full again: the emulator's (Cloudflare's) and a fresh client store."""
        if self.args.budget == "cloudflare":
            self.emu.rate_limit(budget=CLOUDFLARE_BUDGET, window_s=CLOUDFLARE_WINDOW, block_s=CLOUDFLARE_WINDOW)
        else:
            self.emu.rate_limit(budget=0)
        rate_dir = tempfile.mkdtemp(prefix="rate-", dir=self.workdir)
        os.chmod(rate_dir, 0o700)
        return rate_dir

    def env(self, rate_dir, results):
        env = dict(os.environ)
        env.update(self.emu.env())
        env.update({"ANSIBLE_COLLECTIONS_PATH": ensure_collection_link(), "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "False", "PYTHONWARNINGS": "ignore",
                    "ANSIBLE_DEPRECATION_WARNINGS": "False", "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
                    "ANSIBLE_CALLBACKS_ENABLED": "dump_results", "CFIAM_RESULT_FILE": results,
                    "CLOUDFLARE_RATE_LIMIT_DIR": rate_dir})
        env.pop("CLOUDFLARE_ACCOUNT_ID", None)
        if self.args.budget == "none":
            env.update({"CLOUDFLARE_RATE_LIMIT": "0", "CLOUDFLARE_RATE_LIMIT_PER_SECOND": "0"})
        return env

    def run(self, label, forks):
        rate_dir = self.budgets()
        results = os.path.join(self.workdir, "results.jsonl")
        if os.path.exists(results):
            os.remove(results)
        self.emu.clear_requests()
        cmd = [sys.executable, "-c", PLAYBOOK_WRAPPER, "site.yml", "--forks", str(forks)]
        env = self.env(rate_dir, results)
        env["CFIAM_CPU_REPORT"] = os.path.join(self.workdir, "cpu.json")
        start = time.monotonic()
        proc = subprocess.run(cmd, env=env, cwd=self.site_dir, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        wall = time.monotonic() - start
        with open(env["CFIAM_CPU_REPORT"]) as handle:
            cpu = json.load(handle)
        if proc.returncode != 0:
            raise SystemExit("%s (forks %d) failed:\n%s" % (label, forks, proc.stdout[-5000:]))
        log = self.emu.requests()
        waited = 0.0
        with open(results) as handle:
            for line in handle:
                result = json.loads(line)["result"]
                for res in [result] + list(result.get("results") or []):
                    if isinstance(res, dict) and isinstance(res.get("api_requests"), dict):
                        waited += res["api_requests"].get("waited") or 0.0
        methods = {}
        for entry in log:
            methods[entry["method"]] = methods.get(entry["method"], 0) + 1
        row = {"label": label, "forks": forks, "wall": wall, "requests": len(log), "methods": methods,
               "peak_300": peak(log, 300.0), "peak_1": peak(log, 1.0), "limited": len([e for e in log if e["status"] == 429]),
               "waited": waited, "cpu": cpu["controller"] + cpu["workers"], "cpu_controller": cpu["controller"],
               "converged": all(account_groups(self.emu, aid) == groups for aid, groups in self.expected.items())}
        if self.args.verbose:
            print("  %-12s forks %2d %7.1f s %5d requests %s" % (label, forks, wall, len(log), row), file=sys.stderr)
        return row

    def scenario(self, forks):
        self.emu.set_state(self.state)
        self.emu.config(latency_ms=self.args.latency_ms)
        first = self.run("first run", forks)
        again = self.run("no change", forks)
        return [first, again]


def table(rows, args):
    budget = ("%d per %d s (emulator) / 1,100 per 300 s (client)" % (CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW)
              if args.budget == "cloudflare" else "none")
    out = ["budget: %s" % budget, "",
           "| run | forks | wall (s) | requests | by method | peak / 300 s | peak / 1 s | 429s | waited (s) "
           "| CPU (s): all / controller | converged |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %d | %.1f | %d | %s | %d | %d | %d | %.1f | %.1f / %.1f | %s |" % (
            r["label"], r["forks"], r["wall"], r["requests"],
            " ".join("%s %d" % (m, n) for m, n in sorted(r["methods"].items())), r["peak_300"], r["peak_1"],
            r["limited"], r["waited"], r["cpu"], r["cpu_controller"], "yes" if r["converged"] else "NO"))
    firsts = dict((r["forks"], r["wall"]) for r in rows if r["label"] == "first run")
    agains = dict((r["forks"], r["wall"]) for r in rows if r["label"] == "no change")
    out.append("")
    base = min(firsts)
    for forks in sorted(firsts):
        if forks != base:
            out.append("- first run, forks %d vs %d: %.2fx faster; no-change run: %.2fx faster"
                       % (forks, base, firsts[base] / firsts[forks], agains[base] / agains[forks]))
    top = max(firsts)
    limited = sum(r["limited"] for r in rows)
    goal = firsts[base] / firsts[top] >= 5.0 and limited == 0
    out.append("- goal (forks %d >= 5x faster than forks %d on the first run, no 429): %s (%d 429s)"
               % (top, base, "met" if goal else "NOT met", limited))
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--forks", default="1,5,10")
    parser.add_argument("--budget", choices=["cloudflare", "none"], default="cloudflare")
    parser.add_argument("--quick", action="store_true", help="5 accounts x 5 groups, 10 ms, forks 1,5")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.accounts, args.groups, args.latency_ms, args.forks = 5, 5, 10, "1,5"
    ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="cfiam-multi-bench-")
    bench = Bench(args, workdir)
    try:
        import ansible  # pylint: disable=import-outside-toplevel
        print("Machine: nproc %d, %s, Python %s, ansible-core %s, load average %s"
              % (os.cpu_count(), platform.platform(), platform.python_version(), ansible.__version__,
                 " ".join("%.1f" % v for v in os.getloadavg())))
        print("Scenario: %d accounts x %d groups, %d ms latency\n" % (args.accounts, args.groups, args.latency_ms))
        rows = []
        for forks in [int(f) for f in args.forks.split(",")]:
            rows.extend(bench.scenario(forks))
        print(table(rows, args))
    finally:
        bench.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
