#!/usr/bin/env bash
# B4 tailing: 50 logs growing at a steady rate while `sluice run --mode watch` (interval 1s) tails them into an
# aggregate. Measures the lag from a line's write to its committed total (marker lines with a consumer of their
# own; WriterB4 polls totals.csv for them), the CPU use of the Sluice process while the logs grow, and at idle
# (after the writer stopped and every marker is in: CPU seconds over IDLE_SECONDS from /proc/PID/stat).
# Prints: B4 lag_median=<ms> lag_p95=<ms> markers=<n> cpu_busy=<% of a core> cpu_idle=<% of a core>
source "$(dirname "$0")/common.sh"

FILES=${B4_FILES:-50}
RATE=${B4_RATE:-50}                 # lines per second per log
SECONDS_RUN=${B4_SECONDS:-60}
MARKER_MS=${B4_MARKER_MS:-2000}
IDLE_SECONDS=${B4_IDLE_SECONDS:-30}
WORK=$BENCH_DIR/b4

build

rm -rf "$WORK"
mkdir -p "$WORK"
export B4_IN=$WORK/logs B4_OUT=$WORK/out
cp "$BENCH/b4/pipeline.yaml" "$WORK/pipeline.yaml"
bench_java WriterB4 init "$B4_IN" "$FILES" >"$WORK/init.out"

# CPU ticks (user + system) of a process, from /proc/PID/stat (fields 14 and 15, after the "(comm)" field).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
pct_core() { awk -v t="$1" -v hz="$TICK" -v s="$2" 'BEGIN { printf "%.1f", t / hz / s * 100 }'; }

# The launcher execs java, so this pid is the JVM's.
"$SLUICE" run "$WORK/pipeline.yaml" --mode watch --parallelism "$PARALLELISM" --progress none \
  >"$WORK/sluice.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
# Wait for the first merge (the initial lines), so start-up is not in the lag.
for ((i = 0; i < 600; i++)); do
  [[ -f $B4_OUT/totals.csv ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "sluice exited:" >&2; tail -n 20 "$WORK/sluice.log" >&2; exit 1; }
  sleep 0.1
done
[[ -f $B4_OUT/totals.csv ]] || { echo "no totals after 60 s" >&2; tail -n 20 "$WORK/sluice.log" >&2; exit 1; }
sleep 2

c0=$(cpu_ticks "$pid") t0=$(date +%s%N)
bench_java WriterB4 run "$B4_IN" "$FILES" "$RATE" "$SECONDS_RUN" "$MARKER_MS" "$B4_OUT/totals.csv" \
  >"$WORK/writer.out"
c1=$(cpu_ticks "$pid") t1=$(date +%s%N)
busy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
result=$(tail -n 1 "$WORK/writer.out")

# Caught up: every marker is in (WriterB4 waited for them). Let the last scan settle, then measure idle.
sleep 3
"$SLUICE" status "$WORK/pipeline.yaml" >"$WORK/status-before-idle.txt" 2>&1 || true
c2=$(cpu_ticks "$pid")
sleep "$IDLE_SECONDS"
c3=$(cpu_ticks "$pid")
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT

# Exactness: the committed totals must add up to every amount written (initial lines + writer's lines).
lines=$(($(expected "$WORK/init.out" lines) + $(echo "$result" | tr ' ' '\n' | sed -n 's/^lines=//p')))
sum=$(($(expected "$WORK/init.out" sum) + $(echo "$result" | tr ' ' '\n' | sed -n 's/^sum=//p')))
got=$(tail -n +2 "$B4_OUT/totals.csv" | awk -F, '{ s += $NF } END { printf "%.0f", s }')
failed=0
if [[ $got != "$sum" ]]; then
  echo "B4 totals WRONG: they add up to $got, $sum was written" >&2
  failed=1
fi
field() { echo "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
echo "B4 writer: $result; $lines lines in $FILES logs, totals add up to $got (expected $sum)" >&2
echo "B4 lag_median=$(field median_ms)ms lag_p95=$(field p95_ms)ms lag_max=$(field max_ms)ms" \
  "markers=$(field seen)/$(field markers) cpu_busy=$(pct_core $((c1 - c0)) "$busy_s")%" \
  "cpu_idle=$(pct_core $((c3 - c2)) "$IDLE_SECONDS")%"
exit $failed
