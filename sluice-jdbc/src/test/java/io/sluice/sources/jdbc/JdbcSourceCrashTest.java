package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.testkit.CrashLoop;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL table read into Parquet files by runs killed with SIGKILL at random moments (at least 20 times) and
 * restarted until done: every row of the table is in the files once (exact count, distinct ids, sum of the ids).
 */
class JdbcSourceCrashTest {
    private static final int ROWS = 60_000;

    @TempDir
    Path dir;

    private TestDatabase db;

    @BeforeEach
    void freshSchema() throws Exception {
        db = TestDatabase.postgres();
        NativeCopies.loadDuckDb();
    }

    private Workspace workspace(String source) throws Exception {
        Workspace ws = Workspace.in(dir);
        Files.writeString(dir.resolve("connections.yaml"), db.connection("pg"));
        // a killed run's claims expire quickly, so the next run takes them over
        ws.pipeline("""
                pipeline: jdbc-crash
                source:
                  jdbc: %s
                sink:
                  files: { path: out, format: parquet }
                run: { parallelism: 2, lease: 2s, retries: { max: 5, backoff: 100ms }, on_bad_record: fail }
                """.formatted(source));
        return ws;
    }

    /** Count, distinct ids, sum of ids and of values, and ids written more than once, over the files written. */
    private static String totals(Workspace ws) throws Exception {
        List<String> files =
                ws.outputFiles(".parquet").stream().map(p -> "'" + p + "'").toList();
        if (files.isEmpty()) return "no files";
        String rows = "read_parquet([" + String.join(", ", files) + "])";
        return Workspace.query("SELECT count(*), count(DISTINCT id), sum(id), sum(v), "
                        + "(SELECT count(*) FROM (SELECT id FROM " + rows + " GROUP BY id HAVING count(*) > 1)) FROM "
                        + rows)
                .getFirst();
    }

    /** What {@link #totals} says of the ids 1..n, each once, with v = id % 1000. */
    private static String expected(long n) {
        long sumV = 0;
        for (long id = 1; id <= n; id++) sumV += id % 1000;
        return n + "|" + n + "|" + n * (n + 1) / 2 + "|" + sumV + "|0";
    }

    @Test
    void aTableReadInKeyRangesByRunsKilledAtRandomMomentsIsInTheFilesOnce() throws Exception {
        db.sql(
                "CREATE TABLE ev (id bigint PRIMARY KEY, v int, note text)",
                "INSERT INTO ev SELECT g, g % 1000, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        Workspace ws = workspace("{ connection: pg, table: ev, partition: { column: id, count: 40 } }");
        Path log = dir.resolve("runs.log");
        int[] cycles = {0};
        CrashLoop.Result loop =
                CrashLoop.run(ws.dir().resolve("pipeline.yaml"), log, new Random(11), 20, 500, 4000, code -> {
                    assertThat(code)
                            .as("exit code of a run that was not killed (log: %s)", log)
                            .isZero();
                    // a run got through between kills: check it, then start over so every kill lands on real work
                    assertThat(totals(ws)).as("cycle %d", cycles[0]++).isEqualTo(expected(ROWS));
                    ws.forgetRuns();
                });
        assertThat(loop.kills()).as("SIGKILLs delivered (log: %s)", log).isGreaterThanOrEqualTo(20);

        assertThat(CrashLoop.runToTheEnd(ws.dir().resolve("pipeline.yaml"), log, 120))
                .as("exit code of the last run (log: %s)", log)
                .isZero();
        assertThat(totals(ws)).as("every row once after %d kills", loop.kills()).isEqualTo(expected(ROWS));
        assertThat(ws.outputFiles(".parquet")).as("one file a key range").hasSize(40);
    }

    /**
     * Incremental reads, rows added between runs killed at random moments: every row added is read once, none
     * twice, whatever run planned or read it.
     */
    @Test
    void rowsAddedBetweenIncrementalRunsKilledAtRandomMomentsAreInTheFilesOnce() throws Exception {
        db.sql(
                "CREATE TABLE ev (id bigint PRIMARY KEY, v int, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, g % 1000, now() - interval '1 hour' FROM generate_series(1, 20000) g");
        long[] rows = {20_000};
        Workspace ws = workspace("{ connection: pg, table: ev, "
                + "incremental: { column: updated_at, tie_breaker: id, lag: 1s, rows_per_split: 1000 } }");
        Path pipeline = ws.dir().resolve("pipeline.yaml");
        Path log = dir.resolve("runs.log");
        Random random = new Random(5);
        CrashLoop.Result loop = CrashLoop.run(pipeline, log, random, 20, 500, 4000, code -> {
            assertThat(code)
                    .as("exit code of a run that was not killed (log: %s)", log)
                    .isZero();
            long from = rows[0] + 1;
            rows[0] += 1000 + random.nextInt(3000);
            db.sql("INSERT INTO ev SELECT g, g % 1000, now() FROM generate_series(" + from + ", " + rows[0] + ") g");
        });
        assertThat(loop.kills()).as("SIGKILLs delivered (log: %s)", log).isGreaterThanOrEqualTo(20);
        assertThat(loop.ended())
                .as("runs that got through and were followed by new rows")
                .isPositive();

        Thread.sleep(1_500); // past lag: the last rows added are below the next run's bound
        assertThat(CrashLoop.runToTheEnd(pipeline, log, 120))
                .as("exit code of the last run (log: %s)", log)
                .isZero();
        assertThat(totals(ws)).as("every row once after %d kills", loop.kills()).isEqualTo(expected(rows[0]));
    }
}
