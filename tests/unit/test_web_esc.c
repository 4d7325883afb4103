/*
** test_web_esc.c: the service's bounded buffer, escaping, UTF-8 checks and
** field error lists (src/web/esc.c).
**
** esc_text/esc_attr are a deliberate copy of src/lib/html.c's escaper
** (the service may not include the library's private headers); this test
** includes both and requires identical bytes over every ASCII byte and
** some UTF-8, so the two cannot drift apart.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "stvInt.h"
#include "web.h"

/* ---------------------------------------------------------------- wbuf */

static void test_wbuf_basic(void **state) {
  wbuf b;
  (void)state;
  wbuf_init(&b, 100);
  assert_string_equal(wbuf_str(&b), ""); /* empty: "" not NULL */
  wbuf_add(&b, "ab", 2);
  wbuf_puts(&b, "cd");
  wbuf_add(&b, "", 0);
  wbuf_printf(&b, "-%d-%s", 42, "x");
  assert_int_equal(b.err, 0);
  assert_int_equal(b.len, 9);
  assert_string_equal(wbuf_str(&b), "abcd-42-x");
  assert_int_equal(b.p[b.len], '\0');
  wbuf_free(&b);
  assert_null(b.p);
  assert_string_equal(wbuf_str(&b), "");
}

/* Exactly max bytes fit; one more fails, drops everything, and sticks. */
static void test_wbuf_cap(void **state) {
  wbuf b;
  (void)state;
  wbuf_init(&b, 5);
  wbuf_puts(&b, "abc");
  wbuf_puts(&b, "de");
  assert_int_equal(b.err, 0);
  assert_string_equal(wbuf_str(&b), "abcde");
  wbuf_puts(&b, "f");
  assert_int_equal(b.err, WEB_ETOOBIG);
  assert_int_equal(b.len, 0);
  assert_string_equal(wbuf_str(&b), "");
  wbuf_puts(&b, ""); /* sticky: even an empty append stays refused */
  wbuf_printf(&b, "%s", "x");
  assert_int_equal(b.err, WEB_ETOOBIG);
  assert_null(b.p);
  assert_null(wbuf_take(&b, NULL));
  wbuf_free(&b);

  wbuf_init(&b, 0); /* a zero cap takes nothing but the empty string */
  wbuf_add(&b, "", 0);
  assert_int_equal(b.err, 0);
  wbuf_add(&b, "x", 1);
  assert_int_equal(b.err, WEB_ETOOBIG);
  wbuf_free(&b);

  wbuf_init(&b, 10); /* printf checks the whole formatted length */
  wbuf_printf(&b, "%s", "0123456789");
  assert_int_equal(b.err, 0);
  wbuf_printf(&b, "%d", 1);
  assert_int_equal(b.err, WEB_ETOOBIG);
  wbuf_free(&b);
}

/* Growth past the first allocation, and a printf longer than any
** internal buffer. */
static void test_wbuf_grow(void **state) {
  wbuf b;
  char big[5000];
  size_t i;
  (void)state;
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  wbuf_init(&b, 1 << 20);
  for (i = 0; i < 1000; i++) wbuf_add(&b, "0123456789", 10);
  assert_int_equal(b.len, 10000);
  assert_memory_equal(b.p + 9990, "0123456789", 11);
  wbuf_printf(&b, "[%s]", big);
  assert_int_equal(b.err, 0);
  assert_int_equal(b.len, 10000 + 5001);
  assert_int_equal(b.p[10000], '[');
  assert_int_equal(b.p[10000 + 4999], 'x');
  assert_int_equal(b.p[10000 + 5000], ']');
  assert_int_equal(b.p[b.len], '\0');
  wbuf_free(&b);
}

static void test_wbuf_take(void **state) {
  wbuf b;
  size_t n = 99;
  char *s;
  (void)state;
  wbuf_init(&b, 50);
  s = wbuf_take(&b, &n); /* empty: a real "" */
  assert_non_null(s);
  assert_string_equal(s, "");
  assert_int_equal(n, 0);
  free(s);
  wbuf_puts(&b, "hello");
  s = wbuf_take(&b, &n);
  assert_string_equal(s, "hello");
  assert_int_equal(n, 5);
  free(s);
  /* b is reset and usable, with the same cap */
  assert_null(b.p);
  assert_int_equal(b.len, 0);
  wbuf_puts(&b, "again");
  assert_string_equal(wbuf_str(&b), "again");
  s = wbuf_take(&b, NULL);
  assert_string_equal(s, "again");
  free(s);
  /* after an error: NULL, the bytes freed, err kept */
  wbuf_add(&b, "x", 51);
  n = 7;
  assert_null(wbuf_take(&b, &n));
  assert_int_equal(n, 0);
  assert_int_equal(b.err, WEB_ETOOBIG);
  assert_null(b.p);
  wbuf_free(&b);
}

