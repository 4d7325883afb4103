/*
** web.h: the election service's internal interfaces (src/web/).
**
** The service is a client of include/stv.h only; it never includes the
** library's private headers (the Makefile leaves src/lib off its include
** path).  See docs/design/service.md for the design and docs/api.md for
** the JSON API.
**
** Ownership, for every function below unless it says otherwise:
**  - const char * arguments are borrowed for the call;
**  - a wbuf is owned by whoever called wbuf_init and freed by wbuf_free;
**  - strings returned as const char * from a req, form or row live as long
**    as that object; a char * return is the caller's to free();
**  - sqlite3 handles from db_get() belong to the calling thread.
**
** Layers, from the bottom: wbuf/esc/form/words/md/tz (pure, no I/O) ->
** db/audit/auth (SQLite, libsodium) -> svc_* (the only code that changes
** state; each action is one db_write with its audit row) -> page_*,
** p_* (HTML) and api_* (JSON) handlers -> server/router/serve (HTTP).
*/
#ifndef HUS_WEB_H
#define HUS_WEB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* ---------------------------------------------------------------- status */

typedef enum {
  WEB_OK = 0,
  WEB_ENOMEM,    /* out of memory */
  WEB_ETOOBIG,   /* a cap was exceeded (body, field, buffer, count) */
  WEB_EFORM,     /* malformed form or query encoding */
  WEB_EUTF8,     /* not valid UTF-8 */
  WEB_EJSON,     /* malformed JSON, or the wrong shape */
  WEB_EINVALID,  /* validation failed: see the verr list */
  WEB_ENOTFOUND, /* no such object */
  WEB_ECONFLICT, /* state forbids it: wrong phase, already decided, duplicate */
  WEB_EBUSY,     /* the database stayed busy after retries */
  WEB_EDB,       /* any other database error */
  WEB_EIO,       /* file or socket I/O */
  WEB_ETZ,       /* unknown time zone, or a wall time that does not exist */
  WEB_ECRYPTO    /* libsodium failed (hashing memory) */
} web_status;

const char *web_strerror(web_status s);

/* ------------------------------------------------------ bounded buffers */

/* A growable byte buffer with a hard cap (as curl's dynbuf).  Appending
** past max, or failing to allocate, sets err and drops the data; err is
** sticky, so a writer checks once at the end.  p is always NUL-terminated
** when non-NULL. */
typedef struct wbuf {
  char *p;
  size_t len, cap, max;
  int err; /* 0, or WEB_ENOMEM / WEB_ETOOBIG (or WEB_EDB: a page whose
             ** query failed part way, so that it is not shipped short) */
} wbuf;

#define WBUF_PAGE_MAX ((size_t)8 << 20) /* one HTML page or JSON answer */

