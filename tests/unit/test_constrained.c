/*
** test_constrained.c: counts with constraints and held candidates, on
** generated elections (seeded) and on real Scottish ward elections, under
** every STV rule set and both doom modes:
**   P1  a count either meets every constraint, or stops before counting
**       with STV_ECONSTRAINT exactly when brute force finds no conformant
**       set of winners among the standing candidates;
**   P2  (deferred dooming) when the unconstrained result already meets
**       the constraints, the constrained count is identical to it, stage
**       by stage (the CSV stage table and the order of election);
**   P3  a group whose minimum equals the seats elects only that group;
**   P4  candidates held elected are all elected.
** The constraint files are written as text and read by the public reader,
** so they exercise it too.
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

#include "stv.h"
#include "stvInt.h"
#include "text.h"

#define NELECTIONS 400
#define DATA "../shared/data/scotland"


static uint64_t rng;
static unsigned pick(unsigned n) {
  return (unsigned)(stvi_splitmix64(&rng) % n);
}

/* A group as generated: members as a bit mask of 0-based candidates. */
typedef struct ggroup {
  unsigned members;
  int lo, hi; /* hi -1: none */
} ggroup;

static int popcount(unsigned x) { return __builtin_popcount(x); }

static int conforms(unsigned set, const ggroup *g, int ng) {
  int j;
  for (j = 0; j < ng; j++) {
    int k = popcount(set & g[j].members);
    if (k < g[j].lo || (g[j].hi >= 0 && k > g[j].hi)) return 0;
  }
  return 1;
}

/* Whether some set of `seats` candidates within `standing` conforms. */
static int brute_feasible(unsigned standing, int n, int seats,
                          const ggroup *g, int ng) {
  unsigned s;
  for (s = 0; s < (1u << n); s++)
    if ((s & ~standing) == 0 && popcount(s) == seats && conforms(s, g, ng))
      return 1;
  return 0;
}

static void write_con(const ggroup *g, int ng, int n, text *t) {
  int j, i, first;
  t->len = 0;
  text_add(t, "# generated\n");
  for (j = 0; j < ng; j++) {
    text_add(t, "group g%d", j + 1);
    if (g[j].lo > 0) text_add(t, " min %d", g[j].lo);
    if (g[j].hi >= 0) text_add(t, " max %d", g[j].hi);
    text_add(t, ":");
    for (i = 0, first = 1; i < n; i++)
      if (g[j].members >> i & 1) {
        /* alternately by number and by name */
        if (i % 2)
          text_add(t, "%s \"C%d\"", first ? "" : ",", i + 1);
        else
          text_add(t, "%s %d", first ? "" : ",", i + 1);
        first = 0;
      }
    text_add(t, "\n");
  }
}

static stv_election *parse(const text *blt) {
  stv_election *e = NULL;
  stv_error err;
  memset(&err, 0, sizeof(err));
  if (stv_election_parse_blt(blt->buf, blt->len, "gen", &e, &err))
    fail_msg("%ld:%ld: %s\n%s", err.line, err.col, err.msg, blt->buf);
  return e;
}

