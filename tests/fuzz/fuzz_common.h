/*
** fuzz_common.h: what every reader fuzz target does with one input, shared
** by the libFuzzer entry points (fuzz_blt.c, fuzz_csv.c, fuzz_con.c) and
** the cmocka
** replay of the corpus (tests/unit/test_fuzz_corpus.c), so that
** `make check` runs the very code path the fuzzers ran.
**
** An input is parsed; a failure must come with a message, and a syntax or
** limit error with a place (line and column >= 1).  A parsed election is
** counted under "scottish" and the result written in the three formats to
** a sink that discards.  A constraints file is read against a fixed
** election; what it gives is checked field by field, copied, written back
** in a canonical form and read again, which must give the same groups;
** then it is enforced on a count (fuzz_con_enforce), which must meet it.
** Everything is freed.  A broken promise aborts, so the fuzzer reports it
** as a crash.
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stv.h"
#include "stvInt.h"

static int fuzz_discard(void *ud, const char *data, size_t len) {
  (void)ud;
  (void)data;
  (void)len;
  return 0;
}

static void fuzz_check_error(stv_status st, const stv_error *err) {
  if (st == STV_OK) return;
  if (err->msg[0] == '\0') abort(); /* every failure says why */
  if ((st == STV_ESYNTAX || st == STV_ELIMIT || st == STV_EINVAL) &&
      (err->line < 1 || err->col < 1))
    abort(); /* and where, when the input is at fault */
}

static void fuzz_count(const stv_election *e) {
  static const stv_format fmts[] = {STV_FORMAT_TEXT, STV_FORMAT_JSON,
                                    STV_FORMAT_CSV};
  stv_options *o = NULL;
  stv_result *r = NULL;
  stv_error err;
  size_t i;
  if (stv_election_candidates(e) < 1 || stv_election_seats(e) < 1) abort();
  if (stv_options_create(&o) != STV_OK) return;
  memset(&err, 0, sizeof(err));
  if (stv_options_set(o, "rules", "scottish", &err) == STV_OK &&
      stv_count(e, o, &r, &err) == STV_OK) {
    int n;
    stv_result_elected(r, &n);
    if (n > stv_election_seats(e)) abort();
    for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
      if (stv_result_write(r, fmts[i], fuzz_discard, NULL) != STV_OK) abort();
  }
  stv_result_free(r);
  stv_options_free(o);
}

static inline int fuzz_blt(const uint8_t *data, size_t size) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_blt((const char *)data, size, "fuzz.blt", &e, &err);
  fuzz_check_error(st, &err);
  if (st == STV_OK) fuzz_count(e);
  else if (e) abort(); /* a failed reader hands back nothing */
  stv_election_free(e);
  return 0;
}

/* The number of seats, which a CSV file does not carry, comes from the
** input's length so that one to three seats are all tried. */
static inline int fuzz_csv(const uint8_t *data, size_t size) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_csv((const char *)data, size, "fuzz.csv",
                              1 + (int)(size % 3), &e, &err);
  fuzz_check_error(st, &err);
  if (st == STV_OK) fuzz_count(e);
  else if (e) abort();
  stv_election_free(e);
  return 0;
}

/* The election a constraints file is read against: six candidates, one
** withdrawn, with names that need quoting or case folding. */
static const char fuzz_con_blt[] = "6 2\n-4\n1 1 2 0\n0\n"
                                   "\"Ann Lee\"\n\"Bob Roy\"\n"
                                   "\"Émile Zoë\"\n\"Dan Moss\"\n"
                                   "\"Bo \"\"B\"\" Jones\"\n"
                                   "\"Σωκράτης\"\n";

/* Appends s to out at *o with quotes around it and each quote doubled. */
static void fuzz_quote(char *out, size_t *o, const char *s) {
  out[(*o)++] = '"';
  for (; *s; s++) {
    if (*s == '"') out[(*o)++] = '"';
    out[(*o)++] = *s;
  }
  out[(*o)++] = '"';
}

