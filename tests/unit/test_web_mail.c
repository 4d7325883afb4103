/*
** test_web_mail.c: the outbox sender (src/web/mail.c).  mail_format:
** the headers in order, the Date format, RFC 2047 words for a subject
** that is not ASCII (split on character boundaries, decoding back to the
** subject), CR/LF injection and implausible addresses refused with the
** buffer untouched, body lines wrapped at 78 without breaking a link.
** mail_configure's refusals.  On a fresh database per test: dir: delivery
** (the .eml, mode 0600, no temp file left; the row marked sent with its
** body blanked; rows not due or settled left alone), and a fake sendmail
** (shell scripts written into a temp directory) for the argv and stdin,
** retry scheduling through all 8 tries, permanent failures, a child
** killed by a signal, the child's signals (SIGPIPE default, nothing
** blocked, as serve ignores and blocks some), a child that exits
** without reading (EPIPE: the test process survives), one bad row among
** good ones, the rows of an election that has left voting, batches of MAIL_BATCH, and the thread
** (start, wake, stop at once, also in the middle of a paced batch, with
** the group-commit writer running).
*/
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "http.h"
#include "mail.h"
#include "web.h"
#include "web_fixture.h"

#define FROM "hustings@vote.example.org"

/* Appends s to buf (NUL-terminated, cap bytes), cutting at the cap. */
static void append(char *buf, size_t cap, const char *s) {
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n, "%s", s);
}

/* 1 if needle occurs in hay[0..n). */
static int has(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), i;
  for (i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0) return 1;
  return 0;
}

/* ---------------------------------------------------------- mail_format */

/* Formats into a fresh buffer; the caller frees it. */
static web_status fmt(wbuf *b, const char *to, const char *subject,
                      const char *body, int64_t now, int crlf) {
  wbuf_init(b, MAIL_MSG_MAX);
  return mail_format(b, FROM, to, subject, body, now, crlf);
}

static void test_format_headers(void **state) {
  wbuf a, b;
  const char *p;
  size_t i;
  (void)state;
  assert_int_equal(fmt(&a, "ada@example.org",
                       "Your vote: Steering committee 2027",
                       "Dear Ada,\nline two\n", INT64_C(1805302800), 0),
                   WEB_OK);
  p = wbuf_str(&a);
  assert_memory_equal(p,
                      "From: hustings <hustings@vote.example.org>\n"
                      "To: ada@example.org\n"
                      "Subject: Your vote: Steering committee 2027\n"
                      "Date: Wed, 17 Mar 2027 17:00:00 +0000\n"
                      "Message-ID: <",
                      strlen("From: hustings <hustings@vote.example.org>\n"
                             "To: ada@example.org\n"
                             "Subject: Your vote: Steering committee 2027\n"
                             "Date: Wed, 17 Mar 2027 17:00:00 +0000\n"
                             "Message-ID: <"));
  p = strstr(p, "Message-ID: <") + 13;
  for (i = 0; i < 32; i++) assert_non_null(strchr("0123456789abcdef", p[i]));
  assert_string_equal(p + 32,
                      "@vote.example.org>\n"
                      "MIME-Version: 1.0\n"
                      "Content-Type: text/plain; charset=UTF-8\n"
                      "Content-Transfer-Encoding: 8bit\n"
                      "Auto-Submitted: auto-generated\n"
                      "\n"
                      "Dear Ada,\nline two\n");
  assert_null(strchr(wbuf_str(&a), '\r'));
  /* a fresh Message-ID each time */
  assert_int_equal(fmt(&b, "ada@example.org", "s", "x", 0, 0), WEB_OK);
  assert_memory_not_equal(strstr(wbuf_str(&a), "Message-ID"),
                          strstr(wbuf_str(&b), "Message-ID"), 45);
  wbuf_free(&b);
  /* CRLF: every line end is CR LF, the body's too; a missing final line
  ** end is added */
  assert_int_equal(fmt(&b, "ada@example.org", "s", "one\ntwo", 0, 1),
                   WEB_OK);
  p = wbuf_str(&b);
  for (i = 0; p[i]; i++)
    if (p[i] == '\n') assert_int_equal(p[i - 1], '\r');
  assert_non_null(strstr(p, "\r\n\r\none\r\ntwo\r\n"));
  assert_int_equal(p[b.len - 1], '\n');
  wbuf_free(&a);
  wbuf_free(&b);
}

