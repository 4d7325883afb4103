/*
** svc_cast.c: the ballot paper behind a voting code, and the cast
** (docs/design/ballot.md §3.1, §3.2).
**
** The cast is one db_write: the credential is marked used and the
** elector voted (each by an UPDATE that must change exactly one row, so
** of any number of simultaneous casts with one code exactly one wins),
** one ballot per ranked contest is stored under a random 16-byte key with
** no time, sequence or voter, and a receipt code is stored linked to
** nothing.  Or none of it.  No audit row is written for a cast.
**
** A voter's random candidate order is drawn from a keyed hash of a
** per-election salt, the elector and the contest, so it is stable across
** re-renders and reissued codes, differs between voters, and is stored
** nowhere; the salt is erased when the results are published, so the
** orders (which a voter's ranking may follow) cannot be recomputed after.
*/
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "svc_setup.h"
#include "svc_vote.h"

#define RANKING_MAX 8000 /* the ballots.ranking CHECK */

/* The state of a credential row (columns 1..5 of the two SELECTs below)
** at now for an election in phase ph closing at close_at (0 = unset). */
static cred_state state_of(svc_phase ph, int64_t close_at, int64_t now,
                           int used, int superseded, int voted,
                           int removed) {
  if (ph < PHASE_VOTING) return CRED_NOT_OPEN;
  if (ph > PHASE_VOTING || (close_at && now >= close_at)) return CRED_CLOSED;
  if (removed) return CRED_REMOVED;
  if (used) return CRED_USED;
  if (superseded) return CRED_REPLACED;
  if (voted) return CRED_VOTED;
  return CRED_OK;
}

static void shuffle(svc_bcand *c, size_t n, const unsigned char salt[16],
                    int64_t elector_id, int64_t contest_id) {
  static const char tag[] = "hustings ballot order v1";
  unsigned char seed[randombytes_SEEDBYTES], in[16];
  uint32_t *r;
  size_t i;
  if (n < 2) return;
  r = malloc(n * sizeof *r);
  if (!r) return; /* published order rather than nothing */
  for (i = 0; i < 8; i++) {
    in[i] = (unsigned char)((uint64_t)elector_id >> (8 * i));
    in[8 + i] = (unsigned char)((uint64_t)contest_id >> (8 * i));
  }
  {
    crypto_generichash_state st;
    crypto_generichash_init(&st, auth_key, sizeof auth_key, sizeof seed);
    crypto_generichash_update(&st, (const unsigned char *)tag,
                              sizeof tag - 1);
    crypto_generichash_update(&st, salt, 16);
    crypto_generichash_update(&st, in, sizeof in);
    crypto_generichash_final(&st, seed, sizeof seed);
  }
  randombytes_buf_deterministic(r, n * sizeof *r, seed);
  for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
    size_t j = (size_t)(r[i] % (uint32_t)(i + 1));
    svc_bcand t = c[i];
    c[i] = c[j];
    c[j] = t;
  }
  free(r);
}

static void bcands_free(svc_bcand *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(c[i].name);
    free(c[i].statement_html);
    free(c[i].categories);
    free(c[i].withdraw_reason);
  }
  free(c);
}

static web_status load_cands(sqlite3 *db, svc_bcontest *bc) {
  sqlite3_stmt *st = db_stmt(
      db,
      "SELECT b.nomination_id, b.number, n.name, coalesce(s.html, ''), "
      "n.status = 'withdrawn', coalesce(w.reason, ''), (SELECT "
      "group_concat(c.label, ', ') FROM nomination_categories nc JOIN "
      "categories c ON c.id = nc.category_id WHERE nc.nomination_id = n.id) "
      "FROM ballot_candidates b JOIN nominations n ON n.id = b.nomination_id "
      "LEFT JOIN statements s ON s.nomination_id = n.id LEFT JOIN "
      "withdrawals w ON w.nomination_id = n.id WHERE b.contest_id = ?1 "
      "ORDER BY b.number");
  size_t cap = 0;
  int rc;
  web_status s = WEB_OK;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, bc->id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_bcand *x;
    if (!svcs_grow((void **)&bc->cand, &cap, bc->n, sizeof *bc->cand,
                   1000)) {
      s = WEB_ENOMEM;
      break;
    }
    x = &bc->cand[bc->n++];
    memset(x, 0, sizeof *x);
    x->nomination_id = sqlite3_column_int64(st, 0);
    x->number = sqlite3_column_int(st, 1);
    x->name = svcs_col_dup(st, 2);
    x->statement_html = svcs_col_dup(st, 3);
    x->withdrawn = sqlite3_column_int(st, 4);
    x->withdraw_reason = svcs_col_dup(st, 5);
    x->categories = svcs_col_dup(st, 6);
    if (!x->name || !x->statement_html || !x->withdraw_reason ||
        !x->categories) {
      s = WEB_ENOMEM;
      break;
    }
  }
  sqlite3_reset(st);
  if (!s && rc != SQLITE_DONE) s = db_status(rc);
  return s;
}

