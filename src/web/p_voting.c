/*
** p_voting.c: the administrators' side of voting (routes_voting; the work
** is svc_vote.h's), HTML and JSON (docs/design/ballot.md §1.2, §2, §5.2,
** §5.3):
**
**   GET  /admin/e/{e}/electorate      who may vote: people per org, the
**                                     total, merges, shared addresses,
**                                     members without email, per contest
**                                     how many may vote and the
**                                     candidates; a preview until voting
**                                     opens (with "Open voting now" in
**                                     phase review), then the snapshot
**   GET  /admin/e/{e}/voting          turnout as totals only, the key's
**                                     fingerprint, the outbox's counts,
**                                     reminders, the codes export and
**                                     "Close voting now"
**   POST /admin/e/{e}/remind          new links to non-voters with email
**                                     (303 to the voting page, which says
**                                     how many)
**   POST /admin/e/{e}/credentials.csv new codes for scope post|all, as a
**                                     CSV attachment (needs confirm)
**   GET  /admin/e/{e}/electors        search (?q=&page=); never any
**                                     voting state
**   POST /admin/e/{e}/electors/{id}/reissue
**                                     deliver=email: a new link mailed
**                                     (303); deliver=show: the new code
**                                     shown once (200)
**   GET  /api/v1/elections/{e}/electorate
**   POST /api/v1/elections/{e}/credentials/export  {"scope"} -> text/csv
**   POST /api/v1/elections/{e}/reminders           -> {"queued":N}
**   GET  /api/v1/elections/{e}/electors?q=&limit=&offset=
**   POST /api/v1/elections/{e}/electors/{id}/reissue {"deliver"}
**   GET  /api/v1/elections/{e}/turnout
**
** Secrecy (ballot.md §2): no page or answer here holds one person's
** voting state.  Turnout is two totals and a ballot count per contest;
** the elector search shows the roll's facts only; a reissue answers the
** same whether or not the person voted; reminders report a count.
** Opening and closing voting are phase moves: the buttons here post the
** election page's phase form (p_admin_election.c) and the API's is
** POST /api/v1/elections/{e}/phase.
**
** Ownership: everything a handler reads is freed before it returns; the
** answer is in p.  Admin pages and every API answer are no-store (the
** codes export and a shown code most of all).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "p_admin.h"
#include "results.h"
#include "svc_vote.h"

#define PAGE_ELECTORS 50   /* rows per page of the elector search */
#define QUERY_TEXT_MAX 200 /* the search text, bytes */
#define LIST_MAX 100       /* merged people / shared addresses listed */
#define ADM_VOTING ((adm_section)99) /* no sub-navigation item is current */

/* ------------------------------------------------------------- helpers */


/* A whole number with thousands separated: 1,234,567. */
static void put_num(wbuf *b, int64_t v) {
  char d[24];
  size_t n, i;
  if (v < 0) {
    wbuf_puts(b, "-");
    v = -v;
  }
  n = (size_t)snprintf(d, sizeof d, "%lld", (long long)v);
  for (i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0) wbuf_puts(b, ",");
    wbuf_add(b, d + i, 1);
  }
}

/* The election's key fingerprint, or "" before voting opens. */
static web_status key_fp(sqlite3 *db, int64_t election_id, char fp[40]) {
  unsigned char pk[32];
  web_status s = svc_election_key(db, election_id, pk);
  fp[0] = 0;
  if (s == WEB_ENOTFOUND) return WEB_OK;
  if (!s) elkey_fingerprint(pk, fp);
  return s;
}

/* ------------------------------------------------- the electorate, read */

typedef struct ev_org {
  char slug[41];
  char *name;
  int64_t n; /* active members (preview) or electors (frozen) */
} ev_org;

typedef struct ev_contest {
  char slug[41];
  char *title;
  int64_t eligible, candidates;
} ev_contest;

/* What the electorate page and the API show, before or after opening. */
typedef struct ev {
  int frozen; /* 1: the snapshot taken when voting opened */
  int64_t voters, electors, merged, no_email, shared;
  ev_org *org;
  size_t norg;
  ev_contest *c;
  size_t nc;
} ev;

static void ev_free(ev *x) {
  size_t i;
  for (i = 0; i < x->norg; i++) free(x->org[i].name);
  for (i = 0; i < x->nc; i++) free(x->c[i].title);
  free(x->org);
  free(x->c);
  memset(x, 0, sizeof *x);
}

/* The orgs running the election with a count each: sql's rows are (slug,
** name, n) for ?1 = the election. */
static web_status ev_orgs(sqlite3 *db, sqlite3_stmt *st, int64_t id, ev *x) {
  size_t cap = 0;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ev_org *o;
    if (!svcs_grow((void **)&x->org, &cap, x->norg, sizeof *x->org, 1000)) {
      rc = SQLITE_NOMEM;
      break;
    }
    o = &x->org[x->norg];
    svcs_col_copy(st, 0, o->slug, sizeof o->slug);
    o->name = svcs_col_dup(st, 1);
    o->n = sqlite3_column_int64(st, 2);
    if (!o->name) {
      rc = SQLITE_NOMEM;
      break;
    }
    x->norg++;
  }
  sqlite3_reset(st);
  (void)db;
  return rc == SQLITE_DONE ? WEB_OK : db_status(rc);
}

static web_status ev_load_in(sqlite3 *db, const svc_election *e, ev *x);

/* Fills x (released with ev_free; on failure nothing is left to free). */
static web_status ev_load(sqlite3 *db, const svc_election *e, ev *x) {
  web_status s = ev_load_in(db, e, x);
  if (s) ev_free(x);
  return s;
}

