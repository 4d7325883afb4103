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

/* ------------------------------------------------------------- export */

struct exp {
  int64_t election_id, now;
  const char *scope, *actor;
  wbuf *csv;
  verr *v;
  int64_t count;
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

static web_status export_fn(sqlite3 *db, void *ctx) {
  struct exp *x = ctx;
  svc_election e;
  svcv_mailctx m;
  int64_t *ids = NULL;
  size_t n = 0, cap = 0, i;
  sqlite3_stmt *st;
  wbuf d, cl;
  jw w;
  int rc;
  web_status s;
  x->csv->len = 0;
  x->csv->err = 0;
  if (x->csv->p) x->csv->p[0] = 0;
  x->count = 0;
  if ((s = need_voting(db, x->election_id, x->v))) return s;
  if ((s = svc_election_get_id(db, x->election_id, &e))) return s;
  if ((s = svcv_mailctx_load(db, &e, &m))) {
    svc_election_free(&e);
    return s;
  }
  st = db_stmt(db, "SELECT id FROM electors WHERE election_id = ?1 AND "
                   "removed_at IS NULL AND (?2 = 'all' OR delivery = 'post') "
                   "ORDER BY id");
  if (!st) s = WEB_EDB;
  else {
    sqlite3_bind_int64(st, 1, x->election_id);
    sqlite3_bind_text(st, 2, x->scope, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!svcs_grow((void **)&ids, &cap, n, sizeof *ids, CSV_ROWS_MAX)) {
        s = WEB_ETOOBIG;
        break;
      }
      ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (!s && rc != SQLITE_DONE) s = db_status(rc);
  }
  wbuf_puts(x->csv, "org,member_no,name,email,code,link,contests\n");
  wbuf_init(&cl, 64 << 10);
  for (i = 0; i < n && !s; i++) {
    char code[CRED_TEXT], link[600];
    if ((s = svcv_issue(db, &m, ids[i], "export", NULL, x->now, code))) break;
    st = db_stmt(db, "SELECT o.slug, v.member_no, v.name, v.email, e.tags "
                     "FROM electors e JOIN voters v ON v.id = e.voter_id "
                     "JOIN orgs o ON o.id = v.org_id WHERE e.id = ?1");
    if (!st) {
      s = WEB_EDB;
      break;
    }
    sqlite3_bind_int64(st, 1, ids[i]);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int k = 0; k < 4; k++)
        cell(x->csv, (const char *)sqlite3_column_text(st, k), 0);
      cell(x->csv, code, 0);
      snprintf(link, sizeof link, "%s/v/%s", web_cfg.base_url, code);
      cell(x->csv, link, 0);
      cl.len = 0;
      if (cl.p) cl.p[0] = 0;
      contest_list(&cl, &m, (const char *)sqlite3_column_text(st, 4));
      cell(x->csv, wbuf_str(&cl), 1);
    }
    sqlite3_reset(st);
    sodium_memzero(code, sizeof code);
    if (rc != SQLITE_ROW) s = rc == SQLITE_DONE ? WEB_EDB : db_status(rc);
    x->count++;
  }
  wbuf_free(&cl);
  free(ids);
  if (!s && x->csv->err) s = (web_status)x->csv->err;
  if (!s) {
    svcs_detail_open(&d, &w);
    jw_kstr(&w, "scope", x->scope);
    jw_kint(&w, "count", x->count);
    jw_obj_end(&w);
    s = svcs_audit(db, x->now, x->actor, "credentials.export",
                   x->election_id, NULL, 0, &d);
    wbuf_free(&d);
  }
  svcv_mailctx_free(&m);
  svc_election_free(&e);
  return s;
}

web_status svc_credentials_export(int64_t election_id, const char *scope,
                                  const char *actor, int64_t now, wbuf *csv,
                                  verr *v) {
  struct exp x = {election_id, now, scope, actor, csv, v, 0};
  web_status s;
  v->n = 0;
  if (!scope || (strcmp(scope, "post") && strcmp(scope, "all"))) {
    verr_add(v, "scope", "invalid", "Choose who gets new codes: those "
             "without email (post) or everyone (all).");
    return WEB_EINVALID;
  }
  s = db_write(export_fn, &x);
  if (s && csv->p) {
    sodium_memzero(csv->p, csv->cap);
    csv->len = 0;
  }
  return s;
}

/* ----------------------------------------------------------- reminders */

struct remind {
  int64_t election_id, now;
  const char *actor;
  int64_t queued;
};

static web_status remind_fn(sqlite3 *db, void *ctx) {
  struct remind *x = ctx;
  svc_election e;
  svcv_mailctx m;
  int64_t *ids = NULL;
  size_t n = 0, cap = 0, i;
  sqlite3_stmt *st;
  wbuf d;
  jw w;
  int rc;
  web_status s;
  x->queued = 0;
  if ((s = need_voting(db, x->election_id, NULL))) return s;
  if ((s = svc_election_get_id(db, x->election_id, &e))) return s;
  if ((s = svcv_mailctx_load(db, &e, &m))) {
    svc_election_free(&e);
    return s;
  }
  st = db_stmt(db, "SELECT id FROM electors WHERE election_id = ?1 AND "
                   "voted = 0 AND removed_at IS NULL AND delivery = 'email' "
                   "ORDER BY id");
  if (!st) s = WEB_EDB;
  else {
    sqlite3_bind_int64(st, 1, x->election_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!svcs_grow((void **)&ids, &cap, n, sizeof *ids, CSV_ROWS_MAX)) {
        s = WEB_ETOOBIG;
        break;
      }
      ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (!s && rc != SQLITE_DONE) s = db_status(rc);
  }
  for (i = 0; i < n && !s; i++) {
    char code[CRED_TEXT];
    s = svcv_issue(db, &m, ids[i], "reminder", "reminder", x->now, code);
    sodium_memzero(code, sizeof code);
    if (!s) x->queued++;
  }
  free(ids);
  if (!s) {
    svcs_detail_open(&d, &w);
    jw_kint(&w, "count", x->queued);
    jw_obj_end(&w);
    s = svcs_audit(db, x->now, x->actor, "reminders.queue", x->election_id,
                   NULL, 0, &d);
    wbuf_free(&d);
  }
  svcv_mailctx_free(&m);
  svc_election_free(&e);
  return s;
}

web_status svc_remind(int64_t election_id, const char *actor, int64_t now,
                      int64_t *queued) {
  struct remind x = {election_id, now, actor, 0};
  web_status s = db_write(remind_fn, &x);
  *queued = s ? 0 : x.queued;
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
