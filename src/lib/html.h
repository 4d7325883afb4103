/*
** html.h: escaping and number formatting for the HTML report and its
** charts.  Every piece of outside text (names, titles, notes) reaches a
** page through stvi_html_text or stvi_html_attr; nothing else is escaped
** by hand.
*/
#ifndef STV_HTML_H
#define STV_HTML_H

#include "stvInt.h"

/* Text content: & < > escaped. */
void stvi_html_text(stvi_buf *b, const char *s);
/* Attribute values (always written between "..."): also " and '. */
void stvi_html_attr(stvi_buf *b, const char *s);
/* A dp-decimal value with thousands separators: 1234567 at dp 2 is
** "12,345.67"; with trim, trailing zeros of the fraction (and a bare
** point) go: "12,345.6", "1,204". */
void stvi_html_votes(stvi_buf *b, int64_t v, int dp, int trim);
/* x as a share of t in tenths of a percent, rounded half up (0 if t is
** 0); stvi_html_pct writes it as "60.0%". */
int64_t stvi_pct10(int64_t x, int64_t t);
void stvi_html_pct(stvi_buf *b, int64_t x, int64_t t);

/* The page shell shared by the count, rank and what-if pages
** (report_html.c).  open writes the head, the style and the start of the
** header (<h1>); the caller ends the header, writes its <main id="main">
** sections, then the rules and source sections, then close. */
void stvi_html_open(stvi_buf *b, const char *title, const char *what);
/* Plain-language summary of a rule set and where its clauses are. */
void stvi_html_rules(stvi_buf *b, const char *rules);
int stvi_html_rule_known(const char *rules);
/* The "check you have the same ballots" section. */
void stvi_html_source(stvi_buf *b, const char *file, const char *sha,
                      int64_t papers);
void stvi_html_close(stvi_buf *b, const char *rules);

#endif
