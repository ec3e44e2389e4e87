package io.sluice.storage.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.AccessTier;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoreRefusedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.testkit.AzuriteServer;
import io.sluice.testkit.storage.ObjectStoreConformanceKit;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The conformance kit and Azure's own cases against a real Azurite Blob service (npm azurite 3.37.0). */
class AzureBlobStoreTest extends ObjectStoreConformanceKit {
    static final String CONTAINER = "kit";
    private static final long BLOCK_SIZE = 1 << 20;
    static final AzuriteServer AZURITE = AzuriteServer.shared();
    static final Map<String, String> ENV = Map.of(AzureLocation.CONNECTION_STRING, AZURITE.connectionString());

    static {
        containerClient(CONTAINER).createIfNotExists();
    }

    @Override
    protected ObjectStore openStore() {
        // a fresh prefix per test, small blocks so that the large-file test commits several
        return AzureBlobStore.open(
                URI.create("az://" + CONTAINER + "/" + UUID.randomUUID() + "/"), Map.of(), ENV, BLOCK_SIZE);
    }

    @Override
    protected void leaveIncompleteWrite(ObjectStore store, String key) {
        // what a process killed between Put Block and Put Block List leaves: a blob with uncommitted blocks only
        String name = URI.create(store.describe(key)).getPath().substring(1);
        containerClient(CONTAINER)
                .getBlobClient(name)
                .getBlockBlobClient()
                .stageBlock(
                        Base64.getEncoder().encodeToString("block-0".getBytes(UTF_8)),
                        BinaryData.fromString("half of it"));
    }

    @Override
    protected long multipartThreshold() {
        return BLOCK_SIZE;
    }

    @Test
    void opensThroughTheFactoryWithoutReachingTheNetwork() throws IOException {
        // no connection string in this JVM's environment: Microsoft Entra ID credentials, which need https
        try (ObjectStore s = ObjectStores.open("abfss://kit@acme.dfs.core.windows.net/f", Map.of())) {
            assertThat(s).isInstanceOf(AzureBlobStore.class);
            assertThat(s.root()).isEqualTo("abfss://kit@acme.dfs.core.windows.net/f/");
            assertThat(s.describe("a/b.csv")).isEqualTo("abfss://kit@acme.dfs.core.windows.net/f/a/b.csv");
            assertThat(s.credentialSource()).startsWith("Azure default credential chain");
            assertThat(s.capabilities().conditionalWrites()).isTrue();
            assertThat(s.capabilities().local()).isFalse();
        }
        assertThatThrownBy(() ->
                        ObjectStores.open("az://kit/f/", Map.of("azure", Map.of("endpoint", AZURITE.blobEndpoint()))))
                .hasMessageContaining("azure.endpoint")
                .hasMessageContaining("https")
                .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING");
    }

