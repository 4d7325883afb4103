/*
** rank.c: slate ordering by sequential STV (docs/rank.md).
**
** Position 1 is the winner of a 1-seat count; position k the one extra
** winner of a k-seat count in which the first k - 1 are held elected
** (options "hold": never excluded).  Every standing candidate gets a
** position.  With constraints, positions 1..S (S the election's seats)
** must together meet them: in the k-seat count (k <= S) the extra winner
** must be someone who, with the first k - 1, can still be completed to S
** winners meeting every constraint; the count enforces that as one more
** group, "slate", whose minimum is k.  Positions after S are unconstrained.
*/
#include <string.h>

#include "html.h"
#include "report.h"

typedef struct position {
  int cand;     /* 1-based */
  int seats;    /* seats of the count that decided it */
  int stage;    /* stage of its election */
  int stages;   /* stages of that count */
  char *how;    /* the election's note */
  char *votes;  /* its votes at the end of that count */
  char *quota;
} position;

struct stv_ranking {
  char *title;
  char *rules;
  int n;
  int seats; /* the election's seats: positions 1..seats meet constraints */
  int *order;
  position *pos;
  char **names;
  int ncand;
  int64_t papers;
  char *src_file, *src_sha256; /* for the HTML page, or NULL */
};

void stv_ranking_free(stv_ranking *r) {
  int i;
  if (!r) return;
  for (i = 0; i < r->n; i++) {
    stvi_free(r->pos[i].how);
    stvi_free(r->pos[i].votes);
    stvi_free(r->pos[i].quota);
  }
  if (r->names)
    for (i = 0; i < r->ncand; i++) stvi_free(r->names[i]);
  stvi_free(r->names);
  stvi_free(r->pos);
  stvi_free(r->order);
  stvi_free(r->title);
  stvi_free(r->rules);
  stvi_free(r->src_file);
  stvi_free(r->src_sha256);
  stvi_free(r);
}

const int *stv_ranking_order(const stv_ranking *r, int *n) {
  if (n) *n = r ? r->n : 0;
  return r ? r->order : NULL;
}

/* The synthetic group for position k: the candidates who, with the first
** k - 1, can still be completed to a slate meeting the constraints. */
static stv_status slate_group(const stv_election *e, const stv_options *o,
                              int seats, const int *held, int nheld,
                              stv_constraints **out, stv_error *err) {
  stv_constraints *k = stvi_calloc_array(1, sizeof(*k));
  unsigned char *ok = stvi_calloc_array((size_t)e->ncand, 1);
  stv_status st = STV_OK;
  int i, m = 0;
  *out = k;
  if (!k || !ok) {
    stvi_free(ok);
    return STV_ENOMEM;
  }
  st = stvi_con_allowed(e, o, seats, held, nheld, ok, err);
  k->file = stvi_strdup(o->cons->file);
  k->ncand = e->ncand;
  k->g = stvi_calloc_array(1, sizeof(stvi_group));
  if (st == STV_OK && (!k->file || !k->g)) st = STV_ENOMEM;
  if (st == STV_OK) {
    k->ng = 1;
    k->g->name = stvi_strdup("slate");
    k->g->members = stvi_alloc_array((size_t)e->ncand, sizeof(int));
    if (!k->g->name || !k->g->members) st = STV_ENOMEM;
  }
  if (st == STV_OK) {
    for (i = 0; i < e->ncand; i++)
      if (ok[i]) k->g->members[m++] = i;
    for (i = 0; i < nheld; i++) k->g->members[m++] = held[i] - 1;
    k->g->nmembers = m;
    k->g->lo = nheld + 1;
    k->g->hi = -1;
  }
  stvi_free(ok);
  return st;
}

static stv_status count_position(const stv_election *e, const stv_options *o,
                                 int k, stv_ranking *rk, stv_error *err) {
  stv_options *ok = stvi_options_clone(o);
  stv_result *r = NULL;
  stv_status st = STV_OK;
  position *p = &rk->pos[k - 1];
  int i, s, nel;
  const int *el;
  if (!ok) return STV_ENOMEM;
  ok->seats = k;
  stvi_free(ok->hold);
  ok->hold = NULL;
  ok->nhold = 0;
  if (k > 1) {
    ok->hold = stvi_alloc_array((size_t)k - 1, sizeof(int));
    if (!ok->hold) st = STV_ENOMEM;
    else {
      memcpy(ok->hold, rk->order, (size_t)(k - 1) * sizeof(int));
      ok->nhold = k - 1;
    }
  }
  if (st == STV_OK && o->cons) {
    stv_constraints *slate = NULL;
    if (k <= rk->seats)
      st = slate_group(e, o, rk->seats, rk->order, k - 1, &slate, err);
    stv_constraints_free(ok->cons);
    ok->cons = slate;
  }
  if (st == STV_OK) st = stv_count(e, ok, &r, err);
  stv_options_free(ok);
  if (st) {
    stv_result_free(r);
    return st;
  }
  el = stv_result_elected(r, &nel);
  p->cand = 0;
  for (i = 0; i < nel && !p->cand; i++) {
    int held = 0, j;
    for (j = 0; j < k - 1; j++) held |= rk->order[j] == el[i];
    if (!held) p->cand = el[i];
  }
  if (!p->cand) {
    stv_result_free(r);
    return stvi_fail(err, STV_EINVAL, "rank", 0, 0,
                     "position %d: the %d-seat count elected nobody new", k,
                     k);
  }
  rk->order[k - 1] = p->cand;
  p->seats = k;
  p->stages = r->nstages;
  for (s = 0; s < r->nstages && !p->how; s++) {
    const stvi_stage *t = &r->stages[s];
    for (i = 0; i < t->nevents; i++)
      if (t->events[i].type == STVI_EV_ELECTED &&
          t->events[i].cand == p->cand - 1) {
        p->stage = s + 1;
        p->how = stvi_strdup(t->events[i].text);
        break;
      }
  }
  p->votes = stvi_strdup(r->finals[p->cand - 1]);
  p->quota = stvi_strdup(r->quota_str);
  stv_result_free(r);
  return p->how && p->votes && p->quota ? STV_OK : STV_ENOMEM;
}

