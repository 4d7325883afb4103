/*
** test_web_roll_svc.c: the voter roll's service (src/web/svc_roll.c) on a
** fresh database per test: an import adds voters with their tags, records
** its counts and report, and audits "roll.import" with the file's SHA-256
** but no name, email or member number; a re-import updates in place (ids
** kept, unchanged voters not rewritten, emails and tags kept when the file
** has no such column, cleared by an empty cell); deactivation happens only
** for a whole roll, spares members named on rejected rows, never deletes
** a voter (even one something else refers to) and is undone by a later
** import; refused files (unknown column, not UTF-8, an empty whole roll,
** an org that does not exist) change nothing; the readers (paging,
** search, tag and status filters, counts, imports by org); and the pooled
** electorate of a joint election (merging by normalised email across
** organisations, never within one, never without an email).
*/
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

#include "svc_roll.h"
#include "web.h"
#include "web_fixture.h"

#define NOW INT64_C(1800000000)
#define ACTOR "admin:1"

static int setup(void **state) {
  if (!(*state = wf_db_new("roll", 1))) return -1;
  exec_ok("INSERT INTO orgs (id, slug, name, tz) VALUES "
          "(1, 'nsn', 'Northfield', 'Europe/London'), "
          "(2, 'ssn', 'Southfield', 'UTC');"
          "INSERT INTO admins (id, email, name, pw_hash, created_at) VALUES "
          "(1, 'a@example.org', 'A', 'x', 0), "
          "(2, 'b@example.org', 'B', 'x', 0);"
          "INSERT INTO org_admins VALUES (1, 1), (2, 2);");
  return 0;
}

static int teardown(void **state) {
  wf_db_free(*state);
  return 0;
}

/* What a refused import must leave alone. */
typedef struct snap {
  int64_t voters, tags, imports, seq, sum;
} snap;

static snap take(void) {
  snap s;
  s.voters = q1("SELECT count(*) FROM voters");
  s.tags = q1("SELECT count(*) FROM voter_tags");
  s.imports = q1("SELECT count(*) FROM roll_imports");
  s.seq = q1("SELECT coalesce(max(seq), 0) FROM audit");
  s.sum = q1("SELECT coalesce(sum(active + updated_at + length(name) + "
             "length(email)), 0) FROM voters");
  return s;
}

static void same(snap a) {
  snap b = take();
  assert_int_equal(a.voters, b.voters);
  assert_int_equal(a.tags, b.tags);
  assert_int_equal(a.imports, b.imports);
  assert_int_equal(a.seq, b.seq);
  assert_int_equal(a.sum, b.sum);
}

static int64_t import(int64_t org, const char *csv, int whole, int64_t now,
                      svc_roll_counts *c) {
  verr v;
  int64_t id = 0;
  svc_import a;
  web_status s = svc_roll_import(org, csv, strlen(csv), "roll.csv", whole,
                                 ACTOR, 1, now, &v, &id);
  if (s != WEB_OK)
    fail_msg("import: %s %s", web_strerror(s), v.n ? v.e[0].msg : "");
  assert_true(id > 0);
  assert_int_equal(svc_roll_import_get(db_get(), org, id, &a), WEB_OK);
  *c = a.c;
  svc_roll_import_free(&a);
  return id;
}

static void refused(int64_t org, const char *csv, size_t len, int whole,
                    const char *field, const char *code) {
  verr v;
  int64_t id = 7;
  snap s0 = take();
  assert_int_equal(svc_roll_import(org, csv, len, NULL, whole, ACTOR, 1, NOW,
                                   &v, &id),
                   WEB_EINVALID);
  assert_int_equal(id, 0);
  assert_int_equal(v.n, 1);
  assert_string_equal(v.e[0].field, field);
  assert_string_equal(v.e[0].code, code);
  same(s0);
}

static void verify_chain(void) {
  int64_t n = 0, bad = 0;
  char head[65];
  assert_int_equal(audit_verify(db_get(), &n, head, &bad), WEB_OK);
  assert_int_equal(n, q1("SELECT count(*) FROM audit"));
}

static const char roll1[] =
    "member_no,name,email,tags\n"
    "M1,Ada Brennan,ada@example.org,woman region:london\n"
    "M2,Tomasz Wren,,region:leeds\n"
    "M3,Zoe Quinn,zoe@example.org,\n"
    "M4,Bad Email,not-an-address,\n"
    "M1,Ada Again,,\n";

