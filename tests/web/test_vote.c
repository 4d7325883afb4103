/*
** test_vote.c: the whole second half of an election over HTTP
** (docs/design/ballot.md §8 "Integration tests").  One `hustings serve
** --mail none` on `hustings demo --voting`'s database (voting open, a
** pooled roll of 220 people, credential emails in the outbox: their links
** are read from there); the cases run in order and build on each other:
**   - the election key is public from the opening (/e/{e}/key);
**   - the ballot page behind a voting link: both contests for a BAME
**     member, statements one click away, no-store; a bad code;
**   - review then cast: the receipt page (200), one ballot per ranked
**     contest and one receipt, no audit row; the same code again (409);
**   - a burst of 100 simultaneous casts with one code: exactly one 200
**     and 99 x 409, exactly one vote stored;
**   - a voter outside the BAME seat's tags posting a ranking for it: 422
**     not_eligible, nothing stored; their paper never showed the seat;
**     their valid cast then succeeds;
**   - 30 scripted ballots, a candidate withdrawn through the API, the
**     ballot page marks them, 30 more ballots, voting closed through the
**     API;
**   - the results: the page, every file of the pack; each contest's BLT
**     recounted with `hustings count` gives the published JSON byte for
**     byte (also with --equal reject --skipped reject); the withdrawal
**     counts exactly as --withdraw on the BLT without its -N line; the
**     signature over SHA256SUMS verifies with the key fetched at opening
**     and fails after a byte changes; `hustings verify-results` passes,
**     then fails on a changed receipts.txt; every receipt handed out is
**     listed, and /e/{e}/receipts?code= finds it;
**   - secrecy: no time column on ballots or receipts, no credential left,
**     and the audit log never holds a code or a receipt.
*/
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np (glibc 2.29) */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
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
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "client.h"
#include "testutil.h"

extern char **environ;

#define EL "steering-2027"
#define ADMIN_PW "correct horse battery staple"
#define MAX_RECEIPTS 200

static const char *argv0;
static hc_server *srv;
static char dir[256], demo[300], token[128];
static unsigned char pk[32];
static int64_t general, bame, withdrawn_nom, withdrawn_number;
static char receipts[MAX_RECEIPTS][20];
static size_t nreceipts;

/* ------------------------------------------------------------- helpers */

