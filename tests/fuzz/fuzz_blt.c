/*
** fuzz_blt.c: libFuzzer target for the BLT reader (tests/fuzz/build.sh).
*/
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_blt(data, size);
}