void wbuf_init(wbuf *b, size_t max);
/* Allocates room for exactly n bytes (and the NUL) at once, when the
** length is known in advance; later adds within it do not reallocate.
** Sets err (WEB_ETOOBIG past max, WEB_ENOMEM) on failure. */
void wbuf_reserve(wbuf *b, size_t n);
void wbuf_add(wbuf *b, const void *s, size_t n);
void wbuf_puts(wbuf *b, const char *s);
void wbuf_printf(wbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *wbuf_str(const wbuf *b); /* "" when empty */
/* Hands the bytes to the caller (malloc'd, NUL-terminated) and resets b;
** NULL if b->err. */
char *wbuf_take(wbuf *b, size_t *len);
void wbuf_free(wbuf *b);

/* ------------------------------------------------------------- escaping */

/* Text content: & < > escaped; C0 controls but TAB, LF, CR become U+FFFD.
** These are the rules of src/lib/html.c's stvi_html_text/attr, copied on
** purpose and kept identical by tests/unit/test_web_esc.c. */
void esc_text(wbuf *b, const char *s);
/* Attribute values, always written between "...": also " and '. */
void esc_attr(wbuf *b, const char *s);
/* One URL path segment or query value: every byte but A-Z a-z 0-9 - . _ ~
** percent-encoded. */
void esc_url(wbuf *b, const char *s);
/* A JSON string with its quotes: " \ and controls escaped (\u00XX);
** bytes >= 0x80 are copied (the input is valid UTF-8). */
void esc_json(wbuf *b, const char *s);

/* 1 if s[0..n) is valid UTF-8: no overlongs, no surrogates, <= U+10FFFF. */
int utf8_valid(const char *s, size_t n);

/* Checks and normalises one submitted text value in place: valid UTF-8;
** no NUL; C0 controls refused except TAB and, when multiline, LF (CR LF
** and lone CR become LF); at most max bytes after normalising.  *len is
** updated.  Returns NULL when fine, else a code: "bad_utf8", "control",
** "too_long". */
const char *text_check(char *s, size_t *len, size_t max, int multiline);

/* ---------------------------------------------------------------- forms */

#define FORM_MAX_FIELDS 400
#define FORM_MAX_NAME 64

/* application/x-www-form-urlencoded (bodies and query strings): '+' is a
** space, %XX decoded.  Values may hold any bytes, including NUL (vlen
** tells); names are at most FORM_MAX_NAME bytes with no NUL. */
typedef struct form {
  size_t n;
  char **name;
  char **value;
  size_t *vlen;
} form;

/* Parses data[0..len) into f (zeroed first).  WEB_EFORM for a bad %
** escape or an empty or too long name, WEB_ETOOBIG past FORM_MAX_FIELDS,
** WEB_ENOMEM.  On error f is empty. */
web_status form_parse(form *f, const char *data, size_t len);
/* The first value named name, or NULL.  form_value also gives its length. */
const char *form_get(const form *f, const char *name);
const char *form_value(const form *f, const char *name, size_t *vlen);
/* The i-th value named name (0-based), or NULL. */
const char *form_get_nth(const form *f, const char *name, size_t i);
void form_free(form *f);

/* Finds cookie name in a Cookie header value and copies its value into
** out (NUL-terminated).  Returns 1 if found and it fits, else 0. */
int cookie_find(const char *header, const char *name, char *out, size_t cap);

/* -------------------------------------------------- validation messages */

/* A list of field errors: the same {field, code, message} shows beside
** an HTML form field and in the API's error body. */
#define VERR_MAX 32
typedef struct verr_item {
  char field[FORM_MAX_NAME + 1];
  const char *code; /* static string: "required", "too_long", ... */
  char msg[256];
} verr_item;
typedef struct verr {
  size_t n;
  verr_item e[VERR_MAX];
} verr;

void verr_add(verr *v, const char *field, const char *code, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));
/* The message for field, or NULL (also when v is NULL). */
const char *verr_msg(const verr *v, const char *field);

/* ----------------------------------------------------------- word count */

/* The number of words in UTF-8 text s[0..n): maximal runs of
** non-whitespace code points holding at least one character that is not
** ASCII punctuation (docs/design/service.md §7; static/wordcount.js uses
** the same definition).  Invalid UTF-8 bytes count as non-space. */
size_t words_count(const char *s, size_t n);
/* The count's label, as wordcount.js writes it into #X-wc: "1 word of
** 250", "180 words of 250", or past the limit "251 words: over the limit
** of 250" (digits and ASCII only: no escaping needed). */
void words_label(wbuf *b, size_t n, size_t limit);

/* -------------------------------------------------------------- markdown */

/* Renders a candidate's statement: cmark, safe (no raw HTML, no
** javascript: links), images become their alt text, headings no higher
** than h3.  Returns malloc'd HTML or NULL (out of memory). */
char *md_render(const char *markdown, size_t len);
/* cmark's version string, stored with each rendering. */
const char *md_renderer(void);

/* ------------------------------------------------------------ time zones */

