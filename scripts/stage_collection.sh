#!/usr/bin/env bash
# Copy the collection into a REAL directory tree for ansible-test:
#
#   scripts/stage_collection.sh DEST   # DEST ends in ansible_collections/cfiam/user_groups
#
# ansible-test refuses a symlinked collection ("current working directory must be
# within the source tree"). The copy holds the files git knows about: tracked
# files plus untracked files that .gitignore does not exclude (so work in progress
# is tested too); .venv, .build, tests/output etc. stay out. DEST then gets its
# own `git init` so ansible-test lists files through git and honours .gitignore
# (DEST sits inside the checkout's ignored .build/, where the outer repository
# would otherwise hide every file).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DEST" >&2
    exit 2
fi
dest="$1"
case "${dest}" in
    */ansible_collections/cfiam/user_groups) ;;
    *) echo "stage_collection: DEST must end in ansible_collections/cfiam/user_groups" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

# Keep ansible-test's output from the previous run out of the way, then refresh.
rm -rf "${dest}"
mkdir -p "${dest}"

git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do
        # Skip files deleted in the working tree but still in the index.
        if [[ -e "${f}" || -L "${f}" ]]; then printf '%s\0' "${f}"; fi
    done \
    | tar --null --no-recursion -T - -cf - \
    | tar -xf - -C "${dest}"

git -C "${dest}" init -q
count="$(git -C "${dest}" ls-files --others --exclude-standard | wc -l)"
echo "stage_collection: ${count} files staged in ${dest}"
