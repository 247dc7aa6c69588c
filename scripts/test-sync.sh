#!/usr/bin/env bash
# Sync against a real FHIR R4 server: installs the pinned Medplum packages (npm ci, skipped when
# node_modules already matches package-lock.json), starts the server (tests/fhir-server/server.js)
# and the seeded fault proxy (tests/fhir-server/fault-proxy.js) on free 127.0.0.1 ports, runs the
# Rust sync tests against them, and always stops both. (The core/tests/sync_*.rs suites that use
# the in-memory fake server run here too, and in plain `cargo test`.)
#
#   scripts/test-sync.sh          the sync tests (cargo feature `sync-tests`)
#   scripts/test-sync.sh bench    the release-mode benchmark (examples/bench_sync.rs)
#
# Env: FAULT_SEED (default 20261124), FAULT_RATE (default 0.3) for the proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"
shift || true
dir=tests/fhir-server

command -v node >/dev/null || { echo "test-sync: node (>= 20) is required" >&2; exit 1; }
stamp="$dir/node_modules/.phr-lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "==> npm ci (tests/fhir-server)"
    (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
fi

logs="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$logs"
}
trap cleanup EXIT INT TERM

# Start `node FILE ARGS...` in THIS shell (so the trap knows its pid) and wait, bounded, for
# its `listening <port>` line; the port is left in $port.
port=""
start() {
    local name="$1"; shift
    node "$@" >"$logs/$name.out" 2>"$logs/$name.err" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 300); do
        if grep -q '^listening ' "$logs/$name.out" 2>/dev/null; then
            port="$(awk '/^listening /{print $2; exit}' "$logs/$name.out")"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "test-sync: $name did not start" >&2
    cat "$logs/$name.err" >&2
    return 1
}

start server "$dir/server.js" 0
server_port="$port"
FAULT_SEED="${FAULT_SEED:-20261124}" FAULT_RATE="${FAULT_RATE:-0.3}" FAULT_SLOW_MS=3000 \
    start proxy "$dir/fault-proxy.js" "$server_port" 0
proxy_port="$port"
echo "==> FHIR server on 127.0.0.1:$server_port, fault proxy on 127.0.0.1:$proxy_port"

export PHR_SYNC_FHIR_URL="http://127.0.0.1:$server_port/fhir/R4"
export PHR_SYNC_ADMIN_URL="http://127.0.0.1:$server_port"
export PHR_SYNC_PROXY_URL="http://127.0.0.1:$proxy_port/fhir/R4"
export PHR_SYNC_PROXY_ADMIN_URL="http://127.0.0.1:$proxy_port"

case "$mode" in
    test)
        cargo test -p phr-core --features sync-tests --test 'sync_*' -- --test-threads=1 --nocapture "$@"
        if [[ $# -eq 0 ]]; then
            echo "==> phr demo --server (the CLI end to end against the same server)"
            cargo build -q -p phr-cli
            phr="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/phr"
            out="$(cd "$logs" && "$phr" demo --dir demo --server "$PHR_SYNC_FHIR_URL")"
            echo "$out" | sed -n '/^sync with/,/left in the outbox/p'
            echo "$out" | grep -q ' 0 item(s) left in the outbox' \
                || { echo "test-sync: the demo's sync did not empty the outbox" >&2; exit 1; }
        fi
        ;;
    bench)
        cargo run -p phr-core --release --example bench_sync
        ;;
    *)
        echo "usage: scripts/test-sync.sh [test|bench]" >&2
        exit 2
        ;;
esac
