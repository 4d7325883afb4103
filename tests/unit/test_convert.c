/*
** test_convert.c: the ballot converters (src/lib/ballots_write.c, the
** '# hustings:' line of src/lib/csv.c, and src/cli/convert.c).
**
** The main promise is that round trips lose nothing: every election in
** tests/elections and examples is written in each of BLT, CSV, hustings
** JSON and CDF and read back, then taken A -> B -> A for every pair of
** formats, and must come back the same canonical election (tests/fuzz/
** fuzz_convert.h); CDF is left out for the one file of 461,006 papers.
** Every 250th Scottish file (../shared/data) goes through each format.
** Then: what each format refuses, and that a refusal writes nothing; the
** errors of both JSON readers, each with its place; RCTab's own shape of
** CDF; the command (files written whole or not at all); the fuzz corpora;
** every allocation of the library writer and the CSV reader failed in
** turn.
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

#include "stvInt.h"
#include "../fuzz/fuzz_convert.h"
#include "../fuzz/walk.h"

static stv_election *blt(const char *text) {
  stv_election *e = NULL;
  stv_error err;
  memset(&err, 0, sizeof(err));
  if (stv_election_parse_blt(text, strlen(text), "t.blt", &e, &err))
    fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
  return e;
}

/* Writes e in format f into a new string (NULL and *st on refusal). */
static char *write_as(const stv_election *e, int f, stv_status *st,
                      stv_error *err) {
  fz_mem m = {NULL, 0, 0};
  memset(err, 0, sizeof(*err));
  *st = fz_write(e, f, &m, err);
  if (*st) {
    assert_int_equal(m.len, 0); /* a refusal writes nothing */
    free(m.data);
    return NULL;
  }
  return m.data ? m.data : calloc(1, 1);
}

static const char small[] = "5 2\n-3 -5\n12 1 2 0\n3 2=4 1 0\n5 4 - 1 0\n"
                            "2 - 3 0\n0 5 0\n4 0\n0\n"
                            "\"Ann \"\"Nan\"\" Ames\"\n\"Bo, Brown\"\n"
                            "\"Cy Cole\"\n\"Dee Dunn\"\n\"Eve\"\n"
                            "\"Ward 7; north\"\n";

/* ---- the accessor ------------------------------------------------------ */

static void test_ballot_accessor(void **state) {
  stv_election *e = blt(small);
  int tok[8];
  int64_t w;
  size_t n;
  (void)state;
  assert_int_equal(stv_election_distinct(e), 6);
  assert_int_equal(stv_election_ballot(e, 1, &w, tok, 8, &n), STV_OK);
  assert_int_equal(w, 3);
  assert_int_equal(n, 4);
  assert_int_equal(tok[0], 2);
  assert_int_equal(tok[1], STV_RANK_EQ);
  assert_int_equal(tok[2], 4);
  assert_int_equal(tok[3], 1);
  assert_int_equal(stv_election_ballot(e, 2, &w, tok, 8, &n), STV_OK);
  assert_int_equal(tok[1], STV_RANK_SKIP);
  assert_int_equal(stv_election_ballot(e, 5, &w, NULL, 0, &n), STV_OK);
  assert_int_equal(n, 0);
  assert_int_equal(w, 4);
  /* too small: nothing copied, the length told */
  tok[0] = 99;
  assert_int_equal(stv_election_ballot(e, 1, &w, tok, 3, &n), STV_ELIMIT);
  assert_int_equal(n, 4);
  assert_int_equal(tok[0], 99);
  assert_int_equal(stv_election_ballot(e, 6, &w, tok, 8, &n), STV_EINVAL);
  assert_int_equal(stv_election_ballot(e, -1, &w, tok, 8, &n), STV_EINVAL);
  assert_int_equal(stv_election_ballot(NULL, 0, &w, tok, 8, &n), STV_EINVAL);
  stv_election_free(e);
}

/* ---- exact output ------------------------------------------------------ */

static void test_outputs(void **state) {
  stv_election *e = blt(small);
  stv_error err;
  stv_status st;
  char *s;
  (void)state;
  s = write_as(e, F_BLT, &st, &err);
  assert_string_equal(s, small);
  free(s);
  s = write_as(e, F_CSV, &st, &err);
  assert_string_equal(s,
                      "# hustings: seats=2; withdrawn=3,5; title=\"Ward 7; "
                      "north\"\n"
                      "# candidates: Ann \"Nan\" Ames; Bo, Brown; Cy Cole; "
                      "Dee Dunn; Eve\n"
                      "Weight,Rank 1,Rank 2,Rank 3\n"
                      "12,\"Ann \"\"Nan\"\" Ames\",\"Bo, Brown\"\n"
                      "3,\"Bo, Brown=Dee Dunn\",\"Ann \"\"Nan\"\" Ames\"\n"
                      "5,Dee Dunn,,\"Ann \"\"Nan\"\" Ames\"\n"
                      "2,,Cy Cole\n0,Eve\n4\n");
  free(s);
  s = write_as(e, F_JSON, &st, &err);
  assert_string_equal(s,
                      "{\n  \"format\": \"hustings-ballots\",\n"
                      "  \"version\": 1,\n  \"title\": \"Ward 7; north\",\n"
                      "  \"seats\": 2,\n  \"candidates\": [\n"
                      "    {\"name\": \"Ann \\\"Nan\\\" Ames\"},\n"
                      "    {\"name\": \"Bo, Brown\"},\n"
                      "    {\"name\": \"Cy Cole\", \"withdrawn\": true},\n"
                      "    {\"name\": \"Dee Dunn\"},\n"
                      "    {\"name\": \"Eve\", \"withdrawn\": true}\n  ],\n"
                      "  \"ballots\": [\n"
                      "    {\"weight\": 12, \"ranking\": [1, 2]},\n"
                      "    {\"weight\": 3, \"ranking\": [[2, 4], 1]},\n"
                      "    {\"weight\": 5, \"ranking\": [4, [], 1]},\n"
                      "    {\"weight\": 2, \"ranking\": [[], 3]},\n"
                      "    {\"weight\": 0, \"ranking\": [5]},\n"
                      "    {\"weight\": 4, \"ranking\": []}\n  ]\n}\n");
  free(s);
  stv_election_free(e);
  /* nothing optional: no withdrawn line, no title, no '# hustings:' */
  e = blt("1 1\n1 1 0\n0\n\"A\"\n");
  s = write_as(e, F_BLT, &st, &err);
  assert_string_equal(s, "1 1\n1 1 0\n0\n\"A\"\n");
  free(s);
  assert_int_equal(stv_election_set_seats(e, 1), STV_OK);
  e->seats = 0; /* unset, as a CSV without seats leaves it */
  s = write_as(e, F_CSV, &st, &err);
  assert_string_equal(s, "# candidates: A\nWeight,Rank 1\n1,A\n");
  free(s);
  s = write_as(e, F_JSON, &st, &err);
  assert_non_null(strstr(s, "\"title\": \"\",\n  \"candidates\""));
  free(s);
  stv_election_free(e);
}