stv_status stv_rank(const stv_election *e, const stv_options *o,
                    stv_ranking **out, stv_error *err) {
  stv_ranking *rk;
  stv_options *defaults = NULL;
  stv_status st = STV_OK;
  int i, standing = 0, k;
  *out = NULL;
  if (!e) return STV_EINVAL;
  if (!o) {
    if ((st = stv_options_create(&defaults))) return st;
    o = defaults;
  }
  for (i = 0; i < e->ncand; i++) standing += !e->withdrawn[i];
  for (i = 0; i < o->nwithdraw; i++)
    if (o->withdraw[i] >= 1 && o->withdraw[i] <= e->ncand &&
        !e->withdrawn[o->withdraw[i] - 1]) {
      int j, dup = 0;
      for (j = 0; j < i; j++) dup |= o->withdraw[j] == o->withdraw[i];
      standing -= !dup;
    }
  rk = stvi_calloc_array(1, sizeof(*rk));
  if (!rk) {
    stv_options_free(defaults);
    return STV_ENOMEM;
  }
  rk->ncand = e->ncand;
  rk->seats = o->seats ? o->seats : e->seats;
  if (rk->seats < 1 || rk->seats > standing) rk->seats = standing;
  rk->order = stvi_calloc_array((size_t)e->ncand + 1, sizeof(int));
  rk->pos = stvi_calloc_array((size_t)e->ncand + 1, sizeof(position));
  rk->names = stvi_calloc_array((size_t)e->ncand, sizeof(char *));
  rk->title = stvi_strdup(e->title ? e->title : "");
  rk->rules = stvi_strdup(o->rules);
  rk->papers = e->papers;
  if (o->src_file && !(rk->src_file = stvi_strdup(o->src_file))) st = STV_ENOMEM;
  if (o->src_sha256 && !(rk->src_sha256 = stvi_strdup(o->src_sha256)))
    st = STV_ENOMEM;
  if (!rk->order || !rk->pos || !rk->names || !rk->title || !rk->rules)
    st = STV_ENOMEM;
  for (i = 0; st == STV_OK && i < e->ncand; i++)
    if (!(rk->names[i] = stvi_strdup(e->names[i] ? e->names[i] : "")))
      st = STV_ENOMEM;
  for (k = 1; st == STV_OK && k <= standing; k++) {
    st = count_position(e, o, k, rk, err);
    if (st == STV_OK) rk->n = k;
  }
  stv_options_free(defaults);
  if (st) {
    stv_ranking_free(rk);
    return st;
  }
  *out = rk;
  return STV_OK;
}

