/*
** election.c: candidates, seats, title and the store of distinct ballots.
**
** Ballots are merged on arrival: identical rankings (token for token) share
** one entry whose weight is the sum, found through an open-addressing hash
** of ballot indices.  The count therefore costs in distinct ballots, not in
** voters.  Tokens are 0-based candidate indices, STVI_TOK_SKIP or
** STVI_TOK_EQ, stored in one pool.
*/
#include <string.h>

#include "stvInt.h"

stv_status stv_election_create(stv_election **out) {
  stv_election *e = stvi_calloc_array(1, sizeof(*e));
  *out = e;
  return e ? STV_OK : STV_ENOMEM;
}

void stv_election_free(stv_election *e) {
  int i;
  if (!e) return;
  for (i = 0; i < e->ncand; i++) stvi_free(e->names[i]);
  stvi_free(e->names);
  stvi_free(e->withdrawn);
  stvi_free(e->title);
  stvi_free(e->weight);
  stvi_free(e->off);
  stvi_free(e->len);
  stvi_free(e->pool);
  stvi_free(e->slots);
  stvi_free(e);
}

stv_status stv_election_add_candidate(stv_election *e, const char *name) {
  if (!e || !name) return STV_EINVAL;
  if (strlen(name) > STV_MAX_NAME) return STV_ELIMIT;
  if (e->ncand >= STV_MAX_CANDIDATES) return STV_ELIMIT;
  /* A candidate may follow ballots (the CSV reader meets names in the
  ** ballots): ballots hold candidate indices, which a new candidate leaves
  ** unchanged. */
  if (e->ncand == e->namecap) {
    int nc = e->namecap ? e->namecap * 2 : 16;
    char **nn = stvi_realloc_array(e->names, (size_t)nc, sizeof(*nn));
    unsigned char *nw;
    if (!nn) return STV_ENOMEM;
    e->names = nn;
    nw = stvi_realloc_array(e->withdrawn, (size_t)nc, 1);
    if (!nw) return STV_ENOMEM;
    e->withdrawn = nw;
    e->namecap = nc;
  }
  e->names[e->ncand] = stvi_strdup(name);
  if (!e->names[e->ncand]) return STV_ENOMEM;
  e->withdrawn[e->ncand] = 0;
  e->ncand++;
  return STV_OK;
}

stv_status stv_election_set_seats(stv_election *e, int seats) {
  if (!e || seats < 1) return STV_EINVAL;
  if (seats > STV_MAX_SEATS) return STV_ELIMIT;
  e->seats = seats;
  return STV_OK;
}

stv_status stv_election_set_title(stv_election *e, const char *title) {
  char *t;
  if (!e || !title) return STV_EINVAL;
  if (strlen(title) > STV_MAX_LINE) return STV_ELIMIT;
  t = stvi_strdup(title);
  if (!t) return STV_ENOMEM;
  stvi_free(e->title);
  e->title = t;
  return STV_OK;
}

stv_status stv_election_withdraw(stv_election *e, int c) {
  if (!e || c < 1 || c > e->ncand) return STV_EINVAL;
  e->withdrawn[c - 1] = 1;
  return STV_OK;
}

static uint64_t hash_tokens(const int16_t *t, size_t n) {
  uint64_t h = 1469598103934665603ULL ^ (uint64_t)n;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= (uint16_t)t[i];
    h *= 1099511628211ULL;
  }
  h ^= h >> 33; /* murmur3's finaliser: every bit depends on every bit */
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/* A slot holds the upper 32 bits of the ballot's hash beside its index, so
** a probe that meets another ballot is told apart without touching the
** ballot itself (the lookups are what loading large files costs).
** The home slot is the top bits of the hash, which the tag keeps, so the
** table doubles without looking at a single ballot. */
#define SLOT(tag, i) (((uint64_t)(tag) << 32) | (uint64_t)((i) + 1))
#define SLOT_INDEX(s) ((uint32_t)(s) - 1)
#define SLOT_TAG(s) ((uint32_t)((s) >> 32))
#define HOME(e, hv) ((hv) >> (64 - (e)->slotbits))

