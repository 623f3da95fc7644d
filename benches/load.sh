#!/usr/bin/env bash
# Load test of the release binary on a seeded register (issue 12).
#
#   benches/load.sh                                   # SQLite in target/load/
#   benches/load.sh postgres://postgres@127.0.0.1:5432/load   # the same on PostgreSQL
#
# Seeds a register with `protectcert bench seed` when the data dir holds none,
# starts the service pinned to core 0 (public rate limit far above the load, quiet
# logging) and a do-nothing yardstick server (benches/noop_server.rs), and drives
# each with wrk pinned to core 1, ROUNDS rounds interleaved. Prints a Markdown table
# (req/s, p50, p99, ratio to the yardstick) and the service's resident memory after
# each round.
#
# The ratio of a public route (no login: the verification routes and /healthz) is to
# a yardstick run just before it, for the same time: on a shared virtual machine the
# speed of both cores drifts by a tenth or more within a minute, and a yardstick
# taken once at the start of a round moved these ratios by up to 0.1 (issue 12, 3
# December). The other targets (searches and pages, a few hundred times dearer)
# keep the round's first yardstick.
#
# Environment (defaults): CERTIFICATES (1000000), ROUNDS (3), DURATION (10s),
# CONNECTIONS (32), DATA_DIR (target/load/sqlite-$CERTIFICATES or pg-…), PORT
# (18080), NOOP_PORT (18081), BIN (target/release/protectcert, built if missing),
# NOOP_BIN (the noop_server bench binary, built if unset),
# PASSWORD (the seed's default), SERVER_CORE (0), WRK_CORE (1), ONLY (an extended
# regular expression: only the targets whose name matches, beside the yardstick).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATABASE_URL=${1:-}
CERTIFICATES=${CERTIFICATES:-1000000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18080}
NOOP_PORT=${NOOP_PORT:-18081}
SERVER_CORE=${SERVER_CORE:-0}
WRK_CORE=${WRK_CORE:-1}
PASSWORD=${PASSWORD:-bench seed password 1}
if [[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]]; then
    BACKEND=postgres
else
    BACKEND=sqlite
fi
DATA_DIR=${DATA_DIR:-$ROOT/target/load/$BACKEND-$CERTIFICATES}
LUA=$ROOT/benches/wrk/pick.lua
BASE=http://127.0.0.1:$PORT
NOOP=http://127.0.0.1:$NOOP_PORT

for tool in wrk taskset curl; do
    command -v "$tool" >/dev/null || { echo "load.sh needs $tool" >&2; exit 1; }
done

# The release binary and the yardstick.
if [[ -z ${BIN:-} ]]; then
    BIN=$ROOT/target/release/protectcert
    [[ -x $BIN ]] || cargo build --release --bin protectcert
fi
if [[ -z ${NOOP_BIN:-} ]]; then
    NOOP_BIN=$(cargo bench --bench noop_server --no-run 2>&1 |
        sed -n 's/.*Executable .*(\(.*noop_server-[0-9a-f]*\)).*/\1/p' | tail -1)
fi
[[ -x $NOOP_BIN ]] || { echo "cannot find the noop_server bench binary" >&2; exit 1; }

export PROTECTCERT_DATA_DIR=$DATA_DIR
if [[ -n $DATABASE_URL ]]; then
    export PROTECTCERT_DATABASE_URL=$DATABASE_URL
fi
mkdir -p "$DATA_DIR"

# A register, unless this data dir already has one (its sample files say so).
if [[ ! -s $DATA_DIR/numbers.txt ]]; then
    echo "seeding $CERTIFICATES certificates ($BACKEND) in $DATA_DIR ..."
    "$BIN" bench seed --certificates "$CERTIFICATES" --password "$PASSWORD"
fi

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

wait_for() {
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "$1 did not answer" >&2
    exit 1
}

# The service: one core, the limiter on but far above the offered load, quiet logs,
# and no reminder sweep during the measurement.
PROTECTCERT_LISTEN=127.0.0.1:$PORT \
PROTECTCERT_PUBLIC_URL=$BASE \
PROTECTCERT_PUBLIC_RATE_PER_MINUTE=100000000 \
PROTECTCERT_REMINDERS_IN_SERVE=false \
RUST_LOG=warn \
    taskset -c "$SERVER_CORE" "$BIN" serve >"$DATA_DIR/serve.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
taskset -c "$SERVER_CORE" "$NOOP_BIN" --serve "127.0.0.1:$NOOP_PORT" >/dev/null 2>&1 &
PIDS+=("$!")
wait_for "$BASE/healthz"
wait_for "$NOOP/"

# Logins: a police bearer token for the API search; page sessions (the browser's
# way: the login form's CSRF field and the session cookie) for an operator and an
# advisor.
POLICE_TOKEN=$(curl -fsS "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"police@bench.test\",\"password\":\"$PASSWORD\"}" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $POLICE_TOKEN ]] || { echo "police login failed" >&2; exit 1; }

