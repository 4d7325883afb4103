/*
** test_secrecy.c: the secrecy audit of issue 7 (docs/design/ballot.md §2
** "Secrecy").  One `hustings serve --mail none` on `hustings demo
** --voting`'s database; K = 100 members vote over HTTP in an order the
** test chooses and records (cast index, elector, ranking posted, receipt
** shown), voting is closed through the API, the results are published by
** the clock thread; then the database file is read directly (read-only)
** and must show that no column, no ordering and no timestamp links a
** ballot or a receipt to a voter:
**   - schema: ballots is exactly (contest_id, key, ranking) and receipts
**     exactly (election_id, code), both WITHOUT ROWID, with no index,
**     trigger or view on them and no foreign key pointing at them; no
**     cell of any other table holds a ballot key (raw, or hex in either
**     case) or a receipt code (with or without dashes), except the
**     published receipts list, which is sorted;
**   - ordering: the physical order of each table (a plain SELECT, no
**     ORDER BY) against the cast order and against the electors' id
**     order: Spearman's rho (integer arithmetic, in thousandths) under
**     0.5 in size, and never the exact order or its reverse;
**   - timestamps: during the casts no table changes but the ballots, the
**     receipts and the flags electors.voted and credentials.used (every
**     other table hashed before and after: so no audit row, no outbox row,
**     no time stamped anywhere); after publication no integer cell of any
**     table holds a time (s or ms) strictly inside the casting window;
**     voted all 0, credentials empty, order_salt NULL, and a used link
**     no longer shows its ballot page;
**   - the stored rankings are exactly the ones posted (so the mapping
**     above is sound), the WAL is empty or gone, and integrity_check on a
**     read-only connection says ok.
**
** The threshold: with no link, rho over n = 100 has mean 0 and variance
** 1/(n-1), and rho * sqrt(n - 1) is close to N(0, 1).  |rho| >= 0.5 is
** then z >= 4.97: P ~ 6.6e-7 per comparison (the exact permutation
** distribution has lighter tails still), four comparisons: a false
** failure about once in 400,000 runs.  A table in cast order gives rho
** = 1, so the check cannot pass by accident on a leaking design.
*/
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "client.h"
#include "testutil.h"

#define EL "steering-2027"
#define ADMIN_PW "correct horse battery staple"
#define K 100          /* ballots cast */
#define FIRST_MEMBER 80 /* members 80..179 of Northfield: one elector each */
#define MAX_TABLES 64
#define RHO_MAX 500 /* |rho| in thousandths */

static const char *argv0;
static hc_server *srv;
static char dir[256], demo[300], token[128];
static int64_t general, election;

/* What the test did, by cast index. */
static struct cast {
  int member;
  int64_t elector;
  char code[27];
  char ranking[64]; /* nomination ids, as stored */
  char receipt[20];
} casts[K];
static int64_t t_first, t_last; /* wall clock around the casts (s) */

/* Per-table hashes taken before the first cast. */
static char tname[MAX_TABLES][64];
static unsigned char thash[MAX_TABLES][32];
static size_t ntables;

/* ------------------------------------------------------------- helpers */

static sqlite3 *ro(void) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *q) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", q, sqlite3_errmsg(db));
  return st;
}

/* One number from the demo database, read-only. */
static int64_t sql(const char *q) {
  sqlite3 *db = ro();
  sqlite3_stmt *st = prep(db, q);
  int64_t n = INT64_MIN;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (n == INT64_MIN) fail_msg("%s: no row", q);
  return n;
}

/* One text from it ("" for NULL), into out. */
static void sqltext(const char *q, char *out, size_t cap) {
  sqlite3 *db = ro();
  sqlite3_stmt *st = prep(db, q);
  out[0] = 0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* The voting code in the latest email to addr (bodies are kept with
** --mail none until publication). */
static void code_of(const char *addr, char code[27]) {
  tu_voting_code(demo, addr, code);
}

static int64_t elector_of(const char *addr) {
  sqlite3 *db = ro();
  sqlite3_stmt *st = prep(db, "SELECT e.id FROM electors e JOIN voters v ON "
                              "v.id = e.voter_id WHERE v.email = ?1");
  int64_t id = 0, rows = 0;
  sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    rows++;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rows != 1) fail_msg("%s: %lld electors", addr, (long long)rows);
  return id;
}

