/*
** svc_roll.c: the voter roll (svc_roll.h): imports of an organisation's
** roll (roll.c reads the CSV; this file writes voters, voter_tags and
** roll_imports in one db_write with the audit row), its readers, and the
** electorate of an election whose organisations pool their rolls.
**
** The import's report (JSON lines, one per problem) is written before the
** transaction, from the parse alone; the transaction then upserts each
** good row by (org, member number), comparing with what is stored so
** that an unchanged voter is not written (nor its updated_at moved).
** As everywhere, the db_write callback clears its outputs first, since
** db_write may run it again.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "roll.h"
#include "svc_roll.h"
#include "svc_setup.h"

/* ---------------------------------------------------------------- orgs */

void svc_roll_org_free(svc_roll_org *o) {
  if (!o) return;
  free(o->name);
  o->name = NULL;
}

void svc_roll_orgs_free(svc_roll_org *o, size_t n) {
  size_t i;
  for (i = 0; o && i < n; i++) free(o[i].name);
  free(o);
}

web_status svc_roll_orgs(sqlite3 *db, int64_t admin_id, svc_roll_org **out,
                         size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT o.id, o.slug, o.name, o.tz FROM orgs o JOIN org_admins a "
          "ON a.org_id = o.id WHERE a.admin_id = ?1 ORDER BY o.id");
  svc_roll_org *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, admin_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_roll_org *o;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 10000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    o = &v[cnt++];
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, o->slug, sizeof o->slug);
    svcs_col_copy(st, 3, o->tz, sizeof o->tz);
    if (!(o->name = svcs_col_dup(st, 2))) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_roll_orgs_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_roll_org_get(sqlite3 *db, int64_t admin_id, const char *slug,
                            svc_roll_org *out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT o.id, o.slug, o.name, o.tz FROM orgs o JOIN org_admins a "
          "ON a.org_id = o.id WHERE a.admin_id = ?1 AND o.slug = ?2");
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  if (!slug) return WEB_ENOTFOUND;
  sqlite3_bind_int64(st, 1, admin_id);
  sqlite3_bind_text(st, 2, slug, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, out->slug, sizeof out->slug);
    svcs_col_copy(st, 3, out->tz, sizeof out->tz);
    out->name = svcs_col_dup(st, 2);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  return out->name ? WEB_OK : WEB_ENOMEM;
}

/* -------------------------------------------------------------- import */

/* The report: one JSON line per problem, in line order. */
static web_status write_report(const roll_result *res, wbuf *b) {
  size_t i;
  wbuf_init(b, SVC_ROLL_REPORT_MAX);
  for (i = 0; i < res->n_problems; i++) {
    const roll_problem *pr = &res->problem[i];
    jw w;
    jw_init(&w, b);
    jw_obj(&w);
    jw_kint(&w, "line", (int64_t)pr->line);
    if (pr->first_line) jw_kint(&w, "first_line", (int64_t)pr->first_line);
    jw_kstr(&w, "column", pr->column);
    jw_kstr(&w, "code", pr->code);
    if (pr->member_no[0]) jw_kstr(&w, "member_no", pr->member_no);
    jw_kstr(&w, "message", pr->msg);
    jw_obj_end(&w);
    wbuf_puts(b, "\n");
  }
  return b->err ? (web_status)b->err : WEB_OK;
}

struct imp {
  int64_t org_id, admin_id, now;
  const roll_result *res;
  int whole_roll;
  const char *file_name, *sha256, *report, *actor;
  /* out */
  svc_roll_counts c;
  int64_t id;
};

/* 1 if the stored tags of voter id are exactly row's (sorted both); -1
** on a database error. */
static int same_tags(sqlite3 *db, int64_t id, const roll_row *row) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT tag FROM voter_tags WHERE voter_id = ?1 ORDER BY tag");
  size_t i = 0;
  int rc, same = 1;
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    if (i >= row->n_tags || !t || strcmp(t, row->tag[i]) != 0) same = 0;
    i++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return -1;
  return same && i == row->n_tags;
}

