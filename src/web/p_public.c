/*
** p_public.c: the public pages that need no sign-in: the list of
** elections (/), one election's page (/e/{e}) with its timetable,
** contests, rules and links, a page about hustings and STV (/about), and
** the health check (/healthz).
**
** Everything written here is read-only: the pages read the database
** through svc.h's read model and a few SELECTs of their own.  Every text
** that came from an administrator is escaped (esc_text/esc_attr) or, for
** the election's introduction, rendered by md_render (safe cmark).  Times
** are shown in the election's zone with tz_display, inside
** <time datetime="...Z">, and the zone is named on the page.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "stv.h"
#include "svc.h"

/* ---------------------------------------------------------------- helpers */


/* The sentence for a timetable event, past or future. */
static const char *event_sentence(svc_event ev, int past) {
  static const char *const future[EV_COUNT] = {
      "Nominations open on ", "Nominations close on ", "Voting opens on ",
      "Voting closes on "};
  static const char *const done[EV_COUNT] = {
      "Nominations opened on ", "Nominations closed on ", "Voting opened on ",
      "Voting closed on "};
  return ev < EV_COUNT ? (past ? done[ev] : future[ev]) : "";
}

/* Whether timetable event ev has happened: its phase has been reached
** (at its deadline, or earlier when an administrator moved on). */
static int event_done(const svc_election *e, int ev) {
  static const svc_phase reached[EV_COUNT] = {PHASE_NOMINATIONS, PHASE_REVIEW,
                                              PHASE_VOTING, PHASE_COUNTED};
  return ev >= 0 && ev < EV_COUNT && e->phase >= reached[ev];
}

/* What the phase means for a member, in one sentence. */
static const char *phase_words(svc_phase ph) {
  switch (ph) {
  case PHASE_SETUP:
    return "This election is still being set up.";
  case PHASE_NOMINATIONS:
    return "Nominations are open.";
  case PHASE_REVIEW:
    return "Nominations have closed; the organisers are checking them.";
  case PHASE_VOTING:
    return "Voting is open.";
  case PHASE_COUNTED:
    return "The votes have been counted.";
  case PHASE_CLOSED:
    return "This election is over.";
  default:
    return "";
  }
}

static void put_link(wbuf *b, const char *href, const char *text,
                     const char *cls) {
  wbuf_puts(b, "<a");
  if (cls)
    wbuf_printf(b, " class=\"%s\"", cls);
  wbuf_puts(b, " href=\"");
  esc_attr(b, href);
  wbuf_puts(b, "\">");
  esc_text(b, text);
  wbuf_puts(b, "</a>");
}

/* ------------------------------------------------------------------- home */

/* The next deadline of each election: the first future event whose phase
** has not been reached already (an administrator may have moved on
** early). */
#define NEXT_EVENT(col)                                                        \
  "(SELECT t." col " FROM timetable t WHERE t.election_id = e.id AND "         \
  "t.at > ?1 AND NOT ((t.event = 'nominations_open' AND e.phase <> "           \
  "'setup') OR (t.event = 'nominations_close' AND e.phase IN ('review', "      \
  "'voting', 'counted', 'closed')) OR (t.event = 'voting_open' AND e.phase "   \
  "IN ('voting', 'counted', 'closed')) OR (t.event = 'voting_close' AND "      \
  "e.phase IN ('counted', 'closed'))) ORDER BY t.at LIMIT 1)"

static const char home_sql[] =
    "SELECT e.slug, e.title, o.name, e.phase, e.tz, " NEXT_EVENT(
        "event") ", " NEXT_EVENT("at") " "
                                       "FROM elections e JOIN orgs o ON o.id = "
                                       "e.org_id "
                                       "WHERE e.phase <> 'setup' ORDER BY "
                                       "e.created_at DESC, e.id DESC "
                                       "LIMIT 200";

