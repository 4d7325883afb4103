/*
** blt.c: the BLT ballot format, as used in practice.
**
**   [# comments]            lines whose first non-blank is '#', anywhere
**   C S                     candidates and seats
**   [-a -b ...]             withdrawn candidates, as negative numbers
**   [(id)] W p p p ... 0    a ballot: weight W, preferences, a closing 0;
**                           "a=b" ranks a and b equal, "-" skips a rank
**   0                       the end of the ballots
**   "Name" | Name           C names, quoted ("" for a quote) or unquoted,
**                           one per line; a second quoted string on a name
**                           line is appended as " (party)"
**   "Title" | Title         optional
**
** Every error names file:line:col and what was expected.  The reader is fed
** line by line (lines.c), so files of any length stream in bounded memory.
** docs/formats.md describes the choices (the one malformed Scottish file,
** with a comma after every line, is rejected at 1:3).
*/
#include <string.h>

#include "stvInt.h"

enum { S_HEADER, S_WITHDRAWN, S_BALLOTS, S_NAMES, S_TITLE, S_DONE };

typedef struct blt {
  stv_election *e;
  const char *file;
  stv_error *err;
  int state;
  int names;
  int16_t *tok;
  size_t tokcap;
  /* ballots parsed but not yet merged (election.c takes them in batches) */
  int16_t *btok;
  size_t btoklen, btokcap;
  size_t nb;
  size_t boff[STVI_BATCH], blen[STVI_BATCH];
  int64_t bw[STVI_BATCH];
  long bline[STVI_BATCH]; /* the line of each, for its errors */
  char **alt; /* names from "# ALTERNATIVE NAME n: ..." comments */
  int nalt;
} blt;

static int is_sp(char ch) { return ch == ' ' || ch == '\t'; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static size_t skip_sp(const char *s, size_t n, size_t i) {
  while (i < n && is_sp(s[i])) i++;
  return i;
}

/* A token ends at white space, end of line, or '#'. */
static size_t tok_end(const char *s, size_t n, size_t i) {
  while (i < n && !is_sp(s[i]) && s[i] != '#') i++;
  return i;
}

static stv_status fail(blt *p, long line, size_t i, stv_status st,
                       const char *what, const char *s, size_t n) {
  size_t e = tok_end(s, n, i);
  if (e == i && i < n) e = i + 1;
  if (e - i > 40) e = i + 40;
  if (i >= n)
    return stvi_fail(p->err, st, p->file, line, (long)i + 1,
                     "expected %s, found end of line", what);
  return stvi_fail(p->err, st, p->file, line, (long)i + 1,
                   "expected %s, found '%.*s'", what, (int)(e - i), s + i);
}

/* Reads an unsigned decimal number that must end at a token boundary. */
static int read_num(const char *s, size_t n, size_t *i, int64_t max,
                    int64_t *out) {
  size_t j = *i;
  int64_t v = 0;
  if (j >= n || !is_digit(s[j])) return 0;
  while (j < n && is_digit(s[j])) {
    v = v * 10 + (s[j] - '0');
    if (v > max) return 0;
    j++;
  }
  *i = j;
  *out = v;
  return 1;
}

static int at_boundary(const char *s, size_t n, size_t i) {
  return i >= n || is_sp(s[i]) || s[i] == '#';
}

static int blank_or_comment(const char *s, size_t n) {
  size_t i = skip_sp(s, n, 0);
  return i >= n || s[i] == '#';
}

static stv_status header(blt *p, const char *s, size_t n, long line) {
  size_t i = skip_sp(s, n, 0);
  int64_t c, k;
  stv_status st;
  if (!read_num(s, n, &i, STV_MAX_CANDIDATES, &c) || !at_boundary(s, n, i) ||
      c < 1)
    return fail(p, line, skip_sp(s, n, 0), STV_ESYNTAX,
                "the number of candidates (1 to 1000)", s, n);
  i = skip_sp(s, n, i);
  {
    size_t at = i;
    if (!read_num(s, n, &i, STV_MAX_SEATS, &k) || !at_boundary(s, n, i) ||
        k < 1)
      return fail(p, line, at, STV_ESYNTAX, "the number of seats", s, n);
    if (k > c)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)at + 1,
                       "expected at most %lld seats (one per candidate), "
                       "found %lld", (long long)c, (long long)k);
  }
  i = skip_sp(s, n, i);
  if (i < n && s[i] != '#')
    return fail(p, line, i, STV_ESYNTAX, "end of line after the seats", s, n);
  st = stvi_election_set_ncand(p->e, (int)c);
  if (st) return st;
  p->e->seats = (int)k;
  p->tokcap = 64;
  p->tok = stvi_alloc_array(p->tokcap, sizeof(*p->tok));
  if (!p->tok) return STV_ENOMEM;
  p->state = S_WITHDRAWN;
  return STV_OK;
}

