/* Temporary: the ers97 rule set is under construction (src/lib/ers97.c). */
#include "stvInt.h"
stv_status stvi_count_ers97(stvi_count *c) {
  return stvi_fail(c->err, STV_EUNSUPPORTED, "rules", 0, 0, "ers97: not yet");
}
