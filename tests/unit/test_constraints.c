/*
** test_constraints.c: unit tests of the constraints-file reader
** (src/lib/constraints.c).
**
** Well-formed files are checked group by group through the handle's
** fields (stvInt.h); malformed files are a table, each asserting the
** status, the line and column, and the whole message, with a row for every
** error of docs/constraints.md.  Every allocation is also failed in turn:
** the reader and the copy must report failure and leave nothing behind
** (ASan's leak checker sees what is left).
*/
#include <fcntl.h>
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

/* Twelve candidates; Dan Moss (4) has withdrawn. */
static const char blt[] = "12 3\n"
                          "-4\n"
                          "1 1 2 3 0\n"
                          "0\n"
                          "\"Ann Lee\"\n"
                          "\"Bob Roy\"\n"
                          "\"Carl Hay\"\n"
                          "\"Dan Moss\"\n"
                          "\"Eve Ng\"\n"
                          "\"Fay Orr\"\n"
                          "\"Gus Hart\"\n"
                          "\"Šárka Ives\"\n"
                          "\"Émile Zoë\"\n"
                          "\"Bo \"\"B\"\" Jones\"\n"
                          "\"Σωκράτης\"\n"
                          "\"Łucja Nowak\"\n"
                          "\"Test election\"\n";

static stv_election *election(void) {
  stv_election *e = NULL;
  assert_int_equal(
      stv_election_parse_blt(blt, sizeof(blt) - 1, "t.blt", &e, NULL),
      STV_OK);
  assert_int_equal(stv_election_candidates(e), 12);
  assert_true(stv_election_is_withdrawn(e, 4));
  return e;
}

/* The groups as "NAME@LINE:COL LO..HI: m m m | ..." with 1-based members;
** HI is '*' when there is no maximum. */
static const char *groups(const stv_constraints *k) {
  static char out[8192];
  size_t len = 0;
  int i, j;
  out[0] = '\0';
  for (i = 0; i < k->ng && len < sizeof(out); i++) {
    const stvi_group *g = &k->g[i];
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s@%ld:%ld %d..",
                            i ? " | " : "", g->name, g->line, g->col, g->lo);
    if (len >= sizeof(out)) break;
    len += g->hi < 0
               ? (size_t)snprintf(out + len, sizeof(out) - len, "*:")
               : (size_t)snprintf(out + len, sizeof(out) - len, "%d:", g->hi);
    for (j = 0; j < g->nmembers && len < sizeof(out); j++)
      len += (size_t)snprintf(out + len, sizeof(out) - len, " %d",
                              g->members[j] + 1);
  }
  return out;
}

static stv_constraints *parse_in(const stv_election *e, const char *text,
                                 size_t n) {
  stv_constraints *k = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_constraints_parse(e, text, n, "c.con", &k, &err);
  if (st != STV_OK)
    print_error("%s:%ld:%ld: %s\n", err.file, err.line, err.col, err.msg);
  assert_int_equal(st, STV_OK);
  assert_non_null(k);
  assert_string_equal(k->file, "c.con");
  assert_int_equal(k->ncand, stv_election_candidates(e));
  assert_int_equal(stv_constraints_groups(k), k->ng);
  return k;
}

/* Parses text against the twelve candidates and renders the groups. */
static const char *read_groups(const char *text) {
  stv_election *e = election();
  stv_constraints *k = parse_in(e, text, strlen(text));
  const char *out = groups(k);
  stv_constraints_free(k);
  stv_election_free(e);
  return out;
}

/* ---- well-formed files -------------------------------------------------- */

static void test_good_file(void **state) {
  static const char text[] =
      "# Momentum NCG 2022, South East region: 3 seats\n"
      "# group NAME [min N] [max N] [exactly N] : CANDIDATE, ...\n"
      "group women min 1: 1, 5, \"Fay Orr\",\n"
      "                   \"Émile Zoë\"            # a trailing comma "
      "continues\n"
      "group bame  min 1: 2, \"Σωκράτης\"\n"
      "\n"
      "group north max 2: 7, 8, 9   # a maximum alone\n"
      "  group panel exactly 1: 10,11\n"
      "group any min 0 max 3: \"Bo \"\"B\"\" Jones\", 12\n"
      "group \"Left, \"\"hard\"\"\" max 1 min 1 : 3\n";
  (void)state;
  assert_string_equal(read_groups(text),
                      "women@3:7 1..*: 1 5 6 9 | bame@5:7 1..*: 2 11 | "
                      "north@7:7 0..2: 7 8 9 | panel@8:9 1..1: 10 11 | "
                      "any@9:7 0..3: 10 12 | "
                      "Left, \"hard\"@10:7 1..1: 3");
}

