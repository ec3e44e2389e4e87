package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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

    private static void sql(String... statements) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (String st : statements) s.execute(st);
        }
    }

    private Path pipeline(String table) throws IOException {
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
                    incremental: { column: updated_at, tie_breaker: id, lag: 10m, time_zone: UTC }
                sink:
                  files: { path: out-%s, format: parquet }
                """.formatted(table, table, table));
        return yaml;
    }
}
