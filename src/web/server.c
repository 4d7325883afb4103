/*
** server.c: the libmicrohttpd glue.  One request's life:
**
**   uri_log      MHD saw a request line: reset the connection's struct
**                conn and keep the raw URI (we parse path and query).
**   on_request   first call: route, refuse early (404/405/411/413/415/429)
**                before any body is read, authenticate;
**                middle calls: append the body to a capped buffer;
**                last call: parse the body, check CSRF, run the handler,
**                add the security headers and queue the response.
**   on_done      free the request's things, whatever happened (and
**                on_connection frees the struct when the socket closes).
**
** Handlers never see MHD: they get a req and fill a resp (http.h).
** Ownership: one struct conn per TCP connection (on_connection), reset
** for each request; it owns the req's strings, forms, JSON and the body
** buffer; the response body is handed to MHD (MHD_RESPMEM_MUST_FREE).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>

#include "http.h"
#include "server.h"
#include "static.h"

web_config web_cfg;

static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

#define URI_MAX 4096

struct conn {
  req r;
  resp p;
  char uri[URI_MAX]; /* raw request target */
  int too_long;      /* ... which did not fit: 414 */
  char *path;  /* decoded path */
  char scratch[URI_MAX]; /* decoded route captures */
  const route *rt;
  wbuf body;
  int started;  /* the first call has been handled */
  int refused;  /* a response was queued early */
  int raw_slot; /* holds one of the RAW_BODY_SLOTS (conn_reset frees it) */
  char anon_new[TOKEN_LEN + 1]; /* minted anonymous cookie, if any */
};

/* At most this many BODY_RAW requests (up to RAW_BODY_MAX each, 16 MiB)
** at once; more are answered 503 before their body is read. */
#define RAW_BODY_SLOTS 2
static atomic_int raw_busy;

