/*
** svc_contest.c: contests (with their category constraints and
** eligibility tags), their readers, and moving contests and questions up
** and down (svc_setup.h).  Questions, categories and branches are in
** svc_items.c.
**
** As in svc_setup.c, every db_write callback clears v and its outputs
** first (db_write may run it again), re-reads what it depends on, and
** writes the change with its audit row in the same transaction.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stv.h"
#include "svc_setup.h"

/* ------------------------------------------------------------- contests */

/* A contest's settings in one comparable form: constraints sorted by
** category slug, tags sorted (as the readers return them). */
typedef struct cstate {
  const char *slug, *title, *rules, *kind;
  int seats, threshold;
  size_t nc, nt;
  const char *cat[SVC_MAX_CONSTRAINTS];
  int64_t cat_id[SVC_MAX_CONSTRAINTS];
  int min[SVC_MAX_CONSTRAINTS], max[SVC_MAX_CONSTRAINTS];
  const char *tag[SVC_MAX_TAGS];
} cstate;

static int tag_ok(const char *s) {
  size_t i;
  if (!s || !*s) return 0;
  for (i = 0; s[i]; i++) {
    char c = s[i];
    if (i >= SVC_TAG_MAX) return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == ':' || c == '_'))
      return 0;
  }
  return 1;
}

static int rules_known(const char *r) {
  const char *const *n = stv_rule_names();
  for (; r && n && *n; n++)
    if (strcmp(*n, r) == 0) return 1;
  return 0;
}

