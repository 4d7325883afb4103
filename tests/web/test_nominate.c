/*
** test_nominate.c: integration test of the candidates' side of
** nominations (src/web/p_nominate.c, svc_nominate.c) against the real
** server: the nomination form, submitting, the private edit link, field
** errors, XSS in every page that shows a candidate's text, body caps and
** CSRF (nothing changes), the preview, the deadline (moved past with
** HUSTINGS_TEST_CLOCK_FILE), withdrawal, and branches' supporting
** nominations with the public thresholds page.  A long statement: 2000
** words of English are taken, one in Cyrillic past 20000 bytes is
** refused on its field (not by the body cap).
**
** The election is seeded by SQL on the server's own database (fresh,
** migrated by serve), so the test does not depend on the demo's content;
** branch links are made with the server's key file (auth_load_key).  The
** server runs with --trust-proxy 127.0.0.1 and every request carries its
** own X-Forwarded-For address, so the form rate limit (10 a minute per
** address) does not stop the test.
**
** The cases run in order on one server and build on each other (the
** first nomination is edited, supported, then read after the deadline).
** Prints TAP (CMOCKA_MESSAGE_OUTPUT=TAP).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "client.h"
#include "web.h"

#define E "steering-2027"
#define FORM "/e/" E "/c/general/nominate"
#define SUPPORT "/e/" E "/c/general/support"

static const char *bin;
static hc_server *srv;
static sqlite3 *wdb;         /* the test's own read-write connection */
static char clock_file[600]; /* HUSTINGS_TEST_CLOCK_FILE */
static char csrf[65];
static int64_t qid[3];          /* questions; the third takes no comment */
static char fa[3][32], fc[3][32]; /* "answers.ID", "comments.ID" */
static char branch_tok[2][TOKEN_LEN + 1];
static char ada_tok[TOKEN_LEN + 1]; /* the first nomination's link */
static int64_t ada_id;
static char bob_tok[TOKEN_LEN + 1]; /* the XSS nomination's link */

/* ------------------------------------------------------------- helpers */

/* Each request from a new address (hc_new_addr; see the top). */
static hc_resp *get(const char *path) {
  return hc_request(srv, "GET", path, hc_new_addr(), NULL, 0);
}

static hc_resp *post(const char *path, const char *const fields[]) {
  return hc_post_formv(srv, path, hc_new_addr(), fields);
}

static int64_t sqlv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sqlv(const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  return hc_sql(srv, sql);
}

