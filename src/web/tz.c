/*
** tz.c: IANA time zones for the election service, read without the C
** library's TZ machinery (docs/design/service.md §4; the file format is
** RFC 8536).
**
** setenv("TZ") + localtime_r is process-wide and unsafe beside other
** threads' getenv (SQLite calls it), so this file reads the compiled zone
** files itself and is pure once a zone is loaded:
**  - a zone name is checked (name_ok), then $HUSTINGS_ZONEINFO/NAME (the
**    variable is read once) or /usr/share/zoneinfo/NAME is read, at most
**    TZ_FILE_MAX bytes.  "UTC" and "Etc/UTC" work even without the file;
**  - tz_parse skips the 32-bit v1 block, takes the 64-bit block's
**    transitions and local time types (leap seconds and the std/wall and
**    UT/local indicators are skipped), and the footer POSIX TZ string
**    ("GMT0BST,M3.5.0/1,M10.5.0"), which rules after the last transition.
**    Every count, index and offset is checked against the image, so a
**    hostile file gives WEB_ETZ and never a read out of bounds;
**  - zones are cached by name (TZ_CACHE of them, under a mutex).  A
**    published zone is never changed or freed; once the cache is full,
**    further zones are parsed, used and freed on each call.
** Arithmetic is on int64_t seconds, and dates are proleptic Gregorian
** (days_from_civil and civil_from_days re-derive Howard Hinnant's
** algorithms).  No floating point, no locale.
**
** Ownership: a tz_zone from tz_parse is the caller's (tz_zone_free); the
** cache owns its zones for the life of the process.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web.h"

#define TZ_NAME_MAX 64
#define TZ_CACHE 32
#define TZ_FOOTER_MAX 128
#define TZ_OFF_MAX 93599                /* |UT offset| < 26 h (RFC 8536) */
#define TZ_UTC_LIM ((int64_t)1 << 40)   /* |instant|, ~35,000 years */
#define DAY 86400

typedef struct tz_type {
  int32_t off;   /* seconds east of UTC */
  char abbr[16]; /* "BST", NUL-terminated */
} tz_type;

/* One end of a POSIX DST rule: Jn (1-365, no Feb 29), n (0-365) or
** Mm.w.d, at a local time of -167 h to 167 h (RFC 8536 extension). */
typedef struct tz_rule {
  char kind;   /* 'J', 'D' or 'M' */
  int a, b, c; /* n; or month, week, weekday */
  int32_t time;
} tz_rule;

struct tz_zone {
  size_t ntypes, noffs, ntrans;
  tz_type type[256];
  int footer;          /* 0 empty, 1 std only, 2 std + dst by rule */
  tz_type std, dst;
  tz_rule start, end;  /* into dst, back to std */
  int32_t offs[258];   /* distinct offsets, for tz_zone_to_utc */
  unsigned char *idx;  /* type of each transition */
  int64_t at[];        /* transition instants, strictly ascending */
};

/* ------------------------------------------------------------ calendar */

