/*
** results.c: the count and the publication of an election's results
** (docs/design/ballot.md §7.2-§7.6), run by the clock thread through
** svc_results_tick, and the readers of the published pack (results.h).
**
** Count, one contest at a time: everything is read in one read
** transaction on this thread's connection (a snapshot, outside the
** writer), which is then ended; the election is built with the library's
** calls (candidates in ballot-paper number order, seats, title,
** withdrawals), the ballots added in key order (random), written as BLT,
** and that BLT, parsed back, is what is counted: so the published BLT
** recounts to the published JSON byte for byte with
**   hustings count --rules R [--constraints S.con] --format json S.blt
** One db_write then stores the files and hashes and audits "count.done"
** (or "count.failed", with the library's message, when the count could
** not be completed).
**
** Publication, once no contest of the election is pending: receipts.txt
** (sorted), election.txt, election-key.pem, SHA256SUMS over every
** published file, and its Ed25519 signature with the key derived from
** the installation key and the election's salt (never stored).  If the
** derived key is not the one announced at opening, the pack is published
** unsigned and election.txt says why.  The same db_write audits
** "results.publish", deletes the election's credentials and blanks the
** outbox messages not yet sent; after it the WAL is truncated.
**
** Ownership: every buffer is this file's and freed before returning;
** results_file data is the caller's (results_file_free).
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "results.h"
#include "stv.h"
#include "svc.h"
#include "svc_vote.h"
#include "web.h"

#define ACTOR "system"
#define ERR_MAX 512
#define PACK_MAX_FILES 4096

/* --------------------------------------------------------------- helpers */

static void sha256_hex(const void *data, size_t len, char hex[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)data, (unsigned long long)len);
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* An stv_write_fn into a wbuf. */
static int to_wbuf(void *ud, const char *data, size_t len) {
  wbuf *b = ud;
  wbuf_add(b, data, len);
  return b->err ? -1 : 0;
}

#define TIME_CAP 80

static void rfc3339(int64_t t, char out[TIME_CAP]) {
  struct tm tm;
  time_t tt = (time_t)t;
  if (t <= 0 || !gmtime_r(&tt, &tm)) {
    snprintf(out, TIME_CAP, "unknown");
    return;
  }
  snprintf(out, TIME_CAP, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A value on one line of election.txt: line breaks become spaces. */
static void put_value(wbuf *b, const char *s) {
  for (; s && *s; s++) wbuf_add(b, (*s == '\n' || *s == '\r') ? " " : s, 1);
}

/* "stv message" for a failed library call. */
static void stv_msg(char *out, size_t cap, stv_status st, const stv_error *e) {
  if (e->line > 0)
    snprintf(out, cap, "%.60s: %.100s:%ld:%ld: %.250s", stv_strerror(st),
             e->file,
             e->line, e->col, e->msg);
  else if (e->msg[0])
    snprintf(out, cap, "%.60s: %.250s", stv_strerror(st), e->msg);
  else
    snprintf(out, cap, "%s", stv_strerror(st));
}

static const char *col_text(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? (const char *)s : "";
}

/* Read transactions: a snapshot for the count and the pack. */
static web_status snap_begin(sqlite3 *db) {
  return db_exec_stmt(db_stmt(db, "BEGIN"));
}
static void snap_end(sqlite3 *db) {
  db_reset_all();
  if (!sqlite3_get_autocommit(db)) db_exec_stmt(db_stmt(db, "COMMIT"));
}

/* ----------------------------------------------------------------- count */

typedef struct cand {
  int64_t nom;
  int number;
  int withdrawn;
} cand;

typedef struct counted {
  int64_t contest_id, election_id;
  char slug[41];
  int64_t electorate, ballots;
  wbuf blt, json, html, con;
  char blt_sha[65], json_sha[65];
  int *elected;
  int nelected;
  char err[ERR_MAX]; /* "" = the count was completed */
  int64_t now;
  int stored;
} counted;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  return x->nom < y->nom ? -1 : x->nom > y->nom;
}

/* The candidates on the paper, in number order, added to e (and its
** withdrawals); *c is sorted by nomination id afterwards, for lookups. */
static web_status read_candidates(sqlite3 *db, counted *k, stv_election *e,
                                  cand **out, size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT bc.number, bc.nomination_id, n.name,"
          " n.status = 'withdrawn' OR EXISTS (SELECT 1 FROM withdrawals w"
          "  WHERE w.nomination_id = n.id)"
          " FROM ballot_candidates bc JOIN nominations n"
          " ON n.id = bc.nomination_id WHERE bc.contest_id = ?1"
          " ORDER BY bc.number");
  cand *c = NULL;
  size_t nc = 0, cap = 0;
  int rc;
  stv_status sst = STV_OK;
  stv_error err;
  memset(&err, 0, sizeof err);
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, k->contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (nc == cap) {
      cand *m = realloc(c, (cap ? cap * 2 : 16) * sizeof *c);
      if (!m) {
        sqlite3_reset(st);
        free(c);
        return WEB_ENOMEM;
      }
      c = m;
      cap = cap ? cap * 2 : 16;
    }
    c[nc].number = sqlite3_column_int(st, 0);
    c[nc].nom = sqlite3_column_int64(st, 1);
    c[nc].withdrawn = sqlite3_column_int(st, 3);
    if (c[nc].number != (int)nc + 1 && !k->err[0])
      snprintf(k->err, sizeof k->err,
               "the ballot paper's numbers do not run 1, 2, 3...: "
               "number %d is in place %zu",
               c[nc].number, nc + 1);
    if (!sst) sst = stv_election_add_candidate(e, col_text(st, 2));
    nc++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    free(c);
    return db_status(rc);
  }
  if (sst && !k->err[0]) stv_msg(k->err, sizeof k->err, sst, &err);
  if (!nc && !k->err[0])
    snprintf(k->err, sizeof k->err, "no candidate is on the ballot paper");
  for (size_t i = 0; i < nc && !k->err[0]; i++)
    if (c[i].withdrawn && (sst = stv_election_withdraw(e, c[i].number)))
      stv_msg(k->err, sizeof k->err, sst, &err);
  if (nc) qsort(c, nc, sizeof *c, cand_cmp); /* c is NULL when nc is 0 */
  *out = c;
  *n = nc;
  return WEB_OK;
}

