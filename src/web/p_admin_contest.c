/*
** p_admin_contest.c: the administrators' contest editor: the list of an
** election's contests with the form for a new one
** (/admin/e/{e}/contests), one contest's edit page
** (/admin/e/{e}/contests/{c}, {c} being its slug) and the up/down moves
** (/admin/e/{e}/contests/{c}/move).
**
** A contest form holds: title, web address (slug), seats, the counting
** rules (a <select> built from stv_rule_names(), each rule's
** stv_rule_summary listed as help), the supporting-nomination threshold,
** one row per category with the least and most seats its candidates
** must hold (inputs "min.SLUG" and "max.SLUG"), and the eligibility tags
** as one comma-separated field.  svc_setup.h names errors by the API's
** keys ("constraints.N.min", "eligible_tags.N"); they are mapped back to
** these inputs so each shows beside its own box.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p_admin.h"
#include "stv.h"

/* Contests can be created and changed in these phases (svc_setup.h). */
static int editable(const svc_election *e) {
  return e->phase == PHASE_SETUP || e->phase == PHASE_NOMINATIONS;
}

/* ------------------------------------------------------- reading a form */

typedef struct contest_form {
  svc_contest_input in;
  svc_constraint_input cons[SVC_MAX_CONSTRAINTS];
  const char *cons_slug[SVC_MAX_CONSTRAINTS]; /* the row of constraint N */
  const char *tags[SVC_MAX_TAGS + 1];
  char tagbuf[2048];
} contest_form;

/* Reads the contest form into f (pointing into r->body and cats); field
** errors go to v.  keep_slug: the slug cannot change now, so use it. */
static void read_form(req *r, verr *v, const svc_category *cats, size_t nc,
                      const char *keep_slug, contest_form *f) {
  const char *tags, *kind;
  size_t i, n;
  char *s;
  memset(f, 0, sizeof *f);
  f->in.title = adm_text(r, v, "title", "Title", SVC_TITLE_MAX, 0, 1);
  f->in.slug = keep_slug
                   ? keep_slug
                   : adm_text(r, v, "slug", "Web address", SVC_SLUG_MAX, 0, 1);
  f->in.seats = adm_int(r, v, "seats", "Seats", 1, STV_MAX_SEATS, 1, 0);
  f->in.rules = adm_text(r, v, "rules", "Counting rules", 32, 0, 1);
  f->in.threshold = adm_int(r, v, "threshold", "Supporting nominations", 0,
                            SVC_THRESHOLD_MAX, 0, 0);
  kind = adm_text(r, v, "threshold_kind", "Who supports", 8, 0, 0);
  f->in.threshold_kind = f->in.threshold > 0 ? kind : NULL;
  for (i = 0; i < nc; i++) {
    char mn[FORM_MAX_NAME + 1], mx[FORM_MAX_NAME + 1];
    int lo, hi;
    snprintf(mn, sizeof mn, "min.%s", cats[i].slug);
    snprintf(mx, sizeof mx, "max.%s", cats[i].slug);
    lo = adm_int(r, v, mn, "The least number of seats", 0, STV_MAX_SEATS, 0, 0);
    hi = adm_int(r, v, mx, "The most number of seats", 0, STV_MAX_SEATS, 0, -1);
    if (lo == 0 && hi < 0)
      continue;
    if (f->in.n_constraints == SVC_MAX_CONSTRAINTS) {
      verr_add(v, mn, "too_many",
               "At most %d categories can have seat "
               "rules in one contest.",
               SVC_MAX_CONSTRAINTS);
      break;
    }
    n = f->in.n_constraints++;
    f->cons[n].category = cats[i].slug;
    f->cons[n].min = lo;
    f->cons[n].max = hi;
    f->cons_slug[n] = cats[i].slug;
  }
  f->in.constraints = f->cons;
  /* "bame, women" -> {"bame", "women"}, lower-cased */
  tags = adm_text(r, v, "eligible_tags", "Who can vote", 1000, 0, 0);
  snprintf(f->tagbuf, sizeof f->tagbuf, "%s", tags);
  for (s = f->tagbuf; *s;) {
    char *end = strchr(s, ','), *a = s, *z;
    if (end)
      *end = 0;
    while (*a == ' ')
      a++;
    z = a + strlen(a);
    while (z > a && z[-1] == ' ')
      *--z = 0;
    for (z = a; *z; z++)
      if (*z >= 'A' && *z <= 'Z')
        *z = (char)(*z - 'A' + 'a');
    if (*a) {
      if (f->in.n_tags == SVC_MAX_TAGS) {
        verr_add(v, "eligible_tags", "too_many", "Give at most %d tags.",
                 SVC_MAX_TAGS);
        break;
      }
      f->tags[f->in.n_tags++] = a;
    }
    if (!end)
      break;
    s = end + 1;
  }
  f->in.tags = f->tags;
}

