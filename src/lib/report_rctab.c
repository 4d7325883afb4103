/*
** report_rctab.c: the result as RCTab's summary JSON (docs/rctab.md), the
** file RCVis and other tools of the RCTab family draw.
**
** RCTab thinks in rounds: each round has a tally, and "tallyResults" naming
** who was elected or eliminated in it, with the votes that leave them on
** the way to the next round's tally.  A hustings count thinks in stages.
** The mapping (docs/design/report.md section 8.2):
**
**   - stages become rounds, except that the sub-stages of one exclusion
**     (ERS97 moves one parcel per stage) and stages of the same kind with
**     the same subjects are merged into one round;
**   - a candidate's action sits in the round before the one in which its
**     votes first move (RCTab writes transfers under the round that
**     triggered them), so a deferred surplus puts "elected" in the round
**     before the surplus moves, not the stage of election; a winner whose
**     votes never move is "elected" in the round of its election, with no
**     transfers;
**   - each candidate is "elected" at most once (RCVis needs it), and an
**     eliminated candidate leaves the tallies after its round; one
**     excluded at the end whose votes never move is not "eliminated" (the
**     last round may not eliminate anyone);
**   - the votes moved come from flows.c: exact with one donor, shared out
**     in proportion with several;
**   - a count can end part way through an exclusion (ERS97 stops once the
**     seats are filled): the candidate is eliminated, the parcels that
**     moved are shown moving, and what it still holds counts for no one,
**     so it is shown as exhausted;
**   - where RCTab has no place for a movement, it is not written: under
**     Meek and Warren rules an elected candidate gives up a little more at
**     every iteration, but it can be "elected" only once, so only its first
**     movement is written (the tallies stay exact).
**
** Vote values are JSON strings holding exact decimals with the count's
** decimals, as RCTab writes its BigDecimals; counts of candidates and seats
** are JSON integers.  Names that would collide in a JSON object (two
** candidates of one name, or a name RCTab reserves) get " (N)" added, N
** the candidate's number.
*/
#include <string.h>
#include <strings.h>

#include "flows.h"
#include "report.h"

enum { ACT_NONE = 0, ACT_ELECTED, ACT_ELIMINATED };

typedef struct rctab {
  const stv_result *r;
  int n, nrounds;
  int *round_of;  /* per stage: its round (0-based) */
  int *last;      /* per round: its last stage */
  int *act;       /* per candidate: ACT_* */
  int *act_round; /* per candidate: the round of its action, or -1 */
  int *moves;     /* per candidate: 1 if its transfers come from the next
                     round's flows, 0 if it has none */
  int *elim_order; /* candidates with an EXCLUDED event, in event order */
  int nelim;
  char **label;   /* per candidate: its unique name in the JSON */
} rctab;

/* The first stage at or after `from` in which c's votes move: c loses
** votes, or c is the subject of a stage of kind `kind` (a surplus or an
** exclusion that moves nothing still happens).  -1 if none. */
static int first_move(const stv_result *r, int c, int from, int kind) {
  int s;
  for (s = from < 1 ? 1 : from; s < r->nstages; s++) {
    const stvi_stage *st = &r->stages[s];
    if (st->transfers[c] < 0) return s;
    if (st->kind == kind && stvi_stage_has_subject(st, c)) return s;
  }
  return -1;
}

