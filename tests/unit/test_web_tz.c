/*
** test_web_tz.c: src/web/tz.c, the service's own TZif reader, against
** glibc and against hostile files.
**
**  - every hour from 2020 to 2040 in eight zones, tz_from_utc must give
**    glibc localtime_r's local time, offset and abbreviation (this test is
**    single-threaded, so it may setenv("TZ")), and tz_to_utc must map the
**    wall time back (to the earlier instant in an overlap);
**  - footer-only zones built here are compared with glibc reading the same
**    POSIX TZ string (negative DST, Jn and n days, 167-hour times);
**  - gaps, overlaps, strict wall-time parsing, zone names, the display
**    form, every truncation of a real file and targeted corruptions;
**  - the cache from eight threads, and past its 32 entries.
**
** main() points $HUSTINGS_ZONEINFO at a temporary directory (before the
** first tz call: it is read once) holding links to the system zone
** directories, but no UTC file (so "UTC" takes the built-in fallback),
** and a few files of our own: a copy of Europe/London under another
** name, names 64 and 65 bytes long, and broken files.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web.h"

#define SYS "/usr/share/zoneinfo"

static char dir[64];
static unsigned char *london;
static size_t london_len;
static char name64[80], name65[80];

static const char *const zones[] = {
    "Europe/London",     "Europe/Dublin",   "America/New_York",
    "Australia/Sydney",  "Asia/Kolkata",    "America/Sao_Paulo",
    "Pacific/Chatham",   "UTC",             "Etc/UTC"};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

static int64_t utc_of(int y, int mo, int d, int h, int mi) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return (int64_t)timegm(&tm);
}

static void glibc_tz(const char *tz) {
  if (setenv("TZ", tz, 1) != 0) fail_msg("setenv");
  tzset();
}

/* glibc's reading of t in the current TZ, in tz_from_utc's shape. */
static void glibc_local(int64_t t, char out[64], char abbr[64], long *off) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!localtime_r(&tt, &tm)) fail_msg("localtime_r");
  snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  snprintf(abbr, 64, "%s", tm.tm_zone);
  *off = tm.tm_gmtoff;
}

/* --------------------------------------------------- against glibc */

/* Every hour of 2020-2040 in zone: from_utc as glibc; to_utc back to the
** same instant, or in an overlap to an earlier one with the same wall
** time and a larger offset.  Returns the number of overlap hours. */
static int sweep(const char *zone) {
  int64_t t, t1 = utc_of(2040, 12, 31, 23, 0);
  int overlaps = 0;
  glibc_tz(zone);
  for (t = utc_of(2020, 1, 1, 0, 0); t <= t1; t += 3600) {
    char want[64], wabbr[64], out[17], abbr[16], again[17];
    long woff;
    int off, off2, gap = -1;
    int64_t u;
    glibc_local(t, want, wabbr, &woff);
    if (tz_from_utc(zone, t, out, abbr, &off) != WEB_OK)
      fail_msg("%s at %lld: failed", zone, (long long)t);
    if (strcmp(out, want) != 0 || strcmp(abbr, wabbr) != 0 || off != woff)
      fail_msg("%s at %lld: %s %s %d, glibc %s %s %ld", zone, (long long)t,
               out, abbr, off, want, wabbr, woff);
    if (tz_to_utc(zone, out, &u, &off2, &gap) != WEB_OK || gap != 0)
      fail_msg("%s: %s does not map back", zone, out);
    if (u == t && off2 == off) continue;
    if (!(u < t && off2 > off) ||
        tz_from_utc(zone, u, again, NULL, NULL) != WEB_OK ||
        strcmp(again, out) != 0)
      fail_msg("%s: %s maps back to %lld, not %lld", zone, out,
               (long long)u, (long long)t);
    overlaps++;
  }
  return overlaps;
}

static void test_vs_glibc(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < NZONES; i++) {
    int n = sweep(zones[i]);
    /* 21 autumns of one repeated hour each where clocks change */
    if (strstr(zones[i], "Kolkata") || strstr(zones[i], "Sao_Paulo") ||
        strstr(zones[i], "UTC"))
      assert_int_equal(n, 0);
    else
      assert_int_equal(n, 21);
  }
}

/* ------------------------------------------------ gaps and overlaps */

