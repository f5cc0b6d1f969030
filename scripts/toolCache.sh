#!/usr/bin/env bash
# The tool cache shared by scripts/tools.sh (editor tiers) and scripts/platformTools.sh (other
# platforms): where it is, one progress line per step, and install-once-then-move so that an
# interrupted install never looks cached. Sourced, not run.

FT_TOOLS="${FT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/folder-thumbnails-tools}"
mkdir -p "$FT_TOOLS"

step() { printf '[tools] %s\n' "$*" >&2; }

# Installs run with none of the npm_* variables of an outer `npm test` (they would steer prefix,
# node-gyp and scripts), and the machine's npmrc points node-gyp at Node 20's headers, so every
# install says where to look.
npm_clean_env() { env $(env | sed -n 's/^\(npm_[^=]*\)=.*/-u \1/p') "$@"; }
npm_quiet() { npm_clean_env npm --loglevel=error --no-audit --no-fund "$@"; }

# tool LABEL DIR MARKER INSTALLER [NOTE]: unless DIR/MARKER exists, runs INSTALLER into DIR.tmp and
# moves it into place.
tool() {
  local label="$1" dir="$2" marker="$3" installer="$4" note="${5:-}"
  if [ -e "$dir/$marker" ]; then
    step "$label: cached in $dir"
    return
  fi
  step "$label: installing into $dir${note:+ ($note)}"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  "$installer" "$dir.tmp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# apt_tools PACKAGE...: installs the Debian packages that are missing (as root), or says what to run.
apt_tools() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" = 0 ]; then
    step "apt: $* installed"
  elif [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    step "apt: apt-get install ${missing[*]} (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  else
    step "apt: missing ${missing[*]}. Install them as root: sudo apt-get install ${missing[*]}"
    return 1
  fi
}
