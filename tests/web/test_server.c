/*
** test_server.c: the web service end to end, at the HTTP level.  One
** `hustings serve` on a free loopback port (tests/web/client.c) for the
** whole group; the cases run in order, since the later ones sign in as the
** administrator the setup case creates:
**   - /healthz, the security headers on every kind of answer, 404, 405;
**   - body caps decided from Content-Length (413, 411, 415), header floods,
**     broken request lines, slow senders: an error or a closed connection,
**     and the server still answers afterwards;
**   - static files with ETag and 304; the API's 401 shape;
**   - the one-use setup link, login, logout, CSRF refusals that change
**     nothing in the database, the login rate limit;
**   - a clean exit (0) on SIGTERM.
** The server trusts X-Forwarded-For from 127.0.0.1 (--trust-proxy), so a
** case can post from its own address and not share a rate bucket.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "client.h"
#include "testutil.h"

#define CSP                                                                \
  "default-src 'none'; script-src 'self'; style-src 'self'; "             \
  "img-src 'self'; form-action 'self'; base-uri 'none'; "                 \
  "frame-ancestors 'none'"
#define FORM_CT "Content-Type: application/x-www-form-urlencoded\r\n"

#define ADMIN_EMAIL "ada@example.org"
#define ADMIN_PW "correct horse battery staple"

static const char *argv0;
static hc_server *srv;
static char setup_token[128];

/* ------------------------------------------------------------- helpers */

/* The checks report the caller's line (cmocka's _fail); check_status is
** testutil.h's. */
#define check_header(r, n, w) check_header_at(r, n, w, __FILE__, __LINE__)
#define check_security(r) check_security_at(r, __FILE__, __LINE__)
#define check_refused(r) check_refused_at(r, __FILE__, __LINE__)

static void check_header_at(const hc_resp *r, const char *name,
                            const char *want, const char *file, int line) {
  const char *v = hc_header(r, name);
  if (!v || strcmp(v, want) != 0) {
    print_error("%s: \"%s\", wanted \"%s\" (status %d)\n", name,
                v ? v : "(none)", want, r->status);
    _fail(file, line);
  }
}

static void check_security_at(const hc_resp *r, const char *file, int line) {
  check_header_at(r, "Content-Security-Policy", CSP, file, line);
  check_header_at(r, "X-Content-Type-Options", "nosniff", file, line);
  check_header_at(r, "Referrer-Policy", "no-referrer", file, line);
  if (hc_header_nth(r, "Content-Security-Policy", 1)) {
    print_error("two Content-Security-Policy headers\n");
    _fail(file, line);
  }
}

/* An error status or a connection closed without an answer; never a
** success and never a hang. */
static void check_refused_at(const hc_resp *r, const char *file, int line) {
  if (r->err == HC_ECLOSED && r->status == 0) return;
  if (r->status < 400 || r->status > 599) {
    print_error("status %d (client error %d), wanted 4xx/5xx or a close\n",
                r->status, r->err);
    _fail(file, line);
  }
}

/* The server still answers /healthz. */
#define check_alive() check_alive_at(__FILE__, __LINE__)
static void check_alive_at(const char *file, int line) {
  hc_resp *r = hc_get(srv, "/healthz");
  int ok = r->status == 200 && strcmp(r->body, "ok\n") == 0;
  if (!ok) print_error("/healthz: status %d (client error %d), body %.100s\n",
                       r->status, r->err, r->body);
  hc_resp_free(r);
  if (!ok) _fail(file, line);
}

static int64_t count(const char *table) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  int64_t n = hc_sql(srv, sql);
  assert_true(n >= 0);
  return n;
}

/* GETs path (new jar state kept) and returns its csrf token in out. */
static void get_csrf(const char *path, char out[65]) {
  assert_true(hc_get_csrf(srv, path, NULL, out));
  assert_int_equal(strlen(out), 64);
  assert_int_equal(strspn(out, "0123456789abcdef"), 64);
}

static hc_resp *post(const char *path, const char *headers,
                     const char *const f[]) {
  char h[512];
  snprintf(h, sizeof h, "%s%s", hc_new_addr(), headers ? headers : "");
  return hc_post_formv(srv, path, h, f);
}

