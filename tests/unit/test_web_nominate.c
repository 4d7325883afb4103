/*
** test_web_nominate.c: the candidates' side of nominations
** (src/web/svc_nominate.c) on a fresh database per test: the email
** check, the form validator (every field error, the word limit at and
** past the limit, CRLF and trimming), and the actions' checks made
** inside their transactions: a nomination submitted with an election
** read while it was open is refused once the database says closed, edits
** of a decided nomination, withdrawal, and branch support (idempotent,
** ineligible ids ignored, phase; contests without a threshold left
** alone); audit details at their worst case (text of TABs and LFs); the
** caps on questions and categories.  Refused actions must leave the rows
** and the audit head alone; accepted ones write their audit row, and the
** chain verifies at the end of every test.
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
#include <sqlite3.h>

#include "http.h"
#include "svc.h"
#include "svc_nominate.h"
#include "web.h"
#include "web_fixture.h"

#define NOW INT64_C(1800000000) /* 2027-01-15T08:00:00Z */

typedef struct fix {
  wf_db db;
  char branch[2][TOKEN_LEN + 1];
} fix;

static int setup(void **state) {
  fix *f = calloc(1, sizeof(*f));
  int i;
  if (!f) return -1;
  if (wf_db_open(&f->db, "nominate", 1) != 0) {
    free(f);
    return -1;
  }
  snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "https://vote.test");
  exec_ok("INSERT INTO orgs (id, slug, name, tz) VALUES (1, 'nsn', "
          "'Northfield', 'Europe/London');"
          "INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES "
          "(1, 'a@example.org', 'A', 'x', 0);"
          "INSERT INTO elections (id, org_id, slug, title, tz, phase, "
          "word_limit, declaration_md, created_at) VALUES (1, 1, 'e', "
          "'Steering', 'Europe/London', 'nominations', 10, 'I agree.', 0);"
          "INSERT INTO timetable VALUES (1, 'nominations_close', "
          "1800086400, '2027-01-16T08:00', 0);"
          "INSERT INTO contests (id, election_id, slug, title, position, "
          "seats, rules, threshold, threshold_kind) VALUES (1, 1, 'general', "
          "'General', 1, 3, 'scottish', 2, 'branch'), (2, 1, 'other', "
          "'Other', 2, 1, 'irv', 0, NULL);"
          "INSERT INTO categories (id, election_id, slug, label) VALUES "
          "(1, 1, 'woman', 'Woman'), (2, 1, 'bame', 'BAME');"
          "INSERT INTO questions (id, election_id, position, text, short, "
          "allow_comment) VALUES (7, 1, 1, 'First?', 'One', 1), "
          "(9, 1, 2, 'Second?', 'Two', 0);");
  for (i = 0; i < 2; i++) {
    unsigned char h[32];
    sqlite3_stmt *st = NULL;
    auth_token_new(NULL, f->branch[i], sizeof f->branch[i]);
    auth_token_hash(f->branch[i], h);
    if (sqlite3_prepare_v2(db_get(), "INSERT INTO branches (election_id, "
                           "name, link_hash) VALUES (1, ?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK)
      return -1;
    sqlite3_bind_text(st, 1, i ? "Riverside" : "Eastfield", -1,
                      SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, h, 32, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) return -1;
    sqlite3_finalize(st);
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fix *f = *state;
  int64_t n = 0, bad = 0;
  char head[65];
  /* every test leaves a whole audit chain */
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  wf_db_close(&f->db);
  free(f);
  return 0;
}

/* Rows of every table an action here may write, and the audit head. */
static int64_t rows(void) {
  return q1("SELECT (SELECT count(*) FROM nominations) + (SELECT count(*) "
            "FROM statements) + (SELECT count(*) FROM answers) + (SELECT "
            "count(*) FROM nomination_categories) + (SELECT count(*) FROM "
            "supporters WHERE revoked_at IS NULL) + (SELECT count(*) FROM "
            "withdrawals) + (SELECT count(*) FROM outbox) + 1000000 * "
            "(SELECT coalesce(max(seq), 0) FROM audit)");
}

/* The election and the general contest's spec. */
static void load(svc_election *e, svc_nom_spec *s) {
  assert_int_equal(svc_election_get(db_get(), "e", e), WEB_OK);
  assert_int_equal(svc_nom_spec_get(db_get(), e->id, "general", s), WEB_OK);
}

/* An input from a urlencoded body. */
static void input(const svc_nom_spec *s, const char *body, svc_nom_input *in) {
  form f;
  assert_int_equal(form_parse(&f, body, strlen(body)), WEB_OK);
  assert_int_equal(svc_nom_input_from_form(&f, s, in), WEB_OK);
  form_free(&f);
}

#define GOOD                                                                 \
  "name=+Ada+Brennan+&email=ada%40example.org&statement=Five+words+in+"     \
  "this+statement.&answers.7=yes&comments.7=Sure&answers.9=no&"             \
  "categories=woman&declaration=yes"

/* ------------------------------------------------------------- checks */

static void test_email(void **state) {
  static const struct {
    const char *s;
    int ok;
  } v[] = {
      {"ada@example.org", 1},
      {"a.b+c@mail.example.co.uk", 1},
      {"x@bücher.example", 1},
      {"ada@example", 0},
      {"ada@", 0},
      {"@example.org", 0},
      {"ada@@example.org", 0},
      {"a@b@example.org", 0},
      {"ada brennan@example.org", 0},
      {"ada@example..org", 0},
      {"ada@.example.org", 0},
      {"ada@example.org.", 0},
      {"ada@-example.org", 0},
      {"ada@example-.org", 0},
      {"<ada@example.org>", 0},
      {"ada@exa_mple.org", 0},
      {"", 0},
  };
  char big[300];
  size_t i;
  (void)state;
  for (i = 0; i < sizeof v / sizeof v[0]; i++)
    if (svc_email_valid(v[i].s, strlen(v[i].s)) != v[i].ok)
      fail_msg("%s: expected %d", v[i].s, v[i].ok);
  /* 65-byte local part, 255-byte address */
  memset(big, 'a', 65);
  snprintf(big + 65, sizeof big - 65, "@example.org");
  assert_false(svc_email_valid(big, strlen(big)));
  memset(big, 'a', 64);
  snprintf(big + 64, sizeof big - 64, "@example.org");
  assert_true(svc_email_valid(big, strlen(big)));
  /* the length is the caller's: an embedded NUL is not accepted */
  assert_false(svc_email_valid("ada@example.org\0x", 17));
}

static void test_validate(void **state) {
  static const struct {
    const char *body, *field, *code;
  } v[] = {
      {"email=ada%40example.org&statement=x+y&answers.7=yes&answers.9=no&"
       "declaration=yes", "name", "required"},
      {"name=%C3%28&email=ada%40example.org&statement=x+y&answers.7=yes&"
       "answers.9=no&declaration=yes", "name", "bad_utf8"},
      {"name=A%00B&email=ada%40example.org&statement=x+y&answers.7=yes&"
       "answers.9=no&declaration=yes", "name", "control"},
      {"name=A&email=ada&statement=x+y&answers.7=yes&answers.9=no&"
       "declaration=yes", "email", "bad_email"},
      {"name=A&email=&statement=x+y&answers.7=yes&answers.9=no&"
       "declaration=yes", "email", "required"},
      {"name=A&email=ada%40example.org&statement=-+*+%23&answers.7=yes&"
       "answers.9=no&declaration=yes", "statement", "required"},
      {"name=A&email=ada%40example.org&statement=1+2+3+4+5+6+7+8+9+10+11&"
       "answers.7=yes&answers.9=no&declaration=yes", "statement",
       "too_many_words"},
      {"name=A&email=ada%40example.org&statement=x&answers.9=no&"
       "declaration=yes", "answers.7", "required"},
      {"name=A&email=ada%40example.org&statement=x&answers.7=perhaps&"
       "answers.9=no&declaration=yes", "answers.7", "invalid"},
      {"name=A&email=ada%40example.org&statement=x&answers.7=yes&"
       "answers.9=no&comments.9=why&declaration=yes", "comments.9",
       "not_allowed"},
      {"name=A&email=ada%40example.org&statement=x&answers.7=yes&"
       "answers.9=no&categories=martian&declaration=yes", "categories",
       "invalid"},
      {"name=A&email=ada%40example.org&statement=x&answers.7=yes&"
       "answers.9=no", "declaration", "required"},
      {"name=A&email=ada%40example.org&statement=x&answers.7=yes&"
       "answers.9=no&declaration=no", "declaration", "required"},
  };
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  verr er;
  size_t i;
  (void)state;
  load(&e, &s);
  for (i = 0; i < sizeof v / sizeof v[0]; i++) {
    input(&s, v[i].body, &in);
    assert_int_equal(svc_nom_validate(&e, &s, &in, &er), WEB_EINVALID);
    if (er.n != 1 || strcmp(er.e[0].field, v[i].field) ||
        strcmp(er.e[0].code, v[i].code))
      fail_msg("case %zu: got %zu errors, first %s/%s", i, er.n,
               er.n ? er.e[0].field : "-", er.n ? er.e[0].code : "-");
    svc_nom_input_free(&in);
  }
  /* a good one: trimmed name, word count; exactly the limit is fine */
  input(&s, GOOD, &in);
  assert_int_equal(svc_nom_validate(&e, &s, &in, &er), WEB_OK);
  assert_int_equal(er.n, 0);
  assert_string_equal(in.name, "Ada Brennan");
  assert_int_equal(in.words, 5);
  assert_int_equal(in.cat_on[0] + in.cat_on[1], 1);
  svc_nom_input_free(&in);
  input(&s, "name=A&email=ada%40example.org&statement=1+2+3+4+5+6+7+8+9+10&"
            "answers.7=yes&answers.9=no&declaration=yes", &in);
  assert_int_equal(svc_nom_validate(&e, &s, &in, &er), WEB_OK);
  assert_int_equal(in.words, 10);
  svc_nom_input_free(&in);
  /* several errors at once, all reported */
  input(&s, "", &in);
  assert_int_equal(svc_nom_validate(&e, &s, &in, &er), WEB_EINVALID);
  assert_int_equal(er.n, 6); /* name, email, statement, 2 answers, decl */
  svc_nom_input_free(&in);
  /* no declaration text: nothing to agree to */
  free(e.declaration_md);
  e.declaration_md = strdup(" \n");
  input(&s, "name=A&email=ada%40example.org&statement=x&answers.7=yes&"
            "answers.9=no", &in);
  assert_int_equal(svc_nom_validate(&e, &s, &in, &er), WEB_OK);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* -------------------------------------------------------------- actions */

static void test_submit(void **state) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  svc_nomination n;
  char tok[TOKEN_LEN + 1], buf[512];
  int64_t id = 0, before = rows();
  verr er;
  (void)state;
  load(&e, &s);
  input(&s, "name=Ada&email=ada%40example.org&statement=line+one%0D%0Aline+"
            "two&answers.7=no&comments.7=Only%0D%0Aif&answers.9=yes&"
            "categories=bame&categories=woman&declaration=yes", &in);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_OK);
  assert_true(id > 0);
  assert_int_equal(strlen(tok), TOKEN_LEN);
  assert_int_equal(rows(), before + 1000000 + 1 + 1 + 2 + 2 + 1);
  /* CR LF became LF; the rendering and renderer are stored */
  qs("SELECT markdown || '|' || words || '|' || html FROM statements", buf,
     sizeof buf);
  assert_string_equal(buf, "line one\nline two|4|<p>line one\nline two</p>\n");
  qs("SELECT comment FROM answers WHERE question_id = 7", buf, sizeof buf);
  assert_string_equal(buf, "Only\nif");
  /* the token finds it; another does not */
  assert_int_equal(svc_nomination_by_token(db_get(), tok, &n), WEB_OK);
  assert_int_equal(n.id, id);
  assert_int_equal(n.status, NOM_SUBMITTED);
  assert_string_equal(n.email, "ada@example.org");
  assert_int_equal(n.words, 4);
  svc_nomination_free(&n);
  tok[0] = tok[0] == 'A' ? 'B' : 'A';
  assert_int_equal(svc_nomination_by_token(db_get(), tok, &n), WEB_ENOTFOUND);
  assert_int_equal(svc_nomination_by_token(db_get(), "short", &n),
                   WEB_ENOTFOUND);
  /* the audit entry: actor, statement hash, no email; the email queued */
  qs("SELECT actor || ' ' || action || ' ' || line FROM audit ORDER BY seq "
     "DESC LIMIT 1", buf, sizeof buf);
  assert_non_null(strstr(buf, "candidate:1 nomination.submit "));
  assert_non_null(strstr(buf, "\"statement\":\""));
  assert_null(strstr(buf, "example.org"));
  qs("SELECT to_addr || ' ' || body FROM outbox", buf, sizeof buf);
  assert_non_null(strstr(buf, "ada@example.org Dear Ada,"));
  assert_non_null(strstr(buf, "https://vote.test/n/"));
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* The election was read while open; the database has closed since: the
** transaction's own check refuses. */
static void test_closed_inside_transaction(void **state) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  char tok[TOKEN_LEN + 1];
  int64_t id = 0, before;
  verr er;
  (void)state;
  load(&e, &s);
  assert_true(svc_nominations_open(&e, NOW));
  input(&s, GOOD, &in);
  before = rows();
  /* past the deadline by the clock the action is given */
  assert_int_equal(svc_nomination_submit(&e, &s, &in, 1800086400, &er, &id,
                                         tok),
                   WEB_ECONFLICT);
  assert_int_equal(er.n, 1);
  assert_string_equal(er.e[0].code, "nominations_closed");
  assert_string_equal(tok, "");
  assert_int_equal(id, 0);
  assert_int_equal(rows(), before);
  /* the phase moved on while the struct still says nominations */
  exec_ok("UPDATE elections SET phase = 'review'");
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_ECONFLICT);
  assert_int_equal(rows(), before);
  exec_ok("UPDATE elections SET phase = 'nominations'");
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_OK);
  assert_int_equal(rows(), before + 1000000 + 6);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

