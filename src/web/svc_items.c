/*
** svc_items.c: what an election lists besides contests: checklist
** questions, the categories candidates may declare, and the branches that
** send supporting nominations (each with a private link, shown once and
** stored hashed), with their readers (svc_setup.h).
**
** As everywhere in the set-up services, each db_write callback clears v
** and its outputs first, since db_write may run it again.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_setup.h"

/* ------------------------------------------------------------ questions */

struct q_write {
  int64_t election_id, id, now, out_id;
  const char *text, *short_label, *actor;
  int allow_comment;
  verr *v;
};

static web_status q_write_fn(sqlite3 *db, void *ctx) {
  struct q_write *x = ctx;
  sqlite3_stmt *st;
  wbuf b;
  jw w;
  web_status s;
  char *otext = NULL, *oshort = NULL;
  int oallow = 0, rc;
  int64_t id = x->id;
  x->v->n = 0;
  x->out_id = 0;
  if ((s = svcs_phase_below(db, x->election_id, PHASE_REVIEW,
                            "The questions", x->v)) != WEB_OK)
    return s;
  if (id > 0) {
    st = db_stmt(db, "SELECT text, short, allow_comment FROM questions "
                     "WHERE id = ?1 AND election_id = ?2");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, x->election_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      otext = svcs_col_dup(st, 0);
      oshort = svcs_col_dup(st, 1);
      oallow = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
    if (rc != SQLITE_ROW) return db_status(rc);
    if (!otext || !oshort) {
      s = WEB_ENOMEM;
      goto out;
    }
    if (strcmp(otext, x->text) == 0 && strcmp(oshort, x->short_label) == 0 &&
        oallow == x->allow_comment)
      goto out;
    st = db_stmt(db, "UPDATE questions SET text = ?2, short = ?3, "
                     "allow_comment = ?4 WHERE id = ?1");
    if (!st) {
      s = WEB_EDB;
      goto out;
    }
    sqlite3_bind_int64(st, 1, id);
  } else {
    int64_t count = svcs_count(db, "questions", x->election_id);
    if (count < 0) return WEB_EDB;
    if (count >= SVC_MAX_QUESTIONS) {
      svcs_conflict(x->v, "", "too_many",
                    "An election can have at most %d questions.",
                    SVC_MAX_QUESTIONS);
      return WEB_ECONFLICT;
    }
    st = db_stmt(db, "INSERT INTO questions (election_id, text, short, "
                     "allow_comment, position) VALUES (?5, ?2, ?3, ?4, "
                     "(SELECT coalesce(max(position), 0) + 1 FROM questions "
                     "WHERE election_id = ?5))");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 5, x->election_id);
  }
  sqlite3_bind_text(st, 2, x->text, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, x->short_label, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, x->allow_comment);
  if ((s = db_exec_stmt(st)) != WEB_OK) goto out;
  if (id <= 0) id = sqlite3_last_insert_rowid(db);
  svcs_detail_open(&b, &w);
  if (otext) {
    jw_key(&w, "old");
    jw_obj(&w);
    jw_kstr(&w, "text", otext);
    jw_kstr(&w, "short", oshort);
    jw_kbool(&w, "allow_comment", oallow);
    jw_obj_end(&w);
    jw_key(&w, "new");
    jw_obj(&w);
  }
  jw_kstr(&w, "text", x->text);
  jw_kstr(&w, "short", x->short_label);
  jw_kbool(&w, "allow_comment", x->allow_comment);
  if (otext) jw_obj_end(&w);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor,
                 otext ? "question.update" : "question.create",
                 x->election_id, "question", id, &b);
  wbuf_free(&b);
  if (!s) x->out_id = id;
out:
  free(otext);
  free(oshort);
  return s;
}

static web_status q_action(int64_t election_id, int64_t id,
                           const svc_question_input *in, const char *actor,
                           int64_t now, verr *v, int64_t *id_out) {
  struct q_write x;
  char *text = NULL, *sh = NULL;
  web_status s = WEB_OK;
  v->n = 0;
  if (id_out) *id_out = 0;
  if (svcs_text(in->text, SVC_QUESTION_MAX, 1, 1, "text", "The question", v,
                &text) &&
      !text)
    s = WEB_ENOMEM;
  if (svcs_text(in->short_label, SVC_SHORT_MAX, 0, 1, "short",
                "A short label", v, &sh) &&
      !sh)
    s = WEB_ENOMEM;
  if (in->allow_comment != 0 && in->allow_comment != 1)
    verr_add(v, "allow_comment", "invalid", "Say yes or no.");
  if (!s && v->n) s = WEB_EINVALID;
  if (!s) {
    x.election_id = election_id;
    x.id = id;
    x.now = now;
    x.out_id = 0;
    x.text = text;
    x.short_label = sh;
    x.actor = actor;
    x.allow_comment = in->allow_comment;
    x.v = v;
    s = db_write(q_write_fn, &x);
    if (!s && id_out) *id_out = x.out_id;
  }
  free(text);
  free(sh);
  return s;
}