/* The first column of the first row as text (malloc'd; "" if none). */
static char *sql_text(const char *sql) {
  sqlite3_stmt *st = NULL;
  char *out = NULL;
  if (sqlite3_prepare_v2(wdb, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out ? out : strdup("");
}

static void exec_ok(const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(wdb, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "# seed: %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    fail();
  }
}

/* Everything a nomination can change, to show that nothing did. */
typedef struct snap {
  int64_t nominations, statements, answers, cats, supporters, withdrawals,
      outbox, decisions, audit_seq, audit_nom;
  char *md; /* every statement, concatenated */
} snap;

static snap take(void) {
  snap s;
  s.nominations = hc_sql(srv, "SELECT count(*) FROM nominations");
  s.statements = hc_sql(srv, "SELECT count(*) FROM statements");
  s.answers = hc_sql(srv, "SELECT count(*) FROM answers");
  s.cats = hc_sql(srv, "SELECT count(*) FROM nomination_categories");
  s.supporters = hc_sql(srv, "SELECT count(*) FROM supporters");
  s.withdrawals = hc_sql(srv, "SELECT count(*) FROM withdrawals");
  s.outbox = hc_sql(srv, "SELECT count(*) FROM outbox");
  s.decisions = hc_sql(srv, "SELECT count(*) FROM decisions");
  s.audit_seq = hc_sql(srv, "SELECT max(seq) FROM audit");
  /* the timetable clock may add "election.phase" entries on its own */
  s.audit_nom = hc_sql(srv, "SELECT count(*) FROM audit WHERE action <> "
                            "'election.phase'");
  s.md = sql_text("SELECT group_concat(markdown || name || email || "
                  "status || updated_at, '|') FROM statements JOIN "
                  "nominations ON id = nomination_id");
  return s;
}

/* strict: the audit head too (no clock move can happen in between). */
static void same(snap *a, int strict) {
  snap b = take();
  assert_int_equal(a->nominations, b.nominations);
  assert_int_equal(a->statements, b.statements);
  assert_int_equal(a->answers, b.answers);
  assert_int_equal(a->cats, b.cats);
  assert_int_equal(a->supporters, b.supporters);
  assert_int_equal(a->withdrawals, b.withdrawals);
  assert_int_equal(a->outbox, b.outbox);
  assert_int_equal(a->decisions, b.decisions);
  assert_int_equal(a->audit_nom, b.audit_nom);
  if (strict) assert_int_equal(a->audit_seq, b.audit_seq);
  assert_string_equal(a->md, b.md);
  free(a->md);
  free(b.md);
}

static void snap_free(snap *s) { free(s->md); }

/* The fields of a nomination: a valid one, changed by the caller. */
typedef struct nom {
  const char *name, *email, *statement;
  const char *answer[3];  /* NULL leaves the question out */
  const char *comment[3]; /* NULL leaves the comment out */
  const char *cat[2];
  const char *declaration, *action, *csrf;
} nom;

static nom valid(void) {
  nom n;
  memset(&n, 0, sizeof n);
  n.name = "Ada Brennan";
  n.email = "ada@example.org";
  n.statement = "I will work **hard** for the members.\n\n- more meetings\n"
                "- open books\n";
  n.answer[0] = "yes";
  n.answer[1] = "no";
  n.answer[2] = "yes";
  n.comment[0] = "Only with the members' agreement.";
  n.cat[0] = "woman";
  n.declaration = "yes";
  n.csrf = csrf;
  return n;
}

static hc_resp *send_nom(const char *path, const nom *n) {
  const char *f[64];
  size_t k = 0, i;
#define ADD(a, b)                                                            \
  do {                                                                       \
    f[k++] = (a);                                                            \
    f[k++] = (b);                                                            \
  } while (0)
  if (n->csrf) ADD("csrf", n->csrf);
  if (n->name) ADD("name", n->name);
  if (n->email) ADD("email", n->email);
  if (n->statement) ADD("statement", n->statement);
  for (i = 0; i < 3; i++) {
    if (n->answer[i]) ADD(fa[i], n->answer[i]);
    if (n->comment[i]) ADD(fc[i], n->comment[i]);
  }
  for (i = 0; i < 2; i++)
    if (n->cat[i]) ADD("categories", n->cat[i]);
  if (n->declaration) ADD("declaration", n->declaration);
  if (n->action) ADD("action", n->action);
#undef ADD
  f[k] = NULL;
  return post(path, f);
}

/* The token of a Location "/n/TOKEN?..." */
static void token_from(const hc_resp *r, char out[TOKEN_LEN + 1]) {
  const char *loc = hc_header(r, "Location");
  out[0] = 0;
  assert_non_null(loc);
  assert_true(strncmp(loc, "/n/", 3) == 0);
  assert_true(strlen(loc) >= 3 + TOKEN_LEN);
  memcpy(out, loc + 3, TOKEN_LEN);
  out[TOKEN_LEN] = 0;
}

/* 1 if tag holds " on<letters>=" (onload=, onclick=, ...). */
static int event_attr(const char *tag) {
  const char *p = tag;
  while ((p = strstr(p, " on")) != NULL) {
    p += 3;
    while (*p >= 'a' && *p <= 'z') p++;
    if (*p == '=') return 1;
  }
  return 0;
}

/* No markup that can run script: every "<script" is the word count's own
** tag, and no tag holds an event attribute or a javascript: URL.  Text
** is escaped, so each '<' starts a real tag. */
static void assert_safe(const char *html) {
  const char *p = html;
  while ((p = strchr(p, '<')) != NULL) {
    const char *end = strchr(p, '>');
    char tag[4096];
    size_t n, i;
    assert_non_null(end);
    n = (size_t)(end - p + 1);
    if (n >= sizeof tag) n = sizeof tag - 1;
    for (i = 0; i < n; i++)
      tag[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
    tag[n] = 0;
    if (strncmp(tag, "<script", 7) == 0 &&
        strcmp(tag, "<script src=\"/static/wordcount.js\" defer>") != 0) {
      fprintf(stderr, "# unsafe tag: %s\n", tag);
      fail();
    }
    if (strstr(tag, "javascript:") || strstr(tag, "onerror") ||
        event_attr(tag)) {
      fprintf(stderr, "# unsafe tag: %s\n", tag);
      fail();
    }
    p = end + 1;
  }
}

/* ---------------------------------------------------------------- setup */

static void seed(void) {
  char sql[2048];
  int64_t now = (int64_t)time(NULL), el;
  sqlite3_stmt *st;
  char err[256];
  int i;
  assert_int_equal(sqlite3_open_v2(hc_db(srv), &wdb, SQLITE_OPEN_READWRITE,
                                   NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(wdb, 5000);
  exec_ok("PRAGMA foreign_keys = ON");
  exec_ok("INSERT INTO orgs (slug, name, tz) VALUES ('nsn', 'Northfield "
          "Socialist Network', 'Europe/London')");
  snprintf(sql, sizeof sql,
           "INSERT INTO elections (org_id, slug, title, tz, phase, "
           "word_limit, declaration_md, created_at) VALUES (1, '" E "', "
           "'Steering committee 2027', 'Europe/London', 'nominations', 250, "
           "'I am a **member** in good standing.', %lld)", (long long)now);
  exec_ok(sql);
  el = sqlite3_last_insert_rowid(wdb);
  snprintf(sql, sizeof sql,
           "INSERT INTO election_orgs VALUES (%lld, 1);"
           "INSERT INTO timetable VALUES (%lld, 'nominations_open', %lld, "
           "'2026-01-01T09:00', 0);"
           "INSERT INTO timetable VALUES (%lld, 'nominations_close', %lld, "
           "'2026-01-08T09:00', 0);"
           "INSERT INTO contests (election_id, slug, title, position, seats, "
           "rules, threshold, threshold_kind) VALUES (%lld, 'general', "
           "'General seats', 1, 9, 'scottish', 2, 'branch');"
           "INSERT INTO contests (election_id, slug, title, position, seats, "
           "rules) VALUES (%lld, 'bame', 'BAME seat', 2, 1, 'irv');"
           "INSERT INTO categories (election_id, slug, label) VALUES "
           "(%lld, 'woman', 'Woman'), (%lld, 'bame', 'Black, Asian or "
           "minority ethnic');",
           (long long)el, (long long)el, (long long)(now - 86400),
           (long long)el, (long long)(now + 7 * 86400), (long long)el,
           (long long)el, (long long)el, (long long)el);
  exec_ok(sql);
  for (i = 0; i < 3; i++) {
    snprintf(sql, sizeof sql,
             "INSERT INTO questions (election_id, position, text, short, "
             "allow_comment) VALUES (%lld, %d, 'Question %d: will you "
             "publish the minutes?', 'Q%d', %d)",
             (long long)el, i + 1, i + 1, i + 1, i < 2);
    exec_ok(sql);
    qid[i] = sqlite3_last_insert_rowid(wdb);
    snprintf(fa[i], sizeof fa[i], "answers.%lld", (long long)qid[i]);
    snprintf(fc[i], sizeof fc[i], "comments.%lld", (long long)qid[i]);
  }
  /* branch links, hashed with the server's own key */
  assert_int_equal(auth_load_key(hc_db(srv), err, sizeof err), WEB_OK);
  for (i = 0; i < 2; i++) {
    unsigned char h[32];
    auth_token_new(NULL, branch_tok[i], sizeof branch_tok[i]);
    auth_token_hash(branch_tok[i], h);
    assert_int_equal(
        sqlite3_prepare_v2(wdb, "INSERT INTO branches (election_id, name, "
                                "link_hash) VALUES (?1, ?2, ?3)",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, el);
    sqlite3_bind_text(st, 2, i ? "Riverside" : "Eastfield", -1,
                      SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, h, 32, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
  }
}

static void set_clock(int64_t offset) {
  FILE *f = fopen(clock_file, "w");
  assert_non_null(f);
  fprintf(f, "%lld\n", (long long)offset);
  fclose(f);
}

static int group_setup(void **state) {
  static const char *const extra[] = {"--trust-proxy", "127.0.0.1", NULL};
  const char *tmp = getenv("TMPDIR");
  (void)state;
  snprintf(clock_file, sizeof clock_file, "%s/hustings-nominate-clock-%d",
           tmp && *tmp ? tmp : "/tmp", (int)getpid());
  set_clock(0);
  setenv("HUSTINGS_TEST_CLOCK_FILE", clock_file, 1);
  srv = hc_start(bin, extra);
  if (!srv) return -1;
  seed();
  return hc_get_csrf(srv, FORM, hc_new_addr(), csrf) ? 0 : -1;
}

static int group_teardown(void **state) {
  int rc;
  (void)state;
  if (wdb) sqlite3_close(wdb);
  rc = srv ? hc_stop(srv) : 0;
  remove(clock_file);
  return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- cases */

static void form_has_csrf_wordcount_script(void **state) {
  hc_resp *r = get(FORM);
  char tok[65];
  (void)state;
  assert_int_equal(r->status, 200);
  assert_true(hc_csrf(r->body, tok));
  assert_int_equal(strlen(tok), 64);
  assert_non_null(hc_find(r->body, "<textarea id=\"f-statement\" "
                                   "name=\"statement\""));
  assert_non_null(hc_find(r->body, "data-limit=\"250\""));
  assert_non_null(hc_find(r->body, "<p id=\"f-statement-wc\" "
                                   "class=\"wordcount\" "
                                   "aria-live=\"polite\">0 words of 250</p>"));
  assert_non_null(hc_find(r->body, "<script src=\"/static/wordcount.js\" "
                                   "defer></script>"));
  assert_non_null(hc_find(r->body, "Words are counted as"));
  assert_non_null(hc_find(r->body, "name=\"action\" value=\"preview\""));
  assert_non_null(hc_find(r->body, "type=\"email\""));
  assert_non_null(hc_find(r->body, "autocomplete=\"email\""));
  /* a fieldset + legend and Yes/No radios per question; comment only where
  ** allowed */
  assert_non_null(hc_find(r->body, "<legend>Question 1: will you"));
  assert_non_null(hc_find(r->body, fa[2]));
  assert_non_null(hc_find(r->body, fc[0]));
  assert_null(hc_find(r->body, fc[2]));
  assert_non_null(hc_find(r->body, "Which of these describe you?"));
  assert_non_null(hc_find(r->body, "value=\"woman\""));
  /* the declaration, rendered from Markdown, and its box */
  assert_non_null(hc_find(r->body, "<strong>member</strong>"));
  assert_non_null(hc_find(r->body, "name=\"declaration\" value=\"yes\" "
                                   "required"));
  hc_resp_free(r);
  /* unknown contest and election */
  r = get("/e/" E "/c/nope/nominate");
  assert_int_equal(r->status, 404);
  hc_resp_free(r);
  r = get("/e/nope/c/general/nominate");
  assert_int_equal(r->status, 404);
  hc_resp_free(r);
}

static void submit_ok_shows_link_once(void **state) {
  snap a = take();
  nom n = valid();
  hc_resp *r, *g;
  char sql[512], *md;
  (void)state;
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 303);
  token_from(r, ada_tok);
  assert_non_null(strstr(hc_header(r, "Location"), "?new=1"));
  hc_resp_free(r);
  /* one of each row, one audit entry, one email */
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM nominations"),
                   a.nominations + 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM statements"),
                   a.statements + 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM answers"), a.answers + 3);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM nomination_categories"),
                   a.cats + 1);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), a.audit_seq + 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM outbox"), a.outbox + 1);
  ada_id = hc_sql(srv, "SELECT max(id) FROM nominations");
  assert_int_equal(sqlv("SELECT count(*) FROM audit WHERE seq = %lld AND "
                        "action = 'nomination.submit' AND actor = "
                        "'candidate:%lld'", (long long)a.audit_seq + 1,
                        (long long)ada_id), 1);
  /* no email and no token in the audit log; the token only in the email */
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM audit WHERE "
                               "instr(line, 'ada@example.org')"), 0);
  assert_int_equal(sqlv("SELECT count(*) FROM audit WHERE instr(line, '%s')",
                        ada_tok), 0);
  assert_int_equal(sqlv("SELECT count(*) FROM outbox WHERE to_addr = "
                        "'ada@example.org' AND instr(body, '/n/%s')",
                        ada_tok), 1);
  assert_int_equal(sqlv("SELECT length(edit_hash) FROM nominations WHERE id "
                        "= %lld", (long long)ada_id), 32);
  /* the statement: markdown, rendering, words, renderer */
  snprintf(sql, sizeof sql, "SELECT html || '|' || words || '|' || renderer "
           "FROM statements WHERE nomination_id = %lld", (long long)ada_id);
  md = sql_text(sql);
  assert_non_null(strstr(md, "<strong>hard</strong>"));
  assert_non_null(strstr(md, "<li>open books</li>"));
  assert_non_null(strstr(md, "|11|"));
  free(md);
  assert_int_equal(sqlv("SELECT count(*) FROM answers WHERE nomination_id = "
                        "%lld AND question_id = %lld AND answer = 'no'",
                        (long long)ada_id, (long long)qid[1]), 1);
  /* the page behind the redirect shows the private link */
  snprintf(sql, sizeof sql, "/n/%s?new=1", ada_tok);
  g = get(sql);
  assert_int_equal(g->status, 200);
  assert_non_null(hc_find(g->body, "has been received"));
  snprintf(sql, sizeof sql, "/n/%s</code>", ada_tok);
  assert_non_null(hc_find(g->body, sql));
  assert_string_equal(hc_header(g, "Cache-Control"), "no-store");
  hc_resp_free(g);
  /* without ?new=1 the link is not printed again */
  snprintf(sql, sizeof sql, "/n/%s", ada_tok);
  g = get(sql);
  assert_int_equal(g->status, 200);
  assert_null(hc_find(g->body, "has been received"));
  hc_resp_free(g);
  snap_free(&a);
}

static void edit_link_edits(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[128], *md;
  snap a = take();
  (void)state;
  snprintf(path, sizeof path, "/n/%s", ada_tok);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "value=\"Ada Brennan\""));
  assert_non_null(hc_find(r->body, "Change your nomination"));
  assert_non_null(hc_find(r->body, "Withdraw my nomination"));
  /* the stored answers are prefilled */
  assert_non_null(hc_find(r->body, "value=\"no\" checked"));
  assert_non_null(hc_find(r->body, "value=\"woman\" checked"));
  hc_resp_free(r);
  n.statement = "A new statement of exactly seven words.";
  n.cat[0] = "bame";
  r = send_nom(path, &n);
  assert_int_equal(r->status, 303);
  assert_non_null(strstr(hc_header(r, "Location"), "?saved=1"));
  hc_resp_free(r);
  md = sql_text("SELECT markdown || '|' || words FROM statements ORDER BY "
                "nomination_id DESC LIMIT 1");
  assert_string_equal(md, "A new statement of exactly seven words.|7");
  free(md);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM nominations"),
                   a.nominations);
  assert_int_equal(sqlv("SELECT count(*) FROM nomination_categories nc JOIN "
                        "categories c ON c.id = nc.category_id WHERE "
                        "nomination_id = %lld AND c.slug = 'bame'",
                        (long long)ada_id), 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM nomination_categories"),
                   a.cats);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), a.audit_seq + 1);
  md = sql_text("SELECT action || ' ' || line FROM audit ORDER BY seq DESC "
                "LIMIT 1");
  assert_non_null(strstr(md, "nomination.edit "));
  assert_non_null(strstr(md, "\"old_statement\":\""));
  assert_non_null(strstr(md, "\"new_statement\":\""));
  free(md);
  /* an unknown link */
  r = get("/n/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_int_equal(r->status, 404);
  hc_resp_free(r);
  r = get("/n/short");
  assert_int_equal(r->status, 404);
  hc_resp_free(r);
  snap_free(&a);
}