static web_status ev_load_in(sqlite3 *db, const svc_election *e, ev *x) {
  web_status s;
  size_t i;
  memset(x, 0, sizeof *x);
  if (e->phase < PHASE_VOTING) {
    svc_vote_preview pv;
    s = svc_vote_preview_get(db, e->id, &pv);
    if (s) return s;
    x->voters = pv.n_voters;
    x->electors = pv.n_electors;
    x->merged = pv.n_merged;
    x->no_email = pv.n_no_email;
    x->shared = pv.n_shared;
    x->c = calloc(pv.n_contests ? pv.n_contests : 1, sizeof *x->c);
    if (!x->c) s = WEB_ENOMEM;
    for (i = 0; !s && i < pv.n_contests; i++) {
      memcpy(x->c[i].slug, pv.contest[i].slug, sizeof x->c[i].slug);
      x->c[i].title = pv.contest[i].title;
      pv.contest[i].title = NULL;
      x->c[i].eligible = pv.contest[i].eligible;
      x->c[i].candidates = pv.contest[i].candidates;
      x->nc = i + 1;
    }
    svc_vote_preview_free(&pv);
    if (!s)
      s = ev_orgs(db,
                  db_stmt(db, "SELECT o.slug, o.name, (SELECT count(*) FROM "
                              "voters v WHERE v.org_id = o.id AND v.active "
                              "= 1) FROM election_orgs eo JOIN orgs o ON "
                              "o.id = eo.org_id WHERE eo.election_id = ?1 "
                              "ORDER BY o.id"),
                  e->id, x);
  } else {
    svc_turnout t;
    x->frozen = 1;
    s = svc_turnout_get(db, e->id, &t);
    if (s) return s;
    x->electors = t.electors;
    x->c = calloc(t.n ? t.n : 1, sizeof *x->c);
    if (!x->c) s = WEB_ENOMEM;
    for (i = 0; !s && i < t.n; i++) {
      memcpy(x->c[i].slug, t.contest[i].slug, sizeof x->c[i].slug);
      x->c[i].title = t.contest[i].title;
      t.contest[i].title = NULL;
      x->c[i].eligible = t.contest[i].eligible;
      x->c[i].candidates = db_int1(db, "SELECT count(*) FROM "
                                      "ballot_candidates WHERE contest_id "
                                      "= ?1",
                                  t.contest[i].contest_id);
      if (x->c[i].candidates < 0) s = WEB_EDB;
      x->nc = i + 1;
    }
    svc_turnout_free(&t);
    if (s) return s;
    x->voters = db_int1(db, "SELECT count(*) FROM elector_sources s JOIN "
                           "electors e ON e.id = s.elector_id WHERE "
                           "e.election_id = ?1 AND e.removed_at IS NULL",
                       e->id);
    x->no_email = db_int1(db, "SELECT count(*) FROM electors WHERE "
                             "election_id = ?1 AND removed_at IS NULL AND "
                             "delivery = 'post'",
                         e->id);
    x->shared = db_int1(db, "SELECT count(*) FROM electors WHERE "
                           "election_id = ?1 AND removed_at IS NULL AND "
                           "person_key GLOB 'e:*' AND person_key NOT GLOB "
                           "'*#0'",
                       e->id);
    if (x->voters < 0 || x->no_email < 0 || x->shared < 0) return WEB_EDB;
    x->merged = x->voters - x->electors;
    s = ev_orgs(db,
                db_stmt(db, "SELECT o.slug, o.name, (SELECT count(DISTINCT "
                            "s.elector_id) FROM elector_sources s JOIN "
                            "electors e ON e.id = s.elector_id JOIN voters "
                            "v ON v.id = s.voter_id WHERE e.election_id = "
                            "eo.election_id AND e.removed_at IS NULL AND "
                            "v.org_id = o.id) FROM election_orgs eo JOIN "
                            "orgs o ON o.id = eo.org_id WHERE "
                            "eo.election_id = ?1 ORDER BY o.id"),
                e->id, x);
  }
  return s;
}

/* ------------------------------------------------- /admin/e/{e}/electorate */

/* A list of people (one line each) under a <details>: rows of sql, whose
** first column is the line's text, for ?1 = the election, at most
** LIST_MAX. */
static void people_list(wbuf *b, sqlite3 *db, sqlite3_stmt *st, int64_t id,
                        const char *summary, const char *list_id) {
  int n = 0, rc;
  (void)db;
  if (!st) return;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    if (!n) {
      wbuf_puts(b, "<details><summary>");
      esc_text(b, summary);
      wbuf_printf(b, "</summary><ul id=\"%s\">", list_id);
    }
    if (n++ == LIST_MAX) {
      wbuf_puts(b, "<li>\xe2\x80\xa6 and more</li>");
      break;
    }
    wbuf_puts(b, "<li>");
    esc_text(b, t ? t : "");
    wbuf_puts(b, "</li>");
  }
  /* an error ends the list early: the page fails, not a short list */
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
  sqlite3_reset(st);
  if (n) wbuf_puts(b, "</ul></details>\n");
}

/* The people counted once although on several rolls, and the addresses
** shared within one org: from the rolls before opening, from the snapshot
** after. */
static void detail_lists(wbuf *b, sqlite3 *db, const svc_election *e,
                         const ev *x) {
  if (x->merged > 0 && !x->frozen)
    people_list(
        b, db,
        db_stmt(db, "SELECT group_concat(o.name || ' ' || v.member_no || "
                    "': ' || v.name, '; ') FROM voters v JOIN election_orgs "
                    "eo ON eo.org_id = v.org_id AND eo.election_id = ?1 "
                    "JOIN orgs o ON o.id = v.org_id WHERE v.active = 1 AND "
                    "v.email != '' GROUP BY lower(trim(v.email)) HAVING "
                    "count(DISTINCT v.org_id) > 1 ORDER BY "
                    "lower(trim(v.email)) LIMIT 101"),
        e->id, "Who is on more than one roll", "merged-list");
  if (x->merged > 0 && x->frozen)
    people_list(
        b, db,
        db_stmt(db, "SELECT group_concat(o.name || ' ' || v.member_no || "
                    "': ' || v.name, '; ') FROM electors e JOIN "
                    "elector_sources s ON s.elector_id = e.id JOIN voters v "
                    "ON v.id = s.voter_id JOIN orgs o ON o.id = v.org_id "
                    "WHERE e.election_id = ?1 AND e.removed_at IS NULL "
                    "GROUP BY e.id HAVING count(*) > 1 ORDER BY e.id "
                    "LIMIT 101"),
        e->id, "Who is on more than one roll", "merged-list");
  if (x->shared > 0 && x->frozen)
    people_list(
        b, db,
        db_stmt(db, "SELECT group_concat(o.name || ' ' || v.member_no || "
                    "': ' || v.name, '; ') FROM electors e JOIN voters v ON "
                    "v.id = e.voter_id JOIN orgs o ON o.id = v.org_id WHERE "
                    "e.election_id = ?1 AND e.removed_at IS NULL AND "
                    "e.delivery = 'email' GROUP BY lower(trim(v.email)) "
                    "HAVING count(*) > 1 ORDER BY lower(trim(v.email)) "
                    "LIMIT 101"),
        e->id, "The shared addresses", "shared-list");
  if (x->shared > 0 && !x->frozen)
    people_list(
        b, db,
        db_stmt(db, "SELECT o.name || ': ' || group_concat(v.member_no || "
                    "' ' || v.name, '; ') FROM voters v JOIN election_orgs "
                    "eo ON eo.org_id = v.org_id AND eo.election_id = ?1 "
                    "JOIN orgs o ON o.id = v.org_id WHERE v.active = 1 AND "
                    "v.email != '' GROUP BY v.org_id, lower(trim(v.email)) "
                    "HAVING count(*) > 1 ORDER BY o.id, lower(trim(v.email)) "
                    "LIMIT 101"),
        e->id, "The shared addresses", "shared-list");
}

