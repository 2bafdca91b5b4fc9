#!/usr/bin/env bash
# Run a command against a throw-away Cloudflare API emulator.
#
#   scripts/with_emulator.sh CMD [ARGS...]
#
# Starts tests/emulator/cloudflare_emulator.py on a free port (--port 0), waits
# for its "EMULATOR_URL=..." line, exports
#   CLOUDFLARE_BASE_URL    the emulator URL
#   CLOUDFLARE_API_TOKEN   emulator-token
#   CLOUDFLARE_ACCOUNT_ID  0123456789abcdef0123456789abcdef
#   CFIAM_EMULATOR_URL     same as CLOUDFLARE_BASE_URL
# runs CMD, and always stops the emulator (also on failure or Ctrl-C).
# The exit status is CMD's.
#
# Environment:
#   CFIAM_EMULATOR_PYTHON   interpreter for the emulator (default: .venv/bin/python, else python3)
#   CFIAM_EMULATOR_TIMEOUT  seconds to wait for EMULATOR_URL (default: 30)
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
emulator="${repo_root}/tests/emulator/cloudflare_emulator.py"
if [[ ! -f "${emulator}" ]]; then
    echo "with_emulator: ${emulator} does not exist (yet); cannot run: $*" >&2
    exit 1
fi

python="${CFIAM_EMULATOR_PYTHON:-}"
if [[ -z "${python}" ]]; then
    if [[ -x "${repo_root}/.venv/bin/python" ]]; then
        python="${repo_root}/.venv/bin/python"
    else
        python="python3"
    fi
fi
timeout="${CFIAM_EMULATOR_TIMEOUT:-30}"

log="$(mktemp "${TMPDIR:-/tmp}/cfiam-emulator.XXXXXX.log")"
emulator_pid=""

cleanup() {
    local rc=$?
    if [[ -n "${emulator_pid}" ]] && kill -0 "${emulator_pid}" 2>/dev/null; then
        kill "${emulator_pid}" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "${emulator_pid}" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "${emulator_pid}" 2>/dev/null || true
        wait "${emulator_pid}" 2>/dev/null || true
    fi
    if [[ ${rc} -ne 0 && -s "${log}" ]]; then
        echo "with_emulator: emulator log (${log}):" >&2
        tail -n 40 "${log}" >&2 || true
    else
        rm -f "${log}"
    fi
    exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${python}" -u "${emulator}" --port 0 >"${log}" 2>&1 &
emulator_pid=$!

url=""
deadline=$((SECONDS + timeout))
while [[ -z "${url}" ]]; do
    url="$(sed -n 's/^EMULATOR_URL=//p' "${log}" | head -n 1)"
    [[ -n "${url}" ]] && break
    if ! kill -0 "${emulator_pid}" 2>/dev/null; then
        echo "with_emulator: emulator exited before printing EMULATOR_URL" >&2
        exit 1
    fi
    if (( SECONDS >= deadline )); then
        echo "with_emulator: no EMULATOR_URL line within ${timeout}s" >&2
        exit 1
    fi
    sleep 0.1
done

export CLOUDFLARE_BASE_URL="${url}"
export CFIAM_EMULATOR_URL="${url}"
export CLOUDFLARE_API_TOKEN="emulator-token"
export CLOUDFLARE_ACCOUNT_ID="0123456789abcdef0123456789abcdef"
echo "with_emulator: emulator pid ${emulator_pid} at ${url}" >&2

# Not exec: the trap must stop the emulator once CMD is done.
"$@"
