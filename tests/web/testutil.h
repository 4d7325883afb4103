/*
** testutil.h: the cmocka checks the integration tests (tests/web/test_*.c)
** share, on top of client.h (which the bench links too, so it has no
** cmocka).  A failed check prints what it saw and fails the test at the
** caller's file and line:
**
**   check_status(r, want)     r answered status want
**   has(r, s), lacks(r, s)    r's body holds s / does not
**   tu_body_json(r)           r's body parsed as JSON (the caller decrefs)
**   tu_api_error(r, st, code) r is the API's error shape,
**                             {"error":{"status":st,"code":code,
**                             "message":"..."}}; the document, parsed
**   tu_snap_take(srv, sql)    the values of a NULL-terminated list of
**                             one-number queries on the server's database
**   tu_same(srv, &snap)       ... and they are all still the same: what a
**                             refused request must leave alone
**   tu_run(argv, out, cwd)    runs a command (hustings demo, audit-verify,
**                             count...) and waits: its exit status
**   tu_voting_code(db, a, c)  the voting code in the latest email to a
**   tu_voting_demo(...)       a served `hustings demo --voting`, signed in
**
** Ownership: json_t results are the caller's (json_decref); a tu_snap
** points at the caller's query list, which must outlive it.
** Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>.
*/
#ifndef HC_TESTUTIL_H
#define HC_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client.h"

#define check_status(r, want) tu_check_status_at(r, want, __FILE__, __LINE__)
#define has(r, s) tu_has_at(r, s, 1, __FILE__, __LINE__)
#define lacks(r, s) tu_has_at(r, s, 0, __FILE__, __LINE__)
#define tu_api_error(r, st, code)                                            \
  tu_api_error_at(r, st, code, __FILE__, __LINE__)
#define tu_same(srv, before) tu_same_at(srv, before, __FILE__, __LINE__)

void tu_check_status_at(const hc_resp *r, int want, const char *file,
                        int line);
/* want 1: the body holds s; want 0: it does not. */
void tu_has_at(const hc_resp *r, const char *s, int want, const char *file,
               int line);
json_t *tu_body_json(const hc_resp *r);
json_t *tu_api_error_at(const hc_resp *r, int status, const char *code,
                        const char *file, int line);

#define TU_SNAP_MAX 32
typedef struct tu_snap {
  const char *const *sql; /* the queries, NULL-terminated */
  size_t n;
  int64_t v[TU_SNAP_MAX];
} tu_snap;

/* Fails the test when a query fails (hc_sql's INT64_MIN) or there are
** more than TU_SNAP_MAX. */
tu_snap tu_snap_take(const hc_server *srv, const char *const sql[]);
void tu_same_at(const hc_server *srv, const tu_snap *before, const char *file,
                int line);

/* Runs argv[0] (a path) with argv, stdin from /dev/null, stdout to out
** (created 0600, truncated; NULL: /dev/null), stderr to ours (the test's
** log), in directory cwd (NULL: ours), and waits.  Its exit status, 128 +
** N if killed by signal N, or -1 if it could not be started. */
int tu_run(char *const argv[], const char *out, const char *cwd);

/* The voting code (26 characters) in the latest email to addr in the
** outbox of the database at dbpath (kept until sent or published; the
** tests serve with --mail none); fails the test if there is none. */
void tu_voting_code(const char *dbpath, const char *addr, char code[27]);

/* A test group's voting demo: a new temporary directory dir
** ($TMPDIR/LABEL.XXXXXX), `hustings demo --voting` in dir/demo.db (its
** path in demo), `hustings serve` on it (--trust-proxy 127.0.0.1, so that
** each request may name its address; --mail none, so that the codes stay
** in the outbox) in *srv, its first administrator ro@example.org with
** password pw signed in, then an API token labelled LABEL in token and
** the cookie jar emptied.  0, or -1 with a message on stderr (what was made
** is left for the group's teardown: hc_stop, rm -rf dir). */
int tu_voting_demo(const char *argv0, const char *label, const char *pw,
                   char dir[256], char demo[300], hc_server **srv,
                   char token[128]);

#endif