static void test_gap_overlap(void **state) {
  static const struct {
    const char *zone, *wall;
    int gap;   /* 1: expect WEB_ETZ with *gap */
    int y, mo, d, h, mi, off; /* else the UTC instant and offset */
  } c[] = {
      {"Europe/London", "2027-03-28T01:30", 1, 0, 0, 0, 0, 0, 0},
      {"Europe/London", "2027-03-28T00:59:59", 0, 2027, 3, 28, 0, 59, 0},
      {"Europe/London", "2027-03-28T02:00", 0, 2027, 3, 28, 1, 0, 3600},
      {"Europe/London", "2027-10-31T01:30", 0, 2027, 10, 31, 0, 30, 3600},
      {"Europe/London", "2027-10-31T02:00", 0, 2027, 10, 31, 2, 0, 0},
      /* after the file's last transition (2037): the footer rule */
      {"Europe/London", "2039-03-27T01:30", 1, 0, 0, 0, 0, 0, 0},
      {"Europe/London", "2039-10-30T01:30", 0, 2039, 10, 30, 0, 30, 3600},
      {"Europe/Dublin", "2027-10-31T01:30", 0, 2027, 10, 31, 0, 30, 3600},
      {"Europe/Dublin", "2039-03-27T01:30", 1, 0, 0, 0, 0, 0, 0},
      {"America/New_York", "2027-03-14T02:30", 1, 0, 0, 0, 0, 0, 0},
      {"America/New_York", "2027-11-07T01:30", 0, 2027, 11, 7, 5, 30,
       -4 * 3600},
      {"Australia/Sydney", "2027-10-03T02:30", 1, 0, 0, 0, 0, 0, 0},
      {"Australia/Sydney", "2027-04-04T02:30", 0, 2027, 4, 3, 15, 30,
       11 * 3600},
      {"Pacific/Chatham", "2027-09-26T03:00", 1, 0, 0, 0, 0, 0, 0},
      {"Asia/Kolkata", "2027-03-28T01:30", 0, 2027, 3, 27, 20, 0, 19800},
      {"UTC", "2200-12-31T23:59:59", 0, 2200, 12, 31, 23, 59, 0},
      {"Etc/UTC", "1970-01-01T00:00", 0, 1970, 1, 1, 0, 0, 0},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    int64_t u = -1;
    int off = -1, gap = -1;
    web_status st = tz_to_utc(c[i].zone, c[i].wall, &u, &off, &gap);
    if (c[i].gap) {
      if (st != WEB_ETZ || gap != 1)
        fail_msg("%s %s: want a gap, got %d gap %d", c[i].zone, c[i].wall,
                 (int)st, gap);
      continue;
    }
    int64_t want = utc_of(c[i].y, c[i].mo, c[i].d, c[i].h, c[i].mi);
    if (strlen(c[i].wall) == 19) want += 59;
    if (st != WEB_OK || gap != 0 || u != want || off != c[i].off)
      fail_msg("%s %s: got %d %lld %d, want %lld %d", c[i].zone, c[i].wall,
               (int)st, (long long)u, off, (long long)want, c[i].off);
  }
}

static void test_bad_wall(void **state) {
  static const char *const bad[] = {
      "2027-02-29T10:00", "2027-13-01T00:00", "2027-1-01T00:00",
      "2027-06-01T12:00Z", "2027-06-01T12:00:00Z", "2027-06-01T12:00:",
      "2027-06-01T12:00:6", "2027-06-01T24:00", "2027-06-01T12:60",
      "2027-06-01T12:00:60", "2027-06-01 12:00", "2027-06-01t12:00",
      "2027-00-10T12:00", "2027-04-31T12:00", "2027-06-00T12:00",
      "2100-02-29T00:00", "1969-12-31T23:59", "2201-01-01T00:00",
      "+027-06-01T12:00", "2027-06-01T1:000", "", "2027-06-01",
      "2027-06-01T12:00\n", " 2027-06-01T12:00", "2027-06-01T12:0a"};
  int64_t u;
  int off, gap;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gap = -1;
    if (tz_to_utc("Europe/London", bad[i], &u, &off, &gap) != WEB_EINVALID ||
        gap != 0)
      fail_msg("accepted \"%s\"", bad[i]);
  }
  assert_int_equal(tz_to_utc("Europe/London", NULL, &u, &off, &gap),
                   WEB_EINVALID);
  /* leap days that exist, seconds, and NULL out-parameters */
  assert_int_equal(tz_to_utc("UTC", "2024-02-29T10:00", &u, NULL, NULL),
                   WEB_OK);
  assert_true(u == utc_of(2024, 2, 29, 10, 0));
  assert_int_equal(tz_to_utc("UTC", "2000-02-29T10:00:07", &u, &off, &gap),
                   WEB_OK);
  assert_true(u == utc_of(2000, 2, 29, 10, 0) + 7);
  /* an unknown zone is not a gap */
  gap = -1;
  assert_int_equal(tz_to_utc("Europe/Nowhere", "2027-06-01T12:00", &u, &off,
                             &gap), WEB_ETZ);
  assert_int_equal(gap, 0);
}

