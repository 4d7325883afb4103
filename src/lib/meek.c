/*
** meek.c: the Meek family: meek, warren and nz-meek.
**
** Every candidate has a keep value k: 1 while hopeful, 0 once excluded (or
** withdrawn), and 0 < k <= 1 once elected.  An iteration shares every paper
** out afresh, from its first preference, with the keep values in force;
** what runs off the end of a ranking is the excess, and the quota is
** recomputed from what is left.  Keep values are then scaled by
** quota / votes, so that each elected candidate's total moves towards the
** quota.
**
**   meek     Algorithm 123 (Hill, Wichmann & Woodall, 1987;
**            docs/rules/meek.md): iterate until every elected candidate is
**            within 1 +- 0.00001 of the quota (at most 500 iterations), then
**            elect every hopeful at or above it; if none, exclude the lowest.
**            A candidate keeps the fraction k of what reaches it.
**   warren   the same loop (docs/rules/warren.md); a candidate keeps the
**            amount min(k, what reaches it).
**   nz-meek  NZ Local Electoral Regulations 2001, Schedule 1A
**            (docs/rules/nz-meek.md): no convergence loop; each iteration
**            elects (cl. 12) and applies the exclusion test (cl. 13).
**
** Arithmetic: units of 10^-9 in an int64 (9 decimals for all three).  A
** paper's value and a keep value are at most 10^9 units, so w x k fits in
** 64 bits; credits are share x papers, exact because the whole total
** (papers x 10^9) is checked to fit at the start.  meek credits
** ceil(w x k) and warren min(k, w), and both pass on the rest, so nothing
** is created or lost on a paper; quotas are rounded down and keep updates
** up.  nz-meek rounds every product up, as clause 10 says.  arith=exact
** (meek only) runs the same loop on GMP rationals (exact.c).
**
** Cost: an iteration does not go through the ballots but through the tree
** of their paths (see "Paths" below), one pass over a few thousand nodes
** where the ballots may number millions; the tree is brought up to date
** when a candidate is elected or excluded, walking on only the ballots
** that stopped at that candidate.
**
** The record has one stage per decision (election, exclusion, completion);
** its figures are those of the iteration that decided, and notes say how
** many iterations led there and the keep values after it.
*/
#include <string.h>

#include "exact.h"

#define UNIT INT64_C(1000000000)       /* 1 vote in units of 10^-9 */
#define MIN_QUOTA INT64_C(100000)      /* A123's floor, 0.0001 */
#define NZ_SURPLUS_MIN INT64_C(100000) /* clause 13, 0.0001 */
#define A123_MAX_ITER 500              /* A123 MaxIterations */
#define NZ_MAX_ITER 100000 /* iterations without a decision: give up */

enum { MODE_MEEK = 0, MODE_WARREN, MODE_NZ };

/* ---- paths --------------------------------------------------------------
** A paper's path is the sequence of candidates it reaches: the elected
** candidates it passes and the hopeful that takes the rest (excluded
** candidates are passed over and do not appear).  Papers with the same
** path are shared out alike whatever the keep values, so the paths form a
** tree with the number of papers through each node, and an iteration is one
** pass over the tree in preorder.
**
** The tree changes only when a hopeful is elected or excluded, and only
** below that candidate: each hopeful has the list of ballots that stop at
** it (its frontier), and those ballots alone walk on to their next
** continuing candidate.  Over a whole count each ballot is walked along its
** ranking at most once. */

typedef struct node {
  int32_t parent, child, sib; /* tree links, -1 for none */
  uint16_t cand;
  int64_t papers; /* papers whose path passes through (or ends at) it */
} node;

typedef struct stop {
  uint32_t ballot;
  uint16_t pos; /* position of the hopeful in the ballot's ranking */
  int32_t node; /* its node */
} stop;

typedef struct frontier {
  stop *s;
  size_t n, cap;
} frontier;

typedef struct paths {
  stvi_count *c;
  int *status;     /* ncand: the statuses the tree is for */
  int ready;
  node *nd;        /* nd[0] is the root */
  size_t nnodes, capnodes;
  uint32_t *hash;  /* (parent, cand) -> node index + 1, open addressing */
  size_t hcap;
  frontier *fr;    /* ncand */
  /* the tree in preorder (stvi_paths) */
  uint16_t *cand, *depth;
  uint32_t *next;
  int64_t *papers;
  size_t n, cap;
  int32_t *estack, *nstack; /* ncand + 2: open entries and their nodes */
} paths;

static size_t hslot(uint64_t key, size_t cap) {
  key ^= key >> 31;
  key *= 0x9E3779B97F4A7C15ULL;
  return (size_t)(key >> 17) & (cap - 1);
}

static int hash_grow(paths *t) {
  size_t nc = t->hcap ? t->hcap * 2 : 1024, i;
  uint32_t *h = stvi_calloc_array(nc, sizeof(*h));
  if (!h) return -1;
  for (i = 1; i < t->nnodes; i++) {
    uint64_t key = (uint64_t)t->nd[i].parent << 16 | t->nd[i].cand;
    size_t k = hslot(key, nc);
    while (h[k]) k = (k + 1) & (nc - 1);
    h[k] = (uint32_t)i + 1;
  }
  stvi_free(t->hash);
  t->hash = h;
  t->hcap = nc;
  return 0;
}