static void test_format_date(void **state) {
  static const struct {
    int64_t t;
    const char *date;
  } c[] = {{0, "Date: Thu, 01 Jan 1970 00:00:00 +0000\n"},
           {INT64_C(1835440496), "Date: Tue, 29 Feb 2028 12:34:56 +0000\n"},
           {INT64_C(1805302800), "Date: Wed, 17 Mar 2027 17:00:00 +0000\n"}};
  size_t i;
  wbuf b;
  (void)state;
  for (i = 0; i < sizeof c / sizeof c[0]; i++) {
    assert_int_equal(fmt(&b, "a@b.org", "s", "x", c[i].t, 0), WEB_OK);
    assert_non_null(strstr(wbuf_str(&b), c[i].date));
    wbuf_free(&b);
  }
  /* a time before the epoch cannot be a Date */
  assert_int_equal(fmt(&b, "a@b.org", "s", "x", -1, 0), WEB_EINVALID);
  wbuf_free(&b);
}

/* Decodes the Subject header of msg (unfolded) as RFC 2047 B words into
** out; checks each word's size and each line's length. */
static void decode_subject(const char *msg, char *out, size_t cap,
                           int *words) {
  const char *p = strstr(msg, "\nSubject:") + 9, *end;
  size_t len = 0;
  *words = 0;
  end = p;
  /* the header runs until a line that does not start with a space */
  while ((end = strchr(end, '\n')) && end[1] == ' ') end++;
  assert_non_null(end);
  while (p < end) {
    const char *w = strstr(p, "=?UTF-8?B?"), *q;
    unsigned char bin[64];
    size_t n;
    if (!w || w >= end) break;
    q = strstr(w + 10, "?=");
    assert_non_null(q);
    assert_true(q + 2 - w <= 75); /* RFC 2047 §2 */
    assert_int_equal(sodium_base642bin(bin, sizeof bin, w + 10,
                                       (size_t)(q - w - 10), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_true(utf8_valid((const char *)bin, n)); /* no split character */
    assert_true(len + n < cap);
    memcpy(out + len, bin, n);
    len += n;
    (*words)++;
    p = q + 2;
  }
  out[len] = '\0';
  /* no header line longer than 78 */
  for (p = strstr(msg, "\nSubject:") + 1; p < end;) {
    const char *nl = strchr(p, '\n');
    assert_true(nl - p <= 78);
    p = nl + 1;
  }
}

static void test_format_rfc2047(void **state) {
  char sub[600], got[700];
  int words;
  size_t i;
  wbuf b;
  (void)state;
  assert_int_equal(fmt(&b, "a@b.org", "Élection — vote", "x", 0, 0), WEB_OK);
  assert_non_null(strstr(wbuf_str(&b),
                         "\nSubject: =?UTF-8?B?w4lsZWN0aW9uIOKAlCB2b3Rl?=\n"));
  wbuf_free(&b);
  /* a long one: several words, none splitting a character */
  sub[0] = '\0';
  for (i = 0; i < 12; i++)
    append(sub, sizeof sub, "Élection du comité — vote ✓ 😀 ");
  assert_int_equal(fmt(&b, "a@b.org", sub, "x", 0, 0), WEB_OK);
  decode_subject(wbuf_str(&b), got, sizeof got, &words);
  assert_string_equal(got, sub);
  assert_true(words > 5);
  wbuf_free(&b);
  /* ASCII that holds "=?" is encoded too, so no reader decodes it */
  assert_int_equal(fmt(&b, "a@b.org", "a =?UTF-8?B?QQ==?= b", "x", 0, 0),
                   WEB_OK);
  decode_subject(wbuf_str(&b), got, sizeof got, &words);
  assert_string_equal(got, "a =?UTF-8?B?QQ==?= b");
  assert_int_equal(words, 1);
  wbuf_free(&b);
  /* so is ASCII with a word too long to fold (no line past 78) */
  memset(sub, 'x', 500);
  sub[500] = '\0';
  assert_int_equal(fmt(&b, "a@b.org", sub, "x", 0, 0), WEB_OK);
  decode_subject(wbuf_str(&b), got, sizeof got, &words);
  assert_string_equal(got, sub);
  wbuf_free(&b);
  /* plain ASCII stays plain, folded before a space past 78 */
  memset(sub, 0, sizeof sub);
  for (i = 0; i < 20; i++) append(sub, sizeof sub, "word ");
  sub[strlen(sub) - 1] = '\0';
  assert_int_equal(fmt(&b, "a@b.org", sub, "x", 0, 0), WEB_OK);
  {
    const char *p = strstr(wbuf_str(&b), "\nSubject: word word") + 1;
    const char *nl = strchr(p, '\n');
    char unf[200];
    size_t n = 0;
    assert_null(strstr(wbuf_str(&b), "=?"));
    assert_true(nl - p <= 78);
    assert_int_equal(nl[1], ' '); /* folded: the space leads the next line */
    /* unfolding (removing the line ends) gives the subject back */
    for (p += 9; !(p[0] == '\n' && p[1] != ' '); p++)
      if (*p != '\n') unf[n++] = *p;
    unf[n] = '\0';
    assert_string_equal(unf, sub);
  }
  wbuf_free(&b);
}

static void test_format_refuses(void **state) {
  static const char *const bad_to[] = {
      "ada@example.org\nBcc: eve@example.org", "ada@example.org\r",
      "ada@example.org, eve@example.org", "Ada <ada@example.org>", "ada",
      "", "ada@localhost", "@example.org"};
  static const char *const bad_subject[] = {
      "Hi\r\nBcc: eve@example.org", "Hi\nthere", "Hi\rthere", "bell\a",
      "\xff\xfe not UTF-8"};
  size_t i;
  wbuf b;
  (void)state;
  wbuf_init(&b, MAIL_MSG_MAX);
  wbuf_puts(&b, "kept");
  for (i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++)
    assert_int_equal(mail_format(&b, FROM, bad_to[i], "s", "x", 0, 0),
                     WEB_EINVALID);
  for (i = 0; i < sizeof bad_subject / sizeof bad_subject[0]; i++)
    assert_int_equal(
        mail_format(&b, FROM, "ada@example.org", bad_subject[i], "x", 0, 0),
        WEB_EINVALID);
  assert_int_equal(mail_format(&b, "hustings@x.org\nBcc: e@x.org",
                               "ada@example.org", "s", "x", 0, 0),
                   WEB_EINVALID);
  assert_int_equal(mail_format(&b, "hustings", "ada@example.org", "s", "x",
                               0, 0),
                   WEB_EINVALID);
  assert_int_equal(mail_format(&b, FROM, "ada@example.org", "s",
                               "body \xc3 not UTF-8", 0, 0),
                   WEB_EINVALID);
  assert_string_equal(wbuf_str(&b), "kept"); /* untouched */
  assert_int_equal(b.err, 0);
  /* a TAB is allowed; so is a non-ASCII address (the MTA decides) */
  assert_int_equal(mail_format(&b, FROM, "zoë@example.org", "a\tb", "x", 0,
                               0),
                   WEB_OK);
  wbuf_free(&b);
}

static void test_format_wrap(void **state) {
  char url[160], body[1600], prose[900];
  const char *p;
  size_t i;
  wbuf b;
  (void)state;
  snprintf(url, sizeof url, "https://vote.example.org/v/");
  for (i = 0; i < 100; i++) url[27 + i] = (char)('A' + i % 26);
  url[127] = '\0';
  prose[0] = '\0';
  for (i = 0; i < 60; i++)
    append(prose, sizeof prose, i % 7 ? "ballot " : "élection ");
  prose[strlen(prose) - 1] = '\0';
  snprintf(body, sizeof body,
           "Your link:\n  %s\nOr: %s today\r\n%s\rend", url, url, prose);
  assert_int_equal(fmt(&b, "a@b.org", "s", body, 0, 0), WEB_OK);
  p = strstr(wbuf_str(&b), "\n\n") + 2;
  /* the link is whole, on its own line, indentation kept */
  {
    char want[200];
    snprintf(want, sizeof want, "\n  %s\n", url);
    assert_non_null(strstr(p - 1, want));
    snprintf(want, sizeof want, "Or:\n%s\ntoday\n", url);
    assert_non_null(strstr(p, want));
  }
  assert_null(strchr(p, '\r'));
  /* every line but the link lines has at most 78 characters */
  {
    const char *line = p;
    char unf[1200];
    size_t n = 0;
    while (*line) {
      const char *nl = strchr(line, '\n');
      size_t chars = 0;
      const char *q;
      assert_non_null(nl);
      for (q = line; q < nl; q++)
        if (((unsigned char)*q & 0xc0) != 0x80) chars++;
      if (!has(line, (size_t)(nl - line), url))
        assert_true(chars <= 78);
      line = nl + 1;
    }
    /* the prose, rejoined with spaces, is the prose */
    line = strstr(p, "today\n") + 6;
    for (; strncmp(line, "end\n", 4); line++)
      unf[n++] = *line == '\n' ? ' ' : *line;
    unf[n - 1] = '\0';
    assert_string_equal(unf, prose);
    assert_string_equal(line, "end\n");
  }
  wbuf_free(&b);
}

static void test_configure(void **state) {
  static const char *const bad[] = {"smtp://mail.example.org:587",
                                    "smtps://mail.example.org",
                                    "bogus",
                                    "",
                                    "dir:",
                                    "dir:/nonexistent/hustings-mail",
                                    "sendmail:relative/path",
                                    "sendmail:/nonexistent/sendmail",
                                    "sendmail:/tmp"};
  char err[256];
  size_t i;
  (void)state;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(mail_configure(bad[i], err, sizeof err), WEB_EINVALID);
    assert_non_null(strstr(err, "--mail"));
  }
  assert_int_equal(mail_configure("smtp://h", err, sizeof err), WEB_EINVALID);
  assert_non_null(strstr(err, "SMTP"));
  assert_int_equal(mail_configure("sendmail:/nonexistent/x", err, sizeof err),
                   WEB_EINVALID);
  assert_non_null(strstr(err, "/nonexistent/x"));
  assert_int_equal(mail_configure("none", err, sizeof err), WEB_OK);
  assert_string_equal(err, "");
  assert_int_equal(mail_configure("sendmail", err, sizeof err), WEB_OK);
  assert_int_equal(mail_configure("sendmail:/bin/true", err, sizeof err),
                   WEB_OK);
  assert_int_equal(mail_configure("dir:/tmp", err, sizeof err), WEB_OK);
  assert_int_equal(mail_configure("none", err, sizeof err), WEB_OK);
  /* "none" starts no thread and sends nothing */
  assert_int_equal(mail_start(), WEB_OK);
  mail_stop();
}

/* ----------------------------------------------------- with a database */

typedef struct fx {
  wf_db *db;
  char dir[64];  /* scripts and output */
  char out[96];  /* DIR/out, for dir: */
} fx;

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  if (!f || !(f->db = wf_db_new("mail", 0))) {
    free(f);
    return -1;
  }
  snprintf(f->dir, sizeof f->dir, "/tmp/hus-mailt-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->out, sizeof f->out, "%s/out", f->dir);
  if (mkdir(f->out, 0700) != 0) return -1;
  exec_ok("INSERT INTO orgs (id, slug, name) VALUES (1, 'nsn', 'NSN');"
          "INSERT INTO elections (id, org_id, slug, title, tz, phase,"
          " created_at) VALUES (1, 1, 'e1', 'E1', 'UTC', 'voting', 0),"
          " (2, 1, 'e2', 'E2', 'UTC', 'counted', 0)");
  snprintf(web_cfg.base_url, sizeof web_cfg.base_url,
           "https://vote.example.org");
  *state = f;
  return 0;
}

/* Removes the files of dir (one level) and dir. */
static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[300];
  if (!d) return;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
  closedir(d);
  rmdir(dir);
}