int64_t svcs_category_id(sqlite3 *db, int64_t election_id,
                         const char *slug) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id FROM categories WHERE election_id = ?1 AND slug = ?2");
  int64_t id = 0;
  int rc;
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* Validates in (reading the election's categories) and, when fine and
** cs is not NULL, fills cs (title points into *title, which the caller
** frees).  Adds to v without clearing it. */
static web_status contest_check(sqlite3 *db, int64_t election_id,
                                const svc_contest_input *in, verr *v,
                                cstate *cs, char **title) {
  size_t i, j;
  int seats_ok = in->seats >= 1 && in->seats <= STV_MAX_SEATS;
  char f[FORM_MAX_NAME + 1];
  *title = NULL;
  if (!in->slug || !*in->slug)
    verr_add(v, "slug", "required", "Enter a short name for the contest.");
  else if (!svc_slug_ok(in->slug))
    verr_add(v, "slug", "invalid",
             "The short name must be 1 to 40 lowercase letters, digits and "
             "hyphens.");
  if (svcs_text(in->title, SVC_TITLE_MAX, 0, 1, "title", "The title", v,
                title) &&
      !*title)
    return WEB_ENOMEM;
  if (!seats_ok)
    verr_add(v, "seats", "out_of_range",
             "The number of seats must be between 1 and %d.", STV_MAX_SEATS);
  if (!in->rules || !*in->rules)
    verr_add(v, "rules", "required", "Choose the counting rules.");
  else if (!rules_known(in->rules)) {
    char list[200] = "";
    const char *const *n = stv_rule_names();
    size_t used = 0;
    for (; n && *n && used < sizeof list; n++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                               used ? ", " : "", *n);
    verr_add(v, "rules", "unknown_rules",
             "Unknown counting rules; choose one of: %s.", list);
  }
  if (in->threshold < 0 || in->threshold > SVC_THRESHOLD_MAX)
    verr_add(v, "threshold", "out_of_range",
             "The threshold must be between 0 and %d.", SVC_THRESHOLD_MAX);
  if (in->threshold_kind && *in->threshold_kind &&
      strcmp(in->threshold_kind, "branch") != 0 &&
      strcmp(in->threshold_kind, "member") != 0)
    verr_add(v, "threshold_kind", "invalid",
             "The kind of supporting nomination is branch or member.");
  else if (in->threshold > 0 &&
           (!in->threshold_kind || !*in->threshold_kind))
    verr_add(v, "threshold_kind", "required",
             "Say whether supporting nominations come from branches or "
             "members.");
  if (in->n_constraints > SVC_MAX_CONSTRAINTS)
    verr_add(v, "constraints", "too_many",
             "At most %d constraints per contest.", SVC_MAX_CONSTRAINTS);
  else
    for (i = 0; i < in->n_constraints; i++) {
      const svc_constraint_input *c = &in->constraints[i];
      int64_t id = 0;
      snprintf(f, sizeof f, "constraints.%zu.category", i);
      if (!c->category || !*c->category)
        verr_add(v, f, "required", "Choose a category.");
      else if (!svc_slug_ok(c->category) ||
               (id = svcs_category_id(db, election_id, c->category)) == 0)
        verr_add(v, f, "unknown_category",
                 "There is no category with that short name in this "
                 "election; add it first.");
      else if (id < 0)
        return WEB_EDB;
      else {
        for (j = 0; j < i; j++)
          if (in->constraints[j].category &&
              strcmp(in->constraints[j].category, c->category) == 0)
            break;
        if (j < i)
          verr_add(v, f, "duplicate",
                   "This category already has a constraint.");
        else if (cs)
          cs->cat_id[i] = id;
      }
      snprintf(f, sizeof f, "constraints.%zu.min", i);
      if (c->min < 0 || (seats_ok && c->min > in->seats))
        verr_add(v, f, "out_of_range",
                 "The minimum must be between 0 and the number of seats.");
      snprintf(f, sizeof f, "constraints.%zu.max", i);
      if (c->max != -1 &&
          (c->max < 0 || c->max < c->min || (seats_ok && c->max > in->seats)))
        verr_add(v, f, "out_of_range",
                 "The maximum must be between the minimum and the number "
                 "of seats, or none.");
    }
  if (in->n_tags > SVC_MAX_TAGS)
    verr_add(v, "eligible_tags", "too_many", "At most %d tags.",
             SVC_MAX_TAGS);
  else
    for (i = 0; i < in->n_tags; i++) {
      snprintf(f, sizeof f, "eligible_tags.%zu", i);
      if (!tag_ok(in->tags[i]))
        verr_add(v, f, "invalid",
                 "A tag is 1 to 40 lowercase letters, digits, '-', '_' "
                 "and ':'.");
      else {
        for (j = 0; j < i; j++)
          if (strcmp(in->tags[j], in->tags[i]) == 0) break;
        if (j < i) verr_add(v, f, "duplicate", "This tag is listed twice.");
      }
    }
  if (v->n) return WEB_EINVALID;
  if (cs) {
    cs->slug = in->slug;
    cs->title = *title;
    cs->rules = in->rules;
    /* no threshold, no kind: what a branch's link and the queue count
    ** by is the kind, so a kind without a threshold must not linger */
    cs->kind = in->threshold > 0 && in->threshold_kind && *in->threshold_kind
                   ? in->threshold_kind
                   : NULL;
    cs->seats = in->seats;
    cs->threshold = in->threshold;
    cs->nc = in->n_constraints;
    cs->nt = in->n_tags;
    for (i = 0; i < cs->nc; i++) {
      cs->cat[i] = in->constraints[i].category;
      cs->min[i] = in->constraints[i].min;
      cs->max[i] = in->constraints[i].max;
    }
    for (i = 0; i < cs->nt; i++) cs->tag[i] = in->tags[i];
    /* sort as the readers do, so old and new compare */
    for (i = 1; i < cs->nc; i++)
      for (j = i; j > 0 && strcmp(cs->cat[j - 1], cs->cat[j]) > 0; j--) {
        const char *t = cs->cat[j];
        int64_t ti = cs->cat_id[j];
        int a = cs->min[j], b = cs->max[j];
        cs->cat[j] = cs->cat[j - 1];
        cs->cat_id[j] = cs->cat_id[j - 1];
        cs->min[j] = cs->min[j - 1];
        cs->max[j] = cs->max[j - 1];
        cs->cat[j - 1] = t;
        cs->cat_id[j - 1] = ti;
        cs->min[j - 1] = a;
        cs->max[j - 1] = b;
      }
    for (i = 1; i < cs->nt; i++)
      for (j = i; j > 0 && strcmp(cs->tag[j - 1], cs->tag[j]) > 0; j--) {
        const char *t = cs->tag[j];
        cs->tag[j] = cs->tag[j - 1];
        cs->tag[j - 1] = t;
      }
  }
  return WEB_OK;
}

web_status svc_contest_check(sqlite3 *db, int64_t election_id,
                             const svc_contest_input *in, verr *v) {
  char *title = NULL;
  web_status s;
  v->n = 0;
  s = contest_check(db, election_id, in, v, NULL, &title);
  free(title);
  return s;
}

/* Keys of a contest's settings, for the audit detail. */
enum { CK_SLUG, CK_TITLE, CK_SEATS, CK_RULES, CK_THRESHOLD, CK_KIND,
       CK_CONSTRAINTS, CK_TAGS, CK_COUNT };
static const char *const ck_names[CK_COUNT] = {
    "slug",      "title",          "seats",       "rules",
    "threshold", "threshold_kind", "constraints", "eligible_tags"};

static void cs_write(jw *w, const cstate *c, int k) {
  size_t i;
  switch (k) {
  case CK_SLUG: jw_str(w, c->slug); break;
  case CK_TITLE: jw_str(w, c->title); break;
  case CK_SEATS: jw_int(w, c->seats); break;
  case CK_RULES: jw_str(w, c->rules); break;
  case CK_THRESHOLD: jw_int(w, c->threshold); break;
  case CK_KIND: jw_str(w, c->kind); break;
  case CK_CONSTRAINTS:
    jw_arr(w);
    for (i = 0; i < c->nc; i++) {
      jw_obj(w);
      jw_kstr(w, "category", c->cat[i]);
      jw_kint(w, "min", c->min[i]);
      jw_key(w, "max");
      if (c->max[i] < 0) jw_null(w);
      else jw_int(w, c->max[i]);
      jw_obj_end(w);
    }
    jw_arr_end(w);
    break;
  default:
    jw_arr(w);
    for (i = 0; i < c->nt; i++) jw_str(w, c->tag[i]);
    jw_arr_end(w);
  }
}

/* 1 if key k differs between a and b (0 on out of memory: no change is
** the safe reading, since the caller writes everything anyway). */
static int cs_differs(const cstate *a, const cstate *b, int k) {
  wbuf x, y;
  jw wx, wy;
  int d;
  wbuf_init(&x, (size_t)16 << 10);
  wbuf_init(&y, (size_t)16 << 10);
  jw_init(&wx, &x);
  jw_init(&wy, &y);
  cs_write(&wx, a, k);
  cs_write(&wy, b, k);
  d = !x.err && !y.err && strcmp(wbuf_str(&x), wbuf_str(&y)) != 0;
  wbuf_free(&x);
  wbuf_free(&y);
  return d;
}

/* Writes the contest's row fields, constraints and tags (id > 0: update,
** replacing the constraints and tags). */
static web_status contest_store(sqlite3 *db, int64_t election_id,
                                const cstate *c, int64_t *id) {
  sqlite3_stmt *st;
  web_status s;
  size_t i;
  if (*id > 0) {
    st = db_stmt(db, "UPDATE contests SET slug = ?2, title = ?3, seats = ?4, "
                     "rules = ?5, threshold = ?6, threshold_kind = ?7 "
                     "WHERE id = ?1");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, *id);
  } else {
    st = db_stmt(db, "INSERT INTO contests (election_id, slug, title, "
                     "seats, rules, threshold, threshold_kind, position) "
                     "VALUES (?8, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT "
                     "coalesce(max(position), 0) + 1 FROM contests WHERE "
                     "election_id = ?8))");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 8, election_id);
  }
  sqlite3_bind_text(st, 2, c->slug, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->title, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, c->seats);
  sqlite3_bind_text(st, 5, c->rules, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, c->threshold);
  if (c->kind) sqlite3_bind_text(st, 7, c->kind, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, 7);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  if (*id <= 0) *id = sqlite3_last_insert_rowid(db);
  st = db_stmt(db, "DELETE FROM contest_constraints WHERE contest_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, *id);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "DELETE FROM contest_eligibility WHERE contest_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, *id);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  for (i = 0; i < c->nc; i++) {
    st = db_stmt(db, "INSERT INTO contest_constraints (contest_id, "
                     "category_id, min_seats, max_seats) VALUES "
                     "(?1, ?2, ?3, ?4)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_int64(st, 2, c->cat_id[i]);
    sqlite3_bind_int(st, 3, c->min[i]);
    if (c->max[i] < 0) sqlite3_bind_null(st, 4);
    else sqlite3_bind_int(st, 4, c->max[i]);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  }
  for (i = 0; i < c->nt; i++) {
    st = db_stmt(db, "INSERT INTO contest_eligibility (contest_id, tag) "
                     "VALUES (?1, ?2)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_text(st, 2, c->tag[i], -1, SQLITE_STATIC);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  }
  return WEB_OK;
}

/* 1 if another contest of the election (not except_id) has slug. */
static int contest_slug_taken(sqlite3 *db, int64_t election_id,
                              const char *slug, int64_t except_id) {
  sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM contests WHERE election_id "
                                 "= ?1 AND slug = ?2 AND id != ?3");
  int rc;
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, except_id);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

struct ct_write {
  int64_t election_id, contest_id, now, id;
  const svc_contest_input *in;
  const char *actor;
  verr *v;
};

/* The stored contest as a cstate (strings point into the three holders,
** which the caller frees). */
static web_status cs_load(sqlite3 *db, int64_t election_id, int64_t id,
                          cstate *c, svc_contest *k, svc_constraint **cons,
                          size_t *nc, char ***tags, size_t *nt) {
  web_status s;
  size_t i;
  memset(c, 0, sizeof *c);
  *cons = NULL;
  *tags = NULL;
  *nc = *nt = 0;
  if ((s = svc_contest_get_id(db, election_id, id, k)) != WEB_OK) return s;
  if ((s = svc_contest_constraints(db, id, cons, nc)) != WEB_OK) return s;
  if ((s = svc_contest_tags(db, id, tags, nt)) != WEB_OK) return s;
  c->slug = k->slug;
  c->title = k->title;
  c->rules = k->rules;
  c->kind = k->threshold_kind[0] ? k->threshold_kind : NULL;
  c->seats = k->seats;
  c->threshold = k->threshold;
  c->nc = *nc < SVC_MAX_CONSTRAINTS ? *nc : SVC_MAX_CONSTRAINTS;
  c->nt = *nt < SVC_MAX_TAGS ? *nt : SVC_MAX_TAGS;
  for (i = 0; i < c->nc; i++) {
    c->cat[i] = (*cons)[i].category;
    c->cat_id[i] = (*cons)[i].category_id;
    c->min[i] = (*cons)[i].min;
    c->max[i] = (*cons)[i].max;
  }
  for (i = 0; i < c->nt; i++) c->tag[i] = (*tags)[i];
  return WEB_OK;
}

static web_status ct_write_fn(sqlite3 *db, void *ctx) {
  struct ct_write *x = ctx;
  cstate nw, old;
  svc_contest k;
  svc_constraint *cons = NULL;
  char **tags = NULL, *title = NULL;
  size_t nc = 0, nt = 0;
  int64_t id = x->contest_id;
  svc_phase ph;
  int key, taken, any = 0;
  wbuf b;
  jw w;
  web_status s;
  x->v->n = 0;
  x->id = 0;
  memset(&k, 0, sizeof k);
  memset(&nw, 0, sizeof nw);
  if ((s = svcs_phase(db, x->election_id, &ph)) != WEB_OK) return s;
  if (id > 0 &&
      (s = cs_load(db, x->election_id, id, &old, &k, &cons, &nc, &tags,
                   &nt)) != WEB_OK)
    goto out;
  if ((s = contest_check(db, x->election_id, x->in, x->v, &nw, &title)))
    goto out;
  if (ph > PHASE_NOMINATIONS) {
    svcs_conflict(x->v, "", "phase",
                  "Contests can change only until nominations close; the "
                  "election is in phase %s.",
                  svc_phase_name(ph));
    s = WEB_ECONFLICT;
    goto out;
  }
  if (id <= 0) {
    int64_t count = svcs_count(db, "contests", x->election_id);
    if (count < 0) {
      s = WEB_EDB;
      goto out;
    }
    if (count >= SVC_MAX_CONTESTS) {
      svcs_conflict(x->v, "", "too_many",
                    "An election can have at most %d contests.",
                    SVC_MAX_CONTESTS);
      s = WEB_ECONFLICT;
      goto out;
    }
  }
  if (id > 0 && ph != PHASE_SETUP && strcmp(old.slug, nw.slug) != 0) {
    svcs_conflict(x->v, "slug", "phase",
                  "The short name is in the nomination links, so it can "
                  "change only while the election is being set up.");
    s = WEB_ECONFLICT;
    goto out;
  }
  taken = contest_slug_taken(db, x->election_id, nw.slug, id);
  if (taken < 0) {
    s = WEB_EDB;
    goto out;
  }
  if (taken) {
    svcs_conflict(x->v, "slug", "duplicate",
                  "This election already has a contest called %s.", nw.slug);
    s = WEB_ECONFLICT;
    goto out;
  }
  if (id > 0) {
    for (key = 0; key < CK_COUNT; key++) any |= cs_differs(&old, &nw, key);
    if (!any) goto out;
  }
  if ((s = contest_store(db, x->election_id, &nw, &id)) != WEB_OK) goto out;
  svcs_detail_open(&b, &w);
  for (key = 0; key < CK_COUNT; key++) {
    if (x->contest_id > 0) {
      if (!cs_differs(&old, &nw, key)) continue;
      jw_key(&w, ck_names[key]);
      jw_obj(&w);
      jw_key(&w, "old");
      cs_write(&w, &old, key);
      jw_key(&w, "new");
      cs_write(&w, &nw, key);
      jw_obj_end(&w);
    } else {
      jw_key(&w, ck_names[key]);
      cs_write(&w, &nw, key);
    }
  }
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor,
                 x->contest_id > 0 ? "contest.update" : "contest.create",
                 x->election_id, "contest", id, &b);
  wbuf_free(&b);
  if (!s) x->id = id;
out:
  free(title);
  svc_contest_free(&k);
  svc_constraints_free(cons, nc);
  svc_tags_free(tags, nt);
  return s;
}