/* A 422 with the field's message and nothing stored. */
static void refused_on(const nom *n, const char *field, const char *text) {
  snap a = take();
  hc_resp *r = send_nom(FORM, n);
  char id[96];
  assert_int_equal(r->status, 422);
  snprintf(id, sizeof id, "id=\"f-%s-error\"", field);
  assert_non_null(hc_find(r->body, id));
  snprintf(id, sizeof id, "href=\"#f-%s\"", field);
  assert_non_null(hc_find(r->body, id)); /* the error summary's link */
  snprintf(id, sizeof id, "id=\"f-%s\"", field);
  assert_non_null(hc_find(r->body, id)); /* ... and its target */
  if (text) assert_non_null(hc_find(r->body, text));
  assert_non_null(hc_find(r->body, "There is a problem"));
  same(&a, 1);
  hc_resp_free(r);
}

static void too_many_words(void **state) {
  nom n = valid();
  char *s = malloc(251 * 5 + 1);
  int i;
  (void)state;
  for (i = 0; i < 251; i++) memcpy(s + 5 * i, "word ", 5);
  s[251 * 5] = 0;
  n.statement = s;
  refused_on(&n, "statement", "Your statement has 251 words; the limit is "
                              "250.");
  free(s);
}

/* The word limit goes up to 2000; a statement is at most 20000 bytes,
** which a whole form body (64 KiB) carries even when every byte is
** percent-encoded.  So 2000 words of English are taken; a statement in
** Cyrillic past 20000 bytes gets a message on its field (422), not the
** body cap's 413, and saves nothing. */
static void long_statement(void **state) {
  nom n = valid();
  char *s = malloc(2001 * 6 + 1), *cyr;
  size_t i, len;
  hc_resp *r;
  snap a;
  (void)state;
  exec_ok("UPDATE elections SET word_limit = 2000");
  r = get(FORM);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "data-maxbytes=\"20000\""));
  assert_non_null(hc_find(r->body, "2000 words and 20000 bytes"));
  hc_resp_free(r);
  /* 2000 words of English: fine (checked with the preview, which saves
  ** nothing) */
  assert_non_null(s);
  for (i = 0; i < 2000; i++) memcpy(s + 6 * i, "words ", 6);
  s[2000 * 6] = 0;
  n.statement = s;
  n.action = "preview";
  a = take();
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "2000 words of 2000"));
  assert_null(hc_find(r->body, "There is a problem"));
  hc_resp_free(r);
  same(&a, 1);
  /* 1600 words of Cyrillic: 20800 bytes, 62400 once percent-encoded */
  cyr = malloc(1600 * 13 + 1);
  assert_non_null(cyr);
  for (i = 0, len = 0; i < 1600; i++, len += 13)
    memcpy(cyr + len, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 ",
           13); /* "привет " */
  cyr[len] = 0;
  n = valid();
  n.statement = cyr;
  refused_on(&n, "statement", "it takes 20800 bytes and the limit is 20000");
  free(cyr);
  /* one word over 2000 is still a word count error */
  memcpy(s + 2000 * 6, "extra", 6);
  n = valid();
  n.statement = s;
  refused_on(&n, "statement", "Your statement has 2001 words; the limit is "
                              "2000.");
  free(s);
  exec_ok("UPDATE elections SET word_limit = 250");
}

