package io.sluice.testkit.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalObjectStoreTest extends ObjectStoreConformanceKit {

    @Override
    protected ObjectStore openStore() throws IOException {
        return ObjectStores.open(tmp.resolve("store").toString(), Map.of());
    }

    @Override
    protected void leaveIncompleteWrite(ObjectStore store, String key) throws IOException {
        // what a process killed between writing its temp file and moving it into place leaves
        Path target = Path.of(store.describe(key));
        Files.createDirectories(target.getParent());
        Files.writeString(
                target.resolveSibling("." + target.getFileName() + ".sluice-tmp-" + UUID.randomUUID()), "half");
    }

    @Override
    protected long multipartThreshold() {
        return 1 << 20; // no parts on disk: any size shows a whole file
    }

    @Override
    protected String skipReason(Check check) {
        // ifAbsent is a hard link here, atomic even though ifVersion is not (so conditionalWrites() is false)
        return check == Check.IF_ABSENT_RACE ? null : super.skipReason(check);
    }

    @Test
    void keysAreListedAndResumedInUtf8OrderPastTheBmp() throws IOException {
        // U+E000 is EE 80 80 in UTF-8, 😀 is F0 9F 98 80; in String (UTF-16) order 😀's surrogate pair comes first. In
        // that order a listing resumed after "k\ue000.csv" (as S3, GCS and Azure resume) skipped the 😀 file
        List<String> keys = List.of("u/k\ue000.csv", "u/k\ue000/in.csv", "u/k😀.csv");
        for (String k : keys) store.write(k, k.getBytes(UTF_8), WriteCondition.none());
        try (Stream<StoredObject> s = store.list("u/", null)) {
            assertThat(s.map(StoredObject::key)).containsExactlyElementsOf(keys);
        }
        try (Stream<StoredObject> s = store.list("u/", "u/k\ue000.csv")) {
            assertThat(s.map(StoredObject::key)).containsExactly("u/k\ue000/in.csv", "u/k😀.csv");
        }
        try (Stream<StoredObject> s = store.list("u/", "u/k\ue000/in.csv")) {
            assertThat(s.map(StoredObject::key)).containsExactly("u/k😀.csv");
        }
    }

    @Test
    void aCopyFromAnotherFolderIsAHardLinkNotACopyOfTheBytes() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in-" + UUID.randomUUID()));
        Path done = Files.createDirectories(tmp.resolve("done-" + UUID.randomUUID()));
        try (ObjectStore from = new LocalObjectStore(in);
                ObjectStore to = new LocalObjectStore(done)) {
            var v = from.write("a.csv", "x\n1\n".getBytes(UTF_8), WriteCondition.none());
            to.copyFrom(from, "a.csv", v.version(), "a.csv");
            Object source = Files.readAttributes(in.resolve("a.csv"), java.nio.file.attribute.BasicFileAttributes.class)
                    .fileKey();
            Object target = Files.readAttributes(
                            done.resolve("a.csv"), java.nio.file.attribute.BasicFileAttributes.class)
                    .fileKey();
            assertThat(target).as("the same file under a second name").isEqualTo(source);
            assertThat(Files.readString(done.resolve("a.csv"))).isEqualTo("x\n1\n");
            try (var names = Files.list(done)) {
                assertThat(names).as("no temp file left").containsExactly(done.resolve("a.csv"));
            }
        }
    }

    /**
     * A commit clears its own key's leftovers while other writers create and remove folders and temp files elsewhere in
     * the output (staging folders, manifests): it looks in its key's folder only, so their churn cannot fail it. Walking
     * the whole output did, with a NoSuchFileException naming another split's vanished staging folder.
     */
    @Test
    void abortingAKeysWritesIgnoresWhatOtherWritersChangeElsewhere() throws Exception {
        Path root = tmp.resolve("churn-" + UUID.randomUUID());
        try (ObjectStore store = new LocalObjectStore(root)) {
            leaveIncompleteWrite(store, "part-1.csv");
            leaveIncompleteWrite(store, "_sluice/manifests/part-1.json"); // another key's: stays
            var stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread others = Thread.ofPlatform().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        Path folder = Files.createDirectories(root.resolve("_sluice/staging/part-" + i % 64));
                        Files.writeString(folder.resolve("part-" + i + ".csv"), "x");
                        if (i % 64 == 63) io.sluice.spi.Folders.deleteTree(root.resolve("_sluice/staging"));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            try {
                int removed = 0;
                for (int round = 0; round < 2_000; round++) {
                    removed += store.abortIncompleteWrites(
                            "part-1.csv", Instant.now().plusSeconds(60));
                }
                assertThat(removed).isEqualTo(1);
            } finally {
                stop.set(true);
                others.join();
            }
            try (var names = Files.list(root.resolve("_sluice/manifests"))) {
                assertThat(names).as("the other key's temp file").hasSize(1);
            }
        }
    }

    @Test
    void opensFileUrlsAndPlainPaths() throws IOException {
        try (ObjectStore byUrl = ObjectStores.open(tmp.resolve("store").toUri().toString(), Map.of())) {
            assertThat(byUrl).isInstanceOf(LocalObjectStore.class);
            assertThat(byUrl.root()).isEqualTo(tmp.resolve("store").toString());
            assertThat(byUrl.capabilities().local()).isTrue();
        }
    }

    @Test
    void aUrlNoModuleServesNamesTheSchemesKnown() {
        assertThatThrownBy(() -> ObjectStores.open("gs://bucket/x/", Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no object store for gs:// URLs")
                .hasMessageContaining("known: file");
    }

    @Test
    void tempFilesAreNotListedAndObjectsAreFilesInPlace() throws IOException {
        store.write("a/b.csv", "x".getBytes(UTF_8), WriteCondition.none());
        leaveIncompleteWrite(store, "a/c.csv");

        assertThat(listKeys("", null)).containsExactly("a/b.csv");
        assertThat(Files.readString(tmp.resolve("store/a/b.csv"))).isEqualTo("x");
    }

    /**
     * A file name near the 255 bytes a folder allows (one an exec step wrote) leaves no room for the temp file's mark:
     * the write still succeeds (its temp file holds the start of the name), and a killed write of it is removed by its
     * key like any other.
     */
    @Test
    void aNameNearTheLongestAFolderAllowsIsWrittenAndAKilledWriteOfItRemoved() throws IOException {
        String name = "é".repeat(120) + ".parquet"; // 248 bytes in UTF-8
        store.write("out/" + name, "x".getBytes(UTF_8), WriteCondition.none());
        assertThat(Files.readString(tmp.resolve("store/out").resolve(name))).isEqualTo("x");

        // what a write killed before its move leaves: the cut temp file
        Files.writeString(
                tmp.resolve("store/out").resolve("." + "é".repeat(90) + ".sluice-tmp-cut-" + UUID.randomUUID()),
                "half");
        assertThat(listKeys("", null)).containsExactly("out/" + name);
        assertThat(store.abortIncompleteWrites("out/" + name, Instant.now().plusSeconds(60)))
                .as("the cut temp file is the key's")
                .isEqualTo(1);
        try (var names = Files.list(tmp.resolve("store/out"))) {
            assertThat(names).containsExactly(tmp.resolve("store/out").resolve(name));
        }
    }
}
