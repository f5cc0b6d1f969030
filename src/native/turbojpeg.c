/*
 * turbojpeg.node: decodes and encodes plain JPEGs with the system's libjpeg-turbo (TurboJPEG API),
 * and resizes (resample.c), one synchronous call each on the render thread, without libvips'
 * thread hand-offs (bench/README.md, "Fifth round"). The renderer uses it only for files it
 * decodes exactly as sharp would. libturbojpeg.so.0 is opened with dlopen at load time, so
 * building needs neither it nor its headers, and a machine without it gets `available: false`.
 * The declarations below are its stable ABI since TurboJPEG 2.0 (tjGetErrorStr2).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "resample.h"

/* TurboJPEG (turbojpeg.h) */
typedef void *tjhandle;
enum { TJPF_RGB = 0, TJPF_GRAY = 6 };
enum { TJSAMP_420 = 2, TJSAMP_GRAY = 3 };
enum { TJCS_RGB = 0, TJCS_YCbCr = 1, TJCS_GRAY = 2 };
enum { TJFLAG_ACCURATEDCT = 4096, TJFLAG_STOPONWARNING = 8192 };

/* Bound once per process (bind_library); read-only after, by every worker thread. */
static struct {
  tjhandle (*initDecompress)(void);
  tjhandle (*initCompress)(void);
  int (*destroy)(tjhandle);
  int (*decompressHeader3)(tjhandle, const unsigned char *, unsigned long, int *, int *, int *, int *);
  int (*decompress2)(tjhandle, const unsigned char *, unsigned long, unsigned char *, int, int, int, int, int);
  int (*compress2)(tjhandle, const unsigned char *, int, int, int, int, unsigned char **, unsigned long *, int, int, int);
  void (*free)(unsigned char *);
  char *(*getErrorStr2)(tjhandle);
} tj;

/* Each Node environment (worker thread) keeps one compressor as its instance data, made on first use. */
static void destroy_handle(napi_env env, void *handle, void *hint) {
  (void)env;
  (void)hint;
  tj.destroy(handle);
}

static tjhandle compressor(napi_env env) {
  void *handle = NULL;
  if (napi_get_instance_data(env, &handle) == napi_ok && handle != NULL) return handle;
  if ((handle = tj.initCompress()) != NULL && napi_set_instance_data(env, handle, destroy_handle, NULL) != napi_ok) {
    tj.destroy(handle);
    handle = NULL;
  }
  return handle;
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/*
 * The whole file, malloc'd; NULL with errno set. Files over FILE_MAX are refused (EFBIG): sharp,
 * which reads as it decodes, takes them, so that a JPEG with a huge tail costs no huge buffer.
 */
#define FILE_MAX ((off_t)64 << 20)
static unsigned char *read_file(const char *file, size_t *size) {
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NULL;
  struct stat st;
  unsigned char *data = NULL;
  if (fstat(fd, &st) != 0) goto out;
  if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
    errno = EINVAL;
    goto out;
  }
  if (st.st_size > FILE_MAX) {
    errno = EFBIG;
    goto out;
  }
  data = malloc((size_t)st.st_size);
  if (data == NULL) goto out;
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO; /* shrank while being read */
      free(data);
      data = NULL;
      goto out;
    }
    got += (size_t)n;
  }
  *size = got;
out:;
  int saved = errno;
  close(fd);
  errno = saved;
  return data;
}

/*
 * decode(file, shrink 1|2|4|8, grey, into): bytes written (TurboJpeg in turbojpeg.ts). Sizes are
 * rounded up as sharp's shrink-on-load rounds them; any warning fails the decode, so that sharp,
 * which tolerates some, decides what such a file gives.
 */
static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char file[4096];
  size_t length = 0;
  int shrink = 0;
  bool grey = false;
  void *into = NULL;
  size_t room = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_get_value_string_utf8(env, argv[0], file, sizeof file, &length) != napi_ok || length >= sizeof file - 1 ||
      napi_get_value_int32(env, argv[1], &shrink) != napi_ok || napi_get_value_bool(env, argv[2], &grey) != napi_ok ||
      napi_get_buffer_info(env, argv[3], &into, &room) != napi_ok || (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8)) {
    return fail(env, "decode(file, shrink 1|2|4|8, grey, into)");
  }
  size_t size = 0;
  unsigned char *jpeg = read_file(file, &size);
  if (jpeg == NULL) return fail(env, strerror(errno));
  /* A fresh decompressor for every file: libjpeg keeps tables from the previous image, so a reused
     one decoded a file without quantisation tables with the last file's, or read a stale size. */
  tjhandle d = tj.initDecompress();
  if (d == NULL) {
    free(jpeg);
    return fail(env, "cannot start a TurboJPEG decompressor");
  }
  char message[256] = "";
  size_t written = 0;
  int width = 0, height = 0, subsampling = -1, colourspace = -1;
  if (tj.decompressHeader3(d, jpeg, size, &width, &height, &subsampling, &colourspace) != 0) {
    snprintf(message, sizeof message, "%s", tj.getErrorStr2(d));
  } else if (width < 1 || height < 1) {
    /* Without a size, decompress2 could write past `into` (test/fuzz/regressions/signal-pairs). */
    snprintf(message, sizeof message, "no frame size in the header");
  } else if (grey ? colourspace != TJCS_GRAY : colourspace != TJCS_YCbCr && colourspace != TJCS_RGB) {
    snprintf(message, sizeof message, "colour space %d is not %s", colourspace, grey ? "greyscale" : "YCbCr or RGB");
  } else {
    int w = (width + shrink - 1) / shrink;
    int hgt = (height + shrink - 1) / shrink;
    size_t need = (size_t)w * hgt * (grey ? 1 : 3);
    if (room < need) {
      snprintf(message, sizeof message, "%zu bytes given for %dx%d pixels, %zu needed", room, w, hgt, need);
    } else if (tj.decompress2(d, jpeg, size, into, w, 0, hgt, grey ? TJPF_GRAY : TJPF_RGB,
                              TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
      snprintf(message, sizeof message, "%s", tj.getErrorStr2(d));
    } else {
      written = need;
    }
  }
  free(jpeg);
  tj.destroy(d);
  if (written == 0) return fail(env, message);
  napi_value result;
  return napi_create_int64(env, (int64_t)written, &result) == napi_ok ? result : NULL;
}

