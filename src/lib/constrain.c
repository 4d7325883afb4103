/*
** constrain.c: minimum and maximum seats for groups of candidates, met
** during the count by guard and doom (docs/constraints.md; the reasoning
** is in docs/design/constraints.md).
**
** A set S of candidates conforms if lo_j <= |S & G_j| <= hi_j for every
** group j.  The state of a count (E elected, H hopeful) is feasible if some
** conformant S with |S| = seats and E <= S <= E + H exists (a completion).
** A hopeful is doomed if no completion contains them and guarded if every
** completion does.  Both marks are permanent: electing or excluding only
** ever removes completions.  The rule engines never elect a doomed
** candidate and never exclude a guarded one, so the count stays feasible
** and its result conforms.
**
** Candidates held elected (options "hold": slate ordering, casual
** vacancies) are one more group whose minimum is its size: guarded from
** the start.
**
** The feasibility test works on membership patterns (the set of groups a
** candidate belongs to): candidates with the same pattern are
** interchangeable, so it searches how many more to elect from each
** pattern, depth first, remembering states known to fail.  The memo has a
** ceiling; beyond it the count stops with STV_ELIMIT rather than guess.
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define NG_MAX (STV_MAX_GROUPS + 1) /* the groups and the held group */
#define MEMO_MAX ((size_t)1 << 18)  /* states remembered by one search */
#define INF INT_MAX

enum { MARK_FREE = 0, MARK_DOOMED, MARK_GUARDED };

struct stvi_con {
  int ng;
  int lo[NG_MAX], hi[NG_MAX]; /* hi: INF if none */
  const stvi_group *grp[NG_MAX]; /* NULL: the held group */
  int held;                      /* index of the held group, or -1 */
  uint64_t *mask;                /* per candidate: its groups */
  unsigned char *mark;           /* per candidate: MARK_* */
  unsigned char *out;            /* doomed and refused: to exclude */
  unsigned char *fresh;          /* marked, not yet noted */
  char **why;                    /* per candidate: what its mark is for */
  uint64_t *whyset;              /* per candidate: those groups, as bits */
  uint64_t *freeseen;            /* scratch: patterns found free */
  unsigned char *st;             /* scratch state: 'E', 'H' or 'X' */
  uint64_t *pm;                  /* scratch: patterns */
  int *ph;                       /* scratch: hopefuls per pattern */
  int *avail;                    /* scratch: (np + 1) x ng suffix sums */
  int *availT;                   /* scratch: np + 1 */
  /* the memo of one search: keys of kl uint16 each, open addressing */
  uint16_t *memo;
  unsigned char *used;
  size_t mcap, mlen;
  int kl;
  int too_complex;
  int lo2[NG_MAX], hi2[NG_MAX]; /* residual bounds of the search */
  int np, r0;
};

/* ---- the feasibility search ------------------------------------------ */

static uint64_t key_hash(const uint16_t *k, int n) {
  uint64_t h = 1469598103934665603ULL;
  int i;
  for (i = 0; i < n; i++) h = (h ^ k[i]) * 1099511628211ULL;
  return h ^ (h >> 29);
}