/* ---- round trips ------------------------------------------------------- */

static int files, pairs, refused, big_skipped;

/* CDF holds one record per paper: an election with more papers than this
** (deputy-2020.blt has 461,006) is not taken through CDF here, where it
** would cost minutes under the sanitizers; the CDF legs of every smaller
** file, and bench, cover it. */
#define CDF_TEST_PAPERS 20000

/* E -> A, checked against E; then A -> B -> A for every B. */
static void roundtrip(const stv_election *e0, const char *what) {
  int a, b, big = stv_election_ballots(e0) > CDF_TEST_PAPERS &&
                 !strstr(what, "/refused-");
  for (a = F_BLT; a <= F_CDF; a++) {
    stv_election *ea = NULL;
    stv_status st;
    if (big && a == F_CDF) {
      big_skipped += 4;
      continue;
    }
    st = fz_via(e0, a, &ea);
    if (st) {
      refused++;
      continue;
    }
    if (!fz_same(e0, ea, a == F_CDF))
      fail_msg("%s: changed when written as %s", what, fmt_names[a]);
    for (b = F_BLT; b <= F_CDF; b++) {
      stv_election *eb = NULL, *eaa = NULL;
      if (big && b == F_CDF) {
        big_skipped++;
        continue;
      }
      if (fz_via(ea, b, &eb) == STV_OK) {
        if (fz_via(eb, a, &eaa) != STV_OK)
          fail_msg("%s: %s -> %s -> %s refused on the way back", what,
                   fmt_names[a], fmt_names[b], fmt_names[a]);
        if (!fz_same(ea, eaa, b == F_CDF))
          fail_msg("%s: %s -> %s -> %s changed it", what, fmt_names[a],
                   fmt_names[b], fmt_names[a]);
        pairs++;
      } else
        refused++;
      stv_election_free(eb);
      stv_election_free(eaa);
    }
    stv_election_free(ea);
  }
}

/* Files named refused-* hold what some format cannot (the goldens show
** the refusals): their refusals are not counted. */
static int roundtrip_file(void *ud, const char *path) {
  stv_election *e = NULL;
  int before = refused, before_pairs = pairs;
  (void)ud;
  if (stv_election_read_blt(path, &e, NULL) != STV_OK) return 0;
  roundtrip(e, path);
  stv_election_free(e);
  if (strstr(path, "/refused-")) {
    assert_true(refused > before);
    refused = before;
    pairs = before_pairs;
    return 0;
  }
  files++;
  return 0;
}

/* Every 250th Scottish file, when the data is on this machine: written in
** each format and read back (not every pair: their CDF files are some
** 5 MB each, a record per paper). */
static int sample_file(void *ud, const char *path) {
  int *k = ud, a;
  stv_election *e = NULL;
  if ((*k)++ % 250 != 0) return 0;
  if (stv_election_read_blt(path, &e, NULL) != STV_OK) return 0;
  for (a = F_BLT; a <= F_CDF; a++) {
    stv_election *back = NULL;
    assert_int_equal(fz_via(e, a, &back), STV_OK);
    if (!fz_same(e, back, a == F_CDF))
      fail_msg("%s: changed when written as %s", path, fmt_names[a]);
    stv_election_free(back);
  }
  stv_election_free(e);
  return 0;
}

static void test_roundtrip_files(void **state) {
  int k = 0;
  (void)state;
  assert_int_equal(walk_files("tests/elections", ".blt", roundtrip_file,
                              NULL), 0);
  assert_int_equal(walk_files("examples", ".blt", roundtrip_file, NULL), 0);
  assert_true(files >= 25);
  /* every one of these files fits every format */
  assert_int_equal(refused, 0);
  assert_int_equal(pairs + big_skipped, files * 16);
  assert_true(big_skipped <= 7); /* deputy-2020.blt alone */
  if (walk_files("../shared/data/scotland", ".blt", sample_file, &k) == 0)
    print_message("round trips: %d files, %d pairs (%d through CDF "
                  "skipped); %d Scottish files\n",
                  files, pairs, big_skipped, (k + 249) / 250);
}

