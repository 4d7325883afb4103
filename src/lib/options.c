/*
** options.c: count options, set by name and value.
**
** The CLI and the web service pass options as text, so the vocabulary and
** the error messages live here once.  Whether a rule set allows a value is
** checked when counting (count.c), where the rule is known.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stvInt.h"

stv_status stv_options_create(stv_options **out) {
  stv_options *o = stvi_calloc_array(1, sizeof(*o));
  *out = o;
  if (!o) return STV_ENOMEM;
  memcpy(o->rules, "ers97", 6);
  o->decimals = -1;
  return STV_OK;
}

static void clear_ties(stv_options *o) {
  int i;
  for (i = 0; i < o->nties; i++) stvi_free(o->ties[i].order);
  o->nties = 0;
}

static int *copy_ints(const int *a, int n) {
  int *b = stvi_alloc_array((size_t)n, sizeof(int));
  if (b) memcpy(b, a, (size_t)n * sizeof(int));
  return b;
}

stv_options *stvi_options_clone(const stv_options *o) {
  stv_options *k = stvi_calloc_array(1, sizeof(*k));
  int i, ok = 1;
  if (!k) return NULL;
  *k = *o;
  k->withdraw = NULL;
  k->hold = NULL;
  k->cons = NULL;
  k->src_file = k->src_sha256 = NULL;
  if (o->src_file && !(k->src_file = stvi_strdup(o->src_file))) ok = 0;
  if (o->src_sha256 && !(k->src_sha256 = stvi_strdup(o->src_sha256))) ok = 0;
  for (i = 0; i < k->nties; i++) k->ties[i].order = NULL;
  if (o->nwithdraw && !(k->withdraw = copy_ints(o->withdraw, o->nwithdraw)))
    ok = 0;
  if (o->nhold && !(k->hold = copy_ints(o->hold, o->nhold))) ok = 0;
  if (o->cons && !(k->cons = stvi_constraints_clone(o->cons))) ok = 0;
  for (i = 0; i < k->nties && ok; i++)
    if (o->ties[i].order) {
      k->ties[i].order =
          stvi_alloc_array((size_t)o->ties[i].norder, sizeof(int));
      if (k->ties[i].order)
        memcpy(k->ties[i].order, o->ties[i].order,
               (size_t)o->ties[i].norder * sizeof(int));
      else
        ok = 0;
    }
  if (!ok) {
    stv_options_free(k);
    return NULL;
  }
  return k;
}

void stv_options_free(stv_options *o) {
  if (!o) return;
  clear_ties(o);
  stvi_free(o->withdraw);
  stvi_free(o->hold);
  stv_constraints_free(o->cons);
  stvi_free(o->src_file);
  stvi_free(o->src_sha256);
  stvi_free(o);
}

static stv_status set_str(char **dst, const char *s) {
  char *t = NULL;
  if (s && !(t = stvi_strdup(s))) return STV_ENOMEM;
  stvi_free(*dst);
  *dst = t;
  return STV_OK;
}

stv_status stv_options_set_source(stv_options *o, const char *file,
                                  const char *sha256_hex) {
  size_t i;
  if (!o) return STV_EINVAL;
  if (sha256_hex) {
    for (i = 0; sha256_hex[i]; i++)
      if (!((sha256_hex[i] >= '0' && sha256_hex[i] <= '9') ||
            (sha256_hex[i] >= 'a' && sha256_hex[i] <= 'f')))
        return STV_EINVAL;
    if (i != 64) return STV_EINVAL;
  }
  if (set_str(&o->src_file, file) != STV_OK ||
      set_str(&o->src_sha256, sha256_hex) != STV_OK)
    return STV_ENOMEM;
  return STV_OK;
}

/* Parses a whole decimal number in [lo, hi]. */
static int parse_int(const char *s, long long lo, long long hi,
                     long long *out) {
  char *end;
  long long v;
  if (!s || !*s || *s == ' ' || *s == '+') return 0;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  unsigned long long v;
  if (!s || !*s || *s < '0' || *s > '9') return 0;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end) return 0;
  *out = v;
  return 1;
}

static stv_status bad(stv_error *err, const char *key, const char *value,
                      const char *expected) {
  return stvi_fail(err, STV_EINVAL, key, 0, 0, "--%s %s: expected %s", key,
                   value ? value : "", expected);
}

