/*
** ers97.c: the Electoral Reform Society's STV rules, 3rd edition (1997).
**
** docs/rules/ers97.md is the specification; the [§x.y.z] references below
** are to the ERS97 text as cited there, and C1..C13 to its choices.
**
** Every value is a whole number of hundredths (c->one == 100).  A paper
** keeps the value at which it was last transferred.  In outline:
**   - quota V/(S+1) rounded up to 0.01, recalculated on the votes still in
**     the count after each exclusion batch until someone is elected;
**   - a candidate is elected on reaching the quota or the total active vote
**     divided by one more than the places left, highest first;
**   - surpluses are deferred while they cannot change who is excluded;
**     otherwise the largest moves, using only the last batch the candidate
**     received, at floor(surplus / transferable papers);
**   - exclusion is in bulk where the rules allow, the papers moving in
**     batches of one value, highest first, each batch its own (sub-)stage,
**     with elections after every batch.
**
** The count is recorded with one stage per first count, surplus transfer
** and exclusion batch; ties are broken forwards, then by lot.
*/
#include <stdlib.h>
#include <string.h>

#include "piles.h"

typedef struct ers {
  stvi_count *c;
  stvi_piles P;
  unsigned char *pending; /* elected with a surplus not yet transferred */
  int *set;               /* scratch, n entries */
  int *grp;               /* scratch: the candidates being excluded */
  int *tmp;               /* scratch for forwards_left() */
  struct ranked {
    int64_t v;
    int k;
  } *asc; /* scratch: continuing candidates, ascending votes */
  int64_t total; /* valid vote at stage 1, hundredths */
} ers;

static void fmt(const stvi_count *c, int64_t v, char *out, size_t n) {
  fx_format(v, c->dp, out, n);
}

/* ---- quantities ------------------------------------------------------- */

/* Total of the surpluses not yet transferred. */
static int64_t pending_total(ers *x) {
  stvi_count *c = x->c;
  int64_t d = 0;
  int i;
  for (i = 0; i < c->n; i++)
    if (x->pending[i] && c->votes[i] > c->quota)
      d = fx_add(d, c->votes[i] - c->quota, &c->ovf);
  return d;
}

/* Total active vote [§6.20, §5.6.1]: the valid vote less the quotas (or the
** votes, if less) of those elected, less the non-transferable vote and the
** loss to rounding.  Equivalently the votes of continuing candidates, plus
** untransferred surpluses, plus papers of excluded candidates still to
** move. */
static int64_t active_vote(ers *x) {
  stvi_count *c = x->c;
  int64_t t = x->total, sum = 0;
  int i;
  for (i = 0; i < c->n; i++) {
    int64_t v = c->votes[i];
    sum = fx_add(sum, v, &c->ovf);
    if (c->status[i] == STVI_ELECTED) t -= v < c->quota ? v : c->quota;
  }
  /* NT + loss is what the candidates no longer hold */
  return t - (x->total - sum);
}

/* Continuing candidates in ascending order of votes (candidate number
** among equals; ties that matter are broken where they matter).  Returns
** how many. */
static int cmp_ranked(const void *a, const void *b) {
  const struct ranked *p = a, *q = b;
  if (p->v != q->v) return p->v < q->v ? -1 : 1;
  return p->k - q->k;
}

static int ascending_of(ers *x, int unguarded) {
  stvi_count *c = x->c;
  int i, n = 0;
  for (i = 0; i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL &&
        !(unguarded && stvi_con_guarded(c, i))) {
      x->asc[n].v = c->votes[i];
      x->asc[n].k = i;
      n++;
    }
  qsort(x->asc, (size_t)n, sizeof(x->asc[0]), cmp_ranked);
  return n;
}

static int ascending(ers *x) { return ascending_of(x, 0); }

/* How many of cands[0..n) remain after the forwards rule (at each stage
** from the first on, keep those with the most votes), without recording
** anything: whether a tie for election can be decided at all [§5.6.2]. */
static int forwards_left(ers *x, const int *cands, int n) {
  const stvi_count *c = x->c;
  int *set = x->tmp;
  int m = n, s, i, k;
  memcpy(set, cands, (size_t)n * sizeof(int));
  for (s = 0; s < c->r->nclosed && m > 1; s++) {
    const int64_t *v = c->r->stages[s].votes;
    int64_t best = v[set[0]];
    for (i = 1; i < m; i++)
      if (v[set[i]] > best) best = v[set[i]];
    for (i = k = 0; i < m; i++)
      if (v[set[i]] == best) set[k++] = set[i];
    m = k;
  }
  return m;
}

