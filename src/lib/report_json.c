/*
** report_json.c: the JSON result, a stable contract (docs/json.md).
**
** Numbers of votes are exact decimal strings with the count's decimals;
** counts of papers and candidate numbers are JSON integers.  Candidate
** numbers are 1-based in file order.  Key order is fixed, so the bytes are
** the same on every run.
*/
#include <string.h>

#include "report.h"

void stvi_json_str(stvi_buf *b, const char *s) {
  stvi_buf_puts(b, "\"");
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    switch (ch) {
    case '"': stvi_buf_puts(b, "\\\""); break;
    case '\\': stvi_buf_puts(b, "\\\\"); break;
    case '\n': stvi_buf_puts(b, "\\n"); break;
    case '\r': stvi_buf_puts(b, "\\r"); break;
    case '\t': stvi_buf_puts(b, "\\t"); break;
    default:
      if (ch < 0x20)
        stvi_buf_printf(b, "\\u%04x", ch);
      else
        stvi_buf_add(b, s, 1);
    }
  }
  stvi_buf_puts(b, "\"");
}

static void num(stvi_buf *b, int64_t v, int dp) {
  char tmp[48];
  fx_format(v, dp, tmp, sizeof(tmp));
  stvi_buf_printf(b, "\"%s\"", tmp);
}

static void events(stvi_buf *b, const stvi_stage *s, int type,
                   int with_text) {
  int i, first = 1;
  stvi_buf_puts(b, "[");
  for (i = 0; i < s->nevents; i++) {
    if (s->events[i].type != type &&
        !(type == STVI_EV_NOTE && (s->events[i].type == STVI_EV_DEFERRED ||
                                   s->events[i].type == STVI_EV_DOOMED ||
                                   s->events[i].type == STVI_EV_GUARDED)))
      continue;
    if (!first) stvi_buf_puts(b, ", ");
    first = 0;
    if (with_text) {
      stvi_buf_puts(b, "{\"text\": ");
      stvi_json_str(b, s->events[i].text);
      if (s->events[i].cand >= 0)
        stvi_buf_printf(b, ", \"candidate\": %d", s->events[i].cand + 1);
      stvi_buf_puts(b, "}");
    } else
      stvi_buf_printf(b, "%d", s->events[i].cand + 1);
  }
  stvi_buf_puts(b, "]");
}

