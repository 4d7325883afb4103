/*
** exact.h: exact-rational counts (exact.c, GMP) and the arithmetic the
** Meek driver (meek.c) is written against.
**
** The Meek loop (Algorithm 123: iterate, converge, elect, exclude) is the
** same in fixed point and in exact arithmetic; only how papers are shared
** out and how two totals compare differ.  meek.c holds the loop and the
** fixed-point arithmetic; exact.c supplies the same operations on GMP
** rationals.  Keep values are 9-decimal numbers (units of 10^-9) in both.
**
** Without GMP (STV_HAVE_GMP undefined) the entry points return
** STV_EUNSUPPORTED; count.c never calls them then (stv_have_exact() is 0).
*/
#ifndef STV_EXACT_H
#define STV_EXACT_H

#include "stvInt.h"

/* The papers' paths (built by meek.c), in preorder: entry j is candidate
** cand[j], reached by papers[j] papers after depth[j] elected candidates;
** the entries of its subtree (what passes it on) run up to next[j].
** Excluded candidates are passed over, so they do not appear; a hopeful's
** entry has no subtree. */
typedef struct stvi_paths {
  const uint16_t *cand, *depth;
  const uint32_t *next;
  const int64_t *papers;
  size_t n;
} stvi_paths;

typedef struct stvi_meek_arith {
  void *st;
  /* One iteration: shares the papers out along p with keep[] (units of
  ** 10^-9; 10^9 takes all), then recomputes the quota.  Leaves the totals,
  ** the excess and the quota, truncated to c->dp, in c->votes,
  ** c->exhausted and c->quota. */
  stv_status (*iterate)(stvi_count *c, void *st, const stvi_paths *p,
                        const int64_t *keep);
  /* Sign of votes(a) - votes(b), and of votes(a) - quota. */
  int (*cmp)(void *st, int a, int b);
  int (*cmp_quota)(void *st, int a);
  /* Whether 0.99999 <= quota / votes(a) <= 1.00001. */
  int (*converged)(void *st, int a);
  /* min(1, k x quota / votes(a)) rounded up to units; 1 if votes(a) = 0. */
  int64_t (*scale_keep)(stvi_count *c, void *st, int a, int64_t k);
  void (*release)(void *st);
} stvi_meek_arith;

/* Fills *a with GMP arithmetic for c (meek, arith=exact). */
stv_status stvi_exact_meek_arith(stvi_count *c, stvi_meek_arith *a);
/* wigm with exact transfer values (called by stvi_count_gregory). */
stv_status stvi_exact_wigm(stvi_count *c);

#endif