/* The "Open voting now" form: the election page's phase form. */
static void open_form(req *r, resp *p, const svc_election *e) {
  wbuf *b = &p->body;
  wbuf_puts(b, "<section aria-labelledby=\"h-open\"><h2 id=\"h-open\">Open "
               "voting</h2>\n<form method=\"post\" action=\"");
  page_href(b, "/admin/e/%s/phase", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  wbuf_puts(b, "<input type=\"hidden\" name=\"to\" value=\"voting\">"
               "<div class=\"field\"><p>Voting opens straight away, whatever "
               "the timetable says. The electorate above is frozen, the "
               "ballot papers are fixed, and everyone with an email address "
               "is sent their personal voting link. This cannot be undone."
               "</p><div class=\"choices\"><label><input type=\"checkbox\" "
               "id=\"f-confirm-voting\" name=\"confirm\" value=\"yes\"> I "
               "understand</label></div></div><button type=\"submit\" "
               "class=\"button\">Open voting now</button></form></section>\n");
}

static void h_electorate(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  ev x;
  size_t i;
  web_status s;
  wbuf *b = &p->body;
  if (!adm_load(r, p, &e)) return;
  s = db ? ev_load(db, &e, &x) : WEB_EDB;
  if (s) {
    page_fail(r, p, s);
    svc_election_free(&e);
    return;
  }
  adm_open(r, p, &e, "Electorate", ADM_VOTING);
  if (x.frozen) {
    wbuf_puts(b, "<p>The electorate was frozen when voting opened: these "
                 "are the people who have a vote. Changes to the rolls since "
                 "then do not change it. <a href=\"");
    page_href(b, "/admin/e/%s/voting", e.slug);
    wbuf_puts(b, "\">Voting</a> shows the turnout.</p>\n");
  } else {
    wbuf_puts(b, "<p>If voting opened now, these people would have a vote. "
                 "The rolls of the organisations below are pooled: a person "
                 "on more than one roll (the same email address) is counted "
                 "once. The electorate is frozen when voting opens.</p>\n");
  }
  wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"orgs-cap\" tabindex=\"0\"><table id=\"orgs\"><caption id="
               "\"orgs-cap\">Organisations</caption><thead><tr><th scope="
               "\"col\">Organisation</th><th scope=\"col\">");
  wbuf_puts(b, x.frozen ? "People with a vote" : "Members on the roll");
  wbuf_puts(b, "</th></tr></thead><tbody>\n");
  for (i = 0; i < x.norg; i++) {
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, x.org[i].name);
    wbuf_puts(b, "</th><td>");
    put_num(b, x.org[i].n);
    wbuf_puts(b, "</td></tr>\n");
  }
  wbuf_puts(b, "</tbody></table></div>\n<dl class=\"summary\" id=\""
               "electorate-counts\"><dt>People with a vote</dt><dd id=\""
               "n-electors\">");
  put_num(b, x.electors);
  wbuf_puts(b, "</dd><dt>Counted once although on more than one roll</dt>"
               "<dd id=\"n-merged\">");
  put_num(b, x.merged);
  wbuf_puts(b, "</dd><dt>Without an email address (they need a letter with "
               "their code)</dt><dd id=\"n-no-email\">");
  put_num(b, x.no_email);
  wbuf_puts(b, "</dd><dt>Sharing an email address with another member of "
               "the same organisation</dt><dd id=\"n-shared\">");
  put_num(b, x.shared);
  wbuf_puts(b, "</dd></dl>\n");
  if (x.shared > 0)
    wbuf_puts(b, "<p class=\"hint\">At a shared address each member gets "
                 "their own vote. When the address is on more than one "
                 "roll, members are paired in roll order, and a pair's tags "
                 "are combined: check these people and correct the rolls if "
                 "they are paired wrongly.</p>\n");
  if (db) detail_lists(b, db, &e, &x);
  wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"contests-cap\" tabindex=\"0\"><table id=\"contests\">"
               "<caption id=\"contests-cap\">Contests</caption><thead><tr>"
               "<th scope=\"col\">Contest</th><th scope=\"col\">May vote in "
               "it</th><th scope=\"col\">Candidates</th></tr></thead><tbody>"
               "\n");
  for (i = 0; i < x.nc; i++) {
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, x.c[i].title);
    wbuf_puts(b, "</th><td>");
    put_num(b, x.c[i].eligible);
    wbuf_puts(b, "</td><td>");
    put_num(b, x.c[i].candidates);
    wbuf_puts(b, "</td></tr>\n");
  }
  wbuf_puts(b, "</tbody></table></div>\n");
  if (e.phase == PHASE_REVIEW)
    open_form(r, p, &e);
  else if (e.phase < PHASE_REVIEW)
    wbuf_puts(b, "<p>Voting can be opened once nominations have closed."
                 "</p>\n");
  page_close(r, p);
  ev_free(&x);
  svc_election_free(&e);
}

/* ---------------------------------------------------- /admin/e/{e}/voting */

