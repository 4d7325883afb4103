/*
** sums.c: the readers of a results pack: SHA256SUMS, election.txt and
** election-key.pem (sums.h).  Pure code over bytes in memory, shared by
** verify.c and the fuzz harness tests/fuzz/fuzz_web_sums.c.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sums.h"

static void say(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (!cap) return;
  va_start(ap, fmt);
  vsnprintf(msg, cap, fmt, ap);
  va_end(ap);
}

int hus_name_ok(const char *s, size_t n) {
  size_t i;
  if (n == 0 || n >= HUS_NAME_MAX || s[0] == '.') return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c == '.' && i + 1 < n && s[i + 1] == '.') return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

/* A slug: a name without dots. */
static int slug_ok(const char *s, size_t n) {
  return hus_name_ok(s, n) && !memchr(s, '.', n);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Exactly 2 * n hex digits at s into out[n]; 0 or -1. */
static int unhex(const char *s, size_t len, unsigned char *out, size_t n) {
  size_t i;
  if (len != 2 * n) return -1;
  for (i = 0; i < n; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}

/* ------------------------------------------------------------ SHA256SUMS */

void hus_sums_free(hus_sums *s) {
  if (!s) return;
  free(s->f);
  s->f = NULL;
  s->n = 0;
}

const hus_sum *hus_sums_find(const hus_sums *s, const char *name) {
  size_t i;
  for (i = 0; s && i < s->n; i++)
    if (strcmp(s->f[i].name, name) == 0) return &s->f[i];
  return NULL;
}

int hus_sums_parse(const char *data, size_t len, hus_sums *out, char *msg,
                   size_t cap) {
  size_t pos = 0, line = 0, alloc = 0, i;
  memset(out, 0, sizeof *out);
  if (len == 0) {
    say(msg, cap, "SHA256SUMS: empty: no file is listed");
    return -1;
  }
  while (pos < len) {
    const char *s = data + pos, *eol = memchr(s, '\n', len - pos);
    size_t n, nlen;
    hus_sum *f;
    line++;
    if (!eol) {
      say(msg, cap, "SHA256SUMS: line %zu: expected a line ending in LF",
          line);
      goto bad;
    }
    n = (size_t)(eol - s);
    pos += n + 1;
    if (n < 67 || s[64] != ' ' || (s[65] != ' ' && s[65] != '*')) {
      say(msg, cap, "SHA256SUMS: line %zu: expected 64 hex digits, two "
          "spaces (or ' *') and a file name", line);
      goto bad;
    }
    nlen = n - 66;
    if (!hus_name_ok(s + 66, nlen)) {
      say(msg, cap, "SHA256SUMS: line %zu: expected a plain file name "
          "(letters, digits, '.', '_', '-'; at most %d bytes)", line,
          HUS_NAME_MAX - 1);
      goto bad;
    }
    if (out->n == HUS_SUMS_MAX_FILES) {
      say(msg, cap, "SHA256SUMS: line %zu: more than %d files", line,
          HUS_SUMS_MAX_FILES);
      goto bad;
    }
    if (out->n == alloc) {
      size_t na = alloc ? alloc * 2 : 16;
      hus_sum *m = realloc(out->f, na * sizeof *m);
      if (!m) {
        say(msg, cap, "SHA256SUMS: out of memory");
        goto bad;
      }
      out->f = m;
      alloc = na;
    }
    f = &out->f[out->n];
    if (unhex(s, 64, f->sha256, 32) != 0) {
      say(msg, cap, "SHA256SUMS: line %zu: expected 64 hex digits", line);
      goto bad;
    }
    memcpy(f->name, s + 66, nlen);
    f->name[nlen] = 0;
    for (i = 0; i < out->n; i++)
      if (strcmp(out->f[i].name, f->name) == 0) {
        say(msg, cap, "SHA256SUMS: line %zu: %s is listed twice", line,
            f->name);
        goto bad;
      }
    out->n++;
  }
  return 0;
bad:
  hus_sums_free(out);
  return -1;
}

/* ---------------------------------------------------------- election.txt */

void hus_rinfo_free(hus_rinfo *r) {
  if (!r) return;
  free(r->c);
  r->c = NULL;
  r->n = 0;
}

/* A whole number of at most 18 digits, or -1. */
static long long number(const char *s, size_t n) {
  long long v = 0;
  size_t i;
  if (n == 0 || n > 18) return -1;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int is(const char *k, size_t klen, const char *want) {
  return strlen(want) == klen && memcmp(k, want, klen) == 0;
}

/* Keys a block must not repeat: a bit each. */
enum {
  K_FORMAT = 1, K_ELECTION = 2, K_KEY = 4, K_ELECTORATE = 8, K_VOTED = 16,
  K_RECEIPTS = 32, K_CONTEST = 64, K_RULES = 128, K_STATE = 256,
  K_CON = 512
};

int hus_rinfo_parse(const char *data, size_t len, hus_rinfo *out, char *msg,
                    size_t cap) {
  size_t pos = 0, line = 0, alloc = 0;
  unsigned seen = 0;
  int block = 0; /* 0: the election's; then 1 + the contest's index */
  int blank = 0;
  hus_rcontest *c = NULL;
  memset(out, 0, sizeof *out);
  out->electorate = out->voted = out->receipts = -1;
  if (len == 0 || data[len - 1] != '\n') {
    say(msg, cap, "election.txt: expected lines ending in LF");
    return -1;
  }
  if (memchr(data, 0, len)) {
    say(msg, cap, "election.txt: expected text, found a NUL byte");
    return -1;
  }
  while (pos < len) {
    const char *s = data + pos, *eol = memchr(s, '\n', len - pos), *colon;
    const char *v;
    size_t n = (size_t)(eol - s), klen, vlen, i;
    unsigned bit = 0;
    line++;
    pos += n + 1;
    if (n > HUS_TXT_LINE_MAX) {
      say(msg, cap, "election.txt: line %zu: longer than %d bytes", line,
          HUS_TXT_LINE_MAX);
      goto bad;
    }
    if (n == 0) {
      if (blank || line == 1) {
        say(msg, cap, "election.txt: line %zu: expected one blank line "
            "between blocks", line);
        goto bad;
      }
      blank = 1;
      continue;
    }
    colon = memchr(s, ':', n);
    if (!colon || colon == s || (size_t)(colon - s) + 1 >= n ||
        colon[1] != ' ') {
      /* "key:" with nothing after it is not written by the service */
      say(msg, cap, "election.txt: line %zu: expected 'key: value'", line);
      goto bad;
    }
    klen = (size_t)(colon - s);
    for (i = 0; i < klen; i++)
      if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
            s[i] == '-')) {
        say(msg, cap, "election.txt: line %zu: expected a key of a-z, 0-9 "
            "and '-'", line);
        goto bad;
      }
    v = colon + 2;
    vlen = n - klen - 2;
    if (blank) { /* a new block: a contest */
      if (!is(s, klen, "contest")) {
        say(msg, cap, "election.txt: line %zu: expected 'contest: SLUG' "
            "after a blank line", line);
        goto bad;
      }
      if (block == 0 && (seen & (K_FORMAT | K_ELECTION | K_KEY)) !=
                            (K_FORMAT | K_ELECTION | K_KEY)) {
        say(msg, cap, "election.txt: line %zu: the election's block lacks "
            "format, election or public-key", line);
        goto bad;
      }
      if (block > 0 && (!(seen & K_RULES) || !(seen & K_STATE) ||
                        (c->done && !(seen & K_CON)))) {
        say(msg, cap, "election.txt: line %zu: contest %s lacks rules, "
            "state or constraints", line, c->slug);
        goto bad;
      }
      if (out->n == HUS_MAX_CONTESTS) {
        say(msg, cap, "election.txt: line %zu: more than %d contests", line,
            HUS_MAX_CONTESTS);
        goto bad;
      }
      if (out->n == alloc) {
        size_t na = alloc ? alloc * 2 : 8;
        hus_rcontest *m = realloc(out->c, na * sizeof *m);
        if (!m) {
          say(msg, cap, "election.txt: out of memory");
          goto bad;
        }
        out->c = m;
        alloc = na;
      }
      c = &out->c[out->n++];
      memset(c, 0, sizeof *c);
      block = (int)out->n;
      seen = 0;
      blank = 0;
    } else if (line == 1 && !(is(s, klen, "format") &&
                              vlen == strlen("hustings-results 1") &&
                              memcmp(v, "hustings-results 1", vlen) == 0)) {
      say(msg, cap, "election.txt: line 1: expected 'format: "
          "hustings-results 1'");
      goto bad;
    }
    if (block == 0) {
      if (is(s, klen, "format")) bit = K_FORMAT;
      else if (is(s, klen, "election")) {
        bit = K_ELECTION;
        if (!slug_ok(v, vlen)) {
          say(msg, cap, "election.txt: line %zu: expected the election's "
              "short name", line);
          goto bad;
        }
        memcpy(out->election, v, vlen);
        out->election[vlen] = 0;
      } else if (is(s, klen, "public-key")) {
        bit = K_KEY;
        if (vlen >= 4 && memcmp(v, "none", 4) == 0)
          out->has_key = 0;
        else if (vlen == 8 + 64 && memcmp(v, "ed25519 ", 8) == 0 &&
                 unhex(v + 8, 64, out->pk, 32) == 0)
          out->has_key = 1;
        else {
          say(msg, cap, "election.txt: line %zu: expected 'public-key: "
              "ed25519' and 64 hex digits, or 'none'", line);
          goto bad;
        }
      } else if (is(s, klen, "electorate") || is(s, klen, "voted") ||
                 is(s, klen, "receipts")) {
        long long x = number(v, vlen);
        long long *dst = s[0] == 'e' ? &out->electorate
                         : s[0] == 'v' ? &out->voted : &out->receipts;
        bit = s[0] == 'e' ? K_ELECTORATE : s[0] == 'v' ? K_VOTED : K_RECEIPTS;
        if (x < 0) {
          say(msg, cap, "election.txt: line %zu: expected a whole number",
              line);
          goto bad;
        }
        *dst = x;
      }
    } else {
      if (is(s, klen, "contest")) {
        bit = K_CONTEST;
        if (!slug_ok(v, vlen)) {
          say(msg, cap, "election.txt: line %zu: expected a contest's short "
              "name", line);
          goto bad;
        }
        memcpy(c->slug, v, vlen);
        c->slug[vlen] = 0;
        for (i = 0; i + 1 < out->n; i++)
          if (strcmp(out->c[i].slug, c->slug) == 0) {
            say(msg, cap, "election.txt: line %zu: contest %s twice", line,
                c->slug);
            goto bad;
          }
      } else if (is(s, klen, "rules")) {
        bit = K_RULES;
        if (!slug_ok(v, vlen) || vlen >= sizeof c->rules) {
          say(msg, cap, "election.txt: line %zu: expected a rule set's "
              "name", line);
          goto bad;
        }
        memcpy(c->rules, v, vlen);
        c->rules[vlen] = 0;
      } else if (is(s, klen, "state")) {
        bit = K_STATE;
        if (vlen == 4 && memcmp(v, "done", 4) == 0)
          c->done = 1;
        else if (!(vlen == 6 && memcmp(v, "failed", 6) == 0)) {
          say(msg, cap, "election.txt: line %zu: expected 'state: done' or "
              "'state: failed'", line);
          goto bad;
        }
      } else if (is(s, klen, "constraints")) {
        size_t sl = strlen(c->slug);
        bit = K_CON;
        if (vlen == 4 && memcmp(v, "none", 4) == 0)
          c->has_con = 0;
        else if (vlen == sl + 4 && memcmp(v, c->slug, sl) == 0 &&
                 memcmp(v + sl, ".con", 4) == 0)
          c->has_con = 1;
        else {
          say(msg, cap, "election.txt: line %zu: expected 'constraints: "
              "%s.con' or 'constraints: none'", line, c->slug);
          goto bad;
        }
      }
    }
    if (bit & seen) {
      say(msg, cap, "election.txt: line %zu: %.*s given twice in one block",
          line, (int)klen, s);
      goto bad;
    }
    seen |= bit;
  }
  if (blank) {
    say(msg, cap, "election.txt: line %zu: expected no blank line at the "
        "end", line);
    goto bad;
  }
  if (block == 0 && (seen & (K_FORMAT | K_ELECTION | K_KEY)) !=
                        (K_FORMAT | K_ELECTION | K_KEY)) {
    say(msg, cap, "election.txt: the election's block lacks format, "
        "election or public-key");
    goto bad;
  }
  if (block > 0 && (!(seen & K_RULES) || !(seen & K_STATE) ||
                    (c->done && !(seen & K_CON)))) {
    say(msg, cap, "election.txt: contest %s lacks rules, state or "
        "constraints", c->slug);
    goto bad;
  }
  return 0;
bad:
  hus_rinfo_free(out);
  return -1;
}

/* ------------------------------------------------------------------- PEM */

int hus_pem_parse(const char *data, size_t len, unsigned char pk[32]) {
  static const char begin[] = "-----BEGIN PUBLIC KEY-----\n";
  static const char end[] = "-----END PUBLIC KEY-----";
  static const unsigned char prefix[12] = {0x30, 0x2a, 0x30, 0x05,
                                           0x06, 0x03, 0x2b, 0x65,
                                           0x70, 0x03, 0x21, 0x00};
  const char *b64, *stop;
  unsigned char der[64];
  size_t n = 0;
  if (len < sizeof begin - 1 || memcmp(data, begin, sizeof begin - 1) != 0)
    return -1;
  b64 = data + sizeof begin - 1;
  /* the END line, then at most one LF */
  if (len < sizeof begin - 1 + sizeof end - 1) return -1;
  stop = data + len;
  if (stop[-1] == '\n') stop--;
  if ((size_t)(stop - b64) < sizeof end - 1 ||
      memcmp(stop - (sizeof end - 1), end, sizeof end - 1) != 0)
    return -1;
  stop -= sizeof end - 1;
  if (stop - b64 > 200) return -1;
  if (sodium_base642bin(der, sizeof der, b64, (size_t)(stop - b64), "\n", &n,
                        NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      n != 44 || memcmp(der, prefix, sizeof prefix) != 0)
    return -1;
  memcpy(pk, der + sizeof prefix, 32);
  return 0;
}
