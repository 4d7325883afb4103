/*
** p_admin_lists.c: the administrators' smaller editors of an election:
** checklist questions (/admin/e/{e}/questions, one question's page
** /admin/e/{e}/questions/{q} and its up/down moves), categories
** (/admin/e/{e}/categories, relabelling /admin/e/{e}/categories/{k}) and
** branches (/admin/e/{e}/branches, and a new support link
** /admin/e/{e}/branches/{b}/link).
**
** A branch's support link is a secret shown once: the POST that makes
** it answers 200 with the page showing BASE/s/TOKEN, and only its hash
** is stored (svc_branch_create / svc_branch_new_link).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p_admin.h"

/* Questions and categories change in these phases (svc_setup.h). */
static int editable(const svc_election *e) {
  return e->phase == PHASE_SETUP || e->phase == PHASE_NOMINATIONS;
}

/* ------------------------------------------------------------ questions */

/* The question form (new when q is NULL).  sent: show the submitted
** values. */
static void question_form(req *r, resp *p, const svc_election *e,
                          const svc_question *q, int sent, const verr *v) {
  wbuf *b = &p->body;
  char qid[24];
  int comment =
      sent ? adm_checked(r, "allow_comment") : (q ? q->allow_comment : 1);
  const char *text = sent ? form_get(&r->body, "text") : q ? q->text : "";
  const char *shrt = sent ? form_get(&r->body, "short")
                     : q  ? q->short_label
                          : "";
  adm_errors(p, v, "text");
  wbuf_puts(b, "<form method=\"post\" action=\"");
  if (q) {
    snprintf(qid, sizeof qid, "%lld", (long long)q->id);
    page_href(b, "/admin/e/%s/questions/%s", e->slug, qid);
  } else
    page_href(b, "/admin/e/%s/questions", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_textarea(p, ADM_V(v), "text", "Question", text,
                 "Asked of every candidate, who answers yes or no, such as "
                 "\xe2\x80\x9cWill you publish your expenses?\xe2\x80\x9d",
                 3);
  field_input(p, ADM_V(v), "short", "Short label", "text", shrt,
              "A few words for the comparison table's column, such as "
              "\xe2\x80\x9c"
              "Expenses\xe2\x80\x9d.",
              "off");
  wbuf_printf(b,
              "<div class=\"field choices\"><label><input "
              "type=\"checkbox\" id=\"f-allow_comment\" "
              "name=\"allow_comment\" value=\"1\"%s> Candidates may add "
              "a comment to their answer</label></div>",
              comment ? " checked" : "");
  wbuf_puts(b, q ? "<button type=\"submit\" class=\"button\">Save the "
                   "question</button></form>\n"
                 : "<button type=\"submit\" class=\"button\">Add the "
                   "question</button></form>\n");
}

/* sent: the new-question form was sent; otherwise v holds a move's
** errors. */
static void questions_page(req *r, resp *p, svc_election *e, int status,
                           const verr *v, int sent) {
  svc_question *q = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  web_status s = svc_questions(db_get(), e->id, &q, &n);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  p->status = status;
  adm_open(r, p, e, "Questions", ADM_QUESTIONS);
  if (!sent)
    adm_errors(p, v, NULL);
  wbuf_puts(b, "<p>Every candidate answers these yes or no. Members see "
               "the answers side by side on the checklist.</p>\n");
  if (n)
    wbuf_puts(b, "<ol class=\"items\">\n");
  for (i = 0; i < n; i++) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)q[i].id);
    wbuf_printf(b, "<li id=\"q-%s\"><p>", id);
    esc_text(b, q[i].text);
    wbuf_puts(b, "</p><p class=\"hint\">Column: ");
    esc_text(b, q[i].short_label);
    wbuf_puts(b, q[i].allow_comment ? " \xc2\xb7 comments allowed"
                                    : " \xc2\xb7 no comments");
    wbuf_puts(b, "</p>");
    if (editable(e)) {
      wbuf_puts(b, "<div class=\"actions\"><a class=\"button secondary\" "
                   "href=\"");
      page_href(b, "/admin/e/%s/questions/%s", e->slug, id);
      wbuf_puts(b, "\">Change</a>");
      if (i > 0)
        adm_button(r, p, "/admin/e/%s/questions/%s/move", e->slug, id, "dir",
                   "up", "Move up", q[i].short_label, 1);
      if (i + 1 < n)
        adm_button(r, p, "/admin/e/%s/questions/%s/move", e->slug, id, "dir",
                   "down", "Move down", q[i].short_label, 1);
      wbuf_puts(b, "</div>");
    }
    wbuf_puts(b, "</li>\n");
  }
  if (n)
    wbuf_puts(b, "</ol>\n");
  else
    wbuf_puts(b, "<p>No questions yet.</p>\n");
  svc_questions_free(q, n);
  if (editable(e)) {
    wbuf_puts(b, "<h2>New question</h2>\n");
    question_form(r, p, e, NULL, sent, sent ? v : NULL);
  } else
    wbuf_puts(b, "<p>Questions cannot change once nominations have "
                 "closed.</p>\n");
  page_close(r, p);
}

