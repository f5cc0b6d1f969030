/*
 * idct.c: the decoder's inverse DCTs as WebAssembly SIMD128 kernels: the slow-integer 8x8 one of
 * every 1/1 decode (jidctint.c's jpeg_idct_islow) and the reduced 4x4 and 2x2 ones of 1/2 and 1/4
 * decodes (jidctred.c). Each does, lane for lane, what libjpeg-turbo's x86 SSE2 code does (the
 * native library's): 16-bit dequantisation and sums, 32-bit products summed in pairs of 16-bit
 * ones (i32x4.dot_i16x8_s is SSE2's pmaddwd), 16-bit saturation between the passes and 8-bit
 * saturation at the end. On real files that is the C code's arithmetic; on hostile coefficients,
 * where the two could part (wrapping products, saturation), it is the native library's bytes.
 */
#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>
#include "kernels.h"


/* The factors of a dot product of interleaved pairs (x, y): x * a + y * b in each 32-bit lane. */
#define PAIR(a, b) wasm_i16x8_const(a, b, a, b, a, b, a, b)

static inline v128_t lo16(v128_t a, v128_t b) { return wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11); }
static inline v128_t hi16(v128_t a, v128_t b) { return wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15); }
static inline v128_t lo32(v128_t a, v128_t b) { return wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); }
static inline v128_t hi32(v128_t a, v128_t b) { return wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); }
static inline v128_t dot(v128_t pairs, v128_t factors) { return wasm_i32x4_dot_i16x8(pairs, factors); }

/* Row `row` of a coefficient block times the same row of the dequantisation table (wrapping, as pmullw). */
static inline v128_t dequantize(const JCOEF *coef, const ISLOW_MULT_TYPE *quant, int row) {
  return wasm_i16x8_mul(wasm_v128_load(coef + row * DCTSIZE), wasm_v128_load(quant + row * DCTSIZE));
}

/* The 16-bit values (x << 2 wrapped) the passes hand on when a block's rows 1 to 7 are zero. */
static inline v128_t dc_row(const JCOEF *coef, const ISLOW_MULT_TYPE *quant) {
  return wasm_i16x8_shl(dequantize(coef, quant, 0), 2);
}

/* A pass's last step (its rounding already added): >> shift, both halves saturated to one vector of 16-bit values. */
static inline v128_t descale(v128_t low, v128_t high, int shift) {
  return wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(low, shift), wasm_i32x4_shr(high, shift));
}

/* The sample a block with only a DC term gives everywhere, from the 16-bit value its pass 1 hands on. */
static inline uint64_t flat_samples(int16_t dc, int shift) {
  int v = (dc + (1 << (shift - 1))) >> shift;
  v = v < -128 ? -128 : v > 127 ? 127 : v;
  return (uint64_t)(uint8_t)(v + CENTERJSAMPLE) * 0x0101010101010101ull;
}

/* ---- jpeg_idct_islow ---- */

/*
 * The 8-point IDCT of one pass on 4 lanes, given its inputs paired for the dot products:
 * even26 = (in2, in6), odd71 = (in7, in1), odd53 = (in5, in3), z34 = (in3 + in7, in1 + in5), and
 * t0 = (in0 + in4) << 13, t1 = (in0 - in4) << 13 in 32 bits with the descale's rounding added.
 * out[j] is outputs 2j and 2j+1, descaled and saturated to 16 bits, the 4 lanes of one then the other's.
 */
