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
**
** Writes: without the writer thread (the commands, most unit tests),
** db_write() runs fn on the caller's connection under a process-wide
** mutex.  `hustings serve` starts the writer (db_writer_start), which owns
** one more connection and commits queued jobs in batches, one SAVEPOINT
** per job and one COMMIT per batch (docs/design/ballot.md §4); it also
** checkpoints the WAL.  The writer owns its connection and the jobs it has
** taken; each job is owned by the db_write() call waiting for it.
**
** Storage failures (the disk full, a file-size limit, a read-only or
** failing file system: SQLITE_FULL, SQLITE_IOERR*, SQLITE_READONLY*,
** SQLITE_CANTOPEN) are WEB_EIO: nothing of the write is kept, the caller
** answers 503, and the same write succeeds once the storage is writable
** again (docs/serve.md "When the disk fills or goes read-only").  They
** are logged with the file, the SQLite code and errno, at most one line a
** second, and one line when writes work again.
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <sys/statvfs.h>
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

/* ------------------------------------------------- storage failures */

/* Whether rc says the storage failed rather than the SQL or a lock. */
static int is_storage(int rc) {
  switch (rc & 0xff) {
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_READONLY:
  case SQLITE_CANTOPEN:
    return 1;
  default:
    return 0;
  }
}

/* " (SQLITE_IOERR_WRITE: a write failed: the disk is full, a file-size
** limit, or a failing device)": what an operator needs beside
** sqlite3_errmsg's "disk I/O error".  errno is added when SQLite kept it
** (it often does not: the error is found after other system calls). */
static void describe(sqlite3 *db, int rc, char *out, size_t cap) {
  static const struct {
    int code;
    const char *name, *hint;
  } names[] = {
      {SQLITE_IOERR_WRITE, "SQLITE_IOERR_WRITE",
       "a write failed: the disk is full, a file-size limit, or a failing "
       "device"},
      {SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC", "fsync failed"},
      {SQLITE_IOERR_TRUNCATE, "SQLITE_IOERR_TRUNCATE", "truncate failed"},
      {SQLITE_IOERR_SHMSIZE, "SQLITE_IOERR_SHMSIZE",
       "cannot grow the -shm file: the disk is full or a file-size limit"},
      {SQLITE_IOERR_SHMOPEN, "SQLITE_IOERR_SHMOPEN",
       "cannot open the -shm file"},
      {SQLITE_IOERR_READ, "SQLITE_IOERR_READ", "a read failed"},
      {SQLITE_FULL, "SQLITE_FULL", "the disk is full"},
      {SQLITE_IOERR, "SQLITE_IOERR", "input/output error"},
      {SQLITE_READONLY, "SQLITE_READONLY",
       "the database, its directory or its file system is read-only"},
      {SQLITE_CANTOPEN, "SQLITE_CANTOPEN",
       "cannot open or create the file, its -wal or its -shm"},
      {SQLITE_BUSY, "SQLITE_BUSY", "locked by another process"},
      {SQLITE_CORRUPT, "SQLITE_CORRUPT", "the file is damaged"},
      {SQLITE_NOMEM, "SQLITE_NOMEM", "out of memory"}};
  int e = db ? sqlite3_system_errno(db) : 0;
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].code == rc) break;
  if (i == sizeof names / sizeof names[0])
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
      if (names[i].code == (rc & 0xff)) break;
  if (i == sizeof names / sizeof names[0])
    snprintf(out, cap, " (SQLite code %d)", rc);
  else if (e)
    snprintf(out, cap, " (%s: %s; errno %d: %s)", names[i].name,
             names[i].hint, e, strerror(e));
  else
    snprintf(out, cap, " (%s: %s)", names[i].name, names[i].hint);
}

/* "; the file system holding it is read-only", or "". */
static const char *ro_note(const char *path) {
  struct statvfs sv;
  return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY)
             ? "; the file system holding it is read-only"
             : "";
}

/* Storage failures are logged at most once a second (a full disk fails
** every write: one line each would flood the log), with the number left
** out; the first write that commits after them says so. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int st_failing; /* a storage failure since the last commit */
static long st_untold;        /* failures not logged since the last line */
static long st_total;         /* failures since the last commit */
static struct timespec st_last;

