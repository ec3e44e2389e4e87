package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.DuckRows;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The staging folders of a split's attempts: an attempt removes what attempts with older claims left, never what a
 * newer claim's attempt staged. The case behind it: a worker waited out a ledger outage between its claim and its
 * staging; meanwhile its lease ran out and another worker took the split over. When the first one staged at last, it
 * removed the second one's staged rows, and the second one committed an output without them and recorded the split
 * done (LedgerRestartTest lost a file's rows this way).
 */
class StagingTest {
    @TempDir
    Path dir;

    private FilesSink sink;
    private final Split split = new Split("a.csv", List.of(Member.whole("a.csv", "10:1", null)), 10);

    @BeforeEach
    void sink() throws Exception {
        sink = newSink();
    }

    private FilesSink newSink() throws Exception {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
        FilesSink created = (FilesSink) new FilesSinkFactory()
                .create(
                        o,
                        new PipelineContext(
                                "local", dir.resolve("p.yaml"), 1, BadRecordPolicy.FAIL, Clock.systemUTC()));
        created.prepare();
        return created;
    }

    @Test
    void aStaleAttemptThatStagesLateLeavesTheNewerAttemptsRowsAlone() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                SinkWriter newer = sink.open(split, context(7));
                SinkWriter stale = sink.open(split, context(5))) {
            newer.stage(new DuckRows(c, "SELECT i FROM range(3) t(i)"), BadRows.NONE);
            stale.stage(new DuckRows(c, "SELECT i FROM range(3) t(i)"), BadRows.NONE);

            List<String> outputs = newer.commit(new Commits().in(null)).outputs();

            assertThat(Files.readAllLines(dir.resolve("out").resolve(outputs.getFirst())))
                    .containsExactly("i", "0", "1", "2");
        }
    }

    @Test
    void aNewerAttemptRemovesWhatOlderAttemptsLeft() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            SinkWriter crashed = sink.open(split, context(5)); // never closed: its process was killed
            crashed.stage(new DuckRows(c, "SELECT 1 AS i"), BadRows.NONE);
            // and what an older Sluice left, whose folders carry no token
            Path legacy = Files.createDirectories(
                    dir.resolve("out/_sluice/staging").resolve(FilesSink.name(split.id()) + "-8123456789"));
            Files.writeString(legacy.resolve(FilesSink.name(split.id()) + ".csv"), "i\n1\n");
            assertThat(stagingFolders()).hasSize(2);

            try (SinkWriter next = sink.open(split, context(6))) {
                next.stage(new DuckRows(c, "SELECT 2 AS i"), BadRows.NONE);
                assertThat(stagingFolders())
                        .as("only the newest attempt's folder is left")
                        .singleElement()
                        .satisfies(f -> assertThat(f.getFileName().toString()).contains("-t6-"));
            }
        }
    }

    @Test
    void rowsThatVanishFromStagingAreNeverCommittedAsAnEmptyOutput() throws Exception {
        Rows gone = new Rows() { // wrote three rows, as far as it knows, and then its file was removed
                    @Override
                    public List<String> columns() {
                        return List.of("i");
                    }

                    @Override
                    public long writeFiles(Path target, FileSpec spec) {
                        return 3;
                    }

                    @Override
                    public RowCursor cursor() {
                        throw new UnsupportedOperationException();
                    }
                };
        try (SinkWriter w = sink.open(split, context(3))) {
            assertThatThrownBy(() -> w.stage(gone, BadRows.NONE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("3 row(s) staged for split a.csv are no longer in its staging folder")
                    .hasMessageContaining("tried again");
        }
        assertThat(Files.exists(dir.resolve("out/_sluice/manifests")))
                .as("nothing committed")
                .isFalse();
    }

    /**
     * Merges of a pool's workers may run at once, and no claim orders them: a merge leaves another merge's staging alone
     * unless it is old enough to be a crashed merge's.
     */
    @Test
    void aMergeLeavesAnotherMergesStagingAloneUnlessItIsOld() throws Exception {
        Path staging = dir.resolve("out/_sluice/staging");
        Path running = Files.createDirectories(staging.resolve("totals-111"));
        Files.writeString(running.resolve("totals.csv"), "i\n1\n");
        Path crashed = Files.createDirectories(staging.resolve("totals-222"));
        Files.setLastModifiedTime(
                crashed,
                java.nio.file.attribute.FileTime.from(
                        java.time.Instant.now().minus(FilesSink.ABANDONED_MERGE).minusSeconds(60)));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                OutputLocks.Held lock = new Commits().mergeLock()) {
            sink.replaceMerged(
                    new DuckRows(c, "SELECT i FROM range(2) t(i)"),
                    java.util.Optional.empty(),
                    lock,
                    sink.mergeBegins());
        }
        assertThat(stagingFolders()).containsExactly(running);
        try (Stream<Path> out = Files.list(dir.resolve("out"))) {
            assertThat(out.map(p -> p.getFileName().toString())).contains("totals.csv");
        }
    }

    /**
     * A merge paused past its lock's lease (another merge may have committed newer totals meanwhile) commits nothing:
     * the totals a reader sees stay those of the last merge that held the lock.
     */
    @Test
    void aMergeThatLostItsLockLeavesTheTotalsAlone() throws Exception {
        OutputLocks.Held lost = new OutputLocks.Held() {
            @Override
            public long token() {
                return 1;
            }

            @Override
            public void check() throws IOException {
                throw new IOException("the lock merge was lost");
            }

            @Override
            public void close() {}
        };
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                OutputLocks.Held lock = new Commits().mergeLock()) {
            sink.replaceMerged(
                    new DuckRows(c, "SELECT i FROM range(2) t(i)"),
                    java.util.Optional.empty(),
                    lock,
                    sink.mergeBegins());
            assertThatThrownBy(() -> sink.replaceMerged(
                            new DuckRows(c, "SELECT i FROM range(5) t(i)"),
                            java.util.Optional.empty(),
                            lost,
                            sink.mergeBegins()))
                    .hasMessageContaining("was lost");
            assertThatThrownBy(() -> sink.replaceMerged(
                            new DuckRows(c, "SELECT i FROM range(5) t(i)"),
                            java.util.Optional.of(new DuckRows(c, "SELECT i FROM range(3) t(i)")),
                            lost,
                            sink.mergeBegins()))
                    .hasMessageContaining("was lost");
            assertThatThrownBy(() -> sink.replaceMerged(
                            new DuckRows(c, "SELECT i FROM range(5) t(i)"),
                            java.util.Optional.of(new DuckRows(c, "SELECT i FROM range(0) t(i)")),
                            lost,
                            sink.mergeBegins()))
                    .as("no changes, and the last merged output kept for the next merge's comparison")
                    .hasMessageContaining("was lost");
        }
        assertThat(Files.readAllLines(dir.resolve("out/totals.csv"))).containsExactly("i", "0", "1");
        assertThat(dir.resolve("out/_sluice/merged.parquet")).doesNotExist();
        try (Stream<Path> out = Files.list(dir.resolve("out"))) {
            assertThat(out.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("changes-"));
        }
    }

    /**
     * A merge paused after its last check of the lock (a GC pause, a frozen VM) for longer than the lock's lease, while
     * a newer merge of more splits published its totals: the paused merge must not write its older totals over them
     * (in a {@code once} run that ended they would stay for good). It fails instead, and is tried again.
     */
    @Test
    void aMergePausedAfterItsLastLockCheckDoesNotOverwriteNewerTotals() throws Exception {
        CountDownLatch checked = new CountDownLatch(1);
        CountDownLatch newerPublished = new CountDownLatch(1);
        OutputLocks.Held pausedAfterCheck = new OutputLocks.Held() {
            @Override
            public long token() {
                return 1;
            }

            @Override
            public void check() {
                checked.countDown(); // the check passed: the lease ran out only after it
                try {
                    newerPublished.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void close() {}
        };
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Connection c2 = DriverManager.getConnection("jdbc:duckdb:")) {
            var began = sink.mergeBegins(); // the stale merge, listing two splits done
            var stale = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return sink.replaceMerged(
                            new DuckRows(c2, "SELECT i FROM range(2) t(i)"),
                            java.util.Optional.empty(),
                            pausedAfterCheck,
                            began);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            checked.await();

            FilesSink another = newSink(); // another worker's merge, once the paused one's lease ran out: five splits
            var anotherBegan = another.mergeBegins();
            try (OutputLocks.Held lock = new Commits().mergeLock()) {
                another.replaceMerged(
                        new DuckRows(c, "SELECT i FROM range(5) t(i)"), java.util.Optional.empty(), lock, anotherBegan);
            }
            newerPublished.countDown();
            Throwable staleFailed = org.assertj.core.api.Assertions.catchThrowable(stale::join);

            assertThat(Files.readAllLines(dir.resolve("out/totals.csv")))
                    .as("the newer merge's totals stay")
                    .containsExactly("i", "0", "1", "2", "3", "4");
            assertThat(staleFailed)
                    .as("the paused merge fails, to be tried again")
                    .hasRootCauseInstanceOf(io.sluice.spi.storage.ObjectChangedException.class)
                    .hasMessageContaining("written by a newer merge since this one began");
        }
    }

    private WriteContext context(long token) throws IOException {
        return new WriteContext(Files.createDirectories(dir.resolve("scratch-" + token)), token);
    }

    private List<Path> stagingFolders() throws IOException {
        try (Stream<Path> list = Files.list(dir.resolve("out/_sluice/staging"))) {
            return list.toList();
        }
    }
}
