/*
** exact.c: counts in exact rational arithmetic (GMP): arith=exact for meek
** and wigm.
**
** wigm: the Scottish count of gregory.c (largest surplus first, all papers
** at surplus x value / votes, one exclusion per stage) with every transfer
** value an exact rational, never truncated: nothing is lost to rounding.
** The quota is the rule's (--quota at the rule's --decimals), a decimal
** number, so the candidates that reach it are judged exactly against the
** same quota as in fixed point.
**
** meek: the Algorithm 123 loop of meek.c with the papers shared out
** exactly.  Keep values stay 9-decimal numbers, rounded up when they are
** updated (k <- ceil(k x quota / votes)): exact keep values would need
** denominators that grow with every iteration (each one a product of all
** the totals before it), so it is the keep values that are rounded, never
** the votes.  With E elected candidates every share of a paper is a whole
** multiple of 10^-9E, so each iteration runs on integers (mpz) over that
** common denominator; the quota, convergence test and comparisons are
** exact rationals.
**
** Both record their figures with 9 decimals (c->dp is set to 9), each total
** truncated; the non-transferable figure is the total minus the recorded
** votes, so a stage adds up and the loss to rounding reads 0, as it is.
** Ties are detected exactly; look-back steps then compare the recorded
** (truncated) figures of earlier stages.
*/
#include <string.h>

#include "exact.h"

#ifndef STV_HAVE_GMP

int stv_have_exact(void) { return 0; }

static stv_status no_gmp(stvi_count *c) {
  return stvi_fail(c->err, STV_EUNSUPPORTED, "arith", 0, 0,
                   "this build has no GMP: exact arithmetic is not "
                   "available");
}

stv_status stvi_exact_meek_arith(stvi_count *c, stvi_meek_arith *a) {
  memset(a, 0, sizeof(*a));
  return no_gmp(c);
}

stv_status stvi_exact_wigm(stvi_count *c) { return no_gmp(c); }

#else

#include <gmp.h>

#define UNIT 1000000000UL
#define SHOW_DP 9

int stv_have_exact(void) { return 1; }

/* Switches the record to 9 decimals. */
static void show_dp(stvi_count *c) {
  c->dp = SHOW_DP;
  c->one = fx_pow10(SHOW_DP);
  c->r->dp = SHOW_DP;
}

/* floor(x x 10^9) as int64, setting c->ovf if out of range. */
static int64_t shown(stvi_count *c, mpq_srcptr x, mpz_ptr t) {
  mpz_mul_ui(t, mpq_numref(x), UNIT);
  mpz_fdiv_q(t, t, mpq_denref(x));
  if (!mpz_fits_slong_p(t)) {
    c->ovf = 1;
    return 0;
  }
  return (int64_t)mpz_get_si(t);
}

/* c->votes and c->exhausted from exact votes; total in units. */
static void show_votes(stvi_count *c, mpq_t *v, int64_t total, mpz_ptr t) {
  int64_t sum = 0;
  int i;
  for (i = 0; i < c->n; i++) {
    c->votes[i] = shown(c, v[i], t);
    sum = fx_add(sum, c->votes[i], &c->ovf);
  }
  c->exhausted = total - sum;
}

/* ---- meek --------------------------------------------------------------- */

typedef struct xmeek {
  stvi_count *c;
  mpz_t *num;  /* ncand: votes x den */
  mpq_t *v;    /* ncand: votes */
  mpq_t q;     /* quota */
  mpz_t *w;    /* ncand + 2: a paper's value at each depth, x den */
  mpz_t den, s, t;
  mpq_t a, b, k;
  int64_t total; /* papers x UNIT */
  int ready;
} xmeek;