static void log_storage(sqlite3 *db, const char *what, int rc) {
  struct timespec now;
  char why[160];
  long untold;
  describe(db, rc, why, sizeof why);
  clock_gettime(CLOCK_MONOTONIC, &now);
  pthread_mutex_lock(&log_mu);
  st_total++;
  atomic_store(&st_failing, 1);
  if (st_total > 1 && now.tv_sec - st_last.tv_sec < 1) {
    st_untold++;
    pthread_mutex_unlock(&log_mu);
    return;
  }
  untold = st_untold;
  st_untold = 0;
  st_last = now;
  pthread_mutex_unlock(&log_mu);
  if (untold)
    fprintf(stderr, "hustings: database %s: %s: %s%s; nothing was saved "
            "(%ld more such failures)\n", db_path[0] ? db_path : "(opening)",
            what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), why, untold);
  else
    fprintf(stderr, "hustings: database %s: %s: %s%s; nothing was saved\n",
            db_path[0] ? db_path : "(opening)", what,
            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), why);
}

/* After a commit: the storage works again. */
static void storage_ok(void) {
  long n;
  if (!atomic_load(&st_failing)) return;
  pthread_mutex_lock(&log_mu);
  n = st_total;
  st_total = 0;
  st_untold = 0;
  atomic_store(&st_failing, 0);
  pthread_mutex_unlock(&log_mu);
  if (n)
    fprintf(stderr, "hustings: database %s: writes work again (%ld failed "
            "meanwhile)\n", db_path, n);
}

/* Logs a failed BEGIN, COMMIT or statement: storage failures through
** log_storage, others as before; a busy database is not news. */
static void log_failure(sqlite3 *db, const char *what, int rc) {
  char why[160];
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return;
  if (is_storage(rc)) {
    log_storage(db, what, rc);
    return;
  }
  describe(db, rc, why, sizeof why);
  fprintf(stderr, "hustings: database %s: %s: %s%s\n", db_path, what,
          sqlite3_errmsg(db), why);
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
    char why[160];
    describe(db, rc, why, sizeof why);
    snprintf(err, cap, "cannot open it in WAL mode: %s%s",
             sqlite3_errmsg(db), why);
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
      char why[160];
      describe(db, rc, why, sizeof why);
      snprintf(err, cap, "%s: %s%s", pragmas[i], sqlite3_errmsg(db), why);
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
    char why[160];
    describe(db, rc, why, sizeof why);
    snprintf(err, cap, "%s: %s%s%s", path,
             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), why,
             ro_note(path));
  } else {
    char what[512];
    rc = setup(db, what, sizeof what);
    if (rc != SQLITE_OK)
      snprintf(err, cap, "%s: %s%s", path, what, ro_note(path));
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
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_READONLY:
  case SQLITE_CANTOPEN:
    return WEB_EIO; /* the storage: is_storage() */
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
  else if (s == WEB_EIO)
    log_storage(sqlite3_db_handle(st), "statement", rc);
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
** commands) still meet busy_timeout.  The writer thread takes it too,
** for each batch, so the two paths never overlap while it starts or
** stops. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

/* One try: BEGIN IMMEDIATE, fn, COMMIT (or ROLLBACK). */
static web_status write_once(sqlite3 *db, db_fn fn, void *ctx) {
  web_status s;
  int rc;
  db_reset_all();
  rc = exec1(db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) {
    s = db_status(rc);
    if (s == WEB_OK) s = WEB_EDB;
    log_failure(db, "BEGIN", rc);
    rollback(db);
    return s;
  }
  s = fn(db, ctx);
  /* a statement of fn met the storage failure (a large write spills
  ** before COMMIT); fn's own checks may not have logged it */
  if (s == WEB_EIO && is_storage(sqlite3_extended_errcode(db)))
    log_storage(db, "write", sqlite3_extended_errcode(db));
  if (s == WEB_OK) {
    db_reset_all();
    rc = exec1(db, "COMMIT");
    if (rc == SQLITE_OK) {
      storage_ok();
      return WEB_OK;
    }
    s = db_status(rc);
    if (s == WEB_OK) s = WEB_EDB;
    log_failure(db, "COMMIT", rc);
  }
  rollback(db);
  return s;
}

