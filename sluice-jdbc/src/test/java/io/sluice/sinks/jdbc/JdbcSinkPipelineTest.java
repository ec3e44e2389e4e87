package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline file as a user writes it (files source of CSV, jdbc sink naming a connection of the connections.yaml
 * beside it), run by the local runner on the default ledger, into a real PostgreSQL.
 */
class JdbcSinkPipelineTest {
    @TempDir
    Path dir;

    private RunSummary run(Path file) throws Exception {
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(file);
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), "test", RunListener.NONE).run();
        }
    }

    private void input(String name, String csv) throws Exception {
        Path f = dir.resolve("in").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, csv);
        Files.setLastModifiedTime(f, FileTime.fromMillis(0)); // settled long ago
    }

    @Test
    void csvFilesLoadIntoATableOnceAndAChangedFileReplacesItsRows() throws Exception {
        loadOnceAndReplace(new TestTarget(dir)); // writes connections.yaml naming the server "pg"
    }

    /** The same on MariaDB: two splits at once create the table (DDL commits there: under a named lock). */
    @Test
    void theSameIntoMariaDb() throws Exception {
        loadOnceAndReplace(TestTarget.mariaDb(dir));
    }

    private void loadOnceAndReplace(TestTarget target) throws Exception {
        input("a.csv", "id,name,amount\n1,ann,10.5\n2,bob,20.25\n");
        input("b.csv", "id,name,amount\n3,cid,30.5\n4,,40.75\n");
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file,
                "pipeline: to-postgres\n"
                        + "source: { files: { path: in } }\n"
                        + "sink:\n  jdbc: { connection: " + target.connection + ", table: " + target.schema
                        + ".orders }\n"
                        + "run: { parallelism: 2 }\n");

        RunSummary first = run(file);
        assertThat(first.splitsDone()).isEqualTo(2);
        assertThat(target.rows("SELECT id, name, amount, " + target.writtenBy("o") + " FROM " + target.schema
                        + ".orders o ORDER BY id"))
                .containsExactly("1|ann|10.5|a.csv", "2|bob|20.25|a.csv", "3|cid|30.5|b.csv", "4|null|40.75|b.csv");
        assertThat(target.rows("SELECT * FROM " + target.schema + "._sluice_dead_letter"))
                .isEmpty();

        assertThat(run(file).splitsDone()).as("nothing new: nothing written").isZero();
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + ".orders"))
                .containsExactly("4");

        input("a.csv", "id,name,amount\n1,ann,11.5\n");
        Files.setLastModifiedTime(dir.resolve("in/a.csv"), FileTime.fromMillis(60_000)); // a new version
        assertThat(run(file).splitsDone()).isEqualTo(1);
        assertThat(target.rows("SELECT id, amount FROM " + target.schema + ".orders ORDER BY id"))
                .as("the new version of a.csv replaces its rows; b.csv's stay")
                .containsExactly("1|11.5", "3|30.5", "4|40.75");
    }
}
