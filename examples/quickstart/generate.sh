#!/usr/bin/env bash
# Writes the quickstart's input: CSV files (some gzipped) of usage rows, one with a malformed row.
set -euo pipefail
dir="${1:-$(dirname "$0")/data/in}"
files="${FILES:-24}"
rows="${ROWS:-20000}"
mkdir -p "$dir/2026-11"
for i in $(seq 1 "$files"); do
  f="$dir/2026-11/usage-$(printf %03d "$i").csv"
  # its own generator (Park-Miller), not awk's rand(): mawk and gawk draw different numbers from one seed, and the
  # counts the README shows would differ with the awk a machine has
  awk -v seed="$i" -v rows="$rows" 'function rnd() { state = (state * 16807) % 2147483647; return state / 2147483647 }
  BEGIN {
    state = seed * 7919; split("eu-west us-east ap-south sa-east", regions, " ");
    print "id,region,amount,ts";
    for (r = 1; r <= rows; r++) {
      amount = (rnd() < 0.05) ? "" : sprintf("%.4f", rnd() * 100);
      printf "%d,%s,%s,2026-11-%02dT%02d:%02d:%02dZ\n", seed * 1000000 + r, regions[1 + int(rnd() * 4)], amount,
             1 + int(rnd() * 28), int(rnd() * 24), int(rnd() * 60), int(rnd() * 60);
    }
  }' > "$f"
  # a few files arrive gzipped: read transparently
  if [ $((i % 4)) -eq 0 ]; then gzip -n -f "$f"; fi
done
# one bad row: it goes to data/out/_dead_letter/ with its split, file, line, reason and the record; the good rows are kept
printf '999999999,eu-west,not-a-number,2026-11-30T00:00:00Z,extra\n' >> "$dir/2026-11/usage-001.csv"
# make the files look settled (older than `settle`) so the first run reads them at once
touch -d '-10 seconds' "$dir"/2026-11/*
echo "wrote $files files of $rows rows under $dir"
