/*
** mail.c: the outbox sender (mail.h; docs/design/ballot.md §5.1).
**
** One mail thread polls the outbox on its own connection, collects a
** batch of due rows (the statement is reset before anything is sent, so
** no read snapshot stays open while sendmail runs), hands each message to
** the transport, and records the whole batch in one db_write.  The write
** callback only replays the recorded outcomes, so db_write may run it
** again.  Every copy of a body (it may carry a voting link) is zeroed
** before it is freed.
**
** Transports: sendmail (posix_spawn of PATH -t -i, no shell; the message
** goes through a pipe while the child's output is read through another,
** with a timeout; SIGPIPE is blocked around the writes) and dir: (a temp
** file renamed into place, so no reader ever sees half a message).
**
** Ownership: the module's state (transport, thread, pacing clock) is
** file-static; rows and messages are owned by mail_tick for one call.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "mail.h"
#include "svc_nominate.h" /* svc_email_valid: one rule for addresses */

extern char **environ;

#define MAIL_SENDMAIL "/usr/sbin/sendmail"
#define MAIL_PATH_MAX 1024
#define MAIL_SPAWN_TIMEOUT 60 /* seconds before sendmail is killed */
#define MAIL_SWEEP 60         /* seconds between sweeps for dead rows */
#define MAIL_ERR_MAX 200      /* bytes of last_error */
#define SUBJECT_MAX 998
#define LINE_COLS 78
#define LINE_HARD 998

typedef enum { MODE_NONE = 0, MODE_SENDMAIL, MODE_DIR } mail_mode;

static mail_mode mode;
static char mode_path[MAIL_PATH_MAX]; /* sendmail program, or directory */

/* thread state, under mu */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv; /* on CLOCK_MONOTONIC: cv_init */
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static pthread_t thread;
static int running, stop_flag, wake_flag;

/* used only by the thread calling mail_tick */
static struct timespec last_spawn; /* CLOCK_MONOTONIC; pacing */
static int64_t last_sweep;

/* ------------------------------------------------------------ formatting */

/* 1 for a From address we can put between <>: printable ASCII without
** spaces or the characters that would end or split the header, one '@'
** with something on both sides.  Looser than svc_email_valid on purpose:
** "hustings@localhost" and "hustings@[::1]" come from base URLs. */
static int from_ok(const char *s) {
  const char *at = NULL, *p;
  if (!s || !*s) return 0;
  for (p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c >= 0x7f || strchr("<>(),;\"\\", c)) return 0;
    if (c == '@') {
      if (at) return 0;
      at = p;
    }
  }
  return at && at != s && at[1];
}

/* 1 if the subject may go in a header: UTF-8, no controls but TAB, at most
** SUBJECT_MAX bytes. */
static int subject_ok(const char *s) {
  size_t n, i;
  if (!s) return 0;
  n = strlen(s);
  if (n > SUBJECT_MAX || !utf8_valid(s, n)) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
  }
  return 1;
}

/* The length of the UTF-8 sequence led by c (input already validated). */
static size_t u8len(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Subject, with its header name.  ASCII text (without "=?", which a
** reader could take for an encoded word, and without a word over 200
** characters, which could not be folded) is folded before spaces to keep
** lines within LINE_COLS where it can; anything else becomes RFC 2047
** B-encoded words of at most 39 bytes each (52 base64 characters, so a
** word is 64 characters and never splits a character), one per line. */
static void put_subject(wbuf *b, const char *s, const char *eol) {
  size_t n = strlen(s), i, col, word = 0;
  int plain = strstr(s, "=?") == NULL;
  for (i = 0; i < n && plain; i++) {
    word = s[i] == ' ' || s[i] == '\t' ? 0 : word + 1;
    if ((unsigned char)s[i] >= 0x80 || word > 200) plain = 0;
  }
  wbuf_puts(b, "Subject:");
  if (plain) {
    size_t start = 0;
    wbuf_puts(b, " ");
    col = 9;
    while (start < n) {
      /* the next word and the spaces before it */
      size_t end = start;
      while (end < n && (s[end] == ' ' || s[end] == '\t')) end++;
      while (end < n && s[end] != ' ' && s[end] != '\t') end++;
      if (start > 0 && col + (end - start) > LINE_COLS &&
          (s[start] == ' ' || s[start] == '\t')) {
        wbuf_puts(b, eol); /* fold: the space stays, after the line end */
        col = 0;
      }
      wbuf_add(b, s + start, end - start);
      col += end - start;
      start = end;
    }
    wbuf_puts(b, eol);
    return;
  }
  i = 0;
  while (i < n) {
    char b64[sodium_base64_ENCODED_LEN(39, sodium_base64_VARIANT_ORIGINAL)];
    size_t j = i;
    while (j < n && j + u8len((unsigned char)s[j]) - i <= 39)
      j += u8len((unsigned char)s[j]);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, j - i,
                      sodium_base64_VARIANT_ORIGINAL);
    if (i > 0) wbuf_puts(b, eol);
    wbuf_printf(b, " =?UTF-8?B?%s?=", b64);
    i = j;
  }
  if (n == 0) wbuf_puts(b, " ");
  wbuf_puts(b, eol);
}

