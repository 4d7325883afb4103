/*
** ballots_write.c: an election's ballots read back one by one
** (stv_election_ballot) and written out whole as BLT, rank-column CSV or
** hustings ballots JSON (stv_election_write).
**
** Each writer's output is read back by its reader (blt.c, csv.c, the CLI's
** JSON reader) as the same election: seats, title, names, withdrawn
** candidates, and every distinct ranking with its weight.  What a format
** cannot hold is refused with a reason, never dropped (docs/convert.md).
**
** The writer runs twice: a dry run that builds every line and checks it
** (so a refusal comes before the first byte reaches the caller), then the
** real one.  Lines are built in a capped buffer that is handed to the
** caller's sink every 64 KiB, so memory does not grow with the election,
** and no line is longer than the readers take (STV_MAX_LINE).
*/
#include <string.h>

#include "report.h"

#define FLUSH_AT ((size_t)64 << 10)
/* A line is cut off at STV_MAX_LINE bytes; the longest piece appended at
** once is a JSON title (6 bytes per byte at worst, "\u0001"). */
#define WBUF_CAP (FLUSH_AT + 8 * (size_t)STV_MAX_LINE)

stv_status stv_election_ballot(const stv_election *e, int64_t i,
                               int64_t *weight, int *ranking, size_t cap,
                               size_t *n) {
  const int16_t *t;
  size_t k, len;
  if (!e || i < 0 || i >= e->nballots || !weight || !n ||
      (cap && !ranking))
    return STV_EINVAL;
  t = e->pool + e->off[i];
  len = e->len[i];
  *weight = e->weight[i];
  *n = len;
  if (len > cap) return STV_ELIMIT;
  for (k = 0; k < len; k++)
    ranking[k] = t[k] == STVI_TOK_SKIP ? STV_RANK_SKIP
                 : t[k] == STVI_TOK_EQ ? STV_RANK_EQ
                                       : t[k] + 1;
  return STV_OK;
}

typedef struct writer {
  const stv_election *e;
  stvi_buf b;
  size_t line;      /* where the current line starts in b */
  long lines;       /* lines finished */
  int toolong;      /* the current line went past STV_MAX_LINE */
  int dry;          /* the checking run: nothing reaches fn */
  stv_write_fn fn;
  void *ud;
  stv_error *err;
} writer;

static void put(writer *w, const char *s, size_t n) {
  if (w->toolong || w->b.failed) return;
  if (w->b.len - w->line + n > STV_MAX_LINE) {
    w->toolong = 1;
    return;
  }
  stvi_buf_add(&w->b, s, n);
}

static void puts_(writer *w, const char *s) { put(w, s, strlen(s)); }

static void put_num(writer *w, int64_t v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
  put(w, tmp, (size_t)n);
}

/* s in quotation marks, each quote inside doubled (BLT and CSV). */
static void put_quoted(writer *w, const char *s) {
  put(w, "\"", 1);
  while (*s) {
    const char *q = strchr(s, '"');
    size_t n = q ? (size_t)(q - s) + 1 : strlen(s);
    put(w, s, n);
    if (!q) break;
    put(w, "\"", 1);
    s = q + 1;
  }
  put(w, "\"", 1);
}

static stv_status flush(writer *w) {
  int rc = 0;
  if (w->b.failed) return STV_ENOMEM;
  if (!w->dry && w->b.len) rc = w->fn(w->ud, w->b.data, w->b.len);
  w->b.len = 0;
  w->line = 0;
  return rc ? STV_EIO : STV_OK;
}

/* Ends the current line; what names it in the message if it is too long. */
static stv_status end_line(writer *w, const char *what, int64_t which) {
  if (w->b.failed) return STV_ENOMEM;
  if (w->toolong && which)
    return stvi_fail(w->err, STV_ELIMIT, "", 0, 0,
                     "%s%lld would need a line longer than the %ld bytes a "
                     "reader takes", what, (long long)which,
                     (long)STV_MAX_LINE);
  if (w->toolong)
    return stvi_fail(w->err, STV_ELIMIT, "", 0, 0,
                     "%s would need a line longer than the %ld bytes a "
                     "reader takes", what, (long)STV_MAX_LINE);
  stvi_buf_add(&w->b, "\n", 1);
  w->lines++;
  w->line = w->b.len;
  return w->b.len >= FLUSH_AT ? flush(w) : STV_OK;
}