/* A GET from a new client address (the setup page is rate limited as
** logins are). */
static hc_resp *get_from(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

/* A whole request with Host and Connection: close; bytes after head. */
static hc_resp *raw(const char *head, const char *body, size_t body_len,
                    int half_close) {
  size_t hl = strlen(head);
  char *b = malloc(hl + body_len + 1);
  assert_non_null(b);
  memcpy(b, head, hl);
  if (body_len) memcpy(b + hl, body, body_len);
  hc_resp *r = hc_raw(srv, b, hl + body_len, half_close);
  free(b);
  return r;
}

/* ---------------------------------------------------------------- cases */

static void test_healthz(void **state) {
  (void)state;
  hc_resp *r = hc_get(srv, "/healthz");
  check_status(r, 200);
  assert_int_equal(r->err, HC_OK);
  assert_string_equal(r->body, "ok\n");
  check_security(r);
  hc_resp_free(r);
  r = hc_request(srv, "HEAD", "/healthz", NULL, NULL, 0);
  check_status(r, 200);
  assert_int_equal(r->body_len, 0);
  hc_resp_free(r);
}

static void test_not_found(void **state) {
  (void)state;
  hc_resp *r = hc_get(srv, "/no/such/page");
  check_status(r, 404);
  check_security(r);
  assert_non_null(hc_header(r, "Content-Type"));
  assert_non_null(strstr(hc_header(r, "Content-Type"), "text/html"));
  assert_non_null(hc_find(r->body, "<html"));
  hc_resp_free(r);
  r = hc_get(srv, "/static/nope.css");
  check_status(r, 404);
  check_security(r);
  hc_resp_free(r);
}

/* Traversal out of /static must never reach a file.  The spec says 404;
** a 400 (bad address) is also a refusal, and is what the server gives
** for dot segments (see the report). */
static void test_traversal(void **state) {
  static const char *const paths[] = {
      "/static/../Makefile", "/static/%2e%2e/x",
      "/static/%2e%2e/%2e%2e/Makefile", "/static/..%2fMakefile",
      "/static/%2E%2E%2F%2E%2E%2FMakefile", "/%2e%2e/Makefile",
      "/static//etc/passwd", "/static/./style.css", "/static/style.css%00",
      "/static/..\\Makefile", "/static/%c0%ae%c0%ae/Makefile"};
  (void)state;
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    hc_resp *r = hc_get(srv, paths[i]);
    if (r->status != 404 && r->status != 400)
      fail_msg("%s: status %d, wanted 404 (or 400)", paths[i], r->status);
    check_security(r);
    assert_null(hc_find(r->body, "VERSION"));
    assert_null(hc_find(r->body, "root:"));
    hc_resp_free(r);
  }
}

static void test_method_not_allowed(void **state) {
  (void)state;
  hc_resp *r = hc_request(srv, "DELETE", "/healthz", NULL, NULL, 0);
  check_status(r, 405);
  check_security(r);
  assert_non_null(hc_header(r, "Allow"));
  assert_non_null(strstr(hc_header(r, "Allow"), "GET"));
  assert_null(strstr(hc_header(r, "Allow"), "DELETE"));
  hc_resp_free(r);
  r = hc_request(srv, "PUT", "/login", NULL, "", 0);
  check_status(r, 405);
  assert_non_null(hc_header(r, "Allow"));
  assert_non_null(strstr(hc_header(r, "Allow"), "GET"));
  assert_non_null(strstr(hc_header(r, "Allow"), "POST"));
  hc_resp_free(r);
}

/* A form body of n bytes: "csrf=x&pad=aaaa...". */
static char *form_of(size_t n) {
  char *b = malloc(n + 1);
  assert_non_null(b);
  memset(b, 'a', n);
  memcpy(b, "csrf=x&pad=", 11);
  b[n] = '\0';
  return b;
}

