/*
** constraints.c: reading a constraints file, the groups of candidates with
** a minimum and/or a maximum number of seats (docs/constraints.md).
**
**   # comment                       '#' outside quotes, anywhere on a line
**   group women min 4: 1, 3, "Ann Lee",
**                      7, 12        a trailing ',' continues the list
**   group north max 2: 5, 6, 7      min N, max N, exactly N (= min N max N)
**
** The file is read against the election it constrains: a candidate is a
** number from 1 to C in the ballot file's order (withdrawn candidates
** included) or a quoted name matching one byte for byte; a near miss in
** case or spacing is offered as a hint, never taken.  Keywords are matched
** in any case; group names are case-sensitive and unique.  The reader is
** fed line by line (lines.c), like the ballot readers, and every error
** names file:line:col and what was expected.  Whether the groups can be met
** with the seats and the candidates standing is the count's business
** (constrain.c); only a maximum below its own minimum is refused here.
*/
#include <string.h>

#include "stvInt.h"

#define MAX_COUNT 1000000 /* largest min/max/exactly accepted */
#define SHOW 40           /* bytes of offending text quoted in a message */
#define FOUND 128         /* room for the "found ..." part of a message */

typedef struct con {
  const stv_election *e;
  stv_constraints *k;
  const char *file;
  stv_error *err;
  size_t *namelen; /* of each candidate's name */
  int *seen;       /* per candidate: index + 1 of the last group naming it */
  stvi_buf mem;    /* the current group's members so far (ints) */
  stvi_buf text;   /* the unescaped text of the last quoted string */
  int open;        /* the current group's list continues on the next line */
  long comma_line; /* the line whose trailing ',' left it open */
  long last;       /* number of the last line read */
} con;

/* Candidate c's name (0-based); "" if it has none. */
static const char *cname(const con *p, int c) {
  return p->e->names[c] ? p->e->names[c] : "";
}

static int is_sp(char ch) { return ch == ' ' || ch == '\t'; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static size_t skip_sp(const char *s, size_t n, size_t i) {
  while (i < n && is_sp(s[i])) i++;
  return i;
}

/* The end of a word: it stops at blanks, ',', ':', '#' and '"'. */
static size_t word_end(const char *s, size_t n, size_t i) {
  while (i < n && !is_sp(s[i]) && s[i] != ',' && s[i] != ':' &&
         s[i] != '#' && s[i] != '"')
    i++;
  return i;
}

/* Nothing but blanks and perhaps a comment from s[i] on. */
static int at_end(const char *s, size_t n, size_t i) {
  return i >= n || s[i] == '#';
}

static int all_digits(const char *s, size_t n) {
  size_t i;
  if (n == 0) return 0;
  for (i = 0; i < n; i++)
    if (!is_digit(s[i])) return 0;
  return 1;
}

/* s[0..n) equals the lower-case keyword kw, in any ASCII case. */
static int ieq(const char *s, size_t n, const char *kw) {
  size_t i;
  for (i = 0; i < n; i++) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (kw[i] == '\0' || ch != kw[i]) return 0;
  }
  return kw[n] == '\0';
}

/* How many bytes of s[0..n) to quote in a message: at most SHOW, cut at a
** UTF-8 character boundary. */
static int show(const char *s, size_t n) {
  if (n <= SHOW) return (int)n;
  n = SHOW;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return (int)n;
}

/* Writes s[0..n) to out as the file would quote it: between quotes, a
** quote doubled, cut after SHOW bytes with "...". */
static const char *quoted(char *out, size_t cap, const char *s, size_t n) {
  size_t i, o = 0, m = (size_t)show(s, n);
  out[o++] = '"';
  for (i = 0; i < m && o + 6 < cap; i++) {
    if (s[i] == '"') out[o++] = '"';
    out[o++] = s[i];
  }
  if (m < n && o + 5 < cap) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o++] = '"';
  out[o] = '\0';
  return out;
}

/* Describes the text at s[i] for "found ...": 'word', "quoted", ',' or
** end of line. */
static const char *found(char *out, size_t cap, const char *s, size_t n,
                         size_t i) {
  size_t e;
  if (at_end(s, n, i)) {
    snprintf(out, cap, "end of line");
    return out;
  }
  if (s[i] == '"') { /* as written, up to its closing quote */
    e = i + 1;
    while (e < n) {
      if (s[e] == '"' && (e + 1 >= n || s[e + 1] != '"')) {
        e++;
        break;
      }
      e += s[e] == '"' ? 2 : 1;
    }
  } else {
    e = word_end(s, n, i);
    if (e == i) e = i + 1; /* ',' or ':' */
  }
  snprintf(out, cap, s[i] == '"' ? "%.*s%s" : "'%.*s%s'",
           show(s + i, e - i), s + i, (size_t)show(s + i, e - i) < e - i
           ? "..." : "");
  return out;
}

