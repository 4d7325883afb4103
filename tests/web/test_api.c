/*
** test_api.c: the set-up JSON API (src/web/api.c, docs/api.md) end to
** end.  One `hustings serve` on a fresh database for the whole group; the
** cases run in order, each building on the last:
**   - bootstrap through HTTP only: the setup link, then an API token made
**     on /admin/tokens (shown once in #new-token), a second one revoked;
**   - 401 without a token, with a bad one and with the revoked one;
**   - an election created, read, listed and changed; the refusals (a
**     duplicate slug, bad JSON, a body that is not an object, a wrong
**     type, an unknown field, a bad slug, a timetable in the spring-forward
**     gap or out of order, unknown rules, a constraint minimum above the
**     seats, a phase move backwards) each answer the documented status and
**     code and leave the row counts and the audit head as they were;
**   - categories, contests, questions and branches (the branch link shown
**     once, stored hashed, never in the audit log);
**   - the audit list: the actions in order, by "token:N", and
**     /api/v1/audit/verify;
**   - the slug "new" refused as on the form; contests and questions moved
**     up and down; the token holder's own tokens listed (no secrets),
**     made (shown once) and revoked.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "client.h"
#include "testutil.h"

#define ADMIN_EMAIL "ada@example.org"
#define ADMIN_PW "correct horse battery staple"
#define E "/api/v1/elections/steering-2030"

static const char *argv0;
static hc_server *srv;
static char token[128];   /* the working API token */
static char revoked[128]; /* a revoked one */
static int64_t token_id;

/* ------------------------------------------------------------- helpers */

/* Every request names a new client address (hc_new_addr), so the rate
** limits of one case do not reach the next. */

static int64_t sql(const char *q) {
  int64_t n = hc_sql(srv, q);
  assert_true(n != INT64_MIN);
  return n;
}

/* Everything a refused request must leave alone: the rows of the set-up
** tables, and the audit head (v[SNAP_SEQ]). */
static const char *const snap_sql[] = {
    "SELECT (SELECT count(*) FROM elections) + (SELECT count(*) "
    "FROM timetable) + (SELECT count(*) FROM contests) + (SELECT "
    "count(*) FROM contest_constraints) + (SELECT count(*) FROM "
    "contest_eligibility) + (SELECT count(*) FROM questions) + "
    "(SELECT count(*) FROM categories) + (SELECT count(*) FROM "
    "branches) + (SELECT count(*) FROM api_tokens) + (SELECT "
    "count(*) FROM phase_changes) + (SELECT count(*) FROM "
    "election_orgs)",
    "SELECT coalesce(max(seq), 0) FROM audit", NULL};
#define SNAP_SEQ 1

static tu_snap take(void) { return tu_snap_take(srv, snap_sql); }

/* An API request with the working token. */
static hc_resp *api(const char *method, const char *path, const char *json) {
  return hc_json_from(srv, hc_new_addr(), method, path, token, json);
}

/* Checks the error shape (tu_api_error) and, when field is not NULL, a
** field error with that field and field code. */
#define check_error(r, st, code, field, fcode)                              \
  check_error_at(r, st, code, field, fcode, __FILE__, __LINE__)
static void check_error_at(const hc_resp *r, int status, const char *code,
                           const char *field, const char *fcode,
                           const char *file, int line) {
  json_t *j, *e, *f, *it;
  size_t i;
  int found = 0;
  j = tu_api_error_at(r, status, code, file, line);
  e = json_object_get(j, "error");
  if (field) {
    f = json_object_get(e, "fields");
    json_array_foreach(f, i, it) {
      const char *fn = json_string_value(json_object_get(it, "field"));
      const char *fc = json_string_value(json_object_get(it, "code"));
      if (fn && fc && strcmp(fn, field) == 0 && strcmp(fc, fcode) == 0)
        found = 1;
    }
    if (!found) {
      print_error("wanted field %s with code %s: %s\n", field, fcode,
                  r->body);
      _fail(file, line);
    }
  }
  json_decref(j);
}

static void make_token(const char *label, char *out, size_t cap) {
  assert_true(hc_make_token(srv, label, out, cap));
  assert_int_equal(strlen(out), 4 + 43);
  assert_memory_equal(out, "hst_", 4);
}