static void test_line_endings(void **state) {
  /* CRLF, a byte-order mark, tabs, no final newline */
  (void)state;
  assert_string_equal(
      read_groups("\xEF\xBB\xBFgroup a min 1: 1,\r\n\t2\r\n"
                  "group b max 1:\t3 ,\t\"Ann Lee\" \r\n"
                  "group c exactly 0: 4"),
      "a@1:7 1..*: 1 2 | b@3:7 0..1: 3 1 | c@4:7 0..0: 4");
  assert_string_equal(read_groups("group a min 2: 1"), "a@1:7 2..*: 1");
}

static void test_continuation(void **state) {
  (void)state;
  /* blank and comment lines may sit inside a continued list; a comment
  ** may follow the trailing comma */
  assert_string_equal(read_groups("group a min 1: 1, # first\n"
                                  "\n"
                                  "   # 2, (left out)\n"
                                  "   3,\n"
                                  "   \"Bob Roy\",4  # last\n"
                                  "group b min 1: 5\n"),
                      "a@1:7 1..*: 1 3 2 4 | b@6:7 1..*: 5");
  /* a comma inside a quoted name does not continue the line */
  assert_string_equal(read_groups("group a max 1: \"Ann Lee\" # x,\n"),
                      "a@1:7 0..1: 1");
  /* '#' inside quotes is not a comment */
  assert_string_equal(read_groups("group \"#1\" min 1: 2"), "#1@1:7 1..*: 2");
}

static void test_keywords_and_names(void **state) {
  (void)state;
  /* keywords in any case; group names case-sensitive, so these differ */
  assert_string_equal(read_groups("GROUP Women MIN 1: 1\n"
                                  "Group women Max 2: 2\n"
                                  "group WOMEN Exactly 1: 3\n"),
                      "Women@1:7 1..*: 1 | women@2:7 0..2: 2 | "
                      "WOMEN@3:7 1..1: 3");
  /* a group may be named like a keyword; names of every allowed kind */
  assert_string_equal(read_groups("group min min 1: 1\n"
                                  "group max max 1 : 2\n"
                                  "group a_b-c.9 min 1:3\n"
                                  "group 2024 min 1: 5\n"),
                      "min@1:7 1..*: 1 | max@2:7 0..1: 2 | "
                      "a_b-c.9@3:7 1..*: 3 | 2024@4:7 1..*: 5");
  /* leading zeros, the largest count, max 0 */
  assert_string_equal(read_groups("group a min 007 max 1000000: 012\n"
                                  "group b max 0: 6\n"),
                      "a@1:7 7..1000000: 12 | b@2:7 0..0: 6");
}

static void test_withdrawn_members(void **state) {
  /* a withdrawn candidate stays a member, by number or by name */
  (void)state;
  assert_string_equal(read_groups("group a min 1: 4, 1\n"
                                  "group b min 1: \"Dan Moss\"\n"),
                      "a@1:7 1..*: 4 1 | b@2:7 1..*: 4");
}

static void test_overlaps_and_order(void **state) {
  /* a candidate may be in many groups; members keep the file's order */
  (void)state;
  assert_string_equal(read_groups("group a min 1: 12, 3, 1\n"
                                  "group b min 1: 1, 12\n"
                                  "group c min 1: 3, \"Łucja Nowak\", 1\n"),
                      "a@1:7 1..*: 12 3 1 | b@2:7 1..*: 1 12 | "
                      "c@3:7 1..*: 3 12 1");
}

static void test_many_groups(void **state) {
  /* exactly STV_MAX_GROUPS is fine */
  char text[4096];
  size_t n = 0;
  stv_election *e = election();
  stv_constraints *k;
  int i;
  (void)state;
  for (i = 0; i < STV_MAX_GROUPS; i++)
    n += (size_t)snprintf(text + n, sizeof(text) - n, "group g%d max 1: %d\n",
                          i, i % 12 + 1);
  k = parse_in(e, text, n);
  assert_int_equal(stv_constraints_groups(k), STV_MAX_GROUPS);
  assert_string_equal(k->g[31].name, "g31");
  assert_int_equal(k->g[31].members[0], 31 % 12);
  stv_constraints_free(k);
  stv_election_free(e);
}

