/*
** svc_cred.c: voting credentials after the snapshot: issuing one (with its
** message in the outbox), the CSV export for letters and mail-merge,
** reminders to those who have not voted, and reissue
** (docs/design/ballot.md §5).
**
** A code exists in plain text only in the message queued for the voter
** (blanked once sent), in the export's response, or in the one answer
** that shows a reissued code; the database keeps its keyed hash.
** Reminders select non-voters inside the transaction and only a count
** leaves it; a reissue behaves the same whether or not the person voted.
*/
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "svc_setup.h"
#include "svc_vote.h"

#define CSV_ROWS_MAX 200000

/* GCC 12's -fanalyzer loses track of the titles stored in the m->title
** array and reports them leaked; they are m's, freed by svcv_mailctx_free
** (m->n counts them) on error or by the caller (a false positive). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
web_status svcv_mailctx_load(sqlite3 *db, const svc_election *e,
                             svcv_mailctx *m) {
  svc_contest *c = NULL;
  size_t n = 0, i;
  unsigned char pk[32];
  web_status s;
  memset(m, 0, sizeof *m);
  m->e = e;
  if (e->at[EV_VOTING_CLOSE] &&
      tz_display(e->tz, e->at[EV_VOTING_CLOSE], m->close_label,
                 sizeof m->close_label) != WEB_OK)
    m->close_label[0] = 0;
  if (svc_election_key(db, e->id, pk) == WEB_OK)
    elkey_fingerprint(pk, m->fingerprint);
  if ((s = svc_contests(db, e->id, &c, &n))) return s;
  m->contest_id = calloc(n ? n : 1, sizeof *m->contest_id);
  m->title = calloc(n ? n : 1, sizeof *m->title);
  m->elig = calloc(n ? n : 1, sizeof *m->elig);
  if (!m->contest_id || !m->title || !m->elig) s = WEB_ENOMEM;
  for (i = 0; i < n && !s; i++) {
    m->n = i + 1;
    m->contest_id[i] = c[i].id;
    m->title[i] = strdup(c[i].title ? c[i].title : "");
    if (!m->title[i]) s = WEB_ENOMEM;
    else s = svcv_contest_elig(db, c[i].id, &m->elig[i]);
  }
  svc_contests_free(c, n);
  if (s) svcv_mailctx_free(m);
  return s;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void svcv_mailctx_free(svcv_mailctx *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->title[i]);
    free(m->elig[i]);
  }
  free(m->contest_id);
  free(m->title);
  free(m->elig);
  memset(m, 0, sizeof *m);
}

/* The contests the elector may vote in, "General seats; BAME seat". */
static void contest_list(wbuf *b, const svcv_mailctx *m, const char *tags) {
  int first = 1;
  for (size_t i = 0; i < m->n; i++) {
    if (!svc_tags_match(tags, m->elig[i])) continue;
    if (!first) wbuf_puts(b, "; ");
    wbuf_puts(b, m->title[i]);
    first = 0;
  }
}

/* The message carrying a code (ballot.md §5.1). */
static void message(wbuf *b, const svcv_mailctx *m, const char *kind,
                    const char *name, const char *tags,
                    const char code[CRED_TEXT]) {
  char grouped[CRED_GROUPED];
  cred_grouped(code, grouped);
  wbuf_printf(b, "Dear %s,\n\n", name);
  if (!strcmp(kind, "reminder"))
    wbuf_puts(b, "This is a reminder: you have not voted yet. This message "
                 "carries a new voting link; links sent before it no longer "
                 "work.\n\n");
  else if (!strcmp(kind, "reissue"))
    wbuf_puts(b, "You asked for a new voting link. Links sent before this "
                 "one no longer work.\n\n");
  wbuf_printf(b, "Voting in \"%s\" (%s) is open", m->e->title,
              m->e->org_name ? m->e->org_name : "");
  if (m->close_label[0]) wbuf_printf(b, " until %s", m->close_label);
  wbuf_puts(b, ".\n\nYour personal voting link. It works once; do not "
               "forward it:\n\n  ");
  wbuf_printf(b, "%s/v/%s\n\n", web_cfg.base_url, code);
  wbuf_printf(b, "Or go to %s/v and type the code:\n\n  %s\n\n",
              web_cfg.base_url, grouped);
  wbuf_puts(b, "Your vote is secret: the code is not kept, and nothing "
               "connects your vote to you.\n\nYou may vote in: ");
  contest_list(b, m, tags);
  wbuf_puts(b, ".\n");
  if (m->fingerprint[0])
    wbuf_printf(b, "\nElection key (to check the signed results): %s\n",
                m->fingerprint);
}

