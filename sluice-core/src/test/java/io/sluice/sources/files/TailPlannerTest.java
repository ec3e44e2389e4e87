package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Plan;
import io.sluice.planning.TestSources;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(1).toMillis();

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
        Options o =
                new Validator(dir, k -> null).validate(YamlReader.parse("test.yaml", yaml), FilesSourceFactory.OPTIONS);
        var context =
                new PipelineContext("tail", dir.resolve("p.yaml"), 2, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC());
        return new FilesSourceFactory().create(o, context);
    }

    /** Complete lines {@code <log> <i> ...}; the first line names the log, so logs differ in their first bytes. */
    private static String lines(String log, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++)
            b.append(log)
                    .append(' ')
                    .append(i)
                    .append(" consumer-")
                    .append(i % 7)
                    .append(" cpu ")
                    .append(i * 3)
                    .append('\n');
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

    private Plan plan() throws IOException {
        return TestSources.plan(source, ledger);
    }

    /**
     * The one range of a plan read from this file: a split of its own (named by the file), or, in a pack of many
     * logs' ranges, a view of the pack with only that file's member (found by opening the pack).
     */
    private Split splitOf(Plan plan, String key) throws IOException {
        List<Split> of = new java.util.ArrayList<>(
                plan.splits().stream().filter(s -> s.id().startsWith(key + "#")).toList());
        for (Split pack :
                plan.splits().stream().filter(s -> s.id().startsWith("pack:")).toList()) {
            List<LocalFiles.Part> parts = TestSources.open(
                            source, pack, Files.createDirectories(dir.resolve("scratch-" + (scratch++))))
                    .parts();
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i).key().equals(key)) {
                    Member m = pack.members().get(i);
                    of.add(new Split(pack.id() + "/" + key, List.of(m), m.end() - m.start()));
                }
            }
        }
        assertThat(of).as("splits of %s in %s", key, plan.splits()).hasSize(1);
        return of.getFirst();
    }

    private static Skipped skippedOf(Plan plan, String key) {
        return plan.skipped().stream()
                .filter(s -> s.key().equals(key))
                .findFirst()
                .orElseThrow(() -> new AssertionError(key + " not reported in " + plan.skipped()));
    }

    /** Reads a split as the engine would: the bytes of its spools. */
    private String read(Split split) throws IOException {
        Path dir = Files.createDirectories(this.dir.resolve("scratch-" + (scratch++)));
        StringBuilder b = new StringBuilder();
        for (LocalFiles.Part part : TestSources.open(source, split, dir).parts())
            b.append(Files.readString(part.file()));
        return b.toString();
    }

    /** A first line longer than a log's identity: the log is the same one after a truncation and restart. */
    private static final String BANNER =
            "# service usage log, format: ts consumer resource amount " + "-".repeat(220) + "\n";

    /** Writes a log and returns the one range planned in it. */
    private Split plannedIn(String name, String content) throws IOException {
        write(name, content);
        return splitOf(plan(), name);
    }

    /** Writes a log again from its start and returns the range of its new generation. */
    private Split truncatedTo(String name, String content) throws IOException {
        Split fresh = plannedIn(name, content);
        assertThat(fresh.id()).contains(".g2");
        return fresh;
    }

    /** Opens a split of one range that reads nothing: the one input it left out. */
    private Skipped leftOut(Split split) throws IOException {
        Path dir = Files.createDirectories(this.dir.resolve("scratch-" + (scratch++)));
        try (var reader = source.open(split, new io.sluice.spi.source.ReadContext(dir))) {
            assertThat(reader.files().parts()).as("nothing read").isEmpty();
            assertThat(reader.skipped()).hasSize(1);
            return reader.skipped().getFirst();
        }
    }

    /** Claims and completes every pending split, as a run would after its sink committed. */
    private void completeAll() {
        Optional<Claim> c;
        while ((c = ledger.claim("test", Duration.ofMinutes(1))).isPresent()) {
            try {
                ledger.complete(c.get(), new Completion(1, 1, 0, List.of(), "v1"));
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
        assertThat(s2.id())
                .isNotEqualTo(s1.id())
                .startsWith("app.log#" + size(first) + "-" + (size(first) + size(more)));
        assertThat(read(s2)).isEqualTo(more);
    }

    @Test
    void aPartialLastLineWaitsForItsNewline() throws IOException {
        String first = lines("app", 0, 20);
        write("app.log", first + "app 20 consumer-6 cp");
        Split s1 = splitOf(plan(), "app.log");
        assertThat(read(s1)).isEqualTo(first);
        completeAll();

        Plan waiting = plan();
        assertThat(waiting.splits()).isEmpty();
        assertThat(skippedOf(waiting, "app.log").reason())
                .contains("up to date at byte " + size(first))
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

    // ---- packing -------------------------------------------------------------------------------------

    /** Each split's members by log identity, checked to hold at most one range of a log. */
    private static Map<String, Member> membersByLog(Split split) {
        Map<String, Member> byLog = new LinkedHashMap<>();
        for (Member m : split.members()) {
            assertThat(byLog.put(m.key(), m))
                    .as("two ranges of one log in split %s", split.id())
                    .isNull();
        }
        return byLog;
    }

    @Test
    void manyLogsThatGrowALittleAreReadInOneSplitPerScan() throws IOException {
        int logs = 50;
        Map<String, Long> ends = new LinkedHashMap<>();
        for (int i = 0; i < logs; i++) {
            String name = String.format("svc-%02d.log", i);
            write(name, lines(name, 0, 20));
            ends.put(name, size(lines(name, 0, 20)));
        }
        Plan first = plan();
        assertThat(first.splits()).singleElement().satisfies(s -> {
            assertThat(s.members()).hasSize(logs);
            assertThat(s.id()).startsWith("pack:svc-00.log#0-");
        });
        completeAll();

        for (int scan = 0; scan < 3; scan++) {
            StringBuilder expected = new StringBuilder();
            for (String name : ends.keySet()) {
                String more = lines(name, 20 + scan * 5, 25 + scan * 5);
                append(name, more);
                expected.append(more);
            }
            Plan plan = plan();
            assertThat(plan.splits()).as("scan %d", scan).hasSize(1);
            Split pack = plan.splits().getFirst();
            Map<String, Member> byLog = membersByLog(pack);
            assertThat(byLog).hasSize(logs);
            List<LocalFiles.Part> parts = TestSources.open(
                            source, pack, Files.createDirectories(dir.resolve("scratch-" + (scratch++))))
                    .parts();
            for (int i = 0; i < parts.size(); i++) {
                String name = parts.get(i).key();
                Member m = pack.members().get(i);
                assertThat(m.start())
                        .as("%s continues where it was read to", name)
                        .isEqualTo(ends.get(name));
                ends.put(name, m.end());
            }
            assertThat(read(pack)).as("every log's new lines, once").isEqualTo(expected.toString());
            completeAll();
        }
        assertThat(plan().splits()).isEmpty();
        assertThat(TestSources.status(source, ledger))
                .allSatisfy(l -> assertThat(l).endsWith("(last range done), 0 byte(s) behind"));
    }

    @Test
    void packsKeepToTheLimitsAndALogsRangesToOnePerSplitInOrder() throws IOException {
        source = source("path: in\nformat: text\ntail: true\nsplit_size: 1KB\npack: { max_files: 4 }\n");
        Map<String, StringBuilder> content = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            String name = "log-" + i + ".log";
            String text = lines(name, 0, i == 3 ? 200 : 10); // log-3 grows by several split sizes
            write(name, text);
            content.put(name, new StringBuilder(text));
        }
        Plan plan = plan();
        Map<String, StringBuilder> read = new LinkedHashMap<>();
        long lastEnd = -1;
        for (Split split : plan.splits()) {
            assertThat(split.members().size()).isLessThanOrEqualTo(4);
            membersByLog(split);
            List<LocalFiles.Part> parts = TestSources.open(
                            source, split, Files.createDirectories(dir.resolve("scratch-" + (scratch++))))
                    .parts();
            for (int i = 0; i < parts.size(); i++) {
                LocalFiles.Part part = parts.get(i);
                Member m = split.members().get(i);
                assertThat(m.end() - m.start()).isLessThanOrEqualTo(1024 + 200);
                read.computeIfAbsent(part.key(), k -> new StringBuilder()).append(Files.readString(part.file()));
                if (part.key().equals("log-3.log")) {
                    assertThat(m.start())
                            .as("log-3's ranges in later splits, in order")
                            .isEqualTo(Math.max(lastEnd, 0));
                    lastEnd = m.end();
                }
            }
        }
        assertThat(plan.splits().size()).isGreaterThanOrEqualTo(5);
        content.forEach((name, text) -> assertThat(read.get(name)).as(name).hasToString(text.toString()));
        assertThat(lastEnd).isEqualTo(size(content.get("log-3.log").toString()));
        // the ledger continues each log where its last range ends
        completeAll();
        append("log-3.log", lines("log-3.log", 200, 201));
        Split next = splitOf(plan(), "log-3.log");
        assertThat(next.members().getFirst().start()).isEqualTo(lastEnd);
    }

    /**
     * A later range's head is noted in the split its log was registered last in: a scan looks those splits up at once,
     * only for the logs that grew, so a scan of many quiet logs asks a network ledger nothing more.
     */
    @Test
    void aScanLooksUpTheSplitsOfTheLogsThatGrewAtOnceAndNoneOfTheQuietOnes() throws IOException {
        for (int i = 0; i < 5; i++) write("log-" + i + ".log", lines("log-" + i, 0, 20));
        plan();
        completeAll();
        append("log-1.log", lines("log-1", 20, 22));
        append("log-3.log", lines("log-3", 20, 22));
        List<String> asked = new java.util.ArrayList<>();
        SqliteLedger real = ledger;
        io.sluice.spi.Ledger counting = (io.sluice.spi.Ledger) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.sluice.spi.Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("split")) asked.add("split " + args[0]);
                    if (method.getName().equals("splits"))
                        asked.add("splits of " + ((java.util.Collection<?>) args[0]).size());
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Plan plan = TestSources.plan(source, counting);
        assertThat(plan.splits()).isNotEmpty();
        assertThat(asked)
                .as("one batched look-up of the split the grown logs were registered in (one pack), none per log")
                .containsExactly("splits of 1");
    }

    /**
     * The divider reads each range of a pack alone to find the one that fails: alone, a range keeps what its pack notes
     * of it (its end mark, where its log's first range ends), so it is typed by the same head as in the pack.
     */
    @Test
    void aRangeOfAPackReadAloneKeepsWhatThePackNotesOfIt() throws IOException {
        for (int i = 0; i < 3; i++) write("log-" + i + ".log", lines("log-" + i, 0, 20));
        plan();
        completeAll();
        for (int i = 0; i < 3; i++) append("log-" + i + ".log", lines("log-" + i, 20, 22));
        Split pack = plan().splits().stream()
                .filter(s -> s.members().size() == 3)
                .findFirst()
                .orElseThrow();
        for (Member m : pack.members()) {
            Split alone = source.alone(pack, m);
            assertThat(alone.id()).isEqualTo(pack.id());
            assertThat(alone.members()).containsExactly(m);
            assertThat(EndMarks.of(alone))
                    .as("what the pack notes of " + m.key())
                    .containsExactlyElementsOf(EndMarks.of(pack, List.of(m)))
                    .allSatisfy(n -> assertThat(n.headEnd()).isNotNull().isPositive());
        }
    }

    @Test
    void manyNewBytesAreSpreadOverASplitPerWorker() throws IOException {
        // 3 MB in 6 logs, parallelism 2: not one pack but (at least) one per worker
        for (int i = 0; i < 6; i++) write("big-" + i + ".log", lines("big-" + i, 0, 12_000));
        Plan plan = plan();
        assertThat(plan.splits().size()).isBetween(2, 6);
        assertThat(plan.splits()).allSatisfy(s -> assertThat(s.bytes()).isGreaterThanOrEqualTo(1 << 20));
        assertThat(plan.splits().stream().mapToInt(s -> s.members().size()).sum())
                .isEqualTo(6);
    }

    @Test
    void aPackRefusedBecauseAnotherPlannerRegisteredARangeFirstIsPlannedAgainFromThere() throws IOException {
        source = source("path: in\nformat: text\ntail: true\nsplit_size: 1KB\n");
        String first = lines("app", 0, 20);
        write("app.log", first);
        write("other.log", lines("other", 0, 20));
        plan();
        completeAll();
        String more = lines("app", 20, 200);
        append("app.log", more);
        append("other.log", lines("other", 20, 22));
        String identity = identityOf("app.log");

        // another planner registers app.log's next lines first, up to a line boundary the plan does not cut at
        long theirEnd = size(first + lines("app", 20, 23));
        SqliteLedger real = ledger;
        boolean[] raced = {false};
        io.sluice.spi.Ledger racing = (io.sluice.spi.Ledger) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.sluice.spi.Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register") && !raced[0]) {
                        raced[0] = true;
                        assertThat(real.register(List.of(new Split(
                                        "theirs",
                                        List.of(new Member(identity, "g1", size(first), theirEnd, null)),
                                        theirEnd - size(first)))))
                                .hasSize(1);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Plan plan = TestSources.plan(source, racing);
        assertThat(raced[0]).isTrue();
        // every byte of app.log after the done range is registered once: theirs, then this plan's from their end
        long at = theirEnd;
        StringBuilder ours = new StringBuilder();
        for (Split s : plan.splits()) {
            for (Member m : s.members()) {
                if (!m.key().equals(identity)) continue;
                assertThat(m.start()).isEqualTo(at);
                at = m.end();
                ours.append(read(new Split("view", List.of(m), m.end() - m.start())));
            }
        }
        assertThat(at).isEqualTo(size(first + more));
        assertThat(ours.toString()).isEqualTo(lines("app", 23, 200));
        assertThat(plan.splits())
                .anySatisfy(s -> assertThat(s.members())
                        .anySatisfy(m -> assertThat(m.key()).isNotEqualTo(identity)));
    }

    /** The identity a log is known by in the ledger, from a plan that registers nothing. */
    private String identityOf(String name) throws IOException {
        Plan preview = TestSources.preview(source, ledger);
        for (Split s : preview.splits()) {
            List<LocalFiles.Part> parts = TestSources.open(
                            source, s, Files.createDirectories(dir.resolve("scratch-" + (scratch++))))
                    .parts();
            for (int i = 0; i < parts.size(); i++)
                if (parts.get(i).key().equals(name)) return s.members().get(i).key();
        }
        throw new AssertionError(name + " not in " + preview.splits());
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

        Plan plan = plan();
        assertThat(plan.splits())
                .as("both logs' new lines, packed")
                .singleElement()
                .satisfies(s -> assertThat(s.members()).hasSize(2));
        Split rotated = splitOf(plan, "app.log.1");
        assertThat(rotated.members().getFirst().start())
                .as("continues where app.log was read to")
                .isEqualTo(size(first));
        assertThat(read(rotated)).isEqualTo(beforeRename + afterRename);
        Split current = splitOf(plan, "app.log");
        assertThat(current.members().getFirst().start()).isZero();
        assertThat(read(current)).isEqualTo(fresh);
        assertThat(rotated.members().getFirst().key())
                .isNotEqualTo(current.members().getFirst().key());
        completeAll();
        assertThat(plan().splits()).isEmpty();
    }

    @Test
    void aTruncatedLogIsReadAgainFromTheStartAsANewGeneration() throws IOException {
        // a log that starts with the same banner every time it is started: same identity after truncation
        String first = BANNER + lines("app", 0, 30);
        write("app.log", first);
        Split s1 = splitOf(plan(), "app.log");
        completeAll();

        String again = BANNER + lines("app", 100, 103);
        assertThat(size(again)).isLessThan(size(first));
        write("app.log", again);
        Plan plan = plan();
        Split s2 = splitOf(plan, "app.log");
        assertThat(plan.notices())
                .singleElement()
                .satisfies(n ->
                        assertThat(n).contains("app.log was truncated").contains("reading it again from the start"));
        assertThat(s2.members().getFirst().start()).isZero();
        assertThat(s2.members().getFirst().key())
                .as("the same log")
                .isEqualTo(s1.members().getFirst().key());
        assertThat(s2.members().getFirst().fingerprint())
                .isNotEqualTo(s1.members().getFirst().fingerprint());
        assertThat(s2.id()).as("a distinct split id").isNotEqualTo(s1.id()).contains(".g2");
        assertThat(read(s2)).isEqualTo(again);
        completeAll();

        // the new generation then grows like any log
        append("app.log", lines("app", 103, 104));
        Split s3 = splitOf(plan(), "app.log");
        assertThat(s3.members().getFirst().start()).isEqualTo(size(again));
        assertThat(s3.id()).contains(".g2");
    }

    /**
     * A range planned before its log was truncated and written again (a log with a banner keeps its identity), read
     * after the new generation grew past the range's end: the range's bytes went with the truncation, and the bytes at
     * its offsets now are the new generation's, which its own ranges read. Read by the old range too, they would be
     * counted twice, and a line cut at the old range's end.
     */
    @Test
    void aRangePlannedBeforeItsLogWasTruncatedAndWrittenAgainReadsNothingOfTheNewBytes() throws IOException {
        String first = BANNER + lines("app", 0, 30);
        Split stale = plannedIn("app.log", first); // registered; its worker lags

        String again = BANNER + lines("app", 100, 103);
        Split fresh = truncatedTo("app.log", again);
        String more = lines("app", 103, 140);
        append("app.log", more);
        assertThat(size(again + more))
                .as("grew past the stale range's end")
                .isGreaterThan(stale.members().getFirst().end());

        Skipped left = leftOut(stale);
        assertThat(left.key()).isEqualTo("app.log");
        assertThat(left.reason()).contains("[0, " + size(first) + ")").contains("truncated and written again");
        completeAll();
        assertThat(read(fresh) + read(splitOf(plan(), "app.log")))
                .as("the new generation, once")
                .isEqualTo(again + more);
    }

    /**
     * A log with a banner truncated after a range was planned, and never grown past that range's end again: the range's
     * bytes went with the truncation, so it is left out, named, as a range whose bytes were written over is, not
     * failed at the end of the file and retried until its split is dead.
     */
    @Test
    void aRangePastTheEndOfItsTruncatedLogIsLeftOutNamedNotRetried() throws IOException {
        String first = BANNER + lines("app", 0, 30);
        Split stale = plannedIn("app.log", first); // registered; its worker lags

        String again = BANNER + lines("app", 100, 103);
        assertThat(size(again)).as("shorter than the stale range's end").isLessThan(size(first));
        Split fresh = truncatedTo("app.log", again);

        Skipped left = leftOut(stale);
        assertThat(left.key()).isEqualTo("app.log");
        assertThat(left.reason())
                .contains("[0, " + size(first) + ")")
                .contains("truncated")
                .contains(size(again) + " bytes");
        assertThat(read(fresh)).as("the new generation, once").isEqualTo(again);
    }

    /**
     * logrotate's copytruncate with dated names ({@code dateext}, {@code extension .log}): the copy
     * {@code app-20261120.log} sorts before the live {@code app.log}. Until the truncation the two have the same first
     * 256 bytes; the log is read from the live file, where the lines written after the copy are, not from the copy,
     * which lacks them (they were lost with the truncation).
     */
    @Test
    void duringACopytruncateTheLiveLogIsReadNotItsCopyThatSortsBeforeIt() throws IOException {
        source = source("path: in\ninclude: \"app*.log\"\nformat: text\ntail: true\n"
                + "rotated: \"app-[0-9]*.log\"\nsettle: 1ms\n");
        String first = lines("day1", 0, 20);
        write("app.log", first);
        assertThat(read(splitOf(plan(), "app.log"))).isEqualTo(first);
        completeAll();

        String beforeCopy = lines("day1", 20, 25);
        append("app.log", beforeCopy);
        Path copy = Files.copy(in.resolve("app.log"), in.resolve("app-20261120.log"));
        Files.setLastModifiedTime(copy, FileTime.fromMillis(OLD));
        String afterCopy = lines("day1", 25, 28);
        append("app.log", afterCopy);
        Plan window = plan();
        assertThat(read(splitOf(window, "app.log"))).isEqualTo(beforeCopy + afterCopy);
        assertThat(skippedOf(window, "app-20261120.log").reason()).contains("a copy of app.log");
        completeAll();

        String day2 = lines("day2", 0, 20);
        Files.writeString(in.resolve("app.log"), day2, StandardOpenOption.TRUNCATE_EXISTING);
        Plan after = plan();
        assertThat(after.splits())
                .as("the new day only; the copy holds nothing new")
                .hasSize(1);
        assertThat(read(splitOf(after, "app.log"))).isEqualTo(day2);
        assertThat(skippedOf(after, "app-20261120.log").reason()).contains("nothing in it is left to read");
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
        assertThat(splitOf(plan(), "app.log").members().getFirst().end())
                .isEqualTo(size(first + lines("app-gen1", 20, 25)));
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

        Plan after = plan();
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

    /**
     * A lagging range whose bytes are now in a rotation that has not settled yet fails, saying so and when it settles:
     * it is tried again then and reads them. A reset (which reads everything again) is no advice for that.
     */
    @Test
    void aRangeWhoseRotationIsNotSettledYetFailsSayingItIsTriedAgainNotToReset() throws IOException {
        source = source("path: in\ninclude: \"app.log*\"\nformat: text\ntail: true\n");
        String first = lines("app-gen1", 0, 20);
        write("app.log", first);
        Split lagging = splitOf(plan(), "app.log");
        Files.delete(in.resolve("app.log"));
        Path gz = gzip("app.log.1.gz", first + lines("app-gen1", 20, 22), System.currentTimeMillis());

        assertThatThrownBy(() -> read(lagging))
                .isInstanceOf(io.sluice.spi.source.NotReadyYet.class)
                .hasMessageContaining("app.log.1.gz")
                .hasMessageContaining("not settled yet")
                .hasMessageContaining("tried again")
                .hasMessageNotContaining("reset")
                .satisfies(e -> assertThat(((io.sluice.spi.source.NotReadyYet) e).readyAt())
                        .as("when it settles: settle after its last change")
                        .isEqualTo(Files.getLastModifiedTime(gz).toInstant().plus(java.time.Duration.ofSeconds(2))));

        Files.setLastModifiedTime(gz, FileTime.fromMillis(OLD));
        assertThat(read(lagging)).as("the retry, once it settled").isEqualTo(first);
    }

    @Test
    void aRangeWhoseLogIsGoneFailsSuggestingARestoreOrAReset() throws IOException {
        String first = lines("app-gen1", 0, 20);
        write("app.log", first);
        Split lagging = splitOf(plan(), "app.log");
        Files.delete(in.resolve("app.log"));

        assertThatThrownBy(() -> read(lagging))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("last seen as app.log")
                .hasMessageContaining("`sluice reset`");
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

        Plan plan = plan();
        assertThat(plan.splits())
                .singleElement()
                .satisfies(s -> assertThat(s.id()).startsWith("app.log.1#0-"));
        assertThat(skippedOf(plan, "app.log.1.gz").reason()).contains("the same log as app.log.1");
        completeAll();

        // the plain file goes: the gzip holds nothing new
        Files.delete(in.resolve("app.log.1"));
        Plan after = plan();
        List<Split> gz = after.splits();
        if (!gz.isEmpty()) {
            assertThat(gz).singleElement().satisfies(s -> assertThat(read(s)).isEmpty());
        }
    }

    // ---- identity ------------------------------------------------------------------------------------

    @Test
    void aFileShorterThanTheIdentityWaitsUntilItHasGrown() throws IOException {
        write("small.log", "small 1 c cpu 1\n");
        Plan plan = plan();
        assertThat(plan.splits()).isEmpty();
        assertThat(skippedOf(plan, "small.log").reason()).contains("shorter than 256 bytes");
        assertThat(skippedOf(plan, "small.log").why())
                .as("not counted as processed")
                .isEqualTo(Skipped.Why.SKIPPED);

        append("small.log", lines("small", 2, 20));
        Split s = splitOf(plan(), "small.log");
        assertThat(s.members().getFirst().start()).isZero();
        assertThat(read(s)).startsWith("small 1 c cpu 1\n");
    }

    @Test
    void aGzippedRotationShorterThanTheIdentityIsReadWhole() throws IOException {
        // a quiet log, rotated and compressed before it reached 256 bytes: it will never grow
        source = source("path: in\ninclude: \"quiet.log*\"\nformat: text\ntail: true\n");
        String content = "quiet 1 c cpu 1\nquiet 2 c cpu 2\n";
        write("quiet.log", content);
        assertThat(skippedOf(plan(), "quiet.log").reason()).contains("shorter than 256 bytes");
        Files.delete(in.resolve("quiet.log"));
        gzip("quiet.log.1.gz", content, OLD);

        Split s = splitOf(plan(), "quiet.log.1.gz");
        assertThat(s.members().getFirst().start()).isZero();
        assertThat(s.members().getFirst().end()).isEqualTo(Member.WHOLE);
        assertThat(read(s)).isEqualTo(content);
        completeAll();
        Plan after = plan();
        assertThat(after.splits()).as("read once").isEmpty();
        assertThat(skippedOf(after, "quiet.log.1.gz").reason()).contains("read completely");
    }

    /**
     * Two short gzipped rotations with the same bytes (a quiet log's heartbeats, one day and the next) are two files:
     * each is read once. The first one, renamed by the next rotation, is still the one read.
     */
    @Test
    void twoShortGzippedRotationsWithTheSameBytesAreEachReadOnce() throws IOException {
        source = source("path: in\ninclude: \"hb.log*\"\nformat: text\ntail: true\n");
        String beats = "heartbeat ok\n".repeat(3);
        Path dayOne = gzip("hb.log.1.gz", beats, OLD - Duration.ofDays(1).toMillis());
        assertThat(read(splitOf(plan(), "hb.log.1.gz"))).isEqualTo(beats);
        completeAll();

        Files.move(dayOne, in.resolve("hb.log.2.gz"));
        gzip("hb.log.1.gz", beats, OLD);
        Plan next = plan();
        assertThat(read(splitOf(next, "hb.log.1.gz")))
                .as("the next day's rotation")
                .isEqualTo(beats);
        assertThat(next.splits()).as("the renamed one is not read again").hasSize(1);
        assertThat(skippedOf(next, "hb.log.2.gz").reason()).contains("read completely");
        completeAll();
        assertThat(plan().splits()).isEmpty();
    }

    /** Short gzipped rotations read before their identity named their modification time are not read again. */
    @Test
    void aShortGzippedRotationReadUnderItsBytesAloneIsNotReadAgain() throws Exception {
        source = source("path: in\ninclude: \"hb.log*\"\nformat: text\ntail: true\n");
        String beats = "heartbeat ok\n".repeat(3);
        gzip("hb.log.1.gz", beats, OLD);
        // as an earlier Sluice registered it: known by a hash of its bytes alone
        String bytesAlone = "tail:"
                + java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(beats.getBytes(StandardCharsets.UTF_8)))
                        .substring(0, 24);
        Split earlier = new Split(
                "hb.log.1.gz#0-end@" + bytesAlone.substring(5, 13),
                List.of(new Member(bytesAlone, "g1", 0, Member.WHOLE, null)),
                40);
        assertThat(ledger.register(List.of(earlier))).hasSize(1);
        Plan plan = plan();
        assertThat(plan.splits()).isEmpty();
        assertThat(skippedOf(plan, "hb.log.1.gz").reason()).contains("read completely");
        assertThat(read(earlier)).as("that split, still to run, reads the file").isEqualTo(beats);
    }

    @Test
    void twoLogsWithTheSameFirstBytesAreReportedNotSilentlyDropped() throws IOException {
        String banner = "# usage log " + "=".repeat(260) + "\n";
        write("a.log", banner + lines("a", 0, 5));
        write("b.log", banner + lines("b", 0, 5));
        Plan plan = plan();
        assertThat(plan.splits())
                .singleElement()
                .satisfies(s -> assertThat(s.id()).startsWith("a.log#"));
        Skipped b = skippedOf(plan, "b.log");
        assertThat(b.why()).isEqualTo(Skipped.Why.SKIPPED);
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

        List<String> status = TestSources.status(source, ledger);
        assertThat(status)
                .contains(
                        "app.log: read to byte " + size(first) + " of " + (size(first) + size(more))
                                + " (last range done), " + size(more) + " byte(s) behind",
                        "other.log: not read yet (" + size(other) + " bytes)");
        assertThat(status)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("old.log.gz: compressed rotation, read from byte 0")
                        .contains("done"));

        // planned but not processed yet: the range is registered, its state says so
        plan();
        assertThat(TestSources.status(source, ledger))
                .contains("app.log: read to byte " + (size(first) + size(more)) + " of " + (size(first) + size(more))
                        + " (last range pending), 0 byte(s) behind");
    }

    private void completeAfter(Plan plan) {
        assertThat(plan.splits()).isNotEmpty();
        completeAll();
    }
}