/* ---- elections -------------------------------------------------------- */

/* The election check [§5.1.7, §5.3.13, §5.4.9]: the continuing candidate
** with the most votes is elected if the votes equal or exceed the quota, or
** the total active vote divided by one more than the places not yet
** filled; repeated (U and the total active vote recomputed, C2) until one
** fails or all places are filled. */
static stv_status elect_check(ers *x) {
  stvi_count *c = x->c;
  stv_status st = STV_OK;
  while (st == STV_OK && c->nelected < c->seats) {
    int u = c->seats - c->nelected, n = 0, i, k, refused;
    int64_t best = -1, tav, lhs;
    char a[48], why[160];
    for (i = 0; i < c->n; i++) {
      if (c->status[i] != STVI_HOPEFUL || stvi_con_out(c, i)) continue;
      if (c->votes[i] > best) {
        best = c->votes[i];
        n = 0;
      }
      if (c->votes[i] == best) x->set[n++] = i;
    }
    if (n == 0) break;
    tav = active_vote(x);
    lhs = fx_mul(best, u + 1, &c->ovf);
    if (best >= c->quota) {
      fmt(c, c->quota, a, sizeof(a));
      snprintf(why, sizeof(why), "reached the quota %s", a);
    } else if (lhs >= tav) {
      fmt(c, tav, a, sizeof(a));
      snprintf(why, sizeof(why),
               "reached the total active vote %s divided by %d [5.1.7(b)]",
               a, u + 1);
    } else
      break;
    if (n > u && forwards_left(x, x->set, n) > u) {
      /* [§5.6.2] equal at every earlier point, too few places: none of
      ** them is elected at this stage, and nobody below them (C7) */
      fmt(c, best, a, sizeof(a));
      st = stvi_event_add(c, STVI_EV_NOTE, -1,
                          "%d candidates have %s votes and equalled them at "
                          "every earlier stage, but only %d place%s left: "
                          "none of them is elected at this stage [5.6.2]",
                          n, a, u, u == 1 ? " is" : "s are");
      break;
    }
    st = stvi_tie_break(c, x->set, n, 1,
                        n > u ? "for the places left [5.6.2]"
                              : "for order of election",
                        &k);
    if (st == STV_OK)
      st = stvi_con_refuse(c, k, best >= c->quota
                                     ? "reached the quota"
                                     : "reached the total active vote "
                                       "divided by the places left plus one",
                           &refused);
    if (st || refused) continue;
    st = stvi_elect(c, k, why);
    if (st == STV_OK && c->votes[k] > c->quota) x->pending[k] = 1;
  }
  return st;
}

/* Elects all of cands[0..n) (the continuing candidates, or those left by a
** proposed exclusion), highest vote first [§4.3, §5.5.1]. */
static stv_status elect_all(ers *x, int *cands, int n) {
  stvi_count *c = x->c;
  stv_status st = STV_OK;
  while (st == STV_OK && n > 0 && c->nelected < c->seats) {
    int64_t best = -1;
    int m = 0, i, k;
    for (i = 0; i < n; i++) {
      if (c->votes[cands[i]] > best) {
        best = c->votes[cands[i]];
        m = 0;
      }
      if (c->votes[cands[i]] == best) x->set[m++] = cands[i];
    }
    st = stvi_tie_break(c, x->set, m, 1, "for order of election", &k);
    if (st == STV_OK)
      st = stvi_elect(c, k,
                      "the continuing candidates are no more than the "
                      "places left [5.5.1]");
    if (st == STV_OK && c->votes[k] > c->quota) x->pending[k] = 1;
    for (i = 0; i < n; i++)
      if (cands[i] == k) {
        cands[i] = cands[--n];
        break;
      }
  }
  return st;
}

/* ---- surpluses -------------------------------------------------------- */

