/*
** test_admin.c: integration test of the administrators' set-up pages
** (src/web/p_admin*.c) and the public election pages (p_public.c),
** driven over HTTP against a real `hustings serve` on an empty database.
**
** The cases run in order on one server and build one election: sign in
** through the setup link, create the election by form, refuse bad input,
** set the timetable (refusing a time in the spring-forward gap), add a
** category, contests with constraints and eligibility, questions (and
** move them), branches (their support link shown once), open
** nominations, publish, then read the public pages, use and revoke an
** API token, and check the audit log page and its export, whose lines
** must chain (BLAKE2b-256 recomputed here) to the head the dashboard
** shows, and which comes in parts (?after=&limit=, Link rel="next").  The
** error summaries of refused phase moves and timetable changes link only
** to elements on the page; a bad organisation is a field error.  Every refused request is checked to change nothing: the row
** counts of the set-up tables and the audit head are compared before and
** after.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "client.h"
#include "stv.h"
#include "testutil.h"

static const char *bin;
static hc_server *srv;
static char csrf[65];
static char session[512];

/* ---------------------------------------------------------------- helpers */

/* Requests are retried after a 429 (the read bucket refills at 20/s), so a
** fast test run does not trip the rate limiter; a 429 changes nothing. */
static hc_resp *get(const char *path) {
  int i;
  hc_resp *r = NULL;
  for (i = 0; i < 20; i++) {
    if (r)
      hc_resp_free(r);
    r = hc_get(srv, path);
    if (r->status != 429)
      break;
    usleep(300000);
  }
  return r;
}

/* POST a form with the session's CSRF token first; fields end with NULL. */
static hc_resp *postv(const char *path, const char *tok,
                      const char *const *fields) {
  const char *all[64];
  size_t n = 0, i;
  hc_resp *r = NULL;
  all[n++] = "csrf";
  all[n++] = tok;
  for (i = 0; fields[i] && n < 62; i++)
    all[n++] = fields[i];
  all[n] = NULL;
  for (i = 0; i < 20; i++) {
    if (r)
      hc_resp_free(r);
    r = hc_post_formv(srv, path, NULL, all);
    if (r->status != 429)
      break;
    usleep(300000);
  }
  return r;
}

#define POST(path, ...)                                                        \
  postv(path, csrf, (const char *const[]){__VA_ARGS__, NULL})

static void expect_redirect(hc_resp *r, const char *location) {
  check_status(r, 303);
  assert_non_null(hc_header(r, "Location"));
  assert_non_null(strstr(hc_header(r, "Location"), location));
}

/* The row counts of every table the set-up pages write, and the audit
** head: equal snapshots (tu_same) mean a refused request changed nothing. */
static const char *const snap_sql[] = {
    "SELECT count(*) FROM elections",
    "SELECT count(*) FROM contests",
    "SELECT count(*) FROM contest_constraints",
    "SELECT count(*) FROM contest_eligibility",
    "SELECT count(*) FROM questions",
    "SELECT count(*) FROM categories",
    "SELECT count(*) FROM branches",
    "SELECT count(*) FROM api_tokens",
    "SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL",
    "SELECT count(*) FROM timetable",
    "SELECT count(*) FROM phase_changes",
    "SELECT count(*) FROM elections WHERE published_at IS NOT NULL",
    "SELECT coalesce(sum(word_limit), 0) FROM elections",
    "SELECT coalesce(sum(length(title) + length(intro_md)), 0) FROM "
    "elections",
    "SELECT coalesce(max(seq), 0) FROM audit",
    NULL,
};

static tu_snap take(void) { return tu_snap_take(srv, snap_sql); }

/* Copies the text after marker up to the next '<' into out. */
static int extract(const char *body, const char *marker, char *out,
                   size_t cap) {
  const char *s = hc_find(body, marker), *e;
  if (!s)
    return 0;
  s += strlen(marker);
  e = strchr(s, '<');
  if (!e || (size_t)(e - s) >= cap)
    return 0;
  memcpy(out, s, (size_t)(e - s));
  out[e - s] = 0;
  return 1;
}

/* The field's error line comes inside the field, before its input. */
static void error_beside(const hc_resp *r, const char *field) {
  char err[128], input[128];
  const char *pe, *pi;
  snprintf(err, sizeof err, "id=\"f-%s-error\"", field);
  snprintf(input, sizeof input, "id=\"f-%s\"", field);
  pe = hc_find(r->body, err);
  pi = hc_find(r->body, input);
  if (!pe || !pi)
    fprintf(stderr, "# no error beside %s\n", field);
  assert_non_null(pe);
  assert_non_null(pi);
  assert_true(pe < pi);
  /* the same field's block: no other field opens between them */
  {
    const char *q = strstr(pe, "<div class=\"field");
    assert_true(q == NULL || q > pi);
  }
  has(r, "There is a problem");
}

