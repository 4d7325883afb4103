/*
** p_admin.c: the administrators' set-up pages, part 1: the route table
** (routes_admin), the helpers every admin page shares (p_admin.h), the
** dashboard (/admin), the audit log view and export (/admin/audit,
** /admin/audit.jsonl) and API tokens (/admin/tokens).  The election
** editors live in p_admin_election.c and p_admin_contest.c.
**
** Every change goes through svc_setup.h; the pages here only read (the
** dashboard's nomination counts with a SELECT of its own; the audit view
** and export through svc_audit_back and svc_audit_page, which decide what
** an administrator may see).  The export comes in parts of at most
** AUDIT_JSONL_MAX entries, the next part named by a Link header.  Every text from a user is escaped.  Admin
** pages are no-store.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "p_admin.h"

/* --------------------------------------------------------------- helpers */

const verr adm_none;

int adm_load(req *r, resp *p, svc_election *e) {
  p->no_store = 1;
  return page_election(r, p, r->param[0], e, 1);
}


void adm_redirect(resp *p, const char *fmt, const char *a, const char *b) {
  wbuf w;
  wbuf_init(&w, 2048);
  page_href(&w, fmt, a, b);
  resp_redirect(p, w.err ? "/admin" : wbuf_str(&w));
  wbuf_free(&w);
}

void adm_errors(resp *p, const verr *v, const char *fallback) {
  verr c;
  size_t i;
  int plain = 0;
  wbuf *b = &p->body;
  if (!v || !v->n)
    return;
  c = *v;
  for (i = 0; i < c.n; i++)
    if (!c.e[i].field[0] && fallback)
      snprintf(c.e[i].field, sizeof c.e[i].field, "%s", fallback);
    else if (!c.e[i].field[0])
      plain = 1;
  if (!plain) {
    page_errors(p, &c);
    return;
  }
  /* page_errors links every item to #f-FIELD; an item that names no
  ** field on this page is written as text, in the same box */
  wbuf_puts(b, "<div class=\"error-summary\" role=\"alert\" "
               "aria-labelledby=\"error-summary-title\" tabindex=\"-1\">"
               "<h2 id=\"error-summary-title\">There is a problem</h2><ul>");
  for (i = 0; i < c.n; i++) {
    if (c.e[i].field[0]) {
      wbuf_puts(b, "<li><a href=\"#f-");
      esc_attr(b, c.e[i].field);
      wbuf_puts(b, "\">");
      esc_text(b, c.e[i].msg);
      wbuf_puts(b, "</a></li>");
    } else {
      wbuf_puts(b, "<li>");
      esc_text(b, c.e[i].msg);
      wbuf_puts(b, "</li>");
    }
  }
  wbuf_puts(b, "</ul></div>\n");
}

int adm_fail_status(req *r, resp *p, web_status s) {
  if (s == WEB_EINVALID)
    return 422;
  if (s == WEB_ECONFLICT)
    return 409;
  page_fail(r, p, s);
  return 0;
}

static const char *const section_names[] = {"Settings",  "Contests",
                                            "Questions", "Categories",
                                            "Branches",  "Nominations"};
static const char *const section_paths[] = {
    "/admin/e/%s",           "/admin/e/%s/contests",
    "/admin/e/%s/questions", "/admin/e/%s/categories",
    "/admin/e/%s/branches",  "/admin/e/%s/nominations"};

void adm_open(req *r, resp *p, const svc_election *e, const char *title,
              adm_section cur) {
  wbuf *b = &p->body;
  size_t i;
  p->no_store = 1;
  page_open(r, p, title);
  wbuf_puts(b, "<p class=\"context\"><a href=\"/admin\">Administration</a> "
               "\xe2\x80\xba ");
  esc_text(b, e->title);
  wbuf_puts(b, " \xc2\xb7 <strong>");
  esc_text(b, svc_phase_label(e->phase));
  wbuf_puts(b, "</strong> \xc2\xb7 <a href=\"");
  page_href(b, "/e/%s", e->slug);
  wbuf_puts(b, "\">Public page</a></p>\n<nav aria-label=\"Election set-up\" "
               "class=\"subnav\"><ul class=\"tags\">");
  for (i = 0; i < sizeof section_names / sizeof section_names[0]; i++) {
    wbuf_puts(b, "<li><a href=\"");
    page_href(b, section_paths[i], e->slug);
    if ((int)i == (int)cur)
      wbuf_printf(b, "\" aria-current=\"page\"><strong>%s</strong></a></li>",
                  section_names[i]);
    else
      wbuf_printf(b, "\">%s</a></li>", section_names[i]);
  }
  wbuf_puts(b, "</ul></nav>\n");
}

