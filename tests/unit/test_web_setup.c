/*
** test_web_setup.c: the election set-up services (src/web/svc_setup.c,
** svc_contest.c) on a fresh database per test: validation of settings,
** timetable (wall times, RFC 3339, the Europe/London spring-forward gap,
** order, past, events that have happened), contests (rules, seats,
** constraints, tags, phases; no kind without a threshold), questions,
** categories, branches, API tokens, phase moves and publication; the
** caps on questions, categories, contests and branches; the organisation
** and the reserved slug "new" of a new election; a deadline that has
** passed before the clock moved the phase; which audit entries of no
** election an administrator sees.  Every refused action is checked
** to leave the row counts and the audit head as they were; every
** accepted one to write its audit row, and the chain to verify.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "stv.h"
#include "svc.h"
#include "svc_setup.h"
#include "web.h"
#include "web_fixture.h"

/* 2027-01-15T08:00:00Z: before every deadline the tests set */
#define NOW INT64_C(1800000000)
#define ACTOR "admin:1"

static int setup(void **state) {
  if (!(*state = wf_db_new("setup", 1))) return -1;
  exec_ok("INSERT INTO orgs (id, slug, name, tz) VALUES "
          "(1, 'nsn', 'Northfield', 'Europe/London'), "
          "(2, 'other', 'Other', 'UTC');"
          "INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES "
          "(1, 'a@example.org', 'A', 'x', 0), "
          "(2, 'b@example.org', 'B', 'x', 0);"
          "INSERT INTO org_admins VALUES (1, 1), (2, 2);");
  return 0;
}

static int teardown(void **state) {
  wf_db_free(*state);
  return 0;
}

/* The state a refused action must leave alone. */
typedef struct snap {
  int64_t rows, seq;
} snap;

static snap take(void) {
  snap s;
  s.rows = q1("SELECT (SELECT count(*) FROM elections) + (SELECT count(*) "
              "FROM timetable) + (SELECT count(*) FROM contests) + (SELECT "
              "count(*) FROM contest_constraints) + (SELECT count(*) FROM "
              "contest_eligibility) + (SELECT count(*) FROM questions) + "
              "(SELECT count(*) FROM categories) + (SELECT count(*) FROM "
              "branches) + (SELECT count(*) FROM api_tokens) + (SELECT "
              "count(*) FROM phase_changes)");
  s.seq = q1("SELECT coalesce(max(seq), 0) FROM audit");
  return s;
}

static void same(snap a) {
  snap b = take();
  assert_int_equal(a.rows, b.rows);
  assert_int_equal(a.seq, b.seq);
}

/* 1 if v has an item for field with code. */
static int has_err(const verr *v, const char *field, const char *code) {
  size_t i;
  for (i = 0; i < v->n; i++)
    if (strcmp(v->e[i].field, field) == 0 && strcmp(v->e[i].code, code) == 0)
      return 1;
  return 0;
}

static int64_t make_election(const char *slug) {
  svc_election_input in = {0};
  verr v;
  int64_t id = 0;
  in.slug = slug;
  in.title = "Steering committee 2027";
  assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                   WEB_OK);
  assert_true(id > 0);
  return id;
}

static void verify_chain(void) {
  int64_t n = 0, bad = 0;
  char head[65];
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, q1("SELECT count(*) FROM audit"));
}

/* ---------------------------------------------------------------- time */

static void test_time_parse(void **state) {
  verr v = {0};
  int64_t t = 0;
  char wall[17];
  int off = 0;
  (void)state;
  /* winter: GMT */
  assert_int_equal(svc_time_parse("Europe/London", "2027-03-07T09:00",
                                  "nominations_open", &t, wall, &off, &v),
                   WEB_OK);
  assert_int_equal(t, INT64_C(1804410000));
  assert_string_equal(wall, "2027-03-07T09:00");
  assert_int_equal(off, 0);
  /* summer: BST; seconds :00 accepted */
  assert_int_equal(svc_time_parse("Europe/London", "2027-04-01T17:00:00",
                                  "x", &t, wall, &off, &v),
                   WEB_OK);
  assert_int_equal(t, INT64_C(1806595200));
  assert_int_equal(off, 3600);
  /* RFC 3339 with Z and with an offset: stored as London wall time */
  assert_int_equal(svc_time_parse("Europe/London", "2027-04-01T16:00:00Z",
                                  "x", &t, wall, &off, &v),
                   WEB_OK);
  assert_int_equal(t, INT64_C(1806595200));
  assert_string_equal(wall, "2027-04-01T17:00");
  assert_int_equal(svc_time_parse("Europe/London", "2027-04-01T18:00+02:00",
                                  "x", &t, wall, &off, &v),
                   WEB_OK);
  assert_int_equal(t, INT64_C(1806595200));
  assert_string_equal(wall, "2027-04-01T17:00");
  assert_int_equal(svc_time_parse("Europe/London", "2027-04-01T11:30-04:30",
                                  "x", &t, wall, &off, &v),
                   WEB_OK);
  assert_int_equal(t, INT64_C(1806595200));
  assert_int_equal(v.n, 0);
  /* the gap: 01:00-02:00 on 28 March 2027 does not exist in London */
  assert_int_equal(svc_time_parse("Europe/London", "2027-03-28T01:30",
                                  "nominations_close", &t, wall, &off, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].field, "nominations_close");
  assert_string_equal(v.e[0].code, "time_in_gap");
  assert_string_equal(v.e[0].msg,
                      "01:30 on 28 March 2027 does not exist in "
                      "Europe/London (the clocks go forward); choose "
                      "another time.");
  /* the same instant given with an offset is fine (it is 01:30 UTC) */
  v.n = 0;
  assert_int_equal(svc_time_parse("Europe/London", "2027-03-28T01:30Z", "x",
                                  &t, wall, &off, &v),
                   WEB_OK);
  assert_string_equal(wall, "2027-03-28T02:30");
  /* malformed */
  {
    static const char *const bad[] = {
        "",   "2027-03-07", "2027-03-07 09:00", "2027-3-07T09:00",
        "2027-02-30T09:00", "2027-03-07T24:00", "2027-03-07T09:00:30",
        "2027-03-07T09:00+1", "2027-03-07T09:00+01:00x", "2027-03-07T09:00Q",
        "2027-03-07T09:00:00+25:00", "１０２７-03-07T09:00"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      v.n = 0;
      assert_int_equal(svc_time_parse("Europe/London", bad[i], "f", &t, wall,
                                      &off, &v),
                       WEB_EINVALID);
      assert_true(has_err(&v, "f", "bad_time"));
    }
  }
}