/* Adds the numbers of category cat's candidates on the paper to k->con
** as one group line (nothing when it has none and no minimum). */
static web_status read_group(sqlite3 *db, counted *k, int64_t cat,
                             const char *slug, int min, int max) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT bc.number FROM ballot_candidates bc"
          " JOIN nomination_categories nc ON nc.nomination_id ="
          " bc.nomination_id WHERE bc.contest_id = ?1 AND nc.category_id = ?2"
          " ORDER BY bc.number");
  wbuf line;
  int rc, n = 0;
  if (!st) return WEB_EDB;
  wbuf_init(&line, (size_t)1 << 20);
  wbuf_puts(&line, "group \"");
  for (const char *s = slug; *s; s++)
    wbuf_add(&line, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
  wbuf_puts(&line, "\"");
  if (min > 0) wbuf_printf(&line, " min %d", min);
  if (max >= 0) wbuf_printf(&line, " max %d", max);
  wbuf_puts(&line, ":");
  sqlite3_bind_int64(st, 1, k->contest_id);
  sqlite3_bind_int64(st, 2, cat);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    wbuf_printf(&line, "%s %d", n++ ? "," : "", sqlite3_column_int(st, 0));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    wbuf_free(&line);
    return db_status(rc);
  }
  if (n) {
    wbuf_puts(&line, "\n");
    wbuf_add(&k->con, line.p, line.len);
  } else if (min > 0 && !k->err[0])
    snprintf(k->err, sizeof k->err,
             "category \"%.100s\" needs at least %d seat%s but has no "
             "candidate on the ballot paper",
             slug, min, min == 1 ? "" : "s");
  wbuf_free(&line);
  return line.err ? WEB_ENOMEM : WEB_OK;
}

/* The constraints file's text (ballot.md §7.2 step 5): one group per
** category that has a minimum or a maximum in this contest. */
static web_status read_constraints(sqlite3 *db, counted *k) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT cat.id, cat.slug, cc.min_seats, coalesce(cc.max_seats, -1)"
          " FROM contest_constraints cc JOIN categories cat"
          " ON cat.id = cc.category_id WHERE cc.contest_id = ?1"
          " AND (cc.min_seats > 0 OR cc.max_seats IS NOT NULL)"
          " ORDER BY cat.id");
  struct grp {
    int64_t id;
    char slug[64];
    int min, max;
  } *g = NULL;
  size_t n = 0, cap = 0, i;
  int rc;
  web_status s = WEB_OK;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, k->contest_id);
  /* collected first: read_group's statement is stepped in between */
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      struct grp *m = realloc(g, (cap ? cap * 2 : 8) * sizeof *g);
      if (!m) {
        sqlite3_reset(st);
        free(g);
        return WEB_ENOMEM;
      }
      g = m;
      cap = cap ? cap * 2 : 8;
    }
    g[n].id = sqlite3_column_int64(st, 0);
    snprintf(g[n].slug, sizeof g[n].slug, "%s", col_text(st, 1));
    g[n].min = sqlite3_column_int(st, 2);
    g[n].max = sqlite3_column_int(st, 3);
    n++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) s = db_status(rc);
  for (i = 0; i < n && !s; i++)
    s = read_group(db, k, g[i].id, g[i].slug, g[i].min, g[i].max);
  free(g);
  return s;
}

static const cand *find_cand(const cand *c, size_t n, int64_t nom) {
  cand key = {.nom = nom}; /* cand_cmp reads nom only; the rest zero */
  return bsearch(&key, c, n, sizeof *c, cand_cmp);
}

/* The ballots in key order (random), as BLT numbers. */
static web_status read_ballots(sqlite3 *db, counted *k, stv_election *e,
                               const cand *c, size_t nc) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT ranking FROM ballots WHERE contest_id = ?1 ORDER BY key");
  int *rank = malloc((nc + 1) * sizeof *rank);
  int rc;
  stv_status sst;
  stv_error err;
  memset(&err, 0, sizeof err);
  if (!st || !rank) {
    free(rank);
    return st ? WEB_ENOMEM : WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, k->contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *s = col_text(st, 0);
    size_t n = 0;
    k->ballots++;
    if (k->err[0]) continue; /* counted for the record only */
    while (*s) {
      char *end;
      long long id = strtoll(s, &end, 10);
      const cand *x = end == s ? NULL : find_cand(c, nc, (int64_t)id);
      if (!x || n == nc) {
        snprintf(k->err, sizeof k->err,
                 "a stored ballot names nomination %lld, which is not on "
                 "the ballot paper (or names too many)",
                 id);
        break;
      }
      rank[n++] = x->number;
      s = *end == ' ' ? end + 1 : end;
    }
    if (!k->err[0] && (sst = stv_election_add_ballot(e, 1, rank, n)))
      stv_msg(k->err, sizeof k->err, sst, &err);
  }
  sqlite3_reset(st);
  free(rank);
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

