package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink after the table's old snapshots were expired (Iceberg's {@code expire_snapshots}, routine upkeep that these
 * docs advise): the summaries that named which split and which version of an input each data file holds are gone, but
 * the files themselves are still live. What must replace them still does.
 */
class IcebergExpiredSnapshotsTest {
    @TempDir
    Path dir;

    private Lake lake;
    private Connection duck;
    private final MemoryLedger ledger = MemoryLedger.open("iceberg-expiry", Clock.systemUTC());

    @BeforeEach
    void open() throws Exception {
        lake = new Lake(dir);
        duck = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws Exception {
        duck.close();
    }

    private SplitCommit claim(long token, String version) {
        return new SplitCommit(
                () -> {},
                () -> true,
                "inc-1",
                1,
                token,
                new LedgerLocks(ledger, "w" + token, Duration.ofSeconds(30)),
                version);
    }

    /** A version of the file {@code key}, as the files source names it ({@code key}, then {@code key@version}). */
    private static Split version(String key, String version, boolean first) {
        return new Split(
                first ? key : key + "@" + version,
                java.util.List.of(Member.whole(key, version, null)),
                10,
                null,
                new OutputKey(key, version, 0, Member.WHOLE));
    }

    private void write(Sink sink, Split split, String tag, int n, SplitCommit claim) throws Exception {
        try (SinkWriter w = sink.open(split, new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
            w.stage(
                    new DuckRows(duck, "SELECT '" + tag + "' AS tag, i::BIGINT AS n FROM range(" + n + ") t(i)"),
                    BadRows.NONE);
            w.commit(claim);
        }
    }

    /** Commits a.csv (tagged {@code tag}) and b.csv, then expires every snapshot but the last (b.csv's). */
    private void twoSplitsThenExpiry(Sink sink, String tag) throws Exception {
        write(sink, version("a.csv", "v1", true), tag, 3, claim(1, "p1"));
        write(sink, version("b.csv", "v1", true), "b", 2, claim(1, "p1"));
        expireAllButTheLast();
    }

    private void expireAllButTheLast() {
        lake.table("db.events")
                .expireSnapshots()
                .expireOlderThan(System.currentTimeMillis() + 1)
                .retainLast(1)
                .commit();
    }

    private Map<String, Long> countsByTag() throws Exception {
        return lake.rows("db.events", "tag").stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static Sink prepared(Sink sink) throws Exception {
        sink.check();
        sink.prepare();
        return sink;
    }

    @Test
    void overwriteReplacesAnEarlierVersionWhoseSnapshotWasExpired() throws Exception {
        Sink other = prepared(lake.sink("table: db.events\ncatalog: " + Lake.CATALOG + "\nmode: overwrite\n", "other"));
        write(other, version("a.csv", "v1", true), "other-pipeline", 1, claim(1, "p1"));
        other.finish();
        Sink sink = prepared(lake.sink("db.events", "overwrite", null));
        twoSplitsThenExpiry(sink, "a-v1");

        write(sink, version("a.csv", "v2", false), "a-v2", 4, claim(1, "p1"));
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a-v2", 4L, "b", 2L, "other-pipeline", 1L));
    }

    @Test
    void aReplayAfterExpiryReplacesTheSplitsRowsInsteadOfAddingThemAgain() throws Exception {
        // the worker died between the commit of a.csv and the ledger's record, and the split runs again
        assertThat(aRunAgainAfterExpiry("a", "a", "p1")).isEqualTo(Map.of("a", 3L, "b", 2L));
    }

    @Test
    void aRebuildReplacesTheSplitsRowsOfAnExpiredSnapshot() throws Exception {
        // the steps changed: run --rebuild-outdated runs the split again under the new pipeline version
        assertThat(aRunAgainAfterExpiry("old-steps", "new-steps", "p2")).isEqualTo(Map.of("new-steps", 3L, "b", 2L));
    }

    /** The rows after a.csv's split, committed in {@code mode: append} and expired, runs again under a newer claim. */
    private Map<String, Long> aRunAgainAfterExpiry(String before, String again, String pipelineVersion)
            throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        twoSplitsThenExpiry(sink, before);
        write(sink, version("a.csv", "v1", true), again, 3, claim(2, pipelineVersion));
        sink.finish();
        return countsByTag();
    }

    @Test
    void appendAddsAChangedInputBesideAnEarlierVersionWhoseSnapshotWasExpired() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        twoSplitsThenExpiry(sink, "a-v1");

        // as when the snapshot is still there (docs/sinks/iceberg.md, "mode: append and a changed input")
        write(sink, version("a.csv", "v2", false), "a-v2", 4, claim(1, "p1"));
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a-v1", 3L, "a-v2", 4L, "b", 2L));
    }

    @Test
    void deleteOutputRemovesTheFilesOfExpiredSnapshotsToo() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        twoSplitsThenExpiry(sink, "a");

        assertThat(sink.listOutput())
                .singleElement()
                .asString()
                .as("both splits' files, found by their names")
                .contains("of 2 data file(s) from the table db.events");
        sink.deleteOutput();
        sink.finish();
        assertThat(countsByTag()).isEmpty();
    }

