/*
** p_review.c: the administrators' review of nominations, as pages and as
** JSON (routes_review):
**
**   GET  /admin/e/{e}/nominations          the queue, ?status= filter
**   GET  /admin/n/{id}                     one nomination, with forms
**   POST /admin/n/{id}/decision            accept / reject / reopen
**   POST /admin/n/{id}/withdraw            withdraw, with a reason
**   POST /admin/n/{id}/supporters          record a supporting nomination
**   POST /admin/n/{id}/supporters/{sid}/revoke
**   POST /admin/n/{id}/link                a new private edit link (the
**                                          answer shows it once: 200)
**   GET  /api/v1/elections/{e}/nominations?status=
**   GET  /api/v1/nominations/{id}
**   POST /api/v1/nominations/{id}/decision   {"decision","reason"}
**   POST /api/v1/nominations/{id}/withdrawal {"reason"}
**   POST /api/v1/nominations/{id}/supporters {"kind","branch"|"member_ref",
**                                             "note"}
**   DELETE /api/v1/nominations/{id}/supporters/{sid}
**   POST /api/v1/nominations/{id}/link      a new private edit link (the
**                                           answer holds it once)
**
** Access: the administrator must administer the nomination's election
** (svc_may_admin); otherwise the answer is 404, as for a nomination that
** does not exist.  State changes go through svc_review.h and svc.h; the
** POSTs answer 303 to the nomination's page, or re-render it with 422
** (field errors) or 409 (the state forbids it).  Every text from users is
** escaped; the statement is the stored cmark rendering (safe mode), the
** only raw insert.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "p_admin.h"
#include "svc.h"
#include "svc_nominate.h"
#include "svc_review.h"

#define EM_DASH "\xe2\x80\x94"

/* --------------------------------------------------------------- helpers */

static const char *const status_labels[] = {"Submitted", "Accepted",
                                            "Rejected", "Withdrawn"};

static const char *status_label(svc_nom_status s) {
  return (unsigned)s < 4 ? status_labels[s] : "?";
}