/* Rankings the files lack: chains of equals, a candidate ranked twice
** (also inside an equal rank), only skips, leading skips, a weight above
** STV_MAX_WEIGHT after merging, names needing quotes everywhere. */
static void test_roundtrip_odd(void **state) {
  static const char odd[] = "4 3\n-1\n"
                            "7 1=2=3=4 0\n2 2 1=2 0\n1 2 1=2 2=1 0\n"
                            "3 - - 4 0\n5 3 3 3 0\n0\n"
                            "\"\"\"q\"\"\"\n\"a,b\"\n\"#c\"\n"
                            "\"d \"\"e\"\", f\"\n";
  stv_election *e = blt(odd), *back;
  int before = pairs, f;
  stv_error err;
  stv_status st;
  char *s;
  (void)state;
  refused = 0;
  roundtrip(e, "odd");
  assert_int_equal(refused, 0);
  assert_int_equal(pairs - before, 16);
  stv_election_free(e);
  /* the merged weight 2 * 10^12 becomes two lines, which CDF refuses */
  e = blt("2 1\n1000000000000 1 2 0\n1000000000000 1 2 0\n0\n\"A\"\n"
          "\"B\"\n");
  s = write_as(e, F_BLT, &st, &err);
  assert_string_equal(s, "2 1\n1000000000000 1 2 0\n1000000000000 1 2 0\n"
                         "0\n\"A\"\n\"B\"\n");
  free(s);
  for (f = F_BLT; f <= F_JSON; f++) {
    assert_int_equal(fz_via(e, f, &back), STV_OK);
    assert_true(fz_same(e, back, 0));
    stv_election_free(back);
  }
  assert_int_equal(fz_via(e, F_CDF, &back), STV_ELIMIT);
  stv_election_free(e);
}

/* ---- refusals ---------------------------------------------------------- */

static void refuse(const char *text, int f, stv_status want,
                   const char *msg) {
  stv_election *e = blt(text);
  stv_error err;
  stv_status st;
  char *s = write_as(e, f, &st, &err);
  if (st != want || !strstr(err.msg, msg))
    fail_msg("%s: got %s: %s", fmt_names[f], stv_strerror(st), err.msg);
  assert_null(s);
  stv_election_free(e);
}

static void test_refusals(void **state) {
  (void)state;
  refuse("2 1\n1 1 0\n0\n\"A=B\"\n\"C\"\n", F_CSV, STV_EUNSUPPORTED,
         "name of candidate 1, which contains '='");
  refuse("2 1\n1 1 0\n0\n\"A\"\n\"C;D\"\n", F_CSV, STV_EUNSUPPORTED,
         "contains ';'");
  refuse("2 1\n1 1 0\n0\n\" A\"\n\"C\"\n", F_CSV, STV_EUNSUPPORTED,
         "begins or ends with a blank");
  refuse("2 1\n1 1 0\n0\n\"\"\n\"C\"\n", F_CSV, STV_EUNSUPPORTED,
         "is empty");
  refuse("2 1\n1 1 0\n0\n\"A\"\n\"A\"\n", F_CSV, STV_EUNSUPPORTED,
         "two candidates with the same name (1 and 2)");
  refuse("2 1\n0\n\"A\"\n\"B\"\n", F_CSV, STV_EUNSUPPORTED,
         "without ballots");
  refuse("2 1\n1 1 0\n1 1 - 0\n0\n\"A\"\n\"B\"\n", F_CSV, STV_EUNSUPPORTED,
         "ballot 2, whose ranking ends in a skipped rank");
  refuse("2 1\n1 - 0\n0\n\"A\"\n\"B\"\n", F_CDF, STV_EUNSUPPORTED,
         "ballot 1, whose ranking ends in a skipped rank");
  refuse("2 1\n1000001 1 0\n0\n\"A\"\n\"B\"\n", F_CDF, STV_ELIMIT,
         "ballot 1 has weight 1000001");
  {
    stv_election *e = blt("2 1\n1 1 0\n0\n\"A\"\n\"B\"\n");
    stv_error err;
    stv_status st;
    char *s;
    int f;
    e->seats = 0;
    assert_null(write_as(e, F_BLT, &st, &err));
    assert_int_equal(st, STV_EUNSUPPORTED);
    assert_string_equal(err.msg, "BLT needs the number of seats, which is "
                                 "not set");
    e->seats = 3;
    assert_null(write_as(e, F_BLT, &st, &err));
    assert_non_null(strstr(err.msg, "3 seats for 2 candidates"));
    e->seats = 1;
    /* text no reader takes: not UTF-8, or on two lines */
    assert_int_equal(stv_election_set_title(e, "a\nb"), STV_OK);
    for (f = F_BLT; f <= F_CDF; f++) {
      assert_null(write_as(e, f, &st, &err));
      assert_string_equal(err.msg, "the title is not UTF-8 text on one line");
    }
    assert_int_equal(stv_election_set_title(e, "ok"), STV_OK);
    assert_int_equal(stv_election_add_candidate(e, "\xff"), STV_OK);
    for (f = F_BLT; f <= F_CDF; f++) {
      assert_null(write_as(e, f, &st, &err));
      assert_string_equal(err.msg, "the name of candidate 3 is not UTF-8 "
                                   "text on one line");
    }
    stv_election_free(e);
    /* no candidates at all */
    assert_int_equal(stv_election_create(&e), STV_OK);
    for (f = F_BLT; f <= F_CDF; f++) {
      assert_null(write_as(e, f, &st, &err));
      assert_int_equal(st, STV_EUNSUPPORTED);
    }
    stv_election_free(e);
    /* a line longer than the readers take: a title of 700 KB of quotes
    ** doubles in BLT and CSV; JSON has no lines and escapes it once */
    e = blt("1 1\n1 1 0\n0\n\"A\"\n");
    s = malloc(700001);
    assert_non_null(s);
    memset(s, '"', 700000);
    s[700000] = '\0';
    assert_int_equal(stv_election_set_title(e, s), STV_OK);
    free(s);
    assert_null(write_as(e, F_BLT, &st, &err));
    assert_int_equal(st, STV_ELIMIT);
    assert_string_equal(err.msg, "the title would need a line longer than "
                                 "the 1048576 bytes a reader takes");
    assert_null(write_as(e, F_CSV, &st, &err));
    assert_int_equal(st, STV_ELIMIT);
    s = write_as(e, F_JSON, &st, &err);
    assert_int_equal(st, STV_OK);
    free(s);
    stv_election_free(e);
  }
}

