/*
** fuzz_web_handlers.c: libFuzzer target for every page and API handler
** of the service, on a real database (tests/fuzz/build.sh).
**
** Once: a demo database (hustings demo --voting: voting open, so the
** voter's pages, the voting administration and, after a fuzzed close,
** the results have something to work on) in a temporary directory, its
** key,
** and an administrator of its organisation.  Per input: the first byte
** picks a route from the route tables (all but p_auth.c's, whose argon2
** hashing would make each run take a tenth of a second); the rest, split
** at NUL bytes, gives the route's {captures} and then the body: a form
** (POST, parsed as server.c does), a JSON document (API), raw text (the
** voter roll's CSV), or the query string (GET).  The request is made as server.c makes it after its own
** checks (signed in, CSRF already checked), without libmicrohttpd.
**
** Promises checked (a broken one aborts):
**  - the handler answers with a status of 200-599 (or leaves it 0, which
**    server.c sends as 200) and never leaves the response buffer in error
**    except for a page too large (WEB_ETOOBIG);
**  - an HTML answer holds no "<script" but the word-count script's tag,
**    and no "javascript:" inside an href (what users type is escaped and
**    statements are rendered safely);
**  - a JSON answer is valid JSON;
**  - a refusal (status 400 or more) changed nothing: every change writes
**    an audit row in its own transaction, so the audit head stays put;
**  - the audit log still verifies.
** Writes accumulate in the database across runs, as a long-lived server's
** would.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http.h"
#include "service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const route *const *routes; /* every route but routes_auth's */
static size_t nroutes;
static char dir[] = "/tmp/fuzz_web_handlersXXXXXX";

/* At exit: the temporary database and its directory go. */
static void cleanup(void) {
  static const char *const names[] = {"f.db", "f.db-wal", "f.db-shm",
                                      "f.db.key"};
  char path[128];
  size_t i;
  db_close_thread();
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
  remove(dir);
}

