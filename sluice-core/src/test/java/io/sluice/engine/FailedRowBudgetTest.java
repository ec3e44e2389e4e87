package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.Step;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.source.LocalFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Naming the row a split failed on costs a bounded amount ({@link LocateBudget}): a byte range is not named by counting
 * the lines of every byte before it, and the split is not read whole a second time however long that takes. The
 * split fails the same way whether its row is named or not.
 */
class FailedRowBudgetTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    /** A step whose own check refuses the value {@code bad} or none, naming the row by its origin when asked. */
    private static final Step CHECK = new Step() {
        @Override
        public String apply(String input) {
            return located(input, "'?'");
        }

        @Override
        public String located(String input, String origin) {
            return "SELECT CASE WHEN coalesce(v, 'bad') = 'bad' THEN error('check: ' || " + origin
                    + " || ': v holds bad or nothing') ELSE v END"
                    + " AS v FROM (" + input + ")";
        }

        @Override
        public boolean inputAsText() {
            return true;
        }

        @Override
        public boolean raised(String message) {
            return message.contains("check: ");
        }
    };

    /** Lines before a range that cannot be read: a store whose object's head is gone, or must not be downloaded. */
    private record UnreadableHead(long startByte, boolean remote) implements LocalFiles.LineShift {
        @Override
        public long lines() throws IOException {
            throw new IOException("the bytes before the range were read");
        }
    }

    /** The error of a split over {@code input} that fails the check, with this budget for naming its row. */
    private SplitFailure failure(LocalFiles input, LocateBudget budget) throws Exception {
        SplitProcessor processor = new SplitProcessor(
                List.of(CHECK), List.of("check"), new KeptBadRecords(), BadRecordPolicy.FAIL, budget);
        Split split = new Split("s1", List.of(new Member("cost.csv", "1:1", 0, Member.WHOLE, null)), 1);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> processor.process(
                    c, split, input, null, new WriteContext(Files.createDirectories(dir.resolve("scratch")))));
            assertThat(thrown).isInstanceOf(SplitFailure.class);
            try (java.sql.Statement s = c.createStatement();
                    java.sql.ResultSet r = s.executeQuery("SELECT 42")) {
                assertThat(r.next() && r.getInt(1) == 42)
                        .as("the connection serves the next split")
                        .isTrue();
            }
            return (SplitFailure) thrown;
        }
    }

    /** A whole input file {@code name} (csv with a header, or JSON lines) holding {@code content}. */
    private LocalFiles whole(String name, CharSequence content) throws IOException {
        Path file = Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        boolean csv = name.endsWith(".csv");
        return new LocalFiles(List.of(LocalFiles.Part.whole(file, name)), csv ? "csv" : "jsonl", csv, null);
    }

    /** The error of a split over {@code input}, its row named within the default budget. */
    private String named(LocalFiles input) throws Exception {
        return failure(input, LocateBudget.DEFAULT).getMessage();
    }

    /** A csv range from byte {@code start} of cost.csv: its spool, the header line copied in front of its bytes. */
    private LocalFiles range(String rows, long start, boolean remote) throws Exception {
        Path spool = Files.writeString(dir.resolve("spool.csv"), "v,w\n" + rows, StandardCharsets.UTF_8);
        return new LocalFiles(
                List.of(new LocalFiles.Part(spool, "cost.csv", new UnreadableHead(start, remote))), "csv", true, null);
    }

    @Test
    void aRangeOfAnObjectInAStoreIsNamedByTheByteOfItsRowWithoutReadingTheBytesBeforeIt() throws Exception {
        SplitFailure failure =
                failure(range("a,1\n\"b\nb\",2\nbad,3\nc,4\n", 1_073_741_824, true), LocateBudget.DEFAULT);
        // the range's own bytes before the row: "a,1\n" (4) and the quoted value over two lines (8)
        assertThat(failure.getMessage()).contains("check: cost.csv record at byte 1073741836: v holds bad or nothing");
        assertThat(failure.retryable()).isFalse();
    }

    /**
     * Under on_bad_record: skip a bad record is counted, not named: a range of an object in a store holding one does
     * not download every byte before it to number its line.
     */
    @Test
    void aSkippedBadRecordOfARangeIsCountedWithoutReadingTheBytesBeforeIt() throws Exception {
        SplitProcessor processor = new SplitProcessor(List.of(), List.of(), new KeptBadRecords(), BadRecordPolicy.SKIP);
        LocalFiles input = range("a,1\nb,2,3\nc,4\n", 1_073_741_824, true);
        Split split = new Split("s1", List.of(new Member("cost.csv", "1:1", 0, Member.WHOLE, null)), 1);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            org.assertj.core.api.Assertions.assertThatCode(() ->
                            processor.badRecords(c, split, input, Files.createDirectories(dir.resolve("scratch"))))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void aRangeOfALocalFileIsNamedByItsByteWhenCountingItsLinesWouldReadMoreThanTheCap() throws Exception {
        SplitFailure failure =
                failure(range("a,1\nbad,3\n", 1000, false), new LocateBudget(Duration.ofSeconds(30), 999));
        assertThat(failure.getMessage()).contains("check: cost.csv record at byte 1004: v holds bad or nothing");
    }

    /**
     * A range whose lines end some in CRLF, some in LF is read again from a copy whose line ends are all LF (DuckDB
     * cannot follow both), without counting the lines before the range: its row is named by its byte in the file, every
     * CR before it counted, not by a byte of that copy, which has fewer bytes before the row than the file.
     */
    @Test
    void aRangeWithMixedLineEndsIsReadAgainWithoutItsHeadAndItsRowNamedByItsByteInTheFile() throws Exception {
        String rows = "a,1\r\nb,2\r\nc,3\nbad,4\nd,5\n";
        String head = "v,w\r\n" + "h,0\r\n".repeat(200);
        Path file = Files.writeString(dir.resolve("cost.csv"), head + rows, StandardCharsets.UTF_8);
        Path spool = Files.writeString(dir.resolve("spool.csv"), "v,w\r\n" + rows, StandardCharsets.UTF_8);
        LocalFiles input = new LocalFiles(
                List.of(new LocalFiles.Part(spool, "cost.csv", new UnreadableHead(head.length(), true))),
                "csv",
                true,
                null);
        long at = head.length() + rows.indexOf("bad,4");
        assertThat(named(input)).contains("check: cost.csv record at byte " + at + ": v holds bad or nothing");
        byte[] all = Files.readAllBytes(file);
        assertThat(new String(all, (int) at, all.length - (int) at, StandardCharsets.UTF_8))
                .as("tail -c +(byte + 1) of the file")
                .startsWith("bad,4");
    }

    @Test
    void aRangeOfALocalFileBelowTheCapIsNamedByItsLine() throws Exception {
        Path spool = Files.writeString(dir.resolve("spool.csv"), "v,w\na,1\nbad,3\n", StandardCharsets.UTF_8);
        LocalFiles.LineShift fiveLinesBefore = new LocalFiles.LineShift() {
            @Override
            public long lines() {
                return 5 - 1; // less the header line copied in front
            }

            @Override
            public long startByte() {
                return 40;
            }
        };
        LocalFiles input =
                new LocalFiles(List.of(new LocalFiles.Part(spool, "cost.csv", fiveLinesBefore)), "csv", true, null);
        assertThat(named(input)).contains("check: cost.csv line 7: v holds bad or nothing");
    }

    /**
     * A csv file whose quotes inside a value are escaped by a backslash ({@code \"}), as the files source and DuckDB
     * read it: the quote does not close the value, whose line end is inside it.
     */
    @Test
    void aRecordAfterABackslashEscapedQuoteIsNamedByItsLine() throws Exception {
        assertThat(named(whole("cost.csv", "v,w\n\"a \\\" b\nc\",1\nbad,2\nd,3\n")))
                .contains("check: cost.csv line 4: v holds bad or nothing");
    }

    /**
     * A JSON record without values ({@code {}}) is a record the step checks, not a line DuckDB could not read: the
     * second read left it out with those, so it passed the check there and was not named.
     */
    @Test
    void aJsonRecordWithoutValuesThatFailsIsNamedByItsLine() throws Exception {
        assertThat(named(whole("cost.jsonl", "{\"v\":\"a\"}\n\nnot json\n{}\n{\"v\":\"b\"}\n")))
                .contains("check: cost.jsonl line 4: v holds bad or nothing");
    }

    /**
     * A JSON lines file's line of spaces and tabs holds no record, as DuckDB reads it: the records after it are named
     * by their own line (one early), and a {@code {}} after it is not left out as if it were a line DuckDB could not read.
     */
    @Test
    void aJsonRecordAfterALineOfWhitespaceIsNamedByItsLine() throws Exception {
        assertThat(named(whole("cost.jsonl", "{\"v\":\"a\"}\n \t\n{\"v\":\"bad\"}\n")))
                .contains("check: cost.jsonl line 3: v holds bad or nothing");
        assertThat(named(whole("empty.jsonl", "{\"v\":\"a\"}\r\n \t\r\n{}\r\n{\"v\":\"b\"}\r\n")))
                .contains("check: empty.jsonl line 3: v holds bad or nothing");
    }

    /**
     * Nor is such a line a bad record: under on_bad_record: fail, a file holding one passes the read that counts bad
     * records as a run does (a sink asks for them after the rows).
     */
    @Test
    void aJsonLineOfWhitespaceIsNoBadRecord() throws Exception {
        SplitProcessor processor =
                new SplitProcessor(List.of(CHECK), List.of("check"), new KeptBadRecords(), BadRecordPolicy.FAIL);
        LocalFiles input = whole("cost.jsonl", "{\"v\":\"a\"}\n \t\n\n{\"v\":\"b\"}\n");
        Split split = new Split("s1", List.of(new Member("cost.jsonl", "1:1", 0, Member.WHOLE, null)), 1);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            org.assertj.core.api.Assertions.assertThatCode(() ->
                            processor.badRecords(c, split, input, Files.createDirectories(dir.resolve("scratch"))))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void aSplitThatWouldTakeLongerThanTheBudgetToReadAgainIsNotReadWholeAgain() throws Exception {
        StringBuilder rows = new StringBuilder("v,w\n");
        for (int i = 0; i < 1_000_000; i++) rows.append("a,").append(i).append('\n');
        rows.append("bad,0\n");
        LocalFiles input = whole("cost.csv", rows);

        SplitFailure bounded = failure(input, new LocateBudget(Duration.ofMillis(1), 0));
        assertThat(bounded.getMessage())
                .startsWith("check: ")
                .contains("v holds bad or nothing (in cost.csv; the failing row was not located: reading the split's ")
                .contains(" again took longer than 1 ms)")
                .doesNotContain("Error:");
        SplitFailure named = failure(input, LocateBudget.DEFAULT);
        assertThat(named.getMessage()).contains("check: cost.csv line 1000002: v holds bad or nothing");
        assertThat(bounded.retryable())
                .as("the same outcome, named or not")
                .isEqualTo(named.retryable())
                .isFalse();
    }
}
