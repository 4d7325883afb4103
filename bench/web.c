/*
** web.c: a load benchmark of the election service (`hustings serve`), for
** bench/run.sh (make bench); never run by make check.  It measures what
** part 2 builds on: page reads and small durable writes from many
** concurrent clients on this machine; and issue 6's goal, 100,000
** durable ballot casts from 64 clients at 2,000/s or more with p99 under
** 100 ms.
**
**   web [--clients N] [--seconds S] [--threads T] [--bin HUSTINGS]
**       [--rows LIST] [--writer W[,W]] [--voters N] [--no-strace]
**
**   --clients N   concurrent clients, one thread each (default 64, 1-250)
**   --seconds S   measured seconds per row (default 5, 1-60), after a
**                 warm-up of half a second
**   --threads T   passed to serve as --threads (default: serve's own, 64)
**   --bin FILE    the hustings binary (default: dirname(argv0)/../hustings,
**                 or $HUSTINGS_BIN)
**   --rows LIST   only these, comma-separated: disk page candidates write
**                 fsync limiter cast vote (default: all)
**   --writer W    the write path of the server for cast and vote:
**                 thread (the group-commit writer, the default), mutex
**                 (one transaction per write under a mutex), or both
**                 as "thread,mutex" (HUSTINGS_WRITER in serve's
**                 environment; src/web/db.c)
**   --voters N    voters for the cast row (default 100,000, 100-110,000:
**                 the export must fit the test client's 16 MiB answer);
**                 the vote row has N/20 more
**   --no-strace   skip the fsync count even where strace is installed
**
** What it does:
**  1. `hustings demo --db DIR/demo.db` in a new temporary directory, then
**     `hustings serve` on it (tests/web/client.c's harness, loopback, a
**     free port) with --trust-proxy 127.0.0.1, so that every request can
**     name its own client address in X-Forwarded-For;
**  2. through HTTP only: the first administrator signs in with the setup
**     link, makes an API token on /admin/tokens, accepts every submitted
**     nomination (POST /api/v1/nominations/{id}/decision) and publishes
**     (POST /api/v1/elections/steering-2027/publish);
**  3. one row per measurement, each with `--clients` threads looping
**     request after request for the warm-up plus `--seconds`:
**       GET /e/steering-2027             new connection per request, then
**                                        keep-alive
**       GET /e/steering-2027/candidates  the same
**       supporter add/revoke (API)       POST /api/v1/nominations/{id}/
**                                        supporters {"kind":"member",...},
**                                        then DELETE .../supporters/{sid}:
**                                        each one transaction with its
**                                        audit row, committed with
**                                        synchronous=FULL; close, then
**                                        keep-alive.  Every add leaves a
**                                        row (revoked rows stay), so the
**                                        table grows as the row runs: the
**                                        line gives its size
**       category relabel (API PATCH)     PATCH .../categories/woman with a
**                                        new label each time: one UPDATE
**                                        and its audit row, the same size
**                                        from start to end; keep-alive
**     Only the requests that end inside the measured window count.  Each
**     client sends from 250 addresses of its own in turn (10.R.C.1-250:
**     row, client, rotating), as the voters behind a proxy would, so no
**     address goes past its rate limit; the limiter is measured on its
**     own in the last row: every client from one address.
**  4. around it: fdatasync of a 4 KiB page in the database's directory,
**     one at a time (what one commit per write costs on this disk); with
**     strace, the fsync and fdatasync calls of the server during a short
**     write run, per commit (commits = audit rows added); the server's
**     and this program's CPU time per row; and at the end, the audit rows
**     added against the writes acknowledged, and `hustings audit-verify`.
**
**  5. cast and vote, once per --writer: a new demo database and server
**     (--mail none), and through HTTP: sign in, token, accept, publish; a
**     roll of N + N/20 members (every tenth tagged bame, so a tenth of the
**     voters also have the BAME seat) imported with POST
**     /api/v1/orgs/northfield/roll; review; voting (timed: the electorate
**     snapshot and one credential per elector); credentials/export with
**     scope all (timed: new codes for everyone, read from the CSV).  The
**     r.C.N fields are read from two ballot pages.  Each client GETs one
**     ballot page for its anonymous cookie and csrf token (both are bound
**     to the cookie, not the code), then:
**       cast  the clients take the next unused code of the first N until
**             none is left and POST /v/{code}/cast with a random ranking
**             of 1 to 9 candidates in each contest the voter has (200 with
**             id="receipt"); not time-boxed
**       vote  the same for the other N/20, as a voter does it: GET
**             /v/{code}, POST /v/{code}/review, POST /v/{code}/cast
**     Then, reading the database: electors voted = receipts = casts
**     acknowledged, and ballots = the contests of the acknowledged casts;
**     the close (phase counted) and the time until GET /e/.../results
**     answers 200 (the count runs on the server's clock thread); the
**     server stopped; `hustings audit-verify`.
**
** Output: one line per row, "web: GET /e/steering-2027 (keep-alive) 64
** clients: N req/s, p50 X ms, p99 Y ms", then a table.  No figure is a
** test: it exits 0 whatever the figures, and 1 only if it cannot run
** (no binary, the server does not start, the set-up requests fail).
**
** Ownership: all state is file-local; each worker owns its latency array
** until the row's results are merged by the main thread.  Integer
** arithmetic only (microseconds), like the rest of the project.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "client.h"

extern char **environ;

#define EL "steering-2027"
#define ADMIN_EMAIL "bench@example.org"
#define ADMIN_PW "bench password, long enough"
#define MAX_CLIENTS 250
#define ADDRS_PER_CLIENT 250
#define WARM_MS 500
#define MAX_NOMS 64

/* ------------------------------------------------------------- options */

static int nclients = 64, seconds = 5, use_strace = 1;
static const char *threads_opt;
static const char *rows_opt; /* --rows LIST, or NULL for all */
static const char *bin;

/* ------------------------------------------------------------- helpers */

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_until(long long t_us) {
  long long d;
  while ((d = t_us - now_us()) > 0) {
    struct timespec ts = {d / 1000000, (d % 1000000) * 1000};
    nanosleep(&ts, NULL);
  }
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("web: out of memory\n", stderr);
    exit(1);
  }
  return p;
}

/* Microseconds as milliseconds with one decimal, into buf. */
static const char *ms(char buf[24], long long us) {
  snprintf(buf, 24, "%lld.%lld", us / 1000, (us % 1000) / 100);
  return buf;
}

/* Microseconds as seconds with two decimals, into buf. */
static const char *secs(char buf[24], long long us) {
  snprintf(buf, 24, "%lld.%02lld", us / 1000000, (us % 1000000) / 10000);
  return buf;
}

/* Runs argv (stdin /dev/null, stdout and stderr to out, or /dev/null when
** out is NULL) and waits: its exit status, or -1. */
static int run(char *const argv[], const char *out) {
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int st, e;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e) return -1;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first column of the first row of sql on a read-only connection to
** path, or -1. */
static long long db_value(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* The server's user + system CPU time in clock ticks (/proc/PID/stat
** fields 14 and 15), or -1. */
static long long proc_ticks(int pid) {
  char path[64], buf[1024], *p;
  unsigned long long ut, st;
  FILE *f;
  size_t n;
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (!(f = fopen(path, "r"))) return -1;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* the command may hold spaces: fields are counted after the last ')' */
  if (!(p = strrchr(buf, ')'))) return -1;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &ut, &st) != 2)
    return -1;
  return (long long)(ut + st);
}

/* Ticks the whole machine was not idle (every field of /proc/stat's cpu
** line but idle and iowait; steal counts as busy), or -1. */
static long long sys_busy_ticks(void) {
  unsigned long long v[10] = {0}, busy = 0;
  FILE *f = fopen("/proc/stat", "r");
  int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                     &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
            : 0;
  if (f) fclose(f);
  if (n < 5) return -1;
  for (int i = 0; i < n; i++)
    if (i != 3 && i != 4) busy += v[i];
  return (long long)busy;
}

/* This process's user + system CPU time in microseconds (all threads). */
static long long self_cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* --------------------------------------------------------------- setup */

static hc_server *srv;
static char dir[256], demo[300];
static char token[64];
static long long noms[MAX_NOMS];
static int nnoms;

/* Each set-up request comes from a new address (hc_new_addr: 10.250 and
** up, none of the rows' own), so set-up never meets a rate limit. */
static hc_resp *api(const char *method, const char *path, const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, token, json);
}

