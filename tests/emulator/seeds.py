#!/usr/bin/env python
"""Named emulator states ("seeds") and the ``make emulator`` / ``make emulator-log`` front-end.

Seeds (``SEEDS``; every one built by ``builders.py``, the same states the tests use):

  demo    the demo account (``builders.demo_state()``): 25 members (5 invitations pending), 5 zones, the
          resource group "Production zones", 4 Workers, and "Okta Contractors", a group pushed by SCIM;
          no other group. ``make demo`` and the tests start from it.
  empty   the same account without any user group (not even the SCIM group).
  acme    the accounts of ``playbooks/multi_account`` (``builders.accounts_state(builders.ACME_ACCOUNTS)``):
          Acme Production (the default account, with the SCIM group), Acme Staging, Acme Sandbox, and
          Globex Shared, which the example's inventory leaves out.
  large   ``builders.generated_state()``: 100 groups in 3 levels, 1,000 members, 10 zones.

Commands (``python tests/emulator/seeds.py COMMAND --help``):

  serve --seed NAME [--host H] [--port N] [--env-file F] [--bin-dir D] [--collections-path P]
        the emulator in the foreground until Ctrl-C (``make emulator SEED=NAME``). Prints the variables to
        export and writes them, as ``export`` lines a shell can source, to ``--env-file`` (removed on exit).
  log   [--env-file F] [--clear] [--json]
        the request log of the running emulator, one line per request (``make emulator-log``); the emulator
        is the one of ``CLOUDFLARE_BASE_URL`` when set, else the one named in ``--env-file``.
  list  the seeds and what they hold.
  dump  --seed NAME: the state as JSON (for ``cloudflare_emulator.py --state FILE`` or
        ``POST /__emulator__/state``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
from urllib.error import URLError
from urllib.request import Request, urlopen

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import builders  # noqa: E402  pylint: disable=wrong-import-position

DEFAULT_TOKEN = "emulator-token"


def _demo():
    return builders.demo_state()


def _empty():
    state = builders.demo_state()
    state["user_groups"] = []
    return state


def _acme():
    return builders.accounts_state(builders.ACME_ACCOUNTS)


def _large():
    return builders.generated_state()


# name -> (what it holds, builder)
SEEDS = {
    "demo": ("Demo Account: 25 members (5 pending), 5 zones, the resource group 'Production zones', 4 Workers, "
             "and 'Okta Contractors', pushed by SCIM; no other group", _demo),
    "empty": ("Demo Account without any user group (not even the SCIM group)", _empty),
    "acme": ("the accounts of playbooks/multi_account: Acme Production (default; 'Okta Contractors' pushed by "
             "SCIM), Acme Staging, Acme Sandbox, and Globex Shared (left out by the example's inventory)", _acme),
    "large": ("Generated Account: 100 groups in 3 levels, 1,000 members, 10 zones", _large),
}


def state(name):
    """The state of seed ``name`` (a fresh dict each call)."""
    if name not in SEEDS:
        raise KeyError("unknown seed %r; seeds: %s" % (name, ", ".join(sorted(SEEDS))))
    return SEEDS[name][1]()


def env_lines(base_url, account_id, bin_dir=None, collections_path=None, token=DEFAULT_TOKEN):
    """The ``export`` lines that point a shell at the emulator (and at the checkout's tools and collection)."""
    lines = ["export CLOUDFLARE_BASE_URL=%s" % shlex.quote(base_url),
             "export CLOUDFLARE_API_TOKEN=%s" % shlex.quote(token),
             "export CLOUDFLARE_ACCOUNT_ID=%s" % shlex.quote(account_id),
             "unset CLOUDFLARE_EMAIL CLOUDFLARE_API_KEY"]
    if collections_path:
        lines.append("export ANSIBLE_COLLECTIONS_PATH=%s" % shlex.quote(os.path.abspath(collections_path)))
        # As the checkout's ansible.cfg does, for playbooks of one's own run from another directory: they run on
        # localhost without an inventory, which ansible-core would warn about on every run.
        lines.append("export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False")
    if bin_dir:
        lines.append('export PATH=%s:"$PATH"' % shlex.quote(os.path.abspath(bin_dir)))
    return lines


def _write_env_file(path, seed, base_url, lines):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        handle.write("# The Cloudflare API emulator of `make emulator` (seed %s) at %s; removed when it stops.\n"
                     "# Load it from the checkout: . %s\n" % (seed, base_url, os.path.relpath(path)))
        handle.write("\n".join(lines) + "\n")
    os.replace(tmp, path)  # complete or absent: a reader never sees half a file


def _banner(seed, server, lines, env_file):
    out = ["Cloudflare API emulator, seed %r: %s" % (seed, SEEDS[seed][0]),
           "Listening on %s until Ctrl-C. Every request is checked against Cloudflare's OpenAPI contract."
           % server.base_url, ""]
    if env_file:
        out += ["In another terminal, from this checkout, load its variables (written to %s):"
                % os.path.relpath(env_file), "", "    . %s" % os.path.relpath(env_file), "",
                "(it also puts .venv/bin on PATH and this checkout's collection on ANSIBLE_COLLECTIONS_PATH), "
                "or export them yourself and run .venv/bin/ansible-playbook from the checkout:", ""]
    else:
        out += ["Export these in another terminal:", ""]
    out += ["    " + line for line in lines if line.startswith("export CLOUDFLARE_")]
    out += ["", "then run any playbook of the checkout (or, with the file loaded, your own from any directory), e.g.",
            "",
            "    ansible-playbook playbooks/demo.yml", "",
            "and see what it sent: make emulator-log (or GET %s/requests)." % server.admin_url, ""]
    return "\n".join(out)


def serve(args):
    from cloudflare_emulator import EmulatorServer  # pylint: disable=import-outside-toplevel

    server = EmulatorServer(args.host, args.port, state=state(args.seed))
    lines = env_lines(server.base_url, server.account_id, args.bin_dir, args.collections_path)
    if args.env_file:
        _write_env_file(args.env_file, args.seed, server.base_url, lines)

    def stop(_signum, _frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(_banner(args.seed, server, lines, args.env_file), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # A second signal (make passes Ctrl-C or SIGTERM on to its child) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if args.env_file and os.path.exists(args.env_file):
            os.remove(args.env_file)
        server.httpd.server_close()
        print("emulator stopped", flush=True)
    return 0


def _base_url(env_file):
    url = os.environ.get("CLOUDFLARE_BASE_URL")
    if url:
        return url
    if env_file and os.path.exists(env_file):
        with open(env_file) as handle:
            for line in handle:
                if line.startswith("export CLOUDFLARE_BASE_URL="):
                    return shlex.split(line.split("=", 1)[1])[0]
    raise SystemExit("no emulator: CLOUDFLARE_BASE_URL is not set and %s does not exist (start one with "
                     "`make emulator`)" % (env_file or "no env file was given"))


def _admin(url, method="GET"):
    admin = url.rstrip("/")
    if admin.endswith("/client/v4"):
        admin = admin[: -len("/client/v4")]
    try:
        with urlopen(Request(admin + "/__emulator__/requests", method=method), timeout=10) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (URLError, OSError, ValueError) as exc:
        raise SystemExit("cannot read the request log of the emulator at %s: %s" % (url, exc)) from exc


def _short(body, width=100):
    if body is None:
        return ""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= width else text[: width - 3] + "..."


def show_log(args):
    url = _base_url(args.env_file)
    entries = _admin(url)
    if args.json:
        print(json.dumps(entries, indent=2, sort_keys=True))
    else:
        counts = {}
        for entry in entries:
            counts[entry["method"]] = counts.get(entry["method"], 0) + 1
            path = entry["path"][len("/client/v4"):] if entry["path"].startswith("/client/v4") else entry["path"]
            query = entry.get("query") or {}
            if query:
                path += "?" + "&".join("%s=%s" % (k, v) for k, v in sorted(query.items()))
            line = "%4d %-6s %s %s %s" % (entry["seq"], entry["method"], entry["status"], path,
                                          _short(entry.get("body")))
            print(line.rstrip())
        writes = sum(n for method, n in counts.items() if method != "GET")
        print("%d requests (%s), %d writes" % (len(entries), ", ".join(
            "%s %d" % item for item in sorted(counts.items())) or "none", writes))
    if args.clear:
        _admin(url, "DELETE")
        print("request log cleared")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="the emulator in the foreground with a seed")
    p_serve.add_argument("--seed", default="demo", choices=sorted(SEEDS))
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    p_serve.add_argument("--env-file", help="write the export lines here (removed on exit)")
    p_serve.add_argument("--bin-dir", help="prepended to PATH in the env file (the checkout's .venv/bin)")
    p_serve.add_argument("--collections-path", help="ANSIBLE_COLLECTIONS_PATH in the env file")
    p_log = sub.add_parser("log", help="the request log of the running emulator")
    p_log.add_argument("--env-file")
    p_log.add_argument("--clear", action="store_true", help="empty the log after showing it")
    p_log.add_argument("--json", action="store_true", help="the raw entries")
    sub.add_parser("list", help="the seeds")
    p_dump = sub.add_parser("dump", help="a seed's state as JSON")
    p_dump.add_argument("--seed", default="demo", choices=sorted(SEEDS))
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "log":
        return show_log(args)
    if args.command == "dump":
        json.dump(state(args.seed), sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    for name in SEEDS:
        print("%-6s %s" % (name, SEEDS[name][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