/* The index of the first field called name in the body, or -1. */
static long field_index(const req *r, const char *name) {
  size_t i;
  for (i = 0; i < r->body.n; i++)
    if (strcmp(r->body.name[i], name) == 0)
      return (long)i;
  return -1;
}

const char *adm_text(req *r, verr *v, const char *name, const char *label,
                     size_t max, int multiline, int required) {
  long i = field_index(r, name);
  char *s;
  size_t len;
  const char *code;
  if (i < 0) {
    if (required)
      verr_add(v, name, "required", "%s is required.", label);
    return "";
  }
  s = r->body.value[i];
  len = r->body.vlen[i];
  code = text_check(s, &len, max, multiline);
  if (!code && !multiline) { /* trim spaces at both ends */
    size_t a = 0;
    while (a < len && (s[a] == ' ' || s[a] == '\t'))
      a++;
    while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t'))
      len--;
    memmove(s, s + a, len - a);
    len -= a;
    s[len] = 0;
  }
  r->body.vlen[i] = len;
  if (code) {
    if (strcmp(code, "bad_utf8") == 0)
      verr_add(v, name, code,
               "%s contains characters that are not valid "
               "text (UTF-8); type it again.",
               label);
    else if (strcmp(code, "too_long") == 0)
      verr_add(v, name, code, "%s is too long: the limit is %zu bytes.", label,
               max);
    else if (!multiline)
      verr_add(v, name, code,
               "%s must be one line of plain text, without "
               "control characters.",
               label);
    else
      verr_add(v, name, code,
               "%s contains control characters; use plain "
               "text.",
               label);
    s[0] = 0;
    r->body.vlen[i] = 0;
    return "";
  }
  if (required && len == 0) {
    verr_add(v, name, "required", "%s is required.", label);
    return "";
  }
  return s;
}

int adm_int(req *r, verr *v, const char *name, const char *label, int lo,
            int hi, int required, int dflt) {
  const char *s = adm_text(r, v, name, label, 20, 0, required);
  char *end;
  long n;
  if (verr_msg(ADM_V(v), name))
    return dflt;
  if (!*s)
    return dflt;
  n = strtol(s, &end, 10);
  if (*end || end == s || n < lo || n > hi) {
    verr_add(v, name, "range", "%s must be a whole number from %d to %d.",
             label, lo, hi);
    return dflt;
  }
  return (int)n;
}

int adm_checked(const req *r, const char *name) {
  const char *s = form_get(&r->body, name);
  return s && *s;
}

void adm_button(req *r, resp *p, const char *fmt, const char *a, const char *b,
                const char *name, const char *value, const char *label,
                const char *about, int secondary) {
  wbuf *w = &p->body;
  wbuf_puts(w, "<form method=\"post\" action=\"");
  page_href(w, fmt, a, b);
  wbuf_puts(w, "\">");
  page_csrf(r, p);
  if (name) {
    wbuf_puts(w, "<input type=\"hidden\" name=\"");
    esc_attr(w, name);
    wbuf_puts(w, "\" value=\"");
    esc_attr(w, value);
    wbuf_puts(w, "\">");
  }
  wbuf_puts(w, secondary ? "<button type=\"submit\" class=\"button "
                           "secondary\">"
                         : "<button type=\"submit\" class=\"button\">");
  esc_text(w, label);
  if (about) {
    wbuf_puts(w, "<span class=\"visually-hidden\">: ");
    esc_text(w, about);
    wbuf_puts(w, "</span>");
  }
  wbuf_puts(w, "</button></form>");
}

