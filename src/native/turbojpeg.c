/*
 * turbojpeg.node: decodes and encodes plain JPEGs with the system's libjpeg-turbo (TurboJPEG API),
 * in one synchronous call each, on the calling render thread.
 *
 * Why: a render worker's time is almost all the JPEG decode. sharp reaches libjpeg through
 * libvips' pipeline, which hands every strip of pixels between threads (~380 futex calls per
 * camera image) and adds ~0.7 ms of option marshalling per call; six encodes per image make it
 * worse. The same decode and encodes through TurboJPEG take ~17 ms less CPU per 24 MP image,
 * 98 against 115 ms (bench/README.md). The renderer uses this only for what it can do exactly as sharp
 * would (baseline YCbCr or greyscale, no colour profile other than sRGB) and sharp for everything
 * else, including every file this refuses.
 *
 * libturbojpeg.so.0 is opened at load time with dlopen, so neither its headers nor the library
 * are needed to build, and a machine without it gets `available: false` and the sharp path. The
 * TurboJPEG functions and constants below are its stable ABI since version 2.0 (2018, for
 * tjGetErrorStr2; the rest is older); Node-API is declared here too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status; /* napi_ok is 0 */
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*napi_finalize)(napi_env env, void *data, void *hint);

extern napi_status napi_create_function(napi_env env, const char *name, size_t length, napi_callback cb, void *data, napi_value *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *name, napi_value value);
extern napi_status napi_get_boolean(napi_env env, bool value, napi_value *result);
extern napi_status napi_create_string_utf8(napi_env env, const char *str, size_t length, napi_value *result);
extern napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *this_arg, void **data);
extern napi_status napi_get_value_string_utf8(napi_env env, napi_value value, char *buf, size_t bufsize, size_t *result);
extern napi_status napi_get_value_int32(napi_env env, napi_value value, int *result);
extern napi_status napi_create_int64(napi_env env, int64_t value, napi_value *result);
extern napi_status napi_get_value_bool(napi_env env, napi_value value, bool *result);
extern napi_status napi_get_buffer_info(napi_env env, napi_value value, void **data, size_t *length);
extern napi_status napi_set_instance_data(napi_env env, void *data, napi_finalize finalize_cb, void *finalize_hint);
extern napi_status napi_get_instance_data(napi_env env, void **data);
extern napi_status napi_throw_error(napi_env env, const char *code, const char *msg);

/* TurboJPEG (turbojpeg.h) */
typedef void *tjhandle;
enum { TJPF_RGB = 0, TJPF_GRAY = 6 };
enum { TJSAMP_420 = 2, TJSAMP_GRAY = 3 };
enum { TJCS_RGB = 0, TJCS_YCbCr = 1, TJCS_GRAY = 2 };
enum { TJFLAG_ACCURATEDCT = 4096, TJFLAG_STOPONWARNING = 8192 };

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

/* One decompressor and one compressor per Node environment (per worker thread), made on first use. */
typedef struct {
  tjhandle decompressor;
  tjhandle compressor;
} Handles;

static void handles_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Handles *h = data;
  if (h->decompressor) tj.destroy(h->decompressor);
  if (h->compressor) tj.destroy(h->compressor);
  free(h);
}

