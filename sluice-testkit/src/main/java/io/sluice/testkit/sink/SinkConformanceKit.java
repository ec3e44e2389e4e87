package io.sluice.testkit.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Sink} must do for the exactly-once contract to hold (rule 3, "replay replaces", and rule 2's
 * fencing), checked through the SPI only. A sink's module subclasses the kit and says how to open the sink and what a
 * reader of its output sees; every test here then runs against that sink.
 *
 * <pre>{@code
 * class FilesSinkConformanceTest extends SinkConformanceKit {
 *     protected Sink openSink() { ... }                        // a sink over a fresh target, not yet prepared
 *     protected List<String> visibleRows(Connection duck) { ... } // "tag|n" per row a reader of the output sees
 *     protected Set<String> stored() { ... }                    // everything in the target, bookkeeping included
 * }
 * }</pre>
 *
 * Rows are {@code (tag VARCHAR, n INTEGER)}. Locks are held in an in-memory ledger shared by every writer of a test, as
 * workers on separate machines share one ledger.
 */
public abstract class SinkConformanceKit {
    private static final Duration LEASE = Duration.ofSeconds(30);

    /** A sink over a fresh target for this test (the same target on each call within a test), not yet prepared. */
    protected abstract Sink openSink() throws Exception;

    /** Every row a reader listing the output sees, as {@code tag|n}, in any order. */
    protected abstract List<String> visibleRows(Connection duck) throws Exception;

    /** Every object or file in the sink's target, bookkeeping included, by name. */
    protected abstract Set<String> stored() throws Exception;

    /**
     * Whether the target itself refuses a writer that lost its lock after its last check (conditional writes, a
     * transaction): false for a target that has no such means (a local folder), where a pause that falls exactly
     * between the check and the writes is a documented limit, and the test that proves it is skipped.
     */
    protected boolean fencedInTheTarget() {
        return true;
    }

    protected Connection duck;
    protected Sink sink;
    private Ledger ledger;
    /** Where each writer gets a scratch folder of its own, as a split's attempt does. */
    @TempDir
    Path scratches;

    @BeforeEach
    void openKit() throws Exception {
        duck = DriverManager.getConnection("jdbc:duckdb:");
        ledger = MemoryLedger.open("sink-kit", Clock.systemUTC());
        sink = openSink();
        sink.check();
        sink.prepare();
    }

