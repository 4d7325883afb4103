/*
** test_voting_admin.c: the administrators' side of voting end to end over
** HTTP (src/web/p_voting.c on svc_vote.c / svc_cred.c; the election
** settings candidate_order and publish_ballots in svc_setup.c, api.c and
** p_admin_election.c; docs/design/ballot.md §1.2, §2, §5).  One
** `hustings serve` on a fresh database; the cases run in order:
**   - bootstrap: the first administrator (Northfield) with an API token,
**     who also administers a second organisation, Eastfield; Eve, who
**     administers a third (Southfield) only;
**   - the settings: created and changed by the API and by the form, bad
**     values refused (422, nothing changed), audited;
**   - a joint election of Northfield and Eastfield with two contests (one
**     for members tagged bame), candidates, and two rolls: one person on
**     both (matched by email in another case), two Northfield members at
**     one address, two members without email.  The electorate page and
**     API before opening: 8 members, 7 people, 1 merged, 2 without
**     email, 1 shared address, per contest 7 and 2 may vote;
**   - voting opened by the phase API: the settings then answer 409 (API
**     and form), the electorate page shows the same figures frozen;
**   - the codes export (form and API): refused without the confirm box,
**     then one row per person in scope, each code live and the ones
**     before it superseded (checked by the keyed hash); after a re-export
**     the old codes of a CSV answer "replaced" (when the ballot pages are
**     built in);
**   - votes, cast on the ballot pages with a code shown by a reissue
**     (each code works once: a second cast is 409), or, when the ballot
**     pages are not built in, marked in the database as a cast marks it;
**     then reminders: exactly the non-voters with email get a 'reminder'
**     outbox row and a new credential, "Reminders queued: 3"; the API's
**     {"queued":N};
**   - the voting page: totals, the percentage, the key's fingerprint, the
**     outbox counts, no name or address; the turnout API;
**   - the elector search (page and API) answers byte for byte the same
**     before and after a person votes, and a voter's row equals a
**     non-voter's but for name, member number and id; reissue (show and
**     email) answers the same for a voter and a non-voter;
**   - another organisation's administrator gets 404 everywhere, and
**     nobody signed in is sent to the login page (401 for the API); none
**     of it changes anything;
**   - after close: the voting page says so, reminders and exports 409;
**     at closed the turnout stays, from the receipts.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "client.h"
#include "svc_vote.h"
#include "testutil.h"

#define ADMIN_PW "a long enough password"
#define EVE_PW "another long password here"
#define EL "joint-2027"
#define API "/api/v1/elections/" EL
#define ADM "/admin/e/" EL

static const char *argv0;
static hc_server *srv;
static char token[128], eve_token[128];
static char session[512];
static char csrf[65];
static int have_vote_pages; /* the /v/ pages are built in (p_vote.c) */

/* ------------------------------------------------------------- helpers */

static int64_t sql(const char *q) {
  int64_t n = hc_sql(srv, q);
  assert_true(n != INT64_MIN);
  return n;
}

