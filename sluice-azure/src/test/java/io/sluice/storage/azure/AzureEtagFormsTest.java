package io.sluice.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The conformance kit again, with the ETags in the form Azure gives them: quoted in headers ({@code "0x8D..."}, Get
 * Blob Properties, Put Blob, Get Blob), bare in a listing's XML ({@code 0x8D...}). Azurite 3.37.0 sends both bare, so
 * a policy quotes its headers as Azure does. One object has one version whichever request found it: the files source
 * lists its inputs and later compares them with a HEAD ({@code after:}, {@code on_change: reprocess}).
 */
class AzureEtagFormsTest extends AzureBlobStoreTest {

    @Override
    protected ObjectStore openStore() {
        return AzureBlobStore.open(
                URI.create("az://" + CONTAINER + "/" + UUID.randomUUID() + "/"),
                Map.of(),
                ENV,
                1 << 20,
                List.of(new QuotedEtagHeaders()));
    }

    @Test
    void aListedVersionIsTheVersionAHeadFindsAndNamesItInConditions() throws IOException {
        StoredObject written = store.write(
                "in/a.csv", "id\n1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), WriteCondition.none());
        StoredObject listed;
        try (Stream<StoredObject> s = store.list("in/", null)) {
            listed = s.findFirst().orElseThrow();
        }
        assertThat(store.stat("in/a.csv").orElseThrow().version())
                .isEqualTo(listed.version())
                .isEqualTo(written.version());
        try (var in = store.read("in/a.csv", listed.version(), 0, -1)) {
            assertThat(in.readAllBytes()).hasSize(5);
        }
        store.delete("in/a.csv", listed.version());
        assertThat(store.stat("in/a.csv")).isEmpty();
    }

    /** Azure's header form: every ETag header in quotes. */
    static final class QuotedEtagHeaders implements HttpPipelinePolicy {
        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            return next.process().map(QuotedEtagHeaders::quoted);
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            return quoted(next.processSync());
        }

        private static HttpResponse quoted(HttpResponse r) {
            String etag = r.getHeaderValue(HttpHeaderName.ETAG);
            if (etag != null && !etag.startsWith("\"")) r.getHeaders().set(HttpHeaderName.ETAG, "\"" + etag + "\"");
            return r;
        }
    }
}
