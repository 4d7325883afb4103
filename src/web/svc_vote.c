/*
** svc_vote.c: the electorate of an election (preview, the snapshot frozen
** when voting opens), closing, the electors search and aggregate turnout
** (docs/design/ballot.md §1, §2, §7.1).  Credentials and their messages
** are svc_cred.c's; the ballot and the cast are svc_cast.c's.
**
** Ownership and conventions as svc.h: readers on the caller's db, arrays
** freed with the matching _free.  The *_in functions run inside the
** caller's transaction (svc_phase_move).
*/
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "svc_roll.h"
#include "svc_setup.h"
#include "svc_vote.h"

#define BALLOT_FIELDS_MAX 380 /* fits FORM_MAX_FIELDS with room to spare */
#define TAGS_MAX 4096         /* an elector's united tags, space-framed */

int svc_tags_match(const char *elector_tags, const char *elig) {
  const char *p;
  if (!elig || !elig[0] || (elig[0] == ' ' && !elig[1])) return 1;
  if (!elector_tags) return 0;
  /* each " tag " of elig, searched in elector_tags (both space-framed) */
  for (p = elig; *p;) {
    const char *q;
    size_t n;
    while (*p == ' ') p++;
    if (!*p) break;
    q = strchr(p, ' ');
    n = q ? (size_t)(q - p) : strlen(p);
    for (const char *h = elector_tags; (h = strstr(h, " ")) != NULL; h++) {
      if (!strncmp(h + 1, p, n) && h[1 + n] == ' ') return 1;
    }
    p += n;
  }
  return 0;
}

web_status svcv_contest_elig(sqlite3 *db, int64_t contest_id, char **out) {
  sqlite3_stmt *st = db_stmt(db, "SELECT tag FROM contest_eligibility WHERE "
                                 "contest_id = ?1 ORDER BY tag");
  wbuf b;
  int rc;
  *out = NULL;
  if (!st) return WEB_EDB;
  wbuf_init(&b, TAGS_MAX);
  wbuf_puts(&b, " ");
  sqlite3_bind_int64(st, 1, contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wbuf_puts(&b, (const char *)sqlite3_column_text(st, 0));
    wbuf_puts(&b, " ");
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    wbuf_free(&b);
    return db_status(rc);
  }
  if (b.err) {
    wbuf_free(&b);
    return WEB_ENOMEM;
  }
  *out = wbuf_take(&b, NULL);
  return *out ? WEB_OK : WEB_ENOMEM;
}

/* ----------------------------------------------------- united tags */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted union of the tags of voters[0..n) as " a b " into out. */
static web_status united_tags(sqlite3 *db, const int64_t *voters, size_t n,
                              wbuf *out) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT tag FROM voter_tags WHERE voter_id = ?1");
  char *tag[64];
  size_t nt = 0, i, j;
  web_status s = WEB_OK;
  int rc;
  out->len = 0;
  if (out->p) out->p[0] = 0;
  wbuf_puts(out, " ");
  if (!st) return WEB_EDB;
  for (i = 0; i < n && !s; i++) {
    sqlite3_bind_int64(st, 1, voters[i]);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(st, 0);
      int dup = 0;
      for (j = 0; j < nt; j++)
        if (!strcmp(tag[j], t)) dup = 1;
      if (dup || nt == sizeof tag / sizeof tag[0]) continue;
      if (!(tag[nt] = strdup(t))) {
        s = WEB_ENOMEM;
        break;
      }
      nt++;
    }
    sqlite3_reset(st);
    if (!s && rc != SQLITE_DONE && rc != SQLITE_ROW) s = db_status(rc);
  }
  qsort(tag, nt, sizeof tag[0], cmp_str);
  for (j = 0; j < nt; j++) {
    wbuf_puts(out, tag[j]);
    wbuf_puts(out, " ");
    free(tag[j]);
  }
  if (!s && out->err) s = WEB_ENOMEM;
  return s;
}

/* The voter's normalised email ("" for none), its org id. */
static web_status voter_email(sqlite3 *db, int64_t voter_id, char *email,
                              size_t cap) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT lower(trim(email, ' ' || char(9))) FROM voters "
          "WHERE id = ?1");
  int rc;
  email[0] = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, voter_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) svcs_col_copy(st, 0, email, cap);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? WEB_OK : db_status(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
}

