#!/usr/bin/env bash
# Mechanical checks on the source: banned calls, and no floating point in
# the counting library.
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
exit $rc