/* The number of characters (code points) in s[0..n). */
static size_t cols(const char *s, size_t n) {
  size_t i, c = 0;
  for (i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80) c++;
  return c;
}

/* The byte offset of the first k characters of s[0..n). */
static size_t col_off(const char *s, size_t n, size_t k) {
  size_t i = 0;
  while (i < n && k > 0) {
    i += u8len((unsigned char)s[i]);
    k--;
  }
  return i > n ? n : i;
}

/* One output line, cut (as a last resort, on a character boundary)
** where it would pass LINE_HARD bytes. */
static void put_hard(wbuf *b, const char *s, size_t n, const char *eol) {
  while (n > LINE_HARD) {
    size_t cut = LINE_HARD;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80) cut--;
    wbuf_add(b, s, cut);
    wbuf_puts(b, eol);
    s += cut;
    n -= cut;
  }
  wbuf_add(b, s, n);
  wbuf_puts(b, eol);
}

/* One body line (no line end in it), wrapped at spaces to LINE_COLS
** characters.  A space is a break only after the line's first
** non-space, so indentation stays with its text; a word longer than
** LINE_COLS (a link) goes whole on a line of its own. */
static void put_line(wbuf *b, const char *s, size_t n, const char *eol) {
  while (cols(s, n) > LINE_COLS) {
    size_t lim = col_off(s, n, LINE_COLS), f = 0, sp = 0, i;
    while (f < n && s[f] == ' ') f++;
    for (i = f + 1; i <= lim && i < n; i++)
      if (s[i] == ' ') sp = i;
    if (!sp) /* the first word is too long: break after it */
      for (i = lim; i < n; i++)
        if (s[i] == ' ' && i > f) {
          sp = i;
          break;
        }
    if (!sp) break;
    put_hard(b, s, sp, eol);
    s += sp + 1;
    n -= sp + 1;
  }
  put_hard(b, s, n, eol);
}

/* The body: CR LF and lone CR become line ends; ends with a line end. */
static void put_body(wbuf *b, const char *s, const char *eol) {
  while (*s) {
    size_t n = strcspn(s, "\r\n");
    put_line(b, s, n, eol);
    s += n;
    if (*s == '\r' && s[1] == '\n') s += 2;
    else if (*s) s++;
  }
}

