#!/usr/bin/env bash
# Builds the libFuzzer targets for the readers and the web service into
# build/fuzz/ and, with --run SECONDS, runs each of them for that long from
# its seed corpus.
#
#   tests/fuzz/build.sh               build build/fuzz/fuzz_blt, fuzz_csv,
#                                     fuzz_con, fuzz_previous, fuzz_json,
#                                     fuzz_cdf, and every fuzz_web_*
#   tests/fuzz/build.sh --run 60      build, then run each for 60 seconds
#
# The libraries (libstv.a, libweb.a) are built by the Makefile with clang
# and -fsanitize=fuzzer-no-link,address,undefined (in build/fuzz/lib), each
# target is linked with -fsanitize=fuzzer,address,undefined.  Needs the
# Debian packages clang and libclang-rt-14-dev.
#
# Web targets: every tests/fuzz/fuzz_web_NAME.c is built as fuzz_web_NAME
# with -Isrc/web (not -Isrc/lib, like the service itself) and linked with
# libweb.a, libstv.a and the service's packages; the archive brings in only
# the objects the target uses.  Its seeds are tests/fuzz/corpus/web_NAME/,
# and tests/fuzz/web_NAME.dict is used if it exists.
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
# FUZZ_OUT: build elsewhere than build/fuzz (parallel builds)
out=${FUZZ_OUT:-build/fuzz}
if ! command -v "$cc" >/dev/null; then
  echo "fuzz: $cc not found; run:" >&2
  echo "  sudo apt-get install -y clang libclang-rt-14-dev" >&2
  exit 1
fi
san=address,undefined
gmp=
if pkg-config --exists gmp 2>/dev/null; then gmp=$(pkg-config --libs gmp); fi
jansson=$(pkg-config --libs jansson 2>/dev/null || true)
webpc="libmicrohttpd sqlite3 libcmark libsodium jansson"
webnames=
for f in tests/fuzz/fuzz_web_*.c; do
  [ -e "$f" ] || continue
  f=${f#tests/fuzz/fuzz_}
  webnames="$webnames ${f%.c}"
done

# -Wno-error: clang's warnings differ from gcc's, and `make` (gcc, -Werror)
# is the warning gate; this build is about finding crashes.
make --no-print-directory BUILD=$out/lib CC="$cc" SAN=fuzzer-no-link,$san \
  CFLAGS='-O1 -g -Wno-error' $out/lib/libstv.a $out/lib/libweb.a
for name in blt csv con previous json cdf; do
  echo "fuzz: linking $out/fuzz_$name"
  # shellcheck disable=SC2086
  "$cc" -std=c17 -O1 -g -Wall -Wextra -fsanitize=fuzzer,$san \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -Iinclude -Isrc/lib \
    -Isrc/cli tests/fuzz/fuzz_$name.c $out/lib/libstv.a $gmp $jansson \
    -o $out/fuzz_$name
done
for name in $webnames; do
  echo "fuzz: linking $out/fuzz_$name"
  # shellcheck disable=SC2046,SC2086
  "$cc" -std=c17 -O1 -g -Wall -Wextra -fsanitize=fuzzer,$san \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -D_DEFAULT_SOURCE \
    -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc/web \
    $(pkg-config --cflags $webpc) tests/fuzz/fuzz_$name.c \
    $out/lib/libweb.a $out/lib/libstv.a $gmp \
    $(pkg-config --libs $webpc) -lpthread -o $out/fuzz_$name
done
[ -n "$secs" ] || exit 0

rc=0
mkdir -p $out/artifacts
for name in blt csv con previous json cdf $webnames; do
  mkdir -p $out/corpus/$name
  echo "fuzz: running fuzz_$name for $secs s"
  dict=
  [ -f tests/fuzz/$name.dict ] && dict=-dict=tests/fuzz/$name.dict
  seeds=
  for d in tests/fuzz/corpus/$name tests/fuzz/regress/$name; do
    [ -d "$d" ] && seeds="$seeds $d"
  done
  # Each run: the work corpus first (written), then the seeds (read).
  # shellcheck disable=SC2086
  if ! $out/fuzz_$name -max_total_time="$secs" -timeout=20 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      $dict -artifact_prefix=$out/artifacts/$name- \
      $out/corpus/$name $seeds \
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
