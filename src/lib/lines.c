/*
** lines.c: splitting input into lines, from a file in bounded chunks or
** from memory, for the BLT and CSV readers.
**
** Files are read with read(2) in 1 MiB chunks so that memory does not grow
** with the file; a line may not exceed STV_MAX_LINE bytes.  CR before LF is
** dropped, a missing final newline is accepted, and a UTF-8 byte-order mark
** at the start is skipped.
*/
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stvInt.h"

#define CHUNK (1u << 20)

size_t stvi_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k, need;
    unsigned min;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return i;
    for (k = 1; k <= need; k++) {
      if (i + k >= n || (s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += need + 1;
  }
  return n;
}

static stv_status emit(const char *s, size_t n, long lineno, stvi_line_fn fn,
                       void *ud) {
  if (n && s[n - 1] == '\r') n--;
  if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
    s += 3;
    n -= 3;
  }
  return fn(ud, s, n, lineno);
}

stv_status stvi_lines_mem(const char *data, size_t len, const char *name,
                          stvi_line_fn fn, void *ud, stv_error *err) {
  size_t pos = 0;
  long lineno = 0;
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
    stv_status st;
    lineno++;
    if (n > STV_MAX_LINE)
      return stvi_fail(err, STV_ELIMIT, name, lineno, STV_MAX_LINE + 1,
                       "line longer than %ld bytes", (long)STV_MAX_LINE);
    st = emit(data + pos, n, lineno, fn, ud);
    if (st) return st;
    pos += n + (nl ? 1 : 0);
  }
  return STV_OK;
}

stv_status stvi_lines_file(const char *path, stvi_line_fn fn, void *ud,
                           stv_error *err) {
  int fd;
  char *buf;
  size_t have = 0, cap = CHUNK + STV_MAX_LINE + 2;
  long lineno = 0;
  stv_status st = STV_OK;
  int eof = 0, is_stdin = strcmp(path, "-") == 0;
  fd = is_stdin ? 0 : open(path, O_RDONLY);
  if (fd < 0)
    return stvi_fail(err, STV_EIO, path, 0, 0, "%s: cannot open: %s", path,
                     strerror(errno));
  buf = stvi_realloc(NULL, cap);
  if (!buf) {
    if (!is_stdin) close(fd);
    return STV_ENOMEM;
  }
  while (!eof && st == STV_OK) {
    size_t start = 0;
    ssize_t got = read(fd, buf + have, cap - have);
    if (got < 0) {
      if (errno == EINTR) continue;
      st = stvi_fail(err, STV_EIO, path, 0, 0, "%s: read error at line %ld: %s",
                     path, lineno + 1, strerror(errno));
      break;
    }
    if (got == 0) eof = 1;
    have += (size_t)got;
    for (;;) {
      const char *nl = memchr(buf + start, '\n', have - start);
      size_t n;
      if (!nl) break;
      n = (size_t)(nl - (buf + start));
      lineno++;
      if (n > STV_MAX_LINE) {
        st = stvi_fail(err, STV_ELIMIT, path, lineno, STV_MAX_LINE + 1,
                       "line longer than %ld bytes", (long)STV_MAX_LINE);
        break;
      }
      st = emit(buf + start, n, lineno, fn, ud);
      if (st) break;
      start += n + 1;
    }
    if (st) break;
    memmove(buf, buf + start, have - start);
    have -= start;
    if (have > STV_MAX_LINE) {
      st = stvi_fail(err, STV_ELIMIT, path, lineno + 1, STV_MAX_LINE + 1,
                     "line longer than %ld bytes", (long)STV_MAX_LINE);
      break;
    }
    if (eof && have > 0) {
      lineno++;
      st = emit(buf, have, lineno, fn, ud);
    }
  }
  stvi_free(buf);
  if (!is_stdin) close(fd);
  return st;
}

stv_status stvi_check_text(stv_error *err, const char *file, const char *s,
                           size_t n, long line) {
  size_t ok = stvi_utf8_valid(s, n);
  const char *nul = memchr(s, '\0', ok);
  if (nul)
    return stvi_fail(err, STV_ESYNTAX, file, line, (long)(nul - s) + 1,
                     "expected text, found a NUL byte");
  if (ok < n)
    return stvi_fail(err, STV_ESYNTAX, file, line, (long)ok + 1,
                     "expected UTF-8 text");
  return STV_OK;
}
