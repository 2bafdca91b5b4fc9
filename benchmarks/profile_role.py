#!/usr/bin/env python
"""Where the time of the user_groups role goes beyond the API latency: cProfile of ansible-playbook and its workers.

    .venv/bin/python benchmarks/profile_role.py --groups 100 --latency-ms 50       # first run, then no-change run
    .venv/bin/python benchmarks/profile_role.py --importtime                        # also: start-up imports

The same scenario as benchmarks/run.py (emulator, generated account, the role over this checkout). Each run is
profiled with cProfile in the controller process and in every forked worker (a ``sitecustomize`` on PYTHONPATH
wraps ``WorkerProcess.run``; the workers run the tasks, the loop's items and the action plugins; the controller
runs the strategy, the callbacks and registers results). Profiling slows Python code down (about 1.5-2x), so
read the shares, not the absolute times. Printed per run:

* wall and CPU time of the profiled run, and the same run unprofiled (for scale);
* a breakdown of the worker's time into the parts named in the report (waiting for the API, the action
  plugin's own work, templating and result handling of the loop) and of the controller's;
* the top functions by own time and by cumulative time (``--top``), with ``--dump DIR`` the .prof files.
"""
from __future__ import absolute_import, division, print_function

import argparse
import glob
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run as bench_run  # noqa: E402

SITECUSTOMIZE = r'''
import atexit
import cProfile
import os

_DIR = os.environ["CFIAM_PROFILE_DIR"]
_controller = cProfile.Profile()


def _dump_controller():
    _controller.disable()
    _controller.dump_stats(os.path.join(_DIR, "controller-%d.prof" % os.getpid()))


if os.path.basename(os.environ.get("CFIAM_PROFILE_ARGV0", "")) == "ansible-playbook":
    from ansible.executor.process import worker as _worker

    _original_run = _worker.WorkerProcess.run

    def _profiled_run(self):
        _controller.disable()  # the copy inherited from the controller by fork
        prof = cProfile.Profile()
        prof.enable()
        try:
            return _original_run(self)
        finally:
            prof.disable()
            prof.dump_stats(os.path.join(_DIR, "worker-%d.prof" % os.getpid()))

    _worker.WorkerProcess.run = _profiled_run
    atexit.register(_dump_controller)
    _controller.enable()
'''

# (name, predicate over (file, line, function)) -- cumulative time of the outermost matching frame
WORKER_PARTS = [
    ("task loop in the worker (TaskExecutor.run)", "ansible/executor/task_executor.py", "run"),
    ("  action plugin run() (CloudflareAction.run)", "plugin_utils/action.py", "run"),
    ("    argument validation (ArgumentSpecValidator)", "arg_spec.py", "validate"),
    ("    ArgumentSpecValidator construction", "arg_spec.py", "__init__"),
    ("    TaskRun.run (the module's work, API calls included)", "module_utils/runtime.py", "run"),
    ("      HTTP requests (client.request, waits included)", "module_utils/client.py", "request"),
    ("      views (module_utils/views.py)", "module_utils/views.py", None),
    ("      catalogue (module_utils/catalogue.py)", "module_utils/catalogue.py", None),
    ("      mask_secrets", "module_utils/connection.py", "mask_secrets"),
    ("    remove_values (no_log masking of the result)", "common/parameters.py", "remove_values"),
    ("    INJECT_INVOCATION lookup", "plugin_utils/action.py", "_inject_invocation"),
    ("    ActionBase.run (base checks)", "ansible/plugins/action/__init__.py", "run"),
    ("  templating (Templar.template)", "ansible/template/__init__.py", "template"),
    ("  Task.post_validate", "ansible/playbook/base.py", "post_validate"),
    ("  action plugin loading (get_action_handler)", "ansible/executor/task_executor.py",
     "_get_action_handler_with_module_context"),
    ("  result to the controller (send_callback / queue put)", "ansible/executor/task_queue_manager.py",
     "send_task_result"),
    ("  deepcopy", "copy.py", "deepcopy"),
    ("  socket reads (waiting for the emulator)", None, "<method 'recv_into' of '_socket.socket' objects>"),
    ("  thread waits (concurrent requests)", None, "<method 'acquire' of '_thread.lock' objects>"),
]
CONTROLLER_PARTS = [
    ("playbook executor (PlaybookExecutor.run)", "ansible/executor/playbook_executor.py", "run"),
    ("  strategy: process results", "ansible/plugins/strategy/__init__.py", "_process_pending_results"),
    ("  strategy: wait for results", "ansible/plugins/strategy/__init__.py", "_wait_on_pending_results"),
    ("  callbacks (send_callback)", "ansible/executor/task_queue_manager.py", "send_callback"),
    ("  templating (Templar.template)", "ansible/template/__init__.py", "template"),
    ("  variable manager (get_vars)", "ansible/vars/manager.py", "get_vars"),
    ("  role argument validation (validate_argument_spec)", "ansible/plugins/action/validate_argument_spec.py",
     "run"),
    ("  worker start (WorkerProcess.start)", "ansible/executor/process/worker.py", "start"),
    ("  sleeping (time.sleep)", None, "<built-in method time.sleep>"),
]


