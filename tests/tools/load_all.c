/*
** load_all.c: loads and counts every BLT file under a directory.
**
**   load_all DIR
**
** Walks DIR recursively, names in strcmp order, and reads each .blt file.
** A file that loads is counted under "scottish" and two invariants are
** checked:
**   - as many candidates are elected as there are seats;
**   - at the last stage, the candidates' votes plus the non-transferable
**     votes plus the loss to rounding equal the valid papers, exactly in
**     the count's decimals.
** The candidates' votes are the public stv_result_final(); the papers,
** the decimals and the last stage's non-transferable and loss totals are
** read from the JSON report (docs/json.md), which this also checks.
** A file that does not load passes only if it was rejected as a syntax
** error with a line and a column; its message follows "# rejected:".
**
** Prints one TAP line per file ("ok N - path" / "not ok N - path: why"),
** then the plan; exit status 1 if any file failed, 2 on a usage error.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stv.h"
#include "../fuzz/walk.h"

typedef struct run {
  stv_options *o;
  int n, failed, rejected;
} run;

typedef struct sink {
  char *data;
  size_t len, cap;
  int oom;
} sink;

static int to_sink(void *ud, const char *data, size_t len) {
  sink *s = ud;
  if (s->len + len + 1 > s->cap) {
    size_t nc = s->cap ? s->cap : 4096;
    char *nd;
    while (nc < s->len + len + 1) nc *= 2;
    nd = realloc(s->data, nc);
    if (!nd) {
      s->oom = 1;
      return -1;
    }
    s->data = nd;
    s->cap = nc;
  }
  memcpy(s->data + s->len, data, len);
  s->len += len;
  s->data[s->len] = '\0';
  return 0;
}

/* Parses an exact decimal with dp decimals ("-12.34500") into units of
** 10^-dp.  Returns 0 if the text is not such a number. */
static int fixed(const char *s, int dp, int64_t *out) {
  int64_t v = 0;
  int neg = 0, decimals = -1;
  if (*s == '-') {
    neg = 1;
    s++;
  }
  if (*s < '0' || *s > '9') return 0;
  for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
    if (*s == '.') {
      if (decimals >= 0) return 0;
      decimals = 0;
      continue;
    }
    if (v > (INT64_MAX - 9) / 10) return 0;
    v = v * 10 + (*s - '0');
    if (decimals >= 0) decimals++;
  }
  if ((decimals < 0 ? 0 : decimals) != dp) return 0;
  *out = neg ? -v : v;
  return 1;
}

/* The value after the last occurrence of "key": in the JSON text: a
** string's content (without quotes) or a bare number, into out. */
static int json_last(const char *json, const char *key, char *out,
                     size_t n) {
  char pat[64];
  const char *p = NULL, *q = json;
  size_t k = 0;
  snprintf(pat, sizeof(pat), "\"%s\": ", key);
  while ((q = strstr(q, pat)) != NULL) p = q++;
  if (!p) return 0;
  p += strlen(pat);
  if (*p == '"') p++;
  while (p[k] && p[k] != '"' && p[k] != ',' && p[k] != '\n' && k + 1 < n) {
    out[k] = p[k];
    k++;
  }
  out[k] = '\0';
  return k > 0;
}

