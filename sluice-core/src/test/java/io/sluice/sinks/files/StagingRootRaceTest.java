package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.storage.local.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bucket's sink stages in the temp folder, under a staging root that each attempt removes when it leaves it empty.
 * Two workers of one process stage and finish at once: one's attempt must never fail because the other removed the
 * root between its making and its use (CI saw {@code FileAlreadyExistsException} from {@code createDirectories}, whose
 * check that the existing path is a folder ran after the other worker had removed it; a retry lost the race five times
 * in a row on a loaded machine: now the workers of a process make and remove the root one at a time).
 */
class StagingRootRaceTest {
    @TempDir
    Path dir;

    @Test
    void workersStagingAndFinishingAtOnceNeverTripOnTheRootTheOtherRemoves() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString()); // read when the sink is made: this test's own
        FilesSink sink;
        try {
            Options o = new Validator(dir, k -> null)
                    .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
            // a local folder seen as a bucket: staged in the temp folder, as for S3, GCS and Azure
            var bucket = new ForwardingObjectStore(new LocalObjectStore(dir.resolve("out"))) {
                @Override
                public Capabilities capabilities() {
                    return new Capabilities(false, false);
                }
            };
            sink = new FilesSink(bucket, null, "csv", "none", List.of(), o, dir, null);
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        ExecutorService workers = Executors.newFixedThreadPool(2);
        AtomicBoolean failed = new AtomicBoolean();
        try {
            List<Future<Integer>> done = List.of("a", "b").stream()
                    .map(name -> workers.submit(() -> {
                        try {
                            for (int i = 1; i <= 500 && !failed.get(); i++) {
                                Path staged = sink.newAttemptStaging(name, i);
                                Files.delete(staged); // the attempt is over
                                sink.finish(); // removes the root when it is empty, as after each attempt
                            }
                            return 500;
                        } catch (Exception e) {
                            failed.set(true); // the other stops too: its folders would outlive the test
                            throw e;
                        }
                    }))
                    .toList();
            for (Future<Integer> f : done) assertThat(f.get()).isEqualTo(500);
        } finally {
            workers.shutdownNow();
        }
        assertThat(tmp.resolve("sluice-staging"))
                .as("removed once both are done")
                .doesNotExist();
    }
}
