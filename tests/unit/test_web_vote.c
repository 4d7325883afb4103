/*
** test_web_vote.c: the ballot's service layer (src/web/cred.c,
** svc_vote.c, svc_cred.c, svc_cast.c) on a real database, without HTTP.
**
**   - codes: 2,000 random credentials read back from their text, the
**     lenient spellings (case, hyphens, O/I/L), and what is refused;
**     receipts' shape; the election key derived again from its salt;
**   - eligibility tags;
**   - opening voting refused (no accepted candidate; no roll) with nothing
**     written, then opened on `hustings demo --voting`'s pooled roll: one
**     elector per person across the two organisations, the household kept
**     as two, a credential and an email for each, candidates numbered in
**     name order, the audit row;
**   - the ballot behind a code: contests by tags, a stable per-voter
**     order, the published order, unknown and malformed codes;
**   - the cast: one ballot per ranked contest and a receipt, no audit
**     row, then "used"; a reissue after voting says "voted"; 100 threads
**     casting with one code store exactly one ballot (with the writer
**     thread and without); a contest outside the voter's tags refused
**     with nothing written;
**   - withdrawal during voting; reminders to non-voters only; the CSV
**     export; closing queues one pending result per contest.
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "http.h"
#include "service.h"
#include "svc_setup.h"
#include "svc_vote.h"
#include "web.h"
#include "web_fixture.h"

/* ---------------------------------------------------------------- codes */

static void test_codes(void **state) {
  unsigned char raw[CRED_RAW], back[CRED_RAW];
  char text[CRED_TEXT], g[CRED_GROUPED], lower[CRED_GROUPED], r[RECEIPT_TEXT];
  size_t i, k;
  (void)state;
  for (i = 0; i < 2000; i++) {
    cred_new(raw, text);
    assert_int_equal(strlen(text), 26);
    assert_int_equal(strspn(text, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 26);
    assert_int_equal(cred_parse(text, back), 1);
    assert_memory_equal(raw, back, CRED_RAW);
    cred_grouped(text, g);
    assert_int_equal(strlen(g), 32);
    for (k = 0; g[k]; k++) lower[k] = (char)(g[k] | (g[k] >= 'A' ? 0x20 : 0));
    lower[k] = 0;
    assert_int_equal(cred_parse(lower, back), 1); /* hyphens, lower case */
    assert_memory_equal(raw, back, CRED_RAW);
  }
  /* O reads as 0, I and L as 1 */
  memset(raw, 0, sizeof raw);
  assert_int_equal(cred_parse("OOOO OOOO OOOO OOOO OOOO OOOO OO", back), 1);
  assert_memory_equal(raw, back, CRED_RAW);
  assert_int_equal(cred_parse("0000000000000000000000000I", back), 0);
  assert_int_equal(cred_parse("1000000000000000000000000L", back), 0);
  assert_int_equal(cred_parse("I000000000000000000000000L", back), 0);
  assert_int_equal(cred_parse("L0000000000000000000000000", back), 1);
  assert_int_equal(back[0], 0x08); /* 00001 then zeros */
  /* refused: too short, too long, U, punctuation, spare bits set */
  assert_int_equal(cred_parse("000000000000000000000000", back), 0);
  assert_int_equal(cred_parse("000000000000000000000000000", back), 0);
  assert_int_equal(cred_parse("U0000000000000000000000000", back), 0);
  assert_int_equal(cred_parse("0000000000000000000000000!", back), 0);
  assert_int_equal(cred_parse("00000000000000000000000001", back), 0);
  assert_int_equal(cred_parse("00000000000000000000000004", back), 1);
  assert_int_equal(cred_parse("", back), 0);
  assert_int_equal(cred_parse(NULL, back), 0);
  for (i = 0; i < 200; i++) {
    receipt_new(r);
    assert_int_equal(strlen(r), 19);
    for (k = 0; k < 19; k++) {
      if (k % 5 == 4) assert_int_equal(r[k], '-');
      else assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", r[k]));
    }
  }
}

static void test_election_key(void **state) {
  unsigned char salt[16], pk[32], pk2[32], sk[64], sig[64];
  char fp[40];
  static const unsigned char msg[] = "SHA256SUMS";
  (void)state;
  randombytes_buf(auth_key, sizeof auth_key);
  randombytes_buf(salt, sizeof salt);
  elkey_derive(salt, pk, sk);
  elkey_derive(salt, pk2, NULL);
  assert_memory_equal(pk, pk2, 32); /* the same key from the same salt */
  crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
  assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), 0);
  salt[0] ^= 1;
  elkey_derive(salt, pk2, NULL);
  assert_memory_not_equal(pk, pk2, 32);
  salt[0] ^= 1;
  auth_key[0] ^= 1; /* another installation key: another election key */
  elkey_derive(salt, pk2, NULL);
  assert_memory_not_equal(pk, pk2, 32);
  elkey_fingerprint(pk, fp);
  assert_int_equal(strlen(fp), 39);
  assert_int_equal(fp[4], ' ');
}

