/*
** convert.c: `hustings convert` between BLT, rank-column CSV, hustings
** ballots JSON and NIST CDF cast vote records (convert.h).
**
** BLT, CSV and ballots JSON are written by the library
** (stv_election_write); the two JSON readers and the CDF writer are here,
** with jansson, because the library reads no JSON.  They build the
** election through the public API only.
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

#define EXIT_FAIL 1   /* the conversion cannot be done */
#define EXIT_INPUT 2  /* bad input */
#define EXIT_USAGE 3  /* bad command line */
#define EXIT_OUTPUT 4 /* the output could not be written */

static void set_err(stv_error *err, const char *file, long line, long col,
                    const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void set_err(stv_error *err, const char *file, long line, long col,
                    const char *fmt, ...) {
  va_list ap;
  if (!err) return;
  snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
  err->line = line;
  err->col = col;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
}

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
  set_err(r->err, r->name, line, col, "expected JSON: %s", what);
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
    if (st == STV_ENOMEM) set_err(r->err, r->name, 0, 0, "out of memory");
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

/* ---- CDF cast vote records: writing ------------------------------------ */

/* Output in 64 KiB pieces; larger pieces go straight through. */
typedef struct sink {
  stv_write_fn fn;
  void *ud;
  char buf[1 << 16];
  size_t len;
  int failed;
} sink;

static void flush_sink(sink *o) {
  if (o->len && !o->failed && o->fn(o->ud, o->buf, o->len)) o->failed = 1;
  o->len = 0;
}

static void emit(sink *o, const char *s, size_t n) {
  if (o->failed) return;
  if (n > sizeof(o->buf) - o->len) flush_sink(o);
  if (n > sizeof(o->buf)) {
    if (!o->failed && o->fn(o->ud, s, n)) o->failed = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void emits(sink *o, const char *s) { emit(o, s, strlen(s)); }

static void emitf(sink *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emitf(sink *o, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n > 0) emit(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp));
}

/* s as a JSON string (jansson escapes it). */
static stv_status emit_str(sink *o, const char *s) {
  json_t *v = json_string(s);
  char *t = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  if (!t) return STV_ENOMEM;
  emits(o, t);
  free(t);
  return STV_OK;
}

/* A growable text with a ceiling, for one ballot's selections. */
typedef struct text {
  char *s;
  size_t len, cap;
  int failed;
} seltext;

#define SEL_MAX ((size_t)64 << 20)

static void tadd(seltext *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tadd(seltext *t, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (t->failed || n < 0 || (size_t)n >= sizeof(tmp)) {
    t->failed = 1;
    return;
  }
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t nc = t->cap ? t->cap * 2 : 4096;
    char *ns;
    while (nc < t->len + (size_t)n + 1) nc *= 2;
    if (nc > SEL_MAX || !(ns = realloc(t->s, nc))) {
      t->failed = 1;
      return;
    }
    t->s = ns;
    t->cap = nc;
  }
  memcpy(t->s + t->len, tmp, (size_t)n + 1);
  t->len += (size_t)n;
}

/* The CVRContestSelections of ranking tok[0..n): one per mark, in the
** order of the ranking, each with the SelectionPosition of its rank.  A
** candidate marked twice (a repeated ranking) thus has two selections,
** which the reader puts back in the same order; otherwise it is one
** selection per candidate, as CDF has it. */
static void selections(seltext *t, const int *tok, size_t n) {
  size_t k;
  int r = 1;
  t->len = 0;
  tadd(t, "[");
  for (k = 0; k < n; k++) {
    if (tok[k] == STV_RANK_SKIP) {
      r++;
      continue;
    }
    if (tok[k] == STV_RANK_EQ) continue;
    tadd(t, "%s{\"@type\": \"CVR.CVRContestSelection\", "
            "\"ContestSelectionId\": \"cs%d\", \"SelectionPosition\": "
            "[{\"@type\": \"CVR.SelectionPosition\", \"HasIndication\": "
            "\"yes\", \"IsAllocable\": \"yes\", \"NumberVotes\": 1, "
            "\"Rank\": %d}]}", t->len > 1 ? ", " : "", tok[k], r);
    if (k + 1 >= n || tok[k + 1] != STV_RANK_EQ) r++;
  }
  tadd(t, "]");
}

/* What CDF cannot hold, found before anything is written. */
static stv_status cdf_check(const stv_election *e, int *tok,
                            stv_error *err) {
  int64_t i, w;
  size_t n;
  int c;
  if (stv_election_candidates(e) < 1) {
    set_err(err, "", 0, 0, "an election without candidates cannot be "
                           "written");
    return STV_EUNSUPPORTED;
  }
  for (c = 0; c <= stv_election_candidates(e); c++) {
    const char *s = c ? stv_election_name(e, c) : stv_election_title(e);
    json_t *v = json_string(s);
    json_decref(v);
    if (!v || strchr(s, '\n') || strchr(s, '\r')) {
      if (c)
        set_err(err, "", 0, 0, "the name of candidate %d is not UTF-8 text "
                               "on one line", c);
      else
        set_err(err, "", 0, 0, "the title is not UTF-8 text on one line");
      return STV_EUNSUPPORTED;
    }
  }
  for (i = 0; i < stv_election_distinct(e); i++) {
    stv_election_ballot(e, i, &w, tok, STV_MAX_RANKING, &n);
    if (w > HUS_CDF_MAX_WEIGHT) {
      set_err(err, "", 0, 0, "CDF holds one record per paper: ballot %lld "
                             "has weight %lld, more than the %d records "
                             "written for one ranking",
              (long long)i + 1, (long long)w, HUS_CDF_MAX_WEIGHT);
      return STV_ELIMIT;
    }
    if (n && tok[n - 1] == STV_RANK_SKIP) {
      set_err(err, "", 0, 0, "CDF cannot hold ballot %lld, whose ranking "
                             "ends in a skipped rank (a skipped rank is a "
                             "gap before a later rank)", (long long)i + 1);
      return STV_EUNSUPPORTED;
    }
  }
  return STV_OK;
}

static stv_status cdf_write(const stv_election *e, sink *o, int *tok,
                            seltext *t, stv_error *err) {
  int ncand = stv_election_candidates(e), c, any = 0;
  const char *title = stv_election_title(e);
  int64_t i, w, k;
  size_t n;
  stv_status st;
  if ((st = cdf_check(e, tok, err))) return st;
  emits(o, "{\n  \"@type\": \"CVR.CastVoteRecordReport\",\n"
           "  \"Version\": \"1.0.0\",\n"
           "  \"ReportGeneratingDeviceIds\": [\"rd\"],\n"
           "  \"ReportingDevice\": [{\"@id\": \"rd\", \"@type\": "
           "\"CVR.ReportingDevice\", \"Application\": \"hustings\"}],\n"
           "  \"GpUnit\": [{\"@id\": \"gpu\", \"@type\": \"CVR.GpUnit\", "
           "\"Type\": \"other\", \"OtherType\": \"Election Scope "
           "Jurisdiction\", \"Name\": \"\"}],\n"
           "  \"Election\": [{\n"
           "    \"@id\": \"election\",\n"
           "    \"@type\": \"CVR.Election\",\n"
           "    \"ElectionScopeId\": \"gpu\",\n    \"Name\": ");
  if ((st = emit_str(o, title))) return st;
  emits(o, ",\n    \"Candidate\": [\n");
  for (c = 1; c <= ncand; c++) {
    emitf(o, "      {\"@id\": \"c%d\", \"@type\": \"CVR.Candidate\", "
             "\"Name\": ", c);
    if ((st = emit_str(o, stv_election_name(e, c)))) return st;
    emits(o, c < ncand ? "},\n" : "}\n");
  }
  emits(o, "    ],\n    \"Contest\": [{\n"
           "      \"@id\": \"contest\",\n"
           "      \"@type\": \"CVR.CandidateContest\",\n      \"Name\": ");
  if ((st = emit_str(o, title[0] ? title : "Contest"))) return st;
  if (stv_election_seats(e))
    emitf(o, ",\n      \"NumberElected\": %d", stv_election_seats(e));
  for (c = 1; c <= ncand; c++)
    if (stv_election_is_withdrawn(e, c))
      emitf(o, "%s\"c%d\"",
            any++ ? ", " : ",\n      \"hustings:withdrawn\": [", c);
  if (any) emits(o, "]");
  emits(o, ",\n      \"ContestSelection\": [\n");
  for (c = 1; c <= ncand; c++)
    emitf(o, "        {\"@id\": \"cs%d\", \"@type\": \"CVR.CandidateSelection"
             "\", \"CandidateIds\": [\"c%d\"]}%s\n", c, c,
          c < ncand ? "," : "");
  emits(o, "      ]\n    }]\n  }],\n  \"CVR\": [");
  any = 0;
  for (i = 0; i < stv_election_distinct(e); i++) {
    stv_election_ballot(e, i, &w, tok, STV_MAX_RANKING, &n);
    selections(t, tok, n);
    if (t->failed) return STV_ENOMEM;
    for (k = 1; k <= w; k++) {
      emitf(o, "%s\n    {\"@type\": \"CVR.CVR\", \"BallotPrePrintedId\": "
               "\"b%lld.%lld\", \"CurrentSnapshotId\": \"b%lld.%lld-s\", "
               "\"ElectionId\": \"election\", \"CVRSnapshot\": [{\"@id\": "
               "\"b%lld.%lld-s\", \"@type\": \"CVR.CVRSnapshot\", \"Type\": "
               "\"original\", \"CVRContest\": [{\"@type\": "
               "\"CVR.CVRContest\", \"ContestId\": \"contest\", "
               "\"CVRContestSelection\": ",
            any++ ? "," : "", (long long)i + 1, (long long)k,
            (long long)i + 1, (long long)k, (long long)i + 1, (long long)k);
      emit(o, t->s, t->len);
      emits(o, "}]}]}");
      if (o->failed) return STV_EIO;
    }
  }
  emits(o, any ? "\n  ]\n}\n" : "]\n}\n");
  flush_sink(o);
  return o->failed ? STV_EIO : STV_OK;
}

stv_status hus_cdf_write(const stv_election *e, stv_write_fn fn, void *ud,
                         stv_error *err) {
  int *tok = malloc(STV_MAX_RANKING * sizeof(int));
  sink *o = malloc(sizeof(*o));
  seltext t = {NULL, 0, 0, 0};
  stv_status st = STV_ENOMEM;
  if (tok && o) {
    o->fn = fn;
    o->ud = ud;
    o->len = 0;
    o->failed = 0;
    st = cdf_write(e, o, tok, &t, err);
  }
  if (st == STV_ENOMEM) set_err(err, "", 0, 0, "out of memory");
  else if (st == STV_EIO)
    set_err(err, "", 0, 0, "the output could not be written");
  free(tok);
  free(o);
  free(t.s);
  return st;
}

/* ---- the command ------------------------------------------------------- */

stv_status hus_read_all(const char *path, size_t max, char **data,
                        size_t *len, stv_error *err) {
  int is_stdin = strcmp(path, "-") == 0;
  FILE *fp = is_stdin ? stdin : fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0, cap = 0;
  *data = NULL;
  *len = 0;
  if (!fp) {
    set_err(err, path, 0, 0, "%s: cannot open: %s", path, strerror(errno));
    return STV_EIO;
  }
  for (;;) {
    size_t got;
    if (n == cap) {
      char *nb;
      if (cap > max) break; /* one byte more than allowed: too long */
      cap = cap ? cap * 2 : 65536;
      if (cap > max) cap = max + 1;
      nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        if (!is_stdin) fclose(fp);
        set_err(err, path, 0, 0, "out of memory");
        return STV_ENOMEM;
      }
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, fp);
    n += got;
    if (got == 0) break;
  }
  if (ferror(fp)) {
    free(buf);
    if (!is_stdin) fclose(fp);
    set_err(err, path, 0, 0, "%s: read error", path);
    return STV_EIO;
  }
  if (!is_stdin) fclose(fp);
  if (n > max) {
    free(buf);
    set_err(err, path, 0, 0, "%s: expected at most %zu MiB of JSON", path,
            max >> 20);
    return STV_ELIMIT;
  }
  *data = buf;
  *len = n;
  return STV_OK;
}

enum { F_NONE = 0, F_BLT, F_CSV, F_JSON, F_CDF };
static const char *const fmt_names[] = {"", "blt", "csv", "json", "cdf"};

static const char convert_usage[] =
    "usage: hustings convert [--from F] [--to F] [--seats N]\n"
    "                        [--contest NAME] IN OUT\n"
    "\n"
    "Converts the ballots in IN to OUT (\"-\": standard input or output).\n"
    "Formats: blt, csv (rank columns), json (hustings ballots JSON), cdf\n"
    "(NIST CDF cast vote records, as RCTab reads and writes them), guessed\n"
    "from the names (.blt, .csv, .json, .cdf.json) unless given.\n"
    "\n"
    "  --from F, --to F  the format of IN, of OUT\n"
    "  --seats N         the number of seats (overrides the file)\n"
    "  --contest NAME    the CDF contest to read, if the file has several\n"
    "\n"
    "OUT is written whole or not at all.  docs/convert.md says what each\n"
    "format holds.  Exit status: 0 success; 1 OUT's format cannot hold the\n"
    "election; 2 bad input; 3 usage error; 4 OUT could not be written.\n";

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int fmt_named(const char *s) {
  int f;
  for (f = F_BLT; f <= F_CDF; f++)
    if (strcmp(s, fmt_names[f]) == 0) return f;
  return F_NONE;
}

static int fmt_guess(const char *path) {
  if (ends_with(path, ".cdf.json")) return F_CDF;
  if (ends_with(path, ".json")) return F_JSON;
  if (ends_with(path, ".csv")) return F_CSV;
  if (ends_with(path, ".blt")) return F_BLT;
  return F_NONE;
}

static int usage(const char *fmt, const char *arg) {
  fprintf(stderr, "hustings: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'hustings convert --help'.\n");
  return EXIT_USAGE;
}

static void report(const stv_error *err, stv_status st, const char *what) {
  if (err->line > 0)
    fprintf(stderr, "hustings: %s:%ld:%ld: %s\n", err->file, err->line,
            err->col, err->msg);
  else if (err->msg[0])
    fprintf(stderr, "hustings: %s%s\n", what, err->msg);
  else
    fprintf(stderr, "hustings: %s%s\n", what, stv_strerror(st));
}

static stv_status read_input(const char *path, int from, int seats,
                             const char *contest, stv_election **e,
                             stv_error *err) {
  char *data;
  size_t len;
  stv_status st;
  if (from == F_BLT) return stv_election_read_blt(path, e, err);
  if (from == F_CSV) return stv_election_read_csv(path, seats, e, err);
  st = hus_read_all(path, from == F_JSON ? HUS_JSON_MAX : HUS_CDF_MAX, &data,
                    &len, err);
  if (st) return st;
  st = from == F_JSON
           ? hus_ballots_json_parse(data ? data : "", len, path, e, err)
           : hus_cdf_parse(data ? data : "", len, path, contest, e, err);
  free(data);
  return st;
}

static int write_file(void *ud, const char *data, size_t len) {
  return fwrite(data, 1, len, (FILE *)ud) == len ? 0 : -1;
}

static stv_status produce(const stv_election *e, int to, FILE *fp,
                          stv_error *err) {
  if (to == F_CDF) return hus_cdf_write(e, write_file, fp, err);
  return stv_election_write(e, to == F_BLT   ? STV_BALLOTS_BLT
                               : to == F_CSV ? STV_BALLOTS_CSV
                                             : STV_BALLOTS_JSON,
                            write_file, fp, err);
}

/* Writes OUT whole (through OUT.tmpPID and a rename) or not at all. */
static int output(const stv_election *e, int to, const char *path) {
  char tmp[4096];
  stv_error err;
  stv_status st;
  FILE *fp;
  int fd;
  memset(&err, 0, sizeof(err));
  if (strcmp(path, "-") == 0) {
    st = produce(e, to, stdout, &err);
    if (!st && fflush(stdout) != 0) st = STV_EIO;
  } else {
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
                         (long)getpid()) >= sizeof(tmp)) {
      fprintf(stderr, "hustings: output path too long: %s\n", path);
      return EXIT_OUTPUT;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    fp = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!fp) {
      fprintf(stderr, "hustings: cannot write %s: %s\n", path,
              strerror(errno));
      if (fd >= 0) close(fd);
      return EXIT_OUTPUT;
    }
    st = produce(e, to, fp, &err);
    if (!st && (fflush(fp) != 0 || fsync(fileno(fp)) != 0)) st = STV_EIO;
    if (fclose(fp) != 0 && !st) st = STV_EIO;
    if (!st && rename(tmp, path) != 0) st = STV_EIO;
    if (st) remove(tmp);
  }
  if (st == STV_EIO) {
    fprintf(stderr, "hustings: cannot write %s\n", path);
    return EXIT_OUTPUT;
  }
  if (st) {
    char what[64];
    snprintf(what, sizeof(what), "cannot write %s: ", fmt_names[to]);
    report(&err, st, what);
    return EXIT_FAIL;
  }
  return 0;
}