web_status svc_question_create(int64_t election_id,
                               const svc_question_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v, int64_t *id_out) {
  (void)admin_id;
  return q_action(election_id, 0, in, actor, now, v, id_out);
}

web_status svc_question_update(int64_t election_id, int64_t question_id,
                               const svc_question_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v) {
  (void)admin_id;
  if (question_id <= 0) {
    v->n = 0;
    return WEB_ENOTFOUND;
  }
  return q_action(election_id, question_id, in, actor, now, v, NULL);
}

void svc_questions_free(svc_question *q, size_t n) {
  size_t i;
  for (i = 0; q && i < n; i++) {
    free(q[i].text);
    free(q[i].short_label);
  }
  free(q);
}

web_status svc_questions(sqlite3 *db, int64_t election_id,
                         svc_question **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id, position, text, short, allow_comment FROM questions "
          "WHERE election_id = ?1 ORDER BY position, id");
  svc_question *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_question *q;
    if (cnt == SVC_MAX_QUESTIONS) { /* more than creation allows */
      sqlite3_reset(st);
      svc_questions_free(v, cnt);
      return WEB_ETOOBIG;
    }
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, SVC_MAX_QUESTIONS)) {
      rc = SQLITE_NOMEM;
      break;
    }
    q = &v[cnt++];
    memset(q, 0, sizeof *q);
    q->id = sqlite3_column_int64(st, 0);
    q->position = sqlite3_column_int(st, 1);
    q->text = svcs_col_dup(st, 2);
    q->short_label = svcs_col_dup(st, 3);
    q->allow_comment = sqlite3_column_int(st, 4);
    if (!q->text || !q->short_label) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_questions_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

/* ----------------------------------------------------------- categories */

struct cat_write {
  int64_t election_id, id, now, out_id;
  const char *slug, *label, *actor;
  verr *v;
};

static web_status cat_write_fn(sqlite3 *db, void *ctx) {
  struct cat_write *x = ctx;
  sqlite3_stmt *st;
  char *old = NULL, slug[SVC_SLUG_MAX + 1] = "";
  int64_t id = x->id;
  wbuf b;
  jw w;
  int rc;
  web_status s;
  x->v->n = 0;
  x->out_id = 0;
  if ((s = svcs_phase_below(db, x->election_id, PHASE_REVIEW,
                            "The categories", x->v)) != WEB_OK)
    return s;
  if (id > 0) {
    st = db_stmt(db, "SELECT label, slug FROM categories WHERE id = ?1 AND "
                     "election_id = ?2");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, x->election_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      old = svcs_col_dup(st, 0);
      svcs_col_copy(st, 1, slug, sizeof slug);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
    if (rc != SQLITE_ROW) return db_status(rc);
    if (!old) return WEB_ENOMEM;
    if (strcmp(old, x->label) == 0) goto out;
    st = db_stmt(db, "UPDATE categories SET label = ?2 WHERE id = ?1");
    if (!st) {
      s = WEB_EDB;
      goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, x->label, -1, SQLITE_STATIC);
  } else {
    id = svcs_category_id(db, x->election_id, x->slug);
    if (id < 0) return WEB_EDB;
    if (id > 0) {
      svcs_conflict(x->v, "slug", "duplicate",
                    "This election already has a category called %s.",
                    x->slug);
      return WEB_ECONFLICT;
    }
    {
      int64_t count = svcs_count(db, "categories", x->election_id);
      if (count < 0) return WEB_EDB;
      if (count >= SVC_MAX_CATEGORIES) {
        svcs_conflict(x->v, "", "too_many",
                      "An election can have at most %d categories.",
                      SVC_MAX_CATEGORIES);
        return WEB_ECONFLICT;
      }
    }
    snprintf(slug, sizeof slug, "%s", x->slug);
    st = db_stmt(db, "INSERT INTO categories (election_id, slug, label) "
                     "VALUES (?1, ?2, ?3)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, x->election_id);
    sqlite3_bind_text(st, 2, x->slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->label, -1, SQLITE_STATIC);
  }
  if ((s = db_exec_stmt(st)) != WEB_OK) goto out;
  if (id <= 0) id = sqlite3_last_insert_rowid(db);
  svcs_detail_open(&b, &w);
  jw_kstr(&w, "slug", slug);
  if (old) {
    jw_key(&w, "label");
    jw_obj(&w);
    jw_kstr(&w, "old", old);
    jw_kstr(&w, "new", x->label);
    jw_obj_end(&w);
  } else
    jw_kstr(&w, "label", x->label);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor,
                 old ? "category.update" : "category.create", x->election_id,
                 "category", id, &b);
  wbuf_free(&b);
  if (!s) x->out_id = id;
out:
  free(old);
  return s;
}