/* Every link of the error summary (href="#f-X") has its target
** (id="f-X") on the same page, and there is a summary. */
static void summary_links_resolve(const hc_resp *r) {
  const char *sum = hc_find(r->body, "class=\"error-summary\"");
  const char *end, *a;
  assert_non_null(sum);
  end = strstr(sum, "</div>");
  assert_non_null(end);
  for (a = strstr(sum, "href=\"#"); a && a < end;
       a = strstr(a + 1, "href=\"#")) {
    char id[128], want[160];
    const char *q = strchr(a + 7, '"');
    assert_non_null(q);
    assert_true((size_t)(q - (a + 7)) < sizeof id);
    memcpy(id, a + 7, (size_t)(q - (a + 7)));
    id[q - (a + 7)] = 0;
    snprintf(want, sizeof want, "id=\"%s\"", id);
    if (!hc_find(r->body, want))
      fprintf(stderr, "# the summary links to #%s, not on the page\n", id);
    assert_non_null(hc_find(r->body, want));
  }
}

/* HTML-escapes s as esc_text does (for the library's summaries). */
static const char *html(const char *s) {
  static char out[2048];
  size_t n = 0;
  for (; *s && n + 8 < sizeof out; s++) {
    const char *rep = *s == '&'   ? "&amp;"
                      : *s == '<' ? "&lt;"
                      : *s == '>' ? "&gt;"
                                  : NULL;
    if (rep) {
      memcpy(out + n, rep, strlen(rep));
      n += strlen(rep);
    } else
      out[n++] = *s;
  }
  out[n] = 0;
  return out;
}

static void hex_of(const unsigned char *b, size_t n, char *out) {
  sodium_bin2hex(out, n * 2 + 1, b, n);
}

/* --------------------------------------------------------------- fixture */

static int start(void **state) {
  (void)state;
  if (sodium_init() < 0)
    return -1;
  srv = hc_start(bin, NULL);
  if (!srv)
    return -1;
  /* signed in, the pages' CSRF token is the session's */
  if (!hc_setup_admin(srv, "Northfield Socialist Network", "ada@example.org",
                      "Ada Brennan", "a long enough password", csrf) ||
      !hc_get_csrf(srv, "/admin", NULL, csrf))
    return -1;
  snprintf(session, sizeof session, "%s", hc_jar_get(srv, "hs"));
  return 0;
}

/* Each case starts signed in (a failed case may have left the session
** cookie out of the jar). */
static int signed_in(void **state) {
  (void)state;
  hc_jar_set(srv, "hs", session);
  return 0;
}

static int stop(void **state) {
  (void)state;
  return srv && hc_stop(srv) == 0 ? 0 : -1;
}

/* ----------------------------------------------------------------- cases */

static void test_dashboard(void **state) {
  hc_resp *r;
  (void)state;
  r = get("/admin");
  check_status(r, 200);
  has(r, "href=\"/admin/e/new\"");
  has(r, "id=\"audit-head\"");
  has(r, "href=\"/admin/audit\"");
  has(r, "href=\"/admin/tokens\"");
  has(r, "members can later check");
  assert_string_equal(hc_header(r, "Cache-Control"), "no-store");
  hc_resp_free(r);
}

static void test_no_session(void **state) {
  static const char *const paths[] = {"/admin", "/admin/e/new", "/admin/audit",
                                      "/admin/audit.jsonl", "/admin/tokens"};
  tu_snap s = take();
  hc_resp *r;
  size_t i;
  (void)state;
  hc_jar_del(srv, "hs");
  for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    r = get(paths[i]);
    expect_redirect(r, "/login");
    hc_resp_free(r);
  }
  r = POST("/admin/e/new", "title", "Sneaky", "slug", "sneaky");
  expect_redirect(r, "/login");
  hc_resp_free(r);
  r = POST("/admin/tokens", "label", "sneaky");
  expect_redirect(r, "/login");
  hc_resp_free(r);
  tu_same(srv, &s);
  hc_jar_set(srv, "hs", session);
}

static void test_csrf_refused(void **state) {
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  r = postv("/admin/e/new",
            "0000000000000000000000000000000000000000000000"
            "000000000000000000",
            (const char *const[]){"title", "Forged", "slug", "forged", NULL});
  check_status(r, 403);
  hc_resp_free(r);
  tu_same(srv, &s);
}