/* Where each elected and excluded candidate's action goes. */
static void place_actions(rctab *t, const int *el_stage,
                          const int *ex_stage) {
  const stv_result *r = t->r;
  int c, fm, last_round = t->nrounds - 1;
  for (c = 0; c < t->n; c++) {
    t->act[c] = ACT_NONE;
    t->act_round[c] = -1;
    t->moves[c] = 0;
    if (el_stage[c] >= 0) {
      fm = first_move(r, c, el_stage[c], STVI_STAGE_SURPLUS);
      t->act[c] = ACT_ELECTED;
      if (fm > 0) {
        t->act_round[c] = t->round_of[fm] - 1;
        t->moves[c] = 1;
      } else
        t->act_round[c] = t->round_of[el_stage[c]];
    } else if (ex_stage[c] >= 0) {
      fm = first_move(r, c, ex_stage[c], STVI_STAGE_EXCLUSION);
      if (fm > 0) {
        t->act[c] = ACT_ELIMINATED;
        t->act_round[c] = t->round_of[fm] - 1;
        t->moves[c] = 1;
      } else if (t->round_of[ex_stage[c]] < last_round &&
                 r->stages[t->last[t->round_of[ex_stage[c]]]].votes[c] == 0) {
        /* excluded with nothing to move: it leaves after this round */
        t->act[c] = ACT_ELIMINATED;
        t->act_round[c] = t->round_of[ex_stage[c]];
      }
    }
  }
}

static int reserved(const char *s) {
  return strcasecmp(s, "exhausted") == 0 ||
         strcasecmp(s, "residual surplus") == 0 ||
         strcasecmp(s, "uncounted") == 0 ||
         strcasecmp(s, "inactive ballots") == 0;
}

static int clashes(const rctab *t, int c) {
  int i;
  if (reserved(t->label[c])) return 1;
  for (i = 0; i < t->n; i++)
    if (i != c && t->r->status[i] != STVI_WITHDRAWN &&
        strcmp(t->label[i], t->label[c]) == 0)
      return 1;
  return 0;
}

/* A name per standing candidate, unique and not one RCTab reserves.  The
** first pass adds " (N)" to every name that clashes.  Two names with
** suffixes never clash (each ends with its own number), but one can meet
** another candidate's unchanged name ("Ann (2)"): later passes add the
** suffix to the unchanged one. */
static stv_status make_labels(rctab *t) {
  int c, pass;
  unsigned char *done = stvi_calloc_array((size_t)t->n + 1, 1);
  unsigned char *bad = stvi_calloc_array((size_t)t->n + 1, 1);
  stv_status st = STV_EINVAL; /* names built to defeat the suffixes */
  if (!done || !bad) {
    st = STV_ENOMEM;
    goto out;
  }
  for (c = 0; c < t->n; c++) {
    t->label[c] = stvi_strdup(t->r->names[c]);
    if (!t->label[c]) {
      st = STV_ENOMEM;
      goto out;
    }
  }
  for (pass = 0; pass < 8; pass++) {
    int any = 0;
    for (c = 0; c < t->n; c++)
      bad[c] = t->r->status[c] != STVI_WITHDRAWN && !done[c] && clashes(t, c);
    for (c = 0; c < t->n; c++) {
      stvi_buf b;
      if (!bad[c]) continue;
      any = 1;
      stvi_buf_init(&b, (size_t)STV_MAX_NAME * 2 + 64);
      stvi_buf_printf(&b, "%s (%d)", t->label[c], c + 1);
      if (b.failed) {
        st = STV_ENOMEM;
        goto out;
      }
      stvi_free(t->label[c]);
      t->label[c] = b.data;
      done[c] = 1;
    }
    if (!any) {
      st = STV_OK;
      break;
    }
  }
out:
  stvi_free(done);
  stvi_free(bad);
  return st;
}

static void num(stvi_buf *b, int64_t v, int dp) {
  char tmp[48];
  fx_format(v, dp, tmp, sizeof(tmp));
  stvi_buf_printf(b, "\"%s\"", tmp);
}

/* Papers rejected by a ballot policy go to RCTab's category for that
** reason when only one policy rejects; with several the split by reason is
** not recorded, so they are left out (docs/rctab.md). */
static const char *rejected_as(const stv_result *r) {
  const char *cat = NULL;
  int nrej = 0;
  if (r->invalid <= 0 || !r->policies) return NULL;
  if (strstr(r->policies, "equal=reject")) nrej++, cat = "overvotes";
  if (strstr(r->policies, "repeat=reject")) nrej++, cat = "repeatedRankings";
  if (strstr(r->policies, "skipped=reject")) nrej++, cat = "skippedRankings";
  return nrej == 1 ? cat : NULL;
}