static void h_home(req *r, resp *p) {
  sqlite3 *db = db_get();
  sqlite3_stmt *st = db ? db_stmt(db, home_sql) : NULL;
  wbuf *b = &p->body;
  int rc, n = 0;
  if (!st) {
    page_fail(r, p, WEB_EDB);
    return;
  }
  sqlite3_bind_int64(st, 1, r->now);
  page_open(r, p, "Elections");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *slug = (const char *)sqlite3_column_text(st, 0);
    const char *title = (const char *)sqlite3_column_text(st, 1);
    const char *org = (const char *)sqlite3_column_text(st, 2);
    const char *phase = (const char *)sqlite3_column_text(st, 3);
    const char *zone = (const char *)sqlite3_column_text(st, 4);
    const char *next = (const char *)sqlite3_column_text(st, 5);
    int64_t at = sqlite3_column_int64(st, 6);
    svc_phase ph = PHASE_SETUP;
    wbuf href;
    int i;
    if (!slug || !title)
      continue;
    if (n++ == 0)
      wbuf_puts(b, "<ul class=\"elections\">\n");
    svc_phase_parse(phase, &ph);
    wbuf_init(&href, 512);
    page_href(&href, "/e/%s", slug);
    wbuf_puts(b, "<li><h2>");
    put_link(b, wbuf_str(&href), title, NULL);
    wbuf_free(&href);
    wbuf_puts(b, "</h2><p>");
    esc_text(b, org ? org : "");
    wbuf_puts(b, " \xc2\xb7 <strong>");
    esc_text(b, svc_phase_label(ph));
    wbuf_puts(b, "</strong></p>");
    for (i = 0; next && i < EV_COUNT; i++)
      if (strcmp(next, svc_event_name((svc_event)i)) == 0) {
        wbuf_puts(b, "<p>");
        wbuf_puts(b, event_sentence((svc_event)i, 0));
        page_time(b, zone ? zone : "UTC", at, 0);
        wbuf_puts(b, "</p>");
      }
    wbuf_puts(b, "</li>\n");
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    wbuf_free(b);
    wbuf_init(b, WBUF_PAGE_MAX);
    page_fail(r, p, db_status(rc));
    return;
  }
  if (n)
    wbuf_puts(b, "</ul>\n");
  else
    wbuf_puts(b,
              "<p>There are no elections here yet.</p>\n"
              "<p>This site runs <strong>hustings</strong>: candidates put "
              "themselves forward, write a short statement and answer the "
              "organisers' questions, and members read them side by side "
              "before they vote. When an election opens for nominations it "
              "will be listed here.</p>\n"
              "<p><a href=\"/about\">How hustings and the single transferable "
              "vote work</a></p>\n");
  page_close(r, p);
}

/* -------------------------------------------------------- election page */

/* A category in a sentence: "who are women" when its label reads as
** part of one (it starts in lower case, as the admin page suggests),
** else "in the category “Woman”". */
static void put_group(wbuf *b, const char *label) {
  if (!label)
    label = "";
  if (*label >= 'a' && *label <= 'z') {
    wbuf_puts(b, "who are <strong>");
    esc_text(b, label);
    wbuf_puts(b, "</strong>");
  } else {
    wbuf_puts(b, "in the category \xe2\x80\x9c<strong>");
    esc_text(b, label);
    wbuf_puts(b, "</strong>\xe2\x80\x9d");
  }
}

/* "at least 4 of the 9 seats go to candidates who are women." */
static void put_constraints(wbuf *b, sqlite3 *db, const svc_contest *c) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT k.label, x.min_seats, x.max_seats FROM contest_constraints "
          "x JOIN categories k ON k.id = x.category_id WHERE x.contest_id = "
          "?1 ORDER BY k.label");
  int n = 0, rc;
  if (!st)
    return;
  sqlite3_bind_int64(st, 1, c->id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *label = (const char *)sqlite3_column_text(st, 0);
    int lo = sqlite3_column_int(st, 1);
    int has_hi = sqlite3_column_type(st, 2) != SQLITE_NULL;
    int hi = sqlite3_column_int(st, 2);
    if (lo <= 0 && !has_hi)
      continue;
    if (n++ == 0)
      wbuf_puts(b, "<ul class=\"constraints\">");
    wbuf_puts(b, "<li>");
    if (lo > 0 && has_hi && hi == lo)
      wbuf_printf(b, "Exactly %d", lo);
    else if (lo > 0 && has_hi)
      wbuf_printf(b, "Between %d and %d", lo, hi);
    else if (lo > 0)
      wbuf_printf(b, "At least %d", lo);
    else
      wbuf_printf(b, "At most %d", hi);
    wbuf_printf(b, " of the %d seat%s go%s to candidates ", c->seats,
                c->seats == 1 ? "" : "s", c->seats == 1 ? "es" : "");
    put_group(b, label);
    wbuf_puts(b, ".</li>");
  }
  /* an error ends the list early: the page fails, not a short list */
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
  sqlite3_reset(st);
  if (n)
    wbuf_puts(b, "</ul>");
}

/* "Who can vote: every member" or the eligibility tags, with a
** category's label when a tag names one. */
static void put_eligibility(wbuf *b, sqlite3 *db, const svc_contest *c) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT x.tag, (SELECT k.label FROM categories k WHERE "
          "k.election_id = ?2 AND k.slug = x.tag) FROM contest_eligibility x "
          "WHERE x.contest_id = ?1 ORDER BY x.tag");
  int n = 0, rc;
  if (!st)
    return;
  sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_int64(st, 2, c->election_id);
  wbuf_puts(b, "<p>Who can vote: ");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *tag = (const char *)sqlite3_column_text(st, 0);
    const char *label = (const char *)sqlite3_column_text(st, 1);
    wbuf_puts(b, n++ ? " or " : "members ");
    put_group(b, label && *label ? label : tag);
  }
  /* an error ends the list early: the page fails, not a short list */
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
  sqlite3_reset(st);
  wbuf_puts(b, n ? " (as recorded on the membership list).</p>"
                 : "every member.</p>");
}