static web_status cat_action(int64_t election_id, int64_t id,
                             const char *slug, const char *label,
                             const char *actor, int64_t now, verr *v,
                             int64_t *id_out) {
  struct cat_write x;
  char *lab = NULL;
  web_status s = WEB_OK;
  v->n = 0;
  if (id_out) *id_out = 0;
  if (id <= 0) {
    if (!slug || !*slug)
      verr_add(v, "slug", "required", "Enter a short name for the category.");
    else if (!svc_slug_ok(slug))
      verr_add(v, "slug", "invalid",
               "The short name must be 1 to 40 lowercase letters, digits "
               "and hyphens.");
  }
  if (svcs_text(label, SVC_LABEL_MAX, 0, 1, "label", "A label", v, &lab) &&
      !lab)
    return WEB_ENOMEM;
  if (v->n) {
    free(lab);
    return WEB_EINVALID;
  }
  x.election_id = election_id;
  x.id = id;
  x.now = now;
  x.out_id = 0;
  x.slug = slug;
  x.label = lab;
  x.actor = actor;
  x.v = v;
  s = db_write(cat_write_fn, &x);
  if (!s && id_out) *id_out = x.out_id;
  free(lab);
  return s;
}

web_status svc_category_create(int64_t election_id, const char *slug,
                               const char *label, const char *actor,
                               int64_t admin_id, int64_t now, verr *v,
                               int64_t *id_out) {
  (void)admin_id;
  return cat_action(election_id, 0, slug, label, actor, now, v, id_out);
}

web_status svc_category_update(int64_t election_id, int64_t category_id,
                               const char *label, const char *actor,
                               int64_t admin_id, int64_t now, verr *v) {
  (void)admin_id;
  if (category_id <= 0) {
    v->n = 0;
    return WEB_ENOTFOUND;
  }
  return cat_action(election_id, category_id, NULL, label, actor, now, v,
                    NULL);
}

void svc_categories_free(svc_category *c, size_t n) {
  size_t i;
  for (i = 0; c && i < n; i++) free(c[i].label);
  free(c);
}

web_status svc_categories(sqlite3 *db, int64_t election_id,
                          svc_category **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(db, "SELECT id, slug, label FROM categories "
                                 "WHERE election_id = ?1 ORDER BY slug");
  svc_category *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_category *c;
    if (cnt == SVC_MAX_CATEGORIES) { /* more than creation allows */
      sqlite3_reset(st);
      svc_categories_free(v, cnt);
      return WEB_ETOOBIG;
    }
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, SVC_MAX_CATEGORIES)) {
      rc = SQLITE_NOMEM;
      break;
    }
    c = &v[cnt++];
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, c->slug, sizeof c->slug);
    c->label = svcs_col_dup(st, 2);
    if (!c->label) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_categories_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

/* ------------------------------------------------------------- branches */

struct br_write {
  int64_t election_id, id, now, out_id;
  const char *name, *actor;
  const unsigned char *hash;
  verr *v;
};

