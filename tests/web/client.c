/*
** client.c: the raw-socket HTTP/1.1 test client and the `hustings serve`
** harness declared in client.h.  Requests go out byte for byte as given;
** responses are read with a deadline and parsed (Content-Length, chunked,
** or until close).  At the end, the steps the tests and the bench share
** (client addresses, CSRF tokens, the first sign-in, API tokens); no
** cmocka here, since bench/web.c links this file too.  Test code: out of
** memory aborts.
*/
#include "client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

extern char **environ;

#define JAR_MAX 32
#define RESP_MAX ((size_t)16 << 20)

struct hc_server {
  pid_t pid;
  int port;
  int killed; /* hc_kill's status, 0 if not killed */
  char dir[256], db[300], log[300], token[128];
  pthread_mutex_t lock; /* the jar */
  size_t njar;
  char jname[JAR_MAX][64], jval[JAR_MAX][512];
};

static int timeout_ms = 5000;
void hc_set_timeout(int ms) { timeout_ms = ms > 0 ? ms : 5000; }

/* ------------------------------------------------------------ buffers */

typedef struct sb {
  char *p;
  size_t len, cap;
} sb;

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("hc: out of memory\n", stderr);
    abort();
  }
  return q;
}

static void sb_grow(sb *b, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = xrealloc(b->p, b->cap);
  }
}

static void sb_add(sb *b, const void *s, size_t n) {
  sb_grow(b, n);
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sb *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n >= 0) {
    sb_grow(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp(const char *path, size_t *len) {
  sb b = {0};
  char tmp[4096];
  FILE *f = fopen(path, "rb");
  size_t n;
  sb_add(&b, "", 0);
  if (f) {
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sb_add(&b, tmp, n);
    fclose(f);
  }
  if (len) *len = b.len;
  return b.p;
}

/* ------------------------------------------------------------ the server */

const char *hc_bin_from_argv0(const char *argv0) {
  static char path[4096];
  const char *env = getenv("HUSTINGS_BIN");
  const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
  if (env && *env)
    snprintf(path, sizeof path, "%s", env);
  else if (slash)
    snprintf(path, sizeof path, "%.*s/../hustings", (int)(slash - argv0),
             argv0);
  else
    snprintf(path, sizeof path, "build/hustings");
  return path;
}

int hc_port(const hc_server *s) { return s->port; }
int hc_pid(const hc_server *s) { return (int)s->pid; }
const char *hc_dir(const hc_server *s) { return s->dir; }
const char *hc_db(const hc_server *s) { return s->db; }
char *hc_log(const hc_server *s) { return slurp(s->log, NULL); }

const char *hc_setup_token(hc_server *s) {
  if (!s->token[0]) { /* read lazily: the line may come after the port */
    char *log = hc_log(s), *p = strstr(log, "/setup/");
    if (p) {
      size_t n = strspn(p + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                               "rstuvwxyz0123456789-_");
      if (n < sizeof s->token) memcpy(s->token, p + 7, n), s->token[n] = 0;
    }
    free(log);
  }
  return s->token[0] ? s->token : NULL;
}

/* Removes the (flat) temporary directory. */
static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[600];
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      remove(p);
    }
  if (d) closedir(d);
  rmdir(dir);
}

static void print_log(const hc_server *s) {
  char *log = hc_log(s), *line = log, *nl;
  for (; *line; line = nl + 1) {
    if (!(nl = strchr(line, '\n'))) nl = line + strlen(line) - 1;
    fprintf(stderr, "# %.*s\n", (int)(nl - line), line);
  }
  free(log);
}

static int wait_exit(pid_t pid, int ms) {
  long long end = now_ms() + ms;
  int st;
  for (;;) {
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0 || now_ms() > end) return -1;
    usleep(10000);
  }
}

int hc_stop(hc_server *s) {
  if (!s) return -1;
  int rc = -1;
  if (s->pid > 0 && kill(s->pid, SIGTERM) == 0) rc = wait_exit(s->pid, 10000);
  if (rc == -1 && s->pid > 0) {
    fprintf(stderr, "# hc: server %d did not stop; killing it\n", (int)s->pid);
    kill(s->pid, SIGKILL);
    wait_exit(s->pid, 5000);
  }
  if (s->killed) rc = s->killed; /* hc_kill reaped it: nothing to stop */
  if (rc != 0 && s->killed != 128 + SIGKILL) print_log(s);
  if (getenv("HC_KEEP"))
    fprintf(stderr, "# hc: kept %s\n", s->dir);
  else
    rm_dir(s->dir);
  pthread_mutex_destroy(&s->lock);
  free(s);
  return rc;
}

