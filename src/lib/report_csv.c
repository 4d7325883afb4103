/*
** report_csv.c: the stage table as CSV (RFC 4180), one row per stage:
** stage, action, subject, each candidate's votes at the end of the stage,
** non-transferable (cumulative), loss to rounding (cumulative), quota, and
** the candidates elected and excluded at that stage.
*/
#include <string.h>

#include "report.h"

static void field(stvi_buf *b, const char *s) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  /* a leading = + - @ would be a formula in a spreadsheet */
  int guard = s[0] == '=' || s[0] == '+' || s[0] == '@' || s[0] == '-' ||
              s[0] == '\t' || s[0] == '\r';
  if (!quote && !guard) {
    stvi_buf_puts(b, s);
    return;
  }
  stvi_buf_puts(b, "\"");
  if (guard) stvi_buf_puts(b, "'");
  for (; *s; s++) {
    if (*s == '"') stvi_buf_puts(b, "\"");
    stvi_buf_add(b, s, 1);
  }
  stvi_buf_puts(b, "\"");
}

static void names_of(stvi_buf *b, const stv_result *r, const stvi_stage *s,
                     int type) {
  stvi_buf t;
  int i, first = 1;
  stvi_buf_init(&t, 1u << 20);
  for (i = 0; i < s->nevents; i++)
    if (s->events[i].type == type) {
      if (!first) stvi_buf_puts(&t, "; ");
      stvi_buf_puts(&t, r->names[s->events[i].cand]);
      first = 0;
    }
  field(b, t.data ? t.data : "");
  stvi_buf_free(&t);
}

stv_status stvi_write_csv(const stv_result *r, stv_write_fn fn, void *ud) {
  stvi_buf b;
  int i, j;
  char tmp[48];
  stvi_buf_init(&b, STVI_REPORT_MAX);
  stvi_buf_puts(&b, "stage,action,subject");
  for (i = 0; i < r->ncand; i++) {
    stvi_buf_puts(&b, ",");
    field(&b, r->names[i]);
  }
  stvi_buf_puts(&b, ",non_transferable,loss,quota,elected,excluded\r\n");
  for (i = 0; i < r->nstages; i++) {
    const stvi_stage *s = &r->stages[i];
    stvi_buf t;
    stvi_buf_printf(&b, "%d,%s,", i + 1, stvi_stage_kind_name(s->kind));
    stvi_buf_init(&t, 1u << 20);
    for (j = 0; j < s->nsubjects; j++) {
      if (j) stvi_buf_puts(&t, "; ");
      stvi_buf_puts(&t, r->names[s->subjects[j]]);
    }
    field(&b, t.data ? t.data : "");
    stvi_buf_free(&t);
    for (j = 0; j < r->ncand; j++) {
      fx_format(s->votes[j], r->dp, tmp, sizeof(tmp));
      stvi_buf_printf(&b, ",%s", tmp);
    }
    fx_format(s->exhausted, r->dp, tmp, sizeof(tmp));
    stvi_buf_printf(&b, ",%s", tmp);
    fx_format(s->loss, r->dp, tmp, sizeof(tmp));
    stvi_buf_printf(&b, ",%s", tmp);
    fx_format(s->quota, r->dp, tmp, sizeof(tmp));
    stvi_buf_printf(&b, ",%s,", tmp);
    names_of(&b, r, s, STVI_EV_ELECTED);
    stvi_buf_puts(&b, ",");
    names_of(&b, r, s, STVI_EV_EXCLUDED);
    stvi_buf_puts(&b, "\r\n");
  }
  return stvi_report_flush(&b, fn, ud);
}
