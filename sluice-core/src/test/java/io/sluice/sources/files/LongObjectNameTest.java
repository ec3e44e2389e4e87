package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Planner;
import io.sluice.spi.Split;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An object store's key may be 1,024 bytes with no {@code /} in it (S3, GCS; Azure more), a file name on local disk
 * 255: an object with a long name is downloaded into the split's scratch under a name local disk takes.
 */
class LongObjectNameTest {
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    /** A last part of 300 bytes: "usage-", 145 two-byte letters (é), ".csv". */
    private static final String LONG = "exports/2026-11/usage-" + "é".repeat(145) + ".csv";

    @TempDir
    Path dir;

    @Test
    void anObjectWhoseNameIsLongerThanLocalDiskTakesIsRead() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("short.csv"), "id,name\n1,a\n2,b\n");
        Files.setLastModifiedTime(in.resolve("short.csv"), FileTime.fromMillis(OLD));
        try (ObjectStore store = new LongNamed(new LocalObjectStore(in));
                SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"), "test", Clock.systemUTC())) {
            FilesSource files = new FilesSource(
                    CsvSettings.of(new Storage(store, null), Optional.empty(), null), Clock.systemUTC(), 1);
            Split split = new Planner(files, ledger).plan().splits().getFirst();
            assertThat(split.members().getFirst().key()).isEqualTo(LONG);

            Path scratch = Files.createDirectories(dir.resolve("scratch"));
            try (SplitReader reader = files.open(split, new ReadContext(scratch))) {
                var part = reader.files().parts().getFirst();
                assertThat(part.key()).isEqualTo(LONG);
                assertThat(part.file()).as("downloaded in full").hasContent("id,name\n1,a\n2,b\n");
                assertThat(part.file().getFileName().toString())
                        .as("the spool keeps the name's end: its extension")
                        .endsWith(".csv");
            }
        }
    }

    /** Shows the local file short.csv as an object with a long name, as S3 or Azure may hold one. */
    private static final class LongNamed extends ForwardingObjectStore {
        LongNamed(ObjectStore store) {
            super(store);
        }

        private static StoredObject renamed(StoredObject o) {
            return new StoredObject(LONG, o.size(), o.lastModified(), o.version(), o.checksums());
        }

        @Override
        public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
            return store.list(prefix, startAfter).map(LongNamed::renamed);
        }

        @Override
        public Optional<StoredObject> stat(String key) throws IOException {
            return key.equals(LONG) ? store.stat("short.csv").map(LongNamed::renamed) : Optional.empty();
        }

        @Override
        public InputStream read(String key, String version, long offset, long length) throws IOException {
            return store.read(key.equals(LONG) ? "short.csv" : key, version, offset, length);
        }
    }
}
