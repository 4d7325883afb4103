/*
** fuzz_web_form.c: libFuzzer target for the service's urlencoded form
** parser and Cookie header reader (src/web/form.c; tests/fuzz/build.sh).
**
** Promises checked (a broken one aborts):
**  - form_parse returns WEB_OK, WEB_EFORM or WEB_ETOOBIG (never ENOMEM
**    on these sizes), and on error leaves the form empty;
**  - on success: at most FORM_MAX_FIELDS fields; every name is 1 to
**    FORM_MAX_NAME bytes with no NUL; every value is NUL-terminated at
**    vlen; decoding never grows the text; form_get_nth finds each field
**    in order among those with its name;
**  - cookie_find gives a NUL-terminated value shorter than cap that occurs
**    in the header, and a larger cap finds the same value.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_form(const char *s, size_t n) {
  form f;
  size_t i, j, total = 0;
  web_status st = form_parse(&f, s, n);
  if (st != WEB_OK) {
    if (st != WEB_EFORM && st != WEB_ETOOBIG) abort();
    if (f.n != 0 || f.name || f.value || f.vlen) abort();
    return;
  }
  if (f.n > FORM_MAX_FIELDS) abort();
  for (i = 0; i < f.n; i++) {
    size_t nlen = strlen(f.name[i]), k = 0;
    if (nlen == 0 || nlen > FORM_MAX_NAME) abort();
    if (f.value[i][f.vlen[i]] != '\0') abort();
    total += nlen + f.vlen[i];
    for (j = 0; j < i; j++) k += strcmp(f.name[j], f.name[i]) == 0;
    if (form_get_nth(&f, f.name[i], k) != f.value[i]) abort();
  }
  if (total > n) abort();
  form_free(&f);
  if (f.n || f.name) abort();
}

static void check_cookie(const char *header, const char *name) {
  char small[16], big[256];
  if (cookie_find(header, name, small, sizeof(small))) {
    if (strlen(small) >= sizeof(small)) abort();
    if (!strstr(header, small)) abort();
    if (!cookie_find(header, name, big, sizeof(big))) abort();
    if (strcmp(small, big) != 0) abort();
  } else if (small[0] != '\0') {
    abort();
  }
  if (cookie_find(header, name, big, sizeof(big))) {
    if (strlen(big) >= sizeof(big) || !strstr(header, big)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1), name[9];
  size_t i;
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  check_form(s, size);
  /* the header stops at the first NUL, as a C string does */
  check_cookie(s, "hs_session");
  check_cookie(s, "a");
  /* a name taken from the input itself, so matches happen often */
  for (i = 0; i < 8 && s[i] && s[i] != '=' && s[i] != ';'; i++)
    name[i] = s[i];
  name[i] = '\0';
  check_cookie(s, name);
  free(s);
  return 0;
}