/* The sink failing: STV_EIO, whatever the format. */
static int failing_sink(void *ud, const char *data, size_t len) {
  (void)ud;
  (void)data;
  (void)len;
  return 1;
}

static void test_sink_fails(void **state) {
  stv_election *e = blt(small);
  stv_error err;
  (void)state;
  assert_int_equal(stv_election_write(e, STV_BALLOTS_BLT, failing_sink, NULL,
                                      &err),
                   STV_EIO);
  assert_int_equal(stv_election_write(e, STV_BALLOTS_JSON, failing_sink, NULL,
                                      &err),
                   STV_EIO);
  assert_int_equal(hus_cdf_write(e, failing_sink, NULL, &err), STV_EIO);
  assert_int_equal(stv_election_write(e, (stv_ballot_format)7, failing_sink,
                                      NULL, &err),
                   STV_EINVAL);
  stv_election_free(e);
}

/* ---- the '# hustings:' line of CSV ------------------------------------ */

static stv_election *csv(const char *text, int seats, stv_status want,
                         long line, long col, const char *msg) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_csv(text, strlen(text), "t.csv", seats, &e, &err);
  if (st != want || (st && (err.line != line || err.col != col ||
                            !strstr(err.msg, msg))))
    fail_msg("\"%s\": got %s at %ld:%ld: %s", text, stv_strerror(st),
             err.line, err.col, err.msg);
  return e;
}

static void test_csv_meta(void **state) {
  stv_election *e;
  (void)state;
  e = csv("#  Hustings : seats = 2 ;withdrawn= 3 , 1; title = \"a \"\"b\"\"; "
          "c\" ;\nR1,R2\nA,B\nC\n",
          0, STV_OK, 0, 0, "");
  assert_int_equal(stv_election_seats(e), 2);
  assert_string_equal(stv_election_title(e), "a \"b\"; c");
  assert_int_equal(stv_election_is_withdrawn(e, 1), 1);
  assert_int_equal(stv_election_is_withdrawn(e, 2), 0);
  assert_int_equal(stv_election_is_withdrawn(e, 3), 1);
  stv_election_free(e);
  /* the caller's seats win; an unquoted title runs to ';' */
  e = csv("# hustings: title= Ward 7 ; seats=2\nR\nA\n", 3, STV_OK, 0, 0, "");
  assert_int_equal(stv_election_seats(e), 3);
  assert_string_equal(stv_election_title(e), "Ward 7");
  stv_election_free(e);
  /* no seats anywhere: left unset, and counting says so */
  e = csv("R\nA\n", 0, STV_OK, 0, 0, "");
  assert_int_equal(stv_election_seats(e), 0);
  {
    stv_options *o;
    stv_result *r = NULL;
    stv_error err;
    assert_int_equal(stv_options_create(&o), STV_OK);
    assert_int_equal(stv_count(e, o, &r, &err), STV_EINVAL);
    assert_non_null(strstr(err.msg, "the number of seats is not set"));
    stv_options_free(o);
  }
  stv_election_free(e);
  /* a comment that merely mentions hustings is a comment */
  e = csv("# hustings counts this\nR\nA\n", 1, STV_OK, 0, 0, "");
  stv_election_free(e);
  csv("# hustings: seats=0\nR\nA\n", 0, STV_ESYNTAX, 1, 19,
      "expected a number of seats from 1 to 999, found '0'");
  csv("# hustings: seats=1000\nR\nA\n", 0, STV_ESYNTAX, 1, 19, "found "
                                                               "'1000'");
  csv("# hustings: seats=2x\nR\nA\n", 0, STV_ESYNTAX, 1, 19, "found '2x'");
  csv("# hustings: seat=2\nR\nA\n", 0, STV_ESYNTAX, 1, 13,
      "expected seats=, withdrawn= or title= in the '# hustings:' line, "
      "found 'seat=2'");
  csv("# hustings:\nR\nA\n", 0, STV_ESYNTAX, 1, 12, "found end of line");
  csv("# hustings: seats=2; seats=3\nR\nA\n", 0, STV_ESYNTAX, 1, 22,
      "expected each key once in the '# hustings:' line, found seats again");
  csv("# hustings: seats 2\nR\nA\n", 0, STV_ESYNTAX, 1, 19,
      "expected '=' after the key, found '2'");
  csv("# hustings: seats=2 title=x\nR\nA\n", 0, STV_ESYNTAX, 1, 21,
      "expected ';' or end of line after the value, found 'title=x'");
  csv("# hustings: title=\"x\nR\nA\n", 0, STV_ESYNTAX, 1, 19,
      "expected '\"' closing the title");
  csv("# hustings: withdrawn=1,,2\nR\nA\n", 0, STV_ESYNTAX, 1, 25,
      "expected a withdrawn candidate's number (1 to 1000), found ','");
  csv("# hustings: withdrawn=\nR\nA\n", 0, STV_ESYNTAX, 1, 23,
      "found end of line");
  csv("# hustings: withdrawn=2, 3\nR\nA\nB\n", 0, STV_ESYNTAX, 1, 26,
      "expected a withdrawn candidate's number from 1 to 2 (the "
      "candidates in the file), found 3");
  csv("# hustings: seats=1\n# HUSTINGS: seats=1\nR\nA\n", 0, STV_ESYNTAX, 2,
      1, "expected one '# hustings:' line, found a second");
  csv("# hustings: title=\"\xff\"\nR\nA\n", 0, STV_ESYNTAX, 1, 20,
      "expected UTF-8 text");
  csv("R\nA\n", -1, STV_EINVAL, 0, 0,
      "expected a number of seats from 1 to 999 (or 0: the file's), found "
      "-1");
}

/* ---- the JSON readers' errors ------------------------------------------ */

