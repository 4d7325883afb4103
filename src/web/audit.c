/*
** audit.c: the hash-chained audit log (docs/design/service.md §3).
**
** Each row of table audit holds one canonical JSON line, written with the
** jw_* writer in this fixed key order and with no white space:
**
**   {"seq":N,"at":T,"actor":"..","action":"..","election":"slug"|null,
**    "object":".."|null,"detail":{...}}
**
** and hash = lowercase hex of BLAKE2b-256 (unkeyed crypto_generichash,
** 32-byte output) over prev_hex "\n" line, where prev_hex is the previous
** row's hash, or 64 '0' for seq 1.  So anyone can re-check a row with
**   printf '%s\n%s' "$prev" "$line" | b2sum -l 256
** The rows are appended inside the caller's write transaction (BEGIN
** IMMEDIATE, so seq = max + 1 cannot race) and triggers refuse UPDATE and
** DELETE.  audit_verify() recomputes every hash, requires seq to run 1, 2,
** 3... and the line's seq/at/actor/action to match the row's columns.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "web.h"

#define AUDIT_LINE_MAX ((size_t)64 << 10)
#define HASH_HEX 64

static const char zero_hex[HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* hex(BLAKE2b-256(prev "\n" line)) into out[65]. */
static void chain_hash(const char *prev, const char *line, size_t len,
                       char out[HASH_HEX + 1]) {
  crypto_generichash_state h;
  unsigned char d[32];
  crypto_generichash_init(&h, NULL, 0, sizeof(d));
  crypto_generichash_update(&h, (const unsigned char *)prev, HASH_HEX);
  crypto_generichash_update(&h, (const unsigned char *)"\n", 1);
  crypto_generichash_update(&h, (const unsigned char *)line, len);
  crypto_generichash_final(&h, d, sizeof(d));
  sodium_bin2hex(out, HASH_HEX + 1, d, sizeof(d));
}

/* detail must be one JSON object on one line (JSON Lines export). */
static int detail_ok(const char *d) {
  json_t *j;
  int ok;
  if (strchr(d, '\n') || strchr(d, '\r')) return 0;
  j = json_loads(d, JSON_REJECT_DUPLICATES, NULL);
  ok = json_is_object(j); /* false for NULL too */
  json_decref(j);
  return ok;
}

static int text_ok(const char *s) { return !s || utf8_valid(s, strlen(s)); }

static const char sql_head[] =
    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char sql_slug[] = "SELECT slug FROM elections WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO audit (seq, at, actor, action, election_id, line, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

web_status audit_append(sqlite3 *db, int64_t now, const char *actor,
                        const char *action, int64_t election_id,
                        const char *election_slug, const char *object,
                        const char *detail_json) {
  sqlite3_stmt *st;
  char prev[HASH_HEX + 1], hash[HASH_HEX + 1], slug[128];
  int64_t seq = 1;
  int rc;
  wbuf b;
  jw w;
  web_status s;

  if (!db || !actor || !*actor || !action || !*action) return WEB_EINVALID;
  if (sqlite3_get_autocommit(db)) {
    fprintf(stderr, "hustings: audit_append outside a transaction\n");
    return WEB_EDB;
  }
  if (!text_ok(actor) || !text_ok(action) || !text_ok(election_slug) ||
      !text_ok(object))
    return WEB_EUTF8;
  if (!detail_json) detail_json = "{}";
  if (!detail_ok(detail_json)) return WEB_EJSON;

  /* the slug, when only the id was given */
  if (election_id > 0 && !election_slug) {
    st = db_stmt(db, sql_slug);
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, election_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      snprintf(slug, sizeof(slug), "%s",
               (const char *)sqlite3_column_text(st, 0));
      election_slug = slug;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_status(rc);
  }

  /* the previous link */
  st = db_stmt(db, sql_head);
  if (!st) return WEB_EDB;
  memcpy(prev, zero_hex, sizeof(prev));
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *h = sqlite3_column_text(st, 1);
    seq = sqlite3_column_int64(st, 0) + 1;
    if (!h || sqlite3_column_bytes(st, 1) != HASH_HEX) {
      sqlite3_reset(st);
      return WEB_EDB;
    }
    memcpy(prev, h, HASH_HEX);
    prev[HASH_HEX] = '\0';
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_status(rc);

  /* the canonical line */
  wbuf_init(&b, AUDIT_LINE_MAX);
  jw_init(&w, &b);
  jw_obj(&w);
  jw_kint(&w, "seq", seq);
  jw_kint(&w, "at", now);
  jw_kstr(&w, "actor", actor);
  jw_kstr(&w, "action", action);
  jw_kstr(&w, "election", election_slug); /* NULL writes null */
  jw_kstr(&w, "object", object);
  jw_key(&w, "detail");
  wbuf_puts(&b, detail_json); /* checked above: one JSON object */
  if (w.depth > 0) w.need_comma[w.depth - 1] = 1;
  jw_obj_end(&w);
  if (b.err || !b.p) {
    s = b.err ? (web_status)b.err : WEB_ENOMEM;
    wbuf_free(&b);
    return s;
  }
  chain_hash(prev, b.p, b.len, hash);

  st = db_stmt(db, sql_insert);
  if (!st) {
    wbuf_free(&b);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, seq);
  sqlite3_bind_int64(st, 2, now);
  sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
  if (election_id > 0)
    sqlite3_bind_int64(st, 5, election_id);
  else
    sqlite3_bind_null(st, 5);
  sqlite3_bind_text(st, 6, b.p, (int)b.len, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, hash, HASH_HEX, SQLITE_STATIC);
  s = db_exec_stmt(st);
  wbuf_free(&b);
  return s;
}

