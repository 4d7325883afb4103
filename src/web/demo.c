/*
** demo.c: `hustings demo --db FILE` builds a demonstration database with
** invented names: the Northfield Socialist Network's steering committee
** election, with nominations open from yesterday for a week, two contests
** (9 general seats with at least 4 women and a 2-branch threshold; a BAME
** seat voted for by BAME members), three checklist questions, branches,
** eleven nominations waiting for an administrator's decision and one
** withdrawn.  It prints one candidate's private link and one branch's
** support link, so both can be tried.
**
** With --voting the same election has moved on: nominations closed and
** decided, 5 general seats rather than 9 (nine candidates for nine seats
** would all be elected, and a withdrawal would leave a seat empty), a pooled roll of two organisations (Northfield and Eastfield
** Left, 20 people in both, one household sharing an address), and voting
** open since a minute ago for a week.  It prints two voting links, one
** for a BAME member (who sees both contests) and one for a member who
** sees the general seats only.  Credential emails wait in the outbox.
**
** Every name, statement and address here is made up.  Times are relative
** to now, so the nomination form is live whenever the demo is built.  It
** creates no administrator: `hustings serve` prints the setup link.
*/
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "service.h"
#include "svc_vote.h"
#include "web.h"

#define DAY 86400

/* Runs one INSERT with parameters described by types: 'i' int64, 't'
** text, 'n' null, 'h' a fresh random 32-byte blob.  Returns the rowid, or
** 0 with *s set. */
static int64_t ins(sqlite3 *db, web_status *s, const char *sql,
                   const char *types, ...) {
  sqlite3_stmt *st;
  va_list ap;
  int i;
  if (*s) return 0;
  st = db_stmt(db, sql);
  if (!st) {
    *s = WEB_EDB;
    return 0;
  }
  va_start(ap, types);
  for (i = 0; types[i]; i++) {
    switch (types[i]) {
    case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
    case 't':
      sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
                        SQLITE_TRANSIENT);
      break;
    case 'h': {
      unsigned char h[32];
      randombytes_buf(h, sizeof h);
      sqlite3_bind_blob(st, i + 1, h, sizeof h, SQLITE_TRANSIENT);
      break;
    }
    default: sqlite3_bind_null(st, i + 1);
    }
  }
  va_end(ap);
  *s = db_exec_stmt(st);
  return *s ? 0 : sqlite3_last_insert_rowid(db);
}

static const char *const sentences[] = {
    "I have been a member of this network since the bus garage strike, and "
    "I have organised in my workplace for nine years.",
    "Our branches need money and training, not more emails from the centre.",
    "I will report back to every branch after each meeting, in writing, "
    "within a week.",
    "Members who are suspended deserve to know the charge against them and "
    "a fair hearing.",
    "I helped run the tenants' campaign that won repairs on the Eastfield "
    "estate.",
    "We should publish the committee's minutes and its accounts.",
    "I want our candidates chosen by members, not by a small group.",
    "I work as a care assistant and I am a union rep.",
    "Housing, public transport and decent pay are the issues I hear about "
    "on every doorstep.",
    "I will stand down after two terms, and I think everyone should.",
    "I have chaired the Riverside branch for three years and we doubled our "
    "attendance.",
    "The committee must reflect the members: more women, more young "
    "people, more of us from working-class jobs.",
};
#define NSENT (sizeof sentences / sizeof sentences[0])

/* A statement of about 80 to 200 words: a short paragraph, a list of
** pledges, a closing line. */
static void statement(wbuf *b, int k) {
  size_t i, n = 3 + (size_t)(k % 4);
  wbuf_printf(b, "%s %s\n\n**What I will do:**\n\n",
              sentences[(size_t)k % NSENT], sentences[(size_t)(k + 3) % NSENT]);
  for (i = 0; i < n; i++)
    wbuf_printf(b, "- %s\n", sentences[(size_t)(k + 5 + (int)i * 2) % NSENT]);
  wbuf_printf(b, "\n%s\n", sentences[(size_t)(k + 1) % NSENT]);
}

