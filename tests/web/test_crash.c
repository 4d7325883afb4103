/*
** test_crash.c: crash safety (issue 7).  `hustings serve` is killed with
** SIGKILL at ten random moments during a load of 20,000 ballots, and
** started again on the same database each time; after each restart:
**
**   - PRAGMA integrity_check is "ok";
**   - every ballot whose cast was acknowledged (200 and its receipt page)
**     is there: its receipt code is in the receipts table;
**   - no credential is both unused and counted: receipts = credentials
**     used = electors voted = ballots of the general contest, ballots of
**     the BAME seat = BAME electors who voted (every voter ranks in every
**     contest on their paper), and each voted elector has exactly one used
**     credential and the reverse;
**   - `hustings audit-verify` passes (a cast writes no audit row, but the
**     log shares the file).
**
** Set-up over HTTP, as bench/web.c does it: `hustings demo`, the first
** administrator, an API token, the nominations accepted, the election
** published, a roll of 20,000 (every tenth tagged bame) imported, review,
** voting, and the 20,000 codes exported.
**
** The load: CLIENTS threads take the codes in turn and POST /v/CODE/cast
** a random ranking from an address of their own (--trust-proxy, as the
** bench, so no rate limit is met).  A cast whose answer is lost (the
** connection refused, reset or cut short by the kill) is sent again once
** the server is back: its first try may have committed, and then the
** answer must be 409 "This link was used to vote", never a second ballot.
** A 409 for a code whose earlier answer was not lost is a failure, and so
** is any answer but 200, 409 after a lost answer, or (retried) 403, 429,
** 503.
**
** The killer (the main thread): for kill k (0..9) it waits until
** k * 2000 + a random 150..1850 casts are settled (acknowledged, or
** refused as used after a lost answer), sleeps a random
** 0..20 ms more, kills the server with SIGKILL, checks that no process
** holds the database, starts `hustings serve` again on it (a new port),
** runs the checks while the clients wait, then lets them go on.  The
** seed is printed; HUSTINGS_CRASH_SEED=N repeats a run's moments (the
** server's timing still varies).
**
** At the end: 20,000 receipts, every code used once (acknowledged, or
** refused as used after a lost answer), then voting is closed through the
** API, the server killed once more at a random moment of the count (0 to
** 1 s in) and started again; the count must finish (integrity_check and
** audit-verify again), and the published results count 20,000 ballots in
** the general contest (none invalid), the BAME electors' in theirs, and
** receipts.txt lists every acknowledged receipt among its 20,000 lines.
**
** Ownership: the shared state below is guarded by mu (the server of the
** moment, its epoch, each code's outcome); the workers own their cookie,
** csrf token and random state.  Old servers are kept until the end (a
** worker may still hold one when it is killed).
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define ADMIN_PW "crash test password, long enough"
#define NVOTERS 20000
#define NKILLS 10
#define CLIENTS 32
#define CODE_SLOT 32 /* a code's text (26) and its NUL, with room */
#define RECEIPT_LEN 19
#define BCAND_MAX 64
#define RANK_MAX 9
#define WAIT_MS 300000 /* generous: a loaded 2-core machine under ASan */

typedef struct bcontest {
  long long id;
  long long nid[BCAND_MAX];
  int n;
} bcontest;

static const char *argv0, *bin;
static char dir[256], demo[300], token[128];
static char (*codes)[CODE_SLOT];
static unsigned char *every; /* 1: the voter has the BAME seat too */
static bcontest gen_c, bame_c;
static uint64_t seed;

/* -------------------------------------------------- shared by the threads */

enum { O_NONE, O_ACKED, O_USED }; /* a code's outcome */
enum { D_NONE = 0, D_LOST = 1, D_5XX = 2 }; /* why a code was sent again */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;  /* up or epoch */
static pthread_cond_t kcv = PTHREAD_COND_INITIALIZER; /* acked moved on */
static hc_server *servers[NKILLS + 2]; /* every server started, in order */
static int nservers;
static hc_server *cur; /* the live one (under mu) */
static int up = 1, epoch;
static unsigned char outcome[NVOTERS], doubt[NVOTERS];
static char receipts[NVOTERS][RECEIPT_LEN + 1];
/* casts acknowledged, refused as used after a lost answer (the two make
** the casts settled), and the number settled the killer waits for */
static long long nacked, nused, kill_at = LLONG_MAX; /* under mu */
static int nworking;                                 /* under mu */
static atomic_size_t next_code;
static atomic_long n_lost, n_5xx, n_403, n_429, n_bad;
static atomic_int complained;
static int load_ok; /* the load test passed: the count may run */