static void test_tags(void **state) {
  (void)state;
  assert_true(svc_tags_match(" ", " "));
  assert_true(svc_tags_match(" woman ", " "));
  assert_true(svc_tags_match(" bame woman ", " bame "));
  assert_true(svc_tags_match(" region:kent ", " region:kent region:london "));
  assert_false(svc_tags_match(" woman ", " bame "));
  assert_false(svc_tags_match(" ", " bame "));
  assert_false(svc_tags_match(" bamex ", " bame "));  /* whole tags only */
  assert_false(svc_tags_match(" xbame ", " bame "));
  assert_false(svc_tags_match(" region:london2 ", " region:london "));
}

/* ---------------------------------------------------- the demo election */

static wf_db db;
static int64_t el, general, bame;

static int64_t now(void) { return web_now(); }

/* hustings demo [--voting] on a fresh file, then this thread's
** connection on it. */
static int demo(void **state, int voting) {
  char err[256];
  char *argv[] = {"demo", "--db", db.path, voting ? "--voting" : NULL, NULL};
  (void)state;
  snprintf(db.dir, sizeof db.dir, "/tmp/hus-vote-XXXXXX");
  if (!mkdtemp(db.dir)) return -1;
  snprintf(db.path, sizeof db.path, "%s/t.db", db.dir);
  argv[2] = db.path;
  if (web_demo_main(voting ? 4 : 3, argv) != 0) return -1;
  if (db_init(db.path, err, sizeof err) != WEB_OK ||
      auth_load_key(db.path, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "setup: %s\n", err);
    return -1;
  }
  el = q1("SELECT id FROM elections WHERE slug = 'steering-2027'");
  general = q1("SELECT id FROM contests WHERE slug = 'general'");
  bame = q1("SELECT id FROM contests WHERE slug = 'bame'");
  return 0;
}
static int setup_voting(void **state) { return demo(state, 1); }
static int setup_review(void **state) { return demo(state, 0); }
static int teardown(void **state) {
  (void)state;
  wf_db_close(&db);
  return 0;
}

static int64_t elector_of(const char *member_no) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT e.id FROM electors e JOIN voters v ON "
           "v.id = e.voter_id WHERE v.member_no = '%s'", member_no);
  return q1(sql);
}

/* A fresh code for the member, shown once (as a phone reissue). */
static void code_for(const char *member_no, char code[CRED_TEXT]) {
  verr v = {0};
  int64_t id = elector_of(member_no);
  assert_true(id > 0);
  assert_int_equal(svc_reissue(el, id, "admin:1", now(), code, &v), WEB_OK);
}

/* ------------------------------------------------------------- opening */