static const struct {
  const char *name;
  int contest; /* 0 general, 1 bame */
  int woman, bame;
  const char *status;
} people[] = {
    {"Ada Brennan", 0, 1, 0, "submitted"},
    {"Tomasz Wren", 0, 0, 0, "submitted"},
    {"Priya Castellan", 0, 1, 1, "submitted"},
    {"Mervyn Oduya", 1, 0, 1, "submitted"},
    {"Hollis Farrant", 0, 0, 0, "submitted"},
    {"Josephine Achterberg", 0, 1, 0, "submitted"},
    {"Ruairi Maddox", 0, 0, 0, "submitted"},
    {"Selin Varga", 0, 1, 0, "submitted"},
    {"Delphine Okonkwo-Hart", 1, 1, 1, "submitted"},
    {"Gareth Pellow", 0, 0, 0, "withdrawn"},
    {"Noor Haddadin", 0, 1, 1, "submitted"},
    {"Callum Strachan-Reyes", 0, 0, 0, "submitted"},
};
#define NPEOPLE (sizeof people / sizeof people[0])

struct demo {
  int64_t now;
  int voting;
  char vote[2][CRED_TEXT]; /* --voting: two voters' codes */
  char cand[TOKEN_LEN + 1];   /* the first candidate's private link */
  char branch[TOKEN_LEN + 1]; /* the first branch's support link */
};

/* Stores the keyed hash of a fresh token in table.column for row id. */
static void link_token(sqlite3 *db, web_status *s, const char *sql,
                       int64_t id, char token[TOKEN_LEN + 1]) {
  unsigned char h[32];
  sqlite3_stmt *st;
  if (*s) return;
  auth_token_new(NULL, token, TOKEN_LEN + 1);
  auth_token_hash(token, h);
  st = db_stmt(db, sql);
  if (!st) {
    *s = WEB_EDB;
    return;
  }
  sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, id);
  *s = db_exec_stmt(st);
}

static void local_time(const char *zone, int64_t t, char out[17],
                       int *offset) {
  char abbr[16];
  if (tz_from_utc(zone, t, out, abbr, offset) != WEB_OK) {
    snprintf(out, 17, "1970-01-01T00:00");
    *offset = 0;
  }
}

