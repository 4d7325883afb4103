/*
** test_blt.c: unit tests of the BLT reader (src/lib/blt.c, lines.c).
**
** Well-formed inputs are checked ballot by ballot through the election's
** store (stvInt.h), so that what was read is seen exactly; malformed
** inputs are a table, each asserting the status, the line and column, and
** a fragment of the message.  The last test loads every file of the real
** Scottish data (../shared/data/scotland from the repository root) when it
** is present.
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
#include "../fuzz/walk.h"

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

static stv_election *parse_len(const char *text, size_t len) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_blt(text, len, "t.blt", &e, &err);
  if (st != STV_OK)
    print_error("%s:%ld:%ld: %s\n", err.file, err.line, err.col, err.msg);
  assert_int_equal(st, STV_OK);
  assert_non_null(e);
  return e;
}

static stv_election *parse(const char *text) {
  return parse_len(text, strlen(text));
}

static void test_header_and_names(void **state) {
  stv_election *e = parse("3 2\n1 1 2 0\n0\nAnn\nBo\nCy\nThe title\n");
  (void)state;
  assert_int_equal(stv_election_candidates(e), 3);
  assert_int_equal(stv_election_seats(e), 2);
  assert_string_equal(stv_election_name(e, 1), "Ann");
  assert_string_equal(stv_election_name(e, 3), "Cy");
  assert_null(stv_election_name(e, 4));
  assert_string_equal(stv_election_title(e), "The title");
  assert_string_equal(ballots(e), "1: 1 2");
  stv_election_free(e);
  /* blanks around the header; no title at all */
  e = parse("  2\t 1  \n1 2 0\n0\n\"A\"\n\"B\"\n");
  assert_int_equal(stv_election_candidates(e), 2);
  assert_int_equal(stv_election_seats(e), 1);
  assert_string_equal(stv_election_title(e), "");
  stv_election_free(e);
}

static void test_withdrawn(void **state) {
  stv_election *e = parse("4 1\n-2 -4\n3 1 2 0\n0\nA\nB\nC\nD\n");
  (void)state;
  assert_int_equal(stv_election_is_withdrawn(e, 1), 0);
  assert_int_equal(stv_election_is_withdrawn(e, 2), 1);
  assert_int_equal(stv_election_is_withdrawn(e, 3), 0);
  assert_int_equal(stv_election_is_withdrawn(e, 4), 1);
  assert_string_equal(ballots(e), "3: 1 2");
  stv_election_free(e);
  e = parse("2 1\n-1\n1 2 0\n0\nA\nB\n");
  assert_int_equal(stv_election_is_withdrawn(e, 1), 1);
  stv_election_free(e);
}

static void test_ballot_ids(void **state) {
  stv_election *e =
      parse("3 1\n(a1) 2 1 3 0\n( b 2 )3 2 0\n(x)1 3 0\n0\nA\nB\nC\n");
  (void)state;
  assert_string_equal(ballots(e), "2: 1 3; 3: 2; 1: 3");
  stv_election_free(e);
}

static void test_equal_and_skipped(void **state) {
  stv_election *e =
      parse("4 2\n1 1=2 3 0\n1 4 - 2 0\n1 - 1=2=3 - 0\n0\nA\nB\nC\nD\n");
  (void)state;
  assert_string_equal(ballots(e), "1: 1=2 3; 1: 4 - 2; 1: - 1=2=3 -");
  stv_election_free(e);
}

static void test_weights_and_merging(void **state) {
  stv_election *e = parse("3 1\n5 1 2 0\n7 2 0\n1 1 2 0\n0 3 0\n1000000000000 "
                          "3 1 0\n2 1 2 0\n0\nA\nB\nC\n");
  (void)state;
  /* identical rankings share one entry, first seen first */
  assert_string_equal(ballots(e), "8: 1 2; 7: 2; 0: 3; 1000000000000: 3 1");
  assert_int_equal(stv_election_distinct(e), 4);
  assert_true(stv_election_ballots(e) == INT64_C(1000000000015));
  stv_election_free(e);
  /* a paper with no preference at all is kept (the count sees it empty) */
  e = parse("2 1\n4 0\n1 1 0\n2 0\n0\nA\nB\n");
  assert_string_equal(ballots(e), "6:; 1: 1");
  stv_election_free(e);
}

