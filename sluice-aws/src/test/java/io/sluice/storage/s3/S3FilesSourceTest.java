package io.sluice.storage.s3;

import io.sluice.spi.source.Source;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.testkit.source.FilesSources;
import io.sluice.testkit.source.SourceConformanceKit;
import io.sluice.testkit.storage.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The source kit on a prefix of a bucket of a real S3 server (S3Proxy in its own JVM, on loopback). */
class S3FilesSourceTest extends SourceConformanceKit {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final String BUCKET = "sluice-source-kit";

    static {
        TestProfiles.install();
        SERVER.createBucket(BUCKET);
    }

    private String url;
    private ObjectStore objects;

    @BeforeEach
    void openPrefix() throws IOException {
        url = "s3://" + BUCKET + "/" + UUID.randomUUID() + "/";
        objects = S3ObjectStoreTest.open(SERVER, url, Map.of());
    }

    @AfterEach
    void closePrefix() throws IOException {
        objects.close();
    }

    @Override
    protected Source newSource(int parallelism) {
        String yaml = "path: \"" + url + "\"\nsettle: 0s\ns3: { endpoint: \"" + SERVER.endpoint() + "\", region: "
                + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit }";
        return FilesSources.create(tmp, yaml, parallelism, Map.of());
    }

    @Override
    protected void write(String name, String content) throws IOException {
        objects.write(name, content.getBytes(StandardCharsets.UTF_8), WriteCondition.none());
    }

    @Override
    protected void delete(String name) throws IOException {
        objects.delete(name);
    }
}