static void test_election_bad_input(void **state) {
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  r = POST("/admin/e/new", "title", "", "slug", "steer");
  check_status(r, 422);
  error_beside(r, "title");
  has(r, "Title is required");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Bad \xff\xfe bytes", "slug", "steer");
  check_status(r, 422);
  error_beside(r, "title");
  has(r, "Title contains characters that are not valid text");
  lacks(r, "\xff\xfe");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Line\x01break", "slug", "steer");
  check_status(r, 422);
  error_beside(r, "title");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "word_limit", "5");
  check_status(r, 422);
  error_beside(r, "word_limit");
  has(r, "from 10 to 2000");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "word_limit",
           "99999");
  check_status(r, 422);
  error_beside(r, "word_limit");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "word_limit",
           "lots");
  check_status(r, 422);
  error_beside(r, "word_limit");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "Not A Slug");
  check_status(r, 422);
  error_beside(r, "slug");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "new");
  check_status(r, 422);
  error_beside(r, "slug");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "tz",
           "Mars/Olympus_Mons");
  check_status(r, 422);
  error_beside(r, "tz");
  hc_resp_free(r);
  /* an organisation that is not a number, not the admin's, or not one at
  ** all: a field error on org (not the first org, not a bare 404) */
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "org", "abc");
  check_status(r, 422);
  error_beside(r, "org");
  summary_links_resolve(r);
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "org", "999");
  check_status(r, 422);
  error_beside(r, "org");
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", "Fine", "slug", "steer", "org", "-1");
  check_status(r, 422);
  error_beside(r, "org");
  hc_resp_free(r);
  tu_same(srv, &s);
}

#define TITLE "Steering <script>alert(1)</script> 2027"
#define TITLE_ESC "Steering &lt;script&gt;alert(1)&lt;/script&gt; 2027"

static void test_election_create(void **state) {
  static const char *const pages[] = {"/admin",
                                      "/admin/e/steer",
                                      "/admin/e/steer/contests",
                                      "/admin/e/steer/questions",
                                      "/admin/e/steer/categories",
                                      "/admin/e/steer/branches",
                                      "/e/steer"};
  hc_resp *r;
  tu_snap s;
  size_t i;
  (void)state;
  r = get("/admin/e/new");
  check_status(r, 200);
  has(r, "value=\"Europe/London\""); /* the org's zone is the default */
  hc_resp_free(r);
  r = POST("/admin/e/new", "title", TITLE, "slug", "steer", "tz",
           "Europe/London", "word_limit", "300");
  expect_redirect(r, "/admin/e/steer");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM elections"), 1);
  assert_int_equal(hc_sql(srv, "SELECT word_limit FROM elections"), 300);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM elections WHERE "
                               "phase = 'setup'"),
                   1);
  for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
    r = get(pages[i]);
    check_status(r, 200);
    has(r, TITLE_ESC);
    lacks(r, "<script>");
    hc_resp_free(r);
  }
  /* the same address again */
  s = take();
  r = POST("/admin/e/new", "title", "Again", "slug", "steer");
  check_status(r, 409);
  error_beside(r, "slug");
  hc_resp_free(r);
  tu_same(srv, &s);
}

static void test_settings(void **state) {
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  r = POST("/admin/e/steer", "title", TITLE, "tz", "Europe/London",
           "word_limit", "250", "declaration_md", "I agree.", "intro_md",
           "Bad \xc3\x28 bytes");
  check_status(r, 422);
  error_beside(r, "intro_md");
  has(r, "Introduction contains characters that are not valid text");
  hc_resp_free(r);
  r = POST("/admin/e/steer", "title", "", "word_limit", "250");
  check_status(r, 422);
  error_beside(r, "title");
  hc_resp_free(r);
  r = POST("/admin/e/steer", "word_limit", "4");
  check_status(r, 422);
  error_beside(r, "word_limit");
  hc_resp_free(r);
  tu_same(srv, &s);
  r = POST("/admin/e/steer", "title", TITLE, "tz", "Europe/London",
           "word_limit", "250", "declaration_md",
           "I am a member\r\nin good standing.", "intro_md",
           "Vote for the **steering committee**.");
  expect_redirect(r, "/admin/e/steer");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT word_limit FROM elections"), 250);
  /* CR LF became LF */
  assert_int_equal(hc_sql(srv, "SELECT instr(declaration_md, char(13)) "
                               "FROM elections"),
                   0);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM audit WHERE action = "
                               "'election.update'"),
                   1);
}

