#!/usr/bin/env bash
# B5: a generated legacy CUR (gzip CSV, all line item types) to FOCUS Parquet, against a plain CSV-to-Parquet
# copy of the same files through the same engine: the floor under any conversion.
#   ROWS=10000000 FILES=40 bench/b5/b5.sh         (defaults; WORK=/tmp/sluice-b5 holds the data, ~1 GB per 10M rows)
# Prints rows/s of both and their ratio (conversion throughput / copy throughput; goal >= 0.5). Each runs REPEAT
# times (default 2), alternating, and the best time of each counts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/env.sh"
find_java
rows="${ROWS:-10000000}"
files="${FILES:-40}"
work="${WORK:-/tmp/sluice-b5}"
mkdir -p "$work"

if [ ! -f "$work/cur-$rows.done" ]; then
  rm -rf "$work/cur"
  echo "b5: generating $rows CUR rows in $files gzip files under $work/cur ..."
  start=$(date +%s)
  # files per month: the rows are spread over two billing periods
  "$JAVA_HOME/bin/java" "$root/examples/focus-aws/CurGenerator.java" --out "$work/cur" --rows "$rows" \
    --files $(( files / 2 )) --months 2024-01,2024-02 --seed 5
  touch -d '-1 minute' "$work"/cur/*/*.csv.gz
  echo "b5: generated in $(( $(date +%s) - start )) s, $(du -sh "$work/cur" | cut -f1)"
  touch "$work/cur-$rows.done"
fi

pipeline() { # name, steps
  cat > "$work/$1.yaml" <<YAML
pipeline: b5-$1
source:
  files: { path: cur, include: "**/*.csv.gz", pack: { max_files: 1 } }
steps: $2
sink:
  files: { path: out-$1, format: parquet, partition_by: [$3] }
state:
  sqlite: .sluice/b5-$1.db
run:
  on_bad_record: fail
YAML
}
pipeline copy "[]" '"bill/BillingPeriodStartDate"'
pipeline focus "[{ focus: { provider: aws-cur } }]" BillingPeriodStart

measure() { # name -> milliseconds
  rm -rf "$work/out-$1" "$work/.sluice/b5-$1.db"*
  local t0
  t0=$(date +%s%N)
  "$root/sluice" run "$work/$1.yaml" --progress none >&2
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
"$root/sluice" validate "$work/focus.yaml" >/dev/null
# alternate the two and keep each one's best time, so that other load on the machine hurts neither more
copy=""; focus=""
for i in $(seq 1 "${REPEAT:-2}"); do
  c=$(measure copy); f=$(measure focus)
  echo "b5: round $i: copy $c ms, focus $f ms" >&2
  if [ -z "$copy" ] || [ "$c" -lt "$copy" ]; then copy=$c; fi
  if [ -z "$focus" ] || [ "$f" -lt "$focus" ]; then focus=$f; fi
done
out=$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$root/sluice-cli/target/lib/*" "$here/Count.java" "$work/out-focus")
echo "b5: rows in $rows; FOCUS rows out $out"
awk -v r="$rows" -v c="$copy" -v f="$focus" 'BEGIN {
  printf "b5: copy  %.1f s, %.0f rows/s\n", c / 1000, r * 1000 / c;
  printf "b5: focus %.1f s, %.0f rows/s\n", f / 1000, r * 1000 / f;
  printf "b5: ratio (focus rows/s / copy rows/s) %.2f\n", c / f }'