/* ------------------------------------------------------------- escaping */

static char *web_esc(int attr, const char *s) {
  wbuf b;
  char *out;
  wbuf_init(&b, 1 << 16);
  if (attr)
    esc_attr(&b, s);
  else
    esc_text(&b, s);
  out = wbuf_take(&b, NULL);
  assert_non_null(out);
  return out;
}

/* The library's escaper on the same input, as a malloc'd string. */
static char *lib_esc(int attr, const char *s) {
  stvi_buf b;
  char *out;
  stvi_buf_init(&b, 1 << 16);
  stvi_buf_puts(&b, "");
  if (attr)
    stvi_html_attr(&b, s);
  else
    stvi_html_text(&b, s);
  assert_false(b.failed);
  out = malloc(b.len + 1);
  assert_non_null(out);
  memcpy(out, b.data, b.len + 1);
  stvi_buf_free(&b);
  return out;
}

static void same(const char *s) {
  int attr;
  for (attr = 0; attr < 2; attr++) {
    char *w = web_esc(attr, s), *l = lib_esc(attr, s);
    if (strcmp(w, l) != 0)
      fail_msg("esc_%s differs from stvi_html_%s on \"%s\": \"%s\" vs \"%s\"",
               attr ? "attr" : "text", attr ? "attr" : "text", s, w, l);
    free(w);
    free(l);
  }
}

static void test_esc_same_as_library(void **state) {
  static const char *const samples[] = {
      "",
      "plain",
      "<script>alert('x')</script>",
      "Tom & \"Jerry\" O'Neil",
      "&amp; already",
      "Zo\xc3\xab Ng \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
      "\xef\xbf\xbd replacement",
      "bad \xff\xfe bytes \xc0\xaf",
      "tab\tlf\ncr\r",
      "\x01\x02\x1f\x7f",
  };
  char all[128];
  char one[2] = {0, 0};
  int c;
  size_t i;
  (void)state;
  for (c = 1; c < 0x80; c++) {
    one[0] = (char)c;
    same(one);
    all[c - 1] = (char)c;
  }
  all[127] = '\0';
  same(all);
  for (c = 0x80; c < 0x100; c++) { /* lone high bytes pass through alike */
    one[0] = (char)c;
    same(one);
  }
  for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) same(samples[i]);
}

static void check_esc(int attr, const char *in, const char *want) {
  char *got = web_esc(attr, in);
  assert_string_equal(got, want);
  free(got);
}

static void test_esc_text_attr(void **state) {
  (void)state;
  check_esc(0, "<b>Tom & \"Jerry\" O'Neil</b>",
            "&lt;b&gt;Tom &amp; \"Jerry\" O'Neil&lt;/b&gt;");
  check_esc(1, "a\"b'c<d>&e", "a&quot;b&#39;c&lt;d&gt;&amp;e");
  check_esc(0, "Dee\x01\tX\x1f\r\n", "Dee\xef\xbf\xbd\tX\xef\xbf\xbd\r\n");
  check_esc(0, NULL, "");
  check_esc(1, NULL, "");
}

static char *run1(void (*fn)(wbuf *, const char *), const char *s) {
  wbuf b;
  char *out;
  wbuf_init(&b, 1 << 16);
  fn(&b, s);
  out = wbuf_take(&b, NULL);
  assert_non_null(out);
  return out;
}

static void check1(void (*fn)(wbuf *, const char *), const char *in,
                   const char *want) {
  char *got = run1(fn, in);
  assert_string_equal(got, want);
  free(got);
}

static void test_esc_url(void **state) {
  (void)state;
  check1(esc_url, "AZaz09-._~", "AZaz09-._~");
  check1(esc_url, "a b/c?d=e&f#g", "a%20b%2Fc%3Fd%3De%26f%23g");
  check1(esc_url, "100%+", "100%25%2B");
  check1(esc_url, "\xc2\xa3\x01\xff", "%C2%A3%01%FF");
  check1(esc_url, "<\"'>", "%3C%22%27%3E");
  check1(esc_url, "", "");
  check1(esc_url, NULL, "");
}

