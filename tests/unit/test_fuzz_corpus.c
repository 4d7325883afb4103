/*
** test_fuzz_corpus.c: replays the fuzzers' seed corpus and every crash
** reproducer through the fuzz targets' own code (tests/fuzz/fuzz_common.h),
** so that `make check` runs them plain and under ASan+UBSan without clang
** or libFuzzer.
**
** Every file under tests/fuzz/corpus/ and tests/fuzz/regress/ (relative to
** the repository root, where tests/run.sh runs) is one test: files below a
** directory named blt/ go to the BLT target, below csv/ to the CSV target,
** below con/ to the constraints target, below web_NAME/ nowhere (each web
** target replays its own: tests/fuzz/replay.c), anywhere else to all
** three.  A
** target aborts on a broken promise, and the sanitizers stop on a memory
** error or a leak.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fuzz/fuzz_common.h"
#include "../fuzz/walk.h"

static const char *const roots[] = {"tests/fuzz/corpus", "tests/fuzz/regress"};

typedef struct list {
  struct CMUnitTest *t;
  size_t n, cap;
} list;

static void replay(void **state) {
  const char *path = *state;
  size_t len = 0;
  uint8_t *data = walk_slurp(path, &len);
  int in_blt = strstr(path, "/blt/") != NULL;
  int in_csv = strstr(path, "/csv/") != NULL;
  int in_con = strstr(path, "/con/") != NULL;
  int any = !in_blt && !in_csv && !in_con;
  if (!data) fail_msg("cannot read %s", path);
  if (in_blt || any) fuzz_blt(data, len);
  if (in_csv || any) fuzz_csv(data, len);
  if (in_con || any) fuzz_con(data, len);
  free(data);
}

static int add(void *ud, const char *path) {
  list *l = ud;
  char *name;
  /* the web targets' seeds are replayed by their own harnesses
  ** (tests/fuzz/replay.c) */
  if (strstr(path, "/web_")) return 0;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 64;
    struct CMUnitTest *nt = realloc(l->t, nc * sizeof(*nt));
    if (!nt) return -1;
    l->t = nt;
    l->cap = nc;
  }
  name = malloc(strlen(path) + 1);
  if (!name) return -1;
  memcpy(name, path, strlen(path) + 1);
  memset(&l->t[l->n], 0, sizeof(l->t[l->n]));
  l->t[l->n].name = name;
  l->t[l->n].test_func = replay;
  l->t[l->n].initial_state = name;
  l->n++;
  return 0;
}

int main(void) {
  list l = {NULL, 0, 0};
  size_t i;
  int rc;
  for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
    if (walk_files(roots[i], NULL, add, &l) != 0) {
      fprintf(stderr, "test_fuzz_corpus: cannot read %s (run from the "
                      "repository root)\n", roots[i]);
      return 1;
    }
  if (l.n == 0) {
    fprintf(stderr, "test_fuzz_corpus: no corpus files found\n");
    return 1;
  }
  rc = _cmocka_run_group_tests("fuzz_corpus", l.t, l.n, NULL, NULL);
  for (i = 0; i < l.n; i++) free((void *)l.t[i].name);
  free(l.t);
  return rc;
}
