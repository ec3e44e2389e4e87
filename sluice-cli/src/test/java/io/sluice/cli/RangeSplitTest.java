package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A file larger than {@code split_size} is cut into byte ranges processed in parallel; the user must get exactly the
 * rows of the whole file, no more and no fewer, whatever the file holds (multi-byte characters, quoted newlines and
 * commas, CRLF, no newline at the end).
 */
class RangeSplitTest {
    /** A quote inside an unquoted field ({@code 55" screen}) is text, not the start of a quoted field. */
    private static final String[] NAMES = {
        "Zoë", "Ångström", "日本語テキスト", "emoji 🚀🌍", "Ωmega-Δelta", "plain", "Œuvre ß", "TV 55\" screen"
    };

    private static final int SPLIT_KB = 64;

    @TempDir
    Path dir;

    private Path pipeline(Workspace ws, String sinkFormat) throws Exception {
        return ws.pipeline("""
                pipeline: ranges
                source:
                  files:
                    path: in
                    split_size: %dKB
                sink:
                  files:
                    path: out
                    format: %s
                run:
                  parallelism: 4
                  retries: { max: 1, backoff: 100ms }
                """.formatted(SPLIT_KB, sinkFormat));
    }

    /** Runs the pipeline, checks it succeeded with no bad record, and that the file really was cut. */
    private void runAndCheckCut(Workspace ws, Path pipeline, String key) throws Exception {
        CliRun r = CliRun.run(pipeline);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.deadLetters()).as("no bad record in a well-formed file").isEmpty();
        JsonNode status = CliRun.status(pipeline);
        List<String> ids = new ArrayList<>();
        status.get("splits").forEach(s -> {
            assertThat(s.get("state").asText()).isEqualTo("done");
            ids.add(s.get("id").asText());
        });
        long size = Files.size(ws.in().resolve(key));
        assertThat(ids)
                .as("the file is cut into ranges")
                .hasSizeGreaterThanOrEqualTo((int) (size / (SPLIT_KB * 1024)))
                .allSatisfy(id -> assertThat(id).startsWith(key + "#"));
    }

    private static String csv(int rows, String eol, boolean trailingNewline, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder("id,name,note,amount").append(eol);
        for (int i = 0; i < rows; i++) {
            String name = NAMES[r.nextInt(NAMES.length)] + " " + i;
            String note = switch (r.nextInt(5)) {
                case 0 -> "\"first line" + eol + "second line, with a comma" + eol + "third \"\"quoted\"\" line\"";
                case 1 -> "\"a, b, c\"";
                case 2 -> "\"ends with newline" + eol + "\"";
                case 3 -> "ünquoted näïve text";
                default -> "\"" + "x".repeat(r.nextInt(200)) + "\"";
            };
            b.append(i)
                    .append(',')
                    .append(name)
                    .append(',')
                    .append(note)
                    .append(',')
                    .append(r.nextInt(100_000))
                    .append('.')
                    .append(String.format("%02d", r.nextInt(100)));
            if (i < rows - 1 || trailingNewline) b.append(eol);
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "lf, false, true",
        "crlf, true, true",
        "no trailing newline, false, false",
        "crlf no trailing newline, true, false"
    })
    void csvRangesGiveExactlyTheRowsOfTheWholeFile(String name, boolean crlf, boolean trailingNewline)
            throws Exception {
        Workspace ws = Workspace.in(dir);
        String text = csv(4000, crlf ? "\r\n" : "\n", trailingNewline, name.hashCode());
        Path file = ws.input("big.csv", text);
        assertThat(Files.size(file)).isGreaterThan(4L * SPLIT_KB * 1024);
        Path p = pipeline(ws, "parquet");
        runAndCheckCut(ws, p, "big.csv");

        // amount as a DOUBLE: DuckDB pushes a cast to VARCHAR into the CSV scan, which would compare raw text with
        // numbers
        String columns = "id, name, note, amount";
        List<String> whole = Workspace.query("SELECT " + columns + " FROM read_csv('" + file + "', header = true)");
        assertThat(whole).hasSize(4000);
        List<String> out = ws.outputRows(columns, "parquet");
        CliRun.assertSameRows(out, whole);
    }

    @Test
    void csvRangesToCsvOutputKeepEveryRow() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path file = ws.input("big.csv", csv(2500, "\n", true, 7));
        Path p = pipeline(ws, "csv");
        runAndCheckCut(ws, p, "big.csv");
        List<String> whole = Workspace.query("SELECT id, name, note FROM read_csv('" + file + "', header = true)");
        CliRun.assertSameRows(ws.outputRows("id, name, note", "csv"), whole);
    }

    @Test
    void jsonlRangesGiveExactlyTheRowsOfTheWholeFile() throws Exception {
        Workspace ws = Workspace.in(dir);
        Random r = new Random(3);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            String name = NAMES[r.nextInt(NAMES.length)] + " " + i;
            b.append("{\"id\": ")
                    .append(i)
                    .append(", \"name\": \"")
                    .append(name.replace("\"", "\\\""))
                    .append("\", \"note\": \"line one\\nline two, \\\"quoted\\\" ")
                    .append("y".repeat(r.nextInt(120)))
                    .append("\", \"amount\": ")
                    .append(r.nextInt(1000))
                    .append('.')
                    .append(r.nextInt(10))
                    .append('}');
            if (i < 2999) b.append('\n');
        }
        Path file = ws.input("big.jsonl", b.toString());
        Path p = pipeline(ws, "parquet");
        runAndCheckCut(ws, p, "big.jsonl");
        String columns = "id, name, note, amount";
        List<String> whole =
                Workspace.query("SELECT " + columns + " FROM read_json('" + file + "', format = 'newline_delimited')");
        assertThat(whole).hasSize(3000);
        CliRun.assertSameRows(ws.outputRows(columns, "parquet"), whole);
    }

    @Test
    void textRangesGiveExactlyTheLinesOfTheWholeFile() throws Exception {
        Workspace ws = Workspace.in(dir);
        Random r = new Random(5);
        StringBuilder b = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            String line = i + " " + NAMES[r.nextInt(NAMES.length)] + (i % 7 == 0 ? " an \"unbalanced quote" : "")
                    + ", a comma;\ta tab " + "z".repeat(r.nextInt(80));
            lines.add(line);
            b.append(line).append('\n');
        }
        Path file = ws.input("big.log", b.toString().getBytes(StandardCharsets.UTF_8));
        Path p = pipeline(ws, "parquet");
        runAndCheckCut(ws, p, "big.log");
        List<String> whole = Workspace.query("SELECT line FROM read_csv('" + file + "', columns = {'line': 'VARCHAR'}, "
                + "header = false, delim = E'\\x1F', quote = '', escape = '', auto_detect = false)");
        assertThat(whole).isEqualTo(lines.stream().sorted().toList());
        CliRun.assertSameRows(ws.outputRows("line", "parquet"), whole);
    }
}
