/*
** fuzz_web_tz.c: libFuzzer target for the TZif reader (src/web/tz.c;
** tests/fuzz/build.sh).
**
** An input starting "TZif" is a zone file; any other input is taken as a
** footer TZ string ("GMT0BST,M3.5.0/1,M10.5.0") and wrapped in a minimal
** version 2 file, so the POSIX rule parser is reached directly.  A zone
** that parses is asked about fixed instants, instants taken from the
** input, and wall times.  Promises checked (a broken one aborts):
**  - tz_parse gives a zone exactly when it says WEB_OK;
**  - a local time is "YYYY-MM-DDTHH:MM" with real fields, the
**    abbreviation printable ASCII and short, the offset under 26 hours;
**  - when the instant and the offset are whole minutes, that wall time
**    maps back (tz_zone_to_utc) with no gap, to the instant or to an
**    earlier one with a larger offset and the same wall time;
**  - any wall time that maps to an instant reads back as itself, with the
**    offset reported; WEB_ETZ comes with *gap = 1 and nothing else does.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIM ((int64_t)1 << 40)

static void check_local(const char out[17], const char abbr[16], int off) {
  static const char shape[] = "dddd-dd-ddTdd:dd";
  size_t i;
  for (i = 0; i < 16; i++)
    if (shape[i] == 'd' ? out[i] < '0' || out[i] > '9' : out[i] != shape[i])
      abort();
  if (out[16] != '\0' || memcmp(out + 5, "01", 2) < 0 ||
      memcmp(out + 5, "12", 2) > 0 || memcmp(out + 8, "01", 2) < 0 ||
      memcmp(out + 8, "31", 2) > 0 || memcmp(out + 11, "23", 2) > 0 ||
      memcmp(out + 14, "59", 2) > 0)
    abort();
  for (i = 0; abbr[i] != '\0'; i++)
    if (i >= 15 || abbr[i] <= ' ' || abbr[i] >= 0x7f) abort();
  if (off <= -26 * 3600 || off >= 26 * 3600) abort();
}

/* Wall time w maps to an instant that reads back as w. */
static void check_wall(const tz_zone *z, const char *w) {
  int64_t u;
  int off = 1, gap = -1, off2;
  char out[17], abbr[16];
  web_status st = tz_zone_to_utc(z, w, &u, &off, &gap);
  if ((st == WEB_ETZ) != (gap == 1)) abort();
  if (st == WEB_EINVALID) abort(); /* every wall passed here is well formed */
  if (st != WEB_OK) return;
  if (tz_zone_from_utc(z, u, out, abbr, &off2) != WEB_OK) abort();
  if (strncmp(out, w, 16) != 0 || off2 != off) abort();
}

static void check_instant(const tz_zone *z, int64_t t) {
  char out[17], abbr[16], again[17];
  int off, off2, gap = -1;
  int64_t u;
  web_status st = tz_zone_from_utc(z, t, out, abbr, &off);
  if (st != WEB_OK) {
    if (st != WEB_ETZ || out[0] != '\0') abort();
    if (t >= -LIM && t <= LIM && t > -62000000000 && t < 253000000000)
      abort(); /* only instants out of range or years past 9999 fail */
    return;
  }
  check_local(out, abbr, off);
  if (t % 60 != 0 || off % 60 != 0) return;
  st = tz_zone_to_utc(z, out, &u, &off2, &gap);
  if (st == WEB_EINVALID) { /* years outside 1970-2200 only */
    if (memcmp(out, "1970", 4) >= 0 && memcmp(out, "2200", 4) <= 0) abort();
    return;
  }
  if (st != WEB_OK || gap != 0) abort();
  if (u != t && !(u < t && off2 > off)) abort();
  if (tz_zone_from_utc(z, u, again, abbr, &off) != WEB_OK ||
      strcmp(again, out) != 0 || off != off2)
    abort();
}

/* A minimal version 2 file around footer f[0..n). */
static unsigned char *wrap(const uint8_t *f, size_t n, size_t *len) {
  static const unsigned char hdr[44] = {
      'T', 'Z', 'i', 'f', '2', [39] = 1, [43] = 4};
  static const unsigned char block[10] = {0, 0, 0, 0, 0, 0, 'U', 'T', 'C', 0};
  unsigned char *b;
  *len = 2 * (44 + sizeof(block)) + n + 2;
  if (!(b = malloc(*len))) return NULL;
  memcpy(b, hdr, 44);
  memcpy(b + 44, block, sizeof(block));
  memcpy(b + 54, b, 54);
  b[108] = '\n';
  memcpy(b + 109, f, n);
  b[*len - 1] = '\n';
  return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t fixed[] = {
      INT64_MIN, -LIM - 1, -LIM, -62167219200, -2208988800, -2147483648LL,
      -1, 0, 1, 946684800, 1806195600, 1824944400, 2147483647, 2147483648LL,
      4102444800, 7258118400, 253402300799, LIM, LIM + 1, INT64_MAX};
  static const char *const walls[] = {
      "1970-01-01T00:00", "2027-03-28T01:30", "2027-10-31T01:30:30",
      "2038-01-19T03:14:07", "2039-03-27T01:30", "2100-02-28T23:59",
      "2200-12-31T23:59:59", "2027-04-04T02:30", "2027-09-26T02:45"};
  tz_zone *z = (tz_zone *)&size;
  unsigned char *own = NULL;
  web_status st;
  size_t i, len = size;
  if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
    st = tz_parse(data, size, &z);
  } else {
    if (size > 200 || !(own = wrap(data, size, &len))) return 0;
    st = tz_parse(own, len, &z);
  }
  if ((st == WEB_OK) != (z != NULL)) abort();
  if (st == WEB_OK) {
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
      check_instant(z, fixed[i]);
    for (i = 0; i + 8 <= size && i < 64; i += 8) { /* instants from input */
      uint64_t v = 0;
      int64_t t;
      size_t k;
      for (k = 0; k < 8; k++) v = v << 8 | data[size - 1 - i - k];
      t = (int64_t)(v >> 29) - ((int64_t)1 << 34); /* years 1425-2514 */
      check_instant(z, t - t % 60);
      check_instant(z, t);
    }
    for (i = 0; i < sizeof(walls) / sizeof(walls[0]); i++)
      check_wall(z, walls[i]);
  }
  tz_zone_free(z);
  free(own);
  return 0;
}
