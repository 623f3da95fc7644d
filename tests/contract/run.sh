#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (every check) on every
# operation of /api/v1/openapi.json, anonymously and as each role of the demo
# scheme, against target/debug/protectcert (build it first) serving a fresh demo
# register on a free loopback port. Any failure fails. Generation is
# deterministic (tests/contract/schemathesis.toml, which also lists, with their
# reasons, the refusals no schema can express); about 30 s per caller.
#
#   bash tests/contract/run.sh                 # all callers
#   CONTRACT_ROLES="anonymous admin" bash tests/contract/run.sh
#   CONTRACT_MAX_EXAMPLES=50 CONTRACT_REPORT_DIR=/tmp/st bash tests/contract/run.sh   # JUnit reports kept
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=target/debug/protectcert
[ -x "$bin" ] || { echo "build first: cargo build ($bin is missing)" >&2; exit 2; }

# schemathesis, from PyPI, for whichever python3 is on the PATH; one version, so
# that a new release's new checks arrive by a change here, not overnight.
st_version=4.32.5
if [ "$(python3 -m schemathesis.cli --version 2>/dev/null | sed 's/.*version //')" != "$st_version" ]; then
  echo "installing: schemathesis $st_version (pip)"
  python3 -m pip install --quiet "schemathesis==$st_version" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "schemathesis==$st_version"
fi
st="python3 -m schemathesis.cli"

max_examples=${CONTRACT_MAX_EXAMPLES:-25}
roles=${CONTRACT_ROLES:-"anonymous admin operator advisor police"}

work=$(mktemp -d /tmp/protectcert-contract.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
PROTECTCERT_DATA_DIR="$work/data" PROTECTCERT_LISTEN="127.0.0.1:$port" \
  PROTECTCERT_PUBLIC_URL="$base" PROTECTCERT_PUBLIC_RATE_PER_MINUTE=0 \
  RUST_LOG=${RUST_LOG:-warn} \
  "$bin" serve --demo >"$work/server.log" 2>&1 &
server=$!
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap stop EXIT

for _ in $(seq 1 120); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$base/healthz" >/dev/null || { echo "server did not come up" >&2; cat "$work/server.log"; exit 1; }

login() {
  curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"protectcert demo\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

failed=()
for role in $roles; do
  case $role in
    anonymous) auth=() ;;
    admin) auth=(-H "Authorization: Bearer $(login admin@demo.test)") ;;
    operator) auth=(-H "Authorization: Bearer $(login olive@quayside.demo.test)") ;;
    advisor) auth=(-H "Authorization: Bearer $(login ada@advisors.demo.test)") ;;
    police) auth=(-H "Authorization: Bearer $(login pat@police.demo.test)") ;;
    *) echo "unknown role $role" >&2; exit 2 ;;
  esac
  # Log-out ends every token of the account (tested in tests/api/accounts.rs):
  # called mid-run it would leave the rest of that role's run unauthenticated.
  [ "$role" = anonymous ] || auth+=(--exclude-path /api/v1/auth/logout)
  echo "== schemathesis as $role"
  if ! $st --config-file tests/contract/schemathesis.toml run "$base/api/v1/openapi.json" --checks all "${auth[@]}" \
      --max-examples "$max_examples" \
      --workers 1 --no-color --report junit --report-dir "${CONTRACT_REPORT_DIR:-$work/report}/$role" \
      ${CONTRACT_EXTRA_ARGS:-}; then
    failed+=("$role")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis found failures as: ${failed[*]}" >&2
  exit 1
fi
echo "the API matches its OpenAPI document for: $roles"
