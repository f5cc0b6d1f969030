/*
 * codec.c: libjpeg-turbo's decoder and encoder, and resample.c, as a WebAssembly module for the
 * platforms without turbojpeg.node (src/wasm/turbojpegWasm.ts loads it). It reproduces what
 * turbojpeg.c asks of the TurboJPEG API (tjDecompressHeader3 + tjDecompress2 with accurate DCT and
 * stop-on-warning, tjCompress2 with 4:2:0 or grey), so both paths make the same pixels and bytes.
 * There is no setjmp: libjpeg's error exit and every warning call ft_fail, a JS function that
 * throws, and the JS side resets the stack pointer while each call resets the arena (arena.c).
 * The file is read, the pixels copied and the JPEG written through small buffers, via imports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"
#include "jerror.h"
#include "arena.h"
#include "resample.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

/* Throws a JS Error with this message; never returns. */
IMPORT("ft_fail") _Noreturn void ft_fail(const char *message);
/* Reads up to `size` bytes of the file being decoded into `into`; 0 at its end. */
IMPORT("ft_read") size_t ft_read(JOCTET *into, size_t size);
/* Takes `size` bytes of decoded pixels, the next rows in order. */
IMPORT("ft_rows") void ft_rows(const JSAMPLE *rows, size_t size);
/* Fills `into` with `count` rows of the pixels being encoded, from row `first`. */
IMPORT("ft_pixels") void ft_pixels(JSAMPLE *into, int first, int count);
/* Writes `size` bytes of the JPEG being encoded (throws as fs.writeSync does). */
IMPORT("ft_write") void ft_write(const JOCTET *bytes, size_t size);

#define IO_BYTES 65536  /* the file read and the JPEG written this much at a time */
#define STRIP_BYTES 262144  /* decoded or source pixels passed to JS this much at a time */
/* A sequential JPEG with several scans needs its whole coefficient image: past this libjpeg
   fails the decode (no backing store) and sharp, which streams, takes the file. */
#define MAX_IMAGE_MEMORY (16L << 20)

/* One call at a time per instance (a worker thread's): its state lives here, rebuilt per call. */
static struct {
  struct jpeg_error_mgr err;
  struct jpeg_decompress_struct d;
  struct jpeg_compress_struct c;
  struct jpeg_source_mgr src;
  struct jpeg_destination_mgr dest;
  JOCTET *io;
  char message[JMSG_LENGTH_MAX];
} s;

static _Noreturn void error_exit(j_common_ptr cinfo) {
  (*cinfo->err->format_message)(cinfo, s.message);
  ft_fail(s.message);
}

/* Any warning refuses the file, as TJFLAG_STOPONWARNING does; trace messages are dropped. */
static void emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) error_exit(cinfo);
}

static struct jpeg_error_mgr *errors(void) {
  jpeg_std_error(&s.err);
  s.err.error_exit = error_exit;
  s.err.emit_message = emit_message;
  return &s.err;
}

static void init_source(j_decompress_ptr d) { (void)d; }
static void term_source(j_decompress_ptr d) { (void)d; }

/* At the file's end, a warning (which refuses it) and a fake EOI, as TurboJPEG's memory source does. */
static boolean fill_input_buffer(j_decompress_ptr d) {
  static const JOCTET eoi[2] = {0xFF, JPEG_EOI};
  size_t n = ft_read(s.io, IO_BYTES);
  if (n == 0) {
    WARNMS(d, JWRN_JPEG_EOF);
    d->src->next_input_byte = eoi;
    d->src->bytes_in_buffer = 2;
    return TRUE;
  }
  d->src->next_input_byte = s.io;
  d->src->bytes_in_buffer = n;
  return TRUE;
}

static void skip_input_data(j_decompress_ptr d, long count) {
  if (count <= 0) return;
  while (count > (long)d->src->bytes_in_buffer) {
    count -= (long)d->src->bytes_in_buffer;
    fill_input_buffer(d);
  }
  d->src->next_input_byte += count;
  d->src->bytes_in_buffer -= (size_t)count;
}

/* Sampling factors TurboJPEG knows (getSubsamp in its turbojpeg.c); it refuses the others. */
static const int mcu_w[6] = {8, 16, 16, 8, 8, 32}, mcu_h[6] = {8, 8, 16, 8, 16, 8}, pixel_size[6] = {3, 3, 3, 1, 3, 3};
enum { SAMP_422 = 1, SAMP_444 = 0, SAMP_GRAY = 3, SAMP_440 = 4 };

