/*
** svc_setup.c: election set-up actions: settings, publication and phase
** moves, and the helpers the set-up files share (svc_setup.h).  The
** timetable is in svc_timetable.c, API tokens and the readers of orgs,
** elections and the audit log in svc_token.c, contests in svc_contest.c,
** questions, categories and branches in svc_items.c.
**
** Each action validates into a verr first, then runs one db_write whose
** callback re-reads the stored state, checks what depends on it, writes
** the change and its audit row.  Callbacks clear v and their outputs at
** the start, because db_write may run them again after SQLITE_BUSY.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "svc_setup.h"

/* ------------------------------------------------------- shared helpers */

int svc_slug_ok(const char *s) {
  size_t i;
  if (!s || !*s) return 0;
  for (i = 0; s[i]; i++) {
    char c = s[i];
    if (i >= SVC_SLUG_MAX) return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return 0;
  }
  return 1;
}

int svcs_text(const char *in, size_t max, int multiline, int required,
              const char *field, const char *what, verr *v, char **out) {
  size_t len, a = 0;
  const char *code;
  char *s;
  *out = NULL;
  if (!in) {
    if (required) verr_add(v, field, "required", "Enter %s.", what);
    return !required;
  }
  len = strlen(in);
  if (!(s = malloc(len + 1))) return 1; /* caller sees the NULL */
  memcpy(s, in, len + 1);
  code = text_check(s, &len, (size_t)-1 / 2, multiline);
  if (!code && !multiline) {
    while (a < len && (s[a] == ' ' || s[a] == '\t')) a++;
    while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    memmove(s, s + a, len - a);
    len -= a;
    s[len] = 0;
  }
  if (!code && len > max) code = "too_long";
  if (code) {
    if (strcmp(code, "too_long") == 0)
      verr_add(v, field, "too_long", "%s is too long (at most %zu bytes).",
               what, max);
    else if (strcmp(code, "bad_utf8") == 0)
      verr_add(v, field, "bad_utf8",
               "%s has characters that could not be read; retype it.", what);
    else
      verr_add(v, field, "control",
               multiline ? "%s has a control character; remove it."
                         : "%s must be one line without control characters.",
               what);
    free(s);
    return 0;
  }
  if (required && len == 0) {
    verr_add(v, field, "required", "Enter %s.", what);
    free(s);
    return 0;
  }
  *out = s;
  return 1;
}

void svcs_conflict(verr *v, const char *field, const char *code,
                   const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  v->n = 0;
  verr_add(v, field, code, "%s", msg);
}

web_status svcs_phase(sqlite3 *db, int64_t election_id, svc_phase *out) {
  sqlite3_stmt *st = db_stmt(db, "SELECT phase FROM elections WHERE id = ?1");
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW &&
      !svc_phase_parse((const char *)sqlite3_column_text(st, 0), out))
    rc = SQLITE_CORRUPT;
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  return rc == SQLITE_ROW ? WEB_OK : db_status(rc);
}

web_status svcs_phase_below(sqlite3 *db, int64_t election_id,
                            svc_phase limit, const char *what, verr *v) {
  svc_phase ph;
  web_status s = svcs_phase(db, election_id, &ph);
  if (s) return s;
  if (ph < limit) return WEB_OK;
  svcs_conflict(v, "", "phase",
                "%s cannot be changed now: the election is in phase %s.",
                what, svc_phase_name(ph));
  return WEB_ECONFLICT;
}

web_status svcs_audit(sqlite3 *db, int64_t now, const char *actor,
                      const char *action, int64_t election_id,
                      const char *kind, int64_t object_id,
                      const wbuf *detail) {
  char obj[64];
  if (detail->err) return detail->err == WEB_ETOOBIG ? WEB_ETOOBIG : WEB_ENOMEM;
  if (kind) snprintf(obj, sizeof obj, "%s:%lld", kind, (long long)object_id);
  return audit_append(db, now, actor, action, election_id, NULL,
                      kind ? obj : NULL, wbuf_str(detail));
}

