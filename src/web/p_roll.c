/*
** p_roll.c: the voter roll's pages and API (routes_roll; svc_roll.h does
** the work, roll.h reads the CSV).
**
**   GET  /admin/roll                 an org's roll: counts, tags, the last
**                                    imports, and a search of its voters
**                                    (?org=&q=&tag=&status=&after=)
**   GET  /admin/roll/import          the import form (?org=)
**   POST /admin/roll/import          imports the CSV pasted into the form
**                                    (field csv; the 64 KiB form body caps
**                                    it, so larger rolls go through the
**                                    API); 303 to the report
**   GET  /admin/roll/imports/{id}    an import's report: every rejected or
**                                    duplicate row with its line
**   POST /api/v1/orgs/{org}/roll     imports the body (text/csv, up to
**                                    16 MiB; ?whole_roll=1&file_name=);
**                                    201 with the report
**   GET  /api/v1/orgs/{org}/roll     voters, paged (?q=&tag=&status=
**                                    &after=&limit=), and the counts
**   GET  /api/v1/orgs/{org}/roll/tags             tags and their counts
**   GET  /api/v1/orgs/{org}/roll/imports          the last imports
**   GET  /api/v1/orgs/{org}/roll/imports/{id}     one import with its
**                                                 report
**
** An org the administrator does not administer answers 404, as one that
** does not exist (svc_roll_org_get).  Every text from a file is escaped;
** admin pages and API answers are no-store.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "p_admin.h"
#include "svc_roll.h"

#define PAGE_VOTERS 50  /* voters per page on /admin/roll */
#define PAGE_IMPORTS 10 /* imports listed there */
#define QUERY_TEXT_MAX 200

/* ------------------------------------------------------------- helpers */


/* Unix seconds as RFC 3339 UTC, or "" when 0. */
static void utc_string(int64_t t, char out[24]) {
  char w[17];
  out[0] = 0;
  if (!t || tz_from_utc("UTC", t, w, NULL, NULL) != WEB_OK) return;
  snprintf(out, 24, "%s:%02dZ", w, (int)(((t % 60) + 60) % 60));
}

static void jw_ktime(jw *w, const char *k, int64_t t) {
  char s[24];
  utc_string(t, s);
  jw_key(w, k);
  if (s[0]) jw_str(w, s);
  else jw_null(w);
}

/* The status filter's name, both ways. */
static const char *const status_names[] = {"active", "inactive", "all"};
static int status_parse(const char *s, svc_roll_status *out) {
  int i;
  if (!s || !*s) {
    *out = SVC_ROLL_ACTIVE;
    return 1;
  }
  for (i = 0; i < 3; i++)
    if (strcmp(s, status_names[i]) == 0) {
      *out = (svc_roll_status)i;
      return 1;
    }
  return 0;
}

/* The org of an HTML page: ?org= (or the form's org), else the admin's
** first.  1 with *o and *all (the admin's orgs, to free) set; else 0
** with the answer written. */
static int page_org(req *r, resp *p, const char *slug, svc_roll_org *o,
                    svc_roll_org **all, size_t *nall) {
  sqlite3 *db = db_get();
  web_status s = db ? svc_roll_orgs(db, r->admin_id, all, nall) : WEB_EDB;
  p->no_store = 1;
  memset(o, 0, sizeof *o);
  if (s) {
    page_fail(r, p, s);
    return 0;
  }
  if (!*nall) {
    svc_roll_orgs_free(*all, *nall);
    *all = NULL;
    page_message(r, p, 404, "No organisation",
                 "You administer no organisation, so there is no roll "
                 "to show.", "/admin", "Administration");
    return 0;
  }
  s = svc_roll_org_get(db, r->admin_id, slug && *slug ? slug : (*all)[0].slug,
                       o);
  if (s) {
    svc_roll_orgs_free(*all, *nall);
    *all = NULL;
    *nall = 0;
    page_fail(r, p, s);
    return 0;
  }
  return 1;
}