static void missing_answer(void **state) {
  nom n = valid();
  (void)state;
  n.answer[1] = NULL;
  refused_on(&n, fa[1], "Answer yes or no to");
  n = valid();
  n.answer[0] = "maybe";
  refused_on(&n, fa[0], NULL);
}

static void missing_declaration(void **state) {
  nom n = valid();
  (void)state;
  n.declaration = NULL;
  refused_on(&n, "declaration", "agree to the declaration");
}

static void bad_email(void **state) {
  nom n = valid();
  (void)state;
  n.email = "not-an-email";
  refused_on(&n, "email", "name@example.org");
  n.email = "a@b";
  refused_on(&n, "email", NULL);
  n.email = "";
  refused_on(&n, "email", NULL);
}

static void other_field_errors(void **state) {
  nom n = valid();
  (void)state;
  n.name = "   ";
  refused_on(&n, "name", "Enter your name.");
  n = valid();
  n.comment[2] = "a comment where none is taken";
  refused_on(&n, fc[2], "takes no comment");
  n = valid();
  n.cat[1] = "martian";
  refused_on(&n, "categories", NULL);
  n = valid();
  n.name = "Ada\nBrennan";
  refused_on(&n, "name", "control characters");
}

static void broken_utf8_name(void **state) {
  nom n = valid();
  hc_resp *r;
  snap a = take();
  (void)state;
  n.name = "Ada \xC3\x28 Brennan";
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 422);
  assert_non_null(hc_find(r->body, "id=\"f-name-error\""));
  assert_non_null(hc_find(r->body, "not valid text"));
  /* the broken bytes are not echoed back into the page */
  assert_true(utf8_valid(r->body, r->body_len));
  same(&a, 1);
  hc_resp_free(r);
}