int64_t svcs_count(sqlite3 *db, const char *table, int64_t election_id) {
  /* one literal per table: db_stmt caches by the literal's address */
  static const char *const tables[] = {"contests", "questions",
                                       "categories", "branches"};
  static const char *const sql[] = {
      "SELECT count(*) FROM contests WHERE election_id = ?1",
      "SELECT count(*) FROM questions WHERE election_id = ?1",
      "SELECT count(*) FROM categories WHERE election_id = ?1",
      "SELECT count(*) FROM branches WHERE election_id = ?1"};
  sqlite3_stmt *st = NULL;
  int64_t n = -1;
  size_t i;
  for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
    if (strcmp(table, tables[i]) == 0) st = db_stmt(db, sql[i]);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, election_id);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

char *svcs_col_dup(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return strdup(t ? (const char *)t : "");
}

void svcs_col_copy(sqlite3_stmt *st, int i, char *out, size_t cap) {
  const unsigned char *t = sqlite3_column_text(st, i);
  snprintf(out, cap, "%s", t ? (const char *)t : "");
}

int svcs_grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max) {
  void *nv;
  size_t nc;
  if (n < *cap) return 1;
  if (n >= max) return 0;
  nc = *cap ? *cap * 2 : 8;
  if (nc > max) nc = max;
  if (!(nv = realloc(*arr, nc * sz))) return 0;
  *arr = nv;
  *cap = nc;
  return 1;
}

/* A detail writer: wbuf + jw, started as an object. */
typedef struct detail {
  wbuf b;
  jw w;
} detail;

/* The set-up actions' details (svcs_detail_open) hold at most: a
** question's text and short label, old and new; a contest's title, tags
** and constraints, old and new; titles and labels.  The audit line around
** a detail (audit.c) is capped at 64 KiB. */
#define DETAIL_CAP ((size_t)32 << 10)
_Static_assert(SVC_DETAIL_BASE + 2 * (SVC_JSON_WORST(SVC_QUESTION_MAX) +
                                      SVC_JSON_WORST(SVC_SHORT_MAX)) <=
                   DETAIL_CAP,
               "a question's detail must fit");
_Static_assert(SVC_DETAIL_BASE +
                       2 * (SVC_JSON_WORST(SVC_TITLE_MAX) +
                            SVC_MAX_TAGS * (SVC_TAG_MAX + 3) +
                            SVC_MAX_CONSTRAINTS * (SVC_SLUG_MAX + 64)) <=
                   DETAIL_CAP,
               "a contest's detail must fit");

void svcs_detail_open(wbuf *b, jw *w) {
  wbuf_init(b, DETAIL_CAP);
  jw_init(w, b);
  jw_obj(w);
}

static void detail_open(detail *d) { svcs_detail_open(&d->b, &d->w); }

/* BLAKE2b-256 hex of s: how markdown appears in the audit log. */
static void md_digest(const char *s, char out[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s), NULL,
                     0);
  sodium_bin2hex(out, 65, h, sizeof h);
}

static void detail_md(jw *w, const char *k, const char *md) {
  char hex[65];
  md_digest(md, hex);
  jw_key(w, k);
  jw_obj(w);
  jw_kint(w, "length", (int64_t)strlen(md));
  jw_kstr(w, "blake2b", hex);
  jw_obj_end(w);
}

/* ------------------------------------------------------------ elections */

/* The checked and normalised strings of an svc_election_input. */
typedef struct el_clean {
  char *slug, *title, *tz, *decl, *intro;
  int word_limit;
  const char *order; /* "random", "published" (static) or NULL */
  int pub;           /* -1 = not given, else 0 or 1 */
} el_clean;

