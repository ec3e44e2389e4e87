package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.sinks.files.FilesSinkFactory;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipelines run into the files sink on S3 (S3Proxy, a real S3 server on loopback). */
class S3FilesSinkRunTest {
    private static final S3ProxyServer SERVER = S3ObjectStoreTest.SERVER;

    static {
        TestProfiles.install();
        SERVER.createBucket(S3ObjectStoreTest.BUCKET);
    }

    @TempDir
    Path dir;

    @TempDir
    Path tmp;

    private final String url = "s3://" + S3ObjectStoreTest.BUCKET + "/run-" + UUID.randomUUID() + "/";

    private Pipeline pipeline() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id,v\n1,x\n2,y\n");
        Files.setLastModifiedTime(dir.resolve("in/a.csv"), java.nio.file.attribute.FileTime.fromMillis(0));
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: to-s3
                source: { files: { path: in } }
                sink:
                  files:
                    path: "%s"
                    format: csv
                    s3: { endpoint: "%s", region: %s, path_style: true, profile: sluice-kit }
                run: { parallelism: 1 }
                """.formatted(url, SERVER.endpoint(), S3ProxyServer.REGION));
        return PipelineLoader.withSystemEnv().load(file);
    }

    /** The files sink stages a split's files in the local temp folder before it uploads them; none is left after. */
    @Test
    void aRunLeavesNoStagingFolderInTheTempFolder() throws Exception {
        Pipeline p = pipeline();
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString()); // read when the sink is made: this test's own
        RunSummary summary;
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            summary = new LocalRunner(a, Clock.systemUTC(), "test", RunListener.NONE).run();
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        assertThat(summary.splitsDone()).isEqualTo(1);
        try (ObjectStore out = S3ObjectStoreTest.open(SERVER, url, Map.of());
                Stream<StoredObject> listed = out.list("", null)) {
            List<String> csv = listed.map(StoredObject::key)
                    .filter(k -> k.endsWith(".csv") && !k.startsWith("_"))
                    .toList();
            assertThat(csv).as("the split's output was uploaded").hasSize(1);
        }
        assertThat(tmp.resolve("sluice-staging")).doesNotExist();
    }

    /** What the user sees when the credentials are refused: where, with which credentials and what to do, each once. */
    @Test
    void refusedCredentialsAreNamedOnceWithWhereAndWhatToDo() throws Exception {
        String yaml = "path: " + url + "\nformat: csv\ns3: {endpoint: \"" + SERVER.endpoint() + "\", region: "
                + S3ProxyServer.REGION + ", path_style: true, profile: sluice-wrong}\n";
        FilesSinkFactory factory = new FilesSinkFactory();
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", yaml), (Type.Obj) factory.options());
        Sink sink = factory.create(
                o, new PipelineContext("kit", dir.resolve("p.yaml"), 1, BadRecordPolicy.FAIL, Clock.systemUTC()));

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
}
