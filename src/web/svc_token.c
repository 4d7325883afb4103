/*
** svc_token.c: API tokens (created shown once, stored hashed; revoked)
** and the readers of an administrator's orgs and elections and of the
** audit log (svc_setup.h), which alone decide what of the log an
** administrator sees (AUDIT_VISIBLE): the page, the export and the API
** all read through them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "svc_setup.h"

/* ----------------------------------------------------------- API tokens */

struct tok_create {
  int64_t admin_id, now, id;
  const char *label, *actor;
  const unsigned char *hash;
  const char *prefix;
};

static web_status tok_create_fn(sqlite3 *db, void *ctx) {
  struct tok_create *x = ctx;
  sqlite3_stmt *st;
  wbuf b;
  jw w;
  web_status s;
  int64_t id;
  x->id = 0;
  st = db_stmt(db, "INSERT INTO api_tokens (hash, admin_id, label, prefix, "
                   "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, x->hash, 32, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, x->admin_id);
  sqlite3_bind_text(st, 3, x->label, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, x->prefix, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, x->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  id = sqlite3_last_insert_rowid(db);
  svcs_detail_open(&b, &w);
  jw_kint(&w, "admin", x->admin_id);
  jw_kstr(&w, "label", x->label);
  jw_kstr(&w, "prefix", x->prefix);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor, "token.create", 0, "token", id, &b);
  wbuf_free(&b);
  if (!s) x->id = id;
  return s;
}

web_status svc_token_create(int64_t admin_id, const char *label,
                            const char *actor, int64_t now, verr *v,
                            int64_t *id_out,
                            char token_out[SVC_API_TOKEN_SIZE]) {
  struct tok_create x;
  unsigned char hash[32];
  char tok[SVC_API_TOKEN_SIZE], prefix[9];
  char *lab = NULL;
  web_status s;
  v->n = 0;
  token_out[0] = 0;
  if (id_out) *id_out = 0;
  if (!svcs_text(label, SVC_TOKEN_LABEL_MAX, 0, 1, "label", "A label", v,
                 &lab))
    return WEB_EINVALID;
  if (!lab) return WEB_ENOMEM;
  auth_token_new("hst_", tok, sizeof tok);
  if (strlen(tok) != SVC_API_TOKEN_SIZE - 1) {
    free(lab);
    return WEB_ECRYPTO;
  }
  auth_token_hash(tok, hash);
  memcpy(prefix, tok, 8);
  prefix[8] = 0;
  x.admin_id = admin_id;
  x.now = now;
  x.id = 0;
  x.label = lab;
  x.actor = actor;
  x.hash = hash;
  x.prefix = prefix;
  s = db_write(tok_create_fn, &x);
  free(lab);
  if (!s) {
    memcpy(token_out, tok, sizeof tok);
    if (id_out) *id_out = x.id;
  }
  sodium_memzero(tok, sizeof tok);
  return s;
}

struct tok_revoke {
  int64_t admin_id, token_id, now;
  const char *actor;
  verr *v;
};

static web_status tok_revoke_fn(sqlite3 *db, void *ctx) {
  struct tok_revoke *x = ctx;
  sqlite3_stmt *st;
  int rc, revoked = 0;
  char prefix[9] = "";
  wbuf b;
  jw w;
  web_status s;
  x->v->n = 0;
  st = db_stmt(db, "SELECT revoked_at IS NOT NULL, prefix FROM api_tokens "
                   "WHERE id = ?1 AND admin_id = ?2");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->token_id);
  sqlite3_bind_int64(st, 2, x->admin_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    revoked = sqlite3_column_int(st, 0);
    svcs_col_copy(st, 1, prefix, sizeof prefix);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (revoked) {
    svcs_conflict(x->v, "", "revoked", "This token is already revoked.");
    return WEB_ECONFLICT;
  }
  st = db_stmt(db, "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->token_id);
  sqlite3_bind_int64(st, 2, x->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  svcs_detail_open(&b, &w);
  jw_kint(&w, "admin", x->admin_id);
  jw_kstr(&w, "prefix", prefix);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor, "token.revoke", 0, "token",
                 x->token_id, &b);
  wbuf_free(&b);
  return s;
}

web_status svc_token_revoke(int64_t admin_id, int64_t token_id,
                            const char *actor, int64_t now, verr *v) {
  struct tok_revoke x = {admin_id, token_id, now, actor, v};
  v->n = 0;
  return db_write(tok_revoke_fn, &x);
}

void svc_tokens_free(svc_token *t, size_t n) {
  size_t i;
  for (i = 0; t && i < n; i++) free(t[i].label);
  free(t);
}

web_status svc_tokens(sqlite3 *db, int64_t admin_id, svc_token **out,
                      size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id, label, prefix, created_at, last_used_at, revoked_at "
          "FROM api_tokens WHERE admin_id = ?1 ORDER BY id DESC");
  svc_token *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, admin_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_token *t;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 10000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    t = &v[cnt++];
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->label = svcs_col_dup(st, 1);
    svcs_col_copy(st, 2, t->prefix, sizeof t->prefix);
    t->created_at = sqlite3_column_int64(st, 3);
    t->last_used_at = sqlite3_column_int64(st, 4);
    t->revoked_at = sqlite3_column_int64(st, 5);
    if (!t->label) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_tokens_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

/* -------------------------------------------------------------- readers */

void svc_orgs_free(svc_org *o, size_t n) {
  size_t i;
  for (i = 0; o && i < n; i++) free(o[i].name);
  free(o);
}

web_status svc_admin_orgs(sqlite3 *db, int64_t admin_id, svc_org **out,
                          size_t *n) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT o.id, o.name, o.tz FROM orgs o JOIN org_admins a "
                  "ON a.org_id = o.id WHERE a.admin_id = ?1 ORDER BY o.id");
  svc_org *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, admin_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_org *o;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 10000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    o = &v[cnt++];
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    o->name = svcs_col_dup(st, 1);
    svcs_col_copy(st, 2, o->tz, sizeof o->tz);
    if (!o->name) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_orgs_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

void svc_election_items_free(svc_election_item *e, size_t n) {
  size_t i;
  for (i = 0; e && i < n; i++) free(e[i].title);
  free(e);
}

web_status svc_admin_elections(sqlite3 *db, int64_t admin_id,
                               svc_election_item **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT e.id, e.slug, e.title, e.phase, e.published_at, "
          "e.created_at FROM elections e JOIN org_admins a ON a.org_id = "
          "e.org_id WHERE a.admin_id = ?1 ORDER BY e.created_at DESC, "
          "e.id DESC");
  svc_election_item *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, admin_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_election_item *e;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 100000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    e = &v[cnt++];
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, e->slug, sizeof e->slug);
    e->title = svcs_col_dup(st, 2);
    if (!svc_phase_parse((const char *)sqlite3_column_text(st, 3),
                         &e->phase))
      e->phase = PHASE_SETUP;
    e->published_at = sqlite3_column_int64(st, 4);
    e->created_at = sqlite3_column_int64(st, 5);
    if (!e->title) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_election_items_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