/* A zone name is [A-Za-z0-9_+-] segments joined by '/', no "..", at most
** 64 bytes, with a file under /usr/share/zoneinfo (or $HUSTINGS_ZONEINFO,
** read once, at the first call).  "UTC" and "Etc/UTC" are valid even
** without their files.  Thread-safe (zones are cached under a mutex); no
** TZ, setenv or localtime (src/web/tz.c). */
int tz_valid(const char *zone);
/* Wall time "YYYY-MM-DDTHH:MM" (seconds optional) in zone to UTC seconds.
** When the wall time falls in a gap (clocks go forward) returns WEB_ETZ
** with *gap = 1; when it is ambiguous (clocks go back) takes the earlier
** instant.  *offset gets the UTC offset used, in seconds.  An unknown
** zone gives WEB_ETZ with *gap = 0; a wall time that is not exactly that
** form, or not a real date and time in the years 1970-2200, gives
** WEB_EINVALID.  offset and gap may be NULL. */
web_status tz_to_utc(const char *zone, const char *wall, int64_t *utc,
                     int *offset, int *gap);
/* UTC seconds to local wall fields in zone: out gets "YYYY-MM-DDTHH:MM",
** abbr the zone abbreviation ("BST"), *offset the UTC offset.  WEB_ETZ
** for an unknown zone or a local year outside 0000-9999.  abbr and offset
** may be NULL. */
web_status tz_from_utc(const char *zone, int64_t utc, char out[17],
                       char abbr[16], int *offset);
/* A display form: "Wed 17 March 2027, 17:00 GMT" (English names, 24-hour
** clock, day without a leading zero).  WEB_ETOOBIG if cap is too small
** (48 bytes always suffice). */
web_status tz_display(const char *zone, int64_t utc, char *out, size_t cap);

/* The parsed zone behind the functions above, for tests and the fuzz
** harness (tests/fuzz/fuzz_web_tz.c).  tz_parse reads a TZif file image
** data[0..len) of version 2 or later (RFC 8536: the 64-bit block and the
** footer TZ string; leap seconds are ignored) into a new *out.  WEB_ETZ
** for anything malformed, over TZ_FILE_MAX, or out of range; WEB_ENOMEM.
** The zone is immutable; free it with tz_zone_free (NULL is a no-op).
** tz_zone_from_utc and tz_zone_to_utc behave as tz_from_utc and
** tz_to_utc (an instant must lie within 2^40 s of the epoch; z NULL gives
** WEB_ETZ). */
#define TZ_FILE_MAX ((size_t)256 << 10)
typedef struct tz_zone tz_zone;
web_status tz_parse(const unsigned char *data, size_t len, tz_zone **out);
void tz_zone_free(tz_zone *z);
web_status tz_zone_from_utc(const tz_zone *z, int64_t utc, char out[17],
                            char abbr[16], int *offset);
web_status tz_zone_to_utc(const tz_zone *z, const char *wall, int64_t *utc,
                          int *offset, int *gap);

/* -------------------------------------------------------------- database */

