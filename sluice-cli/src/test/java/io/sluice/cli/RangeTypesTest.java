package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte ranges of one csv file are typed alike: each takes its columns' types from the file's head (what the range
 * at byte 0 is typed by), so the outputs of one file agree on their schema, and a reader that unions Parquet files by
 * schema, or a table sink, takes them all. A value past the head that its type would change makes that column text in
 * its range only, as a whole file's column is text when such a value is in it. The ranges of a JSON lines file take
 * their columns from its head too, each typed as the head and the range's own values together need. A tailed log's
 * head is its first range, in every run.
 */
class RangeTypesTest {
    private static final int ROWS = 3000;

    @TempDir
    Path dir;

    private static Path pipeline(Workspace ws) throws Exception {
        return ws.pipeline("""
                pipeline: range-types
                source:
                  files:
                    path: in
                    split_size: 16KB
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 2 }
                """);
    }

    /**
     * Integers in {@code amount}, decimals in {@code discount} in the first two thirds of the file and none after:
     * sniffed alone, a range of the last third typed {@code discount} VARCHAR where the others had DOUBLE.
     */
    private static String csv(String lastAmount) {
        StringBuilder b = new StringBuilder("id,amount,discount,note\n");
        for (int i = 0; i < ROWS; i++) {
            String amount = i == ROWS - 1 ? lastAmount : i > ROWS / 2 ? "7" : Integer.toString(i % 1000);
            String discount = i < ROWS * 2 / 3 ? (i % 100) + ".25" : "";
            b.append(i)
                    .append(',')
                    .append(amount)
                    .append(',')
                    .append(discount)
                    .append(",note ")
                    .append(i)
                    .append('\n');
        }
        return b.toString();
    }

