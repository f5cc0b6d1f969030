/*
 * allocator.node: lets the extension host give freed heap memory back to the system.
 *
 * The render pool's threads run in the extension host's process. With glibc's defaults, the
 * pixel buffers they free stay in the process's malloc arenas after the threads have exited
 * (300-550 MB after jobs over big wallpapers, measured in bench/engine/README.md). Nothing in
 * Node or sharp calls malloc_trim(), which hands those free pages back; this does, off the
 * JavaScript thread (it takes ~30 ms). Built only on Linux with glibc (scripts/native.mjs);
 * everything works without it.
 *
 * It declares the few Node-API functions it uses instead of including node_api.h: Node-API is a
 * stable C ABI, and the headers are not part of Node's binary distribution.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef struct napi_async_work__ *napi_async_work;
typedef struct napi_deferred__ *napi_deferred;
typedef int napi_status; /* napi_ok is 0 */
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*napi_async_execute_callback)(napi_env env, void *data);
typedef void (*napi_async_complete_callback)(napi_env env, napi_status status, void *data);

extern napi_status napi_create_function(napi_env env, const char *name, size_t length, napi_callback cb, void *data, napi_value *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *name, napi_value value);
extern napi_status napi_get_boolean(napi_env env, bool value, napi_value *result);
extern napi_status napi_create_string_utf8(napi_env env, const char *str, size_t length, napi_value *result);
extern napi_status napi_create_promise(napi_env env, napi_deferred *deferred, napi_value *promise);
extern napi_status napi_resolve_deferred(napi_env env, napi_deferred deferred, napi_value resolution);
extern napi_status napi_create_async_work(napi_env env, napi_value resource, napi_value resource_name,
                                          napi_async_execute_callback execute, napi_async_complete_callback complete,
                                          void *data, napi_async_work *result);
extern napi_status napi_queue_async_work(napi_env env, napi_async_work work);
extern napi_status napi_delete_async_work(napi_env env, napi_async_work work);
extern napi_status napi_throw_error(napi_env env, const char *code, const char *msg);

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  bool released;
} TrimJob;

static void trim_execute(napi_env env, void *data) {
  (void)env;
  ((TrimJob *)data)->released = malloc_trim(0) == 1;
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  TrimJob *job = data;
  napi_value result;
  napi_get_boolean(env, status == 0 && job->released, &result);
  napi_resolve_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* trim(): Promise<boolean>, true when some memory was returned to the system. */
static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value promise = NULL;
  napi_value name;
  TrimJob *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "allocator.trim: out of memory");
    return NULL;
  }
  if (napi_create_promise(env, &job->deferred, &promise) != 0 ||
      napi_create_string_utf8(env, "allocator.trim", (size_t)-1, &name) != 0 ||
      napi_create_async_work(env, NULL, name, trim_execute, trim_complete, job, &job->work) != 0 ||
      napi_queue_async_work(env, job->work) != 0) {
    napi_throw_error(env, NULL, "allocator.trim: could not queue the work");
    return NULL;
  }
  return promise;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "trim", (size_t)-1, trim, NULL, &fn) == 0) napi_set_named_property(env, exports, "trim", fn);
  return exports;
}