/* ------------------------------------------------------------- helpers */

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rnd(uint64_t *s) { /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static void abs_deadline(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* Prints why a set-up step failed; returns -1. */
static int failed_step(const char *what, const hc_resp *r) {
  fprintf(stderr, "# %s: status %d (client error %d): %.300s\n", what,
          r ? r->status : 0, r ? r->err : 0, r && r->body ? r->body : "");
  return -1;
}

static hc_resp *api(const char *method, const char *path, const char *json) {
  return hc_json_from(cur, hc_new_addr(), method, path, token, json);
}

/* The server's extra arguments: the demo database, the proxy rule that
** lets each request name its client address, no mail. */
static hc_server *start_server(void) {
  const char *extra[] = {"--db", demo, "--trust-proxy", "127.0.0.1",
                         "--mail", "none", NULL};
  return hc_start(bin, extra);
}

/* 1 if some process of ours has path (or its -wal, -shm) open. */
static int db_held(const char *path) {
  DIR *procs = opendir("/proc"), *fds;
  struct dirent *p, *f;
  char real[PATH_MAX], fdir[300], link[600], to[PATH_MAX];
  size_t n;
  int held = 0;
  if (!procs || !realpath(path, real)) {
    if (procs) closedir(procs);
    return 0;
  }
  n = strlen(real);
  while (!held && (p = readdir(procs))) {
    if (p->d_name[0] < '1' || p->d_name[0] > '9') continue;
    snprintf(fdir, sizeof fdir, "/proc/%s/fd", p->d_name);
    if (!(fds = opendir(fdir))) continue; /* gone, or not ours */
    while (!held && (f = readdir(fds))) {
      ssize_t k;
      if (f->d_name[0] == '.') continue;
      snprintf(link, sizeof link, "%s/%s", fdir, f->d_name);
      k = readlink(link, to, sizeof to - 1);
      if (k <= 0) continue;
      to[k] = 0;
      if (!strncmp(to, real, n) &&
          (!to[n] || !strcmp(to + n, "-wal") || !strcmp(to + n, "-shm"))) {
        fprintf(stderr, "# process %s holds %s\n", p->d_name, to);
        held = 1;
      }
    }
    closedir(fds);
  }
  closedir(procs);
  return held;
}

static long long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* ----------------------------------------------------------- the set-up */

/* The export (org,member_no,name,email,code,link,contests) into codes and
** every; the rows read. */
static size_t read_export(const char *csv) {
  const char *p = strchr(csv, '\n');
  size_t n = 0;
  while (p && *++p && n < NVOTERS) {
    char f[7][256];
    int k = 0;
    while (k < 7 && hc_csv_field(&p, f[k], sizeof f[k])) k++;
    if (k == 7 && strlen(f[4]) == 26) {
      memcpy(codes[n], f[4], 27);
      every[n++] = strchr(f[6], ';') != NULL;
    }
    p = strchr(p, '\n');
  }
  return n;
}

/* The r.C.N fields of a ballot page: the first contest into a, a second
** into b (when b is not NULL). */
static void read_fields(const char *html, bcontest *a, bcontest *b) {
  memset(a, 0, sizeof *a);
  if (b) memset(b, 0, sizeof *b);
  for (const char *p = hc_find(html, "name=\"r."); p;
       p = strstr(p + 8, "name=\"r.")) {
    long long c, nid;
    bcontest *x;
    if (sscanf(p + 8, "%lld.%lld\"", &c, &nid) != 2) continue;
    if (!a->id || a->id == c) x = a;
    else if (b && (!b->id || b->id == c)) x = b;
    else continue;
    x->id = c;
    if (x->n < BCAND_MAX) x->nid[x->n++] = nid;
  }
}

static int group_setup(void **state) {
  const char *tmp = getenv("TMPDIR"), *env = getenv("HUSTINGS_CRASH_SEED");
  char out[400], csrf[65], path[256], hdr[512];
  long long ids[64], t0 = now_us();
  size_t nids = 0, i, len = 0, cap = 64 + (size_t)NVOTERS * 64;
  hc_resp *r;
  json_t *j, *it;
  char *csv;
  (void)state;
  bin = hc_bin_from_argv0(argv0);
  seed = env && *env ? strtoull(env, NULL, 10)
                     : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
  if (!seed) seed = 1;
  printf("# seed %llu (HUSTINGS_CRASH_SEED=%llu repeats it)\n",
         (unsigned long long)seed, (unsigned long long)seed);
  fflush(stdout);
  snprintf(dir, sizeof dir, "%s/crash.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return -1;
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  snprintf(out, sizeof out, "%s/demo.out", dir);
  {
    char *argv[] = {(char *)bin, "demo", "--db", demo, NULL};
    if (tu_run(argv, out, NULL) != 0) {
      fprintf(stderr, "# %s demo --db %s failed\n", bin, demo);
      return -1;
    }
  }
  if (!(cur = start_server())) return -1;
  servers[nservers++] = cur;
  hc_set_timeout(600000); /* the set-up's big requests */
  if (!hc_setup_admin(cur, "Northfield", "ro@example.org", "Returning Officer",
                      ADMIN_PW, csrf) ||
      !hc_make_token(cur, "crash test", token, sizeof token))
    return -1;
  hc_jar_clear(cur);
  /* accept the nominations, publish */
  r = api("GET", "/api/v1/elections/" EL "/nominations?status=submitted",
          NULL);
  j = r->status == 200 ? json_loads(r->body, 0, NULL) : NULL;
  if (!j) return failed_step("GET nominations", r);
  hc_resp_free(r);
  json_array_foreach(json_object_get(j, "nominations"), i, it) {
    if (nids < 64)
      ids[nids++] = (long long)json_integer_value(json_object_get(it, "id"));
  }
  json_decref(j);
  for (i = 0; i < nids; i++) {
    snprintf(path, sizeof path, "/api/v1/nominations/%lld/decision", ids[i]);
    r = api("POST", path, "{\"decision\":\"accept\",\"reason\":\"test\"}");
    if (r->status != 200) return failed_step(path, r);
    hc_resp_free(r);
  }
  r = api("POST", "/api/v1/elections/" EL "/publish", "{}");
  if (r->status != 200) return failed_step("publish", r);
  hc_resp_free(r);
  /* the roll: member_no C1..CN, every tenth tagged bame */
  csv = malloc(cap);
  if (!csv) return -1;
  len = (size_t)snprintf(csv, cap, "member_no,name,email,tags\n");
  for (i = 1; i <= NVOTERS; i++)
    len += (size_t)snprintf(csv + len, cap - len, "C%zu,Voter %zu,c%zu@x.org,"
                            "%s\n", i, i, i, i % 10 == 0 ? "bame" : "");
  snprintf(hdr, sizeof hdr,
           "%sAuthorization: Bearer %s\r\nContent-Type: text/csv\r\n",
           hc_new_addr(), token);
  r = hc_request(cur, "POST", "/api/v1/orgs/northfield/roll?file_name=crash",
                 hdr, csv, len);
  free(csv);
  if (r->status != 201) return failed_step("roll import", r);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"review\"}");
  if (r->status != 200) return failed_step("phase review", r);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"voting\"}");
  if (r->status != 200) return failed_step("phase voting", r);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/" EL "/credentials/export",
          "{\"scope\":\"all\"}");
  if (r->status != 200) return failed_step("credentials/export", r);
  codes = calloc(NVOTERS, sizeof *codes);
  every = calloc(NVOTERS, 1);
  if (!codes || !every) return -1;
  if (read_export(r->body) != NVOTERS) {
    fprintf(stderr, "# the export does not have %d codes\n", NVOTERS);
    return failed_step("credentials/export", r);
  }
  hc_resp_free(r);
  /* the contests: a general-only paper and a BAME one */
  for (int pass = 0; pass < 2; pass++) {
    bcontest other;
    size_t k = 0;
    while (k + 1 < NVOTERS && every[k] != pass) k++;
    snprintf(path, sizeof path, "/v/%s", codes[k]);
    r = hc_request(cur, "GET", path, hc_new_addr(), NULL, 0);
    if (r->status != 200) return failed_step(path, r);
    if (pass == 0) {
      read_fields(r->body, &gen_c, &other);
      if (other.n) return failed_step("a second contest for code 0", r);
    } else {
      read_fields(r->body, &other, &bame_c);
      if (other.id != gen_c.id || !bame_c.n)
        return failed_step("the BAME voter's paper", r);
    }
    hc_resp_free(r);
  }
  if (gen_c.n < 2) {
    fprintf(stderr, "# unexpected papers: %d general candidates\n", gen_c.n);
    return -1;
  }
  printf("# set-up: %d electors, general %d candidates, bame %d, in %lld "
         "ms\n", NVOTERS, gen_c.n, bame_c.n, (now_us() - t0) / 1000);
  fflush(stdout);
  return 0;
}