/* The heading line and, with several orgs, a switch between them. */
static void roll_open(req *r, resp *p, const char *title,
                      const svc_roll_org *o, const svc_roll_org *all,
                      size_t nall, const char *path) {
  wbuf *b = &p->body;
  size_t i;
  page_open(r, p, title);
  wbuf_puts(b, "<p class=\"context\"><a href=\"/admin\">Administration</a> "
               "\xe2\x80\xba <a href=\"");
  page_href(b, "/admin/roll?org=%s", o->slug);
  wbuf_puts(b, "\">Voter roll</a> \xc2\xb7 ");
  esc_text(b, o->name);
  wbuf_puts(b, "</p>\n");
  if (nall > 1) {
    wbuf_puts(b, "<nav aria-label=\"Organisations\" class=\"subnav\"><ul "
                 "class=\"tags\">");
    for (i = 0; i < nall; i++) {
      wbuf_puts(b, "<li><a href=\"");
      wbuf_puts(b, path);
      wbuf_puts(b, "?org=");
      esc_url(b, all[i].slug);
      wbuf_puts(b, all[i].id == o->id ? "\" aria-current=\"page\"><strong>"
                                      : "\">");
      esc_text(b, all[i].name);
      wbuf_puts(b, all[i].id == o->id ? "</strong></a></li>" : "</a></li>");
    }
    wbuf_puts(b, "</ul></nav>\n");
  }
}

static void counts_cells(wbuf *b, const svc_roll_counts *c) {
  wbuf_printf(b,
              "<td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
              "<td>%lld</td><td>%lld</td><td>%lld</td>",
              (long long)c->rows, (long long)c->added, (long long)c->updated,
              (long long)c->unchanged, (long long)c->deactivated,
              (long long)c->rejected, (long long)c->duplicates);
}

static const char counts_head[] =
    "<th scope=\"col\">Rows</th><th scope=\"col\">Added</th>"
    "<th scope=\"col\">Updated</th><th scope=\"col\">Unchanged</th>"
    "<th scope=\"col\">Made inactive</th><th scope=\"col\">Rejected</th>"
    "<th scope=\"col\">Duplicates</th>";

/* ------------------------------------------------------- /admin/roll */

static void voters_table(wbuf *b, const svc_voter *v, size_t n) {
  size_t i;
  wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"voters-cap\" tabindex=\"0\"><table><caption id=\"voters-cap"
               "\">Members</caption><thead><tr><th scope=\"col\">Member "
               "number</th><th scope=\"col\">Name</th><th scope=\"col\">"
               "Email</th><th scope=\"col\">Tags</th><th scope=\"col\">"
               "Status</th></tr></thead><tbody>\n");
  for (i = 0; i < n; i++) {
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, v[i].member_no);
    wbuf_puts(b, "</th><td>");
    esc_text(b, v[i].name);
    wbuf_puts(b, "</td><td>");
    esc_text(b, v[i].email);
    wbuf_puts(b, "</td><td>");
    esc_text(b, v[i].tags);
    wbuf_puts(b, v[i].active ? "</td><td>Active</td></tr>\n"
                             : "</td><td>Inactive</td></tr>\n");
  }
  wbuf_puts(b, "</tbody></table></div>\n");
}