static void xss_is_inert(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[128], *md;
  const char *pages[4];
  size_t i;
  (void)state;
  n.name = "<script>alert(1)</script>";
  n.email = "bob@example.org";
  n.statement = "Hello <script>alert(1)</script> there\n\n"
                "<img src=x onerror=alert(1)> and [x](javascript:alert(1)) "
                "and <a href=\"JaVaScRiPt:alert(1)\">y</a>";
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 303);
  token_from(r, bob_tok);
  hc_resp_free(r);
  /* stored as given */
  md = sql_text("SELECT name FROM nominations ORDER BY id DESC LIMIT 1");
  assert_string_equal(md, "<script>alert(1)</script>");
  free(md);
  md = sql_text("SELECT html FROM statements ORDER BY nomination_id DESC "
                "LIMIT 1");
  assert_safe(md);
  assert_null(strstr(md, "javascript:"));
  free(md);
  /* every page that shows them: the private page (form and preview), the
  ** public support page, the branch page */
  snprintf(path, sizeof path, "/n/%s", bob_tok);
  pages[0] = path;
  pages[1] = SUPPORT;
  pages[2] = NULL;
  for (i = 0; pages[i]; i++) {
    r = get(pages[i]);
    assert_int_equal(r->status, 200);
    assert_non_null(hc_find(r->body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_safe(r->body);
    hc_resp_free(r);
  }
  snprintf(path, sizeof path, "/s/%s", branch_tok[0]);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_safe(r->body);
  hc_resp_free(r);
  /* the preview renders the statement: still inert */
  n.action = "preview";
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "Preview of your statement"));
  assert_safe(r->body);
  hc_resp_free(r);
}

