package io.sluice.sinks.iceberg;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The iceberg sink in {@code mode: append} on a JDBC catalog (SQLite) and a local warehouse, read back with Iceberg's
 * own reader: one snapshot per split, a replay adds nothing, a stale token cannot commit, writers racing on one table
 * (each with its own catalog, as separate processes) add every split once, and a partitioned table.
 */
class IcebergSinkTest {
    @TempDir
    Path dir;

    private Lake lake;
    private Connection duck;
    private final MemoryLedger ledger = MemoryLedger.open("iceberg-test", Clock.systemUTC());

    @BeforeEach
    void open() throws Exception {
        lake = new Lake(dir);
        duck = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws Exception {
        duck.close();
    }

    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id, "v1", null)), 10);
    }

    private SplitCommit claim(long token) {
        return claim("inc-1", token);
    }

    private SplitCommit claim(String incarnation, long token) {
        return claim(incarnation, token, ledger);
    }

    /** The same, its output locks taken in this ledger. */
    private static SplitCommit claim(String incarnation, long token, MemoryLedger ledger) {
        return new SplitCommit(
                () -> {},
                () -> true,
                incarnation,
                1,
                token,
                new LedgerLocks(ledger, "w" + token, Duration.ofSeconds(30)));
    }

    /** A split of one version of a file: its output key is the file's, with the version. */
    private static Split version(String file, String version) {
        return new Split(
                file + "@" + version,
                List.of(Member.whole(file, version, null)),
                10,
                null,
                new OutputKey(file, version, 0, Member.WHOLE));
    }

    private SplitCommit staleClaim(String split, long token) {
        return new SplitCommit(
                () -> {
                    throw new StaleClaimException(split, token);
                },
                () -> true,
                "inc-1",
                1,
                token,
                new LedgerLocks(ledger, "stale", Duration.ofSeconds(30)));
    }

    private Written write(Sink sink, Connection c, Split split, String sql, SplitCommit claim) throws Exception {
        try (SinkWriter w = sink.open(split, new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
            w.stage(new DuckRows(c, sql), BadRows.NONE);
            return w.commit(claim);
        }
    }

    private Written write(Sink sink, String split, int n, long token) throws Exception {
        return write(sink, duck, split(split), rows(split, n), claim(token));
    }

    private static String rows(String tag, int n) {
        return "SELECT '" + tag + "' AS tag, i::BIGINT AS n FROM range(" + n + ") t(i)";
    }

    private static Sink prepared(Sink sink) throws Exception {
        sink.check();
        sink.prepare();
        return sink;
    }

    private Map<String, Long> countsByTag() throws Exception {
        return lake.rows("db.events", "tag").stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void eachSplitIsOneSnapshotWithItsIdAndTokenInTheSummary() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        assertThat(write(sink, "a.csv", 5, 1).rowsOut()).isEqualTo(5);
        assertThat(write(sink, "b.csv", 3, 1).rowsOut()).isEqualTo(3);
        sink.finish();

        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 5L, "b.csv", 3L));
        List<Snapshot> snapshots = lake.snapshots("db.events");
        assertThat(snapshots).hasSize(2);
        assertThat(snapshots.get(0).summary())
                .containsEntry(IcebergSink.SPLIT, "a.csv")
                .containsEntry(IcebergSink.TOKEN, "1")
                .containsEntry(IcebergSink.PIPELINE, "test")
                .containsEntry("added-records", "5");
        Table t = lake.table("db.events");
        assertThat(t.schema().findField("n").type()).isEqualTo(org.apache.iceberg.types.Types.LongType.get());
        assertThat(t.schema().findField("tag").type()).isEqualTo(org.apache.iceberg.types.Types.StringType.get());
    }

    @Test
    void aReplayedSplitIsNotAppendedAgain() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 5, 1);
        // the worker died between the commit and the ledger's record: the split is claimed again (token 2) and rerun
        Sink restarted = prepared(lake.sink("db.events", "append", null));
        Written replay = write(restarted, "a.csv", 5, 2);
        assertThat(replay.rowsOut())
                .as("the earlier commit's rows, reported again")
                .isEqualTo(5);
        // and the same claim committing twice (a retried commit call)
        write(restarted, "a.csv", 5, 2);
        sink.finish();
        restarted.finish();

        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 5L));
        assertThat(lake.snapshots("db.events")).as("one snapshot per split").hasSize(1);
        assertThat(stagedFiles()).as("the replays' staged files are gone").isEmpty();
    }

    @Test
    void aStaleTokenCannotCommit() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 4, 7); // the split's current claim committed

        assertThatThrownBy(() -> write(sink, duck, split("a.csv"), rows("a.csv", 9), claim(3)))
                .as("an older claim finds a newer token in the table")
                .isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> write(sink, duck, split("b.csv"), rows("b.csv", 9), staleClaim("b.csv", 9)))
                .as("a claim the ledger no longer holds fails its fence check")
                .isInstanceOf(StaleClaimException.class);
        sink.finish();

        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 4L));
        assertThat(lake.snapshots("db.events")).hasSize(1);
        assertThat(dataFiles()).as("refused attempts leave no data file").hasSize(1);
    }

    /**
     * Tokens start over in a new ledger (a reset, a lost ledger, every run of the memory ledger): the new ledger's
     * first claim of a split (token 1) replaces what the earlier ledger committed under token 7, not refused as stale at
     * every retry; within the new incarnation a lower token is refused again.
     */
    @Test
    void aNewLedgersLowerTokenReplacesTheEarlierLedgersCommit() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "overwrite", null));
        write(sink, duck, split("a.csv"), rows("a.csv", 4), claim("inc-old", 7));

        write(sink, duck, split("a.csv"), rows("a.csv", 2), claim("inc-new", 2));
        assertThatThrownBy(() -> write(sink, duck, split("a.csv"), rows("a.csv", 9), claim("inc-new", 1)))
                .as("within one incarnation a lower token is still stale")
                .isInstanceOf(StaleClaimException.class);
        sink.finish();

        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 2L));
        assertThat(lake.snapshots("db.events").getLast().summary())
                .containsEntry(IcebergSink.TOKEN, "2")
                .containsEntry(IcebergSink.INCARNATION, "inc-new");
    }

    /**
     * The same for an output's lock: a version of a file committed under the earlier ledger's later grants (token 2) is
     * replaced by the new ledger's first grant (token 1) of the output, not refused as taken over.
     */
    @Test
    void aNewLedgersFirstOutputLockReplacesTheEarlierLedgersVersion() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "overwrite", null));
        write(sink, duck, version("a.csv", "v1"), rows("v1", 4), claim("inc-old", 1));
        write(sink, duck, version("a.csv", "v1"), rows("v1 again", 3), claim("inc-old", 2));
        assertThat(lake.snapshots("db.events").getLast().summary()).containsEntry(IcebergSink.LOCK_TOKEN, "2");

        MemoryLedger newLedger = MemoryLedger.open("iceberg-new", Clock.systemUTC());
        write(sink, duck, version("a.csv", "v2"), rows("v2", 2), claim("inc-new", 1, newLedger));
        sink.finish();

        assertThat(countsByTag()).isEqualTo(Map.of("v2", 2L));
        assertThat(lake.snapshots("db.events").getLast().summary()).containsEntry(IcebergSink.LOCK_TOKEN, "1");
    }

    @Test
    void writersRacingOnOneTableAddEverySplitOnce() throws Exception {
        int writers = 4;
        int splits = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Written>>> results = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int worker = w;
                results.add(pool.submit(() -> {
                    // a process of its own: its own sink, catalog and DuckDB
                    Sink own = prepared(lake.sink("db.events", "append", null));
                    List<Written> out = new ArrayList<>();
                    start.await();
                    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                        for (int s = 0; s < splits; s++) {
                            // every split by two writers: its own, and a takeover with a newer token
                            String id = "s" + s;
                            boolean owner = s % writers == worker;
                            boolean taker = (s + 1) % writers == worker;
                            if (!owner && !taker) continue;
                            try {
                                out.add(write(own, c, split(id), rows(id, 10 + s), claim(owner ? 1 : 2)));
                            } catch (StaleClaimException stale) {
                                // the owner lost to the takeover: refused, as it must be
                            }
                        }
                    } finally {
                        own.finish();
                    }
                    return out;
                }));
            }
            start.countDown();
            for (Future<List<Written>> f : results) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> expected = new java.util.HashMap<>();
        for (int s = 0; s < splits; s++) expected.put("s" + s, 10L + s);
        assertThat(countsByTag()).isEqualTo(expected);
        List<Snapshot> snapshots = lake.snapshots("db.events");
        assertThat(snapshots).as("one snapshot per split").hasSize(splits);
        assertThat(snapshots.stream()
                        .map(s -> s.summary().get(IcebergSink.SPLIT))
                        .distinct())
                .hasSize(splits);
    }

    @Test
    void aPartitionedTableHasOneFilePerPartitionAndReadsBackWhole() throws Exception {
        Sink sink = prepared(lake.sink("db.sales", "append", "region, day"));
        sink.columnCheck().orElseThrow().check(List.of("region", "day", "amount"));
        String sql = "SELECT (['eu', 'us', 'apac'])[1 + i % 3] AS region, DATE '2024-01-01' + (i % 2)::INTEGER AS day, "
                + "(i * 1.5)::DECIMAL(10,2) AS amount FROM range(30) t(i)";
        write(sink, duck, split("sales-1.csv"), sql, claim(1));
        sink.finish();

        Table t = lake.table("db.sales");
        assertThat(t.spec().fields()).hasSize(2);
        List<String> rows = lake.rows("db.sales", "region", "day", "amount");
        assertThat(rows).hasSize(30);
        assertThat(rows).contains("eu|2024-01-01|0.00", "us|2024-01-02|1.50");
        Map<String, Long> perRegion = rows.stream()
                .collect(Collectors.groupingBy(r -> r.substring(0, r.indexOf('|')), Collectors.counting()));
        assertThat(perRegion).isEqualTo(Map.of("eu", 10L, "us", 10L, "apac", 10L));
        assertThat(dataFiles()).as("one file per (region, day)").hasSize(6);
        assertThat(dataFiles())
                .allMatch(p -> p.toString().contains("region=") && p.toString().contains("day="));
        // a scan with a filter on the partition prunes files: the partition values in the manifests are right
        try (var files = t.newScan()
                .filter(org.apache.iceberg.expressions.Expressions.equal("region", "eu"))
                .planFiles()) {
            long n = 0;
            for (var f : files) n += f.file().recordCount();
            assertThat(n).isEqualTo(10);
        }
    }

    @Test
    void aColumnTheTableLacksIsRefusedNamingIt() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 2, 1);
        assertThatThrownBy(() ->
                        write(sink, duck, split("b.csv"), "SELECT 'b' AS tag, 1::BIGINT AS n, 2 AS extra", claim(1)))
                .hasMessageContaining("has no column extra")
                .isInstanceOfSatisfying(
                        AttemptFailure.class,
                        f -> assertThat(f.retryable())
                                .as("the same rows fail the same way: the split is dead at once")
                                .isFalse());
        assertThatThrownBy(() -> write(sink, duck, split("c.csv"), "SELECT 'c' AS tag, 1::UBIGINT AS n", claim(1)))
                .hasMessageContaining("n::DECIMAL(38,0)");
        assertThatThrownBy(() -> write(sink, duck, split("d.csv"), "SELECT 'd' AS tag, 'x' AS n", claim(1)))
                .hasMessageContaining("the column n is string in the rows but long in the table")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 2L));
    }

    /**
     * A table made by another tool may have required (NOT NULL) columns. Rows without one, or with a NULL in one, would
     * make a table its readers refuse ("Missing required field") or read wrongly: they are refused before any commit.
     */
    @Test
    void rowsAreRefusedWhenTheyLackARequiredColumnOrHoldANullInOne() throws Exception {
        tableOfAnotherTool(
                "people",
                required(1, "id", org.apache.iceberg.types.Types.LongType.get()),
                optional(2, "name", org.apache.iceberg.types.Types.StringType.get()),
                required(3, "region", org.apache.iceberg.types.Types.StringType.get()));
        Sink sink = prepared(lake.sink("db.people", "append", null));
        assertThatThrownBy(() -> write(sink, duck, split("a.csv"), "SELECT 1::BIGINT AS id, 'x' AS name", claim(1)))
                .hasMessageContaining("the table db.people requires the column region, which the rows lack")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
        assertThatThrownBy(() -> write(
                        sink,
                        duck,
                        split("b.csv"),
                        "SELECT * FROM (VALUES (1::BIGINT, 'eu'), (NULL, 'us'), (NULL, 'ap')) t(id, region)",
                        claim(1)))
                .hasMessageContaining(
                        "2 row(s) have no value (NULL) in the column id, which the table db.people " + "requires")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
        assertThatThrownBy(() -> write(
                        sink,
                        duck,
                        split("d.csv"),
                        "SELECT * FROM (VALUES (3::BIGINT, 'eu'), (4, NULL)) t(id, region)",
                        claim(1)))
                .as("the second required column's NULLs, counted in the same scan")
                .hasMessageContaining("1 row(s) have no value (NULL) in the column region");
        write(sink, duck, split("c.csv"), "SELECT 2::BIGINT AS id, 'x' AS name, 'eu' AS region", claim(1));
        sink.finish();
        assertThat(lake.rows("db.people", "id", "name", "region")).containsExactly("2|x|eu");
        assertThat(lake.snapshots("db.people"))
                .as("nothing of the refused splits")
                .hasSize(1);
    }

    /**
     * Rows without an optional column of the table get it as NULL in their data files: a file that lacks a column
     * placed before a required one failed Iceberg's own reader (positions shifted), so every table column is written.
     */
    @Test
    void rowsWithoutAnOptionalColumnReadBackWithItAsNull() throws Exception {
        tableOfAnotherTool(
                "abc",
                required(1, "a", org.apache.iceberg.types.Types.LongType.get()),
                optional(2, "b", org.apache.iceberg.types.Types.DecimalType.of(9, 2)),
                required(3, "c", org.apache.iceberg.types.Types.StringType.get()));
        Sink sink = prepared(lake.sink("db.abc", "append", null));
        write(sink, duck, split("ac.csv"), "SELECT 1::BIGINT AS a, 'x' AS c", claim(1));
        write(sink, duck, split("ca.csv"), "SELECT 'y' AS c, 2::BIGINT AS a", claim(1));
        write(sink, duck, split("abc.csv"), "SELECT 3::BIGINT AS a, 1.5::DECIMAL(9,2) AS b, 'z' AS c", claim(1));
        sink.finish();

        assertThat(lake.rows("db.abc", "a", "b", "c")).containsExactlyInAnyOrder("1|null|x", "2|null|y", "3|1.50|z");
        try (var files = lake.table("db.abc").newScan().planFiles()) {
            for (var f : files) {
                try (var s = duck.createStatement();
                        var r = s.executeQuery("SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM "
                                + "read_parquet('" + f.file().location().replace("file:", "") + "'))")) {
                    r.next();
                    assertThat(r.getString(1))
                            .as("every table column, in the table's order")
                            .isEqualTo("a,b,c");
                }
            }
        }
    }

    /** Rows whose columns come in another order than the table's: each partition's file says which column is which. */
    @Test
    void rowsInAnotherColumnOrderReadBackInTheirColumnsInAPartitionedTable() throws Exception {
        Sink sink = prepared(lake.sink("db.sales", "append", "region"));
        write(sink, duck, split("a.csv"), "SELECT 'eu' AS region, 1::BIGINT AS n", claim(1));
        write(
                sink,
                duck,
                split("b.csv"),
                "SELECT i::BIGINT AS n, (['eu', 'us'])[1 + i % 2] AS region FROM range(4) t(i)",
                claim(1));
        sink.finish();
        assertThat(lake.rows("db.sales", "region", "n"))
                .containsExactlyInAnyOrder("eu|1", "eu|0", "us|1", "eu|2", "us|3");
        assertThat(scanned(lake.table("db.sales"), org.apache.iceberg.expressions.Expressions.equal("region", "us")))
                .isEqualTo(2);
    }

    /**
     * Names that need quoting (a space, a quote, capitals) and a column DuckDB does not write (a list) are written with
     * their field ids like the others: rows read back in their columns, the list as NULL.
     */
    @Test
    void rowsOfColumnsWithOddNamesReadBackInTheirColumns() throws Exception {
        tableOfAnotherTool(
                "odd",
                optional(
                        1,
                        "tags",
                        org.apache.iceberg.types.Types.ListType.ofOptional(
                                6, org.apache.iceberg.types.Types.StringType.get())),
                required(2, "Order Id", org.apache.iceberg.types.Types.LongType.get()),
                optional(3, "it's", org.apache.iceberg.types.Types.StringType.get()),
                optional(4, "At", org.apache.iceberg.types.Types.TimestampType.withZone()),
                required(5, "c", org.apache.iceberg.types.Types.StringType.get()));
        Sink sink = prepared(lake.sink("db.odd", "append", null));
        write(sink, duck, split("a.csv"), "SELECT 'x' AS c, 1::BIGINT AS \"Order Id\"", claim(1));
        write(sink, duck, split("b.csv"), "SELECT 'y' AS c, 'q' AS \"it's\", 2::BIGINT AS \"Order Id\"", claim(1));
        sink.finish();

        assertThat(lake.rows("db.odd", "Order Id", "it's", "At", "c", "tags"))
                .containsExactlyInAnyOrder("1|null|null|x|null", "2|q|null|y|null");
    }

    /** A column another tool adds between a split's stage and its commit: the split runs again, with it as NULL. */
    @Test
    void aColumnAddedWhileASplitWasStagedIsWrittenByTheNextAttempt() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 1, 1);
        try (SinkWriter w = sink.open(split("b.csv"), new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
            w.stage(new DuckRows(duck, rows("b.csv", 2)), BadRows.NONE);
            lake.table("db.events")
                    .updateSchema()
                    .addColumn("note", org.apache.iceberg.types.Types.StringType.get())
                    .moveFirst("note")
                    .commit();
            assertThatThrownBy(() -> w.commit(claim(2)))
                    .isInstanceOf(AttemptFailure.class)
                    .hasMessageContaining("has the column(s) [note] since the split b.csv was staged")
                    .matches(e -> ((AttemptFailure) e).retryable(), "retryable");
        }
        lake.table("db.events")
                .updateSchema()
                .allowIncompatibleChanges()
                .requireColumn("n") // required after the added column: the reader refused a file without it
                .commit();
        write(sink, "b.csv", 2, 3); // the next attempt
        sink.finish();
        assertThat(lake.rows("db.events", "note", "tag", "n"))
                .containsExactlyInAnyOrder("null|a.csv|0", "null|b.csv|0", "null|b.csv|1");
    }

    /** A refusal says what to write: the cast of a JSON or untyped NULL column, the table's spelling of a column. */
    @Test
    void refusedColumnsSayWhatToWriteInstead() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        assertThatThrownBy(() -> write(sink, duck, split("j.csv"), "SELECT '{\"a\": 1}'::JSON AS doc", claim(1)))
                .hasMessageContaining("doc::VARCHAR");
        assertThatThrownBy(() -> write(sink, duck, split("n.csv"), "SELECT 1 AS n, NULL AS note", claim(1)))
                .hasMessageContaining("note::VARCHAR");
        write(sink, duck, split("a.csv"), "SELECT 'a' AS \"Order Id\"", claim(1));
        assertThatThrownBy(() -> write(sink, duck, split("b.csv"), "SELECT 'b' AS \"order id\"", claim(1)))
                .hasMessageContaining("the table db.events has no column order id but Order Id (names differ by case)")
                .as("the rename runs as written: both names quoted")
                .hasMessageContaining("\"order id\" AS \"Order Id\"");
        sink.finish();
    }

    @Test
    void everyMappedTypeReadsBackWithIcebergsReader() throws Exception {
        Sink sink = prepared(lake.sink("db.types", "append", null));
        String sql = "SELECT true AS b, 7::TINYINT AS ti, 300::SMALLINT AS si, 70000 AS i, 9000000000 AS l, "
                + "1.5::FLOAT AS f, 2.25::DOUBLE AS d, 12.34::DECIMAL(9,2) AS dec, 'x' AS s, 'ab'::BLOB AS bin, "
                + "DATE '2024-02-29' AS day, TIME '10:11:12' AS t, TIMESTAMP '2024-02-29 10:11:12.5' AS ts, "
                + "TIMESTAMPTZ '2024-02-29 10:11:12+00' AS tstz";
        write(sink, duck, split("types.csv"), sql, claim(1));
        sink.finish();
        Table t = lake.table("db.types");
        assertThat(t.schema().columns().stream().map(c -> c.name() + ":" + c.type()))
                .containsExactly(
                        "b:boolean",
                        "ti:int",
                        "si:int",
                        "i:int",
                        "l:long",
                        "f:float",
                        "d:double",
                        "dec:decimal(9, 2)",
                        "s:string",
                        "bin:binary",
                        "day:date",
                        "t:time",
                        "ts:timestamp",
                        "tstz:timestamptz");
        assertThat(lake.rows("db.types", "b", "ti", "si", "i", "l", "f", "d", "dec", "s", "day", "t", "ts", "tstz"))
                .containsExactly("true|7|300|70000|9000000000|1.5|2.25|12.34|x|2024-02-29|10:11:12|"
                        + "2024-02-29T10:11:12.500|2024-02-29T10:11:12Z");
        assertThat(lake.rows("db.types", "bin")).hasSize(1);
    }

    @Test
    void anEmptySplitIsRecordedWithoutFiles() throws Exception {
        Sink sink = prepared(lake.sink("db.sales", "append", "region"));
        write(sink, duck, split("empty.csv"), "SELECT 'eu' AS region, 1 AS n WHERE false", claim(1));
        write(sink, duck, split("one.csv"), "SELECT 'eu' AS region, 1 AS n", claim(1));
        write(sink, duck, split("empty.csv"), "SELECT 'eu' AS region, 1 AS n WHERE false", claim(2));
        sink.finish();
        assertThat(lake.rows("db.sales", "region", "n")).containsExactly("eu|1");
        assertThat(lake.snapshots("db.sales"))
                .extracting(s -> s.summary().get(IcebergSink.SPLIT))
                .containsExactly("empty.csv", "one.csv");
    }

    @Test
    void aDiscardedSplitsRowsGoAndItsIdCountsAsNewAgain() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 3, 1);
        write(sink, "b.csv", 2, 1);
        sink.discard(split("a.csv"), claim(2));
        assertThat(countsByTag()).isEqualTo(Map.of("b.csv", 2L));
        write(sink, "a.csv", 4, 3);
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 4L, "b.csv", 2L));
    }

    /**
     * A table replaced (CREATE OR REPLACE TABLE) keeps its snapshots but has no current one: nothing of the pipeline's
     * is in it, and listing its output reads no manifest (it read each of the pipeline's snapshots' first).
     */
    @Test
    void listingTheOutputOfATableWithoutACurrentSnapshotReadsNoManifest() throws Exception {
        Lake counted = Lake.countingReads(dir);
        Sink sink = prepared(counted.sink("db.events", "append", null));
        write(sink, "a.csv", 3, 1);
        write(sink, "b.csv", 2, 1);
        var id = org.apache.iceberg.catalog.TableIdentifier.parse("db.events");
        var catalog = counted.catalog();
        catalog.newReplaceTableTransaction(id, catalog.loadTable(id).schema(), false)
                .commitTransaction(); // replaced: no current snapshot
        assertThat(lake.snapshots("db.events")).as("the snapshots stay").hasSize(2);
        String warehouse = lake.warehouse().toString();
        int before = OpenCountingFileIO.read(warehouse, ".avro").size();

        assertThat(sink.listOutput()).isEmpty();
        assertThat(OpenCountingFileIO.read(warehouse, ".avro"))
                .as("no manifest list or manifest read")
                .hasSize(before);
    }

    @Test
    void deleteOutputRemovesThePipelinesRowsAndARunAfterItAddsThemAnew() throws Exception {
        Sink other = prepared(lake.sink("table: db.events\ncatalog: " + Lake.CATALOG + "\n", "another-pipeline"));
        write(other, "x.csv", 1, 1);
        other.finish();
        Sink sink = prepared(lake.sink("db.events", "append", null));
        write(sink, "a.csv", 3, 1);
        write(sink, "b.csv", 2, 1);
        String rows = "the 5 row(s) of 2 data file(s) from the table db.events (in a new snapshot; the files stay on "
                + "disk for the table's earlier snapshots";
        assertThat(sink.listOutput())
                .as("`sluice reset --delete-output` prints 'would remove' and this")
                .singleElement()
                .asString()
                .startsWith(rows)
                .contains("expire_snapshots");
        List<Path> files = dataFiles();

        assertThat(sink.deleteOutput())
                .as("printed after 'removed': the rows, not the files")
                .singleElement()
                .asString()
                .startsWith(rows);
        assertThat(countsByTag()).as("another pipeline's rows stay").isEqualTo(Map.of("x.csv", 1L));
        assertThat(dataFiles()).as("the files stay, as it says").containsExactlyInAnyOrderElementsOf(files);
        assertThat(lake.snapshots("db.events").getLast().summary())
                .containsEntry("deleted-records", "5")
                .containsEntry(IcebergSink.DELETED_OUTPUT, "true");
        assertThat(sink.listOutput()).isEmpty();
        // the ledger was reset: the splits run again under their ids and the same tokens
        write(sink, "a.csv", 3, 1);
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a.csv", 3L, "x.csv", 1L));
    }

    @Test
    void aTablePartitionedAnewWhileASplitWasStagedGetsTheSplitsRowsInTheirPartitions() throws Exception {
        Sink sink = prepared(lake.sink("db.sales", "append", null));
        write(sink, duck, split("a.csv"), "SELECT 'eu' AS region, 1::BIGINT AS n", claim(1));
        String sql = "SELECT (['eu', 'us'])[1 + i % 2] AS region, i::BIGINT AS n FROM range(10) t(i)";
        try (SinkWriter w = sink.open(split("b.csv"), new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
            w.stage(new DuckRows(duck, sql), BadRows.NONE);
            // another tool partitions the table between the split's stage and its commit
            lake.table("db.sales").updateSpec().addField("region").commit();
            assertThatThrownBy(() -> w.commit(claim(2)))
                    .isInstanceOf(AttemptFailure.class)
                    .hasMessageContaining("partitioned by [region] since the split b.csv was staged")
                    .matches(e -> ((AttemptFailure) e).retryable(), "retryable");
        }
        write(sink, duck, split("b.csv"), sql, claim(3)); // the next attempt
        sink.finish();

        assertThat(lake.rows("db.sales", "region", "n")).hasSize(11);
        // the manifests label each file with its rows' partition: a filter on it finds every row of it
        Table t = lake.table("db.sales");
        assertThat(scanned(t, org.apache.iceberg.expressions.Expressions.equal("region", "eu")))
                .isEqualTo(6);
        assertThat(scanned(t, org.apache.iceberg.expressions.Expressions.equal("region", "us")))
                .isEqualTo(5);
        assertThat(stagedFiles())
                .as("the refused attempt's staged files are gone")
                .isEmpty();
    }

    /**
     * Also beside the text {@code __HIVE_DEFAULT_PARTITION__}, which Iceberg's partition strings read as NULL: its rows
     * were once labelled NULL.
     */
    @ParameterizedTest
    @ValueSource(strings = {"eu", "__HIVE_DEFAULT_PARTITION__"})
    void aNullPartitionValueIsItsOwnPartition(String region) throws Exception {
        Sink sink = prepared(lake.sink("db.sales", "append", "region"));
        write(
                sink,
                duck,
                split("s.csv"),
                "SELECT CASE WHEN i % 2 = 0 THEN NULL ELSE '" + region + "' END AS region, i::BIGINT AS n "
                        + "FROM range(10) t(i)",
                claim(1));
        sink.finish();
        Table t = lake.table("db.sales");
        assertThat(scanned(t, org.apache.iceberg.expressions.Expressions.isNull("region")))
                .isEqualTo(5);
        assertThat(scanned(t, org.apache.iceberg.expressions.Expressions.equal("region", region)))
                .isEqualTo(5);
    }

    /** A table {@code db.name} made with these columns by another tool than Sluice (e.g. with NOT NULL ones). */
    private void tableOfAnotherTool(String name, org.apache.iceberg.types.Types.NestedField... columns)
            throws Exception {
        Files.createDirectories(dir.resolve("lake"));
        try (var c = (org.apache.iceberg.jdbc.JdbcCatalog) lake.catalog()) {
            c.createNamespace(org.apache.iceberg.catalog.Namespace.of("db"));
            c.createTable(
                    org.apache.iceberg.catalog.TableIdentifier.of("db", name), new org.apache.iceberg.Schema(columns));
        }
    }

    /** The rows Iceberg's reader gives for a filter (the files the partition values in the manifests keep). */
    private static long scanned(Table t, org.apache.iceberg.expressions.Expression filter) throws Exception {
        long n = 0;
        try (var rows =
                org.apache.iceberg.data.IcebergGenerics.read(t).where(filter).build()) {
            for (var r : rows) n++;
        }
        return n;
    }

    private List<Path> dataFiles() throws Exception {
        try (var walk = java.nio.file.Files.walk(lake.warehouse())) {
            return walk.filter(p -> p.toString().endsWith(".parquet"))
                    .filter(p -> !p.toString().contains(IcebergSink.STAGING))
                    .toList();
        }
    }

    private List<Path> stagedFiles() throws Exception {
        Path staging = lake.warehouse().resolve(IcebergSink.STAGING);
        if (!java.nio.file.Files.exists(staging)) return List.of();
        try (var walk = java.nio.file.Files.walk(staging)) {
            return walk.filter(java.nio.file.Files::isRegularFile).toList();
        }
    }
}
