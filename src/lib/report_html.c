/*
** report_html.c: the result as one self-contained HTML page that members
** can open on a phone, print and share (docs/html.md).
**
** The page is polyglot: HTML5 that is also well-formed XML, with its style
** inline and its two charts as inline SVG (svg.c); no scripts, fonts or
** images are fetched.  In order: the result in plain words, how STV works,
** the count sheet (stages as columns, candidate names sticky), the charts,
** every transfer as a table, each candidate's story, stage by stage, the
** ties and constraint decisions, the rules, and the file's SHA-256.
**
** The shell (head, style, rules and source sections, footer) is shared with
** the rank and what-if pages through html.h, so the three cannot drift.
*/
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "html.h"
#include "report.h"
#include "svg.h"

/* ---- the shell -------------------------------------------------------- */

static const char css[] =
    ":root{color-scheme:light}"
    "body{margin:0 auto;max-width:72rem;padding:0 .75rem;font:16px/1.45 "
    "system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"Liberation "
    "Sans\",Arial,sans-serif;color:#1A1A1A;background:#fff}"
    "a{color:#005A9C}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;"
    "background:#fff;padding:.3rem}"
    "h1{font-size:1.6rem;line-height:1.2;margin:1rem 0 .3rem}"
    "h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid "
    "#595959}h3{font-size:1.05rem;margin:1rem 0 .2rem}"
    ".lede{color:#595959;margin-top:0}"
    "nav ol{padding-left:1.2rem;columns:2 12rem}"
    "dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem}"
    "dl.facts dt{color:#595959}dl.facts dd{margin:0}"
    ".scroll{overflow:auto;max-width:100%;max-height:80vh;border:1px solid "
    "#ccc}"
    ".scroll:focus{outline:3px solid #005A9C}"
    "table{border-collapse:separate;border-spacing:0;"
    "font-variant-numeric:tabular-nums}"
    "th,td{padding:.2rem .45rem;border-bottom:1px solid #ccc;"
    "vertical-align:top}"
    "td{text-align:right;white-space:nowrap}"
    "th[scope=row]{text-align:left}thead th{text-align:left}"
    "caption{text-align:left;padding:.3rem .45rem;color:#595959}"
    ".sheet th[scope=row]{position:sticky;left:0;z-index:1;background:#fff;"
    "text-align:left;min-width:7rem;max-width:40vw;white-space:normal;"
    "box-shadow:1px 0 0 #595959}"
    ".sheet thead th{position:sticky;top:0;z-index:2;background:#fff;"
    "font-weight:600;text-align:right;min-width:6.5rem;white-space:normal}"
    ".sheet thead th:first-child{left:0;z-index:3;text-align:left}"
    ".sheet tfoot th,.sheet tfoot td{border-top:2px solid #595959;"
    "color:#333}"
    ".act{display:block;font-weight:400;font-size:.8em;color:#595959}"
    ".tr{display:block;font-size:.8em;color:#595959}"
    ".el{display:block;font-size:.8em;color:#fff;background:#0072B2;"
    "padding:0 .3rem;border-radius:.2rem}"
    ".ex{display:block;font-size:.8em;color:#1A1A1A;border:1px solid "
    "#595959;padding:0 .3rem;border-radius:.2rem}"
    "td.out{color:#595959;text-align:center}"
    "tr.won th{font-weight:700}"
    "figure{margin:1rem 0}figcaption{color:#595959;font-size:.9rem}"
    "svg{display:block;height:auto;max-width:none}"
    "td.who{text-align:left;white-space:normal;min-width:8rem}"
    "td.how,td.wrap{white-space:normal;text-align:left;min-width:12rem}"
    "td.diff{font-weight:700}"
    "article{border-left:3px solid #ccc;padding-left:.75rem}"
    "article p{margin:.2rem 0}"
    "code.hash{overflow-wrap:anywhere;font-size:.9em}"
    ".note{color:#595959;font-size:.9rem}"
    "@media print{@page{size:A4 landscape;margin:10mm}"
    "nav,.skip{display:none}body{font-size:9pt;max-width:none}"
    ".scroll{overflow:visible;max-height:none;border:0}"
    ".sheet th,.sheet thead th{position:static;box-shadow:none}"
    "details>summary{display:none}"
    "figure,tr,article{break-inside:avoid}"
    "svg{max-width:100%!important;min-width:0!important}"
    "a[href^=\"http\"]::after{content:\" (\" attr(href) \")\"}}";