/* The child of parent for candidate cand, made if need be; -1 on failure. */
static int32_t child(paths *t, int32_t parent, int cand) {
  uint64_t key = (uint64_t)parent << 16 | (uint64_t)cand;
  size_t k;
  node *x;
  if (2 * (t->nnodes + 1) > t->hcap && hash_grow(t)) return -1;
  for (k = hslot(key, t->hcap); t->hash[k]; k = (k + 1) & (t->hcap - 1)) {
    const node *y = &t->nd[t->hash[k] - 1];
    if (y->parent == parent && y->cand == cand) return (int32_t)t->hash[k] - 1;
  }
  if (t->nnodes == t->capnodes) {
    size_t nc = t->capnodes * 2;
    node *nn = nc < INT32_MAX ? stvi_realloc_array(t->nd, nc, sizeof(*nn))
                              : NULL;
    if (!nn) return -1;
    t->nd = nn;
    t->capnodes = nc;
  }
  x = &t->nd[t->nnodes];
  x->parent = parent;
  x->cand = (uint16_t)cand;
  x->papers = 0;
  x->child = -1;
  x->sib = t->nd[parent].child;
  t->nd[parent].child = (int32_t)t->nnodes;
  t->hash[k] = (uint32_t)t->nnodes + 1;
  return (int32_t)t->nnodes++;
}

/* Walks ballot bi on from position pos below node parent, to its first
** hopeful (where it stops) or the end of its ranking. */
static int walk(paths *t, uint32_t bi, int pos, int32_t parent) {
  const stvi_ballots *b = &t->c->b;
  const uint16_t *pr = b->pref + b->off[bi];
  const int *status = t->c->status;
  int64_t m = b->weight[bi];
  int len = b->len[bi];
  for (; pos < len; pos++) {
    int cand = pr[pos];
    int32_t x;
    if (status[cand] != STVI_HOPEFUL && status[cand] != STVI_ELECTED)
      continue; /* excluded: passed over */
    if ((x = child(t, parent, cand)) < 0) return -1;
    t->nd[x].papers += m;
    if (status[cand] == STVI_HOPEFUL) {
      frontier *f = &t->fr[cand];
      if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 64;
        stop *ns = stvi_realloc_array(f->s, nc, sizeof(*ns));
        if (!ns) return -1;
        f->s = ns;
        f->cap = nc;
      }
      f->s[f->n].ballot = bi;
      f->s[f->n].pos = (uint16_t)pos;
      f->s[f->n].node = x;
      f->n++;
      return 0;
    }
    parent = x;
  }
  return 0;
}

/* Candidate k is no longer hopeful: the ballots that stopped at it walk
** on, below its node if it was elected, beside it if it was excluded. */
static int release(paths *t, int k) {
  const stvi_ballots *b = &t->c->b;
  frontier f = t->fr[k];
  int elected = t->c->status[k] == STVI_ELECTED;
  size_t i;
  int rc = 0;
  memset(&t->fr[k], 0, sizeof(t->fr[k]));
  for (i = 0; i < f.n && rc == 0; i++) {
    const stop *s = &f.s[i];
    int32_t at = s->node;
    if (i + 16 < f.n) /* the ballots are scattered: fetch ahead */
      __builtin_prefetch(&b->off[f.s[i + 16].ballot]);
    if (i + 8 < f.n)
      __builtin_prefetch(b->pref + b->off[f.s[i + 8].ballot] + f.s[i + 8].pos);
    if (!elected) {
      t->nd[at].papers -= b->weight[s->ballot];
      at = t->nd[at].parent;
    }
    rc = walk(t, s->ballot, s->pos + 1, at);
  }
  stvi_free(f.s);
  return rc;
}

/* The tree in preorder, leaving out the nodes no paper reaches any more
** (those of excluded candidates). */
static int flatten(paths *t) {
  int sp = 0;
  int32_t x;
  if (t->cap < t->nnodes) {
    size_t nc = t->nnodes;
    uint16_t *c = stvi_realloc_array(t->cand, nc, sizeof(*c));
    uint16_t *d = c ? stvi_realloc_array(t->depth, nc, sizeof(*d)) : NULL;
    uint32_t *nx = NULL;
    int64_t *p = NULL;
    if (c) t->cand = c;
    if (d) t->depth = d;
    if (d) nx = stvi_realloc_array(t->next, nc, sizeof(*nx));
    if (nx) t->next = nx;
    if (nx) p = stvi_realloc_array(t->papers, nc, sizeof(*p));
    if (!p) return -1;
    t->papers = p;
    t->cap = nc;
  }
  t->n = 0;
  x = t->nd[0].child;
  for (;;) {
    while (x >= 0 && t->nd[x].papers == 0) x = t->nd[x].sib;
    if (x >= 0) { /* open an entry; its subtree follows it */
      size_t e = t->n++;
      t->cand[e] = t->nd[x].cand;
      t->depth[e] = (uint16_t)sp;
      t->papers[e] = t->nd[x].papers;
      t->estack[sp] = (int32_t)e;
      t->nstack[sp] = x;
      sp++;
      x = t->nd[x].child;
    } else { /* close the innermost open entry */
      if (sp == 0) break;
      sp--;
      t->next[t->estack[sp]] = (uint32_t)t->n;
      x = t->nd[t->nstack[sp]].sib;
    }
  }
  return 0;
}

