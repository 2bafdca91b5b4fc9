#!/usr/bin/env bash
# Print the path of a working interpreter for the first of the given Python versions
# that exists on this machine:
#
#   scripts/find_python.sh 3.12 3.13     # -> /root/.pyenv/versions/3.12.1/bin/python3.12
#
# For each version, in the order given:
#   1. every `python3.X` on PATH, in PATH order, if it really runs. pyenv's shims are on
#      PATH for every version but fail ("pyenv: python3.12: command not found") for versions
#      that are not selected, so a shim that does not run is skipped.
#   2. <pyenv root>/versions/3.X.*/bin/python3.X, newest patch release first, for each pyenv
#      root of: $PYENV_ROOT, `pyenv root` (if pyenv is on PATH), ~/.pyenv, /root/.pyenv
#      (CI may run with a fresh $HOME and no PYENV_ROOT).
# An interpreter counts only if it runs and can create virtual environments
# (`import venv, ensurepip`; Debian ships ensurepip separately in python3.X-venv).
#
# Exit status 1, with a message on stderr naming what was searched, if none is usable.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 VERSION... (e.g. 3.12 3.13)" >&2
    exit 2
fi

roots=()
add_root() {
    local root="$1" known
    [[ -n "${root}" && -d "${root}/versions" ]] || return 0
    for known in "${roots[@]+"${roots[@]}"}"; do
        [[ "${known}" == "${root}" ]] && return 0
    done
    roots+=("${root}")
}
add_root "${PYENV_ROOT:-}"
if command -v pyenv >/dev/null 2>&1; then
    add_root "$(pyenv root 2>/dev/null || true)"
fi
add_root "${HOME:-/nonexistent}/.pyenv"
add_root /root/.pyenv

usable() {
    "$1" -c 'import sys, venv, ensurepip; sys.exit(0)' >/dev/null 2>&1
}

searched=()
try() {
    searched+=("$1")
    if usable "$1"; then
        echo "$1"
        exit 0
    fi
}

for version in "$@"; do
    while IFS= read -r candidate; do
        if [[ -n "${candidate}" ]]; then try "${candidate}"; fi
    done < <(type -ap "python${version}" || true)
    for root in "${roots[@]+"${roots[@]}"}"; do
        # Newest patch release first (sort -V: 3.12.10 after 3.12.9).
        while IFS= read -r candidate; do
            if [[ -x "${candidate}" ]]; then try "${candidate}"; fi
        done < <(compgen -G "${root}/versions/${version}.*/bin/python${version}" | sort -rV || true)
    done
done

{
    echo "find_python: no usable Python $* found."
    echo "  looked for python<version> on PATH and <pyenv root>/versions/<version>.*/bin/python<version>"
    echo "  pyenv roots searched: ${roots[*]:-none found (PYENV_ROOT, pyenv root, ~/.pyenv, /root/.pyenv)}"
    if [[ ${#searched[@]} -gt 0 ]]; then
        echo "  found but unusable (does not run, or lacks venv/ensurepip): ${searched[*]}"
    fi
    echo "  install one, e.g. 'pyenv install $1' or 'apt-get install python$1 python$1-venv',"
    echo "  or name an interpreter explicitly (make ... LATEST_PYTHON=/path/to/python3.X)."
} >&2
exit 1
