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
exit $rc
