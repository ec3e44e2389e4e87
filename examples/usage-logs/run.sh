#!/usr/bin/env bash
# Usage logs summed per consumer, resource and hour, exactly once: writes sample logs (once), reads every complete
# line they hold now, shows the state and the first totals.
#   ./run.sh                 read what the logs hold, then exit. Then `./generate.sh more` (appends lines, rotates a
#                            log) and ./run.sh again: only the new lines are read, and the totals grow by exactly them.
#   ./run.sh --mode watch    keep reading as the logs grow, until Ctrl-C (the pipeline's own mode)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/data/logs" ] || "$here/generate.sh"
mode=(--mode once)
for arg in "$@"; do case "$arg" in --mode|--mode=*) mode=() ;; esac; done
"$here/../../sluice" run "$here/pipeline.yaml" "${mode[@]}" "$@" || code=$?
"$here/../../sluice" status "$here/pipeline.yaml"
totals="$here/data/out/usage/totals.csv"
if [ -f "$totals" ]; then
  echo
  echo "$totals ($(($(wc -l < "$totals") - 1)) groups), the first:"
  head -6 "$totals"
fi
exit "${code:-0}"