static void init(void) {
  static const route *const tables[] = {routes_public, routes_nominate,
                                        routes_publish, routes_admin,
                                        routes_review, routes_api,
                                        routes_roll,   routes_voting,
                                        routes_results, routes_vote};
  char path[128], err[256];
  char *argv[] = {"demo", "--db", path, "--voting", NULL};
  const route **all;
  size_t t, n = 0;
  const route *rt;
  sqlite3_stmt *st;
  if (!mkdtemp(dir)) abort();
  atexit(cleanup);
  snprintf(path, sizeof path, "%s/f.db", dir);
  if (web_demo_main(4, argv) != 0) abort();
  if (db_init(path, err, sizeof err) != WEB_OK) abort();
  if (auth_load_key(path, err, sizeof err) != WEB_OK) abort();
  st = db_stmt(db_get(), "INSERT INTO admins (email, name, pw_hash, "
                         "created_at) VALUES ('f@example.org', 'F', 'x', 0)");
  if (!st || db_exec_stmt(st)) abort();
  st = db_stmt(db_get(), "INSERT INTO org_admins SELECT id, 1 FROM orgs");
  if (!st || db_exec_stmt(st)) abort();
  snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "http://127.0.0.1:1");
  for (t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (rt = tables[t]; rt->pattern; rt++) n++;
  all = calloc(n, sizeof *all);
  if (!all) abort();
  for (t = 0, n = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (rt = tables[t]; rt->pattern; rt++) all[n++] = rt;
  routes = all;
  nroutes = n;
}

static int64_t audit_head(void) {
  sqlite3_stmt *st = db_stmt(db_get(), "SELECT max(seq) FROM audit");
  int64_t n = -1;
  if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  if (st) sqlite3_reset(st);
  return n;
}

static size_t captures(const char *pattern) {
  size_t n = 0;
  for (; *pattern; pattern++) n += *pattern == '{';
  return n;
}

/* No "<script" but ours (the word count's, the ballot's), no
** "javascript:" in an href. */
static void check_html(const char *s) {
  static const char ok[] = "<script src=\"/static/wordcount.js\" defer>";
  static const char ok2[] = "<script src=\"/static/ballot.js\" defer>";
  const char *p;
  for (p = strstr(s, "<script"); p; p = strstr(p + 1, "<script"))
    if (strncmp(p, ok, sizeof ok - 1) != 0 &&
        strncmp(p, ok2, sizeof ok2 - 1) != 0)
      abort();
  for (p = strstr(s, "href=\""); p; p = strstr(p + 1, "href=\""))
    if (strncasecmp(p + 6, "javascript:", 11) == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf, *parts[REQ_MAX_PARAMS + 1], *end;
  size_t k, want, blen;
  int64_t head;
  const route *rt;
  req r;
  resp p;
  if (!routes) init();
  if (size < 1) return 0;
  rt = routes[data[0] % nroutes];
  want = captures(rt->pattern);
  buf = malloc(size);
  if (!buf) return 0;
  memcpy(buf, data + 1, size - 1);
  buf[size - 1] = 0;
  end = buf + size - 1;
  /* captures, then the body (which may hold NULs: its length is kept) */
  parts[0] = buf;
  for (k = 0; k < want; k++) {
    char *z = memchr(parts[k], 0, (size_t)(end - parts[k]));
    if (!z || z == end) {
      free(buf);
      return 0;
    }
    parts[k + 1] = z + 1;
  }
  blen = (size_t)(end - parts[want]);
  memset(&r, 0, sizeof r);
  memset(&p, 0, sizeof p);
  for (k = 0; k < want; k++) {
    /* server.c hands handlers non-empty, valid UTF-8 segments */
    if (!*parts[k] || !utf8_valid(parts[k], strlen(parts[k])) ||
        strchr(parts[k], '/'))
      goto out;
    r.param[k] = parts[k];
  }
  r.method = rt->method;
  r.path = rt->pattern;
  r.now = web_now();
  r.admin_id = 1;
  r.is_api = strncmp(rt->pattern, "/api/", 5) == 0;
  snprintf(r.actor, sizeof r.actor, "%s", r.is_api ? "token:1" : "admin:1");
  memset(r.cookie_hash, 7, sizeof r.cookie_hash);
  r.raw = parts[want];
  r.raw_len = blen;
  if (rt->body == BODY_FORM) {
    if (form_parse(&r.body, parts[want], blen)) goto out;
  } else if (rt->body == BODY_JSON) {
    if (blen && !(r.json = json_loadb(parts[want], blen,
                                      JSON_REJECT_DUPLICATES, NULL)))
      goto out;
  } else if (rt->body == BODY_RAW) {
    /* the body as sent (the voter roll's CSV): r.raw already */
  } else if (form_parse(&r.query, parts[want], blen))
    goto out;
  wbuf_init(&p.body, WBUF_PAGE_MAX);
  head = audit_head();
  rt->fn(&r, &p);
  db_reset_all();
  if (p.status && (p.status < 200 || p.status > 599)) abort();
  if (p.status >= 400 && audit_head() != head) abort();
  if (p.body.err && p.body.err != WEB_ETOOBIG) abort();
  if (!p.body.err && p.body.p) {
    if (p.ctype && strncmp(p.ctype, "application/json", 16) == 0) {
      json_t *j = json_loadb(p.body.p, p.body.len, 0, NULL);
      if (!j) abort();
      json_decref(j);
    } else if (!p.ctype || strncmp(p.ctype, "text/html", 9) == 0)
      check_html(p.body.p);
  }
  for (k = 0; k < p.nhdr; k++) {
    free(p.hdr_name[k]);
    free(p.hdr_value[k]);
  }
  wbuf_free(&p.body);
  db_reset_all();
  {
    int64_t n;
    char tip[65];
    int64_t bad;
    if (audit_verify(db_get(), &n, tip, &bad) != WEB_OK) abort();
  }
out:
  form_free(&r.body);
  form_free(&r.query);
  if (r.json) json_decref(r.json);
  free(buf);
  return 0;
}