static stv_status grow_slots(stv_election *e) {
  int bits = e->slotbits ? e->slotbits + 1 : 10;
  uint64_t ns, i;
  uint64_t *s;
  /* at most 70% full, with room for a batch */
  while (bits <= 32 && ((uint64_t)1 << bits) * 7 <
                           (uint64_t)(e->nballots + STVI_BATCH + 1) * 10)
    bits++;
  if (bits > 32) return STV_ELIMIT;
  ns = (uint64_t)1 << bits;
  s = stvi_calloc_array(ns, sizeof(*s));
  if (!s) return STV_ENOMEM;
  if (!e->slots) /* index dropped after loading: rebuild from the ballots */
    for (i = 0; i < (uint64_t)e->nballots; i++) {
      uint64_t hv = hash_tokens(e->pool + e->off[i], e->len[i]);
      uint64_t h = hv >> (64 - bits);
      while (s[h]) h = (h + 1) & (ns - 1);
      s[h] = SLOT(hv >> 32, i);
    }
  for (i = 0; e->slots && i < e->nslots; i++) { /* no slots: nslots 0 */
    uint64_t h;
    if (!e->slots[i]) continue;
    h = (uint64_t)SLOT_TAG(e->slots[i]) >> (32 - bits);
    while (s[h]) h = (h + 1) & (ns - 1);
    s[h] = e->slots[i];
  }
  stvi_free(e->slots);
  e->slots = s;
  e->nslots = ns;
  e->slotbits = bits;
  return STV_OK;
}

static stv_status grow_ballots(stv_election *e) {
  int64_t nc = e->ballotcap ? e->ballotcap * 2 : 256;
  int64_t *w;
  uint32_t *o;
  uint16_t *l;
  if (nc > STV_MAX_BALLOTS) nc = STV_MAX_BALLOTS;
  if (nc <= e->nballots) return STV_ELIMIT;
  w = stvi_realloc_array(e->weight, (size_t)nc, sizeof(*w));
  if (!w) return STV_ENOMEM;
  e->weight = w;
  o = stvi_realloc_array(e->off, (size_t)nc, sizeof(*o));
  if (!o) return STV_ENOMEM;
  e->off = o;
  l = stvi_realloc_array(e->len, (size_t)nc, sizeof(*l));
  if (!l) return STV_ENOMEM;
  e->len = l;
  e->ballotcap = nc;
  return STV_OK;
}

static stv_status insert_hashed(stv_election *e, int64_t weight,
                                const int16_t *tok, size_t n, uint64_t hv) {
  uint64_t h;
  stv_status st;
  if (weight < 0 || weight > STV_MAX_WEIGHT) return STV_ELIMIT;
  if (n > UINT16_MAX) return STV_ELIMIT;
  if (e->papers > INT64_MAX / 2 - weight) return STV_EOVERFLOW;
  if ((uint64_t)(e->nballots + 1) * 10 > e->nslots * 7) {
    st = grow_slots(e);
    if (st) return st;
  }
  h = HOME(e, hv);
  while (e->slots[h]) {
    uint32_t i = SLOT_INDEX(e->slots[h]);
    if (SLOT_TAG(e->slots[h]) == (uint32_t)(hv >> 32) && e->len[i] == n &&
        (n == 0 ||
         memcmp(e->pool + e->off[i], tok, n * sizeof(*tok)) == 0)) {
      e->weight[i] += weight;
      e->papers += weight;
      return STV_OK;
    }
    h = (h + 1) & (e->nslots - 1);
  }
  if (e->nballots == e->ballotcap) {
    st = grow_ballots(e);
    if (st) return st;
  }
  if (e->poollen + n > UINT32_MAX) return STV_ELIMIT;
  /* The pool exists once any ballot does, even an empty one, so that
  ** e->pool + e->off[i] is never arithmetic on NULL. */
  if (!e->pool || e->poollen + n > e->poolcap) {
    uint64_t nc = e->poolcap ? e->poolcap * 2 : 4096;
    int16_t *p;
    while (nc < e->poollen + n) nc *= 2;
    p = stvi_realloc_array(e->pool, nc, sizeof(*p));
    if (!p) return STV_ENOMEM;
    e->pool = p;
    e->poolcap = nc;
  }
  if (n) memcpy(e->pool + e->poollen, tok, n * sizeof(*tok));
  e->off[e->nballots] = (uint32_t)e->poollen;
  e->len[e->nballots] = (uint16_t)n;
  e->weight[e->nballots] = weight;
  e->poollen += n;
  e->slots[h] = SLOT(hv >> 32, e->nballots);
  e->nballots++;
  e->papers += weight;
  return STV_OK;
}

stv_status stvi_election_add_tokens(stv_election *e, int64_t weight,
                                    const int16_t *tok, size_t n) {
  return insert_hashed(e, weight, tok, n, hash_tokens(tok, n));
}

