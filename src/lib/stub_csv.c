/* Temporary: the rank-column CSV reader is under construction (csv.c). */
#include "stvInt.h"
stv_status stv_election_read_csv(const char *path, int seats,
                                 stv_election **out, stv_error *err) {
  (void)seats;
  *out = NULL;
  return stvi_fail(err, STV_EUNSUPPORTED, path, 0, 0, "csv: not yet");
}
stv_status stv_election_parse_csv(const char *data, size_t len,
                                  const char *name, int seats,
                                  stv_election **out, stv_error *err) {
  (void)data;
  (void)len;
  (void)seats;
  *out = NULL;
  return stvi_fail(err, STV_EUNSUPPORTED, name, 0, 0, "csv: not yet");
}
