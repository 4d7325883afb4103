/*
** p_publish.c: the publication pages (routes_publish), public once the
** election's candidates are published (svc_published), a 404 page "not
** published yet" before (docs/design/service.md §8):
**
**   GET /e/{e}/candidates   one section per contest (seats, rules,
**                           constraints, who votes), then each accepted
**                           candidate alphabetically as <article
**                           id="cand-N">: name, categories, statement,
**                           checklist answers as a <dl>; withdrawn
**                           candidates at the end, "Withdrawn on <date>"
**   GET /e/{e}/checklist    per contest, a <table> of the answers:
**                           questions as rows, accepted candidates as
**                           columns, "Yes"/"No"/"No answer" in words, and
**                           a link to each comment listed below the table
**
** Both take ?contest=SLUG (a GET form, no script) to show one contest.
** Only accepted candidates and withdrawn ones that had been accepted
** appear (svc_publication_get): never submitted or rejected nominations.
** Every text is escaped; the statement is the stored cmark rendering
** (safe mode: no raw HTML, no javascript: links), the only raw insert.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "stv.h"
#include "svc.h"
#include "svc_review.h"

/* --------------------------------------------------------------- helpers */


static const char *answer_word(const svc_review_answer *a) {
  return strcmp(a->answer, "yes") == 0  ? "Yes"
         : strcmp(a->answer, "no") == 0 ? "No"
                                        : "No answer";
}

/* What a publication page needs: the election, its publication, its
** categories (for eligibility labels), and the contest filter. */
typedef struct pub_ctx {
  svc_election e;
  svc_publication pub;
  svc_category *cats;
  size_t ncats;
  const svc_pub_contest *only; /* ?contest=, or NULL for all */
  int bad_filter;              /* ?contest= named no contest */
} pub_ctx;

static void pub_free(pub_ctx *c) {
  svc_publication_free(&c->pub);
  svc_categories_free(c->cats, c->ncats);
  svc_election_free(&c->e);
}

/* Loads the election r->param[0] and its publication; 0 when the answer
** (404 election, 404 not published yet, 500) is already written. */
static int pub_load(req *r, resp *p, pub_ctx *c, const char *what) {
  sqlite3 *db;
  web_status s;
  const char *want = form_get(&r->query, "contest");
  size_t i;
  memset(c, 0, sizeof *c);
  if (!page_election(r, p, r->param[0], &c->e, 0)) return 0;
  if (!svc_published(&c->e, r->now)) {
    char text[400];
    wbuf href;
    snprintf(text, sizeof text, "The %s for \xe2\x80\x9c%s\xe2\x80\x9d have "
             "not been published yet. They will appear here when the "
             "organisers publish them.", what, c->e.title);
    wbuf_init(&href, 512);
    page_href(&href, "/e/%s", c->e.slug);
    page_message(r, p, 404, "Not published yet", text,
                 href.err ? "/" : wbuf_str(&href), "Back to the election");
    wbuf_free(&href);
    svc_election_free(&c->e);
    return 0;
  }
  db = db_get();
  s = db ? svc_publication_get(db, c->e.id, &c->pub) : WEB_EDB;
  if (!s) s = svc_categories(db, c->e.id, &c->cats, &c->ncats);
  if (s) {
    pub_free(c);
    page_fail(r, p, s);
    return 0;
  }
  if (want && *want) {
    for (i = 0; i < c->pub.ncontests; i++)
      if (strcmp(c->pub.contests[i].c.slug, want) == 0)
        c->only = &c->pub.contests[i];
    c->bad_filter = !c->only;
  }
  return 1;
}

/* The ?contest= form (only when there is more than one contest). */
static void put_filter(wbuf *b, const pub_ctx *c, const char *path) {
  const svc_pub_contest *all = c->pub.contests;
  size_t i;
  if (c->bad_filter)
    wbuf_puts(b, "<p class=\"notice warn\" role=\"status\">There is no "
                 "contest of that name in this election, so every contest "
                 "is shown.</p>\n");
  if (c->pub.ncontests < 2 || !all) return;
  wbuf_puts(b, "<form method=\"get\" class=\"actions\" action=\"");
  page_href(b, path, c->e.slug);
  wbuf_puts(b, "\"><div class=\"field\"><label for=\"f-contest\">Contest"
               "</label><select id=\"f-contest\" name=\"contest\">");
  wbuf_printf(b, "<option value=\"\"%s>Every contest</option>",
              c->only ? "" : " selected");
  for (i = 0; i < c->pub.ncontests; i++) {
    const svc_pub_contest *pc = &all[i];
    wbuf_puts(b, "<option value=\"");
    esc_attr(b, pc->c.slug);
    wbuf_puts(b, pc == c->only ? "\" selected>" : "\">");
    esc_text(b, pc->c.title);
    wbuf_puts(b, "</option>");
  }
  wbuf_puts(b, "</select></div><button type=\"submit\" class=\"button "
               "secondary\">Show</button></form>\n");
}

