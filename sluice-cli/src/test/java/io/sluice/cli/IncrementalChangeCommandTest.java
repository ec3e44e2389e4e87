package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runner.RunSummary;
import io.sluice.testkit.Workspace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An incremental jdbc read whose {@code where} changed, through the commands a user types, against a real
 * PostgreSQL: {@code validate}, {@code plan} and {@code run} each stop at the change with the same message (a run
 * read all 10 rows again, and the Parquet output held 20), and {@code reset --delete-output} followed by a run leaves
 * each row once.
 */
class IncrementalChangeCommandTest {
    private static final EmbeddedPostgres server = TestPostgres.server();

    @TempDir
    Path dir;

    @Test
    void validatePlanAndRunStopAtAChangedDefinitionAndResetReadsEachRowOnce() throws Exception {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS changed");
            s.execute("CREATE TABLE changed (id int PRIMARY KEY, updated_at timestamptz, v text)");
            s.execute("INSERT INTO changed SELECT g, now() - interval '1 hour', 'a' FROM generate_series(1, 10) g");
        }
        Files.writeString(dir.resolve("connections.yaml"), """
                pg: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres }
                """.formatted(server.getPort()));
        Path yaml = pipeline("");
        CliRun fresh = CliRun.sluice("validate", yaml.toString());
        assertThat(fresh.code()).as(fresh.toString()).isZero();
        assertThat(dir.resolve(".sluice")).as("validate creates no ledger").doesNotExist();
        assertThat(CliRun.run(yaml).code()).isZero();
        assertThat(rows()).containsExactly("10|10");

        pipeline("where: \"v <> 'x'\"");
        String said = "source.jdbc.incremental.after_change: changed: this definition has read nothing yet";
        for (String command : new String[] {"validate", "plan", "run"}) {
            CliRun r = CliRun.sluice(command, yaml.toString());
            assertThat(r.code()).as(r.toString()).isEqualTo(RunSummary.INVALID);
            assertThat(r.err())
                    .as(command)
                    .contains(yaml + ":6:")
                    .contains(said)
                    .contains("sluice reset " + yaml + " --delete-output --yes");
        }
        assertThat(rows()).as("the 10 rows once, not 20").containsExactly("10|10");

        CliRun reset = CliRun.sluice("reset", yaml.toString(), "--delete-output", "--yes");
        assertThat(reset.code()).as(reset.toString()).isZero();
        assertThat(CliRun.sluice("validate", yaml.toString()).code()).isZero();
        CliRun again = CliRun.run(yaml);
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(rows()).containsExactly("10|10");
    }

    /**
     * The same for a full read in key ranges: a run read the 8 rows of the new definition beside the 10 of the earlier
     * one (18 in the Parquet output).
     */
    @Test
    void aChangedFullReadStopsTheSameWay() throws Exception {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS changed");
            s.execute("CREATE TABLE changed (id int PRIMARY KEY, updated_at timestamptz, v text)");
            s.execute("INSERT INTO changed SELECT g, now(), CASE WHEN g <= 2 THEN 'x' ELSE 'a' END "
                    + "FROM generate_series(1, 10) g");
        }
        Files.writeString(dir.resolve("connections.yaml"), """
                pg: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres }
                """.formatted(server.getPort()));
        String full = "partition: { column: id, count: 3 }";
        Path yaml = pipeline(full, "");
        assertThat(CliRun.run(yaml).code()).isZero();
        assertThat(rows()).containsExactly("10|10");

        pipeline(full, "where: \"v <> 'x'\"");
        for (String command : new String[] {"validate", "plan", "run"}) {
            CliRun r = CliRun.sluice(command, yaml.toString());
            assertThat(r.code()).as(r.toString()).isEqualTo(RunSummary.INVALID);
            assertThat(r.err())
                    .as(command)
                    .contains(yaml + ":5:")
                    .contains("source.jdbc.table: changed: this definition has read nothing yet")
                    .contains("sluice reset " + yaml + " --delete-output --yes");
        }
        assertThat(rows()).as("the 10 rows once, not 18").containsExactly("10|10");

        CliRun reset = CliRun.sluice("reset", yaml.toString(), "--delete-output", "--yes");
        assertThat(reset.code()).as(reset.toString()).isZero();
        CliRun again = CliRun.run(yaml);
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(rows()).containsExactly("8|8");
    }

    /** The pipeline reading table {@code changed} incrementally, with {@code more} in its jdbc block. */
    private Path pipeline(String more) throws IOException {
        return pipeline("incremental: { column: updated_at, tie_breaker: id, lag: 1s }", more);
    }

    /** The pipeline reading table {@code changed} as {@code read} says, with {@code more} in its jdbc block. */
    private Path pipeline(String read, String more) throws IOException {
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: changed
                source:
                  jdbc:
                    connection: pg
                    table: changed
                    %s
                    %s
                sink:
                  files: { path: out, format: parquet }
                """.formatted(read, more));
        return yaml;
    }

    /** Rows and distinct ids in the output. */
    private java.util.List<String> rows() throws Exception {
        return Workspace.query(
                "SELECT count(*), count(DISTINCT id) FROM read_parquet('" + dir.resolve("out") + "/**/*.parquet')");
    }
}
