/*
** whatif.c: the questions members ask, answered by re-counting the same
** aggregated ballots (docs/whatif.md):
**   - what would every rule set have given?
**   - what if each candidate in turn had withdrawn (or been suspended)?
**   - does ranking more candidates split the vote?  Every paper cut to its
**     first k preferences, k = 1, 2, ...
**   - what would the block vote (the NEC's method before 2020) have given?
** Each answer is the list elected, compared with the count asked for.  The
** ballots are loaded and merged once; each re-count prepares them afresh
** from the merged store, so the cost is in distinct ballots.
*/
#include <string.h>

#include "html.h"
#include "report.h"

typedef struct outcome {
  stv_status st;
  char why[256];      /* when st != STV_OK */
  int n;
  int *elected;       /* 1-based, in order of election */
  int64_t exhausted;  /* non-transferable at the end */
  int dp;
} outcome;

static void outcome_free(outcome *x) {
  stvi_free(x->elected);
  memset(x, 0, sizeof(*x));
}

/* Counts e under base with the changes given (rules NULL: unchanged;
** withdraw 0: none; truncate 0: none).  A count that the rule set refuses
** (say irv for several seats) is an outcome too, with its reason. */
static stv_status run(const stv_election *e, const stv_options *base,
                      const char *rules, int withdraw, int truncate,
                      outcome *out) {
  stv_options *o = stvi_options_clone(base);
  stv_result *r = NULL;
  stv_error err;
  const int *el;
  char num[16];
  memset(out, 0, sizeof(*out));
  memset(&err, 0, sizeof(err));
  if (!o) return STV_ENOMEM;
  if (rules && strcmp(rules, o->rules) != 0) {
    /* another rule set: its own decimals, quota and arithmetic */
    snprintf(o->rules, sizeof(o->rules), "%s", rules);
    o->decimals = -1;
    o->quota = 0;
    o->arith = 0;
  }
  o->truncate = truncate;
  out->st = STV_OK;
  if (withdraw) {
    snprintf(num, sizeof(num), "%d", withdraw);
    out->st = stv_options_set(o, "withdraw", num, &err);
  }
  if (out->st == STV_OK) out->st = stv_count(e, o, &r, &err);
  stv_options_free(o);
  if (out->st == STV_ENOMEM) return STV_ENOMEM;
  if (out->st != STV_OK) {
    snprintf(out->why, sizeof(out->why), "%s",
             err.msg[0] ? err.msg : stv_strerror(out->st));
    return STV_OK;
  }
  el = stv_result_elected(r, &out->n);
  out->elected = stvi_alloc_array((size_t)out->n + 1, sizeof(int));
  if (!out->elected) {
    stv_result_free(r);
    return STV_ENOMEM;
  }
  memcpy(out->elected, el, (size_t)out->n * sizeof(int));
  out->exhausted = r->nstages ? r->stages[r->nstages - 1].exhausted : 0;
  out->dp = r->dp;
  stv_result_free(r);
  return STV_OK;
}

static int has(const outcome *x, int c) {
  int i;
  for (i = 0; i < x->n; i++)
    if (x->elected[i] == c) return 1;
  return 0;
}

/* "A, B, C" */
static void names(stvi_buf *b, const stv_election *e, const outcome *x) {
  int i;
  if (x->st != STV_OK) {
    stvi_buf_printf(b, "(%s)", x->why);
    return;
  }
  for (i = 0; i < x->n; i++)
    stvi_buf_printf(b, "%s%s", i ? ", " : "", e->names[x->elected[i] - 1]);
  if (x->n == 0) stvi_buf_puts(b, "nobody");
}

/* Who is in and out compared with the base: "same seats", or
** "+D -A" (and "same seats, other order"). */
static void change(stvi_buf *b, const stv_election *e, const outcome *base,
                   const outcome *x) {
  int i, diff = 0;
  if (x->st != STV_OK || base->st != STV_OK) {
    stvi_buf_puts(b, "n/a");
    return;
  }
  for (i = 0; i < x->n; i++)
    if (!has(base, x->elected[i])) {
      stvi_buf_printf(b, "%s+%s", diff ? " " : "", e->names[x->elected[i] - 1]);
      diff = 1;
    }
  for (i = 0; i < base->n; i++)
    if (!has(x, base->elected[i])) {
      stvi_buf_printf(b, "%s-%s", diff ? " " : "", e->names[base->elected[i] - 1]);
      diff = 1;
    }
  if (!diff) {
    int same = x->n == base->n &&
               memcmp(x->elected, base->elected, (size_t)x->n * sizeof(int)) == 0;
    stvi_buf_puts(b, same ? "same" : "same seats, other order");
  }
}