int hc_kill(hc_server *s) {
  int rc;
  if (!s || s->pid <= 0 || kill(s->pid, SIGKILL) != 0) return -1;
  rc = wait_exit(s->pid, 10000);
  if (rc == -1) return -1; /* not reaped: hc_stop tries again */
  s->pid = 0;
  s->killed = rc;
  return rc;
}

hc_server *hc_start(const char *bin, const char *const extra[]) {
  hc_server *s = xrealloc(NULL, sizeof *s);
  const char *tmp = getenv("TMPDIR");
  char port[300], *argv[64];
  size_t n = 0;
  posix_spawn_file_actions_t fa;
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->lock, NULL);
  snprintf(s->dir, sizeof s->dir, "%s/hc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(s->dir)) {
    fprintf(stderr, "# hc: mkdtemp %s: %s\n", s->dir, strerror(errno));
    free(s);
    return NULL;
  }
  snprintf(s->db, sizeof s->db, "%s/t.db", s->dir);
  snprintf(s->log, sizeof s->log, "%s/out.log", s->dir);
  snprintf(port, sizeof port, "%s/port", s->dir);
  const char *fixed[] = {bin, "serve", "--db", s->db, "--listen",
                         "127.0.0.1:0", "--port-file", port};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    argv[n++] = (char *)fixed[i];
  for (size_t i = 0; extra && extra[i] && n < 63; i++)
    argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, s->log,
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int e = posix_spawn(&s->pid, bin, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e) {
    fprintf(stderr, "# hc: cannot run %s: %s\n", bin, strerror(e));
    s->pid = 0;
    hc_stop(s);
    return NULL;
  }
  for (long long end = now_ms() + 10000; now_ms() < end; usleep(20000)) {
    char *txt = slurp(port, NULL), *stop;
    long v = strtol(txt, &stop, 10);
    int ok = stop != txt && *stop == '\n' && v > 0 && v < 65536;
    free(txt);
    if (ok) {
      s->port = (int)v;
      return s;
    }
    if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
      fprintf(stderr, "# hc: %s serve exited before writing its port\n", bin);
      s->pid = 0;
      hc_stop(s);
      return NULL;
    }
  }
  fprintf(stderr, "# hc: no port file after 10 s\n");
  hc_stop(s);
  return NULL;
}

