/*
** fuzz_json.c: libFuzzer target for the reader of hustings ballots JSON
** (src/cli/convert.c; tests/fuzz/build.sh).  What it checks is in
** fuzz_convert.h, which tests/unit/test_convert.c shares to replay the
** corpus in `make check`.
*/
#include "fuzz_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_input(data, size, F_JSON);
}