/* "expected WHAT, found ..." at s[i]. */
static stv_status fail_at(con *p, stv_status st, long line, const char *s,
                          size_t n, size_t i, const char *what) {
  char f[FOUND];
  return stvi_fail(p->err, st, p->file, line, (long)i + 1,
                   "expected %s, found %s", what, found(f, sizeof(f), s, n, i));
}

/* Checks that a line is UTF-8 text without NUL bytes. */
static stv_status check_text(con *p, const char *s, size_t n, long line) {
  return stvi_check_text(p->err, p->file, s, n, line);
}

static void buf_reset(stvi_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

static const char *buf_text(const stvi_buf *b) {
  return b->data ? b->data : "";
}

/* Reads the quoted string that opens at s[*pi] into p->text ("" is a
** quote); *pi ends past the closing quote. */
static stv_status unquote(con *p, const char *s, size_t n, long line,
                          size_t *pi) {
  size_t i = *pi + 1;
  buf_reset(&p->text);
  for (;;) {
    const char *q = i < n ? memchr(s + i, '"', n - i) : NULL;
    if (!q)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)*pi + 1,
                       "expected '\"' closing the name on the same line");
    stvi_buf_add(&p->text, s + i, (size_t)(q - (s + i)));
    i = (size_t)(q - s) + 1;
    if (i < n && s[i] == '"') {
      stvi_buf_add(&p->text, "\"", 1);
      i++;
      continue;
    }
    break;
  }
  if (p->text.failed) return STV_ENOMEM;
  *pi = i;
  return STV_OK;
}

/* ---- near misses, for the "did you mean" hint -------------------------- */