static inline __attribute__((always_inline)) void islow_half(v128_t even26, v128_t odd71, v128_t odd53, v128_t z34, v128_t t0, v128_t t1,
                                                             int shift, v128_t out[4]) {
  const v128_t tmp3 = dot(even26, PAIR(F_0_541 + F_0_765, F_0_541));
  const v128_t tmp2 = dot(even26, PAIR(F_0_541, F_0_541 - F_1_847));
  const v128_t tmp10 = wasm_i32x4_add(t0, tmp3), tmp13 = wasm_i32x4_sub(t0, tmp3);
  const v128_t tmp11 = wasm_i32x4_add(t1, tmp2), tmp12 = wasm_i32x4_sub(t1, tmp2);
  const v128_t z3 = dot(z34, PAIR(F_1_175 - F_1_961, F_1_175));
  const v128_t z4 = dot(z34, PAIR(F_1_175, F_1_175 - F_0_390));
  const v128_t odd0 = wasm_i32x4_add(dot(odd71, PAIR(F_0_298 - F_0_899, -F_0_899)), z3);
  const v128_t odd3 = wasm_i32x4_add(dot(odd71, PAIR(-F_0_899, F_1_501 - F_0_899)), z4);
  const v128_t odd1 = wasm_i32x4_add(dot(odd53, PAIR(F_2_053 - F_2_562, -F_2_562)), z4);
  const v128_t odd2 = wasm_i32x4_add(dot(odd53, PAIR(-F_2_562, F_3_072 - F_2_562)), z3);
  out[0] = descale(wasm_i32x4_add(tmp10, odd3), wasm_i32x4_add(tmp11, odd2), shift);
  out[1] = descale(wasm_i32x4_add(tmp12, odd1), wasm_i32x4_add(tmp13, odd0), shift);
  out[2] = descale(wasm_i32x4_sub(tmp13, odd0), wasm_i32x4_sub(tmp12, odd1), shift);
  out[3] = descale(wasm_i32x4_sub(tmp11, odd2), wasm_i32x4_sub(tmp10, odd3), shift);
}

/* x << 13 in 32 bits, plus the descale's rounding. */
static inline v128_t even_low(v128_t x, v128_t round) { return wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(x), 13), round); }
static inline v128_t even_high(v128_t x, v128_t round) { return wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_extend_high_i16x8(x), 13), round); }

