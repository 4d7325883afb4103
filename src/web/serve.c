/*
** serve.c: `hustings serve`: options, the database and key file, the
** group-commit writer thread (db.c), the first administrator's setup
** link, the HTTP server, the clock thread (timetable and counts), the mail
** thread (mail.c), and a clean stop on SIGINT or SIGTERM.
**
**   hustings serve [--db FILE] [--listen ADDR:PORT] [--base-url URL]
**                  [--trust-proxy ADDR] [--port-file FILE] [--threads N]
**                  [--mail SPEC] [--idle-timeout SECONDS]
**
** Threads: main (waits for a signal), libmicrohttpd's pool (--threads),
** the writer, the clock and the mail thread.  Each owns its database
** connection; the writer, the clock and the mail thread stop after the
** HTTP server, the writer last, since the others write through it.
**
** Storage (docs/serve.md "When the disk fills or goes read-only"): at
** start the database must be writable (a one-frame probe write), else the
** command stops with status 2 and says why; once running, a full disk or
** a read-only file system fails each write with 503 and nothing saved,
** and writes work again when the storage does.  SIGXFSZ is ignored, so a
** file-size limit (RLIMIT_FSIZE) fails the write (EFBIG) instead of
** killing the process.
*/
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "mail.h"
#include "server.h"
#include "service.h"
#include "svc.h"
#include "svc_vote.h"

#define EXIT_RUN 1
#define EXIT_INPUT 2
#define EXIT_USAGE 3

#define THREADS_DEFAULT 64
#define IDLE_DEFAULT 15
#define SENDMAIL_PATH "/usr/sbin/sendmail"

static const char usage_text[] =
    "usage: hustings serve [--db FILE] [--listen ADDR:PORT] [--base-url URL]\n"
    "                      [--trust-proxy ADDR] [--port-file FILE]\n"
    "                      [--threads N] [--mail SPEC]\n"
    "                      [--idle-timeout SECONDS]\n"
    "\n"
    "Runs the election service.  Defaults: --db hustings.db (created if\n"
    "missing, with FILE.key beside it), --listen 127.0.0.1:8080.  Port 0\n"
    "takes a free port; --port-file then receives it.  Behind a TLS proxy\n"
    "give --base-url https://... and --trust-proxy with the proxy's address\n"
    "(docs/serve.md).\n"
    "--threads N: HTTP worker threads, 1 to 64 (default 64; writes from all\n"
    "of them are committed together, so more threads make bigger batches).\n"
    "--mail SPEC: how mail is sent: sendmail, sendmail:/PATH, dir:PATH or\n"
    "none (default sendmail if " SENDMAIL_PATH " is executable, else none).\n"
    "--idle-timeout SECONDS: close a connection that sends or takes nothing\n"
    "for that long, 1 to 300 (default 15).\n";

/* ADDR:PORT, ADDR being IPv4 or [IPv6]. */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
                        socklen_t *len) {
  char host[64];
  const char *colon = strrchr(s, ':');
  char *end;
  long port;
  size_t n;
  if (!colon) return 0;
  port = strtol(colon + 1, &end, 10);
  if (*end || colon[1] == 0 || port < 0 || port > 65535) return 0;
  n = (size_t)(colon - s);
  if (n >= sizeof host) return 0;
  memcpy(host, s, n);
  host[n] = 0;
  memset(ss, 0, sizeof *ss);
  if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    host[n - 1] = 0;
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) return 0;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return 0;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
  }
  return 1;
}

/* Writes the port to path through a temporary file and a rename, so a
** reader never sees half of it. */
static int write_port_file(const char *path, unsigned port) {
  char tmp[4096];
  FILE *f;
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return 0;
  f = fopen(tmp, "w");
  if (!f) return 0;
  fprintf(f, "%u\n", port);
  if (fclose(f) != 0 || rename(tmp, path) != 0) {
    remove(tmp);
    return 0;
  }
  return 1;
}

/* The start-up probe: rewrites the schema version with its own value,
** which costs one WAL frame and proves the database, its WAL and the
** file system take writes now. */
static web_status probe_fn(sqlite3 *db, void *ctx) {
  char sql[48];
  sqlite3_stmt *st = NULL;
  int rc;
  (void)ctx;
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_schema_version());
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return db_status(rc == SQLITE_DONE ? SQLITE_OK : rc);
}