static web_status br_write_fn(sqlite3 *db, void *ctx) {
  struct br_write *x = ctx;
  sqlite3_stmt *st;
  int64_t id = x->id;
  wbuf b;
  jw w;
  int rc;
  web_status s;
  x->v->n = 0;
  x->out_id = 0;
  if ((s = svcs_phase_below(db, x->election_id, PHASE_VOTING, "Branches",
                            x->v)) != WEB_OK)
    return s;
  if (id > 0) {
    st = db_stmt(db, "UPDATE branches SET link_hash = ?3 WHERE id = ?1 AND "
                     "election_id = ?2");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, x->election_id);
    sqlite3_bind_blob(st, 3, x->hash, 32, SQLITE_STATIC);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
    if (sqlite3_changes(db) != 1) return WEB_ENOTFOUND;
  } else {
    st = db_stmt(db, "SELECT 1 FROM branches WHERE election_id = ?1 AND "
                     "name = ?2");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, x->election_id);
    sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
      svcs_conflict(x->v, "name", "duplicate",
                    "This election already has a branch with that name.");
      return WEB_ECONFLICT;
    }
    if (rc != SQLITE_DONE) return db_status(rc);
    {
      int64_t count = svcs_count(db, "branches", x->election_id);
      if (count < 0) return WEB_EDB;
      if (count >= SVC_MAX_BRANCHES) {
        svcs_conflict(x->v, "", "too_many",
                      "An election can have at most %d branches.",
                      SVC_MAX_BRANCHES);
        return WEB_ECONFLICT;
      }
    }
    st = db_stmt(db, "INSERT INTO branches (election_id, name, link_hash) "
                     "VALUES (?1, ?2, ?3)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, x->election_id);
    sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, x->hash, 32, SQLITE_STATIC);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
    id = sqlite3_last_insert_rowid(db);
  }
  svcs_detail_open(&b, &w);
  if (x->name) jw_kstr(&w, "name", x->name);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor,
                 x->id > 0 ? "branch.new_link" : "branch.create",
                 x->election_id, "branch", id, &b);
  wbuf_free(&b);
  if (!s) x->out_id = id;
  return s;
}

static web_status br_action(int64_t election_id, int64_t id,
                            const char *name, const char *actor, int64_t now,
                            verr *v, int64_t *id_out,
                            char link_out[TOKEN_LEN + 1]) {
  struct br_write x;
  char *nm = NULL, tok[TOKEN_LEN + 1];
  unsigned char hash[32];
  web_status s;
  v->n = 0;
  link_out[0] = 0;
  if (id_out) *id_out = 0;
  if (id <= 0) {
    if (!svcs_text(name, SVC_BRANCH_MAX, 0, 1, "name", "The branch's name",
                   v, &nm))
      return WEB_EINVALID;
    if (!nm) return WEB_ENOMEM;
  }
  auth_token_new(NULL, tok, sizeof tok);
  if (strlen(tok) != TOKEN_LEN) {
    free(nm);
    return WEB_ECRYPTO;
  }
  auth_token_hash(tok, hash);
  x.election_id = election_id;
  x.id = id;
  x.now = now;
  x.out_id = 0;
  x.name = nm;
  x.actor = actor;
  x.hash = hash;
  x.v = v;
  s = db_write(br_write_fn, &x);
  free(nm);
  if (!s) {
    memcpy(link_out, tok, TOKEN_LEN + 1);
    if (id_out) *id_out = x.out_id;
  }
  return s;
}

web_status svc_branch_create(int64_t election_id, const char *name,
                             const char *actor, int64_t admin_id,
                             int64_t now, verr *v, int64_t *id_out,
                             char link_out[TOKEN_LEN + 1]) {
  (void)admin_id;
  return br_action(election_id, 0, name, actor, now, v, id_out, link_out);
}

web_status svc_branch_new_link(int64_t election_id, int64_t branch_id,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v,
                               char link_out[TOKEN_LEN + 1]) {
  (void)admin_id;
  if (branch_id <= 0) {
    v->n = 0;
    link_out[0] = 0;
    return WEB_ENOTFOUND;
  }
  return br_action(election_id, branch_id, NULL, actor, now, v, NULL,
                   link_out);
}

void svc_branches_free(svc_branch *b, size_t n) {
  size_t i;
  for (i = 0; b && i < n; i++) free(b[i].name);
  free(b);
}

web_status svc_branches(sqlite3 *db, int64_t election_id, svc_branch **out,
                        size_t *n) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT id, name, link_hash IS NOT NULL FROM branches "
                  "WHERE election_id = ?1 ORDER BY name, id");
  svc_branch *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_branch *b;
    if (cnt == SVC_MAX_BRANCHES) { /* more than creation allows */
      sqlite3_reset(st);
      svc_branches_free(v, cnt);
      return WEB_ETOOBIG;
    }
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, SVC_MAX_BRANCHES)) {
      rc = SQLITE_NOMEM;
      break;
    }
    b = &v[cnt++];
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(st, 0);
    b->name = svcs_col_dup(st, 1);
    b->has_link = sqlite3_column_int(st, 2);
    if (!b->name) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_branches_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}