static int64_t floordiv(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int is_leap(int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int month_days(int64_t y, int m) {
  static const unsigned char n[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
  return n[m - 1] + (m == 2 && is_leap(y));
}

/* Days since 1970-01-01 of y-m-d.  Years start in March so that the leap
** day ends the year; an era is 400 years = 146097 days. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = floordiv(y, 400);
  yoe = y - era * 400;                                  /* [0, 399] */
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  int64_t era, doe, yoe, doy, mp;
  z += 719468;
  era = floordiv(z, 146097);
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days) {
  return (int)(((days + 4) % 7 + 7) % 7);
}

/* ------------------------------------------------------- POSIX TZ rule */

static int lit(const char **p, char ch) {
  if (**p != ch) return 0;
  (*p)++;
  return 1;
}

/* 1 to maxdig decimal digits, value <= max. */
static int num(const char **p, int maxdig, long max, long *v) {
  int n = 0;
  *v = 0;
  while (**p >= '0' && **p <= '9') {
    if (++n > maxdig) return 0;
    *v = *v * 10 + (*(*p)++ - '0');
  }
  return n > 0 && *v <= max;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh, as signed seconds. */
static int hms(const char **p, long maxh, int32_t *out) {
  long h, m = 0, s = 0;
  int neg = **p == '-';
  if (**p == '+' || **p == '-') (*p)++;
  if (!num(p, 3, maxh, &h)) return 0;
  if (lit(p, ':') &&
      (!num(p, 2, 59, &m) || (lit(p, ':') && !num(p, 2, 59, &s))))
    return 0;
  *out = (int32_t)((h * 3600 + m * 60 + s) * (neg ? -1 : 1));
  return 1;
}

/* "GMT" (letters) or "<+0530>" (letters, digits, + and -): 3-15 chars. */
static int abbr_parse(const char **p, char out[16]) {
  const char *s = *p;
  size_t n = 0;
  int quoted = lit(&s, '<');
  for (;; s++) {
    char c = *s;
    int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    int more = (c >= '0' && c <= '9') || c == '+' || c == '-';
    if (!alpha && !(quoted && more)) break;
    if (n == 15) return 0;
    out[n++] = c;
  }
  if ((quoted && !lit(&s, '>')) || n < 3) return 0;
  out[n] = '\0';
  *p = s;
  return 1;
}

static int date_parse(const char **p, tz_rule *r) {
  long a, b = 0, c = 0;
  r->time = 7200; /* 02:00 unless /time */
  if (lit(p, 'J')) {
    r->kind = 'J';
    if (!num(p, 3, 365, &a) || a < 1) return 0;
  } else if (lit(p, 'M')) {
    r->kind = 'M';
    if (!num(p, 2, 12, &a) || a < 1 || !lit(p, '.') || !num(p, 1, 5, &b) ||
        b < 1 || !lit(p, '.') || !num(p, 1, 6, &c))
      return 0;
  } else {
    r->kind = 'D';
    if (!num(p, 3, 365, &a)) return 0;
  }
  r->a = (int)a, r->b = (int)b, r->c = (int)c;
  return !lit(p, '/') || hms(p, 167, &r->time);
}

/* std offset [dst [offset] ,start[/time],end[/time]]; "" means none.  A
** dst without a rule is refused (zic always writes one). */
static int posix_parse(const char *s, tz_zone *z) {
  int32_t off;
  if (*s == '\0') return 1;
  if (!abbr_parse(&s, z->std.abbr) || !hms(&s, 24, &off)) return 0;
  z->std.off = -off; /* POSIX offsets count west */
  z->footer = 1;
  if (*s == '\0') return 1;
  if (!abbr_parse(&s, z->dst.abbr)) return 0;
  z->dst.off = z->std.off + 3600;
  if (*s != ',') {
    if (!hms(&s, 24, &off)) return 0;
    z->dst.off = -off;
  }
  if (!lit(&s, ',') || !date_parse(&s, &z->start) || !lit(&s, ',') ||
      !date_parse(&s, &z->end) || *s != '\0')
    return 0;
  z->footer = 2;
  return 1;
}

/* Local seconds since the epoch at which rule r fires in year y. */
static int64_t rule_local(const tz_rule *r, int64_t y) {
  int64_t d = days_from_civil(y, 1, 1);
  if (r->kind == 'J') {
    d += r->a - 1 + (r->a >= 60 && is_leap(y));
  } else if (r->kind == 'D') {
    d += r->a;
  } else {
    int64_t first = days_from_civil(y, r->a, 1);
    d = first + (r->c - weekday(first) + 7) % 7 + 7 * (r->b - 1);
    if (d >= first + month_days(y, r->a)) d -= 7; /* week 5 = last */
  }
  return d * DAY + r->time;
}

/* The footer rule at t: the latest transition at or before t, taken from
** the years around t's.  Rule times reach 167 h and offsets 26 h, so
** years y-2 .. y+1 always hold it; on a tie the later year wins, which
** keeps "DST all year" rules (J365/25 ending as 0/0 starts) in DST. */
static const tz_type *rule_at(const tz_zone *z, int64_t t) {
  int64_t y, best = INT64_MIN, yy;
  int m, d;
  const tz_type *ty = &z->std;
  civil_from_days(floordiv(t + z->std.off, DAY), &y, &m, &d);
  for (yy = y - 2; yy <= y + 1; yy++) {
    int64_t s = rule_local(&z->start, yy) - z->std.off;
    int64_t e = rule_local(&z->end, yy) - z->dst.off;
    if (s <= t && s >= best) best = s, ty = &z->dst;
    if (e <= t && e >= best) best = e, ty = &z->std;
  }
  return ty;
}

/* The local time type in force at t (|t| <= TZ_UTC_LIM). */
static const tz_type *type_at(const tz_zone *z, int64_t t) {
  size_t lo = 0, hi = z->ntrans;
  if (z->footer && (hi == 0 || t >= z->at[hi - 1]))
    return z->footer == 2 ? rule_at(z, t) : &z->std;
  if (hi == 0 || t < z->at[0]) return &z->type[0];
  while (hi - lo > 1) { /* at[lo] <= t < at[hi] (or hi == ntrans) */
    size_t mid = lo + (hi - lo) / 2;
    if (z->at[mid] <= t) lo = mid;
    else hi = mid;
  }
  return &z->type[z->idx[lo]];
}

/* ------------------------------------------------------------- TZif */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static int64_t be64s(const unsigned char *p) {
  uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
  return v >> 63 ? -(int64_t)~v - 1 : (int64_t)v;
}

/* Checks a 44-byte header (magic, version '2' or later) and reads its
** counts: isut, isstd, leap, time, type, char.  Returns the size of the
** data block after it, with tsize-byte times; UINT64_MAX if bad. */
static uint64_t tzif_header(const unsigned char *p, uint32_t c[6],
                            unsigned tsize) {
  int i;
  if (memcmp(p, "TZif", 4) != 0 || p[4] < '2') return UINT64_MAX;
  for (i = 0; i < 6; i++) c[i] = be32(p + 20 + 4 * i);
  return (uint64_t)c[3] * (tsize + 1) + (uint64_t)c[4] * 6 + c[5] +
         (uint64_t)c[2] * (tsize + 4) + c[1] + c[0];
}

static void add_off(tz_zone *z, int32_t off) {
  size_t i;
  for (i = 0; i < z->noffs; i++)
    if (z->offs[i] == off) return;
  z->offs[z->noffs++] = off;
}

/* Reads the types (offset, isdst, abbreviation index) and transitions at
** p, sized by c, into z.  0 if any is out of range. */
static int tzif_body(tz_zone *z, const unsigned char *p, const uint32_t c[6]) {
  const unsigned char *ti = p + 8 * (size_t)c[3], *ty = ti + c[3];
  const unsigned char *ch = ty + 6 * (size_t)c[4];
  size_t i, j;
  for (i = 0; i < z->ntypes; i++) {
    const unsigned char *r = ty + 6 * i;
    int64_t off = (int64_t)be32(r) - (r[0] >> 7 ? (int64_t)1 << 32 : 0);
    if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || r[4] > 1 || r[5] >= c[5])
      return 0;
    z->type[i].off = (int32_t)off;
    for (j = r[5]; j < c[5] && ch[j] != '\0'; j++) {
      if (j - r[5] == 15 || ch[j] <= ' ' || ch[j] >= 0x7f) return 0;
      z->type[i].abbr[j - r[5]] = (char)ch[j];
    }
    add_off(z, z->type[i].off);
  }
  for (i = 0; i < z->ntrans; i++) {
    z->at[i] = be64s(p + 8 * i);
    z->idx[i] = ti[i];
    if ((i > 0 && z->at[i] <= z->at[i - 1]) || ti[i] >= z->ntypes) return 0;
  }
  return 1;
}

web_status tz_parse(const unsigned char *data, size_t len, tz_zone **out) {
  uint32_t c[6];
  uint64_t v1, v2;
  size_t pos, n;
  const unsigned char *nl;
  char foot[TZ_FOOTER_MAX + 1];
  tz_zone *z;
  *out = NULL;
  if (!data || len < 44 || len > TZ_FILE_MAX) return WEB_ETZ;
  v1 = tzif_header(data, c, 4);
  if (v1 == UINT64_MAX || v1 > len - 44 || len - 44 - v1 < 44) return WEB_ETZ;
  pos = 44 + (size_t)v1;
  v2 = tzif_header(data + pos, c, 8);
  pos += 44;
  /* The block, then at least the footer's opening newline. */
  if (v2 == UINT64_MAX || v2 >= len - pos || c[4] < 1 || c[4] > 256 ||
      c[5] < 1 || (c[1] && c[1] != c[4]) || (c[0] && c[0] != c[4]))
    return WEB_ETZ;
  z = calloc(1, sizeof(*z) + (size_t)c[3] * 9);
  if (!z) return WEB_ENOMEM;
  z->ntrans = c[3];
  z->ntypes = c[4];
  z->idx = (unsigned char *)(z->at + z->ntrans);
  if (!tzif_body(z, data + pos, c)) goto bad;
  pos += (size_t)v2;
  /* Footer: "\n" TZ string "\n", no NUL inside. */
  n = len - pos - 1 < TZ_FOOTER_MAX + 1 ? len - pos - 1 : TZ_FOOTER_MAX + 1;
  if (data[pos] != '\n' || !(nl = memchr(data + pos + 1, '\n', n)))
    goto bad;
  n = (size_t)(nl - (data + pos + 1));
  if (memchr(data + pos + 1, '\0', n)) goto bad;
  memcpy(foot, data + pos + 1, n);
  foot[n] = '\0';
  if (!posix_parse(foot, z)) goto bad;
  if (z->footer) add_off(z, z->std.off);
  if (z->footer == 2) add_off(z, z->dst.off);
  *out = z;
  return WEB_OK;
bad:
  free(z);
  return WEB_ETZ;
}

void tz_zone_free(tz_zone *z) {
  free(z);
}

/* ---------------------------------------------------- conversions */

typedef struct tz_local {
  int64_t year;
  int mon, mday, hour, min, wday;
  const tz_type *type;
} tz_local;

static web_status to_local(const tz_zone *z, int64_t utc, tz_local *l) {
  int64_t t, days, sec;
  if (!z || utc < -TZ_UTC_LIM || utc > TZ_UTC_LIM) return WEB_ETZ;
  l->type = type_at(z, utc);
  t = utc + l->type->off;
  days = floordiv(t, DAY);
  sec = t - days * DAY;
  civil_from_days(days, &l->year, &l->mon, &l->mday);
  l->hour = (int)(sec / 3600);
  l->min = (int)(sec / 60 % 60);
  l->wday = weekday(days);
  return l->year >= 0 && l->year <= 9999 ? WEB_OK : WEB_ETZ;
}

static void put_num(char *p, int64_t v, int width) {
  while (width-- > 0) {
    p[width] = (char)('0' + v % 10);
    v /= 10;
  }
}

web_status tz_zone_from_utc(const tz_zone *z, int64_t utc, char out[17],
                            char abbr[16], int *offset) {
  tz_local l;
  web_status st = to_local(z, utc, &l);
  out[0] = '\0';
  if (abbr) abbr[0] = '\0';
  if (st != WEB_OK) return st;
  memcpy(out, "YYYY-MM-DDTHH:MM", 17);
  put_num(out, l.year, 4);
  put_num(out + 5, l.mon, 2);
  put_num(out + 8, l.mday, 2);
  put_num(out + 11, l.hour, 2);
  put_num(out + 14, l.min, 2);
  if (abbr) memcpy(abbr, l.type->abbr, 16);
  if (offset) *offset = l.type->off;
  return WEB_OK;
}

static int digits(const char *s, int n, int *v) {
  *v = 0;
  while (n-- > 0) {
    if (*s < '0' || *s > '9') return 0;
    *v = *v * 10 + (*s++ - '0');
  }
  return 1;
}

/* "YYYY-MM-DDTHH:MM[:SS]", 1970-2200, as local seconds since the epoch. */
static int wall_parse(const char *s, int64_t *w) {
  int y, mo, d, h, mi, sec = 0;
  size_t n = strnlen(s, 20);
  if ((n != 16 && n != 19) || !digits(s, 4, &y) || s[4] != '-' ||
      !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
      s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
      !digits(s + 14, 2, &mi) ||
      (n == 19 && (s[16] != ':' || !digits(s + 17, 2, &sec))))
    return 0;
  if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 ||
      d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59)
    return 0;
  *w = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + sec;
  return 1;
}

/* Every offset o with type_at(w - o) == o is a reading of w: none in a
** gap, two in an overlap, where the earlier instant (larger o) wins. */
web_status tz_zone_to_utc(const tz_zone *z, const char *wall, int64_t *utc,
                          int *offset, int *gap) {
  int64_t w, best = 0;
  size_t i;
  int found = 0, bo = 0;
  *utc = 0;
  if (offset) *offset = 0;
  if (gap) *gap = 0;
  if (!z) return WEB_ETZ;
  if (!wall || !wall_parse(wall, &w)) return WEB_EINVALID;
  for (i = 0; i < z->noffs; i++) {
    int64_t t = w - z->offs[i];
    if (type_at(z, t)->off == z->offs[i] && (!found || t < best))
      best = t, bo = z->offs[i], found = 1;
  }
  if (!found) {
    if (gap) *gap = 1;
    return WEB_ETZ;
  }
  *utc = best;
  if (offset) *offset = bo;
  return WEB_OK;
}

/* ------------------------------------------------------ named zones */

static const tz_zone tz_utc = {
    .ntypes = 1, .noffs = 1, .type = {{0, "UTC"}}, .footer = 1,
    .std = {0, "UTC"}, .offs = {0}};

static pthread_once_t dir_once = PTHREAD_ONCE_INIT;
static char zdir[4096]; /* "" when $HUSTINGS_ZONEINFO is too long */

static void dir_init(void) {
  const char *e = getenv("HUSTINGS_ZONEINFO");
  if (!e || !*e) e = "/usr/share/zoneinfo";
  if (strlen(e) < sizeof(zdir)) memcpy(zdir, e, strlen(e) + 1);
}

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char name[TZ_NAME_MAX + 1];
  tz_zone *z;
} cache[TZ_CACHE];
static size_t ncache;

