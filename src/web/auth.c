/*
** auth.c: the installation key, tokens, passwords, CSRF, the setup link,
** admin sessions and API tokens (docs/design/service.md §1, §6).
**
**  - The key: 32 random bytes in FILE.key beside the database (never in
**    it), mode 0600, created once with O_EXCL and fsync'd; a key file of
**    the wrong size or readable by group or others is refused.
**  - Tokens: 32 bytes from randombytes_buf as base64url without padding
**    (43 chars).  The database stores only auth_token_hash(token), the
**    BLAKE2b-256 of the token keyed with the installation key, and looks
**    rows up by that hash through a unique index, so no timing depends on
**    the secret and a copy of the database alone opens nothing.
**  - Passwords: argon2id (crypto_pwhash_str, interactive limits), one at a
**    time in the process (64 MiB each); an unknown account still costs a
**    verify against a fixed dummy hash.
**  - CSRF: hex(BLAKE2b-keyed(key, "csrf" || cookie_hash)), compared with
**    sodium_memcmp.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "web.h"

#define KEY_BYTES 32
#define KEY_PATH_MAX 4200
#define SESSION_REFRESH 300 /* seen_at is rewritten at most this often */
#define API_REFRESH 60      /* last_used_at likewise */
#define API_PREFIX "hst_"
#define API_PREFIX_LEN 4

unsigned char auth_key[32];

/* ------------------------------------------------------------ key file */

static web_status read_key(int fd, const char *path, char *err,
                           size_t errcap) {
  struct stat sb;
  size_t got = 0;
  ssize_t n;
  if (fstat(fd, &sb) != 0) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return WEB_EIO;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(err, errcap, "key file %s is not a regular file", path);
    return WEB_EIO;
  }
  if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
    snprintf(err, errcap, "key file %s is open to group or others (mode "
             "%03o); run: chmod 600 %s", path,
             (unsigned)(sb.st_mode & 0777), path);
    return WEB_EIO;
  }
  if (sb.st_size != KEY_BYTES) {
    snprintf(err, errcap, "key file %s has %lld bytes, not %d: it is not a "
             "hustings key (restore it from a backup; a new key voids "
             "every session, token and private link)", path,
             (long long)sb.st_size, KEY_BYTES);
    return WEB_EIO;
  }
  while (got < KEY_BYTES) {
    n = read(fd, auth_key + got, KEY_BYTES - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(err, errcap, "%s: cannot read the key: %s", path,
               n < 0 ? strerror(errno) : "short file");
      sodium_memzero(auth_key, sizeof(auth_key));
      return WEB_EIO;
    }
    got += (size_t)n;
  }
  return WEB_OK;
}

