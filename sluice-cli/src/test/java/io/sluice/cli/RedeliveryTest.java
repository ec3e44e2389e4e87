package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file delivered again with other content (AWS rewrites a month's cost reports while the month runs): with
 * {@code on_change: reprocess} its new version replaces the output of the earlier one, whether the file was read
 * alone, in a pack with other files, or cut into byte ranges, and an aggregate's totals count only the new version.
 * The output is read with DuckDB as a user would.
 */
class RedeliveryTest {
    private static final String[] REGIONS = {"eu", "us", "apac"};

    @TempDir
    Path dir;

    private Workspace ws;

    /** file name -> its rows as {@code id|region|amount}: what the output must hold, once each. */
    private final Map<String, List<String>> current = new TreeMap<>();

    private Path pipeline(String source, String steps, String sink) throws Exception {
        return ws.pipeline("""
                pipeline: redelivery
                source:
                  files:
                    path: in
                %s
                steps:
                %s
                sink:
                  files:
                    path: out
                    format: parquet
                %s
                run:
                  parallelism: 2
                  retries: { max: 0 }
                """.formatted(
                source.strip().indent(4), steps.strip().indent(2), sink.strip().indent(4)));
    }

    private static final String COPY = "- sql: SELECT id, region, CAST(amount AS BIGINT) AS amount FROM input";

    /** Writes (or rewrites) a csv file of {@code n} rows with ids from {@code firstId}; {@code version} changes the amounts. */
    private void deliver(String name, int firstId, int n, int version) throws Exception {
        deliver(name, firstId, n, version, REGIONS);
    }

    private void deliver(String name, int firstId, int n, int version, String[] regions) throws Exception {
        StringBuilder csv = new StringBuilder("id,region,amount\n");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = firstId + i;
            String region = regions[(id + version) % regions.length];
            long amount = id * 10L + version;
            csv.append(id).append(',').append(region).append(',').append(amount).append('\n');
            rows.add(id + "|" + region + "|" + amount);
        }
        ws.input(name, csv.toString());
        current.put(name, rows);
    }

    private List<String> expected() {
        return current.values().stream().flatMap(List::stream).sorted().toList();
    }

    /** The output as a plain DuckDB reader of the folder sees it (hive partitions when there are). */
    private List<String> readerSees(boolean partitioned) throws Exception {
        String glob = ws.out() + (partitioned ? "/*/*.parquet" : "/*.parquet");
        return Workspace.query("SELECT id, region, amount FROM read_parquet('" + glob + "'"
                + (partitioned ? ", hive_partitioning = true" : "") + ")");
    }

    private void assertOutputIsTheCurrentInput(boolean partitioned) throws Exception {
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), expected());
        CliRun.assertSameRows(readerSees(partitioned), expected());
    }

    private List<Path> sluiceFiles(String folder) throws Exception {
        Path f = ws.out().resolve("_sluice").resolve(folder);
        if (!Files.exists(f)) return List.of();
        try (Stream<Path> walk = Files.walk(f)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aChangedFileReadAloneReplacesItsOutput() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 3; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        Path p = pipeline("pack: { max_files: 1 }", COPY, "");
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);

        deliver("day-1.csv", 1000, 25, 2); // fewer rows, other amounts
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);

        deliver("day-1.csv", 1000, 60, 3); // and again
        CliRun third = run(p).ok();
        assertThat(third.out()).contains(": 1 split(s) done");
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);
        assertThat(sluiceFiles("manifests")).as("one manifest per output").hasSize(3);

        CliRun nothing = run(p);
        assertThat(nothing.out()).contains(": 0 split(s) done");
        assertOutputIsTheCurrentInput(false);
    }

    @Test
    void aChangedFileReplacesItsOutputInEveryPartition() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 3; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        Path p = pipeline("pack: { max_files: 1 }", COPY, "partition_by: [region]");
        run(p).ok();
        assertOutputIsTheCurrentInput(true);

        // the new version has rows of one region only: its files in the other partitions must go
        deliver("day-2.csv", 2000, 30, 2, new String[] {"eu"});
        run(p).ok();
        assertOutputIsTheCurrentInput(true);
        try (Stream<Path> apac = Files.list(ws.out().resolve("region=apac"))) {
            assertThat(apac.count()).as("day-0 and day-1 only").isEqualTo(2);
        }
    }

    @Test
    void aChangedFileOfAPackIsReadAgainWithItsPackAndReplacesThePacksOutput() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 6; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        Path p = pipeline("pack: { max_files: 3 }", COPY, "");
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).as("two packs of three files").hasSize(2);

        deliver("day-4.csv", 4000, 10, 2);
        deliver("day-9.csv", 9000, 7, 1); // a new file at the same time: its own split
        CliRun second = run(p).ok();
        assertThat(second.out()).contains(": 2 split(s) done");
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);

        deliver("day-3.csv", 3000, 50, 3);
        deliver("day-5.csv", 5000, 5, 3);
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);
    }

    @Test
    void aChangedFileCutIntoRangesReplacesEveryRangeOfItsEarlierVersion() throws Exception {
        ws = Workspace.in(dir);
        deliver("big.csv", 0, 2000, 1);
        deliver("small.csv", 100_000, 10, 1);
        Path p = pipeline("split_size: 4KB", COPY, "");
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        int ranges = ws.outputFiles(".parquet").size() - 1;
        assertThat(ranges).as("big.csv was cut").isGreaterThan(4);

        deliver("big.csv", 0, 1500, 2); // cut again, differently
        run(p).ok();
        assertOutputIsTheCurrentInput(false);

        deliver("big.csv", 0, 30, 3); // small now: read whole
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(2);
    }

    @Test
    void anAggregatesTotalsCountOnlyTheNewVersion() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 4; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        deliver("big.csv", 10_000, 1500, 1);
        // 1KB ranges: more than 16 splits, so partials would be compacted if a re-delivery could not replace them
        Path p = pipeline("split_size: 1KB\npack: { max_files: 2 }", """
                - aggregate:
                    group_by: [region]
                    measures: { lines: count(*), total: sum(amount) }
                """, "");
        run(p).ok();
        assertThat(totals()).isEqualTo(expectedTotals());
        assertThat(ws.out().resolve("_sluice/partials/compacted"))
                .as("partials of replaceable outputs are not compacted")
                .doesNotExist();

        deliver("day-1.csv", 1000, 15, 2); // in a pack
        deliver("big.csv", 10_000, 1200, 2); // cut into ranges
        run(p).ok();
        assertThat(totals()).isEqualTo(expectedTotals());

        deliver("day-2.csv", 2000, 90, 3);
        run(p).ok();
        assertThat(totals()).isEqualTo(expectedTotals());
        assertThat(ws.outputFiles(".parquet")).containsExactly(ws.out().resolve("totals.parquet"));
    }

    /**
     * A pipeline that ran with {@code on_change: ignore} compacted its partials (more than 16 splits); switched to
     * {@code reprocess}, a file delivered again is a new version whose partial supersedes the earlier one, folded in the
     * compacted file, which cannot give up its rows. The merge must not count the file twice (nor leave it out): it
     * refuses, the totals stay as they were, and after {@code sluice reset --yes} a run counts the new version once.
     */
    @Test
    void aFileDeliveredAgainAfterTheSwitchToReprocessIsNotCountedTwice() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 20; f++) deliver("day-" + f + ".csv", f * 1000, 10, 1);
        String aggregate = """
                - aggregate:
                    group_by: [region]
                    measures: { lines: count(*), total: sum(amount) }
                """;
        Path p = pipeline("on_change: ignore\npack: { max_files: 1 }", aggregate, "");
        run(p).ok();
        assertThat(sluiceFiles("partials/compacted"))
                .as("the 20 splits' partials were compacted")
                .isNotEmpty();
        assertThat(sluiceFiles("partials").stream()
                        .filter(f -> f.getFileName().toString().startsWith("part-")))
                .isEmpty();
        List<String> before = expectedTotals();
        assertThat(totals()).isEqualTo(before);

        pipeline("on_change: reprocess\npack: { max_files: 1 }", aggregate, "");
        deliver("day-3.csv", 3000, 7, 2); // fewer rows, other amounts and regions
        CliRun switched = run(p);
        assertThat(switched.code()).as(switched.toString()).isNotZero();
        assertThat(switched.err())
                .as(switched.toString())
                .contains("is a new version of the input of split")
                .contains("day-3.csv")
                .contains("count that input twice")
                .contains("sluice reset --yes")
                .doesNotContain("trying again");
        assertThat(totals()).as("the totals committed before stay").isEqualTo(before);

        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        run(p).ok();
        assertThat(totals()).isEqualTo(expectedTotals());
        deliver("day-4.csv", 4000, 12, 3); // and delivered again from then on: replaced, not compacted
        run(p).ok();
        assertThat(totals()).isEqualTo(expectedTotals());
    }

    private List<String> totals() throws Exception {
        return Workspace.query("SELECT region, lines, total FROM read_parquet('"
                + ws.out().resolve("totals.parquet") + "') ORDER BY region");
    }

    private List<String> expectedTotals() {
        Map<String, long[]> t = new TreeMap<>();
        for (String row : expected()) {
            String[] c = row.split("\\|");
            long[] v = t.computeIfAbsent(c[1], x -> new long[2]);
            v[0]++;
            v[1] += Long.parseLong(c[2]);
        }
        List<String> out = new ArrayList<>();
        t.forEach((region, v) -> out.add(region + "|" + v[0] + "|" + v[1]));
        return out;
    }

    @Test
    void withOnChangeIgnoreTheFirstVersionStays() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 3; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        Path p = pipeline("on_change: ignore\npack: { max_files: 2 }", COPY, "");
        run(p).ok();
        List<String> first = expected();

        deliver("day-1.csv", 1000, 25, 2);
        CliRun second = run(p).ok();
        assertThat(second.out()).contains(": 0 split(s) done").contains("1 input(s) skipped");
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), first);
    }

    /**
     * A pack that failed (a bad row) is fixed by delivering the file again: the pack's new version writes the
     * output, and the old split is replaced: the run exits 0, and retry leaves it dead (run, it would find its file
     * changed and commit nothing; the next test runs an old split with the new one).
     */
    @Test
    void anOlderVersionIsReplacedOnceTheNewerOneIsDone() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 4; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        ws.input("day-1.csv", "id,region,amount\n1000,eu,oops\n");
        Path p = pipeline("pack: { max_files: 2 }", COPY, "");
        CliRun failed = run(p);
        assertThat(failed.code()).as(failed.toString()).isNotZero();

        deliver("day-1.csv", 1000, 40, 2);
        CliRun fixed = run(p).ok();
        assertThat(fixed.out())
                .contains(": 1 split(s) done")
                .contains("1 dead split(s) replaced")
                .doesNotContain("split(s) dead:");
        assertOutputIsTheCurrentInput(false);

        assertThat(sluice("retry", p.toString()).ok().out())
                .contains("0 split(s) sent back to pending")
                .contains("1 replaced split(s) left as they are");
        CliRun after = run(p).ok();
        assertThat(after.out()).contains(": 0 split(s) done");
        assertOutputIsTheCurrentInput(false);
    }

    /** The same, but the old split is retried before the run that plans the new version: both run in one run. */
    @Test
    void anOlderVersionAndTheNewerOneInOneRunLeaveTheNewerOnly() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 4; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        ws.input("day-2.csv", "id,region,amount\n2000,eu,oops\n");
        Path p = pipeline("pack: { max_files: 2 }", COPY, "");
        assertThat(run(p).code()).isNotZero();

        deliver("day-2.csv", 2000, 33, 2);
        assertThat(sluice("retry", p.toString()).code()).isZero();
        CliRun both = run(p).ok();
        assertThat(both.out()).contains(": 2 split(s) done");
        assertOutputIsTheCurrentInput(false);
    }

    @Test
    void aResetAfterARedeliveryReadsEveryFileOnceAgain() throws Exception {
        ws = Workspace.in(dir);
        for (int f = 0; f < 3; f++) deliver("day-" + f + ".csv", f * 1000, 40, 1);
        Path p = pipeline("pack: { max_files: 1 }", COPY, "");
        run(p).ok();
        deliver("day-1.csv", 1000, 25, 2);
        run(p).ok();

        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        run(p).ok();
        assertOutputIsTheCurrentInput(false);
        assertThat(ws.outputFiles(".parquet")).hasSize(3);
    }
}