static void test_body_too_large(void **state) {
  char head[256];
  (void)state;
  int64_t before = count("sessions");
  char *big = form_of(70 << 10);
  snprintf(head, sizeof head, "%s%s", FORM_CT, hc_new_addr());
  hc_resp *r = hc_request(srv, "POST", "/login", head, big, 70 << 10);
  check_status(r, 413);
  check_security(r);
  hc_resp_free(r);
  /* the cap is 64 KiB exactly: one byte under is read (and refused for
  ** its CSRF token), one byte over is not */
  snprintf(head, sizeof head, "%s%s", FORM_CT, hc_new_addr());
  r = hc_request(srv, "POST", "/login", head, big, 64 << 10);
  check_status(r, 403);
  hc_resp_free(r);
  snprintf(head, sizeof head, "%s%s", FORM_CT, hc_new_addr());
  r = hc_request(srv, "POST", "/login", head, big, (64 << 10) + 1);
  check_status(r, 413);
  hc_resp_free(r);
  free(big);
  /* a Content-Length that lies: 1 MB announced, 20 bytes sent */
  snprintf(head, sizeof head,
           "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s"
           "Content-Length: 1000000\r\nConnection: close\r\n\r\n",
           FORM_CT, hc_new_addr());
  r = raw(head, "csrf=x&email=a&pw=b", 19, 1);
  check_status(r, 413);
  check_security(r);
  hc_resp_free(r);
  snprintf(head, sizeof head,
           "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s"
           "Content-Length: 99999999999999999999999\r\n\r\n",
           FORM_CT, hc_new_addr());
  r = raw(head, "csrf=x", 6, 1);
  check_refused(r);
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before);
  check_alive();
}

/* Declared shorter than sent: the rest is not taken as part of the form,
** nor as a second request that does anything. */
static void test_body_longer_than_declared(void **state) {
  char head[256];
  (void)state;
  int64_t before = count("sessions");
  snprintf(head, sizeof head,
           "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s"
           "Content-Length: 6\r\n\r\n",
           FORM_CT, hc_new_addr());
  static const char body[] =
      "csrf=x&email=" ADMIN_EMAIL "&password=x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  hc_resp *r = raw(head, body, sizeof body - 1, 1);
  check_status(r, 403);
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before);
  check_alive();
}

static void test_length_required(void **state) {
  char head[256];
  (void)state;
  snprintf(head, sizeof head,
           "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s"
           "Connection: close\r\n\r\n",
           FORM_CT, hc_new_addr());
  hc_resp *r = raw(head, "csrf=x&email=a", 13, 1);
  if (r->status != 411 && r->status != 413)
    fail_msg("no Content-Length: status %d, wanted 411 or 413", r->status);
  check_security(r);
  hc_resp_free(r);
  snprintf(head, sizeof head,
           "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
           FORM_CT, hc_new_addr());
  r = raw(head, "6\r\ncsrf=x\r\n0\r\n\r\n", 16, 1);
  if (r->status != 411 && r->status != 413)
    fail_msg("chunked: status %d, wanted 411 or 413", r->status);
  hc_resp_free(r);
}

static void test_unsupported_type(void **state) {
  static const char *const types[] = {
      "text/plain", "multipart/form-data; boundary=x", "application/json",
      "application/x-www-form-urlencodedX"};
  (void)state;
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    char head[256];
    snprintf(head, sizeof head, "Content-Type: %s\r\n%s", types[i],
             hc_new_addr());
    hc_resp *r = hc_request(srv, "POST", "/login", head, "csrf=x", 6);
    if (r->status != 415) fail_msg("%s: status %d", types[i], r->status);
    check_security(r);
    hc_resp_free(r);
  }
}

static void test_header_flood(void **state) {
  size_t n = 100 << 10;
  char *b = malloc(n + 200);
  (void)state;
  assert_non_null(b);
  /* one 100 KiB header */
  size_t k = (size_t)snprintf(b, 200, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                      "X-Flood: ");
  memset(b + k, 'a', n);
  memcpy(b + k + n, "\r\n\r\n", 4);
  hc_resp *r = hc_raw(srv, b, k + n + 4, 0);
  check_refused(r);
  hc_resp_free(r);
  /* 5000 small ones */
  k = (size_t)snprintf(b, 200, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  for (int i = 0; i < 5000 && k + 40 < n; i++)
    k += (size_t)snprintf(b + k, 40, "X-H%d: v\r\n", i);
  memcpy(b + k, "\r\n", 2);
  r = hc_raw(srv, b, k + 2, 0);
  check_refused(r);
  hc_resp_free(r);
  /* a 100 KiB request target */
  k = (size_t)snprintf(b, 200, "GET /");
  memset(b + k, 'a', n);
  k += n;
  k += (size_t)snprintf(b + k, 200, " HTTP/1.1\r\nHost: x\r\n\r\n");
  r = hc_raw(srv, b, k, 0);
  check_refused(r);
  hc_resp_free(r);
  free(b);
  check_alive();
}

static void test_bad_request_line(void **state) {
  static const char *const lines[] = {
      "GARBAGE\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
      "\x01\x02\x03\x04\r\n\r\n",
      "GET /\x7f\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
  };
  (void)state;
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    hc_resp *r = hc_raw(srv, lines[i], strlen(lines[i]), 1);
    if (!(r->err == HC_ECLOSED && r->status == 0) &&
        (r->status < 400 || r->status > 599))
      fail_msg("case %zu: status %d, client error %d", i, r->status, r->err);
    hc_resp_free(r);
  }
  check_alive();
}