/* The tables of the schema (not sqlite_*), into tname. */
static void list_tables(void) {
  sqlite3 *db = ro();
  sqlite3_stmt *st = prep(db, "SELECT name FROM sqlite_schema WHERE type = "
                              "'table' AND name NOT LIKE 'sqlite_%' ORDER "
                              "BY name");
  ntables = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    assert_true(ntables < MAX_TABLES);
    snprintf(tname[ntables++], sizeof tname[0], "%s",
             (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  assert_true(ntables >= 20);
}

/* "SELECT c1, c2, ... FROM t" over t's columns (skip: a column left out,
** or NULL). */
static void select_all(sqlite3 *db, const char *t, const char *skip,
                       char *q, size_t cap) {
  sqlite3_stmt *st = prep(db, "SELECT name FROM pragma_table_info(?1) "
                              "ORDER BY cid");
  size_t n = 0, cols = 0;
  int w;
  sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
  w = snprintf(q, cap, "SELECT ");
  n = (size_t)w;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *c = (const char *)sqlite3_column_text(st, 0);
    if (skip && strcmp(c, skip) == 0) continue;
    w = snprintf(q + n, cap - n, "%s\"%s\"", cols ? ", " : "", c);
    assert_true(w > 0 && (size_t)w < cap - n);
    n += (size_t)w;
    cols++;
  }
  sqlite3_finalize(st);
  assert_true(cols > 0);
  w = snprintf(q + n, cap - n, " FROM \"%s\"", t);
  assert_true(w > 0 && (size_t)w < cap - n);
}

/* A hash of every cell of table t but the cast's flags (electors.voted,
** credentials.used), in its physical order, typed. */
static void table_hash(sqlite3 *db, const char *t, unsigned char out[32]) {
  char q[2048];
  const char *skip = strcmp(t, "electors") == 0      ? "voted"
                     : strcmp(t, "credentials") == 0 ? "used"
                                                     : NULL;
  crypto_generichash_state h;
  sqlite3_stmt *st;
  select_all(db, t, skip, q, sizeof q);
  st = prep(db, q);
  crypto_generichash_init(&h, NULL, 0, 32);
  while (sqlite3_step(st) == SQLITE_ROW) {
    int i, n = sqlite3_column_count(st);
    for (i = 0; i < n; i++) {
      unsigned char tag = (unsigned char)sqlite3_column_type(st, i);
      uint64_t len;
      const void *p;
      int64_t v;
      crypto_generichash_update(&h, &tag, 1);
      if (tag == SQLITE_INTEGER) {
        v = sqlite3_column_int64(st, i);
        crypto_generichash_update(&h, (const unsigned char *)&v, sizeof v);
      } else if (tag != SQLITE_NULL) {
        p = sqlite3_column_blob(st, i);
        len = (uint64_t)sqlite3_column_bytes(st, i);
        crypto_generichash_update(&h, (const unsigned char *)&len,
                                  sizeof len);
        if (len) crypto_generichash_update(&h, p, (size_t)len);
      }
    }
    {
      unsigned char row = 0xff;
      crypto_generichash_update(&h, &row, 1);
    }
  }
  sqlite3_finalize(st);
  crypto_generichash_final(&h, out, 32);
}

/* Spearman's rho in thousandths between position i and rank[i] (a
** permutation of 0..n-1): 1 - 6 sum d^2 / (n (n^2 - 1)). */
static int64_t rho1000(const int *rank, int n) {
  int64_t sum = 0, den = (int64_t)n * ((int64_t)n * n - 1);
  int i;
  for (i = 0; i < n; i++) {
    int64_t d = (int64_t)rank[i] - i;
    sum += d * d;
  }
  return 1000 - (6000 * sum) / den;
}

/* Checks a physical order: order[p] = the cast index of the row at
** physical position p; against the cast order and the electors' order. */
static void not_ordered(const char *what, const int *order) {
  int by_cast[K], by_elector[K], erank[K];
  int i, j, same = 1, reverse = 1;
  int64_t r;
  /* each cast's rank among the K electors by id */
  for (i = 0; i < K; i++) {
    erank[i] = 0;
    for (j = 0; j < K; j++) erank[i] += casts[j].elector < casts[i].elector;
  }
  for (i = 0; i < K; i++) {
    by_cast[i] = order[i];
    by_elector[i] = erank[order[i]];
    same &= order[i] == i;
    reverse &= order[i] == K - 1 - i;
  }
  assert_false(same);
  assert_false(reverse);
  r = rho1000(by_cast, K);
  fprintf(stderr, "# %s: rho vs cast order %+lld/1000", what,
          (long long)r);
  if (r >= RHO_MAX || r <= -RHO_MAX)
    fail_msg("%s follow the cast order: rho = %lld/1000", what,
             (long long)r);
  r = rho1000(by_elector, K);
  fprintf(stderr, ", vs elector order %+lld/1000\n", (long long)r);
  if (r >= RHO_MAX || r <= -RHO_MAX)
    fail_msg("%s follow the electors' order: rho = %lld/1000", what,
             (long long)r);
}

/* ------------------------------------------------------------- casting */

/* Field names r.G.NOMID of the general contest, and the ids, sorted. */
static size_t general_ids(const char *html, int64_t ids[16]) {
  char pre[32];
  const char *p = html;
  size_t n = 0, i, j;
  snprintf(pre, sizeof pre, "name=\"r.%lld.", (long long)general);
  while (n < 16 && (p = hc_find(p, pre)) != NULL) {
    p += strlen(pre);
    ids[n++] = strtoll(p, NULL, 10);
  }
  for (i = 1; i < n; i++) /* insertion sort */
    for (j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
      int64_t t = ids[j];
      ids[j] = ids[j - 1];
      ids[j - 1] = t;
    }
  return n;
}

/* Cast c: a ranking of 3 to 6 of the general candidates whose first
** three (a Lehmer code of c) differ from every other cast's. */
static void cast(int c) {
  struct cast *x = &casts[c];
  char addr[64], csrf[65], path[64], names[8][48], nums[8][24];
  const char *f[24];
  int64_t ids[16];
  int pick[8], used[16] = {0};
  size_t n, m = 0, len, i, k = 3 + (size_t)c % 4, r = (size_t)c;
  hc_resp *resp;
  snprintf(addr, sizeof addr, "member%d@example.org", x->member);
  code_of(addr, x->code);
  x->elector = elector_of(addr);
  snprintf(path, sizeof path, "/v/%s", x->code);
  resp = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
  check_status(resp, 200);
  assert_int_equal(hc_csrf(resp->body, csrf), 1);
  n = general_ids(resp->body, ids);
  hc_resp_free(resp);
  assert_int_equal(n, 9);
  for (i = 0; i < k; i++) { /* the i-th of the candidates left */
    size_t left = n - i, nth = i < 3 ? r % left : (size_t)c * 7 % left, j;
    if (i < 3) r /= left;
    for (j = 0;; j++)
      if (!used[j] && nth-- == 0) break;
    used[j] = 1;
    pick[i] = (int)j;
  }
  f[m++] = "csrf";
  f[m++] = csrf;
  len = 0;
  for (i = 0; i < k; i++) {
    snprintf(names[i], sizeof names[i], "r.%lld.%lld", (long long)general,
             (long long)ids[pick[i]]);
    snprintf(nums[i], sizeof nums[i], "%zu", i + 1);
    f[m++] = names[i];
    f[m++] = nums[i];
    len += (size_t)snprintf(x->ranking + len, sizeof x->ranking - len,
                            "%s%lld", i ? " " : "",
                            (long long)ids[pick[i]]);
  }
  f[m] = NULL;
  snprintf(path, sizeof path, "/v/%s/cast", x->code);
  resp = hc_post_formv(srv, path, hc_new_addr(), f);
  check_status(resp, 200);
  {
    const char *p = hc_find(resp->body, "id=\"receipt\"");
    assert_non_null(p);
    p = strchr(p, '>');
    assert_non_null(p);
    memcpy(x->receipt, p + 1, 19);
    x->receipt[19] = 0;
    for (i = 0; i < 19; i++)
      assert_true(i % 5 == 4 ? x->receipt[i] == '-'
                             : (x->receipt[i] >= '0' && x->receipt[i] <= 'Z'));
  }
  hc_resp_free(resp);
}

/* -------------------------------------------------------------- cases */

static void test_election(void **state) {
  hc_resp *r;
  sqlite3 *db;
  size_t i, changed = 0;
  unsigned char h[32];
  int64_t audit, outbox;
  int c;
  (void)state;
  general = sql("SELECT id FROM contests WHERE slug = 'general'");
  election = sql("SELECT id FROM elections WHERE slug = '" EL "'");
  assert_int_equal(sql("SELECT count(*) FROM ballots"), 0);
  list_tables();
  db = ro();
  for (i = 0; i < ntables; i++) table_hash(db, tname[i], thash[i]);
  sqlite3_close(db);
  audit = sql("SELECT max(seq) FROM audit");
  outbox = sql("SELECT count(*) FROM outbox");
  /* the cast order: members 80..179 visited with a stride of 37 */
  for (c = 0; c < K; c++) casts[c].member = FIRST_MEMBER + (c * 37) % K;
  t_first = (int64_t)time(NULL);
  for (c = 0; c < K; c++) {
    cast(c);
    /* spread the casts over > 2 s so the window has an inside */
    if (c == K / 3 || c == 2 * K / 3) usleep(1100 * 1000);
  }
  t_last = (int64_t)time(NULL);
  assert_true(t_last - t_first >= 2);
  /* every cast counted, and only the flags and the ballot tables moved */
  assert_int_equal(sql("SELECT count(*) FROM ballots"), K);
  assert_int_equal(sql("SELECT count(*) FROM receipts"), K);
  assert_int_equal(sql("SELECT count(*) FROM electors WHERE voted = 1"), K);
  assert_true(sql("SELECT count(*) FROM credentials WHERE used = 1") >= K);
  assert_int_equal(sql("SELECT max(seq) FROM audit"), audit);
  assert_int_equal(sql("SELECT count(*) FROM outbox"), outbox);
  db = ro();
  for (i = 0; i < ntables; i++) {
    if (!strcmp(tname[i], "ballots") || !strcmp(tname[i], "receipts"))
      continue;
    table_hash(db, tname[i], h);
    if (memcmp(h, thash[i], 32)) {
      fprintf(stderr, "# table %s changed during the casts\n", tname[i]);
      changed++;
    }
  }
  sqlite3_close(db);
  assert_int_equal(changed, 0);
  {
    char q[200];
    /* the mapping cast -> elector is right: those K voted */
    for (c = 0; c < K; c++) {
      snprintf(q, sizeof q, "SELECT voted FROM electors WHERE id = %lld",
               (long long)casts[c].elector);
      assert_int_equal(sql(q), 1);
    }
  }
  /* close; the clock thread counts and publishes */
  r = hc_json_from(srv, hc_new_addr(), "POST",
                   "/api/v1/elections/" EL "/phase", token,
                   "{\"to\":\"counted\"}");
  check_status(r, 200);
  hc_resp_free(r);
  r = NULL;
  for (c = 0; c < 150; c++) {
    if (r) hc_resp_free(r);
    r = hc_request(srv, "GET", "/e/" EL "/results", hc_new_addr(), NULL, 0);
    if (r->status == 200) break;
    usleep(100 * 1000);
  }
  check_status(r, 200);
  hc_resp_free(r);
}

static void test_schema(void **state) {
  char s[512];
  (void)state;
  sqltext("SELECT group_concat(name || ':' || type, ',') FROM (SELECT name, "
          "type FROM pragma_table_info('ballots') ORDER BY cid)",
          s, sizeof s);
  assert_string_equal(s, "contest_id:INTEGER,key:BLOB,ranking:TEXT");
  sqltext("SELECT group_concat(name || ':' || type, ',') FROM (SELECT name, "
          "type FROM pragma_table_info('receipts') ORDER BY cid)",
          s, sizeof s);
  assert_string_equal(s, "election_id:INTEGER,code:TEXT");
  assert_int_equal(sql("SELECT count(*) FROM sqlite_schema WHERE type = "
                       "'table' AND name IN ('ballots', 'receipts') AND "
                       "sql LIKE '%WITHOUT ROWID%'"),
                   2);
  /* nothing else on them: no index, trigger or view */
  assert_int_equal(sql("SELECT count(*) FROM sqlite_schema WHERE tbl_name "
                       "IN ('ballots', 'receipts') AND type != 'table'"),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM sqlite_schema WHERE type IN "
                       "('trigger', 'view') AND (sql LIKE '%ballots%' OR "
                       "sql LIKE '%receipts%')"),
                   0);
  /* no foreign key anywhere points at them */
  assert_int_equal(sql("SELECT count(*) FROM sqlite_schema s, "
                       "pragma_foreign_key_list(s.name) f WHERE s.type = "
                       "'table' AND f.\"table\" IN ('ballots', "
                       "'receipts')"),
                   0);
  /* the ballots' only foreign key is the contest; the receipts' the
  ** election */
  assert_int_equal(sql("SELECT count(*) FROM pragma_foreign_key_list("
                       "'ballots') WHERE \"table\" != 'contests'"),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM pragma_foreign_key_list("
                       "'receipts') WHERE \"table\" != 'elections'"),
                   0);
}

