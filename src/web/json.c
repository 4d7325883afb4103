/*
** json.c: a small JSON writer over a wbuf (see web.h).  The caller
** writes values in order; the writer places the commas and the colons.
** Output has no spaces or newlines, so it is byte-for-byte predictable
** (the audit log's canonical lines depend on that).
**
** Errors go to the wbuf's sticky err, like every other write: more than
** JW_DEPTH open containers sets WEB_ETOOBIG, and closing a container that
** is not open (a bug in the caller) sets WEB_EJSON.  Once err is set the
** buffer ignores all further writes, so the output is never shipped.
**
** need_comma[d - 1] is 1 when the container at depth d (1-based) already
** holds a value; the top level (depth 0) holds a single value.
*/
#include <string.h>

#include "web.h"

void jw_init(jw *w, wbuf *b) {
  memset(w, 0, sizeof(*w));
  w->b = b;
}

/* Before a value or a key: a comma if the container already has one. */
static void sep(jw *w) {
  if (w->depth == 0) return;
  if (w->need_comma[w->depth - 1]) wbuf_add(w->b, ",", 1);
  w->need_comma[w->depth - 1] = 1;
}

/* Drops the output, as the wbuf itself does on overflow; the first
** error is kept. */
static void fail(jw *w, int err) {
  wbuf_free(w->b);
  if (!w->b->err) w->b->err = err;
}

static void push(jw *w, char c) {
  sep(w);
  if (w->depth >= JW_DEPTH) {
    fail(w, WEB_ETOOBIG);
    return;
  }
  wbuf_add(w->b, &c, 1);
  w->need_comma[w->depth++] = 0;
}

static void pop(jw *w, char c) {
  if (w->depth == 0) {
    fail(w, WEB_EJSON);
    return;
  }
  w->depth--;
  wbuf_add(w->b, &c, 1);
}

void jw_obj(jw *w) { push(w, '{'); }
void jw_obj_end(jw *w) { pop(w, '}'); }
void jw_arr(jw *w) { push(w, '['); }
void jw_arr_end(jw *w) { pop(w, ']'); }

/* The key's value follows without a comma: the key has already counted
** as the container's entry. */
void jw_key(jw *w, const char *k) {
  sep(w);
  esc_json(w->b, k);
  wbuf_add(w->b, ":", 1);
  if (w->depth > 0) w->need_comma[w->depth - 1] = 0;
}

void jw_str(jw *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  sep(w);
  esc_json(w->b, s);
}

void jw_int(jw *w, int64_t v) {
  sep(w);
  wbuf_printf(w->b, "%lld", (long long)v);
}

void jw_bool(jw *w, int v) {
  sep(w);
  wbuf_puts(w->b, v ? "true" : "false");
}

void jw_null(jw *w) {
  sep(w);
  wbuf_puts(w->b, "null");
}

void jw_kstr(jw *w, const char *k, const char *s) {
  jw_key(w, k);
  jw_str(w, s);
}

void jw_kint(jw *w, const char *k, int64_t v) {
  jw_key(w, k);
  jw_int(w, v);
}

void jw_kbool(jw *w, const char *k, int v) {
  jw_key(w, k);
  jw_bool(w, v);
}