typedef struct bad {
  int f;
  const char *text;
  stv_status st;
  long line, col;
  const char *msg;
} bad;

#define HEAD "{\"format\": \"hustings-ballots\", \"version\": 1, "
#define CANDS "\"candidates\": [\"A\", {\"name\": \"B\"}]"

static const bad bad_json[] = {
    {F_JSON, "", STV_ESYNTAX, 1, 1, "expected JSON: '[' or '{' expected"},
    {F_JSON, "{\"a\": 1,\n  \"b\": x}", STV_ESYNTAX, 2, 8,
     "expected JSON: invalid token near 'x'"},
    {F_JSON, "{\"a\": 1, \"a\": 2}", STV_ESYNTAX, 1, 12, "duplicate object "
                                                          "key"},
    {F_JSON, "[1]", STV_ESYNTAX, 1, 1, "expected an object {\"format\": "
                                       "\"hustings-ballots\", ...}, found a "
                                       "list"},
    {F_JSON, "{}", STV_ESYNTAX, 1, 1, "expected the key \"format\""},
    {F_JSON, "{\"CVR\": []}", STV_ESYNTAX, 1, 1, "use --from cdf"},
    {F_JSON, "{\"format\": \"hustings\"}", STV_ESYNTAX, 1, 12,
     "expected \"hustings-ballots\", found \"hustings\""},
    {F_JSON, HEAD "\"x\": 1}", STV_ESYNTAX, 1, 46,
     "expected the keys format, version, title, seats, candidates and "
     "ballots, found the key \"x\""},
    {F_JSON, "{\"format\": \"hustings-ballots\"}", STV_ESYNTAX, 1, 1,
     "expected the key \"version\": 1"},
    {F_JSON, "{\"format\": \"hustings-ballots\", \"version\": 2}", STV_ESYNTAX,
     1, 43, "expected version 1 (the one this hustings reads), found 2"},
    {F_JSON, HEAD "\"ballots\": []}", STV_ESYNTAX, 1, 1,
     "expected the key \"candidates\""},
    {F_JSON, HEAD "\"candidates\": []}", STV_ESYNTAX, 1, 60,
     "expected a list of 1 to 1000 candidates, found a list"},
    {F_JSON, HEAD "\"candidates\": [1]}", STV_ESYNTAX, 1, 61,
     "expected a name, or {\"name\": ..., \"withdrawn\": true}, found 1"},
    {F_JSON, HEAD "\"candidates\": [{\"nom\": 1}]}", STV_ESYNTAX, 1, 62,
     "expected the keys name and withdrawn, found the key \"nom\""},
    {F_JSON, HEAD "\"candidates\": [{}]}", STV_ESYNTAX, 1, 61,
     "expected the key \"name\""},
    {F_JSON, HEAD "\"candidates\": [{\"name\": \"A\", \"withdrawn\": 1}]}",
     STV_ESYNTAX, 1, 88, "expected true or false, found 1"},
    {F_JSON, HEAD "\"candidates\": [\"A\\nB\"]}", STV_ESYNTAX, 1, 61,
     "expected a candidate name on one line, found a line break"},
    {F_JSON, HEAD CANDS ", \"title\": 7}", STV_ESYNTAX, 1, 91,
     "expected a title (a string), found 7"},
    {F_JSON, HEAD CANDS ", \"seats\": 0}", STV_ESYNTAX, 1, 91,
     "expected a number of seats from 1 to 999, found 0"},
    {F_JSON, HEAD CANDS "}", STV_ESYNTAX, 1, 1, "expected the key "
                                                "\"ballots\""},
    {F_JSON, HEAD CANDS ", \"ballots\": {}}", STV_ESYNTAX, 1, 93,
     "expected a list of ballots, found an object"},
    {F_JSON, HEAD CANDS ", \"ballots\": [[1]]}", STV_ESYNTAX, 1, 94,
     "expected a ballot {\"weight\": ..., \"ranking\": [...]}, found a list"},
    {F_JSON, HEAD CANDS ", \"ballots\": [{\"weight\": 1}]}", STV_ESYNTAX, 1,
     94, "expected the key \"ranking\""},
    {F_JSON, HEAD CANDS ", \"ballots\": [{\"ranking\": [], \"w\": 1}]}",
     STV_ESYNTAX, 1, 110, "expected the keys weight and ranking, found the "
                          "key \"w\""},
    {F_JSON, HEAD CANDS ", \"ballots\": [{\"weight\": -1, \"ranking\": []}]}",
     STV_ESYNTAX, 1, 105, "expected a whole-number weight from 0 to "
                          "1000000000000, found -1"},
    {F_JSON, HEAD CANDS ", \"ballots\": [{\"weight\": 1.5, \"ranking\": []}]}",
     STV_ESYNTAX, 1, 105, "found 1.5"},
    {F_JSON, HEAD CANDS ",\n\"ballots\": [\n  {\"ranking\": [1, 3]}]}",
     STV_ESYNTAX, 3, 19, "expected a candidate number from 1 to 2, found 3"},
    {F_JSON, HEAD CANDS ",\n\"ballots\": [\n  {\"ranking\": [1, [2, 0]]}]}",
     STV_ESYNTAX, 3, 23, "expected a candidate number from 1 to 2, found 0"},
    {F_JSON, HEAD CANDS ",\n\"ballots\": [\n  {\"ranking\": [\"A\"]}]}",
     STV_ESYNTAX, 3, 16, "expected a candidate number, or a list of them "
                         "ranked equal ([] for a skipped rank), found \"A\""},
    {F_JSON, HEAD CANDS ",\n\"ballots\": [\n  {\"ranking\": 1}]}",
     STV_ESYNTAX, 3, 15, "expected a list of ranks, found 1"},
    /* keys written with escapes are found too */
    {F_JSON, HEAD CANDS ",\n\"b\\u0061llots\": [\n  {\"ranking\": [9]}]}",
     STV_ESYNTAX, 3, 16, "found 9"},
    {F_JSON, "\xEF\xBB\xBF{\n}", STV_ESYNTAX, 1, 1, "expected the key "
                                                    "\"format\""},
};

