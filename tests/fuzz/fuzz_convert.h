/*
** fuzz_convert.h: what the fuzz targets of the two JSON ballot readers
** (src/cli/convert.c) do with one input, shared by their libFuzzer entry
** points (fuzz_json.c, fuzz_cdf.c) and by tests/unit/test_convert.c, which
** replays the corpora in `make check`; plus the canonical form of an
** election that the round-trip tests compare.
**
** An input is parsed.  A failure must come with a message, and a syntax
** or limit error with a place (line and column >= 1).  An election read
** is written in every format that can hold it (CDF only up to
** FZ_CDF_PAPERS papers, a record each) and read back, which must give the
** same canonical election.  A broken promise aborts.
*/
#ifndef FUZZ_CONVERT_H
#define FUZZ_CONVERT_H

#ifndef _POSIX_C_SOURCE /* convert.c's fdopen and fileno; build.sh sets none */
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/cdf_write.c"
#include "../../src/cli/convert.c"
#include "../../src/cli/convert_read.c"

/* A growable memory sink for the writers. */
typedef struct fz_mem {
  char *data;
  size_t len, cap;
} fz_mem;

static int fz_mem_write(void *ud, const char *data, size_t len) {
  fz_mem *m = ud;
  if (m->len + len + 1 > m->cap) {
    size_t nc = m->cap ? m->cap : 4096;
    char *nd;
    while (nc < m->len + len + 1) nc *= 2;
    nd = realloc(m->data, nc);
    if (!nd) return -1;
    m->data = nd;
    m->cap = nc;
  }
  memcpy(m->data + m->len, data, len);
  m->len += len;
  m->data[m->len] = '\0';
  return 0;
}

static int fz_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The election as one string: seats, title, each candidate (name and
** whether withdrawn), then its ballots as "ranking weight" lines sorted,
** rankings written "1 2=3 - 4".  Ballots of weight 0 are left out when
** drop_zero (CDF holds no such ballot).  NULL if out of memory. */
static char *fz_canonical(const stv_election *e, int drop_zero) {
  int64_t nb = stv_election_distinct(e), i, w;
  int *tok = malloc(STV_MAX_RANKING * sizeof(int));
  char **lines = calloc((size_t)nb + 1, sizeof(char *));
  fz_mem m = {NULL, 0, 0};
  char head[64];
  size_t n, k, nl = 0;
  int c, ok = tok && lines;
  for (i = 0; ok && i < nb; i++) {
    fz_mem b = {NULL, 0, 0};
    char num[32];
    if (stv_election_ballot(e, i, &w, tok, STV_MAX_RANKING, &n) != STV_OK)
      abort();
    if (w == 0 && drop_zero) continue;
    for (k = 0; k < n && ok; k++) {
      if (tok[k] == STV_RANK_EQ) snprintf(num, sizeof(num), "=");
      else if (tok[k] == STV_RANK_SKIP)
        snprintf(num, sizeof(num), "%s-", k ? " " : "");
      else
        snprintf(num, sizeof(num), "%s%d",
                 k && tok[k - 1] != STV_RANK_EQ ? " " : "", tok[k]);
      ok = fz_mem_write(&b, num, strlen(num)) == 0;
    }
    snprintf(num, sizeof(num), "\t%lld", (long long)w);
    ok = ok && fz_mem_write(&b, num, strlen(num)) == 0;
    lines[nl++] = b.data;
    if (!b.data) ok = 0;
  }
  if (ok) qsort(lines, nl, sizeof(*lines), fz_cmp);
  snprintf(head, sizeof(head), "seats %d\n", stv_election_seats(e));
  ok = ok && fz_mem_write(&m, head, strlen(head)) == 0 &&
       fz_mem_write(&m, stv_election_title(e),
                    strlen(stv_election_title(e))) == 0 &&
       fz_mem_write(&m, "\n", 1) == 0;
  for (c = 1; ok && c <= stv_election_candidates(e); c++)
    ok = fz_mem_write(&m, stv_election_is_withdrawn(e, c) ? "-" : "+", 1) ==
             0 &&
         fz_mem_write(&m, stv_election_name(e, c),
                      strlen(stv_election_name(e, c))) == 0 &&
         fz_mem_write(&m, "\n", 1) == 0;
  for (k = 0; ok && k < nl; k++)
    ok = fz_mem_write(&m, lines[k], strlen(lines[k])) == 0 &&
         fz_mem_write(&m, "\n", 1) == 0;
  for (k = 0; k < nl; k++) free(lines[k]);
  free(lines);
  free(tok);
  if (!ok) {
    free(m.data);
    return NULL;
  }
  return m.data ? m.data : calloc(1, 1);
}

