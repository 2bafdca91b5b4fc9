#!/usr/bin/env bash
# The gate of `make sanity`: ansible-test sanity on a staged copy of the collection.
#
#   scripts/sanity.sh BIN_DIR STAGE_DIR PYTHON_VERSION [EXTRA_PYTHON_VERSION...]
#
# Used by `make sanity` (.venv, extra Pythons) and `make sanity-latest` (.venv-2.21, none).
# Stages the checkout into STAGE_DIR (scripts/stage_collection.sh; ansible-test refuses a symlinked
# collection), runs every sanity test with BIN_DIR/ansible-test on PYTHON_VERSION (--local: the
# tools still get ansible-test's own pinned virtualenvs), then the compile and import tests once per
# EXTRA_PYTHON_VERSION whose interpreter scripts/find_python.sh finds (a version with none is
# reported, not run).
#
# Environment: SANITY_SKIP (tests to skip, space-separated), SANITY_ARGS (more ansible-test
# arguments, split on spaces), PYENV_ROOT (where find_python.sh looks).
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 BIN_DIR STAGE_DIR PYTHON_VERSION [EXTRA_PYTHON_VERSION...]" >&2
    exit 2
fi
bin=$1
stage=$2
python_version=$3
shift 3
root=$PWD

skip_args=()
for t in ${SANITY_SKIP:-}; do skip_args+=(--skip-test "$t"); done
read -r -a extra_args <<< "${SANITY_ARGS:-}"

"$root/scripts/stage_collection.sh" "$stage"
cd "$stage"
# ansible-test looks up python3.X on PATH: BIN_DIR's comes first (pyenv's shim of that name does not run)
export PATH=$bin:$PATH
echo "ansible-test: $bin/ansible-test, ansible-core $("$bin/python" -c 'import ansible.release as r; print(r.__version__)')"
"$bin/ansible-test" sanity --python "$python_version" --local --color no \
    ${skip_args[@]+"${skip_args[@]}"} ${extra_args[@]+"${extra_args[@]}"}
for v in "$@"; do
    py=$("$root/scripts/find_python.sh" "$v" 2>/dev/null) || py=""
    if [[ -z $py ]]; then
        echo "!! sanity: no python$v here - compile/import NOT checked on $v"
        continue
    fi
    dir=$(dirname "$py")
    echo "---- ansible-test sanity --test compile --test import --python $v ($dir/python$v)"
    PATH=$dir:$PATH "$bin/ansible-test" sanity --python "$v" --local --color no --test compile --test import
done
