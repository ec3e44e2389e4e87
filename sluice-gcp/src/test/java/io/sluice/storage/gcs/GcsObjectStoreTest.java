package io.sluice.storage.gcs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoreRefusedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.testkit.storage.ObjectStoreConformanceKit;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit against {@link GcsStandIn}: an HTTP stand-in for GCS's JSON API written by this project, NOT
 * Google's server (no GCS emulator can be had on this machine). The store is opened as the factory opens it, with
 * {@code gcs.endpoint} on the stand-in, so the client's real requests (uploads, ranged reads, listings, rewrites,
 * preconditions) go over HTTP; what the stand-in takes from GCS's docs and what it guesses is in its javadoc.
 */
class GcsObjectStoreTest extends ObjectStoreConformanceKit {
    private static final long SINGLE_REQUEST_LIMIT = GcsObjectStore.DEFAULT_SINGLE_REQUEST_LIMIT;
    static final GcsStandIn GCS = GcsStandIn.withBuckets("kit");

    @Override
    protected ObjectStore openStore() throws IOException {
        return open("gs://kit/" + UUID.randomUUID() + "/");
    }

    private static ObjectStore open(String root) throws IOException {
        return ObjectStores.open(root, Map.of("gcs", Map.of("endpoint", GCS.endpoint())));
    }

    @Override
    protected void leaveIncompleteWrite(ObjectStore store, String key) {
        throw new UnsupportedOperationException("skipped: see skipReason");
    }

    @Override
    protected long multipartThreshold() {
        return SINGLE_REQUEST_LIMIT;
    }

    @Override
    protected String skipReason(Check check) {
        return switch (check) {
            case ABORT_INCOMPLETE_WRITES ->
                "on GCS a killed resumable upload leaves no object and no listable "
                        + "session: there is nothing for abortIncompleteWrites to remove (it returns 0)";
            case IF_ABSENT_RACE -> null;
        };
    }

