/*
** test_review.c: the administrators' review of nominations and the
** publication pages, end to end over HTTP (src/web/p_review.c,
** svc_review.c, p_publish.c).  One `hustings serve` on a demo database
** (`hustings demo --db`) for the whole group; the cases run in order and
** build on each other:
**   - the setup link signs the first administrator in;
**   - the queue (grouped by contest, "2 of 2 — reached", ?status=);
**   - accept with a reason (status, decisions row, audit row), reject
**     without a reason (422 naming "reason", nothing changed), a reason,
**     note or branch that is not valid UTF-8 or holds a NUL (422 on the
**     field, nothing changed), deciding twice (409, nothing changed),
**     reopen, withdraw;
**   - supporters: add, duplicate (409), unknown branch (422), revoke;
**   - a new edit link: the old /n/TOKEN stops working, the email is in
**     the outbox, the token is not in the audit log;
**   - the same actions through the API with a bearer token made on
**     /admin/tokens, and the error shape; a new edit link by the API;
**   - the candidates and checklist pages: 404 until published, then
**     exactly the accepted candidates (withdrawn ones marked), never
**     submitted or rejected ones; checklist cells; no raw <script;
**   - an administrator of another organisation gets 404 everywhere and
**     changes nothing, and sees none of the first organisation's audit
**     entries (sign-ins, token labels and prefixes, elections) on the
**     audit page, in its download or through the API; the audit chain
**     verifies at the end.
** Database checks read the demo database directly (read-only), except
** one insert that creates the other organisation's administrator.
*/
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "client.h"
#include "testutil.h"

extern char **environ;

#define ADMIN_EMAIL "root@example.org"
#define ADMIN_PW "correct horse battery staple"
#define EVE_PW "another long password here"
#define EL "steering-2027"
#define DASH "\xe2\x80\x94"

static const char *argv0;
static hc_server *srv;
static char dir[256], demo[300];
static char csrf[65];
static char api_token[64];

/* ------------------------------------------------------------- helpers */

/* Every request names a new client address (hc_new_addr), so the rate
** limits (per address) never get in the way. */
static hc_resp *get(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

/* POST a form: name, value, ..., NULL (the csrf field is added). */
static hc_resp *post(const char *path, ...) {
  const char *f[64];
  size_t n = 0;
  va_list ap;
  f[n++] = "csrf";
  f[n++] = csrf;
  va_start(ap, path);
  while (n < 62 && (f[n] = va_arg(ap, const char *)) != NULL) n++;
  va_end(ap);
  f[n] = NULL;
  return hc_post_formv(srv, path, hc_new_addr(), f);
}

/* An API request with the bearer token (or none when bearer is NULL). */
static hc_resp *api(const char *method, const char *path, const char *bearer,
                    const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, bearer, json);
}