static stv_status withdrawn(blt *p, const char *s, size_t n, long line) {
  size_t i = skip_sp(s, n, 0);
  while (i < n && s[i] != '#') {
    int64_t v;
    size_t at = i;
    if (s[i] != '-') break;
    i++;
    if (!read_num(s, n, &i, STV_MAX_CANDIDATES, &v) || !at_boundary(s, n, i))
      return fail(p, line, at, STV_ESYNTAX,
                  "a withdrawn candidate as a negative number", s, n);
    if (v < 1 || v > p->e->ncand)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)at + 1,
                       "expected a candidate number from 1 to %d, found %lld",
                       p->e->ncand, (long long)v);
    p->e->withdrawn[v - 1] = 1;
    i = skip_sp(s, n, i);
  }
  if (i < n && s[i] != '#')
    return fail(p, line, i, STV_ESYNTAX,
                "a withdrawn candidate as a negative number", s, n);
  return STV_OK;
}

static stv_status push_tok(blt *p, size_t *nt, int16_t t, long line,
                           size_t at) {
  if (*nt == p->tokcap) {
    size_t nc = p->tokcap * 2;
    int16_t *nt2;
    if (p->tokcap >= UINT16_MAX)
      return stvi_fail(p->err, STV_ELIMIT, p->file, line, (long)at + 1,
                       "expected at most %d preferences in one ballot",
                       UINT16_MAX);
    if (nc > UINT16_MAX) nc = UINT16_MAX;
    nt2 = stvi_realloc_array(p->tok, nc, sizeof(*nt2));
    if (!nt2) return STV_ENOMEM;
    p->tok = nt2;
    p->tokcap = nc;
  }
  p->tok[(*nt)++] = t;
  return STV_OK;
}

/* Merges the pending batch of ballots into the election. */
static stv_status flush(blt *p) {
  const int16_t *toks[STVI_BATCH];
  size_t j, done;
  stv_status st;
  if (p->nb == 0) return STV_OK;
  for (j = 0; j < p->nb; j++) toks[j] = p->btok + p->boff[j];
  st = stvi_election_add_many(p->e, p->nb, p->bw, toks, p->blen, &done);
  p->nb = 0;
  p->btoklen = 0;
  if (st == STV_ELIMIT)
    return stvi_fail(p->err, st, p->file, p->bline[done], 1,
                     "too many distinct ballots (at most %ld) or preferences",
                     (long)STV_MAX_BALLOTS);
  if (st == STV_EOVERFLOW)
    return stvi_fail(p->err, st, p->file, p->bline[done], 1,
                     "the sum of ballot weights is too large");
  return st;
}