static Handles *handles(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
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
 * decode(file: string, shrink: 1 | 2 | 4 | 8, grey: boolean, into: Buffer): number
 * Writes the file's pixels at 1/shrink (libjpeg's DCT scaling, sizes rounded up as sharp's
 * shrink-on-load rounds them) into `into`, RGB or one grey channel, rows top to bottom, and returns
 * how many bytes that took (the caller knows the size from the header it read, and allocates).
 * Throws on anything but a clean decode of a YCbCr/RGB (or, with grey, greyscale) JPEG, warnings
 * included, and when `into` is too small.
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
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 4 ||
      napi_get_value_string_utf8(env, argv[0], file, sizeof file, &length) != 0 || length >= sizeof file - 1 ||
      napi_get_value_int32(env, argv[1], &shrink) != 0 || napi_get_value_bool(env, argv[2], &grey) != 0 ||
      napi_get_buffer_info(env, argv[3], &into, &room) != 0 || (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8)) {
    return fail(env, "decode(file, shrink 1|2|4|8, grey, into)");
  }
  Handles *h = handles(env);
  /* A fresh decompressor for every file: libjpeg keeps tables from the previous image (for
     abbreviated datastreams), so with a reused handle a file without its own quantisation tables
     was decoded with the last file's, and one after a failed decode could read a stale size. */
  if (h->decompressor != NULL) tj.destroy(h->decompressor);
  if ((h->decompressor = tj.initDecompress()) == NULL) return fail(env, "cannot start a TurboJPEG decompressor");

  size_t size = 0;
  unsigned char *jpeg = read_file(file, &size);
  if (jpeg == NULL) return fail(env, strerror(errno));
  char message[256] = "";
  size_t written = 0;
  int width = 0, height = 0, subsampling = -1, colourspace = -1;
  if (tj.decompressHeader3(h->decompressor, jpeg, size, &width, &height, &subsampling, &colourspace) != 0) {
    snprintf(message, sizeof message, "%s", tj.getErrorStr2(h->decompressor));
  } else if (width < 1 || height < 1) {
    /* After a failed decode, libjpeg-turbo 2.1's reused handle reported success here without
       reading the frame, and decompress2 then wrote the real image past `into` (found by the fuzz
       harness: test/fuzz/regressions/signal-pairs). Handles are no longer reused; this stays. */
    snprintf(message, sizeof message, "no frame size in the header");
  } else if (grey ? colourspace != TJCS_GRAY : colourspace != TJCS_YCbCr && colourspace != TJCS_RGB) {
    snprintf(message, sizeof message, "colour space %d is not %s", colourspace, grey ? "greyscale" : "YCbCr or RGB");
  } else {
    int w = (width + shrink - 1) / shrink;
    int hgt = (height + shrink - 1) / shrink;
    size_t need = (size_t)w * hgt * (grey ? 1 : 3);
    if (room < need) {
      snprintf(message, sizeof message, "%zu bytes given for %dx%d pixels, %zu needed", room, w, hgt, need);
    } else if (tj.decompress2(h->decompressor, jpeg, size, into, w, 0, hgt, grey ? TJPF_GRAY : TJPF_RGB,
                              TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
      snprintf(message, sizeof message, "%s", tj.getErrorStr2(h->decompressor));
    } else {
      written = need;
    }
  }
  free(jpeg);
  tj.destroy(h->decompressor);
  h->decompressor = NULL;
  if (written == 0) return fail(env, message);
  napi_value result;
  return napi_create_int64(env, (int64_t)written, &result) == 0 ? result : NULL;
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
 * encodeToFile(fd: number, pixels: Buffer, width, height, channels: 1 | 3, quality 1..100): number
 * Encodes a baseline JPEG (4:2:0 for RGB, one channel for grey, accurate DCT: TurboJPEG's default
 * for compressing is the fast one, sharp's the accurate one; standard Huffman tables) and writes
 * it to the open file `fd`, returning its size. Writing here keeps the encoded bytes out of V8's
 * heap, where each would wait for a garbage collection. A failed write throws an Error whose
 * code is the errno's name (ENOSPC, EDQUOT, ...). An optional 7th argument, a Buffer, is inserted
 * after SOI (and the APP0 segment that follows it): the tool's mark (src/core/ownership.ts).
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
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 6 || napi_get_value_int32(env, argv[0], &fd) != 0 ||
      napi_get_buffer_info(env, argv[1], &pixels, &length) != 0 || napi_get_value_int32(env, argv[2], &width) != 0 ||
      napi_get_value_int32(env, argv[3], &height) != 0 || napi_get_value_int32(env, argv[4], &channels) != 0 ||
      napi_get_value_int32(env, argv[5], &quality) != 0 || fd < 0 || width < 1 || height < 1 || (channels != 1 && channels != 3) ||
      quality < 1 || quality > 100 || length < (size_t)width * height * channels) {
    return fail(env, "encodeToFile(fd, pixels, width, height, channels 1|3, quality 1..100[, mark])");
  }
  void *mark = NULL;
  size_t mark_length = 0;
  /* No 7th argument (or not a Buffer): no mark. */
  if (argc >= 7 && napi_get_buffer_info(env, argv[6], &mark, &mark_length) != 0) mark_length = 0;
  Handles *h = handles(env);
  if (h->compressor == NULL && (h->compressor = tj.initCompress()) == NULL) return fail(env, "cannot start a TurboJPEG compressor");
  unsigned char *jpeg = NULL;
  unsigned long size = 0;
  if (tj.compress2(h->compressor, pixels, width, 0, height, channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                   channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
    if (jpeg) tj.free(jpeg);
    return fail(env, tj.getErrorStr2(h->compressor));
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
  return napi_create_int64(env, (int64_t)size, &result) == 0 ? result : NULL;
}

static void set_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, (size_t)-1, cb, NULL, &fn) == 0) napi_set_named_property(env, exports, name, fn);
}

static void set_string(napi_env env, napi_value exports, const char *name, const char *value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, (size_t)-1, &v) == 0) napi_set_named_property(env, exports, name, v);
}

/* { available: true, decode, encodeToFile } or { available: false, reason }. */
napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  static const char *library = "libturbojpeg.so.0";
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  const char *missing = NULL;
  if (lib != NULL) {
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
  }
  Handles *h = calloc(1, sizeof *h);
  napi_value available;
  bool ok = lib != NULL && missing == NULL && h != NULL && napi_set_instance_data(env, h, handles_finalize, NULL) == 0;
  napi_get_boolean(env, ok, &available);
  napi_set_named_property(env, exports, "available", available);
  if (ok) {
    set_function(env, exports, "decode", decode);
    set_function(env, exports, "encodeToFile", encode_to_file);
  } else {
    char reason[512];
    if (lib == NULL) snprintf(reason, sizeof reason, "%s", dlerror());
    else if (missing != NULL) snprintf(reason, sizeof reason, "%s has no %s (TurboJPEG 2.0 or later is needed)", library, missing);
    else snprintf(reason, sizeof reason, "out of memory");
    set_string(env, exports, "reason", reason);
    free(h);
  }
  return exports;
}