/* ------------------------------------------------------------ names */

static void test_names(void **state) {
  static const char *const good[] = {
      "Europe/London", "UTC", "Etc/UTC", "Etc/GMT+5", "Etc/GMT-14",
      "America/Argentina/Buenos_Aires", "America/Port-au-Prince",
      "Test/London"};
  static const char *const bad[] = {
      "../etc/passwd", "Europe//London", "", "Europe/Nowhere",
      "/Europe/London", "Europe/London/", "Europe/./London", "Europe/..",
      "Europe/London\n", "Europe/Lon don", "Europe\\London", "Europe",
      "Bad/Truncated", "Bad/Empty", "Bad/Dir", "Bad/Text", "Bad/Fifo",
      "Europe/London.", "Europe/L\xc3\xb6ndon"};
  char out[17], abbr[16];
  int off;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    if (!tz_valid(good[i])) fail_msg("refused %s", good[i]);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (tz_valid(bad[i])) fail_msg("accepted %s", bad[i]);
  assert_false(tz_valid(NULL));
  /* both files exist in the test directory; only the first name is legal */
  assert_int_equal(strlen(name64), 64);
  assert_true(tz_valid(name64));
  assert_false(tz_valid(name65));
  /* a broken file is an unknown zone everywhere, and says so again */
  assert_int_equal(tz_from_utc("Bad/Truncated", 0, out, abbr, &off), WEB_ETZ);
  assert_string_equal(out, "");
  assert_int_equal(tz_from_utc("Bad/Truncated", 0, out, abbr, &off), WEB_ETZ);
  assert_int_equal(tz_display("../etc/passwd", 0, out, sizeof(out)), WEB_ETZ);
  /* the copy under $HUSTINGS_ZONEINFO reads as the original */
  assert_int_equal(tz_from_utc("Test/London", utc_of(2031, 7, 1, 9, 0), out,
                               abbr, &off), WEB_OK);
  assert_string_equal(out, "2031-07-01T10:00");
  assert_string_equal(abbr, "BST");
  assert_int_equal(off, 3600);
}

/* ---------------------------------------------------------- display */

static void test_display(void **state) {
  char out[64], small[20];
  (void)state;
  assert_int_equal(tz_display("Europe/London", utc_of(2027, 3, 17, 17, 0),
                              out, sizeof(out)), WEB_OK);
  assert_string_equal(out, "Wed 17 March 2027, 17:00 GMT");
  assert_int_equal(tz_display("Europe/London", utc_of(2027, 7, 1, 12, 5),
                              out, sizeof(out)), WEB_OK);
  assert_string_equal(out, "Thu 1 July 2027, 13:05 BST");
  assert_int_equal(tz_display("Australia/Sydney", utc_of(2026, 12, 31, 13, 0),
                              out, sizeof(out)), WEB_OK);
  assert_string_equal(out, "Fri 1 January 2027, 00:00 AEDT");
  assert_int_equal(tz_display("Asia/Kolkata", utc_of(2028, 2, 29, 0, 0),
                              out, sizeof(out)), WEB_OK);
  assert_string_equal(out, "Tue 29 February 2028, 05:30 IST");
  assert_int_equal(tz_display("America/Sao_Paulo", utc_of(2030, 9, 1, 0, 0),
                              out, sizeof(out)), WEB_OK);
  assert_string_equal(out, "Sat 31 August 2030, 21:00 -03");
  assert_int_equal(tz_display("UTC", utc_of(1999, 12, 26, 23, 59), out,
                              sizeof(out)), WEB_OK);
  assert_string_equal(out, "Sun 26 December 1999, 23:59 UTC");
  assert_int_equal(tz_display("UTC", 0, small, sizeof(small)), WEB_ETOOBIG);
  assert_string_equal(small, "");
  /* instants whose local year has no four digits */
  assert_int_equal(tz_display("UTC", INT64_MAX, out, sizeof(out)), WEB_ETZ);
  assert_int_equal(tz_from_utc("UTC", 253402300799, small, NULL, NULL),
                   WEB_OK);
  assert_string_equal(small, "9999-12-31T23:59");
  assert_int_equal(tz_from_utc("Pacific/Kiritimati", 253402300799, small,
                               NULL, NULL), WEB_ETZ);
  assert_int_equal(tz_from_utc("UTC", INT64_MIN, small, NULL, NULL), WEB_ETZ);
  assert_int_equal(tz_from_utc("UTC", -62167219200, small, NULL, NULL),
                   WEB_OK);
  assert_string_equal(small, "0000-01-01T00:00");
}

