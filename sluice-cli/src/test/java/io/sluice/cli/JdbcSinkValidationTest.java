package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runner.RunSummary;
import io.sluice.testkit.Workspace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice validate} of a pipeline writing to an existing PostgreSQL table with {@code schema_change: fail}: a
 * column of the output the table lacks is refused there (validate said valid, and the first run's split was dead), and
 * so is a run before any split, the table left as it was; once the table has the column, validate passes.
 */
class JdbcSinkValidationTest {
    private static final EmbeddedPostgres server = TestPostgres.server();

    @TempDir
    Path dir;

    @Test
    void validateRefusesAColumnTheTableLacksWithSchemaChangeFail() throws Exception {
        sql("DROP TABLE IF EXISTS narrow", "CREATE TABLE narrow (id int, name text)");
        Workspace ws = Workspace.in(dir);
        ws.input("people.csv", "id,name,city\n1,ann,Oslo\n");
        Files.writeString(dir.resolve("connections.yaml"), """
                pg: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres }
                """.formatted(server.getPort()));
        Path yaml = ws.pipeline("""
                pipeline: narrow
                source: { files: { path: in, include: "*.csv" } }
                sink:
                  jdbc: { connection: pg, table: narrow, schema_change: fail }
                """);

        CliRun refused = CliRun.sluice("validate", yaml.toString());
        assertThat(refused.code()).as(refused.toString()).isEqualTo(RunSummary.INVALID);
        assertThat(refused.err())
                .contains("sink.jdbc.schema_change")
                .contains("the output has column(s) city that table public.narrow lacks")
                .contains("add them to the table")
                .contains("schema_change: add_columns");
        assertThat(columns()).as("validate changes nothing").containsExactly("id", "name");
        CliRun run = CliRun.run(yaml);
        assertThat(run.code()).as("a run stops before any split: " + run).isEqualTo(RunSummary.INVALID);
        assertThat(run.err()).contains("the output has column(s) city that table public.narrow lacks");

        sql("ALTER TABLE narrow ADD COLUMN city text");
        CliRun valid = CliRun.sluice("validate", yaml.toString());
        assertThat(valid.code()).as(valid.toString()).isZero();
    }

    private static List<String> columns() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT column_name FROM information_schema.columns "
                        + "WHERE table_schema = 'public' AND table_name = 'narrow' ORDER BY ordinal_position")) {
            while (r.next()) names.add(r.getString(1));
        }
        return names;
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (String st : statements) s.execute(st);
        }
    }
}
