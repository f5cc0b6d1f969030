/*
 * bcryptprimitives.dll for Wine 8, which lacks ProcessPrng: sharp's Windows libvips (Rust-built
 * parts) imports it from there, so without it the DLL fails to load. Windows 10+ has the real one;
 * this only lets `npm run test:platforms` run the win32-x64 package under Wine. Built by
 * scripts/platformTools.sh with Debian's x86_64-w64-mingw32-gcc.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  while (size > 0) {
    ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk;
    size -= chunk;
  }
  return TRUE;
}