/* ------------------------------------------------- synthetic TZif files */

static void be(unsigned char *p, uint64_t v, int n) {
  while (n-- > 0) {
    p[n] = (unsigned char)v;
    v >>= 8;
  }
}

/* A TZif image with a minimal v1 block and the v2 block and footer
** described; exactly sized, so ASan sees any read past it. */
typedef struct spec {
  char version;
  size_t ntypes, nchars, n, nstd, nut, nleap;
  int64_t off[3];
  unsigned char isdst[3], ai[3];
  const char *chars;
  int64_t at[3];
  unsigned char idx[3];
  const char *footer; /* between the two newlines; NULL: no footer at all */
  size_t footer_len;  /* 0: strlen(footer) */
} spec;

static size_t rd32(const unsigned char *p) {
  return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

static unsigned char *build(const spec *s, size_t *len) {
  size_t flen = s->footer ? (s->footer_len ? s->footer_len
                                           : strlen(s->footer)) + 2 : 0;
  size_t v2 = s->n * 9 + s->ntypes * 6 + s->nchars + s->nleap * 12 +
              s->nstd + s->nut;
  size_t i;
  unsigned char *b, *p;
  *len = 44 + 7 + 44 + v2 + flen;
  b = calloc(1, *len);
  assert_non_null(b);
  memcpy(b, "TZif", 4);
  b[4] = (unsigned char)s->version;
  be(b + 36, 1, 4); /* v1: one type, one char */
  be(b + 40, 1, 4);
  p = b + 51;
  memcpy(p, "TZif", 4);
  p[4] = (unsigned char)s->version;
  be(p + 20, s->nut, 4);
  be(p + 24, s->nstd, 4);
  be(p + 28, s->nleap, 4);
  be(p + 32, s->n, 4);
  be(p + 36, s->ntypes, 4);
  be(p + 40, s->nchars, 4);
  p += 44;
  for (i = 0; i < s->n; i++) be(p + 8 * i, (uint64_t)s->at[i], 8);
  p += 8 * s->n;
  for (i = 0; i < s->n; i++) *p++ = s->idx[i];
  for (i = 0; i < s->ntypes; i++, p += 6) {
    be(p, (uint64_t)s->off[i], 4);
    p[4] = s->isdst[i];
    p[5] = s->ai[i];
  }
  memcpy(p, s->chars, s->nchars);
  p += s->nchars + s->nleap * 12 + s->nstd + s->nut;
  if (s->footer) {
    *p++ = '\n';
    memcpy(p, s->footer, flen - 2);
    p[flen - 2] = '\n';
  }
  return b;
}

static web_status parse_spec(const spec *s, tz_zone **z) {
  size_t len;
  unsigned char *b = build(s, &len);
  web_status st = tz_parse(b, len, z);
  free(b);
  return st;
}

/* Two types and two transitions: GMT, BST in 2027, GMT, then the rule. */
static spec base(void) {
  spec s;
  memset(&s, 0, sizeof(s));
  s.version = '2';
  s.ntypes = 2;
  s.off[1] = 3600;
  s.isdst[1] = 1;
  s.ai[1] = 4;
  s.chars = "GMT\0BST";
  s.nchars = 8;
  s.n = 2;
  s.at[0] = utc_of(2027, 3, 28, 1, 0);
  s.at[1] = utc_of(2027, 10, 31, 1, 0);
  s.idx[0] = 1;
  s.footer = "GMT0BST,M3.5.0/1,M10.5.0";
  return s;
}

static void test_parse_synthetic(void **state) {
  tz_zone *z = NULL;
  spec s = base();
  char out[17], abbr[16];
  int off, gap;
  int64_t u;
  (void)state;
  assert_int_equal(parse_spec(&s, &z), WEB_OK);
  assert_int_equal(tz_zone_from_utc(z, utc_of(2027, 6, 1, 0, 0), out, abbr,
                                    &off), WEB_OK);
  assert_string_equal(out, "2027-06-01T01:00");
  assert_string_equal(abbr, "BST");
  /* before the first transition: type 0 */
  assert_int_equal(tz_zone_from_utc(z, utc_of(1900, 6, 1, 0, 0), out, abbr,
                                    &off), WEB_OK);
  assert_string_equal(abbr, "GMT");
  assert_int_equal(tz_zone_to_utc(z, "2027-03-28T01:30", &u, &off, &gap),
                   WEB_ETZ);
  assert_int_equal(gap, 1);
  tz_zone_free(z);
  tz_zone_free(NULL);

  /* versions 3 and 4, leap seconds, indicators, bytes after the footer
  ** and an empty footer (the last type rules) are fine */
  s.version = '3';
  s.nleap = 2;
  s.nstd = s.nut = 2;
  assert_int_equal(parse_spec(&s, &z), WEB_OK);
  tz_zone_free(z);
  s = base();
  s.version = '4';
  s.footer = "GMT0BST,M3.5.0/1,M10.5.0\nTRAILING";
  s.footer_len = strlen(s.footer) - 1;
  assert_int_equal(parse_spec(&s, &z), WEB_OK);
  tz_zone_free(z);
  s = base();
  s.footer = "";
  s.idx[1] = 1;
  assert_int_equal(parse_spec(&s, &z), WEB_OK);
  assert_int_equal(tz_zone_from_utc(z, utc_of(2100, 1, 1, 0, 0), out, abbr,
                                    &off), WEB_OK);
  assert_string_equal(abbr, "BST");
  tz_zone_free(z);
}

static void test_parse_corrupt(void **state) {
  /* Each case breaks one rule of RFC 8536 (or one of our limits). */
  enum { IDX, ORDER, SAME, ABBRIND, OFFSET, OFFSET_NEG, ISDST, NOTYPES,
         NOCHARS, LONGABBR, CTRLABBR, STDCNT, UTCNT, V1, NOFOOTER, FOOTNUL,
         FOOTLONG, FOOTEND, NCASES };
  char longfoot[200];
  int k;
  (void)state;
  memset(longfoot, 'A', sizeof(longfoot));
  for (k = 0; k < NCASES; k++) {
    spec s = base();
    tz_zone *z = (tz_zone *)&s; /* must come back NULL */
    switch (k) {
    case IDX: s.idx[1] = 2; break;
    case ORDER: s.at[1] = s.at[0] - 1; break;
    case SAME: s.at[1] = s.at[0]; break;
    case ABBRIND: s.ai[1] = 8; break;
    case OFFSET: s.off[1] = 93600; break;
    case OFFSET_NEG: s.off[0] = -93600; break;
    case ISDST: s.isdst[1] = 2; break;
    case NOTYPES: s.ntypes = 0; s.n = 0; break;
    case NOCHARS: s.nchars = 0; s.ai[1] = 0; break;
    case LONGABBR: s.chars = "GMT\0ABCDEFGHIJKLMNOP"; s.nchars = 21; break;
    case CTRLABBR: s.chars = "GMT\0B\x01T"; break;
    case STDCNT: s.nstd = 1; break;
    case UTCNT: s.nut = 3; break;
    case V1: s.version = '1'; break;
    case NOFOOTER: s.footer = NULL; break;
    case FOOTNUL: s.footer = "GMT0\0BST"; s.footer_len = 8; break;
    case FOOTLONG: s.footer = longfoot; s.footer_len = sizeof(longfoot); break;
    case FOOTEND: /* no closing newline: drop the last byte */ break;
    }
    if (k == FOOTEND) {
      size_t len;
      unsigned char *b = build(&s, &len);
      assert_int_equal(tz_parse(b, len - 1, &z), WEB_ETZ);
      free(b);
    } else if (parse_spec(&s, &z) != WEB_ETZ) {
      fail_msg("corruption %d accepted", k);
    }
    assert_null(z);
  }
}

/* Every proper prefix of a real file is refused (the footer's closing
** newline is the last byte), and header damage too; ASan checks that no
** byte past each prefix is read. */
static void test_parse_truncated(void **state) {
  size_t n;
  tz_zone *z;
  unsigned char *b;
  int h;
  (void)state;
  if (!london) skip();
  assert_int_equal(tz_parse(london, london_len, &z), WEB_OK);
  tz_zone_free(z);
  for (n = 0; n < london_len; n++) {
    b = malloc(n ? n : 1);
    memcpy(b, london, n);
    if (tz_parse(b, n, &z) != WEB_ETZ || z != NULL)
      fail_msg("prefix of %zu bytes accepted", n);
    free(b);
  }
  assert_int_equal(tz_parse(NULL, 0, &z), WEB_ETZ);
  /* Damage to either header: the magic, a version below 2, or a count
  ** made huge (top byte flipped) must be refused. */
  b = malloc(london_len);
  assert_non_null(b);
  for (h = 0; h < 2; h++) {
    size_t at = 0;
    int i;
    if (h == 1) /* the second header follows the v1 block */
      at = 44 + rd32(london + 20) + rd32(london + 24) + rd32(london + 28) * 8 +
           rd32(london + 32) * 5 + rd32(london + 36) * 6 + rd32(london + 40);
    for (i = 0; i < 11; i++) {
      size_t k = at + (i <= 4 ? (size_t)i : 20 + 4 * (size_t)(i - 5));
      memcpy(b, london, london_len);
      if (i == 4) b[k] = '1';
      else b[k] ^= 0xff;
      if (tz_parse(b, london_len, &z) != WEB_ETZ)
        fail_msg("header %d byte %zu damaged, accepted", h, k - at);
    }
  }
  free(b);
  /* bigger than TZ_FILE_MAX */
  b = calloc(1, TZ_FILE_MAX + 1);
  memcpy(b, london, london_len);
  assert_int_equal(tz_parse(b, TZ_FILE_MAX + 1, &z), WEB_ETZ);
  free(b);
}

/* ------------------------------------------- POSIX footers against glibc */

static const char *const good_footers[] = {
    "GMT0BST,M3.5.0/1,M10.5.0",
    "IST-1GMT0,M10.5.0,M3.5.0/1",
    "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "EST5EDT,M3.2.0,M11.1.0",
    "<+0530>-5:30",
    "<-03>3",
    "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
    "NZST-12NZDT-13:00:00,M9.5.0,M4.1.0/3",
    "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "EST5EDT,J60/2,J300/2",
    "CET-1CEST,59/2,280/3",
    "XXX3YYY,M3.2.0/167,M11.1.0/-167",
    "<+14>-14",
    "AAA+3:07:09BBB+2,M2.5.6/23:59:59,M12.5.0/-0:00:01",
};

static void test_footers_vs_glibc(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(good_footers) / sizeof(good_footers[0]); i++) {
    spec s = base();
    tz_zone *z;
    int64_t t, t1 = utc_of(2031, 1, 1, 0, 0);
    s.n = 0;
    s.footer = good_footers[i];
    if (parse_spec(&s, &z) != WEB_OK) fail_msg("refused %s", s.footer);
    glibc_tz(s.footer);
    for (t = utc_of(2023, 1, 1, 0, 0); t < t1; t += 1800) {
      char want[64], wabbr[64], out[17], abbr[16];
      long woff;
      int off;
      glibc_local(t, want, wabbr, &woff);
      if (tz_zone_from_utc(z, t, out, abbr, &off) != WEB_OK ||
          strcmp(out, want) != 0 || strcmp(abbr, wabbr) != 0 || off != woff)
        fail_msg("%s at %lld: %s %s %d, glibc %s %s %ld", s.footer,
                 (long long)t, out, abbr, off, want, wabbr, woff);
    }
    tz_zone_free(z);
  }
}

