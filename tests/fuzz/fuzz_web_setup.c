/*
** fuzz_web_setup.c: libFuzzer target for the set-up services' input
** readers (src/web/svc_timetable.c, svc_setup.c; tests/fuzz/build.sh).
**
** The first byte chooses what is tested; the rest (cut at the first NUL)
** is the input.  Bit 4 clear: a timetable value for svc_time_parse in one
** of five zones (bits 0-2; Lord Howe has half-hour shifts, Kolkata a
** half-hour offset).  Bit 4 set: a submitted text for svcs_text (bit 0:
** multi-line, bit 1: required; the limit is 40 bytes) and svc_slug_ok.
** Promises checked (a broken one aborts):
**  - svc_time_parse says WEB_OK or WEB_EINVALID, and adds exactly one
**    field error (bad_time or time_in_gap, on the field given) exactly
**    when it says WEB_EINVALID;
**  - on WEB_OK the wall time is "YYYY-MM-DDTHH:MM" and maps back in the
**    zone to the instant, or (in a fold) to an earlier instant with the
**    same wall time; a plain wall time is stored as given;
**  - svcs_text accepts exactly when it adds no error; what it keeps is
**    valid UTF-8, at most the limit, has no CR and no controls but TAB
**    (and LF when multi-line), no spaces or tabs at either end of a
**    one-line value, and is not empty when required;
**  - svc_slug_ok accepts exactly [a-z0-9-]{1,40}.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[8] = {
    "Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC",
    "Asia/Kolkata",  "Europe/London",    "America/Santiago",    "UTC"};

static void check_time(const char *zone, const char *in) {
  verr v;
  int64_t utc = 0, back = 0;
  char wall[17];
  int off = 0, off2 = 0, gap = 0;
  size_t i;
  static const char shape[] = "dddd-dd-ddTdd:dd";
  web_status s;
  v.n = 0;
  memset(wall, 'x', sizeof wall);
  s = svc_time_parse(zone, in, "f", &utc, wall, &off, &v);
  if (s == WEB_EINVALID) {
    if (v.n != 1 || strcmp(v.e[0].field, "f") != 0) abort();
    if (strcmp(v.e[0].code, "bad_time") != 0 &&
        strcmp(v.e[0].code, "time_in_gap") != 0)
      abort();
    return;
  }
  if (s != WEB_OK || v.n != 0) abort();
  for (i = 0; i < 16; i++)
    if (shape[i] == 'd' ? wall[i] < '0' || wall[i] > '9' : wall[i] != shape[i])
      abort();
  if (wall[16] != 0) abort();
  if (tz_to_utc(zone, wall, &back, &off2, &gap) != WEB_OK) abort();
  if (back > utc) abort();
  if (back < utc) { /* a fold: the earlier instant, the same wall time */
    char w2[17];
    if (tz_from_utc(zone, back, w2, NULL, NULL) != WEB_OK ||
        strcmp(w2, wall) != 0)
      abort();
  }
  /* a plain wall time (16 characters, or 19 with ":00") is kept */
  if ((strlen(in) == 16 || strlen(in) == 19) &&
      (strncmp(wall, in, 10) != 0 || strncmp(wall + 11, in + 11, 5) != 0))
    abort();
}

static int utf8_ok(const char *s) { return utf8_valid(s, strlen(s)); }

static void check_text(const char *in, int multiline, int required) {
  verr v;
  char *out = NULL;
  size_t i, n;
  int ok;
  v.n = 0;
  ok = svcs_text(in, 40, multiline, required, "f", "F", &v, &out);
  if (ok != (v.n == 0)) abort();
  if (!ok) {
    if (out) abort();
    return;
  }
  if (!out) abort(); /* no allocation failure under the fuzzer */
  n = strlen(out);
  if (n > 40 || !utf8_ok(out) || (required && n == 0)) abort();
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)out[i];
    if (c == '\r') abort();
    if (c < 0x20 && c != '\t' && !(multiline && c == '\n')) abort();
  }
  if (!multiline && n &&
      (out[0] == ' ' || out[0] == '\t' || out[n - 1] == ' ' ||
       out[n - 1] == '\t'))
    abort();
  free(out);
}

static void check_slug(const char *in) {
  size_t n = strlen(in), i;
  int want = n >= 1 && n <= 40;
  for (i = 0; i < n; i++)
    if (!((in[i] >= 'a' && in[i] <= 'z') || (in[i] >= '0' && in[i] <= '9') ||
          in[i] == '-'))
      want = 0;
  if (svc_slug_ok(in) != want) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in;
  uint8_t mode;
  if (size < 1 || size > 4096) return 0;
  mode = data[0];
  in = malloc(size);
  if (!in) return 0;
  memcpy(in, data + 1, size - 1);
  in[size - 1] = 0;
  if (!(mode & 0x10))
    check_time(zones[mode & 7], in);
  else {
    check_text(in, mode & 1, (mode >> 1) & 1);
    check_slug(in);
  }
  free(in);
  return 0;
}
