/*
** esc.c: bounded buffers, context escaping, UTF-8 checks and field error
** lists for the election service (see web.h).
**
** Pure code: no I/O, no globals.  A wbuf owns its bytes; on overflow or
** allocation failure it frees them and sets a sticky err, so a writer
** never holds half-built output and checks once at the end (as
** src/lib/strbuf.c and curl's dynbuf).
**
** esc_text and esc_attr copy the rules of src/lib/html.c's escape() on
** purpose (the service may not include the library's private headers);
** tests/unit/test_web_esc.c requires identical bytes from both.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* ---------------------------------------------------------------- wbuf */

void wbuf_init(wbuf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void wbuf_free(wbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* Drops everything written so far and remembers why. */
static void wbuf_fail(wbuf *b, int err) {
  wbuf_free(b);
  b->err = err;
}

/* Makes room for n more bytes plus the terminator; 0 (and err set) if
** that would pass max or memory runs out. */
static int wbuf_room(wbuf *b, size_t n) {
  size_t want, nc;
  char *np;
  if (b->err) return 0;
  if (n > b->max || b->len > b->max - n) {
    wbuf_fail(b, WEB_ETOOBIG);
    return 0;
  }
  want = b->len + n + 1;
  if (want == 0) { /* max was SIZE_MAX */
    wbuf_fail(b, WEB_ETOOBIG);
    return 0;
  }
  if (want <= b->cap) return 1;
  nc = b->cap ? b->cap : 256;
  while (nc < want) nc = nc > (size_t)-1 / 2 ? want : nc * 2;
  np = realloc(b->p, nc);
  if (!np) {
    wbuf_fail(b, WEB_ENOMEM);
    return 0;
  }
  b->p = np;
  b->cap = nc;
  return 1;
}

/* One allocation of exactly n + 1 bytes, for a body whose length is
** known (a doubling buffer would take twice that).  Never shrinks. */
void wbuf_reserve(wbuf *b, size_t n) {
  char *np;
  if (b->err) return;
  if (n > b->max || n == (size_t)-1) {
    wbuf_fail(b, WEB_ETOOBIG);
    return;
  }
  if (n + 1 <= b->cap) return; /* also when n < len: never shrinks */
  np = realloc(b->p, n + 1);
  if (!np) {
    wbuf_fail(b, WEB_ENOMEM);
    return;
  }
  if (!b->p) np[0] = '\0';
  b->p = np;
  b->cap = n + 1;
}

void wbuf_add(wbuf *b, const void *s, size_t n) {
  if (!wbuf_room(b, n)) return;
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void wbuf_puts(wbuf *b, const char *s) { wbuf_add(b, s, strlen(s)); }

/* Measures with one vsnprintf, then formats in place with a second. */
void wbuf_printf(wbuf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  if (b->err) return;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    wbuf_fail(b, WEB_ENOMEM); /* only on a bad format or out of memory */
    return;
  }
  if (!wbuf_room(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

const char *wbuf_str(const wbuf *b) { return b->p ? b->p : ""; }

/* On success b is left empty (same max, err 0).  On failure the bytes
** are freed and err stays set, so wbuf_free is never needed after a
** take, though it is harmless. */
char *wbuf_take(wbuf *b, size_t *len) {
  char *s;
  if (len) *len = 0;
  if (b->err) {
    wbuf_free(b);
    return NULL;
  }
  if (!b->p) {
    s = malloc(1);
    if (!s) {
      b->err = WEB_ENOMEM;
      return NULL;
    }
    s[0] = '\0';
    return s;
  }
  s = b->p;
  if (len) *len = b->len;
  b->p = NULL;
  b->len = b->cap = 0;
  return s;
}

/* ------------------------------------------------------------ escaping */

/* The copy of html.c's escape(): runs of safe bytes are added whole. */
static void escape(wbuf *b, const char *s, int attr) {
  const char *run = s;
  for (; *s; s++) {
    const char *rep = NULL;
    switch (*s) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = attr ? "&quot;" : NULL; break;
    case '\'': rep = attr ? "&#39;" : NULL; break;
    default:
      /* XML forbids C0 controls but tab, LF and CR: U+FFFD instead */
      if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
        rep = "\xef\xbf\xbd";
    }
    if (!rep) continue;
    wbuf_add(b, run, (size_t)(s - run));
    wbuf_puts(b, rep);
    run = s + 1;
  }
  wbuf_add(b, run, (size_t)(s - run));
}

void esc_text(wbuf *b, const char *s) { escape(b, s ? s : "", 0); }
void esc_attr(wbuf *b, const char *s) { escape(b, s ? s : "", 1); }

static const char hexdig[] = "0123456789ABCDEF";

void esc_url(wbuf *b, const char *s) {
  const char *run = s ? s : "";
  for (s = run; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char pct[3];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~')
      continue;
    wbuf_add(b, run, (size_t)(s - run));
    pct[0] = '%';
    pct[1] = hexdig[c >> 4];
    pct[2] = hexdig[c & 15];
    wbuf_add(b, pct, 3);
    run = s + 1;
  }
  wbuf_add(b, run, (size_t)(s - run));
}

/* Only " \ and the C0 controls need escaping in a JSON string; every
** control is written as \u00XX (no \n shorthands), so the output of a
** given string is fixed.  NULL writes "". */
void esc_json(wbuf *b, const char *s) {
  const char *run = s ? s : "";
  wbuf_add(b, "\"", 1);
  for (s = run; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char u[6];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    wbuf_add(b, run, (size_t)(s - run));
    if (c == '"' || c == '\\') {
      u[0] = '\\';
      u[1] = (char)c;
      wbuf_add(b, u, 2);
    } else {
      /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): u is bytes */
      memcpy(u, "\\u00", 4);
      u[4] = hexdig[c >> 4];
      u[5] = hexdig[c & 15];
      wbuf_add(b, u, 6);
    }
    run = s + 1;
  }
  wbuf_add(b, run, (size_t)(s - run));
  wbuf_add(b, "\"", 1);
}

/* ---------------------------------------------------------------- UTF-8 */

/* The length of the valid UTF-8 sequence at s[0..n), or 0 if there is
** none (RFC 3629: shortest form only, no surrogates, at most U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    /* E0 needs A0..BF (else overlong); ED needs 80..9F (else surrogate) */
    unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    /* F0 needs 90..BF (else overlong); F4 needs 80..8F (else > U+10FFFF) */
    unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
        (s[3] & 0xc0) != 0x80)
      return 0;
    return 4;
  }
  return 0; /* 80..C1 (continuation or overlong lead), F5..FF */
}

int utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t k = utf8_seq(p + i, n - i);
    if (!k) return 0;
    i += k;
  }
  return 1;
}

/* Checks first (nothing is changed unless the text is acceptable apart
** from its length), then folds CR LF and lone CR to LF in one pass.  When
** the text shrinks, s[*len] is set to NUL. */
const char *text_check(char *s, size_t *len, size_t max, int multiline) {
  size_t i, o, n = *len;
  if (!utf8_valid(s, n)) return "bad_utf8";
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 || c == '\t') continue;
    if (multiline && (c == '\n' || c == '\r')) continue;
    return "control";
  }
  for (i = o = 0; i < n; i++) {
    if (s[i] == '\r') {
      s[o++] = '\n';
      if (i + 1 < n && s[i + 1] == '\n') i++;
    } else {
      s[o++] = s[i];
    }
  }
  if (o < n) s[o] = '\0';
  *len = o;
  return o > max ? "too_long" : NULL;
}

/* ------------------------------------------------- validation messages */

/* Copies at most cap - 1 bytes of s into out, cutting before a partial
** UTF-8 sequence so a message never ends in broken text. */
static void copy_cut(char *out, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
  }
  memcpy(out, s, n);
  out[n] = '\0';
}

void verr_add(verr *v, const char *field, const char *code, const char *fmt,
              ...) {
  verr_item *e;
  char tmp[1024];
  va_list ap;
  if (v->n >= VERR_MAX) return; /* keep the first VERR_MAX */
  e = &v->e[v->n++];
  copy_cut(e->field, sizeof(e->field), field ? field : "");
  e->code = code;
  va_start(ap, fmt);
  if (vsnprintf(tmp, sizeof(tmp), fmt, ap) < 0) tmp[0] = '\0';
  va_end(ap);
  copy_cut(e->msg, sizeof(e->msg), tmp);
}

const char *verr_msg(const verr *v, const char *field) {
  size_t i;
  for (i = 0; v && i < v->n; i++)
    if (field && strcmp(v->e[i].field, field) == 0) return v->e[i].msg;
  return NULL;
}
