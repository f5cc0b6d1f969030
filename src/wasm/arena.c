/*
 * arena.c: the WebAssembly codec's only allocator (it replaces wasi-libc's malloc family). Every
 * exported call starts by resetting it, so what a call allocated is gone with the next call even
 * when libjpeg's error exit threw out of the call (JS exceptions unwind the wasm frames; there is
 * no setjmp here to free anything on the way). Linear memory only grows, up to the module's
 * --max-memory; past that malloc returns NULL and libjpeg fails the call with "Insufficient memory".
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "arena.h"

extern unsigned char __heap_base;
#define ALIGN 16
#define PAGE 65536

/* The next free byte: one bump pointer, reset by arena_reset(). */
static uintptr_t next;

void arena_reset(void) { next = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1); }

/* Each block starts ALIGN bytes after a header holding its size (for realloc). */
void *malloc(size_t size) {
  if (next == 0) arena_reset();
  if (size > SIZE_MAX / 2) return NULL;
  const uintptr_t block = next + ALIGN;
  const uintptr_t end = (block + size + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  const uintptr_t have = __builtin_wasm_memory_size(0) * PAGE;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + PAGE - 1) / PAGE) == (size_t)-1) return NULL;
  *(size_t *)(block - ALIGN) = size;
  next = end;
  return (void *)block;
}

/* Blocks live until the next call's reset: a call allocates a few dozen, all needed to its end. */
void free(void *p) { (void)p; }

void *calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  void *p = malloc(count * size);
  if (p != NULL) memset(p, 0, count * size);
  return p;
}

void *realloc(void *p, size_t size) {
  void *q = malloc(size);
  if (p != NULL && q != NULL) {
    const size_t old = *(size_t *)((uintptr_t)p - ALIGN);
    memcpy(q, p, old < size ? old : size);
  }
  return q;
}
