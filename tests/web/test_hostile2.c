/*
** test_hostile2.c: issue 7's hostile web input, the transport and
** sign-in half (test_hostile.c has XSS, CSRF, SQL injection and access
** without authority).  Two `hustings serve` children, both with
** --idle-timeout 3 (idle connections closed after 3 s, not
** 15, so the slow-client case does not wait long):
**   A: `hustings demo --voting`'s database, --trust-proxy 127.0.0.1,
**      --mail none;
**   B: a fresh database, --base-url https://vote.example.org, no proxy
**      (so the 64-connections-per-address limit applies).
** Each case must fail safely: a refusal (or a closed connection), nothing
** changed in the database (tu_snap_take / tu_same), no crash, and the
** server still answers a normal request afterwards:
**   - static files: traversal in every spelling (dot segments raw and
**     encoded, %2f, %5c, double encoding, NUL, overlong UTF-8, absolute
**     and absolute-form targets, very long names) -> 400/404, never the
**     database, the key file or /etc/passwd;
**   - SQL injection in every query parameter, search box, path id, form
**     and JSON field: never a 500, never a broadened search, nothing
**     changed, integrity_check ok;
**   - oversized: one huge header, thousands of headers, huge and merely
**     long targets, a Content-Length over the cap (answered before any
**     body is sent), chunked bodies, a lying or malformed Content-Length;
**   - slow clients: 120 connections holding half a request; a normal
**     client from another address is served meanwhile, and the server
**     closes the slow ones at its idle time-out;
**   - guessing voting codes: 429 after the documented burst from one
**     address; X-Forwarded-For is believed only from the proxy;
**   - sign-in: 5 a minute per address; the per-account throttle (10
**     failures from anywhere, then 429 for any browser that never signed
**     in to that account, with the right password too; the
**     administrator's own browser still signs in);
**   - session fixation: a planted session cookie is never adopted,
**     signing in again ends the previous session, signing out ends it
**     server-side; cookie attributes over http and https.
*/
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "client.h"
#include "testutil.h"

#define CSP                                                                \
  "default-src 'none'; script-src 'self'; style-src 'self'; "             \
  "img-src 'self'; form-action 'self'; base-uri 'none'; "                 \
  "frame-ancestors 'none'"
#define EL "steering-2027"
#define ADMIN_EMAIL "ro@example.org"
#define ADMIN_PW "correct horse battery staple"
#define B_EMAIL "bo@example.org"
#define CONN_TIMEOUT "3"

static const char *argv0;
static hc_server *srv, *srv_b;
static char dir[256], demo[300], code[32];

/* What a refused request must leave alone. */
static const char *const snap_sql[] = {
    "SELECT count(*) FROM ballots",
    "SELECT count(*) FROM receipts",
    "SELECT count(*) FROM credentials",
    "SELECT count(*) FROM credentials WHERE used = 1",
    "SELECT count(*) FROM electors WHERE voted = 1",
    "SELECT max(seq) FROM audit",
    "SELECT count(*) FROM sessions",
    "SELECT count(*) FROM api_tokens",
    "SELECT count(*) FROM admins",
    "SELECT count(*) FROM voters",
    "SELECT count(*) FROM nominations",
    "SELECT count(*) FROM outbox",
    "SELECT count(*) FROM elections",
    NULL};

/* ------------------------------------------------------------- helpers */

#define check_csp(r) check_csp_at(r, __FILE__, __LINE__)
static void check_csp_at(const hc_resp *r, const char *file, int line) {
  const char *v = hc_header(r, "Content-Security-Policy");
  if (!v || strcmp(v, CSP) != 0 || !hc_header(r, "X-Content-Type-Options")) {
    print_error("status %d without the security headers (CSP %s)\n",
                r->status, v ? v : "(none)");
    _fail(file, line);
  }
}

/* The server (s) still answers /healthz. */
#define check_alive(s) check_alive_at(s, __FILE__, __LINE__)
static void check_alive_at(hc_server *s, const char *file, int line) {
  hc_resp *r = hc_get(s, "/healthz");
  int ok = r->status == 200 && strcmp(r->body, "ok\n") == 0;
  if (!ok)
    print_error("/healthz: status %d (client error %d)\n", r->status, r->err);
  hc_resp_free(r);
  if (!ok) _fail(file, line);
}

/* An error status or a connection closed without an answer. */
static int refused(const hc_resp *r) {
  return (r->err == HC_ECLOSED && r->status == 0) ||
         (r->status >= 400 && r->status <= 599);
}

/* A socket bound to src (e.g. "127.0.0.7") connected to s's port. */
static int connect_from(const hc_server *s, const char *src) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  inet_pton(AF_INET, src, &a.sin_addr);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  a.sin_port = htons((uint16_t)hc_port(s));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One request from source address src: "METHOD PATH", Host, Connection:
** close, the jar's cookies are NOT sent; headers (lines) and body. */
static hc_resp *request_from(hc_server *s, const char *src,
                             const char *method, const char *path,
                             const char *headers, const char *body) {
  char head[4096];
  int fd = connect_from(s, src);
  hc_resp *r;
  size_t n;
  if (fd < 0) fail_msg("cannot connect from %s: %s", src, strerror(errno));
  n = (size_t)snprintf(head, sizeof head,
                       "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
                       "close\r\n%s%s%zu\r\n\r\n",
                       method, path, headers ? headers : "",
                       "Content-Length: ", body ? strlen(body) : 0);
  assert_true(n < sizeof head);
  hc_send(fd, head, n);
  if (body) hc_send(fd, body, strlen(body));
  r = hc_recv(s, fd, 0);
  close(fd);
  return r;
}

