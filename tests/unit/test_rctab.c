/*
** test_rctab.c: the RCTab summary JSON (--format rctab, docs/rctab.md)
** holds together the way RCVis needs it.  For every election in
** tests/elections and examples, under every rule set, the output is valid
** JSON (read back with jansson), and:
**   - each round's tally + exhausted + residual surplus so far = the valid
**     vote, exactly;
**   - the transfers listed in a round are exactly the changes of the next
**     round's tally (under Meek and Warren rules, where an elected
**     candidate keeps giving a little at every iteration but can be
**     "elected" only once, the unwritten part comes only from candidates
**     already elected and arrives exactly somewhere);
**   - an eliminated candidate transfers all it holds and leaves the later
**     tallies; the last round eliminates no one and transfers nothing;
**   - each candidate is elected at most once, and the names elected are
**     the count's winners.
** Also: names that would collide get the candidate's number; whatif and
** rank do not write this format.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "stv.h"
#include "stvInt.h"

typedef struct sink {
  char *data;
  size_t len;
} sink;

static int to_sink(void *ud, const char *data, size_t len) {
  sink *s = ud;
  char *p = realloc(s->data, s->len + len + 1);
  if (!p) return 1;
  memcpy(p + s->len, data, len);
  s->data = p;
  s->len += len;
  s->data[s->len] = '\0';
  return 0;
}

/* An exact decimal string ("12.50") in units of 10^-9.  Only the
** exhausted total may be negative (NZ Meek's rounding can take it a few
** units below zero). */
static int64_t decimal(json_t *v, const char *what, int neg_ok) {
  const char *s = json_string_value(v), *p;
  int64_t whole = 0, frac = 0, sign = 1;
  int nfrac = 0;
  if (!s || !*s) fail_msg("%s: expected a decimal string", what);
  p = s;
  if (neg_ok && *p == '-') sign = -1, p++;
  for (; *p >= '0' && *p <= '9'; p++) whole = whole * 10 + (*p - '0');
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9' && nfrac < 9; p++, nfrac++)
      frac = frac * 10 + (*p - '0');
  }
  if (*p) fail_msg("%s: '%s' is not an exact decimal", what, s);
  for (; nfrac < 9; nfrac++) frac *= 10;
  return sign * (whole * 1000000000 + frac);
}

static int64_t units(json_t *v, const char *what) {
  return decimal(v, what, 0);
}

static int64_t to_units(int64_t v, int dp) {
  int i;
  for (i = dp; i < 9; i++) v *= 10;
  return v;
}

static json_t *get(json_t *o, const char *key, const char *what) {
  json_t *v = json_object_get(o, key);
  if (!v) fail_msg("%s: no \"%s\"", what, key);
  return v;
}

