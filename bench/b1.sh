#!/usr/bin/env bash
# B1 conversion: 20 x 100 MB of CSV (or JSON lines: B1_FORMAT=jsonl) to Parquet (zstd), Sluice against the same
# SQL run directly on DuckDB.
# Prints: B1 <format> sluice=<MB/s> duckdb=<MB/s> ratio=<sluice/duckdb>   (MB = 10^6 bytes of input)
source "$(dirname "$0")/common.sh"

FILES=${B1_FILES:-20}
FILE_BYTES=${B1_FILE_BYTES:-100000000}
export B1_FORMAT=${B1_FORMAT:-csv}
# one: a single COPY over all files (faster here than per-file, see docs/benchmarks.md).
PEER_MODE=${B1_PEER_MODE:-one}
WORK=$BENCH_DIR/b1-${FILES}x$FILE_BYTES
[[ $B1_FORMAT == csv ]] || WORK+=-$B1_FORMAT

build

if [[ ! -f $WORK/expected ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK"
  bench_java GenB1 "$WORK/in" "$FILES" "$FILE_BYTES" "$B1_FORMAT" >"$WORK/expected.tmp"
  mv "$WORK/expected.tmp" "$WORK/expected"
fi
ROWS=$(expected "$WORK/expected" rows)
BYTES=$(expected "$WORK/expected" bytes)

export B1_IN=$WORK/in B1_OUT=$WORK/out-sluice
# The pipeline lives in the work dir, so its state (.sluice/ beside it) stays out of the repo.
cp "$BENCH/b1/pipeline.yaml" "$WORK/pipeline.yaml"
failed=0

check() { # check SIDE COUNT
  if [[ $2 != "$ROWS" ]]; then
    echo "B1 $1 output WRONG: $2 rows, expected $ROWS" >&2
    failed=1
  fi
}

# One run of a side (argument: run number). The whole process is timed on both sides, JVM start included.
run_sluice() {
  sluice_run "$WORK/sluice-$1.log" "$WORK/pipeline.yaml" "$B1_OUT"
  check sluice "$(bench_java CountRows parquet "$B1_OUT/**/*.parquet")"
}

run_duckdb() {
  rm -rf "$WORK/out-duckdb"
  timed "$WORK/duckdb-$1.log" bench_java DuckDbB1 "$BENCH/b1/pipeline.yaml" "$B1_IN" "$WORK/out-duckdb" "$PEER_MODE"
  check duckdb "$(sed -n 's/.* rows=\([0-9]*\).*/\1/p' "$WORK/duckdb-$1.log")"
}

rounds run_sluice run_duckdb
echo "B1 $B1_FORMAT runs:$runs; input $ROWS rows, $BYTES bytes" >&2
echo "B1 $B1_FORMAT CPU time of the best runs: sluice=${cpu_a}ms duckdb=${cpu_b}ms ratio=$(ratio "$cpu_b" "$cpu_a")" >&2
MB=$(awk -v b="$BYTES" 'BEGIN { print b / 1e6 }')
echo "B1 $B1_FORMAT sluice=$(per_second "$MB" "$best_a") MB/s duckdb=$(per_second "$MB" "$best_b") MB/s ratio=$(ratio "$best_b" "$best_a")"
exit $failed
