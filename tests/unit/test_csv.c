/*
** test_csv.c: unit tests of the rank-column CSV reader (src/lib/csv.c).
**
** Well-formed inputs are checked ballot by ballot through the election's
** store (stvInt.h); malformed inputs are a table, each asserting the
** status, the line and column, and a fragment of the message.  Every
** allocation is also failed in turn: the reader must report STV_ENOMEM and
** leave nothing behind (ASan's leak checker sees what is left).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stv.h"
#include "stvInt.h"

/* The distinct ballots as "W: a b=c - d; ..." with 1-based candidates. */
static const char *ballots(const stv_election *e) {
  static char out[4096];
  size_t len = 0;
  int64_t i;
  out[0] = '\0';
  for (i = 0; i < e->nballots && len < sizeof(out); i++) {
    const int16_t *t = e->pool + e->off[i];
    size_t k;
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%lld:",
                            i ? "; " : "", (long long)e->weight[i]);
    for (k = 0; k < e->len[i] && len < sizeof(out); k++) {
      if (t[k] == STVI_TOK_SKIP)
        len += (size_t)snprintf(out + len, sizeof(out) - len, " -");
      else if (t[k] == STVI_TOK_EQ)
        len += (size_t)snprintf(out + len, sizeof(out) - len, "=");
      else
        len += (size_t)snprintf(out + len, sizeof(out) - len,
                                k && t[k - 1] == STVI_TOK_EQ ? "%d" : " %d",
                                t[k] + 1);
    }
  }
  return out;
}

/* The candidates' names as "A|B|C". */
static const char *names(const stv_election *e) {
  static char out[4096];
  size_t len = 0;
  int i;
  out[0] = '\0';
  for (i = 1; i <= stv_election_candidates(e) && len < sizeof(out); i++)
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
                            i > 1 ? "|" : "", stv_election_name(e, i));
  return out;
}

static stv_election *parse_seats(const char *text, int seats) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_csv(text, strlen(text), "t.csv", seats, &e, &err);
  if (st != STV_OK)
    print_error("%s:%ld:%ld: %s\n", err.file, err.line, err.col, err.msg);
  assert_int_equal(st, STV_OK);
  assert_non_null(e);
  return e;
}

static stv_election *parse(const char *text) { return parse_seats(text, 2); }

static void test_basic(void **state) {
  stv_election *e = parse("Rank 1,Rank 2,Rank 3\nAlice,Bob,Carol\n"
                          "Bob,Alice\nDan,Alice,Bob\nAlice,Bob,Carol\n");
  (void)state;
  /* numbered in order of first appearance; identical rows merged */
  assert_string_equal(names(e), "Alice|Bob|Carol|Dan");
  assert_int_equal(stv_election_seats(e), 2);
  assert_string_equal(stv_election_title(e), "");
  assert_string_equal(ballots(e), "2: 1 2 3; 1: 2 1; 1: 4 1 2");
  assert_int_equal(stv_election_ballots(e), 4);
  assert_int_equal(stv_election_distinct(e), 3);
  assert_int_equal(stv_election_is_withdrawn(e, 1), 0);
  stv_election_free(e);
}

static void test_header_columns(void **state) {
  /* any rank heading; weight/count and id/ballot id in any case, anywhere */
  stv_election *e = parse("BALLOT ID,1st choice,Count,2nd choice\n"
                          "7,Alice,3,Bob\n8,Bob,2,\n");
  (void)state;
  assert_string_equal(ballots(e), "3: 1 2; 2: 2");
  assert_int_equal(stv_election_ballots(e), 5);
  stv_election_free(e);
  e = parse("Id,WEIGHT,x\n1,1000000000000,A\n2,0,B\n3,007,A\n");
  assert_string_equal(ballots(e), "1000000000007: 1; 0: 2");
  stv_election_free(e);
  /* without a weight column every row is one paper */
  e = parse("id,a\n1,A\n2,A\n");
  assert_string_equal(ballots(e), "2: 1");
  stv_election_free(e);
}

