/*
** test_hostile.c: issue 7's hostile web input against the running server,
** the application half (test_hostile2.c has traversal, oversized input,
** slow clients, SQL injection, code guessing, the sign-in throttle and
** sessions).  One
** `hustings serve --mail none --trust-proxy 127.0.0.1` on `hustings demo
** --voting`'s database, into which, before the server starts, every text
** a person can set (organisation, election, contest, category, question,
** branch, candidate name, email and statement, checklist comments,
** supporters, withdrawal reasons, the roll's names, numbers and emails)
** is overwritten with script-injection payloads; the statements' HTML is
** made by the service's own renderer (md_render) from hostile Markdown.
** Token labels, the administrator's name and a roll import with hostile
** rows and file name go through the forms and the API.  Then:
**   - the route tables (linked from libweb.a): every /admin route needs a
**     session, every /api route a token, every other POST a CSRF form;
**   - XSS: every HTML page the tables list (public, admin, candidate,
**     branch, ballot, review), the re-rendered forms, the credentials CSV
**     and, after the count, the results pages and every file of the pack:
**     no payload unescaped (<script>alert, <img src=x, <svg onload,
**     href="javascript:", ...), the CSP on every HTML answer, no CSV cell
**     that a spreadsheet would run as a formula;
**   - CSRF: every form route, admin and public, with no token, a wrong
**     one, another session's, the anonymous one (admin forms), and with
**     Sec-Fetch-Site: cross-site or a foreign Origin: 403;
**   - access without authority: every admin route without a session (303
**     to /login), every API route with a cookie but no token, with
**     malformed and revoked tokens (401), and with another organisation's
**     administrator's token and session (404).
** Every refusal leaves the database as it was (tu_snap_take / tu_same),
** integrity_check says ok, and the server still answers.
*/
#define _GNU_SOURCE /* strcasestr */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include <sodium.h>
#include <sqlite3.h>

#include "client.h"
#include "http.h" /* the route tables, from libweb.a */
#include "testutil.h"

#define EL "steering-2027"
#define ADMIN_EMAIL "ro@example.org"
#define OTHER_EMAIL "mallory@example.org"
#define ADMIN_PW "correct horse battery staple"
#define CSP                                                                \
  "default-src 'none'; script-src 'self'; style-src 'self'; "             \
  "img-src 'self'; form-action 'self'; base-uri 'none'; "                 \
  "frame-ancestors 'none'"
#define SHEET_CSP                                                          \
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "        \
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

/* The payload put into every text field: script, attribute break-out,
** </textarea>, an event handler in SVG, a template, U+2028. */
#define XSS                                                                \
  "<script>alert(1)</script>\"><img src=x onerror=alert(1)>'</textarea>"  \
  "<svg onload=alert(1)>{{7*7}}\xe2\x80\xa8"
/* ... and a shorter one for fields of at most 64 bytes */
#define XSS_SHORT "\"><img src=x onerror=alert(1)><script>alert(1)</script>"
/* Markdown for statements and the election's texts */
static const char md_payload[] =
    "# Hi <script>alert(1)</script>\n\n"
    "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) "
    "[c](&#106;avascript:alert(1)) [d](data:text/html;base64,PHNjcmlwdD4=) "
    "[e](vbscript:msgbox(1)) <a href=\"javascript:alert(1)\">f</a> "
    "![g](javascript:alert(1)) ![h](x\" onerror=\"alert(1)) "
    "<img src=x onerror=alert(1)> </textarea><svg onload=alert(1)> "
    "<iframe src=\"javascript:alert(1)\"></iframe>\n\n"
    "<script>alert(1)</script>\n";

static const char *argv0;
static hc_server *srv;
static char dir[256], demo[300], token[128], revoked[128], other_token[128];
static char nom_link[64], branch_link[64], codes[2][32];
/* the two administrators' browsers: session and anonymous cookies */
static struct browser {
  char hs[64], anon[64];
} admin_a, admin_m;
static int64_t ids_nom[16], n_nom, id_q, id_branch, id_sup, id_import,
    id_elector, id_token_a;
static char cat_slug[64];

static const char *const snap_sql[] = {
    "SELECT count(*) FROM ballots",
    "SELECT count(*) FROM receipts",
    "SELECT count(*) FROM credentials",
    "SELECT count(*) FROM credentials WHERE used = 1",
    "SELECT count(*) FROM electors WHERE voted = 1",
    "SELECT max(seq) FROM audit",
    "SELECT count(*) FROM sessions",
    "SELECT count(*) FROM api_tokens",
    "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL",
    "SELECT count(*) FROM admins",
    "SELECT count(*) FROM voters",
    "SELECT count(*) FROM nominations",
    "SELECT count(*) FROM nominations WHERE status = 'accepted'",
    "SELECT count(*) FROM supporters WHERE revoked_at IS NULL",
    "SELECT count(*) FROM outbox",
    "SELECT count(*) FROM elections",
    "SELECT count(*) FROM contests",
    "SELECT count(*) FROM questions",
    "SELECT count(*) FROM branches WHERE link_hash IS NOT NULL",
    "SELECT count(*) FROM roll_imports",
    "SELECT count(*) FROM phase_changes",
    "SELECT count(*) FROM orgs",
    NULL};

/* ------------------------------------------------------------- helpers */

static sqlite3 *open_db(int rw) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(demo, &db,
                                   rw ? SQLITE_OPEN_READWRITE
                                      : SQLITE_OPEN_READONLY,
                                   NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  return db;
}

static void exec(sqlite3 *db, const char *q) {
  char *err = NULL;
  if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
    fail_msg("%s: %s", q, err ? err : "?");
}

static int64_t sql(const char *q) {
  int64_t n = hc_sql(srv, q);
  if (n == INT64_MIN) fail_msg("%s failed", q);
  return n;
}

