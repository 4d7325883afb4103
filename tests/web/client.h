/*
** client.h: a small HTTP/1.1 test client over raw loopback sockets, and a
** harness that runs `hustings serve` on a free port for integration tests
** (docs/design/service.md §10).  No libcurl: the security cases need bytes
** a normal client refuses to send (lying Content-Length, header floods,
** broken UTF-8, slow senders).  It is also the base of the load generator.
**
** Ownership:
**  - an hc_server from hc_start is freed by hc_stop (which also removes
**    its temporary directory unless HC_KEEP is set in the environment);
**  - an hc_resp is the caller's, freed with hc_resp_free;
**  - const char * results point into the object they came from and live
**    as long as it; char * results are the caller's to free().
**
** Errors: out of memory aborts (this is test code).  Network trouble never
** aborts and never hangs: every request has a deadline (5 s unless
** hc_set_timeout says otherwise), and the outcome is in hc_resp.err.
**
** Threads: hc_request and friends may be called from several threads on
** one server (the cookie jar has a lock); hc_start/hc_stop may not.
*/
#ifndef HC_CLIENT_H
#define HC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hc_server hc_server;

/* ------------------------------------------------------------ the server */

/* The hustings binary for a test run as build[/san]/tests/test_xxx:
** dirname(argv0)/../hustings, or $HUSTINGS_BIN when set.  Returns a
** static buffer. */
const char *hc_bin_from_argv0(const char *argv0);

/* Makes a temporary directory DIR (under $TMPDIR or /tmp) and spawns
**   BIN serve --db DIR/t.db --listen 127.0.0.1:0 --port-file DIR/port
**   EXTRA...
** with stdout and stderr in DIR/out.log.  extra_args is a NULL-terminated
** list, or NULL.  Waits up to 10 s for the port file.  NULL on failure
** (the reason and the server's log go to stderr). */
hc_server *hc_start(const char *bin, const char *const extra_args[]);

/* Sends SIGTERM and waits up to 10 s (then SIGKILL).  Returns the exit
** status, 128 + N if killed by signal N, or -1.  Frees srv; the log is
** copied to stderr as "# " lines when the status is not 0. */
int hc_stop(hc_server *srv);

/* Kills the server with SIGKILL (no clean stop: the crash of the crash
** test) and waits up to 10 s for it to exit.  Returns 128 + 9 when it
** died of that signal, another status if it had exited already, or -1
** (then hc_stop tries again).  srv stays valid, its port dead, for threads
** that still hold it; hc_stop later only removes its directory and frees
** it (returning the same status; the log only if it had died otherwise).
** To start again on the same database: hc_start with "--db" FILE in
** extra_args. */
int hc_kill(hc_server *srv);

int hc_port(const hc_server *srv);
int hc_pid(const hc_server *srv);
const char *hc_dir(const hc_server *srv); /* the temporary directory */
const char *hc_db(const hc_server *srv);  /* DIR/t.db */
/* The token of the first-administrator link printed at start
** ("http://127.0.0.1:PORT/setup/TOKEN"), or NULL if none was printed. */
const char *hc_setup_token(hc_server *srv);
/* The server's stdout + stderr so far (malloc'd, NUL-terminated). */
char *hc_log(const hc_server *srv);

/* The first column of the first row of sql, run on a read-only connection
** to the server's database: for "nothing changed" checks (row counts, the
** audit head seq).  NULL reads as 0; INT64_MIN on any error (printed). */
int64_t hc_sql(const hc_server *srv, const char *sql);

/* ---------------------------------------------------------- responses */

enum {
  HC_OK = 0,
  HC_ECONNECT, /* could not connect */
  HC_ECLOSED,  /* the connection closed before a whole status + headers */
  HC_ETRUNC,   /* closed in the body (short of Content-Length or chunks) */
  HC_ETIMEOUT, /* the deadline passed */
  HC_EPARSE,   /* not an HTTP/1.x response, or bad chunked encoding */
  HC_ETOOBIG   /* response over 16 MiB */
};

#define HC_MAX_HEADERS 64

typedef struct hc_resp {
  int err;      /* HC_OK or one of the codes above */
  int status;   /* e.g. 200; 0 when no status line was read */
  size_t nhdr;  /* header fields, in order (names as received) */
  char *name[HC_MAX_HEADERS];
  char *value[HC_MAX_HEADERS];
  char *body;      /* decoded body, always NUL-terminated (maybe "") */
  size_t body_len; /* its length (it may contain NULs) */
  char *raw_;      /* private */
} hc_resp;

/* The first (or the n-th, 0-based) header called name, case-insensitive;
** NULL if absent. */
const char *hc_header(const hc_resp *r, const char *name);
const char *hc_header_nth(const hc_resp *r, const char *name, size_t n);
/* The whole Set-Cookie value that sets cookie name ("hs=...; HttpOnly;
** ..."), or NULL. */
const char *hc_set_cookie(const hc_resp *r, const char *name);
void hc_resp_free(hc_resp *r);

/* ----------------------------------------------------------- requests */

