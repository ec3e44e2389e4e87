package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SettingsTest {
    static {
        TestProfiles.install(); // an empty config file: no region from the user's ~/.aws
    }

    @Test
    void aPathWhoseQueryOrFragmentWouldCutThePrefixShortIsRefused() throws IOException {
        Map<String, Map<String, Object>> blocks =
                Map.of("s3", Map.of("endpoint", "http://127.0.0.1:9", "region", "us-east-1", "path_style", true));
        // read as a URL, "out?v=2/" is the prefix "out" and a query: the sink would write under s3://b-1/out/
        assertThatThrownBy(() -> ObjectStores.open("s3://b-1/out?v=2/", blocks))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("s3://b-1/out?v=2/")
                .hasMessageContaining("s3://b-1/out/")
                .hasMessageContaining("%3F");
        assertThatThrownBy(() -> ObjectStores.open("s3://b-1/run#3/", blocks))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("s3://b-1/run/")
                .hasMessageContaining("%23");
        assertThatThrownBy(() -> ObjectStores.open("s3://b-1/my data/", blocks))
                .as("not an IllegalArgumentException from java.net.URI, which no option names")
                .isInstanceOf(IOException.class)
                .hasMessageContaining("s3://b-1/my data/")
                .hasMessageContaining("%20");
        try (ObjectStore encoded = ObjectStores.open("s3://b-1/out%3Fv=2/my%20data/", blocks)) {
            assertThat(encoded.root()).isEqualTo("s3://b-1/out?v=2/my data/");
        }
    }

    @Test
    void theEnvironmentFillsInWhatTheBlockLeavesOut() throws IOException {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://generic:1", "AWS_ENDPOINT_URL_S3", "http://s3:2");
        S3Settings s = S3Settings.parse(Map.of(), env::get);

        assertThat(s.endpoint()).contains(URI.create("http://s3:2"));
        assertThat(s.pageSize()).isEqualTo(1000);
        assertThat(s.partSize()).isEqualTo(16L << 20);
        assertThat(s.maxAttempts()).isEqualTo(5);
        assertThat(s.pathStyle()).isFalse();
        if (System.getenv("AWS_REGION") == null) {
            assertThat(s.region()).isEqualTo("us-east-1");
            assertThat(s.regionFrom()).startsWith("default");
        }
        assertThat(S3Settings.parse(Map.of("endpoint", "http://mine:3"), env::get)
                        .endpoint())
                .contains(URI.create("http://mine:3"));
        assertThat(S3Settings.parse(Map.of(), Map.of("AWS_ENDPOINT_URL", "http://generic:1")::get)
                        .endpoint())
                .contains(URI.create("http://generic:1"));
    }

    @Test
    void takesTheValidatorsTypesOrText() throws IOException {
        S3Settings s = S3Settings.parse(
                Map.of("part_size", 8L << 20, "page_size", 10L, "path_style", "true", "region", "eu-west-1"),
                k -> null);
        assertThat(s.partSize()).isEqualTo(8L << 20);
        assertThat(s.pageSize()).isEqualTo(10);
        assertThat(s.pathStyle()).isTrue();
        assertThat(s.describe()).isEqualTo("region eu-west-1 (s3.region), path-style");
        assertThat(S3Settings.parse(Map.of("part_size", "64MB"), k -> null).partSize())
                .isEqualTo(64L << 20);
    }

    @Test
    void aPartLargerThanAnArrayHoldsIsRefused() throws IOException {
        // a part is read into one byte array: at 5 GiB, (int) made it 1 GiB and every part lost 4 GiB of the file
        assertThat(S3Settings.parse(Map.of("part_size", "1GiB"), k -> null).partSize())
                .isEqualTo(1L << 30);
        for (String size : List.of("2GiB", "4GiB", "5GiB")) {
            assertThatThrownBy(() -> S3Settings.parse(Map.of("part_size", size), k -> null))
                    .as(size)
                    .hasMessageContaining("s3.part_size")
                    .hasMessageContaining("to 1 GiB");
        }
    }

    @Test
    void anEndpointHoldingKeysIsRefusedWithoutPrintingThem() {
        // the SDK ignores user:password@ (requests are signed with the chain's keys), and every "cannot reach S3 at
        // <endpoint>" error printed the secret
        assertThatThrownBy(() ->
                        S3Settings.parse(Map.of("endpoint", "http://minio:minio-secret-123@127.0.0.1:9000"), k -> null))
                .hasMessageContaining("s3.endpoint")
                .hasMessageContaining("http://127.0.0.1:9000")
                .hasMessageContaining("AWS_ACCESS_KEY_ID")
                .hasMessageNotContaining("minio-secret-123");
        assertThatThrownBy(() -> S3Settings.parse(
                        Map.of(), Map.of("AWS_ENDPOINT_URL_S3", "https://AKIAEXAMPLE:s3cr3t@s3.example.com")::get))
                .hasMessageContaining("AWS_ENDPOINT_URL_S3")
                .hasMessageContaining("https://s3.example.com")
                .hasMessageNotContaining("s3cr3t");
        // hosts java.net.URI leaves unparsed (an underscore, no scheme): their user info was printed as "not a URL"
        for (String endpoint : new String[] {
            "http://minio:s3cr3t@minio_server:9000",
            "minio:s3cr3t@localhost:9000",
            "http://AKIAEX:s3cr3t/XUtn@minio:9000"
        }) {
            assertThatThrownBy(() -> S3Settings.parse(Map.of("endpoint", endpoint), k -> null))
                    .as(endpoint)
                    .hasMessageContaining("s3.endpoint")
                    .hasMessageContaining("AWS_ACCESS_KEY_ID")
                    .hasMessageNotContaining("s3cr3t");
        }
    }

    @Test
    void anEndpointThatIsNoUrlIsNamedWhereItCameFrom() {
        assertThatThrownBy(
                        () -> S3Settings.parse(Map.of(), Map.of("AWS_ENDPOINT_URL", "http://minio_server:9000")::get))
                .hasMessageContaining("AWS_ENDPOINT_URL: 'http://minio_server:9000' is not a URL");
        assertThatThrownBy(() -> S3Settings.parse(Map.of("endpoint", "http://a b:9000"), k -> null))
                .hasMessageContaining("s3.endpoint: 'http://a b:9000' is not a URL");
    }

    @Test
    void keysWrittenInTheBlockAreToldWhereTheyGo(@TempDir Path dir) throws IOException {
        // a newcomer's first guess; "unknown option; allowed here: endpoint, region, ..." left them to guess again
        Path file = Files.writeString(dir.resolve("p.yaml"), """
                pipeline: p
                source:
                  files:
                    path: "s3://raw/in/"
                    s3: { region: us-east-1, aws_access_key_id: AKIAEXAMPLE, secret_access_key: s3cr3t-value }
                sink: { files: { path: out } }
                """);
        assertThatThrownBy(() -> new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.files.s3.aws_access_key_id: unknown option")
                .hasMessageContaining("source.files.s3.secret_access_key: unknown option")
                .hasMessageContaining("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
                .hasMessageNotContaining("s3cr3t-value");
    }

    @Test
    void aWrongValueNamesTheSetting() {
        assertThatThrownBy(() -> S3Settings.parse(Map.of("endpoint", "localhost:9000"), k -> null))
                .hasMessageContaining("s3.endpoint: 'localhost:9000' is not a URL");
        assertThatThrownBy(() -> S3Settings.parse(Map.of("page_size", 5000), k -> null))
                .hasMessageContaining("s3.page_size");
        assertThatThrownBy(() -> S3Settings.parse(Map.of("path_style", "yes"), k -> null))
                .hasMessageContaining("s3.path_style: expected true or false");
    }
}
