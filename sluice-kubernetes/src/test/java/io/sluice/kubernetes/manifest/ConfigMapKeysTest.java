package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ConfigMap holds the pipeline file and the files its steps read, each under a key made from its path; its keys
 * are flat ({@code /} becomes {@code __}), so two paths can make one key, and one file would replace the other in
 * every pod. Such a pipeline is refused, naming both files.
 */
class ConfigMapKeysTest {
    @TempDir
    Path dir;

    private Manifests.Generated generate(String pipelineFile, String mapping) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        Path m = dir.resolve(mapping);
        Files.createDirectories(m.getParent());
        Files.writeString(m, "extends: azure\n");
        Path p = Files.writeString(dir.resolve(pipelineFile), """
                pipeline: keys
                source: { files: { path: in } }
                steps:
                  - focus: { provider: azure, mapping: %s }
                sink: { files: { path: out } }
                state: { postgres: { url: "jdbc:postgresql://ledger-db:5432/sluice" } }
                """.formatted(mapping));
        PipelineFacts facts =
                PipelineFacts.of(new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(p));
        return Manifests.generate(
                facts,
                GenerateOptions.of(GenerateOptions.Mode.POOL, "sluice:test", "data")
                        .withVolumeClaim("sluice-data"));
    }

    @Test
    void twoFilesWhoseKeysCollideAreRefusedNamingBoth() {
        assertThatThrownBy(() -> generate("maps__azure.yaml", "maps/azure.yaml"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("the files maps__azure.yaml and maps/azure.yaml")
                .hasMessageContaining("ConfigMap key maps__azure.yaml")
                .hasMessageContaining("rename one of them");
    }

    @Test
    void filesWhoseKeysDifferAreBothKept() throws IOException {
        ConfigMap config = (ConfigMap) generate("keys.yaml", "maps/azure.yaml").objects().stream()
                .filter(ConfigMap.class::isInstance)
                .findFirst()
                .orElseThrow();
        assertThat(config.getData()).containsOnlyKeys("keys.yaml", "maps__azure.yaml");
    }
}
