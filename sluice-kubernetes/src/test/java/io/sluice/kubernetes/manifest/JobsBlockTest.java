package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * In jobs mode the Jobs' pods mount and read what the pipeline's {@code run.kubernetes} block says, not what generate
 * writes: a block that misses the generated objects would fail every Job (a ConfigMap that is not there leaves the pod
 * waiting to mount it; variables the pods lack; a namespace the controller's Role is not in). Generate says each miss,
 * with and without a schedule (the scheduled controller is a CronJob's pod).
 */
class JobsBlockTest {
    @TempDir
    Path dir;

    private List<String> notes(String kubernetes, boolean scheduled) throws Exception {
        return generated(kubernetes, scheduled).notes();
    }

    private Manifests.Generated generated(String kubernetes, boolean scheduled) throws Exception {
        Path file = Files.writeString(dir.resolve("billing.yaml"), """
                pipeline: billing
                source: { files: { path: "s3://finops/in/" } }
                sink: { files: { path: "s3://finops/out/" } }
                %s
                run:
                  %s
                  runner: kubernetes
                  kubernetes:
                %s""".formatted(
                        Pipelines.POSTGRES.strip(),
                        scheduled ? "schedule: \"30 2 * * MON-FRI\"\n  time_zone: Europe/Paris" : "",
                        kubernetes.indent(4)));
        PipelineFacts facts =
                PipelineFacts.of(new PipelineLoader(Components.discover(), Pipelines.ENV::get).load(file));
        return Manifests.generate(
                facts, GenerateOptions.of(GenerateOptions.Mode.JOBS, "registry.example/sluice:0.1.0", "data"));
    }

    /**
     * {@code run_as_user} is the user the generated controller's pod runs as, as the Jobs' pods do (an image of one's
     * own built with another USER); without it, Sluice's image's 10001; 0 is refused naming the option.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void runAsUserIsTheGeneratedPodsUser(boolean scheduled) throws Exception {
        String block = "image: sluice:1\nconfig_map: billing\nenv_from_secrets: [billing-env]\n";
        assertThat(podSecurity(generated(block + "run_as_user: 1000", scheduled)))
                .singleElement()
                .satisfies(sc -> {
                    assertThat(sc.getRunAsUser()).isEqualTo(1000L);
                    assertThat(sc.getRunAsGroup()).isEqualTo(1000L);
                    assertThat(sc.getFsGroup()).isEqualTo(1000L);
                    assertThat(sc.getRunAsNonRoot()).isTrue();
                });
        assertThat(podSecurity(generated(block, scheduled)))
                .singleElement()
                .satisfies(sc -> assertThat(sc.getRunAsUser()).isEqualTo(10001L));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> generated(block + "run_as_user: 0", scheduled))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("run.kubernetes.run_as_user is 0 (root)");
    }

    /** The pod-level securityContext of every pod template generated (the controller's Deployment or CronJob). */
    private static List<io.fabric8.kubernetes.api.model.PodSecurityContext> podSecurity(Manifests.Generated g) {
        List<io.fabric8.kubernetes.api.model.PodSecurityContext> out = new java.util.ArrayList<>();
        for (var o : g.objects()) {
            if (o instanceof io.fabric8.kubernetes.api.model.apps.Deployment d)
                out.add(d.getSpec().getTemplate().getSpec().getSecurityContext());
            if (o instanceof io.fabric8.kubernetes.api.model.batch.v1.CronJob c)
                out.add(c.getSpec()
                        .getJobTemplate()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getSecurityContext());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBlockThatMissesTheGeneratedObjectsIsSaid(boolean scheduled) throws Exception {
        List<String> notes = notes("""
                image: sluice:1
                namespace: jobs
                config_map: billing-pipeline
                env_from_secrets: [ledger]
                """, scheduled);
        assertThat(notes)
                .anySatisfy(n -> assertThat(n)
                        .startsWith("warning: run.kubernetes.config_map is billing-pipeline")
                        .contains("write config_map: billing"))
                .anySatisfy(n -> assertThat(n)
                        .startsWith("warning: run.kubernetes.env_from_secrets is [ledger]")
                        .contains("PGPASSWORD")
                        .contains("billing-env"))
                .anySatisfy(n -> assertThat(n)
                        .startsWith("warning: run.kubernetes.namespace is jobs")
                        .contains("generated in data"));

        assertThat(notes("image: sluice:1", scheduled))
                .anySatisfy(n -> assertThat(n).startsWith("warning: run.kubernetes.config_map is not set"))
                .anySatisfy(n -> assertThat(n).startsWith("warning: run.kubernetes.env_from_secrets is not set"));
        assertThat(notes("""
                image: sluice:1
                config_map: billing
                pipeline_file: /etc/sluice/pipeline.yaml
                env_from_secrets: [billing-env]
                """, scheduled))
                .anySatisfy(n -> assertThat(n)
                        .startsWith("warning: run.kubernetes.pipeline_file is /etc/sluice/pipeline.yaml")
                        .contains("as billing.yaml"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBlockThatMatchesIsNotWarnedAbout(boolean scheduled) throws Exception {
        for (String block : List.of("""
                image: sluice:1
                config_map: billing
                env_from_secrets: [billing-env, other]
                """, """
                image: sluice:1
                namespace: data
                config_map: billing
                pipeline_file: /etc/x/billing.yaml
                env_from_secrets: [billing-env]
                """)) {
            assertThat(notes(block, scheduled)).as(block).noneMatch(n -> n.startsWith("warning:"));
        }
    }
}
