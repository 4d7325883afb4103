/*
** count.c: stv_count(), the rule-set table and the quotas.
**
** stv_count() checks the options against the rule set, builds a stvi_count
** (candidates' status, decimals, quota kind, policies, tie chain), prepares
** the ballots (prep.c), lets the rule run, and finishes the record (final
** totals as exact decimals).  Each rule lives in its own file and sees only
** stvInt.h.
*/
#include <string.h>
#include <strings.h>

#include "stvInt.h"

#define TIES_B {STVI_TIE_BACKWARDS, STVI_TIE_RANDOM, 0}
#define TIES_F {STVI_TIE_FORWARDS, STVI_TIE_RANDOM, 0}

/* name, summary, count, dp, quota, quota_free, dp_free, exact_ok, ties,
** equal, repeat, skipped */
static const stvi_rule rules[] = {
    {"scottish",
     "Scottish STV (SSI 2007/42 sch. 1 rules 45-52): integer Droop quota, "
     "all papers at 5-decimal transfer values",
     stvi_count_gregory, 5, STVI_QUOTA_DROOP, 0, 0, 0, TIES_B,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_TRUNCATE},
    {"ers97",
     "ERS97 (Electoral Reform Society, 3rd ed. 1997): 2 decimals, last "
     "parcel, deferred surpluses, bulk exclusion",
     stvi_count_ers97, 2, STVI_QUOTA_ERS97, 0, 0, 0, TIES_F,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_TRUNCATE},
    {"meek",
     "Meek STV (Hill, Wichmann & Woodall, Algorithm 123, 1987): keep "
     "values to convergence, 9 decimals",
     stvi_count_meek, 9, STVI_QUOTA_DROOP_EXACT, 0, 0, 1, TIES_F,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
    {"nz-meek",
     "Meek STV as in New Zealand's Local Electoral Regulations 2001, "
     "Schedule 1A (9 decimals)",
     stvi_count_meek, 9, STVI_QUOTA_DROOP_EXACT, 0, 0, 0,
     {STVI_TIE_RANDOM, 0, 0}, /* after AAFD (clause 40), done in meek.c */
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_TRUNCATE},
    {"warren",
     "Warren STV (Voting matters): elected candidates keep a fixed amount "
     "of each vote (9 decimals)",
     stvi_count_meek, 9, STVI_QUOTA_DROOP_EXACT, 0, 0, 0, TIES_F,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
    {"wigm",
     "Weighted inclusive Gregory: the Scottish transfer with choosable "
     "decimals, quota and ties",
     stvi_count_gregory, 5, STVI_QUOTA_DROOP, 1, 1, 1, TIES_B,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
    {"uig",
     "Unweighted inclusive Gregory (Australian Senate style): surplus / "
     "papers",
     stvi_count_gregory, 5, STVI_QUOTA_DROOP, 1, 1, 0, TIES_B,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
    {"irv",
     "Instant-runoff (preferential vote for one seat): exclude the lowest "
     "until one has a majority of continuing votes",
     stvi_count_irv, 0, STVI_QUOTA_DEFAULT, 0, 0, 0, TIES_B,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
    {"block",
     "Block vote: each voter's first N preferences count one vote each",
     stvi_count_block, 0, STVI_QUOTA_DEFAULT, 0, 0, 0, TIES_B,
     STVI_POL_TRUNCATE, STVI_POL_SKIP, STVI_POL_CONTINUE},
};
#define NRULES ((int)(sizeof(rules) / sizeof(rules[0])))

static const char *rule_names[NRULES + 1] = {
    "scottish", "ers97", "meek", "nz-meek", "warren",
    "wigm",     "uig",   "irv",  "block",   NULL};

const char *const *stv_rule_names(void) { return rule_names; }

const stvi_rule *stvi_rule_find(const char *name) {
  int i;
  for (i = 0; i < NRULES; i++)
    if (strcmp(rules[i].name, name) == 0) return &rules[i];
  return NULL;
}

const char *stv_rule_summary(const char *name) {
  const stvi_rule *r = stvi_rule_find(name ? name : "");
  return r ? r->summary : NULL;
}

int64_t stvi_quota(stvi_count *c, int64_t total, int seats) {
  int64_t one = c->one;
  switch (c->quota_kind) {
  case STVI_QUOTA_DROOP: /* whole votes: floor(V/(S+1)) + 1 */
    return (total / one / (seats + 1) + 1) * one;
  case STVI_QUOTA_HARE: /* whole votes: floor(V/S) */
    return total / one / seats * one;
  case STVI_QUOTA_HARE_EXACT:
    return fx_muldiv_ceil(total, 1, seats, &c->ovf);
  case STVI_QUOTA_ERS97: /* V/(S+1) rounded up to the count's decimals */
  case STVI_QUOTA_DROOP_EXACT:
  default:
    return fx_muldiv_ceil(total, 1, seats + 1, &c->ovf);
  }
}

static const char *quota_name(int k) {
  switch (k) {
  case STVI_QUOTA_DROOP: return "Droop: floor(valid / (seats + 1)) + 1";
  case STVI_QUOTA_DROOP_EXACT: return "valid / (seats + 1), rounded up";
  case STVI_QUOTA_HARE: return "Hare: floor(valid / seats)";
  case STVI_QUOTA_HARE_EXACT: return "valid / seats, rounded up";
  case STVI_QUOTA_ERS97: return "ERS97: valid / (seats + 1) to 2 decimals, "
                                "rounded up";
  }
  return "none (majority of continuing votes)";
}

static const char *pol_name(int p) {
  switch (p) {
  case STVI_POL_TRUNCATE: return "truncate";
  case STVI_POL_SKIP: return "skip";
  case STVI_POL_CONTINUE: return "continue";
  case STVI_POL_REJECT: return "reject";
  }
  return "?";
}

static stv_status describe(stvi_count *c) {
  stv_result *r = c->r;
  stvi_buf b;
  int i, j;
  stvi_buf_init(&b, 64 * 1024);
  for (i = 0; i < c->nties; i++) {
    const stvi_tiestep *t = &c->ties[i];
    if (i) stvi_buf_puts(&b, ",");
    switch (t->kind) {
    case STVI_TIE_BACKWARDS: stvi_buf_puts(&b, "backwards"); break;
    case STVI_TIE_FORWARDS: stvi_buf_puts(&b, "forwards"); break;
    case STVI_TIE_RANDOM:
      stvi_buf_printf(&b, "random:%llu", (unsigned long long)t->seed);
      break;
    case STVI_TIE_ORDER:
      stvi_buf_puts(&b, "order:");
      for (j = 0; j < t->norder; j++)
        stvi_buf_printf(&b, "%s%d", j ? ">" : "", t->order[j] + 1);
      break;
    }
  }
  if (b.failed) return STV_ENOMEM;
  r->ties = b.data;
  stvi_buf_init(&b, 1024);
  stvi_buf_printf(&b, "equal=%s repeat=%s skipped=%s", pol_name(c->equal),
                  pol_name(c->repeat), pol_name(c->skipped));
  if (b.failed) return STV_ENOMEM;
  r->policies = b.data;
  if (c->rule->count == stvi_count_irv)
    r->quota_desc = stvi_strdup("majority: more than half of the votes still "
                                "in the count, at the last round");
  else if (c->rule->count == stvi_count_block)
    r->quota_desc = stvi_strdup("none: the most votes win");
  else
    r->quota_desc = stvi_strdup(quota_name(c->quota_kind));
  return r->quota_desc ? STV_OK : STV_ENOMEM;
}

static stv_status setup(stvi_count *c, const stv_election *e,
                        const stv_options *o, stv_error *err) {
  const stvi_rule *rule = stvi_rule_find(o->rules);
  stv_result *r;
  int i;
  memset(c, 0, sizeof(*c));
  c->e = e;
  c->o = o;
  c->err = err;
  if (!rule)
    return stvi_fail(err, STV_EINVAL, "rules", 0, 0, "unknown rule set %s",
                     o->rules);
  c->rule = rule;
  c->n = e->ncand;
  c->seats = o->seats ? o->seats : e->seats;
  if (c->n < 1)
    return stvi_fail(err, STV_EINVAL, "election", 0, 0, "no candidates");
  if (c->seats < 1)
    return stvi_fail(err, STV_EINVAL, "seats", 0, 0,
                     "the number of seats is not set (use --seats N)");
  if (c->seats > c->n)
    return stvi_fail(err, STV_EINVAL, "seats", 0, 0,
                     "%d seats but only %d candidates", c->seats, c->n);
  if (o->decimals >= 0 && !rule->dp_free)
    return stvi_fail(err, STV_EUNSUPPORTED, "decimals", 0, 0,
                     "the %s rules fix their own decimals (%d)", rule->name,
                     rule->dp);
  if (o->quota && !rule->quota_free)
    return stvi_fail(err, STV_EUNSUPPORTED, "quota", 0, 0,
                     "the %s rules fix their own quota", rule->name);
  if (o->arith == STVI_ARITH_EXACT && (!rule->exact_ok || !stv_have_exact()))
    return stvi_fail(err, STV_EUNSUPPORTED, "arith", 0, 0,
                     rule->exact_ok ? "this build has no GMP: exact "
                                      "arithmetic is not available"
                                    : "exact arithmetic is offered for meek "
                                      "and wigm only");
  c->dp = o->decimals >= 0 ? o->decimals : rule->dp;
  c->one = fx_pow10(c->dp);
  c->quota_kind = o->quota ? o->quota : rule->quota;
  c->equal = o->equal ? o->equal : rule->equal;
  c->repeat = o->repeat ? o->repeat : rule->repeat;
  c->skipped = o->skipped ? o->skipped : rule->skipped;
  c->truncate = o->truncate;
  if (o->nties) {
    memcpy(c->ties, o->ties, sizeof(o->ties[0]) * (size_t)o->nties);
    c->nties = o->nties;
  } else {
    for (i = 0; i < 3 && rule->ties[i]; i++) c->ties[c->nties++].kind =
        rule->ties[i];
  }
  c->status = stvi_calloc_array((size_t)c->n, sizeof(int));
  c->votes = stvi_calloc_array((size_t)c->n, sizeof(int64_t));
  c->r = r = stvi_calloc_array(1, sizeof(*r));
  if (!c->status || !c->votes || !r) return STV_ENOMEM;
  for (i = 0; i < c->n; i++)
    if (e->withdrawn[i]) c->status[i] = STVI_WITHDRAWN;
  for (i = 0; i < o->nwithdraw; i++) {
    if (o->withdraw[i] > c->n)
      return stvi_fail(err, STV_EINVAL, "withdraw", 0, 0,
                       "--withdraw %d: there are only %d candidates",
                       o->withdraw[i], c->n);
    c->status[o->withdraw[i] - 1] = STVI_WITHDRAWN;
  }
  if (o->vacate > c->n || o->ron > c->n)
    return stvi_fail(err, STV_EINVAL, o->vacate > c->n ? "vacate" : "ron", 0,
                     0, "candidate %d does not exist (%d candidates)",
                     o->vacate > c->n ? o->vacate : o->ron, c->n);
  if (o->vacate && o->fill == 0) c->status[o->vacate - 1] = STVI_WITHDRAWN;
  for (i = 0; i < c->nties; i++)
    if (c->ties[i].kind == STVI_TIE_ORDER) {
      int j;
      for (j = 0; j < c->ties[i].norder; j++)
        if (c->ties[i].order[j] >= c->n)
          return stvi_fail(err, STV_EINVAL, "ties", 0, 0,
                           "--ties order: candidate %d does not exist",
                           c->ties[i].order[j] + 1);
    }
  r->ncand = c->n;
  r->seats = c->seats;
  r->dp = c->dp;
  r->rules = stvi_strdup(rule->name);
  r->title = stvi_strdup(e->title ? e->title : "");
  r->names = stvi_calloc_array((size_t)c->n, sizeof(char *));
  r->status = stvi_calloc_array((size_t)c->n, sizeof(int));
  r->elected = stvi_calloc_array((size_t)c->n, sizeof(int));
  if (!r->rules || !r->title || !r->names || !r->status || !r->elected)
    return STV_ENOMEM;
  for (i = 0; i < c->n; i++) {
    r->names[i] = stvi_strdup(e->names[i] ? e->names[i] : "");
    if (!r->names[i]) return STV_ENOMEM;
  }
  return describe(c);
}

/* Whether a candidate's name says "re-open nominations". */
static int is_ron(const char *name) {
  return name && (strcmp(name, "RON") == 0 ||
                  strcasecmp(name, "re-open nominations") == 0 ||
                  strcasecmp(name, "reopen nominations") == 0);
}

/* The highest unelected candidate at the end of the count, passing over
** skip (1-based): one still continuing with the most votes, else the one
** excluded last (more votes at the stage before, then the lower number). */
static int highest_unelected(const stv_result *r, int skip) {
  int best = 0, best_stage = -1, i, s, j;
  int64_t best_votes = -1;
  for (i = 0; i < r->ncand; i++) {
    int stage = r->nstages; /* still continuing: beyond every exclusion */
    int64_t votes;
    if (i + 1 == skip || r->status[i] == STVI_ELECTED ||
        r->status[i] == STVI_WITHDRAWN)
      continue;
    for (s = 0; s < r->nstages && stage == r->nstages; s++)
      for (j = 0; j < r->stages[s].nevents; j++)
        if (r->stages[s].events[j].type == STVI_EV_EXCLUDED &&
            r->stages[s].events[j].cand == i)
          stage = s;
    votes = stage == r->nstages ? r->stages[r->nstages - 1].votes[i]
            : stage > 0         ? r->stages[stage - 1].votes[i]
                                : r->stages[0].votes[i];
    if (stage > best_stage || (stage == best_stage && votes > best_votes)) {
      best = i + 1;
      best_stage = stage;
      best_votes = votes;
    }
  }
  return best;
}

static stv_status finish(stvi_count *c) {
  stv_result *r = c->r;
  char tmp[48];
  int i;
  r->finals = stvi_calloc_array((size_t)c->n, sizeof(char *));
  if (!r->finals) return STV_ENOMEM;
  for (i = 0; i < c->n; i++) {
    fx_format(c->votes[i], c->dp, tmp, sizeof(tmp));
    r->finals[i] = stvi_strdup(tmp);
    if (!r->finals[i]) return STV_ENOMEM;
    r->status[i] = c->status[i];
  }
  r->quota = c->quota;
  r->ron = c->o->ron;
  for (i = 0; i < c->n && !r->ron; i++)
    if (is_ron(c->e->names[i])) r->ron = i + 1;
  r->vacated = c->o->vacate;
  r->fill = c->o->fill;
  if (r->vacated && r->fill == 1)
    r->filled = highest_unelected(r, r->vacated);
  else if (r->vacated) { /* the one elected who was not held */
    int j, k;
    for (j = 0; j < r->nelected && !r->filled; j++) {
      int held = 0;
      for (k = 0; k < c->o->nhold; k++) held |= c->o->hold[k] == r->elected[j];
      if (!held) r->filled = r->elected[j];
    }
  }
  if ((c->o->src_file && !(r->src_file = stvi_strdup(c->o->src_file))) ||
      (c->o->src_sha256 && !(r->src_sha256 = stvi_strdup(c->o->src_sha256))))
    return STV_ENOMEM;
  fx_format(c->quota, c->dp, tmp, sizeof(tmp));
  r->quota_str = stvi_strdup(tmp);
  return r->quota_str ? STV_OK : STV_ENOMEM;
}

stv_status stv_count(const stv_election *e, const stv_options *o,
                     stv_result **out, stv_error *err) {
  stvi_count c;
  stv_options *defaults = NULL;
  stv_status st;
  *out = NULL;
  if (!e) return STV_EINVAL;
  if (!o) {
    st = stv_options_create(&defaults);
    if (st) return st;
    o = defaults;
  }
  st = setup(&c, e, o, err);
  if (st == STV_OK) st = stvi_prepare(&c);
  if (st == STV_OK) {
    c.r->papers = c.b.papers;
    c.r->invalid = c.b.invalid;
    c.r->empty = c.b.empty;
    c.r->touched_equal = c.b.touched_equal;
    c.r->touched_repeat = c.b.touched_repeat;
    c.r->touched_skip = c.b.touched_skip;
    if (c.b.papers == 0)
      st = stvi_fail(err, STV_EBALLOT, "election", 0, 0,
                     "there are no valid ballots to count (%lld rejected, "
                     "%lld with no usable preference)",
                     (long long)c.b.invalid, (long long)c.b.empty);
  }
  if (st == STV_OK) st = stvi_con_start(&c);
  if (st == STV_OK) st = c.rule->count(&c);
  if (st == STV_OK && c.ovf) st = STV_EOVERFLOW;
  if (st == STV_OK) st = finish(&c);
  if (st == STV_OK) st = stvi_con_report(&c);
  if (st == STV_EOVERFLOW && err && !err->msg[0])
    stvi_fail(err, st, "count", 0, 0,
              "a vote total exceeds the fixed-point range; use fewer "
              "decimals");
  if (st == STV_ENOMEM && err)
    stvi_fail(err, st, "count", 0, 0, "out of memory");
  stvi_con_free(&c);
  stvi_ballots_free(&c.b);
  stvi_free(c.status);
  stvi_free(c.votes);
  if (st == STV_OK)
    *out = c.r;
  else
    stv_result_free(c.r);
  stv_options_free(defaults);
  return st;
}
