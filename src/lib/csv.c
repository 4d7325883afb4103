/*
** csv.c: rank-column CSV ballots, as spreadsheets and web forms export them.
**
**   [# comment]                   '#' lines before the header only
**   [# candidates: A; B; C]       optional: fixes the candidates' names and
**                                 numbers (otherwise they are numbered in
**                                 order of first appearance in the ballots)
**   [# hustings: seats=2; withdrawn=3,4; title="Ward 7"]
**                                 optional: what else the election has
**                                 (each key optional; hustings writes it)
**   Rank 1,Rank 2,Rank 3,Weight   the header row: every column is a rank
**                                 column, left to right, except one headed
**                                 "weight" or "count" (a whole-number
**                                 weight) and any headed "id" or
**                                 "ballot id" (ignored); any case
**   Alice,Bob=Carol,,Dan,3        one row per ballot: the candidate named
**                                 at each rank; "=" joins equal ranks; an
**                                 empty cell before a filled one is a
**                                 skipped rank, empty cells after the last
**                                 filled one are unranked
**
** Fields follow RFC 4180: a field may be quoted, with "" for a quote
** inside; lines end in LF or CRLF; a UTF-8 byte-order mark is skipped.
** Blanks around a field and around each name are dropped.  The reader is
** fed line by line (lines.c) so that files of any length stream in bounded
** memory, which means a quoted field may not span lines: a quote left open
** at the end of a line is an error.  Rows whose cells are all empty are
** skipped (spreadsheets pad with them); rows may have fewer cells than the
** header (the rest are empty), and more only if the extra cells are empty.
**
** The number of seats is the caller's, or with seats 0 the '# hustings:'
** line's, or else left unset (0) for the caller to give when counting.
**
** Candidates are added to the election the first time a ballot names them.
** stv_election_add_candidate() accepts a candidate after ballots exist
** because ballots hold candidate indices: earlier ballots are unaffected.
** Every error names file:line:col (1-based, in bytes) and what was
** expected.  docs/formats.md is the full description.
*/
#include <string.h>

#include "stvInt.h"

enum { S_PRE, S_ROWS };
enum { COL_RANK = 0, COL_WEIGHT, COL_ID };

#define NSLOTS 2048 /* name index: a power of two > 2 * STV_MAX_CANDIDATES */
#define SHOW 40     /* bytes of offending text quoted in a message */

/* One field of a row: its value unquoted and trimmed (not NUL-terminated,
** pointing into the line or into csv.qbuf) and the 1-based column where
** the value starts (where the field starts, if it is empty). */
typedef struct cell {
  const char *v;
  size_t n;
  long col;
} cell;

typedef struct csv {
  stv_election *e;
  const char *file;
  stv_error *err;
  int state;
  int fixed;           /* candidates fixed by "# candidates:" */
  int seats;           /* the caller's, 0 to take the file's */
  int meta;            /* a "# hustings:" line was read */
  long mline;          /* where: its line number */
  int *wd;             /* its withdrawn candidates (1-based) ... */
  long *wdcol;         /* ... and the column of each */
  int nwd;
  long last;           /* number of the last line read */
  long rows;           /* ballot rows added */
  unsigned char *kind; /* COL_* per header column */
  size_t ncols;
  size_t wcol;         /* the weight column, if has_weight */
  int has_weight;
  int16_t *tok;        /* the ranking of the current row */
  size_t ntok, tokcap;
  char *qbuf;          /* unescaped text of the current quoted field */
  size_t qcap;
  char name[STV_MAX_NAME + 1];
  uint16_t namelen[STV_MAX_CANDIDATES];
  int slots[NSLOTS];   /* candidate index + 1, 0 when free */
} csv;

static int is_sp(char ch) { return ch == ' ' || ch == '\t'; }

static size_t skip_sp(const char *s, size_t n, size_t i) {
  while (i < n && is_sp(s[i])) i++;
  return i;
}