static int raw_slot_take(void) {
  if (atomic_fetch_add(&raw_busy, 1) >= RAW_BODY_SLOTS) {
    atomic_fetch_sub(&raw_busy, 1);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------ responses */

const char *web_cookie_session(void) {
  return web_cfg.secure ? "__Host-hs" : "hs";
}
const char *web_cookie_anon(void) {
  return web_cfg.secure ? "__Host-hs_anon" : "hs_anon";
}

const char *req_header(const req *r, const char *name) {
  if (!r->conn) return NULL; /* a request made without a connection (fuzz) */
  return MHD_lookup_connection_value((struct MHD_Connection *)r->conn,
                                     MHD_HEADER_KIND, name);
}

/* A header name is an RFC 9110 token; a value has no control bytes (no
** CR or LF to split the response, no TAB or NUL to confuse a client). */
static int header_ok(const char *name, const char *value) {
  const unsigned char *q;
  if (!*name || !*value) return 0;
  for (q = (const unsigned char *)name; *q; q++)
    if (*q <= 0x20 || *q >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *q))
      return 0;
  for (q = (const unsigned char *)value; *q; q++)
    if (*q < 0x20 || *q == 0x7f) return 0;
  return 1;
}

void resp_header(resp *p, const char *name, const char *value) {
  char *n, *v;
  if (p->nhdr >= RESP_MAX_HEADERS || !header_ok(name, value)) {
    p->body.err = WEB_ETOOBIG;
    return;
  }
  n = strdup(name);
  v = strdup(value);
  if (!n || !v) {
    free(n);
    free(v);
    p->body.err = WEB_ENOMEM;
    return;
  }
  p->hdr_name[p->nhdr] = n;
  p->hdr_value[p->nhdr++] = v;
}

void resp_redirect(resp *p, const char *path) {
  p->status = 303;
  resp_header(p, "Location", path);
}

static void resp_reset(resp *p) {
  size_t i;
  for (i = 0; i < p->nhdr; i++) {
    free(p->hdr_name[i]);
    free(p->hdr_value[i]);
  }
  /* a private answer may hold secrets (voting codes in an export, a
  ** reissued code): wiped before its memory goes back */
  if (p->no_store && p->body.p) sodium_memzero(p->body.p, p->body.cap);
  wbuf_free(&p->body);
  memset(p, 0, sizeof *p);
  wbuf_init(&p->body, WBUF_PAGE_MAX);
}

/* Answers with an error in the request's language: JSON for the API, a
** small page for everything else. */
static void fail(struct conn *c, int status, const char *code,
                 const char *title, const char *text) {
  resp_reset(&c->p);
  if (c->r.is_api)
    api_error(&c->p, status, code, text, NULL);
  else
    page_message(&c->r, &c->p, status, title, text, "/", "Go to the start");
}

static void security_headers(struct MHD_Response *m, int no_store,
                             const char *own_csp) {
  MHD_add_response_header(m, "Content-Security-Policy",
                          own_csp ? own_csp : csp);
  MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(m, "X-Frame-Options", "DENY");
  MHD_add_response_header(m, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(m, "Permissions-Policy",
                          "camera=(), microphone=(), geolocation=()");
  if (no_store) MHD_add_response_header(m, "Cache-Control", "no-store");
}

struct secret {
  char *p;
  size_t n;
};

static void wipe_free(void *cls) {
  struct secret *sec = cls;
  sodium_memzero(sec->p, sec->n);
  free(sec->p);
  free(sec);
}

static enum MHD_Result send_resp(struct MHD_Connection *mc, struct conn *c) {
  resp *p = &c->p;
  struct MHD_Response *m;
  enum MHD_Result ret;
  size_t len, i;
  char *body;
  if (p->body.err) { /* the page did not fit or memory ran out */
    int api = c->r.is_api;
    resp_reset(p);
    if (api)
      api_error(p, 500, "internal", "The answer could not be written.", NULL);
    else
      wbuf_puts(&p->body, "The page could not be written.\n");
    p->status = 500;
    p->ctype = api ? "application/json" : "text/plain; charset=utf-8";
  }
  body = wbuf_take(&p->body, &len);
  if (!body) return MHD_NO;
  if (p->no_store) {
    /* a private answer may hold secrets (voting codes in an export, a
    ** reissued code, a receipt): wiped when libmicrohttpd is done */
    struct secret *sec = malloc(sizeof *sec);
    m = sec ? MHD_create_response_from_buffer_with_free_callback_cls(
                  len, body, wipe_free, sec)
            : NULL;
    if (m) {
      sec->p = body;
      sec->n = len;
    } else {
      free(sec);
    }
  } else {
    m = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  }
  if (!m) {
    sodium_memzero(body, len);
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(m, "Content-Type",
                          p->ctype ? p->ctype : "text/html; charset=utf-8");
  security_headers(m, p->no_store, p->csp);
  for (i = 0; i < p->nhdr; i++)
    if (MHD_add_response_header(m, p->hdr_name[i], p->hdr_value[i]) !=
        MHD_YES) {
      MHD_destroy_response(m);
      resp_reset(p);
      p->body.err = WEB_EINVALID;
      return send_resp(mc, c); /* now a 500, with no handler headers */
    }
  if (c->anon_new[0]) {
    char ck[160];
    snprintf(ck, sizeof ck, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
             web_cookie_anon(), c->anon_new, web_cfg.secure ? "; Secure" : "");
    MHD_add_response_header(m, "Set-Cookie", ck);
  }
  ret = MHD_queue_response(mc, (unsigned)(p->status ? p->status : 200), m);
  MHD_destroy_response(m);
  return ret;
}

/* ---------------------------------------------------------- static files */

static enum MHD_Result serve_static(struct MHD_Connection *mc,
                                    struct conn *c) {
  const web_static_file *f;
  struct MHD_Response *m;
  enum MHD_Result ret;
  unsigned char h[8];
  char etag[24];
  const char *inm;
  int i;
  for (f = web_static_files; f->path; f++)
    if (strcmp(f->path, c->path) == 0) break;
  if (!f->path) {
    fail(c, 404, "not_found", "Page not found",
         "There is no page at this address.");
    return send_resp(mc, c);
  }
  crypto_generichash(h, sizeof h, f->data, f->len, NULL, 0);
  etag[0] = '"';
  for (i = 0; i < 8; i++) snprintf(etag + 1 + 2 * i, 3, "%02x", h[i]);
  etag[17] = '"';
  etag[18] = 0;
  inm = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "If-None-Match");
  if (inm && strcmp(inm, etag) == 0)
    m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  else
    m = MHD_create_response_from_buffer(f->len, (void *)f->data,
                                        MHD_RESPMEM_PERSISTENT);
  if (!m) return MHD_NO;
  MHD_add_response_header(m, "Content-Type", f->ctype);
  MHD_add_response_header(m, "ETag", etag);
  MHD_add_response_header(m, "Cache-Control", "public, max-age=86400");
  security_headers(m, 0, NULL);
  ret = MHD_queue_response(mc, inm && strcmp(inm, etag) == 0 ? 304 : 200, m);
  MHD_destroy_response(m);
  return ret;
}

/* ---------------------------------------------------------------- parse */

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Decodes the path part of the raw URI: %XX (never %00 or %2F, which
** could change the path's shape), valid UTF-8, no "." or ".." segment. */
static char *decode_path(const char *uri, size_t n) {
  char *out = malloc(n + 1);
  size_t i, j = 0;
  if (!out) return NULL;
  for (i = 0; i < n; i++) {
    if (uri[i] == '%') {
      int hi = i + 1 < n ? hexval(uri[i + 1]) : -1;
      int lo = i + 2 < n ? hexval(uri[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || (hi == 2 && lo == 15))
        goto bad;
      out[j++] = (char)(hi * 16 + lo);
      i += 2;
    } else
      out[j++] = uri[i];
  }
  out[j] = 0;
  if (!utf8_valid(out, j) || out[0] != '/' || strstr(out, "/./") ||
      strstr(out, "/../") || strstr(out, "//") ||
      (j >= 2 && strcmp(out + j - 2, "/.") == 0) ||
      (j >= 3 && strcmp(out + j - 3, "/..") == 0))
    goto bad;
  return out;
bad:
  free(out);
  return NULL;
}

/* Rate limits key an IPv6 client by its /64, which one subscriber
** usually holds whole: "2001:db8:1:2:a:b:c:d" -> "2001:db8:1:2::". */
static void ipv6_prefix(char *addr) {
  struct in6_addr a;
  if (!strchr(addr, ':') || inet_pton(AF_INET6, addr, &a) != 1) return;
  memset(a.s6_addr + 8, 0, 8);
  inet_ntop(AF_INET6, &a, addr, 64);
}

static void peer_address(struct MHD_Connection *mc, req *r) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const char *fwd;
  r->peer[0] = 0;
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                r->peer, sizeof r->peer);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6,
                &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                r->peer, sizeof r->peer);
  }
  if (!(web_cfg.trust_proxy[0] && strcmp(r->peer, web_cfg.trust_proxy) == 0))
    ipv6_prefix(r->peer);
  /* behind the reverse proxy, believe its X-Forwarded-For (last hop) */
  if (web_cfg.trust_proxy[0] && strcmp(r->peer, web_cfg.trust_proxy) == 0 &&
      (fwd = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                         "X-Forwarded-For"))) {
    const char *last = strrchr(fwd, ',');
    last = last ? last + 1 : fwd;
    while (*last == ' ') last++;
    if (strlen(last) < sizeof r->peer) snprintf(r->peer, sizeof r->peer, "%s", last);
    ipv6_prefix(r->peer);
  }
}