static void test_timetable(void **state) {
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  /* 01:30 on 31 March 2030 does not exist in London: clocks go 01:00 ->
  ** 02:00 */
  r = POST("/admin/e/steer/timetable", "nominations_open", "2030-03-31T01:30",
           "nominations_close", "2030-04-20T17:00", "voting_open", "",
           "voting_close", "");
  check_status(r, 422);
  error_beside(r, "nominations_open");
  has(r, "does not exist");
  has(r, "Europe/London");
  has(r, "value=\"2030-03-31T01:30\""); /* what was typed is kept */
  hc_resp_free(r);
  r = POST("/admin/e/steer/timetable", "nominations_open", "2030-03-20T09:00",
           "nominations_close", "2030-03-10T17:00", "voting_open", "",
           "voting_close", "");
  check_status(r, 422);
  error_beside(r, "nominations_close");
  hc_resp_free(r);
  r = POST("/admin/e/steer/timetable", "nominations_open", "yesterday",
           "nominations_close", "", "voting_open", "", "voting_close", "");
  check_status(r, 422);
  error_beside(r, "nominations_open");
  hc_resp_free(r);
  tu_same(srv, &s);
  r = POST("/admin/e/steer/timetable", "nominations_open", "2030-03-01T09:00",
           "nominations_close", "2030-03-20T17:00", "voting_open", "",
           "voting_close", "");
  expect_redirect(r, "/admin/e/steer");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM timetable"), 2);
  r = get("/admin/e/steer");
  check_status(r, 200);
  has(r, "value=\"2030-03-20T17:00\"");
  has(r, "<time datetime=\"2030-03-20T17:00:00Z\">Wed 20 March 2030, 17:00 "
         "GMT</time>");
  has(r, "Europe/London");
  hc_resp_free(r);
}

static void test_categories_contests(void **state) {
  const char *const *names = stv_rule_names();
  tu_snap s;
  hc_resp *r;
  size_t i;
  (void)state;
  r = POST("/admin/e/steer/categories", "label", "women", "slug", "woman");
  expect_redirect(r, "/admin/e/steer/categories");
  hc_resp_free(r);
  s = take();
  r = POST("/admin/e/steer/categories", "label", "", "slug", "Bad Tag!");
  check_status(r, 422);
  error_beside(r, "label");
  hc_resp_free(r);
  tu_same(srv, &s);

  r = get("/admin/e/steer/contests");
  check_status(r, 200);
  for (i = 0; names[i]; i++) { /* the rules list is the library's */
    char opt[128];
    snprintf(opt, sizeof opt, "<option value=\"%s\"", names[i]);
    has(r, opt);
    has(r, html(stv_rule_summary(names[i])));
  }
  has(r, "id=\"f-min.woman\"");
  hc_resp_free(r);

  r = POST("/admin/e/steer/contests", "title", "General seats", "slug",
           "general", "seats", "0", "rules", "scottish");
  check_status(r, 422);
  error_beside(r, "seats");
  hc_resp_free(r);
  r = POST("/admin/e/steer/contests", "title", "General seats", "slug",
           "general", "seats", "9", "rules", "scottish", "min.woman", "12");
  check_status(r, 422);
  error_beside(r, "min.woman");
  has(r, "value=\"12\""); /* kept for correction */
  hc_resp_free(r);
  r = POST("/admin/e/steer/contests", "title", "General seats", "slug",
           "general", "seats", "9", "rules", "no-such-rules");
  check_status(r, 422);
  error_beside(r, "rules");
  hc_resp_free(r);
  r = POST("/admin/e/steer/contests", "title", "General seats", "slug",
           "general", "seats", "9", "rules", "scottish", "eligible_tags",
           "ok, not a tag!");
  check_status(r, 422);
  error_beside(r, "eligible_tags");
  hc_resp_free(r);
  tu_same(srv, &s);

  r = POST("/admin/e/steer/contests", "title", "General seats", "slug",
           "general", "seats", "9", "rules", "scottish", "threshold", "2",
           "threshold_kind", "branch", "min.woman", "4", "max.woman", "",
           "eligible_tags", "");
  expect_redirect(r, "/admin/e/steer/contests");
  hc_resp_free(r);
  r = POST("/admin/e/steer/contests", "title", "BAME seat", "slug", "bame",
           "seats", "1", "rules", "irv", "threshold", "", "min.woman", "",
           "max.woman", "", "eligible_tags", "BAME, black-members");
  expect_redirect(r, "/admin/e/steer/contests");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM contests"), 2);
  assert_int_equal(hc_sql(srv, "SELECT min_seats FROM contest_constraints"), 4);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM contest_constraints "
                               "WHERE max_seats IS NULL"),
                   1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM contest_eligibility "
                               "WHERE tag IN ('bame', 'black-members')"),
                   2);
  assert_int_equal(hc_sql(srv, "SELECT threshold FROM contests WHERE slug = "
                               "'general'"),
                   2);

  r = get("/admin/e/steer/contests/general");
  check_status(r, 200);
  has(r, "name=\"min.woman\" value=\"4\"");
  has(r, "<option value=\"scottish\" selected>");
  hc_resp_free(r);
  r = get("/admin/e/steer/contests/bame");
  check_status(r, 200);
  has(r, "value=\"bame, black-members\"");
  hc_resp_free(r);
  /* edit: the general contest keeps 4 women, now 10 seats */
  r = POST("/admin/e/steer/contests/general", "title", "General seats", "slug",
           "general", "seats", "10", "rules", "scottish", "threshold", "2",
           "threshold_kind", "branch", "min.woman", "4", "max.woman", "",
           "eligible_tags", "");
  expect_redirect(r, "/admin/e/steer/contests/general");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT seats FROM contests WHERE slug = "
                               "'general'"),
                   10);
  r = get("/admin/e/steer/contests/nope");
  check_status(r, 404);
  hc_resp_free(r);
}

