/*
** test_storage.c: casting (and an administrator's write) when the storage
** fails under a running `hustings serve`, and starting on storage that
** cannot be written (issue 7; docs/serve.md "When the disk fills or goes
** read-only").  Each case runs its own server on a copy of one `hustings
** demo --voting` database (voting open; the codes are read from the
** outbox, as in test_vote.c):
**   - a file-size limit (prlimit RLIMIT_FSIZE on the server, below its
**     WAL: writes fail with EFBIG, SQLITE_IOERR_WRITE): a cast answers
**     503 "not recorded" with a retry form, twelve simultaneous casts
**     (batches for the writer thread, then one by one) all 503, an API
**     write a 503 JSON error and an administrator's form post a 503 page;
**     nothing is half-written (credentials unused, no ballot, no receipt,
**     nobody marked voted, no audit row); reads still work; the log names
**     the file and SQLite's code, without a line per failure.
**     The limit raised, the same code and the twelve others cast (one
**     ballot and one receipt each) and the API write succeeds, without a
**     restart; integrity_check ok.  Stopped under the limit (its closing
**     checkpoint fails), the server exits 0 and a restart finds every
**     vote; audit-verify passes;
**   - starting under a file-size limit: refused, status 2, a message
**     naming the file and the cause;
**   - with a tmpfs (mount(2), as root with CAP_SYS_ADMIN; SKIP elsewhere):
**     a full disk (ENOSPC, SQLITE_FULL) under a running server: as above,
**     and deleting the filler file lets the same code cast; then killed
**     (SIGKILL) with the disk full, its restart is refused by the start-up
**     probe write until there is space, and then finds every vote;
**     starting on a read-only file system or a full one: refused, status
**     2, with the reason; once it is writable again the server starts.
** A read-only remount under a running server cannot be made (the kernel
** refuses it while the database is open for writing: EBUSY), so the
** read-only case is the start-up one.
** Every mount is detached in the case's teardown, also on failure.
*/
#define _GNU_SOURCE /* prlimit */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "client.h"
#include "testutil.h"

extern char **environ;

#define EL "steering-2027"
#define ADMIN_PW "correct horse battery staple"
#define NCONC 12 /* simultaneous casts: batches for the writer */

static const char *argv0;
static char top[256];      /* our mkdtemp directory */
static char tmpl[320];     /* the demo database every case copies */

/* One case's things, released by its teardown whatever happened. */
static struct {
  char dir[320];   /* the case's directory (a tmpfs mount point or not) */
  char db[400];    /* its database */
  int mounted;
  hc_server *srv;
} cs;

static void copy_file(const char *from, const char *to) {
  char buf[65536];
  ssize_t n;
  int in = open(from, O_RDONLY | O_CLOEXEC);
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(in >= 0 && out >= 0);
  while ((n = read(in, buf, sizeof buf)) > 0)
    assert_int_equal(write(out, buf, (size_t)n), n);
  assert_int_equal(n, 0);
  close(in);
  assert_int_equal(close(out), 0);
}

/* The demo database and its key file into the case's directory. */
static void place_db(void) {
  char from[420], to[420];
  snprintf(cs.db, sizeof cs.db, "%s/e.db", cs.dir);
  copy_file(tmpl, cs.db);
  snprintf(from, sizeof from, "%s.key", tmpl);
  snprintf(to, sizeof to, "%s.key", cs.db);
  copy_file(from, to);
}

/* A tmpfs of size bytes on the case's directory: 1, or 0 when this
** machine does not allow it (the reason printed for the SKIP). */
static int mount_tmpfs(const char *size) {
  char opt[64];
  snprintf(opt, sizeof opt, "size=%s,mode=0700", size);
  if (mount("hustings-test", cs.dir, "tmpfs", MS_NOSUID | MS_NODEV, opt) !=
      0) {
    printf("# SKIP: cannot mount a tmpfs on %s (%s): needs root with "
           "CAP_SYS_ADMIN\n", cs.dir, strerror(errno));
    return 0;
  }
  cs.mounted = 1;
  return 1;
}

static void remount(int ro) {
  assert_int_equal(mount(NULL, cs.dir, NULL,
                         MS_REMOUNT | MS_NOSUID | MS_NODEV |
                             (ro ? MS_RDONLY : 0),
                         NULL),
                   0);
}