void adm_secret(wbuf *b, const char *id, const char *intro,
                const char *secret) {
  wbuf_puts(b, "<div class=\"notice ok\" role=\"status\"><p>");
  esc_text(b, intro);
  wbuf_puts(b, "</p><p><code id=\"");
  esc_attr(b, id);
  wbuf_puts(b, "\">");
  esc_text(b, secret);
  wbuf_puts(b, "</code></p><p><strong>Copy this now; it is not shown "
               "again.</strong></p></div>\n");
}

/* The zone to show times in on pages of no one election: the admin's
** first organisation's. */
static void admin_zone(sqlite3 *db, int64_t admin_id, char zone[65]) {
  svc_org *o = NULL;
  size_t n = 0;
  snprintf(zone, 65, "UTC");
  if (svc_admin_orgs(db, admin_id, &o, &n) == WEB_OK && n && o[0].tz[0])
    snprintf(zone, 65, "%s", o[0].tz);
  svc_orgs_free(o, n);
}

/* ------------------------------------------------------------- dashboard */

static void nomination_counts(wbuf *b, sqlite3 *db, int64_t election_id) {
  static const char *const names[] = {"submitted", "accepted", "rejected",
                                      "withdrawn"};
  static const char *const words[] = {"waiting for a decision", "accepted",
                                      "rejected", "withdrawn"};
  int counts[4] = {0, 0, 0, 0}, i, total = 0, first = 1, rc;
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.status, count(*) FROM nominations n JOIN contests c ON "
          "c.id = n.contest_id WHERE c.election_id = ?1 GROUP BY n.status");
  if (!st)
    return;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *s = (const char *)sqlite3_column_text(st, 0);
    for (i = 0; i < 4; i++)
      if (s && strcmp(s, names[i]) == 0) {
        counts[i] = sqlite3_column_int(st, 1);
        total += counts[i];
      }
  }
  /* an error ends the list early: the page fails, not a short list */
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
  sqlite3_reset(st);
  if (!total) {
    wbuf_puts(b, "<p>No nominations yet.</p>");
    return;
  }
  wbuf_printf(b, "<p>%d nomination%s: ", total, total == 1 ? "" : "s");
  for (i = 0; i < 4; i++) {
    if (!counts[i])
      continue;
    wbuf_printf(b, "%s<span class=\"status-%s\">%d %s</span>",
                first ? "" : ", ", names[i], counts[i], words[i]);
    first = 0;
  }
  wbuf_puts(b, ".</p>");
}

static void h_dashboard(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election_item *el = NULL;
  size_t n = 0, i;
  int64_t seq = 0;
  char head[65];
  wbuf *b = &p->body;
  web_status s = db ? svc_admin_elections(db, r->admin_id, &el, &n) : WEB_EDB;
  if (!s)
    s = svc_audit_head(db, &seq, head);
  p->no_store = 1;
  if (s) {
    svc_election_items_free(el, n);
    page_fail(r, p, s);
    return;
  }
  page_open(r, p, "Administration");
  wbuf_puts(b, "<p><a class=\"button\" href=\"/admin/e/new\">New "
               "election</a></p>\n<h2>Your elections</h2>\n");
  if (!n)
    wbuf_puts(b, "<p>You have no elections yet. Start with \xe2\x80\x9cNew "
                 "election\xe2\x80\x9d.</p>\n");
  else
    wbuf_puts(b, "<ul class=\"elections\">\n");
  for (i = 0; i < n; i++) {
    wbuf_puts(b, "<li><h3><a href=\"");
    page_href(b, "/admin/e/%s", el[i].slug);
    wbuf_puts(b, "\">");
    esc_text(b, el[i].title);
    wbuf_puts(b, "</a></h3><p><strong>");
    esc_text(b, svc_phase_label(el[i].phase));
    wbuf_puts(b, "</strong>");
    if (el[i].published_at && el[i].published_at <= r->now)
      wbuf_puts(b, " \xc2\xb7 candidates published");
    wbuf_puts(b, "</p>");
    nomination_counts(b, db, el[i].id);
    wbuf_puts(b, "<p><a href=\"");
    page_href(b, "/admin/e/%s/nominations", el[i].slug);
    wbuf_puts(b, "\">Nominations</a> \xc2\xb7 <a href=\"");
    page_href(b, "/e/%s", el[i].slug);
    wbuf_puts(b, "\">Public page</a></p></li>\n");
  }
  if (n)
    wbuf_puts(b, "</ul>\n");
  svc_election_items_free(el, n);

  wbuf_puts(b, "<h2>Audit log</h2>\n");
  wbuf_printf(b,
              "<p>The log has <strong>%lld</strong> entr%s. Its latest "
              "fingerprint (hash) is:</p>\n<p><code class=\"hash\" "
              "id=\"audit-head\">%s</code></p>\n",
              (long long)seq, seq == 1 ? "y" : "ies", head);
  wbuf_puts(b, "<p class=\"hint\">Each entry's fingerprint covers every "
               "entry before it. If you publish this fingerprint, for "
               "example in a members' bulletin, members can later check "
               "that no earlier entry has been changed or removed.</p>\n"
               "<ul class=\"links\"><li><a href=\"/admin/audit\">Read the "
               "audit log</a></li><li><a href=\"/admin/tokens\">API "
               "tokens</a></li></ul>\n"
               "<h2>Members</h2>\n<p><a href=\"/admin/roll\">The voter "
               "roll</a>: import your membership list and see who is on "
               "it.</p>\n");
  page_close(r, p);
}

