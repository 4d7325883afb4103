/*
** gregory.c: inclusive Gregory counts: scottish, wigm and uig.
**
** Scottish STV (SSI 2007/42, schedule 1, rules 45-52; docs/rules/scottish.md)
** and its generalisation wigm: a candidate whose votes reach the quota is
** elected; the largest surplus is transferred first, every paper the
** candidate holds moving on at
**     transfer value = surplus x value of the paper when received / votes
** truncated to the count's decimals (rule 48(3)); with no surplus left the
** lowest candidate is excluded and all their papers move at the value they
** have (rule 50).  When the continuing candidates are as many as the seats
** left they are elected (rule 52).  uig differs only in the transfer value:
** surplus / number of papers, the same for every paper.
*/
#include <string.h>

#include "exact.h"
#include "piles.h"

/* Elects, highest vote first, every hopeful who has reached the quota. */
static stv_status elect_reached(stvi_count *c, unsigned char *pending) {
  int *set = NULL, n, i, refused;
  stv_status st = STV_OK;
  set = stvi_alloc_array((size_t)c->n, sizeof(int));
  if (!set) return STV_ENOMEM;
  for (;;) {
    int64_t best = -1;
    int chosen;
    n = 0;
    for (i = 0; i < c->n; i++) {
      if (c->status[i] != STVI_HOPEFUL || c->votes[i] < c->quota ||
          stvi_con_out(c, i))
        continue;
      if (c->votes[i] > best) {
        best = c->votes[i];
        n = 0;
      }
      if (c->votes[i] == best) set[n++] = i;
    }
    if (n == 0 || c->nelected == c->seats) break;
    st = stvi_tie_break_order(c, set, n, &chosen);
    if (st == STV_OK)
      st = stvi_con_refuse(c, chosen, "reached the quota", &refused);
    if (st) break;
    if (refused) continue;
    st = stvi_elect(c, chosen, "reached the quota");
    if (st) break;
    if (c->votes[chosen] > c->quota) pending[chosen] = 1;
  }
  stvi_free(set);
  return st;
}

/* Elects every hopeful, highest vote first, when they are as many as the
** seats left. */
static stv_status elect_remaining(stvi_count *c) {
  stv_status st = STV_OK;
  int *set = stvi_alloc_array((size_t)c->n, sizeof(int));
  if (!set) return STV_ENOMEM;
  while (st == STV_OK && c->nelected < c->seats && stvi_hopefuls(c) > 0) {
    int64_t best = -1;
    int n = 0, i, chosen;
    for (i = 0; i < c->n; i++) {
      if (c->status[i] != STVI_HOPEFUL) continue;
      if (c->votes[i] > best) {
        best = c->votes[i];
        n = 0;
      }
      if (c->votes[i] == best) set[n++] = i;
    }
    st = stvi_tie_break_order(c, set, n, &chosen);
    if (st == STV_OK)
      st = stvi_elect(c, chosen,
                      "continuing candidates equal the seats left");
  }
  stvi_free(set);
  return st;
}

/* The candidate (0-based) to act on: the largest pending surplus
** (want_high) or the lowest hopeful (not guarded, with unguarded); -1 if
** none. */
static stv_status choose(stvi_count *c, const unsigned char *pending,
                         int surplus, int unguarded, int *out) {
  int *set = stvi_alloc_array((size_t)c->n, sizeof(int));
  int n = 0, i;
  int64_t best = 0;
  stv_status st = STV_OK;
  if (!set) return STV_ENOMEM;
  for (i = 0; i < c->n; i++) {
    int64_t v;
    if (surplus) {
      if (!pending[i]) continue;
      v = c->votes[i] - c->quota;
      if (v <= 0) continue;
    } else {
      if (c->status[i] != STVI_HOPEFUL) continue;
      if (unguarded && stvi_con_guarded(c, i)) continue;
      v = c->votes[i];
    }
    if (n == 0 || (surplus ? v > best : v < best)) {
      best = v;
      n = 0;
    }
    if (v == best) set[n++] = i;
  }
  *out = -1;
  if (n > 0)
    st = stvi_tie_break(c, set, n, surplus,
                        surplus ? "between equal surpluses"
                                : "for exclusion (lowest votes)",
                        out);
  stvi_free(set);
  return st;
}

