package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.config.Options;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.testkit.KubeletExpansion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split id is a file's name, and a file's name may hold {@code $$} or {@code $(NAME)}, which a kubelet rewrites in a
 * container's command, args and env values ({@code $$} to {@code $}, {@code $(NAME)} to the variable's value): each
 * container of a split's Job must still get the split id, the file's key and its path exactly as the ledger has them.
 */
class JobArgumentsTest {
    @TempDir
    Path dir;

    /** What the pod's containers see from their environment: a Secret's variables, say. */
    private static final Map<String, String> POD_ENV = Map.of("HOME", "/home/sluice", "PGPASSWORD", "s3cret");

    private static final String ODD = "2026-11/price$$list $(HOME) $(PGPASSWORD) $x $.csv";

    private Pipeline pipeline() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(dir.resolve("rebuild.yaml"), """
                pipeline: rebuild
                source: { files: { path: in } }
                steps:
                  - exec:
                      image: "ghcr.io/acme/rebuild:1.4"
                      command: [rebuild, "--in={input}", "{output_dir}", "$(HOME)"]
                      env: { INPUT_KEY: "{key}", LITERAL: "$$1" }
                sink: { files: { path: out } }
                run:
                  runner: kubernetes
                  kubernetes:
                    image: sluice:test
                    namespace: test
                    pipeline_file: /etc/sluice/rebuild.yaml
                    file_server: {}
                """);
        return new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file);
    }

    @Test
    void everyContainerGetsTheSplitAndItsFilesAsTheLedgerNamesThem() throws Exception {
        Pipeline p = pipeline();
        Options o = (Options) p.run().runner().orElseThrow().value();
        JobTemplate template;
        try (Assembly a = Assembly.forChecking(p, Components.discover(), Clock.systemUTC())) {
            template = new JobTemplate(
                    JobOptions.of(o),
                    new JobNames(p.name()),
                    p.file(),
                    "test",
                    FileServing.of(o, p.file(), p.source()),
                    KubernetesRunner.container(a.steps()));
        }
        String url = "http://files:8443/v1/file?split=x&path=a%24b";
        Job job = template.job(ODD, 0, 0, List.of("fetch", url, "--to", "/etc/sluice/in$$"), List.of(ODD));

        var pod = job.getSpec().getTemplate().getSpec();
        Container main = pod.getContainers().getFirst();
        assertThat(received(main, main.getArgs()))
                .containsExactly(
                        "run", "/etc/sluice/rebuild.yaml", "--split", ODD, "--exec-results", "/sluice-results");
        Container fetch = pod.getInitContainers().get(0);
        assertThat(received(fetch, fetch.getArgs())).containsExactly("fetch", url, "--to", "/etc/sluice/in$$");

        Container exec = pod.getInitContainers().get(1);
        List<String> command = new ArrayList<>(received(exec, exec.getCommand()));
        command.addAll(received(exec, exec.getArgs()));
        // as a local run passes them: no shell, each item as it is, whatever the file's name
        assertThat(command).containsExactly("rebuild", "--in=/etc/sluice/in/" + ODD, "/sluice-exec/output", "$(HOME)");
        Map<String, String> env = new java.util.HashMap<>();
        for (EnvVar v : exec.getEnv()) env.put(v.getName(), KubeletExpansion.expand(v.getValue(), POD_ENV));
        assertThat(env)
                .containsEntry("INPUT_KEY", ODD)
                .containsEntry("LITERAL", "$1")
                .containsEntry("SLUICE_KEY", ODD)
                .containsEntry("SLUICE_SPLIT", ODD)
                .containsEntry("SLUICE_INPUT", "/etc/sluice/in/" + ODD);
    }

    /** The items as the container's process receives them. */
    private static List<String> received(Container c, List<String> items) {
        assertThat(items).as("container %s", c.getName()).isNotNull();
        return items.stream().map(i -> KubeletExpansion.expand(i, POD_ENV)).toList();
    }

    @Test
    void theExpansionIsAKubelets() {
        assertThat(KubeletExpansion.expand("a$$b $(HOME) $(NONE) $(x $y $", POD_ENV))
                .isEqualTo("a$b /home/sluice $(NONE) $(x $y $");
        assertThat(Optional.of(KubeletExpansion.expand("$$$$(HOME)", POD_ENV))).contains("$$(HOME)");
    }
}
