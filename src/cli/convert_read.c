/*
** convert_read.c: the two JSON ballot readers of `hustings convert`
** (convert.h): hustings ballots JSON and NIST CDF cast vote records, with
** jansson, building the election through the public API only.
**
** jansson keeps no positions in the tree it returns, so an error found
** after parsing ("expected a candidate number from 1 to 4, found 7") is
** placed by walking the text again along the path to the offending value
** (locate()): every error names FILE:LINE:COL, columns in bytes as the
** library's readers count them.  docs/convert.md says what each format can
** hold; docs/formats.md describes both JSON formats.
*/
#ifndef _POSIX_C_SOURCE /* fdopen, fileno, fsync: the fuzz build sets none */
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "convert.h"

/* ---- reading JSON, and placing errors in its text --------------------- */

#define MAX_DEPTH 12

/* One step of a path into the document: a key, or (key NULL) an index. */
typedef struct step {
  const char *key;
  size_t index;
} step;

typedef struct jrd {
  const char *text; /* the input after any byte-order mark */
  size_t len;
  const char *name;
  stv_error *err;
  step path[MAX_DEPTH]; /* where the value being checked is */
  int depth;
  stv_election *e;
  int *tok; /* the ranking being built, STV_MAX_RANKING tokens */
  size_t ntok;
} jrd;

/* Sets path step d (and drops the deeper ones). */
static void at(jrd *r, int d, const char *key, size_t index) {
  r->path[d].key = key;
  r->path[d].index = index;
  r->depth = d + 1;
}

static size_t skip_ws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                   s[i] == '\r'))
    i++;
  return i;
}

/* Past the JSON value at s[i], which jansson has already checked. */
static size_t skip_value(const char *s, size_t n, size_t i) {
  int depth = 0;
  do {
    if (i >= n) return n;
    if (s[i] == '"') {
      i++;
      while (i < n && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      i++;
    } else if (s[i] == '{' || s[i] == '[') {
      depth++;
      i++;
    } else if (s[i] == '}' || s[i] == ']') {
      depth--;
      i++;
    } else if (depth == 0) { /* a number or a literal */
      while (i < n && !strchr(",]} \t\r\n", s[i])) i++;
      return i;
    } else
      i++;
  } while (depth > 0);
  return i;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Whether the JSON string s[0..n) (with its quotes) is key.  Escapes are
** decoded; one outside ASCII never matches, which only costs precision in
** a message about an unknown non-ASCII key. */
static int key_is(const char *s, size_t n, const char *key) {
  size_t i = 1, k = 0;
  if (n < 2) return 0;
  n--; /* the closing quote */
  while (i < n) {
    int c = (unsigned char)s[i++];
    if (c == '\\' && i < n) {
      char x = s[i++];
      if (x == 'u' && i + 4 <= n) {
        int a = hexval(s[i]), b = hexval(s[i + 1]), d = hexval(s[i + 2]),
            f = hexval(s[i + 3]);
        c = (a | b | d | f) < 0 ? -1 : (a << 12) | (b << 8) | (d << 4) | f;
        if (c >= 0x80) c = -1;
        i += 4;
      } else
        c = x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r'
          : x == 'b' ? '\b' : x == 'f' ? '\f' : x;
    }
    if (c < 0 || key[k] == '\0' || key[k] != (char)c) return 0;
    k++;
  }
  return key[k] == '\0';
}

/* The offset in the text of the value at path[0..depth) (with want_key,
** of its key), or of the deepest part of the path found. */
static size_t locate(const jrd *r, int want_key) {
  const char *s = r->text;
  size_t n = r->len, i = skip_ws(s, n, 0);
  int d;
  for (d = 0; d < r->depth; d++) {
    const step *st = &r->path[d];
    size_t here = i;
    if (st->key) {
      if (i >= n || s[i] != '{') return here;
      i = skip_ws(s, n, i + 1);
      for (;;) {
        size_t k = i, kend;
        int match;
        if (i >= n || s[i] != '"') return here;
        kend = skip_value(s, n, i);
        match = key_is(s + k, kend - k, st->key);
        i = skip_ws(s, n, kend);
        if (i < n && s[i] == ':') i = skip_ws(s, n, i + 1);
        if (match) {
          if (want_key && d == r->depth - 1) return k;
          break;
        }
        i = skip_ws(s, n, skip_value(s, n, i));
        if (i >= n || s[i] != ',') return here;
        i = skip_ws(s, n, i + 1);
      }
    } else {
      size_t k;
      if (i >= n || s[i] != '[') return here;
      i = skip_ws(s, n, i + 1);
      for (k = 0; k < st->index; k++) {
        i = skip_ws(s, n, skip_value(s, n, i));
        if (i >= n || s[i] != ',') return here;
        i = skip_ws(s, n, i + 1);
      }
    }
  }
  return i;
}

/* 1-based line and byte column of offset off. */
static void place(const jrd *r, size_t off, long *line, long *col) {
  size_t i, start = 0;
  long l = 1;
  if (off > r->len) off = r->len;
  for (i = 0; i < off; i++)
    if (r->text[i] == '\n') {
      l++;
      start = i + 1;
    }
  *line = l;
  *col = (long)(off - start) + 1;
}

static stv_status jfail(jrd *r, stv_status st, int want_key,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fails at the value (or key) at r->path, with "expected ..." in fmt. */
static stv_status jfail(jrd *r, stv_status st, int want_key,
                        const char *fmt, ...) {
  va_list ap;
  long line, col;
  if (!r->err) return st;
  place(r, locate(r, want_key), &line, &col);
  snprintf(r->err->file, sizeof(r->err->file), "%s", r->name);
  r->err->line = line;
  r->err->col = col;
  va_start(ap, fmt);
  vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
  va_end(ap);
  return st;
}

/* What was found, for a message: the JSON text of a scalar (cut to 40
** bytes at a character boundary), or the kind of a container. */
static const char *found(const json_t *v, char *buf, size_t n) {
  char *s;
  size_t len;
  if (!v) return "nothing";
  if (json_is_object(v)) return "an object";
  if (json_is_array(v)) return "a list";
  s = json_dumps(v, JSON_ENCODE_ANY);
  if (!s) return "a value";
  len = strlen(s);
  if (len > 40) {
    len = 40;
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
    snprintf(buf, n, "%.*s...", (int)len, s);
  } else
    snprintf(buf, n, "%s", s);
  free(s);
  return buf;
}

/* Sets r up for data[0..len) (a UTF-8 byte-order mark is skipped). */
static void prep(jrd *r, const char *data, size_t len, const char *name,
                 stv_error *err) {
  memset(r, 0, sizeof(*r));
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    data += 3;
    len -= 3;
  }
  r->text = data;
  r->len = len;
  r->name = name;
  r->err = err;
}

/* A syntax error at offset off of the text. */
static stv_status syntax_at(jrd *r, size_t off, const char *what) {
  long line, col;
  place(r, off, &line, &col);
  hus_set_err(r->err, r->name, line, col, "expected JSON: %s", what);
  return STV_ESYNTAX;
}

/* Parses the whole text (an object or a list). */
static stv_status load(jrd *r, const char *data, size_t len,
                       const char *name, stv_error *err, json_t **root) {
  json_error_t je;
  prep(r, data, len, name, err);
  *root = json_loadb(r->text, r->len, JSON_REJECT_DUPLICATES, &je);
  if (!*root) /* je.position is just past the byte where jansson stopped */
    return syntax_at(r, je.position > 0 ? (size_t)je.position - 1 : 0,
                     je.text);
  return STV_OK;
}

/* Parses the one JSON value at *pi (any kind) and moves *pi past it. */
static stv_status load_at(jrd *r, size_t *pi, json_t **out) {
  json_error_t je;
  *out = json_loadb(r->text + *pi, r->len - *pi,
                    JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK |
                        JSON_REJECT_DUPLICATES,
                    &je);
  if (!*out)
    return syntax_at(r, *pi + (je.position > 0 ? (size_t)je.position - 1 : 0),
                     je.text);
  *pi += (size_t)je.position;
  return STV_OK;
}

/* The next element of the list whose '[' is at *pi, after k taken: *out
** is NULL at the closing ']'.  *pi moves past what was read. */
static stv_status list_next(jrd *r, size_t *pi, size_t k, json_t **out) {
  const char *s = r->text;
  size_t n = r->len, i = skip_ws(s, n, *pi + (k == 0));
  *out = NULL;
  if (i < n && s[i] == ']') {
    *pi = i + 1;
    return STV_OK;
  }
  if (k > 0) {
    if (i >= n || s[i] != ',')
      return syntax_at(r, i < n ? i : n, "',' or ']' expected");
    i = skip_ws(s, n, i + 1);
  }
  *pi = i;
  return load_at(r, pi, out);
}

/* Fails at the first key of obj not in keys (NULL-terminated); the path
** to obj is r->path[0..d). */
static stv_status only_keys(jrd *r, int d, json_t *obj,
                            const char *const *keys, const char *what) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    int i, ok = 0;
    for (i = 0; keys[i]; i++) ok |= strcmp(k, keys[i]) == 0;
    if (!ok) {
      at(r, d, k, 0);
      return jfail(r, STV_ESYNTAX, 1, "expected %s, found the key \"%.40s\"",
                   what, k);
    }
  }
  return STV_OK;
}