static void test_open_refused(void **state) {
  verr v = {0};
  int64_t audit = q1("SELECT max(seq) FROM audit");
  (void)state;
  exec_ok("UPDATE elections SET phase = 'review'");
  /* every nomination still undecided: no accepted candidate */
  assert_int_equal(svc_election_phase(el, PHASE_VOTING, "admin:1", 0, now(),
                                      &v),
                   WEB_ECONFLICT);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].code, "no_candidates");
  exec_ok("UPDATE nominations SET status = 'accepted' WHERE status = "
          "'submitted'");
  /* no roll */
  assert_int_equal(svc_election_phase(el, PHASE_VOTING, "admin:1", 0, now(),
                                      &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "empty_electorate");
  /* at least 4 women among 9 general seats: make it impossible */
  exec_ok("UPDATE contest_constraints SET min_seats = 9");
  assert_int_equal(svc_election_phase(el, PHASE_VOTING, "admin:1", 0, now(),
                                      &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "constraints_infeasible");
  /* nothing written by any of them */
  assert_int_equal(q1("SELECT count(*) FROM ballot_candidates"), 0);
  assert_int_equal(q1("SELECT count(*) FROM electors"), 0);
  assert_int_equal(q1("SELECT count(*) FROM election_keys"), 0);
  assert_int_equal(q1("SELECT max(seq) FROM audit"), audit);
  assert_int_equal(q1("SELECT phase = 'review' FROM elections"), 1);
  /* voting cannot be skipped either */
  assert_int_equal(svc_election_phase(el, PHASE_COUNTED, "admin:1", 0, now(),
                                      &v),
                   WEB_ECONFLICT);
}

static void test_opened(void **state) {
  char body[4096];
  (void)state;
  assert_int_equal(q1("SELECT phase = 'voting' FROM elections"), 1);
  /* 180 + 60 members, 20 in both organisations: 220 people; the two
  ** Northfield members at one address stay two */
  assert_int_equal(q1("SELECT count(*) FROM electors"), 220);
  assert_int_equal(q1("SELECT count(*) FROM elector_sources"), 240);
  assert_int_equal(q1("SELECT count(*) FROM electors WHERE person_key LIKE "
                      "'e:member7@example.org#%'"),
                   2);
  assert_int_equal(q1("SELECT count(*) FROM electors e WHERE (SELECT "
                      "count(*) FROM elector_sources s WHERE s.elector_id = "
                      "e.id) = 2"),
                   20);
  /* one live credential each (the demo reissued two) and one email each */
  assert_int_equal(q1("SELECT count(*) FROM credentials WHERE superseded_at "
                      "IS NULL"),
                   220);
  assert_int_equal(q1("SELECT count(*) FROM outbox WHERE kind = "
                      "'credential'"),
                   220);
  qs("SELECT body FROM outbox WHERE kind = 'credential' ORDER BY id LIMIT 1",
     body, sizeof body);
  assert_non_null(strstr(body, "/v/"));
  assert_non_null(strstr(body, "Election key"));
  /* no code is stored in plain text outside the outbox */
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE line LIKE '%/v/%'"),
                   0);
  /* candidates on the paper: the accepted ones, numbered by name */
  assert_int_equal(q1("SELECT count(*) FROM ballot_candidates"), 11);
  assert_int_equal(q1("SELECT n.name = 'Ada Brennan' FROM ballot_candidates "
                      "b JOIN nominations n ON n.id = b.nomination_id WHERE "
                      "b.number = 1 AND b.contest_id = (SELECT id FROM "
                      "contests WHERE slug = 'general')"),
                   1);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'voting.open' AND line LIKE '%\"electors\":220%'"),
                   1);
  assert_int_equal(q1("SELECT count(*) FROM election_keys"), 1);
}

/* -------------------------------------------------------------- ballot */

static void test_ballot(void **state) {
  char a[CRED_TEXT], b[CRED_TEXT], g[CRED_GROUPED];
  svc_ballot x, y;
  size_t i;
  int differs = 0;
  (void)state;
  code_for("N0101", a); /* i = 1: bame */
  code_for("N0102", b); /* i = 2: woman, not bame */
  assert_int_equal(svc_ballot_load(db_get(), a, now(), &x), WEB_OK);
  assert_int_equal(x.state, CRED_OK);
  assert_int_equal(x.n, 2);
  assert_int_equal(x.c[0].id, general);
  assert_int_equal(x.c[0].n, 9);
  assert_int_equal(x.c[1].id, bame);
  assert_int_equal(strlen(x.key_fingerprint), 39);
  /* the same order again, from the grouped lower-case spelling */
  cred_grouped(a, g);
  for (i = 0; g[i]; i++)
    if (g[i] >= 'A' && g[i] <= 'Z') g[i] = (char)(g[i] | 0x20);
  assert_int_equal(svc_ballot_load(db_get(), g, now(), &y), WEB_OK);
  assert_int_equal(y.state, CRED_OK);
  for (i = 0; i < 9; i++)
    assert_int_equal(x.c[0].cand[i].nomination_id,
                     y.c[0].cand[i].nomination_id);
  for (i = 0; i < 9; i++)
    differs |= x.c[0].cand[i].number != (int)i + 1;
  assert_true(differs); /* random order: 1 in 362,880 to fail */
  svc_ballot_free(&y);
  assert_int_equal(svc_ballot_load(db_get(), b, now(), &y), WEB_OK);
  assert_int_equal(y.n, 1); /* no BAME seat */
  assert_int_equal(y.c[0].id, general);
  svc_ballot_free(&y);
  /* the published order */
  exec_ok("UPDATE elections SET candidate_order = 'published'");
  assert_int_equal(svc_ballot_load(db_get(), a, now(), &y), WEB_OK);
  for (i = 0; i < 9; i++) assert_int_equal(y.c[0].cand[i].number, (int)i + 1);
  svc_ballot_free(&y);
  exec_ok("UPDATE elections SET candidate_order = 'random'");
  /* unknown and malformed codes look the same */
  a[3] = a[3] == 'A' ? 'B' : 'A';
  assert_int_equal(svc_ballot_load(db_get(), a, now(), &y), WEB_OK);
  assert_int_equal(y.state, CRED_UNKNOWN);
  assert_int_equal(y.n, 0);
  svc_ballot_free(&y);
  assert_int_equal(svc_ballot_load(db_get(), "not a code", now(), &y),
                   WEB_OK);
  assert_int_equal(y.state, CRED_UNKNOWN);
  svc_ballot_free(&y);
  svc_ballot_free(&x);
}