/* Makes the new file's name durable too. */
static void sync_dir(const char *path) {
  char dir[KEY_PATH_MAX];
  const char *slash = strrchr(path, '/');
  int fd;
  if (!slash) {
    dir[0] = '.';
    dir[1] = '\0';
  } else if (slash == path) {
    dir[0] = '/';
    dir[1] = '\0';
  } else {
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  }
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

static web_status create_key(const char *path, char *err, size_t errcap,
                             int *exists) {
  unsigned char k[KEY_BYTES];
  size_t put = 0;
  ssize_t n;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
  *exists = 0;
  if (fd < 0) {
    if (errno == EEXIST) {
      *exists = 1; /* another process won the race: read its key */
      return WEB_OK;
    }
    snprintf(err, errcap, "cannot create key file %s: %s", path,
             strerror(errno));
    return WEB_EIO;
  }
  randombytes_buf(k, sizeof(k));
  while (put < sizeof(k)) {
    n = write(fd, k + put, sizeof(k) - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    put += (size_t)n;
  }
  if (put < sizeof(k) || fsync(fd) != 0) {
    snprintf(err, errcap, "cannot write key file %s: %s", path,
             strerror(errno));
    close(fd);
    unlink(path);
    sodium_memzero(k, sizeof(k));
    return WEB_EIO;
  }
  close(fd);
  sync_dir(path);
  memcpy(auth_key, k, sizeof(k));
  sodium_memzero(k, sizeof(k));
  return WEB_OK;
}

web_status auth_load_key(const char *db_path, char *err, size_t errcap) {
  char path[KEY_PATH_MAX];
  int fd, exists = 1, n;
  web_status s;
  if (sodium_init() < 0) {
    snprintf(err, errcap, "libsodium failed to initialise");
    return WEB_ECRYPTO;
  }
  n = snprintf(path, sizeof(path), "%s.key", db_path ? db_path : "");
  if (!db_path || !*db_path || n < 0 || (size_t)n >= sizeof(path)) {
    snprintf(err, errcap, "bad database path for the key file");
    return WEB_EIO;
  }
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    s = create_key(path, err, errcap, &exists);
    if (s != WEB_OK || !exists) return s;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) {
    snprintf(err, errcap, "cannot open key file %s: %s", path,
             strerror(errno));
    return WEB_EIO;
  }
  s = read_key(fd, path, err, errcap);
  close(fd);
  return s;
}

/* -------------------------------------------------------------- tokens */

void auth_token_new(const char *prefix, char *out, size_t cap) {
  unsigned char r[32];
  size_t plen = prefix ? strlen(prefix) : 0;
  if (!out || cap == 0) return;
  out[0] = '\0';
  if (cap < plen + TOKEN_LEN + 1) return; /* a caller's bug: empty token */
  if (plen) memcpy(out, prefix, plen);
  randombytes_buf(r, sizeof(r));
  sodium_bin2base64(out + plen, cap - plen, r, sizeof(r),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(r, sizeof(r));
}

void auth_token_hash(const char *token, unsigned char out[32]) {
  crypto_generichash(out, 32, (const unsigned char *)token,
                     token ? strlen(token) : 0, auth_key, sizeof(auth_key));
}

/* ----------------------------------------------------------- passwords */

static pthread_mutex_t pw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];
static int dummy_ok;

/* A hash of a random password, with the same cost as a real one. */
static void make_dummy(void) {
  unsigned char pw[16];
  randombytes_buf(pw, sizeof(pw));
  pthread_mutex_lock(&pw_lock);
  dummy_ok = crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw),
                               crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
  pthread_mutex_unlock(&pw_lock);
}

web_status auth_pw_hash(const char *pw, char out[128]) {
  int rc;
  if (!pw) return WEB_EINVALID;
  pthread_mutex_lock(&pw_lock);
  rc = crypto_pwhash_str(out, pw, strlen(pw),
                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE);
  pthread_mutex_unlock(&pw_lock);
  return rc == 0 ? WEB_OK : WEB_ECRYPTO;
}

int auth_pw_verify(const char *hash, const char *pw) {
  int rc;
  if (!pw) pw = "";
  if (!hash) {
    pthread_once(&dummy_once, make_dummy);
    pthread_mutex_lock(&pw_lock);
    /* the result is meaningless: only the cost matters */
    if (dummy_ok) {
      rc = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw));
      (void)rc; /* warn_unused_result: a (void) cast is not enough */
    }
    pthread_mutex_unlock(&pw_lock);
    return 0;
  }
  pthread_mutex_lock(&pw_lock);
  rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
  pthread_mutex_unlock(&pw_lock);
  return rc == 0;
}

/* ---------------------------------------------------------------- CSRF */

void auth_csrf(const unsigned char cookie_hash[32], char out[65]) {
  crypto_generichash_state h;
  unsigned char d[32];
  crypto_generichash_init(&h, auth_key, sizeof(auth_key), sizeof(d));
  crypto_generichash_update(&h, (const unsigned char *)"csrf", 4);
  crypto_generichash_update(&h, cookie_hash, 32);
  crypto_generichash_final(&h, d, sizeof(d));
  sodium_bin2hex(out, 65, d, sizeof(d));
}

int auth_csrf_ok(const unsigned char cookie_hash[32], const char *token) {
  char want[65];
  if (!cookie_hash || !token || strnlen(token, 65) != 64) return 0;
  auth_csrf(cookie_hash, want);
  return sodium_memcmp(want, token, 64) == 0;
}

/* ---------------------------------------------------------- setup link */

typedef struct link_ctx {
  unsigned char hash[32];
  int64_t now;
} link_ctx;

