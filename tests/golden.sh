#!/usr/bin/env bash
# Golden tests: each tests/golden/CASE.cmd holds the arguments of one
# hustings invocation (paths relative to the repository root).  The outputs
# must match CASE.out (standard output), CASE.err (standard error, if the
# file exists) and CASE.status (exit status, 0 if absent) byte for byte.
#
#   tests/golden.sh BUILD            run, printing one TAP line per case
#   tests/golden.sh BUILD --update   (re)write the expected files: check
#                                    each new one by hand before committing
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
update=${2:-}
bin="$build/hustings"
n=0
fail=0
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cmd in tests/golden/*.cmd; do
  [ -e "$cmd" ] || continue
  case_=${cmd%.cmd}
  name=${case_#tests/golden/}
  n=$((n + 1))
  # shellcheck disable=SC2046
  eval "set -- $(cat "$cmd")"
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
  if [ "$update" = "--update" ]; then
    cp "$tmp/out" "$case_.out"
    if [ -s "$tmp/err" ]; then cp "$tmp/err" "$case_.err"; else rm -f "$case_.err"; fi
    if [ "$status" != 0 ]; then echo "$status" >"$case_.status"; else rm -f "$case_.status"; fi
    echo "ok $n - golden $name (updated)"
    continue
  fi
  want_status=0
  [ -f "$case_.status" ] && want_status=$(cat "$case_.status")
  why=""
  if [ "$status" != "$want_status" ]; then
    why="exit status $status, expected $want_status"
  elif ! cmp -s "$tmp/out" "$case_.out"; then
    why="stdout differs: $(diff "$case_.out" "$tmp/out" | head -5 | tr '\n' ' ')"
  elif [ -f "$case_.err" ] && ! cmp -s "$tmp/err" "$case_.err"; then
    why="stderr differs: $(diff "$case_.err" "$tmp/err" | head -5 | tr '\n' ' ')"
  elif [ ! -f "$case_.err" ] && [ -s "$tmp/err" ]; then
    why="unexpected stderr: $(head -c 300 "$tmp/err")"
  fi
  if [ -n "$why" ]; then
    fail=$((fail + 1))
    echo "not ok $n - golden $name: $why"
  else
    echo "ok $n - golden $name"
  fi
done
[ "$fail" = 0 ]