web_status mail_format(wbuf *out, const char *from, const char *to,
                       const char *subject, const char *body, int64_t now,
                       int crlf) {
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  const char *eol = crlf ? "\r\n" : "\n";
  unsigned char rnd[16];
  char hex[33];
  time_t t = (time_t)now;
  struct tm tm;
  if (!from_ok(from) || !to || !svc_email_valid(to, strlen(to)) ||
      !subject_ok(subject) || !body || !utf8_valid(body, strlen(body)) ||
      now < 0 || (int64_t)t != now || !gmtime_r(&t, &tm) ||
      tm.tm_year + 1900 > 9999)
    return WEB_EINVALID;
  if (sodium_init() < 0) return WEB_ECRYPTO;
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
  wbuf_printf(out, "From: hustings <%s>%s", from, eol);
  wbuf_printf(out, "To: %s%s", to, eol);
  put_subject(out, subject, eol);
  wbuf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000%s",
              days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
              tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, eol);
  wbuf_printf(out, "Message-ID: <%s%s>%s", hex, strchr(from, '@'), eol);
  wbuf_printf(out, "MIME-Version: 1.0%s", eol);
  wbuf_printf(out, "Content-Type: text/plain; charset=UTF-8%s", eol);
  wbuf_printf(out, "Content-Transfer-Encoding: 8bit%s", eol);
  wbuf_printf(out, "Auto-Submitted: auto-generated%s", eol);
  wbuf_puts(out, eol);
  put_body(out, body, eol);
  return out->err ? (web_status)out->err : WEB_OK;
}

/* ------------------------------------------------------- configuration */

web_status mail_configure(const char *spec, char *err, size_t cap) {
  struct stat sb;
  const char *path;
  if (err && cap) err[0] = '\0';
  if (!spec) spec = "";
  if (strcmp(spec, "none") == 0) {
    mode = MODE_NONE;
    mode_path[0] = '\0';
    return WEB_OK;
  }
  if (strcmp(spec, "sendmail") == 0) {
    mode = MODE_SENDMAIL;
    snprintf(mode_path, sizeof mode_path, "%s", MAIL_SENDMAIL);
    return WEB_OK;
  }
  if (strncmp(spec, "sendmail:", 9) == 0) {
    path = spec + 9;
    if (path[0] != '/' || strlen(path) >= sizeof mode_path) {
      snprintf(err, cap, "--mail %s: expected an absolute path after "
               "sendmail:", spec);
      return WEB_EINVALID;
    }
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        access(path, X_OK) != 0) {
      snprintf(err, cap, "--mail %s: %s is not an executable file", spec,
               path);
      return WEB_EINVALID;
    }
    mode = MODE_SENDMAIL;
    snprintf(mode_path, sizeof mode_path, "%s", path);
    return WEB_OK;
  }
  if (strncmp(spec, "dir:", 4) == 0) {
    path = spec + 4;
    if (!path[0] || strlen(path) >= sizeof mode_path - 32) {
      snprintf(err, cap, "--mail %s: expected a directory after dir:", spec);
      return WEB_EINVALID;
    }
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
        access(path, W_OK | X_OK) != 0) {
      snprintf(err, cap, "--mail %s: %s is not a writable directory", spec,
               path);
      return WEB_EINVALID;
    }
    mode = MODE_DIR;
    snprintf(mode_path, sizeof mode_path, "%s", path);
    return WEB_OK;
  }
  if (strncmp(spec, "smtp://", 7) == 0 || strncmp(spec, "smtps://", 8) == 0)
    snprintf(err, cap, "--mail %s: SMTP is not built into this version; "
             "use sendmail with a local MTA (msmtp-mta, nullmailer)", spec);
  else
    snprintf(err, cap, "--mail '%s': expected sendmail, sendmail:/PATH, "
             "dir:PATH or none", spec);
  return WEB_EINVALID;
}

/* ------------------------------------------------------ thread helpers */

static void cv_init(void) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&cv, &ca);
  pthread_condattr_destroy(&ca);
}

static int stopping(void) {
  int s;
  pthread_mutex_lock(&mu);
  s = stop_flag;
  pthread_mutex_unlock(&mu);
  return s;
}

