/*
** result.c: the record of a count, built stage by stage, and its accessors.
**
** A rule opens a stage (naming its action and subjects), moves votes in
** c->votes and c->exhausted, adds events (elected, excluded, tie, note),
** and closes the stage; closing snapshots every total, the transfers since
** the previous stage, the non-transferable votes and the loss to rounding.
*/
#include <string.h>

#include "stvInt.h"

int stvi_hopefuls(const stvi_count *c) {
  int i, n = 0;
  for (i = 0; i < c->n; i++) n += c->status[i] == STVI_HOPEFUL;
  return n;
}

/* The whole text, however long (tie records name every tied candidate). */
static char *vformat(const char *fmt, va_list ap) {
  va_list aq;
  int n;
  char *s;
  va_copy(aq, ap);
  n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (n < 0) return NULL;
  s = stvi_realloc(NULL, (size_t)n + 1);
  if (!s) return NULL;
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

stv_status stvi_stage_open(stvi_count *c, int kind, const int *subj, int ns,
                           const char *fmt, ...) {
  stv_result *r = c->r;
  stvi_stage *s;
  va_list ap;
  if (r->nstages == r->capstages) {
    int nc = r->capstages ? r->capstages * 2 : 16;
    stvi_stage *ns2 = stvi_realloc_array(r->stages, (size_t)nc, sizeof(*ns2));
    if (!ns2) return STV_ENOMEM;
    r->stages = ns2;
    r->capstages = nc;
  }
  s = &r->stages[r->nstages];
  memset(s, 0, sizeof(*s));
  r->nstages++; /* counted now so that free() sees its allocations */
  s->kind = kind;
  if (ns > 0) {
    s->subjects = stvi_alloc_array((size_t)ns, sizeof(int));
    if (!s->subjects) return STV_ENOMEM;
    memcpy(s->subjects, subj, (size_t)ns * sizeof(int));
    s->nsubjects = ns;
  }
  va_start(ap, fmt);
  s->action = vformat(fmt, ap);
  va_end(ap);
  if (!s->action) return STV_ENOMEM;
  s->votes = stvi_calloc_array((size_t)c->n, sizeof(int64_t));
  s->transfers = stvi_calloc_array((size_t)c->n, sizeof(int64_t));
  if (!s->votes || !s->transfers) return STV_ENOMEM;
  return STV_OK;
}

stv_status stvi_stage_close(stvi_count *c) {
  stv_result *r = c->r;
  stvi_stage *s = &r->stages[r->nstages - 1];
  stvi_stage *prev = r->nstages > 1 ? &r->stages[r->nstages - 2] : NULL;
  int64_t sum = 0;
  int i;
  for (i = 0; i < c->n; i++) {
    s->votes[i] = c->votes[i];
    s->transfers[i] = prev ? c->votes[i] - prev->votes[i] : c->votes[i];
    sum += c->votes[i];
  }
  s->exhausted = c->exhausted;
  s->exhausted_delta = prev ? c->exhausted - prev->exhausted : c->exhausted;
  if (r->nstages == 1) r->total = sum + c->exhausted;
  s->loss = r->total - sum - c->exhausted;
  s->quota = c->quota;
  r->nclosed = r->nstages;
  if (c->ovf) return STV_EOVERFLOW;
  return stvi_con_flush(c);
}

stv_status stvi_stage_about(stvi_count *c, const int *subj, int ns,
                            const char *fmt, ...) {
  stvi_stage *s = &c->r->stages[c->r->nstages - 1];
  va_list ap;
  stvi_free(s->subjects);
  s->subjects = NULL;
  s->nsubjects = 0;
  if (ns > 0) {
    s->subjects = stvi_alloc_array((size_t)ns, sizeof(int));
    if (!s->subjects) return STV_ENOMEM;
    memcpy(s->subjects, subj, (size_t)ns * sizeof(int));
    s->nsubjects = ns;
  }
  stvi_free(s->action);
  va_start(ap, fmt);
  s->action = vformat(fmt, ap);
  va_end(ap);
  return s->action ? STV_OK : STV_ENOMEM;
}

stv_status stvi_event_add(stvi_count *c, int type, int cand, const char *fmt,
                          ...) {
  stv_result *r = c->r;
  stvi_stage *s;
  stvi_event *ne;
  va_list ap;
  if (r->nstages == 0) return STV_EINVAL;
  s = &r->stages[r->nstages - 1];
  ne = stvi_realloc_array(s->events, (size_t)s->nevents + 1, sizeof(*ne));
  if (!ne) return STV_ENOMEM;
  s->events = ne;
  ne = &s->events[s->nevents];
  ne->type = type;
  ne->cand = cand;
  va_start(ap, fmt);
  ne->text = vformat(fmt, ap);
  va_end(ap);
  if (!ne->text) return STV_ENOMEM;
  s->nevents++;
  return STV_OK;
}

stv_status stvi_elect(stvi_count *c, int k, const char *why) {
  stv_status st;
  c->status[k] = STVI_ELECTED;
  c->r->elected[c->r->nelected++] = k + 1;
  c->nelected++;
  st = stvi_event_add(c, STVI_EV_ELECTED, k, "%s elected: %s",
                      c->e->names[k], why);
  return st ? st : stvi_con_changed(c);
}

stv_status stvi_exclude(stvi_count *c, int k, const char *why) {
  stv_status st;
  c->status[k] = STVI_EXCLUDED;
  st = stvi_event_add(c, STVI_EV_EXCLUDED, k, "%s excluded: %s",
                      c->e->names[k], why);
  return st ? st : stvi_con_changed(c);
}

void stv_result_free(stv_result *r) {
  int i, j;
  if (!r) return;
  for (i = 0; i < r->nstages; i++) {
    stvi_stage *s = &r->stages[i];
    for (j = 0; j < s->nevents; j++) stvi_free(s->events[j].text);
    stvi_free(s->events);
    stvi_free(s->subjects);
    stvi_free(s->action);
    stvi_free(s->votes);
    stvi_free(s->transfers);
  }
  stvi_free(r->stages);
  if (r->names)
    for (i = 0; i < r->ncand; i++) stvi_free(r->names[i]);
  if (r->finals)
    for (i = 0; i < r->ncand; i++) stvi_free(r->finals[i]);
  stvi_free(r->names);
  stvi_free(r->finals);
  stvi_free(r->status);
  stvi_free(r->elected);
  stvi_free(r->rules);
  stvi_free(r->title);
  stvi_free(r->policies);
  stvi_free(r->ties);
  stvi_free(r->quota_desc);
  stvi_free(r->quota_str);
  stvi_free(r->cons_text);
  stvi_free(r->cons_json);
  stvi_free(r->src_file);
  stvi_free(r->src_sha256);
  stvi_free(r);
}

const int *stv_result_elected(const stv_result *r, int *n) {
  if (n) *n = r ? r->nelected : 0;
  return r ? r->elected : NULL;
}

const char *stv_result_final(const stv_result *r, int c) {
  if (!r || c < 1 || c > r->ncand || !r->finals) return NULL;
  return r->finals[c - 1];
}

const char *stv_result_quota(const stv_result *r) {
  return r ? r->quota_str : NULL;
}

int stv_result_stages(const stv_result *r) { return r ? r->nstages : 0; }

stv_status stv_result_write(const stv_result *r, stv_format f,
                            stv_write_fn fn, void *ud) {
  if (!r || !fn) return STV_EINVAL;
  switch (f) {
  case STV_FORMAT_TEXT: return stvi_write_text(r, fn, ud);
  case STV_FORMAT_JSON: return stvi_write_json(r, fn, ud);
  case STV_FORMAT_CSV: return stvi_write_csv(r, fn, ud);
  case STV_FORMAT_HTML: return stvi_write_html(r, fn, ud);
  case STV_FORMAT_RCTAB: return stvi_write_rctab(r, fn, ud);
  }
  return STV_EINVAL;
}

char *stvi_join_names(const stvi_count *c, const int *set, int n) {
  stvi_buf b;
  int i;
  stvi_buf_init(&b, (size_t)1 << 24);
  stvi_buf_puts(&b, "");
  for (i = 0; i < n; i++) {
    stvi_buf_puts(&b, i == 0 ? "" : i + 1 == n ? " and " : ", ");
    stvi_buf_puts(&b, c->e->names[set[i]]);
  }
  if (b.failed) {
    stvi_buf_free(&b);
    return NULL;
  }
  return b.data;
}