void adm_questions_get(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e))
    return;
  questions_page(r, p, &e, 200, NULL, 0);
  svc_election_free(&e);
}

static void read_question(req *r, verr *v, svc_question_input *in) {
  in->text = adm_text(r, v, "text", "Question", SVC_QUESTION_MAX, 1, 1);
  in->short_label = adm_text(r, v, "short", "Short label", SVC_SHORT_MAX, 0, 1);
  in->allow_comment = adm_checked(r, "allow_comment");
}

void adm_questions_post(req *r, resp *p) {
  svc_election e;
  svc_question_input in;
  verr v = {0};
  web_status s = WEB_EINVALID;
  int status;
  if (!adm_load(r, p, &e))
    return;
  read_question(r, &v, &in);
  if (!v.n)
    s = svc_question_create(e.id, &in, r->actor, r->admin_id, r->now, &v, NULL);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/questions", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    questions_page(r, p, &e, status, &v, 1);
  svc_election_free(&e);
}

/* Finds question r->param[1] of e into a list *q (to free) and *one. */
static int load_question(req *r, resp *p, const svc_election *e,
                         svc_question **q, size_t *n, svc_question **one) {
  int64_t id = req_path_id(r->param[1]);
  size_t i;
  web_status s = svc_questions(db_get(), e->id, q, n);
  *one = NULL;
  for (i = 0; !s && i < *n; i++)
    if ((*q)[i].id == id)
      *one = &(*q)[i];
  if (*one)
    return 1;
  svc_questions_free(*q, *n);
  *q = NULL;
  *n = 0;
  page_fail(r, p, s ? s : WEB_ENOTFOUND);
  return 0;
}

static void question_page(req *r, resp *p, svc_election *e,
                          const svc_question *q, int status, const verr *v) {
  wbuf *b = &p->body;
  p->status = status;
  adm_open(r, p, e, "Change a question", ADM_QUESTIONS);
  wbuf_puts(b, "<p><a href=\"");
  page_href(b, "/admin/e/%s/questions", e->slug);
  wbuf_puts(b, "\">All questions</a></p>\n");
  if (editable(e))
    question_form(r, p, e, q, v != NULL, v);
  else {
    wbuf_puts(b, "<p>");
    esc_text(b, q->text);
    wbuf_puts(b, "</p><p>Questions cannot change once nominations have "
                 "closed.</p>\n");
  }
  page_close(r, p);
}

void adm_question_get(req *r, resp *p) {
  svc_election e;
  svc_question *q, *one;
  size_t n;
  if (!adm_load(r, p, &e))
    return;
  if (load_question(r, p, &e, &q, &n, &one)) {
    question_page(r, p, &e, one, 200, NULL);
    svc_questions_free(q, n);
  }
  svc_election_free(&e);
}