/* Looks key up; with add, inserts it.  Returns 1 if it was present. */
static int memo_find(stvi_con *k, const uint16_t *key, int add) {
  size_t i;
  if (add && (k->mlen + 1) * 2 > k->mcap) {
    size_t nc = k->mcap ? k->mcap * 2 : 1024, j;
    uint16_t *nm;
    unsigned char *nu;
    if (nc > MEMO_MAX * 2) {
      k->too_complex = 1;
      return 0;
    }
    nm = stvi_alloc_array(nc * (size_t)k->kl, sizeof(uint16_t));
    nu = stvi_calloc_array(nc, 1);
    if (!nm || !nu) {
      stvi_free(nm);
      stvi_free(nu);
      k->too_complex = 2; /* out of memory */
      return 0;
    }
    for (j = 0; j < k->mcap; j++) {
      const uint16_t *old = k->memo + j * (size_t)k->kl;
      if (!k->used[j]) continue;
      i = (size_t)key_hash(old, k->kl) & (nc - 1);
      while (nu[i]) i = (i + 1) & (nc - 1);
      nu[i] = 1;
      memcpy(nm + i * (size_t)k->kl, old, (size_t)k->kl * sizeof(uint16_t));
    }
    stvi_free(k->memo);
    stvi_free(k->used);
    k->memo = nm;
    k->used = nu;
    k->mcap = nc;
  }
  if (k->mcap == 0) return 0;
  i = (size_t)key_hash(key, k->kl) & (k->mcap - 1);
  while (k->used[i]) {
    if (memcmp(k->memo + i * (size_t)k->kl, key,
               (size_t)k->kl * sizeof(uint16_t)) == 0)
      return 1;
    i = (i + 1) & (k->mcap - 1);
  }
  if (add) {
    k->used[i] = 1;
    memcpy(k->memo + i * (size_t)k->kl, key, (size_t)k->kl * sizeof(uint16_t));
    k->mlen++;
  }
  return 0;
}

/* Whether r more can be elected from patterns i.. given the counts cnt
** already chosen, within every residual bound. */
static int dfs(stvi_con *k, int i, int r, const int *cnt) {
  int g = k->ng, j, x, top;
  uint16_t key[NG_MAX + 2];
  int c2[NG_MAX];
  if (k->too_complex) return 0;
  if (r == 0) {
    for (j = 0; j < g; j++)
      if (cnt[j] < k->lo2[j]) return 0;
    return 1;
  }
  if (i == k->np || k->availT[i] < r) return 0;
  for (j = 0; j < g; j++) {
    int more = k->avail[i * g + j];
    if (more > r) more = r;
    if (cnt[j] + more < k->lo2[j]) return 0;
  }
  key[0] = (uint16_t)i;
  key[1] = (uint16_t)r;
  for (j = 0; j < g; j++)
    key[j + 2] = (uint16_t)(k->hi2[j] == INF && cnt[j] > k->lo2[j]
                                ? k->lo2[j]
                                : cnt[j]);
  if (memo_find(k, key, 0)) return 0;
  top = k->ph[i] < r ? k->ph[i] : r;
  for (x = top; x >= 0; x--) {
    int ok = 1;
    for (j = 0; j < g; j++) {
      c2[j] = cnt[j] + ((k->pm[i] >> j) & 1 ? x : 0);
      if (c2[j] > k->hi2[j]) ok = 0;
    }
    if (ok && dfs(k, i + 1, r - x, c2)) return 1;
    if (k->too_complex) return 0;
  }
  memo_find(k, key, 1);
  return 0;
}

static int cmp_pattern(const void *a, const void *b) {
  uint64_t p = *(const uint64_t *)a, q = *(const uint64_t *)b;
  int cp = __builtin_popcountll(p), cq = __builtin_popcountll(q);
  if (cp != cq) return cq - cp;
  return p < q ? -1 : p > q;
}