/* Lower case for the letters of Latin-1, Latin Extended-A, Greek and
** Cyrillic; enough for a hint, not a full Unicode case fold. */
static uint32_t fold(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
    return cp | 1;
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
    return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

/* The next unit of s[0..n) from *i for a loose comparison: a code point
** folded to lower case, or ' ' for a run of blanks; 0 at the end.  A byte
** that does not start a well-formed sequence stands for itself. */
static uint32_t loose_next(const char *s, size_t n, size_t *i) {
  const unsigned char *u = (const unsigned char *)s;
  size_t k, need;
  uint32_t cp;
  if (*i >= n) return 0;
  if (is_sp(s[*i])) {
    while (*i < n && is_sp(s[*i])) (*i)++;
    return ' ';
  }
  cp = u[*i];
  if (cp < 0x80) {
    (*i)++;
    return fold(cp);
  }
  need = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
  if (need == 0 || *i + need >= n) {
    (*i)++;
    return 0x80000000u | cp;
  }
  cp &= 0x3Fu >> need;
  for (k = 1; k <= need; k++) {
    if ((u[*i + k] & 0xC0) != 0x80) {
      cp = u[(*i)++];
      return 0x80000000u | cp;
    }
    cp = (cp << 6) | (u[*i + k] & 0x3F);
  }
  if (cp == 0) cp = 0x80000000u; /* an overlong NUL is not the end */
  *i += need + 1;
  return fold(cp);
}

static void trim(const char **s, size_t *n) {
  while (*n && is_sp((*s)[0])) {
    (*s)++;
    (*n)--;
  }
  while (*n && is_sp((*s)[*n - 1])) (*n)--;
}

/* a and b are equal but for case and blanks. */
static int loose_eq(const char *a, size_t an, const char *b, size_t bn) {
  size_t i = 0, j = 0;
  trim(&a, &an);
  trim(&b, &bn);
  for (;;) {
    uint32_t x = loose_next(a, an, &i), y = loose_next(b, bn, &j);
    if (x != y) return 0;
    if (x == 0) return 1;
  }
}

/* ---- candidates --------------------------------------------------------- */

static stv_status add_member(con *p, int c, long line, long col) {
  stvi_group *g = &p->k->g[p->k->ng - 1];
  if (p->mem.len / sizeof(int) >= STV_MAX_CANDIDATES)
    return stvi_fail(p->err, STV_ELIMIT, p->file, line, col,
                     "expected at most %d candidates in group '%.*s', found "
                     "another", STV_MAX_CANDIDATES,
                     show(g->name, strlen(g->name)), g->name);
  stvi_buf_add(&p->mem, (const char *)&c, sizeof(c));
  if (p->mem.failed) return STV_ENOMEM;
  p->seen[c] = p->k->ng;
  return STV_OK;
}

/* Refuses candidate c (0-based) if the current group already has it; what
** is how the file named it, for the message. */
static stv_status check_once(con *p, int c, long line, long col,
                             const char *what) {
  const stvi_group *g = &p->k->g[p->k->ng - 1];
  if (p->seen[c] != p->k->ng) return STV_OK;
  return stvi_fail(p->err, STV_ESYNTAX, p->file, line, col,
                   "expected each candidate once in group '%.*s', found %s "
                   "again", show(g->name, strlen(g->name)), g->name, what);
}

/* The candidate named by the quoted string at s[*pi]. */
static stv_status by_name(con *p, const char *s, size_t n, long line,
                          size_t *pi, int *out) {
  long col = (long)*pi + 1;
  const char *t;
  size_t tn;
  char a[FOUND], b[FOUND], what[2 * FOUND];
  int c, hit = -1, other = -1;
  stv_status st = unquote(p, s, n, line, pi);
  if (st) return st;
  t = buf_text(&p->text);
  tn = p->text.len;
  for (c = 0; c < p->k->ncand; c++)
    if (p->namelen[c] == tn && memcmp(cname(p, c), t, tn) == 0) {
      if (hit < 0) hit = c;
      else if (other < 0) other = c;
    }
  if (other >= 0)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, col,
                     "expected a name that identifies one candidate, found "
                     "%s (candidates %d and %d have it: use the number)",
                     quoted(a, sizeof(a), t, tn), hit + 1, other + 1);
  if (hit < 0) {
    for (c = 0; c < p->k->ncand; c++)
      if (loose_eq(cname(p, c), p->namelen[c], t, tn))
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, col,
                         "expected a candidate named in the ballot file, "
                         "found %s (did you mean %s, candidate %d?)",
                         quoted(a, sizeof(a), t, tn),
                         quoted(b, sizeof(b), cname(p, c), p->namelen[c]),
                         c + 1);
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, col,
                     "expected a candidate named in the ballot file, found %s",
                     quoted(a, sizeof(a), t, tn));
  }
  snprintf(what, sizeof(what), "%s (candidate %d)",
           quoted(a, sizeof(a), t, tn), hit + 1);
  st = check_once(p, hit, line, col, what);
  *out = hit;
  return st;
}

/* One candidate at s[*pi] (blanks skipped): a number or a quoted name.
** cont: the first on a line continuing the list. */
static stv_status member(con *p, const char *s, size_t n, long line,
                         size_t *pi, int cont) {
  size_t i = *pi, e;
  char what[FOUND + 16], q[FOUND];
  int c = -1;
  long v = 0;
  stv_status st;
  if (at_end(s, n, i) || s[i] == ',' || s[i] == ':')
    return fail_at(p, STV_ESYNTAX, line, s, n, i,
                   "a candidate number or a quoted name");
  if (s[i] == '"') {
    st = by_name(p, s, n, line, pi, &c);
  } else {
    e = word_end(s, n, i);
    if (cont && ieq(s + i, e - i, "group")) {
      snprintf(what, sizeof(what),
               "a candidate on the line after the ',' ending line %ld",
               p->comma_line);
      return fail_at(p, STV_ESYNTAX, line, s, n, i, what);
    }
    if (all_digits(s + i, e - i)) {
      size_t j;
      for (j = i; j < e; j++)
        if (v <= STV_MAX_CANDIDATES) v = v * 10 + (s[j] - '0');
    }
    if (v < 1 || v > p->k->ncand) {
      snprintf(what, sizeof(what),
               "a candidate number from 1 to %d or a quoted name",
               p->k->ncand);
      return fail_at(p, STV_ESYNTAX, line, s, n, i, what);
    }
    c = (int)v - 1;
    snprintf(what, sizeof(what), "candidate %d (%s)", c + 1,
             quoted(q, sizeof(q), cname(p, c), p->namelen[c]));
    st = check_once(p, c, line, (long)i + 1, what);
    *pi = e;
  }
  if (st) return st;
  return add_member(p, c, line, (long)i + 1);
}