/* Points the action's errors at the inputs of this form. */
static void map_errors(verr *v, const contest_form *f) {
  size_t i;
  for (i = 0; i < v->n; i++) {
    char *fl = v->e[i].field;
    unsigned long n;
    char *end, part[16];
    if (strncmp(fl, "constraints.", 12) == 0) {
      n = strtoul(fl + 12, &end, 10);
      snprintf(part, sizeof part, "%s", *end == '.' ? end + 1 : "min");
      if (n < f->in.n_constraints && f->cons_slug[n])
        snprintf(fl, sizeof v->e[i].field, "%s.%s",
                 strcmp(part, "max") == 0 ? "max" : "min", f->cons_slug[n]);
    } else if (strncmp(fl, "eligible_tags", 13) == 0)
      snprintf(fl, sizeof v->e[i].field, "eligible_tags");
  }
}

/* ------------------------------------------------------------ rendering */

/* What a stored contest gives a field (for an edit page not yet sent). */
typedef struct stored {
  const svc_contest *c; /* NULL for a new contest */
  svc_constraint *cons;
  size_t ncons;
  char tags[1024];
} stored;

static const char *val(const req *r, int sent, const char *name,
                       const char *dflt) {
  if (sent) {
    const char *s = form_get(&r->body, name);
    return s ? s : "";
  }
  return dflt ? dflt : "";
}

static void error_line(wbuf *b, const char *id, const char *err) {
  if (!err)
    return;
  wbuf_puts(b, "<p class=\"error-msg\" id=\"f-");
  esc_attr(b, id);
  wbuf_puts(b, "-error\"><span class=\"visually-hidden\">Error: </span>");
  esc_text(b, err);
  wbuf_puts(b, "</p>");
}

static void rules_field(wbuf *b, const verr *v, const char *cur) {
  const char *const *names = stv_rule_names();
  const char *err = verr_msg(ADM_V(v), "rules");
  size_t i;
  wbuf_puts(b,
            err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<label for=\"f-rules\">Counting rules</label><p class=\"hint\" "
               "id=\"f-rules-hint\">How the votes are counted. If you are "
               "not sure, keep the first.</p>");
  error_line(b, "rules", err);
  wbuf_puts(b, "<select id=\"f-rules\" name=\"rules\" aria-describedby=\""
               "f-rules-hint f-rules-list");
  wbuf_puts(b, err ? " f-rules-error\" aria-invalid=\"true\">" : "\">");
  for (i = 0; names[i]; i++) {
    wbuf_puts(b, "<option value=\"");
    esc_attr(b, names[i]);
    wbuf_puts(b, strcmp(names[i], cur) == 0 ? "\" selected>" : "\">");
    esc_text(b, names[i]);
    wbuf_puts(b, "</option>");
  }
  wbuf_puts(b, "</select><details><summary>What the rules mean</summary>"
               "<dl class=\"hint rules\" id=\"f-rules-list\">");
  for (i = 0; names[i]; i++) {
    const char *sum = stv_rule_summary(names[i]);
    wbuf_puts(b, "<dt>");
    esc_text(b, names[i]);
    wbuf_puts(b, "</dt><dd>");
    esc_text(b, sum ? sum : "");
    wbuf_puts(b, "</dd>");
  }
  wbuf_puts(b, "</dl></details></div>\n");
}

