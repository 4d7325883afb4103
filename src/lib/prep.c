/*
** prep.c: turning the ballots as written into the ballots a rule counts.
**
** Each distinct ranking is rewritten once per count into a plain list of
** distinct 0-based candidates: withdrawn candidates are passed over as if
** never ranked, and the rule's policies decide what happens at a candidate
** ranked twice (repeat), at equal preferences (equal) and at a skipped rank
** (skipped): carry on, stop there (the paper exhausts), or reject the whole
** paper.  The papers each policy touched are counted for the count sheet.
** A paper left with no preference at all is not a valid vote.
*/
#include <string.h>

#include "stvInt.h"

void stvi_ballots_free(stvi_ballots *b) {
  stvi_free(b->weight);
  stvi_free(b->off);
  stvi_free(b->len);
  stvi_free(b->pref);
  memset(b, 0, sizeof(*b));
}

enum { KEEP = 0, STOP, REJECT };

stv_status stvi_prepare(stvi_count *c) {
  const stv_election *e = c->e;
  stvi_ballots *b = &c->b;
  unsigned char *out_of_count = NULL; /* withdrawn */
  uint32_t *seen = NULL;              /* stamp per candidate */
  int16_t group[64];
  int64_t i;
  uint64_t used = 0;
  stv_status st = STV_OK;

  memset(b, 0, sizeof(*b));
  out_of_count = stvi_calloc_array((size_t)c->n, 1);
  seen = stvi_calloc_array((size_t)c->n, sizeof(*seen));
  b->weight = stvi_alloc_array((size_t)e->nballots + 1, sizeof(*b->weight));
  b->off = stvi_alloc_array((size_t)e->nballots + 1, sizeof(*b->off));
  b->len = stvi_alloc_array((size_t)e->nballots + 1, sizeof(*b->len));
  b->pref = stvi_alloc_array((size_t)e->poollen + 1, sizeof(*b->pref));
  if (!out_of_count || !seen || !b->weight || !b->off || !b->len ||
      !b->pref) {
    st = STV_ENOMEM;
    goto done;
  }
  for (i = 0; i < c->n; i++)
    out_of_count[i] = c->status[i] == STVI_WITHDRAWN;

  for (i = 0; i < e->nballots; i++) {
    const int16_t *t = e->pool + e->off[i];
    size_t n = e->len[i], k = 0;
    uint32_t stamp = (uint32_t)i + 1;
    uint16_t *dst = b->pref + used;
    size_t nd = 0;
    int fate = KEEP, t_eq = 0, t_rep = 0, t_skip = 0;
    while (k < n && fate == KEEP) {
      size_t ng = 0, j;
      int rep_here = 0;
      if (t[k] == STVI_TOK_SKIP) {
        t_skip = 1;
        if (c->skipped == STVI_POL_TRUNCATE) fate = STOP;
        else if (c->skipped == STVI_POL_REJECT) fate = REJECT;
        k++;
        continue;
      }
      /* gather one rank: cand (= cand)* */
      for (;;) {
        int16_t cand = t[k++];
        if (!out_of_count[cand]) {
          if (seen[cand] == stamp)
            rep_here = 1;
          else {
            seen[cand] = stamp; /* a second mark in this group is a repeat */
            if (ng < sizeof(group) / sizeof(group[0])) group[ng++] = cand;
          }
        }
        if (k < n && t[k] == STVI_TOK_EQ) {
          k++;
          continue;
        }
        break;
      }
      if (rep_here) {
        t_rep = 1;
        if (c->repeat == STVI_POL_TRUNCATE) fate = STOP;
        else if (c->repeat == STVI_POL_REJECT) fate = REJECT;
        if (fate != KEEP) break;
      }
      if (ng > 1) {
        t_eq = 1;
        fate = c->equal == STVI_POL_REJECT ? REJECT : STOP;
        break;
      }
      for (j = 0; j < ng; j++) {
        seen[group[j]] = stamp;
        dst[nd++] = (uint16_t)group[j];
      }
      if (c->truncate && nd >= (size_t)c->truncate) break; /* what-if */
    }
    if (t_eq) b->touched_equal += e->weight[i];
    if (t_rep) b->touched_repeat += e->weight[i];
    if (t_skip) b->touched_skip += e->weight[i];
    if (fate == REJECT) {
      b->invalid += e->weight[i];
      continue;
    }
    if (nd == 0) {
      b->empty += e->weight[i];
      continue;
    }
    b->weight[b->n] = e->weight[i];
    b->off[b->n] = (uint32_t)used;
    b->len[b->n] = (uint16_t)nd;
    b->n++;
    b->papers += e->weight[i];
    used += nd;
  }
done:
  stvi_free(out_of_count);
  stvi_free(seen);
  if (st) stvi_ballots_free(b);
  return st;
}
