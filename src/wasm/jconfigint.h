/*
 * jconfigint.h for the WebAssembly build (see jconfig.h): wasm32 has 4-byte size_t and one
 * thread per instance, so nothing needs thread-local storage.
 */
#define BUILD "2.1.5-wasm"
#undef inline
#define INLINE __inline__ __attribute__((always_inline))
#define THREAD_LOCAL
#define PACKAGE_NAME "libjpeg-turbo"
#define VERSION "2.1.5"
#define SIZEOF_SIZE_T 4
#define HAVE_BUILTIN_CTZL
#if defined(__has_attribute) && __has_attribute(fallthrough)
#define FALLTHROUGH __attribute__((fallthrough));
#else
#define FALLTHROUGH
#endif
