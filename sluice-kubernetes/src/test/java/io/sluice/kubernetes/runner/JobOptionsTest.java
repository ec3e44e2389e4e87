package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.config.Options;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the API server would refuse in every Job is refused at the option when the controller starts (exit 2, naming
 * it): otherwise each Job's create fails (422 Invalid), the controller tries again every moment for ever, and the
 * splits stay pending with nothing in the ledger.
 */
class JobOptionsTest {
    @TempDir
    Path dir;

    private Options kubernetes(String more) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(dir.resolve("p.yaml"), """
                pipeline: p
                source: { files: { path: in } }
                sink: { files: { path: out } }
                run:
                  runner: kubernetes
                  kubernetes:
                    image: sluice:test
                %s""".formatted(more.indent(4)));
        Pipeline p = new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file);
        return (Options) p.run().runner().orElseThrow().value();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "resources: { limits: { memory: 2GB } }|run.kubernetes.resources.limits|memory: 2GB",
                "resources: { requests: { cpu: 2 cores } }|run.kubernetes.resources.requests|cpu: 2 cores",
                "resources: { requests: { cpu: -1 } }|run.kubernetes.resources.requests|cpu: -1",
                "namespace: Data_Jobs|run.kubernetes.namespace|Data_Jobs",
                "config_map: billing_pipeline|run.kubernetes.config_map|billing_pipeline",
                "env_from_secrets: [ledger-env, Ledger_Env]|run.kubernetes.env_from_secrets|Ledger_Env",
                "service_account: sluice job|run.kubernetes.service_account|sluice job",
            })
    void whatEveryJobWouldBeRefusedForIsRefusedAtItsOption(String option, String where, String what) throws Exception {
        Options o = kubernetes(option);
        assertThatThrownBy(() -> JobOptions.of(o))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(where)
                .hasMessageContaining(what);
    }

    /** A toleration written as a map, without the "- " of a list item: the error says where the dash goes. */
    @Test
    void tolerationsWrittenAsAMapSayToWriteTheItemWithADash() {
        assertThatThrownBy(() -> kubernetes("tolerations:\n  key: gpu\n  operator: Exists\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.tolerations")
                .hasMessageContaining("found a map: write each item as '- key: ...'");
    }

    /** Root under a securityContext that says runAsNonRoot would keep every Job's pod from starting. */
    @Test
    void runAsUserZeroIsRefusedUnderARestrictedContextNamingTheOption() throws Exception {
        for (String security : new String[] {"", "security_context: restricted", "security_context: exec_as_image"}) {
            Options o = kubernetes("run_as_user: 0\n" + security);
            assertThatThrownBy(() -> JobOptions.of(o))
                    .as(security)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("run.kubernetes.run_as_user")
                    .hasMessageContaining("0 is root", "runAsNonRoot", "security_context: none");
        }
        assertThat(JobOptions.of(kubernetes("run_as_user: 0\nsecurity_context: none"))
                        .runAsUser())
                .isZero();
        assertThat(JobOptions.of(kubernetes("")).runAsUser()).isEqualTo(10001L);
        assertThat(JobOptions.of(kubernetes("run_as_user: 1000")).runAsUser()).isEqualTo(1000L);
    }

    @Test
    void kubernetesQuantitiesAndNamesPass() throws Exception {
        JobOptions o = JobOptions.of(kubernetes("""
                namespace: data
                config_map: billing.pipeline
                env_from_secrets: [ledger-env]
                service_account: sluice-job
                resources:
                  requests: { cpu: 500m, memory: 1Gi, ephemeral-storage: 2G, nvidia.com/gpu: "1" }
                  limits: { memory: 1.5Gi, cpu: "0.5", other: 1e3, micro: 100u }
                """));
        assertThat(o.requests()).containsEntry("cpu", "500m");
        assertThat(o.limits()).containsEntry("memory", "1.5Gi");
    }
}