static int64_t sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sqlf(const char *fmt, ...) {
  char q[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  return sql(q);
}

/* Runs statements on the server's database (read-write). */
static void exec_sql(const char *q) {
  sqlite3 *db;
  char *err = NULL;
  assert_int_equal(sqlite3_open(hc_db(srv), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
    fail_msg("%s: %s", q, err ? err : "?");
  sqlite3_close(db);
}

static hc_resp *get(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

static hc_resp *api(const char *method, const char *path, const char *bearer,
                    const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, bearer, json);
}

/* A form post with the session's CSRF token; fields NULL-terminated. */
static hc_resp *post(const char *path, ...) {
  const char *all[32];
  size_t n = 0;
  va_list ap;
  all[n++] = "csrf";
  all[n++] = csrf;
  va_start(ap, path);
  for (const char *s; (s = va_arg(ap, const char *)) && n < 30;)
    all[n++] = s;
  va_end(ap);
  all[n] = NULL;
  return hc_post_formv(srv, path, hc_new_addr(), all);
}

static hc_resp *post_csv(const char *path, const char *csv) {
  char h[512];
  snprintf(h, sizeof h,
           "%sContent-Type: text/csv\r\nAuthorization: Bearer %s\r\n",
           hc_new_addr(), token);
  return hc_request(srv, "POST", path, h, csv, strlen(csv));
}

static void want_status(hc_resp *r, int st) {
  check_status(r, st);
  hc_resp_free(r);
}

/* The elector id of the person named name. */
static int64_t elector(const char *name) {
  int64_t id = sqlf("SELECT e.id FROM electors e JOIN voters v ON v.id = "
                    "e.voter_id WHERE v.name = '%s'",
                    name);
  assert_true(id > 0);
  return id;
}

/* The keyed hash of a code as the server stores it, in hex. */
static void code_hash_hex(const char *code, char hex[65]) {
  unsigned char raw[CRED_RAW], h[32];
  assert_true(cred_parse(code, raw));
  cred_hash(raw, h);
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* The state of a code: 1 live, 0 superseded, -1 unknown. */
static int code_live(const char *code) {
  char hex[65];
  code_hash_hex(code, hex);
  if (!sqlf("SELECT count(*) FROM credentials WHERE hash = x'%s'", hex))
    return -1;
  return (int)sqlf("SELECT superseded_at IS NULL FROM credentials WHERE "
                   "hash = x'%s'",
                   hex);
}

/* The codes of a CSV export (each link's /v/CODE), at most max; the
** number of data rows in *rows. */
static size_t csv_codes(const char *csv, char codes[][CRED_TEXT], size_t max,
                        size_t *rows) {
  const char *line = csv, *nl;
  size_t n = 0;
  *rows = 0;
  assert_true(strncmp(csv, "org,member_no,name,email,code,link,contests\n",
                      44) == 0);
  for (line = strchr(csv, '\n') + 1; *line; line = nl + 1) {
    const char *v;
    nl = strchr(line, '\n');
    assert_non_null(nl);
    (*rows)++;
    v = strstr(line, "/v/");
    assert_true(v && v < nl);
    assert_true(n < max);
    memcpy(codes[n], v + 3, CRED_TEXT - 1);
    codes[n][CRED_TEXT - 1] = 0;
    n++;
  }
  return n;
}

/* html with every occurrence of each from[i] replaced by to[i] (malloc'd). */
static char *replace_all(const char *html, const char *const *from,
                         const char *const *to, size_t n) {
  char *cur = strdup(html);
  size_t i;
  assert_non_null(cur);
  for (i = 0; i < n; i++) {
    size_t fl = strlen(from[i]), tl = strlen(to[i]), cnt = 0, o = 0;
    const char *p;
    char *out;
    for (p = strstr(cur, from[i]); p; p = strstr(p + fl, from[i])) cnt++;
    out = malloc(strlen(cur) + cnt * tl + 1);
    assert_non_null(out);
    for (p = cur;;) {
      const char *q = strstr(p, from[i]);
      if (!q) break;
      memcpy(out + o, p, (size_t)(q - p));
      o += (size_t)(q - p);
      memcpy(out + o, to[i], tl);
      o += tl;
      p = q + fl;
    }
    memcpy(out + o, p, strlen(p) + 1);
    free(cur);
    cur = out;
  }
  return cur;
}

/* The <tr id="elector-ID">...</tr> row of an elector search page. */
static char *row_of(const char *html, int64_t id) {
  char start[48];
  const char *a, *b;
  char *out;
  snprintf(start, sizeof start, "<tr id=\"elector-%lld\">", (long long)id);
  a = strstr(html, start);
  if (!a) fail_msg("no row %s", start);
  b = strstr(a, "</tr>");
  assert_non_null(b);
  out = strndup(a, (size_t)(b - a) + 5);
  assert_non_null(out);
  return out;
}

/* ---------------------------------------------------------------- cases */

static void test_bootstrap(void **state) {
  char hash[crypto_pwhash_STRBYTES], q[1024], err[256];
  (void)state;
  assert_true(hc_setup_admin(srv, "Northfield", "ada@example.org",
                             "Ada Admin", ADMIN_PW, csrf));
  snprintf(session, sizeof session, "%s", hc_jar_get(srv, "hs"));
  assert_true(hc_make_token(srv, "voting test", token, sizeof token));
  assert_true(hc_get_csrf(srv, "/admin", hc_new_addr(), csrf));
  assert_true(sodium_init() >= 0);
  assert_int_equal(crypto_pwhash_str(hash, EVE_PW, strlen(EVE_PW),
                                     crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE),
                   0);
  snprintf(q, sizeof q,
           "INSERT INTO orgs (slug, name) VALUES ('eastfield', "
           "'Eastfield Left'), ('southfield', 'Southfield');"
           "INSERT INTO org_admins SELECT o.id, a.id FROM orgs o, admins a "
           "WHERE o.slug = 'eastfield' AND a.email = 'ada@example.org';"
           "INSERT INTO admins (email, name, pw_hash, created_at) VALUES "
           "('eve@example.org', 'Eve', '%s', 0);"
           "INSERT INTO org_admins SELECT o.id, a.id FROM orgs o, admins a "
           "WHERE o.slug = 'southfield' AND a.email = 'eve@example.org';",
           hash);
  exec_sql(q);
  /* the installation key, to compute the stored hash of a code */
  assert_int_equal(auth_load_key(hc_db(srv), err, sizeof err), WEB_OK);
}

static void test_settings(void **state) {
  hc_resp *r;
  json_t *j;
  int64_t seq;
  static const char *const snap_q[] = {
      "SELECT count(*) FROM audit",
      "SELECT count(*) FROM elections",
      "SELECT coalesce(sum(length(candidate_order) + publish_ballots), 0) "
      "FROM elections",
      NULL};
  tu_snap s0;
  (void)state;
  /* created with both settings */
  r = api("POST", "/api/v1/elections", token,
          "{\"slug\":\"" EL "\",\"title\":\"Joint ballot 2027\","
          "\"candidate_order\":\"published\",\"publish_ballots\":false}");
  check_status(r, 201);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "candidate_order")),
                      "published");
  assert_true(json_is_false(json_object_get(j, "publish_ballots")));
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM elections WHERE slug = '" EL
                       "' AND candidate_order = 'published' AND "
                       "publish_ballots = 0"),
                   1);
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE action = "
                       "'election.create' AND line LIKE "
                       "'%\"candidate_order\":\"published\"%' AND line LIKE "
                       "'%\"publish_ballots\":false%'"),
                   1);
  /* the defaults */
  r = api("POST", "/api/v1/elections", token,
          "{\"slug\":\"other-2027\",\"title\":\"Other\"}");
  check_status(r, 201);
  has(r, "\"candidate_order\":\"random\"");
  has(r, "\"publish_ballots\":true");
  hc_resp_free(r);
  /* bad values change nothing */
  s0 = tu_snap_take(srv, snap_q);
  r = api("PATCH", API, token, "{\"candidate_order\":\"alphabetical\"}");
  json_decref(tu_api_error(r, 422, "invalid"));
  has(r, "\"field\":\"candidate_order\"");
  hc_resp_free(r);
  r = api("PATCH", API, token, "{\"publish_ballots\":1}");
  json_decref(tu_api_error(r, 422, "invalid"));
  has(r, "\"field\":\"publish_ballots\",\"code\":\"wrong_type\"");
  hc_resp_free(r);
  r = post(ADM, "candidate_order", "sideways", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-candidate_order\"");
  hc_resp_free(r);
  r = post(ADM, "publish_ballots", "2", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-publish_ballots\"");
  hc_resp_free(r);
  tu_same(srv, &s0);
  /* changed by the API, audited with old and new */
  seq = sql("SELECT max(seq) FROM audit");
  r = api("PATCH", API, token,
          "{\"candidate_order\":\"random\",\"publish_ballots\":true}");
  check_status(r, 200);
  has(r, "\"candidate_order\":\"random\"");
  has(r, "\"publish_ballots\":true");
  hc_resp_free(r);
  assert_int_equal(
      sqlf("SELECT count(*) FROM audit WHERE seq > %lld AND action = "
           "'election.update' AND line LIKE '%%\"candidate_order\":{\"old\":"
           "\"published\",\"new\":\"random\"}%%' AND line LIKE "
           "'%%\"publish_ballots\":{\"old\":false,\"new\":true}%%'",
           (long long)seq),
      1);
  /* the same values again: no change, no audit row */
  seq = sql("SELECT max(seq) FROM audit");
  r = api("PATCH", API, token,
          "{\"candidate_order\":\"random\",\"publish_ballots\":true}");
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT max(seq) FROM audit"), seq);
  /* the settings page shows them as radio buttons, and its form sets them */
  r = get(ADM);
  check_status(r, 200);
  has(r, "id=\"f-candidate_order\" name=\"candidate_order\" value=\"random\""
         " checked");
  has(r, "name=\"publish_ballots\" value=\"1\" checked");
  has(r, "href=\"/admin/e/" EL "/electorate\">Electorate</a>");
  hc_resp_free(r);
  r = post(ADM, "title", "Joint ballot 2027", "candidate_order", "published",
           "publish_ballots", "0", NULL);
  check_status(r, 303);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM elections WHERE slug = '" EL
                       "' AND candidate_order = 'published' AND "
                       "publish_ballots = 0"),
                   1);
}