/* Queues one parsed ballot (p->tok[0..nt)) for merging. */
static stv_status queue(blt *p, int64_t w, size_t nt, long line) {
  if (w < 0 || w > STV_MAX_WEIGHT) return STV_ELIMIT;
  if (!p->btok || p->btoklen + nt > p->btokcap) { /* never NULL + 0 */
    size_t nc = p->btokcap ? p->btokcap : 1024;
    int16_t *nb;
    while (nc < p->btoklen + nt) nc *= 2;
    nb = stvi_realloc_array(p->btok, nc, sizeof(*nb));
    if (!nb) return STV_ENOMEM;
    p->btok = nb;
    p->btokcap = nc;
  }
  if (nt) memcpy(p->btok + p->btoklen, p->tok, nt * sizeof(*p->tok));
  p->boff[p->nb] = p->btoklen;
  p->blen[p->nb] = nt;
  p->bw[p->nb] = w;
  p->btoklen += nt;
  p->bline[p->nb++] = line;
  return p->nb == STVI_BATCH ? flush(p) : STV_OK;
}

/* The common line "W c c c 0" (digits and single spaces, nothing else),
** parsed in one tight pass.  Returns 0 for anything else, which the general
** parser below then reads (and reports, if wrong).  Candidate numbers of
** one or two digits, the usual case, are read without a branch on their
** length, which a random mix of 9 and 42 would mispredict. */
static int fast_ballot(blt *p, const char *s, size_t n, int64_t *w,
                       size_t *nt) {
  const unsigned char *q = (const unsigned char *)s, *end = q + n;
  int16_t *tok = p->tok;
  size_t k = 0, cap = p->tokcap;
  unsigned ncand = (unsigned)p->e->ncand;
  int64_t v = 0;
  if (n == 0 || !is_digit(s[0]) || s[0] == '0') return 0;
  while (q < end && (unsigned)(*q - '0') <= 9) {
    v = v * 10 + (*q++ - '0');
    if (v > STV_MAX_WEIGHT) return 0;
  }
  *w = v;
  for (;;) {
    unsigned d0, d1, c, two;
    if (end - q < 3) { /* room for " d" only: the closing " 0" */
      if (end - q == 2 && q[0] == ' ' && q[1] == '0') break;
      return 0;
    }
    d0 = (unsigned)q[1] - '0';
    d1 = (unsigned)q[2] - '0';
    if (q[0] != ' ' || d0 > 9) return 0;
    two = d1 <= 9;
    c = d0 + two * (d0 * 9 + d1); /* d0 d1 if two digits, else d0 */
    q += 2 + two;
    if (q < end && *q != ' ') return 0; /* three digits or more, or junk */
    if (d0 == 0) { /* the closing 0 ends the line; "0d" goes the long way */
      if (two || q != end) return 0;
      break;
    }
    if (c > ncand || k == cap) return 0;
    tok[k++] = (int16_t)(c - 1);
  }
  *nt = k;
  return 1;
}