static void el_clean_free(el_clean *c) {
  free(c->slug);
  free(c->title);
  free(c->tz);
  free(c->decl);
  free(c->intro);
  memset(c, 0, sizeof *c);
}

/* Validates in into c; creating: slug and title required. */
static web_status el_check(const svc_election_input *in, int creating,
                           el_clean *c, verr *v) {
  int oom = 0;
  memset(c, 0, sizeof *c);
  if (in->slug || creating) {
    if (!in->slug || !*in->slug)
      verr_add(v, "slug", "required", "Enter a short name for the address.");
    else if (!svc_slug_ok(in->slug))
      verr_add(v, "slug", "invalid",
               "The short name must be 1 to 40 lowercase letters, digits "
               "and hyphens.");
    else if (creating && strcmp(in->slug, "new") == 0)
      /* /admin/e/new is the new-election page */
      verr_add(v, "slug", "reserved",
               "The short name \xe2\x80\x9cnew\xe2\x80\x9d is taken by "
               "the page that creates elections; choose another.");
    else if (!(c->slug = strdup(in->slug)))
      oom = 1;
  }
  if (svcs_text(in->title, SVC_TITLE_MAX, 0, creating, "title", "The title",
                v, &c->title) &&
      in->title && !c->title)
    oom = 1;
  if (in->title && c->title && !*c->title)
    verr_add(v, "title", "required", "Enter the title.");
  if (in->tz && *in->tz) {
    if (!tz_valid(in->tz))
      verr_add(v, "tz", "unknown_zone",
               "Unknown time zone; use a name such as Europe/London.");
    else if (!(c->tz = strdup(in->tz)))
      oom = 1;
  }
  if (in->word_limit != 0 &&
      (in->word_limit < SVC_WORDS_MIN || in->word_limit > SVC_WORDS_MAX))
    verr_add(v, "word_limit", "out_of_range",
             "The word limit must be between %d and %d.", SVC_WORDS_MIN,
             SVC_WORDS_MAX);
  c->word_limit = in->word_limit;
  c->order = NULL;
  if (in->candidate_order) {
    if (strcmp(in->candidate_order, "random") == 0) c->order = "random";
    else if (strcmp(in->candidate_order, "published") == 0)
      c->order = "published";
    else
      verr_add(v, "candidate_order", "invalid",
               "The candidate order must be random or published.");
  }
  c->pub = -1;
  if (in->publish_ballots_set) {
    if (in->publish_ballots == 0 || in->publish_ballots == 1)
      c->pub = in->publish_ballots;
    else
      verr_add(v, "publish_ballots", "invalid",
               "Publishing the ballots must be yes (1) or no (0).");
  }
  if (svcs_text(in->declaration_md, SVC_MD_MAX, 1, 0, "declaration_md",
                "The declaration", v, &c->decl) &&
      in->declaration_md && !c->decl)
    oom = 1;
  if (svcs_text(in->intro_md, SVC_MD_MAX, 1, 0, "intro_md",
                "The introduction", v, &c->intro) &&
      in->intro_md && !c->intro)
    oom = 1;
  if (oom) return WEB_ENOMEM;
  return v->n ? WEB_EINVALID : WEB_OK;
}

struct el_create {
  const el_clean *c;
  int64_t org_id, admin_id, now, id;
  const char *actor;
  verr *v;
};