static void h_roll(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_roll_org o, *all = NULL;
  size_t nall = 0, nt = 0, ni = 0, nv = 0, i;
  svc_roll_summary sum;
  svc_tag_count *tags = NULL;
  svc_import *imp = NULL;
  svc_voter *v = NULL;
  svc_roll_query q;
  int64_t total = 0;
  const char *status_s = req_query_text(r, "status", 10);
  web_status s;
  wbuf *b = &p->body;
  if (!page_org(r, p, form_get(&r->query, "org"), &o, &all, &nall)) return;
  memset(&q, 0, sizeof q);
  q.q = req_query_text(r, "q", QUERY_TEXT_MAX);
  q.tag = req_query_text(r, "tag", ROLL_TAG_MAX);
  q.after = req_query_text(r, "after", ROLL_MEMBER_MAX);
  q.limit = PAGE_VOTERS;
  if (!status_parse(status_s, &q.status)) q.status = SVC_ROLL_ACTIVE;
  s = svc_roll_summary_get(db, o.id, &sum);
  if (!s) s = svc_roll_tag_counts(db, o.id, &tags, &nt);
  if (!s) s = svc_roll_imports(db, o.id, PAGE_IMPORTS, &imp, &ni);
  if (!s) s = svc_roll_voters(db, o.id, &q, &v, &nv, &total);
  if (s) {
    page_fail(r, p, s);
    goto out;
  }
  roll_open(r, p, "Voter roll", &o, all, nall, "/admin/roll");
  wbuf_puts(b, "<p><a class=\"button\" href=\"");
  page_href(b, "/admin/roll/import?org=%s", o.slug);
  wbuf_puts(b, "\">Import the roll</a></p>\n");
  wbuf_printf(b,
              "<p id=\"roll-counts\"><strong>%lld</strong> active member%s; "
              "%lld inactive (no longer on the roll); %lld active member%s "
              "without an email address.</p>\n",
              (long long)sum.active, sum.active == 1 ? "" : "s",
              (long long)sum.inactive, (long long)sum.no_email,
              sum.no_email == 1 ? "" : "s");

  wbuf_puts(b, "<h2>Tags</h2>\n");
  if (!nt)
    wbuf_puts(b, "<p>No active member has a tag.</p>\n");
  else {
    wbuf_puts(b, "<ul class=\"tags\" id=\"roll-tags\">");
    for (i = 0; i < nt; i++) {
      wbuf_puts(b, "<li><a href=\"");
      page_href(b, "/admin/roll?org=%s&amp;tag=%s", o.slug, tags[i].tag);
      wbuf_puts(b, "\"><code>");
      esc_text(b, tags[i].tag);
      wbuf_printf(b, "</code> %lld</a></li>", (long long)tags[i].n);
    }
    wbuf_puts(b, "</ul>\n");
  }

  wbuf_puts(b, "<h2>Last imports</h2>\n");
  if (!ni)
    wbuf_puts(b, "<p>The roll has not been imported yet.</p>\n");
  else {
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
                 "\"imports-cap\" tabindex=\"0\"><table><caption id=\""
                 "imports-cap\">Last imports</caption><thead><tr><th scope="
                 "\"col\">When</th><th scope=\"col\">File</th>");
    wbuf_puts(b, counts_head);
    wbuf_puts(b, "</tr></thead><tbody>\n");
    for (i = 0; i < ni; i++) {
      char id[24];
      snprintf(id, sizeof id, "%lld", (long long)imp[i].id);
      wbuf_puts(b, "<tr><th scope=\"row\"><a href=\"");
      page_href(b, "/admin/roll/imports/%s", id);
      wbuf_puts(b, "\">");
      page_time(b, o.tz, imp[i].at, 0);
      wbuf_puts(b, "</a></th><td>");
      esc_text(b, imp[i].file_name[0] ? imp[i].file_name : "(pasted)");
      if (imp[i].whole_roll) wbuf_puts(b, " (whole roll)");
      wbuf_puts(b, "</td>");
      counts_cells(b, &imp[i].c);
      wbuf_puts(b, "</tr>\n");
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  }

  wbuf_puts(b, "<h2>Find members</h2>\n<form method=\"get\" action=\""
               "/admin/roll\" class=\"search\"><input type=\"hidden\" "
               "name=\"org\" value=\"");
  esc_attr(b, o.slug);
  wbuf_puts(b, "\">");
  field_input(p, &adm_none, "q", "Member number, name or email", "search",
              q.q ? q.q : "", NULL, "off");
  field_input(p, &adm_none, "tag", "Tag", "text", q.tag ? q.tag : "", NULL,
              "off");
  wbuf_puts(b, "<div class=\"field\"><label for=\"f-status\">Status</label>"
               "<select id=\"f-status\" name=\"status\">");
  for (i = 0; i < 3; i++)
    wbuf_printf(b, "<option value=\"%s\"%s>%s</option>", status_names[i],
                (size_t)q.status == i ? " selected" : "",
                i == 0 ? "Active" : i == 1 ? "Inactive" : "All");
  wbuf_puts(b, "</select></div><button type=\"submit\" class=\"button "
               "secondary\">Find</button></form>\n");
  wbuf_printf(b, "<p id=\"roll-found\">%lld member%s found%s.</p>\n",
              (long long)total, total == 1 ? "" : "s",
              q.after ? " (this page continues a list)" : "");
  if (nv) voters_table(b, v, nv);
  if (nv == (size_t)q.limit) {
    wbuf_puts(b, "<p><a rel=\"next\" href=\"");
    page_href(b, "/admin/roll?org=%s&amp;status=%s", o.slug,
              status_names[q.status]);
    if (q.q) {
      wbuf_puts(b, "&amp;q=");
      esc_url(b, q.q);
    }
    if (q.tag) {
      wbuf_puts(b, "&amp;tag=");
      esc_url(b, q.tag);
    }
    wbuf_puts(b, "&amp;after=");
    esc_url(b, v[nv - 1].member_no);
    wbuf_puts(b, "\">Next page</a></p>\n");
  }
  page_close(r, p);
out:
  svc_roll_voters_free(v, nv);
  svc_roll_imports_free(imp, ni);
  svc_tag_counts_free(tags);
  svc_roll_org_free(&o);
  svc_roll_orgs_free(all, nall);
}

