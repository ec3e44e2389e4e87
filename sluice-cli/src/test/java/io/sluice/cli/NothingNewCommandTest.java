package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduled {@code sluice run} of an incremental jdbc read with nothing new says why in one line, against a real
 * PostgreSQL: no row after the watermark, rows after it not past the upper bound (the clock minus lag) yet, and on the
 * first run, no row at all.
 */
class NothingNewCommandTest {
    private static final EmbeddedPostgres server = TestPostgres.server();

    @TempDir
    Path dir;

    @Test
    void aRunWithNothingNewSaysWhyOnce() throws Exception {
        sql(
                "DROP TABLE IF EXISTS nothing_new",
                "CREATE TABLE nothing_new (id int PRIMARY KEY, updated_at timestamp, v text)",
                "INSERT INTO nothing_new VALUES (1, '2026-01-02 10:00:00', 'a'), (2, '2026-01-02 10:00:00', 'b')");
        Path yaml = pipeline("nothing_new");
        CliRun first = CliRun.run(yaml).ok();
        assertThat(first.err()).doesNotContain("nothing new");

        // the watermark is the first run's upper bound: the database's clock minus lag then
        String watermark = "updated_at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d[.\\d]*";
        CliRun again = CliRun.run(yaml).ok();
        assertThat(again.err())
                .as(again.toString())
                .containsPattern(
                        "nothing new in nothing_new: no row after " + watermark + " \\(upper bound now - lag 10m\\)\n");
        assertThat(again.all().split("nothing new in", -1))
                .as("said once: " + again)
                .hasSize(2);
        String line = again.err()
                .lines()
                .filter(l -> l.contains("nothing new"))
                .findFirst()
                .orElseThrow();
        CliRun later = CliRun.run(yaml).ok();
        assertThat(later.err())
                .as("the same line while nothing changed (a watching run, which repeats no notice, says it once)")
                .contains(line + "\n");

        sql("INSERT INTO nothing_new VALUES (3, now() AT TIME ZONE 'UTC', 'c')");
        CliRun early = CliRun.run(yaml).ok();
        assertThat(early.err())
                .as(early.toString())
                .containsPattern("nothing new in nothing_new: 1 row\\(s\\) after " + watermark
                        + " are not before the upper bound now - lag 10m yet: a later run reads them\n");
    }

    @Test
    void aFirstRunOnAnEmptyTableSaysSo() throws Exception {
        sql("DROP TABLE IF EXISTS nothing_yet", "CREATE TABLE nothing_yet (id int PRIMARY KEY, updated_at timestamp)");
        CliRun r = CliRun.run(pipeline("nothing_yet")).ok();
        assertThat(r.err())
                .as(r.toString())
                .contains("nothing new in nothing_yet: no row with updated_at up to now - lag 10m yet "
                        + "(a first run reads from the start)");
    }

    /**
     * A watching run plans every interval: it says the line once while nothing changes, and again once it read new
     * rows (a new watermark), not at every interval.
     */
    @Test
    void aWatchingRunSaysItWhenItChanges() throws Exception {
        sql(
                "DROP TABLE IF EXISTS nothing_watched",
                "CREATE TABLE nothing_watched (id int PRIMARY KEY, updated_at timestamp)",
                "INSERT INTO nothing_watched VALUES (1, '2026-01-02 10:00:00')");
        Path yaml = pipeline("nothing_watched", "1s");
        Files.writeString(yaml, Files.readString(yaml) + "run: { mode: watch, interval: 200ms }\n");
        Path log = dir.resolve("run.log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "run", yaml.toString(), "--progress", "log");
        try {
            awaitSaid(p, log, 1);
            Thread.sleep(2_000); // about 10 plans
            assertThat(said(log)).as(Files.readString(log)).hasSize(1);

            sql("INSERT INTO nothing_watched VALUES (2, now() AT TIME ZONE 'UTC')");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (said(log).stream().filter(l -> l.contains("no row after")).count() < 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(2_000);
            List<String> lines =
                    said(log).stream().filter(l -> l.contains("no row after")).toList();
            assertThat(lines).as(Files.readString(log)).hasSize(2);
            assertThat(lines.get(1)).as("the watermark moved").isNotEqualTo(lines.get(0));
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> said(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains("nothing new in"))
                .toList();
    }

    private static void awaitSaid(Process p, Path log, int lines) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (said(log).size() < lines && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(said(log)).as(Files.readString(log)).hasSizeGreaterThanOrEqualTo(lines);
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (String st : statements) s.execute(st);
        }
    }

    private Path pipeline(String table) throws IOException {
        return pipeline(table, "10m");
    }

    private Path pipeline(String table, String lag) throws IOException {
        Files.writeString(dir.resolve("connections.yaml"), """
                pg: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres }
                """.formatted(server.getPort()));
        Path yaml = dir.resolve(table + ".yaml");
        Files.writeString(yaml, """
                pipeline: %s
                source:
                  jdbc:
                    connection: pg
                    table: %s
                    incremental: { column: updated_at, tie_breaker: id, lag: %s, time_zone: UTC }
                sink:
                  files: { path: out-%s, format: parquet }
                """.formatted(table, table, lag, table));
        return yaml;
    }
}