/* ---------------------------------------------------------------- cases */

static void test_bootstrap(void **state) {
  char csrf[65], rev[64];
  hc_resp *r;
  (void)state;
  assert_true(hc_setup_admin(srv, "Northfield", ADMIN_EMAIL, "Ada Brennan",
                             ADMIN_PW, csrf));

  make_token("revoked later", revoked, sizeof revoked);
  snprintf(rev, sizeof rev, "/admin/tokens/%lld/revoke",
           (long long)sql("SELECT max(id) FROM api_tokens"));
  make_token("test_api", token, sizeof token);
  token_id = sql("SELECT max(id) FROM api_tokens");
  assert_string_not_equal(token, revoked);
  /* the token is stored hashed, with its first 8 characters */
  assert_int_equal(sql("SELECT length(hash) FROM api_tokens WHERE id = "
                       "(SELECT max(id) FROM api_tokens)"),
                   32);
  {
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM api_tokens WHERE prefix = "
             "'%.8s'", token);
    assert_int_equal(sql(q), 1);
  }
  assert_true(hc_get_csrf(srv, "/admin/tokens", NULL, csrf));
  const char *g[] = {"csrf", csrf, NULL};
  r = hc_post_formv(srv, rev, hc_new_addr(), g);
  check_status(r, 303);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM api_tokens WHERE revoked_at IS "
                       "NOT NULL"),
                   1);
  /* from here on, no cookies: the API alone */
  hc_jar_clear(srv);
}

static void test_unauthenticated(void **state) {
  static const char *const bad[] = {
      NULL, "Authorization: Bearer hst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
      "Authorization: Basic YTpi\r\n", "Authorization: Bearer \r\n", NULL};
  char h[256];
  size_t i;
  tu_snap s0 = take();
  (void)state;
  for (i = 0; i < 5; i++) {
    hc_resp *r;
    if (i == 4)
      snprintf(h, sizeof h, "%sAuthorization: Bearer %s\r\n", hc_new_addr(),
               revoked);
    else
      snprintf(h, sizeof h, "%s%s", hc_new_addr(), bad[i] ? bad[i] : "");
    r = hc_request(srv, "GET", "/api/v1/elections", h, NULL, 0);
    check_error(r, 401, "unauthenticated", NULL, NULL);
    assert_non_null(hc_header(r, "WWW-Authenticate"));
    hc_resp_free(r);
    /* a write is refused the same way, and changes nothing */
    snprintf(h + strlen(h), sizeof h - strlen(h),
             "Content-Type: application/json\r\n");
    r = hc_request(srv, "POST", "/api/v1/elections", h,
                   "{\"slug\":\"x\",\"title\":\"X\"}", 25);
    check_status(r, 401);
    hc_resp_free(r);
  }
  tu_same(srv, &s0);
}

static void test_create_election(void **state) {
  hc_resp *r;
  json_t *j;
  (void)state;
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"steering-2030\",\"title\":\"Steering committee "
          "2030\",\"tz\":\"Europe/London\",\"word_limit\":250,"
          "\"declaration_md\":\"I agree to the rules.\",\"intro_md\":\"\"}");
  check_status(r, 201);
  assert_string_equal(hc_header(r, "Location"), E);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "slug")),
                      "steering-2030");
  assert_string_equal(json_string_value(json_object_get(j, "phase")),
                      "setup");
  assert_string_equal(json_string_value(json_object_get(j, "org")),
                      "Northfield");
  assert_int_equal(json_integer_value(json_object_get(j, "word_limit")), 250);
  assert_true(json_is_null(json_object_get(
      json_object_get(j, "timetable"), "nominations_open")));
  assert_int_equal(json_array_size(json_object_get(j, "contests")), 0);
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM elections"), 1);

  r = api("GET", "/api/v1/elections", NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_array_size(json_object_get(j, "elections")), 1);
  json_decref(j);
  hc_resp_free(r);
  r = api("GET", E, NULL);
  check_status(r, 200);
  hc_resp_free(r);
  r = api("GET", "/api/v1/elections/no-such", NULL);
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);

  r = api("PATCH", E, "{\"title\":\"Steering committee, 2030\","
                      "\"word_limit\":300}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "title")),
                      "Steering committee, 2030");
  assert_int_equal(json_integer_value(json_object_get(j, "word_limit")), 300);
  json_decref(j);
  hc_resp_free(r);
}