/* A name or a title: one line (the other formats are line-based). */
static stv_status text_ok(jrd *r, const char *s, const char *what) {
  if (strchr(s, '\n') || strchr(s, '\r'))
    return jfail(r, STV_ESYNTAX, 0,
                 "expected %s on one line, found a line break", what);
  return STV_OK;
}

static stv_status add_name(jrd *r, const char *s) {
  stv_status st = text_ok(r, s, "a candidate name");
  if (st) return st;
  if (stv_election_candidates(r->e) >= STV_MAX_CANDIDATES)
    return jfail(r, STV_ELIMIT, 0, "expected at most %d candidates",
                 STV_MAX_CANDIDATES);
  st = stv_election_add_candidate(r->e, s);
  if (st == STV_ELIMIT)
    return jfail(r, st, 0, "expected a name of at most %d bytes, found %zu "
                           "bytes", STV_MAX_NAME, strlen(s));
  return st;
}

static stv_status set_title(jrd *r, const char *s) {
  stv_status st = text_ok(r, s, "a title");
  if (st) return st;
  st = stv_election_set_title(r->e, s);
  if (st == STV_ELIMIT)
    return jfail(r, st, 0, "expected a title of at most %ld bytes",
                 (long)STV_MAX_LINE);
  return st;
}

static stv_status push(jrd *r, int t) {
  if (r->ntok == STV_MAX_RANKING)
    return jfail(r, STV_ELIMIT, 0, "expected at most %d preferences in one "
                                   "ballot", STV_MAX_RANKING);
  r->tok[r->ntok++] = t;
  return STV_OK;
}