/* In the tally of round q: standing, and not eliminated in an earlier
** round. */
static int in_tally(const rctab *t, int c, int q) {
  if (t->r->status[c] == STVI_WITHDRAWN) return 0;
  return !(t->act[c] == ACT_ELIMINATED && t->act_round[c] < q);
}

/* Votes still held at the end of round q by candidates eliminated before
** it (left over when the count ends part way through an exclusion): they
** count for no one, so they are reported with the exhausted votes. */
static int64_t held(const rctab *t, int q) {
  const stvi_stage *st = &t->r->stages[t->last[q]];
  int64_t v = 0;
  int c;
  for (c = 0; c < t->n; c++)
    if (t->r->status[c] != STVI_WITHDRAWN && !in_tally(t, c, q))
      v += st->votes[c];
  return v;
}

static void inactive(stvi_buf *b, const rctab *t, int q) {
  const stv_result *r = t->r;
  const stvi_stage *st = &r->stages[t->last[q]];
  const char *rej = rejected_as(r);
  static const char *const cats[] = {"overvotes", "skippedRankings",
                                     "repeatedRankings"};
  int i;
  stvi_buf_puts(b, ",\n     \"inactiveBallots\": {\"exhaustedChoices\": ");
  num(b, st->exhausted + held(t, q), r->dp);
  for (i = 0; i < 3; i++) {
    stvi_buf_printf(b, ", \"%s\": ", cats[i]);
    if (rej && strcmp(rej, cats[i]) == 0)
      stvi_buf_printf(b, "\"%lld\"", (long long)r->invalid);
    else
      stvi_buf_puts(b, "\"0\"");
  }
  if (q == t->nrounds - 1 && r->seats > 1 && st->quota > 0) {
    int64_t surplus = 0;
    int c;
    for (c = 0; c < t->n; c++)
      if (r->status[c] == STVI_ELECTED && st->votes[c] > st->quota)
        surplus += st->votes[c] - st->quota;
    stvi_buf_puts(b, ", \"finalRoundSurplus\": ");
    num(b, surplus, r->dp);
  }
  stvi_buf_puts(b, "}");
}

/* One action of round q, with its transfers from acc (n+2 cells: the
** candidates, then non-transferable and loss to rounding). */
static void action(stvi_buf *b, const rctab *t, int c, const int64_t *acc,
                   int first) {
  int i, any = 0, n = t->n;
  stvi_buf_puts(b, first ? "\n       {" : ",\n       {");
  stvi_buf_puts(b, t->act[c] == ACT_ELECTED ? "\"elected\": "
                                             : "\"eliminated\": ");
  stvi_json_str(b, t->label[c]);
  stvi_buf_puts(b, ", \"transfers\": {");
  for (i = 0; acc && i < n + 2; i++) {
    if (acc[i] <= 0) continue;
    stvi_buf_puts(b, any ? ", " : "");
    any = 1;
    if (i < n)
      stvi_json_str(b, t->label[i]);
    else
      stvi_buf_puts(b, i == STVI_NODE_NT(n) ? "\"exhausted\""
                                            : "\"residual surplus\"");
    stvi_buf_puts(b, ": ");
    num(b, acc[i], t->r->dp);
  }
  stvi_buf_puts(b, "}}");
}

