#!/usr/bin/env bash
# Issue 12 part C: the police search under wrk, server pinned to core 0 and wrk
# to core 1, on a register already in $PROTECTCERT_DATABASE_URL (SQLite path or
# postgres:// URL) that has the demo logins (`protectcert demo` before seeding).
# Usage: benches/police_search/run.sh [seconds] [connections]   (release binary built first)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
conns=${2:-32}
port=18093
export PROTECTCERT_LISTEN="127.0.0.1:$port" RUST_LOG=warn PROTECTCERT_PUBLIC_RATE_PER_MINUTE=100000000
taskset -c 0 target/release/protectcert serve >/tmp/police-search-server.log 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
TOKEN=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"pat@police.demo.test","password":"protectcert demo"}' | jq -r .token)
export TOKEN
for mode in district postcode name words; do
  echo "== $mode"
  MODE=$mode taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s benches/police_search/search.lua \
    "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