static void test_questions(void **state) {
  int64_t q1, q2;
  char path[128];
  tu_snap s;
  hc_resp *r;
  (void)state;
  r = POST("/admin/e/steer/questions", "text",
           "Will you publish your expenses?", "short", "Expenses",
           "allow_comment", "1");
  expect_redirect(r, "/admin/e/steer/questions");
  hc_resp_free(r);
  r = POST("/admin/e/steer/questions", "text", "Will you attend every meeting?",
           "short", "Meetings");
  expect_redirect(r, "/admin/e/steer/questions");
  hc_resp_free(r);
  q1 = hc_sql(srv, "SELECT id FROM questions WHERE short = 'Expenses'");
  q2 = hc_sql(srv, "SELECT id FROM questions WHERE short = 'Meetings'");
  assert_true(q1 > 0 && q2 > 0);
  assert_int_equal(hc_sql(srv, "SELECT allow_comment FROM questions WHERE "
                               "short = 'Meetings'"),
                   0);
  assert_int_equal(hc_sql(srv, "SELECT id FROM questions ORDER BY position "
                               "LIMIT 1"),
                   q1);
  s = take();
  r = POST("/admin/e/steer/questions", "text", "No label?", "short", "");
  check_status(r, 422);
  error_beside(r, "short");
  hc_resp_free(r);
  tu_same(srv, &s);
  snprintf(path, sizeof path, "/admin/e/steer/questions/%lld/move",
           (long long)q2);
  r = POST(path, "dir", "up");
  expect_redirect(r, "/admin/e/steer/questions");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT id FROM questions ORDER BY position "
                               "LIMIT 1"),
                   q2);
  snprintf(path, sizeof path, "/admin/e/steer/questions/%lld", (long long)q1);
  r = get(path);
  check_status(r, 200);
  has(r, "Will you publish your expenses?");
  hc_resp_free(r);
  r = POST(path, "text", "Will you publish all your expenses?", "short",
           "Expenses", "allow_comment", "1");
  expect_redirect(r, "/admin/e/steer/questions");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM questions WHERE text "
                               "LIKE '%all your expenses%'"),
                   1);
}

/* Whether branch name's stored link hash is the keyed hash of token. */
static int64_t link_matches(const char *token) {
  unsigned char key[32], h[32];
  char path[400], hex[65], sql[300];
  FILE *f;
  snprintf(path, sizeof path, "%s.key", hc_db(srv));
  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fread(key, 1, 32, f), 32);
  fclose(f);
  crypto_generichash(h, 32, (const unsigned char *)token, strlen(token), key,
                     32);
  hex_of(h, 32, hex);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM branches WHERE link_hash = X'%s'", hex);
  return hc_sql(srv, sql);
}

static void test_branches(void **state) {
  char prefix[128], link[300], tok1[64], tok2[64], path[128];
  int64_t id;
  tu_snap s;
  hc_resp *r;
  (void)state;
  snprintf(prefix, sizeof prefix,
           "<code id=\"new-link\">http://127.0.0.1:%d/s/", hc_port(srv));
  r = POST("/admin/e/steer/branches", "name", "Eastfield");
  check_status(r, 200);
  has(r, "it is not shown again");
  assert_true(extract(r->body, prefix, tok1, sizeof tok1));
  assert_int_equal(strlen(tok1), 43);
  hc_resp_free(r);
  assert_int_equal(link_matches(tok1), 1);
  r = get("/admin/e/steer/branches");
  check_status(r, 200);
  has(r, "Eastfield");
  lacks(r, tok1);
  hc_resp_free(r);
  s = take();
  r = POST("/admin/e/steer/branches", "name", "Eastfield");
  check_status(r, 409);
  lacks(r, "new-link");
  hc_resp_free(r);
  r = POST("/admin/e/steer/branches", "name", "");
  check_status(r, 422);
  error_beside(r, "name");
  hc_resp_free(r);
  tu_same(srv, &s);
  id = hc_sql(srv, "SELECT id FROM branches WHERE name = 'Eastfield'");
  snprintf(path, sizeof path, "/admin/e/steer/branches/%lld/link",
           (long long)id);
  r = POST(path, "x", "");
  check_status(r, 200);
  assert_true(extract(r->body, prefix, tok2, sizeof tok2));
  hc_resp_free(r);
  assert_string_not_equal(tok1, tok2);
  assert_int_equal(link_matches(tok1), 0); /* the old link is dead */
  assert_int_equal(link_matches(tok2), 1);
  snprintf(link, sizeof link, "/s/%s", tok1);
  r = get(link);
  assert_int_not_equal(r->status, 200);
  hc_resp_free(r);
}