static web_status build(sqlite3 *db, void *vctx) {
  struct demo *d = vctx;
  const char *zone = "Europe/London";
  static const char *const events[] = {"nominations_open",
                                       "nominations_close", "voting_open",
                                       "voting_close"};
  /* open yesterday at 09:00 UTC-ish, close in a week, vote after */
  int64_t day0 = d->now - d->now % DAY;
  int64_t at[4] = {day0 - DAY + 9 * 3600, day0 + 7 * DAY + 17 * 3600,
                   day0 + 10 * DAY + 9 * 3600, day0 + 15 * DAY + 17 * 3600};
  int64_t org, el, general, bame, woman, bamecat, q[3], br[3], nom;
  web_status s = WEB_OK;
  size_t i;
  int k;
  org = ins(db, &s, "INSERT INTO orgs (slug, name, tz) VALUES (?1, ?2, ?3)",
            "ttt", "northfield", "Northfield Socialist Network", zone);
  el = ins(db, &s,
           "INSERT INTO elections (org_id, slug, title, tz, phase, "
           "word_limit, declaration_md, intro_md, created_at) VALUES "
           "(?1, ?2, ?3, ?4, 'nominations', 250, ?5, ?6, ?7)",
           "ittttti", org, "steering-2027", "Steering committee 2027",
           zone,
           "I am a member in good standing of the Northfield Socialist "
           "Network. If elected I will **campaign for the network's "
           "programme** and report back to the members.",
           "Every year the members elect the **steering committee** by the "
           "single transferable vote. Nominate yourself below: say in at "
           "most 250 words why members should vote for you, and answer the "
           "checklist so members can compare the candidates.",
           d->now);
  ins(db, &s, "INSERT INTO election_orgs (election_id, org_id) VALUES "
              "(?1, ?2)", "ii", el, org);
  for (k = 0; k < 4; k++) {
    char local[17];
    int off;
    local_time(zone, at[k], local, &off);
    ins(db, &s, "INSERT INTO timetable (election_id, event, at, local, "
                "utc_offset) VALUES (?1, ?2, ?3, ?4, ?5)",
        "ititi", el, events[k], at[k], local, (int64_t)off);
  }
  general = ins(db, &s, "INSERT INTO contests (election_id, slug, title, "
                        "position, seats, rules, threshold, threshold_kind) "
                        "VALUES (?1, 'general', 'General seats', 1, 9, "
                        "'scottish', 2, 'branch')", "i", el);
  bame = ins(db, &s, "INSERT INTO contests (election_id, slug, title, "
                     "position, seats, rules) VALUES (?1, 'bame', "
                     "'BAME seat', 2, 1, 'irv')", "i", el);
  woman = ins(db, &s, "INSERT INTO categories (election_id, slug, label) "
                      "VALUES (?1, 'woman', 'Woman')", "i", el);
  bamecat = ins(db, &s, "INSERT INTO categories (election_id, slug, label) "
                        "VALUES (?1, 'bame', 'Black, Asian or minority "
                        "ethnic')", "i", el);
  ins(db, &s, "INSERT INTO contest_constraints (contest_id, category_id, "
              "min_seats) VALUES (?1, ?2, 4)", "ii", general, woman);
  ins(db, &s, "INSERT INTO contest_eligibility (contest_id, tag) VALUES "
              "(?1, 'bame')", "i", bame);
  q[0] = ins(db, &s, "INSERT INTO questions (election_id, position, text, "
                     "short) VALUES (?1, 1, ?2, ?3)", "itt", el,
             "Will you oppose suspensions without due process?",
             "Due process");
  q[1] = ins(db, &s, "INSERT INTO questions (election_id, position, text, "
                     "short) VALUES (?1, 2, ?2, ?3)", "itt", el,
             "Will you support open selection of all candidates?",
             "Open selection");
  q[2] = ins(db, &s, "INSERT INTO questions (election_id, position, text, "
                     "short) VALUES (?1, 3, ?2, ?3)", "itt", el,
             "Will you publish the committee's minutes within a month?",
             "Publish minutes");
  br[0] = ins(db, &s, "INSERT INTO branches (election_id, name) VALUES "
                      "(?1, 'Eastfield')", "i", el);
  br[1] = ins(db, &s, "INSERT INTO branches (election_id, name) VALUES "
                      "(?1, 'Riverside')", "i", el);
  br[2] = ins(db, &s, "INSERT INTO branches (election_id, name) VALUES "
                      "(?1, 'Westgate')", "i", el);
  link_token(db, &s, "UPDATE branches SET link_hash = ?1 WHERE id = ?2",
             br[0], d->branch);
  for (i = 0; i < NPEOPLE && !s; i++) {
    wbuf md;
    char email[80], *html;
    size_t j, n = 0;
    int64_t t = d->now - (int64_t)(NPEOPLE - i) * 3600;
    for (j = 0; people[i].name[j] && n < 60; j++)
      if (people[i].name[j] == ' ') email[n++] = '.';
      else if (people[i].name[j] != '-')
        email[n++] = (char)(people[i].name[j] | 0x20);
    snprintf(email + n, sizeof email - n, "@example.org");
    nom = ins(db, &s, "INSERT INTO nominations (contest_id, name, email, "
                      "edit_hash, declaration_agreed_at, status, "
                      "created_at, updated_at) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
              "itthiti", people[i].contest ? bame : general,
              people[i].name, email, t, people[i].status, t);
    if (i == 0)
      link_token(db, &s, "UPDATE nominations SET edit_hash = ?1 WHERE id = "
                 "?2", nom, d->cand);
    wbuf_init(&md, 20000);
    statement(&md, (int)i);
    html = md.err ? NULL : md_render(wbuf_str(&md), md.len);
    if (!html) s = WEB_ENOMEM;
    ins(db, &s, "INSERT INTO statements (nomination_id, markdown, html, "
                "words, renderer) VALUES (?1, ?2, ?3, ?4, ?5)",
        "ittit", nom, wbuf_str(&md), html ? html : "",
        (int64_t)words_count(wbuf_str(&md), md.len), md_renderer());
    free(html);
    wbuf_free(&md);
    for (k = 0; k < 3; k++)
      ins(db, &s, "INSERT INTO answers (nomination_id, question_id, answer, "
                  "comment) VALUES (?1, ?2, ?3, ?4)", "iitt", nom, q[k],
          (i + (size_t)k) % 5 == 4 ? "no" : "yes",
          (i + (size_t)k) % 4 == 1 ? "Only with the members' agreement." : "");
    if (people[i].woman)
      ins(db, &s, "INSERT INTO nomination_categories VALUES (?1, ?2)", "ii",
          nom, woman);
    if (people[i].bame)
      ins(db, &s, "INSERT INTO nomination_categories VALUES (?1, ?2)", "ii",
          nom, bamecat);
    if (!people[i].contest)
      for (j = 0; j < i % 3; j++)
        ins(db, &s, "INSERT INTO supporters (nomination_id, kind, branch_id, "
                    "source, at) VALUES (?1, 'branch', ?2, 'admin', ?3)",
            "iii", nom, br[j], t + 60);
    if (strcmp(people[i].status, "withdrawn") == 0)
      ins(db, &s, "INSERT INTO withdrawals (nomination_id, by, reason, phase, "
                  "at) VALUES (?1, 'candidate', ?2, 'nominations', ?3)",
          "iti", nom, "Standing for the regional committee instead.",
          t + 1800);
  }
  if (!s)
    s = audit_append(db, d->now, "system", "demo.load", el, "steering-2027",
                     NULL, "{\"nominations\":12}");
  return s;
}