/* RFC 8536's example of daylight saving all year.  glibc disagrees for
** the first hours of each UTC year (it looks only at the current UTC
** year's rule), so this one is checked on its own. */
static void test_footer_all_year(void **state) {
  spec s = base();
  tz_zone *z;
  int64_t t;
  (void)state;
  s.n = 0;
  s.footer = "EST5EDT,0/0,J365/25";
  assert_int_equal(parse_spec(&s, &z), WEB_OK);
  for (t = utc_of(2023, 1, 1, 0, 0); t < utc_of(2029, 1, 1, 0, 0); t += 1800) {
    char out[17], abbr[16];
    int off;
    if (tz_zone_from_utc(z, t, out, abbr, &off) != WEB_OK ||
        strcmp(abbr, "EDT") != 0 || off != -4 * 3600)
      fail_msg("at %lld: %s %s %d", (long long)t, out, abbr, off);
  }
  tz_zone_free(z);
}

static void test_bad_footers(void **state) {
  static const char *const bad[] = {
      "GMT0BST", "GMT", "GM0", "0", "GMT25", "GMT-25", "GMT0:60",
      "GMT0BST,M13.5.0,M10.5.0", "GMT0BST,M0.5.0,M10.5.0",
      "GMT0BST,M3.6.0,M10.5.0", "GMT0BST,M3.0.0,M10.5.0",
      "GMT0BST,M3.5.7,M10.5.0", "GMT0BST,M3.5.0/168,M10.5.0",
      "GMT0BST,M3.5.0/-168,M10.5.0", "GMT0BST,J0,J365", "GMT0BST,366,0",
      "GMT0BST,J366,0", "<+05", "<+0>-5", "<+05>>-5", "GMT0 ",
      "GMT0BST,M3.5.0", "GMT0BST,M3.5.0,M10.5.0,", "GMT0BST,M3.5.0,",
      "GMT0BST,M3.5.0/1:60,M10.5.0", "GMT0BST,M3.5.0/,M10.5.0",
      "ABCDEFGHIJKLMNOP0", "<ABCDEFGHIJKLMNOP>0", "GMT0BST,M3.5,M10.5.0",
      "GMT0BST,M3..0,M10.5.0", "GMT0BST,M3.5.0/0001,M10.5.0", "GMT+",
      "GMT0BST1:2:3:4,M3.5.0,M10.5.0", "GMT0BST,M3.5.0;M10.5.0", "GMT\t0",
      "<GM T>0", "G1T0"};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    spec s = base();
    tz_zone *z;
    s.footer = bad[i];
    if (parse_spec(&s, &z) != WEB_ETZ) fail_msg("accepted %s", bad[i]);
  }
}

