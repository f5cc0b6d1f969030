#!/usr/bin/env bash
# The main job: build and package the extension, install it into the cached code-server, open a
# sample folder of photos, and print the local address. Ctrl+C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
vsix="$(npm run --silent package | tail -1)"  # its last line is the VSIX's path
run="$(mktemp -d "${TMPDIR:-/tmp}/ft-start.XXXXXX")"
node scripts/samplePhotos.mjs "$run/workspace/photos"
exec node test/harness/serve.mjs "$vsix" "$run" "$run/workspace" "${PORT:-8080}"
