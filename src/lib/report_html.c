/*
** report_html.c: the result as one self-contained HTML page (not yet written).
*/
#include "report.h"

stv_status stvi_write_html(const stv_result *r, stv_write_fn fn, void *ud) {
  (void)r, (void)fn, (void)ud;
  return STV_EUNSUPPORTED;
}