/* The roll of each organisation, the contests, the candidates, and the
** phase review. */
static void test_prepare(void **state) {
  hc_resp *r;
  char q[2048];
  int k;
  (void)state;
  r = post_csv("/api/v1/orgs/northfield/roll",
               "member_no,name,email,tags\n"
               "N1,Nia Brennan,nia@example.org,woman\n"
               "N2,Ben Carter,ben@example.org,bame\n"
               "N3,Cat Dunn,shared@example.org,\n"
               "N4,Dan Evans,shared@example.org,\n"
               "N5,Fay Frost,,\n");
  check_status(r, 201);
  hc_resp_free(r);
  r = post_csv("/api/v1/orgs/eastfield/roll",
               "member_no,name,email,tags\n"
               "E1,Nia Brennan,NIA@example.org,\n"
               "E2,Gus Hale,gus@example.org,bame\n"
               "E3,Hal Ives,,\n");
  check_status(r, 201);
  hc_resp_free(r);
  r = api("POST", API "/contests", token,
          "{\"slug\":\"general\",\"title\":\"General seats\",\"seats\":2,"
          "\"rules\":\"scottish\"}");
  check_status(r, 201);
  hc_resp_free(r);
  r = api("POST", API "/contests", token,
          "{\"slug\":\"bame\",\"title\":\"BAME seat\",\"seats\":1,"
          "\"rules\":\"scottish\",\"eligible_tags\":[\"bame\"]}");
  check_status(r, 201);
  hc_resp_free(r);
  exec_sql("INSERT INTO election_orgs SELECT e.id, o.id FROM elections e, "
           "orgs o WHERE e.slug = '" EL "' AND o.slug = 'eastfield'");
  r = api("POST", API "/phase", token, "{\"to\":\"review\"}");
  check_status(r, 200);
  hc_resp_free(r);
  /* candidates: 3 accepted + 1 rejected in general, 2 accepted in bame */
  for (k = 0; k < 6; k++) {
    static const char *const names[] = {"Alma Ruiz", "Bo Stein",
                                        "Cy Tran",   "Di Ulm",
                                        "Ed Voss",   "Flo Wake"};
    snprintf(q, sizeof q,
             "INSERT INTO nominations (contest_id, name, email, edit_hash, "
             "declaration_agreed_at, status, created_at, updated_at) SELECT "
             "c.id, '%s', 'c%d@example.org', randomblob(32), 1, '%s', 1, 1 "
             "FROM contests c JOIN elections e ON e.id = c.election_id "
             "WHERE e.slug = '" EL "' AND c.slug = '%s';"
             "INSERT INTO statements (nomination_id, markdown, html, words, "
             "renderer) VALUES (last_insert_rowid(), 'Hello', '<p>Hello</p>',"
             " 1, 'test');",
             names[k], k, k == 3 ? "rejected" : "accepted",
             k < 4 ? "general" : "bame");
    exec_sql(q);
  }
}

/* The figures of the two-org roll, on the page and by the API. */
static void check_figures(int frozen) {
  hc_resp *r = get(ADM "/electorate");
  json_t *j, *c;
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  has(r, "<th scope=\"row\">Northfield</th><td>5</td>");
  has(r, "<th scope=\"row\">Eastfield Left</th><td>3</td>");
  has(r, "id=\"n-electors\">7</dd>");
  has(r, "id=\"n-merged\">1</dd>");
  has(r, "id=\"n-no-email\">2</dd>");
  has(r, "id=\"n-shared\">1</dd>");
  has(r, "<th scope=\"row\">General seats</th><td>7</td><td>3</td>");
  has(r, "<th scope=\"row\">BAME seat</th><td>2</td><td>2</td>");
  /* the merged person with each org's number, the shared address */
  has(r, "Northfield N1: Nia Brennan; Eastfield Left E1: Nia Brennan");
  has(r, "Cat Dunn");
  has(r, "Dan Evans");
  if (frozen) {
    has(r, "frozen when voting opened");
    lacks(r, "Open voting now");
  } else {
    has(r, "Open voting now");
    has(r, "<input type=\"hidden\" name=\"to\" value=\"voting\">");
    has(r, "id=\"f-confirm-voting\" name=\"confirm\"");
  }
  hc_resp_free(r);
  r = api("GET", API "/electorate", token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_is_true(json_object_get(j, "frozen")), frozen);
  assert_int_equal(json_integer_value(json_object_get(j, "voters")), 8);
  assert_int_equal(json_integer_value(json_object_get(j, "electors")), 7);
  assert_int_equal(json_integer_value(json_object_get(j, "merged")), 1);
  assert_int_equal(json_integer_value(json_object_get(j, "no_email")), 2);
  assert_int_equal(json_integer_value(json_object_get(j, "shared")), 1);
  assert_int_equal(json_array_size(json_object_get(j, "orgs")), 2);
  c = json_array_get(json_object_get(j, "contests"), 1);
  assert_string_equal(json_string_value(json_object_get(c, "slug")), "bame");
  assert_int_equal(json_integer_value(json_object_get(c, "eligible")), 2);
  assert_int_equal(json_integer_value(json_object_get(c, "candidates")), 2);
  lacks(r, "voted");
  json_decref(j);
  hc_resp_free(r);
}

