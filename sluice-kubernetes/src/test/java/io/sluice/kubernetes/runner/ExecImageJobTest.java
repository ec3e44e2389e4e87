package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.config.ConfigException;
import io.sluice.config.Options;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.RunListener;
import io.sluice.spi.FileStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Job of a split whose exec step names an image: after the download, one init container per input runs the image
 * on the pod's copy, into a subPath of its own of the results volume, and the main container takes those folders as
 * the step's output ({@code --exec-results}). End to end (the pods run): KubernetesJobsTest.
 */
class ExecImageJobTest {
    @TempDir
    Path dir;

    private Pipeline pipeline(String kubernetes) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(dir.resolve("rebuild.yaml"), """
                pipeline: rebuild
                source: { files: { path: in } }
                steps:
                  - exec:
                      image: "ghcr.io/acme/rebuild:1.4"
                      command: [rebuild, "--in={input}", "{output_dir}"]
                      env: { MODE: strict, SPLIT_OF: "{split}/{key}" }
                sink: { files: { path: out } }
                run:
                  runner: kubernetes
                  kubernetes:
                    image: sluice:test
                    namespace: test
                %s""".formatted(kubernetes.indent(4)));
        return new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file);
    }

    @Test
    void eachInputRunsTheImageInAnInitContainerOfItsOwnThenSluiceTakesTheirFolders() throws Exception {
        Pipeline p = pipeline("""
                pipeline_file: /etc/sluice/rebuild.yaml
                file_server: {}
                """);
        Options o = (Options) p.run().runner().orElseThrow().value();
        FileStep.Container image;
        try (Assembly a = Assembly.forChecking(p, Components.discover(), Clock.systemUTC())) {
            image = KubernetesRunner.container(a).orElseThrow();
        }
        JobTemplate template = new JobTemplate(
                JobOptions.of(o),
                new JobNames(p.name()),
                p.file(),
                "test",
                FileServing.of(o, p),
                java.util.Optional.of(image));

        Job job = template.job(
                "s1",
                0,
                List.of("fetch", "http://u1", "http://u2", "--to", "/etc/sluice/in"),
                List.of("a.bin", "d/b.bin"));

        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("fetch", "exec-0", "exec-1");
        Container second = pod.getInitContainers().get(2);
        assertThat(second.getImage()).isEqualTo("ghcr.io/acme/rebuild:1.4");
        assertThat(second.getCommand()).containsExactly("rebuild");
        assertThat(second.getArgs()).containsExactly("--in=/etc/sluice/in/d/b.bin", "/sluice-exec/output");
        assertThat(second.getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("MODE", "strict"),
                        org.assertj.core.groups.Tuple.tuple("SPLIT_OF", "s1/d/b.bin"),
                        org.assertj.core.groups.Tuple.tuple("SLUICE_INPUT", "/etc/sluice/in/d/b.bin"),
                        org.assertj.core.groups.Tuple.tuple("SLUICE_KEY", "d/b.bin"));
        assertThat(second.getVolumeMounts())
                .extracting(VolumeMount::getMountPath, VolumeMount::getSubPath, VolumeMount::getReadOnly)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/etc/sluice/in", null, true),
                        org.assertj.core.groups.Tuple.tuple(
                                "/sluice-exec/output", FileStep.Container.resultFolder("d/b.bin"), null));
        assertThat(FileStep.Container.resultFolder("d/b.bin"))
                .isNotEqualTo(FileStep.Container.resultFolder("a.bin"))
                .matches("input-[0-9a-f]{16}");

        Container main = pod.getContainers().getFirst();
        assertThat(main.getArgs())
                .containsExactly(
                        "run", "/etc/sluice/rebuild.yaml", "--split", "s1", "--exec-results", "/sluice-exec/results");
        assertThat(main.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/sluice-exec/results"));
    }

    /**
     * No container of a split's pod calls the Kubernetes API, and the exec step's image is someone else's code: the pod
     * gets no API token, even under a service account that has one (the controller's, reused for its cloud identity,
     * may create and delete Jobs). Workload identity (EKS, AKS) projects a token of its own, which this leaves alone.
     */
    @Test
    void aSplitsPodGetsNoApiToken() throws Exception {
        Pipeline p = pipeline("""
                pipeline_file: /etc/sluice/rebuild.yaml
                service_account: rebuild
                file_server: {}
                """);
        Options o = (Options) p.run().runner().orElseThrow().value();
        FileStep.Container image;
        try (Assembly a = Assembly.forChecking(p, Components.discover(), Clock.systemUTC())) {
            image = KubernetesRunner.container(a).orElseThrow();
        }
        Job job = new JobTemplate(
                        JobOptions.of(o),
                        new JobNames(p.name()),
                        p.file(),
                        "test",
                        FileServing.of(o, p),
                        java.util.Optional.of(image))
                .job("s1", 0, List.of("fetch", "http://u1", "--to", "/etc/sluice/in"), List.of("a.bin"));
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("rebuild");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void anImageWithoutTheFileServerIsRefusedAtTheOption() throws Exception {
        Pipeline p = pipeline("max_active: 2");
        try (Assembly a = Assembly.forChecking(p, Components.discover(), Clock.systemUTC())) {
            assertThatThrownBy(() -> new KubernetesRunnerFactory()
                            .create(
                                    (Options) p.run().runner().orElseThrow().value(),
                                    a,
                                    Clock.systemUTC(),
                                    "test",
                                    RunListener.NONE))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("run.kubernetes.file_server")
                    .hasMessageContaining("the exec step's image:");
        }
    }
}
