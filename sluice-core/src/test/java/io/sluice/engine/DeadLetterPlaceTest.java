package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sluice.config.NativeCopies;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.LineParse;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.sink.Sink;
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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad record of a byte range is named where {@link LocateBudget} names a failed row: by its line in the file when
 * the lines before the range are counted (a local file, at most the cap before it), else by the byte where it starts
 * in the file, the bytes before the range not read. Every dead letter has both fields, the one not naming it null.
 */
class DeadLetterPlaceTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    /** The lines before a range that must not be read: a store's object, or a local file past the cap. */
    private record UnreadableHead(long startByte, boolean remote) implements LocalFiles.LineShift {
        @Override
        public long lines() throws IOException {
            throw new IOException("the bytes before the range were read");
        }
    }

    /** Lines before a range of a local file that are counted: {@code lines} of them, the range from {@code start}. */
    private record CountedHead(long startByte, long lines) implements LocalFiles.LineShift {}

    private static final LocateBudget CAP_999 = new LocateBudget(Duration.ofSeconds(30), 999);

    /** A range of {@code key} whose spool holds {@code bytes} (a csv range: the header line copied in front). */
    private LocalFiles range(String format, String key, String bytes, LocalFiles.LineShift shift) throws IOException {
        Path spool = Files.writeString(dir.resolve("spool." + format), bytes, StandardCharsets.UTF_8);
        return new LocalFiles(List.of(new LocalFiles.Part(spool, key, shift)), format, true, null);
    }

    /** The dead letters of a split over {@code input}, each by its fields' names. */
    private List<Map<String, Object>> deadLetters(LocalFiles input, LocateBudget budget) throws Exception {
        KeptBadRecords sink = new KeptBadRecords();
        process(input, budget, sink, BadRecordPolicy.DEAD_LETTER);
        return sink.bad;
    }

    private void process(LocalFiles input, LocateBudget budget, Sink sink, BadRecordPolicy policy) throws Exception {
        SplitProcessor processor = new SplitProcessor(List.of(), List.of(), sink, policy, budget);
        Split split =
                new Split("s1", List.of(new Member(input.parts().getFirst().key(), "1:1", 0, 1, null)), 1);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            processor.process(c, split, input, null, new WriteContext(Files.createDirectories(dir.resolve("scratch"))));
        }
    }

    @Test
    void aCsvRangeOfALocalFilePastTheCapNamesItsBadRecordByTheByteWhereItStartsInTheFile() throws Exception {
        // the range's own bytes before the bad record: "a,1\n" (4), at byte 1000 of the file
        List<Map<String, Object>> dead = deadLetters(
                range("csv", "cost.csv", "v,w\na,1\nx,1,2\nb,2\n", new UnreadableHead(1000, false)), CAP_999);
        assertThat(dead).hasSize(1);
        assertThat(dead.getFirst())
                .containsEntry("file", "cost.csv")
                .containsEntry("line", null)
                .containsEntry("byte", 1004L)
                .containsEntry("record", "x,1,2");
        assertThat(dead.getFirst().keySet()).containsExactly("split", "file", "line", "byte", "reason", "record");
    }

    @Test
    void theByteOfABadCsvRecordCountsEveryByteOfCrlfLineEndsAndOfQuotedValuesOverLines() throws Exception {
        // "v,w\r\n" (the header, 5), then "\"a\r\nb\",1\r\n" (10) and "c,2\r\n" (5) of the range before the bad record
        String spool = "v,w\r\n\"a\r\nb\",1\r\nc,2\r\nx,1,2\r\nd,3\r\n";
        List<Map<String, Object>> dead =
                deadLetters(range("csv", "cost.csv", spool, new UnreadableHead(2000, true)), LocateBudget.DEFAULT);
        assertThat(dead)
                .singleElement()
                .satisfies(d -> assertThat(d).containsEntry("line", null).containsEntry("byte", 2015L));
    }

    @Test
    void aJsonLinesRangeOfAnObjectInAStoreNamesItsBadLineByItsByte() throws Exception {
        // "{\"v\":\"a\"}\n" (10) and a blank line (1) of the range before the bad line
        List<Map<String, Object>> dead = deadLetters(
                range(
                        "jsonl",
                        "events.jsonl",
                        "{\"v\":\"a\"}\n\n{bad\n{\"v\":\"b\"}\n",
                        new UnreadableHead(5000, true)),
                LocateBudget.DEFAULT);
        assertThat(dead)
                .singleElement()
                .satisfies(d -> assertThat(d)
                        .containsEntry("file", "events.jsonl")
                        .containsEntry("line", null)
                        .containsEntry("byte", 5011L)
                        .containsEntry("record", "{bad"));
    }

    /**
     * A range read again from a copy whose CRLF line ends are LF (DuckDB cannot follow both) names its bad record by
     * its byte in the file, every CR before it counted, where {@code tail -c +(byte + 1)} of the file starts with it.
     */
    @Test
    void aCsvRangeOfAnObjectInAStoreWhoseLinesMixLfAndCrlfIsReadWithoutTheBytesBeforeIt() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 50; i++) rows.append("a,").append(i).append(i % 2 == 0 ? "\r\n" : "\n");
        rows.append("x,1,2\r\nb,3\n");
        Path file = fileWithRange("cost.csv", "v,w\n" + "h,0\n".repeat(250), rows);
        long start = Files.size(file) - rows.length();
        List<Map<String, Object>> dead = deadLetters(
                range("csv", "cost.csv", "v,w\n" + rows, new UnreadableHead(start, true)), LocateBudget.DEFAULT);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d).containsEntry("line", null).containsEntry("byte", start + rows.indexOf("x,1,2"));
            assertThat(from(file, (Long) d.get("byte"))).startsWith("x,1,2");
        });
    }

    /**
     * Mapping a copy's bytes back to the range's reads the range once more, within the budget of naming a record: past
     * it, each bad record is still a dead letter of its own, named by what is known (its file, its split's range, its
     * record), its reason saying why it has no byte.
     */
    @Test
    void badRecordsOfARangeReadFromACopyNotMappedBackWithinTheBudgetAreEachADeadLetterSayingSo() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 200_000; i++) rows.append("a,").append(i).append(i % 2 == 0 ? "\r\n" : "\n");
        rows.append("x,1,2\r\ny,1,2\nb,3\n"); // past the first MB read, where the clock is first looked at
        List<Map<String, Object>> dead = deadLetters(
                range("csv", "cost.csv", "v,w\n" + rows, new UnreadableHead(1_073_741_824, true)),
                new LocateBudget(Duration.ZERO, LocateBudget.DEFAULT.countBytes()));
        assertThat(dead).extracting(d -> d.get("record")).containsExactly("x,1,2", "y,1,2");
        assertThat(dead).allSatisfy(d -> {
            assertThat(d)
                    .containsEntry("file", "cost.csv")
                    .containsEntry("line", null)
                    .containsEntry("byte", null);
            assertThat((String) d.get("reason"))
                    .contains("expected 2 fields, found 3")
                    .endsWith("; not named by its byte: the bytes before it in the range were not counted within 0 ms"
                            + " (the split names the range)");
        });
    }

    @Test
    void onBadRecordFailNamesTheBadRecordOfARangeWithMixedLineEndsByItsByteInTheFile() throws Exception {
        String rows = "a,1\r\nb,2\r\nc,3\nx,1,2\nd,4\r\n";
        Path file = fileWithRange("cost.csv", "v,w\n" + "h,0\r\n".repeat(200), rows);
        long start = Files.size(file) - rows.length();
        Throwable thrown = catchThrowable(() -> process(
                range("csv", "cost.csv", "v,w\n" + rows, new UnreadableHead(start, true)),
                LocateBudget.DEFAULT,
                new KeptBadRecords(),
                BadRecordPolicy.FAIL));
        long at = start + rows.indexOf("x,1,2");
        assertThat(thrown)
                .isInstanceOf(SplitFailure.class)
                .hasMessageContaining("the first: cost.csv record at byte " + at + ": ");
        assertThat(from(file, at)).startsWith("x,1,2");
    }

    /**
     * A log range with a CR inside a line (a progress bar's redraws) is read from a copy with that CR marked and its
     * CRLF line ends LF: its bad line is named by its byte in the file, the CRs before it counted.
     */
    @Test
    void aTextRangeWithACrInsideALineNamesItsBadLineByItsByteInTheFile() throws Exception {
        String rows = "p,1\r\nq\r50%\rz,2\nr,3\r\nbad\ns,4\n";
        Path file = fileWithRange("app.log", "h,0\r\n".repeat(300), rows);
        long start = Files.size(file) - rows.length();
        Path spool = Files.writeString(dir.resolve("spool.log"), rows, StandardCharsets.UTF_8);
        LocalFiles input = new LocalFiles(
                List.of(new LocalFiles.Part(spool, "app.log", new UnreadableHead(start, true))),
                "text",
                false,
                LineParse.ofDelimiter(",", List.of("k", "n"), Map.of()));
        List<Map<String, Object>> dead = deadLetters(input, LocateBudget.DEFAULT);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d).containsEntry("record", "bad").containsEntry("byte", start + rows.indexOf("bad"));
            assertThat(from(file, (Long) d.get("byte"))).startsWith("bad");
        });
    }

    /** The file a range is cut from: {@code head}, the bytes before the range, then the range's {@code rows}. */
    private Path fileWithRange(String name, String head, CharSequence rows) throws IOException {
        return Files.writeString(dir.resolve("file-" + name), head + rows, StandardCharsets.UTF_8);
    }

    /** The file from byte {@code at} (0-based) on, as {@code tail -c +(at + 1)} prints it. */
    private static String from(Path file, long at) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return new String(all, (int) at, all.length - (int) at, StandardCharsets.UTF_8);
    }

    @Test
    void aRangeOfALocalFileUnderTheCapStillNamesItsBadRecordByItsLineWithTheSameFields() throws Exception {
        // five lines of the file before the range (less the header line copied in front of it)
        List<Map<String, Object>> dead =
                deadLetters(range("csv", "cost.csv", "v,w\na,1\nx,1,2\n", new CountedHead(40, 5 - 1)), CAP_999);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d)
                    .containsEntry("file", "cost.csv")
                    .containsEntry("line", 7L)
                    .containsEntry("byte", null);
            assertThat(d.keySet()).containsExactly("split", "file", "line", "byte", "reason", "record");
        });
    }

    @Test
    void onBadRecordFailNamesTheFirstBadRecordOfARangeOfAnObjectInAStoreByItsByte() throws Exception {
        Throwable thrown = catchThrowable(() -> process(
                range("csv", "cost.csv", "v,w\na,1\nx,1,2\n", new UnreadableHead(1_073_741_824, true)),
                LocateBudget.DEFAULT,
                new KeptBadRecords(),
                BadRecordPolicy.FAIL));
        assertThat(thrown)
                .isInstanceOf(SplitFailure.class)
                .hasMessageContaining("the first: cost.csv record at byte 1073741828: ");
    }
}