void wasm_idct_islow(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const ISLOW_MULT_TYPE *quant = dct_table;
  /*
   * Pass 1 works on the block's rows (a lane per column), 4 columns at a time, and leaves its
   * results half transposed for pass 2 (a lane per row): c[j][h] holds columns 2j and 2j+1 of
   * rows 4h to 4h+3, the 4 rows of one column then the other's.
   */
  v128_t c[4][2];
  const v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(wasm_v128_load(coef_block + 8), wasm_v128_load(coef_block + 16)),
                                              wasm_v128_or(wasm_v128_load(coef_block + 24), wasm_v128_load(coef_block + 32))),
                                 wasm_v128_or(wasm_v128_or(wasm_v128_load(coef_block + 40), wasm_v128_load(coef_block + 48)),
                                              wasm_v128_load(coef_block + 56)));
  if (!wasm_v128_any_true(ac)) {
    /* Rows 1-7 zero: every column's pass 1 gives its dequantised DC term << 2, as SSE2's shortcut. */
    const v128_t w = dc_row(coef_block, quant);
    if (!wasm_v128_any_true(wasm_v128_and(w, wasm_i16x8_const(0, -1, -1, -1, -1, -1, -1, -1)))) {
      /* Only the DC term: pass 2 gives one sample everywhere. */
      const uint64_t flat = flat_samples((int16_t)wasm_i16x8_extract_lane(w, 0), 5);
      for (int r = 0; r < DCTSIZE; r++) memcpy(output_buf[r] + output_col, &flat, 8);
      return;
    }
    const v128_t w03 = lo16(w, w), w47 = hi16(w, w);
    c[0][0] = c[0][1] = lo32(w03, w03);
    c[1][0] = c[1][1] = hi32(w03, w03);
    c[2][0] = c[2][1] = lo32(w47, w47);
    c[3][0] = c[3][1] = hi32(w47, w47);
  } else {
    v128_t in[8];
    for (int r = 0; r < 8; r++) in[r] = dequantize(coef_block, quant, r);
    const v128_t round = wasm_i32x4_splat(1 << 10);
    const v128_t sum04 = wasm_i16x8_add(in[0], in[4]), diff04 = wasm_i16x8_sub(in[0], in[4]);
    const v128_t z3 = wasm_i16x8_add(in[3], in[7]), z4 = wasm_i16x8_add(in[1], in[5]);
    for (int h = 0; h < 2; h++) {
      v128_t rows[4];  /* rows 2j and 2j+1 of these 4 columns */
      if (h == 0)
        islow_half(lo16(in[2], in[6]), lo16(in[7], in[1]), lo16(in[5], in[3]), lo16(z3, z4), even_low(sum04, round), even_low(diff04, round), 11, rows);
      else
        islow_half(hi16(in[2], in[6]), hi16(in[7], in[1]), hi16(in[5], in[3]), hi16(z3, z4), even_high(sum04, round), even_high(diff04, round), 11, rows);
      for (int v = 0; v < 2; v++) {
        const v128_t r0202 = lo16(rows[2 * v], rows[2 * v + 1]), r1313 = hi16(rows[2 * v], rows[2 * v + 1]);
        c[2 * h][v] = lo16(r0202, r1313);
        c[2 * h + 1][v] = hi16(r0202, r1313);
      }
    }
  }

  /*
   * Pass 2, 4 rows at a time: c[0] + c[2] holds in0 + in4 and in1 + in5, and so on. Its output
   * saturates to signed bytes, recentred: 4 rows of 4 columns, a column at a time, that one
   * shuffle turns row by row.
   */
  const v128_t round = wasm_i32x4_splat(1 << 17), center = wasm_i8x16_splat((int8_t)CENTERJSAMPLE);
  for (int h = 0; h < 2; h++) {
    const v128_t sum0145 = wasm_i16x8_add(c[0][h], c[2][h]), sum2367 = wasm_i16x8_add(c[1][h], c[3][h]);
    v128_t cols[4];  /* columns 2j and 2j+1 of these 4 rows */
    islow_half(lo16(c[1][h], c[3][h]), hi16(c[3][h], c[0][h]), hi16(c[2][h], c[1][h]), hi16(sum2367, sum0145),
               even_low(sum0145, round), even_low(wasm_i16x8_sub(c[0][h], c[2][h]), round), 18, cols);
    v128_t tile[2];
    for (int t = 0; t < 2; t++) {
      const v128_t bytes = wasm_i8x16_add(wasm_i8x16_narrow_i16x8(cols[2 * t], cols[2 * t + 1]), center);
      tile[t] = wasm_i8x16_shuffle(bytes, bytes, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    }
    const v128_t rows01 = lo32(tile[0], tile[1]), rows23 = hi32(tile[0], tile[1]);
    wasm_v128_store64_lane(output_buf[4 * h] + output_col, rows01, 0);
    wasm_v128_store64_lane(output_buf[4 * h + 1] + output_col, rows01, 1);
    wasm_v128_store64_lane(output_buf[4 * h + 2] + output_col, rows23, 0);
    wasm_v128_store64_lane(output_buf[4 * h + 3] + output_col, rows23, 1);
  }
}

/* ---- jpeg_idct_4x4 ---- */