static const char sql_link_drop[] =
    "DELETE FROM setup_links WHERE used_at IS NULL";
static const char sql_link_add[] =
    "INSERT INTO setup_links (hash, expires_at, used_at) VALUES (?1, ?2, NULL)";
static const char sql_link_use[] =
    "UPDATE setup_links SET used_at = ?2"
    " WHERE hash = ?1 AND used_at IS NULL AND expires_at > ?2";

static web_status link_new_fn(sqlite3 *db, void *arg) {
  link_ctx *c = arg;
  sqlite3_stmt *st;
  web_status s;
  wbuf b;
  jw w;
  /* any older unused link stops working */
  s = db_exec_stmt(db_stmt(db, sql_link_drop));
  if (s != WEB_OK) return s;
  st = db_stmt(db, sql_link_add);
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, c->hash, sizeof(c->hash), SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, c->now + SETUP_LINK_TTL);
  s = db_exec_stmt(st);
  if (s != WEB_OK) return s;
  wbuf_init(&b, 256);
  jw_init(&w, &b);
  jw_obj(&w);
  jw_kint(&w, "expires_at", c->now + SETUP_LINK_TTL);
  jw_obj_end(&w);
  s = b.err ? (web_status)b.err
            : audit_append(db, c->now, "system", "setup_link.issue", 0, NULL,
                           NULL, wbuf_str(&b));
  wbuf_free(&b);
  return s;
}

web_status auth_setup_link_new(int64_t now, char token[TOKEN_LEN + 1]) {
  link_ctx c;
  web_status s;
  auth_token_new(NULL, token, TOKEN_LEN + 1);
  auth_token_hash(token, c.hash);
  c.now = now;
  s = db_write(link_new_fn, &c);
  if (s != WEB_OK) sodium_memzero(token, TOKEN_LEN + 1);
  return s;
}

int auth_setup_link_use(sqlite3 *db, const char *token, int64_t now) {
  unsigned char h[32];
  sqlite3_stmt *st;
  if (!db || !token || strnlen(token, TOKEN_LEN + 1) != TOKEN_LEN) return 0;
  auth_token_hash(token, h);
  st = db_stmt(db, sql_link_use);
  if (!st) return 0;
  sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, now);
  if (db_exec_stmt(st) != WEB_OK) return 0;
  return sqlite3_changes(db) == 1;
}

/* ------------------------------------------------------------ sessions */

static const char sql_sess_prune[] =
    "DELETE FROM sessions WHERE expires_at <= ?1 OR seen_at <= ?1 - ?2";
static const char sql_sess_add[] =
    "INSERT INTO sessions (hash, admin_id, created_at, seen_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?3, ?4)";
static const char sql_sess_get[] =
    "SELECT s.admin_id, s.seen_at, s.expires_at FROM sessions s"
    " JOIN admins a ON a.id = s.admin_id"
    " WHERE s.hash = ?1 AND a.disabled = 0";
static const char sql_sess_seen[] =
    "UPDATE sessions SET seen_at = ?2 WHERE hash = ?1 AND seen_at < ?2";
static const char sql_sess_end[] = "DELETE FROM sessions WHERE hash = ?1";

web_status auth_session_new(sqlite3 *db, int64_t admin_id, int64_t now,
                            char token[TOKEN_LEN + 1]) {
  unsigned char h[32];
  sqlite3_stmt *st;
  web_status s;
  token[0] = '\0';
  st = db_stmt(db, sql_sess_prune);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, now);
  sqlite3_bind_int64(st, 2, SESSION_IDLE);
  s = db_exec_stmt(st);
  if (s != WEB_OK) return s;
  auth_token_new(NULL, token, TOKEN_LEN + 1);
  auth_token_hash(token, h);
  st = db_stmt(db, sql_sess_add);
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, admin_id);
  sqlite3_bind_int64(st, 3, now);
  sqlite3_bind_int64(st, 4, now + SESSION_MAX);
  s = db_exec_stmt(st);
  if (s != WEB_OK) sodium_memzero(token, TOKEN_LEN + 1);
  return s;
}