static web_status put_tags(sqlite3 *db, int64_t id, const roll_row *row,
                           int replace) {
  sqlite3_stmt *st;
  size_t i;
  web_status s;
  if (replace) {
    st = db_stmt(db, "DELETE FROM voter_tags WHERE voter_id = ?1");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  }
  for (i = 0; i < row->n_tags; i++) {
    st = db_stmt(db, "INSERT INTO voter_tags (voter_id, tag) VALUES (?1, ?2)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, row->tag[i], -1, SQLITE_STATIC);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  }
  return WEB_OK;
}

/* Adds or updates the voter of one good row. */
static web_status upsert(sqlite3 *db, struct imp *x, const roll_row *row) {
  const roll_result *res = x->res;
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id, name, email, active FROM voters WHERE org_id = ?1 AND "
          "member_no = ?2");
  int64_t id;
  int rc, changed = 0, tags_changed = 0, has_email = res->has[ROLL_COL_EMAIL];
  char *email = NULL;
  web_status s;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->org_id);
  sqlite3_bind_text(st, 2, row->member_no, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    st = db_stmt(db, "INSERT INTO voters (org_id, member_no, name, email, "
                     "active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, "
                     "1, ?5, ?5)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, x->org_id);
    sqlite3_bind_text(st, 2, row->member_no, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, row->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row->email, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, x->now);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
    id = sqlite3_last_insert_rowid(db);
    x->c.added++;
    return put_tags(db, id, row, 0);
  }
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    return db_status(rc);
  }
  id = sqlite3_column_int64(st, 0);
  {
    const char *n = (const char *)sqlite3_column_text(st, 1);
    const char *e = (const char *)sqlite3_column_text(st, 2);
    if (!n || strcmp(n, row->name) != 0) changed = 1;
    if (has_email && (!e || strcmp(e, row->email) != 0)) changed = 1;
    if (!has_email) email = strdup(e ? e : "");
    if (sqlite3_column_int(st, 3) != 1) changed = 1;
  }
  sqlite3_reset(st);
  if (!has_email && !email) return WEB_ENOMEM;
  if (res->has[ROLL_COL_TAGS]) {
    int same = same_tags(db, id, row);
    if (same < 0) {
      free(email);
      return WEB_EDB;
    }
    tags_changed = !same;
  }
  if (!changed && !tags_changed) {
    free(email);
    x->c.unchanged++;
    return WEB_OK;
  }
  st = db_stmt(db, "UPDATE voters SET name = ?2, email = ?3, active = 1, "
                   "updated_at = ?4 WHERE id = ?1");
  if (!st) {
    free(email);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, has_email ? row->email : email, -1,
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, x->now);
  s = db_exec_stmt(st);
  free(email);
  if (s != WEB_OK) return s;
  x->c.updated++;
  return tags_changed ? put_tags(db, id, row, 1) : WEB_OK;
}

/* whole_roll: the org's active voters the file does not name become
** inactive.  The ids are collected before any update. */
static web_status deactivate(sqlite3 *db, struct imp *x) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id, member_no FROM voters WHERE org_id = ?1 AND active = 1");
  int64_t *ids = NULL;
  size_t n = 0, cap = 0, i;
  web_status s = WEB_OK;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->org_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *m = (const char *)sqlite3_column_text(st, 1);
    if (m && roll_listed(x->res, m)) continue;
    if (!svcs_grow((void **)&ids, &cap, n, sizeof *ids, (size_t)1 << 30)) {
      rc = SQLITE_NOMEM;
      break;
    }
    ids[n++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) s = db_status(rc);
  for (i = 0; !s && i < n; i++) {
    st = db_stmt(db, "UPDATE voters SET active = 0, updated_at = ?2 WHERE "
                     "id = ?1");
    if (!st) {
      s = WEB_EDB;
      break;
    }
    sqlite3_bind_int64(st, 1, ids[i]);
    sqlite3_bind_int64(st, 2, x->now);
    s = db_exec_stmt(st);
  }
  if (!s) x->c.deactivated = (int64_t)n;
  free(ids);
  return s;
}

