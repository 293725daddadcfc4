#!/usr/bin/env bash
# Proves with generated SDKs that docs/openapi.json describes the wire (see docs/SDK.md):
# generates a Python client (openapi-python-client) and TypeScript types (openapi-typescript, used
# through openapi-fetch) from the checked-in document, with no hand edits, starts a real
# `ferry serve` on SQLite in a temporary directory, and runs sdk/python/scenario.py and
# sdk/typescript/scenario.ts against it.
#
#   sdk/run.sh [FERRY_BINARY]      # default target/debug/ferry (relative to the repository root)
#
# Everything it makes goes to target/sdk/ (the Python virtualenv and client) and to the
# git-ignored sdk/typescript/{node_modules,generated}/. The source-faker connector is
# $FERRY_TEST_SOURCE_FAKER, else `source-faker` on PATH, else target/tmp/connectors-venv (made
# with pip the first time, as the Rust tests do). Ends with "sdk: N passed, N failed" and
# exits non-zero when anything failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

FAKER_PACKAGE="airbyte-source-faker==7.2.1"
out="$root/target/sdk"
venv="$out/venv"

log() { printf '\n-- %s\n' "$*"; }

# Every wait here waits for an event (an answer, an exit), polled every 0.2 s and bounded by
# this: generous, for a machine loaded four to ten times over.
PATIENCE_SECS=300

ferry=${1:-target/debug/ferry}
[ -x "$ferry" ] || { echo "sdk/run.sh: $ferry is not an executable ferry binary (cargo build -p ferry-server)" >&2; exit 2; }
ferry=$(cd "$(dirname "$ferry")" && pwd)/$(basename "$ferry")

passed=0
failed=0
failures=()
check() { # check NAME COMMAND...: runs it, counts it, and goes on either way
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "sdk: FAILED: $name" >&2
    fi
}

log "source-faker"
if [ -n "${FERRY_TEST_SOURCE_FAKER:-}" ]; then
    faker=$FERRY_TEST_SOURCE_FAKER
elif command -v source-faker >/dev/null 2>&1; then
    faker=$(command -v source-faker)
else
    faker="$root/target/tmp/connectors-venv/bin/source-faker"
    if [ ! -x "$faker" ]; then
        echo "installing $FAKER_PACKAGE into target/tmp/connectors-venv (about a minute)"
        python3 -m venv "$root/target/tmp/connectors-venv"
        "$root/target/tmp/connectors-venv/bin/pip" install --quiet "$FAKER_PACKAGE"
    fi
fi
echo "$faker"

log "Python client (openapi-python-client)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "sdk/run.sh: openapi-python-client needs python3 3.11 or later" >&2; exit 2; }
requirements="$root/sdk/python/requirements.txt"
if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$out"
    python3 -m venv "$venv"
fi
# Reinstall only when the pinned requirements change.
if ! cmp -s "$requirements" "$venv/requirements.installed"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.installed"
fi
rm -rf "$out/python"
mkdir -p "$out/python"
# --fail-on-warning: an operation or schema the generator had to skip is a failure too. The
# generator formats its output with ruff, which the virtualenv brings (hence PATH).
generate_python() {
    PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
        --path "$root/docs/openapi.json" --output-path "$out/python/ferry_client" \
        --meta none --fail-on-warning
}
check "generate the Python client" generate_python
echo "generated $out/python/ferry_client"

log "TypeScript types (openapi-typescript) for openapi-fetch"
ts="$root/sdk/typescript"
# npm ci only when node_modules does not match the committed lock file.
if ! cmp -s "$ts/package-lock.json" "$ts/node_modules/.ferry-lock"; then
    (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ts/package-lock.json" "$ts/node_modules/.ferry-lock"
fi
rm -rf "$ts/generated"
check "generate the TypeScript types" \
    "$ts/node_modules/.bin/openapi-typescript" "$root/docs/openapi.json" --output "$ts/generated/ferry.ts"

log "ferry serve"
tmp=$(mktemp -d)
server_pid=
stop_server() {
    local status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        local deadline=$((SECONDS + PATIENCE_SECS))
        while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.2
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            echo "sdk/run.sh: timed out after $PATIENCE_SECS s waiting for ferry serve (pid $server_pid) to exit after SIGTERM; last saw: still running; killing it" >&2
            kill -KILL "$server_pid" 2>/dev/null || true
            status=1
        fi
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$tmp/server.log" ]; then
        echo "-- the server log's last 40 lines ($tmp/server.log):" >&2
        tail -n 40 "$tmp/server.log" >&2
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap stop_server EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/ferry.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
shutdown_timeout_secs = 5

[database]
url = "sqlite://$tmp/ferry.sqlite3"

[worker]
attempts_dir = "$tmp/jobs"
shutdown_grace_secs = 1

[connectors]
docker = false
local_json_root = "$tmp/local-json"

[connectors.commands]
"airbyte/source-faker" = ["$faker"]

[log]
format = "json"
EOF
# Only this file configures the server: FERRY_* variables from the caller's environment
# (a CI's database URL, say) would override it.
unset_ferry=()
for name in $(compgen -e); do
    case $name in FERRY_*) unset_ferry+=(-u "$name") ;; esac
done
env "${unset_ferry[@]}" "$ferry" --config "$tmp/ferry.toml" serve >"$tmp/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port/api"
deadline=$((SECONDS + PATIENCE_SECS))
# `last` is what the last try saw: the status code, after curl's error if it had one.
until last=$(curl -sS --max-time "$PATIENCE_SECS" -o /dev/null -w '%{http_code}' "$base/v1/health" 2>&1) &&
    [ "$last" = 200 ]; do
    kill -0 "$server_pid" 2>/dev/null || { echo "ferry serve exited at start-up" >&2; exit 1; }
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "sdk/run.sh: timed out after $PATIENCE_SECS s waiting for ferry serve to answer $base/v1/health with 200; last saw: ${last//$'\n'/ }" >&2
        exit 1
    fi
    sleep 0.2
done
echo "serving $base (pid $server_pid, in $tmp)"

log "Python scenario"
check "Python scenario" env PYTHONPATH="$out/python" "$venv/bin/python" "$root/sdk/python/scenario.py" "$base"

log "TypeScript scenario"
# The type check is where the document meets the scenario's bodies; the run then shows what the
# wire does whatever the check said (tsx strips types without checking them).
check "TypeScript type check (tsc --noEmit)" bash -c "cd '$ts' && node_modules/.bin/tsc --noEmit -p . && echo 'tsc: no type errors'"
check "TypeScript scenario" bash -c "cd '$ts' && node_modules/.bin/tsx scenario.ts '$base'"

if ! kill -0 "$server_pid" 2>/dev/null; then
    check "the server kept running" false
fi

echo
if [ "$failed" -ne 0 ]; then
    printf 'sdk: failed: %s\n' "${failures[@]}"
fi
echo "sdk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
