package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code generate} for every example pipeline in both modes. The examples keep their ledger in SQLite, which pods
 * cannot share: generate refuses them, saying which ledger is needed. The same pipelines with a PostgreSQL or Redis
 * ledger generate objects that are read back from their YAML as fabric8's typed Kubernetes objects and pass {@link
 * ManifestChecks}. No API server runs here, and kubectl cannot stand in: without a server it fetches no schema and
 * refuses to validate (checked with kubectl 1.32: "failed to download openapi"), so the checks are this project's.
 */
class GenerateExamplesTest {
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    @TempDir
    Path dir;

    static Stream<Arguments> examplesAndModes() throws IOException {
        List<Arguments> all = new ArrayList<>();
        for (Path p : Pipelines.examples()) {
            for (GenerateOptions.Mode m : GenerateOptions.Mode.values()) all.add(Arguments.of(p, m));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("examplesAndModes")
    void anExampleAsWrittenIsRefusedForItsSqliteLedger(Path example, GenerateOptions.Mode mode) {
        PipelineFacts facts = PipelineFacts.of(Pipelines.load(example));
        assertThat(facts.ledger()).isEqualTo("sqlite");
        assertThatThrownBy(() -> Manifests.generate(facts, options(mode).withVolumeClaim("data")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("keeps its ledger in SQLite")
                .hasMessageContaining("must share one ledger")
                .hasMessageContaining("postgres");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("examplesAndModes")
    void anExampleWithAPostgresLedgerMakesValidObjects(Path example, GenerateOptions.Mode mode) throws IOException {
        PipelineFacts facts = PipelineFacts.of(Pipelines.load(Pipelines.withState(example, Pipelines.POSTGRES, dir)));
        if (facts.data().stream().anyMatch(f -> !f.path().startsWith(facts.folder()))) {
            // usage-logs-s3 reads ../usage-logs/data/logs: no volume of the pod has it
            assertThatThrownBy(() -> Manifests.generate(facts, options(mode).withVolumeClaim("data")))
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining("outside the pipeline's folder");
            return;
        }
        if (!facts.data().isEmpty()) {
            assertThatThrownBy(() -> Manifests.generate(facts, options(mode)))
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining("--volume-claim");
        }
        Manifests.Generated g = Manifests.generate(facts, options(mode).withVolumeClaim("sluice-data"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        List<String> kinds = back.stream().map(HasMetadata::getKind).toList();
        if (mode == GenerateOptions.Mode.POOL) {
            assertThat(kinds)
                    .containsExactly(
                            "ServiceAccount",
                            "ConfigMap",
                            "Deployment",
                            "PodDisruptionBudget",
                            "ScaledObject",
                            "CronJob");
            assertThat(args(back.get(2)))
                    .startsWith("worker", "/sluice/" + example.getFileName(), "--id", "$(POD_NAME)");
            GenericKubernetesResource so = (GenericKubernetesResource) back.get(4);
            assertThat(YAML.asYaml(so))
                    .contains("type: \"postgresql\"")
                    .contains("host: \"ledger-db.data\"")
                    .contains("sslmode: \"require\"")
                    .contains("passwordFromEnv: \"PGPASSWORD\"")
                    .contains("minReplicaCount: 0")
                    .contains("pipeline = '" + facts.names().pipeline() + "'");
        } else {
            assertThat(kinds).containsExactly("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment");
            // the controller reads why the API server refuses a Job's pod in the Job's FailedCreate events
            assertThat(((io.fabric8.kubernetes.api.model.rbac.Role) back.get(1)).getRules())
                    .anySatisfy(r -> {
                        assertThat(r.getResources()).containsExactly("events");
                        assertThat(r.getVerbs()).contains("get", "list");
                    });
            assertThat(((Deployment) back.get(4)).getSpec().getReplicas()).isEqualTo(1);
            assertThat(args(back.get(4))).containsExactly("run", "/sluice/" + example.getFileName(), "--mode", "watch");
        }
        String yaml = ManifestYaml.all(g.objects());
        assertThat(yaml).doesNotContain(Pipelines.ENV.get("PGPASSWORD")).contains("${PGPASSWORD}");
        // stable: the same pipeline gives the same text
        assertThat(ManifestYaml.all(Manifests.generate(facts, options(mode).withVolumeClaim("sluice-data"))
                        .objects()))
                .isEqualTo(yaml);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("examplesAndModes")
    void anExampleWithAScheduleIsACronJobOfOnceRuns(Path example, GenerateOptions.Mode mode) throws IOException {
        Path copy = Pipelines.withState(example, Pipelines.POSTGRES, dir);
        Pipelines.withSchedule(copy, "30 2 * * 1-5", "Europe/Paris");
        PipelineFacts facts = PipelineFacts.of(Pipelines.load(copy));
        if (facts.data().stream().anyMatch(f -> !f.path().startsWith(facts.folder()))) return; // as above
        Manifests.Generated g = Manifests.generate(facts, options(mode).withVolumeClaim("sluice-data"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        List<String> kinds = back.stream().map(HasMetadata::getKind).toList();
        // no Deployment, budget, ScaledObject or planner: each run lists the source itself and ends
        assertThat(kinds)
                .containsExactlyElementsOf(
                        mode == GenerateOptions.Mode.POOL
                                ? List.of("ServiceAccount", "ConfigMap", "CronJob")
                                : List.of("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "CronJob"));
        CronJob cj = (CronJob) back.getLast();
        assertThat(cj.getMetadata().getName()).isEqualTo(facts.names().named("run"));
        assertThat(cj.getSpec().getSchedule()).isEqualTo("30 2 * * 1-5");
        assertThat(cj.getSpec().getTimeZone()).isEqualTo("Europe/Paris");
        assertThat(cj.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
        assertThat(cj.getSpec().getStartingDeadlineSeconds()).isEqualTo(Manifests.STARTING_DEADLINE_SECONDS);
        var pod = cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
        String file = "/sluice/" + example.getFileName();
        assertThat(pod.getContainers().getFirst().getArgs())
                .containsExactlyElementsOf(
                        mode == GenerateOptions.Mode.POOL
                                ? List.of("run", file, "--mode", "once", "--parallelism", "2")
                                : List.of("run", file, "--mode", "once"));
        // the same hardening as the long-running pods
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getContainers().getFirst().getSecurityContext().getReadOnlyRootFilesystem())
                .isTrue();
        // the one field Pod Security's restricted level asks that the pods lacked (they were refused there)
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isEqualTo(mode == GenerateOptions.Mode.JOBS);
        assertThat(g.notes())
                .anyMatch(n -> n.startsWith(
                        "scheduled: the CronJob " + cj.getMetadata().getName()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.sluice.kubernetes.manifest.Pipelines#examples")
    void aPoolOnRedisHasAFixedSizeForNoKedaScalerCountsASortedSet(Path example) throws IOException {
        PipelineFacts facts = PipelineFacts.of(Pipelines.load(Pipelines.withState(example, Pipelines.REDIS, dir)));
        if (facts.data().stream().anyMatch(f -> !f.path().startsWith(facts.folder()))) return; // as above
        Manifests.Generated g =
                Manifests.generate(facts, options(GenerateOptions.Mode.POOL).withVolumeClaim("sluice-data"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        assertThat(back.stream().map(HasMetadata::getKind))
                .containsExactly("ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget");
        assertThat(((Deployment) back.get(2)).getSpec().getReplicas()).isEqualTo(GenerateOptions.DEFAULT_REPLICAS);
        assertThat(g.notes()).anyMatch(n -> n.contains("sorted sets"));
    }

    /**
     * {@code run.kubernetes.file_server} in jobs mode: the Service {@code NAME-files} selecting the controller on the
     * server's port, the controller's named port, and the key and keystore Secrets mounted at the paths the pipeline
     * names; the notes give the commands that create them, and no secret value is written.
     */
    @Test
    void aFileServerGetsAServiceAndTheControllerItsPortAndSecrets() throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "served.yaml", """
                pipeline: served
                source: { files: { path: in } }
                sink: { files: { path: out } }
                %s
                run:
                  runner: kubernetes
                  kubernetes:
                    image: registry.example/sluice:0.1.0
                    file_server:
                      port: 8443
                      public_url: "https://served-files.data-pipelines.svc:8443"
                      key_file: /etc/sluice/files-key/key
                      tls: { keystore: /etc/sluice/tls/server.p12, password: "${FILES_TLS_PASSWORD}", ca_config_map: served-ca }
                """.formatted(Pipelines.POSTGRES));
        Manifests.Generated g =
                Manifests.generate(facts, options(GenerateOptions.Mode.JOBS).withVolumeClaim("sluice-data"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        assertThat(back.stream().map(HasMetadata::getKind))
                .containsExactly("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service");
        Service svc = (Service) back.get(5);
        assertThat(svc.getMetadata().getName()).isEqualTo("served-files");
        assertThat(svc.getSpec().getPorts().getFirst().getPort()).isEqualTo(8443);
        var pod = ((Deployment) back.get(4)).getSpec().getTemplate().getSpec();
        var controller = pod.getContainers().getFirst();
        assertThat(controller.getPorts())
                .singleElement()
                .satisfies(port -> assertThat(port.getContainerPort()).isEqualTo(8443));
        assertThat(controller.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/sluice/files-key/key"))
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/sluice/tls/server.p12"));
        assertThat(pod.getVolumes().stream()
                        .filter(v -> v.getSecret() != null)
                        .map(v -> v.getSecret().getSecretName()))
                .containsExactlyInAnyOrder("served-files-key", "served-files-tls");
        assertThat(g.notes())
                .anyMatch(n -> n.contains("create secret generic served-files-key"))
                .anyMatch(n -> n.contains("create secret generic served-files-tls"))
                .anyMatch(n -> n.contains("create configmap served-ca"))
                .noneMatch(n -> n.contains("public_url"));
        String yaml = ManifestYaml.all(g.objects());
        assertThat(yaml).doesNotContain(Pipelines.ENV.get("FILES_TLS_PASSWORD"));
    }

    /** With {@code run.schedule}, the controller is a CronJob's pod: the Service selects it, and it has its port. */
    @Test
    void aScheduledControllerServesItsFilesToo() throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "nightly.yaml", """
                pipeline: nightly
                source: { files: { path: in } }
                sink: { files: { path: out } }
                %s
                run:
                  runner: kubernetes
                  schedule: "0 2 * * *"
                  kubernetes:
                    image: registry.example/sluice:0.1.0
                    file_server: { port: 8443, public_url: "http://nightly-files.data-pipelines.svc:8443" }
                """.formatted(Pipelines.POSTGRES));
        Manifests.Generated g =
                Manifests.generate(facts, options(GenerateOptions.Mode.JOBS).withVolumeClaim("sluice-data"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        assertThat(back.stream().map(HasMetadata::getKind))
                .containsExactly("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "CronJob", "Service");
        var pod = ((io.fabric8.kubernetes.api.model.batch.v1.CronJob) back.get(4))
                .getSpec()
                .getJobTemplate()
                .getSpec()
                .getTemplate();
        Service svc = (Service) back.get(5);
        assertThat(pod.getMetadata().getLabels())
                .containsAllEntriesOf(svc.getSpec().getSelector());
        assertThat(pod.getSpec().getContainers().getFirst().getPorts())
                .singleElement()
                .satisfies(port -> assertThat(port.getContainerPort()).isEqualTo(8443));
    }

    /**
     * {@code run.metrics}: the pods that run the splits (a pool's workers) or start them (the controller; a scheduled
     * run's pod) get the named port {@code metrics}, and the Service {@code NAME-metrics} selects them with the
     * annotations a Prometheus scrapes by.
     */
    @ParameterizedTest(name = "{0} scheduled={1}")
    @org.junit.jupiter.params.provider.CsvSource({"POOL,false", "JOBS,false", "POOL,true", "JOBS,true"})
    void metricsGetANamedPortAndAnAnnotatedService(GenerateOptions.Mode mode, boolean scheduled) throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "measured.yaml", """
                pipeline: measured
                source: { files: { path: "s3://in/" } }
                sink: { files: { path: "s3://out/" } }
                %s
                run:
                  %s
                  metrics: { port: 9500 }
                """.formatted(
                        Pipelines.POSTGRES, scheduled ? "schedule: \"0 2 * * *\"" : "interval: 1m"));
        Manifests.Generated g = Manifests.generate(facts, options(mode));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        Service svc = back.stream()
                .filter(o -> o instanceof Service s && s.getMetadata().getName().equals("measured-metrics"))
                .map(Service.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(svc.getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "9500")
                .containsEntry("prometheus.io/path", "/metrics");
        assertThat(svc.getSpec().getPorts().getFirst().getTargetPort().getStrVal())
                .isEqualTo("metrics");
        String component = mode == GenerateOptions.Mode.POOL ? "worker" : "controller";
        assertThat(svc.getSpec().getSelector()).containsEntry("app.kubernetes.io/component", component);
        var pod = back.stream()
                .map(o -> o instanceof Deployment d
                        ? d.getSpec().getTemplate()
                        : o instanceof CronJob cj && !o.getMetadata().getName().endsWith("-plan")
                                ? cj.getSpec().getJobTemplate().getSpec().getTemplate()
                                : null)
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElseThrow();
        assertThat(pod.getMetadata().getLabels())
                .containsAllEntriesOf(svc.getSpec().getSelector());
        assertThat(pod.getSpec().getContainers().getFirst().getPorts()).anySatisfy(port -> {
            assertThat(port.getName()).isEqualTo("metrics");
            assertThat(port.getContainerPort()).isEqualTo(9500);
        });
        assertThat(g.notes()).noneMatch(n -> n.contains("no metrics Service"));
    }

    @Test
    void metricsThatAPodCannotServeAreRefused() throws IOException {
        Files.createDirectories(dir.resolve("in"));
        for (String[] c : new String[][] {
            {"{ port: 0 }", "run.metrics.port is 0"},
            {"{ host: 127.0.0.1 }", "run.metrics.host is 127.0.0.1"},
            {"{ port: 8080 }", "also the workers' --health-port"}
        }) {
            Path p = Files.writeString(dir.resolve("bad.yaml"), """
                    pipeline: bad
                    source: { files: { path: "s3://in/" } }
                    sink: { files: { path: "s3://out/" } }
                    %s
                    run: { metrics: %s }
                    """.formatted(Pipelines.POSTGRES, c[0]));
            assertThatThrownBy(() ->
                            Manifests.generate(PipelineFacts.of(Pipelines.load(p)), options(GenerateOptions.Mode.POOL)))
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining(c[1]);
        }
    }

    /** The controller serves its files and its metrics from one container: one port cannot be both. */
    @Test
    void aFileServerOnTheMetricsPortIsRefused() throws IOException {
        PipelineFacts facts = Pipelines.facts(dir, "clash.yaml", """
                pipeline: clash
                source: { files: { path: in } }
                sink: { files: { path: "s3://out/" } }
                %s
                run:
                  runner: kubernetes
                  metrics: { port: 8443 }
                  kubernetes:
                    image: registry.example/sluice:0.1.0
                    file_server: { port: 8443 }
                """.formatted(Pipelines.POSTGRES));
        assertThatThrownBy(() -> Manifests.generate(
                        facts, options(GenerateOptions.Mode.JOBS).withVolumeClaim("sluice-data")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("run.metrics.port 8443 is also run.kubernetes.file_server.port");
    }

    /**
     * A Redis pool with {@code run.metrics} and {@code --prometheus-url}: KEDA's {@code prometheus} trigger on what the
     * workers report, from one worker up (at zero nothing would report), so no planner CronJob.
     */
    @Test
    void aRedisPoolWithMetricsScalesOnPrometheusFromOne() throws IOException {
        Path p = Files.writeString(dir.resolve("cached.yaml"), """
                pipeline: cached
                source: { files: { path: "s3://in/" } }
                sink: { files: { path: "s3://out/" } }
                %s
                run: { metrics: {} }
                """.formatted(Pipelines.REDIS));
        PipelineFacts facts = PipelineFacts.of(Pipelines.load(p));
        Manifests.Generated g = Manifests.generate(
                facts,
                options(GenerateOptions.Mode.POOL).withPrometheus("http://prometheus-server.monitoring.svc:9090"));
        List<HasMetadata> back = readBack(g.objects());
        assertThat(ManifestChecks.check(back)).isEmpty();
        assertThat(back.stream().map(HasMetadata::getKind))
                .containsExactly(
                        "ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget", "ScaledObject", "Service");
        assertThat(((Deployment) back.get(2)).getSpec().getReplicas())
                .as("KEDA's")
                .isNull();
        assertThat(YAML.asYaml(back.get(4)))
                .contains("type: \"prometheus\"")
                .contains("serverAddress: \"http://prometheus-server.monitoring.svc:9090\"")
                .contains("minReplicaCount: 1")
                .contains("threshold: \"2\"");
        Map<?, ?> spec = (Map<?, ?>) ((GenericKubernetesResource) back.get(4))
                .getAdditionalProperties()
                .get("spec");
        Map<?, ?> trigger = (Map<?, ?>) ((List<?>) spec.get("triggers")).getFirst();
        assertThat(((Map<?, ?>) trigger.get("metadata")).get("query"))
                .isEqualTo(
                        "sum(max by (state) (sluice_ledger_splits{pipeline=\"cached\",state=~\"pending|claimed|failed\"}))");
        // without a Prometheus to ask, a fixed pool as before
        Manifests.Generated fixed = Manifests.generate(facts, options(GenerateOptions.Mode.POOL));
        assertThat(fixed.objects().stream().map(HasMetadata::getKind)).doesNotContain("ScaledObject");
        assertThat(fixed.notes()).anyMatch(n -> n.contains("--prometheus-url"));
    }

    /** A DynamoDB ledger whose table is a ${VARIABLE}: KEDA's trigger cannot name it, so a fixed pool and a note. */
    @Test
    void aDynamoPoolWithItsTableInAVariableHasAFixedSize() throws IOException {
        Path p = Files.writeString(dir.resolve("hidden.yaml"), """
                pipeline: hidden
                source: { files: { path: "s3://in/" } }
                sink: { files: { path: "s3://out/" } }
                state:
                  dynamodb: { table: "${PGPASSWORD}", region: eu-west-1 }
                """);
        Manifests.Generated g =
                Manifests.generate(PipelineFacts.of(Pipelines.load(p)), options(GenerateOptions.Mode.POOL));
        assertThat(ManifestChecks.check(readBack(g.objects()))).isEmpty();
        assertThat(g.objects().stream().map(HasMetadata::getKind))
                .containsExactly("ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget");
        assertThat(g.notes()).anyMatch(n -> n.contains("aws-dynamodb") && n.contains("${VARIABLES}"));
    }

    private static List<String> args(HasMetadata deployment) {
        return ((Deployment) deployment)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getArgs();
    }

    private static GenerateOptions options(GenerateOptions.Mode mode) {
        return GenerateOptions.of(mode, "registry.example/sluice:0.1.0", "data-pipelines");
    }

    /** The YAML of each object read back as the typed class of its kind (a ScaledObject as a generic resource). */
    static List<HasMetadata> readBack(List<HasMetadata> objects) {
        List<HasMetadata> back = new ArrayList<>();
        for (HasMetadata o : objects) {
            HasMetadata read = YAML.unmarshal(ManifestYaml.of(o));
            assertThat(read).isInstanceOf(o.getClass()).isEqualTo(o);
            back.add(read);
        }
        return back;
    }
}