/* ---------------------------------------------------------------- cases */

static void test_import(void **state) {
  svc_roll_counts c;
  svc_import a;
  int64_t id;
  char sha[65], line[2048];
  unsigned char h[32];
  (void)state;
  id = import(1, roll1, 0, NOW, &c);
  assert_int_equal(c.rows, 5);
  assert_int_equal(c.added, 3);
  assert_int_equal(c.updated, 0);
  assert_int_equal(c.unchanged, 0);
  assert_int_equal(c.deactivated, 0);
  assert_int_equal(c.rejected, 1);
  assert_int_equal(c.duplicates, 1);
  assert_int_equal(q1("SELECT count(*) FROM voters WHERE org_id = 1 AND "
                      "active = 1 AND created_at = 1800000000"),
                   3);
  assert_int_equal(q1("SELECT count(*) FROM voter_tags"), 3);
  assert_int_equal(q1("SELECT count(*) FROM voter_tags t JOIN voters v ON "
                      "v.id = t.voter_id WHERE v.member_no = 'M1' AND "
                      "t.tag IN ('woman', 'region:london')"),
                   2);
  qs("SELECT email FROM voters WHERE member_no = 'M2'", line, sizeof line);
  assert_string_equal(line, "");
  /* the record: counts, file name, hash of the bytes, the report */
  assert_int_equal(svc_roll_import_get(db_get(), 1, id, &a), WEB_OK);
  crypto_hash_sha256(h, (const unsigned char *)roll1, strlen(roll1));
  sodium_bin2hex(sha, sizeof sha, h, sizeof h);
  assert_string_equal(a.sha256, sha);
  assert_string_equal(a.file_name, "roll.csv");
  assert_int_equal(a.admin_id, 1);
  assert_int_equal(a.at, NOW);
  assert_non_null(strstr(a.report, "{\"line\":5,\"column\":\"email\","
                                   "\"code\":\"bad_email\",\"member_no\":"
                                   "\"M4\",\"message\":"));
  assert_non_null(strstr(a.report, "{\"line\":6,\"first_line\":2,"
                                   "\"column\":\"member_no\",\"code\":"
                                   "\"duplicate\",\"member_no\":\"M1\""));
  svc_roll_import_free(&a);
  /* another org cannot read it */
  assert_int_equal(svc_roll_import_get(db_get(), 2, id, &a), WEB_ENOTFOUND);
  /* the audit row: counts and hash, no names, emails or numbers */
  qs("SELECT line FROM audit WHERE action = 'roll.import'", line,
     sizeof line);
  assert_non_null(strstr(line, sha));
  assert_non_null(strstr(line, "\"added\":3"));
  assert_non_null(strstr(line, "\"object\":\"roll_import:"));
  assert_null(strstr(line, "Ada"));
  assert_null(strstr(line, "example.org"));
  assert_null(strstr(line, "M1"));
  assert_null(strstr(line, "roll.csv"));
  verify_chain();
}