/* ---------------------------------------------------------- contests */

typedef struct vcontest {
  int64_t id;
  char *title;
  char *elig;
  int64_t eligible, candidates;
  char slug[41];
} vcontest;

/* GCC 12's -fanalyzer does not follow the loop that frees every title and
** elig before free(c), and reports them leaked (a false positive). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static void vcontests_free(vcontest *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(c[i].title);
    free(c[i].elig);
  }
  free(c);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static web_status vcontests_load(sqlite3 *db, int64_t election_id,
                                 vcontest **out, size_t *n) {
  svc_contest *c = NULL;
  size_t nc = 0, i;
  vcontest *v;
  web_status s = svc_contests(db, election_id, &c, &nc);
  *out = NULL;
  *n = 0;
  if (s) return s;
  v = calloc(nc ? nc : 1, sizeof *v);
  if (!v) {
    svc_contests_free(c, nc);
    return WEB_ENOMEM;
  }
  for (i = 0; i < nc && !s; i++) {
    sqlite3_stmt *st;
    v[i].id = c[i].id;
    memcpy(v[i].slug, c[i].slug, sizeof v[i].slug);
    v[i].title = strdup(c[i].title ? c[i].title : "");
    if (!v[i].title) s = WEB_ENOMEM;
    if (!s) s = svcv_contest_elig(db, c[i].id, &v[i].elig);
    if (!s) {
      st = db_stmt(db, "SELECT count(*) FROM nominations WHERE contest_id = "
                       "?1 AND status = 'accepted'");
      if (!st) s = WEB_EDB;
      else {
        sqlite3_bind_int64(st, 1, c[i].id);
        if (sqlite3_step(st) == SQLITE_ROW)
          v[i].candidates = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
      }
    }
  }
  svc_contests_free(c, nc);
  if (s) {
    vcontests_free(v, nc);
    return s;
  }
  *out = v;
  *n = nc;
  return WEB_OK;
}

/* ----------------------------------------------------------- preview */

web_status svc_vote_preview_get(sqlite3 *db, int64_t election_id,
                                svc_vote_preview *out) {
  svc_electorate el;
  vcontest *vc = NULL;
  size_t nc = 0, i, k;
  wbuf tags;
  char email[256], prev[256] = "";
  int64_t prev_org = 0;
  web_status s;
  memset(out, 0, sizeof *out);
  memset(&el, 0, sizeof el);
  s = svc_roll_electorate(db, election_id, &el);
  if (s == WEB_ENOTFOUND) s = WEB_OK; /* no organisation: empty */
  if (s) return s;
  if ((s = vcontests_load(db, election_id, &vc, &nc)) != WEB_OK) {
    svc_electorate_free(&el);
    return s;
  }
  wbuf_init(&tags, TAGS_MAX);
  out->n_orgs = (int64_t)el.n_orgs;
  out->n_voters = (int64_t)el.n_voters;
  out->n_electors = (int64_t)el.n_electors;
  out->n_merged = (int64_t)el.n_merged;
  for (i = 0; i < el.n_electors && !s; i++) {
    const svc_elector *x = &el.elector[i];
    s = voter_email(db, x->voter_id, email, sizeof email);
    if (s) break;
    if (!email[0]) out->n_no_email++;
    else if (!strcmp(email, prev) && x->org_id == prev_org)
      out->n_shared++;
    snprintf(prev, sizeof prev, "%s", email);
    prev_org = x->org_id;
    s = united_tags(db, el.voter_id + x->first, x->n, &tags);
    for (k = 0; k < nc && !s; k++)
      if (svc_tags_match(wbuf_str(&tags), vc[k].elig)) vc[k].eligible++;
  }
  wbuf_free(&tags);
  svc_electorate_free(&el);
  if (!s) {
    out->contest = calloc(nc ? nc : 1, sizeof *out->contest);
    if (!out->contest) s = WEB_ENOMEM;
  }
  for (k = 0; k < nc && !s; k++) {
    svc_vote_preview_contest *c = &out->contest[k];
    c->contest_id = vc[k].id;
    memcpy(c->slug, vc[k].slug, sizeof c->slug);
    c->title = vc[k].title;
    vc[k].title = NULL;
    c->eligible = vc[k].eligible;
    c->candidates = vc[k].candidates;
    out->n_contests = k + 1;
  }
  vcontests_free(vc, nc);
  if (s) svc_vote_preview_free(out);
  return s;
}

