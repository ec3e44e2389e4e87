package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bigquery source or sink's {@code credentials} is a service-account key file: in a cluster it comes from a Secret
 * the user mounts, like a {@code ${file:PATH}}. Generate took it for data: one outside the pipeline's folder (the
 * usual mount, {@code /var/run/secrets/...}) was refused, one inside it asked for the shared volume, where the key
 * would lie beside the data for every pod of every pipeline that mounts it.
 */
class KeyFileTest {
    @TempDir
    Path dir;

    private Manifests.Generated generate(String credentials) throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "bq.yaml", """
                pipeline: bq
                source: { files: { path: "s3://bucket/in/" } }
                sink: { bigquery: { project: acme, dataset: billing, table: focus, credentials: %s } }
                state: { postgres: { url: "jdbc:postgresql://ledger-db:5432/sluice", user: sluice } }
                """.formatted(credentials));
        return Manifests.generate(
                facts, GenerateOptions.of(GenerateOptions.Mode.POOL, "registry.example/sluice:0.1.0", "data"));
    }

    /** Generated without a volume, with a note naming the option and where the pods read the key. */
    private void assertNoted(String credentials, String inPod) throws IOException {
        assertThat(generate(credentials).notes())
                .anySatisfy(n -> assertThat(n)
                        .contains("sink.bigquery.credentials is a key file: the pods read it at " + inPod)
                        .contains("from a Secret"));
    }

    @Test
    void aKeyFileMountedFromASecretIsNoData() throws IOException {
        assertNoted("/var/run/secrets/gcp/key.json", "/var/run/secrets/gcp/key.json");
    }

    @Test
    void aKeyFileOfThePipelinesFolderIsMountedWhereThePodsLookNotPutOnTheVolume() throws IOException {
        assertNoted("keys/key.json", "/sluice/keys/key.json");
    }
}
