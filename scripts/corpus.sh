#!/usr/bin/env bash
# Builds the benchmark corpus outside the repo (never committed):
#   real/   JPEGs over 100 KB from Debian's wallpaper packages (photographs no one here made)
#   tiny/ small/ hd/ phone/  size classes cut from real/ plus noise (scripts/corpusClasses.mjs)
#   camera/ 60 camera-like 24 MP (6000x4000, quality 90, 4:2:0) images made from them: upscaled
#           with `vips thumbnail --crop centre` plus zero-mean grey noise (sigma 5), so the files
#           are camera-sized and the decoder cannot coast on flat upscaled areas.
# Usage: bash scripts/corpus.sh   (prints the corpus root; BENCH_CACHE overrides the location)
# Needs apt-get (download only) and dpkg-deb; libvips-tools for the camera set. Where apt is not
# reachable it falls back to generated images and says so in $root/SOURCE.
set -euo pipefail
root="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/folder-thumbnails-bench}"
mkdir -p "$root"
step() { printf '[corpus] %s\n' "$*" >&2; }

if [ ! -f "$root/real/.done" ]; then
  rm -rf "$root/debs" "$root/unpacked" "$root/real" && mkdir -p "$root/debs" "$root/unpacked" "$root/real"
  if (cd "$root/debs" && apt-get download plasma-workspace-wallpapers mate-backgrounds ukui-wallpapers >&2); then
    for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$root/unpacked"; done
    n=0
    while IFS= read -r -d '' f; do
      n=$((n + 1))
      cp "$f" "$root/real/$(printf '%03d' "$n")-$(basename "$f" | tr 'A-Z' 'a-z' | sed 's/\.jpeg$/.jpg/')"
    done < <(find "$root/unpacked" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) -size +100k -print0 | sort -z)
    echo "debian wallpaper packages: $(ls "$root/debs" | tr '\n' ' ')" > "$root/SOURCE"
  else
    step "apt-get download failed: falling back to GENERATED images (not real photographs)"
    for i in $(seq 1 40); do
      vips gaussnoise "$root/real/n$i.v" 3000 2000 --sigma 40 --mean 128
      vips jpegsave "$root/real/n$i.v" "$root/real/gen-$i.jpg" --Q 85 && rm "$root/real/n$i.v"
    done
    echo "GENERATED fallback (apt not reachable)" > "$root/SOURCE"
  fi
  touch "$root/real/.done"
  step "real: $(ls "$root/real" | wc -l) JPEGs"
fi

if [ ! -f "$root/camera/.done" ]; then
  command -v vips >/dev/null || { step "camera set needs vips (apt-get install -y libvips-tools)"; exit 1; }
  rm -rf "$root/camera" && mkdir -p "$root/camera"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  vips gaussnoise "$tmp/noise.v" 6000 4000 --sigma 5 --mean 0
  mapfile -t srcs < <(ls "$root"/real/*.jpg)
  for i in $(seq 0 59); do
    src="${srcs[$((i % ${#srcs[@]}))]}"
    vips thumbnail "$src" "$tmp/up.v" 6000 --height 4000 --crop centre --size both
    vips colourspace "$tmp/up.v" "$tmp/srgb.v" srgb
    vips add "$tmp/srgb.v" "$tmp/noise.v" "$tmp/sum.v"
    vips cast "$tmp/sum.v" "$tmp/u8.v" uchar
    vips jpegsave "$tmp/u8.v" "$root/camera/cam-$(printf '%02d' "$i").jpg" --Q 90 --subsample-mode on --strip
  done
  touch "$root/camera/.done"
  step "camera: $(ls "$root/camera" | wc -l) JPEGs"
fi
# The size classes (tiny 320x240 .. phone 4032x3024), cut from the real set.
node "$(dirname "$0")/corpusClasses.mjs" "$root"
echo "$root"
