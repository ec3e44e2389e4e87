package io.sluice.sources.jdbc;

import static io.sluice.sources.jdbc.PipelineRun.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline whose source kind changed under one ledger (files to jdbc, jdbc to files) read the new kind beside the
 * earlier kind's output: the earlier splits stayed done, the new kind's were added, and the sink held both. Now the
 * plan is refused, naming both kinds and the way out, until the output is reset. Against a real PostgreSQL, through
 * pipeline files with a files sink, as {@code sluice run} runs them.
 */
class SourceKindChangeTest {
    @TempDir
    Path dir;

    private Path pipeline(String connections, String source) throws Exception {
        Files.writeString(dir.resolve("connections.yaml"), connections);
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: switching
                source:
                  %s
                sink:
                  files: { path: out, format: parquet }
                run: { on_bad_record: fail }
                """.formatted(source));
        return yaml;
    }

    /** {@code sluice reset PIPELINE --delete-output --yes}: the ledger forgotten, then the sink's output removed. */
    private static void resetDeletingOutput(Path yaml) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        Assembly.openSink(p, c, Clock.systemUTC()).deleteOutput();
    }

    private TestDatabase orders() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE orders (id int PRIMARY KEY, amount int)",
                "INSERT INTO orders VALUES (10, 1), (11, 2), (12, 3)");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id,amount\n1,5\n2,6\n");
        return db;
    }

    @Test
    void switchingFromFilesToJdbcIsRefusedUntilTheOutputIsReset() throws Exception {
        TestDatabase db = orders();
        String conn = db.connection("pg");
        Path files = pipeline(conn, "files: { path: in, include: \"*.csv\", settle: 0s }");
        assertThat(PipelineRun.run(files).summary().rowsOut()).isEqualTo(2);

        Path jdbc = pipeline(conn, "jdbc: { connection: pg, table: orders }");
        assertThatThrownBy(() -> PipelineRun.run(jdbc))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(jdbc + ":3:")
                .hasMessageContaining("source.jdbc: the ledger holds splits of source kind files (the newest: a.csv)")
                .hasMessageContaining("this pipeline reads jdbc")
                .hasMessageContaining("sluice reset " + jdbc + " --delete-output --yes");
        assertThat(count(dir, "true")).as("nothing read beside the files' rows").isEqualTo(2L);

        resetDeletingOutput(jdbc);
        assertThat(PipelineRun.run(jdbc).summary().rowsOut()).isEqualTo(3);
        assertThat(count(dir, "true")).as("the table's rows alone").isEqualTo(3L);
        assertThat(count(dir, "id >= 10")).isEqualTo(3L);
        assertThat(PipelineRun.run(jdbc).summary().splitsDone())
                .as("the same kind plans on")
                .isZero();
    }

    @Test
    void switchingFromJdbcToFilesIsRefusedToo() throws Exception {
        TestDatabase db = orders();
        String conn = db.connection("pg");
        Path jdbc = pipeline(conn, "jdbc: { connection: pg, table: orders }");
        assertThat(PipelineRun.run(jdbc).summary().rowsOut()).isEqualTo(3);

        Path files = pipeline(conn, "files: { path: in, include: \"*.csv\", settle: 0s }");
        assertThatThrownBy(() -> PipelineRun.run(files))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("the ledger holds splits of source kind jdbc (the newest: orders@")
                .hasMessageContaining("this pipeline reads files");
        assertThat(count(dir, "true")).isEqualTo(3L);
    }
}