/* How many bytes of s[0..n) to quote in a message: at most SHOW, cut at a
** UTF-8 character boundary. */
static int show(const char *s, size_t n) {
  if (n <= SHOW) return (int)n;
  n = SHOW;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return (int)n;
}

/* "expected WHAT, found 'TEXT'" (or "found end of line") at s[i]. */
static stv_status fail_at(csv *p, long line, size_t i, const char *what,
                          const char *s, size_t n) {
  size_t e = i;
  if (i >= n)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                     "expected %s, found end of line", what);
  while (e < n && s[e] != ',') e++;
  if (e == i) e = i + 1;
  return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)i + 1,
                   "expected %s, found '%.*s'", what, show(s + i, e - i),
                   s + i);
}

static int ieq(const char *s, size_t n, const char *word) {
  size_t i;
  for (i = 0; i < n; i++) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (word[i] == '\0' || ch != word[i]) return 0;
  }
  return word[n] == '\0';
}

static void trim(const char **v, size_t *n) {
  while (*n && is_sp((*v)[0])) {
    (*v)++;
    (*n)--;
  }
  while (*n && is_sp((*v)[*n - 1])) (*n)--;
}

/* Checks that a line is UTF-8 text without NUL bytes. */
static stv_status check_text(csv *p, const char *s, size_t n, long line) {
  return stvi_check_text(p->err, p->file, s, n, line);
}

/* Reads the field that starts at s[*pi] into c.  On return *pi is past the
** comma that ends it, and *more says whether another field follows. */
static stv_status next_cell(csv *p, const char *s, size_t n, long line,
                            size_t *pi, cell *c, int *more) {
  size_t i = skip_sp(s, n, *pi);
  if (i < n && s[i] == '"') {
    size_t open = i, k = 0;
    if (n - i > p->qcap) {
      char *nb = stvi_realloc(p->qbuf, n - i);
      if (!nb) return STV_ENOMEM;
      p->qbuf = nb;
      p->qcap = n - i;
    }
    i++;
    for (;;) {
      if (i >= n)
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)open + 1,
                         "expected '\"' closing the quoted field on the same "
                         "line (a field may not span lines)");
      if (s[i] == '"') {
        if (i + 1 < n && s[i + 1] == '"') {
          p->qbuf[k++] = '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      p->qbuf[k++] = s[i++];
    }
    i = skip_sp(s, n, i);
    if (i < n && s[i] != ',')
      return fail_at(p, line, i, "',' or end of line after the closing '\"'",
                     s, n);
    c->v = p->qbuf;
    c->n = k;
    trim(&c->v, &c->n);
    c->col = (long)open + 1; /* the quote, or the value inside it */
    if (c->n) c->col += 1 + (long)(c->v - p->qbuf);
  } else {
    const char *comma = memchr(s + i, ',', n - i);
    size_t e = comma ? (size_t)(comma - s) : n;
    c->v = s + i;
    c->n = e - i;
    c->col = (long)i + 1;
    trim(&c->v, &c->n);
    i = e;
  }
  *more = i < n;
  *pi = i < n ? i + 1 : n;
  return STV_OK;
}

/* ---- candidates -------------------------------------------------------- */

static uint32_t hash_name(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h ^ (h >> 15);
}

/* The slot holding name s[0..n), or the free slot where it would go. */
static size_t find_slot(csv *p, const char *s, size_t n) {
  size_t h = hash_name(s, n) & (NSLOTS - 1);
  while (p->slots[h]) {
    int i = p->slots[h] - 1;
    if (p->namelen[i] == n && memcmp(p->e->names[i], s, n) == 0) break;
    h = (h + 1) & (NSLOTS - 1);
  }
  return h;
}