static int teardown(void **state) {
  fx *f = *state;
  char err[64];
  mail_stop();
  mail_configure("none", err, sizeof err);
  rm_dir(f->out);
  rm_dir(f->dir);
  wf_db_free(f->db);
  free(f);
  return 0;
}

/* Queues a row; returns its id. */
static int64_t queue(const char *to, const char *subject, const char *body,
                     const char *kind, int64_t election_id, int64_t next_at) {
  sqlite3_stmt *st = NULL;
  sqlite3 *db = db_get();
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "INSERT INTO outbox (to_addr, subject,"
                                      " body, created_at, kind, election_id,"
                                      " next_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
  if (election_id > 0) sqlite3_bind_int64(st, 5, election_id);
  sqlite3_bind_int64(st, 6, next_at);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  return sqlite3_last_insert_rowid(db);
}

/* A column of outbox row id, as an integer (-1 when NULL) or text. */
static int64_t col(int64_t id, const char *c) {
  char sql[160];
  snprintf(sql, sizeof sql,
           "SELECT coalesce(%s, -1) FROM outbox WHERE id = %lld", c,
           (long long)id);
  return q1(sql);
}

static void col_text(int64_t id, const char *c, char *out, size_t cap) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE id = %lld", c,
           (long long)id);
  qs(sql, out, cap);
}