static void test_quoted_names(void **state) {
  stv_election *e = parse("3 1\n1 1 0\n0\n\"Ann \"\"Nan\"\" Ames\"\n"
                          "  \"Bo, Jr.\"   # a comment\n\"\"\n"
                          "\"Title \"\"quoted\"\"\"\n");
  (void)state;
  assert_string_equal(stv_election_name(e, 1), "Ann \"Nan\" Ames");
  assert_string_equal(stv_election_name(e, 2), "Bo, Jr.");
  assert_string_equal(stv_election_name(e, 3), "");
  assert_string_equal(stv_election_title(e), "Title \"quoted\"");
  stv_election_free(e);
}

static void test_unquoted_names(void **state) {
  /* the whole line, blanks around it dropped; '#' is part of the name */
  stv_election *e =
      parse("2 1\n1 1 0\n0\n   Cand A (Party A)  \nNo. #2\nWard 9\n");
  (void)state;
  assert_string_equal(stv_election_name(e, 1), "Cand A (Party A)");
  assert_string_equal(stv_election_name(e, 2), "No. #2");
  assert_string_equal(stv_election_title(e), "Ward 9");
  stv_election_free(e);
}

static void test_party_string(void **state) {
  /* "Name" "Party" (Scottish 2022 files): the party in parentheses */
  stv_election *e = parse("2 1\n1 1 0\n0\n\"Ann SMITH\" \"Green Party\"\n"
                          "\"Bo JONES\" \"\"\n\"Ward 19 - Mearns\"\n");
  (void)state;
  assert_string_equal(stv_election_name(e, 1), "Ann SMITH (Green Party)");
  assert_string_equal(stv_election_name(e, 2), "Bo JONES");
  assert_string_equal(stv_election_title(e), "Ward 19 - Mearns");
  stv_election_free(e);
}

static void test_alternative_names(void **state) {
  /* Glasgow 2007: no name lines, "# ALTERNATIVE NAME n:" comments, then
  ** the ward as the one text line, and no final newline */
  stv_election *e = parse("3 1\n2 1 0\n1 2 3 0\n0\n"
                          "# ALTERNATIVE NAME 1: Shaukat Butt (Lab)\n"
                          "# ALTERNATIVE NAME 2: Will Jess (Grn)\n"
                          "# ALTERNATIVE NAME 3: Carolina Perez (Soc)\n"
                          "govan");
  (void)state;
  assert_string_equal(stv_election_name(e, 1), "Shaukat Butt (Lab)");
  assert_string_equal(stv_election_name(e, 3), "Carolina Perez (Soc)");
  assert_string_equal(stv_election_title(e), "govan");
  stv_election_free(e);
  /* when the names are given, the comments change nothing */
  e = parse("2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: X\n# ALTERNATIVE NAME 2: "
            "Y\nA\nB\nT\n");
  assert_string_equal(stv_election_name(e, 1), "A");
  assert_string_equal(stv_election_title(e), "T");
  stv_election_free(e);
}

static void test_comments(void **state) {
  stv_election *e = parse("# leading comment\n\n   # indented\n2 1 # header "
                          "comment\n# between\n3 1 2 0 # trailing\n\n0 # end\n"
                          "# before the names\nA\n# between names\nB\nT\n"
                          "# after the title\n\n");
  (void)state;
  assert_string_equal(ballots(e), "3: 1 2");
  assert_string_equal(stv_election_name(e, 2), "B");
  assert_string_equal(stv_election_title(e), "T");
  stv_election_free(e);
}

static void test_line_endings_and_bom(void **state) {
  static const char crlf[] =
      "\xEF\xBB\xBF" "2 1\r\n1 2 1 0\r\n0\r\n\"A\"\r\nB\r\n\"T\"\r\n";
  stv_election *e = parse(crlf);
  (void)state;
  assert_string_equal(ballots(e), "1: 2 1");
  assert_string_equal(stv_election_name(e, 2), "B");
  assert_string_equal(stv_election_title(e), "T");
  stv_election_free(e);
  /* no final newline, after a name or after the title */
  e = parse("2 1\n1 1 0\n0\nA\nB");
  assert_string_equal(stv_election_name(e, 2), "B");
  stv_election_free(e);
  e = parse("2 1\n1 1 0\n0\nA\nB\n\"T\"");
  assert_string_equal(stv_election_title(e), "T");
  stv_election_free(e);
}

static void test_utf8_names(void **state) {
  stv_election *e = parse("2 1\n1 1 0\n0\n\"Émile Zoë\"\nΣωκράτης 😀\n"
                          "Ward – Dùn Èideann\n");
  (void)state;
  assert_string_equal(stv_election_name(e, 1), "Émile Zoë");
  assert_string_equal(stv_election_name(e, 2), "Σωκράτης 😀");
  assert_string_equal(stv_election_title(e), "Ward – Dùn Èideann");
  stv_election_free(e);
}

