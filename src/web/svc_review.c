/*
** svc_review.c: the administrators' review of nominations: decisions
** (accept, reject, reopen), supporters recorded by an administrator, a
** new private edit link, and the read models of the nominations queue,
** of one nomination in full and of the publication pages
** (svc_review.h; svc_nomination_decide is declared in svc.h).
**
** Every action validates its input first (nothing changes on a field
** error), then runs one db_write whose callback re-reads the state it
** depends on (phase, status, duplicates), makes the change and appends
** the audit row.  The callbacks only touch the database and their
** context, so db_write may run them again after SQLITE_BUSY.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "svc_review.h"

/* One audit detail (svc_setup.h: SVC_JSON_WORST): the largest holds a
** decision's or withdrawal's reason; a supporter's holds a branch name or
** member reference and a note. */
#define DETAIL_MAX (SVC_DETAIL_BASE + SVC_JSON_WORST(REVIEW_REASON_MAX))
_Static_assert(SVC_JSON_WORST(SVC_BRANCH_MAX) +
                       SVC_JSON_WORST(REVIEW_NOTE_MAX) <=
                   SVC_JSON_WORST(REVIEW_REASON_MAX),
               "a supporter's detail must fit DETAIL_MAX");
#define LIST_MAX 100000               /* rows in one reader's answer */

/* GCC 12's -fanalyzer loses track of a string stored in a heap array
** (one that grow() reallocates, or a calloc'd one filled in a loop) and
** reports it leaked at the next realloc or return; the readers below store col_str() copies that way, owned by the
** array and freed by its *_free function (LSan checks these paths in the
** tests).  So that one warning is off around those readers only. */
#if defined(__GNUC__) && !defined(__clang__)
#define ARRAY_LEAK_FP_BEGIN                                          \
  _Pragma("GCC diagnostic push")                                     \
  _Pragma("GCC diagnostic ignored \"-Wanalyzer-malloc-leak\"")
#define ARRAY_LEAK_FP_END _Pragma("GCC diagnostic pop")
#else
#define ARRAY_LEAK_FP_BEGIN
#define ARRAY_LEAK_FP_END
#endif

/* --------------------------------------------------------------- helpers */

/* A copy of column i ("" for NULL), or NULL when memory ran out. */
static char *col_str(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return strdup(t ? (const char *)t : "");
}