/* Adds candidate s[0..n) (not yet known) in slot h. */
static stv_status add_name(csv *p, size_t h, const char *s, size_t n,
                           long line, long col) {
  stv_status st;
  int k = p->e->ncand;
  if (n > STV_MAX_NAME)
    return stvi_fail(p->err, STV_ELIMIT, p->file, line, col,
                     "expected a candidate name of at most %d bytes, found "
                     "%zu bytes", STV_MAX_NAME, n);
  if (k >= STV_MAX_CANDIDATES)
    return stvi_fail(p->err, STV_ELIMIT, p->file, line, col,
                     "expected at most %d candidates, found another: '%.*s'",
                     STV_MAX_CANDIDATES, show(s, n), s);
  memcpy(p->name, s, n);
  p->name[n] = '\0';
  st = stv_election_add_candidate(p->e, p->name);
  if (st) return st;
  p->namelen[k] = (uint16_t)n;
  p->slots[h] = k + 1;
  return STV_OK;
}

/* "# candidates: A; B; C" (any case, blanks optional): s[i] follows the
** colon. */
static stv_status candidates_line(csv *p, const char *s, size_t n, long line,
                                  size_t i) {
  stv_status st;
  if (p->fixed)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, 1,
                     "expected one '# candidates:' line, found a second");
  p->fixed = 1;
  for (;;) {
    const char *semi = memchr(s + i, ';', n - i);
    size_t e = semi ? (size_t)(semi - s) : n, h;
    const char *v = s + i, *eq;
    size_t vn = e - i;
    trim(&v, &vn);
    if (vn == 0) {
      size_t at = skip_sp(s, n, i);
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)at + 1,
                       "expected a candidate name in the '# candidates:' "
                       "list, found %s", at < n ? "';'" : "end of line");
    }
    eq = memchr(v, '=', vn);
    if (eq)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line,
                       (long)(eq - s) + 1,
                       "expected a candidate name without '=' (it joins "
                       "equal ranks), found '%.*s'", show(v, vn), v);
    h = find_slot(p, v, vn);
    if (p->slots[h])
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)(v - s) + 1,
                       "expected each candidate once, found '%.*s' again",
                       show(v, vn), v);
    st = add_name(p, h, v, vn, line, (long)(v - s) + 1);
    if (st) return st;
    if (!semi) break;
    i = e + 1;
  }
  return STV_OK;
}

/* If the comment s is "# TAG:" (TAG in any case, blanks optional),
** returns the offset after the colon, else 0. */
static size_t comment_tag(const char *s, size_t n, const char *tag) {
  size_t i = skip_sp(s, n, 1), len = strlen(tag);
  if (n - i < len || !ieq(s + i, len, tag)) return 0;
  i = skip_sp(s, n, i + len);
  return i < n && s[i] == ':' ? i + 1 : 0;
}

/* ---- the "# hustings:" line ------------------------------------------- */

/* A whole number of at most max at s[*i], ending at a blank, ',', ';' or
** the end of the line. */
static int meta_num(const char *s, size_t n, size_t *i, long max, long *out) {
  size_t j = *i;
  long v = 0;
  if (j >= n || s[j] < '0' || s[j] > '9') return 0;
  while (j < n && s[j] >= '0' && s[j] <= '9') {
    v = v * 10 + (s[j] - '0');
    if (v > max) return 0;
    j++;
  }
  if (j < n && !is_sp(s[j]) && s[j] != ',' && s[j] != ';') return 0;
  *i = j;
  *out = v;
  return 1;
}

/* seats=N: s[i] follows the '='. */
static stv_status meta_seats(csv *p, const char *s, size_t n, long line,
                             size_t *pi) {
  size_t i = skip_sp(s, n, *pi), at = i;
  long v;
  if (!meta_num(s, n, &i, STV_MAX_SEATS, &v) || v < 1)
    return fail_at(p, line, at, "a number of seats from 1 to 999", s, n);
  if (p->seats == 0) {
    stv_status st = stv_election_set_seats(p->e, (int)v);
    if (st) return st;
  }
  *pi = i;
  return STV_OK;
}

