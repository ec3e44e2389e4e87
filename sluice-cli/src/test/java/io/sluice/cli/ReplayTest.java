package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract rule 3, replay replaces: a split that runs again replaces its own output and never duplicates a row, and
 * what a crashed attempt left half-written is never seen by readers.
 */
class ReplayTest {
    private static final String[] REGIONS = {"eu", "us", "apac"};

    @TempDir
    Path dir;

    private Workspace ws;

    private Path pipeline(String sql, String sinkExtra) throws Exception {
        return ws.pipeline("""
                pipeline: replay
                source:
                  files:
                    path: in
                steps:
                  - sql: %s
                sink:
                  files:
                    path: out
                    format: parquet
                %srun:
                  parallelism: 2
                  retries: { max: 1, backoff: 100ms }
                """.formatted(sql, sinkExtra));
    }

    /** 6 files of 40 rows, each row with a region. */
    private List<String> inputs() throws Exception {
        ws = Workspace.in(dir);
        List<String> rows = new ArrayList<>();
        for (int f = 0; f < 6; f++) {
            StringBuilder csv = new StringBuilder("id,region,amount\n");
            for (int i = 0; i < 40; i++) {
                int id = f * 1000 + i;
                String region = REGIONS[(f + i) % REGIONS.length];
                csv.append(id)
                        .append(',')
                        .append(region)
                        .append(',')
                        .append(id * 3)
                        .append('\n');
                rows.add(id + "|" + region + "|" + id * 3);
            }
            ws.input("day-" + f + ".csv", csv.toString());
        }
        rows.sort(null);
        return rows;
    }

    private List<Path> allFiles(Path folder) throws Exception {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .map(folder::relativize)
                    .sorted()
                    .toList();
        }
    }

    private void resetAndRunAgain(Path p) {
        CliRun reset = sluice("reset", p.toString(), "--yes");
        assertThat(reset.code()).as(reset.toString()).isZero();
        CliRun again = run(p);
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("split(s) done");
    }

    @Test
    void aReplayedSplitReplacesItsFilesAndNeverDuplicatesRows() throws Exception {
        List<String> rows = inputs();
        Path p = pipeline("SELECT * FROM input", "");
        CliRun first = run(p);
        assertThat(first.code()).as(first.toString()).isZero();
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);
        List<Path> files = ws.outputFiles(".parquet");

        resetAndRunAgain(p);
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);
        assertThat(ws.outputFiles(".parquet")).as("the same files, replaced").isEqualTo(files);
        // a plain DuckDB reader of the folder sees every row once too
        CliRun.assertSameRows(
                Workspace.query("SELECT id, region, amount FROM read_parquet('" + ws.out() + "/*.parquet')"), rows);
    }

    @Test
    void aReplayedSplitWithPartitionByReplacesItsFilesInEveryPartition() throws Exception {
        List<String> rows = inputs();
        Path p = pipeline("SELECT * FROM input", "    partition_by: [region]\n");
        assertThat(run(p).code()).isZero();
        List<Path> files = ws.outputFiles(".parquet");
        assertThat(files)
                .allSatisfy(f ->
                        assertThat(ws.out().relativize(f).toString()).matches("region=(eu|us|apac)/part-.*\\.parquet"));
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);

        resetAndRunAgain(p);
        assertThat(ws.outputFiles(".parquet")).isEqualTo(files);
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);
        CliRun.assertSameRows(
                Workspace.query("SELECT id, region, amount FROM read_parquet('" + ws.out()
                        + "/*/*.parquet', hive_partitioning = true)"),
                rows);
    }

    @Test
    void aReplayThatWritesOtherPartitionsRemovesTheFilesItNoLongerProduces() throws Exception {
        List<String> rows = inputs();
        Path p = pipeline("SELECT * FROM input", "    partition_by: [region]\n");
        assertThat(run(p).code()).isZero();
        assertThat(Files.isDirectory(ws.out().resolve("region=eu"))).isTrue();

        // the same splits run again with a step that renames the regions: the old partitions' files must go
        pipeline("SELECT id, upper(region) AS region, amount FROM input", "    partition_by: [region]\n");
        resetAndRunAgain(p);
        List<String> upper = rows.stream()
                .map(r -> {
                    String[] c = r.split("\\|");
                    return c[0] + "|" + c[1].toUpperCase() + "|" + c[2];
                })
                .sorted()
                .toList();
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), upper);
        assertThat(ws.outputFiles(".parquet"))
                .allSatisfy(f -> assertThat(ws.out().relativize(f).toString())
                        .startsWith("region=")
                        .matches("region=(EU|US|APAC)/.*"));
    }

    @Test
    void aReplayThatProducesNoRowsRemovesItsEarlierFiles() throws Exception {
        inputs();
        Path p = pipeline("SELECT * FROM input", "");
        assertThat(run(p).code()).isZero();
        assertThat(ws.outputFiles(".parquet")).isNotEmpty();
        pipeline("SELECT * FROM input WHERE false", "");
        resetAndRunAgain(p);
        assertThat(ws.outputRows("id, region, amount", "parquet")).isEmpty();
        assertThat(ws.outputFiles(".parquet")).isEmpty();
    }

    @Test
    void aStagingFolderLeftByACrashedAttemptIsNotVisibleToReadersAndIsCleanedByTheReplay() throws Exception {
        List<String> rows = inputs();
        Path p = pipeline("SELECT * FROM input", "    partition_by: [region]\n");
        assertThat(run(p).code()).isZero();
        List<Path> files = ws.outputFiles(".parquet");

        // What a worker killed between writing its staging files and moving them into place leaves behind: a
        // staging folder per split, holding complete-looking files (here: copies of the committed ones).
        Path staging = ws.out().resolve("_sluice").resolve("staging");
        for (Path f : files) {
            String name = f.getFileName().toString();
            String split = name.substring(0, name.lastIndexOf('-')); // part-<hash of split id>
            Path leftover = staging.resolve(split + "-4242").resolve(ws.out().relativize(f));
            Files.createDirectories(leftover.getParent());
            Files.copy(f, leftover);
        }
        assertThat(allFiles(staging)).isNotEmpty();

        // readers that skip `_` folders (Spark, Hive, the hive-partition glob out/*/*.parquet) see each row once
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);
        CliRun.assertSameRows(
                Workspace.query("SELECT id, region, amount FROM read_parquet('" + ws.out()
                        + "/*/*.parquet', hive_partitioning = true)"),
                rows);

        // the splits run again (as they would after the crash): the leftovers are gone, every row is there once
        resetAndRunAgain(p);
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), rows);
        assertThat(ws.outputFiles(".parquet")).isEqualTo(files);
        assertThat(allFiles(staging))
                .as("no staging file outlives its split's replay")
                .isEmpty();
        // and now even a reader that globs every folder sees each row once
        CliRun.assertSameRows(
                Workspace.query("SELECT id, region, amount FROM read_parquet('" + ws.out()
                        + "/**/*.parquet', hive_partitioning = true)"),
                rows);
    }
}
