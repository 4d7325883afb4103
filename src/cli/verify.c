/*
** verify.c: `hustings verify-results DIR [--key HEX]`, the check of a
** published results pack (docs/results.md, docs/design/ballot.md §7.5).
**
**   - each line of SHA256SUMS: the file's SHA-256 (libsodium);
**   - election.txt and receipts.txt are listed there (so signed);
**   - the Ed25519 signature SHA256SUMS.sig over SHA256SUMS, with the key
**     given by --key (the one published when voting opened) or, with a
**     warning, the pack's own election-key.pem; the key in
**     election-key.pem and election.txt must be that key;
**   - each contest whose SLUG.blt is in DIR is counted again with its
**     rules and SLUG.con, as `hustings count --rules R --constraints
**     SLUG.con --format json SLUG.blt` does, and the JSON must equal
**     SLUG.json byte for byte;
**   - receipts.txt holds one well-formed code per line, sorted, as many
**     as election.txt says voted.
**
** One line per check, "ok" or "FAIL", then a summary; exit status 0 when
** every check passed, 2 when one failed, 3 for a usage error.  The
** readers of the three text formats are in sums.c (fuzzed).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "stv.h"
#include "sums.h"

#define FILE_MAX ((size_t)1 << 30) /* one file of the pack */

typedef struct tally {
  int ok, fail;
} tally;

static void check(tally *t, int ok, const char *what, const char *detail) {
  if (ok)
    t->ok++;
  else
    t->fail++;
  printf("%-4s  %s%s%s\n", ok ? "ok" : "FAIL", what, detail ? ": " : "",
         detail ? detail : "");
}

