package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One unreadable file in a pack of small files holds back no other file: the pack is planned again without it, every
 * good file is written once, and the bad file ends dead on its own, with its name and error.
 */
class UnreadablePackMemberTest {
    private static final int FILES = 10;
    private static final int ROWS = 30;

    @TempDir
    Path dir;

    private Workspace ws;
    private Path pipeline;

    @BeforeEach
    void setUp() throws Exception {
        ws = Workspace.in(dir);
        pipeline = ws.pipeline("""
                pipeline: packs
                source: { files: { path: in, include: "*.csv.gz", pack: { max_files: 100 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1, retries: { max: 1, backoff: 50ms } }
                """);
    }

    /** f00.csv.gz ... f09.csv.gz, one pack (one worker); the files named in {@code bad} are cut off in mid-stream. */
    private List<String> inputs(Set<Integer> bad) throws Exception {
        List<String> expected = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            StringBuilder csv = new StringBuilder("id,name,v\n");
            // a bad file is long enough that half of its gzip stream ends well inside its rows
            int rows = bad.contains(f) ? 3000 : ROWS;
            for (int i = 0; i < rows; i++) {
                int id = f * 10_000 + i;
                csv.append(id).append(",n").append(id).append(',').append(i).append('\n');
                if (!bad.contains(f)) expected.add(id + "|n" + id + "|" + i);
            }
            byte[] gz = Workspace.gzip(csv.toString());
            ws.input(name(f), bad.contains(f) ? Arrays.copyOf(gz, gz.length / 2) : gz);
        }
        expected.sort(null);
        return expected;
    }

    private static String name(int file) {
        return "f%02d.csv.gz".formatted(file);
    }

    private List<String> output() throws Exception {
        return ws.outputRows("id, name, v", "parquet");
    }

    private List<JsonNode> splits(String state) throws Exception {
        return CliRun.splits(pipeline, state);
    }

    @Test
    void aTruncatedGzipInAPackIsPlannedAloneAndEveryGoodFileIsWrittenOnce() throws Exception {
        List<String> expected = inputs(Set.of(4));
        CliRun r = run(pipeline);

        assertThat(r.code()).as("something is dead: %s", r).isEqualTo(1);
        CliRun.assertSameRows(output(), expected);
        assertThat(r.all())
                .contains("split pack:f00.csv.gz+9:")
                .contains("1 of 10 files unreadable (f04.csv.gz: ")
                .contains("planned again as pack:f00.csv.gz+8:")
                .contains("(9 files) and f04.csv.gz alone");
        assertThat(r.out()).contains("1 split(s) planned again without their bad files");

        // status: the 9 good files done in one pack, the bad one dead alone with its name and error
        assertThat(splits("done")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).startsWith("pack:f00.csv.gz+8:");
            assertThat(s.get("members").asInt()).isEqualTo(9);
            assertThat(s.get("rows_out").asLong()).isEqualTo(9L * ROWS);
        });
        assertThat(splits("dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).isEqualTo("f04.csv.gz");
            assertThat(s.get("members").asInt()).isEqualTo(1);
            assertThat(s.get("last_error").asText()).contains("f04.csv.gz").containsIgnoringCase("gzip");
        });

        // a second run has nothing more to do
        CliRun again = run(pipeline);
        assertThat(again.code()).as(again.toString()).isEqualTo(1);
        assertThat(again.out()).contains("0 split(s) done, 0 failed attempt(s)");
        CliRun.assertSameRows(output(), expected);
    }

    @Test
    void twoTruncatedGzipsInAPackEachEndDeadAloneAndTheRestIsWrittenOnce() throws Exception {
        List<String> expected = inputs(Set.of(0, 7));
        CliRun r = run(pipeline);

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        CliRun.assertSameRows(output(), expected);
        assertThat(r.all())
                .contains("2 of 10 files unreadable (f00.csv.gz: ")
                .contains("; f07.csv.gz: ")
                .contains("(8 files), f00.csv.gz alone and f07.csv.gz alone");
        assertThat(splits("done")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).startsWith("pack:f01.csv.gz+7:");
            assertThat(s.get("members").asInt()).isEqualTo(8);
        });
        assertThat(splits("dead")).extracting(s -> s.get("id").asText()).containsExactly("f00.csv.gz", "f07.csv.gz");
        assertThat(splits("dead"))
                .allSatisfy(s -> assertThat(s.get("last_error").asText())
                        .contains(s.get("id").asText())
                        .containsIgnoringCase("gzip"));

        CliRun again = run(pipeline);
        assertThat(again.out()).contains("0 split(s) done, 0 failed attempt(s)");
        CliRun.assertSameRows(output(), expected);
    }

    /**
     * After the division the new pack is a pack like any other: a changed file in it is read again with exactly the
     * pack's files, its new output replacing the old. The bad file, once fixed, is read alone.
     */
    @Test
    void laterVersionsOfTheDividedFilesReplaceTheirOutputs() throws Exception {
        List<String> expected = new ArrayList<>(inputs(Set.of(4)));
        assertThat(run(pipeline).code()).isEqualTo(1);

        // f02 is delivered again with other rows
        ws.input("f02.csv.gz", Workspace.gzip("id,name,v\n20000,changed,1\n20001,changed,2\n"));
        expected.removeIf(row -> Integer.parseInt(row.substring(0, row.indexOf('|'))) / 10_000 == 2);
        expected.addAll(List.of("20000|changed|1", "20001|changed|2"));
        // f04 is put right
        ws.input("f04.csv.gz", Workspace.gzip("id,name,v\n40000,fixed,0\n40001,fixed,1\n"));
        expected.addAll(List.of("40000|fixed|0", "40001|fixed|1"));
        expected.sort(null);

        CliRun r = run(pipeline).ok();
        assertThat(r.out())
                .as("the truncated version's dead split is replaced by the fixed one's")
                .contains("1 dead split(s) replaced");
        CliRun.assertSameRows(output(), expected);
        List<String> done =
                splits("done").stream().map(s -> s.get("id").asText()).toList();
        assertThat(done)
                .as("f02 read again with the 8 other files of its new pack; f04 alone")
                .anyMatch(id -> id.matches("pack:f00\\.csv\\.gz\\+8:[0-9a-f]{8}@[0-9a-f]{16}"))
                .anyMatch(id -> id.startsWith("f04.csv.gz@"));

        // the dead split of the truncated version is left as it is
        assertThat(CliRun.sluice("retry", pipeline.toString()).ok().out())
                .contains("0 split(s) sent back to pending")
                .contains("1 replaced split(s) left as they are");
        assertThat(run(pipeline).ok().out()).contains(": 0 split(s) done");
        CliRun.assertSameRows(output(), expected);
    }
}
