/*
** text.h: a growable text buffer for the unit tests (a stv_write_fn sink
** and a printf-style append).  Test code only: it uses malloc directly and
** the test frees t->buf.
*/
#ifndef TESTS_TEXT_H
#define TESTS_TEXT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text {
  char *buf;
  size_t len, cap;
} text;

static inline int to_text(void *ud, const char *d, size_t n) {
  text *t = ud;
  if (t->len + n + 1 > t->cap) {
    size_t nc = t->cap ? t->cap : 4096;
    while (nc < t->len + n + 1) nc *= 2;
    t->buf = realloc(t->buf, nc);
    if (!t->buf) return -1;
    t->cap = nc;
  }
  memcpy(t->buf + t->len, d, n);
  t->len += n;
  t->buf[t->len] = '\0';
  return 0;
}

static inline __attribute__((format(printf, 2, 3))) void
text_add(text *t, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  to_text(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

#endif
