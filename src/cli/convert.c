/*
** convert.c: the `hustings convert` command between BLT, rank-column CSV,
** hustings ballots JSON and NIST CDF cast vote records (convert.h).
**
** BLT, CSV and ballots JSON are written by the library
** (stv_election_write); the JSON readers are in convert_read.c and the CDF
** writer in cdf_write.c, with jansson, because the library reads no JSON.
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

void hus_set_err(stv_error *err, const char *file, long line, long col,
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
    hus_set_err(err, path, 0, 0, "%s: cannot open: %s", path, strerror(errno));
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
        hus_set_err(err, path, 0, 0, "out of memory");
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
    hus_set_err(err, path, 0, 0, "%s: read error", path);
    return STV_EIO;
  }
  if (!is_stdin) fclose(fp);
  if (n > max) {
    free(buf);
    hus_set_err(err, path, 0, 0, "%s: expected at most %zu MiB", path,
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
