#!/usr/bin/env bash
# tests/browser/run.sh BUILD: the HTML report in headless Chromium.
#
# Writes into BUILD/browser/ (make browser-deps installs playwright-core
# there, and Debian's chromium as /usr/bin/chromium):
#   ward.html   a real Scottish ward (Glasgow 2012 ward 5, 14 candidates,
#               4 seats) counted with --rules scottish; skipped when
#               ../shared/data is not there (WARD=FILE.blt for another)
#   nec.html    42 candidates, 9 seats, 20,000 papers from bench's generator
#               (build/bench/gen nec 20000 nec.blt 1), --rules scottish:
#               40 stages
#   rank.html, whatif.html   examples/branch-committee.blt
# then runs tests/browser/report.mjs on them (checks: see its header) and
# leaves the screenshots beside them: NAME-390.png (full page at 390 px),
# NAME-1280.png and NAME-print.pdf.
#
# TAP lines for tests/run.sh.  Without chromium, node or playwright-core it
# prints one "# SKIP" line saying what to install, and exits 0 (neither
# passed nor failed).
set -u
cd "$(dirname "$0")/../.." || exit 1
export LC_ALL=C
BUILD=${1:-build}
OUT=$BUILD/browser
HUST=$BUILD/hustings
GEN=$BUILD/bench/gen
WARD=${WARD:-../shared/data/scotland/14_cands/glasgow_2012_ward5.blt}
NEC_N=20000
NEC_SEED=1
SMALL=examples/branch-committee.blt

skip() {
  echo "# SKIP browser test: $*"
  exit 0
}
[ -x /usr/bin/chromium ] ||
  skip "no /usr/bin/chromium; run: apt-get install chromium (or make browser-deps as root)"
command -v node >/dev/null ||
  skip "no node; run: apt-get install nodejs npm, then make browser-deps"
if [ ! -f "$OUT/node_modules/.stamp" ] ||
  [ ! -d "$OUT/node_modules/playwright-core" ]; then
  skip "no playwright-core in $OUT/node_modules; run: make browser-deps"
fi
for x in "$HUST" "$GEN"; do
  [ -x "$x" ] || { echo "not ok 1 - $x is built (run: make browser-test)"; exit 1; }
done

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
pages=()

# page KIND NAME ARGS...: hustings KIND ARGS --format html > OUT/NAME.html
# (and, for count, the same count as JSON beside it: stages and candidates)
page() {
  local kind=$1 name=$2 err=$OUT/$2.err
  shift 2
  if "$HUST" "$kind" "$@" --format html >"$OUT/$name.html" 2>"$err"; then
    if [ "$kind" = count ] &&
      ! "$HUST" count "$@" --format json >"$OUT/$name.json" 2>>"$err"; then
      notok "$name: hustings count $* --format json"
      sed 's/^/#   /' "$err" | head -5
      return
    fi
    ok "$name: hustings $kind $* --format html ($(wc -c <"$OUT/$name.html") bytes)"
    pages+=("$kind:$OUT/$name.html")
  else
    notok "$name: hustings $kind $* --format html"
    sed 's/^/#   /' "$err" | head -5
  fi
}

mkdir -p "$OUT"
rm -f "$OUT"/*.html "$OUT"/*.json "$OUT"/*.png "$OUT"/*.pdf "$OUT"/*.err

if [ -f "$WARD" ]; then
  page count ward --rules scottish "$WARD"
else
  echo "# SKIP ward: $WARD not found (../shared/data is not on this machine)"
fi

if "$GEN" nec "$NEC_N" "$OUT/nec.blt" "$NEC_SEED" >/dev/null; then
  page count nec --rules scottish "$OUT/nec.blt"
else
  notok "nec: $GEN nec $NEC_N $OUT/nec.blt $NEC_SEED"
fi

page rank rank --rules scottish "$SMALL"
page whatif whatif --rules scottish "$SMALL"

if [ ${#pages[@]} -gt 0 ]; then
  node tests/browser/report.mjs --modules "$OUT/node_modules" --out "$OUT" \
    --start "$n" "${pages[@]}" | tee "$OUT/report.tap"
  rc=${PIPESTATUS[0]}
  t=$(grep -Ec '^(not )?ok ' "$OUT/report.tap")
  n=$((n + t))
  if [ "$rc" != 0 ] && ! grep -q '^not ok ' "$OUT/report.tap"; then
    notok "report.mjs exited with status $rc"
  elif [ "$rc" != 0 ]; then
    failed=$((failed + 1))
  fi
fi
echo "1..$n"
[ "$failed" = 0 ]