static int matches(const j_decompress_ptr d, int href0, int vref0, int href, int vref) {
  if (d->comp_info[0].h_samp_factor != href0 || d->comp_info[0].v_samp_factor != vref0) return 0;
  for (int k = 1; k < d->num_components; k++) {
    if (d->comp_info[k].h_samp_factor != href || d->comp_info[k].v_samp_factor != vref) return 0;
  }
  return 1;
}

/* getSubsamp() for greyscale, YCbCr and RGB files (the only ones asked for), >= 0 when known. */
static int subsampling(const j_decompress_ptr d) {
  if (d->num_components == 1 && d->jpeg_color_space == JCS_GRAYSCALE) return SAMP_GRAY;
  for (int i = 0; i < 6; i++) {
    if (d->num_components != pixel_size[i]) continue;
    if (matches(d, mcu_w[i] / 8, mcu_h[i] / 8, 1, 1)) return i;
    if ((i == SAMP_422 || i == SAMP_440) && matches(d, 2, 2, mcu_h[i] / 8, mcu_w[i] / 8)) return i;
    if (i == SAMP_444 && d->num_components > 1 &&
        d->comp_info[0].h_samp_factor * d->comp_info[0].v_samp_factor <= D_MAX_BLOCKS_IN_MCU / pixel_size[i] &&
        matches(d, d->comp_info[0].h_samp_factor, d->comp_info[0].v_samp_factor, d->comp_info[0].h_samp_factor,
                d->comp_info[0].v_samp_factor)) {
      return i;
    }
  }
  return -1;
}

/* TurboJPEG's choice of scale: the largest of its factors that fits width x height. */
static void pick_scale(j_decompress_ptr d, int width, int height) {
  static const int num[16] = {2, 15, 7, 13, 3, 11, 5, 9, 1, 7, 3, 5, 1, 3, 1, 1};
  static const int den[16] = {1, 8, 4, 8, 2, 8, 4, 8, 1, 8, 4, 8, 2, 8, 4, 8};
  for (int i = 0; i < 16; i++) {
    const long w = ((long)d->image_width * num[i] + den[i] - 1) / den[i];
    const long h = ((long)d->image_height * num[i] + den[i] - 1) / den[i];
    if (w <= width && h <= height) {
      d->scale_num = num[i];
      d->scale_denom = den[i];
      return;
    }
  }
  ft_fail("Could not scale down to desired image dimensions");
}

/* Reads the header and refuses, with turbojpeg.c's messages, what that path would refuse. */
static void read_header(int grey) {
  jpeg_read_header(&s.d, TRUE);
  const int cs = s.d.jpeg_color_space;
  const int tjcs = cs == JCS_RGB ? 0 : cs == JCS_YCbCr ? 1 : cs == JCS_GRAYSCALE ? 2 : cs == JCS_CMYK ? 3 : cs == JCS_YCCK ? 4 : -1;
  if (grey ? tjcs != 2 : tjcs != 0 && tjcs != 1) {
    snprintf(s.message, sizeof s.message, "colour space %d is not %s", tjcs, grey ? "greyscale" : "YCbCr or RGB");
    ft_fail(s.message);
  }
  if (subsampling(&s.d) < 0) ft_fail("Could not determine subsampling type for JPEG image");
  if (s.d.image_width < 1 || s.d.image_height < 1) ft_fail("no frame size in the header");
}

/* Rows of `row` bytes, contiguous, about STRIP_BYTES in all, from the image pool. */
static JSAMPARRAY strip(j_common_ptr cinfo, size_t row, int *rows) {
  *rows = row >= STRIP_BYTES ? 1 : (int)(STRIP_BYTES / row);
  JSAMPLE *bytes = (*cinfo->mem->alloc_large)(cinfo, JPOOL_IMAGE, row * *rows);
  JSAMPARRAY rowp = (*cinfo->mem->alloc_small)(cinfo, JPOOL_IMAGE, sizeof(JSAMPROW) * *rows);
  for (int i = 0; i < *rows; i++) rowp[i] = bytes + row * i;
  return rowp;
}

/*
 * decode(shrink 1|2|4|8, grey, room): the file (read through ft_read) at 1/shrink, sizes rounded
 * up, as RGB or grey rows passed to ft_rows; returns the bytes passed.
 */