/* One number from the demo database (the server's file), read-only. */
static int64_t sql(const char *q) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t n = INT64_MIN;
  assert_int_equal(sqlite3_open_v2(demo, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (n == INT64_MIN) fprintf(stderr, "# %s: %s\n", q, sqlite3_errmsg(db));
  sqlite3_close(db);
  assert_true(n != INT64_MIN);
  return n;
}

/* The voting code in the latest live credential email to addr, read from
** the outbox (bodies are kept with --mail none). */
static void code_of(const char *addr, char code[27]) {
  tu_voting_code(demo, addr, code);
}

static void member(int i, char addr[64]) {
  snprintf(addr, 64, "member%d@example.org", i);
}

/* The ballot page for code: its csrf token (the anonymous cookie goes to
** the jar). */
static hc_resp *ballot(const char *code, char csrf[65]) {
  char path[64];
  hc_resp *r;
  snprintf(path, sizeof path, "/v/%s", code);
  r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
  if (csrf) {
    check_status(r, 200);
    assert_int_equal(hc_csrf(r->body, csrf), 1);
  }
  return r;
}

/* Posts fields (name, value pairs, NULL-terminated, csrf added) to
** /v/CODE/what. */
static hc_resp *post_vote(const char *code, const char *what,
                          const char *csrf, const char *const *fields) {
  const char *f[128];
  char path[80];
  size_t n = 0;
  f[n++] = "csrf";
  f[n++] = csrf;
  for (; fields && *fields && n < 126; fields++) f[n++] = *fields;
  f[n] = NULL;
  snprintf(path, sizeof path, "/v/%s%s%s", code, what[0] ? "/" : "", what);
  return hc_post_formv(srv, path, hc_new_addr(), f);
}

/* The receipt code on a receipt page, kept for the check at the end. */
static void keep_receipt(const hc_resp *r) {
  const char *p = hc_find(r->body, "id=\"receipt\"");
  size_t k;
  assert_non_null(p);
  p = strchr(p, '>');
  assert_non_null(p);
  p++;
  for (k = 0; k < 19; k++)
    assert_true((k % 5 == 4) ? p[k] == '-' : (p[k] >= '0' && p[k] <= 'Z'));
  assert_true(nreceipts < MAX_RECEIPTS);
  memcpy(receipts[nreceipts], p, 19);
  receipts[nreceipts++][19] = 0;
}

/* Field names r.C.N of the general contest in the page's order. */
static size_t fields_of(const char *html, int64_t contest, char names[][32],
                        size_t max) {
  char pre[32];
  const char *p = html;
  size_t n = 0;
  snprintf(pre, sizeof pre, "name=\"r.%lld.", (long long)contest);
  while (n < max && (p = hc_find(p, pre)) != NULL) {
    const char *q = p + 6; /* after name=" */
    size_t len = strcspn(q, "\"");
    if (len < 32) {
      memcpy(names[n], q, len);
      names[n][len] = 0;
      n++;
    }
    p = q;
  }
  return n;
}

/* Casts a ballot ranking the first k general candidates (in page order,
** rotated by shift) and, for a BAME member, kb of the BAME seat. */
static void vote(int who, size_t k, size_t shift, size_t kb) {
  char addr[64], code[27], csrf[65], names[16][32], bnames[4][32];
  char nums[24][24];
  const char *f[64];
  size_t n, nb, i, m = 0;
  hc_resp *r;
  member(who, addr);
  code_of(addr, code);
  r = ballot(code, csrf);
  n = fields_of(r->body, general, names, 16);
  nb = fields_of(r->body, bame, bnames, 4);
  hc_resp_free(r);
  assert_true(n >= k && n > 0);
  for (i = 0; i < k; i++) {
    snprintf(nums[i], sizeof nums[i], "%zu", i + 1);
    f[m++] = names[(i + shift) % n];
    f[m++] = nums[i];
  }
  for (i = 0; i < kb && i < nb; i++) {
    snprintf(nums[k + i], sizeof nums[k + i], "%zu", i + 1);
    f[m++] = bnames[i];
    f[m++] = nums[k + i];
  }
  f[m] = NULL;
  r = post_vote(code, "cast", csrf, f);
  check_status(r, 200);
  keep_receipt(r);
  hc_resp_free(r);
}

/* -------------------------------------------------------------- cases */

static void test_key(void **state) {
  hc_resp *r;
  const char *p;
  char hex[65];
  size_t len;
  (void)state;
  r = hc_request(srv, "GET", "/e/" EL "/key", hc_new_addr(), NULL, 0);
  check_status(r, 200);
  p = hc_find(r->body, "id=\"key-hex\"");
  assert_non_null(p);
  p = strchr(p, '>') + 1;
  memcpy(hex, p, 64);
  hex[64] = 0;
  assert_int_equal(sodium_hex2bin(pk, sizeof pk, hex, 64, NULL, &len, NULL),
                   0);
  assert_int_equal(len, 32);
  has(r, "BEGIN PUBLIC KEY");
  hc_resp_free(r);
  general = sql("SELECT id FROM contests WHERE slug = 'general'");
  bame = sql("SELECT id FROM contests WHERE slug = 'bame'");
}

static void test_ballot_page(void **state) {
  char addr[64], code[27], csrf[65], names[16][32];
  hc_resp *r;
  (void)state;
  member(6, addr); /* i = 6: bame */
  code_of(addr, code);
  r = ballot(code, csrf);
  assert_int_equal(fields_of(r->body, general, names, 16), 9);
  assert_int_equal(fields_of(r->body, bame, names, 16), 2);
  has(r, "<details");
  has(r, "inputmode=\"numeric\"");
  assert_non_null(hc_header(r, "Cache-Control"));
  assert_non_null(strstr(hc_header(r, "Cache-Control"), "no-store"));
  hc_resp_free(r);
  /* a wrong code and a malformed one get the same answer */
  code[5] = code[5] == 'A' ? 'B' : 'A';
  {
    hc_resp *a = ballot(code, NULL);
    hc_resp *b = ballot("not-a-code", NULL);
    assert_int_equal(a->status, b->status);
    assert_true(a->status >= 400);
    has(a, "not valid");
    has(b, "not valid");
    hc_resp_free(a);
    hc_resp_free(b);
  }
}

static void test_review_cast(void **state) {
  char addr[64], code[27], csrf[65], names[16][32];
  const char *f[8];
  int64_t ballots = sql("SELECT count(*) FROM ballots");
  int64_t audit = sql("SELECT max(seq) FROM audit");
  hc_resp *r;
  (void)state;
  member(3, addr);
  code_of(addr, code);
  r = ballot(code, csrf);
  assert_int_equal(fields_of(r->body, general, names, 16), 9);
  hc_resp_free(r);
  f[0] = names[2];
  f[1] = "1";
  f[2] = names[0];
  f[3] = "3"; /* a gap: closed up on the review page */
  f[4] = NULL;
  r = post_vote(code, "review", csrf, f);
  check_status(r, 200);
  has(r, "Check your vote");
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM ballots"), ballots);
  r = post_vote(code, "cast", csrf, f);
  check_status(r, 200);
  keep_receipt(r);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM ballots"), ballots + 1);
  assert_int_equal(sql("SELECT max(seq) FROM audit"), audit);
  /* a reload re-posts: the link was used */
  r = post_vote(code, "cast", csrf, f);
  check_status(r, 409);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM ballots"), ballots + 1);
}

struct racer {
  const char *req;
  size_t len;
  int status;
};

static void *race(void *p) {
  struct racer *x = p;
  int fd = hc_connect(srv);
  hc_resp *r;
  x->status = -1;
  if (fd < 0) return NULL;
  if (hc_send(fd, x->req, x->len) == 0) {
    r = hc_recv(NULL, fd, 0);
    x->status = r->status;
    hc_resp_free(r);
  }
  close(fd);
  return NULL;
}

static void test_burst(void **state) {
  enum { N = 100 };
  char addr[64], code[27], csrf[65], names[16][32], req[4096];
  const char *f[] = {"csrf", csrf, NULL, "1", NULL, "2", NULL};
  struct racer x[N];
  pthread_t th[N];
  char *body;
  size_t blen;
  int ok = 0, conflict = 0, i;
  int64_t ballots = sql("SELECT count(*) FROM ballots");
  int64_t rec = sql("SELECT count(*) FROM receipts");
  int64_t voted = sql("SELECT count(*) FROM electors WHERE voted = 1");
  int len;
  (void)state;
  member(9, addr);
  code_of(addr, code);
  hc_resp_free(ballot(code, csrf));
  {
    hc_resp *r = ballot(code, csrf);
    assert_int_equal(fields_of(r->body, general, names, 16), 9);
    hc_resp_free(r);
  }
  f[2] = names[0];
  f[4] = names[1];
  body = hc_form_encode(f, &blen);
  assert_non_null(body);
  len = snprintf(req, sizeof req,
                 "POST /v/%s/cast HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\nCookie: hs_anon=%s\r\n"
                 "Sec-Fetch-Site: same-origin\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 code, hc_jar_get(srv, "hs_anon"), blen, body);
  free(body);
  assert_true(len > 0 && (size_t)len < sizeof req);
  for (i = 0; i < N; i++) {
    x[i].req = req;
    x[i].len = (size_t)len;
    assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
  }
  for (i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ok += x[i].status == 200;
    conflict += x[i].status == 409;
  }
  assert_int_equal(ok, 1);
  assert_int_equal(conflict, N - 1);
  assert_int_equal(sql("SELECT count(*) FROM ballots"), ballots + 1);
  assert_int_equal(sql("SELECT count(*) FROM receipts"), rec + 1);
  assert_int_equal(sql("SELECT count(*) FROM electors WHERE voted = 1"),
                   voted + 1);
  /* that receipt is unknown to the test: counted as one extra below */
}

static void test_not_eligible(void **state) {
  char addr[64], code[27], csrf[65], names[16][32], bfield[48];
  const char *f[8];
  int64_t ballots = sql("SELECT count(*) FROM ballots");
  int64_t nom = sql("SELECT nomination_id FROM ballot_candidates WHERE "
                    "contest_id = (SELECT id FROM contests WHERE slug = "
                    "'bame') AND number = 1");
  hc_resp *r;
  (void)state;
  member(4, addr); /* i = 4: not bame */
  code_of(addr, code);
  r = ballot(code, csrf);
  assert_int_equal(fields_of(r->body, general, names, 16), 9);
  assert_int_equal(fields_of(r->body, bame, names + 9, 4), 0);
  lacks(r, "BAME seat");
  hc_resp_free(r);
  snprintf(bfield, sizeof bfield, "r.%lld.%lld", (long long)bame,
           (long long)nom);
  f[0] = names[0];
  f[1] = "1";
  f[2] = bfield;
  f[3] = "1";
  f[4] = NULL;
  r = post_vote(code, "cast", csrf, f);
  check_status(r, 422);
  hc_resp_free(r);
  assert_int_equal(sql("SELECT count(*) FROM ballots"), ballots);
  f[2] = NULL;
  r = post_vote(code, "cast", csrf, f);
  check_status(r, 200);
  keep_receipt(r);
  hc_resp_free(r);
}

static void test_withdrawal(void **state) {
  char path[96], addr[64], code[27], csrf[65];
  hc_resp *r;
  int i;
  (void)state;
  for (i = 20; i < 50; i++) vote(i, 1 + (size_t)i % 9, (size_t)i, 1);
  withdrawn_nom = sql("SELECT id FROM nominations WHERE name = 'Tomasz "
                      "Wren'");
  withdrawn_number = sql("SELECT b.number FROM ballot_candidates b JOIN "
                         "nominations n ON n.id = b.nomination_id WHERE "
                         "n.name = 'Tomasz Wren'");
  snprintf(path, sizeof path, "/api/v1/nominations/%lld/withdrawal",
           (long long)withdrawn_nom);
  r = hc_json_from(srv, hc_new_addr(), "POST", path, token,
                   "{\"reason\":\"Suspended pending an investigation\"}");
  assert_true(r->status == 200 || r->status == 201);
  hc_resp_free(r);
  member(50, addr);
  code_of(addr, code);
  r = ballot(code, csrf);
  has(r, "withdrawn");
  hc_resp_free(r);
  for (i = 50; i < 80; i++) vote(i, 1 + (size_t)i % 9, (size_t)i, 1);
  r = hc_json_from(srv, hc_new_addr(), "POST",
                   "/api/v1/elections/" EL "/phase", token,
                   "{\"to\":\"counted\"}");
  assert_true(r->status == 200);
  hc_resp_free(r);
}

/* Downloads /e/EL/results/name into dir/pack/name; 1 if 200. */
static int fetch(const char *name) {
  char path[256], file[512];
  hc_resp *r;
  FILE *f;
  int ok;
  snprintf(path, sizeof path, "/e/" EL "/results/%s", name);
  r = hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
  ok = r->status == 200;
  if (ok) {
    snprintf(file, sizeof file, "%s/pack/%s", dir, name);
    f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
    fclose(f);
  }
  hc_resp_free(r);
  return ok;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *b;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) b[n] = 0;
  fclose(f);
  if (len) *len = (size_t)n;
  return b;
}

static void same_files(const char *a, const char *b) {
  size_t la, lb;
  char *x = slurp(a, &la), *y = slurp(b, &lb);
  assert_non_null(x);
  assert_non_null(y);
  if (la != lb || memcmp(x, y, la)) fail_msg("%s differs from %s", a, b);
  free(x);
  free(y);
}

static void test_results(void **state) {
  static const char *const files[] = {
      "general.blt", "general.json", "general.con", "general.html",
      "bame.blt",    "bame.json",    "receipts.txt", "election.txt",
      "election-key.pem", "SHA256SUMS", "SHA256SUMS.sig"};
  char p[512], out[512], con[512], blt[512], num[16], hex[65], pack[512];
  char bin[4096];
  hc_resp *r = NULL;
  size_t i, len;
  int tries;
  (void)state;
  /* absolute: the recounts run in the pack's folder */
  assert_non_null(realpath(hc_bin_from_argv0(argv0), bin));
  /* the count runs on the clock thread: wait for the page */
  for (tries = 0; tries < 100; tries++) {
    if (r) hc_resp_free(r);
    r = hc_request(srv, "GET", "/e/" EL "/results", hc_new_addr(), NULL, 0);
    if (r->status == 200) break;
    usleep(100 * 1000);
  }
  check_status(r, 200);
  has(r, "Tomasz Wren");
  hc_resp_free(r);
  snprintf(p, sizeof p, "%s/pack", dir);
  assert_int_equal(mkdir(p, 0700), 0);
  for (i = 0; i < sizeof files / sizeof files[0]; i++)
    if (!fetch(files[i])) fail_msg("no %s", files[i]);
  /* and whatever else SHA256SUMS lists ("HEX  NAME" lines) */
  {
    char sums[512], *text, *line;
    snprintf(sums, sizeof sums, "%s/pack/SHA256SUMS", dir);
    text = slurp(sums, NULL);
    assert_non_null(text);
    for (line = text; *line;) {
      char *end = strchr(line, '\n'), name[128];
      assert_non_null(end);
      *end = 0;
      assert_true(strlen(line) > 66 && line[64] == ' ' && line[65] == ' ');
      snprintf(name, sizeof name, "%s", line + 66);
      assert_null(strchr(name, '/'));
      if (!fetch(name)) fail_msg("SHA256SUMS lists %s, not served", name);
      line = end + 1;
    }
    free(text);
  }
  /* recount each contest in the pack's folder, as docs/results.md says:
  ** the same JSON, byte for byte (the JSON names the files as given) */
  snprintf(pack, sizeof pack, "%s/pack", dir);
  snprintf(out, sizeof out, "%s/recount.json", dir);
  snprintf(p, sizeof p, "%s/pack/general.json", dir);
  {
    char *argv[] = {(char *)bin, "count", "--rules", "scottish",
                    "--constraints", "general.con", "--format", "json",
                    "general.blt", NULL};
    assert_int_equal(tu_run(argv, out, pack), 0);
    same_files(out, p);
  }
  {
    char *argv[] = {(char *)bin, "count", "--rules", "scottish",
                    "--constraints", "general.con", "--equal", "reject",
                    "--skipped", "reject", "--format", "json", "general.blt",
                    NULL};
    char *x, *y, *xe, *ye;
    assert_int_equal(tu_run(argv, out, pack), 0);
    /* nothing ranked equal or skipped is ever stored, so refusing both
    ** changes nothing but the policies line itself */
    x = slurp(out, NULL);
    y = slurp(p, NULL);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(strstr(x, "\"policies\": \"equal=reject "));
    xe = strchr(strstr(x, "\"policies\""), '\n');
    ye = strchr(strstr(y, "\"policies\""), '\n');
    assert_non_null(xe);
    assert_non_null(ye);
    assert_string_equal(xe, ye);
    *strstr(x, "\"policies\"") = 0;
    *strstr(y, "\"policies\"") = 0;
    assert_string_equal(x, y);
    free(x);
    free(y);
  }
  {
    char j2[512];
    char *argv[] = {(char *)bin, "count", "--rules", "irv", "--format",
                    "json", "bame.blt", NULL};
    snprintf(j2, sizeof j2, "%s/pack/bame.json", dir);
    assert_int_equal(tu_run(argv, out, pack), 0);
    same_files(out, j2);
  }
  /* the withdrawal is --withdraw N on the BLT without its -N line: the
  ** same count (only the file's name and hash differ) */
  snprintf(blt, sizeof blt, "%s/pack/general.blt", dir);
  {
    size_t n;
    char *text = slurp(blt, &n), *line, nobl[512];
    char want[16];
    FILE *f;
    assert_non_null(text);
    snprintf(want, sizeof want, "\n-%lld\n", (long long)withdrawn_number);
    line = strstr(text, want);
    assert_non_null(line);
    snprintf(nobl, sizeof nobl, "%s/pack/nowithdraw.blt", dir);
    f = fopen(nobl, "wb");
    assert_non_null(f);
    fwrite(text, 1, (size_t)(line - text) + 1, f);
    fputs(line + strlen(want), f);
    fclose(f);
    free(text);
    snprintf(num, sizeof num, "%lld", (long long)withdrawn_number);
    {
      char *argv[] = {(char *)bin, "count", "--rules", "scottish",
                      "--constraints", "general.con", "--withdraw", num,
                      "--format", "json", "nowithdraw.blt", NULL};
      char *x, *y;
      assert_int_equal(tu_run(argv, out, pack), 0);
      x = slurp(out, NULL);
      y = slurp(p, NULL);
      assert_non_null(x);
      assert_non_null(y);
      assert_non_null(strstr(x, "\"stages\""));
      assert_string_equal(strstr(x, "\"stages\""), strstr(y, "\"stages\""));
      free(x);
      free(y);
    }
    unlink(nobl); /* not part of the pack */
  }
  /* the signature, with the key fetched when voting opened */
  {
    size_t sl, ml;
    char *sums, *sig;
    snprintf(p, sizeof p, "%s/pack/SHA256SUMS", dir);
    sums = slurp(p, &ml);
    snprintf(p, sizeof p, "%s/pack/SHA256SUMS.sig", dir);
    sig = slurp(p, &sl);
    assert_int_equal(sl, 64);
    assert_int_equal(crypto_sign_verify_detached((unsigned char *)sig,
                                                 (unsigned char *)sums, ml,
                                                 pk),
                     0);
    sums[0] ^= 1;
    assert_int_not_equal(crypto_sign_verify_detached((unsigned char *)sig,
                                                     (unsigned char *)sums,
                                                     ml, pk),
                         0);
    free(sums);
    free(sig);
  }
  sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
  snprintf(p, sizeof p, "%s/pack", dir);
  snprintf(out, sizeof out, "%s/verify.out", dir);
  {
    char *argv[] = {(char *)bin, "verify-results", p, "--key", hex, NULL};
    assert_int_equal(tu_run(argv, out, NULL), 0);
  }
  /* every receipt handed out is listed */
  snprintf(con, sizeof con, "%s/pack/receipts.txt", dir);
  {
    char *text = slurp(con, &len);
    size_t lines = 0;
    assert_non_null(text);
    for (i = 0; i < nreceipts; i++)
      if (!strstr(text, receipts[i])) fail_msg("%s not listed", receipts[i]);
    for (i = 0; i < len; i++) lines += text[i] == '\n';
    assert_int_equal(lines, nreceipts + 1); /* + the burst's */
    free(text);
  }
  snprintf(p, sizeof p, "/e/" EL "/receipts?code=%s", receipts[0]);
  r = hc_request(srv, "GET", p, hc_new_addr(), NULL, 0);
  check_status(r, 200);
  has(r, "counted");
  hc_resp_free(r);
  /* a changed receipts.txt fails verification */
  {
    FILE *f = fopen(con, "ab");
    char *argv[] = {(char *)bin, "verify-results", NULL, "--key", hex, NULL};
    char pk_dir[512];
    assert_non_null(f);
    fputs("AAAA-AAAA-AAAA-AAAA\n", f);
    fclose(f);
    snprintf(pk_dir, sizeof pk_dir, "%s/pack", dir);
    argv[2] = pk_dir;
    assert_int_equal(tu_run(argv, out, NULL), 2);
  }
}

static void test_secrecy(void **state) {
  (void)state;
  assert_int_equal(sql("SELECT count(*) FROM pragma_table_info('ballots') "
                       "WHERE name NOT IN ('contest_id', 'key', "
                       "'ranking')"),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM pragma_table_info('receipts') "
                       "WHERE name NOT IN ('election_id', 'code')"),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM credentials"), 0);
  /* who voted is forgotten, and the voters' candidate orders cannot be
  ** recomputed: their salt is gone */
  assert_int_equal(sql("SELECT count(*) FROM electors WHERE voted = 1"), 0);
  assert_int_equal(sql("SELECT count(*) FROM election_keys WHERE "
                       "order_salt IS NOT NULL"),
                   0);
  /* the write-ahead log was truncated after publication */
  {
    char wal[320];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", demo);
    assert_true(stat(wal, &sb) != 0 || sb.st_size == 0);
  }
  assert_int_equal(sql("SELECT count(*) FROM audit WHERE line LIKE "
                       "'%/v/%'"),
                   0);
  assert_int_equal(sql("SELECT count(*) FROM audit a JOIN receipts r ON "
                       "instr(a.line, r.code) > 0"),
                   0);
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state) {
  (void)state;
  return tu_voting_demo(argv0, "vote", ADMIN_PW, dir, demo, &srv, token);
}

static int group_teardown(void **state) {
  const char *bin = hc_bin_from_argv0(argv0);
  char *verify[] = {(char *)bin, "audit-verify", "--db", demo, NULL};
  int rc = 0;
  (void)state;
  if (srv && hc_stop(srv) != 0) rc = -1;
  srv = NULL;
  if (tu_run(verify, NULL, NULL) != 0) {
    fprintf(stderr, "# audit-verify failed on %s\n", demo);
    rc = -1;
  }
  if (!getenv("HC_KEEP")) {
    char cmd[600];
    /* only our own mkdtemp directory */
    snprintf(cmd, sizeof cmd, "%s", dir);
    {
      char *argv[] = {"/bin/rm", "-rf", cmd, NULL};
      tu_run(argv, NULL, NULL);
    }
  }
  return rc;
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key),
      cmocka_unit_test(test_ballot_page),
      cmocka_unit_test(test_review_cast),
      cmocka_unit_test(test_burst),
      cmocka_unit_test(test_not_eligible),
      cmocka_unit_test(test_withdrawal),
      cmocka_unit_test(test_results),
      cmocka_unit_test(test_secrecy),
  };
  (void)argc;
  argv0 = argv[0];
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests_name("vote", tests, group_setup,
                                     group_teardown);
}
