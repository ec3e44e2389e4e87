#!/usr/bin/env bash
# B9 databases: one table of ROWS rows (id, account, amount, qty, created_at, updated_at, note) moved by Sluice's jdbc
# source and sink and by the databases' own command-line clients, in the same script run, on servers it starts:
#   export:      PostgreSQL table -> Parquet (jdbc source, key ranges)  vs psql \copy (SELECT ...) TO CSV  goal >= 1.0
#   import:      Parquet -> PostgreSQL table (jdbc sink, append)        vs psql \copy ... FROM the CSV     goal >= 0.7
#   incremental: 1% of the rows changed, read by an incremental run     goal: <= 5% of the full load's time
#   mariadb:     MariaDB table -> Parquet (jdbc source, key ranges)     vs mariadb -e "SELECT ..." > file  goal >= 1.0
# Prints per part: B9 <part> sluice=<ms> <peer>=<ms> ratio=<peer/sluice> (goal ...), or for incremental:
#   B9 incremental full=<ms> changed=<ms> share=<changed/full>.
# Usage: bench/b9/b9.sh [--scale F] [export] [import] [incremental] [mariadb]   (default: all four; F x 10M rows)
# Environment: B9_ROWS (overrides --scale), B9_PARTITIONS (4: key ranges of the jdbc source), and common.sh's.
B9=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$B9/../common.sh"
source "$ROOT/scripts/s3proxy.sh" # free_port, wait_port

SCALE=1 PARTS=()
while (($#)); do
  case $1 in
    --scale) SCALE=${2:?--scale takes a number, e.g. 0.1}; shift 2 ;;
    export | import | incremental | mariadb) PARTS+=("$1"); shift ;;
    *) echo "usage: bench/b9/b9.sh [--scale F] [export] [import] [incremental] [mariadb]" >&2; exit 2 ;;
  esac