/* The current group's members are all read: they move into the group. */
static stv_status close_group(con *p) {
  stvi_group *g = &p->k->g[p->k->ng - 1];
  size_t m = p->mem.len / sizeof(int);
  g->members = stvi_alloc_array(m, sizeof(int));
  if (!g->members) return STV_ENOMEM;
  memcpy(g->members, p->mem.data, m * sizeof(int));
  g->nmembers = (int)m;
  buf_reset(&p->mem);
  p->open = 0;
  return STV_OK;
}

/* The list of candidates from s[i]: "c, c, ..." with an optional ','
** at the end that continues it on the next line. */
static stv_status members(con *p, const char *s, size_t n, long line,
                          size_t i, int cont) {
  stv_status st;
  for (;;) {
    i = skip_sp(s, n, i);
    st = member(p, s, n, line, &i, cont);
    if (st) return st;
    cont = 0;
    i = skip_sp(s, n, i);
    if (at_end(s, n, i)) return close_group(p);
    if (s[i] != ',')
      return fail_at(p, STV_ESYNTAX, line, s, n, i,
                     "',' or the end of the line after a candidate");
    i = skip_sp(s, n, i + 1);
    if (at_end(s, n, i)) {
      p->open = 1;
      p->comma_line = line;
      return STV_OK;
    }
  }
}

/* ---- groups -------------------------------------------------------------- */

/* The group name at s[*pi]: letters, digits, '_', '-', '.', or quoted. */
static stv_status group_name(con *p, const char *s, size_t n, long line,
                             size_t *pi) {
  size_t i = *pi, e, j, len;
  const char *name;
  stvi_group *g;
  int k;
  if (i < n && s[i] == '"') {
    stv_status st = unquote(p, s, n, line, pi);
    if (st) return st;
    name = buf_text(&p->text);
    len = p->text.len;
    if (len == 0)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                       "expected a group name, found an empty name");
  } else {
    e = word_end(s, n, i);
    if (e == i) return fail_at(p, STV_ESYNTAX, line, s, n, i, "a group name");
    for (j = i; j < e; j++)
      if (!is_alpha(s[j]) && !is_digit(s[j]) && s[j] != '_' && s[j] != '-' &&
          s[j] != '.')
        return fail_at(p, STV_ESYNTAX, line, s, n, i,
                       "a group name of letters, digits, '_', '-' and '.', "
                       "or a quoted name");
    /* "group min 1: ..." has lost its name */
    j = skip_sp(s, n, e);
    if ((ieq(s + i, e - i, "min") || ieq(s + i, e - i, "max") ||
         ieq(s + i, e - i, "exactly")) &&
        all_digits(s + j, word_end(s, n, j) - j))
      return fail_at(p, STV_ESYNTAX, line, s, n, i, "a group name");
    name = s + i;
    len = e - i;
    *pi = e;
  }
  if (len > STV_MAX_NAME)
    return stvi_fail(p->err, STV_ELIMIT, p->file, line, (long)i + 1,
                     "expected a group name of at most %d bytes, found %zu "
                     "bytes", STV_MAX_NAME, len);
  for (k = 0; k < p->k->ng; k++)
    if (strlen(p->k->g[k].name) == len &&
        memcmp(p->k->g[k].name, name, len) == 0)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                       "expected each group name once, found '%.*s' again "
                       "(first on line %ld)", show(name, len), name,
                       p->k->g[k].line);
  if (p->k->ng >= STV_MAX_GROUPS)
    return stvi_fail(p->err, STV_ELIMIT, p->file, line, (long)i + 1,
                     "expected at most %d groups, found another: '%.*s'",
                     STV_MAX_GROUPS, show(name, len), name);
  g = &p->k->g[p->k->ng];
  g->name = stvi_strndup(name, len);
  if (!g->name) return STV_ENOMEM;
  g->line = line;
  g->col = (long)i + 1;
  g->lo = 0;
  g->hi = -1;
  p->k->ng++;
  return STV_OK;
}

/* The whole number after keyword kw, at s[*pi]. */
static stv_status bound_value(con *p, const char *s, size_t n, long line,
                              size_t *pi, const char *kw, int *out) {
  size_t i = *pi, e = word_end(s, n, i), j;
  char what[64];
  long v = 0;
  if (!all_digits(s + i, e - i)) {
    snprintf(what, sizeof(what), "a whole number after '%s'", kw);
    return fail_at(p, STV_ESYNTAX, line, s, n, i, what);
  }
  for (j = i; j < e; j++)
    if (v <= MAX_COUNT) v = v * 10 + (s[j] - '0');
  if (v > MAX_COUNT) {
    snprintf(what, sizeof(what), "a number from 0 to %d after '%s'",
             MAX_COUNT, kw);
    return fail_at(p, STV_ELIMIT, line, s, n, i, what);
  }
  *out = (int)v;
  *pi = e;
  return STV_OK;
}