#define CDF_HEAD                                                            \
  "{\"Election\": [{\"@id\": \"e\", \"Candidate\": [{\"@id\": \"c1\", "     \
  "\"Name\": \"A\"}, {\"@id\": \"c2\"}], \"Contest\": [{\"@id\": \"k\", "   \
  "\"Name\": \"Mayor\", \"ContestSelection\": [{\"@id\": \"s1\", "          \
  "\"CandidateIds\": [\"c1\"]}, {\"@id\": \"s2\", \"CandidateIds\": "        \
  "[\"c2\"]}]}]}],\n"
#define CVR(sels)                                                           \
  "{\"CVRSnapshot\": [{\"@id\": \"x\", \"Type\": \"original\", "            \
  "\"CVRContest\": [{\"ContestId\": \"k\", \"CVRContestSelection\": " sels  \
  "}]}]}"

static const bad bad_cdf[] = {
    {F_CDF, "{]", STV_ESYNTAX, 1, 2, "expected JSON"},
    {F_CDF, "{}", STV_ESYNTAX, 1, 1, "expected the key \"Election\""},
    {F_CDF, "{\"format\": 1}", STV_ESYNTAX, 1, 1, "use --from json"},
    {F_CDF, "{\"Election\": 1}", STV_ESYNTAX, 1, 14,
     "expected a list (\"Election\"), found 1"},
    {F_CDF, "{\"Election\": [1]}", STV_ESYNTAX, 1, 15,
     "expected an Election (an object), found 1"},
    {F_CDF, "{\"Election\": [{}]}", STV_ESYNTAX, 1, 1,
     "expected a Contest, found none"},
    {F_CDF, "{\"Election\": [{\"Candidate\": [{}]}]}", STV_ESYNTAX, 1, 30,
     "expected the key \"@id\""},
    {F_CDF, "{\"Election\": [{\"Candidate\": [{\"@id\": \"a\"}, "
            "{\"@id\": \"a\"}]}]}",
     STV_ESYNTAX, 1, 52, "expected each Candidate @id once, found \"a\" "
                         "again"},
    {F_CDF, "{\"Election\": [{\"Contest\": [{\"Name\": \"A\"}, "
            "{\"Name\": \"B\"}]}]}",
     STV_ESYNTAX, 1, 1, "expected one Contest, found 2 (\"A\", \"B\"): "
                        "choose one with --contest NAME"},
    {F_CDF, CDF_HEAD "\"CVR\": []}", STV_OK, 0, 0, ""},
    {F_CDF, CDF_HEAD "\"CVR\": [" CVR("[{\"ContestSelectionId\": \"s3\"}]")
                     "]}",
     STV_ESYNTAX, 2, 140, "expected the @id of a ContestSelection of the "
                          "contest, found \"s3\""},
    {F_CDF, CDF_HEAD "\"CVR\": [" CVR("[{\"ContestSelectionId\": \"s1\", "
                                      "\"SelectionPosition\": [{}]}]") "]}",
     STV_ESYNTAX, 2, 168, "expected the key \"Rank\", found nothing"},
    {F_CDF, CDF_HEAD "\"CVR\": [" CVR("[{\"ContestSelectionId\": \"s1\", "
                                      "\"SelectionPosition\": [{\"Rank\": "
                                      "0}]}]") "]}",
     STV_ESYNTAX, 2, 177, "expected a Rank from 1 to 65535, found 0"},
    {F_CDF, CDF_HEAD "\"CVR\": [" CVR("[{\"ContestSelectionId\": \"s1\", "
                                      "\"Rank\": \"1\"}]") "]}",
     STV_ESYNTAX, 2, 154, "expected a Rank from 1 to 65535, found \"1\""},
    {F_CDF, CDF_HEAD "\"CVR\": [{\"CVRSnapshot\": [{}, {}]}]}", STV_ESYNTAX,
     2, 25, "expected a CVRSnapshot of Type \"original\", or the one named "
            "by CurrentSnapshotId"},
    {F_CDF, CDF_HEAD "\"CVR\": [{}]}", STV_ESYNTAX, 2, 9,
     "expected the key \"CVRSnapshot\""},
    {F_CDF, CDF_HEAD "\"CVR\": {}}", STV_ESYNTAX, 2, 8,
     "expected a list (\"CVR\"), found an object"},
};

static void check_bad(const bad *b) {
  stv_election *e = (stv_election *)&e;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = fz_read(b->text, strlen(b->text), b->f, &e, &err);
  if (getenv("SHOW_ERRORS"))
    print_message("%ld:%ld: %s\n", err.line, err.col, err.msg);
  else if (st != b->st || (st && (err.line != b->line ||
                                  err.col != b->col ||
                                  !strstr(err.msg, b->msg))))
    fail_msg("\"%s\": got %s at %ld:%ld: %s", b->text, stv_strerror(st),
             err.line, err.col, err.msg);
  if (st) {
    assert_null(e);
    assert_string_equal(err.file, b->f == F_JSON ? "t.json" : "t.cdf.json");
  }
  stv_election_free(e);
}

static void test_json_errors(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++)
    check_bad(&bad_json[i]);
}

static void test_cdf_errors(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad_cdf) / sizeof(bad_cdf[0]); i++)
    check_bad(&bad_cdf[i]);
}

/* ---- reading what others write ----------------------------------------- */