static void col_cpy(sqlite3_stmt *st, int i, char *out, size_t cap) {
  const unsigned char *t = sqlite3_column_text(st, i);
  snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* Makes room for one more element in *v (n used, *cap allocated). */
static int grow(void *pv, size_t n, size_t *cap, size_t size) {
  void **v = pv;
  void *nv;
  size_t nc;
  if (n < *cap) return 1;
  if (n >= LIST_MAX) return 0;
  nc = *cap ? *cap * 2 : 8;
  if (!(nv = realloc(*v, nc * size))) return 0;
  memset((char *)nv + *cap * size, 0, (nc - *cap) * size);
  *v = nv;
  *cap = nc;
  return 1;
}

/* The one item a WEB_ECONFLICT carries (svc_review.h). */
static web_status conflict(verr *v, const char *field, const char *code,
                           const char *msg) {
  v->n = 0;
  verr_add(v, field, code, "%s", msg);
  return WEB_ECONFLICT;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Checks one submitted text and returns a malloc'd, normalised copy with
** ASCII white space trimmed at both ends ("" for NULL), or NULL with a
** field error in v (or *oom set).  The messages name the field: "Enter
** <enter>." and "<label> must be ...". */
static char *take_text(verr *v, const char *field, const char *enter,
                       const char *label, const char *s, size_t max,
                       int multiline, int required, int *oom) {
  size_t n = s ? strlen(s) : 0, a = 0;
  const char *code;
  char *c = malloc(n + 1);
  if (!c) {
    *oom = 1;
    return NULL;
  }
  if (n) memcpy(c, s, n);
  c[n] = 0;
  code = text_check(c, &n, max, multiline);
  if (code) {
    if (strcmp(code, "too_long") == 0)
      verr_add(v, field, code, "%s must be at most %zu characters.", label,
               max);
    else if (strcmp(code, "bad_utf8") == 0)
      verr_add(v, field, code, "%s is not valid UTF-8 text.", label);
    else
      verr_add(v, field, code, "%s contains characters that are not "
               "allowed%s.", label, multiline ? "" : " (such as line breaks)");
    free(c);
    return NULL;
  }
  while (n > 0 && is_space(c[n - 1])) n--;
  c[n] = 0;
  while (is_space(c[a])) a++;
  if (a) memmove(c, c + a, n - a + 1);
  if (required && !c[0]) {
    verr_add(v, field, "required", "Enter %s.", enter);
    free(c);
    return NULL;
  }
  return c;
}

/* What the actions need to know about a nomination, read inside their
** transaction. */
typedef struct nom_state {
  int64_t election_id;
  char slug[41];
  svc_phase phase;
  svc_nom_status status;
  char *name, *email, *contest, *title; /* only with want_text */
} nom_state;

static void nom_state_free(nom_state *s) {
  free(s->name);
  free(s->email);
  free(s->contest);
  free(s->title);
  memset(s, 0, sizeof *s);
}

static web_status nom_state_get(sqlite3 *db, int64_t id, int want_text,
                                nom_state *out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT e.id, e.slug, e.phase, n.status, n.name, n.email, "
          "c.title, e.title FROM nominations n JOIN contests c ON c.id = "
          "n.contest_id JOIN elections e ON e.id = c.election_id "
          "WHERE n.id = ?1");
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->election_id = sqlite3_column_int64(st, 0);
    col_cpy(st, 1, out->slug, sizeof out->slug);
    if (!svc_phase_parse((const char *)sqlite3_column_text(st, 2),
                         &out->phase))
      out->phase = PHASE_CLOSED; /* unknown: allow nothing */
    if (!svc_nom_status_parse((const char *)sqlite3_column_text(st, 3),
                              &out->status))
      out->status = NOM_WITHDRAWN;
    if (want_text) {
      out->name = col_str(st, 4);
      out->email = col_str(st, 5);
      out->contest = col_str(st, 6);
      out->title = col_str(st, 7);
    }
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (want_text && (!out->name || !out->email || !out->contest ||
                    !out->title)) {
    nom_state_free(out);
    return WEB_ENOMEM;
  }
  return WEB_OK;
}

static int review_phase(svc_phase ph) {
  return ph == PHASE_NOMINATIONS || ph == PHASE_REVIEW;
}

/* audit_append with object "nomination:ID" and the detail in d. */
static web_status audit_nom(sqlite3 *db, int64_t now, const char *actor,
                            const char *action, const nom_state *ns,
                            int64_t id, wbuf *d) {
  char object[40];
  if (d->err) return WEB_ENOMEM;
  snprintf(object, sizeof object, "nomination:%lld", (long long)id);
  return audit_append(db, now, actor, action, ns->election_id, ns->slug,
                      object, wbuf_str(d));
}

/* ------------------------------------------------------------- decisions */

struct decide {
  int64_t id, admin_id, now;
  const char *decision, *reason, *actor;
  verr *v;
};

/* The status a decision leads to from status from; -1 when it would not
** change it. */
static int decision_to(const char *decision, svc_nom_status from) {
  svc_nom_status to = strcmp(decision, "accept") == 0   ? NOM_ACCEPTED
                      : strcmp(decision, "reject") == 0 ? NOM_REJECTED
                                                        : NOM_SUBMITTED;
  return to == from ? -1 : (int)to;
}

static web_status decide_fn(sqlite3 *db, void *vc) {
  struct decide *d = vc;
  nom_state ns;
  sqlite3_stmt *st;
  web_status s = nom_state_get(db, d->id, 0, &ns);
  wbuf detail;
  jw w;
  int to;
  d->v->n = 0;
  if (s) return s;
  if (!review_phase(ns.phase))
    return conflict(d->v, "decision", "phase",
                    "Decisions can be made only while nominations are open "
                    "or under review.");
  if (ns.status == NOM_WITHDRAWN)
    return conflict(d->v, "decision", "withdrawn",
                    "This nomination has been withdrawn.");
  to = decision_to(d->decision, ns.status);
  if (to < 0)
    return conflict(d->v, "decision", "already_decided",
                    ns.status == NOM_SUBMITTED
                        ? "This nomination is not decided, so there is "
                          "nothing to reopen."
                    : ns.status == NOM_ACCEPTED
                        ? "This nomination is already accepted."
                        : "This nomination is already rejected.");
  st = db_stmt(db, "INSERT INTO decisions (nomination_id, decision, reason, "
                   "admin_id, at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, d->id);
  sqlite3_bind_text(st, 2, d->decision, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, d->reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, d->admin_id);
  sqlite3_bind_int64(st, 5, d->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "UPDATE nominations SET status = ?2 WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, d->id);
  sqlite3_bind_text(st, 2, svc_nom_status_name((svc_nom_status)to), -1,
                    SQLITE_STATIC);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;

  wbuf_init(&detail, DETAIL_MAX);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "from", svc_nom_status_name(ns.status));
  jw_kstr(&w, "to", svc_nom_status_name((svc_nom_status)to));
  jw_kstr(&w, "reason", d->reason);
  jw_obj_end(&w);
  {
    char action[32];
    snprintf(action, sizeof action, "nomination.%s", d->decision);
    s = audit_nom(db, d->now, d->actor, action, &ns, d->id, &detail);
  }
  wbuf_free(&detail);
  return s;
}

web_status svc_nomination_decide(int64_t id, const char *decision,
                                 const char *reason, int64_t admin_id,
                                 const char *actor, int64_t now, verr *v) {
  struct decide d;
  char *why;
  int oom = 0, need;
  web_status s;
  v->n = 0;
  if (!decision || (strcmp(decision, "accept") != 0 &&
                    strcmp(decision, "reject") != 0 &&
                    strcmp(decision, "reopen") != 0)) {
    verr_add(v, "decision", decision && *decision ? "invalid" : "required",
             "Choose accept, reject or reopen.");
    decision = NULL;
  }
  need = decision && strcmp(decision, "accept") != 0;
  why = take_text(v, "reason", "a reason for this decision", "The reason",
                  reason, REVIEW_REASON_MAX, 1, need, &oom);
  if (oom) return WEB_ENOMEM;
  if (!why || v->n) {
    free(why);
    return WEB_EINVALID;
  }
  if (admin_id <= 0) {
    free(why);
    return WEB_EINVALID; /* decisions.admin_id is required */
  }
  d.id = id;
  d.admin_id = admin_id;
  d.now = now;
  d.decision = decision;
  d.reason = why;
  d.actor = actor;
  d.v = v;
  s = db_write(decide_fn, &d);
  free(why);
  return s;
}

/* ------------------------------------------------------------ supporters */

struct sup_add {
  int64_t id, now, sid;
  const char *kind, *branch, *member_ref, *note, *actor;
  verr *v;
};

static web_status sup_add_fn(sqlite3 *db, void *vc) {
  struct sup_add *a = vc;
  nom_state ns;
  sqlite3_stmt *st;
  web_status s = nom_state_get(db, a->id, 0, &ns);
  int64_t branch_id = 0;
  int is_branch = strcmp(a->kind, "branch") == 0, rc;
  wbuf detail;
  jw w;
  a->v->n = 0;
  if (s) return s;
  if (!review_phase(ns.phase))
    return conflict(a->v, "", "phase",
                    "Supporting nominations can be recorded only while "
                    "nominations are open or under review.");
  if (ns.status == NOM_WITHDRAWN)
    return conflict(a->v, "", "withdrawn",
                    "This nomination has been withdrawn.");
  if (is_branch) {
    st = db_stmt(db, "SELECT id FROM branches WHERE election_id = ?1 AND "
                     "name = ?2");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, ns.election_id);
    sqlite3_bind_text(st, 2, a->branch, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) branch_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_status(rc);
    if (!branch_id) {
      verr_add(a->v, "branch", "unknown",
               "There is no branch of that name in this election.");
      return WEB_EINVALID;
    }
    st = db_stmt(db, "SELECT 1 FROM supporters WHERE nomination_id = ?1 "
                     "AND branch_id = ?2 AND revoked_at IS NULL");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, branch_id);
  } else {
    st = db_stmt(db, "SELECT 1 FROM supporters WHERE nomination_id = ?1 "
                     "AND kind = 'member' AND revoked_at IS NULL AND "
                     "member_ref = ?2 COLLATE NOCASE");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_text(st, 2, a->member_ref, -1, SQLITE_STATIC);
  }
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW)
    return conflict(a->v, is_branch ? "branch" : "member_ref", "duplicate",
                    is_branch ? "That branch already supports this "
                                "nomination."
                              : "That member already supports this "
                                "nomination.");
  if (rc != SQLITE_DONE) return db_status(rc);

  st = db_stmt(db, "INSERT INTO supporters (nomination_id, kind, branch_id, "
                   "member_ref, note, source, at) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, 'admin', ?6)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, a->id);
  sqlite3_bind_text(st, 2, is_branch ? "branch" : "member", -1,
                    SQLITE_STATIC);
  if (is_branch) {
    sqlite3_bind_int64(st, 3, branch_id);
    sqlite3_bind_null(st, 4);
  } else {
    sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, a->member_ref, -1, SQLITE_STATIC);
  }
  sqlite3_bind_text(st, 5, a->note, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, a->now);
  s = db_exec_stmt(st);
  if (s == WEB_ECONFLICT) /* the unique index, should the check miss */
    return conflict(a->v, "branch", "duplicate",
                    "That branch already supports this nomination.");
  if (s) return s;
  a->sid = sqlite3_last_insert_rowid(db);

  wbuf_init(&detail, DETAIL_MAX);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kint(&w, "supporter", a->sid);
  jw_kstr(&w, "kind", is_branch ? "branch" : "member");
  if (is_branch) {
    jw_kint(&w, "branch_id", branch_id);
    jw_kstr(&w, "branch", a->branch);
  } else
    jw_kstr(&w, "member_ref", a->member_ref);
  if (a->note[0]) jw_kstr(&w, "note", a->note);
  jw_obj_end(&w);
  s = audit_nom(db, a->now, a->actor, "support.add", &ns, a->id, &detail);
  wbuf_free(&detail);
  return s;
}

