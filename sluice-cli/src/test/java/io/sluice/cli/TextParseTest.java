package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code format: text} with {@code parse}: lines become typed columns through a regex with named groups or a
 * delimiter with column names; every line that does not fit is a bad record at its file and line (also when the file
 * is cut into byte ranges), following {@code on_bad_record}; CRLF files parse like LF files; a parse block that
 * cannot work is refused before anything runs, at its line and option.
 */
@ExtendWith(WorkspaceExtension.class)
class TextParseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE_REGEX =
            "^(?<ts>\\S+ \\S+) (?<consumer>\\S+) (?<resource>\\S+) (?<amount>\\d+) (?<price>\\S+)$";

    private final Workspace ws;

    TextParseTest(Workspace ws) {
        this.ws = ws;
    }

    /** A pipeline reading {@code in/*.log} as text with the given parse block (indented under parse:). */
    private Path pipeline(String parse, String sourceExtra, String runExtra) throws Exception {
        return ws.pipeline(
                """
                pipeline: text
                source:
                  files:
                    path: in
                    include: "**/*.log"
                    format: text
                %s%ssink:
                  files: { path: out, format: parquet }
                run:
                  parallelism: 3
                  retries: { max: 1, backoff: 100ms }
                %s""".formatted(parse.isEmpty() ? "" : "    parse:\n" + parse.indent(6), sourceExtra, runExtra));
    }

    private Path usagePipeline(String sourceExtra, String runExtra) throws Exception {
        return pipeline("""
                regex: '%s'
                types: { ts: timestamp, amount: bigint, price: 'decimal(10,2)' }
                """.formatted(USAGE_REGEX), sourceExtra, runExtra);
    }

    private static String usageLine(int i, String eol) {
        return "2026-11-%02d %02d:%02d:00 c%d r%d %d %d.%02d%s"
                .formatted(1 + i % 28, i % 24, i % 60, i % 5, i % 3, i * 7, i, i % 100, eol);
    }

    private static String usageRow(int i) {
        return "2026-11-%02d %02d:%02d:00|c%d|r%d|%d|%d.%02d"
                .formatted(1 + i % 28, i % 24, i % 60, i % 5, i % 3, i * 7, i, i % 100);
    }

    private static final String USAGE_COLUMNS =
            "CAST(ts AS VARCHAR), consumer, resource, amount, CAST(price AS VARCHAR)";

    /** Column name to DuckDB type of the output files, in column order. */
    private Map<String, String> outputTypes() throws Exception {
        String files =
                ws.outputFiles(".parquet").stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ", "[", "]"));
        Map<String, String> types = new LinkedHashMap<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                var s = c.createStatement();
                var r = s.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + files + ")")) {
            while (r.next()) types.put(r.getString("column_name"), r.getString("column_type"));
        }
        return types;
    }

    private List<JsonNode> deadLetters() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : ws.deadLetters()) out.add(JSON.readTree(line));
        out.sort(java.util.Comparator.comparing((JsonNode d) -> d.get("file").asText())
                .thenComparing(d -> d.get("line").asLong()));
        return out;
    }

    /** file:line:reason-kind of each dead letter, in file and line order. */
    private List<String> deadLetterPlaces() throws Exception {
        return deadLetters().stream()
                .map(d -> d.get("file").asText() + ":" + d.get("line").asLong() + ":"
                        + d.get("reason").asText().replaceAll(":.*", ""))
                .toList();
    }

    // ---- good lines ------------------------------------------------------------------------------------

    @Test
    void aRegexWithNamedGroupsGivesOneTypedColumnPerGroup() throws Exception {
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            (i % 2 == 0 ? a : b).append(usageLine(i, "\n"));
            expected.add(usageRow(i));
        }
        ws.input("a.log", a.toString());
        ws.input("sub/b.log", b.toString());
        Path p = usagePipeline("", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 300 in, 300 out");
        assertThat(ws.deadLetters()).isEmpty();
        assertThat(outputTypes())
                .containsExactly(
                        Map.entry("ts", "TIMESTAMP"),
                        Map.entry("consumer", "VARCHAR"),
                        Map.entry("resource", "VARCHAR"),
                        Map.entry("amount", "BIGINT"),
                        Map.entry("price", "DECIMAL(10,2)"));
        CliRun.assertSameRows(
                ws.outputRows(USAGE_COLUMNS, "parquet"),
                expected.stream().sorted().toList());
        // typed values compute as numbers, not text: the sum of the decimals is exact
        assertThat(ws.outputRows("CAST(sum(price) AS VARCHAR), sum(amount)", "parquet"))
                .containsExactly(Workspace.query(
                                "SELECT CAST(sum(i + (i % 100) / 100.0) AS DECIMAL(18,2)), sum(i * 7) FROM range(300) t(i)")
                        .getFirst());
    }

    @Test
    void aRegexInRe2SyntaxWithOptionalGroupsGivesNullForAnEmptyGroup() throws Exception {
        ws.input("a.log", "GET /a 200\nPOST /b 201 note\nGET /c 404\n");
        Path p = pipeline("""
                regex: '^(?P<method>[A-Z]+) (?<path>/\\S*) (?<status>\\d{3})(?: (?<note>.*))?$'
                types: { status: int }
                """, "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(outputTypes()).containsEntry("status", "INTEGER").containsKeys("method", "path", "note");
        CliRun.assertSameRows(
                ws.outputRows("method, path, status, coalesce(note, '<null>')", "parquet"),
                List.of("GET|/a|200|<null>", "GET|/c|404|<null>", "POST|/b|201|note"));
    }

    @Test
    void theColumnsAreThoseOfTheMatchOfTheWholeLine() throws Exception {
        // unanchored, lazy and alternative: the first match of each would be shorter than the whole line
        ws.input("a.log", "a=b=c\nkey=\nxy\n");
        Path p = pipeline("regex: '(?<key>[a-z]*?)=(?<value>.*?)|(?<short>x)|(?<long>xy)'\n", "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.deadLetters()).isEmpty();
        CliRun.assertSameRows(
                ws.outputRows(
                        "coalesce(key, '-'), coalesce(value, '-'), coalesce(short, '-'), coalesce(long, '-')",
                        "parquet"),
                List.of("a|b=c|-|-", "key|-|-|-", "-|-|-|xy"));
    }

    @Test
    void aDelimiterWithColumnsSplitsEachLineIntoTheNamedFields() throws Exception {
        ws.input("a.log", "alice|cpu|12|0.50|true\nbob|mem|7|1.25|false\nzoë|日本|0|0.00|true\n");
        ws.input("b.log", "carol||3|2.00|false\n");
        Path p = pipeline("""
                delimiter: '|'
                columns: [consumer, resource, amount, price, billable]
                types: { amount: int, price: 'decimal(6,2)', billable: boolean }
                """, "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.deadLetters()).isEmpty();
        assertThat(outputTypes())
                .containsExactly(
                        Map.entry("consumer", "VARCHAR"),
                        Map.entry("resource", "VARCHAR"),
                        Map.entry("amount", "INTEGER"),
                        Map.entry("price", "DECIMAL(6,2)"),
                        Map.entry("billable", "BOOLEAN"));
        CliRun.assertSameRows(
                ws.outputRows(
                        "consumer, coalesce(resource, '<null>'), amount, CAST(price AS VARCHAR), billable", "parquet"),
                List.of(
                        "alice|cpu|12|0.50|true",
                        "bob|mem|7|1.25|false",
                        "carol|<null>|3|2.00|false",
                        "zoë|日本|0|0.00|true"));
    }

    @Test
    void plainTextWithoutParseGivesOneLineColumn() throws Exception {
        ws.input("a.log", "first line, with a comma\n\"quoted\" second\tline\nthird | pipe\n");
        Path p = pipeline("", "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(outputTypes()).containsExactly(Map.entry("line", "VARCHAR"));
        CliRun.assertSameRows(
                ws.outputRows("line", "parquet"),
                List.of("\"quoted\" second\tline", "first line, with a comma", "third | pipe"));
    }

    // ---- CRLF --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"regex", "delimiter"})
    void crlfLinesParseExactlyLikeLfLines(String how) throws Exception {
        String parse = how.equals("regex") ? """
                regex: '^(?<consumer>\\S+) (?<amount>\\d+) (?<note>.*)$'
                types: { amount: bigint }
                """ : """
                delimiter: ' '
                columns: [consumer, amount, note]
                types: { amount: bigint }
                """;
        StringBuilder lf = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lf.append("c")
                    .append(i % 4)
                    .append(' ')
                    .append(i)
                    .append(' ')
                    .append("n")
                    .append(i)
                    .append('\n');
            expected.add("c" + (i % 4) + "|" + i + "|n" + i + "|" + ("n" + i).length());
        }
        lf.append("not-a-number x y\n");
        ws.input("lf/a.log", lf.toString());
        ws.input("crlf/a.log", lf.toString().replace("\n", "\r\n"));
        expected.sort(null);

        for (String kind : List.of("lf", "crlf")) {
            Path p = ws.pipeline(
                    kind + ".yaml",
                    Files.readString(pipeline(parse, "", ""))
                            .replace("pipeline: text", "pipeline: " + kind)
                            .replace("path: in", "path: in/" + kind)
                            .replace("path: out", "path: out/" + kind));
            CliRun r = run(p);
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out()).as(kind).contains("rows 51 in, 50 out, 1 bad");
        }
        // the last column carries no trailing \r (its length is that of the text), and typed values convert
        List<String> lfRows = rowsUnder("out/lf", "consumer, amount, note, length(note)");
        List<String> crlfRows = rowsUnder("out/crlf", "consumer, amount, note, length(note)");
        CliRun.assertSameRows(lfRows, expected);
        CliRun.assertSameRows(crlfRows, expected);
        List<JsonNode> dead = deadLettersUnder("out/crlf");
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.get("file").asText()).isEqualTo("a.log");
            assertThat(d.get("line").asLong()).isEqualTo(51);
            assertThat(d.get("record").asText()).isEqualTo("not-a-number x y");
        });
    }

    private List<String> rowsUnder(String out, String select) throws Exception {
        List<Path> files;
        try (var walk = Files.walk(ws.dir().resolve(out))) {
            files = walk.filter(f -> f.toString().endsWith(".parquet")
                            && !ws.dir().resolve(out).relativize(f).toString().startsWith("_"))
                    .toList();
        }
        String list = files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(", ", "[", "]"));
        return Workspace.query("SELECT " + select + " FROM read_parquet(" + list + ")");
    }

    private List<JsonNode> deadLettersUnder(String out) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        try (var walk = Files.walk(ws.dir().resolve(out).resolve("_dead_letter"))) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(f)) nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    // ---- bad lines -----------------------------------------------------------------------------------

    /**
     * a.log and b.log with good lines and, at known lines: no match (a:3, b:5), a value that does not cast
     * (a:6 amount, b:2 timestamp, b:7 decimal). Blank lines are neither rows nor bad records.
     */
    private List<String> badUsageInput() throws Exception {
        List<String> good = new ArrayList<>();
        StringBuilder a = new StringBuilder();
        a.append(usageLine(1, "\n")).append(usageLine(2, "\n")); // 1, 2
        a.append("this is not a usage line\n"); // 3: no match
        a.append(usageLine(4, "\n")).append("\n"); // 4, 5 (blank)
        a.append("2026-11-01 10:00:00 c1 r1 99999999999999999999999 1.00\n"); // 6: amount overflows bigint
        a.append(usageLine(7, "\n")); // 7
        good.addAll(List.of(usageRow(1), usageRow(2), usageRow(4), usageRow(7)));
        StringBuilder b = new StringBuilder();
        b.append(usageLine(11, "\n")); // 1
        b.append("2026-13-45 25:00:00 c1 r1 5 1.00\n"); // 2: not a timestamp
        b.append(usageLine(13, "\n")).append(usageLine(14, "\n")); // 3, 4
        b.append("2026-11-01 10:00:00 c1 r1 five 1.00\n"); // 5: no match (\d+)
        b.append(usageLine(16, "\n")); // 6
        b.append("2026-11-01 10:00:00 c1 r1 5 123456789.00\n"); // 7: too wide for decimal(10,2)
        good.addAll(List.of(usageRow(11), usageRow(13), usageRow(14), usageRow(16)));
        ws.input("a.log", a.toString());
        ws.input("b.log", b.toString());
        good.sort(null);
        return good;
    }

    @Test
    void linesThatDoNotMatchOrDoNotCastAreDeadLetteredAtTheirFileAndLine() throws Exception {
        List<String> good = badUsageInput();
        CliRun r = run(usagePipeline("", ""));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 13 in, 8 out, 5 bad").contains("_dead_letter");
        CliRun.assertSameRows(ws.outputRows(USAGE_COLUMNS, "parquet"), good);
        assertThat(deadLetterPlaces())
                .containsExactly(
                        "a.log:3:NO MATCH", "a.log:6:CAST", "b.log:2:CAST", "b.log:5:NO MATCH", "b.log:7:CAST");
        assertThat(deadLetters()).allSatisfy(d -> {
            assertThat(d.get("split").asText()).isNotBlank();
            assertThat(d.get("reason").asText()).containsAnyOf("source.files.parse.regex", "source.files.parse.types");
        });
        assertThat(deadLetters().getFirst().get("record").asText()).isEqualTo("this is not a usage line");
    }

    /**
     * DuckDB's cast rounds 1.5 to the bigint 2 and 0.129 to the decimal(10,2) 0.13, and cuts nanoseconds and a date's
     * time of day: such a value is a bad line naming its column, not a changed value in the output.
     */
    @ParameterizedTest
    @ValueSource(strings = {"regex", "delimiter"})
    void aValueItsTypeWouldRoundOrCutIsABadLineNamingIt(String split) throws Exception {
        List<String> lines = List.of(
                "a|1|0.12|2026-03-29T02:30:00.123456|2026-03-29",
                "b|1.5|0.12|2026-03-29T02:30:00|2026-03-29",
                "c|2|0.129|2026-03-29T02:30:00|2026-03-29",
                "d|3|0.1|2026-03-29T02:30:00.123456789|2026-03-29",
                "e|4|0.1|2026-03-29T02:30:00|2026-03-29 10:00",
                "f|5.0|1.50|2026-03-29T02:30:00.1230000|2026-03-29 00:00:00");
        ws.input("a.log", String.join("\n", lines) + "\n");
        String parse = split.equals("regex")
                ? "regex: '^(?<k>[^|]+)[|](?<n>[^|]+)[|](?<d>[^|]+)[|](?<ts>[^|]+)[|](?<day>[^|]+)$'"
                : "delimiter: '|'\ncolumns: [k, n, d, ts, day]";
        Path p = pipeline(parse + "\ntypes: { n: bigint, d: 'decimal(10,2)', ts: timestamp, day: date }\n", "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(
                ws.outputRows("k, n, d::VARCHAR, ts::VARCHAR, day::VARCHAR", "parquet"),
                List.of(
                        "a|1|0.12|2026-03-29 02:30:00.123456|2026-03-29",
                        "f|5|1.50|2026-03-29 02:30:00.123|2026-03-29"));
        String reason = "CAST: a value does not convert exactly to its type in source.files.parse.types: ";
        assertThat(deadLetters().stream()
                        .map(d -> d.get("line").asInt() + " " + d.get("reason").asText()))
                .containsExactly(
                        "2 " + reason + "n 1.5 as bigint",
                        "3 " + reason + "d 0.129 as decimal(10,2)",
                        "4 " + reason + "ts 2026-03-29T02:30:00.123456789 as timestamp",
                        "5 " + reason + "day 2026-03-29 10:00 as date");
    }

    @Test
    void aWrongNumberOfDelimitedFieldsOrAValueThatDoesNotCastIsDeadLettered() throws Exception {
        ws.input("a.log", "alice,cpu,1\nbob,mem\ncarol,cpu,2,extra,more,most\ndave,disk,x\nerin,net,5\n");
        Path p = pipeline("""
                delimiter: ','
                columns: [consumer, resource, amount]
                types: { amount: int }
                """, "", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(
                ws.outputRows("consumer, resource, amount", "parquet"), List.of("alice|cpu|1", "erin|net|5"));
        assertThat(deadLetterPlaces())
                .containsExactly("a.log:2:MISSING COLUMNS", "a.log:3:TOO MANY COLUMNS", "a.log:4:CAST");
        assertThat(deadLetters().get(0).get("reason").asText())
                .isEqualTo("MISSING COLUMNS: expected 3 fields, found 2");
        assertThat(deadLetters().get(1).get("reason").asText())
                .as("one reason for the line, not one per extra field")
                .isEqualTo("TOO MANY COLUMNS: expected 3 fields, found 6");
        assertThat(deadLetters().get(2).get("record").asText()).isEqualTo("dave,disk,x");
    }

    @Test
    void onBadRecordSkipDropsBadLinesAndCountsThem() throws Exception {
        List<String> good = badUsageInput();
        CliRun r = run(usagePipeline("", "  on_bad_record: skip\n"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 13 in, 8 out, 5 bad");
        CliRun.assertSameRows(ws.outputRows(USAGE_COLUMNS, "parquet"), good);
        assertThat(ws.deadLetters()).isEmpty();
    }

    @Test
    void aFailedTailedSplitNamesItsLogsByFileNotByIdentity() throws Exception {
        for (String name : List.of("a.log", "b.log")) {
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < 10; i++)
                log.append(usageLine(name.charAt(0) * 100 + i, "\n")); // past the 256-byte identity
            ws.input(name, log.append("this is not a usage line\n").toString());
        }
        Path p = usagePipeline("    tail: true\n", "  on_bad_record: fail\n");
        Files.writeString(p, Files.readString(p).replace("max: 1,", "max: 0,"));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        List<String> errors = new ArrayList<>();
        for (JsonNode s : CliRun.status(p).get("splits")) {
            if (s.get("state").asText().equals("dead"))
                errors.add(s.get("last_error").asText());
        }
        assertThat(errors)
                .as(r.toString())
                .singleElement()
                .asString()
                .containsPattern("\\(2 logs from [ab]\\.log\\)")
                .doesNotContain("log from");
    }

    @Test
    void onBadRecordFailMakesTheSplitDeadWithTheFirstBadLine() throws Exception {
        badUsageInput();
        ws.input("c.log", usageLine(21, "\n") + usageLine(22, "\n"));
        Path p = usagePipeline("    pack: { max_files: 1 }\n", "  on_bad_record: fail\n");
        Files.writeString(p, Files.readString(p).replace("max: 1,", "max: 0,"));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        // only the clean file's lines are written
        CliRun.assertSameRows(ws.outputRows(USAGE_COLUMNS, "parquet"), List.of(usageRow(21), usageRow(22)));
        Map<String, String> errors = new LinkedHashMap<>();
        for (JsonNode s : CliRun.status(p).get("splits")) {
            if (s.get("state").asText().equals("dead"))
                errors.put(s.get("id").asText(), s.get("last_error").asText());
        }
        assertThat(errors).containsOnlyKeys("a.log", "b.log");
        assertThat(errors.get("a.log"))
                .contains("2 bad record(s)")
                .contains("a.log line 3")
                .contains("on_bad_record");
        assertThat(errors.get("b.log")).contains("3 bad record(s)").contains("b.log line 2");
    }

    @Test
    void badLinesInByteRangesAreReportedAtTheirLineInTheWholeFile() throws Exception {
        StringBuilder text = new StringBuilder();
        List<String> good = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int line = 1; line <= 6000; line++) {
            if (line % 997 == 0) {
                text.append("broken line ").append(line).append('\n');
                bad.add("big.log:" + line + ":NO MATCH");
            } else if (line % 1499 == 0) {
                text.append("2026-11-01 10:00:00 zoë 日本 12x 1.00\n"
                        .replace("12x", "1" + "0".repeat(25))); // overflows bigint
                bad.add("big.log:" + line + ":CAST");
            } else {
                text.append(usageLine(line, "\n"));
                good.add(usageRow(line));
            }
        }
        ws.input("big.log", text.toString());
        Path p = usagePipeline("    split_size: 16KB\n", "");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode splits = CliRun.status(p).get("splits");
        assertThat(splits.size()).as("the file was cut into ranges").isGreaterThan(5);
        assertThat(splits.get(0).get("id").asText()).startsWith("big.log#");
        CliRun.assertSameRows(
                ws.outputRows(USAGE_COLUMNS, "parquet"), good.stream().sorted().toList());
        bad.sort(java.util.Comparator.comparingInt(s -> Integer.parseInt(s.split(":")[1])));
        assertThat(deadLetterPlaces()).containsExactlyElementsOf(bad);
        for (JsonNode d : deadLetters()) {
            long line = d.get("line").asLong();
            assertThat(d.get("record").asText())
                    .as("line %d", line)
                    .isEqualTo(text.toString().split("\n")[(int) line - 1]);
        }
    }

    // ---- config errors -----------------------------------------------------------------------------

    /** Validates and runs the pipeline: both refuse it with exit 2 and the message. */
    private void assertInvalid(Path p, String... expected) {
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains(expected);
        }
        assertThat(ws.out()).doesNotExist();
    }

    @Test
    void aRegexWithAnUnnamedCapturingGroupIsRefusedAtItsLine() throws Exception {
        ws.input("a.log", "x 1\n");
        Path p = pipeline("regex: '^(\\S+) (?<n>\\d+)$'\n", "", "");
        assertThat(Files.readAllLines(p).get(7)).contains("regex:");
        assertInvalid(p, p + ":8:", "source.files.parse.regex", "every capturing group must be named", "(?:...)");
    }

    @Test
    void regexAndDelimiterTogetherAreRefused() throws Exception {
        ws.input("a.log", "x 1\n");
        Path p = pipeline("regex: '^(?<n>\\d+)$'\ndelimiter: ','\ncolumns: [n]\n", "", "");
        assertInvalid(p, p + ":8:", "source.files.parse.regex", "either regex or delimiter");
    }

    @Test
    void aTypeForAColumnThatTheParseDoesNotHaveIsRefused() throws Exception {
        ws.input("a.log", "x 1\n");
        Path p = pipeline("regex: '^(?<name>\\S+) (?<n>\\d+)$'\ntypes: { n: int, amount: bigint }\n", "", "");
        assertThat(Files.readAllLines(p).get(8)).contains("types:");
        assertInvalid(p, p + ":9:", "source.files.parse.types", "'amount' is not a column", "[name, n]");

        Path d = pipeline("delimiter: ','\ncolumns: [a, b]\ntypes: { c: int }\n", "", "");
        assertInvalid(d, d + ":10:", "source.files.parse.types", "'c' is not a column", "[a, b]");
    }

    @Test
    void anInvalidRegexOrADelimiterWithoutColumnsIsRefused() throws Exception {
        ws.input("a.log", "x 1\n");
        Path p = pipeline("regex: '^(?<n>\\d+'\n", "", "");
        assertInvalid(p, p + ":8:", "source.files.parse.regex", "not a valid regular expression");
        // valid in Java, not in RE2 (the engine's syntax): refused before the run, not a dead split
        Path lookahead = pipeline("regex: '^(?<n>\\d+)(?= )(?<rest>.*)$'\n", "", "");
        assertInvalid(lookahead, lookahead + ":8:", "source.files.parse.regex", "RE2", "(?=");
        Path d = pipeline("delimiter: ','\n", "", "");
        assertInvalid(d, d + ":8:", "source.files.parse.columns", "column names");
    }

    @Test
    void aTypeTheEngineDoesNotKnowIsRefused() throws Exception {
        ws.input("a.log", "x 1\n");
        Path p = pipeline("regex: '^(?<name>\\S+) (?<n>\\d+)$'\ntypes: { n: integr }\n", "", "");
        assertInvalid(p, p + ":9:", "source.files.parse.types", "n: 'integr' is not a type");
        Path sql = pipeline("regex: '^(?<name>\\S+) (?<n>\\d+)$'\ntypes: { n: 'int) AS x FROM t; --' }\n", "", "");
        assertInvalid(sql, sql + ":9:", "source.files.parse.types", "is not a type name");
        // YAML cuts { n: decimal(10,2) } at its comma: a key "2)" without a value beside n: decimal(10
        Path comma = pipeline("regex: '^(?<name>\\S+) (?<n>\\d+)$'\ntypes: { n: decimal(10,2) }\n", "", "");
        assertInvalid(comma, comma + ":9:", "source.files.parse.types.2)", "quote a value that holds a comma");
    }

    @Test
    void aQuotedSpaceOrTabIsADelimiter() throws Exception {
        ws.input("a.log", "alice 1\nbob 2\n");
        ws.input("b.log", "carol\t3\n");
        Path p = pipeline("delimiter: ' '\ncolumns: [name, n]\ntypes: { n: int }\n", "    include: a.log\n", "");
        Files.writeString(p, Files.readString(p).replace("    include: \"**/*.log\"\n", ""));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        CliRun.assertSameRows(ws.outputRows("name, n", "parquet"), List.of("alice|1", "bob|2"));

        Path tab = ws.pipeline(
                "tab.yaml",
                Files.readString(p)
                        .replace("pipeline: text", "pipeline: tab")
                        .replace("include: a.log", "include: b.log")
                        .replace("delimiter: ' '", "delimiter: \"\\t\"")
                        .replace("path: out", "path: out-tab"));
        CliRun t = run(tab);
        assertThat(t.code()).as(t.toString()).isZero();
        assertThat(Workspace.query(
                        "SELECT name, n FROM read_parquet('" + ws.dir().resolve("out-tab") + "/*.parquet')"))
                .containsExactly("carol|3");
    }
}
