#!/usr/bin/env python
"""Where the time of the user_groups role goes beyond the API latency: cProfile of ansible-playbook and its workers.

    .venv/bin/python benchmarks/profile_role.py --groups 100 --latency-ms 50       # profile first and no-change runs
    .venv/bin/python benchmarks/profile_role.py --runs '' --decompose --micro       # unprofiled CPU of the parts
    .venv/bin/python benchmarks/profile_role.py --dump DIR ... ; --from DIR        # keep the profiles; report again

The same scenario as benchmarks/run.py (emulator, generated account, the role over this checkout).

* Profiles (``--runs first,nochange``): cProfile in the controller process and in every forked worker (a
  ``sitecustomize`` on PYTHONPATH wraps ``WorkerProcess.run``; the workers run the tasks, the loop's items and the
  action plugins; the controller runs the strategy and the callbacks and registers results). The timer is CPU time by
  default (``--timer wall`` for perf_counter): the waits for the API drop out and the machine's load does not inflate
  the figures. The profiler slows call-heavy code down 3-4x, so read the shares, not the absolute times. Printed: a
  breakdown into the parts named in benchmarks/README.md, the top functions (``--top``), callers (``--callers``).
* ``--decompose``: the CPU time (unprofiled, best of ``--repeat``) of an empty play, the planning task alone, the plan
  and a 100-item set_fact loop with the role's six templated arguments (or one), the plan and the role's
  cf_user_group loop in check mode and writing, the role's first run, then the plan alone and the role on the account
  as declared (no change): Ansible's cost per item, the action plugin's, the writes', the role's around them.
* ``--micro``: the action plugin's own steps (validation, run_task, mask_secrets, remove_values) for each of the
  plan's items and for the planning task, timed in this process on plain values.
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
import time

_DIR = os.environ["CFIAM_PROFILE_DIR"]
_TIMER = time.process_time if os.environ.get("CFIAM_PROFILE_TIMER") == "cpu" else time.perf_counter
_controller = cProfile.Profile(_TIMER)


def _dump_controller():
    _controller.disable()
    _controller.dump_stats(os.path.join(_DIR, "controller-%d.prof" % os.getpid()))


if os.path.basename(os.environ.get("CFIAM_PROFILE_ARGV0", "")) == "ansible-playbook":
    from ansible.executor.process import worker as _worker

    _original_run = _worker.WorkerProcess.run

    def _profiled_run(self):
        _controller.disable()  # the copy inherited from the controller by fork
        prof = cProfile.Profile(_TIMER)
        prof.enable()
        try:
            return _original_run(self)
        finally:
            prof.disable()
            path = os.path.join(_DIR, "worker-%d.prof" % os.getpid())
            prof.dump_stats(path + ".tmp")
            os.rename(path + ".tmp", path)  # complete files only: the controller may exit first

    _worker.WorkerProcess.run = _profiled_run
    atexit.register(_dump_controller)
    _controller.enable()
'''

# files whose functions recurse through helpers (deepcopy -> _deepcopy_dict -> deepcopy, mask_secrets -> genexpr)
RECURSIVE = ("/copy.py", "module_utils/connection.py", "common/parameters.py")
# (name, predicate over (file, line, function)) -- cumulative time of the outermost matching frame
WORKER_PARTS = [
    ("task loop in the worker (TaskExecutor.run)", "ansible/executor/task_executor.py", "run"),
    ("  loops (TaskExecutor._run_loop)", "ansible/executor/task_executor.py", "_run_loop"),
    ("    Task.copy per item", "ansible/playbook/task.py", "copy"),
    ("  one task or item (TaskExecutor._execute)", "ansible/executor/task_executor.py", "_execute"),
    ("    Task.post_validate (templates the arguments)", "ansible/playbook/base.py", "post_validate"),
    ("    module_defaults merged into the arguments", "ansible/executor/module_common.py",
     "_get_action_args_with_defaults"),
    ("  role argument validation task (validate_argument_spec)", "ansible/plugins/action/validate_argument_spec.py",
     "run"),
    ("  cf_user_groups_plan run_task", "plugins/action/cf_user_groups_plan.py", "run_task"),
    ("  cf_user_group run_task", "plugins/action/cf_user_group.py", "run_task"),
    ("  action plugin run() (CloudflareAction.run)", "plugin_utils/action.py", "run"),
    ("    ArgumentSpecValidator.validate (anywhere: the actions' and the role's)", "arg_spec.py", "validate"),
    ("      of which ValidationResult's deepcopy of the arguments", "arg_spec.py", "__init__"),
    ("    TaskRun.run (the module's work, API calls included)", "module_utils/runtime.py", "run"),
    ("      HTTP requests (client.request, waits included)", "module_utils/client.py", "request"),
    ("      views (module_utils/views.py)", "module_utils/views.py", None),
    ("      catalogue (module_utils/catalogue.py)", "module_utils/catalogue.py", None),
    ("      mask_secrets", "module_utils/connection.py", "mask_secrets"),
    ("    remove_values (no_log masking of the result)", "common/parameters.py", "remove_values"),
    ("    INJECT_INVOCATION lookup", "plugin_utils/action.py", "_inject_invocation"),
    ("    ActionBase.run (base checks)", "ansible/plugins/action/__init__.py", "run"),
    ("  templating (TemplateEngine.template, anywhere)", "ansible/_internal/_templating/_engine.py", "template"),
    ("  action plugin loading (get_action_handler)", "ansible/executor/task_executor.py",
     "_get_action_handler_with_module_context"),
    ("  result to the controller (send_callback / queue put)", "ansible/executor/task_queue_manager.py",
     "send_task_result"),
    ("  deepcopy (anywhere)", "/copy.py", "deepcopy"),
    ("  socket reads (waiting for the emulator)", None, "<method 'recv_into' of '_socket.socket' objects>"),
    ("  thread waits (concurrent requests)", None, "<method 'acquire' of '_thread.lock' objects>"),
]
CONTROLLER_PARTS = [
    ("playbook executor (PlaybookExecutor.run)", "ansible/executor/playbook_executor.py", "run"),
    ("  strategy: process results", "ansible/plugins/strategy/__init__.py", "_process_pending_results"),
    ("  strategy: wait for results", "ansible/plugins/strategy/__init__.py", "_wait_on_pending_results"),
    ("  callbacks (send_callback)", "ansible/executor/task_queue_manager.py", "send_callback"),
    ("  templating (TemplateEngine.template)", "ansible/_internal/_templating/_engine.py", "template"),
    ("  YAML loading (yaml constructor)", "yaml/constructor.py", "get_single_data"),
    ("  variable manager (get_vars)", "ansible/vars/manager.py", "get_vars"),
    ("  role argument validation (validate_argument_spec)", "ansible/plugins/action/validate_argument_spec.py",
     "run"),
    ("  worker start (WorkerProcess.start)", "ansible/executor/process/worker.py", "start"),
    ("  sleeping (time.sleep)", None, "<built-in method time.sleep>"),
]


def cumulative(stats, path_part, func, same_file_is_inside=False):
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
            # a call from a matching frame (or, for deepcopy, from its own file: deepcopy -> _deepcopy_dict ->
            # deepcopy) is already counted in the outer frame
            if caller not in matching and not (same_file_is_inside and path_part in caller[0]):
                total += value[3] if len(value) > 3 else 0.0
    return total


def breakdown(stats, parts, title, scale):
    print("  %s" % title)
    for name, path_part, func in parts:
        seconds = cumulative(stats, path_part, func, same_file_is_inside=path_part in RECURSIVE)
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


def profile_once(bench, side, label, playbook, profile_dir, timer, check=False):
    env = bench._env(side)  # pylint: disable=protected-access
    site = os.path.join(profile_dir, "site")
    os.makedirs(site, exist_ok=True)
    with open(os.path.join(site, "sitecustomize.py"), "w") as fh:
        fh.write(SITECUSTOMIZE)
    out = os.path.join(profile_dir, label)
    os.makedirs(out)
    env.update(CFIAM_PROFILE_DIR=out, CFIAM_PROFILE_ARGV0="ansible-playbook", CFIAM_PROFILE_TIMER=timer,
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


def load_stats(paths):
    """pstats over the complete profiles among ``paths`` (a worker still writing when the run ended is skipped)."""
    stats = None
    for path in paths:
        try:
            one = pstats.Stats(path)
        except (EOFError, ValueError, TypeError):
            print("  (skipped an incomplete profile: %s)" % os.path.basename(path))
            continue
        if stats is None:
            stats = one
        else:
            stats.add(one)
    return stats


def report(label, wall, requests, workers, controller, plain, args):
    print()
    print("=" * 100)
    print("%s: profiled %.1f s wall (unprofiled %.1f s wall, %.1f s cpu), %d requests, %d worker(s); figures below "
          "are %s seconds" % (label, wall, plain["wall"], plain["cpu"], requests, len(workers), args.timer))
    time.sleep(1)  # let the last worker finish writing its profile
    wstats = load_stats(sorted(glob.glob(os.path.join(os.path.dirname(workers[0]), "worker-*.prof")))
                        if workers else [])
    cstats = load_stats(controller)
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
            top(cstats, "cumulative", args.top, "controller: top functions by cumulative time")
    for func in args.callers:
        for name, stats in (("workers", wstats), ("controller", cstats)):
            if stats is None:
                continue
            print("  %s: callers of %s" % (name, func))
            callers = {}
            for key, value in stats.stats.items():
                if key[2] != func:
                    continue
                for caller, cvalue in value[4].items():
                    callers[caller] = callers.get(caller, 0.0) + cvalue[3]
            for caller, seconds in sorted(callers.items(), key=lambda kv: -kv[1])[:8]:
                print("    %7.2f s  %s:%d(%s)" % (seconds, caller[0].split("site-packages/")[-1][-70:], caller[1],
                                                  caller[2]))


def importtime(bench, side, playbook):
    env = bench._env(side)  # pylint: disable=protected-access
    cmd = [sys.executable, "-X", "importtime", bench.ansible_playbook, "-i", "localhost,", playbook]
    proc = subprocess.run(cmd, env=env, cwd=bench.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_part, cum_us, name = line.split("|", 2)
        rows.append((int(cum_us), int(self_part.split(":")[-1]), name.rstrip()[1:]))
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


APPLY_ARGS = {
    "name": "{{ omit if item.id is defined else item.name }}",
    "id": "{{ item.id | default(omit) }}",
    "policies": "{{ item.policies | default(omit) }}",
    "exclusive_policies": "{{ item.exclusive_policies | default(omit) }}",
    "members": "{{ item.members | default(omit) }}",
    "exclusive_members": "{{ item.exclusive_members | default(omit) }}",
}


def decompose(bench, side, declaration, empty, repeat):
    """CPU of the first run's parts, unprofiled (load-independent): the plan task alone, then the plan and a
    100-item loop of set_fact with the role's six templated arguments (Ansible's own cost per item), then the plan
    and the role's cf_user_group loop in check mode (no write: the action plugin's own work per item)."""
    plan = {"name": "plan", "cfiam.user_groups.cf_user_groups_plan": {"user_groups": "{{ user_groups }}"},
            "register": "plan"}
    loop = {"loop": "{{ plan.apply }}", "loop_control": {"label": "{{ item.name }}"}, "register": "applied"}
    set_fact = dict(loop, name="set_fact loop", **{"ansible.builtin.set_fact": dict(
        ("x_" + k, v) for k, v in APPLY_ARGS.items())})
    set_fact_one = dict(loop, name="set_fact loop, one argument", **{"ansible.builtin.set_fact": {"x": "{{ item }}"}})
    group = dict(loop, name="cf_user_group loop", check_mode=True, **{"cfiam.user_groups.cf_user_group": APPLY_ARGS})

    def play(name, tasks):
        return bench.write(name, [{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                   "vars": {"user_groups": declaration}, "tasks": tasks}])

    role = bench.role_playbook("role", declaration)

    def reload_empty():
        bench.load(empty)

    rows = []
    for label, path, setup in (("empty play", play("empty", []), None),
                               ("plan task only", play("plan", [plan]), reload_empty),
                               ("plan + set_fact loop (6 templated args per item)", play("sf6", [plan, set_fact]),
                                reload_empty),
                               ("plan + set_fact loop (1 templated arg: the item)", play("sf1", [plan, set_fact_one]),
                                reload_empty),
                               ("plan + cf_user_group loop, check mode", play("check", [plan, group]), reload_empty),
                               ("plan + cf_user_group loop (writes)", play("write", [plan, dict(group, check_mode=False)]),
                                reload_empty),
                               ("role first run", role, reload_empty),
                               # the account is now as declared: no-change runs
                               ("no change: plan task only", play("plan", [plan]), None),
                               ("no change: role", role, None)):
        rows.append(bench.playbook(side, label, path, repeat=repeat, setup=setup))
    print()
    print("=" * 100)
    print("CPU of the first run's parts (unprofiled, best of %d; CPU of ansible-playbook and its workers)" % repeat)
    base = {}
    for row in rows:
        base[row["label"].rsplit(" [", 1)[0]] = row
        print("  %-60s cpu %6.2f s (runs %s)  wall %6.1f s  %4d requests" % (
            row["label"].rsplit(" [", 1)[0], row["cpu"], "/".join("%.2f" % c for c in row["cpu_runs"]), row["wall"],
            row["requests"]))
    items = max(1, len(bench_run.uri_baseline.rolled_up(declaration)))

    def per_item(a, b_):
        return 1000.0 * (base[a]["cpu"] - base[b_]["cpu"]) / items

    print("  per item (ms of CPU): Ansible's loop, a set_fact with the same 6 templated arguments %.1f (with one "
          "argument, the item: %.1f); cf_user_group in "
          "check mode %.1f more; its writes %.1f more; the role around it (argument validation, summary, output) %.1f "
          "more; the role's first run %.1f per group above the plan task" % (
              per_item("plan + set_fact loop (6 templated args per item)", "plan task only"),
              per_item("plan + set_fact loop (1 templated arg: the item)", "plan task only"),
              per_item("plan + cf_user_group loop, check mode", "plan + set_fact loop (6 templated args per item)"),
              per_item("plan + cf_user_group loop (writes)", "plan + cf_user_group loop, check mode"),
              per_item("role first run", "plan + cf_user_group loop (writes)"),
              per_item("role first run", "plan task only")))
    print("  no-change run (s of CPU): start-up %.2f; the plan task %.2f more; the role around it (its argument "
          "validation of user_groups, the summary, the output) %.2f more" % (
              base["empty play"]["cpu"], base["no change: plan task only"]["cpu"] - base["empty play"]["cpu"],
              base["no change: role"]["cpu"] - base["no change: plan task only"]["cpu"]))


def micro(bench, declaration, empty):
    """The action plugin's own steps for each of the plan's items, timed in this process (no Ansible, no latency):
    what CloudflareAction.run does around run_task, and run_task itself in check mode with warm catalogues."""
    # pylint: disable=import-outside-toplevel
    import copy
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.module_utils.common.parameters import remove_values
    from ansible_collections.cfiam.user_groups.plugins.action.cf_user_group import ActionModule as GroupAction
    from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import (
        CONNECTION_REQUIRED_TOGETHER,
        mask_secrets,
    )
    from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun
    lower_bound = bench_run.lower_bound_module()

    bench.load(empty)
    bench.emu.config(latency_ms=0)
    token = object()
    plan = lower_bound._run(bench_run.lower_bound_module().PlanAction, "plan",  # pylint: disable=protected-access
                            lower_bound._params(bench.emu, lower_bound.PlanAction.ARGUMENT_SPEC,  # pylint: disable=W0212
                                                user_groups=declaration), (token, "plan"))
    items = [dict((k, v) for k, v in item.items() if k != "scim") for item in plan["apply"]]
    spec = GroupAction.argument_spec()
    timings = {}

    def timed(name, func):
        start = time.process_time()
        value = func()
        timings[name] = timings.get(name, 0.0) + time.process_time() - start
        return value

    action = GroupAction.__new__(GroupAction)
    for item in items:
        args = dict(item, api_token=bench.emu.token, account_id=bench.emu.account_id, base_url=bench.emu.base_url)
        validator = timed("ArgumentSpecValidator(...) construction", lambda: ArgumentSpecValidator(
            spec, required_one_of=GroupAction.REQUIRED_ONE_OF,
            required_together=list(GroupAction.REQUIRED_TOGETHER) + CONNECTION_REQUIRED_TOGETHER))
        validation = timed("validate(args) (includes a deepcopy of the args)", lambda: validator.validate(args))
        timed("  of which deepcopy(args)", lambda: copy.deepcopy(args))
        params = dict(args)
        params.update(validation.validated_parameters)
        secrets = set(validation._no_log_values)  # pylint: disable=protected-access
        run = TaskRun("cfiam.user_groups.cf_user_group", params, check_mode=True, diff_mode=True, scope=(token, "x"),
                      secrets=secrets)
        result = timed("TaskRun.run(run_task), check mode, diff (plan, views, diff)", lambda: run.run(action.run_task))
        timed("  of which mask_secrets(result) (in TaskRun.run)", lambda: mask_secrets(result, list(secrets)))
        result["invocation"] = {"module_args": params}
        timed("remove_values(result incl. invocation, no_log values)", lambda: remove_values(result, secrets))
    print()
    print("=" * 100)
    print("The action plugin's own steps per item of the apply loop (%d items, check mode and diff, catalogues warm; "
          "process CPU, no profiler)" % len(items))
    for name, seconds in timings.items():
        print("  %-64s %6.2f ms per item" % (name, 1000.0 * seconds / len(items)))

    # The planning task's own steps, on the account without groups and on the account as declared (no change).
    plan_spec = lower_bound.PlanAction.argument_spec()
    for title in ("account without groups", "account as declared (no change)"):
        if title.startswith("account as"):
            lower_bound.run(bench.emu, declaration)
        timings = {}
        args = dict(user_groups=declaration, api_token=bench.emu.token, account_id=bench.emu.account_id,
                    base_url=bench.emu.base_url)
        validator = timed("ArgumentSpecValidator(...) construction", lambda: ArgumentSpecValidator(
            plan_spec, required_together=CONNECTION_REQUIRED_TOGETHER))
        validation = timed("validate(args) (includes a deepcopy of the args)", lambda: validator.validate(args))
        timed("  of which deepcopy(args)", lambda: copy.deepcopy(args))
        params = dict(args)
        params.update(validation.validated_parameters)
        secrets = set(validation._no_log_values)  # pylint: disable=protected-access
        run = TaskRun("cfiam.user_groups.cf_user_groups_plan", params, scope=(object(), "plan"), secrets=secrets)
        plan_action = lower_bound.PlanAction.__new__(lower_bound.PlanAction)
        result = timed("TaskRun.run(run_task) (requests at 0 ms latency included)", lambda: run.run(plan_action.run_task))
        timed("  of which mask_secrets(result) (in TaskRun.run)", lambda: mask_secrets(result, list(secrets)))
        result["invocation"] = {"module_args": params}
        timed("remove_values(result incl. invocation, no_log values)", lambda: remove_values(result, secrets))
        print("The planning task's own steps, %s (%d apply items; process CPU, no profiler)" % (
            title, len(result.get("apply") or [])))
        for name, seconds in timings.items():
            print("  %-64s %6.1f ms" % (name, 1000.0 * seconds))


def report_saved(directory, args):
    """Report on profiles saved with --dump (one subdirectory per run)."""
    for label in sorted(os.listdir(directory)):
        workers = sorted(glob.glob(os.path.join(directory, label, "worker-*.prof")))
        controller = glob.glob(os.path.join(directory, label, "controller-*.prof"))
        report(label, 0.0, 0, workers, controller, {"wall": 0.0, "cpu": 0.0}, args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--runs", default="first,nochange",
                    help="which runs to profile, comma-separated, '' for none (default %(default)s)")
    ap.add_argument("--decompose", action="store_true",
                    help="also measure (unprofiled CPU) the plan alone, a set_fact loop and a check-mode cf_user_group "
                         "loop over the plan's items")
    ap.add_argument("--micro", action="store_true",
                    help="also time the action plugin's own steps for each apply item, in this process")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for --decompose (default %(default)s)")
    ap.add_argument("--top", type=int, default=25, help="top N functions (0: none)")
    ap.add_argument("--importtime", action="store_true", help="also show the imports of one run")
    ap.add_argument("--dump", metavar="DIR", help="copy the .prof files here")
    ap.add_argument("--timer", choices=["cpu", "wall"], default="cpu",
                    help="cpu (default): process CPU time, the waits for the API drop out and the machine's load does "
                         "not inflate the figures; wall: perf_counter")
    ap.add_argument("--callers", action="append", default=[], metavar="FUNC",
                    help="also print the callers of the functions whose name is FUNC (e.g. deepcopy)")
    ap.add_argument("--from", dest="saved", metavar="DIR", help="only report on the profiles saved with --dump DIR")
    args = ap.parse_args()
    if args.saved:
        report_saved(args.saved, args)
        return
    bench_run.ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="cfiam-profile-")
    side = bench_run.Side("after", "this checkout", bench_run.COLLECTIONS)
    bench = bench_run.Bench(args.latency_ms, workdir)
    try:
        _gen, empty, declaration = bench_run.scenario(args.groups, args.members)
        role_pb = bench.role_playbook("role", declaration)
        profile_dir = os.path.join(workdir, "profiles")
        print("Scenario: %d groups, %d members, %d ms latency" % (args.groups, args.members, args.latency_ms))
        runs = [r for r in args.runs.split(",") if r]
        if args.micro:
            micro(bench, declaration, empty)
            bench.emu.config(latency_ms=args.latency_ms)
        if args.decompose:
            decompose(bench, side, declaration, empty, args.repeat)
        reports = []
        if runs:
            plain_first = bench.playbook(side, "first run", role_pb, setup=lambda: bench.load(empty))
            plain_nochange = bench.playbook(side, "no-change run", role_pb)
        if "first" in runs:
            bench.load(empty)
            reports.append(("first run", profile_once(bench, side, "first", role_pb, profile_dir, args.timer),
                            plain_first))
        if "nochange" in runs:
            reports.append(("no-change run", profile_once(bench, side, "nochange", role_pb, profile_dir, args.timer),
                            plain_nochange))
        for label, (wall, requests, workers, controller), plain in reports:
            report(label, wall, requests, workers, controller, plain, args)
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
