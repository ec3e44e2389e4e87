package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Ports;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.metrics}: a real worker (a child JVM, on the SQLite ledger) processes real files while the test scrapes
 * its {@code /metrics} over HTTP, as Prometheus would; the counts must be what was processed.
 */
class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void aWorkersMetricsCountWhatItProcessed() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int i = 0; i < 5; i++) Files.writeString(in.resolve("f" + i + ".csv"), "id,v\n1,a\n2,b\n3,c\n");
        Files.writeString(in.resolve("bad.csv.gz"), "not gzip at all"); // its split fails, and dies (no retry)
        int port = Ports.free();
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                pipeline: scraped
                source:
                  files: { path: in, include: "*.csv*", settle: 0s, pack: { max_files: 1 } }
                sink:
                  files: { path: out, format: csv }
                run:
                  interval: 1s
                  retries: { max: 0 }
                  metrics: { port: %d, host: 127.0.0.1 }
                """.formatted(port));
        Path log = dir.resolve("worker.log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "worker", pipeline.toString(), "--id", "w1");
        try (HttpClient http = HttpClient.newHttpClient()) {
            Map<String, Double> m = Map.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    HttpResponse<String> r = http.send(get(port, "/metrics"), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("Content-Type"))
                            .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
                    m = parse(r.body());
                    // the ledger's counts are asked at most every 5 s: wait for those too
                    if (value(m, "sluice_splits_done_total") == 5
                            && value(m, "sluice_splits_dead_total") == 1
                            && value(m, "sluice_ledger_splits", "state=\"done\"") == 5) break;
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(300);
            }
            assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
            String all = m.toString();
            assertThat(value(m, "sluice_splits_done_total")).as(all).isEqualTo(5);
            assertThat(value(m, "sluice_ledger_splits", "state=\"done\""))
                    .as(all)
                    .isEqualTo(5);
            assertThat(value(m, "sluice_splits_claimed_total")).isEqualTo(6);
            assertThat(value(m, "sluice_splits_failed_total")).isEqualTo(1);
            assertThat(value(m, "sluice_splits_dead_total")).isEqualTo(1);
            assertThat(value(m, "sluice_rows_read_total")).isEqualTo(15);
            assertThat(value(m, "sluice_rows_written_total")).isEqualTo(15);
            assertThat(value(m, "sluice_read_bytes_total"))
                    .as("the inputs of the splits done")
                    .isEqualTo(5 * Files.size(in.resolve("f0.csv")));
            assertThat(value(m, "sluice_splits_in_flight")).isZero();
            assertThat(value(m, "sluice_split_duration_seconds_count"))
                    .as("every split claimed is timed, done or failed")
                    .isEqualTo(6);
            assertThat(value(m, "sluice_split_duration_seconds_sum")).isPositive();
            assertThat(value(m, "sluice_ledger_splits", "state=\"done\"")).isEqualTo(5);
            assertThat(value(m, "sluice_ledger_splits", "state=\"dead\"")).isEqualTo(1);
            assertThat(value(m, "sluice_ledger_splits", "state=\"pending\"")).isZero();
            assertThat(value(m, "sluice_ledger_up")).isEqualTo(1);
            assertThat(value(m, "sluice_ledger_failures_total")).isZero();
            assertThat(m.keySet())
                    .as("JVM basics from Micrometer's binders")
                    .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                    .anyMatch(k -> k.startsWith("process_uptime_seconds{"))
                    .allMatch(k -> k.contains("pipeline=\"scraped\""));
            assertThat(http.send(get(port, "/healthz"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);
            assertThat(http.send(get(port, "/other"), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(404);
        } finally {
            p.destroy(); // SIGTERM: a clean stop
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue())
                .as("a split died under it: " + Files.readString(log))
                .isEqualTo(1);
        assertThat(Files.readString(log)).contains("metrics on http://127.0.0.1:" + port + "/metrics");
    }

    /** {@code sluice run --mode watch} (the path the Jobs mode's controller takes too) serves the same endpoint. */
    @Test
    void aWatchingRunServesItsMetricsToo() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int i = 0; i < 3; i++) Files.writeString(in.resolve("f" + i + ".csv"), "id\n" + i + "\n");
        int port = Ports.free();
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                pipeline: watched
                source:
                  files: { path: in, include: "*.csv", settle: 0s, pack: { max_files: 1 } }
                sink:
                  files: { path: out, format: csv }
                run: { interval: 1s, metrics: { port: %d } }
                """.formatted(port));
        Path log = dir.resolve("run.log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "run", pipeline.toString(), "--mode", "watch");
        try (HttpClient http = HttpClient.newHttpClient()) {
            Map<String, Double> m = Map.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try {
                    m = parse(http.send(get(port, "/metrics"), HttpResponse.BodyHandlers.ofString())
                            .body());
                    if (value(m, "sluice_splits_done_total") == 3
                            && value(m, "sluice_ledger_splits", "state=\"done\"") == 3) break;
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(300);
            }
            assertThat(value(m, "sluice_splits_done_total"))
                    .as("%s\n%s", m, Files.readString(log))
                    .isEqualTo(3);
            assertThat(value(m, "sluice_rows_written_total")).isEqualTo(3);
            assertThat(value(m, "sluice_ledger_splits", "state=\"done\"")).isEqualTo(3);
            assertThat(m.keySet()).allMatch(k -> k.contains("pipeline=\"watched\""));
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("metrics on http://0.0.0.0:" + port + "/metrics");
    }

    @Test
    void aTakenPortIsRefusedWithWhatToDo() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path pipeline = dir.resolve("pipeline.yaml");
            Files.writeString(pipeline, """
                    pipeline: clash
                    source: { files: { path: in } }
                    sink: { files: { path: out } }
                    run: { metrics: { port: %d, host: 127.0.0.1 } }
                    """.formatted(taken.getLocalPort()));
            CliRun r = sluice("run", pipeline.toString());
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains("run.metrics: cannot listen on 127.0.0.1:" + taken.getLocalPort(), "free port");
        }
    }

    @Test
    void metricsOptionsAreChecked() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                pipeline: checked
                source: { files: { path: in } }
                sink: { files: { path: out } }
                run: { metrics: { port: 70000 } }
                """);
        CliRun r = sluice("validate", pipeline.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("run.metrics.port");
    }

    /** Sample lines as {@code name{labels}} to value; comments left out. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    /** The one sample of {@code name} (with {@code label} among its labels, if given); NaN when there is none. */
    private static double value(Map<String, Double> m, String name, String... label) {
        return m.entrySet().stream()
                .filter(e -> e.getKey().startsWith(name + "{"))
                .filter(e -> label.length == 0 || e.getKey().contains(label[0]))
                .mapToDouble(Map.Entry::getValue)
                .findFirst()
                .orElse(Double.NaN);
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build();
    }
}
