package io.sluice.storage.gcs;

import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.testkit.sink.ObjectStoreSinkConformanceKit;
import java.util.Map;
import java.util.UUID;

/**
 * The sink conformance kit on the files sink writing to GCS, through {@link GcsStandIn} (this project's HTTP stand-in
 * for GCS's JSON API, not Google's server): what a reader listing the bucket's prefix sees.
 */
class GcsFilesSinkConformanceTest extends ObjectStoreSinkConformanceKit {
    private static final GcsStandIn GCS = GcsObjectStoreTest.GCS;

    /** One prefix per test: every sink of a test writes there, as workers of one pipeline do. */
    private final String url = "gs://kit/sink-" + UUID.randomUUID() + "/";

    @Override
    protected Sink openSink() {
        return filesSink("path: " + url + "\nformat: csv\ngcs: {endpoint: \"" + GCS.endpoint() + "\"}\n");
    }

    @Override
    protected ObjectStore openReader() throws Exception {
        return ObjectStores.open(url, Map.of("gcs", Map.of("endpoint", GCS.endpoint())));
    }
}
