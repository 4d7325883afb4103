/*
** test_web_db.c: the storage core (src/web/db.c, migrate.c, util.c):
** migration 1 creates every table STRICT and sets user_version; a reopen
** does not re-apply; a newer schema is refused; db_write commits, rolls
** back on any non-OK status, and retries on BUSY (from fn, and from a real
** lock held by a second connection); the statement cache; per-thread
** connections; the status map; the test clock.  With the group-commit
** writer running (db_writer_start): the same db_write tests, plus
** batching, SAVEPOINT isolation inside a batch, FIFO order, re-running a
** failed batch's jobs alone, 100 callers racing on one credential, a stop
** that drains the queue, and the WAL checkpoint.  Each test has a fresh
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
  /* the storage (disk full, read-only, failing): 503, docs/serve.md */
  assert_int_equal(db_status(SQLITE_IOERR_FSYNC), WEB_EIO);
  assert_int_equal(db_status(SQLITE_IOERR_WRITE), WEB_EIO);
  assert_int_equal(db_status(SQLITE_FULL), WEB_EIO);
  assert_int_equal(db_status(SQLITE_READONLY_DBMOVED), WEB_EIO);
  assert_int_equal(db_status(SQLITE_CANTOPEN), WEB_EIO);
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

/* ------------------------------------------------------- the writer
**
** The same db_write tests with the writer running, and the writer's own:
** batching (counted by a commit hook that a job installs on the writer's
** connection), savepoints, FIFO, the race on one credential, stop. */

static int setup_w(void **state) {
  unsetenv("HUSTINGS_WRITER");
  if (setup(state) != 0) return -1;
  if (db_writer_start() != WEB_OK) {
    teardown(state);
    return -1;
  }
  return 0;
}

static int teardown_w(void **state) {
  db_writer_stop();
  return teardown(state);
}

/* A table of our own, made on this thread's connection. */
static void make_t(void) {
  exec_ok("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " v INTEGER NOT NULL UNIQUE, tag INTEGER NOT NULL DEFAULT 0)");
}

static int64_t t_has(int64_t v) {
  char sql[80];
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE v = %lld",
           (long long)v);
  return q1(sql);
}

static const char sql_t_ins[] = "INSERT INTO t (v, tag) VALUES (?1, ?2)";

static web_status t_insert(sqlite3 *db, int64_t v, int64_t tag) {
  sqlite3_stmt *st = db_stmt(db, sql_t_ins);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, v);
  sqlite3_bind_int64(st, 2, tag);
  return db_exec_stmt(st);
}

/* Commits on the writer's connection, counted by a hook that a job
** installs (and a later job removes).  Read after the jobs are done. */
static int commits;
static int count_commit(void *arg) {
  (*(int *)arg)++;
  return 0;
}
static web_status hook_on(sqlite3 *db, void *arg) {
  (void)arg;
  sqlite3_commit_hook(db, count_commit, &commits);
  return WEB_OK;
}
static web_status hook_off(sqlite3 *db, void *arg) {
  (void)arg;
  sqlite3_commit_hook(db, NULL, NULL);
  return WEB_OK;
}

/* The gate: a job that holds the writer until `want` callers have said
** they are about to call db_write, then a little longer, so that all of
** their jobs are queued when it ends and the next batch takes them. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int arrived, want;

static void arrive(void) {
  pthread_mutex_lock(&gate_mu);
  arrived++;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
}

static void wait_arrived(int n) {
  pthread_mutex_lock(&gate_mu);
  while (arrived < n) pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}

static int gate_in; /* the gate job is running on the writer */

static web_status gate_fn(sqlite3 *db, void *arg) {
  (void)arg;
  sqlite3_commit_hook(db, count_commit, &commits);
  pthread_mutex_lock(&gate_mu);
  gate_in = 1;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
  wait_arrived(want);
  /* hold the writer until every arrived job is in the queue (not a fixed
  ** sleep: a loaded machine may take its time); at most 10 s */
  for (int k = 0; k < 10000 && db_writer_queued() < (size_t)want; k++)
    sleep_ms(1);
  pthread_mutex_lock(&gate_mu);
  gate_in = 2; /* released: every job is queued */
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
  return WEB_OK;
}

static void *gate_thread(void *arg) {
  *(web_status *)arg = db_write(gate_fn, NULL);
  return NULL;
}

/* Starts the gate job and returns once the writer is inside it. */
static void gate_start(pthread_t *th, web_status *st, int n) {
  pthread_mutex_lock(&gate_mu);
  arrived = 0;
  want = n;
  gate_in = 0;
  pthread_mutex_unlock(&gate_mu);
  commits = 0;
  assert_int_equal(pthread_create(th, NULL, gate_thread, st), 0);
  pthread_mutex_lock(&gate_mu); /* not a sleep: a slow machine waits */
  while (!gate_in) pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}

