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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files whose lines end some in LF, some in CRLF (a log written by two programs, a file edited on two systems): every
 * line is read once, without its CR, whole or cut into byte ranges or tailed, by every way of reading lines; a bad line
 * is named at its line. DuckDB's reader alone fails the whole file, the same way at every attempt.
 */
@ExtendWith(WorkspaceExtension.class)
class MixedLineEndsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workspace ws;

    MixedLineEndsTest(Workspace ws) {
        this.ws = ws;
    }

    /** How each kind of read turns {@code c<i> <i> n<i>} into columns; the rows come out as consumer|amount|note. */
    private static String parse(String how) {
        return switch (how) {
            case "delimiter" ->
                "parse: { delimiter: ' ', columns: [consumer, amount, note], types: { amount: bigint } }";
            case "delimiter-exact" ->
                "parse: { delimiter: ' ', columns: [consumer, amount, note], types: { amount: 'decimal(10,0)' } }";
            case "regex" ->
                "parse: { regex: '^(?<consumer>\\S+) (?<amount>\\d+) (?<note>.*)$', types: { amount: bigint } }";
            default -> "";
        };
    }

    private static String select(String how) {
        return switch (how) {
            case "line" -> "line, length(line)";
            case "csv" -> "consumer, CAST(amount AS BIGINT), note, length(note)";
            default -> "consumer, CAST(amount AS BIGINT), note, length(note)";
        };
    }

    private static String line(int i, String how) {
        return how.equals("csv") ? "c" + (i % 4) + "," + i + ",n" + i : "c" + (i % 4) + " " + i + " n" + i;
    }

    private static String row(int i, String how) {
        String note = "n" + i;
        return how.equals("line")
                ? line(i, how) + "|" + line(i, how).length()
                : "c" + (i % 4) + "|" + i + "|" + note + "|" + note.length();
    }

    private Path pipeline(String how, String extra) throws Exception {
        String format = how.equals("csv") ? "csv" : "text";
        return ws.pipeline("""
                pipeline: mixed
                source:
                  files:
                    path: in
                    include: "**/*.log*"
                    format: %s
                    %s
                    %s
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 2, retries: { max: 3, backoff: 100ms } }
                """.formatted(format, how.equals("csv") ? "header: false" : parse(how), extra));
    }

    private List<String> rows(String how) throws Exception {
        String select = how.equals("csv") ? "column0, column1, column2, length(column2)" : select(how);
        return ws.outputRows(select, "parquet");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"line", "delimiter", "delimiter-exact", "regex", "csv"})
    void wholeFilesWithMixedLineEndsReadEveryLineOnceWithoutItsCr(String how) throws Exception {
        StringBuilder mixed = new StringBuilder();
        StringBuilder lastCrlf = new StringBuilder();
        StringBuilder gz = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            mixed.append(line(i, how)).append(i % 3 == 0 ? "\r\n" : "\n");
            expected.add(row(i, how));
        }
        for (int i = 100; i < 110; i++) {
            lastCrlf.append(line(i, how)).append(i == 109 ? "\r\n" : "\n");
            expected.add(row(i, how));
        }
        for (int i = 200; i < 210; i++) {
            gz.append(line(i, how)).append(i < 205 ? "\r\n" : "\n");
            expected.add(row(i, how));
        }
        ws.input("a.log", mixed.toString());
        ws.input("b.log", lastCrlf.toString());
        ws.input("c.log.gz", Workspace.gzip(gz.toString()));
        Path p = pipeline(how, "");

        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 80 in, 80 out");
        CliRun.assertSameRows(rows(how), expected);
    }

    /**
     * A large file cut into byte ranges, its line ends changing from line to line: every line once, and a bad line
     * named at its line of the file (not of its range).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"line", "delimiter", "regex"})
    void byteRangesAcrossMixedLineEndsStayExact(String how) throws Exception {
        StringBuilder text = new StringBuilder();
        List<String> expected = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        int badLine = 1234;
        for (int i = 1; i <= 3000; i++) {
            String eol = random.nextBoolean() ? "\r\n" : "\n";
            if (i == badLine && !how.equals("line")) {
                text.append("c1 notanumber x").append(eol);
                continue;
            }
            text.append(line(i, how)).append(eol);
            expected.add(row(i, how));
        }
        ws.input("big.log", text.toString());
        Path p = pipeline(how, "split_size: 4KB");

        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputFiles(".parquet").size()).as("cut into ranges").isGreaterThan(5);
        CliRun.assertSameRows(rows(how), expected);
        if (!how.equals("line")) {
            List<String> dead = ws.deadLetters();
            assertThat(dead).hasSize(1);
            JsonNode d = JSON.readTree(dead.getFirst());
            assertThat(d.get("file").asText()).isEqualTo("big.log");
            assertThat(d.get("line").asLong()).isEqualTo(badLine);
            assertThat(d.get("record").asText()).isEqualTo("c1 notanumber x");
        }
    }

    /** A tailed log growing by lines of both endings, a partial line among them: each line read once. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"delimiter", "regex"})
    void aTailedLogGrowingWithMixedLineEndsIsReadOnce(String how) throws Exception {
        List<String> expected = new ArrayList<>();
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            first.append(line(i, how)).append(i % 2 == 0 ? "\n" : "\r\n");
            expected.add(row(i, how));
        }
        Path log = ws.input("app.log", first.toString());
        Path p = pipeline(how, "tail: true\n    split_size: 256B");
        run(p).ok();
        CliRun.assertSameRows(rows(how), expected);

        StringBuilder more = new StringBuilder();
        for (int i = 40; i < 80; i++) {
            more.append(line(i, how)).append(i % 5 == 0 ? "\n" : "\r\n");
            expected.add(row(i, how));
        }
        more.append("c0 80 n8"); // unfinished: waits for its line end
        Files.writeString(log, more.toString(), StandardOpenOption.APPEND);
        run(p).ok();
        CliRun.assertSameRows(rows(how), expected);

        Files.writeString(log, "0\r\n" + line(81, how) + "\n", StandardOpenOption.APPEND);
        expected.add(row(80, how));
        expected.add(row(81, how));
        run(p).ok();
        CliRun.assertSameRows(rows(how), expected);
    }

    /**
     * A csv file with quotes whose line ends change cannot be evened out (a CRLF inside quotes is part of a value): its
     * split fails at once, not retried, naming the file, the line and what to do.
     */
    @org.junit.jupiter.api.Test
    void aQuotedCsvFileWithMixedLineEndsFailsOnceNamingTheFileAndLine() throws Exception {
        ws.input("q.log", "c0,1,\"a, b\"\r\nc1,2,n2\r\nc2,3,n3\nc3,4,n4\n");
        Path p = pipeline("csv", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all())
                .contains("q.log mixes line ends: lines 1-2 end in CRLF, line 3 in LF")
                .contains("dos2unix");
        CliRun status = CliRun.sluice("status", p.toString());
        assertThat(status.out())
                .as("dead at once, not retried")
                .contains("dead     1")
                .contains("attempts 1");
    }
}
