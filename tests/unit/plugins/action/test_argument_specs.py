# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every action plugin's argument spec matches its module's documentation.

``plugins/modules/<name>.py`` holds only documentation, so ansible-test's validate-modules can no longer compare
the documentation with the argument spec (it lives in ``plugins/action/<name>.py``). This test does: the
documentation is read by ansible-core's own plugin docs loader (doc fragments resolved, exactly as ansible-doc
shows it), in a child process with the collection loader installed, and compared option by option, recursively,
with ``ActionModule.argument_spec()`` (the connection options included).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile

import pytest

import ansible
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.cfiam.user_groups.plugins.module_utils.common import ResolutionError
from ansible_collections.cfiam.user_groups.plugins.module_utils.connection import cloudflare_argument_spec
from ansible_collections.cfiam.user_groups.plugins.module_utils.runtime import TaskRun

COLLECTION = "cfiam.user_groups"
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))
MODULES = sorted(os.path.splitext(os.path.basename(p))[0]
                 for p in glob.glob(os.path.join(COLLECTION_ROOT, "plugins", "modules", "*.py"))
                 if not p.endswith("__init__.py"))

# Options the documentation marks required on purpose while the argument spec does not: the action checks them
# itself so that the message can say how to empty the list (``members: []`` / ``policies: []`` with
# ``exclusive: true``) instead of ansible-core's bare "missing required arguments". test_allow_list_is_needed
# below proves that each entry is still a real difference and that the action does refuse the missing option.
REQUIRED_CHECKED_IN_CODE = {
    ("cf_user_group_member", "members"): "members is required: list the members",
    ("cf_user_group_policy", "policies"): "policies is required: list the policies",
}

# validate-modules' rule: an option whose name looks like a secret must say no_log explicitly (True or False).
SECRET_LOOKING = re.compile(r"(?:pass(?!ive)|secret|token|key)", re.I)
CREDENTIALS = ("api_token", "api_key")

DOCS_SCRIPT = r"""
import json, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible.plugins.loader import fragment_loader, inventory_loader, module_loader
from ansible.utils.plugin_docs import get_docstring
out = {}
for name in sys.argv[2:]:
    loader = inventory_loader if name.startswith("inventory:") else module_loader
    plugin = name.split(":", 1)[-1]
    context = loader.find_plugin_with_context(plugin)
    if not context.resolved:
        out[name] = {"error": "plugin %s not found: %s" % (name, context.plugin_resolved_name)}
        continue
    try:
        doc = get_docstring(context.plugin_resolved_path, fragment_loader, verbose=False,
                            collection_name="cfiam.user_groups", is_module=loader is module_loader)[0]
    except Exception as exc:
        out[name] = {"error": "%s: %s" % (type(exc).__name__, exc)}
        continue
    out[name] = {"options": (doc or {}).get("options") or {}, "path": context.plugin_resolved_path}
print(json.dumps(out, default=str))
"""
INVENTORIES = sorted(os.path.splitext(os.path.basename(p))[0]
                     for p in glob.glob(os.path.join(COLLECTION_ROOT, "plugins", "inventory", "*.py"))
                     if not p.endswith("__init__.py"))

# A documentation bug found by this test (listed in the report; the test fails once the documentation is fixed).


def collections_path():
    """The directory holding ``ansible_collections`` with this collection (ansible-test's copy, or .build)."""
    parent = os.path.dirname(os.path.dirname(COLLECTION_ROOT))
    if os.path.basename(parent) == "ansible_collections":
        return os.path.dirname(parent)
    return os.path.join(COLLECTION_ROOT, ".build", "collections")  # tests/unit/conftest.py links it