static void test_publish_phase(void **state) {
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  r = get("/");
  check_status(r, 200);
  lacks(r, "/e/steer"); /* still in set-up: not listed */
  has(r, "no elections here yet");
  hc_resp_free(r);
  hc_jar_del(srv, "hs"); /* members cannot see it yet */
  r = get("/e/steer");
  check_status(r, 404);
  hc_resp_free(r);
  hc_jar_set(srv, "hs", session);
  r = POST("/admin/e/steer/publish", "x", "");
  check_status(r, 409); /* nothing to publish in set-up */
  hc_resp_free(r);
  r = POST("/admin/e/steer/phase", "to", "nominations");
  check_status(r, 422); /* not confirmed */
  error_beside(r, "confirm-nominations");
  hc_resp_free(r);
  r = POST("/admin/e/steer/phase", "to", "voting", "confirm", "yes");
  check_status(r, 409); /* voting opens from review only */
  summary_links_resolve(r); /* the conflict names "to": not a field here */
  has(r, "can move to nominations only");
  lacks(r, "href=\"#f-to\"");
  hc_resp_free(r);
  r = POST("/admin/e/steer/phase", "to", "sideways", "confirm", "yes");
  check_status(r, 422);
  summary_links_resolve(r);
  hc_resp_free(r);
  tu_same(srv, &s);
  r = get("/admin/e/steer");
  has(r, "Open nominations now");
  hc_resp_free(r);
  r = POST("/admin/e/steer/phase", "to", "nominations", "confirm", "yes");
  expect_redirect(r, "/admin/e/steer");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM elections WHERE phase "
                               "= 'nominations'"),
                   1);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM phase_changes"), 1);
  s = take();
  r = POST("/admin/e/steer/phase", "to", "setup", "confirm", "yes");
  check_status(r, 409); /* backwards */
  summary_links_resolve(r);
  hc_resp_free(r);
  /* a phase move from a page that was out of date: its confirm box is
  ** gone from the page drawn now */
  r = POST("/admin/e/steer/phase", "to", "nominations", "confirm", "yes");
  check_status(r, 409);
  summary_links_resolve(r);
  has(r, "phases only move forward");
  hc_resp_free(r);
  /* the timetable: nominations have opened, so that box is not drawn */
  r = POST("/admin/e/steer/timetable", "nominations_open",
           "2030-03-02T09:00");
  check_status(r, 409);
  summary_links_resolve(r);
  lacks(r, "href=\"#f-nominations_open\"");
  has(r, "already happened");
  hc_resp_free(r);
  tu_same(srv, &s);
  r = get("/admin/e/steer");
  has(r, "Close nominations now");
  lacks(r, "Open nominations now");
  hc_resp_free(r);
  r = POST("/admin/e/steer/publish", "x", "");
  expect_redirect(r, "/admin/e/steer");
  hc_resp_free(r);
  assert_int_equal(hc_sql(srv, "SELECT count(*) FROM elections WHERE "
                               "published_at IS NOT NULL"),
                   1);
  s = take();
  r = POST("/admin/e/steer/publish", "x", "");
  check_status(r, 409); /* already published */
  hc_resp_free(r);
  tu_same(srv, &s);
}

static void test_public_pages(void **state) {
  hc_resp *r;
  (void)state;
  hc_jar_del(srv, "hs"); /* as a member, not signed in */
  r = get("/");
  check_status(r, 200);
  has(r, "href=\"/e/steer\"");
  has(r, TITLE_ESC);
  has(r, "Northfield Socialist Network");
  has(r, "Nominations close on <time datetime=\"2030-03-20T17:00:00Z\">");
  lacks(r, "<script>");
  hc_resp_free(r);
  r = get("/e/steer");
  check_status(r, 200);
  has(r, TITLE_ESC);
  lacks(r, "<script>");
  has(r, "Europe/London");
  has(r, "<time datetime=\"2030-03-20T17:00:00Z\">Wed 20 March 2030, 17:00 "
         "GMT</time>");
  /* opened early by hand: the planned date is shown as such */
  has(r, "Nominations opened early (planned for <time "
         "datetime=\"2030-03-01T09:00:00Z\">");
  has(r, "Vote for the <strong>steering committee</strong>.");
  has(r, "At least 4 of the 10 seats go to candidates who are "
         "<strong>women</strong>");
  has(r, "10 seats");
  has(r, html(stv_rule_summary("scottish")));
  has(r, "href=\"/e/steer/c/general/nominate\"");
  has(r, "href=\"/e/steer/c/bame/nominate\"");
  has(r, "href=\"/e/steer/c/general/support\"");
  lacks(r, "href=\"/e/steer/c/bame/support\""); /* no threshold */
  has(r, "href=\"/e/steer/candidates\"");
  has(r, "href=\"/e/steer/checklist\"");
  has(r, "<strong>bame</strong>");
  has(r, "every member");
  hc_resp_free(r);
  r = get("/e/no-such-election");
  check_status(r, 404);
  hc_resp_free(r);
  r = get("/about");
  check_status(r, 200);
  has(r, "split");
  has(r, "elected or excluded");
  hc_resp_free(r);
  r = get("/healthz");
  check_status(r, 200);
  assert_string_equal(r->body, "ok\n");
  assert_non_null(strstr(hc_header(r, "Content-Type"), "text/plain"));
  hc_resp_free(r);
  hc_jar_set(srv, "hs", session);
}

