/*
** walk.h: a sorted, recursive walk over the files of a directory, shared by
** the test drivers (tests/unit/test_blt.c, test_fuzz_corpus.c and
** tests/tools/load_all.c) so that every run visits files in the same order.
*/
#ifndef WALK_H
#define WALK_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef int (*walk_fn)(void *ud, const char *path);

static int walk_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn(ud, path) for each regular file under dir whose name ends in
** suffix (any name if suffix is NULL), depth first, names in strcmp order;
** names starting with '.' are passed over.  Returns 0 when done, -1 if dir
** (or a directory below it) cannot be read, or fn's first non-zero return,
** which stops the walk. */
static int walk_files(const char *dir, const char *suffix, walk_fn fn,
                      void *ud) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, cap = 0, i, sl = suffix ? strlen(suffix) : 0;
  int rc = 0;
  if (!d) return -1;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn;
      cap = cap ? cap * 2 : 64;
      nn = realloc(names, cap * sizeof(*nn));
      if (!nn) { rc = -1; break; }
      names = nn;
    }
    {
      size_t len = strlen(de->d_name) + 1;
      names[n] = malloc(len);
      if (!names[n]) { rc = -1; break; }
      memcpy(names[n++], de->d_name, len);
    }
  }
  closedir(d);
  if (n) qsort(names, n, sizeof(*names), walk_cmp);
  for (i = 0; i < n && rc == 0; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2, nl = strlen(names[i]);
    char *path = malloc(len);
    struct stat sb;
    if (!path) { rc = -1; break; }
    snprintf(path, len, "%s/%s", dir, names[i]);
    if (stat(path, &sb) != 0)
      rc = -1;
    else if (S_ISDIR(sb.st_mode))
      rc = walk_files(path, suffix, fn, ud);
    else if (S_ISREG(sb.st_mode) &&
             (!suffix || (nl >= sl && !strcmp(names[i] + nl - sl, suffix))))
      rc = fn(ud, path);
    free(path);
  }
  for (i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

/* Reads a whole file into an exact-size malloc'd buffer (no terminator,
** so that a reader running past the end is caught by ASan); *len gets its
** size.  NULL if it cannot be read.  The caller frees. */
static inline uint8_t *walk_slurp(const char *path, size_t *len) {
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

#endif /* WALK_H */