/* Counts e under rules with the constraints con (NULL: none) and holds;
** fills csv and the elected mask.  Returns the status. */
static stv_status count(const stv_election *e, const char *rules,
                        const text *con, const char *doom, const int *hold,
                        int nhold, text *csv, unsigned *elected,
                        int *order) {
  stv_options *o;
  stv_result *r = NULL;
  stv_constraints *k = NULL;
  stv_error err;
  stv_status st;
  int i, n;
  const int *el;
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", rules, &err), STV_OK);
  assert_int_equal(stv_options_set(o, "doom", doom, &err), STV_OK);
  for (i = 0; i < nhold; i++) {
    char num[16];
    snprintf(num, sizeof(num), "%d", hold[i]);
    assert_int_equal(stv_options_set(o, "hold", num, &err), STV_OK);
  }
  if (con) {
    st = stv_constraints_parse(e, con->buf, con->len, "gen.con", &k, &err);
    if (st) fail_msg("%ld:%ld: %s\n%s", err.line, err.col, err.msg, con->buf);
    assert_int_equal(stv_options_set_constraints(o, k), STV_OK);
    stv_constraints_free(k);
  }
  st = stv_count(e, o, &r, &err);
  if (st == STV_OK) {
    csv->len = 0;
    assert_int_equal(stv_result_write(r, STV_FORMAT_CSV, to_text, csv),
                     STV_OK);
    el = stv_result_elected(r, &n);
    *elected = 0;
    for (i = 0; i < n; i++) {
      *elected |= 1u << (el[i] - 1);
      if (order) order[i] = el[i];
    }
    if (order) order[n] = 0;
  }
  stv_result_free(r);
  stv_options_free(o);
  return st;
}

static void generate(text *blt, int *ncand, int *seats, int one_seat) {
  int n = 4 + (int)pick(7), s, nb = 5 + (int)pick(40), i, k;
  s = one_seat ? 1 : 1 + (int)pick((unsigned)(n - 1 < 5 ? n - 1 : 5));
  blt->len = 0;
  text_add(blt, "%d %d\n", n, s);
  for (i = 0; i < nb; i++) {
    int len = 1 + (int)pick((unsigned)n);
    unsigned used = 0;
    text_add(blt, "%d", 1 + (int)pick(9));
    for (k = 0; k < len; k++) {
      int c = (int)pick((unsigned)n);
      if (used >> c & 1) continue;
      used |= 1u << c;
      text_add(blt, " %d", c + 1);
    }
    text_add(blt, " 0\n");
  }
  text_add(blt, "0\n");
  for (i = 1; i <= n; i++) text_add(blt, "\"C%d\"\n", i);
  text_add(blt, "\"generated\"\n");
  *ncand = n;
  *seats = s;
}

static void random_groups(ggroup *g, int *ng, int n, int seats) {
  int j;
  *ng = 1 + (int)pick(3);
  for (j = 0; j < *ng; j++) {
    int size;
    do g[j].members = (unsigned)pick(1u << n); while (!g[j].members);
    size = popcount(g[j].members);
    g[j].lo = (int)pick((unsigned)(size < seats ? size : seats) + 1);
    g[j].hi = pick(3) == 0 ? g[j].lo + (int)pick((unsigned)(size - g[j].lo) + 1)
                           : -1;
    if (g[j].lo == 0 && g[j].hi < 0) g[j].lo = 1;
  }
}