static stv_status paths_init(paths *t, stvi_count *c) {
  size_t n = (size_t)c->n;
  memset(t, 0, sizeof(*t));
  t->c = c;
  if (c->b.n >= (int64_t)UINT32_MAX)
    return stvi_fail(c->err, STV_ELIMIT, "count", 0, 0,
                     "too many distinct ballots");
  t->status = stvi_calloc_array(n, sizeof(int));
  t->fr = stvi_calloc_array(n, sizeof(frontier));
  t->estack = stvi_calloc_array(n + 2, sizeof(int32_t));
  t->nstack = stvi_calloc_array(n + 2, sizeof(int32_t));
  t->capnodes = 1024;
  t->nd = stvi_alloc_array(t->capnodes, sizeof(node));
  if (!t->status || !t->fr || !t->estack || !t->nstack || !t->nd)
    return STV_ENOMEM;
  return STV_OK;
}

/* Brings the tree up to date with the statuses; *view gets it. */
static stv_status paths_update(paths *t, stvi_paths *view) {
  stvi_count *c = t->c;
  int k, changed = 0;
  if (!t->ready) {
    int64_t j;
    t->nd[0].parent = t->nd[0].child = t->nd[0].sib = -1;
    t->nnodes = 1;
    for (j = 0; j < c->b.n; j++)
      if (walk(t, (uint32_t)j, 0, 0)) return STV_ENOMEM;
    t->ready = changed = 1;
  } else
    for (k = 0; k < c->n; k++)
      if (t->status[k] == STVI_HOPEFUL && c->status[k] != STVI_HOPEFUL) {
        if (release(t, k)) return STV_ENOMEM;
        changed = 1;
      }
  memcpy(t->status, c->status, (size_t)c->n * sizeof(int));
  if (changed && flatten(t)) return STV_ENOMEM;
  view->cand = t->cand;
  view->depth = t->depth;
  view->next = t->next;
  view->papers = t->papers;
  view->n = t->n;
  return STV_OK;
}

static void paths_free(paths *t) {
  int i;
  if (t->fr)
    for (i = 0; i < t->c->n; i++) stvi_free(t->fr[i].s);
  stvi_free(t->fr);
  stvi_free(t->status);
  stvi_free(t->nd);
  stvi_free(t->hash);
  stvi_free(t->cand);
  stvi_free(t->depth);
  stvi_free(t->next);
  stvi_free(t->papers);
  stvi_free(t->estack);
  stvi_free(t->nstack);
}

/* ---- fixed-point arithmetic ------------------------------------------ */

typedef struct fixed_state {
  stvi_count *c;
  int mode;
  int64_t total; /* valid papers x UNIT */
  int64_t *acc;  /* ncand: votes being built */
  uint64_t *w;   /* per depth: value of the paper reaching it */
} fixed_state;

/* One pass: meek credits ceil(w k) and passes on the rest, warren
** min(k, w), nz-meek ceil(w k) and ceil(w (1 - k)).  A candidate with
** k = 1 (hopeful, or elected with k capped at 1) takes all. */
static inline __attribute__((always_inline)) void
share_out(fixed_state *s, const stvi_paths *p, const int64_t *keep,
          int mode) {
  const uint16_t *cand = p->cand, *depth = p->depth;
  const uint32_t *next = p->next;
  const int64_t *papers = p->papers;
  int64_t *acc = s->acc;
  uint64_t *wd = s->w;
  size_t j = 0, n = p->n;
  wd[0] = (uint64_t)UNIT;
  while (j < n) {
    int c = cand[j];
    uint64_t w = wd[depth[j]], k = (uint64_t)keep[c], m = (uint64_t)papers[j];
    uint64_t sh, rest;
    if (k == (uint64_t)UNIT) {
      acc[c] += (int64_t)(w * m);
      j = next[j];
      continue;
    }
    if (mode == MODE_WARREN)
      sh = k < w ? k : w;
    else
      sh = (w * k + (uint64_t)UNIT - 1) / (uint64_t)UNIT;
    acc[c] += (int64_t)(sh * m);
    if (mode == MODE_NZ) /* clause 10: w (1 - k), rounded up */
      rest = (w * ((uint64_t)UNIT - k) + (uint64_t)UNIT - 1) / (uint64_t)UNIT;
    else
      rest = w - sh;
    if (rest == 0) {
      j = next[j];
      continue;
    }
    wd[depth[j] + 1] = rest;
    j++;
  }
}

static stv_status fixed_iterate(stvi_count *c, void *vs, const stvi_paths *p,
                                const int64_t *keep) {
  fixed_state *s = vs;
  int64_t sum = 0, q;
  int i;
  memset(s->acc, 0, (size_t)c->n * sizeof(int64_t));
  switch (s->mode) { /* one copy of the loop per rule, constants inlined */
  case MODE_WARREN: share_out(s, p, keep, MODE_WARREN); break;
  case MODE_NZ: share_out(s, p, keep, MODE_NZ); break;
  default: share_out(s, p, keep, MODE_MEEK); break;
  }
  for (i = 0; i < c->n; i++) {
    c->votes[i] = s->acc[i];
    sum += s->acc[i];
  }
  c->exhausted = s->total - sum; /* any rounding lands here, never lost */
  q = sum / (c->seats + 1);      /* rounded down */
  if (s->mode == MODE_NZ)
    q += 1; /* clause 5: + 0.000000001 */
  else if (q < MIN_QUOTA)
    q = MIN_QUOTA;
  c->quota = q;
  return STV_OK;
}