static void put_contest(req *r, wbuf *b, sqlite3 *db, const svc_election *e,
                        const svc_contest *c, int multi) {
  const char *summary = stv_rule_summary(c->rules);
  wbuf href;
  wbuf_printf(b, "<section class=\"contest\" aria-labelledby=\"c-%lld\">",
              (long long)c->id);
  wbuf_printf(b, "<h3 id=\"c-%lld\">", (long long)c->id);
  esc_text(b, c->title);
  wbuf_puts(b, "</h3>");
  wbuf_printf(b, "<p><strong>%d seat%s</strong>", c->seats,
              c->seats == 1 ? "" : "s");
  wbuf_puts(b, ".</p>");
  if (summary) {
    wbuf_puts(b, "<p class=\"hint\">How the votes are counted: ");
    esc_text(b, summary);
    wbuf_puts(b, "</p>");
  }
  put_constraints(b, db, c);
  put_eligibility(b, db, c);
  wbuf_init(&href, 512);
  if (c->threshold > 0) {
    int branch = strcmp(c->threshold_kind, "member") != 0;
    wbuf_printf(b,
                "<p>Each candidate needs supporting nominations from "
                "%d %s%s. ",
                c->threshold, branch ? "branch" : "member",
                c->threshold == 1 ? "" : (branch ? "es" : "s"));
    page_href(&href, "/e/%s/c/%s/support", e->slug, c->slug);
    put_link(b, wbuf_str(&href), "See who has enough so far", NULL);
    wbuf_puts(b, ".</p>");
    href.len = 0;
  }
  if (svc_nominations_open(e, r->now)) {
    page_href(&href, "/e/%s/c/%s/nominate", e->slug, c->slug);
    wbuf_puts(b, "<p>");
    put_link(b, wbuf_str(&href),
             multi ? "Nominate yourself for this contest" : "Nominate yourself",
             "button");
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "</section>\n");
  wbuf_free(&href);
}

