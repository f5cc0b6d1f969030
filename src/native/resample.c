/*
 * resample.c: Lanczos 3 resizing of packed 8-bit pixels (1 or 3 channels) on the render thread,
 * part of turbojpeg.node and of the WebAssembly codec. libvips' resize applies the same filter, but a call costs ~1 ms of
 * thread hand-offs and set-up whatever the size: most of a small image's render (bench/README.md,
 * "Eighth round"). Separable, as libvips and Pillow do it, with fixed-point weights that sum to
 * one: a vertical pass into 8-bit rows first (it vectorises, and it leaves the slower horizontal
 * pass fewer rows: 800x600 -> 512x384 took 4.0 ms horizontal-first, 3.4 ms so), then a horizontal
 * one. Plain C: resample_napi.c is its Node-API wrapper, and the WebAssembly codec
 * (src/wasm/codec.c) calls it too.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "resample.h"

#define PRECISION 22 /* bits of the fixed-point weights, as Pillow's 8-bit resampler */

static double lanczos3(double x) {
  if (x < 0) x = -x;
  if (x >= 3.0) return 0.0;
  if (x < 1e-8) return 1.0;
  const double px = M_PI * x;
  return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

/* Each output index's window in the source (first, count) and its `taps` weights. */
typedef struct {
  int taps;
  int *first;
  int *count;
  int32_t *weights;
} spans;

static void free_spans(spans *s) {
  free(s->first);
  free(s->count);
  free(s->weights);
}

static int make_spans(spans *s, int in, int out) {
  const double scale = (double)in / out, filterscale = scale < 1.0 ? 1.0 : scale, support = 3.0 * filterscale;
  s->taps = (int)ceil(support) * 2 + 1;
  s->first = malloc(sizeof(int) * out);
  s->count = malloc(sizeof(int) * out);
  s->weights = malloc(sizeof(int32_t) * out * s->taps);
  double *k = malloc(sizeof(double) * s->taps);
  if (!s->first || !s->count || !s->weights || !k) {
    free(k);
    return 0;
  }
  for (int o = 0; o < out; o++) {
    const double center = (o + 0.5) * scale;
    int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
    if (lo < 0) lo = 0;
    if (hi > in) hi = in;
    double sum = 0;
    for (int i = 0; i < hi - lo; i++) sum += (k[i] = lanczos3((i + lo - center + 0.5) / filterscale));
    for (int i = 0; i < hi - lo; i++) {
      const double w = sum != 0 ? k[i] / sum : 0;
      s->weights[o * s->taps + i] = (int32_t)(w < 0 ? w * (1 << PRECISION) - 0.5 : w * (1 << PRECISION) + 0.5);
    }
    s->first[o] = lo;
    s->count[o] = hi - lo;
  }
  free(k);
  return 1;
}

/* Weights sum to 1 << PRECISION and |weights| to under 1.3 of it: 255 times that fits an int32. */
static uint8_t clip8(int32_t v) {
  v >>= PRECISION;
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Along each row: `rows` rows of `in_w` pixels into rows of `s`'s output width. */
static void horizontal(const uint8_t *src, uint8_t *dst, const spans *s, int rows, int in_w, int out_w, int ch) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *row = src + (size_t)y * in_w * ch;
    uint8_t *out = dst + (size_t)y * out_w * ch;
    for (int o = 0; o < out_w; o++) {
      const int32_t *w = s->weights + o * s->taps;
      const uint8_t *p = row + (size_t)s->first[o] * ch;
      const int n = s->count[o];
      if (ch == 3) {
        int32_t r = 1 << (PRECISION - 1), g = r, b = r;
        for (int i = 0; i < n; i++, p += 3) {
          r += p[0] * w[i];
          g += p[1] * w[i];
          b += p[2] * w[i];
        }
        out[o * 3] = clip8(r);
        out[o * 3 + 1] = clip8(g);
        out[o * 3 + 2] = clip8(b);
      } else {
        int32_t v = 1 << (PRECISION - 1);
        for (int i = 0; i < n; i++) v += p[i] * w[i];
        out[o] = clip8(v);
      }
    }
  }
}

/* Down the columns, one output row at a time: whole rows of `stride` bytes, in order. */
static void vertical(const uint8_t *src, uint8_t *dst, const spans *s, int out_h, int stride, int32_t *acc) {
  for (int o = 0; o < out_h; o++) {
    const int32_t *w = s->weights + o * s->taps;
    for (int x = 0; x < stride; x++) acc[x] = 1 << (PRECISION - 1);
    for (int i = 0; i < s->count[o]; i++) {
      const uint8_t *row = src + (size_t)(s->first[o] + i) * stride;
      const int32_t wi = w[i];
      for (int x = 0; x < stride; x++) acc[x] += row[x] * wi;
    }
    uint8_t *out = dst + (size_t)o * stride;
    for (int x = 0; x < stride; x++) out[x] = clip8(acc[x]);
  }
}

int lanczos3_resize(const uint8_t *src, int sw, int sh, int ch, uint8_t *dst, int dw, int dh) {
  spans h = {0}, v = {0};
  uint8_t *mid = malloc((size_t)sw * dh * ch);
  int32_t *acc = malloc(sizeof(int32_t) * sw * ch);
  const int ok = mid && acc && make_spans(&h, sw, dw) && make_spans(&v, sh, dh);
  if (ok) {
    vertical(src, mid, &v, dh, sw * ch, acc);
    horizontal(mid, dst, &h, dh, sw, dw, ch);
  }
  free(mid);
  free(acc);
  free_spans(&h);
  free_spans(&v);
  return ok;
}
