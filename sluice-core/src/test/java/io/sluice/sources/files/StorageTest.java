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
}