    private static String rows(int from, int to, boolean discount) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(i).append(',').append(discount ? i % 1000 : 7).append(',');
            b.append(discount ? (i % 100) + ".25" : "")
                    .append(",note ")
                    .append(i)
                    .append('\n');
        }
        return b.toString();
    }

    /** A pipeline tailing the csv logs {@code in/*.log} in ranges of 1 KB. */
    private static Path tailed(Workspace ws) throws Exception {
        return ws.pipeline("""
                pipeline: tailed-types
                source:
                  files: { path: in, include: "*.log", format: csv, tail: true, split_size: 1KB }
                sink: { files: { path: out, format: parquet } }
                """);
    }

    /** A workspace whose csv log {@code app.log} of {@code first} records was tailed, then {@code appended} ones. */
    private Workspace tailedTwice(String first, String appended) throws Exception {
        Workspace ws = Workspace.in(dir);
        Path log = ws.input("app.log", "id,amount,discount,note\n" + first);
        Path p = tailed(ws);
        CliRun.run(p).ok();
        java.nio.file.Files.writeString(log, appended, java.nio.file.StandardOpenOption.APPEND);
        CliRun.run(p).ok();
        return ws;
    }

    /** A workspace whose pipeline ran, successfully, over {@code big.csv} holding {@code content}. */
    private Workspace ran(String content) throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("big.csv", content);
        CliRun r = CliRun.run(pipeline(ws));
        assertThat(r.code()).as(r.toString()).isZero();
        return ws;
    }

    /** Each output file's schema: its columns and their types, in order. */
    private static List<String> schemas(Workspace ws) throws Exception {
        List<Path> outputs = ws.outputFiles(".parquet");
        assertThat(outputs)
                .as("one output per range: the file was cut into 3 ranges or more")
                .hasSizeGreaterThan(3);
        return outputs.stream()
                .map(p -> schema(p, "id, amount, discount, note"))
                .toList();
    }

    /** An output file's schema: these columns and their types, in order. */
    private static String schema(Path output, String columns) {
        try {
            return String.join(
                    ", ",
                    Workspace.query("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT " + columns
                            + " FROM read_parquet('" + output + "'))"));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyRangeOfAFileHasTheTypesOfItsHead() throws Exception {
        Workspace ws = ran(csv("7"));
        Path file = ws.in().resolve("big.csv");
        assertThat(ws.deadLetters()).isEmpty();

        assertThat(schemas(ws))
                .as("every range's output has the columns and types of the file's head")
                .containsOnly("amount BIGINT, discount DOUBLE, id BIGINT, note VARCHAR");
        CliRun.assertSameRows(
                ws.outputRows("id, amount, discount, note", "parquet"),
                Workspace.query("SELECT id, amount, discount, note FROM read_csv('" + file + "', header = true)"));
    }

    /**
     * Rows of about 1 KB whose {@code discount} is empty in the first 10,000 (10 MB) and a decimal after: the head the
     * later ranges are typed by stops at {@code FilesSource.HEAD_BYTES} (8 MB), before the first decimal, while
     * DuckDB's own sniff of the range at byte 0 reads its 20,480 records, decimals among them.
     */
    @Test
    void theRangeAtByteZeroHasTheTypesOfTheHeadTheOthersTake() throws Exception {
        String pad = "x".repeat(1000);
        StringBuilder b = new StringBuilder("id,discount,note\n");
        for (int i = 0; i < 40_000; i++)
            b.append(i)
                    .append(',')
                    .append(i < 10_000 ? "" : (i % 100) + ".25")
                    .append(',')
                    .append(pad)
                    .append('\n');
        Workspace ws = Workspace.in(dir);
        ws.input("wide.csv", b.toString());
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: wide-types
                source:
                  files:
                    path: in
                    split_size: 12MB
                sink: { files: { path: out, format: parquet } }
                """));
        assertThat(r.code()).as(r.toString()).isZero();

        List<Path> outputs = ws.outputFiles(".parquet");
        assertThat(outputs).as("one output per range").hasSizeGreaterThan(2);
        assertThat(outputs.stream().map(p -> schema(p, "id, discount")).distinct())
                .as("every range's output has one schema, the range at byte 0's too")
                .hasSize(1);
        assertThat(ws.outputRows("count(*), count(discount)", "parquet")).containsExactly("40000|30000");
    }

    /**
     * A log whose first records leave {@code discount} empty and whose later ones hold decimals, read in ranges of 1 KB
     * in one run: every range takes the log's first range as head, as a file's ranges do; were a range's head the log
     * up to it, the ranges before the first decimal would type it VARCHAR and the others DOUBLE.
     */
    @Test
    void theRangesOfATailedLogAgreeOnTheirTypesWhileItsHeadGrows() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("app.log", "id,amount,discount,note\n" + rows(0, 100, false) + rows(100, 300, true));
        Path p = tailed(ws);
        CliRun.run(p).ok();

        assertThat(schemas(ws).stream().distinct())
                .as("the ranges of one log agree on its types")
                .hasSize(1);
    }

    /**
     * A log whose first run sees 100 records with {@code discount} empty, and whose records appended after it hold
     * decimals: the ranges planned in the later run take the first run's first range as head too, so each of them
     * types {@code discount} as the first range does, not DOUBLE once the log before it holds a decimal.
     */
    @Test
    void theRangesOfATailedLogPlannedInALaterRunTakeItsFirstRangeAsHead() throws Exception {
        Workspace ws = tailedTwice(rows(0, 100, false), rows(100, 300, true));

        assertThat(schemas(ws).stream().distinct())
                .as("the ranges of both runs agree on the log's types, those of its first range")
                .containsExactly("amount BIGINT, discount VARCHAR, id BIGINT, note VARCHAR");
        assertThat(ws.outputRows("count(*), count(discount)", "parquet")).containsExactly("300|200");
    }

    /**
     * A log rotated and gzipped with records not yet read: the rotation's split (the log's bytes from where it was read
     * to its end) takes the log's first range as head too, not the log before it, which holds decimals.
     */
    @Test
    void aGzippedRotationOfATailedLogTakesTheLogsFirstRangeAsHead() throws Exception {
        Workspace ws = Workspace.in(dir);
        String first = "id,amount,discount,note\n" + rows(0, 100, false) + rows(100, 300, true);
        Path log = ws.input("app.log", first);
        Path p = ws.pipeline("""
                pipeline: tailed-types
                source:
                  files:
                    path: in
                    include: "app.log*"
                    rotated: "app.log.[0-9]*"
                    format: csv
                    tail: true
                    split_size: 1KB
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun.run(p).ok();
        String unread = rows(300, 400, true);
        try (var gz = new java.util.zip.GZIPOutputStream(
                java.nio.file.Files.newOutputStream(log.resolveSibling("app.log.1.gz")))) {
            gz.write((first + unread).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        java.nio.file.Files.writeString(log, "id,amount,discount,note\n" + rows(1000, 1100, false));
        CliRun.run(p).ok();

        List<String> rotated = new java.util.ArrayList<>();
        for (Path o : ws.outputFiles(".parquet")) {
            String count = "SELECT count(*) FROM read_parquet('" + o + "') WHERE id >= 300 AND id < 400";
            if (Workspace.query(count).getFirst().equals("100")) rotated.add(schema(o, "id, amount, discount, note"));
        }
        assertThat(rotated)
                .as("the rotation's records, in one output, typed as the log's first range types them")
                .containsExactly("amount BIGINT, discount VARCHAR, id BIGINT, note VARCHAR");
        assertThat(ws.outputRows("count(*), count(discount)", "parquet")).containsExactly("500|300");
    }

    @Test
    void theNewBytesOfATailedLogHaveTheTypesOfItsHead() throws Exception {
        Workspace ws = tailedTwice(rows(0, 100, true), rows(100, 300, false));

        assertThat(schemas(ws))
                .as("the ranges of the bytes appended, where discount is empty, keep the head's types")
                .containsOnly("amount BIGINT, discount DOUBLE, id BIGINT, note VARCHAR");
        assertThat(ws.outputRows("count(*), count(discount)", "parquet")).containsExactly("300|100");
    }

    @Test
    void aValueItsHeadsTypeWouldChangeMakesItsColumnTextInItsRangeOnly() throws Exception {
        Workspace ws = ran(csv("12.5"));
        assertThat(ws.deadLetters()).as("no row is refused: its column is text").isEmpty();

        List<String> schemas = schemas(ws);
        assertThat(schemas)
                .as("amount is text in the last range alone, which holds 12.5; the other ranges keep the head's types")
                .filteredOn(s -> s.contains("amount VARCHAR"))
                .containsExactly("amount VARCHAR, discount DOUBLE, id BIGINT, note VARCHAR");
        assertThat(schemas)
                .filteredOn(s -> !s.contains("amount VARCHAR"))
                .hasSize(schemas.size() - 1)
                .containsOnly("amount BIGINT, discount DOUBLE, id BIGINT, note VARCHAR");
        assertThat(ws.outputRows("count(*), count(amount)", "parquet")).containsExactly(ROWS + "|" + ROWS);
        assertThat(ws.outputRows("amount::VARCHAR", "parquet"))
                .as("the value as written")
                .contains("12.5");
    }

    @Test
    void aValueItsHeadsTypeRefusesIsABadRecordNamingItsLineInTheFile() throws Exception {
        Workspace ws = ran(csv("n/a"));

        assertThat(ws.deadLetters())
                .as("DuckDB's own reject, its line shifted to the file's: the header is line 1, the last row line "
                        + (ROWS + 1))
                .singleElement()
                .satisfies(d -> assertThat(d)
                        .contains("\"file\":\"big.csv\"")
                        .contains("\"line\":" + (ROWS + 1))
                        .contains("n/a"));
        assertThat(schemas(ws)).containsOnly("amount BIGINT, discount DOUBLE, id BIGINT, note VARCHAR");
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly(Integer.toString(ROWS - 1));
    }

    /**
     * JSON lines of about 60 bytes cut in ranges of 16 KB: {@code amount} an integer in the rows starting in the first
     * 16 KB (the first range, the head), absent from those in the next 16 KB and some more (the second range), a
     * decimal after (the third and fourth); {@code late} in the last row only.
     */
    private static String jsonl() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 60_000; i++) {
            int at = b.length();
            b.append("{\"id\":").append(i);
            if (at < 16_384) b.append(",\"amount\":").append(i);
            else if (at > 33_000) b.append(",\"amount\":").append(i).append(".5");
            b.append(",\"note\":\"note ").append(i).append('"');
            if (b.length() > 59_900) b.append(",\"late\":\"x\"");
            b.append("}\n");
        }
        return b.toString();
    }

    /** Each output file's columns and their types, in their order, the outputs in the order of their first id. */
    private static List<String> orderedSchemas(Workspace ws) throws Exception {
        List<Path> outputs = ws.outputFiles(".parquet");
        java.util.SortedMap<Long, String> byFirstId = new java.util.TreeMap<>();
        for (Path p : outputs) {
            String file = "read_parquet('" + p + "')";
            byFirstId.put(
                    Long.parseLong(
                            Workspace.query("SELECT min(id) FROM " + file).getFirst()),
                    Workspace.query("SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE "
                                    + "SELECT * FROM " + file + ")")
                            .getFirst());
        }
        return List.copyOf(byFirstId.values());
    }

    @Test
    void everyRangeOfAJsonLinesFileHasTheColumnsOfItsHeadTypedAsItsValuesNeed() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path file = ws.input("big.jsonl", jsonl());
        CliRun r = CliRun.run(pipeline(ws));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.deadLetters()).isEmpty();

        assertThat(orderedSchemas(ws))
                .as("the head's columns in its order, then a key first seen in the range; amount BIGINT where the"
                        + " range holds no value or integers (the second range's all NULL), DOUBLE where it holds"
                        + " decimals")
                .containsExactly(
                        "id BIGINT, amount BIGINT, note VARCHAR",
                        "id BIGINT, amount BIGINT, note VARCHAR",
                        "id BIGINT, amount DOUBLE, note VARCHAR",
                        "id BIGINT, amount DOUBLE, note VARCHAR, late VARCHAR");
        assertThat(ws.outputRows("count(*), count(amount), count(late)", "parquet"))
                .containsExactly(
                        Workspace.query("SELECT count(*) || '|' || count(amount) || '|' || count(late) FROM read_json('"
                                        + file + "')")
                                .getFirst());
        CliRun.assertSameRows(
                ws.outputRows("id, amount::VARCHAR, note, late", "parquet"),
                Workspace.query("SELECT id, amount::VARCHAR, note, late FROM read_json('" + file
                        + "', format = 'newline_delimited', sample_size = -1)"));
    }

    @Test
    void theNewBytesOfATailedJsonLinesLogHaveTheColumnsOfItsHead() throws Exception {
        Workspace ws = Workspace.in(dir);
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < 100; i++)
            head.append("{\"id\":").append(i).append(",\"amount\":").append(i).append("}\n");
        Path log = ws.input("app.log", head.toString());
        Path p = ws.pipeline("""
                pipeline: tailed-types
                source:
                  files: { path: in, include: "*.log", format: jsonl, tail: true, split_size: 1KB }
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun.run(p).ok();
        StringBuilder more = new StringBuilder();
        for (int i = 100; i < 300; i++) more.append("{\"id\":").append(i).append("}\n");
        java.nio.file.Files.writeString(log, more, java.nio.file.StandardOpenOption.APPEND);
        CliRun.run(p).ok();

        List<String> schemas = orderedSchemas(ws);
        assertThat(schemas).as("the appended bytes were cut in ranges").hasSizeGreaterThan(3);
        assertThat(schemas)
                .as("the ranges of the bytes appended, where amount is absent, keep the head's columns")
                .containsOnly("id BIGINT, amount BIGINT");
        assertThat(ws.outputRows("count(*), count(amount)", "parquet")).containsExactly("300|100");
    }

    /**
     * A log whose first 100 records hold no {@code amount}, the next 100 a decimal and the last 100 none again, read in
     * ranges of 1 KB in one run: every range takes the log's first range, which has no {@code amount}, as head; were a
     * range's head the log up to it, those of the last records would have it, DOUBLE and empty.
     */
    @Test
    void theRangesOfATailedJsonLinesLogWithoutAKeyAgreeOnTheirColumnsWhileItsHeadGrows() throws Exception {
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            log.append("{\"id\":").append(i);
            if (i >= 100 && i < 200) log.append(",\"amount\":").append(i).append(".5");
            log.append(",\"note\":\"record ").append(i).append(" of the log\"}\n");
        }
        Workspace ws = Workspace.in(dir);
        ws.input("app.log", log.toString());
        CliRun.run(ws.pipeline("""
                        pipeline: tailed-types
                        source:
                          files: { path: in, include: "*.log", format: jsonl, tail: true, split_size: 1KB }
                        sink: { files: { path: out, format: parquet } }
                        """)).ok();

        List<String> withoutAmount = new java.util.ArrayList<>();
        for (Path p : ws.outputFiles(".parquet")) {
            String file = "read_parquet('" + p + "')";
            boolean amounts = Workspace.query("SELECT count(*) FROM (DESCRIBE SELECT * FROM " + file
                                    + ") WHERE column_name = 'amount'")
                            .getFirst()
                            .equals("1")
                    && !Workspace.query("SELECT count(amount) FROM " + file)
                            .getFirst()
                            .equals("0");
            if (!amounts) withoutAmount.add(schema(p, "*"));
        }
        assertThat(withoutAmount).as("the ranges holding no amount").hasSizeGreaterThan(2);
        assertThat(withoutAmount.stream().distinct())
                .as("the ranges of one log holding no amount agree on its columns")
                .hasSize(1);
    }
}