static void oversized_body(void **state) {
  nom n = valid();
  size_t len = 70 << 10;
  char *big = malloc(len + 1);
  hc_resp *r;
  snap a = take();
  (void)state;
  memset(big, 'a', len);
  big[len] = 0;
  n.statement = big;
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 413);
  hc_resp_free(r);
  same(&a, 1);
  free(big);
}

static void forged_csrf(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[128];
  snap a = take();
  (void)state;
  n.csrf = "0000000000000000000000000000000000000000000000000000000000000000";
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 403);
  hc_resp_free(r);
  n.csrf = NULL;
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 403);
  hc_resp_free(r);
  /* the edit link too */
  n.csrf = "0000000000000000000000000000000000000000000000000000000000000000";
  n.statement = "Forged.";
  snprintf(path, sizeof path, "/n/%s", ada_tok);
  r = send_nom(path, &n);
  assert_int_equal(r->status, 403);
  hc_resp_free(r);
  same(&a, 1);
}

static void preview_saves_nothing(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[128];
  snap a = take();
  (void)state;
  n.statement = "Five **bold** words right here";
  n.action = "preview";
  n.declaration = NULL; /* other fields are not checked by the preview */
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, ">5 words of 250</p>"));
  assert_non_null(hc_find(r->body, "<strong>bold</strong>"));
  assert_null(hc_find(r->body, "There is a problem"));
  /* what was typed is kept */
  assert_non_null(hc_find(r->body, "value=\"Ada Brennan\""));
  hc_resp_free(r);
  /* over the limit: the count says so */
  {
    char *s = malloc(300 * 2 + 1);
    int i;
    for (i = 0; i < 300; i++) memcpy(s + 2 * i, "w ", 2);
    s[600] = 0;
    n.statement = s;
    r = send_nom(FORM, &n);
    assert_int_equal(r->status, 200);
    assert_non_null(hc_find(r->body, "class=\"wordcount over\""));
    assert_non_null(hc_find(r->body, "300 words: over the limit of 250"));
    assert_non_null(hc_find(r->body, "id=\"f-statement-error\""));
    hc_resp_free(r);
    free(s);
  }
  /* on the edit link as well */
  snprintf(path, sizeof path, "/n/%s", ada_tok);
  n.statement = "Preview only, not saved.";
  r = send_nom(path, &n);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "Preview of your statement"));
  hc_resp_free(r);
  same(&a, 1);
}