/* RCTab's shape: Rank on the selection or on positions, an original and
** an interpreted snapshot, no Election Name (the contest's is the title),
** a mark without indication, a CVR of another contest. */
static void test_cdf_rctab(void **state) {
  static const char text[] =
      "{\"GpUnit\": [], \"Election\": [{\"@id\": \"e\", \"Candidate\": ["
      "{\"@id\": \"c-A\", \"Name\": \"A\"}, {\"@id\": \"c-B\", \"Name\": "
      "\"B\"}, {\"@id\": \"c-C\", \"Name\": \"C\"}], \"Contest\": [{\"@id\": "
      "\"k\", \"Name\": \"Mayor\", \"NumberElected\": 1, "
      "\"hustings:withdrawn\": [\"c-C\"], \"ContestSelection\": [{\"@id\": "
      "\"s-B\", \"CandidateIds\": [\"c-B\"]}, {\"@id\": \"s-A\", "
      "\"CandidateIds\": [\"c-A\"]}, {\"@id\": \"s-C\", \"CandidateIds\": "
      "[\"c-C\"]}]}, {\"@id\": \"k2\", \"Name\": \"Other\"}]}],\n"
      "\"CVR\": [\n"
      "{\"CurrentSnapshotId\": \"i\", \"CVRSnapshot\": [{\"@id\": \"o\", "
      "\"Type\": \"original\", \"CVRContest\": [{\"ContestId\": \"k\", "
      "\"CVRContestSelection\": [{\"ContestSelectionId\": \"s-A\", "
      "\"SelectionPosition\": [{\"Rank\": 3, \"IsAllocable\": \"unknown\"}, "
      "{\"Rank\": 1, \"HasIndication\": \"no\"}]}, {\"ContestSelectionId\": "
      "\"s-B\", \"Rank\": 1}]}]}, {\"@id\": \"i\", \"Type\": "
      "\"interpreted\", \"CVRContest\": []}]},\n"
      "{\"CurrentSnapshotId\": \"i\", \"CVRSnapshot\": [{\"@id\": \"i\", "
      "\"CVRContest\": [{\"ContestId\": \"k\"}]}]},\n"
      "{\"CVRSnapshot\": [{\"@id\": \"x\", \"CVRContest\": [{\"ContestId\": "
      "\"k2\"}]}]},\n"
      "{\"CVRSnapshot\": [{\"@id\": \"y\"}]},\n"
      "{\"CVRSnapshot\": [{\"@id\": \"z\", \"CVRContest\": [{\"ContestId\": "
      "\"k\", \"CVRContestSelection\": [{\"ContestSelectionId\": \"s-C\", "
      "\"Rank\": 2}, {\"ContestSelectionId\": \"s-A\", \"Rank\": 2}]}]}]}\n"
      "]}";
  stv_election *e = NULL;
  stv_error err;
  char *c;
  (void)state;
  memset(&err, 0, sizeof(err));
  /* two contests: one must be chosen */
  assert_int_equal(hus_cdf_parse(text, sizeof(text) - 1, "r.json", NULL, &e,
                                 &err),
                   STV_ESYNTAX);
  assert_string_equal(err.msg, "expected one Contest, found 2 (\"Mayor\", "
                               "\"Other\"): choose one with --contest NAME");
  assert_int_equal(hus_cdf_parse(text, sizeof(text) - 1, "r.json", "Mayor",
                                 &e, &err),
                   STV_OK);
  c = fz_canonical(e, 0);
  /* candidates in the contest's order; B first, then A skipping rank 2;
  ** an empty paper; C and A equal second */
  assert_string_equal(c, "seats 1\nMayor\n+B\n+A\n-C\n\t1\n- 3=2\t1\n"
                         "1 - 2\t1\n");
  free(c);
  stv_election_free(e);
  assert_int_equal(hus_cdf_parse(text, sizeof(text) - 1, "r.json", "k2", &e,
                                 &err),
                   STV_ESYNTAX);
  assert_string_equal(err.msg, "expected the key \"ContestSelection\"");
  assert_int_equal(hus_cdf_parse(text, sizeof(text) - 1, "r.json", "Mayors",
                                 &e, &err),
                   STV_ESYNTAX);
  assert_string_equal(err.msg, "expected a Contest named \"Mayors\", found "
                               "none");
}

/* ---- the command ------------------------------------------------------- */

static int run(const char *a, const char *b, const char *c, const char *d,
               const char *e) {
  char *argv[6];
  int argc = 0;
  argv[argc++] = (char *)"convert";
  if (a) argv[argc++] = (char *)a;
  if (b) argv[argc++] = (char *)b;
  if (c) argv[argc++] = (char *)c;
  if (d) argv[argc++] = (char *)d;
  if (e) argv[argc++] = (char *)e;
  return hus_convert_main(argc, argv);
}

static char *slurp(const char *path) {
  char *data = NULL, *s;
  size_t len;
  stv_error err;
  if (hus_read_all(path, 1 << 20, &data, &len, &err) != STV_OK) return NULL;
  s = malloc(len + 1);
  assert_non_null(s);
  if (len) memcpy(s, data, len);
  s[len] = '\0';
  free(data);
  return s;
}