typedef struct tjob {
  int64_t v;
  int fail;      /* 1: insert, then WEB_EINVALID; 2: marker + duplicate */
  int gated;
  int loops;     /* free-running: this many writes of v, v+1... */
  web_status s;
  pthread_t self, ran_on;
} tjob;

static web_status tjob_fn(sqlite3 *db, void *arg) {
  tjob *j = arg;
  web_status s;
  j->ran_on = pthread_self();
  if (db != db_get()) return WEB_EIO; /* fn's db is its thread's */
  if (j->fail == 2) {                 /* a marker, then a constraint error */
    if ((s = t_insert(db, j->v + 100000, 0)) != WEB_OK) return s;
    return t_insert(db, j->v, 0);
  }
  if ((s = t_insert(db, j->v, 0)) != WEB_OK) return s;
  return j->fail ? WEB_EINVALID : WEB_OK;
}

static void *tjob_thread(void *arg) {
  tjob *j = arg;
  int i;
  j->self = pthread_self();
  if (j->gated) arrive();
  if (j->loops) {
    int64_t v0 = j->v;
    for (i = 0; i < j->loops; i++) {
      j->v = v0 + i;
      j->s = db_write(tjob_fn, j);
      if (j->s != WEB_OK) break;
    }
  } else {
    j->s = db_write(tjob_fn, j);
  }
  return NULL;
}

static void test_w_thread(void **state) {
  tjob j = {1, 0, 0, 0, WEB_EDB, 0, 0};
  sqlite3 *mine = db_get();
  (void)state;
  make_t();
  /* fn runs on the writer's thread, on its connection */
  assert_int_equal(db_write(tjob_fn, &j), WEB_OK);
  assert_false(pthread_equal(j.ran_on, pthread_self()));
  assert_int_equal(t_has(1), 1);
  assert_ptr_equal(db_get(), mine);
  /* HUSTINGS_WRITER=mutex: start is a no-op, fn runs here */
  db_writer_stop();
  setenv("HUSTINGS_WRITER", "mutex", 1);
  assert_int_equal(db_writer_start(), WEB_OK);
  j.v = 2;
  assert_int_equal(db_write(tjob_fn, &j), WEB_OK);
  assert_true(pthread_equal(j.ran_on, pthread_self()));
  unsetenv("HUSTINGS_WRITER");
  assert_int_equal(db_writer_start(), WEB_OK);
  assert_int_equal(db_writer_start(), WEB_OK); /* again: no second one */
  j.v = 3;
  assert_int_equal(db_write(tjob_fn, &j), WEB_OK);
  assert_false(pthread_equal(j.ran_on, pthread_self()));
  assert_int_equal(q1("SELECT count(*) FROM t"), 3);
}

/* The writer connection's own settings, read inside a job. */
typedef struct wset {
  int64_t autockpt, sizelimit, fk;
} wset;

static web_status read_settings(sqlite3 *db, void *arg) {
  wset *w = arg;
  w->autockpt = q1_on(db, "PRAGMA wal_autocheckpoint");
  w->sizelimit = q1_on(db, "PRAGMA journal_size_limit");
  w->fk = q1_on(db, "PRAGMA foreign_keys");
  return WEB_OK;
}

static void test_w_settings(void **state) {
  wset w = {-1, -1, -1};
  (void)state;
  assert_int_equal(db_write(read_settings, &w), WEB_OK);
  assert_int_equal(w.autockpt, 0);
  assert_int_equal(w.sizelimit, 67108864);
  assert_int_equal(w.fk, 1);
}

#define NFREE 32
#define LOOPS 40