stv_status stvi_write_json(const stv_result *r, stv_write_fn fn, void *ud) {
  stvi_buf b;
  int i, j;
  stvi_buf_init(&b, STVI_REPORT_MAX);
  stvi_buf_puts(&b, "{\n  \"rules\": ");
  stvi_json_str(&b, r->rules);
  stvi_buf_puts(&b, ",\n  \"title\": ");
  stvi_json_str(&b, r->title);
  stvi_buf_printf(&b, ",\n  \"seats\": %d,\n  \"decimals\": %d", r->seats,
                  r->dp);
  stvi_buf_printf(&b, ",\n  \"ballots\": %lld", (long long)r->papers);
  stvi_buf_printf(&b, ",\n  \"invalid\": %lld,\n  \"empty\": %lld",
                  (long long)r->invalid, (long long)r->empty);
  stvi_buf_puts(&b, ",\n  \"quota\": ");
  num(&b, r->quota, r->dp);
  stvi_buf_puts(&b, ",\n  \"quota_rule\": ");
  stvi_json_str(&b, r->quota_desc);
  stvi_buf_puts(&b, ",\n  \"ties\": ");
  stvi_json_str(&b, r->ties);
  stvi_buf_puts(&b, ",\n  \"policies\": ");
  stvi_json_str(&b, r->policies);
  stvi_buf_printf(&b,
                  ",\n  \"touched\": {\"equal\": %lld, \"repeat\": %lld, "
                  "\"skipped\": %lld}",
                  (long long)r->touched_equal, (long long)r->touched_repeat,
                  (long long)r->touched_skip);
  if (r->cons_json) {
    stvi_buf_puts(&b, ",\n  \"constraints\": ");
    stvi_buf_puts(&b, r->cons_json);
  }
  stvi_buf_puts(&b, ",\n  \"elected\": [");
  for (i = 0; i < r->nelected; i++)
    stvi_buf_printf(&b, "%s%d", i ? ", " : "", r->elected[i]);
  stvi_buf_puts(&b, "]");
  if (r->ron) {
    int won = 0;
    for (i = 0; i < r->nelected; i++) won |= r->elected[i] == r->ron;
    stvi_buf_printf(&b, ",\n  \"ron\": %d, \"vacant\": %d", r->ron, won);
  }
  if (r->vacated) {
    stvi_buf_printf(&b, ",\n  \"vacancy\": {\"vacated\": %d, \"method\": "
                        "\"%s\", \"filled_by\": ",
                    r->vacated, r->fill ? "highest" : "recount");
    if (r->filled)
      stvi_buf_printf(&b, "%d}", r->filled);
    else
      stvi_buf_puts(&b, "null}");
  }
  stvi_buf_puts(&b, ",\n  \"candidates\": [");
  for (i = 0; i < r->ncand; i++) {
    stvi_buf_printf(&b, "%s\n    {\"number\": %d, \"name\": ", i ? "," : "",
                    i + 1);
    stvi_json_str(&b, r->names[i]);
    stvi_buf_printf(&b, ", \"status\": \"%s\", \"final\": ",
                    stvi_status_name(r->status[i]));
    stvi_json_str(&b, r->finals[i]);
    stvi_buf_puts(&b, "}");
  }
  stvi_buf_puts(&b, "\n  ],\n  \"stages\": [");
  for (i = 0; i < r->nstages; i++) {
    const stvi_stage *s = &r->stages[i];
    stvi_buf_printf(&b, "%s\n    {\"stage\": %d, \"action\": \"%s\"",
                    i ? "," : "", i + 1, stvi_stage_kind_name(s->kind));
    stvi_buf_puts(&b, ", \"subject\": [");
    for (j = 0; j < s->nsubjects; j++)
      stvi_buf_printf(&b, "%s%d", j ? ", " : "", s->subjects[j] + 1);
    stvi_buf_puts(&b, "], \"description\": ");
    stvi_json_str(&b, s->action);
    stvi_buf_puts(&b, ",\n     \"quota\": ");
    num(&b, s->quota, r->dp);
    stvi_buf_puts(&b, ",\n     \"votes\": [");
    for (j = 0; j < r->ncand; j++) {
      if (j) stvi_buf_puts(&b, ", ");
      num(&b, s->votes[j], r->dp);
    }
    stvi_buf_puts(&b, "],\n     \"transfers\": [");
    for (j = 0; j < r->ncand; j++) {
      if (j) stvi_buf_puts(&b, ", ");
      num(&b, s->transfers[j], r->dp);
    }
    stvi_buf_puts(&b, "],\n     \"non_transferable\": ");
    num(&b, s->exhausted_delta, r->dp);
    stvi_buf_puts(&b, ", \"non_transferable_total\": ");
    num(&b, s->exhausted, r->dp);
    stvi_buf_puts(&b, ", \"loss_total\": ");
    num(&b, s->loss, r->dp);
    stvi_buf_puts(&b, ",\n     \"elected\": ");
    events(&b, s, STVI_EV_ELECTED, 0);
    stvi_buf_puts(&b, ", \"excluded\": ");
    events(&b, s, STVI_EV_EXCLUDED, 0);
    stvi_buf_puts(&b, ",\n     \"ties\": ");
    events(&b, s, STVI_EV_TIE, 1);
    if (r->cons_json) {
      stvi_buf_puts(&b, ",\n     \"doomed\": ");
      events(&b, s, STVI_EV_DOOMED, 0);
      stvi_buf_puts(&b, ", \"guarded\": ");
      events(&b, s, STVI_EV_GUARDED, 0);
    }
    stvi_buf_puts(&b, ",\n     \"notes\": "); /* notes and deferrals */
    events(&b, s, STVI_EV_NOTE, 1);
    stvi_buf_puts(&b, "}");
  }
  stvi_buf_puts(&b, "\n  ]\n}\n");
  return stvi_report_flush(&b, fn, ud);
}