/* Plain words for each rule set, and where its clauses are. */
static const struct {
  const char *name, *plain, *source, *url;
} rule_text[] = {
    {"scottish",
     "Scottish local government STV. The quota is the valid vote divided by "
     "one more than the number of seats, plus one, ignoring fractions. A "
     "surplus is passed on from every paper the elected candidate holds, each "
     "at a value worked out to 5 decimal places (remainders are dropped). "
     "When nobody has a surplus to transfer, the candidate with the fewest "
     "votes is excluded and their papers pass on at their current value.",
     "The Scottish Local Government Elections Order 2007 (SSI 2007/42), "
     "Schedule 1, rules 45 to 52",
     "https://www.legislation.gov.uk/ssi/2007/42/schedule/1"},
    {"ers97",
     "The Electoral Reform Society's rules. The quota is the valid vote "
     "divided by one more than the number of seats, to 2 decimal places. A "
     "surplus is passed on from the last parcel of papers the candidate "
     "received; small surpluses may be deferred when they could not change "
     "who is excluded next, and several low candidates may be excluded "
     "together.",
     "R. A. Newland and F. S. Britton, How to conduct an election by the "
     "Single Transferable Vote, 3rd edition, Electoral Reform Society, 1997, "
     "sections 4 to 7",
     "https://www.opavote.com/methods/ers97-stv-rules"},
    {"meek",
     "Meek's method. Every elected candidate keeps only the fraction of each "
     "vote needed to reach the quota and passes the rest on, and the quota "
     "falls as votes become non-transferable; the count repeats these "
     "steps until the figures settle, to 9 decimal places. Excluded "
     "candidates are skipped as if they had never stood.",
     "I. D. Hill, B. A. Wichmann and D. R. Woodall, Algorithm 123: Single "
     "Transferable Vote by Meek's method, The Computer Journal 30(3), 1987",
     "https://doi.org/10.1093/comjnl/30.3.277"},
    {"nz-meek",
     "Meek's method as New Zealand's local elections use it: elected "
     "candidates keep a fraction of each vote, the rest passes on, and the "
     "quota falls as votes become non-transferable, with 9-decimal "
     "arithmetic and the statute's own rounding.",
     "Local Electoral Regulations 2001 (New Zealand), Schedule 1A",
     "https://www.legislation.govt.nz/regulation/public/2001/0145/latest/"
     "DLM57125.html"},
    {"warren",
     "Warren's method: like Meek's, except that an elected candidate keeps a "
     "fixed amount of each vote that reaches them, rather than a fraction of "
     "it.",
     "I. D. Hill, Meek or Warren counting, Voting matters 1, 1994", NULL},
    {"wigm",
     "Weighted inclusive Gregory: a surplus passes on from every paper the "
     "elected candidate holds, at a value proportional to the value it came "
     "with, as in the Scottish rules, with decimals, quota and ties as "
     "chosen.",
     "the weighted inclusive Gregory method, as in the Scottish rules", NULL},
    {"uig",
     "Unweighted inclusive Gregory: a surplus passes on from every paper the "
     "elected candidate holds, each at the same value (surplus divided by "
     "papers), as in the Australian Senate.",
     "the Commonwealth Electoral Act 1918 (Australia), section 273", NULL},
    {"irv",
     "The preferential vote for one seat (instant runoff): the candidate with "
     "the fewest votes is excluded and their papers pass to the next "
     "preference, until one candidate has more than half the votes still in "
     "the count.",
     "the preferential (alternative) vote", NULL},
    {"block",
     "The block vote: each paper gives one vote to each of its first "
     "preferences, as many as there are seats, and the candidates with most "
     "votes win. It is shown for comparison; it is not proportional.",
     "plurality-at-large voting", NULL},
};

void stvi_html_open(stvi_buf *b, const char *title, const char *what) {
  stvi_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\" "
                   "xmlns=\"http://www.w3.org/1999/xhtml\"><head>\n"
                   "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
                   "content=\"width=device-width, initial-scale=1\"/>\n"
                   "<meta name=\"generator\" content=\"hustings\"/>\n<title>");
  stvi_html_text(b, title && *title ? title : "Election");
  stvi_buf_puts(b, " \xe2\x80\x94 ");
  stvi_html_text(b, what);
  stvi_buf_puts(b, "</title>\n<style>");
  stvi_buf_puts(b, css);
  stvi_buf_puts(b, "</style>\n</head><body>\n<a class=\"skip\" "
                   "href=\"#main\">Skip to the result</a>\n<header><h1>");
  stvi_html_text(b, title && *title ? title : "Election");
  stvi_buf_puts(b, "</h1>\n");
}

void stvi_html_rules(stvi_buf *b, const char *rules) {
  size_t i;
  for (i = 0; i < sizeof(rule_text) / sizeof(rule_text[0]); i++)
    if (strcmp(rule_text[i].name, rules) == 0) break;
  stvi_buf_puts(b, "<p>Rule set <strong>");
  stvi_html_text(b, rules);
  stvi_buf_puts(b, "</strong>: ");
  stvi_html_text(b, stv_rule_summary(rules) ? stv_rule_summary(rules) : "");
  stvi_buf_puts(b, ".</p>\n");
  if (i == sizeof(rule_text) / sizeof(rule_text[0])) return;
  stvi_buf_puts(b, "<p>");
  stvi_html_text(b, rule_text[i].plain);
  stvi_buf_puts(b, "</p>\n<p>The clauses: ");
  if (rule_text[i].url) {
    stvi_buf_puts(b, "<a href=\"");
    stvi_html_attr(b, rule_text[i].url);
    stvi_buf_puts(b, "\">");
  }
  stvi_html_text(b, rule_text[i].source);
  if (rule_text[i].url) stvi_buf_puts(b, "</a>");
  stvi_buf_puts(b, ". How hustings reads them, clause by clause: "
                   "<code>docs/rules/");
  stvi_html_text(b, rules);
  stvi_buf_puts(b, ".md</code> in the hustings source.</p>\n");
}

int stvi_html_rule_known(const char *rules) {
  size_t i;
  for (i = 0; i < sizeof(rule_text) / sizeof(rule_text[0]); i++)
    if (strcmp(rule_text[i].name, rules) == 0) return 1;
  return 0;
}

