package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec step whose program is a file of the pipeline's folder ({@code ./convert.sh}, a path with {@code /} is
 * relative to the pipeline file) runs it from the pipeline's folder in the pods too: without a volume holding that
 * folder the pods have no such file, and every split would fail. Generate wrote such manifests without a word.
 */
class ExecProgramTest {
    @TempDir
    Path dir;

    private PipelineFacts facts(String program) throws IOException {
        Path script = Files.writeString(dir.resolve("convert.sh"), "#!/bin/sh\ncp \"$1\" \"$2\"\n");
        assertThat(script.toFile().setExecutable(true)).isTrue();
        return Pipelines.facts(dir, "ex.yaml", """
                pipeline: ex
                source: { files: { path: "s3://bucket/in/" } }
                steps:
                  - exec: { command: [%s, "{input}", "{output_dir}"] }
                sink: { files: { path: "s3://bucket/out/" } }
                state: { postgres: { url: "jdbc:postgresql://ledger-db:5432/sluice", user: sluice } }
                """.formatted(program));
    }

    private static GenerateOptions pool() {
        return GenerateOptions.of(GenerateOptions.Mode.POOL, "registry.example/sluice:0.1.0", "data");
    }

    @Test
    void aProgramOfThePipelinesFolderNeedsTheVolume() throws IOException {
        PipelineFacts facts = facts("./convert.sh");

        assertThatThrownBy(() -> Manifests.generate(facts, pool()))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("steps[0].exec.command[0] is the local path convert.sh")
                .hasMessageContaining("--volume-claim")
                .hasMessageContaining("a program of the image");
        assertThat(Manifests.generate(facts, pool().withVolumeClaim("sluice-data"))
                        .objects())
                .isNotEmpty();
    }

    @Test
    void aProgramOfTheImageNeedsNoVolume() throws IOException {
        assertThat(Manifests.generate(facts("sh"), pool()).objects()).isNotEmpty();
    }
}
