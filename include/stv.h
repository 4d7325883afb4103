/*
** stv.h: the public interface of libstv, the counting library of hustings.
**
** libstv reads ballots (BLT, rank-column CSV, or built up by calls), counts
** them under a named rule set with exact fixed-point arithmetic, and writes
** the result as a count sheet (text, JSON or CSV) to a caller's sink.  It
** never prints, never exits and never owns main(); the hustings command and
** the web service are thin clients of this header.
**
** Ownership, stated once:
**   - Every handle (stv_election, stv_options, stv_result) is created by a
**     stv_*_create/_load/_count function and released by its stv_*_free;
**     freeing NULL is a harmless no-op.
**   - Strings passed in are copied; the library keeps no caller pointer.
**   - Strings returned by accessors are owned by the handle and live until it
**     is freed.
**   - A stv_error is caller-owned plain data; on failure the library fills it
**     with the place and the reason (file:line:col: expected ...).
**
** Every function that can fail returns a stv_status; STV_OK is zero.
*/
#ifndef STV_H
#define STV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One status enum for the whole library; stv_strerror() names each. */
typedef enum stv_status {
  STV_OK = 0,
  STV_ENOMEM,       /* an allocation failed */
  STV_EIO,          /* a file could not be opened or read */
  STV_ESYNTAX,      /* the input does not follow its format */
  STV_ELIMIT,       /* the input exceeds a built-in limit (see STV_MAX_*) */
  STV_EINVAL,       /* an argument or option value is not acceptable */
  STV_EOVERFLOW,    /* a vote total left the range of the fixed-point type */
  STV_EUNSUPPORTED, /* the option is not available for this rule set/build */
  STV_EBALLOT,      /* no valid ballot is left to count */
  STV_ECONSTRAINT,  /* the constraints cannot be met (or held candidates
                       cannot all be elected) */
  STV_LAST          /* never returned */
} stv_status;

const char *stv_strerror(stv_status st);

/* Where and why something failed.  file is the name given to the reader
** ("-" for standard input); line and col are 1-based, 0 when not known. */
typedef struct stv_error {
  char file[256];
  long line;
  long col;
  char msg[256];
} stv_error;

/* Built-in limits: input beyond them is rejected with STV_ELIMIT. */
#define STV_MAX_CANDIDATES 1000
#define STV_MAX_SEATS 999
#define STV_MAX_LINE (1L << 20)        /* bytes in one input line */
#define STV_MAX_NAME 512               /* bytes in one candidate name */
#define STV_MAX_BALLOTS 100000000L     /* distinct ballots after merging */
#define STV_MAX_WEIGHT 1000000000000LL /* weight of one ballot line */

/* Tokens inside a ranking passed to stv_election_add_ballot(). */
#define STV_RANK_SKIP (-1) /* a skipped preference ("-" in BLT) */
#define STV_RANK_EQ (-2)   /* the next candidate shares the previous rank */

/* ---------------------------------------------------------------------- */
/* Allocation.  All library memory goes through one function that tests can
** replace to fail the N-th allocation.  fn(ud, p, 0) frees p; fn(ud, p, n)
** is realloc.  Passing fn = NULL restores the default.  Not thread-safe:
** set it before any handle exists. */
typedef void *(*stv_alloc_fn)(void *ud, void *p, size_t n);
void stv_set_allocator(stv_alloc_fn fn, void *ud);

/* ---------------------------------------------------------------------- */
/* Elections: candidates, seats, title and aggregated ballots.  Identical
** rankings are merged on load, so memory grows with distinct ballots. */
typedef struct stv_election stv_election;

stv_status stv_election_create(stv_election **out);
void stv_election_free(stv_election *e);

/* Read a BLT file (path "-" reads standard input). */
stv_status stv_election_read_blt(const char *path, stv_election **out,
                                 stv_error *err);
/* Parse BLT text held in memory; name is used in error messages. */
stv_status stv_election_parse_blt(const char *data, size_t len,
                                  const char *name, stv_election **out,
                                  stv_error *err);
/* Read a rank-column CSV: a header row, one row per ballot, one column per
** rank holding candidate names, and an optional column headed "weight".
** Candidates are numbered in order of first appearance unless the header
** names them (see docs/formats.md).  seats >= 1 sets the seats; 0 takes
** them from a '# hustings: seats=N' line, or leaves them unset. */
stv_status stv_election_read_csv(const char *path, int seats,
                                 stv_election **out, stv_error *err);
stv_status stv_election_parse_csv(const char *data, size_t len,
                                  const char *name, int seats,
                                  stv_election **out, stv_error *err);

