/*
** test_web_words.c: the statement word count (src/web/words.c) against
** every vector in tests/web/words.txt (read from the repository root,
** where tests/run.sh runs), plus the count's label.  The browser test
** runs src/web/static/wordcount.js on the same file, so the C and JS
** definitions cannot drift apart.
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

#define VECTORS "tests/web/words.txt"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads \uXXXX at s (s points after the "\u"); -1 if malformed. */
static long hex4(const char *s) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    int h = hexval(s[i]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

static void put_utf8(wbuf *b, long c) {
  unsigned char u[4];
  size_t n;
  if (c < 0x80) {
    u[0] = (unsigned char)c;
    n = 1;
  } else if (c < 0x800) {
    u[0] = (unsigned char)(0xc0 | c >> 6);
    u[1] = (unsigned char)(0x80 | (c & 0x3f));
    n = 2;
  } else if (c < 0x10000) {
    u[0] = (unsigned char)(0xe0 | c >> 12);
    u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
    u[2] = (unsigned char)(0x80 | (c & 0x3f));
    n = 3;
  } else {
    u[0] = (unsigned char)(0xf0 | c >> 18);
    u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
    u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
    u[3] = (unsigned char)(0x80 | (c & 0x3f));
    n = 4;
  }
  wbuf_add(b, u, n);
}

/* Unescapes a vector's text into UTF-8 (see the file's header); a
** surrogate pair becomes one code point.  Returns 0 if malformed. */
static int unescape(const char *s, wbuf *b) {
  while (*s) {
    long c, lo;
    if (*s != '\\') {
      wbuf_add(b, s++, 1);
      continue;
    }
    switch (s[1]) {
    case 'n': wbuf_add(b, "\n", 1); s += 2; continue;
    case 't': wbuf_add(b, "\t", 1); s += 2; continue;
    case '\\': wbuf_add(b, "\\", 1); s += 2; continue;
    case 'u': break;
    default: return 0;
    }
    if ((c = hex4(s + 2)) < 0) return 0;
    s += 6;
    if (c >= 0xd800 && c <= 0xdbff) {
      if (s[0] != '\\' || s[1] != 'u' || (lo = hex4(s + 2)) < 0xdc00 ||
          lo > 0xdfff)
        return 0;
      c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
      s += 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return 0;
    }
    put_utf8(b, c);
  }
  return b->err == 0;
}

static void test_vectors(void **state) {
  FILE *fp = fopen(VECTORS, "r");
  char line[8192];
  int lineno = 0, nvec = 0, bad = 0;
  (void)state;
  if (!fp) fail_msg("cannot open %s (run from the repository root)", VECTORS);
  while (fgets(line, sizeof(line), fp)) {
    char *tab, *end;
    long want;
    size_t got, n = strlen(line);
    wbuf text;
    lineno++;
    if (n == sizeof(line) - 1)
      fail_msg("%s:%d: line too long", VECTORS, lineno);
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    tab = strchr(line, '\t');
    if (!tab) fail_msg("%s:%d: no TAB", VECTORS, lineno);
    *tab = '\0';
    want = strtol(line, &end, 10);
    if (end == line || *end || want < 0)
      fail_msg("%s:%d: bad count \"%s\"", VECTORS, lineno, line);
    wbuf_init(&text, 1 << 16);
    if (!unescape(tab + 1, &text))
      fail_msg("%s:%d: bad escape", VECTORS, lineno);
    assert_true(utf8_valid(wbuf_str(&text), text.len));
    got = words_count(wbuf_str(&text), text.len);
    if (got != (size_t)want) {
      print_error("%s:%d: want %ld words, got %zu\n", VECTORS, lineno, want,
                  got);
      bad++;
    }
    wbuf_free(&text);
    nvec++;
  }
  fclose(fp);
  assert_int_equal(bad, 0);
  assert_true(nvec >= 40); /* the file was really read */
}

/* The count is defined over the bytes given, not up to a NUL. */
static void test_lengths(void **state) {
  (void)state;
  assert_int_equal(words_count("one two", 3), 1);
  assert_int_equal(words_count("one two", 0), 0);
  assert_int_equal(words_count(NULL, 0), 0);
  assert_int_equal(words_count("a\0b c", 5), 2); /* NUL is not space */
}

/* Invalid UTF-8 (not expected: text is validated first) counts as
** non-space, one byte at a time; a truncated sequence at the end too. */
static void test_invalid_utf8(void **state) {
  (void)state;
  assert_int_equal(words_count("\xff", 1), 1);
  assert_int_equal(words_count("- \x80 -", 5), 1);
  assert_int_equal(words_count("a \xc2", 3), 2);
  assert_int_equal(words_count("\xe3\x80", 2), 1); /* cut U+3000 */
  assert_int_equal(words_count("\xc0\xa0", 2), 1); /* overlong space */
  assert_int_equal(words_count("a\xed\xa0\x80 b", 6), 2); /* surrogate */
}

static void check_label(size_t n, size_t limit, const char *want) {
  wbuf b;
  wbuf_init(&b, 100);
  words_label(&b, n, limit);
  assert_int_equal(b.err, 0);
  assert_string_equal(wbuf_str(&b), want);
  wbuf_free(&b);
}

static void test_label(void **state) {
  (void)state;
  check_label(0, 250, "0 words of 250");
  check_label(1, 250, "1 word of 250");
  check_label(2, 250, "2 words of 250");
  check_label(250, 250, "250 words of 250");
  check_label(251, 250, "251 words: over the limit of 250");
  check_label(1, 0, "1 word: over the limit of 0");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_label),
  };
  return cmocka_run_group_tests_name("web_words", tests, NULL, NULL);
}