int64_t hc_sql(const hc_server *s, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t v = INT64_MIN;
  int rc = sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  }
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  else fprintf(stderr, "# hc_sql: %s: %s\n", sql, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* --------------------------------------------------------- cookie jar */

static long jar_find(const hc_server *s, const char *name) {
  for (size_t i = 0; i < s->njar; i++)
    if (!strcmp(s->jname[i], name)) return (long)i;
  return -1;
}

static void jar_del_locked(hc_server *s, const char *name) {
  long i = jar_find(s, name);
  if (i < 0) return;
  s->njar--;
  memcpy(s->jname[i], s->jname[s->njar], sizeof s->jname[0]);
  memcpy(s->jval[i], s->jval[s->njar], sizeof s->jval[0]);
}

void hc_jar_set(hc_server *s, const char *name, const char *value) {
  pthread_mutex_lock(&s->lock);
  long i = jar_find(s, name);
  if (i < 0 && s->njar < JAR_MAX) i = (long)s->njar++;
  if (i >= 0) {
    snprintf(s->jname[i], sizeof s->jname[0], "%s", name);
    snprintf(s->jval[i], sizeof s->jval[0], "%s", value);
  }
  pthread_mutex_unlock(&s->lock);
}

const char *hc_jar_get(hc_server *s, const char *name) {
  static _Thread_local char out[512];
  pthread_mutex_lock(&s->lock);
  long i = jar_find(s, name);
  if (i >= 0) snprintf(out, sizeof out, "%s", s->jval[i]);
  pthread_mutex_unlock(&s->lock);
  return i >= 0 ? out : NULL;
}

void hc_jar_del(hc_server *s, const char *name) {
  pthread_mutex_lock(&s->lock);
  jar_del_locked(s, name);
  pthread_mutex_unlock(&s->lock);
}

void hc_jar_clear(hc_server *s) {
  pthread_mutex_lock(&s->lock);
  s->njar = 0;
  pthread_mutex_unlock(&s->lock);
}

/* "name=value; Attr; Max-Age=0" into the jar: an empty value, Max-Age
** <= 0 or an Expires in 1970 deletes. */
static void jar_take(hc_server *s, const char *sc) {
  char name[64], val[512];
  const char *eq = strchr(sc, '='), *a = strchr(sc, ';');
  if (!a) a = sc + strlen(sc);
  if (!eq || eq > a || eq == sc || (size_t)(eq - sc) >= sizeof name) return;
  snprintf(name, sizeof name, "%.*s", (int)(eq - sc), sc);
  snprintf(val, sizeof val, "%.*s", (int)(a - eq - 1), eq + 1);
  int del = !val[0];
  while (*a == ';') {
    for (a++; *a == ' '; a++) {}
    if (!strncasecmp(a, "Max-Age=", 8) && strtol(a + 8, NULL, 10) <= 0)
      del = 1;
    if (!strncasecmp(a, "Expires=", 8) && strcspn(a, ";") > 8 &&
        strstr(a, "1970") && strstr(a, "1970") < a + strcspn(a, ";"))
      del = 1;
    a += strcspn(a, ";");
  }
  if (del) hc_jar_del(s, name);
  else hc_jar_set(s, name, val);
}

/* ------------------------------------------------------------ responses */

const char *hc_header_nth(const hc_resp *r, const char *name, size_t n) {
  for (size_t i = 0; r && i < r->nhdr; i++)
    if (!strcasecmp(r->name[i], name) && n-- == 0) return r->value[i];
  return NULL;
}

const char *hc_header(const hc_resp *r, const char *name) {
  return hc_header_nth(r, name, 0);
}

const char *hc_set_cookie(const hc_resp *r, const char *name) {
  size_t n = strlen(name);
  const char *v;
  for (size_t i = 0; (v = hc_header_nth(r, "Set-Cookie", i)); i++)
    if (!strncmp(v, name, n) && v[n] == '=') return v;
  return NULL;
}

void hc_resp_free(hc_resp *r) {
  if (!r) return;
  free(r->raw_);
  free(r->body);
  free(r);
}

/* 1 if v contains tok, ignoring case. */
static int has_token(const char *v, const char *tok) {
  size_t n = strlen(tok);
  for (; *v; v++)
    if (!strncasecmp(v, tok, n)) return 1;
  return 0;
}

/* Decodes a chunked body in p[0..n) into out: 1 done, 0 need more, -1 bad. */
static int unchunk(const char *p, size_t n, sb *out) {
  size_t i = 0;
  out->len = 0;
  for (;;) {
    const char *nl = memchr(p + i, '\n', n - i);
    char *stop;
    if (!nl) return 0;
    unsigned long sz = strtoul(p + i, &stop, 16);
    if (stop == p + i || (*stop != '\r' && *stop != ';' && *stop != '\n') ||
        sz > RESP_MAX)
      return -1;
    i = (size_t)(nl - p) + 1;
    if (sz == 0) { /* trailers end with an empty line */
      for (;;) {
        nl = memchr(p + i, '\n', n - i);
        if (!nl) return 0;
        if (nl == p + i || (nl == p + i + 1 && p[i] == '\r')) return 1;
        i = (size_t)(nl - p) + 1;
      }
    }
    if (n - i < sz + 2) return 0;
    sb_add(out, p + i, sz);
    i += sz;
    if (p[i] == '\r') i++;
    if (p[i++] != '\n') return -1;
  }
}

/* Parses the head in raw (NUL-terminated in place); returns its status. */
static int parse_head(hc_resp *r, char *raw) {
  char *line = raw, *nl = strchr(line, '\n');
  if (strncmp(raw, "HTTP/1.", 7) || !nl || raw[8] != ' ') return -1;
  int st = (int)strtol(raw + 9, NULL, 10);
  r->nhdr = 0;
  for (line = nl + 1; *line && *line != '\r' && *line != '\n'; line = nl + 1) {
    char *colon = strchr(line, ':'), *v, *e;
    if (!(nl = strchr(line, '\n'))) return -1;
    if (!colon || colon > nl) continue;
    for (e = nl; e > colon && (e[-1] == '\r' || e[-1] == ' '); e--) {}
    *colon = *e = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {}
    if (r->nhdr < HC_MAX_HEADERS) {
      r->name[r->nhdr] = line;
      r->value[r->nhdr++] = v;
    }
  }
  return st >= 100 && st <= 999 ? st : -1;
}

hc_resp *hc_recv(hc_server *srv, int fd, int is_head) {
  hc_resp *r = xrealloc(NULL, sizeof *r);
  sb in = {0}, body = {0};
  long long end = now_ms() + timeout_ms;
  size_t hlen = 0; /* bytes of head in `in` once found */
  int eof = 0, done = 0;
  memset(r, 0, sizeof *r);
  sb_add(&body, "", 0);
  while (!done) {
    char tmp[65536], *h;
    if (!hlen && in.len && (h = strstr(in.p, "\r\n\r\n"))) {
      hlen = (size_t)(h - in.p) + 4;
      r->raw_ = xrealloc(r->raw_, hlen + 1);
      memcpy(r->raw_, in.p, hlen);
      r->raw_[hlen] = '\0';
      r->status = parse_head(r, r->raw_);
      if (r->status < 0) {
        r->status = 0, r->err = HC_EPARSE;
        break;
      }
      if (r->status < 200) { /* 100 Continue: drop it, read on */
        memmove(in.p, in.p + hlen, in.len - hlen + 1);
        in.len -= hlen, hlen = 0, r->status = 0;
        continue;
      }
    }
    if (hlen) {
      const char *te = hc_header(r, "Transfer-Encoding");
      const char *cl = hc_header(r, "Content-Length");
      if (is_head || r->status == 204 || r->status == 304) {
        done = 1;
      } else if (te && has_token(te, "chunked")) {
        int u = unchunk(in.p + hlen, in.len - hlen, &body);
        if (u < 0) r->err = HC_EPARSE;
        done = u != 0;
      } else if (cl) {
        size_t want = (size_t)strtoull(cl, NULL, 10);
        if (in.len - hlen >= want) {
          body.len = 0;
          sb_add(&body, in.p + hlen, want);
          done = 1;
        }
      } else if (eof) {
        body.len = 0;
        sb_add(&body, in.p + hlen, in.len - hlen);
        done = 1;
      }
      if (done) break;
    }
    if (eof) {
      r->err = hlen ? HC_ETRUNC : HC_ECLOSED;
      break;
    }
    if (in.len > RESP_MAX) {
      r->err = HC_ETOOBIG;
      break;
    }
    struct pollfd pf = {fd, POLLIN, 0};
    long long left = end - now_ms();
    int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      r->err = HC_ETIMEOUT;
      break;
    }
    ssize_t got = recv(fd, tmp, sizeof tmp, 0);
    if (got > 0) sb_add(&in, tmp, (size_t)got);
    else if (got == 0 || errno != EINTR) eof = 1; /* ECONNRESET too */
  }
  if (!hlen) r->status = 0;
  r->body = body.p;
  r->body_len = body.len;
  free(in.p);
  const char *sc;
  for (size_t i = 0; srv && (sc = hc_header_nth(r, "Set-Cookie", i)); i++)
    jar_take(srv, sc);
  return r;
}

