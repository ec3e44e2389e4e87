#!/usr/bin/env bash
# B2 many small files: 20,000 CSV files of ~1 KB copied exactly-once into one folder, Sluice against
# Apache Camel's file consumer with a FileIdempotentRepository.
# Prints: B2 sluice=<files/s> camel=<files/s> ratio=<sluice/camel> time=<Sluice's ms per file> ledger=<the ledger's ms per file>
source "$(dirname "$0")/common.sh"

FILES=${B2_FILES:-20000}
WORK=$BENCH_DIR/b2-$FILES

build

if [[ ! -f $WORK/expected ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK"
  bench_java GenB2 "$WORK/in" "$FILES" >"$WORK/expected.tmp"
  mv "$WORK/expected.tmp" "$WORK/expected"
fi
ROWS=$(expected "$WORK/expected" rows)

export B2_IN=$WORK/in B2_OUT=$WORK/out-sluice
# The pipeline lives in the work dir, so its state (.sluice/ beside it) stays out of the repo.
cp "$BENCH/b2/pipeline.yaml" "$WORK/pipeline.yaml"
failed=0

# One run of a side (argument: run number). The whole process is timed on both sides, JVM start included.
run_sluice() {
  sluice_run "$WORK/sluice-$1.log" "$WORK/pipeline.yaml" "$B2_OUT"
  # Sluice packs files into splits, so its output is fewer, larger files: check rows, not files.
  local rows
  rows=$(bench_java CountRows csv "$B2_OUT/**/*.csv")
  if [[ $rows != "$ROWS" ]]; then
    echo "B2 sluice output WRONG: $rows rows, expected $ROWS" >&2
    failed=1
  fi
}

# CamelB2 itself fails unless exactly $FILES files arrived in its output folder.
run_camel() {
  rm -rf "$WORK/out-camel" "$WORK/camel-repo.dat"
  timed "$WORK/camel-$1.log" bench_java CamelB2 "$B2_IN" "$WORK/out-camel" "$WORK/camel-repo.dat" "$FILES"
}

rounds run_sluice run_camel
echo "B2 runs:$runs; $FILES files, $ROWS rows" >&2
echo "B2 CPU time of the best runs: sluice=${cpu_a}ms camel=${cpu_b}ms ratio=$(ratio "$cpu_b" "$cpu_a")" >&2
# Sluice's time per file, and the ledger's part of it (from the summary of its first run: ms per split x splits / files).
per_file=$(awk -v ms="$best_a" -v n="$FILES" 'BEGIN { printf "%.3f", ms / n }')
ledger=$(awk -v n="$FILES" '/ split\(s\) done/ { for (i = 1; i <= NF; i++) if ($(i+1) == "split(s)" && $(i+2) == "done,") splits = $i }
  /^  ledger: / { ms = $2 } END { if (splits > 0) printf "%.4f", ms * splits / n; else print "?" }' "$WORK/sluice-1.log")
echo "B2 sluice=$(per_second "$FILES" "$best_a") files/s camel=$(per_second "$FILES" "$best_b") files/s" \
  "ratio=$(ratio "$best_b" "$best_a") time=${per_file}ms/file ledger=${ledger}ms/file"
exit $failed