/* Reads the cookies: the anonymous CSRF anchor (minted if missing or
** malformed) and the session. */
static void read_cookies(struct MHD_Connection *mc, struct conn *c) {
  const char *hdr = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Cookie");
  char anon[TOKEN_LEN + 2];
  if (!hdr || !cookie_find(hdr, web_cookie_anon(), anon, sizeof anon) ||
      strlen(anon) != TOKEN_LEN) {
    auth_token_new(NULL, c->anon_new, sizeof c->anon_new);
    memcpy(anon, c->anon_new, TOKEN_LEN + 1);
  }
  auth_token_hash(anon, c->r.cookie_hash);
  if (hdr && cookie_find(hdr, web_cookie_session(), c->r.session,
                         sizeof c->r.session) &&
      strlen(c->r.session) == TOKEN_LEN) {
    c->r.admin_id = auth_session_admin(c->r.session, c->r.now);
    auth_token_hash(c->r.session, c->r.session_hash);
    if (c->r.admin_id > 0)
      snprintf(c->r.actor, sizeof c->r.actor, "admin:%lld",
               (long long)c->r.admin_id);
  }
  if (c->r.admin_id <= 0) {
    c->r.session[0] = 0;
    memset(c->r.session_hash, 0, sizeof c->r.session_hash);
  }
}

