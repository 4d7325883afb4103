/*
** replay.c: a main() for one web fuzz target, so that `make check` replays
** that target's seed corpus and its crash reproducers with gcc, plain and
** under ASan+UBSan, without clang or libFuzzer.
**
** The Makefile links tests/fuzz/fuzz_web_NAME.c with this file into
** BUILD/tests/test_fuzz_web_NAME, with -DFUZZ_NAME='"web_NAME"'.  Run from
** the repository root (tests/run.sh does), it feeds every file under
** tests/fuzz/corpus/web_NAME/ and tests/fuzz/regress/web_NAME/ to
** LLVMFuzzerTestOneInput, in a stable order.  It prints one TAP line for
** the whole seed corpus (hundreds of small files kept by libFuzzer's
** -merge: one test, not hundreds) and one per crash reproducer; each file's
** name goes out first as a "#" comment, so the file that stops the run is
** the last one named.  A broken promise aborts (the harness's own checks),
** the sanitizers stop on a memory error or a leak; either way the run
** fails.  A missing seed corpus fails, since every target has one.
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
  int files, bad;
} run;

static int one(void *ud, const char *path) {
  run *r = ud;
  size_t len = 0;
  uint8_t *data = walk_slurp(path, &len);
  printf("# %s\n", path);
  fflush(stdout); /* a crash below leaves the name in the log */
  r->files++;
  if (!data) {
    printf("# cannot read %s\n", path);
    r->bad++;
    return 0;
  }
  LLVMFuzzerTestOneInput(data, len);
  free(data);
  return 0;
}

/* One reproducer: its own TAP line. */
static int regress(void *ud, const char *path) {
  run *r = ud;
  int bad = r->bad;
  one(ud, path);
  printf("%s %d - " FUZZ_NAME " reproducer %s\n",
         r->bad == bad ? "ok" : "not ok", r->files, path);
  return 0;
}

int main(void) {
  run seeds = {0, 0}, rep = {1, 0};
  if (walk_files("tests/fuzz/corpus/" FUZZ_NAME, NULL, one, &seeds) != 0 ||
      seeds.files == 0) {
    fprintf(stderr, "test_fuzz_" FUZZ_NAME ": no tests/fuzz/corpus/" FUZZ_NAME
                    "/ (run from the repository root)\n");
    return 1;
  }
  printf("%s 1 - " FUZZ_NAME ": %d seed files replayed\n",
         seeds.bad ? "not ok" : "ok", seeds.files);
  /* no regress/ directory: no reproducers yet */
  walk_files("tests/fuzz/regress/" FUZZ_NAME, NULL, regress, &rep);
  printf("1..%d\n", rep.files);
  return seeds.bad || rep.bad;
}
