#!/usr/bin/env bash
# The gate of `make molecule`: `molecule test` for every scenario, each against its own emulator.
#
#   scripts/molecule_all.sh BIN_DIR BUILD_DIR SKIPPED_DIR
#
# Scenarios: extensions/molecule/*/molecule.yml (run from the checkout's root) and
# roles/*/molecule/*/molecule.yml (run from the role's directory). Runs hold the lock
# BUILD_DIR/molecule.lock (molecule keeps scenario state per checkout). No scenario at all is
# reported loudly and recorded in SKIPPED_DIR/molecule. All scenarios run; the exit status is 1
# when one failed.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 BIN_DIR BUILD_DIR SKIPPED_DIR" >&2
    exit 2
fi
bin=$1
build=$2
skipped=$3
root=$PWD

shopt -s nullglob
scenarios=(extensions/molecule/*/molecule.yml roles/*/molecule/*/molecule.yml)
shopt -u nullglob
if [[ ${#scenarios[@]} -eq 0 ]]; then
    printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
    printf '!! molecule: NO scenarios found (extensions/molecule/*/molecule.yml,\n'
    printf '!!           roles/*/molecule/*/molecule.yml) - NOTHING WAS TESTED\n'
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n'
    mkdir -p "$skipped"
    echo "no molecule scenarios" > "$skipped/molecule"
    exit 0
fi

mkdir -p "$build"
failed=()
for f in "${scenarios[@]}"; do
    scenario=$(basename "$(dirname "$f")")
    case $f in
        extensions/*) dir=$root ;;
        roles/*) dir=$root/$(dirname "$(dirname "$(dirname "$f")")") ;;
    esac
    echo "---- molecule test -s $scenario (in $dir)"
    if ! ( cd "$dir" && ANSIBLE_PYTHON_INTERPRETER=$bin/python \
           flock "$build/molecule.lock" "$root/scripts/with_emulator.sh" "$bin/molecule" test -s "$scenario" ); then
        failed+=("$f")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "molecule: FAILED: ${failed[*]}"
    exit 1
fi