session_cookie() { # email -> the Cookie header (session and CSRF cookies) after logging in
    local jar form csrf
    jar=$(mktemp)
    form=$(curl -fsS -c "$jar" -b "$jar" "$BASE/login")
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$form" | head -1)
    curl -fsS -o /dev/null -c "$jar" -b "$jar" "$BASE/login" \
        --data-urlencode "csrf=$csrf" --data-urlencode "email=$1" \
        --data-urlencode "password=$PASSWORD" --data-urlencode "next="
    # curl writes HttpOnly cookies (the session's) as "#HttpOnly_host ...".
    awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { c = c (c ? "; " : "") $6 "=" $7 } END { print c }' "$jar"
    rm -f "$jar"
}
page_answers() { # path cookie: the page must answer 200 (not a redirect to the login)
    local code
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "cookie: $2" "$BASE$1")
    [[ $code == 200 ]] || { echo "$1 answered $code with the session cookie" >&2; exit 1; }
}
OPERATOR_COOKIE=$(session_cookie operator1@org1.bench.test)
ADVISOR_COOKIE=$(session_cookie advisor1@advisors.bench.test)
page_answers /operator "$OPERATOR_COOKIE"
page_answers /advisor "$ADVISOR_COOKIE"

# name | base URL | prefix | lines file | suffix | auth (bearer:… / cookie:… / -) |
# connections (default CONNECTIONS: the searches are also probed with one client,
# the latency an officer at a desk sees, beside the throughput with CONNECTIONS)
TARGETS=(
    "yardstick (do-nothing route)|$NOOP|/||"
    "GET /api/v1/verify/{number}|$BASE|/api/v1/verify/|numbers.txt|"
    "GET /api/v1/verify/token/{token}|$BASE|/api/v1/verify/token/|tokens.txt|"
    "QR landing page /v/{token}|$BASE|/v/|tokens.txt|"
    "verify page /verify?number=|$BASE|/verify?number=|numbers.txt|"
    "police search by postcode|$BASE|/api/v1/certificates?postcode=|postcodes.txt||bearer"
    "police search by name (q=)|$BASE|/api/v1/certificates?q=|names.txt||bearer"
    "police search by district (district=)|$BASE|/api/v1/certificates?district=|districts.txt||bearer"
    "police search by two name words (q=a b)|$BASE|/api/v1/certificates?q=|name-pairs.txt||bearer"
    "police search by postcode, 1 client|$BASE|/api/v1/certificates?postcode=|postcodes.txt||bearer|1"
    "police search by name (q=), 1 client|$BASE|/api/v1/certificates?q=|names.txt||bearer|1"
    "police search by district, 1 client|$BASE|/api/v1/certificates?district=|districts.txt||bearer|1"
    "police search by two name words, 1 client|$BASE|/api/v1/certificates?q=|name-pairs.txt||bearer|1"
    "operator dashboard /operator|$BASE|/operator|||operator"
    "advisor queue /advisor|$BASE|/advisor|||advisor"
    "/healthz|$BASE|/healthz||"
)

run_wrk() { # base prefix lines suffix auth connections -> "RESULT ..." line
    local bearer="" cookie=""
    case ${5:-} in
        bearer) bearer=$POLICE_TOKEN ;;
        operator) cookie=$OPERATOR_COOKIE ;;
        advisor) cookie=$ADVISOR_COOKIE ;;
    esac
    WRK_PREFIX=$2 WRK_LINES=${3:+$DATA_DIR/$3} WRK_SUFFIX=$4 WRK_BEARER=$bearer WRK_COOKIE=$cookie \
        taskset -c "$WRK_CORE" wrk -t1 -c"${6:-$CONNECTIONS}" -d"$DURATION" --latency -s "$LUA" "$1" |
        grep '^RESULT' || echo "RESULT 0 0 0 0 0 0"
}

memory() { # VmRSS, VmHWM and the resident split (anonymous: heap and caches; file: the binary's pages), in MB
    awk '/^VmRSS|^VmHWM|^RssAnon|^RssFile/ { printf "%s %.0f MB  ", $1, $2 / 1024 }' "/proc/$SERVER_PID/status"
}

echo
echo "Load test: $CERTIFICATES certificates on $BACKEND, wrk -t1 -c$CONNECTIONS -d$DURATION, $(nproc) cores, $(date -u +%FT%TZ)"
echo
echo "| round | what | req/s | p50 ms | p99 ms | non-2xx | yardstick req/s | × yardstick |"
echo "|---|---|---|---|---|---|---|---|"
MEMORY=()
for round in $(seq 1 "$ROUNDS"); do
    yardstick=0 round_yardstick=0
    for target in "${TARGETS[@]}"; do
        IFS='|' read -r name base prefix lines suffix auth conns <<<"$target"
        if [[ -n ${ONLY:-} && $name != yardstick* ]] && ! grep -Eq "$ONLY" <<<"$name"; then
            continue
        fi
        if [[ $name != yardstick* && -z $auth ]]; then
            read -r _ yardstick _ <<<"$(run_wrk "$NOOP" / "" "" "" "$conns")"
        fi
        read -r _ rps p50 p99 bad sockets _ <<<"$(run_wrk "$base" "$prefix" "$lines" "$suffix" "$auth" "$conns")"
        [[ $yardstick == 0 ]] && yardstick=$rps
        ratio=$(awk -v a="$rps" -v b="$yardstick" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
        errors=$bad
        [[ $sockets != 0 ]] && errors="$bad (+$sockets socket)"
        echo "| $round | $name | $rps | $p50 | $p99 | $errors | $yardstick | $ratio |"
        [[ $name == yardstick* ]] && round_yardstick=$rps
        yardstick=$round_yardstick
    done
    MEMORY+=("after round $round: $(memory)")
done
echo
echo "Service resident memory (/proc/$SERVER_PID/status):"
for line in "${MEMORY[@]}"; do echo "- $line"; done