static void check_rules(const char *rules, int one_seat, uint64_t seed) {
  static const char *const dooms[] = {"deferred", "immediate"};
  text blt = {0}, con = {0}, a = {0}, b = {0};
  int m, counted = 0, identical = 0, differed = 0;
  rng = seed;
  for (m = 0; m < NELECTIONS; m++) {
    int n, seats, ng, d, i, order_a[16], order_b[16], hold[4], nhold;
    ggroup g[4];
    unsigned ea, eb, all;
    stv_election *e;
    stv_status st;
    generate(&blt, &n, &seats, one_seat);
    all = (1u << n) - 1;
    e = parse(&blt);
    random_groups(g, &ng, n, seats);
    write_con(g, ng, n, &con);
    st = count(e, rules, NULL, "deferred", NULL, 0, &a, &ea, order_a);
    if (st == STV_EBALLOT) {
      stv_election_free(e);
      continue;
    }
    assert_int_equal(st, STV_OK);
    for (d = 0; d < 2; d++) {
      st = count(e, rules, &con, dooms[d], NULL, 0, &b, &eb, order_b);
      if (!brute_feasible(all, n, seats, g, ng)) {
        if (st != STV_ECONSTRAINT)
          fail_msg("%s %s: election %d: infeasible constraints gave %s\n%s%s",
                   rules, dooms[d], m, stv_strerror(st), blt.buf, con.buf);
        continue;
      }
      if (st != STV_OK)
        fail_msg("%s %s: election %d: %s\n%s%s", rules, dooms[d], m,
                 stv_strerror(st), blt.buf, con.buf);
      counted++;
      if (popcount(eb) != seats || !conforms(eb, g, ng)) /* P1 */
        fail_msg("%s %s: election %d: the result breaks the constraints\n"
                 "%s%s",
                 rules, dooms[d], m, blt.buf, con.buf);
      if (d == 0 && conforms(ea, g, ng)) { /* P2 */
        if (strcmp(a.buf, b.buf) != 0 ||
            memcmp(order_a, order_b, sizeof(int) * (size_t)(seats + 1)))
          fail_msg("%s: election %d: the unconstrained result conforms but "
                   "the count changed\n%s%s",
                   rules, m, blt.buf, con.buf);
        identical++;
      } else if (d == 0)
        differed++;
    }
    /* P3: a group as large as the seats, its minimum the seats */
    {
      ggroup only;
      do only.members = (unsigned)pick(1u << n);
      while (popcount(only.members) < seats);
      only.lo = seats;
      only.hi = -1;
      write_con(&only, 1, n, &con);
      st = count(e, rules, &con, "deferred", NULL, 0, &b, &eb, NULL);
      if (st != STV_OK)
        fail_msg("%s: election %d: %s\n%s%s", rules, m, stv_strerror(st),
                 blt.buf, con.buf);
      if ((eb & ~only.members) != 0)
        fail_msg("%s: election %d: a minimum equal to the seats elected "
                 "outside the group\n%s%s",
                 rules, m, blt.buf, con.buf);
    }
    /* P4: held candidates are elected */
    nhold = (int)pick((unsigned)seats);
    for (i = 0; i < nhold; i++) hold[i] = 1 + (int)pick((unsigned)n);
    st = count(e, rules, NULL, "deferred", hold, nhold, &b, &eb, NULL);
    if (st != STV_OK)
      fail_msg("%s: election %d: holding %d candidates (first %d): %s\n%s",
               rules, m, nhold, nhold ? hold[0] : 0, stv_strerror(st),
               blt.buf);
    for (i = 0; i < nhold; i++)
      if (!(eb >> (hold[i] - 1) & 1))
        fail_msg("%s: election %d: candidate %d held elected was not "
                 "elected\n%s",
                 rules, m, hold[i], blt.buf);
    stv_election_free(e);
  }
  /* the generator must exercise both branches of P2 */
  assert_true(counted > NELECTIONS / 2);
  assert_true(identical > 20);
  assert_true(differed > 20);
  free(blt.buf);
  free(con.buf);
  free(a.buf);
  free(b.buf);
}

static void test_scottish(void **s) { (void)s; check_rules("scottish", 0, 11); }
static void test_ers97(void **s) { (void)s; check_rules("ers97", 0, 12); }
static void test_meek(void **s) { (void)s; check_rules("meek", 0, 13); }
static void test_nz_meek(void **s) { (void)s; check_rules("nz-meek", 0, 14); }
static void test_warren(void **s) { (void)s; check_rules("warren", 0, 15); }
static void test_wigm(void **s) { (void)s; check_rules("wigm", 0, 16); }
static void test_uig(void **s) { (void)s; check_rules("uig", 0, 17); }
static void test_irv(void **s) { (void)s; check_rules("irv", 1, 18); }

