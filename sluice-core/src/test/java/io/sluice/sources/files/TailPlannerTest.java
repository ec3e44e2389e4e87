package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.pipeline.BadRecordPolicy;
import io.sluice.pipeline.EngineOptions;
import io.sluice.pipeline.RetryPolicy;
import io.sluice.pipeline.RunOptions;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Source;
import io.sluice.spi.Split;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailing growing logs ({@code tail: true}), planned against a real SQLite ledger: each scan turns the complete lines
 * appended since the last registered range into new work, a log is followed by its identity (its first 256 bytes)
 * across rotations, truncations start over, gzipped rotations are read once, and nothing is dropped silently.
 */
class TailPlannerTest {
    private static final long OLD = System.currentTimeMillis() - Duration.ofHours(1).toMillis();

    @TempDir
    Path dir;

    private Path in;
    private SqliteLedger ledger;
    private Source source;
    private int scratch;

    @BeforeEach
    void setUp() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), "tail", Clock.systemUTC());
        source = source("path: in\nformat: text\ntail: true\n");
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Source source(String yaml) {
        Options o = new Validator(dir, k -> null).validate(YamlReader.parse("test.yaml", yaml), FilesSourceFactory.OPTIONS);
        RunOptions run = new RunOptions(RunOptions.Mode.WATCH, Duration.ofSeconds(10), 2,
                new RetryPolicy(0, Duration.ofSeconds(1), Duration.ofSeconds(1)), BadRecordPolicy.DEAD_LETTER,
                Duration.ofSeconds(60), new EngineOptions(null, null, null));
        return new FilesSourceFactory().create(o, new PipelineContext("tail", dir.resolve("p.yaml"), run, Clock.systemUTC()));
    }

    /** Complete lines {@code <log> <i> ...}; the first line names the log, so logs differ in their first bytes. */
    private static String lines(String log, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) b.append(log).append(' ').append(i).append(" consumer-").append(i % 7).append(" cpu ").append(i * 3).append('\n');
        return b.toString();
    }

    private Path write(String name, String content) throws IOException {
        Path p = in.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private Path append(String name, String content) throws IOException {
        return Files.writeString(in.resolve(name), content, StandardOpenOption.APPEND);
    }

    private Path gzip(String name, String content, long mtime) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(content.getBytes(StandardCharsets.UTF_8));
        }
        Path p = in.resolve(name);
        Files.write(p, bytes.toByteArray());
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
        return p;
    }

    private static long size(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private Source.Plan plan() throws IOException {
        return source.plan(ledger);
    }

    /** The one split of a plan that names this file. */
    private static Split splitOf(Source.Plan plan, String key) {
        List<Split> of = plan.splits().stream().filter(s -> s.id().startsWith(key + "#")).toList();
        assertThat(of).as("splits of %s in %s", key, plan.splits()).hasSize(1);
        return of.getFirst();
    }

    private static Source.Skipped skippedOf(Source.Plan plan, String key) {
        return plan.skipped().stream().filter(s -> s.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError(key + " not reported in " + plan.skipped()));
    }

    /** Reads a split as the engine would: the bytes of its spools. */
    private String read(Split split) throws IOException {
        Path dir = Files.createDirectories(this.dir.resolve("scratch-" + (scratch++)));
        StringBuilder b = new StringBuilder();
        for (Source.Part part : source.open(split, dir).parts()) b.append(Files.readString(part.file()));
        return b.toString();
    }

    /** Claims and completes every pending split, as a run would after its sink committed. */
    private void completeAll() {
        Optional<Claim> c;
        while ((c = ledger.claim("test", Duration.ofMinutes(1))).isPresent()) {
            try {
                ledger.complete(c.get(), new Completion(1, 1, 0, List.of()));
            } catch (io.sluice.spi.StaleClaimException e) {
                throw new AssertionError(e);
            }
        }
    }

    // ---- growth --------------------------------------------------------------------------------------

    @Test
    void appendedCompleteLinesBecomeANewRangeStartingAtThePreviousEnd() throws IOException {
        String first = lines("app", 0, 20);
        write("app.log", first); // just written: a tailed plain file needs no settling
        Split s1 = splitOf(plan(), "app.log");
        assertThat(s1.members()).singleElement().satisfies(m -> {
            assertThat(m.start()).isZero();
            assertThat(m.end()).isEqualTo(size(first));
            assertThat(m.key()).startsWith("tail:");
        });
        assertThat(read(s1)).isEqualTo(first);
        completeAll();

        assertThat(plan().splits()).as("nothing new").isEmpty();
        assertThat(skippedOf(plan(), "app.log").reason()).contains("up to date at byte " + size(first));

        String more = lines("app", 20, 25);
        append("app.log", more);
        Split s2 = splitOf(plan(), "app.log");
        assertThat(s2.members().getFirst().start()).isEqualTo(size(first));
        assertThat(s2.members().getFirst().end()).isEqualTo(size(first) + size(more));
        assertThat(s2.id()).isNotEqualTo(s1.id()).startsWith("app.log#" + size(first) + "-" + (size(first) + size(more)));
        assertThat(read(s2)).isEqualTo(more);
    }

    @Test
    void aPartialLastLineWaitsForItsNewline() throws IOException {
        String first = lines("app", 0, 20);
        write("app.log", first + "app 20 consumer-6 cp");
        Split s1 = splitOf(plan(), "app.log");
        assertThat(read(s1)).isEqualTo(first);
        completeAll();

        Source.Plan waiting = plan();
        assertThat(waiting.splits()).isEmpty();
        assertThat(skippedOf(waiting, "app.log").reason()).contains("up to date at byte " + size(first))
                .contains(size("app 20 consumer-6 cp") + " bytes of an unfinished line wait for their newline");

        append("app.log", "u 60\napp 21 half");
        Split s2 = splitOf(plan(), "app.log");
        assertThat(read(s2)).isEqualTo("app 20 consumer-6 cpu 60\n");
    }

    @Test
    void aLargeAppendIsCutIntoRangesAtLineBoundaries() throws IOException {
        source = source("path: in\nformat: text\ntail: true\nsplit_size: 1KB\n");
        String first = lines("app", 0, 20);
        write("app.log", first);
        plan();
        String more = lines("app", 20, 400);
        append("app.log", more);
        List<Split> splits = plan().splits();
        assertThat(splits.size()).isGreaterThan(5);
        StringBuilder all = new StringBuilder();
        long at = size(first);
        for (Split s : splits) {
            Member m = s.members().getFirst();
            assertThat(m.start()).isEqualTo(at);
            at = m.end();
            String text = read(s);
            assertThat(text).endsWith("\n");
            all.append(text);
        }
        assertThat(all.toString()).isEqualTo(more);
    }

    // ---- rotation and truncation ---------------------------------------------------------------------

    @Test
    void aRotatedLogContinuesFromItsOffsetAndTheNewFileStartsAtZero() throws IOException {
        source = source("path: in\ninclude: \"app.log*\"\nformat: text\ntail: true\n");
        String first = lines("app-gen1", 0, 20);
        write("app.log", first);
        completeAfter(plan());

        // the writer appends, then the log is renamed and a new one started; the old writer appends once more
        String beforeRename = lines("app-gen1", 20, 23);
        append("app.log", beforeRename);
        Files.move(in.resolve("app.log"), in.resolve("app.log.1"));
        String afterRename = lines("app-gen1", 23, 24);
        append("app.log.1", afterRename);
        String fresh = lines("app-gen2", 0, 15);
        write("app.log", fresh);

        Source.Plan plan = plan();
        assertThat(plan.splits()).hasSize(2);
        Split rotated = splitOf(plan, "app.log.1");
        assertThat(rotated.members().getFirst().start()).as("continues where app.log was read to").isEqualTo(size(first));
        assertThat(read(rotated)).isEqualTo(beforeRename + afterRename);
        Split current = splitOf(plan, "app.log");
        assertThat(current.members().getFirst().start()).isZero();
        assertThat(read(current)).isEqualTo(fresh);
        assertThat(rotated.members().getFirst().key()).isNotEqualTo(current.members().getFirst().key());
        completeAll();
        assertThat(plan().splits()).isEmpty();
    }

    @Test
    void aTruncatedLogIsReadAgainFromTheStartAsANewGeneration() throws IOException {
        // a log that starts with the same banner every time it is started: same identity after truncation
        String banner = "# service usage log, format: ts consumer resource amount " + "-".repeat(220) + "\n";
        String first = banner + lines("app", 0, 30);
        write("app.log", first);
        Split s1 = splitOf(plan(), "app.log");
        completeAll();

        String again = banner + lines("app", 100, 103);
        assertThat(size(again)).isLessThan(size(first));
        write("app.log", again);
        Source.Plan plan = plan();
        Split s2 = splitOf(plan, "app.log");
        assertThat(plan.notices()).singleElement().satisfies(n -> assertThat(n).contains("app.log was truncated")
                .contains("reading it again from the start"));
        assertThat(s2.members().getFirst().start()).isZero();
        assertThat(s2.members().getFirst().key()).as("the same log").isEqualTo(s1.members().getFirst().key());
        assertThat(s2.members().getFirst().fingerprint()).isNotEqualTo(s1.members().getFirst().fingerprint());
        assertThat(s2.id()).as("a distinct split id").isNotEqualTo(s1.id()).contains(".g2");
        assertThat(read(s2)).isEqualTo(again);
        completeAll();

        // the new generation then grows like any log
        append("app.log", lines("app", 103, 104));
        Split s3 = splitOf(plan(), "app.log");
        assertThat(s3.members().getFirst().start()).isEqualTo(size(again));
        assertThat(s3.id()).contains(".g2");
    }

    // ---- gzipped rotations -------------------------------------------------------------------------

    @Test
    void aGzippedRotationIsReadOnceFromWhereThePlainFileStopped() throws IOException {
        source = source("path: in\ninclude: \"app.log*\"\nformat: text\ntail: true\n");
        String first = lines("app-gen1", 0, 20);
        write("app.log", first);
        completeAfter(plan());

        // more lines, the last one without its newline, then the log is rotated and compressed
        String unread = lines("app-gen1", 20, 25) + "app-gen1 25 final line without newline";
        append("app.log", unread);
        assertThat(splitOf(plan(), "app.log").members().getFirst().end()).isEqualTo(size(first + lines("app-gen1", 20, 25)));
        completeAll();
        String whole = first + unread;
        Files.delete(in.resolve("app.log"));
        Path gz = gzip("app.log.1.gz", whole, System.currentTimeMillis());

        // a gzip file is only read once it has settled
        assertThat(plan().splits()).isEmpty();
        assertThat(skippedOf(plan(), "app.log.1.gz").waiting()).isTrue();

        Files.setLastModifiedTime(gz, FileTime.fromMillis(OLD));
        Split s = splitOf(plan(), "app.log.1.gz");
        Member m = s.members().getFirst();
        assertThat(m.start()).isEqualTo(size(first + lines("app-gen1", 20, 25)));
        assertThat(m.end()).isEqualTo(Member.WHOLE);
        assertThat(read(s)).as("only the final line was left").isEqualTo("app-gen1 25 final line without newline");
        completeAll();

        Source.Plan after = plan();
        assertThat(after.splits()).as("read once, never again").isEmpty();
        assertThat(skippedOf(after, "app.log.1.gz").reason()).contains("read completely");
        Files.setLastModifiedTime(gz, FileTime.fromMillis(OLD + 1000));
        assertThat(plan().splits()).isEmpty();
    }

    @Test
    void aRangePlannedInThePlainFileButReadAfterItWasCompressedHoldsExactlyItsBytes() throws IOException {
        source = source("path: in\ninclude: \"app.log*\"\nformat: text\ntail: true\n");
        String first = lines("app-gen1", 0, 20);
        write("app.log", first);
        Split s1 = splitOf(plan(), "app.log");
        String tail = lines("app-gen1", 20, 30);
        append("app.log", tail);
        Split s2 = splitOf(plan(), "app.log");
        // the run lags behind: before either range is read, the log is rotated and compressed, and grows no more
        String last = lines("app-gen1", 30, 32);
        String whole = first + tail + last;
        Files.delete(in.resolve("app.log"));
        gzip("app.log.1.gz", whole, OLD);

        assertThat(read(s1)).isEqualTo(first);
        assertThat(read(s2)).isEqualTo(tail);
        Split rest = splitOf(plan(), "app.log.1.gz");
        assertThat(read(rest)).isEqualTo(last);
        assertThat(read(s1) + read(s2) + read(rest)).as("every byte once").isEqualTo(whole);
    }

    @Test
    void aGzippedLogNeverSeenPlainIsReadWhole() throws IOException {
        String content = lines("old-gen", 0, 30);
        gzip("old.log.gz", content, OLD);
        source = source("path: in\nformat: text\ntail: true\n");
        Split s = splitOf(plan(), "old.log.gz");
        assertThat(s.members().getFirst().start()).isZero();
        assertThat(read(s)).isEqualTo(content);
    }

    @Test
    void aPlainLogAndItsGzipTwinTogetherAreReadOnlyFromThePlainFile() throws IOException {
        source = source("path: in\ninclude: \"app.log*\"\nformat: text\ntail: true\n");
        String content = lines("app-gen1", 0, 30);
        write("app.log.1", content);
        gzip("app.log.1.gz", content, OLD); // logrotate compresses a copy, then removes the plain file

        Source.Plan plan = plan();
        assertThat(plan.splits()).singleElement().satisfies(s -> assertThat(s.id()).startsWith("app.log.1#0-"));
        assertThat(skippedOf(plan, "app.log.1.gz").reason()).contains("the same log as app.log.1");
        completeAll();

        // the plain file goes: the gzip holds nothing new
        Files.delete(in.resolve("app.log.1"));
        Source.Plan after = plan();
        List<Split> gz = after.splits();
        if (!gz.isEmpty()) {
            assertThat(gz).singleElement().satisfies(s -> assertThat(read(s)).isEmpty());
        }
    }

    // ---- identity ------------------------------------------------------------------------------------

    @Test
    void aFileShorterThanTheIdentityWaitsUntilItHasGrown() throws IOException {
        write("small.log", "small 1 c cpu 1\n");
        Source.Plan plan = plan();
        assertThat(plan.splits()).isEmpty();
        assertThat(skippedOf(plan, "small.log").reason()).contains("shorter than 256 bytes");

        append("small.log", lines("small", 2, 20));
        Split s = splitOf(plan(), "small.log");
        assertThat(s.members().getFirst().start()).isZero();
        assertThat(read(s)).startsWith("small 1 c cpu 1\n");
    }

    @Test
    void twoLogsWithTheSameFirstBytesAreReportedNotSilentlyDropped() throws IOException {
        String banner = "# usage log " + "=".repeat(260) + "\n";
        write("a.log", banner + lines("a", 0, 5));
        write("b.log", banner + lines("b", 0, 5));
        Source.Plan plan = plan();
        assertThat(plan.splits()).singleElement().satisfies(s -> assertThat(s.id()).startsWith("a.log#"));
        Source.Skipped b = skippedOf(plan, "b.log");
        assertThat(b.why()).isEqualTo(Source.Why.SKIPPED);
        assertThat(b.reason()).contains("first 256 bytes are the same as a.log").contains("only a.log is read");
    }

    // ---- status --------------------------------------------------------------------------------------

    @Test
    void statusShowsEachLogsOffsetAndTheBytesBehind() throws IOException {
        source = source("path: in\ninclude: \"*.log*\"\nformat: text\ntail: true\n");
        String first = lines("app", 0, 20);
        write("app.log", first);
        gzip("old.log.gz", lines("old", 0, 30), OLD);
        plan();
        completeAll();
        String more = lines("app", 20, 24);
        append("app.log", more);
        String other = lines("other", 0, 20);
        write("other.log", other);

        List<String> status = source.status(ledger);
        assertThat(status).contains(
                "app.log: read to byte " + size(first) + " of " + (size(first) + size(more)) + " (last range done), "
                        + size(more) + " byte(s) behind",
                "other.log: not read yet (" + size(other) + " bytes)");
        assertThat(status).anySatisfy(l -> assertThat(l).startsWith("old.log.gz: compressed rotation, read from byte 0")
                .contains("done"));

        // planned but not processed yet: the range is registered, its state says so
        plan();
        assertThat(source.status(ledger)).contains("app.log: read to byte " + (size(first) + size(more)) + " of "
                + (size(first) + size(more)) + " (last range pending), 0 byte(s) behind");
    }

    private void completeAfter(Source.Plan plan) {
        assertThat(plan.splits()).isNotEmpty();
        completeAll();
    }
}
