#!/usr/bin/env bash
# Issue 12 part F: /healthz and /metrics under load against a do-nothing actix route
# in the same run. Server pinned to core 0, wrk to core 1; 32 connections, 10 s.
#
#   benches/health_metrics.sh [DATABASE_URL]
#
# Environment: PROTECTCERT_BIN (default target/release/protectcert), YARDSTICK_BIN
# (a do-nothing actix-web 4 server answering "ok", started with `--serve ADDR`;
# the noop_server bench binary when unset), RUNS (default 3),
# DURATION (default 10s). DATABASE_URL: a postgres:// URL, or empty for a fresh
# SQLite register in a temporary folder (an existing SQLite file may be given too).
# Prints requests/s, p50 and p99 for each, per run, and the ratio to the yardstick.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PROTECTCERT_BIN:-target/release/protectcert}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
URL=${1:-}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "${YARDSTICK_BIN:-}" ]; then
  # The load test's do-nothing route (benches/noop_server.rs).
  YARDSTICK_BIN=$(cargo bench --bench noop_server --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*noop_server-[0-9a-f]*\)).*/\1/p' | tail -1)
fi

taskset -c 0 "$YARDSTICK_BIN" --serve 127.0.0.1:18080 >/dev/null 2>&1 & pids+=($!)
PROTECTCERT_DATA_DIR="$work" PROTECTCERT_DATABASE_URL="$URL" \
  PROTECTCERT_LISTEN=127.0.0.1:18081 PROTECTCERT_PUBLIC_URL=http://127.0.0.1:18081 \
  PROTECTCERT_PUBLIC_RATE_PER_MINUTE=100000000 \
  taskset -c 0 "$BIN" serve >"$work/server.log" 2>&1 & pids+=($!)
for _ in $(seq 1 600); do
  curl -fs http://127.0.0.1:18081/healthz >/dev/null 2>&1 && curl -fs http://127.0.0.1:18080/ >/dev/null 2>&1 && break
  sleep 0.2
done
# The first scrape counts the register (on a big one, the dearest scrape).
start=$(date +%s%N)
curl -fs http://127.0.0.1:18081/metrics >/dev/null
echo "first /metrics scrape (counts the register): $(( ($(date +%s%N) - start) / 1000000 )) ms"

measure() { # name url
  out=$(taskset -c 1 wrk -t1 -c32 -d"$DURATION" --latency "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$1 $rps $p50 $p99"
}
printf '%-4s %-10s %12s %10s %10s %8s\n' run what req/s p50 p99 ratio
for run in $(seq 1 "$RUNS"); do
  read -r _ yrps yp50 yp99 < <(measure yardstick http://127.0.0.1:18080/)
  printf '%-4s %-10s %12s %10s %10s %8s\n' "$run" yardstick "$yrps" "$yp50" "$yp99" 1.00
  for what in healthz metrics; do
    read -r _ rps p50 p99 < <(measure "$what" "http://127.0.0.1:18081/$what")
    printf '%-4s %-10s %12s %10s %10s %8.2f\n' "$run" "/$what" "$rps" "$p50" "$p99" \
      "$(awk -v a="$rps" -v b="$yrps" 'BEGIN {print a / b}')"
  done
done
echo "server log: $(wc -c <"$work/server.log") bytes"