/* ------------------------------------------------------------ requests */

int hc_connect(const hc_server *s) {
  struct sockaddr_in a = {0};
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)s->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

int hc_send(int fd, const void *bytes, size_t n) {
  const char *p = bytes;
  long long end = now_ms() + timeout_ms;
  while (n > 0) {
    struct pollfd pf = {fd, POLLOUT, 0};
    long long left = end - now_ms();
    if (left <= 0 || poll(&pf, 1, (int)left) <= 0) return -1;
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w <= 0) return -1; /* EPIPE, ECONNRESET: the server has answered */
    p += w, n -= (size_t)w;
  }
  return 0;
}

static hc_resp *exchange(hc_server *s, const void *b, size_t n, int half,
                         int is_head) {
  int fd = hc_connect(s);
  if (fd < 0) {
    hc_resp *r = xrealloc(NULL, sizeof *r);
    memset(r, 0, sizeof *r);
    r->err = HC_ECONNECT;
    r->body = xrealloc(NULL, 1);
    r->body[0] = '\0';
    return r;
  }
  hc_send(fd, b, n);
  if (half) shutdown(fd, SHUT_WR);
  hc_resp *r = hc_recv(s, fd, is_head);
  close(fd);
  return r;
}

hc_resp *hc_raw(hc_server *s, const void *bytes, size_t n, int half_close) {
  return exchange(s, bytes, n, half_close,
                  n >= 5 && !memcmp(bytes, "HEAD ", 5));
}