/* Prints why a set-up step failed; returns 0. */
static int fail(const char *what, const hc_resp *r) {
  fprintf(stderr, "web: %s: status %d (client error %d): %.300s\n", what,
          r ? r->status : 0, r ? r->err : 0, r && r->body ? r->body : "");
  return 0;
}

/* Sign in with the setup link, make an API token, accept the submitted
** nominations, publish.  1 on success. */
static int setup(void) {
  char path[256], csrf[65];
  hc_resp *r;
  json_t *j, *it;
  size_t i;
  /* the client prints the step that failed */
  if (!hc_setup_admin(srv, "Northfield", ADMIN_EMAIL, "Bench Admin", ADMIN_PW,
                      csrf) ||
      !hc_make_token(srv, "bench", token, sizeof token)) {
    fputs("web: signing in or making the API token failed\n", stderr);
    return 0;
  }
  hc_jar_clear(srv); /* from here on, the API and public pages only */

  r = api("GET", "/api/v1/elections/" EL "/nominations?status=submitted",
          NULL);
  j = r->status == 200 ? json_loads(r->body, 0, NULL) : NULL;
  if (!j) return fail("GET nominations", r);
  hc_resp_free(r);
  json_array_foreach(json_object_get(j, "nominations"), i, it) {
    if (nnoms < MAX_NOMS)
      noms[nnoms++] = (long long)json_integer_value(json_object_get(it, "id"));
  }
  json_decref(j);
  if (nnoms == 0) {
    fputs("web: the demo has no submitted nominations\n", stderr);
    return 0;
  }
  for (int k = 0; k < nnoms; k++) {
    snprintf(path, sizeof path, "/api/v1/nominations/%lld/decision", noms[k]);
    r = api("POST", path, "{\"decision\":\"accept\",\"reason\":\"bench\"}");
    if (r->status != 200) return fail(path, r);
    hc_resp_free(r);
  }
  r = api("POST", "/api/v1/elections/" EL "/publish", "{}");
  if (r->status != 200) return fail("publish", r);
  hc_resp_free(r);
  r = hc_request(srv, "GET", "/e/" EL "/candidates", hc_new_addr(), NULL, 0);
  if (r->status != 200) return fail("GET candidates", r);
  hc_resp_free(r);
  return 1;
}

/* ---------------------------------------------------------------- rows */

enum kind { K_GET, K_SUPPORT, K_RELABEL };

typedef struct row {
  const char *group; /* for --rows: page candidates write fsync limiter */
  const char *label; /* "GET /e/steering-2027" */
  enum kind kind;
  const char *path; /* K_GET */
  int keep;         /* keep-alive */
  int one_addr;     /* every client from 10.NET.0.1: the limiter */
  int net;          /* second octet of the client addresses */
  int warm_ms, run_ms;
  /* results, within the window */
  long long n, n2xx, n429, nother, nerr, conns;
  long long acked; /* 2xx writes, window or not */
  long long p50, p99, max; /* microseconds */
  long long srv_ticks, sys_ticks, self_us;
  long long sup0, sup1; /* rows in supporters before and after */
  int shown;              /* in the table */
  atomic_int complained; /* the first unexpected answer was printed */
} row;

typedef struct worker {
  row *rw;
  int id;
  int fd;       /* the open connection, or -1 */
  unsigned seq; /* requests sent */
  long long sid; /* supporter to revoke next, or 0 */
  uint32_t *lat;
  size_t nlat, cap;
  long long n2xx, n429, nother, nerr, conns, acked;
} worker;

static long long win_start, win_end; /* set before the workers start */

/* Sends req on the connection *fd (a new one if -1, counted in *conns)
** and reads the answer; closes it after unless keep.  A kept connection
** that the server has closed meanwhile is retried once on a new one.
** NULL if no connection could be made. */
static hc_resp *exchange_fd(int *fd, long long *conns, int keep,
                            const char *req, size_t len) {
  for (int tries = 0; tries < 2; tries++) {
    int fresh = *fd < 0;
    hc_resp *r;
    if (fresh) {
      if ((*fd = hc_connect(srv)) < 0) return NULL;
      ++*conns;
    }
    hc_send(*fd, req, len);
    r = hc_recv(NULL, *fd, 0);
    if (r->err == HC_OK) {
      const char *c = hc_header(r, "Connection");
      if (!keep || (c && strcasecmp(c, "close") == 0)) {
        close(*fd);
        *fd = -1;
      }
      return r;
    }
    close(*fd);
    *fd = -1;
    if (fresh || r->err != HC_ECLOSED) return r;
    hc_resp_free(r);
  }
  return NULL;
}

static hc_resp *exchange(worker *w, const char *req, size_t len) {
  return exchange_fd(&w->fd, &w->conns, w->rw->keep, req, len);
}

static void *work(void *arg) {
  worker *w = arg;
  row *rw = w->rw;
  char req[1024], xff[48], body[128];
  long long nom = noms[w->id % nnoms];
  int port = hc_port(srv);
  const char *conn = rw->keep ? "" : "Connection: close\r\n";
  while (now_us() < win_end) {
    long long t0, t1;
    int len, writing_post = 0;
    hc_resp *r;
    w->seq++;
    if (rw->one_addr)
      snprintf(xff, sizeof xff, "10.%d.0.1", rw->net);
    else
      snprintf(xff, sizeof xff, "10.%d.%d.%u", rw->net, w->id,
               w->seq % ADDRS_PER_CLIENT + 1);
    if (rw->kind == K_GET) {
      len = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "X-Forwarded-For: %s\r\n%s\r\n",
                     rw->path, port, xff, conn);
    } else if (rw->kind == K_RELABEL) {
      int blen = snprintf(body, sizeof body,
                          "{\"label\":\"Woman b%d-%d-%u\"}", rw->net, w->id,
                          w->seq);
      len = snprintf(req, sizeof req,
                     "PATCH /api/v1/elections/" EL "/categories/woman "
                     "HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "X-Forwarded-For: %s\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %d\r\n%s\r\n%s",
                     port, xff, token, blen, conn, body);
    } else if (w->sid == 0) {
      int blen = snprintf(body, sizeof body,
                          "{\"kind\":\"member\",\"member_ref\":\"b%d-%d-%u\"}",
                          rw->net, w->id, w->seq);
      writing_post = 1;
      len = snprintf(req, sizeof req,
                     "POST /api/v1/nominations/%lld/supporters HTTP/1.1\r\n"
                     "Host: 127.0.0.1:%d\r\nX-Forwarded-For: %s\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %d\r\n%s\r\n%s",
                     nom, port, xff, token, blen, conn, body);
    } else {
      len = snprintf(req, sizeof req,
                     "DELETE /api/v1/nominations/%lld/supporters/%lld "
                     "HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "X-Forwarded-For: %s\r\nAuthorization: Bearer %s\r\n"
                     "%s\r\n",
                     nom, w->sid, port, xff, token, conn);
    }
    if (len <= 0 || (size_t)len >= sizeof req) break;
    t0 = now_us();
    r = exchange(w, req, (size_t)len);
    t1 = now_us();
    if (rw->kind != K_GET && r && r->status >= 200 && r->status < 300)
      w->acked++;
    if (rw->kind == K_SUPPORT) {
      if (r && r->status >= 200 && r->status < 300) {
        if (writing_post) {
          const char *p = hc_find(r->body, "\"supporter\":{\"id\":");
          w->sid = p ? strtoll(p + 18, NULL, 10) : 0;
        } else {
          w->sid = 0;
        }
      } else if (!writing_post) {
        w->sid = 0; /* give that one up */
      }
    }
    if (t1 >= win_start && t1 <= win_end) {
      if (w->nlat == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4096;
        w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
        if (!w->lat) {
          fputs("web: out of memory\n", stderr);
          exit(1);
        }
      }
      w->lat[w->nlat++] = (uint32_t)(t1 - t0 < UINT32_MAX ? t1 - t0
                                                           : UINT32_MAX);
      if (!r || r->err != HC_OK) w->nerr++;
      else if (r->status >= 200 && r->status < 300) w->n2xx++;
      else if (r->status == 429) w->n429++;
      else w->nother++;
    }
    if (r && r->err == HC_OK && (r->status < 200 || r->status >= 300) &&
        r->status != 429 && atomic_exchange(&rw->complained, 1) == 0)
      fprintf(stderr, "web: %s: status %d: %.200s\n", rw->label, r->status,
              r->body);
    hc_resp_free(r);
  }
  if (w->fd >= 0) close(w->fd);
  return NULL;
}