/* "group NAME bound... : members" from s[i], just after "group". */
static stv_status group_line(con *p, const char *s, size_t n, long line,
                             size_t i) {
  enum { B_MIN = 1, B_MAX = 2, B_EXACTLY = 4 };
  static const char *const kws[] = {"min", "max", "exactly"};
  int have = 0, v = 0;
  long maxcol = 0;
  stvi_group *g;
  stv_status st;
  char what[FOUND + 64];
  i = skip_sp(s, n, i);
  st = group_name(p, s, n, line, &i);
  if (st) return st;
  g = &p->k->g[p->k->ng - 1];
  for (;;) {
    size_t e;
    int b, bit;
    i = skip_sp(s, n, i);
    if (i < n && s[i] == ':') {
      if (!have) {
        snprintf(what, sizeof(what),
                 "'min', 'max' or 'exactly' for group '%.*s' (a group "
                 "without a bound constrains nothing)",
                 show(g->name, strlen(g->name)), g->name);
        return fail_at(p, STV_ESYNTAX, line, s, n, i, what);
      }
      break;
    }
    e = word_end(s, n, i);
    for (b = 0; b < 3; b++)
      if (ieq(s + i, e - i, kws[b])) break;
    if (b == 3) {
      if (have && !(i < n && is_alpha(s[i])))
        return fail_at(p, STV_ESYNTAX, line, s, n, i,
                       "':' before the candidates");
      return fail_at(p, STV_ESYNTAX, line, s, n, i,
                     "'min', 'max', 'exactly' or ':'");
    }
    bit = 1 << b;
    if (have & bit)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                       "expected at most one '%s' for group '%.*s', found a "
                       "second", kws[b], show(g->name, strlen(g->name)),
                       g->name);
    if (bit != B_EXACTLY && (have & B_EXACTLY))
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                       "expected no '%s' with 'exactly' (it sets both), "
                       "found '%s'", kws[b], kws[b]);
    if (bit == B_EXACTLY && have)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                       "expected no 'exactly' with '%s' (it sets both min "
                       "and max), found 'exactly'", (have & B_MIN) ? "min"
                                                                 : "max");
    have |= bit;
    i = skip_sp(s, n, e);
    if (bit == B_MAX) maxcol = (long)i + 1;
    st = bound_value(p, s, n, line, &i, kws[b], &v);
    if (st) return st;
    if (bit != B_MAX) g->lo = v;
    if (bit != B_MIN) g->hi = v;
  }
  if ((have & B_MIN) && (have & B_MAX) && g->hi < g->lo)
    return stvi_fail(p->err, STV_ECONSTRAINT, p->file, line, maxcol,
                     "group '%.*s': maximum %d is less than its minimum %d",
                     show(g->name, strlen(g->name)), g->name, g->hi, g->lo);
  return members(p, s, n, line, i + 1, 0);
}

static stv_status on_line(void *ud, const char *s, size_t n, long line) {
  con *p = ud;
  size_t i, e;
  stv_status st;
  p->last = line;
  st = check_text(p, s, n, line);
  if (st) return st;
  i = skip_sp(s, n, 0);
  if (at_end(s, n, i)) return STV_OK; /* blank, or a comment */
  if (p->open) return members(p, s, n, line, i, 1);
  e = word_end(s, n, i);
  if (!ieq(s + i, e - i, "group")) {
    if (p->k->ng > 0 && (is_digit(s[i]) || s[i] == '"'))
      return fail_at(p, STV_ESYNTAX, line, s, n, i,
                     "'group', a comment or a blank line (a list goes on "
                     "to the next line only after a ',')");
    return fail_at(p, STV_ESYNTAX, line, s, n, i,
                   "'group', a comment or a blank line");
  }
  return group_line(p, s, n, line, e);
}

/* ---- the handle ------------------------------------------------------------ */

void stv_constraints_free(stv_constraints *k) {
  int i;
  if (!k) return;
  for (i = 0; i < k->ng; i++) {
    stvi_free(k->g[i].name);
    stvi_free(k->g[i].members);
  }
  stvi_free(k->g);
  stvi_free(k->file);
  stvi_free(k);
}