/* ----------------------------------------------------------- elections */

static void test_election_create(void **state) {
  svc_election_input in = {0};
  svc_election e;
  verr v;
  snap s0;
  int64_t id = 0;
  (void)state;
  id = make_election("steering-2027");
  assert_int_equal(svc_election_get_id(db_get(), id, &e), WEB_OK);
  assert_string_equal(e.slug, "steering-2027");
  assert_string_equal(e.tz, "Europe/London"); /* the org's */
  assert_int_equal(e.word_limit, SVC_WORDS_DEFAULT);
  assert_int_equal(e.phase, PHASE_SETUP);
  svc_election_free(&e);
  assert_int_equal(q1("SELECT count(*) FROM election_orgs"), 1);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'election.create'"),
                   1);

  s0 = take();
  /* duplicate slug: a conflict naming the field, nothing written */
  in.slug = "steering-2027";
  in.title = "Again";
  assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                   WEB_ECONFLICT);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].code, "duplicate");
  assert_string_equal(v.e[0].field, "slug");
  same(s0);
  /* every field wrong at once */
  in.slug = "Bad Slug";
  in.title = "  ";
  in.tz = "Mars/Olympus";
  in.word_limit = 5;
  in.declaration_md = "ok\x01";
  assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "slug", "invalid"));
  assert_true(has_err(&v, "title", "required"));
  assert_true(has_err(&v, "tz", "unknown_zone"));
  assert_true(has_err(&v, "word_limit", "out_of_range"));
  assert_true(has_err(&v, "declaration_md", "control"));
  same(s0);
  /* a slug of 41 characters, a title of 201 bytes, broken UTF-8 */
  {
    char t[202];
    memset(t, 'a', 201);
    t[201] = 0;
    in.slug = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    in.title = t;
    in.tz = NULL;
    in.word_limit = 0;
    in.declaration_md = NULL;
    in.intro_md = "bad \xc3\x28";
    assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                     WEB_EINVALID);
    assert_true(has_err(&v, "slug", "invalid"));
    assert_true(has_err(&v, "title", "too_long"));
    assert_true(has_err(&v, "intro_md", "bad_utf8"));
  }
  same(s0);
  /* an org the admin does not belong to, or no org id at all: a field
  ** error on "org", not the first org and not a bare not-found */
  in.slug = "x";
  in.title = "X";
  in.intro_md = NULL;
  assert_int_equal(svc_election_create(&in, 2, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "org", "unknown"));
  assert_int_equal(svc_election_create(&in, 999, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "org", "unknown"));
  assert_int_equal(svc_election_create(&in, -1, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "org", "invalid"));
  /* "new" is the new-election page's address */
  in.slug = "new";
  assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "slug", "reserved"));
  /* the word limit: 10..2000 */
  in.slug = "x";
  in.word_limit = SVC_WORDS_MAX + 1;
  assert_int_equal(svc_election_create(&in, 0, ACTOR, 1, NOW, &v, &id),
                   WEB_EINVALID);
  assert_true(has_err(&v, "word_limit", "out_of_range"));
  assert_int_equal(SVC_WORDS_MAX, 2000);
  in.word_limit = 0;
  same(s0);
  /* the admin's own second org, by id (admin 2 belongs to org 2) */
  in.slug = "theirs";
  assert_int_equal(svc_election_create(&in, 2, "admin:2", 2, NOW, &v, &id),
                   WEB_OK);
  assert_int_equal(q1("SELECT org_id FROM elections WHERE slug = 'theirs'"),
                   2);
  s0 = take();
  in.slug = "x";
  /* CR LF is stored as LF; the zone given is kept */
  in.tz = "America/New_York";
  in.declaration_md = "I agree\r\nto the rules";
  assert_int_equal(svc_election_create(&in, 1, ACTOR, 1, NOW, &v, &id),
                   WEB_OK);
  assert_int_equal(svc_election_get_id(db_get(), id, &e), WEB_OK);
  assert_string_equal(e.declaration_md, "I agree\nto the rules");
  assert_string_equal(e.tz, "America/New_York");
  svc_election_free(&e);
  verify_chain();
}

