/*
** ties.c: breaking ties, reproducibly, and saying how.
**
** A tie is broken by the chain of steps in force (the rule's default or
** --ties): backwards (the most recent earlier stage at which the tied
** candidates had unequal votes), forwards (the earliest such stage), an
** order given in advance, or a random draw.  Look-back steps narrow the set
** stage by stage until one candidate is left or the stages run out.
**
** The random draw is documented so anyone can repeat it (docs/ties.md):
** SplitMix64 seeded with SEED once per count; each draw takes the next
** 64-bit output x, rejects x >= 2^64 - (2^64 mod n), and picks the
** (x mod n)-th of the tied candidates in ascending candidate number.
*/
#include <stdlib.h>
#include <string.h>

#include "stvInt.h"

uint64_t stvi_splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static int draw(stvi_count *c, uint64_t seed, int n) {
  uint64_t limit, x;
  if (!c->rng_started) {
    c->rng = seed;
    c->rng_started = 1;
  }
  limit = UINT64_MAX - (UINT64_MAX % (uint64_t)n + 1) % (uint64_t)n;
  /* limit = 2^64 - 1 - (2^64 mod n): accept x <= limit, as documented */
  do x = stvi_splitmix64(&c->rng);
  while (x > limit);
  return (int)(x % (uint64_t)n);
}

/* Keeps in set[] those with the best (want_high) or worst votes at stage s;
** returns the new size; *differed says whether the stage separated them. */
static int narrow(const stvi_stage *s, int *set, int n, int want_high,
                  int *differed) {
  int64_t best = s->votes[set[0]];
  int i, k = 0, alleq = 1;
  for (i = 1; i < n; i++) {
    int64_t v = s->votes[set[i]];
    if (v != s->votes[set[0]]) alleq = 0;
    if (want_high ? v > best : v < best) best = v;
  }
  *differed = !alleq;
  if (alleq) return n;
  for (i = 0; i < n; i++)
    if (s->votes[set[i]] == best) set[k++] = set[i];
  return k;
}

static int order_rank(const stvi_tiestep *t, int cand) {
  int i;
  for (i = 0; i < t->norder; i++)
    if (t->order[i] == cand) return i;
  return t->norder; /* unlisted: after every listed candidate */
}

static void names(stvi_count *c, const int *set, int n, stvi_buf *b) {
  int i;
  for (i = 0; i < n; i++) {
    if (i) stvi_buf_puts(b, i + 1 == n ? " and " : ", ");
    stvi_buf_puts(b, c->e->names[set[i]]);
  }
}

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

static stv_status tie_break(stvi_count *c, const stvi_tiestep *steps,
                            int nsteps, const int *cands, int n, int want_high,
                            const char *what, int *chosen);

stv_status stvi_tie_break(stvi_count *c, const int *cands, int n,
                          int want_high, const char *what, int *chosen) {
  return tie_break(c, c->ties, c->nties, cands, n, want_high, what, chosen);
}

stv_status stvi_tie_break_order(stvi_count *c, const int *cands, int n,
                                int *chosen) {
  stvi_tiestep steps[STVI_MAX_TIESTEPS + 1];
  steps[0].kind = STVI_TIE_FORWARDS;
  steps[0].order = NULL;
  steps[0].norder = 0;
  steps[0].seed = 0;
  memcpy(steps + 1, c->ties, (size_t)c->nties * sizeof(steps[0]));
  return tie_break(c, steps, c->nties + 1, cands, n, 1,
                   "for order of election (equal votes)", chosen);
}

static stv_status tie_break(stvi_count *c, const stvi_tiestep *steps,
                            int nsteps, const int *cands, int n, int want_high,
                            const char *what, int *chosen) {
  int *set;
  int m = n, step;
  stvi_buf b;
  stv_status st;
  const stv_result *r = c->r;
  if (n == 1) {
    *chosen = cands[0];
    return STV_OK;
  }
  set = stvi_alloc_array((size_t)n, sizeof(int));
  if (!set) return STV_ENOMEM;
  memcpy(set, cands, (size_t)n * sizeof(int));
  qsort(set, (size_t)n, sizeof(int), cmp_int);
  stvi_buf_init(&b, (size_t)1 << 24); /* 1000 names of 512 bytes fit */
  stvi_buf_printf(&b, "Tie %s between ", what);
  names(c, set, n, &b);
  stvi_buf_puts(&b, ": ");
  for (step = 0; step < nsteps && m > 1; step++) {
    const stvi_tiestep *t = &steps[step];
    int i, k, first = 1;
    switch (t->kind) {
    case STVI_TIE_BACKWARDS:
    case STVI_TIE_FORWARDS: {
      int fw = t->kind == STVI_TIE_FORWARDS;
      int last = r->nclosed - 1; /* an open stage has no snapshot yet */
      for (i = fw ? 0 : last; m > 1 && (fw ? i <= last : i >= 0);
           i += fw ? 1 : -1) {
        int differed;
        m = narrow(&r->stages[i], set, m, want_high, &differed);
        if (differed) {
          stvi_buf_printf(&b, "%s%s at stage %d leaves ", first ? "" : "; ",
                          fw ? "forwards" : "backwards", i + 1);
          names(c, set, m, &b);
          first = 0;
        }
      }
      if (first)
        stvi_buf_printf(&b, "%s unequal at no earlier stage; ",
                        fw ? "forwards:" : "backwards:");
      else if (m > 1)
        stvi_buf_puts(&b, "; ");
      break;
    }
    case STVI_TIE_ORDER: {
      int best = order_rank(t, set[0]);
      for (i = 1; i < m; i++) {
        int rk = order_rank(t, set[i]);
        if (want_high ? rk < best : rk > best) best = rk;
      }
      for (i = k = 0; i < m; i++)
        if (order_rank(t, set[i]) == best) set[k++] = set[i];
      m = k;
      stvi_buf_puts(&b, "by the order given");
      if (m > 1) stvi_buf_puts(&b, " (not decisive); ");
      break;
    }
    case STVI_TIE_RANDOM: {
      int pick = draw(c, t->seed, m);
      stvi_buf_printf(&b, "by lot (random:%llu draws %d of %d)",
                      (unsigned long long)t->seed, pick + 1, m);
      set[0] = set[pick];
      m = 1;
      break;
    }
    }
  }
  if (m > 1) { /* no step decided: the chain always ends in a lot */
    int pick = draw(c, 0, m);
    stvi_buf_printf(&b, "by lot (random:0 draws %d of %d)", pick + 1, m);
    set[0] = set[pick];
  }
  stvi_buf_printf(&b, "; chosen: %s", c->e->names[set[0]]);
  *chosen = set[0];
  stvi_free(set);
  if (b.failed) return STV_ENOMEM;
  st = stvi_event_add(c, STVI_EV_TIE, *chosen, "%s", b.data);
  stvi_buf_free(&b);
  return st;
}