void adm_question_post(req *r, resp *p) {
  svc_election e;
  svc_question *q, *one;
  svc_question_input in;
  size_t n;
  verr v = {0};
  web_status s = WEB_EINVALID;
  int status;
  if (!adm_load(r, p, &e))
    return;
  if (!load_question(r, p, &e, &q, &n, &one)) {
    svc_election_free(&e);
    return;
  }
  read_question(r, &v, &in);
  if (!v.n)
    s = svc_question_update(e.id, one->id, &in, r->actor, r->admin_id, r->now,
                            &v);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/questions", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    question_page(r, p, &e, one, status, &v);
  svc_questions_free(q, n);
  svc_election_free(&e);
}

void adm_question_move_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  const char *dir = form_get(&r->body, "dir");
  int64_t id = req_path_id(r->param[1]);
  web_status s;
  int status;
  if (!adm_load(r, p, &e))
    return;
  s = id ? svc_question_move(e.id, id, dir && strcmp(dir, "up") == 0 ? -1 : 1,
                             r->actor, r->admin_id, r->now, &v)
         : WEB_ENOTFOUND;
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/questions", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    questions_page(r, p, &e, status, &v, 0);
  svc_election_free(&e);
}

/* ----------------------------------------------------------- categories */

/* relabel: the id of the category whose relabel form was sent (its
** errors are on "label-ID"), or 0 when the new-category form was. */
static void categories_page(req *r, resp *p, svc_election *e, int status,
                            const verr *v, int64_t relabel) {
  svc_category *c = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  web_status s = svc_categories(db_get(), e->id, &c, &n);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  p->status = status;
  adm_open(r, p, e, "Categories", ADM_CATEGORIES);
  wbuf_puts(b, "<p>Candidates say which categories they belong to, such as "
               "women. A contest can then reserve seats for a category, "
               "and the page says \xe2\x80\x9c"
               "at least 4 of the 9 seats go "
               "to candidates who are women\xe2\x80\x9d.</p>\n");
  if (relabel)
    adm_errors(p, v, NULL);
  if (n) {
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
                 "\"cat-cap\" tabindex=\"0\"><table><caption id=\"cat-cap\">"
                 "Categories</caption><thead><tr><th scope=\"col\">Tag</th>"
                 "<th scope=\"col\">Label</th></tr></thead><tbody>\n");
    for (i = 0; i < n; i++) {
      char id[24], fid[40];
      const char *err;
      snprintf(id, sizeof id, "%lld", (long long)c[i].id);
      snprintf(fid, sizeof fid, "label-%s", id);
      err = relabel == c[i].id ? verr_msg(ADM_V(v), fid) : NULL;
      wbuf_puts(b, "<tr><th scope=\"row\"><code>");
      esc_text(b, c[i].slug);
      wbuf_puts(b, "</code></th><td>");
      if (editable(e)) {
        wbuf_puts(b, "<form method=\"post\" class=\"actions\" action=\"");
        page_href(b, "/admin/e/%s/categories/%s", e->slug, id);
        wbuf_puts(b, "\">");
        page_csrf(r, p);
        if (err) {
          wbuf_printf(b, "<p class=\"error-msg\" id=\"f-%s-error\">", fid);
          esc_text(b, err);
          wbuf_puts(b, "</p>");
        }
        wbuf_printf(b,
                    "<label class=\"visually-hidden\" for=\"f-%s\">"
                    "Label for ",
                    fid);
        esc_text(b, c[i].slug);
        wbuf_printf(b,
                    "</label><input type=\"text\" id=\"f-%s\" "
                    "name=\"label\" value=\"",
                    fid);
        esc_attr(b,
                 relabel == c[i].id ? form_get(&r->body, "label") : c[i].label);
        if (err)
          wbuf_printf(b,
                      "\" aria-invalid=\"true\" aria-describedby="
                      "\"f-%s-error",
                      fid);
        wbuf_puts(b, "\"> <button type=\"submit\" class=\"button "
                     "secondary\">Save</button></form>");
      } else
        esc_text(b, c[i].label);
      wbuf_puts(b, "</td></tr>\n");
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  } else
    wbuf_puts(b, "<p>No categories yet.</p>\n");
  svc_categories_free(c, n);
  if (!editable(e)) {
    wbuf_puts(b, "<p>Categories cannot change once nominations have "
                 "closed.</p>\n");
    page_close(r, p);
    return;
  }
  wbuf_puts(b, "<h2>New category</h2>\n");
  if (!relabel)
    adm_errors(p, v, "slug");
  wbuf_puts(b, "<form method=\"post\" action=\"");
  page_href(b, "/admin/e/%s/categories", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_input(p, ADM_V(relabel ? NULL : v), "label", "Label", "text",
              v && !relabel ? form_get(&r->body, "label") : "",
              "How it reads in a sentence: \xe2\x80\x9cseats go to "
              "candidates who are \xe2\x80\xa6\xe2\x80\x9d, such as women.",
              "off");
  field_input(p, ADM_V(relabel ? NULL : v), "slug", "Tag", "text",
              v && !relabel ? form_get(&r->body, "slug") : "",
              "A short name for the API and the membership list, such as "
              "woman. Lower-case letters, digits and hyphens; it cannot "
              "change later.",
              "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Add the "
               "category</button></form>\n");
  page_close(r, p);
}

void adm_categories_get(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e))
    return;
  categories_page(r, p, &e, 200, NULL, 0);
  svc_election_free(&e);
}