/* Runs one row: clients threads for warm_ms + run_ms, then the merge. */
static void run_row(row *rw) {
  worker *ws = xmalloc((size_t)nclients * sizeof *ws);
  pthread_t *th = xmalloc((size_t)nclients * sizeof *th);
  long long t0 = now_us(), s0, s1, c0, c1, b0, b1;
  size_t total = 0, k = 0;
  uint32_t *all;
  int started = 0;
  win_start = t0 + (long long)rw->warm_ms * 1000;
  win_end = win_start + (long long)rw->run_ms * 1000;
  for (int i = 0; i < nclients; i++) {
    memset(&ws[i], 0, sizeof ws[i]);
    ws[i].rw = rw;
    ws[i].id = i;
    ws[i].fd = -1;
    if (pthread_create(&th[i], NULL, work, &ws[i]) != 0) break;
    started++;
  }
  sleep_until(win_start);
  s0 = proc_ticks(hc_pid(srv));
  b0 = sys_busy_ticks();
  c0 = self_cpu_us();
  sleep_until(win_end);
  s1 = proc_ticks(hc_pid(srv));
  b1 = sys_busy_ticks();
  c1 = self_cpu_us();
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  rw->srv_ticks = s0 >= 0 && s1 >= 0 ? s1 - s0 : -1;
  rw->sys_ticks = b0 >= 0 && b1 >= 0 ? b1 - b0 : -1;
  rw->self_us = c1 - c0;
  for (int i = 0; i < started; i++) {
    total += ws[i].nlat;
    rw->n2xx += ws[i].n2xx;
    rw->n429 += ws[i].n429;
    rw->nother += ws[i].nother;
    rw->nerr += ws[i].nerr;
    rw->conns += ws[i].conns;
    rw->acked += ws[i].acked;
  }
  all = xmalloc((total ? total : 1) * sizeof *all);
  for (int i = 0; i < started; i++) {
    if (ws[i].nlat) memcpy(all + k, ws[i].lat, ws[i].nlat * sizeof *all);
    k += ws[i].nlat;
    free(ws[i].lat);
  }
  qsort(all, total, sizeof *all, cmp_u32);
  rw->n = (long long)total;
  rw->p50 = total ? all[(total - 1) * 50 / 100] : 0;
  rw->p99 = total ? all[(total - 1) * 99 / 100] : 0;
  rw->max = total ? all[total - 1] : 0;
  free(all);
  free(ws);
  free(th);
}

/* Requests per second in the window, rounded. */
static long long per_s(long long n, int run_ms) {
  return run_ms > 0 ? (n * 1000 + run_ms / 2) / run_ms : 0;
}

static void print_line(const row *rw) {
  char a[24], b[24];
  printf("web: %s (%s) %d clients: %lld req/s, p50 %s ms, p99 %s ms",
         rw->label, rw->keep ? "keep-alive" : "close", nclients,
         per_s(rw->n, rw->run_ms), ms(a, rw->p50), ms(b, rw->p99));
  if (rw->n - rw->n2xx)
    printf(" (%lld not 2xx: %lld 429, %lld other, %lld failed)",
           rw->n - rw->n2xx, rw->n429, rw->nother, rw->nerr);
  if (rw->kind == K_SUPPORT)
    printf("; supporters table %lld -> %lld rows", rw->sup0, rw->sup1);
  printf("\n");
  fflush(stdout);
}

/* CPU use in percent of one core over the row's window: ticks of
** _SC_CLK_TCK, or -1. */
static long long tick_pct(long long ticks, int run_ms) {
  long long hz = sysconf(_SC_CLK_TCK);
  if (ticks < 0 || hz <= 0 || run_ms <= 0) return -1;
  return ticks * 100 * 1000 / hz / run_ms;
}

static long long self_pct(const row *rw) {
  return rw->run_ms > 0 ? rw->self_us / 10 / rw->run_ms : -1;
}

/* The rest of the machine's busy time: other processes, the kernel's
** own threads, the hypervisor's steal. */
static long long other_pct(const row *rw) {
  long long all = tick_pct(rw->sys_ticks, rw->run_ms);
  long long srvp = tick_pct(rw->srv_ticks, rw->run_ms);
  if (all < 0 || srvp < 0) return -1;
  all -= srvp + self_pct(rw);
  return all < 0 ? 0 : all;
}

/* ------------------------------------------------------ disk and fsync */

/* Overwrites 4 KiB pages of a preallocated 1 MiB file in dir, each
** followed by fdatasync, for run_ms, one at a time: the floor of one
** durable commit per write. */
static void disk_probe(int run_ms) {
  char path[400], page[4096], a[24], b[24];
  uint32_t *lat;
  size_t n = 0, cap = 1 << 16;
  long long end;
  int fd;
  snprintf(path, sizeof path, "%s/fsync.probe", dir);
  if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0) {
    printf("web: disk probe: %s: %s\n", path, strerror(errno));
    return;
  }
  memset(page, 'x', sizeof page);
  for (int i = 0; i < 256; i++)
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page) break;
  fsync(fd);
  lat = xmalloc(cap * sizeof *lat);
  end = now_us() + (long long)run_ms * 1000;
  while (now_us() < end && n < cap) {
    long long t0 = now_us();
    page[0] = (char)n;
    if (pwrite(fd, page, sizeof page, (off_t)(n % 256) * 4096) < 0) break;
    if (fdatasync(fd) != 0) break;
    lat[n++] = (uint32_t)(now_us() - t0);
  }
  close(fd);
  unlink(path);
  qsort(lat, n, sizeof *lat, cmp_u32);
  if (n)
    printf("web: disk: 4 KiB write + fdatasync, one at a time: %lld/s, "
           "p50 %s ms, p99 %s ms\n",
           per_s((long long)n, run_ms), ms(a, lat[(n - 1) / 2]),
           ms(b, lat[(n - 1) * 99 / 100]));
  free(lat);
}

/* The calls column of a syscall's line in strace -c output ("% time
** seconds usecs/call calls [errors] syscall"), or -1. */
static long long strace_calls(const char *txt, const char *name) {
  const char *l = txt;
  while (l && *l) {
    const char *nl = strchr(l, '\n'), *e = nl ? nl : l + strlen(l), *w = e;
    char f1[32], f2[32], f3[32];
    long long calls;
    while (w > l && w[-1] != ' ') w--;
    if ((size_t)(e - w) == strlen(name) &&
        strncmp(w, name, (size_t)(e - w)) == 0 &&
        sscanf(l, "%31s %31s %31s %lld", f1, f2, f3, &calls) == 4)
      return calls;
    l = nl ? nl + 1 : NULL;
  }
  return -1;
}

