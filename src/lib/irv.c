/*
** irv.c: the preferential vote for one seat (irv) and the block vote.
**
** irv (docs/rules/irv.md): round by round, a candidate with more than half
** of the votes still in the count is elected; otherwise the lowest is
** excluded and their papers pass to the next continuing preference;
** exhausted papers leave the count.  block (docs/rules/block.md): each
** paper gives one vote to each of its first N preferences for N seats; the
** N highest are elected.
*/
#include <string.h>

#include "piles.h"

/* The lowest hopeful (not guarded, with unguarded). */
static stv_status lowest(stvi_count *c, int unguarded, int *out) {
  int *set = stvi_alloc_array((size_t)c->n, sizeof(int));
  int n = 0, i;
  int64_t best = 0;
  stv_status st;
  if (!set) return STV_ENOMEM;
  for (i = 0; i < c->n; i++) {
    if (c->status[i] != STVI_HOPEFUL) continue;
    if (unguarded && stvi_con_guarded(c, i)) continue;
    if (n == 0 || c->votes[i] < best) {
      best = c->votes[i];
      n = 0;
    }
    if (c->votes[i] == best) set[n++] = i;
  }
  st = stvi_tie_break(c, set, n, 0,
                      unguarded ? "for exclusion (lowest votes, not guarded)"
                                : "for exclusion (lowest votes)",
                      out);
  stvi_free(set);
  return st;
}

stv_status stvi_count_irv(stvi_count *c) {
  stvi_piles P;
  stv_status st;
  int *doomed;
  if (c->seats != 1)
    return stvi_fail(c->err, STV_EUNSUPPORTED, "seats", 0, 0,
                     "irv fills one seat (found %d seats): use an STV rule "
                     "set or block",
                     c->seats);
  doomed = stvi_alloc_array((size_t)c->n, sizeof(int));
  if (!doomed) return STV_ENOMEM;
  st = stvi_piles_init(&P, c);
  if (st == STV_OK)
    st = stvi_stage_open(c, STVI_STAGE_ROUND, NULL, 0, "First preferences");
  if (st == STV_OK) st = stvi_stage_close(c);
  while (st == STV_OK) {
    int64_t active = 0, top = -1;
    int i, k, nd, refused = 0;
    const char *why = "fewest votes";
    for (i = 0; i < c->n; i++) {
      if (c->status[i] != STVI_HOPEFUL) continue;
      active += c->votes[i];
      if (c->votes[i] > top && !stvi_con_out(c, i)) top = c->votes[i];
    }
    c->quota = active / 2 + 1; /* more than half of the continuing votes */
    c->r->stages[c->r->nstages - 1].quota = c->quota;
    if (top * 2 > active || stvi_hopefuls(c) == 1) {
      int64_t bp;
      for (i = 0; i < c->n; i++)
        if (c->status[i] == STVI_HOPEFUL && c->votes[i] == top &&
            !stvi_con_out(c, i))
          break;
      /* share in hundredths of a percent, rounded half up, in integers */
      bp = fx_muldiv_floor(top, 20000, active > 0 ? active : 1, &c->ovf);
      bp = (bp + 1) / 2;
      st = stvi_event_add(c, STVI_EV_NOTE, i,
                          "%s has %lld of %lld votes still in the count "
                          "(%lld.%02lld%%)",
                          c->e->names[i], (long long)top, (long long)active,
                          (long long)(bp / 100), (long long)(bp % 100));
      if (st == STV_OK && stvi_hopefuls(c) > 1)
        st = stvi_con_refuse(c, i, "has a majority", &refused);
      if (st) break;
      if (!refused) {
        st = stvi_elect(c, i,
                        stvi_hopefuls(c) == 1
                            ? "the last continuing candidate"
                            : "more than half of the continuing votes");
        break;
      }
    }
    if ((nd = stvi_con_take(c, doomed)) > 0) {
      if ((st = stvi_con_exclusion_stage(c, doomed, nd))) break;
      for (i = 0; i < nd && st == STV_OK; i++)
        st = stvi_piles_move_all(&P, c, doomed[i], c->r->nstages);
      if (st == STV_OK) st = stvi_stage_close(c);
      continue;
    }
    if ((st = stvi_stage_open(c, STVI_STAGE_EXCLUSION, NULL, 0, "Round")))
      break;
    if ((st = lowest(c, 0, &k))) break;
    if (stvi_con_guarded(c, k)) {
      if ((st = stvi_con_passed_over(c, k))) break;
      if ((st = lowest(c, 1, &k))) break;
      why = "fewest votes of the candidates not guarded";
    }
    if ((st = stvi_stage_about(c, &k, 1, "Exclusion of %s", c->e->names[k])))
      break;
    if ((st = stvi_exclude(c, k, why))) break;
    st = stvi_piles_move_all(&P, c, k, c->r->nstages);
    if (st == STV_OK) st = stvi_stage_close(c);
  }
  stvi_piles_free(&P, c->n);
  stvi_free(doomed);
  return st;
}

stv_status stvi_count_block(stvi_count *c) {
  const stvi_ballots *b = &c->b;
  int64_t i;
  int *set = NULL;
  stv_status st;
  for (i = 0; i < b->n; i++) {
    int j, len = b->len[i] < c->seats ? b->len[i] : c->seats;
    for (j = 0; j < len; j++) {
      int d = b->pref[b->off[i] + (uint32_t)j];
      c->votes[d] = fx_add(c->votes[d], b->weight[i], &c->ovf);
    }
  }
  st = stvi_stage_open(c, STVI_STAGE_FIRST, NULL, 0,
                       "Votes (first %d preferences)", c->seats);
  if (st == STV_OK) st = stvi_stage_close(c);
  if (st == STV_OK) {
    set = stvi_alloc_array((size_t)c->n, sizeof(int));
    if (!set) st = STV_ENOMEM;
  }
  while (st == STV_OK && set && c->nelected < c->seats &&
         stvi_hopefuls(c) > 0) {
    int64_t best = -1;
    int n = 0, k, j;
    for (j = 0; j < c->n; j++) {
      if (c->status[j] != STVI_HOPEFUL) continue;
      if (c->votes[j] > best) best = c->votes[j], n = 0;
      if (c->votes[j] == best) set[n++] = j;
    }
    st = stvi_tie_break(c, set, n, 1, "for a seat (equal votes)", &k);
    if (st == STV_OK) st = stvi_elect(c, k, "among the most votes");
  }
  stvi_free(set);
  return st;
}
