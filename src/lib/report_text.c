/*
** report_text.c: the count sheet as returning officers publish it.
**
** A heading (rules, seats, papers, quota, tie and ballot policies), then a
** table with one column per stage (after the first, each stage has the
** transfer and the new total), rows for every candidate, the
** non-transferable votes, the loss to rounding and the total; then what
** happened at each stage, and the result.
*/
#include <string.h>

#include "report.h"

const char *stvi_status_name(int status) {
  switch (status) {
  case STVI_ELECTED: return "elected";
  case STVI_EXCLUDED: return "excluded";
  case STVI_WITHDRAWN: return "withdrawn";
  }
  return "continuing";
}

const char *stvi_stage_kind_name(int kind) {
  switch (kind) {
  case STVI_STAGE_FIRST: return "first";
  case STVI_STAGE_SURPLUS: return "surplus";
  case STVI_STAGE_EXCLUSION: return "exclusion";
  case STVI_STAGE_ITERATION: return "iteration";
  }
  return "round";
}

stv_status stvi_report_flush(stvi_buf *b, stv_write_fn fn, void *ud) {
  int rc;
  if (b->failed) return STV_ENOMEM;
  rc = b->len ? fn(ud, b->data, b->len) : 0;
  stvi_buf_free(b);
  return rc ? STV_EIO : STV_OK;
}

size_t stvi_text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

static void pad(stvi_buf *b, const char *s, size_t width, int right) {
  size_t w = stvi_text_width(s);
  if (right && w < width) stvi_buf_fill(b, ' ', width - w);
  stvi_buf_puts(b, s);
  if (!right && w < width) stvi_buf_fill(b, ' ', width - w);
}

static void signed_num(int64_t v, int dp, char *out, size_t n) {
  char tmp[48];
  fx_format(v, dp, tmp, sizeof(tmp));
  if (v > 0)
    snprintf(out, n, "+%s", tmp);
  else
    snprintf(out, n, "%s", tmp);
}

/* Cell text for row `row` (candidate index, or -1 non-transferable, -2
** loss, -3 total) of stage s; transfer column when xfer. */
static void cell(const stv_result *r, const stvi_stage *s,
                 const stvi_stage *prev, int row, int xfer, char *out,
                 size_t n) {
  int64_t v, pv;
  int j;
  switch (row) {
  case -1: v = s->exhausted; pv = prev ? prev->exhausted : 0; break;
  case -2: v = s->loss; pv = prev ? prev->loss : 0; break;
  case -3:
    v = s->exhausted + s->loss;
    for (j = 0; j < r->ncand; j++) v += s->votes[j];
    pv = v;
    break;
  default: v = s->votes[row]; pv = prev ? prev->votes[row] : 0;
  }
  if (xfer) {
    if (row == -3 || v == pv)
      snprintf(out, n, "%s", ""); /* blank: the total, or no change */
    else
      signed_num(v - pv, r->dp, out, n);
  } else
    fx_format(v, r->dp, out, n);
}