static int ts_before(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec < b->tv_sec ||
         (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Waits until the monotonic deadline, or until stopped, or (wakeable)
** until mail_wake.  Returns 0 when stopped. */
static int wait_until(const struct timespec *deadline, int wakeable) {
  struct timespec now;
  int go;
  pthread_once(&cv_once, cv_init);
  pthread_mutex_lock(&mu);
  for (;;) {
    if (stop_flag || (wakeable && wake_flag)) break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!ts_before(&now, deadline)) break;
    pthread_cond_timedwait(&cv, &mu, deadline);
  }
  if (wakeable) wake_flag = 0;
  go = !stop_flag;
  pthread_mutex_unlock(&mu);
  return go;
}

/* Keeps sendmail runs at most MAIL_RATE a second.  0 when stopped. */
static int pace(void) {
  struct timespec next = last_spawn;
  next.tv_nsec += 1000000000L / MAIL_RATE;
  if (next.tv_nsec >= 1000000000L) {
    next.tv_sec++;
    next.tv_nsec -= 1000000000L;
  }
  if (!wait_until(&next, 0)) return 0;
  clock_gettime(CLOCK_MONOTONIC, &last_spawn);
  return 1;
}

/* ---------------------------------------------------------- transports */

typedef enum { R_NONE = 0, R_SENT, R_TEMP, R_PERM, R_DEAD } mail_result;

/* Appends printable ASCII of s[0..n) to err (others become '?', line
** ends a space), within cap. */
static void err_append(char *err, size_t cap, const char *s, size_t n) {
  size_t len = strlen(err), i;
  for (i = 0; i < n && len + 1 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    err[len++] = (char)(c == '\n' || c == '\r' || c == '\t' ? ' '
                        : c < 0x20 || c >= 0x7f             ? '?'
                                                            : c);
  }
  err[len] = '\0';
  while (len > 0 && err[len - 1] == ' ') err[--len] = '\0';
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Runs mode_path -t -i with msg on its stdin and its stdout and stderr
** read into out (the first part kept).  Returns the child's wait status
** in *status, or -1 with err set when it could not be run or timed
** out. */
static int spawn_sendmail(const char *msg, size_t len, int *status,
                          char *out, size_t outcap, char *err, size_t cap) {
  char a_t[] = "-t", a_i[] = "-i";
  char *argv[] = {mode_path, a_t, a_i, NULL};
  int in[2] = {-1, -1}, from[2] = {-1, -1}, rc, exited = 0, timed_out = 0;
  size_t off = 0, got = 0;
  int64_t deadline;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t empty, dfl;
  pid_t pid;
  out[0] = '\0';
  if (pipe(in) != 0 || pipe(from) != 0) {
    snprintf(err, cap, "pipe: %s", strerror(errno));
    close_fd(&in[0]);
    close_fd(&in[1]);
    return -1;
  }
  /* our ends must not leak into the child (or it never sees EOF) */
  fcntl(in[1], F_SETFD, FD_CLOEXEC);
  fcntl(from[0], F_SETFD, FD_CLOEXEC);
  fcntl(in[0], F_SETFD, FD_CLOEXEC);
  fcntl(from[1], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from[1], 1);
  posix_spawn_file_actions_adddup2(&fa, from[1], 2);
  posix_spawnattr_init(&at);
  sigemptyset(&empty);
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGPIPE);
  sigaddset(&dfl, SIGINT);
  sigaddset(&dfl, SIGTERM);
  sigaddset(&dfl, SIGHUP);
  sigaddset(&dfl, SIGCHLD);
  posix_spawnattr_setsigmask(&at, &empty);
  posix_spawnattr_setsigdefault(&at, &dfl);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn(&pid, mode_path, &fa, &at, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close_fd(&in[0]);
  close_fd(&from[1]);
  if (rc != 0) {
    snprintf(err, cap, "cannot run %.120s: %s", mode_path, strerror(rc));
    close_fd(&in[1]);
    close_fd(&from[0]);
    return -1;
  }
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(from[0], F_SETFL, O_NONBLOCK);
  deadline = mono_ms() + (int64_t)MAIL_SPAWN_TIMEOUT * 1000;
  /* Until the message is written and the child has exited: a child that
  ** leaves a daemon holding its stdout must not keep us waiting. */
  while (in[1] >= 0 || !exited) {
    struct pollfd p[2];
    nfds_t np = 0;
    int64_t left = deadline - mono_ms();
    int wait_ms;
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    wait_ms = in[1] >= 0 ? (int)left : (left < 50 ? (int)left : 50);
    if (in[1] >= 0) {
      p[np].fd = in[1];
      p[np++].events = POLLOUT;
    }
    if (from[0] >= 0) {
      p[np].fd = from[0];
      p[np++].events = POLLIN;
    }
    if (np && poll(p, np, wait_ms) < 0 && errno != EINTR) {
      snprintf(err, cap, "poll: %s", strerror(errno));
      timed_out = 1; /* kill and reap below */
      break;
    }
    if (!np) usleep(20000);
    if (in[1] >= 0) {
      ssize_t w = write(in[1], msg + off, len - off);
      if (w > 0) off += (size_t)w;
      else if (w < 0 && errno != EAGAIN && errno != EINTR)
        close_fd(&in[1]); /* EPIPE: the child stopped reading */
      if (off == len) close_fd(&in[1]);
    }
    if (from[0] >= 0) {
      char buf[512];
      ssize_t r = read(from[0], buf, sizeof buf);
      if (r > 0) {
        size_t keep = (size_t)r;
        if (got + 1 < outcap) {
          if (keep > outcap - 1 - got) keep = outcap - 1 - got;
          memcpy(out + got, buf, keep);
          got += keep;
          out[got] = '\0';
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR))
        close_fd(&from[0]);
    }
    if (in[1] < 0 && !exited) {
      pid_t w = waitpid(pid, status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) exited = 1;
    }
  }
  close_fd(&in[1]);
  close_fd(&from[0]);
  if (timed_out) {
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
    if (!err[0])
      snprintf(err, cap, "%.120s did not finish within %d s", mode_path,
               MAIL_SPAWN_TIMEOUT);
    return -1;
  }
  return 0;
}

/* Hands msg to sendmail.  SIGPIPE is blocked in this thread while the
** pipe is written (a child that exits early gives EPIPE instead of
** killing the process), and a SIGPIPE left pending is taken off before
** the old mask comes back. */
static mail_result send_sendmail(const char *msg, size_t len, char *err,
                                 size_t cap) {
  sigset_t pipeset, old;
  struct timespec zero = {0, 0};
  char out[160];
  int status = 0, r;
  sigemptyset(&pipeset);
  sigaddset(&pipeset, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipeset, &old);
  r = spawn_sendmail(msg, len, &status, out, sizeof out, err, cap);
  while (sigtimedwait(&pipeset, NULL, &zero) > 0) {}
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (r < 0) return R_TEMP;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return R_SENT;
  if (WIFEXITED(status))
    snprintf(err, cap, "sendmail exit status %d: ", WEXITSTATUS(status));
  else
    snprintf(err, cap, "sendmail killed by signal %d: ",
             WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  err_append(err, cap, out, strlen(out));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 75) return R_PERM;
  return R_TEMP; /* EX_TEMPFAIL, or killed */
}

/* Writes DIR/<id>.eml (0600) through DIR/.<id>.eml.tmp and rename. */
static mail_result send_dir(int64_t id, const char *msg, size_t len,
                            char *err, size_t cap) {
  char tmp[MAIL_PATH_MAX + 48], fin[MAIL_PATH_MAX + 48];
  size_t off = 0;
  int fd;
  snprintf(tmp, sizeof tmp, "%s/.%lld.eml.tmp", mode_path, (long long)id);
  snprintf(fin, sizeof fin, "%s/%lld.eml", mode_path, (long long)id);
  if (unlink(tmp) != 0 && errno != ENOENT) goto fail; /* a crash's leftover */
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) goto fail;
  if (fchmod(fd, 0600) != 0) goto fail_fd;
  while (off < len) {
    ssize_t w = write(fd, msg + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) goto fail_fd;
    off += (size_t)w;
  }
  if (fsync(fd) != 0) goto fail_fd;
  if (close(fd) != 0) {
    fd = -1;
    goto fail_fd;
  }
  if (rename(tmp, fin) != 0) goto fail_unlink;
  return R_SENT;
fail_fd:
  snprintf(err, cap, "dir: %.120s: %s", tmp, strerror(errno));
  if (fd >= 0) close(fd);
  unlink(tmp);
  return R_TEMP;
fail_unlink:
  snprintf(err, cap, "dir: %.120s: %s", fin, strerror(errno));
  unlink(tmp);
  return R_TEMP;
fail:
  snprintf(err, cap, "dir: %.120s: %s", tmp, strerror(errno));
  return R_TEMP;
}

/* ------------------------------------------------------------ the batch */

typedef struct mrow {
  int64_t id, attempts;
  char *to, *subject, *body;
  int dead;           /* an election's link that can no longer be used */
  mail_result result; /* R_NONE: not tried (stopped) */
  char err[MAIL_ERR_MAX + 1];
} mrow;

typedef struct mbatch {
  mrow row[MAIL_BATCH];
  size_t n;
  int64_t now;
  int sweep;   /* also fail the dead rows that are not due yet */
  int changed; /* out: rows changed (reset on every run of the fn) */
} mbatch;

/* Seconds until the next try after a temporary failure, by the tries
** made before it: 1 min, 5 min, 30 min, 2 h, then 6 h. */
static int64_t retry_delay(int64_t attempts) {
  static const int64_t delay[] = {60, 300, 1800, 7200, 21600};
  return delay[attempts < 0 ? 0 : attempts > 4 ? 4 : attempts];
}

static char *dup_secret(const char *s) {
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static void free_secret(char *s) {
  if (s) {
    sodium_memzero(s, strlen(s));
    free(s);
  }
}

static void batch_free(mbatch *b) {
  size_t i;
  for (i = 0; i < b->n; i++) {
    free(b->row[i].to);
    free(b->row[i].subject);
    free_secret(b->row[i].body);
  }
  b->n = 0;
}

/* Reads the due rows (and whether any dead row waits) on this thread's
** connection; every statement is reset before returning. */
static web_status batch_read(sqlite3 *db, mbatch *b) {
  sqlite3_stmt *st;
  int rc = SQLITE_DONE;
  if (b->sweep) {
    st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM outbox o JOIN elections e"
                     " ON e.id = o.election_id WHERE o.sent_at IS NULL"
                     " AND o.failed_at IS NULL"
                     " AND o.kind IN ('credential', 'reminder', 'reissue')"
                     " AND e.phase <> 'voting')");
    if (!st) return WEB_EDB;
    rc = sqlite3_step(st);
    b->sweep = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return db_status(rc) ? db_status(rc) : WEB_EDB;
  }
  /* ordered as the partial index outbox_due(next_at) is, so a poll reads
  ** MAIL_BATCH entries and no sort: new mail (next_at 0) oldest first,
  ** then retries in the order they fall due */
  st = db_stmt(db, "SELECT o.id, o.to_addr, o.subject, o.body, o.attempts,"
                   " o.kind IN ('credential', 'reminder', 'reissue')"
                   "  AND o.election_id IS NOT NULL"
                   "  AND e.phase IS NOT 'voting'"
                   " FROM outbox o LEFT JOIN elections e"
                   "  ON e.id = o.election_id"
                   " WHERE o.sent_at IS NULL AND o.failed_at IS NULL"
                   "  AND o.next_at <= ?1"
                   " ORDER BY o.next_at, o.id LIMIT 50");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, b->now);
  while (b->n < MAIL_BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    mrow *r = &b->row[b->n];
    const char *to = (const char *)sqlite3_column_text(st, 1);
    const char *su = (const char *)sqlite3_column_text(st, 2);
    const char *bo = (const char *)sqlite3_column_text(st, 3);
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->attempts = sqlite3_column_int64(st, 4);
    r->dead = sqlite3_column_int(st, 5);
    r->to = strdup(to ? to : "");
    r->subject = strdup(su ? su : "");
    r->body = dup_secret(bo ? bo : "");
    b->n++;
    if (!r->to || !r->subject || !r->body) {
      sqlite3_reset(st);
      return WEB_ENOMEM;
    }
  }
  if (b->n < MAIL_BATCH && rc != SQLITE_DONE) {
    sqlite3_reset(st);
    return db_status(rc) ? db_status(rc) : WEB_EDB;
  }
  sqlite3_reset(st);
  return WEB_OK;
}

