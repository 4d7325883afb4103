/*
** svc_vote.h: part 2 of the election service, the ballot
** (docs/design/ballot.md): the electorate frozen when voting opens, voting
** credentials, the ballot paper, the cast transaction, reminders and
** reissues, turnout, and the codes and keys they rest on.
**
** Files: cred.c (codes, receipts, keyed hashes, the election signing key:
** pure apart from libsodium), svc_vote.c (the actions and readers),
** ballot_read.c (the ranking form's rules: pure), results.c (count and
** publication), mail.c (the outbox sender).
**
** Ownership: structs filled here own their heap memory and are released
** with the matching _free (safe on a zeroed struct).  Readers take the
** calling thread's connection from db_get() (or the db passed in);
** actions run their own db_write, except the *_in functions, which run
** inside the caller's transaction.
**
** Secrecy (ballot.md §2): nothing here stores a time, sequence or voter
** with a ballot or receipt; no reader returns one person's voting state
** (turnout is aggregate only); a cast writes no audit row.
*/
#ifndef HUS_SVC_VOTE_H
#define HUS_SVC_VOTE_H

#include <stdint.h>

#include "svc.h"
#include "web.h"

/* ------------------------------------------------------------- cred.c */

#define CRED_RAW 16     /* a voting credential: 128 random bits */
#define CRED_TEXT 27    /* 26 Crockford base32 characters + NUL */
#define CRED_GROUPED 33 /* "K7QF-M2ZD-9XWA-3HTN-B4C8-R6PJ-5E" + NUL */
#define RECEIPT_TEXT 20 /* "K7QF-M2ZD-9XWA-3HTN" (80 bits) + NUL */

/* A new credential: raw random bytes and their canonical text (upper-case
** Crockford base32, no separators). */
void cred_new(unsigned char raw[CRED_RAW], char text[CRED_TEXT]);
/* Parses a code leniently: case, spaces and hyphens ignored, O->0,
** I/L->1.  Returns 1 and fills raw when it is exactly 26 symbols encoding
** 128 bits (the two spare bits zero), else 0. */
int cred_parse(const char *s, unsigned char raw[CRED_RAW]);
/* The canonical text of raw (the inverse of cred_parse). */
void cred_text(const unsigned char raw[CRED_RAW], char text[CRED_TEXT]);
/* text in groups of four for reading aloud or printing. */
void cred_grouped(const char text[CRED_TEXT], char out[CRED_GROUPED]);
/* The stored form: BLAKE2b-256 keyed with auth_key over
** "hustings credential v1" followed by raw. */
void cred_hash(const unsigned char raw[CRED_RAW], unsigned char out[32]);
/* A receipt code: 80 random bits as 16 Crockford symbols in groups of
** four, "K7QF-M2ZD-9XWA-3HTN". */
void receipt_new(char out[RECEIPT_TEXT]);
/* The election's Ed25519 key pair, derived from auth_key and salt
** (ballot.md §7.4): seed = BLAKE2b-256(key = auth_key,
** "hustings election signing key v1" || salt).  sk may be NULL (only pk
** wanted); the caller sodium_memzero()s sk after use. */
void elkey_derive(const unsigned char salt[16], unsigned char pk[32],
                  unsigned char sk[64]);
/* The key's fingerprint for people: the first 16 bytes of
** SHA-256(pk) in hex, in groups of four ("806d 1a9f ..."): 39 chars. */
void elkey_fingerprint(const unsigned char pk[32], char out[40]);

/* ------------------------------------------------- the electorate preview */

typedef struct svc_vote_preview_contest {
  int64_t contest_id;
  char slug[41];
  char *title;
  int64_t eligible; /* electors who may vote in it */
  int64_t candidates; /* accepted (not withdrawn) nominations */
} svc_vote_preview_contest;

typedef struct svc_vote_preview {
  int64_t n_orgs, n_voters, n_electors, n_merged;
  int64_t n_no_email; /* electors who need a letter (post delivery) */
  int64_t n_shared;   /* addresses shared by two voters of one org */
  svc_vote_preview_contest *contest;
  size_t n_contests;
} svc_vote_preview;

/* What opening voting now would freeze.  Reads the rolls (svc_roll.h). */
web_status svc_vote_preview_get(sqlite3 *db, int64_t election_id,
                                svc_vote_preview *out);
void svc_vote_preview_free(svc_vote_preview *p);

/* -------------------------------------------------------- open and close */