/* 1 if the "Name: v\r\n" lines in h hold a header called name. */
static int has_header(const char *h, const char *name) {
  size_t n = strlen(name);
  for (; h && *h; h = strchr(h, '\n') ? strchr(h, '\n') + 1 : "")
    if (!strncasecmp(h, name, n) && h[n] == ':') return 1;
  return 0;
}

hc_resp *hc_request(hc_server *s, const char *method, const char *path,
                    const char *headers, const void *body, size_t body_len) {
  sb q = {0};
  sb_printf(&q, "%s %s HTTP/1.1\r\n", method, path);
  if (!has_header(headers, "Host"))
    sb_printf(&q, "Host: 127.0.0.1:%d\r\n", s->port);
  if (!has_header(headers, "Connection")) sb_puts(&q, "Connection: close\r\n");
  if (!has_header(headers, "Cookie")) {
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->njar; i++)
      sb_printf(&q, "%s%s=%s%s", i ? "; " : "Cookie: ", s->jname[i],
                s->jval[i], i + 1 == s->njar ? "\r\n" : "");
    pthread_mutex_unlock(&s->lock);
  }
  if (body && !has_header(headers, "Content-Length"))
    sb_printf(&q, "Content-Length: %zu\r\n", body_len);
  if (headers) sb_puts(&q, headers);
  sb_puts(&q, "\r\n");
  if (body) sb_add(&q, body, body_len);
  hc_resp *r = exchange(s, q.p, q.len, 0, !strcmp(method, "HEAD"));
  free(q.p);
  return r;
}

hc_resp *hc_get(hc_server *s, const char *path) {
  return hc_request(s, "GET", path, NULL, NULL, 0);
}

char *hc_form_encode(const char *const f[], size_t *len) {
  static const char hex[] = "0123456789ABCDEF";
  sb b = {0};
  sb_add(&b, "", 0);
  for (size_t i = 0; f[i] && f[i + 1]; i += 2) {
    if (i) sb_puts(&b, "&");
    for (int k = 0; k < 2; k++) {
      for (const unsigned char *c = (const unsigned char *)f[i + k]; *c; c++) {
        char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
            (*c >= '0' && *c <= '9') || strchr("-._~", *c))
          sb_add(&b, c, 1);
        else
          sb_add(&b, e, 3);
      }
      if (!k) sb_puts(&b, "=");
    }
  }
  if (len) *len = b.len;
  return b.p;
}

hc_resp *hc_post_formv(hc_server *s, const char *path, const char *headers,
                       const char *const fields[]) {
  sb h = {0};
  size_t n;
  char *body = hc_form_encode(fields, &n);
  sb_puts(&h, "Content-Type: application/x-www-form-urlencoded\r\n");
  if (headers) sb_puts(&h, headers);
  hc_resp *r = hc_request(s, "POST", path, h.p, body, n);
  free(body);
  free(h.p);
  return r;
}

hc_resp *hc_post_form(hc_server *s, const char *path, ...) {
  const char *f[257];
  size_t n = 0;
  va_list ap;
  va_start(ap, path);
  while (n < 256 && (f[n] = va_arg(ap, const char *)) != NULL) n++;
  va_end(ap);
  f[n] = NULL;
  return hc_post_formv(s, path, NULL, f);
}

hc_resp *hc_json(hc_server *s, const char *method, const char *path,
                 const char *bearer, const char *json) {
  return hc_json_from(s, NULL, method, path, bearer, json);
}

hc_resp *hc_json_from(hc_server *s, const char *headers, const char *method,
                      const char *path, const char *bearer, const char *json) {
  sb h = {0};
  sb_add(&h, "", 0);
  if (headers) sb_puts(&h, headers);
  if (json) sb_puts(&h, "Content-Type: application/json\r\n");
  if (bearer) sb_printf(&h, "Authorization: Bearer %s\r\n", bearer);
  hc_resp *r = hc_request(s, method, path, h.p, json, json ? strlen(json) : 0);
  free(h.p);
  return r;
}

hc_resp *hc_post_json(hc_server *s, const char *path, const char *bearer,
                      const char *json) {
  return hc_json(s, "POST", path, bearer, json);
}