/* The whole of a file, malloc'd ("" for a missing file: NULL). */
static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  char *s;
  long n;
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
  s[n] = '\0';
  fclose(fp);
  if (len) *len = (size_t)n;
  return s;
}

/* Writes DIR/name (0755) from a printf format in which every %1$s is
** DIR, and configures sendmail:DIR/name. */
static void fake_sendmail(const fx *f, const char *name, const char *text) {
  char path[128], err[256];
  FILE *fp;
  const char *p;
  snprintf(path, sizeof path, "%s/%s", f->dir, name);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("#!/bin/sh\n", fp);
  for (p = text; *p; p++) { /* @ stands for DIR */
    if (*p == '@' && p[1] == '@') {
      fputs(f->dir, fp);
      p++;
    } else
      fputc(*p, fp);
  }
  fclose(fp);
  assert_int_equal(chmod(path, 0755), 0);
  /* a bare path is not a spec */
  assert_int_equal(mail_configure(path, err, sizeof err), WEB_EINVALID);
  {
    char spec[160];
    snprintf(spec, sizeof spec, "sendmail:%s", path);
    assert_int_equal(mail_configure(spec, err, sizeof err), WEB_OK);
  }
}

/* The number of entries in dir but . and .. */
static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  assert_non_null(d);
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void test_dir(void **state) {
  fx *f = *state;
  char spec[128], err[256], path[160], t[64];
  int64_t a, later, done;
  struct stat sb;
  char *m;
  snprintf(spec, sizeof spec, "dir:%s", f->out);
  assert_int_equal(mail_configure(spec, err, sizeof err), WEB_OK);
  a = queue("ada@example.org", "Your nomination", "Dear Ada,\nYour link.\n",
            "notice", 0, 0);
  later = queue("bob@example.org", "Later", "not yet", "notice", 0, 2000);
  done = queue("cy@example.org", "Sent", "already", "notice", 0, 0);
  exec_ok("UPDATE outbox SET sent_at = 5 WHERE to_addr = 'cy@example.org'");
  assert_int_equal(mail_tick(1000), 1);
  snprintf(path, sizeof path, "%s/%lld.eml", f->out, (long long)a);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  m = slurp(path, NULL);
  assert_non_null(m);
  assert_non_null(strstr(m, "From: hustings <hustings@vote.example.org>\n"));
  assert_non_null(strstr(m, "\nTo: ada@example.org\n"));
  assert_non_null(strstr(m, "\nSubject: Your nomination\n"));
  assert_non_null(strstr(m, "\n\nDear Ada,\nYour link.\n"));
  free(m);
  assert_int_equal(count_files(f->out), 1); /* no temp file left */
  assert_int_equal(col(a, "sent_at"), 1000);
  assert_int_equal(col(a, "attempts"), 1);
  assert_int_equal(col(a, "failed_at"), -1);
  col_text(a, "body", t, sizeof t);
  assert_string_equal(t, "");
  /* not due, or already sent: untouched */
  assert_int_equal(col(later, "sent_at"), -1);
  assert_int_equal(col(later, "attempts"), 0);
  col_text(later, "body", t, sizeof t);
  assert_string_equal(t, "not yet");
  assert_int_equal(col(done, "sent_at"), 5);
  col_text(done, "body", t, sizeof t);
  assert_string_equal(t, "already");
  /* nothing more is due; then the later one is */
  assert_int_equal(mail_tick(1001), 0);
  assert_int_equal(mail_tick(2000), 1);
  assert_int_equal(col(later, "sent_at"), 2000);
  assert_int_equal(count_files(f->out), 2);
  /* the directory gone: a temporary failure, retried */
  rm_dir(f->out);
  a = queue("dee@example.org", "s", "b", "notice", 0, 0);
  assert_int_equal(mail_tick(3000), 1);
  assert_int_equal(col(a, "sent_at"), -1);
  assert_int_equal(col(a, "attempts"), 1);
  assert_int_equal(col(a, "next_at"), 3060);
  col_text(a, "last_error", err, sizeof err);
  assert_non_null(strstr(err, "dir:"));
  assert_int_equal(mkdir(f->out, 0700), 0);
}