static void test_preview(void **state) {
  hc_resp *r;
  (void)state;
  check_figures(0);
  /* the page's "Open voting now" form needs its box ticked */
  r = post(ADM "/phase", "to", "voting", NULL);
  check_status(r, 422);
  has(r, "I understand");
  hc_resp_free(r);
  /* nothing is frozen yet, and no voting page actions */
  assert_int_equal(sql("SELECT count(*) FROM electors"), 0);
  assert_int_equal(sql("SELECT count(*) FROM elections WHERE phase = "
                       "'review' AND slug = '" EL "'"),
                   1);
  r = get(ADM "/voting");
  check_status(r, 200);
  has(r, "Voting has not opened");
  lacks(r, "Remind non-voters");
  hc_resp_free(r);
  r = api("GET", API "/turnout", token, NULL);
  json_decref(tu_api_error(r, 409, "voting_not_open"));
  hc_resp_free(r);
}

static void test_open(void **state) {
  hc_resp *r;
  static const char *const snap_q[] = {
      "SELECT count(*) FROM audit",
      "SELECT coalesce(sum(length(candidate_order) + publish_ballots), 0) "
      "FROM elections",
      NULL};
  tu_snap s0;
  (void)state;
  r = api("POST", API "/phase", token, "{\"to\":\"voting\"}");
  check_status(r, 200);
  has(r, "\"phase\":\"voting\"");
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM electors"), 7);
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE kind = "
                       "'credential'"),
                   5);
  check_figures(1);
  /* the settings are fixed now (and giving the current value is fine) */
  s0 = tu_snap_take(srv, snap_q);
  r = api("PATCH", API, token, "{\"candidate_order\":\"random\"}");
  json_decref(tu_api_error(r, 409, "phase"));
  has(r, "\"field\":\"candidate_order\"");
  hc_resp_free(r);
  r = api("PATCH", API, token, "{\"publish_ballots\":true}");
  json_decref(tu_api_error(r, 409, "phase"));
  has(r, "\"field\":\"publish_ballots\"");
  hc_resp_free(r);
  r = post(ADM, "candidate_order", "random", NULL);
  check_status(r, 409);
  has(r, "until voting opens");
  hc_resp_free(r);
  tu_same(srv, &s0);
  r = api("PATCH", API, token,
          "{\"candidate_order\":\"published\",\"publish_ballots\":false}");
  check_status(r, 200);
  hc_resp_free(r);
  tu_same(srv, &s0);
  /* the settings page shows them as text, and links to the voting pages */
  r = get(ADM);
  check_status(r, 200);
  lacks(r, "name=\"candidate_order\"");
  has(r, "The published order (by name)");
  has(r, "href=\"/admin/e/" EL "/voting\">Voting</a>");
  hc_resp_free(r);
}

/* Casts a vote with code on the ballot pages: the ballot, then the cast
** with the first candidate of the general contest ranked 1, as someone
** not signed in; then the same again, which is refused.  The
** administrator's session is put back. */
static void cast_code(const char *code) {
  char path[16 + CRED_TEXT], c[65], field[64];
  int64_t cid = sql("SELECT c.id FROM contests c JOIN elections e ON e.id = "
                    "c.election_id WHERE e.slug = '" EL "' AND c.slug = "
                    "'general'");
  int64_t nid = sql("SELECT id FROM nominations WHERE name = 'Alma Ruiz'");
  hc_resp *r;
  int k;
  snprintf(field, sizeof field, "r.%lld.%lld", (long long)cid,
           (long long)nid);
  hc_jar_clear(srv);
  snprintf(path, sizeof path, "/v/%s", code);
  assert_true(hc_get_csrf(srv, path, hc_new_addr(), c));
  snprintf(path, sizeof path, "/v/%s/cast", code);
  for (k = 0; k < 2; k++) {
    const char *f[] = {"csrf", c, field, "1", NULL};
    r = hc_post_formv(srv, path, hc_new_addr(), f);
    if (k == 0) {
      check_status(r, 200);
      has(r, "<code id=\"receipt\">");
    } else {
      check_status(r, 409); /* the code works once */
      lacks(r, "<code id=\"receipt\">");
    }
    hc_resp_free(r);
  }
  hc_jar_clear(srv);
  hc_jar_set(srv, "hs", session);
}

/* Makes name vote: with the ballot pages, a new code is shown to the
** administrator (the reissue API) and cast; without them the database is
** marked as a cast marks it (credential used, elector voted). */
static void vote(const char *name) {
  char q[512];
  int64_t id = elector(name);
  if (have_vote_pages) {
    hc_resp *r;
    json_t *j;
    snprintf(q, sizeof q, API "/electors/%lld/reissue", (long long)id);
    r = api("POST", q, token, "{\"deliver\":\"show\"}");
    check_status(r, 200);
    j = tu_body_json(r);
    cast_code(json_string_value(json_object_get(j, "code")));
    json_decref(j);
    hc_resp_free(r);
  } else {
    snprintf(q, sizeof q,
             "UPDATE credentials SET used = 1 WHERE elector_id = %lld AND "
             "superseded_at IS NULL; UPDATE electors SET voted = 1 WHERE id "
             "= %lld;",
             (long long)id, (long long)id);
    exec_sql(q);
  }
  assert_int_equal(sqlf("SELECT voted FROM electors WHERE id = %lld",
                        (long long)id),
                   1);
}

