#!/usr/bin/env bash
# B8 Kubernetes Jobs mode against a pool: SPLITS small files arriving at RATE per second, run as one Job per split by
# the kubernetes runner's controller (bin/sluice run, on fabric8's mock API server with sluice-pool-it's TestKubelet),
# then through a pool of 4 `sluice worker` processes; PostgreSQL (zonky) is the ledger.
# Prints "B8 jobs pods=... splits=... max_active=... api_requests_per_split=... controller_cpu_ms_per_split=...
#         create_latency_p50_ms=... p99_ms=... wall_s=..." (with the requests by kind and the CPU of each side)
#    and "B8 pool workers=4 splits=... cpu_ms_per_split=... wall_s=...".
# Usage: bench/b8/b8.sh [jobs] [pool]     (default: both)
# Environment: B8_SPLITS (2000), B8_RATE (50 per second), B8_MAX_ACTIVE (50), B8_WORKERS (4), B8_INTERVAL (1s),
#              B8_PODS (standin: pods are stand-ins in the kubelet's JVM; process: bin/sluice run --split processes),
#              BENCH_DIR (/tmp/sluice-bench).
set -euo pipefail
B8=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$B8/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
BENCH_DIR=${BENCH_DIR:-/tmp/sluice-bench}
mkdir -p "$BENCH_DIR/b8"
cp_file=$BENCH_DIR/b8/classpath.txt
# sluice-pool-it's test class path (TestKubelet, Dist, the ledgers, zonky) and the release archive (bin/sluice for the
# controller, the workers and, with B8_PODS=process, the pods): `package` in the reactor, never installed.
if [ -z "${B8_NO_BUILD:-}" ]; then
  (cd "$ROOT" && mvn -q -B -ntp -pl sluice-pool-it -am package -DskipTests dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >"$BENCH_DIR/b8/build.log" 2>&1) \
    || { cat "$BENCH_DIR/b8/build.log" >&2; exit 1; }
fi
version=$(cd "$ROOT" && sed -n 's:.*<version>\(.*SNAPSHOT\)</version>.*:\1:p' pom.xml | head -1)
cd "$BENCH_DIR/b8"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -XX:TieredStopAtLevel=1 ${B8_JAVA_OPTS:-} \
  -Dsluice.dist.home="$ROOT/sluice-dist/target/dist/sluice-$version" \
  -cp "$ROOT/sluice-pool-it/target/test-classes:$(cat "$cp_file")" "$B8/B8.java" "$@"
