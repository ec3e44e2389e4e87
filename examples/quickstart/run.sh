#!/usr/bin/env bash
# The quickstart: generates sample CSVs (once), converts them to Parquet exactly once, and shows the state.
# Run it again: nothing is processed twice. Kill it mid-run (Ctrl-C, or kill -9) and run it again: nothing is lost.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/data/in" ] || "$here/generate.sh" "$here/data/in"
"$here/../../sluice" run "$here/pipeline.yaml" "$@" || code=$?
"$here/../../sluice" status "$here/pipeline.yaml"
exit "${code:-0}"
