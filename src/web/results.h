/*
** results.h: the published results of an election (docs/design/ballot.md
** §7): what results.c stores when it counts and publishes, and what the
** pages of p_results.c (and the tests) read back.
**
** A pack is the set of files listed in the election's SHA256SUMS (table
** result_packs) plus SHA256SUMS and SHA256SUMS.sig themselves.  A file is
** served only if the pack lists it, so the bytes served are always the
** bytes that were hashed and signed, whatever changes in the settings
** later (publish_ballots).
**
** Ownership: a results_file owns its data (results_file_free); strings
** written to a wbuf belong to the wbuf's owner.  Readers use the db
** passed in (the calling thread's, from db_get()).
*/
#ifndef HUS_RESULTS_H
#define HUS_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "web.h"

/* The largest file of a pack (a BLT or a count sheet), and so the cap of
** the answer that serves one. */
#define RESULTS_FILE_MAX ((size_t)64 << 20)

/* The count sheet's own Content-Security-Policy: its style is inline and
** its charts are data: images; it has no script (ballot.md §7.3). */
#define RESULTS_SHEET_CSP                                                    \
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "           \
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

typedef struct results_file {
  char name[64];     /* "general.json", "SHA256SUMS", ... */
  const char *ctype; /* a static Content-Type */
  char *data;        /* malloc'd, NUL-terminated (the NUL is not counted) */
  size_t len;
} results_file;

/* One file of the published pack of election_id, by name: WEB_ENOTFOUND
** when the election has no pack or the pack does not list that name.
** With admin set, a contest's .blt/.json/.html/.con is given from the
** results table whatever the pack lists, also before publication (the
** administrators' download). */
web_status results_file_get(sqlite3 *db, int64_t election_id,
                            const char *name, int admin, results_file *out);
void results_file_free(results_file *f);

/* The public key as a SubjectPublicKeyInfo PEM block (DER prefix
** 302a300506032b6570032100 and the 32 bytes), three lines ending in LF. */
void results_pem(wbuf *b, const unsigned char pk[32]);

/* The value of "key: value" in the first block of election.txt (up to
** its first blank line) into out; 1 if found, else 0 and out "". */
int results_txt_get(const char *txt, const char *key, char *out, size_t cap);

/* "861 of 1,204 voted, 71.5%" (integer arithmetic, rounded half up; "0 of
** 0 voted" when the electorate is empty); verb is "voted" or the like. */
void results_turnout(wbuf *b, int64_t voted, int64_t electorate,
                     const char *verb);

/* part of whole as a percentage to one decimal, rounded half up, in
** integers: "71.5%" ("0.0%" when whole is 0 or part out of range). */
void results_pct(wbuf *b, int64_t part, int64_t whole);

/* A whole number with thousands separators ("1,204"). */
void results_thousands(wbuf *b, int64_t v);

/* The name of line i of a SHA256SUMS text (0-based) into out: 1 while
** there is such a line, 0 past the end. */
int results_sums_name(const char *sums, size_t i, char *out, size_t cap);

#endif