#define DEMO_NORTHFIELD 180 /* members of Northfield */
#define DEMO_EASTFIELD 60   /* of Eastfield Left; the first 20 are in both */

static const char *const given[] = {"Alex", "Sam", "Jo", "Kit", "Robin",
                                    "Ash", "Morgan", "Rene", "Lou", "Pat"};
static const char *const family[] = {"Abbott", "Blythe", "Carrow", "Dunmore",
                                     "Ellery", "Fane", "Garside", "Hulme",
                                     "Ives", "Jessop", "Kettle", "Lister"};

/* One roll member: email and name from i (the same i in both orgs is the
** same person); tags every so often. */
static void demo_voter(sqlite3 *db, web_status *s, int64_t org, int i,
                       const char *prefix, int64_t now) {
  char name[64], email[64], no[16];
  int64_t v;
  snprintf(name, sizeof name, "%s %s", given[i % 10], family[(i / 10) % 12]);
  /* the household: members 7 and 8 of Northfield share one address */
  snprintf(email, sizeof email, "member%d@example.org", i == 8 ? 7 : i);
  snprintf(no, sizeof no, "%s%04d", prefix, 100 + i);
  v = ins(db, s, "INSERT INTO voters (org_id, member_no, name, email, "
                 "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
          "ittti", org, no, name, email, now);
  if (i % 2 == 0)
    ins(db, s, "INSERT INTO voter_tags VALUES (?1, 'woman')", "i", v);
  if (i % 5 == 1)
    ins(db, s, "INSERT INTO voter_tags VALUES (?1, 'bame')", "i", v);
}