static void test_edit(void **state) {
  svc_election e;
  svc_nom_spec s, other;
  svc_nom_input in;
  char tok[TOKEN_LEN + 1], buf[512];
  int64_t id = 0, before;
  verr er;
  (void)state;
  load(&e, &s);
  input(&s, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_OK);
  svc_nom_input_free(&in);
  /* the stored answers come back for the form */
  assert_int_equal(svc_nom_input_load(db_get(), id, &s, &in), WEB_OK);
  assert_string_equal(in.name, "Ada Brennan");
  assert_int_equal(in.answer[0], NOM_ANS_YES);
  assert_int_equal(in.answer[1], NOM_ANS_NO);
  assert_string_equal(in.comment[0], "Sure");
  assert_true(in.cat_on[1] && !in.cat_on[0]); /* slug order: bame, woman */
  assert_true(in.declaration);
  svc_nom_input_free(&in);
  /* an edit: answers and categories replaced, audited with both hashes */
  input(&s, "name=Ada+B&email=ada%40example.org&statement=New+words&"
            "answers.7=no&answers.9=yes&declaration=yes", &in);
  before = rows();
  assert_int_equal(svc_nomination_edit(id, &e, &s, &in, NOW + 60, NULL, &er),
                   WEB_OK);
  assert_int_equal(rows(), before + 1000000 - 1); /* one category fewer */
  qs("SELECT line FROM audit ORDER BY seq DESC LIMIT 1", buf, sizeof buf);
  assert_non_null(strstr(buf, "\"action\":\"nomination.edit\""));
  assert_non_null(strstr(buf, "\"old_statement\":\""));
  assert_non_null(strstr(buf, "\"new_statement\":\""));
  assert_int_equal(q1("SELECT count(*) FROM answers WHERE answer = 'no' AND "
                      "question_id = 7 AND comment = ''"), 1);
  /* invalid: nothing changes */
  svc_nom_input_free(&in);
  input(&s, "name=&email=ada%40example.org", &in);
  before = rows();
  assert_int_equal(svc_nomination_edit(id, &e, &s, &in, NOW, NULL, &er),
                   WEB_EINVALID);
  assert_int_equal(rows(), before);
  svc_nom_input_free(&in);
  /* the wrong contest's spec */
  input(&s, GOOD, &in);
  assert_int_equal(svc_nom_spec_get(db_get(), e.id, "other", &other), WEB_OK);
  svc_nom_input_free(&in);
  input(&other, GOOD, &in);
  assert_int_equal(svc_nomination_edit(id, &e, &other, &in, NOW, NULL, &er),
                   WEB_ENOTFOUND);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&other);
  /* decided: no longer editable, even with the deadline ahead */
  exec_ok("UPDATE nominations SET status = 'accepted'");
  input(&s, GOOD, &in);
  assert_int_equal(svc_nomination_edit(id, &e, &s, &in, NOW, NULL, &er),
                   WEB_ECONFLICT);
  assert_string_equal(er.e[0].code, "not_editable");
  assert_int_equal(rows(), before);
  /* closed: refused too */
  exec_ok("UPDATE nominations SET status = 'submitted'");
  assert_int_equal(svc_nomination_edit(id, &e, &s, &in, 1800086400, NULL,
                                       &er),
                   WEB_ECONFLICT);
  assert_string_equal(er.e[0].code, "nominations_closed");
  assert_int_equal(rows(), before);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