/* Adds the ranking built in r->tok; the path names the ballot. */
static stv_status add_ballot(jrd *r, int64_t weight) {
  stv_status st = stv_election_add_ballot(r->e, weight, r->tok, r->ntok);
  if (st == STV_ELIMIT)
    return jfail(r, st, 0, "expected at most %ld distinct ballots",
                 (long)STV_MAX_BALLOTS);
  if (st == STV_EOVERFLOW)
    return jfail(r, st, 0, "expected ballots whose weights sum to less than "
                           "2^62");
  return st;
}

static stv_status seats_from(jrd *r, const json_t *v) {
  char fb[64];
  if (!json_is_integer(v) || json_integer_value(v) < 1 ||
      json_integer_value(v) > STV_MAX_SEATS)
    return jfail(r, STV_ESYNTAX, 0, "expected a number of seats from 1 to "
                                    "%d, found %s", STV_MAX_SEATS,
                 found(v, fb, sizeof(fb)));
  return stv_election_set_seats(r->e, (int)json_integer_value(v));
}

static stv_status start(jrd *r) {
  r->tok = malloc(STV_MAX_RANKING * sizeof(*r->tok));
  if (!r->tok) return STV_ENOMEM;
  return stv_election_create(&r->e);
}

static stv_status finish(jrd *r, json_t *root, stv_status st,
                         stv_election **out) {
  json_decref(root);
  free(r->tok);
  if (st) {
    if (st == STV_ENOMEM) hus_set_err(r->err, r->name, 0, 0, "out of memory");
    stv_election_free(r->e);
    return st;
  }
  *out = r->e;
  return STV_OK;
}

/* ---- hustings ballots JSON --------------------------------------------- */

static stv_status candidate_number(jrd *r, const json_t *v, int *c) {
  char fb[64];
  int n = stv_election_candidates(r->e);
  if (!json_is_integer(v) || json_integer_value(v) < 1 ||
      json_integer_value(v) > n)
    return jfail(r, STV_ESYNTAX, 0, "expected a candidate number from 1 to "
                                    "%d, found %s", n,
                 found(v, fb, sizeof(fb)));
  *c = (int)json_integer_value(v);
  return STV_OK;
}

static stv_status json_candidates(jrd *r, json_t *list) {
  static const char *const keys[] = {"name", "withdrawn", NULL};
  char fb[64];
  size_t i;
  stv_status st;
  at(r, 0, "candidates", 0);
  if (!json_is_array(list) || json_array_size(list) < 1 ||
      json_array_size(list) > STV_MAX_CANDIDATES)
    return jfail(r, STV_ESYNTAX, 0, "expected a list of 1 to %d candidates, "
                                    "found %s", STV_MAX_CANDIDATES,
                 found(list, fb, sizeof(fb)));
  for (i = 0; i < json_array_size(list); i++) {
    json_t *c = json_array_get(list, i), *v;
    at(r, 1, NULL, i);
    if (json_is_string(c)) {
      if ((st = add_name(r, json_string_value(c)))) return st;
      continue;
    }
    if (!json_is_object(c))
      return jfail(r, STV_ESYNTAX, 0, "expected a name, or {\"name\": ..., "
                                      "\"withdrawn\": true}, found %s",
                   found(c, fb, sizeof(fb)));
    if ((st = only_keys(r, 2, c, keys, "the keys name and withdrawn")))
      return st;
    v = json_object_get(c, "name");
    if (!v) {
      at(r, 1, NULL, i);
      return jfail(r, STV_ESYNTAX, 0, "expected the key \"name\"");
    }
    at(r, 2, "name", 0);
    if (!json_is_string(v))
      return jfail(r, STV_ESYNTAX, 0, "expected a name (a string), found %s",
                   found(v, fb, sizeof(fb)));
    if ((st = add_name(r, json_string_value(v)))) return st;
    v = json_object_get(c, "withdrawn");
    if (v) {
      at(r, 2, "withdrawn", 0);
      if (!json_is_boolean(v))
        return jfail(r, STV_ESYNTAX, 0, "expected true or false, found %s",
                     found(v, fb, sizeof(fb)));
      if (json_is_true(v) &&
          (st = stv_election_withdraw(r->e, (int)i + 1)))
        return st;
    }
  }
  return STV_OK;
}

/* One rank: a candidate number, or a list of them ranked equal ([] is a
** skipped rank).  The path names the rank (depth 4). */
static stv_status json_rank(jrd *r, const json_t *v) {
  char fb[64];
  size_t k;
  int c;
  stv_status st;
  if (json_is_integer(v)) {
    if ((st = candidate_number(r, v, &c))) return st;
    return push(r, c);
  }
  if (!json_is_array(v))
    return jfail(r, STV_ESYNTAX, 0, "expected a candidate number, or a list "
                                    "of them ranked equal ([] for a skipped "
                                    "rank), found %s",
                 found(v, fb, sizeof(fb)));
  if (json_array_size(v) == 0) return push(r, STV_RANK_SKIP);
  for (k = 0; k < json_array_size(v); k++) {
    at(r, 4, NULL, k);
    if ((st = candidate_number(r, json_array_get(v, k), &c))) return st;
    if (k && (st = push(r, STV_RANK_EQ))) return st;
    if ((st = push(r, c))) return st;
  }
  return STV_OK;
}

