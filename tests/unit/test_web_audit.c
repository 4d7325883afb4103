/*
** test_web_audit.c: the hash-chained audit log (src/web/audit.c) and the
** audit-verify command (src/web/cmd.c).  The chain head is recomputed here
** independently with crypto_generichash, one entry is checked with the
** b2sum program, the triggers refuse UPDATE and DELETE, and tampering
** (a line, a hash, a column, a gap in seq) is reported at the right seq.
** Each test has a fresh database in its own mkdtemp directory.
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
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>

#include "service.h"
#include "web.h"
#include "web_fixture.h"

typedef wf_db fix;

static int setup(void **state) {
  return (*state = wf_db_new("audit", 0)) ? 0 : -1;
}

static int teardown(void **state) {
  wf_db_free(*state);
  return 0;
}

#define T0 1700000000

/* Appends n entries, in one transaction each, as the service does. */
typedef struct app {
  int i;
  int64_t election_id;
} app;

static web_status append_fn(sqlite3 *db, void *arg) {
  app *a = arg;
  char detail[64];
  snprintf(detail, sizeof(detail), "{\"n\":%d,\"note\":\"caf\xc3\xa9\"}", a->i);
  return audit_append(db, T0 + a->i, a->i % 2 ? "admin:1" : "system",
                      "test.step", a->i % 3 ? 0 : a->election_id, NULL,
                      a->i % 5 ? NULL : "nomination:12",
                      a->i % 7 ? detail : NULL);
}

static void append_n(int n) {
  app a = {0, 0};
  exec_ok("INSERT INTO orgs (id, slug, name) VALUES (1, 'nsn', 'N')");
  exec_ok("INSERT INTO elections (id, org_id, slug, title, tz, created_at)"
          " VALUES (4, 1, 'steering-2027', 'S', 'Europe/London', 0)");
  a.election_id = 4;
  for (a.i = 1; a.i <= n; a.i++)
    assert_int_equal(db_write(append_fn, &a), WEB_OK);
}

/* The chain recomputed from the stored lines with libsodium directly. */
static void independent_head(char out[65]) {
  sqlite3_stmt *st = NULL;
  char prev[65];
  unsigned char d[32];
  memset(prev, '0', 64);
  prev[64] = '\0';
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "SELECT line FROM audit ORDER BY seq",
                                      -1, &st, NULL),
                   SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 0);
    size_t n = strlen(prev) + 1 + strlen(line);
    char *msg = malloc(n + 1);
    assert_non_null(msg);
    snprintf(msg, n + 1, "%s\n%s", prev, line);
    crypto_generichash(d, sizeof(d), (unsigned char *)msg, n, NULL, 0);
    sodium_bin2hex(prev, sizeof(prev), d, sizeof(d));
    free(msg);
  }
  sqlite3_finalize(st);
  memcpy(out, prev, 65);
}

static char *line_of(int64_t seq, char *hash_out) {
  sqlite3_stmt *st = NULL;
  char *line = NULL;
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "SELECT line, hash FROM audit"
                                      " WHERE seq = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, seq);
  if (sqlite3_step(st) == SQLITE_ROW) {
    line = strdup((const char *)sqlite3_column_text(st, 0));
    if (hash_out)
      memcpy(hash_out, sqlite3_column_text(st, 1), 65);
  }
  sqlite3_finalize(st);
  assert_non_null(line);
  return line;
}

static void test_empty(void **state) {
  int64_t n = -1, bad = -1;
  char head[65];
  (void)state;
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 0);
  assert_int_equal(bad, 0);
  assert_int_equal(strspn(head, "0"), 64);
  assert_int_equal(strlen(head), 64);
}

static void test_chain_100(void **state) {
  int64_t n = 0, bad = -1;
  char head[65], want[65], h1[65];
  char *l1, *l3, *l5, *l7;
  (void)state;
  append_n(100);
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 100);
  assert_int_equal(bad, 0);
  independent_head(want);
  assert_string_equal(head, want);
  /* the canonical lines, byte for byte */
  l1 = line_of(1, h1);
  assert_string_equal(l1, "{\"seq\":1,\"at\":1700000001,\"actor\":\"admin:1\","
                          "\"action\":\"test.step\",\"election\":null,"
                          "\"object\":null,\"detail\":{\"n\":1,"
                          "\"note\":\"caf\xc3\xa9\"}}");
  l3 = line_of(3, NULL); /* election looked up from its id */
  assert_string_equal(l3, "{\"seq\":3,\"at\":1700000003,\"actor\":\"admin:1\","
                          "\"action\":\"test.step\",\"election\":"
                          "\"steering-2027\",\"object\":null,\"detail\":"
                          "{\"n\":3,\"note\":\"caf\xc3\xa9\"}}");
  l5 = line_of(5, NULL);
  assert_non_null(strstr(l5, "\"object\":\"nomination:12\""));
  l7 = line_of(7, NULL); /* NULL detail is {} */
  assert_non_null(strstr(l7, "\"detail\":{}}"));
  /* the first hash: BLAKE2b-256 of 64 zeros, LF, line */
  {
    char msg[512];
    unsigned char d[32];
    char hex[65];
    int len = snprintf(msg, sizeof(msg), "%064d\n%s", 0, l1);
    crypto_generichash(d, 32, (unsigned char *)msg, (size_t)len, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), d, 32);
    assert_string_equal(hex, h1);
  }
  /* election_id column */
  {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db_get(), "SELECT count(*) FROM audit WHERE"
                                 " election_id = 4", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 33);
    sqlite3_finalize(st);
  }
  free(l1);
  free(l3);
  free(l5);
  free(l7);
}