static int bearer(struct MHD_Connection *mc, struct conn *c) {
  const char *h =
      MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
  if (!h || strncmp(h, "Bearer ", 7) != 0) return 0;
  c->r.admin_id = auth_api_token_admin(h + 7, c->r.now, &c->r.token_id);
  if (c->r.admin_id <= 0) return 0;
  snprintf(c->r.actor, sizeof c->r.actor, "token:%lld",
           (long long)c->r.token_id);
  return 1;
}

static int ctype_is(const char *h, const char *want) {
  size_t n = strlen(want);
  if (!h || strncasecmp(h, want, n) != 0) return 0;
  return h[n] == 0 || h[n] == ';' || h[n] == ' ';
}

/* The same-origin checks a browser gives us on top of the CSRF token.
** Sec-Fetch-Site decides when the browser sends it.  Otherwise Origin
** must be this site.  Origin "null" cannot be judged without
** Sec-Fetch-Site: with Referrer-Policy: no-referrer (ours), browsers send
** "null" on their own same-origin form posts, so the token decides then. */
static int cross_site(struct MHD_Connection *mc) {
  const char *site =
      MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Sec-Fetch-Site");
  const char *origin =
      MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
  if (site)
    return strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0;
  if (origin && strcmp(origin, "null") != 0) {
    const char *host = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Host");
    char mine[300];
    if (web_cfg.base_url[0] && strcmp(origin, web_cfg.base_url) == 0) return 0;
    snprintf(mine, sizeof mine, "%s://%s", web_cfg.secure ? "https" : "http",
             host ? host : "");
    return strcmp(origin, mine) != 0;
  }
  return 0;
}

/* ------------------------------------------------------------- requests */