/* 1 if the line is a JSON object whose seq, at, actor and action match
** the row's columns (a changed column would otherwise go unnoticed, as
** the hash covers only the line). */
static int line_matches(const char *line, size_t len, int64_t seq,
                        int64_t at, const char *actor, const char *action) {
  json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  json_t *v;
  int ok = 0;
  if (!j || !json_is_object(j)) goto out;
  v = json_object_get(j, "seq");
  if (!json_is_integer(v) || json_integer_value(v) != seq) goto out;
  v = json_object_get(j, "at");
  if (!json_is_integer(v) || json_integer_value(v) != at) goto out;
  v = json_object_get(j, "actor");
  if (!json_is_string(v) || !actor || strcmp(json_string_value(v), actor))
    goto out;
  v = json_object_get(j, "action");
  if (!json_is_string(v) || !action || strcmp(json_string_value(v), action))
    goto out;
  ok = 1;
out:
  json_decref(j);
  return ok;
}

static const char sql_all[] =
    "SELECT seq, at, actor, action, line, hash FROM audit ORDER BY seq";

web_status audit_verify(sqlite3 *db, int64_t *entries, char head[65],
                        int64_t *bad_seq) {
  sqlite3_stmt *st;
  char prev[HASH_HEX + 1], want[HASH_HEX + 1];
  int64_t n = 0, seq;
  int rc;
  web_status s = WEB_OK;

  *entries = 0;
  *bad_seq = 0;
  memcpy(head, zero_hex, HASH_HEX + 1);
  memcpy(prev, zero_hex, sizeof(prev));
  st = db_stmt(db, sql_all);
  if (!st) return WEB_EDB;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 4);
    size_t len = (size_t)sqlite3_column_bytes(st, 4);
    const char *hash = (const char *)sqlite3_column_text(st, 5);
    seq = sqlite3_column_int64(st, 0);
    if (seq != n + 1 || !line || !hash ||
        sqlite3_column_bytes(st, 5) != HASH_HEX ||
        !line_matches(line, len, seq, sqlite3_column_int64(st, 1),
                      (const char *)sqlite3_column_text(st, 2),
                      (const char *)sqlite3_column_text(st, 3))) {
      s = WEB_ECONFLICT;
      break;
    }
    chain_hash(prev, line, len, want);
    if (sodium_memcmp(want, hash, HASH_HEX) != 0) {
      s = WEB_ECONFLICT;
      break;
    }
    memcpy(prev, want, sizeof(prev));
    n++;
  }
  if (s == WEB_ECONFLICT) {
    *bad_seq = n + 1; /* the first entry that is missing or wrong */
  } else if (rc != SQLITE_DONE) {
    s = db_status(rc);
    if (s == WEB_OK) s = WEB_EDB;
  }
  sqlite3_reset(st);
  *entries = n;
  memcpy(head, prev, HASH_HEX + 1);
  return s;
}
