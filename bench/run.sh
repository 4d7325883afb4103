#!/usr/bin/env bash
# bench/run.sh BUILD: speed and memory of hustings on large files.
#
# A benchmark, not a test: it always exits 0 unless it cannot run at all
# (no binaries, no disk space); the PASS/MISS column is for reading.
#
# Generates (once) into bench/out/, which is gitignored:
#   nec-1M.blt, nec-10M.blt  synthetic NEC-style election (bench/gen.c nec)
#   ward-1M.blt              the largest ward in ../shared/data/scotland/
#                            14_cands resampled to 1M papers (gen resample)
# A file is reused when its .meta sidecar says it was written by the same
# gen.c with the same arguments and the file still has the recorded size.
#
# Then times `hustings count --rules R --format json FILE > /dev/null` for
# each file and rule set, under GNU time (/usr/bin/time -f '%e %M') or, if
# that is missing, gen's own stand-in (gen time: wall clock + wait4 RSS).
#
# Environment:
#   BENCH_RULES   rule sets (default: scottish ers97 wigm uig meek nz-meek
#                 warren irv block)
#   BENCH_FILES   files to use (default: nec-1M nec-10M ward-1M); any
#                 nec-N or ward-N, N a number with an optional K or M
#   BENCH_REPEAT  runs per cell, best wall time kept (default 3)
#   BENCH_WARD    source BLT for ward-1M (default: the largest file in
#                 ../shared/data/scotland/14_cands)
#   BENCH_SEED    generator seed (default: gen's built-in seed)
#   BENCH_TIMER   gen: use 'gen time' even where GNU time is installed
#   BENCH_WEB     0: skip the election service (bench/web.c, the last part)
#   BENCH_WEB_CLIENTS, BENCH_WEB_SECONDS  its clients (64) and seconds a
#                 row (5)
#   BENCH_WEB_WRITER  the servers' write paths for the ballot rows (cast,
#                 vote): thread,mutex (default), thread or mutex
#
# Last, the HTML report of nec-20K (42 candidates, 40 stages under
# scottish): written in < 1 s and < 2 MB, and opened by Chromium (if
# make browser-deps has installed it) in < 1 s (bench/browser-load.mjs).
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
HUST=$BUILD/hustings
GEN=$BUILD/bench/gen
OUT=$root/bench/out
RULES=${BENCH_RULES:-scottish ers97 wigm uig meek nz-meek warren irv block}
FILES=${BENCH_FILES:-nec-1M nec-10M ward-1M}
REPEAT=${BENCH_REPEAT:-3}
SEED=()
[ -n "${BENCH_SEED:-}" ] && SEED=("$BENCH_SEED")

# Goals (docs: bench/README.md).  Time goals apply to the 10M file.
GOAL_FILE=nec-10M
GOAL_RSS_MB=256
goal_time() { # rule -> seconds, or empty
  case $1 in
    scottish | ers97 | wigm) echo 2 ;;
    meek) echo 5 ;;
    *) echo "" ;;
  esac
}

for x in "$HUST" "$GEN"; do
  if [ ! -x "$x" ]; then
    echo "bench: $x not built (run: make bench)" >&2
    exit 1
  fi
done
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${BENCH_TIMER:-}" = gen ]; then
  TIMER=gen
