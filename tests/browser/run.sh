#!/usr/bin/env bash
# Browser tests of the HTML pages: Debian's Chromium (installed here when missing,
# as root or with sudo) driven by playwright-core against the real binary.
# Expects the binary built already (`cargo build`); PROTECTCERT_BIN overrides
# target/debug/protectcert.
set -euo pipefail
cd "$(dirname "$0")"
repo_root=$(cd ../.. && pwd)

bin=${PROTECTCERT_BIN:-target/debug/protectcert}
[[ $bin = /* ]] || bin="$repo_root/$bin"
if [ ! -x "$bin" ]; then
  echo "no protectcert binary at $bin: run \`cargo build\` first (or set PROTECTCERT_BIN)" >&2
  exit 1
fi

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "installing: chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
else
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi

exec node --test --test-reporter=spec all.test.js