void stvi_html_source(stvi_buf *b, const char *file, const char *sha,
                      int64_t papers) {
  stvi_buf_puts(b, "<section id=\"source\" aria-labelledby=\"h-source\">"
                   "<h2 id=\"h-source\">Check you have the same ballots</h2>\n"
                   "<dl class=\"facts\"><dt>File</dt><dd>");
  stvi_html_text(b, file ? file : "not given");
  stvi_buf_printf(b, "</dd><dt>Ballot papers</dt><dd>");
  stvi_html_votes(b, papers, 0, 0);
  stvi_buf_puts(b, "</dd><dt>SHA-256</dt><dd>");
  if (sha) {
    stvi_buf_puts(b, "<code class=\"hash\">");
    stvi_html_text(b, sha);
    stvi_buf_puts(b, "</code>");
  } else {
    stvi_buf_puts(b, "not given");
  }
  stvi_buf_puts(b, "</dd></dl>\n");
  if (sha)
    stvi_buf_puts(b, "<p>To check that a file holds exactly these ballots, "
                     "run <code>sha256sum FILE</code> (or <code>shasum -a "
                     "256 FILE</code>) and compare the 64 characters.</p>\n");
  stvi_buf_puts(b, "</section>\n");
}

void stvi_html_close(stvi_buf *b, const char *rules) {
  stvi_buf_puts(b, "</main>\n<footer><p class=\"note\">Counted by hustings "
                   "under the ");
  stvi_html_text(b, rules);
  stvi_buf_puts(b, " rules.</p></footer>\n</body></html>\n");
}

/* ---- the count page --------------------------------------------------- */

typedef struct page {
  const stv_result *r;
  stvi_buf *b;
  stvi_flow **flows; /* per stage */
  int *nflows;
  int *el_stage;     /* per candidate: stage (0-based) elected, or -1 */
  int *ex_stage;     /* per candidate: stage excluded, or -1 */
} page;

static void name_link(stvi_buf *b, const stv_result *r, int c) {
  stvi_buf_printf(b, "<a href=\"#cand-%d\">", c + 1);
  stvi_html_text(b, r->names[c]);
  stvi_buf_puts(b, "</a>");
}

static void votes(stvi_buf *b, const stv_result *r, int64_t v) {
  stvi_html_votes(b, v, r->dp, 1);
}

/* The reason in an event's text after "NAME elected: ". */
static const char *reason(const char *text, const char *word) {
  const char *p = strstr(text, word);
  return p ? p + strlen(word) : NULL;
}

static const stvi_event *find_event(const stv_result *r, int s, int type,
                                    int c) {
  int i;
  for (i = 0; i < r->stages[s].nevents; i++)
    if (r->stages[s].events[i].type == type &&
        r->stages[s].events[i].cand == c)
      return &r->stages[s].events[i];
  return NULL;
}

static void section_result(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int i, won_ron = 0;
  int64_t q1 = r->nstages ? r->stages[0].quota : r->quota;
  stvi_buf_puts(b, "<section id=\"result\" aria-labelledby=\"h-result\">"
                   "<h2 id=\"h-result\">Result</h2>\n");
  if (r->nelected == 0) {
    stvi_buf_puts(b, "<p>Nobody was elected.</p>\n");
  } else {
    stvi_buf_printf(b, "<p>%s elected, in this order:</p>\n<ol>",
                    r->nelected == 1 ? "One candidate was" : "These were");
    for (i = 0; i < r->nelected; i++) {
      int c = r->elected[i] - 1;
      stvi_buf_puts(b, "<li>");
      name_link(b, r, c);
      if (p->el_stage[c] >= 0)
        stvi_buf_printf(b, " (stage %d)", p->el_stage[c] + 1);
      if (r->ron == c + 1) {
        stvi_buf_puts(b, ": re-open nominations, so this seat is left "
                         "vacant");
        won_ron = 1;
      }
      stvi_buf_puts(b, "</li>");
    }
    stvi_buf_puts(b, "</ol>\n");
  }
  (void)won_ron;
  if (r->vacated) {
    stvi_buf_puts(b, "<p>Casual vacancy: the seat of ");
    stvi_html_text(b, r->names[r->vacated - 1]);
    if (r->filled) {
      stvi_buf_puts(b, " is filled by ");
      name_link(b, r, r->filled - 1);
    } else {
      stvi_buf_puts(b, " cannot be filled: no candidate is left");
    }
    stvi_buf_puts(b, r->fill ? ", the highest unelected candidate at the end "
                               "of the original count.</p>\n"
                             : ", by a recount that passes over the member "
                               "leaving and holds the others elected (ERS97 "
                               "7.1).</p>\n");
  }
  stvi_buf_puts(b, "<p>The quota, the number of votes that guarantees a "
                   "seat, was <strong>");
  votes(b, r, q1);
  stvi_buf_puts(b, "</strong> (");
  stvi_html_text(b, r->quota_desc);
  stvi_buf_puts(b, ")");
  if (r->quota != q1) {
    stvi_buf_puts(b, "; it changed as votes became non-transferable, to ");
    votes(b, r, r->quota);
    stvi_buf_printf(b, " by stage %d", r->nstages);
  }
  stvi_buf_puts(b, ".</p>\n<dl class=\"facts\"><dt>Valid ballot papers</dt>"
                   "<dd>");
  stvi_html_votes(b, r->papers, 0, 0);
  stvi_buf_puts(b, "</dd>");
  if (r->invalid) {
    stvi_buf_puts(b, "<dt>Rejected papers</dt><dd>");
    stvi_html_votes(b, r->invalid, 0, 0);
    stvi_buf_puts(b, "</dd>");
  }
  if (r->empty) {
    stvi_buf_puts(b, "<dt>Papers with no usable preference</dt><dd>");
    stvi_html_votes(b, r->empty, 0, 0);
    stvi_buf_puts(b, "</dd>");
  }
  if (r->nstages) {
    const stvi_stage *s = &r->stages[r->nstages - 1];
    stvi_buf_puts(b, "<dt>Non-transferable at the end</dt><dd>");
    votes(b, r, s->exhausted);
    stvi_buf_puts(b, " (");
    stvi_html_pct(b, s->exhausted, r->total);
    stvi_buf_puts(b, " of the valid vote)</dd>");
    if (s->loss) {
      stvi_buf_puts(b, "<dt>Lost to rounding</dt><dd>");
      votes(b, r, s->loss);
      stvi_buf_puts(b, "</dd>");
    }
  }
  stvi_buf_printf(b, "<dt>Stages</dt><dd>%d</dd></dl>\n</section>\n",
                  r->nstages);
}

