#!/usr/bin/env bash
# B7 object stores: objects copied from one bucket of an S3Proxy to another, Sluice against rclone (downloading and
# uploading, no server-side copy, same parallelism), both through a proxy that counts their S3 requests by kind.
#   small: 10,000 CSV objects of 10 KB to CSV, exactly-once     goal: Sluice >= 1.0x rclone's objects/s
#   big:   20 CSV objects of 100 MB to Parquet                  goal: Sluice >= 0.8x rclone's MB/s
# Prints per workload: B7 <workload> sluice=<objects/s> <MB/s> rclone=<objects/s> <MB/s> ratio=<sluice/rclone>
#   ledger=<share of Sluice's time per split>, and the requests per input object of each side by kind.
#   (MB = 10^6 bytes of CSV input)
# Usage: bench/b7.sh [--scale F]    F < 1 for a quick run: F x 10,000 small objects, 20 big objects of F x 100 MB
source "$(dirname "$0")/common.sh"
source "$ROOT/scripts/s3proxy.sh"

SCALE=1
while (($#)); do
  case $1 in
    --scale) SCALE=${2:?--scale takes a number, e.g. 0.1}; shift 2 ;;
    *) echo "usage: bench/b7.sh [--scale F]" >&2; exit 2 ;;
  esac
done
scaled() { awk -v n="$1" -v f="$SCALE" -v min="$2" 'BEGIN { v = int(n * f + 0.5); print (v < min ? min : v) }'; }
SMALL_OBJECTS=${B7_SMALL_OBJECTS:-$(scaled 10000 1)}
SMALL_BYTES=${B7_SMALL_BYTES:-10000}
BIG_OBJECTS=${B7_BIG_OBJECTS:-20}
BIG_BYTES=${B7_BIG_BYTES:-$(scaled 100000000 1000)}
WORKLOADS=${B7_WORKLOADS:-small big}

if ! command -v rclone >/dev/null; then
  echo "installing rclone (apt-get install rclone)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq rclone >/dev/null || { echo "B7 needs rclone: apt-get install rclone" >&2; exit 2; }
fi
# rclone 1.60 fails with "LoadCustomCABundleError" when AWS_CA_BUNDLE is set; every endpoint here is plain http.
unset AWS_CA_BUNDLE

build

# Logs, pipelines, Sluice's state and the request counts: kept after the run. The buckets: removed at the end.
WORK=$BENCH_DIR/b7
rm -rf "$WORK"
mkdir -p "$WORK"
S3_DIR=$(mktemp -d "$BENCH_DIR/b7-s3.XXXXXX")
S3_PID="" PROXY_PID=""
cleanup() {
  local pid
  for pid in $PROXY_PID $S3_PID; do
    kill "$pid" 2>/dev/null || continue
    wait "$pid" 2>/dev/null || true # killed: not a failure
  done
  rm -rf "$S3_DIR"
}
trap cleanup EXIT

# S3Proxy (filesystem back end: each bucket a folder of $S3_DIR/data, each object a file), then the proxy in front.
export AWS_ACCESS_KEY_ID=b7-access-key AWS_SECRET_ACCESS_KEY=b7-secret-key AWS_REGION=us-east-1
s3proxy_start "$BENCH_DIR" "$S3_DIR/data" "$WORK/s3proxy.log"
PROXY_PORT=$(free_port)
"$JAVA_HOME/bin/java" -Xmx256m -cp "$BENCH/target/sluice-bench.jar" io.sluice.bench.CountingProxy "$PROXY_PORT" "$S3_PORT" \
  >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
wait_port "$PROXY_PORT" "$PROXY_PID" "the counting proxy" "$WORK/proxy.log"
SERVER_PIDS="$S3_PID $PROXY_PID"
export B7_ENDPOINT=http://127.0.0.1:$PROXY_PORT
COUNTS=$B7_ENDPOINT/__b7/counts

# Two remotes that differ only by name, so rclone downloads and uploads (it copies server-side within one remote
# only), both through the proxy; and one straight to S3Proxy, for the setup.
remote() { printf '[%s]\ntype = s3\nprovider = Other\nenv_auth = true\nendpoint = %s\nforce_path_style = true\nregion = us-east-1\n\n' "$1" "$2"; }
{ remote src "$B7_ENDPOINT"; remote dst "$B7_ENDPOINT"; remote direct "$S3_ENDPOINT"; } >"$WORK/rclone.conf"
RCLONE=(rclone --config "$WORK/rclone.conf")
"${RCLONE[@]}" mkdir direct:b7-in
"${RCLONE[@]}" mkdir direct:b7-out

