package io.sluice.storage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers that S3Proxy never gives (a bucket in another region, throttling), from a small HTTP server that speaks
 * S3's error format: the real SDK, its retries and its parsing run against them.
 */
class S3ErrorResponsesTest {
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void aBucketInAnotherRegionSaysWhichOne() throws IOException {
        answer(
                301,
                Map.of("x-amz-bucket-region", "eu-west-1"),
                "PermanentRedirect",
                "The bucket you are attempting to access must be addressed using the specified endpoint.");
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.list("", null))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("bucket 'far-bucket' is in region eu-west-1, not us-east-1")
                    .hasMessageContaining("s3: { region: eu-west-1 }");
        }
    }

    @Test
    void throttlingIsRetriedWithBackoffThenFailsClearly() throws IOException {
        answer(503, Map.of(), "SlowDown", "Please reduce your request rate.");
        try (ObjectStore s = open(Map.of("max_attempts", 3))) {
            assertThatThrownBy(() -> s.stat("k"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "S3 kept failing while reading the metadata of s3://far-bucket/p/k after " + "3 attempts");
            assertThat(requests.get()).isEqualTo(3);
            requests.set(0);
            assertThatThrownBy(() -> s.read("k", null, 0, -1)).hasMessageContaining("503 SlowDown");
            assertThat(requests.get()).isEqualTo(3);
        }
    }

    @Test
    void anArchivedObjectSaysToRestoreItNotToFixPermissions() throws IOException {
        // S3's answer to a GET of an object in Glacier Flexible Retrieval or Deep Archive (a lifecycle rule moved it)
        answer(
                403,
                Map.of(),
                "InvalidObjectState",
                "The operation is not valid for the object's storage class",
                "<StorageClass>DEEP_ARCHIVE</StorageClass>");
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.read("2024/01/usage.csv.gz", null, 0, -1))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "s3://far-bucket/p/2024/01/usage.csv.gz is archived in storage class " + "DEEP_ARCHIVE")
                    .hasMessageContaining("restore-object --bucket far-bucket --key p/2024/01/usage.csv.gz")
                    .hasMessageContaining("exclude")
                    .hasMessageNotContaining("give that identity");
        }
    }

    private ObjectStore open(Map<String, Object> more) throws IOException {
        Map<String, Object> s3 = new java.util.HashMap<>(Map.of(
                "endpoint",
                "http://127.0.0.1:" + server.getAddress().getPort(),
                "region",
                "us-east-1",
                "path_style",
                true,
                "profile",
                "sluice-kit"));
        s3.putAll(more);
        return ObjectStores.open("s3://far-bucket/p/", Map.of("s3", s3));
    }

    private void answer(int status, Map<String, String> headers, String code, String message) throws IOException {
        answer(status, headers, code, message, "");
    }

    /** @param more further elements of the error, after its message */
    private void answer(int status, Map<String, String> headers, String code, String message, String more)
            throws IOException {
        TestProfiles.install(); // the requests are signed (never checked here), so the chain must find keys
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                            + message + "</Message>" + more + "<RequestId>test</RequestId></Error>")
                    .getBytes(UTF_8);
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }
}