/* With strace, counts the server's fsync and fdatasync calls during a
** short write run, and the commits (audit rows added) in the same time. */
static void fsync_count(row *rw) {
  char out[400], err[400], pid[24], *txt = NULL;
  char *argv[] = {"strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o",
                  out, "-p", pid, NULL};
  posix_spawn_file_actions_t fa;
  pid_t sp;
  long long a0, a1, fs, fds;
  int st;
  snprintf(out, sizeof out, "%s/strace.txt", dir);
  snprintf(err, sizeof err, "%s/strace.err", dir);
  snprintf(pid, sizeof pid, "%d", hc_pid(srv));
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  st = posix_spawnp(&sp, "strace", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (st) {
    printf("web: fsyncs per commit: n/a (no strace)\n");
    return;
  }
  /* wait for "attached" on its stderr (or its early exit) */
  for (int i = 0; i < 300; i++) {
    FILE *f = fopen(err, "r");
    char line[256] = "";
    int attached = 0;
    while (f && fgets(line, sizeof line, f))
      if (strstr(line, "attached")) attached = 1;
    if (f) fclose(f);
    if (attached || waitpid(sp, &st, WNOHANG) == sp) break;
    usleep(10000);
  }
  usleep(300000);
  if (waitpid(sp, &st, WNOHANG) == sp) {
    printf("web: fsyncs per commit: n/a (strace could not attach; see "
           "strace -p)\n");
    return;
  }
  a0 = db_value(demo, "SELECT count(*) FROM audit");
  run_row(rw);
  a1 = db_value(demo, "SELECT count(*) FROM audit");
  kill(sp, SIGINT);
  waitpid(sp, &st, 0);
  {
    FILE *f = fopen(out, "r");
    size_t n = 0, cap = 0;
    char buf[4096];
    size_t got;
    while (f && (got = fread(buf, 1, sizeof buf, f)) > 0) {
      if (n + got + 1 > cap) {
        cap = (n + got + 1) * 2;
        txt = realloc(txt, cap);
        if (!txt) exit(1);
      }
      memcpy(txt + n, buf, got);
      n += got;
      txt[n] = '\0';
    }
    if (f) fclose(f);
  }
  fs = txt ? strace_calls(txt, "fsync") : -1;
  fds = txt ? strace_calls(txt, "fdatasync") : -1;
  free(txt);
  if (fs < 0) fs = 0;
  if (fds < 0) fds = 0;
  if (a0 < 0 || a1 <= a0) {
    printf("web: fsyncs per commit: n/a (no commits seen)\n");
    return;
  }
  printf("web: fsyncs per commit (server under strace, %d clients, "
         "supporter add/revoke): %lld commits, %lld fdatasync + %lld fsync "
         "= %lld.%02lld per commit (throughput under strace not "
         "representative)\n",
         nclients, a1 - a0, fds, fs, (fds + fs) / (a1 - a0),
         (fds + fs) * 100 / (a1 - a0) % 100);
}

/* ------------------------------------------------- ballots (issue 6)
**
** A second server on a new demo database per --writer design: the set-up
** over the API (roll, accept, review, voting, export), the rows `cast`
** and `vote`, which run until their codes are used up, then the checks,
** the close and the count. */

#define VOTERS_DEFAULT 100000
/* The export of voters + voters/20 codes (about 135 bytes a row) must fit
** the test client's 16 MiB answer. */
#define VOTERS_MAX 110000
#define VOTERS_MIN 100
#define PERSEC_MAX 3600
#define BCAND_MAX 64 /* candidates of one contest read from the ballot */
#define BCONTEST_MAX 8
#define CODE_SLOT 32 /* a code's text (26) and its NUL, with room */
#define RANK_MAX 9   /* a voter ranks 1 to 9 candidates of a contest */
#define WRITERS_MAX 4

static int nvoters = VOTERS_DEFAULT;
static const char *writers_opt = "thread";

typedef struct bcontest {
  long long id;
  long long nid[BCAND_MAX]; /* the nominations on the paper */
  int n;
} bcontest;

/* Set by the main thread before a row's workers start, then read only. */
static char *codes;          /* ncodes slots of CODE_SLOT bytes */
static unsigned char *every; /* 1: the voter has every contest (bame) */
static size_t ncodes;
static bcontest gen_c[BCONTEST_MAX], extra_c[BCONTEST_MAX];
static int ngen, nextra;

enum vkind { V_CAST, V_VOTE };

typedef struct vrow {
  const char *label; /* "cast" or "vote" */
  enum vkind kind;
  int net;            /* second octet of the client addresses */
  size_t first, count; /* codes[first .. first + count) */
  atomic_size_t next;
  long long t0;        /* the start, for persec */
  atomic_int persec[PERSEC_MAX]; /* voters done in each second */
  pthread_barrier_t ready, go;
  atomic_int complained;
  /* results */
  long long n, ok, nother, nerr, conns, acked_every, reqs, noready;
  long long p50, p99, max, wall_us;
  long long srv_ticks, sys_ticks, self_us, top1, top2;
  long long sec_min, sec_max;
} vrow;

typedef struct vworker {
  vrow *vr;
  int id;
  int fd;
  unsigned seq;
  uint64_t rng;
  char cookie[200]; /* "hs_anon=..." */
  char csrf[65];
  uint32_t *lat;
  size_t nlat, cap;
  long long ok, nother, nerr, conns, acked_every, reqs;
} vworker;

typedef struct bres {
  const char *writer;
  int ran;
  vrow *cast, *vote; /* NULL when not run */
  long long roll_ms, open_ms, export_ms, export_bytes, close_ms;
  long long voted, receipts, acked, ballots, ballots_want;
  int verify_ok, srv_rc;
  char load0[64], load1[64];
} bres;

static uint64_t rnd(uint64_t *s) { /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

/* The first three fields of /proc/loadavg, or "?". */
static void loadavg(char out[64]) {
  FILE *f = fopen("/proc/loadavg", "r");
  char a[16], b[16], c[16];
  if (f && fscanf(f, "%15s %15s %15s", a, b, c) == 3)
    snprintf(out, 64, "%s %s %s", a, b, c);
  else
    snprintf(out, 64, "?");
  if (f) fclose(f);
}

/* The CPU ticks of each of the server's threads: up to cap (tid, ticks)
** pairs; the number read. */
static size_t thread_ticks(int pid, long long *tid, long long *ticks,
                           size_t cap) {
  char path[64];
  DIR *d;
  struct dirent *e;
  size_t n = 0;
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  if (!(d = opendir(path))) return 0;
  while ((e = readdir(d)) && n < cap) {
    char p2[320], buf[1024], *p;
    unsigned long long ut, st;
    FILE *f;
    size_t got;
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(p2, sizeof p2, "/proc/%d/task/%s/stat", pid, e->d_name);
    if (!(f = fopen(p2, "r"))) continue;
    got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    if (!(p = strrchr(buf, ')'))) continue;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
      continue;
    tid[n] = strtoll(e->d_name, NULL, 10);
    ticks[n++] = (long long)(ut + st);
  }
  closedir(d);
  return n;
}

#define TASKS_MAX 256

/* The two largest per-thread CPU deltas between two thread_ticks reads. */
static void top_threads(const long long *tid0, const long long *tk0,
                        size_t n0, const long long *tid1,
                        const long long *tk1, size_t n1, long long *top1,
                        long long *top2) {
  *top1 = *top2 = 0;
  for (size_t i = 0; i < n1; i++) {
    long long d = tk1[i];
    for (size_t j = 0; j < n0; j++)
      if (tid0[j] == tid1[i]) {
        d = tk1[i] - tk0[j];
        break;
      }
    if (d > *top1) {
      *top2 = *top1;
      *top1 = d;
    } else if (d > *top2) {
      *top2 = d;
    }
  }
}

/* Appends "&r.C.N=K" for a random ranking of 1 to RANK_MAX of c's
** candidates.  The new length, or cap when out of room. */
static size_t rank_contest(uint64_t *rng, const bcontest *c, char *out,
                           size_t len, size_t cap) {
  long long pick[BCAND_MAX];
  int n = c->n, k, w;
  if (n <= 0) return len;
  memcpy(pick, c->nid, (size_t)n * sizeof *pick);
  k = 1 + (int)(rnd(rng) % (uint64_t)(n < RANK_MAX ? n : RANK_MAX));
  for (int j = 0; j < k; j++) {
    int m = j + (int)(rnd(rng) % (uint64_t)(n - j));
    long long t = pick[j];
    pick[j] = pick[m];
    pick[m] = t;
    w = snprintf(out + len, cap - len, "&r.%lld.%lld=%d", c->id, pick[j],
                 j + 1);
    if (w < 0 || (size_t)w >= cap - len) return cap;
    len += (size_t)w;
  }
  return len;
}

/* One request on the worker's kept connection, from its next address,
** with its cookie; a form body when body != NULL. */
static hc_resp *vsend(vworker *w, const char *method, const char *path,
                      const char *body) {
  char req[4096], ck[240] = "";
  size_t blen = body ? strlen(body) : 0;
  int len;
  w->seq++;
  if (w->cookie[0]) snprintf(ck, sizeof ck, "Cookie: %s\r\n", w->cookie);
  len = snprintf(req, sizeof req,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "X-Forwarded-For: 10.%d.%d.%u\r\n%s",
                 method, path, hc_port(srv), w->vr->net, w->id,
                 w->seq % ADDRS_PER_CLIENT + 1, ck);
  if (len > 0 && (size_t)len < sizeof req && body)
    len += snprintf(req + len, sizeof req - (size_t)len,
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    blen, body);
  else if (len > 0 && (size_t)len < sizeof req)
    len += snprintf(req + len, sizeof req - (size_t)len, "\r\n");
  if (len <= 0 || (size_t)len >= sizeof req) return NULL;
  w->reqs++;
  return exchange_fd(&w->fd, &w->conns, 1, req, (size_t)len);
}

/* Prints the first unexpected answer of a row. */
static void complain(vrow *vr, const char *what, const hc_resp *r) {
  if (atomic_exchange(&vr->complained, 1) == 0)
    fprintf(stderr, "web: %s: %s: status %d (client error %d): %.200s\n",
            vr->label, what, r ? r->status : 0, r ? r->err : -1,
            r && r->body ? r->body : "");
}

/* The ballot page of code: keeps the anonymous cookie (when the answer
** sets one) and the form's csrf token.  1 on 200 with a token. */
static int ballot_get(vworker *w, const char *code) {
  char path[64];
  hc_resp *r;
  const char *sc;
  int ok;
  snprintf(path, sizeof path, "/v/%s", code);
  r = vsend(w, "GET", path, NULL);
  ok = r && r->err == HC_OK && r->status == 200 && hc_csrf(r->body, w->csrf);
  if (ok && (sc = hc_set_cookie(r, "hs_anon"))) {
    size_t n = strcspn(sc, ";");
    if (n < sizeof w->cookie) {
      memcpy(w->cookie, sc, n);
      w->cookie[n] = '\0';
    }
  }
  if (!ok) {
    if (!r || r->err != HC_OK) w->nerr++;
    complain(w->vr, "GET /v/CODE", r);
  }
  hc_resp_free(r);
  return ok;
}

/* 1 if r is a 2xx answer holding needle; else counts and complains. */
static int answer_ok(vworker *w, hc_resp *r, const char *what,
                     const char *needle) {
  if (r && r->err == HC_OK && r->status >= 200 && r->status < 300 &&
      hc_find(r->body, needle))
    return 1;
  if (!r || r->err != HC_OK) w->nerr++;
  complain(w->vr, what, r);
  return 0;
}

static void *vwork(void *arg) {
  vworker *w = arg;
  vrow *vr = w->vr;
  int ready = ballot_get(w, codes + (vr->first + (size_t)w->id % vr->count) *
                                        CODE_SLOT);
  w->reqs = 0; /* the requests of the row itself */
  pthread_barrier_wait(&vr->ready);
  pthread_barrier_wait(&vr->go);
  while (ready) {
    size_t i = atomic_fetch_add(&vr->next, 1), k;
    const char *code;
    char body[2048], path[64];
    long long t0, t1, sec;
    size_t len;
    int ok = 1, ev;
    hc_resp *r;
    if (i >= vr->count) break;
    k = vr->first + i;
    code = codes + k * CODE_SLOT;
    ev = every[k];
    t0 = now_us();
    if (vr->kind == V_VOTE) ok = ballot_get(w, code);
    len = (size_t)snprintf(body, sizeof body, "csrf=%s", w->csrf);
    for (int c = 0; c < ngen; c++)
      len = rank_contest(&w->rng, &gen_c[c], body, len, sizeof body);
    for (int c = 0; ev && c < nextra; c++)
      len = rank_contest(&w->rng, &extra_c[c], body, len, sizeof body);
    if (len >= sizeof body) break;
    if (ok && vr->kind == V_VOTE) {
      snprintf(path, sizeof path, "/v/%s/review", code);
      r = vsend(w, "POST", path, body);
      ok = answer_ok(w, r, "POST /v/CODE/review", "id=\"cast\"");
      hc_resp_free(r);
    }
    if (ok) {
      snprintf(path, sizeof path, "/v/%s/cast", code);
      r = vsend(w, "POST", path, body);
      ok = answer_ok(w, r, "POST /v/CODE/cast", "id=\"receipt\"");
      hc_resp_free(r);
    }
    t1 = now_us();
    sec = (t1 - vr->t0) / 1000000;
    if (sec >= 0 && sec < PERSEC_MAX) atomic_fetch_add(&vr->persec[sec], 1);
    if (w->nlat == w->cap) {
      w->cap = w->cap ? w->cap * 2 : 4096;
      w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
      if (!w->lat) {
        fputs("web: out of memory\n", stderr);
        exit(1);
      }
    }
    w->lat[w->nlat++] =
        (uint32_t)(t1 - t0 < UINT32_MAX ? t1 - t0 : UINT32_MAX);
    if (ok) {
      w->ok++;
      w->acked_every += ev;
    } else {
      w->nother++;
    }
  }
  if (w->fd >= 0) close(w->fd);
  return NULL;
}

/* Runs a row until its codes are used up; fills in its results. */
static void run_vrow(vrow *vr) {
  vworker *ws = xmalloc((size_t)nclients * sizeof *ws);
  pthread_t *th = xmalloc((size_t)nclients * sizeof *th);
  long long tid0[TASKS_MAX], tk0[TASKS_MAX], tid1[TASKS_MAX], tk1[TASKS_MAX];
  long long s0, s1, b0, b1, c0, c1, t1;
  size_t n0, n1, total = 0, k = 0;
  uint32_t *all;
  int started = 0, last;
  pthread_barrier_init(&vr->ready, NULL, (unsigned)nclients + 1);
  pthread_barrier_init(&vr->go, NULL, (unsigned)nclients + 1);
  for (int i = 0; i < nclients; i++) {
    memset(&ws[i], 0, sizeof ws[i]);
    ws[i].vr = vr;
    ws[i].id = i;
    ws[i].fd = -1;
    ws[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) ^
                (uint64_t)now_us();
    if (pthread_create(&th[i], NULL, vwork, &ws[i]) != 0) {
      fprintf(stderr, "web: cannot start client %d\n", i);
      exit(1);
    }
    started++;
  }
  pthread_barrier_wait(&vr->ready);
  s0 = proc_ticks(hc_pid(srv));
  b0 = sys_busy_ticks();
  c0 = self_cpu_us();
  n0 = thread_ticks(hc_pid(srv), tid0, tk0, TASKS_MAX);
  vr->t0 = now_us();
  pthread_barrier_wait(&vr->go);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  t1 = now_us();
  s1 = proc_ticks(hc_pid(srv));
  b1 = sys_busy_ticks();
  c1 = self_cpu_us();
  n1 = thread_ticks(hc_pid(srv), tid1, tk1, TASKS_MAX);
  pthread_barrier_destroy(&vr->ready);
  pthread_barrier_destroy(&vr->go);
  vr->wall_us = t1 - vr->t0;
  vr->srv_ticks = s0 >= 0 && s1 >= 0 ? s1 - s0 : -1;
  vr->sys_ticks = b0 >= 0 && b1 >= 0 ? b1 - b0 : -1;
  vr->self_us = c1 - c0;
  top_threads(tid0, tk0, n0, tid1, tk1, n1, &vr->top1, &vr->top2);
  for (int i = 0; i < started; i++) {
    total += ws[i].nlat;
    vr->ok += ws[i].ok;
    vr->nother += ws[i].nother;
    vr->nerr += ws[i].nerr;
    vr->conns += ws[i].conns;
    vr->acked_every += ws[i].acked_every;
    vr->reqs += ws[i].reqs;
    if (!ws[i].csrf[0]) vr->noready++;
  }
  all = xmalloc((total ? total : 1) * sizeof *all);
  for (int i = 0; i < started; i++) {
    if (ws[i].nlat) memcpy(all + k, ws[i].lat, ws[i].nlat * sizeof *all);
    k += ws[i].nlat;
    free(ws[i].lat);
  }
  qsort(all, total, sizeof *all, cmp_u32);
  vr->n = (long long)total;
  vr->p50 = total ? all[(total - 1) * 50 / 100] : 0;
  vr->p99 = total ? all[(total - 1) * 99 / 100] : 0;
  vr->max = total ? all[total - 1] : 0;
  free(all);
  /* the slowest and fastest whole second (the last one is partial) */
  last = (int)(vr->wall_us / 1000000);
  vr->sec_min = vr->sec_max = -1;
  for (int s = 0; s < last && s < PERSEC_MAX; s++) {
    long long v = atomic_load(&vr->persec[s]);
    if (vr->sec_min < 0 || v < vr->sec_min) vr->sec_min = v;
    if (v > vr->sec_max) vr->sec_max = v;
  }
  free(ws);
  free(th);
}

static int wall_ms(const vrow *vr) {
  return (int)(vr->wall_us / 1000 > 0 ? vr->wall_us / 1000 : 1);
}

static long long vself_pct(const vrow *vr) {
  return vr->wall_us > 0 ? vr->self_us * 100 / vr->wall_us : -1;
}

static long long vother_pct(const vrow *vr) {
  long long all = tick_pct(vr->sys_ticks, wall_ms(vr));
  long long srvp = tick_pct(vr->srv_ticks, wall_ms(vr));
  if (all < 0 || srvp < 0) return -1;
  all -= srvp + vself_pct(vr);
  return all < 0 ? 0 : all;
}

static void print_vrow(const bres *b, const vrow *vr) {
  char p50[24], p99[24], mx[24], wall[24], persec[48] = "n/a (under 1 s)";
  if (vr->sec_min >= 0)
    snprintf(persec, sizeof persec, "%lld-%lld", vr->sec_min, vr->sec_max);
  printf("web: %s (writer %s) %d clients, %zu voters: %lld %s/s in %s s, "
         "p50 %s ms, p99 %s ms, max %s ms; %lld not 2xx (%lld failed); "
         "per second %s; server CPU %lld%% (busiest threads %lld%% "
         "and %lld%%), load generator %lld%%, other %lld%% of one core\n",
         vr->label, b->writer, nclients, vr->count,
         per_s(vr->ok, wall_ms(vr)), vr->kind == V_CAST ? "casts" : "voters",
         secs(wall, vr->wall_us), ms(p50, vr->p50), ms(p99, vr->p99),
         ms(mx, vr->max), vr->n - vr->ok + (long long)vr->count - vr->n,
         vr->nerr, persec,
         tick_pct(vr->srv_ticks, wall_ms(vr)),
         tick_pct(vr->top1, wall_ms(vr)), tick_pct(vr->top2, wall_ms(vr)),
         vself_pct(vr), vother_pct(vr));
  if (vr->kind == V_VOTE)
    printf("web: vote: %lld requests/s (GET, review, cast per voter)\n",
           per_s(vr->reqs, wall_ms(vr)));
  if (vr->noready)
    printf("web: %s: %lld clients could not read a ballot page\n", vr->label,
           vr->noready);
  fflush(stdout);
}

/* Reads the r.C.N fields of a ballot page into cs (contests in order of
** appearance); their number. */
static int read_fields(const char *html, bcontest *cs, int cap) {
  int n = 0;
  for (const char *p = hc_find(html, "name=\"r."); p;
       p = strstr(p + 8, "name=\"r.")) {
    long long c, nid;
    int i;
    if (sscanf(p + 8, "%lld.%lld\"", &c, &nid) != 2) continue;
    for (i = 0; i < n && cs[i].id != c; i++) {
    }
    if (i == n) {
      if (n == cap) continue;
      memset(&cs[n], 0, sizeof cs[n]);
      cs[n++].id = c;
    }
    if (cs[i].n < BCAND_MAX) cs[i].nid[cs[i].n++] = nid;
  }
  return n;
}

/* Reads the export (header org,member_no,name,email,code,link,contests)
** into codes and every.  The rows read. */
static size_t read_export(const char *csv, size_t want) {
  const char *p = strchr(csv, '\n');
  size_t n = 0;
  free(codes);
  free(every);
  codes = xmalloc(want * CODE_SLOT);
  every = xmalloc(want);
  while (p && *++p && n < want) {
    char f[7][256];
    int k = 0;
    while (k < 7 && hc_csv_field(&p, f[k], sizeof f[k])) k++;
    if (k == 7 && strlen(f[4]) < CODE_SLOT) {
      memcpy(codes + n * CODE_SLOT, f[4], strlen(f[4]) + 1);
      every[n++] = strchr(f[6], ';') != NULL;
    }
    p = strchr(p, '\n');
  }
  ncodes = n;
  return n;
}

/* A member CSV of n rows: member_no B1..Bn, every tenth tagged bame. */
static char *roll_csv(size_t n, size_t *len) {
  size_t cap = 64 + n * 64, l;
  char *b = xmalloc(cap);
  l = (size_t)snprintf(b, cap, "member_no,name,email,tags\n");
  for (size_t i = 1; i <= n; i++)
    l += (size_t)snprintf(b + l, cap - l, "B%zu,Voter %zu,v%zu@x.org,%s\n",
                          i, i, i, i % 10 == 0 ? "bame" : "");
  *len = l;
  return b;
}

static void remove_db(const char *path) {
  static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
  char p[400];
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    unlink(p);
  }
}

static void *xcalloc(size_t n) {
  void *p = xmalloc(n);
  memset(p, 0, n);
  return p;
}

/* One run of the ballot part with HUSTINGS_WRITER=writer.  0 if it could
** not run (printed). */
static int ballot_run(const char *writer, int want_cast, int want_vote,
                      bres *b) {
  char out[400], path[256], hdr[512], t1s[24], t2s[24];
  const char *extra[12];
  size_t ne = 0, csv_len, ncast = want_cast ? (size_t)nvoters : 0,
         nvote = want_vote ? (size_t)nvoters / 20 : 0, total;
  char *csv;
  long long t0, id_every = -1, id_gen = -1;
  hc_resp *r;
  int ok = 0;
  if (want_vote && nvote < 50) nvote = 50;
  total = ncast + nvote;
  memset(b, 0, sizeof *b);
  b->writer = writer;
  loadavg(b->load0);
  snprintf(demo, sizeof demo, "%s/ballot-%s.db", dir, writer);
  {
    char *dargv[] = {(char *)bin, "demo", "--db", demo, NULL};
    snprintf(out, sizeof out, "%s/demo.out", dir);
    if (run(dargv, out) != 0) {
      fprintf(stderr, "web: %s demo --db %s failed\n", bin, demo);
      return 0;
    }
  }
  extra[ne++] = "--db";
  extra[ne++] = demo;
  extra[ne++] = "--trust-proxy";
  extra[ne++] = "127.0.0.1";
  extra[ne++] = "--mail";
  extra[ne++] = "none";
  if (threads_opt) {
    extra[ne++] = "--threads";
    extra[ne++] = threads_opt;
  }
  extra[ne] = NULL;
  setenv("HUSTINGS_WRITER", writer, 1);
  srv = hc_start(bin, extra);
  unsetenv("HUSTINGS_WRITER");
  if (!srv) return 0;
  hc_set_timeout(600000); /* the set-up's big requests */
  nnoms = 0;
  if (!setup()) goto out;

  /* the roll */
  csv = roll_csv(total, &csv_len);
  snprintf(hdr, sizeof hdr,
           "%sAuthorization: Bearer %s\r\nContent-Type: text/csv\r\n",
           hc_new_addr(), token);
  t0 = now_us();
  r = hc_request(srv, "POST", "/api/v1/orgs/northfield/roll?file_name=bench",
                 hdr, csv, csv_len);
  b->roll_ms = (now_us() - t0) / 1000;
  free(csv);
  if (r->status != 201) {
    fail("roll import", r);
    hc_resp_free(r);
    goto out;
  }
  hc_resp_free(r);
  printf("web: ballots (writer %s): roll of %zu members (every tenth "
         "tagged bame; %zu KB of CSV) imported in %s s\n",
         writer, total, csv_len / 1024, secs(t1s, b->roll_ms * 1000));

  /* review, then voting */
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"review\"}");
  if (r->status != 200) {
    fail("phase review", r);
    hc_resp_free(r);
    goto out;
  }
  hc_resp_free(r);
  t0 = now_us();
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"voting\"}");
  b->open_ms = (now_us() - t0) / 1000;
  if (r->status != 200) {
    fail("phase voting", r);
    hc_resp_free(r);
    goto out;
  }
  hc_resp_free(r);
  t0 = now_us();
  r = api("POST", "/api/v1/elections/" EL "/credentials/export",
          "{\"scope\":\"all\"}");
  b->export_ms = (now_us() - t0) / 1000;
  if (r->status != 200) {
    fail("credentials/export", r);
    hc_resp_free(r);
    goto out;
  }
  b->export_bytes = (long long)r->body_len;
  if (read_export(r->body, total) != total) {
    fprintf(stderr, "web: the export has %zu codes, not %zu\n", ncodes,
            total);
    hc_resp_free(r);
    goto out;
  }
  hc_resp_free(r);
  printf("web: ballots (writer %s): voting opened in %s s (%lld electors); "
         "export of %zu new codes in %s s (%lld KB)\n",
         writer, secs(t1s, b->open_ms * 1000),
         db_value(demo, "SELECT count(*) FROM electors"), ncodes,
         secs(t2s, b->export_ms * 1000), b->export_bytes / 1024);

  /* the ballot's fields: a general-only paper, and one with every contest */
  for (size_t i = 0; i < ncodes && (id_gen < 0 || id_every < 0); i++) {
    if (every[i] && id_every < 0) id_every = (long long)i;
    if (!every[i] && id_gen < 0) id_gen = (long long)i;
  }
  ngen = nextra = 0;
  for (int pass = 0; pass < 2; pass++) {
    long long i = pass ? id_every : id_gen;
    bcontest cs[BCONTEST_MAX];
    int n;
    if (i < 0) continue;
    snprintf(path, sizeof path, "/v/%s", codes + i * CODE_SLOT);
    r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
    if (r->status != 200) {
      fail(path, r);
      hc_resp_free(r);
      goto out;
    }
    n = read_fields(r->body, cs, BCONTEST_MAX);
    hc_resp_free(r);
    for (int c = 0; c < n; c++) {
      int known = 0;
      for (int g = 0; g < ngen; g++) known |= gen_c[g].id == cs[c].id;
      if (known) continue;
      if (pass == 0) gen_c[ngen++] = cs[c];
      else extra_c[nextra++] = cs[c];
    }
  }
  if (ngen == 0) {
    fputs("web: no r.C.N fields on the ballot page\n", stderr);
    goto out;
  }
  printf("web: ballots: %d contest(s) for everyone (%d candidates), %d more "
         "for a tenth of the voters (%d candidates); 1 to %d ranked in each\n",
         ngen, gen_c[0].n, nextra, nextra ? extra_c[0].n : 0, RANK_MAX);
  fflush(stdout);
  hc_set_timeout(30000);

  if (ncast) {
    b->cast = xcalloc(sizeof *b->cast);
    b->cast->label = "cast";
    b->cast->kind = V_CAST;
    b->cast->net = 11;
    b->cast->first = 0;
    b->cast->count = ncast;
    run_vrow(b->cast);
    print_vrow(b, b->cast);
    b->acked += b->cast->ok;
    b->ballots_want += b->cast->ok * ngen + b->cast->acked_every * nextra;
  }
  if (nvote) {
    b->vote = xcalloc(sizeof *b->vote);
    b->vote->label = "vote";
    b->vote->kind = V_VOTE;
    b->vote->net = 12;
    b->vote->first = ncast;
    b->vote->count = nvote;
    run_vrow(b->vote);
    print_vrow(b, b->vote);
    b->acked += b->vote->ok;
    b->ballots_want += b->vote->ok * ngen + b->vote->acked_every * nextra;
  }

  /* voted = receipts = acknowledged casts */
  b->voted = db_value(demo, "SELECT count(*) FROM electors WHERE voted = 1");
  b->receipts = db_value(demo, "SELECT count(*) FROM receipts");
  b->ballots = db_value(demo, "SELECT count(*) FROM ballots");
  printf("web: ballots (writer %s): %lld voted, %lld receipts, %lld casts "
         "acknowledged: %s; %lld ballots stored (%lld expected)\n",
         writer, b->voted, b->receipts, b->acked,
         b->voted == b->receipts && b->receipts == b->acked ? "equal"
                                                            : "DIFFERENT",
         b->ballots, b->ballots_want);

  /* close; the count runs on the clock thread */
  hc_set_timeout(600000);
  t0 = now_us();
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"counted\"}");
  if (r->status != 200) {
    fail("phase counted", r);
    hc_resp_free(r);
    goto out;
  }
  hc_resp_free(r);
  b->close_ms = -1;
  while (now_us() - t0 < 300 * 1000000LL) {
    int st;
    r = hc_request(srv, "GET", "/e/" EL "/results", hc_new_addr(), NULL, 0);
    st = r->status;
    hc_resp_free(r);
    if (st == 200) {
      b->close_ms = (now_us() - t0) / 1000;
      break;
    }
    usleep(20000);
  }
  ok = 1;