/* Building by calls.  Candidates are numbered from 1 in the order added,
** before or after ballots. */
stv_status stv_election_add_candidate(stv_election *e, const char *name);
stv_status stv_election_set_seats(stv_election *e, int seats);
stv_status stv_election_set_title(stv_election *e, const char *title);
/* Marks candidate number c (1-based) as withdrawn before the count. */
stv_status stv_election_withdraw(stv_election *e, int c);
/* Adds weight identical ballots.  ranking holds n tokens: candidate numbers
** (1-based), STV_RANK_SKIP, or STV_RANK_EQ between two candidates. */
stv_status stv_election_add_ballot(stv_election *e, int64_t weight,
                                   const int *ranking, size_t n);

int stv_election_candidates(const stv_election *e);
int stv_election_seats(const stv_election *e);
const char *stv_election_title(const stv_election *e);
const char *stv_election_name(const stv_election *e, int c); /* 1-based */
int stv_election_is_withdrawn(const stv_election *e, int c);
int64_t stv_election_ballots(const stv_election *e);   /* papers, summed */
int64_t stv_election_distinct(const stv_election *e);  /* after merging */

/* Reading the ballots back, and writing an election out (docs/convert.md).
** stv_election_seats() is 0 when the number of seats is not set: the CSV
** readers, given seats 0, take it from a '# hustings: seats=N' line and
** leave it unset if there is none (docs/formats.md). */
#define STV_MAX_RANKING 65535 /* tokens in one ranking */

/* Distinct ballot i (0 <= i < stv_election_distinct(e), in the order first
** met): *weight receives its weight (the identical ballots merged into it,
** summed) and ranking[0..cap) its tokens as stv_election_add_ballot takes
** them: candidate numbers from 1, STV_RANK_SKIP, and STV_RANK_EQ between
** two candidates ranked equal.  *n receives the number of tokens; if that
** is more than cap, nothing is copied and STV_ELIMIT is returned (cap =
** STV_MAX_RANKING always suffices).  ranking may be NULL when cap is 0. */
stv_status stv_election_ballot(const stv_election *e, int64_t i,
                               int64_t *weight, int *ranking, size_t cap,
                               size_t *n);

typedef enum stv_ballot_format {
  STV_BALLOTS_BLT = 0, /* BLT, as stv_election_read_blt reads it */
  STV_BALLOTS_CSV,     /* rank-column CSV with its '# hustings:' line */
  STV_BALLOTS_JSON     /* hustings ballots JSON (docs/formats.md) */
} stv_ballot_format;

/* The same type as in the Reports section below. */
typedef int (*stv_write_fn)(void *ud, const char *data, size_t len);

/* Writes the whole election (seats, title, names, withdrawn candidates and
** every distinct ballot with its weight) in format f to fn, in pieces.  The
** matching reader gives back the same election.  A weight above
** STV_MAX_WEIGHT is split over several lines.  What f cannot hold (a CSV
** name containing '=', a ranking ending in a skipped rank in CSV, BLT
** without seats, a line longer than STV_MAX_LINE...) is refused before
** anything is written, with STV_EUNSUPPORTED or STV_ELIMIT and the reason
** in err; a non-zero return from fn stops writing with STV_EIO. */
stv_status stv_election_write(const stv_election *e, stv_ballot_format f,
                              stv_write_fn fn, void *ud, stv_error *err);

/* ---------------------------------------------------------------------- */
/* Options, set by name so that the CLI and the web service share one
** vocabulary and one set of messages.  Keys (docs/options.md):
**   rules     scottish|ers97|meek|nz-meek|warren|wigm|uig|irv|block
**   seats     N (overrides the file)
**   ties      backwards|forwards|random:SEED|order:LIST, comma-chained
**   quota     droop|droop-exact|hare|hare-exact|ers97   (where allowed)
**   decimals  0..9                                      (where allowed)
**   equal     truncate|reject        (equal preferences a=b)
**   repeat    skip|truncate|reject   (a candidate ranked twice)
**   skipped   continue|truncate|reject (a skipped rank "-")
**   withdraw  N (repeatable: counts as if candidate N had withdrawn)
**   arith     fixed|exact            (exact needs GMP; meek and wigm)
**   truncate  N (count only each paper's first N preferences; 0: all)
**   doom      deferred|immediate (when candidates who can no longer be
**             elected under the constraints leave the count)
**   hold      N (repeatable: candidate N is held elected: never excluded,
**             so elected by the count; slate ordering and casual vacancies)
**   vacate    N (casual vacancy: member N leaves; with fill=recount N is
**             passed over on every paper and the other members are given
**             with hold; the result names who fills the seat)
**   fill      recount (ERS97 7.1, default) | highest (the highest
**             unelected candidate at the end of the original count: the
**             count is the original one)
**   ron       N (candidate N is "re-open nominations": a seat it wins is
**             left vacant; a candidate named RON is recognised anyway)
** A value the rule set forbids is refused when counting (STV_EUNSUPPORTED).
*/
typedef struct stv_options stv_options;