/* Whether the state k->st (per candidate 'E', 'H' or 'X') has a completion
** when the groups in drop are ignored: 1 yes, 0 no, -1 too complex to
** tell (k->too_complex says why). */
static int feasible(stvi_con *k, int n, int seats, uint64_t drop) {
  int e[NG_MAX], cnt[NG_MAX], g = k->ng, i, j, ne = 0, nh = 0, np, res;
  memset(e, 0, sizeof(e));
  memset(cnt, 0, sizeof(cnt));
  for (i = 0; i < n; i++) {
    if (k->st[i] == 'E') {
      ne++;
      for (j = 0; j < g; j++) e[j] += (int)((k->mask[i] >> j) & 1);
    } else if (k->st[i] == 'H')
      k->pm[nh++] = k->mask[i] & ~drop;
  }
  k->r0 = seats - ne;
  if (k->r0 < 0 || k->r0 > nh) return 0;
  for (j = 0; j < g; j++) {
    int dropped = (int)((drop >> j) & 1);
    k->lo2[j] = dropped || k->lo[j] <= e[j] ? 0 : k->lo[j] - e[j];
    k->hi2[j] = dropped || k->hi[j] == INF ? INF : k->hi[j] - e[j];
    if (k->hi2[j] < 0) return 0;
    if (k->hi2[j] != INF && k->hi2[j] >= k->r0) k->hi2[j] = INF;
  }
  /* distinct patterns with their counts */
  qsort(k->pm, (size_t)nh, sizeof(uint64_t), cmp_pattern);
  for (i = np = 0; i < nh; i++) {
    if (np > 0 && k->pm[np - 1] == k->pm[i]) {
      k->ph[np - 1]++;
      continue;
    }
    k->pm[np] = k->pm[i];
    k->ph[np++] = 1;
  }
  k->np = np;
  k->availT[np] = 0;
  for (j = 0; j < g; j++) k->avail[np * g + j] = 0;
  for (i = np - 1; i >= 0; i--) {
    k->availT[i] = k->availT[i + 1] + k->ph[i];
    for (j = 0; j < g; j++)
      k->avail[i * g + j] =
          k->avail[(i + 1) * g + j] + ((k->pm[i] >> j) & 1 ? k->ph[i] : 0);
  }
  k->kl = g + 2;
  k->mlen = 0;
  if (k->used) memset(k->used, 0, k->mcap);
  k->too_complex = 0;
  res = dfs(k, 0, k->r0, cnt);
  return k->too_complex ? -1 : res;
}

/* ---- state ------------------------------------------------------------ */

static void load_state(stvi_count *c) {
  stvi_con *k = c->con;
  int i;
  for (i = 0; i < c->n; i++)
    k->st[i] = c->status[i] == STVI_ELECTED                   ? 'E'
               : c->status[i] == STVI_HOPEFUL && !k->out[i] ? 'H'
                                                              : 'X';
}

static stv_status complex_error(stvi_count *c) {
  stvi_con *k = c->con;
  if (k->too_complex == 2) return STV_ENOMEM;
  return stvi_fail(c->err, STV_ELIMIT,
                   c->o->cons ? c->o->cons->file : "constraints", 0, 0,
                   "constraints too complex to check (%d groups; more than "
                   "%zu states searched)",
                   k->ng, MEMO_MAX);
}

/* Describes group j: 'women' (at least 4). */
static void describe_group(const stvi_con *k, int j, stvi_buf *b) {
  const stvi_group *g = k->grp[j];
  if (!g) {
    stvi_buf_printf(b, "'held elected' (all %d)", k->lo[j]);
    return;
  }
  stvi_buf_printf(b, "'%s' (", g->name);
  if (g->hi >= 0 && g->lo == g->hi)
    stvi_buf_printf(b, "exactly %d", g->lo);
  else if (g->lo > 0 && g->hi >= 0)
    stvi_buf_printf(b, "at least %d, at most %d", g->lo, g->hi);
  else if (g->hi >= 0)
    stvi_buf_printf(b, "at most %d", g->hi);
  else
    stvi_buf_printf(b, "at least %d", g->lo);
  stvi_buf_puts(b, ")");
}

/* With k->st holding an infeasible state: the groups that cannot be met
** together, found by dropping each one (in file order) that is not needed
** for the conflict.  Writes them to b and their bits to *kept (0 if the
** seats alone decide); returns -1 if too complex. */
static int conflict(stvi_count *c, stvi_buf *b, uint64_t *kept) {
  stvi_con *k = c->con;
  uint64_t drop = 0;
  int j, first = 1;
  for (j = 0; j < k->ng; j++) {
    int f = feasible(k, c->n, c->seats, drop | (1ULL << j));
    if (f < 0) return -1;
    if (f == 0) drop |= 1ULL << j;
  }
  *kept = 0;
  for (j = 0; j < k->ng; j++) {
    if ((drop >> j) & 1) continue;
    if (!first) stvi_buf_puts(b, " and ");
    describe_group(k, j, b);
    *kept |= 1ULL << j;
    first = 0;
  }
  return 0;
}

