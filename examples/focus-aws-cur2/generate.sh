#!/usr/bin/env bash
# Rewrites input: two months of synthetic CUR 2.0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/env.sh"
find_java
rm -rf "$here/input"
"$JAVA_HOME/bin/java" "$here/../focus-aws/CurGenerator.java" --out "$here/input" --rows "${ROWS:-1000}" --files 1 \
  --months 2024-03,2024-04 --format cur2 --seed 7