static void h_election(req *r, resp *p) {
  svc_election e;
  svc_contest *cs = NULL;
  size_t nc = 0, i;
  sqlite3 *db;
  wbuf *b = &p->body, href;
  web_status s;
  int k, any = 0;
  if (!page_election(r, p, r->param[0], &e, 0))
    return;
  db = db_get();
  s = svc_contests(db, e.id, &cs, &nc);
  if (s) {
    svc_election_free(&e);
    page_fail(r, p, s);
    return;
  }
  page_open(r, p, e.title);
  wbuf_puts(b, "<p class=\"org\">");
  esc_text(b, e.org_name);
  wbuf_puts(b, "</p>\n<p class=\"notice\"><strong>");
  if (svc_nominations_open(&e, r->now) && e.at[EV_NOMINATIONS_CLOSE]) {
    wbuf_puts(b, "Nominations are open</strong> until ");
    page_time(b, e.tz, e.at[EV_NOMINATIONS_CLOSE], 0);
    wbuf_puts(b, ".");
  } else if (e.phase == PHASE_NOMINATIONS && !svc_nominations_open(&e, r->now))
    wbuf_puts(b, "Nominations have closed.</strong>");
  else {
    esc_text(b, phase_words(e.phase));
    wbuf_puts(b, "</strong>");
  }
  wbuf_puts(b, "</p>\n");
  if (e.intro_md[0]) {
    char *html = md_render(e.intro_md, strlen(e.intro_md));
    if (html) {
      wbuf_puts(b, "<div class=\"intro\">");
      wbuf_puts(b, html); /* safe: cmark without raw HTML */
      wbuf_puts(b, "</div>\n");
      free(html);
    }
  }

  wbuf_init(&href, 512);
  if (svc_published(&e, r->now)) {
    wbuf_puts(b, "<ul class=\"links\"><li>");
    page_href(&href, "/e/%s/candidates", e.slug);
    put_link(b, wbuf_str(&href), "Read the candidates' statements", NULL);
    href.len = 0;
    wbuf_puts(b, "</li><li>");
    page_href(&href, "/e/%s/checklist", e.slug);
    put_link(b, wbuf_str(&href), "Compare their answers", NULL);
    href.len = 0;
    if (e.phase == PHASE_VOTING) {
      wbuf_puts(b, "</li><li>");
      put_link(b, "/v", "Vote: enter the code from your letter or email",
               NULL);
    }
    if (e.phase >= PHASE_VOTING) {
      wbuf_puts(b, "</li><li>");
      page_href(&href, "/e/%s/key", e.slug);
      put_link(b, wbuf_str(&href), "The election's signing key", NULL);
      href.len = 0;
    }
    if (e.phase >= PHASE_COUNTED) {
      wbuf_puts(b, "</li><li>");
      page_href(&href, "/e/%s/results", e.slug);
      put_link(b, wbuf_str(&href), "Results", NULL);
      href.len = 0;
    }
    wbuf_puts(b, "</li></ul>\n");
  }

  wbuf_puts(b, "<h2>Timetable</h2>\n");
  for (k = 0; k < EV_COUNT; k++)
    if (e.at[k])
      any = 1;
  if (any) {
    wbuf_puts(b, "<ul class=\"timetable\">");
    for (k = 0; k < EV_COUNT; k++) {
      if (!e.at[k])
        continue;
      wbuf_puts(b, "<li>");
      if (event_done(&e, k) && e.at[k] > r->now) {
        /* moved on early by an administrator */
        static const char *const early[EV_COUNT] = {
            "Nominations opened early (planned for ",
            "Nominations closed early (planned for ",
            "Voting opened early (planned for ",
            "Voting closed early (planned for "};
        wbuf_puts(b, early[k]);
        page_time(b, e.tz, e.at[k], 0);
        wbuf_puts(b, ")");
      } else {
        wbuf_puts(b, event_sentence((svc_event)k, e.at[k] <= r->now));
        page_time(b, e.tz, e.at[k], 0);
      }
      wbuf_puts(b, "</li>");
    }
    wbuf_puts(b, "</ul>\n<p class=\"hint\">Times are in the ");
    esc_text(b, e.tz);
    wbuf_puts(b, " time zone.</p>\n");
  } else
    wbuf_puts(b, "<p>The dates have not been set yet.</p>\n");

  wbuf_puts(b, "<h2>What is being elected</h2>\n");
  if (!nc)
    wbuf_puts(b, "<p>No contests have been set up yet.</p>\n");
  for (i = 0; i < nc; i++)
    put_contest(r, b, db, &e, &cs[i], nc > 1);
  wbuf_puts(b, "<p><a href=\"/about\">How the single transferable vote "
               "works</a></p>\n");
  wbuf_free(&href);
  page_close(r, p);
  svc_contests_free(cs, nc);
  svc_election_free(&e);
}

/* ------------------------------------------------------------------ about */

static void h_about(req *r, resp *p) {
  page_open(r, p, "About hustings");
  wbuf_puts(
      &p->body,
      "<p>hustings is free software for running elections in member "
      "organisations. Candidates nominate themselves, write a short "
      "statement and answer the organisers' questions. Members can then "
      "read every statement and compare the answers before they vote. "
      "Each change the organisers make is written to a log that cannot "
      "be quietly rewritten.</p>\n"
      "<h2>How the single transferable vote works</h2>\n"
      "<p><strong>You rank the candidates.</strong> Put a 1 next to your "
      "favourite, a 2 next to your next choice, and so on. Rank as many "
      "or as few as you like.</p>\n"
      "<p><strong>Candidates need a quota.</strong> The quota is the "
      "number of votes that guarantees a seat: with 9 seats, a candidate "
      "who has just over a tenth of the votes is elected.</p>\n"
      "<p><strong>Spare votes move on.</strong> When a candidate has more "
      "votes than the quota, the votes they did not need pass to their "
      "voters' next choices. When no one reaches the quota, the candidate "
      "with the fewest votes is excluded and their votes pass on in the "
      "same way.</p>\n"
      "<p><strong>Does ranking more split my vote?</strong> No. Your vote "
      "counts for one candidate at a time. Your later choices are only "
      "looked at if your earlier choices have been elected or excluded, "
      "so ranking more candidates can never harm the ones you put "
      "first.</p>\n"
      "<p><strong>Fair shares.</strong> The result reflects how members "
      "voted: a group with a third of the votes can expect about a third "
      "of the seats. Rules such as \xe2\x80\x9c"
      "at least 4 of the 9 seats "
      "go to women\xe2\x80\x9d are met during the count, and the page for "
      "each election says which rules apply.</p>\n");
  page_close(r, p);
}

static void h_healthz(req *r, resp *p) {
  (void)r;
  p->status = 200;
  p->ctype = "text/plain; charset=utf-8";
  wbuf_puts(&p->body, "ok\n");
}

const route routes_public[] = {
    {"GET", "/", h_home, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/e/{e}", h_election, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/about", h_about, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/healthz", h_healthz, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