web_status svcv_issue(sqlite3 *db, const svcv_mailctx *m, int64_t elector_id,
                      const char *via, const char *kind, int64_t now,
                      char code[CRED_TEXT]) {
  unsigned char raw[CRED_RAW], hash[32];
  sqlite3_stmt *st;
  web_status s;
  st = db_stmt(db, "UPDATE credentials SET superseded_at = ?2 WHERE "
                   "elector_id = ?1 AND superseded_at IS NULL");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, elector_id);
  sqlite3_bind_int64(st, 2, now);
  if ((s = db_exec_stmt(st))) return s;
  cred_new(raw, code);
  cred_hash(raw, hash);
  sodium_memzero(raw, sizeof raw);
  st = db_stmt(db, "INSERT INTO credentials (hash, elector_id, issued_at, "
                   "via) VALUES (?1, ?2, ?3, ?4)");
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, elector_id);
  sqlite3_bind_int64(st, 3, now);
  sqlite3_bind_text(st, 4, via, -1, SQLITE_STATIC);
  if ((s = db_exec_stmt(st))) return s;
  if (kind) {
    char *name = NULL, *email = NULL, *tags = NULL;
    wbuf body, subj;
    int rc;
    st = db_stmt(db, "SELECT v.name, v.email, e.tags FROM electors e JOIN "
                     "voters v ON v.id = e.voter_id WHERE e.id = ?1");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, elector_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      name = svcs_col_dup(st, 0);
      email = svcs_col_dup(st, 1);
      tags = svcs_col_dup(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? WEB_ENOTFOUND
                                                   : db_status(rc);
    wbuf_init(&body, 64 << 10);
    wbuf_init(&subj, 512);
    if (name && email && tags && email[0]) {
      message(&body, m, kind, name, tags, code);
      wbuf_printf(&subj, "%s: %s",
                  !strcmp(kind, "reminder") ? "Reminder, your vote"
                                            : "Your vote",
                  m->e->title);
      s = body.err || subj.err ? WEB_ENOMEM : WEB_OK;
      st = s ? NULL
             : db_stmt(db, "INSERT INTO outbox (to_addr, subject, body, "
                           "created_at, election_id, kind) VALUES (?1, ?2, "
                           "?3, ?4, ?5, ?6)");
      if (!s && !st) s = WEB_EDB;
      if (!s) {
        sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, wbuf_str(&subj), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, wbuf_str(&body), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, m->e->id);
        sqlite3_bind_text(st, 6, kind, -1, SQLITE_STATIC);
        s = db_exec_stmt(st);
      }
    } else {
      s = name && email && tags ? WEB_EINVALID : WEB_ENOMEM;
    }
    if (body.p) sodium_memzero(body.p, body.cap);
    wbuf_free(&body);
    wbuf_free(&subj);
    free(name);
    free(email);
    free(tags);
  }
  return s;
}

/* ------------------------------------------------ export and reminders */

/* Both run over many electors in jobs of CRED_JOB, each its own
** transaction, so that casts queued behind them wait milliseconds, not
** seconds (100,000 reminders in one transaction took 4 s).  The electors
** are listed first; each job re-checks its own (the phase, and for
** reminders that the person has still not voted). */
#define CRED_JOB 250

