/*
 * sampling.c: chroma downsampling (encode) and "fancy" triangle-filter upsampling (decode) for the
 * WebAssembly codec, 16 samples at a time in SIMD128, with the rounding biases of libjpeg-turbo's
 * jcsample.c and jdsample.c. The edges take the C code's special cases in plain C.
 */
#include <string.h>
#include <wasm_simd128.h>
#include "kernels.h"

/* ---- downsampling: each output sample is the mean of 2x2 input samples (4:2:0, what codec.c encodes) ---- */

/* jcsample.c's expand_right_edge: the last column repeated to fill the blocks' width. */
static void expand_right_edge(JSAMPARRAY rows, int num_rows, JDIMENSION input_cols, JDIMENSION output_cols) {
  if (output_cols <= input_cols) return;
  for (int row = 0; row < num_rows; row++) memset(rows[row] + input_cols, rows[row][input_cols - 1], output_cols - input_cols);
}

void wasm_h2v2_downsample(JDIMENSION image_width, int max_v_samp_factor, JDIMENSION v_samp_factor, JDIMENSION width_in_blocks, JSAMPARRAY input_data, JSAMPARRAY output_data) {
  const JDIMENSION output_cols = width_in_blocks * DCTSIZE;
  expand_right_edge(input_data, max_v_samp_factor, image_width, output_cols * 2);
  // The bias alternates 1, 2, 1, 2 along the row so that rounding does not drift one way.
  const v128_t bias = wasm_i16x8_make(1, 2, 1, 2, 1, 2, 1, 2);
  // output_cols is a multiple of 8: whole vectors of 8 outputs from 2 x 16 inputs.
  for (JDIMENSION row = 0; row < v_samp_factor; row++) {
    const JSAMPLE *in0 = input_data[2 * row], *in1 = input_data[2 * row + 1];
    JSAMPLE *out = output_data[row];
    for (JDIMENSION col = 0; col < output_cols; col += 8) {
      const v128_t top = wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in0 + 2 * col));
      const v128_t bottom = wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in1 + 2 * col));
      const v128_t mean = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(top, bottom), bias), 2);
      wasm_v128_store64_lane(out + col, wasm_u8x16_narrow_i16x8(mean, mean), 0);
    }
  }
}

/* ---- fancy upsampling: 3/4 of the nearer input sample and 1/4 of the further, each way ---- */

/*
 * One output row, twice as wide as `sums` (width > 2): output 2i is (3 s[i] + s[i-1] + even) >> shift
 * and output 2i+1 is (3 s[i] + s[i+1] + odd) >> shift, the edges taking their own sample for the
 * missing neighbour, which is the C code's special case for the first and last columns. For h2v1,
 * s is the input row itself; for h2v2, 3 x the nearer row + the further row (vertical first).
 */
static inline JSAMPLE widen_one(int s, int neighbour, int bias, int shift) { return (JSAMPLE)((3 * s + neighbour + bias) >> shift); }

#define SUMS(p, i) (vertical ? 3 * (p)[0][i] + (p)[1][i] : (p)[0][i])

/* The sums of the 16 samples from `at`, as two vectors of eight 16-bit lanes. */
static inline void sums16(const JSAMPLE *const rows[2], JDIMENSION at, int vertical, v128_t *lo, v128_t *hi) {
  const v128_t near = wasm_v128_load(rows[0] + at);
  *lo = wasm_u16x8_extend_low_u8x16(near);
  *hi = wasm_u16x8_extend_high_u8x16(near);
  if (!vertical) return;
  const v128_t far = wasm_v128_load(rows[1] + at), three = wasm_i16x8_splat(3);
  *lo = wasm_i16x8_add(wasm_i16x8_mul(*lo, three), wasm_u16x8_extend_low_u8x16(far));
  *hi = wasm_i16x8_add(wasm_i16x8_mul(*hi, three), wasm_u16x8_extend_high_u8x16(far));
}

/* Eight output pairs, interleaved: 16 bytes. */
static inline v128_t widen8(v128_t s, v128_t left, v128_t right, v128_t even, v128_t odd, int shift) {
  const v128_t s3 = wasm_i16x8_mul(s, wasm_i16x8_splat(3));
  const v128_t e = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(s3, left), even), shift);
  const v128_t o = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(s3, right), odd), shift);
  return wasm_v128_or(e, wasm_i16x8_shl(o, 8));
}

static inline void widen_row(const JSAMPLE *const rows[2], JDIMENSION width, int vertical, JSAMPLE *out) {
  const int even = vertical ? 8 : 1, odd = vertical ? 7 : 2, shift = vertical ? 4 : 2;
  out[0] = widen_one(SUMS(rows, 0), SUMS(rows, 0), even, shift);
  out[1] = widen_one(SUMS(rows, 0), SUMS(rows, 1), odd, shift);
  const v128_t keven = wasm_i16x8_splat(even), kodd = wasm_i16x8_splat(odd);
  JDIMENSION i = 1;
  // Samples i-1 .. i+16 are read: the vector loop stops where i+16 would pass the last one.
  for (; i + 16 < width; i += 16) {
    v128_t s_lo, s_hi, l_lo, l_hi, r_lo, r_hi;
    sums16(rows, i, vertical, &s_lo, &s_hi);
    sums16(rows, i - 1, vertical, &l_lo, &l_hi);
    sums16(rows, i + 1, vertical, &r_lo, &r_hi);
    wasm_v128_store(out + 2 * i, widen8(s_lo, l_lo, r_lo, keven, kodd, shift));
    wasm_v128_store(out + 2 * i + 16, widen8(s_hi, l_hi, r_hi, keven, kodd, shift));
  }
  for (; i + 1 < width; i++) {
    out[2 * i] = widen_one(SUMS(rows, i), SUMS(rows, i - 1), even, shift);
    out[2 * i + 1] = widen_one(SUMS(rows, i), SUMS(rows, i + 1), odd, shift);
  }
  out[2 * i] = widen_one(SUMS(rows, i), SUMS(rows, i - 1), even, shift);
  out[2 * i + 1] = widen_one(SUMS(rows, i), SUMS(rows, i), odd, shift);
}

void wasm_h2v1_fancy_upsample(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  for (int row = 0; row < max_v_samp_factor; row++) {
    const JSAMPLE *const rows[2] = {input_data[row], NULL};
    widen_row(rows, downsampled_width, 0, (*output_data_ptr)[row]);
  }
}

/* Each input row makes two output rows: one leaning on the row above, one on the row below. */
void wasm_h2v2_fancy_upsample(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  for (int out = 0, in = 0; out < max_v_samp_factor; in++) {
    for (int v = 0; v < 2; v++, out++) {
      const JSAMPLE *const rows[2] = {input_data[in], input_data[v == 0 ? in - 1 : in + 1]};
      widen_row(rows, downsampled_width, 1, (*output_data_ptr)[out]);
    }
  }
}