/* 20 codes at most in any export here. */
static char codes_all[20][CRED_TEXT], codes_post[20][CRED_TEXT];

static void test_export(void **state) {
  static const char *const snap_q[] = {
      "SELECT count(*) FROM credentials",
      "SELECT count(*) FROM credentials WHERE superseded_at IS NULL",
      "SELECT count(*) FROM audit", NULL};
  tu_snap s0;
  hc_resp *r;
  size_t n, rows, i, k;
  (void)state;
  s0 = tu_snap_take(srv, snap_q);
  r = post(ADM "/credentials.csv", "scope", "all", NULL);
  check_status(r, 422);
  has(r, "href=\"#f-confirm-export\"");
  hc_resp_free(r);
  r = post(ADM "/credentials.csv", "scope", "some", "confirm", "yes", NULL);
  check_status(r, 422);
  hc_resp_free(r);
  r = api("POST", API "/credentials/export", token, "{\"scope\":\"most\"}");
  json_decref(tu_api_error(r, 422, "invalid"));
  hc_resp_free(r);
  tu_same(srv, &s0);
  /* everyone: one row per person, every code new and live */
  r = post(ADM "/credentials.csv", "scope", "all", "confirm", "yes", NULL);
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Content-Type"), "text/csv; charset=utf-8");
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  assert_non_null(strstr(hc_header(r, "Content-Disposition"),
                         "attachment; filename="));
  n = csv_codes(r->body, codes_all, 20, &rows);
  assert_int_equal(rows, 7);
  assert_int_equal(n, 7);
  for (i = 0; i < n; i++) {
    assert_int_equal(code_live(codes_all[i]), 1);
    for (k = 0; k < i; k++) assert_string_not_equal(codes_all[i], codes_all[k]);
  }
  has(r, "Nia Brennan");
  has(r, "Hal Ives");
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM credentials WHERE "
                       "superseded_at IS NULL"),
                   7);
  assert_int_equal(sql("SELECT count(*) FROM credentials WHERE via = "
                       "'export'"),
                   7);
  assert_int_equal(sql("SELECT count(*) FROM credentials WHERE via = 'open' "
                       "AND superseded_at IS NOT NULL"),
                   5);
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE action = "
                       "'credentials.export' AND line LIKE "
                       "'%\"scope\":\"all\"%' AND line LIKE '%\"count\":7%'"),
                   1);
  /* the audit log never holds a code */
  for (i = 0; i < n; i++)
    assert_int_equal(sqlf("SELECT count(*) FROM audit WHERE instr(line, "
                          "'%s') > 0",
                          codes_all[i]),
                     0);
  /* by the API, the default scope: the two people without email */
  r = api("POST", API "/credentials/export", token, "{}");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  n = csv_codes(r->body, codes_post, 20, &rows);
  assert_int_equal(rows, 2);
  has(r, "Fay Frost");
  has(r, "Hal Ives");
  lacks(r, "Nia Brennan");
  hc_resp_free(r);
  /* their codes of the first export are replaced; the others still live */
  {
    int replaced = 0, live = 0;
    for (i = 0; i < 7; i++) {
      int st = code_live(codes_all[i]);
      replaced += st == 0;
      live += st == 1;
    }
    assert_int_equal(replaced, 2);
    assert_int_equal(live, 5);
  }
  for (i = 0; i < 2; i++) assert_int_equal(code_live(codes_post[i]), 1);
  print_message("# the ballot pages are %s\n",
                have_vote_pages ? "built in: codes are tried on them"
                                : "not built in: codes checked by hash");
  /* Fay votes with her letter's code (once) */
  {
    int64_t fay = elector("Fay Frost");
    for (i = 0; i < 2; i++) {
      char hex[65];
      code_hash_hex(codes_post[i], hex);
      if (sqlf("SELECT elector_id FROM credentials WHERE hash = x'%s'", hex) ==
          fay)
        break;
    }
    assert_true(i < 2);
    if (have_vote_pages) cast_code(codes_post[i]);
    else vote("Fay Frost");
  }
  if (have_vote_pages) {
    /* a replaced code says so on its page */
    for (i = 0; i < 7; i++)
      if (code_live(codes_all[i]) == 0) {
        char path[8 + CRED_TEXT];
        memcpy(path, "/v/", 3);
        memcpy(path + 3, codes_all[i], CRED_TEXT);
        r = get(path);
        has(r, "replaced");
        hc_resp_free(r);
      }
  }
}

static void test_remind(void **state) {
  hc_resp *r;
  json_t *j;
  (void)state;
  vote("Nia Brennan");
  vote("Cat Dunn");
  r = post(ADM "/remind", NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"),
                      "/admin/e/" EL "/voting?reminded=3");
  hc_resp_free(r);
  r = get(ADM "/voting?reminded=3");
  check_status(r, 200);
  has(r, "Reminders queued: 3");
  hc_resp_free(r);
  /* exactly the non-voters with an email: Ben, Dan and Gus */
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE kind = "
                       "'reminder'"),
                   3);
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE kind = 'reminder' "
                       "AND to_addr IN ('ben@example.org', "
                       "'shared@example.org', 'gus@example.org')"),
                   3);
  assert_int_equal(sqlf("SELECT count(*) FROM credentials WHERE via = "
                        "'reminder' AND elector_id IN (%lld, %lld, %lld)",
                        (long long)elector("Ben Carter"),
                        (long long)elector("Dan Evans"),
                        (long long)elector("Gus Hale")),
                   3);
  assert_int_equal(sqlf("SELECT count(*) FROM credentials WHERE via = "
                        "'reminder' AND elector_id IN (%lld, %lld)",
                        (long long)elector("Nia Brennan"),
                        (long long)elector("Cat Dunn")),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE action = "
                       "'reminders.queue' AND line LIKE '%\"count\":3%'"),
                   1);
  r = api("POST", API "/reminders", token, "{}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "queued")), 3);
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE kind = "
                       "'reminder'"),
                   6);
  r = api("POST", API "/reminders", token, "{\"to\":\"all\"}");
  json_decref(tu_api_error(r, 422, "invalid"));
  hc_resp_free(r);
}

