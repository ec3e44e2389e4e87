#!/usr/bin/env bash
# Rewrites input: two months of a synthetic detailed billing export.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/env.sh"
find_java
rm -rf "$here/input"
"$JAVA_HOME/bin/java" "$here/GcpExportGenerator.java" --out "$here/input" --rows "${ROWS:-1000}" --months 2024-01,2024-02
