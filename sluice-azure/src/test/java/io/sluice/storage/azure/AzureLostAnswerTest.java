package io.sluice.storage.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * A conditional write whose answer is lost after it landed (a reset connection, a timeout): the SDK sends it again, and
 * the retry fails the write's own condition (409 BlobAlreadyExists, 412). The write is done, as on S3; a commit took
 * it for another writer's and failed. Against Azurite, with a policy that drops one answer.
 */
class AzureLostAnswerTest {
    private static final int BLOCK_SIZE = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void aPutBlobWhoseAnswerWasLostIsDoneNotRefused() throws IOException {
        LoseOneAnswer lose = new LoseOneAnswer(r -> r.getHttpMethod() == HttpMethod.PUT);
        ObjectStore store = open(lose);

        StoredObject written = store.write("m.json", "{\"a\":1}".getBytes(UTF_8), WriteCondition.ifAbsent());

        assertThat(lose.lost)
                .as("an answer was lost, and the SDK sent the write again")
                .isTrue();
        assertThat(store.stat("m.json").orElseThrow().version()).isEqualTo(written.version());
        StoredObject next =
                store.write("m.json", "{\"a\":2}".getBytes(UTF_8), WriteCondition.ifVersion(written.version()));
        assertThat(next.version()).isNotEqualTo(written.version());
        try (var in = store.read("m.json", next.version(), 0, -1)) {
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("{\"a\":2}");
        }
    }

    @Test
    void aPutBlockListWhoseAnswerWasLostIsDone() throws IOException {
        LoseOneAnswer lose = new LoseOneAnswer(
                r -> r.getUrl().getQuery() != null && r.getUrl().getQuery().contains("comp=blocklist"));
        ObjectStore store = open(lose);
        Path file = tmp.resolve("three-blocks.bin");
        byte[] content = new byte[BLOCK_SIZE * 2 + 10];
        new java.util.Random(7).nextBytes(content);
        Files.write(file, content);
        StoredObject v1 = store.write("big.bin", new byte[] {1}, WriteCondition.none());

        StoredObject v2 = store.write("big.bin", file, WriteCondition.ifVersion(v1.version()));

        assertThat(lose.lost).isTrue();
        assertThat(v2.size()).isEqualTo(content.length);
        assertThat(store.stat("big.bin").orElseThrow().version()).isEqualTo(v2.version());
    }

    @Test
    void anotherWritersBytesAreStillARefusal() throws IOException {
        ObjectStore store = open(new LoseOneAnswer(r -> false));
        store.write("m.json", "theirs".getBytes(UTF_8), WriteCondition.ifAbsent());

        assertThatThrownBy(() -> store.write("m.json", "mine".getBytes(UTF_8), WriteCondition.ifAbsent()))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("exists already");
    }

    private static ObjectStore open(HttpPipelinePolicy policy) {
        return AzureBlobStore.open(
                URI.create("az://" + AzureBlobStoreTest.CONTAINER + "/" + UUID.randomUUID() + "/"),
                Map.of(),
                AzureBlobStoreTest.ENV,
                BLOCK_SIZE,
                List.of(policy));
    }

    /** Sends the first request {@code which} takes, then drops its answer as a reset connection would. */
    private static final class LoseOneAnswer implements HttpPipelinePolicy {
        private final Predicate<HttpRequest> which;
        private final AtomicBoolean done = new AtomicBoolean();
        volatile boolean lost;

        LoseOneAnswer(Predicate<HttpRequest> which) {
            this.which = which;
        }

        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            return next.process().flatMap(r -> lose(context, r) ? Mono.error(reset()) : Mono.just(r));
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            HttpResponse r = next.processSync();
            if (lose(context, r)) throw new UncheckedIOException(reset());
            return r;
        }

        private boolean lose(HttpPipelineCallContext context, HttpResponse r) {
            boolean now =
                    r.getStatusCode() < 300 && which.test(context.getHttpRequest()) && done.compareAndSet(false, true);
            if (now) lost = true;
            return now;
        }

        private static IOException reset() {
            return new IOException("Connection reset (the answer was lost after the write landed)");
        }
    }
}