/* Whether every surplus may be deferred [§5.2.2]: their total D does not
** exceed (a) the gap between the two lowest continuing candidates, or (b)
** the gap between the total of the k lowest (2 <= k <= C - U) and the next
** above (C1: either suffices). */
static int deferrable(ers *x, int64_t d, int unguarded, char *why,
                      size_t nwhy) {
  stvi_count *c = x->c;
  int n = ascending_of(x, unguarded), u = c->seats - c->nelected, k;
  int64_t sum;
  char a[48], b[48];
  if (n < 2) return 0;
  if (d <= x->asc[1].v - x->asc[0].v) {
    fmt(c, x->asc[1].v - x->asc[0].v, a, sizeof(a));
    snprintf(why, nwhy, "the two lowest, %s and %s, are %s apart [5.2.2(a)]",
             c->e->names[x->asc[0].k], c->e->names[x->asc[1].k], a);
    return 1;
  }
  sum = x->asc[0].v;
  for (k = 2; k <= n - u && k < n; k++) {
    sum = fx_add(sum, x->asc[k - 1].v, &c->ovf);
    if (d <= x->asc[k].v - sum) {
      fmt(c, sum, a, sizeof(a));
      fmt(c, x->asc[k].v, b, sizeof(b));
      snprintf(why, nwhy,
               "the %d lowest have %s together, %s has %s [5.2.2(b)]", k, a,
               c->e->names[x->asc[k].k], b);
      return 1;
    }
  }
  return 0;
}

/* Papers (sum of weights) of parcel q of candidate k that have a next
** preference for a continuing candidate, as stvi_piles_move would find. */
static int64_t transferable(ers *x, int k, int q) {
  stvi_count *c = x->c;
  const stvi_ballots *b = &c->b;
  const stvi_pile *p = &x->P.p[k];
  const stvi_parcel *par = &p->par[q];
  int64_t n = 0;
  uint64_t e;
  for (e = par->start; e < par->start + par->count; e++) {
    uint32_t bi = p->ent[e];
    const uint16_t *pref = b->pref + b->off[bi];
    int len = b->len[bi], pos = x->P.pos[bi] + 1;
    while (pos < len && c->status[pref[pos]] != STVI_HOPEFUL) pos++;
    if (pos < len) n += b->weight[bi];
  }
  return n;
}