static int group_teardown(void **state) {
  int rc = 0;
  (void)state;
  for (int i = 0; i < nservers; i++)
    if (servers[i]) {
      int st = hc_stop(servers[i]);
      if (servers[i] == cur && st != 0) rc = -1;
    }
  nservers = 0;
  cur = NULL;
  free(codes);
  free(every);
  if (!getenv("HC_KEEP") && dir[0]) {
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    tu_run(argv, NULL, NULL);
  } else if (dir[0])
    fprintf(stderr, "# kept %s\n", dir);
  return rc;
}

/* ------------------------------------------------------------ the load */

typedef struct worker {
  int id;
  unsigned seq;
  uint64_t rng;
  char cookie[200]; /* "hs_anon=..." */
  char csrf[65];
} worker;

/* Complains once (the first unexpected answer), and counts it. */
static void bad(const char *what, const char *code, const hc_resp *r) {
  atomic_fetch_add(&n_bad, 1);
  if (atomic_exchange(&complained, 1) == 0)
    fprintf(stderr, "# %s (code %s): status %d (client error %d): %.300s\n",
            what, code, r ? r->status : 0, r ? r->err : 0,
            r && r->body ? r->body : "");
}

/* The server to use and its epoch; waits while it is down. */
static hc_server *server_now(int *ep) {
  hc_server *s;
  pthread_mutex_lock(&mu);
  while (!up) pthread_cond_wait(&cv, &mu);
  s = cur;
  *ep = epoch;
  pthread_mutex_unlock(&mu);
  return s;
}

