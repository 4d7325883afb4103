/*
** fuzz_web_ballot.c: libFuzzer target for the ranking form's reader
** (src/web/ballot_read.c; docs/design/ballot.md §3.3, §8 "Fuzz";
** tests/fuzz/build.sh).
**
** The paper is fixed: three contests (ids 3, 5, 8) of 5, 2 and 9
** candidates, one of them withdrawn; contest 9 exists but is not on it.
** The input is used two ways: as an urlencoded body as it stands (first
** byte even), or (first byte odd) as pairs of bytes, each naming one
** field of the paper or a stray one and its value, so that valid rankings
** are common.
**
** Promises checked (a broken one aborts):
**  - ballot_read returns WEB_OK or WEB_EINVALID (never ENOMEM here);
**  - on WEB_EINVALID: no choices, at least one error, each error on a
**    field "r.C.N" that was posted or on "contest.C", with a known code;
**  - on WEB_OK: one choice per contest of the paper, in its order; the
**    choices rank distinct candidates of that contest only, each posted
**    with a non-empty value, and every field posted with a non-empty value
**    is ranked; the order is by the posted numbers, each 1..n and used
**    once; gap_closed says whether the numbers were other than 1..k;
**    has_withdrawn whether a withdrawn candidate is ranked; no field
**    named a contest or candidate not on the paper.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_vote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static svc_bcand c3[] = {
    {12, 1, "Ada", "", "", 0, ""},   {7, 2, "Tom", "", "", 1, "gone"},
    {31, 3, "Zed", "", "", 0, ""},   {40, 4, "Bo", "", "", 0, ""},
    {41, 5, "Cy", "", "", 0, ""},
};
static svc_bcand c5[] = {
    {50, 1, "Chidi", "", "", 0, ""},
    {51, 2, "Meera", "", "", 0, ""},
};
static svc_bcand c8[] = {
    {1, 1, "A", "", "", 0, ""}, {2, 2, "B", "", "", 0, ""},
    {3, 3, "C", "", "", 0, ""}, {4, 4, "D", "", "", 0, ""},
    {5, 5, "E", "", "", 0, ""}, {6, 6, "F", "", "", 0, ""},
    {8, 7, "G", "", "", 0, ""}, {9, 8, "H", "", "", 0, ""},
    {10, 9, "I", "", "", 0, ""},
};
static svc_bcontest contests[] = {
    {3, "general", "General", 2, c3, 5},
    {5, "bame", "BAME", 1, c5, 2},
    {8, "youth", "Youth", 3, c8, 9},
};
static svc_ballot paper = {.c = contests, .n = 3};

/* The trimmed value of a posted field as a number: 0 when empty, -1 when
** not all digits, else the number (capped at 1,000,000). */
static long value_of(const char *s, size_t n) {
  size_t a = 0, b = n, i;
  long v = 0;
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  if (a == b) return 0;
  for (i = a; i < b; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    if (v < 1000000) v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* The field of f named "r.C.N" (exactly as ballot_read would write it),
** or -1; count gets how many fields have that name. */
static long find_field(const form *f, int64_t c, int64_t nid, size_t *count) {
  char name[FORM_MAX_NAME + 1];
  size_t i;
  long at = -1;
  snprintf(name, sizeof name, "r.%lld.%lld", (long long)c, (long long)nid);
  *count = 0;
  for (i = 0; i < f->n; i++)
    if (strcmp(f->name[i], name) == 0) {
      if (at < 0) at = (long)i;
      (*count)++;
    }
  return at;
}

static void check_errors(const form *f, const verr *v) {
  size_t i, j;
  if (v->n == 0) abort();
  for (i = 0; i < v->n; i++) {
    const char *fl = v->e[i].field, *code = v->e[i].code;
    int known = 0;
    if (strncmp(fl, "contest.", 8) == 0) {
      if (strcmp(code, "not_eligible") != 0) abort();
      continue;
    }
    if (strcmp(code, "not_a_number") != 0 &&
        strcmp(code, "out_of_range") != 0 && strcmp(code, "duplicate") != 0)
      abort();
    for (j = 0; j < f->n && !known; j++) known = !strcmp(f->name[j], fl);
    if (!known) abort();
    if (!v->e[i].msg[0]) abort();
  }
}

/* Parses 1..18 digits with no leading zero (ballot_read's rule). */
static int id_of(const char *s, size_t n, int64_t *out) {
  size_t i;
  *out = 0;
  if (n == 0 || n > 18 || s[0] == '0') return 0;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    *out = *out * 10 + (s[i] - '0');
  }
  return 1;
}

/* 1 if every ballot field of f names a candidate on the paper. */
static int all_on_paper(const form *f) {
  size_t i, ci, k;
  for (i = 0; i < f->n; i++) {
    const char *nm = f->name[i], *dot;
    int64_t c, nid;
    int found = 0;
    if (strncmp(nm, "r.", 2) != 0 || !(dot = strchr(nm + 2, '.'))) continue;
    if (!id_of(nm + 2, (size_t)(dot - nm - 2), &c) ||
        !id_of(dot + 1, strlen(dot + 1), &nid))
      continue;
    for (ci = 0; ci < paper.n; ci++)
      for (k = 0; paper.c[ci].id == c && k < paper.c[ci].n; k++)
        found |= paper.c[ci].cand[k].nomination_id == nid;
    if (!found) return 0;
  }
  return 1;
}

static void check_choices(const form *f, const ballot_choice *ch, size_t n) {
  size_t ci, i, k, count;
  if (n != paper.n) abort();
  if (!all_on_paper(f)) abort();
  for (ci = 0; ci < n; ci++) {
    const svc_bcontest *bc = &paper.c[ci];
    const ballot_choice *c = &ch[ci];
    size_t ranked = 0;
    long prev = 0;
    int withdrawn = 0;
    if (c->contest_id != bc->id) abort();
    if (c->n > bc->n || (c->n && !c->order)) abort();
    /* every field with a number is ranked, and only those */
    for (k = 0; k < bc->n; k++) {
      long at = find_field(f, bc->id, bc->cand[k].nomination_id, &count);
      long val;
      if (at < 0) continue;
      if (count != 1) abort(); /* a repeated field must be refused */
      val = value_of(f->value[at], f->vlen[at]);
      if (val < 0 || val > (long)bc->n) abort();
      if (val > 0) ranked++;
    }
    if (ranked != c->n) abort();
    for (i = 0; i < c->n; i++) {
      const svc_bcand *cand = NULL;
      long at, val;
      /* a candidate of this contest, once */
      for (k = 0; k < bc->n; k++)
        if (bc->cand[k].nomination_id == c->order[i]) cand = &bc->cand[k];
      if (!cand) abort();
      for (k = 0; k < i; k++)
        if (c->order[k] == c->order[i]) abort();
      at = find_field(f, bc->id, cand->nomination_id, &count);
      if (at < 0) abort();
      val = value_of(f->value[at], f->vlen[at]);
      /* in strictly increasing order of the posted numbers */
      if (val <= prev) abort();
      prev = val;
      if (cand->withdrawn) withdrawn = 1;
    }
    if (c->gap_closed != (prev != (long)c->n)) abort();
    if (c->has_withdrawn != withdrawn) abort();
  }
}

/* Builds a body from byte pairs: the first picks a field (most of them on
** the paper), the second its value. */
static char *structured(const uint8_t *d, size_t n, size_t *len) {
  static const char *const vals[] = {"", "1", "2", "3", "4", "5", "6",
                                     "7", "8", "9", "0", "10", "+2+",
                                     "%092", "x", "02", "-1", "1.0"};
  wbuf b;
  size_t i;
  wbuf_init(&b, (size_t)64 << 10);
  for (i = 0; i + 1 < n; i += 2) {
    unsigned pick = d[i], vi = d[i + 1];
    const svc_bcontest *bc = &paper.c[pick % 3];
    const char *val = vals[vi % (sizeof vals / sizeof vals[0])];
    if (i) wbuf_puts(&b, "&");
    if (pick >= 0xf0) /* a contest not on the paper */
      wbuf_printf(&b, "r.9.%u=%s", pick & 0x0f, val);
    else if (pick >= 0xe0) /* a candidate not in the contest */
      wbuf_printf(&b, "r.%lld.%u=%s", (long long)bc->id, 100 + (pick & 0x0f),
                  val);
    else
      wbuf_printf(&b, "r.%lld.%lld=%s", (long long)bc->id,
                  (long long)bc->cand[(pick / 3) % bc->n].nomination_id, val);
  }
  return wbuf_take(&b, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  form f;
  verr v;
  ballot_choice *ch = NULL;
  size_t n = 0, len = 0;
  char *body;
  web_status st;
  if (size == 0) return 0;
  if (data[0] & 1) {
    body = structured(data + 1, size - 1, &len);
    if (!body) return 0;
  } else {
    body = malloc(size);
    if (!body) return 0;
    memcpy(body, data + 1, size - 1);
    len = size - 1;
  }
  if (form_parse(&f, body, len) != WEB_OK) {
    free(body);
    return 0;
  }
  memset(&v, 0, sizeof v);
  st = ballot_read(&f, &paper, &ch, &n, &v);
  if (st == WEB_OK) {
    if (v.n) abort();
    check_choices(&f, ch, n);
    ballot_choices_free(ch, n);
  } else if (st == WEB_EINVALID) {
    if (ch || n) abort();
    check_errors(&f, &v);
  } else {
    abort();
  }
  form_free(&f);
  free(body);
  return 0;
}