web_status svc_review_supporter_add(int64_t nomination_id,
                                    const svc_review_sup_in *in,
                                    const char *actor, int64_t now,
                                    int64_t *sid, verr *v) {
  struct sup_add a;
  char *branch = NULL, *ref = NULL, *note;
  int oom = 0, is_branch = 0;
  web_status s;
  v->n = 0;
  if (sid) *sid = 0;
  if (in->kind && strcmp(in->kind, "branch") == 0)
    is_branch = 1;
  else if (!in->kind || strcmp(in->kind, "member") != 0)
    verr_add(v, "kind", in->kind && *in->kind ? "invalid" : "required",
             "Choose whether a branch or a member supports the nomination.");
  if (!v->n && is_branch)
    branch = take_text(v, "branch", "the branch", "The branch", in->branch,
                       SVC_BRANCH_MAX, 0, 1, &oom);
  else if (!v->n)
    ref = take_text(v, "member_ref", "the member's number or name",
                    "The member's number or name", in->member_ref,
                    REVIEW_MEMBER_REF_MAX, 0, 1, &oom);
  note = take_text(v, "note", "a note", "The note", in->note,
                   REVIEW_NOTE_MAX, 0, 0, &oom);
  if (oom || v->n) {
    free(branch);
    free(ref);
    free(note);
    return oom ? WEB_ENOMEM : WEB_EINVALID;
  }
  memset(&a, 0, sizeof a);
  a.id = nomination_id;
  a.now = now;
  a.kind = is_branch ? "branch" : "member";
  a.branch = branch;
  a.member_ref = ref;
  a.note = note;
  a.actor = actor;
  a.v = v;
  s = db_write(sup_add_fn, &a);
  if (s == WEB_OK && sid) *sid = a.sid;
  free(branch);
  free(ref);
  free(note);
  return s;
}