static void json_outcome(stvi_buf *b, const stv_election *e,
                         const outcome *base, const outcome *x) {
  int i;
  stvi_buf t;
  char tmp[48];
  if (x->st != STV_OK) {
    stvi_buf_puts(b, "\"elected\": null, \"note\": ");
    stvi_json_str(b, x->why);
    return;
  }
  stvi_buf_puts(b, "\"elected\": [");
  for (i = 0; i < x->n; i++) stvi_buf_printf(b, "%s%d", i ? ", " : "", x->elected[i]);
  fx_format(x->exhausted, x->dp, tmp, sizeof(tmp));
  stvi_buf_printf(b, "], \"non_transferable\": \"%s\", \"change\": ", tmp);
  stvi_buf_init(&t, 1u << 20);
  change(&t, e, base, x);
  stvi_json_str(b, t.data ? t.data : "");
  stvi_buf_free(&t);
}

typedef struct table {
  const char *title;
  const char *head; /* label of the first column */
  int nrows;
  char **label;
  outcome *rows;
} table;

static void text_table(stvi_buf *b, const stv_election *e,
                       const outcome *base, const table *t) {
  int i;
  size_t w = stvi_text_width(t->head);
  stvi_buf_printf(b, "\n%s\n", t->title);
  for (i = 0; i < t->nrows; i++)
    if (stvi_text_width(t->label[i]) > w) w = stvi_text_width(t->label[i]);
  stvi_buf_puts(b, t->head);
  stvi_buf_fill(b, ' ', w - stvi_text_width(t->head) + 2);
  stvi_buf_puts(b, "change from the count asked for | elected, if different\n");
  for (i = 0; i < t->nrows; i++) {
    stvi_buf c;
    stvi_buf_puts(b, t->label[i]);
    stvi_buf_fill(b, ' ', w - stvi_text_width(t->label[i]) + 2);
    stvi_buf_init(&c, 1u << 20);
    change(&c, e, base, &t->rows[i]);
    stvi_buf_puts(b, c.data ? c.data : "");
    /* the full list only where it differs from the count asked for */
    if (!c.data || strcmp(c.data, "same") != 0) {
      stvi_buf_puts(b, " | ");
      names(b, e, &t->rows[i]);
    }
    stvi_buf_free(&c);
    if (t->rows[i].st == STV_OK && t->rows[i].dp >= 0 &&
        strstr(t->title, "first k")) {
      char tmp[48];
      fx_format(t->rows[i].exhausted, t->rows[i].dp, tmp, sizeof(tmp));
      stvi_buf_printf(b, " (non-transferable at the end: %s)", tmp);
    }
    stvi_buf_puts(b, "\n");
  }
}

static void json_table(stvi_buf *b, const stv_election *e,
                       const outcome *base, const table *t, const char *key,
                       const char *field, int numeric) {
  int i;
  stvi_buf_printf(b, ",\n  \"%s\": [", key);
  for (i = 0; i < t->nrows; i++) {
    stvi_buf_printf(b, "%s\n    {\"%s\": ", i ? "," : "", field);
    if (numeric)
      stvi_buf_puts(b, t->label[i]);
    else
      stvi_json_str(b, t->label[i]);
    stvi_buf_puts(b, ", ");
    json_outcome(b, e, base, &t->rows[i]);
    stvi_buf_puts(b, "}");
  }
  stvi_buf_puts(b, "\n  ]");
}

