/*
** svc_nominate.h: the candidates' side of nominations (svc_nominate.c):
** what an election asks of a candidate, submitting and editing a
** nomination through its private link, withdrawing it, and branches'
** supporting nominations through their private links
** (docs/design/service.md §7).  svc.h declares the nomination read model
** and svc_nomination_withdraw, which svc_nominate.c implements too.
**
** Conventions (as svc.h and svc_setup.h):
**  - Validation comes first and changes nothing: errors go into v
**    (cleared first) and the action returns WEB_EINVALID.  Then one
**    db_write holds the change and its audit row; the phase and the
**    nominations_close deadline are checked again inside it, so a
**    nomination sent one second after close is refused (WEB_ECONFLICT)
**    even if the clock thread is late.
**  - WEB_ECONFLICT fills v (when given) with exactly one item whose code
**    is the API's 409 code: "nominations_closed", "not_editable",
**    "withdrawn", "phase".
**  - Field names (verr fields, which are also the form's field names):
**      "name", "email", "statement",
**      "answers.ID" (value "yes" or "no") and "comments.ID" for question
**      ID, "categories" (one value per category slug chosen),
**      "declaration" (value "yes").
**  - Audit details never hold a token or an email; statements appear as
**    their BLAKE2b-256 hash (hex, unkeyed, of the stored Markdown).
**
** Private links.  A nomination's edit token (auth_token_new, 43 chars) is
** made before the transaction, stored only as auth_token_hash in
** nominations.edit_hash, and handed to the caller once.  The only other
** copy is the email queued in the `outbox` table in the same transaction
** (its body must hold the link; a sender should blank it after sending).
** Branch links are made by svc_branch_create (svc_setup.h).
**
** Ownership: structs filled here own their heap memory and are released
** with the matching _free (safe on a zeroed struct).  Readers take the
** connection they are given (db_get()'s).
*/
#ifndef HUS_SVC_NOMINATE_H
#define HUS_SVC_NOMINATE_H

#include <stddef.h>
#include <stdint.h>

#include "svc.h"
#include "svc_setup.h"

#define NOM_NAME_MAX 200
#define NOM_EMAIL_MAX 254
/* A statement's bytes of Markdown.  Fixed, not a multiple of the word
** limit: it is what the 64 KiB form body (FORM_BODY_MAX) can carry when
** every byte is percent-encoded, as non-ASCII text is (3 bytes each),
** with the other fields beside it; svc_nominate.c checks that at compile
** time.  2000 words (SVC_WORDS_MAX) of English take about 12,000 bytes;
** text in Greek or Cyrillic takes two bytes a letter, so a statement
** there reaches this cap at about 1,300 words: the form's hint says so
** and the field's error names the cap in bytes. */
#define NOM_STATEMENT_MAX 20000
#define NOM_COMMENT_MAX 1000
#define NOM_REASON_MAX 2000
#define NOM_MAX_QUESTIONS SVC_MAX_QUESTIONS
#define NOM_MAX_CATEGORIES SVC_MAX_CATEGORIES

/* ------------------------------------------------------ what is asked */

/* The contest, the election's checklist questions (position order) and
** its categories (slug order). */
typedef struct svc_nom_spec {
  svc_contest contest;
  svc_question *q;
  size_t nq;
  svc_category *cat;
  size_t ncat;
} svc_nom_spec;

/* By the contest's slug within election_id, or by the contest's id
** (which must belong to election_id).  WEB_ENOTFOUND if no such contest. */
web_status svc_nom_spec_get(sqlite3 *db, int64_t election_id,
                            const char *contest_slug, svc_nom_spec *out);
web_status svc_nom_spec_get_id(sqlite3 *db, int64_t election_id,
                               int64_t contest_id, svc_nom_spec *out);
void svc_nom_spec_free(svc_nom_spec *s);

/* ------------------------------------------------------ what is given */

enum { NOM_ANS_NONE = 0, NOM_ANS_YES, NOM_ANS_NO, NOM_ANS_BAD };

/* A candidate's answers, parallel to a spec: answer[i] and comment[i]
** answer spec->q[i]; cat_on[j] says spec->cat[j] was chosen.  Strings
** are malloc'd copies (comment[i] NULL when none was sent) that
** svc_nom_validate normalises in place (text_check: CR LF -> LF; the
** name and email are also trimmed of spaces and tabs). */
typedef struct svc_nom_input {
  char *name, *email, *statement;
  size_t name_len, email_len, statement_len;
  size_t nq;
  unsigned char *answer; /* NOM_ANS_* */
  char **comment;
  size_t *comment_len;
  size_t ncat;
  unsigned char *cat_on;
  int cat_unknown; /* a category slug not of this election was sent */
  int declaration; /* 1 when agreed */
  size_t words;    /* words_count of the statement (svc_nom_validate) */
} svc_nom_input;