/* First call: everything that can be decided from the request line and
** headers.  Returns 1 when the request may go on (body, handler). */
static int first_call(struct MHD_Connection *mc, struct conn *c,
                      const char *method) {
  req *r = &c->r;
  const char *q = strchr(c->uri, '?');
  size_t plen = q ? (size_t)(q - c->uri) : strlen(c->uri);
  const char *cl, *ct;
  unsigned long long blen = 0; /* the body's Content-Length */
  int allowed = 0;
  const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

  r->conn = mc;
  r->method = method;
  r->now = web_now();
  snprintf(r->actor, sizeof r->actor, "public");
  peer_address(mc, r);
  if (c->too_long) {
    fail(c, 414, "uri_too_long", "Address too long",
         "The address of this page is too long.");
    return 0;
  }
  c->path = decode_path(c->uri, plen);
  r->is_api = c->path && (strncmp(c->path, "/api/", 5) == 0 ||
                          strcmp(c->path, "/api") == 0);
  if (!c->path || (q && form_parse(&r->query, q + 1, strlen(q + 1)))) {
    fail(c, 400, "bad_request", "Bad address",
         "The address of this page is not valid.");
    return 0;
  }
  r->path = c->path;
  if (!r->is_api) read_cookies(mc, c);
  if (strncmp(c->path, "/static/", 8) == 0 && strcmp(m, "GET") == 0)
    return 1;
  c->rt = router_match(m, c->path, r->param, c->scratch, sizeof c->scratch,
                       &allowed);
  if (!c->rt) {
    if (allowed) {
      static const char *const names[] = {"GET, HEAD", "POST", "PUT",
                                          "PATCH", "DELETE"};
      char allow[64] = "";
      size_t i, n = 0;
      for (i = 0; i < 5; i++)
        if (allowed & (1 << i))
          n += (size_t)snprintf(allow + n, sizeof allow - n, "%s%s",
                                n ? ", " : "", names[i]);
      fail(c, 405, "method_not_allowed", "Not allowed",
           "This address does not take that kind of request.");
      resp_header(&c->p, "Allow", allow);
    } else
      fail(c, 404, "not_found", "Page not found",
           "There is no page at this address.");
    return 0;
  }
  if (!ratelimit_take(r->peer, c->rt->rate)) {
    fail(c, 429, "rate_limited", "Too many requests",
         "Too many requests from your address; wait a minute and try again.");
    resp_header(&c->p, "Retry-After", "60");
    return 0;
  }
  if (c->rt->body != BODY_NONE || strcmp(m, "POST") == 0) {
    size_t cap = c->rt->body == BODY_JSON  ? JSON_BODY_MAX
                 : c->rt->body == BODY_RAW ? RAW_BODY_MAX
                                           : FORM_BODY_MAX;
    const char *want = c->rt->body == BODY_JSON  ? "application/json"
                       : c->rt->body == BODY_RAW ? "text/csv"
                                                 : "application/x-www-form-"
                                                   "urlencoded";
    char *end = NULL;
    unsigned long long n;
    cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
    ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
    /* a body needs a Content-Length (no chunks); a bodiless POST such as
    ** an API action may leave it out */
    if (!cl && (c->rt->body != BODY_NONE ||
                MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                            "Transfer-Encoding"))) {
      fail(c, 411, "length_required", "Length required",
           "Send the body with a Content-Length (not in chunks).");
      return 0;
    }
    n = cl ? strtoull(cl, &end, 10) : 0;
    if ((cl && (*end || !*cl)) || n > cap) {
      fail(c, 413, "too_large", "Too large",
           "What you sent is larger than this form accepts.");
      return 0;
    }
    if (n > 0 && !ctype_is(ct, want)) {
      fail(c, 415, "unsupported_media_type", "Unsupported form",
           c->rt->body == BODY_JSON  ? "Send application/json."
           : c->rt->body == BODY_RAW ? "Send text/csv (UTF-8)."
                                     : "Send the form as a web browser does.");
      return 0;
    }
    wbuf_init(&c->body, cap);
    blen = n;
  }
  if (c->rt->auth == AUTH_TOKEN && !bearer(mc, c)) {
    fail(c, 401, "unauthenticated", "Sign in",
         "An API token is needed: Authorization: Bearer hst_...");
    resp_header(&c->p, "WWW-Authenticate", "Bearer");
    return 0;
  }
  if (c->rt->auth == AUTH_ADMIN && r->admin_id <= 0) {
    wbuf next;
    wbuf_init(&next, URI_MAX * 3 + 32);
    wbuf_puts(&next, "/login?next=");
    esc_url(&next, c->path);
    resp_reset(&c->p);
    if (next.err)
      resp_redirect(&c->p, "/login");
    else
      resp_redirect(&c->p, wbuf_str(&next));
    wbuf_free(&next);
    return 0;
  }
  if (c->rt->body == BODY_FORM && cross_site(mc)) {
    fail(c, 403, "bad_csrf", "Form refused",
         "This form was sent from another site, so it was refused.");
    return 0;
  }
  if (c->rt->body == BODY_RAW) {
    if (!raw_slot_take()) {
      fail(c, 503, "busy", "Busy",
           "Other uploads are being read; try again in a few seconds.");
      resp_header(&c->p, "Retry-After", "5");
      return 0;
    }
    c->raw_slot = 1;
  }
  /* the body's length is known (and within the cap): one allocation */
  if (blen > 0) {
    wbuf_reserve(&c->body, (size_t)blen);
    if (c->body.err == WEB_ENOMEM) {
      fail(c, 503, "busy", "Busy",
           "The server is short of memory; try again in a few seconds.");
      resp_header(&c->p, "Retry-After", "5");
      return 0;
    }
  }
  return 1;
}

