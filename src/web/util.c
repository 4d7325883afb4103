/*
** util.c: status messages and the service's clock.
**
** web_now() is the only clock the service reads.  TEST ONLY: when the
** environment variable HUSTINGS_TEST_CLOCK_FILE names a file, its content
** (a decimal integer, possibly negative, surrounding white space allowed)
** is read at every call and added to time(NULL) as an offset in seconds,
** so integration tests can move a running server past its deadlines by
** rewriting the file.  A missing or malformed file means offset 0.  Never
** set it in production.  The variable is read with getenv() on each call;
** nothing in the service calls setenv() after threads start.
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "web.h"

const char *web_strerror(web_status s) {
  switch (s) {
  case WEB_OK: return "ok";
  case WEB_ENOMEM: return "out of memory";
  case WEB_ETOOBIG: return "too large";
  case WEB_EFORM: return "malformed form encoding";
  case WEB_EUTF8: return "not valid UTF-8";
  case WEB_EJSON: return "malformed JSON";
  case WEB_EINVALID: return "some fields are not valid";
  case WEB_ENOTFOUND: return "not found";
  case WEB_ECONFLICT: return "not allowed in the current state";
  case WEB_EBUSY: return "the database is busy; try again";
  case WEB_EDB: return "database error";
  case WEB_EIO: return "input/output error";
  case WEB_ETZ: return "unknown time zone or non-existent local time";
  case WEB_ECRYPTO: return "cryptography failure";
  }
  return "unknown error";
}

/* The offset in the test clock file, or 0. */
static int64_t test_offset(const char *path) {
  char buf[64], *end;
  size_t n;
  long long v;
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  errno = 0;
  v = strtoll(buf, &end, 10);
  if (errno || end == buf) return 0;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
  if (*end) return 0;
  return (int64_t)v;
}

int64_t web_now(void) {
  const char *path = getenv("HUSTINGS_TEST_CLOCK_FILE");
  int64_t t = (int64_t)time(NULL);
  if (path && *path) t += test_offset(path);
  return t;
}
