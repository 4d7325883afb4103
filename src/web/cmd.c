/*
** cmd.c: the service's small maintenance commands, called from
** src/cli/main.c (see service.h for the exit statuses):
**
**   hustings audit-verify [--db FILE]
**       re-checks the whole audit chain; prints "ok: N entries, head HASH"
**       (exit 0) or "audit log broken at entry SEQ" on stderr (exit 2).
**   hustings admin-link [--db FILE] [--base-url URL]
**       issues a new first-administrator setup link (older unused links
**       stop working) and prints BASE/setup/TOKEN; one use, one hour.
**       Shell access to the database is the trust here.
**
** Both refuse a database file that does not exist (they never create
** one), and apply pending migrations like serve does.
*/
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "service.h"
#include "web.h"

#define EXIT_RUN 1
#define EXIT_INPUT 2
#define EXIT_USAGE 3

static const char verify_usage[] =
    "usage: hustings audit-verify [--db FILE]\n"
    "  Re-checks every entry of the audit log's hash chain.\n"
    "  --db FILE   the service database (default hustings.db)\n";

static const char link_usage[] =
    "usage: hustings admin-link [--db FILE] [--base-url URL]\n"
    "  Issues a setup link for the first administrator (one use, one hour;\n"
    "  any older unused link stops working).\n"
    "  --db FILE        the service database (default hustings.db)\n"
    "  --base-url URL   the service's public address\n"
    "                   (default http://127.0.0.1:8080)\n";

/* Opens an existing database (migrating it if needed). */
static int open_db(const char *path) {
  char err[512];
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fprintf(stderr, "hustings: %s: no such database\n", path);
    return EXIT_INPUT;
  }
  if (db_init(path, err, sizeof(err)) != WEB_OK) {
    fprintf(stderr, "hustings: %s\n", err);
    return EXIT_INPUT;
  }
  return 0;
}

int web_audit_verify_main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *path = "hustings.db";
  char head[65];
  int64_t n = 0, bad = 0;
  int ch, rc;
  web_status s;
  sqlite3 *db;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'd': path = optarg; break;
    case 'h': fputs(verify_usage, stdout); return 0;
    default: fputs(verify_usage, stderr); return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "hustings: audit-verify: unexpected argument %s\n",
            argv[optind]);
    return EXIT_USAGE;
  }
  rc = open_db(path);
  if (rc) return rc;
  db = db_get();
  s = db ? audit_verify(db, &n, head, &bad) : WEB_EDB;
  if (s == WEB_OK) {
    printf("ok: %lld entries, head %s\n", (long long)n, head);
  } else if (s == WEB_ECONFLICT) {
    fprintf(stderr, "audit log broken at entry %lld\n", (long long)bad);
    rc = EXIT_INPUT;
  } else {
    fprintf(stderr, "hustings: audit-verify: %s\n", web_strerror(s));
    rc = EXIT_RUN;
  }
  db_close_thread();
  return rc;
}

/* http:// or https:// followed by something; trailing slashes dropped. */
static int base_url_ok(const char *u, size_t *len) {
  size_t n = strlen(u);
  size_t scheme = strncmp(u, "https://", 8) == 0   ? 8
                  : strncmp(u, "http://", 7) == 0 ? 7
                                                  : 0;
  if (!scheme || n <= scheme || n > 1024) return 0;
  while (n > scheme && u[n - 1] == '/') n--;
  if (n == scheme) return 0;
  *len = n;
  return 1;
}

int web_admin_link_main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'},
      {"base-url", required_argument, NULL, 'b'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *path = "hustings.db", *base = "http://127.0.0.1:8080";
  char err[512], token[TOKEN_LEN + 1], when[32];
  size_t blen = 0;
  int ch, rc;
  int64_t now;
  time_t exp;
  struct tm tm;
  web_status s;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (ch) {
    case 'd': path = optarg; break;
    case 'b': base = optarg; break;
    case 'h': fputs(link_usage, stdout); return 0;
    default: fputs(link_usage, stderr); return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "hustings: admin-link: unexpected argument %s\n",
            argv[optind]);
    return EXIT_USAGE;
  }
  if (!base_url_ok(base, &blen)) {
    fprintf(stderr, "hustings: --base-url %s: expected http://HOST[:PORT] "
            "or https://HOST\n", base);
    return EXIT_USAGE;
  }
  rc = open_db(path);
  if (rc) return rc;
  if (auth_load_key(path, err, sizeof(err)) != WEB_OK) {
    fprintf(stderr, "hustings: %s\n", err);
    db_close_thread();
    return EXIT_INPUT;
  }
  now = web_now();
  s = auth_setup_link_new(now, token);
  db_close_thread();
  if (s != WEB_OK) {
    fprintf(stderr, "hustings: admin-link: %s\n", web_strerror(s));
    return EXIT_RUN;
  }
  exp = (time_t)(now + SETUP_LINK_TTL);
  if (!gmtime_r(&exp, &tm) ||
      !strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm))
    snprintf(when, sizeof(when), "in an hour");
  printf("%.*s/setup/%s\n", (int)blen, base, token);
  printf("One use; it expires in an hour (%s).\n", when);
  return 0;
}
