#!/usr/bin/env bash
# Every test tier, in order: unit (plain Node), package (a VSIX per VS Code target, each checked),
# extension host (code-server + Chromium), UI (the packaged .vsix in code-server, driven by
# Chromium). `bash scripts/test.sh [unit|package|host|ui|platforms]` runs one tier; `platforms`
# (other platforms' packages run under qemu-user and Wine) is not part of the default run.
# Tools come from scripts/tools.sh and scripts/platformTools.sh (cached outside the clone).
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/ft-test-logs.XXXXXX")"
status=0

run_tier() { # name, command...
  local name="$1"; shift
  echo "=== $name tests ==="
  if "$@" 2>&1 | tee "$logs/$name.log"; then :; else status=1; echo "=== $name tests FAILED ==="; fi
}

# The fast path's library (src/native/turbojpeg.c opens it): every tier tests that path on Linux.
if [ "$(uname -s)" = Linux ] && ! ldconfig -p 2>/dev/null | grep -q 'libturbojpeg\.so\.0 '; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "=== libturbojpeg0: apt-get install (Debian) ==="
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libturbojpeg0 >&2
  else
    echo "libturbojpeg.so.0 is missing: the fast path's tests will fail. Install it: sudo apt-get install libturbojpeg0" >&2
  fi
fi

# The WebAssembly build's toolchain (scripts/wasm.mjs): without it its tests are skipped.
if [ "$(uname -s)" = Linux ]; then
  # shellcheck source=scripts/toolCache.sh
  (source scripts/toolCache.sh && apt_tools clang lld wasi-libc libclang-rt-dev-wasm32) || echo "turbojpeg.wasm cannot be built here: its tests will be skipped" >&2
fi

if [ "$tier" = all ] || [ "$tier" = unit ]; then
  run_tier unit npm run --silent test:unit
fi
if [ "$tier" = all ] || [ "$tier" = package ]; then
  echo "=== package ==="
  # A package that fails its check still leaves its VSIX for the tier to report on.
  npm run --silent package:all || status=1
  run_tier package npx mocha --no-config --ui tdd 'test/package/*.test.mjs'
fi
if [ "$tier" = all ] || [ "$tier" = host ] || [ "$tier" = ui ]; then
  echo "=== tools ==="
  # shellcheck source=scripts/tools.sh
  source scripts/tools.sh
  npm run --silent build
  npm run --silent compile-tests
fi
if [ "$tier" = all ] || [ "$tier" = host ]; then
  run_tier host node test/runHost.mjs
fi
if [ "$tier" = all ] || [ "$tier" = ui ]; then
  [ "$tier" = ui ] && npm run --silent package > /dev/null  # `all` packaged every target above
  run_tier ui npx mocha --no-config --ui tdd --timeout 180000 'test/ui/*.test.mjs'
fi
if [ "$tier" = platforms ]; then
  echo "=== platform tools ==="
  # shellcheck source=scripts/platformTools.sh
  source scripts/platformTools.sh
  npm run --silent compile-tests
  npm run --silent package -- linux-arm64 win32-x64 > /dev/null
  run_tier platforms npx mocha --no-config --ui tdd --timeout 600000 'test/platforms/*.test.mjs'
fi

# One closing line over every tier, from mocha's own "N passing / N failing" lines.
passed=$(cat "$logs"/*.log | sed -n 's/^ *\([0-9][0-9]*\) passing.*/\1/p' | awk '{s+=$1} END {print s+0}')
failed=$(cat "$logs"/*.log | sed -n 's/^ *\([0-9][0-9]*\) failing.*/\1/p' | awk '{s+=$1} END {print s+0}')
if [ "$status" = 0 ] && [ "$passed" = 0 ]; then echo "no test ran"; status=1; fi
echo "tests: $passed passed, $failed failed"
exit "$status"
