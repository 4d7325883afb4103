/*
** test_core.c: unit tests of the core of libstv: fixed-point arithmetic,
** options, building elections by calls, counting through the public API,
** ballot policies, the generator of lots, and out-of-memory paths (every
** allocation is failed in turn; ASan's leak checker sees what is left).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stv.h"
#include "stvInt.h"

static void test_fixed(void **state) {
  char buf[48];
  int ovf = 0;
  (void)state;
  assert_int_equal(fx_muldiv_floor(10, 7, 3, &ovf), 23);
  assert_int_equal(fx_muldiv_ceil(10, 7, 3, &ovf), 24);
  assert_int_equal(fx_muldiv_floor(9, 1, 3, &ovf), 3);
  assert_int_equal(fx_muldiv_ceil(9, 1, 3, &ovf), 3);
  assert_int_equal(fx_muldiv_floor(-7, 1, 2, &ovf), -4);
  assert_int_equal(ovf, 0);
  /* 128-bit intermediate: (2^62 * 4) / 8 fits although the product does not */
  assert_int_equal(fx_muldiv_floor(INT64_C(1) << 62, 4, 8, &ovf),
                   INT64_C(1) << 61);
  assert_int_equal(ovf, 0);
  fx_muldiv_floor(INT64_MAX, 4, 1, &ovf);
  assert_int_equal(ovf, 1);
  ovf = 0;
  fx_mul(INT64_MAX, 2, &ovf);
  assert_int_equal(ovf, 1);
  ovf = 0;
  fx_add(INT64_MAX, 1, &ovf);
  assert_int_equal(ovf, 1);
  fx_format(123456789, 5, buf, sizeof(buf));
  assert_string_equal(buf, "1234.56789");
  fx_format(-5, 2, buf, sizeof(buf));
  assert_string_equal(buf, "-0.05");
  fx_format(42, 0, buf, sizeof(buf));
  assert_string_equal(buf, "42");
  assert_int_equal(fx_rescale(123456, 5, 2), 123);
  assert_int_equal(fx_pow10(9), 1000000000);
}

static void test_splitmix_reference(void **state) {
  /* reference outputs of SplitMix64 from seed 0 (docs/ties.md) */
  uint64_t s = 0;
  (void)state;
  assert_true(stvi_splitmix64(&s) == UINT64_C(0xe220a8397b1dcdaf));
  assert_true(stvi_splitmix64(&s) == UINT64_C(0x6e789e6aa1b965f4));
  assert_true(stvi_splitmix64(&s) == UINT64_C(0x06c45d188009454f));
}

static void test_options(void **state) {
  stv_options *o;
  stv_error err;
  (void)state;
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "nope", &err), STV_EINVAL);
  assert_non_null(strstr(err.msg, "expected one of scottish"));
  assert_int_equal(stv_options_set(o, "seats", "0", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "seats", "3x", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "seats", "3", &err), STV_OK);
  assert_int_equal(stv_options_set(o, "ties", "forwards,random:7", &err),
                   STV_OK);
  assert_int_equal(stv_options_set(o, "ties", "order:3>1>2", &err), STV_OK);
  assert_int_equal(stv_options_set(o, "ties", "order:3>>2", &err),
                   STV_EINVAL);
  assert_int_equal(stv_options_set(o, "ties", "random:x", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "ties", "sideways", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "ties", "forwards,", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "decimals", "10", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "equal", "split", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "withdraw", "-1", &err), STV_EINVAL);
  assert_int_equal(stv_options_set(o, "colour", "red", &err), STV_EINVAL);
  assert_non_null(strstr(err.msg, "unknown option --colour"));
  stv_options_free(o);
  stv_options_free(NULL); /* harmless */
}

/* Ann, Ben, Cat, Dan; 2 seats. */
static stv_election *small(void) {
  stv_election *e;
  static const int b1[] = {1, 2}, b2[] = {2, 3}, b3[] = {3}, b4[] = {4, 1};
  assert_int_equal(stv_election_create(&e), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Ann"), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Ben"), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Cat"), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Dan"), STV_OK);
  assert_int_equal(stv_election_set_seats(e, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 6, b1, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 2, b1, 2), STV_OK); /* merges */
  assert_int_equal(stv_election_add_ballot(e, 5, b2, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 4, b3, 1), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 3, b4, 2), STV_OK);
  return e;
}

