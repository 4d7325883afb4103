/*
** strbuf.c: a growable string with a hard ceiling (curl's dynbuf habit).
**
** Appending past the cap, or failing to grow, frees the data and sets a
** sticky failed flag, so a caller checks once at the end and never holds
** half-built output.
*/
#include <stdio.h>
#include <string.h>

#include "stvInt.h"

void stvi_buf_init(stvi_buf *b, size_t cap) {
  memset(b, 0, sizeof(*b));
  b->cap = cap;
}

void stvi_buf_free(stvi_buf *b) {
  stvi_free(b->data);
  b->data = NULL;
  b->len = b->alloc = 0;
}

static void buf_fail(stvi_buf *b) {
  stvi_buf_free(b);
  b->failed = 1;
}

static int buf_room(stvi_buf *b, size_t n) {
  size_t want, na;
  char *nd;
  if (b->failed) return 0;
  if (n > b->cap || b->len > b->cap - n) {
    buf_fail(b);
    return 0;
  }
  want = b->len + n + 1;
  if (want <= b->alloc) return 1;
  na = b->alloc ? b->alloc : 64;
  while (na < want) na *= 2;
  nd = stvi_realloc(b->data, na);
  if (!nd) {
    buf_fail(b);
    return 0;
  }
  b->data = nd;
  b->alloc = na;
  return 1;
}

void stvi_buf_add(stvi_buf *b, const char *s, size_t n) {
  if (!buf_room(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void stvi_buf_puts(stvi_buf *b, const char *s) { stvi_buf_add(b, s, strlen(s)); }

void stvi_buf_fill(stvi_buf *b, char ch, size_t n) {
  if (!buf_room(b, n)) return;
  memset(b->data + b->len, ch, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void stvi_buf_printf(stvi_buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0) {
    buf_fail(b);
    return;
  }
  if ((size_t)n < sizeof(tmp)) {
    stvi_buf_add(b, tmp, (size_t)n);
    return;
  }
  if (!buf_room(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