/* A ranking of the first k candidates as the voter sees them. */
static ballot_choice *rank(const svc_ballot *b, size_t k0, size_t k1) {
  ballot_choice *c = calloc(b->n, sizeof *c);
  size_t i, j;
  assert_non_null(c);
  for (i = 0; i < b->n; i++) {
    size_t k = i ? k1 : k0;
    if (k > b->c[i].n) k = b->c[i].n;
    c[i].contest_id = b->c[i].id;
    c[i].order = calloc(k ? k : 1, sizeof *c[i].order);
    assert_non_null(c[i].order);
    for (j = 0; j < k; j++) c[i].order[j] = b->c[i].cand[j].nomination_id;
    c[i].n = k;
  }
  return c;
}

static void free_rank(ballot_choice *c, size_t n) {
  for (size_t i = 0; i < n; i++) free(c[i].order);
  free(c);
}

static void test_cast(void **state) {
  char code[CRED_TEXT], receipt[RECEIPT_TEXT], want[600];
  svc_ballot b, again;
  ballot_choice *c;
  cred_state st;
  verr v = {0};
  int64_t audit;
  (void)state;
  code_for("N0106", code); /* i = 6: bame (6 % 5 == 1) */
  audit = q1("SELECT max(seq) FROM audit");
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &b), WEB_OK);
  assert_int_equal(b.n, 2);
  c = rank(&b, 5, 0); /* five general preferences, BAME seat left blank */
  assert_int_equal(svc_cast(&b, c, b.n, now(), receipt, &st, &v), WEB_OK);
  assert_int_equal(strlen(receipt), 19);
  assert_int_equal(q1("SELECT count(*) FROM ballots"), 1);
  snprintf(want, sizeof want,
           "SELECT count(*) FROM ballots WHERE ranking = '%lld %lld %lld "
           "%lld %lld' AND contest_id = %lld",
           (long long)c[0].order[0], (long long)c[0].order[1],
           (long long)c[0].order[2], (long long)c[0].order[3],
           (long long)c[0].order[4], (long long)general);
  assert_int_equal(q1(want), 1);
  snprintf(want, sizeof want, "SELECT count(*) FROM receipts WHERE code = "
           "'%s'", receipt);
  assert_int_equal(q1(want), 1);
  assert_int_equal(q1("SELECT count(*) FROM electors WHERE voted = 1"), 1);
  assert_int_equal(q1("SELECT max(seq) FROM audit"), audit); /* none */
  /* the same code again: used */
  assert_int_equal(svc_cast(&b, c, b.n, now(), receipt, &st, &v),
                   WEB_ECONFLICT);
  assert_int_equal(st, CRED_USED);
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &again), WEB_OK);
  assert_int_equal(again.state, CRED_USED);
  svc_ballot_free(&again);
  /* a new code for the same person: voted */
  code_for("N0106", code);
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &again), WEB_OK);
  assert_int_equal(again.state, CRED_VOTED);
  svc_ballot_free(&again);
  assert_int_equal(q1("SELECT count(*) FROM ballots"), 1);
  assert_int_equal(q1("SELECT count(*) FROM receipts"), 1);
  free_rank(c, b.n);
  svc_ballot_free(&b);
}

