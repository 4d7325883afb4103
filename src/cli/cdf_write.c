/*
** cdf_write.c: writing an election as NIST CDF cast vote records, the JSON
** that RCTab reads (convert.h): a ballot of weight w becomes w CVRs, in
** 64 KiB pieces, with everything checked before the first byte.
*/
#ifndef _POSIX_C_SOURCE /* fdopen, fileno, fsync: the fuzz build sets none */
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "convert.h"

/* ---- CDF cast vote records: writing ------------------------------------ */

/* Output in 64 KiB pieces; larger pieces go straight through. */
typedef struct sink {
  stv_write_fn fn;
  void *ud;
  char buf[1 << 16];
  size_t len;
  int failed;
} sink;

static void flush_sink(sink *o) {
  if (o->len && !o->failed && o->fn(o->ud, o->buf, o->len)) o->failed = 1;
  o->len = 0;
}

static void emit(sink *o, const char *s, size_t n) {
  if (o->failed) return;
  if (n > sizeof(o->buf) - o->len) flush_sink(o);
  if (n > sizeof(o->buf)) {
    if (!o->failed && o->fn(o->ud, s, n)) o->failed = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void emits(sink *o, const char *s) { emit(o, s, strlen(s)); }

static void emitf(sink *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emitf(sink *o, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n > 0) emit(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp));
}

/* s as a JSON string (jansson escapes it). */
static stv_status emit_str(sink *o, const char *s) {
  json_t *v = json_string(s);
  char *t = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  if (!t) return STV_ENOMEM;
  emits(o, t);
  free(t);
  return STV_OK;
}

/* A growable text with a ceiling, for one ballot's selections. */
typedef struct text {
  char *s;
  size_t len, cap;
  int failed;
} seltext;

#define SEL_MAX ((size_t)64 << 20)

static void tadd(seltext *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tadd(seltext *t, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (t->failed || n < 0 || (size_t)n >= sizeof(tmp)) {
    t->failed = 1;
    return;
  }
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t nc = t->cap ? t->cap * 2 : 4096;
    char *ns;
    while (nc < t->len + (size_t)n + 1) nc *= 2;
    if (nc > SEL_MAX || !(ns = realloc(t->s, nc))) {
      t->failed = 1;
      return;
    }
    t->s = ns;
    t->cap = nc;
  }
  memcpy(t->s + t->len, tmp, (size_t)n + 1);
  t->len += (size_t)n;
}

/* The CVRContestSelections of ranking tok[0..n): one per mark, in the
** order of the ranking, each with the SelectionPosition of its rank.  A
** candidate marked twice (a repeated ranking) thus has two selections,
** which the reader puts back in the same order; otherwise it is one
** selection per candidate, as CDF has it. */
static void selections(seltext *t, const int *tok, size_t n) {
  size_t k;
  int r = 1;
  t->len = 0;
  tadd(t, "[");
  for (k = 0; k < n; k++) {
    if (tok[k] == STV_RANK_SKIP) {
      r++;
      continue;
    }
    if (tok[k] == STV_RANK_EQ) continue;
    tadd(t, "%s{\"@type\": \"CVR.CVRContestSelection\", "
            "\"ContestSelectionId\": \"cs%d\", \"SelectionPosition\": "
            "[{\"@type\": \"CVR.SelectionPosition\", \"HasIndication\": "
            "\"yes\", \"IsAllocable\": \"yes\", \"NumberVotes\": 1, "
            "\"Rank\": %d}]}", t->len > 1 ? ", " : "", tok[k], r);
    if (k + 1 >= n || tok[k + 1] != STV_RANK_EQ) r++;
  }
  tadd(t, "]");
}

/* What CDF cannot hold, found before anything is written. */
static stv_status cdf_check(const stv_election *e, int *tok,
                            stv_error *err) {
  int64_t i, w;
  size_t n;
  int c;
  if (stv_election_candidates(e) < 1) {
    hus_set_err(err, "", 0, 0, "an election without candidates cannot be "
                           "written");
    return STV_EUNSUPPORTED;
  }
  for (c = 0; c <= stv_election_candidates(e); c++) {
    const char *s = c ? stv_election_name(e, c) : stv_election_title(e);
    json_t *v = json_string(s);
    json_decref(v);
    if (!v || strchr(s, '\n') || strchr(s, '\r')) {
      if (c)
        hus_set_err(err, "", 0, 0, "the name of candidate %d is not UTF-8 text "
                               "on one line", c);
      else
        hus_set_err(err, "", 0, 0, "the title is not UTF-8 text on one line");
      return STV_EUNSUPPORTED;
    }
  }
  for (i = 0; i < stv_election_distinct(e); i++) {
    stv_election_ballot(e, i, &w, tok, STV_MAX_RANKING, &n);
    if (w > HUS_CDF_MAX_WEIGHT) {
      hus_set_err(err, "", 0, 0, "CDF holds one record per paper: ballot %lld "
                             "has weight %lld, more than the %d records "
                             "written for one ranking",
              (long long)i + 1, (long long)w, HUS_CDF_MAX_WEIGHT);
      return STV_ELIMIT;
    }
    if (n && tok[n - 1] == STV_RANK_SKIP) {
      hus_set_err(err, "", 0, 0, "CDF cannot hold ballot %lld, whose ranking "
                             "ends in a skipped rank (a skipped rank is a "
                             "gap before a later rank)", (long long)i + 1);
      return STV_EUNSUPPORTED;
    }
  }
  return STV_OK;
}

static stv_status cdf_write(const stv_election *e, sink *o, int *tok,
                            seltext *t, stv_error *err) {
  int ncand = stv_election_candidates(e), c, any = 0;
  const char *title = stv_election_title(e);
  int64_t i, w, k;
  size_t n;
  stv_status st;
  if ((st = cdf_check(e, tok, err))) return st;
  emits(o, "{\n  \"@type\": \"CVR.CastVoteRecordReport\",\n"
           "  \"Version\": \"1.0.0\",\n"
           "  \"ReportGeneratingDeviceIds\": [\"rd\"],\n"
           "  \"ReportingDevice\": [{\"@id\": \"rd\", \"@type\": "
           "\"CVR.ReportingDevice\", \"Application\": \"hustings\"}],\n"
           "  \"GpUnit\": [{\"@id\": \"gpu\", \"@type\": \"CVR.GpUnit\", "
           "\"Type\": \"other\", \"OtherType\": \"Election Scope "
           "Jurisdiction\", \"Name\": \"\"}],\n"
           "  \"Election\": [{\n"
           "    \"@id\": \"election\",\n"
           "    \"@type\": \"CVR.Election\",\n"
           "    \"ElectionScopeId\": \"gpu\",\n    \"Name\": ");
  if ((st = emit_str(o, title))) return st;
  emits(o, ",\n    \"Candidate\": [\n");
  for (c = 1; c <= ncand; c++) {
    emitf(o, "      {\"@id\": \"c%d\", \"@type\": \"CVR.Candidate\", "
             "\"Name\": ", c);
    if ((st = emit_str(o, stv_election_name(e, c)))) return st;
    emits(o, c < ncand ? "},\n" : "}\n");
  }
  emits(o, "    ],\n    \"Contest\": [{\n"
           "      \"@id\": \"contest\",\n"
           "      \"@type\": \"CVR.CandidateContest\",\n      \"Name\": ");
  if ((st = emit_str(o, title[0] ? title : "Contest"))) return st;
  if (stv_election_seats(e))
    emitf(o, ",\n      \"NumberElected\": %d", stv_election_seats(e));
  for (c = 1; c <= ncand; c++)
    if (stv_election_is_withdrawn(e, c))
      emitf(o, "%s\"c%d\"",
            any++ ? ", " : ",\n      \"hustings:withdrawn\": [", c);
  if (any) emits(o, "]");
  emits(o, ",\n      \"ContestSelection\": [\n");
  for (c = 1; c <= ncand; c++)
    emitf(o, "        {\"@id\": \"cs%d\", \"@type\": \"CVR.CandidateSelection"
             "\", \"CandidateIds\": [\"c%d\"]}%s\n", c, c,
          c < ncand ? "," : "");
  emits(o, "      ]\n    }]\n  }],\n  \"CVR\": [");
  any = 0;
  for (i = 0; i < stv_election_distinct(e); i++) {
    stv_election_ballot(e, i, &w, tok, STV_MAX_RANKING, &n);
    selections(t, tok, n);
    if (t->failed) return STV_ENOMEM;
    for (k = 1; k <= w; k++) {
      emitf(o, "%s\n    {\"@type\": \"CVR.CVR\", \"BallotPrePrintedId\": "
               "\"b%lld.%lld\", \"CurrentSnapshotId\": \"b%lld.%lld-s\", "
               "\"ElectionId\": \"election\", \"CVRSnapshot\": [{\"@id\": "
               "\"b%lld.%lld-s\", \"@type\": \"CVR.CVRSnapshot\", \"Type\": "
               "\"original\", \"CVRContest\": [{\"@type\": "
               "\"CVR.CVRContest\", \"ContestId\": \"contest\", "
               "\"CVRContestSelection\": ",
            any++ ? "," : "", (long long)i + 1, (long long)k,
            (long long)i + 1, (long long)k, (long long)i + 1, (long long)k);
      emit(o, t->s, t->len);
      emits(o, "}]}]}");
      if (o->failed) return STV_EIO;
    }
  }
  emits(o, any ? "\n  ]\n}\n" : "]\n}\n");
  flush_sink(o);
  return o->failed ? STV_EIO : STV_OK;
}

stv_status hus_cdf_write(const stv_election *e, stv_write_fn fn, void *ud,
                         stv_error *err) {
  int *tok = malloc(STV_MAX_RANKING * sizeof(int));
  sink *o = malloc(sizeof(*o));
  seltext t = {NULL, 0, 0, 0};
  stv_status st = STV_ENOMEM;
  if (tok && o) {
    o->fn = fn;
    o->ud = ud;
    o->len = 0;
    o->failed = 0;
    st = cdf_write(e, o, tok, &t, err);
  }
  if (st == STV_ENOMEM) hus_set_err(err, "", 0, 0, "out of memory");
  else if (st == STV_EIO)
    hus_set_err(err, "", 0, 0, "the output could not be written");
  free(tok);
  free(o);
  free(t.s);
  return st;
}

