package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's version on every split: after a change of the steps or the sink's shape, `plan` and `status` say how
 * many done splits an earlier version made, and `run --rebuild-outdated` processes them again, their new output
 * replacing the old.
 */
class RebuildOutdatedTest {
    private static final String PIPELINE = """
            pipeline: shaped
            source: { files: { path: in, pack: { max_files: 1 } } }
            steps:
              - sql: SELECT id, region FROM input
            sink: { files: { path: out, format: csv } }
            """;

    @TempDir
    Path tmp;

    private Workspace ws;

    private List<String> writeInputs(int from, int files) throws Exception {
        List<String> rows = new ArrayList<>();
        for (int f = from; f < from + files; f++) {
            StringBuilder csv = new StringBuilder("id,region\n");
            for (int r = 0; r < 50; r++) {
                int id = f * 1000 + r;
                String region = r % 2 == 0 ? "eu" : "us";
                csv.append(id).append(',').append(region).append('\n');
                rows.add(id + "|" + region + "|" + id * 10);
            }
            ws.input("f" + f + ".csv", csv.toString());
        }
        return rows;
    }

    @Test
    void aChangedStepIsRebuiltAndTheOutputHoldsEveryRowOnceInTheNewShape() throws Exception {
        ws = Workspace.in(tmp);
        List<String> expected = writeInputs(0, 3);
        Path pipeline = ws.pipeline(PIPELINE);
        run(pipeline).ok();
        // written another way, the same pipeline: nothing is outdated
        ws.pipeline("""
                # the same steps and sink, reformatted
                sink:
                  files: { format: csv, path: out }
                steps:
                  - sql: |
                      SELECT id,
                             region
                      FROM input
                pipeline: shaped
                source:
                  files:
                    path: in
                    pack: { max_files: 1 }
                """);
        assertThat(sluice("status", pipeline.toString()).ok().out()).doesNotContain("earlier version");

        ws.pipeline(PIPELINE.replace("SELECT id, region", "SELECT id, region, id * 10 AS tenfold"));
        expected.addAll(writeInputs(3, 1));
        String outdated =
                "3 split(s) were made by an earlier version of the pipeline (its steps, sink or how the source reads changed): "
                        + "`sluice run " + pipeline + " --rebuild-outdated` processes them again";
        assertThat(sluice("plan", pipeline.toString()).ok().out())
                .contains(outdated)
                .contains("new      f3.csv");
        CliRun mixed = run(pipeline).ok();
        assertThat(mixed.out()).contains("1 split(s) done").contains(outdated);
        assertThat(ws.outputRows("id, region, tenfold", "csv"))
                .as("the new file only has the new column")
                .filteredOn(r -> !r.endsWith("|null"))
                .hasSize(50);
        assertThat(sluice("status", pipeline.toString()).ok().out()).contains(outdated);
        JsonNode status = CliRun.status(pipeline);
        String version = status.get("version").asText();
        assertThat(status.get("done_by_version").size()).isEqualTo(2);
        assertThat(status.get("done_by_version").get(version).asLong()).isEqualTo(1);

        CliRun rebuilt = run(pipeline, "--rebuild-outdated").ok();
        assertThat(rebuilt.all())
                .contains("3 split(s) made by an earlier version of the pipeline sent back to pending")
                .contains("3 split(s) done");
        assertThat(rebuilt.out()).doesNotContain("earlier version");
        CliRun.assertSameRows(ws.outputRows("id, region, tenfold", "csv"), expected);
        assertThat(sluice("status", pipeline.toString()).ok().out()).doesNotContain("earlier version");
        assertThat(sluice("plan", pipeline.toString()).ok().out()).doesNotContain("earlier version");
        status = CliRun.status(pipeline);
        assertThat(status.get("done_by_version").size()).isEqualTo(1);
        assertThat(status.get("done_by_version").get(version).asLong()).isEqualTo(4);
    }

    /** A new format and partitioning name the files otherwise: the rebuild removes the old ones, through the manifest. */
    @Test
    void aNewFormatAndPartitioningReplaceTheOldFiles() throws Exception {
        ws = Workspace.in(tmp);
        List<String> expected = writeInputs(0, 3).stream()
                .map(r -> r.substring(0, r.lastIndexOf('|')))
                .toList();
        Path pipeline = ws.pipeline(PIPELINE);
        run(pipeline).ok();
        assertThat(ws.outputFiles(".csv")).hasSize(3);

        ws.pipeline(PIPELINE.replace("format: csv", "format: parquet, partition_by: [region]"));
        assertThat(sluice("status", pipeline.toString()).ok().out())
                .contains("3 split(s) were made by an earlier version");
        run(pipeline, "--rebuild-outdated").ok();
        assertThat(ws.outputFiles(".csv"))
                .as("the csv files of the earlier version")
                .isEmpty();
        assertThat(ws.outputFiles(".parquet"))
                .hasSize(6)
                .allMatch(p -> p.getParent().getFileName().toString().startsWith("region="));
        CliRun.assertSameRows(ws.outputRows("id, region", "parquet"), expected);
    }

    /**
     * An aggregate's partials are compacted as they pile up; after a change of the measures some splits are outdated,
     * and a compaction then would fold current splits with outdated ones, whose rebuild would leave the file unusable
     * with the current splits' partials already deleted. The totals after a rebuild count every row once.
     */
    @Test
    void totalsAreExactAfterARebuildOfCompactedPartials() throws Exception {
        ws = Workspace.in(tmp);
        writeInputs(0, 4);
        String yaml = """
                pipeline: totals
                source: { files: { path: in, pack: { max_files: 1 }, on_change: ignore } }
                steps:
                  - aggregate: { group_by: [region], measures: { ids: sum(id) } }
                sink: { files: { path: out, format: csv } }
                """;
        Path pipeline = ws.pipeline(yaml);
        Path log = tmp.resolve("runs.log");
        runCompactingOften(pipeline, log);
        assertThat(Files.readString(log)).contains("partial results of 4 split(s) compacted");

        ws.pipeline(yaml.replace("{ ids: sum(id) }", "{ ids: sum(id), n: count(*) }"));
        writeInputs(4, 2);
        runCompactingOften(pipeline, log);
        runCompactingOften(pipeline, log, "--rebuild-outdated");
        List<String> expected = Workspace.query(
                "SELECT region, sum(id), count(*) FROM read_csv('" + ws.in() + "/*.csv') GROUP BY region");
        assertThat(ws.outputRows("region, ids, n", "csv")).as("log: %s", log).isEqualTo(expected);
    }

    private static void runCompactingOften(Path pipeline, Path log, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", pipeline.toString(), "--progress", "none"));
        args.addAll(List.of(more));
        Process p = ChildJvm.start(
                log, List.of("-Dsluice.compact.at=2"), "io.sluice.cli.Main", args.toArray(String[]::new));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("log: %s", log).isZero();
    }
}