/* Opens (creating if needed) the database at path on the calling thread,
** which keeps it as its own connection (db_get() on that thread returns
** it), applies the pending migrations, and remembers path for db_get() on
** other threads.  A new file is created mode 0600.  Call once, before
** any thread starts (calling it again on the same thread closes that
** thread's connection first: tests).
** Refuses (WEB_ECONFLICT) a database whose schema is newer than this code
** knows, and one that cannot be put in WAL mode (WEB_EDB).  err gets a
** message on failure. */
web_status db_init(const char *path, char *err, size_t errcap);
/* This thread's connection, opened on first use with
** SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE and
** the pragmas: journal_mode=WAL, synchronous=FULL, foreign_keys=ON,
** secure_delete=ON, busy_timeout 5000 ms, defensive mode.  NULL if it
** cannot be opened (a message goes to stderr). */
sqlite3 *db_get(void);
/* Closes this thread's connection (and its statement cache).  Every
** thread that called db_get() must call it before it exits. */
void db_close_thread(void);
/* A prepared statement for sql, cached per thread by the address of sql
** (pass string literals only: at most DB_STMT_CACHE distinct ones per
** thread; past that, NULL and a message on stderr), reset and with
** bindings cleared.  db must be db_get()'s.  NULL on a prepare error
** (the message goes to stderr).  Because the next db_stmt() for the same
** sql resets it, do not nest two uses of the same literal.  Call
** sqlite3_reset(st) when done with a SELECT that was not stepped to
** SQLITE_DONE: a statement left on a row holds its read snapshot open
** (db_write() and db_reset_all() reset every cached statement anyway). */
#define DB_STMT_CACHE 512
sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql);
/* Resets every cached statement of this thread (ends any read snapshot
** they hold); server.c may call it after each request. */
void db_reset_all(void);
/* Maps a SQLite result code (primary or extended): SQLITE_OK/ROW/DONE ->
** WEB_OK, BUSY/LOCKED -> WEB_EBUSY, CONSTRAINT -> WEB_ECONFLICT, NOMEM ->
** WEB_ENOMEM, FULL/IOERR/READONLY/CANTOPEN -> WEB_EIO (the storage is
** failing: answered 503, "nothing was saved"), else WEB_EDB. */
web_status db_status(int rc);
/* The first column of the first row of sql (a string literal, as for
** db_stmt) with ?1 bound to id, as an integer: a count or an id; -1 when
** there is no row or on an error. */
int64_t db_int1(sqlite3 *db, const char *sql, int64_t id);
/* Steps a statement that returns no rows (a row is ignored), then resets
** it; WEB_OK or db_status(rc).  WEB_EDB errors are logged to stderr. */
web_status db_exec_stmt(sqlite3_stmt *st);
/* Runs fn(db, ctx) inside BEGIN IMMEDIATE ... COMMIT and returns when it
** is over.  fn returns WEB_OK to commit, anything else to roll back its
** work (that status is returned); WEB_OK from db_write means durable.
**  - Without the writer thread (see db_writer_start) fn runs on this
**    thread's connection, in a transaction of its own, one db_write at a
**    time in the process.
**  - With the writer, fn runs on the writer's thread and connection: the
**    db it receives, which db_get() and db_stmt() inside fn also use.  Up
**    to 64 queued jobs, oldest first, share one transaction and one
**    COMMIT; each runs inside its own SAVEPOINT, so a job that returns an
**    error rolls back only its own work.  If the batch as a whole fails
**    (fn returns WEB_EBUSY, SQLite rolls the transaction back, COMMIT
**    fails), nothing of it is kept and each of its jobs runs again alone.
** On WEB_EBUSY (from fn or from BEGIN/COMMIT) a job's transaction is
** rolled back and run again: alone, fn runs at most DB_WRITE_TRIES times
** (1 + 3 retries), plus once more if it was in a failed batch; then
** db_write returns WEB_EBUSY (answer 503 + Retry-After).
** So fn may run more than once after returning any status: it must have
** no effect outside the database, must reset what it writes into ctx
** when it starts, and must not rely on the calling thread (no
** thread-local state; no sqlite3 handle or statement of the caller's
** passed in ctx: use the db it receives).  Keep it short (milliseconds):
** while it runs, every other write waits.
** Not reentrant: called inside fn, or inside a transaction of the
** calling thread, it returns WEB_EDB without running fn.  It resets every
** cached statement of this thread first (a statement left on a row would
** pin an old snapshot: the write could not start, or later reads on this
** thread would not see it), so never call it while stepping through a
** SELECT's rows: collect them first. */
#define DB_WRITE_TRIES 4
typedef web_status (*db_fn)(sqlite3 *db, void *ctx);
web_status db_write(db_fn fn, void *ctx);
/* The group-commit writer (docs/design/ballot.md §4), for `hustings
** serve`: db_writer_start starts one thread with its own connection
** (autocheckpoint off, journal_size_limit 64 MiB); from then on every
** db_write in the process is queued to it.  After a commit that leaves
** more than 4000 frames in the WAL it runs a PASSIVE checkpoint, at most
** once a second.  Call it after db_init, before the threads that write.
** WEB_OK (also when it runs already, and when $HUSTINGS_WRITER is
** "mutex": then it starts nothing and db_write keeps the mutex path, for
** bench), WEB_EDB if the connection cannot be opened, WEB_ENOMEM if the
** thread cannot be made, WEB_EBUSY while it is stopping.
** db_writer_stop runs every job queued so far (and any queued while it
** drains), then joins the thread and closes its connection; later
** db_write calls use the mutex path.  A no-op when the writer is not
** running.  Stop it before db_init is called again. */
web_status db_writer_start(void);
void db_writer_stop(void);
/* The number of jobs waiting in the writer's queue (not the batch being
** run): for tests that need a known queue order, and diagnostics. */
size_t db_writer_queued(void);
/* The schema version (PRAGMA user_version) after db_init. */
int db_schema_version(void);
/* migrate.c: applies the pending migrations to db (each in its own BEGIN
** IMMEDIATE with its user_version) and sets *version to the result;
** WEB_ECONFLICT if the database is newer than the code.  migrate_latest()
** is the version this code brings a database to. */
web_status migrate_apply(sqlite3 *db, int *version, char *err, size_t cap);
int migrate_latest(void);