static stv_status parse_order(stvi_tiestep *t, const char *list,
                              const char *value, stv_error *err) {
  const char *p = list;
  int n = 1, k = 0;
  for (; *p; p++)
    if (*p == ',' || *p == '>') n++;
  t->order = stvi_alloc_array((size_t)n, sizeof(int));
  if (!t->order) return STV_ENOMEM;
  p = list;
  while (k < n) {
    char num[16];
    size_t len = strcspn(p, ",>");
    long long v;
    if (len == 0 || len >= sizeof(num)) break;
    memcpy(num, p, len);
    num[len] = '\0';
    if (!parse_int(num, 1, STV_MAX_CANDIDATES, &v)) break;
    t->order[k++] = (int)v - 1;
    p += len;
    if (*p) p++;
  }
  if (k != n) {
    stvi_free(t->order);
    t->order = NULL;
    return bad(err, "ties", value,
               "order:LIST with candidate numbers separated by '>', "
               "most favoured first (e.g. order:3>1>2)");
  }
  t->norder = n;
  return STV_OK;
}

static stv_status set_ties(stv_options *o, const char *value,
                           stv_error *err) {
  const char *p = value;
  stv_options tmp;
  stv_status st = STV_OK;
  const char *expect = "backwards, forwards, random:SEED or order:LIST, "
                       "chained with commas (e.g. forwards,random:7)";
  memset(&tmp, 0, sizeof(tmp));
  while (*p && st == STV_OK) {
    /* order lists use '>' so commas always separate steps */
    size_t len = strcspn(p, ",");
    char step[4096];
    stvi_tiestep *t;
    if (len == 0 || len >= sizeof(step) || tmp.nties == STVI_MAX_TIESTEPS) {
      st = bad(err, "ties", value, expect);
      break;
    }
    memcpy(step, p, len);
    step[len] = '\0';
    t = &tmp.ties[tmp.nties];
    memset(t, 0, sizeof(*t));
    if (strcmp(step, "backwards") == 0)
      t->kind = STVI_TIE_BACKWARDS;
    else if (strcmp(step, "forwards") == 0)
      t->kind = STVI_TIE_FORWARDS;
    else if (strncmp(step, "random:", 7) == 0) {
      t->kind = STVI_TIE_RANDOM;
      if (!parse_u64(step + 7, &t->seed))
        st = bad(err, "ties", value, "random:SEED with a whole-number seed");
    } else if (strcmp(step, "random") == 0) {
      t->kind = STVI_TIE_RANDOM;
      t->seed = 0;
    } else if (strncmp(step, "order:", 6) == 0) {
      t->kind = STVI_TIE_ORDER;
      st = parse_order(t, step + 6, value, err);
    } else
      st = bad(err, "ties", value, expect);
    if (st == STV_OK) tmp.nties++;
    p += len;
    if (*p == ',') {
      p++;
      if (!*p) st = bad(err, "ties", value, expect);
    }
  }
  if (st == STV_OK && tmp.nties == 0) st = bad(err, "ties", value, expect);
  if (st != STV_OK) {
    clear_ties(&tmp);
    return st;
  }
  clear_ties(o);
  memcpy(o->ties, tmp.ties, sizeof(tmp.ties));
  o->nties = tmp.nties;
  return STV_OK;
}

typedef struct word {
  const char *name;
  int value;
} word;

static int lookup(const word *w, const char *s, int *out) {
  for (; w->name; w++)
    if (strcmp(w->name, s) == 0) {
      *out = w->value;
      return 1;
    }
  return 0;
}

static const word quotas[] = {{"droop", STVI_QUOTA_DROOP},
                              {"droop-exact", STVI_QUOTA_DROOP_EXACT},
                              {"hare", STVI_QUOTA_HARE},
                              {"hare-exact", STVI_QUOTA_HARE_EXACT},
                              {"ers97", STVI_QUOTA_ERS97},
                              {NULL, 0}};
static const word eqpol[] = {{"truncate", STVI_POL_TRUNCATE},
                             {"reject", STVI_POL_REJECT},
                             {NULL, 0}};
static const word reppol[] = {{"skip", STVI_POL_SKIP},
                              {"truncate", STVI_POL_TRUNCATE},
                              {"reject", STVI_POL_REJECT},
                              {NULL, 0}};
static const word skippol[] = {{"continue", STVI_POL_CONTINUE},
                               {"truncate", STVI_POL_TRUNCATE},
                               {"reject", STVI_POL_REJECT},
                               {NULL, 0}};
static const word arith[] = {{"fixed", STVI_ARITH_FIXED},
                             {"exact", STVI_ARITH_EXACT},
                             {NULL, 0}};