static web_status el_create_fn(sqlite3 *db, void *ctx) {
  struct el_create *x = ctx;
  sqlite3_stmt *st;
  char tz[65] = "";
  int64_t org = 0, id;
  int rc;
  detail d;
  web_status s;
  x->v->n = 0;
  x->id = 0;
  st = db_stmt(db, "SELECT o.id, o.tz FROM orgs o JOIN org_admins a ON "
                   "a.org_id = o.id WHERE a.admin_id = ?1 AND "
                   "(?2 = 0 OR o.id = ?2) ORDER BY o.id LIMIT 1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->admin_id);
  sqlite3_bind_int64(st, 2, x->org_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    org = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, tz, sizeof tz);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE && x->org_id != SVC_ORG_DEFAULT) {
    verr_add(x->v, "org", "unknown",
             "Choose one of the organisations you administer.");
    return WEB_EINVALID;
  }
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND; /* an admin of no org */
  if (rc != SQLITE_ROW) return db_status(rc);
  if (x->c->tz) snprintf(tz, sizeof tz, "%s", x->c->tz);
  if (!tz_valid(tz)) snprintf(tz, sizeof tz, "UTC");
  st = db_stmt(db, "SELECT 1 FROM elections WHERE slug = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_text(st, 1, x->c->slug, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW) {
    svcs_conflict(x->v, "slug", "duplicate",
                  "An election with the short name %s already exists.",
                  x->c->slug);
    return WEB_ECONFLICT;
  }
  if (rc != SQLITE_DONE) return db_status(rc);
  st = db_stmt(db, "INSERT INTO elections (org_id, slug, title, tz, "
                   "word_limit, declaration_md, intro_md, created_at, "
                   "candidate_order, publish_ballots) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, org);
  sqlite3_bind_text(st, 2, x->c->slug, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, x->c->title, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, tz, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 5, x->c->word_limit ? x->c->word_limit
                                           : SVC_WORDS_DEFAULT);
  sqlite3_bind_text(st, 6, x->c->decl ? x->c->decl : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, x->c->intro ? x->c->intro : "", -1,
                    SQLITE_STATIC);
  sqlite3_bind_int64(st, 8, x->now);
  sqlite3_bind_text(st, 9, x->c->order ? x->c->order : "random", -1,
                    SQLITE_STATIC);
  sqlite3_bind_int(st, 10, x->c->pub >= 0 ? x->c->pub : 1);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  id = sqlite3_last_insert_rowid(db);
  st = db_stmt(db, "INSERT INTO election_orgs (election_id, org_id) "
                   "VALUES (?1, ?2)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, org);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  detail_open(&d);
  jw_kstr(&d.w, "slug", x->c->slug);
  jw_kstr(&d.w, "title", x->c->title);
  jw_kstr(&d.w, "tz", tz);
  jw_kint(&d.w, "word_limit",
          x->c->word_limit ? x->c->word_limit : SVC_WORDS_DEFAULT);
  detail_md(&d.w, "declaration_md", x->c->decl ? x->c->decl : "");
  detail_md(&d.w, "intro_md", x->c->intro ? x->c->intro : "");
  jw_kstr(&d.w, "candidate_order", x->c->order ? x->c->order : "random");
  jw_kbool(&d.w, "publish_ballots", x->c->pub >= 0 ? x->c->pub : 1);
  jw_kint(&d.w, "org", org);
  jw_obj_end(&d.w);
  s = svcs_audit(db, x->now, x->actor, "election.create", id, NULL, 0, &d.b);
  wbuf_free(&d.b);
  if (!s) x->id = id;
  return s;
}

web_status svc_election_create(const svc_election_input *in, int64_t org_id,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v, int64_t *id_out) {
  el_clean c;
  struct el_create x;
  web_status s;
  v->n = 0;
  if (id_out) *id_out = 0;
  if (org_id < 0)
    verr_add(v, "org", "invalid",
             "Choose one of the organisations you administer.");
  if ((s = el_check(in, 1, &c, v)) != WEB_OK || v->n) {
    el_clean_free(&c);
    return s ? s : WEB_EINVALID;
  }
  x.c = &c;
  x.org_id = org_id;
  x.admin_id = admin_id;
  x.now = now;
  x.actor = actor;
  x.v = v;
  x.id = 0;
  s = db_write(el_create_fn, &x);
  if (!s && id_out) *id_out = x.id;
  el_clean_free(&c);
  return s;
}

struct el_update {
  int64_t id, admin_id, now;
  const el_clean *c;
  const char *actor;
  verr *v;
};

static int str_differs(const char *given, const char *stored) {
  return given && strcmp(given, stored) != 0;
}

static web_status el_update_fn(sqlite3 *db, void *ctx) {
  struct el_update *x = ctx;
  const el_clean *c = x->c;
  svc_election e;
  sqlite3_stmt *st;
  int64_t at[EV_COUNT];
  int off[EV_COUNT];
  int i, ch_title, ch_tz, ch_words, ch_decl, ch_intro, ch_order, ch_pub;
  detail d;
  web_status s = svc_election_get_id(db, x->id, &e);
  x->v->n = 0;
  if (s) return s;
  if (c->slug && strcmp(c->slug, e.slug) != 0) {
    verr_add(x->v, "slug", "immutable",
             "The short name cannot change once the election exists.");
    svc_election_free(&e);
    return WEB_EINVALID;
  }
  ch_title = str_differs(c->title, e.title);
  ch_tz = str_differs(c->tz, e.tz);
  ch_words = c->word_limit && c->word_limit != e.word_limit;
  ch_decl = str_differs(c->decl, e.declaration_md);
  ch_intro = str_differs(c->intro, e.intro_md);
  ch_order = str_differs(c->order, e.candidate_order);
  ch_pub = c->pub >= 0 && c->pub != e.publish_ballots;
  s = WEB_OK;
  if ((ch_title || ch_intro) && e.phase >= PHASE_CLOSED) {
    svcs_conflict(x->v, ch_title ? "title" : "intro_md", "phase",
                  "The election is closed; its settings cannot change.");
    s = WEB_ECONFLICT;
  } else if ((ch_words || ch_decl) && e.phase > PHASE_NOMINATIONS) {
    svcs_conflict(x->v, ch_words ? "word_limit" : "declaration_md", "phase",
                  "The %s can change only until nominations close.",
                  ch_words ? "word limit" : "declaration");
    s = WEB_ECONFLICT;
  } else if ((ch_order || ch_pub) && e.phase >= PHASE_VOTING) {
    svcs_conflict(x->v, ch_order ? "candidate_order" : "publish_ballots",
                  "phase",
                  "The %s can change only until voting opens.",
                  ch_order ? "candidate order"
                           : "choice to publish the ballots");
    s = WEB_ECONFLICT;
  } else if (ch_tz && e.phase != PHASE_SETUP) {
    svcs_conflict(x->v, "tz", "phase",
                  "The time zone can change only while the election is "
                  "being set up.");
    s = WEB_ECONFLICT;
  }
  if (s) goto out;
  if (!(ch_title || ch_tz || ch_words || ch_decl || ch_intro || ch_order ||
        ch_pub))
    goto out;
  for (i = 0; i < EV_COUNT; i++) {
    at[i] = e.at[i];
    off[i] = 0;
    if (ch_tz && e.at[i]) {
      int gap = 0;
      web_status t = tz_to_utc(c->tz, e.local[i], &at[i], &off[i], &gap);
      if (t == WEB_ETZ && gap)
        verr_add(x->v, "tz", "time_in_gap",
                 "%s (%s) does not exist in %s (the clocks go forward); "
                 "change the timetable first.",
                 svc_event_label((svc_event)i), e.local[i], c->tz);
      else if (t)
        verr_add(x->v, "tz", "bad_time", "%s (%s) cannot be read in %s.",
                 svc_event_label((svc_event)i), e.local[i], c->tz);
    }
  }
  if (ch_tz) svcs_order_check(at, "tz", x->v);
  if (x->v->n) {
    s = WEB_EINVALID;
    goto out;
  }
  /* a deadline that has passed has happened (svc_timetable_set): a new
  ** zone must not move it */
  for (i = 0; ch_tz && i < EV_COUNT; i++)
    if (e.at[i] && e.at[i] <= x->now && at[i] != e.at[i]) {
      svcs_conflict(x->v, "tz", "phase",
                    "%s has passed; a new time zone would move it.",
                    svc_event_label((svc_event)i));
      s = WEB_ECONFLICT;
      goto out;
    }
  st = db_stmt(db, "UPDATE elections SET title = ?2, tz = ?3, "
                   "word_limit = ?4, declaration_md = ?5, intro_md = ?6, "
                   "candidate_order = ?7, publish_ballots = ?8 "
                   "WHERE id = ?1");
  if (!st) {
    s = WEB_EDB;
    goto out;
  }
  sqlite3_bind_int64(st, 1, e.id);
  sqlite3_bind_text(st, 2, ch_title ? c->title : e.title, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ch_tz ? c->tz : e.tz, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, ch_words ? c->word_limit : e.word_limit);
  sqlite3_bind_text(st, 5, ch_decl ? c->decl : e.declaration_md, -1,
                    SQLITE_STATIC);
  sqlite3_bind_text(st, 6, ch_intro ? c->intro : e.intro_md, -1,
                    SQLITE_STATIC);
  sqlite3_bind_text(st, 7, ch_order ? c->order : e.candidate_order, -1,
                    SQLITE_STATIC);
  sqlite3_bind_int(st, 8, ch_pub ? c->pub : e.publish_ballots);
  if ((s = db_exec_stmt(st)) != WEB_OK) goto out;
  for (i = 0; ch_tz && i < EV_COUNT; i++) {
    if (!e.at[i]) continue;
    st = db_stmt(db, "UPDATE timetable SET at = ?3, utc_offset = ?4 WHERE "
                     "election_id = ?1 AND event = ?2");
    if (!st) {
      s = WEB_EDB;
      goto out;
    }
    sqlite3_bind_int64(st, 1, e.id);
    sqlite3_bind_text(st, 2, svc_event_name((svc_event)i), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at[i]);
    sqlite3_bind_int(st, 4, off[i]);
    if ((s = db_exec_stmt(st)) != WEB_OK) goto out;
  }
  detail_open(&d);
  if (ch_title) {
    jw_key(&d.w, "title");
    jw_obj(&d.w);
    jw_kstr(&d.w, "old", e.title);
    jw_kstr(&d.w, "new", c->title);
    jw_obj_end(&d.w);
  }
  if (ch_tz) {
    jw_key(&d.w, "tz");
    jw_obj(&d.w);
    jw_kstr(&d.w, "old", e.tz);
    jw_kstr(&d.w, "new", c->tz);
    jw_obj_end(&d.w);
  }
  if (ch_words) {
    jw_key(&d.w, "word_limit");
    jw_obj(&d.w);
    jw_kint(&d.w, "old", e.word_limit);
    jw_kint(&d.w, "new", c->word_limit);
    jw_obj_end(&d.w);
  }
  if (ch_decl) {
    jw_key(&d.w, "declaration_md");
    jw_obj(&d.w);
    detail_md(&d.w, "old", e.declaration_md);
    detail_md(&d.w, "new", c->decl);
    jw_obj_end(&d.w);
  }
  if (ch_intro) {
    jw_key(&d.w, "intro_md");
    jw_obj(&d.w);
    detail_md(&d.w, "old", e.intro_md);
    detail_md(&d.w, "new", c->intro);
    jw_obj_end(&d.w);
  }
  if (ch_order) {
    jw_key(&d.w, "candidate_order");
    jw_obj(&d.w);
    jw_kstr(&d.w, "old", e.candidate_order);
    jw_kstr(&d.w, "new", c->order);
    jw_obj_end(&d.w);
  }
  if (ch_pub) {
    jw_key(&d.w, "publish_ballots");
    jw_obj(&d.w);
    jw_kbool(&d.w, "old", e.publish_ballots);
    jw_kbool(&d.w, "new", c->pub);
    jw_obj_end(&d.w);
  }
  jw_obj_end(&d.w);
  s = svcs_audit(db, x->now, x->actor, "election.update", e.id, NULL, 0,
                 &d.b);
  wbuf_free(&d.b);
out:
  svc_election_free(&e);
  return s;
}

web_status svc_election_update(int64_t election_id,
                               const svc_election_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v) {
  el_clean c;
  struct el_update x;
  web_status s;
  v->n = 0;
  if ((s = el_check(in, 0, &c, v)) != WEB_OK) {
    el_clean_free(&c);
    return s;
  }
  x.id = election_id;
  x.admin_id = admin_id;
  x.now = now;
  x.c = &c;
  x.actor = actor;
  x.v = v;
  s = db_write(el_update_fn, &x);
  el_clean_free(&c);
  return s;
}

/* ------------------------------------------------- publication, phases */

struct el_simple {
  int64_t id, admin_id, now;
  svc_phase to;
  const char *actor;
  verr *v;
};

static web_status publish_fn(sqlite3 *db, void *ctx) {
  struct el_simple *x = ctx;
  svc_election e;
  sqlite3_stmt *st;
  detail d;
  web_status s = svc_election_get_id(db, x->id, &e);
  x->v->n = 0;
  if (s) return s;
  if (e.phase != PHASE_NOMINATIONS && e.phase != PHASE_REVIEW) {
    svcs_conflict(x->v, "", "phase",
                  "The candidates can be published while nominations are "
                  "open or under review; the election is in phase %s.",
                  svc_phase_name(e.phase));
    s = WEB_ECONFLICT;
  } else if (e.published_at) {
    svcs_conflict(x->v, "", "already_published",
                  "The candidates are already published.");
    s = WEB_ECONFLICT;
  }
  if (!s) {
    st = db_stmt(db, "UPDATE elections SET published_at = ?2 WHERE id = ?1");
    if (!st) s = WEB_EDB;
    else {
      sqlite3_bind_int64(st, 1, e.id);
      sqlite3_bind_int64(st, 2, x->now);
      s = db_exec_stmt(st);
    }
  }
  if (!s) {
    detail_open(&d);
    jw_kint(&d.w, "published_at", x->now);
    jw_obj_end(&d.w);
    s = svcs_audit(db, x->now, x->actor, "election.publish", e.id, NULL, 0,
                   &d.b);
    wbuf_free(&d.b);
  }
  svc_election_free(&e);
  return s;
}

web_status svc_election_publish(int64_t election_id, const char *actor,
                                int64_t admin_id, int64_t now, verr *v) {
  struct el_simple x = {election_id, admin_id, now, PHASE_SETUP, actor, v};
  v->n = 0;
  return db_write(publish_fn, &x);
}

static web_status phase_fn(sqlite3 *db, void *ctx) {
  struct el_simple *x = ctx;
  svc_phase ph;
  web_status s = svcs_phase(db, x->id, &ph);
  x->v->n = 0;
  if (s) return s;
  if (x->to <= ph || x->to >= PHASE_COUNT) {
    svcs_conflict(x->v, "to", "phase_backwards",
                  "The election is in phase %s; phases only move forward.",
                  svc_phase_name(ph));
    return WEB_ECONFLICT;
  }
  s = svc_phase_move(db, x->id, x->to, x->actor, x->admin_id, x->now, x->v);
  if (s == WEB_ECONFLICT && !x->v->n)
    svcs_conflict(x->v, "to", "phase_order", "The election cannot move to "
                  "phase %s now.", svc_phase_name(x->to));
  return s;
}

web_status svc_election_phase(int64_t election_id, svc_phase to,
                              const char *actor, int64_t admin_id,
                              int64_t now, verr *v) {
  struct el_simple x = {election_id, admin_id, now, to, actor, v};
  v->n = 0;
  return db_write(phase_fn, &x);
}
