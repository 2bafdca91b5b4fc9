#!/usr/bin/env bash
# The gate of `make galaxy-importer`: run galaxy-importer, the checks Galaxy and Automation Hub run on an
# uploaded collection, on the built tarball; fail on any warning or error it reports.
#
#   scripts/galaxy_importer.sh IMPORTER_BIN_DIR DIST_DIR CONFIG_FILE
#
# IMPORTER_BIN_DIR holds galaxy-importer's python and the ansible-lint it runs (first on PATH). The
# importer's log and importer_result.json are kept in DIST_DIR. A line it logs at WARNING or ERROR level
# ("WARNING: ...", "ERROR: ..."), a Python warning ("...Warning: ..."), a non-zero exit or a missing
# "Importer processing completed successfully" fails the gate.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 IMPORTER_BIN_DIR DIST_DIR CONFIG_FILE" >&2
    exit 2
fi
bin=$(cd "$1" && pwd)
dist=$2
config=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")

shopt -s nullglob
tarballs=("$dist"/cfiam-user_groups-*.tar.gz)
if [[ ${#tarballs[@]} -ne 1 ]]; then
    echo "galaxy-importer: expected one tarball in $dist (make build), found ${#tarballs[@]}" >&2
    exit 1
fi
tarball=$(cd "$(dirname "${tarballs[0]}")" && pwd)/$(basename "${tarballs[0]}")
log=$dist/galaxy-importer.log

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
# It writes importer_result.json into the current directory: a scratch one.
(cd "$work" && PATH="$bin:$PATH" GALAXY_IMPORTER_CONFIG=$config \
    "$bin/python" -m galaxy_importer.main "$tarball") > "$log" 2>&1 || rc=$?
cp "$work/importer_result.json" "$dist/" 2>/dev/null || true
echo "galaxy-importer $("$bin/python" -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))'), ansible-lint $(NO_COLOR=1 "$bin/ansible-lint" --nocolor --version 2>/dev/null | head -n 1 | awk '{print $2}') on $(basename "$tarball") (log: $log)"

problems=$(grep -nE '^(WARNING|ERROR|CRITICAL): |[A-Za-z]Warning: ' "$log" || true)
if [[ $rc -ne 0 || -n $problems ]] || ! grep -q 'Importer processing completed successfully' "$log"; then
    echo "galaxy-importer: FAILED (exit status $rc); what it reported:" >&2
    if [[ -n $problems ]]; then echo "$problems" >&2; else tail -n 30 "$log" >&2; fi
    exit 1
fi
grep -E '^(Linting|\.\.\.ansible-lint|Importer processing)' "$log" || true
echo "galaxy-importer: no warning, no error"