/* Electors not removed who may vote in the contest (svc_tags_match). */
static web_status read_electorate(sqlite3 *db, counted *k) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT tag FROM contest_eligibility WHERE contest_id = ?1"
          " ORDER BY tag");
  wbuf elig;
  int rc;
  if (!st) return WEB_EDB;
  wbuf_init(&elig, (size_t)1 << 20);
  wbuf_puts(&elig, " ");
  sqlite3_bind_int64(st, 1, k->contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wbuf_puts(&elig, col_text(st, 0));
    wbuf_puts(&elig, " ");
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE || elig.err) {
    wbuf_free(&elig);
    return rc != SQLITE_DONE ? db_status(rc) : WEB_ENOMEM;
  }
  st = db_stmt(db, "SELECT tags FROM electors WHERE election_id = ?1"
                   " AND removed_at IS NULL");
  if (!st) {
    wbuf_free(&elig);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, k->election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    k->electorate += svc_tags_match(col_text(st, 0), wbuf_str(&elig)) ? 1 : 0;
  sqlite3_reset(st);
  wbuf_free(&elig);
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

/* Reads the contest in a snapshot and counts it into k.  WEB_ENOTFOUND
** when it is no longer pending (or its election not counted); a count
** that cannot be completed is WEB_OK with k->err set. */
static web_status count_contest(counted *k) {
  sqlite3 *db = db_get();
  sqlite3_stmt *st;
  stv_election *e = NULL, *parsed = NULL;
  stv_options *o = NULL;
  stv_constraints *cons = NULL;
  stv_result *res = NULL;
  stv_error err;
  stv_status sst = STV_OK;
  cand *c = NULL;
  size_t nc = 0;
  char name[64], title[256] = "", rules[32] = "";
  int seats = 0, rc;
  web_status s;
  memset(&err, 0, sizeof err);
  if (!db) return WEB_EDB;
  if ((s = snap_begin(db)) != WEB_OK) return s;
  st = db_stmt(db, "SELECT c.election_id, c.slug, c.title, c.seats, c.rules"
                   " FROM contests c JOIN results r ON r.contest_id = c.id"
                   " JOIN elections e ON e.id = c.election_id"
                   " WHERE c.id = ?1 AND r.state = 'pending'"
                   " AND e.phase = 'counted'");
  if (!st) {
    snap_end(db);
    return WEB_EDB;
  }
  sqlite3_bind_int64(st, 1, k->contest_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    k->election_id = sqlite3_column_int64(st, 0);
    snprintf(k->slug, sizeof k->slug, "%s", col_text(st, 1));
    snprintf(title, sizeof title, "%s", col_text(st, 2));
    seats = sqlite3_column_int(st, 3);
    snprintf(rules, sizeof rules, "%s", col_text(st, 4));
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) {
    snap_end(db);
    return rc == SQLITE_DONE ? WEB_ENOTFOUND : db_status(rc);
  }
  if (stv_election_create(&e) != STV_OK) {
    snap_end(db);
    return WEB_ENOMEM;
  }
  s = read_candidates(db, k, e, &c, &nc);
  if (!s && !k->err[0]) {
    if ((sst = stv_election_set_seats(e, seats)) ||
        (sst = stv_election_set_title(e, title)))
      stv_msg(k->err, sizeof k->err, sst, &err);
  }
  if (!s) s = read_constraints(db, k);
  if (!s) s = read_ballots(db, k, e, c, nc);
  if (!s) s = read_electorate(db, k);
  snap_end(db);
  free(c);
  if (!s && (k->con.err)) s = WEB_ENOMEM;
  if (s || k->err[0]) goto done;

  /* the BLT, then the count of that very BLT */
  snprintf(name, sizeof name, "%s.blt", k->slug);
  sst = stv_election_write(e, STV_BALLOTS_BLT, to_wbuf, &k->blt, &err);
  if (k->blt.err) {
    s = k->blt.err == WEB_ETOOBIG ? WEB_OK : WEB_ENOMEM;
    if (!s) snprintf(k->err, sizeof k->err, "the BLT file is too large");
    goto done;
  }
  if (sst) goto fail;
  sha256_hex(k->blt.p ? k->blt.p : "", k->blt.len, k->blt_sha);
  sst = stv_election_parse_blt(wbuf_str(&k->blt), k->blt.len, name, &parsed,
                               &err);
  if (!sst) sst = stv_options_create(&o);
  if (!sst) sst = stv_options_set(o, "rules", rules, &err);
  if (!sst) sst = stv_options_set_source(o, name, k->blt_sha);
  if (!sst && k->con.len) {
    snprintf(name, sizeof name, "%s.con", k->slug);
    sst = stv_constraints_parse(parsed, k->con.p, k->con.len, name, &cons,
                                &err);
    if (!sst) sst = stv_options_set_constraints(o, cons);
  }
  if (!sst) sst = stv_count(parsed, o, &res, &err);
  if (!sst) sst = stv_result_write(res, STV_FORMAT_JSON, to_wbuf, &k->json);
  if (!sst) sst = stv_result_write(res, STV_FORMAT_HTML, to_wbuf, &k->html);
  if (sst) goto fail;
  sha256_hex(wbuf_str(&k->json), k->json.len, k->json_sha);
  {
    int n = 0;
    const int *el = stv_result_elected(res, &n);
    k->elected = malloc(((size_t)n + 1) * sizeof *k->elected);
    if (!k->elected) {
      s = WEB_ENOMEM;
      goto done;
    }
    if (n) memcpy(k->elected, el, (size_t)n * sizeof *el);
    k->nelected = n;
  }
  goto done;
fail:
  if (sst == STV_ENOMEM)
    s = WEB_ENOMEM;
  else
    stv_msg(k->err, sizeof k->err, sst, &err);
done:
  if (k->err[0] || s) { /* of a failed count only a whole BLT is kept */
    wbuf_free(&k->json);
    wbuf_free(&k->html);
    if (!k->blt_sha[0]) wbuf_free(&k->blt);
  }
  stv_result_free(res);
  stv_constraints_free(cons);
  stv_options_free(o);
  stv_election_free(parsed);
  stv_election_free(e);
  return s;
}

static void bind_buf(sqlite3_stmt *st, int i, const wbuf *b) {
  if (b->p && !b->err)
    sqlite3_bind_blob64(st, i, b->p, b->len, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

static web_status store_count(sqlite3 *db, void *ctx) {
  counted *k = ctx;
  sqlite3_stmt *st = db_stmt(
      db, "UPDATE results SET state = ?2, error = ?3, electorate = ?4,"
          " ballots = ?5, blt = ?6, json = ?7, html = ?8, constraints = ?9,"
          " blt_sha256 = ?10, json_sha256 = ?11, counted_at = ?12"
          " WHERE contest_id = ?1 AND state = 'pending'");
  wbuf d;
  jw w;
  char object[48];
  web_status s;
  int i;
  k->stored = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, k->contest_id);
  sqlite3_bind_text(st, 2, k->err[0] ? "failed" : "done", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, k->err, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, k->electorate);
  sqlite3_bind_int64(st, 5, k->ballots);
  bind_buf(st, 6, &k->blt);
  bind_buf(st, 7, &k->json);
  bind_buf(st, 8, &k->html);
  if (k->con.len && !k->con.err)
    sqlite3_bind_text(st, 9, k->con.p, (int)k->con.len, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 9);
  if (k->blt.p)
    sqlite3_bind_text(st, 10, k->blt_sha, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 10);
  if (k->json.p)
    sqlite3_bind_text(st, 11, k->json_sha, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 11);
  sqlite3_bind_int64(st, 12, k->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  if (sqlite3_changes(db) != 1) return WEB_OK; /* counted meanwhile */
  wbuf_init(&d, 64 << 10);
  jw_init(&w, &d);
  jw_obj(&w);
  jw_kstr(&w, "contest", k->slug);
  jw_kint(&w, "ballots", k->ballots);
  jw_kint(&w, "electorate", k->electorate);
  jw_kstr(&w, "blt_sha256", k->blt.p ? k->blt_sha : NULL);
  if (k->err[0])
    jw_kstr(&w, "error", k->err);
  else {
    jw_kstr(&w, "json_sha256", k->json_sha);
    jw_key(&w, "elected");
    jw_arr(&w);
    for (i = 0; i < k->nelected; i++) jw_int(&w, k->elected[i]);
    jw_arr_end(&w);
  }
  jw_obj_end(&w);
  snprintf(object, sizeof object, "contest:%lld", (long long)k->contest_id);
  s = d.err ? WEB_ENOMEM
            : audit_append(db, k->now, ACTOR,
                           k->err[0] ? "count.failed" : "count.done",
                           k->election_id, NULL, object, wbuf_str(&d));
  wbuf_free(&d);
  if (!s) k->stored = 1;
  return s;
}

/* Counts one pending contest and stores the result; 1 if stored. */
static int count_one(int64_t contest_id, int64_t now) {
  counted k;
  web_status s;
  memset(&k, 0, sizeof k);
  k.contest_id = contest_id;
  k.now = now;
  wbuf_init(&k.blt, RESULTS_FILE_MAX);
  wbuf_init(&k.json, RESULTS_FILE_MAX);
  wbuf_init(&k.html, RESULTS_FILE_MAX);
  wbuf_init(&k.con, (size_t)4 << 20);
  s = count_contest(&k);
  if (s == WEB_OK) s = db_write(store_count, &k);
  /* a storage failure (WEB_EIO) is logged by db.c, at most once a
  ** second; the count is tried again next tick */
  if (s != WEB_OK && s != WEB_ENOTFOUND && s != WEB_EIO)
    fprintf(stderr, "hustings: results: contest %lld: %s\n",
            (long long)contest_id, web_strerror(s));
  wbuf_free(&k.blt);
  wbuf_free(&k.json);
  wbuf_free(&k.html);
  wbuf_free(&k.con);
  free(k.elected);
  return s == WEB_OK && k.stored;
}

/* --------------------------------------------------------------- publish */

typedef struct pfile {
  char name[64];
  char sha[65];
} pfile;

typedef struct pack {
  int64_t election_id, now;
  char slug[41];
  int publish_ballots;
  wbuf txt, receipts, sums;
  pfile *f;
  size_t nf, capf;
  int has_key, signed_;
  unsigned char pk[32], salt[16], sig[64];
  int64_t receipts_n;
  int stored;
} pack;

static int add_file(pack *p, const char *name, const void *data, size_t len) {
  if (p->nf == p->capf) {
    size_t cap = p->capf ? p->capf * 2 : 16;
    pfile *m = cap > PACK_MAX_FILES ? NULL : realloc(p->f, cap * sizeof *m);
    if (!m) return -1;
    p->f = m;
    p->capf = cap;
  }
  snprintf(p->f[p->nf].name, sizeof p->f[p->nf].name, "%s", name);
  sha256_hex(data ? data : "", len, p->f[p->nf].sha);
  p->nf++;
  return 0;
}

static int pfile_cmp(const void *a, const void *b) {
  return strcmp(((const pfile *)a)->name, ((const pfile *)b)->name);
}

/* The space-separated numbers of a query's first column, or "none". */
static web_status numbers(sqlite3_stmt *st, int64_t id, wbuf *b) {
  int rc, n = 0;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    wbuf_printf(b, "%s%d", n++ ? " " : "", sqlite3_column_int(st, 0));
  sqlite3_reset(st);
  if (!n) wbuf_puts(b, "none");
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

/* The elected numbers of a count's JSON, or "none". */
static void elected_of(const void *json, size_t len, wbuf *b) {
  json_t *j = json ? json_loadb(json, len, 0, NULL) : NULL;
  json_t *a = j ? json_object_get(j, "elected") : NULL;
  size_t i, n = json_array_size(a);
  for (i = 0; i < n; i++)
    wbuf_printf(b, "%s%lld", i ? " " : "",
                (long long)json_integer_value(json_array_get(a, i)));
  if (!n) wbuf_puts(b, "none");
  json_decref(j);
}

/* The contests' blocks of election.txt, and their files' hashes. */
static web_status pack_contests(sqlite3 *db, pack *p) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT c.id, c.slug, c.title, c.seats, c.rules, r.state, r.error,"
          " r.electorate, r.ballots, r.blt_sha256, r.json_sha256,"
          " r.constraints, r.json, r.html, r.blt"
          " FROM contests c JOIN results r ON r.contest_id = c.id"
          " WHERE c.election_id = ?1 ORDER BY c.position, c.id");
  sqlite3_stmt *wd = db_stmt(
      db, "SELECT bc.number FROM ballot_candidates bc JOIN nominations n"
          " ON n.id = bc.nomination_id WHERE bc.contest_id = ?1 AND"
          " (n.status = 'withdrawn' OR EXISTS (SELECT 1 FROM withdrawals w"
          "  WHERE w.nomination_id = n.id)) ORDER BY bc.number");
  wbuf *b = &p->txt;
  int rc = SQLITE_DONE;
  web_status s = WEB_OK;
  if (!st || !wd) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  while (!s && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *slug = col_text(st, 1), *con = col_text(st, 11);
    int done = strcmp(col_text(st, 5), "done") == 0;
    int has_blt = sqlite3_column_type(st, 14) == SQLITE_BLOB;
    char fn[64];
    wbuf_puts(b, "\ncontest: ");
    put_value(b, slug);
    wbuf_puts(b, "\ntitle: ");
    put_value(b, col_text(st, 2));
    wbuf_printf(b, "\nrules: %s\nseats: %d\nstate: %s\n",
                col_text(st, 4), sqlite3_column_int(st, 3),
                done ? "done" : "failed");
    if (!done) {
      wbuf_puts(b, "error: ");
      put_value(b, col_text(st, 6));
      wbuf_puts(b, "\n");
    }
    wbuf_printf(b, "electorate: %lld\nballots: %lld\n",
                (long long)sqlite3_column_int64(st, 7),
                (long long)sqlite3_column_int64(st, 8));
    if (has_blt) wbuf_printf(b, "ballots-sha256: %s\n", col_text(st, 9));
    wbuf_puts(b, "withdrawn: ");
    if ((s = numbers(wd, sqlite3_column_int64(st, 0), b)) != WEB_OK) break;
    wbuf_puts(b, "\n");
    if (!done) continue;
    wbuf_printf(b, "count-sha256: %s\nelected: ", col_text(st, 10));
    elected_of(sqlite3_column_blob(st, 12), (size_t)sqlite3_column_bytes(st, 12),
               b);
    wbuf_printf(b, "\nconstraints: %s%s\n", *con ? slug : "none",
                *con ? ".con" : "");
    wbuf_printf(b, "ballots-published: %s\n",
                p->publish_ballots && has_blt ? "yes" : "no");
    wbuf_printf(b, "recount: hustings count --rules %s", col_text(st, 4));
    if (*con) wbuf_printf(b, " --constraints %s.con", slug);
    wbuf_printf(b, " --format json %s.blt | cmp - %s.json\n", slug, slug);
    snprintf(fn, sizeof fn, "%s.json", slug);
    if (add_file(p, fn, sqlite3_column_blob(st, 12),
                 (size_t)sqlite3_column_bytes(st, 12)))
      s = WEB_ENOMEM;
    snprintf(fn, sizeof fn, "%s.html", slug);
    if (!s && add_file(p, fn, sqlite3_column_blob(st, 13),
                       (size_t)sqlite3_column_bytes(st, 13)))
      s = WEB_ENOMEM;
    snprintf(fn, sizeof fn, "%s.con", slug);
    if (!s && *con && add_file(p, fn, con, strlen(con))) s = WEB_ENOMEM;
    snprintf(fn, sizeof fn, "%s.blt", slug);
    if (!s && p->publish_ballots && has_blt &&
        add_file(p, fn, sqlite3_column_blob(st, 14),
                 (size_t)sqlite3_column_bytes(st, 14)))
      s = WEB_ENOMEM;
  }
  sqlite3_reset(st);
  if (!s && rc != SQLITE_DONE) s = db_status(rc);
  return s;
}

/* Reads everything the pack needs in one snapshot.  WEB_ENOTFOUND when
** the election is not ready (not counted, a contest pending, published). */
static web_status pack_read(sqlite3 *db, pack *p) {
  sqlite3_stmt *st;
  char opened[TIME_CAP], closed[TIME_CAP], at[TIME_CAP];
  int rc, n = 0;
  web_status s;
  int64_t electorate = 0, voted = 0;
  wbuf *b = &p->txt;
  st = db_stmt(db, "SELECT e.slug, e.title, e.publish_ballots,"
                   " (SELECT max(at) FROM phase_changes WHERE election_id ="
                   "  e.id AND to_phase = 'voting'),"
                   " (SELECT max(at) FROM phase_changes WHERE election_id ="
                   "  e.id AND to_phase = 'counted'),"
                   " (SELECT count(*) FROM electors WHERE election_id = e.id"
                   "  AND removed_at IS NULL),"
                   " (SELECT count(*) FROM electors WHERE election_id = e.id"
                   "  AND voted = 1),"
                   " (SELECT count(*) FROM receipts WHERE election_id = e.id)"
                   " FROM elections e WHERE e.id = ?1 AND e.phase = 'counted'"
                   " AND NOT EXISTS (SELECT 1 FROM result_packs"
                   "  WHERE election_id = e.id)"
                   " AND NOT EXISTS (SELECT 1 FROM results r JOIN contests c"
                   "  ON c.id = r.contest_id WHERE c.election_id = e.id"
                   "  AND r.state = 'pending')");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? WEB_ENOTFOUND : db_status(rc);
  }
  snprintf(p->slug, sizeof p->slug, "%s", col_text(st, 0));
  wbuf_puts(b, "format: hustings-results 1\nelection: ");
  put_value(b, p->slug);
  wbuf_puts(b, "\ntitle: ");
  put_value(b, col_text(st, 1));
  p->publish_ballots = sqlite3_column_int(st, 2) != 0;
  rfc3339(sqlite3_column_int64(st, 3), opened);
  rfc3339(sqlite3_column_int64(st, 4), closed);
  electorate = sqlite3_column_int64(st, 5);
  voted = sqlite3_column_int64(st, 6);
  p->receipts_n = sqlite3_column_int64(st, 7);
  sqlite3_reset(st);

  st = db_stmt(db, "SELECT o.name FROM orgs o WHERE o.id IN"
                   " (SELECT org_id FROM election_orgs WHERE election_id = ?1"
                   "  UNION SELECT org_id FROM elections WHERE id = ?1)"
                   " ORDER BY o.id");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  wbuf_puts(b, "\norgs: ");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n++) wbuf_puts(b, "; ");
    put_value(b, col_text(st, 0));
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return db_status(rc);
  rfc3339(p->now, at);
  wbuf_printf(b, "\nopened: %s\nclosed: %s\npublished: %s\n", opened, closed,
              at);

  st = db_stmt(db, "SELECT salt, pk FROM election_keys WHERE election_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
      sqlite3_column_bytes(st, 0) == 16 && sqlite3_column_bytes(st, 1) == 32) {
    memcpy(p->salt, sqlite3_column_blob(st, 0), 16);
    memcpy(p->pk, sqlite3_column_blob(st, 1), 32);
    p->has_key = 1;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_status(rc);
  /* the signing key is derived here, before election.txt says whether
  ** the pack is signed (§7.4) */
  if (p->has_key) {
    unsigned char pk2[32];
    elkey_derive(p->salt, pk2, NULL);
    p->signed_ = sodium_memcmp(pk2, p->pk, 32) == 0;
  }
  if (p->has_key) {
    char hex[65], fp[40];
    sodium_bin2hex(hex, sizeof hex, p->pk, 32);
    elkey_fingerprint(p->pk, fp);
    wbuf_printf(b, "public-key: ed25519 %s\nfingerprint: %s\n", hex, fp);
  } else
    wbuf_puts(b, "public-key: none\n");
  if (p->signed_)
    wbuf_puts(b, "signature: ed25519 SHA256SUMS.sig\n");
  else if (p->has_key)
    wbuf_puts(b, "signature: none (the installation's key file has changed "
                 "since voting opened, so the election's key could not be "
                 "derived again: these results are NOT signed)\n");
  else
    wbuf_puts(b, "signature: none (the election has no key)\n");
  wbuf_printf(b, "electorate: %lld\nvoted: %lld\nreceipts: %lld\n",
              (long long)electorate, (long long)voted,
              (long long)p->receipts_n);
  if ((s = pack_contests(db, p)) != WEB_OK) return s;

  st = db_stmt(db, "SELECT code FROM receipts WHERE election_id = ?1"
                   " ORDER BY code");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    wbuf_puts(&p->receipts, col_text(st, 0));
    wbuf_puts(&p->receipts, "\n");
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

/* Set when a pack is published: the WAL still holds frames from before
** its clean-up (credentials, the per-commit frames of each cast), so it is
** truncated, and tried again at every tick until that succeeds. */
static atomic_int wal_dirty;

static web_status store_pack(sqlite3 *db, void *ctx) {
  pack *p = ctx;
  sqlite3_stmt *st = db_stmt(
      db, "INSERT INTO result_packs (election_id, election_txt, receipts_txt,"
          " sums, sig, published_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6"
          " WHERE NOT EXISTS (SELECT 1 FROM result_packs WHERE"
          "  election_id = ?1)"
          " AND NOT EXISTS (SELECT 1 FROM results r JOIN contests c"
          "  ON c.id = r.contest_id WHERE c.election_id = ?1"
          "  AND r.state = 'pending')"
          " AND EXISTS (SELECT 1 FROM elections WHERE id = ?1"
          "  AND phase = 'counted')");
  wbuf d;
  jw w;
  char sums_sha[65], sighex[129];
  web_status s;
  p->stored = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  sqlite3_bind_text(st, 2, wbuf_str(&p->txt), (int)p->txt.len, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, wbuf_str(&p->receipts), (int)p->receipts.len,
                    SQLITE_STATIC);
  sqlite3_bind_text(st, 4, wbuf_str(&p->sums), (int)p->sums.len,
                    SQLITE_STATIC);
  if (p->signed_)
    sqlite3_bind_blob(st, 5, p->sig, 64, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 5);
  sqlite3_bind_int64(st, 6, p->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  if (sqlite3_changes(db) != 1) return WEB_OK;
  /* clean-up at publication (§7.6): the codes, who voted (the turnout
  ** is the receipts' count from now on), the orders' salt */
  st = db_stmt(db, "DELETE FROM credentials WHERE elector_id IN"
                   " (SELECT id FROM electors WHERE election_id = ?1)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "UPDATE electors SET voted = 0 WHERE election_id = ?1"
                   " AND voted = 1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "UPDATE election_keys SET order_salt = NULL WHERE"
                   " election_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  st = db_stmt(db, "UPDATE outbox SET body = '',"
                   " failed_at = coalesce(failed_at, ?2),"
                   " last_error = CASE WHEN failed_at IS NULL THEN"
                   "  'not sent before the results were published'"
                   "  ELSE last_error END"
                   " WHERE election_id = ?1 AND sent_at IS NULL");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, p->election_id);
  sqlite3_bind_int64(st, 2, p->now);
  if ((s = db_exec_stmt(st)) != WEB_OK) return s;
  sha256_hex(wbuf_str(&p->sums), p->sums.len, sums_sha);
  sodium_bin2hex(sighex, sizeof sighex, p->sig, 64);
  wbuf_init(&d, 4096);
  jw_init(&w, &d);
  jw_obj(&w);
  jw_kstr(&w, "sums_sha256", sums_sha);
  jw_kstr(&w, "signature", p->signed_ ? sighex : NULL);
  jw_kint(&w, "files", (int64_t)p->nf);
  jw_kint(&w, "receipts", p->receipts_n);
  jw_obj_end(&w);
  s = d.err ? WEB_ENOMEM
            : audit_append(db, p->now, ACTOR, "results.publish",
                           p->election_id, p->slug, NULL, wbuf_str(&d));
  wbuf_free(&d);
  if (!s) p->stored = 1;
  return s;
}

/* Publishes an election's pack if it is ready; 1 if published. */
static int publish_one(int64_t election_id, int64_t now) {
  sqlite3 *db = db_get();
  pack p;
  web_status s;
  size_t i;
  if (!db) return 0;
  memset(&p, 0, sizeof p);
  p.election_id = election_id;
  p.now = now;
  wbuf_init(&p.txt, (size_t)4 << 20);
  wbuf_init(&p.receipts, RESULTS_FILE_MAX);
  wbuf_init(&p.sums, (size_t)1 << 20);
  s = snap_begin(db);
  if (!s) {
    s = pack_read(db, &p);
    snap_end(db);
  }
  if (!s && (p.txt.err || p.receipts.err)) s = WEB_ENOMEM;
  if (!s && (add_file(&p, "receipts.txt", p.receipts.p, p.receipts.len) ||
             add_file(&p, "election.txt", p.txt.p, p.txt.len)))
    s = WEB_ENOMEM;
  if (!s && p.has_key) {
    wbuf pem;
    wbuf_init(&pem, 1024);
    results_pem(&pem, p.pk);
    if (pem.err || add_file(&p, "election-key.pem", pem.p, pem.len))
      s = WEB_ENOMEM;
    wbuf_free(&pem);
  }
  if (!s) {
    qsort(p.f, p.nf, sizeof *p.f, pfile_cmp);
    for (i = 0; i < p.nf; i++)
      wbuf_printf(&p.sums, "%s  %s\n", p.f[i].sha, p.f[i].name);
    if (p.sums.err) s = WEB_ENOMEM;
  }
  if (!s && p.signed_) {
    unsigned char pk2[32], sk[64];
    elkey_derive(p.salt, pk2, sk);
    crypto_sign_detached(p.sig, NULL, (const unsigned char *)p.sums.p,
                         p.sums.len, sk);
    sodium_memzero(sk, sizeof sk);
  }
  if (!s) s = db_write(store_pack, &p);
  if (s != WEB_OK && s != WEB_ENOTFOUND && s != WEB_EIO) /* as above */
    fprintf(stderr, "hustings: results: publishing election %lld: %s\n",
            (long long)election_id, web_strerror(s));
  if (s == WEB_OK && p.stored) atomic_store(&wal_dirty, 1);
  wbuf_free(&p.txt);
  wbuf_free(&p.receipts);
  wbuf_free(&p.sums);
  free(p.f);
  sodium_memzero(p.salt, sizeof p.salt);
  return s == WEB_OK && p.stored;
}

/* The ids a query gives (its first column), at most max. */
static web_status ids_of(sqlite3 *db, const char *sql, int64_t *out,
                         size_t max, size_t *n) {
  sqlite3_stmt *st = db_stmt(db, sql);
  int rc = SQLITE_DONE;
  *n = 0;
  if (!st) return WEB_EDB;
  while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
    out[(*n)++] = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return (*n == max || rc == SQLITE_DONE) ? WEB_OK : db_status(rc);
}

#define TICK_BATCH 64


static void wal_truncate(sqlite3 *db) {
  int rc, log = -1, ckpt = -1;
  if (!atomic_load(&wal_dirty)) return;
  db_reset_all(); /* no read snapshot of ours may pin the WAL */
  /* a short wait: writers queue behind a TRUNCATE that waits for readers */
  sqlite3_busy_timeout(db, 200);
  rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log,
                                 &ckpt);
  sqlite3_busy_timeout(db, 5000);
  if (rc == SQLITE_OK && log == 0) atomic_store(&wal_dirty, 0);
}

int svc_results_tick(int64_t now) {
  sqlite3 *db = db_get();
  int64_t id[TICK_BATCH];
  size_t n, i;
  int done = 0;
  if (!db) return 0;
  /* each pending contest once per tick: one that fails for a database
  ** reason stays pending and is tried at the next tick */
  if (ids_of(db,
             "SELECT r.contest_id FROM results r JOIN contests c"
             " ON c.id = r.contest_id JOIN elections e ON e.id ="
             " c.election_id WHERE r.state = 'pending' AND e.phase ="
             " 'counted' ORDER BY c.election_id, c.position, c.id",
             id, TICK_BATCH, &n) != WEB_OK)
    return 0;
  for (i = 0; i < n; i++) done += count_one(id[i], now);
  if (ids_of(db,
             "SELECT e.id FROM elections e WHERE e.phase = 'counted'"
             " AND NOT EXISTS (SELECT 1 FROM result_packs p"
             "  WHERE p.election_id = e.id)"
             " AND EXISTS (SELECT 1 FROM contests c JOIN results r"
             "  ON r.contest_id = c.id WHERE c.election_id = e.id)"
             " AND NOT EXISTS (SELECT 1 FROM contests c JOIN results r"
             "  ON r.contest_id = c.id WHERE c.election_id = e.id"
             "  AND r.state = 'pending') ORDER BY e.id",
             id, TICK_BATCH, &n) != WEB_OK)
    return done;
  for (i = 0; i < n; i++) done += publish_one(id[i], now);
  wal_truncate(db);
  return done;
}

/* --------------------------------------------------------------- readers */

void results_pem(wbuf *b, const unsigned char pk[32]) {
  static const unsigned char prefix[12] = {0x30, 0x2a, 0x30, 0x05,
                                           0x06, 0x03, 0x2b, 0x65,
                                           0x70, 0x03, 0x21, 0x00};
  unsigned char der[44];
  char b64[80];
  memcpy(der, prefix, sizeof prefix);
  memcpy(der + sizeof prefix, pk, 32);
  sodium_bin2base64(b64, sizeof b64, der, sizeof der,
                    sodium_base64_VARIANT_ORIGINAL);
  wbuf_printf(b, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
              b64);
}

int results_txt_get(const char *txt, const char *key, char *out, size_t cap) {
  size_t klen = strlen(key);
  const char *s = txt;
  if (cap) out[0] = 0;
  while (s && *s && *s != '\n') {
    const char *eol = strchr(s, '\n');
    size_t len = eol ? (size_t)(eol - s) : strlen(s);
    if (len > klen + 1 && strncmp(s, key, klen) == 0 && s[klen] == ':' &&
        s[klen + 1] == ' ') {
      size_t n = len - klen - 2;
      if (cap) {
        if (n >= cap) n = cap - 1;
        memcpy(out, s + klen + 2, n);
        out[n] = 0;
      }
      return 1;
    }
    s = eol ? eol + 1 : NULL;
  }
  return 0;
}

void results_thousands(wbuf *b, int64_t v) {
  char d[32];
  size_t n, i;
  if (v < 0) {
    wbuf_puts(b, "-");
    v = v == INT64_MIN ? INT64_MAX : -v;
  }
  n = (size_t)snprintf(d, sizeof d, "%lld", (long long)v);
  for (i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0) wbuf_puts(b, ",");
    wbuf_add(b, d + i, 1);
  }
}