static void test_election_update(void **state) {
  svc_election_input in = {0};
  svc_election e;
  const char *tt[EV_COUNT] = {"2027-03-07T09:00", "2027-03-21T17:00", NULL,
                              NULL};
  verr v;
  snap s0;
  int64_t id;
  (void)state;
  id = make_election("e1");
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v), WEB_OK);
  s0 = take();
  /* the slug cannot change; the same slug is no change */
  in.slug = "e2";
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v),
                   WEB_EINVALID);
  assert_true(has_err(&v, "slug", "immutable"));
  in.slug = "e1";
  in.title = "Steering committee 2027";
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v), WEB_OK);
  same(s0); /* nothing changed: no audit row */
  /* a new zone in setup re-reads the wall times */
  in.tz = "America/New_York";
  in.word_limit = 300;
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(svc_election_get_id(db_get(), id, &e), WEB_OK);
  assert_string_equal(e.tz, "America/New_York");
  assert_int_equal(e.word_limit, 300);
  assert_string_equal(e.local[EV_NOMINATIONS_OPEN], "2027-03-07T09:00");
  assert_int_equal(e.at[EV_NOMINATIONS_OPEN],
                   INT64_C(1804410000) + 5 * 3600); /* EST */
  svc_election_free(&e);
  assert_int_equal(take().seq, s0.seq + 1);
  {
    char line[2048];
    qs("SELECT line FROM audit ORDER BY seq DESC LIMIT 1", line,
       sizeof line);
    assert_non_null(strstr(line, "\"action\":\"election.update\""));
    assert_non_null(strstr(line, "\"tz\":{\"old\":\"Europe/London\","
                                 "\"new\":\"America/New_York\"}"));
    assert_non_null(strstr(line, "\"word_limit\":{\"old\":250,\"new\":300}"));
  }
  /* a new zone would move a deadline that has passed: refused */
  s0 = take();
  in.tz = "Europe/London";
  in.word_limit = 0;
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1,
                                       INT64_C(1804410000) + 5 * 3600, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase");
  assert_string_equal(v.e[0].field, "tz");
  same(s0);
  in.tz = "America/New_York";
  in.word_limit = 300;
  /* in nominations: the zone is locked, the word limit is not */
  exec_ok("UPDATE elections SET phase = 'nominations'");
  s0 = take();
  in.tz = "Europe/London";
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].code, "phase");
  assert_string_equal(v.e[0].field, "tz");
  same(s0);
  /* in review: the declaration is locked, the title is not */
  exec_ok("UPDATE elections SET phase = 'review'");
  in.tz = NULL;
  in.word_limit = 0;
  in.declaration_md = "New";
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].field, "declaration_md");
  same(s0);
  in.declaration_md = NULL;
  in.title = "Renamed";
  assert_int_equal(svc_election_update(id, &in, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(take().seq, s0.seq + 1);
  verify_chain();
}

/* ----------------------------------------------------------- timetable */

static void test_timetable(void **state) {
  const char *tt[EV_COUNT] = {NULL, NULL, NULL, NULL};
  svc_election e;
  verr v;
  snap s0;
  int64_t id;
  char line[2048];
  (void)state;
  id = make_election("e1");
  s0 = take();
  /* the gap */
  tt[EV_NOMINATIONS_OPEN] = "2027-03-28T01:30";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_EINVALID);
  assert_true(has_err(&v, "nominations_open", "time_in_gap"));
  assert_non_null(strstr(v.e[0].msg, "01:30 on 28 March 2027 does not "
                                     "exist in Europe/London"));
  same(s0);
  /* out of order: close before open; voting open before close */
  tt[EV_NOMINATIONS_OPEN] = "2027-03-21T09:00";
  tt[EV_NOMINATIONS_CLOSE] = "2027-03-07T09:00";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_EINVALID);
  assert_true(has_err(&v, "nominations_close", "order"));
  same(s0);
  tt[EV_NOMINATIONS_OPEN] = "2027-03-07T09:00";
  tt[EV_NOMINATIONS_CLOSE] = "2027-03-21T17:00";
  tt[EV_VOTING_OPEN] = "2027-03-21T16:59";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_EINVALID);
  assert_true(has_err(&v, "voting_open", "order"));
  same(s0);
  /* in the past */
  tt[EV_VOTING_OPEN] = NULL;
  tt[EV_NOMINATIONS_OPEN] = "2026-03-07T09:00";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_EINVALID);
  assert_true(has_err(&v, "nominations_open", "in_past"));
  same(s0);
  /* fine: close == voting open is allowed; two audit rows */
  tt[EV_NOMINATIONS_OPEN] = "2027-03-07T09:00";
  tt[EV_VOTING_OPEN] = "2027-03-21T17:00";
  tt[EV_VOTING_CLOSE] = "2027-04-01T16:00Z";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(take().seq, s0.seq + 4);
  assert_int_equal(svc_election_get_id(db_get(), id, &e), WEB_OK);
  assert_int_equal(e.at[EV_NOMINATIONS_OPEN], INT64_C(1804410000));
  assert_string_equal(e.local[EV_VOTING_CLOSE], "2027-04-01T17:00");
  svc_election_free(&e);
  assert_int_equal(q1("SELECT utc_offset FROM timetable WHERE event = "
                      "'voting_close'"),
                   3600);
  /* the same values again: no change, no audit */
  s0 = take();
  tt[EV_VOTING_CLOSE] = "2027-04-01T17:00";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v), WEB_OK);
  same(s0);
  /* a change is audited with old and new values; "" clears */
  tt[0] = tt[1] = tt[2] = NULL;
  tt[EV_VOTING_CLOSE] = "";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v), WEB_OK);
  qs("SELECT line FROM audit ORDER BY seq DESC LIMIT 1", line, sizeof line);
  assert_non_null(strstr(line, "\"action\":\"election.timetable\""));
  assert_non_null(strstr(line, "\"detail\":{\"event\":\"voting_close\","
                               "\"old\":{\"local\":\"2027-04-01T17:00\","
                               "\"at\":1806595200},\"new\":null}"));
  assert_int_equal(q1("SELECT count(*) FROM timetable"), 3);
  /* once nominations are open, their opening cannot move; the close can */
  exec_ok("UPDATE elections SET phase = 'nominations'");
  s0 = take();
  tt[EV_VOTING_CLOSE] = NULL;
  tt[EV_NOMINATIONS_OPEN] = "2027-03-08T09:00";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].code, "phase");
  assert_string_equal(v.e[0].field, "nominations_open");
  same(s0);
  tt[EV_NOMINATIONS_OPEN] = "";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  same(s0);
  tt[EV_NOMINATIONS_OPEN] = "2027-03-07T09:00"; /* unchanged: fine */
  tt[EV_NOMINATIONS_CLOSE] = "2027-03-20T17:00";
  assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(take().seq, s0.seq + 1);
  /* the close time has come but the clock thread has not moved the phase
  ** yet (still nominations): the close has happened all the same, so a
  ** new close time must not reopen nominations */
  {
    int64_t close = q1("SELECT at FROM timetable WHERE event = "
                       "'nominations_close'");
    assert_int_equal(close, INT64_C(1805562000)); /* 17:00 GMT */
    s0 = take();
    tt[EV_NOMINATIONS_OPEN] = NULL;
    tt[EV_NOMINATIONS_CLOSE] = "2027-03-21T12:00";
    assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, close + 60, &v),
                     WEB_ECONFLICT);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.e[0].code, "phase");
    assert_string_equal(v.e[0].field, "nominations_close");
    assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, close, &v),
                     WEB_ECONFLICT); /* at the very second, too */
    tt[EV_NOMINATIONS_CLOSE] = "";
    assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, close + 60, &v),
                     WEB_ECONFLICT);
    same(s0);
    /* the same value again is no change; a second before, it may move */
    tt[EV_NOMINATIONS_CLOSE] = "2027-03-20T17:00";
    assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, close + 60, &v),
                     WEB_OK);
    same(s0);
    tt[EV_NOMINATIONS_CLOSE] = "2027-03-21T12:00"; /* <= voting_open */
    assert_int_equal(svc_timetable_set(id, tt, ACTOR, 1, close - 1, &v),
                     WEB_OK);
    assert_int_equal(take().seq, s0.seq + 1);
  }
  /* an unknown election */
  assert_int_equal(svc_timetable_set(9999, tt, ACTOR, 1, NOW, &v),
                   WEB_ENOTFOUND);
  verify_chain();
}