/* ------------------------------------------------------------------ audit */

#define AUDIT_PAGE 100           /* entries on a page of /admin/audit */
#define AUDIT_JSONL_MAX 10000     /* entries in a part of audit.jsonl */
#define AUDIT_JSONL_BYTES ((size_t)4 << 20) /* and bytes (< WBUF_PAGE_MAX) */

/* The object and election named in an audit line, as "nomination:12 in
** steering-2027" (either may be missing). */
static void audit_object(wbuf *b, const char *line) {
  json_error_t je;
  json_t *o = line ? json_loads(line, 0, &je) : NULL;
  const char *obj = NULL, *el = NULL;
  if (o) {
    json_t *x = json_object_get(o, "object");
    json_t *y = json_object_get(o, "election");
    obj = json_is_string(x) ? json_string_value(x) : NULL;
    el = json_is_string(y) ? json_string_value(y) : NULL;
  }
  if (obj)
    esc_text(b, obj);
  if (obj && el)
    wbuf_puts(b, " in ");
  if (el)
    esc_text(b, el);
  if (!obj && !el)
    wbuf_puts(b, "\xe2\x80\x94");
  json_decref(o);
}

static void h_audit(req *r, resp *p) {
  sqlite3 *db = db_get();
  const char *bs = form_get(&r->query, "before");
  int64_t before = INT64_MAX, seq = 0, last = 0;
  char head[65], zone[65];
  svc_audit_entry *a = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  web_status s;
  p->no_store = 1;
  if (bs && *bs) {
    char *end;
    long long v = strtoll(bs, &end, 10);
    if (!*end && v > 0)
      before = v;
  }
  s = db ? svc_audit_head(db, &seq, head) : WEB_EDB;
  /* one more than a page, to know whether there is an older page */
  if (!s)
    s = svc_audit_back(db, r->admin_id, before, AUDIT_PAGE + 1, &a, &n);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  admin_zone(db, r->admin_id, zone);
  page_open(r, p, "Audit log");
  wbuf_printf(b,
              "<p>Latest entry: <strong>%lld</strong>. Fingerprint "
              "(hash) of the whole log:</p>\n<p><code class=\"hash\" "
              "id=\"audit-head\">%s</code></p>\n"
              "<p><a href=\"/admin/audit.jsonl\">Download the log (JSON "
              "Lines)</a> \xc2\xb7 <a href=\"/admin\">Back to "
              "administration</a></p>\n",
              (long long)seq, head);
  wbuf_printf(b,
              "<p class=\"hint\">A download holds at most %d entries. "
              "When there are more, its <code>Link</code> header (<code>"
              "rel=\"next\"</code>) gives the address of the next part, "
              "which starts after the last entry of this one; you can also "
              "ask for the entries after a number here.</p>\n"
              "<form method=\"get\" action=\"/admin/audit.jsonl\" "
              "class=\"inline\"><div class=\"field\"><label "
              "for=\"f-after\">Download the entries after number</label>"
              "<input type=\"number\" id=\"f-after\" name=\"after\" "
              "min=\"0\" value=\"0\"></div><button type=\"submit\" "
              "class=\"button secondary\">Download</button></form>\n",
              AUDIT_JSONL_MAX);
  for (i = 0; i < n && i < AUDIT_PAGE; i++) {
    if (i == 0)
      wbuf_puts(b, "<h2>Entries, newest first</h2>\n<ol class=\"audit\" "
                   "reversed>\n");
    last = a[i].seq;
    /* one entry per item, not a table: it reads on a phone */
    wbuf_printf(b, "<li id=\"seq-%lld\" value=\"%lld\"><p><strong>",
                (long long)last, (long long)last);
    esc_text(b, a[i].action);
    wbuf_puts(b, "</strong> \xc2\xb7 ");
    audit_object(b, a[i].line);
    wbuf_puts(b, "<br>");
    page_time(b, zone, a[i].at, 0);
    wbuf_puts(b, " \xc2\xb7 by ");
    esc_text(b, a[i].actor);
    wbuf_puts(b, "<br><span class=\"hint\">Hash <code class=\"hash\">");
    esc_text(b, a[i].hash);
    wbuf_puts(b, "</code></span></p></li>\n");
  }
  if (n)
    wbuf_puts(b, "</ol>\n");
  else
    wbuf_puts(b, "<p>No entries.</p>\n");
  wbuf_puts(b, "<p class=\"pager\">");
  if (before != INT64_MAX)
    wbuf_puts(b, "<a href=\"/admin/audit\">Newest entries</a> ");
  if (n > AUDIT_PAGE)
    wbuf_printf(b,
                "<a href=\"/admin/audit?before=%lld\">Older "
                "entries</a>",
                (long long)last);
  svc_audit_free(a, n);
  wbuf_puts(b, "</p>\n<p class=\"hint\">Times are shown in the ");
  esc_text(b, zone);
  wbuf_puts(b, " time zone. The log shows the entries of your elections, "
               "and of your own sign-ins and API tokens. Anyone with the "
               "whole log can check it: each hash is BLAKE2b-256 of the "
               "previous hash, a newline and the entry's line (<code>"
               "hustings audit-verify</code> does this).</p>\n");
  page_close(r, p);
}

