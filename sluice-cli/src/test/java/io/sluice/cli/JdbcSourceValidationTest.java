package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jdbc source whose options do not fit the database (a SQLite file here, read by the generic dialect) is invalid for
 * {@code validate} and for {@code run} alike: exit 2, at the option's file and line, before anything is planned. A
 * database that cannot be reached is not a mistake for {@code validate}: a note, exit 0.
 */
class JdbcSourceValidationTest {
    @TempDir
    Path dir;

    @BeforeEach
    void database() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT, updated_at TIMESTAMP, doc BLOB)");
            s.execute("INSERT INTO orders VALUES (1, 'a', '2026-01-01 00:00:00', x'00ff')");
        }
        Files.writeString(dir.resolve("connections.yaml"), "shop: { url: \"" + url + "\" }\n");
    }

    /** Line 4 is the source's first option line, line 5 its second. */
    private Path pipeline(String options) throws Exception {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, """
                pipeline: jdbc-check
                source:
                  jdbc:
                %s
                sink:
                  files: { path: out, format: parquet }
                """.formatted(options.indent(4).stripTrailing()));
        return p;
    }

    /** Both commands find the pipeline invalid (exit 2) and print this; nothing is planned. */
    private void invalidForValidateAndRun(Path p, String... expected) throws Exception {
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).contains("invalid pipeline").contains(expected);
            assertThat(r.all()).doesNotContain("IOException");
        }
        // nothing planned: no ledger at all (status says the pipeline was never run), or one with nothing pending
        CliRun status = sluice("status", p.toString());
        if (status.code() == 2) assertThat(status.err()).as(status.toString()).contains("was never run");
        else assertThat(CliRun.status(p).get("counts").path("pending").asLong()).isZero();
    }

    /** A url without {@code jdbc:} (as psql writes it) can never connect: not "cannot reach the database", exit 0. */
    @Test
    void aUrlThatIsNoJdbcUrlIsInvalidAtItsLineInTheConnectionsFile() throws Exception {
        Path connections = dir.resolve("connections.yaml");
        Files.writeString(connections, "shop: { url: \"postgresql://etl:hunter2@127.0.0.1:5432/shop\" }\n");
        Path p = pipeline("connection: shop\ntable: orders");
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .as(r.toString())
                    .contains(p + ":4:17: source.jdbc.connection: connection 'shop' is not valid: ")
                    .contains(connections + ":1:14: shop.url: not a JDBC url: write it with `jdbc:` first, e.g. "
                            + "`jdbc:postgresql://host:5432/db`");
            assertThat(r.all()).doesNotContain("hunter2");
        }
    }

    @Test
    void aMissingTableIsNamedAtItsLineWithTheNearestName() throws Exception {
        Path p = pipeline("connection: shop\ntable: ordrs");
        invalidForValidateAndRun(
                p, p + ":5:", "source.jdbc.table: ", "no such table: ordrs", "(did you mean 'orders'?)");
    }

    @Test
    void aMissingColumnInColumnsIsNamedThere() throws Exception {
        Path p = pipeline("connection: shop\ntable: orders\ncolumns: [id, nte]");
        invalidForValidateAndRun(p, p + ":6:", "source.jdbc.columns: ", "no such column: nte", "did you mean 'note'?");
    }

    @Test
    void aPartitionColumnThatIsNoColumnIsNamedAtItsLine() throws Exception {
        Path p = pipeline("connection: shop\ntable: orders\ncolumns: [id, note]\npartition: { column: idd, count: 2 }");
        invalidForValidateAndRun(
                p, p + ":7:", "source.jdbc.partition.column: 'idd' is not a column", "(did you mean 'id'?)");
    }

    @Test
    void aBlobColumnIsRefusedWithACastThatWorks() throws Exception {
        Path p = pipeline("connection: shop\ntable: orders");
        invalidForValidateAndRun(
                p, p + ":5:", "source.jdbc.table: ", "column 'doc' has type BLOB", "`hex(doc) AS doc`");

        // the cast named works: the same table read with it
        Path fixed = pipeline("connection: shop\ntable: orders\ncolumns: [id, note, hex(doc) AS doc]");
        assertThat(sluice("validate", fixed.toString()).ok().out()).contains("valid");
        run(fixed).ok();
    }

    @Test
    void anIncrementalReadOfADatabaseWithoutOneSaysSoAlone() throws Exception {
        Path p = pipeline("connection: shop\ntable: orders\ncolumns: [id, updated_at]\n"
                + "incremental: { column: updated_at, tie_breaker: id }");
        invalidForValidateAndRun(p, p + ":7:", "source.jdbc.incremental: incremental reads need PostgreSQL");
        assertThat(sluice("validate", p.toString()).err())
                .as("the column's type is not the reason")
                .doesNotContain("has type");
    }

    @Test
    void anUnreachableDatabaseIsANoteForValidateNotAnError() throws Exception {
        Files.writeString(
                dir.resolve("connections.yaml"),
                "shop: { url: \"jdbc:postgresql://127.0.0.1:1/shop?connectTimeout=2\", user: u }\n");
        CliRun r = sluice("validate", pipeline("connection: shop\ntable: ordrs").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("valid")
                .contains("the source was not checked against its input: ")
                .contains("cannot reach the database")
                .doesNotContain("IOException");
    }
}