static void test_sendmail_argv_stdin(void **state) {
  fx *f = *state;
  char path[160], want[200], t[64];
  char *argv, *in;
  int64_t a;
  fake_sendmail(f, "rec",
                "printf '%s\\n' \"$0\" \"$@\" > @@/argv\n"
                "cat > @@/stdin\nexit 0\n");
  snprintf(web_cfg.base_url, sizeof web_cfg.base_url, "http://[::1]:8080");
  a = queue("ada@example.org", "Your vote: E1",
            "Dear Ada,\n.\nA lone dot above.\n", "credential", 1, 0);
  assert_int_equal(mail_tick(1000), 1);
  snprintf(path, sizeof path, "%s/argv", f->dir);
  argv = slurp(path, NULL);
  assert_non_null(argv);
  snprintf(want, sizeof want, "%s/rec\n-t\n-i\n", f->dir);
  assert_string_equal(argv, want);
  free(argv);
  snprintf(path, sizeof path, "%s/stdin", f->dir);
  in = slurp(path, NULL);
  assert_non_null(in);
  assert_memory_equal(in, "From: hustings <hustings@[::1]>\n"
                          "To: ada@example.org\n"
                          "Subject: Your vote: E1\n"
                          "Date: Thu, 01 Jan 1970 00:16:40 +0000\n",
                      strlen("From: hustings <hustings@[::1]>\n"
                             "To: ada@example.org\n"
                             "Subject: Your vote: E1\n"
                             "Date: Thu, 01 Jan 1970 00:16:40 +0000\n"));
  assert_non_null(strstr(in, "@[::1]>\nMIME-Version: 1.0\n"));
  assert_non_null(strstr(in, "\n\nDear Ada,\n.\nA lone dot above.\n"));
  assert_null(strchr(in, '\r'));
  free(in);
  assert_int_equal(col(a, "sent_at"), 1000);
  col_text(a, "body", t, sizeof t);
  assert_string_equal(t, "");
  /* the port goes; a plain host stays */
  snprintf(web_cfg.base_url, sizeof web_cfg.base_url,
           "http://127.0.0.1:8080");
  queue("ada@example.org", "s", "b", "notice", 0, 0);
  assert_int_equal(mail_tick(1001), 1);
  in = slurp(path, NULL);
  assert_non_null(in);
  assert_non_null(strstr(in, "From: hustings <hustings@127.0.0.1>\n"));
  free(in);
}

