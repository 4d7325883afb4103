/*
** testutil.c: the cmocka checks declared in testutil.h, linked into every
** integration test (tests/web/test_*.c) beside client.c.  Each prints
** what it saw (cmocka's print_error) and fails at the caller's line
** (_fail).  Owns nothing past a call but the json_t it returns.
*/
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "testutil.h"

extern char **environ;

void tu_check_status_at(const hc_resp *r, int want, const char *file,
                        int line) {
  if (r->status != want) {
    print_error("status %d (client error %d), wanted %d; body: %.1000s\n",
                r->status, r->err, want, r->body ? r->body : "");
    _fail(file, line);
  }
}

void tu_has_at(const hc_resp *r, const char *s, int want, const char *file,
               int line) {
  if ((hc_find(r->body, s) != NULL) != want) {
    print_error("body %s \"%s\" (status %d): %.1000s\n",
                want ? "lacks" : "contains", s, r->status,
                r->body ? r->body : "");
    _fail(file, line);
  }
}

json_t *tu_body_json(const hc_resp *r) {
  json_error_t e;
  json_t *j = json_loads(r->body ? r->body : "", 0, &e);
  if (!j) fail_msg("not JSON (%s): %.300s", e.text, r->body);
  return j;
}

json_t *tu_api_error_at(const hc_resp *r, int status, const char *code,
                        const char *file, int line) {
  json_t *j, *e;
  const char *c;
  tu_check_status_at(r, status, file, line);
  j = tu_body_json(r);
  e = json_object_get(j, "error");
  c = json_string_value(json_object_get(e, "code"));
  if (!json_is_object(e) ||
      json_integer_value(json_object_get(e, "status")) != status ||
      !json_is_string(json_object_get(e, "message")) || !c ||
      strcmp(c, code) != 0) {
    print_error("wanted error %d %s: %s\n", status, code, r->body);
    json_decref(j);
    _fail(file, line);
  }
  return j;
}

tu_snap tu_snap_take(const hc_server *srv, const char *const sql[]) {
  tu_snap s;
  memset(&s, 0, sizeof s);
  s.sql = sql;
  for (s.n = 0; sql[s.n]; s.n++) {
    if (s.n == TU_SNAP_MAX) fail_msg("more than %d queries", TU_SNAP_MAX);
    s.v[s.n] = hc_sql(srv, sql[s.n]);
    if (s.v[s.n] == INT64_MIN) fail_msg("snapshot query failed: %s", sql[s.n]);
  }
  return s;
}

void tu_same_at(const hc_server *srv, const tu_snap *before, const char *file,
                int line) {
  tu_snap now = tu_snap_take(srv, before->sql);
  int changed = 0;
  for (size_t i = 0; i < before->n; i++)
    if (before->v[i] != now.v[i]) {
      print_error("changed: %s: %lld -> %lld\n", before->sql[i],
                  (long long)before->v[i], (long long)now.v[i]);
      changed = 1;
    }
  if (changed) _fail(file, line);
}

int tu_run(char *const argv[], const char *out, const char *cwd) {
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int st = 0;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (cwd) posix_spawn_file_actions_addchdir_np(&fa, cwd);
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void tu_voting_code(const char *dbpath, const char *addr, char code[27]) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  const char *p = NULL;
  code[0] = 0;
  if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    fail_msg("cannot open %s: %s", dbpath, db ? sqlite3_errmsg(db) : "");
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_prepare_v2(db, "SELECT body FROM outbox WHERE to_addr = ?1 "
                             "ORDER BY id DESC LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    fail_msg("outbox query: %s", sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    p = strstr((const char *)sqlite3_column_text(st, 0), "/v/");
  if (p && strlen(p) >= 29) {
    memcpy(code, p + 3, 26);
    code[26] = 0;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (strlen(code) != 26) fail_msg("no voting link for %s", addr);
}

int tu_voting_demo(const char *argv0, const char *label, const char *pw,
                   char dir[256], char demo[300], hc_server **srv,
                   char token[128]) {
  const char *bin = hc_bin_from_argv0(argv0);
  const char *tmp = getenv("TMPDIR");
  char out[320], csrf[65];
  char *demo_argv[] = {(char *)bin, "demo", "--db", demo, "--voting", NULL};
  const char *extra[] = {"--db", demo, "--trust-proxy", "127.0.0.1",
                         "--mail", "none", NULL};
  snprintf(dir, 256, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", label);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "# mkdtemp %s failed\n", dir);
    return -1;
  }
  snprintf(demo, 300, "%s/demo.db", dir);
  snprintf(out, sizeof out, "%s/demo.out", dir);
  if (tu_run(demo_argv, out, NULL) != 0) {
    fprintf(stderr, "# %s demo --db %s --voting failed\n", bin, demo);
    return -1;
  }
  *srv = hc_start(bin, extra);
  if (!*srv) return -1;
  if (!hc_setup_admin(*srv, "Northfield", "ro@example.org",
                      "Returning Officer", pw, csrf) ||
      !hc_make_token(*srv, label, token, 128))
    return -1;
  hc_jar_clear(*srv);
  return 0;
}
