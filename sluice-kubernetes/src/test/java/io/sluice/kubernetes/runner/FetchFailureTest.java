package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.kubernetes.files.FileUrl;
import io.sluice.pipeline.Pipeline;
import io.sluice.testkit.Ports;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split's download that failed (its init container) gets URLs signed anew in its next Job: the controller keeps the
 * checksums it signed, and a file rewritten since with its size and time kept would otherwise get the stale checksum
 * at every retry, each download failing alike until the split is dead. On fabric8's mock API server (no real one can
 * run here), the test playing the kubelet that reports the init container's failure.
 */
class FetchFailureTest {
    @TempDir
    Path dir;

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The sha256 the Job's download URL carries for its one file. */
    private static String signedSha(Job job) {
        Container fetch = job.getSpec().getTemplate().getSpec().getInitContainers().stream()
                .filter(c -> c.getName().equals(JobTemplate.FETCH_CONTAINER))
                .findFirst()
                .orElseThrow();
        assertThat(fetch.getArgs().get(0)).isEqualTo("fetch");
        return FileUrl.of(URI.create(fetch.getArgs().get(1))).sha256();
    }

    @Test
    void aFailedDownloadsNextJobCarriesTheChecksumOfTheFileAsItIsNow() throws Exception {
        var after = retryAfterAFailedDownload(io.sluice.kubernetes.files.Fetcher.CHECKSUM_MISMATCH_EXIT);
        assertThat(after.first()).isEqualTo(sha256("id\n1\n"));
        // before the fix: the cached checksum of the old content, and the same failure at every retry
        assertThat(after.second()).isEqualTo(sha256("id\n2\n"));
        assertThat(after.failures()).singleElement().asString().contains("Init:Error", "could not download");
    }

    /**
     * A download that failed for another reason (an expired URL, an unreachable server: {@code sluice fetch} exits 1,
     * not {@link io.sluice.kubernetes.files.Fetcher#CHECKSUM_MISMATCH_EXIT}) leaves the checksums the controller
     * signed: they are right, and reading a large file again would hold up the next Job for nothing. Shown by a file
     * rewritten with its size and time kept, which only a read would notice: the next Job still carries the checksum
     * signed first.
     */
    @Test
    void aDownloadThatFailedForAnotherReasonKeepsTheChecksumsSigned() throws Exception {
        var after = retryAfterAFailedDownload(1);
        // before the fix: forgotten at every failed download, the file read again
        assertThat(after.second()).isEqualTo(sha256("id\n1\n"));
        assertThat(after.failures()).singleElement().asString().contains("Init:Error (exit code 1)");
    }

    /** The checksums the first and the second Job of a split carry, and the failures recorded, in between. */
    private record Retried(String first, String second, List<String> failures) {}

    /**
     * A split's first Job, then its file rewritten on the volume with the same size and its time put back (only a
     * read tells it changed), its download failing with {@code fetchExit}, and the Job retried.
     */
    private Retried retryAfterAFailedDownload(int fetchExit) throws Exception {
        int port = Ports.free();
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(
                    dir, "file_server: { port: %d },".formatted(port), "retries: { max: 1, backoff: 100ms }");
            k.start(p);
            Job first = k.awaitJob(Set.of());
            Path file = dir.resolve("in/a.csv");
            FileTime signedAt = Files.getLastModifiedTime(file);
            Files.writeString(file, "id\n2\n");
            Files.setLastModifiedTime(file, signedAt);
            k.failedInit(first, first.getMetadata().getName() + "-p1", JobTemplate.FETCH_CONTAINER, fetchExit);
            k.failJob(first.getMetadata().getName(), "BackoffLimitExceeded");
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            return new Retried(signedSha(first), signedSha(second), List.copyOf(k.failures));
        }
    }
}