/* -------------------------------------------------- /admin/roll/import */

static const char example_csv[] =
    "member_no,name,email,tags\n"
    "1001,Ada Brennan,ada@example.org,woman region:london\n"
    "1002,\"Wren, Tomasz\",,region:leeds\n";

static void import_page(req *r, resp *p, const svc_roll_org *o,
                        const svc_roll_org *all, size_t nall, int status,
                        const verr *v, const char *csv) {
  wbuf *b = &p->body;
  size_t i;
  p->status = status;
  roll_open(r, p, "Import the voter roll", o, all, nall, "/admin/roll/import");
  adm_errors(p, v, "csv");
  wbuf_puts(b, "<p>Paste the roll as CSV: a header row, then one row per "
               "member. The columns are <code>member_no</code> and "
               "<code>name</code> (required), <code>email</code> and "
               "<code>tags</code> (tags separated by spaces, commas or "
               "semicolons). A member already on the roll is updated, "
               "never removed.</p>\n<pre><code>");
  esc_text(b, example_csv);
  wbuf_printf(b, "</code></pre>\n<p>This form takes a roll of a few hundred "
                 "members (about %zu KB). For a larger roll, send the file "
                 "to the API: <code>curl -H 'Authorization: Bearer hst_...' "
                 "-H 'Content-Type: text/csv' --data-binary @roll.csv ",
              FORM_BODY_MAX / 1000 / 2);
  esc_text(b, web_cfg.base_url);
  page_href(b, "/api/v1/orgs/%s/roll", o->slug);
  wbuf_puts(b, "</code> (up to 16 MiB and 200,000 members; see the API "
               "documentation).</p>\n<form method=\"post\" action=\""
               "/admin/roll/import\">");
  page_csrf(r, p);
  if (nall > 1) {
    wbuf_puts(b, "<div class=\"field\"><label for=\"f-org\">Organisation"
                 "</label><select id=\"f-org\" name=\"org\">");
    for (i = 0; i < nall; i++) {
      wbuf_puts(b, "<option value=\"");
      esc_attr(b, all[i].slug);
      wbuf_puts(b, all[i].id == o->id ? "\" selected>" : "\">");
      esc_text(b, all[i].name);
      wbuf_puts(b, "</option>");
    }
    wbuf_puts(b, "</select></div>");
  } else {
    wbuf_puts(b, "<input type=\"hidden\" name=\"org\" value=\"");
    esc_attr(b, o->slug);
    wbuf_puts(b, "\">");
  }
  field_textarea(p, ADM_V(v), "csv", "The roll (CSV)", csv ? csv : "",
                 "Copy the cells from the spreadsheet saved as CSV UTF-8, "
                 "header row included.",
                 15);
  wbuf_printf(b,
              "<div class=\"field choices\"><label><input type=\"checkbox\" "
              "id=\"f-whole_roll\" name=\"whole_roll\" value=\"1\"%s> This "
              "is the whole roll: members on the roll but not in this file "
              "become inactive (they are kept, and come back if a later "
              "import lists them)</label>",
              adm_checked(r, "whole_roll") ? " checked" : "");
  {
    const char *err = verr_msg(ADM_V(v), "whole_roll");
    if (err) {
      wbuf_puts(b, "<p class=\"error-msg\" id=\"f-whole_roll-error\">");
      esc_text(b, err);
      wbuf_puts(b, "</p>");
    }
  }
  wbuf_puts(b, "</div><button type=\"submit\" class=\"button\">Import"
               "</button></form>\n");
  page_close(r, p);
}