/* ----------------------------------------------------- phase, publish */

static void test_phase_publish(void **state) {
  verr v;
  snap s0;
  int64_t id;
  (void)state;
  id = make_election("e1");
  s0 = take();
  assert_int_equal(svc_election_publish(id, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase");
  assert_int_equal(svc_election_phase(id, PHASE_SETUP, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase_backwards");
  assert_int_equal(svc_election_phase(id, PHASE_VOTING, ACTOR, 1, NOW, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase_order"); /* from review only */
  same(s0);
  assert_int_equal(
      svc_election_phase(id, PHASE_NOMINATIONS, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM phase_changes WHERE by_admin = "
                      "1 AND to_phase = 'nominations'"),
                   1);
  assert_int_equal(svc_election_publish(id, ACTOR, 1, NOW + 5, &v), WEB_OK);
  assert_int_equal(q1("SELECT published_at FROM elections"), NOW + 5);
  s0 = take();
  assert_int_equal(svc_election_publish(id, ACTOR, 1, NOW + 9, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "already_published");
  assert_int_equal(svc_election_phase(id, PHASE_NOMINATIONS, ACTOR, 1, NOW,
                                      &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase_backwards");
  same(s0);
  assert_int_equal(svc_election_phase(id, PHASE_REVIEW, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(svc_election_phase(id, PHASE_NOMINATIONS, ACTOR, 1, NOW,
                                      &v),
                   WEB_ECONFLICT);
  assert_int_equal(svc_election_phase(id, PHASE_CLOSED, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(svc_election_phase(9999, PHASE_CLOSED, ACTOR, 1, NOW, &v),
                   WEB_ENOTFOUND);
  verify_chain();
}

/* ------------------------------------------------------------ contests */

static void test_contests(void **state) {
  svc_constraint_input con[2] = {{"woman", 4, -1}, {"bame", 0, 2}};
  const char *tags[2] = {"member", "region:north"};
  svc_contest_input in = {0};
  svc_contest c;
  svc_constraint *k = NULL;
  char **tg = NULL;
  size_t nk = 0, nt = 0;
  verr v;
  snap s0;
  int64_t id, cid = 0, cat = 0;
  char line[4096];
  (void)state;
  id = make_election("e1");
  assert_int_equal(svc_category_create(id, "woman", "Woman", ACTOR, 1, NOW,
                                       &v, &cat),
                   WEB_OK);
  assert_int_equal(svc_category_create(id, "bame", "BAME", ACTOR, 1, NOW, &v,
                                       NULL),
                   WEB_OK);
  in.slug = "general";
  in.title = "General committee";
  in.seats = 9;
  in.rules = "scottish";
  in.threshold = 2;
  in.threshold_kind = "branch";
  in.constraints = con;
  in.n_constraints = 2;
  in.tags = tags;
  in.n_tags = 2;
  assert_int_equal(svc_contest_create(id, &in, ACTOR, 1, NOW, &v, &cid),
                   WEB_OK);
  assert_int_equal(svc_contest_get_id(db_get(), id, cid, &c), WEB_OK);
  assert_string_equal(c.slug, "general");
  assert_int_equal(c.seats, 9);
  assert_string_equal(c.threshold_kind, "branch");
  assert_int_equal(c.position, 1);
  svc_contest_free(&c);
  assert_int_equal(svc_contest_constraints(db_get(), cid, &k, &nk), WEB_OK);
  assert_int_equal(nk, 2);
  assert_string_equal(k[0].category, "bame"); /* by slug */
  assert_int_equal(k[0].max, 2);
  assert_string_equal(k[1].category, "woman");
  assert_int_equal(k[1].min, 4);
  assert_int_equal(k[1].max, -1);
  svc_constraints_free(k, nk);
  assert_int_equal(svc_contest_tags(db_get(), cid, &tg, &nt), WEB_OK);
  assert_int_equal(nt, 2);
  assert_string_equal(tg[1], "region:north");
  svc_tags_free(tg, nt);

  s0 = take();
  /* unchanged: no audit row */
  assert_int_equal(svc_contest_update(id, cid, &in, ACTOR, 1, NOW, &v),
                   WEB_OK);
  same(s0);
  /* the same constraints in another order are no change either */
  {
    svc_constraint_input rev[2] = {{"bame", 0, 2}, {"woman", 4, -1}};
    in.constraints = rev;
    assert_int_equal(svc_contest_update(id, cid, &in, ACTOR, 1, NOW, &v),
                     WEB_OK);
    same(s0);
    in.constraints = con;
  }
  /* duplicate slug */
  assert_int_equal(svc_contest_create(id, &in, ACTOR, 1, NOW, &v, NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "duplicate");
  assert_string_equal(v.e[0].field, "slug");
  same(s0);
  /* invalid everything */
  {
    svc_constraint_input bad[3] = {
        {"woman", 10, -1}, {"nosuch", 0, -1}, {"woman", 3, 2}};
    const char *btags[3] = {"ok", "Not OK", "ok"};
    svc_contest_input b = in;
    b.slug = "second";
    b.rules = "borda";
    b.threshold = 1001;
    b.threshold_kind = "branches";
    b.constraints = bad;
    b.n_constraints = 3;
    b.tags = btags;
    b.n_tags = 3;
    assert_int_equal(svc_contest_create(id, &b, ACTOR, 1, NOW, &v, NULL),
                     WEB_EINVALID);
    assert_true(has_err(&v, "rules", "unknown_rules"));
    assert_non_null(strstr(verr_msg(&v, "rules"), "scottish"));
    assert_true(has_err(&v, "threshold", "out_of_range"));
    assert_true(has_err(&v, "threshold_kind", "invalid"));
    assert_true(has_err(&v, "constraints.0.min", "out_of_range"));
    assert_true(has_err(&v, "constraints.1.category", "unknown_category"));
    assert_true(has_err(&v, "constraints.2.category", "duplicate"));
    assert_true(has_err(&v, "constraints.2.max", "out_of_range"));
    assert_true(has_err(&v, "eligible_tags.1", "invalid"));
    assert_true(has_err(&v, "eligible_tags.2", "duplicate"));
    same(s0);
    /* seats out of range; threshold without its kind */
    b = in;
    b.slug = "second";
    b.seats = STV_MAX_SEATS + 1;
    b.threshold_kind = NULL;
    b.n_constraints = 0;
    b.n_tags = 0;
    assert_int_equal(svc_contest_create(id, &b, ACTOR, 1, NOW, &v, NULL),
                     WEB_EINVALID);
    assert_true(has_err(&v, "seats", "out_of_range"));
    assert_true(has_err(&v, "threshold_kind", "required"));
    b.seats = 0;
    assert_int_equal(svc_contest_check(db_get(), id, &b, &v), WEB_EINVALID);
    assert_true(has_err(&v, "seats", "out_of_range"));
    /* more than 20 constraints or tags */
    b.seats = 1;
    b.threshold = 0;
    b.n_constraints = SVC_MAX_CONSTRAINTS + 1;
    b.constraints = bad;
    b.n_tags = SVC_MAX_TAGS + 1;
    b.tags = btags;
    assert_int_equal(svc_contest_check(db_get(), id, &b, &v), WEB_EINVALID);
    assert_true(has_err(&v, "constraints", "too_many"));
    assert_true(has_err(&v, "eligible_tags", "too_many"));
    same(s0);
  }
  /* a change: audited with old and new of what changed only */
  in.seats = 7;
  con[0].min = 3;
  in.n_tags = 1;
  assert_int_equal(svc_contest_update(id, cid, &in, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(take().seq, s0.seq + 1);
  qs("SELECT line FROM audit ORDER BY seq DESC LIMIT 1", line, sizeof line);
  assert_non_null(strstr(line, "\"action\":\"contest.update\""));
  assert_non_null(strstr(line, "\"seats\":{\"old\":9,\"new\":7}"));
  assert_non_null(strstr(line, "\"eligible_tags\":{\"old\":[\"member\","
                               "\"region:north\"],\"new\":[\"member\"]}"));
  assert_null(strstr(line, "\"title\":"));
  assert_int_equal(q1("SELECT min_seats FROM contest_constraints WHERE "
                      "category_id = (SELECT id FROM categories WHERE slug "
                      "= 'woman')"),
                   3);
  assert_int_equal(q1("SELECT count(*) FROM contest_eligibility"), 1);
  /* a second contest, then moves */
  {
    svc_contest_input b = {0};
    int64_t c2 = 0;
    b.slug = "bame";
    b.title = "BAME officer";
    b.seats = 1;
    b.rules = "irv";
    assert_int_equal(svc_contest_create(id, &b, ACTOR, 1, NOW, &v, &c2),
                     WEB_OK);
    assert_int_equal(q1("SELECT position FROM contests WHERE slug='bame'"),
                     2);
    s0 = take();
    assert_int_equal(svc_contest_move(id, cid, -1, ACTOR, 1, NOW, &v),
                     WEB_OK); /* already first */
    same(s0);
    assert_int_equal(svc_contest_move(id, c2, -1, ACTOR, 1, NOW, &v),
                     WEB_OK);
    assert_int_equal(q1("SELECT position FROM contests WHERE slug='bame'"),
                     1);
    assert_int_equal(
        q1("SELECT position FROM contests WHERE slug='general'"), 2);
    /* slugs change only in setup */
    exec_ok("UPDATE elections SET phase = 'nominations'");
    s0 = take();
    b.slug = "bame-officer";
    assert_int_equal(svc_contest_update(id, c2, &b, ACTOR, 1, NOW, &v),
                     WEB_ECONFLICT);
    assert_string_equal(v.e[0].code, "phase");
    assert_string_equal(v.e[0].field, "slug");
    same(s0);
    b.slug = "bame";
    b.seats = 2;
    assert_int_equal(svc_contest_update(id, c2, &b, ACTOR, 1, NOW, &v),
                     WEB_OK);
    /* after nominations close, contests are fixed */
    exec_ok("UPDATE elections SET phase = 'review'");
    s0 = take();
    b.seats = 3;
    assert_int_equal(svc_contest_update(id, c2, &b, ACTOR, 1, NOW, &v),
                     WEB_ECONFLICT);
    assert_string_equal(v.e[0].code, "phase");
    b.slug = "third";
    assert_int_equal(svc_contest_create(id, &b, ACTOR, 1, NOW, &v, NULL),
                     WEB_ECONFLICT);
    same(s0);
    /* another election's contest is not found */
    assert_int_equal(svc_contest_update(9999, c2, &b, ACTOR, 1, NOW, &v),
                     WEB_ENOTFOUND);
  }
  verify_chain();
}

/* ------------------------------------------ questions, categories, ... */

static void test_questions(void **state) {
  svc_question_input in = {"Do you support the aims?", "Aims", 1};
  svc_question *q = NULL;
  size_t n = 0;
  verr v;
  snap s0;
  int64_t id, a = 0, b = 0;
  (void)state;
  id = make_election("e1");
  assert_int_equal(svc_question_create(id, &in, ACTOR, 1, NOW, &v, &a),
                   WEB_OK);
  in.text = "Will you attend\r\nmeetings?";
  in.short_label = "Meetings";
  in.allow_comment = 0;
  assert_int_equal(svc_question_create(id, &in, ACTOR, 1, NOW, &v, &b),
                   WEB_OK);
  assert_int_equal(svc_questions(db_get(), id, &q, &n), WEB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(q[0].id, a);
  assert_string_equal(q[1].text, "Will you attend\nmeetings?");
  assert_int_equal(q[1].allow_comment, 0);
  svc_questions_free(q, n);
  s0 = take();
  {
    char long_text[1002], long_short[62];
    memset(long_text, 'x', 1001);
    long_text[1001] = 0;
    memset(long_short, 'y', 61);
    long_short[61] = 0;
    in.text = long_text;
    in.short_label = long_short;
    in.allow_comment = 2;
    assert_int_equal(svc_question_create(id, &in, ACTOR, 1, NOW, &v, NULL),
                     WEB_EINVALID);
    assert_true(has_err(&v, "text", "too_long"));
    assert_true(has_err(&v, "short", "too_long"));
    assert_true(has_err(&v, "allow_comment", "invalid"));
    in.text = "";
    in.short_label = "two\nlines";
    in.allow_comment = 1;
    assert_int_equal(svc_question_update(id, a, &in, ACTOR, 1, NOW, &v),
                     WEB_EINVALID);
    assert_true(has_err(&v, "text", "required"));
    assert_true(has_err(&v, "short", "control"));
  }
  same(s0);
  assert_int_equal(svc_question_move(id, b, -1, ACTOR, 1, NOW, &v), WEB_OK);
  assert_int_equal(svc_questions(db_get(), id, &q, &n), WEB_OK);
  assert_int_equal(q[0].id, b);
  svc_questions_free(q, n);
  in.text = "Do you support the aims and rules?";
  in.short_label = "Aims";
  assert_int_equal(svc_question_update(id, a, &in, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(take().seq, s0.seq + 2);
  assert_int_equal(svc_question_update(id, 9999, &in, ACTOR, 1, NOW, &v),
                   WEB_ENOTFOUND);
  exec_ok("UPDATE elections SET phase = 'review'");
  s0 = take();
  assert_int_equal(svc_question_create(id, &in, ACTOR, 1, NOW, &v, NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "phase");
  same(s0);
  verify_chain();
}

static void test_categories_branches(void **state) {
  svc_category *c = NULL;
  svc_branch *b = NULL;
  size_t n = 0;
  verr v;
  snap s0;
  int64_t id, cat = 0, br = 0;
  char link[TOKEN_LEN + 1], link2[TOKEN_LEN + 1];
  unsigned char h[32];
  (void)state;
  id = make_election("e1");
  assert_int_equal(svc_category_create(id, "woman", "Woman", ACTOR, 1, NOW,
                                       &v, &cat),
                   WEB_OK);
  s0 = take();
  assert_int_equal(svc_category_create(id, "woman", "W", ACTOR, 1, NOW, &v,
                                       NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "duplicate");
  assert_int_equal(svc_category_create(id, "Wo man", "", ACTOR, 1, NOW, &v,
                                       NULL),
                   WEB_EINVALID);
  assert_true(has_err(&v, "slug", "invalid"));
  assert_true(has_err(&v, "label", "required"));
  same(s0);
  assert_int_equal(svc_category_update(id, cat, "Women", ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(svc_categories(db_get(), id, &c, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(c[0].label, "Women");
  svc_categories_free(c, n);

  assert_int_equal(svc_branch_create(id, "Eastfield", ACTOR, 1, NOW, &v, &br,
                                     link),
                   WEB_OK);
  assert_int_equal(strlen(link), TOKEN_LEN);
  auth_token_hash(link, h);
  {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_get(),
                                        "SELECT link_hash FROM branches",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), 32);
    assert_memory_equal(sqlite3_column_blob(st, 0), h, 32);
    sqlite3_finalize(st);
  }
  s0 = take();
  assert_int_equal(svc_branch_create(id, "Eastfield", ACTOR, 1, NOW, &v,
                                     NULL, link2),
                   WEB_ECONFLICT);
  assert_string_equal(link2, "");
  same(s0);
  assert_int_equal(svc_branch_new_link(id, br, ACTOR, 1, NOW, &v, link2),
                   WEB_OK);
  assert_string_not_equal(link, link2);
  auth_token_hash(link2, h);
  assert_int_equal(q1("SELECT count(*) FROM branches WHERE link_hash IS NOT "
                      "NULL"),
                   1);
  assert_int_equal(svc_branches(db_get(), id, &b, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(b[0].has_link, 1);
  svc_branches_free(b, n);
  /* the tokens never reach the audit log */
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE instr(line, "
                      "'Eastfield') > 0"),
                   1);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'branch.new_link'"),
                   1);
  {
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE instr(line, '%s') > 0 OR "
             "instr(line, '%s') > 0",
             link, link2);
    assert_int_equal(q1(sql), 0);
  }
  assert_int_equal(svc_branch_new_link(id, 999, ACTOR, 1, NOW, &v, link2),
                   WEB_ENOTFOUND);
  verify_chain();
}

static void test_tokens(void **state) {
  char tok[SVC_API_TOKEN_SIZE], tok2[SVC_API_TOKEN_SIZE], sql[200];
  svc_token *t = NULL;
  size_t n = 0;
  int64_t id = 0, tid = 0;
  verr v;
  snap s0;
  (void)state;
  assert_int_equal(svc_token_create(1, "Sync script", ACTOR, NOW, &v, &id,
                                    tok),
                   WEB_OK);
  assert_int_equal(strlen(tok), 4 + TOKEN_LEN);
  assert_memory_equal(tok, "hst_", 4);
  assert_int_equal(auth_api_token_admin(tok, NOW, &tid), 1);
  assert_int_equal(tid, id);
  assert_int_equal(svc_tokens(db_get(), 1, &t, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_memory_equal(t[0].prefix, tok, 8);
  assert_string_equal(t[0].label, "Sync script");
  svc_tokens_free(t, n);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM audit WHERE instr(line, '%s') > 0", tok + 8);
  assert_int_equal(q1(sql), 0);
  s0 = take();
  assert_int_equal(svc_token_create(1, "", ACTOR, NOW, &v, NULL, tok2),
                   WEB_EINVALID);
  assert_true(has_err(&v, "label", "required"));
  assert_string_equal(tok2, "");
  assert_int_equal(svc_token_revoke(2, id, "admin:2", NOW, &v),
                   WEB_ENOTFOUND);
  same(s0);
  assert_int_equal(svc_token_revoke(1, id, ACTOR, NOW + 1, &v), WEB_OK);
  assert_int_equal(auth_api_token_admin(tok, NOW + 2, &tid), 0);
  s0 = take();
  assert_int_equal(svc_token_revoke(1, id, ACTOR, NOW + 3, &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "revoked");
  same(s0);
  verify_chain();
}

/* No threshold, no kind: a kind left on a contest without a threshold
** made a branch's link revoke supports in a contest its page hides. */
static void test_threshold_kind(void **state) {
  svc_contest_input in = {0};
  svc_contest c;
  verr v;
  int64_t id, cid = 0;
  (void)state;
  id = make_election("e1");
  in.slug = "general";
  in.title = "General";
  in.seats = 3;
  in.rules = "scottish";
  in.threshold = 0;
  in.threshold_kind = "branch"; /* ignored without a threshold */
  assert_int_equal(svc_contest_create(id, &in, ACTOR, 1, NOW, &v, &cid),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM contests WHERE threshold_kind "
                      "IS NULL"),
                   1);
  assert_int_equal(svc_contest_get_id(db_get(), id, cid, &c), WEB_OK);
  assert_string_equal(c.threshold_kind, "");
  svc_contest_free(&c);
  in.threshold = 2;
  assert_int_equal(svc_contest_update(id, cid, &in, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM contests WHERE threshold_kind = "
                      "'branch' AND threshold = 2"),
                   1);
  /* back to 0 with the kind still given (as a PATCH of the threshold
  ** alone sends it): the kind goes */
  in.threshold = 0;
  assert_int_equal(svc_contest_update(id, cid, &in, ACTOR, 1, NOW, &v),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM contests WHERE threshold_kind "
                      "IS NULL AND threshold = 0"),
                   1);
  verify_chain();
}

/* Inserts n rows of table for election id straight into the database. */
static void fill(const char *table, int64_t id, int n) {
  char sql[512];
  if (strcmp(table, "questions") == 0)
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
             "WHERE i < %d) INSERT INTO questions (election_id, position, "
             "text, short, allow_comment) SELECT %lld, i + 1000, 'Q' || i, "
             "'q' || i, 1 FROM k",
             n, (long long)id);
  else if (strcmp(table, "categories") == 0)
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
             "WHERE i < %d) INSERT INTO categories (election_id, slug, label) "
             "SELECT %lld, 'c' || (i + 1000), 'C' || i FROM k",
             n, (long long)id);
  else if (strcmp(table, "contests") == 0)
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
             "WHERE i < %d) INSERT INTO contests (election_id, slug, title, "
             "position, seats, rules, threshold) SELECT %lld, 'k' || (i + "
             "1000), 'K' || i, i + 1000, 1, 'irv', 0 FROM k",
             n, (long long)id);
  else
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
             "WHERE i < %d) INSERT INTO branches (election_id, name) SELECT "
             "%lld, 'Branch ' || (i + 1000) FROM k",
             n, (long long)id);
  exec_ok(sql);
}

/* At most 100 questions, 100 categories, 100 contests and 1000 branches
** an election: one more is a "too_many" conflict from inside the
** transaction, and the readers refuse a list longer than that. */
static void test_caps(void **state) {
  svc_question_input q = {"One more?", "More", 1};
  svc_contest_input c = {0};
  svc_question *qs_ = NULL;
  svc_category *cs = NULL;
  svc_contest *ks = NULL;
  svc_branch *bs = NULL;
  char link[TOKEN_LEN + 1];
  size_t n = 0;
  verr v;
  snap s0;
  int64_t id, qid = 0;
  (void)state;
  id = make_election("e1");
  /* up to the cap, through the service for the last one */
  fill("questions", id, SVC_MAX_QUESTIONS - 1);
  assert_int_equal(svc_question_create(id, &q, ACTOR, 1, NOW, &v, &qid),
                   WEB_OK);
  fill("categories", id, SVC_MAX_CATEGORIES - 1);
  assert_int_equal(svc_category_create(id, "last", "Last", ACTOR, 1, NOW,
                                       &v, NULL),
                   WEB_OK);
  fill("contests", id, SVC_MAX_CONTESTS - 1);
  c.slug = "last";
  c.title = "Last";
  c.seats = 1;
  c.rules = "irv";
  assert_int_equal(svc_contest_create(id, &c, ACTOR, 1, NOW, &v, NULL),
                   WEB_OK);
  fill("branches", id, SVC_MAX_BRANCHES - 1);
  assert_int_equal(svc_branch_create(id, "Last", ACTOR, 1, NOW, &v, NULL,
                                     link),
                   WEB_OK);
  /* the readers take a full list */
  assert_int_equal(svc_questions(db_get(), id, &qs_, &n), WEB_OK);
  assert_int_equal(n, SVC_MAX_QUESTIONS);
  svc_questions_free(qs_, n);
  assert_int_equal(svc_categories(db_get(), id, &cs, &n), WEB_OK);
  assert_int_equal(n, SVC_MAX_CATEGORIES);
  svc_categories_free(cs, n);
  assert_int_equal(svc_contests(db_get(), id, &ks, &n), WEB_OK);
  assert_int_equal(n, SVC_MAX_CONTESTS);
  svc_contests_free(ks, n);
  assert_int_equal(svc_branches(db_get(), id, &bs, &n), WEB_OK);
  assert_int_equal(n, SVC_MAX_BRANCHES);
  svc_branches_free(bs, n);
  /* one more of each: refused, nothing written */
  s0 = take();
  assert_int_equal(svc_question_create(id, &q, ACTOR, 1, NOW, &v, NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "too_many");
  assert_non_null(strstr(v.e[0].msg, "100 questions"));
  assert_int_equal(svc_category_create(id, "more", "More", ACTOR, 1, NOW, &v,
                                       NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "too_many");
  c.slug = "more";
  assert_int_equal(svc_contest_create(id, &c, ACTOR, 1, NOW, &v, NULL),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "too_many");
  assert_int_equal(svc_branch_create(id, "More", ACTOR, 1, NOW, &v, NULL,
                                     link),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "too_many");
  same(s0);
  /* changing one that exists is still fine at the cap */
  q.text = "Changed?";
  assert_int_equal(svc_question_update(id, qid, &q, ACTOR, 1, NOW, &v),
                   WEB_OK);
  /* a list longer than the cap (written behind the service's back) is
  ** refused by the readers rather than read without end */
  fill("questions", id, 1);
  exec_ok("INSERT INTO categories (election_id, slug, label) VALUES (1, "
          "'extra', 'Extra')");
  exec_ok("INSERT INTO contests (election_id, slug, title, position, seats, "
          "rules, threshold) VALUES (1, 'extra', 'Extra', 9999, 1, 'irv', "
          "0)");
  assert_int_equal(svc_questions(db_get(), id, &qs_, &n), WEB_ETOOBIG);
  assert_null(qs_);
  assert_int_equal(svc_categories(db_get(), id, &cs, &n), WEB_ETOOBIG);
  assert_int_equal(svc_contests(db_get(), id, &ks, &n), WEB_ETOOBIG);
  verify_chain();
}

static void test_readers(void **state) {
  svc_election_item *e = NULL;
  svc_audit_entry *a = NULL;
  svc_org *o = NULL;
  size_t n = 0;
  int64_t seq = 0, e1, e2;
  char head[65];
  svc_election_input in = {0};
  verr v;
  (void)state;
  e1 = make_election("e1");
  in.slug = "theirs";
  in.title = "Theirs";
  assert_int_equal(svc_election_create(&in, 0, "admin:2", 2, NOW, &v, &e2),
                   WEB_OK);
  assert_int_equal(svc_admin_elections(db_get(), 1, &e, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(e[0].slug, "e1");
  svc_election_items_free(e, n);
  assert_int_equal(svc_admin_orgs(db_get(), 2, &o, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(o[0].tz, "UTC");
  svc_orgs_free(o, n);
  /* audit: per election, per admin, paged */
  assert_int_equal(svc_audit_page(db_get(), e2, 0, 0, 100, &a, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(a[0].actor, "admin:2");
  svc_audit_free(a, n);
  assert_int_equal(svc_audit_page(db_get(), 0, 1, 0, 100, &a, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].election_id, e1);
  svc_audit_free(a, n);
  assert_int_equal(svc_audit_page(db_get(), 0, 0, 1, 1, &a, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].seq, 2);
  svc_audit_free(a, n);
  assert_int_equal(svc_audit_head(db_get(), &seq, head), WEB_OK);
  assert_int_equal(seq, 2);
  assert_int_equal(strlen(head), 64);
}

static web_status login_fn(sqlite3 *db, void *ctx) {
  return audit_append(db, NOW, "system", "admin.login", 0, NULL, NULL,
                      (const char *)ctx);
}

/* Whether the entries hold action by actor (NULL: any actor). */
static int seen(const svc_audit_entry *a, size_t n, const char *action,
                const char *actor) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(a[i].action, action) == 0 &&
        (!actor || strcmp(a[i].actor, actor) == 0))
      return 1;
  return 0;
}

/* Entries of no election are shown to the administrator they concern
** (actor admin:ID or one of ID's tokens, or detail "admin" ID) and, when
** they concern no administrator (a system entry without one), to all;
** never another organisation's sign-ins or token labels. */
static void test_audit_privacy(void **state) {
  char tok[SVC_API_TOKEN_SIZE], setup[TOKEN_LEN + 1], actor2[32];
  svc_election_input in = {0};
  svc_audit_entry *a = NULL;
  size_t n = 0, i;
  int64_t t1 = 0, t2 = 0, e2 = 0;
  verr v;
  (void)state;
  make_election("e1");
  in.slug = "theirs";
  in.title = "Theirs";
  assert_int_equal(svc_election_create(&in, 0, "admin:2", 2, NOW, &v, &e2),
                   WEB_OK);
  assert_int_equal(auth_setup_link_new(NOW, setup), WEB_OK);
  assert_int_equal(db_write(login_fn, "{\"admin\":1}"), WEB_OK);
  assert_int_equal(db_write(login_fn, "{\"admin\":2}"), WEB_OK);
  assert_int_equal(svc_token_create(1, "Ours", ACTOR, NOW, &v, &t1, tok),
                   WEB_OK);
  assert_int_equal(svc_token_create(2, "Secret sync", "admin:2", NOW, &v,
                                    &t2, tok),
                   WEB_OK);
  snprintf(actor2, sizeof actor2, "token:%lld", (long long)t2);
  /* admin 2's token revokes itself: actor token:T2 */
  assert_int_equal(svc_token_revoke(2, t2, actor2, NOW, &v), WEB_OK);

  assert_int_equal(svc_audit_page(db_get(), 0, 1, 0, 1000, &a, &n), WEB_OK);
  assert_true(seen(a, n, "election.create", ACTOR));
  assert_true(seen(a, n, "token.create", ACTOR));
  assert_true(seen(a, n, "setup_link.issue", "system"));
  assert_true(seen(a, n, "admin.login", NULL));
  assert_false(seen(a, n, "token.revoke", NULL));
  assert_false(seen(a, n, "election.create", "admin:2"));
  assert_false(seen(a, n, "token.create", "admin:2"));
  for (i = 0; i < n; i++) {
    assert_null(strstr(a[i].line, "Secret sync"));
    assert_null(strstr(a[i].line, "\"admin\":2"));
  }
  assert_int_equal(n, 4); /* e1, the setup link, its login, its token */
  svc_audit_free(a, n);
  /* the same, newest first, for the audit page */
  assert_int_equal(svc_audit_back(db_get(), 1, INT64_MAX, 1000, &a, &n),
                   WEB_OK);
  assert_int_equal(n, 4);
  assert_string_equal(a[0].action, "token.create");
  assert_true(a[0].seq > a[1].seq);
  for (i = 0; i < n; i++) assert_null(strstr(a[i].line, "Secret sync"));
  svc_audit_free(a, n);
  assert_int_equal(svc_audit_back(db_get(), 1, 3, 1000, &a, &n), WEB_OK);
  for (i = 0; i < n; i++) assert_true(a[i].seq < 3);
  svc_audit_free(a, n);
  /* the other way round */
  assert_int_equal(svc_audit_page(db_get(), 0, 2, 0, 1000, &a, &n), WEB_OK);
  assert_true(seen(a, n, "election.create", "admin:2"));
  assert_true(seen(a, n, "token.create", "admin:2"));
  assert_true(seen(a, n, "token.revoke", actor2));
  assert_true(seen(a, n, "setup_link.issue", "system"));
  assert_false(seen(a, n, "token.create", ACTOR));
  assert_false(seen(a, n, "election.create", ACTOR));
  for (i = 0; i < n; i++) assert_null(strstr(a[i].line, "\"admin\":1"));
  assert_int_equal(n, 5);
  svc_audit_free(a, n);
  /* admin_id 0: everything (the command line's view) */
  assert_int_equal(svc_audit_page(db_get(), 0, 0, 0, 1000, &a, &n), WEB_OK);
  assert_int_equal(n, (size_t)q1("SELECT count(*) FROM audit"));
  svc_audit_free(a, n);
  (void)e2;
  verify_chain();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_time_parse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_election_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_election_update, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timetable, setup, teardown),
      cmocka_unit_test_setup_teardown(test_phase_publish, setup, teardown),
      cmocka_unit_test_setup_teardown(test_contests, setup, teardown),
      cmocka_unit_test_setup_teardown(test_questions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_categories_branches, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_threshold_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_audit_privacy, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