static void test_sendmail_retry(void **state) {
  static const int64_t delay[] = {60, 300, 1800, 7200, 21600, 21600, 21600};
  fx *f = *state;
  char e[256], t[64];
  int64_t a, now = 1000;
  size_t i;
  fake_sendmail(f, "busy", "cat > /dev/null\necho 'queue full' >&2\n"
                           "exit 75\n");
  a = queue("ada@example.org", "s", "secret link", "notice", 0, 0);
  for (i = 0; i < 7; i++) {
    assert_int_equal(mail_tick(now), 1);
    assert_int_equal(col(a, "attempts"), (int64_t)i + 1);
    assert_int_equal(col(a, "next_at"), now + delay[i]);
    assert_int_equal(col(a, "sent_at"), -1);
    assert_int_equal(col(a, "failed_at"), -1);
    col_text(a, "body", t, sizeof t);
    assert_string_equal(t, "secret link"); /* kept for the next try */
    col_text(a, "last_error", e, sizeof e);
    assert_string_equal(e, "sendmail exit status 75: queue full");
    /* not due a second before */
    assert_int_equal(mail_tick(now + delay[i] - 1), 0);
    assert_int_equal(col(a, "attempts"), (int64_t)i + 1);
    now += delay[i];
  }
  /* the 8th failure is final */
  assert_int_equal(mail_tick(now), 1);
  assert_int_equal(col(a, "attempts"), 8);
  assert_int_equal(col(a, "failed_at"), now);
  assert_int_equal(col(a, "sent_at"), -1);
  col_text(a, "body", t, sizeof t);
  assert_string_equal(t, "");
  assert_int_equal(mail_tick(now + 100000), 0);
  assert_int_equal(col(a, "attempts"), 8);
}

static void test_sendmail_permanent(void **state) {
  fx *f = *state;
  char e[256], t[64];
  int64_t a, b;
  fake_sendmail(f, "no", "cat > /dev/null\necho 'unknown user' >&2\n"
                         "exit 1\n");
  a = queue("ada@example.org", "s", "link", "notice", 0, 0);
  assert_int_equal(mail_tick(1000), 1);
  assert_int_equal(col(a, "failed_at"), 1000);
  assert_int_equal(col(a, "attempts"), 1);
  assert_int_equal(col(a, "sent_at"), -1);
  col_text(a, "body", t, sizeof t);
  assert_string_equal(t, "");
  col_text(a, "last_error", e, sizeof e);
  assert_string_equal(e, "sendmail exit status 1: unknown user");
  /* killed by a signal: temporary */
  fake_sendmail(f, "killed", "cat > /dev/null\nkill -KILL $$\n");
  b = queue("bob@example.org", "s", "link", "notice", 0, 0);
  assert_int_equal(mail_tick(2000), 1);
  assert_int_equal(col(b, "failed_at"), -1);
  assert_int_equal(col(b, "attempts"), 1);
  assert_int_equal(col(b, "next_at"), 2060);
  col_text(b, "last_error", e, sizeof e);
  assert_non_null(strstr(e, "signal 9"));
  /* a program that cannot run: temporary, with the reason */
  {
    char path[160];
    snprintf(path, sizeof path, "%s/killed", f->dir);
    assert_int_equal(chmod(path, 0644), 0);
  }
  assert_int_equal(mail_tick(2060), 1);
  assert_int_equal(col(b, "attempts"), 2);
  assert_int_equal(col(b, "next_at"), 2060 + 300);
  col_text(b, "last_error", e, sizeof e);
  assert_non_null(strstr(e, "cannot run"));
}

/* A child that exits at once without reading a message larger than a
** pipe holds: the write gets EPIPE and the process lives on. */
static void test_sendmail_epipe(void **state) {
  fx *f = *state;
  char e[256];
  wbuf big;
  int64_t a;
  size_t i;
  sigset_t pend;
  fake_sendmail(f, "rude", "exit 75\n");
  wbuf_init(&big, (size_t)1 << 20);
  for (i = 0; i < 6000; i++)
    wbuf_puts(&big, "a line of the body to fill the pipe, and more.\n");
  assert_int_equal(big.err, 0);
  a = queue("ada@example.org", "s", wbuf_str(&big), "notice", 0, 0);
  wbuf_free(&big);
  assert_int_equal(mail_tick(1000), 1);
  assert_int_equal(col(a, "attempts"), 1);
  assert_int_equal(col(a, "next_at"), 1060);
  col_text(a, "last_error", e, sizeof e);
  assert_string_equal(e, "sendmail exit status 75:");
  sigpending(&pend);
  assert_false(sigismember(&pend, SIGPIPE));
}

