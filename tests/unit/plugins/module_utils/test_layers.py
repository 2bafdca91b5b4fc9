# -*- coding: utf-8 -*-
# Copyright (c) cfiam.user_groups contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layer map of docs/development.md against the code: each module_utils file's docstring ("Layer N of M"), its
imports (the table's "Imports today" column), and the one direction (no file imports one of a higher layer or
listed below it)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
while not os.path.exists(os.path.join(ROOT, "galaxy.yml")):
    assert os.path.dirname(ROOT) != ROOT, "galaxy.yml not found above the tests"
    ROOT = os.path.dirname(ROOT)
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
PACKAGE = "ansible_collections.cfiam.user_groups.plugins."


def layer_table():
    """``[(layer number or None, file, {imports})]`` in the order of the table."""
    with open(os.path.join(ROOT, "docs", "development.md")) as handle:
        text = handle.read()
    start = text.index("| Layer | File | What lives there | Imports today |")
    rows = []
    layer = None
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        number = re.match(r"(\d+) ", cells[0])
        if number:
            layer = int(number.group(1))
        elif cells[0] == "entry":
            layer = None
        imports = set() if cells[-1] in ("—", "") else set(
            re.sub(r"\s*\(.*?\)", "", name).strip() for name in cells[-1].split(","))
        rows.append((layer, cells[1].strip("`"), imports))
    return rows


def imports_of(path):
    """The collection modules (``module_utils/x`` -> ``x``, ``plugin_utils/y`` -> ``plugin_utils``) a file imports."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
            rest = node.module[len(PACKAGE):].split(".")
            found.add(rest[1] if rest[0] == "module_utils" and len(rest) > 1 else rest[0])
    return found


def docstring_layer(path):
    with open(path) as handle:
        doc = ast.get_docstring(ast.parse(handle.read())) or ""
    found = re.search(r"Layer (\d+) of (\d+)", doc)
    return (int(found.group(1)), int(found.group(2))) if found else None


TABLE = layer_table()
UTILS = [(layer, name, imports) for layer, name, imports in TABLE if "/" not in name]


def test_the_table_lists_every_module_utils_file():
    listed = sorted(name for _layer, name, _imports in UTILS)
    present = sorted(f for f in os.listdir(MODULE_UTILS) if f.endswith(".py") and f != "__init__.py")
    assert listed == present


@pytest.mark.parametrize("layer, name, imports", UTILS, ids=[name for _l, name, _i in UTILS])
def test_docstring_and_imports_agree_with_the_table(layer, name, imports):
    path = os.path.join(MODULE_UTILS, name)
    top = max(row[0] for row in UTILS)
    assert docstring_layer(path) == (layer, top), "%s: the docstring must say 'Layer %d of %d'" % (name, layer, top)
    actual = imports_of(path)
    assert actual == imports, "%s imports %s; docs/development.md says %s" % (name, sorted(actual), sorted(imports))
    position = [row[1] for row in UTILS].index(name)
    for other in actual:
        other_layer, other_position = [(row[0], i) for i, row in enumerate(UTILS) if row[1] == other + ".py"][0]
        assert other_layer <= layer and other_position < position, "%s (layer %d) imports %s (layer %d)" % (
            name, layer, other, other_layer)


def test_the_inventory_row():
    (imports,) = [i for _layer, name, i in TABLE if name == "plugins/inventory/accounts.py"]
    assert imports_of(os.path.join(ROOT, "plugins", "inventory", "accounts.py")) == imports
