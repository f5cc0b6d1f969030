/*
 * jsimd_wasm.c: libjpeg-turbo's SIMD dispatch for the WebAssembly build, in place of its x86 and
 * Arm ones. The library asks jsimd_can_*() once per image for each of its hot loops; a yes hands
 * the loop to one of our WebAssembly SIMD128 kernels (simd/kernels.h), a no keeps its C code.
 * Either way the bytes are the native library's (its C and SIMD code agree on real files, and our
 * kernels follow its SSE2 code on hostile ones): the tests compare every decode and encode. The
 * answers hold for the one configuration built here (scripts/wasm.mjs: 8-bit samples, WITH_SIMD's
 * 16-bit DCT elements, packed RGB).
 */
#include "simd/kernels.h"
#include "jsimd.h"
#include "jsimddct.h"

/* ---- colour conversion (colour.c) ---- */

/* Packed RGB only: the one layout codec.c encodes from and decodes to (and any other is refused). */
#define PACKED_RGB(cs) ((cs) == JCS_EXT_RGB || (cs) == JCS_RGB)

GLOBAL(int) jsimd_can_rgb_ycc(void) { return RGB_PIXELSIZE == 3; }
GLOBAL(int) jsimd_can_ycc_rgb(void) { return RGB_PIXELSIZE == 3; }
GLOBAL(void) jsimd_rgb_ycc_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row, int num_rows) {
  if (!PACKED_RGB(cinfo->in_color_space)) ERREXIT(cinfo, JERR_CONVERSION_NOTIMPL);
  wasm_rgb_ycc_convert(cinfo->image_width, input_buf, output_buf, output_row, num_rows);
}
GLOBAL(void) jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows) {
  if (!PACKED_RGB(cinfo->out_color_space)) ERREXIT(cinfo, JERR_CONVERSION_NOTIMPL);
  wasm_ycc_rgb_convert(cinfo->output_width, input_buf, input_row, output_buf, num_rows);
}

/* ---- chroma down- and upsampling (sampling.c) ---- */

GLOBAL(int) jsimd_can_h2v2_downsample(void) { return 1; }
GLOBAL(void) jsimd_h2v2_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY output_data) {
  wasm_h2v2_downsample(cinfo->image_width, cinfo->max_v_samp_factor, compptr->v_samp_factor, compptr->width_in_blocks, input_data, output_data);
}

GLOBAL(int) jsimd_can_h2v2_fancy_upsample(void) { return 1; }
GLOBAL(int) jsimd_can_h2v1_fancy_upsample(void) { return 1; }
GLOBAL(void) jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  wasm_h2v2_fancy_upsample(cinfo->max_v_samp_factor, compptr->downsampled_width, input_data, output_data_ptr);
}
GLOBAL(void) jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  wasm_h2v1_fancy_upsample(cinfo->max_v_samp_factor, compptr->downsampled_width, input_data, output_data_ptr);
}

/* ---- the encoder's DCT (fdct.c) ---- */

GLOBAL(int) jsimd_can_convsamp(void) { return 1; }
GLOBAL(int) jsimd_can_fdct_islow(void) { return 1; }
GLOBAL(int) jsimd_can_quantize(void) { return 1; }
GLOBAL(void) jsimd_convsamp(JSAMPARRAY sample_data, JDIMENSION start_col, DCTELEM *workspace) { wasm_convsamp(sample_data, start_col, workspace); }
GLOBAL(void) jsimd_fdct_islow(DCTELEM *data) { wasm_fdct_islow(data); }
GLOBAL(void) jsimd_quantize(JCOEFPTR coef_block, DCTELEM *divisors, DCTELEM *workspace) { wasm_quantize(coef_block, divisors, workspace); }

/* ---- the decoder's DCT (idct.c) ---- */

GLOBAL(int) jsimd_can_idct_islow(void) { return 1; }
GLOBAL(int) jsimd_can_idct_4x4(void) { return 1; }
GLOBAL(int) jsimd_can_idct_2x2(void) { return 1; }
GLOBAL(void) jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) { wasm_idct_islow(compptr->dct_table, coef_block, output_buf, output_col); }
GLOBAL(void) jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) { wasm_idct_4x4(compptr->dct_table, coef_block, output_buf, output_col); }
GLOBAL(void) jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) { wasm_idct_2x2(compptr->dct_table, coef_block, output_buf, output_col); }

