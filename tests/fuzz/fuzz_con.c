/*
** fuzz_con.c: libFuzzer target for the constraints-file reader
** (tests/fuzz/build.sh).
*/
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_con(data, size);
}
