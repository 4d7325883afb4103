/*
** real_check.c: counts real elections and compares them with reference
** results.
**
**   real_check RULES EXPECTED.tsv DATADIR [COLUMN...]
**
** EXPECTED.tsv has '#' comment lines, then a header naming its columns
** (path, seats, quota, elected, order, final, ...).  For every row the file
** DATADIR/path is counted under RULES and each named COLUMN that the
** header has is compared: elected (the set), order (order of election),
** quota, final (every candidate's final votes, exactly as printed).  With
** no COLUMN, all of those present are compared.  Prints one TAP line per
** file; exit status 1 if any differs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stv.h"

#define MAXCOL 16

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

static void join(char *out, size_t n, const int *v, int k, int sorted) {
  int tmp[1024], i;
  size_t len = 0;
  if (k > 1024) k = 1024;
  memcpy(tmp, v, (size_t)k * sizeof(int));
  if (sorted) qsort(tmp, (size_t)k, sizeof(int), cmp_int);
  out[0] = '\0';
  for (i = 0; i < k && len < n; i++)
    len += (size_t)snprintf(out + len, n - len, "%s%d", i ? "," : "", tmp[i]);
}

static int wanted(const char *col, char **want, int nwant) {
  int i;
  if (nwant == 0) return 1;
  for (i = 0; i < nwant; i++)
    if (strcmp(want[i], col) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  FILE *fp;
  char line[1 << 16], *cols[MAXCOL], *hdr[MAXCOL];
  int nh = 0, testno = 0, failed = 0;
  stv_options *o;
  if (argc < 4) {
    fprintf(stderr, "usage: real_check RULES EXPECTED.tsv DATADIR [COL...]\n");
    return 2;
  }
  fp = fopen(argv[2], "r");
  if (!fp) {
    perror(argv[2]);
    return 2;
  }
  if (stv_options_create(&o) || stv_options_set(o, "rules", argv[1], NULL))
    return 2;
  while (fgets(line, sizeof(line), fp)) {
    int n = 0, i;
    char *p = line, path[4096], got[1 << 14], why[1 << 15];
    stv_election *e = NULL;
    stv_result *r = NULL;
    stv_error err;
    stv_status st;
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0') continue;
    while (n < MAXCOL) {
      cols[n++] = p;
      p = strchr(p, '\t');
      if (!p) break;
      *p++ = '\0';
    }
    if (nh == 0) {
      for (i = 0; i < n; i++) hdr[i] = strdup(cols[i]);
      nh = n;
      continue;
    }
    testno++;
    memset(&err, 0, sizeof(err));
    snprintf(path, sizeof(path), "%s/%s", argv[3], cols[0]);
    why[0] = '\0';
    st = stv_election_read_blt(path, &e, &err);
    if (st == STV_OK) st = stv_count(e, o, &r, &err);
    if (st) {
      snprintf(why, sizeof(why), "%s: %s", stv_strerror(st), err.msg);
    }
    for (i = 0; i < n && i < nh && !st && !why[0]; i++) {
      const char *c = hdr[i];
      int ne;
      const int *el = stv_result_elected(r, &ne);
      if (!wanted(c, argv + 4, argc - 4)) continue;
      if (strcmp(c, "elected") == 0)
        join(got, sizeof(got), el, ne, 1);
      else if (strcmp(c, "order") == 0)
        join(got, sizeof(got), el, ne, 0);
      else if (strcmp(c, "quota") == 0)
        snprintf(got, sizeof(got), "%s", stv_result_quota(r));
      else if (strcmp(c, "final") == 0) {
        size_t len = 0;
        int k, nc = stv_election_candidates(e);
        got[0] = '\0';
        for (k = 1; k <= nc && len < sizeof(got); k++)
          len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%d=%s",
                                  k > 1 ? "," : "", k, stv_result_final(r, k));
      } else
        continue;
      if (strcmp(got, cols[i]) != 0)
        snprintf(why, sizeof(why), "%s: expected %s, got %s", c, cols[i],
                 got);
    }
    if (why[0]) {
      failed++;
      printf("not ok %d - %s %s: %s\n", testno, argv[1], cols[0], why);
    } else
      printf("ok %d - %s %s\n", testno, argv[1], cols[0]);
    stv_result_free(r);
    stv_election_free(e);
  }
  fclose(fp);
  stv_options_free(o);
  for (int i = 0; i < nh; i++) free(hdr[i]);
  fprintf(stderr, "real_check %s: %d files, %d differ\n", argv[1], testno,
          failed);
  return failed ? 1 : 0;
}