/* ------------------------------------------------------------- cache */

/* Eight threads load six zones not used before (racing to insert them in
** the cache) and convert with them; the answers were computed by glibc
** beforehand, on this thread. */
static const char *const tzones[] = {"Asia/Singapore", "Europe/Vienna",
                                     "America/Toronto", "Africa/Nairobi",
                                     "Asia/Shanghai", "America/Bogota"};
#define NT (sizeof(tzones) / sizeof(tzones[0]))
#define NI 200

typedef struct job {
  int64_t t[NI];
  char want[NT][NI][64], wabbr[NT][NI][64];
  long woff[NT][NI];
  int bad[8];
} job;

static job j;

static void *worker(void *arg) {
  int *bad = arg, round, k;
  size_t i;
  for (round = 0; round < 20; round++)
    for (i = 0; i < NT; i++)
      for (k = 0; k < NI; k++) {
        char out[17], abbr[16];
        int off;
        int64_t u;
        if (tz_from_utc(tzones[i], j.t[k], out, abbr, &off) != WEB_OK ||
            strcmp(out, j.want[i][k]) != 0 ||
            strcmp(abbr, j.wabbr[i][k]) != 0 || off != j.woff[i][k] ||
            tz_to_utc(tzones[i], out, &u, NULL, NULL) != WEB_OK)
          (*bad)++;
      }
  return NULL;
}