/* Each refused request: its status and code, and nothing changed. */
static void test_refused(void **state) {
  tu_snap s0 = take();
  hc_resp *r;
  (void)state;
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"steering-2030\",\"title\":\"Again\"}");
  check_error(r, 409, "duplicate", "slug", "duplicate");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections", "{\"slug\":\"x\",\"title\":");
  check_error(r, 400, "bad_json", NULL, NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections", "{\"slug\":\"x\",\"slug\":\"y\"}");
  check_error(r, 400, "bad_json", NULL, NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections", "[1,2]");
  check_error(r, 400, "bad_json", NULL, NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections", "{\"slug\":\"x\",\"title\":5}");
  check_error(r, 422, "invalid", "title", "wrong_type");
  assert_non_null(strstr(r->body, "title must be a string"));
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"x\",\"title\":\"X\",\"word_limit\":250.5}");
  check_error(r, 422, "invalid", "word_limit", "wrong_type");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"x\",\"title\":\"X\",\"colour\":\"red\"}");
  check_error(r, 422, "invalid", "colour", "unknown_field");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"Not a slug\",\"title\":\"X\\u0007\"}");
  check_error(r, 422, "invalid", "slug", "invalid");
  check_error(r, 422, "invalid", "title", "control");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections", "{}");
  check_error(r, 422, "invalid", "slug", "required");
  check_error(r, 422, "invalid", "title", "required");
  hc_resp_free(r);
  r = api("PATCH", E, "{\"slug\":\"renamed\"}");
  check_error(r, 422, "invalid", "slug", "immutable");
  hc_resp_free(r);
  r = api("PATCH", E, "{\"word_limit\":0}");
  check_error(r, 422, "invalid", "word_limit", "out_of_range");
  hc_resp_free(r);
  /* no Content-Type: refused before the handler */
  {
    char h[256];
    snprintf(h, sizeof h, "%sAuthorization: Bearer %s\r\n", hc_new_addr(),
             token);
    r = hc_request(srv, "POST", "/api/v1/elections", h, "{}", 2);
    check_status(r, 415);
    hc_resp_free(r);
  }
  tu_same(srv, &s0);
}

static void test_timetable(void **state) {
  tu_snap s0 = take();
  hc_resp *r;
  json_t *j, *tt;
  (void)state;
  /* 31 March 2030: London's clocks go from 01:00 to 02:00 */
  r = api("PUT", E "/timetable", "{\"nominations_open\":\"2030-03-31T01:30\"}");
  check_error(r, 422, "invalid", "nominations_open", "time_in_gap");
  assert_non_null(strstr(r->body, "01:30 on 31 March 2030 does not exist in "
                                  "Europe/London (the clocks go forward)"));
  hc_resp_free(r);
  r = api("PUT", E "/timetable",
          "{\"nominations_open\":\"2030-03-17T09:00\","
          "\"nominations_close\":\"2030-03-03T17:00\"}");
  check_error(r, 422, "invalid", "nominations_close", "order");
  hc_resp_free(r);
  r = api("PUT", E "/timetable", "{\"nominations_open\":\"yesterday\"}");
  check_error(r, 422, "invalid", "nominations_open", "bad_time");
  hc_resp_free(r);
  r = api("PUT", E "/timetable", "{\"nominations_open\":\"2020-03-03T09:00\"}");
  check_error(r, 422, "invalid", "nominations_open", "in_past");
  hc_resp_free(r);
  r = api("PUT", E "/timetable", "{\"nominations_open\":5}");
  check_error(r, 422, "invalid", "nominations_open", "wrong_type");
  hc_resp_free(r);
  r = api("PUT", E "/timetable", "{\"polling_day\":\"2030-03-03T09:00\"}");
  check_error(r, 422, "invalid", "polling_day", "unknown_field");
  hc_resp_free(r);
  tu_same(srv, &s0);

  /* a wall time, and an RFC 3339 instant shown in London time (BST) */
  r = api("PUT", E "/timetable",
          "{\"nominations_open\":\"2030-03-03T09:00\","
          "\"nominations_close\":\"2030-04-07T16:00:00Z\"}");
  check_status(r, 200);
  j = tu_body_json(r);
  tt = json_object_get(j, "timetable");
  assert_string_equal(
      json_string_value(json_object_get(
          json_object_get(tt, "nominations_open"), "local")),
      "2030-03-03T09:00");
  assert_string_equal(
      json_string_value(json_object_get(
          json_object_get(tt, "nominations_open"), "at")),
      "2030-03-03T09:00:00Z");
  assert_string_equal(
      json_string_value(json_object_get(
          json_object_get(tt, "nominations_close"), "local")),
      "2030-04-07T17:00");
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM timetable"), 2);
  assert_int_equal(take().v[SNAP_SEQ], s0.v[SNAP_SEQ] + 2);
  /* null clears, absent keys stay */
  s0 = take();
  r = api("PUT", E "/timetable", "{\"nominations_close\":null}");
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM timetable"), 1);
  r = api("PUT", E "/timetable",
          "{\"nominations_close\":\"2030-03-17T17:00+00:00\"}");
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(take().v[SNAP_SEQ], s0.v[SNAP_SEQ] + 2);
}