/* Transfers the surplus of k [§5.3]: only the last batch received (all
** the papers, if that is the first preferences) [§5.3.1, §5.3.2, C5];
** transfer value floor(surplus / transferable papers) unless those papers
** are worth no more than the surplus, when they move at their own value
** [§5.3.7, C4]; non-transferable papers carry nothing; what the transfer
** value's truncation leaves is lost to rounding [§5.3.9, §6.11]. */
static stv_status transfer_surplus(ers *x, int k, int stage) {
  stvi_count *c = x->c;
  stvi_pile *p = &x->P.p[k];
  int64_t surplus = c->votes[k] - c->quota, papers = 0, movable = 0,
          worth = 0, before = 0, credited = 0, nt = c->exhausted, tv;
  int *which = stvi_alloc_array((size_t)p->npar + 1, sizeof(int));
  int64_t *tvs = stvi_alloc_array((size_t)p->npar + 1, sizeof(int64_t));
  int nw = 0, i, from, last;
  char s1[48], s2[48], s3[48];
  stv_status st;
  if (!which || !tvs) {
    stvi_free(which);
    stvi_free(tvs);
    return STV_ENOMEM;
  }
  /* the last batch: the trailing parcels brought by the same stage */
  last = p->npar - 1;
  from = last;
  while (from > 0 && p->par[from - 1].stage == p->par[last].stage) from--;
  for (i = from; i <= last; i++) {
    int64_t t;
    if (p->par[i].count == 0) continue;
    t = transferable(x, k, i);
    which[nw++] = i;
    papers += p->par[i].papers;
    movable += t;
    worth = fx_add(worth, fx_mul(t, p->par[i].tv, &c->ovf), &c->ovf);
  }
  for (i = 0; i < c->n; i++) before = fx_add(before, c->votes[i], &c->ovf);
  before -= c->votes[k];
  fmt(c, surplus, s1, sizeof(s1));
  if (worth > surplus) {
    tv = fx_muldiv_floor(surplus, 1, movable, &c->ovf);
    for (i = 0; i < nw; i++) tvs[i] = tv;
    fmt(c, tv, s2, sizeof(s2));
    st = stvi_event_add(
        c, STVI_EV_NOTE, k,
        "Surplus of %s %s; %s: %lld papers, %lld of them transferable; "
        "transfer value %s / %lld = %s",
        c->e->names[k], s1,
        p->par[last].stage == 1 ? "all papers examined (first stage)"
                                : "last batch received examined",
        (long long)papers, (long long)movable, s1, (long long)movable, s2);
  } else {
    for (i = 0; i < nw; i++) tvs[i] = p->par[which[i]].tv;
    fmt(c, worth, s2, sizeof(s2));
    fmt(c, nw ? p->par[which[0]].tv : 0, s3, sizeof(s3));
    if (movable == 0)
      st = stvi_event_add(c, STVI_EV_NOTE, k,
                          "Surplus of %s %s; no paper of the last batch "
                          "received is transferable: the whole surplus is "
                          "non-transferable",
                          c->e->names[k], s1);
    else
      st = stvi_event_add(
          c, STVI_EV_NOTE, k,
          "Surplus of %s %s; the last batch received, %lld transferable "
          "papers, is worth only %s: they move at their value %s and the "
          "rest of the surplus is non-transferable",
          c->e->names[k], s1, (long long)movable, s2, s3);
  }
  if (st == STV_OK) st = stvi_piles_move(&x->P, c, k, which, nw, tvs, stage);
  stvi_free(which);
  stvi_free(tvs);
  if (st) return st;
  /* the non-transferable papers carry nothing */
  c->exhausted = nt;
  for (i = 0; i < c->n; i++)
    if (i != k) credited = fx_add(credited, c->votes[i], &c->ovf);
  credited -= before;
  if (worth <= surplus) /* C4: the part no paper carries */
    c->exhausted = fx_add(c->exhausted, surplus - credited, &c->ovf);
  c->votes[k] = c->quota;
  x->pending[k] = 0;
  stvi_pile_clear(&x->P, k);
  return STV_OK;
}

/* ---- exclusion -------------------------------------------------------- */

/* Whether the lowest continuing candidate is guarded by the constraints
** (any of them, if several share the fewest votes). */
static int lowest_guarded(ers *x) {
  int n = ascending(x), i;
  for (i = 0; i < n && x->asc[i].v == x->asc[0].v; i++)
    if (stvi_con_guarded(x->c, x->asc[i].k)) return 1;
  return 0;
}

static int cmp_desc64(const void *a, const void *b) {
  int64_t p = *(const int64_t *)a, q = *(const int64_t *)b;
  return p > q ? -1 : p < q;
}

/* How many to exclude [§5.2.5]: the largest k <= C - U such that the k
** lowest of asc[0..n), with the deferred surpluses d, do not exceed the
** next above (the test is not monotonic in k, so every k is tried); at
** least 1. */
static int bulk_size(ers *x, int n, int64_t d) {
  stvi_count *c = x->c;
  int u = c->seats - c->nelected, j, k = 1;
  int64_t sum = x->asc[0].v;
  for (j = 2; j <= n - u && j < n; j++) {
    sum = fx_add(sum, x->asc[j - 1].v, &c->ovf);
    if (fx_add(sum, d, &c->ovf) <= x->asc[j].v) k = j;
  }
  return k;
}

/* Chooses the candidates to exclude: the bulk_size() lowest.  Fills x->grp
** and sets *nk.  Ties at the edge are broken (forwards, then lot) only where
** they decide who goes. */
static stv_status choose_exclusion(ers *x, int64_t d, int *nk) {
  stvi_count *c = x->c;
  int n = ascending(x), k = bulk_size(x, n, d), j, below = 0, m = 0, need;
  int64_t edge;
  stv_status st = STV_OK;
  edge = x->asc[k - 1].v;
  for (j = 0; j < n; j++) {
    if (x->asc[j].v < edge)
      x->grp[below++] = x->asc[j].k;
    else if (x->asc[j].v == edge)
      x->set[m++] = x->asc[j].k;
  }
  need = k - below;
  if (need == m) {
    memcpy(x->grp + below, x->set, (size_t)m * sizeof(int));
  } else {
    for (j = 0; j < need && st == STV_OK; j++) {
      int pick, i;
      st = stvi_tie_break(c, x->set, m, 0, "for exclusion (fewest votes)",
                          &pick);
      x->grp[below + j] = pick;
      for (i = 0; i < m; i++)
        if (x->set[i] == pick) {
          x->set[i] = x->set[--m];
          break;
        }
    }
  }
  *nk = k;
  return st;
}

