/*
** test_flows.c: the flows worked out from a stage record balance exactly:
** on every stage of every election in tests/elections and examples, under
** every rule set, each donor's pieces add up to what it lost and each
** receiver's to what it gained; flows are estimated only when a stage has
** several donors; and stage 1 hands the papers out as first preferences.
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

#include "flows.h"
#include "stv.h"

static int64_t gained(const stv_result *r, int s, int node) {
  const stvi_stage *st = &r->stages[s];
  int n = r->ncand;
  if (node < n) return s == 0 ? st->votes[node] : st->transfers[node];
  if (node == STVI_NODE_NT(n)) return s == 0 ? st->exhausted : st->exhausted_delta;
  if (node == STVI_NODE_LOSS(n))
    return st->loss - (s == 0 ? 0 : r->stages[s - 1].loss);
  return -r->total; /* the papers give everything at stage 1 */
}

/* Checks every stage of r; returns the number of estimated flows. */
static int check_result(const stv_result *r, const char *what) {
  int s, i, estimated = 0, n = r->ncand;
  int64_t *net = calloc((size_t)n + 3, sizeof(int64_t));
  assert_non_null(net);
  for (s = 0; s < r->nstages; s++) {
    stvi_flow *f;
    int nf, donors = 0, last = -1;
    stv_status st = stvi_stage_flows(r, s, &f, &nf);
    if (st != STV_OK) fail_msg("%s stage %d: %s", what, s + 1, stv_strerror(st));
    memset(net, 0, ((size_t)n + 3) * sizeof(int64_t));
    for (i = 0; i < nf; i++) {
      assert_true(f[i].v > 0);
      assert_true(f[i].from != f[i].to);
      net[f[i].from] -= f[i].v;
      net[f[i].to] += f[i].v;
      if (f[i].from != last) donors++;
      last = f[i].from;
      estimated += f[i].estimated;
    }
    for (i = 0; i < n + 3; i++) {
      int64_t want = gained(r, s, i);
      if (s > 0 && i == STVI_NODE_PAPERS(n)) want = 0;
      if (s == 0 && i == STVI_NODE_PAPERS(n) && nf == 0) want = 0;
      if (net[i] != want)
        fail_msg("%s stage %d node %d: flows net %lld, record %lld", what,
                 s + 1, i, (long long)net[i], (long long)want);
    }
    for (i = 0; i < nf; i++)
      assert_int_equal(f[i].estimated, donors > 1);
    if (s == 0)
      for (i = 0; i < nf; i++) assert_int_equal(f[i].from, STVI_NODE_PAPERS(n));
    free(f);
  }
  free(net);
  return estimated;
}

static int counted, estimated_total;

static void count_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  const char *const *rules = stv_rule_names();
  assert_non_null(d);
  while ((de = readdir(d))) {
    char path[512];
    stv_election *e;
    stv_error err;
    int k;
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".blt") != 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    if (stv_election_read_blt(path, &e, &err) != STV_OK) continue;
    for (k = 0; rules[k]; k++) {
      stv_options *o;
      stv_result *r;
      char what[600];
      assert_int_equal(stv_options_create(&o), STV_OK);
      assert_int_equal(stv_options_set(o, "rules", rules[k], &err), STV_OK);
      if (stv_count(e, o, &r, &err) == STV_OK) {
        snprintf(what, sizeof(what), "%s under %s", path, rules[k]);
        estimated_total += check_result(r, what);
        counted++;
        stv_result_free(r);
      }
      stv_options_free(o);
    }
    stv_election_free(e);
  }
  closedir(d);
}

static void test_every_stage_balances(void **state) {
  (void)state;
  counted = estimated_total = 0;
  count_dir("tests/elections");
  count_dir("examples");
  /* every file counts under most rule sets, and the Meek iterations and
  ** bulk exclusions among them give estimated flows */
  assert_true(counted >= 150);
  assert_true(estimated_total > 0);
}

/* Two donors: the shares follow the donors' sizes, and the units left
** over after flooring go where the remainders are largest. */
static void test_shared_in_proportion(void **state) {
  stv_result r;
  stvi_stage st[2];
  int64_t v0[3] = {5, 7, 3}, v1[3] = {0, 0, 13}, t1[3] = {-5, -7, 10};
  stvi_flow *f;
  int nf;
  (void)state;
  memset(&r, 0, sizeof(r));
  memset(st, 0, sizeof(st));
  r.ncand = 3;
  r.total = 15;
  r.stages = st;
  r.nstages = 2;
  st[0].votes = v0;
  st[0].transfers = v0;
  st[1].votes = v1;
  st[1].transfers = t1;
  st[1].exhausted = 2;
  st[1].exhausted_delta = 2;
  assert_int_equal(stvi_stage_flows(&r, 1, &f, &nf), STV_OK);
  /* 0 gives 5 and 1 gives 7 of 12: candidate 2 gets 10, NT 2.
  ** 10*5/12 = 4.17 -> 4, 10*7/12 = 5.83 -> 5 (+1 by remainder) = 6;
  ** 2*5/12 = 0.83 -> 0 (+1) = 1, 2*7/12 = 1.17 -> 1 */
  assert_int_equal(nf, 4);
  assert_int_equal(f[0].from, 0); assert_int_equal(f[0].to, 2);
  assert_int_equal(f[0].v, 4);
  assert_int_equal(f[1].from, 0); assert_int_equal(f[1].to, STVI_NODE_NT(3));
  assert_int_equal(f[1].v, 1);
  assert_int_equal(f[2].from, 1); assert_int_equal(f[2].to, 2);
  assert_int_equal(f[2].v, 6);
  assert_int_equal(f[3].from, 1); assert_int_equal(f[3].to, STVI_NODE_NT(3));
  assert_int_equal(f[3].v, 1);
  free(f);
  /* a stage that does not balance is refused */
  t1[2] = 11;
  assert_int_equal(stvi_stage_flows(&r, 1, &f, &nf), STV_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_stage_balances),
      cmocka_unit_test(test_shared_in_proportion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