/* The comparison as a page: one table per question, a row per scenario,
** rows that change who is elected in bold (and saying so in words). */
static void html_page(stvi_buf *b, const stv_election *e,
                      const stv_options *o, const outcome *base,
                      const table *const *ts, int nt) {
  int i, k;
  stvi_html_open(b, e->title, "what if?");
  stvi_buf_printf(b, "<p class=\"lede\">The same ballots counted other "
                     "ways, compared with the count under %s for %d "
                     "seat%s.</p></header>\n<main id=\"main\">\n"
                     "<section id=\"base\" aria-labelledby=\"h-base\"><h2 "
                     "id=\"h-base\">The count asked for</h2>\n<p>",
                  o->rules, o->seats ? o->seats : e->seats,
                  (o->seats ? o->seats : e->seats) == 1 ? "" : "s");
  {
    stvi_buf t;
    stvi_buf_init(&t, 1u << 20);
    names(&t, e, base);
    stvi_html_text(b, t.data ? t.data : "");
    stvi_buf_free(&t);
  }
  stvi_buf_puts(b, "</p>\n</section>\n");
  for (k = 0; k < nt; k++) {
    const table *t = ts[k];
    stvi_buf_printf(b, "<section id=\"q%d\" aria-labelledby=\"h-q%d\"><h2 "
                       "id=\"h-q%d\">",
                    k + 1, k + 1, k + 1);
    stvi_html_text(b, t->title);
    stvi_buf_printf(b, "</h2>\n<div class=\"scroll\" role=\"region\" "
                       "aria-labelledby=\"h-q%d\" tabindex=\"0\">\n<table>"
                       "<caption>",
                    k + 1);
    stvi_html_text(b, t->title);
    stvi_buf_puts(b, ": one row per count</caption><thead><tr><th "
                     "scope=\"col\">");
    stvi_html_text(b, t->head);
    stvi_buf_puts(b, "</th><th scope=\"col\">Different from the count "
                     "asked for?</th><th scope=\"col\">Elected</th>");
    if (strstr(t->title, "first k"))
      stvi_buf_puts(b, "<th scope=\"col\">Non-transferable at the end</th>");
    stvi_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (i = 0; i < t->nrows; i++) {
      stvi_buf c, n;
      int same;
      stvi_buf_init(&c, 1u << 20);
      stvi_buf_init(&n, 1u << 20);
      change(&c, e, base, &t->rows[i]);
      names(&n, e, &t->rows[i]);
      same = c.data && strcmp(c.data, "same") == 0;
      stvi_buf_puts(b, "<tr><th scope=\"row\">");
      stvi_html_text(b, t->label[i]);
      if (t->rows[i].st != STV_OK) {
        stvi_buf_puts(b, "</th><td class=\"wrap\">cannot be counted this "
                         "way");
      } else {
        stvi_buf_printf(b, "</th><td class=\"wrap%s\">", same ? "" : " diff");
        stvi_buf_puts(b, same ? "no" : "yes: ");
        if (!same) stvi_html_text(b, c.data ? c.data : "");
      }
      stvi_buf_puts(b, "</td><td class=\"wrap\">");
      stvi_html_text(b, n.data ? n.data : "");
      stvi_buf_puts(b, "</td>");
      if (strstr(t->title, "first k")) {
        char tmp[48] = "";
        if (t->rows[i].st == STV_OK)
          fx_format(t->rows[i].exhausted, t->rows[i].dp, tmp, sizeof(tmp));
        stvi_buf_puts(b, "<td>");
        stvi_html_text(b, tmp);
        stvi_buf_puts(b, "</td>");
      }
      stvi_buf_puts(b, "</tr>\n");
      stvi_buf_free(&c);
      stvi_buf_free(&n);
    }
    stvi_buf_puts(b, "</tbody></table>\n</div>\n</section>\n");
  }
  stvi_buf_puts(b, "<section id=\"rules\" aria-labelledby=\"h-rules\"><h2 "
                   "id=\"h-rules\">Rules</h2>\n");
  stvi_html_rules(b, o->rules);
  stvi_buf_puts(b, "<p>In the change column, + names a candidate elected "
                   "who was not elected in the count asked for, and - "
                   "one who lost a seat.</p>\n</section>\n");
  stvi_html_source(b, o->src_file, o->src_sha256, e->papers);
  stvi_html_close(b, o->rules);
}

static void table_free(table *t) {
  int i;
  for (i = 0; i < t->nrows; i++) {
    stvi_free(t->label[i]);
    outcome_free(&t->rows[i]);
  }
  stvi_free(t->label);
  stvi_free(t->rows);
}

static stv_status table_alloc(table *t, int n) {
  t->label = stvi_calloc_array((size_t)n + 1, sizeof(char *));
  t->rows = stvi_calloc_array((size_t)n + 1, sizeof(outcome));
  return t->label && t->rows ? STV_OK : STV_ENOMEM;
}

static stv_status add_row(table *t, const char *label) {
  t->label[t->nrows] = stvi_strdup(label);
  if (!t->label[t->nrows]) return STV_ENOMEM;
  t->nrows++;
  return STV_OK;
}