static stv_status xm_iterate(stvi_count *c, void *vs, const stvi_paths *p,
                             const int64_t *keep) {
  xmeek *x = vs;
  int i, partial = 0;
  size_t j = 0;
  for (i = 0; i < c->n; i++) {
    partial += keep[i] > 0 && keep[i] < (int64_t)UNIT;
    mpz_set_ui(x->num[i], 0);
  }
  /* 1 = UNIT^partial / UNIT^partial: a paper that has passed d elected
  ** candidates (keep below 1) has a value divisible by UNIT^(partial - d),
  ** so every share below is a whole number over that denominator. */
  mpz_ui_pow_ui(x->den, UNIT, (unsigned long)partial);
  mpz_set(x->w[0], x->den);
  while (j < p->n) {
    int cand = p->cand[j], d = p->depth[j];
    unsigned long m = (unsigned long)p->papers[j];
    int64_t k = keep[cand];
    if (k == (int64_t)UNIT) { /* takes all */
      mpz_addmul_ui(x->num[cand], x->w[d], m);
      j = p->next[j];
      continue;
    }
    mpz_mul_ui(x->s, x->w[d], (unsigned long)k);
    mpz_divexact_ui(x->s, x->s, UNIT);
    mpz_addmul_ui(x->num[cand], x->s, m);
    mpz_sub(x->w[d + 1], x->w[d], x->s);
    j = mpz_sgn(x->w[d + 1]) ? j + 1 : p->next[j];
  }
  mpz_set_ui(x->t, 0);
  for (i = 0; i < c->n; i++) {
    mpz_add(x->t, x->t, x->num[i]);
    mpz_set(mpq_numref(x->v[i]), x->num[i]);
    mpz_set(mpq_denref(x->v[i]), x->den);
    mpq_canonicalize(x->v[i]);
  }
  /* quota = sum / (seats + 1), at least 0.0001 */
  mpz_set(mpq_numref(x->q), x->t);
  mpz_mul_ui(mpq_denref(x->q), x->den, (unsigned long)c->seats + 1);
  mpq_canonicalize(x->q);
  mpq_set_ui(x->a, 1, 10000);
  if (mpq_cmp(x->q, x->a) < 0) mpq_set(x->q, x->a);
  show_votes(c, x->v, x->total, x->t);
  c->quota = shown(c, x->q, x->t);
  return c->ovf ? STV_EOVERFLOW : STV_OK;
}

static int xm_cmp(void *vs, int a, int b) {
  xmeek *x = vs;
  return mpq_cmp(x->v[a], x->v[b]);
}

static int xm_cmp_quota(void *vs, int a) {
  xmeek *x = vs;
  return mpq_cmp(x->v[a], x->q);
}

static int xm_converged(void *vs, int i) {
  xmeek *x = vs;
  int lo, hi;
  mpq_set_ui(x->k, 100000, 1);
  mpq_mul(x->b, x->q, x->k); /* 100000 q */
  mpq_set_ui(x->k, 99999, 1);
  mpq_mul(x->a, x->v[i], x->k);
  lo = mpq_cmp(x->a, x->b) <= 0;
  mpq_set_ui(x->k, 100001, 1);
  mpq_mul(x->a, x->v[i], x->k);
  hi = mpq_cmp(x->b, x->a) <= 0;
  return lo && hi;
}

static int64_t xm_scale_keep(stvi_count *c, void *vs, int i, int64_t k) {
  xmeek *x = vs;
  (void)c;
  if (mpq_sgn(x->v[i]) <= 0) return (int64_t)UNIT;
  mpq_set_ui(x->k, (unsigned long)k, 1);
  mpq_mul(x->a, x->k, x->q);
  mpq_div(x->a, x->a, x->v[i]);
  mpz_cdiv_q(x->t, mpq_numref(x->a), mpq_denref(x->a));
  if (mpz_cmp_ui(x->t, UNIT) >= 0) return (int64_t)UNIT;
  return (int64_t)mpz_get_ui(x->t);
}