/* serve ignores SIGPIPE and blocks SIGINT and SIGTERM; sendmail gets
** neither: default dispositions and an empty mask. */
static void test_sendmail_signals(void **state) {
  fx *f = *state;
  char e[256];
  sigset_t block, old;
  void (*was)(int);
  unsigned long long ign;
  int64_t a;
  /* read with builtins only, before the shell forks (dash blocks
  ** signals while it waits for a child) */
  fake_sendmail(f, "sig", "while read -r k v; do case $k in"
                          " SigBlk:|SigIgn:) printf '%s%s ' $k $v >&2;;"
                          " esac; done < /proc/$$/status\n"
                          "cat > /dev/null\n"
                          "yes | head -n 1 > /dev/null\n"
                          "exit 1\n");
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  was = signal(SIGPIPE, SIG_IGN);
  a = queue("ada@example.org", "s", "b", "notice", 0, 0);
  assert_int_equal(mail_tick(1000), 1);
  signal(SIGPIPE, was);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  col_text(a, "last_error", e, sizeof e);
  /* no "yes: Broken pipe" (SIGPIPE was default), and nothing blocked */
  assert_non_null(strstr(e, "sendmail exit status 1: SigBlk:"
                            "0000000000000000 SigIgn:"));
  ign = strtoull(strstr(e, "SigIgn:") + 7, NULL, 16);
  assert_int_equal(ign & (1ull << (SIGPIPE - 1)), 0);
  assert_null(strstr(e, "yes"));
}

/* One row's failure does not stop the others. */
static void test_sendmail_mixed(void **state) {
  fx *f = *state;
  char e[256], path[160];
  int64_t a, bad, inv, b;
  char *runs;
  fake_sendmail(f, "picky",
                "msg=$(cat)\n"
                "printf '%s\\n' \"$msg\" | grep '^To:' >> @@/runs\n"
                "case \"$msg\" in *'To: bad@'*) echo 'no such user' >&2;"
                " exit 1;; esac\nexit 0\n");
  a = queue("ada@example.org", "s", "1", "notice", 0, 0);
  bad = queue("bad@example.org", "s", "2", "notice", 0, 0);
  inv = queue("not an address", "s", "3", "notice", 0, 0);
  b = queue("bob@example.org", "s", "4", "notice", 0, 0);
  assert_int_equal(mail_tick(1000), 4);
  assert_int_equal(col(a, "sent_at"), 1000);
  assert_int_equal(col(b, "sent_at"), 1000);
  assert_int_equal(col(bad, "failed_at"), 1000);
  col_text(bad, "last_error", e, sizeof e);
  assert_string_equal(e, "sendmail exit status 1: no such user");
  assert_int_equal(col(inv, "failed_at"), 1000);
  assert_int_equal(col(inv, "attempts"), 1);
  col_text(inv, "last_error", e, sizeof e);
  assert_non_null(strstr(e, "refused"));
  /* sendmail ran for the three plausible addresses only, oldest first */
  snprintf(path, sizeof path, "%s/runs", f->dir);
  runs = slurp(path, NULL);
  assert_non_null(runs);
  assert_string_equal(runs, "To: ada@example.org\nTo: bad@example.org\n"
                            "To: bob@example.org\n");
  free(runs);
}

/* Links of an election that has left voting are not sent: due or not,
** they are failed and blanked; its notices and a voting election's
** links go out. */
static void test_dead_rows(void **state) {
  fx *f = *state;
  char spec[128], err[256], t[64], path[160];
  int64_t cred, rem, note, live;
  const int64_t now = INT64_C(5000000); /* far from other tests' ticks,
                                           so this one sweeps */
  snprintf(spec, sizeof spec, "dir:%s", f->out);
  assert_int_equal(mail_configure(spec, err, sizeof err), WEB_OK);
  cred = queue("ada@example.org", "s", "dead link", "credential", 2, 0);
  rem = queue("bob@example.org", "s", "dead link", "reminder", 2, now + 600);
  note = queue("cy@example.org", "s", "results", "notice", 2, 0);
  live = queue("dee@example.org", "s", "live link", "reissue", 1, 0);
  assert_int_equal(mail_tick(now), 4);
  assert_int_equal(col(cred, "failed_at"), now);
  assert_int_equal(col(cred, "attempts"), 0);
  col_text(cred, "body", t, sizeof t);
  assert_string_equal(t, "");
  col_text(cred, "last_error", err, sizeof err);
  assert_non_null(strstr(err, "no longer in voting"));
  assert_int_equal(col(rem, "failed_at"), now); /* not due, swept */
  col_text(rem, "body", t, sizeof t);
  assert_string_equal(t, "");
  assert_int_equal(col(note, "sent_at"), now);
  assert_int_equal(col(live, "sent_at"), now);
  snprintf(path, sizeof path, "%s/%lld.eml", f->out, (long long)cred);
  assert_int_equal(access(path, F_OK), -1);
  assert_int_equal(count_files(f->out), 2);
  /* a link queued after the sweep, due: failed by the poll itself */
  cred = queue("eve@example.org", "s", "dead link", "reissue", 2, 0);
  assert_int_equal(mail_tick(now + 1), 1);
  assert_int_equal(col(cred, "failed_at"), now + 1);
  assert_int_equal(count_files(f->out), 2);
}

