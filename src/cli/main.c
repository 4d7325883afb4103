/*
** main.c: the hustings command, a thin client of include/stv.h.
**
**   hustings count [OPTIONS] FILE    count a BLT or rank-column CSV file
**   hustings whatif [OPTIONS] FILE   compare outcomes (rule sets, withdrawals,
**                                    shorter rankings, block vote)
**   hustings rank [OPTIONS] FILE     slate order by sequential STV
**   hustings convert [OPTIONS] IN OUT  ballots between BLT, CSV, hustings
**                                    ballots JSON and CDF (convert.c)
**   hustings rules                   list the rule sets
**   hustings serve [OPTIONS]         the election service (src/web/)
**   hustings demo --db FILE [--voting]  a demo database (invented names)
**   hustings audit-verify --db FILE  check the audit log's hash chain
**   hustings admin-link --db FILE    a new first-administrator link
**   hustings verify-results DIR      check a published results pack (verify.c)
**   hustings --help | --version
**
** Exit statuses (also in --help and the README):
**   0 success; 1 the count could not be completed (overflow, out of memory,
**   option not allowed by the rule set); 2 bad input (unreadable file, syntax
**   error, limit exceeded, no valid ballot, constraints that cannot be met,
**   a previous result that does not fit); 3 usage error (bad command line or option
**   value); 4 the output could not be written.
*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "convert.h"
#include "previous.h"
#include "service.h"
#include "stv.h"
#include "sums.h"

#define EXIT_COUNT 1
#define EXIT_INPUT 2
#define EXIT_USAGE 3
#define EXIT_OUTPUT 4

static const char usage_text[] =
    "usage: hustings count [OPTIONS] FILE\n"
    "       hustings whatif [OPTIONS] FILE\n"
    "       hustings rank [OPTIONS] FILE\n"
    "       hustings convert [--from F] [--to F] [--seats N] IN OUT\n"
    "       hustings rules\n"
    "       hustings serve [--db FILE] [--listen ADDR:PORT] [--base-url URL]\n"
    "       hustings demo --db FILE [--voting]\n"
    "       hustings audit-verify --db FILE\n"
    "       hustings admin-link --db FILE [--base-url URL]\n"
    "       hustings verify-results DIR [--key HEX]\n"
    "       hustings --help | --version\n"
    "\n"
    "Counts the ballots in FILE (BLT, or rank-column CSV when the name ends\n"
    "in .csv or --input csv is given; \"-\" reads standard input as BLT).\n"
    "\n"
    "Options:\n"
    "  --rules R        scottish, ers97 (default), meek, nz-meek, warren,\n"
    "                   wigm, uig, irv, block\n"
    "  --seats N        number of seats (overrides the file)\n"
    "  --format F       text (default), json or csv\n"
    "                   (count: also rctab, RCTab's summary JSON for RCVis)\n"
    "  --ties T         backwards|forwards|random:SEED|order:A>B>...,\n"
    "                   chained with commas (default: the rule set's own)\n"
    "  --quota Q        droop|droop-exact|hare|hare-exact|ers97 (wigm, uig)\n"
    "  --decimals N     0..9 (wigm, uig)\n"
    "  --equal P        equal preferences: truncate|reject\n"
    "  --repeat P       a candidate ranked twice: skip|truncate|reject\n"
    "  --skipped P      a skipped rank: continue|truncate|reject\n"
    "  --withdraw N     count as if candidate N had withdrawn (repeatable)\n"
    "  --truncate K     count only each paper's first K preferences\n"
    "  --constraints F  minimum/maximum seats for groups of candidates\n"
    "                   (docs/constraints.md)\n"
    "  --doom M         deferred (default) or immediate: when candidates who\n"
    "                   can no longer be elected under the constraints leave\n"
    "  --hold N         hold candidate N elected: never excluded (repeatable)\n"
    "  --vacate N       casual vacancy: member N leaves; needs --previous\n"
    "  --previous F     the original count's result (--format json)\n"
    "  --fill M         recount (default: ERS97 7.1, the others held\n"
    "                   elected) or highest (highest unelected candidate)\n"
    "  --ron N          candidate N is re-open nominations (seat left vacant)\n"
    "  --arith A        fixed (default) or exact (GMP; meek and wigm)\n"
    "  --input K        blt or csv (default: from the file name)\n"
    "  -o, --output F   write to F (atomically) instead of standard output\n"
    "\n"
    "whatif compares the count asked for with every rule set, each\n"
    "candidate withdrawn in turn, papers cut to their first k preferences,\n"
    "and the block vote (--format text or json).\n"
    "\n"
    "convert writes the ballots of IN to OUT in another format: blt, csv,\n"
    "json (hustings ballots) or cdf (NIST CDF cast vote records, RCTab's),\n"
    "from the names (.blt, .csv, .json, .cdf.json) or --from/--to; exit\n"
    "status 1 if OUT's format cannot hold the election (hustings convert\n"
    "--help).\n"
    "\n"
    "rank orders every candidate by sequential STV: position k is the extra\n"
    "winner of a k-seat count with positions 1..k-1 held elected; with\n"
    "--constraints, the first --seats positions meet them (text or json).\n"
    "\n"
    "verify-results checks a published results pack: SHA256SUMS, its\n"
    "signature (--key HEX: the election's key as published when voting\n"
    "opened), a recount of each contest whose ballots are published, and\n"
    "receipts.txt; exit status 0 when every check passes, 2 when one fails\n"
    "(docs/results.md).\n"
    "\n"
    "Exit status: 0 success; 1 the count could not be completed; 2 bad\n"
    "input (unreadable file, syntax error: FILE:LINE:COL: what was\n"
    "expected, no valid ballot, constraints that cannot be met, or a\n"
    "previous result that does not fit); 3 usage error; 4 the output could\n"
    "not be written.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "hustings: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'hustings --help'.\n");
  return EXIT_USAGE;
}

static void report(const stv_error *err, stv_status st) {
  if (err->line > 0)
    fprintf(stderr, "hustings: %s:%ld:%ld: %s\n", err->file, err->line,
            err->col, err->msg);
  else if (err->msg[0])
    fprintf(stderr, "hustings: %s\n", err->msg);
  else
    fprintf(stderr, "hustings: %s\n", stv_strerror(st));
}

static int write_file(void *ud, const char *data, size_t len) {
  return fwrite(data, 1, len, (FILE *)ud) == len ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmd_rules(void) {
  const char *const *n;
  for (n = stv_rule_names(); *n; n++)
    printf("%-9s %s\n", *n, stv_rule_summary(*n));
  return 0;
}

/* What to write: a count's result, or the what-if comparison. */
typedef struct job {
  const stv_result *res;
  const stv_ranking *rank;
  const stv_election *e;
  const stv_options *o;
} job;

