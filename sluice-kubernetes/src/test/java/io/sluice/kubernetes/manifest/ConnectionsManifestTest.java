package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline whose ledger names a connection of {@code connections.yaml}: the pods get that file beside the pipeline
 * (in the ConfigMap, never a secret value in it), its variables from the Secret, and KEDA scales the pool on the
 * connection's database.
 */
class ConnectionsManifestTest {
    private static final String PASSWORD = "ledger-password-not-for-manifests";

    @TempDir
    Path dir;

    @Test
    void theConnectionsFileGoesBesideThePipelineAndItsVariablesComeFromTheSecret() throws IOException {
        Files.createDirectories(dir.resolve("in"));
        String connections = """
                ledger_db: { url: "jdbc:postgresql://ledger-db.data:5432/sluice?sslmode=require", user: sluice, password: "${LEDGER_PW}" }
                reporting: { url: "jdbc:postgresql://reports:5432/r", password: "${REPORTING_PW}" }
                """;
        Files.writeString(dir.resolve("connections.yaml"), connections);
        Path p = Files.writeString(dir.resolve("named.yaml"), """
                pipeline: named
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  postgres: { connection: ledger_db }
                """);
        // REPORTING_PW is not set here: no pipeline of this test uses that connection
        PipelineFacts facts =
                PipelineFacts.of(new PipelineLoader(Components.discover(), Map.of("LEDGER_PW", PASSWORD)::get).load(p));

        Manifests.Generated g = Manifests.generate(
                facts,
                GenerateOptions.of(GenerateOptions.Mode.POOL, "registry.example/sluice:0.1.0", "data-pipelines")
                        .withVolumeClaim("sluice-data"));
        List<HasMetadata> back = GenerateExamplesTest.readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();

        ConfigMap config = (ConfigMap) back.get(1);
        assertThat(config.getData()).containsEntry("connections.yaml", connections);
        var worker = ((Deployment) back.get(2))
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();
        assertThat(worker.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/sluice/connections.yaml"));
        assertThat(worker.getEnv().stream().filter(e -> e.getValueFrom() != null))
                .extracting(EnvVar::getName)
                .contains("LEDGER_PW", "REPORTING_PW");
        assertThat(worker.getEnv())
                .filteredOn(e -> e.getName().equals("REPORTING_PW"))
                .singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getOptional())
                        .as("a connection the pipeline does not use needs no key in the Secret")
                        .isTrue());
        assertThat(worker.getEnv())
                .filteredOn(e -> e.getName().equals("LEDGER_PW"))
                .singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getOptional())
                        .as("the ledger's connection is used: a pod without its password must not start (nor KEDA"
                                + " scale on an empty passwordFromEnv)")
                        .isNull());
        assertThat(g.notes())
                .filteredOn(n -> n.contains("from the Secret named-env"))
                .singleElement()
                .asString()
                .contains("--from-literal=LEDGER_PW=...")
                .doesNotContain("--from-literal=REPORTING_PW")
                .contains("; optional (a default, or a connection the pipeline does not use): REPORTING_PW");

        String yaml = ManifestYaml.all(g.objects());
        assertThat(yaml)
                .doesNotContain(PASSWORD)
                .contains("type: \"postgresql\"")
                .contains("host: \"ledger-db.data\"")
                .contains("userName: \"sluice\"")
                .contains("passwordFromEnv: \"LEDGER_PW\"");
    }

    /**
     * A secret written as its value, in the pipeline or in any connection of its connections file (used or not, in the
     * password, the url or a driver property named like a password), is refused: the ConfigMap holds both files as
     * written, in plain text for whoever may read ConfigMaps. Generate copied them there without a word.
     */
    @Test
    void aSecretWrittenAsItsValueIsRefusedNotCopiedIntoTheConfigMap() throws IOException {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("connections.yaml"), """
                ledger_db: { url: "jdbc:postgresql://ledger:5432/sluice", user: sluice, password: "${LEDGER_PW}" }
                unused: { url: "jdbc:postgresql://r:5432/r", user: r, password: "plain-pw-1" }
                in_url: { url: "jdbc:postgresql://r:5432/r?user=r&password=plain-pw-2" }
                in_properties: { url: "jdbc:postgresql://r:5432/r", user: r, properties: { sslmode: require, sslpassword: "plain-pw-3" } }
                """);
        Path p = Files.writeString(dir.resolve("named.yaml"), """
                pipeline: named
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  postgres: { connection: ledger_db }
                """);
        var loader = new PipelineLoader(Components.discover(), Map.of("LEDGER_PW", PASSWORD)::get);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PipelineFacts.of(loader.load(p)))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("connections.yaml:2:")
                .hasMessageContaining("unused.password")
                .hasMessageContaining("in_url.url")
                .hasMessageContaining("connections.yaml:4:")
                .hasMessageContaining("in_properties.properties.sslpassword")
                .hasMessageContaining("write each as ${VARIABLE}")
                .hasMessageNotContaining("plain-pw")
                .hasMessageNotContaining("sslmode");

        // a used connection's secret is the pipeline's warning and the file's too: named once
        Path usesLiteral = Files.writeString(dir.resolve("uses_literal.yaml"), """
                pipeline: uses_literal
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  postgres: { connection: unused }
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PipelineFacts.of(loader.load(usesLiteral)))
                .isInstanceOf(ManifestException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage())
                        .containsOnlyOnce("unused.password"));

        // in the pipeline itself
        Files.writeString(dir.resolve("connections.yaml"), "ledger_db: { url: \"jdbc:postgresql://l/s\" }\n");
        Path literal = Files.writeString(dir.resolve("literal.yaml"), """
                pipeline: literal
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  postgres: { url: "jdbc:postgresql://ledger:5432/sluice", user: sluice, password: plain-pw-4 }
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PipelineFacts.of(loader.load(literal)))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("literal.yaml:5:")
                .hasMessageContaining("state.postgres.password")
                .hasMessageNotContaining("plain-pw");
    }

    /**
     * Every variable optional (here each has a default): the note's command names them as keys to set. It read
     * "create secret generic seck-env optional (...)", a command kubectl refuses.
     */
    @Test
    void aSecretOfOptionalVariablesOnlyGetsACommandNamingThem() throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "seck.yaml", """
                pipeline: seck
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  postgres: { url: "jdbc:postgresql://${DB_HOST:-db}:5432/sluice", user: "${DB_USER:-sluice}" }
                """);

        List<String> notes = Manifests.generate(
                        facts,
                        GenerateOptions.of(GenerateOptions.Mode.POOL, "registry.example/sluice:0.1.0", "data")
                                .withVolumeClaim("sluice-data"))
                .notes();

        assertThat(notes)
                .filteredOn(n -> n.contains("from the Secret seck-env"))
                .singleElement()
                .asString()
                .contains("kubectl -n data create secret generic seck-env --from-literal=")
                .contains("--from-literal=DB_HOST=...", "--from-literal=DB_USER=...")
                .contains("(each optional: it has a default, or only a connection the pipeline does not use names it")
                .doesNotContain("seck-env optional", "; optional");
    }
}
