package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A carriage return (CR) inside a line, not followed by a line feed: DuckDB's reader takes it for a line end and gives
 * up on the file. A text file (a log: progress bars, Windows tools) is read anyway, each LF- or CRLF-ended line one
 * record that keeps its CR bytes, whole, cut into byte ranges or tailed, with bad lines named at their line. A csv
 * file's split fails at once (not retried), naming the file, the line and what to do, and nothing is written; a CR
 * inside a quoted csv field is part of its value, read as written.
 */
@ExtendWith(WorkspaceExtension.class)
class LoneCrTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workspace ws;

    LoneCrTest(Workspace ws) {
        this.ws = ws;
    }

    private Path pipeline(String format) throws Exception {
        return pipeline(format, "");
    }

    private Path pipeline(String format, String extra) throws Exception {
        return ws.pipeline("""
                pipeline: cr
                source:
                  files:
                    path: in
                    format: %s
                    %s
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 3, backoff: 100ms } }
                """.formatted(format, extra));
    }

    /** The output's lines, each CR shown as {@code <CR>}, with their length in characters. */
    private List<String> lines() throws Exception {
        return ws.outputRows("replace(line, chr(13), '<CR>'), length(line)", "parquet");
    }

    /** The records of the dead letters, each shown by {@link #shown}. */
    private List<String> deadRecords() throws Exception {
        List<String> records = new java.util.ArrayList<>();
        for (String l : ws.deadLetters())
            records.add(shown(JSON.readTree(l).get("record").asText()));
        return records;
    }

    private static String shown(String line) {
        return line.replace("\r", "<CR>") + "|" + line.length();
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

    /**
     * LF, CRLF and gzipped logs, a CR ending one, and a file holding the byte 0x01 (which must stay itself): every line
     * once, its CRs kept.
     */
    @Test
    void textLinesWithLoneCrsAreReadWholeKeepingTheirCrs() throws Exception {
        ws.input("a.log", "one\ntwo\rhalf\nthree\n");
        ws.input("b.log", "10%\r50%\r100%\r\ndone\r\n");
        ws.input("c.log.gz", Workspace.gzip("x\ry\nlast\r"));
        ws.input("d.log", "\u0001ctl\u0002\n");
        CliRun r = run(pipeline("text"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 8 in, 8 out");
        CliRun.assertSameRows(
                lines(),
                List.of(
                        shown("one"),
                        shown("two\rhalf"),
                        shown("three"),
                        shown("10%\r50%\r100%"),
                        shown("done"),
                        shown("x\ry"),
                        shown("last\r"),
                        shown("\u0001ctl\u0002")));
    }

    /**
     * {@code sluice head} reads a split as a run does, line ends evened out: a log with a CR inside a line and mixed
     * LF/CRLF ends shows its lines (the CR kept), rather than DuckDB's error.
     */
    @Test
    void headShowsTheLinesOfALogWithALoneCrAndMixedLineEnds() throws Exception {
        ws.input("a.log", "one\r\ntwo\rhalf\nthree\n");
        Path p = ws.pipeline("""
                pipeline: cr
                source: { files: { path: in, format: text } }
                steps:
                  - sql: "SELECT replace(line, chr(13), '<CR>') AS shown FROM input"
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun head = CliRun.sluice("head", p.toString()).ok();
        assertThat(head.out().lines().skip(3).toList()).containsExactly("one", "two<CR>half", "three");
        assertThat(ws.out()).as("no output written").doesNotExist();
    }

    /**
     * {@code sluice validate} reads its sample as a split is read, line ends evened out: the steps over a csv file whose
     * lines end some in LF, some in CRLF (which DuckDB's sniffer gives up on) are checked, a wrong column refused at the
     * step's line, instead of the check being skipped.
     */
    @Test
    void validateChecksTheStepsOverACsvFileWithMixedLineEnds() throws Exception {
        ws.input("a.csv", "id,name\n1,a\n2,b\r\n3,c\r\n");
        String pipeline = """
                pipeline: cr
                source: { files: { path: in, format: csv } }
                steps:
                  - sql: "SELECT upper(COLUMN) AS shown FROM input"
                sink: { files: { path: out, format: parquet } }
                """;
        Path good = ws.pipeline("good.yaml", pipeline.replace("COLUMN", "name"));
        CliRun v = CliRun.sluice("validate", good.toString()).ok();
        assertThat(v.out()).contains("checked against a sample of the input: the sink receives shown");

        Path wrong = ws.pipeline("wrong.yaml", pipeline.replace("COLUMN", "nam"));
        v = CliRun.sluice("validate", wrong.toString());
        assertThat(v.code()).as(v.toString()).isEqualTo(2);
        assertThat(v.all()).contains("wrong.yaml:4").contains("nam");
        assertThat(ws.out()).as("no output written").doesNotExist();
    }

    @Test
    void anUnquotedCsvFieldWithALoneCrFailsItsSplitOnceNamingTheFileAndLine() throws Exception {
        ws.input("u.csv", "id,name\n1,ok\n2,x\ry\n3,z\n");
        failsOnceNaming(pipeline("csv"), "u.csv line 3");
    }

    /** A CR ending a csv file after LF line ends: the reader gives up on it too, so it is named like any other. */
    @Test
    void aCsvFileEndingInALoneCrFailsItsSplitOnceNamingTheLastLine() throws Exception {
        ws.input("e.csv", "id,name\n1,ok\n2,x\r");
        failsOnceNaming(pipeline("csv"), "e.csv line 3");
    }

    /**
     * Lines parsed into columns keep the CR in their values, and a bad line, with a CR or after one, is a dead letter
     * naming its line and holding its bytes.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"delimiter", "delimiter-exact", "regex"})
    void parsedLinesKeepTheirCrsAndBadOnesAreNamedAtTheirLine(String how) throws Exception {
        String parse = switch (how) {
            case "delimiter" -> "parse: { delimiter: ' ', columns: [who, n, note], types: { n: bigint } }";
            case "delimiter-exact" ->
                "parse: { delimiter: ' ', columns: [who, n, note], types: { n: 'decimal(10,0)' } }";
            default -> "parse: { regex: '^(?<who>\\S+) (?<n>\\d+) (?<note>.*)$', types: { n: bigint } }";
        };
        ws.input("p.log", "a 1 x\rX\nb 2 plain\nc three\rbad\nd 4 y\r\r\n"); // d: a CR, then CRLF
        CliRun r = run(pipeline("text", parse + "\n    "));
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(
                ws.outputRows("who, CAST(n AS BIGINT), replace(note, chr(13), '<CR>'), length(note)", "parquet"),
                List.of("a|1|x<CR>X|3", "b|2|plain|5", "d|4|y<CR>|2"));
        List<String> dead = ws.deadLetters();
        assertThat(dead).hasSize(1);
        JsonNode d = JSON.readTree(dead.getFirst());
        assertThat(d.get("file").asText()).isEqualTo("p.log");
        assertThat(d.get("line").asLong()).isEqualTo(3);
        assertThat(d.get("record").asText()).isEqualTo("c three\rbad");
    }

    /**
     * A bad line's dead letter holds the line's bytes as read, CRs at its ends included (only its line end, LF or CRLF,
     * is not part of it); a bad row of a csv file with CRLF line ends holds no CR.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"delimiter", "regex"})
    void aBadLinesDeadLetterKeepsTheCrsAtItsEnds(String how) throws Exception {
        String parse = how.equals("delimiter")
                ? "parse: { delimiter: ' ', columns: [who, n, note], types: { n: bigint } }"
                : "parse: { regex: '^(?<who>\\S+) (?<n>\\d+) (?<note>.*)$', types: { n: bigint } }";
        ws.input("p.log", "a 1 x\ne bad\r\r\n\rf bad\nb 2 y\n");
        CliRun r = run(pipeline("text", parse + "\n    "));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(deadRecords()).containsExactly("e bad<CR>|6", "<CR>f bad|6");
    }

    @Test
    void aBadRowOfACrlfCsvFileIsADeadLetterWithoutTheLineEndsCr() throws Exception {
        ws.input("c.csv", "a,b\r\n1,2\r\n3,4,5\r\n6,7\r\n");
        CliRun r = run(pipeline("csv"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(deadRecords()).containsExactly("3,4,5|5");
    }

    /**
     * A file cut into byte ranges: every line once, the CR kept, and a bad line after the CR named at its line in the
     * file (not in its range).
     */
    @Test
    void aLoneCrInALargeFileCutIntoRangesIsReadWithExactLines() throws Exception {
        StringBuilder text = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            String rest = i == 1234 ? "\rmore" : "";
            text.append(i == 1236 ? "bad" : "c" + i + " " + i + rest).append(i % 7 == 0 ? "\r\n" : "\n");
            if (i != 1236) expected.add("c" + i + "|" + i + "|" + rest.replace("\r", "<CR>"));
        }
        ws.input("big.log", text.toString());
        Path p = pipeline(
                "text",
                "split_size: 4KB\n    parse: { regex: '^(?<who>\\S+) (?<n>\\d+)(?<rest>.*)$', types: { n: bigint } }");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputFiles(".parquet").size()).as("cut into ranges").isGreaterThan(5);
        CliRun.assertSameRows(
                ws.outputRows("who, n, coalesce(replace(rest, chr(13), '<CR>'), '')", "parquet"), expected);
        List<String> dead = ws.deadLetters();
        assertThat(dead).hasSize(1);
        JsonNode d = JSON.readTree(dead.getFirst());
        assertThat(d.get("file").asText()).isEqualTo("big.log");
        assertThat(d.get("line").asLong()).isEqualTo(1236);
        assertThat(d.get("record").asText()).isEqualTo("bad");
    }

    /** A tailed log that a progress bar writes to: each line read once across runs, its CRs kept. */
    @Test
    void aTailedLogWithLoneCrsIsReadOnceAcrossRuns() throws Exception {
        List<String> expected = new ArrayList<>();
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String line = i % 3 == 0 ? "step " + i + " 0%\r50%\r100%" : "step " + i;
            first.append(line).append('\n');
            expected.add(shown(line));
        }
        Path log = ws.input("app.log", first.toString());
        Path p = pipeline("text", "tail: true\n    split_size: 256B");
        run(p).ok();
        CliRun.assertSameRows(lines(), expected);

        StringBuilder more = new StringBuilder();
        for (int i = 40; i < 80; i++) {
            String line = i % 4 == 0 ? "pull " + i + " 1/3\r2/3\r3/3" : "pull " + i;
            more.append(line).append(i % 5 == 0 ? "\r\n" : "\n");
            expected.add(shown(line));
        }
        more.append("pull 80 1/2\r"); // unfinished: waits for its line end
        Files.writeString(log, more.toString(), StandardOpenOption.APPEND);
        run(p).ok();
        CliRun.assertSameRows(lines(), expected);

        Files.writeString(log, "2/2\nend\n", StandardOpenOption.APPEND);
        expected.add(shown("pull 80 1/2\r2/2"));
        expected.add(shown("end"));
        run(p).ok();
        CliRun.assertSameRows(lines(), expected);
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
