/*
** p_auth.c: the first administrator's setup link, signing in and out.
**
**   GET/POST /setup/{token}  the first administrator (and, on an empty
**                            installation, the organisation); one use
**   GET/POST /login          email and password (rate limited per
**                            address, and per account: login_throttle_*
**                            in ratelimit.c); a new session each time,
**                            the one the browser held is ended
**   POST     /logout         ends the session on the server
**
** Passwords are hashed with argon2id outside the transaction (it takes a
** tenth of a second and 64 MiB); the transaction only stores the result.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "server.h"

#define PW_MIN 12
#define PW_MAX 1024

/* Set-Cookie for a new session (no Max-Age: the server expires it). */
static void session_cookie(resp *p, const char *token) {
  char ck[200];
  snprintf(ck, sizeof ck, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
           web_cookie_session(), token, web_cfg.secure ? "; Secure" : "");
  resp_header(p, "Set-Cookie", ck);
}

static int64_t count_rows(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = db_stmt(db, sql);
  int64_t n = -1;
  if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  if (st) sqlite3_reset(st);
  return n;
}

/* 1 if the setup token is unused and unexpired (a read: the POST's
** transaction checks again and marks it used). */
static int setup_valid(sqlite3 *db, const char *token, int64_t now) {
  unsigned char h[32];
  sqlite3_stmt *st;
  int ok;
  if (strlen(token) != TOKEN_LEN) return 0;
  auth_token_hash(token, h);
  st = db_stmt(db, "SELECT 1 FROM setup_links WHERE hash = ?1 AND used_at "
                   "IS NULL AND expires_at > ?2");
  if (!st) return 0;
  sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  ok = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return ok;
}

/* A field's value after text_check, or "" with an error in v. */
static const char *text_field(req *r, verr *v, const char *name,
                              const char *label, size_t max, int required) {
  size_t len;
  const char *val = form_value(&r->body, name, &len);
  const char *code;
  if (!val || !*val) {
    if (required) verr_add(v, name, "required", "Enter %s.", label);
    return "";
  }
  code = text_check((char *)val, &len, max, 0);
  if (code) {
    if (strcmp(code, "too_long") == 0)
      verr_add(v, name, code, "%c%s is too long (at most %zu bytes).",
               toupper((unsigned char)label[0]), label + 1, max);
    else if (strcmp(code, "bad_utf8") == 0)
      verr_add(v, name, code, "%c%s has characters that could not be read; "
               "type it again.", toupper((unsigned char)label[0]), label + 1);
    else
      verr_add(v, name, code, "%c%s has a control character; remove it.",
               toupper((unsigned char)label[0]), label + 1);
    return "";
  }
  return val;
}

static int email_ok(const char *s) {
  const char *at = strchr(s, '@');
  return at && at > s && at[1] && !strchr(at + 1, '@') && !strchr(s, ' ') &&
         strlen(s) <= 254;
}

/* ---------------------------------------------------------------- setup */

static void setup_form(req *r, resp *p, const verr *v, int need_org) {
  const char *tok = r->param[0];
  wbuf *b = &p->body;
  p->no_store = 1;
  if (v && v->n) p->status = 422;
  page_open(r, p, "Set up hustings");
  page_errors(p, v);
  wbuf_puts(b, "<p>You are the first administrator of this installation. "
               "This link works once.</p>\n<form method=\"post\" action=\"");
  page_href(b, "/setup/%s", tok);
  wbuf_puts(b, "\" novalidate>");
  page_csrf(r, p);
  if (need_org)
    field_input(p, v, "org_name", "Your organisation's name", "text",
                form_get(&r->body, "org_name"), NULL, "organization");
  field_input(p, v, "name", "Your name", "text", form_get(&r->body, "name"),
              NULL, "name");
  field_input(p, v, "email", "Your email address", "email",
              form_get(&r->body, "email"), "You sign in with it.", "email");
  field_input(p, v, "password", "Choose a password", "password", NULL,
              "At least 12 characters. A few unrelated words make a good "
              "one.", "new-password");
  field_input(p, v, "password2", "Type the password again", "password", NULL,
              NULL, "new-password");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Create the "
               "administrator</button></form>\n");
  page_close(r, p);
}

static void get_setup(req *r, resp *p) {
  sqlite3 *db = db_get();
  if (!db || !setup_valid(db, r->param[0], r->now)) {
    p->no_store = 1;
    page_message(r, p, 404, "Link not valid",
                 "This setup link has been used, has expired or never "
                 "existed. Someone with access to the server can make a new "
                 "one with: hustings admin-link --db FILE",
                 NULL, NULL);
    return;
  }
  setup_form(r, p, NULL, count_rows(db, "SELECT count(*) FROM orgs") == 0);
}

struct setup_ctx {
  const char *token, *org_name, *email, *name;
  char pw_hash[128];
  int64_t now, admin_id;
  char session[TOKEN_LEN + 1];
};