static void test_threads(void **state) {
  pthread_t th[8];
  size_t i;
  int k;
  (void)state;
  for (k = 0; k < NI; k++)
    j.t[k] = utc_of(2029, 1, 1, 11, 0) + (int64_t)k * 86400 * 3 + k * 607;
  for (i = 0; i < NT; i++) {
    glibc_tz(tzones[i]);
    for (k = 0; k < NI; k++)
      glibc_local(j.t[k], j.want[i][k], j.wabbr[i][k], &j.woff[i][k]);
  }
  for (k = 0; k < 8; k++)
    assert_int_equal(pthread_create(&th[k], NULL, worker, &j.bad[k]), 0);
  for (k = 0; k < 8; k++) pthread_join(th[k], NULL);
  for (k = 0; k < 8; k++) assert_int_equal(j.bad[k], 0);
}

/* More zones than the cache holds still work, and (under ASan) leak no
** memory. */
static void test_cache_full(void **state) {
  static const char *const many[] = {
      "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
      "Europe/Lisbon", "Europe/Oslo", "Europe/Helsinki", "Europe/Athens",
      "Europe/Moscow", "Europe/Kyiv", "America/Chicago", "America/Denver",
      "America/Los_Angeles", "America/Anchorage", "America/Halifax",
      "America/St_Johns", "America/Mexico_City", "America/Santiago",
      "America/Havana", "America/Nuuk", "Asia/Tokyo", "Asia/Tehran",
      "Asia/Kathmandu", "Asia/Gaza", "Asia/Jerusalem", "Asia/Beirut",
      "Australia/Adelaide", "Australia/Lord_Howe", "Australia/Perth",
      "Pacific/Auckland", "Pacific/Apia", "Pacific/Kiritimati",
      "Pacific/Norfolk", "Africa/Cairo", "Africa/Casablanca",
      "Atlantic/Azores",
      "Antarctica/Troll", "America/Asuncion", "Asia/Dhaka", "Europe/Chisinau"};
  size_t i;
  int pass;
  (void)state;
  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
      int64_t t = utc_of(2033 + (int)i % 5, 1 + (int)i % 12, 9, 12, 0);
      char want[64], wabbr[64], out[17], abbr[16];
      long woff;
      int off;
      glibc_tz(many[i]);
      glibc_local(t, want, wabbr, &woff);
      if (tz_from_utc(many[i], t, out, abbr, &off) != WEB_OK ||
          strcmp(out, want) != 0 || strcmp(abbr, wabbr) != 0 || off != woff)
        fail_msg("%s: %s %s %d, glibc %s %s %ld", many[i], out, abbr, off,
                 want, wabbr, woff);
    }
}

