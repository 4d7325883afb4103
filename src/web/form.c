/*
** form.c: application/x-www-form-urlencoded bodies and query strings,
** and the Cookie header (see web.h).  Fuzzed by tests/fuzz/fuzz_web_form.c.
**
** form_parse takes untrusted bytes: it counts the fields before it
** allocates anything, so a body of 64 KiB of "&" costs nothing, and on
** any error it leaves the form empty.  Each name and value is its own
** malloc'd, NUL-terminated copy, owned by the form until form_free.
**
** Parsing follows the WHATWG URL standard's urlencoded parser with two
** refusals: a bad %-escape (a browser never sends one) and an empty name.
** Fields are split on '&' only; an empty field ("a=1&&b=2") is skipped;
** a field with no '=' has the empty value.
*/
#include <stdlib.h>
#include <string.h>

#include "web.h"

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into a new NUL-terminated
** string of *out_len bytes.  WEB_EFORM for a bad escape, WEB_ENOMEM. */
static web_status decode(const char *s, size_t n, char **out,
                         size_t *out_len) {
  char *d = malloc(n + 1);
  size_t i, o = 0;
  if (!d) return WEB_ENOMEM;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '+') {
      d[o++] = ' ';
    } else if (c == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        free(d);
        return WEB_EFORM;
      }
      d[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      d[o++] = (char)c;
    }
  }
  d[o] = '\0';
  *out = d;
  *out_len = o;
  return WEB_OK;
}

void form_free(form *f) {
  size_t i;
  for (i = 0; i < f->n; i++) {
    free(f->name[i]);
    free(f->value[i]);
  }
  free(f->name);
  free(f->value);
  free(f->vlen);
  memset(f, 0, sizeof(*f));
}

/* Decodes one field s[0..n) into slot f->n. */
static web_status add_field(form *f, const char *s, size_t n) {
  const char *eq = memchr(s, '=', n);
  size_t nlen = eq ? (size_t)(eq - s) : n, dlen;
  char *name;
  web_status st;
  if (nlen == 0) return WEB_EFORM;
  st = decode(s, nlen, &name, &dlen);
  if (st != WEB_OK) return st;
  if (dlen > FORM_MAX_NAME || memchr(name, '\0', dlen)) {
    free(name);
    return WEB_EFORM;
  }
  if (eq)
    st = decode(eq + 1, n - nlen - 1, &f->value[f->n], &f->vlen[f->n]);
  else
    st = decode("", 0, &f->value[f->n], &f->vlen[f->n]);
  if (st != WEB_OK) {
    free(name);
    return st;
  }
  f->name[f->n++] = name;
  return WEB_OK;
}

web_status form_parse(form *f, const char *data, size_t len) {
  size_t i, start, fields = 0;
  web_status st = WEB_OK;
  memset(f, 0, sizeof(*f));
  /* count the non-empty fields first: the cap is checked before any
  ** allocation */
  for (i = start = 0; i <= len; i++) {
    if (i < len && data[i] != '&') continue;
    if (i > start && ++fields > FORM_MAX_FIELDS) return WEB_ETOOBIG;
    start = i + 1;
  }
  if (fields == 0) return WEB_OK;
  f->name = calloc(fields, sizeof(*f->name));
  f->value = calloc(fields, sizeof(*f->value));
  f->vlen = calloc(fields, sizeof(*f->vlen));
  if (!f->name || !f->value || !f->vlen) {
    form_free(f);
    return WEB_ENOMEM;
  }
  for (i = start = 0; i <= len && st == WEB_OK; i++) {
    if (i < len && data[i] != '&') continue;
    if (i > start) st = add_field(f, data + start, i - start);
    start = i + 1;
  }
  if (st != WEB_OK) form_free(f);
  return st;
}

const char *form_value(const form *f, const char *name, size_t *vlen) {
  size_t i;
  if (vlen) *vlen = 0;
  if (!name) return NULL;
  for (i = 0; i < f->n; i++)
    if (strcmp(f->name[i], name) == 0) {
      if (vlen) *vlen = f->vlen[i];
      return f->value[i];
    }
  return NULL;
}

const char *form_get(const form *f, const char *name) {
  return form_value(f, name, NULL);
}

const char *form_get_nth(const form *f, const char *name, size_t nth) {
  size_t i;
  if (!name) return NULL;
  for (i = 0; i < f->n; i++)
    if (strcmp(f->name[i], name) == 0 && nth-- == 0) return f->value[i];
  return NULL;
}

/* ---------------------------------------------------------------- cookies */

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* Cookie: a=b; c=d (RFC 6265 §5.4, read leniently as browsers write it):
** pairs split on ';', spaces and tabs around names and values ignored,
** one pair of surrounding double quotes removed from a value.  Names
** match exactly; the first pair with the name wins (the browser sends the
** most specific path first).  A pair without '=' is skipped. */
int cookie_find(const char *header, const char *name, char *out,
                size_t cap) {
  const char *p = header;
  size_t want = name ? strlen(name) : 0;
  if (cap) out[0] = '\0';
  if (!header || want == 0) return 0;
  while (*p) {
    const char *end = strchr(p, ';'), *eq, *k, *ke, *v, *ve;
    if (!end) end = p + strlen(p);
    eq = memchr(p, '=', (size_t)(end - p));
    if (eq) {
      for (k = p; k < eq && is_ows(*k); k++) {}
      for (ke = eq; ke > k && is_ows(ke[-1]); ke--) {}
      if ((size_t)(ke - k) == want && memcmp(k, name, want) == 0) {
        for (v = eq + 1; v < end && is_ows(*v); v++) {}
        for (ve = end; ve > v && is_ows(ve[-1]); ve--) {}
        if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
          v++;
          ve--;
        }
        if ((size_t)(ve - v) >= cap) return 0;
        memcpy(out, v, (size_t)(ve - v));
        out[ve - v] = '\0';
        return 1;
      }
    }
    p = *end ? end + 1 : end;
  }
  return 0;
}