static void test_contents(void **state) {
  tu_snap s0;
  hc_resp *r;
  json_t *j;
  (void)state;
  r = api("POST", E "/categories", "{\"slug\":\"woman\",\"label\":\"Woman\"}");
  check_status(r, 201);
  hc_resp_free(r);
  r = api("PATCH", E "/categories/woman", "{\"label\":\"Women\"}");
  check_status(r, 200);
  assert_non_null(strstr(r->body, "\"label\":\"Women\""));
  hc_resp_free(r);

  s0 = take();
  r = api("POST", E "/categories", "{\"slug\":\"woman\",\"label\":\"W\"}");
  check_error(r, 409, "duplicate", "slug", "duplicate");
  hc_resp_free(r);
  r = api("POST", E "/contests",
          "{\"slug\":\"general\",\"title\":\"General\",\"seats\":9,"
          "\"rules\":\"borda\"}");
  check_error(r, 422, "invalid", "rules", "unknown_rules");
  hc_resp_free(r);
  r = api("POST", E "/contests",
          "{\"slug\":\"general\",\"title\":\"General\",\"seats\":9,"
          "\"rules\":\"scottish\",\"constraints\":[{\"category\":\"woman\","
          "\"min\":10,\"max\":null}]}");
  check_error(r, 422, "invalid", "constraints.0.min", "out_of_range");
  hc_resp_free(r);
  r = api("POST", E "/contests",
          "{\"slug\":\"general\",\"title\":\"General\",\"seats\":9,"
          "\"rules\":\"scottish\",\"constraints\":[{\"category\":\"nobody\","
          "\"min\":\"4\",\"extra\":1}],\"eligible_tags\":[7]}");
  check_error(r, 422, "invalid", "constraints.0.min", "wrong_type");
  check_error(r, 422, "invalid", "constraints.0.extra", "unknown_field");
  check_error(r, 422, "invalid", "eligible_tags.0", "wrong_type");
  hc_resp_free(r);
  r = api("POST", E "/contests",
          "{\"slug\":\"general\",\"title\":\"General\",\"seats\":9,"
          "\"rules\":\"scottish\",\"threshold\":2}");
  check_error(r, 422, "invalid", "threshold_kind", "required");
  hc_resp_free(r);
  tu_same(srv, &s0);

  r = api("POST", E "/contests",
          "{\"slug\":\"general\",\"title\":\"General committee\","
          "\"seats\":9,\"rules\":\"scottish\",\"threshold\":2,"
          "\"threshold_kind\":\"branch\",\"constraints\":[{\"category\":"
          "\"woman\",\"min\":4,\"max\":null}],\"eligible_tags\":[]}");
  check_status(r, 201);
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "seats")), 9);
  assert_int_equal(
      json_integer_value(json_object_get(
          json_array_get(json_object_get(j, "constraints"), 0), "min")),
      4);
  json_decref(j);
  hc_resp_free(r);
  r = api("PATCH", E "/contests/general",
          "{\"seats\":7,\"eligible_tags\":[\"member\"]}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_integer_value(json_object_get(j, "seats")), 7);
  assert_int_equal(json_integer_value(json_object_get(j, "threshold")), 2);
  assert_int_equal(json_array_size(json_object_get(j, "constraints")), 1);
  assert_string_equal(json_string_value(json_array_get(
                          json_object_get(j, "eligible_tags"), 0)),
                      "member");
  json_decref(j);
  hc_resp_free(r);
  s0 = take();
  r = api("PATCH", E "/contests/general", "{\"seats\":3,\"constraints\":"
                                           "[{\"category\":\"woman\","
                                           "\"min\":4}]}");
  check_error(r, 422, "invalid", "constraints.0.min", "out_of_range");
  hc_resp_free(r);
  r = api("PATCH", E "/contests/nosuch", "{\"seats\":3}");
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  tu_same(srv, &s0);

  r = api("POST", E "/questions",
          "{\"text\":\"Do you support the aims?\",\"short\":\"Aims\","
          "\"allow_comment\":true}");
  check_status(r, 201);
  j = tu_body_json(r);
  {
    char path[128];
    snprintf(path, sizeof path, E "/questions/%lld",
             (long long)json_integer_value(json_object_get(j, "id")));
    hc_resp_free(r);
    r = api("PATCH", path, "{\"allow_comment\":false}");
    check_status(r, 200);
    assert_non_null(strstr(r->body, "\"allow_comment\":false"));
    assert_non_null(strstr(r->body, "\"short\":\"Aims\""));
    hc_resp_free(r);
    s0 = take();
    r = api("PATCH", path, "{\"allow_comment\":\"no\"}");
    check_error(r, 422, "invalid", "allow_comment", "wrong_type");
    hc_resp_free(r);
    tu_same(srv, &s0);
  }
  json_decref(j);

  r = api("POST", E "/branches", "{\"name\":\"Eastfield\"}");
  check_status(r, 201);
  j = tu_body_json(r);
  {
    const char *t = json_string_value(json_object_get(j, "token"));
    const char *l = json_string_value(json_object_get(j, "link"));
    char q[256];
    assert_non_null(t);
    assert_int_equal(strlen(t), 43);
    assert_non_null(l);
    assert_non_null(strstr(l, "/s/"));
    assert_string_equal(strstr(l, "/s/") + 3, t);
    snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE instr(line, "
             "'%s') > 0", t);
    assert_int_equal(sql(q), 0);
  }
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM branches WHERE link_hash IS NOT "
                       "NULL"),
                   1);
  /* the whole election reads back with everything in it */
  r = api("GET", E, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_array_size(json_object_get(j, "contests")), 1);
  assert_int_equal(json_array_size(json_object_get(j, "questions")), 1);
  assert_int_equal(json_array_size(json_object_get(j, "categories")), 1);
  assert_int_equal(json_array_size(json_object_get(j, "branches")), 1);
  assert_null(strstr(r->body, "\"token\""));
  json_decref(j);
  hc_resp_free(r);
}