/* The first column of the first row of a query on the demo database
** (read-only); NULL reads as 0. */
static int64_t q(const char *fmt, ...) {
  char sql[1024];
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t v = INT64_MIN;
  va_list ap;
  int rc;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  rc = sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  }
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  else
    fail_msg("q: %s: %s", sql, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* The same for a text column, copied into out. */
static void qs(char *out, size_t cap, const char *fmt, ...) {
  char sql[1024];
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  va_list ap;
  int rc;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  out[0] = 0;
  rc = sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static int64_t audit_head(void) { return q("SELECT max(seq) FROM audit"); }
static int64_t decisions(void) { return q("SELECT count(*) FROM decisions"); }
static int64_t supporters(void) {
  return q("SELECT count(*) FROM supporters");
}
static int64_t revoked(void) {
  return q("SELECT count(*) FROM supporters WHERE revoked_at IS NOT NULL");
}
static void status_of(int64_t id, char out[16]) {
  qs(out, 16, "SELECT status FROM nominations WHERE id = %lld",
     (long long)id);
}
#define check_nom_status(id, want)                                         \
  do {                                                                     \
    char st_[16];                                                          \
    status_of(id, st_);                                                    \
    assert_string_equal(st_, want);                                        \
  } while (0)

/* Everything a refused request must leave alone. */
typedef struct snap {
  int64_t audit, dec, sup, rev, wd, outbox;
  char statuses[256];
} snap;

static void take(snap *s) {
  s->audit = audit_head();
  s->dec = decisions();
  s->sup = supporters();
  s->rev = revoked();
  s->wd = q("SELECT count(*) FROM withdrawals");
  s->outbox = q("SELECT count(*) FROM outbox");
  qs(s->statuses, sizeof s->statuses,
     "SELECT group_concat(status, ',') FROM (SELECT status FROM nominations "
     "ORDER BY id)");
}

#define unchanged(before) unchanged_at(before, __FILE__, __LINE__)
static void unchanged_at(const snap *b, const char *file, int line) {
  snap a;
  take(&a);
  if (a.audit != b->audit || a.dec != b->dec || a.sup != b->sup ||
      a.rev != b->rev || a.wd != b->wd || a.outbox != b->outbox ||
      strcmp(a.statuses, b->statuses) != 0) {
    print_error("the database changed: audit %lld->%lld decisions %lld->%lld "
                "supporters %lld->%lld revoked %lld->%lld withdrawals "
                "%lld->%lld outbox %lld->%lld statuses %s -> %s\n",
                (long long)b->audit, (long long)a.audit, (long long)b->dec,
                (long long)a.dec, (long long)b->sup, (long long)a.sup,
                (long long)b->rev, (long long)a.rev, (long long)b->wd,
                (long long)a.wd, (long long)b->outbox, (long long)a.outbox,
                b->statuses, a.statuses);
    _fail(file, line);
  }
}

/* The text of the last audit row of action (or "" if none). */
static void last_audit(const char *action, char *out, size_t cap) {
  qs(out, cap, "SELECT line FROM audit WHERE action = '%s' ORDER BY seq "
               "DESC LIMIT 1", action);
}

/* Checks the API error shape and its code (tu_api_error) and, when field
** is not NULL, that the first field error is on field. */
#define check_error(r, st, code, field) \
  check_error_at(r, st, code, field, __FILE__, __LINE__)
static void check_error_at(const hc_resp *r, int status, const char *code,
                           const char *field, const char *file, int line) {
  json_t *j, *e, *f;
  j = tu_api_error_at(r, status, code, file, line);
  e = json_object_get(j, "error");
  f = json_object_get(e, "fields");
  if (field) {
    json_t *f0 = json_array_get(f, 0);
    if (!f0 || strcmp(json_string_value(json_object_get(f0, "field")),
                      field) != 0) {
      print_error("wanted a field error on %s: %s\n", field, r->body);
      _fail(file, line);
    }
  }
  json_decref(j);
}

/* The part of html from the first occurrence of from up to the next
** occurrence of to (malloc'd; fails the test when missing). */
static char *slice(const char *html, const char *from, const char *to) {
  const char *a = hc_find(html, from), *b;
  char *out;
  if (!a) fail_msg("no \"%s\" in the page", from);
  b = strstr(a, to);
  if (!b) fail_msg("no \"%s\" after \"%s\"", to, from);
  out = strndup(a, (size_t)(b - a));
  assert_non_null(out);
  return out;
}

static size_t occurrences(const char *s, const char *needle) {
  size_t n = 0;
  for (s = strstr(s, needle); s; s = strstr(s + 1, needle)) n++;
  return n;
}

/* ---------------------------------------------------------------- cases */

static void test_setup_login(void **state) {
  char c[65];
  (void)state;
  assert_true(hc_setup_admin(srv, "Northfield", ADMIN_EMAIL, "Root Admin",
                             ADMIN_PW, csrf));
  assert_non_null(hc_jar_get(srv, "hs"));
  /* once signed in, the CSRF token is bound to the session instead */
  assert_true(hc_get_csrf(srv, "/admin", hc_new_addr(), c));
  assert_string_not_equal(c, csrf);
  memcpy(csrf, c, sizeof csrf);
}

static void test_queue(void **state) {
  hc_resp *r;
  char *general;
  const char *priya, *ada;
  (void)state;
  r = get("/admin/e/" EL "/nominations");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  has(r, "<caption id=\"cap-1\">General seats");
  has(r, "<caption id=\"cap-2\">BAME seat");
  general = slice(r->body, "<caption id=\"cap-1\">", "</table>");
  /* Priya Castellan has Eastfield and Riverside; Tomasz Wren Eastfield */
  assert_non_null(strstr(general, "Priya Castellan</a></th><td><span "
                                  "class=\"status status-submitted\">"));
  priya = strstr(general, "Priya Castellan");
  ada = strstr(general, "Ada Brennan");
  assert_non_null(ada);
  assert_true(priya < ada); /* reached sorts before not yet */
  assert_non_null(strstr(strstr(general, "/admin/n/3\""),
                         "2 of 2 " DASH " reached"));
  assert_non_null(strstr(strstr(general, "/admin/n/2\""),
                         "1 of 2 " DASH " not yet"));
  assert_null(strstr(general, "Mervyn Oduya")); /* the BAME contest's */
  free(general);
  has(r, "Mervyn Oduya");
  has(r, "<time datetime=\"");
  hc_resp_free(r);

  r = get("/admin/e/" EL "/nominations?status=withdrawn");
  check_status(r, 200);
  has(r, "Gareth Pellow");
  lacks(r, "Ada Brennan");
  has(r, "<option value=\"withdrawn\" selected>");
  hc_resp_free(r);

  r = get("/admin/e/" EL "/nominations?status=bogus");
  check_status(r, 200);
  has(r, "Ada Brennan");
  has(r, "notice warn");
  hc_resp_free(r);

  r = get("/admin/e/no-such-election/nominations");
  check_status(r, 404);
  hc_resp_free(r);
}

static void test_detail(void **state) {
  hc_resp *r;
  (void)state;
  r = get("/admin/n/1");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  has(r, "<h1>Ada Brennan</h1>");
  has(r, "ada.brennan@example.org");
  has(r, "General seats");
  has(r, "Will you oppose suspensions without due process?");
  has(r, "action=\"/admin/n/1/decision\"");
  has(r, "value=\"accept\"");
  has(r, "value=\"reject\"");
  lacks(r, "value=\"reopen\""); /* nothing to reopen yet */
  has(r, "action=\"/admin/n/1/supporters\"");
  has(r, "action=\"/admin/n/1/withdraw\"");
  has(r, "action=\"/admin/n/1/link\"");
  has(r, "<div class=\"statement\"><p>");
  hc_resp_free(r);
  r = get("/admin/n/999");
  check_status(r, 404);
  hc_resp_free(r);
  r = get("/admin/n/abc");
  check_status(r, 404);
  hc_resp_free(r);
}

static void test_accept(void **state) {
  hc_resp *r;
  char line[4096];
  int64_t seq = audit_head(), dec = decisions();
  (void)state;
  r = post("/admin/n/3/decision", "decision", "accept", "reason",
           "Meets the rules; two branches.", NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"), "/admin/n/3?done=decision");
  hc_resp_free(r);
  check_nom_status(3, "accepted");
  assert_int_equal(decisions(), dec + 1);
  assert_int_equal(q("SELECT count(*) FROM decisions WHERE nomination_id = 3 "
                     "AND decision = 'accept' AND reason = 'Meets the "
                     "rules; two branches.' AND admin_id > 0"),
                   1);
  assert_int_equal(audit_head(), seq + 1);
  last_audit("nomination.accept", line, sizeof line);
  assert_non_null(strstr(line, "\"object\":\"nomination:3\""));
  assert_non_null(strstr(line, "\"reason\":\"Meets the rules; two branches."));
  assert_non_null(strstr(line, "\"election\":\"" EL "\""));

  r = get("/admin/n/3?done=decision");
  check_status(r, 200);
  has(r, "The decision has been recorded.");
  has(r, "status-accepted");
  has(r, "Meets the rules; two branches.");
  has(r, "value=\"reopen\"");
  lacks(r, "value=\"accept\"");
  hc_resp_free(r);

  /* accepting needs no reason */
  r = post("/admin/n/7/decision", "decision", "accept", "reason", "", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  check_nom_status(7, "accepted");
}

static void test_reject_needs_reason(void **state) {
  hc_resp *r;
  snap s;
  (void)state;
  take(&s);
  r = post("/admin/n/2/decision", "decision", "reject", "reason", "  \n ",
           NULL);
  check_status(r, 422);
  has(r, "class=\"error-summary\"");
  has(r, "href=\"#f-reason\"");
  has(r, "id=\"f-reason-error\"");
  has(r, "aria-invalid=\"true\"");
  has(r, "value=\"reject\" checked");
  hc_resp_free(r);
  unchanged(&s);
  check_nom_status(2, "submitted");

  r = post("/admin/n/2/decision", "decision", "maybe", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-decision\"");
  hc_resp_free(r);
  r = post("/admin/n/2/decision", "decision", "reject", "reason",
           "bad \x01 control", NULL);
  check_status(r, 422);
  has(r, "id=\"f-reason-error\"");
  hc_resp_free(r);
  unchanged(&s);
}

/* Text that is not valid UTF-8, or holds a NUL, is a field error (422)
** that changes nothing; before, the form reader turned it into "" and an
** accept went through with an empty reason. */
static void test_bad_text(void **state) {
  hc_resp *r;
  snap s;
  (void)state;
  take(&s);
  r = post("/admin/n/2/decision", "decision", "accept", "reason",
           "\xff\xfe", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-reason\"");
  has(r, "id=\"f-reason-error\"");
  has(r, "not valid text (UTF-8)");
  lacks(r, "\xff\xfe");
  hc_resp_free(r);
  unchanged(&s);
  check_nom_status(2, "submitted");
  {
    /* a NUL inside the reason: hc_post_formv takes C strings, so the body
    ** is made by hand */
    char body[512], h[256];
    int n = snprintf(body, sizeof body,
                     "csrf=%s&decision=accept&reason=a%%00b", csrf);
    snprintf(h, sizeof h,
             "%sContent-Type: application/x-www-form-urlencoded\r\n",
             hc_new_addr());
    r = hc_request(srv, "POST", "/admin/n/2/decision", h, body, (size_t)n);
    check_status(r, 422);
    has(r, "id=\"f-reason-error\"");
    hc_resp_free(r);
  }
  r = post("/admin/n/2/decision", "decision", "acc\xc3" "(ept", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-decision\"");
  hc_resp_free(r);
  /* the supporter form: a note, a member reference, a branch name */
  r = post("/admin/n/2/supporters", "kind", "member", "member_ref", "M-77",
           "note", "bad \xc0\xaf note", NULL);
  check_status(r, 422);
  has(r, "id=\"f-note-error\"");
  has(r, "href=\"#f-note\"");
  hc_resp_free(r);
  r = post("/admin/n/2/supporters", "kind", "member", "member_ref",
           "M-\xed\xa0\x80", NULL); /* a UTF-16 surrogate */
  check_status(r, 422);
  has(r, "id=\"f-member_ref-error\"");
  hc_resp_free(r);
  r = post("/admin/n/2/supporters", "kind", "branch", "branch",
           "East\xff"
           "field", NULL);
  check_status(r, 422);
  has(r, "id=\"f-branch-error\"");
  hc_resp_free(r);
  unchanged(&s);
  assert_int_equal(q("SELECT count(*) FROM supporters WHERE nomination_id = "
                     "2 AND member_ref = 'M-77'"),
                   0);
}

static void test_decide_twice(void **state) {
  hc_resp *r;
  snap s;
  (void)state;
  take(&s);
  r = post("/admin/n/3/decision", "decision", "accept", "reason", "again",
           NULL);
  check_status(r, 409);
  has(r, "already accepted");
  hc_resp_free(r);
  r = post("/admin/n/1/decision", "decision", "reopen", "reason", "why not",
           NULL);
  check_status(r, 409);
  hc_resp_free(r);
  unchanged(&s);
}

static void test_reopen(void **state) {
  hc_resp *r;
  char line[4096];
  snap s;
  int64_t seq;
  (void)state;
  take(&s);
  r = post("/admin/n/3/decision", "decision", "reopen", NULL);
  check_status(r, 422); /* a reopen needs its reason */
  has(r, "id=\"f-reason-error\"");
  hc_resp_free(r);
  unchanged(&s);
  seq = audit_head();
  r = post("/admin/n/3/decision", "decision", "reopen", "reason",
           "Branch minutes to check.", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  check_nom_status(3, "submitted");
  assert_int_equal(audit_head(), seq + 1);
  last_audit("nomination.reopen", line, sizeof line);
  assert_non_null(strstr(line, "\"from\":\"accepted\",\"to\":\"submitted\""));
  assert_non_null(strstr(line, "Branch minutes to check."));
  r = post("/admin/n/3/decision", "decision", "accept", "reason",
           "Minutes checked.", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  check_nom_status(3, "accepted");
  assert_int_equal(q("SELECT count(*) FROM decisions WHERE nomination_id = "
                     "3"),
                   3);
}

static void test_withdraw(void **state) {
  hc_resp *r;
  snap s;
  char line[4096];
  (void)state;
  /* Josephine Achterberg: accepted, then withdrawn (listed as withdrawn
  ** once published); Hollis Farrant: withdrawn before any decision */
  r = post("/admin/n/6/decision", "decision", "accept", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  take(&s);
  r = post("/admin/n/6/withdraw", "withdraw_reason", "", NULL);
  check_status(r, 422);
  has(r, "id=\"f-withdraw_reason-error\"");
  hc_resp_free(r);
  unchanged(&s);
  r = post("/admin/n/6/withdraw", "withdraw_reason", "Moved away.", NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"), "/admin/n/6?done=withdraw");
  hc_resp_free(r);
  check_nom_status(6, "withdrawn");
  assert_int_equal(q("SELECT count(*) FROM withdrawals WHERE nomination_id "
                     "= 6 AND \"by\" = 'admin' AND reason = 'Moved away.' AND "
                     "admin_id > 0"),
                   1);
  last_audit("nomination.withdraw", line, sizeof line);
  assert_non_null(strstr(line, "nomination:6"));
  r = post("/admin/n/5/withdraw", "withdraw_reason", "Asked by phone.",
           NULL);
  check_status(r, 303);
  hc_resp_free(r);
  check_nom_status(5, "withdrawn");

  take(&s);
  r = post("/admin/n/6/withdraw", "withdraw_reason", "Again.", NULL);
  check_status(r, 409);
  hc_resp_free(r);
  r = post("/admin/n/6/decision", "decision", "accept", NULL);
  check_status(r, 409); /* no decisions on a withdrawn nomination */
  hc_resp_free(r);
  unchanged(&s);
  r = get("/admin/n/6");
  check_status(r, 200);
  has(r, "status-withdrawn");
  has(r, "Moved away.");
  lacks(r, "action=\"/admin/n/6/decision\"");
  hc_resp_free(r);
}

/* Every link of the page's error summary has its target on the page. */
#define links_resolve(r) links_resolve_at(r, __FILE__, __LINE__)
static void links_resolve_at(const hc_resp *r, const char *file, int line) {
  const char *sum = hc_find(r->body, "class=\"error-summary\"");
  const char *end, *a;
  if (!sum) {
    print_error("no error summary\n");
    _fail(file, line);
  }
  end = strstr(sum, "</div>");
  for (a = strstr(sum, "href=\"#"); a && end && a < end;
       a = strstr(a + 1, "href=\"#")) {
    char want[160];
    const char *q = strchr(a + 7, '"');
    snprintf(want, sizeof want, "id=\"%.*s\"", (int)(q - (a + 7)), a + 7);
    if (!hc_find(r->body, want)) {
      print_error("the summary links to %s, not on the page\n", want);
      _fail(file, line);
    }
  }
}

/* A form refused by a state that hides it (a decision on a withdrawn
** nomination) names its error without a link to a field that is gone. */
static void test_summary_links(void **state) {
  hc_resp *r;
  snap s;
  (void)state;
  take(&s);
  r = post("/admin/n/6/decision", "decision", "accept", NULL);
  check_status(r, 409);
  links_resolve(r);
  lacks(r, "href=\"#f-decision\"");
  hc_resp_free(r);
  r = post("/admin/n/6/supporters", "kind", "member", "member_ref", "M-1",
           NULL);
  check_status(r, 409);
  links_resolve(r);
  hc_resp_free(r);
  r = post("/admin/n/6/withdraw", "withdraw_reason", "Again", NULL);
  check_status(r, 409);
  links_resolve(r);
  hc_resp_free(r);
  r = post("/admin/n/2/decision", "decision", "reject", "reason", "", NULL);
  check_status(r, 422);
  links_resolve(r);
  has(r, "href=\"#f-reason\"");
  hc_resp_free(r);
  unchanged(&s);
}

static void test_supporters(void **state) {
  hc_resp *r;
  snap s;
  char path[128], line[4096];
  int64_t sid, n;
  (void)state;
  n = supporters();
  r = post("/admin/n/1/supporters", "kind", "branch", "branch", "Eastfield",
           "note", "Branch meeting, 3 March", NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"), "/admin/n/1?done=support");
  hc_resp_free(r);
  assert_int_equal(supporters(), n + 1);
  sid = q("SELECT max(id) FROM supporters");
  assert_int_equal(q("SELECT count(*) FROM supporters WHERE id = %lld AND "
                     "nomination_id = 1 AND kind = 'branch' AND source = "
                     "'admin' AND revoked_at IS NULL AND note = 'Branch "
                     "meeting, 3 March'",
                     (long long)sid),
                   1);
  last_audit("support.add", line, sizeof line);
  assert_non_null(strstr(line, "\"branch\":\"Eastfield\""));

  take(&s);
  r = post("/admin/n/1/supporters", "kind", "branch", "branch", "Eastfield",
           NULL);
  check_status(r, 409);
  has(r, "already supports");
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "branch", "branch", "Nowhere",
           NULL);
  check_status(r, 422);
  has(r, "id=\"f-branch-error\"");
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "member", "member_ref", "",
           NULL);
  check_status(r, 422);
  has(r, "id=\"f-member_ref-error\"");
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "member", "member_ref",
           "0123456789012345678901234567890123456789012345678901234567890123"
           "4567890123456789012345678901234567890",
           NULL); /* 101 characters */
  check_status(r, 422);
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "robot", NULL);
  check_status(r, 422);
  hc_resp_free(r);
  r = post("/admin/n/6/supporters", "kind", "branch", "branch", "Riverside",
           NULL);
  check_status(r, 409); /* withdrawn */
  hc_resp_free(r);
  unchanged(&s);

  r = post("/admin/n/1/supporters", "kind", "member", "member_ref", "M-1001",
           NULL);
  check_status(r, 303);
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "member", "member_ref", "m-1001",
           NULL);
  check_status(r, 409);
  hc_resp_free(r);
  r = post("/admin/n/1/supporters", "kind", "branch", "branch", "Riverside",
           NULL);
  check_status(r, 303);
  hc_resp_free(r);

  r = get("/admin/e/" EL "/nominations");
  assert_non_null(strstr(strstr(r->body, "/admin/n/1\""),
                         "2 of 2 " DASH " reached"));
  hc_resp_free(r);

  snprintf(path, sizeof path, "/admin/n/1/supporters/%lld/revoke",
           (long long)sid);
  r = post(path, NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"), "/admin/n/1?done=revoke");
  hc_resp_free(r);
  assert_true(q("SELECT revoked_at FROM supporters WHERE id = %lld",
                (long long)sid) > 0);
  last_audit("support.revoke", line, sizeof line);
  assert_non_null(strstr(line, "nomination:1"));
  take(&s);
  r = post(path, NULL);
  check_status(r, 409);
  hc_resp_free(r);
  snprintf(path, sizeof path, "/admin/n/2/supporters/%lld/revoke",
           (long long)sid); /* not nomination 2's */
  r = post(path, NULL);
  check_status(r, 404);
  hc_resp_free(r);
  r = post("/admin/n/2/supporters/x1/revoke", NULL);
  check_status(r, 404);
  hc_resp_free(r);
  unchanged(&s);

  r = get("/admin/n/1");
  has(r, "1 of 2 " DASH " not yet");
  has(r, "Revoked <time");
  hc_resp_free(r);
  /* revoked, so Eastfield may support again (the index is partial) */
  r = post("/admin/n/1/supporters", "kind", "branch", "branch", "Eastfield",
           NULL);
  check_status(r, 303);
  hc_resp_free(r);
}

/* Issues a new edit link for nomination 1; the token from the page. */
static void new_link(char tok[64]) {
  hc_resp *r = post("/admin/n/1/link", NULL);
  const char *a, *b;
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  a = hc_find(r->body, "id=\"edit-link\">");
  assert_non_null(a);
  a = strstr(a, "/n/");
  assert_non_null(a);
  a += 3;
  b = strchr(a, '<');
  assert_non_null(b);
  assert_int_equal(b - a, 43);
  memcpy(tok, a, 43);
  tok[43] = 0;
  hc_resp_free(r);
}

static void test_edit_link(void **state) {
  char a[64], b[64], path[128], body[2048];
  int64_t outbox = q("SELECT count(*) FROM outbox");
  hc_resp *r;
  (void)state;
  new_link(a);
  assert_int_equal(q("SELECT count(*) FROM outbox"), outbox + 1);
  snprintf(path, sizeof path, "/n/%s", a);
  r = get(path);
  check_status(r, 200);
  has(r, "Ada Brennan");
  hc_resp_free(r);

  new_link(b);
  assert_string_not_equal(a, b);
  r = get(path); /* the old link no longer works */
  check_status(r, 404);
  hc_resp_free(r);
  snprintf(path, sizeof path, "/n/%s", b);
  r = get(path);
  check_status(r, 200);
  hc_resp_free(r);

  assert_int_equal(q("SELECT count(*) FROM outbox"), outbox + 2);
  qs(body, sizeof body, "SELECT body FROM outbox ORDER BY id DESC LIMIT 1");
  assert_non_null(strstr(body, b));
  qs(body, sizeof body, "SELECT to_addr FROM outbox ORDER BY id DESC "
                        "LIMIT 1");
  assert_string_equal(body, "ada.brennan@example.org");
  assert_int_equal(q("SELECT count(*) FROM audit WHERE action = "
                     "'nomination.link' AND line LIKE '%%nomination:1%%'"),
                   2);
  assert_int_equal(q("SELECT count(*) FROM audit WHERE instr(line, '%s') OR "
                     "instr(line, '%s')", a, b),
                   0);
}

static void test_api(void **state) {
  hc_resp *r;
  json_t *j, *list, *it;
  snap s;
  char path[128];
  size_t i;
  int64_t sid;
  (void)state;
  /* a token from the tokens page (shown once) */
  assert_true(hc_make_token(srv, "review test", api_token, sizeof api_token));

  r = api("GET", "/api/v1/elections/" EL "/nominations", NULL, NULL);
  check_error(r, 401, "unauthenticated", NULL);
  hc_resp_free(r);

  r = api("GET", "/api/v1/elections/" EL "/nominations", api_token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  list = json_object_get(j, "nominations");
  assert_int_equal(json_array_size(list),
                   q("SELECT count(*) FROM nominations"));
  json_array_foreach(list, i, it) {
    if (json_integer_value(json_object_get(it, "id")) != 3) continue;
    assert_string_equal(json_string_value(json_object_get(it, "status")),
                        "accepted");
    assert_string_equal(json_string_value(json_object_get(it, "contest")),
                        "general");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(it, "support"), "count")),
                     2);
    assert_true(json_is_true(
        json_object_get(json_object_get(it, "support"), "reached")));
    assert_int_equal(json_array_size(json_object_get(it, "answers")), 3);
    assert_int_equal(json_array_size(json_object_get(it, "categories")), 2);
  }
  json_decref(j);
  hc_resp_free(r);

  r = api("GET", "/api/v1/elections/" EL "/nominations?status=accepted",
          api_token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_array_size(json_object_get(j, "nominations")),
                   q("SELECT count(*) FROM nominations WHERE status = "
                     "'accepted'"));
  json_decref(j);
  hc_resp_free(r);
  r = api("GET", "/api/v1/elections/" EL "/nominations?status=bogus",
          api_token, NULL);
  check_error(r, 422, "invalid", "status");
  hc_resp_free(r);
  r = api("GET", "/api/v1/elections/nope/nominations", api_token, NULL);
  check_error(r, 404, "not_found", NULL);
  hc_resp_free(r);

  r = api("GET", "/api/v1/nominations/1", api_token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "email")),
                      "ada.brennan@example.org");
  assert_true(json_array_size(json_object_get(j, "supporters")) >= 3);
  assert_int_equal(json_array_size(json_object_get(j, "answers")), 3);
  assert_true(json_is_string(json_object_get(
      json_object_get(j, "statement"), "markdown")));
  json_decref(j);
  hc_resp_free(r);
  r = api("GET", "/api/v1/nominations/9999", api_token, NULL);
  check_error(r, 404, "not_found", NULL);
  hc_resp_free(r);

  /* decisions */
  take(&s);
  r = api("POST", "/api/v1/nominations/3/decision", api_token,
          "{\"decision\":\"accept\",\"reason\":\"x\"}");
  check_error(r, 409, "already_decided", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token,
          "{\"decision\":\"reject\"}");
  check_error(r, 422, "invalid", "reason");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token,
          "{\"decision\":\"maybe\",\"reason\":\"x\"}");
  check_error(r, 422, "invalid", "decision");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token,
          "{\"decision\":1}");
  check_error(r, 422, "invalid", "decision");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token,
          "{\"decision\":\"accept\",\"reasons\":\"typo\"}");
  check_error(r, 422, "invalid", "reasons");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token, "[1]");
  check_error(r, 400, "bad_json", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/decision", api_token, "{\"decis");
  check_error(r, 400, "bad_json", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/6/decision", api_token,
          "{\"decision\":\"accept\"}");
  check_error(r, 409, "withdrawn", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/9999/decision", api_token,
          "{\"decision\":\"accept\"}");
  check_error(r, 404, "not_found", NULL);
  hc_resp_free(r);
  unchanged(&s);

  r = api("POST", "/api/v1/nominations/12/decision", api_token,
          "{\"decision\":\"reject\",\"reason\":\"Not a member.\"}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "status")),
                      "rejected");
  assert_string_equal(json_string_value(json_object_get(j, "reason")),
                      "Not a member.");
  json_decref(j);
  hc_resp_free(r);
  check_nom_status(12, "rejected");
  assert_true(q("SELECT count(*) FROM audit WHERE action = "
                "'nomination.reject' AND actor LIKE 'token:%%'") == 1);
  r = api("POST", "/api/v1/nominations/4/decision", api_token,
          "{\"decision\":\"accept\"}");
  check_status(r, 200);
  hc_resp_free(r);
  check_nom_status(4, "accepted");

  /* withdrawal */
  take(&s);
  r = api("POST", "/api/v1/nominations/8/withdrawal", api_token, "{}");
  check_error(r, 422, "invalid", "reason");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/withdrawal", api_token, "");
  check_error(r, 422, "invalid", "reason"); /* an empty body reads as {} */
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/12/withdrawal", api_token,
          "{\"reason\":\"x\"}");
  check_error(r, 409, "already_decided", NULL); /* rejected */
  hc_resp_free(r);
  unchanged(&s);
  r = api("POST", "/api/v1/nominations/8/withdrawal", api_token,
          "{\"reason\":\"By email.\"}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "status")),
                      "withdrawn");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "withdrawal"), "by")),
                      "admin");
  json_decref(j);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/8/withdrawal", api_token,
          "{\"reason\":\"By email.\"}");
  check_error(r, 409, "withdrawn", NULL);
  hc_resp_free(r);

  /* supporters */
  r = api("POST", "/api/v1/nominations/7/supporters", api_token,
          "{\"kind\":\"branch\",\"branch\":\"Westgate\"}");
  check_status(r, 201);
  j = tu_body_json(r);
  sid = json_integer_value(
      json_object_get(json_object_get(j, "supporter"), "id"));
  assert_true(sid > 0);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "supporter"), "branch")),
                      "Westgate");
  assert_true(json_is_null(
      json_object_get(json_object_get(j, "supporter"), "revoked_at")));
  json_decref(j);
  hc_resp_free(r);
  take(&s);
  r = api("POST", "/api/v1/nominations/7/supporters", api_token,
          "{\"kind\":\"branch\",\"branch\":\"Westgate\"}");
  check_error(r, 409, "duplicate", "branch");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/7/supporters", api_token,
          "{\"kind\":\"member\",\"member_ref\":\"\"}");
  check_error(r, 422, "invalid", "member_ref");
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/7/supporters", api_token,
          "{\"kind\":\"branch\",\"branch\":\"Atlantis\"}");
  check_error(r, 422, "invalid", "branch");
  hc_resp_free(r);
  unchanged(&s);
  snprintf(path, sizeof path, "/api/v1/nominations/7/supporters/%lld",
           (long long)sid);
  r = api("DELETE", path, api_token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_true(json_is_string(
      json_object_get(json_object_get(j, "supporter"), "revoked_at")));
  json_decref(j);
  hc_resp_free(r);
  take(&s);
  r = api("DELETE", path, api_token, NULL);
  check_error(r, 409, "revoked", NULL);
  hc_resp_free(r);
  snprintf(path, sizeof path, "/api/v1/nominations/3/supporters/%lld",
           (long long)sid);
  r = api("DELETE", path, api_token, NULL);
  check_error(r, 404, "not_found", NULL);
  hc_resp_free(r);
  unchanged(&s);
}

