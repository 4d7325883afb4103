/*
** test_web_phase.c: phases and the timetable clock (svc_election.c):
** svc_phase_move goes forward only and records phase_changes and an
** audit row; svc_timetable_tick makes the moves whose deadlines have
** passed (several in one tick when several have), as actor "timetable",
** and answers the next deadline.
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

#include "svc.h"
#include "web.h"
#include "web_fixture.h"

#define T0 1800000000LL

static wf_db fx; /* the group's database */

static svc_phase phase_of(int64_t id) {
  svc_election e;
  svc_phase p;
  assert_int_equal(svc_election_get_id(db_get(), id, &e), WEB_OK);
  p = e.phase;
  svc_election_free(&e);
  return p;
}

/* Election 1 opens at T0+100 and closes at T0+200; election 2 opened at
** T0-200 and closed at T0-100 but is still in setup (the server was
** down); election 3 has no timetable. */
static int setup(void **state) {
  char sql[1024];
  (void)state;
  if (wf_db_open(&fx, "phase", 0) != 0) return -1;
  snprintf(sql, sizeof sql,
           "INSERT INTO orgs (id, slug, name) VALUES (1, 'o', 'O');"
           "INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES "
           "(1, 'a@example.org', 'A', 'x', 0);"
           "INSERT INTO elections (id, org_id, slug, title, tz, created_at) "
           "VALUES (1, 1, 'one', 'One', 'UTC', 0), (2, 1, 'two', 'Two', "
           "'UTC', 0), (3, 1, 'three', 'Three', 'UTC', 0);"
           "INSERT INTO timetable VALUES "
           "(1, 'nominations_open', %lld, 'x', 0),"
           "(1, 'nominations_close', %lld, 'x', 0),"
           "(2, 'nominations_open', %lld, 'x', 0),"
           "(2, 'nominations_close', %lld, 'x', 0);",
           T0 + 100, T0 + 200, T0 - 200, T0 - 100);
  exec_ok(sql);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  wf_db_close(&fx);
  return 0;
}

static void test_tick(void **state) {
  (void)state;
  /* election 2's two deadlines have both passed: two moves in one tick;
  ** election 1's first comes next */
  assert_int_equal(svc_timetable_tick(T0), T0 + 100);
  assert_int_equal(phase_of(2), PHASE_REVIEW);
  assert_int_equal(phase_of(1), PHASE_SETUP);
  assert_int_equal(phase_of(3), PHASE_SETUP);
  assert_int_equal(q1("SELECT count(*) FROM phase_changes WHERE "
                      "election_id = 2 AND by_admin IS NULL"), 2);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE actor = 'timetable' "
                      "AND action = 'election.phase' AND election_id = 2"),
                   2);
  /* nothing due: nothing changes */
  assert_int_equal(svc_timetable_tick(T0 + 99), T0 + 100);
  assert_int_equal(q1("SELECT count(*) FROM phase_changes"), 2);
  /* at the deadline itself */
  assert_int_equal(svc_timetable_tick(T0 + 100), T0 + 200);
  assert_int_equal(phase_of(1), PHASE_NOMINATIONS);
  assert_int_equal(svc_timetable_tick(T0 + 200), 0);
  assert_int_equal(phase_of(1), PHASE_REVIEW);
  /* each phase_changes row points at its own audit entry */
  assert_int_equal(q1("SELECT count(*) FROM phase_changes p JOIN audit a ON "
                      "a.seq = p.audit_seq WHERE a.action = 'election.phase' "
                      "AND a.election_id = p.election_id"),
                   4);
  {
    int64_t n, bad;
    char head[65];
    assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
    assert_int_equal(n, 4);
  }
}

struct move {
  int64_t id;
  svc_phase to;
};

static web_status do_move(sqlite3 *db, void *ctx) {
  const struct move *m = ctx;
  return svc_phase_move(db, m->id, m->to, "admin:1", 1, T0 + 300, NULL);
}

static void test_move_forward_only(void **state) {
  struct move m = {3, PHASE_NOMINATIONS};
  int64_t before;
  (void)state;
  assert_int_equal(db_write(do_move, &m), WEB_OK);
  assert_int_equal(phase_of(3), PHASE_NOMINATIONS);
  assert_int_equal(q1("SELECT by_admin FROM phase_changes WHERE "
                      "election_id = 3"), 1);
  before = q1("SELECT max(seq) FROM audit");
  m.to = PHASE_SETUP; /* backwards */
  assert_int_equal(db_write(do_move, &m), WEB_ECONFLICT);
  m.to = PHASE_NOMINATIONS; /* standing still */
  assert_int_equal(db_write(do_move, &m), WEB_ECONFLICT);
  assert_int_equal(phase_of(3), PHASE_NOMINATIONS);
  assert_int_equal(q1("SELECT max(seq) FROM audit"), before);
  m.id = 99; /* no such election */
  m.to = PHASE_REVIEW;
  assert_int_equal(db_write(do_move, &m), WEB_ENOTFOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tick),
      cmocka_unit_test(test_move_forward_only),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