/* The db_write callback: replays the batch's outcomes.  Each update is
** guarded by sent_at/failed_at IS NULL, so a row settled meanwhile (the
** count's clean-up) is left as it is. */
static web_status batch_record(sqlite3 *db, void *ctx) {
  mbatch *b = ctx;
  sqlite3_stmt *st;
  web_status s;
  size_t i;
  b->changed = 0;
  if (b->sweep) {
    st = db_stmt(db, "UPDATE outbox SET failed_at = ?1, body = '',"
                     " last_error = 'the election is no longer in voting'"
                     " WHERE sent_at IS NULL AND failed_at IS NULL"
                     " AND kind IN ('credential', 'reminder', 'reissue')"
                     " AND election_id IN"
                     "  (SELECT id FROM elections WHERE phase <> 'voting')");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, b->now);
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
    b->changed += sqlite3_changes(db);
  }
  for (i = 0; i < b->n; i++) {
    const mrow *r = &b->row[i];
    int last = r->result == R_PERM ||
                (r->result == R_TEMP && r->attempts + 1 >= MAIL_MAX_TRIES);
    switch (r->result) {
    case R_NONE: continue;
    case R_SENT:
      st = db_stmt(db, "UPDATE outbox SET sent_at = ?2, body = '',"
                       " attempts = attempts + 1 WHERE id = ?1"
                       " AND sent_at IS NULL AND failed_at IS NULL");
      break;
    case R_DEAD:
      st = db_stmt(db, "UPDATE outbox SET failed_at = ?2, body = '',"
                       " last_error = ?3 WHERE id = ?1"
                       " AND sent_at IS NULL AND failed_at IS NULL");
      break;
    case R_PERM:
    case R_TEMP:
      if (last)
        st = db_stmt(db, "UPDATE outbox SET failed_at = ?2, body = '',"
                         " attempts = attempts + 1, last_error = ?3"
                         " WHERE id = ?1"
                         " AND sent_at IS NULL AND failed_at IS NULL");
      else
        st = db_stmt(db, "UPDATE outbox SET next_at = ?2 + ?4,"
                         " attempts = attempts + 1, last_error = ?3"
                         " WHERE id = ?1"
                         " AND sent_at IS NULL AND failed_at IS NULL");
      break;
    default: continue;
    }
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, b->now);
    if (r->result != R_SENT)
      sqlite3_bind_text(st, 3, r->err, -1, SQLITE_STATIC);
    if (r->result == R_TEMP && !last)
      sqlite3_bind_int64(st, 4, retry_delay(r->attempts));
    if ((s = db_exec_stmt(st)) != WEB_OK) return s;
    b->changed += sqlite3_changes(db);
  }
  return WEB_OK;
}