static void xm_release(void *vs) {
  xmeek *x = vs;
  int i;
  if (!x) return;
  if (x->ready) {
    for (i = 0; i < x->c->n; i++) {
      mpz_clear(x->num[i]);
      mpq_clear(x->v[i]);
    }
    for (i = 0; i < x->c->n + 2; i++) mpz_clear(x->w[i]);
    mpq_clear(x->q);
    mpz_clears(x->den, x->s, x->t, NULL);
    mpq_clear(x->a);
    mpq_clear(x->b);
    mpq_clear(x->k);
  }
  stvi_free(x->num);
  stvi_free(x->v);
  stvi_free(x->w);
  stvi_free(x);
}

stv_status stvi_exact_meek_arith(stvi_count *c, stvi_meek_arith *a) {
  xmeek *x = stvi_calloc_array(1, sizeof(*x));
  int i;
  memset(a, 0, sizeof(*a));
  if (!x) return STV_ENOMEM;
  a->st = x;
  a->iterate = xm_iterate;
  a->cmp = xm_cmp;
  a->cmp_quota = xm_cmp_quota;
  a->converged = xm_converged;
  a->scale_keep = xm_scale_keep;
  a->release = xm_release;
  x->c = c;
  x->num = stvi_calloc_array((size_t)c->n, sizeof(mpz_t));
  x->v = stvi_calloc_array((size_t)c->n, sizeof(mpq_t));
  x->w = stvi_calloc_array((size_t)c->n + 2, sizeof(mpz_t));
  if (!x->num || !x->v || !x->w) return STV_ENOMEM;
  for (i = 0; i < c->n; i++) {
    mpz_init(x->num[i]);
    mpq_init(x->v[i]);
  }
  for (i = 0; i < c->n + 2; i++) mpz_init(x->w[i]);
  mpq_init(x->q);
  mpz_inits(x->den, x->s, x->t, NULL);
  mpq_init(x->a);
  mpq_init(x->b);
  mpq_init(x->k);
  x->ready = 1;
  show_dp(c);
  x->total = fx_mul(c->b.papers, (int64_t)UNIT, &c->ovf);
  return c->ovf ? STV_EOVERFLOW : STV_OK;
}

/* ---- wigm --------------------------------------------------------------- */

typedef struct xparcel {
  mpq_t tv;       /* value of each paper */
  uint32_t *ent;  /* ballot indices */
  size_t n, cap;
  int64_t papers; /* sum of weights */
} xparcel;

typedef struct xpile {
  xparcel *par;
  int npar, cap;
} xpile;

typedef struct xwigm {
  stvi_count *c;
  xpile *p;        /* ncand */
  uint16_t *pos;   /* per ballot: index of its current preference */
  int *touch;      /* per candidate: parcel opened by the current move */
  mpq_t *v;        /* ncand: votes */
  mpq_t q, s, t;
  mpz_t z;
  unsigned char *pending;
  int *set;
  int *doomed; /* scratch: hopefuls to exclude as doomed */
  int64_t total;
} xwigm;

static stv_status xw_open(xpile *p, mpq_srcptr tv) {
  xparcel *q;
  if (p->npar == p->cap) {
    int nc = p->cap ? p->cap * 2 : 4;
    xparcel *np = stvi_realloc_array(p->par, (size_t)nc, sizeof(*np));
    if (!np) return STV_ENOMEM;
    p->par = np;
    p->cap = nc;
  }
  q = &p->par[p->npar++];
  memset(q, 0, sizeof(*q));
  mpq_init(q->tv);
  mpq_set(q->tv, tv);
  return STV_OK;
}

static stv_status xw_push(xparcel *q, uint32_t b, int64_t weight) {
  if (q->n == q->cap) {
    size_t nc = q->cap ? q->cap * 2 : 16;
    uint32_t *ne = stvi_realloc_array(q->ent, nc, sizeof(*ne));
    if (!ne) return STV_ENOMEM;
    q->ent = ne;
    q->cap = nc;
  }
  q->ent[q->n++] = b;
  q->papers += weight;
  return STV_OK;
}

static void xw_clear(xpile *p) {
  int i;
  for (i = 0; i < p->npar; i++) {
    mpq_clear(p->par[i].tv);
    stvi_free(p->par[i].ent);
  }
  stvi_free(p->par);
  memset(p, 0, sizeof(*p));
}