/* Calls fn(w, weight, i) once per line the ballot needs: weights above
** STV_MAX_WEIGHT are split. */
typedef stv_status (*ballot_fn)(writer *w, int64_t weight, int64_t i);

static stv_status each_line(writer *w, int64_t i, ballot_fn fn) {
  int64_t left = w->e->weight[i];
  stv_status st;
  do {
    int64_t part = left > STV_MAX_WEIGHT ? STV_MAX_WEIGHT : left;
    st = fn(w, part, i);
    left -= part;
  } while (st == STV_OK && left > 0);
  return st;
}

/* ---- BLT --------------------------------------------------------------- */

static stv_status blt_ballot(writer *w, int64_t weight, int64_t i) {
  const int16_t *t = w->e->pool + w->e->off[i];
  size_t k, n = w->e->len[i];
  put_num(w, weight);
  for (k = 0; k < n; k++) {
    if (t[k] == STVI_TOK_EQ) {
      put(w, "=", 1);
      continue;
    }
    if (k == 0 || t[k - 1] != STVI_TOK_EQ) put(w, " ", 1);
    if (t[k] == STVI_TOK_SKIP)
      put(w, "-", 1);
    else
      put_num(w, t[k] + 1);
  }
  put(w, " 0", 2);
  return end_line(w, "ballot ", i + 1);
}

static stv_status write_blt(writer *w) {
  const stv_election *e = w->e;
  stv_status st;
  int c, any = 0;
  int64_t i;
  put_num(w, e->ncand);
  put(w, " ", 1);
  put_num(w, e->seats);
  if ((st = end_line(w, "the header", 0))) return st;
  for (c = 0; c < e->ncand; c++)
    if (e->withdrawn[c]) {
      puts_(w, any ? " -" : "-");
      put_num(w, c + 1);
      any = 1;
    }
  if (any && (st = end_line(w, "the withdrawn candidates", 0))) return st;
  for (i = 0; i < e->nballots; i++)
    if ((st = each_line(w, i, blt_ballot))) return st;
  put(w, "0", 1);
  if ((st = end_line(w, "the end of the ballots", 0))) return st;
  for (c = 0; c < e->ncand; c++) {
    put_quoted(w, e->names[c]);
    if ((st = end_line(w, "the name of candidate ", c + 1))) return st;
  }
  if (e->title && e->title[0]) {
    put_quoted(w, e->title);
    if ((st = end_line(w, "the title", 0))) return st;
  }
  return STV_OK;
}

/* ---- CSV --------------------------------------------------------------- */

static stv_status csv_ballot(writer *w, int64_t weight, int64_t i) {
  const stv_election *e = w->e;
  const int16_t *t = e->pool + e->off[i];
  size_t k = 0, n = e->len[i];
  put_num(w, weight);
  while (k < n) {
    put(w, ",", 1);
    if (t[k] == STVI_TOK_SKIP) {
      k++;
      continue;
    }
    /* one rank: a name, or names joined by '=' (the cell is quoted as a
    ** whole if any of them needs it) */
    {
      size_t j = k, need = 0;
      for (;;) {
        const char *nm = e->names[t[j]];
        if (strchr(nm, ',') || strchr(nm, '"')) need = 1;
        if (j + 1 < n && t[j + 1] == STVI_TOK_EQ) {
          j += 2;
          continue;
        }
        break;
      }
      if (need) put(w, "\"", 1);
      for (;;) {
        const char *nm = e->names[t[k]];
        if (need) {
          for (; *nm; nm++) {
            put(w, nm, 1);
            if (*nm == '"') put(w, "\"", 1);
          }
        } else
          puts_(w, nm);
        k++;
        if (k < n && t[k] == STVI_TOK_EQ) {
          put(w, "=", 1);
          k++;
          continue;
        }
        break;
      }
      if (need) put(w, "\"", 1);
    }
  }
  return end_line(w, "ballot ", i + 1);
}