static stv_status ballot(blt *p, const char *s, size_t n, long line) {
  size_t i = skip_sp(s, n, 0), nt = 0;
  {
    int64_t fw;
    if (fast_ballot(p, s, n, &fw, &nt)) return queue(p, fw, nt, line);
    nt = 0;
  }
  int64_t w;
  stv_status st;
  if (i < n && s[i] == '(') { /* optional ballot identifier */
    const char *close = memchr(s + i, ')', n - i);
    if (!close)
      return fail(p, line, i, STV_ESYNTAX, "')' closing the ballot id", s, n);
    i = skip_sp(s, n, (size_t)(close - s) + 1);
  }
  {
    size_t at = i;
    if (!read_num(s, n, &i, STV_MAX_WEIGHT, &w) || !at_boundary(s, n, i))
      return fail(p, line, at, STV_ESYNTAX,
                  "a ballot weight (a whole number) or 0 ending the ballots",
                  s, n);
  }
  i = skip_sp(s, n, i);
  if (w == 0 && (i >= n || s[i] == '#') && nt == 0 && s[skip_sp(s, n, 0)] == '0') {
    p->state = S_NAMES; /* the lone 0 that ends the ballots */
    return flush(p);
  }
  for (;;) {
    size_t at;
    int64_t v;
    i = skip_sp(s, n, i);
    at = i;
    if (i >= n || s[i] == '#')
      return fail(p, line, i, STV_ESYNTAX,
                  "a preference or 0 ending the ballot", s, n);
    if (s[i] == '-' && at_boundary(s, n, i + 1)) {
      st = push_tok(p, &nt, STVI_TOK_SKIP, line, at);
      if (st) return st;
      i++;
      continue;
    }
    if (!read_num(s, n, &i, STV_MAX_CANDIDATES, &v))
      return fail(p, line, at, STV_ESYNTAX,
                  "a candidate number, '-' or 0 ending the ballot", s, n);
    if (v == 0) {
      if (!at_boundary(s, n, i))
        return fail(p, line, at, STV_ESYNTAX, "0 ending the ballot", s, n);
      break;
    }
    if (v > p->e->ncand)
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)at + 1,
                       "expected a candidate number from 1 to %d, found %lld",
                       p->e->ncand, (long long)v);
    st = push_tok(p, &nt, (int16_t)(v - 1), line, at);
    if (st) return st;
    if (i < n && s[i] == '=') {
      st = push_tok(p, &nt, STVI_TOK_EQ, line, i);
      if (st) return st;
      i++;
      if (i >= n || !is_digit(s[i]) || s[i] == '0')
        return fail(p, line, i, STV_ESYNTAX,
                    "a candidate number after '='", s, n);
      continue;
    }
    if (!at_boundary(s, n, i))
      return fail(p, line, at, STV_ESYNTAX,
                  "a candidate number, '-' or 0 ending the ballot", s, n);
  }
  i = skip_sp(s, n, i);
  if (i < n && s[i] != '#')
    return fail(p, line, i, STV_ESYNTAX, "end of line after the closing 0",
                s, n);
  return queue(p, w, nt, line);
}

/* Parses a quoted string at s[i] (s[i] == '"').  Writes the unescaped text
** into a fresh string. */
static stv_status quoted(blt *p, const char *s, size_t n, long line,
                         size_t *i, char **out, size_t *outn) {
  size_t j = *i + 1, k = 0, start = *i;
  char *d = stvi_realloc(NULL, n + 1);
  if (!d) return STV_ENOMEM;
  for (;;) {
    if (j >= n) {
      stvi_free(d);
      return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)start + 1,
                       "expected '\"' closing the quoted name");
    }
    if (s[j] == '"') {
      if (j + 1 < n && s[j + 1] == '"') {
        d[k++] = '"';
        j += 2;
        continue;
      }
      j++;
      break;
    }
    d[k++] = s[j++];
  }
  d[k] = '\0';
  *i = j;
  *out = d;
  *outn = k;
  return STV_OK;
}

static stv_status check_utf8(blt *p, const char *s, size_t n, long line,
                             size_t base) {
  size_t ok = stvi_utf8_valid(s, n);
  if (ok < n)
    return stvi_fail(p->err, STV_ESYNTAX, p->file, line, (long)(base + ok) + 1,
                     "expected UTF-8 text");
  return STV_OK;
}