static void branch_support(void **state) {
  hc_resp *r;
  char path[128], id[32], body[128];
  const char *f[8];
  snap a = take();
  int64_t before;
  (void)state;
  snprintf(path, sizeof path, "/s/%s", branch_tok[0]);
  snprintf(id, sizeof id, "%lld", (long long)ada_id);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  assert_non_null(hc_find(r->body, "Eastfield"));
  snprintf(body, sizeof body, "name=\"support\" value=\"%s\">", id);
  assert_non_null(hc_find(r->body, body)); /* not ticked yet */
  hc_resp_free(r);
  f[0] = "csrf";
  f[1] = csrf;
  f[2] = "support";
  f[3] = id;
  f[4] = NULL;
  r = post(path, f);
  assert_int_equal(r->status, 303);
  hc_resp_free(r);
  assert_int_equal(sqlv("SELECT count(*) FROM supporters WHERE "
                        "nomination_id = %lld AND revoked_at IS NULL AND "
                        "source = 'branch_link'", (long long)ada_id), 1);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), a.audit_seq + 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM audit WHERE action = "
                               "'support.add' AND actor LIKE 'branch:%'"), 1);
  /* the same again: no second supporter, no audit entry */
  before = hc_sql(srv, "SELECT max(seq) FROM audit");
  r = post(path, f);
  assert_int_equal(r->status, 303);
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM supporters"),
                   a.supporters + 1);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), before);
  r = get(path);
  snprintf(body, sizeof body, "name=\"support\" value=\"%s\" checked>", id);
  assert_non_null(hc_find(r->body, body));
  hc_resp_free(r);
  /* public page: 1 of 2, not yet */
  r = get(SUPPORT);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "<th scope=\"row\">Ada Brennan</th><td "
                                   "class=\"num\">1 of 2</td><td>Not yet"));
  assert_non_null(hc_find(r->body, "<caption"));
  hc_resp_free(r);
  /* the second branch: reached */
  snprintf(path, sizeof path, "/s/%s", branch_tok[1]);
  r = post(path, f);
  assert_int_equal(r->status, 303);
  hc_resp_free(r);
  r = get(SUPPORT);
  assert_non_null(hc_find(r->body, "<th scope=\"row\">Ada Brennan</th><td "
                                   "class=\"num\">2 of 2</td><td>"));
  assert_non_null(hc_find(r->body, "Reached"));
  hc_resp_free(r);
  /* the second branch takes its support back */
  f[2] = NULL;
  r = post(path, f);
  assert_int_equal(r->status, 303);
  hc_resp_free(r);
  assert_int_equal(sqlv("SELECT count(*) FROM supporters WHERE "
                        "nomination_id = %lld AND revoked_at IS NULL",
                        (long long)ada_id), 1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM audit WHERE action = "
                               "'support.revoke'"), 1);
  r = get(SUPPORT);
  assert_non_null(hc_find(r->body, "1 of 2</td><td>Not yet"));
  hc_resp_free(r);
  /* a contest with no threshold, an unknown branch link, forged CSRF */
  r = get("/e/" E "/c/bame/support");
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "need no supporting"));
  hc_resp_free(r);
  r = get("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_int_equal(r->status, 404);
  hc_resp_free(r);
  before = hc_sql(srv, "SELECT max(seq) FROM audit");
  f[1] = "0000000000000000000000000000000000000000000000000000000000000000";
  f[2] = "support";
  r = post(path, f);
  assert_int_equal(r->status, 403);
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), before);
  snap_free(&a);
}

