#!/usr/bin/env bash
# The gate of `make build`: build the collection tarball and prove it installs and documents itself.
#
#   scripts/check_build.sh BIN_DIR DIST_DIR FQCN
#
# Builds into DIST_DIR (emptied first), refuses a tarball holding what it must not ship
# (virtualenvs, .build, .git, tests/output, __pycache__) or missing what it must (COPYING, meta/runtime.yml,
# meta/execution-environment.yml, requirements.txt, bindep.txt), installs it offline into a
# temporary collections path and reads a module's documentation from that installed copy.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 BIN_DIR DIST_DIR FQCN" >&2
    exit 2
fi
bin=$1
dist=$2
fqcn=$3

rm -rf "$dist"
mkdir -p "$dist"
"$bin/ansible-galaxy" collection build --force --output-path "$dist" "$PWD"
tarball=$(ls "$dist"/cfiam-user_groups-*.tar.gz)
tar -tzf "$tarball" > "$dist/contents.txt"
bad=$(grep -E '^(\.venv[^/]*|\.build|\.git|\.ansible|tests/output)(/|$)|__pycache__' "$dist/contents.txt" || true)
if [[ -n $bad ]]; then
    echo "build: tarball contains files it must not ship:"
    echo "$bad" | head
    exit 1
fi
for f in COPYING meta/runtime.yml meta/execution-environment.yml requirements.txt bindep.txt; do
    grep -qx "$f" "$dist/contents.txt" || { echo "build: $f missing from $tarball"; exit 1; }
done
echo "build: $(wc -l < "$dist/contents.txt") entries in $tarball"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ANSIBLE_COLLECTIONS_PATH=$tmp
"$bin/ansible-galaxy" collection install --offline -p "$tmp" "$tarball"
test -f "$tmp/ansible_collections/cfiam/user_groups/MANIFEST.json" || { echo "build: install did not land in $tmp"; exit 1; }
"$bin/ansible-galaxy" collection list "$fqcn"

module=""
for f in plugins/modules/*.py; do
    [[ -e $f && $(basename "$f") != __init__.py ]] || continue
    module=$(basename "$f" .py)
    break
done
if [[ -z $module ]]; then
    printf '\n!! build: no modules yet - installed tarball checked with ansible-galaxy collection list only\n\n'
    exit 0
fi
echo "ansible-doc -t module $fqcn.$module (from the installed tarball)"
"$bin/ansible-doc" -t module "$fqcn.$module" > "$dist/ansible-doc.txt"
head -n 3 "$dist/ansible-doc.txt"
path=$("$bin/ansible-doc" -t module -j "$fqcn.$module" \
       | "$bin/python" -c 'import json,sys; print(list(json.load(sys.stdin).values())[0]["doc"]["filename"])')
case $path in
    "$tmp"/*) echo "ansible-doc read $path" ;;
    *) echo "build: ansible-doc used $path, not the installed tarball"; exit 1 ;;
esac
