/*
** fuzz_common.h: what every reader fuzz target does with one input, shared
** by the libFuzzer entry points (fuzz_blt.c, fuzz_csv.c) and the cmocka
** replay of the corpus (tests/unit/test_fuzz_corpus.c), so that
** `make check` runs the very code path the fuzzers ran.
**
** An input is parsed; a failure must come with a message, and a syntax or
** limit error with a place (line and column >= 1).  A parsed election is
** counted under "scottish" and the result written in the three formats to
** a sink that discards.  Everything is freed.  A broken promise aborts, so
** the fuzzer reports it as a crash.
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stv.h"

static int fuzz_discard(void *ud, const char *data, size_t len) {
  (void)ud;
  (void)data;
  (void)len;
  return 0;
}

static void fuzz_check_error(stv_status st, const stv_error *err) {
  if (st == STV_OK) return;
  if (err->msg[0] == '\0') abort(); /* every failure says why */
  if ((st == STV_ESYNTAX || st == STV_ELIMIT) &&
      (err->line < 1 || err->col < 1))
    abort(); /* and where, when the input is at fault */
}

static void fuzz_count(const stv_election *e) {
  static const stv_format fmts[] = {STV_FORMAT_TEXT, STV_FORMAT_JSON,
                                    STV_FORMAT_CSV};
  stv_options *o = NULL;
  stv_result *r = NULL;
  stv_error err;
  size_t i;
  if (stv_election_candidates(e) < 1 || stv_election_seats(e) < 1) abort();
  if (stv_options_create(&o) != STV_OK) return;
  memset(&err, 0, sizeof(err));
  if (stv_options_set(o, "rules", "scottish", &err) == STV_OK &&
      stv_count(e, o, &r, &err) == STV_OK) {
    int n;
    stv_result_elected(r, &n);
    if (n > stv_election_seats(e)) abort();
    for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
      if (stv_result_write(r, fmts[i], fuzz_discard, NULL) != STV_OK) abort();
  }
  stv_result_free(r);
  stv_options_free(o);
}

static inline int fuzz_blt(const uint8_t *data, size_t size) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_blt((const char *)data, size, "fuzz.blt", &e, &err);
  fuzz_check_error(st, &err);
  if (st == STV_OK) fuzz_count(e);
  else if (e) abort(); /* a failed reader hands back nothing */
  stv_election_free(e);
  return 0;
}

/* The number of seats, which a CSV file does not carry, comes from the
** input's length so that one to three seats are all tried. */
static inline int fuzz_csv(const uint8_t *data, size_t size) {
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  st = stv_election_parse_csv((const char *)data, size, "fuzz.csv",
                              1 + (int)(size % 3), &e, &err);
  fuzz_check_error(st, &err);
  if (st == STV_OK) fuzz_count(e);
  else if (e) abort();
  stv_election_free(e);
  return 0;
}

#endif /* FUZZ_COMMON_H */
