/*
** fuzz_web_sums.c: libFuzzer target for the readers of a results pack
** that `hustings verify-results` trusts least: SHA256SUMS, election.txt
** and election-key.pem (src/cli/sums.c, compiled in; tests/fuzz/build.sh).
**
** Every input goes to all three readers.  Promises checked (a broken one
** aborts):
**  - a reader that succeeds gives only plain file names and slugs (no
**    '/', no leading '.', no ".."; slugs without dots), each once, within
**    the limits, and leaves its struct empty when it fails;
**  - SHA256SUMS: the input had exactly one line per entry;
**  - election.txt: a done contest's constraints are its own SLUG.con or
**    none, and rules are a plain word;
**  - a PEM key that is read writes back (results_pem, the service's
**    writer) to a block that reads as the same key.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/sums.c"
#include "results.h"
#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void plain(const char *s, int dots) {
  size_t n = strlen(s);
  if (!hus_name_ok(s, n) || strchr(s, '/') || s[0] == '.' ||
      strstr(s, "..") || (!dots && strchr(s, '.')))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *d = (const char *)data;
  char msg[256];
  hus_sums s;
  hus_rinfo r;
  unsigned char pk[32], back[32];
  size_t i, j, lines = 0;

  if (hus_sums_parse(d, size, &s, msg, sizeof msg) == 0) {
    for (i = 0; i < size; i++) lines += d[i] == '\n';
    if (s.n == 0 || s.n != lines || s.n > HUS_SUMS_MAX_FILES) abort();
    for (i = 0; i < s.n; i++) {
      plain(s.f[i].name, 1);
      for (j = 0; j < i; j++)
        if (strcmp(s.f[i].name, s.f[j].name) == 0) abort();
      if (hus_sums_find(&s, s.f[i].name) != &s.f[i]) abort();
    }
    hus_sums_free(&s);
  } else if (s.f || s.n || !msg[0])
    abort();

  if (hus_rinfo_parse(d, size, &r, msg, sizeof msg) == 0) {
    plain(r.election, 0);
    if (r.n > HUS_MAX_CONTESTS) abort();
    for (i = 0; i < r.n; i++) {
      plain(r.c[i].slug, 0);
      plain(r.c[i].rules, 0);
      for (j = 0; j < i; j++)
        if (strcmp(r.c[i].slug, r.c[j].slug) == 0) abort();
    }
    hus_rinfo_free(&r);
  } else if (r.c || r.n || !msg[0])
    abort();

  if (hus_pem_parse(d, size, pk) == 0) {
    wbuf b;
    wbuf_init(&b, 4096);
    results_pem(&b, pk);
    if (b.err || hus_pem_parse(b.p, b.len, back) != 0 ||
        memcmp(pk, back, 32) != 0)
      abort();
    wbuf_free(&b);
  }
  return 0;
}