/* Checks the invariants of a count; fills why and returns 0 if one fails. */
static int check(const stv_election *e, const stv_result *r, char *why,
                 size_t n) {
  sink js = {NULL, 0, 0, 0};
  char txt[64];
  int64_t papers = 0, nt = 0, loss = 0, sum = 0, one = 1, v;
  int dp = -1, ne, c, ok = 0, seats = stv_election_seats(e);
  stv_result_elected(r, &ne);
  if (ne != seats) {
    snprintf(why, n, "%d elected for %d seats", ne, seats);
    return 0;
  }
  if (stv_result_write(r, STV_FORMAT_JSON, to_sink, &js) != STV_OK) {
    snprintf(why, n, "the JSON report could not be written%s",
             js.oom ? " (out of memory)" : "");
    free(js.data);
    return 0;
  }
  if (json_last(js.data, "decimals", txt, sizeof(txt)))
    dp = (int)strtol(txt, NULL, 10);
  if (json_last(js.data, "ballots", txt, sizeof(txt)))
    papers = strtoll(txt, NULL, 10);
  if (dp < 0 || dp > 9 || papers <= 0)
    snprintf(why, n, "the JSON report has no decimals or ballots");
  else if (!json_last(js.data, "non_transferable_total", txt, sizeof(txt)) ||
           !fixed(txt, dp, &nt))
    snprintf(why, n, "bad non_transferable_total in the last stage");
  else if (!json_last(js.data, "loss_total", txt, sizeof(txt)) ||
           !fixed(txt, dp, &loss))
    snprintf(why, n, "bad loss_total in the last stage");
  else {
    ok = 1;
    for (c = 1; c <= stv_election_candidates(e) && ok; c++) {
      const char *f = stv_result_final(r, c);
      if (!f || !fixed(f, dp, &v)) {
        snprintf(why, n, "candidate %d: bad final votes '%s'", c,
                 f ? f : "(null)");
        ok = 0;
      } else
        sum += v;
    }
    for (c = 0; c < dp; c++) one *= 10;
    if (ok && sum + nt + loss != papers * one) {
      snprintf(why, n,
               "last stage: votes %lld + non-transferable %lld + loss %lld "
               "!= %lld valid papers (units of 10^-%d)",
               (long long)sum, (long long)nt, (long long)loss,
               (long long)(papers * one), dp);
      ok = 0;
    }
  }
  free(js.data);
  return ok;
}

static int one_file(void *ud, const char *path) {
  run *u = ud;
  stv_election *e = NULL;
  stv_result *r = NULL;
  stv_error err;
  stv_status st;
  char why[1024];
  memset(&err, 0, sizeof(err));
  u->n++;
  st = stv_election_read_blt(path, &e, &err);
  if (st != STV_OK) {
    if (st == STV_ESYNTAX && err.line > 0 && err.col > 0) {
      u->rejected++;
      printf("ok %d - %s # rejected: %ld:%ld: %s\n", u->n, path, err.line,
             err.col, err.msg);
    } else {
      u->failed++;
      printf("not ok %d - %s: %s at %ld:%ld: %s\n", u->n, path,
             stv_strerror(st), err.line, err.col, err.msg);
    }
    return 0;
  }
  st = stv_count(e, u->o, &r, &err);
  if (st != STV_OK) {
    u->failed++;
    printf("not ok %d - %s: count failed: %s: %s\n", u->n, path,
           stv_strerror(st), err.msg);
  } else if (!check(e, r, why, sizeof(why))) {
    u->failed++;
    printf("not ok %d - %s: %s\n", u->n, path, why);
  } else
    printf("ok %d - %s\n", u->n, path);
  stv_result_free(r);
  stv_election_free(e);
  return 0;
}

int main(int argc, char **argv) {
  run u = {NULL, 0, 0, 0};
  int rc;
  if (argc != 2) {
    fprintf(stderr, "usage: load_all DIR\n");
    return 2;
  }
  if (stv_options_create(&u.o) != STV_OK ||
      stv_options_set(u.o, "rules", "scottish", NULL) != STV_OK) {
    fprintf(stderr, "load_all: cannot set up the options\n");
    return 2;
  }
  rc = walk_files(argv[1], ".blt", one_file, &u);
  stv_options_free(u.o);
  if (rc != 0) {
    printf("not ok %d - %s: cannot read the directory\n", u.n + 1, argv[1]);
    u.failed++;
    u.n++;
  }
  printf("1..%d\n", u.n);
  fprintf(stderr, "load_all: %d files, %d counted, %d rejected, %d failed\n",
          u.n, u.n - u.rejected - u.failed, u.rejected, u.failed);
  return u.failed ? 1 : 0;
}