/* The actions of round q, elected first (in order of election), then
** eliminated (in order of exclusion), as RCTab lists them.  Their
** transfers are the flows of round q+1's stages from each of them. */
static stv_status actions(stvi_buf *b, const rctab *t, int q) {
  const stv_result *r = t->r;
  int n = t->n, i, k = 0, s, first = 1;
  int *row = stvi_alloc_array((size_t)n + 1, sizeof(int));
  int64_t *acc = NULL;
  stv_status st = STV_OK;
  if (!row) return STV_ENOMEM;
  for (i = 0; i < n; i++)
    row[i] = t->act[i] != ACT_NONE && t->act_round[i] == q && t->moves[i]
                 ? k++
                 : -1;
  if (k > 0) {
    acc = stvi_calloc_array((size_t)k * ((size_t)n + 2), sizeof(int64_t));
    if (!acc) {
      stvi_free(row);
      return STV_ENOMEM;
    }
    for (s = t->last[q] + 1; s <= t->last[q + 1]; s++) {
      stvi_flow *f;
      int nf, j;
      if ((st = stvi_stage_flows(r, s, &f, &nf))) break;
      for (j = 0; j < nf; j++)
        if (f[j].from < n && row[f[j].from] >= 0 && f[j].to < n + 2)
          acc[(size_t)row[f[j].from] * ((size_t)n + 2) + (size_t)f[j].to] +=
              f[j].v;
      stvi_free(f);
    }
    /* what an eliminated candidate still holds when the count ends part
    ** way through its exclusion counts for no one: shown as exhausted */
    for (i = 0; i < n; i++)
      if (row[i] >= 0 && t->act[i] == ACT_ELIMINATED)
        acc[(size_t)row[i] * ((size_t)n + 2) + (size_t)STVI_NODE_NT(n)] +=
            r->stages[t->last[q + 1]].votes[i];
  }
  if (st == STV_OK) {
    stvi_buf_puts(b, ",\n     \"tallyResults\": [");
    for (i = 0; i < r->nelected; i++) {
      int c = r->elected[i] - 1;
      if (t->act[c] != ACT_ELECTED || t->act_round[c] != q) continue;
      action(b, t, c,
             row[c] >= 0 ? acc + (size_t)row[c] * ((size_t)n + 2) : NULL,
             first);
      first = 0;
    }
    for (i = 0; i < t->nelim; i++) {
      int c = t->elim_order[i];
      if (t->act[c] != ACT_ELIMINATED || t->act_round[c] != q) continue;
      action(b, t, c,
             row[c] >= 0 ? acc + (size_t)row[c] * ((size_t)n + 2) : NULL,
             first);
      first = 0;
    }
    stvi_buf_puts(b, "]");
  }
  stvi_free(acc);
  stvi_free(row);
  return st;
}

/* The title, or else the base name of the ballot file when the caller
** gave it (stv_options_set_source). */
static const char *contest(const stv_result *r) {
  const char *slash;
  if (r->title && r->title[0]) return r->title;
  if (!r->src_file) return "";
  slash = strrchr(r->src_file, '/');
  return slash ? slash + 1 : r->src_file;
}

static stv_status write_all(stvi_buf *b, const rctab *t) {
  const stv_result *r = t->r;
  const stvi_stage *fin = &r->stages[r->nstages - 1];
  const char *rej = rejected_as(r);
  int q, c, first, standing = 0;
  stv_status st;
  for (c = 0; c < t->n; c++) standing += r->status[c] != STVI_WITHDRAWN;
  stvi_buf_puts(b, "{\n  \"jsonFormatVersion\": \"1\",\n  \"config\": {"
                   "\"generatedBy\": \"hustings\", \"contest\": ");
  stvi_json_str(b, contest(r));
  stvi_buf_puts(b, ", \"date\": \"\", \"jurisdiction\": \"\", "
                   "\"office\": \"\"");
  if (fin->quota > 0) { /* the block vote has none */
    stvi_buf_puts(b, ", \"threshold\": ");
    num(b, fin->quota, r->dp);
  }
  stvi_buf_puts(b, "},\n  \"summary\": {\"finalThreshold\": ");
  num(b, fin->quota, r->dp);
  stvi_buf_printf(b,
                  ", \"numWinners\": %d, \"numCandidates\": %d, "
                  "\"totalNumBallots\": \"%lld\", \"undervotes\": %lld},\n"
                  "  \"results\": [",
                  r->seats, standing,
                  (long long)r->papers + r->empty + (rej ? r->invalid : 0),
                  (long long)r->empty);
  for (q = 0; q < t->nrounds; q++) {
    const stvi_stage *s = &r->stages[t->last[q]];
    stvi_buf_printf(b, "%s\n    {\"round\": %d,\n     \"tally\": {",
                    q ? "," : "", q + 1);
    first = 1;
    for (c = 0; c < t->n; c++) {
      if (!in_tally(t, c, q)) continue;
      stvi_buf_puts(b, first ? "" : ", ");
      first = 0;
      stvi_json_str(b, t->label[c]);
      stvi_buf_puts(b, ": ");
      num(b, s->votes[c], r->dp);
    }
    stvi_buf_puts(b, "},\n     \"threshold\": ");
    num(b, s->quota, r->dp);
    if ((st = actions(b, t, q))) return st;
    inactive(b, t, q);
    stvi_buf_puts(b, "}");
  }
  stvi_buf_puts(b, "\n  ]\n}\n");
  return STV_OK;
}