static json_t *write_rctab(const stv_result *r, const char *what) {
  sink s = {NULL, 0};
  json_error_t jerr;
  json_t *root;
  stv_status st = stv_result_write(r, STV_FORMAT_RCTAB, to_sink, &s);
  if (st != STV_OK) fail_msg("%s: %s", what, stv_strerror(st));
  root = json_loads(s.data, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    fail_msg("%s: not JSON: %d:%d: %s", what, jerr.line, jerr.column,
             jerr.text);
  free(s.data);
  return root;
}

static int meek_family(const char *rules) {
  return strcmp(rules, "meek") == 0 || strcmp(rules, "nz-meek") == 0 ||
         strcmp(rules, "warren") == 0;
}

/* The candidate number (0-based) a name in the JSON stands for. */
static int cand_of(const stv_result *r, const char *name) {
  int c;
  for (c = 0; c < r->ncand; c++)
    if (strcmp(r->names[c], name) == 0) return c;
  return -1;
}

static void check(const stv_result *r, const char *what) {
  json_t *root = write_rctab(r, what), *results, *prev = NULL;
  size_t nr, q, i;
  int n = r->ncand, c, standing = 0, nwon = 0;
  int64_t total = to_units(r->total, r->dp), residual = 0, prev_exh = 0;
  int *elected = calloc((size_t)n, sizeof(int));
  int *gone = calloc((size_t)n, sizeof(int)); /* eliminated in round */
  int64_t *in = calloc((size_t)n + 2, sizeof(int64_t));
  int64_t *out = calloc((size_t)n, sizeof(int64_t));
  assert_true(elected && gone && in && out);

  assert_string_equal(json_string_value(get(root, "jsonFormatVersion", what)),
                      "1");
  assert_true(json_is_string(get(get(root, "config", what), "contest", what)));
  assert_true(json_is_string(get(get(root, "config", what), "date", what)));
  for (c = 0; c < n; c++) standing += r->status[c] != STVI_WITHDRAWN;
  assert_int_equal(json_integer_value(get(get(root, "summary", what),
                                          "numCandidates", what)),
                   standing);
  results = get(root, "results", what);
  nr = json_array_size(results);
  assert_true(nr >= 1);
  for (q = 0; q < nr; q++) {
    json_t *rd = json_array_get(results, q), *tally, *trs, *tr, *v;
    const char *key;
    int64_t sum = 0, exh;
    char w[700];
    snprintf(w, sizeof(w), "%s round %zu", what, q + 1);
    assert_int_equal(json_integer_value(get(rd, "round", w)), (int)q + 1);
    tally = get(rd, "tally", w);
    /* the tally: every standing candidate not eliminated before */
    for (c = 0; c < n; c++) {
      int want = r->status[c] != STVI_WITHDRAWN && !gone[c];
      if ((json_object_get(tally, r->names[c]) != NULL) != want)
        fail_msg("%s: %s %s the tally", w, r->names[c],
                 want ? "missing from" : "should not be in");
    }
    json_object_foreach(tally, key, v) {
      if (cand_of(r, key) < 0) fail_msg("%s: unknown name %s", w, key);
      sum += units(v, w);
    }
    exh = decimal(get(get(rd, "inactiveBallots", w), "exhaustedChoices", w),
                  w, 1);
    units(get(rd, "threshold", w), w);
    if (sum + exh + residual != total)
      fail_msg("%s: tally %lld + exhausted %lld + residual %lld != %lld", w,
               (long long)sum, (long long)exh, (long long)residual,
               (long long)total);
    /* the transfers written in the round before arrive in this one */
    if (prev) {
      json_t *ptally = get(prev, "tally", w);
      int64_t hidden_sum = 0;
      json_object_foreach(tally, key, v) {
        int k = cand_of(r, key);
        int64_t d = units(v, w) - units(get(ptally, key, w), w);
        int64_t hid = d - in[k] + out[k];
        if (hid == 0) continue;
        if (!meek_family(r->rules) || (hid < 0 && !elected[k]))
          fail_msg("%s: %s changed by %lld, transfers say %lld", w, key,
                   (long long)d, (long long)(in[k] - out[k]));
        hidden_sum += hid;
      }
      if (exh - prev_exh != in[n]) {
        if (!meek_family(r->rules))
          fail_msg("%s: exhausted changed by %lld, transfers say %lld", w,
                   (long long)(exh - prev_exh), (long long)in[n]);
        hidden_sum += exh - prev_exh - in[n];
      }
      assert_true(hidden_sum == 0);
    }
    memset(in, 0, ((size_t)n + 2) * sizeof(int64_t));
    memset(out, 0, (size_t)n * sizeof(int64_t));
    trs = get(rd, "tallyResults", w);
    json_array_foreach(trs, i, tr) {
      json_t *el = json_object_get(tr, "elected");
      json_t *ex = json_object_get(tr, "eliminated");
      json_t *xf = get(tr, "transfers", w);
      const char *who = json_string_value(el ? el : ex);
      int k = who ? cand_of(r, who) : -1;
      int64_t given = 0;
      if ((el != NULL) == (ex != NULL) || k < 0)
        fail_msg("%s: an action needs one known name", w);
      if (!json_object_get(tally, who))
        fail_msg("%s: %s acts but is not in the tally", w, who);
      if (el) {
        if (elected[k]) fail_msg("%s: %s elected twice", w, who);
        elected[k] = 1;
        nwon++;
      } else {
        if (gone[k]) fail_msg("%s: %s eliminated twice", w, who);
        if (q + 1 == nr) fail_msg("%s: elimination in the last round", w);
        gone[k] = 1;
      }
      if (q + 1 == nr && json_object_size(xf) != 0)
        fail_msg("%s: transfers in the last round", w);
      json_object_foreach(xf, key, v) {
        int64_t x = units(v, w);
        int to = cand_of(r, key);
        if (x <= 0) fail_msg("%s: transfer of %s not positive", w, key);
        if (to >= 0) {
          json_t *next = get(json_array_get(results, q + 1), "tally", w);
          if (!json_object_get(next, key))
            fail_msg("%s: %s gets votes but leaves the count", w, key);
          in[to] += x;
        } else if (strcmp(key, "exhausted") == 0)
          in[n] += x;
        else if (strcmp(key, "residual surplus") == 0)
          in[n + 1] += x;
        else
          fail_msg("%s: transfer to unknown %s", w, key);
        given += x;
      }
      out[k] += given;
      if (ex && given != units(get(tally, who, w), w))
        fail_msg("%s: %s eliminated with %lld but transfers %lld", w, who,
                 (long long)units(get(tally, who, w), w), (long long)given);
      if (el && given > units(get(tally, who, w), w))
        fail_msg("%s: %s gives more than it has", w, who);
    }
    residual += in[n + 1];
    prev_exh = exh;
    prev = rd;
  }
  /* the winners are the count's */
  assert_int_equal(nwon, r->nelected);
  for (i = 0; i < (size_t)r->nelected; i++)
    if (!elected[r->elected[i] - 1])
      fail_msg("%s: %s won but is not elected in the JSON", what,
               r->names[r->elected[i] - 1]);
  free(elected);
  free(gone);
  free(in);
  free(out);
  json_decref(root);
}

static int counted;

static void count_file(const char *path, stv_election *e) {
  const char *const *rules = stv_rule_names();
  int k;
  for (k = 0; rules[k]; k++) {
    stv_options *o;
    stv_result *r;
    stv_error err;
    char what[600];
    assert_int_equal(stv_options_create(&o), STV_OK);
    assert_int_equal(stv_options_set(o, "rules", rules[k], &err), STV_OK);
    if (stv_count(e, o, &r, &err) == STV_OK) {
      snprintf(what, sizeof(what), "%s under %s", path, rules[k]);
      check(r, what);
      counted++;
      stv_result_free(r);
    }
    stv_options_free(o);
  }
}

static void count_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  assert_non_null(d);
  while ((de = readdir(d))) {
    char path[512];
    stv_election *e;
    stv_error err;
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".blt") != 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    if (stv_election_read_blt(path, &e, &err) != STV_OK) continue;
    count_file(path, e);
    stv_election_free(e);
  }
  closedir(d);
}

