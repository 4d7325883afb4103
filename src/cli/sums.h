/*
** sums.h: the readers of a published results pack (docs/results.md,
** docs/design/ballot.md §7.3): SHA256SUMS, election.txt and
** election-key.pem, and the command that checks a pack with them,
** `hustings verify-results DIR [--key HEX]` (verify.c).
**
** The readers are pure (no I/O, no globals) so that
** tests/fuzz/fuzz_web_sums.c can drive them with any bytes.  They accept
** exactly what the service writes (src/web/results.c), plus sha256sum's
** binary marker " *", and refuse everything else with a message naming
** the line.  A name they accept is a plain file name: 1 to 63 bytes of
** A-Z a-z 0-9 . _ -, not starting with '.' and with no "..", so it can
** never leave the pack's directory.
**
** Ownership: a filled hus_sums or hus_rinfo owns its arrays; release it
** with the matching _free (safe on a zeroed struct).  On an error the
** struct is left empty.
*/
#ifndef HUS_SUMS_H
#define HUS_SUMS_H

#include <stddef.h>

#define HUS_NAME_MAX 64          /* a file name or slug, with its NUL */
#define HUS_SUMS_MAX_FILES 4096  /* lines of SHA256SUMS */
#define HUS_MAX_CONTESTS 1000    /* contest blocks of election.txt */
#define HUS_TXT_LINE_MAX 4096    /* bytes in one line of election.txt */

/* 1 if s[0..n) is a plain file name as above. */
int hus_name_ok(const char *s, size_t n);

typedef struct hus_sum {
  char name[HUS_NAME_MAX];
  unsigned char sha256[32];
} hus_sum;

typedef struct hus_sums {
  hus_sum *f;
  size_t n;
} hus_sums;

/* Reads SHA256SUMS: lines "HEX64  NAME" (or "HEX64 *NAME"), each ending
** in LF, at least one, each name once.  0, or -1 with msg ("SHA256SUMS:
** line 3: ..."). */
int hus_sums_parse(const char *data, size_t len, hus_sums *out, char *msg,
                   size_t cap);
void hus_sums_free(hus_sums *s);
/* The entry for name, or NULL. */
const hus_sum *hus_sums_find(const hus_sums *s, const char *name);

/* What verify-results needs from one contest block of election.txt. */
typedef struct hus_rcontest {
  char slug[HUS_NAME_MAX];
  char rules[32];
  int done;    /* state: done (else failed) */
  int has_con; /* constraints: SLUG.con (else none) */
} hus_rcontest;

/* ... and from the election block. */
typedef struct hus_rinfo {
  char election[HUS_NAME_MAX];
  int has_key;
  unsigned char pk[32]; /* public-key: ed25519 HEX */
  long long electorate, voted, receipts; /* -1 when not given */
  hus_rcontest *c;
  size_t n;
} hus_rinfo;

/* Reads election.txt: blocks of "key: value" lines separated by one blank
** line; the first block starts "format: hustings-results 1" and has
** election and public-key, each later one starts "contest: SLUG" and has
** rules and state (and constraints when done).  Unknown keys are
** skipped; a key twice in one block is an error.  0, or -1 with msg. */
int hus_rinfo_parse(const char *data, size_t len, hus_rinfo *out, char *msg,
                    size_t cap);
void hus_rinfo_free(hus_rinfo *r);

/* Reads an Ed25519 public key from a SubjectPublicKeyInfo PEM block (DER
** prefix 302a300506032b6570032100 and 32 bytes).  0, or -1. */
int hus_pem_parse(const char *data, size_t len, unsigned char pk[32]);

/* hustings verify-results DIR [--key HEX] (argv[0] is "verify-results"):
** 0 when every check passed, 2 when one failed, 3 on a usage error. */
int hus_verify_main(int argc, char **argv);

#endif
