package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.s3.TestProfiles;
import io.sluice.testkit.storage.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A process killed in the middle of a commit's multipart upload leaves the upload's parts on S3 (S3Proxy here), stored
 * and billed but invisible. The next commit of the same output removes them, whatever its attempt number: after
 * {@code sluice retry} or {@code sluice reset}, and for a new version of the input, the split's attempt is 1 again.
 * A commit paused past its lock removes no file the lock's next holder wrote.
 */
class S3KilledUploadTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final String BUCKET = "sluice-kit";

    static {
        TestProfiles.install();
        SERVER.createBucket(BUCKET);
    }

    @TempDir
    Path dir;

    private final String prefix = "killed-" + UUID.randomUUID() + "/";
    private final S3Client s3 = S3Client.builder()
            .endpointOverride(SERVER.endpoint())
            .region(Region.of(S3ProxyServer.REGION))
            .forcePathStyle(true)
            .credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
            .build();
    private final AtomicInteger aborts = new AtomicInteger();
    /** Runs just before the sink removes a key: what another writer does meanwhile. */
    private Hook beforeDelete = key -> {};
    /** Runs once the sink removed a key: what another writer does while the sink goes on to the next. */
    private Hook afterDelete = key -> {};
    /** Runs once the sink wrote a key from memory (a manifest, a record): what another writer does meanwhile. */
    private Hook afterWrite = key -> {};

    private final OutputLocks locks =
            new LedgerLocks(MemoryLedger.open("test", Clock.systemUTC()), "test", Duration.ofSeconds(30));
    private ObjectStore store;
    private final List<FilesSink> sinks = new java.util.ArrayList<>();

    @AfterEach
    void close() throws IOException {
        sinks.forEach(FilesSink::finish); // their staging folders in the temp folder
        if (store != null) store.close();
        s3.close();
    }

    /** The files sink on this test's prefix; {@code killed}: its process dies during the upload of a data file. */
    private FilesSink sink(boolean killed) throws IOException {
        return sink(killed, List.of());
    }

    private FilesSink sink(boolean killed, List<String> partitionBy) throws IOException {
        if (store == null) {
            store = ObjectStores.open(
                    "s3://" + BUCKET + "/" + prefix,
                    Map.of(
                            "s3",
                            Map.of(
                                    "endpoint",
                                    SERVER.endpoint().toString(),
                                    "region",
                                    S3ProxyServer.REGION,
                                    "path_style",
                                    true,
                                    "profile",
                                    "sluice-kit")));
        }
        Options o = new Validator(dir, k -> null)
                .validate(
                        YamlReader.parse("sink.yaml", "path: s3://" + BUCKET + "/" + prefix + "\nformat: csv\n"),
                        FilesSinkFactory.OPTIONS);
        FilesSink sink = new FilesSink(new Watched(store, killed), null, "csv", "none", partitionBy, o, dir, null);
        sink.prepare();
        sinks.add(sink);
        return sink;
    }

    private static Split split(String version) {
        return new Split(
                "a.csv@" + version,
                List.of(Member.whole("a.csv", version, null)),
                10,
                null,
                new OutputKey("a.csv", version, 0, Member.WHOLE));
    }

    private SplitCommit context(int attempt) {
        return new SplitCommit(() -> {}, () -> true, "incarnation-1", attempt, attempt, locks);
    }

    private void commit(FilesSink sink, String version, int attempt) throws Exception {
        commit(sink, version, attempt, "SELECT '" + version + "' AS v FROM range(3)");
    }

    private void commit(FilesSink sink, String version, int attempt, String rows) throws Exception {
        commit(sink, split(version), rows, context(attempt));
    }

    private void commit(FilesSink sink, Split split, String rows, SplitCommit context) throws Exception {
        Path scratch = Files.createTempDirectory(dir, "attempt-");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                SinkWriter w = sink.open(split, new WriteContext(scratch))) {
            w.stage(new DuckRows(c, rows), BadRows.NONE);
            w.commit(context);
        }
    }

    private List<String> unfinishedUploads() {
        return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads().stream()
                .map(u -> u.key().substring(prefix.length()))
                .toList();
    }

    @Test
    void aNewVersionAtItsFirstAttemptAbortsWhatAKilledCommitLeftUnfinished() throws Exception {
        commit(sink(false), "v1", 1);
        String data = FilesSink.name("a.csv") + ".csv";

        assertThatThrownBy(() -> commit(sink(true), "v2", 1)).isInstanceOf(Killed.class);
        assertThat(unfinishedUploads()).as("what the killed process left").containsExactly(data);

        commit(sink(false), "v3", 1); // a newer version: a new split, at its first attempt
        assertThat(unfinishedUploads())
                .as("aborted by the next commit of the output")
                .isEmpty();
        try (InputStream in = store.read(data, null, 0, -1)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("v\nv3\nv3\nv3\n");
        }
    }

    @Test
    void aCommitThatFollowsNoKilledOneLooksForNoUnfinishedUpload() throws Exception {
        commit(sink(false), "v1", 1);
        commit(sink(false), "v2", 1);
        assertThat(aborts)
                .as("ListMultipartUploads requests: none, nothing was killed")
                .hasValue(0);

        assertThatThrownBy(() -> commit(sink(true), "v3", 1)).isInstanceOf(Killed.class);
        commit(sink(false), "v3", 1); // after `sluice retry`: attempt 1 again
        assertThat(aborts)
                .as("one for all the keys the killed commit's manifest lists")
                .hasValue(1);
        assertThat(unfinishedUploads()).isEmpty();
    }

    @Test
    void aKilledCommitOfManyPartitionFilesIsCleanedUpByOneSearchNotOnePerFile() throws Exception {
        // 12 partition files: the commit after the killed one searched for unfinished uploads 12 times (12
        // ListMultipartUploads on S3); one search under the files' common prefix finds the killed one's upload
        String rows = "SELECT i % 12 AS day, i AS n FROM range(24) t(i)";
        assertThatThrownBy(() -> commit(sink(true, List.of("day")), "v1", 1, rows))
                .isInstanceOf(Killed.class);
        assertThat(unfinishedUploads()).as("what the killed process left").hasSize(1);

        commit(sink(false, List.of("day")), "v1", 2, rows);
        assertThat(aborts)
                .as("searches for unfinished uploads: one for the 12 files")
                .hasValue(1);
        assertThat(unfinishedUploads()).isEmpty();
        try (Stream<StoredObject> files = store.list("day=", null)) {
            assertThat(files).hasSize(12);
        }
    }

    @Test
    void removingTheOutputOfAKilledCommitAbortsItsUnfinishedUploads() throws Exception {
        assertThatThrownBy(() -> commit(sink(true), "v1", 1)).isInstanceOf(Killed.class);
        assertThat(unfinishedUploads()).hasSize(1);

        sink(false).discard(split("v1"), context(2)); // what a failed attempt's output goes through, as a replaced one
        assertThat(unfinishedUploads()).isEmpty();
        try (Stream<StoredObject> left = store.list("", null)) {
            assertThat(left.map(StoredObject::key)).noneMatch(k -> k.startsWith("_sluice/manifests/"));
        }
    }

    @Test
    void aFileWrittenAgainByTheLocksNextHolderIsNotRemovedByTheCommitThatLostTheLock() throws Exception {
        // v1 wrote days 0 and 1; v2 has no day 1, so its commit removes day 1's file after checking that the
        // manifest is still its own. A worker paused between that check and the removal (a GC pause, a frozen VM)
        // has lost its lock meanwhile, and the next holder has written day 1 again: a plain DELETE removed the next
        // holder's file, which its manifest lists (lost data, no error anywhere)
        commit(sink(false, List.of("day")), "v1", 1, "SELECT i AS day, i AS n FROM range(2) t(i)");
        String dayOne;
        try (Stream<StoredObject> files = store.list("day=1/", null)) {
            dayOne = files.map(StoredObject::key).findFirst().orElseThrow();
        }
        FilesSink sink = sink(false, List.of("day"));

        theNextHoldersFileStaysWhen(dayOne, () -> commit(sink, "v2", 1, "SELECT 0 AS day, 0 AS n"));
    }

    @Test
    void aDiscardThatLostTheLockRemovesNothingTheNextHolderWrote() throws Exception {
        // a failed attempt's output is discarded after a check of the output's lock; a worker paused between that
        // check and the removals (the next holder has committed the split again meanwhile) removed the next holder's
        // files and manifest with plain DELETEs: a split recorded done with no output
        commit(sink(false), "v1", 1);
        String data = FilesSink.name("a.csv") + ".csv";
        FilesSink sink = sink(false);

        theNextHoldersFileStaysWhen(data, () -> sink.discard(split("v1"), context(2)));
        try (Stream<StoredObject> left = store.list("_sluice/manifests/", null)) {
            assertThat(left).as("and the manifest that lists it").hasSize(1);
        }
    }

    @Test
    void aCommitPausedPastItsLockBeforeItsDataFileRemovesItOnceItsManifestIsGone() throws Exception {
        // v1's first range is committed; a worker commits its second range and pauses (a GC pause, a frozen VM) after
        // the first write of its manifest, before its data file. The lock's next holder commits v2, cut in one range,
        // and removes the paused worker's manifest and record as another version's. Waking, the paused worker wrote
        // its data file (If-None-Match: nothing was there) and only its manifest's last write (If-Match) failed: the
        // file, which nothing named, stayed beside v2's output for good
        commit(sink(false), range("v1", 0, 100), "SELECT 'v1' AS v FROM range(2)", context(1));
        Split paused = range("v1", 100, 200);
        Split v2 = range("v2", 0, 150);
        String manifest = FilesSink.manifest(FilesSink.outputName(paused));
        FilesSink next = sink(false);
        SplitCommit nextHolder = nextHolder();
        afterWrite = key -> {
            if (!key.equals(manifest)) return;
            afterWrite = k -> {}; // once: the first write of the paused worker's manifest
            try {
                commit(next, v2, "SELECT 'v2' AS v FROM range(3)", nextHolder);
            } catch (Exception e) {
                throw new AssertionError("the next holder's commit failed", e);
            }
        };

        assertThatThrownBy(() -> commit(sink(false), paused, "SELECT 'v1' AS v FROM range(2)", context(1)))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining(store.describe(manifest))
                .hasMessageContaining("lost its lock");
        try (Stream<StoredObject> left = store.list("", null)) {
            assertThat(left.map(StoredObject::key).filter(k -> !k.startsWith("_sluice/")))
                    .as("the next holder's file alone")
                    .containsExactly(FilesSink.outputName(v2) + ".csv");
        }
    }

    @Test
    void aCommitPausedBetweenTwoStaleRemovalsLeavesTheNextHoldersSameBytesFile() throws Exception {
        // v0 wrote days 0, 1 and 2; v1 has day 0 only, so its commit removes days 1 and 2, each DELETE If-Match the
        // version it read. Paused after the first removal, past its lock, it woke after the next holder committed v2,
        // whose days 1 and 2 hold v0's rows again: on S3 a simple PUT's ETag is its content's MD5, so v2's day 2 had
        // v0's ETag, the If-Match held, and v2's day 2 was removed (its rows lost, the ledger holding v2 done)
        afterDelete = sameBytesByTheNextHolder();

        assertThatThrownBy(this::commitDayZeroOnly)
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("lost its lock")
                .hasMessageNotContaining("lacks those rows");
        assertThat(days()).as("v2's output, whole").containsExactly("day=0", "day=1", "day=2");
        try (InputStream in = store.read(dayFile(0), null, 0, -1)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .as("v2's day 0, not the paused worker's")
                    .isEqualTo("n\n0\n");
        }
    }

    @Test
    void aSameBytesFileWrittenJustBeforeItsRemovalIsNamedInTheError() throws Exception {
        // the moment no check closes: the next holder writes day 2 again, with v0's bytes (v0's ETag), between the
        // paused worker's last look at its manifest and its DELETE If-Match of day 2. The file is lost: the error says
        // so, naming it, instead of nothing anywhere
        Hook nextHolder = sameBytesByTheNextHolder();
        beforeDelete = key -> {
            if (key.equals(dayFile(2))) nextHolder.run(key);
        };

        assertThatThrownBy(this::commitDayZeroOnly)
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("lost its lock")
                .hasMessageContaining("But it removed [" + store.describe(dayFile(2)) + "]")
                .hasMessageContaining("lacks those rows");
        assertThat(days()).as("v2's day 2, removed").containsExactly("day=0", "day=1");
    }

    private static final String DAYS = "SELECT i AS day, i AS n FROM range(3) t(i)";

    /** v0 writes days 0, 1 and 2, then v1 (day 0 only) is committed: its commit removes days 1 and 2. */
    private void commitDayZeroOnly() throws Exception {
        commit(sink(false, List.of("day")), split("v0"), DAYS, context(1));
        commit(sink(false, List.of("day")), split("v1"), "SELECT 0 AS day, 10 AS n", context(1));
    }

    /** Once, at the first data file: the lock's next holder commits v2, whose rows are v0's, byte for byte. */
    private Hook sameBytesByTheNextHolder() throws IOException {
        FilesSink next = sink(false, List.of("day"));
        AtomicInteger runs = new AtomicInteger();
        return key -> {
            if (key.startsWith("_sluice/") || runs.getAndIncrement() > 0) return;
            try {
                commit(next, split("v2"), DAYS, nextHolder());
            } catch (Exception e) {
                throw new AssertionError("the next holder's commit failed", e);
            }
        };
    }

    private String dayFile(int day) {
        return "day=" + day + "/" + FilesSink.name("a.csv") + "-0.csv";
    }

    /** The partition folders holding a file. */
    private List<String> days() throws IOException {
        try (Stream<StoredObject> files = store.list("day=", null)) {
            return files.map(o -> o.key().substring(0, o.key().indexOf('/')))
                    .sorted()
                    .toList();
        }
    }

    /** A context of the output lock's next holder, from another ledger's locks: a worker that took the lock over. */
    private static SplitCommit nextHolder() {
        return new SplitCommit(
                () -> {},
                () -> true,
                "incarnation-1",
                1,
                1,
                new LedgerLocks(MemoryLedger.open("next", Clock.systemUTC()), "next", Duration.ofSeconds(30)));
    }

    /** Range {@code start..end} of version {@code version} of big.csv, as the files source cuts a log. */
    private static Split range(String version, long start, long end) {
        return new Split(
                "big.csv#" + start + "-" + end + "@" + version,
                List.of(new Member("big.csv", version, start, end, null)),
                end - start,
                null,
                new OutputKey("big.csv", version, start, end));
    }

    /**
     * The lock's next holder writes {@code key} just before the removal of it that {@code removing} makes (a worker
     * paused past its lock): the removal fails, naming the key, and the next holder's file stays.
     */
    private void theNextHoldersFileStaysWhen(String key, ThrowingCallable removing) throws IOException {
        String next = "v\nwritten by the lock's next holder\n";
        beforeDelete = k -> {
            if (k.equals(key)) store.write(k, next.getBytes(StandardCharsets.UTF_8), WriteCondition.none());
        };
        assertThatThrownBy(removing)
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining(store.describe(key))
                .hasMessageContaining("lost its lock");
        try (InputStream in = store.read(key, null, 0, -1)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .as("the next holder's file stays")
                    .isEqualTo(next);
        }
    }

    /** A kill: no catch block of the sink's runs (they catch exceptions, not errors), as none runs in a dead process. */
    static final class Killed extends Error {
        private static final long serialVersionUID = 1L;

        Killed() {
            super("killed mid-upload");
        }
    }

    interface Hook {
        void run(String key) throws IOException;
    }

    /**
     * The S3 store, counting the searches for unfinished uploads; {@code killed}: the upload of a data file starts a
     * real multipart upload, sends its first part, and the process dies.
     */
    private final class Watched extends ForwardingObjectStore {
        private final boolean killed;

        Watched(ObjectStore store, boolean killed) {
            super(store);
            this.killed = killed;
        }

        @Override
        public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
            if (killed && !key.startsWith("_")) {
                String id = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(prefix + key))
                        .uploadId();
                s3.uploadPart(
                        b -> b.bucket(BUCKET).key(prefix + key).uploadId(id).partNumber(1), RequestBody.fromFile(file));
                throw new Killed();
            }
            return store.write(key, file, condition);
        }

        @Override
        public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
            StoredObject o = store.write(key, content, condition);
            afterWrite.run(key);
            return o;
        }

        @Override
        public void delete(String key) throws IOException {
            beforeDelete.run(key);
            store.delete(key);
        }

        @Override
        public void delete(String key, String version) throws IOException {
            beforeDelete.run(key);
            store.delete(key, version);
            afterDelete.run(key);
        }

        @Override
        public int abortIncompleteWrites(String keyPrefix, Instant startedBefore) throws IOException {
            aborts.incrementAndGet();
            return store.abortIncompleteWrites(keyPrefix, startedBefore);
        }

        @Override
        public int abortIncompleteWrites(java.util.Collection<String> keys, Instant startedBefore) throws IOException {
            aborts.incrementAndGet();
            return store.abortIncompleteWrites(keys, startedBefore);
        }

        @Override
        public void close() {
            // the test closes the store
        }
    }
}
