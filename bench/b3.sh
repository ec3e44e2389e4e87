#!/usr/bin/env bash
# B3 aggregation: 2 GB of usage lines "<ts> <consumer> <resource> <amount>" in 8 files, sum of amount per consumer
# and resource. Three sides: Sluice (text parse by delimiter, aggregate step), GNU awk, and DuckDB reading the
# files directly with the same SQL (DuckDbB3). All three results must equal the generator's exact totals.
# Prints: B3 sluice=<MB/s> awk=<MB/s> duckdb=<MB/s> sluice/awk=<x> sluice/duckdb=<x>   (MB = 10^6 bytes of input)
source "$(dirname "$0")/common.sh"

FILES=${B3_FILES:-8}
FILE_BYTES=${B3_FILE_BYTES:-250000000}
CONSUMERS=${B3_CONSUMERS:-200}
RESOURCES=${B3_RESOURCES:-20}
WORK=$BENCH_DIR/b3-${FILES}x$FILE_BYTES
# GNU awk explicitly: Debian's default `awk` is mawk, a different (and faster) program.
AWK=${B3_AWK:-gawk}
if ! command -v "$AWK" >/dev/null && [ "$AWK" = gawk ]; then
  echo "installing GNU awk (apt-get install gawk)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq gawk >/dev/null || { echo "B3 needs GNU awk: apt-get install gawk" >&2; exit 2; }
fi
if ! command -v "$AWK" >/dev/null; then
  echo "B3 needs GNU awk ($AWK): apt-get install gawk" >&2
  exit 2
fi

build

if [[ ! -f $WORK/expected ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK"
  bench_java GenB3 "$WORK/in" "$FILES" "$FILE_BYTES" "$CONSUMERS" "$RESOURCES" "$WORK/expected-totals" \
    >"$WORK/expected.tmp"
  mv "$WORK/expected.tmp" "$WORK/expected"
fi
ROWS=$(expected "$WORK/expected" rows)
BYTES=$(expected "$WORK/expected" bytes)

export B3_IN=$WORK/in B3_OUT=$WORK/out-sluice
cp "$BENCH/b3/pipeline.yaml" "$WORK/pipeline.yaml"
failed=0

# check SIDE FILE: FILE holds "consumer resource total" lines in any order; they must equal the expected totals.
check() {
  LC_ALL=C sort "$2" >"$2.sorted"
  if ! cmp -s "$2.sorted" "$WORK/expected-totals"; then
    echo "B3 $1 output WRONG: $2.sorted differs from $WORK/expected-totals" >&2
    failed=1
  fi
}

run_sluice() {
  sluice_run "$WORK/sluice-$PAIR$1.log" "$WORK/pipeline.yaml" "$B3_OUT"
  tail -n +2 "$B3_OUT/totals.csv" | tr ',' ' ' >"$WORK/sluice-$PAIR$1.totals"
  check sluice "$WORK/sluice-$PAIR$1.totals"
}

run_awk() {
  # The output goes to the log: `timed` sends the command's stdout there.
  timed "$WORK/awk-$1.log" "$AWK" '{ s[$2 " " $3] += $4 } END { for (k in s) printf "%s %.0f\n", k, s[k] }' \
    "$B3_IN"/*.log
  cp "$WORK/awk-$1.log" "$WORK/awk-$1.totals"
  check awk "$WORK/awk-$1.totals"
}

run_duckdb() {
  timed "$WORK/duckdb-$1.log" bench_java DuckDbB3 "$B3_IN" "$WORK/duckdb-$1.totals"
  check duckdb "$WORK/duckdb-$1.totals"
}

# Sluice against each peer, alternating within each pair: S A, A S, then S D, D S (with ROUNDS=2).
# Logs are named by pair and run: sluice-awk1.log, awk-1.log, sluice-duckdb2.log, ...
PAIR=awk
rounds run_sluice run_awk
sluice_a=$best_a awk_ms=$best_b cpu_s1=$cpu_a cpu_awk=$cpu_b runs_awk=$runs
PAIR=duckdb
rounds run_sluice run_duckdb
sluice_d=$best_a duck_ms=$best_b cpu_s2=$cpu_a cpu_duck=$cpu_b
sluice_ms=$((sluice_a < sluice_d ? sluice_a : sluice_d))
echo "B3 runs:$runs_awk$runs; input $ROWS lines, $BYTES bytes" >&2
echo "B3 best: sluice ${sluice_ms} ms (cpu ${cpu_s1}/${cpu_s2} ms), awk ${awk_ms} ms (cpu $cpu_awk ms)," \
  "duckdb ${duck_ms} ms (cpu $cpu_duck ms)" >&2
MB=$(awk -v b="$BYTES" 'BEGIN { print b / 1e6 }')
echo "B3 sluice=$(per_second "$MB" "$sluice_ms") MB/s awk=$(per_second "$MB" "$awk_ms") MB/s" \
  "duckdb=$(per_second "$MB" "$duck_ms") MB/s sluice/awk=$(ratio "$awk_ms" "$sluice_ms")" \
  "sluice/duckdb=$(ratio "$duck_ms" "$sluice_ms")"
exit $failed