static void test_reimport(void **state) {
  svc_roll_counts c;
  int64_t id1, id2, id3;
  char s[256];
  (void)state;
  import(1, roll1, 0, NOW, &c);
  id1 = q1("SELECT id FROM voters WHERE member_no = 'M1'");
  id2 = q1("SELECT id FROM voters WHERE member_no = 'M2'");
  id3 = q1("SELECT id FROM voters WHERE member_no = 'M3'");
  /* the same file again: nothing changes, not even updated_at */
  import(1, roll1, 0, NOW + 10, &c);
  assert_int_equal(c.added, 0);
  assert_int_equal(c.updated, 0);
  assert_int_equal(c.unchanged, 3);
  assert_int_equal(q1("SELECT count(*) FROM voters WHERE updated_at = "
                      "1800000000"),
                   3);
  /* changes: a name, an email, tags in another order (the same), a tag
  ** cleared; a new member; M3 not listed (and no whole roll) */
  import(1,
         "Tags,Email,Name,Member No\n"
         "\"region:london, woman\",ada@example.org,Ada Brennan,M1\n"
         ",tw@example.org,Tomasz Wren,M2\n"
         "bame,,Priya Shah,M5\n",
         0, NOW + 20, &c);
  assert_int_equal(c.added, 1);
  assert_int_equal(c.updated, 1); /* M2: email and tags */
  assert_int_equal(c.unchanged, 1);
  assert_int_equal(c.deactivated, 0);
  assert_int_equal(q1("SELECT id FROM voters WHERE member_no = 'M1'"), id1);
  assert_int_equal(q1("SELECT id FROM voters WHERE member_no = 'M2'"), id2);
  assert_int_equal(q1("SELECT id FROM voters WHERE member_no = 'M3'"), id3);
  assert_int_equal(q1("SELECT active FROM voters WHERE member_no = 'M3'"), 1);
  qs("SELECT email FROM voters WHERE member_no = 'M2'", s, sizeof s);
  assert_string_equal(s, "tw@example.org");
  assert_int_equal(q1("SELECT count(*) FROM voter_tags WHERE voter_id = "
                      "(SELECT id FROM voters WHERE member_no = 'M2')"),
                   0);
  assert_int_equal(q1("SELECT updated_at FROM voters WHERE member_no = "
                      "'M2'"),
                   NOW + 20);
  assert_int_equal(q1("SELECT updated_at FROM voters WHERE member_no = "
                      "'M1'"),
                   NOW);
  /* a file without email and tags columns keeps them */
  import(1, "member_no,name\nM1,Ada B. Brennan\n", 0, NOW + 30, &c);
  assert_int_equal(c.updated, 1);
  qs("SELECT email FROM voters WHERE member_no = 'M1'", s, sizeof s);
  assert_string_equal(s, "ada@example.org");
  assert_int_equal(q1("SELECT count(*) FROM voter_tags WHERE voter_id = " 
                      "(SELECT id FROM voters WHERE member_no = 'M1')"),
                   2);
  qs("SELECT name FROM voters WHERE member_no = 'M1'", s, sizeof s);
  assert_string_equal(s, "Ada B. Brennan");
  /* the same member number in another org is another voter */
  import(2, "member_no,name\nM1,Someone Else\n", 0, NOW, &c);
  assert_int_equal(c.added, 1);
  assert_int_equal(q1("SELECT count(*) FROM voters WHERE member_no = 'M1'"),
                   2);
  assert_int_equal(q1("SELECT count(*) FROM roll_imports"), 5);
  verify_chain();
}

static void test_deactivate(void **state) {
  svc_roll_counts c;
  int64_t before;
  (void)state;
  import(1, roll1, 0, NOW, &c); /* M1, M2, M3 */
  import(1, "member_no,name\nM9,Nine\n", 0, NOW, &c);
  /* something else refers to M2 and M3 (as credentials will) */
  exec_ok("CREATE TABLE refs (voter_id INTEGER NOT NULL REFERENCES "
          "voters);"
          "INSERT INTO refs SELECT id FROM voters WHERE member_no IN "
          "('M2', 'M3');");
  before = q1("SELECT count(*) FROM voters");
  /* only adds and updates without "whole roll" */
  import(1, "member_no,name\nM1,Ada Brennan\n", 0, NOW + 1, &c);
  assert_int_equal(c.deactivated, 0);
  assert_int_equal(q1("SELECT count(*) FROM voters WHERE active = 0"), 0);
  /* the whole roll: M1 listed, M3 on a rejected row (still named), M2 and
  ** M9 missing */
  import(1,
         "member_no,name,email\nM1,Ada Brennan,ada@example.org\n"
         "M3,Zoe Quinn,broken@\n",
         1, NOW + 2, &c);
  assert_int_equal(c.rejected, 1);
  assert_int_equal(c.deactivated, 2);
  assert_int_equal(q1("SELECT count(*) FROM voters"), before); /* none gone */
  {
    char s[64];
    qs("SELECT group_concat(member_no, ' ') FROM (SELECT member_no FROM "
       "voters WHERE active = 0 ORDER BY member_no)",
       s, sizeof s);
    assert_string_equal(s, "M2 M9");
  }
  assert_int_equal(q1("SELECT count(*) FROM refs r JOIN voters v ON v.id = "
                      "r.voter_id"),
                   2);
  /* the tags of an inactive voter are kept */
  assert_int_equal(q1("SELECT count(*) FROM voter_tags t JOIN voters v ON "
                      "v.id = t.voter_id WHERE v.member_no = 'M2'"),
                   1);
  /* listed again: active again, the same voter */
  import(1, "member_no,name\nM2,Tomasz Wren\n", 0, NOW + 3, &c);
  assert_int_equal(c.updated, 1);
  assert_int_equal(q1("SELECT active FROM voters WHERE member_no = 'M2'"), 1);
  /* the same whole roll twice: the second deactivates nothing more */
  import(1, "member_no,name\nM1,Ada Brennan\nM2,Tomasz Wren\n", 1, NOW + 4,
         &c);
  assert_int_equal(c.deactivated, 1); /* M3 */
  import(1, "member_no,name\nM1,Ada Brennan\nM2,Tomasz Wren\n", 1, NOW + 5,
         &c);
  assert_int_equal(c.deactivated, 0);
  assert_int_equal(c.unchanged, 2);
  /* the other org's voters are never touched */
  import(2, "member_no,name\nX1,Other\n", 0, NOW, &c);
  import(1, "member_no,name\nM1,Ada Brennan\n", 1, NOW + 6, &c);
  assert_int_equal(q1("SELECT active FROM voters WHERE org_id = 2"), 1);
  assert_int_equal(q1("SELECT count(*) FROM voters"), before + 1);
  verify_chain();
}