/* From a parsed form (the field names above); fields that are absent are
** empty.  WEB_ENOMEM or WEB_OK. */
web_status svc_nom_input_from_form(const form *f, const svc_nom_spec *s,
                                   svc_nom_input *in);
/* The stored answers of nomination id, for the edit form (declaration is
** set: it was agreed to when submitting). */
web_status svc_nom_input_load(sqlite3 *db, int64_t id, const svc_nom_spec *s,
                              svc_nom_input *in);
void svc_nom_input_free(svc_nom_input *in);

/* 1 if s[0..n) is an address of the form local@domain: at most 254
** bytes, one '@', a local part of 1..64 bytes and a domain of labels
** joined by dots (at least two), no spaces or controls, no quotes or
** angle brackets. */
int svc_email_valid(const char *s, size_t n);

/* Checks in against the election (word_limit, declaration) and the spec,
** normalising its text in place and setting in->words.  Pure: no
** database.  WEB_OK, or WEB_EINVALID with v filled (codes "required",
** "too_long", "bad_utf8", "control", "bad_email", "too_many_words",
** "invalid", "not_allowed"), or WEB_ENOMEM. */
web_status svc_nom_validate(const svc_election *e, const svc_nom_spec *s,
                            svc_nom_input *in, verr *v);

/* -------------------------------------------------------------- actions */

/* Submits a new nomination to s->contest: validates, renders the
** statement (md_render), makes the private token, then in one db_write
** (after checking that nominations are open at now) inserts the
** nomination, statement, answers and categories, appends the audit entry
** "nomination.submit" (actor "candidate:ID"; detail contest, name,
** statement hash, words) and queues the email with the link
** web_cfg.base_url + "/n/" + token in outbox.  On WEB_OK *id and token
** are set (the token is nowhere else but in that email).  WEB_ECONFLICT
** "nominations_closed" when closed. */
web_status svc_nomination_submit(const svc_election *e, const svc_nom_spec *s,
                                 svc_nom_input *in, int64_t now, verr *v,
                                 int64_t *id, char token[TOKEN_LEN + 1]);

/* 1 if nomination n may still be edited by its candidate: status
** submitted and svc_nominations_open(e, now). */
int svc_nomination_editable(const svc_election *e, const svc_nomination *n,
                            int64_t now);
/* 1 if it may still be withdrawn: status submitted or accepted, and the
** election in phase nominations or review. */
int svc_nomination_withdrawable(const svc_election *e,
                                const svc_nomination *n);

/* Replaces nomination id's name, email, statement, answers and
** categories (s must be its contest's spec), in one db_write that checks
** again that it is editable ("not_editable" / "nominations_closed").
** Audited "nomination.edit" with the old and new statement hashes. */
web_status svc_nomination_edit(int64_t id, const svc_election *e,
                               const svc_nom_spec *s, svc_nom_input *in,
                               int64_t now, const char *actor, verr *v);

/* ------------------------------------------------------------- support */

/* A branch reached through its private link /s/TOKEN. */
typedef struct svc_support_branch {
  int64_t id, election_id;
  char *name;
} svc_support_branch;
web_status svc_support_branch_by_token(sqlite3 *db, const char *token,
                                       svc_support_branch *out);
void svc_support_branch_free(svc_support_branch *b);

/* One nominee with their supporting nominations: count is the active
** supporters of the contest's threshold_kind (every source); mine says
** branch_id (when > 0) is one of them. */
typedef struct svc_support_row {
  int64_t nomination_id;
  char *name;
  svc_nom_status status;
  int count, threshold, reached, mine;
} svc_support_row;
/* The submitted and accepted nominations of contest_id, by name. */
web_status svc_support_list(sqlite3 *db, int64_t contest_id,
                            int64_t branch_id, svc_support_row **out,
                            size_t *n);
void svc_support_free(svc_support_row *r, size_t n);
/* Active supporters of nomination id of its contest's threshold_kind; -1
** on a database error. */
int svc_support_count(sqlite3 *db, int64_t id);

/* 1 while branches may change their support: phase nominations or
** review. */
int svc_support_open(const svc_election *e);

/* Sets the support of the branch behind token to exactly the nominations
** in ids[0..n) among those it may support: the submitted and accepted
** nominations of its election's contests whose threshold_kind is
** "branch" and threshold > 0 (the contests the branch's page lists).  Ids outside that set are ignored; eligible nominations not
** in ids lose this branch's support (if they had it).  One supporter row
** per branch per nomination (the unique index supporters_one_branch):
** supporting twice changes nothing.  Each change is audited in the same
** transaction, "support.add" / "support.revoke" (actor "branch:ID",
** object "nomination:ID").  *changes gets the number of changes (may be
** NULL).  WEB_ENOTFOUND for an unknown token, WEB_ECONFLICT "phase"
** outside nominations and review. */
web_status svc_support_set(const char *token, const int64_t *ids, size_t n,
                           int64_t now, int *changes, verr *v);

#endif
