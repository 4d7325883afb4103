/*
** piles.h: candidates' piles of papers, in parcels, for the Gregory-family
** rules (scottish, wigm, uig, ers97).
**
** Every candidate holds a pile: a list of paper entries (ballot indices)
** grouped into parcels, each parcel with the value per paper at which it
** arrived and the stage that brought it.  Identical rankings travel
** together, so an entry stands for all the papers of one distinct ballot.
** Moving a parcel sends each paper to its next continuing (hopeful)
** candidate; papers with none are non-transferable.
**
** Ownership: the piles belong to the rule that created them and are freed
** with stvi_piles_free(); they borrow the count's prepared ballots.
*/
#ifndef STV_PILES_H
#define STV_PILES_H

#include "stvInt.h"

typedef struct stvi_parcel {
  int64_t tv;     /* value of each paper, count decimals (truncated) */
  int64_t num;    /* the exact value is num / den (den 1 unless a rule */
  int64_t den;    /* keeps an exact fraction, as uig does) */
  uint64_t start; /* first entry in the pile's ent[] */
  uint64_t count; /* entries */
  int64_t papers; /* papers (sum of weights) */
  int stage;      /* 1-based stage that brought it */
} stvi_parcel;

typedef struct stvi_pile {
  uint32_t *ent;
  uint64_t n, cap;
  stvi_parcel *par;
  int npar, cappar;
  int64_t papers; /* papers in the pile */
} stvi_pile;

typedef struct stvi_piles {
  stvi_pile *p;   /* one per candidate */
  uint16_t *pos;  /* per ballot: index of its current preference */
  int *touch;     /* per candidate: the move that last opened a parcel */
  int moves;
} stvi_piles;

/* Deals first preferences: one parcel of value 1 per candidate (stage 1);
** sets c->votes. */
stv_status stvi_piles_init(stvi_piles *P, stvi_count *c);
void stvi_piles_free(stvi_piles *P, int n);

/* Moves parcels which[0..nw) of candidate k, parcel which[i] at value
** tvs[i] per paper, to each paper's next hopeful candidate (a new parcel
** there, tagged with stage).  Adds to c->votes of the receivers and to
** c->exhausted; leaves c->votes[k] to the caller.  The moved parcels are
** emptied (count 0) but stay in k's list. */
stv_status stvi_piles_move(stvi_piles *P, stvi_count *c, int k,
                           const int *which, int nw, const int64_t *tvs,
                           int stage);
/* The same, with exact values nums[i] / dens[i] per paper: each receiver
** (and the non-transferable pile) is credited floor(papers * num / den),
** the papers' value is kept as that fraction, and tv is its truncation. */
stv_status stvi_piles_move_ratio(stvi_piles *P, stvi_count *c, int k,
                                 const int *which, int nw, const int64_t *nums,
                                 const int64_t *dens, int stage);
/* Moves every paper candidate k holds, each at the value it has (num/den),
** as an excluded candidate's papers move; sets c->votes[k] to 0 and clears
** the pile. */
stv_status stvi_piles_move_all(stvi_piles *P, stvi_count *c, int k,
                               int stage);
/* Frees the entries of candidate k's pile (all parcels emptied). */
void stvi_pile_clear(stvi_piles *P, int k);

#endif