/* A request dribbled out in small pieces is still answered. */
static void test_slow_sender(void **state) {
  static const char req[] =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)state;
  int fd = hc_connect(srv);
  assert_true(fd >= 0);
  for (size_t i = 0; i < sizeof req - 1; i += 8) {
    size_t n = sizeof req - 1 - i < 8 ? sizeof req - 1 - i : 8;
    assert_int_equal(hc_send(fd, req + i, n), 0);
    usleep(30000);
  }
  hc_resp *r = hc_recv(srv, fd, 0);
  close(fd);
  check_status(r, 200);
  assert_string_equal(r->body, "ok\n");
  hc_resp_free(r);
}

static void test_static(void **state) {
  char inm[128];
  (void)state;
  hc_resp *r = hc_get(srv, "/static/style.css");
  check_status(r, 200);
  check_security(r);
  assert_non_null(hc_header(r, "Content-Type"));
  assert_int_equal(strncmp(hc_header(r, "Content-Type"), "text/css", 8), 0);
  assert_true(r->body_len > 100);
  const char *etag = hc_header(r, "ETag");
  assert_non_null(etag);
  assert_true(strlen(etag) > 2 && etag[0] == '"' &&
              etag[strlen(etag) - 1] == '"');
  snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
  hc_resp *r2 = hc_request(srv, "GET", "/static/style.css", inm, NULL, 0);
  check_status(r2, 304);
  assert_int_equal(r2->body_len, 0);
  check_security(r2);
  assert_non_null(hc_header(r2, "ETag"));
  assert_string_equal(hc_header(r2, "ETag"), etag);
  hc_resp_free(r2);
  r2 = hc_request(srv, "GET", "/static/style.css",
                  "If-None-Match: \"0000\"\r\n", NULL, 0);
  check_status(r2, 200);
  assert_int_equal(r2->body_len, r->body_len);
  hc_resp_free(r2);
  hc_resp_free(r);
}

/* The API's error shape (tu_api_error), as JSON. */
static void check_api_error(const hc_resp *r, int status, const char *code) {
  check_status(r, status);
  assert_non_null(hc_header(r, "Content-Type"));
  assert_int_equal(
      strncmp(hc_header(r, "Content-Type"), "application/json", 16), 0);
  json_decref(tu_api_error(r, status, code));
}

static void test_api_unauthenticated(void **state) {
  static const char *const auth[] = {
      NULL, "Authorization: Bearer hst_nope\r\n",
      "Authorization: Bearer \r\n", "Authorization: Basic YTpi\r\n",
      /* well formed, but no such token */
      "Authorization: Bearer "
      "hst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"};
  (void)state;
  for (size_t i = 0; i < sizeof auth / sizeof *auth; i++) {
    hc_resp *r =
        hc_request(srv, "GET", "/api/v1/elections", auth[i], NULL, 0);
    check_api_error(r, 401, "unauthenticated");
    check_security(r);
    assert_non_null(hc_header(r, "WWW-Authenticate"));
    assert_int_equal(strncmp(hc_header(r, "WWW-Authenticate"), "Bearer", 6),
                     0);
    hc_resp_free(r);
  }
  hc_resp *r =
      hc_post_json(srv, "/api/v1/elections", NULL, "{\"slug\":\"x\"}");
  check_api_error(r, 401, "unauthenticated");
  hc_resp_free(r);
}

/* The cookie srv's last answer set: HttpOnly, SameSite=Strict, Path=/,
** and not Secure (the base URL is http). */
static void check_cookie_attrs(const char *sc) {
  assert_non_null(sc);
  assert_non_null(strstr(sc, "; HttpOnly"));
  assert_non_null(strstr(sc, "; SameSite=Strict"));
  assert_non_null(strstr(sc, "; Path=/"));
  assert_null(strstr(sc, "Secure"));
}