/* The four formats, as convert.c numbers them. */
static stv_status fz_write(const stv_election *e, int f, fz_mem *m,
                           stv_error *err) {
  m->len = 0;
  if (f == F_CDF) return hus_cdf_write(e, fz_mem_write, m, err);
  return stv_election_write(e, f == F_BLT   ? STV_BALLOTS_BLT
                               : f == F_CSV ? STV_BALLOTS_CSV
                                            : STV_BALLOTS_JSON,
                            fz_mem_write, m, err);
}

static stv_status fz_read(const char *data, size_t len, int f,
                          stv_election **e, stv_error *err) {
  if (!data) data = "";
  switch (f) {
  case F_BLT: return stv_election_parse_blt(data, len, "t.blt", e, err);
  case F_CSV: return stv_election_parse_csv(data, len, "t.csv", 0, e, err);
  case F_JSON: return hus_ballots_json_parse(data, len, "t.json", e, err);
  default: return hus_cdf_parse(data, len, "t.cdf.json", NULL, e, err);
  }
}

/* Writes e in format f and reads it back into *out.  Returns the writer's
** status (a refusal is not an error); a reader failure aborts. */
static stv_status fz_via(const stv_election *e, int f, stv_election **out) {
  fz_mem m = {NULL, 0, 0};
  stv_error err;
  stv_status st;
  *out = NULL;
  memset(&err, 0, sizeof(err));
  st = fz_write(e, f, &m, &err);
  if (st == STV_OK) {
    if (fz_read(m.data, m.len, f, out, &err) != STV_OK) abort();
  } else {
    if (err.msg[0] == '\0') abort(); /* a refusal says why */
    if (st != STV_EUNSUPPORTED && st != STV_ELIMIT && st != STV_ENOMEM)
      abort();
  }
  free(m.data);
  return st;
}

/* Whether a and b are the same election (weight-0 ballots aside when
** drop_zero). */
static int fz_same(const stv_election *a, const stv_election *b,
                   int drop_zero) {
  char *x = fz_canonical(a, drop_zero), *y = fz_canonical(b, drop_zero);
  int same = x && y && strcmp(x, y) == 0;
  if (!x || !y) same = 1; /* out of memory: nothing to compare */
  free(x);
  free(y);
  return same;
}

static void fz_check_error(stv_status st, const stv_error *err) {
  if (st == STV_OK) return;
  if (err->msg[0] == '\0') abort();
  if ((st == STV_ESYNTAX || st == STV_ELIMIT) &&
      (err->line < 1 || err->col < 1))
    abort();
}

#define FZ_CDF_PAPERS 20000

/* Parses one input in format f (F_JSON or F_CDF) and checks every
** promise; returns 0 (libFuzzer's convention). */
static int fz_input(const uint8_t *data, size_t size, int f) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  int g;
  memset(&err, 0, sizeof(err));
  st = fz_read((const char *)data, size, f, &e, &err);
  fz_check_error(st, &err);
  if (st != STV_OK) {
    if (e) abort(); /* a failed reader hands back nothing */
    return 0;
  }
  if (stv_election_candidates(e) < 1) abort();
  for (g = F_BLT; g <= F_CDF; g++) {
    stv_election *back = NULL;
    /* CDF holds a record per paper: keep the fuzzer's memory bounded */
    if (g == F_CDF && stv_election_ballots(e) > FZ_CDF_PAPERS) continue;
    if (fz_via(e, g, &back) == STV_OK &&
        !fz_same(e, back, g == F_CDF || f == F_CDF))
      abort();
    stv_election_free(back);
  }
  stv_election_free(e);
  return 0;
}

#endif /* FUZZ_CONVERT_H */