/* Links between the election page and the two publication pages. */
static void put_links(wbuf *b, const pub_ctx *c, int checklist) {
  wbuf_puts(b, "<ul class=\"links\"><li><a href=\"");
  page_href(b, "/e/%s", c->e.slug);
  wbuf_puts(b, "\">About the election</a></li><li><a href=\"");
  page_href(b, checklist ? "/e/%s/candidates" : "/e/%s/checklist",
            c->e.slug);
  wbuf_puts(b, checklist ? "\">The candidates' statements</a></li></ul>\n"
                         : "\">Compare their answers</a></li></ul>\n");
}

/* Seats, rules, constraints and who votes. */
static void put_contest_facts(wbuf *b, const pub_ctx *c,
                              const svc_pub_contest *pc) {
  const char *summary = stv_rule_summary(pc->c.rules);
  size_t i, k;
  wbuf_printf(b, "<p><strong>%d seat%s</strong>", pc->c.seats,
              pc->c.seats == 1 ? "" : "s");
  if (summary) {
    wbuf_puts(b, ", counted by the single transferable vote (");
    esc_text(b, summary);
    wbuf_puts(b, ")");
  }
  wbuf_puts(b, ".</p>");
  for (i = k = 0; i < pc->ncons; i++) {
    const svc_constraint *x = &pc->cons[i];
    if (x->min <= 0 && x->max < 0) continue;
    if (k++ == 0) wbuf_puts(b, "<ul class=\"constraints\">");
    wbuf_puts(b, "<li>");
    if (x->min > 0 && x->max == x->min)
      wbuf_printf(b, "Exactly %d", x->min);
    else if (x->min > 0 && x->max >= 0)
      wbuf_printf(b, "Between %d and %d", x->min, x->max);
    else if (x->min > 0)
      wbuf_printf(b, "At least %d", x->min);
    else
      wbuf_printf(b, "At most %d", x->max);
    wbuf_printf(b, " of the %d seat%s go%s to candidates who are ",
                pc->c.seats, pc->c.seats == 1 ? "" : "s",
                pc->c.seats == 1 ? "es" : "");
    esc_text(b, x->label ? x->label : x->category);
    wbuf_puts(b, ".</li>");
  }
  if (k) wbuf_puts(b, "</ul>");
  wbuf_puts(b, "<p>Who can vote: ");
  for (i = 0; i < pc->ntags; i++) {
    const char *label = pc->tags[i];
    for (k = 0; k < c->ncats; k++)
      if (strcmp(c->cats[k].slug, pc->tags[i]) == 0 && c->cats[k].label)
        label = c->cats[k].label;
    wbuf_puts(b, i ? " or " : "members who are ");
    wbuf_puts(b, "<strong>");
    esc_text(b, label);
    wbuf_puts(b, "</strong>");
  }
  wbuf_puts(b, pc->ntags ? " (as recorded on the membership list).</p>\n"
                         : "every member.</p>\n");
}

/* ------------------------------------------------------------ candidates */