/* What CSV cannot hold, found before writing. */
static stv_status csv_check(writer *w) {
  const stv_election *e = w->e;
  int c, d;
  int64_t i;
  for (c = 0; c < e->ncand; c++) {
    const char *s = e->names[c];
    size_t n = strlen(s);
    const char *why = NULL;
    if (n == 0)
      why = "is empty";
    else if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
             s[n - 1] == '\t')
      why = "begins or ends with a blank (CSV drops them)";
    else if (strchr(s, '='))
      why = "contains '=' (it joins equal ranks in CSV)";
    else if (strchr(s, ';'))
      why = "contains ';' (it separates the names of '# candidates:')";
    if (why)
      return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                       "CSV cannot hold the name of candidate %d, which "
                       "%s", c + 1, why);
    for (d = 0; d < c; d++)
      if (strcmp(e->names[d], s) == 0)
        return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                         "CSV cannot hold two candidates with the same "
                         "name (%d and %d): ballots name them", d + 1, c + 1);
  }
  if (e->nballots == 0)
    return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                     "CSV cannot hold an election without ballots (it "
                     "needs a ballot row)");
  for (i = 0; i < e->nballots; i++)
    if (e->len[i] && e->pool[e->off[i] + e->len[i] - 1] == STVI_TOK_SKIP)
      return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                       "CSV cannot hold ballot %lld, whose ranking ends in a "
                       "skipped rank (empty cells after the last name are "
                       "unranked)", (long long)i + 1);
  return STV_OK;
}

static stv_status write_csv(writer *w) {
  const stv_election *e = w->e;
  stv_status st;
  size_t ranks = 1, sep = 0;
  int c, any = 0;
  int64_t i;
  if ((st = csv_check(w))) return st;
  if (e->seats || (e->title && e->title[0])) any = 1;
  for (c = 0; c < e->ncand; c++) any |= e->withdrawn[c];
  if (any) {
    puts_(w, "# hustings:");
    if (e->seats) {
      puts_(w, " seats=");
      put_num(w, e->seats);
      sep = 1;
    }
    for (c = 0, any = 0; c < e->ncand; c++)
      if (e->withdrawn[c]) {
        puts_(w, any++ ? "," : sep++ ? "; withdrawn=" : " withdrawn=");
        put_num(w, c + 1);
      }
    if (e->title && e->title[0]) {
      puts_(w, sep ? "; title=" : " title=");
      put_quoted(w, e->title);
    }
    if ((st = end_line(w, "the '# hustings:' line", 0))) return st;
  }
  puts_(w, "# candidates:");
  for (c = 0; c < e->ncand; c++) {
    puts_(w, c ? "; " : " ");
    puts_(w, e->names[c]);
  }
  if ((st = end_line(w, "the '# candidates:' line", 0))) return st;
  for (i = 0; i < e->nballots; i++) { /* rank columns: the most ranks */
    const int16_t *t = e->pool + e->off[i];
    size_t k, r = e->len[i]; /* a=b is one rank: two tokens fewer */
    for (k = 0; k < e->len[i]; k++)
      if (t[k] == STVI_TOK_EQ) r -= 2;
    if (r > ranks) ranks = r;
  }
  puts_(w, "Weight");
  for (sep = 1; sep <= ranks; sep++) {
    puts_(w, ",Rank ");
    put_num(w, (int64_t)sep);
  }
  if ((st = end_line(w, "the header row", 0))) return st;
  for (i = 0; i < e->nballots; i++)
    if ((st = each_line(w, i, csv_ballot))) return st;
  return STV_OK;
}

/* ---- hustings ballots JSON --------------------------------------------- */

static void json_str(writer *w, const char *s) {
  stvi_json_str(&w->b, s); /* JSON has no line limit: w->line is moot */
}

static stv_status json_ballot(writer *w, int64_t weight, int64_t i) {
  const int16_t *t = w->e->pool + w->e->off[i];
  size_t k = 0, n = w->e->len[i];
  stvi_buf_printf(&w->b, "%s    {\"weight\": %lld, \"ranking\": [",
                  w->lines > 0 ? ",\n" : "", (long long)weight);
  while (k < n) {
    if (k) stvi_buf_puts(&w->b, ", ");
    if (t[k] == STVI_TOK_SKIP) {
      stvi_buf_puts(&w->b, "[]");
      k++;
    } else if (k + 1 < n && t[k + 1] == STVI_TOK_EQ) {
      stvi_buf_printf(&w->b, "[%d", t[k] + 1);
      k++;
      while (k + 1 < n && t[k] == STVI_TOK_EQ) {
        stvi_buf_printf(&w->b, ", %d", t[k + 1] + 1);
        k += 2;
      }
      stvi_buf_puts(&w->b, "]");
    } else {
      stvi_buf_printf(&w->b, "%d", t[k] + 1);
      k++;
    }
  }
  stvi_buf_puts(&w->b, "]}");
  w->lines++;
  w->line = w->b.len;
  return w->b.len >= FLUSH_AT ? flush(w) : STV_OK;
}