/* One job in its own transaction, tried up to DB_WRITE_TRIES times while
** it meets WEB_EBUSY: the path of every write without the writer, and of
** the writer's single jobs and isolated batches.  The caller holds
** write_mu. */
static web_status write_alone(sqlite3 *db, db_fn fn, void *ctx) {
  web_status s = WEB_EBUSY;
  int tries;
  for (tries = 0; tries < DB_WRITE_TRIES; tries++) {
    s = write_once(db, fn, ctx);
    if (s != WEB_EBUSY) break;
  }
  return s;
}

/* ------------------------------------------------------ the writer thread
**
** docs/design/ballot.md §4: while the writer runs, db_write() queues a
** job and sleeps until the writer has run it.  The writer takes up to
** DB_BATCH_MAX queued jobs (oldest first) and runs them in one
** transaction, each inside its own SAVEPOINT, so a job that fails rolls
** back only itself, and the batch costs one COMMIT (one fdatasync).
** Jobs live on their callers' stacks; q_mu guards the queue, w_state and
** every job's done flag. */

#define DB_BATCH_MAX 64
#define DB_CKPT_FRAMES 4000      /* WAL frames before a checkpoint */
#define DB_WAL_LIMIT "67108864"  /* journal_size_limit: 64 MiB */

typedef struct db_job {
  db_fn fn;
  void *ctx;
  web_status status;
  int done;
  pthread_cond_t cv; /* signalled under q_mu when done is set */
  struct db_job *next;
} db_job;

enum { W_OFF, W_RUNNING, W_STOPPING };

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER; /* work, or stop */
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static db_job *q_head, *q_tail;
static int w_state = W_OFF;
static int w_started;          /* start handshake: the writer got this far */
static web_status w_start_status;
static pthread_t w_tid;

size_t db_writer_queued(void) {
  size_t n = 0;
  db_job *j;
  pthread_mutex_lock(&q_mu);
  for (j = q_head; j; j = j->next) n++;
  pthread_mutex_unlock(&q_mu);
  return n;
}

/* On the writer thread only. */
static _Thread_local int tl_writer;
static _Thread_local int tl_wal_frames; /* from the WAL hook, last commit */

/* Constant statements the writer runs for every batch, kept in its
** statement cache (db_stmt keys on these addresses). */
static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_sp[] = "SAVEPOINT w";
static const char sql_sp_undo[] = "ROLLBACK TO w";
static const char sql_sp_release[] = "RELEASE w";

static int exec_cached(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = db_stmt(db, sql);
  int rc;
  if (!st) return SQLITE_ERROR;
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)arg;
  (void)db;
  (void)name;
  tl_wal_frames = frames;
  return SQLITE_OK;
}

/* A PASSIVE checkpoint (it never waits for readers or blocks writers of
** other processes) when the last commit left more than DB_CKPT_FRAMES
** frames in the WAL, at most once a second.  It runs between batches, so
** the jobs just committed have their answers already, and the queue
** waits meanwhile (tried: up to 250 ms, once a second, under 16,000
** 3 KB writes/s from 64 threads).  Run on another thread it would not
** hold up the queue, but under steady writes it never catches up with
** the writer, so the WAL is never restarted and only grows (tried: 270
** MiB against 60-90 MiB here); here the writer is idle while it runs, so
** the next transaction starts the WAL again from the beginning. */
static void maybe_checkpoint(sqlite3 *db, struct timespec *last,
                             int *ran) {
  struct timespec now;
  int rc, nlog = 0, nckpt = 0;
  if (tl_wal_frames <= DB_CKPT_FRAMES) return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (*ran && (now.tv_sec - last->tv_sec) * 1000000000L +
                      (now.tv_nsec - last->tv_nsec) < 1000000000L)
    return;
  *last = now;
  *ran = 1;
  rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog,
                                 &nckpt);
  /* a failed checkpoint loses nothing (the frames stay in the WAL, and
  ** are tried again next time); a storage failure is rate-limited */
  if (rc != SQLITE_OK) log_failure(db, "checkpoint", rc);
}