void svc_audit_free(svc_audit_entry *a, size_t n) {
  size_t i;
  for (i = 0; a && i < n; i++) free(a[i].line);
  free(a);
}

/* Whether admin ?3 may see audit row a (svc_setup.h, svc_audit_page):
** an entry of one of its elections, or one of no election that concerns
** it or no administrator at all.  The detail's "admin" is read with
** SQLite's json_extract from the stored line. */
#define AUDIT_VISIBLE                                                        \
  "(a.election_id IN (SELECT e.id FROM elections e JOIN org_admins o ON "   \
  "o.org_id = e.org_id WHERE o.admin_id = ?3) OR (a.election_id IS NULL "   \
  "AND (a.actor = 'admin:' || ?3 OR a.actor IN (SELECT 'token:' || t.id "   \
  "FROM api_tokens t WHERE t.admin_id = ?3) OR json_extract(a.line, "       \
  "'$.detail.admin') = ?3 OR (a.actor = 'system' AND json_extract(a.line, " \
  "'$.detail.admin') IS NULL))))"

/* Steps st (bound) into a new array of entries. */
static web_status audit_rows(sqlite3_stmt *st, svc_audit_entry **out,
                             size_t *n) {
  svc_audit_entry *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_audit_entry *a;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 1000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    a = &v[cnt++];
    memset(a, 0, sizeof *a);
    a->seq = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    a->election_id = sqlite3_column_int64(st, 2);
    svcs_col_copy(st, 3, a->actor, sizeof a->actor);
    svcs_col_copy(st, 4, a->action, sizeof a->action);
    a->line = svcs_col_dup(st, 5);
    svcs_col_copy(st, 6, a->hash, sizeof a->hash);
    if (!a->line) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_audit_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_audit_page(sqlite3 *db, int64_t election_id, int64_t admin_id,
                          int64_t after, int limit, svc_audit_entry **out,
                          size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT seq, at, election_id, actor, action, line, hash FROM "
          "audit a WHERE seq > ?1 AND (CASE WHEN ?2 > 0 THEN election_id = "
          "?2 WHEN ?3 > 0 THEN " AUDIT_VISIBLE " ELSE 1 END) ORDER BY seq "
          "LIMIT ?4");
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  if (limit < 1) limit = 1;
  if (limit > 1000) limit = 1000;
  sqlite3_bind_int64(st, 1, after);
  sqlite3_bind_int64(st, 2, election_id);
  sqlite3_bind_int64(st, 3, admin_id);
  sqlite3_bind_int(st, 4, limit);
  return audit_rows(st, out, n);
}

web_status svc_audit_back(sqlite3 *db, int64_t admin_id, int64_t before,
                          int limit, svc_audit_entry **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT seq, at, election_id, actor, action, line, hash FROM "
          "audit a WHERE seq < ?1 AND ?3 > 0 AND " AUDIT_VISIBLE
          " ORDER BY seq DESC LIMIT ?4");
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  if (limit < 1) limit = 1;
  if (limit > 1000) limit = 1000;
  sqlite3_bind_int64(st, 1, before);
  sqlite3_bind_int64(st, 3, admin_id);
  sqlite3_bind_int(st, 4, limit);
  return audit_rows(st, out, n);
}

web_status svc_audit_head(sqlite3 *db, int64_t *seq, char hash[65]) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  int rc;
  *seq = 0;
  memset(hash, '0', 64);
  hash[64] = 0;
  if (!st) return WEB_EDB;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *seq = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, hash, 65);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}
