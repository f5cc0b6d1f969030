/*
 * fdct.c: the encoder's per-block work in WebAssembly SIMD128: loading an 8x8 block of samples
 * (convsamp() of jcdctmgr.c), the slow-integer forward DCT (jpeg_fdct_islow() of jfdctint.c) and
 * the quantisation by reciprocals that WITH_SIMD builds use (quantize() of jcdctmgr.c), in plain C
 * about half of an 800x600 encode's time. Each computes exactly what the C code does, as
 * libjpeg-turbo's x86 SSE2 code (jfdctint-sse2.asm, jquanti-sse2.asm) does, whose layout of the
 * work this follows: eight rows or columns at once, 16-bit sums, 32-bit products and roundings.
 */
#include <wasm_simd128.h>
#include "kernels.h"

/* jfdctint.c's scales: the constants' fraction bits (the constants are in kernels.h), and the bits pass 1 keeps. */
#define CONST_BITS 13
#define PASS1_BITS 2

void wasm_convsamp(JSAMPARRAY sample_data, JDIMENSION start_col, DCTELEM *workspace) {
  const v128_t center = wasm_i16x8_splat(CENTERJSAMPLE);
  for (int row = 0; row < DCTSIZE; row++) {
    v128_t samples = wasm_u16x8_load8x8(sample_data[row] + start_col);
    wasm_v128_store(workspace + row * DCTSIZE, wasm_i16x8_sub(samples, center));
  }
}

/* An 8x8 block of 16-bit values transposed in place: three rounds of interleaving. */
static inline void transpose(v128_t v[8]) {
  v128_t a0 = wasm_i16x8_shuffle(v[0], v[1], 0, 8, 1, 9, 2, 10, 3, 11);
  v128_t a1 = wasm_i16x8_shuffle(v[0], v[1], 4, 12, 5, 13, 6, 14, 7, 15);
  v128_t a2 = wasm_i16x8_shuffle(v[2], v[3], 0, 8, 1, 9, 2, 10, 3, 11);
  v128_t a3 = wasm_i16x8_shuffle(v[2], v[3], 4, 12, 5, 13, 6, 14, 7, 15);
  v128_t a4 = wasm_i16x8_shuffle(v[4], v[5], 0, 8, 1, 9, 2, 10, 3, 11);
  v128_t a5 = wasm_i16x8_shuffle(v[4], v[5], 4, 12, 5, 13, 6, 14, 7, 15);
  v128_t a6 = wasm_i16x8_shuffle(v[6], v[7], 0, 8, 1, 9, 2, 10, 3, 11);
  v128_t a7 = wasm_i16x8_shuffle(v[6], v[7], 4, 12, 5, 13, 6, 14, 7, 15);
  v128_t b0 = wasm_i32x4_shuffle(a0, a2, 0, 4, 1, 5);
  v128_t b1 = wasm_i32x4_shuffle(a0, a2, 2, 6, 3, 7);
  v128_t b2 = wasm_i32x4_shuffle(a1, a3, 0, 4, 1, 5);
  v128_t b3 = wasm_i32x4_shuffle(a1, a3, 2, 6, 3, 7);
  v128_t b4 = wasm_i32x4_shuffle(a4, a6, 0, 4, 1, 5);
  v128_t b5 = wasm_i32x4_shuffle(a4, a6, 2, 6, 3, 7);
  v128_t b6 = wasm_i32x4_shuffle(a5, a7, 0, 4, 1, 5);
  v128_t b7 = wasm_i32x4_shuffle(a5, a7, 2, 6, 3, 7);
  v[0] = wasm_i64x2_shuffle(b0, b4, 0, 2);
  v[1] = wasm_i64x2_shuffle(b0, b4, 1, 3);
  v[2] = wasm_i64x2_shuffle(b1, b5, 0, 2);
  v[3] = wasm_i64x2_shuffle(b1, b5, 1, 3);
  v[4] = wasm_i64x2_shuffle(b2, b6, 0, 2);
  v[5] = wasm_i64x2_shuffle(b2, b6, 1, 3);
  v[6] = wasm_i64x2_shuffle(b3, b7, 0, 2);
  v[7] = wasm_i64x2_shuffle(b3, b7, 1, 3);
}

/* a * ca + b * cb in 32 bits, for the low (half 0) or high (half 1) four lanes of a and b. */
static inline v128_t rotate(v128_t a, v128_t b, int half, int16_t ca, int16_t cb) {
  v128_t ab = half ? wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15) : wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
  return wasm_i32x4_dot_i16x8(ab, wasm_i16x8_make(ca, cb, ca, cb, ca, cb, ca, cb));
}

/* jfdctint.c's DESCALE of the low and high halves' sums, back to eight 16-bit lanes. */
static inline v128_t descale(v128_t low, v128_t high, int bits) {
  const v128_t half = wasm_i32x4_splat(1 << (bits - 1));
  return wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(wasm_i32x4_add(low, half), bits), wasm_i32x4_shr(wasm_i32x4_add(high, half), bits));
}

/*
 * One pass of jpeg_fdct_islow() over the eight vectors d[0..7] (element k of each row or column
 * in vector k), in place. The rotations' products are summed as SSE2 sums them, each output a dot
 * product of two inputs with combined constants (jfdctint.c's z1 and z5 distributed), which is
 * the same integer as jfdctint.c's sum.
 */