static void section_how(page *p) {
  stvi_buf_puts(p->b,
      "<section id=\"how\" aria-labelledby=\"h-how\"><h2 id=\"h-how\">How "
      "the count works</h2>\n<p>Every ballot paper counts for its first "
      "choice. A candidate who reaches the quota is elected. Votes they have "
      "beyond the quota (their surplus) are passed on to the next choices on "
      "their papers, at a reduced value, so that between them the papers "
      "still count as one vote each. When nobody has a surplus to pass on, "
      "the candidate with the fewest votes is excluded and their papers go "
      "to the next choices at the value they have. This repeats until every "
      "seat is filled.</p>\n<p>Ranking more candidates does not split your "
      "vote: a later choice is looked at only once your earlier choices have "
      "been elected or excluded. A paper with no further choice becomes "
      "non-transferable.</p>\n</section>\n");
}

static void cell_num(stvi_buf *b, const stv_result *r, int64_t v) {
  stvi_html_votes(b, v, r->dp, 0);
}

static void sheet_cell(page *p, int c, int s) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  const stvi_stage *st = &r->stages[s];
  int64_t t = s ? st->transfers[c] : 0;
  if (r->status[c] == STVI_WITHDRAWN ||
      (p->ex_stage[c] >= 0 && s > p->ex_stage[c] && st->votes[c] == 0 &&
       t == 0)) {
    stvi_buf_puts(b, "<td class=\"out\">\xe2\x80\x93</td>");
    return;
  }
  stvi_buf_puts(b, "<td>");
  if (t) {
    stvi_buf_puts(b, "<span class=\"tr\">");
    if (t > 0) stvi_buf_puts(b, "+");
    cell_num(b, r, t);
    stvi_buf_puts(b, "</span>");
  }
  cell_num(b, r, st->votes[c]);
  if (p->el_stage[c] == s) stvi_buf_puts(b, "<strong class=\"el\">Elected</strong>");
  if (p->ex_stage[c] == s) stvi_buf_puts(b, "<span class=\"ex\">Excluded</span>");
  stvi_buf_puts(b, "</td>");
}

static void foot_row(page *p, const char *label, int which) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int s, c;
  stvi_buf_puts(b, "<tr><th scope=\"row\">");
  stvi_buf_puts(b, label);
  stvi_buf_puts(b, "</th>");
  for (s = 0; s < r->nstages; s++) {
    const stvi_stage *st = &r->stages[s];
    int64_t v = 0, pv = 0;
    if (which == 0) {
      v = st->exhausted;
      pv = s ? r->stages[s - 1].exhausted : 0;
    } else if (which == 1) {
      v = st->loss;
      pv = s ? r->stages[s - 1].loss : 0;
    } else if (which == 2) {
      v = st->exhausted + st->loss;
      for (c = 0; c < r->ncand; c++) v += st->votes[c];
      pv = v;
    } else {
      v = pv = st->quota;
    }
    stvi_buf_puts(b, "<td>");
    if (s && v != pv) {
      stvi_buf_puts(b, "<span class=\"tr\">");
      if (v > pv) stvi_buf_puts(b, "+");
      cell_num(b, r, v - pv);
      stvi_buf_puts(b, "</span>");
    }
    cell_num(b, r, v);
    stvi_buf_puts(b, "</td>");
  }
  stvi_buf_puts(b, "</tr>\n");
}

