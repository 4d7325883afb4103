/*
** db.c: SQLite connections, the per-thread statement cache and db_write(),
** the one way the service writes.
**
** Each thread has its own connection (_Thread_local), opened lazily on the
** path db_init() remembered, with the pragmas of docs/design/service.md
** §1.  A new database file is created mode 0600.  The main thread's
** connection is the one db_init() opened.  Nothing here takes SQL built
** from input: pragmas and BEGIN/COMMIT/ROLLBACK are constant text, and
** everything else goes through db_stmt() (prepared statements with bound
** parameters).  sqlite3_exec() is not used in this
** file; only migrate.c runs SQL text that way.
*/
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "web.h"

#define DB_PATH_MAX 4096
#define DB_BUSY_MS 5000

/* Set by db_init() before any thread starts, then only read. */
static char db_path[DB_PATH_MAX];
static int db_version;

typedef struct stmt_slot {
  const char *sql; /* the key: the address of a string literal */
  sqlite3_stmt *st;
} stmt_slot;

/* This thread's connection and its statement cache: an open-addressed
** table keyed by the SQL pointer. */
static _Thread_local sqlite3 *tl_db;
static _Thread_local stmt_slot tl_cache[DB_STMT_CACHE];
static _Thread_local size_t tl_ncache;

/* Runs one constant statement (a pragma, BEGIN, COMMIT...) to the end. */
static int exec1(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  do {
    rc = sqlite3_step(st);
  } while (rc == SQLITE_ROW);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The pragmas every connection gets.  journal_mode is checked: a file
** system without shared memory silently keeps the rollback journal. */
static int setup(sqlite3 *db, char *err, size_t cap) {
  static const char *const pragmas[] = {
      "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
      "PRAGMA secure_delete=ON"};
  sqlite3_stmt *st = NULL;
  char mode[16] = "";
  int rc;
  size_t i;
  sqlite3_busy_timeout(db, DB_BUSY_MS);
  /* no writable_schema, no schema-changing pragmas from SQL text */
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const unsigned char *m = sqlite3_column_text(st, 0);
    if (m) snprintf(mode, sizeof(mode), "%s", (const char *)m);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    snprintf(err, cap, "cannot set WAL mode: %s", sqlite3_errmsg(db));
    return rc;
  }
  if (strcmp(mode, "wal") != 0) {
    snprintf(err, cap, "the database cannot use WAL mode (journal mode "
             "is \"%s\"); put it on a local file system", mode);
    return SQLITE_ERROR;
  }
  for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
    rc = exec1(db, pragmas[i]);
    if (rc != SQLITE_OK) {
      snprintf(err, cap, "%s: %s", pragmas[i], sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

static sqlite3 *open_conn(const char *path, int flags, char *err,
                          size_t cap, int *rcp) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX |
                                          SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, cap, "%s: %s", path,
             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  } else {
    rc = setup(db, err, cap);
  }
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    db = NULL;
  }
  *rcp = rc;
  return db;
}

web_status db_init(const char *path, char *err, size_t errcap) {
  int rc, fd, v = 0;
  web_status s;
  if (!path || !*path || strlen(path) >= sizeof(db_path)) {
    snprintf(err, errcap, "bad database path");
    return WEB_EIO;
  }
  if (sodium_init() < 0) {
    snprintf(err, errcap, "libsodium failed to initialise");
    return WEB_ECRYPTO;
  }
  db_close_thread();
  db_version = 0;
  /* A new database holds password hashes and emails: create it 0600
  ** (an empty file is an empty database); SQLite gives its -wal and -shm
  ** files the same mode. */
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  tl_db = open_conn(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err,
                    errcap, &rc);
  if (!tl_db) return rc == SQLITE_CANTOPEN ? WEB_EIO : db_status(rc);
  s = migrate_apply(tl_db, &v, err, errcap);
  if (s != WEB_OK) {
    db_close_thread();
    return s;
  }
  memcpy(db_path, path, strlen(path) + 1);
  db_version = v;
  return WEB_OK;
}

/* Threads we do not start (libmicrohttpd's pool) close their connection
** when they exit, through this key's destructor. */
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static void thread_gone(void *p) {
  (void)p;
  db_close_thread();
}
static void make_key(void) { pthread_key_create(&tl_key, thread_gone); }

sqlite3 *db_get(void) {
  char err[256];
  int rc;
  if (tl_db) return tl_db;
  pthread_once(&tl_once, make_key);
  if (!db_path[0]) {
    fprintf(stderr, "hustings: db_get before db_init\n");
    return NULL;
  }
  tl_db = open_conn(db_path, SQLITE_OPEN_READWRITE, err, sizeof(err), &rc);
  if (!tl_db) fprintf(stderr, "hustings: database: %s\n", err);
  else pthread_setspecific(tl_key, tl_db);
  return tl_db;
}

