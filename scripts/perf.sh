#!/usr/bin/env bash
# Runs the performance scenarios of docs/performance.md: the server pinned to core 0, the load
# generator to core 1, each scenario 3 times on a fresh server. Loopback only, bounded in time.
# Usage: scripts/perf.sh [scenario...]   (scenarios: s1 s2 s3-10k s3-1k; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/livedash
go build -o "$bin" ./cmd/livedash
work=$(mktemp -d)
export LIVEDASH_API_KEY=perf-key-0123456789abcdef LIVEDASH_MAX_CONNECTIONS_PER_IP=0 \
  LIVEDASH_ADDR=127.0.0.1:18181 LIVEDASH_LOG_LEVEL=warn LIVEDASH_DATA_DIR="$work/data" \
  LIVEDASH_COLLECTOR_ENABLED=false
url=http://127.0.0.1:18181
transport=${TRANSPORT:-ws}

run() { # name, bench flags...
  local name=$1; shift
  for i in 1 2 3; do
    taskset -c 0 "$bin" serve >"$work/server.out" 2>"$work/server.err" &
    local pid=$!
    for _ in $(seq 50); do curl -sf "$url/websocket/health" >/dev/null && break; sleep 0.1; done
    echo "== $name run $i ($transport)"
    taskset -c 1 "$bin" bench --url "$url" --transport "$transport" --pid "$pid" "$@" 2>"$work/bench.err" | grep -v '^$' || { tail -5 "$work/bench.err"; }
    kill -TERM "$pid"; wait "$pid" || true
  done
}

scenarios=${*:-s1 s2 s3-10k s3-1k}
for s in $scenarios; do
  case $s in
    s1) run "S1 idle: 19,500 subscribers" --conns 19500 --source-addrs 2 --rate 1 --duration 3s ;;
    s2) run "S2 steady: 10,000 subscribers, 10 publishes/s" --conns 10000 --rate 10 --duration 10s ;;
    s3-10k) run "S3 saturation: 10,000 subscribers" --conns 10000 --rate 0 --publishers 32 --duration 10s ;;
    s3-1k) run "S3 saturation: 1,000 subscribers" --conns 1000 --rate 0 --publishers 32 --duration 10s ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
rm -rf "$work"