/* Marks every free hopeful that has become doomed or guarded.  Candidates
** with the same groups share a status, so each pattern is tested once. */
static stv_status classify(stvi_count *c) {
  stvi_con *k = c->con;
  int i, j, nfree = 0;
  if (c->nelected >= c->seats) return STV_OK;
  for (i = 0; i < c->n; i++) {
    int f, mark = MARK_FREE;
    uint64_t kept;
    stvi_buf b;
    if (c->status[i] != STVI_HOPEFUL || k->out[i] || k->mark[i]) continue;
    for (j = 0; j < nfree && k->freeseen[j] != k->mask[i]; j++) continue;
    if (j < nfree) continue; /* its pattern is still free */
    load_state(c);
    k->st[i] = 'E';
    f = feasible(k, c->n, c->seats, 0);
    if (f < 0) return complex_error(c);
    if (f == 0)
      mark = MARK_DOOMED;
    else {
      k->st[i] = 'X';
      f = feasible(k, c->n, c->seats, 0);
      if (f < 0) return complex_error(c);
      if (f == 0) mark = MARK_GUARDED;
    }
    if (mark == MARK_FREE) {
      k->freeseen[nfree++] = k->mask[i];
      continue;
    }
    stvi_buf_init(&b, 4096);
    if (conflict(c, &b, &kept) < 0) {
      stvi_buf_free(&b);
      return complex_error(c);
    }
    if (b.failed) {
      stvi_buf_free(&b);
      return STV_ENOMEM;
    }
    if (kept == 0) { /* the seats alone decide: no constraint is involved */
      stvi_buf_free(&b);
      k->freeseen[nfree++] = k->mask[i];
      continue;
    }
    /* the same mark and reason for everyone with the same groups */
    for (j = i; j < c->n; j++) {
      if (c->status[j] != STVI_HOPEFUL || k->out[j] || k->mark[j] ||
          k->mask[j] != k->mask[i])
        continue;
      k->why[j] = stvi_strdup(b.data);
      if (!k->why[j]) {
        stvi_buf_free(&b);
        return STV_ENOMEM;
      }
      k->whyset[j] = kept;
      k->mark[j] = (unsigned char)mark;
      k->fresh[j] = 1;
    }
    stvi_buf_free(&b);
  }
  return STV_OK;
}

/* Notes the marks not yet noted (a stage must be open). */
static stv_status flush(stvi_count *c) {
  stvi_con *k = c->con;
  int i;
  stv_status st = STV_OK;
  if (c->r->nstages == 0) return STV_OK;
  for (i = 0; i < c->n && st == STV_OK; i++) {
    if (!k->fresh[i]) continue;
    k->fresh[i] = 0;
    if (k->mark[i] == MARK_DOOMED)
      st = stvi_event_add(c, STVI_EV_DOOMED, i,
                          "%s doomed (can no longer be elected): electing "
                          "%s would break %s",
                          c->e->names[i], c->e->names[i], k->why[i]);
    else if (k->held >= 0 && k->whyset[i] == 1ULL << k->held)
      st = stvi_event_add(c, STVI_EV_GUARDED, i,
                          "%s held elected: will not be excluded",
                          c->e->names[i]);
    else
      st = stvi_event_add(c, STVI_EV_GUARDED, i,
                          "%s guarded (will not be excluded): every result "
                          "meeting %s now includes %s",
                          c->e->names[i], k->why[i], c->e->names[i]);
  }
  return st;
}

stv_status stvi_con_changed(stvi_count *c) {
  stv_status st;
  if (!c->con) return STV_OK;
  st = classify(c);
  if (st == STV_OK) st = flush(c);
  return st;
}