static void kind_field(wbuf *b, const verr *v, const char *cur) {
  const char *err = verr_msg(ADM_V(v), "threshold_kind");
  wbuf_puts(b,
            err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<fieldset class=\"choices\"><legend>Who gives supporting "
               "nominations</legend>");
  error_line(b, "threshold_kind", err);
  wbuf_printf(b,
              "<label><input type=\"radio\" id=\"f-threshold_kind\" "
              "name=\"threshold_kind\" value=\"branch\"%s> Branches"
              "</label>",
              strcmp(cur, "member") != 0 ? " checked" : "");
  wbuf_printf(b,
              "<label><input type=\"radio\" "
              "id=\"f-threshold_kind-member\" name=\"threshold_kind\" "
              "value=\"member\"%s> Members</label>",
              strcmp(cur, "member") == 0 ? " checked" : "");
  wbuf_puts(b, "</fieldset></div>\n");
}

/* One number box of the constraints table (a cell). */
static void num_cell(wbuf *b, const verr *v, const char *name,
                     const char *label, const char *value) {
  const char *err = verr_msg(ADM_V(v), name);
  wbuf_puts(b, "<td>");
  error_line(b, name, err);
  wbuf_puts(b, "<label class=\"visually-hidden\" for=\"f-");
  esc_attr(b, name);
  wbuf_puts(b, "\">");
  esc_text(b, label);
  wbuf_puts(b, "</label><input type=\"number\" min=\"0\" inputmode="
               "\"numeric\" class=\"narrow\" id=\"f-");
  esc_attr(b, name);
  wbuf_puts(b, "\" name=\"");
  esc_attr(b, name);
  wbuf_puts(b, "\" value=\"");
  esc_attr(b, value);
  if (err) {
    wbuf_puts(b, "\" aria-invalid=\"true\" aria-describedby=\"f-");
    esc_attr(b, name);
    wbuf_puts(b, "-error");
  }
  wbuf_puts(b, "\"></td>");
}

static void constraints_table(const req *r, wbuf *b, const verr *v, int sent,
                              const svc_category *cats, size_t nc,
                              const stored *st) {
  size_t i, j;
  wbuf_puts(b, "<h3>Seats by category</h3>\n");
  if (!nc) {
    wbuf_puts(b, "<p class=\"hint\">To reserve seats, for example for "
                 "women, first add the category under "
                 "\xe2\x80\x9c"
                 "Categories\xe2\x80\x9d.</p>\n");
    return;
  }
  wbuf_puts(b, "<p class=\"hint\" id=\"cons-hint\">Leave a box empty for no "
               "rule. \xe2\x80\x9c"
               "At least 4\xe2\x80\x9d"
               " for women means 4 "
               "of the seats must go to candidates who are women.</p>"
               "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"cons-cap\" tabindex=\"0\"><table><caption id=\"cons-cap\">"
               "The least and the most seats for each category</caption>"
               "<thead><tr><th scope=\"col\">Category</th><th scope=\"col\">"
               "At least</th><th scope=\"col\">At most</th></tr></thead>"
               "<tbody>");
  for (i = 0; i < nc; i++) {
    char mn[FORM_MAX_NAME + 1], mx[FORM_MAX_NAME + 1], dmin[16] = "",
                                                       dmax[16] = "";
    char lmin[160], lmax[160];
    snprintf(mn, sizeof mn, "min.%s", cats[i].slug);
    snprintf(mx, sizeof mx, "max.%s", cats[i].slug);
    for (j = 0; st && j < st->ncons; j++)
      if (strcmp(st->cons[j].category, cats[i].slug) == 0) {
        if (st->cons[j].min > 0)
          snprintf(dmin, sizeof dmin, "%d", st->cons[j].min);
        if (st->cons[j].max >= 0)
          snprintf(dmax, sizeof dmax, "%d", st->cons[j].max);
      }
    snprintf(lmin, sizeof lmin, "At least this many seats: %.100s",
             cats[i].label);
    snprintf(lmax, sizeof lmax, "At most this many seats: %.100s",
             cats[i].label);
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, cats[i].label);
    wbuf_puts(b, "</th>");
    num_cell(b, v, mn, lmin, val(r, sent, mn, dmin));
    num_cell(b, v, mx, lmax, val(r, sent, mx, dmax));
    wbuf_puts(b, "</tr>");
  }
  wbuf_puts(b, "</tbody></table></div>\n");
}

