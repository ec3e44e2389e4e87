package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline whose source kind changed under one ledger (files, then jdbc over a SQLite file) is refused by
 * {@code sluice validate} as {@code sluice run} refuses it: exit 2, naming both kinds and the way out. Before the first
 * run there is no ledger to hold another kind's splits, and validate creates none.
 */
class SourceKindValidationTest {
    @TempDir
    Path dir;

    private Path pipeline(String source) throws Exception {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, """
                pipeline: switching
                source:
                  %s
                sink:
                  files: { path: out, format: parquet }
                """.formatted(source));
        return p;
    }

    @Test
    void validateRefusesASourceKindTheLedgerDoesNotHold() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER)");
            s.execute("INSERT INTO orders VALUES (10, 1), (11, 2)");
        }
        Files.writeString(dir.resolve("connections.yaml"), "shop: { url: \"" + url + "\" }\n");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id,amount\n1,5\n");

        Path files = pipeline("files: { path: in, include: \"*.csv\", settle: 0s }");
        sluice("validate", files.toString()).ok();
        assertThat(dir.resolve(".sluice")).as("validate creates no ledger").doesNotExist();
        run(files).ok();

        Path jdbc = pipeline("jdbc: { connection: shop, table: orders }");
        CliRun v = sluice("validate", jdbc.toString());
        assertThat(v.code()).as(v.toString()).isEqualTo(2);
        assertThat(v.err())
                .contains(jdbc + ":3:")
                .contains("the ledger holds splits of source kind files (the newest: a.csv)")
                .contains("this pipeline reads jdbc")
                .contains("sluice reset " + jdbc + " --delete-output --yes");
        CliRun r = run(jdbc);
        assertThat(r.code()).as("run refuses it alike: " + r).isEqualTo(2);
    }
}
