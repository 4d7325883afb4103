/*
** flows.h: who gave how many votes to whom at each stage, worked out from
** the stage record of a result (for the HTML report's Sankey and stories,
** and the RCTab export).
**
** The record keeps each candidate's net change per stage.  With one donor
** (every Scottish, ERS97 and Gregory stage) the flows are exact.  With
** several (a bulk exclusion, a Meek or Warren iteration) the record does not
** say who gave what to whom: each receiver's gain is shared among the donors
** in proportion to what they gave, in whole units of the count's last
** decimal, so that every donor's pieces add up to what it gave and every
** receiver's to what it got; those flows are marked estimated.
**
** The two helpers at the end read the record the same way for every
** writer: when each candidate was elected or excluded, and which stages
** carry on one action.
**
** Ownership: stvi_stage_flows() allocates *out; the caller frees it with
** stvi_free().
*/
#ifndef STV_FLOWS_H
#define STV_FLOWS_H

#include "stvInt.h"

/* Nodes: candidates are 0..n-1; then these, as offsets from n. */
#define STVI_NODE_NT(n) (n)          /* non-transferable */
#define STVI_NODE_LOSS(n) ((n) + 1)  /* loss to rounding */
#define STVI_NODE_PAPERS(n) ((n) + 2) /* the ballot papers (stage 1) */

typedef struct stvi_flow {
  int from, to;   /* nodes */
  int64_t v;      /* > 0, in units of 10^-dp */
  int estimated;  /* 1 if shared out among several donors */
} stvi_flow;

/* The flows of stage s (0-based), donors in node order and, within a
** donor, receivers in node order.  A stage that moves nothing has none.
** STV_EINVAL if the stage does not balance (what left != what arrived),
** which would be a bug in the rule that recorded it. */
stv_status stvi_stage_flows(const stv_result *r, int s, stvi_flow **out,
                            int *nout);

/* Where each candidate was elected and excluded: the stage (0-based) of
** its first ELECTED and first EXCLUDED event, or -1.  el_at and ex_at hold
** r->ncand entries. */
void stvi_event_stages(const stv_result *r, int *el_at, int *ex_at);

/* Whether candidate c (0-based) is a subject of stage st. */
int stvi_stage_has_subject(const stvi_stage *st, int c);

/* Whether stage s (s >= 1) carries on the action of stage s - 1: the same
** kind (not the first stage) on the same candidates, as ERS97 moves one
** exclusion's parcels a transfer value per stage.  The Sankey's columns
** and the RCTab rounds group stages this way. */
int stvi_stage_continues(const stv_result *r, int s);

#endif