/* withdrawn=A,B,...: candidate numbers, checked against the candidates at
** the end of the file (a number may name one first met in the ballots). */
static stv_status meta_withdrawn(csv *p, const char *s, size_t n, long line,
                                 size_t *pi) {
  size_t i = *pi;
  for (;;) {
    size_t at;
    long v;
    i = skip_sp(s, n, i);
    at = i;
    if (!meta_num(s, n, &i, STV_MAX_CANDIDATES, &v) || v < 1)
      return fail_at(p, line, at, "a withdrawn candidate's number (1 to "
                                  "1000)", s, n);
    if (!p->wd) {
      p->wd = stvi_alloc_array(STV_MAX_CANDIDATES, sizeof(*p->wd));
      p->wdcol = stvi_alloc_array(STV_MAX_CANDIDATES, sizeof(*p->wdcol));
      if (!p->wd || !p->wdcol) return STV_ENOMEM;
    }
    if (p->nwd == STV_MAX_CANDIDATES)
      return stvi_fail(p->err, STV_ELIMIT, p->file, line, (long)at + 1,
                       "expected at most %d withdrawn candidates",
                       STV_MAX_CANDIDATES);
    p->wd[p->nwd] = (int)v;
    p->wdcol[p->nwd++] = (long)at + 1;
    i = skip_sp(s, n, i);
    if (i >= n || s[i] != ',') break;
    i++;
  }
  *pi = i;
  return STV_OK;
}

/* title="..." ("" for a quote inside) or title=text up to ';'. */
static stv_status meta_title(csv *p, const char *s, size_t n, long line,
                             size_t *pi) {
  size_t i = skip_sp(s, n, *pi), k = 0;
  char *t;
  stv_status st;
  t = stvi_realloc(NULL, n - i + 1);
  if (!t) return STV_ENOMEM;
  if (i < n && s[i] == '"') {
    size_t open = i++;
    for (;;) {
      if (i >= n) {
        stvi_free(t);
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)open + 1,
                         "expected '\"' closing the title");
      }
      if (s[i] == '"') {
        if (i + 1 < n && s[i + 1] == '"') {
          t[k++] = '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      t[k++] = s[i++];
    }
  } else {
    const char *v = s + i;
    const char *semi = memchr(v, ';', n - i);
    size_t vn = semi ? (size_t)(semi - v) : n - i;
    i += vn;
    trim(&v, &vn);
    memcpy(t, v, vn);
    k = vn;
  }
  t[k] = '\0';
  st = stv_election_set_title(p->e, t);
  stvi_free(t);
  *pi = i;
  return st;
}

/* "# hustings: key=value; ..." with the keys seats, withdrawn and title,
** each at most once (any case, blanks optional): s[i] follows the colon. */
static stv_status hustings_line(csv *p, const char *s, size_t n, long line,
                                size_t i) {
  static const char *const keys[] = {"seats", "withdrawn", "title"};
  int seen[3] = {0, 0, 0};
  if (p->meta)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, 1,
                     "expected one '# hustings:' line, found a second");
  p->meta = 1;
  p->mline = line;
  for (;;) {
    size_t at, e, k;
    stv_status st;
    i = skip_sp(s, n, i);
    at = i;
    e = i;
    while (e < n && s[e] != '=' && s[e] != ';' && !is_sp(s[e])) e++;
    for (k = 0; k < 3; k++)
      if (ieq(s + at, e - at, keys[k])) break;
    if (k == 3)
      return fail_at(p, line, at, "seats=, withdrawn= or title= in the "
                                  "'# hustings:' line", s, n);
    if (seen[k])
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)at + 1,
                       "expected each key once in the '# hustings:' line, "
                       "found %s again", keys[k]);
    seen[k] = 1;
    i = skip_sp(s, n, e);
    if (i >= n || s[i] != '=')
      return fail_at(p, line, i, "'=' after the key", s, n);
    i++;
    st = k == 0   ? meta_seats(p, s, n, line, &i)
         : k == 1 ? meta_withdrawn(p, s, n, line, &i)
                  : meta_title(p, s, n, line, &i);
    if (st) return st;
    i = skip_sp(s, n, i);
    if (i >= n) break;
    if (s[i] != ';')
      return fail_at(p, line, i, "';' or end of line after the value", s, n);
    i++;
    if (skip_sp(s, n, i) >= n) break; /* a trailing ';' is fine */
  }
  return STV_OK;
}