static void test_not_eligible(void **state) {
  char code[CRED_TEXT], receipt[RECEIPT_TEXT];
  svc_ballot b;
  ballot_choice c[2];
  int64_t order[1];
  cred_state st;
  verr v = {0};
  int64_t ballots = q1("SELECT count(*) FROM ballots");
  (void)state;
  code_for("N0104", code); /* i = 4: woman, not bame */
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &b), WEB_OK);
  assert_int_equal(b.n, 1);
  memset(c, 0, sizeof c);
  order[0] = q1("SELECT nomination_id FROM ballot_candidates WHERE "
                "contest_id = (SELECT id FROM contests WHERE slug = 'bame') "
                "AND number = 1");
  c[0].contest_id = bame;
  c[0].order = order;
  c[0].n = 1;
  assert_int_equal(svc_cast(&b, c, 1, now(), receipt, &st, &v),
                   WEB_EINVALID);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].code, "not_eligible");
  assert_int_equal(q1("SELECT count(*) FROM ballots"), ballots);
  assert_int_equal(q1("SELECT count(*) FROM electors WHERE voted = 1"), 1);
  svc_ballot_free(&b);
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &b), WEB_OK);
  assert_int_equal(b.state, CRED_OK); /* the refused cast used nothing */
  svc_ballot_free(&b);
}

struct racer {
  const svc_ballot *b;
  const ballot_choice *c;
  web_status s;
};

static void *race(void *p) {
  struct racer *r = p;
  char receipt[RECEIPT_TEXT];
  cred_state st;
  verr v = {0};
  r->s = svc_cast(r->b, r->c, r->b->n, web_now(), receipt, &st, &v);
  db_close_thread();
  return NULL;
}

static void burst(const char *member_no) {
  enum { N = 100 };
  pthread_t th[N];
  struct racer r[N];
  char code[CRED_TEXT];
  svc_ballot b;
  ballot_choice *c;
  int ok = 0, conflict = 0, i;
  int64_t ballots = q1("SELECT count(*) FROM ballots");
  int64_t receipts = q1("SELECT count(*) FROM receipts");
  code_for(member_no, code);
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &b), WEB_OK);
  assert_int_equal(b.state, CRED_OK);
  c = rank(&b, 3, 1);
  db_reset_all();
  for (i = 0; i < N; i++) {
    r[i].b = &b;
    r[i].c = c;
    assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
  }
  for (i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ok += r[i].s == WEB_OK;
    conflict += r[i].s == WEB_ECONFLICT;
  }
  assert_int_equal(ok, 1);
  assert_int_equal(conflict, N - 1);
  assert_int_equal(q1("SELECT count(*) FROM ballots"),
                   ballots + (int64_t)b.n);
  assert_int_equal(q1("SELECT count(*) FROM receipts"), receipts + 1);
  free_rank(c, b.n);
  svc_ballot_free(&b);
}

static void test_burst_mutex(void **state) {
  (void)state;
  burst("N0111"); /* bame: two contests */
}

static void test_burst_writer(void **state) {
  (void)state;
  assert_int_equal(db_writer_start(), WEB_OK);
  burst("N0116");
  db_writer_stop();
}

static void test_withdraw_during_voting(void **state) {
  char code[CRED_TEXT];
  svc_ballot b;
  size_t i;
  int seen = 0;
  int64_t nom = q1("SELECT id FROM nominations WHERE name = 'Tomasz Wren'");
  (void)state;
  exec_ok("INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES "
          "(1, 'returning@example.org', 'Returning officer', 'x', 0)");
  assert_int_equal(svc_nomination_withdraw(nom, 1, "Suspended by the NEC",
                                           "admin:1", now()),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM withdrawals WHERE phase = "
                      "'voting'"),
                   1);
  code_for("N0120", code);
  assert_int_equal(svc_ballot_load(db_get(), code, now(), &b), WEB_OK);
  for (i = 0; i < b.c[0].n; i++)
    if (b.c[0].cand[i].nomination_id == nom) {
      seen = 1;
      assert_int_equal(b.c[0].cand[i].withdrawn, 1);
      assert_string_equal(b.c[0].cand[i].withdraw_reason,
                          "Suspended by the NEC");
    }
  assert_true(seen); /* still on the paper */
  svc_ballot_free(&b);
  /* a candidate never on the paper cannot be withdrawn now */
  nom = q1("SELECT id FROM nominations WHERE status = 'withdrawn' AND name "
           "= 'Gareth Pellow'");
  assert_int_equal(svc_nomination_withdraw(nom, 1, "x", "admin:1", now()),
                   WEB_ECONFLICT);
}