static void test_voting_page(void **state) {
  hc_resp *r;
  json_t *j, *c;
  sqlite3 *db;
  sqlite3_stmt *st;
  unsigned char pk[32];
  char fp[40];
  (void)state;
  /* the key's fingerprint, from the stored public key */
  assert_int_equal(sqlite3_open_v2(hc_db(srv), &db, SQLITE_OPEN_READONLY,
                                   NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT pk FROM election_keys",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_bytes(st, 0), 32);
  memcpy(pk, sqlite3_column_blob(st, 0), 32);
  sqlite3_finalize(st);
  sqlite3_close(db);
  elkey_fingerprint(pk, fp);
  r = get(ADM "/voting");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  has(r, "<strong>3</strong> of 7 people have voted (42.9%)");
  has(r, fp);
  has(r, "never shows who has voted");
  has(r, "Remind non-voters");
  has(r, "action=\"/admin/e/" EL "/credentials.csv\"");
  has(r, "<input type=\"hidden\" name=\"to\" value=\"counted\">");
  has(r, "Close voting now");
  has(r, "People without an email address (2)");
  /* the outbox's counts (the mails themselves are another test's) */
  {
    char want[96];
    snprintf(want, sizeof want, "<dt>Waiting to be sent</dt><dd>%lld</dd>",
             (long long)sql("SELECT count(*) FROM outbox WHERE sent_at IS "
                            "NULL AND failed_at IS NULL"));
    has(r, want);
    assert_true(sql("SELECT count(*) FROM outbox") >= 11);
  }
  /* totals only */
  lacks(r, "Nia Brennan");
  lacks(r, "Cat Dunn");
  lacks(r, "example.org");
  hc_resp_free(r);
  r = api("GET", API "/turnout", token, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "electorate")), 7);
  assert_int_equal(json_integer_value(json_object_get(j, "voted")), 3);
  c = json_array_get(json_object_get(j, "contests"), 0);
  assert_string_equal(json_string_value(json_object_get(c, "slug")),
                      "general");
  assert_int_equal(json_integer_value(json_object_get(c, "electorate")), 7);
  assert_int_equal(json_integer_value(json_object_get(c, "ballots")),
                   sql("SELECT count(*) FROM ballots b JOIN contests c ON "
                       "c.id = b.contest_id WHERE c.slug = 'general'"));
  c = json_array_get(json_object_get(j, "contests"), 1);
  assert_int_equal(json_integer_value(json_object_get(c, "electorate")), 2);
  json_decref(j);
  hc_resp_free(r);
}

static void test_electors(void **state) {
  hc_resp *r, *r2;
  char *a, *b, *na, *nb, ida[48], idb[48], ra[48], rb[48];
  int64_t cat = elector("Cat Dunn"), dan = elector("Dan Evans");
  (void)state;
  r = get(ADM "/electors?q=shared%40example");
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  has(r, "Cat Dunn");
  has(r, "Dan Evans");
  lacks(r, "Ben Carter");
  /* Cat has voted, Dan has not: their rows differ only in name, member
  ** number and id */
  a = row_of(r->body, cat);
  b = row_of(r->body, dan);
  snprintf(ida, sizeof ida, "/electors/%lld/", (long long)cat);
  snprintf(idb, sizeof idb, "/electors/%lld/", (long long)dan);
  snprintf(ra, sizeof ra, "\"elector-%lld\"", (long long)cat);
  snprintf(rb, sizeof rb, "\"elector-%lld\"", (long long)dan);
  {
    const char *fa[] = {"Cat Dunn", "northfield N3", ida, ra};
    const char *fb[] = {"Dan Evans", "northfield N4", idb, rb};
    const char *to[] = {"NAME", "MEMBER", "/electors/ID/", "ROW"};
    na = replace_all(a, fa, to, 4);
    nb = replace_all(b, fb, to, 4);
  }
  assert_string_equal(na, nb);
  assert_non_null(strstr(na, "Email a new link"));
  free(a);
  free(b);
  free(na);
  free(nb);
  /* the whole page, and the API's answer, are the same after Dan votes */
  {
    hc_resp *j1 = api("GET", API "/electors?q=shared", token, NULL), *j2;
    check_status(j1, 200);
    vote("Dan Evans");
    r2 = get(ADM "/electors?q=shared%40example");
    check_status(r2, 200);
    assert_int_equal(r->body_len, r2->body_len);
    assert_memory_equal(r->body, r2->body, r->body_len);
    j2 = api("GET", API "/electors?q=shared", token, NULL);
    check_status(j2, 200);
    assert_string_equal(j1->body, j2->body);
    has(j1, "\"member_nos\":\"northfield N3\"");
    lacks(j1, "voted");
    hc_resp_free(j1);
    hc_resp_free(j2);
    hc_resp_free(r2);
  }
  hc_resp_free(r);
  /* every person, a page of the API at a time */
  r = api("GET", API "/electors?limit=5", token, NULL);
  check_status(r, 200);
  has(r, "\"next_offset\":5");
  hc_resp_free(r);
  r = api("GET", API "/electors?limit=5&offset=5", token, NULL);
  check_status(r, 200);
  has(r, "\"next_offset\":null");
  hc_resp_free(r);
  r = api("GET", API "/electors?limit=0", token, NULL);
  json_decref(tu_api_error(r, 422, "invalid"));
  hc_resp_free(r);
}

