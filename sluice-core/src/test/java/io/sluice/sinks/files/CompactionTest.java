package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.Merges;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.MergingStep;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.sink.PartialResults;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.steps.aggregate.AggregateStepFactory;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of an aggregate's partials in the files sink: the partials of done splits are folded into one compacted
 * partial so that a merge reads a few files, and the totals stay those of one query over every done split's input,
 * counted once, across many merges, a crash at any step of a compaction, a stale worker writing a folded split's
 * partial again, a reset that runs splits again (with other content, or no rows), and a split retried after it failed.
 * A file delivered again counts in one version, the newest done, whatever point its new version's commit stopped at.
 */
class CompactionTest {
    /** Every kind of measure, with a time window: each partial column kind is folded. */
    private static final String AGGREGATE = """
            group_by: [consumer, resource]
            window: { column: ts, size: 1h }
            measures: { total: sum(amount), lines: count(*), lo: min(amount), hi: max(amount), mean: avg(price), users: count_distinct(who), cost: sum(price) }
            """;

    private static final String ORACLE_MEASURES = "sum(amount) AS total, count(*) AS lines, min(amount) AS lo, "
            + "max(amount) AS hi, round(avg(price), 6) AS mean, count(DISTINCT who) AS users, sum(price) AS cost";

    @TempDir
    Path dir;

    private Connection c;
    private MergingStep step;
    private FilesSink sink;
    /** The ledger as the merge sees it: done split id to completion, in completion order. */
    private final Map<String, String> done = new LinkedHashMap<>();
    /** Each split's input rows, as a query over range(): from, to, seed. */
    private final Map<String, long[]> inputs = new LinkedHashMap<>();

    private int completions;

    private PipelineContext context;
    private final Commits commits = new Commits();

    /** The query a merge reads the partials with, as the engine builds it; null when there are none. */
    private static String query(java.util.Optional<List<Path>> files) {
        return files.map(f -> "SELECT * FROM read_parquet(" + io.sluice.spi.Sql.pathList(f) + ", union_by_name = true)")
                .orElse(null);
    }

    @BeforeEach
    void setUp() throws Exception {
        c = DriverManager.getConnection("jdbc:duckdb:");
        context = new PipelineContext(
                "compaction", dir.resolve("p.yaml"), 1, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC());
        Options agg = new Validator(dir, k -> null)
                .validate(YamlReader.parse("agg.yaml", AGGREGATE), (Type.Obj) new AggregateStepFactory().options());
        step = (MergingStep) new AggregateStepFactory().create(agg, context);
        sink = newSink();
        sink.check();
        sink.prepare();
    }

    @AfterEach
    void tearDown() throws Exception {
        c.close();
    }

    /** A sink as a new process opens it: nothing cached. */
    FilesSink newSink() {
        return sinkOver(new LocalObjectStore(dir.resolve("out")), dir.resolve("out"));
    }

    /** A sink over this store (its folder {@code local} when it is a local one, else null), deletes watched. */
    FilesSink sinkOver(ObjectStore store, Path local) {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
        return new FilesSink(new Deletes(store), local, "csv", "none", List.of(), o, dir, null);
    }

    /** Called with the key before each write reaches the store: may throw, as a process killed there. */
    private volatile Consumer<String> beforeWrite = key -> {};

    /** Called with the key before each delete reaches the store: another process's write may land there. */
    private volatile Consumer<String> beforeDelete = key -> {};

    /**
     * Runs {@link #beforeDelete} before each delete. A delete of one version reaches the store's own in one call, as
     * the conditional delete of S3, GCS and Azure does (one request: no write lands between its check and removal).
     * Runs {@link #beforeWrite} before each write.
     */
    private final class Deletes extends ForwardingObjectStore {
        Deletes(ObjectStore store) {
            super(store);
        }

        @Override
        public void delete(String key) throws IOException {
            beforeDelete.accept(key);
            store.delete(key);
        }