/* Derives an organisation slug from its name: "Northfield Socialist
** Network" -> "northfieldsocialistnetwork" (letters and digits only, as
** the schema requires), at most 40; "org" if nothing is left. */
static void org_slug(const char *name, char out[41]) {
  size_t n = 0;
  for (; *name && n < 40; name++)
    if (isalnum((unsigned char)*name))
      out[n++] = (char)tolower((unsigned char)*name);
  out[n] = 0;
  if (!n) snprintf(out, 41, "org");
}

static web_status do_setup(sqlite3 *db, void *vctx) {
  struct setup_ctx *c = vctx;
  sqlite3_stmt *st;
  web_status s;
  char detail[128];
  if (!auth_setup_link_use(db, c->token, c->now)) return WEB_ENOTFOUND;
  if (c->org_name[0]) {
    char slug[41];
    org_slug(c->org_name, slug);
    st = db_stmt(db, "INSERT INTO orgs (slug, name) VALUES (?1, ?2)");
    if (!st) return WEB_EDB;
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, c->org_name, -1, SQLITE_STATIC);
    if ((s = db_exec_stmt(st))) return s;
  }
  st = db_stmt(db, "INSERT INTO admins (email, name, pw_hash, created_at) "
                   "VALUES (?1, ?2, ?3, ?4)");
  if (!st) return WEB_EDB;
  sqlite3_bind_text(st, 1, c->email, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->pw_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, c->now);
  if ((s = db_exec_stmt(st))) return s;
  c->admin_id = sqlite3_last_insert_rowid(db);
  /* the installation's first administrator administers every org */
  st = db_stmt(db, "INSERT INTO org_admins (org_id, admin_id) "
                   "SELECT id, ?1 FROM orgs");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->admin_id);
  if ((s = db_exec_stmt(st))) return s;
  snprintf(detail, sizeof detail, "{\"admin\":%lld,\"first\":true}",
           (long long)c->admin_id);
  if ((s = audit_append(db, c->now, "system", "admin.create", 0, NULL, NULL,
                        detail)))
    return s;
  return auth_session_new(db, c->admin_id, c->now, c->session);
}

static void post_setup(req *r, resp *p) {
  sqlite3 *db = db_get();
  struct setup_ctx c;
  verr v = {0};
  const char *pw, *pw2;
  int need_org;
  web_status s;
  memset(&c, 0, sizeof c);
  if (!db || !setup_valid(db, r->param[0], r->now)) {
    get_setup(r, p);
    return;
  }
  need_org = count_rows(db, "SELECT count(*) FROM orgs") == 0;
  c.org_name = need_org ? text_field(r, &v, "org_name",
                                     "your organisation's name", 200, 1)
                        : "";
  c.name = text_field(r, &v, "name", "your name", 200, 1);
  c.email = text_field(r, &v, "email", "your email address", 254, 1);
  if (c.email[0] && !email_ok(c.email))
    verr_add(&v, "email", "bad_email",
             "Enter an email address like name@example.org.");
  pw = text_field(r, &v, "password", "a password", PW_MAX, 1);
  pw2 = form_get(&r->body, "password2");
  if (pw[0] && strlen(pw) < PW_MIN)
    verr_add(&v, "password", "too_short",
             "The password needs at least %d characters.", PW_MIN);
  else if (pw[0] && (!pw2 || strcmp(pw, pw2) != 0))
    verr_add(&v, "password2", "mismatch", "The two passwords differ.");
  if (v.n) {
    setup_form(r, p, &v, need_org);
    return;
  }
  if (auth_pw_hash(pw, c.pw_hash) != WEB_OK) {
    page_fail(r, p, WEB_ECRYPTO);
    return;
  }
  c.token = r->param[0];
  c.now = r->now;
  s = db_write(do_setup, &c);
  sodium_memzero(c.pw_hash, sizeof c.pw_hash);
  if (s == WEB_ECONFLICT) {
    verr_add(&v, "email", "duplicate", "An administrator with this email "
             "address exists already.");
    setup_form(r, p, &v, need_org);
    return;
  }
  if (s == WEB_ENOTFOUND) {
    get_setup(r, p);
    return;
  }
  if (s) {
    page_fail(r, p, s);
    return;
  }
  session_cookie(p, c.session);
  sodium_memzero(c.session, sizeof c.session);
  resp_redirect(p, "/admin");
}

/* ---------------------------------------------------------------- login */

/* The page to go to after signing in: a path on this site only, of
** plain URL characters (browsers drop TAB and LF inside URLs, so
** "/\t/evil.example" would become "//evil.example"). */
static const char *next_path(const req *r, const char *from_form) {
  const char *n = from_form ? from_form : form_get(&r->query, "next");
  size_t i;
  if (!n || n[0] != '/' || n[1] == '/' || n[1] == '\\' || strlen(n) > 2000)
    return "/admin";
  for (i = 0; n[i]; i++)
    if (!isalnum((unsigned char)n[i]) && !strchr("/._~%?=&+-", n[i]))
      return "/admin";
  return n;
}

