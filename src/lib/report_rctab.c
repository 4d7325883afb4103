/*
** report_rctab.c: the result as RCTab's summary JSON (not yet written).
*/
#include "report.h"

stv_status stvi_write_rctab(const stv_result *r, stv_write_fn fn, void *ud) {
  (void)r, (void)fn, (void)ud;
  return STV_EUNSUPPORTED;
}
