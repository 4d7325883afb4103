#!/usr/bin/env bash
# Builds the libFuzzer targets for the readers into build/fuzz/ and, with
# --run SECONDS, runs each of them for that long from its seed corpus.
#
#   tests/fuzz/build.sh               build build/fuzz/fuzz_blt, fuzz_csv,
#                                     fuzz_con, fuzz_previous, fuzz_json,
#                                     fuzz_cdf
#   tests/fuzz/build.sh --run 60      build, then run each for 60 seconds
#
# The library is built by the Makefile with clang and
# -fsanitize=fuzzer-no-link,address,undefined (in build/fuzz/lib), each
# target is linked with -fsanitize=fuzzer,address,undefined.  Needs the
# Debian packages clang and libclang-rt-14-dev.
#
# The seeds in tests/fuzz/corpus/NAME/ are only read: new inputs go to
# build/fuzz/corpus/NAME/.  A crash, leak or timeout is written to
# build/fuzz/artifacts/NAME-* and the script exits 1.  Fix it, then copy
# the reproducer to tests/fuzz/regress/NAME/ so that `make check` replays
# it (tests/unit/test_fuzz_corpus.c).
set -eu
cd "$(dirname "$0")/../.."
secs=
if [ "${1:-}" = "--run" ]; then
  secs=${2:?"usage: tests/fuzz/build.sh [--run SECONDS]"}
  case $secs in
  *[!0-9]* | "") echo "--run needs a whole number of seconds" >&2; exit 3 ;;
  esac
elif [ $# -gt 0 ]; then
  echo "usage: tests/fuzz/build.sh [--run SECONDS]" >&2
  exit 3
fi
cc=${FUZZ_CC:-clang}
out=build/fuzz
if ! command -v "$cc" >/dev/null; then
  echo "fuzz: $cc not found; run:" >&2
  echo "  sudo apt-get install -y clang libclang-rt-14-dev" >&2
  exit 1
fi
san=address,undefined
gmp=
if pkg-config --exists gmp 2>/dev/null; then gmp=$(pkg-config --libs gmp); fi
jansson=$(pkg-config --libs jansson 2>/dev/null || true)

# -Wno-error: clang's warnings differ from gcc's, and `make` (gcc, -Werror)
# is the warning gate; this build is about finding crashes.
make --no-print-directory BUILD=$out/lib CC="$cc" SAN=fuzzer-no-link,$san \
  CFLAGS='-O1 -g -Wno-error' $out/lib/libstv.a
for name in blt csv con previous json cdf; do
  echo "fuzz: linking $out/fuzz_$name"
  # shellcheck disable=SC2086
  "$cc" -std=c17 -O1 -g -Wall -Wextra -fsanitize=fuzzer,$san \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -Iinclude -Isrc/lib \
    -Isrc/cli tests/fuzz/fuzz_$name.c $out/lib/libstv.a $gmp $jansson \
    -o $out/fuzz_$name
done
[ -n "$secs" ] || exit 0

rc=0
mkdir -p $out/artifacts
for name in blt csv con previous json cdf; do
  mkdir -p $out/corpus/$name
  echo "fuzz: running fuzz_$name for $secs s"
  # Each run: the work corpus first (written), then the seeds (read).
  if ! $out/fuzz_$name -max_total_time="$secs" -timeout=20 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -dict=tests/fuzz/$name.dict -artifact_prefix=$out/artifacts/$name- \
      $out/corpus/$name tests/fuzz/corpus/$name tests/fuzz/regress/$name \
      >$out/fuzz_$name.log 2>&1; then
    rc=1
    echo "fuzz: fuzz_$name FAILED; see $out/fuzz_$name.log and $out/artifacts/"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
      $out/fuzz_$name.log | head -10
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done ' \
    $out/fuzz_$name.log | sed "s/^/fuzz: fuzz_$name: /"
done
exit $rc
