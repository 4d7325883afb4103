#!/usr/bin/env bash
# tests/browser/vote.sh BUILD: the voter's ballot in headless Chromium
# (docs/design/ballot.md §3, §8 "Browser").
#
# Makes a temporary directory, writes the demo election with voting open
# into a new database there (BUILD/hustings demo --voting: it prints two
# voting links), starts BUILD/hustings serve on 127.0.0.1:0 with
# --port-file and --mail none (so the credential mails stay in the
# outbox), and runs tests/browser/vote.mjs against it (checks: see its
# header).  When the sqlite3 command is installed, more codes are read from
# the queued credential mails: two fresh ones, so the JS-off and JS-on
# casts run at 1280 px as well as 390 px, and the first code of a voter
# whose link the demo replaced.  Afterwards it checks with sqlite3 that
# the database holds one receipt per cast and no more, stops the server
# with SIGTERM (which must exit 0) and runs hustings audit-verify.  The
# temporary directory is removed at the end.
#
# Screenshots are left in BUILD/browser/vote-*.png.  TAP lines for
# tests/run.sh.  Without chromium, node or playwright-core it prints one
# "# SKIP" line saying what to install, and exits 0, as run.sh does.
set -u
cd "$(dirname "$0")/../.." || exit 1
export LC_ALL=C
BUILD=${1:-build}
OUT=$BUILD/browser
HUST=$BUILD/hustings

NAME=vote
# shellcheck source=tests/browser/lib.sh
. tests/browser/lib.sh
DB=$TMP/vote.db
mkdir -p "$OUT"
rm -f "$OUT"/vote-*.png

if "$HUST" demo --db "$DB" --voting >"$TMP/demo.out" 2>&1; then
  ok "hustings demo --db --voting writes the demo election with voting open"
else
  notok "hustings demo --db --voting writes the demo election with voting open"
  show "$TMP/demo.out"
  echo "1..$n"
  exit 1
fi
# "a BAME member's voting link: /v/CODE", "another member's voting link: ..."
bame=$(sed -n "s|.*a BAME member's voting link: /v/\([0-9A-Z]*\).*|\1|p" "$TMP/demo.out")
other=$(sed -n "s|.*another member's voting link: /v/\([0-9A-Z]*\).*|\1|p" "$TMP/demo.out")
if [ ${#bame} = 26 ] && [ ${#other} = 26 ]; then
  ok "hustings demo --voting prints two voting links"
else
  notok "hustings demo --voting prints two voting links"
  show "$TMP/demo.out"
  echo "1..$n"
  exit 1
fi
codes=$bame,$other
replaced=
have_sql=
if command -v sqlite3 >/dev/null; then
  have_sql=1
  # two fresh codes from queued credential mails (not the two voters the
  # demo gave new links), and the replaced first code of one of those
  fresh=$(sqlite3 "$DB" "SELECT body FROM outbox WHERE kind = 'credential'
    AND lower(to_addr) NOT IN (SELECT lower(email) FROM voters WHERE
    member_no IN ('N0101', 'N0102')) ORDER BY id LIMIT 2" |
    grep -o '/v/[0-9A-Z]\{26\}' | sed 's|/v/||' | paste -sd, -)
  replaced=$(sqlite3 "$DB" "SELECT body FROM outbox WHERE kind = 'credential'
    AND lower(to_addr) IN (SELECT lower(email) FROM voters WHERE
    member_no = 'N0101') ORDER BY id LIMIT 1" |
    grep -o '/v/[0-9A-Z]\{26\}' | head -1 | sed 's|/v/||')
  [ -n "$fresh" ] && codes=$codes,$fresh
else
  echo "# no sqlite3 command: the casts run at 390 px only (apt-get install sqlite3)"
fi

"$HUST" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$TMP/port" \
  --mail none >"$TMP/serve.out" 2>"$TMP/serve.err" &
pid=$!
# allow 20 s for a slow machine (this is no timing assertion)
for _ in $(seq 200); do
  [ -s "$TMP/port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
port=$(cat "$TMP/port" 2>/dev/null)
base=http://127.0.0.1:$port
if [ -n "$port" ]; then
  ok "hustings serve listens on 127.0.0.1:$port"
else
  notok "hustings serve listens on 127.0.0.1"
  show "$TMP/serve.out"
  show "$TMP/serve.err"
  echo "1..$n"
  exit 1
fi

node tests/browser/vote.mjs --modules "$OUT/node_modules" --out "$OUT" \
  --start "$n" --base "$base" --codes "$codes" --replaced "$replaced" |
  tee "$TMP/vote.tap"
rc=${PIPESTATUS[0]}
t=$(grep -Ec '^(not )?ok ' "$TMP/vote.tap")
n=$((n + t))
if [ "$rc" != 0 ] && ! grep -q '^not ok ' "$TMP/vote.tap"; then
  notok "vote.mjs exited with status $rc"
elif [ "$rc" != 0 ]; then
  failed=$((failed + $(grep -c '^not ok ' "$TMP/vote.tap")))
fi
casts=$(sed -n 's/^# casts: \([0-9]*\)$/\1/p' "$TMP/vote.tap" | tail -1)

kill -TERM "$pid"
wait "$pid"
src=$?
pid=
if [ "$src" = 0 ]; then
  ok "hustings serve stops on SIGTERM with status 0"
else
  notok "hustings serve stops on SIGTERM with status 0 (status $src)"
  show "$TMP/serve.err"
fi
if [ -s "$TMP/serve.err" ]; then
  echo "# hustings serve wrote on stderr:"
  show "$TMP/serve.err" 20
fi

if [ -n "$have_sql" ] && [ -n "$casts" ]; then
  got=$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM receipts) || ' ' ||
    (SELECT count(*) FROM electors WHERE voted = 1) || ' ' ||
    (SELECT count(*) FROM credentials WHERE used = 1)")
  if [ "$got" = "$casts $casts $casts" ]; then
    ok "the database holds $casts receipts, voted electors and used codes: one per cast"
  else
    notok "the database holds one receipt, voted elector and used code per cast ($casts)"
    echo "#   receipts, voted, used: $got"
  fi
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