static int fixed_cmp(void *vs, int a, int b) {
  const fixed_state *s = vs;
  int64_t x = s->c->votes[a], y = s->c->votes[b];
  return (x > y) - (x < y);
}

static int fixed_cmp_quota(void *vs, int a) {
  const fixed_state *s = vs;
  int64_t x = s->c->votes[a], q = s->c->quota;
  return (x > q) - (x < q);
}

static int fixed_converged(void *vs, int a) {
  const fixed_state *s = vs;
  __int128 v = s->c->votes[a], q = s->c->quota;
  return 99999 * v <= 100000 * q && 100000 * q <= 100001 * v;
}

static int64_t fixed_scale_keep(stvi_count *c, void *vs, int a, int64_t k) {
  int64_t v = c->votes[a];
  (void)vs;
  if (v <= 0) return UNIT;
  k = fx_muldiv_ceil(k, c->quota, v, &c->ovf);
  return k > UNIT ? UNIT : k;
}

static void fixed_release(void *vs) {
  fixed_state *s = vs;
  if (!s) return;
  stvi_free(s->acc);
  stvi_free(s->w);
  stvi_free(s);
}

static stv_status fixed_arith(stvi_count *c, int mode, stvi_meek_arith *a) {
  fixed_state *s = stvi_calloc_array(1, sizeof(*s));
  memset(a, 0, sizeof(*a));
  if (!s) return STV_ENOMEM;
  a->st = s;
  a->iterate = fixed_iterate;
  a->cmp = fixed_cmp;
  a->cmp_quota = fixed_cmp_quota;
  a->converged = fixed_converged;
  a->scale_keep = fixed_scale_keep;
  a->release = fixed_release;
  s->c = c;
  s->mode = mode;
  s->acc = stvi_calloc_array((size_t)c->n, sizeof(int64_t));
  s->w = stvi_calloc_array((size_t)c->n + 2, sizeof(uint64_t));
  if (!s->acc || !s->w) return STV_ENOMEM;
  /* Every credit is at most papers x UNIT and sums stay near the total
  ** (nz-meek's rounding up adds at most a unit per preference): a total
  ** below a quarter of the int64 range keeps every sum in range. */
  s->total = fx_mul(c->b.papers, UNIT, &c->ovf);
  if (c->ovf || s->total > INT64_MAX / 4) {
    c->ovf = 1;
    return stvi_fail(c->err, STV_EOVERFLOW, "count", 0, 0,
                     "%lld papers exceed the range of 9-decimal arithmetic",
                     (long long)c->b.papers);
  }
  return STV_OK;
}

/* ---- the driver --------------------------------------------------------- */

typedef struct meek_run {
  stvi_count *c;
  stvi_meek_arith a;
  paths t;
  int mode;
  int64_t *keep;        /* ncand, units */
  unsigned char *was;   /* elected before the current run of iterations */
  unsigned char *kept;  /* has a keep value below 1 been set */
  int *set, *tmp;       /* scratch, ncand each */
  int *done;            /* elected or excluded at this stage */
  int ndone;
  long iter;            /* iterations so far */
  int64_t *hist;        /* nz-meek: votes of every iteration (AAFD) */
  size_t nhist, caphist;
  int64_t *prevvotes, *prevkeep; /* nz-meek: previous two iterations */
} meek_run;

/* Sorts set[0..n) by descending votes, equal votes by candidate number. */
static void sort_desc(meek_run *m, int *set, int n) {
  int i, j;
  for (i = 1; i < n; i++) {
    int x = set[i];
    for (j = i; j > 0; j--) {
      int d = m->a.cmp(m->a.st, set[j - 1], x);
      if (d > 0 || (d == 0 && set[j - 1] < x)) break;
      set[j] = set[j - 1];
    }
    set[j] = x;
  }
}

/* Candidates of set[0..n) with the fewest votes, into out; returns how
** many. */
static int lowest_of(meek_run *m, const int *set, int n, int *out) {
  int i, k = 0;
  for (i = 0; i < n; i++) {
    int d = k ? m->a.cmp(m->a.st, set[i], out[0]) : -1;
    if (d < 0) k = 0;
    if (d <= 0) out[k++] = set[i];
  }
  return k;
}

/* nz-meek clause 40 (AAFD): the earliest iteration at which the tied
** candidates did not all have the same votes; if exactly one of them had
** the fewest there, that one.  Returns -1 when it does not decide. */
static int aafd(meek_run *m, const int *set, int n, long *at) {
  size_t it;
  int i, n_low, who = -1;
  for (it = 0; it < m->nhist; it++) {
    const int64_t *v = m->hist + it * (size_t)m->c->n;
    int64_t low = v[set[0]];
    int alleq = 1;
    for (i = 1; i < n; i++) {
      if (v[set[i]] != v[set[0]]) alleq = 0;
      if (v[set[i]] < low) low = v[set[i]];
    }
    if (alleq) continue;
    for (i = 0, n_low = 0; i < n; i++)
      if (v[set[i]] == low) n_low++, who = set[i];
    *at = (long)it + 1;
    return n_low == 1 ? who : -1;
  }
  return -1;
}

