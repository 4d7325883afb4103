/*
** p_nominate.c: the candidates' pages (docs/design/service.md §5, §7):
**
**   GET/POST /e/{e}/c/{c}/nominate   the nomination form; "Check word
**                                    count" (action=preview) re-renders
**                                    with the count and the rendered
**                                    statement and saves nothing
**   GET/POST /n/{token}              the candidate's private page: the
**                                    same form while editing is allowed,
**                                    afterwards read-only (status, the
**                                    decision's reason, withdrawal)
**   GET/POST /n/{token}/withdraw     confirmation, then withdrawal
**   GET/POST /s/{token}              a branch's supporting nominations
**   GET      /e/{e}/c/{c}/support    public: who has reached the
**                                    contest's threshold
**
** The private link, shown once.  A successful nomination answers 303 to
** /n/TOKEN?new=1: the private page itself, which then shows "your
** nomination has been received" and the link to save.  The token is the
** address the candidate must keep anyway, so the redirect discloses
** nothing new; the server keeps only its keyed hash (and the queued
** email), and every /n/ and /s/ answer is Cache-Control: no-store (with
** Referrer-Policy: no-referrer on every page).  This keeps PRG: reloading
** the confirmation cannot submit the nomination a second time, as
** rendering it straight from the POST (201) would.
**
** Every text that came from a candidate or an administrator is escaped
** here (esc_text/esc_attr) or is the stored cmark rendering of a
** statement (safe mode, md.c); URLs are built with page_href.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "svc.h"
#include "svc_nominate.h"

/* ---------------------------------------------------------------- helpers */


/* An <a href="..."> to a path built by page_href from one or two
** segments, with its text escaped. */
static void put_link(wbuf *b, const char *fmt, const char *a, const char *c,
                     const char *text, const char *cls) {
  wbuf_puts(b, "<a");
  if (cls) wbuf_printf(b, " class=\"%s\"", cls);
  wbuf_puts(b, " href=\"");
  page_href(b, fmt, a, c);
  wbuf_puts(b, "\">");
  esc_text(b, text);
  wbuf_puts(b, "</a>");
}

/* A value as it may be written back into a page: "" when it is not valid
** UTF-8 (the field's error says so; the bytes are not echoed). */
static const char *shown(const char *s, size_t n) {
  return s && utf8_valid(s, n) ? s : "";
}

static const char *status_label(svc_nom_status s) {
  switch (s) {
  case NOM_SUBMITTED: return "Submitted: waiting for a decision";
  case NOM_ACCEPTED: return "Accepted";
  case NOM_REJECTED: return "Not accepted";
  case NOM_WITHDRAWN: return "Withdrawn";
  }
  return "?";
}

/* The election and the contest of /e/{e}/c/{c}/...: 1 with both loaded,
** else 0 with the answer written. */
static int load_contest(req *r, resp *p, svc_election *e, svc_nom_spec *s) {
  sqlite3 *db;
  web_status ws;
  memset(s, 0, sizeof *s);
  if (!page_election(r, p, r->param[0], e, 0)) return 0;
  db = db_get();
  ws = db ? svc_nom_spec_get(db, e->id, r->param[1], s) : WEB_EDB;
  if (ws == WEB_OK) return 1;
  svc_election_free(e);
  if (ws == WEB_ENOTFOUND)
    page_message(r, p, 404, "Contest not found",
                 "This election has no contest at this address.", "/",
                 "See the elections");
  else
    page_fail(r, p, ws);
  return 0;
}

/* ------------------------------------------------------------ the closed */

/* Nominations are not open: when they open, or that they have closed. */
static void closed_page(req *r, resp *p, int status, const svc_election *e,
                        const svc_nom_spec *s) {
  wbuf *b = &p->body;
  wbuf title;
  int64_t open = e->at[EV_NOMINATIONS_OPEN];
  int64_t close = e->at[EV_NOMINATIONS_CLOSE];
  wbuf_init(&title, 512);
  wbuf_printf(&title, "Nominations: %s", s->contest.title);
  p->status = status;
  page_open(r, p, wbuf_str(&title));
  wbuf_free(&title);
  wbuf_puts(b, "<div class=\"notice warn\" role=\"status\">");
  if (e->phase == PHASE_SETUP ||
      (e->phase == PHASE_NOMINATIONS && open && r->now < open)) {
    wbuf_puts(b, "<p>Nominations are not open yet.");
    if (open) {
      wbuf_puts(b, " They open on ");
      page_time(b, e->tz, open, 0);
      if (close) {
        wbuf_puts(b, " and close on ");
        page_time(b, e->tz, close, 0);
      }
      wbuf_puts(b, ".");
    }
    wbuf_puts(b, "</p>");
  } else {
    wbuf_puts(b, "<p>Nominations for this election have closed");
    if (close && close <= r->now) {
      wbuf_puts(b, " (they closed on ");
      page_time(b, e->tz, close, 0);
      wbuf_puts(b, ")");
    }
    wbuf_puts(b, ". No new nominations or changes can be made.");
    if (status == 409) wbuf_puts(b, " Nothing was saved.");
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "</div>\n<p>");
  put_link(b, "/e/%s", e->slug, NULL, "Back to the election", NULL);
  wbuf_puts(b, "</p>\n");
  page_close(r, p);
}

/* -------------------------------------------------------------- the form */

