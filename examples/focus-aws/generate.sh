#!/usr/bin/env bash
# Rewrites input/generated: two months of synthetic legacy CUR with every line item type.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/env.sh"
find_java
rm -rf "$here/input/generated"
"$JAVA_HOME/bin/java" "$here/CurGenerator.java" --out "$here/input/generated" --rows "${ROWS:-2000}" --files 1 --months 2024-01,2024-02 --seed 42