void adm_categories_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  const char *slug, *label;
  web_status s = WEB_EINVALID;
  int status;
  if (!adm_load(r, p, &e))
    return;
  label = adm_text(r, &v, "label", "Label", SVC_LABEL_MAX, 0, 1);
  slug = adm_text(r, &v, "slug", "Tag", SVC_SLUG_MAX, 0, 1);
  if (!v.n)
    s = svc_category_create(e.id, slug, label, r->actor, r->admin_id, r->now,
                            &v, NULL);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/categories", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    categories_page(r, p, &e, status, &v, 0);
  svc_election_free(&e);
}

void adm_category_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  int64_t id = req_path_id(r->param[1]);
  const char *label;
  web_status s = WEB_EINVALID;
  size_t i;
  int status;
  if (!adm_load(r, p, &e))
    return;
  label = adm_text(r, &v, "label", "Label", SVC_LABEL_MAX, 0, 1);
  if (!id)
    s = WEB_ENOTFOUND;
  else if (!v.n)
    s = svc_category_update(e.id, id, label, r->actor, r->admin_id, r->now, &v);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/categories", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0) {
    for (i = 0; i < v.n; i++) /* the errors belong to this row's box */
      if (s == WEB_EINVALID) /* (a conflict: the box may be gone) */
        snprintf(v.e[i].field, sizeof v.e[i].field, "label-%lld",
                 (long long)id);
      else
        v.e[i].field[0] = 0;
    categories_page(r, p, &e, status, &v, id);
  }
  svc_election_free(&e);
}

/* ------------------------------------------------------------- branches */