web_status svc_contest_create(int64_t election_id,
                              const svc_contest_input *in, const char *actor,
                              int64_t admin_id, int64_t now, verr *v,
                              int64_t *id_out) {
  struct ct_write x = {election_id, 0, now, 0, in, actor, v};
  web_status s;
  (void)admin_id;
  v->n = 0;
  if (id_out) *id_out = 0;
  s = db_write(ct_write_fn, &x);
  if (!s && id_out) *id_out = x.id;
  return s;
}

web_status svc_contest_update(int64_t election_id, int64_t contest_id,
                              const svc_contest_input *in, const char *actor,
                              int64_t admin_id, int64_t now, verr *v) {
  struct ct_write x = {election_id, contest_id, now, 0, in, actor, v};
  (void)admin_id;
  v->n = 0;
  if (contest_id <= 0) return WEB_ENOTFOUND;
  return db_write(ct_write_fn, &x);
}

/* ------------------------------------------------------- moving up/down */

struct mv {
  const char *table; /* "contests" or "questions" */
  const char *what;  /* "contest" */
  int64_t election_id, id, now;
  int dir;
  svc_phase limit;
  const char *actor;
  verr *v;
};

/* Swaps the positions of a row and its neighbour.  The SQL differs only
** by table name; both statements are literals (db_stmt caches by
** address). */
static web_status mv_fn(sqlite3 *db, void *ctx) {
  struct mv *x = ctx;
  int q = strcmp(x->table, "questions") == 0;
  sqlite3_stmt *st;
  int64_t other = 0;
  int pos = 0, opos = 0, rc;
  wbuf b;
  jw w;
  web_status s;
  char act[32];
  x->v->n = 0;
  if ((s = svcs_phase_below(db, x->election_id, x->limit,
                            q ? "The questions' order" : "The contests' order",
                            x->v)) != WEB_OK)
    return s;
  st = q ? db_stmt(db, "SELECT position FROM questions WHERE id = ?1 AND "
                       "election_id = ?2")
         : db_stmt(db, "SELECT position FROM contests WHERE id = ?1 AND "
                       "election_id = ?2");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->id);
  sqlite3_bind_int64(st, 2, x->election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) pos = sqlite3_column_int(st, 0);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (x->dir < 0)
    st = q ? db_stmt(db, "SELECT id, position FROM questions WHERE "
                         "election_id = ?1 AND (position < ?2 OR (position "
                         "= ?2 AND id < ?3)) ORDER BY position DESC, id "
                         "DESC LIMIT 1")
           : db_stmt(db, "SELECT id, position FROM contests WHERE "
                         "election_id = ?1 AND (position < ?2 OR (position "
                         "= ?2 AND id < ?3)) ORDER BY position DESC, id "
                         "DESC LIMIT 1");
  else
    st = q ? db_stmt(db, "SELECT id, position FROM questions WHERE "
                         "election_id = ?1 AND (position > ?2 OR (position "
                         "= ?2 AND id > ?3)) ORDER BY position, id LIMIT 1")
           : db_stmt(db, "SELECT id, position FROM contests WHERE "
                         "election_id = ?1 AND (position > ?2 OR (position "
                         "= ?2 AND id > ?3)) ORDER BY position, id LIMIT 1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->election_id);
  sqlite3_bind_int(st, 2, pos);
  sqlite3_bind_int64(st, 3, x->id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    other = sqlite3_column_int64(st, 0);
    opos = sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_OK; /* at the end already */
  if (rc != SQLITE_ROW) return db_status(rc);
  if (opos == pos) opos = pos + (x->dir < 0 ? -1 : 1); /* untie */
  st = q ? db_stmt(db, "UPDATE questions SET position = ?2 WHERE id = ?1")
         : db_stmt(db, "UPDATE contests SET position = ?2 WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->id);
  sqlite3_bind_int(st, 2, opos);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = q ? db_stmt(db, "UPDATE questions SET position = ?2 WHERE id = ?1")
         : db_stmt(db, "UPDATE contests SET position = ?2 WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, other);
  sqlite3_bind_int(st, 2, pos);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  svcs_detail_open(&b, &w);
  jw_kstr(&w, "direction", x->dir < 0 ? "up" : "down");
  jw_kint(&w, "position", opos);
  jw_obj_end(&w);
  snprintf(act, sizeof act, "%s.move", x->what);
  s = svcs_audit(db, x->now, x->actor, act, x->election_id, x->what, x->id,
                 &b);
  wbuf_free(&b);
  return s;
}

web_status svc_contest_move(int64_t election_id, int64_t contest_id, int dir,
                            const char *actor, int64_t admin_id, int64_t now,
                            verr *v) {
  struct mv x = {"contests", "contest", election_id, contest_id, now,
                 dir,        PHASE_VOTING, actor,  v};
  (void)admin_id;
  v->n = 0;
  return db_write(mv_fn, &x);
}

web_status svc_question_move(int64_t election_id, int64_t question_id,
                             int dir, const char *actor, int64_t admin_id,
                             int64_t now, verr *v) {
  struct mv x = {"questions", "question", election_id, question_id, now,
                 dir,         PHASE_REVIEW, actor,      v};
  (void)admin_id;
  v->n = 0;
  return db_write(mv_fn, &x);
}

/* ------------------------------------------------------ contest readers */

void svc_constraints_free(svc_constraint *c, size_t n) {
  size_t i;
  for (i = 0; c && i < n; i++) free(c[i].label);
  free(c);
}

web_status svc_contest_constraints(sqlite3 *db, int64_t contest_id,
                                   svc_constraint **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT k.category_id, c.slug, c.label, k.min_seats, k.max_seats "
          "FROM contest_constraints k JOIN categories c ON c.id = "
          "k.category_id WHERE k.contest_id = ?1 ORDER BY c.slug");
  svc_constraint *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_constraint *c;
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 10000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    c = &v[cnt++];
    memset(c, 0, sizeof *c);
    c->category_id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, c->category, sizeof c->category);
    c->label = svcs_col_dup(st, 2);
    c->min = sqlite3_column_int(st, 3);
    c->max = sqlite3_column_type(st, 4) == SQLITE_NULL
                 ? -1
                 : sqlite3_column_int(st, 4);
    if (!c->label) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_constraints_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

void svc_tags_free(char **t, size_t n) {
  size_t i;
  for (i = 0; t && i < n; i++) free(t[i]);
  free(t);
}

web_status svc_contest_tags(sqlite3 *db, int64_t contest_id, char ***out,
                            size_t *n) {
  sqlite3_stmt *st = db_stmt(db, "SELECT tag FROM contest_eligibility WHERE "
                                 "contest_id = ?1 ORDER BY tag");
  char **v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!svcs_grow((void **)&v, &cap, cnt, sizeof *v, 10000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (!(v[cnt++] = svcs_col_dup(st, 0))) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_tags_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_contest_get_id(sqlite3 *db, int64_t election_id,
                              int64_t contest_id, svc_contest *out) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT slug FROM contests WHERE id = ?1 AND "
                  "election_id = ?2");
  char slug[SVC_SLUG_MAX + 1] = "";
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  sqlite3_bind_int64(st, 2, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) svcs_col_copy(st, 0, slug, sizeof slug);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  return svc_contest_get(db, election_id, slug, out);
}