/*
 * ---- what stays C ----
 * Huffman coding (the 64-bit bit buffer scripts/wasm.mjs gives it), the float and fast-integer
 * DCTs the codec never asks for, merged upsampling (only without fancy upsampling, which the
 * codec keeps on), 4:2:2 downsampling (the codec encodes 4:2:0), 4:4:0 upsampling (the library
 * asks for SIMD there on Arm only), and pixel layouts the codec does not use.
 */
GLOBAL(int) jsimd_can_rgb_gray(void) { return 0; }
GLOBAL(int) jsimd_can_ycc_rgb565(void) { return 0; }
GLOBAL(int) jsimd_c_can_null_convert(void) { return 0; }
GLOBAL(void) jsimd_rgb_gray_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row, int num_rows) {}
GLOBAL(void) jsimd_ycc_rgb565_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows) {}
GLOBAL(void) jsimd_c_null_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row, int num_rows) {}
GLOBAL(int) jsimd_can_h2v1_downsample(void) { return 0; }
GLOBAL(void) jsimd_h2v1_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY output_data) {}
GLOBAL(int) jsimd_can_h2v2_smooth_downsample(void) { return 0; }
GLOBAL(void) jsimd_h2v2_smooth_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY output_data) {}
GLOBAL(int) jsimd_can_h1v2_fancy_upsample(void) { return 0; }
GLOBAL(void) jsimd_h1v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {}
GLOBAL(int) jsimd_can_h2v2_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_h2v1_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_int_upsample(void) { return 0; }
GLOBAL(void) jsimd_h2v2_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {}
GLOBAL(void) jsimd_h2v1_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {}
GLOBAL(void) jsimd_int_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {}
GLOBAL(int) jsimd_can_h2v2_merged_upsample(void) { return 0; }
GLOBAL(int) jsimd_can_h2v1_merged_upsample(void) { return 0; }
GLOBAL(void) jsimd_h2v2_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION in_row_group_ctr, JSAMPARRAY output_buf) {}
GLOBAL(void) jsimd_h2v1_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION in_row_group_ctr, JSAMPARRAY output_buf) {}
GLOBAL(int) jsimd_can_convsamp_float(void) { return 0; }
GLOBAL(void) jsimd_convsamp_float(JSAMPARRAY sample_data, JDIMENSION start_col, FAST_FLOAT *workspace) {}
GLOBAL(int) jsimd_can_fdct_ifast(void) { return 0; }
GLOBAL(int) jsimd_can_fdct_float(void) { return 0; }
GLOBAL(void) jsimd_fdct_ifast(DCTELEM *data) {}
GLOBAL(void) jsimd_fdct_float(FAST_FLOAT *data) {}
GLOBAL(int) jsimd_can_quantize_float(void) { return 0; }
GLOBAL(void) jsimd_quantize_float(JCOEFPTR coef_block, FAST_FLOAT *divisors, FAST_FLOAT *workspace) {}
GLOBAL(int) jsimd_can_idct_6x6(void) { return 0; }
GLOBAL(int) jsimd_can_idct_12x12(void) { return 0; }
GLOBAL(void) jsimd_idct_6x6(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(void) jsimd_idct_12x12(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(int) jsimd_can_idct_ifast(void) { return 0; }
GLOBAL(int) jsimd_can_idct_float(void) { return 0; }
GLOBAL(void) jsimd_idct_ifast(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(void) jsimd_idct_float(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {}
GLOBAL(int) jsimd_can_huff_encode_one_block(void) { return 0; }
GLOBAL(JOCTET *) jsimd_huff_encode_one_block(void *state, JOCTET *buffer, JCOEFPTR block, int last_dc_val, c_derived_tbl *dctbl, c_derived_tbl *actbl) { return buffer; }
GLOBAL(int) jsimd_can_encode_mcu_AC_first_prepare(void) { return 0; }
GLOBAL(void) jsimd_encode_mcu_AC_first_prepare(const JCOEF *block, const int *jpeg_natural_order_start, int Sl, int Al, UJCOEF *values, size_t *zerobits) {}
GLOBAL(int) jsimd_can_encode_mcu_AC_refine_prepare(void) { return 0; }
GLOBAL(int) jsimd_encode_mcu_AC_refine_prepare(const JCOEF *block, const int *jpeg_natural_order_start, int Sl, int Al, UJCOEF *absvalues, size_t *bits) { return 0; }