/* One small write keyed by a token hash: seen_at, last_used_at. */
typedef struct touch_ctx {
  const char *sql;
  const unsigned char *hash; /* 32 bytes, or NULL to bind id */
  int64_t id;
  int64_t now;
} touch_ctx;

static web_status touch_fn(sqlite3 *db, void *arg) {
  touch_ctx *c = arg;
  sqlite3_stmt *st = db_stmt(db, c->sql);
  if (!st) return WEB_EDB;
  if (c->hash)
    sqlite3_bind_blob(st, 1, c->hash, 32, SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_int64(st, 2, c->now);
  return db_exec_stmt(st);
}

/* Inside a caller's transaction the write joins it; otherwise it is its
** own db_write.  A failure is not the caller's problem: the session or
** token is still valid. */
static void touch(sqlite3 *db, touch_ctx *c) {
  if (!sqlite3_get_autocommit(db))
    (void)touch_fn(db, c);
  else
    (void)db_write(touch_fn, c);
}

int64_t auth_session_admin(const char *token, int64_t now) {
  unsigned char h[32];
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t admin = 0, seen = 0, expires = 0;
  touch_ctx c;
  if (!token || strnlen(token, TOKEN_LEN + 1) != TOKEN_LEN) return 0;
  db = db_get();
  if (!db) return 0;
  auth_token_hash(token, h);
  st = db_stmt(db, sql_sess_get);
  if (!st) return 0;
  sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) {
    admin = sqlite3_column_int64(st, 0);
    seen = sqlite3_column_int64(st, 1);
    expires = sqlite3_column_int64(st, 2);
  }
  sqlite3_reset(st);
  if (admin <= 0 || now >= expires || now >= seen + SESSION_IDLE) return 0;
  if (now - seen >= SESSION_REFRESH) {
    c.sql = sql_sess_seen;
    c.hash = h;
    c.id = 0;
    c.now = now;
    touch(db, &c);
  }
  return admin;
}

static web_status sess_end_fn(sqlite3 *db, void *arg) {
  sqlite3_stmt *st = db_stmt(db, sql_sess_end);
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, arg, 32, SQLITE_TRANSIENT);
  return db_exec_stmt(st);
}

web_status auth_session_end(const char *token) {
  unsigned char h[32];
  sqlite3 *db;
  if (!token || strnlen(token, TOKEN_LEN + 1) != TOKEN_LEN) return WEB_OK;
  db = db_get();
  if (!db) return WEB_EDB;
  auth_token_hash(token, h);
  if (!sqlite3_get_autocommit(db)) return sess_end_fn(db, h);
  return db_write(sess_end_fn, h);
}

/* ---------------------------------------------------------- API tokens */

static const char sql_api_get[] =
    "SELECT t.id, t.admin_id, t.last_used_at FROM api_tokens t"
    " JOIN admins a ON a.id = t.admin_id"
    " WHERE t.hash = ?1 AND t.revoked_at IS NULL AND a.disabled = 0";
static const char sql_api_used[] =
    "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1";

int64_t auth_api_token_admin(const char *bearer, int64_t now,
                             int64_t *token_id) {
  unsigned char h[32];
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t id = 0, admin = 0, last = 0;
  int have_last = 0;
  touch_ctx c;
  if (token_id) *token_id = 0;
  if (!bearer ||
      strnlen(bearer, API_PREFIX_LEN + TOKEN_LEN + 1) !=
          API_PREFIX_LEN + TOKEN_LEN ||
      memcmp(bearer, API_PREFIX, API_PREFIX_LEN) != 0)
    return 0;
  db = db_get();
  if (!db) return 0;
  auth_token_hash(bearer, h);
  st = db_stmt(db, sql_api_get);
  if (!st) return 0;
  sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    admin = sqlite3_column_int64(st, 1);
    have_last = sqlite3_column_type(st, 2) != SQLITE_NULL;
    last = sqlite3_column_int64(st, 2);
  }
  sqlite3_reset(st);
  if (admin <= 0) return 0;
  if (!have_last || now - last >= API_REFRESH) {
    c.sql = sql_api_used;
    c.hash = NULL;
    c.id = id;
    c.now = now;
    touch(db, &c);
  }
  if (token_id) *token_id = id;
  return admin;
}
