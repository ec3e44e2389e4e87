#!/usr/bin/env bash
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../sluice" run "$here/pipeline.yaml" "$@"
"$here/../../sluice" focus validate --provider aws-cur2 "$here/data/focus"
