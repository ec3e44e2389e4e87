package io.sluice.storage.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import io.sluice.spi.Utf8;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What {@link AzureBlobStore#abortIncompleteWrites} removes, on a real Azurite: blobs with uncommitted blocks only (a
 * write killed before its Put Block List), never a committed blob, and with one search for the files of a killed
 * commit.
 */
class AzureUnfinishedWritesTest {
    private static final BlobContainerClient RAW = new BlobServiceClientBuilder()
            .connectionString(AzureBlobStoreTest.AZURITE.connectionString())
            .buildClient()
            .getBlobContainerClient(AzureBlobStoreTest.CONTAINER);

    static {
        RAW.createIfNotExists();
    }

    private final String prefix = UUID.randomUUID() + "/";

    @Test
    void aCommittedBlobIsNeverRemovedWhateverOrderTheServiceListsNamesIn() throws IOException {
        // Azure lists by UTF-8 bytes ("k\ue000" before "k😀"), Azurite by UTF-16 (the other way round, as Java's
        // String order). The store walked its two listings side by side in String order: under Azure's order it took
        // the committed k😀.csv for a blob with uncommitted blocks only, and deleted it. Azurite's own order cannot
        // show that, so the first run puts Azurite's answers into Azure's order (Utf8Listing); the second takes them
        // as Azurite gives them, so the store is safe in either order.
        for (boolean azureOrder : List.of(true, false)) {
            String root = prefix + azureOrder + "/";
            try (AzureBlobStore store = open(root, azureOrder ? List.of(new Utf8Listing()) : List.of())) {
                store.write("out/k\ue000.csv", "1".getBytes(UTF_8), WriteCondition.none());
                store.write("out/k😀.csv", "2".getBytes(UTF_8), WriteCondition.none());
                stageOnly(root + "out/a.csv");
                stageOnly(root + "out/z.csv");

                assertThat(store.abortIncompleteWrites("out/", Instant.now().plusSeconds(60)))
                        .as("in " + (azureOrder ? "Azure's" : "Azurite's") + " order")
                        .isEqualTo(2);

                assertThat(store.stat("out/k\ue000.csv")).isPresent();
                assertThat(store.stat("out/k😀.csv"))
                        .as("the committed blob listed after k\ue000.csv")
                        .isPresent();
                assertThat(namesWithUncommitted(root))
                        .as("only the blobs with uncommitted blocks only are gone")
                        .containsExactlyInAnyOrder(root + "out/k\ue000.csv", root + "out/k😀.csv");
            }
        }
    }

    @Test
    void theFilesOfAKilledCommitAreSearchedForOnceAndOnlyThoseExactNamesAreRemoved() throws IOException {
        // a killed commit of 12 partition files: the default searched the two listings once per file (24 List Blobs)
        Counting lists = new Counting();
        try (AzureBlobStore store = open(prefix, List.of(lists))) {
            List<String> keys = IntStream.range(0, 12)
                    .mapToObj(i -> "out/day=" + i + "/part-0.csv")
                    .toList();
            for (String k : keys) stageOnly(prefix + k);
            stageOnly(prefix + "out/day=1/part-0.csv.other"); // a longer name: another output's write, not this one's
            store.write("out/day=2/part-1.csv", "kept".getBytes(UTF_8), WriteCondition.none());

            lists.count.set(0);
            int removed = store.abortIncompleteWrites(keys, Instant.now().plusSeconds(60));
            assertThat(lists.count.get()).as("List Blobs requests").isEqualTo(2);
            assertThat(removed).isEqualTo(12);

            assertThat(namesWithUncommitted(prefix))
                    .containsExactlyInAnyOrder(prefix + "out/day=1/part-0.csv.other", prefix + "out/day=2/part-1.csv");
            assertThat(store.abortIncompleteWrites(List.of(), Instant.now().plusSeconds(60)))
                    .isZero();
        }
    }

    @Test
    void aWriteThatCommitsWhileItIsRemovedIsKeptOrFailsItsCommit() throws IOException {
        // a write begun before the cut-off, still alive: its Put Block List lands in the moment before the removal's
        // DELETE. The removal found nothing committed (Get Blob Properties: 404), then deleted what the write had just
        // committed, a write told it had succeeded. Now the write either commits first and is kept, or finds its blocks
        // gone and fails (InvalidBlockList, what Azurite answers here), knowing it
        String name = prefix + "out/live.csv";
        stageOnly(name);
        AtomicReference<String> committed = new AtomicReference<>();
        HttpPipelinePolicy commitsFirst = (context, next) -> {
            if (context.getHttpRequest().getHttpMethod() == HttpMethod.DELETE && committed.get() == null) {
                try {
                    RAW.getBlobClient(name).getBlockBlobClient().commitBlockList(List.of(BLOCK), true);
                    committed.set("committed");
                } catch (BlobStorageException e) {
                    committed.set("refused: " + e.getErrorCode()); // the writer knows its write failed
                }
            }
            return next.process();
        };
        try (AzureBlobStore store = open(prefix, List.of(commitsFirst))) {
            store.abortIncompleteWrites("out/", Instant.now().plusSeconds(60));
            assertThat(committed.get())
                    .as("the write's commit came before a DELETE")
                    .isNotNull();
            if (committed.get().equals("committed")) {
                assertThat(store.stat("out/live.csv"))
                        .as("a committed write is never removed")
                        .isPresent();
            }
        }
    }