/* After a lost answer: waits until the server of epoch ep is replaced,
** or 200 ms (the loss may have had another cause: trying again is safe). */
static void wait_change(int ep) {
  struct timespec ts;
  abs_deadline(&ts, 200);
  pthread_mutex_lock(&mu);
  while ((epoch == ep || !up) &&
         pthread_cond_timedwait(&cv, &mu, &ts) != ETIMEDOUT) {
  }
  pthread_mutex_unlock(&mu);
}

static int same_epoch(int ep) {
  int same;
  pthread_mutex_lock(&mu);
  same = epoch == ep;
  pthread_mutex_unlock(&mu);
  return same;
}

/* Extra header lines: the worker's next client address and its cookie
** (always a Cookie line, so hc_request leaves the shared jar out). */
static void headers(worker *w, char *h, size_t cap, int form) {
  w->seq++;
  snprintf(h, cap, "X-Forwarded-For: 10.20.%d.%u\r\nCookie: %s\r\n%s",
           w->id, w->seq % 250 + 1, w->cookie[0] ? w->cookie : "none=0",
           form ? "Content-Type: application/x-www-form-urlencoded\r\n"
                : "");
}

/* GET /v for an anonymous cookie and its csrf token (a code's own page
** has no form once the code is used).  1 on success. */
static int get_csrf(worker *w, hc_server *s) {
  char h[512];
  const char *sc;
  hc_resp *r;
  int ok;
  w->cookie[0] = 0;
  headers(w, h, sizeof h, 0);
  r = hc_request(s, "GET", "/v", h, NULL, 0);
  ok = r->err == HC_OK && r->status == 200 && hc_csrf(r->body, w->csrf) &&
       strlen(w->csrf) == 64 && (sc = hc_set_cookie(r, "hs_anon"));
  if (ok) {
    size_t n = strcspn(sc, ";");
    ok = n < sizeof w->cookie;
    if (ok) {
      memcpy(w->cookie, sc, n);
      w->cookie[n] = 0;
    }
  }
  if (!ok) w->csrf[0] = 0;
  hc_resp_free(r);
  return ok;
}

