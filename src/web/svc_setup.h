/*
** svc_setup.h: the election set-up actions (settings, timetable, phase,
** publication, contests, questions, categories, branches, API tokens)
** and the readers the admin pages and the JSON API need beyond svc.h.
**
** Conventions (as svc.h):
**  - Every action validates first: errors go into v (cleared first by the
**    action: v->n = 0) and the action returns WEB_EINVALID, changing
**    nothing.  Then it runs one db_write whose transaction holds the
**    change and its audit_append row(s); rules that depend on the stored
**    state (phase, duplicates, existence) are checked again inside that
**    transaction.
**  - Field names in v are the API's JSON keys, which are also the form
**    field names the admin pages use: "slug", "title", "tz",
**    "word_limit", "declaration_md", "intro_md"; timetable event names
**    ("nominations_open", ...); "seats", "rules", "threshold",
**    "threshold_kind", "constraints.N.category", "constraints.N.min",
**    "constraints.N.max", "eligible_tags.N" (N 0-based, in input order);
**    "text", "short", "allow_comment"; "label"; "name"; "to"; "org".
**  - WEB_ECONFLICT (the stored state forbids it) also fills v with exactly
**    one item: its code is the API's 409 code ("phase", "phase_backwards",
**    "duplicate", "already_published", "revoked", "not_available",
**    "too_many") and
**    its msg a sentence for people; its field is the field concerned
**    ("slug" for a duplicate slug) or "" when none.  HTML handlers may
**    re-render their form with v for both WEB_EINVALID and WEB_ECONFLICT;
**    the API answers 422 and 409 with it.
**  - WEB_ENOTFOUND: the election/contest/question/... id does not exist
**    (or does not belong to that election).  Access checks (may this admin
**    administer the election?) are the caller's (page_election), except
**    where a function says otherwise.
**  - Submitted strings are borrowed; each goes through text_check on a
**    copy (so CR LF becomes LF in the stored markdown) before use.
**  - actor is the audit actor ("admin:3", "token:7"); admin_id > 0 is the
**    administrator behind it (phase_changes.by_admin); now is r->now.
**  - Audit details never hold a token, password or email.
**
** Ownership: arrays returned by readers are malloc'd and freed with the
** matching _free (NULL-safe, also on a zeroed struct); their strings
** belong to them.  Readers take the calling thread's db.
*/
#ifndef HUS_SVC_SETUP_H
#define HUS_SVC_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "svc.h"
#include "web.h"

/* --------------------------------------------------------------- limits */

#define SVC_SLUG_MAX 40          /* election, contest, category slugs */
#define SVC_TITLE_MAX 200        /* election and contest titles */
#define SVC_MD_MAX 20000         /* declaration_md, intro_md (bytes) */
#define SVC_WORDS_MIN 10         /* word_limit range */
#define SVC_WORDS_MAX 2000       /* (the schema's CHECK allows 5000) */
#define SVC_WORDS_DEFAULT 250
#define SVC_MAX_CONSTRAINTS 20   /* per contest */
#define SVC_MAX_TAGS 20          /* eligibility tags per contest */
#define SVC_TAG_MAX 40           /* a tag: [a-z0-9:_-]{1,40} */
#define SVC_THRESHOLD_MAX 1000
#define SVC_QUESTION_MAX 1000    /* question text (bytes) */
#define SVC_SHORT_MAX 60         /* a question's short label */
#define SVC_LABEL_MAX 100        /* a category's label */
#define SVC_BRANCH_MAX 200       /* a branch's name */
#define SVC_TOKEN_LABEL_MAX 100  /* an API token's label */
/* How many of each an election may hold: creating one more is
** WEB_ECONFLICT "too_many" (checked inside the creating transaction), and
** the readers refuse more (WEB_ETOOBIG) rather than grow without end.
** 100 questions and 100 categories keep the nomination form (two fields
** per question, one per category, and a few more) under FORM_MAX_FIELDS;
** svc_nominate.c checks that at compile time. */
#define SVC_MAX_QUESTIONS 100
#define SVC_MAX_CATEGORIES 100
#define SVC_MAX_CONTESTS 100
#define SVC_MAX_BRANCHES 1000
/* Audit details: esc_json writes a control character (TAB, LF) as
** \u00XX, six bytes for one, so a detail holding submitted text of at
** most n bytes needs SVC_JSON_WORST(n) for it, plus its keys and numbers
** (SVC_DETAIL_BASE covers those of every detail).  Each detail buffer is
** sized from these, never from a guess. */
#define SVC_JSON_WORST(n) (6 * (size_t)(n) + 2)
#define SVC_DETAIL_BASE ((size_t)1024)
/* An API token as shown once: "hst_" + TOKEN_LEN chars + NUL. */
#define SVC_API_TOKEN_SIZE (4 + TOKEN_LEN + 1)
/* Slugs are [a-z0-9-]{1,40}; 1 if s is one. */
int svc_slug_ok(const char *s);