static web_status import_fn(sqlite3 *db, void *ctx) {
  struct imp *x = ctx;
  sqlite3_stmt *st;
  size_t i;
  web_status s;
  wbuf b;
  jw w;
  int rc;
  memset(&x->c, 0, sizeof x->c);
  x->id = 0;
  st = db_stmt(db, "SELECT 1 FROM orgs WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->org_id);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  for (i = 0; i < x->res->n_rows; i++)
    if ((s = upsert(db, x, &x->res->row[i])) != WEB_OK) return s;
  if (x->whole_roll && (s = deactivate(db, x)) != WEB_OK) return s;
  x->c.rows = (int64_t)x->res->rows;
  x->c.rejected = (int64_t)x->res->rejected;
  x->c.duplicates = (int64_t)x->res->duplicates;
  st = db_stmt(db, "INSERT INTO roll_imports (org_id, admin_id, at, "
                   "file_name, sha256, whole_roll, n_rows, n_added, "
                   "n_updated, n_unchanged, n_deactivated, n_rejected, "
                   "n_duplicates, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                   "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->org_id);
  sqlite3_bind_int64(st, 2, x->admin_id);
  sqlite3_bind_int64(st, 3, x->now);
  sqlite3_bind_text(st, 4, x->file_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, x->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, x->whole_roll);
  sqlite3_bind_int64(st, 7, x->c.rows);
  sqlite3_bind_int64(st, 8, x->c.added);
  sqlite3_bind_int64(st, 9, x->c.updated);
  sqlite3_bind_int64(st, 10, x->c.unchanged);
  sqlite3_bind_int64(st, 11, x->c.deactivated);
  sqlite3_bind_int64(st, 12, x->c.rejected);
  sqlite3_bind_int64(st, 13, x->c.duplicates);
  sqlite3_bind_text(st, 14, x->report, -1, SQLITE_STATIC);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  x->id = sqlite3_last_insert_rowid(db);
  svcs_detail_open(&b, &w);
  jw_kint(&w, "org", x->org_id);
  jw_kstr(&w, "sha256", x->sha256);
  jw_kbool(&w, "whole_roll", x->whole_roll);
  jw_kint(&w, "rows", x->c.rows);
  jw_kint(&w, "added", x->c.added);
  jw_kint(&w, "updated", x->c.updated);
  jw_kint(&w, "unchanged", x->c.unchanged);
  jw_kint(&w, "deactivated", x->c.deactivated);
  jw_kint(&w, "rejected", x->c.rejected);
  jw_kint(&w, "duplicates", x->c.duplicates);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor, "roll.import", 0, "roll_import",
                 x->id, &b);
  wbuf_free(&b);
  return s;
}

web_status svc_roll_import(int64_t org_id, const char *data, size_t len,
                           const char *file_name, int whole_roll,
                           const char *actor, int64_t admin_id, int64_t now,
                           verr *v, int64_t *id_out) {
  roll_result res;
  struct imp x;
  unsigned char h[crypto_hash_sha256_BYTES];
  char sha[65], *fname = NULL;
  wbuf report;
  web_status s;
  v->n = 0;
  if (id_out) *id_out = 0;
  if (!data) data = "";
  if (file_name &&
      svcs_text(file_name, SVC_ROLL_FILE_NAME_MAX, 0, 0, "file_name",
                "The file name", v, &fname) &&
      !fname)
    return WEB_ENOMEM;
  if (whole_roll != 0 && whole_roll != 1)
    verr_add(v, "whole_roll", "invalid", "Say yes or no.");
  s = roll_parse(data, len, &res);
  if (s == WEB_ENOMEM) {
    free(fname);
    return s;
  }
  if (s == WEB_EINVALID) {
    verr_add(v, "csv", res.error_code, "%s", res.error);
  } else if (whole_roll == 1 && res.listed == 0) {
    verr_add(v, "whole_roll", "empty_roll",
             "The file names no member, so it cannot be the whole roll.");
  }
  if (v->n) {
    roll_free(&res);
    free(fname);
    return WEB_EINVALID;
  }
  crypto_hash_sha256(h, (const unsigned char *)data, len);
  sodium_bin2hex(sha, sizeof sha, h, sizeof h);
  if ((s = write_report(&res, &report)) != WEB_OK) {
    wbuf_free(&report);
    roll_free(&res);
    free(fname);
    return s;
  }
  memset(&x, 0, sizeof x);
  x.org_id = org_id;
  x.admin_id = admin_id;
  x.now = now;
  x.res = &res;
  x.whole_roll = whole_roll;
  x.file_name = fname ? fname : "";
  x.sha256 = sha;
  x.report = wbuf_str(&report);
  x.actor = actor;
  s = db_write(import_fn, &x);
  if (!s && id_out) *id_out = x.id;
  wbuf_free(&report);
  roll_free(&res);
  free(fname);
  return s;
}

