/*
** test_exact.c: exact-rational counts (--arith exact, GMP) against the
** fixed-point counts of the same elections, through the public API.
**
** For meek and wigm, small elections (the worked examples of the rule
** pages and a set of generated ones) are counted both ways: the elected
** sets must be the same, and every candidate's final total must agree
** within what fixed-point rounding can account for:
**   wigm  each transfer truncates a paper's value by less than 10^-d, so a
**         total can be short by less than papers x stages x 10^-d;
**   meek  each elected candidate passed rounds a paper's share up by less
**         than 10^-9, and keep values are the same 9-decimal numbers give or
**         take a unit, so papers x (seats + 1) x 10^-9 bounds the gap.
** Every test is skipped when the library was built without GMP.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stv.h"

static const char meek_example[] =
    "5 3\n8 1 2 3 0\n4 1 0\n4 2 4 0\n3 3 0\n2 4 3 0\n1 5 4 0\n0\n"
    "\"Avery\"\n\"Blake\"\n\"Casey\"\n\"Drew\"\n\"Ellis\"\n\"Example\"\n";

static const char wigm_example[] =
    "5 2\n10 1 5 2 0\n3 1 2 0\n5 2 0\n1 3 4 0\n1 3 0\n4 4 5 0\n2 5 2 0\n0\n"
    "\"Ann\"\n\"Ben\"\n\"Cat\"\n\"Dan\"\n\"Eve\"\n\"WIGM example\"\n";

/* One candidate withdrawn (-2), a blank-after-withdrawal paper. */
static const char withdrawn_example[] =
    "4 2\n-2\n5 2 1 0\n4 1 3 0\n3 3 4 0\n2 4 0\n1 2 0\n0\n"
    "\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"Withdrawn\"\n";

static stv_election *parse(const char *text) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_blt(text, strlen(text), "t.blt", &e, &err);
  if (st != STV_OK)
    print_error("%s:%ld:%ld: %s\n", err.file, err.line, err.col, err.msg);
  assert_int_equal(st, STV_OK);
  return e;
}

/* Counts e under rules with arith (and decimals when not NULL). */
static stv_result *count(const stv_election *e, const char *rules,
                         const char *arith, const char *decimals) {
  stv_options *o = NULL;
  stv_result *r = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", rules, &err), STV_OK);
  assert_int_equal(stv_options_set(o, "arith", arith, &err), STV_OK);
  if (decimals)
    assert_int_equal(stv_options_set(o, "decimals", decimals, &err), STV_OK);
  st = stv_count(e, o, &r, &err);
  if (st != STV_OK) print_error("%s %s: %s\n", rules, arith, err.msg);
  assert_int_equal(st, STV_OK);
  stv_options_free(o);
  return r;
}

/* A decimal string as a whole number of units of 10^-9. */
static int64_t units(const char *s) {
  int64_t whole = 0, frac = 0;
  int neg = 0, nd = 0;
  if (*s == '-') neg = 1, s++;
  for (; *s >= '0' && *s <= '9'; s++) whole = whole * 10 + (*s - '0');
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++, nd++)
      if (nd < 9) frac = frac * 10 + (*s - '0');
  for (; nd < 9; nd++) frac *= 10;
  whole = whole * 1000000000 + frac;
  return neg ? -whole : whole;
}

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

/* Elected set (sorted) of r into out; returns how many. */
static int elected(const stv_result *r, int *out) {
  int n, i;
  const int *el = stv_result_elected(r, &n);
  for (i = 0; i < n; i++) out[i] = el[i];
  qsort(out, (size_t)n, sizeof(int), cmp_int);
  return n;
}

/* Counts text both ways under rules and compares; tol_per_paper is the
** allowed gap per paper, in units of 10^-9. */
static void compare(const char *text, const char *rules, const char *decimals,
                    int64_t tol_per_paper) {
  stv_election *e = parse(text);
  stv_result *f = count(e, rules, "fixed", decimals);
  stv_result *x = count(e, rules, "exact", decimals);
  int ef[1000], ex[1000], nf, nx, i;
  int64_t tol = tol_per_paper * stv_election_ballots(e);
  nf = elected(f, ef);
  nx = elected(x, ex);
  assert_int_equal(nf, nx);
  for (i = 0; i < nf; i++) assert_int_equal(ef[i], ex[i]);
  for (i = 1; i <= stv_election_candidates(e); i++) {
    int64_t a = units(stv_result_final(f, i));
    int64_t b = units(stv_result_final(x, i));
    int64_t d = a > b ? a - b : b - a;
    if (d > tol)
      print_error("%s candidate %d: fixed %s exact %s (tolerance %lld)\n",
                  rules, i, stv_result_final(f, i), stv_result_final(x, i),
                  (long long)tol);
    assert_true(d <= tol);
  }
  stv_result_free(f);
  stv_result_free(x);
  stv_election_free(e);
}

static int have_gmp(void) {
  if (stv_have_exact()) return 1;
  skip();
  return 0;
}

static int64_t meek_tol(int seats) { return (int64_t)seats + 1; }