static void test_phase(void **state) {
  tu_snap s0 = take();
  hc_resp *r;
  (void)state;
  r = api("POST", E "/publish", ""); /* an empty body is {} */
  check_error(r, 409, "phase", NULL, NULL);
  hc_resp_free(r);
  r = api("POST", E "/phase", "{\"to\":\"sideways\"}");
  check_error(r, 422, "invalid", "to", "invalid");
  hc_resp_free(r);
  r = api("POST", E "/phase", "{\"to\":\"setup\"}");
  check_error(r, 409, "phase_backwards", NULL, NULL);
  hc_resp_free(r);
  tu_same(srv, &s0);
  r = api("POST", E "/phase", "{\"to\":\"nominations\"}");
  check_status(r, 200);
  assert_non_null(strstr(r->body, "\"phase\":\"nominations\""));
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM phase_changes WHERE to_phase = "
                       "'nominations' AND by_admin IS NOT NULL"),
                   1);
  r = api("POST", E "/publish", "{}");
  check_status(r, 200);
  hc_resp_free(r);
  r = api("POST", E "/phase", "{\"to\":\"review\"}");
  check_status(r, 200);
  hc_resp_free(r);
  s0 = take();
  r = api("POST", E "/phase", "{\"to\":\"nominations\"}");
  check_error(r, 409, "phase_backwards", NULL, NULL);
  hc_resp_free(r);
  /* contests are fixed once nominations have closed */
  r = api("PATCH", E "/contests/general", "{\"seats\":8}");
  check_error(r, 409, "phase", NULL, NULL);
  hc_resp_free(r);
  r = api("PUT", E "/timetable", "{\"nominations_close\":\"2030-03-18T17:00\"}");
  check_error(r, 409, "phase", "nominations_close", "phase");
  hc_resp_free(r);
  tu_same(srv, &s0);
}