/* [A-Za-z0-9_+-] segments joined by '/', none empty, at most 64 bytes.
** '.' is not allowed at all, so neither are "." and "..". */
static int name_ok(const char *s) {
  size_t n, seg = 0;
  for (n = 0; s[n] != '\0'; n++) {
    char c = s[n];
    if (n == TZ_NAME_MAX) return 0;
    if (c == '/') {
      if (seg == 0) return 0;
      seg = 0;
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-') {
      seg++;
    } else {
      return 0;
    }
  }
  return seg > 0;
}

static web_status load(const char *name, tz_zone **out) {
  char path[sizeof(zdir) + TZ_NAME_MAX + 2];
  unsigned char *buf;
  struct stat sb;
  size_t got = 0;
  web_status st = WEB_ETZ;
  int fd;
  pthread_once(&dir_once, dir_init);
  if (zdir[0] == '\0') return WEB_ETZ;
  snprintf(path, sizeof(path), "%s/%s", zdir, name);
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return WEB_ETZ;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 44 ||
      sb.st_size > (off_t)TZ_FILE_MAX || !(buf = malloc((size_t)sb.st_size))) {
    close(fd);
    return WEB_ETZ;
  }
  while (got < (size_t)sb.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  if (got == (size_t)sb.st_size) st = tz_parse(buf, got, out);
  free(buf);
  close(fd);
  return st;
}