/* The b2sum program agrees (coreutils): prev "\n" line for seq 2. */
static void test_b2sum(void **state) {
  fix *f = *state;
  char h1[65], h2[65], cmd[256], out[128] = "", p[160];
  char *l2;
  FILE *fp;
  append_n(2);
  free(line_of(1, h1));
  l2 = line_of(2, h2);
  snprintf(p, sizeof(p), "%s.b2", f->path);
  fp = fopen(p, "w");
  assert_non_null(fp);
  fprintf(fp, "%s\n%s", h1, l2);
  fclose(fp);
  free(l2);
  snprintf(cmd, sizeof(cmd), "b2sum -l 256 < %s 2>/dev/null", p);
  fp = popen(cmd, "r");
  assert_non_null(fp);
  if (!fgets(out, sizeof(out), fp)) out[0] = '\0';
  if (pclose(fp) != 0 || !out[0]) skip(); /* no b2sum on this machine */
  assert_int_equal(strncmp(out, h2, 64), 0);
}

static void test_triggers(void **state) {
  sqlite3 *db = db_get();
  int rc;
  (void)state;
  append_n(3);
  rc = sqlite3_exec(db, "UPDATE audit SET at = 0 WHERE seq = 2", NULL, NULL,
                    NULL);
  assert_int_equal(rc, SQLITE_CONSTRAINT_TRIGGER);
  assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
  rc = sqlite3_exec(db, "DELETE FROM audit WHERE seq = 3", NULL, NULL, NULL);
  assert_int_equal(rc, SQLITE_CONSTRAINT_TRIGGER);
  assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
  rc = sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL);
  assert_int_equal(rc, SQLITE_CONSTRAINT_TRIGGER);
}

static web_status bad_detail_fn(sqlite3 *db, void *arg) {
  return audit_append(db, T0, "system", "x.y", 0, NULL, NULL, arg);
}

static void test_refusals(void **state) {
  int64_t n = -1, bad = 0;
  char head[65];
  (void)state;
  /* outside a transaction */
  assert_int_equal(audit_append(db_get(), T0, "system", "x.y", 0, NULL, NULL,
                                NULL),
                   WEB_EDB);
  /* detail must be one JSON object on one line */
  assert_int_equal(db_write(bad_detail_fn, "[1]"), WEB_EJSON);
  assert_int_equal(db_write(bad_detail_fn, "{"), WEB_EJSON);
  assert_int_equal(db_write(bad_detail_fn, "{\"a\":1,\"a\":2}"), WEB_EJSON);
  assert_int_equal(db_write(bad_detail_fn, "{\"a\":\n1}"), WEB_EJSON);
  assert_int_equal(db_write(bad_detail_fn, "{} {}"), WEB_EJSON);
  assert_int_equal(db_write(bad_detail_fn, "{\"k\":\"\xff\"}"), WEB_EJSON);
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 0);
  assert_int_equal(db_write(bad_detail_fn, "{\"a\":[1,{\"b\":null}]}"),
                   WEB_OK);
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 1);
}

static void expect_broken(int64_t want_bad, int64_t want_good) {
  int64_t n = -1, bad = 0;
  char head[65];
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_ECONFLICT);
  assert_int_equal(bad, want_bad);
  assert_int_equal(n, want_good);
}

static void test_tamper_line(void **state) {
  (void)state;
  append_n(100);
  exec_ok("DROP TRIGGER audit_no_update");
  exec_ok("UPDATE audit SET line = replace(line, '\"n\":37', '\"n\":38')"
          " WHERE seq = 37");
  expect_broken(37, 36);
}

static void test_tamper_hash(void **state) {
  (void)state;
  append_n(100);
  exec_ok("DROP TRIGGER audit_no_update");
  exec_ok("UPDATE audit SET hash = '" /* 64 x 'a' */
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
          " WHERE seq = 50");
  expect_broken(50, 49);
}