/* A query parameter as a whole number in lo..hi: 1 with *out (dflt when
** absent), 0 when it is there but not such a number. */
static int query_num(const req *r, const char *name, int64_t lo, int64_t hi,
                     int64_t dflt, int64_t *out) {
  const char *s = form_get(&r->query, name);
  char *end;
  long long v;
  *out = dflt;
  if (!s)
    return 1;
  if (*s < '0' || *s > '9' || strlen(s) > 18)
    return 0;
  v = strtoll(s, &end, 10);
  if (*end || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

/* The log as JSON Lines, one part at a time: the entries after ?after=
** (default 0), at most ?limit= of them (1..AUDIT_JSONL_MAX, the default)
** and at most AUDIT_JSONL_BYTES of lines (an entry is at most 64 KiB, so
** a part is never empty while entries remain).  When more remain, a
** Link header (RFC 8288) names the next part. */
static void h_audit_jsonl(req *r, resp *p) {
  sqlite3 *db = db_get();
  int64_t after = 0, limit = AUDIT_JSONL_MAX, count = 0;
  int more = 0;
  web_status s = db ? WEB_OK : WEB_EDB;
  p->no_store = 1;
  if (!query_num(r, "after", 0, INT64_MAX, 0, &after) ||
      !query_num(r, "limit", 1, AUDIT_JSONL_MAX, AUDIT_JSONL_MAX, &limit)) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "Give after as an entry number and limit as a number from 1 "
             "to %d.",
             AUDIT_JSONL_MAX);
    page_message(r, p, 400, "Bad request", msg, "/admin/audit",
                 "Back to the audit log");
    return;
  }
  while (!s && !more) {
    svc_audit_entry *a = NULL;
    size_t n = 0, i;
    int64_t want = limit - count;
    s = svc_audit_page(db, 0, r->admin_id, after,
                       want > 1000 ? 1000 : (int)want + 1, &a, &n);
    if (s)
      break;
    for (i = 0; i < n; i++) {
      size_t len = strlen(a[i].line);
      if (count == limit || p->body.len + len + 1 > AUDIT_JSONL_BYTES) {
        more = 1; /* an entry remains for the next part */
        break;
      }
      wbuf_add(&p->body, a[i].line, len);
      wbuf_add(&p->body, "\n", 1);
      after = a[i].seq;
      count++;
    }
    svc_audit_free(a, n);
    if (n == 0 || (!more && count < limit && n < 1000))
      break;
  }
  if (s || p->body.err) {
    wbuf_free(&p->body);
    wbuf_init(&p->body, WBUF_PAGE_MAX);
    page_fail(r, p, s ? s : WEB_ENOMEM);
    return;
  }
  p->ctype = "application/x-ndjson";
  resp_header(p, "Content-Disposition", "attachment; filename=\"audit.jsonl\"");
  if (more) {
    char link[128];
    snprintf(link, sizeof link,
             "</admin/audit.jsonl?after=%lld&limit=%lld>; rel=\"next\"",
             (long long)after, (long long)limit);
    resp_header(p, "Link", link);
  }
}