static tz_zone *cache_find(const char *name) {
  size_t i;
  for (i = 0; i < ncache; i++)
    if (strcmp(cache[i].name, name) == 0) return cache[i].z;
  return NULL;
}

/* The zone called name in *zp (NULL on error).  *own is NULL, or (cache
** full) that zone again, for the caller to free after use. */
static web_status zone_get(const char *name, const tz_zone **zp,
                           tz_zone **own) {
  tz_zone *z, *had;
  web_status st;
  *zp = NULL;
  *own = NULL;
  if (!name || !name_ok(name)) return WEB_ETZ;
  pthread_mutex_lock(&cache_mu);
  z = cache_find(name);
  pthread_mutex_unlock(&cache_mu);
  if (z) {
    *zp = z;
    return WEB_OK;
  }
  st = load(name, &z); /* outside the lock: file I/O */
  if (st == WEB_ETZ &&
      (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)) {
    *zp = &tz_utc;
    return WEB_OK;
  }
  if (st != WEB_OK) return st;
  pthread_mutex_lock(&cache_mu);
  if ((had = cache_find(name))) { /* another thread was quicker */
    tz_zone_free(z);
    z = had;
  } else if (ncache < TZ_CACHE) {
    memcpy(cache[ncache].name, name, strlen(name) + 1);
    cache[ncache++].z = z;
  } else {
    *own = z;
  }
  pthread_mutex_unlock(&cache_mu);
  *zp = z;
  return WEB_OK;
}