void db_close_thread(void) {
  size_t i;
  for (i = 0; i < DB_STMT_CACHE; i++) {
    if (tl_cache[i].st) sqlite3_finalize(tl_cache[i].st);
    tl_cache[i].st = NULL;
    tl_cache[i].sql = NULL;
  }
  tl_ncache = 0;
  if (tl_db) sqlite3_close_v2(tl_db);
  tl_db = NULL;
}

static size_t slot_of(const char *sql) {
  uintptr_t h = (uintptr_t)sql;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15u;
  return (size_t)(h >> 7) % DB_STMT_CACHE;
}

sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql) {
  size_t i, k;
  stmt_slot *s;
  int rc;
  if (!db || !sql) return NULL;
  if (db != tl_db) {
    /* the cache belongs to this thread's connection */
    fprintf(stderr, "hustings: db_stmt on a connection not from db_get\n");
    return NULL;
  }
  i = slot_of(sql);
  for (k = 0; k < DB_STMT_CACHE; k++) {
    s = &tl_cache[(i + k) % DB_STMT_CACHE];
    if (s->sql == sql) {
      sqlite3_reset(s->st);
      sqlite3_clear_bindings(s->st);
      return s->st;
    }
    if (!s->sql) break;
  }
  if (k == DB_STMT_CACHE || tl_ncache + 1 >= DB_STMT_CACHE) {
    fprintf(stderr, "hustings: statement cache full (%d): pass string "
            "literals to db_stmt\n", DB_STMT_CACHE);
    return NULL;
  }
  rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st,
                          NULL);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "hustings: prepare: %s: %s\n", sqlite3_errmsg(db), sql);
    sqlite3_finalize(s->st);
    s->st = NULL;
    return NULL;
  }
  s->sql = sql;
  tl_ncache++;
  return s->st;
}

void db_reset_all(void) {
  size_t i;
  for (i = 0; i < DB_STMT_CACHE; i++)
    if (tl_cache[i].st) sqlite3_reset(tl_cache[i].st);
}

web_status db_status(int rc) {
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_ROW:
  case SQLITE_DONE:
    return WEB_OK;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return WEB_EBUSY;
  case SQLITE_CONSTRAINT:
    return WEB_ECONFLICT;
  case SQLITE_NOMEM:
    return WEB_ENOMEM;
  default:
    return WEB_EDB;
  }
}

web_status db_exec_stmt(sqlite3_stmt *st) {
  int rc;
  web_status s;
  if (!st) return WEB_EDB;
  rc = sqlite3_step(st);
  s = db_status(rc);
  if (s == WEB_EDB)
    fprintf(stderr, "hustings: sqlite: %s\n",
            sqlite3_errmsg(sqlite3_db_handle(st)));
  sqlite3_reset(st);
  return s;
}

/* Ends a failed attempt: statements first (a pending one would keep the
** rollback from finishing cleanly), then the transaction if SQLite has
** not already rolled it back itself. */
static void rollback(sqlite3 *db) {
  db_reset_all();
  if (!sqlite3_get_autocommit(db)) exec1(db, "ROLLBACK");
}

/* Writers in this process queue on a mutex before BEGIN IMMEDIATE, so
** they take turns in order instead of sleeping in SQLite's busy handler
** (which backs off 1, 2, 5 ... 100 ms and made the p99 of small writes
** 0.5 s under 64 clients: bench/README.md).  Other processes (the
** commands) still meet busy_timeout. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

/* One try: BEGIN IMMEDIATE, fn, COMMIT (or ROLLBACK). */
static web_status write_once(sqlite3 *db, db_fn fn, void *ctx) {
  web_status s;
  int rc;
  db_reset_all();
  rc = exec1(db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) {
    s = db_status(rc);
    rollback(db);
    if (s != WEB_EBUSY)
      fprintf(stderr, "hustings: BEGIN: %s\n", sqlite3_errmsg(db));
    return s;
  }
  s = fn(db, ctx);
  if (s == WEB_OK) {
    db_reset_all();
    rc = exec1(db, "COMMIT");
    if (rc == SQLITE_OK) return WEB_OK;
    s = db_status(rc);
    if (s == WEB_OK) s = WEB_EDB;
    if (s != WEB_EBUSY)
      fprintf(stderr, "hustings: COMMIT: %s\n", sqlite3_errmsg(db));
  }
  rollback(db);
  return s;
}

web_status db_write(db_fn fn, void *ctx) {
  sqlite3 *db = db_get();
  web_status s = WEB_EBUSY;
  int tries;
  if (!db) return WEB_EDB;
  if (!sqlite3_get_autocommit(db)) {
    fprintf(stderr, "hustings: db_write inside a transaction\n");
    return WEB_EDB;
  }
  for (tries = 0; tries < DB_WRITE_TRIES; tries++) {
    pthread_mutex_lock(&write_mu);
    s = write_once(db, fn, ctx);
    pthread_mutex_unlock(&write_mu);
    if (s != WEB_EBUSY) return s;
  }
  return WEB_EBUSY;
}

int db_schema_version(void) { return db_version; }