stv_status stvi_con_flush(stvi_count *c) {
  return c->con ? flush(c) : STV_OK;
}

int stvi_con_doomed(const stvi_count *c, int k) {
  return c->con && c->con->mark[k] == MARK_DOOMED;
}

int stvi_con_guarded(const stvi_count *c, int k) {
  return c->con && c->con->mark[k] == MARK_GUARDED;
}

int stvi_con_out(const stvi_count *c, int k) {
  return c->con && c->con->out[k];
}

const char *stvi_con_why(const stvi_count *c, int k) {
  return c->con && c->con->why[k] ? c->con->why[k] : "";
}

stv_status stvi_con_refuse(stvi_count *c, int k, const char *what,
                           int *refused) {
  *refused = 0;
  if (!stvi_con_doomed(c, k)) return STV_OK;
  *refused = 1;
  c->con->out[k] = 1;
  return stvi_event_add(c, STVI_EV_NOTE, k,
                        "%s %s but is doomed by %s: not elected, excluded "
                        "instead",
                        c->e->names[k], what, c->con->why[k]);
}

int stvi_con_take(stvi_count *c, int *out) {
  int i, n = 0;
  if (!c->con) return 0;
  for (i = 0; i < c->n; i++)
    if (c->status[i] == STVI_HOPEFUL &&
        (c->con->out[i] ||
         (c->o->doom && c->con->mark[i] == MARK_DOOMED &&
          c->nelected < c->seats)))
      out[n++] = i;
  return n;
}

stv_status stvi_con_passed_over(stvi_count *c, int k) {
  return stvi_event_add(c, STVI_EV_NOTE, k,
                        "%s has the fewest votes but is guarded by %s: the "
                        "lowest candidate not guarded is excluded instead",
                        c->e->names[k], stvi_con_why(c, k));
}

int stvi_con_can_exclude(stvi_count *c, const int *set, int n) {
  stvi_con *k = c->con;
  int i, f;
  if (!k) return 1;
  if (c->nelected >= c->seats) return 1;
  load_state(c);
  for (i = 0; i < n; i++) {
    if (k->mark[set[i]] == MARK_GUARDED) return 0;
    k->st[set[i]] = 'X';
  }
  f = feasible(k, c->n, c->seats, 0);
  return f == 1;
}

/* ---- set-up ----------------------------------------------------------- */

void stvi_con_free(stvi_count *c) {
  stvi_con *k = c->con;
  int i;
  if (!k) return;
  if (k->why)
    for (i = 0; i < c->n; i++) stvi_free(k->why[i]);
  stvi_free(k->why);
  stvi_free(k->whyset);
  stvi_free(k->freeseen);
  stvi_free(k->mask);
  stvi_free(k->mark);
  stvi_free(k->out);
  stvi_free(k->fresh);
  stvi_free(k->st);
  stvi_free(k->pm);
  stvi_free(k->ph);
  stvi_free(k->avail);
  stvi_free(k->availT);
  stvi_free(k->memo);
  stvi_free(k->used);
  stvi_free(k);
  c->con = NULL;
}

/* Names of the standing members of group g, for messages. */
static void standing_names(stvi_count *c, const stvi_group *g, stvi_buf *b) {
  int i, n = 0;
  for (i = 0; i < g->nmembers; i++) {
    int m = g->members[i];
    if (c->status[m] == STVI_WITHDRAWN) continue;
    stvi_buf_printf(b, "%s%s", n++ ? ", " : "", c->e->names[m]);
  }
  for (i = 0; i < g->nmembers; i++) {
    int m = g->members[i];
    if (c->status[m] == STVI_WITHDRAWN)
      stvi_buf_printf(b, "%scandidate %d withdrawn", n++ ? "; " : "", m + 1);
  }
}

