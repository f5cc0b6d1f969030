/*
 * kernels.h: the WebAssembly SIMD128 kernels jsimd_wasm.c hands libjpeg-turbo's hot loops to.
 * Each makes exactly the bytes of the library's C code for the same loop (and so of its x86 and
 * Arm SIMD code, which libjpeg-turbo's own tests hold to the C code's output).
 */
#ifndef FT_WASM_KERNELS_H
#define FT_WASM_KERNELS_H
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h"

/* The DCTs' constants (fdct.c, idct.c): FIX(x) of jfdctint.c, jidctint.c and jidctred.c, x in 13-bit fixed point. */
#define F_0_211 1730
#define F_0_298 2446
#define F_0_390 3196
#define F_0_509 4176
#define F_0_541 4433
#define F_0_601 4926
#define F_0_720 5906
#define F_0_765 6270
#define F_0_850 6967
#define F_0_899 7373
#define F_1_061 8697
#define F_1_175 9633
#define F_1_272 10426
#define F_1_451 11893
#define F_1_501 12299
#define F_1_847 15137
#define F_1_961 16069
#define F_2_053 16819
#define F_2_172 17799
#define F_2_562 20995
#define F_3_072 25172
#define F_3_624 29692

/* colour.c: packed RGB (3 bytes a pixel) to and from YCbCr, as jccolor.c and jdcolor.c. */
void wasm_rgb_ycc_convert(JDIMENSION width, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row, int num_rows);
void wasm_ycc_rgb_convert(JDIMENSION width, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows);

/* sampling.c: 4:2:0 chroma downsampling (jcsample.c) and fancy upsampling (jdsample.c). */
void wasm_h2v2_downsample(JDIMENSION image_width, int max_v_samp_factor, JDIMENSION v_samp_factor, JDIMENSION width_in_blocks, JSAMPARRAY input_data, JSAMPARRAY output_data);
void wasm_h2v1_fancy_upsample(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr);
void wasm_h2v2_fancy_upsample(int max_v_samp_factor, JDIMENSION downsampled_width, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr);

/* fdct.c: the encoder's sample loading (jcdctmgr.c), slow-integer forward DCT (jfdctint.c) and quantisation. */
void wasm_convsamp(JSAMPARRAY sample_data, JDIMENSION start_col, DCTELEM *workspace);
void wasm_fdct_islow(DCTELEM *data);
void wasm_quantize(JCOEFPTR coef_block, DCTELEM *divisors, DCTELEM *workspace);

/* idct.c: the decoder's slow-integer inverse DCT (jidctint.c) and the 4x4 and 2x2 ones of 1/2 and 1/4 decodes (jidctred.c). */
void wasm_idct_islow(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);
void wasm_idct_4x4(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);
void wasm_idct_2x2(void *dct_table, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col);

#endif