out:
  b->srv_rc = hc_stop(srv);
  srv = NULL;
  hc_set_timeout(10000);
  {
    char *vargv[] = {(char *)bin, "audit-verify", "--db", demo, NULL};
    snprintf(out, sizeof out, "%s/demo.out", dir);
    b->verify_ok = run(vargv, out) == 0;
  }
  loadavg(b->load1);
  if (ok) {
    if (b->close_ms >= 0)
      printf("web: ballots (writer %s): close to the results page's 200: "
             "%s s; audit-verify %s; server exit status %d; load average "
             "%s before, %s after\n",
             writer, secs(t1s, b->close_ms * 1000),
             b->verify_ok ? "ok" : "FAILED", b->srv_rc, b->load0, b->load1);
    else
      printf("web: ballots (writer %s): no results page 5 minutes after the "
             "close; audit-verify %s; server exit status %d\n",
             writer, b->verify_ok ? "ok" : "FAILED", b->srv_rc);
  }
  fflush(stdout);
  if (!getenv("HC_KEEP")) remove_db(demo);
  b->ran = ok;
  return ok;
}

static void ballot_table(const bres *bs, int n) {
  printf("\n%-11s %-7s %7s %8s %8s %8s %8s %7s %9s %8s %8s %8s %6s\n",
         "web: row", "writer", "voters", "per_s", "p50_ms", "p99_ms",
         "max_ms", "non2xx", "sec_min", "srv_cpu%", "top_thr%", "web_cpu%",
         "other%");
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 2; k++) {
      const vrow *vr = k ? bs[i].vote : bs[i].cast;
      char a[24], c[24], d[24];
      if (!vr) continue;
      printf("%-11s %-7s %7zu %8lld %8s %8s %8s %7lld %9lld %8lld %8lld "
             "%8lld %6lld\n",
             k ? "web: vote" : "web: cast", bs[i].writer, vr->count,
             per_s(vr->ok, wall_ms(vr)), ms(a, vr->p50), ms(c, vr->p99),
             ms(d, vr->max), (long long)vr->count - vr->ok, vr->sec_min,
             tick_pct(vr->srv_ticks, wall_ms(vr)),
             tick_pct(vr->top1, wall_ms(vr)), vself_pct(vr),
             vother_pct(vr));
    }
  }
  printf("per_s: casts (cast) or voters (vote: GET + review + cast) a "
         "second, each row run until its codes are used; p50..max per "
         "cast or voter; sec_min: the slowest whole second; top_thr%%: "
         "the server's busiest thread.\n");
  for (int i = 0; i < n; i++)
    printf("web: writer %s: roll import %lld ms, open %lld ms, export %lld "
           "ms (%lld KB), close to results %lld ms; voted %lld = receipts "
           "%lld = acknowledged %lld: %s; audit-verify %s\n",
           bs[i].writer, bs[i].roll_ms, bs[i].open_ms, bs[i].export_ms,
           bs[i].export_bytes / 1024, bs[i].close_ms, bs[i].voted,
           bs[i].receipts, bs[i].acked,
           bs[i].voted == bs[i].receipts && bs[i].receipts == bs[i].acked
               ? "ok"
               : "NO",
           bs[i].verify_ok ? "ok" : "FAILED");
}