static void section_sheet(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int s, c;
  stvi_buf_puts(b, "<section id=\"sheet\" aria-labelledby=\"h-sheet\">"
                   "<h2 id=\"h-sheet\">Count sheet</h2>\n<p class=\"note\">"
                   "One column per stage: the small figure is the change "
                   "during the stage, the large one the total at its end. "
                   "The table scrolls sideways; names stay in view.</p>\n"
                   "<div class=\"scroll\" role=\"region\" "
                   "aria-labelledby=\"cap-sheet\" tabindex=\"0\">\n<table "
                   "class=\"sheet\"><caption id=\"cap-sheet\">Votes at each "
                   "stage</caption>\n<thead><tr><th scope=\"col\">"
                   "Candidate</th>");
  for (s = 0; s < r->nstages; s++) {
    stvi_buf_printf(b, "<th scope=\"col\" id=\"stage-%d\">Stage %d<span "
                       "class=\"act\">",
                    s + 1, s + 1);
    stvi_html_text(b, r->stages[s].action);
    stvi_buf_puts(b, "</span></th>");
  }
  stvi_buf_puts(b, "</tr></thead>\n<tbody>\n");
  for (c = 0; c < r->ncand; c++) {
    stvi_buf_printf(b, "<tr%s><th scope=\"row\">",
                    r->status[c] == STVI_ELECTED ? " class=\"won\"" : "");
    stvi_html_text(b, r->names[c]);
    if (r->status[c] == STVI_WITHDRAWN) stvi_buf_puts(b, " (withdrawn)");
    stvi_buf_puts(b, "</th>");
    for (s = 0; s < r->nstages; s++) sheet_cell(p, c, s);
    stvi_buf_puts(b, "</tr>\n");
  }
  stvi_buf_puts(b, "</tbody>\n<tfoot>\n");
  foot_row(p, "Non-transferable", 0);
  foot_row(p, "Loss to rounding", 1);
  foot_row(p, "Total", 2);
  foot_row(p, "Quota", 3);
  stvi_buf_puts(b, "</tfoot></table>\n</div>\n</section>\n");
}

static stv_status section_charts(page *p) {
  stvi_buf *b = p->b;
  const stv_result *r = p->r;
  stv_status st;
  stvi_buf_puts(b, "<section id=\"chart-votes\" aria-labelledby=\"h-cv\">"
                   "<h2 id=\"h-cv\">Votes at each stage</h2>\n<figure>"
                   "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-label=\"Chart of votes at each stage; scrolls "
                   "sideways\">");
  if ((st = stvi_svg_votes(b, r, "v")) != STV_OK) return st;
  stvi_buf_puts(b, "</div>\n<figcaption>Each line is a candidate's votes "
                   "at the end of each stage; the dashed line is the quota. "
                   "Elected candidates are named at the right. The count "
                   "sheet above has the same numbers.</figcaption></figure>\n"
                   "</section>\n");
  stvi_buf_puts(b, "<section id=\"chart-flow\" aria-labelledby=\"h-cf\">"
                   "<h2 id=\"h-cf\">Where the votes went</h2>\n<figure>"
                   "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-label=\"Flow diagram of transfers; scrolls "
                   "sideways\">");
  if ((st = stvi_svg_flows(b, r, "f")) != STV_OK) return st;
  stvi_buf_puts(b, "</div>\n<figcaption>Each column is a stage; the height "
                   "of each block is a candidate's votes at the end of it. "
                   "Bands between columns show votes staying with a "
                   "candidate or passing to another; hatched blocks are "
                   "non-transferable votes. Very small transfers are drawn "
                   "a little thicker than they are. Where several candidates "
                   "pass votes on in the same stage, the bands from each are "
                   "estimates, and the table below gives exact totals "
                   "instead.</figcaption></figure>\n");
  return STV_OK;
}

static void node_name(stvi_buf *b, const stv_result *r, int node) {
  int n = r->ncand;
  if (node < n)
    name_link(b, r, node);
  else if (node == STVI_NODE_NT(n))
    stvi_buf_puts(b, "Non-transferable");
  else if (node == STVI_NODE_LOSS(n))
    stvi_buf_puts(b, "Loss to rounding");
  else
    stvi_buf_puts(b, "Ballot papers");
}

/* The transfers of stage s as rows: one group per stage, the stage and
** the giver(s) spanning the group.  With several givers (a bulk exclusion,
** a Meek iteration) the record says only what each gave and each got, so
** the rows are per receiver, from all of them together: exact, where a
** split by giver would be an estimate.  *acc is scratch for n + 3 nodes. */
static int stage_flow_rows(page *p, int s, int64_t *acc) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  const stvi_flow *f = p->flows[s];
  int nf = p->nflows[s], n = r->ncand, i, rows = 0, donors = 0, first = 1;
  int64_t out = 0;
  if (nf == 0) return 0;
  for (i = 0; i < n + 3; i++) acc[i] = 0;
  for (i = 0; i < nf; i++) {
    donors += i == 0 || f[i].from != f[i - 1].from;
    acc[f[i].to] += f[i].v;
    out += f[i].v;
  }
  for (i = 0; i < n + 3; i++) rows += acc[i] > 0;
  for (i = 0; i < n + 3; i++) {
    if (acc[i] == 0) continue;
    stvi_buf_puts(b, "<tr>");
    if (first) {
      int k;
      stvi_buf_printf(b, "<td rowspan=\"%d\"><a href=\"#stage-%d\">%d</a>"
                         "</td><td class=\"who\" rowspan=\"%d\">",
                      rows, s + 1, s + 1, rows);
      for (k = 0; k < nf; k++)
        if (k == 0 || f[k].from != f[k - 1].from) {
          if (k) stvi_buf_puts(b, donors > 1 ? ", " : "");
          node_name(b, r, f[k].from);
        }
      if (donors > 1) stvi_buf_puts(b, " (together)");
      stvi_buf_puts(b, "</td>");
      first = 0;
    }
    stvi_buf_puts(b, "<td class=\"who\">");
    node_name(b, r, i);
    stvi_buf_puts(b, "</td><td>");
    votes(b, r, acc[i]);
    stvi_buf_puts(b, "</td><td>");
    stvi_html_pct(b, acc[i], out);
    stvi_buf_puts(b, "</td></tr>\n");
  }
  return rows;
}

