/*
** status.c: the library's status codes, their names, and the helper that
** fills a caller's stv_error with file:line:col and a reason.
*/
#include <stdio.h>
#include <string.h>

#include "stvInt.h"

const char *stv_strerror(stv_status st) {
  switch (st) {
  case STV_OK: return "no error";
  case STV_ENOMEM: return "out of memory";
  case STV_EIO: return "input/output error";
  case STV_ESYNTAX: return "syntax error in input";
  case STV_ELIMIT: return "input exceeds a built-in limit";
  case STV_EINVAL: return "invalid argument";
  case STV_EOVERFLOW: return "arithmetic overflow";
  case STV_EUNSUPPORTED: return "not supported by this rule set or build";
  case STV_EBALLOT: return "no valid ballots";
  case STV_ECONSTRAINT: return "the constraints cannot be met";
  case STV_LAST: break;
  }
  return "unknown status";
}

stv_status stvi_fail(stv_error *err, stv_status st, const char *file,
                     long line, long col, const char *fmt, ...) {
  va_list ap;
  if (!err) return st;
  snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
  err->line = line;
  err->col = col;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  return st;
}
