/*
** svc_review.h: the administrators' side of nominations (svc_review.c):
** decisions (svc_nomination_decide, declared in svc.h), supporters
** recorded by an administrator, a new private edit link, and the read
** models of the nominations queue, of one nomination in full, and of the
** publication pages (candidates, checklist).
**
** Conventions (as svc_setup.h):
**  - Actions validate first: errors go into v (cleared first: v->n = 0)
**    and the action returns WEB_EINVALID, changing nothing.  Then one
**    db_write holds the change and its audit row; rules that depend on
**    the stored state are checked inside that transaction.
**  - WEB_ECONFLICT fills v with exactly one item: its code is the API's
**    409 code ("phase", "already_decided", "withdrawn", "duplicate",
**    "revoked"), its msg a sentence for people, its field the field
**    concerned or "".
**  - WEB_ENOTFOUND: no such nomination (or supporter of it).  Access
**    (svc_may_admin on the nomination's election) is the caller's check.
**  - Submitted strings are borrowed and checked with text_check on a copy.
**  - Audit details never hold a token or an email.
**
** Ownership: structs filled by the readers own their heap memory and are
** released with the matching _free (safe on a zeroed struct).  Readers
** take the connection they are given (db_get()'s).
*/
#ifndef HUS_SVC_REVIEW_H
#define HUS_SVC_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "svc.h"
#include "svc_setup.h"

#define REVIEW_REASON_MAX 2000 /* decisions.reason, withdrawal reasons */
#define REVIEW_MEMBER_REF_MAX 100
#define REVIEW_NOTE_MAX 500

/* ------------------------------------------------------------ supporters */

typedef struct svc_review_sup_in {
  const char *kind;       /* "branch" or "member" */
  const char *branch;     /* kind branch: a branch name of the election */
  const char *member_ref; /* kind member: number or name, 1..100 bytes */
  const char *note;       /* optional, one line, <= REVIEW_NOTE_MAX bytes */
} svc_review_sup_in;

/* Records a supporting nomination by an administrator (source 'admin').
** Fields in v: "kind", "branch" (also "unknown": no such branch in the
** election), "member_ref", "note".  Allowed in phases nominations and
** review ("phase"), not for a withdrawn nomination ("withdrawn").  The
** same branch, or the same member reference (compared without ASCII
** case), twice while the first is not revoked: "duplicate" (the unique
** index supporters_one_branch backs this for branches).  *sid gets the
** new supporter's id (sid may be NULL).  Audited "support.add" (object
** "nomination:ID"). */
web_status svc_review_supporter_add(int64_t nomination_id,
                                    const svc_review_sup_in *in,
                                    const char *actor, int64_t now,
                                    int64_t *sid, verr *v);
/* Revokes supporter sid of nomination_id (sets revoked_at): WEB_ENOTFOUND
** if sid is not one of that nomination's, "revoked" if it already is,
** "phase" outside nominations and review.  Audited "support.revoke". */
web_status svc_review_supporter_revoke(int64_t nomination_id, int64_t sid,
                                       const char *actor, int64_t now,
                                       verr *v);

/* Issues a new private edit link: a new token whose keyed hash replaces
** nominations.edit_hash (the old link stops working), an email to the
** candidate with base_url + "/n/" + token queued in outbox, and audit
** "nomination.link" (detail {"outbox":ID}; never the token).  token gets
** the new token, to show once ("" on failure).  Any phase and status. */
web_status svc_review_new_link(int64_t id, const char *base_url,
                               const char *actor, int64_t now,
                               char token[TOKEN_LEN + 1]);

/* ----------------------------------------------------------- read model */

typedef struct svc_review_answer {
  char answer[4]; /* "yes", "no", or "" (no answer) */
  char *comment;  /* "" when none */
} svc_review_answer;

