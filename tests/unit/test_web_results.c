/*
** test_web_results.c: the count and the published pack (src/web/results.c,
** p_results.c, and the readers and command of src/cli/sums.c, verify.c)
** on an election built directly in SQL in phase counted: two contests
** (one with a "woman" minimum, one open only to electors tagged bame),
** random ballot keys, electors (one removed), receipts, credentials, an
** unsent outbox message, and an election key derived from a fixed salt.
**
**   - svc_results_tick counts each pending contest and publishes the pack
**     once, then does nothing; the JSON is what libstv gives for the
**     stored BLT and constraints (recounted here through include/stv.h),
**     hashes match, electorates follow the tags, the audit chain holds
**     count.done and results.publish;
**   - SHA256SUMS lists every published file with its real hash, the
**     signature verifies with the election's key and fails once a byte of
**     receipts.txt changes; credentials are deleted, unsent outbox bodies
**     blanked, the WAL truncated;
**   - a candidate withdrawn during voting: the BLT has its -N line, and
**     the same BLT without that line counted with option withdraw=N gives
**     the same JSON;
**   - publish_ballots = 0 leaves the .blt out of the pack (but not out of
**     the administrators' reach), and a contest with no ballot fails with
**     the library's reason while the rest is published;
**   - a changed installation key publishes the pack unsigned and says so;
**   - the pages: results (turnout, elected), a file with the count
**     sheet's CSP, receipts counted / not found, the key, the admin page;
**   - the pack written to a directory passes `hustings verify-results`
**     and `hustings count ... | cmp`, and fails (exit 2) when tampered.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "http.h"
#include "results.h"
#include "stv.h"
#include "svc_vote.h"
#include "web.h"
#include "web_fixture.h"

/* the pack readers of the CLI, compiled in (they are pure) */
#include "../../src/cli/sums.c"

#define NOW INT64_C(1800000000)

static const unsigned char SALT[16] = "fixed-salt-1234";
static char hustings_bin[512];

/* ---------------------------------------------------------------- setup */

static void sha_hex(const void *d, size_t n, char out[65]) {
  unsigned char h[32];
  crypto_hash_sha256(h, d, n);
  sodium_bin2hex(out, 65, h, 32);
}

/* A deterministic generator for the rankings. */
static uint32_t rng = 12345;
static uint32_t next_rand(void) {
  rng = rng * 1103515245u + 12345u;
  return (rng >> 16) & 0x7fff;
}