/* Appends "&r.C.N=K" for a random ranking of 1 to RANK_MAX of c's
** candidates; the new length. */
static size_t rank_contest(uint64_t *rng, const bcontest *c, char *out,
                           size_t len, size_t cap) {
  long long pick[BCAND_MAX];
  int n = c->n, k;
  memcpy(pick, c->nid, (size_t)n * sizeof *pick);
  k = 1 + (int)(rnd(rng) % (uint64_t)(n < RANK_MAX ? n : RANK_MAX));
  for (int j = 0; j < k && len < cap; j++) {
    int m = j + (int)(rnd(rng) % (uint64_t)(n - j));
    long long t = pick[j];
    pick[j] = pick[m];
    pick[m] = t;
    len += (size_t)snprintf(out + len, cap - len, "&r.%lld.%lld=%d", c->id,
                            pick[j], j + 1);
  }
  return len < cap ? len : cap;
}

/* The receipt code of a receipt page into out; 1 if well-formed. */
static int receipt_of(const hc_resp *r, char out[RECEIPT_LEN + 1]) {
  const char *p = hc_find(r->body, "<code id=\"receipt\">");
  if (!p) return 0;
  p += strlen("<code id=\"receipt\">");
  if (strlen(p) < RECEIPT_LEN + 7 || strncmp(p + RECEIPT_LEN, "</code>", 7))
    return 0;
  memcpy(out, p, RECEIPT_LEN);
  out[RECEIPT_LEN] = 0;
  return 1;
}

/* Casts code i until its outcome is known. */
static void cast_one(worker *w, size_t i) {
  const char *code = codes[i];
  char form[1024], body[1200], h[512], path[64], rc[RECEIPT_LEN + 1];
  size_t len = 0;
  len = rank_contest(&w->rng, &gen_c, form, 0, sizeof form);
  if (every[i]) len = rank_contest(&w->rng, &bame_c, form, len, sizeof form);
  snprintf(path, sizeof path, "/v/%s/cast", code);
  for (int tries = 0;; tries++) {
    int ep, st, lost;
    hc_server *s = server_now(&ep);
    hc_resp *r;
    if (tries > 2000) { /* some minutes of failures: give up on it */
      bad("no answer after 2000 tries", code, NULL);
      return;
    }
    if (!w->csrf[0] && !get_csrf(w, s)) {
      atomic_fetch_add(&n_lost, 1);
      wait_change(ep);
      continue;
    }
    snprintf(body, sizeof body, "csrf=%s%.*s", w->csrf, (int)len, form);
    headers(w, h, sizeof h, 1);
    r = hc_request(s, "POST", path, h, body, strlen(body));
    st = r->err == HC_OK ? r->status : 0;
    /* an answer from a server since killed (its port may be someone
    ** else's by now) counts only if it is a receipt */
    lost = st == 0 || (st != 200 && !same_epoch(ep));
    if (!lost && st == 200) {
      if (!receipt_of(r, rc)) {
        bad("200 without a receipt", code, r);
      } else {
        pthread_mutex_lock(&mu);
        outcome[i] = O_ACKED;
        memcpy(receipts[i], rc, sizeof rc);
        if (++nacked + nused >= kill_at) pthread_cond_signal(&kcv);
        pthread_mutex_unlock(&mu);
      }
      hc_resp_free(r);
      return;
    }
    if (!lost && st == 409) {
      /* the code was used: by an earlier try whose answer was lost, and
      ** only then (a 5xx or a first try must not have stored anything) */
      if (doubt[i] != D_LOST || !hc_find(r->body, "This link was used")) {
        bad(doubt[i] == D_5XX ? "409 after a 5xx answer"
                              : "409 for a code not sent before",
            code, r);
      } else {
        pthread_mutex_lock(&mu);
        outcome[i] = O_USED;
        if (nacked + ++nused >= kill_at) pthread_cond_signal(&kcv);
        pthread_mutex_unlock(&mu);
      }
      hc_resp_free(r);
      return;
    }
    if (lost) {
      doubt[i] = D_LOST;
      atomic_fetch_add(&n_lost, 1);
      hc_resp_free(r);
      wait_change(ep);
      continue;
    }
    if (st == 403) { /* the csrf token: a new one */
      atomic_fetch_add(&n_403, 1);
      w->csrf[0] = 0;
    } else if (st == 429) {
      atomic_fetch_add(&n_429, 1);
      usleep(50000);
    } else if (st >= 500) {
      /* the server said the cast failed: nothing must have been kept */
      if (doubt[i] == D_NONE) doubt[i] = D_5XX;
      atomic_fetch_add(&n_5xx, 1);
      usleep(20000);
    } else {
      bad("unexpected answer to a cast", code, r);
      hc_resp_free(r);
      return;
    }
    hc_resp_free(r);
  }
}