static stv_status section_flows(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int s, rows = 0;
  int64_t *acc = stvi_alloc_array((size_t)r->ncand + 3, sizeof(int64_t));
  if (!acc) return STV_ENOMEM;
  stvi_buf_puts(b, "<details open=\"open\"><summary>Every transfer as a "
                   "table</summary>\n<div class=\"scroll\" role=\"region\" "
                   "aria-labelledby=\"cap-flows\" tabindex=\"0\">\n<table "
                   "class=\"flows\"><caption id=\"cap-flows\">Votes passed "
                   "on at each stage, and each one's share of all that "
                   "moved in that stage.</caption>\n<thead><tr><th "
                   "scope=\"col\">Stage</th><th scope=\"col\">From</th><th "
                   "scope=\"col\">To</th><th scope=\"col\">Votes</th><th "
                   "scope=\"col\">Share</th></tr></thead>\n<tbody>\n");
  for (s = 1; s < r->nstages; s++) rows += stage_flow_rows(p, s, acc);
  if (!rows)
    stvi_buf_puts(b, "<tr><td colspan=\"5\">No votes were transferred: the "
                     "count ended at stage 1.</td></tr>\n");
  stvi_buf_puts(b, "</tbody></table>\n</div>\n</details>\n</section>\n");
  stvi_free(acc);
  return STV_OK;
}

typedef struct share {
  int node;
  int64_t v;
} share;

static int share_cmp(const void *a, const void *b) {
  const share *x = a, *y = b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  return x->node - y->node;
}

static void story(page *p, int c, share *acc) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int n = r->ncand, s, i, k, est = 0, top = -1;
  int64_t out = 0, in = 0, topv = 0;
  stvi_buf_printf(b, "<article id=\"cand-%d\" aria-labelledby=\"hc-%d\">"
                     "<h3 id=\"hc-%d\">",
                  c + 1, c + 1, c + 1);
  stvi_html_text(b, r->names[c]);
  stvi_buf_puts(b, "</h3>\n<p>");
  if (r->status[c] == STVI_WITHDRAWN) {
    stvi_buf_puts(b, "Withdrew before the count: papers naming them pass to "
                     "the next choice.</p></article>\n");
    return;
  }
  if (r->nstages == 0) {
    stvi_buf_puts(b, "No stage was counted.</p></article>\n");
    return;
  }
  stvi_buf_puts(b, "First preferences: ");
  votes(b, r, r->stages[0].votes[c]);
  stvi_buf_puts(b, " (");
  stvi_html_pct(b, r->stages[0].votes[c], r->total);
  stvi_buf_puts(b, " of the valid vote). ");
  if (p->el_stage[c] >= 0) {
    const stvi_event *ev = find_event(r, p->el_stage[c], STVI_EV_ELECTED, c);
    const char *why = ev ? reason(ev->text, " elected: ") : NULL;
    stvi_buf_printf(b, "<strong>Elected</strong> at <a href=\"#stage-%d\">"
                       "stage %d</a>",
                    p->el_stage[c] + 1, p->el_stage[c] + 1);
    if (p->el_stage[c] > 0) {
      stvi_buf_puts(b, " (");
      stvi_html_text(b, r->stages[p->el_stage[c]].action);
      stvi_buf_puts(b, ")");
    }
    if (why) {
      stvi_buf_puts(b, ": ");
      stvi_html_text(b, why);
    }
    stvi_buf_puts(b, ".");
  } else if (p->ex_stage[c] >= 0) {
    int e = p->ex_stage[c];
    stvi_buf_printf(b, "Excluded at <a href=\"#stage-%d\">stage %d</a> with ",
                    e + 1, e + 1);
    const stvi_event *ev = find_event(r, e, STVI_EV_EXCLUDED, c);
    const char *why = ev ? reason(ev->text, " excluded: ") : NULL;
    votes(b, r, e ? r->stages[e - 1].votes[c] : r->stages[0].votes[c]);
    stvi_buf_puts(b, " votes");
    if (why) {
      stvi_buf_puts(b, ": ");
      stvi_html_text(b, why);
    }
    stvi_buf_puts(b, ".");
  } else {
    stvi_buf_puts(b, "Not elected, with ");
    votes(b, r, r->stages[r->nstages - 1].votes[c]);
    stvi_buf_puts(b, " votes at the end of the count.");
  }
  stvi_buf_puts(b, "</p>\n");
  /* what they passed on, and what they received */
  for (i = 0; i < n + 2; i++) {
    acc[i].node = i;
    acc[i].v = 0;
  }
  for (s = 1; s < r->nstages; s++)
    for (i = 0; i < p->nflows[s]; i++) {
      const stvi_flow *f = &p->flows[s][i];
      if (f->from == c && f->to < n + 2) {
        acc[f->to].v += f->v;
        out += f->v;
        est |= f->estimated;
      }
    }
  if (out > 0) {
    int64_t others = 0, nt = acc[STVI_NODE_NT(n)].v,
            loss = acc[STVI_NODE_LOSS(n)].v;
    int nothers = 0;
    acc[STVI_NODE_NT(n)].v = acc[STVI_NODE_LOSS(n)].v = 0;
    qsort(acc, (size_t)n, sizeof(share), share_cmp);
    stvi_buf_puts(b, "<p>Passed on ");
    votes(b, r, out);
    stvi_buf_puts(b, " votes");
    if (est) stvi_buf_puts(b, " (shares estimated)");
    stvi_buf_puts(b, ":");
    for (k = 0, i = 0; i < n && acc[i].v > 0; i++) {
      if (k < 3) {
        stvi_buf_puts(b, k ? ", " : " ");
        stvi_html_pct(b, acc[i].v, out);
        stvi_buf_puts(b, " to ");
        name_link(b, r, acc[i].node);
        k++;
      } else {
        others += acc[i].v;
        nothers++;
      }
    }
    if (nothers) {
      stvi_buf_puts(b, k ? ", " : " ");
      stvi_html_pct(b, others, out);
      stvi_buf_printf(b, " to %d other%s", nothers, nothers > 1 ? "s" : "");
      k++;
    }
    if (nt) {
      stvi_buf_puts(b, k ? ", " : " ");
      stvi_html_pct(b, nt, out);
      stvi_buf_puts(b, " non-transferable");
      k++;
    }
    if (loss) {
      stvi_buf_puts(b, k ? "; " : " ");
      votes(b, r, loss);
      stvi_buf_puts(b, " lost to rounding");
    }
    stvi_buf_puts(b, ".</p>\n");
  }
  for (i = 0; i < n + 3; i++) {
    acc[i].node = i;
    acc[i].v = 0;
  }
  for (s = 1; s < r->nstages; s++)
    for (i = 0; i < p->nflows[s]; i++) {
      const stvi_flow *f = &p->flows[s][i];
      if (f->to == c) {
        acc[f->from].v += f->v;
        in += f->v;
      }
    }
  for (i = 0; i < n + 3; i++)
    if (acc[i].v > topv) {
      topv = acc[i].v;
      top = i;
    }
  if (in > 0) {
    stvi_buf_puts(b, "<p>Received ");
    votes(b, r, in);
    stvi_buf_puts(b, " votes in transfers, most from ");
    node_name(b, r, top);
    stvi_buf_puts(b, " (");
    votes(b, r, topv);
    stvi_buf_puts(b, ").</p>\n");
  }
  stvi_buf_puts(b, "</article>\n");
}

