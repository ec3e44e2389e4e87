#!/usr/bin/env bash
# Amortized usage, then the actual export's commitment purchases, into one FOCUS dataset; then validation.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../sluice" run "$here/pipeline.yaml" "$@"
"$here/../../sluice" run "$here/pipeline-purchases.yaml" "$@"
"$here/../../sluice" focus validate --provider azure "$here/data/focus"
