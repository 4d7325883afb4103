/*
** test_web_ballot.c: the ranking form's rules (src/web/ballot_read.c,
** docs/design/ballot.md §3.3): empty, trimmed, not digits, 0, > n,
** duplicates flagged on each field, gaps closed, a contest or candidate
** not on the paper, the blank ballot, withdrawn candidates.  The fuzz
** target tests/fuzz/fuzz_web_ballot.c checks the same promises on random
** forms.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svc_vote.h"

/* The paper: General seats (contest 3: four candidates shown in the order
** 12, 7, 31, 40; Tomasz Wren withdrawn) and BAME seat (contest 5: two).
** Contest 9 exists in the election but is not on this voter's paper. */
static svc_bcand general[] = {
    {12, 1, "Ada Brennan", "", "Woman", 0, ""},
    {7, 3, "Tomasz Wren", "", "", 1, "Moved away"},
    {31, 4, "Zed Ulloa", "", "", 0, ""},
    {40, 2, "Bo Carter", "", "BAME", 0, ""},
};
static svc_bcand bame[] = {
    {50, 1, "Chidi Okafor", "", "BAME", 0, ""},
    {51, 2, "Meera Shah", "", "BAME, Woman", 0, ""},
};

static void paper(svc_ballot *b, svc_bcontest c[2]) {
  memset(b, 0, sizeof *b);
  memset(c, 0, 2 * sizeof *c);
  c[0].id = 3;
  c[0].title = "General seats";
  c[0].seats = 2;
  c[0].cand = general;
  c[0].n = 4;
  c[1].id = 5;
  c[1].title = "BAME seat";
  c[1].seats = 1;
  c[1].cand = bame;
  c[1].n = 2;
  b->state = CRED_OK;
  b->c = c;
  b->n = 2;
}

/* Reads body against the paper; the choices and errors land in the
** caller's variables. */
static web_status rd(const char *body, ballot_choice **ch, size_t *n,
                       verr *v) {
  static svc_ballot b;
  static svc_bcontest c[2];
  form f;
  web_status st;
  paper(&b, c);
  memset(v, 0, sizeof *v);
  assert_int_equal(form_parse(&f, body, strlen(body)), WEB_OK);
  st = ballot_read(&f, &b, ch, n, v);
  form_free(&f);
  return st;
}

static void assert_order(const ballot_choice *c, const int64_t *want,
                         size_t n) {
  size_t i;
  assert_int_equal(c->n, n);
  for (i = 0; i < n; i++) assert_int_equal(c->order[i], want[i]);
}

/* The i-th error's field and code. */
static void assert_err(const verr *v, size_t i, const char *field,
                       const char *code) {
  assert_true(i < v->n);
  assert_string_equal(v->e[i].field, field);
  assert_string_equal(v->e[i].code, code);
}

