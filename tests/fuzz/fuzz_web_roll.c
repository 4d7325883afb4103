/*
** fuzz_web_roll.c: libFuzzer target for the voter roll's CSV reader
** (src/web/roll.c; tests/fuzz/build.sh).
**
** The first byte chooses: bit 0 set puts the header
** "member_no,name,email,tags\n" in front of the rest (so that most runs
** reach the rows), bit 1 set a byte order mark before everything.
** Promises checked (a broken one aborts):
**  - roll_parse says WEB_OK or WEB_EINVALID; a refusal has a code and a
**    message and no rows or problems; a file that is not UTF-8 or holds a
**    NUL is refused as bad_utf8, nul or utf16, and a refusal for those
**    reasons means the file really is so;
**  - rows = good rows + rejected + duplicates; every rejected or duplicate
**    row has at least one problem, problems come in line order, each
**    duplicate names an earlier line;
**  - every good row is within the rules: member number 1..64 bytes, name
**    1..200, both valid UTF-8 with no control character but TAB and no
**    space or tab at either end; email empty or svc_email_valid; tags
**    valid, strictly increasing, at most ROLL_TAGS_MAX; member numbers
**    distinct and roll_listed; lines increasing;
**  - round trip: the good rows written back as CSV (every cell quoted)
**    read again to the same rows, with no problem.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roll.h"
#include "svc_nominate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char header[] = "member_no,name,email,tags\n";

static void check_text(const char *s, size_t min, size_t max) {
  size_t n = strlen(s), i;
  if (n < min || n > max || !utf8_valid(s, n)) abort();
  for (i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 && s[i] != '\t') abort();
  if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
            s[n - 1] == '\t'))
    abort();
}

static void quoted(char **o, const char *s) {
  *(*o)++ = '"';
  for (; *s; s++) {
    if (*s == '"') *(*o)++ = '"';
    *(*o)++ = *s;
  }
  *(*o)++ = '"';
}

/* The good rows as CSV again; the same rows must come back. */
static void round_trip(const roll_result *r) {
  size_t cap = 64, i, k;
  char *buf, *o;
  roll_result b;
  for (i = 0; i < r->n_rows; i++) {
    cap += 2 * (strlen(r->row[i].member_no) + strlen(r->row[i].name) +
                strlen(r->row[i].email)) + 16;
    for (k = 0; k < r->row[i].n_tags; k++)
      cap += 2 * strlen(r->row[i].tag[k]) + 2;
  }
  if (!(buf = malloc(cap))) return;
  o = buf;
  memcpy(o, "member_no,name,email,tags\r\n", 27);
  o += 27;
  for (i = 0; i < r->n_rows; i++) {
    quoted(&o, r->row[i].member_no);
    *o++ = ',';
    quoted(&o, r->row[i].name);
    *o++ = ',';
    quoted(&o, r->row[i].email);
    *o++ = ',';
    *o++ = '"';
    for (k = 0; k < r->row[i].n_tags; k++) {
      if (k) *o++ = ';';
      memcpy(o, r->row[i].tag[k], strlen(r->row[i].tag[k]));
      o += strlen(r->row[i].tag[k]);
    }
    *o++ = '"';
    *o++ = '\r';
    *o++ = '\n';
  }
  if (roll_parse(buf, (size_t)(o - buf), &b) != WEB_OK) abort();
  if (b.n_rows != r->n_rows || b.n_problems || b.rows != r->n_rows) abort();
  for (i = 0; i < b.n_rows; i++) {
    if (strcmp(b.row[i].member_no, r->row[i].member_no) ||
        strcmp(b.row[i].name, r->row[i].name) ||
        strcmp(b.row[i].email, r->row[i].email) ||
        b.row[i].n_tags != r->row[i].n_tags)
      abort();
    for (k = 0; k < b.row[i].n_tags; k++)
      if (strcmp(b.row[i].tag[k], r->row[i].tag[k])) abort();
  }
  roll_free(&b);
  free(buf);
}

static void check(const char *in, size_t len, const char *body,
                  size_t body_len) {
  roll_result r;
  web_status s = roll_parse(in, len, &r);
  int text = utf8_valid(body, body_len) && !memchr(body, 0, body_len);
  size_t i, k, dup = 0;
  if (s == WEB_EINVALID) {
    int enc;
    if (!r.error_code || !r.error[0] || r.n_rows || r.n_problems || r.row)
      abort();
    enc = !strcmp(r.error_code, "bad_utf8") ||
          !strcmp(r.error_code, "nul") || !strcmp(r.error_code, "utf16");
    if (enc == text) abort(); /* refused for its bytes exactly when bad */
    roll_free(&r);
    return;
  }
  if (s != WEB_OK || r.error_code) abort();
  if (!text) abort();
  if (r.rows != r.n_rows + r.rejected + r.duplicates) abort();
  if (r.n_problems < r.rejected + r.duplicates) abort();
  if (!r.has[ROLL_COL_MEMBER] || !r.has[ROLL_COL_NAME]) abort();
  if (r.listed < r.n_rows) abort();
  for (i = 0; i < r.n_problems; i++) {
    const roll_problem *p = &r.problem[i];
    if (!p->code || !p->msg[0] || p->line < 2) abort();
    if (i && p->line < r.problem[i - 1].line) abort();
    if (!strcmp(p->code, "duplicate")) {
      dup++;
      if (!p->first_line || p->first_line >= p->line || !p->member_no[0])
        abort();
    } else if (p->first_line)
      abort();
  }
  if (dup != r.duplicates) abort();
  for (i = 0; i < r.n_rows; i++) {
    const roll_row *w = &r.row[i];
    check_text(w->member_no, 1, ROLL_MEMBER_MAX);
    check_text(w->name, 1, ROLL_NAME_MAX);
    if (w->email[0] && !svc_email_valid(w->email, strlen(w->email))) abort();
    if (!r.has[ROLL_COL_EMAIL] && w->email[0]) abort();
    if (w->n_tags > ROLL_TAGS_MAX) abort();
    for (k = 0; k < w->n_tags; k++) {
      if (!roll_tag_ok(w->tag[k])) abort();
      if (k && strcmp(w->tag[k - 1], w->tag[k]) >= 0) abort();
    }
    if (!roll_listed(&r, w->member_no)) abort();
    if (i && w->line <= r.row[i - 1].line) abort();
    /* distinct member numbers (quadratic: inputs are small) */
    for (k = 0; k < i && i < 2000; k++)
      if (!strcmp(r.row[k].member_no, w->member_no)) abort();
  }
  round_trip(&r);
  roll_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in;
  size_t n = 0;
  uint8_t mode;
  if (size < 1 || size > (1u << 20)) return 0;
  mode = data[0];
  in = malloc(size + sizeof header + 3);
  if (!in) return 0;
  if (mode & 2) {
    memcpy(in, "\xef\xbb\xbf", 3);
    n = 3;
  }
  if (mode & 1) {
    memcpy(in + n, header, sizeof header - 1);
    n += sizeof header - 1;
  }
  memcpy(in + n, data + 1, size - 1);
  /* the bytes after a BOM are what must be UTF-8 (a file starting FF FE
  ** without one is refused as UTF-16, which is not UTF-8 either) */
  check(in, n + size - 1, in + (mode & 2 ? 3 : 0),
        n + size - 1 - (mode & 2 ? 3 : 0));
  free(in);
  return 0;
}
