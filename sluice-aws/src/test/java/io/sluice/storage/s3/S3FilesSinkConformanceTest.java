package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.testkit.sink.ObjectStoreSinkConformanceKit;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the files sink writing to S3 (S3Proxy, a real S3 server in its own JVM on loopback):
 * what a reader listing the bucket's prefix sees; then a run into it, and refused credentials.
 */
class S3FilesSinkConformanceTest extends ObjectStoreSinkConformanceKit {
    private static final S3ProxyServer SERVER = S3ObjectStoreTest.SERVER;

    static {
        TestProfiles.install();
        SERVER.createBucket(S3ObjectStoreTest.BUCKET);
    }

    /** One prefix per test: every sink of a test writes there, as workers of one pipeline do. */
    private final String url = "s3://" + S3ObjectStoreTest.BUCKET + "/sink-" + UUID.randomUUID() + "/";

    @Override
    protected Sink openSink() throws Exception {
        return sink("sluice-kit");
    }

    /** The sink on this test's prefix, with the credentials of this profile of {@link TestProfiles}. */
    private Sink sink(String profile) throws Exception {
        return filesSink("path: " + url + "\nformat: csv\n" + s3(profile));
    }

    private static String s3(String profile) {
        return "s3: {endpoint: \"" + SERVER.endpoint() + "\", region: " + S3ProxyServer.REGION
                + ", path_style: true, profile: " + profile + "}\n";
    }

    /** The sink stages a split's files in the local temp folder before it uploads them; no folder is left after. */
    @Test
    void aRunLeavesNoStagingFolderInTheTempFolder(@TempDir Path tmp) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id,v\n1,x\n2,y\n");
        Files.setLastModifiedTime(dir.resolve("in/a.csv"), java.nio.file.attribute.FileTime.fromMillis(0));
        Path file = dir.resolve("p.yaml");
        Files.writeString(
                file,
                "pipeline: to-s3\nsource: { files: { path: in } }\nsink:\n  files:\n    path: \"" + url
                        + "\"\n    format: csv\n    " + s3("sluice-kit") + "run: { parallelism: 1 }\n");
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(file);
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString()); // read when the sink is made: this test's own
        RunSummary summary;
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            summary = new LocalRunner(a, Clock.systemUTC(), "test", RunListener.NONE).run();
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        assertThat(summary.splitsDone()).isEqualTo(1);
        assertThat(stored())
                .as("the split's output was uploaded")
                .anyMatch(k -> k.endsWith(".csv") && !k.startsWith("_"));
        assertThat(tmp.resolve("sluice-staging")).doesNotExist();
    }

    /** What the user sees when the credentials are refused: where, with which credentials and what to do, each once. */
    @Test
    void refusedCredentialsAreNamedOnceWithWhereAndWhatToDo() throws Exception {
        Sink sink = sink("sluice-wrong");
        assertThatThrownBy(sink::check).isInstanceOf(ConfigException.class).satisfies(e -> {
            String message = e.getMessage();
            assertThat(message).contains(url).contains("or use other credentials");
            assertThat(message.split("profile sluice-wrong", -1))
                    .as("the credential source, once")
                    .hasSize(2);
            assertThat(message.split("fix the", -1))
                    .as("the store's advice, not a generic one beside it")
                    .hasSize(1);
            assertThat(message).doesNotContain("not-the-secret");
        });
    }

    @Override
    protected ObjectStore openReader() throws Exception {
        return S3ObjectStoreTest.open(SERVER, url, Map.of());
    }
}