/* Files written whole or not at all; options; usage errors. */
static void test_command(void **state) {
  char dir[] = "/tmp/test_convert-XXXXXX", out[64], keep[64], tmp[64];
  const char *small_blt = "tests/elections/convert/small.blt";
  char *s;
  FILE *fp;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(out, sizeof(out), "%s/out.json", dir);
  snprintf(keep, sizeof(keep), "%s/keep.csv", dir);
  assert_int_equal(run(small_blt, out, NULL, NULL, NULL), 0);
  s = slurp(out);
  assert_non_null(strstr(s, "\"seats\": 2,"));
  free(s);
  assert_int_equal(run("--seats", "3", small_blt, out, NULL), 0);
  s = slurp(out);
  assert_non_null(strstr(s, "\"seats\": 3,"));
  free(s);
  /* a refusal leaves an existing file as it was, and no temporary */
  fp = fopen(keep, "w");
  assert_non_null(fp);
  fputs("keep\n", fp);
  fclose(fp);
  assert_int_equal(run("tests/elections/convert/refused-csv-name.blt", keep,
                       NULL, NULL, NULL),
                   EXIT_FAIL);
  s = slurp(keep);
  assert_string_equal(s, "keep\n");
  free(s);
  snprintf(tmp, sizeof(tmp), "%s/keep.csv.tmp%ld", dir, (long)getpid());
  assert_int_equal(access(tmp, F_OK), -1);
  /* usage */
  assert_int_equal(run(small_blt, NULL, NULL, NULL, NULL), EXIT_USAGE);
  assert_int_equal(run("--from", "xml", small_blt, out, NULL), EXIT_USAGE);
  assert_int_equal(run("--to", "pdf", small_blt, out, NULL), EXIT_USAGE);
  assert_int_equal(run("--seats", "0", small_blt, out, NULL), EXIT_USAGE);
  assert_int_equal(run("--seats", "2x", small_blt, out, NULL), EXIT_USAGE);
  assert_int_equal(run("--contest", "A", small_blt, out, NULL), EXIT_USAGE);
  assert_int_equal(run("-", out, NULL, NULL, NULL), EXIT_USAGE);
  assert_int_equal(run("--bogus", small_blt, out, NULL, NULL), EXIT_USAGE);
  assert_int_equal(run("--help", NULL, NULL, NULL, NULL), 0);
  /* input */
  {
    char *data;
    size_t len;
    stv_error err;
    assert_int_equal(hus_read_all(small_blt, 50, &data, &len, &err),
                     STV_ELIMIT);
    assert_null(data);
    assert_int_equal(hus_read_all(small_blt, 1 << 20, &data, &len, &err),
                     STV_OK);
    assert_int_equal(len, 153);
    free(data);
    assert_int_equal(hus_read_all("tests/elections/convert/none.json",
                                  1 << 20, &data, &len, &err),
                     STV_EIO);
    assert_non_null(strstr(err.msg, "none.json: cannot open"));
  }
  assert_int_equal(run("tests/elections/convert/bad-rank.cdf.json", out, NULL,
                       NULL, NULL),
                   EXIT_INPUT);
  assert_int_equal(remove(out), 0);
  assert_int_equal(remove(keep), 0);
  assert_int_equal(remove(dir), 0); /* nothing else was left there */
}

/* ---- the fuzz corpora, and memory ------------------------------------- */

static int replay(void *ud, const char *path) {
  int f = *(int *)ud;
  FILE *fp = fopen(path, "rb");
  char *buf;
  long n;
  assert_non_null(fp);
  assert_int_equal(fseek(fp, 0, SEEK_END), 0);
  n = ftell(fp);
  assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
  buf = malloc(n > 0 ? (size_t)n : 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  fz_input((const uint8_t *)buf, (size_t)n, f);
  free(buf);
  return 0;
}

static void test_corpus(void **state) {
  int json = F_JSON, cdf = F_CDF;
  (void)state;
  assert_int_equal(walk_files("tests/fuzz/corpus/json", NULL, replay, &json),
                   0);
  assert_int_equal(walk_files("tests/fuzz/regress/json", NULL, replay, &json),
                   0);
  assert_int_equal(walk_files("tests/fuzz/corpus/cdf", NULL, replay, &cdf),
                   0);
  assert_int_equal(walk_files("tests/fuzz/regress/cdf", NULL, replay, &cdf),
                   0);
}

static long alloc_left;

static void *failing_alloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (alloc_left-- <= 0) return NULL;
  return realloc(p, n);
}

static void test_out_of_memory(void **state) {
  stv_election *e = blt(small);
  int f, done;
  (void)state;
  for (f = F_BLT; f <= F_JSON; f++) {
    long k;
    for (k = 0, done = 0; k < 100 && !done; k++) {
      fz_mem m = {NULL, 0, 0};
      stv_error err;
      stv_status st;
      memset(&err, 0, sizeof(err));
      alloc_left = k;
      stv_set_allocator(failing_alloc, NULL);
      st = fz_write(e, f, &m, &err);
      stv_set_allocator(NULL, NULL);
      if (st == STV_OK)
        done = 1;
      else {
        assert_int_equal(st, STV_ENOMEM);
        assert_string_equal(err.msg, "out of memory");
        assert_int_equal(m.len, 0);
      }
      free(m.data);
    }
    assert_true(done);
  }
  /* the CSV reader with a '# hustings:' line */
  for (f = 0, done = 0; f < 200 && !done; f++) {
    static const char text[] = "# hustings: seats=2; withdrawn=2,1; "
                               "title=\"T\"\nR1,R2\nA,B\n";
    stv_election *c = NULL;
    stv_error err;
    stv_status st;
    alloc_left = f;
    stv_set_allocator(failing_alloc, NULL);
    st = stv_election_parse_csv(text, sizeof(text) - 1, "t.csv", 0, &c, &err);
    stv_set_allocator(NULL, NULL);
    if (st == STV_OK) {
      done = 1;
      assert_string_equal(stv_election_title(c), "T");
      assert_int_equal(stv_election_is_withdrawn(c, 2), 1);
    } else {
      assert_int_equal(st, STV_ENOMEM);
      assert_null(c);
    }
    stv_election_free(c);
  }
  assert_true(done);
  stv_election_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ballot_accessor),
      cmocka_unit_test(test_outputs),
      cmocka_unit_test(test_roundtrip_files),
      cmocka_unit_test(test_roundtrip_odd),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_sink_fails),
      cmocka_unit_test(test_csv_meta),
      cmocka_unit_test(test_json_errors),
      cmocka_unit_test(test_cdf_errors),
      cmocka_unit_test(test_cdf_rctab),
      cmocka_unit_test(test_command),
      cmocka_unit_test(test_corpus),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests_name("convert", tests, NULL, NULL);
}