static void put_candidate(wbuf *b, const pub_ctx *c,
                          const svc_pub_candidate *k) {
  size_t i;
  wbuf_printf(b, "<article class=\"candidate\" id=\"cand-%lld\" "
                 "aria-labelledby=\"cand-%lld-name\"><h3 "
                 "id=\"cand-%lld-name\">",
              (long long)k->id, (long long)k->id, (long long)k->id);
  esc_text(b, k->name);
  wbuf_puts(b, "</h3>");
  if (k->ncats) {
    wbuf_puts(b, "<ul class=\"tags\" aria-label=\"Categories\">");
    for (i = 0; i < k->ncats; i++) {
      wbuf_puts(b, "<li>");
      esc_text(b, k->cats[i].label);
      wbuf_puts(b, "</li>");
    }
    wbuf_puts(b, "</ul>");
  }
  wbuf_puts(b, "<div class=\"statement\">");
  wbuf_puts(b, k->html); /* cmark, safe mode: the only raw insert */
  wbuf_puts(b, "</div>");
  if (c->pub.nquestions) {
    wbuf_puts(b, "<h4>Checklist answers</h4><dl class=\"answers\">");
    for (i = 0; i < c->pub.nquestions; i++) {
      wbuf_puts(b, "<dt>");
      esc_text(b, c->pub.questions[i].text);
      wbuf_puts(b, "</dt><dd>");
      wbuf_puts(b, answer_word(&k->answers[i]));
      if (k->answers[i].comment[0]) {
        wbuf_puts(b, ". ");
        esc_text(b, k->answers[i].comment);
      }
      wbuf_puts(b, "</dd>");
    }
    wbuf_puts(b, "</dl>");
  }
  wbuf_puts(b, "</article>\n");
}

static void candidates_section(wbuf *b, const pub_ctx *c,
                               const svc_pub_contest *pc) {
  size_t i;
  wbuf_printf(b, "<section class=\"contest\" aria-labelledby=\"c-%lld\">"
                 "<h2 id=\"c-%lld\">",
              (long long)pc->c.id, (long long)pc->c.id);
  esc_text(b, pc->c.title);
  wbuf_puts(b, "</h2>\n");
  put_contest_facts(b, c, pc);
  if (!pc->naccepted)
    wbuf_puts(b, "<p>No candidates have been accepted for this contest "
                 "yet.</p>\n");
  else
    wbuf_printf(b, "<p>%zu candidate%s, in alphabetical order.</p>\n",
                pc->naccepted, pc->naccepted == 1 ? "" : "s");
  for (i = 0; i < pc->ncand; i++)
    if (pc->cand[i].status == NOM_ACCEPTED) put_candidate(b, c, &pc->cand[i]);
  if (pc->ncand > pc->naccepted) {
    wbuf_printf(b, "<h3 id=\"withdrawn-%lld\">Withdrawn</h3>\n<ul "
                   "class=\"withdrawn\">",
                (long long)pc->c.id);
    for (i = 0; i < pc->ncand; i++) {
      const svc_pub_candidate *k = &pc->cand[i];
      if (k->status == NOM_ACCEPTED) continue;
      wbuf_printf(b, "<li id=\"cand-%lld\"><strong>", (long long)k->id);
      esc_text(b, k->name);
      wbuf_puts(b, "</strong> \xe2\x80\x94 Withdrawn on ");
      page_time(b, c->e.tz, k->withdrawn_at, 1);
      wbuf_puts(b, "</li>");
    }
    wbuf_puts(b, "</ul>\n");
  }
  wbuf_puts(b, "</section>\n");
}

static void h_candidates(req *r, resp *p) {
  pub_ctx c;
  char title[300];
  size_t i;
  wbuf *b = &p->body;
  if (!pub_load(r, p, &c, "candidates")) return;
  snprintf(title, sizeof title, "Candidates: %s", c.e.title);
  page_open(r, p, title);
  put_links(b, &c, 0);
  put_filter(b, &c, "/e/%s/candidates");
  if (!c.pub.ncontests) wbuf_puts(b, "<p>There are no contests.</p>\n");
  for (i = 0; i < c.pub.ncontests; i++)
    if (!c.only || c.only == &c.pub.contests[i])
      candidates_section(b, &c, &c.pub.contests[i]);
  page_close(r, p);
  pub_free(&c);
}

/* ------------------------------------------------------------- checklist */