static stv_status check(stvi_count *c) {
  const stv_constraints *cs = c->o->cons;
  stvi_con *k = c->con;
  int j, i, f;
  const char *file = cs ? cs->file : "hold";
  for (j = 0; cs && j < cs->ng; j++) {
    const stvi_group *g = &cs->g[j];
    int standing = 0;
    for (i = 0; i < g->nmembers; i++)
      standing += c->status[g->members[i]] != STVI_WITHDRAWN;
    if (g->lo > c->seats)
      return stvi_fail(c->err, STV_ECONSTRAINT, file, g->line, g->col,
                       "group '%s': minimum %d is more than the %d seat%s",
                       g->name, g->lo, c->seats, c->seats == 1 ? "" : "s");
    if (g->lo > standing) {
      stvi_buf b;
      stv_status st;
      stvi_buf_init(&b, 200);
      standing_names(c, g, &b);
      st = stvi_fail(c->err, STV_ECONSTRAINT, file, g->line, g->col,
                     "group '%s': minimum %d is more than the %d standing "
                     "candidate%s in the group (%s)",
                     g->name, g->lo, standing, standing == 1 ? "" : "s",
                     b.data ? b.data : "");
      stvi_buf_free(&b);
      return st;
    }
  }
  load_state(c);
  f = feasible(k, c->n, c->seats, 0);
  if (f < 0) return complex_error(c);
  if (f == 0) {
    stvi_buf b;
    stv_status st;
    uint64_t kept;
    stvi_buf_init(&b, 200);
    if (conflict(c, &b, &kept) < 0) {
      stvi_buf_free(&b);
      return complex_error(c);
    }
    st = stvi_fail(c->err, STV_ECONSTRAINT, file, 0, 0,
                   "%s: no %d standing candidates meet all the constraints "
                   "together; these cannot be met at once: %s",
                   file, c->seats, b.data ? b.data : "");
    stvi_buf_free(&b);
    return st;
  }
  return STV_OK;
}

stv_status stvi_con_start(stvi_count *c) {
  const stv_options *o = c->o;
  const stv_constraints *cs = o->cons;
  stvi_con *k;
  size_t n = (size_t)c->n;
  int j, i;
  if (!cs && o->nhold == 0) return STV_OK;
  if (c->rule->count == stvi_count_block)
    return stvi_fail(c->err, STV_EUNSUPPORTED, "rules", 0, 0,
                     "the block vote has no exclusions to meet constraints "
                     "or hold candidates elected: use an STV rule set");
  if (cs && cs->ncand != c->n)
    return stvi_fail(c->err, STV_EINVAL, cs->file, 0, 0,
                     "the constraints were read for %d candidates, the "
                     "election has %d",
                     cs->ncand, c->n);
  for (i = 0; i < o->nhold; i++) {
    int h = o->hold[i];
    if (h > c->n)
      return stvi_fail(c->err, STV_EINVAL, "hold", 0, 0,
                       "candidate %d held elected does not exist (%d "
                       "candidates)",
                       h, c->n);
    if (c->status[h - 1] == STVI_WITHDRAWN)
      return stvi_fail(c->err, STV_ECONSTRAINT, "hold", 0, 0,
                       "%s cannot be held elected: withdrawn",
                       c->e->names[h - 1]);
  }
  if (o->nhold > c->seats)
    return stvi_fail(c->err, STV_ECONSTRAINT, "hold", 0, 0,
                     "%d candidates held elected for %d seat%s", o->nhold,
                     c->seats, c->seats == 1 ? "" : "s");
  k = c->con = stvi_calloc_array(1, sizeof(*k));
  if (!k) return STV_ENOMEM;
  k->held = -1;
  k->mask = stvi_calloc_array(n, sizeof(uint64_t));
  k->mark = stvi_calloc_array(n, 1);
  k->out = stvi_calloc_array(n, 1);
  k->fresh = stvi_calloc_array(n, 1);
  k->why = stvi_calloc_array(n, sizeof(char *));
  k->whyset = stvi_calloc_array(n, sizeof(uint64_t));
  k->freeseen = stvi_calloc_array(n, sizeof(uint64_t));
  k->st = stvi_calloc_array(n, 1);
  k->pm = stvi_calloc_array(n, sizeof(uint64_t));
  k->ph = stvi_calloc_array(n, sizeof(int));
  k->availT = stvi_calloc_array(n + 1, sizeof(int));
  k->avail = stvi_calloc_array((n + 1) * NG_MAX, sizeof(int));
  if (!k->mask || !k->mark || !k->out || !k->fresh || !k->why ||
      !k->whyset || !k->freeseen || !k->st ||
      !k->pm || !k->ph || !k->availT || !k->avail)
    return STV_ENOMEM;
  for (j = 0; cs && j < cs->ng; j++) {
    const stvi_group *g = &cs->g[j];
    k->grp[k->ng] = g;
    k->lo[k->ng] = g->lo;
    k->hi[k->ng] = g->hi < 0 ? INF : g->hi;
    for (i = 0; i < g->nmembers; i++)
      k->mask[g->members[i]] |= 1ULL << k->ng;
    k->ng++;
  }
  if (o->nhold) {
    k->held = k->ng;
    k->grp[k->ng] = NULL;
    k->lo[k->ng] = 0;
    k->hi[k->ng] = INF;
    for (i = 0; i < o->nhold; i++) {
      uint64_t bit = 1ULL << k->ng;
      if (!(k->mask[o->hold[i] - 1] & bit)) k->lo[k->ng]++;
      k->mask[o->hold[i] - 1] |= bit;
    }
    k->ng++;
  }
  {
    stv_status st = check(c);
    if (st) return st;
  }
  return classify(c); /* noted when the first stage closes */
}

