/*
** replay.c: a main() for one web fuzz target, so that `make check` replays
** that target's seed corpus and its crash reproducers with gcc, plain and
** under ASan+UBSan, without clang or libFuzzer.
**
** The Makefile links tests/fuzz/fuzz_web_NAME.c with this file into
** BUILD/tests/test_fuzz_web_NAME, with -DFUZZ_NAME='"web_NAME"'.  Run from
** the repository root (tests/run.sh does), it feeds every file under
** tests/fuzz/corpus/web_NAME/ and tests/fuzz/regress/web_NAME/ to
** LLVMFuzzerTestOneInput, in a stable order, and prints one TAP line per
** file.  A broken promise aborts (the harness's own checks), the
** sanitizers stop on a memory error or a leak; either way the run fails.
** A directory that does not exist is no files; both missing fails, since
** every target has a seed corpus.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"web_NAME\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
  int n;
} run;

/* Reads a whole file into an exact-size buffer (no terminator, so that a
** reader running past the end is caught by ASan). */
static uint8_t *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n;
  if (!fp) return NULL;
  if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
      fseek(fp, 0, SEEK_SET) == 0) {
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
    *len = (size_t)n;
  }
  fclose(fp);
  return buf;
}

static int one(void *ud, const char *path) {
  run *r = ud;
  size_t len = 0;
  uint8_t *data = slurp(path, &len);
  r->n++;
  if (!data) {
    printf("not ok %d - %s (cannot read)\n", r->n, path);
    return 0;
  }
  fflush(stdout); /* a crash below leaves the previous lines in the log */
  LLVMFuzzerTestOneInput(data, len);
  free(data);
  printf("ok %d - " FUZZ_NAME " %s\n", r->n, path);
  return 0;
}

int main(void) {
  static const char *const roots[] = {"tests/fuzz/corpus/", "tests/fuzz/regress/"};
  char dir[256];
  run r = {0};
  size_t i;
  int found = 0;
  for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
    snprintf(dir, sizeof(dir), "%s%s", roots[i], FUZZ_NAME);
    if (walk_files(dir, NULL, one, &r) == 0) found++;
  }
  if (!found) {
    fprintf(stderr, "test_fuzz_" FUZZ_NAME ": no tests/fuzz/corpus/" FUZZ_NAME
                    " (run from the repository root)\n");
    return 1;
  }
  printf("1..%d\n", r.n);
  return 0;
}