/* ----------------------------------------------------------------- tokens */

static void tokens_page(req *r, resp *p, int status, const verr *v,
                        const char *label, const char *new_token) {
  sqlite3 *db = db_get();
  svc_token *t = NULL;
  size_t n = 0, i;
  char zone[65];
  wbuf *b = &p->body;
  web_status s = db ? svc_tokens(db, r->admin_id, &t, &n) : WEB_EDB;
  p->no_store = 1;
  if (s) {
    page_fail(r, p, s);
    return;
  }
  admin_zone(db, r->admin_id, zone);
  p->status = status;
  page_open(r, p, "API tokens");
  if (new_token)
    adm_secret(b, "new-token",
               "Your new API token. Programs send it as "
               "\xe2\x80\x9c"
               "Authorization: Bearer\xe2\x80\x9d followed by "
               "the token.",
               new_token);
  wbuf_puts(b, "<p>An API token lets a program do what you can do here, "
               "through the JSON API. Give each program its own token and "
               "revoke it when it is no longer needed.</p>\n");
  if (n) {
    wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" "
                 "aria-labelledby=\"tok-cap\" tabindex=\"0\"><table>"
                 "<caption id=\"tok-cap\">Your tokens</caption><thead><tr>"
                 "<th scope=\"col\">Label</th><th scope=\"col\">Starts "
                 "with</th><th scope=\"col\">Created</th><th scope=\"col\">"
                 "Last used</th><th scope=\"col\">Status</th></tr></thead>"
                 "<tbody>\n");
    for (i = 0; i < n; i++) {
      char id[24];
      snprintf(id, sizeof id, "%lld", (long long)t[i].id);
      wbuf_puts(b, "<tr><th scope=\"row\">");
      esc_text(b, t[i].label);
      wbuf_puts(b, "</th><td><code>");
      esc_text(b, t[i].prefix);
      wbuf_puts(b, "\xe2\x80\xa6</code></td><td>");
      page_time(b, zone, t[i].created_at, 0);
      wbuf_puts(b, "</td><td>");
      if (t[i].last_used_at)
        page_time(b, zone, t[i].last_used_at, 0);
      else
        wbuf_puts(b, "Never");
      wbuf_puts(b, "</td><td>");
      if (t[i].revoked_at) {
        wbuf_puts(b, "Revoked ");
        page_time(b, zone, t[i].revoked_at, 0);
      } else
        adm_button(r, p, "/admin/tokens/%s/revoke", id, NULL, NULL, NULL,
                   "Revoke", t[i].label, 1);
      wbuf_puts(b, "</td></tr>\n");
    }
    wbuf_puts(b, "</tbody></table></div>\n");
  } else
    wbuf_puts(b, "<p>You have no API tokens.</p>\n");
  svc_tokens_free(t, n);
  wbuf_puts(b, "<h2>New token</h2>\n");
  adm_errors(p, v, "label");
  wbuf_puts(b, "<form method=\"post\" action=\"/admin/tokens\">");
  page_csrf(r, p);
  field_input(p, ADM_V(v), "label", "Label", "text", label,
              "What the token is for, such as \xe2\x80\x9cmembership "
              "system\xe2\x80\x9d.",
              "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Create "
               "token</button></form>\n");
  page_close(r, p);
}