stv_status stv_options_create(stv_options **out);
void stv_options_free(stv_options *o);
stv_status stv_options_set(stv_options *o, const char *key, const char *value,
                           stv_error *err);

/* Where the ballots came from, printed by the HTML report so that a reader
** can check they hold the same file: its name and the lowercase hex SHA-256
** of its bytes (computed by the caller; the library does no hashing).
** Either may be NULL ("not given"). */
stv_status stv_options_set_source(stv_options *o, const char *file,
                                  const char *sha256_hex);

/* Names of the rule sets, NULL-terminated, in a stable order. */
const char *const *stv_rule_names(void);
/* One line describing a rule set, or NULL if the name is unknown. */
const char *stv_rule_summary(const char *name);
/* Whether exact-rational arithmetic (GMP) was compiled in. */
int stv_have_exact(void);

/* ---------------------------------------------------------------------- */
/* Constraints: groups of candidates with a minimum and/or a maximum number
** of seats (docs/constraints.md).  A file names candidates by number or by
** quoted name, so it is read against the election it constrains.  Syntax
** errors and a maximum below a minimum are found here; whether the
** constraints can be met with the seats and the candidates standing is
** checked when counting. */
typedef struct stv_constraints stv_constraints;

#define STV_MAX_GROUPS 32

stv_status stv_constraints_read(const stv_election *e, const char *path,
                                stv_constraints **out, stv_error *err);
stv_status stv_constraints_parse(const stv_election *e, const char *data,
                                 size_t len, const char *name,
                                 stv_constraints **out, stv_error *err);
void stv_constraints_free(stv_constraints *k);
int stv_constraints_groups(const stv_constraints *k);
/* Options keep their own copy (k may be freed afterwards); NULL removes
** the constraints. */
stv_status stv_options_set_constraints(stv_options *o,
                                       const stv_constraints *k);

/* ---------------------------------------------------------------------- */
/* Counting.  The election is not changed.  On success *out holds the full
** stage-by-stage record. */
typedef struct stv_result stv_result;

stv_status stv_count(const stv_election *e, const stv_options *o,
                     stv_result **out, stv_error *err);
void stv_result_free(stv_result *r);

/* Candidate numbers (1-based) in order of election; *n receives the count.
** The array is owned by the result. */
const int *stv_result_elected(const stv_result *r, int *n);
/* Votes at the end of the count as an exact decimal string. */
const char *stv_result_final(const stv_result *r, int c);
const char *stv_result_quota(const stv_result *r);
int stv_result_stages(const stv_result *r);

/* ---------------------------------------------------------------------- */
/* Reports.  The writer is called with successive pieces of output; a
** non-zero return stops writing and stv_result_write returns STV_EIO. */
typedef int (*stv_write_fn)(void *ud, const char *data, size_t len);

typedef enum stv_format {
  STV_FORMAT_TEXT = 0, /* a count sheet as returning officers publish them */
  STV_FORMAT_JSON,     /* the stable contract (docs/json.md) */
  STV_FORMAT_CSV,      /* the stage table */
  STV_FORMAT_HTML,     /* one self-contained page with charts (docs/html.md) */
  STV_FORMAT_RCTAB     /* RCTab's summary JSON, which RCVis draws */
} stv_format;

stv_status stv_result_write(const stv_result *r, stv_format f,
                            stv_write_fn fn, void *ud);

/* ---------------------------------------------------------------------- */
/* What if?  Re-counts the same ballots under every rule set, with each
** candidate withdrawn in turn, with every paper cut to its first k
** preferences (k = 1, 2, ...), and by block vote, and writes a comparison
** with the count that o asks for (text or JSON; docs/whatif.md). */
stv_status stv_whatif_write(const stv_election *e, const stv_options *o,
                            stv_format f, stv_write_fn fn, void *ud,
                            stv_error *err);

/* ---------------------------------------------------------------------- */
/* Slate ordering by sequential STV (docs/rank.md): position 1 is the winner
** of a 1-seat count; position k the extra winner of a k-seat count with
** positions 1..k-1 held elected, for every standing candidate.  With
** constraints in o, positions 1..seats together meet them. */
typedef struct stv_ranking stv_ranking;

stv_status stv_rank(const stv_election *e, const stv_options *o,
                    stv_ranking **out, stv_error *err);
void stv_ranking_free(stv_ranking *r);
/* Candidate numbers (1-based), position 1 first; owned by r. */
const int *stv_ranking_order(const stv_ranking *r, int *n);
/* Text or JSON (order, and per position how it was decided). */
stv_status stv_ranking_write(const stv_ranking *r, stv_format f,
                             stv_write_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif /* STV_H */