/* Excludes x->grp[0..ng) together [§5.4]: their papers move in batches of
** one value, highest first, each a sub-stage with the quota recalculated
** (until someone is elected) and an election check; once every place is
** filled the remaining batches stay where they are [§5.5.2].  The first
** sub-stage is open on entry.  why: the reason each is excluded; "" the
** usual one (lowest, [5.2.5]); NULL doomed by the constraints (the stage
** says "(doomed)"). */
static stv_status exclude_group(ers *x, int ng, const char *deferred,
                                const char *why) {
  stvi_count *c = x->c;
  int64_t *vals = NULL;
  int nv = 0, cap = 0, g, i, b;
  int *which = NULL;
  int64_t *tvs = NULL;
  size_t maxpar = 1;
  char *names = stvi_join_names(x->c, x->grp, ng), v1[48];
  stv_status st = STV_OK;

  if (!names) return STV_ENOMEM;
  for (g = 0; g < ng; g++) {
    cap += x->P.p[x->grp[g]].npar;
    if ((size_t)x->P.p[x->grp[g]].npar > maxpar)
      maxpar = (size_t)x->P.p[x->grp[g]].npar;
  }
  vals = stvi_alloc_array((size_t)cap + 1, sizeof(int64_t));
  which = stvi_alloc_array(maxpar, sizeof(int));
  tvs = stvi_alloc_array(maxpar, sizeof(int64_t));
  if (!vals || !which || !tvs) {
    st = STV_ENOMEM;
    goto done;
  }
  for (i = 0; deferred && i < c->n && st == STV_OK; i++)
    if (x->pending[i] && c->votes[i] > c->quota) {
      fmt(c, c->votes[i] - c->quota, v1, sizeof(v1));
      st = stvi_event_add(c, STVI_EV_NOTE, i,
                          "Surplus of %s, %s, deferred: %s", c->e->names[i],
                          v1, deferred);
    }
  for (g = 0; g < ng && st == STV_OK; g++)
    st = !why ? stvi_con_exclude(c, x->grp[g])
              : stvi_exclude(c, x->grp[g],
                             why[0] ? why
                             : ng > 1 ? "lowest continuing candidates, "
                                        "together [5.2.5]"
                                      : "lowest continuing candidate "
                                        "[5.2.5]");
  /* the distinct values of their papers, descending [§5.4.1] */
  for (g = 0; g < ng; g++) {
    const stvi_pile *p = &x->P.p[x->grp[g]];
    for (i = 0; i < p->npar; i++)
      if (p->par[i].count > 0) vals[nv++] = p->par[i].tv;
  }
  qsort(vals, (size_t)nv, sizeof(vals[0]), cmp_desc64);
  for (i = b = 0; i < nv; i++)
    if (i == 0 || vals[i] != vals[b - 1]) vals[b++] = vals[i];
  nv = b;
  if (nv == 0 && st == STV_OK) { /* nothing to move */
    st = stvi_stage_about(c, x->grp, ng, "Exclusion of %s%s", names,
                          why ? "" : " (doomed)");
    if (st == STV_OK) st = stvi_stage_close(c);
    if (st == STV_OK) st = elect_check(x);
  }
  for (b = 0; b < nv && st == STV_OK; b++) {
    int stage;
    fmt(c, vals[b], v1, sizeof(v1));
    if (b > 0)
      st = stvi_stage_open(c, STVI_STAGE_EXCLUSION, x->grp, ng,
                           "Exclusion of %s%s: papers at %s", names,
                           why ? "" : " (doomed)", v1);
    else
      st = stvi_stage_about(c, x->grp, ng, "Exclusion of %s%s: papers at %s",
                            names, why ? "" : " (doomed)", v1);
    if (st) break;
    stage = c->r->nstages;
    for (g = 0; g < ng && st == STV_OK; g++) {
      int k = x->grp[g], nw = 0;
      const stvi_pile *p = &x->P.p[k];
      int64_t moved = 0;
      for (i = 0; i < p->npar; i++)
        if (p->par[i].count > 0 && p->par[i].tv == vals[b]) {
          which[nw] = i;
          tvs[nw] = vals[b];
          moved = fx_add(moved, fx_mul(p->par[i].papers, vals[b], &c->ovf),
                         &c->ovf);
          nw++;
        }
      if (nw == 0) continue;
      st = stvi_piles_move(&x->P, c, k, which, nw, tvs, stage);
      c->votes[k] -= moved;
    }
    if (st) break;
    if (c->nelected == 0) { /* quota reduction [§5.4.8] */
      int64_t q = stvi_quota(c, x->total - c->exhausted, c->seats);
      if (q != c->quota) {
        char s0[48];
        fmt(c, c->quota, s0, sizeof(s0));
        fmt(c, q, v1, sizeof(v1));
        c->quota = q;
        st = stvi_event_add(c, STVI_EV_NOTE, -1,
                            "Quota recalculated without the non-transferable "
                            "papers: %s (was %s) [5.4.8]",
                            v1, s0);
      }
    }
    if (st == STV_OK) st = stvi_stage_close(c);
    if (st == STV_OK) st = elect_check(x);
    if (st == STV_OK && c->nelected >= c->seats && b + 1 < nv)
      st = stvi_event_add(c, STVI_EV_NOTE, -1,
                          "All places are filled: the remaining papers of "
                          "%s are not transferred [5.5.2]",
                          names);
    if (c->nelected >= c->seats) break;
  }
done:
  stvi_free(names);
  stvi_free(vals);
  stvi_free(which);
  stvi_free(tvs);
  return st;
}