struct sup_revoke {
  int64_t id, sid, now;
  const char *actor;
  verr *v;
};

static web_status sup_revoke_fn(sqlite3 *db, void *vc) {
  struct sup_revoke *a = vc;
  nom_state ns;
  sqlite3_stmt *st;
  web_status s = nom_state_get(db, a->id, 0, &ns);
  int rc, revoked = 0;
  char kind[8] = "";
  char *label = NULL;
  wbuf detail;
  jw w;
  a->v->n = 0;
  if (s) return s;
  st = db_stmt(db, "SELECT s.revoked_at IS NOT NULL, s.kind, "
                   "coalesce(b.name, s.member_ref, '') FROM supporters s "
                   "LEFT JOIN branches b ON b.id = s.branch_id "
                   "WHERE s.id = ?1 AND s.nomination_id = ?2");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, a->sid);
  sqlite3_bind_int64(st, 2, a->id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    revoked = sqlite3_column_int(st, 0);
    col_cpy(st, 1, kind, sizeof kind);
    label = col_str(st, 2);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!label) return WEB_ENOMEM;
  if (!review_phase(ns.phase)) {
    free(label);
    return conflict(a->v, "", "phase",
                    "Supporting nominations can be changed only while "
                    "nominations are open or under review.");
  }
  if (revoked) {
    free(label);
    return conflict(a->v, "", "revoked",
                    "That supporting nomination is already revoked.");
  }
  st = db_stmt(db, "UPDATE supporters SET revoked_at = ?2 WHERE id = ?1");
  if (!st) {
    free(label);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, a->sid);
  sqlite3_bind_int64(st, 2, a->now);
  s = db_exec_stmt(st);
  if (!s) {
    wbuf_init(&detail, DETAIL_MAX);
    jw_init(&w, &detail);
    jw_obj(&w);
    jw_kint(&w, "supporter", a->sid);
    jw_kstr(&w, "kind", kind);
    jw_kstr(&w, strcmp(kind, "branch") == 0 ? "branch" : "member_ref",
            label);
    jw_obj_end(&w);
    s = audit_nom(db, a->now, a->actor, "support.revoke", &ns, a->id,
                  &detail);
    wbuf_free(&detail);
  }
  free(label);
  return s;
}

web_status svc_review_supporter_revoke(int64_t nomination_id, int64_t sid,
                                       const char *actor, int64_t now,
                                       verr *v) {
  struct sup_revoke a;
  v->n = 0;
  a.id = nomination_id;
  a.sid = sid;
  a.now = now;
  a.actor = actor;
  a.v = v;
  return db_write(sup_revoke_fn, &a);
}

/* ------------------------------------------------------------ edit link */

struct new_link {
  int64_t id, now;
  const char *base_url, *token, *actor;
  unsigned char hash[32];
};