/* Opens voting inside the caller's transaction (svc_phase_move calls it
** on review -> voting; never call it directly elsewhere): checks that
** every contest has an accepted candidate, that the electorate is not
** empty, that the ballot has at most 380 candidate fields in all, and
** that each minimum constraint can be met (WEB_ECONFLICT, with the reason
** on field "to" of v when v is not NULL: codes "no_candidates",
** "empty_electorate", "ballot_too_large", "constraints_infeasible"); then
** writes ballot_candidates (numbers in name order), electors and
** elector_sources from svc_roll_electorate, the election key (salt and
** public key), a credential for every elector with an email and its
** message in the outbox (kind 'credential'), and the audit row
** "voting.open" {electors, by_email, by_post, key}. */
web_status svc_voting_open_in(sqlite3 *db, int64_t election_id,
                              const char *actor, int64_t now, verr *v);
/* Closes voting inside the caller's transaction (svc_phase_move on
** voting -> counted): results rows 'pending' per contest, the audit row
** "voting.close" {electors, voted, receipts}.  The count itself runs
** later on the clock thread (svc_results_tick in results.c). */
web_status svc_voting_close_in(sqlite3 *db, int64_t election_id,
                               const char *actor, int64_t now);

/* ------------------------------------------------------------ the ballot */

typedef enum {
  CRED_OK = 0,   /* the ballot may be cast */
  CRED_UNKNOWN,  /* no such code (or malformed) */
  CRED_USED,     /* this link was used to vote */
  CRED_REPLACED, /* a newer link was issued */
  CRED_VOTED,    /* a vote was cast with this person's voting right */
  CRED_REMOVED,  /* no longer on the roll */
  CRED_NOT_OPEN, /* voting has not opened */
  CRED_CLOSED    /* voting has closed */
} cred_state;

typedef struct svc_bcand {
  int64_t nomination_id;
  int number;              /* on the BLT: 1..n in name order */
  char *name;
  char *statement_html;    /* the stored rendering (safe HTML) */
  char *categories;        /* "Woman, BAME" or "" */
  int withdrawn;           /* withdrawn during voting */
  char *withdraw_reason;   /* "" when none */
} svc_bcand;

typedef struct svc_bcontest {
  int64_t id;
  char slug[41];
  char *title;
  int seats;
  svc_bcand *cand; /* in this voter's order (random or published) */
  size_t n;
} svc_bcontest;

typedef struct svc_ballot {
  svc_election e;
  cred_state state;
  int64_t elector_id;
  unsigned char cred_hash[32];
  svc_bcontest *c; /* the contests this elector may vote in, by position */
  size_t n;
  char key_fingerprint[40]; /* the election key's, "" if none */
} svc_ballot;

/* Loads the ballot for a code (as typed or from the link).  A malformed or
** unknown code gives WEB_OK with state CRED_UNKNOWN and nothing else
** filled but e when the election is known.  state other than CRED_OK
** leaves c empty.  WEB_EDB/ENOMEM on failure. */
web_status svc_ballot_load(sqlite3 *db, const char *code, int64_t now,
                           svc_ballot *out);
void svc_ballot_free(svc_ballot *b);

/* One contest's ranking as read from the form (ballot_read.c). */
typedef struct ballot_choice {
  int64_t contest_id;
  int64_t *order;   /* nomination ids, best first; n may be 0 (blank) */
  size_t n;
  int gap_closed;   /* numbers skipped were closed up */
  int has_withdrawn; /* ranks a candidate withdrawn during voting */
} ballot_choice;

/* Reads the ranking fields "r.{contest_id}.{nomination_id}" of f against
** b (pure).  Empty fields are unranked; spaces around digits are
** trimmed.  Errors go to v on the field "r.C.N" (codes not_a_number,
** out_of_range, duplicate: on each field concerned) or "contest.C"
** (not_eligible: a field for a contest not on this ballot), and the
** answer is WEB_EINVALID.  A field naming a candidate not in the contest
** is not_eligible on "contest.C".  Fields other than r.* are ignored.  On
** WEB_OK *out holds one choice per contest of b (in b's order), n = b->n. */
web_status ballot_read(const form *f, const svc_ballot *b,
                       ballot_choice **out, size_t *n, verr *v);
void ballot_choices_free(ballot_choice *c, size_t n);

/* Casts: one db_write that marks the credential used and the elector
** voted, stores one ballot per contest with a ranking (a random 16-byte
** key, no time) and a receipt, or does nothing.  Re-checks inside the
** transaction: state (WEB_ECONFLICT with *state set: CRED_USED,
** CRED_REPLACED, CRED_VOTED, CRED_REMOVED, CRED_NOT_OPEN, CRED_CLOSED)
** and eligibility (WEB_EINVALID, "contest.C" not_eligible in v).  On
** WEB_OK receipt holds the code.  No audit row. */
web_status svc_cast(const svc_ballot *b, const ballot_choice *c, size_t n,
                    int64_t now, char receipt[RECEIPT_TEXT],
                    cred_state *state, verr *v);

/* ---------------------------------------------- credentials, reminders */

