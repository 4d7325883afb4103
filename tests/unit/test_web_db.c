/*
** test_web_db.c: the storage core (src/web/db.c, migrate.c, util.c):
** migration 1 creates every table STRICT and sets user_version; a reopen
** does not re-apply; a newer schema is refused; db_write commits, rolls
** back on any non-OK status, and retries on BUSY (from fn, and from a real
** lock held by a second connection); the statement cache; per-thread
** connections; the status map; the test clock.  Each test has a fresh
** database in its own mkdtemp directory.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "web.h"
#include "web_fixture.h"

typedef wf_db fix;

static int setup(void **state) {
  return (*state = wf_db_new("db", 0)) ? 0 : -1;
}

static int teardown(void **state) {
  wf_db_free(*state);
  return 0;
}

static const char *const tables[] = {
    "orgs", "admins", "org_admins", "setup_links", "sessions", "api_tokens",
    "elections", "election_orgs", "timetable", "phase_changes", "contests",
    "categories", "contest_constraints", "contest_eligibility", "questions",
    "branches", "nominations", "statements", "answers",
    "nomination_categories", "supporters", "decisions", "withdrawals",
    "audit", "outbox",
    /* migration 2: the voter roll */
    "voters", "voter_tags", "roll_imports",
    /* migration 3: the ballot */
    "ballot_candidates", "electors", "elector_sources", "credentials",
    "ballots", "receipts", "election_keys", "results", "result_packs"};