static void test_every_candidate(void **state) {
  /* a group of all STV_MAX_CANDIDATES candidates, a hundred a line */
  stv_election *e = NULL;
  stv_constraints *k;
  size_t cap = 16 * 1024, n;
  char *text = malloc(cap), name[16];
  int i;
  (void)state;
  assert_non_null(text);
  assert_int_equal(stv_election_create(&e), STV_OK);
  for (i = 1; i <= STV_MAX_CANDIDATES; i++) {
    snprintf(name, sizeof(name), "c%d", i);
    assert_int_equal(stv_election_add_candidate(e, name), STV_OK);
  }
  n = (size_t)snprintf(text, cap, "group all min 1:");
  for (i = STV_MAX_CANDIDATES; i >= 1; i--)
    n += (size_t)snprintf(text + n, cap - n, " %d%s", i,
                          i == 1 ? "\n" : i % 100 == 1 ? ",\n" : ",");
  k = parse_in(e, text, n);
  assert_int_equal(k->g[0].nmembers, STV_MAX_CANDIDATES);
  assert_int_equal(k->g[0].members[0], STV_MAX_CANDIDATES - 1);
  assert_int_equal(k->g[0].members[STV_MAX_CANDIDATES - 1], 0);
  stv_constraints_free(k);
  /* by name, with one named twice at the very end */
  n = (size_t)snprintf(text, cap, "group all min 1: \"c1000\",\n");
  for (i = 1; i <= STV_MAX_CANDIDATES; i++)
    n += (size_t)snprintf(text + n, cap - n, "\"c%d\"%s", i,
                          i == STV_MAX_CANDIDATES ? "\n" : ",\n");
  {
    stv_error err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(stv_constraints_parse(e, text, n, "c.con", &k, &err),
                     STV_ESYNTAX);
    assert_null(k);
    assert_int_equal(err.line, 1001);
    assert_int_equal(err.col, 1);
    assert_string_equal(err.msg, "expected each candidate once in group "
                                 "'all', found \"c1000\" (candidate 1000) "
                                 "again");
  }
  free(text);
  stv_election_free(e);
}

/* ---- malformed files -------------------------------------------------- */

typedef struct bad {
  const char *text;
  stv_status st;
  long line, col;
  const char *msg; /* the whole message */
} bad;