/* The statement: textarea with data-limit, the live count, the hint. */
static void statement_field(wbuf *b, const verr *v, const svc_election *e,
                            const svc_nom_input *in) {
  const char *err = verr_msg(v, "statement");
  const char *md = shown(in->statement, in->statement_len);
  size_t limit = e->word_limit > 0 ? (size_t)e->word_limit : 250;
  size_t words = words_count(md, strlen(md));
  wbuf_puts(b, err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<label for=\"f-statement\">Your statement</label>");
  wbuf_printf(b, "<p class=\"hint\" id=\"f-statement-hint\">At most %zu "
              "words and %d bytes (a letter outside A to Z takes 2 or 3 "
              "bytes), written in Markdown: a blank line starts a new "
              "paragraph, *stars* give emphasis, and lines starting with "
              "\"- \" make a list. Words are counted as runs of characters "
              "between spaces that hold at least one letter, digit or other "
              "character that is not punctuation: Markdown marks such as "
              "\"-\", \"*\" or \"#\" on their own are not counted, and "
              "\"don't\", \"co-operate\" or \"&#163;5\" count as one word "
              "each.</p>", limit, NOM_STATEMENT_MAX);
  if (err) {
    wbuf_puts(b, "<p class=\"error-msg\" id=\"f-statement-error\">"
                 "<span class=\"visually-hidden\">Error: </span>");
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_printf(b, "<textarea id=\"f-statement\" name=\"statement\" rows=\"14\" "
              "data-limit=\"%zu\" data-maxbytes=\"%d\" "
              "aria-describedby=\"f-statement-hint "
              "f-statement-wc%s\"%s>\n", limit, NOM_STATEMENT_MAX,
              err ? " f-statement-error" : "",
              err ? " aria-invalid=\"true\"" : "");
  esc_text(b, md);
  wbuf_printf(b, "</textarea>\n<p id=\"f-statement-wc\" class=\"wordcount%s\" "
              "aria-live=\"polite\">", words > limit ? " over" : "");
  words_label(b, words, limit);
  wbuf_puts(b, "</p>\n<p><button type=\"submit\" name=\"action\" "
               "value=\"preview\" class=\"secondary\" formnovalidate>Check "
               "word count</button></p></div>\n");
}

/* One checklist question: a fieldset with Yes/No and, if the question
** takes one, an optional comment. */
static void question_field(resp *p, const verr *v, const svc_question *q,
                           unsigned char ans, const char *comment,
                           size_t comment_len) {
  wbuf *b = &p->body;
  char f[FORM_MAX_NAME + 1], fc[FORM_MAX_NAME + 1];
  const char *err;
  static const char *const value[2] = {"yes", "no"};
  static const char *const label[2] = {"Yes", "No"};
  int i;
  snprintf(f, sizeof f, "answers.%lld", (long long)q->id);
  snprintf(fc, sizeof fc, "comments.%lld", (long long)q->id);
  err = verr_msg(v, f);
  wbuf_puts(b, err ? "<fieldset class=\"field has-error\"" : "<fieldset class=\"field\"");
  if (err) wbuf_printf(b, " aria-describedby=\"f-%s-error\"", f);
  wbuf_puts(b, "><legend>");
  esc_text(b, q->text);
  wbuf_puts(b, "</legend>");
  if (err) {
    wbuf_printf(b, "<p class=\"error-msg\" id=\"f-%s-error\"><span "
                "class=\"visually-hidden\">Error: </span>", f);
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "<div class=\"choices inline-choices\">");
  for (i = 0; i < 2; i++) {
    int on = ans == (i == 0 ? NOM_ANS_YES : NOM_ANS_NO);
    wbuf_printf(b, "<label for=\"f-%s%s\"><input type=\"radio\" id=\"f-%s%s\" "
                "name=\"%s\" value=\"%s\"%s%s%s> %s</label>", f,
                i ? "-no" : "", f, i ? "-no" : "", f, value[i],
                i == 0 ? " required" : "", on ? " checked" : "",
                err ? " aria-invalid=\"true\"" : "", label[i]);
  }
  wbuf_puts(b, "</div>\n");
  if (q->allow_comment)
    field_textarea(p, v, fc, "Comment (optional)",
                   shown(comment, comment_len),
                   "At most 1000 characters, shown beside your answer.", 3);
  else if ((err = verr_msg(v, fc)) != NULL) {
    /* a comment was sent where the form offers none: the error still
    ** needs a place for the summary's link (#f-comments.ID) */
    wbuf_printf(b, "<div id=\"f-%s\" tabindex=\"-1\"><p class=\"error-msg\" "
                "id=\"f-%s-error\"><span class=\"visually-hidden\">Error: "
                "</span>", fc, fc);
    esc_text(b, err);
    wbuf_puts(b, "</p></div>");
  }
  wbuf_puts(b, "</fieldset>\n");
}

static void categories_field(wbuf *b, const verr *v, const svc_nom_spec *s,
                             const svc_nom_input *in) {
  const char *err = verr_msg(v, "categories");
  size_t i;
  if (!s->ncat) return;
  wbuf_printf(b, "<fieldset class=\"field%s\" aria-describedby=\"f-categories"
              "-hint%s\"><legend>Which of these describe you?</legend>"
              "<p class=\"hint\" id=\"f-categories-hint\">Used only for the "
              "election's rules on representation. Tick none, one or "
              "more.</p>", err ? " has-error" : "",
              err ? " f-categories-error" : "");
  if (err) {
    wbuf_puts(b, "<p class=\"error-msg\" id=\"f-categories-error\"><span "
                 "class=\"visually-hidden\">Error: </span>");
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "<div class=\"choices\">");
  for (i = 0; i < s->ncat; i++) {
    /* the first box has the field's own id, for the error summary link */
    wbuf_puts(b, "<label for=\"f-categories");
    if (i) {
      wbuf_puts(b, "-");
      esc_attr(b, s->cat[i].slug);
    }
    wbuf_puts(b, "\"><input type=\"checkbox\" id=\"f-categories");
    if (i) {
      wbuf_puts(b, "-");
      esc_attr(b, s->cat[i].slug);
    }
    wbuf_puts(b, "\" name=\"categories\" value=\"");
    esc_attr(b, s->cat[i].slug);
    wbuf_printf(b, "\"%s> ", in->cat_on[i] ? " checked" : "");
    esc_text(b, s->cat[i].label);
    wbuf_puts(b, "</label>");
  }
  wbuf_puts(b, "</div></fieldset>\n");
}

static void declaration_field(wbuf *b, const verr *v, const svc_election *e,
                              const svc_nom_input *in) {
  const char *err = verr_msg(v, "declaration");
  char *html;
  const char *d = e->declaration_md;
  while (d && (*d == ' ' || *d == '\n' || *d == '\t' || *d == '\r')) d++;
  if (!d || !*d) return;
  html = md_render(e->declaration_md, strlen(e->declaration_md));
  wbuf_printf(b, "<fieldset class=\"field%s\"><legend>Declaration</legend>"
              "<div class=\"statement\" id=\"f-declaration-text\">",
              err ? " has-error" : "");
  if (html) wbuf_puts(b, html); /* cmark, safe mode */
  else b->err = WEB_ENOMEM;
  free(html);
  wbuf_puts(b, "</div>");
  if (err) {
    wbuf_puts(b, "<p class=\"error-msg\" id=\"f-declaration-error\"><span "
                 "class=\"visually-hidden\">Error: </span>");
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_printf(b, "<div class=\"choices\"><label for=\"f-declaration\"><input "
              "type=\"checkbox\" id=\"f-declaration\" name=\"declaration\" "
              "value=\"yes\" required aria-describedby=\"f-declaration-text"
              "%s\"%s%s> I agree to the declaration above</label></div>"
              "</fieldset>\n",
              err ? " f-declaration-error" : "", in->declaration ? " checked" : "",
              err ? " aria-invalid=\"true\"" : "");
}

/* The preview of the statement, rendered as it will be published. */
static void preview(wbuf *b, const svc_nom_input *in) {
  const char *md = shown(in->statement, in->statement_len);
  char *html = md_render(md, strlen(md));
  wbuf_puts(b, "<section class=\"notice\" aria-labelledby=\"preview-title\">"
               "<h2 id=\"preview-title\">Preview of your statement</h2>"
               "<p class=\"hint\">Nothing has been saved yet.</p>"
               "<div class=\"statement\">");
  if (html) wbuf_puts(b, html); /* cmark, safe mode */
  else b->err = WEB_ENOMEM;
  free(html);
  wbuf_puts(b, "</div></section>\n");
}

/* The whole form; action is the path it posts to (already built with
** page_href). */
static void nom_form(req *r, resp *p, const svc_election *e,
                     const svc_nom_spec *s, const svc_nom_input *in,
                     const verr *v, const char *action, int edit,
                     int show_preview) {
  static const verr none; /* verr_msg and the field helpers need a list */
  wbuf *b = &p->body;
  size_t i;
  if (!v) v = &none;
  page_errors(p, v);
  if (show_preview) preview(b, in);
  wbuf_puts(b, "<form method=\"post\" action=\"");
  esc_attr(b, action);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  wbuf_puts(b, "\n");
  field_input(p, v, "name", "Your name", "text",
              shown(in->name, in->name_len),
              "As it should appear on the ballot paper.", "name");
  field_input(p, v, "email", "Your email address", "email",
              shown(in->email, in->email_len),
              "We send your private link here. It is never published.",
              "email");
  statement_field(b, v, e, in);
  if (s->nq) {
    wbuf_puts(b, "<h2>Checklist</h2>\n<p>Members can compare every "
                 "candidate's answers. Answer each question yes or no; a "
                 "comment is optional.</p>\n");
    for (i = 0; i < s->nq; i++)
      question_field(p, v, &s->q[i], in->answer[i], in->comment[i],
                     in->comment_len[i]);
  }
  categories_field(b, v, s, in);
  declaration_field(b, v, e, in);
  wbuf_printf(b, "<div class=\"actions\"><button type=\"submit\">%s</button>"
              "</div>\n</form>\n",
              edit ? "Save changes" : "Submit nomination");
  wbuf_puts(b, "<script src=\"/static/wordcount.js\" defer></script>\n");
}

static void form_deadline(wbuf *b, const svc_election *e) {
  if (!e->at[EV_NOMINATIONS_CLOSE]) return;
  wbuf_puts(b, "<p>Nominations close on ");
  page_time(b, e->tz, e->at[EV_NOMINATIONS_CLOSE], 0);
  wbuf_puts(b, ". Until then you can change your nomination with the "
               "private link you receive when you submit it.</p>\n");
}

/* ------------------------------------------------------------- nominate */

static void nominate_page(req *r, resp *p, const svc_election *e,
                          const svc_nom_spec *s, const svc_nom_input *in,
                          const verr *v, int show_preview) {
  wbuf title, action;
  wbuf_init(&title, 512);
  wbuf_init(&action, 512);
  wbuf_printf(&title, "Nominate yourself: %s", s->contest.title);
  page_href(&action, "/e/%s/c/%s/nominate", e->slug, s->contest.slug);
  page_open(r, p, wbuf_str(&title));
  wbuf_puts(&p->body, "<p>");
  esc_text(&p->body, e->title);
  wbuf_puts(&p->body, ", ");
  esc_text(&p->body, e->org_name);
  wbuf_printf(&p->body, ". This contest elects %d %s.</p>\n",
              s->contest.seats,
              s->contest.seats == 1 ? "member" : "members");
  if (s->contest.threshold > 0)
    wbuf_printf(&p->body, "<p>Each candidate also needs %d supporting "
                "nominations from %s.</p>\n", s->contest.threshold,
                strcmp(s->contest.threshold_kind, "member") == 0
                    ? "members" : "branches");
  form_deadline(&p->body, e);
  nom_form(r, p, e, s, in, v, wbuf_str(&action), 0, show_preview);
  page_close(r, p);
  wbuf_free(&title);
  wbuf_free(&action);
}

static void nominate_get(req *r, resp *p) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  if (!load_contest(r, p, &e, &s)) return;
  if (!svc_nominations_open(&e, r->now))
    closed_page(r, p, 200, &e, &s);
  else {
    form empty;
    memset(&empty, 0, sizeof empty);
    if (svc_nom_input_from_form(&empty, &s, &in) != WEB_OK)
      page_fail(r, p, WEB_ENOMEM);
    else {
      nominate_page(r, p, &e, &s, &in, NULL, 0);
      svc_nom_input_free(&in);
    }
  }
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* Keeps only the statement's errors (for the preview). */
static void only_statement(verr *v) {
  size_t i, o = 0;
  for (i = 0; i < v->n; i++)
    if (strcmp(v->e[i].field, "statement") == 0) v->e[o++] = v->e[i];
  v->n = o;
}

static int is_preview(const req *r) {
  const char *a = form_get(&r->body, "action");
  return a && strcmp(a, "preview") == 0;
}

static void nominate_post(req *r, resp *p) {
  svc_election e;
  svc_nom_spec s;
  svc_nom_input in;
  verr v;
  web_status ws;
  int64_t id = 0;
  char token[TOKEN_LEN + 1];
  p->no_store = 1;
  memset(&v, 0, sizeof v);
  if (!load_contest(r, p, &e, &s)) return;
  if (!svc_nominations_open(&e, r->now)) {
    closed_page(r, p, 409, &e, &s);
    goto out;
  }
  if (svc_nom_input_from_form(&r->body, &s, &in) != WEB_OK) {
    page_fail(r, p, WEB_ENOMEM);
    goto out;
  }
  if (is_preview(r)) {
    svc_nom_validate(&e, &s, &in, &v);
    only_statement(&v);
    p->status = 200;
    nominate_page(r, p, &e, &s, &in, &v, 1);
  } else if ((ws = svc_nomination_submit(&e, &s, &in, r->now, &v, &id,
                                         token)) == WEB_OK) {
    wbuf loc;
    wbuf_init(&loc, 256);
    page_href(&loc, "/n/%s?new=1", token);
    resp_redirect(p, wbuf_str(&loc));
    wbuf_free(&loc);
  } else if (ws == WEB_EINVALID) {
    p->status = 422;
    nominate_page(r, p, &e, &s, &in, &v, 0);
  } else if (ws == WEB_ECONFLICT) {
    closed_page(r, p, 409, &e, &s);
  } else
    page_fail(r, p, ws);
  svc_nom_input_free(&in);
out:
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* --------------------------------------------------------- private page */

/* What a candidate's private page needs. */
struct mine {
  svc_nomination n;
  svc_election e;
  svc_nom_spec s;
};

static void mine_free(struct mine *m) {
  svc_nomination_free(&m->n);
  svc_election_free(&m->e);
  svc_nom_spec_free(&m->s);
}

/* Loads the nomination behind /n/{token}: 1, else 0 with a 404/500. */
static int load_mine(req *r, resp *p, struct mine *m) {
  sqlite3 *db = db_get();
  web_status ws;
  memset(m, 0, sizeof *m);
  p->no_store = 1;
  ws = db ? svc_nomination_by_token(db, r->param[0], &m->n) : WEB_EDB;
  if (!ws) ws = svc_election_get_id(db, m->n.election_id, &m->e);
  if (!ws) ws = svc_nom_spec_get_id(db, m->e.id, m->n.contest_id, &m->s);
  if (!ws) return 1;
  mine_free(m);
  if (ws == WEB_ENOTFOUND)
    page_message(r, p, 404, "Link not recognised",
                 "This private link does not match any nomination. Check "
                 "that you copied all of it; if it still does not work, "
                 "ask the election's administrators for a new link.",
                 "/", "See the elections");
  else
    page_fail(r, p, ws);
  return 0;
}

/* Status, reason and dates, and the notices after an action. */
static void mine_head(req *r, resp *p, const struct mine *m) {
  wbuf *b = &p->body;
  const char *token = r->param[0];
  if (form_get(&r->query, "new")) {
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\"><h2>Your "
                 "nomination has been received</h2><p>This page is your "
                 "<strong>private link</strong>. Save it now, by bookmarking "
                 "this page or copying the address below: you need it to "
                 "check, change or withdraw your nomination. We keep only a "
                 "fingerprint of it, so nobody can look it up for you: if "
                 "you lose it, the administrators can only issue a new "
                 "one. A copy is also sent to ");
    esc_text(b, m->n.email);
    wbuf_puts(b, ".</p><p><code class=\"token\">");
    esc_text(b, web_cfg.base_url);
    page_href(b, "/n/%s", token);
    wbuf_puts(b, "</code></p><p>Do not share it: anyone who has it can "
                 "change or withdraw your nomination.</p></div>\n");
  } else if (form_get(&r->query, "saved"))
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\"><p>Your changes "
                 "have been saved.</p></div>\n");
  else if (form_get(&r->query, "withdrawn") && m->n.status == NOM_WITHDRAWN)
    wbuf_puts(b, "<div class=\"notice\" role=\"status\"><p>Your nomination "
                 "has been withdrawn.</p></div>\n");
  wbuf_puts(b, "<dl class=\"answers\"><dt>Election</dt><dd>");
  put_link(b, "/e/%s", m->e.slug, NULL, m->e.title, NULL);
  wbuf_puts(b, "</dd><dt>Contest</dt><dd>");
  esc_text(b, m->s.contest.title);
  wbuf_printf(b, "</dd><dt>Status</dt><dd><strong class=\"status "
              "status-%s\">%s</strong></dd>", svc_nom_status_name(m->n.status),
              status_label(m->n.status));
  if (m->n.reason && *m->n.reason && m->n.status != NOM_WITHDRAWN) {
    wbuf_puts(b, "<dt>Reason given by the administrators</dt><dd>");
    esc_text(b, m->n.reason);
    wbuf_puts(b, "</dd>");
  }
  if (m->n.status == NOM_WITHDRAWN && m->n.withdrawn_at) {
    wbuf_puts(b, "<dt>Withdrawn</dt><dd>");
    page_time(b, m->e.tz, m->n.withdrawn_at, 0);
    if (m->n.withdraw_reason && *m->n.withdraw_reason) {
      wbuf_puts(b, ": ");
      esc_text(b, m->n.withdraw_reason);
    }
    wbuf_puts(b, "</dd>");
  }
  wbuf_puts(b, "<dt>Submitted</dt><dd>");
  page_time(b, m->e.tz, m->n.created_at, 0);
  wbuf_puts(b, "</dd>");
  if (m->n.updated_at > m->n.created_at) {
    wbuf_puts(b, "<dt>Last changed</dt><dd>");
    page_time(b, m->e.tz, m->n.updated_at, 0);
    wbuf_puts(b, "</dd>");
  }
  wbuf_puts(b, "</dl>\n");
}

static void withdraw_link(wbuf *b, const struct mine *m, const char *token) {
  if (!svc_nomination_withdrawable(&m->e, &m->n)) return;
  wbuf_puts(b, "<h2>Withdraw</h2>\n<p>If you no longer want to stand, you "
               "can withdraw your nomination. You will be asked to "
               "confirm.</p>\n<p>");
  put_link(b, "/n/%s/withdraw", token, NULL, "Withdraw my nomination",
           "button danger");
  wbuf_puts(b, "</p>\n");
}

/* The read-only view: statement, answers, categories. */
static void mine_readonly(req *r, resp *p, const struct mine *m,
                          const svc_nom_input *in) {
  wbuf *b = &p->body;
  size_t i;
  int any = 0;
  if (m->n.status == NOM_SUBMITTED && !svc_nominations_open(&m->e, r->now))
    wbuf_puts(b, "<p>Nominations have closed, so your nomination can no "
                 "longer be changed. The administrators will decide on "
                 "it.</p>\n");
  else if (m->n.status != NOM_SUBMITTED)
    wbuf_puts(b, "<p>Your nomination can no longer be changed.</p>\n");
  wbuf_puts(b, "<h2>Your nomination</h2>\n<dl class=\"answers\"><dt>Name"
               "</dt><dd>");
  esc_text(b, m->n.name);
  wbuf_puts(b, "</dd><dt>Email address</dt><dd>");
  esc_text(b, m->n.email);
  wbuf_printf(b, "</dd><dt>Statement</dt><dd>%d word%s</dd></dl>\n",
              m->n.words, m->n.words == 1 ? "" : "s");
  wbuf_puts(b, "<div class=\"statement\">");
  wbuf_puts(b, m->n.html); /* stored cmark rendering, safe mode */
  wbuf_puts(b, "</div>\n");
  if (m->s.nq) {
    wbuf_puts(b, "<h2>Your checklist answers</h2>\n<dl class=\"answers\">");
    for (i = 0; i < m->s.nq; i++) {
      wbuf_puts(b, "<dt>");
      esc_text(b, m->s.q[i].text);
      wbuf_puts(b, "</dt><dd>");
      wbuf_puts(b, in->answer[i] == NOM_ANS_YES  ? "Yes"
                   : in->answer[i] == NOM_ANS_NO ? "No"
                                                 : "No answer");
      if (in->comment[i] && *in->comment[i]) {
        wbuf_puts(b, ": ");
        esc_text(b, in->comment[i]);
      }
      wbuf_puts(b, "</dd>");
    }
    wbuf_puts(b, "</dl>\n");
  }
  if (m->s.ncat) {
    wbuf_puts(b, "<h2>You said these describe you</h2>\n<ul>");
    for (i = 0; i < m->s.ncat; i++)
      if (in->cat_on[i]) {
        wbuf_puts(b, "<li>");
        esc_text(b, m->s.cat[i].label);
        wbuf_puts(b, "</li>");
        any = 1;
      }
    if (!any) wbuf_puts(b, "<li>None of them</li>");
    wbuf_puts(b, "</ul>\n");
  }
}

/* The private page, editable or read-only; in is what the form shows
** (stored or just sent), v its errors. */
static void mine_page(req *r, resp *p, const struct mine *m,
                      const svc_nom_input *in, const verr *v,
                      int show_preview, const char *notice) {
  wbuf action;
  page_open(r, p, "Your nomination");
  if (notice) {
    wbuf_puts(&p->body, "<div class=\"notice warn\" role=\"alert\"><p>");
    esc_text(&p->body, notice);
    wbuf_puts(&p->body, "</p></div>\n");
  }
  mine_head(r, p, m);
  if (svc_nomination_editable(&m->e, &m->n, r->now)) {
    wbuf_init(&action, 256);
    page_href(&action, "/n/%s", r->param[0]);
    wbuf_puts(&p->body, "<h2>Change your nomination</h2>\n");
    form_deadline(&p->body, &m->e);
    nom_form(r, p, &m->e, &m->s, in, v, wbuf_str(&action), 1, show_preview);
    wbuf_free(&action);
  } else {
    svc_nom_input stored;
    sqlite3 *db = db_get();
    if (db && svc_nom_input_load(db, m->n.id, &m->s, &stored) == WEB_OK) {
      mine_readonly(r, p, m, &stored);
      svc_nom_input_free(&stored);
    } else
      p->body.err = WEB_EDB;
  }
  withdraw_link(&p->body, m, r->param[0]);
  page_close(r, p);
}

static void mine_get(req *r, resp *p) {
  struct mine m;
  svc_nom_input in;
  sqlite3 *db;
  if (!load_mine(r, p, &m)) return;
  db = db_get();
  if (svc_nom_input_load(db, m.n.id, &m.s, &in) != WEB_OK) {
    page_fail(r, p, WEB_EDB);
  } else {
    mine_page(r, p, &m, &in, NULL, 0, NULL);
    svc_nom_input_free(&in);
  }
  mine_free(&m);
}

static void mine_post(req *r, resp *p) {
  struct mine m;
  svc_nom_input in;
  web_status ws;
  verr v;
  memset(&v, 0, sizeof v);
  if (!load_mine(r, p, &m)) return;
  if (!svc_nomination_editable(&m.e, &m.n, r->now)) {
    svc_nom_input stored;
    if (svc_nom_input_load(db_get(), m.n.id, &m.s, &stored) != WEB_OK)
      page_fail(r, p, WEB_EDB);
    else {
      p->status = 409;
      mine_page(r, p, &m, &stored, NULL, 0,
                m.n.status == NOM_SUBMITTED
                    ? "Nominations have closed: your changes were not saved."
                    : "Your nomination can no longer be changed: your "
                      "changes were not saved.");
      svc_nom_input_free(&stored);
    }
    mine_free(&m);
    return;
  }
  if (svc_nom_input_from_form(&r->body, &m.s, &in) != WEB_OK) {
    page_fail(r, p, WEB_ENOMEM);
    mine_free(&m);
    return;
  }
  if (is_preview(r)) {
    svc_nom_validate(&m.e, &m.s, &in, &v);
    only_statement(&v);
    mine_page(r, p, &m, &in, &v, 1, NULL);
  } else if ((ws = svc_nomination_edit(m.n.id, &m.e, &m.s, &in, r->now, NULL,
                                       &v)) == WEB_OK) {
    wbuf loc;
    wbuf_init(&loc, 256);
    page_href(&loc, "/n/%s?saved=1", r->param[0]);
    resp_redirect(p, wbuf_str(&loc));
    wbuf_free(&loc);
  } else if (ws == WEB_EINVALID) {
    p->status = 422;
    mine_page(r, p, &m, &in, &v, 0, NULL);
  } else if (ws == WEB_ECONFLICT) {
    /* closed or decided between the check above and the transaction:
    ** show the page as it is now */
    svc_nomination_free(&m.n);
    svc_election_free(&m.e);
    if (svc_nomination_by_token(db_get(), r->param[0], &m.n) != WEB_OK ||
        svc_election_get_id(db_get(), m.n.election_id, &m.e) != WEB_OK)
      page_fail(r, p, WEB_ECONFLICT);
    else {
      p->status = 409;
      mine_page(r, p, &m, &in, NULL, 0,
                v.n ? v.e[0].msg : "Your changes were not saved.");
    }
  } else
    page_fail(r, p, ws);
  svc_nom_input_free(&in);
  mine_free(&m);
}

/* -------------------------------------------------------------- withdraw */

static void withdraw_get(req *r, resp *p) {
  struct mine m;
  wbuf *b = &p->body;
  if (!load_mine(r, p, &m)) return;
  if (!svc_nomination_withdrawable(&m.e, &m.n)) {
    page_open(r, p, "Withdraw your nomination");
    wbuf_puts(b, "<p>");
    wbuf_puts(b, m.n.status == NOM_WITHDRAWN
                     ? "Your nomination has already been withdrawn."
                     : "Your nomination cannot be withdrawn now.");
    wbuf_puts(b, "</p>\n<p>");
    put_link(b, "/n/%s", r->param[0], NULL, "Back to your nomination", NULL);
    wbuf_puts(b, "</p>\n");
    page_close(r, p);
    mine_free(&m);
    return;
  }
  page_open(r, p, "Withdraw your nomination");
  wbuf_puts(b, "<p>You are about to withdraw your nomination for ");
  esc_text(b, m.s.contest.title);
  wbuf_puts(b, " in ");
  esc_text(b, m.e.title);
  wbuf_puts(b, ". You will no longer be a candidate, and you cannot undo "
               "this yourself.</p>\n<form method=\"post\" action=\"");
  page_href(b, "/n/%s/withdraw", r->param[0]);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  wbuf_puts(b, "<div class=\"actions\"><button type=\"submit\" "
               "class=\"danger\">Yes, withdraw my nomination</button>");
  put_link(b, "/n/%s", r->param[0], NULL, "No, keep my nomination",
           "button secondary");
  wbuf_puts(b, "</div></form>\n");
  page_close(r, p);
  mine_free(&m);
}

static void withdraw_post(req *r, resp *p) {
  struct mine m;
  web_status ws;
  wbuf loc;
  if (!load_mine(r, p, &m)) return;
  ws = svc_nomination_withdraw(m.n.id, 0, "", NULL, r->now);
  if (ws == WEB_OK) {
    wbuf_init(&loc, 256);
    page_href(&loc, "/n/%s?withdrawn=1", r->param[0]);
    resp_redirect(p, wbuf_str(&loc));
    wbuf_free(&loc);
  } else if (ws == WEB_ECONFLICT) {
    wbuf_init(&loc, 256);
    page_href(&loc, "/n/%s", r->param[0]);
    page_message(r, p, 409, "Withdraw your nomination",
                 m.n.status == NOM_WITHDRAWN
                     ? "Your nomination has already been withdrawn."
                     : "Your nomination cannot be withdrawn now; nothing "
                       "was changed.",
                 wbuf_str(&loc), "Back to your nomination");
    wbuf_free(&loc);
  } else
    page_fail(r, p, ws);
  mine_free(&m);
}

/* --------------------------------------------------------- branch links */

static void branch_page(req *r, resp *p, const svc_support_branch *br,
                        const svc_election *e, int status, const char *err) {
  sqlite3 *db = db_get();
  wbuf *b = &p->body;
  wbuf title;
  svc_contest *c = NULL;
  size_t nc = 0, i, j;
  int any = 0, open = svc_support_open(e);
  web_status ws = svc_contests(db, e->id, &c, &nc);
  if (ws) {
    page_fail(r, p, ws);
    return;
  }
  wbuf_init(&title, 512);
  wbuf_puts(&title, "Supporting nominations from ");
  wbuf_puts(&title, br->name);
  p->status = status;
  page_open(r, p, wbuf_str(&title));
  wbuf_free(&title);
  if (err) {
    wbuf_puts(b, "<div class=\"notice warn\" role=\"alert\"><p>");
    esc_text(b, err);
    wbuf_puts(b, "</p></div>\n");
  } else if (form_get(&r->query, "saved"))
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\"><p>Your branch's "
                 "supporting nominations have been saved.</p></div>\n");
  wbuf_puts(b, "<p>This is the private page of ");
  esc_text(b, br->name);
  wbuf_puts(b, " for ");
  put_link(b, "/e/%s", e->slug, NULL, e->title, NULL);
  wbuf_puts(b, ". Tick each candidate your branch nominates, and save. "
               "Reaching a threshold is not a decision: the election's "
               "administrators still check every nomination.</p>\n");
  if (!open)
    wbuf_puts(b, "<div class=\"notice warn\" role=\"status\"><p>Supporting "
                 "nominations can be changed only while nominations are "
                 "open or under review, so this page is read-only now.</p>"
                 "</div>\n");
  if (open) {
    wbuf_puts(b, "<form method=\"post\" action=\"");
    page_href(b, "/s/%s", r->param[0]);
    wbuf_puts(b, "\">");
    page_csrf(r, p);
    wbuf_puts(b, "\n");
  }
  for (i = 0; i < nc && !ws; i++) {
    svc_support_row *rows = NULL;
    size_t nr = 0;
    if (strcmp(c[i].threshold_kind, "branch") != 0 || c[i].threshold <= 0)
      continue;
    any = 1;
    if ((ws = svc_support_list(db, c[i].id, br->id, &rows, &nr)) != WEB_OK)
      break;
    wbuf_puts(b, "<fieldset class=\"field\"><legend>");
    esc_text(b, c[i].title);
    wbuf_printf(b, "</legend><p class=\"hint\">Each candidate needs %d "
                "supporting nomination%s from branches.</p>", c[i].threshold,
                c[i].threshold == 1 ? "" : "s");
    if (!nr) wbuf_puts(b, "<p>No nominations yet.</p>");
    else wbuf_puts(b, "<div class=\"choices\">");
    for (j = 0; j < nr; j++) {
      const svc_support_row *row = &rows[j];
      wbuf_printf(b, "<label for=\"f-support-%lld\"><input type=\"checkbox\" "
                  "id=\"f-support-%lld\" name=\"support\" value=\"%lld\"%s%s> ",
                  (long long)row->nomination_id,
                  (long long)row->nomination_id,
                  (long long)row->nomination_id, row->mine ? " checked" : "",
                  open ? "" : " disabled");
      esc_text(b, row->name);
      wbuf_printf(b, " <span class=\"muted\">(%d of %d%s)</span></label>",
                  row->count, row->threshold,
                  row->reached ? ", reached" : "");
    }
    if (nr) wbuf_puts(b, "</div>");
    wbuf_puts(b, "</fieldset>\n");
    svc_support_free(rows, nr);
  }
  if (!any)
    wbuf_puts(b, "<p>No contest in this election needs supporting "
                 "nominations from branches.</p>\n");
  if (open)
    wbuf_printf(b, "%s</form>\n",
                any ? "<div class=\"actions\"><button type=\"submit\">Save "
                      "supporting nominations</button></div>"
                    : "");
  svc_contests_free(c, nc);
  if (ws) {
    p->body.err = WEB_EDB;
    return;
  }
  page_close(r, p);
}

