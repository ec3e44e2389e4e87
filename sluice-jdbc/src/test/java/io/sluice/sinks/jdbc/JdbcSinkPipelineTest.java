package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
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

    /** The done splits as {@code sluice status} shows them. */
    private List<SplitInfo> doneSplits(Path file) throws Exception {
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        try (Assembly a = Assembly.of(loader.load(file), loader.components(), Clock.systemUTC())) {
            return a.ledger().splits(EnumSet.of(SplitState.DONE), 100);
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

    /**
     * A csv file larger than {@code split_size} is cut into byte ranges, whose splits share the file's output key (one
     * version, disjoint ranges): each range's commit keeps the rows of the others, and a new version of the file
     * replaces the rows of every range of the old one.
     */
    @Test
    void theRangesOfALargeFileKeepEachOthersRowsOnPostgres() throws Exception {
        rangesKeepEachOther(new TestTarget(dir));
    }

    @Test
    void theRangesOfALargeFileKeepEachOthersRowsOnMariaDb() throws Exception {
        rangesKeepEachOther(TestTarget.mariaDb(dir));
    }

    private void rangesKeepEachOther(TestTarget target) throws Exception {
        input("big.csv", numbered(0, 400, "v1"));
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file,
                "pipeline: ranges\n"
                        + "source: { files: { path: in, split_size: 1KB } }\n"
                        + "sink:\n  jdbc: { connection: " + target.connection + ", table: " + target.schema
                        + ".lines }\n"
                        + "run: { parallelism: 2 }\n");

        RunSummary first = run(file);
        assertThat(first.splitsDone()).as("the file is cut into ranges").isGreaterThan(2);
        assertThat(target.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), min(v), max(v) FROM "
                        + target.schema + ".lines"))
                .as("every range's rows, once")
                .containsExactly("400|400|0|399|v1|v1");
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + "._sluice_commits"))
                .as("one commit record per range")
                .containsExactly(Long.toString(first.splitsDone()));

        input("big.csv", numbered(1000, 300, "v2"));
        Files.setLastModifiedTime(dir.resolve("in/big.csv"), FileTime.fromMillis(60_000)); // a new version
        RunSummary second = run(file);
        assertThat(second.splitsDone()).isGreaterThan(1);
        assertThat(target.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), min(v), max(v) FROM "
                        + target.schema + ".lines"))
                .as("the new version's ranges replace every range of the old one, and keep each other")
                .containsExactly("300|300|1000|1299|v2|v2");
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + "._sluice_commits"))
                .as("the old version's records went with its rows")
                .containsExactly(Long.toString(second.splitsDone()));
    }

    /** A csv of {@code n} rows numbered from {@code from}, each with the text {@code v}. */
    private static String numbered(int from, int n, String v) {
        StringBuilder csv = new StringBuilder("id,v\n");
        for (int i = from; i < from + n; i++)
            csv.append(i).append(',').append(v).append('\n');
        return csv.toString();
    }

    /**
     * The user's case: a row the database refuses (a NULL key) is a bad record of the run, of the split and of status,
     * not a row out; its dead letter names the input file. Two rows with one key in a split are both rows out (the
     * later one overwrote the earlier, as a later split's row would): in = out + bad.
     */
    @Test
    void refusedRowsCountAsBadNotOutOnPostgres() throws Exception {
        refusedRowsCountAsBad(new TestTarget(dir), "upsert", "dead_letter");
    }

    @Test
    void refusedRowsCountAsBadInAppendMode() throws Exception {
        refusedRowsCountAsBad(new TestTarget(dir), "append", "dead_letter");
    }

    @Test
    void refusedRowsCountAsBadInMergeMode() throws Exception {
        refusedRowsCountAsBad(new TestTarget(dir), "merge", "dead_letter");
    }

    @Test
    void skippedRefusedRowsCountAsBadToo() throws Exception {
        refusedRowsCountAsBad(new TestTarget(dir), "upsert", "skip");
    }

    @Test
    void refusedRowsCountAsBadOnMariaDb() throws Exception {
        refusedRowsCountAsBad(TestTarget.mariaDb(dir), "upsert", "dead_letter");
    }

    private void refusedRowsCountAsBad(TestTarget target, String mode, String onBadRecord) throws Exception {
        // append has no key to conflict on: a NOT NULL column refuses the row there as well
        target.sql("CREATE TABLE " + target.schema + ".people (id integer "
                + (mode.equals("append") ? "NOT NULL" : "PRIMARY KEY") + ", name varchar(10), amount integer)");
        input("a.csv", "id,name,amount\n1,a,10\n2,b,20\n2,b2,21\n,nokey,5\n");
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file,
                "pipeline: refused\n"
                        + "source: { files: { path: in } }\n"
                        + "sink:\n  jdbc: { connection: " + target.connection + ", table: " + target.schema
                        + ".people, mode: " + mode + (mode.equals("append") ? "" : ", keys: [id]") + " }\n"
                        + "run: { on_bad_record: " + onBadRecord + " }\n");

        RunSummary summary = run(file);

        assertThat(summary.splitsDone()).isEqualTo(1);
        assertThat(List.of(summary.rowsIn(), summary.rowsOut(), summary.rejected()))
                .as("rows in, out, bad of the run")
                .containsExactly(4L, 3L, 1L);
        SplitInfo split = doneSplits(file).getFirst();
        assertThat(List.of(split.rowsIn(), split.rowsOut(), split.rejected()))
                .as("the split's rows in, out, bad, as status shows them")
                .containsExactly(4L, 3L, 1L);
        assertThat(target.rows("SELECT id, name FROM " + target.schema + ".people ORDER BY id, name"))
                .containsExactlyElementsOf(
                        mode.equals("append") ? List.of("1|a", "2|b", "2|b2") : List.of("1|a", "2|b2"));
        List<String> dead =
                target.rows("SELECT split_id, file, line, reason FROM " + target.schema + "._sluice_dead_letter");
        if (onBadRecord.equals("skip")) {
            assertThat(dead).isEmpty();
        } else {
            assertThat(dead).singleElement().asString().startsWith("a.csv|a.csv|4|refused by the database");
        }
    }
}