static stv_status section_stories(page *p) {
  int c;
  share *acc = stvi_alloc_array((size_t)p->r->ncand + 3, sizeof(share));
  if (!acc) return STV_ENOMEM;
  stvi_buf_puts(p->b, "<section id=\"stories\" aria-labelledby=\"h-st\">"
                      "<h2 id=\"h-st\">Candidate by candidate</h2>\n");
  for (c = 0; c < p->r->ncand; c++) story(p, c, acc);
  stvi_buf_puts(p->b, "</section>\n");
  stvi_free(acc);
  return STV_OK;
}

static void section_stages(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int s, i;
  stvi_buf_puts(b, "<section id=\"stages\" aria-labelledby=\"h-sg\">"
                   "<h2 id=\"h-sg\">Stage by stage</h2>\n<ol>\n");
  for (s = 0; s < r->nstages; s++) {
    const stvi_stage *st = &r->stages[s];
    stvi_buf_puts(b, "<li>");
    stvi_html_text(b, st->action);
    if (st->nevents) {
      stvi_buf_puts(b, "<ul>");
      for (i = 0; i < st->nevents; i++) {
        stvi_buf_puts(b, "<li>");
        stvi_html_text(b, st->events[i].text);
        stvi_buf_puts(b, "</li>");
      }
      stvi_buf_puts(b, "</ul>");
    }
    stvi_buf_puts(b, "</li>\n");
  }
  stvi_buf_puts(b, "</ol>\n</section>\n");
}

/* cons_text: "Constraints: FILE (doom: MODE)\n  'g' (...): ...\n..." */
static void constraints_list(stvi_buf *b, const char *t) {
  const char *nl = strchr(t, '\n');
  stvi_buf_puts(b, "<p>");
  {
    size_t n = nl ? (size_t)(nl - t) : strlen(t);
    char *head = stvi_strndup(t, n);
    stvi_html_text(b, head ? head : "");
    stvi_free(head);
  }
  stvi_buf_puts(b, "</p>\n<ul>");
  while (nl && nl[1]) {
    const char *s = nl + 1, *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    char *line;
    while (n && *s == ' ') s++, n--;
    line = stvi_strndup(s, n);
    if (n) {
      stvi_buf_puts(b, "<li>");
      stvi_html_text(b, line ? line : "");
      stvi_buf_puts(b, "</li>");
    }
    stvi_free(line);
    nl = e;
  }
  stvi_buf_puts(b, "</ul>\n");
}