static void integrity_ok(void) {
  sqlite3 *db = open_db(0);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
                                      NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static void use(const struct browser *b) {
  hc_jar_clear(srv);
  if (b && b->hs[0]) hc_jar_set(srv, "hs", b->hs);
  if (b && b->anon[0]) hc_jar_set(srv, "hs_anon", b->anon);
}

static void keep(struct browser *b) {
  const char *v = hc_jar_get(srv, "hs");
  snprintf(b->hs, sizeof b->hs, "%s", v ? v : "");
  v = hc_jar_get(srv, "hs_anon");
  snprintf(b->anon, sizeof b->anon, "%s", v ? v : "");
}

#define check_alive() check_alive_at(__FILE__, __LINE__)
static void check_alive_at(const char *file, int line) {
  hc_resp *r = hc_get(srv, "/healthz");
  int ok = r->status == 200;
  hc_resp_free(r);
  if (!ok) {
    print_error("/healthz no longer answers\n");
    _fail(file, line);
  }
}

/* What must never be in an answer that a browser renders: raw tags of
** the payloads anywhere, and script-bearing attributes inside a tag. */
static const char *const bad[] = {
    "<script>alert", "<img src=x", "<svg onload", "<iframe",
    "</textarea><svg", "</textarea><script", NULL};
static const char *const bad_attr[] = {
    "onerror=", "onload=", "href=\"javascript:", "href='javascript:",
    "href=javascript:", "src=\"javascript:", "href=\"vbscript:",
    "href=\"data:", "href=\"&#", "src=\"data:text", NULL};

/* 1 if pos (in body) is inside a tag and not inside a quoted attribute
** value: where a browser would read an attribute name. */
static int in_tag(const char *body, const char *pos) {
  const char *p = pos;
  int quotes = 0;
  while (p > body && p[-1] != '<' && p[-1] != '>') {
    p--;
    quotes += *p == '"';
  }
  return p > body && p[-1] == '<' && quotes % 2 == 0;
}

static size_t shown; /* answers that showed a payload, escaped */

#define check_page(r, what) check_page_at(r, what, __FILE__, __LINE__)
/* An HTML answer: our CSP (or the count sheet's), no unescaped payload.
** Any other answer must not be served as HTML. */
static void check_page_at(const hc_resp *r, const char *what,
                          const char *file, int line) {
  const char *ct = hc_header(r, "Content-Type");
  const char *csp = hc_header(r, "Content-Security-Policy");
  size_t i;
  if (r->status >= 500 || r->err != HC_OK) {
    print_error("%s: status %d, client error %d\n", what, r->status, r->err);
    _fail(file, line);
  }
  if (!csp || (strcmp(csp, CSP) != 0 && strcmp(csp, SHEET_CSP) != 0) ||
      !hc_header(r, "X-Content-Type-Options")) {
    print_error("%s: status %d without our security headers\n", what,
                r->status);
    _fail(file, line);
  }
  if (hc_find(r->body, "&lt;script&gt;alert(1)")) shown++;
  if (!ct || (strncmp(ct, "text/html", 9) != 0 &&
              strncmp(ct, "image/svg", 9) != 0))
    return; /* not rendered: JSON, CSV, text (nosniff) */
  for (i = 0; bad_attr[i]; i++)
    for (const char *p = r->body; (p = strcasestr(p, bad_attr[i])) != NULL;
         p++)
      if (in_tag(r->body, p)) {
        size_t off = (size_t)(p - r->body);
        print_error("%s: \"%s\" in a tag at %zu: ...%.120s\n", what,
                    bad_attr[i], off, off > 60 ? p - 60 : r->body);
        _fail(file, line);
      }
  for (i = 0; bad[i]; i++) {
    const char *p = r->body ? strcasestr(r->body, bad[i]) : NULL;
    if (p) {
      size_t off = (size_t)(p - r->body);
      print_error("%s: unescaped \"%s\" at %zu: ...%.120s\n", what, bad[i],
                  off, off > 60 ? p - 60 : r->body);
      _fail(file, line);
    }
  }
}

/* CSV: no cell a spreadsheet would run (=, +, -, @, TAB, CR first). */
static void check_csv(const char *what, const char *csv) {
  const char *p = csv;
  int first = 1;
  while (*p) {
    const char *cell = p;
    if (*cell == '"') cell++;
    if (first || p[-1] == ',' || p[-1] == '\n')
      if (strchr("=+-@\t\r", *cell) && *cell)
        fail_msg("%s: a formula cell: %.60s", what, cell);
    first = 0;
    if (*p == '"') { /* quoted: to the closing quote */
      p++;
      while (*p && !(p[0] == '"' && p[1] != '"')) p += p[0] == '"' ? 2 : 1;
      if (*p) p++;
    } else {
      while (*p && *p != ',' && *p != '\n') p++;
    }
    if (*p) p++;
  }
}

/* A GET as the current jar, from a new address. */
static hc_resp *get(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

static hc_resp *post(const char *path, const char *extra,
                     const char *const f[]) {
  char h[512];
  snprintf(h, sizeof h, "%s%s", hc_new_addr(), extra ? extra : "");
  return hc_post_formv(srv, path, h, f);
}

/* The csrf token of the page at path, for the current jar. */
static void csrf_of(const char *path, char out[65]) {
  if (!hc_get_csrf(srv, path, hc_new_addr(), out))
    fail_msg("no csrf token on %s", path);
}

static hc_resp *api(const char *method, const char *path, const char *bearer,
                    const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, bearer, json);
}

/* A request to an API route with bearer (NULL: none), the body its kind
** takes. */
static hc_resp *api_call(const route *rt, const char *path,
                         const char *bearer) {
  if (rt->body == BODY_RAW) {
    char h[8300];
    size_t n = (size_t)snprintf(h, sizeof h, "Content-Type: text/csv\r\n%s",
                                hc_new_addr());
    if (bearer)
      snprintf(h + n, sizeof h - n, "Authorization: Bearer %s\r\n", bearer);
    return hc_request(srv, rt->method, path, h, "member_no,name\n1,x\n", 19);
  }
  return api(rt->method, path, bearer,
             rt->body == BODY_JSON ? "{\"reason\":\"x\",\"to\":\"counted\"}"
                                   : NULL);
}

/* The value for capture {name} after the literal segment prev. */
static const char *capture(const char *pattern, const char *prev,
                           const char *name, int variant, char *buf,
                           size_t cap) {
  int adm = strncmp(pattern, "/admin", 6) == 0 || strncmp(pattern, "/api", 4)
                                                      == 0;
  int64_t id = 0;
  if (!strcmp(name, "e")) return EL;
  if (!strcmp(prev, "orgs")) return "northfield";
  if (!strcmp(prev, "contests") || (!strcmp(name, "c") && strcmp(prev,
                                                              "categories")))
    return "general";
  if (!strcmp(prev, "categories")) return cat_slug;
  if (!strcmp(prev, "questions")) id = id_q;
  else if (!strcmp(prev, "branches")) id = id_branch;
  else if (!strcmp(prev, "supporters")) id = id_sup;
  else if (!strcmp(prev, "imports")) id = id_import;
  else if (!strcmp(prev, "electors")) id = id_elector;
  else if (!strcmp(prev, "tokens")) id = id_token_a;
  else if ((!strcmp(prev, "n") && adm) || !strcmp(prev, "nominations"))
    id = ids_nom[variant % n_nom];
  else if (!strcmp(prev, "n")) return nom_link;
  else if (!strcmp(prev, "s")) return branch_link;
  else if (!strcmp(prev, "v")) return codes[variant % 2];
  else if (!strcmp(prev, "setup"))
    return "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
  else if (!strcmp(prev, "results")) return "general.json";
  else
    fail_msg("%s: no value for {%s}", pattern, name);
  snprintf(buf, cap, "%lld", (long long)id);
  return buf;
}

/* The route's pattern with its captures filled (variant picks among the
** nominations and codes). */
static void fill(const route *rt, int variant, char *out, size_t cap) {
  const char *p = rt->pattern;
  char prev[64] = "", buf[32];
  size_t n = 0;
  while (*p) {
    const char *seg_end;
    assert_true(*p == '/');
    p++;
    seg_end = strchr(p, '/');
    if (!seg_end) seg_end = p + strlen(p);
    n += (size_t)snprintf(out + n, cap - n, "/");
    if (*p == '{') {
      char name[32];
      size_t k = (size_t)(seg_end - p - 2);
      assert_true(k < sizeof name);
      memcpy(name, p + 1, k);
      name[k] = 0;
      n += (size_t)snprintf(out + n, cap - n, "%s",
                            capture(rt->pattern, prev, name, variant, buf,
                                    sizeof buf));
    } else {
      size_t k = (size_t)(seg_end - p);
      assert_true(k < sizeof prev && n + k < cap);
      memcpy(prev, p, k);
      prev[k] = 0;
      memcpy(out + n, p, k);
      n += k;
      out[n] = 0;
    }
    p = seg_end;
  }
  if (n == 0) snprintf(out, cap, "/");
  assert_true(n < cap);
}

static const route *const *tables(void) {
  static const route *const t[] = {
      routes_public, routes_nominate, routes_publish, routes_auth,
      routes_admin,  routes_review,   routes_api,     routes_roll,
      routes_voting, routes_results,  routes_vote,    NULL};
  return t;
}

static int has_capture(const route *rt, const char *name) {
  char c[40];
  snprintf(c, sizeof c, "{%s}", name);
  return strstr(rt->pattern, c) != NULL;
}

/* Form fields that would change something if a refused post got through. */
static const char *const form_fields[] = {
    "label",     "x",      "title",  "x",       "slug",    "x2",
    "name",      "x",      "reason", "x",       "to",      "counted",
    "phase",     "counted", "email", ADMIN_EMAIL, "password", ADMIN_PW,
    "decision",  "accept", "scope",  "post",    "confirm", "1",
    "text",      "x",      "csv",    "member_no,name\n9999,x\n", NULL};

/* ---------------------------------------------------------------- cases */

/* The tables: /admin needs a session, /api a token, and every other
** state-changing route is a CSRF-checked form. */
static void test_route_tables(void **state) {
  const route *const *t = tables();
  size_t n = 0;
  (void)state;
  for (; *t; t++)
    for (const route *rt = *t; rt->pattern; rt++, n++) {
      int is_admin = strncmp(rt->pattern, "/admin", 6) == 0;
      int is_api = strncmp(rt->pattern, "/api/", 5) == 0;
      if (is_admin && rt->auth != AUTH_ADMIN)
        fail_msg("%s %s: no session needed", rt->method, rt->pattern);
      if (is_api != (rt->auth == AUTH_TOKEN))
        fail_msg("%s %s: token auth %d", rt->method, rt->pattern, rt->auth);
      if (strcmp(rt->method, "GET") != 0 && !is_api &&
          rt->body != BODY_FORM)
        fail_msg("%s %s: not a CSRF-checked form", rt->method, rt->pattern);
      if (!is_api && (rt->body == BODY_JSON || rt->body == BODY_RAW))
        fail_msg("%s %s: a page takes JSON", rt->method, rt->pattern);
      if (!strcmp(rt->method, "GET") && rt->body != BODY_NONE)
        fail_msg("GET %s takes a body", rt->pattern);
    }
  assert_true(n > 100);
}

/* Cast a ballot with codes[i]: the ballot page and the review page are
** checked on the way. */
static void cast(int i) {
  char path[96], csrf[65], names[8][48];
  const char *f[24];
  size_t m = 0, k = 0;
  const char *p;
  int64_t seen[8];
  hc_resp *r;
  snprintf(path, sizeof path, "/v/%s", codes[i]);
  use(NULL);
  r = get(path);
  check_status(r, 200);
  check_page(r, path);
  has(r, "&lt;script&gt;alert(1)&lt;/script&gt;"); /* names, escaped */
  assert_int_equal(hc_csrf(r->body, csrf), 1);
  f[m++] = "csrf";
  f[m++] = csrf;
  /* the first candidate of each contest, ranked 1 */
  for (p = r->body; k < 8 && (p = hc_find(p, "name=\"r.")) != NULL;) {
    int64_t contest;
    size_t j, len;
    p += 8;
    contest = strtoll(p, NULL, 10);
    for (j = 0; j < k; j++)
      if (seen[j] == contest) break;
    if (j < k) continue;
    len = strcspn(p, "\"");
    assert_true(len + 3 < sizeof names[0]);
    snprintf(names[k], sizeof names[k], "r.%.*s", (int)len, p);
    seen[k] = contest;
    f[m++] = names[k++];
    f[m++] = "1";
  }
  assert_true(k >= 1);
  f[m] = NULL;
  hc_resp_free(r);
  snprintf(path, sizeof path, "/v/%s/review", codes[i]);
  r = post(path, NULL, f);
  check_status(r, 200);
  check_page(r, path);
  hc_resp_free(r);
  snprintf(path, sizeof path, "/v/%s/cast", codes[i]);
  r = post(path, NULL, f);
  check_status(r, 200);
  check_page(r, path);
  hc_resp_free(r);
}

/* Every HTML page of the tables, as the administrator and as nobody; the
** forms re-rendered with hostile values; the credentials CSV. */
static void test_xss_pages(void **state) {
  const route *const *t;
  char path[512], csrf[65];
  size_t pages = 0;
  hc_resp *r;
  (void)state;
  /* the ballot first (the export below replaces post voters' codes) */
  cast(0);
  for (int who = 0; who < 2; who++) {
    use(who ? NULL : &admin_a);
    for (t = tables(); *t; t++)
      for (const route *rt = *t; rt->pattern; rt++) {
        int variants = has_capture(rt, "id") && !strncmp(rt->pattern,
                                                         "/admin/n/", 9)
                           ? (int)n_nom
                           : 1;
        if (strcmp(rt->method, "GET") != 0 || rt->auth == AUTH_TOKEN ||
            !strcmp(rt->pattern, "/healthz") ||
            !strncmp(rt->pattern, "/setup/", 7) ||
            strstr(rt->pattern, "results"))
          continue;
        for (int v = 0; v < variants; v++) {
          fill(rt, v, path, sizeof path);
          r = get(path);
          check_page(r, path);
          if (rt->auth == AUTH_ADMIN && who == 0 && r->status != 200)
            fail_msg("%s: status %d as the administrator", path, r->status);
          pages++;
          hc_resp_free(r);
        }
      }
  }
  fprintf(stderr, "# %zu pages checked, %zu answers so far showed a "
          "payload (escaped)\n", pages, shown);
  assert_true(shown >= pages / 2);
  /* escaped, and shown: the test is not passing on empty pages */
  use(NULL);
  r = get("/e/" EL);
  has(r, "&lt;script&gt;alert(1)&lt;/script&gt;");
  hc_resp_free(r);
  r = get("/e/" EL "/candidates");
  has(r, "&lt;svg onload=alert(1)&gt;");
  hc_resp_free(r);
  /* hostile values echoed back by forms that refuse them */
  {
    const char *f[] = {"csrf", "", "email", XSS, "password", XSS, "next",
                       "/admin\"><script>alert(1)</script>", NULL};
    csrf_of("/login", csrf);
    f[1] = csrf;
    r = post("/login", NULL, f);
    check_page(r, "POST /login");
    assert_true(r->status == 401 || r->status == 422);
    hc_resp_free(r);
    r = get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E");
    check_page(r, "/login?next=");
    hc_resp_free(r);
    r = get("/login?next=javascript:alert(1)");
    check_page(r, "/login?next=javascript");
    lacks(r, "javascript:");
    hc_resp_free(r);
  }
  use(&admin_a);
  {
    const char *f[] = {"csrf", "", "slug", "Not A Slug <b>", "title", XSS,
                       "tz", XSS_SHORT, NULL};
    csrf_of("/admin/e/new", csrf);
    f[1] = csrf;
    r = post("/admin/e/new", NULL, f);
    check_page(r, "POST /admin/e/new");
    check_status(r, 422);
    has(r, "&lt;script&gt;");
    hc_resp_free(r);
  }
  {
    r = get("/admin/e/" EL "/electors?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    check_page(r, "electors?q=");
    hc_resp_free(r);
    r = get("/admin/roll?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
            "&tag=%3Csvg%20onload%3Dalert(1)%3E");
    check_page(r, "roll?q=");
    hc_resp_free(r);
  }
  /* the credentials CSV: names that are formulas are defused */
  {
    const char *f[] = {"csrf", "", "scope", "post", "confirm", "1", NULL};
    csrf_of("/admin/e/" EL "/voting", csrf);
    f[1] = csrf;
    r = post("/admin/e/" EL "/credentials.csv", NULL, f);
    check_status(r, 200);
    check_page(r, "credentials.csv");
    assert_non_null(hc_header(r, "Content-Type"));
    assert_int_equal(strncmp(hc_header(r, "Content-Type"), "text/csv", 8), 0);
    has(r, "HYPERLINK");
    check_csv("credentials.csv", r->body);
    hc_resp_free(r);
  }
  /* the audit log as JSON lines is not HTML */
  r = get("/admin/audit.jsonl");
  check_page(r, "audit.jsonl");
  hc_resp_free(r);
  check_alive();
}

/* The payload without U+2028, for fields of one line */
#define XSS_LINE                                                           \
  "<script>alert(1)</script>\"><img src=x onerror=alert(1)>'</textarea>"  \
  "<svg onload=alert(1)>{{7*7}}"

/* A JSON call whose body jansson writes (so the payloads are escaped as
** JSON); the answer's status must be want. */
static json_t *api_ok(const char *method, const char *path, json_t *body,
                      int want) {
  char *text = json_dumps(body, JSON_COMPACT);
  hc_resp *r;
  json_t *doc;
  json_decref(body);
  assert_non_null(text);
  r = api(method, path, token, text);
  free(text);
  if (r->status != want)
    fail_msg("%s %s: status %d: %.300s", method, path, r->status, r->body);
  doc = tu_body_json(r);
  hc_resp_free(r);
  return doc;
}

/* The first half of an election, through the API and the public forms:
** an election in nominations with hostile texts everywhere, a nomination
** posted with a hostile statement and comments (first refused, so the
** form comes back filled in, </textarea> and all), a branch's link and a
** member supporter. */
static void test_xss_nominations(void **state) {
  char csrf[65], path[256], qfield[32], cfield[32], link[128] = "";
  json_t *doc;
  int64_t q, nom;
  hc_resp *r;
  (void)state;
  json_decref(api_ok("POST", "/api/v1/elections",
                     json_pack("{s:s,s:s,s:s,s:s}", "slug", "hostile-noms",
                               "title", XSS_LINE, "intro_md", md_payload,
                               "declaration_md", md_payload),
                     201));
  json_decref(api_ok("POST", "/api/v1/elections/hostile-noms/categories",
                     json_pack("{s:s,s:s}", "slug", "cat", "label",
                               XSS_SHORT),
                     201));
  json_decref(api_ok("POST", "/api/v1/elections/hostile-noms/contests",
                     json_pack("{s:s,s:s,s:i,s:s,s:i,s:s}", "slug", "c1",
                               "title", XSS_LINE, "seats", 2, "rules",
                               "scottish", "threshold", 1, "threshold_kind",
                               "branch"),
                     201));
  doc = api_ok("POST", "/api/v1/elections/hostile-noms/questions",
               json_pack("{s:s,s:s}", "text", XSS, "short", XSS_SHORT), 201);
  q = json_integer_value(json_object_get(doc, "id"));
  json_decref(doc);
  assert_true(q > 0);
  doc = api_ok("POST", "/api/v1/elections/hostile-noms/branches",
               json_pack("{s:s}", "name", XSS_LINE), 201);
  {
    json_t *l = json_object_get(doc, "link");
    const char *v = json_is_string(l) ? json_string_value(l) : NULL;
    const char *sl = v ? strstr(v, "/s/") : NULL;
    assert_non_null(sl);
    snprintf(link, sizeof link, "%s", sl);
  }
  json_decref(doc);
  json_decref(api_ok("POST", "/api/v1/elections/hostile-noms/phase",
                     json_pack("{s:s}", "to", "nominations"), 200));
  /* the public form, refused (no declaration, a bad email) and shown
  ** again with everything typed */
  use(NULL);
  csrf_of("/e/hostile-noms/c/c1/nominate", csrf);
  snprintf(qfield, sizeof qfield, "answers.%lld", (long long)q);
  snprintf(cfield, sizeof cfield, "comments.%lld", (long long)q);
  {
    const char *f[] = {"csrf", csrf, "name", XSS_LINE, "email", XSS_SHORT,
                       "statement", md_payload, qfield, "yes", cfield, XSS,
                       "categories", "cat", NULL};
    r = post("/e/hostile-noms/c/c1/nominate", NULL, f);
    check_status(r, 422);
    check_page(r, "nominate (refused)");
    has(r, "&lt;/textarea&gt;&lt;svg");
    hc_resp_free(r);
  }
  {
    const char *f[] = {"csrf", csrf, "name", XSS_LINE, "email",
                       "cand@example.org", "statement", md_payload, qfield,
                       "yes", cfield, XSS, "categories", "cat",
                       "declaration", "yes", NULL};
    r = post("/e/hostile-noms/c/c1/nominate", NULL, f);
    check_status(r, 303);
    snprintf(path, sizeof path, "%s", hc_header(r, "Location"));
    hc_resp_free(r);
  }
  /* the candidate's own page: the statement back in its textarea */
  r = get(path);
  check_status(r, 200);
  check_page(r, "the candidate's page");
  has(r, "&lt;/textarea&gt;&lt;svg");
  hc_resp_free(r);
  nom = sql("SELECT max(id) FROM nominations");
  {
    char p2[96];
    snprintf(p2, sizeof p2, "/api/v1/nominations/%lld/supporters",
             (long long)nom);
    json_decref(api_ok("POST", p2,
                       json_pack("{s:s,s:s,s:s}", "kind", "member",
                                 "member_ref", XSS_SHORT, "note", XSS),
                       201));
  }
  /* every page that shows them */
  {
    static const char *const pages[] = {
        "/", "/e/hostile-noms", "/e/hostile-noms/checklist",
        "/e/hostile-noms/candidates", "/e/hostile-noms/c/c1/nominate",
        "/e/hostile-noms/c/c1/support", "/admin", "/admin/e/hostile-noms",
        "/admin/e/hostile-noms/contests", "/admin/e/hostile-noms/contests/c1",
        "/admin/e/hostile-noms/questions", "/admin/e/hostile-noms/categories",
        "/admin/e/hostile-noms/branches", "/admin/e/hostile-noms/nominations",
        "/admin/audit", "/admin/tokens", NULL};
    for (int who = 0; who < 2; who++) {
      use(who ? NULL : &admin_a);
      for (size_t i = 0; pages[i]; i++) {
        r = get(pages[i]);
        check_page(r, pages[i]);
        hc_resp_free(r);
      }
    }
    use(&admin_a);
    snprintf(path, sizeof path, "/admin/n/%lld", (long long)nom);
    r = get(path);
    check_status(r, 200);
    check_page(r, path);
    has(r, "&lt;svg onload=alert(1)&gt;");
    hc_resp_free(r);
    snprintf(path, sizeof path, "/admin/e/hostile-noms/questions/%lld",
             (long long)q);
    r = get(path);
    check_status(r, 200);
    check_page(r, path);
    hc_resp_free(r);
    use(NULL);
    r = get(link);
    check_status(r, 200);
    check_page(r, "the branch's page");
    has(r, "&lt;script&gt;alert(1)");
    hc_resp_free(r);
  }
  check_alive();
}

/* Every form route, signed in as administrator A: each way of getting
** CSRF wrong is refused with 403 and nothing changes. */
static void test_csrf(void **state) {
  const route *const *t;
  char path[512], mine[65], anon_tok[65], other[65];
  size_t n = 0;
  (void)state;
  /* another session's token: administrator M's */
  use(&admin_m);
  csrf_of("/admin", other);
  /* the anonymous cookie's token of A's own browser (good for public
  ** forms only) and A's session token */
  use(&admin_a);
  csrf_of("/admin", mine);
  {
    hc_jar_del(srv, "hs");
    csrf_of("/login", anon_tok);
    use(&admin_a);
  }
  assert_string_not_equal(mine, anon_tok);
  assert_string_not_equal(mine, other);
  tu_snap before = tu_snap_take(srv, snap_sql);
  for (t = tables(); *t; t++)
    for (const route *rt = *t; rt->pattern; rt++) {
      if (rt->body != BODY_FORM) continue;
      fill(rt, 0, path, sizeof path);
      for (int k = 0; k < 6; k++) {
        const char *tok = k == 0   ? NULL
                          : k == 1 ? "0000000000000000000000000000000000000000"
                                     "000000000000000000000000"
                          : k == 2 ? other
                          : k == 3 ? anon_tok
                                   : mine;
        const char *extra = k == 4   ? "Sec-Fetch-Site: cross-site\r\n"
                            : k == 5 ? "Origin: https://evil.example\r\n"
                                     : NULL;
        const char *f[40];
        size_t m = 0;
        hc_resp *r;
        if (k == 3 && rt->auth != AUTH_ADMIN) continue; /* it is good */
        if (tok) {
          f[m++] = "csrf";
          f[m++] = tok;
        }
        for (size_t i = 0; form_fields[i]; i++) f[m++] = form_fields[i];
        f[m] = NULL;
        r = post(path, extra, f);
        if (r->status != 403)
          fail_msg("POST %s, case %d: status %d", path, k, r->status);
        check_page(r, path);
        hc_resp_free(r);
        n++;
      }
    }
  fprintf(stderr, "# %zu forged posts refused\n", n);
  tu_same(srv, &before);
  /* and the real token still works (the test is not refusing everything) */
  {
    const char *f[] = {"csrf", mine, "label", "csrf check", NULL};
    hc_resp *r = post("/admin/tokens", NULL, f);
    check_status(r, 200);
    hc_resp_free(r);
    assert_int_equal(sql("SELECT count(*) FROM api_tokens"), before.v[7] + 1);
  }
  check_alive();
}

/* Every admin route without a session, every API route without a good
** token, and another organisation's administrator on both. */
static void test_access(void **state) {
  const route *const *t;
  char path[512], csrf_m[65];
  static const char *const bearers[] = {
      "", "hst_", "hst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "hst_' OR '1'='1", "Basic YWRtaW46YWRtaW4=", "hst_\xff\xfe"};
  size_t n = 0;
  (void)state;
  use(&admin_m);
  csrf_of("/admin", csrf_m);
  tu_snap before = tu_snap_take(srv, snap_sql);
  for (t = tables(); *t; t++)
    for (const route *rt = *t; rt->pattern; rt++) {
      hc_resp *r;
      fill(rt, 0, path, sizeof path);
      if (rt->auth == AUTH_ADMIN) {
        const char *f[] = {"csrf", "x", "label", "x", NULL};
        /* no session (and a forged one) */
        for (int k = 0; k < 2; k++) {
          use(NULL);
          if (k) hc_jar_set(srv, "hs", "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC");
          r = strcmp(rt->method, "GET") ? post(path, NULL, f) : get(path);
          if (r->status != 303 || !hc_header(r, "Location") ||
              strncmp(hc_header(r, "Location"), "/login?next=", 12) != 0)
            fail_msg("%s %s: status %d", rt->method, path, r->status);
          check_page(r, path);
          hc_resp_free(r);
          n++;
        }
        /* another organisation's administrator: not found (their own
        ** pages, with no election in the path, are theirs to see) */
        if (has_capture(rt, "e") || has_capture(rt, "id")) {
          const char *fm[] = {"csrf", csrf_m, "label", "x", "reason", "x",
                              "to", "counted", "scope", "post", "confirm",
                              "1", "decision", "reject", NULL};
          int skip = !strcmp(rt->pattern, "/admin/tokens/{id}/revoke") ||
                     !strcmp(rt->pattern, "/admin/roll/imports/{id}");
          use(&admin_m);
          r = strcmp(rt->method, "GET") ? post(path, NULL, fm) : get(path);
          if (!skip && r->status != 404 && r->status != 403)
            fail_msg("M: %s %s: status %d", rt->method, path, r->status);
          if (skip && (r->status == 200 || r->status == 303))
            fail_msg("M: %s %s: status %d", rt->method, path, r->status);
          check_page(r, path);
          hc_resp_free(r);
          n++;
        }
      } else if (rt->auth == AUTH_TOKEN) {
        /* A's session cookie, no token */
        use(&admin_a);
        r = api_call(rt, path, NULL);
        json_decref(tu_api_error(r, 401, "unauthenticated"));
        hc_resp_free(r);
        /* malformed, forged, revoked */
        use(NULL);
        for (int k = 0; k < 8; k++) {
          char longtok[5100];
          memset(longtok, 'A', 5000);
          memcpy(longtok, "hst_", 4);
          longtok[5000] = 0;
          r = api_call(rt, path, k < 6 ? bearers[k] : k == 6 ? revoked
                                                               : longtok);
          if (r->status != 401)
            fail_msg("%s %s, bearer %d: status %d", rt->method, path, k,
                     r->status);
          hc_resp_free(r);
          n++;
        }
        /* another organisation's token: its election, nominations, roll
        ** and A's tokens are not found */
        if (has_capture(rt, "e") || has_capture(rt, "id") ||
            has_capture(rt, "org")) {
          int own = !strncmp(rt->pattern, "/api/v1/tokens", 14) ||
                    !strcmp(rt->pattern, "/api/v1/orgs/{org}/roll/imports/{id}");
          r = api_call(rt, path, other_token);
          if (r->status != 404 && r->status != 403 &&
              !(own && r->status == 404))
            fail_msg("M token: %s %s: status %d", rt->method, path,
                     r->status);
          hc_resp_free(r);
          n++;
        }
      }
    }
  /* M's list of elections does not show A's */
  {
    hc_resp *r = api("GET", "/api/v1/elections", other_token, NULL);
    check_status(r, 200);
    lacks(r, EL);
    hc_resp_free(r);
    r = api("GET", "/api/v1/audit?election=1", other_token, NULL);
    assert_true(r->status == 404 || r->status == 403 || r->status == 200);
    if (r->status == 200) lacks(r, "\"election\":1");
    hc_resp_free(r);
  }
  fprintf(stderr, "# %zu unauthorised requests refused\n", n);
  use(NULL);
  tu_same(srv, &before);
  check_alive();
}

/* After the count: the results pages and every file of the pack. */
static void test_xss_results(void **state) {
  hc_resp *r = NULL;
  int tries;
  (void)state;
  cast(1);
  r = api("POST", "/api/v1/elections/" EL "/phase", token,
          "{\"to\":\"counted\"}");
  check_status(r, 200);
  hc_resp_free(r);
  r = NULL;
  /* the count runs on the clock thread: wait for the page */
  for (tries = 0; tries < 300; tries++) {
    if (r) hc_resp_free(r);
    r = get("/e/" EL "/results");
    if (r->status == 200 && hc_find(r->body, "SHA256SUMS")) break;
    usleep(100 * 1000);
  }
  check_status(r, 200);
  check_page(r, "/e/" EL "/results");
  has(r, "&lt;script&gt;alert(1)&lt;/script&gt;");
  hc_resp_free(r);
  use(&admin_a);
  r = get("/admin/e/" EL "/results");
  check_page(r, "/admin/e/" EL "/results");
  hc_resp_free(r);
  /* every file SHA256SUMS lists, public and admin */
  r = get("/e/" EL "/results/SHA256SUMS");
  check_status(r, 200);
  {
    char *sums = strdup(r->body), *line, path[300];
    size_t files = 0;
    hc_resp_free(r);
    assert_non_null(sums);
    for (line = sums; *line;) {
      char *end = strchr(line, '\n');
      assert_non_null(end);
      *end = 0;
      assert_true(strlen(line) > 66);
      for (int who = 0; who < 2; who++) {
        snprintf(path, sizeof path, "%s/e/" EL "/results/%s",
                 who ? "/admin" : "", line + 66);
        r = get(path);
        check_status(r, 200);
        check_page(r, path);
        if (strstr(line + 66, ".csv")) check_csv(path, r->body);
        /* the count sheet is HTML with its own CSP */
        if (strstr(line + 66, ".html")) {
          has(r, "&lt;script&gt;alert(1)&lt;/script&gt;");
          assert_string_equal(hc_header(r, "Content-Security-Policy"),
                              SHEET_CSP);
        }
        hc_resp_free(r);
      }
      files++;
      line = end + 1;
    }
    free(sums);
    assert_true(files >= 5);
    fprintf(stderr, "# %zu pack files checked\n", files);
  }
  r = get("/e/" EL "/results/..%2fSHA256SUMS");
  assert_true(r->status == 400 || r->status == 404);
  hc_resp_free(r);
  r = get("/e/" EL "/results/%3Cscript%3E.html");
  check_status(r, 404);
  check_page(r, "results/<script>");
  hc_resp_free(r);
  use(NULL);
  integrity_ok();
  check_alive();
}

/* "/x/" + token after it on a line of the demo's output. */
static void link_of(const char *line, const char *pre, char *out,
                    size_t cap, size_t len) {
  const char *p = strstr(line, pre);
  if (!p || out[0]) return;
  p += strlen(pre);
  if (strlen(p) < len || len >= cap) return;
  memcpy(out, p, len);
  out[len] = 0;
}

/* One statement with ?1 = XSS, ?2 = XSS_SHORT, ?3 = a formula. */
static void upd(sqlite3 *db, const char *q) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", q, sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, XSS, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, XSS_SHORT, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, "=HYPERLINK(\"http://evil.example/\",\"x\")",
                    -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE)
    fail_msg("%s: %s", q, sqlite3_errmsg(db));
  sqlite3_finalize(st);
}

/* The hostile texts, straight into the demo's database. */
static void poison(void) {
  sqlite3 *db = open_db(1);
  sqlite3_stmt *st = NULL;
  char *html = md_render(md_payload, strlen(md_payload));
  assert_non_null(html);
  exec(db, "BEGIN");
  upd(db, "UPDATE orgs SET name = ?1 || name");
  upd(db, "UPDATE contests SET title = ?1 || title");
  upd(db, "UPDATE categories SET label = ?1 || label");
  upd(db, "UPDATE questions SET text = ?1 || text, short = ?1 || short");
  upd(db, "UPDATE branches SET name = ?1 || name");
  upd(db, "UPDATE nominations SET name = ?1 || name, email = ?2 || id || "
          "'@example.org'");
  /* a candidate whose name is a formula */
  upd(db, "UPDATE nominations SET name = ?3 || name WHERE id = 3");
  upd(db, "UPDATE answers SET comment = ?1");
  upd(db, "UPDATE supporters SET member_ref = ?2, note = ?1");
  upd(db, "UPDATE withdrawals SET reason = ?1");
  upd(db, "UPDATE decisions SET reason = ?1");
  upd(db, "UPDATE voters SET name = ?1 || name WHERE id % 2 = 1");
  upd(db, "UPDATE voters SET name = ?3 || name WHERE id % 2 = 0");
  upd(db, "UPDATE voters SET member_no = '@SUM(1+1)' || member_no WHERE "
          "id % 3 = 0");
  upd(db, "UPDATE voters SET member_no = ?2 || member_no WHERE id % 3 = 1");
  upd(db, "UPDATE voters SET email = '\"><script>alert(1)</script>' || id "
          "|| '@example.org' WHERE id % 4 = 1");
  upd(db, "UPDATE electors SET delivery = 'post' WHERE id % 7 = 0");
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE elections SET title = ?1, "
                                          "intro_md = ?2, declaration_md = "
                                          "?2",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, XSS, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, md_payload, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE statements SET markdown = "
                                          "?1, html = ?2",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, md_payload, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, html, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  exec(db, "COMMIT");
  sqlite3_close(db);
  /* the renderer kept none of it */
  assert_null(strcasestr(html, "<script"));
  assert_null(strcasestr(html, "javascript:"));
  assert_null(strcasestr(html, "<img"));
  free(html);
}

/* A second organisation and its administrator, written while the server
** runs (it reads rights from the database on each request). */
static void add_other_org(void) {
  char hash[crypto_pwhash_STRBYTES], q[600];
  sqlite3 *db = open_db(1);
  assert_int_equal(crypto_pwhash_str(hash, ADMIN_PW, strlen(ADMIN_PW),
                                     crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE),
                   0);
  exec(db, "BEGIN IMMEDIATE");
  exec(db, "INSERT INTO orgs (slug, name) VALUES ('otherorg', 'Other')");
  snprintf(q, sizeof q, "INSERT INTO admins (email, name, pw_hash, "
           "created_at) VALUES ('" OTHER_EMAIL "', 'Mallory', '%s', "
           "strftime('%%s','now'))", hash);
  exec(db, q);
  exec(db, "INSERT INTO org_admins (org_id, admin_id) SELECT o.id, a.id FROM "
           "orgs o, admins a WHERE o.slug = 'otherorg' AND a.email = '"
           OTHER_EMAIL "'");
  exec(db, "COMMIT");
  sqlite3_close(db);
}

static int sign_in(const char *email) {
  char csrf[65];
  const char *f[] = {"csrf", csrf, "email", email, "password", ADMIN_PW,
                     NULL};
  hc_resp *r;
  int ok;
  if (!hc_get_csrf(srv, "/login", hc_new_addr(), csrf)) return 0;
  r = post("/login", NULL, f);
  ok = r->status == 303;
  hc_resp_free(r);
  return ok;
}

static int group_setup(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  const char *tmp = getenv("TMPDIR");
  char out[320], csrf[65];
  char *demo_argv[] = {(char *)bin, "demo", "--db", demo, "--voting", NULL};
  FILE *f;
  (void)state;
  if (sodium_init() < 0) return -1;
  snprintf(dir, sizeof dir, "%s/hostile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return -1;
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  snprintf(out, sizeof out, "%s/demo.out", dir);
  if (tu_run(demo_argv, out, NULL) != 0) return -1;
  if ((f = fopen(out, "r")) != NULL) {
    char line[512];
    int v = 0;
    while (fgets(line, sizeof line, f)) {
      link_of(line, "/n/", nom_link, sizeof nom_link, 43);
      link_of(line, "/s/", branch_link, sizeof branch_link, 43);
      if (strstr(line, "/v/") && v < 2) link_of(line, "/v/", codes[v++],
                                                sizeof codes[0], 26);
    }
    fclose(f);
  }
  if (!nom_link[0] || !branch_link[0] || !codes[1][0]) {
    fprintf(stderr, "# links missing in %s\n", out);
    return -1;
  }
  poison();
  {
    const char *extra[] = {"--db", demo, "--trust-proxy", "127.0.0.1",
                           "--mail", "none", NULL};
    srv = hc_start(bin, extra);
  }
  if (!srv) return -1;
  unlink(hc_db(srv));
  if (symlink(demo, hc_db(srv)) != 0) return -1;
  /* the administrator's name, a token label: through the forms */
  if (!hc_setup_admin(srv, XSS, ADMIN_EMAIL, XSS, ADMIN_PW, csrf) ||
      !hc_make_token(srv, XSS, token, sizeof token) ||
      !hc_make_token(srv, "to revoke " XSS_SHORT, revoked, sizeof revoked))
    return -1;
  keep(&admin_a);
  {
    /* revoke the second token through the API */
    char path[64];
    int64_t id = hc_sql(srv, "SELECT max(id) FROM api_tokens");
    snprintf(path, sizeof path, "/api/v1/tokens/%lld", (long long)id);
    hc_resp *r = api("DELETE", path, token, NULL);
    int ok = r->status == 200 || r->status == 204;
    hc_resp_free(r);
    if (!ok) return -1;
  }
  /* a roll import with hostile rows and file name */
  {
    static const char csv[] =
        "member_no,name,email,tags\n"
        "X1,\"" "<script>alert(1)</script>\"\"><img src=x onerror=alert(1)>"
        "\",x1@example.org,\n"
        "X2,=HYPERLINK(\"\"http://evil.example/\"\"),x2@example.org,\n"
        "X3,\"</textarea><svg onload=alert(1)>\",\"\"\"><script>alert(1)"
        "</script>\",\n"
        "\"<script>alert(1)</script>\",ok name,x4@example.org,bad<tag>\n";
    char h[300];
    snprintf(h, sizeof h, "Content-Type: text/csv\r\nAuthorization: Bearer "
             "%s\r\n%s", token, hc_new_addr());
    hc_resp *r = hc_request(srv, "POST",
                            "/api/v1/orgs/northfield/roll?file_name="
                            "%3Cscript%3Ealert(1)%3C%2Fscript%3E.csv",
                            h, csv, sizeof csv - 1);
    int ok = r->status == 201;
    if (!ok) fprintf(stderr, "# roll import: %d %s\n", r->status, r->body);
    hc_resp_free(r);
    if (!ok) return -1;
  }
  add_other_org();
  hc_jar_clear(srv);
  if (!sign_in(OTHER_EMAIL) ||
      !hc_make_token(srv, "mallory", other_token, sizeof other_token))
    return -1;
  keep(&admin_m);
  hc_jar_clear(srv);
  /* ids for the captures */
  {
    sqlite3 *db = open_db(0);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT id FROM nominations ORDER BY id", -1, &st,
                       NULL);
    while (n_nom < 16 && sqlite3_step(st) == SQLITE_ROW)
      ids_nom[n_nom++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "SELECT slug FROM categories ORDER BY id LIMIT 1",
                       -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
      snprintf(cat_slug, sizeof cat_slug, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  id_q = hc_sql(srv, "SELECT min(id) FROM questions");
  id_branch = hc_sql(srv, "SELECT min(id) FROM branches");
  id_sup = hc_sql(srv, "SELECT min(id) FROM supporters");
  id_import = hc_sql(srv, "SELECT max(id) FROM roll_imports");
  id_elector = hc_sql(srv, "SELECT min(id) FROM electors");
  id_token_a = hc_sql(srv, "SELECT min(id) FROM api_tokens");
  return n_nom > 0 && cat_slug[0] && id_q > 0 && id_sup > 0 ? 0 : -1;
}

static int group_teardown(void **state) {
  int rc = 0;
  (void)state;
  if (srv && hc_stop(srv) != 0) rc = -1;
  srv = NULL;
  if (!getenv("HC_KEEP") && dir[0]) {
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    tu_run(argv, "/dev/null", NULL);
  }
  return rc;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_route_tables), cmocka_unit_test(test_xss_pages),
      cmocka_unit_test(test_xss_nominations),
      cmocka_unit_test(test_csrf),         cmocka_unit_test(test_access),
      cmocka_unit_test(test_xss_results),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests_name("hostile", tests, group_setup,
                                     group_teardown);
}