/* The ids of the election's electors selected by sql (?1 = election,
** ?2 = scope text), in id order; malloc'd. */
static web_status list_ids(const char *sql, int64_t election_id,
                           const char *scope, int64_t **ids, size_t *n) {
  sqlite3 *db = db_get();
  sqlite3_stmt *st = db ? db_stmt(db, sql) : NULL;
  size_t cap = 0;
  int rc;
  web_status s = WEB_OK;
  *ids = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, scope ? scope : "", -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!svcs_grow((void **)ids, &cap, *n, sizeof **ids, CSV_ROWS_MAX)) {
      s = WEB_ETOOBIG;
      break;
    }
    (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_reset(st);
  if (!s && rc != SQLITE_DONE) s = db_status(rc);
  if (s) {
    free(*ids);
    *ids = NULL;
    *n = 0;
  }
  return s;
}

struct job {
  int64_t election_id, now;
  const int64_t *ids;
  size_t n;
  int remind;   /* 1: reminders; 0: the export's codes, rows into out */
  wbuf *out;    /* the job's CSV rows (reset at each run) */
  int64_t done; /* reminders queued or codes made by this job */
  verr *v;
};

/* One CSV cell: quoted when needed, a ' before = + - @ (deps §8). */
static void cell(wbuf *b, const char *s, int last) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote) wbuf_puts(b, "\"");
  if (strchr("=+-@", s[0]) && s[0]) wbuf_puts(b, "'");
  for (; *s; s++) {
    if (*s == '"') wbuf_puts(b, "\"");
    wbuf_add(b, s, 1);
  }
  if (quote) wbuf_puts(b, "\"");
  wbuf_puts(b, last ? "\n" : ",");
}

static web_status need_voting(sqlite3 *db, int64_t election_id, verr *v) {
  svc_phase ph;
  web_status s = svcs_phase(db, election_id, &ph);
  if (s) return s;
  if (ph != PHASE_VOTING) {
    if (v)
      svcs_conflict(v, "phase", "phase",
                    "Voting is not open (the election is in phase %s).",
                    svc_phase_name(ph));
    return WEB_ECONFLICT;
  }
  return WEB_OK;
}

/* The export's row for elector id, with its new code. */
static web_status export_row(sqlite3 *db, const svcv_mailctx *m, int64_t id,
                             const char code[CRED_TEXT], wbuf *out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT o.slug, v.member_no, v.name, v.email, e.tags FROM "
          "electors e JOIN voters v ON v.id = e.voter_id JOIN orgs o ON "
          "o.id = v.org_id WHERE e.id = ?1");
  char link[600];
  wbuf cl;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    for (int k = 0; k < 4; k++)
      cell(out, (const char *)sqlite3_column_text(st, k), 0);
    cell(out, code, 0);
    snprintf(link, sizeof link, "%s/v/%s", web_cfg.base_url, code);
    cell(out, link, 0);
    wbuf_init(&cl, 64 << 10);
    contest_list(&cl, m, (const char *)sqlite3_column_text(st, 4));
    cell(out, wbuf_str(&cl), 1);
    wbuf_free(&cl);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? WEB_EDB : db_status(rc);
  return out->err ? (web_status)out->err : WEB_OK;
}

static web_status job_fn(sqlite3 *db, void *ctx) {
  struct job *x = ctx;
  svc_election e;
  svcv_mailctx m;
  size_t i;
  web_status s;
  x->done = 0;
  if (x->out) {
    if (x->out->p) sodium_memzero(x->out->p, x->out->cap);
    x->out->len = 0;
    x->out->err = 0;
  }
  if ((s = need_voting(db, x->election_id, x->v))) return s;
  if ((s = svc_election_get_id(db, x->election_id, &e))) return s;
  if ((s = svcv_mailctx_load(db, &e, &m))) {
    svc_election_free(&e);
    return s;
  }
  for (i = 0; i < x->n && !s; i++) {
    char code[CRED_TEXT];
    if (x->remind) {
      /* still not voted, still on the roll, still by email */
      sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM electors WHERE id = ?1 "
                                     "AND voted = 0 AND removed_at IS NULL "
                                     "AND delivery = 'email'");
      int rc;
      if (!st) {
        s = WEB_EDB;
        break;
      }
      sqlite3_bind_int64(st, 1, x->ids[i]);
      rc = sqlite3_step(st);
      sqlite3_reset(st);
      if (rc == SQLITE_DONE) continue;
      if (rc != SQLITE_ROW) {
        s = db_status(rc);
        break;
      }
      s = svcv_issue(db, &m, x->ids[i], "reminder", "reminder", x->now,
                     code);
    } else {
      s = svcv_issue(db, &m, x->ids[i], "export", NULL, x->now, code);
      if (!s) s = export_row(db, &m, x->ids[i], code, x->out);
    }
    sodium_memzero(code, sizeof code);
    if (!s) x->done++;
  }
  svcv_mailctx_free(&m);
  svc_election_free(&e);
  return s;
}