static const bad bad_con[] = {
    /* docs/constraints.md, every row of the table */
    {"# c\n\ngrp women min 1: 1\n", STV_ESYNTAX, 3, 1,
     "expected 'group', a comment or a blank line, found 'grp'"},
    {"group : 1", STV_ESYNTAX, 1, 7, "expected a group name, found ':'"},
    {"group women minimum 1: 1", STV_ESYNTAX, 1, 13,
     "expected 'min', 'max', 'exactly' or ':', found 'minimum'"},
    {"group women min four: 1", STV_ESYNTAX, 1, 17,
     "expected a whole number after 'min', found 'four'"},
    {"group women min 1 min 2: 1", STV_ESYNTAX, 1, 19,
     "expected at most one 'min' for group 'women', found a second"},
    {"group women exactly 2 max 3: 1", STV_ESYNTAX, 1, 23,
     "expected no 'max' with 'exactly' (it sets both), found 'max'"},
    {"group women: 1, 3", STV_ESYNTAX, 1, 12,
     "expected 'min', 'max' or 'exactly' for group 'women' (a group without "
     "a bound constrains nothing), found ':'"},
    {"group women min 1 1, 3", STV_ESYNTAX, 1, 19,
     "expected ':' before the candidates, found '1'"},
    {"group women min 1: 1, 13", STV_ESYNTAX, 1, 23,
     "expected a candidate number from 1 to 12 or a quoted name, found '13'"},
    {"group women min 1: \"ann lee\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"ann lee\" (did "
     "you mean \"Ann Lee\", candidate 1?)"},
    {"group women min 1: \"Ann Lee", STV_ESYNTAX, 1, 20,
     "expected '\"' closing the name on the same line"},
    {"group women min 1: 1, , 3", STV_ESYNTAX, 1, 23,
     "expected a candidate number or a quoted name, found ','"},
    {"group women min 1: 1, \"Ann Lee\"", STV_ESYNTAX, 1, 23,
     "expected each candidate once in group 'women', found \"Ann Lee\" "
     "(candidate 1) again"},
    {"group women min 1: 1\ngroup men max 5: 2\n\ngroup women max 3: 3\n",
     STV_ESYNTAX, 4, 7,
     "expected each group name once, found 'women' again (first on line 1)"},
    {"group women min 1: 1,\n2,\n", STV_ESYNTAX, 3, 1,
     "expected a candidate on the line after the ',' ending line 2, found "
     "end of file"},
    {"", STV_ESYNTAX, 1, 1, "expected at least one group, found none"},
    {"# nothing\n\n   \n", STV_ESYNTAX, 4, 1,
     "expected at least one group, found none"},
    {"group women min 1: 1 # \xc3\n", STV_ESYNTAX, 1, 24,
     "expected UTF-8 text"},
    {"group men min 3 max 2: 1", STV_ECONSTRAINT, 1, 21,
     "group 'men': maximum 2 is less than its minimum 3"},
    {"group men max 2 min 3: 1", STV_ECONSTRAINT, 1, 15,
     "group 'men': maximum 2 is less than its minimum 3"},
    /* more of the same kinds */
    {"groupwomen min 1: 1", STV_ESYNTAX, 1, 1,
     "expected 'group', a comment or a blank line, found 'groupwomen'"},
    {", 1", STV_ESYNTAX, 1, 1,
     "expected 'group', a comment or a blank line, found ','"},
    {"\"group\" a min 1: 1", STV_ESYNTAX, 1, 1,
     "expected 'group', a comment or a blank line, found \"group\""},
    {"group", STV_ESYNTAX, 1, 6, "expected a group name, found end of line"},
    {"group # women", STV_ESYNTAX, 1, 7,
     "expected a group name, found end of line"},
    {"group min 1: 1", STV_ESYNTAX, 1, 7, "expected a group name, found "
                                          "'min'"},
    {"group \"\" min 1: 1", STV_ESYNTAX, 1, 7,
     "expected a group name, found an empty name"},
    {"group \"women min 1: 1", STV_ESYNTAX, 1, 7,
     "expected '\"' closing the name on the same line"},
    {"group wömen min 1: 1", STV_ESYNTAX, 1, 7,
     "expected a group name of letters, digits, '_', '-' and '.', or a "
     "quoted name, found 'wömen'"},
    {"group w/m min 1: 1", STV_ESYNTAX, 1, 7,
     "expected a group name of letters, digits, '_', '-' and '.', or a "
     "quoted name, found 'w/m'"},
    {"group women", STV_ESYNTAX, 1, 12,
     "expected 'min', 'max', 'exactly' or ':', found end of line"},
    {"group women 1, 3", STV_ESYNTAX, 1, 13,
     "expected 'min', 'max', 'exactly' or ':', found '1'"},
    {"group women min 1 mx 2: 1", STV_ESYNTAX, 1, 19,
     "expected 'min', 'max', 'exactly' or ':', found 'mx'"},
    {"group women min 1", STV_ESYNTAX, 1, 18,
     "expected ':' before the candidates, found end of line"},
    {"group women min 1 \"Ann Lee\"", STV_ESYNTAX, 1, 19,
     "expected ':' before the candidates, found \"Ann Lee\""},
    {"group women min", STV_ESYNTAX, 1, 16,
     "expected a whole number after 'min', found end of line"},
    {"group women max : 1", STV_ESYNTAX, 1, 17,
     "expected a whole number after 'max', found ':'"},
    {"group women min -1: 1", STV_ESYNTAX, 1, 17,
     "expected a whole number after 'min', found '-1'"},
    {"group women exactly 1.5: 1", STV_ESYNTAX, 1, 21,
     "expected a whole number after 'exactly', found '1.5'"},
    {"group women min1: 1", STV_ESYNTAX, 1, 13,
     "expected 'min', 'max', 'exactly' or ':', found 'min1'"},
    {"group women min 1000001: 1", STV_ELIMIT, 1, 17,
     "expected a number from 0 to 1000000 after 'min', found '1000001'"},
    {"group women max 99999999999999999999999: 1", STV_ELIMIT, 1, 17,
     "expected a number from 0 to 1000000 after 'max', found "
     "'99999999999999999999999'"},
    {"group women max 1 max 1: 1", STV_ESYNTAX, 1, 19,
     "expected at most one 'max' for group 'women', found a second"},
    {"group women exactly 1 EXACTLY 1: 1", STV_ESYNTAX, 1, 23,
     "expected at most one 'exactly' for group 'women', found a second"},
    {"group women exactly 2 min 3: 1", STV_ESYNTAX, 1, 23,
     "expected no 'min' with 'exactly' (it sets both), found 'min'"},
    {"group women min 1 exactly 2: 1", STV_ESYNTAX, 1, 19,
     "expected no 'exactly' with 'min' (it sets both min and max), found "
     "'exactly'"},
    {"group women max 3 exactly 2: 1", STV_ESYNTAX, 1, 19,
     "expected no 'exactly' with 'max' (it sets both min and max), found "
     "'exactly'"},
    {"group women min 1:", STV_ESYNTAX, 1, 19,
     "expected a candidate number or a quoted name, found end of line"},
    {"group women min 1: # later\n1\n", STV_ESYNTAX, 1, 20,
     "expected a candidate number or a quoted name, found end of line"},
    {"group women min 1: 1,, 3", STV_ESYNTAX, 1, 22,
     "expected a candidate number or a quoted name, found ','"},
    {"group women min 1: 1,\n  , 3", STV_ESYNTAX, 2, 3,
     "expected a candidate number or a quoted name, found ','"},
    {"group women min 1: 0", STV_ESYNTAX, 1, 20,
     "expected a candidate number from 1 to 12 or a quoted name, found '0'"},
    {"group women min 1: 99999999999999999999", STV_ESYNTAX, 1, 20,
     "expected a candidate number from 1 to 12 or a quoted name, found "
     "'99999999999999999999'"},
    {"group women min 1: -1", STV_ESYNTAX, 1, 20,
     "expected a candidate number from 1 to 12 or a quoted name, found "
     "'-1'"},
    {"group women min 1: Ann Lee", STV_ESYNTAX, 1, 20,
     "expected a candidate number from 1 to 12 or a quoted name, found "
     "'Ann'"},
    {"group women min 1: 1 2", STV_ESYNTAX, 1, 22,
     "expected ',' or the end of the line after a candidate, found '2'"},
    {"group women min 1: \"Ann Lee\"x", STV_ESYNTAX, 1, 29,
     "expected ',' or the end of the line after a candidate, found 'x'"},
    {"group women min 1: 1; 2", STV_ESYNTAX, 1, 20,
     "expected a candidate number from 1 to 12 or a quoted name, found "
     "'1;'"},
    {"group women min 1: 1, 1", STV_ESYNTAX, 1, 23,
     "expected each candidate once in group 'women', found candidate 1 "
     "(\"Ann Lee\") again"},
    {"group women min 1: \"Bo \"\"B\"\" Jones\", 10", STV_ESYNTAX, 1, 38,
     "expected each candidate once in group 'women', found candidate 10 "
     "(\"Bo \"\"B\"\" Jones\") again"},
    {"group women min 1: 3,\n\n  \"Carl Hay\"", STV_ESYNTAX, 3, 3,
     "expected each candidate once in group 'women', found \"Carl Hay\" "
     "(candidate 3) again"},
    {"group women min 1: \"Ann\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"Ann\""},
    {"group women min 1: \"\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"\""},
    {"group women min 1: \" Ann  LEE \"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \" Ann  LEE \" "
     "(did you mean \"Ann Lee\", candidate 1?)"},
    {"group women min 1: \"émile zoË\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"émile zoË\" "
     "(did you mean \"Émile Zoë\", candidate 9?)"},
    {"group women min 1: \"ΣΩΚΡΆΤΗΣ\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"ΣΩΚΡΆΤΗΣ\""},
    {"group women min 1: \"σωκράτης\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"σωκράτης\" "
     "(did you mean \"Σωκράτης\", candidate 11?)"},
    {"group women min 1: \"ŁUCJA nowak\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"ŁUCJA nowak\" "
     "(did you mean \"Łucja Nowak\", candidate 12?)"},
    {"group women min 1: \"šÁRKA ives\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"šÁRKA ives\" "
     "(did you mean \"Šárka Ives\", candidate 8?)"},
    {"group women min 1: \"A \"\"very\"\" long name that nobody in the "
     "ballot file has\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"A \"\"very\"\" "
     "long name that nobody in the ba...\""},
    {"group women min 1: \"bo \"\"b\"\" jones\"", STV_ESYNTAX, 1, 20,
     "expected a candidate named in the ballot file, found \"bo \"\"b\"\" "
     "jones\" (did you mean \"Bo \"\"B\"\" Jones\", candidate 10?)"},
    {"group women min 1: \"Ann Lee\" \"Bob Roy\"", STV_ESYNTAX, 1, 30,
     "expected ',' or the end of the line after a candidate, found "
     "\"Bob Roy\""},
    {"group women min 1: 1\n  2, 3\n", STV_ESYNTAX, 2, 3,
     "expected 'group', a comment or a blank line (a list goes on to the "
     "next line only after a ','), found '2'"},
    {"group women min 1: 1\n\"Bob Roy\"\n", STV_ESYNTAX, 2, 1,
     "expected 'group', a comment or a blank line (a list goes on to the "
     "next line only after a ','), found \"Bob Roy\""},
    {"group women min 1: 1, 2,\n\ngroup men max 2: 3\n", STV_ESYNTAX, 3, 1,
     "expected a candidate on the line after the ',' ending line 1, found "
     "'group'"},
    {"group women min 1: 1,\n# the rest later\n", STV_ESYNTAX, 3, 1,
     "expected a candidate on the line after the ',' ending line 1, found "
     "end of file"},
    {"group a min 1: 1\r\ngroup b min 1: 2,\r\n", STV_ESYNTAX, 3, 1,
     "expected a candidate on the line after the ',' ending line 2, found "
     "end of file"},
    {"\xff", STV_ESYNTAX, 1, 1, "expected UTF-8 text"},
    {"# \xed\xa0\x80 surrogate\ngroup a min 1: 1", STV_ESYNTAX, 1, 3,
     "expected UTF-8 text"},
    {"group a min 1: \"Ann \xc0\xa0Lee\"", STV_ESYNTAX, 1, 21,
     "expected UTF-8 text"},
    /* long text is cut in messages, at a character boundary */
    {"group aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa min "
     "1: 1, 1", STV_ESYNTAX, 1, 76,
     "expected each candidate once in group "
     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', found candidate 1 "
     "(\"Ann Lee\") again"},
    {"group a min 1: ééééééééééééééééééééééééééééééé", STV_ESYNTAX, 1, 16,
     "expected a candidate number from 1 to 12 or a quoted name, found "
     "'éééééééééééééééééééé...'"},
};