/* ------------------------------------------------------------- readers */

#define IMPORT_COLS                                                        \
  "id, org_id, admin_id, at, file_name, sha256, whole_roll, n_rows, "      \
  "n_added, n_updated, n_unchanged, n_deactivated, n_rejected, "           \
  "n_duplicates"

static int import_row(sqlite3_stmt *st, svc_import *a) {
  memset(a, 0, sizeof *a);
  a->id = sqlite3_column_int64(st, 0);
  a->org_id = sqlite3_column_int64(st, 1);
  a->admin_id = sqlite3_column_int64(st, 2);
  a->at = sqlite3_column_int64(st, 3);
  a->file_name = svcs_col_dup(st, 4);
  svcs_col_copy(st, 5, a->sha256, sizeof a->sha256);
  a->whole_roll = sqlite3_column_int(st, 6);
  a->c.rows = sqlite3_column_int64(st, 7);
  a->c.added = sqlite3_column_int64(st, 8);
  a->c.updated = sqlite3_column_int64(st, 9);
  a->c.unchanged = sqlite3_column_int64(st, 10);
  a->c.deactivated = sqlite3_column_int64(st, 11);
  a->c.rejected = sqlite3_column_int64(st, 12);
  a->c.duplicates = sqlite3_column_int64(st, 13);
  return a->file_name != NULL;
}

void svc_roll_import_free(svc_import *a) {
  if (!a) return;
  free(a->file_name);
  free(a->report);
  a->file_name = a->report = NULL;
}

void svc_roll_imports_free(svc_import *a, size_t n) {
  size_t i;
  for (i = 0; a && i < n; i++) svc_roll_import_free(&a[i]);
  free(a);
}

web_status svc_roll_imports(sqlite3 *db, int64_t org_id, int limit,
                            svc_import **out, size_t *n) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT " IMPORT_COLS " FROM roll_imports WHERE org_id = "
                  "?1 ORDER BY id DESC LIMIT ?2");
  svc_import *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  if (limit < 1) limit = 1;
  if (limit > 100) limit = 100;
  sqlite3_bind_int64(st, 1, org_id);
  sqlite3_bind_int(st, 2, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 100)) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (!import_row(st, &v[cnt++])) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_roll_imports_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_roll_import_get(sqlite3 *db, int64_t org_id, int64_t id,
                               svc_import *out) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT " IMPORT_COLS ", report FROM roll_imports WHERE "
                  "id = ?1 AND org_id = ?2");
  int rc, ok = 1;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, org_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    ok = import_row(st, out);
    out->report = svcs_col_dup(st, 14);
    ok = ok && out->report;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!ok) {
    svc_roll_import_free(out);
    return WEB_ENOMEM;
  }
  return WEB_OK;
}

void svc_roll_voters_free(svc_voter *v, size_t n) {
  size_t i;
  for (i = 0; v && i < n; i++) {
    free(v[i].name);
    free(v[i].email);
    free(v[i].tags);
  }
  free(v);
}

/* The filters shared by the page and its count: ?1 org, ?2 status (0
** active, 1 inactive, 2 all), ?3 search text or NULL, ?4 tag or NULL. */
#define VOTER_WHERE                                                        \
  " WHERE v.org_id = ?1 AND (?2 = 2 OR v.active = (?2 = 0)) AND (?3 IS "   \
  "NULL OR instr(lower(v.member_no), lower(?3)) > 0 OR "                   \
  "instr(lower(v.name), lower(?3)) > 0 OR instr(lower(v.email), "          \
  "lower(?3)) > 0) AND (?4 IS NULL OR EXISTS (SELECT 1 FROM voter_tags t " \
  "WHERE t.voter_id = v.id AND t.tag = ?4))"