/* Runs b[0..n) as one transaction; sets every job's status. */
static void run_batch(sqlite3 *db, db_job **b, size_t n) {
  size_t i;
  int rc = SQLITE_BUSY, broken = 0, tries;
  web_status s;
  if (n == 1) {
    b[0]->status = write_alone(db, b[0]->fn, b[0]->ctx);
    return;
  }
  db_reset_all();
  /* Another process may hold the write lock (busy_timeout waits for it):
  ** the batch is tried as a whole, as one job would be, and nothing has
  ** run yet if it never gets the lock. */
  for (tries = 0; tries < DB_WRITE_TRIES; tries++) {
    rc = exec_cached(db, sql_begin);
    if (rc == SQLITE_OK) break;
    rollback(db);
    if (db_status(rc) != WEB_EBUSY) break;
  }
  if (rc != SQLITE_OK) {
    s = db_status(rc);
    if (s == WEB_OK) s = WEB_EDB;
    log_failure(db, "BEGIN", rc);
    for (i = 0; i < n; i++) b[i]->status = s;
    return;
  }
  for (i = 0; i < n && !broken; i++) {
    if (exec_cached(db, sql_sp) != SQLITE_OK) {
      broken = 1;
      break;
    }
    b[i]->status = b[i]->fn(db, b[i]->ctx);
    db_reset_all();
    /* SQLite rolled the whole transaction back (IOERR, FULL, NOMEM...),
    ** or fn met a lock: the batch is lost */
    if (sqlite3_get_autocommit(db) || b[i]->status == WEB_EBUSY) {
      broken = 1;
      break;
    }
    /* a failed job is undone (this job only), then released */
    if ((b[i]->status != WEB_OK &&
         exec_cached(db, sql_sp_undo) != SQLITE_OK) ||
        exec_cached(db, sql_sp_release) != SQLITE_OK)
      broken = 1;
  }
  if (!broken) {
    rc = exec_cached(db, sql_commit);
    if (rc == SQLITE_OK) {
      storage_ok();
      return;
    }
    if (is_storage(rc))
      log_storage(db, "COMMIT of a batch (its jobs are run again one by "
                  "one)", rc);
    else if ((rc & 0xff) != SQLITE_BUSY)
      fprintf(stderr, "hustings: COMMIT of %zu jobs: %s; running them one "
              "by one\n", n, sqlite3_errmsg(db));
  }
  /* Isolate: nothing of the batch is kept; each job runs again on its
  ** own, so one bad job cannot fail the others and every status is the
  ** job's own.  After a storage failure each fails on its own too (and
  ** answers 503); nothing is left half-written either way. */
  rollback(db);
  for (i = 0; i < n; i++) b[i]->status = write_alone(db, b[i]->fn, b[i]->ctx);
}

static void *writer_main(void *arg) {
  db_job *b[DB_BATCH_MAX];
  struct timespec last_ckpt = {0, 0};
  int ckpt_ran = 0;
  sqlite3 *db;
  size_t n, i;
  (void)arg;
  tl_writer = 1;
  db = db_get();
  if (db) {
    /* checkpoints are maybe_checkpoint's, not every commit's */
    sqlite3_wal_autocheckpoint(db, 0);
    sqlite3_wal_hook(db, wal_hook, NULL);
    if (exec1(db, "PRAGMA journal_size_limit = " DB_WAL_LIMIT) != SQLITE_OK)
      fprintf(stderr, "hustings: journal_size_limit: %s\n",
              sqlite3_errmsg(db));
  }
  pthread_mutex_lock(&q_mu);
  w_start_status = db ? WEB_OK : WEB_EDB;
  w_started = 1;
  pthread_cond_signal(&start_cv);
  if (!db) {
    pthread_mutex_unlock(&q_mu);
    return NULL;
  }
  for (;;) {
    while (!q_head && w_state == W_RUNNING) pthread_cond_wait(&q_cv, &q_mu);
    if (!q_head) break; /* stopping, and the queue is drained */
    for (n = 0; n < DB_BATCH_MAX && q_head; n++) {
      b[n] = q_head;
      q_head = q_head->next;
    }
    if (!q_head) q_tail = NULL;
    pthread_mutex_unlock(&q_mu);
    pthread_mutex_lock(&write_mu);
    run_batch(db, b, n);
    if (!sqlite3_get_autocommit(db)) {
      /* cannot happen (every path above ends in COMMIT or ROLLBACK); if
      ** it did, the next batch's BEGIN would fail for ever */
      fprintf(stderr, "hustings: database %s: the writer was left in a "
              "transaction; rolling it back\n", db_path);
      rollback(db);
    }
    pthread_mutex_unlock(&write_mu);
    pthread_mutex_lock(&q_mu);
    /* a job's caller may return (and its stack frame go) as soon as
    ** q_mu is released: nothing below touches b[] after that */
    for (i = 0; i < n; i++) {
      b[i]->done = 1;
      pthread_cond_signal(&b[i]->cv);
    }
    pthread_mutex_unlock(&q_mu);
    maybe_checkpoint(db, &last_ckpt, &ckpt_ran);
    pthread_mutex_lock(&q_mu);
  }
  w_state = W_OFF;
  pthread_mutex_unlock(&q_mu);
  db_close_thread();
  return NULL;
}