int stv_constraints_groups(const stv_constraints *k) { return k ? k->ng : 0; }

stv_constraints *stvi_constraints_clone(const stv_constraints *k) {
  stv_constraints *c;
  int i;
  if (!k) return NULL;
  c = stvi_calloc_array(1, sizeof(*c));
  if (!c) return NULL;
  c->ncand = k->ncand;
  c->file = stvi_strdup(k->file ? k->file : "");
  c->g = stvi_calloc_array(k->ng > 0 ? (size_t)k->ng : 1, sizeof(*c->g));
  if (!c->file || !c->g) {
    stv_constraints_free(c);
    return NULL;
  }
  c->ng = k->ng;
  for (i = 0; i < k->ng; i++) {
    const stvi_group *from = &k->g[i];
    stvi_group *to = &c->g[i];
    *to = *from;
    to->name = stvi_strdup(from->name);
    to->members = stvi_alloc_array(
        from->nmembers > 0 ? (size_t)from->nmembers : 1, sizeof(int));
    if (!to->name || !to->members) {
      stv_constraints_free(c);
      return NULL;
    }
    if (from->nmembers > 0)
      memcpy(to->members, from->members,
             (size_t)from->nmembers * sizeof(int));
  }
  return c;
}

/* The reader's state and the handle it fills. */
static stv_status start(con *p, const stv_election *e, const char *file,
                        stv_error *err) {
  int c, nc = stv_election_candidates(e);
  memset(p, 0, sizeof(*p));
  p->e = e;
  p->file = file;
  p->err = err;
  stvi_buf_init(&p->mem, (size_t)STV_MAX_CANDIDATES * sizeof(int));
  stvi_buf_init(&p->text, STV_MAX_LINE);
  p->k = stvi_calloc_array(1, sizeof(*p->k));
  if (!p->k) return STV_ENOMEM;
  p->k->ncand = nc;
  p->k->file = stvi_strdup(file);
  p->k->g = stvi_calloc_array(STV_MAX_GROUPS, sizeof(*p->k->g));
  p->namelen = stvi_alloc_array(nc > 0 ? (size_t)nc : 1, sizeof(size_t));
  p->seen = stvi_calloc_array(nc > 0 ? (size_t)nc : 1, sizeof(int));
  if (!p->k->file || !p->k->g || !p->namelen || !p->seen) return STV_ENOMEM;
  for (c = 0; c < nc; c++) p->namelen[c] = strlen(cname(p, c));
  return STV_OK;
}

static stv_status finish(con *p, stv_status st, stv_constraints **out) {
  stvi_free(p->namelen);
  stvi_free(p->seen);
  stvi_buf_free(&p->mem);
  stvi_buf_free(&p->text);
  if (st == STV_OK) {
    if (p->open)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, p->last + 1, 1,
                     "expected a candidate on the line after the ',' ending "
                     "line %ld, found end of file", p->comma_line);
    else if (p->k->ng == 0)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, p->last + 1, 1,
                     "expected at least one group, found none");
  }
  if (st != STV_OK) {
    if (st == STV_ENOMEM)
      stvi_fail(p->err, st, p->file, 0, 0, "out of memory");
    stv_constraints_free(p->k);
    return st;
  }
  *out = p->k;
  return STV_OK;
}

stv_status stv_constraints_parse(const stv_election *e, const char *data,
                                 size_t len, const char *name,
                                 stv_constraints **out, stv_error *err) {
  con p;
  stv_status st;
  if (!out) return STV_EINVAL;
  *out = NULL;
  if (!name) name = "<memory>";
  if (!e || (!data && len))
    return stvi_fail(err, STV_EINVAL, name, 0, 0,
                     "no election or no data to read the constraints from");
  st = start(&p, e, name, err);
  if (st == STV_OK) st = stvi_lines_mem(data, len, name, on_line, &p, err);
  return finish(&p, st, out);
}

stv_status stv_constraints_read(const stv_election *e, const char *path,
                                stv_constraints **out, stv_error *err) {
  con p;
  stv_status st;
  if (!out) return STV_EINVAL;
  *out = NULL;
  if (!e || !path)
    return stvi_fail(err, STV_EINVAL, path ? path : "", 0, 0,
                     "no election or no file to read the constraints from");
  st = start(&p, e, path, err);
  if (st == STV_OK) st = stvi_lines_file(path, on_line, &p, err);
  return finish(&p, st, out);
}
