package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.testkit.CrashLoop;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parquet files loaded into a PostgreSQL table by runs killed with SIGKILL at random moments (at least 20 times) and
 * restarted until done: every row is in the table once (exact count, distinct ids, sum of the ids), one commit
 * record a file, in each mode.
 */
class JdbcSinkCrashTest {
    private static final int FILES = 30;
    private static final int ROWS = 2_000;

    @TempDir
    Path dir;

    /** Files of {@code ROWS} rows each, ids 1..FILES*ROWS over all of them, v = id % 1000. */
    private static void writeInputs(Workspace ws) throws Exception {
        NativeCopies.loadDuckDb();
        try (java.sql.Connection d = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = d.createStatement()) {
            for (int f = 0; f < FILES; f++) {
                s.execute("COPY (SELECT range + " + (f * ROWS + 1) + " AS id, CAST((range + " + (f * ROWS + 1)
                        + ") % 1000 AS INTEGER) AS v, md5(CAST(range AS VARCHAR)) AS note FROM range(" + ROWS
                        + ")) TO '" + ws.in().resolve("f" + f + ".parquet") + "' (FORMAT parquet)");
            }
        }
    }

    /** Count, distinct ids, sum of ids and of values, and ids written more than once, in the table. */
    private static String totals(TestTarget target) throws Exception {
        String t = target.schema + ".target";
        return target.rows("SELECT count(*), count(DISTINCT id), sum(id), sum(v), "
                        + "(SELECT count(*) FROM (SELECT id FROM " + t + " GROUP BY id HAVING count(*) > 1) d) FROM "
                        + t)
                .getFirst();
    }

    private static String expected() {
        long n = (long) FILES * ROWS;
        long sumV = 0;
        for (long id = 1; id <= n; id++) sumV += id % 1000;
        return n + "|" + n + "|" + n * (n + 1) / 2 + "|" + sumV + "|0";
    }

    @ParameterizedTest
    @ValueSource(strings = {"append", "upsert"})
    void filesLoadedByRunsKilledAtRandomMomentsAreInTheTableOnce(String mode) throws Exception {
        Workspace ws = Workspace.in(dir);
        TestTarget target = new TestTarget(dir); // connections.yaml naming the server "pg"
        writeInputs(ws);
        Path pipeline = ws.pipeline("""
                pipeline: jdbc-crash
                source: { files: { path: in, include: "*.parquet", settle: 0s, pack: { max_files: 1 } } }
                sink:
                  jdbc: { connection: pg, table: %s.target, mode: %s, keys: [id] }
                run: { parallelism: 2, lease: 2s, retries: { max: 5, backoff: 100ms }, on_bad_record: fail }
                """.formatted(target.schema, mode));
        Path log = dir.resolve("runs.log");
        int[] cycles = {0};
        CrashLoop.Result loop = CrashLoop.run(pipeline, log, new Random(mode.hashCode()), 20, 500, 4000, code -> {
            assertThat(code)
                    .as("exit code of a run that was not killed (log: %s)", log)
                    .isZero();
            // a run got through between kills: check it, then start over so every kill lands on real work
            assertThat(totals(target)).as("cycle %d", cycles[0]++).isEqualTo(expected());
            target.sql("DROP SCHEMA " + target.schema + " CASCADE");
            target.sql("CREATE SCHEMA " + target.schema);
            ws.forgetRuns();
        });
        assertThat(loop.kills()).as("SIGKILLs delivered (log: %s)", log).isGreaterThanOrEqualTo(20);

        assertThat(CrashLoop.runToTheEnd(pipeline, log, 120))
                .as("exit code of the last run (log: %s)", log)
                .isZero();
        assertThat(totals(target))
                .as("every row once after %d kills", loop.kills())
                .isEqualTo(expected());
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + "._sluice_commits"))
                .as("one commit record a file")
                .containsExactly(String.valueOf(FILES));
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + "._sluice_dead_letter"))
                .containsExactly("0");
        try (Stream<Path> spill = Files.list(ws.dir().resolve(".sluice/spill"))) {
            assertThat(spill.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("scratch-")))
                    .as("the killed runs' scratch folders (their staging CSVs), removed by the last run")
                    .isEmpty();
        }
    }
}