static void h_tokens_get(req *r, resp *p) {
  tokens_page(r, p, 200, NULL, "", NULL);
}

static void h_tokens_post(req *r, resp *p) {
  verr v = {0};
  char tok[SVC_API_TOKEN_SIZE] = "";
  const char *label =
      adm_text(r, &v, "label", "Label", SVC_TOKEN_LABEL_MAX, 0, 1);
  web_status s = WEB_EINVALID;
  int status;
  if (!v.n)
    s = svc_token_create(r->admin_id, label, r->actor, r->now, &v, NULL, tok);
  if (s == WEB_OK) {
    tokens_page(r, p, 200, NULL, "", tok);
    sodium_memzero(tok, sizeof tok);
    return;
  }
  if (!(status = adm_fail_status(r, p, s)))
    return;
  tokens_page(r, p, status, &v, label, NULL);
}

static void h_token_revoke(req *r, resp *p) {
  verr v = {0};
  char *end;
  long long id = strtoll(r->param[0], &end, 10);
  web_status s;
  int status;
  if (*end || id <= 0) {
    page_fail(r, p, WEB_ENOTFOUND);
    return;
  }
  s = svc_token_revoke(r->admin_id, id, r->actor, r->now, &v);
  if (s == WEB_OK) {
    resp_redirect(p, "/admin/tokens");
    return;
  }
  if (!(status = adm_fail_status(r, p, s)))
    return;
  tokens_page(r, p, status, &v, "", NULL);
}

/* ----------------------------------------------------------------- routes */

#define GET_(pat, fn)                                                          \
  { "GET", pat, fn, AUTH_ADMIN, BODY_NONE, RATE_READ }
#define POST_(pat, fn)                                                         \
  { "POST", pat, fn, AUTH_ADMIN, BODY_FORM, RATE_READ }

const route routes_admin[] = {
    GET_("/admin", h_dashboard),
    GET_("/admin/audit", h_audit),
    GET_("/admin/audit.jsonl", h_audit_jsonl),
    GET_("/admin/tokens", h_tokens_get),
    POST_("/admin/tokens", h_tokens_post),
    POST_("/admin/tokens/{id}/revoke", h_token_revoke),
    /* before /admin/e/{e}, so that "new" is not read as a slug */
    GET_("/admin/e/new", adm_election_new_get),
    POST_("/admin/e/new", adm_election_new_post),
    GET_("/admin/e/{e}", adm_election_get),
    POST_("/admin/e/{e}", adm_election_post),
    POST_("/admin/e/{e}/timetable", adm_timetable_post),
    POST_("/admin/e/{e}/phase", adm_phase_post),
    POST_("/admin/e/{e}/publish", adm_publish_post),
    GET_("/admin/e/{e}/contests", adm_contests_get),
    POST_("/admin/e/{e}/contests", adm_contests_post),
    GET_("/admin/e/{e}/contests/{c}", adm_contest_get),
    POST_("/admin/e/{e}/contests/{c}", adm_contest_post),
    POST_("/admin/e/{e}/contests/{c}/move", adm_contest_move_post),
    GET_("/admin/e/{e}/questions", adm_questions_get),
    POST_("/admin/e/{e}/questions", adm_questions_post),
    GET_("/admin/e/{e}/questions/{q}", adm_question_get),
    POST_("/admin/e/{e}/questions/{q}", adm_question_post),
    POST_("/admin/e/{e}/questions/{q}/move", adm_question_move_post),
    GET_("/admin/e/{e}/categories", adm_categories_get),
    POST_("/admin/e/{e}/categories", adm_categories_post),
    POST_("/admin/e/{e}/categories/{k}", adm_category_post),
    GET_("/admin/e/{e}/branches", adm_branches_get),
    POST_("/admin/e/{e}/branches", adm_branches_post),
    POST_("/admin/e/{e}/branches/{b}/link", adm_branch_link_post),
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