/* Reissue by showing the code: the page for a voter and for a non-voter
** differ only in the code and the id. */
static char *reissue_show_page(int64_t id, char code[CRED_TEXT]) {
  char path[128], grouped[CRED_GROUPED], link[CRED_TEXT + 8];
  const char *c;
  hc_resp *r;
  char *out;
  snprintf(path, sizeof path, ADM "/electors/%lld/reissue", (long long)id);
  r = post(path, "deliver", "show", NULL);
  check_status(r, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  c = strstr(r->body, "<code id=\"new-code\">");
  assert_non_null(c);
  c += strlen("<code id=\"new-code\">");
  assert_true(strlen(c) > CRED_GROUPED);
  memcpy(grouped, c, CRED_GROUPED - 1);
  grouped[CRED_GROUPED - 1] = 0;
  {
    unsigned char raw[CRED_RAW];
    assert_true(cred_parse(grouped, raw));
    cred_text(raw, code);
  }
  snprintf(link, sizeof link, "/v/%s", code);
  has(r, link);
  {
    const char *from[] = {grouped, code};
    const char *to[] = {"GROUPED", "CODE"};
    out = replace_all(r->body, from, to, 2);
  }
  hc_resp_free(r);
  return out;
}

static void test_reissue(void **state) {
  char code_a[CRED_TEXT], code_b[CRED_TEXT], path[128];
  char *pa, *pb;
  int64_t cat = elector("Cat Dunn"), ben = elector("Ben Carter");
  int64_t fay = elector("Fay Frost"), n, n0;
  hc_resp *r;
  json_t *j;
  (void)state;
  /* Cat has voted, Ben has not: the same page */
  n0 = sql("SELECT count(*) FROM audit WHERE action = 'elector.reissue'");
  pa = reissue_show_page(cat, code_a);
  pb = reissue_show_page(ben, code_b);
  assert_string_equal(pa, pb);
  free(pa);
  free(pb);
  assert_int_equal(code_live(code_a), 1);
  assert_int_equal(code_live(code_b), 1);
  assert_int_equal(sqlf("SELECT count(*) FROM credentials WHERE elector_id = "
                        "%lld AND superseded_at IS NULL",
                        (long long)cat),
                   1);
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE action = "
                       "'elector.reissue'"),
                   n0 + 2);
  /* by the API, the same answer for both apart from the code */
  snprintf(path, sizeof path, API "/electors/%lld/reissue", (long long)cat);
  r = api("POST", path, token, "{\"deliver\":\"show\"}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(strlen(json_string_value(json_object_get(j, "code"))), 26);
  assert_int_equal(code_live(json_string_value(json_object_get(j, "code"))),
                   1);
  assert_int_equal(code_live(code_a), 0); /* the one shown before */
  assert_int_equal(json_object_size(j), 5);
  json_decref(j);
  hc_resp_free(r);
  /* by email: 303, a 'reissue' mail */
  n = sql("SELECT count(*) FROM outbox WHERE kind = 'reissue'");
  snprintf(path, sizeof path, ADM "/electors/%lld/reissue", (long long)ben);
  r = post(path, "deliver", "email", NULL);
  check_status(r, 303);
  assert_string_equal(hc_header(r, "Location"),
                      "/admin/e/" EL "/electors?sent=1");
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE kind = 'reissue'"),
                   n + 1);
  assert_int_equal(code_live(code_b), 0);
  r = get(ADM "/electors?sent=1");
  has(r, "A new link was sent");
  hc_resp_free(r);
  /* no email: refused, nothing changes */
  {
    static const char *const q[] = {"SELECT count(*) FROM credentials",
                                    "SELECT count(*) FROM outbox", NULL};
    tu_snap s0 = tu_snap_take(srv, q);
    snprintf(path, sizeof path, ADM "/electors/%lld/reissue", (long long)fay);
    r = post(path, "deliver", "email", NULL);
    check_status(r, 422);
    has(r, "no email address");
    hc_resp_free(r);
    snprintf(path, sizeof path, API "/electors/%lld/reissue", (long long)fay);
    r = api("POST", path, token, "{\"deliver\":\"email\"}");
    json_decref(tu_api_error(r, 422, "invalid"));
    hc_resp_free(r);
    r = api("POST", path, token, "{\"deliver\":\"pigeon\"}");
    json_decref(tu_api_error(r, 422, "invalid"));
    hc_resp_free(r);
    r = api("POST", API "/electors/999999/reissue", token,
            "{\"deliver\":\"show\"}");
    json_decref(tu_api_error(r, 404, "not_found"));
    hc_resp_free(r);
    tu_same(srv, &s0);
  }
}

static const char *const guarded_get[] = {
    ADM "/electorate", ADM "/voting", ADM "/electors", ADM "/electors?q=a",
    NULL};
static const char *const guarded_api_get[] = {
    API "/electorate", API "/electors", API "/turnout", NULL};

