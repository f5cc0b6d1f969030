/* resample.c's Node-API function, registered by turbojpeg.c's module init. */
#include <node_api.h>

napi_value resample(napi_env env, napi_callback_info info);
