package io.sluice.storage.azure;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sinks.files.FilesSinkFactory;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.testkit.AzuriteServer;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the files sink writing to an {@code az://} prefix of Azurite (a real Azure Blob service
 * on loopback): what a reader listing the prefix sees. Azure's conditional writes are atomic, so the stale-writer
 * check runs.
 *
 * <p>The sink opens its store as a user's run does: the account key from AZURE_STORAGE_CONNECTION_STRING, which this
 * module's surefire execution {@code azure-files-sink} sets (Azurite's well-known key; the other tests here need it
 * unset), and Azurite's port in {@code azure.endpoint}.
 */
class AzureFilesSinkConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    /** One prefix per test: every sink of a test writes there, as workers of one pipeline do. */
    private final String url = "az://" + AzureBlobStoreTest.CONTAINER + "/sink-" + UUID.randomUUID() + "/";

    private ObjectStore reader;

    @BeforeAll
    static void connectionStringInTheEnvironment() {
        String env = System.getenv(AzureLocation.CONNECTION_STRING);
        Assumptions.assumeTrue(
                env != null && env.contains(AzuriteServer.KEY),
                AzureLocation.CONNECTION_STRING + " does not hold Azurite's account key in this JVM: the test runs in "
                        + "sluice-azure's surefire execution azure-files-sink, which sets it");
    }

    @Override
    protected Sink openSink() {
        FilesSinkFactory factory = new FilesSinkFactory();
        String yaml = "path: " + url + "\nformat: csv\nazure: {endpoint: \"" + AzureBlobStoreTest.AZURITE.blobEndpoint()
                + "\"}\n";
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", yaml), (Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext(
                        "kit", dir.resolve("p.yaml"), 1, io.sluice.spi.BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    private ObjectStore reader() {
        if (reader == null) {
            reader = AzureBlobStore.open(URI.create(url), Map.of(), AzureBlobStoreTest.ENV);
        }
        return reader;
    }

    @AfterEach
    void closeReader() throws Exception {
        if (reader != null) reader.close();
    }

    /** The csv objects a reader listing the prefix finds, without Sluice's own keys (those starting with {@code _}). */
    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        return visibleCsvRows(duck, reader(), dir);
    }

    @Override
    protected Set<String> stored() throws Exception {
        return storedKeys(reader());
    }
}