/* wigm at d decimals over at most stages transfers. */
static int64_t wigm_tol(int d, int stages) {
  int64_t u = 1;
  int i;
  for (i = d; i < 9; i++) u *= 10;
  return u * stages;
}

static void test_meek_example(void **state) {
  stv_election *e;
  stv_result *r;
  (void)state;
  if (!have_gmp()) return;
  compare(meek_example, "meek", NULL, meek_tol(3));
  /* the exact count converges in the same 7 iterations to the same set */
  e = parse(meek_example);
  r = count(e, "meek", "exact", NULL);
  assert_int_equal(stv_result_stages(r), 3);
  assert_string_equal(stv_result_quota(r), "4.909091107");
  assert_string_equal(stv_result_final(r, 1), "4.909093284");
  stv_result_free(r);
  stv_election_free(e);
}

static void test_wigm_example(void **state) {
  stv_election *e;
  stv_result *r;
  (void)state;
  if (!have_gmp()) return;
  compare(wigm_example, "wigm", NULL, wigm_tol(5, 4));
  compare(wigm_example, "wigm", "9", wigm_tol(9, 4));
  /* 4/13 of a vote per paper, never truncated: Ben 5 + 12/13, Eve 9 +
  ** 1/13 (figures shown truncated to 9 decimals) */
  e = parse(wigm_example);
  r = count(e, "wigm", "exact", NULL);
  assert_string_equal(stv_result_final(r, 2), "5.923076923");
  assert_string_equal(stv_result_final(r, 5), "9.076923076");
  assert_string_equal(stv_result_quota(r), "9.000000000");
  stv_result_free(r);
  stv_election_free(e);
}

static void test_withdrawn(void **state) {
  (void)state;
  if (!have_gmp()) return;
  compare(withdrawn_example, "meek", NULL, meek_tol(2));
  compare(withdrawn_example, "wigm", NULL, wigm_tol(5, 4));
}

/* Small generated elections: ncand candidates, seats, lines of ballots
** with weights 1-5 and rankings of 1..ncand candidates, from a fixed LCG. */
static char *generate(uint64_t seed, int ncand, int seats, int lines) {
  static char buf[1 << 16];
  size_t len = 0;
  int i, j;
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
#define NEXT() (x = x * 6364136223846793005ULL + 1442695040888963407ULL, \
                (int)(x >> 33))
  len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d %d\n", ncand,
                          seats);
  for (i = 0; i < lines; i++) {
    int perm[16], n = 1 + NEXT() % ncand;
    for (j = 0; j < ncand; j++) perm[j] = j + 1;
    for (j = ncand - 1; j > 0; j--) { /* popular candidates first, often */
      int k = NEXT() % (j + 1), t = perm[j];
      perm[j] = perm[k];
      perm[k] = t;
    }
    if (NEXT() % 3 == 0 && perm[0] != 1) { /* a favourite */
      for (j = 1; j < ncand && perm[j] != 1; j++) {}
      perm[j] = perm[0];
      perm[0] = 1;
    }
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d",
                            1 + NEXT() % 5);
    for (j = 0; j < n; j++)
      len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %d", perm[j]);
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, " 0\n");
  }
  len += (size_t)snprintf(buf + len, sizeof(buf) - len, "0\n");
  for (i = 0; i < ncand; i++)
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\"C%d\"\n", i + 1);
  snprintf(buf + len, sizeof(buf) - len, "\"Generated %llu\"\n",
           (unsigned long long)seed);
#undef NEXT
  return buf;
}

static void test_generated(void **state) {
  uint64_t seed;
  (void)state;
  if (!have_gmp()) return;
  for (seed = 1; seed <= 40; seed++) {
    int ncand = 4 + (int)(seed % 7), seats = 1 + (int)(seed % 3);
    const char *text = generate(seed, ncand, seats, 10 + (int)(seed * 7 % 60));
    compare(text, "meek", NULL, meek_tol(seats));
    compare(text, "wigm", NULL, wigm_tol(5, 2 * ncand));
  }
}

static void test_refused(void **state) {
  stv_election *e;
  stv_options *o = NULL;
  stv_result *r = NULL;
  stv_error err;
  const char *rules[] = {"warren", "nz-meek", "scottish", "uig", NULL};
  int i;
  (void)state;
  e = parse(meek_example);
  for (i = 0; rules[i]; i++) {
    memset(&err, 0, sizeof(err));
    assert_int_equal(stv_options_create(&o), STV_OK);
    assert_int_equal(stv_options_set(o, "rules", rules[i], &err), STV_OK);
    assert_int_equal(stv_options_set(o, "arith", "exact", &err), STV_OK);
    assert_int_equal(stv_count(e, o, &r, &err), STV_EUNSUPPORTED);
    assert_null(r);
    stv_options_free(o);
  }
  stv_election_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_meek_example),
      cmocka_unit_test(test_wigm_example),
      cmocka_unit_test(test_withdrawn),
      cmocka_unit_test(test_generated),
      cmocka_unit_test(test_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