static void test_w_batch(void **state) {
  static tjob j[NFREE];
  pthread_t th[NFREE];
  int i, n;
  (void)state;
  make_t();
  commits = 0;
  assert_int_equal(db_write(hook_on, NULL), WEB_OK);
  for (i = 0; i < NFREE; i++) {
    j[i] = (tjob){(int64_t)i * 1000, 0, 0, LOOPS, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
  }
  for (i = 0; i < NFREE; i++) pthread_join(th[i], NULL);
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  n = commits - 1; /* hook_on's own commit */
  for (i = 0; i < NFREE; i++) assert_int_equal(j[i].s, WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM t"), NFREE * LOOPS);
  for (i = 0; i < NFREE; i++) {
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE v >= %d AND"
             " v < %d", i * 1000, i * 1000 + LOOPS);
    assert_int_equal(q1(sql), LOOPS);
  }
  print_message("# %d jobs in %d commits\n", NFREE * LOOPS, n);
  assert_true(n >= 1);
  assert_true(n * 2 <= NFREE * LOOPS); /* batches of 2 or more on average */
}

#define NGATE 30

/* Every 3rd job inserts, then fails: in one batch, exactly the others'
** rows are kept, and each caller gets its own status. */
static void test_w_savepoint(void **state) {
  static tjob j[NGATE];
  pthread_t th[NGATE], g;
  web_status gs = WEB_EDB;
  int i;
  (void)state;
  make_t();
  gate_start(&g, &gs, NGATE);
  for (i = 0; i < NGATE; i++) {
    j[i] = (tjob){i + 1, i % 3 == 2, 1, 0, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
  }
  for (i = 0; i < NGATE; i++) pthread_join(th[i], NULL);
  pthread_join(g, NULL);
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  assert_int_equal(gs, WEB_OK);
  assert_int_equal(commits, 2); /* the gate, then all 30 in one batch */
  for (i = 0; i < NGATE; i++) {
    assert_int_equal(j[i].s, i % 3 == 2 ? WEB_EINVALID : WEB_OK);
    assert_int_equal(t_has(i + 1), i % 3 == 2 ? 0 : 1);
  }
  assert_int_equal(q1("SELECT count(*) FROM t"), NGATE - NGATE / 3);
}

/* A constraint error inside a batch: WEB_ECONFLICT for that job, and its
** earlier insert (the marker) undone; its neighbours commit. */
static void test_w_conflict(void **state) {
  static tjob j[NGATE];
  pthread_t th[NGATE], g;
  web_status gs = WEB_EDB;
  int i;
  (void)state;
  make_t();
  exec_ok("INSERT INTO t (v) VALUES (5), (10), (15)");
  gate_start(&g, &gs, NGATE);
  for (i = 0; i < NGATE; i++) {
    int dup = (i + 1) % 5 == 0 && i + 1 <= 15;
    j[i] = (tjob){i + 1, dup ? 2 : 0, 1, 0, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
  }
  for (i = 0; i < NGATE; i++) pthread_join(th[i], NULL);
  pthread_join(g, NULL);
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  assert_int_equal(commits, 2);
  for (i = 0; i < NGATE; i++) {
    int dup = (i + 1) % 5 == 0 && i + 1 <= 15;
    assert_int_equal(j[i].s, dup ? WEB_ECONFLICT : WEB_OK);
    assert_int_equal(t_has(i + 1), 1);
    assert_int_equal(t_has(i + 1 + 100000), 0); /* markers undone */
  }
  assert_int_equal(q1("SELECT count(*) FROM t"), NGATE);
}

/* Jobs run in the order they were queued. */
static void test_w_fifo(void **state) {
  static tjob j[12];
  pthread_t th[12], g;
  web_status gs = WEB_EDB;
  int i;
  (void)state;
  make_t();
  gate_start(&g, &gs, 12);
  for (i = 0; i < 12; i++) {
    int waited;
    j[i] = (tjob){100 - i, 0, 1, 0, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
    /* queued before the next one starts, so the order is known however
    ** slow the machine: the gate holds the writer until all 12 have
    ** arrived, so before the last one the queue only grows (the last is
    ** last whenever it is queued) */
    if (i == 11) break;
    for (waited = 0; db_writer_queued() < (size_t)i + 1 && waited < 10000;
         waited++)
      sleep_ms(1);
    assert_int_equal(db_writer_queued(), (size_t)i + 1);
  }
  for (i = 0; i < 12; i++) pthread_join(th[i], NULL);
  pthread_join(g, NULL);
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  /* ids in insertion order hold v = 100, 99, ... 89 */
  assert_int_equal(q1("SELECT count(*) FROM t a JOIN t b ON b.id > a.id"
                      " WHERE b.v > a.v"),
                   0);
  assert_int_equal(q1("SELECT count(*) FROM t"), 12);
}

/* A job in a failed batch runs again alone: one job returns WEB_EBUSY
** once (the batch is lost), then succeeds; all commit, once each. */
typedef struct busy_once {
  tjob j;
  int calls;
} busy_once;

static web_status busy_once_fn(sqlite3 *db, void *arg) {
  busy_once *b = arg;
  web_status s = tjob_fn(db, &b->j);
  if (s == WEB_OK && ++b->calls == 1) return WEB_EBUSY;
  return s;
}

static void *busy_once_thread(void *arg) {
  busy_once *b = arg;
  arrive();
  b->j.s = db_write(busy_once_fn, b);
  return NULL;
}

static void test_w_isolate(void **state) {
  static tjob j[10];
  busy_once b = {{1000, 0, 1, 0, WEB_EDB, 0, 0}, 0};
  pthread_t th[10], tb, g;
  web_status gs = WEB_EDB;
  int i;
  (void)state;
  make_t();
  gate_start(&g, &gs, 11);
  for (i = 0; i < 10; i++) {
    j[i] = (tjob){i + 1, i == 7, 1, 0, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
    if (i == 4)
      assert_int_equal(pthread_create(&tb, NULL, busy_once_thread, &b), 0);
  }
  for (i = 0; i < 10; i++) pthread_join(th[i], NULL);
  pthread_join(tb, NULL);
  pthread_join(g, NULL);
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  assert_int_equal(b.j.s, WEB_OK);
  assert_int_equal(b.calls, 2);
  assert_int_equal(t_has(1000), 1);
  for (i = 0; i < 10; i++) {
    assert_int_equal(j[i].s, i == 7 ? WEB_EINVALID : WEB_OK);
    assert_int_equal(t_has(i + 1), i == 7 ? 0 : 1);
  }
  /* the gate, then each of the 11 alone except the one that failed */
  assert_int_equal(commits, 1 + 10);
}

/* 100 callers race for one credential: exactly one wins each round, and
** the losers' earlier inserts are rolled back with their savepoints. */
#define RACERS 100
#define ROUNDS 20

static pthread_barrier_t race_bar;

typedef struct racer {
  int64_t round, me;
  web_status s;
} racer;

static web_status race_fn(sqlite3 *db, void *arg) {
  racer *r = arg;
  sqlite3_stmt *st;
  web_status s;
  st = db_stmt(db, "INSERT INTO cast_log (round, who) VALUES (?1, ?2)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, r->round);
  sqlite3_bind_int64(st, 2, r->me);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "UPDATE cred SET used = 1 WHERE id = 1 AND used = 0");
  if (!st) return WEB_EDB;
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  return sqlite3_changes(db) == 1 ? WEB_OK : WEB_ECONFLICT;
}

static void *racer_thread(void *arg) {
  racer *r = arg;
  pthread_barrier_wait(&race_bar);
  r->s = db_write(race_fn, r);
  return NULL;
}

static void test_w_race(void **state) {
  static racer r[RACERS];
  pthread_t th[RACERS];
  int round, i, wins, lost, winner;
  char sql[96];
  (void)state;
  exec_ok("CREATE TABLE cred (id INTEGER PRIMARY KEY, used INTEGER NOT NULL);"
          "CREATE TABLE cast_log (round INTEGER, who INTEGER);"
          "INSERT INTO cred VALUES (1, 0)");
  commits = 0;
  assert_int_equal(db_write(hook_on, NULL), WEB_OK);
  for (round = 0; round < ROUNDS; round++) {
    exec_ok("UPDATE cred SET used = 0");
    assert_int_equal(pthread_barrier_init(&race_bar, NULL, RACERS), 0);
    for (i = 0; i < RACERS; i++) {
      r[i] = (racer){round, i, WEB_EDB};
      assert_int_equal(pthread_create(&th[i], NULL, racer_thread, &r[i]), 0);
    }
    for (i = 0; i < RACERS; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&race_bar);
    wins = lost = 0;
    winner = -1;
    for (i = 0; i < RACERS; i++) {
      if (r[i].s == WEB_OK) {
        wins++;
        winner = i;
      } else if (r[i].s == WEB_ECONFLICT)
        lost++;
    }
    assert_int_equal(wins, 1);
    assert_int_equal(lost, RACERS - 1);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM cast_log WHERE round ="
             " %d", round);
    assert_int_equal(q1(sql), 1);
    snprintf(sql, sizeof(sql), "SELECT who FROM cast_log WHERE round = %d",
             round);
    assert_int_equal(q1(sql), winner);
  }
  assert_int_equal(db_write(hook_off, NULL), WEB_OK);
  print_message("# %d racers x %d rounds in %d commits\n", RACERS, ROUNDS,
                commits - 1);
  assert_true(commits - 1 >= ROUNDS); /* each winner committed */
}

/* db_writer_stop runs what is queued before it returns. */
static void test_w_stop_drains(void **state) {
  static tjob j[NGATE];
  pthread_t th[NGATE], g;
  web_status gs = WEB_EDB;
  int i;
  (void)state;
  make_t();
  gate_start(&g, &gs, NGATE);
  for (i = 0; i < NGATE; i++) {
    j[i] = (tjob){i + 1, 0, 1, 0, WEB_EDB, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, tjob_thread, &j[i]), 0);
  }
  wait_arrived(NGATE);
  /* the gate holds the writer until the jobs are queued */
  pthread_mutex_lock(&gate_mu);
  while (gate_in != 2) pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
  db_writer_stop();
  /* every row is in before stop returned */
  assert_int_equal(q1("SELECT count(*) FROM t"), NGATE);
  for (i = 0; i < NGATE; i++) pthread_join(th[i], NULL);
  pthread_join(g, NULL);
  assert_int_equal(gs, WEB_OK);
  for (i = 0; i < NGATE; i++) {
    assert_int_equal(j[i].s, WEB_OK);
    assert_false(pthread_equal(j[i].ran_on, j[i].self));
  }
  /* afterwards: the mutex path, on this thread */
  j[0] = (tjob){500, 0, 0, 0, WEB_EDB, 0, 0};
  assert_int_equal(db_write(tjob_fn, &j[0]), WEB_OK);
  assert_true(pthread_equal(j[0].ran_on, pthread_self()));
  db_writer_stop(); /* a no-op now */
  assert_int_equal(t_has(500), 1);
}

/* The writer checkpoints a WAL over 4000 frames: after ~6,800 frames
** of commits the WAL holds far fewer (without it, autocheckpoint off,
** it would hold them all). */
typedef struct blobjob {
  int64_t v;
} blobjob;

static web_status blob_fn(sqlite3 *db, void *arg) {
  blobjob *b = arg;
  sqlite3_stmt *st = db_stmt(db, "INSERT INTO big (id, b) VALUES (?1,"
                                  " zeroblob(65536))");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, b->v);
  return db_exec_stmt(st);
}

static void test_w_checkpoint(void **state) {
  fix *f = *state;
  sqlite3 *raw = NULL;
  blobjob b;
  int nlog = -1, nckpt = -1, i;
  exec_ok("CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)");
  for (i = 0; i < 400; i++) {
    b.v = i + 1;
    assert_int_equal(db_write(blob_fn, &b), WEB_OK);
  }
  assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
  /* a first read opens the WAL on this connection */
  assert_int_equal(q1_on(raw, "SELECT count(*) FROM big"), 400);
  assert_int_equal(sqlite3_wal_checkpoint_v2(raw, NULL,
                                             SQLITE_CHECKPOINT_PASSIVE,
                                             &nlog, &nckpt),
                   SQLITE_OK);
  sqlite3_close(raw);
  print_message("# WAL after 400 x 64 KiB commits: %d frames\n", nlog);
  assert_true(nlog > 0);
  assert_true(nlog < 4000 + 400);
  assert_int_equal(q1("SELECT count(*) FROM big"), 400);
}

/* The control for the test above: without the writer the WAL grows. */
static void test_w_checkpoint_control(void **state) {
  fix *f = *state;
  sqlite3 *raw = NULL;
  blobjob b;
  int nlog = -1, nckpt = -1, i;
  db_writer_stop();
  sqlite3_wal_autocheckpoint(db_get(), 0);
  exec_ok("CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)");
  for (i = 0; i < 400; i++) {
    b.v = i + 1;
    assert_int_equal(db_write(blob_fn, &b), WEB_OK);
  }
  assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
  /* a first read opens the WAL on this connection */
  assert_int_equal(q1_on(raw, "SELECT count(*) FROM big"), 400);
  assert_int_equal(sqlite3_wal_checkpoint_v2(raw, NULL,
                                             SQLITE_CHECKPOINT_PASSIVE,
                                             &nlog, &nckpt),
                   SQLITE_OK);
  sqlite3_close(raw);
  print_message("# the same without the writer: %d frames\n", nlog);
  assert_true(nlog >= 400 * 16);
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
      /* the same with the writer running */
      cmocka_unit_test_setup_teardown(test_write_commit, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_write_rollback, setup_w,
                                      teardown_w),
      cmocka_unit_test_setup_teardown(test_write_retry_fn, setup_w,
                                      teardown_w),
      cmocka_unit_test_setup_teardown(test_write_nested, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_thread_connection, setup_w,
                                      teardown_w),
      cmocka_unit_test_setup_teardown(test_w_thread, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_settings, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_batch, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_savepoint, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_conflict, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_fifo, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_isolate, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_race, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_stop_drains, setup_w,
                                      teardown_w),
      cmocka_unit_test_setup_teardown(test_w_checkpoint, setup_w, teardown_w),
      cmocka_unit_test_setup_teardown(test_w_checkpoint_control, setup_w,
                                      teardown_w),
      cmocka_unit_test_setup_teardown(test_strerror, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