void svc_vote_preview_free(svc_vote_preview *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_contests; i++) free(p->contest[i].title);
  free(p->contest);
  memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------- open */

static web_status refuse(verr *v, const char *code, const char *fmt,
                         const char *arg) {
  if (v) svcs_conflict(v, "to", code, fmt, arg);
  return WEB_ECONFLICT;
}

/* Numbers the accepted candidates of contest c in name order. */
static web_status number_candidates(sqlite3 *db, int64_t contest_id,
                                    int64_t *n_out) {
  sqlite3_stmt *sel = db_stmt(
      db, "SELECT id FROM nominations WHERE contest_id = ?1 AND status = "
          "'accepted' ORDER BY name, id");
  sqlite3_stmt *ins;
  int64_t ids[1000];
  size_t n = 0, i;
  int rc;
  web_status s = WEB_OK;
  if (!sel) return WEB_EDB;
  sqlite3_bind_int64(sel, 1, contest_id);
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW && n < 1000)
    ids[n++] = sqlite3_column_int64(sel, 0);
  sqlite3_reset(sel);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_status(rc);
  ins = db_stmt(db, "INSERT INTO ballot_candidates (contest_id, "
                    "nomination_id, number) VALUES (?1, ?2, ?3)");
  if (!ins) return WEB_EDB;
  for (i = 0; i < n && !s; i++) {
    sqlite3_bind_int64(ins, 1, contest_id);
    sqlite3_bind_int64(ins, 2, ids[i]);
    sqlite3_bind_int64(ins, 3, (int64_t)i + 1);
    s = db_exec_stmt(ins);
  }
  *n_out = (int64_t)n;
  return s;
}

/* A minimum that the accepted candidates cannot meet: its category's
** label in what (refused before anything is written). */
static web_status infeasible(sqlite3 *db, int64_t contest_id, char *what,
                             size_t cap) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT c.label FROM contest_constraints k JOIN categories c ON "
          "c.id = k.category_id WHERE k.contest_id = ?1 AND k.min_seats > "
          "(SELECT count(*) FROM nominations n JOIN nomination_categories nc "
          "ON nc.nomination_id = n.id WHERE n.contest_id = ?1 AND n.status "
          "= 'accepted' AND nc.category_id = k.category_id)");
  int rc;
  what[0] = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) svcs_col_copy(st, 0, what, cap);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

/* Writes electors and elector_sources from the pooled rolls, and a
** credential with its message for each elector with email. */
static web_status snapshot(sqlite3 *db, const svc_electorate *el,
                           const svcv_mailctx *m, int64_t now,
                           int64_t *by_email, int64_t *by_post) {
  sqlite3_stmt *ins, *src;
  wbuf tags, key;
  char email[256], prev[256] = "", code[CRED_TEXT];
  int64_t k = 0;
  size_t i, j;
  web_status s = WEB_OK;
  wbuf_init(&tags, TAGS_MAX);
  wbuf_init(&key, 512);
  for (i = 0; i < el->n_electors && !s; i++) {
    const svc_elector *x = &el->elector[i];
    int64_t id;
    if ((s = voter_email(db, x->voter_id, email, sizeof email))) break;
    if ((s = united_tags(db, el->voter_id + x->first, x->n, &tags))) break;
    key.len = 0;
    if (email[0]) {
      k = strcmp(email, prev) ? 0 : k + 1;
      wbuf_printf(&key, "e:%s#%lld", email, (long long)k);
      snprintf(prev, sizeof prev, "%s", email);
    } else {
      wbuf_printf(&key, "v:%lld", (long long)x->voter_id);
    }
    if (key.err || tags.err) {
      s = WEB_ENOMEM;
      break;
    }
    ins = db_stmt(db, "INSERT INTO electors (election_id, person_key, "
                      "voter_id, tags, delivery) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins) {
      s = WEB_EDB;
      break;
    }
    sqlite3_bind_int64(ins, 1, m->e->id);
    sqlite3_bind_text(ins, 2, wbuf_str(&key), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 3, x->voter_id);
    sqlite3_bind_text(ins, 4, wbuf_str(&tags), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 5, email[0] ? "email" : "post", -1,
                      SQLITE_STATIC);
    if ((s = db_exec_stmt(ins))) break;
    id = sqlite3_last_insert_rowid(db);
    src = db_stmt(db, "INSERT INTO elector_sources (elector_id, voter_id) "
                      "VALUES (?1, ?2)");
    if (!src) {
      s = WEB_EDB;
      break;
    }
    for (j = 0; j < x->n && !s; j++) {
      sqlite3_bind_int64(src, 1, id);
      sqlite3_bind_int64(src, 2, el->voter_id[x->first + j]);
      s = db_exec_stmt(src);
    }
    if (s) break;
    if (email[0]) {
      s = svcv_issue(db, m, id, "open", "credential", now, code);
      sodium_memzero(code, sizeof code);
      (*by_email)++;
    } else {
      (*by_post)++;
    }
  }
  wbuf_free(&tags);
  wbuf_free(&key);
  return s;
}

