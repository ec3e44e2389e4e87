package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.testkit.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec image's secret reaches its container by reference ({@code secret_env}: {@code valueFrom.secretKeyRef}),
 * never as a value in the Job, which whoever may read Jobs or pods reads (Kubernetes' {@code view} role, which may not
 * read Secrets). A {@code ${VAR}} in the image's {@code env}, which the controller resolves when it loads the pipeline,
 * would have been written into every Job in clear: it is refused when the pipeline is checked, saying what to write.
 */
class ExecSecretEnvTest {
    @TempDir
    Path dir;

    /** What the controller's environment holds (its {@code env_from_secrets}): never to be seen in a Job. */
    private static final String TOKEN = "tok-4f1c9e2a77b04d6e";

    private static final Map<String, String> CONTROLLER_ENV = Map.of("API_TOKEN", TOKEN, "REGION", "eu-west-1");

    private Pipeline pipeline(String exec, String kubernetes) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(in.resolve("a.bin"), "x");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600))); // settled
        Path yaml = Files.writeString(dir.resolve("rebuild.yaml"), """
                pipeline: rebuild
                source: { files: { path: in } }
                steps:
                  - exec: { %s }
                sink: { files: { path: out } }
                state: { memory: {} }
                run:
                  mode: once
                  runner: kubernetes
                  kubernetes: { image: "sluice:test", namespace: %s, %s }
                """.formatted(exec, MockCluster.NS, kubernetes));
        return new PipelineLoader(Components.discover(), CONTROLLER_ENV::get).load(yaml);
    }

    private void check(Pipeline p) {
        Assembly.forChecking(p, Components.discover(), Clock.systemUTC()).close();
    }

    @Test
    void aSecretEnvReachesTheImagesContainerAsASecretKeyRefAndTheJobHoldsNoValue() throws Exception {
        int port = Ports.free();
        try (MockCluster k = new MockCluster()) {
            Pipeline p = pipeline("""
                    image: "ghcr.io/acme/rebuild:1.4", command: [rebuild, "{input}"], env: { MODE: strict },
                    secret_env: { API_TOKEN: { secret: acme-api, key: token }, REGION_KEY: { secret: acme-api } }""", "file_server: { port: %d }".formatted(port));
            k.start(p);
            Job job = k.awaitJob(Set.of());

            // as the API server stores it, and as whoever may read Jobs reads it
            Job stored = k.client()
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(MockCluster.NS)
                    .withName(job.getMetadata().getName())
                    .get();
            assertThat(Serialization.asJson(stored)).doesNotContain(TOKEN);
            Container exec = stored.getSpec().getTemplate().getSpec().getInitContainers().stream()
                    .filter(c -> c.getName().equals(JobTemplate.EXEC_CONTAINER + 0))
                    .findFirst()
                    .orElseThrow();
            EnvVar token = exec.getEnv().stream()
                    .filter(v -> v.getName().equals("API_TOKEN"))
                    .findFirst()
                    .orElseThrow();
            assertThat(token.getValue()).isNull();
            assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("acme-api");
            assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
            EnvVar region = exec.getEnv().stream()
                    .filter(v -> v.getName().equals("REGION_KEY"))
                    .findFirst()
                    .orElseThrow();
            assertThat(region.getValueFrom().getSecretKeyRef().getKey())
                    .as("the key defaults to the variable's name")
                    .isEqualTo("REGION_KEY");
            assertThat(exec.getEnv()).extracting(EnvVar::getName).contains("MODE", "SLUICE_INPUT");
            // Sluice's own container gets none of the image's secrets
            assertThat(stored.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .getFirst()
                            .getEnv())
                    .extracting(EnvVar::getName)
                    .doesNotContain("API_TOKEN");
        }
    }

    /** Before: loaded, and each Job held {@code API_TOKEN}'s value in its exec containers' env, in clear. */
    @Test
    void aVariableInTheImagesEnvIsRefusedSayingHowToPassItByReference() throws Exception {
        for (String env : new String[] {"API_TOKEN: \"${API_TOKEN}\"", "REGION: \"${REGION}\"", "X: \"a-${REGION}\""}) {
            Pipeline p = pipeline("image: \"ghcr.io/acme/rebuild:1.4\", env: { %s }".formatted(env), "file_server: {}");
            assertThatThrownBy(() -> check(p))
                    .as(env)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("steps[0].exec.env")
                    .hasMessageContaining("is a ${...} reference")
                    .hasMessageContaining("written in clear into every split's Job")
                    .hasMessageContaining("secret_env: { " + env.substring(0, env.indexOf(':')) + ": { secret:")
                    .hasMessageNotContaining(TOKEN)
                    .hasMessageNotContaining("eu-west-1");
        }
        // a name that says it is a secret, its value written in the file: the same refusal
        Pipeline literal =
                pipeline("image: \"ghcr.io/acme/rebuild:1.4\", env: { GITHUB_TOKEN: abc123 }", "file_server: {}");
        assertThatThrownBy(() -> check(literal))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("GITHUB_TOKEN looks like a secret")
                .hasMessageContaining("secret_env");
        // $$ is a literal $, no reference; and a command run here takes its variables from Sluice's environment
        check(pipeline("image: \"ghcr.io/acme/rebuild:1.4\", env: { PRICE: \"$$5\" }", "file_server: {}"));
        check(pipeline("command: [sh, \"{input}\"], env: { API_TOKEN: \"${API_TOKEN}\" }", "max_active: 1"));
    }

    @Test
    void aSecretEnvIsCheckedWhereItIsWritten() throws Exception {
        assertThatThrownBy(() -> check(pipeline(
                        "command: [sh, \"{input}\"], secret_env: { API_TOKEN: { secret: acme-api } }",
                        "max_active: 1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("steps[0].exec.secret_env")
                .hasMessageContaining("applies to image: only");
        assertThatThrownBy(() -> check(pipeline(
                        "image: \"ghcr.io/acme/rebuild:1.4\", secret_env: { API_TOKEN: { secret: Acme_API } }",
                        "file_server: {}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("steps[0].exec.secret_env.API_TOKEN.secret")
                .hasMessageContaining("'Acme_API' is not a Kubernetes object name");
        assertThatThrownBy(() -> check(pipeline(
                        "image: \"ghcr.io/acme/rebuild:1.4\", env: { A: b }, secret_env: { A: { secret: s } }",
                        "file_server: {}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("A is in env too");
    }

    /**
     * Before: loaded, and the API server refused every split's Job (an image's variable), or each split's command failed
     * to start (one run here): a variable's name is checked where it is written.
     */
    @Test
    void aVariablesNameIsCheckedWhereItIsWritten() throws Exception {
        String image = "image: \"ghcr.io/acme/rebuild:1.4\", ";
        for (String bad : new String[] {"1ST", "MY VAR", "A=B", "ÉTÉ"}) {
            assertThatThrownBy(() -> check(pipeline(image + "env: { \"%s\": x }".formatted(bad), "file_server: {}")))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("steps[0].exec.env")
                    .hasMessageContaining("'" + bad + "' is not")
                    .hasMessageContaining("[-._a-zA-Z][-._a-zA-Z0-9]*");
            assertThatThrownBy(() -> check(pipeline(
                            image + "secret_env: { \"%s\": { secret: acme-api, key: k } }".formatted(bad),
                            "file_server: {}")))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("steps[0].exec.secret_env")
                    .hasMessageContaining("'" + bad + "' is not")
                    .hasMessageContaining("[-._a-zA-Z][-._a-zA-Z0-9]*");
        }
        check(pipeline(image + "env: { _a.b-C9: x }, secret_env: { -X: { secret: s, key: k } }", "file_server: {}"));
        // a command run here: any name a process's environment holds, but not an empty one nor one with =
        for (String bad : new String[] {"", "A=B"}) {
            assertThatThrownBy(() -> check(
                            pipeline("command: [sh, \"{input}\"], env: { \"%s\": x }".formatted(bad), "max_active: 1")))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("steps[0].exec.env")
                    .hasMessageContaining("'" + bad + "' is not the name of an environment variable");
        }
        check(pipeline("command: [sh, \"{input}\"], env: { \"1ST\": x }", "max_active: 1"));
    }
}