static void test_quoting(void **state) {
  stv_election *e = parse("\"Rank, 1\",\"Rank \"\"2\"\"\",Rank 3\n"
                          "\"Smith, Ann\",\"Bo \"\"B\"\" Jones\"\n"
                          "  \"Bo \"\"B\"\" Jones\"  ,  Smith, Ann\n"
                          "\"\",\"Smith, Ann\"\n");
  (void)state;
  /* "Smith, Ann" quoted is one name; unquoted it is two cells */
  assert_string_equal(names(e), "Smith, Ann|Bo \"B\" Jones|Smith|Ann");
  assert_string_equal(ballots(e), "1: 1 2; 1: 2 3 4; 1: - 1");
  stv_election_free(e);
  /* a quote inside an unquoted field is kept */
  e = parse("r\nAl \"Bo\" Cy\n");
  assert_string_equal(names(e), "Al \"Bo\" Cy");
  stv_election_free(e);
}

static void test_empty_cells(void **state) {
  /* an empty cell before a filled one is a skipped rank; trailing empty
  ** cells are unranked; rows may be short; extra cells may be empty */
  stv_election *e = parse("a,b,c,d\n,A,,B\nA,,,\nB\nA,B,,,,,\n , \"\" ,C\n");
  (void)state;
  assert_string_equal(ballots(e), "1: - 1 - 2; 1: 1; 1: 2; 1: 1 2; 1: - - 3");
  stv_election_free(e);
}

static void test_padding_and_blank_ballots(void **state) {
  /* all-empty rows are padding, before the header too; a row with only an
  ** id is a blank paper */
  stv_election *e = parse(",,\n\n\"\",\nid,a,b\n1,A,B\n,,\n\n2,,\n , ,\n");
  (void)state;
  assert_string_equal(ballots(e), "1: 1 2; 1:");
  assert_int_equal(stv_election_ballots(e), 2);
  stv_election_free(e);
}

static void test_equal_ranks(void **state) {
  stv_election *e = parse("r1,r2\nA=B,C\nC, B = A = D \n\"D=A\",B\n");
  (void)state;
  assert_string_equal(names(e), "A|B|C|D");
  assert_string_equal(ballots(e), "1: 1=2 3; 1: 3 2=1=4; 1: 4=1 2");
  stv_election_free(e);
}

static void test_candidates_line(void **state) {
  stv_election *e = parse("# exported 2024-05-02\n"
                          "#Candidates :Zed;  Yan ;Xi; Émile Zoë\n"
                          "#another comment\n"
                          "r1,r2,weight\nXi,Yan,10\nYan=Zed,Xi,4\n");
  (void)state;
  /* the line fixes the names and numbers, even of candidates no one
  ** ranked */
  assert_string_equal(names(e), "Zed|Yan|Xi|Émile Zoë");
  assert_string_equal(ballots(e), "10: 3 2; 4: 2=1 3");
  stv_election_free(e);
  /* '#' lines are comments only before the header: after it, data */
  e = parse("r1\n# not a comment\n");
  assert_string_equal(names(e), "# not a comment");
  stv_election_free(e);
  /* "# candidate:" is not the tag: a plain comment */
  e = parse("# candidate: Q\nr1\nA\n");
  assert_string_equal(names(e), "A");
  stv_election_free(e);
}

static void test_line_endings_bom_utf8(void **state) {
  stv_election *e = parse("\xEF\xBB\xBF" "Rank 1,Rank 2\r\nÉmile,Σωκράτης\r\n"
                          "\"Zoë 😀\",Émile\r\n,,\r\nÉmile");
  (void)state;
  assert_string_equal(names(e), "Émile|Σωκράτης|Zoë 😀");
  assert_string_equal(ballots(e), "1: 1 2; 1: 3 1; 1: 1");
  stv_election_free(e);
  /* BOM then a "# candidates:" line */
  e = parse("\xEF\xBB\xBF# candidates: B; A\nr\nA\n");
  assert_string_equal(names(e), "B|A");
  stv_election_free(e);
}

static void test_many_candidates(void **state) {
  /* exactly STV_MAX_CANDIDATES names is fine */
  size_t cap = 16 * 1024, n;
  char *text = malloc(cap);
  stv_election *e;
  int i;
  (void)state;
  assert_non_null(text);
  n = (size_t)snprintf(text, cap, "r\n");
  for (i = 0; i < STV_MAX_CANDIDATES; i++)
    n += (size_t)snprintf(text + n, cap - n, "c%d\n", i);
  e = parse(text);
  assert_int_equal(stv_election_candidates(e), STV_MAX_CANDIDATES);
  assert_string_equal(stv_election_name(e, STV_MAX_CANDIDATES), "c999");
  stv_election_free(e);
  free(text);
}