int hus_convert_main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"from", required_argument, NULL, 'f'},
      {"to", required_argument, NULL, 't'},
      {"seats", required_argument, NULL, 's'},
      {"contest", required_argument, NULL, 'c'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *in, *out, *contest = NULL;
  int from = F_NONE, to = F_NONE, seats = 0, ch, rc;
  stv_election *e = NULL;
  stv_error err;
  stv_status st;
#ifdef __GLIBC__
  optind = 0; /* a full reset: the tests call this more than once */
#else
  optind = 1;
#endif
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'f':
      if (!(from = fmt_named(optarg)))
        return usage("--from %s: expected blt, csv, json or cdf", optarg);
      break;
    case 't':
      if (!(to = fmt_named(optarg)))
        return usage("--to %s: expected blt, csv, json or cdf", optarg);
      break;
    case 's': {
      char *end;
      long v;
      errno = 0;
      v = strtol(optarg, &end, 10);
      if (errno || end == optarg || *end || v < 1 || v > STV_MAX_SEATS)
        return usage("--seats %s: expected a whole number from 1 to 999",
                     optarg);
      seats = (int)v;
      break;
    }
    case 'c': contest = optarg; break;
    case 'h': fputs(convert_usage, stdout); return 0;
    default: fputs("Try 'hustings convert --help'.\n", stderr);
      return EXIT_USAGE;
    }
  }
  if (optind != argc - 2)
    return usage("%s", "convert takes two files: IN OUT");
  in = argv[optind];
  out = argv[optind + 1];
  if (!from && !(from = fmt_guess(in)))
    return usage("cannot tell the format of %s from its name: give --from "
                 "blt|csv|json|cdf", in);
  if (!to && !(to = fmt_guess(out)))
    return usage("cannot tell the format of %s from its name: give --to "
                 "blt|csv|json|cdf", out);
  if (contest && from != F_CDF)
    return usage("%s", "--contest chooses a contest of CDF input");
  memset(&err, 0, sizeof(err));
  st = read_input(in, from, seats, contest, &e, &err);
  if (st) {
    report(&err, st, "");
    return st == STV_ENOMEM ? EXIT_FAIL : EXIT_INPUT;
  }
  if (seats) (void)stv_election_set_seats(e, seats); /* 1..999: no fail */
  if (to == F_BLT && stv_election_seats(e) == 0) {
    stv_election_free(e);
    return usage("%s gives no number of seats, which BLT needs: give "
                 "--seats N", in);
  }
  rc = output(e, to, out);
  stv_election_free(e);
  return rc;
}
