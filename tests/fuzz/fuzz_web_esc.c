/*
** fuzz_web_esc.c: libFuzzer target for the service's escapers and text
** checks (src/web/esc.c; tests/fuzz/build.sh).
**
** Promises checked (a broken one aborts):
**  - esc_text output has no raw < or >, esc_attr output none of < > " ',
**    every & starts one of the entities written, no C0 control but TAB LF
**    CR is left; and decoding the entities gives back the input with each
**    other C0 control replaced by U+FFFD (nothing lost, nothing added);
**  - esc_url writes only A-Z a-z 0-9 - . _ ~ and %XX, and decodes back;
**  - esc_json of valid UTF-8 parses (jansson) back to the same string;
**  - utf8_valid agrees with a decoder written differently below;
**  - text_check refuses invalid UTF-8 (and only that as bad_utf8), refuses
**    "control" only when there is one, and otherwise leaves valid UTF-8
**    with no refused control and no CR, "too_long" exactly past its cap.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes the entities esc_text/esc_attr write; aborts on any other. */
static void unescape_html(const char *s, size_t n, wbuf *out) {
  static const struct {
    const char *ent;
    char c;
  } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
              {"&quot;", '"'}, {"&#39;", '\''}};
  size_t i, k;
  for (i = 0; i < n;) {
    if (s[i] != '&') {
      wbuf_add(out, s + i++, 1);
      continue;
    }
    for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
      size_t len = strlen(ents[k].ent);
      if (n - i >= len && memcmp(s + i, ents[k].ent, len) == 0) {
        wbuf_add(out, &ents[k].c, 1);
        i += len;
        break;
      }
    }
    if (k == sizeof(ents) / sizeof(ents[0])) abort();
  }
}

static void check_html(const char *in, int attr) {
  wbuf b, back, want;
  size_t i;
  wbuf_init(&b, (size_t)1 << 24);
  wbuf_init(&back, (size_t)1 << 24);
  wbuf_init(&want, (size_t)1 << 24);
  if (attr)
    esc_attr(&b, in);
  else
    esc_text(&b, in);
  if (b.err) abort();
  for (i = 0; i < b.len; i++) {
    unsigned char c = (unsigned char)b.p[i];
    if (c == '<' || c == '>') abort();
    if (attr && (c == '"' || c == '\'')) abort();
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') abort();
  }
  unescape_html(wbuf_str(&b), b.len, &back);
  for (i = 0; in[i]; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      wbuf_puts(&want, "\xef\xbf\xbd");
    else
      wbuf_add(&want, in + i, 1);
  }
  if (back.len != want.len ||
      memcmp(wbuf_str(&back), wbuf_str(&want), want.len) != 0)
    abort();
  wbuf_free(&b);
  wbuf_free(&back);
  wbuf_free(&want);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1; /* esc_url writes upper case only */
}

static void check_url(const char *in) {
  wbuf b;
  size_t i, o = 0;
  wbuf_init(&b, (size_t)1 << 24);
  esc_url(&b, in);
  if (b.err) abort();
  for (i = 0; i < b.len; i++) {
    char c = b.p[i];
    int hi, lo;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      if (in[o++] != c) abort();
      continue;
    }
    if (c != '%' || i + 2 >= b.len) abort();
    hi = hexval(b.p[i + 1]);
    lo = hexval(b.p[i + 2]);
    if (hi < 0 || lo < 0) abort();
    if ((unsigned char)in[o++] != (hi << 4 | lo)) abort();
    i += 2;
  }
  if (in[o] != '\0') abort();
  wbuf_free(&b);
}

static void check_json(const char *in) {
  wbuf b;
  json_t *j;
  json_error_t err;
  wbuf_init(&b, (size_t)1 << 24);
  esc_json(&b, in);
  j = json_loads(wbuf_str(&b), JSON_DECODE_ANY, &err);
  if (!j || !json_is_string(j) || strcmp(json_string_value(j), in) != 0)
    abort();
  json_decref(j);
  wbuf_free(&b);
}

/* A UTF-8 check written another way: decode by the lead byte's bit
** pattern, then refuse overlongs by value, surrogates and > U+10FFFF. */
static int ref_utf8(const unsigned char *s, size_t n) {
  static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t i = 0, len, j;
  while (i < n) {
    uint32_t c = s[i];
    if (c < 0x80)
      len = 1;
    else if ((c & 0xe0) == 0xc0)
      len = 2;
    else if ((c & 0xf0) == 0xe0)
      len = 3;
    else if ((c & 0xf8) == 0xf0)
      len = 4;
    else
      return 0;
    if (len > n - i) return 0;
    if (len > 1) c &= 0x3fu >> (len - 1);
    for (j = 1; j < len; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return 0;
      c = c << 6 | (s[i + j] & 0x3f);
    }
    if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      return 0;
    i += len;
  }
  return 1;
}

/* 1 if s[0..n) holds a control text_check must refuse. */
static int has_control(const char *s, size_t n, int multiline) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 && c != '\t' && !(multiline && (c == '\n' || c == '\r')))
      return 1;
  }
  return 0;
}

static void check_text(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  size_t len = size, max = size / 2;
  int multiline = size > 0 && (data[0] & 1);
  int valid = utf8_valid((const char *)data, size);
  const char *code;
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  code = text_check(s, &len, max, multiline);
  if (len > size) abort();
  if (!valid) {
    if (!code || strcmp(code, "bad_utf8") != 0) abort();
  } else if (code && strcmp(code, "control") == 0) {
    if (!has_control((const char *)data, size, multiline)) abort();
  } else {
    /* accepted or too long: normalised, valid, no controls, no CR */
    if (code && strcmp(code, "too_long") != 0) abort();
    if (!utf8_valid(s, len) || has_control(s, len, multiline) ||
        memchr(s, '\r', len))
      abort();
    if ((code != NULL) != (len > max)) abort();
  }
  free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = malloc(size + 1);
  if (!in) return 0;
  if (utf8_valid((const char *)data, size) != ref_utf8(data, size)) abort();
  memcpy(in, data, size);
  in[size] = '\0'; /* the escapers take C strings: up to the first NUL */
  check_html(in, 0);
  check_html(in, 1);
  check_url(in);
  if (utf8_valid(in, strlen(in))) check_json(in);
  check_text(data, size);
  free(in);
  return 0;
}
