/*
** previous.h: reading a previous count's JSON result (hustings count
** --format json, docs/json.md) for a casual vacancy: who was elected, for
** how many seats, under which rules.  Uses jansson; the library itself
** never reads JSON.
**
** Ownership: hus_previous is caller-owned plain data with a fixed-size
** list (up to STV_MAX_SEATS winners), so there is nothing to free.
*/
#ifndef HUS_PREVIOUS_H
#define HUS_PREVIOUS_H

#include <stddef.h>

#include "stv.h"

typedef struct hus_previous {
  char rules[16];
  int seats;
  int ncand;
  int nelected;
  int elected[STV_MAX_SEATS]; /* 1-based, in order of election */
} hus_previous;

/* Parses data[0..len); name is used in messages.  On failure writes
** "NAME:LINE:COL: expected ..." to msg and returns STV_ESYNTAX (or
** STV_EIO / STV_ENOMEM). */
stv_status hus_previous_parse(const char *data, size_t len, const char *name,
                              hus_previous *out, char *msg, size_t nmsg);
/* Reads path (at most 256 MiB). */
stv_status hus_previous_read(const char *path, hus_previous *out, char *msg,
                             size_t nmsg);

#endif
