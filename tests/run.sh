#!/usr/bin/env bash
# Runs every test against each build directory given (plain, then the
# sanitizer build), and ends with one line: "N passed, N failed".
#
# Every runner prints TAP-style lines ("ok N - name" / "not ok N - name");
# cmocka unit tests are run with CMOCKA_MESSAGE_OUTPUT=TAP.
set -u
cd "$(dirname "$0")/.."
export LC_ALL=C CMOCKA_MESSAGE_OUTPUT=TAP
data=../shared/data
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

tally() { # label, command...: runs it, counts its TAP lines
  local label=$1; shift
  "$@" >"$log" 2>&1
  local rc=$? p f
  p=$(grep -c '^ok ' "$log")
  # cmocka reports a skipped test (data not on this machine) as "not ok ...
  # # SKIP": neither passed nor failed
  f=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1 # a crash or a runner failure without a failing line
    echo "not ok - $label exited with status $rc"
    tail -20 "$log"
  fi
  grep '^not ok ' "$log" | grep -v '# SKIP' | sed "s|^|[$label] |" | head -50
  grep '^# SKIP' "$log" | sed "s|^|[$label] |" | head -10
  passed=$((passed + p))
  failed=$((failed + f))
  printf '%-40s %5d passed, %d failed\n' "$label" "$p" "$f"
}

for build in "$@"; do
  for t in "$build"/tests/test_*; do
    [ -x "$t" ] && tally "$build: unit $(basename "$t")" "$t"
  done
  tally "$build: golden" tests/golden.sh "$build"
  [ "$build" = "$1" ] && tally "html pages well-formed and offline" \
    tests/html-lint.sh
  if [ -d "$data/scotland" ]; then
    tally "$build: load and count all Scottish files" \
      "$build/tests/load_all" "$data/scotland"
    # rule set : reference sample (wigm with its defaults is the Scottish
    # count; every Meek variant elects the sample's Meek sets)
    for pair in scottish:scottish ers97:ers97 meek:meek wigm:scottish \
                nz-meek:meek warren:meek; do
      rules=${pair%%:*}
      f="$data/expected/${pair#*:}-sample.tsv"
      [ -f "$f" ] && tally "$build: real $rules" \
        "$build/tests/real_check" "$rules" "$f" "$data/scotland"
    done
  else
    echo "note: $data not found; real-election tests skipped"
  fi
done
# the HTML report in headless Chromium, on the first (plain) build only;
# "# SKIP" where chromium or playwright-core is missing (make browser-deps)
[ $# -gt 0 ] && tally "$1: browser (HTML report)" tests/browser/run.sh "$1"
# the election service in headless Chromium (same SKIP rule)
[ $# -gt 0 ] && tally "$1: browser (service)" tests/browser/service.sh "$1"
[ $# -gt 0 ] && tally "$1: browser (ballot)" tests/browser/vote.sh "$1"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