static void test_withdraw(void **state) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  svc_nomination n;
  char tok[TOKEN_LEN + 1];
  int64_t id = 0, before;
  verr er;
  (void)state;
  load(&e, &s);
  input(&s, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_OK);
  before = rows();
  /* an administrator must give a reason */
  assert_int_equal(svc_nomination_withdraw(id, 1, "", "admin:1", NOW),
                   WEB_EINVALID);
  assert_int_equal(svc_nomination_withdraw(id, 1, "bad \x01", "admin:1", NOW),
                   WEB_EINVALID);
  assert_int_equal(rows(), before);
  /* not in setup or voting */
  exec_ok("UPDATE elections SET phase = 'voting'");
  assert_int_equal(svc_nomination_withdraw(id, 0, "", NULL, NOW),
                   WEB_ECONFLICT);
  exec_ok("UPDATE elections SET phase = 'review'");
  assert_int_equal(rows(), before);
  assert_int_equal(svc_nomination_withdraw(id, 0, "", NULL, NOW), WEB_OK);
  assert_int_equal(rows(), before + 1000000 + 1);
  assert_int_equal(svc_nomination_get(db_get(), id, &n), WEB_OK);
  assert_int_equal(n.status, NOM_WITHDRAWN);
  assert_int_equal(n.withdrawn_at, NOW);
  svc_nomination_free(&n);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE actor = "
                      "'candidate:1' AND action = 'nomination.withdraw'"), 1);
  assert_int_equal(q1("SELECT count(*) FROM withdrawals WHERE by = "
                      "'candidate' AND phase = 'review'"), 1);
  /* twice */
  assert_int_equal(svc_nomination_withdraw(id, 0, "", NULL, NOW),
                   WEB_ECONFLICT);
  assert_int_equal(svc_nomination_withdraw(9999, 0, "", NULL, NOW),
                   WEB_ENOTFOUND);
  assert_int_equal(rows(), before + 1000000 + 1);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