/* ---- rows -------------------------------------------------------------- */

static stv_status push_tok(csv *p, int16_t t, long line, long col) {
  if (p->ntok == p->tokcap) {
    size_t nc = p->tokcap ? p->tokcap * 2 : 64;
    int16_t *nt;
    if (p->tokcap >= UINT16_MAX)
      return stvi_fail(p->err, STV_ELIMIT, p->file, line, col,
                       "expected at most %d preferences in one ballot",
                       UINT16_MAX);
    if (nc > UINT16_MAX) nc = UINT16_MAX;
    nt = stvi_realloc_array(p->tok, nc, sizeof(*nt));
    if (!nt) return STV_ENOMEM;
    p->tok = nt;
    p->tokcap = nc;
  }
  p->tok[p->ntok++] = t;
  return STV_OK;
}

/* A rank cell: one name, or several joined by '=' (ranked equal). */
static stv_status rank_cell(csv *p, const cell *c, long line) {
  size_t a = 0;
  stv_status st;
  for (;;) {
    const char *eq = memchr(c->v + a, '=', c->n - a);
    size_t b = eq ? (size_t)(eq - c->v) : c->n, h;
    const char *v = c->v + a;
    size_t vn = b - a;
    long col;
    trim(&v, &vn);
    col = c->col + (long)(v - c->v);
    if (vn == 0)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line,
                       c->col + (long)b,
                       eq ? "expected a candidate name before '='"
                          : "expected a candidate name after '='");
    h = find_slot(p, v, vn);
    if (!p->slots[h]) {
      if (p->fixed)
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, col,
                         "expected a candidate named on the '# candidates:' "
                         "line, found '%.*s'", show(v, vn), v);
      st = add_name(p, h, v, vn, line, col);
      if (st) return st;
    }
    st = push_tok(p, (int16_t)(p->slots[h] - 1), line, col);
    if (st) return st;
    if (!eq) break;
    st = push_tok(p, STVI_TOK_EQ, line, c->col + (long)b);
    if (st) return st;
    a = b + 1;
  }
  return STV_OK;
}

static stv_status weight_cell(csv *p, const cell *c, long line, int64_t *w) {
  int64_t v = 0;
  size_t i;
  for (i = 0; i < c->n; i++)
    if (c->v[i] < '0' || c->v[i] > '9')
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, c->col,
                       "expected a whole-number weight, found '%.*s'",
                       show(c->v, c->n), c->v);
  for (i = 0; i < c->n; i++) {
    v = v * 10 + (c->v[i] - '0');
    if (v > STV_MAX_WEIGHT)
      return stvi_fail(p->err, STV_ELIMIT, p->file, line, c->col,
                       "expected a weight of at most %lld, found '%.*s'",
                       (long long)STV_MAX_WEIGHT, show(c->v, c->n), c->v);
  }
  *w = v;
  return STV_OK;
}