static void section_decisions(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  int s, i, any = 0;
  stvi_buf_puts(b, "<section id=\"decisions\" aria-labelledby=\"h-dec\">"
                   "<h2 id=\"h-dec\">Ties and constraints</h2>\n");
  if (r->cons_text) constraints_list(b, r->cons_text);
  stvi_buf_puts(b, "<p>Ties: ");
  stvi_html_text(b, r->ties);
  stvi_buf_puts(b, " (how a tie is broken, in order: backwards and forwards "
                   "look at earlier stages; random is a seeded draw anyone "
                   "can repeat).</p>\n");
  for (s = 0; s < r->nstages; s++)
    for (i = 0; i < r->stages[s].nevents; i++) {
      const stvi_event *ev = &r->stages[s].events[i];
      if (ev->type == STVI_EV_ELECTED || ev->type == STVI_EV_EXCLUDED ||
          ev->type == STVI_EV_NOTE)
        continue;
      if (!any) stvi_buf_puts(b, "<ol>\n");
      any = 1;
      stvi_buf_printf(b, "<li><a href=\"#stage-%d\">Stage %d</a>: ", s + 1,
                      s + 1);
      stvi_html_text(b, ev->text);
      stvi_buf_puts(b, "</li>\n");
    }
  stvi_buf_puts(b, any ? "</ol>\n" : "<p>No tie had to be broken and no "
                                     "constraint changed the count.</p>\n");
  stvi_buf_puts(b, "</section>\n");
}

static void section_rules(page *p) {
  const stv_result *r = p->r;
  stvi_buf *b = p->b;
  stvi_buf_puts(b, "<section id=\"rules\" aria-labelledby=\"h-rules\">"
                   "<h2 id=\"h-rules\">Rules</h2>\n");
  stvi_html_rules(b, r->rules);
  stvi_buf_puts(b, "<p>Ballot policies: ");
  stvi_html_text(b, r->policies);
  stvi_buf_printf(b, ". Papers affected: %lld with equal preferences, %lld "
                     "naming a candidate twice, %lld with a skipped rank.</p>"
                     "\n</section>\n",
                  (long long)r->touched_equal, (long long)r->touched_repeat,
                  (long long)r->touched_skip);
}

static void nav(stvi_buf *b) {
  stvi_buf_puts(b, "<nav aria-label=\"Contents\"><ol>"
                   "<li><a href=\"#result\">Result</a></li>"
                   "<li><a href=\"#how\">How the count works</a></li>"
                   "<li><a href=\"#sheet\">Count sheet</a></li>"
                   "<li><a href=\"#chart-votes\">Votes at each stage</a></li>"
                   "<li><a href=\"#chart-flow\">Where the votes went</a></li>"
                   "<li><a href=\"#stories\">Candidate by candidate</a></li>"
                   "<li><a href=\"#stages\">Stage by stage</a></li>"
                   "<li><a href=\"#decisions\">Ties and constraints</a></li>"
                   "<li><a href=\"#rules\">Rules</a></li>"
                   "<li><a href=\"#source\">Check the ballots</a></li>"
                   "</ol></nav>\n");
}

stv_status stvi_write_html(const stv_result *r, stv_write_fn fn, void *ud) {
  stvi_buf b;
  page p;
  int s, i, standing = 0;
  stv_status st = STV_OK;
  memset(&p, 0, sizeof(p));
  p.r = r;
  p.b = &b;
  stvi_buf_init(&b, STVI_REPORT_MAX);
  p.flows = stvi_calloc_array((size_t)r->nstages + 1, sizeof(stvi_flow *));
  p.nflows = stvi_calloc_array((size_t)r->nstages + 1, sizeof(int));
  p.el_stage = stvi_alloc_array((size_t)r->ncand + 1, sizeof(int));
  p.ex_stage = stvi_alloc_array((size_t)r->ncand + 1, sizeof(int));
  if (!p.flows || !p.nflows || !p.el_stage || !p.ex_stage) st = STV_ENOMEM;
  for (s = 0; st == STV_OK && s < r->nstages; s++)
    st = stvi_stage_flows(r, s, &p.flows[s], &p.nflows[s]);
  if (st == STV_OK) {
    for (i = 0; i < r->ncand; i++) standing += r->status[i] != STVI_WITHDRAWN;
    stvi_event_stages(r, p.el_stage, p.ex_stage);
    stvi_html_open(&b, r->title, "result");
    stvi_buf_printf(&b, "<p class=\"lede\">%d seat%s, %d candidate%s, ",
                    r->seats, r->seats == 1 ? "" : "s", standing,
                    standing == 1 ? "" : "s");
    stvi_html_votes(&b, r->papers, 0, 0);
    stvi_buf_puts(&b, " valid ballot papers.</p></header>\n");
    nav(&b);
    stvi_buf_puts(&b, "<main id=\"main\">\n");
    section_result(&p);
    section_how(&p);
    section_sheet(&p);
    st = section_charts(&p);
    if (st == STV_OK) st = section_flows(&p);
    if (st == STV_OK) st = section_stories(&p);
  }
  if (st == STV_OK) {
    section_stages(&p);
    section_decisions(&p);
    section_rules(&p);
    stvi_html_source(&b, r->src_file, r->src_sha256, r->papers);
    stvi_html_close(&b, r->rules);
  }
  for (s = 0; p.flows && s < r->nstages; s++) stvi_free(p.flows[s]);
  stvi_free(p.flows);
  stvi_free(p.nflows);
  stvi_free(p.el_stage);
  stvi_free(p.ex_stage);
  if (st != STV_OK) {
    stvi_buf_free(&b);
    return st;
  }
  return stvi_report_flush(&b, fn, ud);
}