web_status svc_voting_open_in(sqlite3 *db, int64_t election_id,
                              const char *actor, int64_t now, verr *v) {
  svc_election e;
  svc_electorate el;
  svcv_mailctx m;
  vcontest *vc = NULL;
  size_t nc = 0, i;
  int64_t fields = 0, by_email = 0, by_post = 0, ncand;
  unsigned char salt[16], pk[32], order_salt[16];
  char what[256], fp[40];
  sqlite3_stmt *st;
  wbuf d;
  jw w;
  web_status s = svc_election_get_id(db, election_id, &e);
  if (s) return s;
  memset(&el, 0, sizeof el);
  memset(&m, 0, sizeof m);
  wbuf_init(&d, 0);
  if (e.phase != PHASE_REVIEW) {
    s = refuse(v, "phase", "Voting opens after nominations are reviewed "
               "(the election is in phase %s).", svc_phase_name(e.phase));
    goto out;
  }
  if ((s = vcontests_load(db, election_id, &vc, &nc))) goto out;
  if (!nc) {
    s = refuse(v, "no_candidates", "%s", "The election has no contest.");
    goto out;
  }
  for (i = 0; i < nc; i++) {
    if (vc[i].candidates < 1) {
      s = refuse(v, "no_candidates", "%s has no accepted candidate.",
                 vc[i].title);
      goto out;
    }
    fields += vc[i].candidates;
    if ((s = infeasible(db, vc[i].id, what, sizeof what))) goto out;
    if (what[0]) {
      if (v)
        svcs_conflict(v, "to", "constraints_infeasible",
                      "%s: fewer accepted candidates in category %s than "
                      "its minimum.", vc[i].title, what);
      s = WEB_ECONFLICT;
      goto out;
    }
  }
  if (fields > BALLOT_FIELDS_MAX) {
    s = refuse(v, "ballot_too_large", "%s",
               "The ballot would have more than 380 candidates in all; "
               "split the election.");
    goto out;
  }
  s = svc_roll_electorate(db, election_id, &el);
  if (s == WEB_ENOTFOUND || (!s && el.n_electors == 0)) {
    s = refuse(v, "empty_electorate", "%s",
               "No one is on the roll: import the voter roll first.");
    goto out;
  }
  if (s) goto out;
  for (i = 0; i < nc && !s; i++) s = number_candidates(db, vc[i].id, &ncand);
  if (s) goto out;
  /* the election key: only the salt and the public key are stored */
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(order_salt, sizeof order_salt);
  elkey_derive(salt, pk, NULL);
  st = db_stmt(db, "INSERT INTO election_keys (election_id, salt, pk, "
                   "created_at, order_salt) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) {
    s = WEB_EDB;
    goto out;
  }
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_blob(st, 2, salt, sizeof salt, SQLITE_TRANSIENT);
  sqlite3_bind_blob(st, 3, pk, sizeof pk, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_blob(st, 5, order_salt, sizeof order_salt, SQLITE_TRANSIENT);
  s = db_exec_stmt(st);
  sodium_memzero(order_salt, sizeof order_salt);
  if (s) goto out;
  if ((s = svcv_mailctx_load(db, &e, &m))) goto out;
  if ((s = snapshot(db, &el, &m, now, &by_email, &by_post))) goto out;
  elkey_fingerprint(pk, fp);
  svcs_detail_open(&d, &w);
  jw_kint(&w, "electors", (int64_t)el.n_electors);
  jw_kint(&w, "by_email", by_email);
  jw_kint(&w, "by_post", by_post);
  jw_kint(&w, "merged", (int64_t)el.n_merged);
  jw_kstr(&w, "key", fp);
  jw_obj_end(&w);
  s = svcs_audit(db, now, actor, "voting.open", election_id, NULL, 0, &d);
out:
  wbuf_free(&d);
  svcv_mailctx_free(&m);
  vcontests_free(vc, nc);
  svc_electorate_free(&el);
  svc_election_free(&e);
  return s;
}

web_status svc_voting_close_in(sqlite3 *db, int64_t election_id,
                               const char *actor, int64_t now) {
  sqlite3_stmt *st = db_stmt(
      db, "INSERT OR IGNORE INTO results (contest_id, state) SELECT id, "
          "'pending' FROM contests WHERE election_id = ?1");
  int64_t electors, voted, receipts;
  wbuf d;
  jw w;
  web_status s;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  if ((s = db_exec_stmt(st))) return s;
  electors = db_int1(db, "SELECT count(*) FROM electors WHERE election_id = "
                        "?1 AND removed_at IS NULL", election_id);
  voted = db_int1(db, "SELECT count(*) FROM electors WHERE election_id = ?1 "
                     "AND voted = 1", election_id);
  receipts = db_int1(db, "SELECT count(*) FROM receipts WHERE election_id = "
                        "?1", election_id);
  if (electors < 0 || voted < 0 || receipts < 0) return WEB_EDB;
  svcs_detail_open(&d, &w);
  jw_kint(&w, "electors", electors);
  jw_kint(&w, "voted", voted);
  jw_kint(&w, "receipts", receipts);
  jw_obj_end(&w);
  s = svcs_audit(db, now, actor, "voting.close", election_id, NULL, 0, &d);
  wbuf_free(&d);
  return s;
}

/* ----------------------------------------------------------- electors */

web_status svc_electors_find(sqlite3 *db, int64_t election_id,
                             const char *q, int limit, int offset,
                             svc_elector_row **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db,
      "SELECT e.id, v.name, v.email, e.tags, e.delivery = 'post', "
      "e.removed_at IS NOT NULL, (SELECT group_concat(o.slug || ' ' || "
      "v2.member_no, '; ') FROM elector_sources s JOIN voters v2 ON v2.id = "
      "s.voter_id JOIN orgs o ON o.id = v2.org_id WHERE s.elector_id = e.id) "
      "FROM electors e JOIN voters v ON v.id = e.voter_id "
      "WHERE e.election_id = ?1 AND (?2 = '' OR EXISTS (SELECT 1 FROM "
      "elector_sources s JOIN voters v3 ON v3.id = s.voter_id WHERE "
      "s.elector_id = e.id AND (instr(lower(v3.member_no), lower(?2)) > 0 "
      "OR instr(lower(v3.name), lower(?2)) > 0 OR instr(lower(v3.email), "
      "lower(?2)) > 0))) ORDER BY v.name, e.id LIMIT ?3 OFFSET ?4");
  svc_elector_row *r;
  size_t k = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  if (limit < 1) limit = 1;
  if (limit > 200) limit = 200;
  if (offset < 0) offset = 0;
  r = calloc((size_t)limit, sizeof *r);
  if (!r) return WEB_ENOMEM;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, q ? q : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 3, limit);
  sqlite3_bind_int(st, 4, offset);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < (size_t)limit) {
    svc_elector_row *x = &r[k++];
    size_t tl;
    x->id = sqlite3_column_int64(st, 0);
    x->name = svcs_col_dup(st, 1);
    x->email = svcs_col_dup(st, 2);
    x->tags = svcs_col_dup(st, 3);
    x->post = sqlite3_column_int(st, 4);
    x->removed = sqlite3_column_int(st, 5);
    x->member_nos = svcs_col_dup(st, 6);
    if (!x->name || !x->email || !x->tags || !x->member_nos) {
      rc = SQLITE_NOMEM;
      break;
    }
    /* " a b " -> "a b" */
    tl = strlen(x->tags);
    while (tl && x->tags[tl - 1] == ' ') x->tags[--tl] = 0;
    if (x->tags[0] == ' ') memmove(x->tags, x->tags + 1, tl);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    svc_elector_rows_free(r, k);
    return db_status(rc);
  }
  *out = r;
  *n = k;
  return WEB_OK;
}