elif [ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' -o "$tmp/t" true 2>/dev/null; then
  TIMER=gnu
else
  TIMER=gen
  echo "bench: /usr/bin/time (GNU time) not found; using 'gen time' instead."
  echo "       for GNU time: apt-get install -y time"
fi

# timed OUTFILE CMD...: runs CMD with stdout to /dev/null, stderr to
# $tmp/err; writes "seconds kilobytes" to OUTFILE; returns CMD's status.
timed() {
  local tf=$1 rc
  shift
  if [ "$TIMER" = gnu ]; then
    local t0=${EPOCHREALTIME:-} t1 e kb
    /usr/bin/time -f '%e %M' -o "$tf.raw" "$@" >/dev/null 2>"$tmp/err"
    rc=$?
    t1=${EPOCHREALTIME:-}
    # "Command exited with non-zero status N" may come first
    read -r e kb < <(tail -n 1 "$tf.raw")
    # %e has 1/100 s; bash 5's EPOCHREALTIME gives microseconds
    if [ -n "$t0" ] && [ -n "$t1" ]; then
      e=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN{printf "%.3f", b - a}')
    fi
    echo "$e $kb" >"$tf"
  else
    "$GEN" time -o "$tf" "$@" >/dev/null 2>"$tmp/err"
    rc=$?
  fi
  return $rc
}

# ---- the files -----------------------------------------------------------
gen_key=$(cksum <bench/gen.c | cut -d' ' -f1)

ward_src=${BENCH_WARD:-}
if [ -z "$ward_src" ]; then
  # shellcheck disable=SC2012 # plain names; ls -S sorts by size
  ward_src=$(ls -S "$root"/../shared/data/scotland/14_cands/*.blt 2>/dev/null |
    head -n 1)
fi

# ballots NAME: the number of papers a file name asks for (nec-10M,
# ward-250K, nec-5000), or nothing if it names none
ballots_of() {
  local n=${1#*-}
  case $n in
    *[!0-9KM]* | "" | [KM]*) ;;
    *M) echo $((${n%M} * 1000000)) ;;
    *K) echo $((${n%K} * 1000)) ;;
    *[0-9]) echo "$n" ;;
  esac
}

# ensure NAME: generates $OUT/NAME.blt unless a matching one is there;
# leaves "ballots N distinct D bytes B" in $OUT/NAME.meta.
ensure() {
  local name=$1 f=$OUT/$1.blt meta=$OUT/$1.meta key args size n
  n=$(ballots_of "$name")
  if [ -z "$n" ]; then
    echo "bench: cannot tell the number of ballots from '$name' (e.g. nec-10M)"
    return 1
  fi
  case $name in
    nec-*) args=(nec "$n" "$f.tmp" "${SEED[@]}") ;;
    ward-*)
      if [ -z "$ward_src" ] || [ ! -r "$ward_src" ]; then
        echo "bench: no source ward for $name (set BENCH_WARD=FILE.blt)"
        return 1
      fi
      args=(resample "$ward_src" "$n" "$f.tmp" "${SEED[@]}")
      key=" src=${ward_src##*/}:$(cksum <"$ward_src" | cut -d' ' -f1)" ;;
    *) echo "bench: unknown file $name"; return 1 ;;
  esac
  key="gen=$gen_key ${args[0]} n=$n seed=${BENCH_SEED:-default}${key:-}"
  if [ -f "$f" ] && [ -f "$meta" ] && [ "$(head -n 1 "$meta")" = "$key" ]; then
    size=$(stat -c %s "$f")
    if sed -n 2p "$meta" | grep -q " bytes $size\$"; then
      echo "bench: reusing $name.blt ($((size / 1048576)) MiB)"
      return 0
    fi
  fi
  echo -n "bench: generating $name.blt ... "
  rm -f "$f" "$meta"
  local t0=$SECONDS
  if ! "$GEN" "${args[@]}" >"$tmp/gen.out"; then
    rm -f "$f.tmp"
    echo "failed"
    return 1
  fi
  mv "$f.tmp" "$f"
  { echo "$key"; cat "$tmp/gen.out"; } >"$meta"
  echo "$(($(stat -c %s "$f") / 1048576)) MiB in $((SECONDS - t0)) s"
}

avail_kb=$(df -Pk "$OUT" | awk 'NR == 2 {print $4}')
if [ "${avail_kb:-0}" -lt 1048576 ]; then
  echo "bench: less than 1 GiB free under $OUT; not generating" >&2
  exit 1
fi

files=()
for name in $FILES; do
  if ensure "$name"; then files+=("$name"); fi
done

# ---- the runs -------------------------------------------------------------
hr() { printf '%s\n' "-----------------------------------------------------------------------------------------------"; }
echo
echo "$("$HUST" --version 2>/dev/null | head -n 1)  ($(uname -m), $(nproc) cores; timer: $TIMER; best of $REPEAT)"
echo "goals: scottish, ers97, wigm < 2 s and meek < 5 s on $GOAL_FILE; peak RSS < $GOAL_RSS_MB MB on every row"
hr
printf '%-9s %9s %9s %-9s %8s %12s %8s %-6s %s\n' \
  file ballots distinct rule wall_s ballots/s rss_MB goal result