static void test_audit(void **state) {
  static const char *const want[] = {
      "election.create",   "election.update",   "election.timetable",
      "election.timetable", "election.timetable", "election.timetable",
      "category.create",   "category.update",   "contest.create",
      "contest.update",    "question.create",   "question.update",
      "branch.create",     "election.phase",    "election.publish",
      "election.phase"};
  char actor[32], path[128];
  hc_resp *r;
  json_t *j, *entries, *e;
  size_t i, n = sizeof want / sizeof want[0];
  int64_t prev = 0;
  (void)state;
  snprintf(actor, sizeof actor, "token:%lld", (long long)token_id);
  r = api("GET", "/api/v1/audit?election=steering-2030&limit=1000", NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  entries = json_object_get(j, "entries");
  assert_int_equal(json_array_size(entries), n);
  json_array_foreach(entries, i, e) {
    int64_t seq = json_integer_value(json_object_get(e, "seq"));
    if (strcmp(json_string_value(json_object_get(e, "action")), want[i]))
      fail_msg("entry %zu: %s, wanted %s", i,
               json_string_value(json_object_get(e, "action")), want[i]);
    assert_string_equal(json_string_value(json_object_get(e, "actor")),
                        actor);
    assert_string_equal(json_string_value(json_object_get(e, "election")),
                        "steering-2030");
    assert_true(seq > prev);
    prev = seq;
  }
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(j, "head"), "seq")),
                   sql("SELECT max(seq) FROM audit"));
  json_decref(j);
  hc_resp_free(r);
  /* paging: after and limit */
  snprintf(path, sizeof path,
           "/api/v1/audit?election=steering-2030&after=%lld&limit=2",
           (long long)(prev - 3));
  r = api("GET", path, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 2);
  assert_int_equal(json_integer_value(json_object_get(
                       json_array_get(json_object_get(j, "entries"), 0),
                       "seq")),
                   prev - 2);
  json_decref(j);
  hc_resp_free(r);
  r = api("GET", "/api/v1/audit?limit=0", NULL);
  check_error(r, 422, "invalid", "limit", "out_of_range");
  hc_resp_free(r);
  r = api("GET", "/api/v1/audit?election=nope", NULL);
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  /* the token lifecycle is in the log too (no election) */
  r = api("GET", "/api/v1/audit", NULL);
  check_status(r, 200);
  assert_non_null(strstr(r->body, "\"action\":\"token.revoke\""));
  assert_null(strstr(r->body, token + 8));
  hc_resp_free(r);

  r = api("GET", "/api/v1/audit/verify", NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_true(json_is_true(json_object_get(j, "ok")));
  assert_int_equal(json_integer_value(json_object_get(j, "entries")),
                   sql("SELECT count(*) FROM audit"));
  assert_int_equal(strlen(json_string_value(json_object_get(j, "head"))),
                   64);
  json_decref(j);
  hc_resp_free(r);
}

/* "new" is the address of the new-election page: the API refuses it as
** the form does, with the same field error (the service decides). */
static void test_reserved_slug(void **state) {
  tu_snap s0 = take();
  hc_resp *r;
  (void)state;
  r = api("POST", "/api/v1/elections", "{\"slug\":\"new\",\"title\":\"New\"}");
  check_error(r, 422, "invalid", "slug", "reserved");
  hc_resp_free(r);
  tu_same(srv, &s0);
  r = api("GET", "/api/v1/elections/new", NULL);
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
}

/* The position of contest or question ident in the election's answer. */
static int64_t position_of(const char *list, const char *key,
                           const char *value) {
  hc_resp *r = api("GET", "/api/v1/elections/order-2030", NULL);
  json_t *j, *it;
  size_t i;
  int64_t pos = -1;
  check_status(r, 200);
  j = tu_body_json(r);
  json_array_foreach(json_object_get(j, list), i, it) {
    const char *v = json_string_value(json_object_get(it, key));
    if (v && strcmp(v, value) == 0)
      pos = json_integer_value(json_object_get(it, "position"));
  }
  json_decref(j);
  hc_resp_free(r);
  return pos;
}

