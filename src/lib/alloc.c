/*
** alloc.c: the one allocation path of libstv.
**
** Every allocation in the library goes through stvi_realloc(), which calls
** the function set by stv_set_allocator() (default: realloc/free).  Tests
** install a function that fails the N-th call so that every out-of-memory
** path is exercised (tests/unit/test_alloc.c).
*/
#include <stdlib.h>
#include <string.h>

#include "stvInt.h"

static void *default_alloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  return realloc(p, n);
}

static stv_alloc_fn alloc_fn = default_alloc;
static void *alloc_ud = NULL;

void stv_set_allocator(stv_alloc_fn fn, void *ud) {
  alloc_fn = fn ? fn : default_alloc;
  alloc_ud = fn ? ud : NULL;
}

void *stvi_realloc(void *p, size_t n) {
  if (n == 0) n = 1; /* n == 0 means free to the allocator */
  return alloc_fn(alloc_ud, p, n);
}

void stvi_free(void *p) {
  if (p) alloc_fn(alloc_ud, p, 0);
}

void *stvi_realloc_array(void *p, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) return NULL;
  return stvi_realloc(p, total);
}

void *stvi_alloc_array(size_t n, size_t size) {
  return stvi_realloc_array(NULL, n, size);
}

void *stvi_calloc_array(size_t n, size_t size) {
  size_t total;
  void *p;
  if (__builtin_mul_overflow(n, size, &total)) return NULL;
  p = stvi_realloc(NULL, total);
  if (p) memset(p, 0, total ? total : 1);
  return p;
}

char *stvi_strndup(const char *s, size_t n) {
  char *d = stvi_realloc(NULL, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *stvi_strdup(const char *s) { return stvi_strndup(s, strlen(s)); }