/* ---- the count -------------------------------------------------------- */

/* One stage after the first: a surplus, or an exclusion (or the end, by
** [§4.3] or [§5.5.1]).  Sets *done when the count is over. */
static stv_status next_stage(ers *x, int *done) {
  stvi_count *c = x->c;
  int u = c->seats - c->nelected, ncont = stvi_hopefuls(c), k, ng, i, j;
  int64_t d;
  char why[640];
  stv_status st;
  if (ncont <= u) { /* [§4.3], C9 */
    for (i = j = 0; i < c->n; i++)
      if (c->status[i] == STVI_HOPEFUL) x->grp[j++] = i;
    *done = 1;
    return elect_all(x, x->grp, j);
  }
  if ((ng = stvi_con_take(c, x->grp)) > 0) { /* before any surplus */
    if ((st = stvi_stage_open(c, STVI_STAGE_EXCLUSION, NULL, 0,
                              "Exclusion")))
      return st;
    return exclude_group(x, ng, NULL, NULL);
  }
  d = pending_total(x);
  why[0] = '\0';
  if (d > 0 && !(deferrable(x, d, 0, why, sizeof(why)) &&
                 (!lowest_guarded(x) ||
                  deferrable(x, d, 1, why, sizeof(why))))) {
    int stage;
    if ((st = stvi_stage_open(c, STVI_STAGE_SURPLUS, NULL, 0, "Surplus")))
      return st;
    stage = c->r->nstages;
    /* the largest surplus [§5.2.3] */
    {
      int64_t best = 0;
      int n = 0;
      for (i = 0; i < c->n; i++) {
        int64_t s;
        if (!x->pending[i]) continue;
        s = c->votes[i] - c->quota;
        if (s <= 0) continue;
        if (s > best) {
          best = s;
          n = 0;
        }
        if (s == best) x->set[n++] = i;
      }
      st = stvi_tie_break(c, x->set, n, 1, "for the largest surplus", &k);
    }
    if (st == STV_OK)
      st = stvi_stage_about(c, &k, 1, "Surplus of %s", c->e->names[k]);
    if (st == STV_OK) st = transfer_surplus(x, k, stage);
    if (st == STV_OK) st = stvi_stage_close(c);
    if (st == STV_OK) st = elect_check(x);
    return st;
  }
  /* exclusion; would it leave just enough to fill the places? [§5.5.1] */
  {
    int n = ascending(x);
    if (n - bulk_size(x, n, d) == u) {
      if ((st = choose_exclusion(x, d, &ng))) return st;
      if (!stvi_con_can_exclude(c, x->grp, ng)) goto single;
      for (i = j = 0; i < c->n; i++) {
        int in = 0, g;
        if (c->status[i] != STVI_HOPEFUL) continue;
        for (g = 0; g < ng; g++) in |= x->grp[g] == i;
        if (!in) x->set[j++] = i;
      }
      memcpy(x->grp, x->set, (size_t)j * sizeof(int));
      *done = 1;
      return elect_all(x, x->grp, j);
    }
  }
single:
  if ((st = stvi_stage_open(c, STVI_STAGE_EXCLUSION, NULL, 0, "Exclusion")))
    return st;
  if ((st = choose_exclusion(x, d, &ng))) return st;
  if (!stvi_con_can_exclude(c, x->grp, ng)) {
    /* C6: the single lowest candidate not guarded */
    int n = ascending_of(x, 1), m = 0;
    for (i = 0; i < ng; i++)
      if (stvi_con_guarded(c, x->grp[i])) {
        if ((st = stvi_con_passed_over(c, x->grp[i]))) return st;
        break;
      }
    if (i == ng &&
        (st = stvi_event_add(c, STVI_EV_NOTE, -1,
                             "Excluding the %d lowest together would leave "
                             "no result meeting the constraints: the lowest "
                             "alone is excluded",
                             ng)))
      return st;
    for (i = 0; i < n && x->asc[i].v == x->asc[0].v; i++)
      x->set[m++] = x->asc[i].k;
    if ((st = stvi_tie_break(c, x->set, m, 0,
                             "for exclusion (fewest votes, not guarded)",
                             &x->grp[0])))
      return st;
    return exclude_group(x, 1, why[0] ? why : NULL,
                         "lowest continuing candidate not guarded");
  }
  return exclude_group(x, ng, why[0] ? why : NULL, "");
}

