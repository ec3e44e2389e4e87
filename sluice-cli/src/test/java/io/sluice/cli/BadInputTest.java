package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input of every kind a user meets: each gets a clear message (what, where, what to do), and no good row is
 * ever lost.
 */
@ExtendWith(WorkspaceExtension.class)
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workspace ws;

    BadInputTest(Workspace ws) {
        this.ws = ws;
    }

    private Path pipeline(String runExtra) throws Exception {
        return pipeline(runExtra, "");
    }

    private Path pipeline(String runExtra, String sourceExtra) throws Exception {
        return ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: in
                    include: "**/*.csv*"
                %ssink:
                  files:
                    path: out
                    format: parquet
                run:
                  parallelism: 2
                  retries: { max: 1, backoff: 100ms }
                %s""".formatted(sourceExtra, runExtra));
    }

    private static String goodRows(String prefix, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++)
            b.append(i)
                    .append(',')
                    .append(prefix)
                    .append(i)
                    .append(',')
                    .append(i * 10)
                    .append('\n');
        return b.toString();
    }

    private static List<String> expectedRows(String prefix, int from, int to) {
        List<String> rows = new ArrayList<>();
        for (int i = from; i < to; i++) rows.add(i + "|" + prefix + i + "|" + (i * 10));
        return rows;
    }

    private List<String> output() throws Exception {
        return ws.outputRows("id, name, v", "parquet");
    }

    private List<JsonNode> deadLetters() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : ws.deadLetters()) out.add(JSON.readTree(line));
        return out;
    }

    private static List<String> sorted(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(null);
        return all;
    }

    // ---- malformed rows ------------------------------------------------------------------------------

    /** good.csv: 20 rows; mixed.csv: 10 good rows with a row of too many columns on line 5 (header is line 1). */
    private void malformedInput() throws Exception {
        ws.input("good.csv", "id,name,v\n" + goodRows("g", 0, 20));
        ws.input(
                "mixed.csv",
                "id,name,v\n" + goodRows("m", 100, 103) + "999,broken,1,EXTRA,COLUMNS\n" + goodRows("m", 103, 110));
    }

    @Test
    void aMalformedCsvRowIsDeadLetteredWithFileLineAndReasonAndEveryGoodRowIsWritten() throws Exception {
        malformedInput();
        CliRun r = run(pipeline(""));
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(output(), sorted(expectedRows("g", 0, 20), expectedRows("m", 100, 110)));
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("mixed.csv");
            assertThat(d.get("line").asLong()).isEqualTo(5);
            assertThat(d.get("reason").asText()).containsIgnoringCase("too many columns");
            assertThat(d.get("record").asText()).contains("999,broken");
            assertThat(d.get("split").asText()).isNotBlank();
        });
        assertThat(r.out()).contains("1 bad").contains("_dead_letter");
    }

    /**
     * A step joining a lookup file (the guide's regions), a later one stopping early (a LIMIT: the records are counted
     * again, by the columns the sink's scans of the input read): the lookup's columns are not the input's, so the count
     * neither fails the split nor adds a reject; records in are the records out plus the bad one.
     */
    @Test
    void aLookupJoinWithALimitCountsTheBadRecordOnceAndFinishesTheSplit() throws Exception {
        ws.input("a.csv", "id,region,amount\n1,eu,10\n2,us,20,EXTRA\n3,us,30\n4,eu,40\n");
        Files.writeString(ws.dir().resolve("regions.csv"), "region,name\neu,Europe\nus,America\n");
        CliRun r = run(ws.pipeline("""
                pipeline: lookup
                source: { files: { path: in } }
                steps:
                  - sql: SELECT i.*, r.name AS region_name FROM input i JOIN read_csv('regions.csv') r USING (region)
                  - sql: SELECT * FROM input ORDER BY id LIMIT 10
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 4 in, 3 out, 1 bad");
        assertThat(ws.outputRows("id, region_name, amount", "parquet"))
                .containsExactlyInAnyOrder("1|Europe|10", "3|America|30", "4|Europe|40");
        assertThat(deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d.get("line").asLong()).isEqualTo(3));
    }

    /**
     * The count's read stores its rejects apart from the sink's read's: a lookup file whose columns the input has too
     * (region, note) is taken for a scan of the input, so the count reads the input's note, which no step reads; its
     * byte that is not UTF-8 must not make a record the sink wrote a dead letter too.
     */
    @Test
    @org.junit.jupiter.api.Disabled(
            "known gap: the count's scans store their rejects in the sink's read's tables (where "
                    + "the sink's read scans nothing, a step's WHERE false, they are the only rejects: storing them apart "
                    + "failed ReplayTest), so a lookup file whose columns the input has too makes the count read a column no "
                    + "step reads, and a record with a bad byte there is written and a dead letter; the fix: store them apart "
                    + "and adopt them when the sink's read made no rejects table")
    void aRecordOnlyTheCountRejectsIsWrittenAndNoDeadLetter() throws Exception {
        ws.input(
                "a.csv",
                "id,region,note,amount\n1,eu,ok,10\n2,us,caf\u00e9,20\n3,us,x,30\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
        Files.writeString(ws.dir().resolve("regions.csv"), "region,note\neu,Europe\nus,America\n");
        CliRun r = run(ws.pipeline("""
                pipeline: lookup
                source: { files: { path: in } }
                steps:
                  - sql: SELECT i.id, i.amount, r.note AS region_note FROM input i JOIN read_csv('regions.csv') r USING (region)
                  - sql: SELECT * FROM input ORDER BY id LIMIT 10
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputRows("id, region_note", "parquet"))
                .containsExactlyInAnyOrder("1|Europe", "2|America", "3|America");
        assertThat(ws.deadLetters()).isEmpty();
    }

    @Test
    void onBadRecordSkipDropsTheRowAndCountsIt() throws Exception {
        malformedInput();
        CliRun r = run(pipeline("  on_bad_record: skip\n"));
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(output(), sorted(expectedRows("g", 0, 20), expectedRows("m", 100, 110)));
        assertThat(ws.deadLetters()).isEmpty();
        assertThat(r.out()).contains("rows 31 in, 30 out, 1 bad").contains("skipped (on_bad_record: skip)");
    }

    /** The same bytes hold the same bad record at every attempt: retries (max 1 here) would only delay the news. */
    @Test
    void onBadRecordFailMakesTheSplitDeadAtOnceThenRetryWithTheFixedFileFinishesIt() throws Exception {
        malformedInput();
        Path p = pipeline("  on_bad_record: fail\n", "    pack: { max_files: 1 }\n");
        CliRun first = run(p);
        assertThat(first.code()).as(first.toString()).isEqualTo(1);
        assertThat(first.out())
                .contains("1 split(s) dead")
                .contains("sluice status")
                .contains("sluice retry");
        assertThat(first.err()).contains("dead:").contains("mixed.csv");
        CliRun.assertSameRows(output(), expectedRows("g", 0, 20));

        CliRun status = sluice("status", p.toString());
        assertThat(status.code()).isZero();
        assertThat(status.out())
                .contains("dead     1")
                .contains("done     1")
                .contains("mixed.csv")
                .contains("attempts 1")
                .contains("error:");
        JsonNode dead = deadSplit(p);
        assertThat(dead.get("attempts").asInt()).as("not retried").isEqualTo(1);
        assertThat(dead.get("last_error").asText())
                .contains("mixed.csv")
                .contains("mixed.csv line 5")
                .containsIgnoringCase("columns")
                .contains("fix the file")
                .contains("run.on_bad_record")
                .contains("not retried")
                .contains("sluice retry");

        // the user fixes the file, sends the split back, and runs again
        ws.input("mixed.csv", "id,name,v\n" + goodRows("m", 100, 110));
        CliRun retry = sluice("retry", p.toString());
        assertThat(retry.code()).isZero();
        assertThat(retry.out()).contains("1 split(s) sent back to pending");
        CliRun second = run(p);
        assertThat(second.code()).as(second.toString()).isZero();
        CliRun.assertSameRows(output(), sorted(expectedRows("g", 0, 20), expectedRows("m", 100, 110)));
        JsonNode status2 = CliRun.status(p);
        assertThat(status2.get("counts").get("dead").asLong()).isZero();
        assertThat(status2.get("counts").get("failed").asLong()).isZero();
    }

    @Test
    void aCheckASqlStepRaisesWithErrorMakesTheSplitDeadAtOnce() throws Exception {
        ws.input("a.csv", "id,amount\n1,5\n2,-3\n");
        Path p = ws.pipeline("check.yaml", """
                pipeline: check
                source: { files: { path: in } }
                steps:
                  - sql: |
                      SELECT id, CASE WHEN amount < 0 THEN error('negative amount in row ' || id) ELSE amount END AS amount
                      FROM input
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 3, backoff: 10ms } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode dead = deadSplit(p);
        assertThat(dead.get("attempts").asInt())
                .as("the same row fails at every attempt: not retried")
                .isEqualTo(1);
        assertThat(dead.get("last_error").asText()).contains("negative amount in row 2");
    }

    @Test
    void aPartitionValueTooLongForAFolderNameMakesTheSplitDeadAtOnceNamingTheOption() throws Exception {
        ws.input("a.csv", "k,v\n" + "z".repeat(300) + ",1\nok,2\n");
        Path p = ws.pipeline("long.yaml", """
                pipeline: long
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv, partition_by: [k] } }
                run: { retries: { max: 3, backoff: 10ms } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode dead = deadSplit(p);
        assertThat(dead.get("attempts").asInt())
                .as("the same value is too long at every attempt: not retried")
                .isEqualTo(1);
        assertThat(dead.get("last_error").asText())
                .contains("sink.files.partition_by: a value of k is too long for a folder name")
                .contains("md5(x)");
        assertThat(ws.out().resolve("k=ok"))
                .as("nothing of the split is committed")
                .doesNotExist();
    }

    private static JsonNode deadSplit(Path p) throws Exception {
        for (JsonNode s : CliRun.status(p).get("splits"))
            if (s.get("state").asText().equals("dead")) return s;
        throw new AssertionError("no dead split");
    }

    @Test
    void aMalformedRowInALaterByteRangeIsReportedAtItsLineInTheFile() throws Exception {
        StringBuilder csv = new StringBuilder("id,name,v\n");
        csv.append(goodRows("r", 0, 3000));
        csv.append("77777,broken,1,EXTRA\n"); // line 3002
        csv.append(goodRows("r", 3000, 3500));
        ws.input("big.csv", csv.toString());
        Path p = pipeline("", "    split_size: 16KB\n");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(CliRun.status(p).get("splits").size()).as("the file was cut").isGreaterThan(2);
        CliRun.assertSameRows(
                output(), expectedRows("r", 0, 3500).stream().sorted().toList());
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("big.csv");
            assertThat(d.get("line").asLong()).isEqualTo(3002);
            assertThat(d.get("record").asText()).contains("77777,broken");
        });
    }

    /**
     * DuckDB numbers records, not lines: after quoted fields that span lines, a bad row is still reported at the line
     * where it starts in the file (whole, gzipped, or cut into byte ranges; LF or CRLF line ends).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"whole, false, false", "gzipped, false, true", "ranges, false, false", "ranges crlf, true, false"})
    void aMalformedRowAfterQuotedLinesIsReportedAtItsLineInTheFile(String name, boolean crlf, boolean gz)
            throws Exception {
        String eol = crlf ? "\r\n" : "\n";
        StringBuilder csv = new StringBuilder("id,name,v" + eol);
        for (int i = 0; i < 2000; i++) {
            csv.append(i)
                    .append(',')
                    .append(i % 10 == 0 ? "\"two" + eol + "lines\"" : "n" + i)
                    .append(',')
                    .append(i);
            csv.append(eol);
            if (i == 1500) csv.append("77777,broken,1,EXTRA").append(eol);
        }
        String text = csv.toString();
        long line = text.substring(0, text.indexOf("77777"))
                        .chars()
                        .filter(c -> c == '\n')
                        .count()
                + 1;
        if (gz) ws.input("q.csv.gz", Workspace.gzip(text));
        else ws.input("q.csv", text);
        Path p = pipeline("", name.startsWith("ranges") ? "    split_size: 8KB\n" : "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        if (name.startsWith("ranges")) {
            assertThat(CliRun.status(p).get("splits").size())
                    .as("the file was cut")
                    .isGreaterThan(2);
        }
        assertThat(ws.outputRows("id", "parquet")).hasSize(2000);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo(gz ? "q.csv.gz" : "q.csv");
            assertThat(d.get("line").asLong())
                    .as("the line where the bad row starts")
                    .isEqualTo(line);
            assertThat(d.get("record").asText()).contains("77777,broken");
        });
    }

    @Test
    void aMalformedJsonLineIsDeadLetteredAndFailNamesItsLine() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            jsonl.append(
                            i == 6
                                    ? "{\"id\": 6, \"name\": \"j6\", \"v\": 60"
                                    : "{\"id\": " + i + ", \"name\": \"j" + i + "\", \"v\": " + i * 10 + "}")
                    .append('\n');
        }
        ws.input("events.jsonl", jsonl.toString());
        Path p = ws.pipeline(Files.readString(pipeline("")).replace("**/*.csv*", "**/*.jsonl"));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> expected = new ArrayList<>(expectedRows("j", 0, 6));
        expected.addAll(expectedRows("j", 7, 10));
        expected.sort(null);
        CliRun.assertSameRows(output(), expected);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("events.jsonl");
            assertThat(d.get("line").asLong()).isEqualTo(7);
            assertThat(d.get("record").asText()).contains("\"j6\"");
        });

        // the same file with on_bad_record: fail: the split is dead and its error names the file and line
        Path failing = ws.pipeline(
                "fail.yaml",
                Files.readString(p)
                                .replace("pipeline: bad", "pipeline: bad-fail")
                                .replace("path: out", "path: out-fail")
                        + "  on_bad_record: fail\n");
        CliRun f = run(failing);
        assertThat(f.code()).as(f.toString()).isEqualTo(1);
        assertThat(deadSplit(failing).get("last_error").asText())
                .contains("events.jsonl line 7")
                .contains("on_bad_record");
    }

    /**
     * A JSON lines file whose objects hold a field in two spellings alike but for their case, beside a line that is not
     * JSON: DuckDB's STRUCT keeps one spelling and reads the other's values as NULL, and with a bad line in the file the
     * check for such fields was not made. Both values reach the sink (the column as JSON) and the bad line is a bad
     * record, dead-lettered where bad records go.
     */
    @Test
    void fieldsAlikeButForTheirCaseBesideABadJsonLineKeepTheirValues() throws Exception {
        ws.input(
                "events.jsonl", "{\"id\": 1, \"s\": {\"amount\": 1}}\nnot json\n{\"id\": 2, \"s\": {\"Amount\": 5}}\n");
        Path p = ws.pipeline(Files.readString(pipeline("")).replace("**/*.csv*", "**/*.jsonl"));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputRows("id, s::VARCHAR", "parquet")).containsExactly("1|{\"amount\":1}", "2|{\"Amount\":5}");
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("events.jsonl");
            assertThat(d.get("line").asLong()).isEqualTo(2);
            assertThat(d.get("record").asText()).contains("not json");
        });
        assertThat(r.out()).contains("1 bad");
    }

    /**
     * Only the column holding fields alike but for their case reaches the sink as JSON text: a column of objects after
     * it reached it as JSON too (DuckDB names only the first such field), its STRUCT lost from the output's schema.
     */
    @Test
    void fieldsAlikeButForTheirCaseLeaveTheColumnsAfterThemTypedAtTheSink() throws Exception {
        ws.input(
                "events.jsonl",
                "{\"id\": 1, \"s\": {\"amount\": 1}, \"u\": {\"y\": 1}}\n"
                        + "{\"id\": 2, \"s\": {\"Amount\": 5}, \"u\": {\"y\": 2}}\n");
        Path p = ws.pipeline(Files.readString(pipeline("")).replace("**/*.csv*", "**/*.jsonl"));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputRows("id, s::VARCHAR, typeof(u), u.y", "parquet"))
                .containsExactly("1|{\"amount\":1}|STRUCT(y BIGINT)|1", "2|{\"Amount\":5}|STRUCT(y BIGINT)|2");
    }

    // ---- broken files --------------------------------------------------------------------------------

    @Test
    void aTruncatedGzipEndsDeadNamingTheFileAndNoGoodRowIsLost() throws Exception {
        ws.input("a.csv", "id,name,v\n" + goodRows("a", 0, 50));
        ws.input("b.csv.gz", Workspace.gzip("id,name,v\n" + goodRows("b", 100, 150)));
        byte[] whole = Workspace.gzip("id,name,v\n" + goodRows("t", 200, 2000));
        ws.input("c-truncated.csv.gz", java.util.Arrays.copyOf(whole, whole.length / 2));
        ws.input("d.csv", "id,name,v\n" + goodRows("d", 300, 350));
        ws.input("e.csv", "id,name,v\n" + goodRows("e", 400, 450));
        Path p = pipeline("");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        JsonNode dead = deadSplit(p);
        assertThat(dead.get("last_error").asText()).contains("c-truncated.csv.gz");
        assertThat(r.err()).contains("dead:").contains("c-truncated.csv.gz");

        // the truncated file's pack is planned again without it (UnreadablePackMemberTest): every other file is
        // written, each row once
        List<String> expected = new ArrayList<>();
        expected.addAll(expectedRows("a", 0, 50));
        expected.addAll(expectedRows("b", 100, 150));
        expected.addAll(expectedRows("d", 300, 350));
        expected.addAll(expectedRows("e", 400, 450));
        expected.sort(null);
        CliRun.assertSameRows(output(), expected);

        // the user puts a good copy in place and retries: every row of every file, exactly once
        ws.input("c-truncated.csv.gz", whole);
        assertThat(sluice("retry", p.toString()).code()).isZero();
        CliRun again = run(p);
        assertThat(again.code()).as(again.toString()).isZero();
        expected.addAll(expectedRows("t", 200, 2000));
        expected.sort(null);
        CliRun.assertSameRows(output(), expected);
    }

    /**
     * A damaged file reads the same at every attempt: its split is dead at the first one, and the error says the file
     * is damaged and what to do, not only DuckDB's words ("Unexpected end of GZIP stream").
     */
    @Test
    void aDamagedFileIsDeadAtOnceSayingItIsDamagedAndWhatToDo() throws Exception {
        ws.input("a.csv", "id,name,v\n" + goodRows("a", 0, 50));
        byte[] whole = Workspace.gzip("id,name,v\n" + goodRows("t", 200, 2000));
        ws.input("cut.csv.gz", java.util.Arrays.copyOf(whole, whole.length / 2));
        ws.input("plain.csv.gz", "id,name,v\n" + goodRows("p", 0, 5));
        Path p = pipeline("");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        List<JsonNode> dead = new ArrayList<>();
        for (JsonNode s : CliRun.status(p).get("splits"))
            if (s.get("state").asText().equals("dead")) dead.add(s);
        assertThat(dead).hasSize(2);
        for (JsonNode s : dead) {
            assertThat(s.get("attempts").asInt()).as(s.toString()).isEqualTo(1);
            assertThat(s.get("last_error").asText())
                    .as(s.toString())
                    .contains("is damaged or cut short")
                    .contains("replace it with a good copy")
                    .contains("`exclude`")
                    .contains("sluice retry");
        }
        CliRun.assertSameRows(output(), expectedRows("a", 0, 50));
    }

    @Test
    void aNonUtf8ByteIsDeadLetteredAndTheRestIsKept() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(("id,name,v\n" + goodRows("u", 0, 4)).getBytes(StandardCharsets.UTF_8));
        b.write("4,caf".getBytes(StandardCharsets.UTF_8));
        b.write(0xE9); // Latin-1 é: not UTF-8
        b.write(",40\n".getBytes(StandardCharsets.UTF_8));
        b.write(goodRows("u", 5, 10).getBytes(StandardCharsets.UTF_8));
        ws.input("latin1.csv", b.toByteArray());
        Path p = pipeline("");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> expected = new ArrayList<>(expectedRows("u", 0, 4));
        expected.addAll(expectedRows("u", 5, 10));
        expected.sort(null);
        CliRun.assertSameRows(output(), expected);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("latin1.csv");
            assertThat(d.get("line").asLong()).isEqualTo(6);
            assertThat(d.get("reason").asText()).containsIgnoringCase("unicode");
        });
    }

    // ---- bad pipelines -------------------------------------------------------------------------------

    @Test
    void aYamlSyntaxErrorExitsTwoWithFileLineAndColumn() throws Exception {
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: in
                    include: "**/*.csv
                sink:
                  files: { path: out }
                """);
        for (String command : List.of("run", "validate", "plan", "status")) {
            CliRun r = sluice(command, p.toString());
            assertThat(r.code()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err())
                    .contains("invalid pipeline")
                    .containsPattern(java.util.regex.Pattern.quote(p.toString()) + ":\\d+:\\d+: syntax error");
        }
        assertThat(Files.exists(ws.out())).as("nothing written").isFalse();
    }

    /** YAML reads `{ path: ${DATA} }` as a mapping inside the value: the error says to quote it. */
    @Test
    void anUnquotedVariableInBracesSaysToQuoteIt() throws Exception {
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files: { path: ${DATA_DIR}/in }
                sink:
                  files: { path: out }
                """);
        CliRun r = sluice("validate", p.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains(p + ":3:")
                .contains("syntax error")
                .contains("quote a value that starts with ${ inside { } or [ ]: \"${DATA_DIR}/in\"");
    }

    @Test
    void anUnknownKeyExitsTwoWithTheOptionPathAndWhatIsAllowed() throws Exception {
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: in
                sink:
                  files:
                    path: out
                    formt: csv
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .contains(p + ":8:5: sink.files.formt: unknown option (did you mean 'format'?)")
                .contains("allowed here: path, azure, gcs, s3, format, compression, partition_by");
        assertThat(sluice("validate", p.toString()).code()).isEqualTo(2);
    }

    /** A connections file written as `connections: { NAME: ... }`: the top level names the connections. */
    @Test
    void aConnectionsFileWrappedInAConnectionsKeySaysTheTopLevelNamesTheConnections() throws Exception {
        Path file = ws.dir().resolve("connections.yaml");
        Files.writeString(file, """
                connections:
                  warehouse: { url: "jdbc:postgresql://db:5432/dw", user: etl }
                """);
        CliRun r = sluice("connections", "list", "--connections", file.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains(file + ":1:1: connections: ")
                .contains("the top level of the connections file names the connections themselves")
                .contains("remove `connections:`")
                .contains("warehouse: { url: ")
                .doesNotContain("unknown option");
    }

    @Test
    void aTabUsedForIndentationSaysYamlIndentsWithSpaces() throws Exception {
        Path p = ws.pipeline("pipeline: bad\nsource:\n  files:\n\tpath: in\nsink:\n  files: { path: out }\n");
        CliRun r = sluice("validate", p.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains(p + ":4:1: a tab is used for indentation; YAML indents with spaces")
                .doesNotContain("found character");
    }

    @Test
    void aPipelinePathThatIsAFolderSaysSoAndListsTheYamlFilesInIt() throws Exception {
        Path p = pipeline("");
        Files.writeString(ws.dir().resolve("notes.txt"), "not a pipeline");
        for (String command : List.of("run", "validate", "status")) {
            CliRun r = sluice(command, ws.dir().toString());
            assertThat(r.code()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err())
                    .as(command + ": " + r)
                    .contains(ws.dir() + ": ")
                    .contains("is a folder; a pipeline is a .yaml file")
                    .contains("the .yaml files in it: " + p.getFileName())
                    .doesNotContain("notes.txt")
                    .doesNotContain("Is a directory");
        }
    }

    @Test
    void statusAndRetryOfAPipelineNeverRunSaySoAndCreateNoLedger() throws Exception {
        Path p = pipeline("");
        Path ledger = ws.dir().resolve(".sluice/bad.db");
        for (String command : List.of("status", "retry")) {
            CliRun r = sluice(command, p.toString());
            assertThat(r.code()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err())
                    .as(command + ": " + r)
                    .contains("pipeline bad was never run (no ledger at " + ledger + ")")
                    .contains("sluice run " + p);
            assertThat(r.out()).as(command + ": " + r).doesNotContain("pending");
        }
        assertThat(Files.exists(ledger)).as("no ledger was created").isFalse();
        assertThat(Files.exists(ws.dir().resolve(".sluice"))).isFalse();
    }

    @Test
    void anOptionValueOfTheWrongTypeNamesTheOptionAndWhatItTakes() throws Exception {
        Path p = pipeline("");
        CliRun r = sluice("run", p.toString(), "--parallelism", "x");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains("--parallelism")
                .contains("'x'")
                .contains("takes a whole number");
    }

    @Test
    void aMissingInputFolderExitsTwoNamingTheOptionAndTheFolder() throws Exception {
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: no/such/folder
                sink:
                  files:
                    path: out
                """);
        for (String command : List.of("run", "validate", "plan")) {
            CliRun r = sluice(command, p.toString());
            assertThat(r.code()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err())
                    .contains(p + ":4:11: source.files.path: ")
                    .contains(ws.dir().resolve("no/such/folder").toString())
                    .contains("does not exist");
        }
        // status needs only the ledger, not the source: it says no run made one
        assertThat(sluice("status", p.toString()).err())
                .contains("pipeline bad was never run")
                .doesNotContain("no/such/folder");
    }

    @Test
    void anUnwritableOutputFolderExitsBeforeAnythingRunsAndSaysTheSinkPathCannotBeWritten() throws Exception {
        // Tests run as root here, so a chmod'ed folder would not stop anything: use a path whose parent is a regular
        // file, which no user (root included) can create a folder in.
        ws.input("a.csv", "id,name,v\n" + goodRows("a", 0, 5));
        Files.writeString(ws.dir().resolve("blocker"), "a file, not a folder");
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: in
                sink:
                  files:
                    path: blocker/out
                """);
        for (CliRun r : List.of(run(p), sluice("validate", p.toString()))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains(p + ":7:11: sink.files.path: cannot write to "
                            + ws.dir().resolve("blocker/out"))
                    .contains("choose another path");
        }
        JsonNode status = CliRun.status(p);
        assertThat(status.get("counts").get("done").asLong())
                .as("nothing was processed")
                .isZero();
        assertThat(status.get("counts").get("dead").asLong()).isZero();
    }

    @Test
    void aReadOnlyFileSystemAsOutputIsRefusedToo() throws Exception {
        // /proc is read-only for root as well
        ws.input("a.csv", "id,name,v\n" + goodRows("a", 0, 5));
        Path p = ws.pipeline("""
                pipeline: bad
                source:
                  files:
                    path: in
                sink:
                  files:
                    path: /proc/sluice-test-out
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("sink.files.path").contains("cannot write").contains("/proc/sluice-test-out");
    }

    @Test
    void resetWithoutYesRefusesAndKeepsTheState() throws Exception {
        ws.input("a.csv", "id,name,v\n" + goodRows("a", 0, 5));
        Path p = pipeline("");
        assertThat(run(p).code()).isZero();
        CliRun r = sluice("reset", p.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--yes");
        assertThat(CliRun.status(p).get("counts").get("done").asLong()).isEqualTo(1);
        CliRun yes = sluice("reset", p.toString(), "--yes");
        assertThat(yes.code()).isZero();
        assertThat(CliRun.status(p).get("counts").get("done").asLong()).isZero();
    }

    @Test
    void anUnknownCommandLineOptionExitsTwo() throws Exception {
        Path p = pipeline("");
        CliRun r = sluice("run", p.toString(), "--paralellism", "2");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--paralellism");
    }
}