static void test_tokens(void **state) {
  char tok[128], sql[200], path[100];
  int64_t id;
  tu_snap s = take();
  hc_resp *r;
  (void)state;
  r = POST("/admin/tokens", "label", "");
  check_status(r, 422);
  error_beside(r, "label");
  hc_resp_free(r);
  r = POST("/admin/tokens", "label", "bad\xc0\xafutf8");
  check_status(r, 422);
  error_beside(r, "label");
  hc_resp_free(r);
  tu_same(srv, &s);
  r = POST("/admin/tokens", "label", "membership <system>");
  check_status(r, 200);
  assert_true(extract(r->body, "<code id=\"new-token\">", tok, sizeof tok));
  assert_int_equal(strncmp(tok, "hst_", 4), 0);
  assert_int_equal(strlen(tok), 4 + 43);
  has(r, "it is not shown again");
  has(r, "membership &lt;system&gt;");
  hc_resp_free(r);
  r = get("/admin/tokens");
  check_status(r, 200);
  lacks(r, tok);
  lacks(r, tok + 8); /* not even the secret part */
  has(r, "membership &lt;system&gt;");
  hc_resp_free(r);
  r = hc_json(srv, "GET", "/api/v1/elections", tok, NULL);
  check_status(r, 200);
  has(r, "steer");
  hc_resp_free(r);
  id = hc_sql(srv, "SELECT id FROM api_tokens");
  snprintf(path, sizeof path, "/admin/tokens/%lld/revoke", (long long)id);
  r = POST(path, "x", "");
  expect_redirect(r, "/admin/tokens");
  hc_resp_free(r);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM api_tokens WHERE id = "
           "%lld AND revoked_at IS NOT NULL",
           (long long)id);
  assert_int_equal(hc_sql(srv, sql), 1);
  r = hc_json(srv, "GET", "/api/v1/elections", tok, NULL);
  check_status(r, 401);
  hc_resp_free(r);
  s = take();
  r = POST(path, "x", "");
  check_status(r, 409); /* already revoked */
  hc_resp_free(r);
  tu_same(srv, &s);
  r = get("/admin/tokens");
  has(r, "Revoked");
  hc_resp_free(r);
}

static void test_audit(void **state) {
  static const char *const actions[] = {
      "election.create",  "election.update", "election.timetable",
      "category.create",  "contest.create",  "contest.update",
      "question.create",  "question.move",   "question.update",
      "branch.create",    "branch.new_link", "election.phase",
      "election.publish", "token.create",    "token.revoke"};
  char prev[65], head[65], want[80];
  hc_resp *r, *page;
  const char *line;
  int64_t n = 0, entries = hc_sql(srv, "SELECT max(seq) FROM audit");
  size_t i;
  (void)state;
  page = get("/admin/audit");
  check_status(page, 200);
  for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    snprintf(want, sizeof want, "<strong>%s</strong>", actions[i]);
    has(page, want);
  }
  has(page, "admin:1");
  has(page, "contest:");
  assert_string_equal(hc_header(page, "Cache-Control"), "no-store");
  assert_true(extract(page->body, "id=\"audit-head\">", head, sizeof head));

  r = get("/admin/audit.jsonl");
  check_status(r, 200);
  assert_non_null(strstr(hc_header(r, "Content-Type"), "application/x-ndjson"));
  memset(prev, '0', 64);
  prev[64] = 0;
  for (line = r->body; *line; n++) {
    const char *nl = strchr(line, '\n');
    crypto_generichash_state st;
    unsigned char h[32];
    char seq[40];
    assert_non_null(nl);
    snprintf(seq, sizeof seq, "{\"seq\":%lld,", (long long)(n + 1));
    assert_int_equal(strncmp(line, seq, strlen(seq)), 0);
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const unsigned char *)prev, 64);
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&st, (const unsigned char *)line,
                              (size_t)(nl - line));
    crypto_generichash_final(&st, h, 32);
    hex_of(h, 32, prev);
    if (entries - n <= 100) /* on the first page of the view */
      has(page, prev);
    line = nl + 1;
  }
  assert_int_equal(n, entries);
  assert_string_equal(prev, head); /* the chain ends at the shown head */
  hc_resp_free(r);
  hc_resp_free(page);
  r = get("/admin");
  has(r, head);
  hc_resp_free(r);
  r = get("/admin/audit?before=2");
  check_status(r, 200);
  has(r, "id=\"seq-1\"");
  lacks(r, "id=\"seq-2\"");
  hc_resp_free(r);
}