static inline void pass(v128_t d[8], int first) {
  v128_t tmp0 = wasm_i16x8_add(d[0], d[7]), tmp7 = wasm_i16x8_sub(d[0], d[7]);
  v128_t tmp1 = wasm_i16x8_add(d[1], d[6]), tmp6 = wasm_i16x8_sub(d[1], d[6]);
  v128_t tmp2 = wasm_i16x8_add(d[2], d[5]), tmp5 = wasm_i16x8_sub(d[2], d[5]);
  v128_t tmp3 = wasm_i16x8_add(d[3], d[4]), tmp4 = wasm_i16x8_sub(d[3], d[4]);
  v128_t tmp10 = wasm_i16x8_add(tmp0, tmp3), tmp13 = wasm_i16x8_sub(tmp0, tmp3);
  v128_t tmp11 = wasm_i16x8_add(tmp1, tmp2), tmp12 = wasm_i16x8_sub(tmp1, tmp2);
  const int bits = first ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;

  /* Even part. */
  if (first) {
    d[0] = wasm_i16x8_shl(wasm_i16x8_add(tmp10, tmp11), PASS1_BITS);
    d[4] = wasm_i16x8_shl(wasm_i16x8_sub(tmp10, tmp11), PASS1_BITS);
  } else {
    const v128_t half = wasm_i16x8_splat(1 << (PASS1_BITS - 1));
    d[0] = wasm_i16x8_shr(wasm_i16x8_add(wasm_i16x8_add(tmp10, tmp11), half), PASS1_BITS);
    d[4] = wasm_i16x8_shr(wasm_i16x8_add(wasm_i16x8_sub(tmp10, tmp11), half), PASS1_BITS);
  }
  d[2] = descale(rotate(tmp13, tmp12, 0, F_0_541 + F_0_765, F_0_541), rotate(tmp13, tmp12, 1, F_0_541 + F_0_765, F_0_541), bits);
  d[6] = descale(rotate(tmp13, tmp12, 0, F_0_541, F_0_541 - F_1_847), rotate(tmp13, tmp12, 1, F_0_541, F_0_541 - F_1_847), bits);

  /* Odd part. */
  v128_t z3 = wasm_i16x8_add(tmp4, tmp6), z4 = wasm_i16x8_add(tmp5, tmp7);
  v128_t z3l = rotate(z3, z4, 0, F_1_175 - F_1_961, F_1_175), z3h = rotate(z3, z4, 1, F_1_175 - F_1_961, F_1_175);
  v128_t z4l = rotate(z3, z4, 0, F_1_175, F_1_175 - F_0_390), z4h = rotate(z3, z4, 1, F_1_175, F_1_175 - F_0_390);
  d[7] = descale(wasm_i32x4_add(rotate(tmp4, tmp7, 0, F_0_298 - F_0_899, -F_0_899), z3l),
                 wasm_i32x4_add(rotate(tmp4, tmp7, 1, F_0_298 - F_0_899, -F_0_899), z3h), bits);
  d[1] = descale(wasm_i32x4_add(rotate(tmp4, tmp7, 0, -F_0_899, F_1_501 - F_0_899), z4l),
                 wasm_i32x4_add(rotate(tmp4, tmp7, 1, -F_0_899, F_1_501 - F_0_899), z4h), bits);
  d[5] = descale(wasm_i32x4_add(rotate(tmp5, tmp6, 0, F_2_053 - F_2_562, -F_2_562), z4l),
                 wasm_i32x4_add(rotate(tmp5, tmp6, 1, F_2_053 - F_2_562, -F_2_562), z4h), bits);
  d[3] = descale(wasm_i32x4_add(rotate(tmp5, tmp6, 0, -F_2_562, F_3_072 - F_2_562), z3l),
                 wasm_i32x4_add(rotate(tmp5, tmp6, 1, -F_2_562, F_3_072 - F_2_562), z3h), bits);
}

void wasm_fdct_islow(DCTELEM *data) {
  v128_t d[8];
  for (int i = 0; i < 8; i++) d[i] = wasm_v128_load(data + i * DCTSIZE);
  /* The rows' pass wants element k of every row in one vector; the columns' pass, the rows. */
  transpose(d);
  pass(d, 1);
  transpose(d);
  pass(d, 0);
  for (int i = 0; i < 8; i++) wasm_v128_store(data + i * DCTSIZE, d[i]);
}

/*
 * Each coefficient's magnitude plus the correction, times the reciprocal, then times the scale
 * (1 << (32 - r)), each keeping the high 16 bits: the C code's product >> r, as jquanti-sse2.asm
 * takes it. The first product's high half is at most 16 bits, so the second fits 32 bits and is
 * one 32-bit multiply.
 */
static inline v128_t quantize8(v128_t x, const DCTELEM *divisors) {
  v128_t recip = wasm_v128_load(divisors), corr = wasm_v128_load(divisors + DCTSIZE2), scale = wasm_v128_load(divisors + DCTSIZE2 * 2);
  v128_t sign = wasm_i16x8_shr(x, 15);
  v128_t magnitude = wasm_i16x8_add(wasm_i16x8_abs(x), corr);
  v128_t low = wasm_u32x4_shr(wasm_u32x4_extmul_low_u16x8(magnitude, recip), 16);
  v128_t high = wasm_u32x4_shr(wasm_u32x4_extmul_high_u16x8(magnitude, recip), 16);
  low = wasm_u32x4_shr(wasm_i32x4_mul(low, wasm_u32x4_extend_low_u16x8(scale)), 16);
  high = wasm_u32x4_shr(wasm_i32x4_mul(high, wasm_u32x4_extend_high_u16x8(scale)), 16);
  v128_t q = wasm_u16x8_narrow_i32x4(low, high);
  return wasm_i16x8_sub(wasm_v128_xor(q, sign), sign);
}

void wasm_quantize(JCOEFPTR coef_block, DCTELEM *divisors, DCTELEM *workspace) {
  for (int i = 0; i < DCTSIZE2; i += 8)
    wasm_v128_store(coef_block + i, quantize8(wasm_v128_load(workspace + i), divisors + i));
}