/* A new edit link through the API: the same action as the page's button
** (svc_review_new_link), the token answered once. */
static void test_api_link(void **state) {
  hc_resp *r;
  json_t *j;
  snap s;
  char path[128], tok[64];
  const char *t, *l;
  int64_t outbox = q("SELECT count(*) FROM outbox");
  int64_t links = q("SELECT count(*) FROM audit WHERE action = "
                    "'nomination.link'");
  (void)state;
  take(&s);
  r = api("POST", "/api/v1/nominations/1/link", NULL, "{}");
  check_error(r, 401, "unauthenticated", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/999/link", api_token, "{}");
  check_error(r, 404, "not_found", NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/nominations/1/link", api_token,
          "{\"email\":\"x@example.org\"}");
  check_error(r, 422, "invalid", "email");
  hc_resp_free(r);
  unchanged(&s);

  r = api("POST", "/api/v1/nominations/1/link", api_token, "{}");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "nomination")), 1);
  t = json_string_value(json_object_get(j, "token"));
  l = json_string_value(json_object_get(j, "link"));
  assert_non_null(t);
  assert_non_null(l);
  assert_int_equal(strlen(t), 43);
  assert_non_null(strstr(l, "/n/"));
  assert_string_equal(strstr(l, "/n/") + 3, t);
  snprintf(tok, sizeof tok, "%s", t);
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(q("SELECT count(*) FROM outbox"), outbox + 1);
  assert_int_equal(q("SELECT count(*) FROM audit WHERE action = "
                     "'nomination.link'"),
                   links + 1);
  assert_int_equal(q("SELECT count(*) FROM audit WHERE instr(line, '%s')",
                     tok),
                   0);
  snprintf(path, sizeof path, "/n/%s", tok);
  r = get(path);
  check_status(r, 200);
  has(r, "Ada Brennan");
  hc_resp_free(r);
  /* a second one: the first stops working */
  r = api("POST", "/api/v1/nominations/1/link", api_token, "");
  check_status(r, 200);
  hc_resp_free(r);
  r = get(path);
  check_status(r, 404);
  hc_resp_free(r);
}

