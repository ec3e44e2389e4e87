package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.PipelineLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings of the store a sink writes to say how to reach it, not what the output holds: a test's S3 server on
 * another random port (or another region, profile or part size) must not make the splits done before "made by an
 * earlier version".
 */
class S3PipelineVersionTest {
    private static final String BASE = """
            pipeline: usage
            source: { files: { path: "s3://in/data/", s3: { endpoint: "http://127.0.0.1:9000", path_style: true } } }
            steps:
              - sql: SELECT * FROM input
            sink: { files: { path: "s3://out/focus/", format: parquet, s3: { endpoint: "http://127.0.0.1:9000", path_style: true } } }
            """;

    @TempDir
    Path dir;

    private String version(String yaml) throws Exception {
        Path file = Files.writeString(Files.createTempFile(dir, "p-", ".yaml"), yaml);
        return PipelineLoader.withSystemEnv().load(file).version();
    }

    @Test
    void theStoresConnectionSettingsKeepTheVersion() throws Exception {
        String base = version(BASE);
        assertThat(version(BASE.replace("127.0.0.1:9000", "127.0.0.1:41234")))
                .as("another endpoint port")
                .isEqualTo(base);
        assertThat(version(
                        BASE.replace("path_style: true }", "path_style: true, region: eu-west-1, part_size: 64MB }")))
                .as("region and part size")
                .isEqualTo(base);
        assertThat(version(BASE.replace(
                        "path: \"s3://out/focus/\", format: parquet, s3: { endpoint: \"http://127.0.0.1:9000\", path_style: true } ",
                        "path: \"s3://out/focus/\", format: parquet ")))
                .as("no s3 block at all")
                .isEqualTo(base);
        assertThat(version(BASE.replace("format: parquet", "format: csv")))
                .as("what the output holds still counts")
                .isNotEqualTo(base);
    }
}
