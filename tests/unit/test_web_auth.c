/*
** test_web_auth.c: src/web/auth.c and the admin-link command: the key
** file (created 0600, reloaded identical, wrong size and loose modes
** refused), token format, keyed token hashes, CSRF, argon2 passwords and
** the dummy verify, the setup link (once, expiry, superseded), sessions
** (idle and absolute expiry, refresh, end, disabled admin) and API tokens
** (revoked, wrong prefix).  Times are passed as now directly.  Each test
** has a fresh database and key in its own mkdtemp directory.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "service.h"
#include "web.h"
#include "web_fixture.h"

typedef wf_db fix;

static int setup(void **state) {
  return (*state = wf_db_new("auth", 1)) ? 0 : -1;
}

/* test_key_file also makes other.db.key in the directory. */
static int teardown(void **state) {
  fix *f = *state;
  char p[160];
  snprintf(p, sizeof(p), "%s/other.db.key", f->dir);
  unlink(p);
  wf_db_free(f);
  return 0;
}

#define T0 ((int64_t)1700000000)

/* -------------------------------------------------------------- the key */

static void test_key_file(void **state) {
  fix *f = *state;
  char kp[160], err[256];
  unsigned char first[32], disk[32];
  struct stat sb;
  FILE *fp;
  snprintf(kp, sizeof(kp), "%s.key", f->path);
  assert_int_equal(stat(kp, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(sb.st_size, 32);
  fp = fopen(kp, "rb");
  assert_non_null(fp);
  assert_int_equal(fread(disk, 1, 32, fp), 32);
  fclose(fp);
  assert_memory_equal(disk, auth_key, 32);
  /* not all zeros: really random */
  memset(first, 0, sizeof(first));
  assert_memory_not_equal(auth_key, first, 32);
  /* reloaded identical */
  memcpy(first, auth_key, 32);
  memset(auth_key, 0, sizeof(auth_key));
  assert_int_equal(auth_load_key(f->path, err, sizeof(err)), WEB_OK);
  assert_memory_equal(auth_key, first, 32);
  /* group-readable: refused, with what to do */
  assert_int_equal(chmod(kp, 0640), 0);
  assert_int_equal(auth_load_key(f->path, err, sizeof(err)), WEB_EIO);
  assert_non_null(strstr(err, "chmod 600"));
  assert_int_equal(chmod(kp, 0604), 0);
  assert_int_equal(auth_load_key(f->path, err, sizeof(err)), WEB_EIO);
  assert_int_equal(chmod(kp, 0600), 0);
  /* wrong size: refused */
  fp = fopen(kp, "ab");
  assert_non_null(fp);
  fputc('x', fp);
  fclose(fp);
  assert_int_equal(auth_load_key(f->path, err, sizeof(err)), WEB_EIO);
  assert_non_null(strstr(err, "33 bytes"));
  assert_int_equal(truncate(kp, 0), 0);
  assert_int_equal(auth_load_key(f->path, err, sizeof(err)), WEB_EIO);
  /* another database gets another key */
  {
    char other[160];
    snprintf(other, sizeof(other), "%s/other.db", f->dir);
    assert_int_equal(auth_load_key(other, err, sizeof(err)), WEB_OK);
    assert_memory_not_equal(auth_key, first, 32);
  }
}

/* --------------------------------------------------------------- tokens */

static int b64url(const char *s) {
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-_") == strlen(s);
}

static void test_tokens(void **state) {
  char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], api[4 + TOKEN_LEN + 1];
  char small[TOKEN_LEN];
  unsigned char h1[32], h2[32], h3[32], want[32];
  (void)state;
  auth_token_new(NULL, a, sizeof(a));
  auth_token_new(NULL, b, sizeof(b));
  assert_int_equal(strlen(a), 43);
  assert_true(b64url(a));
  assert_string_not_equal(a, b);
  auth_token_new("hst_", api, sizeof(api));
  assert_int_equal(strlen(api), 47);
  assert_int_equal(strncmp(api, "hst_", 4), 0);
  assert_true(b64url(api + 4));
  auth_token_new(NULL, small, sizeof(small)); /* too small: empty */
  assert_string_equal(small, "");
  /* hash: deterministic, keyed, = BLAKE2b-256 keyed with auth_key */
  auth_token_hash(a, h1);
  auth_token_hash(a, h2);
  assert_memory_equal(h1, h2, 32);
  crypto_generichash(want, 32, (const unsigned char *)a, strlen(a), auth_key,
                     32);
  assert_memory_equal(h1, want, 32);
  auth_token_hash(b, h3);
  assert_memory_not_equal(h1, h3, 32);
  auth_key[0] ^= 1;
  auth_token_hash(a, h3);
  auth_key[0] ^= 1;
  assert_memory_not_equal(h1, h3, 32);
}

static void test_csrf(void **state) {
  unsigned char cookie[32], other[32];
  char tok[65], bad[70];
  (void)state;
  randombytes_buf(cookie, sizeof(cookie));
  memcpy(other, cookie, 32);
  other[31] ^= 0x80;
  auth_csrf(cookie, tok);
  assert_int_equal(strlen(tok), 64);
  assert_int_equal(strspn(tok, "0123456789abcdef"), 64);
  assert_true(auth_csrf_ok(cookie, tok));
  assert_false(auth_csrf_ok(other, tok)); /* another cookie's */
  memcpy(bad, tok, 65);
  bad[10] = bad[10] == 'a' ? 'b' : 'a'; /* forged */
  assert_false(auth_csrf_ok(cookie, bad));
  memcpy(bad, tok, 65);
  bad[63] = '\0'; /* too short */
  assert_false(auth_csrf_ok(cookie, bad));
  snprintf(bad, sizeof(bad), "%s0", tok); /* too long */
  assert_false(auth_csrf_ok(cookie, bad));
  assert_false(auth_csrf_ok(cookie, ""));
  assert_false(auth_csrf_ok(cookie, NULL));
  memcpy(bad, tok, 65);
  { /* upper case is not the token */
    size_t i;
    int changed = 0;
    for (i = 0; i < 64; i++)
      if (bad[i] >= 'a' && bad[i] <= 'f') {
        bad[i] = (char)(bad[i] - 'a' + 'A');
        changed = 1;
      }
    if (changed) assert_false(auth_csrf_ok(cookie, bad));
  }
  /* keyed: another key, another token */
  auth_key[5] ^= 1;
  assert_false(auth_csrf_ok(cookie, tok));
  auth_key[5] ^= 1;
  assert_true(auth_csrf_ok(cookie, tok));
}

static int64_t elapsed_ms(const struct timespec *a, const struct timespec *b) {
  return (int64_t)(b->tv_sec - a->tv_sec) * 1000 +
         (int64_t)(b->tv_nsec - a->tv_nsec) / 1000000;
}

static void test_passwords(void **state) {
  char h[128], h2[128];
  struct timespec t0, t1;
  (void)state;
  assert_int_equal(auth_pw_hash("correct horse battery", h), WEB_OK);
  assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
  assert_non_null(strstr(h, "m=65536")); /* MEMLIMIT_INTERACTIVE */
  assert_int_equal(auth_pw_hash("correct horse battery", h2), WEB_OK);
  assert_string_not_equal(h, h2); /* salted */
  assert_int_equal(auth_pw_verify(h, "correct horse battery"), 1);
  assert_int_equal(auth_pw_verify(h2, "correct horse battery"), 1);
  assert_int_equal(auth_pw_verify(h, "correct horse batterY"), 0);
  assert_int_equal(auth_pw_verify(h, ""), 0);
  assert_int_equal(auth_pw_verify("not a hash", "x"), 0);
  /* the dummy verify: 0 always, and it costs a real argon2 run */
  assert_int_equal(auth_pw_verify(NULL, "correct horse battery"), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(auth_pw_verify(NULL, "anything"), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(elapsed_ms(&t0, &t1) >= 10); /* 64 MiB argon2id: ~0.1 s */
}

/* ----------------------------------------------------------- setup link */

typedef struct use_ctx {
  const char *token;
  int64_t now;
  int ok;
} use_ctx;

static web_status use_fn(sqlite3 *db, void *arg) {
  use_ctx *c = arg;
  c->ok = auth_setup_link_use(db, c->token, c->now);
  return WEB_OK;
}

static int use_link(const char *token, int64_t now) {
  use_ctx c = {token, now, -1};
  assert_int_equal(db_write(use_fn, &c), WEB_OK);
  return c.ok;
}

static void test_setup_link(void **state) {
  char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], c[TOKEN_LEN + 1], head[65];
  int64_t n = 0, bad = 0;
  sqlite3_stmt *st = NULL;
  (void)state;
  assert_int_equal(auth_setup_link_new(T0, a), WEB_OK);
  assert_int_equal(strlen(a), TOKEN_LEN);
  /* a newer link invalidates the older unused one */
  assert_int_equal(auth_setup_link_new(T0 + 10, b), WEB_OK);
  assert_int_equal(use_link(a, T0 + 20), 0);
  assert_int_equal(use_link("x", T0 + 20), 0);
  /* expired at issue + 1 h */
  assert_int_equal(use_link(b, T0 + 10 + SETUP_LINK_TTL), 0);
  /* once */
  assert_int_equal(use_link(b, T0 + 10 + SETUP_LINK_TTL - 1), 1);
  assert_int_equal(use_link(b, T0 + 20), 0);
  /* a used link survives a new issue (history), still unusable */
  assert_int_equal(auth_setup_link_new(T0 + 30, c), WEB_OK);
  assert_int_equal(use_link(b, T0 + 40), 0);
  assert_int_equal(use_link(c, T0 + 40), 1);
  assert_int_equal(q1("SELECT count(*) FROM setup_links"), 2);
  /* only the hash is stored */
  assert_int_equal(q1("SELECT count(*) FROM setup_links WHERE"
                      " typeof(hash) = 'blob' AND length(hash) = 32"),
                   2);
  /* audited as system, no token in the log */
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE actor = 'system'"
                      " AND action = 'setup_link.issue'"),
                   3);
  assert_int_equal(sqlite3_prepare_v2(db_get(), "SELECT count(*) FROM audit"
                                      " WHERE instr(line, ?1) > 0", -1, &st,
                                      NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, c, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE line LIKE"
                      " '%\"detail\":{\"expires_at\":1700003630}}'"),
                   1);
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, 3);
}