/* The subject line of an email: controls become spaces (no header
** injection whatever the titles hold). */
static void subject_clean(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = ' ';
}

static web_status new_link_fn(sqlite3 *db, void *vc) {
  struct new_link *l = vc;
  nom_state ns;
  sqlite3_stmt *st;
  web_status s = nom_state_get(db, l->id, 1, &ns);
  int64_t outbox = 0;
  wbuf body, detail;
  char *subject = NULL;
  jw w;
  if (s) return s;
  st = db_stmt(db, "UPDATE nominations SET edit_hash = ?2 WHERE id = ?1");
  if (!st) {
    nom_state_free(&ns);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, l->id);
  sqlite3_bind_blob(st, 2, l->hash, sizeof l->hash, SQLITE_STATIC);
  s = db_exec_stmt(st);
  if (!s && ns.email[0]) {
    wbuf_init(&body, 64 << 10);
    wbuf_puts(&body, "Hello ");
    wbuf_puts(&body, ns.name);
    wbuf_puts(&body, ",\n\nAn administrator of \"");
    wbuf_puts(&body, ns.title);
    wbuf_puts(&body, "\" has issued a new private link for your nomination "
                     "(");
    wbuf_puts(&body, ns.contest);
    wbuf_puts(&body, "):\n\n");
    wbuf_puts(&body, l->base_url);
    wbuf_puts(&body, "/n/");
    wbuf_puts(&body, l->token);
    wbuf_puts(&body, "\n\nYour earlier link no longer works. Keep this one "
                     "private: anyone who has it can change or withdraw "
                     "your nomination.\n");
    if ((subject = malloc(strlen(ns.title) + 64)) != NULL) {
      snprintf(subject, strlen(ns.title) + 64,
               "Your nomination in %s: a new link", ns.title);
      subject_clean(subject);
    }
    st = db_stmt(db, "INSERT INTO outbox (to_addr, subject, body, "
                     "created_at) VALUES (?1, ?2, ?3, ?4)");
    if (body.err || !subject)
      s = WEB_ENOMEM;
    else if (!st)
      s = WEB_EDB;
    else {
      sqlite3_bind_text(st, 1, ns.email, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, wbuf_str(&body), -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, l->now);
      s = db_exec_stmt(st);
      if (!s) outbox = sqlite3_last_insert_rowid(db);
    }
    if (body.p) sodium_memzero(body.p, body.len); /* it holds the token */
    wbuf_free(&body);
    free(subject);
  }
  if (!s) {
    wbuf_init(&detail, DETAIL_MAX);
    jw_init(&w, &detail);
    jw_obj(&w);
    if (outbox)
      jw_kint(&w, "outbox", outbox);
    else
      jw_kbool(&w, "emailed", 0);
    jw_obj_end(&w);
    s = audit_nom(db, l->now, l->actor, "nomination.link", &ns, l->id,
                  &detail);
    wbuf_free(&detail);
  }
  nom_state_free(&ns);
  return s;
}

web_status svc_review_new_link(int64_t id, const char *base_url,
                               const char *actor, int64_t now,
                               char token[TOKEN_LEN + 1]) {
  struct new_link l;
  web_status s;
  auth_token_new(NULL, token, TOKEN_LEN + 1);
  if (strlen(token) != TOKEN_LEN) {
    token[0] = 0;
    return WEB_ECRYPTO;
  }
  memset(&l, 0, sizeof l);
  l.id = id;
  l.now = now;
  l.base_url = base_url ? base_url : "";
  l.token = token;
  l.actor = actor;
  auth_token_hash(token, l.hash);
  s = db_write(new_link_fn, &l);
  sodium_memzero(l.hash, sizeof l.hash);
  if (s) sodium_memzero(token, TOKEN_LEN + 1);
  return s;
}

/* ----------------------------------------------------------- read model */

static void cats_free(svc_category *c, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) free(c[i].label);
  free(c);
}

static void answers_free(svc_review_answer *a, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) free(a[i].comment);
  free(a);
}

/* The categories a nomination declared, by label. */
ARRAY_LEAK_FP_BEGIN
static web_status nom_cats(sqlite3 *db, int64_t id, svc_category **out,
                           size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT k.id, k.slug, k.label FROM nomination_categories x JOIN "
          "categories k ON k.id = x.category_id WHERE x.nomination_id = ?1 "
          "ORDER BY k.label, k.id");
  svc_category *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!grow(&v, cnt, &cap, sizeof *v)) break;
    v[cnt].id = sqlite3_column_int64(st, 0);
    col_cpy(st, 1, v[cnt].slug, sizeof v[cnt].slug);
    if (!(v[cnt++].label = col_str(st, 2))) break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    cats_free(v, cnt);
    return rc == SQLITE_ROW ? WEB_ENOMEM : db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}
