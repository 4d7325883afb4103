#!/usr/bin/env bash
# tests/browser/service.sh BUILD: the election service in headless Chromium.
#
# Makes a temporary directory, writes the demo election into a new database
# there (BUILD/hustings demo), starts BUILD/hustings serve on 127.0.0.1:0
# with --port-file, reads the first administrator's setup link from the
# server's stdout, and runs tests/browser/service.mjs against it (checks:
# see its header; docs/design/service.md §10 "Browser").  Then it stops the
# server with SIGTERM (which must exit 0) and runs hustings audit-verify on
# the database.  The temporary directory is removed at the end.
#
# Screenshots are left in BUILD/browser/service-*.png.  TAP lines for
# tests/run.sh.  Without chromium, node or playwright-core it prints one
# "# SKIP" line saying what to install, and exits 0, as run.sh does.
set -u
cd "$(dirname "$0")/../.." || exit 1
export LC_ALL=C
BUILD=${1:-build}
OUT=$BUILD/browser
HUST=$BUILD/hustings
ELECTION=steering-2027

NAME=service
# shellcheck source=tests/browser/lib.sh
. tests/browser/lib.sh
DB=$TMP/service.db
mkdir -p "$OUT"
rm -f "$OUT"/service-*.png

if "$HUST" demo --db "$DB" >"$TMP/demo.out" 2>&1; then
  ok "hustings demo --db writes the demo election"
else
  notok "hustings demo --db writes the demo election"
  show "$TMP/demo.out"
  echo "1..$n"
  exit 1
fi

"$HUST" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$TMP/port" \
  >"$TMP/serve.out" 2>"$TMP/serve.err" &
pid=$!
# the port file is written after the setup link has been printed and
# flushed; allow 20 s for a slow machine (this is no timing assertion)
for _ in $(seq 200); do
  [ -s "$TMP/port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
port=$(cat "$TMP/port" 2>/dev/null)
setup=$(grep -o 'first administrator: http://[^ ]*' "$TMP/serve.out" |
  head -1 | sed 's/^first administrator: //')
base=http://127.0.0.1:$port
if [ -n "$port" ] && [ -n "$setup" ] && [ "${setup%%/setup/*}" = "$base" ]; then
  ok "hustings serve listens on 127.0.0.1:$port and prints the setup link"
else
  notok "hustings serve listens on 127.0.0.1 and prints the setup link"
  echo "#   port file: '${port}', setup link: '${setup}'"
  show "$TMP/serve.out"
  show "$TMP/serve.err"
  echo "1..$n"
  exit 1
fi

node tests/browser/service.mjs --modules "$OUT/node_modules" --out "$OUT" \
  --start "$n" --base "$base" --setup "$setup" --election "$ELECTION" \
  --words tests/web/words.txt | tee "$TMP/service.tap"
rc=${PIPESTATUS[0]}
t=$(grep -Ec '^(not )?ok ' "$TMP/service.tap")
n=$((n + t))
if [ "$rc" != 0 ] && ! grep -q '^not ok ' "$TMP/service.tap"; then
  notok "service.mjs exited with status $rc"
elif [ "$rc" != 0 ]; then
  failed=$((failed + $(grep -c '^not ok ' "$TMP/service.tap")))
fi

kill -TERM "$pid"
wait "$pid"
src=$?
pid=
if [ "$src" = 0 ] && grep -q '^hustings: stopped (terminate)' "$TMP/serve.out"; then
  ok "hustings serve stops on SIGTERM with status 0"
else
  notok "hustings serve stops on SIGTERM with status 0 (status $src)"
  show "$TMP/serve.err"
fi
if [ -s "$TMP/serve.err" ]; then
  echo "# hustings serve wrote on stderr:"
  show "$TMP/serve.err" 20
fi

if "$HUST" audit-verify --db "$DB" >"$TMP/verify.out" 2>&1 &&
  grep -q '^ok' "$TMP/verify.out"; then
  ok "hustings audit-verify --db: $(head -1 "$TMP/verify.out")"
else
  notok "hustings audit-verify --db"
  show "$TMP/verify.out"
fi
echo "1..$n"
[ "$failed" = 0 ]