static void test_read_file(void **state) {
  static const char text[] = "3 2\n4 1 2 0\n2 3 0\n0\nA\nB\nC\nFile\n";
  char path[] = "/tmp/test_blt_XXXXXX";
  int fd = mkstemp(path);
  stv_election *e = NULL;
  stv_error err;
  (void)state;
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
  close(fd);
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_election_read_blt(path, &e, &err), STV_OK);
  assert_string_equal(ballots(e), "4: 1 2; 2: 3");
  assert_string_equal(stv_election_title(e), "File");
  stv_election_free(e);
  unlink(path);
  assert_int_equal(stv_election_read_blt(path, &e, &err), STV_EIO);
  assert_null(e);
  assert_string_equal(err.file, path);
  assert_non_null(strstr(err.msg, "cannot open"));
}

/* A file larger than the reader's 1 MiB chunk, with CRLF on some lines and
** no final newline, reads exactly as the same bytes parsed from memory. */
static void test_file_matches_memory(void **state) {
  size_t cap = 3u << 20, n = 0;
  char *text = malloc(cap);
  char path[] = "/tmp/test_blt_big_XXXXXX";
  stv_election *a = NULL, *b = NULL;
  stv_error err;
  int fd, i;
  uint32_t x = 12345;
  (void)state;
  assert_non_null(text);
  n += (size_t)snprintf(text + n, cap - n, "\xEF\xBB\xBF" "9 3\r\n");
  for (i = 0; n < (5u << 19); i++) { /* about 2.5 MiB of ballots */
    int k, len;
    x = x * 1103515245u + 12345u;
    len = 1 + (int)(x >> 16) % 9;
    n += (size_t)snprintf(text + n, cap - n, "%u", 1 + (x >> 8) % 50);
    for (k = 0; k < len; k++)
      n += (size_t)snprintf(text + n, cap - n, " %d", 1 + (k * 7 + i) % 9);
    n += (size_t)snprintf(text + n, cap - n, " 0%s", i % 3 ? "\n" : "\r\n");
  }
  n += (size_t)snprintf(text + n, cap - n,
                        "0\nA\nB\nC\nD\nE\nF\nG\nH\n\"I\"\r\n\"Big\"");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, n), (ssize_t)n);
  close(fd);
  memset(&err, 0, sizeof(err));
  assert_int_equal(stv_election_read_blt(path, &a, &err), STV_OK);
  b = parse_len(text, n);
  unlink(path);
  assert_true(stv_election_ballots(a) == stv_election_ballots(b));
  assert_true(stv_election_distinct(a) == stv_election_distinct(b));
  assert_true(a->poollen == b->poollen);
  assert_memory_equal(a->pool, b->pool, a->poollen * sizeof(*a->pool));
  assert_memory_equal(a->weight, b->weight,
                      (size_t)a->nballots * sizeof(*a->weight));
  assert_string_equal(stv_election_name(a, 9), "I");
  assert_string_equal(stv_election_title(a), "Big");
  assert_string_equal(stv_election_title(b), "Big");
  assert_true(stv_election_ballots(a) > 100000);
  stv_election_free(a);
  stv_election_free(b);
  free(text);
}

/* ---- malformed input ---------------------------------------------------- */

typedef struct bad {
  const char *text;
  stv_status st;
  long line, col;
  const char *msg; /* a fragment of the message */
} bad;