/* One name or title line; several quoted strings may share a line. */
static stv_status text_line(blt *p, const char *s, size_t n, long line) {
  size_t i = skip_sp(s, n, 0);
  stv_status st;
  st = check_utf8(p, s, n, line, 0);
  if (st) return st;
  if (s[i] != '"') {
    size_t e = n;
    while (e > i && is_sp(s[e - 1])) e--;
    if (p->state == S_NAMES) {
      if (e - i > STV_MAX_NAME)
        return stvi_fail(p->err, STV_ELIMIT, p->file, line, (long)i + 1,
                         "candidate name longer than %d bytes", STV_MAX_NAME);
      st = stvi_election_set_name(p->e, p->names++, s + i, e - i);
      if (st) return st;
      if (p->names == p->e->ncand) p->state = S_TITLE;
      return STV_OK;
    }
    if (p->state == S_TITLE) {
      char *t = stvi_strndup(s + i, e - i);
      if (!t) return STV_ENOMEM;
      stvi_free(p->e->title);
      p->e->title = t;
      p->state = S_DONE;
      return STV_OK;
    }
    return fail(p, line, i, STV_ESYNTAX, "end of file after the title", s, n);
  }
  {
    char *txt = NULL, *extra = NULL;
    size_t tn = 0, xn = 0;
    if (p->state == S_DONE)
      return fail(p, line, i, STV_ESYNTAX, "end of file after the title", s,
                  n);
    st = quoted(p, s, n, line, &i, &txt, &tn);
    if (st) return st;
    i = skip_sp(s, n, i);
    if (i < n && s[i] == '"' && p->state == S_NAMES) {
      /* "Name" "Party": a second quoted string describes the candidate */
      st = quoted(p, s, n, line, &i, &extra, &xn);
      if (st) {
        stvi_free(txt);
        return st;
      }
      if (xn) {
        char *both = stvi_realloc(txt, tn + xn + 4);
        if (!both) {
          stvi_free(txt);
          stvi_free(extra);
          return STV_ENOMEM;
        }
        txt = both;
        memcpy(txt + tn, " (", 2);
        memcpy(txt + tn + 2, extra, xn);
        txt[tn + 2 + xn] = ')';
        txt[tn + 3 + xn] = 0;
        tn += xn + 3;
      }
      stvi_free(extra);
      i = skip_sp(s, n, i);
    }
    if (p->state == S_NAMES) {
      if (tn > STV_MAX_NAME) {
        stvi_free(txt);
        return stvi_fail(p->err, STV_ELIMIT, p->file, line, 1,
                         "candidate name longer than %d bytes", STV_MAX_NAME);
      }
      stvi_free(p->e->names[p->names]);
      p->e->names[p->names++] = txt;
      if (p->names == p->e->ncand) p->state = S_TITLE;
    } else {
      stvi_free(p->e->title);
      p->e->title = txt;
      p->state = S_DONE;
    }
  }
  if (i < n && s[i] != '#')
    return fail(p, line, i, STV_ESYNTAX,
                "end of line after the closing '\"'", s, n);
  return STV_OK;
}

/* "# ALTERNATIVE NAME n: text" after the ballots names candidate n, for
** files that list no names (Glasgow 2007). */
static stv_status alt_name(blt *p, const char *s, size_t n) {
  static const char tag[] = "ALTERNATIVE NAME ";
  size_t i = skip_sp(s, n, 0) + 1, e;
  int64_t k;
  i = skip_sp(s, n, i);
  if (n - i < sizeof(tag) - 1 || memcmp(s + i, tag, sizeof(tag) - 1)) return STV_OK;
  i += sizeof(tag) - 1;
  if (!read_num(s, n, &i, STV_MAX_CANDIDATES, &k) || i >= n || s[i] != ':' ||
      k < 1 || k > p->e->ncand)
    return STV_OK;
  i = skip_sp(s, n, i + 1);
  e = n;
  while (e > i && is_sp(s[e - 1])) e--;
  if (e - i > STV_MAX_NAME || stvi_utf8_valid(s + i, e - i) < e - i) return STV_OK;
  if (!p->alt) {
    p->alt = stvi_calloc_array((size_t)p->e->ncand, sizeof(char *));
    if (!p->alt) return STV_ENOMEM;
  }
  if (!p->alt[k - 1]) p->nalt++;
  stvi_free(p->alt[k - 1]);
  p->alt[k - 1] = stvi_strndup(s + i, e - i);
  return p->alt[k - 1] ? STV_OK : STV_ENOMEM;
}

/* At the end of a file that gave no names but named every candidate in
** ALTERNATIVE NAME comments, the one text line read is the title. */
static int use_alt_names(blt *p) {
  int i;
  if (p->state != S_NAMES || p->nalt != p->e->ncand || p->names > 1) return 0;
  if (p->names == 1) {
    stvi_free(p->e->title);
    p->e->title = p->e->names[0];
    p->e->names[0] = NULL;
  }
  for (i = 0; i < p->e->ncand; i++) {
    stvi_free(p->e->names[i]);
    p->e->names[i] = p->alt[i];
    p->alt[i] = NULL;
  }
  p->state = S_DONE;
  return 1;
}