static void test_refused(void **state) {
  svc_roll_counts c;
  verr v;
  int64_t id = 3;
  char big[300];
  static const char bad_utf8[] = "member_no,name\nM1,Zo\xe9\n";
  (void)state;
  import(1, roll1, 0, NOW, &c);
  refused(1, "member_no,name,phone\nM7,A,1\n", 28, 0, "csv",
          "unknown_column");
  refused(1, bad_utf8, sizeof bad_utf8 - 1, 0, "csv", "bad_utf8");
  refused(1, "", 0, 0, "csv", "empty");
  refused(1, "member_no,name\n\n", 16, 1, "whole_roll", "empty_roll");
  refused(1, "member_no,name\n,No Number\n", 26, 1, "whole_roll",
          "empty_roll");
  refused(1, "member_no,name\nM1,\"A\n", 21, 0, "csv", "unterminated_quote");
  /* a file name that is not one line */
  {
    snap s0 = take();
    assert_int_equal(svc_roll_import(1, "member_no,name\nM8,A\n", 20,
                                     "a\nb", 0, ACTOR, 1, NOW, &v, &id),
                     WEB_EINVALID);
    assert_string_equal(v.e[0].field, "file_name");
    memset(big, 'f', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(svc_roll_import(1, "member_no,name\nM8,A\n", 20, big, 0,
                                     ACTOR, 1, NOW, &v, &id),
                     WEB_EINVALID);
    assert_string_equal(v.e[0].code, "too_long");
    /* an org that does not exist */
    assert_int_equal(svc_roll_import(99, "member_no,name\nM8,A\n", 20, NULL,
                                     0, ACTOR, 1, NOW, &v, &id),
                     WEB_ENOTFOUND);
    same(s0);
  }
  /* a file of problems only is still an import (it says what is wrong) */
  import(1, "member_no,name,email\nM1,Ada,nope\n", 1, NOW, &c);
  assert_int_equal(c.rejected, 1);
  assert_int_equal(c.deactivated, 2); /* M2, M3; M1 is named, though its
                                         row was refused */
  assert_int_equal(q1("SELECT active FROM voters WHERE member_no = 'M1'"), 1);
  verify_chain();
}

static void test_readers(void **state) {
  svc_roll_counts c;
  svc_roll_query q;
  svc_voter *v;
  svc_roll_summary sum;
  svc_tag_count *t;
  svc_import *a;
  svc_roll_org o, *orgs;
  size_t n, i;
  int64_t total;
  char csv[20000];
  size_t len;
  (void)state;
  len = (size_t)snprintf(csv, sizeof csv, "member_no,name,email,tags\n");
  for (i = 0; i < 120; i++)
    len += (size_t)snprintf(csv + len, sizeof csv - len,
                            "N%03zu,Person %zu,%s,%s\n", i, i,
                            i % 3 ? "p@example.org" : "",
                            i % 2 ? "odd" : "even odd-ish");
  import(1, csv, 0, NOW, &c);
  assert_int_equal(c.added, 120);
  import(1, "member_no,name,email\nN000,Person 0,Zed.Person@Example.org\n"
            "N001,Person 1,p@example.org\n", 1, NOW + 1, &c);
  assert_int_equal(c.deactivated, 118);
  import(1, csv, 0, NOW + 2, &c); /* back again */
  assert_int_equal(c.updated, 119); /* all but N001: reactivated, N000's
                                       email */
  memset(&q, 0, sizeof q);
  q.limit = 50;
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(total, 120);
  assert_int_equal(n, 50);
  assert_string_equal(v[0].member_no, "N000");
  assert_string_equal(v[49].member_no, "N049");
  assert_string_equal(v[0].tags, "even odd-ish");
  assert_true(v[0].active);
  /* the next page starts after the last member number */
  q.after = "N049";
  svc_roll_voters_free(v, n);
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_string_equal(v[0].member_no, "N050");
  assert_int_equal(total, 120);
  svc_roll_voters_free(v, n);
  /* tag and search (ASCII case ignored) */
  memset(&q, 0, sizeof q);
  q.limit = 1000;
  q.tag = "even";
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(n, 60);
  svc_roll_voters_free(v, n);
  q.tag = NULL;
  q.q = "person 11";
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(n, 11); /* 11, 110..119 */
  svc_roll_voters_free(v, n);
  q.q = "zed.person";
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(n, 0); /* the email went back to "" with the big file */
  svc_roll_voters_free(v, n);
  /* status: a whole roll of two, then read the inactive */
  import(1, "member_no,name\nN000,Person 0\nN001,Person 1\n", 1, NOW + 3,
         &c);
  memset(&q, 0, sizeof q);
  q.limit = 1000;
  q.status = SVC_ROLL_INACTIVE;
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(n, 118);
  assert_false(v[0].active);
  svc_roll_voters_free(v, n);
  q.status = SVC_ROLL_ALL;
  assert_int_equal(svc_roll_voters(db_get(), 1, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(total, 120);
  svc_roll_voters_free(v, n);
  /* another org sees none of them */
  assert_int_equal(svc_roll_voters(db_get(), 2, &q, &v, &n, &total), WEB_OK);
  assert_int_equal(n, 0);
  svc_roll_voters_free(v, n);
  /* counts */
  assert_int_equal(svc_roll_summary_get(db_get(), 1, &sum), WEB_OK);
  assert_int_equal(sum.active, 2);
  assert_int_equal(sum.inactive, 118);
  assert_int_equal(sum.no_email, 1); /* N000 */
  assert_int_equal(sum.imports, 4);
  assert_int_equal(svc_roll_tag_counts(db_get(), 1, &t, &n), WEB_OK);
  assert_int_equal(n, 3);
  assert_string_equal(t[0].tag, "even"); /* N000 even odd-ish, N001 odd */
  assert_int_equal(t[0].n, 1);
  svc_tag_counts_free(t);
  /* imports, newest first */
  assert_int_equal(svc_roll_imports(db_get(), 1, 2, &a, &n), WEB_OK);
  assert_int_equal(n, 2);
  assert_true(a[0].id > a[1].id);
  assert_null(a[0].report);
  assert_int_equal(a[0].c.deactivated, 118);
  svc_roll_imports_free(a, n);
  /* orgs by administrator */
  assert_int_equal(svc_roll_org_get(db_get(), 1, "nsn", &o), WEB_OK);
  assert_int_equal(o.id, 1);
  assert_string_equal(o.tz, "Europe/London");
  svc_roll_org_free(&o);
  assert_int_equal(svc_roll_org_get(db_get(), 2, "nsn", &o), WEB_ENOTFOUND);
  assert_int_equal(svc_roll_org_get(db_get(), 1, "nope", &o), WEB_ENOTFOUND);
  assert_int_equal(svc_roll_orgs(db_get(), 2, &orgs, &n), WEB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(orgs[0].slug, "ssn");
  svc_roll_orgs_free(orgs, n);
}

/* The elector holding voter id, or NULL. */
static const svc_elector *elector_of(const svc_electorate *e, int64_t id) {
  size_t i, k;
  for (i = 0; i < e->n_electors; i++)
    for (k = 0; k < e->elector[i].n; k++)
      if (e->voter_id[e->elector[i].first + k] == id) return &e->elector[i];
  return NULL;
}

static int64_t vid(int64_t org, const char *m) {
  char q[200];
  snprintf(q, sizeof q,
           "SELECT id FROM voters WHERE org_id = %lld AND member_no = '%s'",
           (long long)org, m);
  return q1(q);
}

static void test_electorate(void **state) {
  svc_roll_counts c;
  svc_electorate e;
  const svc_elector *x;
  size_t i, sum = 0;
  (void)state;
  exec_ok("INSERT INTO elections (id, org_id, slug, title, tz, created_at) "
          "VALUES (1, 1, 'joint', 'Joint', 'UTC', 0), "
          "(2, 2, 'south', 'South', 'UTC', 0), "
          "(3, 1, 'none', 'None', 'UTC', 0);"
          "INSERT INTO election_orgs VALUES (1, 1), (1, 2), (2, 2);");
  import(1,
         "member_no,name,email\n"
         "A1,Ada,ada@example.org\n"
         "A2,No Mail,\n"
         "A3,Pat,home@example.org\n"
         "A4,Sam,home@example.org\n" /* a household: two members */
         "A5,Gone,gone@example.org\n",
         0, NOW, &c);
  import(1, "member_no,name\nA1,Ada\nA2,No Mail\nA3,Pat\nA4,Sam\n", 1, NOW,
         &c); /* A5 inactive */
  import(2,
         "member_no,name,email\n"
         "B1,Ada B,ADA@Example.ORG\n" /* Ada, a member of both */
         "B2,No Mail,\n"
         "B3,Pat,Home@example.org\n"
         "B4,Yan,yan@example.org\n"
         "B5,Gone Too,gone@example.org\n",
         0, NOW, &c);
  assert_int_equal(svc_roll_electorate(db_get(), 1, &e), WEB_OK);
  assert_int_equal(e.n_orgs, 2);
  assert_int_equal(e.n_voters, 9);   /* A1-A4, B1-B5 */
  assert_int_equal(e.n_electors, 7); /* Ada, A2, B2, Pat, Sam, Yan, B5 */
  assert_int_equal(e.n_merged, 2);
  for (i = 0; i < e.n_electors; i++) {
    assert_true(e.elector[i].n >= 1);
    sum += e.elector[i].n;
    assert_int_equal(e.elector[i].voter_id,
                     e.voter_id[e.elector[i].first]);
  }
  assert_int_equal(sum, e.n_voters);
  /* Ada: one elector, her first org's voter first */
  x = elector_of(&e, vid(1, "A1"));
  assert_non_null(x);
  assert_ptr_equal(x, elector_of(&e, vid(2, "B1")));
  assert_int_equal(x->n, 2);
  assert_int_equal(x->voter_id, vid(1, "A1"));
  assert_int_equal(x->org_id, 1);
  /* no email: never merged */
  assert_ptr_not_equal(elector_of(&e, vid(1, "A2")),
                       elector_of(&e, vid(2, "B2")));
  /* one household address: Pat and Sam stay two; B3 joins the first */
  assert_ptr_not_equal(elector_of(&e, vid(1, "A3")),
                       elector_of(&e, vid(1, "A4")));
  assert_ptr_equal(elector_of(&e, vid(1, "A3")),
                   elector_of(&e, vid(2, "B3")));
  /* an inactive voter is not in the electorate, so B5 stands alone */
  assert_null(elector_of(&e, vid(1, "A5")));
  assert_int_equal(elector_of(&e, vid(2, "B5"))->n, 1);
  svc_electorate_free(&e);
  /* one org: nothing to merge, even at one address */
  assert_int_equal(svc_roll_electorate(db_get(), 2, &e), WEB_OK);
  assert_int_equal(e.n_orgs, 1);
  assert_int_equal(e.n_voters, 5);
  assert_int_equal(e.n_electors, 5);
  assert_int_equal(e.n_merged, 0);
  svc_electorate_free(&e);
  assert_int_equal(svc_roll_electorate(db_get(), 3, &e), WEB_ENOTFOUND);
  assert_int_equal(svc_roll_electorate(db_get(), 99, &e), WEB_ENOTFOUND);
  svc_electorate_free(&e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_import, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reimport, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deactivate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_electorate, setup, teardown),
  };
  return cmocka_run_group_tests_name("web_roll_svc", tests, NULL, NULL);
}