static void check_bad(const stv_election *e, const bad *b, size_t len) {
  stv_constraints *k = (stv_constraints *)&k; /* must be set to NULL */
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_constraints_parse(e, b->text, len, "c.con", &k, &err);
  if (st != b->st || err.line != b->line || err.col != b->col ||
      strcmp(err.msg, b->msg) != 0)
    print_error("input \"%.60s\": got %s at %ld:%ld: %s\n", b->text,
                stv_strerror(st), err.line, err.col, err.msg);
  assert_int_equal(st, b->st);
  assert_null(k);
  assert_string_equal(err.file, "c.con");
  assert_int_equal(err.line, b->line);
  assert_int_equal(err.col, b->col);
  assert_string_equal(err.msg, b->msg);
}

static void test_malformed(void **state) {
  stv_election *e = election();
  size_t i;
  bad nul = {"group women min 1: 1, 2\0", STV_ESYNTAX, 1, 24,
             "expected text, found a NUL byte"};
  bad nul2 = {"# a\0\xff\n", STV_ESYNTAX, 1, 4,
              "expected text, found a NUL byte"};
  (void)state;
  for (i = 0; i < sizeof(bad_con) / sizeof(bad_con[0]); i++)
    check_bad(e, &bad_con[i], strlen(bad_con[i].text));
  check_bad(e, &nul, 24);
  check_bad(e, &nul2, 6);
  stv_election_free(e);
}