/* The export comes in parts: ?after=&limit=, with a Link header (rel
** "next") while entries remain; the parts put together are the whole
** download.  With limit=5 the log of this test (more than 20 entries)
** takes several parts. */
static void test_audit_parts(void **state) {
  hc_resp *whole, *r;
  char path[256], *all;
  size_t len = 0, parts = 0;
  int64_t entries = hc_sql(srv, "SELECT count(*) FROM audit");
  (void)state;
  assert_true(entries > 10);
  whole = get("/admin/audit.jsonl");
  check_status(whole, 200);
  assert_null(hc_header(whole, "Link")); /* all of it fits one part */
  all = calloc(1, whole->body_len + 1);
  assert_non_null(all);
  snprintf(path, sizeof path, "/admin/audit.jsonl?limit=5");
  for (;;) {
    const char *link, *a, *b, *l;
    size_t lines = 0;
    r = get(path);
    check_status(r, 200);
    assert_non_null(strstr(hc_header(r, "Content-Type"),
                           "application/x-ndjson"));
    for (l = r->body; (l = strchr(l, '\n')) != NULL; l++)
      lines++;
    assert_true(lines >= 1 && lines <= 5);
    assert_true(len + r->body_len <= whole->body_len);
    memcpy(all + len, r->body, r->body_len);
    len += r->body_len;
    parts++;
    link = hc_header(r, "Link");
    if (!link) {
      hc_resp_free(r);
      break;
    }
    assert_int_equal(lines, 5);
    assert_non_null(strstr(link, "rel=\"next\""));
    a = strchr(link, '<');
    b = strchr(link, '>');
    assert_true(a && b && b > a && (size_t)(b - a) < sizeof path);
    memcpy(path, a + 1, (size_t)(b - a - 1));
    path[b - a - 1] = 0;
    assert_int_equal(strncmp(path, "/admin/audit.jsonl?after=", 25), 0);
    assert_non_null(strstr(path, "&limit=5"));
    hc_resp_free(r);
    assert_true(parts < 1000);
  }
  assert_int_equal(len, whole->body_len);
  assert_memory_equal(all, whole->body, len);
  assert_true(parts >= (size_t)(entries + 4) / 5);
  free(all);
  hc_resp_free(whole);
  /* from the middle; and what is refused */
  r = get("/admin/audit.jsonl?after=3&limit=2");
  check_status(r, 200);
  assert_int_equal(strncmp(r->body, "{\"seq\":4,", 9), 0);
  assert_non_null(strstr(r->body, "\n{\"seq\":5,"));
  assert_non_null(strstr(hc_header(r, "Link"), "after=5&limit=2>"));
  hc_resp_free(r);
  r = get("/admin/audit.jsonl?after=999999");
  check_status(r, 200);
  assert_int_equal(r->body_len, 0);
  assert_null(hc_header(r, "Link"));
  hc_resp_free(r);
  r = get("/admin/audit.jsonl?limit=0");
  check_status(r, 400);
  hc_resp_free(r);
  r = get("/admin/audit.jsonl?limit=10001");
  check_status(r, 400);
  hc_resp_free(r);
  r = get("/admin/audit.jsonl?after=x");
  check_status(r, 400);
  hc_resp_free(r);
  /* the audit page says how the download comes */
  r = get("/admin/audit");
  has(r, "at most 10000 entries");
  has(r, "rel=\"next\"");
  has(r, "action=\"/admin/audit.jsonl\"");
  hc_resp_free(r);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_dashboard, signed_in),
      cmocka_unit_test_setup(test_no_session, signed_in),
      cmocka_unit_test_setup(test_csrf_refused, signed_in),
      cmocka_unit_test_setup(test_election_bad_input, signed_in),
      cmocka_unit_test_setup(test_election_create, signed_in),
      cmocka_unit_test_setup(test_settings, signed_in),
      cmocka_unit_test_setup(test_timetable, signed_in),
      cmocka_unit_test_setup(test_categories_contests, signed_in),
      cmocka_unit_test_setup(test_questions, signed_in),
      cmocka_unit_test_setup(test_branches, signed_in),
      cmocka_unit_test_setup(test_publish_phase, signed_in),
      cmocka_unit_test_setup(test_public_pages, signed_in),
      cmocka_unit_test_setup(test_tokens, signed_in),
      cmocka_unit_test_setup(test_audit, signed_in),
      cmocka_unit_test_setup(test_audit_parts, signed_in),
  };
  (void)argc;
  bin = hc_bin_from_argv0(argv[0]);
  return cmocka_run_group_tests_name("web_admin", tests, start, stop);
}
