/*
** convert.h: `hustings convert`, and the ballot formats that live in the
** CLI because they are JSON, which the library does not read: hustings
** ballots JSON (read here, written by stv_election_write) and NIST SP
** 1500-103 CDF cast vote records, the JSON that RCTab reads with provider
** "cdf" and writes (read and written here).  docs/convert.md and
** docs/formats.md describe both.
**
** Ownership: a reader hands back a new election (the caller frees it with
** stv_election_free) or NULL with the place and the reason in err.
*/
#ifndef HUS_CONVERT_H
#define HUS_CONVERT_H

#include <stddef.h>

#include "stv.h"

/* JSON input is read whole, up to these sizes.  A ballots JSON file is
** parsed into a tree (some 10 times its size in memory); a CDF file's CVR
** list, a record per paper, is parsed a record at a time, so memory is
** about the file's size. */
#define HUS_JSON_MAX ((size_t)256 << 20)
#define HUS_CDF_MAX ((size_t)1 << 30)

/* Parses hustings ballots JSON held in data[0..len); name is used in
** messages.  Errors are "NAME:LINE:COL: expected ..." (columns in bytes).
** Seats are left unset (0) when the file has none. */
stv_status hus_ballots_json_parse(const char *data, size_t len,
                                  const char *name, stv_election **out,
                                  stv_error *err);

/* Parses a CDF cast vote record report (JSON).  The contest counted is the
** one named contest (its Name or @id), or the only one when contest is
** NULL.  Each CVR is one paper of weight 1; identical rankings merge. */
stv_status hus_cdf_parse(const char *data, size_t len, const char *name,
                         const char *contest, stv_election **out,
                         stv_error *err);

/* Writes e as a CDF report: a ballot of weight w becomes w CVRs.  Refuses
** (before writing anything) weights above HUS_CDF_MAX_WEIGHT and rankings
** that end in a skipped rank, with the reason in err. */
#define HUS_CDF_MAX_WEIGHT 1000000
stv_status hus_cdf_write(const stv_election *e, stv_write_fn fn, void *ud,
                         stv_error *err);

/* Reads a whole file (path "-": standard input) of at most max bytes into
** a new buffer (free() it); the convert readers and count's hashing of
** standard input share it. */
stv_status hus_read_all(const char *path, size_t max, char **data,
                        size_t *len, stv_error *err);

/* Fills err (if not NULL) with the place and a printf-style reason. */
void hus_set_err(stv_error *err, const char *file, long line, long col,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The command: argv[0] is "convert".  Returns the exit status. */
int hus_convert_main(int argc, char **argv);

#endif
