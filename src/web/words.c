/*
** words.c: the statement word count (docs/design/service.md §7).
**
** A word is a maximal run of code points that are not whitespace and
** that holds at least one character other than ASCII punctuation: "-",
** "**" and "---" alone are not words; "don't", "9." and "£5" are.
** src/web/static/wordcount.js implements the same definition in the
** browser, and both are checked against tests/web/words.txt.
*/
#include "web.h"

/* The whitespace set: exactly these, nothing locale-dependent.  U+200B
** (zero width space) is deliberately not in it. */
static int is_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The 32 ASCII punctuation characters !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
static int is_punct(uint32_t c) {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
         (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/* Decodes the code point at s[0..n) into *c and returns its length.  The
** text is normally valid UTF-8 already; a byte that does not start a
** well-formed sequence is taken alone, as a non-space character. */
static size_t next_cp(const unsigned char *s, size_t n, uint32_t *c) {
  size_t k, i;
  uint32_t v, min;
  if (s[0] < 0x80) {
    *c = s[0];
    return 1;
  }
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    k = 2;
    min = 0x80;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    k = 3;
    min = 0x800;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    k = 4;
    min = 0x10000;
  } else {
    goto invalid;
  }
  if (k > n) goto invalid;
  v = s[0] & (0x7f >> k); /* the lead byte's payload bits */
  for (i = 1; i < k; i++) {
    if ((s[i] & 0xc0) != 0x80) goto invalid;
    v = v << 6 | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) goto invalid;
  *c = v;
  return k;
invalid:
  *c = 0xfffd;
  return 1;
}

size_t words_count(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, words = 0;
  int word = 0; /* the current run has a non-punctuation character */
  while (i < n) {
    uint32_t c;
    i += next_cp(p + i, n - i, &c);
    if (is_space(c)) {
      words += (size_t)word;
      word = 0;
    } else if (!is_punct(c)) {
      word = 1;
    }
  }
  return words + (size_t)word;
}

/* "1 word of 250", "180 words of 250", "251 words: over the limit of
** 250": the text wordcount.js writes, so the page reads the same before
** and after the script runs. */
void words_label(wbuf *b, size_t n, size_t limit) {
  const char *unit = n == 1 ? "word" : "words";
  if (n > limit)
    wbuf_printf(b, "%zu %s: over the limit of %zu", n, unit, limit);
  else
    wbuf_printf(b, "%zu %s of %zu", n, unit, limit);
}