stv_status stvi_write_text(const stv_result *r, stv_write_fn fn, void *ud) {
  stvi_buf b;
  int i, j, ncol, col;
  size_t namew = strlen("Non-transferable");
  size_t *w;
  char tmp[64];
  int nrows = r->ncand + 3;
  stvi_buf_init(&b, STVI_REPORT_MAX);
  if (r->title[0]) stvi_buf_printf(&b, "%s\n", r->title);
  stvi_buf_printf(&b, "Rules: %s (%s)\n", r->rules,
                  stv_rule_summary(r->rules) ? stv_rule_summary(r->rules)
                                             : "");
  stvi_buf_printf(&b, "Seats: %d   Candidates: %d   Valid papers: %lld",
                  r->seats, r->ncand, (long long)r->papers);
  if (r->invalid) stvi_buf_printf(&b, "   Rejected papers: %lld",
                                  (long long)r->invalid);
  if (r->empty) stvi_buf_printf(&b, "   Papers with no usable preference: "
                                    "%lld", (long long)r->empty);
  fx_format(r->quota, r->dp, tmp, sizeof(tmp));
  stvi_buf_printf(&b, "\nQuota: %s (%s)\n", tmp, r->quota_desc);
  stvi_buf_printf(&b, "Ties: %s   Ballot policies: %s\n", r->ties,
                  r->policies);
  stvi_buf_printf(&b,
                  "Papers touched: equal preferences %lld, repeated "
                  "candidates %lld, skipped ranks %lld\n",
                  (long long)r->touched_equal, (long long)r->touched_repeat,
                  (long long)r->touched_skip);
  if (r->cons_text) stvi_buf_puts(&b, r->cons_text);
  stvi_buf_puts(&b, "\n");

  /* columns: stage 1 has one (votes); later stages two (transfer, votes) */
  ncol = r->nstages ? 2 * r->nstages - 1 : 0;
  w = stvi_calloc_array((size_t)ncol + 1, sizeof(size_t));
  if (!w) {
    stvi_buf_free(&b);
    return STV_ENOMEM;
  }
  for (i = 0; i < r->ncand; i++) {
    size_t nw = stvi_text_width(r->names[i]);
    if (nw > namew) namew = nw;
  }
  for (i = 0, col = 0; i < r->nstages; i++) {
    const stvi_stage *s = &r->stages[i], *p = i ? &r->stages[i - 1] : NULL;
    int x;
    for (x = i ? 1 : 0; x >= 0; x--, col++) {
      size_t mw = strlen(x ? "Transfer" : "Stage 999");
      for (j = -3; j < r->ncand; j++) {
        cell(r, s, p, j, x, tmp, sizeof(tmp));
        if (strlen(tmp) > mw) mw = strlen(tmp);
      }
      w[col] = mw;
    }
  }
  pad(&b, "", namew, 0);
  for (i = 0, col = 0; i < r->nstages; i++) {
    if (i) {
      stvi_buf_puts(&b, "  ");
      pad(&b, "Transfer", w[col++], 1);
    }
    snprintf(tmp, sizeof(tmp), "Stage %d", i + 1);
    stvi_buf_puts(&b, "  ");
    pad(&b, tmp, w[col++], 1);
  }
  stvi_buf_puts(&b, "\n");
  for (j = 0; j < nrows; j++) {
    int row = j < r->ncand ? j : -(j - r->ncand + 1);
    const char *label = row >= 0    ? r->names[row]
                        : row == -1 ? "Non-transferable"
                        : row == -2 ? "Loss to rounding"
                                    : "Total";
    pad(&b, label, namew, 0);
    for (i = 0, col = 0; i < r->nstages; i++) {
      const stvi_stage *s = &r->stages[i], *p = i ? &r->stages[i - 1] : NULL;
      if (i) {
        cell(r, s, p, row, 1, tmp, sizeof(tmp));
        stvi_buf_puts(&b, "  ");
        pad(&b, tmp, w[col++], 1);
      }
      cell(r, s, p, row, 0, tmp, sizeof(tmp));
      stvi_buf_puts(&b, "  ");
      pad(&b, tmp, w[col++], 1);
    }
    stvi_buf_puts(&b, "\n");
  }
  stvi_free(w);

  stvi_buf_puts(&b, "\n");
  for (i = 0; i < r->nstages; i++) {
    const stvi_stage *s = &r->stages[i];
    stvi_buf_printf(&b, "Stage %d: %s\n", i + 1, s->action);
    for (j = 0; j < s->nevents; j++)
      stvi_buf_printf(&b, "  - %s\n", s->events[j].text);
  }
  stvi_buf_puts(&b, "\nElected:");
  for (i = 0; i < r->nelected; i++)
    stvi_buf_printf(&b, "%s %d. %s", i ? "," : "", i + 1,
                    r->names[r->elected[i] - 1]);
  stvi_buf_puts(&b, r->nelected ? "\n" : " none\n");
  for (i = 0; r->ron && i < r->nelected; i++)
    if (r->elected[i] == r->ron)
      stvi_buf_printf(&b, "%s (re-open nominations) won a seat: it is left "
                          "vacant\n",
                      r->names[r->ron - 1]);
  if (r->vacated) {
    stvi_buf_printf(&b, "Casual vacancy: the seat of %s ",
                    r->names[r->vacated - 1]);
    if (r->filled)
      stvi_buf_printf(&b, "is filled by %s", r->names[r->filled - 1]);
    else
      stvi_buf_puts(&b, "cannot be filled: no candidate is left");
    stvi_buf_puts(&b, r->fill ? " (the highest unelected candidate at the "
                                "end of the original count)\n"
                              : " (recount passing over the member leaving, "
                                "the others held elected: ERS97 7.1)\n");
  }
  return stvi_report_flush(&b, fn, ud);
}