/* Slate ordering: position 1 is the 1-seat winner (without constraints);
** every standing candidate gets one position; with feasible constraints
** the first `seats` positions meet them. */
static void rank_rules(const char *rules, uint64_t seed) {
  text blt = {0}, con = {0}, a = {0};
  int m, checked = 0;
  rng = seed;
  for (m = 0; m < NELECTIONS / 4; m++) {
    int n, seats, ng, i, c;
    ggroup g[4];
    unsigned e1, slate = 0, seen = 0;
    stv_election *e;
    stv_options *o;
    stv_ranking *rk = NULL;
    stv_constraints *k = NULL;
    stv_error err;
    const int *order;
    stv_status st;
    memset(&err, 0, sizeof(err));
    generate(&blt, &n, &seats, 0);
    e = parse(&blt);
    random_groups(g, &ng, n, seats);
    write_con(g, ng, n, &con);
    st = count(e, rules, NULL, "deferred", NULL, 0, &a, &e1, NULL);
    if (st == STV_EBALLOT || !brute_feasible((1u << n) - 1, n, seats, g, ng)) {
      stv_election_free(e);
      continue;
    }
    assert_int_equal(stv_options_create(&o), STV_OK);
    assert_int_equal(stv_options_set(o, "rules", rules, &err), STV_OK);
    assert_int_equal(stv_options_set(o, "seats", "1", &err), STV_OK);
    assert_int_equal(count(e, rules, NULL, "deferred", NULL, 0, &a, &e1,
                           NULL) == STV_OK, 1);
    {
      stv_result *r1 = NULL;
      const int *w;
      int nw;
      assert_int_equal(stv_count(e, o, &r1, &err), STV_OK);
      w = stv_result_elected(r1, &nw);
      assert_int_equal(stv_rank(e, o, &rk, &err), STV_OK);
      order = stv_ranking_order(rk, &c);
      assert_int_equal(c, n);
      if (order[0] != w[0])
        fail_msg("%s: election %d: position 1 is %d, the 1-seat winner %d\n%s",
                 rules, m, order[0], w[0], blt.buf);
      for (i = 0; i < c; i++) seen |= 1u << (order[i] - 1);
      assert_int_equal(seen, (1u << n) - 1);
      stv_result_free(r1);
      stv_ranking_free(rk);
    }
    snprintf(o->rules, sizeof(o->rules), "%s", rules);
    o->seats = seats;
    assert_int_equal(stv_constraints_parse(e, con.buf, con.len, "gen.con", &k,
                                           &err),
                     STV_OK);
    assert_int_equal(stv_options_set_constraints(o, k), STV_OK);
    st = stv_rank(e, o, &rk, &err);
    if (st != STV_OK)
      fail_msg("%s: election %d: rank: %s\n%s%s", rules, m, err.msg, blt.buf,
               con.buf);
    order = stv_ranking_order(rk, &c);
    for (i = 0; i < seats; i++) slate |= 1u << (order[i] - 1);
    if (!conforms(slate, g, ng))
      fail_msg("%s: election %d: the first %d positions break the "
               "constraints\n%s%s",
               rules, m, seats, blt.buf, con.buf);
    checked++;
    stv_ranking_free(rk);
    stv_constraints_free(k);
    stv_options_free(o);
    stv_election_free(e);
  }
  assert_true(checked > 20);
  free(blt.buf);
  free(con.buf);
  free(a.buf);
}