stv_status stv_whatif_write(const stv_election *e, const stv_options *o,
                            stv_format f, stv_write_fn fn, void *ud,
                            stv_error *err) {
  const char *const *rn = stv_rule_names();
  stv_options *defaults = NULL;
  outcome base;
  table tr, tw, tk, tb;
  stvi_buf b;
  int i, nrules = 0, maxlen = 0;
  int64_t j;
  stv_status st;
  if (!e || !fn ||
      (f != STV_FORMAT_TEXT && f != STV_FORMAT_JSON && f != STV_FORMAT_HTML))
    return STV_EINVAL;
  if (!o) {
    if ((st = stv_options_create(&defaults))) return st;
    o = defaults;
  }
  memset(&tr, 0, sizeof(tr));
  memset(&tw, 0, sizeof(tw));
  memset(&tk, 0, sizeof(tk));
  memset(&tb, 0, sizeof(tb));
  st = run(e, o, NULL, 0, 0, &base);
  if (st == STV_OK && base.st != STV_OK) {
    /* the count asked for must itself be possible */
    st = stvi_fail(err, base.st, "whatif", 0, 0, "%s", base.why);
    outcome_free(&base);
    stv_options_free(defaults);
    return st;
  }
  for (; rn[nrules]; nrules++) {}
  for (j = 0; j < e->nballots; j++)
    if (e->len[j] > maxlen) maxlen = e->len[j];
  if (maxlen > e->ncand) maxlen = e->ncand;
  tr.title = "Under every rule set";
  tr.head = "rules";
  tw.title = "With each candidate withdrawn in turn (as if suspended)";
  tw.head = "withdrawn";
  tk.title = "With every paper cut to its first k preferences "
             "(does ranking more split the vote?)";
  tk.head = "k";
  tb.title = "Block vote (each paper's first N preferences, one vote each) "
             "against the count asked for";
  tb.head = "method";
  if (st == STV_OK) st = table_alloc(&tr, nrules);
  if (st == STV_OK) st = table_alloc(&tw, e->ncand);
  if (st == STV_OK) st = table_alloc(&tk, maxlen);
  if (st == STV_OK) st = table_alloc(&tb, 1);
  for (i = 0; st == STV_OK && i < nrules; i++) {
    st = run(e, o, rn[i], 0, 0, &tr.rows[tr.nrows]);
    if (st == STV_OK) st = add_row(&tr, rn[i]);
  }
  for (i = 1; st == STV_OK && i <= e->ncand; i++) {
    int already = e->withdrawn[i - 1], k;
    for (k = 0; k < o->nwithdraw; k++) already |= o->withdraw[k] == i;
    if (already) continue;
    st = run(e, o, NULL, i, 0, &tw.rows[tw.nrows]);
    if (st == STV_OK) st = add_row(&tw, e->names[i - 1]);
  }
  for (i = 1; st == STV_OK && i <= maxlen; i++) {
    char lab[16];
    snprintf(lab, sizeof(lab), "%d", i);
    st = run(e, o, NULL, 0, i, &tk.rows[tk.nrows]);
    if (st == STV_OK) st = add_row(&tk, lab);
  }
  if (st == STV_OK) st = run(e, o, "block", 0, 0, &tb.rows[0]);
  if (st == STV_OK) st = add_row(&tb, "block");

  if (st == STV_OK) {
    stvi_buf_init(&b, STVI_REPORT_MAX);
    if (f == STV_FORMAT_TEXT) {
      stvi_buf_printf(&b, "What if? %s\n", e->title ? e->title : "");
      stvi_buf_printf(&b, "The count asked for: %s, %d seats: ", o->rules,
                      o->seats ? o->seats : e->seats);
      names(&b, e, &base);
      stvi_buf_puts(&b, "\n");
      text_table(&b, e, &base, &tr);
      text_table(&b, e, &base, &tw);
      text_table(&b, e, &base, &tk);
      text_table(&b, e, &base, &tb);
    } else if (f == STV_FORMAT_HTML) {
      const table *ts[4];
      ts[0] = &tr;
      ts[1] = &tw;
      ts[2] = &tk;
      ts[3] = &tb;
      html_page(&b, e, o, &base, ts, 4);
    } else {
      stvi_buf_puts(&b, "{\n  \"rules\": ");
      stvi_json_str(&b, o->rules);
      stvi_buf_printf(&b, ",\n  \"seats\": %d,\n  \"base\": {",
                      o->seats ? o->seats : e->seats);
      json_outcome(&b, e, &base, &base);
      stvi_buf_puts(&b, "}");
      json_table(&b, e, &base, &tr, "rule_sets", "rules", 0);
      json_table(&b, e, &base, &tw, "withdrawn", "name", 0);
      json_table(&b, e, &base, &tk, "truncated", "preferences", 1);
      json_table(&b, e, &base, &tb, "block", "method", 0);
      stvi_buf_puts(&b, "\n}\n");
    }
    st = stvi_report_flush(&b, fn, ud);
  }
  if (st == STV_ENOMEM) stvi_fail(err, st, "whatif", 0, 0, "out of memory");
  outcome_free(&base);
  table_free(&tr);
  table_free(&tw);
  table_free(&tk);
  table_free(&tb);
  stv_options_free(defaults);
  return st;
}