/* The contest form: new (st->c NULL, posting to the list) or edit. */
static void contest_form_html(req *r, resp *p, const svc_election *e, int sent,
                              const verr *v, const svc_category *cats,
                              size_t nc, const stored *st) {
  wbuf *b = &p->body;
  const svc_contest *c = st->c;
  const char *const *names = stv_rule_names();
  char seats[16] = "", thr[16] = "";
  if (c) {
    snprintf(seats, sizeof seats, "%d", c->seats);
    if (c->threshold > 0)
      snprintf(thr, sizeof thr, "%d", c->threshold);
  }
  adm_errors(p, v, "title");
  wbuf_puts(b, "<form method=\"post\" action=\"");
  if (c)
    page_href(b, "/admin/e/%s/contests/%s", e->slug, c->slug);
  else
    page_href(b, "/admin/e/%s/contests", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_input(p, ADM_V(v), "title", "Title", "text",
              val(r, sent, "title", c ? c->title : ""),
              "Such as \xe2\x80\x9cGeneral seats\xe2\x80\x9d.", "off");
  if (!c || e->phase == PHASE_SETUP)
    field_input(p, ADM_V(v), "slug", "Web address", "text",
                val(r, sent, "slug", c ? c->slug : ""),
                "Used in the nomination link, such as general. Lower-case "
                "letters, digits and hyphens.",
                "off");
  field_input(p, ADM_V(v), "seats", "Seats", "number",
              val(r, sent, "seats", seats),
              "How many people this contest elects.", NULL);
  rules_field(b, v, val(r, sent, "rules", c ? c->rules : names[0]));
  field_input(p, ADM_V(v), "threshold", "Supporting nominations needed",
              "number", val(r, sent, "threshold", thr),
              "How many branches or members must support each candidate. "
              "Leave empty for none.",
              NULL);
  kind_field(b, v,
             val(r, sent, "threshold_kind",
                 c && c->threshold_kind[0] ? c->threshold_kind : "branch"));
  constraints_table(r, b, v, sent, cats, nc, st);
  wbuf_puts(b, "<h3>Who can vote</h3>\n");
  field_input(p, ADM_V(v), "eligible_tags", "Membership tags", "text",
              val(r, sent, "eligible_tags", st->tags),
              "Leave empty if every member can vote. Otherwise the tags "
              "on the membership list, separated by commas, such as "
              "bame.",
              "off");
  wbuf_puts(b, c ? "<button type=\"submit\" class=\"button\">Save the "
                   "contest</button></form>\n"
                 : "<button type=\"submit\" class=\"button\">Add the "
                   "contest</button></form>\n");
}

/* ------------------------------------------------------------ list page */

/* sent: the new-contest form was sent (show its values); v without it
** holds the errors of a move. */
static void list_page(req *r, resp *p, svc_election *e, int status,
                      const verr *v, int sent) {
  sqlite3 *db = db_get();
  svc_contest *cs = NULL;
  svc_category *cats = NULL;
  size_t n = 0, nc = 0, i;
  wbuf *b = &p->body;
  stored st;
  web_status s = svc_contests(db, e->id, &cs, &n);
  if (!s)
    s = svc_categories(db, e->id, &cats, &nc);
  if (s) {
    svc_contests_free(cs, n);
    page_fail(r, p, s);
    return;
  }
  p->status = status;
  adm_open(r, p, e, "Contests", ADM_CONTESTS);
  if (!sent)
    adm_errors(p, v, NULL);
  if (!n)
    wbuf_puts(b, "<p>No contests yet. Add one below: each contest "
                 "elects a number of people by one count.</p>\n");
  else
    wbuf_puts(b, "<ol class=\"items\">\n");
  for (i = 0; i < n; i++) {
    wbuf_puts(b, "<li><h3><a href=\"");
    page_href(b, "/admin/e/%s/contests/%s", e->slug, cs[i].slug);
    wbuf_puts(b, "\">");
    esc_text(b, cs[i].title);
    wbuf_printf(b, "</a></h3><p>%d seat%s \xc2\xb7 ", cs[i].seats,
                cs[i].seats == 1 ? "" : "s");
    esc_text(b, cs[i].rules);
    if (cs[i].threshold > 0)
      wbuf_printf(b, " \xc2\xb7 needs %d supporting nomination%s",
                  cs[i].threshold, cs[i].threshold == 1 ? "" : "s");
    wbuf_puts(b, "</p>");
    if (e->phase < PHASE_VOTING && n > 1) {
      wbuf_puts(b, "<div class=\"actions\">");
      if (i > 0)
        adm_button(r, p, "/admin/e/%s/contests/%s/move", e->slug, cs[i].slug,
                   "dir", "up", "Move up", cs[i].title, 1);
      if (i + 1 < n)
        adm_button(r, p, "/admin/e/%s/contests/%s/move", e->slug, cs[i].slug,
                   "dir", "down", "Move down", cs[i].title, 1);
      wbuf_puts(b, "</div>");
    }
    wbuf_puts(b, "</li>\n");
  }
  if (n)
    wbuf_puts(b, "</ol>\n");
  if (editable(e)) {
    memset(&st, 0, sizeof st);
    wbuf_puts(b, "<h2>New contest</h2>\n");
    contest_form_html(r, p, e, sent, sent ? v : NULL, cats, nc, &st);
  } else
    wbuf_puts(b, "<p>Contests cannot be added or changed once nominations "
                 "have closed.</p>\n");
  svc_contests_free(cs, n);
  svc_categories_free(cats, nc);
  page_close(r, p);
}

void adm_contests_get(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e))
    return;
  list_page(r, p, &e, 200, NULL, 0);
  svc_election_free(&e);
}