/* n ballots for a contest whose candidates are the nomination ids
** first..first+nc-1: random rankings of 1..nc preferences. */
static void add_ballots(int64_t contest, int64_t first, int nc, int n) {
  sqlite3_stmt *st;
  int i, j;
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "INSERT INTO ballots (contest_id, key,"
                                      " ranking) VALUES (?1, randomblob(16),"
                                      " ?2)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  for (i = 0; i < n; i++) {
    int64_t perm[16];
    char rk[256];
    size_t len = 0;
    int k = 1 + (int)(next_rand() % (unsigned)nc);
    for (j = 0; j < nc; j++) perm[j] = first + j;
    for (j = nc - 1; j > 0; j--) { /* shuffle */
      int x = (int)(next_rand() % (unsigned)(j + 1));
      int64_t t = perm[j];
      perm[j] = perm[x];
      perm[x] = t;
    }
    /* a bias so the count is not a coin toss */
    if (next_rand() % 3 == 0)
      for (j = 0; j < nc; j++)
        if (perm[j] == first + 1) {
          perm[j] = perm[0];
          perm[0] = first + 1;
        }
    for (j = 0; j < k; j++)
      len += (size_t)snprintf(rk + len, sizeof rk - len, "%s%lld",
                              j ? " " : "", (long long)perm[j]);
    sqlite3_bind_int64(st, 1, contest);
    sqlite3_bind_text(st, 2, rk, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
}

#define N_GENERAL 60
#define N_BAME 12
#define N_VOTED 60

static int setup(void **state) {
  unsigned char pk[32];
  sqlite3_stmt *st;
  int i;
  if (!(*state = wf_db_new("results", 1))) return -1;
  rng = 12345;
  exec_ok(
      "INSERT INTO orgs (id, slug, name, tz) VALUES"
      " (1, 'nsn', 'Northfield Socialist Network', 'Europe/London'),"
      " (2, 'el', 'Eastfield Left', 'Europe/London');"
      "INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES"
      " (1, 'a@example.org', 'A', 'x', 0);"
      "INSERT INTO org_admins VALUES (1, 1);"
      "INSERT INTO elections (id, org_id, slug, title, tz, phase,"
      " publish_ballots, created_at) VALUES (1, 1, 'steer',"
      " 'Steering Committee 2027', 'Europe/London', 'counted', 1, 0);"
      "INSERT INTO election_orgs VALUES (1, 1), (1, 2);"
      "INSERT INTO phase_changes (election_id, from_phase, to_phase, at,"
      " audit_seq) VALUES (1, 'review', 'voting', 1799000000, 0),"
      " (1, 'voting', 'counted', 1799900000, 0);"
      "INSERT INTO contests (id, election_id, slug, title, position, seats,"
      " rules) VALUES (1, 1, 'general', 'General committee', 1, 3,"
      " 'scottish'), (2, 1, 'bame', 'BAME officer', 2, 1, 'scottish');"
      "INSERT INTO categories (id, election_id, slug, label) VALUES"
      " (1, 1, 'woman', 'Woman'), (2, 1, 'youth', 'Youth');"
      "INSERT INTO contest_constraints (contest_id, category_id, min_seats)"
      " VALUES (1, 1, 1);"
      /* no candidate and no minimum: left out of the .con */
      "INSERT INTO contest_constraints (contest_id, category_id, min_seats,"
      " max_seats) VALUES (2, 2, 0, 1);"
      "INSERT INTO contest_eligibility VALUES (2, 'bame');");
  /* nominations 11..16 (general), 21..23 (bame), names in number order */
  exec_ok("INSERT INTO nominations (id, contest_id, name, email, edit_hash,"
          " declaration_agreed_at, status, created_at, updated_at) VALUES"
          " (11, 1, 'Ada Archer', 'a@x.org', x'11', 0, 'accepted', 0, 0),"
          " (12, 1, 'Bea Brook', 'b@x.org', x'12', 0, 'accepted', 0, 0),"
          " (13, 1, 'Cy \"Doc\" Cole', 'c@x.org', x'13', 0, 'accepted', 0,"
          "  0),"
          " (14, 1, 'Dee Dunn', 'd@x.org', x'14', 0, 'accepted', 0, 0),"
          " (15, 1, 'Eve Ellis', 'e@x.org', x'15', 0, 'accepted', 0, 0),"
          " (16, 1, 'Fay Fox', 'f@x.org', x'16', 0, 'accepted', 0, 0),"
          " (21, 2, 'Gus Green', 'g@x.org', x'21', 0, 'accepted', 0, 0),"
          " (22, 2, 'Hal Hume', 'h@x.org', x'22', 0, 'accepted', 0, 0),"
          " (23, 2, 'Ivy Ince', 'i@x.org', x'23', 0, 'accepted', 0, 0);"
          "INSERT INTO nomination_categories VALUES (12, 1), (15, 1),"
          " (16, 1);"
          "INSERT INTO ballot_candidates VALUES (1, 11, 1), (1, 12, 2),"
          " (1, 13, 3), (1, 14, 4), (1, 15, 5), (1, 16, 6), (2, 21, 1),"
          " (2, 22, 2), (2, 23, 3);"
          "INSERT INTO results (contest_id, state) VALUES (1, 'pending'),"
          " (2, 'pending');");
  /* 70 voters, electors 1..70: every 5th tagged bame, elector 70
  ** removed, the first 60 voted */
  assert_int_equal(
      sqlite3_prepare_v2(db_get(),
                         "INSERT INTO voters (id, org_id, member_no, name,"
                         " email, created_at, updated_at) VALUES (?1, 1,"
                         " 'M' || ?1, 'Voter ' || ?1, '', 0, 0)",
                         -1, &st, NULL),
      SQLITE_OK);
  for (i = 1; i <= 70; i++) {
    sqlite3_bind_int(st, 1, i);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec_ok("INSERT INTO electors (id, election_id, person_key, voter_id,"
          " tags, delivery, voted, removed_at)"
          " SELECT id, 1, 'v:' || id, id,"
          "  CASE WHEN id % 5 = 0 THEN ' bame woman ' ELSE ' woman ' END,"
          "  'post', id <= 60, CASE WHEN id = 70 THEN 1 END FROM voters;"
          "INSERT INTO credentials (hash, elector_id, issued_at, via)"
          " SELECT randomblob(32), id, 0, 'open' FROM electors;"
          "INSERT INTO outbox (to_addr, subject, body, created_at, sent_at,"
          " election_id, kind) VALUES"
          " ('x@example.org', 'Your vote', 'secret link one', 0, NULL, 1,"
          "  'credential'),"
          " ('y@example.org', 'Your vote', 'sent body', 0, 5, 1,"
          "  'credential');");
  add_ballots(1, 11, 6, N_GENERAL);
  add_ballots(2, 21, 3, N_BAME);
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "INSERT INTO receipts VALUES (1, ?1)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  for (i = 0; i < N_VOTED; i++) {
    char code[RECEIPT_TEXT];
    receipt_new(code);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  elkey_derive(SALT, pk, NULL);
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "INSERT INTO election_keys (election_id,"
                                      " salt, pk, created_at) VALUES"
                                      " (1, ?1, ?2, 1799000000)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(st, 1, SALT, 16, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, pk, 32, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  return 0;
}

static int teardown(void **state) {
  wf_db_free(*state);
  return 0;
}

/* ------------------------------------------------------------- helpers */

/* A column of a one-row query as malloc'd bytes (NULL when no row or
** NULL); *len gets the length. */
static char *blob_of(const char *sql, int64_t id, size_t *len) {
  sqlite3_stmt *st;
  char *out = NULL;
  *len = 0;
  assert_int_equal(sqlite3_prepare_v2(db_get(), sql, -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, id);
  if (sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_type(st, 0) != SQLITE_NULL) {
    const void *d = sqlite3_column_blob(st, 0);
    *len = (size_t)sqlite3_column_bytes(st, 0);
    out = malloc(*len + 1);
    assert_non_null(out);
    memcpy(out, d, *len);
    out[*len] = 0;
  }
  sqlite3_finalize(st);
  return out;
}

static int to_buf(void *ud, const char *d, size_t n) {
  wbuf *b = ud;
  wbuf_add(b, d, n);
  return b->err ? -1 : 0;
}

/* The JSON libstv gives for blt counted with rules, the constraints con
** (named slug.con; NULL for none) and one more option (NULL for none). */
static char *recount(const char *blt, size_t blen, const char *slug,
                     const char *rules, const char *con, const char *key,
                     const char *value) {
  stv_election *e = NULL;
  stv_options *o = NULL;
  stv_constraints *k = NULL;
  stv_result *r = NULL;
  stv_error err;
  char name[64];
  wbuf out;
  memset(&err, 0, sizeof err);
  snprintf(name, sizeof name, "%s.blt", slug);
  assert_int_equal(stv_election_parse_blt(blt, blen, name, &e, &err), STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", rules, &err), STV_OK);
  if (key) assert_int_equal(stv_options_set(o, key, value, &err), STV_OK);
  if (con) {
    snprintf(name, sizeof name, "%s.con", slug);
    assert_int_equal(stv_constraints_parse(e, con, strlen(con), name, &k,
                                           &err),
                     STV_OK);
    assert_int_equal(stv_options_set_constraints(o, k), STV_OK);
  }
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  wbuf_init(&out, (size_t)64 << 20);
  assert_int_equal(stv_result_write(r, STV_FORMAT_JSON, to_buf, &out), STV_OK);
  stv_result_free(r);
  stv_constraints_free(k);
  stv_options_free(o);
  stv_election_free(e);
  return wbuf_take(&out, NULL);
}

/* One route's answer, as server.c would produce it (no HTTP). */
typedef struct page {
  int status;
  char *body;
  const char *csp, *ctype;
  char disp[160];
} page;

static page get(const char *path, const char *query, int64_t admin) {
  char scratch[1024];
  const char *param[REQ_MAX_PARAMS] = {0};
  int allowed = 0;
  const route *rt = router_match("GET", path, param, scratch, sizeof scratch,
                                 &allowed);
  req r;
  resp p;
  page out;
  size_t i;
  memset(&r, 0, sizeof r);
  memset(&p, 0, sizeof p);
  memset(&out, 0, sizeof out);
  assert_non_null(rt);
  r.method = "GET";
  r.path = path;
  memcpy(r.param, param, sizeof param);
  r.now = NOW;
  r.admin_id = admin;
  snprintf(r.actor, sizeof r.actor, admin ? "admin:1" : "public");
  if (query) assert_int_equal(form_parse(&r.query, query, strlen(query)),
                              WEB_OK);
  wbuf_init(&p.body, WBUF_PAGE_MAX);
  rt->fn(&r, &p);
  assert_int_equal(p.body.err, 0);
  out.status = p.status ? p.status : 200;
  out.csp = p.csp;
  out.ctype = p.ctype;
  for (i = 0; i < p.nhdr; i++) {
    if (strcmp(p.hdr_name[i], "Content-Disposition") == 0)
      snprintf(out.disp, sizeof out.disp, "%s", p.hdr_value[i]);
    free(p.hdr_name[i]);
    free(p.hdr_value[i]);
  }
  out.body = wbuf_take(&p.body, NULL);
  if (!out.body) out.body = strdup("");
  form_free(&r.query);
  db_reset_all();
  return out;
}

static int64_t audit_count(const char *action) {
  sqlite3_stmt *st;
  int64_t n = -1;
  assert_int_equal(sqlite3_prepare_v2(db_get(),
                                      "SELECT count(*) FROM audit WHERE"
                                      " action = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

/* ---------------------------------------------------------------- tests */

static void test_count_and_publish(void **state) {
  wf_db *d = *state;
  char *blt, *json, *con, *sums, *rec, *txt, *again, hex[65], want[65];
  size_t blen, jlen, clen, slen, rlen, tlen, i;
  unsigned char pk[32], sig[64];
  int64_t entries, bad = 0;
  char head[65], line[200], path[200];
  struct stat sb;
  hus_sums hs;
  hus_rinfo ri;
  char msg[256];

  assert_int_equal(svc_results_tick(NOW), 3); /* 2 counts, 1 pack */
  assert_int_equal(svc_results_tick(NOW + 1), 0);
  assert_int_equal(q1("SELECT count(*) FROM results WHERE state = 'done'"),
                   2);
  assert_int_equal(q1("SELECT count(*) FROM result_packs"), 1);
  assert_int_equal(q1("SELECT counted_at FROM results WHERE contest_id = 1"),
                   NOW);

  /* the JSON is the library's count of the stored BLT and constraints */
  blt = blob_of("SELECT blt FROM results WHERE contest_id = ?1", 1, &blen);
  json = blob_of("SELECT json FROM results WHERE contest_id = ?1", 1, &jlen);
  con = blob_of("SELECT constraints FROM results WHERE contest_id = ?1", 1,
                &clen);
  assert_non_null(blt);
  assert_non_null(json);
  assert_non_null(con);
  assert_string_equal(con, "group \"woman\" min 1: 2, 5, 6\n");
  again = recount(blt, blen, "general", "scottish", con, NULL, NULL);
  assert_string_equal(again, json);
  assert_non_null(strstr(json, "\"file\": \"general.con\""));
  free(again);
  sha_hex(json, jlen, hex);
  qs("SELECT json_sha256 FROM results WHERE contest_id = 1", want,
     sizeof want);
  assert_string_equal(hex, want);
  sha_hex(blt, blen, hex);
  qs("SELECT blt_sha256 FROM results WHERE contest_id = 1", want, sizeof want);
  assert_string_equal(hex, want);
  /* the count sheet names the BLT and its hash */
  free(con);
  con = blob_of("SELECT html FROM results WHERE contest_id = ?1", 1, &clen);
  assert_non_null(strstr(con, "general.blt"));
  assert_non_null(strstr(con, hex));
  free(con);
  free(blt);
  free(json);
  /* the BAME contest: no constraints file (youth has no candidate and no
  ** minimum), 12 ballots, 13 electors tagged bame and not removed */
  assert_int_equal(
      q1("SELECT constraints IS NULL FROM results WHERE contest_id = 2"), 1);
  assert_int_equal(q1("SELECT ballots FROM results WHERE contest_id = 2"),
                   N_BAME);
  assert_int_equal(q1("SELECT electorate FROM results WHERE contest_id = 2"),
                   13);
  assert_int_equal(q1("SELECT electorate FROM results WHERE contest_id = 1"),
                   69);
  assert_int_equal(q1("SELECT ballots FROM results WHERE contest_id = 1"),
                   N_GENERAL);

  /* the audit: one count.done per contest, one results.publish, a sound
  ** chain */
  assert_int_equal(audit_count("count.done"), 2);
  assert_int_equal(audit_count("results.publish"), 1);
  assert_int_equal(audit_verify(db_get(), &entries, head, &bad), WEB_OK);
  assert_int_equal(entries, 3);

  /* SHA256SUMS lists every published file with its hash */
  sums = blob_of("SELECT sums FROM result_packs WHERE election_id = ?1", 1,
                 &slen);
  assert_non_null(sums);
  assert_int_equal(hus_sums_parse(sums, slen, &hs, msg, sizeof msg), 0);
  {
    static const char *const names[] = {
        "bame.html", "bame.json", "bame.blt", "election-key.pem",
        "election.txt", "general.blt", "general.con", "general.html",
        "general.json", "receipts.txt"};
    assert_int_equal(hs.n, 10);
    for (i = 0; i < 10; i++) assert_non_null(hus_sums_find(&hs, names[i]));
  }
  for (i = 0; i < hs.n; i++) {
    results_file f;
    unsigned char h[32];
    assert_int_equal(results_file_get(db_get(), 1, hs.f[i].name, 0, &f),
                     WEB_OK);
    crypto_hash_sha256(h, (const unsigned char *)f.data, f.len);
    assert_memory_equal(h, hs.f[i].sha256, 32);
    results_file_free(&f);
  }
  for (i = 1; i < hs.n; i++) /* sorted, as sha256sum would list them */
    assert_true(strcmp(hs.f[i - 1].name, hs.f[i].name) < 0);
  hus_sums_free(&hs);

  /* receipts.txt: every code, sorted */
  rec = blob_of("SELECT receipts_txt FROM result_packs WHERE"
                " election_id = ?1",
                1, &rlen);
  assert_int_equal(rlen, (size_t)N_VOTED * 20);
  for (i = 1; i < N_VOTED; i++)
    assert_true(memcmp(rec + (i - 1) * 20, rec + i * 20, 19) < 0);

  /* the signature, with the key derived from the salt */
  elkey_derive(SALT, pk, NULL);
  {
    size_t n;
    char *s = blob_of("SELECT sig FROM result_packs WHERE election_id = ?1",
                      1, &n);
    assert_int_equal(n, 64);
    memcpy(sig, s, 64);
    free(s);
  }
  assert_int_equal(crypto_sign_verify_detached(sig, (unsigned char *)sums,
                                               slen, pk),
                   0);
  /* one byte of receipts.txt changed: SHA256SUMS must change with it, and
  ** then the signature no longer holds */
  rec[3] = rec[3] == 'A' ? 'B' : 'A';
  sha_hex(rec, rlen, hex);
  {
    char *at = strstr(sums, "  receipts.txt\n");
    assert_non_null(at);
    assert_memory_not_equal(at - 64, hex, 64);
    memcpy(at - 64, hex, 64);
  }
  assert_int_not_equal(crypto_sign_verify_detached(sig, (unsigned char *)sums,
                                                   slen, pk),
                       0);
  free(rec);
  free(sums);

  /* election.txt: what the CLI reads from it */
  txt = blob_of("SELECT election_txt FROM result_packs WHERE"
                " election_id = ?1",
                1, &tlen);
  assert_int_equal(hus_rinfo_parse(txt, tlen, &ri, msg, sizeof msg), 0);
  assert_string_equal(ri.election, "steer");
  assert_int_equal(ri.has_key, 1);
  assert_memory_equal(ri.pk, pk, 32);
  assert_int_equal(ri.electorate, 69);
  assert_int_equal(ri.voted, N_VOTED);
  assert_int_equal(ri.receipts, N_VOTED);
  assert_int_equal(ri.n, 2);
  assert_string_equal(ri.c[0].slug, "general");
  assert_string_equal(ri.c[0].rules, "scottish");
  assert_int_equal(ri.c[0].done, 1);
  assert_int_equal(ri.c[0].has_con, 1);
  assert_string_equal(ri.c[1].slug, "bame");
  assert_int_equal(ri.c[1].has_con, 0);
  hus_rinfo_free(&ri);
  assert_non_null(strstr(txt, "orgs: Northfield Socialist Network; "
                              "Eastfield Left\n"));
  assert_non_null(strstr(txt, "signature: ed25519 SHA256SUMS.sig\n"));
  assert_non_null(strstr(txt, "recount: hustings count --rules scottish "
                              "--constraints general.con --format json "
                              "general.blt | cmp - general.json\n"));
  assert_non_null(strstr(txt, "opened: 2027-01-03T18:13:20Z\n"));
  free(txt);

  /* clean-up: no credential, unsent bodies blank, sent ones kept, WAL
  ** truncated */
  assert_int_equal(q1("SELECT count(*) FROM credentials"), 0);
  qs("SELECT body FROM outbox WHERE to_addr = 'x@example.org'", line,
     sizeof line);
  assert_string_equal(line, "");
  assert_int_equal(
      q1("SELECT failed_at FROM outbox WHERE to_addr = 'x@example.org'"),
      NOW);
  qs("SELECT body FROM outbox WHERE to_addr = 'y@example.org'", line,
     sizeof line);
  assert_string_equal(line, "sent body");
  snprintf(path, sizeof path, "%s-wal", d->path);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_size, 0);
}

static void test_pem_and_turnout(void **state) {
  unsigned char pk[32], der[64];
  size_t n = 0;
  wbuf b;
  const char *p;
  (void)state;
  randombytes_buf(pk, sizeof pk);
  wbuf_init(&b, 4096);
  results_pem(&b, pk);
  p = wbuf_str(&b);
  assert_true(strncmp(p, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
  assert_int_equal(sodium_base642bin(der, sizeof der, p + 27, 60, NULL, &n,
                                     NULL, sodium_base64_VARIANT_ORIGINAL),
                   0);
  assert_int_equal(n, 44);
  assert_memory_equal(der, "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00",
                      12);
  assert_memory_equal(der + 12, pk, 32);
  assert_string_equal(p + 87, "\n-----END PUBLIC KEY-----\n");
  {
    unsigned char back[32];
    assert_int_equal(hus_pem_parse(p, b.len, back), 0);
    assert_memory_equal(back, pk, 32);
    assert_int_equal(hus_pem_parse(p, b.len - 3, back), -1);
  }
  wbuf_free(&b);
  wbuf_init(&b, 4096);
  results_turnout(&b, 861, 1204, "voted");
  assert_string_equal(wbuf_str(&b), "861 of 1,204 voted, 71.5%");
  wbuf_free(&b);
  wbuf_init(&b, 4096);
  results_turnout(&b, 2, 3, "voted"); /* 66.67 rounds to 66.7 */
  results_turnout(&b, 0, 0, "voted");
  results_thousands(&b, 1234567);
  assert_string_equal(wbuf_str(&b),
                      "2 of 3 voted, 66.7%0 of 0 voted1,234,567");
  wbuf_free(&b);
}

/* Withdrawn during voting: the -3 line, and its equivalence with
** option withdraw=3 on the BLT without it. */
static void test_withdrawal(void **state) {
  char *blt, *json, *con, *plain, *again, *at;
  size_t blen, jlen, clen;
  (void)state;
  exec_ok("INSERT INTO withdrawals (nomination_id, by, admin_id, reason,"
          " phase, at) VALUES (13, 'admin', 1, 'suspended', 'voting', 5);");
  assert_int_equal(svc_results_tick(NOW), 3);
  blt = blob_of("SELECT blt FROM results WHERE contest_id = ?1", 1, &blen);
  json = blob_of("SELECT json FROM results WHERE contest_id = ?1", 1, &jlen);
  con = blob_of("SELECT constraints FROM results WHERE contest_id = ?1", 1,
                &clen);
  assert_non_null(json);
  assert_true(strncmp(blt, "6 3\n-3\n", 7) == 0);
  /* the published BLT recounts with no extra option */
  again = recount(blt, blen, "general", "scottish", con, NULL, NULL);
  assert_string_equal(again, json);
  free(again);
  /* ... and without its -3 line, with withdraw=3, gives the same bytes */
  plain = malloc(blen);
  assert_non_null(plain);
  memcpy(plain, "6 3\n", 4);
  memcpy(plain + 4, blt + 7, blen - 7);
  again = recount(plain, blen - 3, "general", "scottish", con, "withdraw",
                  "3");
  assert_string_equal(again, json);
  free(again);
  /* candidate 3 is not elected */
  at = strstr(json, "\"elected\": [");
  assert_non_null(at);
  assert_null(memchr(at, '3', (size_t)(strchr(at, ']') - at)));
  free(plain);
  free(blt);
  free(json);
  free(con);
  {
    char txt[8192];
    qs("SELECT election_txt FROM result_packs", txt, sizeof txt);
    assert_non_null(strstr(txt, "contest: general\n"));
    assert_non_null(strstr(txt, "withdrawn: 3\n"));
  }
}

/* publish_ballots = 0 and a contest without ballots. */
static void test_unpublished_and_failed(void **state) {
  results_file f;
  char txt[8192], *sums;
  size_t n;
  page pg;
  (void)state;
  exec_ok("UPDATE elections SET publish_ballots = 0;"
          "DELETE FROM ballots WHERE contest_id = 2;");
  assert_int_equal(svc_results_tick(NOW), 3);
  assert_int_equal(q1("SELECT count(*) FROM results WHERE state = 'failed'"
                      " AND contest_id = 2 AND error LIKE"
                      " 'no valid ballots: %'"),
                   1);
  assert_int_equal(q1("SELECT json IS NULL AND html IS NULL FROM results"
                      " WHERE contest_id = 2"),
                   1);
  assert_int_equal(audit_count("count.failed"), 1);
  assert_int_equal(audit_count("count.done"), 1);
  assert_int_equal(q1("SELECT count(*) FROM result_packs"), 1);
  sums = blob_of("SELECT sums FROM result_packs WHERE election_id = ?1", 1,
                 &n);
  assert_null(strstr(sums, ".blt"));
  assert_null(strstr(sums, "bame."));
  assert_non_null(strstr(sums, "  general.json\n"));
  free(sums);
  qs("SELECT election_txt FROM result_packs", txt, sizeof txt);
  assert_non_null(strstr(txt, "contest: bame\n"));
  assert_non_null(strstr(txt, "state: failed\nerror: no valid ballots: "));
  assert_non_null(strstr(txt, "ballots-published: no\n"));
  /* ballots-sha256 still commits to the unpublished BLT */
  assert_non_null(strstr(txt, "ballots-sha256: "));
  /* the public may not have the BLT; administrators may */
  assert_int_equal(results_file_get(db_get(), 1, "general.blt", 0, &f),
                   WEB_ENOTFOUND);
  assert_int_equal(results_file_get(db_get(), 1, "general.blt", 1, &f),
                   WEB_OK);
  assert_true(strncmp(f.data, "6 3\n", 4) == 0);
  results_file_free(&f);
  pg = get("/e/steer/results/general.blt", NULL, 0);
  assert_int_equal(pg.status, 404);
  free(pg.body);
  pg = get("/admin/e/steer/results/general.blt", NULL, 1);
  assert_int_equal(pg.status, 200);
  assert_true(strncmp(pg.body, "6 3\n", 4) == 0);
  assert_non_null(strstr(pg.disp, "attachment"));
  free(pg.body);
  pg = get("/e/steer/results", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, "could not be completed: no valid "
                                  "ballots"));
  assert_null(strstr(pg.body, "general.blt"));
  free(pg.body);
  pg = get("/admin/e/steer/results", NULL, 1);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, "Failed</span>: no valid ballots"));
  assert_non_null(strstr(pg.body, "/admin/e/steer/results/general.blt"));
  free(pg.body);
}

/* The installation key changed since opening: published unsigned. */
static void test_key_changed(void **state) {
  unsigned char saved[32];
  char txt[8192];
  page pg;
  (void)state;
  memcpy(saved, auth_key, 32);
  auth_key[0] ^= 1;
  assert_int_equal(svc_results_tick(NOW), 3);
  memcpy(auth_key, saved, 32);
  assert_int_equal(q1("SELECT sig IS NULL FROM result_packs"), 1);
  qs("SELECT election_txt FROM result_packs", txt, sizeof txt);
  assert_non_null(strstr(txt, "signature: none (the installation's key"));
  pg = get("/e/steer/results/SHA256SUMS.sig", NULL, 0);
  assert_int_equal(pg.status, 404);
  free(pg.body);
  pg = get("/e/steer/results", NULL, 0);
  assert_non_null(strstr(pg.body, "<strong>not signed</strong>"));
  free(pg.body);
}

/* Before publication nothing is public; the pages after it. */
static void test_pages(void **state) {
  page pg;
  char code[32], q[64], fp[40], hex[65];
  unsigned char pk[32];
  (void)state;
  pg = get("/e/steer/results", NULL, 0);
  assert_int_equal(pg.status, 404);
  assert_non_null(strstr(pg.body, "being counted"));
  free(pg.body);
  pg = get("/e/steer/results/receipts.txt", NULL, 0);
  assert_int_equal(pg.status, 404);
  free(pg.body);
  /* the key is public from opening */
  elkey_derive(SALT, pk, NULL);
  elkey_fingerprint(pk, fp);
  sodium_bin2hex(hex, sizeof hex, pk, 32);
  pg = get("/e/steer/key", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, fp));
  assert_non_null(strstr(pg.body, hex));
  assert_non_null(strstr(pg.body, "-----BEGIN PUBLIC KEY-----"));
  free(pg.body);

  assert_int_equal(svc_results_tick(NOW), 3);
  pg = get("/e/steer/results", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, "60 of 69 voted, 87.0%"));
  assert_non_null(strstr(pg.body, "12 of 13 voted, 92.3%"));
  assert_non_null(strstr(pg.body, fp));
  assert_non_null(strstr(pg.body, "hustings verify-results . --key "));
  assert_non_null(strstr(pg.body, hex));
  assert_non_null(strstr(pg.body, "--constraints general.con --format json "
                                  "general.blt | cmp - general.json"));
  assert_non_null(strstr(pg.body, "/e/steer/results/general.html"));
  assert_non_null(strstr(pg.body, "<ol class=\"elected\"><li><strong>"));
  free(pg.body);

  pg = get("/e/steer/results/general.html", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_string_equal(pg.csp, RESULTS_SHEET_CSP);
  assert_string_equal(pg.ctype, "text/html; charset=utf-8");
  assert_true(strncmp(pg.body, "<!DOCTYPE html>", 15) == 0);
  free(pg.body);
  pg = get("/e/steer/results/general.json", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_null(pg.csp);
  assert_string_equal(pg.ctype, "application/json");
  free(pg.body);
  pg = get("/e/steer/results/SHA256SUMS.sig", NULL, 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.disp, "attachment"));
  free(pg.body);
  pg = get("/e/steer/results/nosuch.json", NULL, 0);
  assert_int_equal(pg.status, 404);
  free(pg.body);
  pg = get("/e/steer/results/..%2Fetc", NULL, 0);
  assert_int_equal(pg.status, 404);
  free(pg.body);

  /* receipts: counted (typed in lower case, without hyphens), not found,
  ** malformed */
  qs("SELECT code FROM receipts ORDER BY code LIMIT 1", code, sizeof code);
  {
    char typed[32];
    size_t i, k = 0;
    for (i = 0; code[i]; i++)
      if (code[i] != '-')
        typed[k++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32
                                                             : code[i]);
    typed[k] = 0;
    snprintf(q, sizeof q, "code=%s", typed);
  }
  pg = get("/e/steer/receipts", q, 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, "<h2>Counted</h2>"));
  assert_non_null(strstr(pg.body, code));
  free(pg.body);
  pg = get("/e/steer/receipts", "code=ZZZZ-ZZZZ-ZZZZ-ZZZZ", 0);
  assert_int_equal(pg.status, 200);
  assert_non_null(strstr(pg.body, "Not found"));
  free(pg.body);
  pg = get("/e/steer/receipts", "code=%3Cscript%3E", 0);
  assert_int_equal(pg.status, 422);
  assert_null(strstr(pg.body, "<script>"));
  free(pg.body);
}

/* ----------------------------------------------- the command line tool */

static int run(const char *cmd) {
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put_file(const char *dir, const char *name, const char *data,
                     size_t len) {
  char path[512];
  FILE *fp;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, len, fp), len);
  assert_int_equal(fclose(fp), 0);
}

static void test_verify_cli(void **state) {
  wf_db *d = *state;
  char dir[256], cmd[4096], name[64], hex[65], *sums;
  unsigned char pk[32];
  size_t i, n;
  results_file f;
  if (!hustings_bin[0] || access(hustings_bin, X_OK) != 0) {
    skip();
    return;
  }
  assert_int_equal(svc_results_tick(NOW), 3);
  snprintf(dir, sizeof dir, "%s/pack", d->dir);
  assert_int_equal(mkdir(dir, 0700), 0);
  sums = blob_of("SELECT sums FROM result_packs WHERE election_id = ?1", 1,
                 &n);
  for (i = 0; results_sums_name(sums, i, name, sizeof name); i++) {
    assert_int_equal(results_file_get(db_get(), 1, name, 0, &f), WEB_OK);
    put_file(dir, name, f.data, f.len);
    results_file_free(&f);
  }
  free(sums);
  for (i = 0; i < 2; i++) {
    const char *nm = i ? "SHA256SUMS.sig" : "SHA256SUMS";
    assert_int_equal(results_file_get(db_get(), 1, nm, 0, &f), WEB_OK);
    put_file(dir, nm, f.data, f.len);
    results_file_free(&f);
  }
  elkey_derive(SALT, pk, NULL);
  sodium_bin2hex(hex, sizeof hex, pk, 32);

  /* the recount command printed in election.txt, as a person runs it */
  snprintf(cmd, sizeof cmd,
           "cd '%s' && '%s' count --rules scottish --constraints general.con"
           " --format json general.blt | cmp - general.json && '%s' count"
           " --rules scottish --format json bame.blt | cmp -s - bame.json",
           dir, hustings_bin, hustings_bin);
  assert_int_equal(run(cmd), 0);
  /* all checks, with the key published at opening */
  snprintf(cmd, sizeof cmd, "'%s' verify-results '%s' --key %s >'%s/out' "
           "2>'%s/err'", hustings_bin, dir, hex, d->dir, d->dir);
  assert_int_equal(run(cmd), 0);
  {
    char out[8192] = "";
    FILE *fp;
    size_t got;
    snprintf(cmd, sizeof cmd, "%s/out", d->dir);
    fp = fopen(cmd, "r");
    assert_non_null(fp);
    got = fread(out, 1, sizeof out - 1, fp);
    out[got] = 0;
    fclose(fp);
    assert_non_null(strstr(out, "ok    recount general"));
    assert_non_null(strstr(out, "ok    recount bame"));
    assert_non_null(strstr(out, "ok    signature"));
    assert_non_null(strstr(out, "ok    receipts.txt: 60 codes"));
    assert_non_null(strstr(out, "all 17 checks passed"));
    assert_null(strstr(out, "FAIL"));
  }
  /* without --key: still passes, with a warning */
  snprintf(cmd, sizeof cmd, "'%s' verify-results '%s' >/dev/null 2>'%s/err'"
           " && grep -q 'warning: no --key' '%s/err'", hustings_bin, dir,
           d->dir, d->dir);
  assert_int_equal(run(cmd), 0);
  /* openssl, where it is installed (3.0 or later: -rawin) */
  if (run("openssl version 2>/dev/null | grep -q '^OpenSSL [3-9]'") == 0) {
    snprintf(cmd, sizeof cmd, "cd '%s' && openssl pkeyutl -verify -pubin "
             "-inkey election-key.pem -rawin -in SHA256SUMS -sigfile "
             "SHA256SUMS.sig >/dev/null 2>&1", dir);
    assert_int_equal(run(cmd), 0);
  }
  /* another key: exit 2 */
  snprintf(cmd, sizeof cmd, "'%s' verify-results '%s' --key %064d "
           ">/dev/null 2>&1", hustings_bin, dir, 7);
  assert_int_equal(run(cmd), 2);
  /* one byte of receipts.txt changed: exit 2 */
  snprintf(cmd, sizeof cmd, "cd '%s' && sed -i '1s/^./X/' receipts.txt && "
           "'%s' verify-results . --key %s >'%s/out' 2>&1", dir,
           hustings_bin, hex, d->dir);
  assert_int_equal(run(cmd), 2);
  snprintf(cmd, sizeof cmd, "grep -q '^FAIL  sha256 receipts.txt' '%s/out'",
           d->dir);
  assert_int_equal(run(cmd), 0);
  /* a JSON that is not the count's (signature re-made impossible): the
  ** recount check fails too */
  snprintf(cmd, sizeof cmd, "cd '%s' && sed -i 's/\"seats\": 3/\"seats\": 4/'"
           " general.json && '%s' verify-results . --key %s >'%s/out' 2>&1;"
           " test $? = 2 && grep -q '^FAIL  recount general' '%s/out'",
           dir, hustings_bin, hex, d->dir, d->dir);
  assert_int_equal(run(cmd), 0);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s/out' '%s/err'", dir, d->dir,
           d->dir);
  assert_int_equal(run(cmd), 0);
}

/* The readers refuse what the service never writes. */
static void test_readers(void **state) {
  hus_sums s;
  hus_rinfo ri;
  char msg[256];
  static const char h[] =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  char buf[512];
  (void)state;
  snprintf(buf, sizeof buf, "%s  a.txt\n%s *b.blt\n", h, h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), 0);
  assert_int_equal(s.n, 2);
  hus_sums_free(&s);
  snprintf(buf, sizeof buf, "%s  ../etc/passwd\n", h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "line 1"));
  snprintf(buf, sizeof buf, "%s  .hidden\n", h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), -1);
  snprintf(buf, sizeof buf, "%s  a\n%s  a\n", h, h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "twice"));
  snprintf(buf, sizeof buf, "%s  a", h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), -1);
  snprintf(buf, sizeof buf, "%.63sg  a\n", h);
  assert_int_equal(hus_sums_parse(buf, strlen(buf), &s, msg, sizeof msg), -1);
  assert_int_equal(hus_sums_parse("", 0, &s, msg, sizeof msg), -1);