/* --voting: decide the nominations, add the rolls, open voting. */
static web_status build_voting(sqlite3 *db, void *vctx) {
  struct demo *d = vctx;
  const char *zone = "Europe/London";
  static const char *const events[] = {"nominations_open",
                                       "nominations_close", "voting_open",
                                       "voting_close"};
  int64_t at[4] = {d->now - 14 * DAY, d->now - 3 * DAY, d->now - 60,
                   d->now + 7 * DAY};
  int64_t el = 0, org = 0, org2;
  svc_election e;
  svcv_mailctx m;
  web_status s = WEB_OK;
  sqlite3_stmt *st = db_stmt(db, "SELECT id, org_id FROM elections WHERE "
                                 "slug = 'steering-2027'");
  int k, i;
  if (!st) return WEB_EDB;
  if (sqlite3_step(st) == SQLITE_ROW) {
    el = sqlite3_column_int64(st, 0);
    org = sqlite3_column_int64(st, 1);
  }
  sqlite3_reset(st);
  if (!el) return WEB_ENOTFOUND;
  ins(db, &s, "DELETE FROM timetable WHERE election_id = ?1", "i", el);
  for (k = 0; k < 4; k++) {
    char local[17];
    int off;
    local_time(zone, at[k], local, &off);
    ins(db, &s, "INSERT INTO timetable (election_id, event, at, local, "
                "utc_offset) VALUES (?1, ?2, ?3, ?4, ?5)",
        "ititi", el, events[k], at[k], local, (int64_t)off);
  }
  ins(db, &s, "UPDATE nominations SET status = 'accepted' WHERE status = "
              "'submitted'", "");
  ins(db, &s, "UPDATE contests SET seats = 5 WHERE election_id = ?1 AND "
              "slug = 'general'", "i", el);
  ins(db, &s, "UPDATE contest_constraints SET min_seats = 2 WHERE "
              "contest_id = (SELECT id FROM contests WHERE election_id = ?1 "
              "AND slug = 'general')", "i", el);
  ins(db, &s, "UPDATE elections SET phase = 'review', published_at = ?2 "
              "WHERE id = ?1", "ii", el, at[1]);
  org2 = ins(db, &s, "INSERT INTO orgs (slug, name, tz) VALUES (?1, ?2, ?3)",
             "ttt", "eastfield", "Eastfield Left", zone);
  ins(db, &s, "INSERT INTO election_orgs (election_id, org_id) VALUES "
              "(?1, ?2)", "ii", el, org2);
  for (i = 0; i < DEMO_NORTHFIELD; i++)
    demo_voter(db, &s, org, i, "N", d->now);
  for (i = 0; i < DEMO_EASTFIELD; i++)
    demo_voter(db, &s, org2, i < 20 ? i : 1000 + i, "E", d->now);
  if (s) return s;
  if ((s = svc_phase_move(db, el, PHASE_VOTING, "system", 0, d->now, NULL)))
    return s;
  /* two codes to print: a BAME member (1) and one who is not (2) */
  if ((s = svc_election_get_id(db, el, &e))) return s;
  s = svcv_mailctx_load(db, &e, &m);
  for (k = 0; k < 2 && !s; k++) {
    int64_t elector = 0;
    st = db_stmt(db, "SELECT e.id FROM electors e JOIN voters v ON v.id = "
                     "e.voter_id WHERE e.election_id = ?1 AND v.member_no "
                     "= ?2");
    if (!st) {
      s = WEB_EDB;
      break;
    }
    sqlite3_bind_int64(st, 1, el);
    sqlite3_bind_text(st, 2, k ? "N0102" : "N0101", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) elector = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (!elector) s = WEB_ENOTFOUND;
    else s = svcv_issue(db, &m, elector, "reissue", NULL, d->now, d->vote[k]);
  }
  svcv_mailctx_free(&m);
  svc_election_free(&e);
  return s;
}

int web_demo_main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'},
      {"voting", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *path = NULL;
  int voting = 0;
  struct demo d;
  char err[512];
  web_status s;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'd') path = optarg;
    else if (c == 'v') voting = 1;
    else {
      fputs("usage: hustings demo --db FILE [--voting]\n",
            c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 3;
    }
  }
  if (!path || optind != argc) {
    fputs("usage: hustings demo --db FILE [--voting]\n", stderr);
    return 3;
  }
  if (sodium_init() < 0) return 1;
  if (db_init(path, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "hustings demo: %s\n", err);
    return 2;
  }
  {
    sqlite3_stmt *st = db_stmt(db_get(), "SELECT count(*) FROM elections");
    int64_t n = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    if (n) {
      fprintf(stderr, "hustings demo: %s already holds elections; the demo "
              "needs a new file\n", path);
      db_close_thread();
      return 2;
    }
  }
  if (auth_load_key(path, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "hustings demo: %s\n", err);
    db_close_thread();
    return 2;
  }
  memset(&d, 0, sizeof d);
  /* the links in queued credential emails: make run's address */
  if (!web_cfg.base_url[0])
    snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "%s",
             "http://127.0.0.1:8080");
  d.now = web_now();
  d.voting = voting;
  s = db_write(build, &d);
  if (!s && voting) s = db_write(build_voting, &d);
  db_close_thread();
  if (s) {
    fprintf(stderr, "hustings demo: %s: %s\n", path, web_strerror(s));
    return 1;
  }
  printf("hustings: demo election written to %s\n"
         "hustings: Ada Brennan's private nomination link: /n/%s\n"
         "hustings: Eastfield branch's support link: /s/%s\n",
         path, d.cand, d.branch);
  if (voting)
    printf("hustings: voting is open; a BAME member's voting link: /v/%s\n"
           "hustings: another member's voting link: /v/%s\n",
           d.vote[0], d.vote[1]);
  sodium_memzero(&d, sizeof d);
  return 0;
}
