package io.sluice.storage.s3;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sinks.files.FilesSinkFactory;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.testkit.sink.SinkConformanceKit;
import io.sluice.testkit.storage.S3ProxyServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the files sink writing to S3 (S3Proxy, a real S3 server in its own JVM on loopback):
 * what a reader listing the bucket's prefix sees.
 */
class S3FilesSinkConformanceTest extends SinkConformanceKit {
    private static final S3ProxyServer SERVER = S3ObjectStoreTest.SERVER;

    static {
        TestProfiles.install();
        SERVER.createBucket(S3ObjectStoreTest.BUCKET);
    }

    @TempDir
    Path dir;

    /** One prefix per test: every sink of a test writes there, as workers of one pipeline do. */
    private final String url = "s3://" + S3ObjectStoreTest.BUCKET + "/sink-" + UUID.randomUUID() + "/";

    private ObjectStore reader;

    @Override
    protected Sink openSink() throws Exception {
        FilesSinkFactory factory = new FilesSinkFactory();
        String yaml = "path: " + url + "\nformat: csv\ns3: {endpoint: \"" + SERVER.endpoint() + "\", region: "
                + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit}\n";
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", yaml), (Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext(
                        "kit", dir.resolve("p.yaml"), 1, io.sluice.spi.BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    private ObjectStore reader() throws Exception {
        if (reader == null) {
            reader = S3ObjectStoreTest.open(SERVER, url, Map.of());
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
        List<Path> files = new ArrayList<>();
        try (Stream<StoredObject> list = reader().list("", null)) {
            for (StoredObject o : list.filter(
                            o -> o.key().endsWith(".csv") && !o.key().startsWith("_"))
                    .toList()) {
                Path local = Files.createTempFile(dir, "visible-", ".csv");
                try (InputStream in = reader().read(o.key(), o.version(), 0, -1)) {
                    Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                files.add(local);
            }
        }
        return csvRows(duck, files);
    }

    @Override
    protected Set<String> stored() throws Exception {
        try (Stream<StoredObject> list = reader().list("", null)) {
            return list.map(StoredObject::key).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