EXPORT("decode") size_t decode(int shrink, int grey, size_t room) {
  arena_reset();
  s.d.err = errors();
  jpeg_create_decompress(&s.d);
  s.d.mem->max_memory_to_use = MAX_IMAGE_MEMORY;
  s.io = (*s.d.mem->alloc_small)((j_common_ptr)&s.d, JPOOL_PERMANENT, IO_BYTES);
  s.src = (struct jpeg_source_mgr){0, 0, init_source, fill_input_buffer, skip_input_data, jpeg_resync_to_restart, term_source};
  s.d.src = &s.src;
  read_header(grey);
  const int w = (int)((s.d.image_width + shrink - 1) / shrink), h = (int)((s.d.image_height + shrink - 1) / shrink);
  const size_t need = (size_t)w * h * (grey ? 1 : 3);
  if (room < need) {
    snprintf(s.message, sizeof s.message, "%zu bytes given for %dx%d pixels, %zu needed", room, w, h, need);
    ft_fail(s.message);
  }
  s.d.out_color_space = grey ? JCS_GRAYSCALE : JCS_EXT_RGB;
  pick_scale(&s.d, w, h);
  jpeg_start_decompress(&s.d);
  const size_t row = (size_t)s.d.output_width * s.d.output_components;
  int rows = 0;
  JSAMPARRAY rowp = strip((j_common_ptr)&s.d, row, &rows);
  size_t written = 0;
  while (s.d.output_scanline < s.d.output_height) {
    int got = 0;
    while (got < rows && s.d.output_scanline < s.d.output_height) got += (int)jpeg_read_scanlines(&s.d, rowp + got, (JDIMENSION)(rows - got));
    ft_rows(rowp[0], (size_t)got * row);
    written += (size_t)got * row;
  }
  jpeg_finish_decompress(&s.d);
  jpeg_destroy_decompress(&s.d);
  return written;
}

static void init_destination(j_compress_ptr c) {
  c->dest->next_output_byte = s.io;
  c->dest->free_in_buffer = IO_BYTES;
}

static boolean empty_output_buffer(j_compress_ptr c) {
  ft_write(s.io, IO_BYTES);
  init_destination(c);
  return TRUE;
}

static void term_destination(j_compress_ptr c) { ft_write(s.io, IO_BYTES - c->dest->free_in_buffer); }

/*
 * encode(width, height, channels 1|3, quality): the pixels (fetched through ft_pixels) as a
 * baseline JPEG written through ft_write, with tjCompress2's settings for TJSAMP_420 or
 * TJSAMP_GRAY and TJFLAG_ACCURATEDCT.
 */
EXPORT("encode") void encode(int width, int height, int channels, int quality) {
  arena_reset();
  s.c.err = errors();
  jpeg_create_compress(&s.c);
  s.io = (*s.c.mem->alloc_small)((j_common_ptr)&s.c, JPOOL_PERMANENT, IO_BYTES);
  s.dest = (struct jpeg_destination_mgr){0, 0, init_destination, empty_output_buffer, term_destination};
  s.c.dest = &s.dest;
  s.c.image_width = (JDIMENSION)width;
  s.c.image_height = (JDIMENSION)height;
  s.c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_EXT_RGB;
  s.c.input_components = channels;
  jpeg_set_defaults(&s.c);
  jpeg_set_quality(&s.c, quality, TRUE);
  s.c.dct_method = JDCT_ISLOW;
  jpeg_set_colorspace(&s.c, channels == 1 ? JCS_GRAYSCALE : JCS_YCbCr);
  s.c.comp_info[0].h_samp_factor = s.c.comp_info[0].v_samp_factor = channels == 1 ? 1 : 2;
  for (int k = 1; k < s.c.num_components; k++) s.c.comp_info[k].h_samp_factor = s.c.comp_info[k].v_samp_factor = 1;
  jpeg_start_compress(&s.c, TRUE);
  int rows = 0;
  JSAMPARRAY rowp = strip((j_common_ptr)&s.c, (size_t)width * channels, &rows);
  while (s.c.next_scanline < s.c.image_height) {
    const int first = (int)s.c.next_scanline, count = rows < height - first ? rows : height - first;
    ft_pixels(rowp[0], first, count);
    for (int done = 0; done < count;) done += (int)jpeg_write_scanlines(&s.c, rowp + done, (JDIMENSION)(count - done));
  }
  jpeg_finish_compress(&s.c);
  jpeg_destroy_compress(&s.c);
}

/* The start of a resize's buffers: `size` bytes that stay until the next call. */
EXPORT("reserve") void *reserve(size_t size) { return malloc(size); }

/* Starts a resize: forgets every earlier call's memory. */
EXPORT("begin") void begin(void) { arena_reset(); }

/* resize(...): resample.c's Lanczos 3 between two reserved buffers; 0 when out of memory. */
EXPORT("resize") int resize(const uint8_t *src, int sw, int sh, int ch, uint8_t *dst, int dw, int dh) {
  return lanczos3_resize(src, sw, sh, ch, dst, dw, dh);
}
