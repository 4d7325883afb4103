/*
** http.h: requests, responses, routes and the page shell of the election
** service.  server.c owns the libmicrohttpd glue; handlers see only the
** req and resp below and never touch MHD.
**
** Ownership: a req and everything reachable from it belong to server.c
** and live until the response is queued; a handler fills the resp (its
** body wbuf and headers) and server.c frees it.
**
** A handler:
**   - reads r->param[i] (the route's {captures}, percent-decoded), r->query,
**     and r->body (forms, already parsed) or r->json (API bodies, parsed);
**   - for HTML, writes a page with page_open ... page_close, or answers
**     resp_redirect (303, after a successful POST) or page_message;
**   - for JSON, writes with jw_* into p->body after api_begin, or answers
**     api_error.
** CSRF (every BODY_FORM route), auth, body caps, content types and rate
** limits are checked by server.c before the handler runs.
*/
#ifndef HUS_HTTP_H
#define HUS_HTTP_H

#include <stdint.h>

#include "web.h"

typedef struct json_t json_t; /* jansson */

/* Who is asking, after authentication. */
typedef enum {
  AUTH_PUBLIC = 0, /* anyone */
  AUTH_ADMIN,      /* a logged-in administrator (session cookie); else the
                      login page (HTML) */
  AUTH_TOKEN       /* an API bearer token; else 401 JSON */
} web_auth;

typedef enum {
  BODY_NONE = 0, /* GET, or a POST with no fields */
  BODY_FORM,     /* application/x-www-form-urlencoded, CSRF checked */
  BODY_JSON,     /* application/json (API only) */
  BODY_RAW       /* text/csv (API only: the voter roll): not parsed, the
                    handler reads r->raw / r->raw_len; up to RAW_BODY_MAX */
} web_body;

typedef enum {
  RATE_READ = 0, /* 20/s, burst 100 */
  RATE_FORM,     /* public form posts: 10/min, burst 10 */
  RATE_LOGIN,    /* 5/min */
  RATE_API,      /* 20/s, burst 50 */
  RATE_VOTE      /* the voter's pages /v/...: 20/s, burst 200 (a meeting
                    voting behind one NAT; guessing a 128-bit code is
                    hopeless at any rate, so this guards CPU only) */
} web_rate;

#define REQ_MAX_PARAMS 4
#define FORM_BODY_MAX ((size_t)64 << 10)
#define JSON_BODY_MAX ((size_t)256 << 10)
#define RAW_BODY_MAX ((size_t)16 << 20) /* = ROLL_FILE_MAX (roll.h) */

typedef struct req {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* decoded path, no query */
  const char *param[REQ_MAX_PARAMS];
  form query; /* the query string */
  form body;  /* BODY_FORM routes */
  json_t *json; /* BODY_JSON routes (borrowed; freed by server.c) */
  const char *raw;
  size_t raw_len; /* the body as received */
  int64_t now;    /* web_now() at the start of the request */
  /* authentication */
  int64_t admin_id; /* > 0 when logged in or using a token */
  int64_t token_id; /* > 0 for API tokens */
  char actor[32];   /* for the audit log: "admin:3", "token:7", "public" */
  unsigned char cookie_hash[32]; /* hash of the hs_anon cookie (minted on
                                    this response if the request had none):
                                    CSRF tokens derive from it */
  char session[TOKEN_LEN + 1];   /* the session cookie, when valid */
  unsigned char session_hash[32]; /* its stored hash: administrators'
                                     CSRF tokens derive from it */
  char peer[64];                 /* client address, for rate limits */
  int is_api;
  void *conn; /* struct MHD_Connection *, for server.c only */
} req;

#define RESP_MAX_HEADERS 8

typedef struct resp {
  int status;        /* 200 unless set */
  const char *ctype; /* "text/html; charset=utf-8" unless set */
  wbuf body;         /* capped at WBUF_PAGE_MAX */
  size_t nhdr;
  char *hdr_name[RESP_MAX_HEADERS];
  char *hdr_value[RESP_MAX_HEADERS];
  int no_store; /* Cache-Control: no-store (private pages) */
  const char *csp; /* a static Content-Security-Policy for this answer
                      (the results' count sheet, whose style is inline);
                      NULL: the default policy */
  /* A handler may raise body.max above WBUF_PAGE_MAX for one answer (the
  ** credentials CSV export: RESP_EXPORT_MAX). */
} resp;
#define RESP_EXPORT_MAX ((size_t)64 << 20)

/* The installation's settings, fixed before the server starts. */
typedef struct web_config {
  char base_url[256]; /* "http://127.0.0.1:8080", no trailing slash */
  int secure;         /* base_url is https: Secure cookies, __Host- names */
  char trust_proxy[64]; /* peer address whose X-Forwarded-For is believed */
} web_config;
extern web_config web_cfg;

/* Cookie names (with the __Host- prefix when web_cfg.secure). */
const char *web_cookie_session(void); /* "hs": an administrator's session */
const char *web_cookie_anon(void);    /* "hs_anon": CSRF anchor, everyone */

