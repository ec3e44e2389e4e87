package io.sluice.sources.jdbc;

import static io.sluice.sources.jdbc.PipelineRun.count;
import static io.sluice.sources.jdbc.PipelineRun.distinct;
import static io.sluice.sources.jdbc.PipelineRun.perFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Planner;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.SplitReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key ranges and incremental reads against a real PostgreSQL, with exact row counts. */
class JdbcPartitionIncrementalPostgresTest {
    @TempDir
    Path dir;

    private TestDatabase db;

    @BeforeEach
    void freshSchema() throws Exception {
        db = TestDatabase.postgres();
    }

    private Path pipeline(Path folder, String source) throws Exception {
        return PipelineRun.pipeline(folder, db.connection("pg"), source);
    }

    @Test
    void partitionsOfASkewedKeyAreBalancedFromItsDistribution() throws Exception {
        // 9,000 dense keys, 1,000 spread up to 10^9 and 5 NULLs: min/max ranges would put 9,000 rows in one
        db.sql(
                "CREATE TABLE ev (id bigint, v int)",
                "INSERT INTO ev SELECT g, g FROM generate_series(1, 9000) g",
                "INSERT INTO ev SELECT g * 1000000, g FROM generate_series(1, 1000) g",
                "INSERT INTO ev SELECT NULL, g FROM generate_series(1, 5) g");
        Path byCount = dir.resolve("count");
        PipelineRun.Result r = PipelineRun.run(
                pipeline(byCount, "{ connection: pg, table: ev, partition: { column: id, count: 4 } }"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(count(byCount, "true")).isEqualTo(10_005L);
        assertThat(count(byCount, "id IS NULL")).isEqualTo(5L);
        assertThat(distinct(byCount, "id")).isEqualTo(10_000L);
        assertThat(perFile(byCount)).hasSize(4).allSatisfy(n -> assertThat(n).isBetween(2_400L, 2_600L));
        assertThat(PipelineRun.run(byCount.resolve("pipeline.yaml")).summary().splitsDone())
                .as("read once")
                .isZero();

        Path bySize = dir.resolve("size");
        PipelineRun.run(pipeline(bySize, "{ connection: pg, table: ev, partition: { column: id, size: 2000 } }"));
        assertThat(count(bySize, "true")).isEqualTo(10_005L);
        assertThat(perFile(bySize)).hasSize(6).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2_100L));
    }

    @Test
    void freshStatisticsCutTheRangesWithoutSortingTheKeysAndStaleOnesAreNotTrusted() throws Exception {
        // ANALYZE of 10,000 keys, then 600 more above them, not analysed (6% changed): the histogram does not know
        // them, so they all land in the last range, which shows that the statistics cut the ranges (an NTILE would
        // give four equal ones)
        db.sql(
                "CREATE TABLE ev (id bigint, v int)",
                "INSERT INTO ev SELECT g, g FROM generate_series(1, 10000) g",
                "SELECT pg_stat_force_next_flush()", // else the insert's counts could arrive after ANALYZE's
                "ANALYZE ev",
                "INSERT INTO ev SELECT g, g FROM generate_series(10001, 10600) g",
                "SELECT pg_stat_force_next_flush()");
        Path fresh = dir.resolve("fresh");
        PipelineRun.run(pipeline(fresh, "{ connection: pg, table: ev, partition: { column: id, count: 4 } }"));
        assertThat(count(fresh, "true")).isEqualTo(10_600L);
        assertThat(distinct(fresh, "id")).isEqualTo(10_600L);
        assertThat(perFile(fresh)).hasSize(4).satisfies(n -> {
            assertThat(n.getFirst())
                    .as("the last range, with the keys added since ANALYZE")
                    .isBetween(3_000L, 3_200L);
            assertThat(n.subList(1, 4)).allSatisfy(k -> assertThat(k).isBetween(2_400L, 2_600L));
        });

        // 10,000 more (over 10% changed since ANALYZE): the statistics are stale and the exact tiles are read
        db.sql("INSERT INTO ev SELECT g, g FROM generate_series(10601, 20600) g", "SELECT pg_stat_force_next_flush()");
        Path stale = dir.resolve("stale");
        PipelineRun.run(pipeline(stale, "{ connection: pg, table: ev, partition: { column: id, count: 4 } }"));
        assertThat(count(stale, "true")).isEqualTo(20_600L);
        assertThat(perFile(stale)).hasSize(4).allSatisfy(n -> assertThat(n).isEqualTo(5_150L));
    }