stv_status stvi_con_exclude(stvi_count *c, int k) {
  stvi_buf b;
  stv_status st;
  stvi_buf_init(&b, 4096);
  stvi_buf_printf(&b, "doomed by %s", stvi_con_why(c, k));
  if (b.failed) {
    stvi_buf_free(&b);
    return STV_ENOMEM;
  }
  st = stvi_exclude(c, k, b.data);
  stvi_buf_free(&b);
  return st;
}

stv_status stvi_con_exclusion_stage(stvi_count *c, const int *set, int n) {
  char *names = stvi_join_names(c, set, n);
  stv_status st;
  int i;
  if (!names) return STV_ENOMEM;
  st = stvi_stage_open(c, STVI_STAGE_EXCLUSION, set, n,
                       "Exclusion of %s (doomed)", names);
  stvi_free(names);
  for (i = 0; i < n && st == STV_OK; i++) st = stvi_con_exclude(c, set[i]);
  return st;
}

/* The constraints and how the result meets them, for the count sheet:
** r->cons_text (lines for the heading) and r->cons_json (an object). */
stv_status stvi_con_report(stvi_count *c) {
  stvi_con *k = c->con;
  const stv_options *o = c->o;
  stv_result *r = c->r;
  stvi_buf t, js;
  int j, i;
  if (!k) return STV_OK;
  stvi_buf_init(&t, (size_t)1 << 20);
  stvi_buf_init(&js, (size_t)1 << 20);
  stvi_buf_puts(&js, "{\"file\": ");
  stvi_json_str(&js, o->cons ? o->cons->file : "");
  stvi_buf_printf(&js, ", \"doom\": \"%s\", \"groups\": [",
                  o->doom ? "immediate" : "deferred");
  if (o->cons)
    stvi_buf_printf(&t, "Constraints: %s (doom: %s)\n", o->cons->file,
                    o->doom ? "immediate" : "deferred");
  for (j = 0; j < k->ng; j++) {
    const stvi_group *g = k->grp[j];
    int ne = 0, first = 1;
    if (!g) continue;
    stvi_buf_puts(&t, "  ");
    describe_group(k, j, &t);
    stvi_buf_puts(&t, ": candidates ");
    stvi_buf_printf(&js, "%s\n    {\"name\": ", j ? "," : "");
    stvi_json_str(&js, g->name);
    stvi_buf_printf(&js, ", \"min\": %d, \"max\": ", g->lo);
    if (g->hi < 0)
      stvi_buf_puts(&js, "null");
    else
      stvi_buf_printf(&js, "%d", g->hi);
    stvi_buf_puts(&js, ", \"members\": [");
    for (i = 0; i < g->nmembers; i++) {
      stvi_buf_printf(&t, "%s%d", i ? ", " : "", g->members[i] + 1);
      stvi_buf_printf(&js, "%s%d", i ? ", " : "", g->members[i] + 1);
    }
    stvi_buf_puts(&js, "], \"elected\": [");
    stvi_buf_puts(&t, "; elected: ");
    for (i = 0; i < r->nelected; i++) {
      int e = r->elected[i];
      if (!((k->mask[e - 1] >> j) & 1)) continue;
      stvi_buf_printf(&t, "%s%s", first ? "" : ", ", c->e->names[e - 1]);
      stvi_buf_printf(&js, "%s%d", first ? "" : ", ", e);
      first = 0;
      ne++;
    }
    if (ne == 0) stvi_buf_puts(&t, "none");
    stvi_buf_puts(&js, "]}");
    stvi_buf_puts(&t, "\n");
  }
  stvi_buf_puts(&js, "], \"held\": [");
  if (o->nhold) stvi_buf_puts(&t, "Held elected: ");
  for (i = 0; i < o->nhold; i++) {
    stvi_buf_printf(&t, "%s%s", i ? ", " : "", c->e->names[o->hold[i] - 1]);
    stvi_buf_printf(&js, "%s%d", i ? ", " : "", o->hold[i]);
  }
  if (o->nhold) stvi_buf_puts(&t, "\n");
  stvi_buf_puts(&js, "]}");
  if (t.failed || js.failed) {
    stvi_buf_free(&t);
    stvi_buf_free(&js);
    return STV_ENOMEM;
  }
  r->cons_text = t.data;
  r->cons_json = js.data;
  return STV_OK;
}