/* A positive decimal id of at most 18 digits. */
static int parse_id(const char *s, int64_t *out) {
  size_t i, n = s ? strlen(s) : 0;
  if (n == 0 || n > 18) return 0;
  for (i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  *out = (int64_t)strtoll(s, NULL, 10);
  return *out > 0;
}

/* "2027-03-17T17:00:00Z" into out; "" for 0. */
static void iso_utc(int64_t t, char out[72]) {
  struct tm tm;
  time_t tt = (time_t)t;
  out[0] = 0;
  if (t && gmtime_r(&tt, &tm))
    snprintf(out, 72, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}


static void put_status(wbuf *b, svc_nom_status s) {
  wbuf_printf(b, "<span class=\"status status-%s\">%s</span>",
              svc_nom_status_name(s), status_label(s));
}

/* "2 of 2 — reached", "1 of 2 — not yet", or "Not needed". */
static void put_support(wbuf *b, const svc_review_support *s) {
  if (s->threshold <= 0) {
    wbuf_printf(b, "%d (no threshold)", s->count);
    return;
  }
  wbuf_printf(b, "%d of %d " EM_DASH " %s", s->count, s->threshold,
              s->reached ? "reached" : "not yet");
}

/* A submitted form value that is valid text, for re-rendering a form;
** NULL when absent, "" when it is not valid UTF-8. */
static const char *fval(const req *r, const char *name) {
  size_t n;
  const char *s = form_value(&r->body, name, &n);
  if (!s) return NULL;
  return utf8_valid(s, n) && strlen(s) == n ? s : "";
}

/* A submitted form value for an action: NULL when absent; when it cannot
** be passed on as text (broken UTF-8, or a NUL byte, which would cut it
** short) a field error on name, as text_check names it ("bad_utf8",
** "control"), and "" (so the form is shown again empty there). */
static const char *fget(const req *r, const char *name, verr *v) {
  size_t n;
  const char *s = form_value(&r->body, name, &n);
  if (!s) return NULL;
  if (!utf8_valid(s, n)) {
    verr_add(v, name, "bad_utf8", "This contains characters that are not "
             "valid text (UTF-8); type it again.");
    return "";
  }
  if (strlen(s) != n) {
    verr_add(v, name, "control", "This contains a NUL character; type it "
             "again as plain text.");
    return "";
  }
  return s;
}

/* Loads nomination r->param[0] in full, and its election, for an
** administrator of that election.  0 when the answer (404, 500; JSON for
** the API) is already written. */
static int load_nom(req *r, resp *p, svc_review_nom *d, svc_election *e) {
  sqlite3 *db = db_get();
  int64_t id = 0;
  web_status s = db ? WEB_ENOTFOUND : WEB_EDB;
  memset(d, 0, sizeof *d);
  memset(e, 0, sizeof *e);
  p->no_store = 1;
  if (db && parse_id(r->param[0], &id)) {
    s = svc_review_get(db, id, d);
    if (!s && !svc_may_admin(db, r->admin_id, d->n.election_id)) {
      svc_review_nom_free(d);
      s = WEB_ENOTFOUND; /* do not reveal other organisations' */
    }
    if (!s && (s = svc_election_get_id(db, d->n.election_id, e)) != WEB_OK)
      svc_review_nom_free(d);
  }
  if (!s) return 1;
  if (r->is_api)
    api_fail(p, s, NULL, NULL, NULL);
  else if (s == WEB_ENOTFOUND)
    page_message(r, p, 404, "Nomination not found",
                 "There is no nomination at this address, or it is not in "
                 "an election you administer.",
                 "/admin", "Go to the administration");
  else
    page_fail(r, p, s);
  return 0;
}

static void nom_href(wbuf *b, int64_t id, const char *tail) {
  wbuf_printf(b, "/admin/n/%lld%s", (long long)id, tail);
}

/* 303 to the nomination's page with a notice of what was done. */
static void redirect_done(resp *p, int64_t id, const char *done) {
  char path[96];
  snprintf(path, sizeof path, "/admin/n/%lld?done=%s", (long long)id, done);
  resp_redirect(p, path);
}

/* ------------------------------------------------------ the queue (HTML) */

/* The ?status= filter: -1 for all; -2 when it names no status. */
static int status_filter(const req *r) {
  const char *q = form_get(&r->query, "status");
  svc_nom_status s;
  if (!q || !*q || strcmp(q, "all") == 0) return -1;
  return svc_nom_status_parse(q, &s) ? (int)s : -2;
}

static void queue_table(wbuf *b, const svc_election *e,
                        const svc_contest *c, const svc_review_item *it,
                        size_t n, int filtered) {
  size_t i, k = 0;
  for (i = 0; i < n; i++)
    if (it[i].contest_id == c->id) k++;
  wbuf_printf(b, "<section aria-labelledby=\"c-%lld\"><h2 id=\"c-%lld\">",
              (long long)c->id, (long long)c->id);
  esc_text(b, c->title);
  wbuf_puts(b, "</h2>");
  if (c->threshold > 0)
    wbuf_printf(b, "<p class=\"hint\">Each candidate needs %d supporting "
                   "nomination%s (%s). Reaching it is not a decision: "
                   "accept or reject each nomination.</p>",
                c->threshold, c->threshold == 1 ? "" : "s",
                strcmp(c->threshold_kind, "member") == 0 ? "members"
                                                         : "branches");
  if (!k) {
    wbuf_puts(b, filtered ? "<p>No nominations with this status.</p>"
                          : "<p>No nominations yet.</p>");
    wbuf_puts(b, "</section>\n");
    return;
  }
  wbuf_printf(b, "<div class=\"table-wrap\" role=\"region\" "
                 "aria-labelledby=\"cap-%lld\" tabindex=\"0\"><table>"
                 "<caption id=\"cap-%lld\">",
              (long long)c->id, (long long)c->id);
  esc_text(b, c->title);
  wbuf_printf(b, ": %zu nomination%s</caption><thead><tr>"
                 "<th scope=\"col\">Name</th><th scope=\"col\">Status</th>"
                 "<th scope=\"col\" class=\"num\">Words</th>"
                 "<th scope=\"col\">Supporting nominations</th>"
                 "<th scope=\"col\">Submitted</th>"
                 "<th scope=\"col\">Last edited</th></tr></thead><tbody>",
              k, k == 1 ? "" : "s");
  for (i = 0; i < n; i++) {
    if (it[i].contest_id != c->id) continue;
    wbuf_puts(b, "<tr><th scope=\"row\"><a href=\"");
    nom_href(b, it[i].id, "");
    wbuf_puts(b, "\">");
    esc_text(b, it[i].name);
    wbuf_puts(b, "</a></th><td>");
    put_status(b, it[i].status);
    wbuf_printf(b, "</td><td class=\"num\">%d</td><td>", it[i].words);
    put_support(b, &it[i].support);
    wbuf_puts(b, "</td><td>");
    page_time(b, e->tz, it[i].created_at, 0);
    wbuf_puts(b, "</td><td>");
    page_time(b, e->tz, it[i].updated_at, 0);
    wbuf_puts(b, "</td></tr>");
  }
  wbuf_puts(b, "</tbody></table></div></section>\n");
}

static void h_queue(req *r, resp *p) {
  svc_election e;
  svc_contest *cs = NULL;
  svc_review_item *it = NULL;
  size_t nc = 0, n = 0, i;
  sqlite3 *db;
  wbuf *b = &p->body;
  web_status s;
  int filter = status_filter(r);
  p->no_store = 1;
  if (!page_election(r, p, r->param[0], &e, 1)) return;
  db = db_get();
  s = svc_contests(db, e.id, &cs, &nc);
  if (!s) s = svc_review_queue(db, e.id, filter < 0 ? -1 : filter, 0, &it, &n);
  if (s) {
    svc_contests_free(cs, nc);
    svc_election_free(&e);
    page_fail(r, p, s);
    return;
  }
  adm_open(r, p, &e, "Nominations", ADM_NOMINATIONS);
  if (filter == -2)
    wbuf_puts(b, "<p class=\"notice warn\" role=\"status\">That status is "
                 "not one of the list below, so every nomination is "
                 "shown.</p>\n");
  wbuf_puts(b, "<form method=\"get\" action=\"");
  page_href(b, "/admin/e/%s/nominations", e.slug);
  wbuf_puts(b, "\" class=\"actions\"><div class=\"field\"><label "
               "for=\"f-status\">Show</label><select id=\"f-status\" "
               "name=\"status\">");
  wbuf_printf(b, "<option value=\"\"%s>Every status</option>",
              filter < 0 ? " selected" : "");
  for (i = 0; i < 4; i++)
    wbuf_printf(b, "<option value=\"%s\"%s>%s</option>",
                svc_nom_status_name((svc_nom_status)i),
                filter == (int)i ? " selected" : "",
                status_label((svc_nom_status)i));
  wbuf_puts(b, "</select></div><button type=\"submit\" class=\"button "
               "secondary\">Show</button></form>\n");
  wbuf_printf(b, "<p>%zu nomination%s%s.</p>\n", n, n == 1 ? "" : "s",
              filter >= 0 ? " with this status" : " in all");
  if (!nc) wbuf_puts(b, "<p>This election has no contests yet.</p>\n");
  for (i = 0; i < nc; i++) queue_table(b, &e, &cs[i], it, n, filter >= 0);
  page_close(r, p);
  svc_review_queue_free(it, n);
  svc_contests_free(cs, nc);
  svc_election_free(&e);
}

/* ---------------------------------------------- one nomination (HTML) */

/* What a re-rendered page carries besides the nomination. */
typedef struct nom_view {
  int status;          /* HTTP status: 200, 409, 422 */
  const verr *v;       /* field errors, or the one conflict item */
  const char *form;    /* the form they belong to: "decision", "withdraw",
                          "supporter", "revoke", "" */
  const char *decision, *reason, *wreason, *kind, *branch, *member_ref,
      *note;
  const char *token;   /* a new edit link, shown once */
  const char *done;    /* what the previous POST did (from ?done=) */
} nom_view;

static const char *done_message(const char *done) {
  static const char *const keys[] = {"decision", "withdraw", "support",
                                     "revoke"};
  static const char *const msgs[] = {
      "The decision has been recorded.", "The nomination has been withdrawn.",
      "The supporting nomination has been recorded.",
      "The supporting nomination has been revoked."};
  size_t i;
  for (i = 0; done && i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(done, keys[i]) == 0) return msgs[i];
  return NULL;
}

/* The error paragraph of a field (as page.c writes it); 1 if there is
** one. */
static int field_error(wbuf *b, const verr *v, const char *name) {
  const char *m = v ? verr_msg(v, name) : NULL;
  if (!m) return 0;
  wbuf_puts(b, "<p class=\"error-msg\" id=\"f-");
  esc_attr(b, name);
  wbuf_puts(b, "-error\"><span class=\"visually-hidden\">Error: </span>");
  esc_text(b, m);
  wbuf_puts(b, "</p>");
  return 1;
}

/* A group of radio buttons in a fieldset; the first has id f-NAME. */
static void put_radios(wbuf *b, const verr *v, const char *name,
                       const char *legend, const char *const *values,
                       const char *const *labels, size_t n, const char *cur) {
  int err = v && verr_msg(v, name);
  size_t i;
  wbuf_puts(b, err ? "<fieldset class=\"field has-error\"" : "<fieldset "
                                                              "class=\"field\"");
  if (err) wbuf_printf(b, " aria-describedby=\"f-%s-error\"", name);
  wbuf_puts(b, "><legend>");
  esc_text(b, legend);
  wbuf_puts(b, "</legend>");
  field_error(b, v, name);
  wbuf_puts(b, "<div class=\"choices\">");
  for (i = 0; i < n; i++) {
    wbuf_printf(b, "<label><input type=\"radio\" name=\"%s\" id=\"f-%s%s%s\" "
                   "value=\"%s\"%s%s> %s</label>",
                name, name, i ? "-" : "", i ? values[i] : "", values[i],
                cur && strcmp(cur, values[i]) == 0 ? " checked" : "",
                err ? " aria-invalid=\"true\"" : "", labels[i]);
  }
  wbuf_puts(b, "</div></fieldset>");
}

/* The error summary of the form that failed: field errors link to their
** fields, a conflict (no field) to fallback; when the form is not drawn
** (the state that refused it hides it), or fallback is NULL, the items
** are text without a link (adm_errors). */
static void put_form_errors(resp *p, const nom_view *w, const char *fallback,
                            int drawn) {
  verr c;
  size_t i;
  if (!w->v || !w->v->n) return;
  c = *w->v;
  for (i = 0; i < c.n && !drawn; i++) c.e[i].field[0] = 0;
  adm_errors(p, &c, drawn ? fallback : NULL);
}

static void put_summary(wbuf *b, const svc_review_nom *d,
                        const svc_election *e, int64_t now) {
  size_t i;
  wbuf_puts(b, "<dl class=\"summary\"><dt>Contest</dt><dd>");
  esc_text(b, d->contest.title);
  wbuf_puts(b, "</dd><dt>Status</dt><dd>");
  put_status(b, d->n.status);
  if (d->n.status == NOM_ACCEPTED && svc_published(e, now)) {
    wbuf_puts(b, " (<a href=\"");
    page_href(b, "/e/%s/candidates", e->slug);
    wbuf_printf(b, "#cand-%lld\">public page</a>)", (long long)d->n.id);
  }
  wbuf_puts(b, "</dd><dt>Email</dt><dd>");
  esc_text(b, d->n.email);
  wbuf_puts(b, "</dd><dt>Submitted</dt><dd>");
  page_time(b, e->tz, d->n.created_at, 0);
  wbuf_puts(b, "</dd><dt>Last edited</dt><dd>");
  page_time(b, e->tz, d->n.updated_at, 0);
  wbuf_puts(b, "</dd><dt>Supporting nominations</dt><dd>");
  put_support(b, &d->support);
  wbuf_puts(b, "</dd><dt>Categories</dt><dd>");
  if (!d->ncats) wbuf_puts(b, "None declared");
  for (i = 0; i < d->ncats; i++) {
    if (i) wbuf_puts(b, ", ");
    esc_text(b, d->cats[i].label);
  }
  wbuf_puts(b, "</dd>");
  if (d->n.status == NOM_WITHDRAWN) {
    wbuf_puts(b, "<dt>Withdrawn</dt><dd>");
    page_time(b, e->tz, d->n.withdrawn_at, 0);
    wbuf_puts(b, strcmp(d->withdrawn_by, "admin") == 0
                     ? ", by an administrator"
                     : ", by the candidate");
    if (d->n.withdraw_reason && d->n.withdraw_reason[0]) {
      wbuf_puts(b, ": ");
      esc_text(b, d->n.withdraw_reason);
    }
    wbuf_puts(b, "</dd>");
  }
  wbuf_puts(b, "</dl>\n");
}

static void put_statement(wbuf *b, const svc_review_nom *d,
                          const svc_election *e) {
  size_t i;
  wbuf_printf(b, "<h2>Statement</h2>\n<p class=\"hint\">%d word%s "
                 "(the limit is %d).</p>\n<div class=\"statement\">",
              d->n.words, d->n.words == 1 ? "" : "s", e->word_limit);
  wbuf_puts(b, d->n.html ? d->n.html : ""); /* cmark, safe mode */
  wbuf_puts(b, "</div>\n<h2>Checklist answers</h2>\n");
  if (!d->nquestions) {
    wbuf_puts(b, "<p>This election asks no checklist questions.</p>\n");
    return;
  }
  wbuf_puts(b, "<dl class=\"answers\">");
  for (i = 0; i < d->nquestions; i++) {
    const svc_review_answer *a = &d->answers[i];
    wbuf_puts(b, "<dt>");
    esc_text(b, d->questions[i].text);
    wbuf_puts(b, "</dt><dd>");
    wbuf_puts(b, strcmp(a->answer, "yes") == 0  ? "Yes"
                 : strcmp(a->answer, "no") == 0 ? "No"
                                                : "No answer");
    if (a->comment && a->comment[0]) {
      wbuf_puts(b, ". ");
      esc_text(b, a->comment);
    }
    wbuf_puts(b, "</dd>");
  }
  wbuf_puts(b, "</dl>\n");
}

static void put_decisions(req *r, resp *p, const svc_review_nom *d,
                          const svc_election *e, const nom_view *w) {
  static const char *const all_values[] = {"accept", "reject", "reopen"};
  static const char *const all_labels[] = {
      "Accept", "Reject", "Reopen (back to \xe2\x80\x9csubmitted\xe2\x80\x9d)"};
  const char *values[3], *labels[3];
  size_t i, n = 0;
  wbuf *b = &p->body;
  const verr *v = w->form && strcmp(w->form, "decision") == 0 ? w->v : NULL;
  verr none = {0};
  wbuf_puts(b, "<section aria-labelledby=\"h-decision\"><h2 "
               "id=\"h-decision\">Decision</h2>\n");
  if (d->ndec) {
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" "
                 "aria-labelledby=\"cap-decisions\" tabindex=\"0\"><table>"
                 "<caption id=\"cap-decisions\">Decisions so far</caption>"
                 "<thead><tr><th scope=\"col\">When</th><th "
                 "scope=\"col\">Decision</th><th scope=\"col\">Reason</th>"
                 "<th scope=\"col\">By</th></tr></thead><tbody>");
    for (i = 0; i < d->ndec; i++) {
      wbuf_puts(b, "<tr><td>");
      page_time(b, e->tz, d->dec[i].at, 0);
      wbuf_puts(b, "</td><td>");
      wbuf_puts(b, strcmp(d->dec[i].decision, "accept") == 0   ? "Accepted"
                   : strcmp(d->dec[i].decision, "reject") == 0 ? "Rejected"
                                                                : "Reopened");
      wbuf_puts(b, "</td><td>");
      esc_text(b, d->dec[i].reason);
      wbuf_puts(b, "</td><td>");
      esc_text(b, d->dec[i].admin_name);
      wbuf_puts(b, "</td></tr>");
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  } else
    wbuf_puts(b, "<p>No decision yet.</p>\n");
  if (d->n.status == NOM_WITHDRAWN) {
    wbuf_puts(b, "<p>The nomination has been withdrawn, so no decision "
                 "can be made.</p></section>\n");
    return;
  }
  if (e->phase != PHASE_NOMINATIONS && e->phase != PHASE_REVIEW) {
    wbuf_puts(b, "<p>Decisions can be made only while nominations are "
                 "open or under review.</p></section>\n");
    return;
  }
  for (i = 0; i < 3; i++) {
    int to_accept = i == 0, to_reject = i == 1;
    if ((to_accept && d->n.status == NOM_ACCEPTED) ||
        (to_reject && d->n.status == NOM_REJECTED) ||
        (i == 2 && d->n.status == NOM_SUBMITTED))
      continue;
    values[n] = all_values[i];
    labels[n++] = all_labels[i];
  }
  wbuf_puts(b, "<form method=\"post\" action=\"");
  nom_href(b, d->n.id, "/decision");
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  put_radios(b, v, "decision", "Your decision", values, labels, n,
             w->decision);
  field_textarea(p, v ? v : &none, "reason", "Reason",
                 w->reason ? w->reason : "",
                 "Needed to reject or reopen; the candidate sees it.", 4);
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Record the "
               "decision</button></form></section>\n");
}

static void put_supporters(req *r, resp *p, const svc_review_nom *d,
                           const svc_election *e, const nom_view *w,
                           char **branches, size_t nbranches) {
  static const char *const kinds[] = {"branch", "member"};
  static const char *const kind_labels[] = {"A branch", "A member"};
  wbuf *b = &p->body;
  const verr *v = w->form && strcmp(w->form, "supporter") == 0 ? w->v : NULL;
  verr none = {0};
  int open = (e->phase == PHASE_NOMINATIONS || e->phase == PHASE_REVIEW) &&
             d->n.status != NOM_WITHDRAWN;
  size_t i;
  wbuf_puts(b, "<section aria-labelledby=\"h-support\"><h2 "
               "id=\"h-support\">Supporting nominations</h2>\n<p>");
  put_support(b, &d->support);
  if (d->support.threshold > 0)
    wbuf_printf(b, " (%s count toward the threshold)",
                strcmp(d->support.kind, "member") == 0 ? "members"
                                                       : "branches");
  wbuf_puts(b, ".</p>\n");
  if (d->nsup) {
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" "
                 "aria-labelledby=\"cap-sup\" tabindex=\"0\"><table>"
                 "<caption id=\"cap-sup\">Supporters</caption><thead><tr>"
                 "<th scope=\"col\">Supporter</th><th scope=\"col\">Kind</th>"
                 "<th scope=\"col\">Recorded</th><th scope=\"col\">Note</th>"
                 "<th scope=\"col\">State</th></tr></thead><tbody>");
    for (i = 0; i < d->nsup; i++) {
      const svc_review_supporter *s = &d->sup[i];
      wbuf_puts(b, "<tr><th scope=\"row\">");
      esc_text(b, s->label);
      wbuf_printf(b, "</th><td>%s</td><td>",
                  strcmp(s->kind, "branch") == 0 ? "Branch" : "Member");
      page_time(b, e->tz, s->at, 0);
      wbuf_puts(b, strcmp(s->source, "admin") == 0 ? " by an administrator"
                                                   : " through the branch "
                                                     "link");
      wbuf_puts(b, "</td><td>");
      esc_text(b, s->note);
      wbuf_puts(b, "</td><td>");
      if (s->revoked_at) {
        wbuf_puts(b, "Revoked ");
        page_time(b, e->tz, s->revoked_at, 0);
      } else if (open) {
        wbuf_puts(b, "<form method=\"post\" action=\"");
        wbuf_printf(b, "/admin/n/%lld/supporters/%lld/revoke",
                    (long long)d->n.id, (long long)s->id);
        wbuf_puts(b, "\">");
        page_csrf(r, p);
        wbuf_puts(b, "<button type=\"submit\" class=\"button secondary\">"
                     "Revoke<span class=\"visually-hidden\"> the support "
                     "of ");
        esc_text(b, s->label);
        wbuf_puts(b, "</span></button></form>");
      } else
        wbuf_puts(b, "Counts");
      wbuf_puts(b, "</td></tr>");
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  } else
    wbuf_puts(b, "<p>None recorded yet.</p>\n");
  if (!open) {
    wbuf_puts(b, "<p>Supporting nominations can be recorded while "
                 "nominations are open or under review, for nominations "
                 "that have not been withdrawn.</p></section>\n");
    return;
  }
  wbuf_puts(b, "<h3>Record a supporting nomination</h3>\n<form "
               "method=\"post\" action=\"");
  nom_href(b, d->n.id, "/supporters");
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  put_radios(b, v, "kind", "Who supports the nomination", kinds, kind_labels,
             2, w->kind ? w->kind : "branch");
  {
    int err = v && verr_msg(v, "branch");
    wbuf_puts(b, err ? "<div class=\"field has-error\">" : "<div "
                                                           "class=\"field\">");
    wbuf_puts(b, "<label for=\"f-branch\">Branch</label><p class=\"hint\" "
                 "id=\"f-branch-hint\">When a branch supports it.</p>");
    field_error(b, v, "branch");
    wbuf_puts(b, "<select id=\"f-branch\" name=\"branch\" "
                 "aria-describedby=\"f-branch-hint");
    wbuf_puts(b, err ? " f-branch-error\" aria-invalid=\"true\">" : "\">");
    wbuf_puts(b, "<option value=\"\">Choose a branch</option>");
    for (i = 0; i < nbranches; i++) {
      wbuf_puts(b, "<option value=\"");
      esc_attr(b, branches[i]);
      wbuf_puts(b, w->branch && strcmp(w->branch, branches[i]) == 0
                       ? "\" selected>"
                       : "\">");
      esc_text(b, branches[i]);
      wbuf_puts(b, "</option>");
    }
    wbuf_puts(b, "</select></div>");
  }
  field_input(p, v ? v : &none, "member_ref", "Member's number or name",
              "text", w->member_ref ? w->member_ref : "",
              "When a member supports it: at most 100 characters.", "off");
  field_input(p, v ? v : &none, "note", "Note (optional)", "text",
              w->note ? w->note : "", "For example, the meeting's date.",
              "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Record the "
               "support</button></form></section>\n");
}

static void put_withdraw(req *r, resp *p, const svc_review_nom *d,
                         const svc_election *e, const nom_view *w) {
  wbuf *b = &p->body;
  const verr *v = w->form && strcmp(w->form, "withdraw") == 0 ? w->v : NULL;
  verr none = {0};
  wbuf_puts(b, "<section aria-labelledby=\"h-withdraw\"><h2 "
               "id=\"h-withdraw\">Withdraw</h2>\n");
  if (!svc_nomination_withdrawable(e, &d->n)) {
    wbuf_puts(b, d->n.status == NOM_WITHDRAWN
                     ? "<p>This nomination has been withdrawn.</p>"
                 : d->n.status == NOM_REJECTED
                     ? "<p>A rejected nomination cannot be withdrawn.</p>"
                     : "<p>Nominations can be withdrawn here while "
                       "nominations are open or under review.</p>");
    wbuf_puts(b, "</section>\n");
    return;
  }
  wbuf_puts(b, "<p>Withdrawing takes the candidate out of the election. "
               "If the candidates have been published, they stay listed "
               "as withdrawn.</p><form method=\"post\" action=\"");
  nom_href(b, d->n.id, "/withdraw");
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_textarea(p, v ? v : &none, "withdraw_reason", "Reason for "
                 "withdrawing", w->wreason ? w->wreason : "",
                 "Required; recorded in the audit log.", 3);
  wbuf_puts(b, "<button type=\"submit\" class=\"button danger\">Withdraw "
               "this nomination</button></form></section>\n");
}

static void put_link_section(req *r, resp *p, const svc_review_nom *d) {
  wbuf *b = &p->body;
  wbuf_puts(b, "<section aria-labelledby=\"h-link\"><h2 id=\"h-link\">"
               "Private edit link</h2>\n<p>If the candidate has lost their "
               "link, issue a new one. It is emailed to them and shown "
               "here once; the old link stops working.</p><form "
               "method=\"post\" action=\"");
  nom_href(b, d->n.id, "/link");
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  wbuf_puts(b, "<button type=\"submit\" class=\"button secondary\">Issue a "
               "new edit link</button></form></section>\n");
}

/* The whole page of one nomination, for a GET or a re-rendered POST. */
static void nom_page(req *r, resp *p, const svc_review_nom *d,
                     const svc_election *e, const nom_view *w) {
  wbuf *b = &p->body;
  char **branches = NULL;
  size_t nbr = 0, nbranches = 0, i;
  svc_branch *br = NULL;
  const char *msg = done_message(w->done);
  sqlite3 *db = db_get();
  /* a missing list only hides the branch choices */
  if (db && svc_branches(db, e->id, &br, &nbr) == WEB_OK && nbr &&
      (branches = calloc(nbr, sizeof *branches)) != NULL) {
    for (i = 0; i < nbr; i++) branches[i] = br[i].name;
    nbranches = nbr;
  }
  p->no_store = 1;
  p->status = w->status ? w->status : 200;
  page_open(r, p, d->n.name);
  wbuf_puts(b, "<p class=\"context\"><a href=\"/admin\">Administration</a> "
               "\xe2\x80\xba <a href=\"");
  page_href(b, "/admin/e/%s/nominations", e->slug);
  wbuf_puts(b, "\">");
  esc_text(b, e->title);
  wbuf_puts(b, ": nominations</a></p>\n");
  if (w->v && w->v->n) {
    /* what put_decisions, put_withdraw and put_supporters draw */
    int open = (e->phase == PHASE_NOMINATIONS || e->phase == PHASE_REVIEW) &&
               d->n.status != NOM_WITHDRAWN;
    if (strcmp(w->form, "decision") == 0)
      put_form_errors(p, w, "decision", open);
    else if (strcmp(w->form, "withdraw") == 0)
      put_form_errors(p, w, "withdraw_reason",
                      svc_nomination_withdrawable(e, &d->n));
    else if (strcmp(w->form, "supporter") == 0)
      put_form_errors(p, w, "kind", open);
    else /* a revocation: its button names no field */
      put_form_errors(p, w, NULL, 1);
  }
  if (msg) {
    wbuf_puts(b, "<p class=\"notice ok\" role=\"status\">");
    esc_text(b, msg);
    wbuf_puts(b, "</p>\n");
  }
  if (w->token) {
    wbuf_puts(b, "<div class=\"notice ok secret\" role=\"status\"><p>A new "
                 "edit link has been issued and emailed to the candidate. "
                 "The old link no longer works.</p><p><code class=\"token\" "
                 "id=\"edit-link\">");
    esc_text(b, web_cfg.base_url);
    wbuf_puts(b, "/n/");
    esc_text(b, w->token);
    wbuf_puts(b, "</code></p><p><strong>Copy this now if you need it; it "
                 "is not shown again.</strong></p></div>\n");
  }
  put_summary(b, d, e, r->now);
  put_statement(b, d, e);
  put_decisions(r, p, d, e, w);
  put_supporters(r, p, d, e, w, branches, nbranches);
  put_withdraw(r, p, d, e, w);
  put_link_section(r, p, d);
  page_close(r, p);
  free(branches);
  svc_branches_free(br, nbr);
}

static void h_nom(req *r, resp *p) {
  svc_review_nom d;
  svc_election e;
  nom_view w;
  if (!load_nom(r, p, &d, &e)) return;
  memset(&w, 0, sizeof w);
  w.form = "";
  w.done = form_get(&r->query, "done");
  nom_page(r, p, &d, &e, &w);
  svc_review_nom_free(&d);
  svc_election_free(&e);
}

/* After a failed POST: re-renders the page (422, 409) with the form's
** values, or answers the other failures. */
static void post_failed(req *r, resp *p, web_status s, int64_t id,
                        nom_view *w) {
  svc_review_nom d;
  svc_election e;
  (void)id;
  if (s != WEB_EINVALID && s != WEB_ECONFLICT) {
    if (s == WEB_ENOTFOUND)
      page_message(r, p, 404, "Not found", "There is nothing at this "
                   "address.", "/admin", "Go to the administration");
    else
      page_fail(r, p, s);
    return;
  }
  if (!load_nom(r, p, &d, &e)) return;
  w->status = s == WEB_EINVALID ? 422 : 409;
  nom_page(r, p, &d, &e, w);
  svc_review_nom_free(&d);
  svc_election_free(&e);
}

/* The nomination of a POST, with the access check; 0 when answered. */
static int post_target(req *r, resp *p, int64_t *id) {
  svc_review_nom d;
  svc_election e;
  if (!load_nom(r, p, &d, &e)) return 0;
  *id = d.n.id;
  svc_review_nom_free(&d);
  svc_election_free(&e);
  return 1;
}

static void h_decision(req *r, resp *p) {
  int64_t id;
  verr v = {0};
  nom_view w;
  web_status s;
  if (!post_target(r, p, &id)) return;
  memset(&w, 0, sizeof w);
  w.form = "decision";
  w.decision = fget(r, "decision", &v);
  w.reason = fget(r, "reason", &v);
  s = v.n ? WEB_EINVALID
          : svc_nomination_decide(id, w.decision, w.reason, r->admin_id,
                                  r->actor, r->now, &v);
  if (s == WEB_OK) {
    redirect_done(p, id, "decision");
    return;
  }
  w.v = &v;
  post_failed(r, p, s, id, &w);
}

/* A reason as a malloc'd checked copy (text_check, trimmed), required,
** at most REVIEW_REASON_MAX bytes; NULL with an error on field. */
static char *reason_copy(const char *s, size_t n, verr *v, const char *field,
                         int *oom) {
  char *c;
  const char *code;
  size_t a = 0;
  *oom = 0;
  if (!s) s = "";
  if (!(c = malloc(n + 1))) {
    *oom = 1;
    return NULL;
  }
  memcpy(c, s, n);
  c[n] = 0;
  code = text_check(c, &n, REVIEW_REASON_MAX, 1);
  if (!code) {
    while (n && (c[n - 1] == ' ' || c[n - 1] == '\t' || c[n - 1] == '\n'))
      n--;
    c[n] = 0;
    while (c[a] == ' ' || c[a] == '\t' || c[a] == '\n') a++;
    memmove(c, c + a, n - a + 1);
  }
  if (code && strcmp(code, "too_long") == 0)
    verr_add(v, field, code, "The reason must be at most %d characters.",
             REVIEW_REASON_MAX);
  else if (code)
    verr_add(v, field, code, "The reason must be plain text (UTF-8, without "
             "control characters).");
  else if (!c[0])
    verr_add(v, field, "required", "Enter a reason for withdrawing.");
  if (v->n) {
    free(c);
    return NULL;
  }
  return c;
}

/* svc_nomination_withdraw has no verr: the 409's code from the state. */
static void withdraw_conflict(int64_t id, verr *v) {
  sqlite3 *db = db_get();
  svc_nomination n;
  v->n = 0;
  memset(&n, 0, sizeof n);
  if (db && svc_nomination_get(db, id, &n) == WEB_OK &&
      n.status == NOM_WITHDRAWN)
    verr_add(v, "", "withdrawn", "This nomination is already withdrawn.");
  else if (n.status == NOM_REJECTED)
    verr_add(v, "", "already_decided",
             "A rejected nomination cannot be withdrawn.");
  else
    verr_add(v, "", "phase", "Nominations can be withdrawn only while "
             "nominations are open or under review.");
  svc_nomination_free(&n);
}

static void h_withdraw(req *r, resp *p) {
  int64_t id;
  verr v = {0};
  nom_view w;
  web_status s;
  size_t n = 0;
  const char *raw;
  char *reason;
  int oom;
  if (!post_target(r, p, &id)) return;
  memset(&w, 0, sizeof w);
  w.form = "withdraw";
  w.wreason = fval(r, "withdraw_reason");
  raw = form_value(&r->body, "withdraw_reason", &n);
  reason = reason_copy(raw, raw ? n : 0, &v, "withdraw_reason", &oom);
  if (!reason) {
    w.v = &v;
    post_failed(r, p, oom ? WEB_ENOMEM : WEB_EINVALID, id, &w);
    return;
  }
  s = svc_nomination_withdraw(id, r->admin_id, reason, r->actor, r->now);
  free(reason);
  if (s == WEB_OK) {
    redirect_done(p, id, "withdraw");
    return;
  }
  if (s == WEB_ECONFLICT) withdraw_conflict(id, &v);
  w.v = &v;
  post_failed(r, p, s, id, &w);
}

static void h_supporter_add(req *r, resp *p) {
  int64_t id, sid;
  verr v = {0};
  nom_view w;
  svc_review_sup_in in;
  web_status s;
  if (!post_target(r, p, &id)) return;
  memset(&w, 0, sizeof w);
  w.form = "supporter";
  w.kind = fget(r, "kind", &v);
  w.branch = fget(r, "branch", &v);
  w.member_ref = fget(r, "member_ref", &v);
  w.note = fget(r, "note", &v);
  in.kind = w.kind;
  in.branch = w.branch;
  in.member_ref = w.member_ref;
  in.note = w.note;
  s = v.n ? WEB_EINVALID
          : svc_review_supporter_add(id, &in, r->actor, r->now, &sid, &v);
  if (s == WEB_OK) {
    redirect_done(p, id, "support");
    return;
  }
  w.v = &v;
  post_failed(r, p, s, id, &w);
}

static void h_supporter_revoke(req *r, resp *p) {
  int64_t id, sid;
  verr v = {0};
  nom_view w;
  web_status s;
  if (!post_target(r, p, &id)) return;
  memset(&w, 0, sizeof w);
  w.form = "revoke";
  if (!parse_id(r->param[1], &sid)) {
    post_failed(r, p, WEB_ENOTFOUND, id, &w);
    return;
  }
  s = svc_review_supporter_revoke(id, sid, r->actor, r->now, &v);
  if (s == WEB_OK) {
    redirect_done(p, id, "revoke");
    return;
  }
  w.v = &v;
  post_failed(r, p, s, id, &w);
}

/* The new link is shown once, so this POST answers 200 with the page. */
static void h_link(req *r, resp *p) {
  int64_t id;
  char token[TOKEN_LEN + 1];
  nom_view w;
  svc_review_nom d;
  svc_election e;
  web_status s;
  if (!post_target(r, p, &id)) return;
  s = svc_review_new_link(id, web_cfg.base_url, r->actor, r->now, token);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  if (!load_nom(r, p, &d, &e)) return;
  memset(&w, 0, sizeof w);
  w.form = "";
  w.token = token;
  nom_page(r, p, &d, &e, &w);
  memset(token, 0, sizeof token);
  svc_review_nom_free(&d);
  svc_election_free(&e);
}

/* ------------------------------------------------------------------- API */

static void jw_ktime(jw *w, const char *k, int64_t t) {
  char iso[72];
  iso_utc(t, iso);
  jw_key(w, k);
  if (iso[0])
    jw_str(w, iso);
  else
    jw_null(w);
}

static void json_support(jw *w, const svc_review_support *s) {
  jw_key(w, "support");
  jw_obj(w);
  jw_kint(w, "count", s->count);
  jw_kint(w, "threshold", s->threshold);
  jw_kstr(w, "kind", s->kind[0] ? s->kind : NULL);
  jw_kbool(w, "reached", s->reached);
  jw_obj_end(w);
}

static void json_answer(jw *w, int64_t qid, const svc_review_answer *a) {
  jw_obj(w);
  jw_kint(w, "question", qid);
  jw_kstr(w, "answer", a->answer[0] ? a->answer : NULL);
  jw_kstr(w, "comment", a->comment ? a->comment : "");
  jw_obj_end(w);
}

static void json_supporter(jw *w, const svc_review_supporter *s) {
  jw_obj(w);
  jw_kint(w, "id", s->id);
  jw_kstr(w, "kind", s->kind);
  jw_kstr(w, strcmp(s->kind, "branch") == 0 ? "branch" : "member_ref",
          s->label);
  jw_kstr(w, "note", s->note);
  jw_kstr(w, "source", s->source);
  jw_ktime(w, "at", s->at);
  jw_ktime(w, "revoked_at", s->revoked_at);
  jw_obj_end(w);
}

/* The full nomination object (email included: administrators only). */
static void json_nom(jw *w, const svc_review_nom *d, const svc_election *e) {
  size_t i;
  jw_obj(w);
  jw_kint(w, "id", d->n.id);
  jw_kstr(w, "election", e->slug);
  jw_kstr(w, "contest", d->contest.slug);
  jw_kstr(w, "name", d->n.name);
  jw_kstr(w, "email", d->n.email);
  jw_kstr(w, "status", svc_nom_status_name(d->n.status));
  jw_kstr(w, "reason", d->n.reason ? d->n.reason : "");
  jw_ktime(w, "created_at", d->n.created_at);
  jw_ktime(w, "updated_at", d->n.updated_at);
  jw_key(w, "statement");
  jw_obj(w);
  jw_kstr(w, "markdown", d->n.markdown ? d->n.markdown : "");
  jw_kstr(w, "html", d->n.html ? d->n.html : "");
  jw_kint(w, "words", d->n.words);
  jw_obj_end(w);
  jw_key(w, "categories");
  jw_arr(w);
  for (i = 0; i < d->ncats; i++) jw_str(w, d->cats[i].slug);
  jw_arr_end(w);
  jw_key(w, "answers");
  jw_arr(w);
  for (i = 0; i < d->nquestions; i++) {
    jw_obj(w);
    jw_kint(w, "question", d->questions[i].id);
    jw_kstr(w, "short", d->questions[i].short_label);
    jw_kstr(w, "text", d->questions[i].text);
    jw_kstr(w, "answer", d->answers[i].answer[0] ? d->answers[i].answer
                                                 : NULL);
    jw_kstr(w, "comment", d->answers[i].comment);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  json_support(w, &d->support);
  jw_key(w, "supporters");
  jw_arr(w);
  for (i = 0; i < d->nsup; i++) json_supporter(w, &d->sup[i]);
  jw_arr_end(w);
  jw_key(w, "decisions");
  jw_arr(w);
  for (i = 0; i < d->ndec; i++) {
    jw_obj(w);
    jw_kint(w, "id", d->dec[i].id);
    jw_kstr(w, "decision", d->dec[i].decision);
    jw_kstr(w, "reason", d->dec[i].reason);
    jw_kint(w, "admin_id", d->dec[i].admin_id);
    jw_kstr(w, "admin", d->dec[i].admin_name);
    jw_ktime(w, "at", d->dec[i].at);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_key(w, "withdrawal");
  if (d->n.status == NOM_WITHDRAWN) {
    jw_obj(w);
    jw_ktime(w, "at", d->n.withdrawn_at);
    jw_kstr(w, "by", d->withdrawn_by);
    jw_kstr(w, "reason", d->n.withdraw_reason ? d->n.withdraw_reason : "");
    jw_obj_end(w);
  } else
    jw_null(w);
  jw_obj_end(w);
}

/* Answers 200 with nomination r->param[0] as it is now. */
static void api_nom_answer(req *r, resp *p, int status) {
  svc_review_nom d;
  svc_election e;
  jw w;
  if (!load_nom(r, p, &d, &e)) return;
  api_begin(p, status, &w);
  json_nom(&w, &d, &e);
  wbuf_puts(&p->body, "\n");
  svc_review_nom_free(&d);
  svc_election_free(&e);
}

static void a_nom(req *r, resp *p) { api_nom_answer(r, p, 200); }

static void a_queue(req *r, resp *p) {
  svc_election e;
  svc_contest *cs = NULL;
  svc_question *q = NULL;
  svc_review_item *it = NULL;
  size_t nc = 0, nq = 0, n = 0, i, k;
  sqlite3 *db;
  web_status s;
  int filter = status_filter(r);
  jw w;
  if (filter == -2) {
    verr v = {0};
    verr_add(&v, "status", "invalid", "The status must be submitted, "
             "accepted, rejected or withdrawn.");
    api_error(p, 422, "invalid", "Some fields need attention.", &v);
    return;
  }
  if (!page_election(r, p, r->param[0], &e, 1)) return;
  db = db_get();
  s = svc_contests(db, e.id, &cs, &nc);
  if (!s) s = svc_questions(db, e.id, &q, &nq);
  if (!s) s = svc_review_queue(db, e.id, filter, 1, &it, &n);
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    goto done;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kstr(&w, "election", e.slug);
  jw_key(&w, "nominations");
  jw_arr(&w);
  for (i = 0; i < n; i++) {
    const char *contest = "";
    for (k = 0; k < nc; k++)
      if (cs[k].id == it[i].contest_id) contest = cs[k].slug;
    jw_obj(&w);
    jw_kint(&w, "id", it[i].id);
    jw_kstr(&w, "contest", contest);
    jw_kstr(&w, "name", it[i].name);
    jw_kstr(&w, "status", svc_nom_status_name(it[i].status));
    jw_kint(&w, "words", it[i].words);
    json_support(&w, &it[i].support);
    jw_key(&w, "categories");
    jw_arr(&w);
    for (k = 0; k < it[i].ncats; k++) jw_str(&w, it[i].cats[k].slug);
    jw_arr_end(&w);
    jw_key(&w, "answers");
    jw_arr(&w);
    for (k = 0; k < it[i].nanswers && k < nq; k++)
      json_answer(&w, q[k].id, &it[i].answers[k]);
    jw_arr_end(&w);
    jw_ktime(&w, "created_at", it[i].created_at);
    jw_ktime(&w, "updated_at", it[i].updated_at);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
done:
  svc_review_queue_free(it, n);
  svc_questions_free(q, nq);
  svc_contests_free(cs, nc);
  svc_election_free(&e);
  p->no_store = 1;
}

/* The request body as an object whose keys are all in keys (an empty
** body reads as {}); else the answer (400 or 422) is written and NULL
** returned. */
static json_t *api_object(req *r, resp *p, const char *const *keys) {
  const char *k;
  json_t *val;
  verr v = {0};
  if (!r->json) {
    if (!(r->json = json_object())) { /* freed by server.c */
      api_fail(p, WEB_ENOMEM, NULL, NULL, NULL);
      return NULL;
    }
    return r->json;
  }
  if (!json_is_object(r->json)) {
    api_error(p, 400, "bad_json", "The body must be a JSON object.", NULL);
    return NULL;
  }
  json_object_foreach(r->json, k, val) {
    size_t i;
    int known = 0;
    (void)val;
    for (i = 0; keys[i]; i++)
      if (strcmp(k, keys[i]) == 0) known = 1;
    if (!known) verr_add(&v, k, "unknown_field", "Unknown field \"%s\".", k);
  }
  if (v.n) {
    api_error(p, 422, "invalid", "Some fields need attention.", &v);
    return NULL;
  }
  return r->json;
}

/* Member key as a string: NULL when absent or null; another type is a
** field error. */
static const char *api_str(json_t *o, const char *key, verr *v) {
  json_t *x = json_object_get(o, key);
  if (!x || json_is_null(x)) return NULL;
  if (!json_is_string(x)) {
    verr_add(v, key, "wrong_type", "%s must be a string.", key);
    return NULL;
  }
  if (strlen(json_string_value(x)) != json_string_length(x)) {
    verr_add(v, key, "control", "%s must not contain NUL characters.", key);
    return NULL;
  }
  return json_string_value(x);
}

/* Answers a failed action: 422 with the fields, 409 with the conflict's
** code and message, 404, 503, 500. */
static void api_action_fail(resp *p, web_status s, const verr *v) {
  if (s == WEB_ECONFLICT && v->n) /* fields name the field, if any */
    api_fail(p, s, v->e[0].code, v->e[0].msg, v->e[0].field[0] ? v : NULL);
  else
    api_fail(p, s, NULL, NULL, v);
}

static void a_decision(req *r, resp *p) {
  static const char *const keys[] = {"decision", "reason", NULL};
  int64_t id;
  json_t *o;
  verr v = {0};
  const char *decision, *reason;
  web_status s;
  if (!post_target(r, p, &id) || !(o = api_object(r, p, keys))) return;
  decision = api_str(o, "decision", &v);
  reason = api_str(o, "reason", &v);
  if (v.n) {
    api_error(p, 422, "invalid", "Some fields need attention.", &v);
    return;
  }
  s = svc_nomination_decide(id, decision, reason, r->admin_id, r->actor,
                            r->now, &v);
  if (s) {
    api_action_fail(p, s, &v);
    return;
  }
  api_nom_answer(r, p, 200);
}

static void a_withdrawal(req *r, resp *p) {
  static const char *const keys[] = {"reason", NULL};
  int64_t id;
  json_t *o;
  verr v = {0};
  const char *raw;
  char *reason;
  int oom;
  web_status s;
  if (!post_target(r, p, &id) || !(o = api_object(r, p, keys))) return;
  raw = api_str(o, "reason", &v);
  if (v.n) {
    api_error(p, 422, "invalid", "Some fields need attention.", &v);
    return;
  }
  reason = reason_copy(raw, raw ? strlen(raw) : 0, &v, "reason", &oom);
  if (!reason) {
    api_action_fail(p, oom ? WEB_ENOMEM : WEB_EINVALID, &v);
    return;
  }
  s = svc_nomination_withdraw(id, r->admin_id, reason, r->actor, r->now);
  free(reason);
  if (s == WEB_ECONFLICT) withdraw_conflict(id, &v);
  if (s) {
    api_action_fail(p, s, &v);
    return;
  }
  api_nom_answer(r, p, 200);
}

/* {"supporter": {...}, "support": {...}} for supporter sid. */
static void api_supporter_answer(req *r, resp *p, int status, int64_t sid) {
  svc_review_nom d;
  svc_election e;
  size_t i;
  jw w;
  if (!load_nom(r, p, &d, &e)) return;
  api_begin(p, status, &w);
  jw_obj(&w);
  jw_kint(&w, "nomination", d.n.id);
  jw_key(&w, "supporter");
  for (i = 0; i < d.nsup && d.sup[i].id != sid; i++) continue;
  if (i < d.nsup)
    json_supporter(&w, &d.sup[i]);
  else
    jw_null(&w);
  json_support(&w, &d.support);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_review_nom_free(&d);
  svc_election_free(&e);
}

static void a_supporter_add(req *r, resp *p) {
  static const char *const keys[] = {"kind", "branch", "member_ref", "note",
                                     NULL};
  int64_t id, sid = 0;
  json_t *o;
  verr v = {0};
  svc_review_sup_in in;
  web_status s;
  if (!post_target(r, p, &id) || !(o = api_object(r, p, keys))) return;
  in.kind = api_str(o, "kind", &v);
  in.branch = api_str(o, "branch", &v);
  in.member_ref = api_str(o, "member_ref", &v);
  in.note = api_str(o, "note", &v);
  if (v.n) {
    api_error(p, 422, "invalid", "Some fields need attention.", &v);
    return;
  }
  s = svc_review_supporter_add(id, &in, r->actor, r->now, &sid, &v);
  if (s) {
    api_action_fail(p, s, &v);
    return;
  }
  api_supporter_answer(r, p, 201, sid);
}

static void a_supporter_revoke(req *r, resp *p) {
  int64_t id, sid;
  verr v = {0};
  web_status s;
  if (!post_target(r, p, &id)) return;
  if (!parse_id(r->param[1], &sid)) {
    api_fail(p, WEB_ENOTFOUND, NULL, NULL, NULL);
    return;
  }
  s = svc_review_supporter_revoke(id, sid, r->actor, r->now, &v);
  if (s) {
    api_action_fail(p, s, &v);
    return;
  }
  api_supporter_answer(r, p, 200, sid);
}

/* A new private edit link (svc_review_new_link, as the page's button):
** {"nomination":ID,"token":T,"link":URL}, the token shown this once.  Any
** body must be an empty object. */
static void a_link(req *r, resp *p) {
  static const char *const keys[] = {NULL};
  int64_t id;
  char token[TOKEN_LEN + 1];
  wbuf link;
  web_status s;
  jw w;
  if (!post_target(r, p, &id) || !api_object(r, p, keys)) return;
  s = svc_review_new_link(id, web_cfg.base_url, r->actor, r->now, token);
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  wbuf_init(&link, 1024);
  wbuf_puts(&link, web_cfg.base_url);
  page_href(&link, "/n/%s", token);
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kint(&w, "nomination", id);
  jw_kstr(&w, "token", token);
  jw_kstr(&w, "link", wbuf_str(&link));
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  if (link.p) memset(link.p, 0, link.len);
  wbuf_free(&link);
  memset(token, 0, sizeof token);
  p->no_store = 1;
}

/* ---------------------------------------------------------------- routes */

#define GET_(pat, fn) {"GET", pat, fn, AUTH_ADMIN, BODY_NONE, RATE_READ}
#define POST_(pat, fn) {"POST", pat, fn, AUTH_ADMIN, BODY_FORM, RATE_READ}

const route routes_review[] = {
    GET_("/admin/e/{e}/nominations", h_queue),
    GET_("/admin/n/{id}", h_nom),
    POST_("/admin/n/{id}/decision", h_decision),
    POST_("/admin/n/{id}/withdraw", h_withdraw),
    POST_("/admin/n/{id}/supporters", h_supporter_add),
    POST_("/admin/n/{id}/supporters/{sid}/revoke", h_supporter_revoke),
    POST_("/admin/n/{id}/link", h_link),
    {"GET", "/api/v1/elections/{e}/nominations", a_queue, AUTH_TOKEN,
     BODY_NONE, RATE_API},
    {"GET", "/api/v1/nominations/{id}", a_nom, AUTH_TOKEN, BODY_NONE,
     RATE_API},
    {"POST", "/api/v1/nominations/{id}/decision", a_decision, AUTH_TOKEN,
     BODY_JSON, RATE_API},
    {"POST", "/api/v1/nominations/{id}/withdrawal", a_withdrawal, AUTH_TOKEN,
     BODY_JSON, RATE_API},
    {"POST", "/api/v1/nominations/{id}/supporters", a_supporter_add,
     AUTH_TOKEN, BODY_JSON, RATE_API},
    {"DELETE", "/api/v1/nominations/{id}/supporters/{sid}",
     a_supporter_revoke, AUTH_TOKEN, BODY_NONE, RATE_API},
    {"POST", "/api/v1/nominations/{id}/link", a_link, AUTH_TOKEN, BODY_JSON,
     RATE_API},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