/* new_name/new_link: a support link just made, shown once. */
static void branches_page(req *r, resp *p, svc_election *e, int status,
                          const verr *v, const char *new_name,
                          const char *new_link) {
  svc_branch *br = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  web_status s = svc_branches(db_get(), e->id, &br, &n);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  p->status = status;
  adm_open(r, p, e, "Branches", ADM_BRANCHES);
  if (new_link) {
    char intro[300], url[400];
    snprintf(intro, sizeof intro,
             "The support link for %.200s. Send it to "
             "the branch secretary: with it the branch can support "
             "candidates.",
             new_name);
    snprintf(url, sizeof url, "%s/s/%s", web_cfg.base_url, new_link);
    adm_secret(b, "new-link", intro, url);
    sodium_memzero(url, sizeof url);
  }
  wbuf_puts(b, "<p>Branches can give supporting nominations to "
               "candidates, through a private link of their own or by "
               "telling you.</p>\n");
  if (n)
    wbuf_puts(b, "<ul class=\"items\">\n");
  for (i = 0; i < n; i++) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)br[i].id);
    wbuf_puts(b, "<li><h3>");
    esc_text(b, br[i].name);
    wbuf_puts(b, "</h3><p>");
    wbuf_puts(b, br[i].has_link ? "Has a support link. A new link replaces "
                                  "it, and the old one stops working."
                                : "No support link.");
    wbuf_puts(b, "</p>");
    if (e->phase < PHASE_VOTING)
      adm_button(r, p, "/admin/e/%s/branches/%s/link", e->slug, id, NULL, NULL,
                 br[i].has_link ? "Make a new link" : "Make a link", br[i].name,
                 1);
    wbuf_puts(b, "</li>\n");
  }
  if (n)
    wbuf_puts(b, "</ul>\n");
  else
    wbuf_puts(b, "<p>No branches yet.</p>\n");
  svc_branches_free(br, n);
  if (e->phase >= PHASE_VOTING) {
    page_close(r, p);
    return;
  }
  wbuf_puts(b, "<h2>New branch</h2>\n");
  adm_errors(p, v, "name");
  wbuf_puts(b, "<form method=\"post\" action=\"");
  page_href(b, "/admin/e/%s/branches", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_input(p, ADM_V(v), "name", "Name", "text",
              v ? form_get(&r->body, "name") : "",
              "Such as Eastfield. You will see its support link once.", "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Add the branch"
               "</button></form>\n");
  page_close(r, p);
}

void adm_branches_get(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e))
    return;
  branches_page(r, p, &e, 200, NULL, NULL, NULL);
  svc_election_free(&e);
}

void adm_branches_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  char link[TOKEN_LEN + 1] = "";
  const char *name;
  web_status s = WEB_EINVALID;
  int status;
  if (!adm_load(r, p, &e))
    return;
  name = adm_text(r, &v, "name", "Name", SVC_BRANCH_MAX, 0, 1);
  if (!v.n)
    s = svc_branch_create(e.id, name, r->actor, r->admin_id, r->now, &v, NULL,
                          link);
  if (s == WEB_OK)
    branches_page(r, p, &e, 200, NULL, name, link);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    branches_page(r, p, &e, status, &v, NULL, NULL);
  sodium_memzero(link, sizeof link);
  svc_election_free(&e);
}

void adm_branch_link_post(req *r, resp *p) {
  svc_election e;
  svc_branch *br = NULL;
  size_t n = 0, i;
  verr v = {0};
  char link[TOKEN_LEN + 1] = "", name[SVC_BRANCH_MAX + 1] = "";
  int64_t id = req_path_id(r->param[1]);
  web_status s;
  int status;
  if (!adm_load(r, p, &e))
    return;
  s = svc_branches(db_get(), e.id, &br, &n);
  for (i = 0; !s && i < n; i++)
    if (br[i].id == id)
      snprintf(name, sizeof name, "%s", br[i].name);
  svc_branches_free(br, n);
  if (!s && !name[0])
    s = WEB_ENOTFOUND;
  if (!s)
    s = svc_branch_new_link(e.id, id, r->actor, r->admin_id, r->now, &v, link);
  if (s == WEB_OK)
    branches_page(r, p, &e, 200, NULL, name, link);
  else if ((status = adm_fail_status(r, p, s)) != 0)
    branches_page(r, p, &e, status, &v, NULL, NULL);
  sodium_memzero(link, sizeof link);
  svc_election_free(&e);
}