void wasm_idct_4x4(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const ISLOW_MULT_TYPE *quant = dct_table;
  /* Pass 1 (row 4 unused): c[j] = columns 2j and 2j+1, each as its 4 rows. */
  v128_t c[4];
  const v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(wasm_v128_load(coef_block + 8), wasm_v128_load(coef_block + 16)),
                                              wasm_v128_or(wasm_v128_load(coef_block + 24), wasm_v128_load(coef_block + 40))),
                                 wasm_v128_or(wasm_v128_load(coef_block + 48), wasm_v128_load(coef_block + 56)));
  if (!wasm_v128_any_true(ac)) {
    /* As jpeg_idct_islow's: SSE2's shortcut, and one sample everywhere for a lone DC term (column 4 is unused). */
    const v128_t w = dc_row(coef_block, quant);
    if (!wasm_v128_any_true(wasm_v128_and(w, wasm_i16x8_const(0, -1, -1, -1, 0, -1, -1, -1)))) {
      const uint32_t flat = (uint32_t)flat_samples((int16_t)wasm_i16x8_extract_lane(w, 0), 5);
      for (int r = 0; r < 4; r++) memcpy(output_buf[r] + output_col, &flat, 4);
      return;
    }
    const v128_t w03 = lo16(w, w), w47 = hi16(w, w);
    c[0] = lo32(w03, w03);
    c[1] = hi32(w03, w03);
    c[2] = lo32(w47, w47);
    c[3] = hi32(w47, w47);
  } else {
    const v128_t in1 = dequantize(coef_block, quant, 1), in3 = dequantize(coef_block, quant, 3);
    const v128_t in5 = dequantize(coef_block, quant, 5), in7 = dequantize(coef_block, quant, 7);
    const v128_t in0 = dequantize(coef_block, quant, 0), in2 = dequantize(coef_block, quant, 2);
    const v128_t in6 = dequantize(coef_block, quant, 6);
    const v128_t round = wasm_i32x4_splat(1 << 11);
    v128_t o[4][2], row[4];
    for (int h = 0; h < 2; h++) {
      const v128_t p13 = h ? hi16(in1, in3) : lo16(in1, in3), p57 = h ? hi16(in5, in7) : lo16(in5, in7);
      const v128_t p26 = h ? hi16(in2, in6) : lo16(in2, in6);
      const v128_t tmp2 = wasm_i32x4_add(dot(p13, PAIR(F_2_562, F_0_899)), dot(p57, PAIR(-F_0_601, -F_0_509)));
      const v128_t tmp0 = wasm_i32x4_add(dot(p13, PAIR(F_1_061, -F_2_172)), dot(p57, PAIR(F_1_451, -F_0_211)));
      const v128_t dc = wasm_i32x4_add(wasm_i32x4_shl(h ? wasm_i32x4_extend_high_i16x8(in0) : wasm_i32x4_extend_low_i16x8(in0), 14), round);
      const v128_t even = dot(p26, PAIR(F_1_847, -F_0_765));
      const v128_t tmp10 = wasm_i32x4_add(dc, even), tmp12 = wasm_i32x4_sub(dc, even);
      o[0][h] = wasm_i32x4_add(tmp10, tmp2);
      o[1][h] = wasm_i32x4_add(tmp12, tmp0);
      o[2][h] = wasm_i32x4_sub(tmp12, tmp0);
      o[3][h] = wasm_i32x4_sub(tmp10, tmp2);
    }
    for (int k = 0; k < 4; k++) row[k] = descale(o[k][0], o[k][1], 12);
    const v128_t r01 = lo16(row[0], row[1]), r23 = lo16(row[2], row[3]);
    const v128_t r01h = hi16(row[0], row[1]), r23h = hi16(row[2], row[3]);
    c[0] = lo32(r01, r23);
    c[1] = hi32(r01, r23);
    c[2] = lo32(r01h, r23h);
    c[3] = hi32(r01h, r23h);
  }

  /* Pass 2, a lane per row. */
  const v128_t p13 = hi16(c[0], c[1]), p57 = hi16(c[2], c[3]), p26 = lo16(c[1], c[3]);
  const v128_t tmp2 = wasm_i32x4_add(dot(p13, PAIR(F_2_562, F_0_899)), dot(p57, PAIR(-F_0_601, -F_0_509)));
  const v128_t tmp0 = wasm_i32x4_add(dot(p13, PAIR(F_1_061, -F_2_172)), dot(p57, PAIR(F_1_451, -F_0_211)));
  const v128_t dc = wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(c[0]), 14), wasm_i32x4_splat(1 << 18));
  const v128_t even = dot(p26, PAIR(F_1_847, -F_0_765));
  const v128_t tmp10 = wasm_i32x4_add(dc, even), tmp12 = wasm_i32x4_sub(dc, even);
  const v128_t col01 = descale(wasm_i32x4_add(tmp10, tmp2), wasm_i32x4_add(tmp12, tmp0), 19);
  const v128_t col23 = descale(wasm_i32x4_sub(tmp12, tmp0), wasm_i32x4_sub(tmp10, tmp2), 19);
  /* The bytes come column by column; one shuffle puts them row by row. */
  const v128_t bytes = wasm_i8x16_add(wasm_i8x16_narrow_i16x8(col01, col23), wasm_i8x16_splat((int8_t)CENTERJSAMPLE));
  const v128_t rows = wasm_i8x16_shuffle(bytes, bytes, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  wasm_v128_store32_lane(output_buf[0] + output_col, rows, 0);
  wasm_v128_store32_lane(output_buf[1] + output_col, rows, 1);
  wasm_v128_store32_lane(output_buf[2] + output_col, rows, 2);
  wasm_v128_store32_lane(output_buf[3] + output_col, rows, 3);
}

