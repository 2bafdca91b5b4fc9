#!/usr/bin/env python
# Copyright: (c) 2025, cfiam.user_groups maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install an offline stand-in for the ``get-pip.py`` that ansible-test downloads.

ansible-test (``--venv`` and ``--local`` alike) bootstraps pip into its own
virtual environments with ``get-pip-<version>.py`` fetched from
ci-files.testing.ansible.com, which this project's machines cannot reach.  It
first looks for the script in ``~/.ansible/test/cache/get_pip_<X_Y>.py``.

This helper reads the pip version(s) that the *installed* ansible-test expects
from ``ansible_test/_internal/python_requirements.py`` (so it follows
ansible-core upgrades without edits) and writes a stand-in there that:

1. runs ``python -m ensurepip --upgrade`` in a subprocess (calling
   ``ensurepip.bootstrap()`` in-process hides pip's config files, and pip then
   loses the machine's CA bundle setting and cannot reach the registry);
2. runs ``python -m pip install <arguments>``, minus ``--no-setuptools`` and
   ``--no-wheel`` which only get-pip.py understands.

Run it with the interpreter whose ansible-core will run ansible-test:
``.venv/bin/python scripts/ansible_test_bootstrap.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile

MARKER = "cfiam.user_groups offline get-pip stand-in"

STAND_IN = '''#!/usr/bin/env python
"""{marker} (written by scripts/ansible_test_bootstrap.py).

Replaces get-pip.py for ansible-test on machines that cannot reach
ci-files.testing.ansible.com.
"""
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    # ensurepip in a subprocess: in-process it hides pip's config files (CA bundle, index).
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
'''

PIP_VERSION_RE = re.compile(r"""\bpip\s*=\s*['"]([0-9][0-9A-Za-z.]*)['"]""")


def find_requirements_file(explicit=None):
    """Return the path of ansible-test's python_requirements.py."""
    if explicit:
        return explicit
    try:
        import ansible_test  # pylint: disable=import-outside-toplevel
    except ImportError:
        sys.exit("ansible_test is not importable by %s: install ansible-core first" % sys.executable)
    return os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")


def expected_pip_versions(path):
    """Return the sorted pip versions mentioned in get_venv_packages()."""
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    versions = sorted(set(PIP_VERSION_RE.findall(source)))
    if not versions:
        sys.exit("could not find the pip version ansible-test expects in %s" % path)
    return versions


def write_stand_in(cache_dir, version):
    """Write the stand-in for one pip version; return (path, action)."""
    path = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
    content = STAND_IN.format(marker=MARKER)
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            current = handle.read()
        if current == content:
            return path, "up to date"
        if MARKER not in current:
            # A genuine get-pip.py (downloaded where the host was reachable): keep it.
            return path, "kept existing (not ours)"
    os.makedirs(cache_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".get_pip_", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path, "written"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requirements-file", help="path to ansible_test/_internal/python_requirements.py")
    parser.add_argument("--cache-dir", default=os.path.expanduser("~/.ansible/test/cache"))
    args = parser.parse_args()

    path = find_requirements_file(args.requirements_file)
    for version in expected_pip_versions(path):
        target, action = write_stand_in(args.cache_dir, version)
        print("ansible-test pip %s bootstrap: %s (%s)" % (version, target, action))


if __name__ == "__main__":
    main()