static stv_status produce(const job *j, stv_format f, FILE *fp) {
  stv_error err;
  stv_status st;
  memset(&err, 0, sizeof(err));
  if (j->res) return stv_result_write(j->res, f, write_file, fp);
  if (j->rank) return stv_ranking_write(j->rank, f, write_file, fp);
  st = stv_whatif_write(j->e, j->o, f, write_file, fp, &err);
  if (st && st != STV_EIO) report(&err, st);
  return st;
}

/* Writes the output to path via a temporary file and rename, so a failed
** write never leaves a half-written file. */
static int output(const job *j, stv_format f, const char *path) {
  char tmp[4096];
  FILE *fp;
  stv_status st;
  if (!path) {
    st = produce(j, f, stdout);
    if (st && st != STV_EIO) return EXIT_COUNT;
    if (st || fflush(stdout) != 0) {
      fprintf(stderr, "hustings: cannot write the output: %s\n",
              st ? stv_strerror(st) : strerror(errno));
      return EXIT_OUTPUT;
    }
    return 0;
  }
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
      sizeof(tmp))
  {
    fprintf(stderr, "hustings: output path too long: %s\n", path);
    return EXIT_OUTPUT;
  }
  {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    fp = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!fp && fd >= 0) close(fd);
  }
  if (!fp) {
    fprintf(stderr, "hustings: %s: %s\n", tmp, strerror(errno));
    return EXIT_OUTPUT;
  }
  st = produce(j, f, fp);
  if (!st && (fflush(fp) != 0 || fsync(fileno(fp)) != 0)) st = STV_EIO;
  if (fclose(fp) != 0 && !st) st = STV_EIO;
  if (st || rename(tmp, path) != 0) {
    fprintf(stderr, "hustings: cannot write %s\n", path);
    remove(tmp);
    return EXIT_OUTPUT;
  }
  return 0;
}