/* ----------------------------------------------------------------- audit */

/* Appends one entry to the hash-chained audit log, in the caller's
** transaction (call it inside a db_fn; outside one it returns WEB_EDB).
** actor: "admin:3", "token:7", "candidate:12", "branch:4", "timetable",
** "system".  action: "election.create" etc.  election_id <= 0 for none;
** election_slug may be NULL (looked up from election_id when that is
** > 0).  object: "nomination:12" or NULL.  detail_json: one JSON
** object's text on one line (written with jw_*) or NULL for {}; anything
** else gives WEB_EJSON, and strings that are not UTF-8 WEB_EUTF8.  Never
** pass secrets.  On WEB_OK, sqlite3_last_insert_rowid(db) is the new
** entry's seq (for phase_changes.audit_seq). */
web_status audit_append(sqlite3 *db, int64_t now, const char *actor,
                        const char *action, int64_t election_id,
                        const char *election_slug, const char *object,
                        const char *detail_json);
/* Walks the whole chain: seq must run 1, 2, 3..., every hash must
** recompute, and each line's seq/at/actor/action must match its row's
** columns.  *entries gets the number of good entries, head the last good
** hash (64 hex digits, or 64 zeros when empty).  Returns WEB_OK, or
** WEB_ECONFLICT with *bad_seq the first entry that is wrong or missing,
** or another status on a database error. */
web_status audit_verify(sqlite3 *db, int64_t *entries, char head[65],
                        int64_t *bad_seq);

/* ------------------------------------------------------------------ auth */

/* The installation's secret key (32 bytes from FILE.key beside the
** database, i.e. db_path + ".key"), loaded by auth_load_key before any
** thread starts.  A missing file is created (O_EXCL, mode 0600, fsync'd);
** an existing one of the wrong size, or readable by group or others, is
** refused with a message in err (WEB_EIO).  Also runs sodium_init(). */
web_status auth_load_key(const char *db_path, char *err, size_t errcap);
extern unsigned char auth_key[32];

