/*
** svc.h: the service's actions and its read model.  svc_* functions are
** the only code that changes the database: each action validates first
** (filling a verr, changing nothing), then runs one db_write whose
** transaction holds the change and its audit row.  The HTML pages
** (p_*.c) and the JSON API (api.c) both call them, so a rule lives in one
** place.
**
** Ownership: structs filled by svc_*_get own their heap strings and are
** released with the matching _free (safe on a zeroed struct).  Readers
** take the calling thread's connection from db_get().
**
** Phases move forward only:
**   setup -> nominations -> review -> voting -> counted -> closed
** The timetable moves setup->nominations at nominations_open and
** nominations->review at nominations_close (and part 2's two moves);
** an administrator may move on early.  Handlers check deadlines inside
** their own transaction as well, so a late clock tick changes nothing.
*/
#ifndef HUS_SVC_H
#define HUS_SVC_H

#include <stdint.h>

#include "web.h"

/* ---------------------------------------------------------------- phases */

typedef enum {
  PHASE_SETUP = 0,
  PHASE_NOMINATIONS,
  PHASE_REVIEW,
  PHASE_VOTING,
  PHASE_COUNTED,
  PHASE_CLOSED,
  PHASE_COUNT
} svc_phase;

const char *svc_phase_name(svc_phase p);       /* "nominations" */
const char *svc_phase_label(svc_phase p);      /* "Nominations open" */
int svc_phase_parse(const char *s, svc_phase *out); /* 1 if known */

/* Timetable events, in order. */
typedef enum {
  EV_NOMINATIONS_OPEN = 0,
  EV_NOMINATIONS_CLOSE,
  EV_VOTING_OPEN,
  EV_VOTING_CLOSE,
  EV_COUNT
} svc_event;
const char *svc_event_name(svc_event e); /* "nominations_open" */
const char *svc_event_label(svc_event e); /* "Nominations open" */

/* ------------------------------------------------------------ read model */

typedef struct svc_election {
  int64_t id, org_id;
  char slug[41];
  char *title;
  char *org_name;
  char tz[65];
  svc_phase phase;
  int word_limit;
  char *declaration_md, *intro_md;
  int64_t published_at; /* 0 = not published */
  int64_t at[EV_COUNT]; /* UTC seconds; 0 = not set */
  char *local[EV_COUNT]; /* wall time as entered, "2027-03-17T17:00" */
  int64_t created_at;
  char candidate_order[12]; /* "random" (per voter) or "published" */
  int publish_ballots;      /* 1: the anonymised BLT is published */
} svc_election;

typedef struct svc_contest {
  int64_t id, election_id;
  char slug[41];
  char *title;
  int position, seats;
  char rules[16];
  int threshold;          /* supporting nominations needed; 0 = none */
  char threshold_kind[8]; /* "branch" or "member" ("" when none) */
} svc_contest;

/* Reads an election by slug (WEB_ENOTFOUND if none). */
web_status svc_election_get(sqlite3 *db, const char *slug, svc_election *out);
web_status svc_election_get_id(sqlite3 *db, int64_t id, svc_election *out);
void svc_election_free(svc_election *e);
/* The contests of an election in position order; *out is malloc'd. */
web_status svc_contests(sqlite3 *db, int64_t election_id, svc_contest **out,
                        size_t *n);
web_status svc_contest_get(sqlite3 *db, int64_t election_id,
                           const char *slug, svc_contest *out);
void svc_contests_free(svc_contest *c, size_t n);
void svc_contest_free(svc_contest *c);

/* 1 if the nomination form takes submissions and edits at now: phase
** nominations and now before nominations_close (when set). */
int svc_nominations_open(const svc_election *e, int64_t now);
/* 1 if the candidates and checklist pages are public: published_at set
** and passed, or phase voting or later. */
int svc_published(const svc_election *e, int64_t now);
/* 1 if admin may administer the election (a member of its org). */
int svc_may_admin(sqlite3 *db, int64_t admin_id, int64_t election_id);

/* -------------------------------------------------------- phase actions */

/* Moves an election forward to phase to (inside the caller's
** transaction): WEB_ECONFLICT if that is not forward, or not the one
** allowed move around voting (review -> voting -> counted; the error on
** field "to" of v when v is not NULL).  Opening voting freezes the
** electorate and issues credentials (svc_vote.h svc_voting_open_in),
** which may refuse; closing queues the count.  Writes phase_changes and
** the audit row "election.phase". */
web_status svc_phase_move(sqlite3 *db, int64_t election_id, svc_phase to,
                          const char *actor, int64_t admin_id, int64_t now,
                          verr *v);
/* Applies every due timetable move (actor "timetable"); returns the next
** deadline after now, or 0 when there is none.  Called by the clock
** thread in serve.c. */
int64_t svc_timetable_tick(int64_t now);

/* ----------------------------------------------------------- nominations */

typedef enum {
  NOM_SUBMITTED = 0,
  NOM_ACCEPTED,
  NOM_REJECTED,
  NOM_WITHDRAWN
} svc_nom_status;
const char *svc_nom_status_name(svc_nom_status s); /* "submitted" */
int svc_nom_status_parse(const char *s, svc_nom_status *out);

typedef struct svc_nomination {
  int64_t id, contest_id, election_id;
  char *name, *email;
  svc_nom_status status;
  char *markdown, *html; /* the statement, and its stored rendering */
  int words;
  int64_t created_at, updated_at;
  char *reason;          /* the latest decision's reason, "" if none */
  int64_t withdrawn_at;  /* 0 unless withdrawn */
  char *withdraw_reason;
} svc_nomination;

web_status svc_nomination_get(sqlite3 *db, int64_t id, svc_nomination *out);
/* By the candidate's private edit token (looked up by its keyed hash). */
web_status svc_nomination_by_token(sqlite3 *db, const char *token,
                                   svc_nomination *out);
void svc_nomination_free(svc_nomination *n);

/* Withdraws a nomination (its own db_write): by the candidate
** (admin_id 0) or an administrator (with a reason).  WEB_ECONFLICT if it
** is already withdrawn or rejected.  Audited "nomination.withdraw". */
web_status svc_nomination_withdraw(int64_t id, int64_t admin_id,
                                   const char *reason, const char *actor,
                                   int64_t now);
/* Accepts, rejects or reopens a nomination (its own db_write).  decision:
** "accept", "reject" or "reopen"; a reason is required to reject or
** reopen (field "reason" in v).  Allowed in phases nominations and
** review (WEB_ECONFLICT otherwise, or when the nomination is withdrawn,
** or the decision would not change its status).  Audited
** "nomination.accept" / ".reject" / ".reopen". */
web_status svc_nomination_decide(int64_t id, const char *decision,
                                 const char *reason, int64_t admin_id,
                                 const char *actor, int64_t now, verr *v);

#endif