ARRAY_LEAK_FP_END

/* A nomination's answers to the election's nq questions, in question
** order (as svc_questions: position, id). */
ARRAY_LEAK_FP_BEGIN
static web_status nom_answers(sqlite3 *db, int64_t election_id, int64_t id,
                              size_t nq, svc_review_answer **out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT coalesce(a.answer, ''), coalesce(a.comment, '') FROM "
          "questions q LEFT JOIN answers a ON a.question_id = q.id AND "
          "a.nomination_id = ?2 WHERE q.election_id = ?1 "
          "ORDER BY q.position, q.id");
  svc_review_answer *v;
  size_t i = 0;
  int rc = SQLITE_DONE, oom = 0;
  *out = NULL;
  if (!st) return WEB_EDB;
  if (!(v = calloc(nq ? nq : 1, sizeof *v))) return WEB_ENOMEM;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_int64(st, 2, id);
  while (i < nq && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    col_cpy(st, 0, v[i].answer, sizeof v[i].answer);
    if (!(v[i++].comment = col_str(st, 1))) {
      oom = 1;
      break;
    }
  }
  sqlite3_reset(st);
  if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
    answers_free(v, i);
    return oom ? WEB_ENOMEM : db_status(rc);
  }
  for (; i < nq; i++) /* questions added since: no answer */
    if (!(v[i].comment = strdup(""))) {
      answers_free(v, i);
      return WEB_ENOMEM;
    }
  *out = v;
  return WEB_OK;
}
ARRAY_LEAK_FP_END

static size_t count_questions(sqlite3 *db, int64_t election_id) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT count(*) FROM questions WHERE election_id = ?1");
  size_t n = 0;
  if (!st) return 0;
  sqlite3_bind_int64(st, 1, election_id);
  if (sqlite3_step(st) == SQLITE_ROW) n = (size_t)sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

static void support_set(svc_review_support *s, int count, int threshold,
                        const char *kind) {
  s->count = count;
  s->threshold = threshold;
  snprintf(s->kind, sizeof s->kind, "%s", kind ? kind : "");
  s->reached = threshold <= 0 || count >= threshold;
}

void svc_review_queue_free(svc_review_item *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    free(v[i].name);
    cats_free(v[i].cats, v[i].ncats);
    answers_free(v[i].answers, v[i].nanswers);
  }
  free(v);
}

/* The support subquery: counting supporters of the contest's kind. */
#define SUPPORT_COUNT                                                      \
  "(SELECT count(*) FROM supporters p WHERE p.nomination_id = n.id AND "   \
  "p.revoked_at IS NULL AND (coalesce(c.threshold_kind, '') = '' OR "      \
  "p.kind = c.threshold_kind))"

ARRAY_LEAK_FP_BEGIN
web_status svc_review_queue(sqlite3 *db, int64_t election_id, int status,
                            int full, svc_review_item **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.id, n.contest_id, n.name, n.status, "
          "coalesce(s.words, 0), n.created_at, n.updated_at, c.threshold, "
          "coalesce(c.threshold_kind, ''), " SUPPORT_COUNT " AS support "
          "FROM nominations n JOIN contests c ON c.id = n.contest_id "
          "LEFT JOIN statements s ON s.nomination_id = n.id "
          "WHERE c.election_id = ?1 AND (?2 IS NULL OR n.status = ?2) "
          "ORDER BY c.position, c.id, "
          "(c.threshold > 0 AND support < c.threshold), n.created_at, n.id");
  svc_review_item *v = NULL;
  size_t cnt = 0, cap = 0, i, nq = 0;
  int rc;
  web_status s = WEB_OK;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  if (status >= 0)
    sqlite3_bind_text(st, 2, svc_nom_status_name((svc_nom_status)status), -1,
                      SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_review_item *it;
    if (!grow(&v, cnt, &cap, sizeof *v)) break;
    it = &v[cnt++];
    it->id = sqlite3_column_int64(st, 0);
    it->contest_id = sqlite3_column_int64(st, 1);
    if (!svc_nom_status_parse((const char *)sqlite3_column_text(st, 3),
                              &it->status))
      it->status = NOM_SUBMITTED;
    it->words = sqlite3_column_int(st, 4);
    it->created_at = sqlite3_column_int64(st, 5);
    it->updated_at = sqlite3_column_int64(st, 6);
    support_set(&it->support, sqlite3_column_int(st, 9),
                sqlite3_column_int(st, 7),
                (const char *)sqlite3_column_text(st, 8));
    if (!(it->name = col_str(st, 2))) break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_review_queue_free(v, cnt);
    return rc == SQLITE_ROW ? WEB_ENOMEM : db_status(rc);
  }
  if (full) nq = count_questions(db, election_id);
  for (i = 0; full && !s && i < cnt; i++) {
    s = nom_cats(db, v[i].id, &v[i].cats, &v[i].ncats);
    if (!s) s = nom_answers(db, election_id, v[i].id, nq, &v[i].answers);
    if (!s) v[i].nanswers = nq;
  }
  if (s) {
    svc_review_queue_free(v, cnt);
    return s;
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}
ARRAY_LEAK_FP_END

