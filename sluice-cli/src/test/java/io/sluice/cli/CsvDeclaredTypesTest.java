package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.files.types}: the csv columns a user names get the types given, in every file, range and tailed log;
 * the others are detected as before. A value that does not convert, or that its type would round or cut, is a bad
 * record of its line (or byte); a name, type or format that cannot be is refused saying what to do.
 */
class CsvDeclaredTypesTest {
    @TempDir
    Path dir;

    /** {@code discount} integers (detected BIGINT), {@code zip} numbers (detected BIGINT), {@code ts} dates. */
    private static final String CSV = "id,discount,zip,ts\n1,5,12345,2026-01-02\n2,7,98765,2026-01-03\n";

    /**
     * The run of a pipeline reading {@code a.csv} holding {@code csv}, its files source with {@code options}; one
     * worker, so that the files of a scan are packed into one split.
     */
    private CliRun run(Workspace ws, String csv, String options) throws Exception {
        return run(ws, csv, options, "");
    }

    /** {@link #run(Workspace, String, String)} with {@code onBadRecord} ("": the default). */
    private CliRun run(Workspace ws, String csv, String options, String onBadRecord) throws Exception {
        ws.input("a.csv", csv);
        return CliRun.run(
                ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, %s } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1%s }
                """.formatted(options, onBadRecord.isEmpty() ? "" : ", on_bad_record: " + onBadRecord)));
    }

    /** A workspace whose pipeline ran successfully: see {@link #run}. */
    private Workspace ran(String csv, String options) throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = run(ws, csv, options);
        assertThat(r.code()).as(r.toString()).isZero();
        return ws;
    }

    private static String schema(Workspace ws) throws Exception {
        Path output = ws.outputFiles(".parquet").getFirst();
        return String.join(
                ", ",
                Workspace.query("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM read_parquet('"
                        + output + "'))"));
    }

    @Test
    void declaredTypesReachTheSinkTheOtherColumnsAreDetected() throws Exception {
        Workspace ws = ran(CSV, "types: { discount: double, zip: varchar, ts: timestamp }");

        assertThat(schema(ws)).isEqualTo("discount DOUBLE, id BIGINT, ts TIMESTAMP, zip VARCHAR");
        assertThat(ws.outputRows("discount, zip, ts::VARCHAR", "parquet"))
                .containsExactly("5.0|12345|2026-01-02 00:00:00", "7.0|98765|2026-01-03 00:00:00");
    }

    @Test
    void withoutTypeDetectionTheDeclaredColumnsAreTypedTheOthersText() throws Exception {
        Workspace ws = ran(CSV, "detect_types: false, types: { discount: double }");

        assertThat(schema(ws)).isEqualTo("discount DOUBLE, id VARCHAR, ts VARCHAR, zip VARCHAR");
    }

    /**
     * Detection reads a column of numbers text when one is written with a leading zero (its type would change it); a
     * declared type is the user's: the column stays a number.
     */
    @Test
    void aDeclaredColumnIsNotMadeTextByAValue() throws Exception {
        Workspace ws = ran(CSV.replace("12345", "02134"), "types: { zip: bigint }");

        assertThat(schema(ws)).isEqualTo("discount BIGINT, id BIGINT, ts DATE, zip BIGINT");
        assertThat(ws.outputRows("zip", "parquet")).containsExactly("2134", "98765");
    }

    /** Two files of one header line in one split are read by one {@code read_csv}, which detects the others. */
    @Test
    void thePackedFilesOfASplitTakeTheDeclaredTypes() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("b.csv", "id,discount,zip,ts\n3,8,55555,2026-01-04\n");
        CliRun r = run(ws, CSV, "types: { discount: double }");
        assertThat(r.code()).as(r.toString()).isZero();

        assertThat(ws.outputFiles(".parquet")).as("one split of both files").hasSize(1);
        assertThat(schema(ws)).isEqualTo("discount DOUBLE, id BIGINT, ts DATE, zip BIGINT");
        assertThat(ws.outputRows("discount", "parquet")).containsExactlyInAnyOrder("5.0", "7.0", "8.0");
    }

    @Test
    void aValueThatDoesNotConvertIsABadRecordNamingItsLineAndColumn() throws Exception {
        Workspace ws = ran(CSV + "3,n/a,11111,2026-01-04\n4,9,22222,2026-01-05\n", "types: { discount: double }");

        deadLetterHas(ws, "\"file\":\"a.csv\"", "\"line\":4", "discount", "n/a");
        assertThat(ws.outputRows("id, discount", "parquet")).containsExactly("1|5.0", "2|7.0", "4|9.0");
    }

    @Test
    void aTimeWithAZoneOtherThanUtcIsABadRecordNotAnotherInstant() throws Exception {
        // a timestamp (or time) without a zone would keep 10:00 of each and drop its zone: other instants
        Workspace ws = ran(
                "id,ts,t\n1,2026-03-29T10:00:00Z,10:00:00\n2,2026-03-29 10:00:00+00,10:00:00Z\n"
                        + "3,2026-03-29T10:00:00+05:30,10:00:00\n4,2026-03-29 10:00:00.5-02,10:00:00\n"
                        + "5,2026-03-29 10:00:00,10:00:00\n6,2026-03-29,10:00:00\n"
                        + "7,\"2026-03-29 10:00:00+05:30 \",10:00:00\n8,2026-03-29 10:00:00 Europe/Berlin,10:00:00\n"
                        + "9,2026-03-29 10:00:00 UTC,10:00:00\n10,2026-03-29,10:00:00-02\n"
                        + "11,2026-03-29,2026-03-29 10:00:00\n",
                "types: { ts: timestamp, t: time }");

        assertThat(Workspace.query("SELECT line || ' ' || reason FROM read_json('"
                        + ws.out().resolve("_dead_letter") + "/**/*.jsonl')"))
                .satisfiesExactlyInAnyOrder(
                        d -> assertThat(d).startsWith("4 ").contains("+05:30", "timestamptz"),
                        d -> assertThat(d).startsWith("5 ").contains("-02", "timestamptz"),
                        d -> assertThat(d).startsWith("8 ").contains("+05:30 ", "timestamptz"),
                        d -> assertThat(d).startsWith("9 ").contains("Europe/Berlin"),
                        d -> assertThat(d).startsWith("11 ").contains("10:00:00-02"),
                        d -> assertThat(d).startsWith("12 ").contains("2026-03-29 10:00:00"));
        assertThat(ws.outputRows("id, ts, t", "parquet"))
                .containsExactly(
                        "1|2026-03-29 10:00:00.0|10:00",
                        "2|2026-03-29 10:00:00.0|10:00",
                        "5|2026-03-29 10:00:00.0|10:00",
                        "6|2026-03-29 00:00:00.0|10:00",
                        "9|2026-03-29 10:00:00.0|10:00");
    }

    /** Sees that {@code ws} has one dead letter, which holds each of {@code parts}. */
    private static void deadLetterHas(Workspace ws, String... parts) throws Exception {
        assertThat(ws.deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d).contains(parts));
    }

    /** {@link #CSV} with a record whose discount spans two lines, then {@code 1.5} on line 6, then a good record. */
    private static final String ROUNDED =
            CSV + "3,\"7\n\",11111,2026-01-04\n4,1.5,22222,2026-01-05\n5,9,33333,2026-01-06\n";

    /** The run of {@link #ROUNDED} with discount declared a bigint, under {@code on_bad_record: policy}. */
    private CliRun rounded(Workspace ws, String policy) throws Exception {
        return run(ws, ROUNDED, "types: { discount: bigint }", policy);
    }

    /** The one dead letter's {@code file|line|byte|record}, once its reason is seen naming {@code 1.5} and why. */
    private static String deadLetter(Workspace ws) throws Exception {
        String all = "read_json('" + ws.out().resolve("_dead_letter") + "/**/*.jsonl')";
        assertThat(Workspace.query("SELECT reason FROM " + all))
                .singleElement()
                .satisfies(reason -> assertThat(reason)
                        .contains("'1.5'")
                        .contains("discount")
                        .contains("round")
                        .contains("double"));
        return String.join(
                "",
                Workspace.query("SELECT file || '|' || coalesce(line::VARCHAR, '') || '|' || "
                        + "coalesce(\"byte\"::VARCHAR, '') || '|' || record FROM " + all));
    }

    @Test
    void aValueItsDeclaredTypeWouldRoundIsABadRecordOfItsLineTheOthersAreRead() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = rounded(ws, "dead_letter");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(deadLetter(ws)).isEqualTo("a.csv|6||4,1.5,22222,2026-01-05");
        assertThat(ws.outputRows("id, discount", "parquet")).containsExactly("1|5", "2|7", "3|7", "5|9");
    }

    @Test
    void aGzippedFileHasItsRoundingValueABadRecordOfItsLine() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv.gz", Workspace.gzip(ROUNDED));
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, types: { discount: bigint } } }
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(deadLetter(ws)).isEqualTo("a.csv.gz|6||4,1.5,22222,2026-01-05");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("1", "2", "3", "5");
    }

    /** A zstd file, which Sluice does not read byte by byte: the dead letter holds the record as its read saw it. */
    @Test
    void aZstdFilesRoundingValueHasItsRecordInItsDeadLetter() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path zst = ws.input("a.csv.zst", new byte[0]);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement s = c.createStatement()) {
            // the text as one value, written as it is (no quote), then a newline
            s.execute("COPY (SELECT '" + ROUNDED.substring(0, ROUNDED.length() - 1) + "') TO '" + zst
                    + "' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', COMPRESSION zstd)");
        }
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, types: { discount: bigint } } }
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        // its line is its record's number (5: the quoted newline before it is not counted), as before
        assertThat(deadLetter(ws)).startsWith("a.csv.zst|").endsWith("||4,1.5,22222,2026-01-05");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("1", "2", "3", "5");
    }

    @Test
    void underSkipTheRecordIsCountedBad() throws Exception {
        CliRun r = rounded(Workspace.in(dir), "skip");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 5 in, 4 out, 1 bad");
    }

    /**
     * A record whose undeclared column is not UTF-8 beside one its declared type refuses: each is one bad record, and
     * the records in are the records out plus the bad ones (the good records are those the sink's read scanned, less
     * the flagged one).
     */
    @Test
    void aRecordNotInUtf8BesideARefusedValueIsCountedOnceAsBad() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = notUtf8(ws, "", "");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 3 in, 1 out, 2 bad");
        assertThat(ws.outputRows("id, name", "parquet")).containsExactly("3|c");
        assertThat(Workspace.query(
                        "SELECT count(*) FROM read_json('" + ws.out().resolve("_dead_letter") + "/**/*.jsonl')"))
                .containsExactly("2");
    }

    /** Skipped, the two bad records are counted as dead letters are: once each. */
    @Test
    void underSkipARecordNotInUtf8BesideARefusedValueIsCountedOnce() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = notUtf8(ws, "", ", on_bad_record: skip");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 3 in, 1 out, 2 bad");
    }

    /**
     * A step that does not read the column that is not UTF-8 writes its record (DuckDB checks the bytes of the columns a
     * query reads only): it is counted good, not bad, and is no dead letter.
     */
    @Test
    void aRecordNotInUtf8InAColumnNoStepReadsIsWrittenAndCountedGood() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = notUtf8(ws, "steps: [ { sql: 'SELECT id, qty FROM input' } ]\n", "");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 3 in, 2 out, 1 bad");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("2", "3");
    }

    /**
     * A step that stops reading early (a LIMIT) leaves DuckDB's profile no count of the records read: they are counted
     * by a read of the columns the sink's read scanned, so that records in are records out plus bad ones.
     */
    @Test
    void aRecordNotInUtf8IsCountedOnceWhenTheRecordsAreCountedAgain() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = notUtf8(ws, "steps: [ { sql: 'SELECT id, name FROM input LIMIT 10' } ]\n", "");

        assertThat(r.code()).as(r.toString()).isZero();
        // record 1's qty is checked though no step reads it, record 2's name is read
        assertThat(r.out()).contains("rows 3 in, 1 out, 2 bad");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("3");
    }

    /**
     * A declared type is a check of the input: a value it refuses in a column no step reads makes its record bad, alone
     * in its split (the split's read checks itself in one pass, which reads only the columns the steps use).
     */
    @Test
    void aValueItsTypeRefusesInAColumnNoStepReadsIsABadRecord() throws Exception {
        Workspace ws =
                badThoughUnread("id,name,qty\n1,a,n/a\n2,b,2\n3,c,3\n", "qty: bigint", "rows 3 in, 2 out, 1 bad");

        assertThat(ws.outputRows("id, name", "parquet")).containsExactly("2|b", "3|c");
        deadLetterHas(ws, "\"line\":2", "qty", "n/a");
    }

    /**
     * The same record is bad beside a record bad in a column the step reads (the split read again, every value looked
     * at first), and so under a type DuckDB's reader casts itself ({@code boolean}, which nothing rounds).
     */
    @Test
    void aValueItsTypeRefusesInAColumnNoStepReadsIsABadRecordBesideABadValueTheStepReads() throws Exception {
        Workspace ws = badThoughUnread(
                "id,name,qty,ok\n1,1,n/a,true\n2,1.5,2,true\n3,3,3,maybe\n4,4,4,false\n",
                "name: bigint, qty: bigint, ok: boolean",
                "rows 4 in, 1 out, 3 bad");

        assertThat(ws.outputRows("id, name", "parquet")).containsExactly("4|4");
    }

    /** A value {@code boolean} refuses in a column no step reads, alone in its split: DuckDB's reader casts it. */
    @Test
    void aValueATypeTheReaderCastsRefusesInAColumnNoStepReadsIsABadRecord() throws Exception {
        Workspace ws = badThoughUnread("id,name,ok\n1,a,maybe\n2,b,true\n", "ok: boolean", "rows 2 in, 1 out, 1 bad");

        assertThat(ws.outputRows("id, name", "parquet")).containsExactly("2|b");
    }

    /**
     * The workspace of a successful run over {@code a.csv} holding {@code csv}, {@code types} declared and one step
     * reading id and name, once its summary is seen saying {@code counts}.
     */
    private Workspace badThoughUnread(String csv, String types, String counts) throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", csv);
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, types: { %s } } }
                steps: [ { sql: 'SELECT id, name FROM input' } ]
                sink: { files: { path: out, format: parquet } }
                """.formatted(types)));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(counts);
        return ws;
    }

    /** A csv file with a value qty: bigint refuses (record 1) and a name not in UTF-8 (record 2), run with steps. */
    private static CliRun notUtf8(Workspace ws, String steps, String run) throws Exception {
        ws.input(
                "a.csv",
                "id,name,qty\n1,a,n/a\n2,Zo\u00e9,2\n3,c,3\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, types: { qty: bigint } } }
                %ssink: { files: { path: out, format: parquet } }
                run: { parallelism: 1%s }
                """.formatted(steps, run)));
    }

    /**
     * A nested type is refused when the pipeline is loaded, {@code format: csv} written or not, and in text lines'
     * {@code parse.types}: DuckDB's csv reader
     * rounds a list's numbers ({@code "[1.5, 2]"} as {@code bigint[]} is {@code [2, 2]}) and checks none of them.
     */
    @Test
    void aNestedTypeIsRefusedWhenThePipelineIsLoaded() throws Exception {
        for (String format :
                List.of("", "format: csv, ", "format: text, parse: { delimiter: ',', columns: [id, tags], ")) {
            Workspace ws = Workspace.in(Files.createTempDirectory(dir, "nested"));
            ws.input("a.csv", "id,tags\n1,\"[1.5, 2]\"\n");
            CliRun r = CliRun.run(ws.pipeline("""
                    pipeline: declared
                    source: { files: { path: in, %stypes: { tags: 'bigint[]' }%s } }
                    sink: { files: { path: out, format: parquet } }
                    """.formatted(format, format.contains("parse") ? " }" : "")));

            assertThat(r.code()).as(r.toString()).isNotZero();
            assertThat(r.toString()).contains("tags: 'bigint[]' is a nested type", "varchar (csv, text lines)", "step");
            assertThat(ws.outputFiles(".parquet")).isEmpty();
        }
    }

    @Test
    void underFailTheSplitFailsNamingItsLine() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = rounded(ws, "fail");

        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.toString()).contains("a.csv line 6").contains("'1.5'").contains("round");
        assertThat(ws.outputFiles(".parquet")).isEmpty();
    }

    /**
     * {@code 0x1e} converts to the BIGINT 30 but not to a DOUBLE, which the check of an exponent compares it as: where
     * another value makes the split read again, its record must still be read, or be a bad record, not be lost.
     */
    @Test
    void aHexIntegerInASplitReadAgainIsReadNotLost() throws Exception {
        Workspace ws = Workspace.in(dir);
        CliRun r = run(ws, "id,v\n1,0x1e\n2,1.5\n3,7\n", "types: { v: bigint }", "dead_letter");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("rows 3 in, 2 out, 1 bad");
        deadLetterHas(ws, "\"line\":3", "'1.5'");
        assertThat(ws.outputRows("id, v", "parquet")).containsExactly("1|30", "3|7");
    }

    /** A declared column read as text and cast keeps the name the file gives it, as the typed read keeps it. */
    @Test
    void aDeclaredRoundingColumnKeepsTheFilesNameForIt() throws Exception {
        for (String detect : List.of("", "detect_types: false, ")) {
            Workspace ws = Workspace.in(dir.resolve("d" + detect.length()));
            CliRun r = run(ws, "id,price\n1,2.50\n", detect + "types: { Price: 'decimal(10,2)' }");

            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(schema(ws)).as(detect).contains("price DECIMAL(10,2)");
        }
    }

    /** The dead letter of a rounding value in a latin-1 file holds its record's letters, not replacement characters. */
    @Test
    void aLatin1RecordsDeadLetterHoldsItsLetters() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id,name,qty\n1,Zoé,1.5\n2,Zoé,2\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, encoding: latin-1, types: { qty: bigint } } }
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        deadLetterHas(ws, "\"record\":\"1,Zoé,1.5\"");
        assertThat(ws.outputRows("id, name", "parquet")).containsExactly("2|Zoé");
    }

    /**
     * A record over 1 MB is not read from the file's bytes: its dead letter holds its text as the read saw it (its
     * values joined by the delimiter), as DuckDB's text of a record it rejects, not null.
     */
    @Test
    void aRecordOver1MbWithARefusedValueHoldsItsTextAsRead() throws Exception {
        String note = "x".repeat(1_200_000);
        Workspace ws = ran("id,qty,note\n1,1,a\n2,n/a," + note + "\n3,3,c\n", "types: { qty: bigint }");

        deadLetterHas(ws, "\"line\":3", "\"record\":\"2,n/a," + note + "\"");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("1", "3");
    }

    /** Dates written month first, then one a date would cut the time of. */
    private static final String US_DATES = "id,d\n1,03/29/2026\n2,12/01/2025\n3,2026-03-29 10:00\n";

    /**
     * A declared date is read in the format DuckDB's sniff of the file finds ({@code %m/%d/%Y}), as the typed read did
     * before such a column was read as text and cast: every record is committed, with its dates; a time of day a date
     * would cut is still a bad record. So in a split of two files (read by one {@code read_csv}).
     */
    @Test
    void declaredDatesWrittenMonthFirstAreReadInTheSniffedFormat() throws Exception {
        for (String detect : List.of("", "detect_types: false, ", "packed")) {
            Workspace ws = Workspace.in(dir.resolve("us" + detect.length()));
            if (detect.equals("packed")) ws.input("b.csv", "id,d\n");
            CliRun r = run(ws, US_DATES, (detect.equals("packed") ? "" : detect) + "types: { d: date }");

            assertThat(r.code()).as(r.toString()).isZero();
            deadLetterHas(ws, "\"line\":4", "cut");
            assertThat(ws.outputRows("id, d::VARCHAR", "parquet"))
                    .as(detect)
                    .containsExactly("1|2026-03-29", "2|2025-12-01");
        }
    }

    /** A refused date's reason names the format it was read in; an {@code int}'s reason reads "an int". */
    @Test
    void theReasonsNameTheDateFormatTriedAndReadAsWritten() throws Exception {
        Workspace ws = ran("id,d\n1,03/29/2026\n2,12/01/2025\n3,02/30/2026\n4,12/02/2025\n", "types: { d: date }");
        assertThat(ws.deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d)
                        .contains("\"line\":4")
                        .contains("02/30/2026")
                        .contains("%m/%d/%Y"));

        Workspace ints = Workspace.in(dir.resolve("ints"));
        CliRun r = run(ints, "id,n\n1,1\n2,1.5\n", "types: { n: int }");
        assertThat(r.code()).as(r.toString()).isZero();
        deadLetterHas(ints, "is not an int as written");
    }

    /**
     * The dead letter of a rounding value names its line and byte exactly when a blank line, a malformed row (which
     * DuckDB's reader rejects) and a quoted value spanning lines come before it.
     */
    @Test
    void theRoundingValuesLineAndByteCountBlankLinesMalformedRowsAndQuotedNewlines() throws Exception {
        for (String before : List.of("\n", "9,1,2,3,4,5\n", "3,\"7\n\",11111,2026-01-04\n")) {
            Workspace ws = Workspace.in(dir.resolve("before" + before.length()));
            String csv = CSV + before + "4,1.5,22222,2026-01-05\n5,9,33333,2026-01-06\n";
            CliRun r = run(ws, csv, "types: { discount: bigint }", "dead_letter");

            assertThat(r.code()).as(r.toString()).isZero();
            String record = "4,1.5,22222,2026-01-05";
            long line = csv.substring(0, csv.indexOf(record))
                            .chars()
                            .filter(c -> c == '\n')
                            .count()
                    + 1;
            assertThat(Workspace.query("SELECT file || '|' || line || '|' || record FROM read_json('"
                            + ws.out().resolve("_dead_letter") + "/**/*.jsonl') WHERE reason LIKE '%round%'"))
                    .as(before)
                    .containsExactly("a.csv|" + line + "|" + record);
            assertThat(ws.outputRows("id", "parquet"))
                    .as(before)
                    .contains("1", "2", "5")
                    .doesNotContain("4");
        }
    }

    /** {@code n} records {@code i,1,note i} of a csv file ({@code qty} declared), {@code 1.5} in record {@code at}. */
    private static String many(int n, int at) {
        return "id,qty,note\n" + rows(0, n, i -> i == at ? "1.5" : "1");
    }

    /** A byte range of a file, not its first, has its rounding value a bad record of its line; the rest is read. */
    @Test
    void aByteRangeHasItsRoundingValueABadRecordOfItsLine() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("big.csv", many(5_000, 4_000));
        CliRun r = CliRun.run(ws.pipeline("""
                pipeline: declared
                source: { files: { path: in, split_size: 16KB, types: { qty: bigint } } }
                sink: { files: { path: out, format: parquet } }
                """));

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.outputFiles(".parquet")).hasSizeGreaterThan(3);
        deadLetterHas(ws, "\"file\":\"big.csv\"", "\"line\":4002", "\"record\":\"4000,1.5,note 4000\"");
        assertThat(ws.outputRows("count(*), sum(qty)", "parquet")).containsExactly("4999|4999");
    }

    /** A range of an object in a store names its records by byte: the byte where the rounding value's record starts. */
    @Test
    void aByteRangeNamedByByteHasItsRoundingValueAtItsByte() throws Exception {
        // before it in its range: a blank line, a malformed row (a reject of DuckDB's) and a quoted value of two lines
        String big = many(400, 300).replace("\n300,", "\n\n9,1,2,3\n7,1,\"two\nlines\"\n300,");
        String source = S3Inputs.put("declared", Map.of("big.csv", big));
        Workspace ws = Workspace.in(dir);
        CliRun.run(ws.pipeline("""
                        pipeline: declared
                        source: { files: { %s, split_size: 1KB, types: { qty: bigint } } }
                        sink: { files: { path: out, format: parquet } }
                        """.formatted(source))).ok();

        String all = "read_json('" + ws.out().resolve("_dead_letter") + "/**/*.jsonl')";
        assertThat(Workspace.query("SELECT \"byte\" || '|' || record || '|' || (line IS NULL) FROM " + all
                        + " WHERE reason LIKE '%round%'"))
                .singleElement()
                .satisfies(l -> {
                    String[] f = l.split("\\|");
                    assertThat(f[1]).isEqualTo("300,1.5,note 300");
                    assertThat(f[2]).as("named by its byte").isEqualTo("true");
                    // tail -c +(byte + 1) of the file starts with the record
                    assertThat(big.substring(Integer.parseInt(f[0]))).startsWith(f[1] + "\n");
                });
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly("400");
    }

    /**
     * Past the sample, a value another column's detected type refuses (code {@code A12} among integers) makes that
     * column text in the read: the value of the declared column in the same record must still be checked, not skipped
     * with the record by the check's own read.
     */
    @Test
    void aValueItsDeclaredTypeWouldRoundBesideAValueThatMakesAnotherColumnTextIsABadRecord() throws Exception {
        StringBuilder csv = new StringBuilder("id,code,qty\n");
        for (int i = 0; i < 25_000; i++)
            csv.append(i)
                    .append(',')
                    .append(i == 22_000 ? "A12" : String.valueOf(i))
                    .append(',')
                    .append(i == 22_000 ? "1.5" : "1")
                    .append('\n');
        Workspace ws = Workspace.in(dir);
        CliRun r = run(ws, csv.toString(), "types: { qty: bigint }");

        assertThat(r.code()).as(r.toString()).isZero();
        deadLetterHas(ws, "\"line\":22002", "'1.5'", "qty", "round");
        assertThat(ws.outputRows("count(*), count(DISTINCT code)", "parquet")).containsExactly("24999|24999");
    }

    @Test
    void aFileWithAColumnNamedFilenameIsCheckedAndRead() throws Exception {
        Workspace ws = ran("id,filename,qty\n1,a.txt,2\n2,b.txt,3\n", "types: { qty: bigint }");
        assertThat(ws.outputRows("id, filename, qty", "parquet")).containsExactly("1|a.txt|2", "2|b.txt|3");
    }

    @Test
    void aFileReadAsAnotherFormatByItsNameFailsItsSplitRatherThanIgnoreTheTypes() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("b.txt", "1,1.5\n");

        assertThat(failed(ws, "types: { discount: double }"))
                .contains("b.txt")
                .contains("format: csv")
                .contains("types");
    }

    @Test
    void aDeclaredColumnTheFileDoesNotHaveFailsTheSplitNamingItsColumns() throws Exception {
        assertThat(failed(Workspace.in(dir), "types: { discont: double }"))
                .contains("'discont'")
                .contains("a.csv does not have")
                .contains("did you mean 'discount'")
                .contains("id, discount, zip, ts");
    }

    /** The output of a run of {@link #CSV} in {@code ws} with {@code options}, seen failing. */
    private String failed(Workspace ws, String options) throws Exception {
        CliRun r = run(ws, CSV, options);
        assertThat(r.code()).as(r.toString()).isNotZero();
        return r.toString();
    }

    /** A pipeline whose files source has {@code options} (one a line, from line 5 on), refused at {@code line}. */
    private String refused(String options, int line) throws Exception {
        Workspace ws = Workspace.in(dir);
        Path p = ws.pipeline("""
                pipeline: declared
                source:
                  files:
                    path: in
                %ssink: { files: { path: out } }
                """.formatted(options.indent(4)));
        CliRun r = CliRun.run(p);
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(r.err()).contains(p + ":" + line + ":");
        return r.err();
    }

    @Test
    void anUnknownTypeNameIsRefusedAtItsOption() throws Exception {
        assertThat(refused("types: { discount: doubel }", 5))
                .contains("discount: 'doubel' is not a type")
                .contains("bigint, double");
    }

    @Test
    void typesIsForCsvAndJsonlOnly() throws Exception {
        assertThat(refused("format: text\ntypes: { n: bigint }", 6))
                .contains("types is for csv and jsonl files")
                .contains("parse.types");
    }

    @Test
    void twoNamesAlikeButForTheirCaseAreRefused() throws Exception {
        assertThat(refused("types: { Price: double, price: varchar }", 5))
                .contains("'Price' and 'price', alike but for their case");
    }

    /** Records {@code i,value,note i} of a csv file, {@code i} from {@code from} to {@code to} (excluded). */
    private static String rows(int from, int to, java.util.function.IntFunction<String> value) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++)
            b.append(i)
                    .append(',')
                    .append(value.apply(i))
                    .append(",note ")
                    .append(i)
                    .append('\n');
        return b.toString();
    }

    /**
     * A log whose first range has {@code discount} empty (typed VARCHAR, which every range of the log takes): declared
     * a double, it is one in every range of both runs.
     */
    @Test
    void everyRangeOfATailedLogHasTheDeclaredType() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path log = ws.input("app.log", "id,discount,note\n" + rows(0, 100, i -> ""));
        Path p = ws.pipeline("""
                pipeline: tailed
                source:
                  files:
                    path: in
                    include: "*.log"
                    format: csv
                    tail: true
                    split_size: 1KB
                    types: { discount: double }
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun.run(p).ok();
        Files.writeString(log, rows(100, 300, i -> (i % 100) + ".25"), StandardOpenOption.APPEND);
        CliRun.run(p).ok();

        List<Path> outputs = ws.outputFiles(".parquet");
        assertThat(outputs).hasSizeGreaterThan(3);
        for (Path o : outputs) {
            assertThat(Workspace.query("SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE "
                            + "SELECT * FROM read_parquet('" + o + "'))"))
                    .as(o.toString())
                    .containsExactly("id BIGINT, discount DOUBLE, note VARCHAR");
        }
        assertThat(ws.outputRows("count(*), count(discount)", "parquet")).containsExactly("300|200");
    }
}
