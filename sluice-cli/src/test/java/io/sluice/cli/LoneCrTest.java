package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A carriage return (CR) inside a line, not followed by a line feed: DuckDB's reader takes it for a line end and gives
 * up on the file. The split fails at once (not retried as if the failure were passing), naming the file, the line and
 * what to do, and nothing is written; a CR inside a quoted csv field is part of its value, read as written.
 */
class LoneCrTest {
    @TempDir
    Path dir;

    private Workspace ws;

    @BeforeEach
    void workspace() throws Exception {
        ws = Workspace.in(dir);
    }

    private Path pipeline(String format) throws Exception {
        return ws.pipeline("""
                pipeline: cr
                source: { files: { path: in, format: %s } }
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 3, backoff: 100ms } }
                """.formatted(format));
    }

    private void failsOnceNaming(Path pipeline, String where) throws Exception {
        CliRun r = run(pipeline);
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all()).contains(where).contains("carriage return").contains("sluice retry");
        CliRun status = CliRun.sluice("status", pipeline.toString());
        assertThat(status.out())
                .as("dead at once, not retried: " + status)
                .contains("dead     1")
                .contains("attempts 1")
                .contains(where);
        assertThat(ws.outputFiles(".parquet")).as("nothing written").isEmpty();
    }

    @Test
    void aTextLineWithALoneCrFailsItsSplitOnceNamingTheFileAndLine() throws Exception {
        ws.input("a.log", "one\ntwo\rhalf\nthree\n");
        failsOnceNaming(pipeline("text"), "a.log line 2");
    }

    @Test
    void anUnquotedCsvFieldWithALoneCrFailsItsSplitOnceNamingTheFileAndLine() throws Exception {
        ws.input("u.csv", "id,name\n1,ok\n2,x\ry\n3,z\n");
        failsOnceNaming(pipeline("csv"), "u.csv line 3");
    }

    /** A file cut into byte ranges: the range with the CR fails once, named by its line in the file; the others are read. */
    @Test
    void aLoneCrInALargeFileFailsOnlyItsRangeNamingItsLineInTheFile() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 3000; i++) text.append("line ").append(i).append(i == 1234 ? "\rmore\n" : "\n");
        ws.input("big.log", text.toString());
        Path p = ws.pipeline("""
                pipeline: cr
                source: { files: { path: in, format: text, split_size: 4KB } }
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 3, backoff: 100ms } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all()).contains("big.log line 1234 holds a carriage return");
        CliRun status = CliRun.sluice("status", p.toString());
        assertThat(status.out()).as(status.toString()).contains("dead     1").contains("attempts 1");
        List<String> rows = ws.outputRows("line", "parquet");
        assertThat(rows)
                .as("the other ranges are read")
                .hasSizeGreaterThan(2500)
                .doesNotContain("line 1234");
    }

    @Test
    void aCrInsideAQuotedCsvFieldIsPartOfItsValue() throws Exception {
        ws.input("q.csv", "id,name\n1,\"x\ry\"\n2,z\n");
        CliRun r = run(pipeline("csv"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputRows("id, replace(name, chr(13), '<CR>'), length(name)", "parquet"))
                .containsExactlyInAnyOrder("1|x<CR>y|3", "2|z|1");
    }
}