static void test_migrations(void **state) {
  sqlite3 *db = db_get();
  sqlite3_stmt *st;
  size_t i;
  assert_non_null(db);
  assert_true(migrate_latest() >= 1);
  assert_int_equal(db_schema_version(), migrate_latest());
  assert_int_equal(q1_on(db, "PRAGMA user_version"), migrate_latest());
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT strict FROM pragma_table_list"
                                          " WHERE schema='main' AND name=?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) fail_msg("no table %s", tables[i]);
    if (sqlite3_column_int(st, 0) != 1) fail_msg("%s not STRICT", tables[i]);
  }
  sqlite3_finalize(st);
  /* exactly those tables */
  assert_int_equal(q1_on(db, "SELECT count(*) FROM sqlite_schema WHERE"
                             " type='table' AND name NOT LIKE 'sqlite_%'"),
                   (int64_t)(sizeof(tables) / sizeof(tables[0])));
  assert_int_equal(q1_on(db, "SELECT count(*) FROM sqlite_schema WHERE"
                             " type='trigger' AND tbl_name='audit'"),
                   2);
  /* the connection's pragmas */
  assert_int_equal(q1_on(db, "PRAGMA foreign_keys"), 1);
  assert_int_equal(q1_on(db, "PRAGMA synchronous"), 2); /* FULL */
  assert_int_equal(q1_on(db, "PRAGMA secure_delete"), 1);
  assert_int_equal(q1_on(db, "SELECT journal_mode = 'wal' FROM"
                             " pragma_journal_mode"),
                   1);
  /* the new file and its WAL are private to the owner */
  {
    fix *f = *state;
    struct stat sb;
    char wal[160];
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
  }
  /* foreign keys are enforced */
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO elections (org_id, slug,"
                                        " title, tz, created_at) VALUES"
                                        " (99, 'x', 'X', 'UTC', 0)",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
  /* STRICT: a text in an INTEGER column is refused */
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO outbox (to_addr, subject,"
                                        " body, created_at) VALUES"
                                        " ('a', 'b', 'c', 'soon')",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
}

static void test_reopen(void **state) {
  fix *f = *state;
  char err[256];
  sqlite3 *db = db_get();
  assert_int_equal(sqlite3_exec(db, "INSERT INTO orgs (slug, name) VALUES"
                                    " ('nsn', 'Northfield')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  db_close_thread();
  /* a re-applied migration 1 would fail on CREATE TABLE orgs */
  assert_int_equal(db_init(f->path, err, sizeof(err)), WEB_OK);
  assert_int_equal(db_schema_version(), migrate_latest());
  assert_int_equal(q1_on(db_get(), "SELECT count(*) FROM orgs"), 1);
}

static void test_newer_refused(void **state) {
  fix *f = *state;
  char err[256] = "", sql[64];
  sqlite3 *raw = NULL;
  db_close_thread();
  assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
  snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
           migrate_latest() + 1);
  assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(raw);
  assert_int_equal(db_init(f->path, err, sizeof(err)), WEB_ECONFLICT);
  assert_non_null(strstr(err, "newer hustings"));
  /* and it was left as it was */
  assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
  assert_int_equal(q1_on(raw, "PRAGMA user_version"), migrate_latest() + 1);
  sqlite3_close(raw);
}

/* ------------------------------------------------------------- db_write */

typedef struct wctx {
  int calls;
  int busy_times; /* return WEB_EBUSY this many times first */
  web_status final;
  const char *slug;
} wctx;

static const char sql_org[] = "INSERT INTO orgs (slug, name) VALUES (?1, 'N')";

static web_status insert_org(sqlite3 *db, void *arg) {
  wctx *c = arg;
  sqlite3_stmt *st = db_stmt(db, sql_org);
  web_status s;
  c->calls++;
  if (!st) return WEB_EDB;
  sqlite3_bind_text(st, 1, c->slug, -1, SQLITE_STATIC);
  s = db_exec_stmt(st);
  if (s != WEB_OK) return s;
  if (c->calls <= c->busy_times) return WEB_EBUSY;
  return c->final;
}

/* Counted from a separate connection: only committed rows. */
static int64_t orgs_outside(const fix *f) {
  sqlite3 *raw = NULL;
  int64_t n;
  assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
  n = q1_on(raw, "SELECT count(*) FROM orgs");
  sqlite3_close(raw);
  return n;
}

static void test_write_commit(void **state) {
  wctx c = {0, 0, WEB_OK, "one"};
  assert_int_equal(db_write(insert_org, &c), WEB_OK);
  assert_int_equal(c.calls, 1);
  assert_int_equal(orgs_outside(*state), 1);
  assert_true(sqlite3_get_autocommit(db_get()));
}

static void test_write_rollback(void **state) {
  wctx c = {0, 0, WEB_EINVALID, "one"};
  assert_int_equal(db_write(insert_org, &c), WEB_EINVALID);
  assert_int_equal(c.calls, 1);
  assert_int_equal(orgs_outside(*state), 0);
  assert_int_equal(q1_on(db_get(), "SELECT count(*) FROM orgs"), 0);
  assert_true(sqlite3_get_autocommit(db_get()));
  /* a constraint error inside fn: ECONFLICT, nothing kept */
  c = (wctx){0, 0, WEB_OK, "Bad Slug"};
  assert_int_equal(db_write(insert_org, &c), WEB_ECONFLICT);
  c = (wctx){0, 0, WEB_OK, "dup"};
  assert_int_equal(db_write(insert_org, &c), WEB_OK);
  c = (wctx){0, 0, WEB_OK, "dup"};
  assert_int_equal(db_write(insert_org, &c), WEB_ECONFLICT);
  assert_int_equal(orgs_outside(*state), 1);
}

static void test_write_retry_fn(void **state) {
  wctx c = {0, 2, WEB_OK, "r"};
  assert_int_equal(db_write(insert_org, &c), WEB_OK);
  assert_int_equal(c.calls, 3);
  assert_int_equal(orgs_outside(*state), 1); /* not 3: retries rolled back */
  c = (wctx){0, 1000, WEB_OK, "s"};
  assert_int_equal(db_write(insert_org, &c), WEB_EBUSY);
  assert_int_equal(c.calls, DB_WRITE_TRIES);
  assert_int_equal(DB_WRITE_TRIES, 4); /* 1 + 3 retries */
  assert_int_equal(orgs_outside(*state), 1);
}

typedef struct holder {
  const char *path;
  int hold_ms;
} holder;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* A second connection holding the write lock for a while. */
static sqlite3 *lock_db(const char *path) {
  sqlite3 *raw = NULL;
  assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
  assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                   SQLITE_OK);
  return raw;
}

static void *release_later(void *arg) {
  sqlite3 *raw = arg;
  sleep_ms(300);
  sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
  return NULL;
}

/* A busy handler that gives up at once and counts the BEGINs it saw. */
static int count_begins(void *arg, int n) {
  if (n == 0) (*(int *)arg)++;
  return 0;
}

static void test_write_real_busy(void **state) {
  fix *f = *state;
  sqlite3 *raw = lock_db(f->path);
  wctx c = {0, 0, WEB_OK, "b"};
  pthread_t th;
  int begins = 0;
  /* every BEGIN IMMEDIATE gives up; it is tried DB_WRITE_TRIES times and
  ** fn never runs */
  sqlite3_busy_handler(db_get(), count_begins, &begins);
  assert_int_equal(db_write(insert_org, &c), WEB_EBUSY);
  assert_int_equal(c.calls, 0);
  assert_int_equal(begins, DB_WRITE_TRIES);
  /* the normal timeout waits for the lock to go */
  sqlite3_busy_timeout(db_get(), 5000);
  assert_int_equal(pthread_create(&th, NULL, release_later, raw), 0);
  assert_int_equal(db_write(insert_org, &c), WEB_OK);
  assert_int_equal(c.calls, 1);
  pthread_join(th, NULL);
  sqlite3_close(raw);
  assert_int_equal(orgs_outside(f), 1);
}

static web_status nested(sqlite3 *db, void *arg) {
  wctx c = {0, 0, WEB_OK, "inner"};
  (void)db;
  *(web_status *)arg = db_write(insert_org, &c);
  return WEB_OK;
}

static void test_write_nested(void **state) {
  web_status inner = WEB_OK;
  assert_int_equal(db_write(nested, &inner), WEB_OK);
  assert_int_equal(inner, WEB_EDB);
  assert_int_equal(orgs_outside(*state), 0);
}

/* --------------------------------------------------------------- stmts */

static const char sql_a[] = "SELECT ?1";

static void test_stmt_cache(void **state) {
  sqlite3 *db = db_get();
  char copy[sizeof(sql_a)];
  sqlite3_stmt *a, *b, *c;
  (void)state;
  a = db_stmt(db, sql_a);
  assert_non_null(a);
  assert_int_equal(sqlite3_bind_int(a, 1, 42), SQLITE_OK);
  assert_int_equal(sqlite3_step(a), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(a, 0), 42);
  /* same pointer: same statement, reset and unbound */
  b = db_stmt(db, sql_a);
  assert_ptr_equal(a, b);
  assert_false(sqlite3_stmt_busy(b));
  assert_int_equal(sqlite3_step(b), SQLITE_ROW);
  assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
  /* same text elsewhere: another entry */
  memcpy(copy, sql_a, sizeof(copy));
  c = db_stmt(db, copy);
  assert_non_null(c);
  assert_ptr_not_equal(a, c);
  /* a prepare error is NULL */
  assert_null(db_stmt(db, "SELEC nonsense"));
  /* db_reset_all ends the open read */
  assert_int_equal(sqlite3_step(db_stmt(db, sql_a)), SQLITE_ROW);
  assert_true(sqlite3_stmt_busy(a));
  db_reset_all();
  assert_false(sqlite3_stmt_busy(a));
  /* no leftovers beyond the cache: closing finalizes them all */
  db_close_thread();
  assert_non_null(db_get());
}

static void test_status_map(void **state) {
  (void)state;
  assert_int_equal(db_status(SQLITE_OK), WEB_OK);
  assert_int_equal(db_status(SQLITE_ROW), WEB_OK);
  assert_int_equal(db_status(SQLITE_DONE), WEB_OK);
  assert_int_equal(db_status(SQLITE_BUSY), WEB_EBUSY);
  assert_int_equal(db_status(SQLITE_BUSY_SNAPSHOT), WEB_EBUSY);
  assert_int_equal(db_status(SQLITE_LOCKED), WEB_EBUSY);
  assert_int_equal(db_status(SQLITE_CONSTRAINT_UNIQUE), WEB_ECONFLICT);
  assert_int_equal(db_status(SQLITE_CONSTRAINT_TRIGGER), WEB_ECONFLICT);
  assert_int_equal(db_status(SQLITE_NOMEM), WEB_ENOMEM);
  assert_int_equal(db_status(SQLITE_CORRUPT), WEB_EDB);
  assert_int_equal(db_status(SQLITE_IOERR_FSYNC), WEB_EDB);
}

/* ------------------------------------------------------------- threads */

typedef struct tres {
  sqlite3 *db;
  int64_t fk;
  web_status w;
} tres;

static void *worker(void *arg) {
  tres *r = arg;
  wctx c = {0, 0, WEB_OK, "thread"};
  r->db = db_get();
  if (r->db) {
    r->fk = q1_on(r->db, "PRAGMA foreign_keys");
    r->w = db_write(insert_org, &c);
  }
  db_close_thread();
  return NULL;
}

static void test_thread_connection(void **state) {
  tres r = {NULL, -1, WEB_EDB};
  pthread_t th;
  sqlite3 *mine = db_get();
  assert_int_equal(pthread_create(&th, NULL, worker, &r), 0);
  pthread_join(th, NULL);
  assert_non_null(r.db);
  assert_ptr_not_equal(r.db, mine);
  assert_int_equal(r.fk, 1);
  assert_int_equal(r.w, WEB_OK);
  assert_int_equal(orgs_outside(*state), 1);
  assert_ptr_equal(db_get(), mine); /* the main thread's is untouched */
}

/* ---------------------------------------------------------- util.c */

static void test_strerror(void **state) {
  int i, j;
  (void)state;
  for (i = WEB_OK; i <= WEB_ECRYPTO; i++) {
    assert_non_null(web_strerror((web_status)i));
    assert_string_not_equal(web_strerror((web_status)i), "unknown error");
    for (j = 0; j < i; j++)
      assert_string_not_equal(web_strerror((web_status)i),
                              web_strerror((web_status)j));
  }
  assert_string_equal(web_strerror((web_status)99), "unknown error");
}

static void put_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void test_clock(void **state) {
  fix *f = *state;
  char p[160];
  int64_t d;
  snprintf(p, sizeof(p), "%s.clock", f->path);
  unsetenv("HUSTINGS_TEST_CLOCK_FILE");
  d = web_now() - (int64_t)time(NULL);
  assert_true(d >= -1 && d <= 1);
  setenv("HUSTINGS_TEST_CLOCK_FILE", p, 1);
  d = web_now() - (int64_t)time(NULL); /* no file yet: offset 0 */
  assert_true(d >= -1 && d <= 1);
  put_file(p, "86400\n");
  d = web_now() - (int64_t)time(NULL);
  assert_true(d >= 86399 && d <= 86401);
  put_file(p, "-7200"); /* re-read at once, no caching */
  d = web_now() - (int64_t)time(NULL);
  assert_true(d >= -7201 && d <= -7199);
  put_file(p, "12 hours"); /* malformed: ignored */
  d = web_now() - (int64_t)time(NULL);
  assert_true(d >= -1 && d <= 1);
  unsetenv("HUSTINGS_TEST_CLOCK_FILE");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_rollback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_retry_fn, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_real_busy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_nested, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
      cmocka_unit_test_setup_teardown(test_status_map, setup, teardown),
      cmocka_unit_test_setup_teardown(test_thread_connection, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_strerror, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