/* Every promise of the reader about a handle it returned. */
static void fuzz_con_check(const stv_constraints *k, int ncand) {
  int i, j, m;
  if (k->ng < 1 || k->ng > STV_MAX_GROUPS || k->ncand != ncand ||
      stv_constraints_groups(k) != k->ng || !k->file)
    abort();
  for (i = 0; i < k->ng; i++) {
    const stvi_group *g = &k->g[i];
    if (!g->name || !g->name[0] || strlen(g->name) > STV_MAX_NAME ||
        g->line < 1 || g->col < 1 || g->lo < 0 || g->lo > 1000000 ||
        g->hi < -1 || g->hi > 1000000 || (g->hi >= 0 && g->hi < g->lo) ||
        g->nmembers < 1 || g->nmembers > ncand)
      abort();
    for (j = 0; j < i; j++)
      if (strcmp(k->g[j].name, g->name) == 0) abort();
    for (m = 0; m < g->nmembers; m++) {
      if (g->members[m] < 0 || g->members[m] >= ncand) abort();
      for (j = 0; j < m; j++)
        if (g->members[j] == g->members[m]) abort();
    }
  }
}

/* Two handles hold the same groups (where they were declared aside). */
static void fuzz_con_same(const stv_constraints *a, const stv_constraints *b) {
  int i;
  if (a->ng != b->ng || a->ncand != b->ncand) abort();
  for (i = 0; i < a->ng; i++) {
    const stvi_group *x = &a->g[i], *y = &b->g[i];
    if (strcmp(x->name, y->name) != 0 || x->lo != y->lo || x->hi != y->hi ||
        x->nmembers != y->nmembers ||
        memcmp(x->members, y->members,
               (size_t)x->nmembers * sizeof(int)) != 0)
      abort();
  }
}

/* Writes k back one group a line, every bound spelt out, odd members by
** number and even ones by name, and reads that again. */
static void fuzz_con_roundtrip(const stv_election *e,
                               const stv_constraints *k) {
  size_t cap = 64, o = 0;
  stv_constraints *k2 = NULL;
  stv_error err;
  char *out;
  int i, m;
  for (i = 0; i < k->ng; i++) {
    cap += 2 * strlen(k->g[i].name) + 64;
    for (m = 0; m < k->g[i].nmembers; m++)
      cap += 2 * strlen(stv_election_name(e, k->g[i].members[m] + 1)) + 16;
  }
  out = malloc(cap);
  if (!out) return;
  for (i = 0; i < k->ng; i++) {
    const stvi_group *g = &k->g[i];
    memcpy(out + o, "group ", 6);
    o += 6;
    fuzz_quote(out, &o, g->name);
    o += (size_t)snprintf(out + o, cap - o, " min %d", g->lo);
    if (g->hi >= 0) o += (size_t)snprintf(out + o, cap - o, " max %d", g->hi);
    out[o++] = ':';
    for (m = 0; m < g->nmembers; m++) {
      o += (size_t)snprintf(out + o, cap - o, "%s", m ? ", " : " ");
      if (m % 2)
        fuzz_quote(out, &o, stv_election_name(e, g->members[m] + 1));
      else
        o += (size_t)snprintf(out + o, cap - o, "%d", g->members[m] + 1);
    }
    out[o++] = '\n';
  }
  memset(&err, 0, sizeof(err));
  if (stv_constraints_parse(e, out, o, "again.con", &k2, &err) != STV_OK)
    abort();
  fuzz_con_check(k2, k->ncand);
  fuzz_con_same(k, k2);
  for (i = 0; i < k2->ng; i++)
    if (k2->g[i].line != i + 1 || k2->g[i].col != 7) abort();
  stv_constraints_free(k2);
  free(out);
}

/* The election the constraints are enforced on: the same 6 candidates
** (4 withdrawn), 3 seats, papers that give several stages. */
static const char fuzz_con_count_blt[] =
    "6 3\n-4\n9 1 2 3 0\n8 2 1 0\n7 3 5 0\n6 5 6 1 0\n5 6 0\n"
    "4 4 6 2 0\n3 1 6 5 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"E\"\n\"F\"\n";

