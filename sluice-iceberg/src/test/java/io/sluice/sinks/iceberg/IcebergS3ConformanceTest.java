package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.testkit.sink.SinkConformanceKit;
import io.sluice.testkit.storage.S3ProxyServer;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on an Iceberg table whose warehouse is in a bucket of a real S3 server (S3Proxy, in its own
 * JVM on loopback), written and read through Sluice's S3 store ({@link StoreFileIO}); the catalog is JDBC on SQLite.
 * What a reader sees is read back by Iceberg's own reader from the bucket; what is stored is the bucket's listing.
 */
class IcebergS3ConformanceTest extends SinkConformanceKit {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final String BUCKET = "iceberg-kit";

    static {
        SERVER.createBucket(BUCKET);
        // the SDK's default chain reads these first; the user's ~/.aws stays out of the test
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
    }

    @TempDir
    java.nio.file.Path dir;

    /** One prefix per test, as one warehouse. */
    private final String warehouse = "s3://" + BUCKET + "/lake-" + UUID.randomUUID() + "/";

    private Lake lake() {
        return Lake.inBucket(
                dir,
                warehouse,
                "s3: { endpoint: \"" + SERVER.endpoint() + "\", region: " + S3ProxyServer.REGION
                        + ", path_style: true }");
    }

    @Override
    protected Sink openSink() {
        return lake().sink("db.kit", "overwrite", null);
    }

    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        return lake().rows("db.kit", "tag", "n");
    }

    /** Every object under the warehouse's prefix: data and metadata. */
    @Override
    protected Set<String> stored() throws Exception {
        Set<String> all = new TreeSet<>();
        try (ObjectStore store = ObjectStores.open(warehouse, settings());
                Stream<StoredObject> objects = store.list("", null)) {
            objects.forEach(o -> all.add(o.key()));
        }
        return all;
    }

    private static Map<String, Map<String, Object>> settings() {
        return Map.of(
                "s3",
                Map.of("endpoint", SERVER.endpoint().toString(), "region", S3ProxyServer.REGION, "path_style", true));
    }

    @Test
    void theTablesDataAndMetadataAreInTheBucketAndNothingIsStagedBesideIt() throws Exception {
        sink = openSink();
        sink.prepare();
        write(split("a.csv", "v1"), "a", 3, current("w1"));
        assertThat(visibleRows(duck)).containsExactlyInAnyOrderElementsOf(expected("a", 3));
        assertThat(stored())
                .anyMatch(k -> k.startsWith("db/kit/data/") && k.endsWith(".parquet"))
                .anyMatch(k -> k.startsWith("db/kit/metadata/") && k.endsWith(".metadata.json"))
                .noneMatch(k -> k.contains(IcebergSink.STAGING));
        assertThat(dir.resolve("lake/warehouse")).as("no local warehouse").doesNotExist();
    }
}