    /**
     * A partition column that {@code columns} selects as another type (or collation) than the table's column of its
     * name is ordered otherwise than that column's statistics: the histogram's bounds of the integer {@code id}
     * (about 500, 1000, 1500) are out of order as text ('1000' < '500'), and the ranges cut at them overlapped: rows
     * between '1000' and '500' were read by two. Such a column is cut at its own tiles.
     */
    @Test
    void statisticsOfTheTablesColumnDoNotCutAColumnSelectedAsAnotherType() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int, v int)",
                "INSERT INTO ev SELECT g, g FROM generate_series(1, 2000) g",
                "SELECT pg_stat_force_next_flush()",
                "ANALYZE ev",
                "SELECT pg_stat_force_next_flush()");
        Path yaml = pipeline(
                dir,
                "{ connection: pg, table: ev, columns: [\"id::text AS id\", v], partition: { column: id, count: 4 } }");
        assertThat(PipelineRun.run(yaml).summary().splitsDone()).isEqualTo(4);
        assertThat(count(dir, "true")).isEqualTo(2000L);
        assertThat(distinct(dir, "id")).isEqualTo(2000L);
        assertThat(perFile(dir)).hasSize(4).allSatisfy(n -> assertThat(n).isEqualTo(500L));
    }

    /**
     * Text keys that look like numbers (zero-padded codes) are compared as text: they were written as numbers
     * ({@code code <= 0025}), which PostgreSQL refuses for a text column, so every range but the last failed.
     */
    @Test
    void textKeysThatLookLikeNumbersAreRangesAndTieBreakersOfText() throws Exception {
        db.sql(
                "CREATE TABLE ev (code text PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT lpad(g::text, 4, '0'), timestamptz '2026-01-01 00:00:00+00' "
                        + "FROM generate_series(1, 100) g",
                "INSERT INTO ev SELECT 'x' || g, timestamptz '2026-01-01 00:00:00+00' FROM generate_series(1, 100) g");
        Path ranges = dir.resolve("ranges");
        PipelineRun.Result r = PipelineRun.run(
                pipeline(ranges, "{ connection: pg, table: ev, partition: { column: code, count: 4 } }"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(r.summary().died()).isZero();
        assertThat(count(ranges, "true")).isEqualTo(200L);
        assertThat(distinct(ranges, "code")).isEqualTo(200L);

        Path ties = dir.resolve("ties");
        PipelineRun.Result t = PipelineRun.run(pipeline(
                ties,
                "{ connection: pg, table: ev, "
                        + "incremental: { column: updated_at, tie_breaker: code, lag: 1s, rows_per_split: 30 } }"));
        assertThat(t.summary().splitsDone()).isEqualTo(7);
        assertThat(t.summary().died()).isZero();
        assertThat(count(ties, "true")).isEqualTo(200L);
        assertThat(distinct(ties, "code")).isEqualTo(200L);
    }

    /**
     * Columns named in mixed case (an ORM's {@code "orderId"}, {@code "updatedAt"}) or by a reserved word are the
     * columns named, written plainly or quoted. Plain, they were folded to lower case ({@code column "orderid" does
     * not exist}); quoted, they were "not a column of the rows read": no way to partition or read them incrementally.
     */
    @Test
    void mixedCaseAndReservedColumnNamesArePartitionAndCursorColumns() throws Exception {
        db.sql(
                "CREATE TABLE \"Invoices\" (\"orderId\" int, \"updatedAt\" timestamptz, \"select\" int)",
                "INSERT INTO \"Invoices\" SELECT g, timestamptz '2026-01-01 00:00:00+00' + (g / 10) * interval '1 hour', "
                        + "g FROM generate_series(1, 100) g");
        for (String column : List.of("orderId", "'\"orderId\"'", "select")) {
            Path folder = dir.resolve("p" + Math.abs(column.hashCode()));
            PipelineRun.Result r = PipelineRun.run(pipeline(
                    folder,
                    "{ connection: pg, table: '\"Invoices\"', partition: { column: " + column + ", count: 4 } }"));
            assertThat(r.summary().splitsDone()).as(column).isEqualTo(4);
            assertThat(count(folder, "true")).as(column).isEqualTo(100L);
            assertThat(distinct(folder, "\"orderId\"")).as(column).isEqualTo(100L);
        }
        Path incremental = dir.resolve("incremental");
        PipelineRun.Result r = PipelineRun.run(pipeline(
                incremental,
                "{ connection: pg, table: '\"Invoices\"', incremental: { column: updatedAt, tie_breaker: '\"select\"', "
                        + "lag: 1s, rows_per_split: 30 } }"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(count(incremental, "true")).isEqualTo(100L);
        assertThat(distinct(incremental, "\"orderId\"")).isEqualTo(100L);
    }

    /** A uuid key is cut into ranges (PostgreSQL has no max(uuid): the plan failed, saying so). */
    @Test
    void uuidKeysAreCutIntoRanges() throws Exception {
        db.sql(
                "CREATE TABLE ev (id uuid, v int)",
                "INSERT INTO ev SELECT gen_random_uuid(), g FROM generate_series(1, 1000) g",
                "INSERT INTO ev VALUES (NULL, 0)");
        for (String source : List.of("table: ev", "query: 'SELECT id, v FROM ev'")) {
            Path folder = dir.resolve(source.substring(0, 5));
            PipelineRun.Result r = PipelineRun.run(
                    pipeline(folder, "{ connection: pg, " + source + ", partition: { column: id, count: 4 } }"));
            assertThat(r.summary().splitsDone()).as(source).isEqualTo(4);
            assertThat(count(folder, "true")).as(source).isEqualTo(1001L);
            assertThat(distinct(folder, "id")).as(source).isEqualTo(1000L);
            assertThat(perFile(folder)).as(source).allSatisfy(n -> assertThat(n).isBetween(240L, 260L));
        }
    }

    @Test
    void aPlanThatStoppedAfterItsFirstRangeIsCompletedByTheNext() throws Exception {
        db.sql("CREATE TABLE ev (id bigint, v int)", "INSERT INTO ev SELECT g, g FROM generate_series(1, 1000) g");
        Path yaml = pipeline(dir, "{ connection: pg, table: ev, partition: { column: id, count: 4 } }");
        Components c = Components.discover();
        try (Assembly a = Assembly.of(new PipelineLoader(c, name -> null).load(yaml), c, Clock.systemUTC())) {
            List<Split> planned = a.source().propose(Planner.view(a.ledger())).splits();
            assertThat(planned).hasSize(4);
            a.ledger().register(List.of(planned.getFirst())); // the planner died after the first range
        }
        PipelineRun.Result r = PipelineRun.run(yaml);
        assertThat(r.notices()).anySatisfy(n -> assertThat(n).contains("registering the 3 key range(s) left"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(count(dir, "true")).isEqualTo(1000L);
        assertThat(distinct(dir, "id")).isEqualTo(1000L);
        assertThat(PipelineRun.run(yaml).summary().splitsDone()).isZero();
    }

    @Test
    void equalTimestampsAreReadOnceInTieBreakerOrderAndChangesFollow() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz, v text)",
                "INSERT INTO ev SELECT g, '2026-01-01 00:00:00+00', 'a' FROM generate_series(1, 500) g");
        Path yaml = pipeline(
                dir, "{ connection: pg, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 1s } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(500);
        // new rows with one timestamp among them, and a change of an old row
        db.sql(
                "INSERT INTO ev SELECT g, now(), 'b' FROM generate_series(501, 800) g",
                "UPDATE ev SET updated_at = now(), v = 'changed' WHERE id = 7");
        Thread.sleep(1_300);
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(301);
        PipelineRun.Result third = PipelineRun.run(yaml);
        assertThat(third.summary().splitsDone()).isZero();
        assertThat(third.notices()).anySatisfy(n -> assertThat(n).contains("no rows with updated_at after"));
        assertThat(count(dir, "true")).isEqualTo(801L);
        assertThat(count(dir, "id = 7")).as("the change is read again").isEqualTo(2L);
        assertThat(distinct(dir, "(id, updated_at)")).isEqualTo(801L);
    }

    @Test
    void rowsPerSplitCutsInsideEqualTimestampsAndReadsEachRowOnce() throws Exception {
        // 11 timestamps, about 100 rows each: every cut of 150 rows falls among rows of one timestamp
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, timestamptz '2026-01-01 00:00:00+00' + (g / 100) * interval '1 hour' "
                        + "FROM generate_series(1, 1000) g");
        Path yaml = pipeline(
                dir,
                "{ connection: pg, table: ev, "
                        + "incremental: { column: updated_at, tie_breaker: id, lag: 1s, rows_per_split: 150 } }");
        PipelineRun.Result first = PipelineRun.run(yaml);
        assertThat(first.summary().splitsDone()).isEqualTo(7);
        assertThat(first.summary().rowsOut()).isEqualTo(1000);
        assertThat(perFile(dir)).hasSize(7).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(150L));
        assertThat(distinct(dir, "id")).isEqualTo(1000L);

        db.sql("INSERT INTO ev SELECT g, now() FROM generate_series(1001, 1120) g");
        Thread.sleep(1_200);
        PipelineRun.Result second = PipelineRun.run(yaml);
        assertThat(second.summary().splitsDone()).isEqualTo(1);
        assertThat(second.summary().rowsOut()).isEqualTo(120);
        assertThat(count(dir, "true")).isEqualTo(1120L);
        assertThat(distinct(dir, "id")).isEqualTo(1120L);
    }

    /**
     * A unique tie breaker may hold NULLs. A cut among rows of one timestamp compared {@code id <= 4} on one side and
     * {@code id > 4} on the other: a NULL id is neither, so those rows were read by no split.
     */
    @Test
    void rowsPerSplitReadsRowsWithANullTieBreakerAtACut() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int UNIQUE, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, '2026-01-01 00:00:00+00' FROM generate_series(1, 10) g",
                "INSERT INTO ev SELECT NULL, '2026-01-01 00:00:00+00' FROM generate_series(1, 3) g");
        PipelineRun.readsTheRowsOfOneTimestampOnceInSplitsOfFour(dir, db.connection("pg"), "pg");
    }

    /**
     * A query with its own LIMIT is read as if it were a table of those rows only: each run's range was filtered out
     * of the oldest ten rows, so the rows inserted after the first run were never read, every plan saying "no rows".
     * Such a query is refused; a LIMIT in a subquery, a string or a comment is not the query's.
     */
    @Test
    void anIncrementalQueryWithItsOwnLimitIsRefusedAtTheQuery() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz, note text)",
                "INSERT INTO ev SELECT g, '2026-01-01 00:00:00+00', 'no limit' FROM generate_series(1, 10) g");
        String incremental = "incremental: { column: updated_at, tie_breaker: id, lag: 1s } }";
        for (String limit : List.of("LIMIT 10", "limit 10 offset 0", "OFFSET 0", "FETCH FIRST 10 ROWS ONLY")) {
            Path p = pipeline(
                    dir.resolve("refused"),
                    "{ connection: pg, query: \"SELECT id, updated_at FROM ev ORDER BY updated_at " + limit + "\", "
                            + incremental);
            assertThatThrownBy(() -> PipelineRun.run(p))
                    .as(limit)
                    .isInstanceOf(io.sluice.config.ConfigException.class)
                    .hasMessageContaining(p + ":3:")
                    .hasMessageContaining("source.jdbc.query: the query's "
                            + limit.substring(0, 5).toUpperCase())
                    .hasMessageContaining("would never be read");
        }
        Path yaml = pipeline(
                dir,
                "{ connection: pg, query: \"SELECT id, updated_at, note FROM ev WHERE note <> 'limit 1' AND id IN "
                        + "(SELECT id FROM ev ORDER BY id LIMIT 1000) -- no LIMIT of its own\", "
                        + incremental);
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        db.sql("INSERT INTO ev SELECT g, now(), 'new' FROM generate_series(11, 15) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(updated_at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(5);
        assertThat(count(dir, "true")).isEqualTo(15L);
    }

    @Test
    void aTransactionCommittedAfterARunWithinLagIsReadByTheNext() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour' FROM generate_series(1, 5) g");
        Path yaml = pipeline(
                dir, "{ connection: pg, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 15s } }");
        // a run in this JVM first, so that the run below plans well within lag of the late transaction's write
        PipelineRun.run(pipeline(dir.resolve("warm-up"), "{ connection: pg, query: \"SELECT 1 AS one\" }"));
        try (Connection late = db.connect()) {
            late.setAutoCommit(false);
            try (Statement s = late.createStatement()) {
                s.execute("INSERT INTO ev VALUES (100, now())"); // now(): the transaction's start
            }
            assertThat(PipelineRun.run(yaml).summary().rowsOut())
                    .as("the open transaction's row is invisible")
                    .isEqualTo(5);
            late.commit();
        }
        db.waitUntil("SELECT now() - interval '15 seconds' > (SELECT updated_at FROM ev WHERE id = 100)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(1);
        assertThat(count(dir, "id = 100")).isEqualTo(1L);
        assertThat(count(dir, "true")).isEqualTo(6L);
    }

    /**
     * A {@code timestamp} written with the writers' local clock (sessions in New York, five hours behind UTC): with
     * {@code time_zone} each run's bound is New York's wall-clock time, so the rows written after a run are read by
     * the next. Compared with UTC's clock, the first run's bound lay five hours past every later row: all were missed.
     */
    @Test
    void aTimestampWrittenInAnotherZoneIsBoundedByTheClockOfThatZone() throws Exception {
        db.sql("CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamp, at timestamptz)");
        String newYork = "SET TimeZone = 'America/New_York'";
        Path yaml = pipeline(
                dir,
                "{ connection: pg, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 1s, "
                        + "time_zone: America/New_York } }");
        db.sql(newYork, "INSERT INTO ev SELECT g, now(), now() FROM generate_series(1, 10) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        db.sql(newYork, "INSERT INTO ev SELECT g, now(), now() FROM generate_series(11, 20) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        assertThat(count(dir, "true")).isEqualTo(20L);
        assertThat(distinct(dir, "id")).isEqualTo(20L);

        Path instants = pipeline(
                dir.resolve("instants"),
                "{ connection: pg, table: ev, incremental: { column: at, time_zone: America/New_York } }");
        assertThatThrownBy(() -> PipelineRun.run(instants))
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining(
                        "source.jdbc.incremental.time_zone: 'at' has type timestamptz, whose values " + "are instants");
        Path unknown = pipeline(
                dir.resolve("unknown"),
                "{ connection: pg, table: ev, incremental: { column: updated_at, time_zone: EST5 } }");
        assertThatThrownBy(() -> PipelineRun.run(unknown))
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining(
                        "source.jdbc.incremental.time_zone: `EST5` is not a time zone of the tz database");
    }

    /** The one reason: PostgreSQL reads incrementally, the column is what does not fit; at its line, before a plan. */
    @Test
    void aCursorThatIsNoTimestampIsNamedAtItsOptionWithTheTypesItMayHave() throws Exception {
        db.sql("CREATE TABLE ev (id int PRIMARY KEY, version int)");
        Path p = pipeline(dir, "{ connection: pg, table: ev, incremental: { column: version, tie_breaker: id } }");
        assertThatThrownBy(() -> PipelineRun.run(p))
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining(p + ":3:")
                .hasMessageContaining("source.jdbc.incremental.column: 'version' has type int4; it must be a "
                        + "timestamp (on PostgreSQL: timestamp or timestamptz)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("need PostgreSQL"));
        Components c = Components.discover();
        try (Assembly a = Assembly.forChecking(new PipelineLoader(c, name -> null).load(p), c, Clock.systemUTC())) {
            assertThatThrownBy(() -> a.source().check())
                    .as("sluice validate finds it too")
                    .hasMessageContaining("source.jdbc.incremental.column");
        }
    }

    @Test
    void nullCursorsFollowTheDeclaredPolicy() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamp)",
                "INSERT INTO ev SELECT g, localtimestamp - interval '1 hour' FROM generate_series(1, 3) g",
                "INSERT INTO ev VALUES (4, NULL), (5, NULL)");
        Path failing =
                pipeline(dir.resolve("fail"), "{ connection: pg, table: ev, incremental: { column: updated_at } }");
        assertThatThrownBy(() -> PipelineRun.run(failing))
                .hasStackTraceContaining("2 row(s) have no updated_at (NULL)")
                .hasStackTraceContaining("incremental.nulls");

        Path first = dir.resolve("first");
        Path firstRun = pipeline(
                first, "{ connection: pg, table: ev, incremental: { column: updated_at, nulls: first_run, lag: 1s } }");
        Path skip = dir.resolve("skip");
        Path skipping = pipeline(
                skip, "{ connection: pg, table: ev, incremental: { column: updated_at, nulls: skip, lag: 1s } }");
        assertThat(PipelineRun.run(firstRun).summary().rowsOut()).isEqualTo(5);
        PipelineRun.Result skipped = PipelineRun.run(skipping);
        assertThat(skipped.summary().rowsOut()).isEqualTo(3);
        assertThat(skipped.notices())
                .anySatisfy(n -> assertThat(n).contains("2 row(s) with a NULL updated_at are not read"));

        db.sql("INSERT INTO ev VALUES (6, NULL), (7, localtimestamp)");
        Thread.sleep(1_200);
        PipelineRun.Result later = PipelineRun.run(firstRun);
        assertThat(later.summary().rowsOut()).isEqualTo(1);
        // of the 3 rows with a NULL updated_at, the first run read 2: "3 row(s) ... are not read" said otherwise
        assertThat(later.notices())
                .anySatisfy(n -> assertThat(n)
                        .contains("3 row(s) have a NULL updated_at: the first run read those there were then, and "
                                + "later ones are not read (incremental.nulls: first_run)"));
        assertThat(count(first, "true")).isEqualTo(6L);
        assertThat(count(first, "updated_at IS NULL")).isEqualTo(2L);
        assertThat(PipelineRun.run(skipping).summary().rowsOut()).isEqualTo(1);
        assertThat(count(skip, "updated_at IS NULL")).isZero();
    }

    @Test
    void aReplayOfASplitReadsTheSameRows() throws Exception {
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, now() - g * interval '1 second' FROM generate_series(10, 50) g");
        Path yaml = pipeline(
                dir, "{ connection: pg, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 1s } }");
        PipelineRun.run(yaml);
        String firstRead = replayOldest(yaml, "a");
        assertThat(firstRead.lines().count()).as("header and 41 rows").isEqualTo(42);
        db.sql("INSERT INTO ev SELECT g, now() FROM generate_series(100, 120) g");
        Thread.sleep(1_200);
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(21);
        assertThat(replayOldest(yaml, "b"))
                .as("the first range, read again after more rows came")
                .isEqualTo(firstRead);
    }

    /** The spool that the first registered split's reader writes when the split is opened again. */
    private String replayOldest(Path yaml, String scratch) throws Exception {
        Components c = Components.discover();
        try (Assembly a = Assembly.of(new PipelineLoader(c, name -> null).load(yaml), c, Clock.systemUTC())) {
            List<SplitInfo> done = new ArrayList<>(a.ledger().splits(Set.of(SplitState.DONE), 100));
            done.sort(Comparator.comparing(SplitInfo::id));
            Split split = a.ledger().split(done.getFirst().id()).orElseThrow();
            Path folder = Files.createDirectories(dir.resolve("replay-" + scratch));
            try (SplitReader reader = a.source().open(split, new ReadContext(folder))) {
                return Files.readString(reader.files().parts().getFirst().file());
            }
        }
    }
}