/* A byte string to look for, and whose it is. */
struct needle {
  const unsigned char *p;
  size_t n;
  const char *what;
  int cast;
};

/* Counts into *hits the needles found in the cell p[0..n) of t.col
** (printing the first few when report). */
static void scan_cell(const char *t, const char *col, const void *p,
                      size_t n, const struct needle *nd, size_t nn,
                      int report, size_t *hits) {
  size_t i;
  for (i = 0; i < nn; i++)
    if (n >= nd[i].n && memmem(p, n, nd[i].p, nd[i].n)) {
      if (report && *hits < 10)
        fprintf(stderr, "# %s.%s holds cast %d's %s\n", t, col, nd[i].cast,
                nd[i].what);
      ++*hits;
    }
}

static void test_no_copies(void **state) {
  /* per cast: key raw, key hex, key HEX, receipt, receipt without dashes */
  static unsigned char keys[K][16];
  static char khex[K][33], kHEX[K][33], rnodash[K][17];
  struct needle kn[3 * K], rn[2 * K];
  sqlite3 *db = ro();
  sqlite3_stmt *st;
  size_t i, nk = 0, nr = 0, hits = 0, ints = 0, own = 0;
  int c;
  (void)state;
  /* every stored key, and which cast it is (its ranking) */
  st = prep(db, "SELECT key, ranking FROM ballots WHERE contest_id = ?1");
  sqlite3_bind_int64(st, 1, general);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *rk = (const char *)sqlite3_column_text(st, 1);
    assert_int_equal(sqlite3_column_bytes(st, 0), 16);
    for (c = 0; c < K && strcmp(casts[c].ranking, rk); c++)
      ;
    if (c == K) fail_msg("a stored ranking nobody posted: %s", rk);
    memcpy(keys[c], sqlite3_column_blob(st, 0), 16);
    sodium_bin2hex(khex[c], 33, keys[c], 16);
    for (i = 0; i < 33; i++)
      kHEX[c][i] = (char)(khex[c][i] >= 'a' ? khex[c][i] - 32 : khex[c][i]);
    kn[nk++] = (struct needle){keys[c], 16, "key", c};
    kn[nk++] = (struct needle){(unsigned char *)khex[c], 32, "key (hex)", c};
    kn[nk++] = (struct needle){(unsigned char *)kHEX[c], 32, "key (HEX)", c};
  }
  sqlite3_finalize(st);
  assert_int_equal(nk, 3 * K);
  for (c = 0; c < K; c++) {
    for (i = 0, nr = 0; i < 19; i++)
      if (casts[c].receipt[i] != '-') rnodash[c][nr++] = casts[c].receipt[i];
    rnodash[c][nr] = 0;
  }
  for (c = 0, nr = 0; c < K; c++) {
    rn[nr++] = (struct needle){(unsigned char *)casts[c].receipt, 19,
                               "receipt", c};
    rn[nr++] = (struct needle){(unsigned char *)rnodash[c], 16,
                               "receipt (no dashes)", c};
  }
  /* every cell of every table */
  for (i = 0; i < ntables; i++) {
    char q[2048];
    const char *t = tname[i];
    int keys_ok = !strcmp(t, "ballots"), codes_ok = !strcmp(t, "receipts");
    select_all(db, t, NULL, q, sizeof q);
    st = prep(db, q);
    while (sqlite3_step(st) == SQLITE_ROW) {
      int j, n = sqlite3_column_count(st);
      for (j = 0; j < n; j++) {
        const char *col = sqlite3_column_name(st, j);
        int type = sqlite3_column_type(st, j);
        if (type == SQLITE_INTEGER) {
          int64_t v = sqlite3_column_int64(st, j);
          if ((v > t_first && v < t_last) ||
              (v > t_first * 1000 && v < t_last * 1000)) {
            if (ints++ < 10)
              fprintf(stderr, "# %s.%s = %lld: a time inside the casts\n",
                      t, col, (long long)v);
          }
        } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
          const void *p = sqlite3_column_blob(st, j);
          size_t len = (size_t)sqlite3_column_bytes(st, j);
          /* the published list of receipts is the one place for them */
          int pub = !strcmp(t, "result_packs") && !strcmp(col, "receipts_txt");
          if (!p || !len) continue;
          /* where they belong they must be found: the scan works */
          scan_cell(t, col, p, len, kn, nk, !keys_ok,
                    keys_ok ? &own : &hits);
          scan_cell(t, col, p, len, rn, nr, !(codes_ok || pub),
                    codes_ok || pub ? &own : &hits);
        }
      }
    }
    sqlite3_finalize(st);
  }
  assert_int_equal(hits, 0);
  assert_int_equal(ints, 0);
  /* each key once in ballots, each receipt once in receipts and once in
  ** the published list */
  assert_int_equal(own, 3 * K);
  /* that list holds every receipt, sorted: nothing in it is cast order */
  st = prep(db, "SELECT receipts_txt FROM result_packs WHERE election_id = "
                "?1");
  sqlite3_bind_int64(st, 1, election);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  {
    const char *txt = (const char *)sqlite3_column_text(st, 0), *p;
    size_t lines = 0;
    for (c = 0; c < K; c++) assert_non_null(strstr(txt, casts[c].receipt));
    for (p = txt; *p; p += 20) {
      assert_true(strlen(p) >= 20 && p[19] == '\n');
      if (p != txt) assert_true(memcmp(p - 20, p, 19) < 0);
      lines++;
    }
    assert_int_equal(lines, K);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static void test_order(void **state) {
  int order[K], n = 0, c;
  sqlite3 *db = ro();
  sqlite3_stmt *st;
  (void)state;
  /* the ballots as a plain read returns them */
  st = prep(db, "SELECT ranking FROM ballots WHERE contest_id = ?1");
  sqlite3_bind_int64(st, 1, general);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *rk = (const char *)sqlite3_column_text(st, 0);
    assert_true(n < K);
    for (c = 0; c < K && strcmp(casts[c].ranking, rk); c++)
      ;
    assert_true(c < K);
    order[n++] = c;
  }
  sqlite3_finalize(st);
  assert_int_equal(n, K);
  /* rankings are distinct by construction, so order is a permutation */
  {
    int seen[K] = {0};
    for (c = 0; c < K; c++) assert_int_equal(seen[order[c]]++, 0);
  }
  not_ordered("ballots", order);
  n = 0;
  st = prep(db, "SELECT code FROM receipts WHERE election_id = ?1");
  sqlite3_bind_int64(st, 1, election);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *code = (const char *)sqlite3_column_text(st, 0);
    assert_true(n < K);
    for (c = 0; c < K && strcmp(casts[c].receipt, code); c++)
      ;
    assert_true(c < K);
    order[n++] = c;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  assert_int_equal(n, K);
  not_ordered("receipts", order);
}