static stv_status json_ballots(jrd *r, json_t *list) {
  static const char *const keys[] = {"weight", "ranking", NULL};
  char fb[64];
  size_t i, j;
  stv_status st;
  at(r, 0, "ballots", 0);
  if (!json_is_array(list))
    return jfail(r, STV_ESYNTAX, 0, "expected a list of ballots, found %s",
                 found(list, fb, sizeof(fb)));
  for (i = 0; i < json_array_size(list); i++) {
    json_t *b = json_array_get(list, i), *w, *rk;
    int64_t weight = 1;
    at(r, 1, NULL, i);
    if (!json_is_object(b))
      return jfail(r, STV_ESYNTAX, 0, "expected a ballot {\"weight\": ..., "
                                      "\"ranking\": [...]}, found %s",
                   found(b, fb, sizeof(fb)));
    if ((st = only_keys(r, 2, b, keys, "the keys weight and ranking")))
      return st;
    w = json_object_get(b, "weight");
    if (w) {
      at(r, 2, "weight", 0);
      if (!json_is_integer(w) || json_integer_value(w) < 0 ||
          json_integer_value(w) > STV_MAX_WEIGHT)
        return jfail(r, STV_ESYNTAX, 0, "expected a whole-number weight "
                                        "from 0 to %lld, found %s",
                     (long long)STV_MAX_WEIGHT, found(w, fb, sizeof(fb)));
      weight = json_integer_value(w);
    }
    rk = json_object_get(b, "ranking");
    if (!rk) {
      at(r, 1, NULL, i);
      return jfail(r, STV_ESYNTAX, 0, "expected the key \"ranking\"");
    }
    at(r, 2, "ranking", 0);
    if (!json_is_array(rk))
      return jfail(r, STV_ESYNTAX, 0, "expected a list of ranks, found %s",
                   found(rk, fb, sizeof(fb)));
    r->ntok = 0;
    for (j = 0; j < json_array_size(rk); j++) {
      at(r, 3, NULL, j);
      if ((st = json_rank(r, json_array_get(rk, j)))) return st;
    }
    at(r, 1, NULL, i);
    if ((st = add_ballot(r, weight))) return st;
  }
  return STV_OK;
}

static stv_status ballots_json(jrd *r, json_t *root) {
  static const char *const keys[] = {"format", "version", "title", "seats",
                                     "candidates", "ballots", NULL};
  char fb[64];
  json_t *v;
  stv_status st;
  r->depth = 0;
  if (!json_is_object(root))
    return jfail(r, STV_ESYNTAX, 0, "expected an object {\"format\": "
                                    "\"hustings-ballots\", ...}, found %s",
                 found(root, fb, sizeof(fb)));
  v = json_object_get(root, "format");
  if (!v &&
      (json_object_get(root, "CVR") || json_object_get(root, "Election")))
    return jfail(r, STV_ESYNTAX, 0, "expected \"format\": \"hustings-ballots"
                                    "\"; this looks like a CDF cast vote "
                                    "record report: use --from cdf");
  if (!v) return jfail(r, STV_ESYNTAX, 0, "expected the key \"format\": "
                                          "\"hustings-ballots\"");
  at(r, 0, "format", 0);
  if (!json_is_string(v) || strcmp(json_string_value(v), "hustings-ballots"))
    return jfail(r, STV_ESYNTAX, 0, "expected \"hustings-ballots\", found %s",
                 found(v, fb, sizeof(fb)));
  if ((st = only_keys(r, 0, root, keys, "the keys format, version, title, "
                                        "seats, candidates and ballots")))
    return st;
  v = json_object_get(root, "version");
  r->depth = 0;
  if (!v) return jfail(r, STV_ESYNTAX, 0, "expected the key \"version\": 1");
  at(r, 0, "version", 0);
  if (!json_is_integer(v) || json_integer_value(v) != 1)
    return jfail(r, STV_ESYNTAX, 0, "expected version 1 (the one this "
                                    "hustings reads), found %s",
                 found(v, fb, sizeof(fb)));
  if ((st = start(r))) return st;
  r->depth = 0;
  v = json_object_get(root, "candidates");
  if (!v) return jfail(r, STV_ESYNTAX, 0, "expected the key \"candidates\"");
  if ((st = json_candidates(r, v))) return st;
  v = json_object_get(root, "title");
  if (v) {
    at(r, 0, "title", 0);
    if (!json_is_string(v))
      return jfail(r, STV_ESYNTAX, 0, "expected a title (a string), found %s",
                   found(v, fb, sizeof(fb)));
    if ((st = set_title(r, json_string_value(v)))) return st;
  }
  v = json_object_get(root, "seats");
  if (v) {
    at(r, 0, "seats", 0);
    if ((st = seats_from(r, v))) return st;
  }
  r->depth = 0;
  v = json_object_get(root, "ballots");
  if (!v) return jfail(r, STV_ESYNTAX, 0, "expected the key \"ballots\"");
  return json_ballots(r, v);
}

stv_status hus_ballots_json_parse(const char *data, size_t len,
                                  const char *name, stv_election **out,
                                  stv_error *err) {
  jrd r;
  json_t *root;
  stv_status st;
  *out = NULL;
  if ((st = load(&r, data, len, name, err, &root))) return st;
  st = ballots_json(&r, root);
  return finish(&r, root, st, out);
}

/* ---- CDF cast vote records: reading ------------------------------------ */

/* CDF's boolean-likes: true, "true", "yes", "1" (and false, "false", "no",
** "0").  Returns 1, 0, or -1 for anything else. */
static int truth(const json_t *v) {
  const char *s;
  if (json_is_boolean(v)) return json_is_true(v);
  if (!json_is_string(v)) return -1;
  s = json_string_value(v);
  if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")) return 1;
  if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")) return 0;
  return -1;
}