struct done_audit {
  int64_t election_id, now, count;
  const char *actor, *action, *scope;
};

static web_status done_audit_fn(sqlite3 *db, void *ctx) {
  struct done_audit *x = ctx;
  wbuf d;
  jw w;
  web_status s;
  svcs_detail_open(&d, &w);
  if (x->scope) jw_kstr(&w, "scope", x->scope);
  jw_kint(&w, "count", x->count);
  jw_obj_end(&w);
  s = svcs_audit(db, x->now, x->actor, x->action, x->election_id, NULL, 0,
                 &d);
  wbuf_free(&d);
  return s;
}

/* Runs the jobs over ids; *count gets what they did; csv (export only)
** gets each job's rows once it is committed. */
static web_status run_jobs(int64_t election_id, const int64_t *ids, size_t n,
                           int remind, int64_t now, wbuf *csv, verr *v,
                           int64_t *count) {
  wbuf rows;
  size_t at;
  web_status s = WEB_OK;
  *count = 0;
  wbuf_init(&rows, RESP_EXPORT_MAX);
  for (at = 0; at < n && !s; at += CRED_JOB) {
    struct job j = {election_id, now, ids + at,
                    n - at < CRED_JOB ? n - at : CRED_JOB,
                    remind, remind ? NULL : &rows, 0, v};
    s = db_write(job_fn, &j);
    if (!s) {
      *count += j.done;
      if (csv) wbuf_add(csv, rows.p ? rows.p : "", rows.len);
      if (csv && csv->err) s = (web_status)csv->err;
    }
  }
  if (rows.p) sodium_memzero(rows.p, rows.cap);
  wbuf_free(&rows);
  return s;
}

web_status svc_credentials_export(int64_t election_id, const char *scope,
                                  const char *actor, int64_t now, wbuf *csv,
                                  verr *v) {
  int64_t *ids = NULL, count = 0;
  size_t n = 0;
  web_status s;
  v->n = 0;
  if (!scope || (strcmp(scope, "post") && strcmp(scope, "all"))) {
    verr_add(v, "scope", "invalid", "Choose who gets new codes: those "
             "without email (post) or everyone (all).");
    return WEB_EINVALID;
  }
  {
    sqlite3 *db = db_get();
    if (!db) return WEB_EDB;
    if ((s = need_voting(db, election_id, v))) return s;
  }
  s = list_ids("SELECT id FROM electors WHERE election_id = ?1 AND "
               "removed_at IS NULL AND (?2 = 'all' OR delivery = 'post') "
               "ORDER BY id", election_id, scope, &ids, &n);
  if (s) return s;
  csv->len = 0;
  csv->err = 0;
  /* room for every row at once: growing would leave copies of codes in
  ** freed memory (about 200 bytes a row) */
  if (64 + n * 256 < csv->max) wbuf_reserve(csv, 64 + n * 256);
  wbuf_puts(csv, "org,member_no,name,email,code,link,contests\n");
  s = run_jobs(election_id, ids, n, 0, now, csv, v, &count);
  free(ids);
  if (count > 0 || !s) {
    /* codes made are audited even when a later job failed: they replaced
    ** the earlier ones */
    struct done_audit a = {election_id, now, count, actor,
                           "credentials.export", scope};
    web_status t = db_write(done_audit_fn, &a);
    if (!s) s = t;
  }
  if (s && csv->p) {
    sodium_memzero(csv->p, csv->cap);
    csv->len = 0;
  }
  return s;
}

