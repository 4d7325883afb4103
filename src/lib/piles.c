/*
** piles.c: parcels of papers and their movement (see piles.h).
**
** Cost: a move touches each moved entry once, appending it to the
** receiving pile; a receiver gets one new parcel per moved parcel, opened
** on the first paper it receives from that parcel.
*/
#include <string.h>

#include "piles.h"

#define AHEAD 8 /* entries fetched ahead when moving a parcel */

void stvi_piles_free(stvi_piles *P, int n) {
  int i;
  if (P->p)
    for (i = 0; i < n; i++) {
      stvi_free(P->p[i].ent);
      stvi_free(P->p[i].par);
    }
  stvi_free(P->p);
  stvi_free(P->pos);
  stvi_free(P->touch);
  memset(P, 0, sizeof(*P));
}

static stv_status push_entry(stvi_pile *p, uint32_t b) {
  if (p->n == p->cap) {
    uint64_t nc = p->cap ? p->cap * 2 : 64;
    uint32_t *ne = stvi_realloc_array(p->ent, nc, sizeof(*ne));
    if (!ne) return STV_ENOMEM;
    p->ent = ne;
    p->cap = nc;
  }
  p->ent[p->n++] = b;
  return STV_OK;
}

static stv_status open_parcel(stvi_pile *p, int64_t num, int64_t den,
                              int stage) {
  stvi_parcel *q;
  if (p->npar == p->cappar) {
    int nc = p->cappar ? p->cappar * 2 : 8;
    stvi_parcel *np = stvi_realloc_array(p->par, (size_t)nc, sizeof(*np));
    if (!np) return STV_ENOMEM;
    p->par = np;
    p->cappar = nc;
  }
  q = &p->par[p->npar++];
  q->num = num;
  q->den = den;
  q->tv = num / den;
  q->start = p->n;
  q->count = 0;
  q->papers = 0;
  q->stage = stage;
  return STV_OK;
}

stv_status stvi_piles_init(stvi_piles *P, stvi_count *c) {
  const stvi_ballots *b = &c->b;
  int64_t i;
  int k;
  stv_status st;
  memset(P, 0, sizeof(*P));
  P->p = stvi_calloc_array((size_t)c->n, sizeof(*P->p));
  P->pos = stvi_calloc_array((size_t)b->n + 1, sizeof(*P->pos));
  P->touch = stvi_alloc_array((size_t)c->n, sizeof(*P->touch));
  if (!P->p || !P->pos || !P->touch) return STV_ENOMEM;
  for (k = 0; k < c->n; k++) {
    P->touch[k] = -1;
    if ((st = open_parcel(&P->p[k], c->one, 1, 1))) return st;
  }
  for (i = 0; i < b->n; i++) {
    int d = b->pref[b->off[i]];
    stvi_pile *p = &P->p[d];
    if ((st = push_entry(p, (uint32_t)i))) return st;
    p->par[0].count++;
    p->par[0].papers += b->weight[i];
    p->papers += b->weight[i];
  }
  for (k = 0; k < c->n; k++)
    c->votes[k] = fx_mul(P->p[k].papers, c->one, &c->ovf);
  return STV_OK;
}