def cumulative(stats, path_part, func):
    """Cumulative seconds of the frames matching (file contains path_part, function == func), not double counting
    recursion: the sum over matching frames of their cumulative time, less calls from matching frames."""
    total = 0.0
    matching = set()
    for key in stats.stats:
        filename, _line, name = key
        if (path_part is None or path_part in filename) and (func is None or name == func):
            matching.add(key)
    for key in matching:
        _cc, _nc, _tt, ct, callers = stats.stats[key]
        # time reached from a non-matching caller only (the outermost frames)
        if not callers:
            total += ct
            continue
        for caller, value in callers.items():
            if caller not in matching:
                total += value[3] if len(value) > 3 else 0.0
    return total


def breakdown(stats, parts, title, scale):
    print("  %s" % title)
    for name, path_part, func in parts:
        seconds = cumulative(stats, path_part, func)
        print("    %-60s %7.2f s  (%4.1f%%)" % (name, seconds, 100.0 * seconds / scale if scale else 0))


def top(stats, sort, count, title):
    print("  %s" % title)
    stats.sort_stats(sort)
    width = 100
    rows = []
    for key in stats.fcn_list[:count]:
        cc, nc, tt, ct, _callers = stats.stats[key]
        filename, line, name = key
        short = filename
        for marker in ("site-packages/", "ansible_collections/", "lib/python3"):
            if marker in short:
                short = short.split(marker, 1)[1]
                break
        rows.append("    %8.2f %8.2f %8d  %s" % (tt, ct, nc if nc == cc else cc, ("%s:%d(%s)" % (short, line, name))[
            :width]))
    print("    %8s %8s %8s  %s" % ("own s", "cum s", "calls", "function"))
    print("\n".join(rows))


def profile_once(bench, side, label, playbook, profile_dir, check=False):
    env = bench._env(side)  # pylint: disable=protected-access
    site = os.path.join(profile_dir, "site")
    os.makedirs(site, exist_ok=True)
    with open(os.path.join(site, "sitecustomize.py"), "w") as fh:
        fh.write(SITECUSTOMIZE)
    out = os.path.join(profile_dir, label)
    os.makedirs(out)
    env.update(CFIAM_PROFILE_DIR=out, CFIAM_PROFILE_ARGV0="ansible-playbook",
               PYTHONPATH=site + os.pathsep + env.get("PYTHONPATH", ""))
    cmd = [bench.ansible_playbook, "-i", "localhost,", playbook] + (["--check"] if check else [])
    bench.emu.clear_requests()
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=bench.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (label, proc.stdout[-5000:]))
    requests = len(bench.emu.requests())
    workers = sorted(glob.glob(os.path.join(out, "worker-*.prof")))
    controller = glob.glob(os.path.join(out, "controller-*.prof"))
    return wall, requests, workers, controller