int tz_valid(const char *zone) {
  const tz_zone *z;
  tz_zone *own;
  if (zone_get(zone, &z, &own) != WEB_OK) return 0;
  tz_zone_free(own);
  return 1;
}

/* The wrappers: a zone_get error wins over the conversion's, which is
** still called (with NULL) to clear the outputs. */
web_status tz_to_utc(const char *zone, const char *wall, int64_t *utc,
                     int *offset, int *gap) {
  const tz_zone *z;
  tz_zone *own;
  web_status st = zone_get(zone, &z, &own);
  web_status st2 = tz_zone_to_utc(z, wall, utc, offset, gap);
  tz_zone_free(own);
  return st != WEB_OK ? st : st2;
}

web_status tz_from_utc(const char *zone, int64_t utc, char out[17],
                       char abbr[16], int *offset) {
  const tz_zone *z;
  tz_zone *own;
  web_status st = zone_get(zone, &z, &own);
  web_status st2 = tz_zone_from_utc(z, utc, out, abbr, offset);
  tz_zone_free(own);
  return st != WEB_OK ? st : st2;
}

web_status tz_display(const char *zone, int64_t utc, char *out, size_t cap) {
  static const char *const wd[7] = {"Sun", "Mon", "Tue", "Wed",
                                    "Thu", "Fri", "Sat"};
  static const char *const mn[12] = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  const tz_zone *z;
  tz_zone *own;
  tz_local l;
  int n;
  web_status st = zone_get(zone, &z, &own);
  if (cap > 0) out[0] = '\0';
  if (st == WEB_OK) st = to_local(z, utc, &l);
  if (st == WEB_OK) { /* l.type points into the zone: free it after */
    n = snprintf(out, cap, "%s %d %s %04d, %02d:%02d %s", wd[l.wday], l.mday,
                 mn[l.mon - 1], (int)l.year, l.hour, l.min, l.type->abbr);
    if (n < 0 || (size_t)n >= cap) {
      if (cap > 0) out[0] = '\0';
      st = WEB_ETOOBIG;
    }
  }
  tz_zone_free(own);
  return st;
}
