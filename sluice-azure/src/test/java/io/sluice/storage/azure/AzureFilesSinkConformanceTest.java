package io.sluice.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.testkit.AzuriteServer;
import io.sluice.testkit.sink.ObjectStoreSinkConformanceKit;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The sink conformance kit on the files sink writing to an {@code az://} prefix of Azurite (a real Azure Blob service
 * on loopback): what a reader listing the prefix sees. Azure's conditional writes are atomic, so the stale-writer
 * check runs.
 *
 * <p>The sink opens its store as a user's run does: the account key from AZURE_STORAGE_CONNECTION_STRING, which this
 * module's surefire execution {@code azure-files-sink} sets for the tests of this tag (Azurite's well-known key; the other tests here need it
 * unset), and Azurite's port in {@code azure.endpoint}.
 */
@Tag("azure-connection-string")
class AzureFilesSinkConformanceTest extends ObjectStoreSinkConformanceKit {
    /** One prefix per test: every sink of a test writes there, as workers of one pipeline do. */
    private final String url = "az://" + AzureBlobStoreTest.CONTAINER + "/sink-" + UUID.randomUUID() + "/";

    @BeforeAll
    static void connectionStringInTheEnvironment() {
        String env = System.getenv(AzureLocation.CONNECTION_STRING);
        Assumptions.assumeTrue(
                env != null,
                AzureLocation.CONNECTION_STRING + " is not set in this JVM: the test runs in sluice-azure's surefire "
                        + "execution azure-files-sink, which sets it");
        // set, but not to Azurite's key (the pom's copy went stale): fail rather than skip unseen
        assertThat(env).as(AzureLocation.CONNECTION_STRING).contains(AzuriteServer.KEY);
    }

    @Override
    protected Sink openSink() {
        return filesSink("path: " + url + "\nformat: csv\nazure: {endpoint: \""
                + AzureBlobStoreTest.AZURITE.blobEndpoint() + "\"}\n");
    }

    @Override
    protected ObjectStore openReader() throws Exception {
        return AzureBlobStore.open(URI.create(url), Map.of(), AzureBlobStoreTest.ENV);
    }
}