#define TOKEN_LEN 43 /* 32 random bytes as base64url without padding */
/* A fresh random token in out (TOKEN_LEN chars + NUL), with a prefix
** ("hst_" for API tokens) or none (prefix NULL).  out must hold
** strlen(prefix) + TOKEN_LEN + 1 bytes (if not, out gets ""). */
void auth_token_new(const char *prefix, char *out, size_t cap);
/* The stored form of a token: BLAKE2b-256 keyed with auth_key, over the
** whole string (for API tokens including the "hst_" prefix). */
void auth_token_hash(const char *token, unsigned char out[32]);
/* argon2id (libsodium crypto_pwhash_str, interactive limits), at most one
** at a time in the process.  auth_pw_hash: WEB_OK or WEB_ECRYPTO.
** auth_pw_verify: 1 if it matches; with hash NULL it does a dummy verify
** of the same cost and returns 0. */
web_status auth_pw_hash(const char *pw, char out[128]);
int auth_pw_verify(const char *hash, const char *pw);
/* CSRF token for a cookie's stored hash: hex of BLAKE2b-keyed(auth_key,
** "csrf" || cookie_hash); auth_csrf_ok compares in constant time and
** requires exactly 64 lowercase hex digits. */
void auth_csrf(const unsigned char cookie_hash[32], char out[65]);
int auth_csrf_ok(const unsigned char cookie_hash[32], const char *token);

/* The first administrator's setup link: a new token, valid for
** SETUP_LINK_TTL seconds (while now < issued + TTL) and once; older
** unused links are deleted.  Runs its own db_write (audited as "system",
** action "setup_link.issue", detail {"expires_at":T}), so it must not be
** called inside a transaction. */
#define SETUP_LINK_TTL 3600
web_status auth_setup_link_new(int64_t now, char token[TOKEN_LEN + 1]);
/* Uses a setup link: 1 and marks it used if valid and unused and not
** expired (inside the caller's transaction), else 0. */
int auth_setup_link_use(sqlite3 *db, const char *token, int64_t now);
/* Sessions: valid while now < seen_at + SESSION_IDLE and now <
** created_at + SESSION_MAX, and the admin is not disabled.
** auth_session_new runs inside the caller's transaction (it also deletes
** expired sessions); on error token is "".  auth_session_admin returns
** the admin id or 0, and refreshes seen_at at most every 5 minutes (in
** the caller's transaction if there is one, else its own db_write, which
** resets this thread's cached statements).
** auth_session_end deletes the session (WEB_OK also if there was none). */
#define SESSION_IDLE (2 * 3600)
#define SESSION_MAX (12 * 3600)
web_status auth_session_new(sqlite3 *db, int64_t admin_id, int64_t now,
                            char token[TOKEN_LEN + 1]);
int64_t auth_session_admin(const char *token, int64_t now);
web_status auth_session_end(const char *token);
/* API bearer tokens ("hst_" + TOKEN_LEN chars, stored in api_tokens.hash
** as auth_token_hash of the whole bearer): the admin id or 0, and
** *token_id (0 when refused; token_id may be NULL).  Revoked tokens and
** disabled admins give 0.  Refreshes last_used_at at most once a minute,
** as auth_session_admin does seen_at. */
int64_t auth_api_token_admin(const char *bearer, int64_t now,
                             int64_t *token_id);

/* ------------------------------------------------------------ JSON write */

/* A small JSON writer over a wbuf: commas are placed by the writer.
** Depth is capped at JW_DEPTH (err set past it). */
#define JW_DEPTH 32
typedef struct jw {
  wbuf *b;
  int depth;
  unsigned char need_comma[JW_DEPTH];
} jw;
void jw_init(jw *w, wbuf *b);
void jw_obj(jw *w);       /* { */
void jw_obj_end(jw *w);   /* } */
void jw_arr(jw *w);       /* [ */
void jw_arr_end(jw *w);   /* ] */
void jw_key(jw *w, const char *k);
void jw_str(jw *w, const char *s); /* NULL writes null */
void jw_int(jw *w, int64_t v);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
/* Shorthands for "key": value. */
void jw_kstr(jw *w, const char *k, const char *s);
void jw_kint(jw *w, const char *k, int64_t v);
void jw_kbool(jw *w, const char *k, int v);

/* ------------------------------------------------------------------ time */

/* Seconds since the epoch, UTC.  The only clock the service reads.
** TEST ONLY: if $HUSTINGS_TEST_CLOCK_FILE names a file holding a decimal
** integer, that many seconds are added (re-read at every call), so
** integration tests can move a running server past its deadlines. */
int64_t web_now(void);

#endif