static void test_support(void **state) {
  fix *f = *state;
  svc_election e;
  svc_nom_spec s, o;
  svc_nom_input in;
  svc_support_row *r;
  size_t n;
  char tok[TOKEN_LEN + 1];
  int64_t a = 0, b = 0, c = 0, ids[3], before;
  int changes = -1;
  verr er;
  load(&e, &s);
  input(&s, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &a, tok),
                   WEB_OK);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &b, tok),
                   WEB_OK);
  svc_nom_input_free(&in);
  /* a nomination in a contest without a branch threshold */
  assert_int_equal(svc_nom_spec_get(db_get(), e.id, "other", &o), WEB_OK);
  input(&o, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &o, &in, NOW, &er, &c, tok),
                   WEB_OK);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&o);
  ids[0] = a;
  ids[1] = c;      /* ignored: not eligible */
  ids[2] = 424242; /* ignored: no such nomination */
  before = rows();
  assert_int_equal(svc_support_set(f->branch[0], ids, 3, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 1);
  assert_int_equal(rows(), before + 1000000 + 1);
  assert_int_equal(svc_support_count(db_get(), a), 1);
  assert_int_equal(svc_support_count(db_get(), c), 0);
  /* again: nothing */
  assert_int_equal(svc_support_set(f->branch[0], ids, 3, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 0);
  assert_int_equal(rows(), before + 1000000 + 1);
  /* the second branch supports both; then the first lets a go */
  ids[1] = b;
  assert_int_equal(svc_support_set(f->branch[1], ids, 2, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 2);
  assert_int_equal(svc_support_list(db_get(), s.contest.id, 0, &r, &n),
                   WEB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(r[0].count + r[1].count, 3);
  assert_true(r[0].nomination_id == a ? r[0].reached : r[1].reached);
  svc_support_free(r, n);
  assert_int_equal(svc_support_set(f->branch[0], NULL, 0, NOW + 1, &changes,
                                   &er),
                   WEB_OK);
  assert_int_equal(changes, 1);
  assert_int_equal(svc_support_count(db_get(), a), 1);
  assert_int_equal(q1("SELECT count(*) FROM supporters WHERE revoked_at = "
                      "1800000001"), 1);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'support.revoke' AND actor = 'branch:1'"), 1);
  /* mine, from the second branch's view */
  assert_int_equal(svc_support_list(db_get(), s.contest.id, 2, &r, &n),
                   WEB_OK);
  assert_true(r[0].mine && r[1].mine);
  svc_support_free(r, n);
  /* wrong link; wrong phase */
  before = rows();
  assert_int_equal(svc_support_set("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   ids, 1, NOW, &changes, &er),
                   WEB_ENOTFOUND);
  exec_ok("UPDATE elections SET phase = 'voting'");
  assert_int_equal(svc_support_set(f->branch[0], ids, 1, NOW, &changes, &er),
                   WEB_ECONFLICT);
  assert_string_equal(er.e[0].code, "phase");
  assert_int_equal(rows(), before);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* Audit details hold submitted text escaped for JSON, where a TAB or LF
** takes six bytes (\u0009): a withdrawal reason of 2000 such bytes, and a
** branch's name of 200, must still fit (they gave WEB_ENOMEM, a 500). */
static void test_detail_worst_case(void **state) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  char tok[TOKEN_LEN + 1], reason[NOM_REASON_MAX + 1];
  char name[SVC_BRANCH_MAX + 1], link[TOKEN_LEN + 1];
  int64_t id = 0, other = 0;
  int changes = 0;
  unsigned char h[32];
  sqlite3_stmt *st = NULL;
  size_t i;
  verr er;
  (void)state;
  load(&e, &s);
  input(&s, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &id, tok),
                   WEB_OK);
  assert_int_equal(svc_nomination_submit(&e, &s, &in, NOW, &er, &other,
                                         tok),
                   WEB_OK);
  reason[0] = 'a';
  for (i = 1; i < NOM_REASON_MAX - 1; i++) reason[i] = i % 2 ? '\t' : '\n';
  reason[NOM_REASON_MAX - 1] = 'z';
  reason[NOM_REASON_MAX] = 0;
  assert_int_equal(svc_nomination_withdraw(id, 1, reason, "admin:1", NOW),
                   WEB_OK);
  assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = "
                      "'nomination.withdraw' AND length(line) > 12000"),
                   1);
  /* a branch whose name is 200 bytes, mostly tabs, saves its support */
  name[0] = 'B';
  for (i = 1; i < SVC_BRANCH_MAX - 1; i++) name[i] = '\t';
  name[SVC_BRANCH_MAX - 1] = 'x';
  name[SVC_BRANCH_MAX] = 0;
  auth_token_new(NULL, link, sizeof link);
  auth_token_hash(link, h);
  assert_int_equal(sqlite3_prepare_v2(db_get(), "INSERT INTO branches "
                                      "(election_id, name, link_hash) "
                                      "VALUES (1, ?1, ?2)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, h, 32, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  assert_int_equal(svc_support_set(link, &other, 1, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 1);
  assert_int_equal(svc_support_set(link, NULL, 0, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 1);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* A contest without a threshold is not on a branch's page, so saving the
** page must not touch it, even when an old row still names a kind. */
static void test_support_threshold_zero(void **state) {
  fix *f = *state;
  svc_election e;
  svc_nom_spec o;
  svc_nom_input in;
  char tok[TOKEN_LEN + 1];
  int64_t c = 0;
  int changes = -1;
  verr er;
  assert_int_equal(svc_election_get(db_get(), "e", &e), WEB_OK);
  assert_int_equal(svc_nom_spec_get(db_get(), e.id, "other", &o), WEB_OK);
  input(&o, GOOD, &in);
  assert_int_equal(svc_nomination_submit(&e, &o, &in, NOW, &er, &c, tok),
                   WEB_OK);
  /* the old state: threshold 0 with a kind, and a branch's support */
  exec_ok("UPDATE contests SET threshold_kind = 'branch' WHERE slug = "
          "'other'");
  exec_ok("INSERT INTO supporters (nomination_id, kind, branch_id, source, "
          "at) SELECT max(id), 'branch', 1, 'admin', 1800000000 FROM "
          "nominations");
  assert_int_equal(q1("SELECT max(id) FROM nominations"), c);
  assert_int_equal(q1("SELECT count(*) FROM supporters WHERE revoked_at IS "
                      "NULL"),
                   1);
  /* the branch's page lists no contest: it saves nothing */
  assert_int_equal(svc_support_set(f->branch[0], NULL, 0, NOW, &changes,
                                   &er),
                   WEB_OK);
  assert_int_equal(changes, 0);
  assert_int_equal(q1("SELECT count(*) FROM supporters WHERE revoked_at IS "
                      "NULL"),
                   1);
  /* nor can it add one there */
  assert_int_equal(svc_support_set(f->branch[1], &c, 1, NOW, &changes, &er),
                   WEB_OK);
  assert_int_equal(changes, 0);
  svc_nom_input_free(&in);
  svc_nom_spec_free(&o);
  svc_election_free(&e);
}

/* The spec reader takes up to the caps and refuses more. */
static void test_spec_caps(void **state) {
  svc_election e;
  svc_nom_spec s;
  (void)state;
  assert_int_equal(NOM_MAX_QUESTIONS, 100);
  assert_int_equal(NOM_MAX_CATEGORIES, 100);
  assert_int_equal(svc_election_get(db_get(), "e", &e), WEB_OK);
  exec_ok("WITH RECURSIVE k(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM k "
          "WHERE i < 100) INSERT INTO questions (election_id, position, "
          "text, short, allow_comment) SELECT 1, i, 'Q?', 'Q', 1 FROM k");
  exec_ok("WITH RECURSIVE k(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM k "
          "WHERE i < 100) INSERT INTO categories (election_id, slug, label) "
          "SELECT 1, 'c' || i, 'C' FROM k");
  assert_int_equal(svc_nom_spec_get(db_get(), e.id, "general", &s), WEB_OK);
  assert_int_equal(s.nq, 100);
  assert_int_equal(s.ncat, 100);
  svc_nom_spec_free(&s);
  exec_ok("INSERT INTO questions (election_id, position, text, short, "
          "allow_comment) VALUES (1, 101, 'One too many?', 'X', 1)");
  assert_int_equal(svc_nom_spec_get(db_get(), e.id, "general", &s),
                   WEB_ETOOBIG);
  svc_election_free(&e);
}

static void test_status_names(void **state) {
  svc_nom_status st;
  (void)state;
  assert_string_equal(svc_nom_status_name(NOM_WITHDRAWN), "withdrawn");
  assert_true(svc_nom_status_parse("accepted", &st));
  assert_int_equal(st, NOM_ACCEPTED);
  assert_false(svc_nom_status_parse("Accepted", &st));
  assert_false(svc_nom_status_parse(NULL, &st));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_email),
      cmocka_unit_test(test_status_names),
      cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_submit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_closed_inside_transaction, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_edit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_withdraw, setup, teardown),
      cmocka_unit_test_setup_teardown(test_support, setup, teardown),
      cmocka_unit_test_setup_teardown(test_detail_worst_case, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_support_threshold_zero, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_spec_caps, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