static void test_esc_json(void **state) {
  (void)state;
  check1(esc_json, "plain", "\"plain\"");
  check1(esc_json, "", "\"\"");
  check1(esc_json, NULL, "\"\"");
  check1(esc_json, "a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
  check1(esc_json, "\n\t\r\x01\x1f",
         "\"\\u000A\\u0009\\u000D\\u0001\\u001F\"");
  check1(esc_json, "\x7f", "\"\x7f\""); /* DEL needs no escape */
  check1(esc_json, "Zo\xc3\xab \xf0\x9f\x98\x80",
         "\"Zo\xc3\xab \xf0\x9f\x98\x80\"");
  check1(esc_json, "</script>", "\"</script>\"");
}

/* ---------------------------------------------------------------- UTF-8 */

static void test_utf8_valid(void **state) {
  static const struct {
    const char *s;
    int ok;
  } cases[] = {
      {"", 1},
      {"ascii", 1},
      {"\xc2\x80", 1},             /* U+0080, smallest two-byte */
      {"\xdf\xbf", 1},             /* U+07FF */
      {"\xe0\xa0\x80", 1},         /* U+0800 */
      {"\xed\x9f\xbf", 1},         /* U+D7FF, just below the surrogates */
      {"\xee\x80\x80", 1},         /* U+E000, just above */
      {"\xef\xbf\xbf", 1},         /* U+FFFF */
      {"\xf0\x90\x80\x80", 1},     /* U+10000 */
      {"\xf4\x8f\xbf\xbf", 1},     /* U+10FFFF, the last */
      {"\xc0\x80", 0},             /* overlong NUL */
      {"\xc1\xbf", 0},             /* overlong U+007F */
      {"\xe0\x80\xaf", 0},         /* overlong '/' */
      {"\xe0\x9f\xbf", 0},         /* overlong U+07FF */
      {"\xf0\x80\x80\xaf", 0},     /* overlong '/' */
      {"\xf0\x8f\xbf\xbf", 0},     /* overlong U+FFFF */
      {"\xed\xa0\x80", 0},         /* U+D800 */
      {"\xed\xbf\xbf", 0},         /* U+DFFF */
      {"\xed\xa0\xbd\xed\xb8\x80", 0}, /* CESU-8 surrogate pair */
      {"\xf4\x90\x80\x80", 0},     /* U+110000 */
      {"\xf5\x80\x80\x80", 0},
      {"\xf8\x88\x80\x80\x80", 0}, /* five-byte form */
      {"\xff", 0},
      {"\xfe", 0},
      {"\x80", 0},                 /* lone continuation */
      {"a\xbf", 0},
      {"\xc3", 0},                 /* truncated two-byte */
      {"\xe2\x82", 0},             /* truncated three-byte */
      {"\xf0\x9f\x98", 0},         /* truncated four-byte */
      {"\xe2\x82x", 0},            /* continuation missing */
      {"\xc3\xa9\xc3", 0},         /* good then truncated */
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    if (utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
      fail_msg("utf8_valid case %zu: want %d", i, cases[i].ok);
  /* the length is honoured: NUL is valid, and a cut sequence is not */
  assert_true(utf8_valid("a\0b", 3));
  assert_false(utf8_valid("\xc3\xa9", 1));
  assert_true(utf8_valid("\xc3\xa9", 0));
}

/* Runs text_check on a copy; returns its code and leaves the result in
** out (NUL-terminated at *len). */
static const char *tc(const char *in, size_t n, size_t max, int multi,
                      char *out, size_t *len) {
  const char *code;
  memcpy(out, in, n);
  out[n] = '\0';
  *len = n;
  code = text_check(out, len, max, multi);
  out[*len] = '\0';
  return code;
}

static void test_text_check(void **state) {
  char out[64];
  size_t len;
  (void)state;
  assert_null(tc("plain text", 10, 100, 0, out, &len));
  assert_string_equal(out, "plain text");
  assert_null(tc("tab\tok", 6, 100, 0, out, &len));
  /* CR LF and lone CR become LF when multiline */
  assert_null(tc("a\r\nb\rc\nd\r", 9, 100, 1, out, &len));
  assert_int_equal(len, 8);
  assert_string_equal(out, "a\nb\nc\nd\n");
  assert_null(tc("\r\n\r\n", 4, 100, 1, out, &len));
  assert_string_equal(out, "\n\n");
  assert_null(tc("\r\r\n", 3, 100, 1, out, &len));
  assert_string_equal(out, "\n\n");
  /* single line: LF and CR are controls */
  assert_string_equal(tc("a\nb", 3, 100, 0, out, &len), "control");
  assert_string_equal(tc("a\rb", 3, 100, 0, out, &len), "control");
  /* NUL and other C0 always; DEL and C1 are not C0 */
  assert_string_equal(tc("a\0b", 3, 100, 1, out, &len), "control");
  assert_string_equal(tc("\x1b[31m", 5, 100, 1, out, &len), "control");
  assert_string_equal(tc("\x01", 1, 100, 1, out, &len), "control");
  assert_null(tc("a\x7f" "b\xc2\x85", 5, 100, 0, out, &len));
  /* bad UTF-8 is reported before anything else */
  assert_string_equal(tc("\x01\xff", 2, 100, 1, out, &len), "bad_utf8");
  assert_string_equal(tc("\xed\xa0\x80", 3, 100, 1, out, &len), "bad_utf8");
  /* the cap applies after normalising */
  assert_null(tc("abcde", 5, 5, 0, out, &len));
  assert_string_equal(tc("abcdef", 6, 5, 0, out, &len), "too_long");
  assert_null(tc("ab\r\ncd", 6, 5, 1, out, &len));
  assert_int_equal(len, 5);
  assert_string_equal(tc("ab\r\ncde", 7, 5, 1, out, &len), "too_long");
  assert_int_equal(len, 6);
  /* a refused text is left as it was */
  assert_string_equal(tc("a\r\n\x02", 4, 100, 1, out, &len), "control");
  assert_int_equal(len, 4);
  assert_memory_equal(out, "a\r\n\x02", 4);
  assert_null(tc("", 0, 0, 1, out, &len));
  assert_int_equal(len, 0);
}

/* ------------------------------------------------- validation messages */

static void test_verr(void **state) {
  verr v;
  char longname[200];
  int i;
  (void)state;
  memset(&v, 0, sizeof(v));
  assert_null(verr_msg(&v, "name"));
  verr_add(&v, "name", "required", "Enter your name");
  verr_add(&v, "email", "too_long", "At most %d characters", 254);
  verr_add(&v, "name", "too_long", "second message for name");
  assert_int_equal(v.n, 3);
  assert_string_equal(verr_msg(&v, "name"), "Enter your name"); /* first */
  assert_string_equal(verr_msg(&v, "email"), "At most 254 characters");
  assert_string_equal(v.e[1].code, "too_long");
  assert_null(verr_msg(&v, "nam"));
  assert_null(verr_msg(&v, NULL));
  /* past VERR_MAX the rest are dropped; the first ones stay */
  for (i = 3; i < VERR_MAX + 10; i++) verr_add(&v, "f", "x", "msg %d", i);
  assert_int_equal(v.n, VERR_MAX);
  assert_string_equal(v.e[VERR_MAX - 1].msg, "msg 31");
  assert_string_equal(verr_msg(&v, "name"), "Enter your name");
  /* long fields and messages are cut, never mid-character */
  memset(&v, 0, sizeof(v));
  memset(longname, 'n', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  verr_add(&v, longname, "c", "%s", longname);
  assert_int_equal(strlen(v.e[0].field), FORM_MAX_NAME);
  assert_int_equal(strlen(v.e[0].msg), 199);
  {
    char m[400];
    size_t k;
    for (k = 0; k + 2 < sizeof(m); k += 2) memcpy(m + k, "\xc3\xa9", 2);
    m[k] = '\0'; /* 199 e-acutes: 398 bytes */
    verr_add(&v, "f", "c", "%s", m); /* byte 255 is mid-character */
    assert_int_equal(strlen(v.e[1].msg), 254);
    assert_true(utf8_valid(v.e[1].msg, strlen(v.e[1].msg)));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wbuf_basic),
      cmocka_unit_test(test_wbuf_cap),
      cmocka_unit_test(test_wbuf_grow),
      cmocka_unit_test(test_wbuf_take),
      cmocka_unit_test(test_esc_same_as_library),
      cmocka_unit_test(test_esc_text_attr),
      cmocka_unit_test(test_esc_url),
      cmocka_unit_test(test_esc_json),
      cmocka_unit_test(test_utf8_valid),
      cmocka_unit_test(test_text_check),
      cmocka_unit_test(test_verr),
  };
  return cmocka_run_group_tests_name("web_esc", tests, NULL, NULL);
}
