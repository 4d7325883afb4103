# tests/browser/lib.sh: what the browser test scripts (service.sh,
# vote.sh) share, sourced once BUILD, OUT, HUST and NAME are set: the
# SKIP rule (no chromium, node or playwright-core: one "# SKIP" line and
# exit 0, as run.sh does), the TAP helpers ok/notok/show with their
# counters n and failed, and a temporary directory TMP removed at exit,
# after stopping the server whose pid the script puts in $pid.
skip() {
  echo "# SKIP browser $NAME test: $*"
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
[ -x "$HUST" ] || { echo "not ok 1 - $HUST is built"; echo "1..1"; exit 1; }

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
show() { sed 's/^/#   /' "$1" | head -"${2:-10}"; }

TMP=$(mktemp -d) || exit 1
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