static const bad bad_blt[] = {
    {"", STV_ESYNTAX, 1, 1, "expected the header 'candidates seats', found "
                            "end of file"},
    {"# only a comment\n\n", STV_ESYNTAX, 3, 1, "expected the header"},
    {"x 1\n", STV_ESYNTAX, 1, 1, "expected the number of candidates (1 to "
                                 "1000), found 'x'"},
    {"0 1\n", STV_ESYNTAX, 1, 1, "expected the number of candidates"},
    {"1001 1\n", STV_ESYNTAX, 1, 1, "found '1001'"},
    {"3\n", STV_ESYNTAX, 1, 2, "expected the number of seats, found end of "
                               "line"},
    {"3 0\n", STV_ESYNTAX, 1, 3, "expected the number of seats, found '0'"},
    {"3 4\n", STV_ESYNTAX, 1, 3, "expected at most 3 seats (one per "
                                 "candidate), found 4"},
    {"3 1 x\n", STV_ESYNTAX, 1, 5, "expected end of line after the seats, "
                                   "found 'x'"},
    /* perth_kinross_2016_by_election_ward9.blt: every line ends in ',' */
    {"5 1,\n786 1 0,\n", STV_ESYNTAX, 1, 3, "expected the number of seats, "
                                            "found '1,'"},
    {"3 1\n-4\n", STV_ESYNTAX, 2, 1, "expected a candidate number from 1 to "
                                     "3, found 4"},
    {"3 1\n-1 x\n", STV_ESYNTAX, 2, 4, "expected a withdrawn candidate as a "
                                       "negative number, found 'x'"},
    {"3 1\nx 1 0\n", STV_ESYNTAX, 2, 1, "expected a ballot weight (a whole "
                                        "number) or 0 ending the ballots, "
                                        "found 'x'"},
    {"3 1\n10000000000000 1 0\n", STV_ESYNTAX, 2, 1, "expected a ballot "
                                                     "weight"},
    {"3 1\n1 4 0\n", STV_ESYNTAX, 2, 3, "expected a candidate number from 1 "
                                        "to 3, found 4"},
    {"3 1\n1 1\n", STV_ESYNTAX, 2, 4, "expected a preference or 0 ending the "
                                      "ballot, found end of line"},
    {"3 1\n1 1 # no closing 0\n", STV_ESYNTAX, 2, 5, "expected a preference "
                                                     "or 0 ending the ballot, "
                                                     "found '#'"},
    {"3 1\n1 1=\n", STV_ESYNTAX, 2, 5, "expected a candidate number after "
                                       "'='"},
    {"3 1\n1 1=0 0\n", STV_ESYNTAX, 2, 5, "after '='"},
    {"3 1\n1 1x 0\n", STV_ESYNTAX, 2, 3, "expected a candidate number, '-' "
                                        "or 0 ending the ballot, found '1x'"},
    {"3 1\n1 1 00x\n", STV_ESYNTAX, 2, 5, "expected 0 ending the ballot"},
    {"3 1\n1 1 0 2\n", STV_ESYNTAX, 2, 7, "expected end of line after the "
                                          "closing 0, found '2'"},
    {"3 1\n(id 1 1 0\n", STV_ESYNTAX, 2, 1, "expected ')' closing the ballot "
                                            "id"},
    {"3 1\n1 1 0\n", STV_ESYNTAX, 3, 1, "expected a ballot or the 0 ending "
                                        "the ballots, found end of file"},
    {"3 1\n", STV_ESYNTAX, 2, 1, "expected a ballot or the 0 ending"},
    {"3 1\n1 1 0\n0\nA\nB\n", STV_ESYNTAX, 6, 1, "expected 3 candidate "
                                                 "names, found 2, then end "
                                                 "of file"},
    {"2 1\n1 1 0\n0\n\"A\n", STV_ESYNTAX, 4, 1, "expected '\"' closing the "
                                                "quoted name"},
    {"2 1\n1 1 0\n0\n\"A\" x\n", STV_ESYNTAX, 4, 5, "expected end of line "
                                                    "after the closing '\"', "
                                                    "found 'x'"},
    {"2 1\n1 1 0\n0\nA\nB\nT\nmore\n", STV_ESYNTAX, 7, 1, "expected end of "
                                                          "file after the "
                                                          "title, found "
                                                          "'more'"},
    {"2 1\n1 1 0\n0\nA\nB\n\"T\" \"U\"\n", STV_ESYNTAX, 6, 5, "expected end "
                                                            "of line after "
                                                            "the closing"},
    {"2 1\n1 1 0\n0\nA\xff\n", STV_ESYNTAX, 4, 2, "expected UTF-8 text"},
    {"2 1\n1 1 0\n0\n\"A\xc3\"\n", STV_ESYNTAX, 4, 3, "expected UTF-8 text"},
    {"2 1\n1 1 0\n0\n\"\xed\xa0\x80\"\n", STV_ESYNTAX, 4, 2, "UTF-8"},
};

static void check_bad(const bad *b, size_t len, stv_status (*parse_fn)(
    const char *, size_t, stv_election **, stv_error *)) {
  stv_election *e = (stv_election *)&e; /* must be set to NULL */
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = parse_fn(b->text, len, &e, &err);
  if (st != b->st || err.line != b->line || err.col != b->col ||
      !strstr(err.msg, b->msg))
    print_error("input \"%.60s\": got %s at %ld:%ld: %s\n", b->text,
                stv_strerror(st), err.line, err.col, err.msg);
  assert_int_equal(st, b->st);
  assert_null(e);
  assert_string_equal(err.file, "t.blt");
  assert_int_equal(err.line, b->line);
  assert_int_equal(err.col, b->col);
  assert_non_null(strstr(err.msg, b->msg));
}