static void test_thread(void **state) {
  fx *f = *state;
  char spec[128], err[256];
  int64_t a;
  struct timespec t0, t1;
  int i;
  snprintf(spec, sizeof spec, "dir:%s", f->out);
  assert_int_equal(mail_configure(spec, err, sizeof err), WEB_OK);
  /* as in serve: the batch is recorded through the writer thread */
  assert_int_equal(db_writer_start(), WEB_OK);
  assert_int_equal(mail_start(), WEB_OK);
  assert_int_equal(mail_start(), WEB_OK); /* already running */
  a = queue("ada@example.org", "s", "b", "notice", 0, 0);
  mail_wake();
  for (i = 0; i < 100 && col(a, "sent_at") < 0; i++) usleep(50000);
  assert_true(col(a, "sent_at") > 0);
  assert_int_equal(count_files(f->out), 1);
  /* stopping does not wait out the poll interval */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  mail_stop();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(t1.tv_sec - t0.tv_sec < MAIL_POLL);
  mail_stop(); /* a no-op */
  db_writer_stop();
  /* stopped: a new row stays queued */
  a = queue("bob@example.org", "s", "b", "notice", 0, 0);
  mail_wake();
  usleep(100000);
  assert_int_equal(col(a, "sent_at"), -1);
}

/* At most MAIL_BATCH rows a poll; the rest on the next. */
static void test_batch(void **state) {
  fx *f = *state;
  char spec[128], err[256];
  int i;
  snprintf(spec, sizeof spec, "dir:%s", f->out);
  assert_int_equal(mail_configure(spec, err, sizeof err), WEB_OK);
  for (i = 0; i < MAIL_BATCH + 5; i++)
    queue("ada@example.org", "s", "b", "notice", 0, 0);
  assert_int_equal(mail_tick(1000), MAIL_BATCH);
  assert_int_equal(q1("SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
                   5);
  /* the oldest went first */
  assert_int_equal(q1("SELECT min(id) FROM outbox WHERE sent_at IS NULL"),
                   MAIL_BATCH + 1);
  assert_int_equal(mail_tick(1001), 5);
  assert_int_equal(count_files(f->out), MAIL_BATCH + 5);
}

/* Stopping in the middle of a paced batch: what was sent is recorded,
** the rest stays due and untried. */
static void test_thread_stop(void **state) {
  fx *f = *state;
  struct timespec t0, t1;
  int i;
  int64_t sent, untried;
  char runs[160];
  fake_sendmail(f, "ok", "cat > /dev/null\necho x >> @@/runs\nexit 0\n");
  snprintf(runs, sizeof runs, "%s/runs", f->dir);
  for (i = 0; i < 30; i++) queue("ada@example.org", "s", "b", "notice", 0, 0);
  assert_int_equal(mail_start(), WEB_OK);
  /* the batch is recorded at its end: wait for the first run instead */
  for (i = 0; i < 200 && access(runs, F_OK) != 0; i++) usleep(10000);
  assert_int_equal(access(runs, F_OK), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  mail_stop();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(t1.tv_sec - t0.tv_sec <= 1); /* not the 3 s of the batch */
  sent = q1("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL");
  untried = q1("SELECT count(*) FROM outbox WHERE sent_at IS NULL"
               " AND attempts = 0 AND failed_at IS NULL");
  assert_true(sent >= 1);
  assert_true(untried >= 1);
  assert_int_equal(sent + untried, 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_headers),
      cmocka_unit_test(test_format_date),
      cmocka_unit_test(test_format_rfc2047),
      cmocka_unit_test(test_format_refuses),
      cmocka_unit_test(test_format_wrap),
      cmocka_unit_test(test_configure),
      cmocka_unit_test_setup_teardown(test_dir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_argv_stdin, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_retry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_permanent, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_epipe, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_signals, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sendmail_mixed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dead_rows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
      cmocka_unit_test_setup_teardown(test_thread_stop, setup, teardown),
  };
  return cmocka_run_group_tests_name("web_mail", tests, NULL, NULL);
}
