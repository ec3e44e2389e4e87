# Sourced by b1.sh ... b7.sh: locations, the build, timing. Not meant to be run on its own.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
BENCH_DIR=${BENCH_DIR:-/tmp/sluice-bench}
PARALLELISM=${PARALLELISM:-2}
ROUNDS=${ROUNDS:-2}
SLUICE="$ROOT/sluice"

# Native access: DuckDB loads a JNI library and JDK 22+ warns without it.
bench_java() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx4g \
    -cp "$BENCH/target/sluice-bench.jar:$BENCH/target/lib/*" "io.sluice.bench.$@"
}

# Builds the peers and makes Sluice build itself now, so no build lands inside a timed run.
build() {
  mkdir -p "$BENCH_DIR"
  if ! mvn -q -B -f "$BENCH/pom.xml" package >"$BENCH_DIR/build.log" 2>&1; then
    cat "$BENCH_DIR/build.log" >&2
    exit 1
  fi
  if [[ ! -x $SLUICE ]]; then
    echo "no launcher at $SLUICE: Sluice is not built yet" >&2
    exit 2
  fi
  "$SLUICE" --help >/dev/null
}

# The machine is shared (2 cores), so each timed run is guarded twice: before it, wait until the CPUs have
# been 90% idle for a second (at most QUIET_WAIT seconds); after it, if other processes used more than
# NOISE_LIMIT percent of one core on average while it ran, the run is done again (up to 3 times).
QUIET_WAIT=${QUIET_WAIT:-300}
NOISE_LIMIT=${NOISE_LIMIT:-15}
TICK=$(getconf CLK_TCK)

# busy_ticks: CPU time spent by everything on the machine (user nice system irq softirq steal), in ticks.
busy_ticks() {
  local f
  read -ra f < <(head -n 1 /proc/stat)
  echo $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8]))
}

wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) a b
  while true; do
    a=$(busy_ticks)
    sleep 1
    b=$(busy_ticks)
    (((b - a) * 100 <= TICK * 2 * 10)) && return 0
    if ((SECONDS >= deadline)); then
      echo "warning: the machine stayed busy for ${QUIET_WAIT}s; timing anyway" >&2
      return 0
    fi
    sleep 4
  done
}

# Servers a run talks to (B7's S3 server and its counting proxy): their CPU is the run's doing, not noise.
SERVER_PIDS=${SERVER_PIDS:-}

# server_ticks: CPU time (user + system) of the SERVER_PIDS, in ticks.
server_ticks() {
  local t=0 p f
  for p in $SERVER_PIDS; do
    read -ra f <"/proc/$p/stat" # a java's name, "(java)", has no space, so the fields split right
    t=$((t + f[13] + f[14]))
  done
  echo $t
}

# timed LOG CMD...: runs CMD with its output in LOG. Sets $ms (wall time), $cpu_ms (CPU time of CMD and its
# children), $server_ms (CPU time of the SERVER_PIDS meanwhile), $others (CPU used meanwhile by other processes,
# in percent of one core) and $disturbed.
# `sync` first, so dirty pages left by the previous run are not flushed on this run's clock.
timed() {
  local log=$1 times=$BENCH_DIR/.times b0 b1 s0 s1 t0 t1 user sys TIMEFORMAT='%3U %3S'
  shift
  sync
  wait_quiet
  b0=$(busy_ticks)
  s0=$(server_ticks)
  t0=$(date +%s%N)
  if ! { time "$@" >"$log" 2>&1; } 2>"$times"; then
    echo "failed: $* (log: $log)" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  # a server's work for the run may end just after it (a backend process exiting): let the script wait for it
  if declare -F servers_settle >/dev/null; then servers_settle; fi
  b1=$(busy_ticks)
  s1=$(server_ticks)
  read -r user sys <"$times"
  ms=$(((t1 - t0) / 1000000))
  cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')
  server_ms=$(((s1 - s0) * 1000 / TICK))
  others=$(((((b1 - b0) * 1000 / TICK) - cpu_ms - server_ms) * 100 / ms))
  ((others < 0)) && others=0
  disturbed=$((others > NOISE_LIMIT))
}

# sluice_run LOG PIPELINE OUT: forgets the pipeline's state, removes OUT, then one timed `sluice run`.
# The launcher rebuilds Sluice when its sources changed, and the repo is edited while benchmarks run: a run
# that rebuilt inside the timed window counts as disturbed, so no build time is ever counted.
sluice_run() {
  local log=$1 pipeline=$2 out=$3
  rm -rf "$out"
  "$SLUICE" reset "$pipeline" --yes >/dev/null
  timed "$log" "$SLUICE" run "$pipeline" --parallelism "$PARALLELISM"
  if grep -q '^sluice: building' "$log"; then
    echo "sluice rebuilt itself inside a timed run" >&2
    disturbed=1
  fi
}

# rounds SIDE_A SIDE_B: runs each side ROUNDS times, alternating A B, B A, A B, ... so drift on the machine
# hits both alike. A side is a function that takes the run number and calls `timed` (or `sluice_run`).
# Sets $best_a, $best_b (best wall times), $cpu_a, $cpu_b (CPU time of those runs) and $runs (every run).
rounds() {
  local r first second side try note
  best_a=0 best_b=0 runs=""
  for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then first=$1 second=$2; else first=$2 second=$1; fi
    for side in "$first" "$second"; do
      for try in 1 2 3; do
        "$side" "$r"
        ((disturbed)) || break
        note="running it again"
        ((try < 3)) || note="keeping it"
        echo "${side#run_} run $r disturbed (others used ${others}% of a core); $note" >&2
      done
      runs+=" ${side#run_}=${ms}ms/cpu=${cpu_ms}ms${SERVER_PIDS:+/server=${server_ms}ms}/others=${others}%"
      if ((disturbed)); then runs+="(disturbed)"; fi
      if [[ $side == "$1" ]]; then
        if ((best_a == 0 || ms < best_a)); then best_a=$ms cpu_a=$cpu_ms; fi
      elif ((best_b == 0 || ms < best_b)); then
        best_b=$ms cpu_b=$cpu_ms
      fi
    done
  done
}

# per_second AMOUNT MS: AMOUNT per second, rounded.
per_second() { awk -v a="$1" -v ms="$2" 'BEGIN { printf "%.0f", a * 1000 / ms }'; }

# ratio X Y: X / Y, two decimals.
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }

# expected FILE KEY: a value from the generator's "rows=N bytes=M" line.
expected() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