/* A confirm box named "confirm" with id "f-" + id, its sentence and its
** error from v. */
static void confirm_box(wbuf *b, const verr *v, const char *id,
                        const char *text) {
  const char *err = verr_msg(ADM_V(v), id);
  wbuf_puts(b, err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<p>");
  esc_text(b, text);
  wbuf_puts(b, "</p>");
  if (err) {
    wbuf_printf(b, "<p class=\"error-msg\" id=\"f-%s-error\"><span class=\""
                   "visually-hidden\">Error: </span>",
                id);
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_printf(b, "<div class=\"choices\"><label><input type=\"checkbox\" "
                 "id=\"f-%s\" name=\"confirm\" value=\"yes\"", id);
  if (err)
    wbuf_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-error\"",
                id);
  wbuf_puts(b, "> I understand</label></div></div>");
}

static void voting_page(req *r, resp *p, svc_election *e, int status,
                        const verr *v, int64_t reminded) {
  sqlite3 *db = db_get();
  svc_turnout t;
  char fp[40];
  int64_t n_post;
  size_t i;
  web_status s;
  wbuf *b = &p->body;
  memset(&t, 0, sizeof t);
  s = db ? svc_turnout_get(db, e->id, &t) : WEB_EDB;
  if (!s) s = key_fp(db, e->id, fp);
  n_post = s ? 0
             : db_int1(db, "SELECT count(*) FROM electors WHERE election_id "
                          "= ?1 AND removed_at IS NULL AND delivery = 'post'",
                      e->id);
  if (!s && n_post < 0) s = WEB_EDB;
  if (s) {
    page_fail(r, p, s);
    svc_turnout_free(&t);
    return;
  }
  if (e->phase >= PHASE_CLOSED)
    t.voted = t.receipts; /* who voted is forgotten at closed; one receipt
                             per vote stays */
  p->status = status;
  adm_open(r, p, e, "Voting", ADM_VOTING);
  adm_errors(p, v, NULL);
  if (reminded >= 0) {
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\" id=\"reminded\">"
                 "<p>Reminders queued: ");
    put_num(b, reminded);
    wbuf_puts(b, "</p></div>\n");
  }
  wbuf_puts(b, "<p id=\"secrecy\">This page shows totals only. It never "
               "shows who has voted, and no other page does either: the "
               "system needs to know it to refuse a second vote and to "
               "remind people, but it is never displayed, and no vote can "
               "be linked to the person who cast it.</p>\n");
  wbuf_puts(b, "<h2>Turnout</h2>\n<p id=\"turnout\"><strong>");
  put_num(b, t.voted);
  wbuf_puts(b, "</strong> of ");
  put_num(b, t.electors);
  wbuf_puts(b, " people have voted (");
  results_pct(b, t.voted, t.electors);
  wbuf_puts(b, ").</p>\n<div class=\"table-wrap\" role=\"region\" "
               "aria-labelledby=\"turnout-cap\" tabindex=\"0\"><table id=\""
               "turnout-contests\"><caption id=\"turnout-cap\">Ballots per "
               "contest</caption><thead><tr><th scope=\"col\">Contest</th>"
               "<th scope=\"col\">May vote in it</th><th scope=\"col\">"
               "Ballots</th></tr></thead><tbody>\n");
  for (i = 0; i < t.n; i++) {
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, t.contest[i].title);
    wbuf_puts(b, "</th><td>");
    put_num(b, t.contest[i].eligible);
    wbuf_puts(b, "</td><td>");
    put_num(b, t.contest[i].ballots);
    wbuf_puts(b, "</td></tr>\n");
  }
  wbuf_puts(b, "</tbody></table></div>\n<p class=\"hint\">A ballot is "
               "counted in a contest when the voter ranked at least one of "
               "its candidates.</p>\n");
  wbuf_puts(b, "<h2>Election key</h2>\n");
  if (fp[0]) {
    wbuf_puts(b, "<p>The results will be signed with the key whose "
                 "fingerprint is <code id=\"key-fp\">");
    esc_text(b, fp);
    wbuf_puts(b, "</code>. Publish it now, so that people can check the "
                 "signed results against it later.</p>\n");
  } else {
    wbuf_puts(b, "<p>The election has no signing key yet.</p>\n");
  }
  wbuf_puts(b, "<h2>Email</h2>\n<dl class=\"summary\" id=\"outbox\"><dt>"
               "Waiting to be sent</dt><dd>");
  put_num(b, t.outbox_queued);
  wbuf_puts(b, "</dd><dt>Sent</dt><dd>");
  put_num(b, t.outbox_sent);
  wbuf_puts(b, "</dd><dt>Could not be sent</dt><dd>");
  put_num(b, t.outbox_failed);
  wbuf_puts(b, "</dd></dl>\n");
  if (e->phase == PHASE_VOTING) {
    wbuf_puts(b, "<h2>Remind people who have not voted</h2>\n<p>Everyone "
                 "with an email address who has not voted yet is sent a new "
                 "link; the link they had stops working. You see only how "
                 "many were sent.</p>");
    adm_button(r, p, "/admin/e/%s/remind", e->slug, NULL, NULL, NULL,
               "Remind non-voters", NULL, 0);
    wbuf_puts(b, "\n<h2>Codes for letters</h2>\n<form method=\"post\" "
                 "action=\"");
    page_href(b, "/admin/e/%s/credentials.csv", e->slug);
    wbuf_puts(b, "\">");
    page_csrf(r, p);
    wbuf_puts(b, "<div class=\"field\"><fieldset><legend>Whose codes"
                 "</legend><div class=\"choices\"><label><input type=\""
                 "radio\" id=\"f-scope\" name=\"scope\" value=\"post\" "
                 "checked> People without an email address (");
    put_num(b, n_post);
    wbuf_puts(b, ")</label><label><input type=\"radio\" name=\"scope\" "
                 "value=\"all\"> Everyone (");
    put_num(b, t.electors);
    wbuf_puts(b, ")</label></div></fieldset></div>");
    confirm_box(b, v, "confirm-export",
                "This makes new codes for the people chosen, as a CSV file "
                "for a mail merge. Codes sent or printed before stop "
                "working. People who have already voted get a code too, "
                "which tells them their vote was cast, so the letters "
                "reveal nothing.");
    wbuf_puts(b, "<button type=\"submit\" class=\"button secondary\">Export "
                 "codes (CSV)</button></form>\n");
    wbuf_puts(b, "<h2>A new link for one person</h2>\n<p><a href=\"");
    page_href(b, "/admin/e/%s/electors", e->slug);
    wbuf_puts(b, "\">Find a person</a> to send them a new link, or to read "
                 "a new code to them.</p>\n");
    wbuf_puts(b, "<h2>Close voting</h2>\n<form method=\"post\" action=\"");
    page_href(b, "/admin/e/%s/phase", e->slug);
    wbuf_puts(b, "\">");
    page_csrf(r, p);
    wbuf_puts(b, "<input type=\"hidden\" name=\"to\" value=\"counted\">");
    confirm_box(b, NULL, "confirm-counted",
                "Voting closes straight away, whatever the timetable says, "
                "and the votes are counted. This cannot be undone.");
    wbuf_puts(b, "<button type=\"submit\" class=\"button danger\">Close "
                 "voting now</button></form>\n");
  } else if (e->phase < PHASE_VOTING) {
    wbuf_puts(b, "<p>Voting has not opened. <a href=\"");
    page_href(b, "/admin/e/%s/electorate", e->slug);
    wbuf_puts(b, "\">The electorate</a> page opens it.</p>\n");
  } else {
    wbuf_puts(b, "<p>Voting has closed.</p>\n");
  }
  page_close(r, p);
  svc_turnout_free(&t);
}