static void withdraw_by_link(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[160], tok[TOKEN_LEN + 1];
  const char *f[4] = {"csrf", csrf, NULL, NULL};
  int64_t id, seq;
  (void)state;
  n.name = "Carol Withdrawn";
  n.email = "carol@example.org";
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 303);
  token_from(r, tok);
  hc_resp_free(r);
  id = hc_sql(srv, "SELECT max(id) FROM nominations");
  snprintf(path, sizeof path, "/n/%s/withdraw", tok);
  r = get(path); /* the confirmation page changes nothing */
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "Yes, withdraw my nomination"));
  hc_resp_free(r);
  assert_int_equal(sqlv("SELECT count(*) FROM nominations WHERE id = %lld "
                        "AND status = 'submitted'", (long long)id), 1);
  seq = hc_sql(srv, "SELECT max(seq) FROM audit");
  r = post(path, f);
  assert_int_equal(r->status, 303);
  hc_resp_free(r);
  assert_int_equal(sqlv("SELECT count(*) FROM nominations WHERE id = %lld "
                        "AND status = 'withdrawn'", (long long)id), 1);
  assert_int_equal(sqlv("SELECT count(*) FROM withdrawals WHERE "
                        "nomination_id = %lld AND by = 'candidate'",
                        (long long)id), 1);
  assert_int_equal(sqlv("SELECT count(*) FROM audit WHERE seq = %lld AND "
                        "action = 'nomination.withdraw'", (long long)seq + 1),
                   1);
  /* twice: 409, nothing more */
  r = post(path, f);
  assert_int_equal(r->status, 409);
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT max(seq) FROM audit"), seq + 1);
  /* the private page is read-only now and says so */
  snprintf(path, sizeof path, "/n/%s", tok);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "status-withdrawn"));
  assert_null(hc_find(r->body, "name=\"statement\""));
  hc_resp_free(r);
  /* and no longer on the support page */
  r = get(SUPPORT);
  assert_null(hc_find(r->body, "Carol Withdrawn"));
  hc_resp_free(r);
}

static void after_deadline(void **state) {
  nom n = valid();
  hc_resp *r;
  char path[128];
  snap a;
  (void)state;
  set_clock(8 * 86400); /* past nominations_close */
  a = take();
  r = get(FORM);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "have closed"));
  assert_non_null(hc_find(r->body, "<time datetime="));
  assert_null(hc_find(r->body, "name=\"statement\""));
  hc_resp_free(r);
  r = send_nom(FORM, &n);
  assert_int_equal(r->status, 409);
  hc_resp_free(r);
  /* the edit link is read-only, and a POST to it is refused */
  snprintf(path, sizeof path, "/n/%s", ada_tok);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_null(hc_find(r->body, "name=\"statement\""));
  assert_non_null(hc_find(r->body, "no longer be changed"));
  assert_non_null(hc_find(r->body, "status-submitted"));
  assert_non_null(hc_find(r->body, "A new statement of exactly seven words."));
  assert_non_null(hc_find(r->body, "Withdraw my nomination"));
  hc_resp_free(r);
  n.statement = "Too late.";
  r = send_nom(path, &n);
  assert_int_equal(r->status, 409);
  assert_non_null(hc_find(r->body, "not saved"));
  hc_resp_free(r);
  /* the XSS nomination's read-only page (stored rendering) is inert */
  snprintf(path, sizeof path, "/n/%s", bob_tok);
  r = get(path);
  assert_int_equal(r->status, 200);
  assert_non_null(hc_find(r->body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_safe(r->body);
  hc_resp_free(r);
  same(&a, 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(form_has_csrf_wordcount_script),
      cmocka_unit_test(submit_ok_shows_link_once),
      cmocka_unit_test(edit_link_edits),
      cmocka_unit_test(too_many_words),
      cmocka_unit_test(long_statement),
      cmocka_unit_test(missing_answer),
      cmocka_unit_test(missing_declaration),
      cmocka_unit_test(bad_email),
      cmocka_unit_test(other_field_errors),
      cmocka_unit_test(broken_utf8_name),
      cmocka_unit_test(xss_is_inert),
      cmocka_unit_test(oversized_body),
      cmocka_unit_test(forged_csrf),
      cmocka_unit_test(preview_saves_nothing),
      cmocka_unit_test(branch_support),
      cmocka_unit_test(withdraw_by_link),
      cmocka_unit_test(after_deadline),
  };
  (void)argc;
  bin = hc_bin_from_argv0(argv[0]);
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