static stv_status transfer_surplus(stvi_count *c, stvi_piles *P, int k,
                                   int stage) {
  stvi_pile *p = &P->p[k];
  int64_t surplus = c->votes[k] - c->quota, total = c->votes[k];
  int *which = stvi_alloc_array((size_t)p->npar + 1, sizeof(int));
  int64_t *tvs = stvi_alloc_array((size_t)p->npar + 1, sizeof(int64_t));
  int64_t *dens = stvi_alloc_array((size_t)p->npar + 1, sizeof(int64_t));
  int nw = 0, i;
  stv_status st;
  int uig = strcmp(c->rule->name, "uig") == 0;
  if (!which || !tvs || !dens) {
    stvi_free(which);
    stvi_free(tvs);
    stvi_free(dens);
    return STV_ENOMEM;
  }
  for (i = 0; i < p->npar; i++) {
    if (p->par[i].count == 0) continue;
    which[nw] = i;
    if (uig) { /* surplus / papers, exact, the same for every paper */
      tvs[nw] = surplus;
      dens[nw] = p->papers;
    } else { /* surplus x value when received / votes, truncated (48(3)) */
      tvs[nw] = fx_muldiv_floor(surplus, p->par[i].tv, total, &c->ovf);
      dens[nw] = 1;
    }
    nw++;
  }
  if (nw)
    st = stvi_event_add(c, STVI_EV_NOTE, k,
                        "Surplus of %s; transfer value%s computed from %d "
                        "parcel%s",
                        c->e->names[k], nw > 1 ? "s" : "", nw,
                        nw > 1 ? "s" : "");
  else
    st = STV_OK;
  if (st == STV_OK)
    st = stvi_piles_move_ratio(P, c, k, which, nw, tvs, dens, stage);
  stvi_free(which);
  stvi_free(tvs);
  stvi_free(dens);
  c->votes[k] = c->quota;
  stvi_pile_clear(P, k);
  return st;
}

stv_status stvi_count_gregory(stvi_count *c) {
  if (c->o->arith == STVI_ARITH_EXACT) return stvi_exact_wigm(c);
  stvi_piles P;
  unsigned char *pending = stvi_calloc_array((size_t)c->n, 1);
  int *doomed = stvi_alloc_array((size_t)c->n, sizeof(int));
  stv_status st;
  char q[48];
  if (!pending || !doomed) {
    stvi_free(pending);
    stvi_free(doomed);
    return STV_ENOMEM;
  }
  st = stvi_piles_init(&P, c);
  if (st == STV_OK) {
    c->quota = stvi_quota(c, fx_mul(c->b.papers, c->one, &c->ovf), c->seats);
    st = stvi_stage_open(c, STVI_STAGE_FIRST, NULL, 0, "First preferences");
  }
  if (st == STV_OK) st = stvi_stage_close(c);
  if (st == STV_OK) {
    fx_format(c->quota, c->dp, q, sizeof(q));
    st = stvi_event_add(c, STVI_EV_NOTE, -1, "Quota %s", q);
  }
  while (st == STV_OK) {
    int k, stage, nd, i;
    if ((st = elect_reached(c, pending))) break;
    if (c->nelected >= c->seats) break;
    if (stvi_hopefuls(c) <= c->seats - c->nelected) {
      st = elect_remaining(c);
      break;
    }
    stage = c->r->nstages + 1;
    if ((nd = stvi_con_take(c, doomed)) > 0) { /* before any surplus */
      if ((st = stvi_con_exclusion_stage(c, doomed, nd))) break;
      for (i = 0; i < nd && st == STV_OK; i++)
        st = stvi_piles_move_all(&P, c, doomed[i], stage);
      if (st == STV_OK) st = stvi_stage_close(c);
      continue;
    }
    if ((st = stvi_stage_open(c, STVI_STAGE_SURPLUS, NULL, 0, "Surplus"))) break;
    if ((st = choose(c, pending, 1, 0, &k))) break;
    if (k >= 0) {
      pending[k] = 0;
      if ((st = stvi_stage_about(c, &k, 1, "Surplus of %s", c->e->names[k])))
        break;
      st = transfer_surplus(c, &P, k, stage);
    } else {
      const char *why = "lowest continuing candidate";
      if ((st = choose(c, pending, 0, 0, &k))) break;
      if (stvi_con_guarded(c, k)) {
        if ((st = stvi_con_passed_over(c, k))) break;
        if ((st = choose(c, pending, 0, 1, &k))) break;
        why = "lowest continuing candidate not guarded";
      }
      c->r->stages[c->r->nstages - 1].kind = STVI_STAGE_EXCLUSION;
      if ((st = stvi_stage_about(c, &k, 1, "Exclusion of %s",
                                 c->e->names[k])))
        break;
      if ((st = stvi_exclude(c, k, why))) break;
      st = stvi_piles_move_all(&P, c, k, stage);
    }
    if (st == STV_OK) st = stvi_stage_close(c);
  }
  stvi_piles_free(&P, c->n);
  stvi_free(pending);
  stvi_free(doomed);
  return st;
}
