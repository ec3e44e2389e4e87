package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every compaction test, with the sink's folder seen as a remote store (as a bucket is): the partials a merge or a
 * compaction reads are downloaded to its scratch folder at the version listed, never read in place. The S3 module
 * runs the aggregate against a real S3 server; this runs every crash and race of {@link CompactionTest} on that path.
 */
class DownloadedCompactionTest extends CompactionTest {
    @Override
    FilesSink newSink() {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
        return new FilesSink(
                new Remote(new LocalObjectStore(dir.resolve("out"))), null, "csv", "none", List.of(), o, dir);
    }

    @Test
    void theScratchFolderHoldsTheDownloadsOfTheLastMergeOnly() throws Exception {
        for (int i = 0; i < 40; i++) {
            run("s" + i, i * 10, i * 10 + 10, i + 1);
            compact(8);
            assertThat(totals()).isEqualTo(oracle());
            try (Stream<Path> kept = Files.list(dir.resolve("partials"))) {
                // the compacted file and the partials not folded yet (at most 7), nothing of earlier merges
                assertThat(kept.toList()).as("after split %d", i).hasSizeBetween(1, 8);
            }
        }
    }

    /** A local folder that says it is not local, so that its objects are downloaded like a bucket's. */
    private record Remote(ObjectStore local) implements ObjectStore {
        @Override
        public String root() {
            return local.root();
        }

        @Override
        public String describe(String key) {
            return local.describe(key);
        }

        @Override
        public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
            return local.list(prefix, startAfter);
        }

        @Override
        public Optional<StoredObject> stat(String key) throws IOException {
            return local.stat(key);
        }

        @Override
        public InputStream read(String key, String version, long offset, long length) throws IOException {
            return local.read(key, version, offset, length);
        }

        @Override
        public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
            return local.write(key, file, condition);
        }

        @Override
        public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
            return local.write(key, content, condition);
        }

        @Override
        public StoredObject copy(String fromKey, String toKey) throws IOException {
            return local.copy(fromKey, toKey);
        }

        @Override
        public void delete(String key) throws IOException {
            local.delete(key);
        }

        @Override
        public int abortIncompleteWrites(String prefix, Instant startedBefore) throws IOException {
            return local.abortIncompleteWrites(prefix, startedBefore);
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(false, false);
        }

        @Override
        public String credentialSource() {
            return local.credentialSource();
        }

        @Override
        public void close() throws IOException {
            local.close();
        }
    }
}