static void test_read_file(void **state) {
  static const char text[] = "r1,r2,count\r\nA,B,3\r\nB,,1\r\n";
  char path[] = "/tmp/test_csv_XXXXXX";
  int fd = mkstemp(path);
  stv_election *e = NULL;
  stv_error err;
  (void)state;
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
  close(fd);
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_election_read_csv(path, 1, &e, &err), STV_OK);
  assert_string_equal(ballots(e), "3: 1 2; 1: 2");
  assert_int_equal(stv_election_seats(e), 1);
  stv_election_free(e);
  unlink(path);
  assert_int_equal(stv_election_read_csv(path, 1, &e, &err), STV_EIO);
  assert_null(e);
  assert_non_null(strstr(err.msg, "cannot open"));
}

static void test_count(void **state) {
  /* a CSV election counts like its BLT twin */
  static const char blt[] = "3 2\n6 1 2 0\n3 2 0\n2 3 1 0\n0\nA\nB\nC\n";
  stv_election *c = parse("r1,r2,weight\nA,B,6\nB,,3\nC,A,2\n");
  stv_election *b = NULL;
  stv_options *o = NULL;
  stv_result *rc = NULL, *rb = NULL;
  const int *el;
  int n;
  (void)state;
  assert_int_equal(
      stv_election_parse_blt(blt, sizeof(blt) - 1, "t.blt", &b, NULL),
      STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", "scottish", NULL), STV_OK);
  assert_int_equal(stv_count(c, o, &rc, NULL), STV_OK);
  assert_int_equal(stv_count(b, o, &rb, NULL), STV_OK);
  el = stv_result_elected(rc, &n);
  assert_int_equal(n, 2);
  assert_int_equal(el[0], 1);
  assert_string_equal(stv_result_quota(rc), stv_result_quota(rb));
  for (n = 1; n <= 3; n++)
    assert_string_equal(stv_result_final(rc, n), stv_result_final(rb, n));
  stv_result_free(rc);
  stv_result_free(rb);
  stv_options_free(o);
  stv_election_free(c);
  stv_election_free(b);
}

/* ---- malformed input ---------------------------------------------------- */

typedef struct bad {
  const char *text;
  stv_status st;
  long line, col;
  const char *msg; /* a fragment of the message */
} bad;

static const bad bad_csv[] = {
    {"", STV_ESYNTAX, 1, 1, "expected a header row (one column per rank), "
                            "found end of file"},
    {"# c\n\n,,\n", STV_ESYNTAX, 4, 1, "expected a header row"},
    {"Rank 1\n", STV_ESYNTAX, 2, 1, "expected a ballot row after the header, "
                                    "found end of file"},
    {"Rank 1\n,\n\n", STV_ESYNTAX, 4, 1, "expected a ballot row"},
    {"Weight,ID\n", STV_ESYNTAX, 1, 1, "expected at least one rank column in "
                                       "the header"},
    {"R1,Weight, count\n", STV_ESYNTAX, 1, 12, "expected one weight column, "
                                               "found a second: 'count'"},
    {"id,R1\n1\n2,\n", STV_ESYNTAX, 4, 1, "expected a candidate named in some "
                                          "ballot, found none"},
    {"R1,Weight\nA,x\n", STV_ESYNTAX, 2, 3, "expected a whole-number weight, "
                                           "found 'x'"},
    {"R1,Weight\nA, -1\n", STV_ESYNTAX, 2, 4, "found '-1'"},
    {"R1,Weight\nA,1.5\n", STV_ESYNTAX, 2, 3, "found '1.5'"},
    {"R1,Weight\nA,\"1 2\"\n", STV_ESYNTAX, 2, 4, "found '1 2'"},
    {"R1,Weight\nA, \"\" \n", STV_ESYNTAX, 2, 4, "expected a whole-number "
                                                "weight, found an empty "
                                                "cell"},
    {"Weight,R1\n,A\n", STV_ESYNTAX, 2, 1, "found an empty cell"},
    {"R1,Weight\nA\n", STV_ESYNTAX, 2, 2, "expected a whole-number weight in "
                                         "column 2, found end of line"},
    {"R1,Weight\nA,1000000000001\n", STV_ELIMIT, 2, 3,
     "expected a weight of at most 1000000000000, found '1000000000001'"},
    {"R1,Weight\nA,99999999999999999999999\n", STV_ELIMIT, 2, 3,
     "expected a weight of at most"},
    {"R1\n\"A\n", STV_ESYNTAX, 2, 1, "expected '\"' closing the quoted field "
                                     "on the same line (a field may not span "
                                     "lines)"},
    {"R1,R2\nA, \"B,\"\"C\n", STV_ESYNTAX, 2, 4, "closing the quoted field"},
    {"R1,R2\n\"A\"x,B\n", STV_ESYNTAX, 2, 4, "expected ',' or end of line "
                                            "after the closing '\"', found "
                                            "'x'"},
    {"R1\nA\xff\n", STV_ESYNTAX, 2, 2, "expected UTF-8 text"},
    {"\xff\n", STV_ESYNTAX, 1, 1, "expected UTF-8 text"},
    {"# candidates: A\xc3\nR\n", STV_ESYNTAX, 1, 16, "expected UTF-8 text"},
    {"R1,R2\nA,B,C\n", STV_ESYNTAX, 2, 5, "expected at most 2 cells (as the "
                                         "header has), found 'C'"},
    {"R1\n=A\n", STV_ESYNTAX, 2, 1, "expected a candidate name before '='"},
    {"R1\nA=\n", STV_ESYNTAX, 2, 3, "expected a candidate name after '='"},
    {"R1\nA = \n", STV_ESYNTAX, 2, 4, "after '='"},
    {"R1\nA==B\n", STV_ESYNTAX, 2, 3, "before '='"},
    {"# candidates: A; B\nR1\nB\nC\n", STV_ESYNTAX, 4, 1,
     "expected a candidate named on the '# candidates:' line, found 'C'"},
    {"# candidates: A;;B\nR1\n", STV_ESYNTAX, 1, 17,
     "expected a candidate name in the '# candidates:' list, found ';'"},
    {"# candidates: A;\nR1\n", STV_ESYNTAX, 1, 17, "found end of line"},
    {"# candidates:\nR1\n", STV_ESYNTAX, 1, 14, "found end of line"},
    {"# candidates: A; A \nR1\n", STV_ESYNTAX, 1, 18,
     "expected each candidate once, found 'A' again"},
    {"# candidates: A=B\n", STV_ESYNTAX, 1, 16, "expected a candidate name "
                                                "without '='"},
    {"# candidates: A\n# candidates: B\n", STV_ESYNTAX, 2, 1,
     "expected one '# candidates:' line, found a second"},
};

static void check_bad(const bad *b, size_t len, int seats) {
  stv_election *e = (stv_election *)&e; /* must be set to NULL */
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_csv(b->text, len, "t.csv", seats, &e, &err);
  if (st != b->st || err.line != b->line || err.col != b->col ||
      !strstr(err.msg, b->msg))
    print_error("input \"%.60s\": got %s at %ld:%ld: %s\n", b->text,
                stv_strerror(st), err.line, err.col, err.msg);
  assert_int_equal(st, b->st);
  assert_null(e);
  assert_string_equal(err.file, "t.csv");
  assert_int_equal(err.line, b->line);
  assert_int_equal(err.col, b->col);
  assert_non_null(strstr(err.msg, b->msg));
}

static void test_malformed(void **state) {
  size_t i;
  bad nul = {"R1\nA\0B\n", STV_ESYNTAX, 2, 2, "expected text, found a NUL "
                                               "byte"};
  (void)state;
  for (i = 0; i < sizeof(bad_csv) / sizeof(bad_csv[0]); i++)
    check_bad(&bad_csv[i], strlen(bad_csv[i].text), 1);
  check_bad(&nul, 7, 1);
}

static void test_seats(void **state) {
  bad b0 = {"R\nA\n", STV_EINVAL, 0, 0, "expected a number of seats from 1 "
                                        "to 999 (or 0: the file's), found "
                                        "-1"};
  bad b1 = {"R\nA\n", STV_ELIMIT, 0, 0, "found 1000"};
  (void)state;
  check_bad(&b0, 4, -1); /* 0 takes the file's (tests/unit/test_convert.c) */
  check_bad(&b1, 4, 1000);
}

/* Limits: more than STV_MAX_CANDIDATES names, a name over STV_MAX_NAME
** bytes, a line over STV_MAX_LINE bytes, too many preferences. */
static void test_limits(void **state) {
  size_t big = (size_t)STV_MAX_LINE + 100, n;
  char *text = malloc(big);
  bad b;
  int i;
  (void)state;
  assert_non_null(text);
  n = (size_t)snprintf(text, big, "r\n");
  for (i = 0; i <= STV_MAX_CANDIDATES; i++)
    n += (size_t)snprintf(text + n, big - n, "c%d\n", i);
  b = (bad){text, STV_ELIMIT, 1002, 1, "expected at most 1000 candidates, "
                                       "found another: 'c1000'"};
  check_bad(&b, n, 1);
  /* in the "# candidates:" line */
  n = (size_t)snprintf(text, big, "# candidates: c");
  for (i = 1; i <= STV_MAX_CANDIDATES; i++)
    n += (size_t)snprintf(text + n, big - n, ";c%d", i);
  b = (bad){text, STV_ELIMIT, 1, (long)n - 4, "found another: 'c1000'"};
  check_bad(&b, n, 1);
  /* a name of STV_MAX_NAME + 1 bytes, at column 3 */
  n = (size_t)snprintf(text, big, "r1,r2\nA, ");
  memset(text + n, 'x', STV_MAX_NAME + 1);
  n += STV_MAX_NAME + 1;
  b = (bad){text, STV_ELIMIT, 2, 4, "expected a candidate name of at most "
                                    "512 bytes, found 513 bytes"};
  check_bad(&b, n, 1);
  /* a line of STV_MAX_LINE + 1 bytes */
  n = (size_t)snprintf(text, big, "r\n");
  memset(text + n, 'x', (size_t)STV_MAX_LINE + 1);
  b = (bad){text, STV_ELIMIT, 2, STV_MAX_LINE + 1, "line longer than"};
  check_bad(&b, n + STV_MAX_LINE + 1, 1);
  /* 65536 preferences (skipped ranks count) in a row of 65537 cells */
  n = (size_t)snprintf(text, big, "r");
  for (i = 1; i < 65537; i++) n += (size_t)snprintf(text + n, big - n, ",");
  text[n++] = '\n';
  for (i = 1; i < 65537; i++) text[n++] = ',';
  memcpy(text + n, "A\n", 3);
  b = (bad){text, STV_ELIMIT, 2, 65537, "expected at most 65535 preferences "
                                        "in one ballot"};
  check_bad(&b, strlen(text), 1);
  free(text);
}

/* ---- out of memory: every allocation of a parse fails in turn --------- */

static long alloc_left; /* allocations before the failure; < 0: never */

static void *failing_alloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (alloc_left == 0) return NULL;
  if (alloc_left > 0) alloc_left--;
  return realloc(p, n);
}