stv_status stvi_con_allowed(const stv_election *e, const stv_options *o,
                            int seats, const int *held, int nheld,
                            unsigned char *ok, stv_error *err) {
  stvi_count c;
  stv_options *o2 = stvi_options_clone(o);
  stv_status st = STV_OK;
  int i;
  memset(&c, 0, sizeof(c));
  if (!o2) return STV_ENOMEM;
  stvi_free(o2->hold);
  o2->hold = NULL;
  o2->nhold = 0;
  c.e = e;
  c.o = o2;
  c.err = err;
  c.n = e->ncand;
  c.seats = seats;
  c.rule = stvi_rule_find(o->rules);
  c.status = stvi_calloc_array((size_t)c.n, sizeof(int));
  if (!c.status || !c.rule) st = c.rule ? STV_ENOMEM : STV_EINVAL;
  for (i = 0; st == STV_OK && i < c.n; i++)
    if (e->withdrawn[i]) c.status[i] = STVI_WITHDRAWN;
  for (i = 0; st == STV_OK && i < o->nwithdraw; i++)
    if (o->withdraw[i] >= 1 && o->withdraw[i] <= c.n)
      c.status[o->withdraw[i] - 1] = STVI_WITHDRAWN;
  for (i = 0; st == STV_OK && i < nheld; i++) {
    c.status[held[i] - 1] = STVI_ELECTED;
    c.nelected++;
  }
  if (st == STV_OK) st = stvi_con_start(&c);
  for (i = 0; st == STV_OK && i < c.n; i++)
    ok[i] = c.status[i] == STVI_HOPEFUL && !stvi_con_doomed(&c, i);
  stvi_con_free(&c);
  stvi_free(c.status);
  stv_options_free(o2);
  return st;
}