/* The branch and its election for /s/{token}: 1, else 0 with the answer. */
static int load_branch(req *r, resp *p, svc_support_branch *br,
                       svc_election *e) {
  sqlite3 *db = db_get();
  web_status ws;
  p->no_store = 1;
  memset(e, 0, sizeof *e);
  ws = db ? svc_support_branch_by_token(db, r->param[0], br) : WEB_EDB;
  if (!ws) ws = svc_election_get_id(db, br->election_id, e);
  if (!ws) return 1;
  svc_support_branch_free(br);
  if (ws == WEB_ENOTFOUND)
    page_message(r, p, 404, "Link not recognised",
                 "This branch link does not match any branch. Ask the "
                 "election's administrators for a new one.", "/",
                 "See the elections");
  else
    page_fail(r, p, ws);
  return 0;
}

static void branch_get(req *r, resp *p) {
  svc_support_branch br;
  svc_election e;
  if (!load_branch(r, p, &br, &e)) return;
  branch_page(r, p, &br, &e, 200, NULL);
  svc_support_branch_free(&br);
  svc_election_free(&e);
}

static void branch_post(req *r, resp *p) {
  svc_support_branch br;
  svc_election e;
  int64_t ids[FORM_MAX_FIELDS];
  size_t n = 0, i;
  const char *val;
  web_status ws;
  verr v;
  if (!load_branch(r, p, &br, &e)) return;
  for (i = 0; (val = form_get_nth(&r->body, "support", i)) != NULL; i++) {
    char *end;
    long long x;
    errno = 0;
    x = strtoll(val, &end, 10);
    if (errno || end == val || *end || x <= 0 || n >= FORM_MAX_FIELDS) {
      branch_page(r, p, &br, &e, 422, "The form could not be read; reload "
                  "the page and try again. Nothing was saved.");
      goto out;
    }
    ids[n++] = (int64_t)x;
  }
  ws = svc_support_set(r->param[0], ids, n, r->now, NULL, &v);
  if (ws == WEB_OK) {
    wbuf loc;
    wbuf_init(&loc, 256);
    page_href(&loc, "/s/%s?saved=1", r->param[0]);
    resp_redirect(p, wbuf_str(&loc));
    wbuf_free(&loc);
  } else if (ws == WEB_ECONFLICT) {
    svc_election_free(&e);
    if (svc_election_get_id(db_get(), br.election_id, &e) != WEB_OK)
      page_fail(r, p, WEB_ECONFLICT);
    else
      branch_page(r, p, &br, &e, 409,
                  v.n ? v.e[0].msg : "Nothing was saved.");
  } else
    page_fail(r, p, ws);
out:
  svc_support_branch_free(&br);
  svc_election_free(&e);
}

