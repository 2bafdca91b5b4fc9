#!/usr/bin/env bash
# The documentation gate of `make docs-lint` (after antsibull-docs' lint, which the Makefile runs):
#
#   scripts/docs_lint.sh BIN_DIR BUILD_DIR FQCN
#
# 1. ansible-doc renders every module, inventory plugin and role of the checkout (run from the
#    checkout's root, with ANSIBLE_COLLECTIONS_PATH pointing at the collection), without a
#    [WARNING] or [ERROR];
# 2. docs/modules/ (committed Markdown) is what scripts/gen_docs.py makes of the current docs.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 BIN_DIR BUILD_DIR FQCN" >&2
    exit 2
fi
bin=$1
build=$2
fqcn=$3
out="$build/ansible-doc.out"
mkdir -p "$build"

names() {  # names DIR: the plugin names in DIR (*.py without __init__.py), sorted
    local f
    for f in "$1"/*.py; do
        [[ -e $f && $(basename "$f") != __init__.py ]] || continue
        basename "$f" .py
    done | sort
}

render() {  # render TYPE NAME: ansible-doc must succeed and print no warning or error
    echo "ansible-doc -t $1 $fqcn.$2"
    if ! "$bin/ansible-doc" -t "$1" "$fqcn.$2" > "$out" 2>&1; then
        cat "$out"
        exit 1
    fi
    if grep -q '\[WARNING\]\|\[ERROR\]' "$out"; then
        cat "$out"
        exit 1
    fi
}

modules=$(names plugins/modules)
if [[ -z $modules ]]; then
    printf '\n!! docs-lint: plugins/modules/ has no modules yet - NO ansible-doc rendering checked\n\n'
fi
for m in $modules; do render module "$m"; done
for i in $(names plugins/inventory); do render inventory "$i"; done
for spec in roles/*/meta/argument_specs.yml; do
    [[ -e $spec ]] || continue
    role=${spec#roles/}
    render role "${role%%/*}"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/python" scripts/gen_docs.py "$tmp/modules" > /dev/null
if ! diff -ru docs/modules "$tmp/modules"; then
    echo "docs-lint: docs/modules/ is out of date: run 'make docs' and commit the result"
    exit 1
fi
echo "docs-lint: docs/modules/ is up to date ($(find "$tmp/modules" -type f | wc -l) pages)"
