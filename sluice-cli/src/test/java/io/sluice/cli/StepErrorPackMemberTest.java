package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.splits;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value a step refuses in one file of a pack holds back no other file: the pack is planned again without that file,
 * the good files are written once, and the bad file ends dead on its own with the step's error. An error that needs
 * the files together leaves the pack whole.
 */
class StepErrorPackMemberTest {
    @TempDir
    Path dir;

    private Workspace ws;

    @BeforeEach
    void setUp() throws Exception {
        ws = Workspace.in(dir);
    }

    private Path pipeline(String step) throws Exception {
        return ws.pipeline("""
                pipeline: packs
                source: { files: { path: in, include: "*.csv", pack: { max_files: 100 } } }
                steps:
                  - sql: %s
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1, retries: { max: 1, backoff: 50ms } }
                """.formatted(step));
    }

    /** Runs the pipeline over a.csv, b.csv and c.csv, which its source packs in one split. */
    private CliRun runOver(Path pipeline, String a, String b, String c) throws Exception {
        ws.input("a.csv", a);
        ws.input("b.csv", b);
        ws.input("c.csv", c);
        return run(pipeline);
    }

    @Test
    void aValueACastRefusesInOneFileOfAPackFailsThatFileAlone() throws Exception {
        Path pipeline = pipeline("SELECT id, CAST(v AS INTEGER) AS v FROM input");
        CliRun r = runOver(pipeline, "id,v\n1,10\n2,20\n", "id,v\n3,30\n4,12.5 USD\n", "id,v\n5,50\n6,60\n");

        assertThat(r.code()).as("the bad file is dead: %s", r).isEqualTo(1);
        List<String> expected = List.of("1|10", "2|20", "5|50", "6|60");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), expected);
        assertThat(r.all())
                .contains("split pack:a.csv+2:")
                .contains("1 of 3 files fail the steps alone (b.csv: ")
                .contains("planned again as pack:a.csv+1:")
                .contains("(2 files) and b.csv alone");
        assertThat(r.out()).contains("1 split(s) planned again without their bad files");
        assertThat(splits(pipeline, "done")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).startsWith("pack:a.csv+1:");
            assertThat(s.get("members").asInt()).isEqualTo(2);
            assertThat(s.get("rows_out").asLong()).isEqualTo(4);
        });
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).isEqualTo("b.csv");
            assertThat(s.get("last_error").asText())
                    .contains("b.csv")
                    .contains("12.5 USD")
                    .contains("Conversion Error");
        });

        CliRun again = run(pipeline);
        assertThat(again.code()).as(again.toString()).isEqualTo(1);
        assertThat(again.out()).contains("0 split(s) done, 0 failed attempt(s)");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), expected);
    }

    @Test
    void anErrorThatNeedsTheFilesTogetherLeavesThePackWhole() throws Exception {
        // each file alone has 2 rows and converts; the 6 rows of the pack make the step cast 'x'
        Path pipeline = pipeline("SELECT id, CAST(CASE WHEN (SELECT count(*) FROM input) > 4 THEN 'x' "
                + "ELSE CAST(v AS VARCHAR) END AS INTEGER) AS v FROM input");
        CliRun r = runOver(pipeline, "id,v\n1,10\n2,20\n", "id,v\n3,30\n4,40\n", "id,v\n5,50\n6,60\n");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.all()).doesNotContain("planned again as");
        assertThat(splits(pipeline, "done")).isEmpty();
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).startsWith("pack:a.csv+2:");
            assertThat(s.get("members").asInt()).isEqualTo(3);
            assertThat(s.get("last_error").asText()).contains("Conversion Error");
        });
        assertThat(ws.outputFiles("parquet")).isEmpty();
    }

    @Test
    void aValueTheSinkRefusesInOneFileOfAPackFailsThatFileAlone() throws Exception {
        // the sink refuses a.csv's long partition value; b.csv, with no value of v, reads v as text alone (a number
        // in the pack), and `v + 1` does not bind: b.csv fails alone, but not by a value the sink refuses, and its
        // rows go with c.csv's
        Path pipeline = ws.pipeline("""
                pipeline: packs
                source: { files: { path: in, include: "*.csv", pack: { max_files: 100 } } }
                steps:
                  - sql: SELECT id, v + 1 AS v, p FROM input
                sink: { files: { path: out, format: parquet, partition_by: [p] } }
                run: { parallelism: 1, retries: { max: 1, backoff: 50ms } }
                """);
        CliRun r = runOver(
                pipeline,
                "id,v,p\n1,10,x\n2,20," + "y".repeat(300) + "\n",
                "id,v,p\n3,,x\n4,,x\n",
                "id,v,p\n5,50,x\n6,60,x\n");

        assertThat(r.code()).as("the bad file is dead: %s", r).isEqualTo(1);
        assertThat(r.all())
                .contains("1 of 3 files hold a value the sink refuses (a.csv: sink.files.partition_by: ")
                .contains("(2 files) and a.csv alone");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), List.of("3|null", "4|null", "5|51", "6|61"));
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).isEqualTo("a.csv");
            assertThat(s.get("last_error").asText()).contains("too long for a folder name");
        });
    }

    @Test
    void aFileThatFailsAloneOnlyByItsOwnColumnTypesStaysWithTheGoodFiles() throws Exception {
        // b.csv holds the refused value; c.csv, with no value of v, reads v as text alone (a number in the pack), and
        // `v + 1` does not bind over it alone: it is not what failed the pack, and its rows go with a.csv's
        Path pipeline = pipeline("SELECT id, v + 1 AS v, CAST(w AS INTEGER) AS w FROM input");
        CliRun r = runOver(
                pipeline, "id,v,w\n1,10,1\n2,20,2\n", "id,v,w\n3,30,3\n4,40,12.5 USD\n", "id,v,w\n5,,5\n6,,6\n");

        assertThat(r.code()).as("the bad file is dead: %s", r).isEqualTo(1);
        assertThat(r.all()).contains("1 of 3 files fail the steps alone (b.csv: ");
        CliRun.assertSameRows(
                ws.outputRows("id, v, w", "parquet"), List.of("1|11|1", "2|21|2", "5|null|5", "6|null|6"));
        assertThat(splits(pipeline, "dead"))
                .singleElement()
                .satisfies(s -> assertThat(s.get("id").asText()).isEqualTo("b.csv"));
    }
}