stv_status stvi_piles_move_ratio(stvi_piles *P, stvi_count *c, int k,
                                 const int *which, int nw, const int64_t *nums,
                                 const int64_t *dens, int stage) {
  const stvi_ballots *b = &c->b;
  stvi_pile *src = &P->p[k];
  int *got = NULL, ngot, w, j;
  stv_status st = STV_OK;
  got = stvi_alloc_array((size_t)c->n, sizeof(int));
  if (!got) return STV_ENOMEM;
  for (w = 0; w < nw && st == STV_OK; w++) {
    stvi_parcel *q = &src->par[which[w]];
    int64_t num = nums[w], den = dens ? dens[w] : 1, lost = 0;
    uint64_t e;
    int move = P->moves++;
    ngot = 0;
    for (e = q->start; e < q->start + q->count; e++) {
      uint32_t bi = src->ent[e];
      const uint16_t *pref = b->pref + b->off[bi];
      int len = b->len[bi], pos = P->pos[bi] + 1, d;
      stvi_pile *dp;
      /* A parcel's ballots lie scattered through the arrays: fetch ahead in
      ** two steps, a ballot's fields and then the preference they point
      ** to, so that the misses overlap. */
      if (e + 2 * AHEAD < q->start + q->count) {
        uint32_t f = src->ent[e + 2 * AHEAD];
        __builtin_prefetch(&b->off[f]);
        __builtin_prefetch(&b->len[f]);
        __builtin_prefetch(&b->weight[f]);
        __builtin_prefetch(&P->pos[f], 1);
      }
      if (e + AHEAD < q->start + q->count) {
        uint32_t f = src->ent[e + AHEAD];
        __builtin_prefetch(b->pref + b->off[f] + P->pos[f]);
      }
      while (pos < len && c->status[pref[pos]] != STVI_HOPEFUL) pos++;
      if (pos >= len) {
        lost += b->weight[bi];
        P->pos[bi] = (uint16_t)(len - 1);
        continue;
      }
      d = pref[pos];
      dp = &P->p[d];
      P->pos[bi] = (uint16_t)pos;
      if (P->touch[d] != move) {
        if ((st = open_parcel(dp, num, den, stage))) break;
        P->touch[d] = move;
        got[ngot++] = d;
      }
      if ((st = push_entry(dp, bi))) break;
      dp->par[dp->npar - 1].count++;
      dp->par[dp->npar - 1].papers += b->weight[bi];
      dp->papers += b->weight[bi];
    }
    /* credit each receiver once per parcel: papers x value */
    for (j = 0; j < ngot; j++) {
      stvi_pile *dp = &P->p[got[j]];
      int64_t add = fx_muldiv_floor(dp->par[dp->npar - 1].papers, num, den,
                                    &c->ovf);
      c->votes[got[j]] = fx_add(c->votes[got[j]], add, &c->ovf);
    }
    c->exhausted = fx_add(c->exhausted,
                          fx_muldiv_floor(lost, num, den, &c->ovf), &c->ovf);
    src->papers -= q->papers;
    q->count = 0;
    q->papers = 0;
  }
  stvi_free(got);
  return st;
}

stv_status stvi_piles_move(stvi_piles *P, stvi_count *c, int k,
                           const int *which, int nw, const int64_t *tvs,
                           int stage) {
  return stvi_piles_move_ratio(P, c, k, which, nw, tvs, NULL, stage);
}

stv_status stvi_piles_move_all(stvi_piles *P, stvi_count *c, int k,
                               int stage) {
  stvi_pile *p = &P->p[k];
  int *which = stvi_alloc_array((size_t)p->npar + 1, sizeof(int));
  int64_t *nums = stvi_alloc_array((size_t)p->npar + 1, sizeof(int64_t));
  int64_t *dens = stvi_alloc_array((size_t)p->npar + 1, sizeof(int64_t));
  int nw = 0, i;
  stv_status st = STV_ENOMEM;
  if (which && nums && dens) {
    for (i = 0; i < p->npar; i++) {
      if (p->par[i].count == 0) continue;
      which[nw] = i;
      nums[nw] = p->par[i].num; /* each paper at the value it has */
      dens[nw] = p->par[i].den;
      nw++;
    }
    st = stvi_piles_move_ratio(P, c, k, which, nw, nums, dens, stage);
  }
  stvi_free(which);
  stvi_free(nums);
  stvi_free(dens);
  c->votes[k] = 0;
  stvi_pile_clear(P, k);
  return st;
}

void stvi_pile_clear(stvi_piles *P, int k) {
  stvi_pile *p = &P->p[k];
  int i;
  for (i = 0; i < p->npar; i++) {
    p->par[i].count = 0;
    p->par[i].papers = 0;
  }
  stvi_free(p->ent);
  p->ent = NULL;
  p->n = p->cap = 0;
  p->papers = 0;
}