/* ------------------------------------------------------------ elections */

/* Settings of an election.  For svc_election_create: slug and title are
** required (the slug "new" is refused, field error "reserved": it is the
** address of the new-election page); tz NULL or "" takes the org's zone; word_limit 0 takes
** SVC_WORDS_DEFAULT; NULL markdown is "".  For svc_election_update: NULL
** (or word_limit 0) leaves that setting unchanged. */
typedef struct svc_election_input {
  const char *slug;           /* [a-z0-9-]{1,40}, unique in the install */
  const char *title;          /* 1..200 bytes, one line */
  const char *tz;             /* IANA zone name (tz_valid) */
  int word_limit;             /* SVC_WORDS_MIN..SVC_WORDS_MAX */
  const char *declaration_md; /* what candidates agree to, <= 20000 */
  const char *intro_md;       /* shown on the election page, <= 20000 */
  const char *candidate_order; /* "random" (each voter's own order) or
                                  "published" (by name); NULL: unchanged,
                                  "random" on create */
  int publish_ballots_set;     /* 1: publish_ballots below is given */
  int publish_ballots;         /* 0 or 1: publish the anonymised BLT
                                  (default 1) */
} svc_election_input;

/* Creates an election in phase setup for org org_id.  org_id
** SVC_ORG_DEFAULT (0) takes the admin's first org, by id; any other id
** must be one of the admin's orgs: a negative id, or an org the admin
** does not belong to (checked inside the transaction), is a field error
** on "org" ("invalid" / "unknown"); an admin of no org at all gets
** WEB_ENOTFOUND.  Also writes its election_orgs row.  A slug already used
** gives WEB_ECONFLICT "duplicate" on field "slug".  Audited
** "election.create" with the settings (markdown as its length and
** BLAKE2b-256 hex).  *id_out gets the new id (id_out may be NULL). */
#define SVC_ORG_DEFAULT 0
web_status svc_election_create(const svc_election_input *in, int64_t org_id,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v, int64_t *id_out);

/* Changes the settings given (non-NULL) of election_id.  The slug cannot
** change (a different in->slug is a field error "immutable"; the same
** one is ignored).  What each phase allows (a change of a locked setting
** is WEB_ECONFLICT "phase"; giving its current value is not a change):
**   title, intro_md:              any phase but closed;
**   word_limit, declaration_md:   setup and nominations;
**   tz:                           setup only; the timetable's wall times
**                                 are kept and converted again in the
**                                 new zone (a wall time in a gap there
**                                 is a field error "time_in_gap" on tz);
**   candidate_order,
**   publish_ballots:              before voting opens (setup, nominations,
**                                 review).
** Audited "election.update" with the changed settings' old and new values
** (markdown as {"length","blake2b"} of its text).  No change at all:
** WEB_OK and no audit row. */
web_status svc_election_update(int64_t election_id,
                               const svc_election_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v);