static void test_blank(void **state) {
  ballot_choice *ch = (ballot_choice *)1;
  size_t n = 99;
  verr v;
  (void)state;
  /* no field at all, and every field empty: a blank ballot is allowed */
  assert_int_equal(rd("", &ch, &n, &v), WEB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(v.n, 0);
  assert_int_equal(ch[0].contest_id, 3);
  assert_int_equal(ch[1].contest_id, 5);
  assert_int_equal(ch[0].n, 0);
  assert_int_equal(ch[1].n, 0);
  assert_null(ch[0].order);
  assert_false(ch[0].gap_closed);
  assert_false(ch[0].has_withdrawn);
  ballot_choices_free(ch, n);
  assert_int_equal(rd("csrf=x&r.3.12=&r.3.7=&r.3.31=+&r.3.40=%09&r.5.50=&"
                        "r.5.51=",
                        &ch, &n, &v),
                   WEB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(ch[0].n + ch[1].n, 0);
  ballot_choices_free(ch, n);
  ballot_choices_free(NULL, 0); /* harmless */
}

static void test_ranking(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  static const int64_t g[] = {31, 12, 40}, m[] = {51};
  (void)state;
  /* contests come out in the paper's order, whatever the form's order */
  assert_int_equal(rd("r.5.51=1&r.3.12=2&r.3.31=1&r.3.40=3", &ch, &n, &v),
                   WEB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(ch[0].contest_id, 3);
  assert_order(&ch[0], g, 3);
  assert_false(ch[0].gap_closed);
  assert_false(ch[0].has_withdrawn);
  assert_int_equal(ch[1].contest_id, 5);
  assert_order(&ch[1], m, 1);
  ballot_choices_free(ch, n);
}

static void test_trimmed(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  static const int64_t g[] = {12, 40, 31, 7};
  (void)state;
  /* spaces and tabs around digits; leading zeros are still the number */
  assert_int_equal(rd("r.3.12=+1+&r.3.40=%092&r.3.31=03%09%09&r.3.7=++4",
                        &ch, &n, &v),
                   WEB_OK);
  assert_order(&ch[0], g, 4);
  assert_false(ch[0].gap_closed);
  ballot_choices_free(ch, n);
}

static void test_not_a_number(void **state) {
  static const char *const bad[] = {
      "a", "1.5", "-1", "%2B1", "1+2", "1e2", "%D9%A1" /* Arabic-Indic 1 */,
      "%00", "1%002", "%EF%BC%91" /* fullwidth 1 */, "0x1", "%0A1"};
  ballot_choice *ch;
  size_t n, i;
  verr v;
  char body[64];
  (void)state;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(body, sizeof body, "r.3.40=1&r.3.12=%s", bad[i]);
    ch = (ballot_choice *)1;
    n = 7;
    assert_int_equal(rd(body, &ch, &n, &v), WEB_EINVALID);
    assert_null(ch);
    assert_int_equal(n, 0);
    assert_int_equal(v.n, 1);
    assert_err(&v, 0, "r.3.12", "not_a_number");
    assert_string_equal(v.e[0].msg, "Enter a whole number from 1 to 4 for "
                                    "Ada Brennan, or leave it empty.");
  }
}

static void test_out_of_range(void **state) {
  static const char *const bad[] = {"0", "00", "5", "9999",
                                    "99999999999999999999"};
  ballot_choice *ch;
  size_t n, i;
  verr v;
  char body[64];
  (void)state;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(body, sizeof body, "r.3.31=%s", bad[i]);
    assert_int_equal(rd(body, &ch, &n, &v), WEB_EINVALID);
    assert_int_equal(v.n, 1);
    assert_err(&v, 0, "r.3.31", "out_of_range");
    assert_string_equal(v.e[0].msg, "Enter a whole number from 1 to 4 for "
                                    "Zed Ulloa, or leave it empty.");
  }
  /* n is the contest's own count: 3 is fine in General, not in BAME */
  assert_int_equal(rd("r.3.31=3&r.5.50=3", &ch, &n, &v), WEB_EINVALID);
  assert_int_equal(v.n, 1);
  assert_err(&v, 0, "r.5.50", "out_of_range");
  assert_string_equal(v.e[0].msg, "Enter a whole number from 1 to 2 for "
                                  "Chidi Okafor, or leave it empty.");
  assert_int_equal(rd("r.3.31=4&r.5.50=2", &ch, &n, &v), WEB_OK);
  ballot_choices_free(ch, n);
}

static void test_duplicates(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  (void)state;
  /* two fields: each is flagged, with both names in the paper's order */
  assert_int_equal(rd("r.3.31=2&r.3.12=2&r.3.40=1", &ch, &n, &v),
                   WEB_EINVALID);
  assert_null(ch);
  assert_int_equal(v.n, 2);
  assert_err(&v, 0, "r.3.12", "duplicate");
  assert_err(&v, 1, "r.3.31", "duplicate");
  assert_string_equal(v.e[0].msg, "You gave 2 to Ada Brennan and to Zed "
                                  "Ulloa. Use each number once.");
  assert_string_equal(v.e[1].msg, v.e[0].msg);
  assert_null(verr_msg(&v, "r.3.40"));
  /* three fields, and another pair in the same contest */
  assert_int_equal(rd("r.3.12=1&r.3.7=1&r.3.31=1", &ch, &n, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 3);
  assert_err(&v, 0, "r.3.12", "duplicate");
  assert_err(&v, 1, "r.3.7", "duplicate");
  assert_err(&v, 2, "r.3.31", "duplicate");
  assert_string_equal(v.e[2].msg, "You gave 1 to Ada Brennan, Tomasz Wren "
                                  "and Zed Ulloa. Use each number once.");
  assert_int_equal(rd("r.3.12=1&r.3.7=2&r.3.31=1&r.3.40=2", &ch, &n, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 4);
  assert_string_equal(verr_msg(&v, "r.3.7"), "You gave 2 to Tomasz Wren "
                                             "and to Bo Carter. Use each "
                                             "number once.");
  /* "1" and " 01 " are the same number */
  assert_int_equal(rd("r.5.50=1&r.5.51=+01+", &ch, &n, &v), WEB_EINVALID);
  assert_int_equal(v.n, 2);
  /* the same number in two contests is fine */
  assert_int_equal(rd("r.3.12=1&r.5.50=1", &ch, &n, &v), WEB_OK);
  assert_int_equal(ch[0].n, 1);
  assert_int_equal(ch[1].n, 1);
  ballot_choices_free(ch, n);
  /* one field posted twice: an error on that field, even with one number */
  assert_int_equal(rd("r.3.12=1&r.3.12=1", &ch, &n, &v), WEB_EINVALID);
  assert_int_equal(v.n, 1);
  assert_err(&v, 0, "r.3.12", "duplicate");
  assert_string_equal(v.e[0].msg, "Ada Brennan was given more than one "
                                  "number. Give each candidate one number.");
}

/* Long names are not spelt out past the message's room: a count instead,
** and the advice survives. */
static void test_duplicate_long_names(void **state) {
  static char a[120], c[120];
  static svc_bcand cand[3];
  svc_bcontest con;
  svc_ballot b;
  ballot_choice *ch;
  size_t n;
  verr v;
  form f;
  const char *body = "r.1.1=1&r.1.2=1&r.1.3=1";
  (void)state;
  memset(a, 'A', sizeof a - 1);
  memset(c, 'C', sizeof c - 1);
  cand[0].nomination_id = 1;
  cand[0].name = a;
  cand[1].nomination_id = 2;
  cand[1].name = "B";
  cand[2].nomination_id = 3;
  cand[2].name = c;
  memset(&con, 0, sizeof con);
  con.id = 1;
  con.cand = cand;
  con.n = 3;
  memset(&b, 0, sizeof b);
  b.c = &con;
  b.n = 1;
  memset(&v, 0, sizeof v);
  assert_int_equal(form_parse(&f, body, strlen(body)), WEB_OK);
  assert_int_equal(ballot_read(&f, &b, &ch, &n, &v), WEB_EINVALID);
  form_free(&f);
  assert_int_equal(v.n, 3);
  assert_string_equal(v.e[0].msg, "You gave 1 to 3 candidates. Use each "
                                  "number once.");
}

static void test_gaps(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  static const int64_t g[] = {12, 40, 31}, one[] = {7};
  (void)state;
  /* 1, 2, 4: closed up, and said so */
  assert_int_equal(rd("r.3.31=4&r.3.40=2&r.3.12=1", &ch, &n, &v), WEB_OK);
  assert_order(&ch[0], g, 3);
  assert_true(ch[0].gap_closed);
  assert_false(ch[1].gap_closed);
  ballot_choices_free(ch, n);
  /* a lone 3 is a first choice */
  assert_int_equal(rd("r.3.7=3", &ch, &n, &v), WEB_OK);
  assert_order(&ch[0], one, 1);
  assert_true(ch[0].gap_closed);
  ballot_choices_free(ch, n);
  /* no gap: 1..k in any field order */
  assert_int_equal(rd("r.3.7=2&r.3.40=1", &ch, &n, &v), WEB_OK);
  assert_false(ch[0].gap_closed);
  ballot_choices_free(ch, n);
}

static void test_not_eligible(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  (void)state;
  /* a contest not on this paper, even with an empty field */
  assert_int_equal(rd("r.3.12=1&r.9.80=1", &ch, &n, &v), WEB_EINVALID);
  assert_null(ch);
  assert_int_equal(v.n, 1);
  assert_err(&v, 0, "contest.9", "not_eligible");
  assert_int_equal(rd("r.9.80=", &ch, &n, &v), WEB_EINVALID);
  assert_err(&v, 0, "contest.9", "not_eligible");
  /* one error per contest, however many fields */
  assert_int_equal(rd("r.9.80=1&r.9.81=2&r.8.1=1", &ch, &n, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 2);
  assert_err(&v, 0, "contest.9", "not_eligible");
  assert_err(&v, 1, "contest.8", "not_eligible");
  /* a candidate who is not in the contest (here: BAME's, in General) */
  assert_int_equal(rd("r.3.50=1&r.3.99=2", &ch, &n, &v), WEB_EINVALID);
  assert_int_equal(v.n, 1);
  assert_err(&v, 0, "contest.3", "not_eligible");
  assert_string_equal(v.e[0].msg, "This ballot has a candidate who is not "
                                  "standing in General seats.");
}

static void test_error_order(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  (void)state;
  /* contests not on the paper first, then the paper's order */
  assert_int_equal(rd("r.5.51=x&r.3.40=9&r.3.12=y&r.7.1=1&r.3.77=1", &ch,
                        &n, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 5);
  assert_err(&v, 0, "contest.7", "not_eligible");
  assert_err(&v, 1, "contest.3", "not_eligible");
  assert_err(&v, 2, "r.3.12", "not_a_number");
  assert_err(&v, 3, "r.3.40", "out_of_range");
  assert_err(&v, 4, "r.5.51", "not_a_number");
}

static void test_withdrawn(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  static const int64_t g[] = {12, 7};
  (void)state;
  /* a withdrawn candidate stays rankable; the choice says so */
  assert_int_equal(rd("r.3.12=1&r.3.7=2", &ch, &n, &v), WEB_OK);
  assert_order(&ch[0], g, 2);
  assert_true(ch[0].has_withdrawn);
  assert_false(ch[1].has_withdrawn);
  ballot_choices_free(ch, n);
  assert_int_equal(rd("r.3.12=1&r.3.7=", &ch, &n, &v), WEB_OK);
  assert_false(ch[0].has_withdrawn);
  ballot_choices_free(ch, n);
}

static void test_ignored_names(void **state) {
  ballot_choice *ch;
  size_t n;
  verr v;
  (void)state;
  /* only r.DIGITS.DIGITS counts: these rank nothing and refuse nothing */
  assert_int_equal(rd("csrf=abc&r=1&r.=1&r.3=1&r.3.=1&r..12=1&r.x.12=1&"
                        "r.3.12.1=1&r.03.12=1&r.3.012=1&r.3.12x=1&R.3.12=1&"
                        "r.-3.12=1&r.3.+12=1&rr.3.12=1&r.0.0=1",
                        &ch, &n, &v),
                   WEB_OK);
  assert_int_equal(v.n, 0);
  assert_int_equal(ch[0].n + ch[1].n, 0);
  ballot_choices_free(ch, n);
}

static void test_many_errors(void **state) {
  svc_bcand *cand;
  svc_bcontest con;
  svc_ballot b;
  ballot_choice *ch = NULL;
  size_t n = 0, i;
  form f;
  wbuf body;
  (void)state;
  /* 380 candidates all given 1: more errors than a verr holds, still
  ** refused, and without v */
  cand = calloc(380, sizeof *cand);
  assert_non_null(cand);
  wbuf_init(&body, 1 << 16);
  for (i = 0; i < 380; i++) {
    cand[i].nomination_id = (int64_t)i + 1;
    cand[i].name = "X";
    wbuf_printf(&body, "%sr.4.%zu=1", i ? "&" : "", i + 1);
  }
  memset(&con, 0, sizeof con);
  con.id = 4;
  con.cand = cand;
  con.n = 380;
  memset(&b, 0, sizeof b);
  b.c = &con;
  b.n = 1;
  assert_int_equal(form_parse(&f, body.p, body.len), WEB_OK);
  assert_int_equal(ballot_read(&f, &b, &ch, &n, NULL), WEB_EINVALID);
  assert_null(ch);
  form_free(&f);
  /* 380 distinct numbers in reverse: all accepted in number order */
  body.len = 0;
  for (i = 0; i < 380; i++)
    wbuf_printf(&body, "%sr.4.%zu=%zu", i ? "&" : "", i + 1, 380 - i);
  assert_int_equal(form_parse(&f, body.p, body.len), WEB_OK);
  assert_int_equal(ballot_read(&f, &b, &ch, &n, NULL), WEB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(ch[0].n, 380);
  for (i = 0; i < 380; i++) assert_int_equal(ch[0].order[i], 380 - i);
  assert_false(ch[0].gap_closed);
  ballot_choices_free(ch, n);
  form_free(&f);
  wbuf_free(&body);
  free(cand);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blank),
      cmocka_unit_test(test_ranking),
      cmocka_unit_test(test_trimmed),
      cmocka_unit_test(test_not_a_number),
      cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_duplicate_long_names),
      cmocka_unit_test(test_gaps),
      cmocka_unit_test(test_not_eligible),
      cmocka_unit_test(test_error_order),
      cmocka_unit_test(test_withdrawn),
      cmocka_unit_test(test_ignored_names),
      cmocka_unit_test(test_many_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