void svc_review_nom_free(svc_review_nom *d) {
  size_t i;
  svc_nomination_free(&d->n);
  svc_contest_free(&d->contest);
  svc_questions_free(d->questions, d->nquestions);
  answers_free(d->answers, d->answers ? d->nquestions : 0);
  cats_free(d->cats, d->ncats);
  for (i = 0; i < d->nsup; i++) {
    free(d->sup[i].label);
    free(d->sup[i].note);
  }
  free(d->sup);
  for (i = 0; i < d->ndec; i++) {
    free(d->dec[i].reason);
    free(d->dec[i].admin_name);
  }
  free(d->dec);
  memset(d, 0, sizeof *d);
}

ARRAY_LEAK_FP_BEGIN
static web_status nom_supporters(sqlite3 *db, svc_review_nom *d) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT s.id, s.kind, coalesce(b.name, s.member_ref, ''), s.note, "
          "s.source, s.at, coalesce(s.revoked_at, 0) FROM supporters s "
          "LEFT JOIN branches b ON b.id = s.branch_id "
          "WHERE s.nomination_id = ?1 ORDER BY s.id");
  size_t cap = 0;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, d->n.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_review_supporter *x;
    if (!grow(&d->sup, d->nsup, &cap, sizeof *d->sup)) break;
    x = &d->sup[d->nsup++];
    x->id = sqlite3_column_int64(st, 0);
    col_cpy(st, 1, x->kind, sizeof x->kind);
    col_cpy(st, 4, x->source, sizeof x->source);
    x->at = sqlite3_column_int64(st, 5);
    x->revoked_at = sqlite3_column_int64(st, 6);
    x->label = col_str(st, 2);
    x->note = col_str(st, 3);
    if (!x->label || !x->note) break;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_ROW) return WEB_ENOMEM;
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}
ARRAY_LEAK_FP_END

ARRAY_LEAK_FP_BEGIN
static web_status nom_decisions(sqlite3 *db, svc_review_nom *d) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT d.id, d.decision, d.reason, d.admin_id, "
          "coalesce(a.name, ''), d.at FROM decisions d LEFT JOIN admins a "
          "ON a.id = d.admin_id WHERE d.nomination_id = ?1 ORDER BY d.id");
  size_t cap = 0;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, d->n.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_review_decision *x;
    if (!grow(&d->dec, d->ndec, &cap, sizeof *d->dec)) break;
    x = &d->dec[d->ndec++];
    x->id = sqlite3_column_int64(st, 0);
    col_cpy(st, 1, x->decision, sizeof x->decision);
    x->admin_id = sqlite3_column_int64(st, 3);
    x->at = sqlite3_column_int64(st, 5);
    x->reason = col_str(st, 2);
    x->admin_name = col_str(st, 4);
    if (!x->reason || !x->admin_name) break;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_ROW) return WEB_ENOMEM;
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}
ARRAY_LEAK_FP_END

web_status svc_review_get(sqlite3 *db, int64_t id, svc_review_nom *d) {
  sqlite3_stmt *st;
  web_status s;
  int rc, count = 0;
  char slug[64] = "";
  memset(d, 0, sizeof *d);
  if ((s = svc_nomination_get(db, id, &d->n)) != WEB_OK) {
    memset(d, 0, sizeof *d);
    return s;
  }
  st = db_stmt(db, "SELECT c.slug, " SUPPORT_COUNT ", w.\"by\" FROM "
                   "nominations n JOIN contests c ON c.id = n.contest_id "
                   "LEFT JOIN withdrawals w ON w.nomination_id = n.id "
                   "WHERE n.id = ?1");
  if (!st) {
    svc_review_nom_free(d);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    col_cpy(st, 0, slug, sizeof slug);
    count = sqlite3_column_int(st, 1);
    col_cpy(st, 2, d->withdrawn_by, sizeof d->withdrawn_by);
  }
  sqlite3_reset(st);
  s = rc == SQLITE_ROW ? WEB_OK : rc == SQLITE_DONE ? WEB_ENOTFOUND
                                                    : db_status(rc);
  if (!s) s = svc_contest_get(db, d->n.election_id, slug, &d->contest);
  if (!s) {
    support_set(&d->support, count, d->contest.threshold,
                d->contest.threshold_kind);
    s = svc_questions(db, d->n.election_id, &d->questions, &d->nquestions);
  }
  if (!s)
    s = nom_answers(db, d->n.election_id, id, d->nquestions, &d->answers);
  if (!s) s = nom_cats(db, id, &d->cats, &d->ncats);
  if (!s) s = nom_supporters(db, d);
  if (!s) s = nom_decisions(db, d);
  if (s) svc_review_nom_free(d);
  return s;
}