static void h_voting(req *r, resp *p) {
  svc_election e;
  int64_t reminded = -1;
  if (!adm_load(r, p, &e)) return;
  if (form_get(&r->query, "reminded"))
    reminded = req_query_int(r, "reminded", -1);
  voting_page(r, p, &e, 200, NULL, reminded);
  svc_election_free(&e);
}

static void h_remind(req *r, resp *p) {
  svc_election e;
  int64_t queued = 0;
  web_status s;
  char n[24];
  verr v;
  v.n = 0;
  if (!adm_load(r, p, &e)) return;
  s = svc_remind(e.id, r->actor, r->now, &queued);
  if (s == WEB_OK) {
    wbuf w;
    snprintf(n, sizeof n, "%lld", (long long)queued);
    wbuf_init(&w, 512);
    page_href(&w, "/admin/e/%s/voting?reminded=%s", e.slug, n);
    resp_redirect(p, w.err ? "/admin" : wbuf_str(&w));
    wbuf_free(&w);
  } else if (s == WEB_ECONFLICT) {
    verr_add(&v, "", "phase", "Reminders can be sent only while voting is "
                              "open.");
    voting_page(r, p, &e, 409, &v, -1);
  } else {
    page_fail(r, p, s);
  }
  svc_election_free(&e);
}

/* The CSV answer: attachment, no-store, the export's own cap. */
static void csv_answer(resp *p, const svc_election *e, const char *scope,
                       wbuf *csv) {
  char cd[128];
  wbuf_free(&p->body);
  p->body = *csv; /* moved: the server frees it */
  memset(csv, 0, sizeof *csv);
  p->status = 200;
  p->ctype = "text/csv; charset=utf-8";
  p->no_store = 1;
  snprintf(cd, sizeof cd, "attachment; filename=\"%s-codes-%s.csv\"",
           e->slug, scope);
  resp_header(p, "Content-Disposition", cd);
}

static void h_export(req *r, resp *p) {
  svc_election e;
  const char *scope = form_get(&r->body, "scope");
  wbuf csv;
  verr v;
  web_status s;
  v.n = 0;
  if (!adm_load(r, p, &e)) return;
  if (!scope || !*scope) scope = "post";
  if (strcmp(scope, "post") != 0 && strcmp(scope, "all") != 0)
    verr_add(&v, "scope", "invalid", "Choose whose codes to make.");
  else if (!adm_checked(r, "confirm"))
    verr_add(&v, "confirm-export", "required",
             "Tick \xe2\x80\x9cI understand\xe2\x80\x9d to make new codes.");
  if (v.n) {
    if (e.phase != PHASE_VOTING)
      v.e[0].field[0] = 0; /* the form is drawn only while voting */
    voting_page(r, p, &e, 422, &v, -1);
    svc_election_free(&e);
    return;
  }
  wbuf_init(&csv, RESP_EXPORT_MAX);
  s = svc_credentials_export(e.id, scope, r->actor, r->now, &csv, &v);
  if (s == WEB_OK && !csv.err) {
    csv_answer(p, &e, scope, &csv);
  } else if (s == WEB_ECONFLICT || s == WEB_EINVALID) {
    size_t i;
    for (i = 0; i < v.n; i++) v.e[i].field[0] = 0;
    if (!v.n)
      verr_add(&v, "", "phase", "Codes can be made only while voting is "
                                "open.");
    voting_page(r, p, &e, s == WEB_ECONFLICT ? 409 : 422, &v, -1);
  } else {
    page_fail(r, p, s ? s : (web_status)csv.err);
  }
  wbuf_free(&csv);
  svc_election_free(&e);
}

/* -------------------------------------------------- /admin/e/{e}/electors */

static void electors_table(req *r, resp *p, const svc_election *e,
                           const svc_elector_row *x, size_t n) {
  wbuf *b = &p->body;
  size_t i;
  wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"electors-cap\" tabindex=\"0\"><table id=\"electors\">"
               "<caption id=\"electors-cap\">People</caption><thead><tr>"
               "<th scope=\"col\">Name</th><th scope=\"col\">Member "
               "numbers</th><th scope=\"col\">Email</th><th scope=\"col\">"
               "Tags</th><th scope=\"col\">On the roll</th>");
  if (e->phase == PHASE_VOTING)
    wbuf_puts(b, "<th scope=\"col\">New link</th>");
  wbuf_puts(b, "</tr></thead><tbody>\n");
  for (i = 0; i < n; i++) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)x[i].id);
    wbuf_printf(b, "<tr id=\"elector-%s\"><th scope=\"row\">", id);
    esc_text(b, x[i].name);
    wbuf_puts(b, "</th><td>");
    esc_text(b, x[i].member_nos);
    wbuf_puts(b, "</td><td>");
    if (x[i].post)
      wbuf_puts(b, "none (letter)");
    else
      esc_text(b, x[i].email);
    wbuf_puts(b, "</td><td>");
    esc_text(b, x[i].tags);
    wbuf_puts(b, x[i].removed ? "</td><td>Removed</td>" : "</td><td>Yes</td>");
    if (e->phase == PHASE_VOTING) {
      wbuf_puts(b, "<td>");
      if (!x[i].post && !x[i].removed)
        adm_button(r, p, "/admin/e/%s/electors/%s/reissue", e->slug, id,
                   "deliver", "email", "Email a new link", x[i].name, 1);
      if (!x[i].removed)
        adm_button(r, p, "/admin/e/%s/electors/%s/reissue", e->slug, id,
                   "deliver", "show", "Show a new code", x[i].name, 1);
      wbuf_puts(b, "</td>");
    }
    wbuf_puts(b, "</tr>\n");
  }
  wbuf_puts(b, "</tbody></table></div>\n");
}