void results_turnout(wbuf *b, int64_t voted, int64_t electorate,
                     const char *verb) {
  results_thousands(b, voted);
  wbuf_puts(b, " of ");
  results_thousands(b, electorate);
  wbuf_printf(b, " %s", verb);
  if (electorate > 0 && voted >= 0 && voted <= INT64_MAX / 2000) {
    wbuf_puts(b, ", ");
    results_pct(b, voted, electorate);
  }
}

void results_pct(wbuf *b, int64_t part, int64_t whole) {
  int64_t tenths = whole > 0 && part >= 0 && part <= INT64_MAX / 2000
                       ? (part * 2000 + whole) / (2 * whole)
                       : 0;
  wbuf_printf(b, "%lld.%lld%%", (long long)(tenths / 10),
              (long long)(tenths % 10));
}

int results_sums_name(const char *sums, size_t i, char *out, size_t cap) {
  const char *s = sums;
  size_t k = 0;
  if (cap) out[0] = 0;
  while (s && *s) {
    const char *eol = strchr(s, '\n');
    size_t len = eol ? (size_t)(eol - s) : strlen(s);
    if (k++ == i) {
      if (len < 67) return 0;
      len -= 66;
      if (len >= cap) return 0;
      memcpy(out, s + 66, len);
      out[len] = 0;
      return 1;
    }
    s = eol ? eol + 1 : NULL;
  }
  return 0;
}