static void login_form(req *r, resp *p, const verr *v, const char *next) {
  wbuf *b = &p->body;
  p->no_store = 1;
  page_open(r, p, "Sign in");
  page_errors(p, v);
  wbuf_puts(b, "<p>For the organisation's administrators. Candidates use "
               "the private link they were given when they were "
               "nominated.</p>\n<form method=\"post\" action=\"/login\" "
               "novalidate>");
  page_csrf(r, p);
  wbuf_puts(b, "<input type=\"hidden\" name=\"next\" value=\"");
  esc_attr(b, next);
  wbuf_puts(b, "\">");
  field_input(p, v, "email", "Email address", "email",
              form_get(&r->body, "email"), NULL, "username");
  field_input(p, v, "password", "Password", "password", NULL, NULL,
              "current-password");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Sign in</button>"
               "</form>\n");
  page_close(r, p);
}

static void get_login(req *r, resp *p) {
  if (r->admin_id > 0) {
    resp_redirect(p, next_path(r, NULL));
    return;
  }
  login_form(r, p, NULL, next_path(r, NULL));
}

struct login_ctx {
  int64_t admin_id, now;
  char session[TOKEN_LEN + 1];
};

static web_status do_login(sqlite3 *db, void *vctx) {
  struct login_ctx *c = vctx;
  char detail[64];
  web_status s;
  snprintf(detail, sizeof detail, "{\"admin\":%lld}", (long long)c->admin_id);
  if ((s = audit_append(db, c->now, "system", "admin.login", 0, NULL, NULL,
                        detail)))
    return s;
  return auth_session_new(db, c->admin_id, c->now, c->session);
}

static void post_login(req *r, resp *p) {
  sqlite3 *db = db_get();
  const char *email = form_get(&r->body, "email");
  const char *pw = form_get(&r->body, "password");
  const char *next = next_path(r, form_get(&r->body, "next"));
  char hash[128] = "";
  struct login_ctx c;
  sqlite3_stmt *st;
  verr v = {0};
  web_status s;
  memset(&c, 0, sizeof c);
  if (!db) {
    page_fail(r, p, WEB_EDB);
    return;
  }
  if (!email || !*email || !pw || !*pw || strlen(pw) > PW_MAX ||
      strlen(email) > 254) {
    verr_add(&v, "email", "required", "Enter your email address and "
             "password.");
    p->status = 422;
    login_form(r, p, &v, next);
    return;
  }
  /* per account, whatever the address (ratelimit.c); the same answer
  ** whether or not the account exists */
  if (!login_throttle_ok(email, r->cookie_hash)) {
    verr_add(&v, "email", "throttled", "Too many failed sign-ins for this "
             "account. Wait a minute and try again.");
    p->status = 429;
    resp_header(p, "Retry-After", "60");
    login_form(r, p, &v, next);
    return;
  }
  st = db_stmt(db, "SELECT id, pw_hash FROM admins WHERE email = ?1 AND "
                   "disabled = 0");
  if (!st) {
    page_fail(r, p, WEB_EDB);
    return;
  }
  sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) {
    c.admin_id = sqlite3_column_int64(st, 0);
    snprintf(hash, sizeof hash, "%s", sqlite3_column_text(st, 1));
  }
  sqlite3_reset(st);
  /* the same work whether or not the account exists */
  if (!auth_pw_verify(c.admin_id ? hash : NULL, pw)) {
    login_throttle_fail(email, r->cookie_hash);
    verr_add(&v, "email", "bad_login", "The email address or password is "
             "not right.");
    p->status = 401;
    login_form(r, p, &v, next);
    return;
  }
  c.now = r->now;
  login_throttle_success(email, r->cookie_hash);
  s = db_write(do_login, &c);
  if (s) {
    page_fail(r, p, s);
    return;
  }
  /* a session this browser already held (perhaps planted) ends: only the
  ** new one, made here, is valid */
  if (r->session[0]) auth_session_end(r->session);
  session_cookie(p, c.session);
  sodium_memzero(c.session, sizeof c.session);
  resp_redirect(p, next);
}

static void post_logout(req *r, resp *p) {
  char ck[160];
  if (r->session[0]) auth_session_end(r->session);
  snprintf(ck, sizeof ck, "%s=; Path=/; HttpOnly; SameSite=Strict; "
           "Max-Age=0%s", web_cookie_session(),
           web_cfg.secure ? "; Secure" : "");
  resp_header(p, "Set-Cookie", ck);
  resp_redirect(p, "/");
}

const route routes_auth[] = {
    {"GET", "/setup/{token}", get_setup, AUTH_PUBLIC, BODY_NONE, RATE_LOGIN},
    {"POST", "/setup/{token}", post_setup, AUTH_PUBLIC, BODY_FORM,
     RATE_LOGIN},
    {"GET", "/login", get_login, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"POST", "/login", post_login, AUTH_PUBLIC, BODY_FORM, RATE_LOGIN},
    {"POST", "/logout", post_logout, AUTH_PUBLIC, BODY_FORM, RATE_FORM},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
