package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.pipeline.Pipeline;
import io.sluice.testkit.Ports;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the file server, the controller reads each file for its sha256 before it signs its URLs. A large file's first
 * read takes seconds: read in the controller's loop, it held up the creation of every other split's Job. On fabric8's
 * mock API server (no real one can run here).
 */
class SlowChecksumTest {
    @TempDir
    Path dir;

    private static Optional<Job> jobOf(MockCluster k, String file) {
        return k.jobs().stream()
                .filter(j -> j.getMetadata()
                        .getAnnotations()
                        .get(JobNames.SPLIT_ANNOTATION)
                        .contains(file))
                .findFirst();
    }

    @Test
    void aLargeFilesFirstChecksumDoesNotDelayAnotherSplitsJob() throws Exception {
        int port = Ports.free();
        try (MockCluster k = new MockCluster()) {
            Pipeline p =
                    k.pipeline(dir, "max_active: 2, file_server: { port: %d },".formatted(port), "retries: { max: 0 }");
            Path big = dir.resolve("in/big.csv.gz"); // zeros without disk: reading it for its sha256 takes seconds
            try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
                f.setLength(256L << 20);
            }
            Files.setLastModifiedTime(big, FileTime.from(Instant.now().minusSeconds(3600))); // settled
            k.start(p);

            long until = System.currentTimeMillis() + 60_000;
            while (jobOf(k, "a.csv").isEmpty() && System.currentTimeMillis() < until) Thread.sleep(10);
            assertThat(jobOf(k, "a.csv")).as("the small file's Job").isPresent();
            // before the fix: created in the same turn as the large file's, after its whole read
            assertThat(jobOf(k, "big.csv.gz"))
                    .as("the large file's Job, while its file is read")
                    .isEmpty();

            while (jobOf(k, "big.csv.gz").isEmpty() && System.currentTimeMillis() < until) Thread.sleep(10);
            assertThat(jobOf(k, "big.csv.gz"))
                    .as(() -> "the large file's Job, once read; the controller said " + k.infos + "; failures "
                            + k.failures + "; splits "
                            + k.assembly.ledger().splits(java.util.EnumSet.allOf(io.sluice.spi.SplitState.class), 10))
                    .isPresent();
            assertThat(k.failures).isEmpty();
            assertThat(k.jobs()).hasSize(2);
            assertThat(k.assembly.ledger().splits(java.util.EnumSet.allOf(io.sluice.spi.SplitState.class), 10))
                    .extracting(s -> s.id())
                    .hasSize(2);
        }
    }
}