static void h_import_get(req *r, resp *p) {
  svc_roll_org o, *all = NULL;
  size_t nall = 0;
  if (!page_org(r, p, form_get(&r->query, "org"), &o, &all, &nall)) return;
  import_page(r, p, &o, all, nall, 200, NULL, NULL);
  svc_roll_org_free(&o);
  svc_roll_orgs_free(all, nall);
}

static void h_import_post(req *r, resp *p) {
  svc_roll_org o, *all = NULL;
  size_t nall = 0, len = 0, i;
  verr v;
  int64_t id = 0;
  char path[64];
  const char *csv = form_value(&r->body, "csv", &len);
  web_status s;
  int status;
  v.n = 0;
  if (!page_org(r, p, form_get(&r->body, "org"), &o, &all, &nall)) return;
  s = svc_roll_import(o.id, csv ? csv : "", csv ? len : 0, NULL,
                      adm_checked(r, "whole_roll"), r->actor, r->admin_id,
                      r->now, &v, &id);
  if (s == WEB_OK) {
    snprintf(path, sizeof path, "/admin/roll/imports/%lld", (long long)id);
    resp_redirect(p, path);
  } else if ((status = adm_fail_status(r, p, s)) != 0) {
    for (i = 0; i < v.n; i++) /* fields not on the page: on the csv box */
      if (strcmp(v.e[i].field, "whole_roll") != 0)
        snprintf(v.e[i].field, sizeof v.e[i].field, "csv");
    /* the text shown back must be valid UTF-8 (it may be the problem) */
    import_page(r, p, &o, all, nall, status, &v,
                csv && strlen(csv) == len && utf8_valid(csv, len) ? csv : "");
  }
  svc_roll_org_free(&o);
  svc_roll_orgs_free(all, nall);
}

/* ------------------------------------------- /admin/roll/imports/{id} */

/* Finds import id among the admin's orgs: 1 with *imp and *o set. */
static web_status find_import(sqlite3 *db, int64_t admin_id, int64_t id,
                              svc_import *imp, svc_roll_org *o) {
  svc_roll_org *all = NULL;
  size_t n = 0, i;
  web_status s = svc_roll_orgs(db, admin_id, &all, &n);
  memset(o, 0, sizeof *o);
  for (i = 0; !s && i < n; i++) {
    s = svc_roll_import_get(db, all[i].id, id, imp);
    if (s == WEB_ENOTFOUND) {
      s = WEB_OK;
      continue;
    }
    if (!s) {
      *o = all[i];
      all[i].name = NULL; /* moved to *o */
      svc_roll_orgs_free(all, n);
      return WEB_OK;
    }
  }
  svc_roll_orgs_free(all, n);
  return s ? s : WEB_ENOTFOUND;
}