stv_status stvi_write_rctab(const stv_result *r, stv_write_fn fn, void *ud) {
  rctab t;
  stvi_buf b;
  int n = r->ncand, S = r->nstages, s, j, c;
  int *el_stage = NULL, *ex_stage = NULL;
  stv_status st = STV_OK;

  if (S < 1 || r->nclosed < S) return STV_EINVAL;
  memset(&t, 0, sizeof(t));
  t.r = r;
  t.n = n;
  t.round_of = stvi_alloc_array((size_t)S, sizeof(int));
  t.last = stvi_alloc_array((size_t)S, sizeof(int));
  t.act = stvi_alloc_array((size_t)n + 1, sizeof(int));
  t.act_round = stvi_alloc_array((size_t)n + 1, sizeof(int));
  t.moves = stvi_alloc_array((size_t)n + 1, sizeof(int));
  t.elim_order = stvi_alloc_array((size_t)n + 1, sizeof(int));
  t.label = stvi_calloc_array((size_t)n + 1, sizeof(char *));
  el_stage = stvi_alloc_array((size_t)n + 1, sizeof(int));
  ex_stage = stvi_alloc_array((size_t)n + 1, sizeof(int));
  stvi_buf_init(&b, STVI_REPORT_MAX);
  if (!t.round_of || !t.last || !t.act || !t.act_round || !t.moves ||
      !t.elim_order || !t.label || !el_stage || !ex_stage) {
    st = STV_ENOMEM;
    goto done;
  }
  for (s = 0; s < S; s++) {
    if (s > 0 && !stvi_stage_continues(r, s)) t.nrounds++;
    t.round_of[s] = t.nrounds;
    t.last[t.nrounds] = s;
  }
  t.nrounds++;
  stvi_event_stages(r, el_stage, ex_stage);
  /* the excluded in event order (a candidate is excluded once: the rules
  ** record one EXCLUDED event each) */
  for (s = 0; s < S; s++)
    for (j = 0; j < r->stages[s].nevents; j++) {
      const stvi_event *ev = &r->stages[s].events[j];
      if (ev->type == STVI_EV_EXCLUDED && ev->cand >= 0 && ev->cand < n &&
          ex_stage[ev->cand] == s)
        t.elim_order[t.nelim++] = ev->cand;
    }
  place_actions(&t, el_stage, ex_stage);
  if ((st = make_labels(&t))) goto done;
  st = write_all(&b, &t);
done:
  if (t.label)
    for (c = 0; c < n; c++) stvi_free(t.label[c]);
  stvi_free(t.label);
  stvi_free(t.round_of);
  stvi_free(t.last);
  stvi_free(t.act);
  stvi_free(t.act_round);
  stvi_free(t.moves);
  stvi_free(t.elim_order);
  stvi_free(el_stage);
  stvi_free(ex_stage);
  if (st) {
    stvi_buf_free(&b);
    return st;
  }
  return stvi_report_flush(&b, fn, ud);
}
