package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import io.sluice.testkit.TestMariaDb;
import io.sluice.testkit.Workspace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice backfill} on an incremental jdbc source read from a real PostgreSQL into Parquet files: the splits
 * whose ranges meet the window, and only those, are read again, and their new output replaces the old (corrected rows
 * in, deleted rows out, no row twice).
 */
class BackfillCommandTest {
    private static final EmbeddedPostgres server = TestPostgres.server();

    @TempDir
    Path dir;

    private Path pipeline;

    /**
     * 300 rows over three days, 100 a day from midnight, one a minute; rows_per_split: 100 cuts them into three
     * splits: up to (2026-01-01 01:39, 100), up to (2026-01-02 01:39, 200), and the rest.
     */
    @BeforeEach
    void threeSplitsRead() throws Exception {
        sql(
                "DROP TABLE IF EXISTS ev",
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz, v text)",
                "INSERT INTO ev SELECT g, timestamptz '2026-01-01 00:00:00+00' + ((g - 1) / 100) * interval '1 day'"
                        + " + ((g - 1) % 100) * interval '1 minute', 'a' FROM generate_series(1, 300) g");
        Files.writeString(dir.resolve("connections.yaml"), """
                pg: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres }
                """.formatted(server.getPort()));
        pipeline = pipeline(dir, "backfilled", "pg");
        CliRun run = CliRun.sluice("run", pipeline.toString(), "--progress", "none");
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(rows("count(*)", "true")).containsExactly("300");
        // a table has rows, not bytes: the summary gives their rate, not "0 B (0 B/s)"
        assertThat(run.out())
                .as(run.toString())
                .containsPattern("rows 300 in, 300 out, 0 bad; [0-9.]+[kM]? rows/s")
                .doesNotContain(" B/s");
    }

    @Test
    void aPlanNamesEachKeyRangeItWouldRead() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("ranges"));
        Files.copy(dir.resolve("connections.yaml"), folder.resolve("connections.yaml"));
        Files.writeString(folder.resolve("pipeline.yaml"), """
                pipeline: ranges
                source:
                  jdbc: { connection: pg, table: ev, partition: { column: id, count: 3 } }
                sink:
                  files: { path: out, format: parquet }
                """);
        CliRun plan = CliRun.sluice("plan", folder.resolve("pipeline.yaml").toString());
        assertThat(plan.code()).as(plan.toString()).isZero();
        assertThat(plan.out())
                .contains("a run now would process 3 new split(s)")
                .contains("[ev (id <= 100 or NULL)]")
                .contains("[ev (id in (100, 200])]")
                .contains("[ev (id > 200)]")
                .doesNotContain("bytes");
    }

    @Test
    void aWindowIsReadAgainAndReplacesWhatItsSplitsWrote() throws Exception {
        // corrections that leave the cursor alone, inside the second split's range
        sql("UPDATE ev SET v = 'fixed' WHERE id BETWEEN 101 AND 200", "DELETE FROM ev WHERE id = 150");

        CliRun dry = CliRun.sluice(
                "backfill", pipeline.toString(), "--from", "2026-01-02", "--to", "2026-01-02T01:00:00Z", "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out())
                .contains("would read again: ev@")
                .contains("(2026-01-01 01:39:00+00, 100) and <= (2026-01-02 01:39:00+00, 200)")
                .contains("1 split(s) would go back to pending; nothing changed");
        assertThat(dry.out().lines().filter(l -> l.contains("would read again")))
                .hasSize(1);
        CliRun idle = CliRun.sluice("run", pipeline.toString(), "--progress", "none");
        assertThat(rows("count(*)", "v = 'fixed'"))
                .as("a dry run changes nothing")
                .containsExactly("0");
        assertThat(idle.code()).isZero();

        CliRun backfill = CliRun.sluice(
                "backfill", pipeline.toString(), "--from", "2026-01-02", "--to", "2026-01-02 01:00:00+00");
        assertThat(backfill.code()).as(backfill.toString()).isZero();
        assertThat(backfill.out()).contains("1 split(s) sent back to pending");
        CliRun run = CliRun.sluice("run", pipeline.toString(), "--progress", "none");
        assertThat(run.code()).as(run.toString()).isZero();

        assertThat(rows("count(*), count(DISTINCT id)", "true")).containsExactly("299|299");
        assertThat(rows("min(id), max(id), count(*)", "v = 'fixed'")).containsExactly("101|200|99");
        assertThat(rows("count(*)", "id = 150"))
                .as("a row deleted at the source leaves")
                .containsExactly("0");
        assertThat(rows("count(*)", "v = 'a' AND (id <= 100 OR id > 200)"))
                .as("the other splits' output as it was")
                .containsExactly("200");
    }

    /**
     * A split of the window that a worker is reading now may have read its rows before they were corrected: the
     * backfill cannot send it back (it is not done), so it says so, names it, tells to backfill again once it is done,
     * and exits with 1, never "already to be read" as if the correction were sure to be read.
     */
    @Test
    void aSplitOfTheWindowBeingReadNowIsNamedWithTheBackfillToRunAgain() throws Exception {
        Path db = dir.resolve(".sluice").resolve("backfilled.db");
        String second;
        try (Ledger ledger = SqliteLedger.open(db, "backfilled", Clock.systemUTC())) {
            second = ledger.splits(EnumSet.of(SplitState.DONE), 3).get(1).id();
            ledger.replay(List.of(second));
            // a worker reading the second range again, from before the correction below
            assertThat(ledger.claim(second, "worker-1", Duration.ofMinutes(5))).isPresent();
        }
        sql("UPDATE ev SET v = 'fixed' WHERE id BETWEEN 101 AND 200");

        CliRun dry = CliRun.sluice(
                "backfill", pipeline.toString(), "--from", "2026-01-02", "--to", "2026-01-02T01:00:00Z", "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("being read now by worker-1: " + second);

        CliRun backfill =
                CliRun.sluice("backfill", pipeline.toString(), "--from", "2026-01-02", "--to", "2026-01-02T01:00:00Z");
        assertThat(backfill.code()).as(backfill.toString()).isEqualTo(RunSummary.SOME_DEAD);
        assertThat(backfill.out())
                .contains("being read now by worker-1: " + second)
                .contains("1 split(s) of the window are being read now and were left as they are")
                .contains("run this backfill again once they are done")
                .doesNotContain("already to be read");
    }

    /** The same on MariaDB (Debian's mariadb-server, see {@link TestMariaDb}): DATETIME(6) bounds, read in UTC. */
    @Test
    void onMariaDbTooAWindowIsReadAgainAndReplaced() throws Exception {
        TestMariaDb maria = TestMariaDb.shared();
        String url = maria.url(maria.freshDatabase());
        try (Connection c = DriverManager.getConnection(url, TestMariaDb.USER, TestMariaDb.PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ev (id int PRIMARY KEY, updated_at DATETIME(6), v varchar(20))");
            st.execute("INSERT INTO ev SELECT seq, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL ((seq - 1) DIV 100) DAY"
                    + " + INTERVAL ((seq - 1) MOD 100) MINUTE, 'a' FROM seq_1_to_300");
        }
        Path mdir = Files.createDirectories(dir.resolve("maria"));
        Files.writeString(mdir.resolve("connections.yaml"), """
                billing: { url: "%s", user: %s, password: "%s" }
                """.formatted(url, TestMariaDb.USER, TestMariaDb.PASSWORD));
        Path yaml = pipeline(mdir, "backfilled-maria", "billing");
        assertThat(CliRun.sluice("run", yaml.toString(), "--progress", "none").code())
                .isZero();
        try (Connection c = DriverManager.getConnection(url, TestMariaDb.USER, TestMariaDb.PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("UPDATE ev SET v = 'fixed' WHERE id BETWEEN 101 AND 200");
        }

        CliRun backfill =
                CliRun.sluice("backfill", yaml.toString(), "--from", "2026-01-02", "--to", "2026-01-02T01:00");
        assertThat(backfill.code()).as(backfill.toString()).isZero();
        assertThat(backfill.out().lines().filter(l -> l.contains("read again:")))
                .hasSize(1);
        assertThat(CliRun.sluice("run", yaml.toString(), "--progress", "none").code())
                .isZero();

        String parquet = "read_parquet('" + mdir.resolve("out") + "/**/*.parquet')";
        assertThat(Workspace.query("SELECT count(*), count(DISTINCT id) FROM " + parquet))
                .containsExactly("300|300");
        assertThat(Workspace.query("SELECT min(id), max(id), count(*) FROM " + parquet + " WHERE v = 'fixed'"))
                .containsExactly("101|200|100");
    }

    @Test
    void aWindowOverSeveralSplitsAndPastTheLastRangeIsSaid() throws Exception {
        CliRun dry = CliRun.sluice(
                "backfill", pipeline.toString(), "--from", "2026-01-01T01:00:00", "--to", "2099-01-01", "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out().lines().filter(l -> l.contains("would read again")))
                .hasSize(3);
        assertThat(dry.out()).contains("have not been read yet; the next run reads them as new rows");
    }

    @Test
    void badBoundsAndSourcesWithoutRangesAreRefusedWithTheFix() throws Exception {
        CliRun word = CliRun.sluice("backfill", pipeline.toString(), "--from", "last week", "--to", "2026-01-02");
        assertThat(word.code()).isEqualTo(RunSummary.INVALID);
        assertThat(word.err()).contains("--from: 'last week' is not a timestamp; write a date (2026-11-01)");

        CliRun backwards = CliRun.sluice("backfill", pipeline.toString(), "--from", "2026-01-03", "--to", "2026-01-02");
        assertThat(backwards.code()).isEqualTo(RunSummary.INVALID);
        assertThat(backwards.err()).contains("--from 2026-01-03 is not before --to 2026-01-02");

        Path files = dir.resolve("files.yaml");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(files, """
                pipeline: files
                source: { files: { path: in, format: csv } }
                sink: { files: { path: out2, format: csv } }
                """);
        CliRun noRanges = CliRun.sluice("backfill", files.toString(), "--from", "2026-01-01", "--to", "2026-01-02");
        assertThat(noRanges.code()).isEqualTo(RunSummary.INVALID);
        assertThat(noRanges.err())
                .contains("its source (files) has no ranges of a column to read again")
                .contains("sluice reset " + files + " --yes");
    }

    /** Table ev read incrementally through the connection named, 100 rows a split, into Parquet files under out. */
    private static Path pipeline(Path folder, String name, String connection) throws IOException {
        Path yaml = folder.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: %s
                source:
                  jdbc:
                    connection: %s
                    table: ev
                    incremental: { column: updated_at, tie_breaker: id, lag: 1s, rows_per_split: 100 }
                sink:
                  files: { path: out, format: parquet }
                """.formatted(name, connection));
        return yaml;
    }

    private java.util.List<String> rows(String select, String where) throws Exception {
        return Workspace.query(
                "SELECT " + select + " FROM read_parquet('" + dir.resolve("out") + "/**/*.parquet') WHERE " + where);
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (String q : statements) s.execute(q);
        }
    }
}