static void test_rank_scottish(void **s) { (void)s; rank_rules("scottish", 21); }
static void test_rank_ers97(void **s) { (void)s; rank_rules("ers97", 22); }
static void test_rank_meek(void **s) { (void)s; rank_rules("meek", 23); }

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Real ward elections: "at least half the seats (rounded up) from the
** odd-numbered candidates" and "at most half from the even-numbered" (P1,
** P2) under scottish, ers97 and meek. */
static void test_real(void **s) {
  static const char *const rules[] = {"scottish", "ers97", "meek"};
  DIR *d = opendir(DATA);
  struct dirent *de;
  char **names = NULL;
  int nn = 0, i, r, checked = 0, changed = 0;
  (void)s;
  if (!d) skip();
  while ((de = readdir(d))) { /* DATA/<n>_cands/<file>.blt */
    char sub[1024];
    DIR *d2;
    struct dirent *f;
    if (de->d_name[0] == '.') continue;
    snprintf(sub, sizeof(sub), "%s/%s", DATA, de->d_name);
    if (!(d2 = opendir(sub))) continue;
    while ((f = readdir(d2)))
      if (strstr(f->d_name, ".blt")) {
        char full[1200];
        snprintf(full, sizeof(full), "%s/%s", de->d_name, f->d_name);
        names = realloc(names, sizeof(char *) * (size_t)(nn + 1));
        names[nn++] = strdup(full);
      }
    closedir(d2);
  }
  closedir(d);
  qsort(names, (size_t)nn, sizeof(char *), cmp_str);
  for (i = 0; i < nn; i += 10) { /* every tenth file */
    char path[1024];
    stv_election *e = NULL;
    stv_error err;
    text con = {0}, a = {0}, b = {0};
    int n, seats, c, odd = 0, first;
    memset(&err, 0, sizeof(err));
    snprintf(path, sizeof(path), "%s/%s", DATA, names[i]);
    if (stv_election_read_blt(path, &e, &err)) continue; /* the bad file */
    n = stv_election_candidates(e);
    seats = stv_election_seats(e);
    for (c = 1; c <= n; c += 2) odd += !stv_election_is_withdrawn(e, c);
    if (odd < (seats + 1) / 2) {
      stv_election_free(e);
      continue;
    }
    text_add(&con, "group odd min %d:", (seats + 1) / 2);
    for (c = 1, first = 1; c <= n; c += 2, first = 0)
      text_add(&con, "%s %d", first ? "" : ",", c);
    text_add(&con, "\ngroup even max %d:", seats / 2);
    for (c = 2, first = 1; c <= n; c += 2, first = 0)
      text_add(&con, "%s %d", first ? "" : ",", c);
    text_add(&con, "\n");
    for (r = 0; r < 3; r++) {
      unsigned ea = 0, eb = 0, odd_mask = 0;
      int oa[16], ob[16];
      if (n > 16) break;
      for (c = 0; c < n; c += 2) odd_mask |= 1u << c;
      assert_int_equal(count(e, rules[r], NULL, "deferred", NULL, 0, &a, &ea,
                             oa),
                       STV_OK);
      if (n - 1 < 2 && seats > 0) break;
      if (count(e, rules[r], &con, "deferred", NULL, 0, &b, &eb, ob) !=
          STV_OK)
        fail_msg("%s %s: the constrained count failed", rules[r], path);
      if (popcount(eb & odd_mask) < (seats + 1) / 2 ||
          popcount(eb & ~odd_mask) > seats / 2)
        fail_msg("%s %s: the result breaks the constraints", rules[r], path);
      if (popcount(ea & odd_mask) >= (seats + 1) / 2 &&
          popcount(ea & ~odd_mask) <= seats / 2) {
        if (strcmp(a.buf, b.buf) ||
            memcmp(oa, ob, sizeof(int) * (size_t)(seats + 1)))
          fail_msg("%s %s: conforming result changed", rules[r], path);
      } else
        changed++;
      checked++;
    }
    free(con.buf);
    free(a.buf);
    free(b.buf);
    stv_election_free(e);
  }
  for (i = 0; i < nn; i++) free(names[i]);
  free(names);
  print_message("real elections: %d constrained counts, %d changed by the constraints\n", checked, changed);
  if (checked <= 100 || changed <= 10)
    fail_msg("checked %d, changed %d", checked, changed);
  assert_true(changed > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scottish), cmocka_unit_test(test_ers97),
      cmocka_unit_test(test_meek),     cmocka_unit_test(test_nz_meek),
      cmocka_unit_test(test_warren),   cmocka_unit_test(test_wigm),
      cmocka_unit_test(test_uig),      cmocka_unit_test(test_irv),
      cmocka_unit_test(test_real),     cmocka_unit_test(test_rank_scottish),
      cmocka_unit_test(test_rank_ers97), cmocka_unit_test(test_rank_meek),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