/* ---- jpeg_idct_2x2 ---- */

void wasm_idct_2x2(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  /*
   * No shortcut for a block with only a DC term, as SSE2 has none: the 2x2 IDCT is the luma's of
   * 1/4 decodes of big photos, where about one block in 1000 is one (camera and phone photos).
   */
  const ISLOW_MULT_TYPE *quant = dct_table;
  const v128_t in0 = dequantize(coef_block, quant, 0), in1 = dequantize(coef_block, quant, 1);
  const v128_t in3 = dequantize(coef_block, quant, 3), in5 = dequantize(coef_block, quant, 5);
  const v128_t in7 = dequantize(coef_block, quant, 7);

  /* Pass 1 (rows and columns 0, 1, 3, 5 and 7 count): rows 0 and 1 (A and B), in 32 bits, columns 0-3 and 4-7. */
  const v128_t round = wasm_i32x4_splat(1 << 12);
  v128_t a[2], b[2];
  for (int h = 0; h < 2; h++) {
    const v128_t p13 = h ? hi16(in1, in3) : lo16(in1, in3), p57 = h ? hi16(in5, in7) : lo16(in5, in7);
    const v128_t odd = wasm_i32x4_add(dot(p13, PAIR(F_3_624, -F_1_272)), dot(p57, PAIR(F_0_850, -F_0_720)));
    const v128_t even = wasm_i32x4_add(wasm_i32x4_shl(h ? wasm_i32x4_extend_high_i16x8(in0) : wasm_i32x4_extend_low_i16x8(in0), 15), round);
    a[h] = wasm_i32x4_shr(wasm_i32x4_add(even, odd), 13);
    b[h] = wasm_i32x4_shr(wasm_i32x4_sub(even, odd), 13);
  }

  /*
   * Pass 2: the odd terms from columns 1, 3, 5, 7 saturated to 16 bits (the products of the other
   * columns are by 0), summed in pairs into (A, A, B, B); the DC terms (A0, A0, B0, B0) as they are.
   */
  const v128_t ab03 = wasm_i16x8_narrow_i32x4(a[0], b[0]), ab47 = wasm_i16x8_narrow_i32x4(a[1], b[1]);
  const v128_t odd4 = wasm_i32x4_add(dot(ab03, wasm_i16x8_const(0, F_3_624, 0, -F_1_272, 0, F_3_624, 0, -F_1_272)),
                                     dot(ab47, wasm_i16x8_const(0, F_0_850, 0, -F_0_720, 0, F_0_850, 0, -F_0_720)));
  const v128_t odd = wasm_i32x4_add(odd4, wasm_i32x4_shuffle(odd4, odd4, 1, 0, 3, 2));
  const v128_t even = wasm_i32x4_add(wasm_i32x4_shl(wasm_i32x4_shuffle(a[0], b[0], 0, 0, 4, 4), 15), wasm_i32x4_splat(1 << 19));
  /* (row 0 col 0, row 0 col 1, row 1 col 0, row 1 col 1): the odd term negated for column 1. */
  const v128_t minus = wasm_i32x4_const(0, -1, 0, -1);
  const v128_t out = wasm_i32x4_shr(wasm_i32x4_add(even, wasm_i32x4_sub(wasm_v128_xor(odd, minus), minus)), 20);
  const v128_t out16 = wasm_i16x8_narrow_i32x4(out, out);
  const v128_t bytes = wasm_i8x16_add(wasm_i8x16_narrow_i16x8(out16, out16), wasm_i8x16_splat((int8_t)CENTERJSAMPLE));
  wasm_v128_store16_lane(output_buf[0] + output_col, bytes, 0);
  wasm_v128_store16_lane(output_buf[1] + output_col, bytes, 1);
}