hr
for name in "${files[@]}"; do
  f=$OUT/$name.blt
  ballots=$(sed -n 2p "$OUT/$name.meta" | awk '{print $2}')
  distinct=$(sed -n 2p "$OUT/$name.meta" | awk '{print $4}')
  # the floor: reading the file once
  timed "$tmp/t" wc -l "$f"
  read -r wall kb <"$tmp/t"
  awk -v f="$name" -v b="$ballots" -v d="$distinct" -v w="$wall" -v k="$kb" 'BEGIN {
    printf "%-9s %9d %9d %-9s %8.3f %12s %8.1f %-6s %s\n", f, b, d, "(wc -l)",
      w, (w > 0 ? sprintf("%.0f", b / w) : "-"), k / 1024, "-", "floor" }'
  for rule in $RULES; do
    extra=()
    [ "$rule" = irv ] && extra=(--seats 1)
    best='' bestkb='' status=ok
    for ((i = 0; i < REPEAT; i++)); do
      timed "$tmp/t" "$HUST" count --rules "$rule" "${extra[@]}" \
        --format json "$f"
      rc=$?
      if [ $rc != 0 ]; then
        if grep -qi 'not yet' "$tmp/err"; then status=n/a
        else status="exit $rc: $(head -n 1 "$tmp/err" | cut -c1-60)"; fi
        break
      fi
      read -r wall kb <"$tmp/t"
      if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a < b)}'; then
        best=$wall
      fi
      if [ -z "$bestkb" ] || [ "$kb" -gt "$bestkb" ]; then bestkb=$kb; fi
    done
    gt=
    [ "$name" = "$GOAL_FILE" ] && gt=$(goal_time "$rule")
    if [ "$status" != ok ]; then
      printf '%-9s %9d %9d %-9s %8s %12s %8s %-6s %s\n' "$name" "$ballots" \
        "$distinct" "$rule" - - - "${gt:+<${gt}s}" "$status"
      continue
    fi
    awk -v f="$name" -v b="$ballots" -v d="$distinct" -v r="$rule" \
      -v w="$best" -v k="$bestkb" -v gt="$gt" -v gm="$GOAL_RSS_MB" 'BEGIN {
      mb = k / 1024; res = "PASS"; why = ""
      if (gt != "" && w >= gt) why = why " time"
      if (mb >= gm) why = why " rss"
      if (why != "") res = "MISS" why
      goal = gt != "" ? "<" gt "s" : "rss"
      printf "%-9s %9d %9d %-9s %8.3f %12s %8.1f %-6s %s\n", f, b, d, r, w,
        (w > 0 ? sprintf("%.0f", b / w) : "-"), mb, goal, res }'
  done
  hr
done
# ---- whole jobs on nec-1M: what-if (goal < 10 s), slate ordering, and a
# count whose constraints bind (at least 7 of the even-numbered candidates)
jobfile=$OUT/nec-1M.blt
if [ -f "$jobfile" ]; then
  { printf 'group even min 7: '; seq -s, 2 2 42 | sed 's/,$//'; } >"$tmp/even.con"
  echo
  printf '%-46s %8s %8s %s\n' "job on nec-1M" wall_s rss_MB result
  hr
  for job in "whatif --rules scottish" "rank --rules scottish" \
    "rank --rules scottish --constraints $tmp/even.con" \
    "count --rules scottish --constraints $tmp/even.con" \
    "count --rules meek --constraints $tmp/even.con"; do
    # shellcheck disable=SC2086 # job is a list of words
    if timed "$tmp/t" "$HUST" $job "$jobfile"; then
      read -r wall kb <"$tmp/t"
      res=ok
      case $job in whatif*) awk -v w="$wall" 'BEGIN{exit !(w < 10)}' &&
        res="PASS (<10s)" || res="MISS (<10s)" ;; esac
    else
      wall=- kb=0 res="exit $(head -n 1 "$tmp/err" | cut -c1-50)"
    fi
    printf '%-46s %8s %8.1f %s\n' "${job/$tmp\//}" "$wall" \
      "$(awk -v k="$kb" 'BEGIN{print k / 1024}')" "$res"
  done
  hr