static void test_admin_link_command(void **state) {
  fix *f = *state;
  char *argv[] = {"admin-link", "--db", f->path, "--base-url",
                  "https://vote.example.org/", NULL};
  char *bad_url[] = {"admin-link", "--db", f->path, "--base-url",
                     "ftp://x", NULL};
  char *missing[] = {"admin-link", "--db", "/nonexistent/x.db", NULL};
  assert_int_equal(web_admin_link_main(5, argv), 0);
  assert_int_equal(web_admin_link_main(5, bad_url), 3);
  assert_int_equal(web_admin_link_main(3, missing), 2);
  /* db_close_thread ran inside: db_get reopens */
  assert_int_equal(q1("SELECT count(*) FROM setup_links WHERE"
                      " used_at IS NULL"),
                   1);
}

/* ------------------------------------------------------------- sessions */

typedef struct sess_ctx {
  int64_t admin, now;
  char token[TOKEN_LEN + 1];
} sess_ctx;

static web_status sess_fn(sqlite3 *db, void *arg) {
  sess_ctx *c = arg;
  return auth_session_new(db, c->admin, c->now, c->token);
}

static void new_session(sess_ctx *c, int64_t admin, int64_t now) {
  c->admin = admin;
  c->now = now;
  assert_int_equal(db_write(sess_fn, c), WEB_OK);
  assert_int_equal(strlen(c->token), TOKEN_LEN);
}