static void h_electors(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_elector_row *x = NULL;
  size_t n = 0;
  const char *q = req_query_text(r, "q", QUERY_TEXT_MAX);
  int64_t page = req_query_int(r, "page", 1);
  web_status s;
  wbuf *b = &p->body;
  if (!adm_load(r, p, &e)) return;
  if (page < 1 || page > 100000) page = 1;
  s = db ? svc_electors_find(db, e.id, q ? q : "", PAGE_ELECTORS + 1,
                             (int)((page - 1) * PAGE_ELECTORS), &x, &n)
         : WEB_EDB;
  if (s) {
    page_fail(r, p, s);
    svc_election_free(&e);
    return;
  }
  adm_open(r, p, &e, "People with a vote", ADM_VOTING);
  if (form_get(&r->query, "sent"))
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\" id=\"sent\"><p>"
                 "A new link was sent. The link sent before no longer "
                 "works.</p></div>\n");
  if (e.phase < PHASE_VOTING) {
    wbuf_puts(b, "<p>The electorate is fixed when voting opens; until then "
                 "see <a href=\"");
    page_href(b, "/admin/e/%s/electorate", e.slug);
    wbuf_puts(b, "\">the electorate</a> and the organisations' rolls.</p>"
                 "\n");
  } else {
    wbuf_puts(b, "<p>Find a person by member number, name or email. A new "
                 "link or code stops the one sent before working. This "
                 "page never shows whether someone has voted: a person who "
                 "has voted and asks for a new link gets one, which tells "
                 "them their vote was cast.</p>\n<form method=\"get\" "
                 "action=\"");
    page_href(b, "/admin/e/%s/electors", e.slug);
    wbuf_puts(b, "\" class=\"search\">");
    field_input(p, &adm_none, "q", "Member number, name or email", "search",
                q ? q : "", NULL, "off");
    wbuf_puts(b, "<button type=\"submit\" class=\"button secondary\">Find"
                 "</button></form>\n");
    if (!n)
      wbuf_puts(b, "<p id=\"none-found\">Nobody found.</p>\n");
    else
      electors_table(r, p, &e, x, n > PAGE_ELECTORS ? PAGE_ELECTORS : n);
    if (n > PAGE_ELECTORS) {
      char pg[24];
      snprintf(pg, sizeof pg, "%lld", (long long)page + 1);
      wbuf_puts(b, "<p><a rel=\"next\" href=\"");
      page_href(b, "/admin/e/%s/electors?page=%s", e.slug, pg);
      if (q) {
        wbuf_puts(b, "&amp;q=");
        esc_url(b, q);
      }
      wbuf_puts(b, "\">Next page</a></p>\n");
    }
  }
  page_close(r, p);
  svc_elector_rows_free(x, n);
  svc_election_free(&e);
}

static void h_reissue(req *r, resp *p) {
  svc_election e;
  int64_t id = req_path_id(r->param[1]);
  const char *deliver = form_get(&r->body, "deliver");
  char code[CRED_TEXT], grouped[CRED_GROUPED];
  verr v;
  web_status s;
  v.n = 0;
  if (!adm_load(r, p, &e)) return;
  if (!id) {
    page_fail(r, p, WEB_ENOTFOUND);
    svc_election_free(&e);
    return;
  }
  if (!deliver || (strcmp(deliver, "email") && strcmp(deliver, "show"))) {
    page_message(r, p, 422, "Choose how to deliver it",
                 "Choose a button: email a new link, or show a new code.",
                 NULL, NULL);
    svc_election_free(&e);
    return;
  }
  code[0] = 0;
  s = svc_reissue(e.id, id, r->actor, r->now,
                  strcmp(deliver, "show") == 0 ? code : NULL, &v);
  if (s == WEB_OK && strcmp(deliver, "email") == 0) {
    adm_redirect(p, "/admin/e/%s/electors?sent=1", e.slug, NULL);
  } else if (s == WEB_OK) {
    wbuf *b = &p->body;
    wbuf link;
    cred_grouped(code, grouped);
    wbuf_init(&link, 512);
    wbuf_puts(&link, web_cfg.base_url);
    wbuf_puts(&link, "/v/");
    wbuf_puts(&link, code);
    adm_open(r, p, &e, "A new voting code", ADM_VOTING);
    adm_secret(b, "new-code", "The new code. The one sent before no longer "
                              "works. Read it out or give it to the person "
                              "only: it is their vote.",
               grouped);
    wbuf_puts(b, "<p>Their link: <code id=\"new-link\">");
    esc_text(b, wbuf_str(&link));
    wbuf_puts(b, "</code></p>\n<p>They can also type the code at <code>");
    esc_text(b, web_cfg.base_url);
    wbuf_puts(b, "/v</code>.</p>\n<p><a href=\"");
    page_href(b, "/admin/e/%s/electors", e.slug);
    wbuf_puts(b, "\">Back to the people</a></p>\n");
    page_close(r, p);
    wbuf_free(&link);
  } else if (s == WEB_EINVALID || s == WEB_ECONFLICT) {
    const char *msg = v.n ? v.e[0].msg
                          : s == WEB_ECONFLICT
                                ? "A new link can be issued only while "
                                  "voting is open."
                                : "That cannot be done.";
    char back[96];
    snprintf(back, sizeof back, "/admin/e/%s/electors", e.slug);
    page_message(r, p, s == WEB_EINVALID ? 422 : 409, "No new link", msg,
                 back, "Back to the people");
  } else {
    page_fail(r, p, s);
  }
  sodium_memzero(code, sizeof code);
  sodium_memzero(grouped, sizeof grouped);
  p->no_store = 1;
  svc_election_free(&e);
}

