/*
** fuzz_previous.c: libFuzzer target for the reader of a previous result
** (src/cli/previous.c, --vacate --previous; tests/fuzz/build.sh).
*/
#include <stddef.h>
#include <stdint.h>

#include "../../src/cli/previous.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hus_previous p;
  char msg[512];
  if (hus_previous_parse((const char *)data, size, "fuzz", &p, msg,
                         sizeof(msg)) == STV_OK) {
    int i;
    /* what the reader promises */
    if (p.seats < 1 || p.nelected > p.seats) __builtin_trap();
    for (i = 0; i < p.nelected; i++)
      if (p.elected[i] < 1 || p.elected[i] > p.ncand) __builtin_trap();
  }
  return 0;
}