# The data goes into the bucket straight to S3Proxy, so the proxy counts none of it.
for W in $WORKLOADS; do
  case $W in
    small) bench_java GenB7 "$S3_ENDPOINT" b7-in small/ "$SMALL_OBJECTS" "$SMALL_BYTES" >"$WORK/small.expected" ;;
    big) bench_java GenB7 "$S3_ENDPOINT" b7-in big/ "$BIG_OBJECTS" "$BIG_BYTES" >"$WORK/big.expected" ;;
    *) echo "B7_WORKLOADS: small and/or big, not $W" >&2; exit 2 ;;
  esac
  cp "$BENCH/b7/$W.yaml" "$WORK/$W.yaml" # in the work folder, so Sluice's state (.sluice/ beside it) stays out of the repo
done
failed=0

# check SIDE FORMAT FOLDER: every input row in the side's output once (the bucket's folder on S3Proxy's disk).
check() {
  local got
  got=$(bench_java CountRows "$2" "$3/**/*.$2" id 2>"$WORK/count.err") || got="unreadable ($(head -n 1 "$WORK/count.err"))"
  if [[ $got != "$ROWS $ROWS" ]]; then
    echo "B7 $W $1 output WRONG: rows and distinct ids $got, expected $ROWS of each" >&2
    failed=1
  fi
}

# save_counts SIDE RUN: the proxy's counts of the run just timed (and zero them for the next).
save_counts() { echo "ms=$ms $(curl -fsS "$COUNTS?reset")" >"$WORK/$W-$1-$2.counts"; }

# One run of a side (argument: run number). The whole process is timed on both sides.
run_sluice() {
  curl -fsS "$COUNTS?reset" >/dev/null
  sluice_run "$WORK/$W-sluice-$1.log" "$WORK/$W.yaml" "$S3_DIR/data/b7-out/sluice-$W"
  save_counts sluice "$1"
  check sluice "$FORMAT" "$S3_DIR/data/b7-out/sluice-$W"
}

run_rclone() {
  rm -rf "$S3_DIR/data/b7-out/rclone-$W"
  curl -fsS "$COUNTS?reset" >/dev/null
  timed "$WORK/$W-rclone-$1.log" "${RCLONE[@]}" copy "src:b7-in/$W" "dst:b7-out/rclone-$W" \
    --transfers "$PARALLELISM" --checkers "$PARALLELISM"
  save_counts rclone "$1"
  check rclone csv "$S3_DIR/data/b7-out/rclone-$W"
  if ! grep -q ' copy=0 ' "$WORK/$W-rclone-$1.counts"; then
    echo "B7 $W rclone copied server-side: not the download and upload measured here" >&2
    failed=1
  fi
}

# mb_per_second MS: MB (10^6 bytes) of input per second, one decimal (the small objects move a few MB/s).
mb_per_second() { awk -v b="$BYTES" -v ms="$1" 'BEGIN { printf "%.1f", b / 1e3 / ms }'; }

# per_object SIDE BEST_MS: the requests of the side's best run, per input object, by kind; and the MB moved.
per_object() {
  grep -h "^ms=$2 " "$WORK/$W-$1"-*.counts | head -n 1 | awk -v n="$OBJECTS" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "=")
      if (kv[1] == "up" || kv[1] == "down") mb = mb sprintf(" %s=%.1fMB", kv[1], kv[2] / 1e6)
      else out = out sprintf(" %s=%.3f", kv[1], kv[2] / n) }
    print out mb }'
}

for W in $WORKLOADS; do
  ROWS=$(expected "$WORK/$W.expected" rows)
  BYTES=$(expected "$WORK/$W.expected" bytes)
  OBJECTS=$(expected "$WORK/$W.expected" objects)
  FORMAT=csv GOAL=1.0
  if [[ $W == big ]]; then FORMAT=parquet GOAL=0.8; fi
  rounds run_sluice run_rclone
  echo "B7 $W runs:$runs; input $OBJECTS objects, $ROWS rows, $BYTES bytes" >&2
  echo "B7 $W CPU time of the best runs: sluice=${cpu_a}ms rclone=${cpu_b}ms (S3Proxy and the proxy not included)" >&2
  echo "B7 $W requests per object: sluice$(per_object sluice "$best_a"); rclone$(per_object rclone "$best_b")"
  # "  ledger: 4.24 ms per split (claim, fence check, completion), 0.8% of the time per split" in Sluice's summary
  best_log=$(grep -l "^ms=$best_a " "$WORK/$W-sluice"-*.counts | head -n 1)
  ledger=$(sed -n 's/^  ledger: \([0-9.]*\) ms per split.*, \([0-9.]*%\) of the time per split$/\2 (\1 ms per split)/p' \
    "${best_log%.counts}.log")
  echo "B7 $W sluice=$(per_second "$OBJECTS" "$best_a") objects/s $(mb_per_second "$best_a") MB/s" \
    "rclone=$(per_second "$OBJECTS" "$best_b") objects/s $(mb_per_second "$best_b") MB/s" \
    "ratio=$(ratio "$best_b" "$best_a") (goal >= $GOAL) ledger=${ledger:-?}"
done
exit $failed