static void test_too_many_groups(void **state) {
  char text[4096];
  size_t n = 0;
  stv_election *e = election();
  bad b;
  int i;
  (void)state;
  for (i = 0; i <= STV_MAX_GROUPS; i++)
    n += (size_t)snprintf(text + n, sizeof(text) - n,
                          "group g%d max 1: %d\n", i, i % 12 + 1);
  b = (bad){text, STV_ELIMIT, 33, 7,
            "expected at most 32 groups, found another: 'g32'"};
  check_bad(e, &b, n);
  stv_election_free(e);
}

/* A group name over STV_MAX_NAME bytes; a line over STV_MAX_LINE. */
static void test_limits(void **state) {
  size_t big = (size_t)STV_MAX_LINE + 100, n;
  char *text = malloc(big);
  stv_election *e = election();
  bad b;
  (void)state;
  assert_non_null(text);
  n = (size_t)snprintf(text, big, "group ");
  memset(text + n, 'g', STV_MAX_NAME + 1);
  n += STV_MAX_NAME + 1;
  n += (size_t)snprintf(text + n, big - n, " min 1: 1\n");
  b = (bad){text, STV_ELIMIT, 1, 7, "expected a group name of at most 512 "
                                    "bytes, found 513 bytes"};
  check_bad(e, &b, n);
  /* quoted, with "" counted as one byte: 512 is fine */
  n = (size_t)snprintf(text, big, "group \"\"\"");
  memset(text + n, 'g', STV_MAX_NAME - 1);
  n += STV_MAX_NAME - 1;
  n += (size_t)snprintf(text + n, big - n, "\" min 1: 1\n");
  {
    stv_constraints *k = parse_in(e, text, n);
    assert_int_equal(strlen(k->g[0].name), STV_MAX_NAME);
    assert_int_equal(k->g[0].name[0], '"');
    stv_constraints_free(k);
  }
  /* a line of STV_MAX_LINE + 1 bytes */
  n = (size_t)snprintf(text, big, "group a min 1: 1\n# ");
  memset(text + n, 'x', (size_t)STV_MAX_LINE - 1);
  n += (size_t)STV_MAX_LINE - 1;
  b = (bad){text, STV_ELIMIT, 2, STV_MAX_LINE + 1, "line longer than "
                                                   "1048576 bytes"};
  check_bad(e, &b, n);
  free(text);
  stv_election_free(e);
}