/* ------------------------------------------------------- public support */

static void support_public(req *r, resp *p) {
  svc_election e;
  svc_nom_spec s;
  svc_support_row *rows = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  wbuf title;
  web_status ws;
  if (!load_contest(r, p, &e, &s)) return;
  ws = svc_support_list(db_get(), s.contest.id, 0, &rows, &n);
  if (ws) {
    page_fail(r, p, ws);
    goto out;
  }
  wbuf_init(&title, 512);
  wbuf_printf(&title, "Supporting nominations: %s", s.contest.title);
  page_open(r, p, wbuf_str(&title));
  wbuf_free(&title);
  wbuf_puts(b, "<p>");
  put_link(b, "/e/%s", e.slug, NULL, e.title, NULL);
  wbuf_puts(b, "</p>\n");
  if (s.contest.threshold <= 0) {
    wbuf_puts(b, "<p>Candidates in this contest need no supporting "
                 "nominations.</p>\n");
  } else {
    int member = strcmp(s.contest.threshold_kind, "member") == 0;
    wbuf_printf(b, "<p>Each candidate needs %d supporting nomination%s "
                "from %s. Reaching the threshold is not a decision: the "
                "election's administrators still check every "
                "nomination.</p>\n", s.contest.threshold,
                s.contest.threshold == 1 ? "" : "s",
                member ? "members" : "branches");
    if (!n)
      wbuf_puts(b, "<p>No nominations yet.</p>\n");
    else {
      wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" "
                   "aria-labelledby=\"support-caption\" tabindex=\"0\">"
                   "<table><caption id=\"support-caption\">Supporting "
                   "nominations for ");
      esc_text(b, s.contest.title);
      wbuf_puts(b, "</caption><thead><tr><th scope=\"col\">Candidate</th>"
                   "<th scope=\"col\" class=\"num\">Supporting "
                   "nominations</th><th scope=\"col\">Threshold</th></tr>"
                   "</thead><tbody>");
      for (i = 0; i < n; i++) {
        wbuf_puts(b, "<tr><th scope=\"row\">");
        esc_text(b, rows[i].name);
        wbuf_printf(b, "</th><td class=\"num\">%d of %d</td><td>%s</td>"
                    "</tr>", rows[i].count, rows[i].threshold,
                    rows[i].reached
                        ? "<strong class=\"status-accepted\">Reached</strong>"
                        : "Not yet");
      }
      wbuf_puts(b, "</tbody></table></div>\n");
    }
  }
  page_close(r, p);
  svc_support_free(rows, n);
out:
  svc_nom_spec_free(&s);
  svc_election_free(&e);
}

/* ---------------------------------------------------------------- routes */

const route routes_nominate[] = {
    {"GET", "/e/{e}/c/{c}/nominate", nominate_get, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {"POST", "/e/{e}/c/{c}/nominate", nominate_post, AUTH_PUBLIC, BODY_FORM,
     RATE_FORM},
    {"GET", "/e/{e}/c/{c}/support", support_public, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {"GET", "/n/{t}", mine_get, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"POST", "/n/{t}", mine_post, AUTH_PUBLIC, BODY_FORM, RATE_FORM},
    {"GET", "/n/{t}/withdraw", withdraw_get, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {"POST", "/n/{t}/withdraw", withdraw_post, AUTH_PUBLIC, BODY_FORM,
     RATE_FORM},
    {"GET", "/s/{t}", branch_get, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"POST", "/s/{t}", branch_post, AUTH_PUBLIC, BODY_FORM, RATE_FORM},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