    @Test
    void aReplayFindsTheFilesOfAManifestWrittenAfterTheSinkReadTheTablesManifests() throws Exception {
        Sink sink = prepared(lake.sink("db.events", "append", null));
        twoSplitsThenExpiry(sink, "x");
        write(sink, version("c.csv", "v1", true), "c", 1, claim(1, "p1")); // reads the manifests there are
        write(sink, version("d.csv", "v1", true), "d", 2, claim(1, "p1")); // a new manifest, read while recorded
        write(sink, version("e.csv", "v1", true), "e", 1, claim(1, "p1"));
        expireAllButTheLast(); // d.csv's snapshot is gone

        write(sink, version("d.csv", "v1", true), "d", 2, claim(2, "p1"));
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("x", 3L, "b", 2L, "c", 1L, "d", 2L, "e", 1L));
    }

    /**
     * Each commit after an expiry looks for the split's files that no snapshot names, in the manifests of the table's
     * current version: a manifest never changes, so the sink reads one once, not the whole table at every commit.
     */
    @Test
    void theSecondCommitAfterAnExpiryReadsOnlyTheManifestsWrittenSinceTheFirst() throws Exception {
        Lake counted = Lake.countingReads(dir);
        Sink sink = prepared(counted.sink("db.events", "append", null));
        twoSplitsThenExpiry(sink, "a");
        java.util.Set<String> expired = manifests();
        assertThat(expired).as("a.csv's and b.csv's manifests").hasSize(2);

        assertThat(manifestsReadBy(() -> write(sink, version("c.csv", "v1", true), "c", 1, claim(1, "p1"))))
                .as("the first commit after the expiry reads the table's manifests")
                .containsAll(expired);
        java.util.Set<String> added = new java.util.HashSet<>(manifests());
        added.removeAll(expired);

        assertThat(manifestsReadBy(() -> write(sink, version("d.csv", "v1", true), "d", 2, claim(1, "p1"))))
                .as("the second reads only c.csv's, new since")
                .containsExactlyInAnyOrderElementsOf(added);
        sink.finish();
        assertThat(countsByTag()).isEqualTo(Map.of("a", 3L, "b", 2L, "c", 1L, "d", 2L));
    }

    /** What the sink keeps of the manifests is bounded: past it, the least recently asked for is read again. */
    @Test
    void theManifestsNamesBeyondTheBoundAreForgottenAndReadAgain() throws Exception {
        Lake counted = Lake.countingReads(dir);
        Sink sink = prepared(counted.sink("db.events", "append", null));
        for (String f : List.of("a.csv", "b.csv", "c.csv")) write(sink, version(f, "v1", true), f, 1, claim(1, "p1"));
        sink.finish();
        Table table = counted.table("db.events");
        List<ManifestFile> manifests = table.currentSnapshot().dataManifests(table.io());
        assertThat(manifests).as("one per split").hasSize(3);
        ManifestNames names = new ManifestNames(DataFileName.pipelineHash("test"), 4); // two manifests of one name

        for (ManifestFile m : manifests) {
            assertThat(names.of(m, table.io(), table.specs()))
                    .singleElement()
                    .isIn(List.of("a.csv", "b.csv", "c.csv").stream()
                            .map(f -> DataFileName.of("test", version(f, "v1", true)))
                            .toList());
        }
        assertThat(manifestsReadBy(() -> names.of(manifests.get(2), table.io(), table.specs())))
                .as("kept")
                .isEmpty();
        assertThat(manifestsReadBy(() -> names.of(manifests.get(0), table.io(), table.specs())))
                .as("forgotten, read again")
                .containsExactly(normalized(manifests.get(0).path()));
    }

    private interface Step {
        void run() throws Exception;
    }

    /** The data manifests (not manifest lists) of the table's warehouse that {@code step} read, once each. */
    private java.util.Set<String> manifestsReadBy(Step step) throws Exception {
        String warehouse = lake.warehouse().toString();
        int before = OpenCountingFileIO.read(warehouse, ".avro").size();
        step.run();
        List<String> all = OpenCountingFileIO.read(warehouse, ".avro");
        return all.subList(before, all.size()).stream()
                .filter(l -> !l.substring(l.lastIndexOf('/') + 1).startsWith("snap-"))
                .map(IcebergExpiredSnapshotsTest::normalized)
                .collect(Collectors.toSet());
    }

    /** The data manifests of the table's current version. */
    private java.util.Set<String> manifests() {
        Table table = lake.table("db.events");
        return table.currentSnapshot().dataManifests(table.io()).stream()
                .map(m -> normalized(m.path()))
                .collect(Collectors.toSet());
    }

    /** A location without its scheme ({@code file:}), as catalogs differ in writing it. */
    private static String normalized(String location) {
        return location.replaceFirst("^file:(//)?", "");
    }
}