static void test_remind_export(void **state) {
  int64_t queued = -1;
  int64_t voters = q1("SELECT count(*) FROM electors WHERE voted = 1");
  int64_t before = q1("SELECT count(*) FROM outbox WHERE kind = 'reminder'");
  wbuf csv;
  verr v = {0};
  size_t lines = 0;
  const char *p;
  (void)state;
  assert_int_equal(voters, 3);
  /* 300 more electors, so that reminders and the export run in more than
  ** one job of 250 */
  exec_ok("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
          "WHERE i < 300) INSERT INTO voters (org_id, member_no, name, "
          "email, created_at, updated_at) SELECT 1, 'X' || i, 'Extra ' || "
          "i, 'extra' || i || '@example.org', 0, 0 FROM k");
  exec_ok("INSERT INTO electors (election_id, person_key, voter_id, tags, "
          "delivery) SELECT 1, 'e:' || email || '#0', id, ' ', 'email' FROM "
          "voters WHERE member_no LIKE 'X%'");
  assert_int_equal(svc_remind(el, "admin:1", now(), &queued), WEB_OK);
  assert_int_equal(queued, 520 - voters);
  assert_int_equal(q1("SELECT count(*) FROM outbox WHERE kind = "
                      "'reminder'") - before,
                   520 - voters);
  /* no reminder went to a voter */
  assert_int_equal(q1("SELECT count(*) FROM outbox o JOIN voters v ON "
                      "lower(v.email) = o.to_addr JOIN electors e ON "
                      "e.voter_id = v.id WHERE o.kind = 'reminder' AND "
                      "e.voted = 1"),
                   0);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'reminders.queue'"),
                   1);
  /* export everyone: a header and 220 rows, each with a working code */
  wbuf_init(&csv, RESP_EXPORT_MAX);
  assert_int_equal(svc_credentials_export(el, "all", "admin:1", now(), &csv,
                                          &v),
                   WEB_OK);
  for (p = wbuf_str(&csv); (p = strchr(p, '\n')) != NULL; p++) lines++;
  assert_int_equal(lines, 521);
  assert_true(!strncmp(wbuf_str(&csv),
                       "org,member_no,name,email,code,link,contests\n", 44));
  assert_int_equal(q1("SELECT count(*) FROM credentials WHERE via = "
                      "'export' AND superseded_at IS NULL"),
                   520);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'credentials.export' AND line LIKE '%\"count\":520%'"),
                   1);
  assert_int_equal(svc_credentials_export(el, "everyone", "admin:1", now(),
                                          &csv, &v),
                   WEB_EINVALID);
  wbuf_free(&csv);
}

static void test_close(void **state) {
  verr v = {0};
  (void)state;
  assert_int_equal(svc_election_phase(el, PHASE_COUNTED, "admin:1", 0, now(),
                                      &v),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM results WHERE state = "
                      "'pending'"),
                   2);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'voting.close' AND line LIKE '%\"voted\":3%'"),
                   1);
  /* closing the election waits for the published results */
  assert_int_equal(svc_election_phase(el, PHASE_CLOSED, "admin:1", 0, now(),
                                      &v),
                   WEB_ECONFLICT);
  assert_string_equal(v.e[0].code, "not_published");
  assert_int_equal(q1("SELECT phase = 'counted' FROM elections"), 1);
}

int main(void) {
  const struct CMUnitTest pure[] = {
      cmocka_unit_test(test_codes),
      cmocka_unit_test(test_election_key),
      cmocka_unit_test(test_tags),
  };
  const struct CMUnitTest refused[] = {
      cmocka_unit_test(test_open_refused),
  };
  const struct CMUnitTest voting[] = {
      cmocka_unit_test(test_opened),
      cmocka_unit_test(test_ballot),
      cmocka_unit_test(test_cast),
      cmocka_unit_test(test_not_eligible),
      cmocka_unit_test(test_burst_mutex),
      cmocka_unit_test(test_burst_writer),
      cmocka_unit_test(test_withdraw_during_voting),
      cmocka_unit_test(test_remind_export),
      cmocka_unit_test(test_close),
  };
  int rc;
  if (sodium_init() < 0) return 1;
  rc = cmocka_run_group_tests_name("codes", pure, NULL, NULL);
  rc |= cmocka_run_group_tests_name("open refused", refused, setup_review,
                                    teardown);
  rc |= cmocka_run_group_tests_name("voting", voting, setup_voting, teardown);
  return rc;
}