/* Excludes k (keep value 0); why NULL: doomed by the constraints. */
static stv_status exclude(meek_run *m, int k, const char *why) {
  m->keep[k] = 0;
  m->done[m->ndone++] = k;
  return why ? stvi_exclude(m->c, k, why) : stvi_con_exclude(m->c, k);
}

/* The lowest hopeful (not guarded, with unguarded) into *out (ties: AAFD
** for nz-meek, then the chain). */
static stv_status lowest_hopeful(meek_run *m, int unguarded, int *out) {
  stvi_count *c = m->c;
  int n = 0, nl, i, k = -1;
  stv_status st;
  for (i = 0; i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL &&
        !(unguarded && stvi_con_guarded(c, i)))
      m->tmp[n++] = i;
  nl = lowest_of(m, m->tmp, n, m->set);
  if (nl > 1 && m->mode == MODE_NZ) {
    long at = 0;
    k = aafd(m, m->set, nl, &at);
    if (k >= 0 &&
        (st = stvi_event_add(c, STVI_EV_TIE, k,
                             "Tie for exclusion (lowest votes): %s has "
                             "fewest votes at iteration %ld, the earliest "
                             "at which the tied candidates differ (clause "
                             "40, AAFD); chosen: %s",
                             c->e->names[k], at, c->e->names[k])))
      return st;
  }
  if (k < 0 &&
      (st = stvi_tie_break(c, m->set, nl, 0,
                           m->mode == MODE_NZ
                               ? "for exclusion (lowest votes; AAFD did not "
                                 "decide)"
                               : "for exclusion (lowest votes)",
                           &k)))
    return st;
  *out = k;
  return STV_OK;
}

/* Excludes the lowest hopeful; if that one is guarded, the lowest not
** guarded. */
static stv_status exclude_lowest(meek_run *m, const char *why) {
  int k;
  stv_status st = lowest_hopeful(m, 0, &k);
  if (st == STV_OK && stvi_con_guarded(m->c, k)) {
    if ((st = stvi_con_passed_over(m->c, k))) return st;
    st = lowest_hopeful(m, 1, &k);
    why = "lowest continuing candidate not guarded";
  }
  return st ? st : exclude(m, k, why);
}

/* Excludes the doomed hopefuls the constraints say must go now (doom =
** immediate); returns how many in *nd. */
static stv_status exclude_doomed(meek_run *m, int *nd) {
  int i;
  stv_status st = STV_OK;
  *nd = stvi_con_take(m->c, m->tmp);
  for (i = 0; i < *nd && st == STV_OK; i++) st = exclude(m, m->tmp[i], NULL);
  return st;
}

/* set[0..*n) reached the quota.  While they are more than the seats left,
** the lowest of them is excluded (A123's guard against a multi-way tie). */
static stv_status too_many(meek_run *m, int *set, int *n) {
  stvi_count *c = m->c;
  while (c->nelected + *n > c->seats) {
    int nl = lowest_of(m, set, *n, m->tmp), k, i, j;
    stv_status st = stvi_tie_break(c, m->tmp, nl, 0,
                                   "for exclusion (more reached the quota "
                                   "than seats remain)",
                                   &k);
    if (st == STV_OK && stvi_con_guarded(c, k)) {
      for (i = j = 0; i < *n; i++)
        if (!stvi_con_guarded(c, set[i])) m->tmp[j++] = set[i];
      if (j > 0) {
        nl = lowest_of(m, m->tmp, j, m->tmp);
        st = stvi_tie_break(c, m->tmp, nl, 0,
                            "for exclusion (more reached the quota than "
                            "seats remain; not guarded)",
                            &k);
      }
    }
    if (st) return st;
    if ((st = exclude(m, k, "more candidates reached the quota than seats "
                            "remain; the lowest of them")))
      return st;
    for (i = j = 0; i < *n; i++)
      if (set[i] != k) set[j++] = set[i];
    *n = j;
  }
  return STV_OK;
}

/* Elects set[0..*n), highest first.  A candidate the constraints doom is
** excluded instead and dropped from set, so set ends as those elected. */
static stv_status elect_sorted(meek_run *m, int *set, int *n,
                               const char *why) {
  int i, j, refused;
  stv_status st = STV_OK;
  sort_desc(m, set, *n);
  for (i = j = 0; i < *n && st == STV_OK; i++) {
    st = stvi_con_refuse(m->c, set[i], why, &refused);
    if (st) break;
    if (refused) {
      st = exclude(m, set[i], NULL);
      continue;
    }
    st = stvi_elect(m->c, set[i], why);
    m->done[m->ndone++] = set[i];
    set[j++] = set[i];
  }
  if (st == STV_OK) *n = j;
  return st;
}

/* Elects every hopeful when they are no more than the seats left. */
static stv_status complete(meek_run *m) {
  stvi_count *c = m->c;
  int n = 0, i;
  if (c->nelected >= c->seats) return STV_OK;
  for (i = 0; i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL) m->set[n++] = i;
  if (n == 0 || n > c->seats - c->nelected) return STV_OK;
  return elect_sorted(m, m->set, &n, "continuing candidates equal the "
                                     "seats left");
}