    @Test
    void aResumableUploadReadsBackByRangeCopiesAndDeletes() throws IOException {
        Path file = tmp.resolve("big.bin");
        byte[] content = new byte[(int) SINGLE_REQUEST_LIMIT + 17];
        new Random(11).nextBytes(content);
        Files.write(file, content);

        StoredObject o = store.write("in/big.bin", file, WriteCondition.none());
        assertThat(o.size()).isEqualTo(content.length);
        assertThat(store.stat("in/big.bin").orElseThrow().version()).isEqualTo(o.version());
        try (InputStream in = store.read("in/big.bin", o.version(), 100, 1000)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 100, 1100));
        }
        try (InputStream in = store.read("in/big.bin", null, content.length - 5, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, content.length - 5, content.length));
        }
        try (InputStream in = store.read("in/big.bin", o.version(), content.length, -1)) {
            assertThat(in.readAllBytes()).as("nothing past the end").isEmpty();
        }
        try (Stream<StoredObject> listed = store.list("in/", null)) {
            assertThat(listed.map(StoredObject::key)).containsExactly("in/big.bin");
        }
        StoredObject copy = store.copy("in/big.bin", "out/big.bin");
        try (InputStream in = store.read("out/big.bin", copy.version(), 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        store.delete("in/big.bin");
        store.delete("in/big.bin");
        assertThat(store.stat("in/big.bin")).isEmpty();
        assertThatThrownBy(() -> store.read("in/big.bin", null, 0, -1))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gs://kit/")
                .hasMessageContaining("in/big.bin");
    }

    @Test
    void aFileAboveTheChunkSizeGoesUpWholeAndOnlyIfItsConditionHolds() throws IOException {
        Path file = tmp.resolve("chunks.bin");
        byte[] content = new byte[2 * GcsObjectStore.RESUMABLE_CHUNK + 3];
        new Random(12).nextBytes(content);
        Files.write(file, content);
        int before = GCS.requests.size();

        StoredObject o = store.write("c/chunks.bin", file, WriteCondition.ifAbsent());

        // google-cloud-storage 2.x sends a file's resumable upload as one streamed PUT, whatever the chunk size given
        assertThat(GCS.requests.subList(before, GCS.requests.size()).stream()
                        .filter(r -> r.startsWith("PUT "))
                        .map(r -> r.substring(r.indexOf("upload_id=")))
                        .distinct())
                .as("one resumable session")
                .hasSize(1);
        assertThat(o.size()).isEqualTo(content.length);
        try (InputStream in = store.read("c/chunks.bin", o.version(), 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        try (InputStream in = store.read("c/chunks.bin", o.version(), GcsObjectStore.RESUMABLE_CHUNK - 2, 5)) {
            assertThat(in.readAllBytes())
                    .as("the bytes across the first chunk's end")
                    .isEqualTo(Arrays.copyOfRange(
                            content, GcsObjectStore.RESUMABLE_CHUNK - 2, GcsObjectStore.RESUMABLE_CHUNK + 3));
        }
        assertThatThrownBy(() -> store.write("c/chunks.bin", file, WriteCondition.ifAbsent()))
                .as("the condition of a write of several chunks holds: a second write if absent is refused")
                .isInstanceOf(ObjectChangedException.class);
        assertThat(store.stat("c/chunks.bin").orElseThrow().version()).isEqualTo(o.version());
        store.delete("c/chunks.bin");
    }

    @Test
    void deletingAGenerationIsOneConditionalDelete() throws IOException {
        StoredObject v1 = store.write("d/v", "one".getBytes(UTF_8), WriteCondition.none());
        store.write("d/v", "two".getBytes(UTF_8), WriteCondition.none());
        int before = GCS.requests.size();

        assertThatThrownBy(() -> store.delete("d/v", v1.version())).isInstanceOf(ObjectChangedException.class);
        assertThat(GCS.requests.subList(before, GCS.requests.size()))
                .as("one conditional delete, not a stat then a delete")
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("DELETE ")
                .contains("ifGenerationMatch=" + v1.version());
    }

    @Test
    void aListingLeavesOutEmptyFolderObjectsButNotDataUnderAKeyEndingInSlash() throws IOException {
        String prefix = UUID.randomUUID() + "/";
        try (ObjectStore s = open("gs://kit/" + prefix)) {
            GCS.put("kit", prefix + "in/folder/", new byte[0]); // the console's "Create folder": an empty object
            s.write("in/data/", "x".getBytes(UTF_8), WriteCondition.none()); // bytes under a name ending in '/': data
            s.write("in/a.bin", "y".getBytes(UTF_8), WriteCondition.none());
            try (Stream<StoredObject> listed = s.list("in/", null)) {
                assertThat(listed.map(StoredObject::key)).containsExactly("in/a.bin", "in/data/");
            }
        }
    }

    @Test
    void aMissingBucketIsNamed() throws IOException {
        try (ObjectStore s = open("gs://no-such-bucket/x/")) {
            assertThatThrownBy(() -> s.write("a", new byte[1], WriteCondition.none()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the bucket 'no-such-bucket' does not exist");
            // what a files source's check refuses as a mistake at its path, not an outage
            assertThatThrownBy(() -> s.list("", null))
                    .isInstanceOf(StoreRefusedException.class)
                    .hasMessageContaining("the bucket 'no-such-bucket' does not exist")
                    .hasMessageContaining("check its spelling");
        }
    }

    @Test
    void opensThroughTheFactoryWithoutReachingTheNetwork() throws IOException {
        try (ObjectStore s = ObjectStores.open("gs://my-bucket/raw", Map.of("gcs", Map.of("project", "p1")))) {
            assertThat(s).isInstanceOf(GcsObjectStore.class);
            assertThat(s.root()).isEqualTo("gs://my-bucket/raw/");
            assertThat(s.describe("a/b.csv")).isEqualTo("gs://my-bucket/raw/a/b.csv");
            assertThat(s.credentialSource()).startsWith("application default credentials");
            assertThat(s.capabilities().conditionalWrites()).isTrue();
        }
        try (ObjectStore s =
                ObjectStores.open("gs://my-bucket/", Map.of("gcs", Map.of("endpoint", "http://127.0.0.1:4443")))) {
            assertThat(s.credentialSource()).isEqualTo("none: http://127.0.0.1:4443 is plain http (an emulator)");
        }
    }

    @Test
    void theSameBucketOnAnotherEndpointIsAnotherPlace() throws IOException {
        // what the files source compares with its sink's folder and its move_to: the root alone made an emulator's
        // bucket of the same name the source's own
        try (ObjectStore gcs = ObjectStores.open("gs://my-bucket/in", Map.of());
                ObjectStore named = ObjectStores.open(
                        "gs://my-bucket/in/", Map.of("gcs", Map.of("endpoint", "https://storage.googleapis.com/")));
                ObjectStore emulator = ObjectStores.open(
                        "gs://my-bucket/in/", Map.of("gcs", Map.of("endpoint", "http://127.0.0.1:4443")));
                ObjectStore inside = ObjectStores.open("gs://my-bucket/in/_done/", Map.of())) {
            assertThat(named.place()).as("GCS's own endpoint, written out").isEqualTo(gcs.place());
            assertThat(emulator.place()).isNotEqualTo(gcs.place()).startsWith("http://127.0.0.1:4443 ");
            assertThat(inside.place()).startsWith(gcs.place());
            assertThat(gcs.root()).as("messages still name the root").isEqualTo("gs://my-bucket/in/");
        }
    }

    @Test
    void urlsSettingsAndCredentialSources() {
        GcsLocation l = GcsLocation.parse(
                URI.create("gs://b-1/a/b"), Map.of("project", "p", "endpoint", "https://storage.example.com"));
        assertThat(l.bucket()).isEqualTo("b-1");
        assertThat(l.prefix()).isEqualTo("a/b/");
        assertThat(l.project()).contains("p");
        assertThat(l.emulator()).isFalse();
        assertThat(GcsLocation.parse(URI.create("gs://b-1"), Map.of()).prefix()).isEmpty();
        assertThatThrownBy(() -> GcsLocation.parse(URI.create("gs://B_/x"), Map.of()))
                .hasMessageContaining("bucket name");
        assertThatThrownBy(() -> GcsLocation.parse(URI.create("gs://b-1/"), Map.of("projet", "p")))
                .hasMessageContaining("gcs.projet: unknown setting");
        assertThatThrownBy(() -> GcsLocation.parse(URI.create("gs://b-1/"), Map.of("endpoint", "storage:443")))
                .hasMessageContaining("gcs.endpoint");
        assertThatThrownBy(() -> GcsLocation.parse(URI.create("s3://b-1/"), Map.of()))
                .hasMessageContaining("gs://");

        GcsLocation real = GcsLocation.parse(URI.create("gs://b-1/"), Map.of());
        assertThat(GcsObjectStore.credentialSource(real, Map.of("GOOGLE_APPLICATION_CREDENTIALS", "/k/sa.json")))
                .contains("GOOGLE_APPLICATION_CREDENTIALS (/k/sa.json)");
        assertThat(GcsObjectStore.credentialSource(real, Map.of("CLOUDSDK_CONFIG", tmp.toString())))
                .contains("metadata server");
    }
}