/* Moving contests and questions up and down, as the pages' buttons do. */
static void test_moves(void **state) {
  static const char *const contests[] = {
      "{\"slug\":\"first\",\"title\":\"First\",\"seats\":1,\"rules\":\"irv\"}",
      "{\"slug\":\"second\",\"title\":\"Second\",\"seats\":1,"
      "\"rules\":\"irv\"}"};
  char path[160], count_sql[200];
  hc_resp *r;
  json_t *j;
  tu_snap s0;
  int64_t q2;
  size_t i;
  (void)state;
  r = api("POST", "/api/v1/elections",
          "{\"slug\":\"order-2030\",\"title\":\"Order\"}");
  check_status(r, 201);
  hc_resp_free(r);
  for (i = 0; i < 2; i++) {
    r = api("POST", "/api/v1/elections/order-2030/contests", contests[i]);
    check_status(r, 201);
    hc_resp_free(r);
  }
  r = api("POST", "/api/v1/elections/order-2030/questions",
          "{\"text\":\"One?\",\"short\":\"One\"}");
  check_status(r, 201);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/order-2030/questions",
          "{\"text\":\"Two?\",\"short\":\"Two\"}");
  check_status(r, 201);
  j = tu_body_json(r);
  q2 = json_integer_value(json_object_get(j, "id"));
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(position_of("contests", "slug", "second"), 2);

  s0 = take();
  r = api("POST", "/api/v1/elections/order-2030/contests/second/move",
          "{\"dir\":\"sideways\"}");
  check_error(r, 422, "invalid", "dir", "invalid");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/order-2030/contests/second/move", "{}");
  check_error(r, 422, "invalid", "dir", "required");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/order-2030/contests/second/move",
          "{\"dir\":\"up\",\"by\":2}");
  check_error(r, 422, "invalid", "by", "unknown_field");
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/order-2030/contests/nosuch/move",
          "{\"dir\":\"up\"}");
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  r = api("POST", "/api/v1/elections/order-2030/questions/999999/move",
          "{\"dir\":\"up\"}");
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  /* at the top already: nothing to do, nothing audited */
  r = api("POST", "/api/v1/elections/order-2030/contests/first/move",
          "{\"dir\":\"up\"}");
  check_status(r, 200);
  hc_resp_free(r);
  tu_same(srv, &s0);

  r = api("POST", "/api/v1/elections/order-2030/contests/second/move",
          "{\"dir\":\"up\"}");
  check_status(r, 200);
  j = tu_body_json(r);
  assert_string_equal(json_string_value(json_object_get(j, "slug")),
                      "second");
  assert_int_equal(json_integer_value(json_object_get(j, "position")), 1);
  json_decref(j);
  hc_resp_free(r);
  assert_int_equal(position_of("contests", "slug", "first"), 2);
  snprintf(path, sizeof path,
           "/api/v1/elections/order-2030/questions/%lld/move",
           (long long)q2);
  r = api("POST", path, "{\"dir\":\"up\"}");
  check_status(r, 200);
  assert_non_null(strstr(r->body, "\"position\":1"));
  hc_resp_free(r);
  assert_int_equal(position_of("questions", "short", "One"), 2);
  r = api("POST", path, "{\"dir\":\"down\"}");
  check_status(r, 200);
  hc_resp_free(r);
  assert_int_equal(position_of("questions", "short", "Two"), 2);
  snprintf(count_sql, sizeof count_sql,
           "SELECT count(*) FROM audit WHERE action IN ('contest.move', "
           "'question.move') AND actor = 'token:%lld'",
           (long long)token_id);
  assert_int_equal(sql(count_sql), 3);
  /* after nominations close, questions stay where they are */
  r = api("POST", "/api/v1/elections/order-2030/phase", "{\"to\":\"review\"}");
  check_status(r, 200);
  hc_resp_free(r);
  s0 = take();
  r = api("POST", path, "{\"dir\":\"up\"}");
  check_error(r, 409, "phase", NULL, NULL);
  hc_resp_free(r);
  tu_same(srv, &s0);
}

