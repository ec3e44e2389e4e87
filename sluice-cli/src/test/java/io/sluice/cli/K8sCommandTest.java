package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice k8s generate} from the command line, and what the generated manifests ask of the other commands:
 * {@code sluice worker --health-port} (the probes) and {@code sluice plan --register} (the lister of a pool scaled to
 * zero). Applying needs an API server: sluice-kubernetes tests that on fabric8's mock.
 */
class K8sCommandTest {
    @TempDir
    Path dir;

    @Test
    void generateRefusesALedgerPodsCannotShareWithExitCode2() {
        CliRun r = sluice(
                "k8s",
                "generate",
                Path.of("..", "examples", "quickstart", "pipeline.yaml").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("keeps its ledger in SQLite").contains("postgres");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void generateWritesOneFilePerObjectAndNoSecretEvenUnsetHere() throws Exception {
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                pipeline: orders
                source:
                  files: { path: in, include: "*.csv" }
                sink:
                  files: { path: out }
                state:
                  postgres: { url: "jdbc:postgresql://db:5432/sluice", user: sluice, password: "${SLUICE_TEST_UNSET_PW}" }
                """);
        Files.createDirectories(dir.resolve("in"));
        CliRun r = sluice(
                "k8s",
                "generate",
                pipeline.toString(),
                "--namespace",
                "data",
                "--out",
                dir.resolve("k8s").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--volume-claim");

        r = sluice(
                        "k8s",
                        "generate",
                        pipeline.toString(),
                        "--namespace",
                        "data",
                        "--volume-claim",
                        "orders-data",
                        "--image",
                        "registry.example/sluice:1",
                        "--out",
                        dir.resolve("k8s").toString())
                .ok();
        try (var files = Files.list(dir.resolve("k8s"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted())
                    .containsExactly(
                            "01-serviceaccount-orders.yaml",
                            "02-configmap-orders.yaml",
                            "03-deployment-orders-worker.yaml",
                            "04-poddisruptionbudget-orders-worker.yaml",
                            "05-scaledobject-orders-worker.yaml",
                            "06-cronjob-orders-plan.yaml");
        }
        String deployment = Files.readString(dir.resolve("k8s/03-deployment-orders-worker.yaml"));
        assertThat(deployment)
                .contains("image: \"registry.example/sluice:1\"", "claimName: \"orders-data\"", "namespace: \"data\"")
                .contains("key: \"SLUICE_TEST_UNSET_PW\"")
                .doesNotContain("unset-"); // the stand-in a variable unset here gets for validation stays out
        assertThat(r.err()).contains("create secret generic orders-env --from-literal=SLUICE_TEST_UNSET_PW=...");

        CliRun bad = sluice("k8s", "generate", pipeline.toString(), "--volume-claim", "d", "--memory", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--memory 'lots' is not a Kubernetes quantity");
        bad = sluice("k8s", "generate", pipeline.toString(), "--volume-claim", "d", "--prometheus-url", "prom:9090");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--prometheus-url 'prom:9090' is not an http(s) URL");

        CliRun stdout = sluice("k8s", "generate", pipeline.toString(), "--mode", "jobs", "--volume-claim", "d")
                .ok();
        assertThat(stdout.out()).startsWith("---\n").contains("kind: \"Role\"", "name: \"orders-controller\"");
        assertThat(stdout.out())
                .as("the default image: the Dockerfile's tag, this version")
                .containsPattern("image: \"sluice:[0-9][^\"]*\"");
    }

    @Test
    void aWorkerAnswersTheProbesOfItsHealthPort() throws Exception {
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(pipeline, """
                pipeline: probed
                source:
                  files: { path: in, include: "*.csv" }
                sink:
                  files: { path: out }
                run: { interval: 1s }
                """);
        int port = Ports.free();
        Path log = dir.resolve("worker.log");
        Process p = worker(log, pipeline, port);
        try (HttpClient http = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            HttpResponse<String> ready = null;
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    ready = http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString());
                    break;
                } catch (java.io.IOException notYet) {
                    Thread.sleep(200);
                }
            }
            assertThat(ready).as("the worker's log: %s", Files.readString(log)).isNotNull();
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(http.send(get(port, "/healthz"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);
            assertThat(http.send(get(port, "/metrics"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as("nothing else is served")
                    .isEqualTo(404);
        } finally {
            p.destroy(); // SIGTERM: a clean stop
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    }

    /**
     * A worker asked to stop (SIGTERM) is not ready from that moment: Kubernetes sends it nothing more while its split in
     * flight finishes, and its liveness still answers until it exits.
     */
    @Test
    void aStoppingWorkerIsNotReadyWhileItsSplitInFlightFinishes() throws Exception {
        Path gate = Files.createDirectories(dir.resolve("gate"));
        Path input =
                Files.writeString(Files.createDirectories(dir.resolve("in")).resolve("a.csv"), "id\n1\n");
        Files.setLastModifiedTime(
                input,
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
        Path pipeline = Files.writeString(dir.resolve("pipeline.yaml"), """
                pipeline: draining
                source:
                  files: { path: in, include: "*.csv" }
                steps:
                  - exec:
                      command: [sh, -c, 'touch "$GATE/started"; while [ ! -f "$GATE/go" ]; do sleep 0.1; done; cp "$1" "$2"/', sh, "{input}", "{output_dir}"]
                      env: { GATE: "%s" }
                sink:
                  files: { path: out }
                run: { interval: 1s }
                """.formatted(gate));
        int port = Ports.free();
        Path log = dir.resolve("worker.log");
        Process p = worker(log, pipeline, port);
        try (HttpClient http = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(gate.resolve("started")) && p.isAlive() && System.nanoTime() < deadline)
                Thread.sleep(100);
            assertThat(gate.resolve("started"))
                    .as("the split started (log: %s)", log)
                    .exists();
            assertThat(http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);

            p.destroy(); // SIGTERM: the split in flight finishes
            while (!Files.readString(log).contains("stopping") && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(Files.readString(log)).contains("stopping");
            // before the fix: 200 until the split had finished and the server closed
            assertThat(http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as("readiness of a stopping worker")
                    .isEqualTo(503);
            assertThat(http.send(get(port, "/healthz"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as("liveness of a stopping worker")
                    .isEqualTo(200);
            assertThat(p.isAlive()).as("the split in flight holds the worker").isTrue();

            Files.writeString(gate.resolve("go"), "");
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        assertThat(dir.resolve("out")).isNotEmptyDirectory();
    }

    /** A port no socket can have is a mistake in the command (exit 2, naming the option), not a split that died (1). */
    @Test
    void aHealthPortOutOfRangeIsRefusedWithWhatToDo() throws Exception {
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(pipeline, """
                pipeline: probed
                source: { files: { path: in } }
                sink: { files: { path: out } }
                """);
        for (String port : new String[] {"70000", "-1"}) {
            CliRun r = sluice("worker", pipeline.toString(), "--health-port", port);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("--health-port " + port, "1 to 65535");
        }
    }

    @Test
    void planRegisterRegistersTheNewSplitsAndProcessesNone() throws Exception {
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id\n1\n");
        Files.writeString(dir.resolve("in/b.csv"), "id\n2\n");
        Files.writeString(pipeline, """
                pipeline: listed
                source:
                  files: { path: in, include: "*.csv", settle: 0s }
                sink:
                  files: { path: out, format: csv }
                """);
        assertThat(sluice("plan", pipeline.toString(), "--register").ok().out()).contains("registered 2 new split(s)");
        assertThat(sluice("plan", pipeline.toString(), "--register").ok().out()).contains("registered 0 new split(s)");
        var status = CliRun.status(pipeline);
        assertThat(status.toString()).contains("pending");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /** {@code sluice worker PIPELINE --health-port PORT} in a JVM of its own, its output in {@code log}. */
    private static Process worker(Path log, Path pipeline, int port) throws java.io.IOException {
        return ChildJvm.start(log, "io.sluice.cli.Main", "worker", pipeline.toString(), "--health-port", "" + port);
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build();
    }
}