/* Sets, changes or clears timetable deadlines.  local[i] for each event
** (svc_event order): NULL leaves it as it is, "" clears it, otherwise
** either a wall time "YYYY-MM-DDTHH:MM" in the election's zone, or an
** RFC 3339 instant with an offset ("2027-03-07T09:00:00Z",
** "2027-03-07T09:00+01:00"; seconds, if given, must be 00), which is
** stored with its wall time in the election's zone.  Field errors (field
** = the event's name):
**   "bad_time"     not one of those forms, or not a real date and time;
**   "time_in_gap"  a wall time the clocks skip, with a message such as
**                  "01:30 on 28 March 2027 does not exist in
**                  Europe/London (the clocks go forward); choose another
**                  time";
**   "in_past"      a new instant at or before now for an event that has
**                  not happened yet (move the phase instead);
**   "order"        the deadlines that are set (after the change) must run
**                  nominations_open < nominations_close <= voting_open <
**                  voting_close; the error names the later event.
** An event that has happened (its phase has been reached: nominations_open
** once the phase is nominations or later, nominations_close at review,
** voting_open at voting, voting_close at counted; or its stored time is
** at or before now, even when the clock thread has not moved the phase
** yet) cannot be changed or cleared: WEB_ECONFLICT "phase" naming the
** event; giving its current value again is not a change.  In phase closed nothing changes.  Each
** changed event is audited as one "election.timetable" row with detail
** {"event":..,"old":{"local":..,"at":..}|null,"new":{..}|null}.  No
** change at all: WEB_OK and no audit row. */
web_status svc_timetable_set(int64_t election_id,
                             const char *const local[EV_COUNT],
                             const char *actor, int64_t admin_id,
                             int64_t now, verr *v);

/* Parses one timetable value as svc_timetable_set does, without storing:
** WEB_OK with *utc, wall (the wall time in zone, "YYYY-MM-DDTHH:MM") and
** *offset; else WEB_EINVALID with a field error on field (as above:
** bad_time, time_in_gap) or WEB_ETZ for an unknown zone. */
web_status svc_time_parse(const char *zone, const char *value,
                          const char *field, int64_t *utc, char wall[17],
                          int *offset, verr *v);

/* Publishes the candidates and checklist pages now (published_at = now).
** Allowed in phases nominations and review (else WEB_ECONFLICT "phase");
** WEB_ECONFLICT "already_published" if published_at is already set.
** Audited "election.publish". */
web_status svc_election_publish(int64_t election_id, const char *actor,
                                int64_t admin_id, int64_t now, verr *v);

/* Moves the election forward to phase to, in its own db_write (wrapping
** svc_phase_move: phase_changes + audit "election.phase").
** WEB_ECONFLICT "phase_backwards" when to is not after the current phase;
** "not_available" for voting and counted (they come with part 2's
** ballots; closed is allowed from any phase). */
web_status svc_election_phase(int64_t election_id, svc_phase to,
                              const char *actor, int64_t admin_id,
                              int64_t now, verr *v);

/* ------------------------------------------------------------- contests */

/* Contests may be created and changed in phases setup and nominations
** (else WEB_ECONFLICT "phase"); the slug may change only in setup (it is
** in the nomination links). */
typedef struct svc_constraint_input {
  const char *category; /* a category slug of the election */
  int min;              /* 0..seats */
  int max;              /* -1 = no maximum, else min..seats */
} svc_constraint_input;

typedef struct svc_contest_input {
  const char *slug;           /* [a-z0-9-]{1,40}, unique in the election */
  const char *title;          /* 1..200 bytes, one line */
  int seats;                  /* 1..STV_MAX_SEATS */
  const char *rules;          /* one of stv_rule_names() */
  int threshold;              /* supporting nominations needed, 0..1000 */
  const char *threshold_kind; /* "branch" or "member" when threshold > 0;
                                 with threshold 0 it is ignored and the
                                 contest stores none (NULL) */
  const svc_constraint_input *constraints; /* at most 20, categories
                                              distinct */
  size_t n_constraints;
  const char *const *tags; /* eligibility tags [a-z0-9:_-]{1,40}, at most
                              20, distinct; none = every member */
  size_t n_tags;
} svc_contest_input;

/* Validation only (no database access but for the categories, read
** from db for election_id): fills v, returns WEB_OK or WEB_EINVALID.
** Exposed for the unit tests and for forms that check before saving. */
web_status svc_contest_check(sqlite3 *db, int64_t election_id,
                             const svc_contest_input *in, verr *v);