stv_status stvi_count_ers97(stvi_count *c) {
  ers x;
  stv_status st;
  char q[48];
  int done = 0, i;
  memset(&x, 0, sizeof(x));
  x.c = c;
  x.pending = stvi_calloc_array((size_t)c->n, 1);
  x.set = stvi_alloc_array((size_t)c->n, sizeof(int));
  x.grp = stvi_alloc_array((size_t)c->n, sizeof(int));
  x.tmp = stvi_alloc_array((size_t)c->n, sizeof(int));
  x.asc = stvi_alloc_array((size_t)c->n, sizeof(*x.asc));
  if (!x.pending || !x.set || !x.grp || !x.tmp || !x.asc) {
    st = STV_ENOMEM;
    goto out;
  }
  st = stvi_piles_init(&x.P, c);
  if (st == STV_OK) { /* [§5.1.6] */
    x.total = fx_mul(c->b.papers, c->one, &c->ovf);
    c->quota = stvi_quota(c, x.total, c->seats);
    st = stvi_stage_open(c, STVI_STAGE_FIRST, NULL, 0, "First preferences");
  }
  if (st == STV_OK) st = stvi_stage_close(c);
  if (st == STV_OK) {
    fmt(c, c->quota, q, sizeof(q));
    st = stvi_event_add(c, STVI_EV_NOTE, -1, "Quota %s", q);
  }
  if (st == STV_OK) st = elect_check(&x);
  while (st == STV_OK && !done && c->nelected < c->seats)
    st = next_stage(&x, &done);
  /* everyone still continuing is formally excluded [§5.5.2] */
  for (i = 0; st == STV_OK && i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL && c->nelected >= c->seats)
      st = stvi_exclude(c, i, "all places are filled [5.5.2]");
out:
  if (x.P.p) stvi_piles_free(&x.P, c->n);
  stvi_free(x.pending);
  stvi_free(x.set);
  stvi_free(x.grp);
  stvi_free(x.tmp);
  stvi_free(x.asc);
  return st;
}