def _docs_cache_file():
    """A cache of the documentation per content: ansible-test forks every test, a process cache would not last."""
    digest = hashlib.sha256()
    for pattern in ("modules/*.py", "inventory/*.py", "doc_fragments/*.py"):
        for path in sorted(glob.glob(os.path.join(COLLECTION_ROOT, "plugins", pattern))):
            with open(path, "rb") as handle:
                digest.update(path.encode("utf-8") + b"\0" + handle.read())
    digest.update(("%s %s %s" % (ansible.__version__, sys.executable, collections_path())).encode("utf-8"))
    return os.path.join(tempfile.gettempdir(), "cfiam-module-docs-%s.json" % digest.hexdigest()[:20])


def module_docs():
    """Every module's (and inventory plugin's, as ``inventory:<fqcn>``) documented options, fragments merged, read
    once per content of the documentation."""
    cache = _docs_cache_file()
    if os.path.exists(cache):
        with open(cache) as handle:
            return json.load(handle)
    docs = _read_module_docs()
    partial = "%s.%d" % (cache, os.getpid())
    with open(partial, "w") as handle:
        json.dump(docs, handle)
    os.replace(partial, cache)
    return docs


def _read_module_docs():
    env = dict(os.environ)
    ansible_lib = os.path.dirname(os.path.dirname(os.path.abspath(ansible.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([ansible_lib] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["ANSIBLE_COLLECTIONS_PATH"] = collections_path()
    proc = subprocess.run([sys.executable, "-c", DOCS_SCRIPT, collections_path()] +
                          ["%s.%s" % (COLLECTION, m) for m in MODULES] +
                          ["inventory:%s.%s" % (COLLECTION, i) for i in INVENTORIES],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def action_class(module):
    return importlib.import_module("ansible_collections.cfiam.user_groups.plugins.action.%s" % module).ActionModule


def compare(module, path, doc_options, spec_options, problems):
    """Append a readable difference for every option of ``doc_options`` / ``spec_options`` (recursively)."""
    for name in sorted(set(doc_options) - set(spec_options)):
        problems.append("%s: option %s%s is documented but not in the argument spec" % (module, path, name))
    for name in sorted(set(spec_options) - set(doc_options)):
        problems.append("%s: option %s%s is in the argument spec but not documented" % (module, path, name))
    for name in sorted(set(doc_options) & set(spec_options)):
        doc, spec = doc_options[name] or {}, spec_options[name] or {}
        where = "%s: option %s%s" % (module, path, name)

        def differ(what, documented, specified):
            if documented != specified:
                problems.append("%s: %s is %r in the documentation, %r in the argument spec" % (
                    where, what, documented, specified))

        differ("type", doc.get("type", "str"), spec.get("type", "str"))
        differ("elements", doc.get("elements"), spec.get("elements"))
        differ("default", doc.get("default"), spec.get("default"))
        differ("choices", doc.get("choices"), spec.get("choices"))
        differ("aliases", sorted(doc.get("aliases") or []), sorted(spec.get("aliases") or []))
        required = (bool(doc.get("required", False)), bool(spec.get("required", False)))
        if required[0] != required[1] and (module, path + name) not in REQUIRED_CHECKED_IN_CODE:
            differ("required", required[0], required[1])
        if "no_log" in doc:
            differ("no_log", doc["no_log"], spec.get("no_log"))
        if SECRET_LOOKING.search(name) and "no_log" not in spec:
            problems.append("%s: looks like a secret, but the argument spec does not set no_log" % where)
        if name in CREDENTIALS and path == "" and spec.get("no_log") is not True:
            problems.append("%s: a credential must have no_log=True" % where)
        fallback = spec.get("fallback")
        if fallback:
            text = " ".join(doc.get("description") or [])
            for var in fallback[1]:
                if "E(%s)" % var not in text:
                    problems.append("%s: falls back to %s, which the documentation does not mention" % (where, var))
        if doc.get("suboptions") or spec.get("options"):
            compare(module, "%s%s." % (path, name), doc.get("suboptions") or {}, spec.get("options") or {}, problems)


def test_every_module_has_an_action_and_documentation():
    actions = sorted(os.path.splitext(os.path.basename(p))[0]
                     for p in glob.glob(os.path.join(COLLECTION_ROOT, "plugins", "action", "*.py")))
    assert MODULES and actions == MODULES
    for module in MODULES:
        assert action_class(module).MODULE == module


@pytest.mark.parametrize("module", list(MODULES))
def test_argument_spec_matches_the_documentation(module):
    found = module_docs()["%s.%s" % (COLLECTION, module)]
    assert "error" not in found, found["error"]
    assert os.path.realpath(found["path"]) == os.path.realpath(
        os.path.join(COLLECTION_ROOT, "plugins", "modules", module + ".py"))
    problems = []
    compare(module, "", found["options"], action_class(module).argument_spec(), problems)
    assert problems == [], "\n".join(problems)
    # Every allowed difference is still a difference (the allow-list never goes stale).
    for listed, option in REQUIRED_CHECKED_IN_CODE:
        if listed == module:
            assert found["options"][option].get("required") is True
            assert action_class(module).argument_spec()[option].get("required", False) is False


def test_the_comparison_can_fail():
    problems = []
    compare("m", "", {"a": {"type": "int", "default": 1, "required": True},
                      "b": {"type": "list", "elements": "str", "suboptions": {"c": {"choices": ["x"]}}},
                      "gone": {}},
            {"a": {"type": "str", "default": 2}, "b": {"type": "list", "elements": "dict", "options": {
                "c": {"choices": ["y"]}, "d": {}}}, "api_key": {"type": "str"}, "new": {}}, problems)
    assert problems == [
        "m: option gone is documented but not in the argument spec",
        "m: option api_key is in the argument spec but not documented",
        "m: option new is in the argument spec but not documented",
        "m: option a: type is 'int' in the documentation, 'str' in the argument spec",
        "m: option a: default is 1 in the documentation, 2 in the argument spec",
        "m: option a: required is True in the documentation, False in the argument spec",
        "m: option b: elements is 'str' in the documentation, 'dict' in the argument spec",
        "m: option b.d is in the argument spec but not documented",
        "m: option b.c: choices is ['x'] in the documentation, ['y'] in the argument spec",
    ]


@pytest.mark.parametrize("module, option", sorted(REQUIRED_CHECKED_IN_CODE), ids=str)
def test_allow_list_is_needed(module, option):
    """The action refuses the missing option itself, with its own message, before any request."""
    validation = ArgumentSpecValidator(action_class(module).argument_spec()).validate({"group": "Ops"})
    assert validation.errors.messages == []
    params = dict(validation.validated_parameters, account_id="0" * 32, api_token="t")
    run = TaskRun("%s.%s" % (COLLECTION, module), params, scope=object())
    with pytest.raises(ResolutionError) as info:
        action_class(module).run_task(None, run)
    assert info.value.problems[0].startswith(REQUIRED_CHECKED_IN_CODE[(module, option)])
    assert run._session is None  # pylint: disable=protected-access


def test_the_inventory_takes_the_modules_connection_options():
    """The accounts inventory documents every connection option of the modules (but the account) through the
    cfiam.user_groups.connection fragment: same type and default, and ``env:`` exactly the spec's fallbacks."""
    found = module_docs()["inventory:%s.accounts" % COLLECTION]
    assert "error" not in found, found["error"]
    options = found["options"]
    spec = cloudflare_argument_spec()
    expected = set(spec) - {"account_id"}
    assert expected <= set(options)
    for key in sorted(expected):
        option, documented = spec[key], options[key]
        assert documented.get("type", "str") == option.get("type", "str"), key
        assert documented.get("default") == option.get("default"), key
        fallback = option.get("fallback")
        env = list(fallback[1]) if fallback else []
        assert [e["name"] for e in documented.get("env") or []] == env, key
    filters = set(options) - expected
    assert filters == {"plugin", "include_names", "exclude_names", "account_ids", "exclude_account_ids",
                       "host_name_prefix", "cache", "cache_connection", "cache_plugin", "cache_prefix", "cache_timeout",
                       "compose", "groups", "keyed_groups", "leading_separator", "strict", "use_extra_vars"}