    @Test
    void aFileWrittenInBlocksKeepsItsMd5AndItsCondition() throws Exception {
        Path file = tmp.resolve("three-blocks.bin");
        byte[] content = new byte[(int) (BLOCK_SIZE * 2 + 100)];
        new java.util.Random(3).nextBytes(content);
        Files.write(file, content);

        StoredObject o = store.write("b/three", file, WriteCondition.ifAbsent());
        String md5 = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("MD5").digest(content));
        assertThat(o.checksums()).containsEntry("md5", md5);
        assertThat(store.stat("b/three").orElseThrow().checksums()).containsEntry("md5", md5);
        // other bytes: the same ones in place count as this write done (a retry whose first attempt landed)
        content[0]++;
        Path other = Files.write(tmp.resolve("other.bin"), content);
        assertThatThrownBy(() -> store.write("b/three", other, WriteCondition.ifAbsent()))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("az://kit/");
        assertThatThrownBy(() -> store.write("b/three", other, WriteCondition.ifVersion("0x8D00000000000")))
                .isInstanceOf(ObjectChangedException.class);
        assertThat(store.abortIncompleteWrites("b/", Instant.now().plusSeconds(60)))
                .as("the refused commits left blocks only beside a committed blob, which Azure drops itself")
                .isZero();
        assertThat(store.stat("b/three").orElseThrow().version()).isEqualTo(o.version());
    }

    @Test
    void aListingResumedAfterAKeyPastTheBmpDoesNotRepeatKeysBeforeIt() throws IOException {
        // Azure lists by UTF-8 bytes: "k\ue000" (EE 80 80) before "k😀" (F0 9F 98 80). Azurite compares names as
        // JavaScript strings (UTF-16, the other way round), so its startFrom gives "k\ue000.csv" after "k😀.csv"; the
        // store's own filter (String order before) kept it: a resumed listing repeated it. The other direction (a
        // key skipped) needs a service in UTF-8 order, which Azurite is not; Utf8Test covers the comparison
        store.write("u/k\ue000.csv", new byte[1], WriteCondition.none());
        store.write("u/k😀.csv", new byte[1], WriteCondition.none());
        try (Stream<StoredObject> s = store.list("u/", "u/k😀.csv")) {
            assertThat(s.map(StoredObject::key)).isEmpty();
        }
    }

    @Test
    void anArchivedBlobIsNamedWithHowToRehydrateIt() throws IOException {
        // a lifecycle rule moves blobs to the Archive tier, where Azure neither reads nor copies them (409
        // BlobArchived)
        // until they are rehydrated, in hours; no permission is missing, and retrying at once does nothing
        StoredObject o = store.write("in/a.csv", "id\n1\n".getBytes(UTF_8), WriteCondition.none());
        String name = URI.create(store.describe("in/a.csv")).getPath().substring(1);
        containerClient(CONTAINER).getBlobClient(name).setAccessTier(AccessTier.ARCHIVE);

        assertThatThrownBy(() -> store.read("in/a.csv", o.version(), 0, -1).close())
                .hasMessageContaining(store.describe("in/a.csv") + " is in the Archive tier (BlobArchived")
                .hasMessageContaining("az storage blob set-tier --account-name " + AzuriteServer.ACCOUNT
                        + " --container-name " + CONTAINER + " --name " + name + " --tier Hot")
                .hasMessageContaining("then `sluice retry`")
                .hasMessageContaining("`exclude`");
        assertThatThrownBy(() -> store.copy("in/a.csv", "done/a.csv"))
                .as("move_to copies: the archived blob is the source, not the copy")
                .hasMessageContaining(store.describe("in/a.csv") + " is in the Archive tier")
                .hasMessageContaining("--name " + name + " ");
    }

    @Test
    void aMissingContainerIsNamedWithWhatToDo() {
        ObjectStore s = AzureBlobStore.open(URI.create("az://no-such-container/x/"), Map.of(), ENV);
        assertThatThrownBy(() -> s.list("", null))
                .isInstanceOf(StoreRefusedException.class) // a files source's mistake at its path, not an outage
                .hasMessageContaining("container 'no-such-container' does not exist")
                .hasMessageContaining("check its spelling")
                .hasMessageContaining("create it");
        assertThatThrownBy(() -> s.write("k", new byte[1], WriteCondition.none()))
                .hasMessageContaining("no-such-container");
    }

    @Test
    void aWrongKeyIsRefusedWithTheCredentialSource() {
        String wrongKey = AZURITE.connectionString()
                .replace(AzuriteServer.KEY, Base64.getEncoder().encodeToString(new byte[64]));
        ObjectStore s = AzureBlobStore.open(
                URI.create("az://" + CONTAINER + "/x/"), Map.of(), Map.of(AzureLocation.CONNECTION_STRING, wrongKey));
        assertThat(s.credentialSource())
                .isEqualTo("connection string in AZURE_STORAGE_CONNECTION_STRING (account key)")
                .doesNotContain(AzuriteServer.KEY);
        assertThatThrownBy(() -> s.stat("k"))
                .hasMessageContaining("Azure refused")
                .hasMessageContaining("connection string in AZURE_STORAGE_CONNECTION_STRING");
    }

    @Test
    void anUnreachableEndpointSaysSo() {
        ObjectStore s = AzureBlobStore.open(
                URI.create("az://" + CONTAINER + "/x/"),
                Map.of("endpoint", "http://127.0.0.1:9/" + AzuriteServer.ACCOUNT),
                ENV);
        assertThatThrownBy(() -> s.stat("k"))
                .hasMessageContaining("did not answer")
                .hasMessageContaining("check the endpoint");
    }

    static BlobContainerClient containerClient(String name) {
        return new BlobServiceClientBuilder()
                .connectionString(AZURITE.connectionString())
                .buildClient()
                .getBlobContainerClient(name);
    }
}
