/*
 * jconfig.h for libjpeg-turbo 2.1.5 built to WebAssembly by scripts/wasm.mjs (what its CMake
 * writes from jconfig.h.in for Debian's build: the libjpeg 6b API, arithmetic coding, 8-bit
 * samples). Built with WITH_SIMD (16-bit DCT elements); src/wasm/jsimd_wasm.c is its SIMD dispatch.
 */
#define JPEG_LIB_VERSION 62
#define LIBJPEG_TURBO_VERSION 2.1.5
#define LIBJPEG_TURBO_VERSION_NUMBER 2001005
#define C_ARITH_CODING_SUPPORTED 1
#define D_ARITH_CODING_SUPPORTED 1
#define BITS_IN_JSAMPLE 8
