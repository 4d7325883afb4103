/*
** page.c: the shell every HTML page shares (head, skip link, header,
** footer), form fields with their errors, CSRF fields, and the JSON
** answer helpers of the API.  Every piece of text reaching a page goes
** through esc_text or esc_attr here or in the page modules.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

int64_t req_query_int(const req *r, const char *name, int64_t dflt) {
  const char *s = form_get(&r->query, name);
  char *end;
  long long v;
  if (!s) return dflt;
  if (!*s || *s < '0' || *s > '9' || strlen(s) > 15) return -1;
  v = strtoll(s, &end, 10);
  return *end ? -1 : (int64_t)v;
}

int64_t req_path_id(const char *s) {
  char *end;
  long long v;
  if (!s || *s < '1' || *s > '9' || strlen(s) > 15) return 0;
  v = strtoll(s, &end, 10);
  return *end ? 0 : (int64_t)v;
}

const char *req_query_text(const req *r, const char *name, size_t max) {
  size_t n = 0;
  const char *s = form_value(&r->query, name, &n);
  if (!s || n > max || strlen(s) != n || !utf8_valid(s, n)) return NULL;
  return s;
}

void page_href(wbuf *b, const char *fmt, ...) {
  va_list ap;
  const char *run = fmt;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (fmt[0] != '%' || fmt[1] != 's') continue;
    wbuf_add(b, run, (size_t)(fmt - run));
    esc_url(b, va_arg(ap, const char *));
    fmt++;
    run = fmt + 1;
  }
  wbuf_add(b, run, (size_t)(fmt - run));
  va_end(ap);
}

void page_time(wbuf *b, const char *zone, int64_t utc, int date_only) {
  char disp[80], *comma;
  struct tm tm;
  time_t t = (time_t)utc;
  if (!utc || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) {
    wbuf_puts(b, "\xe2\x80\x94"); /* an em dash: no time */
    return;
  }
  if (tz_display(zone, utc, disp, sizeof disp) != WEB_OK &&
      tz_display("UTC", utc, disp, sizeof disp) != WEB_OK)
    snprintf(disp, sizeof disp, "%04d-%02d-%02d %02d:%02d UTC",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min);
  if (date_only && (comma = strchr(disp, ',')) != NULL) *comma = 0;
  wbuf_printf(b, "<time datetime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\">",
              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec);
  esc_text(b, disp);
  wbuf_puts(b, "</time>");
}

void page_csrf(const req *r, resp *p) {
  char tok[65];
  auth_csrf(r->session[0] ? r->session_hash : r->cookie_hash, tok);
  wbuf_printf(&p->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
              tok);
}

void page_open(const req *r, resp *p, const char *title) {
  wbuf *b = &p->body;
  wbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, "
               "initial-scale=1\"><title>");
  esc_text(b, title);
  wbuf_puts(b, " \xc2\xb7 hustings</title><link rel=\"stylesheet\" "
               "href=\"/static/style.css\"></head>\n<body>"
               "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
               "<header class=\"site\"><a class=\"brand\" href=\"/\">"
               "hustings</a><nav aria-label=\"Site\"><ul>"
               "<li><a href=\"/\">Elections</a></li>");
  if (r->admin_id > 0 && !r->is_api) {
    wbuf_puts(b, "<li><a href=\"/admin\">Administration</a></li>"
                 "<li><form method=\"post\" action=\"/logout\">");
    page_csrf(r, p);
    wbuf_puts(b, "<button type=\"submit\" class=\"link\">Sign out</button>"
                 "</form></li>");
  } else
    wbuf_puts(b, "<li><a href=\"/login\">Sign in</a></li>");
  wbuf_puts(b, "</ul></nav></header>\n<main id=\"main\" tabindex=\"-1\">"
               "<h1>");
  esc_text(b, title);
  wbuf_puts(b, "</h1>\n");
}

void page_close(const req *r, resp *p) {
  (void)r;
  wbuf_puts(&p->body,
            "</main>\n<footer class=\"site\"><p>Run with <a "
            "href=\"/about\">hustings</a>, free software for elections by "
            "the single transferable vote.</p></footer>\n</body></html>\n");
}

void page_message(const req *r, resp *p, int status, const char *title,
                  const char *text, const char *link_href,
                  const char *link_text) {
  p->status = status;
  p->ctype = "text/html; charset=utf-8";
  page_open(r, p, title);
  wbuf_puts(&p->body, "<p>");
  esc_text(&p->body, text);
  wbuf_puts(&p->body, "</p>\n");
  if (link_href) {
    wbuf_puts(&p->body, "<p><a href=\"");
    esc_attr(&p->body, link_href);
    wbuf_puts(&p->body, "\">");
    esc_text(&p->body, link_text ? link_text : link_href);
    wbuf_puts(&p->body, "</a></p>\n");
  }
  page_close(r, p);
}

