package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.storage.local.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
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
        return sinkOver(new Remote(new LocalObjectStore(dir.resolve("out"))), null);
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

    /**
     * A remote store's staging folder is in the temp folder: made by the first write, not by {@code prepare}, and
     * removed once its attempt is over, also when the sink is never finished (a test's, a killed run's).
     */
    @Test
    void anUnfinishedSinkLeavesNoStagingFolderInTheTempFolder() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString()); // read when the sink is made: this test's own
        FilesSink sink;
        try {
            sink = newSink();
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        sink.check();
        sink.prepare();
        assertThat(tmp.resolve("sluice-staging")).as("after prepare").doesNotExist();

        write(sink, "s1", 0, 100, 1);

        assertThat(tmp.resolve("sluice-staging")).as("after a committed split").doesNotExist();
        try (Stream<Path> out = Files.walk(dir.resolve("out"))) {
            assertThat(out.filter(Files::isRegularFile).toList())
                    .as("the partial was committed")
                    .isNotEmpty();
        }
    }

    /** A local folder that says it is not local, so that its objects are downloaded like a bucket's. */
    private static final class Remote extends ForwardingObjectStore {
        Remote(ObjectStore local) {
            super(local);
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(false, false);
        }
    }
}