static void test_ambiguous_name(void **state) {
  /* two candidates with one name: only numbers can tell them apart */
  stv_election *e = NULL;
  stv_constraints *k;
  bad b = {"group a min 1: \"Sam Cole\"", STV_ESYNTAX, 1, 16,
           "expected a name that identifies one candidate, found \"Sam "
           "Cole\" (candidates 2 and 3 have it: use the number)"};
  (void)state;
  assert_int_equal(stv_election_create(&e), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Ann Lee"), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Sam Cole"), STV_OK);
  assert_int_equal(stv_election_add_candidate(e, "Sam Cole"), STV_OK);
  check_bad(e, &b, strlen(b.text));
  k = parse_in(e, "group a min 1: 2, 3, \"Ann Lee\"", 30);
  assert_string_equal(groups(k), "a@1:7 1..*: 2 3 1");
  stv_constraints_free(k);
  stv_election_free(e);
}

static void test_bad_arguments(void **state) {
  stv_election *e = election();
  stv_constraints *k = (stv_constraints *)&k;
  stv_error err;
  (void)state;
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_constraints_parse(NULL, "group a min 1: 1", 16,
                                         "c.con", &k, &err),
                   STV_EINVAL);
  assert_null(k);
  assert_true(err.msg[0] != '\0');
  k = (stv_constraints *)&k;
  assert_int_equal(stv_constraints_parse(e, NULL, 3, NULL, &k, NULL),
                   STV_EINVAL);
  assert_null(k);
  assert_int_equal(stv_constraints_parse(e, "x", 1, "c.con", NULL, NULL),
                   STV_EINVAL);
  assert_int_equal(stv_constraints_read(e, NULL, &k, &err), STV_EINVAL);
  assert_int_equal(stv_constraints_read(NULL, "c.con", &k, &err),
                   STV_EINVAL);
  /* no name: "<memory>"; no error record: just the status */
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_constraints_parse(e, "", 0, NULL, &k, &err),
                   STV_ESYNTAX);
  assert_string_equal(err.file, "<memory>");
  assert_int_equal(stv_constraints_parse(e, "grp", 3, "c.con", &k, NULL),
                   STV_ESYNTAX);
  k = parse_in(e, "group a min 1: 1", 16);
  stv_constraints_free(k);
  /* NULL-safe */
  stv_constraints_free(NULL);
  assert_int_equal(stv_constraints_groups(NULL), 0);
  assert_null(stvi_constraints_clone(NULL));
  stv_election_free(e);
}

static void test_read_file(void **state) {
  static const char text[] = "group women min 1: 1,\r\n  \"Eve Ng\"\r\n";
  char path[] = "/tmp/test_con_XXXXXX";
  int fd = mkstemp(path), saved;
  stv_election *e = election();
  stv_constraints *k = NULL;
  stv_error err;
  (void)state;
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
  close(fd);
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_constraints_read(e, path, &k, &err), STV_OK);
  assert_string_equal(groups(k), "women@1:7 1..*: 1 5");
  assert_string_equal(k->file, path);
  stv_constraints_free(k);
  /* "-" is standard input */
  saved = dup(0);
  assert_true(saved >= 0);
  fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(dup2(fd, 0), 0);
  close(fd);
  assert_int_equal(stv_constraints_read(e, "-", &k, &err), STV_OK);
  assert_int_equal(dup2(saved, 0), 0);
  close(saved);
  assert_string_equal(groups(k), "women@1:7 1..*: 1 5");
  assert_string_equal(k->file, "-");
  stv_constraints_free(k);
  /* errors name the path */
  fd = open(path, O_WRONLY | O_TRUNC);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "group a min 1: 1,\n", 18), 18);
  close(fd);
  assert_int_equal(stv_constraints_read(e, path, &k, &err), STV_ESYNTAX);
  assert_null(k);
  assert_string_equal(err.file, path);
  assert_int_equal(err.line, 2);
  unlink(path);
  k = (stv_constraints *)&k;
  assert_int_equal(stv_constraints_read(e, path, &k, &err), STV_EIO);
  assert_null(k);
  assert_non_null(strstr(err.msg, "cannot open"));
  stv_election_free(e);
}