static void h_report(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_import imp;
  svc_roll_org o;
  int64_t id = req_path_id(r->param[0]);
  const char *line, *nl;
  wbuf *b = &p->body;
  web_status s;
  char title[64];
  memset(&imp, 0, sizeof imp);
  p->no_store = 1;
  s = !db ? WEB_EDB : id ? find_import(db, r->admin_id, id, &imp, &o)
                         : WEB_ENOTFOUND;
  if (s) {
    page_fail(r, p, s);
    return;
  }
  snprintf(title, sizeof title, "Roll import %lld", (long long)imp.id);
  roll_open(r, p, title, &o, NULL, 0, "/admin/roll");
  wbuf_puts(b, "<dl class=\"summary\"><dt>When</dt><dd>");
  page_time(b, o.tz, imp.at, 0);
  wbuf_puts(b, "</dd><dt>File</dt><dd>");
  esc_text(b, imp.file_name[0] ? imp.file_name : "(pasted into the form)");
  wbuf_puts(b, "</dd><dt>SHA-256</dt><dd><code>");
  esc_text(b, imp.sha256);
  wbuf_printf(b, "</code></dd><dt>Whole roll</dt><dd>%s</dd></dl>\n",
              imp.whole_roll ? "Yes: members not in the file became inactive"
                             : "No: members were only added and updated");
  wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
               "\"counts-cap\" tabindex=\"0\"><table id=\"import-counts\">"
               "<caption id=\"counts-cap\">What the import did</caption>"
               "<thead><tr>");
  wbuf_puts(b, counts_head);
  wbuf_puts(b, "</tr></thead><tbody><tr>");
  counts_cells(b, &imp.c);
  wbuf_puts(b, "</tr></tbody></table></div>\n<h2>Rows not imported</h2>\n");
  if (!imp.report[0]) {
    wbuf_puts(b, "<p id=\"no-problems\">Every row was imported.</p>\n");
  } else {
    wbuf_printf(b, "<p>%lld row%s had a problem and %lld repeated a member "
                   "number; none of them changed the roll. Correct them in "
                   "the file and import it again: rows already imported "
                   "are left as they are.</p>\n",
                (long long)imp.c.rejected, imp.c.rejected == 1 ? "" : "s",
                (long long)imp.c.duplicates);
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" aria-labelledby="
                 "\"problems-cap\" tabindex=\"0\"><table id=\"problems\">"
                 "<caption id=\"problems-cap\">Problems, by line of the file"
                 "</caption><thead><tr><th scope=\"col\">Line</th><th scope="
                 "\"col\">Column</th><th scope=\"col\">Member number</th>"
                 "<th scope=\"col\">Problem</th></tr></thead><tbody>\n");
    for (line = imp.report; *line; line = nl) {
      json_t *j;
      nl = strchr(line, '\n');
      nl = nl ? nl + 1 : line + strlen(line);
      j = json_loadb(line, (size_t)(nl - line), 0, NULL);
      if (json_is_object(j)) {
        const char *col = json_string_value(json_object_get(j, "column"));
        const char *mem = json_string_value(json_object_get(j, "member_no"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        json_int_t ln = json_integer_value(json_object_get(j, "line"));
        wbuf_printf(b, "<tr id=\"line-%lld\"><th scope=\"row\">%lld</th>"
                       "<td>", (long long)ln, (long long)ln);
        esc_text(b, col ? col : "");
        wbuf_puts(b, "</td><td>");
        esc_text(b, mem ? mem : "");
        wbuf_puts(b, "</td><td>");
        esc_text(b, msg ? msg : "");
        wbuf_puts(b, "</td></tr>\n");
      }
      json_decref(j);
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  }
  wbuf_puts(b, "<p><a href=\"");
  page_href(b, "/admin/roll?org=%s", o.slug);
  wbuf_puts(b, "\">Back to the roll</a></p>\n");
  page_close(r, p);
  svc_roll_import_free(&imp);
  svc_roll_org_free(&o);
}

/* ----------------------------------------------------------------- API */

/* The org named by param 0, administered by the token's admin: 1, or 0
** with a 404 (or 500) written. */
static int api_org(req *r, resp *p, svc_roll_org *o) {
  sqlite3 *db = db_get();
  web_status s = db ? svc_roll_org_get(db, r->admin_id, r->param[0], o)
                    : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return 0;
  }
  return 1;
}

static void write_counts(jw *w, const svc_roll_counts *c) {
  jw_key(w, "counts");
  jw_obj(w);
  jw_kint(w, "rows", c->rows);
  jw_kint(w, "added", c->added);
  jw_kint(w, "updated", c->updated);
  jw_kint(w, "unchanged", c->unchanged);
  jw_kint(w, "deactivated", c->deactivated);
  jw_kint(w, "rejected", c->rejected);
  jw_kint(w, "duplicates", c->duplicates);
  jw_obj_end(w);
}

/* An import; with its report, "problems": the stored JSON lines, which
** are objects written by svc_roll, copied as an array. */
static void write_import(jw *w, wbuf *b, const svc_roll_org *o,
                         const svc_import *a) {
  jw_obj(w);
  jw_kint(w, "id", a->id);
  jw_kstr(w, "org", o->slug);
  jw_ktime(w, "at", a->at);
  jw_kstr(w, "file_name", a->file_name);
  jw_kstr(w, "sha256", a->sha256);
  jw_kbool(w, "whole_roll", a->whole_roll);
  write_counts(w, &a->c);
  if (a->report) {
    const char *line, *nl;
    int first = 1;
    jw_key(w, "problems");
    jw_arr(w);
    for (line = a->report; *line; line = nl) {
      nl = strchr(line, '\n');
      nl = nl ? nl + 1 : line + strlen(line);
      if (nl - line < 2) continue;
      if (!first) wbuf_add(b, ",", 1);
      wbuf_add(b, line, (size_t)(nl - line) - (nl[-1] == '\n'));
      first = 0;
    }
    jw_arr_end(w);
  }
  jw_obj_end(w);
}

