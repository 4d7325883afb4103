#!/usr/bin/env bash
# Mechanical checks on the source: banned calls, no floating point in the
# counting library, SQL through prepared statements only, and every
# static-analysis suppression named and explained.  `make lint` runs this,
# then gcc -fanalyzer, clang-tidy and cppcheck (see the Makefile).
set -u
cd "$(dirname "$0")/.."
rc=0
banned=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atoll|gets)\s*\(' \
  src include tests bench --include='*.c' --include='*.h' | grep -v 'lint: allow')
if [ -n "$banned" ]; then
  echo "lint: banned calls:"; echo "$banned"; rc=1
fi
float=$(grep -rnE '\b(float|double)\b|<math\.h>|\b(sqrt|pow|lround|fabs)\s*\(' \
  src/lib --include='*.c' --include='*.h')
if [ -n "$float" ]; then
  echo "lint: floating point in the counting library:"; echo "$float"; rc=1
fi
comment() { grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)'; }
float=$(grep -rnE '\b(float|double)\b|<math\.h>' src/web --include='*.c' \
  --include='*.h' | comment)
if [ -n "$float" ]; then
  echo "lint: floating point in the service:"; echo "$float"; rc=1
fi
# the service reaches SQLite through prepared statements only: no SQL built
# from strings, and sqlite3_exec only for migrate.c's constant schema
sql=$({ grep -rnE '\bsqlite3_(mprintf|vmprintf|snprintf)\s*\(' src/web --include='*.c';
  grep -rnE '\bsqlite3_exec\s*\(' src/web --include='*.c' |
    grep -v '^src/web/migrate\.c:'; } | comment)
if [ -n "$sql" ]; then
  echo "lint: SQL outside prepared statements:"; echo "$sql"; rc=1
fi
# the service is a client of include/stv.h only
priv=$(grep -rnE '#include "(stvInt|html|svg|flows|report|piles|exact)\.h"' src/web)
if [ -n "$priv" ]; then
  echo "lint: the service includes the library's private headers:"; echo "$priv"; rc=1
fi
# a silenced analyser finding names what it silences and says why:
# `// NOLINT(check-name): why`, `// cppcheck-suppress id ; why`, and a
# comment just above every `#pragma GCC diagnostic ignored "-Wanalyzer-..."`
sup=$(grep -rnE 'NOLINT|cppcheck-suppress' src include --include='*.c' \
  --include='*.h' | grep -vE 'NOLINT(NEXTLINE)?\([A-Za-z0-9.,*-]+\): [^ ]|cppcheck-suppress [A-Za-z0-9_]+ ; [^ ]')
if [ -n "$sup" ]; then
  echo "lint: a suppression without a check name and a reason:"; echo "$sup"; rc=1
fi
sup=$(grep -rnE -B4 'diagnostic ignored "-Wanalyzer' src include --include='*.c' \
  --include='*.h' | awk '/-Wanalyzer/ && !c { print } /\*\/|\/\// { c = 1 }
  /^--$/ { c = 0 }')
if [ -n "$sup" ]; then
  echo "lint: an analyser pragma without a comment saying why:"; echo "$sup"; rc=1
fi
# every check .clang-tidy leaves out has its reason in the comment above
for c in $(sed -n '/^Checks:/,/^[A-Z]/p' .clang-tidy | grep -oE '^ *-[a-z][a-zA-Z0-9.*-]+' |
    sed 's/^ *-//'); do
  grep -qE "^# +$c:" .clang-tidy ||
    { echo "lint: .clang-tidy leaves out $c without a reason"; rc=1; }
done
exit $rc