/* Two handles hold equal groups in separate memory. */
static void assert_same(const stv_constraints *a, const stv_constraints *b) {
  int i;
  assert_ptr_not_equal(a, b);
  assert_string_equal(a->file, b->file);
  assert_ptr_not_equal(a->file, b->file);
  assert_int_equal(a->ncand, b->ncand);
  assert_int_equal(a->ng, b->ng);
  for (i = 0; i < a->ng; i++) {
    const stvi_group *x = &a->g[i], *y = &b->g[i];
    assert_string_equal(x->name, y->name);
    assert_ptr_not_equal(x->name, y->name);
    assert_int_equal(x->line, y->line);
    assert_int_equal(x->col, y->col);
    assert_int_equal(x->lo, y->lo);
    assert_int_equal(x->hi, y->hi);
    assert_int_equal(x->nmembers, y->nmembers);
    assert_ptr_not_equal(x->members, y->members);
    assert_memory_equal(x->members, y->members,
                        (size_t)x->nmembers * sizeof(int));
  }
}

static const char clone_text[] = "group women min 4: 1, 3, \"Fay Orr\",\n"
                                 "  12\n"
                                 "group bame exactly 1: 2, 11\n"
                                 "group north max 2: 7, 8, 9, 4\n";

static void test_clone(void **state) {
  stv_election *e = election();
  stv_constraints *k = parse_in(e, clone_text, sizeof(clone_text) - 1);
  stv_constraints *c = stvi_constraints_clone(k), *c2;
  (void)state;
  assert_non_null(c);
  assert_same(k, c);
  assert_string_equal(groups(c), "women@1:7 4..*: 1 3 6 12 | "
                                 "bame@3:7 1..1: 2 11 | "
                                 "north@4:7 0..2: 7 8 9 4");
  /* the copy outlives the original and the election */
  stv_constraints_free(k);
  stv_election_free(e);
  c2 = stvi_constraints_clone(c);
  assert_non_null(c2);
  assert_same(c, c2);
  stv_constraints_free(c);
  assert_int_equal(stv_constraints_groups(c2), 3);
  stv_constraints_free(c2);
}

/* ---- out of memory: every allocation fails in turn ---------------------- */

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
  stv_election *e = election();
  stv_constraints *ref = parse_in(e, clone_text, sizeof(clone_text) - 1);
  char path[] = "/tmp/test_con_XXXXXX";
  int fd = mkstemp(path), pass;
  long k;
  char want[1024];
  (void)state;
  snprintf(want, sizeof(want), "%s", groups(ref));
  assert_true(fd >= 0);
  assert_int_equal(write(fd, clone_text, sizeof(clone_text) - 1),
                   sizeof(clone_text) - 1);
  close(fd);
  stv_set_allocator(failing_alloc, NULL);
  for (pass = 0; pass < 2; pass++) { /* parse, then read */
    int ok = 0;
    for (k = 0; k < 1000 && !ok; k++) {
      stv_constraints *c = NULL;
      stv_error err;
      stv_status st;
      memset(&err, 0, sizeof(err));
      alloc_left = k;
      st = pass ? stv_constraints_read(e, path, &c, &err)
                : stv_constraints_parse(e, clone_text, sizeof(clone_text) - 1,
                                        path, &c, &err);
      if (st == STV_OK) {
        ok = 1;
        alloc_left = -1;
        assert_string_equal(c->file, path);
        assert_string_equal(groups(c), want);
      } else {
        assert_int_equal(st, STV_ENOMEM);
        assert_null(c);
        assert_string_equal(err.msg, "out of memory");
        assert_string_equal(err.file, path);
      }
      stv_constraints_free(c);
    }
    assert_true(ok);
    assert_true(k > 10);
  }
  {
    int ok = 0;
    for (k = 0; k < 100 && !ok; k++) {
      stv_constraints *c;
      alloc_left = k;
      c = stvi_constraints_clone(ref);
      if (c) {
        ok = 1;
        alloc_left = -1;
        assert_same(ref, c);
      }
      stv_constraints_free(c);
    }
    assert_true(ok);
    assert_true(k > 5);
  }
  stv_set_allocator(NULL, NULL);
  unlink(path);
  stv_constraints_free(ref);
  stv_election_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file),
      cmocka_unit_test(test_line_endings),
      cmocka_unit_test(test_continuation),
      cmocka_unit_test(test_keywords_and_names),
      cmocka_unit_test(test_withdrawn_members),
      cmocka_unit_test(test_overlaps_and_order),
      cmocka_unit_test(test_many_groups),
      cmocka_unit_test(test_every_candidate),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_too_many_groups),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_ambiguous_name),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_read_file),
      cmocka_unit_test(test_clone),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests_name("constraints", tests, NULL, NULL);
}
