/*
** test_web_form.c: the urlencoded form parser and the Cookie header
** reader (src/web/form.c).  Both read untrusted bytes; the fuzz target
** tests/fuzz/fuzz_web_form.c checks the same invariants on random input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

static web_status parse(form *f, const char *s) {
  return form_parse(f, s, strlen(s));
}

static void test_basic(void **state) {
  form f;
  size_t n;
  (void)state;
  assert_int_equal(parse(&f, "name=Ada+Brennan&email=ada%40example.org"),
                   WEB_OK);
  assert_int_equal(f.n, 2);
  assert_string_equal(f.name[0], "name");
  assert_string_equal(form_get(&f, "name"), "Ada Brennan");
  assert_string_equal(form_value(&f, "email", &n), "ada@example.org");
  assert_int_equal(n, 15);
  assert_null(form_get(&f, "missing"));
  assert_null(form_value(&f, "missing", &n));
  assert_int_equal(n, 0);
  assert_null(form_get(&f, NULL));
  form_free(&f);
  assert_int_equal(f.n, 0);
  assert_null(f.name);
  form_free(&f); /* twice is harmless */
}

static void test_decoding(void **state) {
  form f;
  size_t n;
  (void)state;
  /* + is a space in names and values; %2B is a plus; hex either case */
  assert_int_equal(parse(&f, "a+b=c+d%2B%2b&x=%C2%A3%e2%82%ac"), WEB_OK);
  assert_string_equal(form_get(&f, "a b"), "c d++");
  assert_string_equal(form_get(&f, "x"), "\xc2\xa3\xe2\x82\xac");
  form_free(&f);
  /* '=' in a value, no '=' at all, an empty value */
  assert_int_equal(parse(&f, "q=a=b&flag&e="), WEB_OK);
  assert_int_equal(f.n, 3);
  assert_string_equal(form_get(&f, "q"), "a=b");
  assert_string_equal(form_value(&f, "flag", &n), "");
  assert_int_equal(n, 0);
  assert_string_equal(form_get(&f, "e"), "");
  form_free(&f);
  /* empty fields are skipped; an empty body is an empty form */
  assert_int_equal(parse(&f, "&&a=1&&b=2&"), WEB_OK);
  assert_int_equal(f.n, 2);
  assert_string_equal(form_get(&f, "b"), "2");
  form_free(&f);
  assert_int_equal(form_parse(&f, NULL, 0), WEB_OK);
  assert_int_equal(f.n, 0);
  assert_null(form_get(&f, "a"));
  form_free(&f);
  assert_int_equal(parse(&f, "&"), WEB_OK);
  assert_int_equal(f.n, 0);
  form_free(&f);
  /* the length is honoured: bytes after len are not read */
  assert_int_equal(form_parse(&f, "a=1&b=2", 3), WEB_OK);
  assert_int_equal(f.n, 1);
  assert_string_equal(form_get(&f, "a"), "1");
  form_free(&f);
}

/* Values may hold NUL (vlen tells); names may not. */
static void test_nul(void **state) {
  form f;
  size_t n;
  const char *v;
  static const char raw[] = "v=a%00b&w=x\0y"; /* a raw NUL in the input */
  (void)state;
  assert_int_equal(form_parse(&f, raw, sizeof(raw) - 1), WEB_OK);
  v = form_value(&f, "v", &n);
  assert_int_equal(n, 3);
  assert_memory_equal(v, "a\0b", 4); /* and still NUL-terminated */
  v = form_value(&f, "w", &n);
  assert_int_equal(n, 3);
  assert_memory_equal(v, "x\0y", 4);
  form_free(&f);
  assert_int_equal(parse(&f, "a%00b=1"), WEB_EFORM);
  assert_int_equal(f.n, 0);
  assert_int_equal(form_parse(&f, "a\0b=1", 5), WEB_EFORM);
  assert_int_equal(f.n, 0);
}

static void test_errors(void **state) {
  static const char *const bad[] = {
      "a=%zz", "a=%", "a=%4", "a=%4g", "a=1&b=%G0", "%=1", "=1", "=",
      "a=1&=2", "ok=1&x=%%41",
  };
  form f;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memset(&f, 0xab, sizeof(f)); /* form_parse must zero it */
    if (parse(&f, bad[i]) != WEB_EFORM) fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(f.n, 0); /* on error the form is empty */
    assert_null(f.name);
    assert_null(form_get(&f, "a"));
    form_free(&f);
  }
  /* a %-escape at the very end is complete */
  assert_int_equal(parse(&f, "a=%41"), WEB_OK);
  assert_string_equal(form_get(&f, "a"), "A");
  form_free(&f);
}

static void test_names(void **state) {
  form f;
  char buf[200];
  size_t n;
  (void)state;
  memset(buf, 'n', FORM_MAX_NAME);
  memcpy(buf + FORM_MAX_NAME, "=v", 3);
  assert_int_equal(parse(&f, buf), WEB_OK); /* exactly the cap */
  assert_int_equal(strlen(f.name[0]), FORM_MAX_NAME);
  form_free(&f);
  memset(buf, 'n', FORM_MAX_NAME + 1);
  memcpy(buf + FORM_MAX_NAME + 1, "=v", 3);
  assert_int_equal(parse(&f, buf), WEB_EFORM);
  /* the cap is on the decoded name: 64 escapes are 64 bytes */
  for (n = 0; n < FORM_MAX_NAME; n++) memcpy(buf + 3 * n, "%41", 3);
  memcpy(buf + 3 * n, "=v", 3);
  assert_int_equal(parse(&f, buf), WEB_OK);
  assert_int_equal(strlen(f.name[0]), FORM_MAX_NAME);
  form_free(&f);
}

