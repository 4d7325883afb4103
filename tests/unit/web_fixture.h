/*
** web_fixture.h: what the service's unit tests (tests/unit/test_web_*.c)
** that need a database share: a fresh migrated database in its own
** mkdtemp directory, and one-line SQL helpers on this thread's
** connection (db_get()).
**
**   wf_db_new / wf_db_free    a wf_db for cmocka's *state: make, remove
**   wf_db_open / wf_db_close  the same on a wf_db the test holds itself
**   exec_ok(sql)              runs sql (one or more statements); fails
**                             the test on an error
**   q1(sql), q1_on(db, sql)   the first column of the first row as an
**                             integer, -1 when there is no row; fails the
**                             test when sql does not prepare
**   qs(sql, out, cap)         the same as text, copied into out ("" when
**                             no row or NULL); fails the same way
**
** Header only: each test file is its own program and the Makefile links
** no shared object into the unit tests, so every function here is static
** and marked unused (a file need not use them all).  Include it after
** <cmocka.h>, <sqlite3.h> and "web.h".
**
** Ownership: a wf_db from wf_db_new is freed by wf_db_free; wf_db_close
** closes this thread's connection and deletes DIR/t.db, its -wal, -shm,
** .key, .clock and .b2 files, and DIR (a test that makes other files in
** DIR removes them first).
*/
#ifndef WEB_FIXTURE_H
#define WEB_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WF_UNUSED __attribute__((unused))

typedef struct wf_db {
  char dir[64];   /* /tmp/hus-TAG-XXXXXX */
  char path[128]; /* DIR/t.db */
} wf_db;

WF_UNUSED static void wf_db_close(const wf_db *d) {
  static const char *const sfx[] = {"", "-wal", "-shm", ".key", ".clock",
                                    ".b2"};
  char p[160];
  size_t i;
  db_close_thread();
  for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
    snprintf(p, sizeof(p), "%s%s", d->path, sfx[i]);
    unlink(p);
  }
  rmdir(d->dir);
}

/* Makes /tmp/hus-TAG-XXXXXX and DIR/t.db (db_init), and with key != 0
** its key (auth_load_key).  0, or -1 with the reason on stderr and
** nothing left behind. */
WF_UNUSED static int wf_db_open(wf_db *d, const char *tag, int key) {
  char err[256];
  snprintf(d->dir, sizeof(d->dir), "/tmp/hus-%s-XXXXXX", tag);
  if (!mkdtemp(d->dir)) {
    perror("mkdtemp");
    return -1;
  }
  snprintf(d->path, sizeof(d->path), "%s/t.db", d->dir);
  if (db_init(d->path, err, sizeof(err)) != WEB_OK ||
      (key && auth_load_key(d->path, err, sizeof(err)) != WEB_OK)) {
    fprintf(stderr, "setup: %s\n", err);
    wf_db_close(d);
    return -1;
  }
  return 0;
}

WF_UNUSED static wf_db *wf_db_new(const char *tag, int key) {
  wf_db *d = calloc(1, sizeof(*d));
  if (d && wf_db_open(d, tag, key) != 0) {
    free(d);
    d = NULL;
  }
  return d;
}

WF_UNUSED static void wf_db_free(wf_db *d) {
  wf_db_close(d);
  free(d);
}

WF_UNUSED static void exec_ok(const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db_get(), sql, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s", sql, msg ? msg : "?");
}

WF_UNUSED static int64_t q1_on(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

WF_UNUSED static int64_t q1(const char *sql) { return q1_on(db_get(), sql); }

WF_UNUSED static void qs(const char *sql, char *out, size_t cap) {
  sqlite3_stmt *st = NULL;
  out[0] = 0;
  if (sqlite3_prepare_v2(db_get(), sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db_get()));
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

#endif