/* New codes for the electors in scope ("post": those without email, or
** "all"), in one db_write: each live credential is superseded, a new one
** (via 'export') stored.  Writes CSV to csv, header
** "org,member_no,name,email,code,link,contests"; cells that start with
** = + - @ get a ' prefix.  Audited "credentials.export" {scope, count}.
** WEB_ECONFLICT unless the election is in voting. */
web_status svc_credentials_export(int64_t election_id, const char *scope,
                                  const char *actor, int64_t now, wbuf *csv,
                                  verr *v);
/* Queues a new credential and a reminder for every elector with email who
** has not voted (the selection happens inside the transaction; only the
** count leaves it).  Audited "reminders.queue" {count}. */
web_status svc_remind(int64_t election_id, const char *actor, int64_t now,
                      int64_t *queued);
/* Reissues one elector's credential: the old one stops working.  With
** code_out NULL the new link is mailed (kind 'reissue'; WEB_EINVALID on
** field "deliver" when the elector has no email), else the code is
** written there to be shown once.  Behaves the same whether or not the
** person voted.  Audited "elector.reissue" {elector}. */
web_status svc_reissue(int64_t election_id, int64_t elector_id,
                       const char *actor, int64_t now,
                       char code_out[CRED_TEXT], verr *v);

/* An elector as administrators may see them: no voting state. */
typedef struct svc_elector_row {
  int64_t id;
  char *name, *email, *member_nos; /* "NSN 1043; EL 77" */
  char *tags;                      /* "bame woman" */
  int post;                        /* no email: needs a letter */
  int removed;
} svc_elector_row;
/* Searches the electors of an election by member number, name or email
** (case-insensitive substring; q "" lists from the start), at most limit
** rows (1..200) from offset. */
web_status svc_electors_find(sqlite3 *db, int64_t election_id,
                             const char *q, int limit, int offset,
                             svc_elector_row **out, size_t *n);
void svc_elector_rows_free(svc_elector_row *r, size_t n);

/* Aggregate turnout: electors, voted, and per contest eligible and
** ballots.  Never one person's state. */
typedef struct svc_turnout_contest {
  int64_t contest_id;
  char slug[41];
  char *title;
  int64_t eligible, ballots;
} svc_turnout_contest;
typedef struct svc_turnout {
  int64_t electors, voted, receipts;
  int64_t outbox_queued, outbox_sent, outbox_failed;
  svc_turnout_contest *contest;
  size_t n;
} svc_turnout;
web_status svc_turnout_get(sqlite3 *db, int64_t election_id,
                           svc_turnout *out);
void svc_turnout_free(svc_turnout *t);

/* The election's public key (WEB_ENOTFOUND before voting opens). */
web_status svc_election_key(sqlite3 *db, int64_t election_id,
                            unsigned char pk[32]);

/* 1 if an elector with tags (" a b ", space-framed) may vote in the
** contest: it has no eligibility tags, or the elector has any of them.
** elig is the contest's tags space-framed the same way (" " for none). */
int svc_tags_match(const char *elector_tags, const char *elig);

/* ------------------------------------------------------------- internal */

/* Shared by svc_vote.c, svc_cred.c and svc_cast.c only. */
/* What a credential's message needs, loaded once per batch. */
typedef struct svcv_mailctx {
  const svc_election *e;
  char close_label[64];  /* "Wed 24 March 2027, 17:00 GMT" or "" */
  char fingerprint[40];  /* the election key's */
  size_t n;              /* the contests, in position order: */
  int64_t *contest_id;
  char **title;
  char **elig;           /* " bame woman " or " " (open to all) */
} svcv_mailctx;
web_status svcv_mailctx_load(sqlite3 *db, const svc_election *e,
                             svcv_mailctx *m);
void svcv_mailctx_free(svcv_mailctx *m);
/* Inside a transaction: supersedes the elector's live credential, stores
** a new one (via: "open", "export", "reissue", "reminder") and, when kind
** is not NULL ("credential", "reminder", "reissue"), queues its message
** to the elector's email.  code gets the new code's text. */
web_status svcv_issue(sqlite3 *db, const svcv_mailctx *m, int64_t elector_id,
                      const char *via, const char *kind, int64_t now,
                      char code[CRED_TEXT]);
/* " a b " from the contest's eligibility tags (" " when open to all);
** malloc'd. */
web_status svcv_contest_elig(sqlite3 *db, int64_t contest_id, char **out);

/* -------------------------------------------------------------- results */

/* Clock thread (results.c): counts every pending contest of every
** election in phase counted, stores each result (state done or failed),
** and once none of an election's contests is pending publishes its pack
** (signed) and clears its credentials.  Returns the number of contests
** counted plus packs published (0 when idle). */
int svc_results_tick(int64_t now);

#endif