/* ---------------------------------------------------------------- main */

/* 1 if group is in --rows (a comma-separated list), or there is none. */
static int wanted(const char *group) {
  size_t n = strlen(group);
  for (const char *p = rows_opt; p; p = strchr(p, ',') ? strchr(p, ',') + 1
                                                      : NULL)
    if (strncmp(p, group, n) == 0 && (p[n] == ',' || p[n] == '\0')) return 1;
  return rows_opt == NULL;
}

static void usage(void) {
  fputs("usage: web [--clients N] [--seconds S] [--threads T] [--bin FILE] "
        "[--rows LIST] [--writer thread|mutex|thread,mutex] [--voters N] "
        "[--no-strace]\n", stderr);
}

/* strtol of the option after argv[*i], in [lo, hi]; exits on error. */
static int int_arg(int argc, char **argv, int *i, int lo, int hi) {
  char *end;
  long v;
  if (*i + 1 >= argc) {
    usage();
    exit(3);
  }
  v = strtol(argv[++*i], &end, 10);
  if (*end || end == argv[*i] || v < lo || v > hi) {
    fprintf(stderr, "web: %s: expected %d to %d\n", argv[*i - 1], lo, hi);
    exit(3);
  }
  return (int)v;
}

static void cleanup(void) {
  char path[400];
  if (getenv("HC_KEEP")) {
    fprintf(stderr, "web: kept %s\n", dir);
    return;
  }
  snprintf(path, sizeof path, "%s/demo.db", dir);
  remove_db(path);
  snprintf(path, sizeof path, "%s/strace.txt", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/strace.err", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/demo.out", dir);
  unlink(path);
  rmdir(dir);
}

