/*
 * colour.c: RGB <-> YCbCr for the WebAssembly codec, 16 pixels at a time in SIMD128. The same
 * fixed-point sums as libjpeg-turbo's tables (jccolor.c's rgb_ycc_tab, jdcolor.c's Cr_r_tab and
 * friends), computed instead of looked up: a table lookup per channel cannot be vectorised, and
 * these conversions were a fifth of a small image's decode and encode (bench/README.md).
 */
#include <wasm_simd128.h>
#include "kernels.h"

#define SCALEBITS 16
#define ONE_HALF (1 << (SCALEBITS - 1))
#define CBCR_OFFSET (CENTERJSAMPLE << SCALEBITS)
#define FIX16(x) ((int32_t)((x) * (1 << SCALEBITS) + 0.5))

/* 16 packed RGB pixels into planes of R, G and B (and back): byte shuffles of three vectors. */
static inline void deinterleave(const JSAMPLE *in, v128_t *r, v128_t *g, v128_t *b) {
  const v128_t v0 = wasm_v128_load(in), v1 = wasm_v128_load(in + 16), v2 = wasm_v128_load(in + 32);
  const v128_t r01 = wasm_i8x16_shuffle(v0, v1, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0);
  const v128_t g01 = wasm_i8x16_shuffle(v0, v1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0);
  const v128_t b01 = wasm_i8x16_shuffle(v0, v1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0);
  *r = wasm_i8x16_shuffle(r01, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
  *g = wasm_i8x16_shuffle(g01, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
  *b = wasm_i8x16_shuffle(b01, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
}

static inline void interleave(JSAMPLE *out, v128_t r, v128_t g, v128_t b) {
  const v128_t rg = wasm_i8x16_shuffle(r, g, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
  wasm_v128_store(out, wasm_i8x16_shuffle(rg, b, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
  const v128_t rg1 = wasm_i8x16_shuffle(r, g, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
  wasm_v128_store(out + 16, wasm_i8x16_shuffle(rg1, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15));
  const v128_t rg2 = wasm_i8x16_shuffle(r, g, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
  wasm_v128_store(out + 32, wasm_i8x16_shuffle(rg2, b, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31));
}

/* Four lanes of (a*ca + b*cb + c*cc + bias) >> 16, from 16-bit lanes `half` (0 low, 1 high) of a, b and c. */
#define SUM3(lo_or_hi, a, ca, b, cb, c, cc, bias)                                          \
  wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(wasm_i32x4_extend_##lo_or_hi##_i16x8(a), ca), \
                                               wasm_i32x4_mul(wasm_i32x4_extend_##lo_or_hi##_i16x8(b), cb)), \
                                wasm_i32x4_add(wasm_i32x4_mul(wasm_i32x4_extend_##lo_or_hi##_i16x8(c), cc), bias)), SCALEBITS)

/* Eight samples of one output channel from eight pixels' 16-bit R, G, B. */
static inline v128_t channel8(v128_t r, v128_t g, v128_t b, v128_t cr, v128_t cg, v128_t cb, v128_t bias) {
  return wasm_i16x8_narrow_i32x4(SUM3(low, r, cr, g, cg, b, cb, bias), SUM3(high, r, cr, g, cg, b, cb, bias));
}

static inline v128_t channel16(v128_t r, v128_t g, v128_t b, int32_t cr, int32_t cg, int32_t cb, int32_t bias) {
  const v128_t kr = wasm_i32x4_splat(cr), kg = wasm_i32x4_splat(cg), kb = wasm_i32x4_splat(cb), kbias = wasm_i32x4_splat(bias);
  const v128_t lo = channel8(wasm_u16x8_extend_low_u8x16(r), wasm_u16x8_extend_low_u8x16(g), wasm_u16x8_extend_low_u8x16(b), kr, kg, kb, kbias);
  const v128_t hi = channel8(wasm_u16x8_extend_high_u8x16(r), wasm_u16x8_extend_high_u8x16(g), wasm_u16x8_extend_high_u8x16(b), kr, kg, kb, kbias);
  return wasm_u8x16_narrow_i16x8(lo, hi);
}

/* jccolor.c's sums; libjpeg's Cb and Cr are 0.5 - epsilon rounded, so they never pass 255. */
#define Y_SUM(r, g, b) ((FIX16(0.29900) * (r) + FIX16(0.58700) * (g) + FIX16(0.11400) * (b) + ONE_HALF) >> SCALEBITS)
#define CB_SUM(r, g, b) ((-FIX16(0.16874) * (r) - FIX16(0.33126) * (g) + FIX16(0.50000) * (b) + CBCR_OFFSET + ONE_HALF - 1) >> SCALEBITS)
#define CR_SUM(r, g, b) ((FIX16(0.50000) * (r) - FIX16(0.41869) * (g) - FIX16(0.08131) * (b) + CBCR_OFFSET + ONE_HALF - 1) >> SCALEBITS)

void wasm_rgb_ycc_convert(JDIMENSION width, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row, int num_rows) {
  for (; num_rows > 0; num_rows--, output_row++) {
    const JSAMPLE *in = *input_buf++;
    JSAMPLE *y = output_buf[0][output_row], *cb = output_buf[1][output_row], *cr = output_buf[2][output_row];
    JDIMENSION col = 0;
    for (; col + 16 <= width; col += 16, in += 48) {
      v128_t r, g, b;
      deinterleave(in, &r, &g, &b);
      wasm_v128_store(y + col, channel16(r, g, b, FIX16(0.29900), FIX16(0.58700), FIX16(0.11400), ONE_HALF));
      wasm_v128_store(cb + col, channel16(r, g, b, -FIX16(0.16874), -FIX16(0.33126), FIX16(0.50000), CBCR_OFFSET + ONE_HALF - 1));
      wasm_v128_store(cr + col, channel16(r, g, b, FIX16(0.50000), -FIX16(0.41869), -FIX16(0.08131), CBCR_OFFSET + ONE_HALF - 1));
    }
    for (; col < width; col++, in += 3) {
      y[col] = (JSAMPLE)Y_SUM(in[0], in[1], in[2]);
      cb[col] = (JSAMPLE)CB_SUM(in[0], in[1], in[2]);
      cr[col] = (JSAMPLE)CR_SUM(in[0], in[1], in[2]);
    }
  }
}

/* jdcolor.c's tables as sums: Cr->R and Cb->B rounded on their own, Cb->G + Cr->G together. */
static inline v128_t offsets4(v128_t c, int32_t k, int32_t bias) {
  return wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(c, wasm_i32x4_splat(k)), wasm_i32x4_splat(bias)), SCALEBITS);
}

/* Eight R, G, B as 16-bit lanes (unclamped) from eight Y, Cb and Cr (16-bit lanes, chroma centred). */
static inline void rgb8(v128_t y, v128_t cb, v128_t cr, v128_t *r, v128_t *g, v128_t *b) {
  const v128_t cbl = wasm_i32x4_extend_low_i16x8(cb), cbh = wasm_i32x4_extend_high_i16x8(cb);
  const v128_t crl = wasm_i32x4_extend_low_i16x8(cr), crh = wasm_i32x4_extend_high_i16x8(cr);
  *r = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(offsets4(crl, FIX16(1.40200), ONE_HALF), offsets4(crh, FIX16(1.40200), ONE_HALF)));
  *b = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(offsets4(cbl, FIX16(1.77200), ONE_HALF), offsets4(cbh, FIX16(1.77200), ONE_HALF)));
  const v128_t kgb = wasm_i32x4_splat(-FIX16(0.34414)), kgr = wasm_i32x4_splat(-FIX16(0.71414)), half = wasm_i32x4_splat(ONE_HALF);
  const v128_t gl = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(cbl, kgb), wasm_i32x4_mul(crl, kgr)), half), SCALEBITS);
  const v128_t gh = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(cbh, kgb), wasm_i32x4_mul(crh, kgr)), half), SCALEBITS);
  *g = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(gl, gh));
}

static inline JSAMPLE clamp255(int v) { return (JSAMPLE)(v < 0 ? 0 : v > 255 ? 255 : v); }

void wasm_ycc_rgb_convert(JDIMENSION width, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows) {
  const v128_t centre = wasm_i16x8_splat(CENTERJSAMPLE);
  for (; num_rows > 0; num_rows--, input_row++) {
    const JSAMPLE *y = input_buf[0][input_row], *cb = input_buf[1][input_row], *cr = input_buf[2][input_row];
    JSAMPLE *out = *output_buf++;
    JDIMENSION col = 0;
    for (; col + 16 <= width; col += 16, out += 48) {
      const v128_t y16 = wasm_v128_load(y + col), cb16 = wasm_v128_load(cb + col), cr16 = wasm_v128_load(cr + col);
      v128_t rl, gl, bl, rh, gh, bh;
      rgb8(wasm_u16x8_extend_low_u8x16(y16), wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(cb16), centre),
           wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(cr16), centre), &rl, &gl, &bl);
      rgb8(wasm_u16x8_extend_high_u8x16(y16), wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(cb16), centre),
           wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(cr16), centre), &rh, &gh, &bh);
      // Saturating narrows clamp to 0..255, as the library's range-limit table does.
      interleave(out, wasm_u8x16_narrow_i16x8(rl, rh), wasm_u8x16_narrow_i16x8(gl, gh), wasm_u8x16_narrow_i16x8(bl, bh));
    }
    for (; col < width; col++, out += 3) {
      const int Y = y[col], Cb = cb[col] - CENTERJSAMPLE, Cr = cr[col] - CENTERJSAMPLE;
      out[0] = clamp255(Y + ((FIX16(1.40200) * Cr + ONE_HALF) >> SCALEBITS));
      out[1] = clamp255(Y + ((-FIX16(0.34414) * Cb - FIX16(0.71414) * Cr + ONE_HALF) >> SCALEBITS));
      out[2] = clamp255(Y + ((FIX16(1.77200) * Cb + ONE_HALF) >> SCALEBITS));
    }
  }
}