/* The string at key k of object o, or NULL. */
static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* A required value of type t at key k of o (depth d of the path); what
** names the type for the message. */
static stv_status need(jrd *r, int d, const json_t *o, const char *k,
                       json_type t, const char *what, json_t **out) {
  char fb[64];
  json_t *v = json_object_get(o, k);
  if (!v) {
    r->depth = d;
    return jfail(r, STV_ESYNTAX, 0, "expected the key \"%s\"", k);
  }
  at(r, d, k, 0);
  if (json_typeof(v) != t)
    return jfail(r, STV_ESYNTAX, 0, "expected %s (\"%s\"), found %s", what,
                 k, found(v, fb, sizeof(fb)));
  *out = v;
  return STV_OK;
}

static stv_status need_list(jrd *r, int d, const json_t *o, const char *k,
                            json_t **out) {
  return need(r, d, o, k, JSON_ARRAY, "a list", out);
}

static stv_status need_string(jrd *r, int d, const json_t *o, const char *k,
                              const char **out) {
  json_t *v = NULL;
  stv_status st = need(r, d, o, k, JSON_STRING, "a string", &v);
  if (st == STV_OK) *out = json_string_value(v);
  return st;
}

/* An object at index i of list (depth d). */
static stv_status need_object(jrd *r, int d, const json_t *list, size_t i,
                              const char *what, json_t **out) {
  char fb[64];
  json_t *v = json_array_get(list, i);
  at(r, d, NULL, i);
  if (!json_is_object(v))
    return jfail(r, STV_ESYNTAX, 0, "expected %s (an object), found %s", what,
                 found(v, fb, sizeof(fb)));
  *out = v;
  return STV_OK;
}

typedef struct cdf {
  json_t *cands;      /* Candidate @id -> its name (a JSON string) */
  json_t *sels;       /* ContestSelection @id -> candidate number */
  const char **cid;   /* candidate number - 1 -> its Candidate @id */
  size_t ei, ci;      /* the election and the contest counted */
  json_t *contest;
  struct pos { int rank, cand; size_t seq; } *pos;
  size_t npos;
} cdf_state;

/* Every Candidate of every election, by @id. */
static stv_status cdf_candidates(jrd *r, cdf_state *x, json_t *elections) {
  size_t ei, k;
  stv_status st;
  for (ei = 0; ei < json_array_size(elections); ei++) {
    json_t *el, *list, *c;
    if ((st = need_object(r, 1, elections, ei, "an Election", &el)))
      return st;
    if (!json_object_get(el, "Candidate")) continue;
    if ((st = need_list(r, 2, el, "Candidate", &list))) return st;
    for (k = 0; k < json_array_size(list); k++) {
      const char *id, *name;
      json_t *nv;
      at(r, 1, NULL, ei);
      at(r, 2, "Candidate", 0);
      if ((st = need_object(r, 3, list, k, "a Candidate", &c))) return st;
      if ((st = need_string(r, 4, c, "@id", &id))) return st;
      if (json_object_get(x->cands, id))
        return jfail(r, STV_ESYNTAX, 0, "expected each Candidate @id once, "
                                        "found \"%.40s\" again", id);
      name = id; /* a Candidate need not have a Name */
      if (json_object_get(c, "Name") &&
          (st = need_string(r, 4, c, "Name", &name)))
        return st;
      nv = json_string(name);
      if (!nv || json_object_set_new(x->cands, id, nv)) return STV_ENOMEM;
    }
  }
  return STV_OK;
}

/* The contest to count: named, or the only one. */
static stv_status cdf_contest(jrd *r, cdf_state *x, json_t *elections,
                              const char *want) {
  size_t ei, ci, n = 0;
  char names[160] = "";
  stv_status st;
  for (ei = 0; ei < json_array_size(elections); ei++) {
    json_t *el = json_array_get(elections, ei), *list;
    if (!json_object_get(el, "Contest")) continue;
    at(r, 1, NULL, ei);
    if ((st = need_list(r, 2, el, "Contest", &list))) return st;
    for (ci = 0; ci < json_array_size(list); ci++) {
      json_t *c;
      const char *nm, *id;
      if ((st = need_object(r, 3, list, ci, "a Contest", &c))) return st;
      nm = str(c, "Name");
      id = str(c, "@id");
      if (want && !(nm && !strcmp(nm, want)) && !(id && !strcmp(id, want)))
        continue;
      if (n++ == 0) {
        x->ei = ei;
        x->ci = ci;
        x->contest = c;
      }
      if (strlen(names) < 100)
        snprintf(names + strlen(names), sizeof(names) - strlen(names),
                 "%s\"%.40s\"", n > 1 ? ", " : "",
                 nm ? nm : id ? id : "?");
    }
  }
  r->depth = 0;
  if (n == 0 && want)
    return jfail(r, STV_ESYNTAX, 0, "expected a Contest named \"%.60s\", "
                                    "found none", want);
  if (n == 0) return jfail(r, STV_ESYNTAX, 0, "expected a Contest, found "
                                              "none");
  if (n > 1 && want)
    return jfail(r, STV_ESYNTAX, 0, "expected one Contest named \"%.60s\", "
                                    "found %zu", want, n);
  if (n > 1)
    return jfail(r, STV_ESYNTAX, 0, "expected one Contest, found %zu (%s%s):"
                                    " choose one with --contest NAME", n,
                 names, strlen(names) >= 100 ? ", ..." : "");
  return STV_OK;
}

