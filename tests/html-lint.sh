#!/usr/bin/env bash
# Checks every HTML page among the golden outputs (tests/golden/*.out whose
# command asks for --format html): well-formed XML (the pages are polyglot
# XHTML, so bad nesting shows), nothing fetched from elsewhere (no script,
# no src= or url(), no <link>, no @import), a <title>, a lang, and under
# 2 MB.  One TAP line per page.
set -u
cd "$(dirname "$0")/.."
n=0
fail=0
for cmd in tests/golden/*.cmd; do
  grep -q -- '--format html' "$cmd" || continue
  out=${cmd%.cmd}.out
  name=$(basename "${cmd%.cmd}")
  n=$((n + 1))
  why=""
  if ! command -v xmllint >/dev/null; then
    why="xmllint not found (apt-get install libxml2-utils)"
  elif ! err=$(xmllint --noout "$out" 2>&1); then
    why="not well-formed: $(echo "$err" | head -3)"
  elif grep -qiE '<script|<link|[[:space:]]src=|url\(|@import' "$out"; then
    why="refers to something outside the page: $(grep -oiE '<script|<link|[[:space:]]src=|url\(|@import' "$out" | head -1)"
  elif ! grep -q '<html lang="en"' "$out" || ! grep -q '<title>' "$out"; then
    why="no lang or no title"
  elif [ "$(wc -c <"$out")" -ge 2097152 ]; then
    why="$(wc -c <"$out") bytes, over 2 MB"
  fi
  if [ -z "$why" ]; then
    echo "ok $n - html $name"
  else
    echo "not ok $n - html $name: $why"
    fail=1
  fi
done
[ "$n" -gt 0 ] || { echo "not ok 1 - no HTML golden page found"; exit 1; }
exit $fail