static void test_forgotten(void **state) {
  char path[64];
  hc_resp *r;
  int tries;
  (void)state;
  /* who voted, the codes, and the salt of the voters' candidate orders */
  assert_int_equal(sql("SELECT count(*) FROM electors WHERE voted != 0"), 0);
  assert_int_equal(sql("SELECT count(*) FROM credentials"), 0);
  assert_int_equal(sql("SELECT count(*) FROM election_keys WHERE "
                       "order_salt IS NOT NULL"),
                   0);
  /* so a voter's page (and its candidate order) cannot be shown again */
  snprintf(path, sizeof path, "/v/%s", casts[0].code);
  r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
  assert_int_not_equal(r->status, 200);
  lacks(r, "name=\"r.");
  hc_resp_free(r);
  /* the unsent mail (here all of it: --mail none) lost its bodies */
  assert_int_equal(sql("SELECT count(*) FROM outbox WHERE body LIKE "
                       "'%/v/%'"),
                   0);
  /* the WAL is truncated after publication (retried each clock tick) */
  for (tries = 0; tries < 100; tries++) {
    char wal[320];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", demo);
    if (stat(wal, &sb) != 0 || sb.st_size == 0) break;
    usleep(100 * 1000);
  }
  assert_true(tries < 100);
  {
    char s[64];
    sqltext("PRAGMA integrity_check", s, sizeof s);
    assert_string_equal(s, "ok");
  }
}

static int group_setup(void **state) {
  (void)state;
  return tu_voting_demo(argv0, "secrecy", ADMIN_PW, dir, demo, &srv, token);
}

static int group_teardown(void **state) {
  int rc = 0;
  (void)state;
  if (srv && hc_stop(srv) != 0) rc = -1;
  srv = NULL;
  if (!getenv("HC_KEEP")) {
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    tu_run(argv, NULL, NULL);
  }
  return rc;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_election),  cmocka_unit_test(test_schema),
      cmocka_unit_test(test_no_copies), cmocka_unit_test(test_order),
      cmocka_unit_test(test_forgotten),
  };
  (void)argc;
  argv0 = argv[0];
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests_name("secrecy", tests, group_setup,
                                     group_teardown);
}