web_status svc_remind(int64_t election_id, const char *actor, int64_t now,
                      int64_t *queued) {
  int64_t *ids = NULL;
  size_t n = 0;
  verr v = {0};
  web_status s;
  *queued = 0;
  {
    sqlite3 *db = db_get();
    if (!db) return WEB_EDB;
    if ((s = need_voting(db, election_id, NULL))) return s;
  }
  s = list_ids("SELECT id FROM electors WHERE election_id = ?1 AND voted = "
               "0 AND removed_at IS NULL AND delivery = 'email' AND ?2 = ?2 "
               "ORDER BY id", election_id, NULL, &ids, &n);
  if (s) return s;
  s = run_jobs(election_id, ids, n, 1, now, NULL, &v, queued);
  free(ids);
  if (*queued > 0 || !s) {
    struct done_audit a = {election_id, now, *queued, actor,
                           "reminders.queue", NULL};
    web_status t = db_write(done_audit_fn, &a);
    if (!s) s = t;
  }
  return s;
}

/* ------------------------------------------------------------- reissue */

struct reissue {
  int64_t election_id, elector_id, now;
  const char *actor;
  char *code_out;
  verr *v;
};

static web_status reissue_fn(sqlite3 *db, void *ctx) {
  struct reissue *x = ctx;
  svc_election e;
  svcv_mailctx m;
  sqlite3_stmt *st;
  char code[CRED_TEXT];
  wbuf d;
  jw w;
  int rc, post = 0, removed = 0;
  web_status s;
  x->v->n = 0;
  if ((s = need_voting(db, x->election_id, x->v))) return s;
  st = db_stmt(db, "SELECT delivery = 'post', removed_at IS NOT NULL FROM "
                   "electors WHERE id = ?1 AND election_id = ?2");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, x->elector_id);
  sqlite3_bind_int64(st, 2, x->election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    post = sqlite3_column_int(st, 0);
    removed = sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? WEB_ENOTFOUND
                                                 : db_status(rc);
  if (removed) {
    svcs_conflict(x->v, "elector", "removed",
                  "%s", "This person is no longer on the roll.");
    return WEB_ECONFLICT;
  }
  if (!x->code_out && post) {
    verr_add(x->v, "deliver", "no_email", "This person has no email "
             "address: show the new code instead, to give it to them.");
    return WEB_EINVALID;
  }
  if ((s = svc_election_get_id(db, x->election_id, &e))) return s;
  if ((s = svcv_mailctx_load(db, &e, &m))) {
    svc_election_free(&e);
    return s;
  }
  s = svcv_issue(db, &m, x->elector_id, "reissue",
                 x->code_out ? NULL : "reissue", x->now, code);
  if (!s && x->code_out) memcpy(x->code_out, code, CRED_TEXT);
  sodium_memzero(code, sizeof code);
  if (!s) {
    svcs_detail_open(&d, &w);
    jw_kint(&w, "elector", x->elector_id);
    jw_kstr(&w, "deliver", x->code_out ? "show" : "email");
    jw_obj_end(&w);
    s = svcs_audit(db, x->now, x->actor, "elector.reissue", x->election_id,
                   "elector", x->elector_id, &d);
    wbuf_free(&d);
  }
  svcv_mailctx_free(&m);
  svc_election_free(&e);
  return s;
}

web_status svc_reissue(int64_t election_id, int64_t elector_id,
                       const char *actor, int64_t now,
                       char code_out[CRED_TEXT], verr *v) {
  struct reissue x = {election_id, elector_id, now, actor, code_out, v};
  web_status s = db_write(reissue_fn, &x);
  if (s && code_out) sodium_memzero(code_out, CRED_TEXT);
  return s;
}