static int exit_for(stv_status st) {
  switch (st) {
  case STV_EIO:
  case STV_ESYNTAX:
  case STV_ELIMIT:
  case STV_EBALLOT:
  case STV_ECONSTRAINT:
    return EXIT_INPUT;
  case STV_EINVAL:
    return EXIT_USAGE;
  default:
    return EXIT_COUNT;
  }
}

enum { MODE_COUNT = 0, MODE_WHATIF, MODE_RANK };

/* Standard input is read whole (up to this much) to hash it before parsing. */
#define MAX_STDIN ((size_t)1 << 32)

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Reads the ballots (BLT, or CSV when input says so or the name ends in
** .csv).  With hash, the SHA-256 of the bytes read and the file's name go
** into the options for the HTML report. */
static stv_status read_election(const char *path, const char *input,
                                int seats, int hash, stv_options *opts,
                                stv_election **e, stv_error *err) {
  int csv = input ? strcmp(input, "csv") == 0 : ends_with(path, ".csv");
  char hex[65];
  stv_status st;
  if (hash && strcmp(path, "-") == 0) {
    size_t len = 0;
    char *data = NULL;
    if ((st = hus_read_all("-", MAX_STDIN, &data, &len, err)) != STV_OK)
      return st;
    hus_sha256_mem(data, len, hex);
    st = csv ? stv_election_parse_csv(data, len, "-", seats, e, err)
             : stv_election_parse_blt(data, len, "-", e, err);
    free(data);
    if (st == STV_OK)
      st = stv_options_set_source(opts, "standard input", hex[0] ? hex : NULL);
    return st;
  }
  st = csv ? stv_election_read_csv(path, seats, e, err)
           : stv_election_read_blt(path, e, err);
  if (st == STV_OK && hash) {
    /* read again for the hash: cheap next to the count, and only asked for
    ** with the HTML report */
    if (hus_sha256_file(path, hex) != 0) {
      snprintf(err->file, sizeof(err->file), "%s", path);
      snprintf(err->msg, sizeof(err->msg), "%.200s: cannot read the file "
               "again to hash it: %s", path, strerror(errno));
      stv_election_free(*e);
      *e = NULL;
      return STV_EIO;
    }
    st = stv_options_set_source(opts, base_name(path), hex);
  }
  return st;
}

/* Casual vacancy: reads the previous result and sets the options for the
** count that fills the seat of member `vacate`.  Returns an exit status. */
static int prepare_vacancy(const char *path, int vacate, int highest,
                           const char *rules_given, int seats_given,
                           const stv_election *e, stv_options *o,
                           hus_previous *prev) {
  char msg[512], num[16];
  stv_error err;
  stv_status st = hus_previous_read(path, prev, msg, sizeof(msg));
  int i, found = 0;
  memset(&err, 0, sizeof(err));
  if (st) {
    fprintf(stderr, "hustings: %s\n", msg);
    return st == STV_ENOMEM ? EXIT_COUNT : EXIT_INPUT;
  }
  if (prev->ncand != stv_election_candidates(e)) {
    fprintf(stderr, "hustings: %s: expected a result for %d candidates, "
                    "found %d\n",
            path, stv_election_candidates(e), prev->ncand);
    return EXIT_INPUT;
  }
  if (rules_given && strcmp(rules_given, prev->rules) != 0) {
    fprintf(stderr, "hustings: %s was counted under %s, not %s\n", path,
            prev->rules, rules_given);
    return EXIT_INPUT;
  }
  if (seats_given && seats_given != prev->seats) {
    fprintf(stderr, "hustings: %s filled %d seats, not %d\n", path,
            prev->seats, seats_given);
    return EXIT_INPUT;
  }
  for (i = 0; i < prev->nelected; i++) found |= prev->elected[i] == vacate;
  if (!found) {
    fprintf(stderr, "hustings: --vacate %d: candidate %d was not elected in "
                    "%s\n",
            vacate, vacate, path);
    return EXIT_INPUT;
  }
  snprintf(num, sizeof(num), "%d", prev->seats);
  st = stv_options_set(o, "rules", prev->rules, &err);
  if (!st) st = stv_options_set(o, "seats", num, &err);
  for (i = 0; !st && !highest && i < prev->nelected; i++) {
    if (prev->elected[i] == vacate) continue;
    snprintf(num, sizeof(num), "%d", prev->elected[i]);
    st = stv_options_set(o, "hold", num, &err);
  }
  if (st) {
    fprintf(stderr, "hustings: %s\n", err.msg[0] ? err.msg : stv_strerror(st));
    return EXIT_COUNT;
  }
  return 0;
}