static void test_build_and_count(void **state) {
  stv_election *e = small();
  stv_options *o;
  stv_result *r;
  stv_error err;
  const int *el;
  int n;
  static const int bad1[] = {5}, bad2[] = {STV_RANK_EQ, 1}, bad3[] = {0};
  (void)state;
  assert_int_equal(stv_election_distinct(e), 4);
  assert_int_equal(stv_election_ballots(e), 20);
  assert_int_equal(stv_election_add_ballot(e, 1, bad1, 1), STV_EINVAL);
  assert_int_equal(stv_election_add_ballot(e, 1, bad2, 2), STV_EINVAL);
  assert_int_equal(stv_election_add_ballot(e, 1, bad3, 1), STV_EINVAL);
  assert_int_equal(stv_election_add_ballot(e, -1, bad1, 0), STV_EINVAL);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  /* quota floor(20/3)+1 = 7: Ann 8 elected; surplus 1 to Ben (1/8 x 8) */
  assert_string_equal(stv_result_quota(r), "7.00000");
  el = stv_result_elected(r, &n);
  assert_int_equal(n, 2);
  assert_int_equal(el[0], 1);
  assert_string_equal(stv_result_final(r, 1), "7.00000");
  assert_null(stv_result_final(r, 0));
  assert_null(stv_result_final(r, 5));
  stv_result_free(r);
  /* withdrawing Ann passes her papers to Ben */
  assert_int_equal(stv_options_set(o, "withdraw", "1", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  el = stv_result_elected(r, &n);
  assert_int_equal(n, 2);
  assert_int_equal(el[0], 2);
  stv_result_free(r);
  assert_int_equal(stv_options_set(o, "seats", "5", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_EINVAL);
  assert_null(r);
  assert_non_null(strstr(err.msg, "5 seats but only 4 candidates"));
  stv_options_free(o);
  stv_election_free(e);
}

typedef struct sink {
  char buf[1 << 16];
  size_t len;
} sink;

static int to_sink(void *ud, const char *d, size_t n) {
  sink *s = ud;
  if (s->len + n >= sizeof(s->buf)) return -1;
  memcpy(s->buf + s->len, d, n);
  s->len += n;
  s->buf[s->len] = '\0';
  return 0;
}

static void test_policies_counted(void **state) {
  static const char blt[] = "3 1\n"
                            "2 1=2 3 0\n" /* equal preferences */
                            "3 2 - 3 0\n" /* a skipped rank */
                            "4 3 3 1 0\n" /* Cat ranked twice */
                            "1 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n";
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  sink *s = calloc(1, sizeof(*s));
  (void)state;
  assert_int_equal(stv_election_parse_blt(blt, sizeof(blt) - 1, "p", &e, &err),
                   STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  assert_int_equal(stv_result_write(r, STV_FORMAT_JSON, to_sink, s), STV_OK);
  assert_non_null(strstr(s->buf, "\"touched\": {\"equal\": 2, \"repeat\": 4, "
                                 "\"skipped\": 3}"));
  /* equal at the first rank leaves no usable preference: 2 empty papers */
  assert_non_null(strstr(s->buf, "\"empty\": 2"));
  assert_non_null(strstr(s->buf, "\"ballots\": 8"));
  stv_result_free(r);
  assert_int_equal(stv_options_set(o, "equal", "reject", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  s->len = 0;
  assert_int_equal(stv_result_write(r, STV_FORMAT_JSON, to_sink, s), STV_OK);
  assert_non_null(strstr(s->buf, "\"invalid\": 2"));
  /* a writer that fails makes the write fail, not crash */
  assert_int_equal(stv_result_write(r, STV_FORMAT_TEXT, to_sink, s), STV_OK);
  s->len = sizeof(s->buf) - 2;
  assert_int_equal(stv_result_write(r, STV_FORMAT_CSV, to_sink, s), STV_EIO);
  stv_result_free(r);
  stv_options_free(o);
  stv_election_free(e);
  free(s);
}

/* The candidates excluded, stage by stage, as one string ("[][2][1][3]"). */
static void exclusions(const char *json, char *out, size_t n) {
  const char *p = json;
  size_t len = 0;
  out[0] = '\0';
  while ((p = strstr(p, "\"excluded\": [")) != NULL) {
    const char *q = strchr(p, ']');
    p += strlen("\"excluded\": ");
    if (!q || len + (size_t)(q - p) + 2 >= n) break;
    memcpy(out + len, p, (size_t)(q - p) + 1);
    len += (size_t)(q - p) + 1;
    out[len] = '\0';
  }
}

/* Keeps the first cap bytes of a report. */
typedef struct head {
  char *buf;
  size_t len, cap;
} head;

static int to_head(void *ud, const char *d, size_t n) {
  head *h = ud;
  size_t k = h->len + n > h->cap ? h->cap - h->len : n;
  memcpy(h->buf + h->len, d, k);
  h->len += k;
  h->buf[h->len] = '\0';
  return 0;
}

/* "1=1" is the same candidate marked twice: a repeat, not an equal rank. */
static void test_repeat_inside_equal_group(void **state) {
  static const char blt[] = "3 1\n1 1=1 2 0\n1 1 2=2 3 0\n0\n"
                            "\"A\"\n\"B\"\n\"C\"\n";
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  sink *s = calloc(1, sizeof(*s));
  (void)state;
  assert_int_equal(stv_election_parse_blt(blt, sizeof(blt) - 1, "r", &e, &err),
                   STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "wigm", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  assert_int_equal(stv_result_write(r, STV_FORMAT_JSON, to_sink, s), STV_OK);
  assert_non_null(strstr(s->buf, "\"touched\": {\"equal\": 0, \"repeat\": 2, "
                                 "\"skipped\": 0}"));
  assert_non_null(strstr(s->buf, "\"empty\": 0"));
  stv_result_free(r);
  stv_options_free(o);
  stv_election_free(e);
  free(s);
}

/* A tie among many candidates with long names is recorded whole: the note
** ends with the candidate chosen, and the count does not fail. */
static void test_long_tie_record(void **state) {
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  sink *s = calloc(1, sizeof(*s));
  char name[256];
  int i;
  static const int b1[] = {1}, b2[] = {2}, b3[] = {3};
  (void)state;
  assert_int_equal(stv_election_create(&e), STV_OK);
  for (i = 1; i <= 400; i++) {
    snprintf(name, sizeof(name), "%0200d", i);
    assert_int_equal(stv_election_add_candidate(e, name), STV_OK);
  }
  assert_int_equal(stv_election_set_seats(e, 1), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 2, b1, 1), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 2, b2, 1), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 1, b3, 1), STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  (void)s;
  /* the exclusion at stage 2 is a tie among the 397 with no votes */
  {
    head h;
    const char *tie, *end;
    memset(&h, 0, sizeof(h));
    h.cap = (size_t)1 << 20;
    h.buf = calloc(1, h.cap + 1);
    assert_int_equal(stv_result_write(r, STV_FORMAT_JSON, to_head, &h), STV_OK);
    tie = strstr(h.buf, "Tie for exclusion");
    assert_non_null(tie);
    end = strstr(tie, "\"candidate\"");
    assert_non_null(end); /* the record is whole, up to who was chosen */
    assert_true(end - tie > 397 * 200);
    assert_non_null(strstr(tie, "; chosen: "));
    free(h.buf);
  }
  free(s);
  stv_result_free(r);
  stv_options_free(o);
  stv_election_free(e);
}

/* Every what-if row is the count it describes: each candidate withdrawn in
** turn gives the elected list of `count --withdraw c`, and each cut to k
** preferences that of `count --truncate k`. */
static void test_whatif_rows_are_counts(void **state) {
  static const char blt[] =
      "5 2\n5 1 2 3 0\n4 2 1 0\n3 3 4 5 0\n3 4 3 0\n2 5 4 1 0\n1 5 0\n0\n"
      "\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"E\"\n\"T\"\n";
  stv_election *e;
  stv_options *o;
  stv_error err;
  head h;
  int c;
  (void)state;
  assert_int_equal(stv_election_parse_blt(blt, sizeof(blt) - 1, "w", &e, &err),
                   STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  memset(&h, 0, sizeof(h));
  h.cap = 1 << 16;
  h.buf = calloc(1, h.cap + 1);
  assert_int_equal(stv_whatif_write(e, o, STV_FORMAT_JSON, to_head, &h, &err),
                   STV_OK);
  for (c = 1; c <= 5; c++) {
    const char *keys[2] = {"name", "preferences"};
    int kind;
    /* the longest paper has 3 preferences: cuts go from 1 to 3 */
    for (kind = 0; kind < (c <= 3 ? 2 : 1); kind++) {
      stv_options *k = NULL;
      stv_result *r;
      char num[16], row[256], *at;
      const int *el;
      int n, i;
      size_t len;
      snprintf(num, sizeof(num), "%d", c);
      assert_int_equal(stv_options_create(&k), STV_OK);
      assert_int_equal(stv_options_set(k, "rules", "scottish", &err), STV_OK);
      assert_int_equal(
          stv_options_set(k, kind ? "truncate" : "withdraw", num, &err),
          STV_OK);
      assert_int_equal(stv_count(e, k, &r, &err), STV_OK);
      el = stv_result_elected(r, &n);
      if (kind)
        len = (size_t)snprintf(row, sizeof(row), "{\"%s\": %d, \"elected\": [",
                               keys[kind], c);
      else
        len = (size_t)snprintf(row, sizeof(row),
                               "{\"%s\": \"%s\", \"elected\": [", keys[kind],
                               stv_election_name(e, c));
      for (i = 0; i < n; i++)
        len += (size_t)snprintf(row + len, sizeof(row) - len, "%s%d",
                                i ? ", " : "", el[i]);
      snprintf(row + len, sizeof(row) - len, "]");
      at = strstr(h.buf, row);
      if (!at) fail_msg("row %s not in\n%s", row, h.buf);
      stv_result_free(r);
      stv_options_free(k);
    }
  }
  assert_null(strstr(h.buf, "{\"preferences\": 4"));
  free(h.buf);
  stv_options_free(o);
  stv_election_free(e);
}

static void test_ties_reproducible(void **state) {
  /* A, B and C tie at every stage, so only the lot decides who goes. */
  static const char blt[] = "4 1\n3 1 0\n3 2 0\n3 3 0\n5 4 0\n0\n"
                            "\"A\"\n\"B\"\n\"C\"\n\"D\"\n";
  stv_election *e;
  stv_options *o;
  stv_error err;
  sink *runs[8][2];
  int seed, rep, distinct = 0;
  (void)state;
  assert_int_equal(stv_election_parse_blt(blt, sizeof(blt) - 1, "t", &e, &err),
                   STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  for (seed = 0; seed < 8; seed++) {
    char ties[32];
    snprintf(ties, sizeof(ties), "random:%d", seed);
    assert_int_equal(stv_options_set(o, "ties", ties, &err), STV_OK);
    for (rep = 0; rep < 2; rep++) {
      stv_result *r;
      runs[seed][rep] = calloc(1, sizeof(sink));
      assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
      assert_int_equal(
          stv_result_write(r, STV_FORMAT_JSON, to_sink, runs[seed][rep]),
          STV_OK);
      stv_result_free(r);
    }
    /* the same seed draws the same lots */
    assert_string_equal(runs[seed][0]->buf, runs[seed][1]->buf);
    assert_non_null(strstr(runs[seed][0]->buf, "by lot (random:"));
  }
  /* different seeds do not all draw alike */
  for (seed = 1; seed < 8; seed++) {
    char a[256], b[256];
    exclusions(runs[0][0]->buf, a, sizeof(a));
    exclusions(runs[seed][0]->buf, b, sizeof(b));
    assert_true(strlen(a) > 4);
    distinct += strcmp(a, b) != 0;
  }
  assert_true(distinct > 0);
  for (seed = 0; seed < 8; seed++)
    for (rep = 0; rep < 2; rep++) free(runs[seed][rep]);
  stv_options_free(o);
  stv_election_free(e);
}

/* ---- out-of-memory: fail the N-th allocation, for every N ---------- */
static long fail_at, calls;
static void *failing(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (++calls == fail_at) return NULL;
  return realloc(p, n);
}

static void test_out_of_memory(void **state) {
  static const char blt[] = "4 2\n-4\n3 1 2 0\n2 2 3 0\n2 3 1 0\n1 4 2 0\n"
                            "1 2=3 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"T\"\n";
  static const char *rules[] = {"scottish", "wigm", "uig", "irv", "block"};
  long n;
  int ri;
  (void)state;
  for (ri = 0; ri < 5; ri++) {
    int ok = 0;
    for (n = 1; n < 5000 && !ok; n++) {
      stv_election *e = NULL;
      stv_options *o = NULL;
      stv_result *r = NULL;
      stv_error err;
      sink *s = calloc(1, sizeof(*s));
      stv_status st;
      calls = 0;
      fail_at = n;
      stv_set_allocator(failing, NULL);
      st = stv_election_parse_blt(blt, sizeof(blt) - 1, "m", &e, &err);
      if (st == STV_OK) st = stv_options_create(&o);
      if (st == STV_OK) st = stv_options_set(o, "rules", rules[ri], &err);
      if (st == STV_OK && ri == 3) st = stv_options_set(o, "seats", "1", &err);
      if (st == STV_OK) st = stv_count(e, o, &r, &err);
      if (st == STV_OK) st = stv_result_write(r, STV_FORMAT_TEXT, to_sink, s);
      if (st == STV_OK) st = stv_result_write(r, STV_FORMAT_JSON, to_sink, s);
      stv_result_free(r);
      stv_options_free(o);
      stv_election_free(e);
      stv_set_allocator(NULL, NULL);
      free(s);
      if (st == STV_OK)
        ok = calls < n; /* no allocation was failed: all paths tried */
      else
        assert_int_equal(st, STV_ENOMEM);
    }
    assert_true(ok);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed),
      cmocka_unit_test(test_splitmix_reference),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_build_and_count),
      cmocka_unit_test(test_policies_counted),
      cmocka_unit_test(test_ties_reproducible),
      cmocka_unit_test(test_repeat_inside_equal_group),
      cmocka_unit_test(test_long_tie_record),
      cmocka_unit_test(test_whatif_rows_are_counts),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