/* --------------------------------------------------------- HTML helpers */

const char *hc_find(const char *html, const char *needle) {
  return html && needle ? strstr(html, needle) : NULL;
}

int hc_csrf(const char *html, char out[65]) {
  const char *p = hc_find(html, "name=\"csrf\""), *v, *gt;
  out[0] = '\0';
  if (!p || !(gt = strchr(p, '>'))) return 0;
  while (p > html && p[-1] != '<') p--; /* value= may come before name= */
  if (!(v = strstr(p, "value=\"")) || v > gt) return 0;
  v += 7;
  size_t n = strcspn(v, "\"");
  snprintf(out, 65, "%.*s", (int)(n < 64 ? n : 64), v);
  return 1;
}

/* ------------------------------------------------- steps of a test run */

const char *hc_new_addr(void) {
  static atomic_uint next;
  static _Thread_local char h[64];
  unsigned n = atomic_fetch_add(&next, 1) + 1;
  snprintf(h, sizeof h, "X-Forwarded-For: 10.%u.%u.%u\r\n",
           250 + (n >> 16) % 6, (n >> 8) & 255, n & 255);
  return h;
}

/* Prints why a step failed; returns 0. */
static int step_failed(const char *method, const char *path,
                       const hc_resp *r) {
  fprintf(stderr, "# hc: %s %s: status %d (client error %d): %.300s\n",
          method, path, r->status, r->err, r->body ? r->body : "");
  return 0;
}

int hc_get_csrf(hc_server *s, const char *path, const char *headers,
                char out[65]) {
  hc_resp *r = hc_request(s, "GET", path, headers, NULL, 0);
  int ok = r->status == 200 && hc_csrf(r->body, out);
  if (!ok) step_failed("GET", path, r);
  hc_resp_free(r);
  return ok;
}

int hc_setup_admin(hc_server *s, const char *org, const char *email,
                   const char *name, const char *password, char csrf[65]) {
  const char *tok = NULL;
  char path[200];
  int ok;
  for (int i = 0; i < 100 && !(tok = hc_setup_token(s)); i++)
    usleep(50000); /* the link is printed just after the port file */
  csrf[0] = '\0';
  if (!tok) {
    fprintf(stderr, "# hc: no setup link in the server's output\n");
    return 0;
  }
  snprintf(path, sizeof path, "/setup/%s", tok);
  if (!hc_get_csrf(s, path, hc_new_addr(), csrf)) return 0;
  const char *f[] = {"csrf",     csrf,     "org_name",  org,
                     "email",    email,    "name",      name,
                     "password", password, "password2", password,
                     NULL};
  hc_resp *r = hc_post_formv(s, path, hc_new_addr(), f);
  ok = r->status == 303 ? 1 : step_failed("POST", path, r);
  hc_resp_free(r);
  return ok;
}

int hc_make_token(hc_server *s, const char *label, char *out, size_t cap) {
  static const char mark[] = "<code id=\"new-token\">";
  char csrf[65];
  const char *p, *q = NULL;
  int ok;
  out[0] = '\0';
  if (!hc_get_csrf(s, "/admin/tokens", hc_new_addr(), csrf)) return 0;
  const char *f[] = {"csrf", csrf, "label", label, NULL};
  hc_resp *r = hc_post_formv(s, "/admin/tokens", hc_new_addr(), f);
  p = r->status == 200 ? hc_find(r->body, mark) : NULL;
  if (p) q = strchr(p += sizeof mark - 1, '<');
  ok = q && (size_t)(q - p) < cap;
  if (ok) {
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
  } else
    step_failed("POST", "/admin/tokens", r);
  hc_resp_free(r);
  return ok;
}

int hc_csv_field(const char **p, char *out, size_t cap) {
  const char *s = *p;
  size_t n = 0;
  int q = 0;
  if (*s == '\n' || *s == '\0') return 0;
  if (*s == '"') {
    q = 1;
    s++;
  }
  for (; *s; s++) {
    if (q && *s == '"' && s[1] == '"') {
      s++;
    } else if (q && *s == '"') {
      q = 0;
      continue;
    } else if (!q && (*s == ',' || *s == '\n' || *s == '\r')) {
      break;
    }
    if (n + 1 < cap) out[n++] = *s;
  }
  out[n] = '\0';
  if (*s == '\r') s++;
  if (*s == ',') s++;
  *p = s;
  return 1;
}
