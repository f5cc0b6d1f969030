#!/usr/bin/env bash
# libjpeg-turbo's Debian source package (bookworm's 1:2.1.5-2: the .dsc, the upstream tarball and
# the debian tarball), which scripts/wasm.mjs compiles to WebAssembly. Downloaded once into the
# tool cache with `apt-get source --download-only` and apt state of its own (no change to the
# machine's sources or lists), then checked: the .dsc against the hash pinned here, the tarballs
# against the .dsc's SHA-256 lines. Prints the folder holding the three files.
# Usage: bash scripts/jpegSource.sh
set -euo pipefail

# shellcheck source=scripts/toolCache.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolCache.sh"
DEBIAN_VERSION=1:2.1.5-2
DSC=libjpeg-turbo_2.1.5-2.dsc
DSC_SHA256=d718ead0dfbcbc8523665c02a7f7152e31039ded641d022868722623bb3b486d

# The .dsc's "Checksums-Sha256" lines as `sha256sum -c` reads them.
checksums() { sed -n '/^Checksums-Sha256:/,/^[^ ]/{s/^ \([0-9a-f]\{64\}\) [0-9]* \(.*\)$/\1  \2/p}' "$1/$DSC"; }

# verify DIR: the .dsc is the pinned one and every file it names is there with its hash.
verify() {
  [ -f "$1/$DSC" ] && echo "$DSC_SHA256  $DSC" | (cd "$1" && sha256sum -c --quiet --status) || return 1
  [ -n "$(checksums "$1")" ] && checksums "$1" | (cd "$1" && sha256sum -c --quiet --status)
}

download() {
  local state="$1/apt" sandbox=()
  [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)  # root: apt's _apt user cannot write here
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  echo "deb-src http://deb.debian.org/debian bookworm main" > "$state/src.list"
  local O=(-o "Dir::Etc::SourceList=$state/src.list" -o Dir::Etc::SourceParts=- -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" "${sandbox[@]}")
  apt-get "${O[@]}" -qq update >&2
  (cd "$1" && apt-get "${O[@]}" -qq source --download-only "libjpeg-turbo=$DEBIAN_VERSION" >&2)
  rm -rf "$state"
}

if verify "$FT_TOOLS"; then
  step "libjpeg-turbo $DEBIAN_VERSION source: cached in $FT_TOOLS"
else
  step "libjpeg-turbo $DEBIAN_VERSION source: apt-get source --download-only into $FT_TOOLS"
  tmp="$(mktemp -d "$FT_TOOLS/jpeg-source.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  download "$tmp"
  verify "$tmp" || { step "libjpeg-turbo source: the downloaded files do not match $DSC's checksums"; exit 1; }
  for f in "$DSC" $(checksums "$tmp" | sed 's/^.*  //'); do mv "$tmp/$f" "$FT_TOOLS/$f"; done
fi
echo "$FT_TOOLS"