static void bind_filters(sqlite3_stmt *st, int64_t org_id,
                         const svc_roll_query *q) {
  sqlite3_bind_int64(st, 1, org_id);
  sqlite3_bind_int(st, 2, (int)q->status);
  if (q->q && *q->q) sqlite3_bind_text(st, 3, q->q, -1, SQLITE_STATIC);
  if (q->tag && *q->tag) sqlite3_bind_text(st, 4, q->tag, -1, SQLITE_STATIC);
}

web_status svc_roll_voters(sqlite3 *db, int64_t org_id,
                           const svc_roll_query *q, svc_voter **out,
                           size_t *n, int64_t *total) {
  sqlite3_stmt *st;
  svc_voter *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc, limit = q->limit;
  *out = NULL;
  *n = 0;
  if (total) *total = 0;
  if (limit < 1) limit = 1;
  if (limit > SVC_ROLL_PAGE_MAX) limit = SVC_ROLL_PAGE_MAX;
  if (total) {
    st = db_stmt(db, "SELECT count(*) FROM voters v" VOTER_WHERE);
    if (!st) return WEB_EDB;
    bind_filters(st, org_id, q);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *total = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return db_status(rc);
  }
  st = db_stmt(db, "SELECT v.id, v.member_no, v.name, v.email, v.active, "
                   "coalesce((SELECT group_concat(tag, ' ') FROM (SELECT "
                   "tag FROM voter_tags WHERE voter_id = v.id ORDER BY "
                   "tag)), ''), v.created_at, v.updated_at FROM voters v"
                   VOTER_WHERE " AND (?5 IS NULL OR v.member_no > ?5) "
                   "ORDER BY v.member_no LIMIT ?6");
  if (!st) return WEB_EDB;
  bind_filters(st, org_id, q);
  if (q->after && *q->after)
    sqlite3_bind_text(st, 5, q->after, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, limit);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_voter *x;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, SVC_ROLL_PAGE_MAX)) {
      rc = SQLITE_NOMEM;
      break;
    }
    x = &v[cnt++];
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, x->member_no, sizeof x->member_no);
    x->name = svcs_col_dup(st, 2);
    x->email = svcs_col_dup(st, 3);
    x->active = sqlite3_column_int(st, 4);
    x->tags = svcs_col_dup(st, 5);
    x->created_at = sqlite3_column_int64(st, 6);
    x->updated_at = sqlite3_column_int64(st, 7);
    if (!x->name || !x->email || !x->tags) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_roll_voters_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_roll_summary_get(sqlite3 *db, int64_t org_id,
                                svc_roll_summary *out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT coalesce(sum(active), 0), coalesce(sum(1 - active), 0), "
          "coalesce(sum(active AND email = ''), 0), (SELECT count(*) FROM "
          "roll_imports WHERE org_id = ?1) FROM voters WHERE org_id = ?1");
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, org_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->active = sqlite3_column_int64(st, 0);
    out->inactive = sqlite3_column_int64(st, 1);
    out->no_email = sqlite3_column_int64(st, 2);
    out->imports = sqlite3_column_int64(st, 3);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? WEB_OK : db_status(rc);
}

void svc_tag_counts_free(svc_tag_count *t) { free(t); }

web_status svc_roll_tag_counts(sqlite3 *db, int64_t org_id,
                               svc_tag_count **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT t.tag, count(*) AS c FROM voter_tags t JOIN voters v ON "
          "v.id = t.voter_id WHERE v.org_id = ?1 AND v.active = 1 GROUP BY "
          "t.tag ORDER BY c DESC, t.tag LIMIT ?2");
  svc_tag_count *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, org_id);
  sqlite3_bind_int(st, 2, SVC_ROLL_TAGS_LIST_MAX);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v,
                   SVC_ROLL_TAGS_LIST_MAX)) {
      rc = SQLITE_NOMEM;
      break;
    }
    svcs_col_copy(st, 0, v[cnt].tag, sizeof v[cnt].tag);
    v[cnt].n = sqlite3_column_int64(st, 1);
    cnt++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    free(v);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

/* ---------------------------------------------------------- electorate */