static const char *errno_name(int error) {
  switch (error) {
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case EROFS: return "EROFS";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    default: return "EIO";
  }
}

/*
 * encodeToFile(fd, pixels, width, height, channels 1|3, quality 1..100[, mark]): its size (TurboJpeg
 * in turbojpeg.ts). Accurate DCT as sharp encodes (TurboJPEG's default is the fast one). Writing
 * here keeps the encoded bytes out of V8's heap, where each would wait for a garbage collection.
 */
static int write_all(int fd, const unsigned char *bytes, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    done += (size_t)n;
  }
  return 0;
}

/* Same rule as markOffset() in src/core/ownership.ts. */
static size_t mark_offset(const unsigned char *jpeg, size_t size) {
  if (size >= 6 && jpeg[2] == 0xff && jpeg[3] == 0xe0) {
    size_t end = 4 + (((size_t)jpeg[4] << 8) | jpeg[5]);
    if (end <= size) return end;
  }
  return 2;
}

static napi_value encode_to_file(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  void *pixels = NULL;
  size_t length = 0;
  int fd = -1, width = 0, height = 0, channels = 0, quality = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &pixels, &length) != napi_ok || napi_get_value_int32(env, argv[2], &width) != napi_ok ||
      napi_get_value_int32(env, argv[3], &height) != napi_ok || napi_get_value_int32(env, argv[4], &channels) != napi_ok ||
      napi_get_value_int32(env, argv[5], &quality) != napi_ok || fd < 0 || width < 1 || height < 1 || (channels != 1 && channels != 3) ||
      quality < 1 || quality > 100 || length < (size_t)width * height * channels) {
    return fail(env, "encodeToFile(fd, pixels, width, height, channels 1|3, quality 1..100[, mark])");
  }
  void *mark = NULL;
  size_t mark_length = 0;
  /* No 7th argument (or not a Buffer): no mark. */
  if (argc >= 7 && napi_get_buffer_info(env, argv[6], &mark, &mark_length) != napi_ok) mark_length = 0;
  tjhandle c = compressor(env);
  if (c == NULL) return fail(env, "cannot start a TurboJPEG compressor");
  unsigned char *jpeg = NULL;
  unsigned long size = 0;
  if (tj.compress2(c, pixels, width, 0, height, channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                   channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
    if (jpeg) tj.free(jpeg);
    return fail(env, tj.getErrorStr2(c));
  }
  int error = 0;
  if (mark_length > 0) {
    size_t at = mark_offset(jpeg, size);
    error = write_all(fd, jpeg, at);
    if (error == 0) error = write_all(fd, mark, mark_length);
    if (error == 0) error = write_all(fd, jpeg + at, size - at);
    size += mark_length;
  } else {
    error = write_all(fd, jpeg, size);
  }
  tj.free(jpeg);
  if (error != 0) {
    napi_throw_error(env, errno_name(error), strerror(error));
    return NULL;
  }
  napi_value result;
  return napi_create_int64(env, (int64_t)size, &result) == napi_ok ? result : NULL;
}

static void set_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok) napi_set_named_property(env, exports, name, fn);
}

static void set_string(napi_env env, napi_value exports, const char *name, const char *value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, exports, name, v);
}

/*
 * Opens libturbojpeg and fills `tj`, or says why not in `unavailable`. Worker threads load the
 * addon concurrently, so this runs once per process (pthread_once) rather than per environment.
 */
static char unavailable[512];
static void bind_library(void) {
  static const char *library = "libturbojpeg.so.0";
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    snprintf(unavailable, sizeof unavailable, "%s", dlerror());
    return;
  }
  const char *missing = NULL;
#define BIND(field, symbol) \
  if (missing == NULL && (*(void **)&tj.field = dlsym(lib, symbol)) == NULL) missing = symbol;
  BIND(initDecompress, "tjInitDecompress")
  BIND(initCompress, "tjInitCompress")
  BIND(destroy, "tjDestroy")
  BIND(decompressHeader3, "tjDecompressHeader3")
  BIND(decompress2, "tjDecompress2")
  BIND(compress2, "tjCompress2")
  BIND(free, "tjFree")
  BIND(getErrorStr2, "tjGetErrorStr2")
#undef BIND
  if (missing != NULL) snprintf(unavailable, sizeof unavailable, "%s has no %s (TurboJPEG 2.0 or later is needed)", library, missing);
}

/* { available: true, decode, encodeToFile, resize } or { available: false, reason }. */
NAPI_MODULE_INIT() {
  static pthread_once_t bound = PTHREAD_ONCE_INIT;
  pthread_once(&bound, bind_library);
  bool ok = unavailable[0] == '\0';
  napi_value available;
  napi_get_boolean(env, ok, &available);
  napi_set_named_property(env, exports, "available", available);
  if (ok) {
    set_function(env, exports, "decode", decode);
    set_function(env, exports, "encodeToFile", encode_to_file);
    set_function(env, exports, "resize", resample);
  } else {
    set_string(env, exports, "reason", unavailable);
  }
  return exports;
}