/* The rows on the nominations-phase demo (disk page candidates write
** fsync limiter).  0 if it could not run. */
static int http_part(void) {
  const char *extra[8];
  size_t ne = 0;
  long long audit0, audit1, acked = 0;
  int rc;
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  {
    char out[400];
    char *dargv[] = {(char *)bin, "demo", "--db", demo, NULL};
    snprintf(out, sizeof out, "%s/demo.out", dir);
    if (run(dargv, out) != 0) {
      fprintf(stderr, "web: %s demo --db %s failed\n", bin, demo);
      return 0;
    }
  }
  extra[ne++] = "--db";
  extra[ne++] = demo;
  extra[ne++] = "--trust-proxy";
  extra[ne++] = "127.0.0.1";
  if (threads_opt) {
    extra[ne++] = "--threads";
    extra[ne++] = threads_opt;
  }
  extra[ne] = NULL;
  if (!(srv = hc_start(bin, extra))) return 0;
  if (!setup()) {
    hc_stop(srv);
    srv = NULL;
    return 0;
  }
  audit0 = db_value(demo, "SELECT count(*) FROM audit");

  printf("web: hustings serve (%s threads) on a demo database, %d clients, "
         "%d s per row after %d ms warm-up, %ld cores\n",
         threads_opt ? threads_opt : "default", nclients, seconds, WARM_MS,
         sysconf(_SC_NPROCESSORS_ONLN));
  if (wanted("disk")) disk_probe(1000);

  int run_ms = seconds * 1000;
  row rows[] = {
      {"page", "GET /e/" EL, K_GET, "/e/" EL, 0, 0, 1, WARM_MS, run_ms},
      {"page", "GET /e/" EL, K_GET, "/e/" EL, 1, 0, 2, WARM_MS, run_ms},
      {"candidates", "GET /e/" EL "/candidates", K_GET,
       "/e/" EL "/candidates", 0, 0, 3, WARM_MS, run_ms},
      {"candidates", "GET /e/" EL "/candidates", K_GET,
       "/e/" EL "/candidates", 1, 0, 4, WARM_MS, run_ms},
      {"write", "supporter add/revoke (API)", K_SUPPORT, NULL, 0, 0, 5,
       WARM_MS, run_ms},
      {"write", "supporter add/revoke (API)", K_SUPPORT, NULL, 1, 0, 6,
       WARM_MS, run_ms},
      {"write", "category relabel (API PATCH)", K_RELABEL, NULL, 1, 0, 9,
       WARM_MS, run_ms},
      /* under strace: a line of its own, not in the table */
      {"fsync", "supporter add/revoke (API, strace)", K_SUPPORT, NULL, 1, 0, 7,
       0, 3000},
      /* the limiter: every client from one address */
      {"limiter", "GET /e/" EL " one address", K_GET, "/e/" EL, 1, 1, 8, 0,
       3000},
  };
  const size_t nrows = sizeof rows / sizeof *rows;
  for (size_t i = 0; i < nrows; i++) {
    row *rw = &rows[i];
    if (!wanted(rw->group)) continue;
    if (rw->net == 7) {
      if (use_strace) fsync_count(rw);
      acked += rw->acked;
      continue;
    }
    rw->sup0 = db_value(demo, "SELECT count(*) FROM supporters");
    run_row(rw);
    rw->sup1 = db_value(demo, "SELECT count(*) FROM supporters");
    rw->shown = 1;
    acked += rw->acked;
    if (rw->one_addr)
      printf("web: limiter, %d clients from one address, GET, keep-alive: "
             "%lld 200/s (limit: 20/s after a burst of 100), %lld 429/s, "
             "p50 %s ms, p99 %s ms\n",
             nclients, per_s(rw->n2xx, rw->run_ms),
             per_s(rw->n429, rw->run_ms), ms((char[24]){0}, rw->p50),
             ms((char[24]){0}, rw->p99));
    else
      print_line(rw);
  }

  /* the table */
  printf("\n%-36s %-10s %7s %8s %8s %8s %7s %6s %6s %5s %8s %8s %6s\n",
         "web: request", "conn", "req/s", "p50_ms", "p99_ms", "max_ms",
         "non2xx", "429", "errors", "conns", "srv_cpu%", "web_cpu%",
         "other%");
  for (size_t i = 0; i < nrows; i++) {
    const row *rw = &rows[i];
    char a[24], b[24], c[24];
    if (!rw->shown) continue;
    printf("%-36s %-10s %7lld %8s %8s %8s %7lld %6lld %6lld %5lld %8lld "
           "%8lld %6lld\n",
           rw->label, rw->keep ? "keep-alive" : "close",
           per_s(rw->n, rw->run_ms), ms(a, rw->p50), ms(b, rw->p99),
           ms(c, rw->max), rw->n - rw->n2xx, rw->n429, rw->nerr,
           rw->conns, tick_pct(rw->srv_ticks, rw->run_ms), self_pct(rw),
           other_pct(rw));
  }
  printf("srv_cpu%%, web_cpu%%, other%%: CPU time of the server, of this "
         "load generator and of everything else\n(other processes, kernel "
         "threads, steal) over the window, in %% of one core; the machine "
         "has %ld.\n", sysconf(_SC_NPROCESSORS_ONLN));

  rc = hc_stop(srv);
  srv = NULL;
  audit1 = db_value(demo, "SELECT count(*) FROM audit");
  {
    char out[400];
    char *vargv[] = {(char *)bin, "audit-verify", "--db", demo, NULL};
    int v;
    snprintf(out, sizeof out, "%s/demo.out", dir);
    v = run(vargv, out);
    printf("web: %lld writes acknowledged, %lld audit rows added; "
           "audit-verify %s; server exit status %d\n",
           acked, audit1 - audit0, v == 0 ? "ok" : "FAILED", rc);
  }
  return 1;
}