static int64_t count_admins(void) {
  sqlite3 *db = db_get();
  sqlite3_stmt *st;
  int64_t n = -1;
  if (!db) return -1;
  st = db_stmt(db, "SELECT count(*) FROM admins WHERE disabled = 0");
  if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  if (st) sqlite3_reset(st);
  return n;
}

static void print_setup_link(int64_t now) {
  char tok[TOKEN_LEN + 1];
  time_t exp = (time_t)(now + 3600);
  struct tm tm;
  if (auth_setup_link_new(now, tok) != WEB_OK) {
    fprintf(stderr, "hustings: could not issue the setup link\n");
    return;
  }
  gmtime_r(&exp, &tm);
  printf("hustings: first administrator: %s/setup/%s (one use, expires "
         "%02d:%02d UTC)\n",
         web_cfg.base_url, tok, tm.tm_hour, tm.tm_min);
}

/* The clock: moves elections on at their deadlines, then counts what
** voting has closed (svc_results_tick), at once again while that finds
** work.  It wakes every second: simpler than tracking the next deadline
** and any close made from a page, and a tick that finds nothing costs two
** small queries and an empty write.  Handlers check deadlines themselves
** too, so a late tick changes nothing. */
static pthread_mutex_t clock_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t clock_cv; /* on CLOCK_MONOTONIC: see clock_start */
static int clock_stop;

static void *clock_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&clock_mu);
  while (!clock_stop) {
    struct timespec ts;
    int busy;
    pthread_mutex_unlock(&clock_mu);
    (void)svc_timetable_tick(web_now());
    busy = svc_results_tick(web_now()) > 0;
    pthread_mutex_lock(&clock_mu);
    if (busy || clock_stop) continue;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 1;
    pthread_cond_timedwait(&clock_cv, &clock_mu, &ts);
  }
  pthread_mutex_unlock(&clock_mu);
  db_close_thread();
  return NULL;
}