/* Moves every parcel of candidate k, parcel i at tv(i) x ratio (ratio NULL:
** at its own value), to each paper's next hopeful. */
static stv_status xw_move(xwigm *x, int k, mpq_srcptr ratio) {
  stvi_count *c = x->c;
  const stvi_ballots *b = &c->b;
  xpile *src = &x->p[k];
  int i, d;
  stv_status st;
  for (i = 0; i < src->npar; i++) {
    xparcel *q = &src->par[i];
    size_t e;
    if (q->n == 0) continue;
    if (ratio)
      mpq_mul(x->s, q->tv, ratio);
    else
      mpq_set(x->s, q->tv);
    for (d = 0; d < c->n; d++) x->touch[d] = -1;
    for (e = 0; e < q->n; e++) {
      uint32_t bi = q->ent[e];
      const uint16_t *pref = b->pref + b->off[bi];
      int len = b->len[bi], pos = x->pos[bi] + 1;
      while (pos < len && c->status[pref[pos]] != STVI_HOPEFUL) pos++;
      if (pos >= len) { /* non-transferable: shown as total less votes */
        x->pos[bi] = (uint16_t)(len - 1);
        continue;
      }
      d = pref[pos];
      x->pos[bi] = (uint16_t)pos;
      if (x->touch[d] < 0) {
        if ((st = xw_open(&x->p[d], x->s))) return st;
        x->touch[d] = x->p[d].npar - 1;
      }
      if ((st = xw_push(&x->p[d].par[x->touch[d]], bi, b->weight[bi])))
        return st;
    }
    for (d = 0; d < c->n; d++) {
      if (x->touch[d] < 0) continue;
      mpz_set_si(x->z, x->p[d].par[x->touch[d]].papers);
      mpq_set_z(x->t, x->z);
      mpq_mul(x->t, x->t, x->s);
      mpq_add(x->v[d], x->v[d], x->t);
    }
  }
  xw_clear(src);
  return STV_OK;
}

/* Hopefuls with the most (want_high) or fewest votes among those with
** votes >= quota and not refused by the constraints (reached = 1), the
** hopefuls not guarded (reached = -1), or all hopefuls; into x->set. */
static int xw_extreme(xwigm *x, int want_high, int reached) {
  stvi_count *c = x->c;
  int i, n = 0;
  for (i = 0; i < c->n; i++) {
    int d;
    if (c->status[i] != STVI_HOPEFUL) continue;
    if (reached > 0 &&
        (mpq_cmp(x->v[i], x->q) < 0 || stvi_con_out(c, i)))
      continue;
    if (reached < 0 && stvi_con_guarded(c, i)) continue;
    d = n ? mpq_cmp(x->v[i], x->v[x->set[0]]) * (want_high ? 1 : -1) : 1;
    if (d > 0) n = 0;
    if (d >= 0) x->set[n++] = i;
  }
  return n;
}

static stv_status xw_elect_reached(xwigm *x) {
  stvi_count *c = x->c;
  for (;;) {
    int n = xw_extreme(x, 1, 1), k, refused;
    stv_status st;
    if (n == 0 || c->nelected == c->seats) return STV_OK;
    if ((st = stvi_tie_break_order(c, x->set, n, &k))) return st;
    if ((st = stvi_con_refuse(c, k, "reached the quota", &refused)))
      return st;
    if (refused) continue;
    if ((st = stvi_elect(c, k, "reached the quota"))) return st;
    if (mpq_cmp(x->v[k], x->q) > 0) x->pending[k] = 1;
  }
}

static stv_status xw_elect_remaining(xwigm *x) {
  stvi_count *c = x->c;
  stv_status st = STV_OK;
  while (st == STV_OK && c->nelected < c->seats && stvi_hopefuls(c) > 0) {
    int n = xw_extreme(x, 1, 0), k;
    st = stvi_tie_break_order(c, x->set, n, &k);
    if (st == STV_OK)
      st = stvi_elect(c, k, "continuing candidates equal the seats left");
  }
  return st;
}