/* One request on a new connection to 127.0.0.1:port: "METHOD PATH
** HTTP/1.1", then Host, Connection: close, Cookie (from the jar) and
** Content-Length (when body != NULL), each left out when headers already
** has it; then headers (extra "Name: value\r\n" lines, or NULL) and the
** body.  path is sent exactly as given.  Reads the whole response
** (Content-Length, chunked, or until close), and stores its Set-Cookie
** headers in the server's jar.  Never NULL. */
hc_resp *hc_request(hc_server *srv, const char *method, const char *path,
                    const char *headers, const void *body, size_t body_len);
hc_resp *hc_get(hc_server *srv, const char *path);

/* POST application/x-www-form-urlencoded: a NULL-terminated list of
** name, value, name, value, ..., NULL.  Every byte but A-Z a-z 0-9 - . _ ~
** is percent-encoded, as given (broken UTF-8 passes through). */
hc_resp *hc_post_form(hc_server *srv, const char *path, ...);
/* The same with extra headers (or NULL) and the pairs in an array. */
hc_resp *hc_post_formv(hc_server *srv, const char *path,
                       const char *headers, const char *const fields[]);
/* The encoded body alone (malloc'd); *len gets its length if not NULL. */
char *hc_form_encode(const char *const fields[], size_t *len);

/* A JSON request (Content-Type: application/json) with "Authorization:
** Bearer TOKEN" when bearer != NULL; json NULL sends no body. */
hc_resp *hc_json(hc_server *srv, const char *method, const char *path,
                 const char *bearer, const char *json);
/* The same with extra header lines (e.g. hc_new_addr()), or NULL. */
hc_resp *hc_json_from(hc_server *srv, const char *headers, const char *method,
                      const char *path, const char *bearer, const char *json);
hc_resp *hc_post_json(hc_server *srv, const char *path, const char *bearer,
                      const char *json);

/* Hand-made bytes on a new connection; half_close shuts the write side
** after sending.  The response is read and parsed as for hc_request
** (status 0 and err HC_ECLOSED if the server just closed). */
hc_resp *hc_raw(hc_server *srv, const void *bytes, size_t n, int half_close);

/* Lower level, for slow senders and many connections: a connected socket
** (or -1), a send of everything (0, or -1 if the peer closed), and the
** reading of one response (Set-Cookie goes to the jar; fd stays open). */
int hc_connect(const hc_server *srv);
int hc_send(int fd, const void *bytes, size_t n);
hc_resp *hc_recv(hc_server *srv, int fd, int is_head);

/* Per-operation deadline in milliseconds (default 5000), process-wide. */
void hc_set_timeout(int ms);

/* --------------------------------------------------------- cookie jar */

/* One jar per server, name -> value.  A Set-Cookie with Max-Age <= 0 (or
** an empty value) deletes.  hc_jar_get's result is a copy of at most
** 511 bytes in a static per-thread buffer, or NULL. */
const char *hc_jar_get(hc_server *srv, const char *name);
void hc_jar_set(hc_server *srv, const char *name, const char *value);
void hc_jar_del(hc_server *srv, const char *name);
void hc_jar_clear(hc_server *srv);

/* --------------------------------------------------------- HTML helpers */

/* Copies the value of the first <input ... name="csrf" ... value="...">
** into out; 1 if found (64 hex digits or not), else 0 and out = "". */
int hc_csrf(const char *html, char out[65]);
/* strstr that accepts NULL html. */
const char *hc_find(const char *html, const char *needle);

/* ------------------------------------------------- steps of a test run */

/* "X-Forwarded-For: 10.A.B.C\r\n" (A from 250 up, so never one of the
** bench's 10.1-10.9 client addresses), a new client address on each
** call, for a server run with --trust-proxy 127.0.0.1 (one that is not
** ignores the header): one case's requests then never meet the rate
** limits another's used up.  The result is a per-thread static buffer,
** valid until the thread's next call. */
const char *hc_new_addr(void);

/* GETs path (headers: extra header lines, or NULL) and copies its csrf
** token into out (see hc_csrf).  1 on status 200 with a csrf field; else
** 0, with the status and the start of the body on stderr. */
int hc_get_csrf(hc_server *srv, const char *path, const char *headers,
                char out[65]);

/* Signs the first administrator in with the setup link `hustings serve`
** printed (waiting up to 5 s for it): the form from GET /setup/TOKEN,
** posted with org_name, email, name, password and password2 = password;
** each request from a new hc_new_addr().  csrf gets the form's token
** (bound to the anonymous cookie; a signed-in page has another).  1 when
** the post answers 303 (the session cookie is then in the jar); else 0,
** with the step that failed on stderr. */
int hc_setup_admin(hc_server *srv, const char *org, const char *email,
                   const char *name, const char *password, char csrf[65]);

/* Makes an API token labelled label on /admin/tokens (signed in): the
** csrf from the page, then the post, each from a new hc_new_addr().  1
** with the token shown once in <code id="new-token"> copied into out
** (cap bytes at most, NUL included); else 0, out = "", and the step that
** failed on stderr. */
int hc_make_token(hc_server *srv, const char *label, char *out, size_t cap);

/* The next field of a CSV line at *p (an export of the service), quotes
** undone, into out (cut to cap - 1 bytes); *p moves past its comma, or
** stays at the end of the line.  0 at the end of the line. */
int hc_csv_field(const char **p, char *out, size_t cap);

#endif