/* Creates a contest at the end of the election's list.  Duplicate slug:
** WEB_ECONFLICT "duplicate" on "slug"; the election's SVC_MAX_CONTESTS
** reached: "too_many".  Audited "contest.create" (object
** "contest:ID") with its settings, constraints and tags. */
web_status svc_contest_create(int64_t election_id,
                              const svc_contest_input *in, const char *actor,
                              int64_t admin_id, int64_t now, verr *v,
                              int64_t *id_out);
/* Replaces every setting of contest contest_id (of election_id) with in,
** including the constraints and tags (give them all, not a difference).
** Audited "contest.update" with old and new values of what changed; no
** change: WEB_OK and no audit row. */
web_status svc_contest_update(int64_t election_id, int64_t contest_id,
                              const svc_contest_input *in, const char *actor,
                              int64_t admin_id, int64_t now, verr *v);
/* Swaps the contest with its neighbour (dir -1 up, +1 down); at either end
** it is a no-op (WEB_OK, no audit).  Any phase before voting.  Audited
** "contest.move". */
web_status svc_contest_move(int64_t election_id, int64_t contest_id, int dir,
                            const char *actor, int64_t admin_id, int64_t now,
                            verr *v);

/* A contest's constraints and eligibility, read. */
typedef struct svc_constraint {
  int64_t category_id;
  char category[SVC_SLUG_MAX + 1]; /* its slug */
  char *label;
  int min, max; /* max -1 = none */
} svc_constraint;
web_status svc_contest_constraints(sqlite3 *db, int64_t contest_id,
                                   svc_constraint **out, size_t *n);
void svc_constraints_free(svc_constraint *c, size_t n);
/* Tags in order; *out is an array of n malloc'd strings. */
web_status svc_contest_tags(sqlite3 *db, int64_t contest_id, char ***out,
                            size_t *n);
void svc_tags_free(char **t, size_t n);
/* A contest by id (must belong to election_id, else WEB_ENOTFOUND). */
web_status svc_contest_get_id(sqlite3 *db, int64_t election_id,
                              int64_t contest_id, svc_contest *out);

/* ------------------------------------------------------------ questions */

/* Checklist questions: created, changed and moved in phases setup and
** nominations (else WEB_ECONFLICT "phase"). */
typedef struct svc_question_input {
  const char *text;  /* 1..1000 bytes, may be several lines */
  const char *short_label; /* field "short": 1..60 bytes, one line: the
                              checklist's column heading */
  int allow_comment; /* 0 or 1 */
} svc_question_input;

typedef struct svc_question {
  int64_t id;
  int position;
  char *text, *short_label;
  int allow_comment;
} svc_question;

/* Audited "question.create" / "question.update" / "question.move"
** (object "question:ID").  Creating one past SVC_MAX_QUESTIONS:
** WEB_ECONFLICT "too_many". */
web_status svc_question_create(int64_t election_id,
                               const svc_question_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v, int64_t *id_out);
web_status svc_question_update(int64_t election_id, int64_t question_id,
                               const svc_question_input *in,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v);
/* dir -1 up, +1 down; no-op at either end. */
web_status svc_question_move(int64_t election_id, int64_t question_id,
                             int dir, const char *actor, int64_t admin_id,
                             int64_t now, verr *v);
/* In position order. */
web_status svc_questions(sqlite3 *db, int64_t election_id,
                         svc_question **out, size_t *n);
void svc_questions_free(svc_question *q, size_t n);

/* ----------------------------------------------------------- categories */

/* Categories a candidate may declare ("woman", "bame"): slug
** [a-z0-9-]{1,40} unique in the election, label 1..100 bytes one line.
** Created and relabelled in setup and nominations (else "phase"); the
** slug cannot change.  Audited "category.create" / "category.update".
** Creating one past SVC_MAX_CATEGORIES: WEB_ECONFLICT "too_many". */
typedef struct svc_category {
  int64_t id;
  char slug[SVC_SLUG_MAX + 1];
  char *label;
} svc_category;

web_status svc_category_create(int64_t election_id, const char *slug,
                               const char *label, const char *actor,
                               int64_t admin_id, int64_t now, verr *v,
                               int64_t *id_out);