static stv_status write_json(writer *w) {
  const stv_election *e = w->e;
  stv_status st;
  int c;
  int64_t i;
  stvi_buf_puts(&w->b, "{\n  \"format\": \"hustings-ballots\",\n"
                       "  \"version\": 1,\n  \"title\": ");
  json_str(w, e->title ? e->title : "");
  if (e->seats) stvi_buf_printf(&w->b, ",\n  \"seats\": %d", e->seats);
  stvi_buf_puts(&w->b, ",\n  \"candidates\": [\n");
  for (c = 0; c < e->ncand; c++) {
    stvi_buf_puts(&w->b, "    {\"name\": ");
    json_str(w, e->names[c]);
    stvi_buf_puts(&w->b, e->withdrawn[c] ? ", \"withdrawn\": true}" : "}");
    stvi_buf_puts(&w->b, c + 1 < e->ncand ? ",\n" : "\n");
  }
  stvi_buf_puts(&w->b, "  ],\n  \"ballots\": [\n");
  w->lines = 0;
  for (i = 0; i < e->nballots; i++)
    if ((st = each_line(w, i, json_ballot))) return st;
  stvi_buf_puts(&w->b, w->lines ? "\n  ]\n}\n" : "  ]\n}\n");
  return STV_OK;
}

/* ---- common ------------------------------------------------------------ */

/* Names and the title must be UTF-8 on one line, as every reader needs. */
static stv_status check_text(writer *w) {
  const stv_election *e = w->e;
  int c;
  if (e->ncand < 1)
    return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                     "an election without candidates cannot be written");
  for (c = -1; c < e->ncand; c++) {
    const char *s = c < 0 ? (e->title ? e->title : "") : e->names[c];
    size_t n = strlen(s);
    if (stvi_utf8_valid(s, n) < n || strchr(s, '\n') || strchr(s, '\r')) {
      if (c < 0)
        return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                         "the title is not UTF-8 text on one line");
      return stvi_fail(w->err, STV_EUNSUPPORTED, "", 0, 0,
                       "the name of candidate %d is not UTF-8 text on one "
                       "line", c + 1);
    }
  }
  return STV_OK;
}

static stv_status run(writer *w, stv_ballot_format f) {
  stv_status st;
  stvi_buf_init(&w->b, WBUF_CAP);
  w->line = 0;
  w->lines = 0;
  w->toolong = 0;
  st = f == STV_BALLOTS_BLT ? write_blt(w)
       : f == STV_BALLOTS_CSV ? write_csv(w)
                              : write_json(w);
  if (st == STV_OK) st = flush(w);
  if (st == STV_ENOMEM)
    stvi_fail(w->err, st, "", 0, 0, "out of memory");
  else if (st == STV_EIO)
    stvi_fail(w->err, st, "", 0, 0, "the output could not be written");
  stvi_buf_free(&w->b);
  return st;
}

stv_status stv_election_write(const stv_election *e, stv_ballot_format f,
                              stv_write_fn fn, void *ud, stv_error *err) {
  writer w;
  stv_status st;
  if (!e || !fn || (f != STV_BALLOTS_BLT && f != STV_BALLOTS_CSV &&
                    f != STV_BALLOTS_JSON))
    return stvi_fail(err, STV_EINVAL, "", 0, 0,
                     "expected an election, a ballot format and a writer");
  memset(&w, 0, sizeof(w));
  w.e = e;
  w.fn = fn;
  w.ud = ud;
  w.err = err;
  if ((st = check_text(&w))) return st;
  if (f == STV_BALLOTS_BLT && (e->seats < 1 || e->seats > e->ncand)) {
    if (e->seats < 1)
      return stvi_fail(err, STV_EUNSUPPORTED, "", 0, 0,
                       "BLT needs the number of seats, which is not set");
    return stvi_fail(err, STV_EUNSUPPORTED, "", 0, 0,
                     "BLT cannot hold %d seats for %d candidates (at most "
                     "one seat per candidate)", e->seats, e->ncand);
  }
  w.dry = 1;
  if ((st = run(&w, f))) return st;
  w.dry = 0;
  return run(&w, f);
}
