/*
** web.c: a load benchmark of the election service (`hustings serve`), for
** bench/run.sh (make bench); never run by make check.  It measures what
** part 2 builds on: page reads and small durable writes from many
** concurrent clients on this machine.
**
**   web [--clients N] [--seconds S] [--threads T] [--bin HUSTINGS]
**       [--no-strace]
**
**   --clients N   concurrent clients, one thread each (default 64, 1-250)
**   --seconds S   measured seconds per row (default 5, 1-60), after a
**                 warm-up of half a second
**   --threads T   passed to serve as --threads (default: serve's own, 16)
**   --bin FILE    the hustings binary (default: dirname(argv0)/../hustings,
**                 or $HUSTINGS_BIN)
**   --rows LIST   only these, comma-separated: disk page candidates write
**                 fsync limiter (default: all)
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
** Output: one line per row, "web: GET /e/steering-2027 (keep-alive) 64
** clients: N req/s, p50 X ms, p99 Y ms", then a table.  No figure is a
** test: it exits 0 whatever the figures, and 1 only if it cannot run
** (no binary, the server does not start, the set-up requests fail).
**
** Ownership: all state is file-local; each worker owns its latency array
** until the row's results are merged by the main thread.  Integer
** arithmetic only (microseconds), like the rest of the project.
*/
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

/* Sends req on the worker's connection (a new one if none) and reads the
** answer.  A kept connection that the server has closed meanwhile is
** retried once on a new one.  NULL if no connection could be made. */
static hc_resp *exchange(worker *w, const char *req, size_t len) {
  for (int tries = 0; tries < 2; tries++) {
    int fresh = w->fd < 0;
    hc_resp *r;
    if (fresh) {
      if ((w->fd = hc_connect(srv)) < 0) return NULL;
      w->conns++;
    }
    hc_send(w->fd, req, len);
    r = hc_recv(NULL, w->fd, 0);
    if (r->err == HC_OK) {
      const char *c = hc_header(r, "Connection");
      if (!w->rw->keep || (c && strcasecmp(c, "close") == 0)) {
        close(w->fd);
        w->fd = -1;
      }
      return r;
    }
    close(w->fd);
    w->fd = -1;
    if (fresh || r->err != HC_ECLOSED) return r;
    hc_resp_free(r);
  }
  return NULL;
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
        "[--rows LIST] [--no-strace]\n", stderr);
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
  static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
  char path[400];
  if (getenv("HC_KEEP")) {
    fprintf(stderr, "web: kept %s\n", dir);
    return;
  }
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    snprintf(path, sizeof path, "%s%s", demo, suffix[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/strace.txt", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/strace.err", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/demo.out", dir);
  unlink(path);
  rmdir(dir);
}

int main(int argc, char **argv) {
  const char *tmp = getenv("TMPDIR");
  char threads_buf[16];
  const char *extra[8];
  size_t ne = 0;
  long long audit0, audit1, acked = 0;
  int rc;
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
    else if (!strcmp(argv[i], "--no-strace"))
      use_strace = 0;
    else {
      usage();
      return 3;
    }
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
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  {
    char out[400];
    char *dargv[] = {(char *)bin, "demo", "--db", demo, NULL};
    snprintf(out, sizeof out, "%s/demo.out", dir);
    if (run(dargv, out) != 0) {
      fprintf(stderr, "web: %s demo --db %s failed\n", bin, demo);
      cleanup();
      return 1;
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
  if (!(srv = hc_start(bin, extra))) {
    cleanup();
    return 1;
  }
  if (!setup()) {
    hc_stop(srv);
    cleanup();
    return 1;
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
  cleanup();
  return 0;
}