web_status svc_category_update(int64_t election_id, int64_t category_id,
                               const char *label, const char *actor,
                               int64_t admin_id, int64_t now, verr *v);
/* In slug order. */
web_status svc_categories(sqlite3 *db, int64_t election_id,
                          svc_category **out, size_t *n);
void svc_categories_free(svc_category *c, size_t n);

/* ------------------------------------------------------------- branches */

/* Branches that may send supporting nominations: name 1..200 bytes one
** line, unique in the election.  Any phase before voting (else "phase").
** Creating one makes its private support link token, written ONCE into
** link_out (the page shows base_url + "/s/" + token); only its
** auth_token_hash is stored (branches.link_hash).  svc_branch_new_link
** replaces it (the old link stops working).  Audited "branch.create" /
** "branch.new_link" (object "branch:ID"; never the token).  Creating one
** past SVC_MAX_BRANCHES: WEB_ECONFLICT "too_many". */
typedef struct svc_branch {
  int64_t id;
  char *name;
  int has_link;
} svc_branch;

web_status svc_branch_create(int64_t election_id, const char *name,
                             const char *actor, int64_t admin_id,
                             int64_t now, verr *v, int64_t *id_out,
                             char link_out[TOKEN_LEN + 1]);
web_status svc_branch_new_link(int64_t election_id, int64_t branch_id,
                               const char *actor, int64_t admin_id,
                               int64_t now, verr *v,
                               char link_out[TOKEN_LEN + 1]);
/* In name order. */
web_status svc_branches(sqlite3 *db, int64_t election_id, svc_branch **out,
                        size_t *n);
void svc_branches_free(svc_branch *b, size_t n);

/* ----------------------------------------------------------- API tokens */

typedef struct svc_token {
  int64_t id;
  char *label;
  char prefix[9]; /* the first 8 characters ("hst_AbCd") */
  int64_t created_at, last_used_at, revoked_at; /* 0 = never / not */
} svc_token;

/* A new API token for admin_id (label 1..100 bytes, one line, field
** "label"): token_out gets "hst_" + TOKEN_LEN chars, to be shown ONCE;
** stored as auth_token_hash(token) with its first 8 characters as
** prefix.  Audited "token.create" (object "token:ID", detail label and
** prefix).  *id_out may be NULL. */
web_status svc_token_create(int64_t admin_id, const char *label,
                            const char *actor, int64_t now, verr *v,
                            int64_t *id_out,
                            char token_out[SVC_API_TOKEN_SIZE]);
/* Revokes one of admin_id's own tokens (another admin's token:
** WEB_ENOTFOUND); WEB_ECONFLICT "revoked" if it already is.  Audited
** "token.revoke". */
web_status svc_token_revoke(int64_t admin_id, int64_t token_id,
                            const char *actor, int64_t now, verr *v);
/* admin_id's tokens, newest first (revoked ones too). */
web_status svc_tokens(sqlite3 *db, int64_t admin_id, svc_token **out,
                      size_t *n);
void svc_tokens_free(svc_token *t, size_t n);

/* -------------------------------------------------------------- readers */

typedef struct svc_org {
  int64_t id;
  char *name;
  char tz[65];
} svc_org;
/* The orgs admin_id belongs to, by id. */
web_status svc_admin_orgs(sqlite3 *db, int64_t admin_id, svc_org **out,
                          size_t *n);
void svc_orgs_free(svc_org *o, size_t n);

typedef struct svc_election_item {
  int64_t id;
  char slug[SVC_SLUG_MAX + 1];
  char *title;
  svc_phase phase;
  int64_t published_at, created_at;
} svc_election_item;
/* The elections admin_id administers (through org_admins), newest
** first. */
web_status svc_admin_elections(sqlite3 *db, int64_t admin_id,
                               svc_election_item **out, size_t *n);
void svc_election_items_free(svc_election_item *e, size_t n);