void page_errors(resp *p, const verr *v) {
  size_t i;
  wbuf *b = &p->body;
  if (!v || !v->n) return;
  wbuf_puts(b, "<div class=\"error-summary\" role=\"alert\" "
               "aria-labelledby=\"error-summary-title\" tabindex=\"-1\">"
               "<h2 id=\"error-summary-title\">There is a problem</h2><ul>");
  for (i = 0; i < v->n; i++) {
    wbuf_puts(b, "<li><a href=\"#f-");
    esc_attr(b, v->e[i].field);
    wbuf_puts(b, "\">");
    esc_text(b, v->e[i].msg);
    wbuf_puts(b, "</a></li>");
  }
  wbuf_puts(b, "</ul></div>\n");
}

/* The label, hint and error lines shared by every kind of field; returns
** the error message (or NULL) so the control can be marked invalid. */
static const char *field_head(wbuf *b, const verr *v, const char *name,
                              const char *label, const char *hint) {
  const char *err = verr_msg(v, name);
  wbuf_puts(b, err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<label for=\"f-");
  esc_attr(b, name);
  wbuf_puts(b, "\">");
  esc_text(b, label);
  wbuf_puts(b, "</label>");
  if (hint) {
    wbuf_puts(b, "<p class=\"hint\" id=\"f-");
    esc_attr(b, name);
    wbuf_puts(b, "-hint\">");
    esc_text(b, hint);
    wbuf_puts(b, "</p>");
  }
  if (err) {
    wbuf_puts(b, "<p class=\"error-msg\" id=\"f-");
    esc_attr(b, name);
    wbuf_puts(b, "-error\"><span class=\"visually-hidden\">Error: </span>");
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  return err;
}

/* id, name, aria-describedby and aria-invalid of a control. */
static void field_attrs(wbuf *b, const char *name, const char *hint,
                        const char *err) {
  wbuf_puts(b, " id=\"f-");
  esc_attr(b, name);
  wbuf_puts(b, "\" name=\"");
  esc_attr(b, name);
  wbuf_puts(b, "\"");
  if (hint || err) {
    wbuf_puts(b, " aria-describedby=\"");
    if (hint) {
      wbuf_puts(b, "f-");
      esc_attr(b, name);
      wbuf_puts(b, err ? "-hint " : "-hint");
    }
    if (err) {
      wbuf_puts(b, "f-");
      esc_attr(b, name);
      wbuf_puts(b, "-error");
    }
    wbuf_puts(b, "\"");
  }
  if (err) wbuf_puts(b, " aria-invalid=\"true\"");
}

void field_input(resp *p, const verr *v, const char *name, const char *label,
                 const char *type, const char *value, const char *hint,
                 const char *autocomplete) {
  wbuf *b = &p->body;
  const char *err = field_head(b, v, name, label, hint);
  wbuf_puts(b, "<input type=\"");
  esc_attr(b, type);
  wbuf_puts(b, "\"");
  field_attrs(b, name, hint, err);
  if (value && strcmp(type, "password") != 0) {
    wbuf_puts(b, " value=\"");
    esc_attr(b, value);
    wbuf_puts(b, "\"");
  }
  if (autocomplete) {
    wbuf_puts(b, " autocomplete=\"");
    esc_attr(b, autocomplete);
    wbuf_puts(b, "\"");
  }
  wbuf_puts(b, "></div>\n");
}

void field_textarea(resp *p, const verr *v, const char *name,
                    const char *label, const char *value, const char *hint,
                    int rows) {
  wbuf *b = &p->body;
  const char *err = field_head(b, v, name, label, hint);
  wbuf_printf(b, "<textarea rows=\"%d\"", rows);
  field_attrs(b, name, hint, err);
  wbuf_puts(b, ">\n"); /* a newline right after <textarea> is dropped */
  esc_text(b, value ? value : "");
  wbuf_puts(b, "</textarea></div>\n");
}

/* ------------------------------------------------------------------- API */

void api_begin(resp *p, int status, jw *w) {
  p->status = status;
  p->ctype = "application/json";
  p->no_store = 1;
  jw_init(w, &p->body);
}

void api_error(resp *p, int status, const char *code, const char *message,
               const verr *v) {
  jw w;
  size_t i;
  api_begin(p, status, &w);
  jw_obj(&w);
  jw_key(&w, "error");
  jw_obj(&w);
  jw_kint(&w, "status", status);
  jw_kstr(&w, "code", code);
  jw_kstr(&w, "message", message);
  if (v && v->n) {
    jw_key(&w, "fields");
    jw_arr(&w);
    for (i = 0; i < v->n; i++) {
      jw_obj(&w);
      jw_kstr(&w, "field", v->e[i].field);
      jw_kstr(&w, "code", v->e[i].code);
      jw_kstr(&w, "message", v->e[i].msg);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
  }
  jw_obj_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
}