/* Whether the candidates in mask (bit i: candidate i, 0-based) meet k. */
static int fuzz_con_meets(const stv_constraints *k, unsigned mask) {
  int i, m;
  for (i = 0; i < k->ng; i++) {
    const stvi_group *g = &k->g[i];
    int n = 0;
    for (m = 0; m < g->nmembers; m++) n += (mask >> g->members[m]) & 1;
    if (n < g->lo || (g->hi >= 0 && n > g->hi)) return 0;
  }
  return 1;
}

/* Counts under several rule sets and both doom modes: a count either meets
** every group, or refuses to start exactly when no 3 standing candidates
** meet them (brute force over the 2^6 sets). */
static void fuzz_con_enforce(const stv_constraints *k) {
  static const char *const rules[] = {"scottish", "ers97", "meek"};
  static const char *const dooms[] = {"deferred", "immediate"};
  stv_election *e = NULL;
  unsigned s;
  int feasible = 0, r, d;
  if (stv_election_parse_blt(fuzz_con_count_blt,
                             sizeof(fuzz_con_count_blt) - 1, "count.blt", &e,
                             NULL) != STV_OK)
    abort();
  for (s = 0; s < 64; s++)
    if (__builtin_popcount(s) == 3 && !(s & 8) && fuzz_con_meets(k, s))
      feasible = 1;
  for (r = 0; r < 3; r++)
    for (d = 0; d < 2; d++) {
      stv_options *o = NULL;
      stv_result *res = NULL;
      stv_error err;
      stv_status st;
      memset(&err, 0, sizeof(err));
      if (stv_options_create(&o) != STV_OK) continue;
      if (stv_options_set(o, "rules", rules[r], &err) ||
          stv_options_set(o, "doom", dooms[d], &err) ||
          stv_options_set_constraints(o, k)) {
        stv_options_free(o);
        continue;
      }
      st = stv_count(e, o, &res, &err);
      if (st == STV_OK) {
        const int *el;
        int n, i;
        unsigned mask = 0;
        el = stv_result_elected(res, &n);
        for (i = 0; i < n; i++) mask |= 1u << (el[i] - 1);
        if (!feasible || n != 3 || !fuzz_con_meets(k, mask)) abort();
        if (stv_result_write(res, STV_FORMAT_JSON, fuzz_discard, NULL))
          abort();
      } else if (st == STV_ECONSTRAINT) {
        if (feasible) abort();
      } else if (st != STV_ENOMEM && st != STV_ELIMIT)
        abort();
      fuzz_check_error(st, &err);
      stv_result_free(res);
      stv_options_free(o);
    }
  stv_election_free(e);
}

static inline int fuzz_con(const uint8_t *data, size_t size) {
  stv_election *e = NULL;
  stv_constraints *k = NULL, *c;
  stv_error err;
  stv_status st;
  if (stv_election_parse_blt(fuzz_con_blt, sizeof(fuzz_con_blt) - 1,
                             "fuzz.blt", &e, NULL) != STV_OK)
    abort();
  memset(&err, 0, sizeof(err));
  st = stv_constraints_parse(e, (const char *)data, size, "fuzz.con", &k,
                             &err);
  fuzz_check_error(st, &err);
  if (st == STV_OK) {
    fuzz_con_check(k, stv_election_candidates(e));
    if (strcmp(k->file, "fuzz.con") != 0) abort();
    c = stvi_constraints_clone(k);
    if (c) {
      fuzz_con_check(c, k->ncand);
      fuzz_con_same(k, c);
      if (strcmp(c->file, k->file) != 0) abort();
      stv_constraints_free(c);
    }
    fuzz_con_roundtrip(e, k);
    fuzz_con_enforce(k);
  } else if (k) {
    abort(); /* a failed reader hands back nothing */
  }
  stv_constraints_free(k);
  stv_election_free(e);
  return 0;
}

#endif /* FUZZ_COMMON_H */