static stv_status parse_blt(const char *text, size_t len, stv_election **out,
                            stv_error *err) {
  return stv_election_parse_blt(text, len, "t.blt", out, err);
}

static void test_malformed(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad_blt) / sizeof(bad_blt[0]); i++)
    check_bad(&bad_blt[i], strlen(bad_blt[i].text), parse_blt);
}

/* Limits: a name over STV_MAX_NAME bytes, a line over STV_MAX_LINE bytes,
** more preferences in one ballot than a ballot may hold. */
static void test_limits(void **state) {
  size_t big = (size_t)STV_MAX_LINE + 100, n;
  char *text = malloc(big);
  bad b;
  (void)state;
  assert_non_null(text);
  n = (size_t)snprintf(text, big, "2 1\n1 1 0\n0\n\"");
  memset(text + n, 'x', STV_MAX_NAME + 1);
  n += STV_MAX_NAME + 1;
  memcpy(text + n, "\"\nB\n", 5);
  b = (bad){text, STV_ELIMIT, 4, 1, "candidate name longer than 512 bytes"};
  check_bad(&b, strlen(text), parse_blt);
  /* unquoted, exactly the limit is fine */
  n = (size_t)snprintf(text, big, "2 1\n1 1 0\n0\n");
  memset(text + n, 'y', STV_MAX_NAME);
  memcpy(text + n + STV_MAX_NAME, "\nB\n", 4);
  {
    stv_election *e = parse(text);
    assert_int_equal(strlen(stv_election_name(e, 1)), STV_MAX_NAME);
    stv_election_free(e);
  }
  /* a line of STV_MAX_LINE + 1 bytes (before its newline) */
  n = (size_t)snprintf(text, big, "2 1\n");
  memset(text + n, ' ', (size_t)STV_MAX_LINE + 1);
  text[n + STV_MAX_LINE + 1] = '\n';
  b = (bad){text, STV_ELIMIT, 2, STV_MAX_LINE + 1, "line longer than"};
  check_bad(&b, n + STV_MAX_LINE + 2, parse_blt);
  /* 65536 preferences: one more than a ballot holds */
  n = (size_t)snprintf(text, big, "1 1\n1");
  while (n < 4 + 2 + 65536 * 2) {
    memcpy(text + n, " 1", 2);
    n += 2;
  }
  memcpy(text + n, " 0\n", 4);
  b = (bad){text, STV_ELIMIT, 2, 3 + 65535 * 2, /* the 65536th */
            "expected at most 65535 preferences in one ballot"};
  check_bad(&b, strlen(text), parse_blt);
  free(text);
}

/* ---- the real Scottish data -------------------------------------------- */

typedef struct tally {
  int loaded, failed;
} tally;

static int load_one(void *ud, const char *path) {
  tally *t = ud;
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_read_blt(path, &e, &err);
  if (st == STV_OK) {
    t->loaded++;
    assert_true(stv_election_candidates(e) >= 1);
    assert_true(stv_election_seats(e) >= 1);
  } else {
    t->failed++;
    print_message("# rejected %s:%ld:%ld: %s\n", path, err.line, err.col,
                  err.msg);
    assert_int_equal(st, STV_ESYNTAX);
    assert_true(err.line > 0);
    assert_true(err.col > 0);
  }
  stv_election_free(e);
  return 0;
}

static void test_scottish_data(void **state) {
  tally t = {0, 0};
  (void)state;
  if (access("../shared/data/scotland", R_OK) != 0) skip();
  assert_int_equal(walk_files("../shared/data/scotland", ".blt", load_one, &t),
                   0);
  print_message("# %d loaded, %d rejected\n", t.loaded, t.failed);
  assert_true(t.loaded > 0);
  assert_true(t.failed <= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_and_names),
      cmocka_unit_test(test_withdrawn),
      cmocka_unit_test(test_ballot_ids),
      cmocka_unit_test(test_equal_and_skipped),
      cmocka_unit_test(test_weights_and_merging),
      cmocka_unit_test(test_quoted_names),
      cmocka_unit_test(test_unquoted_names),
      cmocka_unit_test(test_party_string),
      cmocka_unit_test(test_alternative_names),
      cmocka_unit_test(test_comments),
      cmocka_unit_test(test_line_endings_and_bom),
      cmocka_unit_test(test_utf8_names),
      cmocka_unit_test(test_read_file),
      cmocka_unit_test(test_file_matches_memory),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_scottish_data),
  };
  return cmocka_run_group_tests_name("blt", tests, NULL, NULL);
}