/* ----------------------------------------------------------- publication */

/* nq: the number of questions, the length of each answers array. */
static void pub_contest_free(svc_pub_contest *pc, size_t nq) {
  size_t i;
  for (i = 0; i < pc->ncand; i++) {
    svc_pub_candidate *c = &pc->cand[i];
    free(c->name);
    free(c->html);
    cats_free(c->cats, c->ncats);
    answers_free(c->answers, c->answers ? nq : 0);
  }
  free(pc->cand);
  svc_constraints_free(pc->cons, pc->ncons);
  svc_tags_free(pc->tags, pc->ntags);
  svc_contest_free(&pc->c);
}

void svc_publication_free(svc_publication *p) {
  size_t i;
  for (i = 0; i < p->ncontests; i++)
    pub_contest_free(&p->contests[i], p->nquestions);
  free(p->contests);
  svc_questions_free(p->questions, p->nquestions);
  memset(p, 0, sizeof *p);
}

ARRAY_LEAK_FP_BEGIN
static web_status pub_candidates(sqlite3 *db, int64_t election_id, size_t nq,
                                 svc_pub_contest *pc) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.id, n.name, n.status, coalesce(s.html, ''), "
          "coalesce(s.words, 0), coalesce(w.at, 0) FROM nominations n "
          "LEFT JOIN statements s ON s.nomination_id = n.id "
          "LEFT JOIN withdrawals w ON w.nomination_id = n.id "
          "WHERE n.contest_id = ?1 AND (n.status = 'accepted' OR "
          "(n.status = 'withdrawn' AND (SELECT d.decision FROM decisions d "
          "WHERE d.nomination_id = n.id ORDER BY d.id DESC LIMIT 1) = "
          "'accept')) ORDER BY n.status = 'withdrawn', "
          "CASE WHEN n.status = 'withdrawn' THEN coalesce(w.at, 0) END, "
          "n.name COLLATE NOCASE, n.name, n.id");
  size_t cap = 0, i;
  int rc;
  web_status s = WEB_OK;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, pc->c.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_pub_candidate *c;
    if (!grow(&pc->cand, pc->ncand, &cap, sizeof *pc->cand)) break;
    c = &pc->cand[pc->ncand++];
    c->id = sqlite3_column_int64(st, 0);
    c->status = NOM_ACCEPTED;
    svc_nom_status_parse((const char *)sqlite3_column_text(st, 2),
                         &c->status);
    if (c->status == NOM_ACCEPTED) pc->naccepted++;
    c->words = sqlite3_column_int(st, 4);
    c->withdrawn_at = sqlite3_column_int64(st, 5);
    c->name = col_str(st, 1);
    c->html = col_str(st, 3);
    if (!c->name || !c->html) break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return rc == SQLITE_ROW ? WEB_ENOMEM : db_status(rc);
  for (i = 0; !s && i < pc->ncand; i++) {
    s = nom_cats(db, pc->cand[i].id, &pc->cand[i].cats, &pc->cand[i].ncats);
    if (!s)
      s = nom_answers(db, election_id, pc->cand[i].id, nq,
                      &pc->cand[i].answers);
  }
  return s;
}
ARRAY_LEAK_FP_END

web_status svc_publication_get(sqlite3 *db, int64_t election_id,
                               svc_publication *out) {
  svc_contest *cs = NULL;
  size_t nc = 0, i;
  web_status s;
  memset(out, 0, sizeof *out);
  s = svc_questions(db, election_id, &out->questions, &out->nquestions);
  if (!s) s = svc_contests(db, election_id, &cs, &nc);
  if (s) {
    svc_publication_free(out);
    return s;
  }
  out->contests = calloc(nc ? nc : 1, sizeof *out->contests);
  if (!out->contests) {
    svc_contests_free(cs, nc);
    svc_publication_free(out);
    return WEB_ENOMEM;
  }
  /* the contests move into the publication one by one */
  for (i = 0; i < nc; i++) {
    out->contests[i].c = cs[i];
    memset(&cs[i], 0, sizeof cs[i]);
  }
  out->ncontests = nc;
  free(cs);
  for (i = 0; !s && i < nc; i++) {
    svc_pub_contest *pc = &out->contests[i];
    s = svc_contest_constraints(db, pc->c.id, &pc->cons, &pc->ncons);
    if (!s) s = svc_contest_tags(db, pc->c.id, &pc->tags, &pc->ntags);
    if (!s) s = pub_candidates(db, election_id, out->nquestions, pc);
  }
  if (s) svc_publication_free(out);
  return s;
}