def report(label, wall, requests, workers, controller, plain, args):
    print()
    print("=" * 100)
    print("%s: profiled %.1f s (unprofiled %.1f s, cpu %.1f s), %d requests, %d worker(s)" % (
        label, wall, plain["wall"], plain["cpu"], requests, len(workers)))
    wstats = pstats.Stats(*workers) if workers else None
    cstats = pstats.Stats(*controller) if controller else None
    if wstats is not None:
        scale = cumulative(wstats, "ansible/executor/task_executor.py", "run")
        breakdown(wstats, WORKER_PARTS, "workers (all tasks of the run; %% of TaskExecutor.run)", scale)
    if cstats is not None:
        scale = cumulative(cstats, "ansible/executor/playbook_executor.py", "run")
        breakdown(cstats, CONTROLLER_PARTS, "controller (%% of PlaybookExecutor.run)", scale)
    if args.top:
        if wstats is not None:
            top(wstats, "tottime", args.top, "workers: top functions by own time")
            top(wstats, "cumulative", args.top, "workers: top functions by cumulative time")
        if cstats is not None:
            top(cstats, "tottime", args.top, "controller: top functions by own time")


def importtime(bench, side, playbook):
    env = bench._env(side)  # pylint: disable=protected-access
    cmd = [sys.executable, "-X", "importtime", bench.ansible_playbook, "-i", "localhost,", playbook]
    proc = subprocess.run(cmd, env=env, cwd=bench.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _prefix, self_us, cum_us, name = line.split("|", 3)
        self_us = int(self_us.split(":")[-1])
        rows.append((int(cum_us), self_us, name.rstrip()))
    total = sum(r[1] for r in rows) / 1e6
    print()
    print("=" * 100)
    print("imports of ansible-playbook running the role once (-X importtime): %.2f s of imports in all" % total)
    ours = sum(r[1] for r in rows if "cfiam" in r[2]) / 1e6
    req = sum(r[1] for r in rows if r[2].strip().split(".")[0] in ("requests", "urllib3", "idna", "charset_normalizer",
                                                                   "certifi")) / 1e6
    print("  of which the collection's own modules %.2f s, requests and its dependencies %.2f s" % (ours, req))
    print("  top-level imports by cumulative time:")
    for cum, _self, name in sorted((r for r in rows if not r[2].startswith("  ")), reverse=True)[:15]:
        print("    %6.3f s  %s" % (cum / 1e6, name.strip()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--top", type=int, default=25, help="top N functions (0: none)")
    ap.add_argument("--importtime", action="store_true", help="also show the imports of one run")
    ap.add_argument("--dump", metavar="DIR", help="copy the .prof files here")
    args = ap.parse_args()
    bench_run.ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="cfiam-profile-")
    side = bench_run.Side("after", "this checkout", bench_run.COLLECTIONS)
    bench = bench_run.Bench(args.latency_ms, workdir)
    try:
        _gen, empty, declaration = bench_run.scenario(args.groups, args.members)
        role_pb = bench.role_playbook("role", declaration)
        profile_dir = os.path.join(workdir, "profiles")
        print("Scenario: %d groups, %d members, %d ms latency" % (args.groups, args.members, args.latency_ms))
        plain_first = bench.playbook(side, "first run", role_pb, setup=lambda: bench.load(empty))
        plain_nochange = bench.playbook(side, "no-change run", role_pb)
        bench.load(empty)
        first = profile_once(bench, side, "first", role_pb, profile_dir)
        nochange = profile_once(bench, side, "nochange", role_pb, profile_dir)
        report("first run", first[0], first[1], first[2], first[3], plain_first, args)
        report("no-change run", nochange[0], nochange[1], nochange[2], nochange[3], plain_nochange, args)
        if args.importtime:
            importtime(bench, side, role_pb)
        if args.dump:
            shutil.copytree(profile_dir, args.dump, dirs_exist_ok=True, ignore=shutil.ignore_patterns("site"))
            print("profiles copied to %s" % args.dump)
    finally:
        bench.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