static void answer_import(resp *p, int status, const svc_roll_org *o,
                          int64_t id) {
  sqlite3 *db = db_get();
  svc_import a;
  jw w;
  web_status s = db ? svc_roll_import_get(db, o->id, id, &a) : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  api_begin(p, status, &w);
  write_import(&w, &p->body, o, &a);
  wbuf_puts(&p->body, "\n");
  svc_roll_import_free(&a);
}

/* ?whole_roll=: absent, 0, 1, false or true. */
static int query_bool(const req *r, const char *name, int *out) {
  const char *s = form_get(&r->query, name);
  *out = 0;
  if (!s || strcmp(s, "0") == 0 || strcmp(s, "false") == 0) return 1;
  if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0) {
    *out = 1;
    return 1;
  }
  return 0;
}

static void api_import(req *r, resp *p) {
  svc_roll_org o;
  verr v;
  int whole = 0;
  int64_t id = 0;
  size_t flen = 0;
  const char *fname = form_value(&r->query, "file_name", &flen);
  web_status s;
  v.n = 0;
  if (!api_org(r, p, &o)) return;
  if (!query_bool(r, "whole_roll", &whole))
    verr_add(&v, "whole_roll", "invalid", "whole_roll must be 0 or 1.");
  if (fname && strlen(fname) != flen)
    verr_add(&v, "file_name", "control", "The file name holds a NUL.");
  if (v.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    svc_roll_org_free(&o);
    return;
  }
  s = svc_roll_import(o.id, r->raw, r->raw_len, fname, whole, r->actor,
                      r->admin_id, r->now, &v, &id);
  if (s) api_fail(p, s, NULL, NULL, &v);
  else {
    wbuf loc;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    wbuf_init(&loc, 512);
    page_href(&loc, "/api/v1/orgs/%s/roll/imports/%s", o.slug, ids);
    if (!loc.err) resp_header(p, "Location", wbuf_str(&loc));
    wbuf_free(&loc);
    answer_import(p, 201, &o, id);
  }
  svc_roll_org_free(&o);
}