/* Sets the path to the contest (depth 4). */
static void in_contest(jrd *r, const cdf_state *x) {
  at(r, 0, "Election", 0);
  at(r, 1, NULL, x->ei);
  at(r, 2, "Contest", 0);
  at(r, 3, NULL, x->ci);
}

/* The contest's selections become the candidates, in order. */
static stv_status cdf_selections(jrd *r, cdf_state *x) {
  char fb[64];
  json_t *list;
  size_t k;
  stv_status st;
  in_contest(r, x);
  if ((st = need_list(r, 4, x->contest, "ContestSelection", &list)))
    return st;
  if (json_array_size(list) < 1 || json_array_size(list) > STV_MAX_CANDIDATES)
    return jfail(r, STV_ESYNTAX, 0, "expected 1 to %d ContestSelections, "
                                    "found %zu", STV_MAX_CANDIDATES,
                 json_array_size(list));
  x->cid = calloc(json_array_size(list), sizeof(*x->cid));
  if (!x->cid) return STV_ENOMEM;
  for (k = 0; k < json_array_size(list); k++) {
    json_t *s, *ids, *nv, *w;
    const char *sid, *cid;
    in_contest(r, x);
    at(r, 4, "ContestSelection", 0);
    if ((st = need_object(r, 5, list, k, "a ContestSelection", &s))) return st;
    if ((st = need_string(r, 6, s, "@id", &sid))) return st;
    if (json_object_get(x->sels, sid))
      return jfail(r, STV_ESYNTAX, 0, "expected each ContestSelection @id "
                                      "once, found \"%.40s\" again", sid);
    w = json_object_get(s, "IsWriteIn");
    if (w && truth(w) == 1) {
      at(r, 6, "IsWriteIn", 0);
      return jfail(r, STV_ESYNTAX, 0, "expected a selection naming a "
                                      "candidate, found a write-in (hustings "
                                      "counts named candidates only)");
    }
    if ((st = need_list(r, 6, s, "CandidateIds", &ids))) return st;
    at(r, 7, NULL, 0);
    cid = json_string_value(json_array_get(ids, 0));
    if (!cid)
      return jfail(r, STV_ESYNTAX, 0, "expected a Candidate @id, found %s",
                   found(json_array_get(ids, 0), fb, sizeof(fb)));
    nv = json_object_get(x->cands, cid);
    if (!nv)
      return jfail(r, STV_ESYNTAX, 0, "expected the @id of a Candidate of "
                                      "the election, found \"%.40s\"", cid);
    if ((st = add_name(r, json_string_value(nv)))) return st;
    x->cid[k] = cid;
    nv = json_integer((json_int_t)k + 1);
    if (!nv || json_object_set_new(x->sels, sid, nv)) return STV_ENOMEM;
  }
  return STV_OK;
}

/* Title, seats and withdrawn candidates. */
static stv_status cdf_details(jrd *r, cdf_state *x, json_t *elections) {
  char fb[64];
  json_t *el = json_array_get(elections, x->ei), *v;
  size_t k;
  int c;
  stv_status st;
  v = json_object_get(el, "Name");
  at(r, 0, "Election", 0);
  at(r, 1, NULL, x->ei);
  at(r, 2, "Name", 0);
  if (!v) {
    v = json_object_get(x->contest, "Name");
    in_contest(r, x);
    at(r, 4, "Name", 0);
  }
  if (v) {
    if (!json_is_string(v))
      return jfail(r, STV_ESYNTAX, 0, "expected a name (a string), found %s",
                   found(v, fb, sizeof(fb)));
    if ((st = set_title(r, json_string_value(v)))) return st;
  }
  in_contest(r, x);
  v = json_object_get(x->contest, "NumberElected");
  if (v) {
    at(r, 4, "NumberElected", 0);
    if ((st = seats_from(r, v))) return st;
  }
  v = json_object_get(x->contest, "hustings:withdrawn");
  if (!v) return STV_OK;
  at(r, 4, "hustings:withdrawn", 0);
  if (!json_is_array(v))
    return jfail(r, STV_ESYNTAX, 0, "expected a list of Candidate @ids, "
                                    "found %s", found(v, fb, sizeof(fb)));
  for (k = 0; k < json_array_size(v); k++) {
    const char *id = json_string_value(json_array_get(v, k));
    int any = 0;
    at(r, 5, NULL, k);
    for (c = 0; id && c < stv_election_candidates(r->e); c++)
      if (!strcmp(x->cid[c], id)) {
        if ((st = stv_election_withdraw(r->e, c + 1))) return st;
        any = 1;
      }
    if (!any)
      return jfail(r, STV_ESYNTAX, 0, "expected the @id of a candidate of "
                                      "the contest, found %s",
                   found(json_array_get(v, k), fb, sizeof(fb)));
  }
  return STV_OK;
}