/* Reads the header row; a row of empty cells is skipped. */
static stv_status header(csv *p, const char *s, size_t n, long line) {
  size_t i = 0, cap = 0, ranks = 0;
  int more = 1, any = 0;
  stv_status st;
  p->ncols = 0;
  while (more) {
    cell c;
    unsigned char k = COL_RANK;
    st = next_cell(p, s, n, line, &i, &c, &more);
    if (st) return st;
    if (p->ncols == cap) {
      size_t nc = cap ? cap * 2 : 16;
      unsigned char *nk = stvi_realloc(p->kind, nc);
      if (!nk) return STV_ENOMEM;
      p->kind = nk;
      cap = nc;
    }
    if (c.n) any = 1;
    if (ieq(c.v, c.n, "weight") || ieq(c.v, c.n, "count")) {
      if (p->has_weight)
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, c.col,
                         "expected one weight column, found a second: "
                         "'%.*s'", show(c.v, c.n), c.v);
      p->has_weight = 1;
      p->wcol = p->ncols;
      k = COL_WEIGHT;
    } else if (ieq(c.v, c.n, "id") || ieq(c.v, c.n, "ballot id"))
      k = COL_ID;
    else
      ranks++;
    p->kind[p->ncols++] = k;
  }
  if (!any) { /* padding before the header */
    p->has_weight = 0;
    p->ncols = 0;
    return STV_OK;
  }
  if (ranks == 0)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, 1,
                     "expected at least one rank column in the header (a "
                     "column not headed weight, count, id or ballot id), "
                     "found none");
  p->state = S_ROWS;
  return STV_OK;
}

/* One ballot row.  Empty rank cells are counted and become skipped ranks
** when a filled rank cell follows them. */
static stv_status row(csv *p, const char *s, size_t n, long line) {
  size_t i = 0, col = 0, empties = 0;
  int more = 1, any = 0, got_w = 0;
  int64_t w = 1;
  long wat = 0; /* where the weight cell is, if it is empty */
  stv_status st;
  p->ntok = 0;
  while (more) {
    cell c;
    st = next_cell(p, s, n, line, &i, &c, &more);
    if (st) return st;
    if (c.n) any = 1;
    if (col >= p->ncols) {
      if (c.n)
        return stvi_fail(p->err, STV_ESYNTAX, p->file, line, c.col,
                         "expected at most %zu cells (as the header has), "
                         "found '%.*s'", p->ncols, show(c.v, c.n), c.v);
    } else if (p->kind[col] == COL_WEIGHT) {
      wat = c.col;
      if (c.n) {
        st = weight_cell(p, &c, line, &w);
        if (st) return st;
        got_w = 1;
      }
    } else if (p->kind[col] == COL_RANK) {
      if (c.n == 0)
        empties++;
      else {
        for (; empties; empties--) {
          st = push_tok(p, STVI_TOK_SKIP, line, c.col);
          if (st) return st;
        }
        st = rank_cell(p, &c, line);
        if (st) return st;
      }
    }
    col++;
  }
  if (!any) return STV_OK; /* padding */
  if (p->has_weight && !got_w) {
    if (wat)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, wat,
                       "expected a whole-number weight, found an empty cell");
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)n + 1,
                     "expected a whole-number weight in column %zu, found "
                     "end of line", p->wcol + 1);
  }
  st = stvi_election_add_tokens(p->e, w, p->tok, p->ntok);
  if (st == STV_ELIMIT)
    return stvi_fail(p->err, st, p->file, line, 1,
                     "too many distinct ballots or preferences");
  if (st == STV_EOVERFLOW)
    return stvi_fail(p->err, st, p->file, line, 1,
                     "the sum of ballot weights is too large");
  if (st == STV_OK) p->rows++;
  return st;
}

static stv_status on_line(void *ud, const char *s, size_t n, long line) {
  csv *p = ud;
  stv_status st;
  p->last = line;
  if (p->state == S_PRE && n > 0 && s[0] == '#') {
    size_t at = comment_tag(s, n, "candidates");
    if (at) {
      st = check_text(p, s, n, line);
      return st ? st : candidates_line(p, s, n, line, at);
    }
    at = comment_tag(s, n, "hustings");
    if (!at) return STV_OK; /* a comment */
    st = check_text(p, s, n, line);
    return st ? st : hustings_line(p, s, n, line, at);
  }
  st = check_text(p, s, n, line);
  if (st) return st;
  if (p->state == S_PRE) return header(p, s, n, line);
  return row(p, s, n, line);
}

