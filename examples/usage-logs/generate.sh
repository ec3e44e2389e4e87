#!/usr/bin/env bash
# Writes sample usage logs under data/logs/ (one per service): `ts consumer resource amount` per line.
#   ./generate.sh          start the logs (and remove earlier ones)
#   ./generate.sh more     append lines to every log, leave the last line of api.log unfinished (it waits for
#                          its newline), and rotate worker.log: renamed to worker-20261120.log (the pipeline's
#                          `include: "*.log"` matches it, so its last lines are read too), a new worker.log started
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/data/logs"
lines="${LINES:-5000}"

# appends $2 lines to log $1, with timestamps from hour $3 of 2026-11-20
write() {
  awk -v seed="$RANDOM$2" -v n="$2" -v h="$3" -v svc="$(basename "$1" .log)" 'BEGIN {
    srand(seed); split("alice bob carol zoë 日本", consumers, " "); split("cpu mem disk net", resources, " ");
    for (i = 1; i <= n; i++) {
      printf "2026-11-20T%02d:%02d:%02d %s %s:%s %d\n", (h + int(i * 4 / n)) % 24, int(rand() * 60), int(rand() * 60),
             consumers[1 + int(rand() * 5)], svc, resources[1 + int(rand() * 4)], 1 + int(rand() * 1000);
    }
  }' >> "$1"
}

if [ "${1:-}" = more ]; then
  [ -d "$dir" ] || { echo "run ./generate.sh first" >&2; exit 1; }
  for log in "$dir"/*.log; do write "$log" "$((lines / 5))" 4; done
  printf '2026-11-20T09:59:59 alice api:cpu 1' >> "$dir/api.log"   # no newline yet: not read until it has one
  # rotation: the writer's file is renamed (the rest of it is still read, from where reading stopped) ...
  mv "$dir/worker.log" "$dir/worker-20261120.log"
  write "$dir/worker-20261120.log" 100 8
  # ... and a new log is started under the old name (read from its start)
  write "$dir/worker.log" "$((lines / 5))" 9
  echo "appended to $(ls "$dir"/*.log | wc -l) logs, rotated worker.log"
else
  rm -rf "$dir"
  mkdir -p "$dir"
  for svc in api worker billing; do write "$dir/$svc.log" "$lines" 0; done
  echo 'a line that does not match the regex' >> "$dir/billing.log"   # goes to the dead letters, with its line
  echo "wrote 3 logs of $lines lines under $dir"
fi
