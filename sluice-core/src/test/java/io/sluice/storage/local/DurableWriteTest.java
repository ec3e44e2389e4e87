package io.sluice.storage.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local output the ledger records as committed survives a power loss: its bytes reach the disk before the rename
 * that puts it in place, and the rename (the folder's entry) before the write returns. A power loss cannot be caused
 * in a test, so this records the flushes the store asks for, with what the folder held at each, and checks their
 * order; that a flush really reaches the platter is the operating system's part.
 */
class DurableWriteTest {
    @TempDir
    Path dir;

    private final List<String> flushes = new ArrayList<>();
    private LocalObjectStore store;

    @BeforeEach
    void recordFlushes() {
        store = new LocalObjectStore(dir);
        store.disk = new LocalObjectStore.Disk() {
            @Override
            public void syncFile(Path file) throws IOException {
                flushes.add("file " + (Files.exists(file) ? Files.readString(file) : "already moved")
                        + ", target holds " + target());
            }

            @Override
            public void syncFolder(Path folder) throws IOException {
                flushes.add(
                        "folder " + (folder.equals(dir) ? "/" : dir.relativize(folder)) + ", target holds " + target());
            }
        };
    }

    private Path target;

    private String target() throws IOException {
        return target != null && Files.exists(target) ? Files.readString(target) : "nothing";
    }

    @Test
    void aNewOutputsBytesThenItsNameThenTheFoldersMadeForIt() throws Exception {
        target = dir.resolve("date=2026-12-06/hour=02/part-1.csv");

        store.write("date=2026-12-06/hour=02/part-1.csv", "rows".getBytes(UTF_8), WriteCondition.none());

        assertThat(flushes)
                .containsExactly(
                        "folder /, target holds nothing", // date=... made in the root
                        "folder date=2026-12-06, target holds nothing", // hour=02 made in it
                        "file rows, target holds nothing",
                        "folder date=2026-12-06/hour=02, target holds rows");
    }

    @Test
    void aReplacementIsWhollyOnTheDiskBeforeItReplaces() throws Exception {
        target = dir.resolve("_sluice/manifests/split-1.json");
        StoredObject first =
                store.write("_sluice/manifests/split-1.json", "old".getBytes(UTF_8), WriteCondition.ifAbsent());
        flushes.clear();

        store.write("_sluice/manifests/split-1.json", "new".getBytes(UTF_8), WriteCondition.ifVersion(first.version()));

        assertThat(flushes).containsExactly("file new, target holds old", "folder _sluice/manifests, target holds new");
    }

    @Test
    void aStagedFileMovedInIsFlushedToo() throws Exception {
        target = dir.resolve("out/part-1.csv");
        Path staged = Files.createDirectories(dir.resolve("_sluice/staging")).resolve("part-1.csv");
        Files.writeString(staged, "staged rows");
        store.write("out/keep", new byte[0], WriteCondition.none()); // the folder is there already
        flushes.clear();

        store.writeMoving("out/part-1.csv", staged, WriteCondition.ifAbsent());

        assertThat(flushes)
                .containsExactly("file staged rows, target holds nothing", "folder out, target holds staged rows");
    }

    @Test
    void aDeleteIsKeptOnceItReturns() throws Exception {
        target = dir.resolve("out/part-1.csv");
        StoredObject written = store.write("out/part-1.csv", "rows".getBytes(UTF_8), WriteCondition.none());
        store.write("out/part-2.csv", "rows".getBytes(UTF_8), WriteCondition.none());
        flushes.clear();

        store.delete("out/part-1.csv", written.version());
        target = dir.resolve("out/part-2.csv");
        store.delete("out/part-2.csv");
        store.delete("out/part-3.csv"); // nothing there: nothing to keep

        assertThat(flushes)
                .as("each after its removal")
                .containsExactly("folder out, target holds nothing", "folder out, target holds nothing");
        assertThat(dir.resolve("out")).isEmptyDirectory();
    }
}