static void test_duplicates(void **state) {
  form f;
  (void)state;
  assert_int_equal(parse(&f, "cat=a&x=1&cat=b&cat=&cat=c"), WEB_OK);
  assert_string_equal(form_get(&f, "cat"), "a");
  assert_string_equal(form_get_nth(&f, "cat", 0), "a");
  assert_string_equal(form_get_nth(&f, "cat", 1), "b");
  assert_string_equal(form_get_nth(&f, "cat", 2), "");
  assert_string_equal(form_get_nth(&f, "cat", 3), "c");
  assert_null(form_get_nth(&f, "cat", 4));
  assert_string_equal(form_get_nth(&f, "x", 0), "1");
  assert_null(form_get_nth(&f, "x", 1));
  assert_null(form_get_nth(&f, "y", 0));
  assert_null(form_get_nth(&f, NULL, 0));
  form_free(&f);
}

/* n fields "f0=0&f1=1...", with extra empty fields that do not count. */
static char *fields(size_t n) {
  char *s = malloc(n * 16 + 8);
  size_t len = 0, i;
  assert_non_null(s);
  for (i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, 16, "%sf%zu=%zu&", i % 7 ? "" : "&", i,
                            i);
  s[len] = '\0';
  return s;
}

static void test_field_cap(void **state) {
  form f;
  char *s;
  (void)state;
  s = fields(FORM_MAX_FIELDS);
  assert_int_equal(parse(&f, s), WEB_OK);
  assert_int_equal(f.n, FORM_MAX_FIELDS);
  assert_string_equal(form_get(&f, "f399"), "399");
  form_free(&f);
  free(s);
  s = fields(FORM_MAX_FIELDS + 1);
  assert_int_equal(parse(&f, s), WEB_ETOOBIG);
  assert_int_equal(f.n, 0);
  free(s);
  /* 64 KiB of '&' is no fields at all, not 65536 */
  s = malloc(65536);
  assert_non_null(s);
  memset(s, '&', 65536);
  assert_int_equal(form_parse(&f, s, 65536), WEB_OK);
  assert_int_equal(f.n, 0);
  free(s);
}

/* --------------------------------------------------------------- cookies */

static void test_cookie(void **state) {
  char out[64];
  (void)state;
  assert_int_equal(cookie_find("hs_session=abc123", "hs_session", out, 64),
                   1);
  assert_string_equal(out, "abc123");
  assert_int_equal(cookie_find("a=1; hs_anon=xyz; b=2", "hs_anon", out, 64),
                   1);
  assert_string_equal(out, "xyz");
  /* tolerated spacing: none, several, tabs, around '=' */
  assert_int_equal(cookie_find("a=1;b=2", "b", out, 64), 1);
  assert_string_equal(out, "2");
  assert_int_equal(cookie_find("  a = 1 ;\t b\t=\t2 ", "b", out, 64), 1);
  assert_string_equal(out, "2");
  /* a quoted value loses its quotes; an inner '=' stays */
  assert_int_equal(cookie_find("q=\"v=1\"; r=s", "q", out, 64), 1);
  assert_string_equal(out, "v=1");
  assert_int_equal(cookie_find("q=\"", "q", out, 64), 1);
  assert_string_equal(out, "\"");
  /* the first of two with the same name */
  assert_int_equal(cookie_find("x=first; x=second", "x", out, 64), 1);
  assert_string_equal(out, "first");
  /* names match exactly: no prefixes, suffixes, or case folding */
  assert_int_equal(cookie_find("hs_sessionX=1; Xhs_session=2", "hs_session",
                               out, 64),
                   0);
  assert_string_equal(out, "");
  assert_int_equal(cookie_find("A=1", "a", out, 64), 0);
  /* an empty value is found */
  assert_int_equal(cookie_find("a=; b=2", "a", out, 64), 1);
  assert_string_equal(out, "");
  /* junk pairs are skipped */
  assert_int_equal(cookie_find("junk; ;=x; a=1", "a", out, 64), 1);
  assert_string_equal(out, "1");
  assert_int_equal(cookie_find("a", "a", out, 64), 0);
  assert_int_equal(cookie_find("", "a", out, 64), 0);
  assert_int_equal(cookie_find(NULL, "a", out, 64), 0);
  assert_int_equal(cookie_find("a=1", "", out, 64), 0);
  /* a value must fit with its NUL */
  assert_int_equal(cookie_find("a=1234", "a", out, 5), 1);
  assert_string_equal(out, "1234");
  assert_int_equal(cookie_find("a=12345", "a", out, 5), 0);
  assert_string_equal(out, "");
  assert_int_equal(cookie_find("a=1", "a", out, 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),      cmocka_unit_test(test_decoding),
      cmocka_unit_test(test_nul),        cmocka_unit_test(test_errors),
      cmocka_unit_test(test_names),      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_field_cap),  cmocka_unit_test(test_cookie),
  };
  return cmocka_run_group_tests_name("web_form", tests, NULL, NULL);
}