typedef struct svc_review_supporter {
  int64_t id;
  char kind[8];    /* "branch" / "member" */
  char *label;     /* the branch's name or the member reference */
  char *note;
  char source[16]; /* "admin" / "branch_link" */
  int64_t at, revoked_at; /* revoked_at 0 = it counts */
} svc_review_supporter;

typedef struct svc_review_decision {
  int64_t id;
  char decision[8]; /* "accept" / "reject" / "reopen" */
  char *reason;
  int64_t admin_id;
  char *admin_name;
  int64_t at;
} svc_review_decision;

/* A nomination's support toward its contest's threshold: supporters not
** revoked and of the contest's threshold_kind (of any kind when the
** contest has none).  reached: threshold 0, or count >= threshold. */
typedef struct svc_review_support {
  int count, threshold;
  char kind[8]; /* the contest's threshold_kind, "" when none */
  int reached;
} svc_review_support;

/* One line of the nominations queue. */
typedef struct svc_review_item {
  int64_t id, contest_id;
  char *name;
  svc_nom_status status;
  int words;
  svc_review_support support;
  int64_t created_at, updated_at;
  /* only with svc_review_queue(..., full = 1): */
  svc_category *cats;
  size_t ncats;
  svc_review_answer *answers; /* answers[i] answers the i-th question of
                                 the election (svc_questions order) */
  size_t nanswers;
} svc_review_item;

/* The nominations of an election: by contest position, then those that
** have reached their threshold before those that have not, then oldest
** first.  status < 0 for every status, else only that svc_nom_status.
** full also loads categories and answers (the API's list). */
web_status svc_review_queue(sqlite3 *db, int64_t election_id, int status,
                            int full, svc_review_item **out, size_t *n);
void svc_review_queue_free(svc_review_item *v, size_t n);

/* Everything about one nomination, for /admin/n/{id} and the API. */
typedef struct svc_review_nom {
  svc_nomination n; /* svc_nomination_get's */
  svc_contest contest;
  svc_question *questions; /* the election's, in order */
  svc_review_answer *answers; /* answers[i] answers questions[i] */
  size_t nquestions;
  svc_category *cats;
  size_t ncats;
  svc_review_supporter *sup; /* every one, revoked too, oldest first */
  size_t nsup;
  svc_review_support support;
  svc_review_decision *dec; /* oldest first */
  size_t ndec;
  char withdrawn_by[16]; /* "candidate" / "admin" / "" */
} svc_review_nom;

web_status svc_review_get(sqlite3 *db, int64_t id, svc_review_nom *out);
void svc_review_nom_free(svc_review_nom *d);

/* ----------------------------------------------------------- publication */

typedef struct svc_pub_candidate {
  int64_t id;
  char *name;
  svc_nom_status status; /* NOM_ACCEPTED or NOM_WITHDRAWN */
  char *html;            /* the stored statement rendering (cmark, safe) */
  int words;
  svc_category *cats;
  size_t ncats;
  svc_review_answer *answers; /* answers[i] answers questions[i] */
  int64_t withdrawn_at;
} svc_pub_candidate;

typedef struct svc_pub_contest {
  svc_contest c;
  svc_constraint *cons;
  size_t ncons;
  char **tags; /* eligibility tags */
  size_t ntags;
  svc_pub_candidate *cand; /* the accepted by name, then the withdrawn by
                              date of withdrawal */
  size_t ncand, naccepted;
} svc_pub_contest;

typedef struct svc_publication {
  svc_question *questions;
  size_t nquestions;
  svc_pub_contest *contests;
  size_t ncontests;
} svc_publication;

/* The public candidates of an election: accepted nominations, and
** withdrawn ones whose last decision was "accept" (they had been
** candidates); never submitted or rejected ones, nor nominations
** withdrawn before being accepted.  Whether the pages are public
** (svc_published) is the caller's check. */
web_status svc_publication_get(sqlite3 *db, int64_t election_id,
                               svc_publication *out);
void svc_publication_free(svc_publication *p);

#endif