done
((${#PARTS[@]})) || PARTS=(export import incremental mariadb)
ROWS=${B9_ROWS:-$(awk -v f="$SCALE" 'BEGIN { printf "%d", 10000000 * f }')}
PARTITIONS=${B9_PARTITIONS:-4}
CHANGED=$((ROWS / 100))

build

# Logs, pipelines and Sluice's state stay in $WORK after the run; the servers' data, the CSV and Parquet files go.
WORK=$BENCH_DIR/b9
rm -rf "$WORK"
mkdir -p "$WORK"
DATA=$(mktemp -d "$BENCH_DIR/b9-data.XXXXXX")
chmod 755 "$DATA"
PG_PID="" MARIA_PID=""
cleanup() {
  local pid
  for pid in $PG_PID $MARIA_PID; do
    kill "$pid" 2>/dev/null || continue # SIGTERM: both shut down cleanly
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  done
  rm -rf "$DATA"
}
trap cleanup EXIT

# The servers' CPU is the runs' doing, not other processes' noise: PostgreSQL's backends are children of the
# postmaster (an ended one's time goes to its cutime when reaped), MariaDB is one process.
server_ticks() {
  local t=0 p f
  for p in $SERVER_PIDS $(for p in $SERVER_PIDS; do pgrep -P "$p"; done); do
    read -ra f <"/proc/$p/stat" 2>/dev/null || continue
    t=$((t + f[13] + f[14] + f[15] + f[16]))
  done
  echo $t
}

# A client's backend exits just after the client, and its CPU reaches the postmaster's children's time only when it
# is reaped: until then it would count as another process's noise. Waits (at most 2 s) for the client backends to go
# and be reaped. They are the postmaster's children, not PG_PID's (the subshell that started it): looking at PG_PID's
# found none, so a long COPY's backend, still exiting as the client ended, was counted as noise (server=0ms).
servers_settle() {
  local i pm
  pm=$(head -n 1 "$DATA/pg/data/postmaster.pid" 2>/dev/null) || return 0
  for i in $(seq 20); do
    pgrep -P "$pm" -f '127\.0\.0\.1\(' >/dev/null || ps --ppid "$pm" -o stat= | grep -q Z || return 0
    sleep 0.1
  done
}

# ---- PostgreSQL (Debian's binaries; never as root) -------------------------------------------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $PG_BIN/postgres ]] || { echo "B9 needs PostgreSQL: apt-get install postgresql" >&2; exit 2; }
as_postgres() { if ((EUID == 0)); then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$@"; else "$@"; fi; }
mkdir -p "$DATA/pg"
((EUID == 0)) && chown postgres: "$DATA/pg"
as_postgres "$PG_BIN/initdb" -D "$DATA/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1
PG_PORT=$(free_port)
as_postgres "$PG_BIN/postgres" -D "$DATA/pg/data" -p "$PG_PORT" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories="$DATA/pg" -c shared_buffers=512MB -c max_wal_size=4GB >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
wait_port "$PG_PORT" "$PG_PID" PostgreSQL "$WORK/postgres.log"
SERVER_PIDS=$PG_PID
export PGOPTIONS="-c client_min_messages=warning"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres)
for i in $(seq 50); do "${PSQL[@]}" -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done

echo "B9: $ROWS rows into PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT" >&2
"${PSQL[@]}" <<SQL
CREATE TABLE b9 (id bigint PRIMARY KEY, account text, amount numeric(12,2), qty integer, created_at timestamptz,
  updated_at timestamptz, note text);
INSERT INTO b9 SELECT g, 'acct-' || (g % 5000), (g % 100000) / 100.0, g % 97,
  timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
  md5(g::text) FROM generate_series(1, $ROWS) g;
CREATE INDEX ON b9 (updated_at, id);
VACUUM ANALYZE b9;
CHECKPOINT;
SQL

cat >"$WORK/connections.yaml" <<EOF2
pg: { url: "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres", user: postgres, pool_size: 4 }
maria: { url: "jdbc:mariadb://127.0.0.1:\${B9_MARIADB_PORT}/b9", user: b9, password: "\${B9_MARIADB_PASSWORD}" }
EOF2
failed=0
wrong() { echo "B9 $1 output WRONG: $2" >&2; failed=1; }

# to_parquet PART CONNECTION: PART's pipeline, the whole table b9 read in PARTITIONS key ranges into Parquet.
to_parquet() {
  cat >"$WORK/$1.yaml" <<EOF2
pipeline: b9-$1
source:
  jdbc: { connection: $2, table: b9, partition: { column: id, count: $PARTITIONS } }
sink:
  files: { path: $DATA/out-$1, format: parquet }
EOF2
}
# sluice_to_parquet PART RUN: a timed run of PART's pipeline; its Parquet must hold every row once.
sluice_to_parquet() {
  sluice_run "$WORK/$1-sluice-$2.log" "$WORK/$1.yaml" "$DATA/out-$1"
  local got
  got=$(bench_java CountRows parquet "$DATA/out-$1/**/*.parquet" id)
  [[ $got == "$ROWS $ROWS" ]] || wrong "$1" "sluice: rows and distinct ids $got, expected $ROWS"
}
# peer_to_file PART RUN FILE HEADER_LINES CMD...: a timed run of a peer writing FILE; it must hold every row.
peer_to_file() {
  local part=$1 run=$2 file=$3 header=$4 got
  shift 4
  rm -f "$file"
  timed "$WORK/$part-peer-$run.log" "$@"
  got=$(($(wc -l <"$file") - header))
  [[ $got == "$ROWS" ]] || wrong "$part" "peer: $got rows in $file, expected $ROWS"
}

# export: the table to Parquet; the peer writes one CSV file.
to_parquet export pg
run_sluice_export() { sluice_to_parquet export "$1"; }
run_psql_export() {
  peer_to_file export "$1" "$DATA/export.csv" 0 "${PSQL[@]}" -c "\\copy (SELECT * FROM b9) TO '$DATA/export.csv' CSV"
}

# import: the Parquet files of an export into a new table (append); the peer loads the CSV into an empty one.
cat >"$WORK/import.yaml" <<EOF2
pipeline: b9-import
source:
  files: { path: $DATA/in-parquet, include: "*.parquet", settle: 0s }
sink:
  jdbc: { connection: pg, table: sluice_in.b9, mode: append }
EOF2
import_inputs() {
  [[ -f $DATA/export.csv ]] || run_psql_export prep
  if [[ ! -d $DATA/in-parquet ]]; then
    [[ -d $DATA/out-export ]] || run_sluice_export prep
    cp -r "$DATA/out-export" "$DATA/in-parquet"
  fi
  "${PSQL[@]}" -c "CREATE SCHEMA peer_in; CREATE TABLE peer_in.b9 (LIKE b9)"
}
table_count() {
  "${PSQL[@]}" -At -c "SELECT count(*) || ' ' || count(DISTINCT id) FROM $1"
}
run_sluice_import() {
  # a new schema each run: the table, and the sink's commit records, from scratch
  "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS sluice_in CASCADE; CREATE SCHEMA sluice_in; CHECKPOINT"
  sluice_run "$WORK/import-sluice-$1.log" "$WORK/import.yaml" "$DATA/none"
  local got
  got=$(table_count sluice_in.b9)
  [[ $got == "$ROWS $ROWS" ]] || wrong import "sluice: rows and distinct ids $got, expected $ROWS"
}
run_psql_import() {
  "${PSQL[@]}" -c "TRUNCATE peer_in.b9; CHECKPOINT"
  timed "$WORK/import-psql-$1.log" "${PSQL[@]}" -c "\\copy peer_in.b9 FROM '$DATA/export.csv' CSV"
  local got
  got=$(table_count peer_in.b9)
  [[ $got == "$ROWS $ROWS" ]] || wrong import "psql: rows and distinct ids $got, expected $ROWS"
}

# incremental: a first run reads the whole table; then 1% of the rows get a new updated_at, and the next run reads
# those alone. Each round starts from a forgotten ledger.
cat >"$WORK/incremental.yaml" <<EOF2
pipeline: b9-incremental
source:
  jdbc: { connection: pg, table: b9, incremental: { column: updated_at, tie_breaker: id, lag: 1s } }
sink:
  files: { path: $DATA/out-incremental, format: parquet }
EOF2
incremental_round() {
  sluice_run "$WORK/incremental-full-$1.log" "$WORK/incremental.yaml" "$DATA/out-incremental"
  full_ms=$ms full_others=$others
  "${PSQL[@]}" -c "UPDATE b9 SET updated_at = now() WHERE id % 100 = 0" -c "VACUUM ANALYZE b9" -c CHECKPOINT
  sleep 1.5 # past lag
  timed "$WORK/incremental-changed-$1.log" "$SLUICE" run "$WORK/incremental.yaml" --parallelism "$PARALLELISM"
  changed_ms=$ms changed_others=$others
  local got
  got=$(bench_java CountRows parquet "$DATA/out-incremental/**/*.parquet" id)
  [[ $got == "$((ROWS + CHANGED)) $ROWS" ]] \
    || wrong incremental "rows and distinct ids $got, expected $((ROWS + CHANGED)) and $ROWS"
}

# mariadb: the same rows in MariaDB (InnoDB), read in PARTITIONS key ranges to Parquet; the peer is the client's
# batch output (tab-separated) into a file.
start_mariadb() {
  local bin root_opt=() i
  bin=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null) \
    || { echo "B9 mariadb needs mariadb-server: apt-get install mariadb-server" >&2; exit 2; }
  ((EUID == 0)) && root_opt=(--user=root)
  mariadb-install-db --no-defaults --datadir="$DATA/maria/data" --auth-root-authentication-method=normal \
    --skip-test-db "${root_opt[@]}" >"$WORK/mariadb-install.log" 2>&1
  export B9_MARIADB_PORT B9_MARIADB_PASSWORD
  B9_MARIADB_PORT=$(free_port)
  B9_MARIADB_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$bin" --no-defaults --datadir="$DATA/maria/data" --port="$B9_MARIADB_PORT" --bind-address=127.0.0.1 \
    --socket="$DATA/maria/mariadb.sock" --pid-file="$DATA/maria/mariadb.pid" --log-error="$WORK/mariadb.log" \
    --innodb-buffer-pool-size=1G --skip-name-resolve "${root_opt[@]}" >/dev/null 2>&1 &
  MARIA_PID=$!
  wait_port "$B9_MARIADB_PORT" "$MARIA_PID" MariaDB "$WORK/mariadb.log"
  for i in $(seq 100); do
    mariadb --no-defaults --socket="$DATA/maria/mariadb.sock" -uroot -e "CREATE USER b9@'%' IDENTIFIED BY
      '$B9_MARIADB_PASSWORD'; GRANT ALL ON *.* TO b9@'%'; CREATE DATABASE b9" 2>/dev/null && break
    sleep 0.2
  done
  SERVER_PIDS="$PG_PID $MARIA_PID"
  echo "B9: $ROWS rows into MariaDB $("$bin" --version | awk '{print $3}') on port $B9_MARIADB_PORT" >&2
  MARIADB=(mariadb --no-defaults --socket="$DATA/maria/mariadb.sock" -uroot b9)
  "${MARIADB[@]}" >/dev/null <<SQL
CREATE TABLE b9 (id bigint PRIMARY KEY, account varchar(16), amount decimal(12,2), qty int, created_at datetime(6),
  updated_at datetime(6), note varchar(32)) ENGINE=InnoDB;
INSERT INTO b9 SELECT seq, CONCAT('acct-', seq % 5000), (seq % 100000) / 100.0, seq % 97,
  TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND,
  MD5(seq) FROM seq_1_to_$ROWS;
ANALYZE TABLE b9 PERSISTENT FOR ALL;
SQL
  export MYSQL_PWD=$B9_MARIADB_PASSWORD # the peer's password, never on its command line (root used the socket)
}
to_parquet mariadb maria
run_sluice_mariadb() { sluice_to_parquet mariadb "$1"; }
run_client_mariadb() {
  peer_to_file mariadb "$1" "$DATA/mariadb.tsv" 1 sh -c "mariadb --no-defaults -h 127.0.0.1 -P $B9_MARIADB_PORT \\
    -u b9 --batch --quick -e 'SELECT * FROM b9' b9 > '$DATA/mariadb.tsv'" # tab-separated, a header line
}

report() { # report PART PEER GOAL
  echo "B9 $1 runs:$runs; $ROWS rows" >&2
  echo "B9 $1 CPU time of the best runs: sluice=${cpu_a}ms $2=${cpu_b}ms (servers not included)" >&2
  echo "B9 $1 sluice=${best_a}ms $2=${best_b}ms ratio=$(ratio "$best_b" "$best_a") (goal >= $3)"
}

for PART in "${PARTS[@]}"; do
  case $PART in
    export)
      rounds run_sluice_export run_psql_export
      report export psql 1.0 ;;
    import)
      import_inputs
      rounds run_sluice_import run_psql_import
      report import psql 0.7 ;;
    incremental)
      best_full=0 best_changed=0 runs=""
      for ((r = 1; r <= ROUNDS; r++)); do
        incremental_round "$r"
        runs+=" full=${full_ms}ms/others=${full_others}% changed=${changed_ms}ms/others=${changed_others}%"
        ((best_full == 0 || full_ms < best_full)) && best_full=$full_ms
        ((best_changed == 0 || changed_ms < best_changed)) && best_changed=$changed_ms
      done
      echo "B9 incremental runs:$runs; $ROWS rows, $CHANGED changed" >&2
      echo "B9 incremental full=${best_full}ms changed=${best_changed}ms" \
        "share=$(awk -v c="$best_changed" -v f="$best_full" 'BEGIN { printf "%.1f%%", c * 100 / f }') (goal <= 5%)" ;;
    mariadb)
      start_mariadb
      rounds run_sluice_mariadb run_client_mariadb
      report mariadb mariadb 1.0 ;;
  esac
done
exit $failed