static void test_setup_link(void **state) {
  char csrf[65], path[200];
  (void)state;
  const char *tok = hc_setup_token(srv);
  if (!tok) fail_msg("no setup link in the server's output");
  snprintf(setup_token, sizeof setup_token, "%s", tok);
  assert_int_equal(strlen(setup_token), 43);
  assert_int_equal(count("admins"), 0);
  snprintf(path, sizeof path, "/setup/%s", setup_token);

  hc_resp *r = get_from("/setup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  if (r->status != 404 && r->status != 410)
    fail_msg("bad setup token: status %d", r->status);
  hc_resp_free(r);

  hc_jar_clear(srv);
  r = get_from(path);
  check_status(r, 200);
  check_security(r);
  assert_non_null(hc_find(r->body, "<form"));
  assert_true(hc_csrf(r->body, csrf));
  check_cookie_attrs(hc_set_cookie(r, "hs_anon"));
  assert_non_null(hc_jar_get(srv, "hs_anon"));
  hc_resp_free(r);

  /* a form with a mistake changes nothing and keeps the link usable */
  const char *bad[] = {"csrf", csrf, "org_name", "Northfield", "email",
                       ADMIN_EMAIL, "name", "Ada Brennan", "password",
                       ADMIN_PW, "password2", ADMIN_PW "!", NULL};
  r = post(path, NULL, bad);
  check_status(r, 422);
  assert_null(hc_set_cookie(r, "hs"));
  hc_resp_free(r);
  assert_int_equal(count("admins"), 0);

  int64_t audit = count("audit");
  const char *good[] = {"csrf", csrf, "org_name", "Northfield", "email",
                        ADMIN_EMAIL, "name", "Ada Brennan", "password",
                        ADMIN_PW, "password2", ADMIN_PW, NULL};
  r = post(path, NULL, good);
  check_status(r, 303);
  assert_non_null(hc_header(r, "Location"));
  check_cookie_attrs(hc_set_cookie(r, "hs"));
  hc_resp_free(r);
  assert_int_equal(count("admins"), 1);
  assert_int_equal(count("sessions"), 1);
  assert_true(count("audit") > audit);
  assert_non_null(hc_jar_get(srv, "hs"));

  r = hc_get(srv, "/admin");
  check_status(r, 200);
  assert_non_null(hc_find(r->body, "action=\"/logout\""));
  hc_resp_free(r);

  /* the link is spent: the form is gone and a replayed post does nothing */
  r = get_from(path);
  if (r->status != 404 && r->status != 410)
    fail_msg("used setup link: status %d", r->status);
  hc_resp_free(r);
  const char *again[] = {"csrf", csrf, "org_name", "Other", "email",
                         "eve@example.org", "name", "Eve", "password",
                         ADMIN_PW, "password2", ADMIN_PW, NULL};
  r = post(path, NULL, again);
  if (r->status != 404 && r->status != 410)
    fail_msg("used setup link, POST: status %d", r->status);
  hc_resp_free(r);
  assert_int_equal(count("admins"), 1);
  hc_jar_clear(srv);
}

/* Posts the login form with the given csrf and password. */
static hc_resp *login(const char *csrf, const char *pw, const char *hdrs) {
  const char *f[] = {"csrf", csrf, "email", ADMIN_EMAIL, "password", pw,
                     NULL};
  if (!csrf) f[0] = "x", f[1] = "y";
  return post("/login", hdrs, f);
}

static void test_csrf_refused(void **state) {
  char a[65], b[65], anon_a[512], origin[128];
  (void)state;
  int64_t before = count("sessions");
  int64_t audit = hc_sql(srv, "SELECT max(seq) FROM audit");
  hc_jar_clear(srv);
  get_csrf("/login", a);
  snprintf(anon_a, sizeof anon_a, "%s", hc_jar_get(srv, "hs_anon"));

  hc_resp *r = login(NULL, ADMIN_PW, NULL); /* missing */
  check_status(r, 403);
  check_security(r);
  hc_resp_free(r);
  r = login("0000000000000000000000000000000000000000000000000000000000000000",
            ADMIN_PW, NULL); /* forged */
  check_status(r, 403);
  hc_resp_free(r);
  r = login("", ADMIN_PW, NULL); /* empty */
  check_status(r, 403);
  hc_resp_free(r);

  /* another browser's token: valid, but not for this cookie */
  hc_jar_clear(srv);
  get_csrf("/login", b);
  assert_string_not_equal(a, b);
  r = login(a, ADMIN_PW, NULL);
  check_status(r, 403);
  hc_resp_free(r);
  /* the right token without its cookie */
  hc_jar_clear(srv);
  r = login(a, ADMIN_PW, NULL);
  check_status(r, 403);
  hc_resp_free(r);

  /* the right pair, sent from another site */
  hc_jar_set(srv, "hs_anon", anon_a);
  r = login(a, ADMIN_PW, "Origin: http://evil.example\r\n");
  check_status(r, 403);
  hc_resp_free(r);
  r = login(a, ADMIN_PW, "Sec-Fetch-Site: cross-site\r\n");
  check_status(r, 403);
  hc_resp_free(r);
  /* a sibling subdomain, even with the Origin "null" our Referrer-Policy
  ** makes browsers send */
  r = login(a, ADMIN_PW, "Origin: null\r\nSec-Fetch-Site: same-site\r\n");
  check_status(r, 403);
  hc_resp_free(r);
  assert_null(hc_jar_get(srv, "hs"));
  assert_int_equal(count("sessions"), before);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), audit);

  /* and the controls: the same pair from this site signs in, with its
  ** Origin, or as Chromium sends it under Referrer-Policy: no-referrer */
  snprintf(origin, sizeof origin, "Origin: http://127.0.0.1:%d\r\n",
           hc_port(srv));
  r = login(a, ADMIN_PW, origin);
  check_status(r, 303);
  hc_resp_free(r);
  assert_non_null(hc_jar_get(srv, "hs"));
  assert_int_equal(count("sessions"), before + 1);
  hc_jar_del(srv, "hs");
  r = login(a, ADMIN_PW, "Origin: null\r\nSec-Fetch-Site: same-origin\r\n");
  check_status(r, 303);
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before + 2);
  hc_jar_clear(srv);
}