/* The pending surplus to transfer (largest, ties by the chain) or -1. */
static stv_status xw_surplus(xwigm *x, int *out) {
  stvi_count *c = x->c;
  int i, n = 0;
  for (i = 0; i < c->n; i++) {
    int d;
    if (!x->pending[i] || mpq_cmp(x->v[i], x->q) <= 0) continue;
    d = n ? mpq_cmp(x->v[i], x->v[x->set[0]]) : 1; /* same quota: compare
                                                       votes */
    if (d > 0) n = 0;
    if (d >= 0) x->set[n++] = i;
  }
  *out = -1;
  if (n == 0) return STV_OK;
  return stvi_tie_break(c, x->set, n, 1, "between equal surpluses", out);
}

static void xw_show(xwigm *x) {
  show_votes(x->c, x->v, x->total, x->z);
}

static void xw_free(xwigm *x) {
  int i;
  if (x->p)
    for (i = 0; i < x->c->n; i++) xw_clear(&x->p[i]);
  if (x->v) {
    for (i = 0; i < x->c->n; i++) mpq_clear(x->v[i]);
    mpq_clear(x->q);
    mpq_clear(x->s);
    mpq_clear(x->t);
    mpz_clear(x->z);
  }
  stvi_free(x->p);
  stvi_free(x->pos);
  stvi_free(x->touch);
  stvi_free(x->v);
  stvi_free(x->pending);
  stvi_free(x->set);
  stvi_free(x->doomed);
}

static stv_status xw_setup(xwigm *x, stvi_count *c) {
  const stvi_ballots *b = &c->b;
  int64_t j, rq;
  int i;
  stv_status st;
  size_t n = (size_t)c->n;
  x->c = c;
  x->p = stvi_calloc_array(n, sizeof(*x->p));
  x->pos = stvi_calloc_array((size_t)b->n + 1, sizeof(*x->pos));
  x->touch = stvi_alloc_array(n, sizeof(int));
  x->pending = stvi_calloc_array(n, 1);
  x->set = stvi_alloc_array(n, sizeof(int));
  x->doomed = stvi_alloc_array(n, sizeof(int));
  x->v = stvi_alloc_array(n, sizeof(mpq_t));
  if (!x->p || !x->pos || !x->touch || !x->pending || !x->set ||
      !x->doomed || !x->v) {
    stvi_free(x->v);
    x->v = NULL;
    return STV_ENOMEM;
  }
  for (i = 0; i < c->n; i++) mpq_init(x->v[i]);
  mpq_init(x->q);
  mpq_init(x->s);
  mpq_init(x->t);
  mpz_init(x->z);
  /* the rule's quota, at the rule's decimals, as an exact number */
  rq = stvi_quota(c, fx_mul(b->papers, c->one, &c->ovf), c->seats);
  mpz_set_si(x->z, rq);
  mpq_set_z(x->q, x->z);
  mpz_set_si(x->z, c->one);
  mpz_set(mpq_denref(x->q), x->z);
  mpq_canonicalize(x->q);
  show_dp(c);
  x->total = fx_mul(b->papers, c->one, &c->ovf);
  if (c->ovf) return STV_EOVERFLOW;
  mpq_set_ui(x->s, 1, 1);
  for (i = 0; i < c->n; i++)
    if ((st = xw_open(&x->p[i], x->s))) return st;
  for (j = 0; j < b->n; j++) {
    int d = b->pref[b->off[j]];
    if ((st = xw_push(&x->p[d].par[0], (uint32_t)j, b->weight[j]))) return st;
  }
  for (i = 0; i < c->n; i++) {
    mpz_set_si(x->z, x->p[i].par[0].papers);
    mpq_set_z(x->v[i], x->z);
  }
  c->quota = shown(c, x->q, x->z);
  xw_show(x);
  return c->ovf ? STV_EOVERFLOW : STV_OK;
}