/* "hustings@HOST" with HOST from web_cfg.base_url ("localhost" when
** unset): the scheme, any user info, path and port are dropped. */
static void from_address(char *out, size_t cap) {
  const char *h = strstr(web_cfg.base_url, "://"), *end, *at;
  h = h ? h + 3 : web_cfg.base_url;
  end = h + strcspn(h, "/?#");
  at = memchr(h, '@', (size_t)(end - h));
  if (at) h = at + 1;
  if (*h == '[') {
    const char *rb = memchr(h, ']', (size_t)(end - h));
    if (rb) end = rb + 1;
  } else {
    const char *colon = memchr(h, ':', (size_t)(end - h));
    if (colon) end = colon;
  }
  if (end == h) snprintf(out, cap, "hustings@localhost");
  else snprintf(out, cap, "hustings@%.*s", (int)(end - h), h);
}

/* Formats and hands over one row; fills r->result and r->err. */
static void send_row(mrow *r, const char *from, int64_t now) {
  wbuf m;
  web_status s;
  size_t est = strlen(r->body) * 2 + strlen(r->subject) * 2 + 4096;
  if (r->dead) {
    r->result = R_DEAD;
    snprintf(r->err, sizeof r->err, "the election is no longer in voting");
    return;
  }
  wbuf_init(&m, MAIL_MSG_MAX);
  wbuf_reserve(&m, est < MAIL_MSG_MAX ? est : MAIL_MSG_MAX); /* no realloc
                                                   leaves a copy behind */
  s = mail_format(&m, from, r->to, r->subject, r->body, now, 0);
  if (s == WEB_EINVALID) {
    r->result = R_PERM;
    snprintf(r->err, sizeof r->err, "refused: the address or subject "
             "cannot go in a message");
  } else if (s != WEB_OK) {
    r->result = R_TEMP;
    snprintf(r->err, sizeof r->err, "cannot format: %s", web_strerror(s));
  } else if (mode == MODE_DIR)
    r->result = send_dir(r->id, m.p, m.len, r->err, sizeof r->err);
  else if (!pace())
    r->result = R_NONE; /* stopping: leave it due */
  else
    r->result = send_sendmail(m.p, m.len, r->err, sizeof r->err);
  if (m.p) sodium_memzero(m.p, m.cap);
  wbuf_free(&m);
}