static void *work(void *arg) {
  worker *w = arg;
  size_t i;
  while ((i = atomic_fetch_add(&next_code, 1)) < NVOTERS) cast_one(w, i);
  pthread_mutex_lock(&mu);
  nworking--;
  pthread_cond_signal(&kcv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

/* ----------------------------------------------------------- the checks */

static int cmp_receipt(const void *a, const void *b) {
  return strcmp(a, b);
}

static int64_t q1(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int64_t v = INT64_MIN;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  if (v == INT64_MIN) fprintf(stderr, "# %s: %s\n", sql, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return v;
}

/* PRAGMA integrity_check on db answers one row, "ok". */
static void check_integrity(sqlite3 *db, const char *label) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
                                      NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
    fail_msg("%s: integrity_check: %s", label, sqlite3_column_text(st, 0));
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

static void audit_verify(const char *label) {
  char out[400];
  char *argv[] = {(char *)bin, "audit-verify", "--db", demo, NULL};
  snprintf(out, sizeof out, "%s/verify.out", dir);
  if (tu_run(argv, out, NULL) != 0)
    fail_msg("%s: audit-verify failed", label);
}

/* The checks on the database (the server up, the clients waiting, or
** finished when final).  Prints a summary line with label. */
static void check_db(const char *label, int final) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char (*have)[RECEIPT_LEN + 1];
  size_t nhave = 0, missing = 0, i;
  int64_t rec, used, voted, bg, bb, vb, odd1, odd2, odd3;
  long long acked, usedr;
  char sqlb[256];
  assert_int_equal(sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  /* one read transaction: every count from the same snapshot */
  assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
  check_integrity(db, label);

  rec = q1(db, "SELECT count(*) FROM receipts");
  used = q1(db, "SELECT count(*) FROM credentials WHERE used = 1");
  voted = q1(db, "SELECT count(*) FROM electors WHERE voted = 1");
  snprintf(sqlb, sizeof sqlb,
           "SELECT count(*) FROM ballots WHERE contest_id = %lld", gen_c.id);
  bg = q1(db, sqlb);
  snprintf(sqlb, sizeof sqlb,
           "SELECT count(*) FROM ballots WHERE contest_id = %lld", bame_c.id);
  bb = q1(db, sqlb);
  vb = q1(db, "SELECT count(*) FROM electors WHERE voted = 1 AND "
              "instr(tags, ' bame ') > 0");
  /* a voted elector without a used credential, or the reverse, or more
  ** than one used credential for one elector */
  odd1 = q1(db, "SELECT count(*) FROM electors WHERE voted = 1 AND id NOT "
                "IN (SELECT elector_id FROM credentials WHERE used = 1)");
  odd2 = q1(db, "SELECT count(*) FROM credentials c JOIN electors e ON e.id "
                "= c.elector_id WHERE c.used = 1 AND e.voted = 0");
  odd3 = q1(db, "SELECT count(*) FROM (SELECT elector_id FROM credentials "
                "WHERE used = 1 GROUP BY elector_id HAVING count(*) > 1)");
  have = calloc((size_t)(rec > 0 ? rec : 1), sizeof *have);
  assert_non_null(have);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT code FROM receipts", -1,
                                      &st, NULL),
                   SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW && nhave < (size_t)rec) {
    const unsigned char *c = sqlite3_column_text(st, 0);
    snprintf(have[nhave++], RECEIPT_LEN + 1, "%s", c ? (const char *)c : "");
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(db);
  qsort(have, nhave, sizeof *have, cmp_receipt);
  pthread_mutex_lock(&mu);
  acked = nacked;
  usedr = nused;
  for (i = 0; i < NVOTERS; i++)
    if (outcome[i] == O_ACKED &&
        !bsearch(receipts[i], have, nhave, sizeof *have, cmp_receipt)) {
      if (!missing)
        fprintf(stderr, "# %s: acknowledged receipt %s (code %zu) is not "
                "stored\n", label, receipts[i], i);
      missing++;
    }
  pthread_mutex_unlock(&mu);
  free(have);
  printf("# %s: receipts %lld (acknowledged %lld, refused as used after a "
         "lost answer %lld), credentials used %lld, electors voted %lld, "
         "ballots %lld + %lld\n",
         label, (long long)rec, acked, usedr, (long long)used,
         (long long)voted, (long long)bg, (long long)bb);
  fflush(stdout);
  assert_int_equal(missing, 0);
  assert_true(rec >= 0 && (size_t)rec == nhave);
  assert_true(rec >= acked + usedr);
  assert_int_equal(used, rec);
  assert_int_equal(voted, rec);
  assert_int_equal(bg, rec);
  assert_int_equal(bb, vb);
  assert_int_equal(odd1, 0);
  assert_int_equal(odd2, 0);
  assert_int_equal(odd3, 0);
  if (final) {
    assert_int_equal(rec, NVOTERS);
    assert_int_equal(acked + usedr, NVOTERS);
    assert_int_equal(vb, NVOTERS / 10);
  }
  audit_verify(label);
}

/* ----------------------------------------------------------- the test */

static void test_kill_during_load(void **state) {
  pthread_t th[CLIENTS];
  worker *ws = calloc(CLIENTS, sizeof *ws);
  uint64_t krng = seed;
  long long t0 = now_us(), restart_max = 0, restart_sum = 0;
  (void)state;
  assert_non_null(ws);
  hc_set_timeout(30000);
  rnd(&krng);
  nworking = CLIENTS;
  for (int c = 0; c < CLIENTS; c++) {
    ws[c].id = c;
    ws[c].rng = seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(c + 1));
    rnd(&ws[c].rng);
    assert_int_equal(pthread_create(&th[c], NULL, work, &ws[c]), 0);
  }
  for (int k = 0; k < NKILLS; k++) {
    long long at = (long long)k * (NVOTERS / NKILLS) + 150 +
                   (long long)(rnd(&krng) % (NVOTERS / NKILLS - 300));
    long long delay = (long long)(rnd(&krng) % 20000), got, t1, wal;
    struct timespec ts;
    hc_server *old, *fresh;
    char label[64];
    int st;
    abs_deadline(&ts, WAIT_MS);
    pthread_mutex_lock(&mu);
    kill_at = at;
    while (nacked + nused < at && nworking > 0 &&
           pthread_cond_timedwait(&kcv, &mu, &ts) != ETIMEDOUT) {
    }
    got = nacked + nused;
    pthread_mutex_unlock(&mu);
    if (got < at)
      fail_msg("kill %d: %lld casts settled, waited for %lld (%ld "
               "unexpected answers, %ld lost, %ld 403, %ld 429, %ld 5xx)",
               k + 1, got, at, atomic_load(&n_bad), atomic_load(&n_lost),
               atomic_load(&n_403), atomic_load(&n_429),
               atomic_load(&n_5xx));
    usleep((useconds_t)delay);
    pthread_mutex_lock(&mu);
    up = 0;
    old = cur;
    pthread_mutex_unlock(&mu);
    st = hc_kill(old);
    assert_int_equal(st, 128 + 9);
    {
      char walp[320];
      snprintf(walp, sizeof walp, "%s-wal", demo);
      wal = file_size(walp);
    }
    assert_false(db_held(demo));
    t1 = now_us();
    fresh = start_server();
    if (!fresh) fail_msg("kill %d: the server did not start again", k + 1);
    t1 = now_us() - t1;
    if (t1 > restart_max) restart_max = t1;
    restart_sum += t1;
    servers[nservers++] = fresh;
    pthread_mutex_lock(&mu);
    cur = fresh;
    pthread_mutex_unlock(&mu);
    printf("# kill %d at %lld ms: %lld casts settled (+%lld us); WAL %lld "
           "KiB; started again in %lld ms\n",
           k + 1, (now_us() - t0) / 1000, got, delay, wal / 1024, t1 / 1000);
    snprintf(label, sizeof label, "after kill %d", k + 1);
    t1 = now_us();
    check_db(label, 0);
    printf("# checks took %lld ms\n", (now_us() - t1) / 1000);
    pthread_mutex_lock(&mu);
    epoch++;
    up = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  for (int c = 0; c < CLIENTS; c++) pthread_join(th[c], NULL);
  free(ws);
  printf("# load: %d casts in %lld ms; %ld answers lost to the kills, %ld "
         "5xx, %ld csrf renewals, %ld rate limited; restarts %lld ms on "
         "average, %lld ms at most\n",
         NVOTERS, (now_us() - t0) / 1000, atomic_load(&n_lost),
         atomic_load(&n_5xx), atomic_load(&n_403), atomic_load(&n_429),
         restart_sum / NKILLS / 1000, restart_max / 1000);
  fflush(stdout);
  assert_int_equal(atomic_load(&n_bad), 0);
  check_db("after the load", 1);
  load_ok = 1;
}

/* GET /e/EL/results/name; the response (200 checked). */
static hc_resp *result_file(const char *name) {
  char path[128];
  hc_resp *r;
  snprintf(path, sizeof path, "/e/" EL "/results/%s", name);
  r = hc_request(cur, "GET", path, hc_new_addr(), NULL, 0);
  check_status(r, 200);
  return r;
}

static void test_count(void **state) {
  long long t0 = now_us();
  hc_resp *r = NULL;
  json_t *j;
  size_t i, lines = 0;
  char (*pub)[RECEIPT_LEN + 1];
  (void)state;
  if (!load_ok) skip(); /* the load failed: its clients may still run */
  hc_set_timeout(600000);
  r = api("POST", "/api/v1/elections/" EL "/phase", "{\"to\":\"counted\"}");
  check_status(r, 200);
  hc_resp_free(r);
  r = NULL;
  /* one more kill, in the count (about a second here: the clock thread
  ** counts each pending contest, then publishes); the next server must
  ** finish it */
  {
    uint64_t krng = seed ^ 0x5DEECE66DULL;
    long long delay = (long long)(rnd(&krng) % 1000000), t1;
    hc_server *fresh;
    sqlite3 *db = NULL;
    usleep((useconds_t)delay);
    assert_int_equal(hc_kill(cur), 128 + 9);
    assert_false(db_held(demo));
    t1 = now_us();
    fresh = start_server();
    if (!fresh) fail_msg("the server did not start again after the kill "
                         "in the count");
    servers[nservers++] = fresh;
    cur = fresh;
    printf("# killed %lld ms into the count; started again in %lld ms\n",
           delay / 1000, (now_us() - t1) / 1000);
    assert_int_equal(sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    check_integrity(db, "after the kill in the count");
    sqlite3_close(db);
    audit_verify("after the kill in the count");
  }
  /* the count runs on the server's clock thread: wait for the page */
  while (now_us() - t0 < WAIT_MS * 1000LL) {
    if (r) hc_resp_free(r);
    r = hc_request(cur, "GET", "/e/" EL "/results", hc_new_addr(), NULL, 0);
    if (r->status == 200) break;
    usleep(100 * 1000);
  }
  check_status(r, 200);
  hc_resp_free(r);
  printf("# counted and published in %lld ms\n", (now_us() - t0) / 1000);
  r = result_file("general.json");
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "ballots")),
                   NVOTERS);
  assert_int_equal(json_integer_value(json_object_get(j, "invalid")), 0);
  json_decref(j);
  hc_resp_free(r);
  r = result_file("bame.json");
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "ballots")),
                   NVOTERS / 10);
  json_decref(j);
  hc_resp_free(r);
  /* every acknowledged receipt is published, among NVOTERS */
  r = result_file("receipts.txt");
  pub = calloc(NVOTERS + 1, sizeof *pub);
  assert_non_null(pub);
  for (const char *p = r->body; *p && lines <= NVOTERS;) {
    size_t n = strcspn(p, "\n");
    if (n != RECEIPT_LEN) fail_msg("receipts.txt line: %.*s", (int)n, p);
    memcpy(pub[lines++], p, RECEIPT_LEN);
    p += n + (p[n] == '\n');
  }
  assert_int_equal(lines, NVOTERS);
  qsort(pub, lines, sizeof *pub, cmp_receipt);
  for (i = 0; i < NVOTERS; i++)
    if (outcome[i] == O_ACKED &&
        !bsearch(receipts[i], pub, lines, sizeof *pub, cmp_receipt))
      fail_msg("receipt %s is not in receipts.txt", receipts[i]);
  free(pub);
  hc_resp_free(r);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_during_load),
      cmocka_unit_test(test_count),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests_name("crash", tests, group_setup,
                                     group_teardown);
}