/* ------------------------------------------------------------ setup */

static int put_file(const char *name, const void *data, size_t len) {
  char path[256];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (!(fp = fopen(path, "wb"))) return -1;
  if (len && fwrite(data, 1, len, fp) != len) {
    fclose(fp);
    return -1;
  }
  return fclose(fp);
}

static const char *const links[] = {"Europe", "America", "Australia", "Asia",
                                    "Pacific", "Etc", "Africa", "Atlantic",
                                    "Antarctica"};
#define NLINKS (sizeof(links) / sizeof(links[0]))

static int make_dir(void) {
  char path[256], target[128];
  FILE *fp;
  size_t i;
  long n;
  snprintf(dir, sizeof(dir), "/tmp/test_web_tz.XXXXXX");
  if (!mkdtemp(dir)) return -1;
  for (i = 0; i < NLINKS; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, links[i]);
    snprintf(target, sizeof(target), SYS "/%s", links[i]);
    if (symlink(target, path) != 0) return -1;
  }
  if (!(fp = fopen(SYS "/Europe/London", "rb"))) return -1;
  if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 ||
      fseek(fp, 0, SEEK_SET) != 0 || !(london = malloc((size_t)n)) ||
      fread(london, 1, (size_t)n, fp) != (size_t)n) {
    fclose(fp);
    return -1;
  }
  fclose(fp);
  london_len = (size_t)n;
  snprintf(path, sizeof(path), "%s/Test", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/Bad", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/Bad/Dir", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/Bad/Fifo", dir);
  mkfifo(path, 0600);
  memset(name64, 'x', 64);
  memcpy(name64, "Test/", 5);
  memcpy(name65, name64, 64);
  name65[64] = 'x';
  if (put_file("Test/London", london, london_len) ||
      put_file(name64, london, london_len) ||
      put_file(name65, london, london_len) ||
      put_file("Bad/Truncated", london, london_len / 2) ||
      put_file("Bad/Empty", "", 0) ||
      put_file("Bad/Text", "Europe/London is not a TZif file\n", 33))
    return -1;
  return setenv("HUSTINGS_ZONEINFO", dir, 1);
}

static void remove_dir(void) {
  static const char *const files[] = {"Test/London", "Bad/Truncated",
                                      "Bad/Empty", "Bad/Text", "Bad/Fifo",
                                      "Bad/Dir", "Bad", "Test"};
  char path[256];
  size_t i;
  for (i = 0; i < NLINKS; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, links[i]);
    unlink(path);
  }
  snprintf(path, sizeof(path), "%s/%s", dir, name64);
  unlink(path);
  snprintf(path, sizeof(path), "%s/%s", dir, name65);
  unlink(path);
  for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    remove(path);
  }
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_vs_glibc),
      cmocka_unit_test(test_gap_overlap),
      cmocka_unit_test(test_bad_wall),
      cmocka_unit_test(test_display),
      cmocka_unit_test(test_parse_synthetic),
      cmocka_unit_test(test_parse_corrupt),
      cmocka_unit_test(test_parse_truncated),
      cmocka_unit_test(test_footers_vs_glibc),
      cmocka_unit_test(test_footer_all_year),
      cmocka_unit_test(test_bad_footers),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_cache_full),
  };
  int rc;
  if (access(SYS "/Europe/London", R_OK) != 0) {
    /* tzdata is in the Makefile's PKGS; without it there is nothing to
    ** compare with */
    printf("1..1\nok 1 - test_web_tz # SKIP no " SYS "\n");
    return 0;
  }
  if (make_dir() != 0) {
    fprintf(stderr, "test_web_tz: cannot set up %s\n", dir);
    remove_dir();
    return 1;
  }
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  remove_dir();
  free(london);
  return rc;
}