/* A forger who rewrites a line and its hash consistently is caught at the
** next entry, which chains from the original hash. */
static void test_tamper_rehash(void **state) {
  char prev[65], hex[65], msg[1024];
  char *line, *forged;
  unsigned char d[32];
  sqlite3_stmt *st = NULL;
  int len;
  (void)state;
  append_n(100);
  free(line_of(49, prev));
  line = line_of(50, NULL);
  forged = strdup(line);
  assert_non_null(strstr(forged, "test.step"));
  memcpy(strstr(forged, "test.step"), "test.stop", 9);
  len = snprintf(msg, sizeof(msg), "%s\n%s", prev, forged);
  crypto_generichash(d, 32, (unsigned char *)msg, (size_t)len, NULL, 0);
  sodium_bin2hex(hex, sizeof(hex), d, 32);
  exec_ok("DROP TRIGGER audit_no_update");
  assert_int_equal(sqlite3_prepare_v2(db_get(), "UPDATE audit SET line = ?1,"
                                      " action = 'test.stop', hash = ?2"
                                      " WHERE seq = 50", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, forged, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  expect_broken(51, 50);
  free(line);
  free(forged);
}

static void test_tamper_column(void **state) {
  (void)state;
  append_n(20);
  exec_ok("DROP TRIGGER audit_no_update");
  exec_ok("UPDATE audit SET actor = 'admin:2' WHERE seq = 12");
  expect_broken(12, 11);
}

static void test_gap(void **state) {
  (void)state;
  append_n(30);
  exec_ok("DROP TRIGGER audit_no_delete");
  exec_ok("DELETE FROM audit WHERE seq = 20");
  expect_broken(20, 19);
}

/* A forger who deletes the last entry and appends a consistent one with
** the next seq but one: every hash recomputes, only seq shows the gap. */
static void test_gap_rechained(void **state) {
  char prev[65], hex[65], msg[1024];
  char *line, *forged, *p;
  unsigned char d[32];
  sqlite3_stmt *st = NULL;
  int len;
  (void)state;
  append_n(30);
  free(line_of(29, prev));
  line = line_of(30, NULL);
  p = strstr(line, "\"seq\":30,");
  assert_ptr_equal(p, line + 1);
  forged = strdup(line);
  forged[8] = '1'; /* "seq":31 */
  len = snprintf(msg, sizeof(msg), "%s\n%s", prev, forged);
  crypto_generichash(d, 32, (unsigned char *)msg, (size_t)len, NULL, 0);
  sodium_bin2hex(hex, sizeof(hex), d, 32);
  exec_ok("DROP TRIGGER audit_no_delete");
  exec_ok("DELETE FROM audit WHERE seq = 30");
  assert_int_equal(sqlite3_prepare_v2(db_get(), "INSERT INTO audit (seq, at,"
                                      " actor, action, election_id, line,"
                                      " hash) SELECT 31, at, actor, action,"
                                      " election_id, ?1, ?2 FROM audit"
                                      " WHERE seq = 29", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, forged, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  /* at/actor must match the line: 29 and 30 differ in both, so copy 30's */
  exec_ok("DROP TRIGGER audit_no_update");
  exec_ok("UPDATE audit SET at = 1700000030, actor = 'system' WHERE seq = 31");
  expect_broken(30, 29);
  free(line);
  free(forged);
}

static void test_gap_at_start(void **state) {
  (void)state;
  append_n(5);
  exec_ok("DROP TRIGGER audit_no_delete");
  exec_ok("DELETE FROM audit WHERE seq = 1");
  expect_broken(1, 0);
}

/* Four threads appending at once, each on its own connection: BEGIN
** IMMEDIATE serialises them, so the chain stays whole. */
static void *appender(void *arg) {
  app a = {0, 0};
  int k;
  web_status *res = arg;
  *res = WEB_OK;
  for (k = 0; k < 50 && *res == WEB_OK; k++) {
    a.i = k + 1;
    *res = db_write(append_fn, &a);
  }
  db_close_thread();
  return NULL;
}

static void test_concurrent(void **state) {
  pthread_t th[4];
  web_status res[4];
  int64_t n = 0, bad = 0;
  char head[65], want[65];
  int i;
  (void)state;
  for (i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&th[i], NULL, appender, &res[i]), 0);
  for (i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(res[i], WEB_OK);
  }
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 200);
  independent_head(want);
  assert_string_equal(head, want);
}

/* The command: exit statuses of service.h. */
static void test_command(void **state) {
  fix *f = *state;
  char *ok_argv[] = {"audit-verify", "--db", f->path, NULL};
  char *bad_argv[] = {"audit-verify", "--nope", NULL};
  char *missing_argv[] = {"audit-verify", "--db", "/nonexistent/x.db", NULL};
  append_n(10);
  assert_int_equal(web_audit_verify_main(3, ok_argv), 0);
  assert_int_equal(web_audit_verify_main(2, bad_argv), 3);
  assert_int_equal(web_audit_verify_main(3, missing_argv), 2);
  exec_ok("DROP TRIGGER audit_no_update");
  exec_ok("UPDATE audit SET line = line || ' ' WHERE seq = 4");
  assert_int_equal(web_audit_verify_main(3, ok_argv), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chain_100, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b2sum, setup, teardown),
      cmocka_unit_test_setup_teardown(test_triggers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tamper_line, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tamper_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tamper_rehash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tamper_column, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gap_rechained, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gap_at_start, setup, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_command, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