static void test_not_published(void **state) {
  hc_resp *r;
  (void)state;
  assert_int_equal(q("SELECT published_at IS NULL FROM elections"), 1);
  r = get("/e/" EL "/candidates");
  check_status(r, 404);
  has(r, "not been published yet");
  lacks(r, "Priya Castellan");
  hc_resp_free(r);
  r = get("/e/" EL "/checklist");
  check_status(r, 404);
  lacks(r, "Priya Castellan");
  hc_resp_free(r);
  r = get("/e/no-such/candidates");
  check_status(r, 404);
  hc_resp_free(r);
}

/* A nomination with markup in its name and statement, through the
** public form, then accepted by API: id 13. */
static void test_script_nomination(void **state) {
  hc_resp *r;
  int64_t n = q("SELECT count(*) FROM nominations");
  (void)state;
  r = post("/e/" EL "/c/general/nominate", "name",
           "Zoe <script>alert(1)</script> Quill", "email", "zoe@example.org",
           "statement",
           "Hello <script>alert(1)</script> members. "
           "[click](javascript:alert(1)) <img src=x onerror=alert(2)> and "
           "<a href=\"JaVaScRiPt:alert(3)\">this</a>.",
           "answers.1", "yes", "answers.2", "no", "comments.2",
           "Only if the <b>branch</b> agrees.", "answers.3", "yes",
           "declaration", "yes", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  assert_int_equal(q("SELECT count(*) FROM nominations"), n + 1);
  assert_int_equal(q("SELECT max(id) FROM nominations"), 13);
  r = api("POST", "/api/v1/nominations/13/decision", api_token,
          "{\"decision\":\"accept\"}");
  check_status(r, 200);
  hc_resp_free(r);
  r = get("/admin/n/13");
  check_status(r, 200);
  lacks(r, "<script");
  lacks(r, "onerror");
  has(r, "Zoe &lt;script&gt;alert(1)&lt;/script&gt; Quill");
  hc_resp_free(r);
}

/* The expected cell word for nomination id's answer to question qid. */
static const char *cell(int64_t id, int64_t qid) {
  char a[16];
  qs(a, sizeof a, "SELECT answer FROM answers WHERE nomination_id = %lld "
                  "AND question_id = %lld",
     (long long)id, (long long)qid);
  return strcmp(a, "yes") == 0 ? "Yes" : strcmp(a, "no") == 0 ? "No"
                                                              : "No answer";
}

static void test_publication(void **state) {
  static const char *const never[] = {
      "Ada Brennan",   "Tomasz Wren",          "Hollis Farrant",
      "Selin Varga",   "Delphine Okonkwo-Hart", "Gareth Pellow",
      "Noor Haddadin", "Callum Strachan-Reyes"};
  /* the accepted in the general contest, alphabetically */
  static const int64_t general[] = {3, 7, 13};
  hc_resp *r;
  char *table, *row, *p;
  size_t i, k;
  (void)state;
  r = api("POST", "/api/v1/elections/" EL "/publish", api_token, "{}");
  check_status(r, 200);
  hc_resp_free(r);

  r = get("/e/" EL "/candidates");
  check_status(r, 200);
  for (i = 0; i < sizeof never / sizeof never[0]; i++) lacks(r, never[i]);
  assert_int_equal(occurrences(r->body, "<article class=\"candidate\""),
                   q("SELECT count(*) FROM nominations WHERE status = "
                     "'accepted'"));
  has(r, "<article class=\"candidate\" id=\"cand-3\"");
  has(r, "<article class=\"candidate\" id=\"cand-7\"");
  has(r, "<article class=\"candidate\" id=\"cand-4\"");
  has(r, "<article class=\"candidate\" id=\"cand-13\"");
  lacks(r, "<article class=\"candidate\" id=\"cand-6\"");
  /* alphabetical: Priya, Ruairi, Zoe */
  p = strstr(r->body, "id=\"cand-3\"");
  assert_true(p < strstr(r->body, "id=\"cand-7\""));
  assert_true(strstr(r->body, "id=\"cand-7\"") <
              strstr(r->body, "id=\"cand-13\""));
  /* withdrawn after acceptance: listed at the end of its contest */
  has(r, "<li id=\"cand-6\"><strong>Josephine Achterberg</strong> " DASH
         " Withdrawn on <time datetime=\"");
  assert_true(strstr(r->body, "id=\"cand-13\"") <
              strstr(r->body, "id=\"cand-6\""));
  has(r, "At least 4 of the 9 seats go to candidates who are Woman.");
  has(r, "<dl class=\"answers\"><dt>Will you oppose suspensions without "
         "due process?</dt>");
  /* Priya Castellan declared both categories */
  has(r, "<ul class=\"tags\" aria-label=\"Categories\"><li>Black, Asian "
         "or minority ethnic</li><li>Woman</li></ul>");
  /* markup from the candidate never reaches the page raw */
  lacks(r, "<script");
  lacks(r, "<SCRIPT");
  lacks(r, "onerror");
  lacks(r, "javascript:");
  lacks(r, "JaVaScRiPt:");
  has(r, "Zoe &lt;script&gt;alert(1)&lt;/script&gt; Quill");
  has(r, "Only if the &lt;b&gt;branch&lt;/b&gt; agrees.");
  hc_resp_free(r);

  r = get("/e/" EL "/candidates?contest=bame");
  check_status(r, 200);
  has(r, "Mervyn Oduya");
  lacks(r, "Priya Castellan");
  hc_resp_free(r);

  r = get("/e/" EL "/checklist");
  check_status(r, 200);
  for (i = 0; i < sizeof never / sizeof never[0]; i++) lacks(r, never[i]);
  lacks(r, "Josephine Achterberg");
  lacks(r, "<script");
  has(r, "<div class=\"table-wrap breakout\" role=\"region\" "
         "aria-labelledby=\"cap-1\" tabindex=\"0\"><table "
         "class=\"checklist\"><caption id=\"cap-1\">");
  table = slice(r->body, "<caption id=\"cap-1\">", "</table>");
  /* a column per accepted candidate, plus the questions' column */
  assert_int_equal(occurrences(table, "<th scope=\"col\">"),
                   1 + sizeof general / sizeof general[0]);
  assert_int_equal(occurrences(table, "<th scope=\"row\">"), 3);
  for (k = 0; k < 3; k++) { /* question ids 1..3, rows in order */
    char want[64];
    const char *td;
    row = slice(table, k == 0   ? "Due process"
                       : k == 1 ? "Open selection"
                                : "Publish minutes",
                "</tr>");
    td = row;
    for (i = 0; i < sizeof general / sizeof general[0]; i++) {
      td = strstr(td, "<td>");
      assert_non_null(td);
      td += 4;
      snprintf(want, sizeof want, "%s", cell(general[i], (int64_t)k + 1));
      if (strncmp(td, want, strlen(want)) != 0 ||
          (td[strlen(want)] != '<' && td[strlen(want)] != ' '))
        fail_msg("question %zu, candidate %lld: cell \"%.40s\", wanted %s",
                 k + 1, (long long)general[i], td, want);
    }
    assert_null(strstr(td, "<td>")); /* no more cells */
    free(row);
  }
  /* Zoe's comment on question 2: linked from the cell, listed below */
  assert_non_null(strstr(table, "<a href=\"#comment-13-2\">"));
  free(table);
  has(r, "<li id=\"comment-13-2\"><strong>Zoe &lt;script&gt;");
  table = slice(r->body, "<caption id=\"cap-2\">", "</table>");
  assert_int_equal(occurrences(table, "<th scope=\"col\">"), 2);
  assert_non_null(strstr(table, "Mervyn Oduya"));
  free(table);
  hc_resp_free(r);

  r = get("/e/" EL "/checklist?contest=bame");
  check_status(r, 200);
  lacks(r, "<caption id=\"cap-1\">");
  has(r, "<caption id=\"cap-2\">");
  hc_resp_free(r);
}

static void test_other_org(void **state) {
  sqlite3 *db;
  char hash[crypto_pwhash_STRBYTES], sql[512];
  hc_resp *r;
  snap s;
  (void)state;
  assert_int_equal(sodium_init() >= 0, 1);
  assert_int_equal(crypto_pwhash_str(hash, EVE_PW, strlen(EVE_PW),
                                     crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE),
                   0);
  assert_int_equal(sqlite3_open(demo, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  snprintf(sql, sizeof sql,
           "INSERT INTO orgs (slug, name) VALUES ('other', 'Other');"
           "INSERT INTO admins (email, name, pw_hash, created_at) VALUES "
           "('eve@example.org', 'Eve', '%s', 0);"
           "INSERT INTO org_admins SELECT o.id, a.id FROM orgs o, admins a "
           "WHERE o.slug = 'other' AND a.email = 'eve@example.org';",
           hash);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);

  hc_jar_clear(srv);
  assert_true(hc_get_csrf(srv, "/login", hc_new_addr(), csrf));
  r = post("/login", "email", "eve@example.org", "password", EVE_PW, NULL);
  check_status(r, 303);
  hc_resp_free(r);
  /* the session's own CSRF token */
  assert_true(hc_get_csrf(srv, "/admin", hc_new_addr(), csrf));

  take(&s);
  r = get("/admin/n/3");
  check_status(r, 404);
  lacks(r, "Priya");
  hc_resp_free(r);
  r = get("/admin/e/" EL "/nominations");
  check_status(r, 404);
  hc_resp_free(r);
  r = post("/admin/n/2/decision", "decision", "accept", NULL);
  check_status(r, 404);
  hc_resp_free(r);
  r = post("/admin/n/2/supporters", "kind", "branch", "branch", "Westgate",
           NULL);
  check_status(r, 404);
  hc_resp_free(r);
  r = post("/admin/n/2/link", NULL);
  check_status(r, 404);
  hc_resp_free(r);
  unchanged(&s);

  /* the audit log: Eve sees her own sign-in, never the first
  ** organisation's administrator's sign-ins, tokens (label, prefix) or
  ** elections, on the page, in the download or through the API */
  {
    char prefix[16], eve_tok[64];
    snprintf(prefix, sizeof prefix, "%.8s", api_token);
    r = get("/admin/audit");
    check_status(r, 200);
    has(r, "<strong>admin.login</strong>");
    lacks(r, "token.create");
    lacks(r, "nomination.accept");
    lacks(r, prefix);
    hc_resp_free(r);
    r = get("/admin/audit.jsonl");
    check_status(r, 200);
    has(r, "\"action\":\"admin.login\"");
    lacks(r, "review test");
    lacks(r, prefix);
    lacks(r, "\"admin\":1}");
    lacks(r, "\"admin\":1,");
    lacks(r, EL);
    hc_resp_free(r);
    assert_true(hc_make_token(srv, "eve's script", eve_tok, sizeof eve_tok));
    r = api("GET", "/api/v1/audit?limit=1000", eve_tok, NULL);
    check_status(r, 200);
    has(r, "eve's script"); /* her own token.create */
    lacks(r, "review test");
    lacks(r, prefix);
    lacks(r, EL);
    hc_resp_free(r);
    /* the first administrator still sees his own */
    r = api("GET", "/api/v1/audit?limit=1000", api_token, NULL);
    check_status(r, 200);
    has(r, "review test");
    lacks(r, "eve's script");
    hc_resp_free(r);
  }
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  const char *tmp = getenv("TMPDIR");
  char *demo_argv[] = {(char *)bin, "demo", "--db", demo, NULL};
  (void)state;
  snprintf(dir, sizeof dir, "%s/review.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return -1;
  snprintf(demo, sizeof demo, "%s/demo.db", dir);
  if (tu_run(demo_argv, NULL, NULL) != 0) {
    fprintf(stderr, "# %s demo --db %s failed\n", bin, demo);
    return -1;
  }
  {
    const char *extra[] = {"--db", demo, "--trust-proxy", "127.0.0.1", NULL};
    srv = hc_start(bin, extra);
  }
  return srv ? 0 : -1;
}

static int group_teardown(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  char *verify[] = {(char *)bin, "audit-verify", "--db", demo, NULL};
  char path[400];
  int rc = 0;
  (void)state;
  if (srv && hc_stop(srv) != 0) rc = -1;
  srv = NULL;
  /* every action above left a verifiable audit chain */
  if (tu_run(verify, NULL, NULL) != 0) {
    fprintf(stderr, "# audit-verify failed on %s\n", demo);
    rc = -1;
  }
  if (!getenv("HC_KEEP")) {
    static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
    size_t i;
    for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
      snprintf(path, sizeof path, "%s%s", demo, suffix[i]);
      unlink(path);
    }
    rmdir(dir);
  }
  return rc;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_setup_login),
      cmocka_unit_test(test_queue),
      cmocka_unit_test(test_detail),
      cmocka_unit_test(test_accept),
      cmocka_unit_test(test_reject_needs_reason),
      cmocka_unit_test(test_bad_text),
      cmocka_unit_test(test_decide_twice),
      cmocka_unit_test(test_reopen),
      cmocka_unit_test(test_withdraw),
      cmocka_unit_test(test_summary_links),
      cmocka_unit_test(test_supporters),
      cmocka_unit_test(test_edit_link),
      cmocka_unit_test(test_api),
      cmocka_unit_test(test_api_link),
      cmocka_unit_test(test_not_published),
      cmocka_unit_test(test_script_nomination),
      cmocka_unit_test(test_publication),
      cmocka_unit_test(test_other_org),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
