/*
** svg.h: the two charts of the HTML count sheet, as inline SVG built in
** integer coordinates (docs/design/report.md §3, §4).
**
** Every length is an int64 in tenths of an SVG user unit, printed by
** stvi_svg_num(); positions are prefix sums scaled once by stvi_svg_scale(),
** so the pieces of a column add up exactly and rounding never builds up.
**
** Each writer appends one self-contained <svg> element to b.  It carries
** xmlns, role="img", aria-labelledby="P-t P-d" (its own <title> and
** <desc>, the text alternative), a viewBox, width="100%" and
** style="min-width:Apx;max-width:Bpx" with A = 0.8 and B = 1.25 times its
** width in units: text stays at least 80% of its size (the wrapper scrolls
** sideways on a phone, and a wide Sankey scrolls on a desktop too) and is
** never blown up beyond 125%.  P is the idp argument: every id and every
** class inside the chart begins with "P-" and is styled by the chart's own
** <style>, so two charts share a page and the page needs no CSS for them.
** What they expect of the page is what report.md §6 has:
** svg{display:block;height:auto;max-width:none}, and for print
** svg{max-width:100%!important;min-width:0!important} (the inline style
** has no !important, so print wins).
**
** Nothing inside refers outside the chart, and nothing needs url(): the
** markers are <use href="#P-m0"> .. "#P-m3", "#P-x" of shapes in <defs>,
** and the hatching of non-transferable votes is drawn line by line.
**
** Data shapes are <polyline>, <path> and <rect> outside <defs>, each with
** a <title> child (a tooltip, and reachable by screen readers); gridlines,
** axes and label leaders are <line>, markers <use>, labels <text>.  Every
** name and action goes through stvi_html_text (html.h); numbers are
** written as stvi_html_votes writes them, trailing zeros dropped.
**
** Colour is never the only cue (report.md §4): the elected have colour,
** dash pattern and marker shape, and are named at the right-hand end;
** non-transferable votes and loss to rounding are hatched bars, and the
** bands that go to them grey with a dashed edge.
**
** Ownership: the writers only append to b; on failure they return the
** status and leave b as it was (unless b itself has failed: that is sticky
** and b has freed itself, see stvInt.h).
*/
#ifndef STV_SVG_H
#define STV_SVG_H

#include "stvInt.h"

/* Votes by stage: one <polyline> per candidate who is not withdrawn, over
** the stages where it stands (an excluded candidate's line falls to its
** exclusion and ends with a cross), the quota as a dashed black <path>
** (none when every stage's quota is 0, as in the block vote), gridlines
** at round values and stage numbers.  The i-th elected candidate's line
** has colour i mod 4, dash pattern i/4 mod 3 and marker i mod 4 (circle,
** square, triangle, diamond) at every stage; the others are thin grey
** lines.  Those standing at the end are named at the line ends, pushed
** apart and joined to their lines by leaders.
** idp: letters, digits, '-' or '_', starting with a letter, at most 32
** bytes (else STV_EINVAL).  STV_ENOMEM if memory runs out. */
stv_status stvi_svg_votes(stvi_buf *b, const stv_result *r, const char *idp);

/* Flows between candidates across stages (Sankey).  One column per stage,
** except that a run of stages with the same kind and subjects (ERS97's
** sub-stages of one exclusion, a transfer value each) shares a column,
** headed "8–12", as the rounds of report.md §8.2 do.  A column's bars are
** every candidate's votes at the end of its last stage, in one order for
** the whole chart (the elected in order of election, then the others by
** first preferences), then non-transferable and loss to rounding at the
** bottom; one scale for every column.  Between columns, the votes a
** candidate keeps are a pale band and each transfer a band in the giver's
** colour, from stvi_stage_flows() over the column's stages; transfers
** under a tenth of a unit are drawn a tenth thick, except estimated shares
** among several givers (Meek iterations), which are left out then.  The
** giver of an exclusion or a surplus is named in the gap after its bar;
** names are at the left of the first column and the right of the last.
** Same idp rule as above.  Also returns stvi_stage_flows()'s failure
** (STV_EINVAL if a stage does not balance, STV_EOVERFLOW). */
stv_status stvi_svg_flows(stvi_buf *b, const stv_result *r, const char *idp);

/* Writes tenths as a decimal: 1234 -> "123.4", 50 -> "5", -5 -> "-0.5". */
void stvi_svg_num(stvi_buf *b, int64_t tenths);

/* floor(v * L / V) with v clamped to [0, V]; 0 if V <= 0 or L <= 0. */
int64_t stvi_svg_scale(int64_t v, int64_t V, int64_t L);

#endif