static void checklist_section(wbuf *b, const pub_ctx *c,
                              const svc_pub_contest *pc) {
  size_t i, q, ncomments = 0;
  long long cid = (long long)pc->c.id;
  wbuf_printf(b, "<section class=\"contest\" aria-labelledby=\"c-%lld\">"
                 "<h2 id=\"c-%lld\">",
              cid, cid);
  esc_text(b, pc->c.title);
  wbuf_puts(b, "</h2>\n");
  if (!pc->naccepted) {
    wbuf_puts(b, "<p>No candidates have been accepted for this contest "
                 "yet.</p></section>\n");
    return;
  }
  wbuf_printf(b, "<div class=\"table-wrap breakout\" role=\"region\" "
                 "aria-labelledby=\"cap-%lld\" tabindex=\"0\"><table "
                 "class=\"checklist\"><caption id=\"cap-%lld\">",
              cid, cid);
  esc_text(b, pc->c.title);
  wbuf_puts(b, ": the candidates' answers</caption><thead><tr><th "
               "scope=\"col\">Question</th>");
  for (i = 0; i < pc->ncand; i++) {
    const svc_pub_candidate *k = &pc->cand[i];
    if (k->status != NOM_ACCEPTED) continue;
    wbuf_puts(b, "<th scope=\"col\"><a href=\"");
    page_href(b, "/e/%s/candidates", c->e.slug);
    wbuf_printf(b, "#cand-%lld\">", (long long)k->id);
    esc_text(b, k->name);
    wbuf_puts(b, "</a></th>");
  }
  wbuf_puts(b, "</tr></thead><tbody>");
  for (q = 0; q < c->pub.nquestions; q++) {
    const svc_question *qq = &c->pub.questions[q];
    wbuf_puts(b, "<tr><th scope=\"row\"><strong>");
    esc_text(b, qq->short_label);
    wbuf_puts(b, "</strong><br><span class=\"muted\">");
    esc_text(b, qq->text);
    wbuf_puts(b, "</span></th>");
    for (i = 0; i < pc->ncand; i++) {
      const svc_pub_candidate *k = &pc->cand[i];
      if (k->status != NOM_ACCEPTED) continue;
      wbuf_puts(b, "<td>");
      wbuf_puts(b, answer_word(&k->answers[q]));
      if (k->answers[q].comment[0]) {
        ncomments++;
        wbuf_printf(b, " <a href=\"#comment-%lld-%lld\">(comment"
                       "<span class=\"visually-hidden\"> from ",
                    (long long)k->id, (long long)qq->id);
        esc_text(b, k->name);
        wbuf_puts(b, "</span>)</a>");
      }
      wbuf_puts(b, "</td>");
    }
    wbuf_puts(b, "</tr>");
  }
  wbuf_puts(b, "</tbody></table></div>\n");
  if (ncomments) {
    wbuf_printf(b, "<h3 id=\"comments-%lld\">Comments</h3>\n<ol "
                   "class=\"comments\">",
                cid);
    for (q = 0; q < c->pub.nquestions; q++)
      for (i = 0; i < pc->ncand; i++) {
        const svc_pub_candidate *k = &pc->cand[i];
        if (k->status != NOM_ACCEPTED || !k->answers[q].comment[0]) continue;
        wbuf_printf(b, "<li id=\"comment-%lld-%lld\"><strong>",
                    (long long)k->id, (long long)c->pub.questions[q].id);
        esc_text(b, k->name);
        wbuf_puts(b, "</strong> on <em>");
        esc_text(b, c->pub.questions[q].short_label);
        wbuf_puts(b, "</em> (");
        wbuf_puts(b, answer_word(&k->answers[q]));
        wbuf_puts(b, "): ");
        esc_text(b, k->answers[q].comment);
        wbuf_puts(b, "</li>");
      }
    wbuf_puts(b, "</ol>\n");
  }
  wbuf_puts(b, "</section>\n");
}

static void h_checklist(req *r, resp *p) {
  pub_ctx c;
  char title[300];
  size_t i;
  wbuf *b = &p->body;
  if (!pub_load(r, p, &c, "checklist answers")) return;
  snprintf(title, sizeof title, "Checklist: %s", c.e.title);
  page_open(r, p, title);
  put_links(b, &c, 1);
  put_filter(b, &c, "/e/%s/checklist");
  if (!c.pub.nquestions)
    wbuf_puts(b, "<p>This election asks the candidates no checklist "
                 "questions.</p>\n");
  else {
    wbuf_puts(b, "<p>Each table has a row per question and a column per "
                 "candidate. On a narrow screen, scroll a table sideways. "
                 "Comments are listed under each table.</p>\n");
    for (i = 0; i < c.pub.ncontests; i++)
      if (!c.only || c.only == &c.pub.contests[i])
        checklist_section(b, &c, &c.pub.contests[i]);
  }
  page_close(r, p);
  pub_free(&c);
}

const route routes_publish[] = {
    {"GET", "/e/{e}/candidates", h_candidates, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {"GET", "/e/{e}/checklist", h_checklist, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