/* Whether the paper shows the published order; else the salt that seeds
** each voter's random order (none left after publication: published). */
static web_status order_of(sqlite3 *db, int64_t election_id, int *published,
                           unsigned char salt[16]) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT e.candidate_order = 'published', k.order_salt FROM "
          "elections e LEFT JOIN election_keys k ON k.election_id = e.id "
          "WHERE e.id = ?1");
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  *published = 1;
  if (rc == SQLITE_ROW) {
    *published = sqlite3_column_int(st, 0);
    if (sqlite3_column_bytes(st, 1) == 16)
      memcpy(salt, sqlite3_column_blob(st, 1), 16);
    else
      *published = 1;
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? WEB_OK
                          : db_status(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
}

web_status svc_ballot_load(sqlite3 *db, const char *code, int64_t now,
                           svc_ballot *out) {
  unsigned char raw[CRED_RAW], pk[32], salt[16];
  sqlite3_stmt *st;
  svc_contest *c = NULL;
  size_t nc = 0, i;
  int rc, used = 0, superseded = 0, voted = 0, removed = 0, published = 0;
  int64_t election_id = 0;
  char *tags = NULL;
  web_status s;
  memset(out, 0, sizeof *out);
  out->state = CRED_UNKNOWN;
  if (!cred_parse(code, raw)) return WEB_OK;
  cred_hash(raw, out->cred_hash);
  sodium_memzero(raw, sizeof raw);
  st = db_stmt(db, "SELECT c.elector_id, c.used, c.superseded_at IS NOT "
                   "NULL, e.voted, e.removed_at IS NOT NULL, e.tags, "
                   "e.election_id FROM credentials c JOIN electors e ON "
                   "e.id = c.elector_id WHERE c.hash = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, out->cred_hash, 32, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->elector_id = sqlite3_column_int64(st, 0);
    used = sqlite3_column_int(st, 1);
    superseded = sqlite3_column_int(st, 2);
    voted = sqlite3_column_int(st, 3);
    removed = sqlite3_column_int(st, 4);
    tags = svcs_col_dup(st, 5);
    election_id = sqlite3_column_int64(st, 6);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_OK; /* unknown */
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!tags) return WEB_ENOMEM;
  s = svc_election_get_id(db, election_id, &out->e);
  if (!s)
    out->state = state_of(out->e.phase, out->e.at[EV_VOTING_CLOSE], now,
                          used, superseded, voted, removed);
  if (!s && svc_election_key(db, election_id, pk) == WEB_OK)
    elkey_fingerprint(pk, out->key_fingerprint);
  if (s || out->state != CRED_OK) goto done;
  if ((s = order_of(db, election_id, &published, salt))) goto done;
  if ((s = svc_contests(db, election_id, &c, &nc))) goto done;
  out->c = calloc(nc ? nc : 1, sizeof *out->c);
  if (!out->c) {
    s = WEB_ENOMEM;
    goto done;
  }
  for (i = 0; i < nc && !s; i++) {
    char *elig = NULL;
    svc_bcontest *bc;
    if ((s = svcv_contest_elig(db, c[i].id, &elig))) break;
    if (!svc_tags_match(tags, elig)) {
      free(elig);
      continue;
    }
    free(elig);
    bc = &out->c[out->n++];
    bc->id = c[i].id;
    memcpy(bc->slug, c[i].slug, sizeof bc->slug);
    bc->seats = c[i].seats;
    bc->title = strdup(c[i].title ? c[i].title : "");
    if (!bc->title) s = WEB_ENOMEM;
    else s = load_cands(db, bc);
    if (!s && !published)
      shuffle(bc->cand, bc->n, salt, out->elector_id, bc->id);
  }
done:
  sodium_memzero(salt, sizeof salt);
  svc_contests_free(c, nc);
  free(tags);
  if (s) svc_ballot_free(out);
  return s;
}

void svc_ballot_free(svc_ballot *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++) {
    free(b->c[i].title);
    bcands_free(b->c[i].cand, b->c[i].n);
  }
  free(b->c);
  svc_election_free(&b->e);
  memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- cast */

struct cast {
  const svc_ballot *b;
  const ballot_choice *c;
  size_t n;
  int64_t now;
  cred_state state;
  char receipt[RECEIPT_TEXT];
  verr *v;
};

static web_status cast_fn(sqlite3 *db, void *ctx) {
  struct cast *x = ctx;
  sqlite3_stmt *st;
  int64_t elector_id = 0, election_id = 0, close_at = 0;
  int rc, used = 0, superseded = 0, voted = 0, removed = 0, tries;
  char *tags = NULL;
  svc_phase ph = PHASE_SETUP;
  web_status s = WEB_OK;
  size_t i, k;
  x->v->n = 0;
  x->receipt[0] = 0;
  x->state = CRED_UNKNOWN;
  st = db_stmt(db, "SELECT c.elector_id, c.used, c.superseded_at IS NOT "
                   "NULL, e.voted, e.removed_at IS NOT NULL, e.tags, "
                   "e.election_id, el.phase, (SELECT at FROM timetable t "
                   "WHERE t.election_id = el.id AND t.event = "
                   "'voting_close') FROM credentials c JOIN electors e ON "
                   "e.id = c.elector_id JOIN elections el ON el.id = "
                   "e.election_id WHERE c.hash = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, x->b->cred_hash, 32, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    elector_id = sqlite3_column_int64(st, 0);
    used = sqlite3_column_int(st, 1);
    superseded = sqlite3_column_int(st, 2);
    voted = sqlite3_column_int(st, 3);
    removed = sqlite3_column_int(st, 4);
    tags = svcs_col_dup(st, 5);
    election_id = sqlite3_column_int64(st, 6);
    if (!svc_phase_parse((const char *)sqlite3_column_text(st, 7), &ph))
      ph = PHASE_CLOSED;
    close_at = sqlite3_column_int64(st, 8);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ECONFLICT; /* state CRED_UNKNOWN */
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!tags) return WEB_ENOMEM;
  x->state = state_of(ph, close_at, x->now, used, superseded, voted, removed);
  if (x->state != CRED_OK) {
    free(tags);
    return WEB_ECONFLICT;
  }
  /* eligibility, against the tags as they are now */
  for (i = 0; i < x->n && !s; i++) {
    char *elig = NULL;
    char field[48];
    st = db_stmt(db, "SELECT 1 FROM contests WHERE id = ?1 AND "
                     "election_id = ?2");
    if (!st) {
      s = WEB_EDB;
      break;
    }
    sqlite3_bind_int64(st, 1, x->c[i].contest_id);
    sqlite3_bind_int64(st, 2, election_id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) s = svcv_contest_elig(db, x->c[i].contest_id, &elig);
    else if (rc != SQLITE_DONE) s = db_status(rc);
    if (!s && (rc != SQLITE_ROW || !svc_tags_match(tags, elig))) {
      snprintf(field, sizeof field, "contest.%lld",
               (long long)x->c[i].contest_id);
      verr_add(x->v, field, "not_eligible",
               "You cannot vote in this contest.");
      s = WEB_EINVALID;
    }
    free(elig);
  }
  free(tags);
  if (s) return s;
  /* exactly one winner per credential, and per person */
  st = db_stmt(db, "UPDATE credentials SET used = 1 WHERE hash = ?1 AND "
                   "used = 0 AND superseded_at IS NULL");
  if (!st) return WEB_EDB;
  sqlite3_bind_blob(st, 1, x->b->cred_hash, 32, SQLITE_TRANSIENT);
  if ((s = db_exec_stmt(st))) return s;
  if (sqlite3_changes(db) != 1) {
    x->state = CRED_USED;
    return WEB_ECONFLICT;
  }
  st = db_stmt(db, "UPDATE electors SET voted = 1 WHERE id = ?1 AND voted = "
                   "0 AND removed_at IS NULL");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, elector_id);
  if ((s = db_exec_stmt(st))) return s;
  if (sqlite3_changes(db) != 1) {
    x->state = CRED_VOTED;
    return WEB_ECONFLICT;
  }
  for (i = 0; i < x->n && !s; i++) {
    unsigned char key[16];
    char ranking[RANKING_MAX + 1];
    size_t len = 0;
    if (!x->c[i].n) continue; /* nothing ranked in this contest */
    for (k = 0; k < x->c[i].n; k++) {
      int w = snprintf(ranking + len, sizeof ranking - len, "%s%lld",
                       k ? " " : "", (long long)x->c[i].order[k]);
      if (w < 0 || (size_t)w >= sizeof ranking - len) return WEB_ETOOBIG;
      len += (size_t)w;
    }
    randombytes_buf(key, sizeof key);
    st = db_stmt(db, "INSERT INTO ballots (contest_id, key, ranking) VALUES "
                     "(?1, ?2, ?3)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, x->c[i].contest_id);
    sqlite3_bind_blob(st, 2, key, sizeof key, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, ranking, (int)len, SQLITE_TRANSIENT);
    s = db_exec_stmt(st);
  }
  if (s) return s;
  for (tries = 0; tries < 3; tries++) {
    receipt_new(x->receipt);
    st = db_stmt(db, "INSERT INTO receipts (election_id, code) VALUES "
                     "(?1, ?2)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, election_id);
    sqlite3_bind_text(st, 2, x->receipt, -1, SQLITE_TRANSIENT);
    s = db_exec_stmt(st);
    if (s != WEB_ECONFLICT) break; /* a clash of 80 random bits: again */
  }
  return s;
}

web_status svc_cast(const svc_ballot *b, const ballot_choice *c, size_t n,
                    int64_t now, char receipt[RECEIPT_TEXT],
                    cred_state *state, verr *v) {
  struct cast x;
  web_status s;
  memset(&x, 0, sizeof x);
  x.b = b;
  x.c = c;
  x.n = n;
  x.now = now;
  x.v = v;
  v->n = 0;
  receipt[0] = 0;
  s = db_write(cast_fn, &x);
  *state = s == WEB_OK ? CRED_OK : x.state;
  if (s == WEB_OK) memcpy(receipt, x.receipt, RECEIPT_TEXT);
  return s;
}