static void test_access(void **state) {
  static const char *const snap_q[] = {
      "SELECT count(*) FROM credentials",
      "SELECT count(*) FROM credentials WHERE superseded_at IS NULL",
      "SELECT count(*) FROM outbox",
      "SELECT count(*) FROM audit WHERE action NOT IN ('admin.login', "
      "'token.create')",
      NULL};
  tu_snap s0;
  hc_resp *r;
  char path[128], c[65];
  size_t i;
  int64_t id = elector("Ben Carter");
  (void)state;
  s0 = tu_snap_take(srv, snap_q);
  /* nobody signed in: the login page, and 401 for the API */
  hc_jar_clear(srv);
  for (i = 0; guarded_get[i]; i++) {
    r = get(guarded_get[i]);
    check_status(r, 303);
    assert_true(strncmp(hc_header(r, "Location"), "/login", 6) == 0);
    hc_resp_free(r);
  }
  assert_true(hc_get_csrf(srv, "/login", hc_new_addr(), c));
  {
    const char *f[] = {"csrf", c, "deliver", "show", "scope", "all",
                       "confirm", "yes", NULL};
    snprintf(path, sizeof path, ADM "/electors/%lld/reissue", (long long)id);
    r = hc_post_formv(srv, path, hc_new_addr(), f);
    check_status(r, 303);
    hc_resp_free(r);
    r = hc_post_formv(srv, ADM "/remind", hc_new_addr(), f);
    check_status(r, 303);
    hc_resp_free(r);
    r = hc_post_formv(srv, ADM "/credentials.csv", hc_new_addr(), f);
    check_status(r, 303);
    lacks(r, "/v/");
    hc_resp_free(r);
  }
  for (i = 0; guarded_api_get[i]; i++) {
    r = api("GET", guarded_api_get[i], NULL, NULL);
    json_decref(tu_api_error(r, 401, "unauthenticated"));
    hc_resp_free(r);
  }
  r = api("POST", API "/reminders", NULL, "{}");
  json_decref(tu_api_error(r, 401, "unauthenticated"));
  hc_resp_free(r);
  r = api("POST", API "/credentials/export", NULL, "{\"scope\":\"all\"}");
  json_decref(tu_api_error(r, 401, "unauthenticated"));
  hc_resp_free(r);
  /* Eve administers another organisation: 404, as for no election */
  assert_true(hc_get_csrf(srv, "/login", hc_new_addr(), c));
  {
    const char *f[] = {"csrf", c, "email", "eve@example.org", "password",
                       EVE_PW, NULL};
    r = hc_post_formv(srv, "/login", hc_new_addr(), f);
    check_status(r, 303);
    hc_resp_free(r);
  }
  assert_true(hc_make_token(srv, "eve", eve_token, sizeof eve_token));
  assert_true(hc_get_csrf(srv, "/admin", hc_new_addr(), c));
  for (i = 0; guarded_get[i]; i++) {
    r = get(guarded_get[i]);
    check_status(r, 404);
    lacks(r, "Brennan");
    hc_resp_free(r);
  }
  {
    const char *f[] = {"csrf", c, "deliver", "show", "scope", "all",
                       "confirm", "yes", NULL};
    r = hc_post_formv(srv, path, hc_new_addr(), f);
    check_status(r, 404);
    lacks(r, "new-code");
    hc_resp_free(r);
    r = hc_post_formv(srv, ADM "/remind", hc_new_addr(), f);
    check_status(r, 404);
    hc_resp_free(r);
    r = hc_post_formv(srv, ADM "/credentials.csv", hc_new_addr(), f);
    check_status(r, 404);
    lacks(r, "/v/");
    hc_resp_free(r);
  }
  for (i = 0; guarded_api_get[i]; i++) {
    r = api("GET", guarded_api_get[i], eve_token, NULL);
    json_decref(tu_api_error(r, 404, "not_found"));
    hc_resp_free(r);
  }
  r = api("POST", API "/reminders", eve_token, "{}");
  json_decref(tu_api_error(r, 404, "not_found"));
  hc_resp_free(r);
  r = api("POST", API "/credentials/export", eve_token, "{\"scope\":\"all\"}");
  json_decref(tu_api_error(r, 404, "not_found"));
  hc_resp_free(r);
  snprintf(path, sizeof path, API "/electors/%lld/reissue", (long long)id);
  r = api("POST", path, eve_token, "{\"deliver\":\"show\"}");
  json_decref(tu_api_error(r, 404, "not_found"));
  hc_resp_free(r);
  tu_same(srv, &s0);
  /* back to the first administrator */
  hc_jar_clear(srv);
  hc_jar_set(srv, "hs", session);
}

static void test_closed(void **state) {
  hc_resp *r;
  (void)state;
  r = api("POST", API "/phase", token, "{\"to\":\"counted\"}");
  check_status(r, 200);
  hc_resp_free(r);
  r = get(ADM "/voting");
  check_status(r, 200);
  has(r, "Voting has closed");
  lacks(r, "Remind non-voters");
  hc_resp_free(r);
  r = post(ADM "/remind", NULL);
  check_status(r, 409);
  hc_resp_free(r);
  r = post(ADM "/credentials.csv", "scope", "all", "confirm", "yes", NULL);
  check_status(r, 409);
  lacks(r, "/v/");
  hc_resp_free(r);
  r = api("POST", API "/reminders", token, "{}");
  json_decref(tu_api_error(r, 409, "phase"));
  hc_resp_free(r);
  r = api("POST", API "/credentials/export", token, "{\"scope\":\"all\"}");
  json_decref(tu_api_error(r, 409, "phase"));
  hc_resp_free(r);
  want_status(get(ADM "/electorate"), 200);
  /* closing waits for the results: the count runs on the clock thread
  ** within a second or two */
  {
    int tries;
    for (tries = 0; tries < 100; tries++) {
      r = api("POST", API "/phase", token, "{\"to\":\"closed\"}");
      if (r->status != 409) break;
      hc_resp_free(r);
      usleep(100 * 1000);
    }
  }
  /* at publication, who voted is forgotten; the turnout stays (the
  ** receipts: Nia, Cat, Fay and Dan voted) */
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM electors WHERE voted = 1"), 0);
  if (!have_vote_pages) return; /* votes marked by hand leave no receipt */
  r = api("GET", API "/turnout", token, NULL);
  check_status(r, 200);
  has(r, "\"electorate\":7,\"voted\":4,");
  hc_resp_free(r);
  r = get(ADM "/voting");
  has(r, "<strong>4</strong> of 7 people have voted (57.1%)");
  hc_resp_free(r);
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state) {
  static const char *const extra[] = {"--trust-proxy", "127.0.0.1", NULL};
  hc_resp *r;
  (void)state;
  srv = hc_start(hc_bin_from_argv0(argv0), extra);
  if (!srv) return -1;
  /* the ballot pages answer an unknown code with 200 or 404 of their own;
  ** without them the path is not found at all (a plain 404 page) */
  r = hc_get(srv, "/v");
  have_vote_pages = r->status == 200;
  hc_resp_free(r);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  if (srv) assert_int_equal(hc_stop(srv), 0);
  srv = NULL;
  return 0;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bootstrap), cmocka_unit_test(test_settings),
      cmocka_unit_test(test_prepare),   cmocka_unit_test(test_preview),
      cmocka_unit_test(test_open),      cmocka_unit_test(test_export),
      cmocka_unit_test(test_remind),    cmocka_unit_test(test_voting_page),
      cmocka_unit_test(test_electors),  cmocka_unit_test(test_reissue),
      cmocka_unit_test(test_access),    cmocka_unit_test(test_closed),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests_name("web_voting_admin", tests, group_setup,
                                     group_teardown);
}
