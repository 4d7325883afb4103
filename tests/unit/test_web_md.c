/*
** test_web_md.c: candidates' statements rendered by src/web/md.c: plain
** Markdown, images replaced by their alt text, headings no higher than
** h3, and the XSS cases of docs/design/service.md §8 (no <script, no
** on...= attribute, no javascript: anywhere in the output).
*/
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmark.h>
#include <cmocka.h>

#include "web.h"

static void check(const char *md, const char *want) {
  char *html = md_render(md, strlen(md));
  assert_non_null(html);
  assert_string_equal(html, want);
  free(html);
}

/* Case-insensitive search for an ASCII needle. */
static int has_ci(const char *s, const char *needle) {
  size_t n = strlen(needle);
  for (; *s; s++)
    if (strncasecmp(s, needle, n) == 0) return 1;
  return 0;
}

/* An event-handler attribute: whitespace, "on", letters, optional
** spaces, "=". */
static int has_on_attr(const char *s) {
  for (; *s; s++) {
    const char *p = s + 1;
    if (!isspace((unsigned char)*s) && *s != '/') continue;
    if (tolower((unsigned char)p[0]) != 'o' ||
        tolower((unsigned char)p[1]) != 'n')
      continue;
    for (p += 2; isalpha((unsigned char)*p); p++) {}
    while (isspace((unsigned char)*p)) p++;
    if (*p == '=' && p > s + 3) return 1;
  }
  return 0;
}

static void test_basic(void **state) {
  (void)state;
  check("", "");
  check("Hello *world*", "<p>Hello <em>world</em></p>\n");
  check("- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
  check("[site](https://example.org/a?b=1&c=2)",
        "<p><a href=\"https://example.org/a?b=1&amp;c=2\">site</a></p>\n");
  check("a < b & c", "<p>a &lt; b &amp; c</p>\n");
  /* the length is honoured: the text need not be NUL-terminated */
  {
    char *html = md_render("**bold** and more", 8);
    assert_string_equal(html, "<p><strong>bold</strong></p>\n");
    free(html);
  }
}

static void test_headings(void **state) {
  (void)state;
  check("# One\n## Two\n### Three\n#### Four\n###### Six\n",
        "<h3>One</h3>\n<h3>Two</h3>\n<h3>Three</h3>\n<h4>Four</h4>\n"
        "<h6>Six</h6>\n");
  check("Setext one\n===\nSetext two\n---\n",
        "<h3>Setext one</h3>\n<h3>Setext two</h3>\n");
  check("> # Quoted\n", "<blockquote>\n<h3>Quoted</h3>\n</blockquote>\n");
}

static void test_images(void **state) {
  (void)state;
  check("![a *red* `car`](car.png \"title\") here",
        "<p>a red car here</p>\n");
  check("![](empty.png)", "<p></p>\n");
  check("![a ![b](c.png) d](e.png)", "<p>a b d</p>\n"); /* nested */
  check("[![logo](logo.png)](https://example.org/)",
        "<p><a href=\"https://example.org/\">logo</a></p>\n");
  check("![two\nlines](x.png)", "<p>two lines</p>\n");
  check("![ref]\n\n[ref]: x.png", "<p>ref</p>\n");
  /* alt text is text: markup in it is escaped, not omitted */
  check("![<b>x</b>](x.png)", "<p>&lt;b&gt;x&lt;/b&gt;</p>\n");
  check("![x](javascript:alert(1))", "<p>x</p>\n");
}

static void test_xss(void **state) {
  static const char *const cases[] = {
      "<script>alert(1)</script>",
      "<script src=//evil.example/x.js></script>",
      "<img src=x onerror=alert(1)>",
      "text <img src=x onerror=alert(1)> inline",
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](  javascript:alert(1) )",
      "[x](&#106;avascript:alert(1))",
      "[x](java&#x73;cript:alert(1))",
      "[x]\n\n[x]: javascript:alert(1)",
      "<a href=\"javascript:x\">y</a>",
      "<a href=\"JaVaScRiPt:x\" onclick=\"x()\">y</a>",
      "![x](javascript:alert(1))",
      "<svg onload=alert(1)>",
      "<div onmouseover=\"alert(1)\">\n\nhi\n\n</div>",
      "<iframe src=\"javascript:alert(1)\"></iframe>",
      "[x](vbscript:msgbox(1))",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "```\n<script>alert(1)</script>\n```",
      "`<script>`",
      "<scr<script>ipt>alert(1)</script>",
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *html = md_render(cases[i], strlen(cases[i]));
    assert_non_null(html);
    if (has_ci(html, "<script") || has_ci(html, "javascript:") ||
        has_ci(html, "vbscript:") || has_ci(html, "data:") ||
        has_on_attr(html) || has_ci(html, "<img") || has_ci(html, "<svg") ||
        has_ci(html, "<iframe"))
      fail_msg("unsafe output for \"%s\": %s", cases[i], html);
    free(html);
  }
  /* raw HTML becomes cmark's placeholder; the unsafe link keeps its text */
  check("<script>alert(1)</script>", "<!-- raw HTML omitted -->\n");
  check("[x](JaVaScRiPt:alert(1))", "<p><a href=\"\">x</a></p>\n");
}

/* The checker functions above must themselves find what they look for. */
static void test_checkers(void **state) {
  (void)state;
  assert_true(has_ci("<p>JAVASCRIPT:x</p>", "javascript:"));
  assert_true(has_ci("<SCRIPT>", "<script"));
  assert_true(has_on_attr("<img src=x onerror=alert(1)>"));
  assert_true(has_on_attr("<svg/onload =x>"));
  assert_false(has_on_attr("<p>on = two, upon=x</p>"));
  assert_false(has_on_attr("<p>once upon</p>"));
}

static void test_utf8(void **state) {
  (void)state;
  check("Zo\xc3\xab \xe2\x80\x94 \xf0\x9f\x98\x80",
        "<p>Zo\xc3\xab \xe2\x80\x94 \xf0\x9f\x98\x80</p>\n");
  /* invalid bytes and NUL become U+FFFD */
  check("a\xff" "b", "<p>a\xef\xbf\xbd" "b</p>\n");
  {
    char *html = md_render("a\0b", 3);
    assert_string_equal(html, "<p>a\xef\xbf\xbd" "b</p>\n");
    free(html);
  }
}

/* The library loaded at run time, not the header compiled against. */
static void test_renderer(void **state) {
  char want[64];
  (void)state;
  snprintf(want, sizeof(want), "cmark %s", cmark_version_string());
  assert_string_equal(md_renderer(), want);
  assert_ptr_equal(md_renderer(), md_renderer());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),    cmocka_unit_test(test_headings),
      cmocka_unit_test(test_images),   cmocka_unit_test(test_xss),
      cmocka_unit_test(test_checkers), cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_renderer),
  };
  return cmocka_run_group_tests_name("web_md", tests, NULL, NULL);
}
