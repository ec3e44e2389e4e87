#!/usr/bin/env bash
# B6 worker pools: claims/s of each ledger alone, and files/s of 1, 2 and 4 `sluice worker` processes, per backend,
# on 20,000 small files, with the ledger's share of the time per split.
# Prints lines "B6 ledger backend=... workers=N splits=... claims=<n>/s" and
#              "B6 pool backend=... workers=N files=... files=<n>/s ledger=<ms>/split ledger_share=<pct>%".
# Usage: bench/b6/b6.sh [sqlite] [postgres] [redis] [dynamodb]     (default: all four)
#        bench/b6/b6.sh floor      bare calls to DynamoDB Local: "B6 floor backend=dynamodb call=... threads=N calls=<n>/s"
# Environment: B6_FILES (20000), B6_POOL_FILES (B6_FILES; 0 skips the pool runs), BENCH_DIR (/tmp/sluice-bench).
set -euo pipefail
B6=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$B6/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
BENCH_DIR=${BENCH_DIR:-/tmp/sluice-bench}
mkdir -p "$BENCH_DIR/b6"
cp_file=$BENCH_DIR/b6/classpath.txt
# The ledgers, the CLI and the test servers, as the pool tests use them: sluice-pool-it's test class path.
# Compiled in the reactor (never installed), so the classes come from each module's target/.
(cd "$ROOT" && mvn -q -B -pl sluice-pool-it -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >"$BENCH_DIR/b6/build.log" 2>&1) \
  || { cat "$BENCH_DIR/b6/build.log" >&2; exit 1; }
classes=$(for m in core testkit jdbc redis aws cli; do printf '%s:' "$ROOT/sluice-$m/target/classes"; done)
cd "$BENCH_DIR/b6" # DynamoDB Local writes a metadata file into the working directory
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g \
  -Dsqlite4java.library.path="$ROOT/sluice-pool-it/target/native" \
  -cp "$classes$(cat "$cp_file")" "$B6/B6.java" "$@"