void adm_contests_post(req *r, resp *p) {
  svc_election e;
  svc_category *cats = NULL;
  size_t nc = 0;
  contest_form f;
  verr v = {0};
  web_status s;
  int status;
  if (!adm_load(r, p, &e))
    return;
  s = svc_categories(db_get(), e.id, &cats, &nc);
  if (s) {
    page_fail(r, p, s);
    svc_election_free(&e);
    return;
  }
  read_form(r, &v, cats, nc, NULL, &f);
  s = v.n ? WEB_EINVALID
          : svc_contest_create(e.id, &f.in, r->actor, r->admin_id, r->now, &v,
                               NULL);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/contests", e.slug, NULL);
  else if ((status = adm_fail_status(r, p, s)) != 0) {
    map_errors(&v, &f);
    list_page(r, p, &e, status, &v, 1);
  }
  svc_categories_free(cats, nc);
  svc_election_free(&e);
}

/* ------------------------------------------------------------ edit page */

static void edit_page(req *r, resp *p, svc_election *e, svc_contest *c,
                      int status, const verr *v) {
  sqlite3 *db = db_get();
  svc_category *cats = NULL;
  size_t nc = 0, i;
  char **tags = NULL;
  size_t nt = 0;
  stored st;
  wbuf *b = &p->body;
  web_status s;
  memset(&st, 0, sizeof st);
  st.c = c;
  s = svc_categories(db, e->id, &cats, &nc);
  if (!s)
    s = svc_contest_constraints(db, c->id, &st.cons, &st.ncons);
  if (!s)
    s = svc_contest_tags(db, c->id, &tags, &nt);
  if (s) {
    svc_categories_free(cats, nc);
    svc_constraints_free(st.cons, st.ncons);
    page_fail(r, p, s);
    return;
  }
  for (i = 0; i < nt; i++) {
    size_t used = strlen(st.tags);
    snprintf(st.tags + used, sizeof st.tags - used, "%s%s", i ? ", " : "",
             tags[i]);
  }
  p->status = status;
  adm_open(r, p, e, c->title, ADM_CONTESTS);
  wbuf_puts(b, "<p><a href=\"");
  page_href(b, "/admin/e/%s/contests", e->slug);
  wbuf_puts(b, "\">All contests</a></p>\n");
  if (editable(e))
    contest_form_html(r, p, e, v != NULL, v, cats, nc, &st);
  else {
    wbuf_printf(b, "<p>%d seat%s, counted with the ", c->seats,
                c->seats == 1 ? "" : "s");
    esc_text(b, c->rules);
    wbuf_puts(b, " rules. Contests cannot change once nominations have "
                 "closed.</p>\n");
  }
  svc_categories_free(cats, nc);
  svc_constraints_free(st.cons, st.ncons);
  svc_tags_free(tags, nt);
  page_close(r, p);
}