/* A token holder manages its administrator's tokens: lists them without
** secrets, makes one (shown once), revokes one. */
static void test_tokens(void **state) {
  char fresh[128], path[64], q[200];
  hc_resp *r;
  json_t *j, *it;
  tu_snap s0;
  size_t i;
  int64_t id;
  int mine = 0;
  (void)state;
  r = api("GET", "/api/v1/tokens", NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  json_array_foreach(json_object_get(j, "tokens"), i, it) {
    assert_null(json_object_get(it, "token"));
    assert_int_equal(strlen(json_string_value(json_object_get(it, "prefix"))),
                     8);
    if (json_integer_value(json_object_get(it, "id")) == token_id) mine = 1;
  }
  assert_true(json_array_size(json_object_get(j, "tokens")) >= 2);
  assert_true(mine);
  json_decref(j);
  assert_null(strstr(r->body, token + 8)); /* no secret part */
  hc_resp_free(r);

  s0 = take();
  r = api("POST", "/api/v1/tokens", "{\"label\":\"\"}");
  check_error(r, 422, "invalid", "label", "required");
  hc_resp_free(r);
  r = api("POST", "/api/v1/tokens", "{\"label\":\"x\",\"admin\":2}");
  check_error(r, 422, "invalid", "admin", "unknown_field");
  hc_resp_free(r);
  r = api("DELETE", "/api/v1/tokens/999999", NULL);
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  r = api("DELETE", "/api/v1/tokens/abc", NULL);
  check_error(r, 404, "not_found", NULL, NULL);
  hc_resp_free(r);
  tu_same(srv, &s0);

  r = api("POST", "/api/v1/tokens", "{\"label\":\"nightly sync\"}");
  check_status(r, 201);
  j = tu_body_json(r);
  snprintf(fresh, sizeof fresh, "%s",
           json_string_value(json_object_get(j, "token")));
  id = json_integer_value(json_object_get(j, "id"));
  assert_int_equal(strlen(fresh), 4 + 43);
  assert_memory_equal(fresh, "hst_", 4);
  assert_memory_equal(json_string_value(json_object_get(j, "prefix")), fresh,
                      8);
  assert_string_equal(json_string_value(json_object_get(j, "label")),
                      "nightly sync");
  json_decref(j);
  hc_resp_free(r);
  snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE instr(line, '%s')",
           fresh + 8);
  assert_int_equal(sql(q), 0);
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE action = "
                       "'token.create' AND line LIKE '%nightly sync%'"),
                   1);
  /* the new token works; then it is revoked and does not */
  r = hc_json(srv, "GET", "/api/v1/tokens", fresh, NULL);
  check_status(r, 200);
  assert_non_null(strstr(r->body, "nightly sync"));
  assert_null(strstr(r->body, fresh + 8));
  hc_resp_free(r);
  snprintf(path, sizeof path, "/api/v1/tokens/%lld", (long long)id);
  r = api("DELETE", path, NULL);
  check_status(r, 200);
  j = tu_body_json(r);
  assert_true(json_is_string(json_object_get(j, "revoked_at")));
  assert_null(json_object_get(j, "token"));
  json_decref(j);
  hc_resp_free(r);
  r = hc_json(srv, "GET", "/api/v1/tokens", fresh, NULL);
  check_error(r, 401, "unauthenticated", NULL, NULL);
  hc_resp_free(r);
  s0 = take();
  r = api("DELETE", path, NULL);
  check_error(r, 409, "revoked", NULL, NULL);
  hc_resp_free(r);
  tu_same(srv, &s0);
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
  if (srv) assert_int_equal(hc_stop(srv), 0);
  srv = NULL;
  return 0;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bootstrap),
      cmocka_unit_test(test_unauthenticated),
      cmocka_unit_test(test_create_election),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_timetable),
      cmocka_unit_test(test_contents),
      cmocka_unit_test(test_phase),
      cmocka_unit_test(test_audit),
      cmocka_unit_test(test_reserved_slug),
      cmocka_unit_test(test_moves),
      cmocka_unit_test(test_tokens),
  };
  (void)argc;
  argv0 = argv[0];
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