/* Reads DIR/name whole (with a NUL after it).  0, 1 when it does not
** exist, or -1 with the reason in why. */
static int read_file(const char *dir, const char *name, char **out,
                     size_t *len, char *why, size_t cap) {
  char path[4096];
  struct stat sb;
  int fd;
  size_t got = 0;
  char *buf;
  *out = NULL;
  *len = 0;
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
      sizeof path) {
    snprintf(why, cap, "path too long");
    return -1;
  }
  /* O_NONBLOCK: a FIFO in the folder must not hang us before fstat */
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return 1;
    snprintf(why, cap, "cannot open: %s", strerror(errno));
    return -1;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
      (size_t)sb.st_size > FILE_MAX) {
    snprintf(why, cap, "not a regular file of at most %zu bytes", FILE_MAX);
    close(fd);
    return -1;
  }
  buf = malloc((size_t)sb.st_size + 1);
  if (!buf) {
    snprintf(why, cap, "out of memory");
    close(fd);
    return -1;
  }
  while (got < (size_t)sb.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (got != (size_t)sb.st_size) {
    snprintf(why, cap, "cannot read it whole");
    free(buf);
    return -1;
  }
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

static void fingerprint(const unsigned char pk[32], char out[40]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  static const char hex[] = "0123456789abcdef";
  size_t i, k = 0;
  crypto_hash_sha256(h, pk, 32);
  for (i = 0; i < 16; i++) {
    if (i && i % 2 == 0) out[k++] = ' ';
    out[k++] = hex[h[i] >> 4];
    out[k++] = hex[h[i] & 15];
  }
  out[k] = 0;
}

/* A growing buffer for the recount's JSON. */
typedef struct obuf {
  char *p;
  size_t len, cap;
} obuf;

static int to_obuf(void *ud, const char *data, size_t len) {
  obuf *b = ud;
  if (len > FILE_MAX - b->len) return -1;
  if (b->len + len > b->cap) {
    size_t nc = b->cap ? b->cap : 4096;
    char *m;
    while (nc < b->len + len) nc *= 2;
    if (!(m = realloc(b->p, nc))) return -1;
    b->p = m;
    b->cap = nc;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return 0;
}

static void stv_why(char *why, size_t cap, stv_status st, const stv_error *e) {
  if (e->line > 0)
    snprintf(why, cap, "%.100s:%ld:%ld: %.250s", e->file, e->line, e->col,
             e->msg);
  else
    snprintf(why, cap, "%.250s", e->msg[0] ? e->msg : stv_strerror(st));
}

/* Counts SLUG.blt again and compares the JSON with SLUG.json. */
static void recount(tally *t, const char *dir, const hus_rcontest *c,
                    const hus_sums *sums) {
  char what[256], name[HUS_NAME_MAX + 8], why[512];
  char *blt = NULL, *con = NULL, *json = NULL;
  size_t blen, clen, jlen;
  stv_election *e = NULL;
  stv_options *o = NULL;
  stv_constraints *k = NULL;
  stv_result *r = NULL;
  stv_error err;
  stv_status st;
  obuf out = {NULL, 0, 0};
  int rc;
  memset(&err, 0, sizeof err);
  snprintf(what, sizeof what, "recount %s (%s.blt, rules %s%s%s)", c->slug,
           c->slug, c->rules, c->has_con ? ", " : "",
           c->has_con ? "constraints" : "");
  snprintf(name, sizeof name, "%s.blt", c->slug);
  rc = read_file(dir, name, &blt, &blen, why, sizeof why);
  if (rc == 1) {
    printf("skip  recount %s: %s is not in the pack (the ballots were not "
           "published)\n", c->slug, name);
    return;
  }
  if (rc < 0) goto fail;
  if (!hus_sums_find(sums, name)) {
    snprintf(why, sizeof why, "%s is not listed in SHA256SUMS", name);
    goto fail;
  }
  st = stv_election_parse_blt(blt, blen, name, &e, &err);
  if (!st) st = stv_options_create(&o);
  if (!st) st = stv_options_set(o, "rules", c->rules, &err);
  if (st) {
    stv_why(why, sizeof why, st, &err);
    goto fail;
  }
  if (c->has_con) {
    snprintf(name, sizeof name, "%s.con", c->slug);
    if ((rc = read_file(dir, name, &con, &clen, why, sizeof why)) != 0) {
      if (rc == 1) snprintf(why, sizeof why, "%s is missing", name);
      goto fail;
    }
    st = stv_constraints_parse(e, con, clen, name, &k, &err);
    if (!st) st = stv_options_set_constraints(o, k);
    if (st) {
      stv_why(why, sizeof why, st, &err);
      goto fail;
    }
  }
  if ((st = stv_count(e, o, &r, &err)) != STV_OK) {
    stv_why(why, sizeof why, st, &err);
    goto fail;
  }
  if (stv_result_write(r, STV_FORMAT_JSON, to_obuf, &out) != STV_OK) {
    snprintf(why, sizeof why, "cannot write the JSON (out of memory)");
    goto fail;
  }
  snprintf(name, sizeof name, "%s.json", c->slug);
  if ((rc = read_file(dir, name, &json, &jlen, why, sizeof why)) != 0) {
    if (rc == 1) snprintf(why, sizeof why, "%s is missing", name);
    goto fail;
  }
  if (!hus_sums_find(sums, name)) {
    snprintf(why, sizeof why, "%s is not listed in SHA256SUMS", name);
    goto fail;
  }
  if (jlen != out.len || memcmp(json, out.p, jlen) != 0) {
    snprintf(why, sizeof why, "the count gives other bytes than %s", name);
    goto fail;
  }
  check(t, 1, what, NULL);
  goto done;
fail:
  check(t, 0, what, why);
done:
  free(out.p);
  stv_result_free(r);
  stv_constraints_free(k);
  stv_options_free(o);
  stv_election_free(e);
  free(blt);
  free(con);
  free(json);
}

/* One code per line, "XXXX-XXXX-XXXX-XXXX" in Crockford's alphabet,
** strictly ascending; *n gets the number of lines. */
static int receipts_ok(const char *s, size_t len, long long *n, char *why,
                       size_t cap) {
  static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  size_t pos = 0, i;
  const char *prev = NULL;
  *n = 0;
  while (pos < len) {
    const char *l = s + pos;
    if (len - pos < 20 || l[19] != '\n') {
      snprintf(why, cap, "line %lld: expected a receipt code and LF",
               *n + 1);
      return 0;
    }
    for (i = 0; i < 19; i++)
      if ((i % 5 == 4) ? l[i] != '-' : !l[i] || !strchr(alpha, l[i])) {
        snprintf(why, cap, "line %lld: expected a code like "
                 "K7QF-M2ZD-9XWA-3HTN", *n + 1);
        return 0;
      }
    if (prev && memcmp(prev, l, 19) >= 0) {
      snprintf(why, cap, "line %lld: not in sorted order, or repeated",
               *n + 1);
      return 0;
    }
    prev = l;
    pos += 20;
    (*n)++;
  }
  return 1;
}

static int usage(const char *msg) {
  if (msg) fprintf(stderr, "hustings: verify-results: %s\n", msg);
  fputs("usage: hustings verify-results DIR [--key HEX]\n"
        "Checks a results pack: SHA256SUMS, its signature, a recount of "
        "every\ncontest whose ballots are published, and receipts.txt.  "
        "HEX is the\nelection's public key (64 hex digits) as published "
        "when voting opened.\n",
        msg ? stderr : stdout);
  return msg ? 3 : 0;
}

int hus_verify_main(int argc, char **argv) {
  const char *dir = NULL, *keyhex = NULL;
  char why[512], fp[40];
  char *sums_txt = NULL, *txt = NULL, *rec = NULL, *pem = NULL, *sig = NULL;
  size_t sums_len = 0, txt_len = 0, rec_len = 0, pem_len = 0, sig_len = 0;
  hus_sums sums;
  hus_rinfo info;
  unsigned char key[32], pem_pk[32];
  int have_key = 0, have_sums = 0, have_info = 0, rc, i;
  size_t k;
  tally t = {0, 0};
  memset(&sums, 0, sizeof sums);
  memset(&info, 0, sizeof info);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return usage(NULL);
    if (strcmp(argv[i], "--key") == 0) {
      if (++i == argc) return usage("--key needs a value");
      keyhex = argv[i];
    } else if (strncmp(argv[i], "--key=", 6) == 0)
      keyhex = argv[i] + 6;
    else if (argv[i][0] == '-' && argv[i][1])
      return usage("unknown option");
    else if (dir)
      return usage("takes one DIR");
    else
      dir = argv[i];
  }
  if (!dir) return usage("needs a DIR");
  if (keyhex) {
    size_t n = 0;
    if (strlen(keyhex) != 64 ||
        sodium_hex2bin(key, sizeof key, keyhex, 64, NULL, &n, NULL) != 0 ||
        n != 32)
      return usage("--key: expected 64 hex digits");
    have_key = 1;
  }
  if (sodium_init() < 0) {
    fprintf(stderr, "hustings: verify-results: libsodium failed\n");
    return 2;
  }

  /* SHA256SUMS and every file it lists */
  rc = read_file(dir, "SHA256SUMS", &sums_txt, &sums_len, why, sizeof why);
  if (rc != 0) {
    check(&t, 0, "SHA256SUMS", rc == 1 ? "missing" : why);
  } else if (hus_sums_parse(sums_txt, sums_len, &sums, why, sizeof why)) {
    check(&t, 0, "SHA256SUMS", why);
  } else
    have_sums = 1;
  for (k = 0; have_sums && k < sums.n; k++) {
    char *d = NULL;
    size_t dl = 0;
    unsigned char h[32];
    char what[HUS_NAME_MAX + 16];
    snprintf(what, sizeof what, "sha256 %s", sums.f[k].name);
    rc = read_file(dir, sums.f[k].name, &d, &dl, why, sizeof why);
    if (rc != 0) {
      check(&t, 0, what, rc == 1 ? "missing" : why);
      continue;
    }
    crypto_hash_sha256(h, (const unsigned char *)d, dl);
    check(&t, memcmp(h, sums.f[k].sha256, 32) == 0, what,
          memcmp(h, sums.f[k].sha256, 32) ? "differs from SHA256SUMS" : NULL);
    free(d);
  }
  if (have_sums) {
    check(&t, hus_sums_find(&sums, "election.txt") &&
                  hus_sums_find(&sums, "receipts.txt"),
          "SHA256SUMS lists election.txt and receipts.txt",
          hus_sums_find(&sums, "election.txt") &&
                  hus_sums_find(&sums, "receipts.txt")
              ? NULL
              : "one is missing, so it is not covered by the signature");
  }

  /* the key: --key, else the pack's own (with a warning) */
  rc = read_file(dir, "election-key.pem", &pem, &pem_len, why, sizeof why);
  if (rc == 0) {
    if (hus_pem_parse(pem, pem_len, pem_pk) != 0)
      check(&t, 0, "election-key.pem", "not an Ed25519 public key in PEM");
    else if (have_key)
      check(&t, sodium_memcmp(pem_pk, key, 32) == 0,
            "election-key.pem holds the key given with --key",
            sodium_memcmp(pem_pk, key, 32) ? "it holds another key" : NULL);
    else {
      memcpy(key, pem_pk, 32);
      have_key = 2;
    }
  } else if (rc < 0)
    check(&t, 0, "election-key.pem", why);
  if (have_key == 2) {
    fingerprint(key, fp);
    fprintf(stderr,
            "warning: no --key given: the key was taken from the pack's "
            "own election-key.pem,\nwhich whoever could change the files "
            "could change too.  Compare its fingerprint,\n  %s\nwith the "
            "one published when voting opened, or give the key with "
            "--key.\n",
            fp);
  }

  /* election.txt */
  rc = read_file(dir, "election.txt", &txt, &txt_len, why, sizeof why);
  if (rc != 0)
    check(&t, 0, "election.txt", rc == 1 ? "missing" : why);
  else if (hus_rinfo_parse(txt, txt_len, &info, why, sizeof why))
    check(&t, 0, "election.txt", why);
  else
    have_info = 1;
  if (have_info && have_key && info.has_key)
    check(&t, sodium_memcmp(info.pk, key, 32) == 0,
          "election.txt names the same public key",
          sodium_memcmp(info.pk, key, 32) ? "it names another key" : NULL);

  /* the signature */
  rc = read_file(dir, "SHA256SUMS.sig", &sig, &sig_len, why, sizeof why);
  if (rc == 1)
    check(&t, 0, "signature", "SHA256SUMS.sig is missing: the results are "
          "not signed");
  else if (rc < 0)
    check(&t, 0, "signature", why);
  else if (sig_len != 64)
    check(&t, 0, "signature", "SHA256SUMS.sig is not 64 bytes");
  else if (!have_key)
    check(&t, 0, "signature", "no key: give --key HEX");
  else if (!sums_txt)
    check(&t, 0, "signature", "no SHA256SUMS");
  else {
    int good = crypto_sign_verify_detached((const unsigned char *)sig,
                                           (const unsigned char *)sums_txt,
                                           sums_len, key) == 0;
    char what[80];
    fingerprint(key, fp);
    snprintf(what, sizeof what, "signature over SHA256SUMS (key %s)", fp);
    check(&t, good, what, good ? NULL : "does not verify");
  }

  /* recounts */
  for (k = 0; have_info && k < info.n; k++) {
    if (!info.c[k].done) {
      printf("skip  recount %s: its count could not be completed (see "
             "election.txt)\n", info.c[k].slug);
      continue;
    }
    recount(&t, dir, &info.c[k], &sums);
  }

  /* receipts */
  rc = read_file(dir, "receipts.txt", &rec, &rec_len, why, sizeof why);
  if (rc != 0)
    check(&t, 0, "receipts.txt", rc == 1 ? "missing" : why);
  else {
    long long n = 0;
    char what[128];
    if (!receipts_ok(rec, rec_len, &n, why, sizeof why))
      check(&t, 0, "receipts.txt", why);
    else if (have_info && info.voted >= 0 && n != info.voted) {
      snprintf(why, sizeof why, "%lld codes, but election.txt says %lld "
               "voted", n, info.voted);
      check(&t, 0, "receipts.txt", why);
    } else {
      snprintf(what, sizeof what, "receipts.txt: %lld codes%s", n,
               have_info && info.voted >= 0 ? ", one per voter" : "");
      check(&t, 1, what, NULL);
    }
  }

  if (t.fail)
    printf("verify-results: %d of %d checks FAILED\n", t.fail,
           t.ok + t.fail);
  else
    printf("verify-results: all %d checks passed%s\n", t.ok,
           have_key == 2 ? " (with the pack's own key: see the warning)"
                         : "");
  hus_sums_free(&sums);
  hus_rinfo_free(&info);
  free(sums_txt);
  free(txt);
  free(rec);
  free(pem);
  free(sig);
  return t.fail ? 2 : 0;
}
