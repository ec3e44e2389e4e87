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
 * Under {@code on_bad_record: fail}, a bad record in one file of a pack holds back no other file: the pack is planned
 * again without that file, the good files are written once, and the bad file ends dead on its own, its error naming
 * its bad record. When every file holds one, the pack stays whole.
 */
class BadRecordPackMemberTest {
    @TempDir
    Path dir;

    private Workspace ws;
    private Path pipeline;

    @BeforeEach
    void setUp() throws Exception {
        ws = Workspace.in(dir);
        pipeline = ws.pipeline("""
                pipeline: packs
                source: { files: { path: in, include: "*.csv", pack: { max_files: 100 } } }
                steps:
                  - sql: SELECT id, v FROM input
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1, on_bad_record: fail, retries: { max: 1, backoff: 50ms } }
                """);
    }

    @Test
    void aBadRecordInOneFileOfAPackFailsThatFileAlone() throws Exception {
        ws.input("a.csv", "id,v\n1,10\n2,20\n");
        ws.input("b.csv", "id,v\n3,30\n4,40,extra\n5,50\n");
        ws.input("c.csv", "id,v\n6,60\n7,70\n");
        ws.input("d.csv", "id,v\n8,80\n");
        CliRun r = run(pipeline);

        assertThat(r.code()).as("the bad file is dead: %s", r).isEqualTo(1);
        List<String> expected = List.of("1|10", "2|20", "6|60", "7|70", "8|80");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), expected);
        assertThat(r.all())
                .contains("split pack:a.csv+3:")
                .contains("1 of 4 files hold bad records (b.csv: 1 bad record(s) and run.on_bad_record is fail")
                .contains("planned again as pack:a.csv+2:")
                .contains("(3 files) and b.csv alone");
        assertThat(r.out()).contains("1 split(s) planned again without their bad files");
        assertThat(splits(pipeline, "done")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).startsWith("pack:a.csv+2:");
            assertThat(s.get("members").asInt()).isEqualTo(3);
            assertThat(s.get("rows_out").asLong()).isEqualTo(5);
        });
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).isEqualTo("b.csv");
            assertThat(s.get("last_error").asText())
                    .contains("1 bad record(s) and run.on_bad_record is fail; the first: b.csv line 3: ")
                    .contains("not retried");
        });

        CliRun again = run(pipeline);
        assertThat(again.code()).as(again.toString()).isEqualTo(1);
        assertThat(again.out()).contains("0 split(s) done, 0 failed attempt(s)");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), expected);
    }

    @Test
    void aBadRecordInEveryFileLeavesThePackWhole() throws Exception {
        ws.input("a.csv", "id,v\n1,10,extra\n");
        ws.input("b.csv", "id,v\n2,20\n3,30,extra\n");
        ws.input("c.csv", "id,v\n4,40,extra\n");
        CliRun r = run(pipeline);

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.all()).doesNotContain("planned again as");
        assertThat(splits(pipeline, "done")).isEmpty();
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("members").asInt()).isEqualTo(3);
            assertThat(s.get("last_error").asText())
                    .contains("run.on_bad_record is fail")
                    .contains("all 3 files hold bad records (a.csv: ");
        });
        assertThat(ws.outputFiles("parquet")).isEmpty();
    }
}