/* A whole request on a new connection from 127.0.0.1 (see hc_raw). */
static hc_resp *raw(hc_server *s, const char *bytes, size_t n) {
  return hc_raw(s, bytes, n, 0);
}

/* Signs in on s with the jar as it is (new address each step); returns
** the status of the POST. */
static int sign_in(hc_server *s, const char *email, const char *pw) {
  char csrf[65];
  const char *f[] = {"csrf", csrf, "email", email, "password", pw, NULL};
  hc_resp *r;
  int st;
  assert_true(hc_get_csrf(s, "/login", hc_new_addr(), csrf));
  r = hc_post_formv(s, "/login", hc_new_addr(), f);
  st = r->status;
  hc_resp_free(r);
  return st;
}

/* GET /admin with exactly this session cookie value (and nothing else):
** 200 when it is a valid session, else the 303 to /login. */
static int admin_with(hc_server *s, const char *session) {
  char h[200];
  hc_resp *r;
  int st;
  hc_jar_clear(s);
  snprintf(h, sizeof h, "Cookie: hs=%s\r\n%s", session, hc_new_addr());
  r = hc_request(s, "GET", "/admin", h, NULL, 0);
  st = r->status;
  if (st == 303) {
    const char *loc = hc_header(r, "Location");
    assert_non_null(loc);
    assert_int_equal(strncmp(loc, "/login", 6), 0);
  }
  hc_resp_free(r);
  return st;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- cases */

/* Every spelling of "a file outside src/web/static": 400 or 404 with our
** headers, never a byte of the database, the key or /etc/passwd. */
static void test_static_traversal(void **state) {
  static const char *const paths[] = {
      "/static/../t.db",
      "/static/../../../../etc/passwd",
      "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/static/%2E%2E/demo.db",
      "/static/..%2fdemo.db",
      "/static/%2f..%2f..%2fetc%2fpasswd",
      "/static/..%5c..%5cdemo.db",
      "/static/..\\..\\demo.db",
      "/static/%252e%252e/%252e%252e/etc/passwd",
      "/static/%25252e%25252e/etc/passwd",
      "/static/style.css%00.png",
      "/static/style.css%00",
      "/static/%00../../etc/passwd",
      "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
      "/static/%e0%80%ae%e0%80%ae/etc/passwd",
      "/static//etc/passwd",
      "/static/./style.css",
      "/static/style.css/.",
      "/static/style.css/..",
      "/static/....//....//etc/passwd",
      "/static/..;/demo.db",
      "/static/.htaccess",
      "/static/",
      "/static",
      "/static/STYLE.CSS",
      "/static/style.css.bak",
      "/static/style.css~",
      "/static/%2e",
      "//etc/passwd",
      "/etc/passwd",
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/static/proc/self/environ",
      "/static/../proc/self/cwd/demo.db",
      "http://127.0.0.1/static/../../etc/passwd",
      "http://evil.example/etc/passwd",
      "*",
  };
  char path[600], big[3200];
  tu_snap before = tu_snap_take(srv, snap_sql);
  (void)state;
  for (size_t i = 0; i < sizeof paths / sizeof *paths + 3; i++) {
    const char *p;
    if (i < sizeof paths / sizeof *paths)
      p = paths[i];
    else if (i == sizeof paths / sizeof *paths) { /* absolute, ours */
      snprintf(path, sizeof path, "/static%s", demo);
      p = path;
    } else if (i == sizeof paths / sizeof *paths + 1) {
      snprintf(path, sizeof path, "/static/..%s.key", demo);
      p = path;
    } else { /* a very long name, under the 4 KiB target cap */
      memcpy(big, "/static/", 8);
      memset(big + 8, 'a', 3000);
      memcpy(big + 3008, ".css", 5);
      p = big;
    }
    char head[4000];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n", p);
    assert_true(n > 0 && (size_t)n < sizeof head);
    hc_resp *r = raw(srv, head, (size_t)n);
    if (!refused(r) && !(r->status == 200 && (strcmp(p, "/static/./style.css") == 0)))
      fail_msg("%s: status %d", p, r->status);
    if (r->status == 200) fail_msg("%s: served (%zu bytes)", p, r->body_len);
    if (hc_find(r->body, "root:") || hc_find(r->body, "SQLite format") ||
        hc_find(r->body, "PATH="))
      fail_msg("%s: leaked a file", p);
    if (r->status) {
      if (r->status != 400 && r->status != 404 && r->status != 405)
        fail_msg("%s: status %d, wanted 400/404", p, r->status);
      check_csp(r);
    }
    hc_resp_free(r);
  }
  /* the real file is still served */
  hc_resp *r = hc_get(srv, "/static/style.css");
  check_status(r, 200);
  hc_resp_free(r);
  tu_same(srv, &before);
}

/* Headers too big, targets too long, bodies over the cap: an error at
** once (before any body byte is sent), our headers where the answer is
** ours; the server still serves. */
static void test_oversized(void **state) {
  size_t n = 100 << 10, k;
  char *b = malloc(n + 400);
  char head[1024];
  hc_resp *r;
  int fd;
  int64_t t0;
  tu_snap before = tu_snap_take(srv, snap_sql);
  (void)state;
  assert_non_null(b);
  /* one 100 KiB header: libmicrohttpd's own 431 (or a close); it must
  ** not echo the header back */
  k = (size_t)snprintf(b, 200, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Flood: ");
  memset(b + k, 'q', n);
  memcpy(b + k + n, "\r\n\r\n", 4);
  r = raw(srv, b, k + n + 4);
  assert_true(refused(r));
  if (r->status) assert_true(r->status == 431 || r->status == 413 || r->status == 400);
  assert_null(hc_find(r->body, "qqqqqqqq"));
  hc_resp_free(r);
  /* 6000 small headers */
  k = (size_t)snprintf(b, 200, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  for (int i = 0; i < 6000 && k + 40 < n; i++)
    k += (size_t)snprintf(b + k, 40, "X-H%d: v\r\n", i);
  memcpy(b + k, "\r\n", 2);
  r = raw(srv, b, k + 2);
  assert_true(refused(r));
  hc_resp_free(r);
  /* a 100 KiB target (over the connection's memory) */
  k = (size_t)snprintf(b, 200, "GET /");
  memset(b + k, 'a', n);
  k += n;
  k += (size_t)snprintf(b + k, 200, " HTTP/1.1\r\nHost: x\r\n\r\n");
  r = raw(srv, b, k);
  assert_true(refused(r));
  hc_resp_free(r);
  /* a 5 KiB target: within libmicrohttpd's memory, over ours: our 414 */
  k = (size_t)snprintf(b, 200, "GET /e/");
  memset(b + k, 'a', 5000);
  k += 5000;
  k += (size_t)snprintf(b + k, 200, " HTTP/1.1\r\nHost: x\r\nConnection: "
                                    "close\r\n\r\n");
  r = raw(srv, b, k);
  check_status(r, 414);
  check_csp(r);
  hc_resp_free(r);
  /* Content-Length of 1 TB on a form and on the API: refused before the
  ** body (none is sent; the answer comes anyway) */
  {
    static const char *const heads[] = {
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
        "x-www-form-urlencoded\r\nContent-Length: 1000000000000\r\n\r\n",
        "POST /api/v1/elections HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nAuthorization: Bearer hst_x\r\n"
        "Content-Length: 1000000000000\r\n\r\n",
        "POST /api/v1/orgs/northfield/roll HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: text/csv\r\nContent-Length: 17000000\r\n\r\n",
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
        "x-www-form-urlencoded\r\nContent-Length: "
        "99999999999999999999999999\r\n\r\n",
        "POST /v HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
        "x-www-form-urlencoded\r\nContent-Length: 65537\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
      fd = hc_connect(srv);
      assert_true(fd >= 0);
      t0 = now_ms();
      assert_int_equal(hc_send(fd, heads[i], strlen(heads[i])), 0);
      r = hc_recv(srv, fd, 0);
      close(fd);
      if (r->status != 413) fail_msg("case %zu: status %d (client error %d)",
                                     i, r->status, r->err);
      /* a length that does not fit 64 bits is refused by libmicrohttpd
      ** itself, without our headers (docs/security.md, known gaps) */
      if (i != 3) check_csp(r);
      /* answered without waiting for the body (hc's deadline is 5 s) */
      assert_true(now_ms() - t0 < 5000);
      hc_resp_free(r);
    }
  }
  /* chunked bodies: refused (411), whatever their size */
  {
    static const char *const heads[] = {
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
        "x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /api/v1/elections HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
      fd = hc_connect(srv);
      assert_true(fd >= 0);
      assert_int_equal(hc_send(fd, heads[i], strlen(heads[i])), 0);
      /* start a huge chunk; the answer must not wait for it */
      hc_send(fd, "FFFFFFF\r\n", 9);
      memset(b, 'x', 8192);
      hc_send(fd, b, 8192);
      r = hc_recv(srv, fd, 0);
      close(fd);
      if (r->status != 411 && r->status != 413)
        fail_msg("chunked %zu: status %d (client error %d)", i, r->status,
                 r->err);
      check_csp(r);
      hc_resp_free(r);
    }
  }
  /* a lying Content-Length: 10 declared, 60 KiB sent; the rest is not a
  ** request */
  k = (size_t)snprintf(head, sizeof head,
                       "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                       "application/x-www-form-urlencoded\r\nContent-Length: "
                       "10\r\n\r\n");
  memcpy(b, head, k);
  memset(b + k, 'z', 60000);
  r = raw(srv, b, k + 60000);
  assert_true(refused(r));
  hc_resp_free(r);
  /* malformed lengths */
  {
    static const char *const cls[] = {"-1", "abc", "10, 10", " ", "0x10",
                                      "1e3"};
    for (size_t i = 0; i < sizeof cls / sizeof *cls; i++) {
      k = (size_t)snprintf(head, sizeof head,
                           "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "application/x-www-form-urlencoded\r\n"
                           "Content-Length: %s\r\nConnection: close\r\n\r\n"
                           "csrf=x", cls[i]);
      r = raw(srv, head, k);
      if (!refused(r)) fail_msg("Content-Length %s: status %d", cls[i],
                                r->status);
      hc_resp_free(r);
    }
  }
  /* two different Content-Length headers */
  k = (size_t)snprintf(head, sizeof head,
                       "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                       "application/x-www-form-urlencoded\r\nContent-Length: "
                       "6\r\nContent-Length: 600\r\nConnection: close\r\n\r\n"
                       "csrf=x");
  r = raw(srv, head, k);
  assert_true(refused(r));
  hc_resp_free(r);
  free(b);
  check_alive(srv);
  tu_same(srv, &before);
}

/* 120 slow connections from 127.0.0.1, each holding half a request, on
** server B (no proxy: 64 per address at most).  A client from another
** address is served meanwhile; every slow one is closed by the server
** (time-out or the per-address limit), never answered 200. */
static void test_slowloris(void **state) {
  enum { SLOW = 120 };
  static const char part[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "X-Slow: ";
  int fds[SLOW], closed = 0;
  int64_t t0;
  (void)state;
  for (int i = 0; i < SLOW; i++) {
    fds[i] = connect_from(srv_b, "127.0.0.1");
    assert_true(fds[i] >= 0);
    hc_send(fds[i], part, sizeof part - 1); /* may fail: refused already */
  }
  /* a second trickle of bytes, well inside the time-out */
  for (int i = 0; i < SLOW; i++) send(fds[i], "a", 1, MSG_NOSIGNAL);
  /* a normal client from another address is served meanwhile */
  for (int i = 0; i < 5; i++) {
    hc_resp *r = request_from(srv_b, "127.0.0.2", "GET", "/healthz", NULL,
                              NULL);
    check_status(r, 200);
    assert_string_equal(r->body, "ok\n");
    hc_resp_free(r);
  }
  /* the server closes every slow one: EOF (or a reset), never an answer;
  ** the deadline is generous (idle time-out 3 s) */
  t0 = now_ms();
  while (closed < SLOW && now_ms() - t0 < 40000) {
    struct pollfd pfd[SLOW];
    int n = 0;
    for (int i = 0; i < SLOW; i++)
      if (fds[i] >= 0) {
        pfd[n].fd = fds[i];
        pfd[n].events = POLLIN;
        pfd[n++].revents = 0;
      }
    if (poll(pfd, (nfds_t)n, 1000) <= 0) continue;
    for (int j = 0; j < n; j++) {
      char buf[512];
      ssize_t got;
      if (!pfd[j].revents) continue;
      got = recv(pfd[j].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got > 0 && memcmp(buf, "HTTP/1.1 200", 12) == 0)
        fail_msg("a half request was answered 200");
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        for (int i = 0; i < SLOW; i++)
          if (fds[i] == pfd[j].fd) {
            close(fds[i]);
            fds[i] = -1;
          }
        closed++;
      }
    }
  }
  for (int i = 0; i < SLOW; i++)
    if (fds[i] >= 0) close(fds[i]);
  if (closed < SLOW)
    fail_msg("%d of %d slow connections still open after %lld ms",
             SLOW - closed, SLOW, (long long)(now_ms() - t0));
  fprintf(stderr, "# slow connections closed within %lld ms\n",
          (long long)(now_ms() - t0));
  /* and the address they came from is served again */
  check_alive(srv_b);
}

/* ------------------------------------------------------ SQL injection */

static char token[128];
static struct browser {
  char hs[64], anon[64];
} admin_a;

static void use(const struct browser *b) {
  hc_jar_clear(srv);
  if (b && b->hs[0]) hc_jar_set(srv, "hs", b->hs);
  if (b && b->anon[0]) hc_jar_set(srv, "hs_anon", b->anon);
}

static hc_resp *get(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

static hc_resp *post(const char *path, const char *extra,
                     const char *const f[]) {
  char h[512];
  snprintf(h, sizeof h, "%s%s", hc_new_addr(), extra ? extra : "");
  return hc_post_formv(srv, path, h, f);
}

static void csrf_of(const char *path, char out[65]) {
  if (!hc_get_csrf(srv, path, hc_new_addr(), out))
    fail_msg("no csrf token on %s", path);
}

static hc_resp *api(const char *method, const char *path, const char *bearer,
                    const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, bearer, json);
}

static void integrity_ok(void) {
  sqlite3 *db;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
                                      NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Every item of a search's answer holds q (any case) in one of its
** strings: the search was not broadened. */
static void only_literal(const char *path, const hc_resp *r, const char *q) {
  json_t *doc = tu_body_json(r), *items = NULL, *v;
  const char *k;
  size_t i, n = 0;
  json_object_foreach(doc, k, v) if (json_is_array(v)) items = v;
  assert_non_null(items);
  for (i = 0; i < json_array_size(items); i++) {
    json_t *it = json_array_get(items, i), *x;
    const char *key;
    int found = 0;
    json_object_foreach(it, key, x) if (json_is_string(x) &&
                                        strcasestr(json_string_value(x), q))
        found = 1;
    if (!found) fail_msg("%s: item %zu does not hold %s", path, i, q);
    n++;
  }
  json_decref(doc);
}

/* SQL in every query parameter, search box, path id, form and JSON
** field: no 500, no broadened result, nothing changed. */
static void test_sqli(void **state) {
  static const char *const pay[] = {
      "' OR '1'='1",
      "' OR 1=1 --",
      "1 OR 1=1",
      "1; DROP TABLE ballots; --",
      "\" OR \"\"=\"",
      "%' OR 1=1 --",
      "' UNION SELECT pw_hash FROM admins --",
      "1) UNION SELECT hash, 1, 1 FROM credentials --",
      "'||(SELECT hex(hash) FROM credentials LIMIT 1)||'",
      "*",
      "%",
      "_",
      "-1",
      "0",
      "99999999999999999999",
      "1e3",
      "0x10",
      "1/**/OR/**/1=1",
      "\\",
      "'",
      NULL};
  static const char *const query_pages[] = {
      "/api/v1/orgs/northfield/roll?q=%s",
      "/api/v1/orgs/northfield/roll?tag=%s",
      "/api/v1/orgs/northfield/roll?status=%s",
      "/api/v1/orgs/northfield/roll?after=%s",
      "/api/v1/orgs/northfield/roll?limit=%s",
      "/api/v1/elections/" EL "/electors?q=%s",
      "/api/v1/elections/" EL "/electors?limit=%s",
      "/api/v1/elections/" EL "/electors?offset=%s",
      "/api/v1/elections/" EL "/nominations?status=%s",
      "/api/v1/audit?election=%s",
      "/api/v1/audit?after=%s",
      "/api/v1/audit?limit=%s",
      "/api/v1/nominations/%s",
      "/api/v1/elections/%s",
      "/api/v1/orgs/%s/roll",
      "/admin/roll?q=%s",
      "/admin/roll?tag=%s&status=%s",
      "/admin/roll?after=%s",
      "/admin/e/" EL "/electors?q=%s",
      "/admin/e/" EL "/electors?offset=%s",
      "/admin/e/" EL "/nominations?status=%s",
      "/admin/audit?after=%s",
      "/admin/audit?election=%s",
      "/admin/n/%s",
      "/admin/e/%s",
      "/admin/roll/imports/%s",
      "/e/" EL "/receipts?code=%s",
      "/e/%s",
      "/v/%s",
      NULL};
  char enc[256], path[600];
  size_t n = 0;
  (void)state;
  tu_snap before = tu_snap_take(srv, snap_sql);
  for (size_t i = 0; pay[i]; i++) {
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)pay[i]; *c; c++)
      k += (size_t)snprintf(enc + k, sizeof enc - k,
                            isalnum(*c) ? "%c" : "%%%02X", *c);
    for (size_t j = 0; query_pages[j]; j++) {
      hc_resp *r;
      int is_api = !strncmp(query_pages[j], "/api/", 5);
      snprintf(path, sizeof path, query_pages[j], enc, enc);
      use(is_api ? NULL : &admin_a);
      r = is_api ? api("GET", path, token, NULL) : get(path);
      if (r->status >= 500 || r->err != HC_OK)
        fail_msg("%s: status %d", path, r->status);
      if (!is_api) check_csp(r);
      /* a search for an injection finds only what holds it literally */
      if (r->status == 200 && is_api && strstr(query_pages[j], "?q="))
        only_literal(path, r, pay[i]);
      hc_resp_free(r);
      n++;
    }
    /* forms and JSON */
    {
      char csrf[65];
      use(NULL);
      csrf_of("/login", csrf);
      const char *f[] = {"csrf", csrf, "email", pay[i], "password", pay[i],
                         NULL};
      hc_resp *r = post("/login", NULL, f);
      assert_true(r->status == 401 || r->status == 422 || r->status == 429);
      assert_null(hc_set_cookie(r, "hs"));
      hc_resp_free(r);
      const char *g[] = {"csrf", csrf, "code", pay[i], NULL};
      r = post("/v", NULL, g);
      assert_true(r->status >= 400 && r->status < 500);
      hc_resp_free(r);
      char json[600];
      snprintf(json, sizeof json, "{\"reason\":\"%s\",\"to\":\"%s\"}",
               pay[i][0] == '"' || pay[i][0] == '\\' ? "x" : pay[i],
               pay[i][0] == '"' || pay[i][0] == '\\' ? "x" : pay[i]);
      r = api("POST", "/api/v1/elections/" EL "/phase", token, json);
      assert_true(r->status >= 400 && r->status < 500);
      hc_resp_free(r);
      snprintf(path, sizeof path, "/api/v1/elections/" EL
                                  "/electors/%s/reissue", enc);
      r = api("POST", path, token, "{\"deliver\":\"show\"}");
      assert_true(r->status >= 400 && r->status < 500);
      hc_resp_free(r);
    }
  }
  fprintf(stderr, "# %zu injected requests\n", n);
  use(NULL);
  tu_same(srv, &before);
  integrity_ok();
  check_alive(srv);
}

/* A random, well-formed voting code (26 symbols, the last two bits 0). */
static void random_code(char out[27]) {
  static const char sym[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (int i = 0; i < 26; i++) out[i] = sym[rand() % 32];
  out[25] = sym[(rand() % 8) * 4];
  out[26] = 0;
}

/* Guessing voting codes: the voting class allows a burst of 200 and 20 a
** second per address; X-Forwarded-For from anyone but the proxy is
** ignored; spread over many addresses there is no global limit (a code
** has 128 bits), but no guess ever opens a ballot. */
static void test_code_guessing(void **state) {
  char path[64], xff[64], c[27];
  int limited = 0, i;
  int64_t t0 = now_ms();
  tu_snap before = tu_snap_take(srv, snap_sql);
  (void)state;
  srand(7);
  /* from 127.0.0.5 (not the proxy), with a new forged address each time */
  for (i = 0; i < 1500 && !limited; i++) {
    hc_resp *r;
    random_code(c);
    snprintf(xff, sizeof xff, "X-Forwarded-For: 10.99.%d.%d\r\n", i / 250,
             i % 250 + 1);
    if (i % 2) {
      snprintf(path, sizeof path, "/v/%s", c);
      r = request_from(srv, "127.0.0.5", "GET", path, xff, NULL);
    } else {
      char body[80];
      snprintf(body, sizeof body, "code=%s", c);
      r = request_from(srv, "127.0.0.5", "POST", "/v",
                       "Content-Type: application/x-www-form-urlencoded\r\n",
                       body);
    }
    if (r->status == 429) {
      limited = i + 1;
      assert_non_null(hc_header(r, "Retry-After"));
      check_csp(r);
    } else if (r->status != 404 && r->status != 403 && r->status != 422 &&
               r->status != 400)
      fail_msg("guess %d: status %d", i, r->status);
    else if (hc_find(r->body, "name=\"r."))
      fail_msg("guess %d opened a ballot", i);
    hc_resp_free(r);
  }
  {
    int64_t ms = now_ms() - t0;
    int most = 200 + (int)(ms * 20 / 1000) + 2;
    fprintf(stderr, "# code guesses: 429 at %d (%lld ms)\n", limited,
            (long long)ms);
    if (limited < 201 || limited > most)
      fail_msg("the 429 came at guess %d, wanted 201 to %d", limited, most);
  }
  /* the same address stays limited; a real voter elsewhere is not */
  {
    hc_resp *r = request_from(srv, "127.0.0.5", "GET", "/v", NULL, NULL);
    check_status(r, 429);
    hc_resp_free(r);
    snprintf(path, sizeof path, "/v/%s", code);
    r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
    check_status(r, 200);
    hc_resp_free(r);
  }
  /* through the proxy, one guess from each of 100 addresses: never a
  ** ballot, never a change */
  for (i = 0; i < 100; i++) {
    random_code(c);
    snprintf(path, sizeof path, "/v/%s", c);
    hc_resp *r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
    if (r->status == 200 || hc_find(r->body, "name=\"r."))
      fail_msg("guess %s: status %d", c, r->status);
    hc_resp_free(r);
  }
  hc_jar_clear(srv);
  tu_same(srv, &before);
  check_alive(srv);
}

/* The per-account throttle: 10 failed sign-ins for one email from 10
** addresses and browsers; then any browser that never signed in to it
** gets 429 (with the right password too, and without the password being
** checked), an unknown email the same; the administrator's own browser
** still signs in. */
static void test_login_throttle(void **state) {
  char anon[128], session[128];
  int st;
  tu_snap before;
  (void)state;
  /* the administrator's browser signs in once (and so becomes known) */
  hc_jar_clear(srv);
  assert_int_equal(sign_in(srv, ADMIN_EMAIL, ADMIN_PW), 303);
  snprintf(anon, sizeof anon, "%s", hc_jar_get(srv, "hs_anon"));
  snprintf(session, sizeof session, "%s", hc_jar_get(srv, "hs"));
  assert_int_equal(strlen(anon), 43);
  {
    char csrf[65];
    assert_true(hc_get_csrf(srv, "/admin", hc_new_addr(), csrf));
    hc_resp *r = hc_post_formv(srv, "/logout", hc_new_addr(),
                               (const char *[]){"csrf", csrf, NULL});
    check_status(r, 303);
    hc_resp_free(r);
  }
  before = tu_snap_take(srv, snap_sql);
  /* per address first: from one address, five sign-ins a minute (each
  ** for another unknown account), then 429 before any password check */
  {
    char xff[64], csrf[65], email[64];
    int limited = 0;
    snprintf(xff, sizeof xff, "%s", hc_new_addr());
    hc_jar_clear(srv);
    assert_true(hc_get_csrf(srv, "/login", hc_new_addr(), csrf));
    for (int i = 0; i < 8 && !limited; i++) {
      snprintf(email, sizeof email, "addr%d@example.org", i);
      const char *f[] = {"csrf", csrf, "email", email, "password", "x", NULL};
      hc_resp *r = hc_post_formv(srv, "/login", xff, f);
      if (r->status == 429)
        limited = i + 1;
      else if (r->status != 401)
        fail_msg("attempt %d: status %d", i + 1, r->status);
      hc_resp_free(r);
    }
    assert_true(limited >= 6 && limited <= 7);
  }
  /* an attacker: each guess from a new address and a new browser */
  for (int i = 0; i < 10; i++) {
    hc_jar_clear(srv);
    st = sign_in(srv, ADMIN_EMAIL, "not the password");
    if (st != 401) fail_msg("guess %d: status %d", i + 1, st);
  }
  for (int i = 0; i < 3; i++) {
    hc_jar_clear(srv);
    st = sign_in(srv, ADMIN_EMAIL, i == 1 ? ADMIN_PW : "still not it");
    if (st != 429) fail_msg("guess %d after the limit: status %d", i + 1, st);
  }
  /* the same for the email in other letter cases */
  hc_jar_clear(srv);
  assert_int_equal(sign_in(srv, "RO@Example.ORG", ADMIN_PW), 429);
  /* an unknown account answers the same way, so the throttle tells
  ** nothing about which accounts exist */
  for (int i = 0; i < 10; i++) {
    hc_jar_clear(srv);
    assert_int_equal(sign_in(srv, "nobody@example.org", "guess"), 401);
  }
  hc_jar_clear(srv);
  assert_int_equal(sign_in(srv, "nobody@example.org", "guess"), 429);
  tu_same(srv, &before);
  /* the 429 page is ours, with the form and Retry-After */
  {
    char csrf[65];
    hc_jar_clear(srv);
    assert_true(hc_get_csrf(srv, "/login", hc_new_addr(), csrf));
    const char *f[] = {"csrf", csrf, "email", ADMIN_EMAIL, "password", "x",
                       NULL};
    hc_resp *r = hc_post_formv(srv, "/login", hc_new_addr(), f);
    check_status(r, 429);
    check_csp(r);
    assert_non_null(hc_header(r, "Retry-After"));
    has(r, "Too many failed sign-ins");
    hc_resp_free(r);
  }
  /* the administrator's own browser is not locked out */
  hc_jar_clear(srv);
  hc_jar_set(srv, "hs_anon", anon);
  assert_int_equal(sign_in(srv, ADMIN_EMAIL, ADMIN_PW), 303);
  {
    char now_s[128];
    snprintf(now_s, sizeof now_s, "%s", hc_jar_get(srv, "hs"));
    assert_string_not_equal(now_s, session);
    assert_int_equal(admin_with(srv, now_s), 200);
    assert_int_equal(admin_with(srv, session), 303); /* signed out */
  }
  /* but its own failures are counted too, in a bucket of its own */
  hc_jar_clear(srv);
}

/* A session cookie set before sign-in is never adopted; signing in again
** ends the session held; signing out ends it on the server. */
static void test_session_fixation(void **state) {
  static const char planted[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  char s1[128], s2[128];
  hc_resp *r;
  char csrf[65];
  (void)state;
  assert_int_equal(strlen(planted), 43);
  assert_int_equal(admin_with(srv, planted), 303);
  /* on server B (https: the __Host- names), sign in with a planted
  ** session cookie in the jar */
  hc_jar_clear(srv_b);
  hc_jar_set(srv_b, "__Host-hs", planted);
  assert_int_equal(sign_in(srv_b, B_EMAIL, ADMIN_PW), 303);
  snprintf(s1, sizeof s1, "%s", hc_jar_get(srv_b, "__Host-hs"));
  assert_int_equal(strlen(s1), 43);
  assert_string_not_equal(s1, planted);
  /* the planted one is still nothing; the new one works */
  {
    char h[200];
    snprintf(h, sizeof h, "Cookie: __Host-hs=%s\r\n", planted);
    r = hc_request(srv_b, "GET", "/admin", h, NULL, 0);
    check_status(r, 303);
    hc_resp_free(r);
    snprintf(h, sizeof h, "Cookie: __Host-hs=%s\r\n", s1);
    r = hc_request(srv_b, "GET", "/admin", h, NULL, 0);
    check_status(r, 200);
    hc_resp_free(r);
  }
  /* signing in again (jar holds s1; GET /login would redirect, so the
  ** form's token comes from /admin): a new session, s1 ended */
  {
    const char *f[] = {"csrf", csrf, "email", B_EMAIL, "password", ADMIN_PW,
                       NULL};
    assert_true(hc_get_csrf(srv_b, "/admin", NULL, csrf));
    r = hc_post_formv(srv_b, "/login", NULL, f);
    check_status(r, 303);
    hc_resp_free(r);
  }
  snprintf(s2, sizeof s2, "%s", hc_jar_get(srv_b, "__Host-hs"));
  assert_string_not_equal(s2, s1);
  {
    char h[200];
    snprintf(h, sizeof h, "Cookie: __Host-hs=%s\r\n", s1);
    r = hc_request(srv_b, "GET", "/admin", h, NULL, 0);
    check_status(r, 303);
    hc_resp_free(r);
  }
  /* signing out ends s2 on the server: the cookie replayed is nothing */
  {
    int64_t n = hc_sql(srv_b, "SELECT count(*) FROM sessions");
    char h[200];
    assert_true(hc_get_csrf(srv_b, "/admin", NULL, csrf));
    r = hc_post_form(srv_b, "/logout", "csrf", csrf, NULL);
    check_status(r, 303);
    hc_resp_free(r);
    assert_int_equal(hc_sql(srv_b, "SELECT count(*) FROM sessions"), n - 1);
    snprintf(h, sizeof h, "Cookie: __Host-hs=%s\r\n", s2);
    r = hc_request(srv_b, "GET", "/admin", h, NULL, 0);
    check_status(r, 303);
    hc_resp_free(r);
  }
  hc_jar_clear(srv_b);
}

/* Cookie attributes: HttpOnly, SameSite=Strict, Path=/; over https also
** Secure and the __Host- prefix; over http no Secure. */
static void test_cookie_attributes(void **state) {
  hc_resp *r;
  const char *v;
  (void)state;
  hc_jar_clear(srv);
  r = hc_request(srv, "GET", "/login", hc_new_addr(), NULL, 0);
  check_status(r, 200);
  v = hc_set_cookie(r, "hs_anon");
  assert_non_null(v);
  assert_non_null(strstr(v, "; HttpOnly"));
  assert_non_null(strstr(v, "; SameSite=Strict"));
  assert_non_null(strstr(v, "; Path=/"));
  assert_null(strstr(v, "Secure"));
  hc_resp_free(r);
  hc_jar_clear(srv);
  /* https: the session cookie too */
  hc_jar_clear(srv_b);
  {
    char csrf[65];
    const char *f[] = {"csrf", csrf, "email", B_EMAIL, "password", ADMIN_PW,
                       NULL};
    r = hc_get(srv_b, "/login");
    v = hc_set_cookie(r, "__Host-hs_anon");
    assert_non_null(v);
    assert_non_null(strstr(v, "; Secure"));
    assert_non_null(strstr(v, "; HttpOnly"));
    assert_non_null(strstr(v, "; SameSite=Strict"));
    assert_non_null(strstr(v, "; Path=/"));
    assert_null(strstr(v, "Domain="));
    assert_int_equal(hc_csrf(r->body, csrf), 1);
    hc_resp_free(r);
    r = hc_post_formv(srv_b, "/login", NULL, f);
    check_status(r, 303);
    v = hc_set_cookie(r, "__Host-hs");
    assert_non_null(v);
    assert_non_null(strstr(v, "; Secure"));
    assert_non_null(strstr(v, "; HttpOnly"));
    assert_non_null(strstr(v, "; SameSite=Strict"));
    assert_non_null(strstr(v, "; Path=/"));
    assert_null(hc_set_cookie(r, "hs"));
    hc_resp_free(r);
  }
  /* signed in, /login sends the browser on to ?next=: never off the site */
  {
    static const char *const nexts[] = {
        "//evil.example/", "/%5Cevil.example", "https://evil.example/",
        "/%09/evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1",
        "%2F%2Fevil.example", "/\\evil.example"};
    for (size_t i = 0; i < sizeof nexts / sizeof *nexts; i++) {
      char path[200];
      const char *loc;
      snprintf(path, sizeof path, "/login?next=%s", nexts[i]);
      r = hc_get(srv_b, path);
      if (r->status != 303 && r->status != 400)
        fail_msg("%s: status %d", path, r->status);
      loc = hc_header(r, "Location");
      if (r->status == 303 &&
          (!loc || loc[0] != '/' || loc[1] == '/' || loc[1] == '\\' ||
           strpbrk(loc, "\r\n\t")))
        fail_msg("%s: Location %s", path, loc ? loc : "(none)");
      assert_null(hc_set_cookie(r, "x"));
      hc_resp_free(r);
    }
  }
  hc_jar_clear(srv_b);
}

static int group_setup(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  const char *tmp = getenv("TMPDIR");
  char out[320], csrf[65];
  char *demo_argv[] = {(char *)bin, "demo", "--db", demo, "--voting", NULL};
  FILE *f;
  (void)state;
  snprintf(dir, sizeof dir, "%s/hostile2.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return -1;
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  snprintf(out, sizeof out, "%s/demo.out", dir);
  if (tu_run(demo_argv, out, NULL) != 0) {
    fprintf(stderr, "# %s demo --db %s --voting failed\n", bin, demo);
    return -1;
  }
  /* a voting link from the demo's output */
  if ((f = fopen(out, "r")) != NULL) {
    char line[512];
    while (fgets(line, sizeof line, f)) {
      const char *p = strstr(line, "/v/");
      if (p && !code[0] && strlen(p) >= 29) {
        memcpy(code, p + 3, 26);
        code[26] = 0;
      }
    }
    fclose(f);
  }
  if (strlen(code) != 26) {
    fprintf(stderr, "# no voting link in %s\n", out);
    return -1;
  }
  {
    const char *extra[] = {"--db", demo, "--trust-proxy", "127.0.0.1",
                           "--mail", "none", "--idle-timeout", CONN_TIMEOUT,
                           NULL};
    srv = hc_start(bin, extra);
  }
  {
    const char *extra[] = {"--base-url", "https://vote.example.org",
                           "--idle-timeout", CONN_TIMEOUT, NULL};
    srv_b = hc_start(bin, extra);
  }
  if (!srv || !srv_b) return -1;
  /* hc_sql and the tu_snap checks read hc_db(srv): the demo's file */
  unlink(hc_db(srv));
  if (symlink(demo, hc_db(srv)) != 0) return -1;
  if (!hc_setup_admin(srv, "Northfield", ADMIN_EMAIL, "Returning Officer",
                      ADMIN_PW, csrf) ||
      !hc_setup_admin(srv_b, "Bee Org", B_EMAIL, "Bo", ADMIN_PW, csrf))
    return -1;
  if (!hc_make_token(srv, "hostile2", token, sizeof token)) return -1;
  {
    const char *v = hc_jar_get(srv, "hs");
    snprintf(admin_a.hs, sizeof admin_a.hs, "%s", v ? v : "");
    v = hc_jar_get(srv, "hs_anon");
    snprintf(admin_a.anon, sizeof admin_a.anon, "%s", v ? v : "");
  }
  hc_jar_clear(srv);
  hc_jar_clear(srv_b);
  return 0;
}

static int group_teardown(void **state) {
  int rc = 0;
  (void)state;
  if (srv && hc_stop(srv) != 0) rc = -1;
  if (srv_b && hc_stop(srv_b) != 0) rc = -1;
  srv = srv_b = NULL;
  if (!getenv("HC_KEEP") && dir[0]) {
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    tu_run(argv, "/dev/null", NULL);
  }
  return rc;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_static_traversal),
      cmocka_unit_test(test_oversized),
      cmocka_unit_test(test_slowloris),
      cmocka_unit_test(test_sqli),
      cmocka_unit_test(test_code_guessing),
      cmocka_unit_test(test_cookie_attributes),
      cmocka_unit_test(test_session_fixation),
      cmocka_unit_test(test_login_throttle),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests_name("hostile2", tests, group_setup,
                                     group_teardown);
}