#define TXT(s) hus_rinfo_parse(s, strlen(s), &ri, msg, sizeof msg)
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: none\n\ncontest: c\nrules: meek\n"
                       "state: failed\n"),
                   0);
  assert_int_equal(ri.n, 1);
  assert_int_equal(ri.c[0].done, 0);
  hus_rinfo_free(&ri);
  /* a done contest needs its constraints line; slugs are plain */
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: none\n\ncontest: c\nrules: meek\n"
                       "state: done\n"),
                   -1);
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: none\n\ncontest: ../c\nrules: meek\n"
                       "state: failed\n"),
                   -1);
  assert_int_equal(TXT("format: hustings-results 2\nelection: e\n"
                       "public-key: none\n"),
                   -1);
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: none\nvoted: 1\nvoted: 2\n"),
                   -1);
  assert_non_null(strstr(msg, "twice"));
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: none\n\n\ncontest: c\n"),
                   -1);
  assert_int_equal(TXT("format: hustings-results 1\nelection: e\n"
                       "public-key: ed25519 12\n"),
                   -1);
#undef TXT
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_count_and_publish, setup,
                                      teardown),
      cmocka_unit_test(test_pem_and_turnout),
      cmocka_unit_test_setup_teardown(test_withdrawal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unpublished_and_failed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_key_changed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_cli, setup, teardown),
      cmocka_unit_test(test_readers),
  };
  /* build/X/tests/test_web_results -> build/X/hustings */
  const char *env = getenv("HUSTINGS_BIN");
  const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
  if (env)
    snprintf(hustings_bin, sizeof hustings_bin, "%s", env);
  else if (slash) {
    char rel[1024], *abs;
    snprintf(rel, sizeof rel, "%.*s/../hustings", (int)(slash - argv[0]),
             argv[0]);
    if ((abs = realpath(rel, NULL)) != NULL && strlen(abs) < 400)
      snprintf(hustings_bin, sizeof hustings_bin, "%s", abs);
    free(abs);
  }
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests_name("web_results", tests, NULL, NULL);
}
