package io.sluice.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The conformance kit against google-cloud-nio's LocalStorageHelper: an in-memory fake behind the {@code Storage}
 * client, NOT an HTTP server (no GCS emulator can be had on this machine). It checks the code that goes through the
 * client; what the fake does not do as GCS does is skipped below, each test with its reason.
 */
class GcsObjectStoreTest extends ObjectStoreConformanceKit {
    private static final long SINGLE_REQUEST_LIMIT = 1 << 20;
    /**
     * FakeStorageRpc.create, behind every one-request upload (all small writes), stores the object without a
     * generation, so such an object has no version and the store refuses it ("GCS gave no generation"). The kit's
     * tests that write small content cannot run on the fake; only resumable uploads (files above the single-request
     * limit) get a generation from it.
     */
    private static final String NO_GENERATION = "the fake gives one-request uploads no generation (FakeStorageRpc"
            + ".create), so objects written small have no version";

    private static final Map<String, String> FAKE_CANNOT = Map.ofEntries(
            Map.entry(
                    "listsEveryKeyInKeyOrderAcrossPages",
                    NO_GENERATION + "; and its listing is neither in key "
                            + "order (a hash map) nor paged (pageSize truncates and ends the listing)"),
            Map.entry(
                    "listsByPartialPrefixAndAfterAKey",
                    NO_GENERATION + "; and it refuses startOffset ('Unknown " + "option: START_OFF_SET')"),
            Map.entry("listingAndStatAgreeWithTheWrite", NO_GENERATION),
            Map.entry("checksumsTheStoreGivesMatchTheContent", NO_GENERATION),
            Map.entry("readsARangeOrToTheEnd", NO_GENERATION),
            Map.entry("readOfAStaleVersionFails", NO_GENERATION + "; and its reads ignore ifGenerationMatch"),
            Map.entry(
                    "ifAbsentRefusesTheSecondWriter",
                    NO_GENERATION + "; and its one-request upload ignores " + "ifGenerationMatch=0"),
            Map.entry(
                    "ifVersionRefusesAStaleVersion",
                    NO_GENERATION + "; and its one-request upload ignores " + "ifGenerationMatch"),
            Map.entry("deletesAndDeletingNothingIsNoError", NO_GENERATION),
            Map.entry("deletingAVersionLeavesANewerOne", NO_GENERATION),
            Map.entry("copiesInsideTheStore", NO_GENERATION),
            Map.entry("copiesFromAnotherRootTheVersionAskedFor", NO_GENERATION),
            Map.entry("copiesFromAStoreOfAnotherKindTheVersionAskedFor", NO_GENERATION));

    @BeforeEach
    void skipWhatTheFakeCannotDo(TestInfo test) {
        String reason = FAKE_CANNOT.get(test.getTestMethod().orElseThrow().getName());
        Assumptions.assumeTrue(reason == null, () -> "skipped on the in-process GCS fake: " + reason);
    }

    @Override
    protected ObjectStore openStore() {
        GcsLocation location = GcsLocation.parse(URI.create("gs://kit/" + UUID.randomUUID() + "/"), Map.of());
        // a fresh fake per test; 'false': it ignores the options it does not know instead of throwing
        return new GcsObjectStore(
                location, LocalStorageHelper.customOptions(false), "none: in-process fake", SINGLE_REQUEST_LIMIT);
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
            case IF_ABSENT_RACE ->
                "the fake's one-request upload ignores ifGenerationMatch=0 (FakeStorageRpc.create "
                        + "drops every option), so any number of writers 'win'";
        };
    }

    @Test
    void aResumableUploadReadsBackByRangeCopiesAndDeletes() throws IOException {
        Path file = tmp.resolve("big.bin");
        byte[] content = new byte[(int) SINGLE_REQUEST_LIMIT * 3 + 17];
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
    void deletingAGenerationLeavesANewerOne() throws IOException {
        // the kit's deletingAVersionLeavesANewerOne, with resumable uploads (the fake gives them a generation); the
        // fake's delete ignores ifGenerationMatch, so a proxy refuses it here as GCS does (412)
        var fakeOptions = LocalStorageHelper.customOptions(false);
        Storage fake = fakeOptions.getService();
        java.util.concurrent.atomic.AtomicInteger conditional = new java.util.concurrent.atomic.AtomicInteger();
        Storage gcs = (Storage) java.lang.reflect.Proxy.newProxyInstance(
                Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("delete")
                            && args.length == 2
                            && args[0] instanceof BlobId id
                            && args[1] instanceof Storage.BlobSourceOption[] options
                            && options.length > 0) {
                        conditional.incrementAndGet();
                        Blob now = fake.get(id);
                        if (now == null) return false;
                        if (!List.of(options).contains(Storage.BlobSourceOption.generationMatch(now.getGeneration())))
                            throw new StorageException(412, "Precondition Failed");
                    }
                    try {
                        return method.invoke(fake, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        GcsLocation location = GcsLocation.parse(URI.create("gs://kit/" + UUID.randomUUID() + "/"), Map.of());
        var options = fakeOptions.toBuilder().setServiceFactory(o -> gcs).build();
        try (ObjectStore s = new GcsObjectStore(location, options, "none: in-process fake", SINGLE_REQUEST_LIMIT)) {
            Path file = tmp.resolve("big.bin");
            Files.write(file, new byte[(int) SINGLE_REQUEST_LIMIT + 1]);
            StoredObject v1 = s.write("d/v", file, WriteCondition.none());
            StoredObject v2 = s.write("d/v", file, WriteCondition.none());
            assertThat(v2.version()).isNotEqualTo(v1.version());

            assertThatThrownBy(() -> s.delete("d/v", v1.version()))
                    .isInstanceOf(ObjectChangedException.class)
                    .hasMessageContaining("d/v");
            assertThat(conditional)
                    .as("one conditional delete, not a stat then a delete")
                    .hasValue(1);
            assertThat(s.stat("d/v").orElseThrow().version())
                    .as("the newer generation stays")
                    .isEqualTo(v2.version());

            s.delete("d/v", v2.version());
            assertThat(s.stat("d/v")).as("the generation named goes").isEmpty();
            s.delete("d/v", v1.version()); // nothing there: no error
        }
    }

    @Test
    void aListingLeavesOutEmptyFolderObjectsButNotDataUnderAKeyEndingInSlash() throws IOException {
        GcsLocation location = GcsLocation.parse(URI.create("gs://kit/" + UUID.randomUUID() + "/"), Map.of());
        var options = LocalStorageHelper.customOptions(false);
        try (ObjectStore s = new GcsObjectStore(location, options, "none: in-process fake", SINGLE_REQUEST_LIMIT)) {
            // the console's "Create folder": an empty object (written straight to the fake: see NO_GENERATION)
            options.getService()
                    .create(
                            com.google.cloud.storage.BlobInfo.newBuilder("kit", location.prefix() + "in/folder/")
                                    .build(),
                            new byte[0]);
            Path file = tmp.resolve("data.bin");
            Files.write(file, new byte[(int) SINGLE_REQUEST_LIMIT + 1]);
            s.write("in/data/", file, WriteCondition.none()); // bytes under a name ending in '/': data
            s.write("in/a.bin", file, WriteCondition.none());
            try (Stream<StoredObject> listed = s.list("in/", null)) {
                assertThat(listed.map(StoredObject::key)).containsExactlyInAnyOrder("in/a.bin", "in/data/");
            }
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