void results_file_free(results_file *f) {
  if (!f) return;
  free(f->data);
  memset(f, 0, sizeof *f);
}

/* 1 if the pack's SHA256SUMS lists name. */
static int sums_lists(const char *sums, const char *name) {
  char n[64];
  size_t i;
  for (i = 0; results_sums_name(sums, i, n, sizeof n); i++)
    if (strcmp(n, name) == 0) return 1;
  return 0;
}

static web_status take_copy(results_file *f, const void *data, size_t len) {
  f->data = malloc(len + 1);
  if (!f->data) return WEB_ENOMEM;
  if (len) memcpy(f->data, data, len);
  f->data[len] = 0;
  f->len = len;
  return WEB_OK;
}

/* A contest's file: name is SLUG.EXT with EXT html, json, con or blt. */
static web_status contest_file(sqlite3 *db, int64_t election_id,
                               const char *name, results_file *f) {
  static const char *const ext[] = {"html", "json", "con", "blt"};
  static const char *const ctype[] = {
      "text/html; charset=utf-8", "application/json",
      "text/plain; charset=utf-8", "text/plain; charset=utf-8"};
  const char *dot = strrchr(name, '.');
  char slug[41];
  size_t i, n;
  sqlite3_stmt *st;
  int rc, col;
  web_status s = WEB_ENOTFOUND;
  if (!dot || (n = (size_t)(dot - name)) == 0 || n >= sizeof slug)
    return WEB_ENOTFOUND;
  for (i = 0; i < 4; i++)
    if (strcmp(dot + 1, ext[i]) == 0) break;
  if (i == 4) return WEB_ENOTFOUND;
  memcpy(slug, name, n);
  slug[n] = 0;
  st = db_stmt(db, "SELECT r.html, r.json, r.constraints, r.blt"
                   " FROM contests c JOIN results r ON r.contest_id = c.id"
                   " WHERE c.election_id = ?1 AND c.slug = ?2");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
  col = (int)i;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
      sqlite3_column_type(st, col) != SQLITE_NULL) {
    const void *d = sqlite3_column_blob(st, col);
    s = take_copy(f, d, (size_t)sqlite3_column_bytes(st, col));
    f->ctype = ctype[i];
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    s = db_status(rc);
  sqlite3_reset(st);
  return s;
}

