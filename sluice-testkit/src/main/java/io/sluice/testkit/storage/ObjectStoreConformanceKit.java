package io.sluice.testkit.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} must do for the files source and sink to keep the exactly-once contract on it. A
 * store's module subclasses this kit and says how to open a store on a fresh, empty root; every test then runs against
 * that store. A test a store cannot pass is skipped, with the reason the store gives in {@link #skipReason}: never
 * silently green.
 *
 * <pre>{@code
 * class S3ObjectStoreTest extends ObjectStoreConformanceKit {
 *     protected ObjectStore openStore() { return open("s3://kit/" + UUID.randomUUID() + "/", pageSize(100)); }
 *     protected void leaveIncompleteWrite(ObjectStore store, String key) { ... start a multipart upload, never end it }
 * }
 * }</pre>
 */
public abstract class ObjectStoreConformanceKit {

    /** The checks a store may be excused from, each with the reason it gives. */
    public enum Check {
        /** Exactly one of many concurrent {@code ifAbsent} writers wins. */
        IF_ABSENT_RACE,
        /** A write killed midway leaves something {@link ObjectStore#abortIncompleteWrites} removes. */
        ABORT_INCOMPLETE_WRITES
    }

    /** Keys the pagination test writes: more than one page of S3, GCS and Azure (1000, 1000, 5000) is not needed. */
    protected static final int MANY_KEYS = 1_100;

    @TempDir
    protected Path tmp;

    protected ObjectStore store;

    /** A store on a new, empty root (a fresh folder, or a fresh prefix of a test bucket). Closed by the kit. */
    protected abstract ObjectStore openStore() throws IOException;

    /**
     * Leaves an unfinished write at {@code key}, as a process killed midway would (an open multipart upload, a temp
     * file), started now.
     */
    protected abstract void leaveIncompleteWrite(ObjectStore store, String key) throws IOException;

    /** Bytes above which the store writes a file in parts; the large-file test writes more than this. */
    protected abstract long multipartThreshold();

    /**
     * Why this store cannot pass {@code check}, or null when it must pass it. The default excuses the race test only
     * where {@link ObjectStore.Capabilities#conditionalWrites()} admits that conditional writes are not atomic.
     */
    protected String skipReason(Check check) {
        if (check == Check.IF_ABSENT_RACE && !store.capabilities().conditionalWrites()) {
            return store.getClass().getSimpleName() + " says its conditional writes are not atomic";
        }
        return null;
    }

    @BeforeEach
    void open() throws IOException {
        store = openStore();
    }

    @AfterEach
    void close() throws IOException {
        if (store != null) store.close();
    }

    @Test
    void listsEveryKeyInKeyOrderAcrossPages() throws Exception {
        List<String> keys = new ArrayList<>();
        // names that sort differently per character than per path segment: "a.txt" < "a/b" < "a0" by their bytes
        keys.addAll(List.of("a.txt", "a/b", "a/c/d", "a0", "a-b/x", "b", "z/y/x/w", "Z"));
        IntStream.range(0, MANY_KEYS).forEach(i -> keys.add("many/" + String.format("%05d", i * 7 % MANY_KEYS)));
        writeAll(keys);

        assertThat(listKeys("", null))
                .containsExactlyElementsOf(keys.stream().sorted().toList());
        assertThat(listKeys("many/", null)).hasSize(MANY_KEYS).isSorted();
    }

    @Test
    void listsByPartialPrefixAndAfterAKey() throws Exception {
        writeAll(List.of(
                "logs/2024-12-31.log",
                "logs/2025-01-01.log",
                "logs/2025-01-02.log",
                "logs/2025/x.log",
                "logsX",
                "other/2025-01-01.log"));

        assertThat(listKeys("logs/2025-", null)).containsExactly("logs/2025-01-01.log", "logs/2025-01-02.log");
        assertThat(listKeys("logs/", "logs/2025-01-01.log")).containsExactly("logs/2025-01-02.log", "logs/2025/x.log");
        assertThat(listKeys("", "logs/2025"))
                .containsExactly(
                        "logs/2025-01-01.log",
                        "logs/2025-01-02.log",
                        "logs/2025/x.log",
                        "logsX",
                        "other/2025-01-01.log");
        assertThat(listKeys("", "other/2025-01-01.log")).isEmpty();
        assertThat(listKeys("nothing/", null)).isEmpty();
    }

    @Test
    void listingAndStatAgreeWithTheWrite() throws Exception {
        StoredObject written = store.write("d/k.csv", "id\n1\n".getBytes(UTF_8), WriteCondition.none());
        assertThat(written.key()).isEqualTo("d/k.csv");
        assertThat(written.size()).isEqualTo(5);

        StoredObject stat = store.stat("d/k.csv").orElseThrow();
        assertThat(stat.size()).isEqualTo(5);
        assertThat(stat.version()).isEqualTo(written.version());
        try (Stream<StoredObject> listed = store.list("d/", null)) {
            StoredObject l = listed.findFirst().orElseThrow();
            assertThat(l.version()).isEqualTo(written.version());
            assertThat(l.size()).isEqualTo(5);
            assertThat(l.lastModified()).isEqualTo(stat.lastModified());
        }
        assertThat(store.stat("d/missing")).isEmpty();
        assertThat(store.stat("d")).as("a folder is not an object").isEmpty();
        assertThat(store.describe("d/k.csv")).contains("d/k.csv");
    }

    @Test
    void checksumsTheStoreGivesMatchTheContent() throws Exception {
        byte[] content = "some content\n".getBytes(UTF_8);
        store.write("c", content, WriteCondition.none());
        Map<String, String> sums = store.stat("c").orElseThrow().checksums();
        sums.forEach((algorithm, hex) -> assertThat(hex).as(algorithm).isEqualTo(hex(algorithm, content)));
    }

    @Test
    void readsARangeOrToTheEnd() throws Exception {
        StoredObject o = store.write("r", "0123456789".getBytes(UTF_8), WriteCondition.none());

        assertThat(read("r", null, 3, 4)).isEqualTo("3456");
        assertThat(read("r", o.version(), 7, -1)).isEqualTo("789");
        assertThat(read("r", o.version(), 0, -1)).isEqualTo("0123456789");
        assertThat(read("r", o.version(), 10, -1)).as("nothing past the end").isEmpty();
        store.write("empty", new byte[0], WriteCondition.none());
        assertThat(read("empty", null, 0, -1)).isEmpty();
    }

    @Test
    void readOfAStaleVersionFails() throws Exception {
        StoredObject v1 = store.write("v", "first".getBytes(UTF_8), WriteCondition.none());
        store.write("v", "second, longer".getBytes(UTF_8), WriteCondition.none());

        assertThatThrownBy(() -> read("v", v1.version(), 0, -1))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("v");
    }

    @Test
    void readOfAMissingObjectNamesIt() {
        assertThatThrownBy(() -> read("gone/x.csv", null, 0, -1))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gone/x.csv");
    }

    @Test
    void ifAbsentRefusesTheSecondWriter() throws Exception {
        store.write("m", "one".getBytes(UTF_8), WriteCondition.ifAbsent());

        assertThatThrownBy(() -> store.write("m", "two".getBytes(UTF_8), WriteCondition.ifAbsent()))
                .isInstanceOf(ObjectChangedException.class);
        assertThat(read("m", null, 0, -1)).isEqualTo("one");
    }

    @Test
    void ifVersionRefusesAStaleVersion() throws Exception {
        StoredObject v1 = store.write("m", "one".getBytes(UTF_8), WriteCondition.none());
        StoredObject v2 = store.write("m", "two, longer".getBytes(UTF_8), WriteCondition.ifVersion(v1.version()));
        assertThat(v2.version()).isNotEqualTo(v1.version());

        assertThatThrownBy(() -> store.write("m", "three".getBytes(UTF_8), WriteCondition.ifVersion(v1.version())))
                .isInstanceOf(ObjectChangedException.class);
        assertThatThrownBy(() -> store.write("nothing", "x".getBytes(UTF_8), WriteCondition.ifVersion(v1.version())))
                .isInstanceOf(ObjectChangedException.class);
        assertThat(read("m", null, 0, -1)).isEqualTo("two, longer");
        assertThat(store.stat("nothing")).isEmpty();
    }

    @Test
    void aLargeFileIsVisibleWhole() throws Exception {
        Path file = tmp.resolve("large.bin");
        long size = multipartThreshold() * 2 + 12_345;
        byte[] block = new byte[1 << 20];
        new Random(7).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length)
                out.write(block, 0, (int) Math.min(left, block.length));
        }

        StoredObject o = store.write("big/large.bin", file, WriteCondition.ifAbsent());
        assertThat(o.size()).isEqualTo(size);
        assertThat(store.stat("big/large.bin").orElseThrow().size()).isEqualTo(size);
        try (InputStream in = store.read("big/large.bin", o.version(), 0, -1)) {
            assertThat(sha256(in)).isEqualTo(sha256(Files.newInputStream(file)));
        }
        try (InputStream in = store.read("big/large.bin", o.version(), size - 10, 10)) {
            assertThat(in.readAllBytes()).hasSize(10);
        }
        assertThat(store.abortIncompleteWrites("", Instant.now().plusSeconds(60)))
                .as("nothing left unfinished")
                .isZero();
    }

    @Test
    void deletesAndDeletingNothingIsNoError() throws Exception {
        store.write("d/1", "x".getBytes(UTF_8), WriteCondition.none());
        store.delete("d/1");
        store.delete("d/1");
        store.delete("never/was");

        assertThat(store.stat("d/1")).isEmpty();
        assertThat(listKeys("", null)).isEmpty();
    }

    @Test
    void deletingAVersionLeavesANewerOne() throws Exception {
        StoredObject v1 = store.write("d/v", "read".getBytes(UTF_8), WriteCondition.none());
        store.write("d/v", "written over it since".getBytes(UTF_8), WriteCondition.none());

        assertThatThrownBy(() -> store.delete("d/v", v1.version()))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("d/v");
        assertThat(read("d/v", null, 0, -1)).as("the newer version stays").isEqualTo("written over it since");

        store.delete("d/v", store.stat("d/v").orElseThrow().version());
        assertThat(store.stat("d/v")).as("the version named goes").isEmpty();
        store.delete("d/v", v1.version()); // nothing there: no error
    }

    @Test
    void copiesInsideTheStore() throws Exception {
        store.write("from/a", "payload".getBytes(UTF_8), WriteCondition.none());

        StoredObject copy = store.copy("from/a", "to/a");
        assertThat(copy.key()).isEqualTo("to/a");
        assertThat(copy.size()).isEqualTo(7);
        assertThat(read("to/a", copy.version(), 0, -1)).isEqualTo("payload");
        assertThat(read("from/a", null, 0, -1)).isEqualTo("payload");
        assertThatThrownBy(() -> store.copy("from/missing", "to/b"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("from/missing");
    }

    @Test
    void copiesFromAnotherRootTheVersionAskedFor() throws Exception {
        try (ObjectStore other = openStore()) {
            StoredObject v1 = other.write("in/a", "payload".getBytes(UTF_8), WriteCondition.none());

            StoredObject copy = store.copyFrom(other, "in/a", v1.version(), "done/a");
            assertThat(copy.key()).isEqualTo("done/a");
            assertThat(copy.size()).isEqualTo(7);
            assertThat(read("done/a", copy.version(), 0, -1)).isEqualTo("payload");
            assertThat(other.stat("in/a")).as("a copy, not a move").isPresent();

            other.write("in/a", "payload, then more".getBytes(UTF_8), WriteCondition.none());
            assertThatThrownBy(() -> store.copyFrom(other, "in/a", v1.version(), "done/b"))
                    .as("never another version than the one asked for")
                    .isInstanceOf(ObjectChangedException.class);
            assertThat(store.stat("done/b")).isEmpty();
            assertThatThrownBy(() -> store.copyFrom(other, "in/missing", null, "done/c"))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("in/missing");
        }
    }

    /** The download-and-upload path ({@link ObjectStore#copyFrom}'s default), from a store this one cannot copy from. */
    @Test
    void copiesFromAStoreOfAnotherKindTheVersionAskedFor() throws Exception {
        try (ObjectStore other = openStore()) {
            ObjectStore elsewhere = (ObjectStore) java.lang.reflect.Proxy.newProxyInstance(
                    ObjectStore.class.getClassLoader(), new Class<?>[] {ObjectStore.class}, (proxy, method, args) -> {
                        try {
                            return method.invoke(other, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            StoredObject v1 = other.write("in/a", "payload".getBytes(UTF_8), WriteCondition.none());

            StoredObject copy = store.copyFrom(elsewhere, "in/a", v1.version(), "done/a");
            assertThat(read("done/a", copy.version(), 0, -1)).isEqualTo("payload");

            other.write("in/a", "payload, then more".getBytes(UTF_8), WriteCondition.none());
            assertThatThrownBy(() -> store.copyFrom(elsewhere, "in/a", v1.version(), "done/b"))
                    .as("never another version than the one asked for")
                    .isInstanceOf(ObjectChangedException.class);
            assertThat(store.stat("done/b")).isEmpty();
            assertThatThrownBy(() -> store.copyFrom(elsewhere, "in/missing", null, "done/c"))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("in/missing");
            assertThat(store.stat("done/c")).isEmpty();
        }
    }

    @Test
    void abortIncompleteWritesRemovesAKilledWrite() throws Exception {
        assume(Check.ABORT_INCOMPLETE_WRITES);
        store.write("out/done", "x".getBytes(UTF_8), WriteCondition.none());
        leaveIncompleteWrite(store, "out/part-1");
        assertThat(listKeys("", null)).as("an unfinished write is invisible").containsExactly("out/done");
        assertThat(store.stat("out/part-1")).isEmpty();

        assertThat(store.abortIncompleteWrites("out/", Instant.now().minusSeconds(3600)))
                .as("a write started after the cut-off is left alone")
                .isZero();
        assertThat(store.abortIncompleteWrites("elsewhere/", Instant.now().plusSeconds(60)))
                .isZero();
        assertThat(store.abortIncompleteWrites("out/", Instant.now().plusSeconds(60)))
                .isEqualTo(1);
        assertThat(store.abortIncompleteWrites("out/", Instant.now().plusSeconds(60)))
                .isZero();
        assertThat(listKeys("", null)).containsExactly("out/done");
        assertThat(store.stat("out/part-1")).isEmpty();
    }

    @Test
    void exactlyOneOfConcurrentIfAbsentWritersWins() throws Exception {
        assume(Check.IF_ABSENT_RACE);
        int writers = 8;
        for (int round = 0; round < 5; round++) {
            String key = "race/" + round;
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String mine = "writer " + w;
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            store.write(key, mine.getBytes(UTF_8), WriteCondition.ifAbsent());
                            return mine;
                        } catch (ObjectChangedException lost) {
                            return null;
                        }
                    }));
                }
                go.countDown();
                List<String> winners = new ArrayList<>();
                for (Future<String> f : results) {
                    if (f.get() != null) winners.add(f.get());
                }
                assertThat(winners).as("round " + round).hasSize(1);
                assertThat(read(key, null, 0, -1)).isEqualTo(winners.getFirst());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Skips the test, with the store's reason, when the store is excused from {@code check}. */
    protected void assume(Check check) {
        String reason = skipReason(check);
        Assumptions.assumeTrue(reason == null, () -> check + " skipped: " + reason);
    }

    protected List<String> listKeys(String prefix, String startAfter) throws IOException {
        try (Stream<StoredObject> s = store.list(prefix, startAfter)) {
            return s.map(StoredObject::key).toList();
        }
    }

    protected String read(String key, String version, long offset, long length) throws IOException {
        try (InputStream in = store.read(key, version, offset, length)) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    /** Writes each key with its own name as content, a few at a time. */
    protected void writeAll(List<String> keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<StoredObject>> writes = keys.stream()
                    .<Callable<StoredObject>>map(k -> () -> store.write(k, k.getBytes(UTF_8), WriteCondition.none()))
                    .toList();
            for (Future<StoredObject> f : pool.invokeAll(writes)) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    private static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest md = digest("sha256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        }
    }

    private static String hex(String algorithm, byte[] content) {
        if (algorithm.equals("crc32c")) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(content);
            return String.format("%08x", crc.getValue());
        }
        return HexFormat.of().formatHex(digest(algorithm).digest(content));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(
                    switch (algorithm) {
                        case "sha256" -> "SHA-256";
                        case "md5" -> "MD5";
                        default -> throw new AssertionError("the kit does not know checksum " + algorithm);
                    });
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
