package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.sluice.kubernetes.runner.RunnerJobs;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apply}, {@code delete} and {@code status} against fabric8's mock API server in CRUD mode: no real API server
 * can run here. The mock stores what it is sent and answers lists by label like a server, but it does not implement
 * server-side apply (it answers a PATCH of type application/apply-patch+yaml with 415 Unsupported Media Type), so
 * these tests run {@link Cluster}'s fallback for such servers, create or replace; the pruning by label that follows
 * is the same code either way.
 */
class ClusterTest {
    private static final String NS = "data";

    @TempDir
    Path dir;

    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() throws IOException {
        server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void applyingAChangedPipelinePrunesWhatItNoLongerHasAndLeavesOthersAlone() throws IOException {
        // another pipeline's object, and one of the user's own, in the same namespace
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("other")
                        .withLabels(Names.of("other").labels("config"))
                        .endMetadata()
                        .build())
                .create();
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("mine")
                        .endMetadata()
                        .build())
                .create();
        Cluster cluster = new Cluster(client);
        Names names = Names.of("orders");

        Cluster.Applied first = cluster.apply(generate(Pipelines.POSTGRES, GenerateOptions.Mode.POOL), names, NS);
        assertThat(first.applied())
                .containsExactly(
                        "ServiceAccount/orders",
                        "ConfigMap/orders",
                        "Deployment/orders-worker",
                        "PodDisruptionBudget/orders-worker",
                        "ScaledObject/orders-worker",
                        "CronJob/orders-plan");
        assertThat(first.pruned()).isEmpty();
        assertThat(first.replaced()).as("the mock has no server-side apply").isEqualTo(first.applied());
        assertThat(scaledObjects()).containsExactly("orders-worker");

