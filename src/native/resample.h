/* resample.c's Lanczos 3 (1 or 3 channels): 1, or 0 when out of memory. */
#include <stdint.h>

int lanczos3_resize(const uint8_t *src, int sw, int sh, int ch, uint8_t *dst, int dw, int dh);

#ifdef NAPI_VERSION
/* resample_napi.c's Node-API function, registered by turbojpeg.c's module init. */
napi_value resample(napi_env env, napi_callback_info info);
#endif