/* The slate order as a page: the order, then how each place was decided,
** then the rules and the ballots' hash (the shell is report_html.c's). */
static void write_html(stvi_buf *b, const stv_ranking *r) {
  int i;
  stvi_html_open(b, r->title, "slate order");
  stvi_buf_printf(b, "<p class=\"lede\">Slate order by sequential STV, "
                     "%d place%s; the first %d fill the seats.</p></header>\n"
                     "<main id=\"main\">\n<section id=\"order\" "
                     "aria-labelledby=\"h-order\"><h2 id=\"h-order\">"
                     "Order</h2>\n<ol>",
                  r->n, r->n == 1 ? "" : "s", r->seats);
  for (i = 0; i < r->n; i++) {
    stvi_buf_puts(b, "<li>");
    if (i < r->seats) stvi_buf_puts(b, "<strong>");
    stvi_html_text(b, r->names[r->pos[i].cand - 1]);
    if (i < r->seats) stvi_buf_puts(b, "</strong>");
    stvi_buf_puts(b, "</li>");
  }
  stvi_buf_puts(b, "</ol>\n<p>Place k goes to the one candidate elected in "
                   "a count for k seats in which places 1 to k\xe2\x88\x92"
                   "1 are held elected, so each place is decided by the "
                   "whole of every ballot, not by first preferences "
                   "alone.</p>\n</section>\n<section id=\"how\" "
                   "aria-labelledby=\"h-how\"><h2 id=\"h-how\">How each "
                   "place was decided</h2>\n<div class=\"scroll\" "
                   "role=\"region\" aria-labelledby=\"cap-how\" "
                   "tabindex=\"0\">\n<table class=\"rank\"><caption "
                   "id=\"cap-how\">One count per place.</caption>\n"
                   "<thead><tr><th scope=\"col\">Place</th><th "
                   "scope=\"col\">Candidate</th><th scope=\"col\">Seats "
                   "in the count</th><th scope=\"col\">Stage</th><th "
                   "scope=\"col\">Votes</th><th scope=\"col\">Quota</th>"
                   "<th scope=\"col\">How</th></tr></thead>\n<tbody>\n");
  for (i = 0; i < r->n; i++) {
    const position *p = &r->pos[i];
    const char *how = strstr(p->how, " elected: ");
    stvi_buf_printf(b, "<tr><td>%d</td><th scope=\"row\">", i + 1);
    stvi_html_text(b, r->names[p->cand - 1]);
    stvi_buf_printf(b, "</th><td>%d</td><td>%d of %d</td><td>", p->seats,
                    p->stage, p->stages);
    stvi_html_text(b, p->votes);
    stvi_buf_puts(b, "</td><td>");
    stvi_html_text(b, p->quota);
    stvi_buf_puts(b, "</td><td class=\"how\">");
    stvi_html_text(b, how ? how + 10 : p->how);
    stvi_buf_puts(b, "</td></tr>\n");
  }
  stvi_buf_puts(b, "</tbody></table>\n</div>\n</section>\n<section "
                   "id=\"rules\" aria-labelledby=\"h-rules\"><h2 "
                   "id=\"h-rules\">Rules</h2>\n");
  stvi_html_rules(b, r->rules);
  stvi_buf_puts(b, "</section>\n");
  stvi_html_source(b, r->src_file, r->src_sha256, r->papers);
  stvi_html_close(b, r->rules);
}

stv_status stv_ranking_write(const stv_ranking *r, stv_format f,
                             stv_write_fn fn, void *ud) {
  stvi_buf b;
  int i;
  if (!r || !fn) return STV_EINVAL;
  stvi_buf_init(&b, STVI_REPORT_MAX);
  if (f == STV_FORMAT_JSON) {
    stvi_buf_puts(&b, "{\n  \"rules\": ");
    stvi_json_str(&b, r->rules);
    stvi_buf_puts(&b, ",\n  \"title\": ");
    stvi_json_str(&b, r->title);
    stvi_buf_printf(&b, ",\n  \"seats\": %d,\n  \"order\": [", r->seats);
    for (i = 0; i < r->n; i++)
      stvi_buf_printf(&b, "%s%d", i ? ", " : "", r->order[i]);
    stvi_buf_puts(&b, "],\n  \"positions\": [");
    for (i = 0; i < r->n; i++) {
      const position *p = &r->pos[i];
      stvi_buf_printf(&b,
                      "%s\n    {\"position\": %d, \"candidate\": %d, "
                      "\"name\": ",
                      i ? "," : "", i + 1, p->cand);
      stvi_json_str(&b, r->names[p->cand - 1]);
      stvi_buf_printf(&b,
                      ", \"seats\": %d, \"held\": %d, \"stage\": %d, "
                      "\"stages\": %d, \"votes\": ",
                      p->seats, p->seats - 1, p->stage, p->stages);
      stvi_json_str(&b, p->votes);
      stvi_buf_puts(&b, ", \"quota\": ");
      stvi_json_str(&b, p->quota);
      stvi_buf_puts(&b, ", \"how\": ");
      stvi_json_str(&b, p->how);
      stvi_buf_puts(&b, "}");
    }
    stvi_buf_puts(&b, "\n  ]\n}\n");
  } else if (f == STV_FORMAT_TEXT) {
    stvi_buf_printf(&b, "%s\nSlate order by sequential STV (%s)\n", r->title,
                    r->rules);
    stvi_buf_puts(&b, "Position k is the one candidate elected in a k-seat "
                      "count with positions 1..k-1 held elected.\n\n");
    for (i = 0; i < r->n; i++) {
      const position *p = &r->pos[i];
      const char *how = strstr(p->how, " elected: ");
      stvi_buf_printf(&b, "%3d. %s\n     %d-seat count, stage %d of %d: %s "
                          "(votes %s, quota %s)\n",
                      i + 1, r->names[p->cand - 1], p->seats, p->stage,
                      p->stages, how ? how + 10 : p->how, p->votes, p->quota);
      if (i + 1 == r->seats && i + 1 < r->n)
        stvi_buf_printf(&b, "     --- the first %d positions fill the "
                            "seats ---\n",
                        r->seats);
    }
  } else if (f == STV_FORMAT_HTML) {
    write_html(&b, r);
  } else {
    stvi_buf_free(&b);
    return STV_EINVAL;
  }
  return stvi_report_flush(&b, fn, ud);
}
