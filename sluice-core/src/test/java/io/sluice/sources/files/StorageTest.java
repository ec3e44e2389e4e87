package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.storage.local.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the pipeline's sink folder lies in the source's store: the part of the listing to leave out; and how a planned
 * range of a local file is copied out.
 */
class StorageTest {
    @TempDir
    Path dir;

    private Storage local(Path root) {
        return new Storage(new LocalObjectStore(root), root);
    }

    /** A store reached over the network, known by its URL. */
    private Storage remote(String url) {
        return new Storage(
                new ForwardingObjectStore(new LocalObjectStore(dir)) {
                    @Override
                    public String root() {
                        return url;
                    }

                    @Override
                    public String place() {
                        return url; // what the folders are compared by: the root, for a store without an endpoint
                    }
                },
                null);
    }

    @Test
    void aLocalFolderInsideTheSourceIsItsKeyPrefixEvenBeforeItExistsAndThroughALink() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Storage source = local(in);

        assertThat(source.prefixOf(in.resolve("out").toString())).contains("out/");
        assertThat(source.prefixOf(in.resolve("a/b").toString())).contains("a/b/");
        assertThat(source.prefixOf(in.toString())).contains("");
        assertThat(source.prefixOf(dir.resolve("out").toString())).isEmpty();
        assertThat(source.prefixOf(dir.resolve("in2").toString()))
                .as("a sibling sharing the name's start")
                .isEmpty();
        assertThat(source.prefixOf("s3://b/in/out/")).isEmpty();

        Path link = Files.createSymbolicLink(dir.resolve("link"), in);
        assertThat(source.prefixOf(link.resolve("out").toString())).contains("out/");
        assertThat(local(link).prefixOf(in.resolve("out").toString())).contains("out/");
    }

    @Test
    void aPrefixOfTheSameBucketInsideTheSourcesIsItsKeyPrefix() {
        Storage source = remote("s3://b/in/");

        assertThat(source.prefixOf("s3://b/in/out/")).contains("out/");
        assertThat(source.prefixOf("s3://b/in/out")).contains("out/");
        assertThat(source.prefixOf("s3://b/in/")).contains("");
        assertThat(source.prefixOf("s3://b/input/")).isEmpty();
        assertThat(source.prefixOf("s3://other/in/out/")).isEmpty();
        assertThat(source.prefixOf("gs://b/in/out/")).isEmpty();
        assertThat(source.prefixOf(dir.resolve("in/out").toString())).isEmpty();
        assertThat(remote("s3://b/").prefixOf("s3://b/out/")).isEqualTo(Optional.of("out/"));
    }

    @Test
    void aLocalFileCutShortAfterItsVersionWasCheckedFailsItsRangeInsteadOfSpinning() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(in.resolve("big.csv"), "id\n" + "1\n".repeat(50));
        LocalObjectStore disk = new LocalObjectStore(in);
        StoredObject planned = disk.stat("big.csv").orElseThrow();
        // the version check sees the planned file; it is cut short (truncated in place) right after
        Storage storage = new Storage(
                new ForwardingObjectStore(disk) {
                    @Override
                    public Optional<StoredObject> stat(String key) {
                        return Optional.of(planned);
                    }
                },
                in);
        Files.writeString(file, "id\n1\n");
        Path spool = dir.resolve("range.spool");

        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThatThrownBy(() ->
                                storage.spool("big.csv", storage.fingerprint(planned), 40, planned.size(), null, spool))
                        .isInstanceOf(ObjectChangedException.class)
                        .hasMessageContaining("big.csv")
                        .hasMessageContaining("is 5 bytes now"));
    }

    /**
     * The head of a large csv file ends after its last whole record in its first 4 MB, never inside a quoted field
     * that spans lines; a log read as it is now ends after its last whole record too, a planned small file is all head.
     */
    @Test
    void theHeadOfACsvFileEndsAfterAWholeRecord() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        StringBuilder csv = new StringBuilder("id,note\n");
        String record = "1,\"" + "x".repeat(100) + "\n" + "y".repeat(100) + "\"\n";
        while (csv.length() < Storage.HEAD_BYTES + 1000) csv.append(record);
        Files.writeString(in.resolve("big.csv"), csv);
        Files.writeString(in.resolve("small.csv"), "id,note\n1,a\n2,\"b");
        Storage storage = local(in);
        String big = storage.fingerprint(storage.stat("big.csv").orElseThrow());
        String small = storage.fingerprint(storage.stat("small.csv").orElseThrow());

        assertThat(storage.head("big.csv", big, dir.resolve("big-head"))).isTrue();
        String head = Files.readString(dir.resolve("big-head"));
        assertThat(head.length()).isLessThanOrEqualTo(Storage.HEAD_BYTES).isGreaterThan(Storage.HEAD_BYTES - 300);
        assertThat(head).startsWith("id,note\n").endsWith("y\"\n");
        assertThat((head.length() - "id,note\n".length()) % record.length()).isZero();

        assertThat(storage.head("small.csv", small, dir.resolve("small-head"))).isTrue();
        assertThat(dir.resolve("small-head")).hasContent("id,note\n1,a\n2,\"b");
        assertThat(storage.head("small.csv", null, dir.resolve("log-head"))).isTrue();
        assertThat(dir.resolve("log-head"))
                .as("as it is now: still being written")
                .hasContent("id,note\n1,a\n");
    }
}