    private static AzureBlobStore open(String prefix, List<HttpPipelinePolicy> policies) {
        return AzureBlobStore.open(
                URI.create("az://" + AzureBlobStoreTest.CONTAINER + "/" + prefix),
                Map.of(),
                AzureBlobStoreTest.ENV,
                AzureBlobStore.DEFAULT_BLOCK_SIZE,
                policies);
    }

    /** What a process killed between Put Block and Put Block List leaves: a blob with uncommitted blocks only. */
    private static void stageOnly(String blobName) {
        RAW.getBlobClient(blobName).getBlockBlobClient().stageBlock(BLOCK, BinaryData.fromString("half of it"));
    }

    private static final String BLOCK = Base64.getEncoder().encodeToString("block-0".getBytes(UTF_8));

    private static Set<String> namesWithUncommitted(String prefix) {
        return RAW
                .listBlobs(
                        new ListBlobsOptions()
                                .setPrefix(prefix)
                                .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true)),
                        null)
                .stream()
                .map(BlobItem::getName)
                .collect(Collectors.toSet());
    }

    /** Counts List Blobs requests. */
    private static final class Counting implements HttpPipelinePolicy {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            String query = context.getHttpRequest().getUrl().getQuery();
            if (query != null && query.contains("comp=list")) count.incrementAndGet();
            return next.process();
        }
    }

    /**
     * Puts the blobs of each List Blobs page in the order of their names' UTF-8 bytes, as Azure lists them (pages of
     * this test hold every name, so a page's order is the listing's).
     */
    private static final class Utf8Listing implements HttpPipelinePolicy {
        private static final Pattern BLOBS = Pattern.compile("(?s)<Blob>.*</Blob>");
        private static final Pattern BLOB = Pattern.compile("(?s)<Blob>.*?</Blob>");
        private static final Pattern NAME = Pattern.compile("(?s)<Name[^>]*>(.*?)</Name>");

        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            return next.process()
                    .flatMap(r -> listing(r) ? r.getBodyAsByteArray().map(b -> reordered(r, b)) : Mono.just(r));
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            HttpResponse r = next.processSync();
            return listing(r) ? reordered(r, r.getBodyAsBinaryData().toBytes()) : r;
        }

        private static boolean listing(HttpResponse r) {
            String query = r.getRequest().getUrl().getQuery();
            return r.getStatusCode() == 200 && query != null && query.contains("comp=list");
        }

        private static HttpResponse reordered(HttpResponse r, byte[] body) {
            String xml = new String(body, UTF_8);
            Matcher all = BLOBS.matcher(xml);
            if (!all.find()) return new Body(r, body);
            List<String> blobs = new ArrayList<>();
            for (Matcher m = BLOB.matcher(all.group()); m.find(); ) blobs.add(m.group());
            blobs.sort(Comparator.comparing(Utf8Listing::name, Utf8::compare));
            String sorted = xml.substring(0, all.start()) + String.join("", blobs) + xml.substring(all.end());
            return new Body(r, sorted.getBytes(UTF_8)); // the same bytes, reordered: Content-Length holds
        }

        private static String name(String blob) {
            Matcher m = NAME.matcher(blob);
            if (!m.find()) throw new IllegalStateException("a listed blob without a name: " + blob);
            return m.group(1);
        }
    }

    /** A response with another body. */
    private static final class Body extends HttpResponse {
        private final HttpResponse of;
        private final byte[] body;

        Body(HttpResponse of, byte[] body) {
            super(of.getRequest());
            this.of = of;
            this.body = body;
        }

        @Override
        public int getStatusCode() {
            return of.getStatusCode();
        }

        @Override
        @SuppressWarnings("deprecation") // the abstract method a response must implement
        public String getHeaderValue(String name) {
            return of.getHeaderValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return of.getHeaders();
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.just(ByteBuffer.wrap(body));
        }

        @Override
        public BinaryData getBodyAsBinaryData() {
            return BinaryData.fromBytes(body);
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(new String(body, UTF_8));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(body, charset));
        }
    }
}