static const word dooms[] = {{"deferred", 0}, {"immediate", 1}, {NULL, 0}};
static const word fills[] = {{"recount", 0}, {"highest", 1}, {NULL, 0}};

/* Appends a candidate number to a list (withdraw, hold). */
static stv_status add_number(int **list, int *n, const char *key,
                             const char *value, stv_error *err) {
  long long v;
  int *nl;
  if (!parse_int(value, 1, STV_MAX_CANDIDATES, &v))
    return bad(err, key, value, "a candidate number (1-based)");
  if (*n >= STV_MAX_CANDIDATES)
    return bad(err, key, value, "fewer such options");
  nl = stvi_realloc_array(*list, (size_t)*n + 1, sizeof(int));
  if (!nl) return STV_ENOMEM;
  *list = nl;
  (*list)[(*n)++] = (int)v;
  return STV_OK;
}

stv_status stv_options_set_constraints(stv_options *o,
                                       const stv_constraints *k) {
  stv_constraints *copy = NULL;
  if (!o) return STV_EINVAL;
  if (k && !(copy = stvi_constraints_clone(k))) return STV_ENOMEM;
  stv_constraints_free(o->cons);
  o->cons = copy;
  return STV_OK;
}

stv_status stv_options_set(stv_options *o, const char *key, const char *value,
                           stv_error *err) {
  long long v;
  if (!o || !key) return STV_EINVAL;
  if (!value) value = "";
  if (strcmp(key, "rules") == 0) {
    if (!stvi_rule_find(value))
      return bad(err, key, value,
                 "one of scottish, ers97, meek, nz-meek, warren, wigm, uig, "
                 "irv, block");
    snprintf(o->rules, sizeof(o->rules), "%s", value);
    return STV_OK;
  }
  if (strcmp(key, "seats") == 0) {
    if (!parse_int(value, 1, STV_MAX_SEATS, &v))
      return bad(err, key, value, "a whole number of seats from 1 to 999");
    o->seats = (int)v;
    return STV_OK;
  }
  if (strcmp(key, "decimals") == 0) {
    if (!parse_int(value, 0, 9, &v))
      return bad(err, key, value, "a number of decimal places from 0 to 9");
    o->decimals = (int)v;
    return STV_OK;
  }
  if (strcmp(key, "withdraw") == 0)
    return add_number(&o->withdraw, &o->nwithdraw, key, value, err);
  if (strcmp(key, "hold") == 0)
    return add_number(&o->hold, &o->nhold, key, value, err);
  if (strcmp(key, "vacate") == 0 || strcmp(key, "ron") == 0) {
    if (!parse_int(value, 1, STV_MAX_CANDIDATES, &v))
      return bad(err, key, value, "a candidate number (1-based)");
    if (key[0] == 'v')
      o->vacate = (int)v;
    else
      o->ron = (int)v;
    return STV_OK;
  }
  if (strcmp(key, "fill") == 0)
    return lookup(fills, value, &o->fill)
               ? STV_OK
               : bad(err, key, value, "recount or highest");
  if (strcmp(key, "doom") == 0)
    return lookup(dooms, value, &o->doom)
               ? STV_OK
               : bad(err, key, value, "deferred or immediate");
  if (strcmp(key, "ties") == 0) return set_ties(o, value, err);
  if (strcmp(key, "quota") == 0)
    return lookup(quotas, value, &o->quota)
               ? STV_OK
               : bad(err, key, value,
                     "droop, droop-exact, hare, hare-exact or ers97");
  if (strcmp(key, "equal") == 0)
    return lookup(eqpol, value, &o->equal)
               ? STV_OK
               : bad(err, key, value, "truncate or reject");
  if (strcmp(key, "repeat") == 0)
    return lookup(reppol, value, &o->repeat)
               ? STV_OK
               : bad(err, key, value, "skip, truncate or reject");
  if (strcmp(key, "skipped") == 0)
    return lookup(skippol, value, &o->skipped)
               ? STV_OK
               : bad(err, key, value, "continue, truncate or reject");
  if (strcmp(key, "truncate") == 0) {
    if (!parse_int(value, 0, STV_MAX_CANDIDATES, &v))
      return bad(err, key, value,
                 "a number of preferences to keep (0 keeps them all)");
    o->truncate = (int)v;
    return STV_OK;
  }
  if (strcmp(key, "arith") == 0)
    return lookup(arith, value, &o->arith)
               ? STV_OK
               : bad(err, key, value, "fixed or exact");
  return stvi_fail(err, STV_EINVAL, key, 0, 0, "unknown option --%s", key);
}