typedef struct svc_audit_entry {
  int64_t seq, at, election_id; /* election_id 0 = none */
  char actor[64];
  char action[64];
  char *line; /* the stored JSON line */
  char hash[65];
} svc_audit_entry;
/* Entries with seq > after, in seq order, at most limit (1..1000; other
** values are clamped).  election_id > 0 keeps that election's entries
** only; otherwise, with admin_id > 0, the entries admin_id may see: those
** of the elections admin_id administers, and those of no election that
** concern admin_id: the actor is "admin:ID" or one of ID's API tokens
** ("token:N"), or the detail's "admin" is ID; or that concern no
** administrator at all (actor "system" and no "admin" in the detail, such
** as setup_link.issue).  So another organisation's administrator never
** sees your sign-ins or your tokens' labels.  admin_id <= 0 means every
** entry. */
web_status svc_audit_page(sqlite3 *db, int64_t election_id, int64_t admin_id,
                          int64_t after, int limit, svc_audit_entry **out,
                          size_t *n);
/* The same entries as svc_audit_page(db, 0, admin_id, ...) (admin_id > 0),
** newest first: seq < before, at most limit (1..1000, clamped). */
web_status svc_audit_back(sqlite3 *db, int64_t admin_id, int64_t before,
                          int limit, svc_audit_entry **out, size_t *n);
void svc_audit_free(svc_audit_entry *a, size_t n);
/* The last entry's seq and hash (0 and 64 zeros when the log is empty). */
web_status svc_audit_head(sqlite3 *db, int64_t *seq, char hash[65]);

/* ------------------------------------------------------------- internal */

/* Shared by the svc_*.c files above only (not for page modules). */
/* One submitted text field: copies in (NULL = absent) through text_check
** (single-line values are also trimmed of spaces and tabs at both ends)
** into *out (malloc'd; NULL when in is NULL).  Adds "required" (if
** required and the value is absent or empty), "too_long", "bad_utf8" or
** "control" to v on field, naming the field as what ("The title").
** Returns 1 when fine, 0 when an error was added; WEB_ENOMEM shows as
** *out NULL with in non-NULL and a return of 1 (check it). */
int svcs_text(const char *in, size_t max, int multiline, int required,
              const char *field, const char *what, verr *v, char **out);
/* Replaces v's items with the one conflict item (svc_setup.h top). */
void svcs_conflict(verr *v, const char *field, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The stored phase of election_id (WEB_ENOTFOUND if none). */
web_status svcs_phase(sqlite3 *db, int64_t election_id, svc_phase *out);
/* A "phase" conflict when the election's phase is not below limit
** (e.g. PHASE_REVIEW: allowed in setup and nominations); what names the
** thing refused ("Contests"). */
web_status svcs_phase_below(sqlite3 *db, int64_t election_id,
                            svc_phase limit, const char *what, verr *v);
/* audit_append with object "KIND:ID" (kind NULL: none) and the detail
** writer's text (its err checked). */
web_status svcs_audit(sqlite3 *db, int64_t now, const char *actor,
                      const char *action, int64_t election_id,
                      const char *kind, int64_t object_id, const wbuf *detail);
/* Starts an audit detail: b (32 KiB cap) with w inside an open object. */
void svcs_detail_open(wbuf *b, jw *w);
/* Timetable order of at[] (0 = unset): nominations_open <
** nominations_close <= voting_open < voting_close; an "order" error on
** field (or, when NULL, on the later event's name) for each event out of
** order. */
void svcs_order_check(const int64_t at[EV_COUNT], const char *field,
                      verr *v);
/* The id of category slug in election_id: 0 if none, -1 on a database
** error. */
int64_t svcs_category_id(sqlite3 *db, int64_t election_id, const char *slug);
/* The number of rows of election_id in table "contests", "questions",
** "categories" or "branches" (for the SVC_MAX_* caps); -1 on a database
** error or another table. */
int64_t svcs_count(sqlite3 *db, const char *table, int64_t election_id);
/* Column helpers: a malloc'd copy ("" for NULL), and a bounded copy. */
char *svcs_col_dup(sqlite3_stmt *st, int i);
void svcs_col_copy(sqlite3_stmt *st, int i, char *out, size_t cap);
/* Grows an array of elements of size sz for one more (cap doubling, at
** most max elements): 1 on success, 0 (nothing changed) when full or out
** of memory. */
int svcs_grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max);

#endif