    @AfterEach
    void closeKit() throws Exception {
        sink.finish(); // as a run ends: what prepare made for it alone goes
        duck.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** A split of one whole input; {@code version} null: the input's first version (its id is its output key). */
    protected static Split split(String key, String version) {
        String fingerprint = version == null ? "v1" : version;
        return new Split(
                version == null ? key : key + "@" + version,
                List.of(Member.whole(key, fingerprint, null)),
                10,
                null,
                new OutputKey(key, fingerprint, 0, Member.WHOLE));
    }

    /**
     * A split of the byte range {@code [start, end)} of one version of an input, as the files source cuts a large line
     * file: its output key is the input's, with the version and the range, shared by the version's other ranges.
     */
    protected static Split range(String key, String version, long start, long end) {
        return new Split(
                key + "#" + start + "-" + end + "@" + version,
                List.of(new Member(key, version, start, end, null)),
                end - start,
                null,
                new OutputKey(key, version, start, end));
    }

    /** A commit context of a current claim, taking locks as worker {@code owner}. */
    protected SplitCommit current(String owner) {
        return new SplitCommit(() -> {}, () -> true, "incarnation-1", new LedgerLocks(ledger, owner, LEASE));
    }

    /** {@code n} rows tagged {@code tag}. */
    protected DuckRows rows(String tag, int n) {
        return new DuckRows(duck, "SELECT '" + tag + "' AS tag, i::INTEGER AS n FROM range(" + n + ") t(i)");
    }

    protected static List<String> expected(String tag, int n) {
        return IntStream.range(0, n).mapToObj(i -> tag + "|" + i).toList();
    }

    /** A fresh scratch folder for a writer of one attempt, as the runner gives it. */
    protected WriteContext scratch() throws IOException {
        return attempt(0);
    }

    /** The same for an attempt whose claim has this fencing token (0: none fences it). */
    protected WriteContext attempt(long token) throws IOException {
        return new WriteContext(Files.createTempDirectory(scratches, "attempt-"), token);
    }

    protected Written write(Split split, String tag, int n, SplitCommit context) throws Exception {
        try (SinkWriter w = sink.open(split, scratch())) {
            assertThat(w.stage(rows(tag, n), BadRows.NONE)).isEqualTo(n);
            return w.commit(context);
        }
    }

    /** The rows of these csv files (as the sink writes them with {@code format: csv}), as {@code tag|n}. */
    protected static List<String> csvRows(Connection duck, List<java.nio.file.Path> files) throws Exception {
        List<String> rows = new ArrayList<>();
        if (files.isEmpty()) return rows;
        try (java.sql.Statement s = duck.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT tag || '|' || n FROM read_csv("
                        + io.sluice.spi.Sql.pathList(files) + ", union_by_name = true)")) {
            while (r.next()) rows.add(r.getString(1));
        }
        return rows;
    }

    private List<String> visible() throws Exception {
        return visibleRows(duck).stream().sorted().toList();
    }

    /** The rows of these outputs together, in order. */
    @SafeVarargs
    private static List<String> sorted(List<String>... outputs) {
        return java.util.Arrays.stream(outputs).flatMap(List::stream).sorted().toList();
    }

    // ---- the contract ----------------------------------------------------------------------------------

    @Test
    void aCommitMakesTheRowsVisibleOnce() throws Exception {
        Written w = write(split("a.csv", null), "a", 5, current("w1"));
        assertThat(w.rowsOut()).isEqualTo(5);
        assertThat(w.outputs()).isNotEmpty();
        assertThat(visible()).isEqualTo(expected("a", 5));
    }

    @Test
    void aReplayReplaces() throws Exception {
        Split a = split("a.csv", null);
        write(a, "first", 5, current("w1"));
        write(split("b.csv", null), "b", 2, current("w1"));
        write(a, "replay", 3, current("w2"));
        assertThat(visible())
                .as("the replay's rows replace the first attempt's; other splits stay")
                .isEqualTo(sorted(expected("replay", 3), expected("b", 2)));
    }

    @Test
    void aStaleTokenCannotCommit() throws Exception {
        Split a = split("a.csv", null);
        write(a, "taken-over", 4, current("w2"));
        SplitCommit stale = new SplitCommit(
                () -> {
                    throw new StaleClaimException(a.id(), 1);
                },
                () -> true,
                "incarnation-1",
                new LedgerLocks(ledger, "w1", LEASE));
        try (SinkWriter w = sink.open(a, scratch())) {
            w.stage(rows("stale", 7), BadRows.NONE);
            assertThatThrownBy(() -> w.commit(stale)).isInstanceOf(StaleClaimException.class);
        }
        assertThat(visible()).as("the current holder's output stays").isEqualTo(expected("taken-over", 4));
    }

    /**
     * A worker that waited out a ledger outage between its claim and its staging stages after the worker that took the
     * split over, and is closed after that one's commit: nothing it does may harm the newer attempt's output.
     */
    @Test
    void aStaleAttemptStagingLateLeavesTheNewerAttemptsOutputWhole() throws Exception {
        Split a = split("a.csv", null);
        SplitCommit newer =
                new SplitCommit(() -> {}, () -> true, "incarnation-1", 2, 7, new LedgerLocks(ledger, "w2", LEASE));
        try (SinkWriter current = sink.open(a, attempt(7));
                SinkWriter stale = sink.open(a, attempt(5))) {
            assertThat(current.stage(rows("newer", 4), BadRows.NONE)).isEqualTo(4);
            stale.stage(rows("stale", 6), BadRows.NONE);
            assertThat(current.commit(newer).rowsOut()).isEqualTo(4);
        }
        assertThat(visible()).isEqualTo(expected("newer", 4));
    }

    @Test
    void aCrashBetweenStageAndCommitLeavesNoVisibleOutput() throws Exception {
        Split a = split("a.csv", null);
        SinkWriter crashed = sink.open(a, scratch());
        crashed.stage(rows("crashed", 6), BadRows.NONE);
        // the process dies here: neither commit nor abort nor close runs
        assertThat(visible()).isEmpty();
        Sink afterRestart = openSink();
        sink = afterRestart;
        write(a, "retried", 2, current("w2"));
        assertThat(visible())
                .as("the retry's rows, nothing of the crashed attempt")
                .isEqualTo(expected("retried", 2));
    }

    @Test
    void abortLeavesNothingBehind() throws Exception {
        write(split("b.csv", null), "b", 2, current("w1"));
        Set<String> before = stored();
        try (SinkWriter w = sink.open(split("a.csv", null), scratch())) {
            w.stage(rows("aborted", 6), BadRows.NONE);
            w.abort();
        }
        assertThat(stored()).as("abort removes what staging wrote").isEqualTo(before);
        assertThat(visible()).isEqualTo(expected("b", 2));
    }

    @Test
    void closingAnUncommittedWriterAborts() throws Exception {
        Set<String> before = stored();
        try (SinkWriter w = sink.open(split("a.csv", null), scratch())) {
            w.stage(rows("dropped", 3), BadRows.NONE);
        }
        assertThat(stored()).isEqualTo(before);
        assertThat(visible()).isEmpty();
    }

    @Test
    void aNewVersionOfAnOutputReplacesTheOld() throws Exception {
        write(split("a.csv", null), "v1", 4, current("w1"));
        write(split("a.csv", "v2"), "v2", 3, current("w1"));
        assertThat(visible())
                .as("two versions of one output are never both visible")
                .isEqualTo(expected("v2", 3));
        write(split("a.csv", "v3"), "v3", 1, current("w1"));
        assertThat(visible()).isEqualTo(expected("v3", 1));
    }

    /**
     * The byte ranges of one version of an input are siblings ({@link OutputKey#sibling}): each range's commit keeps
     * the others' output (a file larger than {@code split_size} is loaded whole), a replay of one range replaces only
     * its own, and a new version replaces the output of every range of the old one.
     */
    @Test
    void rangesOfOneVersionKeepEachOtherAndANewVersionReplacesThemAll() throws Exception {
        write(split("b.csv", null), "b", 2, current("w1"));
        write(range("a.csv", "v1", 0, 100), "v1r0", 2, current("w1"));
        write(range("a.csv", "v1", 100, 200), "v1r1", 3, current("w2"));
        write(range("a.csv", "v1", 200, 300), "v1r2", 1, current("w1"));
        assertThat(visible())
                .as("every range's output, each once")
                .isEqualTo(sorted(expected("v1r0", 2), expected("v1r1", 3), expected("v1r2", 1), expected("b", 2)));

        write(range("a.csv", "v1", 100, 200), "v1r1again", 2, current("w3"));
        assertThat(visible())
                .as("a replay of a range replaces its own output and keeps its siblings'")
                .isEqualTo(
                        sorted(expected("v1r0", 2), expected("v1r1again", 2), expected("v1r2", 1), expected("b", 2)));

        write(range("a.csv", "v2", 0, 150), "v2r0", 4, current("w1"));
        assertThat(visible())
                .as("the first range of a new version replaces every range of the old one; other inputs stay")
                .isEqualTo(sorted(expected("v2r0", 4), expected("b", 2)));
        write(range("a.csv", "v2", 150, 300), "v2r1", 1, current("w2"));
        assertThat(visible())
                .as("the new version's ranges keep each other")
                .isEqualTo(sorted(expected("v2r0", 4), expected("v2r1", 1), expected("b", 2)));
    }

    /**
     * A range of a version that overlaps earlier ranges of that version (the input cut otherwise, planned again after a
     * reset) replaces them: two outputs holding the same bytes never both stay. A range it does not overlap stays.
     */
    @Test
    void aRangeOverlappingEarlierRangesOfItsVersionReplacesThem() throws Exception {
        write(range("a.csv", "v1", 0, 100), "r0", 2, current("w1"));
        write(range("a.csv", "v1", 100, 200), "r1", 3, current("w1"));
        write(range("a.csv", "v1", 200, 300), "r2", 1, current("w1"));
        write(range("a.csv", "v1", 50, 250), "recut", 2, current("w1"));
        assertThat(visible())
                .as("the recut range replaces all three ranges it overlaps")
                .isEqualTo(expected("recut", 2));
        write(range("a.csv", "v1", 250, 300), "tail", 1, current("w1"));
        assertThat(visible())
                .as("a range after it is its sibling")
                .isEqualTo(sorted(expected("recut", 2), expected("tail", 1)));
    }

    @Test
    void aVersionWithNeitherRowsNorColumnsRemovesTheOld() throws Exception {
        write(split("a.csv", null), "v1", 4, current("w1"));
        write(split("b.csv", null), "b", 2, current("w1"));
        try (SinkWriter w = sink.open(split("a.csv", "v2"), scratch())) {
            assertThat(w.stage(Rows.NONE, BadRows.NONE)).isZero();
            assertThat(w.commit(current("w1")).rowsOut()).isZero();
        }
        assertThat(visible())
                .as("an input overwritten by an empty file leaves no output of its own")
                .isEqualTo(expected("b", 2));
    }

    @Test
    void neitherRowsNorColumnsIntoANewTargetShapeNothing() throws Exception {
        try (SinkWriter w = sink.open(split("a.csv", null), scratch())) {
            w.stage(Rows.NONE, BadRows.NONE);
            assertThat(w.commit(current("w1")).rowsOut()).isZero();
        }
        assertThat(visible()).isEmpty();
        write(split("b.csv", null), "b", 2, current("w1"));
        assertThat(visible()).as("the first rows with columns shape the target").isEqualTo(expected("b", 2));
    }

    @Test
    void aVersionWhoseInputsChangedCommitsNothing() throws Exception {
        write(split("a.csv", "v2"), "v2", 3, current("w1"));
        SplitCommit outdated =
                new SplitCommit(() -> {}, () -> false, "incarnation-1", new LedgerLocks(ledger, "w1", LEASE));
        Written w = write(split("a.csv", null), "v1", 4, outdated);
        assertThat(w.rowsOut()).isZero();
        assertThat(visible()).as("the newer version's output stays").isEqualTo(expected("v2", 3));
    }

    @Test
    void versionsCommittedAtOnceByTwoWorkersLeaveOne() throws Exception {
        int rounds = 8;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = "k" + round + ".csv";
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Written>> both = new ArrayList<>();
                for (String version : new String[] {"x", "y"}) {
                    Sink own = openSink(); // another process (machine) with its own sink, sharing the ledger
                    both.add(pool.submit(() -> {
                        start.await();
                        try (Connection ownDuck = DriverManager.getConnection("jdbc:duckdb:");
                                SinkWriter w = own.open(split(key, version), scratch())) {
                            w.stage(
                                    new DuckRows(
                                            ownDuck,
                                            "SELECT '" + key + version + "' AS tag, i::INTEGER AS n "
                                                    + "FROM range(2) t(i)"),
                                    BadRows.NONE);
                            return w.commit(current("worker-" + version));
                        }
                    }));
                }
                start.countDown();
                for (Future<Written> f : both) f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        var byKey = visible().stream()
                .collect(Collectors.groupingBy(
                        r -> r.substring(0, r.indexOf(".csv")),
                        Collectors.mapping(
                                r -> r.substring(r.indexOf(".csv") + 4, r.indexOf('|')), Collectors.toSet())));
        assertThat(byKey).hasSize(rounds);
        byKey.forEach((key, versions) ->
                assertThat(versions).as("versions of %s visible", key).hasSize(1));
    }

    /**
     * A worker checks its output's lock, then is paused (SIGSTOP) before it writes: its lease runs out, another worker
     * takes the lock and commits a newer version. Woken, the first worker must not write over the newer output.
     */
    @Test
    void aWriterPausedRightAfterItsLastCheckCannotReplaceTheNewerOutput() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                fencedInTheTarget(), "the target cannot refuse a writer that lost its lock after its last check");
        write(split("a.csv", null), "v1", 2, current("w0"));
        Sink other = openSink();
        OutputLocks locks = new LedgerLocks(ledger, "w1", LEASE);
        OutputLocks pausedAfterCheck = new OutputLocks() {
            @Override
            public Held lock(String name) throws java.io.IOException {
                return pausedAfterCheck(locks.lock(name));
            }

            @Override
            public java.util.Optional<Held> tryLock(String name) throws java.io.IOException {
                return locks.tryLock(name).map(this::pausedAfterCheck);
            }

            private Held pausedAfterCheck(Held held) {
                return new Held() {
                    private boolean paused;

                    @Override
                    public long token() {
                        return held.token();
                    }

                    @Override
                    public void check() throws java.io.IOException {
                        held.check();
                        if (paused) return;
                        paused = true;
                        held.close(); // the lease runs out while paused; the newer version commits meanwhile
                        try (SinkWriter w = other.open(split("a.csv", "v3"), scratch())) {
                            w.stage(rows("v3", 3), BadRows.NONE);
                            w.commit(current("w2"));
                        } catch (Exception e) {
                            throw new AssertionError("the newer version's commit failed", e);
                        }
                    }

                    @Override
                    public void close() throws java.io.IOException {
                        held.close();
                    }
                };
            }
        };
        try (SinkWriter w = sink.open(split("a.csv", "v2"), scratch())) {
            w.stage(rows("stale", 4), BadRows.NONE);
            try {
                w.commit(new SplitCommit(() -> {}, () -> true, "incarnation-1", pausedAfterCheck));
            } catch (Exception refused) {
                // refused by the target: what the stale writer may do; writing over the newer output is not
            }
        }
        assertThat(visible()).as("the newer version's output, whole and alone").isEqualTo(expected("v3", 3));
    }
}