int main(int argc, char **argv) {
  const char *tmp = getenv("TMPDIR");
  char threads_buf[16];
  const char *writers[WRITERS_MAX];
  bres res[WRITERS_MAX];
  int nwriters = 0, status = 0, nres = 0;
  int want_http, want_cast, want_vote;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--clients"))
      nclients = int_arg(argc, argv, &i, 1, MAX_CLIENTS);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = int_arg(argc, argv, &i, 1, 60);
    else if (!strcmp(argv[i], "--threads")) {
      snprintf(threads_buf, sizeof threads_buf, "%d",
               int_arg(argc, argv, &i, 1, 64));
      threads_opt = threads_buf;
    } else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
      bin = argv[++i];
    else if (!strcmp(argv[i], "--rows") && i + 1 < argc)
      rows_opt = argv[++i];
    else if (!strcmp(argv[i], "--writer") && i + 1 < argc)
      writers_opt = argv[++i];
    else if (!strcmp(argv[i], "--voters"))
      nvoters = int_arg(argc, argv, &i, VOTERS_MIN, VOTERS_MAX);
    else if (!strcmp(argv[i], "--no-strace"))
      use_strace = 0;
    else {
      usage();
      return 3;
    }
  }
  /* wanted() reads rows_opt: decide after the options */
  want_http = wanted("disk") || wanted("page") || wanted("candidates") ||
              wanted("write") || wanted("fsync") || wanted("limiter");
  want_cast = wanted("cast");
  want_vote = wanted("vote");
  for (const char *p = writers_opt; p && *p;) {
    size_t n = strcspn(p, ",");
    if (n == 5 && !strncmp(p, "mutex", 5) && nwriters < WRITERS_MAX)
      writers[nwriters++] = "mutex";
    else if (n == 6 && !strncmp(p, "thread", 6) && nwriters < WRITERS_MAX)
      writers[nwriters++] = "thread";
    else {
      fprintf(stderr, "web: --writer: expected thread, mutex or a list of "
              "them (thread,mutex)\n");
      return 3;
    }
    p += n;
    if (*p == ',') p++;
  }
  if (!bin) bin = hc_bin_from_argv0(argv[0]);
  if (access(bin, X_OK) != 0) {
    fprintf(stderr, "web: %s: %s\n", bin, strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  hc_set_timeout(10000);

  snprintf(dir, sizeof dir, "%s/hustings-web.XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "web: mkdtemp %s: %s\n", dir, strerror(errno));
    return 1;
  }
  if (want_http && !http_part()) status = 1;
  if (status == 0 && (want_cast || want_vote)) {
    printf("\nweb: ballots: %d voters cast from %d clients, then %d vote "
           "(GET, review, cast) if asked; serve --mail none, %s threads; "
           "writer %s\n",
           want_cast ? nvoters : 0, nclients, want_vote ? nvoters / 20 : 0,
           threads_opt ? threads_opt : "default", writers_opt);
    fflush(stdout);
    for (int i = 0; i < nwriters; i++) {
      if (!ballot_run(writers[i], want_cast, want_vote, &res[nres])) {
        status = 1;
        break;
      }
      nres++;
    }
    if (nres) ballot_table(res, nres);
    for (int i = 0; i < nres; i++) {
      free(res[i].cast);
      free(res[i].vote);
    }
    free(codes);
    free(every);
  }
  cleanup();
  return status;
}
