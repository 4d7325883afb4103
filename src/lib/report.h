/*
** report.h: what the three report writers share: names for statuses and
** stage kinds, the output ceiling, and the final flush to the caller.
*/
#ifndef STV_REPORT_H
#define STV_REPORT_H

#include "stvInt.h"

#define STVI_REPORT_MAX (256u << 20) /* bytes of one report */

const char *stvi_status_name(int status);
const char *stvi_stage_kind_name(int kind);
void stvi_json_str(stvi_buf *b, const char *s);
/* Hands the built report to fn and frees the buffer. */
stv_status stvi_report_flush(stvi_buf *b, stv_write_fn fn, void *ud);
/* Display width of UTF-8 text (code points). */
size_t stvi_text_width(const char *s);

#endif