/* Fills the case's file system: a file written until ENOSPC. */
static void fill(void) {
  static char buf[65536];
  char path[420];
  size_t chunk = sizeof buf;
  int fd;
  snprintf(path, sizeof path, "%s/filler", cs.dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  while (chunk) {
    ssize_t n = write(fd, buf, chunk);
    if (n < 0) {
      assert_int_equal(errno, ENOSPC);
      chunk /= 2;
    }
  }
  close(fd);
}

static void unfill(void) {
  char path[420];
  snprintf(path, sizeof path, "%s/filler", cs.dir);
  assert_int_equal(unlink(path), 0);
}

/* One value from the case's database, on a read-only connection (run in
** this process, which has no limit). */
static int64_t sql(const char *q) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t n = INT64_MIN;
  assert_int_equal(sqlite3_open_v2(cs.db, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (n == INT64_MIN) fprintf(stderr, "# %s: %s\n", q, sqlite3_errmsg(db));
  sqlite3_close(db);
  assert_true(n != INT64_MIN);
  return n;
}

static void integrity_ok(void) {
  sqlite3 *db;
  sqlite3_stmt *st;
  char got[256] = "";
  assert_int_equal(sqlite3_open_v2(cs.db, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
                                      NULL),
                   SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    snprintf(got, sizeof got, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (strcmp(got, "ok") != 0) fail_msg("integrity_check: %s", got);
}

/* What a refused write must leave alone. */
static const char *const snap_sql[] = {
    "SELECT count(*) FROM ballots",
    "SELECT count(*) FROM receipts",
    "SELECT count(*) FROM credentials WHERE used = 1",
    "SELECT count(*) FROM electors WHERE voted = 1",
    "SELECT max(seq) FROM audit",
    "SELECT count(*) FROM api_tokens",
    NULL};
#define NSNAP (sizeof snap_sql / sizeof snap_sql[0] - 1)
typedef struct snap {
  int64_t v[NSNAP];
} snap;

static snap snap_take(void) {
  snap s;
  size_t i;
  for (i = 0; i < NSNAP; i++) s.v[i] = sql(snap_sql[i]);
  return s;
}

/* Each value of now is before's plus the matching delta. */
static void snap_moved(const snap *before, const int64_t delta[NSNAP]) {
  snap now = snap_take();
  size_t i;
  int bad = 0;
  for (i = 0; i < NSNAP; i++)
    if (now.v[i] != before->v[i] + delta[i]) {
      fprintf(stderr, "# %s: %lld, wanted %lld\n", snap_sql[i],
              (long long)now.v[i], (long long)(before->v[i] + delta[i]));
      bad = 1;
    }
  if (bad) fail_msg("the database is not as expected");
}

static void snap_same(const snap *before) {
  static const int64_t zero[NSNAP];
  snap_moved(before, zero);
}

static int start_server(void) {
  const char *extra[] = {"--db", cs.db, "--trust-proxy", "127.0.0.1",
                         "--mail", "none", NULL};
  cs.srv = hc_start(hc_bin_from_argv0(argv0), extra);
  return cs.srv != NULL;
}

static int stop_server(void) {
  int rc = cs.srv ? hc_stop(cs.srv) : 0;
  cs.srv = NULL;
  return rc;
}

/* Sets the server's soft RLIMIT_FSIZE (its hard limit kept). */
static void set_fsize(rlim_t soft) {
  struct rlimit old, nw;
  pid_t pid = (pid_t)hc_pid(cs.srv);
  assert_int_equal(prlimit(pid, RLIMIT_FSIZE, NULL, &old), 0);
  nw.rlim_cur = soft == RLIM_INFINITY || soft > old.rlim_max ? old.rlim_max
                                                              : soft;
  nw.rlim_max = old.rlim_max;
  assert_int_equal(prlimit(pid, RLIMIT_FSIZE, &nw, NULL), 0);
}

static off_t wal_size(void) {
  char wal[420];
  struct stat sb;
  snprintf(wal, sizeof wal, "%s-wal", cs.db);
  return stat(wal, &sb) == 0 ? sb.st_size : 0;
}

/* The server is still there (not exited, not killed by a signal). */
static void alive(void) {
  assert_int_equal(kill((pid_t)hc_pid(cs.srv), 0), 0);
  {
    hc_resp *r = hc_request(cs.srv, "GET", "/e/" EL, hc_new_addr(), NULL, 0);
    check_status(r, 200);
    hc_resp_free(r);
  }
}

/* Lines of the server's log holding every one of the NULL-terminated
** strings. */
static int log_lines(const char *first, ...) {
  char *log = hc_log(cs.srv), *line, *next;
  int n = 0;
  for (line = log; line && *line; line = next) {
    va_list ap;
    const char *s;
    int all = 1;
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    else next = line + strlen(line);
    va_start(ap, first);
    for (s = first; s && all; s = va_arg(ap, const char *))
      all = strstr(line, s) != NULL;
    va_end(ap);
    n += all;
  }
  free(log);
  return n;
}

/* ------------------------------------------------------------- a voter */

typedef struct voter {
  char code[27];
  char csrf[65];
  char names[3][32]; /* the first three general candidates on the paper */
  hc_resp *r;        /* the answer to the last cast */
} voter;

/* The voting code in the latest credential email to memberI@... */
static void code_of(int i, char code[27]) {
  char addr[64];
  snprintf(addr, sizeof addr, "member%d@example.org", i);
  tu_voting_code(cs.db, addr, code);
}

/* Reads member i's paper: code, csrf and three candidates' fields. */
static void voter_get(voter *v, int i) {
  char path[64], pre[32];
  const char *p;
  int64_t general = sql("SELECT id FROM contests WHERE slug = 'general'");
  size_t n;
  hc_resp *r;
  memset(v, 0, sizeof *v);
  code_of(i, v->code);
  snprintf(path, sizeof path, "/v/%s", v->code);
  r = hc_request(cs.srv, "GET", path, hc_new_addr(), NULL, 0);
  check_status(r, 200);
  assert_int_equal(hc_csrf(r->body, v->csrf), 1);
  snprintf(pre, sizeof pre, "name=\"r.%lld.", (long long)general);
  p = r->body;
  for (n = 0; n < 3 && (p = hc_find(p, pre)) != NULL; n++) {
    const char *q = p + 6; /* after name=" */
    size_t len = strcspn(q, "\"");
    assert_true(len < sizeof v->names[n]);
    memcpy(v->names[n], q, len);
    v->names[n][len] = 0;
    p = q;
  }
  assert_int_equal(n, 3);
  hc_resp_free(r);
}

/* Casts v's ranking (its three candidates 1, 2, 3); v->r is the answer. */
static void *cast(void *arg) {
  voter *v = arg;
  char path[80];
  const char *f[] = {"csrf", v->csrf, v->names[0], "1", v->names[1], "2",
                     v->names[2], "3", NULL};
  snprintf(path, sizeof path, "/v/%s/cast", v->code);
  if (v->r) hc_resp_free(v->r);
  v->r = hc_post_formv(cs.srv, path, hc_new_addr(), f);
  return NULL;
}

/* Casts every voter of vs at once; each answer in vs[i].r. */
static void cast_all(voter *vs, size_t n) {
  pthread_t th[NCONC];
  size_t i;
  assert_true(n <= NCONC);
  for (i = 0; i < n; i++)
    assert_int_equal(pthread_create(&th[i], NULL, cast, &vs[i]), 0);
  for (i = 0; i < n; i++) pthread_join(th[i], NULL);
}

static void voters_free(voter *vs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (vs[i].r) hc_resp_free(vs[i].r);
    vs[i].r = NULL;
  }
}

/* The refused cast's answer: 503, Retry-After, "not recorded", the link
** still works, and a form that sends the same choices again. */
static void not_recorded(const hc_resp *r, const voter *v) {
  char action[80];
  check_status(r, 503);
  assert_non_null(hc_header(r, "Retry-After"));
  has(r, "Your vote was not recorded");
  has(r, "<strong>not</strong> been recorded");
  has(r, "Your voting link still works");
  snprintf(action, sizeof action, "action=\"/v/%s/cast\"", v->code);
  has(r, action);
  has(r, v->names[0]);
  lacks(r, "id=\"receipt\"");
}

/* What every refused-write case checks while the storage is failing: the
** paper still shows (reads work), the cast 503s and a batch of NCONC
** simultaneous casts 503s, nothing written.  a is the lone voter, b the
** NCONC others. */
static void casts_refused(voter *a, voter *b, const snap *before) {
  size_t i;
  cast(a);
  not_recorded(a->r, a);
  snap_same(before);
  /* the same post again: the writer is still there and still refuses */
  cast(a);
  not_recorded(a->r, a);
  cast_all(b, NCONC);
  for (i = 0; i < NCONC; i++) not_recorded(b[i].r, &b[i]);
  snap_same(before);
  alive();
  {
    /* the paper behind the code is still shown: it was not used */
    char path[64];
    hc_resp *r;
    snprintf(path, sizeof path, "/v/%s", a->code);
    r = hc_request(cs.srv, "GET", path, hc_new_addr(), NULL, 0);
    check_status(r, 200);
    has(r, a->names[0]);
    hc_resp_free(r);
  }
}

/* Once the storage is back: the same codes cast, one ballot and one
** receipt each. */
static void casts_recovered(voter *a, voter *b, const snap *before) {
  static const int64_t one[NSNAP] = {1, 1, 1, 1, 0, 0};
  int64_t all[NSNAP] = {1 + NCONC, 1 + NCONC, 1 + NCONC, 1 + NCONC, 0, 0};
  size_t i;
  cast(a);
  check_status(a->r, 200);
  has(a->r, "id=\"receipt\"");
  snap_moved(before, one);
  cast_all(b, NCONC);
  for (i = 0; i < NCONC; i++) {
    check_status(b[i].r, 200);
    has(b[i].r, "id=\"receipt\"");
  }
  snap_moved(before, all);
  /* and the used code is refused as before */
  cast(a);
  check_status(a->r, 409);
  integrity_ok();
}

/* Runs `hustings serve` on the case's database with RLIMIT_FSIZE soft
** limit fsize (0: none), waits up to 60 s for it to exit, and returns its
** status (-1 if it ran on: it is then stopped); its output goes to
** DIR/start.log, read into log (cap bytes). */
static int start_status(rlim_t fsize, char *log, size_t cap) {
  char logpath[420], port[420];
  const char *bin = hc_bin_from_argv0(argv0);
  char *argv[] = {(char *)bin, "serve", "--db", cs.db, "--listen",
                  "127.0.0.1:0", "--port-file", port, "--mail", "none",
                  NULL};
  int st = 0, i, fd;
  ssize_t n;
  pid_t pid;
  snprintf(logpath, sizeof logpath, "%s/start.log", top);
  snprintf(port, sizeof port, "%s/start.port", top);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int out = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(120);
    if (fsize) {
      struct rlimit rl;
      if (getrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(121);
      rl.rlim_cur = fsize;
      if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(122);
    }
    execv(bin, argv);
    _exit(123);
  }
  for (i = 0; i < 3000; i++) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    usleep(20000);
  }
  if (i == 3000) {
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    st = -1;
  } else {
    st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  log[0] = 0;
  fd = open(logpath, O_RDONLY);
  if (fd >= 0) {
    n = read(fd, log, cap - 1);
    log[n > 0 ? n : 0] = 0;
    close(fd);
  }
  unlink(port);
  return st;
}

/* A refused start: status 2, and the message names the file and holds
** why. */
static void start_refused(rlim_t fsize, const char *why) {
  char log[8192];
  int st = start_status(fsize, log, sizeof log);
  if (st != 2 || !strstr(log, cs.db) || !strstr(log, why))
    fail_msg("start: status %d (wanted 2), log (wanted %s and \"%s\"):\n%s",
             st, cs.db, why, log);
}

/* ---------------------------------------------------- setup, teardown */

static int case_setup(void **state) {
  static int k;
  (void)state;
  memset(&cs, 0, sizeof cs);
  snprintf(cs.dir, sizeof cs.dir, "%s/case%d", top, ++k);
  return mkdir(cs.dir, 0700);
}

static int case_teardown(void **state) {
  char *rm[] = {"/bin/rm", "-rf", cs.dir, NULL};
  int rc = 0;
  (void)state;
  if (cs.srv) {
    struct rlimit rl;
    pid_t pid = (pid_t)hc_pid(cs.srv);
    if (prlimit(pid, RLIMIT_FSIZE, NULL, &rl) == 0) {
      rl.rlim_cur = rl.rlim_max;
      prlimit(pid, RLIMIT_FSIZE, &rl, NULL);
    }
    rc = stop_server();
  }
  if (cs.mounted && umount2(cs.dir, MNT_DETACH) != 0) {
    fprintf(stderr, "# umount %s: %s\n", cs.dir, strerror(errno));
    rc = -1;
  }
  cs.mounted = 0;
  if (!getenv("HC_KEEP")) tu_run(rm, NULL, NULL);
  return rc == 0 ? 0 : -1;
}

/* -------------------------------------------------------------- cases */

/* A file-size limit under a running server: refused writes, then
** recovery without a restart; a closing checkpoint that fails. */
static void test_fsize(void **state) {
  voter a, b[NCONC];
  char csrf[65], token[128], bearer[160];
  const char *bin = hc_bin_from_argv0(argv0);
  snap before;
  off_t wal;
  struct timespec t0;
  int i;
  hc_resp *r;
  (void)state;
  place_db();
  assert_true(start_server());
  assert_true(hc_setup_admin(cs.srv, "Northfield", "ro@example.org",
                             "Returning Officer", ADMIN_PW, csrf));
  assert_true(hc_make_token(cs.srv, "storage test", token, sizeof token));
  snprintf(bearer, sizeof bearer, "%s", token);
  voter_get(&a, 3);
  for (i = 0; i < NCONC; i++) voter_get(&b[i], 10 + i);
  before = snap_take();
  /* every write from here on would grow the WAL past the limit */
  wal = wal_size();
  assert_true(wal > 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  set_fsize((rlim_t)wal);
  casts_refused(&a, b, &before);
  /* an administrator's write through the API: a 503 JSON error */
  r = hc_json_from(cs.srv, hc_new_addr(), "POST", "/api/v1/tokens", bearer,
                   "{\"label\":\"during the failure\"}");
  json_decref(tu_api_error(r, 503, "storage"));
  assert_non_null(hc_header(r, "Retry-After"));
  hc_resp_free(r);
  /* ... and through a page (signed in): the form is shown, its post 503 */
  assert_int_equal(hc_get_csrf(cs.srv, "/admin/tokens", hc_new_addr(), csrf),
                   1);
  {
    const char *f[] = {"csrf", csrf, "label", "page, during", NULL};
    r = hc_post_formv(cs.srv, "/admin/tokens", hc_new_addr(), f);
    check_status(r, 503);
    has(r, "nothing was saved");
    lacks(r, "new-token");
    assert_non_null(hc_header(r, "Retry-After"));
    hc_resp_free(r);
  }
  snap_same(&before);
  /* the log: the file and SQLite's code; not a line for each of the 16
  ** failures, but at most one a second */
  {
    int lines = log_lines(cs.db, "nothing was saved", NULL);
    struct timespec t1;
    long secs;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (long)(t1.tv_sec - t0.tv_sec) + 1;
    if (lines < 1 || lines > 1 + secs ||
        log_lines(cs.db, "SQLITE_IOERR_WRITE", NULL) < 1)
    {
      char *log = hc_log(cs.srv);
      fprintf(stderr, "# the log:\n%s\n", log);
      free(log);
      fail_msg("log: %d lines about the failures (wanted 1 to %ld, with "
               "SQLITE_IOERR_WRITE)", lines, 1 + secs);
    }
  }
  /* space returns: no restart */
  set_fsize(RLIM_INFINITY);
  casts_recovered(&a, b, &before);
  assert_int_equal(log_lines(cs.db, "writes work again", NULL), 1);
  r = hc_json_from(cs.srv, hc_new_addr(), "POST", "/api/v1/tokens", bearer,
                   "{\"label\":\"after the failure\"}");
  check_status(r, 201);
  hc_resp_free(r);
  /* stopped under a limit far below the database: its closing checkpoint
  ** fails, and loses nothing */
  before = snap_take();
  set_fsize(4096);
  assert_int_equal(stop_server(), 0);
  assert_true(wal_size() > 0); /* not checkpointed: the WAL is kept */
  assert_true(start_server());
  alive();
  {
    static const int64_t zero[NSNAP];
    snap_moved(&before, zero);
  }
  integrity_ok();
  assert_int_equal(stop_server(), 0);
  {
    char *verify[] = {(char *)bin, "audit-verify", "--db", cs.db, NULL};
    char out[420];
    snprintf(out, sizeof out, "%s/verify.log", top);
    assert_int_equal(tu_run(verify, out, NULL), 0);
  }
  voters_free(&a, 1);
  voters_free(b, NCONC);
}

/* Starting under a file-size limit: refused with the reason. */
static void test_fsize_start(void **state) {
  (void)state;
  place_db();
  start_refused(4096, "a file-size limit");
}

/* A full disk under a running server (tmpfs): refused casts, then
** recovery when the filler file is deleted. */
static void test_full(void **state) {
  voter a, b[NCONC];
  snap before;
  int i;
  (void)state;
  if (!mount_tmpfs("4m")) skip();
  place_db();
  assert_true(start_server());
  voter_get(&a, 3);
  for (i = 0; i < NCONC; i++) voter_get(&b[i], 10 + i);
  before = snap_take();
  fill();
  casts_refused(&a, b, &before);
  if (log_lines(cs.db, "nothing was saved", NULL) < 1 ||
      log_lines(cs.db, "SQLITE_FULL", NULL) < 1)
    fail_msg("no log line naming the database and the full disk");
  unfill();
  casts_recovered(&a, b, &before);
  /* killed with the disk full, its WAL and -shm left behind: the start-up
  ** probe write refuses to run; once there is space, the restart finds
  ** every vote */
  before = snap_take();
  fill();
  assert_int_equal(kill((pid_t)hc_pid(cs.srv), SIGKILL), 0);
  assert_int_equal(stop_server(), 128 + SIGKILL);
  start_refused(0, "cannot write the database");
  unfill();
  assert_true(start_server());
  alive();
  {
    /* the votes (the audit log gained the new setup link's row) */
    snap now = snap_take();
    for (i = 0; i < 4; i++) assert_int_equal(now.v[i], before.v[i]);
  }
  assert_int_equal(stop_server(), 0);
  integrity_ok();
  voters_free(&a, 1);
  voters_free(b, NCONC);
}

/* Starting on a read-only file system, then on a full one: refused with
** the reason; each time it starts once the storage is writable. */
static void test_start_readonly_full(void **state) {
  (void)state;
  if (!mount_tmpfs("4m")) skip();
  place_db();
  remount(1);
  start_refused(0, "read-only");
  remount(0);
  assert_true(start_server());
  alive();
  assert_int_equal(stop_server(), 0);
  fill();
  start_refused(0, "the disk is full");
  unfill();
  assert_true(start_server());
  alive();
  assert_int_equal(stop_server(), 0);
  integrity_ok();
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  const char *tmp = getenv("TMPDIR");
  char out[320];
  char *demo[] = {(char *)bin, "demo", "--db", tmpl, "--voting", NULL};
  (void)state;
  snprintf(top, sizeof top, "%s/storage.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(top)) return -1;
  snprintf(tmpl, sizeof tmpl, "%s/demo.db", top);
  snprintf(out, sizeof out, "%s/demo.out", top);
  if (tu_run(demo, out, NULL) != 0) {
    fprintf(stderr, "# %s demo --db %s --voting failed\n", bin, tmpl);
    return -1;
  }
  return 0;
}

static int group_teardown(void **state) {
  char *rm[] = {"/bin/rm", "-rf", top, NULL};
  (void)state;
  if (!getenv("HC_KEEP")) tu_run(rm, NULL, NULL);
  return 0;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fsize, case_setup, case_teardown),
      cmocka_unit_test_setup_teardown(test_fsize_start, case_setup,
                                      case_teardown),
      cmocka_unit_test_setup_teardown(test_full, case_setup, case_teardown),
      cmocka_unit_test_setup_teardown(test_start_readonly_full, case_setup,
                                      case_teardown),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests_name("storage", tests, group_setup,
                                     group_teardown);
}