static void test_login_logout(void **state) {
  char csrf[65], hs[512];
  (void)state;
  hc_jar_clear(srv);
  int64_t before = count("sessions");
  get_csrf("/login", csrf);

  /* wrong password, then unknown account: a page with an error */
  hc_resp *r = login(csrf, "not the password at all", NULL);
  if (r->status != 200 && r->status != 401 && r->status != 422)
    fail_msg("wrong password: status %d", r->status);
  check_security(r);
  assert_non_null(hc_find(r->body, "<form"));
  assert_null(hc_set_cookie(r, "hs"));
  hc_resp_free(r);
  const char *unknown[] = {"csrf", csrf, "email", "nobody@example.org",
                           "password", ADMIN_PW, NULL};
  r = post("/login", NULL, unknown);
  if (r->status != 200 && r->status != 401 && r->status != 422)
    fail_msg("unknown account: status %d", r->status);
  assert_null(hc_set_cookie(r, "hs"));
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before);
  r = hc_get(srv, "/admin");
  check_status(r, 303);
  hc_resp_free(r);

  /* the right password */
  r = login(csrf, ADMIN_PW, NULL);
  check_status(r, 303);
  check_cookie_attrs(hc_set_cookie(r, "hs"));
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before + 1);
  snprintf(hs, sizeof hs, "%s", hc_jar_get(srv, "hs"));
  assert_true(hc_get_csrf(srv, "/admin", NULL, csrf));

  /* the API ignores the session cookie */
  r = hc_get(srv, "/api/v1/elections");
  check_api_error(r, 401, "unauthenticated");
  hc_resp_free(r);

  /* logout needs the token too */
  r = post("/logout", NULL, (const char *[]){"csrf", "f00d", NULL});
  check_status(r, 403);
  hc_resp_free(r);
  assert_int_equal(count("sessions"), before + 1);

  r = post("/logout", NULL, (const char *[]){"csrf", csrf, NULL});
  check_status(r, 303);
  hc_resp_free(r);
  assert_null(hc_jar_get(srv, "hs"));
  assert_int_equal(count("sessions"), before);
  r = hc_get(srv, "/admin");
  check_status(r, 303);
  hc_resp_free(r);
  /* the old cookie is dead */
  hc_jar_set(srv, "hs", hs);
  r = hc_get(srv, "/admin");
  check_status(r, 303);
  assert_non_null(hc_header(r, "Location"));
  assert_int_equal(strncmp(hc_header(r, "Location"), "/login", 6), 0);
  hc_resp_free(r);
  hc_jar_clear(srv);
}