/* The value of request header name (case-insensitive), or NULL. */
const char *req_header(const req *r, const char *name);
/* A query parameter as a non-negative whole number (at most 15 digits):
** dflt when absent, -1 when malformed. */
int64_t req_query_int(const req *r, const char *name, int64_t dflt);
/* A query parameter's value if it is valid UTF-8 of at most max bytes
** with no NUL, else NULL. */
const char *req_query_text(const req *r, const char *name, size_t max);
/* A positive id from a path segment ("12"; no sign, zero or leading zero,
** at most 15 digits), else 0. */
int64_t req_path_id(const char *s);
/* Adds a response header (copied).  Past RESP_MAX_HEADERS it is dropped
** and the body's err is set, so the response becomes a 500. */
void resp_header(resp *p, const char *name, const char *value);
/* 303 See Other to a path on this site. */
void resp_redirect(resp *p, const char *path);

/* ---------------------------------------------------------------- routes */

typedef void (*route_fn)(req *r, resp *p);

/* Patterns are literal segments and {name} captures, each capture one
** whole segment: "/e/{e}/c/{c}/nominate".  A route table ends with an
** entry whose pattern is NULL. */
typedef struct route {
  const char *method;
  const char *pattern;
  route_fn fn;
  web_auth auth;
  web_body body;
  web_rate rate;
} route;

/* Each page module exports one table; router.c lists them. */
extern const route routes_public[];   /* p_public.c: home, election page */
extern const route routes_nominate[]; /* p_nominate.c: nominate, edit link,
                                         branch support links */
extern const route routes_publish[];  /* p_publish.c: candidates, checklist */
extern const route routes_auth[];     /* p_auth.c: setup, login, logout */
extern const route routes_admin[];    /* p_admin.c: election set-up */
extern const route routes_review[];   /* p_review.c: nominations queue,
                                         decisions, supporters (HTML+API) */
extern const route routes_api[];      /* api.c: election set-up API */
extern const route routes_roll[];     /* p_roll.c: the voter roll (HTML +
                                         API) */
extern const route routes_voting[];   /* p_voting.c: electorate, turnout,
                                         codes, reminders (HTML + API) */
extern const route routes_results[];  /* p_results.c: results, files,
                                         receipts, key (public + admin) */
extern const route routes_vote[];     /* p_vote.c: the voter's pages /v */

/* Finds the route for method ("HEAD" is matched as "GET") and decoded
** path; fills param with the captures (copies in scratch).  When the path
** matches but not the method, returns NULL with *allowed a bit set of the
** methods it takes: 1 GET, 2 POST, 4 PUT, 8 PATCH, 16 DELETE (405). */
const route *router_match(const char *method, const char *path,
                          const char *param[REQ_MAX_PARAMS],
                          char *scratch, size_t scratch_cap, int *allowed);

/* ------------------------------------------------------------ page shell */

/* The page's <head>, header and navigation, and the opening of <main>.
** title is escaped here.  Admin links show when r->admin_id > 0. */
void page_open(const req *r, resp *p, const char *title);
void page_close(const req *r, resp *p);
/* A whole small page: heading, one paragraph of text, optional link. */
void page_message(const req *r, resp *p, int status, const char *title,
                  const char *text, const char *link_href,
                  const char *link_text);
/* <input type="hidden" name="csrf" value="...">: bound to the session for
** a signed-in administrator, else to the anonymous cookie. */
void page_csrf(const req *r, resp *p);
/* Error summary at the top of a form: "There is a problem" with a link
** to each field (#f-FIELD).  Nothing when v is NULL or empty. */
void page_errors(resp *p, const verr *v);
/* Form fields with label, hint, the field's error from v (aria-invalid,
** aria-describedby) and the value (escaped).  type: "text", "email",
** "password", "number", "datetime-local".  The id is "f-" + name. */
void field_input(resp *p, const verr *v, const char *name, const char *label,
                 const char *type, const char *value, const char *hint,
                 const char *autocomplete);
void field_textarea(resp *p, const verr *v, const char *name,
                    const char *label, const char *value, const char *hint,
                    int rows);
/* <time datetime="2027-03-17T17:00:00Z">Wed 17 March 2027, 17:00 GMT</time>
** in zone (UTC if the zone cannot be read); with date_only, the date
** without the time.  An em dash when utc is 0 (not set). */
void page_time(wbuf *b, const char *zone, int64_t utc, int date_only);
/* A path on this site with each segment escaped: page_href(b, "/e/%s/c/%s",
** slug, contest) escapes each %s argument with esc_url. */
void page_href(wbuf *b, const char *fmt, ...);

/* Loads the election named by slug for a page or API handler, checking
** access: with admin set, r->admin_id must administer it.  Returns 1 with
** *e filled (release with svc_election_free), else 0 with the answer (404,
** 403, 500: HTML or JSON by r->is_api) already written to p. */
struct svc_election;
int page_election(req *r, resp *p, const char *slug, struct svc_election *e,
                  int admin);
/* Answers a failed svc action: WEB_EINVALID -> 422 with v (JSON only; HTML
** handlers re-render their form instead), WEB_ENOTFOUND -> 404,
** WEB_ECONFLICT -> 409 with code and message, WEB_EBUSY -> 503, else 500. */
void api_fail(resp *p, web_status s, const char *conflict_code,
              const char *conflict_message, const verr *v);
/* 500/503 page for a failed action in an HTML handler. */
void page_fail(req *r, resp *p, web_status s);

/* ------------------------------------------------------------------- API */

/* Starts a JSON answer (status, content type) and returns its writer. */
void api_begin(resp *p, int status, jw *w);
/* The one error shape: {"error":{"status","code","message","fields":[..]}} */
void api_error(resp *p, int status, const char *code, const char *message,
               const verr *v);

#endif
