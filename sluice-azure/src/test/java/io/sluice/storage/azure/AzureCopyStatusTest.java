package io.sluice.storage.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server-side copy between containers of one account ({@code after: move_to}) that Azure ends as {@code failed} or
 * {@code aborted}: a Copy Blob answers {@code pending} and the copy goes on in the background, where it can fail (the
 * source changed or went, an outage) or be aborted (Abort Copy Blob, by anyone). Such a destination holds no copy of
 * the input, so the copy must fail: the files source deletes an input once its copy returns. Azurite copies at once,
 * so a policy answers as Azure does for such a copy: {@code pending} at the start, then the end state on the polls.
 */
class AzureCopyStatusTest {
    static {
        AzureBlobStoreTest.containerClient("moved").createIfNotExists();
    }

    @ParameterizedTest
    @ValueSource(strings = {"failed", "aborted"})
    void aCopyAzureEndsWithoutTheContentFailsAndTheSourceStays(String end) throws Exception {
        String run = UUID.randomUUID().toString();
        AzureBlobStore in = open("az://" + AzureBlobStoreTest.CONTAINER + "/" + run + "/in/", List.of());
        AzureBlobStore done = open("az://moved/" + run + "/", List.of(new CopyEndsAs(end)));
        StoredObject input = in.write("a.csv", "id\n1\n".getBytes(UTF_8), WriteCondition.none());

        assertThatThrownBy(() -> done.copyFrom(in, "a.csv", input.version(), "a.csv"))
                .hasMessageContaining(end)
                .hasMessageContaining(in.describe("a.csv"))
                .hasMessageContaining(done.describe("a.csv"));
        assertThat(in.stat("a.csv")).as("the input stays").isPresent();
    }

    private static AzureBlobStore open(String root, List<HttpPipelinePolicy> policies) {
        return AzureBlobStore.open(URI.create(root), Map.of(), AzureBlobStoreTest.ENV, 1 << 20, policies);
    }

    /** Copy Blob answered {@code pending}; the destination's properties then say how the copy ended. */
    private static final class CopyEndsAs implements HttpPipelinePolicy {
        private final String end;
        private final Map<URL, Boolean> copying = new ConcurrentHashMap<>();

        CopyEndsAs(String end) {
            this.end = end;
        }

        @Override
        public reactor.core.publisher.Mono<HttpResponse> process(
                HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            return next.process().map(this::answer);
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            return answer(next.processSync());
        }

        private HttpResponse answer(HttpResponse r) {
            var request = r.getRequest();
            String status = r.getHeaderValue(HttpHeaderName.fromString("x-ms-copy-status"));
            if (request.getHttpMethod() == HttpMethod.PUT
                    && request.getHeaders().getValue(HttpHeaderName.fromString("x-ms-copy-source")) != null) {
                copying.put(request.getUrl(), true);
                r.getHeaders().set(HttpHeaderName.fromString("x-ms-copy-status"), "pending");
            } else if (status != null && copying.containsKey(request.getUrl())) {
                r.getHeaders().set(HttpHeaderName.fromString("x-ms-copy-status"), end);
                r.getHeaders()
                        .set(
                                HttpHeaderName.fromString("x-ms-copy-status-description"),
                                "500 InternalError Copy " + end);
            }
            return r;
        }
    }
}