static void api_voters(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_roll_org o;
  svc_roll_query q;
  svc_roll_summary sum;
  svc_voter *v = NULL;
  size_t n = 0, i;
  int64_t total = 0, limit = req_query_int(r, "limit", 100);
  verr e;
  web_status s;
  jw w;
  e.n = 0;
  if (!api_org(r, p, &o)) return;
  memset(&q, 0, sizeof q);
  q.q = req_query_text(r, "q", QUERY_TEXT_MAX);
  q.tag = req_query_text(r, "tag", ROLL_TAG_MAX);
  q.after = req_query_text(r, "after", ROLL_MEMBER_MAX);
  if (form_get(&r->query, "q") && !q.q)
    verr_add(&e, "q", "invalid", "q must be UTF-8 text of at most %d bytes.",
             QUERY_TEXT_MAX);
  if (form_get(&r->query, "tag") && !(q.tag && roll_tag_ok(q.tag)))
    verr_add(&e, "tag", "invalid", "tag must be a tag ([a-z0-9:_-]{1,40}).");
  if (form_get(&r->query, "after") && !q.after)
    verr_add(&e, "after", "invalid", "after must be a member number.");
  if (!status_parse(form_get(&r->query, "status"), &q.status))
    verr_add(&e, "status", "invalid",
             "status must be active, inactive or all.");
  if (limit < 1 || limit > SVC_ROLL_PAGE_MAX)
    verr_add(&e, "limit", "out_of_range", "limit must be 1 to %d.",
             SVC_ROLL_PAGE_MAX);
  if (e.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &e);
    svc_roll_org_free(&o);
    return;
  }
  q.limit = (int)limit;
  s = svc_roll_summary_get(db, o.id, &sum);
  if (!s) s = svc_roll_voters(db, o.id, &q, &v, &n, &total);
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    svc_roll_org_free(&o);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kstr(&w, "org", o.slug);
  jw_key(&w, "summary");
  jw_obj(&w);
  jw_kint(&w, "active", sum.active);
  jw_kint(&w, "inactive", sum.inactive);
  jw_kint(&w, "no_email", sum.no_email);
  jw_kint(&w, "imports", sum.imports);
  jw_obj_end(&w);
  jw_kint(&w, "total", total);
  jw_key(&w, "voters");
  jw_arr(&w);
  for (i = 0; i < n; i++) {
    const char *t = v[i].tags;
    jw_obj(&w);
    jw_kint(&w, "id", v[i].id);
    jw_kstr(&w, "member_no", v[i].member_no);
    jw_kstr(&w, "name", v[i].name);
    jw_kstr(&w, "email", v[i].email);
    jw_kbool(&w, "active", v[i].active);
    jw_key(&w, "tags");
    jw_arr(&w);
    while (*t) {
      char tag[ROLL_TAG_MAX + 1];
      size_t k = strcspn(t, " ");
      if (k > ROLL_TAG_MAX) k = ROLL_TAG_MAX;
      memcpy(tag, t, k);
      tag[k] = 0;
      jw_str(&w, tag);
      t += strcspn(t, " ");
      while (*t == ' ') t++;
    }
    jw_arr_end(&w);
    jw_ktime(&w, "created_at", v[i].created_at);
    jw_ktime(&w, "updated_at", v[i].updated_at);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_key(&w, "next_after");
  if (n && n == (size_t)q.limit) jw_str(&w, v[n - 1].member_no);
  else jw_null(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_roll_voters_free(v, n);
  svc_roll_org_free(&o);
}

static void api_tags(req *r, resp *p) {
  svc_roll_org o;
  svc_tag_count *t = NULL;
  size_t n = 0, i;
  web_status s;
  jw w;
  if (!api_org(r, p, &o)) return;
  s = svc_roll_tag_counts(db_get(), o.id, &t, &n);
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    api_begin(p, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "org", o.slug);
    jw_key(&w, "tags");
    jw_arr(&w);
    for (i = 0; i < n; i++) {
      jw_obj(&w);
      jw_kstr(&w, "tag", t[i].tag);
      jw_kint(&w, "active", t[i].n);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    wbuf_puts(&p->body, "\n");
  }
  svc_tag_counts_free(t);
  svc_roll_org_free(&o);
}

static void api_imports(req *r, resp *p) {
  svc_roll_org o;
  svc_import *a = NULL;
  size_t n = 0, i;
  web_status s;
  jw w;
  if (!api_org(r, p, &o)) return;
  s = svc_roll_imports(db_get(), o.id, 100, &a, &n);
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    api_begin(p, 200, &w);
    jw_obj(&w);
    jw_kstr(&w, "org", o.slug);
    jw_key(&w, "imports");
    jw_arr(&w);
    for (i = 0; i < n; i++) write_import(&w, &p->body, &o, &a[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    wbuf_puts(&p->body, "\n");
  }
  svc_roll_imports_free(a, n);
  svc_roll_org_free(&o);
}

static void api_import_get(req *r, resp *p) {
  svc_roll_org o;
  int64_t id = req_path_id(r->param[1]);
  if (!api_org(r, p, &o)) return;
  if (!id) api_fail(p, WEB_ENOTFOUND, NULL, NULL, NULL);
  else answer_import(p, 200, &o, id);
  svc_roll_org_free(&o);
}

/* --------------------------------------------------------------- routes */

#define A(m, pat, fn, body) {m, pat, fn, AUTH_TOKEN, body, RATE_API}

const route routes_roll[] = {
    {"GET", "/admin/roll", h_roll, AUTH_ADMIN, BODY_NONE, RATE_READ},
    {"GET", "/admin/roll/import", h_import_get, AUTH_ADMIN, BODY_NONE,
     RATE_READ},
    {"POST", "/admin/roll/import", h_import_post, AUTH_ADMIN, BODY_FORM,
     RATE_READ},
    {"GET", "/admin/roll/imports/{id}", h_report, AUTH_ADMIN, BODY_NONE,
     RATE_READ},
    A("POST", "/api/v1/orgs/{org}/roll", api_import, BODY_RAW),
    A("GET", "/api/v1/orgs/{org}/roll", api_voters, BODY_NONE),
    A("GET", "/api/v1/orgs/{org}/roll/tags", api_tags, BODY_NONE),
    A("GET", "/api/v1/orgs/{org}/roll/imports", api_imports, BODY_NONE),
    A("GET", "/api/v1/orgs/{org}/roll/imports/{id}", api_import_get,
      BODY_NONE),
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