/* Loading a large file is bound by cache misses in the merge index, so a
** reader hands ballots over in batches: all hashes first, with the slots
** they will probe prefetched, then the ballots those slots hold, then the
** inserts themselves, which find their memory already on its way. */
stv_status stvi_election_add_many(stv_election *e, size_t k,
                                  const int64_t *weight,
                                  const int16_t *const *tok,
                                  const size_t *n, size_t *done) {
  uint64_t hv[STVI_BATCH];
  size_t j;
  stv_status st;
  *done = 0;
  if (k > STVI_BATCH) return STV_EINVAL;
  if ((uint64_t)(e->nballots + (int64_t)k + 1) * 10 > e->nslots * 7) {
    st = grow_slots(e);
    if (st) return st;
  }
  for (j = 0; j < k; j++) {
    hv[j] = hash_tokens(tok[j], n[j]);
    __builtin_prefetch(&e->slots[HOME(e, hv[j])]);
  }
  for (j = 0; j < k; j++) {
    uint64_t s = e->slots[HOME(e, hv[j])];
    if (s) {
      uint32_t i = SLOT_INDEX(s);
      __builtin_prefetch(&e->len[i]);
      __builtin_prefetch(&e->off[i]);
      __builtin_prefetch(&e->weight[i], 1);
    }
  }
  for (j = 0; j < k; j++) {
    uint64_t s = e->slots[HOME(e, hv[j])];
    if (s) __builtin_prefetch(e->pool + e->off[SLOT_INDEX(s)]);
  }
  for (j = 0; j < k; j++) {
    st = insert_hashed(e, weight[j], tok[j], n[j], hv[j]);
    if (st) return st;
    *done = j + 1;
  }
  return STV_OK;
}

void stvi_election_done(stv_election *e) {
  stvi_free(e->slots);
  e->slots = NULL;
  e->nslots = 0;
  e->slotbits = 0;
}

stv_status stv_election_add_ballot(stv_election *e, int64_t weight,
                                   const int *ranking, size_t n) {
  int16_t small[64];
  int16_t *tok = small;
  size_t i;
  stv_status st;
  if (!e || (n && !ranking) || weight < 0) return STV_EINVAL;
  if (n > UINT16_MAX) return STV_ELIMIT;
  if (n > 64) {
    tok = stvi_alloc_array(n, sizeof(*tok));
    if (!tok) return STV_ENOMEM;
  }
  st = STV_OK;
  for (i = 0; i < n && st == STV_OK; i++) {
    int v = ranking[i];
    if (v == STV_RANK_SKIP)
      tok[i] = STVI_TOK_SKIP;
    else if (v == STV_RANK_EQ) {
      if (i == 0 || i + 1 == n || ranking[i - 1] < 1 || ranking[i + 1] < 1)
        st = STV_EINVAL; /* "=" must stand between two candidates */
      tok[i] = STVI_TOK_EQ;
    } else if (v >= 1 && v <= e->ncand)
      tok[i] = (int16_t)(v - 1);
    else
      st = STV_EINVAL;
  }
  if (st == STV_OK) st = stvi_election_add_tokens(e, weight, tok, n);
  if (tok != small) stvi_free(tok);
  return st;
}

int stv_election_candidates(const stv_election *e) { return e ? e->ncand : 0; }
int stv_election_seats(const stv_election *e) { return e ? e->seats : 0; }
const char *stv_election_title(const stv_election *e) {
  return e && e->title ? e->title : "";
}
const char *stv_election_name(const stv_election *e, int c) {
  if (!e || c < 1 || c > e->ncand) return NULL;
  return e->names[c - 1];
}
int stv_election_is_withdrawn(const stv_election *e, int c) {
  if (!e || c < 1 || c > e->ncand) return 0;
  return e->withdrawn[c - 1];
}
int64_t stv_election_ballots(const stv_election *e) { return e ? e->papers : 0; }
int64_t stv_election_distinct(const stv_election *e) {
  return e ? e->nballots : 0;
}

stv_status stvi_election_set_ncand(stv_election *e, int n) {
  if (n < 1 || n > STV_MAX_CANDIDATES || e->ncand) return STV_EINVAL;
  e->names = stvi_calloc_array((size_t)n, sizeof(*e->names));
  e->withdrawn = stvi_calloc_array((size_t)n, 1);
  if (!e->names || !e->withdrawn) return STV_ENOMEM;
  e->ncand = e->namecap = n;
  return STV_OK;
}

stv_status stvi_election_set_name(stv_election *e, int i, const char *s,
                                  size_t n) {
  char *d = stvi_strndup(s, n);
  if (!d) return STV_ENOMEM;
  stvi_free(e->names[i]);
  e->names[i] = d;
  return STV_OK;
}