/* Loads the contest named by r->param[1]; 0 when answered (404). */
static int load_contest(req *r, resp *p, const svc_election *e,
                        svc_contest *c) {
  web_status s = svc_contest_get(db_get(), e->id, r->param[1], c);
  if (s == WEB_OK)
    return 1;
  page_fail(r, p, s);
  return 0;
}

void adm_contest_get(req *r, resp *p) {
  svc_election e;
  svc_contest c;
  if (!adm_load(r, p, &e))
    return;
  if (load_contest(r, p, &e, &c)) {
    edit_page(r, p, &e, &c, 200, NULL);
    svc_contest_free(&c);
  }
  svc_election_free(&e);
}

void adm_contest_post(req *r, resp *p) {
  svc_election e;
  svc_contest c;
  svc_category *cats = NULL;
  size_t nc = 0;
  contest_form f;
  verr v = {0};
  web_status s;
  int status;
  memset(&f, 0, sizeof f);
  if (!adm_load(r, p, &e))
    return;
  if (!load_contest(r, p, &e, &c)) {
    svc_election_free(&e);
    return;
  }
  s = svc_categories(db_get(), e.id, &cats, &nc);
  if (!s) {
    read_form(r, &v, cats, nc, e.phase == PHASE_SETUP ? NULL : c.slug, &f);
    s = v.n ? WEB_EINVALID
            : svc_contest_update(e.id, c.id, &f.in, r->actor, r->admin_id,
                                 r->now, &v);
  }
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/contests/%s", e.slug, f.in.slug);
  else if ((status = adm_fail_status(r, p, s)) != 0) {
    map_errors(&v, &f);
    edit_page(r, p, &e, &c, status, &v);
  }
  svc_categories_free(cats, nc);
  svc_contest_free(&c);
  svc_election_free(&e);
}

void adm_contest_move_post(req *r, resp *p) {
  svc_election e;
  svc_contest c;
  verr v = {0};
  const char *dir = form_get(&r->body, "dir");
  web_status s;
  if (!adm_load(r, p, &e))
    return;
  if (!load_contest(r, p, &e, &c)) {
    svc_election_free(&e);
    return;
  }
  s = svc_contest_move(e.id, c.id, dir && strcmp(dir, "up") == 0 ? -1 : 1,
                       r->actor, r->admin_id, r->now, &v);
  if (s == WEB_OK)
    adm_redirect(p, "/admin/e/%s/contests", e.slug, NULL);
  else if (adm_fail_status(r, p, s))
    list_page(r, p, &e, s == WEB_EINVALID ? 422 : 409, &v, 0);
  svc_contest_free(&c);
  svc_election_free(&e);
}