typedef struct ev {
  int64_t id, org;
  char *email; /* normalised; "" for none */
  size_t elector;
} ev;

static int ev_cmp(const void *a, const void *b) {
  const ev *x = a, *y = b;
  int c = strcmp(x->email, y->email);
  if (c) return c;
  if (x->org != y->org) return x->org < y->org ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Trimmed of spaces and tabs, ASCII letters lowered. */
static char *email_norm(const char *s) {
  size_t a = 0, b = s ? strlen(s) : 0, i;
  char *o;
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  if (!(o = malloc(b - a + 1))) return NULL;
  for (i = a; i < b; i++)
    o[i - a] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
  o[b - a] = 0;
  return o;
}

void svc_electorate_free(svc_electorate *e) {
  if (!e) return;
  free(e->elector);
  free(e->voter_id);
  memset(e, 0, sizeof *e);
}

web_status svc_roll_electorate(sqlite3 *db, int64_t election_id,
                               svc_electorate *out) {
  sqlite3_stmt *st;
  ev *v = NULL;
  size_t n = 0, cap = 0, i, j, ne = 0, *fill = NULL;
  int rc;
  web_status s = WEB_OK;
  memset(out, 0, sizeof *out);
  st = db_stmt(db, "SELECT count(*) FROM election_orgs WHERE election_id = "
                   "?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) out->n_orgs = (size_t)sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!out->n_orgs) return WEB_ENOTFOUND;
  st = db_stmt(db, "SELECT v.id, v.org_id, v.email FROM voters v JOIN "
                   "election_orgs eo ON eo.org_id = v.org_id WHERE "
                   "eo.election_id = ?1 AND v.active = 1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!svcs_grow((void **)&v, &cap, n, sizeof *v, (size_t)1 << 30)) {
      rc = SQLITE_NOMEM;
      break;
    }
    v[n].id = sqlite3_column_int64(st, 0);
    v[n].org = sqlite3_column_int64(st, 1);
    v[n].email = email_norm((const char *)sqlite3_column_text(st, 2));
    if (!v[n++].email) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    s = db_status(rc);
    goto out;
  }
  if (n) qsort(v, n, sizeof *v, ev_cmp);
  /* each email's voters: the k-th of each org (runs are contiguous, in
  ** id order) joins the group's k-th elector */
  for (i = 0; i < n;) {
    size_t end = i + 1, base = ne, most = 0, run = 0;
    if (!v[i].email[0]) { /* no email: never merged */
      v[i].elector = ne++;
      i++;
      continue;
    }
    while (end < n && strcmp(v[end].email, v[i].email) == 0) end++;
    for (j = i; j < end; j++) {
      run = j > i && v[j].org == v[j - 1].org ? run + 1 : 0;
      v[j].elector = base + run;
      if (run + 1 > most) most = run + 1;
    }
    ne += most;
    i = end;
  }
  out->elector = calloc(ne ? ne : 1, sizeof *out->elector);
  out->voter_id = malloc((n ? n : 1) * sizeof *out->voter_id);
  fill = calloc(ne ? ne : 1, sizeof *fill);
  if (!out->elector || !out->voter_id || !fill) {
    s = WEB_ENOMEM;
    goto out;
  }
  for (i = 0; i < n; i++) out->elector[v[i].elector].n++;
  for (i = 0, j = 0; i < ne; i++) {
    out->elector[i].first = j;
    j += out->elector[i].n;
  }
  /* in sorted order, so each elector's first voter has the lowest org */
  for (i = 0; i < n; i++) {
    svc_elector *e = &out->elector[v[i].elector];
    if (fill[v[i].elector] == 0) {
      e->voter_id = v[i].id;
      e->org_id = v[i].org;
    }
    out->voter_id[e->first + fill[v[i].elector]++] = v[i].id;
  }
  out->n_voters = n;
  out->n_electors = ne;
  out->n_merged = n - ne;
out:
  for (i = 0; i < n; i++) free(v[i].email);
  free(v);
  free(fill);
  if (s) {
    size_t orgs = out->n_orgs;
    svc_electorate_free(out);
    out->n_orgs = orgs;
  }
  return s;
}
