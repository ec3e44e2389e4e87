package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Secrets an exec step's image reads by reference ({@code secret_env}) are the user's to create, as the Secret of
 * the pipeline's {@code ${VARIABLES}} is: generate's notes name each, with its keys and the command that creates it.
 * Without them a Job's pod waits in {@code CreateContainerConfigError} until the split dies.
 */
class ImageSecretsTest {
    @TempDir
    Path dir;

    private List<String> notes(String secretEnv) throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "rebuild.yaml", """
                pipeline: rebuild
                source: { files: { path: "s3://bucket/in/" } }
                steps:
                  - exec:
                      image: "ghcr.io/acme/rebuild:1.4"
                      command: [rebuild, "{input}", "{output_dir}"]
                      env: { MODE: strict }
                      secret_env: %s
                sink: { files: { path: "s3://bucket/out/" } }
                %s
                run:
                  runner: kubernetes
                  kubernetes: { image: "registry.example/sluice:0.1.0" }
                """.formatted(secretEnv, Pipelines.POSTGRES));
        return Manifests.generate(
                        facts, GenerateOptions.of(GenerateOptions.Mode.JOBS, "registry.example/sluice:0.1.0", "data"))
                .notes();
    }

    @Test
    void eachSecretTheImageReadsIsNamedWithItsKeysAndTheCommandThatCreatesIt() throws IOException {
        List<String> notes = notes("""
                { API_TOKEN: { secret: acme-api, key: token }, ACME_PASSWORD: { secret: acme-api },
                  GEO_KEY: { secret: geo, key: api-key } }""");

        assertThat(notes)
                .anySatisfy(n -> assertThat(n)
                        .contains("Secret acme-api")
                        .contains("ACME_PASSWORD (key ACME_PASSWORD), API_TOKEN (key token)")
                        .contains("kubectl -n data create secret generic acme-api "
                                + "--from-literal=ACME_PASSWORD=... --from-literal=token=..."))
                .anySatisfy(n -> assertThat(n)
                        .contains("Secret geo")
                        .contains("GEO_KEY (key api-key)")
                        .contains("kubectl -n data create secret generic geo --from-literal=api-key=..."))
                // the pipeline's own variables keep their note, which names its Secret only
                .anySatisfy(n ->
                        assertThat(n).contains("from the Secret rebuild-env").doesNotContain("acme-api"));
    }

    @Test
    void twoVariablesOfOneKeyAskForTheKeyOnce() throws IOException {
        List<String> notes =
                notes("{ API_TOKEN: { secret: acme-api, key: token }, TOKEN: { secret: acme-api, key: token } }");

        assertThat(notes)
                .filteredOn(n -> n.contains("Secret acme-api"))
                .singleElement()
                .satisfies(n -> assertThat(n).endsWith("create secret generic acme-api --from-literal=token=..."));
    }
}