/* After signing in: "next" goes to local paths of plain URL characters
** only (a TAB would let a browser read "/\t/evil" as "//evil"), and an
** administrator's form refuses a CSRF token bound to the anonymous cookie
** instead of the session. */
static void test_login_next_and_csrf_binding(void **state) {
  static const struct {
    const char *next, *want;
  } cases[] = {{"/\t/evil.example", "/admin"},
               {"//evil.example", "/admin"},
               {"/\\evil.example", "/admin"},
               {"https://evil.example/", "/admin"},
               {"/admin/tokens", "/admin/tokens"}};
  char anon[65], mine[65];
  size_t i;
  (void)state;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hc_jar_clear(srv);
    get_csrf("/login", anon);
    const char *f[] = {"csrf", anon, "email", ADMIN_EMAIL, "password",
                       ADMIN_PW, "next", cases[i].next, NULL};
    hc_resp *r = post("/login", NULL, f);
    check_status(r, 303);
    assert_non_null(hc_header(r, "Location"));
    if (strcmp(hc_header(r, "Location"), cases[i].want) != 0)
      fail_msg("next=%s went to %s, wanted %s", cases[i].next,
               hc_header(r, "Location"), cases[i].want);
    hc_resp_free(r);
  }
  /* signed in now; anon still holds the anonymous cookie's token */
  int64_t tokens = count("api_tokens"), seq = hc_sql(srv, "SELECT max(seq) FROM audit");
  hc_resp *r = post("/admin/tokens", NULL,
                    (const char *[]){"csrf", anon, "label", "x", NULL});
  check_status(r, 403);
  hc_resp_free(r);
  assert_int_equal(count("api_tokens"), tokens);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), seq);
  get_csrf("/admin", mine);
  assert_string_not_equal(mine, anon);
  r = post("/admin/tokens", NULL,
           (const char *[]){"csrf", mine, "label", "x", NULL});
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(count("api_tokens"), tokens + 1);
  hc_jar_clear(srv);
}

/* Five login attempts a minute from one address: the sixth is refused
** (a seventh may pass if the attempts took over 12 s, one token's worth). */
static void test_login_rate_limit(void **state) {
  char csrf[65], xff[64];
  int limited = 0;
  (void)state;
  hc_jar_clear(srv);
  get_csrf("/login", csrf);
  snprintf(xff, sizeof xff, "%s", hc_new_addr());
  const char *f[] = {"csrf", csrf, "email", ADMIN_EMAIL, "password", "wrong",
                     NULL};
  time_t t0 = time(NULL);
  for (int i = 0; i < 10 && !limited; i++) {
    hc_resp *r = hc_post_formv(srv, "/login", xff, f);
    if (r->status == 429) {
      limited = i + 1;
      assert_non_null(hc_header(r, "Retry-After"));
      check_security(r);
    } else if (r->status != 401) {
      fail_msg("attempt %d: status %d", i + 1, r->status);
    }
    hc_resp_free(r);
  }
  int most = 6 + (int)((time(NULL) - t0) / 12);
  if (limited < 6 || limited > most)
    fail_msg("the 429 came at attempt %d, wanted 6 (at most %d)", limited,
             most);
  hc_jar_clear(srv);
}

static void test_sigterm(void **state) {
  (void)state;
  check_alive();
  int rc = hc_stop(srv);
  srv = NULL;
  assert_int_equal(rc, 0);
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state) {
  static const char *const extra[] = {"--trust-proxy", "127.0.0.1", NULL};
  (void)state;
  srv = hc_start(hc_bin_from_argv0(argv0), extra);
  return srv ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  if (srv) hc_stop(srv);
  srv = NULL;
  return 0;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthz),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_traversal),
      cmocka_unit_test(test_method_not_allowed),
      cmocka_unit_test(test_body_too_large),
      cmocka_unit_test(test_body_longer_than_declared),
      cmocka_unit_test(test_length_required),
      cmocka_unit_test(test_unsupported_type),
      cmocka_unit_test(test_header_flood),
      cmocka_unit_test(test_bad_request_line),
      cmocka_unit_test(test_slow_sender),
      cmocka_unit_test(test_static),
      cmocka_unit_test(test_api_unauthenticated),
      cmocka_unit_test(test_setup_link),
      cmocka_unit_test(test_csrf_refused),
      cmocka_unit_test(test_login_logout),
      cmocka_unit_test(test_login_next_and_csrf_binding),
      cmocka_unit_test(test_login_rate_limit),
      cmocka_unit_test(test_sigterm),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