/* Hopefuls at or above the quota, into m->set; returns how many. */
static int reached(meek_run *m) {
  stvi_count *c = m->c;
  int n = 0, i;
  for (i = 0; i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL && m->a.cmp_quota(m->a.st, i) >= 0)
      m->set[n++] = i;
  return n;
}

/* Notes closing a stage: the iterations, and the keep values (updated
** after the last iteration, or as used in it); then the action and the
** snapshot. */
static stv_status close_stage(meek_run *m, long it0, const char *how,
                              int updated) {
  stvi_count *c = m->c;
  stvi_buf b;
  char num[48];
  int i, nk = 0;
  stv_status st;
  fx_format(c->quota, c->dp, num, sizeof(num));
  if (m->iter == it0)
    st = stvi_event_add(c, STVI_EV_NOTE, -1, "Iteration %ld%s; quota %s",
                        it0, how, num);
  else
    st = stvi_event_add(c, STVI_EV_NOTE, -1,
                        "Iterations %ld-%ld (%ld)%s; quota %s", it0, m->iter,
                        m->iter - it0 + 1, how, num);
  if (st) return st;
  stvi_buf_init(&b, 4096);
  for (i = 0; i < c->r->nelected; i++) {
    int k = c->r->elected[i] - 1;
    if (!m->kept[k]) continue;
    if (b.len > 900) { /* events hold about 1000 bytes: start another */
      if (b.failed) break;
      st = stvi_event_add(c, STVI_EV_NOTE, -1, "%s", b.data);
      stvi_buf_free(&b);
      stvi_buf_init(&b, 4096);
      nk = 0;
      if (st) return st;
    }
    fx_format(m->keep[k], 9, num, sizeof(num));
    if (nk++)
      stvi_buf_printf(&b, ", %s %s", c->e->names[k], num);
    else
      stvi_buf_printf(&b, "Keep values %s iteration %ld: %s %s",
                      updated ? "after" : "in", m->iter, c->e->names[k], num);
  }
  if (b.failed) return STV_ENOMEM;
  if (nk) st = stvi_event_add(c, STVI_EV_NOTE, -1, "%s", b.data);
  stvi_buf_free(&b);
  if (st) return st;

  stvi_buf_init(&b, 64 * 1024);
  if (m->iter == it0)
    stvi_buf_printf(&b, "Iteration %ld", it0);
  else
    stvi_buf_printf(&b, "Iterations %ld-%ld", it0, m->iter);
  for (i = 0; i < m->ndone; i++) {
    int k = m->done[i], el = c->status[k] == STVI_ELECTED;
    int same = i > 0 && (c->status[m->done[i - 1]] == STVI_ELECTED) == el;
    stvi_buf_printf(&b, "%s%s%s", same ? ", " : i ? "; " : ": ",
                    same ? "" : el ? "election of " : "exclusion of ",
                    c->e->names[k]);
  }
  if (b.failed) return STV_ENOMEM;
  st = stvi_stage_about(c, m->done, m->ndone, "%s", b.data);
  stvi_buf_free(&b);
  if (st == STV_OK) st = stvi_stage_close(c);
  m->ndone = 0;
  return st;
}

/* One iteration with the keep values in force. */
static stv_status iterate(meek_run *m) {
  stvi_paths view;
  stv_status st = paths_update(&m->t, &view);
  if (st == STV_OK) st = m->a.iterate(m->c, m->a.st, &view, m->keep);
  m->iter++;
  return st;
}

static stv_status open_stage(meek_run *m, int first) {
  return stvi_stage_open(m->c, first ? STVI_STAGE_FIRST : STVI_STAGE_ITERATION,
                         NULL, 0, "Iteration %ld", m->iter + 1);
}

/* Algorithm 123's main program and `compute` (meek and warren). */
static stv_status run_a123(meek_run *m) {
  stvi_count *c = m->c;
  stv_status st = STV_OK;
  int first = 1;
  while (c->nelected < c->seats && stvi_hopefuls(c) > 0) {
    long it0 = m->iter + 1, nit = 0;
    int conv, i, n, nr, nd;
    for (i = 0; i < c->n; i++) m->was[i] = c->status[i] == STVI_ELECTED;
    if ((st = open_stage(m, first))) return st;
    first = 0;
    do { /* compute: iterate until the elected candidates converge */
      if ((st = iterate(m))) return st;
      nit++;
      conv = 1;
      for (i = 0; i < c->n; i++)
        if (m->was[i] && !m->a.converged(m->a.st, i)) conv = 0;
      for (i = 0; i < c->n; i++) /* updated at every iteration, as A123 */
        if (m->was[i])
          m->keep[i] = m->a.scale_keep(c, m->a.st, i, m->keep[i]);
      if (c->ovf) return STV_EOVERFLOW;
    } while (!conv && nit < A123_MAX_ITER);
    if (!conv &&
        (st = stvi_event_add(c, STVI_EV_NOTE, -1,
                             "Warning: no convergence after %d iterations "
                             "(the limit of Algorithm 123); counting "
                             "continues",
                             A123_MAX_ITER)))
      return st;
    n = reached(m);
    if ((st = too_many(m, m->set, &n))) return st;
    nr = n;
    if ((st = elect_sorted(m, m->set, &n, "reached the quota"))) return st;
    if ((st = exclude_doomed(m, &nd))) return st;
    if (c->nelected < c->seats)
      for (i = 0; i < n; i++) { /* A123: weight := quota / votes */
        int k = m->set[i];
        m->keep[k] = m->a.scale_keep(c, m->a.st, k, UNIT);
        m->kept[k] = 1;
      }
    if ((st = complete(m))) return st;
    if (nr == 0 && nd == 0 && c->nelected < c->seats &&
        stvi_hopefuls(c) > 0) {
      if ((st = exclude_lowest(m, "lowest continuing candidate"))) return st;
      if ((st = complete(m))) return st; /* A123 `complete` */
    }
    if ((st = close_stage(m, it0, conv ? ", converged" : "", 1))) return st;
  }
  return STV_OK;
}