        @Override
        public void delete(String key, String version) throws IOException {
            beforeDelete.accept(key);
            store.delete(key, version);
        }

        @Override
        public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
            beforeWrite.accept(key);
            return store.write(key, file, condition);
        }

        @Override
        public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
            beforeWrite.accept(key);
            return store.write(key, content, condition);
        }
    }

    private static String input(long from, long to, long seed) {
        return "SELECT 'c' || ((i * " + seed + ") % 7) AS consumer, 'r' || (i % 3) AS resource, "
                + "TIMESTAMP '2026-11-20 00:00:00' + to_minutes((i * 37 + " + seed + ") % 600) AS ts, "
                + "(i * 13 + " + seed + ") % 1000 AS amount, ((i * 7) % 100)::DECIMAL(10,2) / 4 AS price, "
                + "'u' || ((i + " + seed + ") % 40) AS who FROM range(" + from + ", " + to + ") t(i)";
    }

    /** Runs a split: writes its partial, as a worker does before the ledger records it done. */
    private void write(String id, long from, long to, long seed) throws Exception {
        write(sink, id, from, to, seed);
    }

    void write(FilesSink into, String id, long from, long to, long seed) throws Exception {
        Split split = new Split(id, List.of(Member.whole(id, "f", null)), 1);
        commits.writePartial(into, c, split, step.apply(input(from, to, seed)));
        inputs.put(id, new long[] {from, to, seed});
    }

    /** The ledger records the split done: a new completion each time. */
    private void complete(String id) {
        done.remove(id);
        done.put(id, "t" + (++completions));
    }

    void run(String id, long from, long to, long seed) throws Exception {
        write(id, from, to, seed);
        complete(id);
    }

    PartialResults.DoneSplits ledger() {
        List<PartialResults.Done> list = done.entrySet().stream()
                .map(e -> new PartialResults.Done(e.getKey(), e.getValue()))
                .toList();
        return again -> list;
    }

    int compact(int atLeast) throws Exception {
        return compact(sink, atLeast);
    }

    private int compact(FilesSink with, int atLeast) throws Exception {
        return with.compact(ledger(), (in, out) -> Merges.fold(c, step, in, out), atLeast, commits.locks, dir);
    }

    /** The merged totals, as the runner builds them. */
    List<String> totals() throws Exception {
        return totals(sink);
    }

    private List<String> totals(FilesSink with) throws Exception {
        String partials = query(with.read(ledger(), dir));
        if (partials == null) return List.of();
        return rows("SELECT consumer, resource, window_start, total, lines, lo, hi, round(mean, 6), users, cost FROM ("
                + step.merge(partials) + ") ORDER BY ALL");
    }

    /** One query over the input of every done split. */
    List<String> oracle() throws Exception {
        return oracle(done.keySet());
    }

    /** One query over the input of these splits. */
    private List<String> oracle(Collection<String> ids) throws Exception {
        List<String> parts = new ArrayList<>();
        for (String id : ids) {
            long[] in = inputs.get(id);
            if (in != null && in[1] > in[0]) parts.add(input(in[0], in[1], in[2]));
        }
        if (parts.isEmpty()) return List.of();
        return rows("SELECT consumer, resource, time_bucket(INTERVAL '1 hour', ts) AS window_start, " + ORACLE_MEASURES
                + " FROM (" + String.join(" UNION ALL ", parts) + ") GROUP BY ALL ORDER BY ALL");
    }

    private List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) b.append(i > 1 ? "|" : "").append(r.getString(i));
                out.add(b.toString());
            }
        }
        return out;
    }

    private Path partials() {
        return dir.resolve("out/_sluice/partials");
    }

    private List<String> files(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /**
     * The compacted folder holds one compaction: its data file, its manifest, and the segments the manifest names
     * (a few: their sizes halve from the oldest on), nothing left over.
     */
    private void assertOneCompaction() throws Exception {
        List<String> all = files(partials().resolve("compacted"));
        assertThat(all)
                .filteredOn(n -> n.matches("c-\\d{12}-[0-9a-f]{8}\\.json"))
                .hasSize(1);
        assertThat(all)
                .filteredOn(n -> n.matches("c-\\d{12}-[0-9a-f]{8}\\.parquet"))
                .hasSize(1);
        String manifest = all.stream()
                .filter(n -> n.endsWith(".json") && n.startsWith("c-"))
                .findFirst()
                .orElseThrow();
        String text = Files.readString(partials().resolve("compacted").resolve(manifest));
        List<String> segments = all.stream().filter(n -> n.startsWith("s-")).toList();
        assertThat(segments).isNotEmpty().allSatisfy(seg -> assertThat(text).contains(seg));
        assertThat(all).hasSize(2 + segments.size());
        assertThat(segments.size()).isLessThanOrEqualTo(1 + (int) (Math.log(Math.max(1, done.size())) / Math.log(2)));
    }

    private static int filesRead(String query) {
        return query.split("\\.parquet'", -1).length - 1;
    }

    // ---- many scans ------------------------------------------------------------------------------------

    @Test
    void totalsStayExactOverManyScansAndEachMergeReadsAFewFiles() throws Exception {
        Random random = new Random(3);
        long at = 0;
        int foldedSplits = 0;
        for (int scan = 0; scan < 100; scan++) {
            long n = 1 + random.nextInt(60);
            run("split-" + scan, at, at + n, 1 + random.nextInt(97));
            at += n;
            foldedSplits += compact(16);
            String query = query(sink.read(ledger(), dir));
            assertThat(filesRead(query)).as("scan %d", scan).isLessThanOrEqualTo(16);
            if (scan % 20 == 19) assertThat(totals()).as("scan %d", scan).isEqualTo(oracle());
        }
        assertThat(foldedSplits).isGreaterThan(80);
        assertThat(totals()).isEqualTo(oracle());
        assertOneCompaction();
        assertThat(files(partials().resolve("compacted")))
                .as("several segments")
                .filteredOn(n -> n.startsWith("s-"))
                .hasSizeGreaterThan(1);
        sink = newSink(); // a new process reads the manifest and its segments
        assertThat(totals()).isEqualTo(oracle());
        run("split-last", at, at + 5, 2);
        assertThat(compact(1)).isEqualTo(foldedSplits == 100 ? 1 : 101 - foldedSplits);
        assertThat(totals()).isEqualTo(oracle());
        assertOneCompaction();
        assertThat(files(partials()).size()).isLessThan(16);
    }

    @Test
    void aCompactionFoldsOnlyOnceEnoughPartialsWait() throws Exception {
        for (int i = 0; i < 5; i++) run("s" + i, i * 10, i * 10 + 10, i + 1);
        assertThat(compact(16)).isZero();
        assertThat(files(partials())).hasSize(5);
        assertThat(compact(5)).isEqualTo(5);
        assertThat(files(partials())).isEmpty();
        assertThat(totals()).isEqualTo(oracle());
    }

    @Test
    void compactedFilesAreNamedWithAsciiDigitsWhateverTheLocale() throws Exception {
        for (int i = 0; i < 5; i++) run("s" + i, i * 10, i * 10 + 10, i + 1);
        java.util.Locale before = java.util.Locale.getDefault();
        // a locale whose digits are not ASCII: the names must sort and parse the same on every machine
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("th-TH-u-nu-thai"));
        try {
            assertThat(compact(5)).isEqualTo(5);
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertThat(files(partials().resolve("compacted"))).allMatch(n -> n.matches("[cs]-\\d{12}-[0-9a-f]{8}\\..+"));
    }

    // ---- crashes -----------------------------------------------------------------------------------------

    @Test
    void aCrashAtAnyStepOfACompactionLeavesTheTotalsExact() throws Exception {
        List<String> steps = List.of(
                "data written",
                "segment written",
                "manifest committed",
                "first partial deleted",
                "partials deleted",
                "old files deleted");
        int split = 0;
        long at = 0;
        for (String crashAt : steps) {
            for (int i = 0; i < 6; i++, split++, at += 17) run("split-" + split, at, at + 17, split + 5);
            sink.partialStore().afterStep = s -> {
                if (s.equals(crashAt)) throw new IllegalStateException("killed after: " + s);
            };
            assertThatThrownBy(() -> compact(4)).hasMessageContaining("killed after: " + crashAt);

            // the next process: the totals are exact, a compaction completes, and leaves no stray file
            sink = newSink();
            assertThat(totals()).as("after a crash once the %s", crashAt).isEqualTo(oracle());
            for (int i = 0; i < 2; i++, split++, at += 11) run("split-" + split, at, at + 11, split + 5);
            assertThat(compact(1)).isPositive();
            assertThat(totals())
                    .as("compacted again after a crash once the %s", crashAt)
                    .isEqualTo(oracle());
            assertThat(files(partials())).as("folded partials removed").isEmpty();
            assertOneCompaction();
        }
    }

    // ---- replays -----------------------------------------------------------------------------------------

    @Test
    void aFoldedSplitWrittenAgainByAStaleWorkerCountsOnce() throws Exception {
        for (int i = 0; i < 8; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(compact(8)).isEqualTo(8);
        List<String> before = totals();

        // a worker that lost its lease commits s3's partial once more; the ledger has s3 done, folded
        write("s3", 60, 80, 4);
        assertThat(files(partials())).hasSize(1);
        assertThat(totals()).isEqualTo(before).isEqualTo(oracle());
        for (int i = 8; i < 10; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(compact(2)).as("s8, s9; s3 is not folded twice").isEqualTo(2);
        assertThat(files(partials())).isEmpty();
        assertThat(totals()).isEqualTo(oracle());
    }

    @Test
    void afterAResetTheSplitsRunAgainAndTheCompactedPartialsNoLongerCount() throws Exception {
        for (int i = 0; i < 10; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(compact(10)).isEqualTo(10);
        assertThat(totals()).isEqualTo(oracle());

        // reset: the ledger forgets every split; nothing is done
        done.clear();
        sink = newSink();
        assertThat(totals()).isEmpty();

        // the same split ids run again over other input (the files changed), one with no rows at all
        run("s0", 1000, 1050, 7);
        run("s1", 2000, 2010, 8);
        inputs.put("s2", new long[] {0, 0, 0});
        complete("s2"); // no rows: no partial file is written
        assertThat(totals()).isEqualTo(oracle());
        assertThat(oracle()).isNotEmpty();

        // the stale compacted partial is replaced at the first compaction, whatever the threshold
        assertThat(compact(16)).isEqualTo(2);
        assertThat(totals()).isEqualTo(oracle());
        for (int i = 3; i < 10; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(totals()).isEqualTo(oracle());
        assertThat(compact(7)).isEqualTo(7);
        assertThat(totals()).isEqualTo(oracle());
    }

    @Test
    void afterAResetEverySplitRunAgainOverChangedInputCountsItsNewPartialOnly() throws Exception {
        for (int i = 0; i < 4; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(compact(4)).isEqualTo(4);
        List<String> old = totals();

        // reset, and every split (same ids: the same file names) runs again over files that changed since
        done.clear();
        for (int i = 0; i < 4; i++) run("s" + i, 3000 + i * 30, 3000 + i * 30 + 30, i + 11);
        sink = newSink();
        assertThat(totals()).isEqualTo(oracle()).isNotEqualTo(old);
        assertThat(compact(16)).as("the stale compacted partial is replaced").isEqualTo(4);
        assertThat(totals()).isEqualTo(oracle());
    }

    @Test
    void aPartialWrittenAgainAfterAResetWhileACompactionDeletesTheFoldedOnesIsKept() throws Exception {
        // between the compaction's commit and its deletes
        assertAResetAndAReplayOfS0DuringACompactionCountS0sNewPartial(() -> sink.partialStore().afterStep = s -> {
            if (s.equals("manifest committed")) resetAndRunS0Again();
        });
    }

    @Test
    void aPartialWrittenAgainAfterAResetJustBeforeACompactionDeletesItIsKept() throws Exception {
        String s0 = PartialStore.DIR + PartialStore.partialName("s0");
        // after the compaction looked at s0's folded partial, before its delete lands
        assertAResetAndAReplayOfS0DuringACompactionCountS0sNewPartial(() -> beforeDelete = key -> {
            if (!key.equals(s0)) return;
            beforeDelete = k -> {};
            resetAndRunS0Again();
        });
    }

    /** Four splits done, then a compaction during which {@code meanwhile} makes {@link #resetAndRunS0Again} happen. */
    private void assertAResetAndAReplayOfS0DuringACompactionCountS0sNewPartial(Runnable meanwhile) throws Exception {
        for (int i = 0; i < 4; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        meanwhile.run();
        assertThat(compact(4)).isEqualTo(4);
        assertThat(files(partials()))
                .as("the partial s0 wrote again is not one the compaction folded")
                .containsExactly("part-" + FilesSink.hash("s0") + ".parquet");
        assertThat(totals()).isNotEmpty().isEqualTo(oracle());
    }

    /** A reset, and s0 runs again over changed input. */
    private void resetAndRunS0Again() {
        done.clear();
        try {
            run("s0", 900, 947, 5);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMergeBetweenANewVersionsCommitAndItsRecordCountsTheInputInOneVersion() throws Exception {
        aCsvDone();
        // the file delivered again: its new version's partial commits; the ledger has not recorded it done yet
        // (another worker of a pool merges now, or this process is killed here and merges until the split runs again)
        version("a.csv@f2", "f2", 700, 760, 9);
        assertThat(totals())
                .as("a.csv in its first version until the second is done")
                .isEqualTo(counting("a.csv"));

        complete("a.csv@f2");
        assertThat(totals()).as("a.csv in its second version only").isEqualTo(counting("a.csv@f2"));
        assertThat(files(partials()))
                .as("the first version's partial, removed once the second is done")
                .doesNotContain(PartialStore.partialName("a.csv"));
        assertThat(totals()).isEqualTo(counting("a.csv@f2"));
    }

    @Test
    void aNewVersionNeverDoneLeavesTheEarlierCountedUntilANewerOneIsDone() throws Exception {
        aCsvDone();
        version("a.csv@f2", "f2", 700, 760, 9); // committed, then failed for good: never done
        version("a.csv@f3", "f3", 800, 830, 4);
        assertThat(totals()).isEqualTo(counting("a.csv"));

        complete("a.csv@f3");
        assertThat(totals()).isEqualTo(counting("a.csv@f3"));
        assertThat(files(partials()))
                .as("the partials of the earlier versions, done or not, removed")
                .doesNotContain(PartialStore.partialName("a.csv"), PartialStore.partialName("a.csv@f2"));
    }

    @Test
    void aVersionKilledBetweenTwoOthersStillPassesTheNewestOn() throws Exception {
        aCsvDone();
        version("a.csv@f2", "f2", 700, 760, 9);
        complete("a.csv@f2");
        version("a.csv@f3", "f3", 800, 830, 4); // killed after its commit: its split runs again later
        version("a.csv@f4", "f4", 900, 950, 6); // f2's record went at f3's commit: f4 finds f3, not f2
        assertThat(totals()).isEqualTo(counting("a.csv@f2"));

        complete("a.csv@f4");
        assertThat(totals()).as("f2, superseded through f3").isEqualTo(counting("a.csv@f4"));
        // f3 runs again: its input changed since, so nothing is left to read and it is done with nothing committed
        inputs.put("a.csv@f3", new long[] {0, 0, 0});
        complete("a.csv@f3");
        assertThat(totals()).isEqualTo(counting("a.csv@f4"));
    }

    @Test
    void aVersionKilledBeforeItsPartialWasWrittenAndThenDoneWithNothingLeavesTheEarlierCounted() throws Exception {
        aCsvDone();
        killedBeforeItsCommit("a.csv@f2", "f2", PartialStore.DIR + PartialStore.partialName("a.csv@f2"));

        assertThat(totals()).as("a.csv in its first version, not missing").isEqualTo(counting("a.csv"));
    }

    @Test
    void aVersionKilledBeforeItsCommitBetweenTwoOthersStillPassesTheNewestOn() throws Exception {
        aCsvDone();
        version("a.csv@f2", "f2", 700, 760, 9);
        complete("a.csv@f2");
        // f3 records what it supersedes (f2's record goes), then is killed before its commit writes anything
        killedBeforeItsCommit("a.csv@f3", "f3", FilesSink.manifest(FilesSink.name("a.csv@f3")));
        version("a.csv@f4", "f4", 900, 950, 6);
        assertThat(totals()).isEqualTo(counting("a.csv@f2"));

        complete("a.csv@f4");
        assertThat(totals()).as("f2, superseded through f3").isEqualTo(counting("a.csv@f4"));
    }

    /** A version of {@code a.csv} killed before {@code key} is written; run again after a newer version came. */
    private void killedBeforeItsCommit(String id, String fingerprint, String key) throws Exception {
        beforeWrite = k -> {
            if (k.equals(key)) throw new IllegalStateException("killed before " + k + " was written");
        };
        assertThatThrownBy(() -> version(id, fingerprint, 700, 760, 9)).hasMessageContaining("killed");
        beforeWrite = k -> {};
        // it runs again after a newer version came: nothing left to read, done with nothing committed
        inputs.put(id, new long[] {0, 0, 0});
        complete(id);
    }

    @Test
    void aNewVersionWithNoRowsCountsTheInputAsEmpty() throws Exception {
        aCsvDone();
        version("a.csv@f2", "f2", 700, 700, 9); // delivered again, empty
        assertThat(totals()).isEqualTo(counting("a.csv"));

        complete("a.csv@f2");
        assertThat(totals()).isEqualTo(counting(null)).isNotEqualTo(counting("a.csv"));
    }

    @Test
    void afterAResetTheFileRunsAgainAsItsFirstVersionAndCounts() throws Exception {
        aCsvDone();
        version("a.csv@f2", "f2", 700, 760, 9);
        complete("a.csv@f2");
        assertThat(totals()).isEqualTo(counting("a.csv@f2"));

        // reset: the ledger forgets every split, and the file (as it is now) runs again under its first split id
        done.clear();
        version("a.csv", "f2", 700, 760, 9);
        complete("a.csv");
        assertThat(totals()).isEqualTo(counting("a.csv"));
    }

    /** Three splits and the first version of {@code a.csv}, done. */
    private void aCsvDone() throws Exception {
        for (int i = 0; i < 3; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        version("a.csv", "f1", 500, 540, 3);
        complete("a.csv");
        assertThat(totals()).isEqualTo(counting("a.csv"));
    }

    /** A version of {@code a.csv} commits its partial, as its worker does before the ledger records it done. */
    private void version(String id, String fingerprint, long from, long to, long seed) throws Exception {
        commits.writePartial(sink, c, aCsv(id, fingerprint), step.apply(input(from, to, seed)));
        inputs.put(id, new long[] {from, to, seed});
    }

    /** The totals of the done splits when, of {@code a.csv}'s versions, only {@code version} counts (null: none). */
    private List<String> counting(String version) throws Exception {
        return oracle(done.keySet().stream()
                .filter(id -> !id.startsWith("a.csv") || id.equals(version))
                .toList());
    }

    /** A version of the whole file {@code a.csv}, as the files source proposes it. */
    private static Split aCsv(String id, String fingerprint) {
        return new Split(
                id,
                List.of(Member.whole("a.csv", fingerprint, null)),
                1,
                null,
                new OutputKey("a.csv", fingerprint, 0, Member.WHOLE));
    }

    @Test
    void aSplitThatFailedIsNotFoldedUntilItIsDone() throws Exception {
        for (int i = 0; i < 6; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        // s6 committed its partial but failed before the ledger recorded it done (then retried later)
        write("s6", 500, 530, 9);
        assertThat(compact(1)).isEqualTo(6);
        assertThat(files(partials())).containsExactly("part-" + FilesSink.hash("s6") + ".parquet");
        assertThat(totals()).isEqualTo(oracle());

        // `sluice retry`: it runs again, replaces its partial and is done; the next compaction folds it, once
        write("s6", 500, 530, 9);
        complete("s6");
        assertThat(totals()).isEqualTo(oracle());
        assertThat(compact(1)).isEqualTo(1);
        assertThat(compact(1)).isZero();
        assertThat(totals()).isEqualTo(oracle());
    }

    // ---- processes side by side ------------------------------------------------------------------------

    @Test
    void aMergeWhoseListingPredatesAnotherProcesssCompactionListsTheLedgerAgain() throws Exception {
        for (int i = 0; i < 6; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        List<PartialResults.Done> stale = done.entrySet().stream()
                .map(e -> new PartialResults.Done(e.getKey(), e.getValue()))
                .toList();
        run("s6", 500, 520, 3);

        // another process lists the ledger later (s6 done), compacts, and removes the partials it folded
        assertThat(compact(newSink(), 1)).isEqualTo(7);
        AtomicInteger relisted = new AtomicInteger();
        PartialResults.DoneSplits ledger = ledger();
        String partials = query(sink.read(
                again -> {
                    if (!again) return stale;
                    relisted.incrementAndGet();
                    return ledger.list(true);
                },
                dir));
        assertThat(relisted).hasValue(1);
        assertThat(rows(
                        "SELECT consumer, resource, window_start, total, lines, lo, hi, round(mean, 6), users, cost FROM ("
                                + step.merge(partials) + ") ORDER BY ALL"))
                .isEqualTo(oracle());
    }

    @Test
    void aMergeThatListedThePartialsWhileAnotherProcessCompactedThemLooksAgain() throws Exception {
        for (int i = 0; i < 6; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        FilesSink other = newSink();
        // between this merge's look at the newest manifest and its listing of the partial files, another process
        // commits a compaction and deletes the partials it folded
        boolean[] raced = {false};
        sink.partialStore().afterStep = s -> {
            if (s.equals("newest manifest read") && !raced[0]) {
                raced[0] = true;
                try {
                    assertThat(compact(other, 1)).isEqualTo(6);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        assertThat(totals()).isEqualTo(oracle());
        assertThat(raced[0]).isTrue();
    }

    @Test
    void aCompactedFileThatWentMissingIsAnErrorNotALoss() throws Exception {
        for (int i = 0; i < 4; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        assertThat(compact(4)).isEqualTo(4);
        try (Stream<Path> s = Files.list(partials().resolve("compacted"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".parquet")).toList()) Files.delete(p);
        }
        assertThatThrownBy(this::totals)
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("folded into this file are missing")
                .hasMessageContaining("sluice reset");
    }

    @Test
    void theEpochOfEmitChangesDoesNotDependOnCompaction() throws Exception {
        for (int i = 0; i < 5; i++) run("s" + i, i * 20, i * 20 + 20, i + 1);
        Collection<PartialResults.Done> listing = ledger().list(false);
        String before = PartialStore.epoch(listing);
        compact(1);
        assertThat(PartialStore.epoch(ledger().list(false))).isEqualTo(before);
        complete("s2"); // run again after a reset: a new completion
        assertThat(PartialStore.epoch(ledger().list(false))).isNotEqualTo(before);
    }
}