static int by_rank(const void *a, const void *b) {
  const struct pos *p = a, *q = b;
  if (p->rank != q->rank) return p->rank < q->rank ? -1 : 1;
  return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static stv_status add_pos(jrd *r, cdf_state *x, const json_t *rank, int cand) {
  char fb[64];
  if (!json_is_integer(rank) || json_integer_value(rank) < 1 ||
      json_integer_value(rank) > STV_MAX_RANKING)
    return jfail(r, STV_ESYNTAX, 0, "expected a Rank from 1 to %d, found %s",
                 STV_MAX_RANKING, found(rank, fb, sizeof(fb)));
  if (x->npos == STV_MAX_RANKING)
    return jfail(r, STV_ELIMIT, 0, "expected at most %d marks in one "
                                   "contest", STV_MAX_RANKING);
  x->pos[x->npos].rank = (int)json_integer_value(rank);
  x->pos[x->npos].cand = cand;
  x->pos[x->npos].seq = x->npos;
  x->npos++;
  return STV_OK;
}

/* The marks of one CVRContestSelection (path at depth 8). */
static stv_status cdf_marks(jrd *r, cdf_state *x, const json_t *s) {
  char fb[64];
  json_t *v, *list;
  const char *sid;
  size_t m;
  int cand;
  stv_status st;
  if ((st = need_string(r, 8, s, "ContestSelectionId", &sid))) return st;
  v = json_object_get(x->sels, sid);
  if (!v)
    return jfail(r, STV_ESYNTAX, 0, "expected the @id of a ContestSelection "
                                    "of the contest, found \"%.40s\"", sid);
  cand = (int)json_integer_value(v);
  if ((v = json_object_get(s, "Rank"))) { /* a rank on the selection */
    at(r, 8, "Rank", 0);
    return add_pos(r, x, v, cand);
  }
  if (!json_object_get(s, "SelectionPosition")) return STV_OK;
  if ((st = need_list(r, 8, s, "SelectionPosition", &list))) return st;
  for (m = 0; m < json_array_size(list); m++) {
    json_t *p;
    at(r, 8, "SelectionPosition", 0);
    if ((st = need_object(r, 9, list, m, "a SelectionPosition", &p)))
      return st;
    /* no mark (NIST SP 1500-103 3.4.2), or a mark not to be counted */
    if (truth(json_object_get(p, "HasIndication")) == 0 ||
        truth(json_object_get(p, "IsAllocable")) == 0)
      continue;
    v = json_object_get(p, "Rank");
    if (!v) {
      at(r, 9, NULL, m);
      return jfail(r, STV_ESYNTAX, 0, "expected the key \"Rank\", found %s",
                   found(v, fb, sizeof(fb)));
    }
    at(r, 10, "Rank", 0);
    if ((st = add_pos(r, x, v, cand))) return st;
  }
  return STV_OK;
}

/* One CVR: the snapshot of the voter's marks, its contest, the ranking. */
static stv_status cdf_cvr(jrd *r, cdf_state *x, const json_t *cvr,
                          const char *contest_id) {
  json_t *snaps, *snap = NULL, *list, *cc = NULL, *sels;
  const char *cur = str(cvr, "CurrentSnapshotId");
  size_t k;
  int prev = 0;
  stv_status st;
  if ((st = need_list(r, 2, cvr, "CVRSnapshot", &snaps))) return st;
  for (k = 0; k < json_array_size(snaps) && !snap; k++) {
    const char *t = str(json_array_get(snaps, k), "Type");
    if (t && !strcmp(t, "original")) snap = json_array_get(snaps, k);
  }
  for (k = 0; k < json_array_size(snaps) && !snap && cur; k++) {
    const char *id = str(json_array_get(snaps, k), "@id");
    if (id && !strcmp(id, cur)) snap = json_array_get(snaps, k);
  }
  if (!snap && json_array_size(snaps) == 1) snap = json_array_get(snaps, 0);
  if (!json_is_object(snap))
    return jfail(r, STV_ESYNTAX, 0, "expected a CVRSnapshot of Type "
                                    "\"original\", or the one named by "
                                    "CurrentSnapshotId");
  for (k = 0; json_array_get(snaps, k) != snap; k++) continue;
  at(r, 3, NULL, k);
  if (!json_object_get(snap, "CVRContest")) return STV_OK; /* no votes */
  if ((st = need_list(r, 4, snap, "CVRContest", &list))) return st;
  for (k = 0; k < json_array_size(list) && !cc; k++) {
    const char *id = str(json_array_get(list, k), "ContestId");
    if (id && !strcmp(id, contest_id)) cc = json_array_get(list, k);
  }
  if (!cc) return STV_OK; /* not a paper of this contest */
  at(r, 5, NULL, k - 1);
  x->npos = 0;
  if (json_object_get(cc, "CVRContestSelection")) {
    if ((st = need_list(r, 6, cc, "CVRContestSelection", &sels))) return st;
    for (k = 0; k < json_array_size(sels); k++) {
      json_t *s;
      at(r, 6, "CVRContestSelection", 0);
      if ((st = need_object(r, 7, sels, k, "a CVRContestSelection", &s)))
        return st;
      if ((st = cdf_marks(r, x, s))) return st;
    }
  }
  qsort(x->pos, x->npos, sizeof(*x->pos), by_rank);
  r->ntok = 0;
  r->depth = 2; /* errors from here on are the CVR's */
  for (k = 0; k < x->npos; k++) {
    const struct pos *p = &x->pos[k];
    if (p->rank == prev && (st = push(r, STV_RANK_EQ))) return st;
    for (prev++; prev < p->rank; prev++)
      if ((st = push(r, STV_RANK_SKIP))) return st;
    prev = p->rank;
    if ((st = push(r, p->cand))) return st;
  }
  r->depth = 2;
  return add_ballot(r, 1);
}

/* Checks the list whose '[' is at off record by record (for the place of
** a syntax error in it). */
static stv_status check_list(jrd *r, size_t off) {
  size_t k;
  stv_status st;
  for (k = 0;; k++) {
    json_t *v;
    if ((st = list_next(r, &off, k, &v)) || !v) return st;
    json_decref(v);
  }
}

/* The report's top level, read by hand so that the CVR list (a record per
** paper) is parsed a record at a time: memory is the text and one record,
** not a tree of the whole file.  *root receives every other key; *cvr the
** offset of the CVR list's '[' (SIZE_MAX if there is none).  The list is
** only skipped here: cdf_read parses it record by record, and a syntax
** error after it is reported only once the list is found sound. */
static stv_status cdf_top_keys(jrd *r, json_t *root, size_t *cvr) {
  const char *s = r->text;
  size_t n = r->len, i = skip_ws(s, n, 0);
  stv_status st;
  if (i >= n || s[i] != '{') {
    char fb[64];
    json_t *v;
    if ((st = load_at(r, &i, &v))) return st;
    r->depth = 0;
    st = jfail(r, STV_ESYNTAX, 0, "expected a CDF cast vote record report "
                                  "(an object), found %s",
               found(v, fb, sizeof(fb)));
    json_decref(v);
    return st;
  }
  i = skip_ws(s, n, i + 1);
  while (i >= n || s[i] != '}') {
    json_t *key, *v;
    size_t at_key = i;
    if (i >= n || s[i] != '"') return syntax_at(r, i, "string or '}' "
                                                      "expected");
    if ((st = load_at(r, &i, &key))) return st;
    i = skip_ws(s, n, i);
    if (i >= n || s[i] != ':') {
      json_decref(key);
      return syntax_at(r, i, "':' expected");
    }
    i = skip_ws(s, n, i + 1);
    if (json_object_get(root, json_string_value(key)) ||
        (!strcmp(json_string_value(key), "CVR") && *cvr != SIZE_MAX)) {
      json_decref(key);
      return syntax_at(r, at_key, "each key once (duplicate object key)");
    }
    if (!strcmp(json_string_value(key), "CVR") && i < n && s[i] == '[') {
      *cvr = i;
      i = skip_value(s, n, i);
    } else if ((st = load_at(r, &i, &v)) == STV_OK &&
               json_object_set_new(root, json_string_value(key), v))
      st = STV_ENOMEM;
    json_decref(key);
    if (st) return st;
    i = skip_ws(s, n, i);
    if (i < n && s[i] == ',') {
      i = skip_ws(s, n, i + 1);
      if (i < n && s[i] == '}') return syntax_at(r, i, "string expected");
    } else if (i >= n || s[i] != '}')
      return syntax_at(r, i < n ? i : n, "',' or '}' expected");
  }
  i = skip_ws(s, n, i + 1);
  if (i < n) return syntax_at(r, i, "end of file expected");
  return STV_OK;
}

static stv_status cdf_top(jrd *r, json_t *root, size_t *cvr) {
  stv_status st;
  *cvr = SIZE_MAX;
  st = cdf_top_keys(r, root, cvr);
  if (st == STV_ESYNTAX && *cvr != SIZE_MAX && check_list(r, *cvr))
    return STV_ESYNTAX; /* the earlier error, in the list */
  return st;
}

static stv_status cdf_read(jrd *r, cdf_state *x, json_t *root,
                           const char *want) {
  json_t *elections, *cvr;
  const char *contest_id;
  size_t i, k, cvrs;
  stv_status st;
  if ((st = cdf_top(r, root, &cvrs))) return st;
  r->depth = 0;
  if (!json_object_get(root, "Election") && json_object_get(root, "format"))
    return jfail(r, STV_ESYNTAX, 0, "expected the key \"Election\"; this "
                                    "looks like hustings ballots JSON: use "
                                    "--from json");
  if ((st = need_list(r, 0, root, "Election", &elections))) return st;
  x->cands = json_object();
  x->sels = json_object();
  x->pos = malloc(STV_MAX_RANKING * sizeof(*x->pos));
  if (!x->cands || !x->sels || !x->pos) return STV_ENOMEM;
  if ((st = cdf_candidates(r, x, elections))) return st;
  if ((st = cdf_contest(r, x, elections, want))) return st;
  if ((st = start(r))) return st;
  if ((st = cdf_selections(r, x))) return st;
  if ((st = cdf_details(r, x, elections))) return st;
  in_contest(r, x);
  if ((st = need_string(r, 4, x->contest, "@id", &contest_id))) return st;
  if (cvrs == SIZE_MAX) { /* none, or not a list: say which */
    json_t *list;
    return need_list(r, 0, root, "CVR", &list);
  }
  for (i = cvrs, k = 0;; k++) {
    if ((st = list_next(r, &i, k, &cvr)) || !cvr) return st;
    at(r, 0, "CVR", 0);
    at(r, 1, NULL, k);
    if (!json_is_object(cvr)) {
      char fb[64];
      st = jfail(r, STV_ESYNTAX, 0, "expected a CVR (an object), found %s",
                 found(cvr, fb, sizeof(fb)));
    } else
      st = cdf_cvr(r, x, cvr, contest_id);
    json_decref(cvr);
    if (st) return st;
  }
}

stv_status hus_cdf_parse(const char *data, size_t len, const char *name,
                         const char *contest, stv_election **out,
                         stv_error *err) {
  jrd r;
  cdf_state x;
  json_t *root = json_object();
  stv_status st;
  *out = NULL;
  prep(&r, data, len, name, err);
  memset(&x, 0, sizeof(x));
  st = root ? cdf_read(&r, &x, root, contest) : STV_ENOMEM;
  json_decref(x.cands);
  json_decref(x.sels);
  free(x.cid);
  free(x.pos);
  return finish(&r, root, st, out);
}

