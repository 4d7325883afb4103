/*
** fuzz_web_words.c: libFuzzer target for the statement word count
** (src/web/words.c; tests/fuzz/build.sh).
**
** Promises checked (a broken one aborts):
**  - the count never exceeds the number of code points, nor of bytes;
**  - on valid UTF-8 it equals a second, plainly written implementation
**    below (split into tokens at whitespace, then look inside each);
**  - counting is additive across whitespace: count(a + " " + b) =
**    count(a) + count(b) for a cut at any byte where valid UTF-8 allows;
**  - words_label writes a short ASCII label without error.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes valid UTF-8 (checked by the caller) into code points; returns
** how many. */
static size_t decode(const uint8_t *s, size_t n, uint32_t *out) {
  size_t i = 0, k = 0;
  while (i < n) {
    uint32_t c = s[i];
    size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, j;
    if (len > 1) c &= 0x3fu >> (len - 1);
    for (j = 1; j < len; j++) c = c << 6 | (s[i + j] & 0x3f);
    out[k++] = c;
    i += len;
  }
  return k;
}

static int ref_space(uint32_t c) {
  static const uint32_t set[] = {0x09,   0x0a,   0x0b,   0x0c,   0x0d,
                                 0x20,   0x85,   0xa0,   0x1680, 0x2028,
                                 0x2029, 0x202f, 0x205f, 0x3000};
  size_t i;
  if (c >= 0x2000 && c <= 0x200a) return 1;
  for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
    if (set[i] == c) return 1;
  return 0;
}

static size_t ref_count(const uint32_t *cp, size_t n) {
  static const char punct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  size_t i = 0, words = 0;
  while (i < n) {
    size_t start, j;
    while (i < n && ref_space(cp[i])) i++;
    start = i;
    while (i < n && !ref_space(cp[i])) i++;
    for (j = start; j < i; j++)
      if (cp[j] == 0 || cp[j] > 0x7f || !strchr(punct, (int)cp[j])) {
        words++;
        break;
      }
  }
  return words;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  size_t got = words_count(s, size), ncp = 0, i;
  wbuf b;
  if (got > size) abort();
  for (i = 0; i < size; i++) ncp += (data[i] & 0xc0) != 0x80;
  if (utf8_valid(s, size)) {
    uint32_t *cp = malloc((size + 1) * sizeof(*cp));
    char *joined = malloc(size + 1);
    size_t mid = size / 2;
    if (!cp || !joined) abort();
    if (got > ncp) abort();
    if (decode(data, size, cp) != ncp) abort();
    if (ref_count(cp, ncp) != got) abort();
    /* cut at a character boundary and join with a space */
    while (mid > 0 && (data[mid] & 0xc0) == 0x80) mid--;
    memcpy(joined, s, mid);
    joined[mid] = ' ';
    memcpy(joined + mid + 1, s + mid, size - mid);
    if (words_count(joined, size + 1) !=
        words_count(s, mid) + words_count(s + mid, size - mid))
      abort();
    free(joined);
    free(cp);
  }
  wbuf_init(&b, 100);
  words_label(&b, got, size);
  if (b.err || b.len < 10) abort();
  wbuf_free(&b);
  return 0;
}