static void test_every_election(void **state) {
  stv_election *e;
  stv_error err;
  (void)state;
  counted = 0;
  count_dir("tests/elections");
  count_dir("examples");
  count_dir("examples/constraints");
  assert_int_equal(stv_election_read_csv("tests/elections/csv-committee.csv",
                                         2, &e, &err),
                   STV_OK);
  count_file("tests/elections/csv-committee.csv", e);
  stv_election_free(e);
  assert_true(counted >= 170);
}

/* Ballot policies, withdrawn candidates, and a count that ends part way
** through an exclusion, with the options that bring them out. */
static void count_with(const char *path, const char *const *kv) {
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  int i;
  assert_int_equal(stv_election_read_blt(path, &e, &err), STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  for (i = 0; kv[i]; i += 2)
    assert_int_equal(stv_options_set(o, kv[i], kv[i + 1], &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  check(r, path);
  stv_result_free(r);
  stv_options_free(o);
  stv_election_free(e);
}

static void test_options(void **state) {
  static const char *const rej[] = {"rules", "wigm", "equal", "reject",
                                    NULL};
  static const char *const wd[] = {"rules", "ers97", "withdraw", "6", NULL};
  static const char *const wd2[] = {"rules", "meek", "withdraw", "1", NULL};
  (void)state;
  count_with("tests/elections/policies.blt", rej);
  count_with("tests/elections/ers97-example-1.blt", wd);
  count_with("tests/elections/scottish-example.blt", wd2);
}

/* Two candidates of one name, and one named like RCTab's "exhausted":
** each gets its number, and the JSON still has one key per candidate.
** Without a title, the contest is the ballot file's name. */
static void test_names_collide(void **state) {
  static const char *const names[] = {"Ann", "Ann", "exhausted", "Ann (2)"};
  static const int b1[] = {1, 3}, b2[] = {2, 4}, b3[] = {3}, b4[] = {4, 1};
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  json_t *root, *tally;
  int i;
  (void)state;
  assert_int_equal(stv_election_create(&e), STV_OK);
  for (i = 0; i < 4; i++)
    assert_int_equal(stv_election_add_candidate(e, names[i]), STV_OK);
  assert_int_equal(stv_election_set_seats(e, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 5, b1, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 3, b2, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 2, b3, 1), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 1, b4, 2), STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", &err), STV_OK);
  assert_int_equal(stv_options_set_source(o, "some/dir/ward5.blt", NULL),
                   STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  root = write_rctab(r, "names");
  /* no title: the contest is named after the ballot file */
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(root, "config"), "contest")),
                      "ward5.blt");
  tally = json_object_get(json_array_get(json_object_get(root, "results"), 0),
                          "tally");
  assert_int_equal(json_object_size(tally), 4);
  assert_non_null(json_object_get(tally, "Ann (1)"));
  assert_non_null(json_object_get(tally, "Ann (2)"));
  assert_non_null(json_object_get(tally, "exhausted (3)"));
  /* "Ann (2)" was taken by candidate 2's new name: the fourth gets its
  ** number too */
  assert_non_null(json_object_get(tally, "Ann (2) (4)"));
  json_decref(root);
  stv_result_free(r);
  stv_options_free(o);
  stv_election_free(e);
}

/* RCTab's format is a count's: the comparison and the ranking refuse it. */
static void test_other_writers_refuse(void **state) {
  stv_election *e;
  stv_ranking *rk;
  stv_error err;
  sink s = {NULL, 0};
  (void)state;
  assert_int_equal(stv_election_read_blt("tests/elections/whatif-small.blt",
                                         &e, &err),
                   STV_OK);
  assert_int_equal(stv_whatif_write(e, NULL, STV_FORMAT_RCTAB, to_sink, &s,
                                    &err),
                   STV_EINVAL);
  assert_int_equal(stv_rank(e, NULL, &rk, &err), STV_OK);
  assert_int_equal(stv_ranking_write(rk, STV_FORMAT_RCTAB, to_sink, &s),
                   STV_EINVAL);
  assert_int_equal(s.len, 0);
  free(s.data);
  stv_ranking_free(rk);
  stv_election_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_election),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_names_collide),
      cmocka_unit_test(test_other_writers_refuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