/* Schedule 1A, clauses 3-19 (nz-meek). */
static stv_status nz_keep_update(meek_run *m) {
  stvi_count *c = m->c;
  int i;
  for (i = 0; i < c->n; i++) {
    int64_t v = c->votes[i], t;
    if (c->status[i] != STVI_ELECTED) continue;
    /* clause 17: ceil(ceil(q x k) / v); the first time k = 1 (clause 7) */
    t = fx_muldiv_ceil(c->quota, m->keep[i], UNIT, &c->ovf);
    t = v > 0 ? fx_muldiv_ceil(t, UNIT, v, &c->ovf) : UNIT;
    m->keep[i] = t > UNIT ? UNIT : t;
    m->kept[i] = 1;
  }
  return c->ovf ? STV_EOVERFLOW : STV_OK;
}

static stv_status nz_history(meek_run *m) {
  stvi_count *c = m->c;
  if (m->nhist == m->caphist) {
    size_t nc = m->caphist ? m->caphist * 2 : 64;
    int64_t *nh = stvi_realloc_array(m->hist, nc * (size_t)c->n,
                                     sizeof(int64_t));
    if (!nh) return STV_ENOMEM;
    m->hist = nh;
    m->caphist = nc;
  }
  memcpy(m->hist + m->nhist * (size_t)c->n, c->votes,
         (size_t)c->n * sizeof(int64_t));
  m->nhist++;
  return STV_OK;
}

/* Clause 13 (and 23): whether to exclude the lowest hopeful now; *why gets
** the reason.  s is the total surplus. */
static int nz_exclude_test(meek_run *m, int64_t s, int stalled,
                           const char **why) {
  stvi_count *c = m->c;
  int64_t low = 0, next = 0;
  int i, n = 0;
  for (i = 0; i < c->n; i++) { /* the two lowest, equal ones counted twice */
    int64_t v = c->votes[i];
    if (c->status[i] != STVI_HOPEFUL) continue;
    if (n == 0 || v < low) {
      next = low;
      low = v;
      if (n == 0) next = INT64_MAX;
    } else if (v < next)
      next = v;
    n++;
  }
  if (n < 2) return 0;
  if (low + s < next) {
    *why = "votes plus the total surplus below the next lowest hopeful "
           "(clause 13)";
    return 1;
  }
  if (s < NZ_SURPLUS_MIN) {
    *why = "lowest hopeful; total surplus below 0.0001 (clause 13)";
    return 1;
  }
  if (stalled) {
    *why = "lowest hopeful; the iteration no longer changes any value "
           "(clause 23)";
    return 1;
  }
  return 0;
}