        // on Redis no KEDA scaler counts the splits: the ScaledObject and the planner go, the Deployment gets replicas
        Cluster.Applied second = cluster.apply(generate(Pipelines.REDIS, GenerateOptions.Mode.POOL), names, NS);
        assertThat(second.pruned()).containsExactlyInAnyOrder("ScaledObject/orders-worker", "CronJob/orders-plan");
        assertThat(scaledObjects()).isEmpty();
        assertThat(client.batch().v1().cronjobs().inNamespace(NS).list().getItems())
                .isEmpty();
        Deployment worker = client.apps()
                .deployments()
                .inNamespace(NS)
                .withName("orders-worker")
                .get();
        assertThat(worker.getSpec().getReplicas()).isEqualTo(GenerateOptions.DEFAULT_REPLICAS);
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName("orders")
                        .get()
                        .getData()
                        .get("pipeline.yaml"))
                .contains("redis:");

        // to the Jobs mode: the pool's Deployment and budget go, the controller and its Role come
        Cluster.Applied third = cluster.apply(generate(Pipelines.REDIS, GenerateOptions.Mode.JOBS), names, NS);
        assertThat(third.pruned())
                .containsExactlyInAnyOrder("Deployment/orders-worker", "PodDisruptionBudget/orders-worker");
        assertThat(client.apps().deployments().inNamespace(NS).list().getItems())
                .extracting(d -> d.getMetadata().getName())
                .containsExactly("orders-controller");
        assertThat(client.rbac().roles().inNamespace(NS).withName("orders-jobs").get())
                .isNotNull();

        // a schedule: a CronJob of once runs instead of the long-running controller, and back
        String schedule = "run: { schedule: \"0 2 * * *\" }\n";
        Cluster.Applied scheduled =
                cluster.apply(generate(Pipelines.REDIS + schedule, GenerateOptions.Mode.JOBS), names, NS);
        assertThat(scheduled.applied()).contains("CronJob/orders-run").doesNotContain("Deployment/orders-controller");
        assertThat(scheduled.pruned()).containsExactly("Deployment/orders-controller");
        assertThat(client.batch()
                        .v1()
                        .cronjobs()
                        .inNamespace(NS)
                        .withName("orders-run")
                        .get()
                        .getSpec()
                        .getSchedule())
                .isEqualTo("0 2 * * *");
        Cluster.Applied unscheduled = cluster.apply(generate(Pipelines.REDIS, GenerateOptions.Mode.JOBS), names, NS);
        assertThat(unscheduled.pruned()).containsExactly("CronJob/orders-run");
        assertThat(client.batch().v1().cronjobs().inNamespace(NS).list().getItems())
                .isEmpty();

        assertThat(cluster.status(names, NS))
                .contains("pipeline orders (namespace data):", "  Deployment/orders-controller")
                .anyMatch(l -> l.equals("  Role/orders-jobs"));
        assertThat(cluster.status(null, NS)).contains("pipeline other (namespace data):", "  ConfigMap/other");

        assertThat(cluster.delete(names, NS))
                .containsExactlyInAnyOrder(
                        "Deployment/orders-controller",
                        "ConfigMap/orders",
                        "RoleBinding/orders-jobs",
                        "Role/orders-jobs",
                        "ServiceAccount/orders");
        assertThat(client.configMaps().inNamespace(NS).list().getItems())
                .extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("other", "mine");
        assertThat(cluster.status(names, NS)).isEmpty();
    }

    /**
     * The Jobs the kubernetes runner starts carry the labels of the generated objects, so status lists them; Job is
     * not a kind generate writes, so apply never prunes them and delete leaves them to the controller.
     */
    @Test
    void theRunnersJobsAreListedByStatusAndNeitherPrunedNorDeleted() throws IOException {
        Pipeline p = load(Pipelines.REDIS
                + "run: { runner: kubernetes, kubernetes: { image: \"sluice:1\", config_map: orders } }\n");
        Names names = Names.of("orders");
        Job job = RunnerJobs.job(p, "a.csv");
        assertThat(job.getMetadata().getLabels())
                .containsAllEntriesOf(names.selector())
                .containsEntry(Names.COMPONENT_LABEL, "split");
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .as("its pod too, for the pods line of status")
                .containsAllEntriesOf(names.selector());

        Cluster cluster = new Cluster(client);
        Manifests.Generated g = generate(p, GenerateOptions.Mode.JOBS);
        cluster.apply(g, names, NS);
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .resource(new JobBuilder(job)
                        .withNewStatus()
                        .withActive(1)
                        .endStatus()
                        .build())
                .create();
        String id = "Job/" + job.getMetadata().getName();
        assertThat(cluster.apply(g, names, NS).pruned())
                .as("a split's Job is the runner's")
                .isEmpty();
        assertThat(cluster.status(names, NS))
                .contains("pipeline orders (namespace data):", "  Deployment/orders-controller")
                .contains("  " + id + " active 1, succeeded 0, failed 0");
        assertThat(cluster.delete(names, NS)).isNotEmpty().doesNotContain(id);
        assertThat(client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName(job.getMetadata().getName())
                        .get())
                .as("left to the controller that started it")
                .isNotNull();
    }

    /**
     * A runner's Job whose pods a quota refuses has no pod and no end, and only its FailedCreate events say why: status
     * shows the newest of them on the Job's line, so a run that holds places of max_active says what holds them.
     */
    @Test
    void statusShowsWhyARunnersJobHasNoPod() throws IOException {
        Pipeline p = load(Pipelines.REDIS
                + "run: { runner: kubernetes, kubernetes: { image: \"sluice:1\", config_map: orders } }\n");
        Names names = Names.of("orders");
        Job job = client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .resource(new JobBuilder(RunnerJobs.job(p, "a.csv"))
                        .withNewStatus()
                        .withActive(0)
                        .endStatus()
                        .build())
                .create();
        String quota = "Error creating: pods \"x\" is forbidden: exceeded quota: compute, requested: pods=1, used:"
                + " pods=4, limited: pods=4";
        for (String message : List.of("an older refusal", quota)) {
            client.v1()
                    .events()
                    .inNamespace(NS)
                    .resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                            .withNewMetadata()
                            .withName(job.getMetadata().getName() + "." + message.length())
                            .endMetadata()
                            .withNewInvolvedObject()
                            .withKind("Job")
                            .withName(job.getMetadata().getName())
                            .withUid(job.getMetadata().getUid())
                            .endInvolvedObject()
                            .withReason("FailedCreate")
                            .withMessage(message)
                            .withCount(3)
                            .withLastTimestamp(message.equals(quota) ? "2026-12-05T10:00:02Z" : "2026-12-05T10:00:01Z")
                            .build())
                    .create();
        }

        assertThat(new Cluster(client).status(names, NS))
                .contains("  Job/" + job.getMetadata().getName() + " active 0, succeeded 0, failed 0; no pod:"
                        + " FailedCreate 3x (last 2026-12-05T10:00:02Z): " + quota);
    }

    @Test
    void theMockHasNoServerSideApplySoTheFallbackIsWhatRuns() {
        // what the fallback rests on: if a later mock learns server-side apply, this fails, and the class javadoc and
        // the expectations of replaced() above must change with it
        var cm = new ConfigMapBuilder()
                .withNewMetadata()
                .withName("probe")
                .endMetadata()
                .addToData("a", "1")
                .build();
        assertThatThrownBy(() -> ssa(cm)).satisfies(e -> assertThat(code(e)).isEqualTo(404));
        client.configMaps().inNamespace(NS).resource(cm).create();
        assertThatThrownBy(() -> ssa(cm)).satisfies(e -> assertThat(code(e)).isEqualTo(415));
    }

    private void ssa(io.fabric8.kubernetes.api.model.ConfigMap cm) {
        client.configMaps().inNamespace(NS).resource(cm).fieldManager("sluice").serverSideApply();
    }

    private static int code(Throwable e) {
        return ((io.fabric8.kubernetes.client.KubernetesClientException) e).getCode();
    }

    @Test
    void noSecretValueReachesTheClusterOrTheYaml() throws IOException {
        Path file = dir.resolve("secret.yaml");
        Files.writeString(file, """
                # ${COMMENTED} in a comment is no variable of the pipeline
                pipeline: secretive
                source:
                  files: { path: "s3://in/", s3: { endpoint: "${S3_ENDPOINT}", region: "${REGION:-us-east-1}" } }
                sink:
                  files: { path: "s3://out/", s3: { endpoint: "${S3_ENDPOINT}", region: us-east-1 } }
                state:
                  postgres: { url: "jdbc:postgresql://db:5432/sluice", user: sluice, password: "${PASSWORD}" }
                """);
        String password = "correct-horse-battery-staple";
        Map<String, String> env = Map.of("PASSWORD", password, "S3_ENDPOINT", "http://10.1.2.3:9000");
        var p = new PipelineLoader(Components.discover(), env::get).load(file);
        for (GenerateOptions.Mode mode : GenerateOptions.Mode.values()) {
            Manifests.Generated g = Manifests.generate(PipelineFacts.of(p), GenerateOptions.of(mode, "sluice:1", NS));
            String yaml = ManifestYaml.all(g.objects());
            assertThat(yaml).doesNotContain(password).doesNotContain("10.1.2.3");
            assertThat(yaml).contains("secretKeyRef:", "key: \"PASSWORD\"", "name: \"secretive-env\"");
            assertThat(yaml).doesNotContain("key: \"COMMENTED\"");
            assertThat(String.join("\n", g.notes()))
                    .doesNotContain(password)
                    .contains("--from-literal=PASSWORD=...")
                    .as("a variable with a default need not be in the Secret")
                    .doesNotContain("--from-literal=REGION")
                    .contains("optional (a default, or a connection the pipeline does not use): REGION");
            new Cluster(client).apply(g, Names.of("secretive"), NS);
            assertThat(client.configMaps()
                            .inNamespace(NS)
                            .withName("secretive")
                            .get()
                            .toString())
                    .doesNotContain(password)
                    .contains("${PASSWORD}");
        }
    }

    /** Turning {@code run.metrics} off prunes the metrics Service; the pods lose their port with the new template. */
    @Test
    void applyPrunesTheMetricsServiceWhenMetricsAreTurnedOff() throws IOException {
        Cluster cluster = new Cluster(client);
        Names names = Names.of("orders");
        Cluster.Applied on = cluster.apply(
                generate(load(Pipelines.POSTGRES + "run: { metrics: {} }\n"), GenerateOptions.Mode.POOL), names, NS);
        assertThat(on.applied()).contains("Service/orders-metrics");
        assertThat(client.services()
                        .inNamespace(NS)
                        .withName("orders-metrics")
                        .get()
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("prometheus.io/scrape", "true");

        Cluster.Applied off = cluster.apply(generate(Pipelines.POSTGRES, GenerateOptions.Mode.POOL), names, NS);
        assertThat(off.pruned()).containsExactly("Service/orders-metrics");
        assertThat(client.services().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName("orders-worker")
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getPorts())
                .extracting(io.fabric8.kubernetes.api.model.ContainerPort::getName)
                .containsExactly("health");
    }

    private List<String> scaledObjects() {
        return client
                .genericKubernetesResources(
                        new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                                .withGroup("keda.sh")
                                .withVersion("v1alpha1")
                                .withKind("ScaledObject")
                                .withPlural("scaledobjects")
                                .withNamespaced(true)
                                .build())
                .inNamespace(NS)
                .list()
                .getItems()
                .stream()
                .map(o -> o.getMetadata().getName())
                .toList();
    }

    private Manifests.Generated generate(String state, GenerateOptions.Mode mode) throws IOException {
        return generate(load(state), mode);
    }

    private static Manifests.Generated generate(Pipeline p, GenerateOptions.Mode mode) {
        return Manifests.generate(
                PipelineFacts.of(p), GenerateOptions.of(mode, "sluice:1", NS).withVolumeClaim("orders-data"));
    }

    /** The pipeline {@code orders} with {@code state}, and a {@code run:} block if given. */
    private Pipeline load(String state) throws IOException {
        Path folder = dir.resolve("orders");
        Files.createDirectories(folder);
        Path file = folder.resolve("pipeline.yaml");
        Files.writeString(file, """
                pipeline: orders
                source:
                  files: { path: in, include: "*.csv" }
                sink:
                  files: { path: out, format: parquet }
                """ + state);
        return new PipelineLoader(Components.discover(), Pipelines.ENV::get).load(file);
    }
}
