/*
** flows.c: who gave what to whom at each stage (see flows.h).
*/
#include <stdlib.h>

#include "flows.h"

typedef struct side {
  int node;
  int64_t v;
} side;

typedef struct cell {
  int d, r;       /* indices into the donor and receiver lists */
  int64_t rem;    /* remainder of out_d * in_r mod total, for the order */
} cell;

/* Largest remainder first; then donor, then receiver, in node order. */
static int cell_cmp(const void *a, const void *b) {
  const cell *x = a, *y = b;
  if (x->rem != y->rem) return x->rem > y->rem ? -1 : 1;
  if (x->d != y->d) return x->d - y->d;
  return x->r - y->r;
}

static void put(side *s, int *n, int node, int64_t v) {
  if (v == 0) return;
  s[*n].node = node;
  s[*n].v = v;
  (*n)++;
}

stv_status stvi_stage_flows(const stv_result *r, int s, stvi_flow **out,
                            int *nout) {
  const stvi_stage *st = &r->stages[s];
  int n = r->ncand, nd = 0, nr = 0, i, j, k = 0, ovf = 0;
  int64_t dsum = 0, rsum = 0, dloss;
  side *don, *rec;
  stvi_flow *f = NULL;
  stv_status rc = STV_OK;

  *out = NULL;
  *nout = 0;
  don = stvi_alloc_array((size_t)n + 3, sizeof(side));
  rec = stvi_alloc_array((size_t)n + 3, sizeof(side));
  if (!don || !rec) {
    rc = STV_ENOMEM;
    goto done;
  }
  if (s == 0) {
    put(don, &nd, STVI_NODE_PAPERS(n), 1);
    for (i = 0; i < n; i++)
      if (st->votes[i] > 0) put(rec, &nr, i, st->votes[i]);
    if (st->exhausted > 0) put(rec, &nr, STVI_NODE_NT(n), st->exhausted);
    if (st->loss > 0) put(rec, &nr, STVI_NODE_LOSS(n), st->loss);
    /* the papers give what the candidates, NT and loss hold */
    don[0].v = 0;
    for (i = 0; i < nr; i++) don[0].v += rec[i].v;
    if (don[0].v == 0) nd = 0;
  } else {
    dloss = st->loss - r->stages[s - 1].loss;
    for (i = 0; i < n; i++)
      if (st->transfers[i] < 0) put(don, &nd, i, -st->transfers[i]);
      else put(rec, &nr, i, st->transfers[i]);
    if (st->exhausted_delta < 0) put(don, &nd, STVI_NODE_NT(n), -st->exhausted_delta);
    else put(rec, &nr, STVI_NODE_NT(n), st->exhausted_delta);
    if (dloss < 0) put(don, &nd, STVI_NODE_LOSS(n), -dloss);
    else put(rec, &nr, STVI_NODE_LOSS(n), dloss);
  }
  for (i = 0; i < nd; i++) dsum += don[i].v;
  for (i = 0; i < nr; i++) rsum += rec[i].v;
  if (dsum != rsum) {
    rc = STV_EINVAL;
    goto done;
  }
  if (nd == 0) goto done;
  f = stvi_alloc_array((size_t)nd * (size_t)nr + 1, sizeof(stvi_flow));
  if (!f) {
    rc = STV_ENOMEM;
    goto done;
  }
  if (nd == 1) {
    for (j = 0; j < nr; j++) {
      f[k].from = don[0].node;
      f[k].to = rec[j].node;
      f[k].v = rec[j].v;
      f[k++].estimated = 0;
    }
  } else {
    /* Proportional shares, floored; then the few units left over go, a
    ** cell at a time in order of largest remainder, to cells whose donor
    ** and receiver both still lack some (this always places them all:
    ** each cell takes as much as both sides can, so a side left short at
    ** the end would mean every side of the other kind is full). */
    int64_t *drest = stvi_calloc_array((size_t)nd, sizeof(int64_t));
    int64_t *rrest = stvi_calloc_array((size_t)nr, sizeof(int64_t));
    cell *cs = stvi_alloc_array((size_t)nd * (size_t)nr, sizeof(cell));
    if (!drest || !rrest || !cs) {
      rc = STV_ENOMEM;
    } else {
      for (i = 0; i < nd; i++) drest[i] = don[i].v;
      for (j = 0; j < nr; j++) rrest[j] = rec[j].v;
      for (i = 0; i < nd; i++)
        for (j = 0; j < nr; j++) {
          int64_t q = fx_muldiv_floor(don[i].v, rec[j].v, dsum, &ovf);
          __int128 p = (__int128)don[i].v * rec[j].v;
          cell *c = &cs[i * nr + j];
          c->d = i;
          c->r = j;
          c->rem = (int64_t)(p - (__int128)q * dsum);
          f[i * nr + j].from = don[i].node;
          f[i * nr + j].to = rec[j].node;
          f[i * nr + j].v = q;
          f[i * nr + j].estimated = 1;
          drest[i] -= q;
          rrest[j] -= q;
        }
      qsort(cs, (size_t)nd * (size_t)nr, sizeof(cell), cell_cmp);
      for (i = 0; i < nd * nr; i++) {
        int64_t a = drest[cs[i].d] < rrest[cs[i].r] ? drest[cs[i].d]
                                                     : rrest[cs[i].r];
        f[cs[i].d * nr + cs[i].r].v += a;
        drest[cs[i].d] -= a;
        rrest[cs[i].r] -= a;
      }
      /* drop empty cells, keeping the order */
      for (i = 0; i < nd * nr; i++)
        if (f[i].v > 0) f[k++] = f[i];
      if (ovf) rc = STV_EOVERFLOW;
    }
    stvi_free(drest);
    stvi_free(rrest);
    stvi_free(cs);
  }
done:
  stvi_free(don);
  stvi_free(rec);
  if (rc != STV_OK) {
    stvi_free(f);
    return rc;
  }
  *out = f;
  *nout = k;
  return STV_OK;
}

void stvi_event_stages(const stv_result *r, int *el_at, int *ex_at) {
  int s, i;
  for (i = 0; i < r->ncand; i++) el_at[i] = ex_at[i] = -1;
  for (s = 0; s < r->nstages; s++)
    for (i = 0; i < r->stages[s].nevents; i++) {
      const stvi_event *ev = &r->stages[s].events[i];
      if (ev->cand < 0 || ev->cand >= r->ncand) continue;
      if (ev->type == STVI_EV_ELECTED && el_at[ev->cand] < 0)
        el_at[ev->cand] = s;
      if (ev->type == STVI_EV_EXCLUDED && ex_at[ev->cand] < 0)
        ex_at[ev->cand] = s;
    }
}

int stvi_stage_has_subject(const stvi_stage *st, int c) {
  int j;
  for (j = 0; j < st->nsubjects; j++)
    if (st->subjects[j] == c) return 1;
  return 0;
}

int stvi_stage_continues(const stv_result *r, int s) {
  const stvi_stage *a, *b;
  int j;
  if (s < 1 || s >= r->nstages) return 0;
  a = &r->stages[s - 1];
  b = &r->stages[s];
  if (b->kind == STVI_STAGE_FIRST || a->kind != b->kind ||
      a->nsubjects != b->nsubjects || b->nsubjects == 0)
    return 0;
  for (j = 0; j < a->nsubjects; j++)
    if (!stvi_stage_has_subject(b, a->subjects[j])) return 0;
  return 1;
}