int mail_tick(int64_t now) {
  mbatch *b;
  sqlite3 *db;
  char from[300];
  web_status s;
  size_t i;
  int handled = 0, any = 0;
  if (mode == MODE_NONE) return 0;
  db = db_get();
  if (!db) return 0;
  b = calloc(1, sizeof *b);
  if (!b) return 0;
  b->now = now;
  if (now - last_sweep >= MAIL_SWEEP || now < last_sweep) {
    b->sweep = 1;
    last_sweep = now;
  }
  s = batch_read(db, b);
  if (s != WEB_OK) {
    fprintf(stderr, "hustings: mail: cannot read the outbox: %s\n",
            web_strerror(s));
    goto done;
  }
  from_address(from, sizeof from);
  for (i = 0; i < b->n; i++) {
    if (stopping()) break;
    send_row(&b->row[i], from, now);
    if (b->row[i].result != R_NONE) any = 1;
  }
  if (!any && !b->sweep) goto done;
  s = db_write(batch_record, b);
  if (s != WEB_OK)
    fprintf(stderr, "hustings: mail: cannot record %zu messages (they "
            "will be tried again): %s\n", b->n, web_strerror(s));
  else
    handled = b->changed;
done:
  batch_free(b);
  free(b);
  return handled;
}

/* ----------------------------------------------------------- the thread */