fi
# ---- the HTML report of a 42-candidate, 40-stage count (issue 4; goals:
# written in < 1 s and < 2 MB, and opened by Chromium in < 1 s).  nec-20K:
# gen nec with 20,000 papers, which counts in 40 stages under scottish (so
# does every N tried, 2,000 to 100,000).  The browser rows need chromium and
# playwright-core (make browser-deps); bench/browser-load.mjs measures them.
htmlname=nec-20K
if ensure "$htmlname"; then
  hf=$OUT/$htmlname.blt
  stages=$("$HUST" count --rules scottish --format json "$hf" 2>/dev/null |
    grep -c '"stage":')
  echo
  printf '%-46s %8s %8s %9s %s\n' \
    "HTML report, $htmlname (42 cands, $stages stages)" wall_s rss_MB bytes result
  hr
  jsonbest=
  for fmt in json html; do
    best='' bestkb='' status=ok
    for ((i = 0; i < REPEAT; i++)); do
      if ! timed "$tmp/t" "$HUST" count --rules scottish --format "$fmt" "$hf"; then
        if grep -qiE 'not yet|expected text, json or csv' "$tmp/err"; then status=n/a
        else status="exit: $(head -n 1 "$tmp/err" | cut -c1-50)"; fi
        break
      fi
      read -r wall kb <"$tmp/t"
      if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a < b)}'; then
        best=$wall
      fi
      if [ -z "$bestkb" ] || [ "$kb" -gt "$bestkb" ]; then bestkb=$kb; fi
    done
    label="count --rules scottish --format $fmt"
    if [ "$status" != ok ]; then
      printf '%-46s %8s %8s %9s %s\n' "$label" - - - "$status"
      continue
    fi
    "$HUST" count --rules scottish --format "$fmt" "$hf" >"$tmp/nec.$fmt" 2>/dev/null
    bytes=$(stat -c %s "$tmp/nec.$fmt")
    if [ "$fmt" = json ]; then
      jsonbest=$best
      res="- (the count alone)"
    else
      res=$(awk -v w="$best" -v b="$bytes" 'BEGIN { why = ""
        if (w >= 1) why = why " time"; if (b >= 2097152) why = why " size"
        print (why == "" ? "PASS" : "MISS" why) " (<1s, <2MB)" }')
    fi
    printf '%-46s %8.3f %8.1f %9d %s\n' "$label" "$best" \
      "$(awk -v k="$bestkb" 'BEGIN{print k / 1024}')" "$bytes" "$res"
    if [ "$fmt" = html ] && [ -n "$jsonbest" ]; then
      printf '%-46s %8.3f %8s %9s %s\n' "  html - json: writing the page alone" \
        "$(awk -v a="$best" -v b="$jsonbest" 'BEGIN{d = a - b; print d < 0 ? 0 : d}')" \
        - - -
    fi
  done
  if [ -s "$tmp/nec.html" ] && ! grep -q 'expected text' "$tmp/nec.html"; then
    mods=$BUILD/browser/node_modules
    if [ -x /usr/bin/chromium ] && [ -f "$mods/.stamp" ] &&
      command -v node >/dev/null; then
      node bench/browser-load.mjs --modules "$mods" --repeat "$REPEAT" \
        "$tmp/nec.html" >"$tmp/load" 2>&1
      if grep -qE '^[0-9]+ [0-9]+ [0-9]+$' "$tmp/load"; then
        while read -r width load shot; do
          printf '%-46s %8.3f %8s %9s %s\n' \
            "chromium at $width px: open to load event" "$(awk -v m="$load" 'BEGIN{print m / 1000}')" \
            - - "$(awk -v m="$load" 'BEGIN{print (m < 1000 ? "PASS" : "MISS time") " (<1s)"}')"
          printf '%-46s %8.3f %8s %9s %s\n' \
            "chromium at $width px: full-page screenshot" "$(awk -v m="$shot" 'BEGIN{print m / 1000}')" \
            - - -
        done <"$tmp/load"
      else
        printf '%-46s %8s %8s %9s %s\n' "chromium: open the page" - - - \
          "$(head -n 1 "$tmp/load" | cut -c1-60)"
      fi
    else
      printf '%-46s %8s %8s %9s %s\n' "chromium: open the page" - - - \
        "n/a (make browser-deps)"
    fi
  fi
  hr
fi
echo "distinct: rankings that differ token for token (what hustings keeps after"
echo "merging), counted by gen when it wrote the file.  rss_MB: peak resident"
echo "set of the whole process.  n/a: the rule set is not implemented yet."
# ---- the election service under load (bench/web.c): `hustings serve` on a
# demo database, page reads and small durable writes (synchronous=FULL) from
# BENCH_WEB_CLIENTS concurrent clients (default 64) for BENCH_WEB_SECONDS a
# row (default 5), then the fsyncs per commit (under strace, if installed)
# and the rate limiter on its own (about 50 s).  Then issue 6's ballots:
# 100,000 durable casts and 5,000 whole votes, once with the writer thread
# and once with the mutex (about 1 and 2 minutes).  Goal: 2,000 casts/s
# with p99 < 100 ms from 64 clients.  BENCH_WEB=0 skips all of it.
web=$BUILD/bench/web
if [ "${BENCH_WEB:-1}" != 0 ]; then
  echo
  if [ -x "$web" ]; then
    "$web" --bin "$HUST" --clients "${BENCH_WEB_CLIENTS:-64}" \
      --seconds "${BENCH_WEB_SECONDS:-5}" \
      --writer "${BENCH_WEB_WRITER:-thread,mutex}" ||
      echo "web: could not run (exit $?)"
  else
    echo "web: $web not built (run: make bench)"
  fi
  hr
fi
exit 0