/* The withdrawn candidates of the '# hustings:' line, now that every
** candidate is known. */
static stv_status withdraw(csv *p) {
  int j;
  for (j = 0; j < p->nwd; j++) {
    if (p->wd[j] > p->e->ncand)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, p->mline, p->wdcol[j],
                       "expected a withdrawn candidate's number from 1 to "
                       "%d (the candidates in the file), found %d",
                       p->e->ncand, p->wd[j]);
    p->e->withdrawn[p->wd[j] - 1] = 1;
  }
  return STV_OK;
}

static stv_status finish(csv *p, stv_status st, stv_election **out) {
  stvi_free(p->kind);
  stvi_free(p->tok);
  stvi_free(p->qbuf);
  if (st == STV_OK) {
    if (p->state == S_PRE)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, p->last + 1, 1,
                     "expected a header row (one column per rank), found "
                     "end of file");
    else if (p->rows == 0)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, p->last + 1, 1,
                     "expected a ballot row after the header, found end of "
                     "file");
    else if (p->e->ncand == 0)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, p->last + 1, 1,
                     "expected a candidate named in some ballot, found "
                     "none before the end of file");
    else
      st = withdraw(p);
  }
  stvi_free(p->wd);
  stvi_free(p->wdcol);
  if (st != STV_OK) {
    if (st == STV_ENOMEM)
      stvi_fail(p->err, st, p->file, 0, 0, "out of memory");
    stv_election_free(p->e);
    stvi_free(p);
    *out = NULL;
    return st;
  }
  stvi_election_done(p->e);
  *out = p->e;
  stvi_free(p);
  return STV_OK;
}

/* The reader's state is some 16 KiB, so it lives on the heap. */
static stv_status start(csv **pp, const char *file, int seats,
                        stv_error *err) {
  csv *p;
  stv_status st;
  *pp = NULL;
  if (seats < 0 || seats > STV_MAX_SEATS)
    return stvi_fail(err, seats < 0 ? STV_EINVAL : STV_ELIMIT, file, 0, 0,
                     "expected a number of seats from 1 to %d (or 0: the "
                     "file's), found %d", STV_MAX_SEATS, seats);
  p = stvi_calloc_array(1, sizeof(*p));
  if (!p) return stvi_fail(err, STV_ENOMEM, file, 0, 0, "out of memory");
  p->file = file;
  p->err = err;
  p->seats = seats;
  st = stv_election_create(&p->e);
  if (st == STV_OK && seats) st = stv_election_set_seats(p->e, seats);
  if (st) {
    stv_election_free(p->e);
    stvi_free(p);
    return stvi_fail(err, st, file, 0, 0, "out of memory");
  }
  *pp = p;
  return STV_OK;
}

stv_status stv_election_parse_csv(const char *data, size_t len,
                                  const char *name, int seats,
                                  stv_election **out, stv_error *err) {
  csv *p;
  stv_status st;
  *out = NULL;
  if (!name) name = "<memory>";
  if (!data && len) return STV_EINVAL;
  st = start(&p, name, seats, err);
  if (!p) return st; /* start failed: st says why */
  st = stvi_lines_mem(data, len, name, on_line, p, err);
  return finish(p, st, out);
}

stv_status stv_election_read_csv(const char *path, int seats,
                                 stv_election **out, stv_error *err) {
  csv *p;
  stv_status st;
  *out = NULL;
  if (!path) return STV_EINVAL;
  st = start(&p, path, seats, err);
  if (!p) return st; /* start failed: st says why */
  st = stvi_lines_file(path, on_line, p, err);
  return finish(p, st, out);
}
