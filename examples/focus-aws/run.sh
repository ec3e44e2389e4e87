#!/usr/bin/env bash
# Converts the CUR files to FOCUS, then checks the output against the FOCUS rules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../sluice" run "$here/pipeline.yaml" "$@"
"$here/../../sluice" focus validate --provider aws-cur "$here/data/focus"