/* ----------------------------------------------------------------- API */

/* The election named by param 0, administered by the token's admin. */
static int api_load(req *r, resp *p, svc_election *e) {
  p->no_store = 1;
  return page_election(r, p, r->param[0], e, 1);
}

/* The body as an object whose keys are all in allowed (NULL-terminated)
** and strings: 1 with *o (NULL for no body), or 0 with a 400/422
** written. */
static int api_body(req *r, resp *p, const char *const *allowed,
                    json_t **o) {
  const char *key;
  json_t *val;
  verr v;
  v.n = 0;
  *o = NULL;
  if (!r->json) return 1;
  if (!json_is_object(r->json)) {
    api_error(p, 400, "bad_json", "The body must be a JSON object.", NULL);
    return 0;
  }
  json_object_foreach(r->json, key, val) {
    const char *const *a;
    for (a = allowed; *a && strcmp(*a, key) != 0; a++) {
    }
    if (!*a)
      verr_add(&v, key, "unknown_field", "Unknown field \"%.60s\".", key);
    else if (!json_is_string(val))
      verr_add(&v, key, "wrong_type", "%s must be a string.", key);
  }
  if (v.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    return 0;
  }
  *o = r->json;
  return 1;
}

static void api_electorate(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  ev x;
  size_t i;
  web_status s;
  jw w;
  if (!api_load(r, p, &e)) return;
  s = db ? ev_load(db, &e, &x) : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    svc_election_free(&e);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kstr(&w, "election", e.slug);
  jw_kbool(&w, "frozen", x.frozen);
  jw_key(&w, "orgs");
  jw_arr(&w);
  for (i = 0; i < x.norg; i++) {
    jw_obj(&w);
    jw_kstr(&w, "org", x.org[i].slug);
    jw_kstr(&w, "name", x.org[i].name);
    jw_kint(&w, x.frozen ? "electors" : "voters", x.org[i].n);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kint(&w, "voters", x.voters);
  jw_kint(&w, "electors", x.electors);
  jw_kint(&w, "merged", x.merged);
  jw_kint(&w, "no_email", x.no_email);
  jw_kint(&w, "shared", x.shared);
  jw_key(&w, "contests");
  jw_arr(&w);
  for (i = 0; i < x.nc; i++) {
    jw_obj(&w);
    jw_kstr(&w, "slug", x.c[i].slug);
    jw_kstr(&w, "title", x.c[i].title);
    jw_kint(&w, "eligible", x.c[i].eligible);
    jw_kint(&w, "candidates", x.c[i].candidates);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  ev_free(&x);
  svc_election_free(&e);
}

static void api_export(req *r, resp *p) {
  static const char *const keys[] = {"scope", NULL};
  svc_election e;
  json_t *o;
  const char *scope;
  wbuf csv;
  verr v;
  web_status s;
  v.n = 0;
  if (!api_load(r, p, &e)) return;
  if (!api_body(r, p, keys, &o)) {
    svc_election_free(&e);
    return;
  }
  scope = json_string_value(json_object_get(o, "scope"));
  if (!scope) scope = "post";
  if (strcmp(scope, "post") != 0 && strcmp(scope, "all") != 0) {
    verr_add(&v, "scope", "invalid", "scope must be \"post\" or \"all\".");
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    svc_election_free(&e);
    return;
  }
  wbuf_init(&csv, RESP_EXPORT_MAX);
  s = svc_credentials_export(e.id, scope, r->actor, r->now, &csv, &v);
  if (s == WEB_OK && csv.err) s = (web_status)csv.err;
  if (s == WEB_OK)
    csv_answer(p, &e, scope, &csv);
  else if (s == WEB_ECONFLICT)
    api_fail(p, s, v.n ? v.e[0].code : "phase",
             v.n ? v.e[0].msg : "Codes can be made only while voting is "
                                "open.",
             v.n ? &v : NULL);
  else
    api_fail(p, s, NULL, NULL, &v);
  wbuf_free(&csv);
  svc_election_free(&e);
}

static void api_remind(req *r, resp *p) {
  static const char *const keys[] = {NULL};
  svc_election e;
  json_t *o;
  int64_t queued = 0;
  web_status s;
  jw w;
  if (!api_load(r, p, &e)) return;
  if (api_body(r, p, keys, &o)) {
    s = svc_remind(e.id, r->actor, r->now, &queued);
    if (s == WEB_ECONFLICT)
      api_fail(p, s, "phase",
               "Reminders can be sent only while voting is open.", NULL);
    else if (s)
      api_fail(p, s, NULL, NULL, NULL);
    else {
      api_begin(p, 200, &w);
      jw_obj(&w);
      jw_kint(&w, "queued", queued);
      jw_obj_end(&w);
      wbuf_puts(&p->body, "\n");
    }
  }
  svc_election_free(&e);
}

/* The tags "a b" as a JSON array. */
static void jw_tags(jw *w, const char *t) {
  jw_arr(w);
  while (*t) {
    char tag[64];
    size_t k = strcspn(t, " ");
    if (k) {
      size_t c = k < sizeof tag - 1 ? k : sizeof tag - 1;
      memcpy(tag, t, c);
      tag[c] = 0;
      jw_str(w, tag);
    }
    t += k;
    while (*t == ' ') t++;
  }
  jw_arr_end(w);
}

static void api_electors(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_elector_row *x = NULL;
  size_t n = 0, i, shown;
  const char *q = req_query_text(r, "q", QUERY_TEXT_MAX);
  int64_t limit = req_query_int(r, "limit", 50);
  int64_t offset = req_query_int(r, "offset", 0);
  verr v;
  web_status s;
  jw w;
  v.n = 0;
  if (!api_load(r, p, &e)) return;
  if (form_get(&r->query, "q") && !q)
    verr_add(&v, "q", "invalid", "q must be UTF-8 text of at most %d bytes.",
             QUERY_TEXT_MAX);
  if (limit < 1 || limit > 200)
    verr_add(&v, "limit", "out_of_range", "limit must be 1 to 200.");
  if (offset < 0 || offset > 10000000)
    verr_add(&v, "offset", "out_of_range",
             "offset must be a whole number from 0.");
  if (v.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    svc_election_free(&e);
    return;
  }
  /* one more than asked (within the reader's 200), to know whether
  ** there is a next page */
  s = db ? svc_electors_find(db, e.id, q ? q : "",
                             limit < 200 ? (int)limit + 1 : 200, (int)offset,
                             &x, &n)
         : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    svc_election_free(&e);
    return;
  }
  shown = n > (size_t)limit ? (size_t)limit : n;
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_key(&w, "electors");
  jw_arr(&w);
  for (i = 0; i < shown; i++) {
    jw_obj(&w);
    jw_kint(&w, "id", x[i].id);
    jw_kstr(&w, "name", x[i].name);
    jw_kstr(&w, "email", x[i].email);
    jw_kstr(&w, "member_nos", x[i].member_nos);
    jw_key(&w, "tags");
    jw_tags(&w, x[i].tags);
    jw_kstr(&w, "delivery", x[i].post ? "post" : "email");
    jw_kbool(&w, "removed", x[i].removed);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_key(&w, "next_offset");
  if (n > shown || (limit == 200 && n == 200))
    jw_int(&w, offset + (int64_t)shown);
  else jw_null(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_elector_rows_free(x, n);
  svc_election_free(&e);
}

static void api_reissue(req *r, resp *p) {
  static const char *const keys[] = {"deliver", NULL};
  svc_election e;
  json_t *o;
  int64_t id = req_path_id(r->param[1]);
  const char *deliver;
  char code[CRED_TEXT], grouped[CRED_GROUPED];
  verr v;
  web_status s;
  jw w;
  v.n = 0;
  code[0] = 0;
  if (!api_load(r, p, &e)) return;
  if (!api_body(r, p, keys, &o)) {
    svc_election_free(&e);
    return;
  }
  deliver = json_string_value(json_object_get(o, "deliver"));
  if (!id) {
    api_fail(p, WEB_ENOTFOUND, NULL, NULL, NULL);
    svc_election_free(&e);
    return;
  }
  if (!deliver || (strcmp(deliver, "email") && strcmp(deliver, "show"))) {
    verr_add(&v, "deliver", deliver ? "invalid" : "required",
             "deliver must be \"email\" or \"show\".");
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    svc_election_free(&e);
    return;
  }
  s = svc_reissue(e.id, id, r->actor, r->now,
                  strcmp(deliver, "show") == 0 ? code : NULL, &v);
  if (s == WEB_ECONFLICT)
    api_fail(p, s, v.n ? v.e[0].code : "phase",
             v.n ? v.e[0].msg
                 : "A new link can be issued only while voting is open.",
             v.n ? &v : NULL);
  else if (s)
    api_fail(p, s, NULL, NULL, &v);
  else {
    api_begin(p, 200, &w);
    jw_obj(&w);
    jw_kint(&w, "elector", id);
    jw_kstr(&w, "deliver", deliver);
    if (strcmp(deliver, "show") == 0) {
      wbuf link;
      cred_grouped(code, grouped);
      wbuf_init(&link, 512);
      wbuf_puts(&link, web_cfg.base_url);
      wbuf_puts(&link, "/v/");
      wbuf_puts(&link, code);
      jw_kstr(&w, "code", code);
      jw_kstr(&w, "grouped", grouped);
      jw_kstr(&w, "link", wbuf_str(&link));
      if (link.p) sodium_memzero(link.p, link.len);
      wbuf_free(&link);
    }
    jw_obj_end(&w);
    wbuf_puts(&p->body, "\n");
  }
  sodium_memzero(code, sizeof code);
  sodium_memzero(grouped, sizeof grouped);
  svc_election_free(&e);
}

static void api_turnout(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_turnout t;
  size_t i;
  web_status s;
  jw w;
  if (!api_load(r, p, &e)) return;
  if (e.phase < PHASE_VOTING) {
    api_fail(p, WEB_ECONFLICT, "voting_not_open",
             "Voting has not opened, so there is no turnout yet.", NULL);
    svc_election_free(&e);
    return;
  }
  s = db ? svc_turnout_get(db, e.id, &t) : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    svc_election_free(&e);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kint(&w, "electorate", t.electors);
  jw_kint(&w, "voted", e.phase >= PHASE_CLOSED ? t.receipts : t.voted);
  jw_key(&w, "contests");
  jw_arr(&w);
  for (i = 0; i < t.n; i++) {
    jw_obj(&w);
    jw_kstr(&w, "slug", t.contest[i].slug);
    jw_kint(&w, "electorate", t.contest[i].eligible);
    jw_kint(&w, "ballots", t.contest[i].ballots);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_turnout_free(&t);
  svc_election_free(&e);
}

/* --------------------------------------------------------------- routes */

#define H(m, pat, fn, body) {m, pat, fn, AUTH_ADMIN, body, RATE_READ}
#define A(m, pat, fn, body) {m, pat, fn, AUTH_TOKEN, body, RATE_API}

const route routes_voting[] = {
    H("GET", "/admin/e/{e}/electorate", h_electorate, BODY_NONE),
    H("GET", "/admin/e/{e}/voting", h_voting, BODY_NONE),
    H("POST", "/admin/e/{e}/remind", h_remind, BODY_FORM),
    H("POST", "/admin/e/{e}/credentials.csv", h_export, BODY_FORM),
    H("GET", "/admin/e/{e}/electors", h_electors, BODY_NONE),
    H("POST", "/admin/e/{e}/electors/{id}/reissue", h_reissue, BODY_FORM),
    A("GET", "/api/v1/elections/{e}/electorate", api_electorate, BODY_NONE),
    A("POST", "/api/v1/elections/{e}/credentials/export", api_export,
      BODY_JSON),
    A("POST", "/api/v1/elections/{e}/reminders", api_remind, BODY_JSON),
    A("GET", "/api/v1/elections/{e}/electors", api_electors, BODY_NONE),
    A("POST", "/api/v1/elections/{e}/electors/{id}/reissue", api_reissue,
      BODY_JSON),
    A("GET", "/api/v1/elections/{e}/turnout", api_turnout, BODY_NONE),
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