void svc_elector_rows_free(svc_elector_row *r, size_t n) {
  if (!r) return;
  for (size_t i = 0; i < n; i++) {
    free(r[i].name);
    free(r[i].email);
    free(r[i].member_nos);
    free(r[i].tags);
  }
  free(r);
}

/* ------------------------------------------------------------ turnout */

web_status svc_turnout_get(sqlite3 *db, int64_t election_id,
                           svc_turnout *out) {
  vcontest *vc = NULL;
  size_t nc = 0, k;
  sqlite3_stmt *st;
  web_status s;
  int rc;
  memset(out, 0, sizeof *out);
  if ((s = vcontests_load(db, election_id, &vc, &nc))) return s;
  out->electors = db_int1(db, "SELECT count(*) FROM electors WHERE "
                             "election_id = ?1 AND removed_at IS NULL",
                         election_id);
  /* one receipt per cast: the count stays after publication, when the
  ** voted flags are cleared */
  out->voted = db_int1(db, "SELECT count(*) FROM receipts WHERE election_id "
                          "= ?1", election_id);
  out->receipts = db_int1(db, "SELECT count(*) FROM receipts WHERE "
                             "election_id = ?1", election_id);
  out->outbox_queued = db_int1(db, "SELECT count(*) FROM outbox WHERE "
                                  "election_id = ?1 AND sent_at IS NULL AND "
                                  "failed_at IS NULL", election_id);
  out->outbox_sent = db_int1(db, "SELECT count(*) FROM outbox WHERE "
                                "election_id = ?1 AND sent_at IS NOT NULL",
                            election_id);
  out->outbox_failed = db_int1(db, "SELECT count(*) FROM outbox WHERE "
                                  "election_id = ?1 AND failed_at IS NOT "
                                  "NULL", election_id);
  if (out->electors < 0 || out->voted < 0 || out->receipts < 0 ||
      out->outbox_queued < 0 || out->outbox_sent < 0 ||
      out->outbox_failed < 0)
    s = WEB_EDB;
  /* eligible per contest: one pass over the electors' tags */
  st = s ? NULL : db_stmt(db, "SELECT tags FROM electors WHERE election_id "
                              "= ?1 AND removed_at IS NULL");
  if (!s && !st) s = WEB_EDB;
  if (!s) {
    sqlite3_bind_int64(st, 1, election_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(st, 0);
      for (k = 0; k < nc; k++)
        if (svc_tags_match(t, vc[k].elig)) vc[k].eligible++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) s = db_status(rc);
  }
  if (!s) {
    out->contest = calloc(nc ? nc : 1, sizeof *out->contest);
    if (!out->contest) s = WEB_ENOMEM;
  }
  for (k = 0; k < nc && !s; k++) {
    svc_turnout_contest *c = &out->contest[k];
    c->contest_id = vc[k].id;
    memcpy(c->slug, vc[k].slug, sizeof c->slug);
    c->title = vc[k].title;
    vc[k].title = NULL;
    c->eligible = vc[k].eligible;
    c->ballots = db_int1(db, "SELECT count(*) FROM ballots WHERE contest_id "
                            "= ?1", vc[k].id);
    if (c->ballots < 0) s = WEB_EDB;
    out->n = k + 1;
  }
  vcontests_free(vc, nc);
  if (s) svc_turnout_free(out);
  return s;
}

void svc_turnout_free(svc_turnout *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n; i++) free(t->contest[i].title);
  free(t->contest);
  memset(t, 0, sizeof *t);
}

web_status svc_election_key(sqlite3 *db, int64_t election_id,
                            unsigned char pk[32]) {
  sqlite3_stmt *st =
      db_stmt(db, "SELECT pk FROM election_keys WHERE election_id = ?1");
  int rc;
  web_status s = WEB_ENOTFOUND;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
    memcpy(pk, sqlite3_column_blob(st, 0), 32);
    s = WEB_OK;
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    s = db_status(rc);
  }
  sqlite3_reset(st);
  return s;
}