int web_serve_main(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'},
      {"listen", required_argument, NULL, 'l'},
      {"base-url", required_argument, NULL, 'b'},
      {"trust-proxy", required_argument, NULL, 't'},
      {"port-file", required_argument, NULL, 'p'},
      {"threads", required_argument, NULL, 'n'},
      {"mail", required_argument, NULL, 'm'},
      {"idle-timeout", required_argument, NULL, 'i'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *dbpath = "hustings.db", *listen = "127.0.0.1:8080";
  const char *portfile = NULL, *base = NULL, *mail = NULL;
  struct sockaddr_storage ss;
  socklen_t sslen;
  struct MHD_Daemon *d;
  pthread_t clock;
  sigset_t sigs;
  char err[512];
  unsigned port, threads = THREADS_DEFAULT, idle = IDLE_DEFAULT;
  int c, sig, failed = 0;
  memset(&web_cfg, 0, sizeof web_cfg);
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'd': dbpath = optarg; break;
    case 'l': listen = optarg; break;
    case 'b': base = optarg; break;
    case 'p': portfile = optarg; break;
    case 'm': mail = optarg; break;
    case 't': { /* kept in inet_ntop's form, as peers are compared */
      struct in6_addr a6;
      struct in_addr a4;
      if (inet_pton(AF_INET, optarg, &a4) == 1)
        inet_ntop(AF_INET, &a4, web_cfg.trust_proxy,
                  sizeof web_cfg.trust_proxy);
      else if (inet_pton(AF_INET6, optarg, &a6) == 1)
        inet_ntop(AF_INET6, &a6, web_cfg.trust_proxy,
                  sizeof web_cfg.trust_proxy);
      else {
        fprintf(stderr, "hustings serve: --trust-proxy '%s': expected an IP "
                "address\n", optarg);
        return EXIT_USAGE;
      }
      break;
    }
    case 'n': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 64) {
        fprintf(stderr, "hustings serve: --threads: expected 1 to 64\n");
        return EXIT_USAGE;
      }
      threads = (unsigned)v;
      break;
    }
    case 'i': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 300) {
        fprintf(stderr, "hustings serve: --idle-timeout: expected 1 to 300 "
                "seconds\n");
        return EXIT_USAGE;
      }
      idle = (unsigned)v;
      break;
    }
    case 'h': fputs(usage_text, stdout); return 0;
    default: fputs(usage_text, stderr); return EXIT_USAGE;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "hustings serve: unexpected argument '%s'\n%s",
            argv[optind], usage_text);
    return EXIT_USAGE;
  }
  if (!parse_listen(listen, &ss, &sslen)) {
    fprintf(stderr, "hustings serve: --listen '%s': expected ADDR:PORT, such "
            "as 127.0.0.1:8080 or [::1]:8080\n", listen);
    return EXIT_USAGE;
  }
  if (base && (strlen(base) >= sizeof web_cfg.base_url ||
               (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)))) {
    fprintf(stderr, "hustings serve: --base-url '%s': expected http://... or "
            "https://...\n", base);
    return EXIT_USAGE;
  }
  if (!mail) mail = access(SENDMAIL_PATH, X_OK) == 0 ? "sendmail" : "none";
  if (mail_configure(mail, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "hustings serve: %s\n", err);
    return EXIT_USAGE;
  }
  /* a file-size limit gives EFBIG (a failed write) rather than a kill */
  signal(SIGXFSZ, SIG_IGN);
  if (db_init(dbpath, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "hustings serve: %s\n", err);
    return EXIT_INPUT;
  }
  {
    web_status ps = db_write(probe_fn, NULL);
    if (ps != WEB_OK) {
      sqlite3 *db = db_get();
      int ro = db && sqlite3_db_readonly(db, "main") == 1;
      fprintf(stderr, "hustings serve: %s: cannot write the database%s: "
              "%s (docs/serve.md, \"When the disk fills or goes "
              "read-only\")\n", dbpath,
              ro ? " (it is read-only: a read-only file system, or no "
                   "permission to write)" : "",
              ps == WEB_EIO ? "the disk is full, the file system is "
                              "read-only, or a write failed"
                            : web_strerror(ps));
      db_close_thread();
      return EXIT_INPUT;
    }
  }
  if (auth_load_key(dbpath, err, sizeof err) != WEB_OK) {
    fprintf(stderr, "hustings serve: %s\n", err);
    db_close_thread();
    return EXIT_INPUT;
  }
  /* from here on every write goes through the writer thread */
  if (db_writer_start() != WEB_OK) {
    fprintf(stderr, "hustings serve: cannot start the database writer\n");
    db_close_thread();
    return EXIT_RUN;
  }
  ratelimit_init();
  /* signals are taken by sigwait below; threads inherit the mask */
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  d = server_start((const struct sockaddr *)&ss, threads, idle);
  if (!d) {
    fprintf(stderr, "hustings serve: cannot listen on %s: %s\n", listen,
            strerror(errno));
    db_writer_stop();
    db_close_thread();
    return EXIT_RUN;
  }
  port = server_port(d);
  if (base) {
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "%.*s", (int)n, base);
  } else {
    char host[INET6_ADDRSTRLEN + 2];
    /* listen is the default or a required argument's optarg: not NULL */
    /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): see above */
    const char *colon = strrchr(listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "http://%s:%u",
             strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, port);
  }
  web_cfg.secure = strncmp(web_cfg.base_url, "https://", 8) == 0;
  printf("hustings: serving %s/ (database %s)\n", web_cfg.base_url, dbpath);
  if (count_admins() == 0) print_setup_link(web_now());
  fflush(stdout);
  {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* immune to clock steps */
    pthread_cond_init(&clock_cv, &ca);
    pthread_condattr_destroy(&ca);
  }
  if (pthread_create(&clock, NULL, clock_main, NULL) != 0) {
    fprintf(stderr, "hustings serve: cannot start the timetable clock\n");
    server_stop(d);
    db_writer_stop();
    db_close_thread();
    return EXIT_RUN;
  }
  if (mail_start() != WEB_OK) {
    fprintf(stderr, "hustings serve: cannot start the mail thread\n");
    failed = 1;
  }
  if (failed) {
    sig = SIGTERM;
  } else if (portfile && !write_port_file(portfile, port)) {
    fprintf(stderr, "hustings serve: cannot write %s: %s\n", portfile,
            strerror(errno));
    failed = 1;
    sig = SIGTERM;
  } else
    sigwait(&sigs, &sig);
  server_stop(d);
  pthread_mutex_lock(&clock_mu);
  clock_stop = 1;
  pthread_cond_signal(&clock_cv);
  pthread_mutex_unlock(&clock_mu);
  pthread_join(clock, NULL);
  mail_stop();
  db_writer_stop(); /* last: the others write through it */
  db_close_thread();
  if (portfile && !failed) remove(portfile);
  printf("hustings: stopped (%s)\n", sig == SIGINT ? "interrupt" : "terminate");
  return failed ? EXIT_RUN : 0;
}
