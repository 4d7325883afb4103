/*
** test_html.c: the pieces every HTML page is built from: escaping,
** numbers with thousands separators, percentages in tenths rounded half
** up, and a plain-language entry for every rule set.  Whole pages are
** checked by the golden files (byte for byte, and well-formed XML by
** tests/html-lint.sh) and in a browser by tests/browser.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "stv.h"

static stvi_buf b;

static const char *fresh(void) {
  stvi_buf_free(&b);
  stvi_buf_init(&b, 1u << 16);
  stvi_buf_puts(&b, "");
  return b.data;
}

static void test_escape(void **state) {
  (void)state;
  fresh();
  stvi_html_text(&b, "<b>Tom & \"Jerry\" O'Neil</b>");
  assert_string_equal(b.data, "&lt;b&gt;Tom &amp; \"Jerry\" O'Neil&lt;/b&gt;");
  fresh();
  stvi_html_attr(&b, "a\"b'c<d>&e");
  assert_string_equal(b.data, "a&quot;b&#39;c&lt;d&gt;&amp;e");
  fresh();
  stvi_html_text(&b, "Zo\xc3\xab Ng");  /* UTF-8 passes through */
  assert_string_equal(b.data, "Zo\xc3\xab Ng");
  fresh();
  stvi_html_text(&b, "Dee\x01\tX\x1f");  /* controls XML forbids */
  assert_string_equal(b.data, "Dee\xef\xbf\xbd\tX\xef\xbf\xbd");
  fresh();
  stvi_html_text(&b, NULL);
  assert_string_equal(b.data, "");
}

static void test_votes(void **state) {
  static const struct {
    int64_t v;
    int dp, trim;
    const char *want;
  } cases[] = {
      {0, 0, 0, "0"},
      {999, 0, 0, "999"},
      {1000, 0, 0, "1,000"},
      {1234567, 2, 0, "12,345.67"},
      {1234500, 2, 1, "12,345"},
      {1234560, 2, 1, "12,345.6"},
      {120450000, 5, 1, "1,204.5"},
      {120450000, 5, 0, "1,204.50000"},
      {-1550, 2, 0, "\xe2\x88\x92" "15.50"},
      {100000000000000LL, 9, 1, "100,000"},
      {5, 2, 0, "0.05"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    fresh();
    stvi_html_votes(&b, cases[i].v, cases[i].dp, cases[i].trim);
    assert_string_equal(b.data, cases[i].want);
  }
}

static void test_percent(void **state) {
  (void)state;
  assert_int_equal(stvi_pct10(1, 3), 333);     /* 33.33 -> 33.3 */
  assert_int_equal(stvi_pct10(2, 3), 667);     /* 66.67 -> 66.7 */
  assert_int_equal(stvi_pct10(1, 8), 125);     /* 12.5 exactly */
  assert_int_equal(stvi_pct10(1, 16), 63);     /* 6.25 -> 6.3 (half up) */
  assert_int_equal(stvi_pct10(5, 5), 1000);
  assert_int_equal(stvi_pct10(1, 0), 0);
  assert_int_equal(stvi_pct10(0, 7), 0);
  fresh();
  stvi_html_pct(&b, 3, 5);
  assert_string_equal(b.data, "60.0%");
}

static void test_every_rule_explained(void **state) {
  const char *const *rn = stv_rule_names();
  int i;
  (void)state;
  for (i = 0; rn[i]; i++) {
    if (!stvi_html_rule_known(rn[i])) fail_msg("no plain words for %s", rn[i]);
    fresh();
    stvi_html_rules(&b, rn[i]);
    assert_non_null(strstr(b.data, "docs/rules/"));
  }
  assert_false(stvi_html_rule_known("nonesuch"));
}

static int teardown(void **state) {
  (void)state;
  stvi_buf_free(&b);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escape),
      cmocka_unit_test(test_votes),
      cmocka_unit_test(test_percent),
      cmocka_unit_test(test_every_rule_explained),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
