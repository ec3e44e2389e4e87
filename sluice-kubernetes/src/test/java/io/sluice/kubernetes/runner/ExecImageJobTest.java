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

    /** The Jobs' template of a pipeline whose exec step names an image. */
    private static JobTemplate template(Pipeline p) {
        Options o = (Options) p.run().runner().orElseThrow().value();
        FileStep.Container image;
        try (Assembly a = Assembly.forChecking(p, Components.discover(), Clock.systemUTC())) {
            image = KubernetesRunner.container(a.steps()).orElseThrow();
        }
        return new JobTemplate(
                JobOptions.of(o),
                new JobNames(p.name()),
                p.file(),
                "test",
                FileServing.of(o, p.file(), p.source()),
                java.util.Optional.of(image));
    }

    @Test
    void eachInputRunsTheImageInAnInitContainerOfItsOwnThenSluiceTakesTheirFolders() throws Exception {
        Pipeline p = pipeline("""
                pipeline_file: /etc/sluice/rebuild.yaml
                file_server: {}
                """);
        JobTemplate template = template(p);

        Job job = template.job(
                "s1",
                0,
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
                .as("{output_dir}/.. is the input's folder of the volume, so what is written beside it is seen")
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/etc/sluice/in", null, true),
                        org.assertj.core.groups.Tuple.tuple(
                                "/sluice-exec", FileStep.Container.resultFolder("d/b.bin"), null),
                        org.assertj.core.groups.Tuple.tuple(
                                "/sluice-exec/output", FileStep.Container.resultFolder("d/b.bin") + "/output", null));
        assertThat(FileStep.Container.resultFolder("d/b.bin"))
                .isNotEqualTo(FileStep.Container.resultFolder("a.bin"))
                .matches("input-[0-9a-f]{16}");

        Container main = pod.getContainers().getFirst();
        assertThat(main.getArgs())
                .containsExactly(
                        "run", "/etc/sluice/rebuild.yaml", "--split", "s1", "--exec-results", "/sluice-results");
        assertThat(main.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/sluice-results"));
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
        Job job =
                template(p).job("s1", 0, 0, List.of("fetch", "http://u1", "--to", "/etc/sluice/in"), List.of("a.bin"));
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("rebuild");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }

    private io.fabric8.kubernetes.api.model.PodSpec podOf(String security) throws Exception {
        Pipeline p = pipeline("pipeline_file: /etc/sluice/rebuild.yaml\nfile_server: {}\n" + security);
        return template(p)
                .job("s1", 0, 0, List.of("fetch", "http://u1", "--to", "/etc/sluice/in"), List.of("a.bin"))
                .getSpec()
                .getTemplate()
                .getSpec();
    }

    /**
     * What Pod Security's {@code restricted} level checks of one container, with the pod's own context as the
     * fallback where the level allows one (runAsNonRoot, runAsUser, seccompProfile): the violations, empty when none.
     */
    private static List<String> restrictedViolations(io.fabric8.kubernetes.api.model.PodSpec pod, Container c) {
        var ps = pod.getSecurityContext();
        var cs = c.getSecurityContext();
        List<String> out = new java.util.ArrayList<>();
        Boolean nonRoot = cs != null && cs.getRunAsNonRoot() != null
                ? cs.getRunAsNonRoot()
                : ps == null ? null : ps.getRunAsNonRoot();
        if (!Boolean.TRUE.equals(nonRoot)) out.add("runAsNonRoot != true");
        Long user = cs != null && cs.getRunAsUser() != null ? cs.getRunAsUser() : ps == null ? null : ps.getRunAsUser();
        if (user != null && user == 0) out.add("runAsUser=0");
        if (cs == null || !Boolean.FALSE.equals(cs.getAllowPrivilegeEscalation()))
            out.add("allowPrivilegeEscalation != false");
        if (cs == null
                || cs.getCapabilities() == null
                || !cs.getCapabilities().getDrop().contains("ALL")) out.add("unrestricted capabilities");
        var seccomp = cs != null && cs.getSeccompProfile() != null
                ? cs.getSeccompProfile()
                : ps == null ? null : ps.getSeccompProfile();
        if (seccomp == null || !List.of("RuntimeDefault", "Localhost").contains(seccomp.getType()))
            out.add("seccompProfile");
        return out;
    }

    /**
     * By default every container of a split's pod (the download, the exec image, Sluice's) meets Pod Security's
     * {@code restricted} level, running as the user of Sluice's image, so the pods run in a namespace that enforces it
     * (before: no securityContext, and every pod was refused there).
     */
    @Test
    void everyContainerOfASplitsPodMeetsTheRestrictedPodSecurityLevelByDefault() throws Exception {
        var pod = podOf("");
        List<Container> all = new java.util.ArrayList<>(pod.getInitContainers());
        all.addAll(pod.getContainers());
        assertThat(all).extracting(Container::getName).containsExactly("fetch", "exec-0", "sluice");
        for (Container c : all) {
            assertThat(restrictedViolations(pod, c)).as(c.getName()).isEmpty();
            assertThat(c.getSecurityContext().getRunAsUser()).as(c.getName()).isEqualTo(10001L);
        }
    }

    /**
     * An image of one's own built with another {@code USER}: {@code run_as_user} is the uid every container runs as
     * (user and group), still meeting {@code restricted} (before: 10001 whatever the image's user).
     */
    @Test
    void runAsUserIsTheUserEveryContainerRunsAs() throws Exception {
        var pod = podOf("run_as_user: 1000");
        List<Container> all = new java.util.ArrayList<>(pod.getInitContainers());
        all.addAll(pod.getContainers());
        assertThat(all).hasSize(3);
        for (Container c : all) {
            assertThat(restrictedViolations(pod, c)).as(c.getName()).isEmpty();
            assertThat(c.getSecurityContext().getRunAsUser()).as(c.getName()).isEqualTo(1000L);
            assertThat(c.getSecurityContext().getRunAsGroup()).as(c.getName()).isEqualTo(1000L);
        }
    }

    /**
     * An exec image that must run as it is built (root, if so) with {@code exec_as_image}: only its containers are left
     * without a securityContext, and nothing set on the pod reaches them; with {@code none}, no container has one.
     */
    @Test
    void anExecImageMayRunAsItIsBuiltAndNoneLeavesEveryContainerAsItsImageSays() throws Exception {
        var pod = podOf("security_context: exec_as_image");
        assertThat(pod.getSecurityContext()).isNull();
        assertThat(pod.getInitContainers().get(1).getSecurityContext()).isNull();
        assertThat(restrictedViolations(pod, pod.getInitContainers().getFirst()))
                .isEmpty();
        assertThat(restrictedViolations(pod, pod.getContainers().getFirst())).isEmpty();

        var none = podOf("security_context: none");
        assertThat(none.getSecurityContext()).isNull();
        assertThat(none.getInitContainers())
                .allSatisfy(c -> assertThat(c.getSecurityContext()).isNull());
        assertThat(none.getContainers())
                .allSatisfy(c -> assertThat(c.getSecurityContext()).isNull());
    }

    /**
     * The size that counts is the whole Job's as it is sent: a split of many files with long paths makes an exec
     * container and a URL each, and its Job past what the API server (etcd, 1.5 MiB) stores would be refused with a
     * 413 or a 500, which looks temporary. Before: only the URLs were counted (at most 512 KiB), and this split's Job,
     * of 1,000 files, was sent, its exec containers uncounted.
     */
    @Test
    void aSplitWhoseJobWouldBeTooLargeGetsNoneNamingItsSizeTheLimitAndWhatToDo() throws Exception {
        Pipeline p = pipeline("pipeline_file: /etc/sluice/rebuild.yaml\nfile_server: {}\n");
        JobTemplate template = template(p);
        List<String> keys = new java.util.ArrayList<>();
        List<String> fetch = new java.util.ArrayList<>(List.of("fetch"));
        for (int i = 0; i < 1000; i++) {
            String key = "2026-11/account-%06d/usage-report-%04d.csv".formatted(i, i);
            keys.add(key);
            fetch.add("https://files:8443/v1/file?split=big&path=" + key + "&sha256=" + "0".repeat(64)
                    + "&expires=1795000000&sig=" + "A".repeat(43));
        }
        fetch.addAll(List.of("--to", "/etc/sluice/in"));

        assertThat(template.job("small", 0, 0, fetch.subList(0, 11), keys.subList(0, 10)))
                .isNotNull();
        assertThatThrownBy(() -> template.job("big", 0, 0, fetch, keys))
                .isInstanceOf(JobTemplate.TooLarge.class)
                .hasMessageMatching("its Job would be \\d+ KiB as sent to the API server \\(1000 files: .*")
                .hasMessageContaining("more than the 1024 KiB a Job may be")
                .hasMessageContaining("lower source.files.pack.max_files");
    }

    /** Refused alike by validate (the runner's check) and by run (the runner's creation), at the option. */
    @Test
    void anImageWithoutTheFileServerIsRefusedAtTheOption() throws Exception {
        Pipeline p = pipeline("max_active: 2");
        assertThatThrownBy(() -> Assembly.forChecking(p, Components.discover(), Clock.systemUTC())
                        .close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.file_server")
                .hasMessageContaining("the exec step's image:");
        try (Assembly a = Assembly.of(p, Components.discover(), Clock.systemUTC())) {
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