/* Whether the count elected the same candidates as prev (any order). */
static int same_elected(const stv_result *r, const hus_previous *prev) {
  int n, i, j;
  const int *el = stv_result_elected(r, &n);
  if (n != prev->nelected) return 0;
  for (i = 0; i < n; i++) {
    int found = 0;
    for (j = 0; j < n; j++) found |= el[i] == prev->elected[j];
    if (!found) return 0;
  }
  return 1;
}

static int cmd_count(int argc, char **argv, int mode) {
  static const struct option longopts[] = {
      {"rules", required_argument, NULL, 'r'},
      {"seats", required_argument, NULL, 's'},
      {"format", required_argument, NULL, 'f'},
      {"ties", required_argument, NULL, 't'},
      {"quota", required_argument, NULL, 'q'},
      {"decimals", required_argument, NULL, 'd'},
      {"equal", required_argument, NULL, 'e'},
      {"repeat", required_argument, NULL, 'p'},
      {"skipped", required_argument, NULL, 'k'},
      {"withdraw", required_argument, NULL, 'w'},
      {"arith", required_argument, NULL, 'a'},
      {"truncate", required_argument, NULL, 'T'},
      {"constraints", required_argument, NULL, 'C'},
      {"doom", required_argument, NULL, 'D'},
      {"hold", required_argument, NULL, 'H'},
      {"vacate", required_argument, NULL, 'V'},
      {"previous", required_argument, NULL, 'P'},
      {"fill", required_argument, NULL, 'F'},
      {"ron", required_argument, NULL, 'R'},
      {"input", required_argument, NULL, 'i'},
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  stv_options *opts = NULL;
  stv_election *e = NULL;
  stv_result *res = NULL;
  stv_error err;
  stv_format fmt = STV_FORMAT_TEXT;
  const char *input = NULL, *outpath = NULL, *path, *conpath = NULL;
  const char *prevpath = NULL, *rules_given = NULL;
  int vacate = 0, fill_highest = 0;
  hus_previous prev;
  int ch, rc = 0, seats = 0;
  stv_status st;
  memset(&err, 0, sizeof(err));
  if (stv_options_create(&opts) != STV_OK) {
    fprintf(stderr, "hustings: out of memory\n");
    return EXIT_COUNT;
  }
  optind = 1;
  while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
    const char *key = NULL;
    switch (ch) {
    case 'r': key = "rules"; rules_given = optarg; break;
    case 's': key = "seats"; break;
    case 't': key = "ties"; break;
    case 'q': key = "quota"; break;
    case 'd': key = "decimals"; break;
    case 'e': key = "equal"; break;
    case 'p': key = "repeat"; break;
    case 'k': key = "skipped"; break;
    case 'w': key = "withdraw"; break;
    case 'a': key = "arith"; break;
    case 'T': key = "truncate"; break;
    case 'D': key = "doom"; break;
    case 'H': key = "hold"; break;
    case 'C': conpath = optarg; break;
    case 'V': key = "vacate"; vacate = (int)strtol(optarg, NULL, 10); break;
    case 'P': prevpath = optarg; break;
    case 'F': key = "fill"; fill_highest = strcmp(optarg, "highest") == 0;
      break;
    case 'R': key = "ron"; break;
    case 'f':
      if (strcmp(optarg, "text") == 0) fmt = STV_FORMAT_TEXT;
      else if (strcmp(optarg, "json") == 0) fmt = STV_FORMAT_JSON;
      else if (strcmp(optarg, "csv") == 0) fmt = STV_FORMAT_CSV;
      else if (strcmp(optarg, "html") == 0) fmt = STV_FORMAT_HTML;
      else if (strcmp(optarg, "rctab") == 0) fmt = STV_FORMAT_RCTAB;
      else rc = usage_error("--format %s: expected text, json, csv, html "
                            "or rctab", optarg);
      break;
    case 'i':
      if (strcmp(optarg, "blt") && strcmp(optarg, "csv"))
        rc = usage_error("--input %s: expected blt or csv", optarg);
      input = optarg;
      break;
    case 'o': outpath = optarg; break;
    case 'h':
      fputs(usage_text, stdout);
      stv_options_free(opts);
      return 0;
    default: rc = EXIT_USAGE; break;
    }
    if (key) {
      st = stv_options_set(opts, key, optarg, &err);
      if (st) {
        fprintf(stderr, "hustings: %s\n", err.msg[0] ? err.msg
                                                     : stv_strerror(st));
        rc = EXIT_USAGE;
      }
      if (strcmp(key, "seats") == 0 && !st) seats = (int)strtol(optarg, NULL, 10);
    }
    if (rc) break;
  }
  if (!rc && (vacate > 0) != (prevpath != NULL))
    rc = usage_error("%s", "--vacate N and --previous RESULT.json go together");
  if (!rc && vacate && mode != MODE_COUNT)
    rc = usage_error("%s", "--vacate is an option of count");
  if (!rc && optind != argc - 1)
    rc = usage_error("%s", optind >= argc ? "count needs one FILE"
                                          : "count takes one FILE");
  if (rc) {
    if (rc == EXIT_USAGE && ch == '?') fputs("Try 'hustings --help'.\n", stderr);
    stv_options_free(opts);
    return rc;
  }
  path = argv[optind];
  st = read_election(path, input, seats, fmt == STV_FORMAT_HTML, opts, &e,
                     &err);
  if (st) {
    report(&err, st);
    stv_options_free(opts);
    return st == STV_ENOMEM ? EXIT_COUNT : EXIT_INPUT;
  }
  memset(&err, 0, sizeof(err));
  if (prevpath) {
    rc = prepare_vacancy(prevpath, vacate, fill_highest, rules_given, seats,
                         e, opts, &prev);
    if (rc) {
      stv_election_free(e);
      stv_options_free(opts);
      return rc;
    }
  }
  if (conpath) {
    stv_constraints *k = NULL;
    st = stv_constraints_read(e, conpath, &k, &err);
    if (st == STV_OK) st = stv_options_set_constraints(opts, k);
    stv_constraints_free(k);
    if (st) {
      report(&err, st);
      stv_election_free(e);
      stv_options_free(opts);
      return exit_for(st);
    }
  }
  if (mode == MODE_WHATIF) {
    job j = {NULL, NULL, e, opts};
    if (fmt == STV_FORMAT_CSV || fmt == STV_FORMAT_RCTAB) {
      rc = usage_error("%s", "whatif writes text, json or html");
    } else
      rc = output(&j, fmt, outpath);
  } else if (mode == MODE_RANK) {
    stv_ranking *rk = NULL;
    if (fmt == STV_FORMAT_CSV || fmt == STV_FORMAT_RCTAB)
      rc = usage_error("%s", "rank writes text, json or html");
    else if ((st = stv_rank(e, opts, &rk, &err))) {
      report(&err, st);
      rc = exit_for(st);
    } else {
      job j = {NULL, rk, e, opts};
      rc = output(&j, fmt, outpath);
    }
    stv_ranking_free(rk);
  } else {
    st = stv_count(e, opts, &res, &err);
    if (st) {
      report(&err, st);
      rc = exit_for(st);
    } else if (prevpath && fill_highest && !same_elected(res, &prev)) {
      fprintf(stderr, "hustings: %s: expected the result of this count "
                      "(same ballots and options): it elected others\n",
              prevpath);
      rc = EXIT_INPUT;
    } else {
      job j = {res, NULL, e, opts};
      rc = output(&j, fmt, outpath);
    }
  }
  stv_result_free(res);
  stv_election_free(e);
  stv_options_free(opts);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("hustings %s\n", HUSTINGS_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "rules") == 0) return cmd_rules();
  if (strcmp(argv[1], "count") == 0)
    return cmd_count(argc - 1, argv + 1, MODE_COUNT);
  if (strcmp(argv[1], "whatif") == 0)
    return cmd_count(argc - 1, argv + 1, MODE_WHATIF);
  if (strcmp(argv[1], "rank") == 0)
    return cmd_count(argc - 1, argv + 1, MODE_RANK);
  if (strcmp(argv[1], "convert") == 0)
    return hus_convert_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "serve") == 0) return web_serve_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "demo") == 0) return web_demo_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "audit-verify") == 0)
    return web_audit_verify_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "admin-link") == 0)
    return web_admin_link_main(argc - 1, argv + 1);
  if (strcmp(argv[1], "verify-results") == 0)
    return hus_verify_main(argc - 1, argv + 1);
  return usage_error("unknown command '%s'", argv[1]);
}