static void *mail_main(void *arg) {
  sigset_t pipeset;
  (void)arg;
  sigemptyset(&pipeset);
  sigaddset(&pipeset, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipeset, NULL);
  while (!stopping()) {
    struct timespec next;
    if (mail_tick(web_now()) >= MAIL_BATCH) continue;
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += MAIL_POLL;
    if (!wait_until(&next, 1)) break;
  }
  db_close_thread();
  return NULL;
}

web_status mail_start(void) {
  web_status s = WEB_OK;
  if (mode == MODE_NONE) return WEB_OK;
  if (mode == MODE_SENDMAIL && access(mode_path, X_OK) != 0)
    fprintf(stderr, "hustings: mail: cannot run %s (%s); mail waits in the "
            "outbox until it can (serve --mail)\n", mode_path,
            strerror(errno));
  pthread_once(&cv_once, cv_init);
  pthread_mutex_lock(&mu);
  if (!running) {
    stop_flag = 0;
    wake_flag = 0;
    if (pthread_create(&thread, NULL, mail_main, NULL) != 0) s = WEB_EIO;
    else running = 1;
  }
  pthread_mutex_unlock(&mu);
  return s;
}

void mail_stop(void) {
  pthread_t t;
  pthread_once(&cv_once, cv_init);
  pthread_mutex_lock(&mu);
  if (!running) {
    pthread_mutex_unlock(&mu);
    return;
  }
  stop_flag = 1;
  pthread_cond_broadcast(&cv);
  t = thread;
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  pthread_mutex_lock(&mu);
  running = 0;
  stop_flag = 0;
  pthread_mutex_unlock(&mu);
}

void mail_wake(void) {
  pthread_once(&cv_once, cv_init);
  pthread_mutex_lock(&mu);
  wake_flag = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}