/* Last call: parse the body, check CSRF, run the handler. */
static void last_call(struct conn *c) {
  req *r = &c->r;
  r->raw = c->body.p ? c->body.p : "";
  r->raw_len = c->body.len;
  if (c->body.err) {
    fail(c, 413, "too_large", "Too large",
         "What you sent is larger than this form accepts.");
    return;
  }
  if (c->rt->body == BODY_FORM) {
    const char *tok;
    if (form_parse(&r->body, r->raw, r->raw_len)) {
      fail(c, 400, "bad_form", "Bad form",
           "The form could not be read; reload the page and try again.");
      return;
    }
    tok = form_get(&r->body, "csrf");
    /* an administrator's forms carry a token bound to the session; public
    ** forms may also carry the anonymous cookie's (page_csrf) */
    if (!tok ||
        !((r->session[0] && auth_csrf_ok(r->session_hash, tok)) ||
          (c->rt->auth != AUTH_ADMIN && !c->anon_new[0] &&
           auth_csrf_ok(r->cookie_hash, tok)))) {
      fail(c, 403, "bad_csrf", "This form has expired",
           "This form has expired or did not come from this site. Go back, "
           "reload the page and try again; nothing was saved.");
      return;
    }
  } else if (c->rt->body == BODY_JSON && r->raw_len > 0) {
    json_error_t je;
    r->json = json_loadb(r->raw, r->raw_len, JSON_REJECT_DUPLICATES, &je);
    if (!r->json) {
      char msg[300];
      snprintf(msg, sizeof msg, "The body is not valid JSON (line %d, column "
               "%d: %s).", je.line, je.column, je.text);
      fail(c, 400, "bad_json", "Bad JSON", msg);
      return;
    }
  }
  c->rt->fn(r, &c->p);
  /* a handler may leave a SELECT on a row: no snapshot outlives it */
  db_reset_all();
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  struct conn *c = *con_cls;
  (void)cls;
  (void)url;
  (void)version;
  if (!c) return MHD_NO;
  if (!c->started) {
    c->started = 1;
    if (!first_call(mc, c, method)) {
      c->refused = 1;
      return send_resp(mc, c);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    if (!c->refused) wbuf_add(&c->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (c->refused) return MHD_YES;
  if (!c->rt) return serve_static(mc, c);
  last_call(c);
  return send_resp(mc, c);
}

/* Frees what one request owned and readies the struct for the next
** request on the same connection.  Idempotent. */
static void conn_reset(struct conn *c) {
  if (c->raw_slot) atomic_fetch_sub(&raw_busy, 1);
  c->raw_slot = 0;
  resp_reset(&c->p);
  wbuf_free(&c->p.body);
  wbuf_free(&c->body);
  form_free(&c->r.query);
  form_free(&c->r.body);
  if (c->r.json) json_decref(c->r.json);
  free(c->path);
  sodium_memzero(c->r.session, sizeof c->r.session);
  memset(c, 0, sizeof *c);
}

/* One struct conn per TCP connection, made when it opens and freed when
** it closes: so nothing leaks when libmicrohttpd refuses a request itself
** after uri_log (header pool full, bad framing) and never calls on_done. */
static void on_connection(void *cls, struct MHD_Connection *mc, void **sock,
                          enum MHD_ConnectionNotificationCode what) {
  (void)cls;
  (void)mc;
  if (what == MHD_CONNECTION_NOTIFY_STARTED) {
    *sock = calloc(1, sizeof(struct conn));
  } else if (*sock) {
    conn_reset(*sock);
    free(*sock);
    *sock = NULL;
  }
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *mc) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct conn *c = ci ? ci->socket_context : NULL;
  size_t n = strlen(uri);
  (void)cls;
  if (!c) return NULL; /* out of memory at connect: on_request says no */
  conn_reset(c); /* the previous request may not have reached on_done */
  wbuf_init(&c->p.body, WBUF_PAGE_MAX);
  if (n >= URI_MAX)
    c->too_long = 1;
  else
    memcpy(c->uri, uri, n + 1);
  return c;
}

static void on_done(void *cls, struct MHD_Connection *mc, void **con_cls,
                    enum MHD_RequestTerminationCode why) {
  (void)cls;
  (void)mc;
  (void)why;
  if (*con_cls) conn_reset(*con_cls);
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  fputs("hustings: http: ", stderr);
  vfprintf(stderr, fmt, ap);
}

struct MHD_Daemon *server_start(const struct sockaddr *addr, unsigned threads,
                                unsigned idle) {
  return MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
          (addr->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
      0, NULL, NULL, on_request, NULL,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
      MHD_OPTION_SOCK_ADDR, addr,
      MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      (unsigned)(web_cfg.trust_proxy[0] ? 0 : 64),
      MHD_OPTION_CONNECTION_TIMEOUT, idle,
      MHD_OPTION_STRICT_FOR_CLIENT, (int)1, /* e.g. Host is required */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 << 10),
      MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
      MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
      MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
      MHD_OPTION_END);
}

unsigned server_port(struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *i =
      MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : 0;
}

void server_stop(struct MHD_Daemon *d) { MHD_stop_daemon(d); }