static void add_admins(void) {
  exec_ok("INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES"
          " (3, 'ada@example.org', 'Ada', 'x', 0),"
          " (4, 'tom@example.org', 'Tom', 'x', 0)");
}

static void test_sessions(void **state) {
  sess_ctx a, b, c;
  int64_t t;
  unsigned char h[32];
  sqlite3_stmt *st = NULL;
  (void)state;
  add_admins();
  new_session(&a, 3, T0);
  assert_int_equal(auth_session_admin(a.token, T0), 3);
  assert_int_equal(auth_session_admin(a.token, T0 + 100), 3);
  /* stored only as its keyed hash */
  auth_token_hash(a.token, h);
  assert_int_equal(sqlite3_prepare_v2(db_get(), "SELECT admin_id FROM sessions"
                                      " WHERE hash = ?1", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int64(st, 0), 3);
  sqlite3_finalize(st);
  /* no refresh within 5 minutes: idle counts from T0 */
  assert_int_equal(q1("SELECT seen_at FROM sessions"), T0);
  assert_int_equal(auth_session_admin(a.token, T0 + SESSION_IDLE), 0);
  assert_int_equal(auth_session_admin(a.token, T0 + SESSION_IDLE - 1), 3);
  /* that call refreshed seen_at, so the session lives on */
  assert_int_equal(q1("SELECT seen_at FROM sessions"),
                   T0 + SESSION_IDLE - 1);
  assert_int_equal(auth_session_admin(a.token, T0 + SESSION_IDLE + 100), 3);
  /* absolute expiry, however active */
  for (t = T0 + 3600; t < T0 + SESSION_MAX; t += 3600)
    assert_int_equal(auth_session_admin(a.token, t), 3);
  assert_int_equal(auth_session_admin(a.token, T0 + SESSION_MAX - 1), 3);
  assert_int_equal(auth_session_admin(a.token, T0 + SESSION_MAX), 0);
  /* garbage and unknown tokens */
  assert_int_equal(auth_session_admin(NULL, T0), 0);
  assert_int_equal(auth_session_admin("", T0), 0);
  b.token[0] = '\0';
  auth_token_new(NULL, b.token, sizeof(b.token));
  assert_int_equal(auth_session_admin(b.token, T0), 0);
  /* end */
  new_session(&b, 4, T0 + 50);
  new_session(&c, 4, T0 + 60);
  assert_int_equal(auth_session_admin(b.token, T0 + 70), 4);
  assert_int_equal(auth_session_end(b.token), WEB_OK);
  assert_int_equal(auth_session_admin(b.token, T0 + 70), 0);
  assert_int_equal(auth_session_admin(c.token, T0 + 70), 4);
  assert_int_equal(auth_session_end(b.token), WEB_OK); /* again: fine */
  /* a disabled admin's sessions stop */
  exec_ok("UPDATE admins SET disabled = 1 WHERE id = 4");
  assert_int_equal(auth_session_admin(c.token, T0 + 80), 0);
  /* a new session prunes expired ones */
  new_session(&b, 3, T0 + SESSION_MAX + 10);
  assert_int_equal(q1("SELECT count(*) FROM sessions"), 1);
  assert_true(sqlite3_get_autocommit(db_get()));
}

/* A refresh inside a caller's transaction joins it (no nested db_write). */
typedef struct in_ctx {
  const char *token;
  int64_t now, got;
} in_ctx;

static web_status in_txn(sqlite3 *db, void *arg) {
  in_ctx *c = arg;
  (void)db;
  c->got = auth_session_admin(c->token, c->now);
  return WEB_OK;
}

static void test_session_in_txn(void **state) {
  sess_ctx a;
  in_ctx c;
  (void)state;
  add_admins();
  new_session(&a, 3, T0);
  c.token = a.token;
  c.now = T0 + 1000;
  c.got = -1;
  assert_int_equal(db_write(in_txn, &c), WEB_OK);
  assert_int_equal(c.got, 3);
  assert_int_equal(q1("SELECT seen_at FROM sessions"), T0 + 1000);
}

/* ----------------------------------------------------------- API tokens */

static void add_api_token(const char *bearer, int64_t id) {
  unsigned char h[32];
  sqlite3_stmt *st = NULL;
  auth_token_hash(bearer, h);
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "INSERT INTO api_tokens (id, hash,"
                                      " admin_id, label, prefix, created_at)"
                                      " VALUES (?1, ?2, 3, 'ci', ?3, 0)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_blob(st, 2, h, 32, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, bearer, 8, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

static void test_api_tokens(void **state) {
  char tok[4 + TOKEN_LEN + 1], other[4 + TOKEN_LEN + 1];
  int64_t id = -1;
  (void)state;
  add_admins();
  auth_token_new("hst_", tok, sizeof(tok));
  add_api_token(tok, 7);
  assert_int_equal(auth_api_token_admin(tok, T0, &id), 3);
  assert_int_equal(id, 7);
  assert_int_equal(q1("SELECT last_used_at FROM api_tokens"), T0);
  assert_int_equal(auth_api_token_admin(tok, T0 + 30, NULL), 3);
  assert_int_equal(q1("SELECT last_used_at FROM api_tokens"), T0);
  assert_int_equal(auth_api_token_admin(tok, T0 + 60, &id), 3);
  assert_int_equal(q1("SELECT last_used_at FROM api_tokens"), T0 + 60);
  /* without the prefix, or another prefix: refused */
  assert_int_equal(auth_api_token_admin(tok + 4, T0, &id), 0);
  assert_int_equal(id, 0);
  memcpy(other, tok, sizeof(other));
  other[0] = 'H';
  assert_int_equal(auth_api_token_admin(other, T0, &id), 0);
  assert_int_equal(auth_api_token_admin(NULL, T0, &id), 0);
  /* unknown */
  auth_token_new("hst_", other, sizeof(other));
  assert_int_equal(auth_api_token_admin(other, T0, &id), 0);
  /* revoked */
  exec_ok("UPDATE api_tokens SET revoked_at = 1700000100 WHERE id = 7");
  assert_int_equal(auth_api_token_admin(tok, T0 + 200, &id), 0);
  assert_int_equal(id, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
      cmocka_unit_test_setup_teardown(test_passwords, setup, teardown),
      cmocka_unit_test_setup_teardown(test_setup_link, setup, teardown),
      cmocka_unit_test_setup_teardown(test_admin_link_command, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_session_in_txn, setup, teardown),
      cmocka_unit_test_setup_teardown(test_api_tokens, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