static void test_out_of_memory(void **state) {
  static const char text[] = "# candidates: A; B; C\nid,\"r1\",r2,weight\n"
                             "1,A,B=C,2\n2,,C,1\n3,B,,4\n";
  long k;
  int ok = 0;
  (void)state;
  stv_set_allocator(failing_alloc, NULL);
  for (k = 0; k < 1000 && !ok; k++) {
    stv_election *e = NULL;
    stv_error err;
    stv_status st;
    memset(&err, 0, sizeof(err));
    alloc_left = k;
    st = stv_election_parse_csv(text, sizeof(text) - 1, "t.csv", 1, &e, &err);
    if (st == STV_OK) {
      ok = 1;
      assert_string_equal(ballots(e), "2: 1 2=3; 1: - 3; 4: 2");
    } else {
      assert_int_equal(st, STV_ENOMEM);
      assert_null(e);
      assert_string_equal(err.msg, "out of memory");
    }
    stv_election_free(e);
  }
  stv_set_allocator(NULL, NULL);
  assert_true(ok);
  assert_true(k > 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_header_columns),
      cmocka_unit_test(test_quoting),
      cmocka_unit_test(test_empty_cells),
      cmocka_unit_test(test_padding_and_blank_ballots),
      cmocka_unit_test(test_equal_ranks),
      cmocka_unit_test(test_candidates_line),
      cmocka_unit_test(test_line_endings_bom_utf8),
      cmocka_unit_test(test_many_candidates),
      cmocka_unit_test(test_read_file),
      cmocka_unit_test(test_count),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_seats),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