web_status db_writer_start(void) {
  const char *mode = getenv("HUSTINGS_WRITER");
  sigset_t all, old;
  int rc;
  if (mode && strcmp(mode, "mutex") == 0) return WEB_OK; /* bench: as before */
  if (mode && *mode && strcmp(mode, "thread") != 0)
    fprintf(stderr, "hustings: HUSTINGS_WRITER=%s: expected mutex or "
            "thread; using thread\n", mode);
  if (!db_path[0]) return WEB_EDB;
  pthread_mutex_lock(&q_mu);
  if (w_state != W_OFF) {
    pthread_mutex_unlock(&q_mu);
    return w_state == W_RUNNING ? WEB_OK : WEB_EBUSY;
  }
  w_state = W_RUNNING;
  w_started = 0;
  pthread_mutex_unlock(&q_mu);
  /* the writer takes no signals: serve.c waits for them in sigwait */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&w_tid, NULL, writer_main, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_mutex_lock(&q_mu);
  if (rc != 0) {
    w_state = W_OFF;
    pthread_mutex_unlock(&q_mu);
    fprintf(stderr, "hustings: cannot start the writer thread\n");
    return WEB_ENOMEM;
  }
  while (!w_started) pthread_cond_wait(&start_cv, &q_mu);
  if (w_start_status != WEB_OK) {
    w_state = W_OFF;
    pthread_mutex_unlock(&q_mu);
    pthread_join(w_tid, NULL);
    return w_start_status;
  }
  pthread_mutex_unlock(&q_mu);
  return WEB_OK;
}

void db_writer_stop(void) {
  pthread_mutex_lock(&q_mu);
  if (w_state != W_RUNNING) {
    pthread_mutex_unlock(&q_mu);
    return;
  }
  w_state = W_STOPPING;
  pthread_cond_signal(&q_cv);
  pthread_mutex_unlock(&q_mu);
  pthread_join(w_tid, NULL);
}

web_status db_write(db_fn fn, void *ctx) {
  sqlite3 *db;
  web_status s;
  db_job j;
  if (tl_writer) {
    fprintf(stderr, "hustings: db_write inside a transaction\n");
    return WEB_EDB;
  }
  /* as before: a caller in a transaction of its own is refused, and its
  ** cached statements are reset, so that reads after this write start a
  ** new snapshot that sees it */
  if (tl_db) {
    if (!sqlite3_get_autocommit(tl_db)) {
      fprintf(stderr, "hustings: db_write inside a transaction\n");
      return WEB_EDB;
    }
    db_reset_all();
  }
  pthread_mutex_lock(&q_mu);
  if (w_state != W_OFF) {
    j.fn = fn;
    j.ctx = ctx;
    j.status = WEB_EDB;
    j.done = 0;
    j.next = NULL;
    pthread_cond_init(&j.cv, NULL);
    if (q_tail) q_tail->next = &j;
    else q_head = &j;
    q_tail = &j;
    pthread_cond_signal(&q_cv);
    while (!j.done) pthread_cond_wait(&j.cv, &q_mu);
    pthread_mutex_unlock(&q_mu);
    pthread_cond_destroy(&j.cv);
    /* the writer unlinked j from q_head/q_tail before it set j.done */
    /* NOLINTNEXTLINE(clang-analyzer-core.StackAddressEscape): see above */
    return j.status;
  }
  pthread_mutex_unlock(&q_mu);
  /* no writer (the commands, most unit tests): this thread's connection */
  db = db_get();
  if (!db) return WEB_EDB;
  pthread_mutex_lock(&write_mu);
  s = write_alone(db, fn, ctx);
  pthread_mutex_unlock(&write_mu);
  return s;
}

int64_t db_int1(sqlite3 *db, const char *sql, int64_t id) {
  sqlite3_stmt *st = db_stmt(db, sql);
  int64_t n = -1;
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, id);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

int db_schema_version(void) { return db_version; }