web_status results_file_get(sqlite3 *db, int64_t election_id,
                            const char *name, int admin, results_file *out) {
  sqlite3_stmt *st;
  int rc;
  web_status s = WEB_OK;
  memset(out, 0, sizeof *out);
  if (!name || strlen(name) >= sizeof out->name) return WEB_ENOTFOUND;
  snprintf(out->name, sizeof out->name, "%s", name);
  st = db_stmt(db, "SELECT sums, sig, election_txt, receipts_txt"
                   " FROM result_packs WHERE election_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *txt = col_text(st, 0);
    if (strcmp(name, "SHA256SUMS") == 0) {
      s = take_copy(out, txt, strlen(txt));
      out->ctype = "text/plain; charset=utf-8";
    } else if (strcmp(name, "SHA256SUMS.sig") == 0) {
      if (sqlite3_column_bytes(st, 1) == 64) {
        s = take_copy(out, sqlite3_column_blob(st, 1), 64);
        out->ctype = "application/octet-stream";
      } else
        s = WEB_ENOTFOUND;
    } else if (!sums_lists(txt, name))
      s = admin ? WEB_OK : WEB_ENOTFOUND;
    else if (strcmp(name, "election.txt") == 0 ||
             strcmp(name, "receipts.txt") == 0) {
      int col = name[0] == 'e' ? 2 : 3;
      s = take_copy(out, col_text(st, col),
                    (size_t)sqlite3_column_bytes(st, col));
      out->ctype = "text/plain; charset=utf-8";
    } /* else the key or a contest's file, read below */
  } else if (rc == SQLITE_DONE)
    s = admin ? WEB_OK : WEB_ENOTFOUND;
  else
    s = db_status(rc);
  sqlite3_reset(st);
  if (s || out->data) {
    if (s) results_file_free(out);
    return s;
  }
  if (strcmp(name, "election-key.pem") == 0) {
    wbuf pem;
    st = db_stmt(db, "SELECT pk FROM election_keys WHERE election_id = ?1");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, election_id);
    rc = sqlite3_step(st);
    wbuf_init(&pem, 1024);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
      results_pem(&pem, sqlite3_column_blob(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      wbuf_free(&pem);
      return db_status(rc);
    }
    s = pem.len && !pem.err ? take_copy(out, pem.p, pem.len) : WEB_ENOTFOUND;
    out->ctype = "application/x-pem-file";
    wbuf_free(&pem);
    if (s) results_file_free(out);
    return s;
  }
  /* a contest's file: listed in the pack, or asked for by an admin */
  s = contest_file(db, election_id, name, out);
  if (s) {
    results_file_free(out);
    return s;
  }
  snprintf(out->name, sizeof out->name, "%s", name);
  return WEB_OK;
}
