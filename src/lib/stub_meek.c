/* Temporary: meek, nz-meek and warren are under construction (meek.c). */
#include "stvInt.h"
stv_status stvi_count_meek(stvi_count *c) {
  return stvi_fail(c->err, STV_EUNSUPPORTED, "rules", 0, 0, "meek: not yet");
}
int stv_have_exact(void) { return 0; }