stv_status stvi_exact_wigm(stvi_count *c) {
  xwigm x;
  stv_status st;
  char q[48];
  memset(&x, 0, sizeof(x));
  st = xw_setup(&x, c);
  if (st == STV_OK)
    st = stvi_stage_open(c, STVI_STAGE_FIRST, NULL, 0, "First preferences");
  if (st == STV_OK) st = stvi_stage_close(c);
  if (st == STV_OK) {
    fx_format(c->quota, c->dp, q, sizeof(q));
    st = stvi_event_add(c, STVI_EV_NOTE, -1,
                        "Quota %s; exact arithmetic: transfer values are "
                        "not truncated, figures shown truncated to 9 "
                        "decimals",
                        q);
  }
  while (st == STV_OK) {
    int k, nd, i;
    if ((st = xw_elect_reached(&x))) break;
    if (c->nelected >= c->seats) break;
    if (stvi_hopefuls(c) <= c->seats - c->nelected) {
      st = xw_elect_remaining(&x);
      break;
    }
    if ((nd = stvi_con_take(c, x.doomed)) > 0) { /* before any surplus */
      if ((st = stvi_con_exclusion_stage(c, x.doomed, nd))) break;
      for (i = 0; i < nd && st == STV_OK; i++) {
        st = xw_move(&x, x.doomed[i], NULL);
        mpq_set_ui(x.v[x.doomed[i]], 0, 1);
      }
      xw_show(&x);
      if (st == STV_OK) st = stvi_stage_close(c);
      continue;
    }
    if ((st = stvi_stage_open(c, STVI_STAGE_SURPLUS, NULL, 0, "Surplus")))
      break;
    if ((st = xw_surplus(&x, &k))) break;
    if (k >= 0) {
      int npar = 0;
      x.pending[k] = 0;
      if ((st = stvi_stage_about(c, &k, 1, "Surplus of %s", c->e->names[k])))
        break;
      for (i = 0; i < x.p[k].npar; i++) npar += x.p[k].par[i].n > 0;
      if (npar &&
          (st = stvi_event_add(c, STVI_EV_NOTE, k,
                               "Surplus of %s; exact transfer value%s "
                               "computed from %d parcel%s",
                               c->e->names[k], npar > 1 ? "s" : "", npar,
                               npar > 1 ? "s" : "")))
        break;
      /* every paper at (votes - quota) x its value / votes */
      mpq_sub(x.t, x.v[k], x.q);
      mpq_div(x.t, x.t, x.v[k]);
      {
        mpq_t ratio;
        mpq_init(ratio);
        mpq_set(ratio, x.t);
        st = xw_move(&x, k, ratio);
        mpq_clear(ratio);
      }
      mpq_set(x.v[k], x.q);
    } else {
      int n = xw_extreme(&x, 0, 0);
      const char *why = "lowest continuing candidate";
      if ((st = stvi_tie_break(c, x.set, n, 0, "for exclusion (lowest votes)",
                               &k)))
        break;
      if (stvi_con_guarded(c, k)) {
        if ((st = stvi_con_passed_over(c, k))) break;
        n = xw_extreme(&x, 0, -1);
        if ((st = stvi_tie_break(c, x.set, n, 0,
                                 "for exclusion (lowest votes, not guarded)",
                                 &k)))
          break;
        why = "lowest continuing candidate not guarded";
      }
      c->r->stages[c->r->nstages - 1].kind = STVI_STAGE_EXCLUSION;
      if ((st = stvi_stage_about(c, &k, 1, "Exclusion of %s",
                                 c->e->names[k])))
        break;
      if ((st = stvi_exclude(c, k, why))) break;
      st = xw_move(&x, k, NULL);
      mpq_set_ui(x.v[k], 0, 1);
    }
    xw_show(&x);
    if (st == STV_OK) st = stvi_stage_close(c);
  }
  xw_free(&x);
  return st;
}

#endif /* STV_HAVE_GMP */
