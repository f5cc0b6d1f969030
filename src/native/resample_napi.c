/*
 * resample_napi.c: resample.c's Lanczos 3 as turbojpeg.node's resize(), checking the sizes against
 * the buffers before any pixel is touched.
 */
#include <node_api.h>
#include <stdint.h>
#include "resample.h"

/* resize(pixels, width, height, channels, into, newWidth, newHeight): bytes written into `into`. */
napi_value resample(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  int32_t sw, sh, ch, dw, dh;
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7 ||
      napi_get_buffer_info(env, argv[0], (void **)&src, &src_len) != napi_ok || napi_get_value_int32(env, argv[1], &sw) != napi_ok ||
      napi_get_value_int32(env, argv[2], &sh) != napi_ok || napi_get_value_int32(env, argv[3], &ch) != napi_ok ||
      napi_get_buffer_info(env, argv[4], (void **)&dst, &dst_len) != napi_ok || napi_get_value_int32(env, argv[5], &dw) != napi_ok ||
      napi_get_value_int32(env, argv[6], &dh) != napi_ok) {
    napi_throw_type_error(env, NULL, "resize(pixels, width, height, channels, into, newWidth, newHeight)");
    return NULL;
  }
  if ((ch != 1 && ch != 3) || sw < 1 || sh < 1 || dw < 1 || dh < 1 || (size_t)sw * sh * ch > src_len || (size_t)dw * dh * ch > dst_len) {
    napi_throw_range_error(env, NULL, "resize: sizes do not match the buffers");
    return NULL;
  }
  if (!lanczos3_resize(src, sw, sh, ch, dst, dw, dh)) {
    napi_throw_error(env, "ENOMEM", "resize: out of memory");
    return NULL;
  }
  napi_value result;
  return napi_create_int64(env, (int64_t)dw * dh * ch, &result) == napi_ok ? result : NULL;
}
