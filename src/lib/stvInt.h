/*
** stvInt.h: what the files of libstv share and nobody else sees.
**
** Prefixes: stv_ is public (include/stv.h); stvi_ is library-internal
** across files; fx_ is fixed-point arithmetic; file-local names are static.
**
** Ownership: a stvi_count borrows the election and the options for the
** length of one stv_count() call and owns everything else it allocates; the
** stv_result it builds is handed to the caller at the end.
*/
#ifndef STV_INT_H
#define STV_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "stv.h"

/* ---- memory (alloc.c): every allocation goes through these ---------- */
void *stvi_realloc(void *p, size_t n);
void stvi_free(void *p);
/* n * size with overflow check; NULL on overflow or failure. */
void *stvi_alloc_array(size_t n, size_t size);
void *stvi_calloc_array(size_t n, size_t size);
void *stvi_realloc_array(void *p, size_t n, size_t size);
char *stvi_strdup(const char *s);
char *stvi_strndup(const char *s, size_t n);

/* ---- errors (status.c) ----------------------------------------------- */
/* Fills err (if not NULL) and returns st.  Printf-style reason. */
stv_status stvi_fail(stv_error *err, stv_status st, const char *file,
                     long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---- bounded string builder (strbuf.c) ------------------------------- */
typedef struct stvi_buf {
  char *data;  /* NUL-terminated while len < cap */
  size_t len;
  size_t alloc;
  size_t cap;  /* hard ceiling on len */
  int failed;  /* sticky: set on overflow or allocation failure */
} stvi_buf;

void stvi_buf_init(stvi_buf *b, size_t cap);
void stvi_buf_free(stvi_buf *b);
void stvi_buf_add(stvi_buf *b, const char *s, size_t n);
void stvi_buf_puts(stvi_buf *b, const char *s);
void stvi_buf_printf(stvi_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void stvi_buf_fill(stvi_buf *b, char ch, size_t n);

/* ---- fixed point (fixed.c) ------------------------------------------- */
/* A value v with dp decimals is stored as v * 10^dp in an int64. */
int64_t fx_pow10(int dp);
/* floor(a * b / d) for a, b >= 0, d > 0; sets *ovf on overflow. */
int64_t fx_muldiv_floor(int64_t a, int64_t b, int64_t d, int *ovf);
/* ceil(a * b / d) likewise. */
int64_t fx_muldiv_ceil(int64_t a, int64_t b, int64_t d, int *ovf);
/* a * b with overflow check. */
int64_t fx_mul(int64_t a, int64_t b, int *ovf);
int64_t fx_add(int64_t a, int64_t b, int *ovf);
/* Writes the exact decimal text of v (dp decimals) to out (>= 32 bytes). */
void fx_format(int64_t v, int dp, char *out, size_t n);
/* Rescales a dp-decimal value to to_dp decimals, truncating. */
int64_t fx_rescale(int64_t v, int dp, int to_dp);

/* ---- elections (election.c) ------------------------------------------ */
#define STVI_TOK_SKIP ((int16_t)-1)
#define STVI_TOK_EQ ((int16_t)-2)

struct stv_election {
  int ncand;
  int seats;
  char *title;
  char **names;             /* ncand entries */
  unsigned char *withdrawn; /* ncand entries, 0/1 */
  int namecap;
  /* distinct ballots: tokens are 0-based candidate indices or STVI_TOK_* */
  int64_t nballots;
  int64_t ballotcap;
  int64_t *weight;
  uint32_t *off;
  uint16_t *len;
  int16_t *pool;
  uint64_t poollen;
  uint64_t poolcap;
  uint64_t *slots; /* open-addressing: hash tag << 32 | ballot index + 1 */
  uint64_t nslots;
  int slotbits;   /* nslots == 1 << slotbits */
  int64_t papers; /* sum of weights */
};

/* Adds a ranking of 0-based tokens (already validated). */
stv_status stvi_election_add_tokens(stv_election *e, int64_t weight,
                                    const int16_t *tok, size_t n);
/* Adds k <= STVI_BATCH ballots at once, prefetching the merge index (the
** fast path of the BLT reader).  Stops at the first failure; *done
** receives the number added, so ballot *done is the one that failed. */
#define STVI_BATCH 32
stv_status stvi_election_add_many(stv_election *e, size_t k,
                                  const int64_t *weight,
                                  const int16_t *const *tok,
                                  const size_t *n, size_t *done);
/* For readers that learn the number of candidates before the names. */
stv_status stvi_election_set_ncand(stv_election *e, int n);
stv_status stvi_election_set_name(stv_election *e, int i, const char *s,
                                  size_t n);
/* Releases the merge index once loading is done. */
void stvi_election_done(stv_election *e);

/* ---- line reading (lines.c) ------------------------------------------ */
/* Calls fn for each line (without its CR/LF) of a file or a buffer; lines
** longer than STV_MAX_LINE fail with STV_ELIMIT.  fn returns non-zero to
** stop; that status is returned. */
typedef stv_status (*stvi_line_fn)(void *ud, const char *line, size_t len,
                                   long lineno);
stv_status stvi_lines_file(const char *path, stvi_line_fn fn, void *ud,
                           stv_error *err);
stv_status stvi_lines_mem(const char *data, size_t len, const char *name,
                          stvi_line_fn fn, void *ud, stv_error *err);
/* Length of the valid UTF-8 prefix of s[0..n). */
size_t stvi_utf8_valid(const char *s, size_t n);
/* STV_OK if s[0..n) is UTF-8 without NUL bytes; else fills err with the
** column: "expected UTF-8 text" / "expected text, found a NUL byte". */
stv_status stvi_check_text(stv_error *err, const char *file, const char *s,
                           size_t n, long line);

/* ---- options (options.c) --------------------------------------------- */
enum { STVI_TIE_BACKWARDS = 1, STVI_TIE_FORWARDS, STVI_TIE_RANDOM,
       STVI_TIE_ORDER };
enum { STVI_QUOTA_DEFAULT = 0, STVI_QUOTA_DROOP, STVI_QUOTA_DROOP_EXACT,
       STVI_QUOTA_HARE, STVI_QUOTA_HARE_EXACT, STVI_QUOTA_ERS97 };
enum { STVI_POL_DEFAULT = 0, STVI_POL_TRUNCATE, STVI_POL_SKIP,
       STVI_POL_CONTINUE, STVI_POL_REJECT };
enum { STVI_ARITH_FIXED = 0, STVI_ARITH_EXACT };

#define STVI_MAX_TIESTEPS 4
typedef struct stvi_tiestep {
  int kind;
  uint64_t seed;
  int *order; /* TIE_ORDER: 0-based candidates, most favoured first */
  int norder;
} stvi_tiestep;

/* ---- constraints (constraints.c reads them, constrain.c enforces) ---- */
typedef struct stvi_group {
  char *name;
  long line, col; /* where the group is declared, for messages */
  int lo;         /* minimum seats; 0 if none */
  int hi;         /* maximum seats; -1 if none */
  int *members;   /* 0-based candidates, distinct, in file order */
  int nmembers;
} stvi_group;

struct stv_constraints {
  char *file; /* the name given to the reader, for messages */
  int ncand;  /* candidates of the election it was read against */
  stvi_group *g;
  int ng;     /* <= STV_MAX_GROUPS */
};

/* A deep copy (NULL if out of memory). */
stv_constraints *stvi_constraints_clone(const stv_constraints *k);

struct stv_options {
  char rules[16];
  int seats;
  int nties;
  stvi_tiestep ties[STVI_MAX_TIESTEPS];
  int quota;
  int decimals; /* -1: rule default */
  int equal, repeat, skipped;
  int *withdraw; /* 1-based as given */
  int nwithdraw;
  int arith;
  int truncate; /* keep only the first N preferences; 0: all */
  stv_constraints *cons; /* owned copy, or NULL */
  int doom;              /* 0 deferred, 1 immediate */
  int *hold;             /* 1-based, held elected */
  int nhold;
  int vacate;            /* casual vacancy: 1-based member leaving; 0 none */
  int fill;              /* 0 recount (ERS97 7.1), 1 highest unelected */
  int ron;               /* 1-based candidate "re-open nominations"; 0 none */
  char *src_file;        /* where the ballots came from, or NULL (owned) */
  char *src_sha256;      /* its SHA-256 as lowercase hex, or NULL (owned) */
};

/* A deep copy of o (NULL if out of memory). */
stv_options *stvi_options_clone(const stv_options *o);

/* ---- prepared ballots (prep.c) --------------------------------------- */
/* The ballots as a rule counts them: policies applied, withdrawn candidates
** passed over, each ranking a plain list of distinct 0-based candidates. */
typedef struct stvi_ballots {
  int64_t n;
  int64_t *weight;
  uint32_t *off;
  uint16_t *len;
  uint16_t *pref;
  int64_t papers;   /* valid papers (sum of weights) */
  int64_t invalid;  /* papers rejected by a policy */
  int64_t empty;    /* papers with no usable preference */
  int64_t touched_equal, touched_repeat, touched_skip; /* papers */
} stvi_ballots;

/* ---- the count and its record (count.c, result.c) ---------------------- */
enum { STVI_HOPEFUL = 0, STVI_ELECTED, STVI_EXCLUDED, STVI_WITHDRAWN };

enum { STVI_STAGE_FIRST = 0, STVI_STAGE_SURPLUS, STVI_STAGE_EXCLUSION,
       STVI_STAGE_ITERATION, STVI_STAGE_ROUND };

enum { STVI_EV_ELECTED = 0, STVI_EV_EXCLUDED, STVI_EV_TIE, STVI_EV_NOTE,
       STVI_EV_DEFERRED, STVI_EV_DOOMED, STVI_EV_GUARDED };

typedef struct stvi_event {
  int type;
  int cand;   /* 0-based, -1 if none */
  char *text; /* owned */
} stvi_event;

typedef struct stvi_stage {
  int kind;
  int *subjects; /* 0-based */
  int nsubjects;
  char *action;  /* owned: "Surplus of X", "Exclusion of X", ... */
  int64_t *votes;     /* ncand, at the end of the stage */
  int64_t *transfers; /* ncand, change during the stage */
  int64_t exhausted;  /* cumulative non-transferable */
  int64_t exhausted_delta;
  int64_t loss;       /* cumulative loss to rounding */
  int64_t quota;
  stvi_event *events;
  int nevents;
} stvi_stage;

typedef struct stvi_rule stvi_rule;
typedef struct stvi_con stvi_con;

struct stv_result {
  char *rules;
  char *title;
  int ncand;
  int seats;
  int dp;
  char **names;
  int *status;     /* final status per candidate */
  int *elected;    /* 1-based, in order of election */
  int nelected;
  int64_t quota;   /* the (last) quota */
  int64_t papers;  /* valid papers */
  int64_t invalid;
  int64_t empty;
  int64_t total;   /* valid vote at stage 1 */
  int64_t touched_equal, touched_repeat, touched_skip;
  char *policies;  /* description of the policies in force */
  char *ties;      /* description of the tie chain in force */
  char *quota_desc;
  stvi_stage *stages;
  int nstages;
  int nclosed;     /* stages whose snapshot is taken */
  int capstages;
  char **finals;   /* formatted final votes, 0-based */
  char *cons_text; /* constraints for the heading, or NULL */
  char *cons_json; /* the same as a JSON object, or NULL */
  int vacated;     /* casual vacancy: the member leaving (1-based), or 0 */
  int fill;        /* how it is filled: 0 recount, 1 highest unelected */
  int filled;      /* who fills it (1-based), 0 if nobody can */
  int ron;         /* the RON candidate (1-based), or 0 */
  char *quota_str;
  char *src_file;  /* copied from the options, or NULL */
  char *src_sha256;
};

typedef struct stvi_count {
  const stv_election *e;
  const stv_options *o;
  const stvi_rule *rule;
  stv_error *err;
  int n;        /* candidates */
  int seats;
  int dp;       /* decimals of every value in this count */
  int64_t one;  /* 10^dp */
  int quota_kind;
  int equal, repeat, skipped;
  int truncate;
  stvi_tiestep ties[STVI_MAX_TIESTEPS + 1];
  int nties;
  stvi_ballots b;
  int *status;   /* STVI_* per candidate */
  int64_t *votes; /* current totals, dp decimals */
  int64_t exhausted;
  int64_t quota;
  int nelected;
  stv_result *r;
  int ovf;       /* sticky overflow flag from fx_* */
  uint64_t rng;  /* SplitMix64 state of the random tie step */
  int rng_started;
  void *rule_state; /* owned by the rule while it runs */
  stvi_con *con;    /* constraints and held candidates, or NULL */
} stvi_count;

struct stvi_rule {
  const char *name;
  const char *summary;
  stv_status (*count)(stvi_count *c);
  int dp;           /* default decimals */
  int quota;        /* default quota kind */
  int quota_free;   /* may --quota change it */
  int dp_free;      /* may --decimals change it */
  int exact_ok;     /* may arith=exact be used */
  int ties[3];      /* default chain, ends with RANDOM */
  int equal, repeat, skipped; /* default policies */
};

const stvi_rule *stvi_rule_find(const char *name);

/* Recording (result.c).  A stage is opened, the rule moves votes, and the
** stage is closed: closing snapshots every candidate's total. */
stv_status stvi_stage_open(stvi_count *c, int kind, const int *subj, int ns,
                           const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
stv_status stvi_stage_close(stvi_count *c);
/* Replaces the action and subjects of the open stage (for a rule that must
** open the stage before a tie decides its subject, so the tie is recorded
** in the stage it decides). */
stv_status stvi_stage_about(stvi_count *c, const int *subj, int ns,
                            const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
stv_status stvi_event_add(stvi_count *c, int type, int cand,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Elect / exclude candidate k (0-based) with a reason for the sheet. */
stv_status stvi_elect(stvi_count *c, int k, const char *why);
stv_status stvi_exclude(stvi_count *c, int k, const char *why);
/* "A, B and C" for set[0..n), in a new string (NULL if out of memory). */
char *stvi_join_names(const stvi_count *c, const int *set, int n);
/* Number of continuing (hopeful) candidates. */
int stvi_hopefuls(const stvi_count *c);

/* Ties (ties.c).  Chooses one of cands[0..n) (0-based).  want_high: choose
** the candidate who did best (surplus order, election order) or worst
** (exclusion).  what names the decision for the record. */
stv_status stvi_tie_break(stvi_count *c, const int *cands, int n,
                          int want_high, const char *what, int *chosen);

/* The documented generator of lots: SplitMix64 (docs/ties.md). */
uint64_t stvi_splitmix64(uint64_t *state);

/* Order of election among candidates elected at one stage with equal
** votes, where the rules are silent: forwards (the earliest stage at which
** they differed, so first preferences first), then the tie chain. */
stv_status stvi_tie_break_order(stvi_count *c, const int *cands, int n,
                                int *chosen);

/* Quota from a total with the count's decimals. */
int64_t stvi_quota(stvi_count *c, int64_t total, int seats);

/* Rule entry points. */
stv_status stvi_count_gregory(stvi_count *c); /* scottish, wigm, uig */
stv_status stvi_count_ers97(stvi_count *c);
stv_status stvi_count_meek(stvi_count *c);    /* meek, nz-meek, warren */
stv_status stvi_count_irv(stvi_count *c);
stv_status stvi_count_block(stvi_count *c);

/* Constraints during the count (constrain.c).  All of these are harmless
** no-ops (answering "no") when the count has no constraints.
**   start    checks that the constraints can be met; marks the first
**            doomed and guarded candidates (noted when stage 1 closes)
**   changed  after an election or exclusion: new marks, noted at once
**            (stvi_elect and stvi_exclude call it)
**   refuse   before electing k on reaching a threshold (what: "reached the
**            quota"): if k is doomed, notes it, flags k to be excluded and
**            sets *refused
**   take     the hopefuls to exclude now because they are doomed: those
**            refused, and (doom=immediate) every doomed hopeful; returns
**            how many, into out (n entries)
**   can_exclude  whether excluding set[0..n) together keeps a result
**            meeting the constraints possible (no guarded among them)
**   passed_over  notes that guarded k was passed over for exclusion */
stv_status stvi_con_start(stvi_count *c);
stv_status stvi_con_report(stvi_count *c); /* r->cons_text, r->cons_json */
/* ok[i] = 1 for each standing candidate i (0-based) who, with held[0..nh)
** (1-based) elected, can be one of seats winners meeting o's constraints
** (slate ordering). */
stv_status stvi_con_allowed(const stv_election *e, const stv_options *o,
                            int seats, const int *held, int nh,
                            unsigned char *ok, stv_error *err);
void stvi_con_free(stvi_count *c);
stv_status stvi_con_changed(stvi_count *c);
stv_status stvi_con_flush(stvi_count *c);
int stvi_con_doomed(const stvi_count *c, int k);
int stvi_con_guarded(const stvi_count *c, int k);
int stvi_con_out(const stvi_count *c, int k);
const char *stvi_con_why(const stvi_count *c, int k);
stv_status stvi_con_refuse(stvi_count *c, int k, const char *what,
                           int *refused);
int stvi_con_take(stvi_count *c, int *out);
int stvi_con_can_exclude(stvi_count *c, const int *set, int n);
stv_status stvi_con_passed_over(stvi_count *c, int k);
/* Excludes doomed k, saying by which constraints. */
stv_status stvi_con_exclude(stvi_count *c, int k);
/* Opens an exclusion stage for the doomed set[0..n) and excludes them (the
** rule then moves their papers and closes the stage). */
stv_status stvi_con_exclusion_stage(stvi_count *c, const int *set, int n);

/* Prepared ballots (prep.c). */
stv_status stvi_prepare(stvi_count *c);
void stvi_ballots_free(stvi_ballots *b);

/* Reports (report_*.c). */
stv_status stvi_write_text(const stv_result *r, stv_write_fn fn, void *ud);
stv_status stvi_write_json(const stv_result *r, stv_write_fn fn, void *ud);
stv_status stvi_write_csv(const stv_result *r, stv_write_fn fn, void *ud);
stv_status stvi_write_html(const stv_result *r, stv_write_fn fn, void *ud);
stv_status stvi_write_rctab(const stv_result *r, stv_write_fn fn, void *ud);

#endif /* STV_INT_H */