static stv_status run_nz(meek_run *m) {
  stvi_count *c = m->c;
  stv_status st = STV_OK;
  long it0 = 1;
  int open = 0;
  size_t nb = (size_t)c->n * sizeof(int64_t);
  while (c->nelected < c->seats && stvi_hopefuls(c) > 0) {
    int n, i, stalled, cycle, nr, nd;
    int64_t s = 0;
    char how[80];
    if (!open) {
      if ((st = open_stage(m, m->iter == 0))) return st;
      if (m->iter == 0 && c->seats == 1 &&
          (st = stvi_event_add(c, STVI_EV_NOTE, -1,
                               "One vacancy: counted by the procedure of "
                               "Part 1 of Schedule 1A (Part 2, for a single "
                               "vacancy, is not implemented)")))
        return st;
      it0 = m->iter + 1;
      open = 1;
    } else if (m->iter - it0 + 1 >= NZ_MAX_ITER)
      return stvi_fail(c->err, STV_ELIMIT, "count", 0, 0,
                       "nz-meek: %d iterations without an election or an "
                       "exclusion",
                       NZ_MAX_ITER);
    /* stalled: the keep values and the votes repeat those of the last
    ** iteration, or (a cycle of two, which rounding can make) of the one
    ** before; prevkeep and prevvotes hold two iterations each */
    stalled = m->iter > 0 && memcmp(m->keep, m->prevkeep, nb) == 0;
    cycle = m->iter > 1 && memcmp(m->keep, m->prevkeep + c->n, nb) == 0;
    memcpy(m->prevkeep + c->n, m->prevkeep, nb);
    memcpy(m->prevkeep, m->keep, nb);
    memcpy(m->prevvotes + c->n, m->prevvotes, nb);
    memcpy(m->prevvotes, c->votes, nb);
    if ((st = iterate(m))) return st;
    if ((st = nz_history(m))) return st;
    for (i = 0; i < c->n && stalled; i++)
      stalled = c->votes[i] == m->prevvotes[i];
    for (i = 0; i < c->n && cycle; i++)
      cycle = c->votes[i] == m->prevvotes[c->n + i];
    stalled = stalled || cycle;
    n = reached(m); /* clauses 6 and 12 */
    if ((st = too_many(m, m->set, &n))) return st;
    nr = n;
    if ((st = elect_sorted(m, m->set, &n, "reached the quota"))) return st;
    if ((st = exclude_doomed(m, &nd))) return st;
    if ((st = complete(m))) return st; /* clause 3 */
    for (i = 0; i < c->n; i++) /* total surplus, negative terms as 0 */
      if (c->status[i] == STVI_ELECTED && c->votes[i] > c->quota)
        s += c->votes[i] - c->quota;
    if (c->nelected < c->seats && m->iter > 1 && nr == n && nd == 0) {
      /* none at step 1, nor after a doomed candidate left */
      const char *why = NULL;
      if (nz_exclude_test(m, s, stalled && n == 0, &why)) {
        if ((st = exclude_lowest(m, why))) return st;
        if ((st = complete(m))) return st;
      }
    }
    /* clauses 7 and 17: the keep values for the next iteration, if any */
    if (c->nelected < c->seats && stvi_hopefuls(c) > 0 &&
        (st = nz_keep_update(m)))
      return st;
    if (m->ndone == 0) continue;
    fx_format(s, 9, how, sizeof(how));
    {
      char tmp[120];
      snprintf(tmp, sizeof(tmp), "; total surplus %s", how);
      if ((st = close_stage(m, it0, tmp,
                            c->nelected < c->seats && stvi_hopefuls(c) > 0)))
        return st;
    }
    open = 0;
  }
  if (open) /* cannot happen: the loop ends only after a decision */
    st = close_stage(m, it0, "", 0);
  return st;
}

static const char *quota_text(int mode, int exact) {
  if (mode == MODE_NZ)
    return "Schedule 1A cl. 5: (valid - non-transferable) / (vacancies + 1) "
           "truncated to 9 decimals, + 0.000000001, at every iteration";
  if (exact)
    return "(valid - excess) / (seats + 1), exact (shown truncated), at "
           "every iteration";
  return "Algorithm 123: (valid - excess) / (seats + 1), rounded down to 9 "
         "decimals, at every iteration";
}

static void run_free(meek_run *m) {
  if (m->a.release) m->a.release(m->a.st);
  if (m->t.c) paths_free(&m->t);
  stvi_free(m->keep);
  stvi_free(m->was);
  stvi_free(m->kept);
  stvi_free(m->set);
  stvi_free(m->tmp);
  stvi_free(m->done);
  stvi_free(m->hist);
  stvi_free(m->prevvotes);
  stvi_free(m->prevkeep);
}

stv_status stvi_count_meek(stvi_count *c) {
  meek_run m;
  stv_status st;
  int i, exact = c->o->arith == STVI_ARITH_EXACT;
  size_t n = (size_t)c->n;
  char *qd;
  memset(&m, 0, sizeof(m));
  m.c = c;
  m.mode = strcmp(c->rule->name, "warren") == 0    ? MODE_WARREN
           : strcmp(c->rule->name, "nz-meek") == 0 ? MODE_NZ
                                                    : MODE_MEEK;
  if (c->dp != 9) /* count.c fixes 9 decimals for the Meek rules */
    return stvi_fail(c->err, STV_EINVAL, "decimals", 0, 0,
                     "%s counts with 9 decimals", c->rule->name);
  qd = stvi_strdup(quota_text(m.mode, exact));
  if (!qd) return STV_ENOMEM;
  stvi_free(c->r->quota_desc);
  c->r->quota_desc = qd;
  m.keep = stvi_calloc_array(n, sizeof(int64_t));
  m.was = stvi_calloc_array(n, 1);
  m.kept = stvi_calloc_array(n, 1);
  m.set = stvi_calloc_array(n, sizeof(int));
  m.tmp = stvi_calloc_array(n, sizeof(int));
  m.done = stvi_calloc_array(2 * n, sizeof(int));
  m.prevvotes = stvi_calloc_array(2 * n, sizeof(int64_t));
  m.prevkeep = stvi_calloc_array(2 * n, sizeof(int64_t));
  if (!m.keep || !m.was || !m.kept || !m.set || !m.tmp || !m.done ||
      !m.prevvotes || !m.prevkeep) {
    run_free(&m);
    return STV_ENOMEM;
  }
  for (i = 0; i < c->n; i++)
    m.keep[i] = c->status[i] == STVI_HOPEFUL ? UNIT : 0;
  st = paths_init(&m.t, c);
  if (st == STV_OK)
    st = exact && m.mode == MODE_MEEK ? stvi_exact_meek_arith(c, &m.a)
                                      : fixed_arith(c, m.mode, &m.a);
  if (st == STV_OK) st = m.mode == MODE_NZ ? run_nz(&m) : run_a123(&m);
  run_free(&m);
  return st;
}