static stv_status on_line(void *ud, const char *s, size_t n, long line) {
  blt *p = ud;
  if (blank_or_comment(s, n)) {
    if (p->state >= S_NAMES && skip_sp(s, n, 0) < n) return alt_name(p, s, n);
    return STV_OK;
  }
  switch (p->state) {
  case S_HEADER:
    return header(p, s, n, line);
  case S_WITHDRAWN: {
    size_t i = skip_sp(s, n, 0);
    p->state = S_BALLOTS;
    if (s[i] == '-' && i + 1 < n && is_digit(s[i + 1]))
      return withdrawn(p, s, n, line);
    return ballot(p, s, n, line);
  }
  case S_BALLOTS:
    return ballot(p, s, n, line);
  case S_NAMES:
  case S_TITLE:
  case S_DONE:
    return text_line(p, s, n, line);
  }
  return STV_OK;
}

static stv_status finish(blt *p, stv_status st, long lastline,
                         stv_election **out) {
  int i;
  if (p->nb) { /* queued ballots come before the failure, and so do their
               ** errors: a later line's error must not hide them */
    stv_status fst = flush(p);
    if (fst) st = fst;
  }
  stvi_free(p->tok);
  stvi_free(p->btok);
  if (st == STV_OK) use_alt_names(p);
  if (p->alt)
    for (i = 0; i < p->e->ncand; i++) stvi_free(p->alt[i]);
  stvi_free(p->alt);
  if (st == STV_OK) {
    if (p->state == S_HEADER)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, lastline + 1, 1,
                     "expected the header 'candidates seats', "
                     "found end of file");
    else if (p->state == S_WITHDRAWN || p->state == S_BALLOTS)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, lastline + 1, 1,
                     "expected a ballot or the 0 ending the ballots, "
                     "found end of file");
    else if (p->state == S_NAMES)
      st = stvi_fail(p->err, STV_ESYNTAX, p->file, lastline + 1, 1,
                     "expected %d candidate names, found %d, then end of file",
                     p->e->ncand, p->names);
  }
  if (st != STV_OK) {
    if (st == STV_ENOMEM && p->err)
      stvi_fail(p->err, st, p->file, 0, 0, "out of memory");
    stv_election_free(p->e);
    *out = NULL;
    return st;
  }
  stvi_election_done(p->e);
  *out = p->e;
  return STV_OK;
}

typedef struct counter {
  blt *p;
  long last;
} counter;

static stv_status count_line(void *ud, const char *s, size_t n, long line) {
  counter *c = ud;
  c->last = line;
  return on_line(c->p, s, n, line);
}

static stv_status start(blt *p, const char *file, stv_error *err) {
  memset(p, 0, sizeof(*p));
  p->file = file;
  p->err = err;
  return stv_election_create(&p->e);
}

stv_status stv_election_parse_blt(const char *data, size_t len,
                                  const char *name, stv_election **out,
                                  stv_error *err) {
  blt p;
  counter c;
  stv_status st;
  *out = NULL;
  if (!name) name = "<memory>";
  if ((st = start(&p, name, err))) return st;
  c.p = &p;
  c.last = 0;
  st = stvi_lines_mem(data, len, name, count_line, &c, err);
  return finish(&p, st, c.last, out);
}

stv_status stv_election_read_blt(const char *path, stv_election **out,
                                 stv_error *err) {
  blt p;
  counter c;
  stv_status st;
  *out = NULL;
  if ((st = start(&p, path, err))) return st;
  c.p = &p;
  c.last = 0;
  st = stvi_lines_file(path, count_line, &c, err);
  return finish(&p, st, c.last, out);
}
