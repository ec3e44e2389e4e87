package io.sluice.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.pipeline.MetricsOptions;
import io.sluice.runner.RunStats;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitState;
import io.sluice.spi.ledger.LedgerAdmin;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * {@code run.metrics}: the Prometheus endpoint of {@code sluice worker} and {@code sluice run}. The counters are the
 * run's own ({@link RunStats}, which the runner keeps anyway), read when Prometheus scrapes, so nothing is counted
 * twice; the ledger's split counts are asked at a scrape at most every {@link #LEDGER_EVERY_NANOS}. Serves
 * {@code /metrics} (Prometheus text) and {@code /healthz}; every metric carries the label {@code pipeline}.
 */
final class RunMetrics implements AutoCloseable {
    /** The ledger is asked for its counts at most this often, however often Prometheus scrapes (and however many). */
    static final long LEDGER_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService threads;
    private final JvmGcMetrics gc;

    private RunMetrics(PrometheusMeterRegistry registry, HttpServer server, ExecutorService threads, JvmGcMetrics gc) {
        this.registry = registry;
        this.server = server;
        this.threads = threads;
        this.gc = gc;
    }

    /**
     * Starts serving; {@code info} is told the address.
     *
     * @throws UserError when the port cannot be listened on
     */
    static RunMetrics start(
            MetricsOptions options, String pipeline, RunStats stats, LedgerAdmin ledger, Consumer<String> info) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("pipeline", pipeline);
        counter(
                registry,
                "sluice.splits.claimed",
                "Splits this process was granted by the ledger",
                stats,
                RunStats::claimed);
        counter(
                registry,
                "sluice.splits.done",
                "Splits this process committed and recorded done",
                stats,
                RunStats::splitsDone);
        counter(
                registry,
                "sluice.splits.failed",
                "Failed attempts this process recorded (each retried, or dead when none is left)",
                stats,
                RunStats::attemptsFailed);
        counter(
                registry,
                "sluice.splits.dead",
                "Splits this process recorded dead (no retry left)",
                stats,
                RunStats::splitsDead);
        counter(registry, "sluice.rows.read", "Rows read by the splits done", stats, RunStats::rowsIn);
        counter(registry, "sluice.rows.written", "Rows written by the splits done", stats, RunStats::rowsOut);
        counter(
                registry,
                "sluice.rows.rejected",
                "Bad records of the splits done (dead-lettered or skipped)",
                stats,
                RunStats::rejected);
        counter(registry, "sluice.read.bytes", "Bytes of input of the splits done, as listed", stats, RunStats::bytes);
        counter(
                registry,
                "sluice.ledger.failures",
                "Ledger calls that failed and were retried (a worker riding out an outage)",
                stats,
                RunStats::ledgerFailures);
        // strong references: Micrometer holds a gauge's object weakly, and reports NaN once it is collected
        Gauge.builder("sluice.splits.in.flight", stats, RunStats::inFlight)
                .description("Splits this process is processing now")
                .strongReference(true)
                .register(registry);
        Gauge.builder("sluice.ledger.up", stats, s -> s.ledgerDown() ? 0 : 1)
                .description("0 while this process cannot reach the ledger (it claims nothing meanwhile), else 1")
                .strongReference(true)
                .register(registry);
        Timer splits = Timer.builder("sluice.split.duration")
                .description("Time of a split in this process, from its claim to its record (done or failed)")
                .publishPercentileHistogram()
                .register(registry);
        stats.observeSplitTimes(nanos -> splits.record(nanos, TimeUnit.NANOSECONDS));
        LedgerCounts counts = new LedgerCounts(ledger, info);
        for (SplitState state : SplitState.values()) {
            Gauge.builder("sluice.ledger.splits", counts, c -> c.get(state))
                    .description("The pipeline's splits in the ledger by state (every process of a pool reports the "
                            + "same; asked at most every 5 s)")
                    .tags(Tags.of("state", state.name().toLowerCase(Locale.ROOT)))
                    .strongReference(true)
                    .register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        } catch (IOException | RuntimeException e) {
            gc.close();
            registry.close();
            throw new UserError(
                    "run.metrics: cannot listen on " + options.host() + ":" + options.port() + " (" + e.getMessage()
                            + "); choose a free port (or port: 0 for any) and an address of this machine",
                    RunSummary.INVALID);
        }
        server.createContext("/metrics", e -> {
            if (!e.getRequestMethod().equals("GET") && !e.getRequestMethod().equals("HEAD")) {
                answer(e, 405, "text/plain", "GET only\n");
            } else {
                answer(e, 200, CONTENT_TYPE, registry.scrape());
            }
        });
        server.createContext("/healthz", e -> answer(e, 200, "text/plain", "ok\n"));
        server.createContext("/", e -> answer(e, 404, "text/plain", "not found: /metrics or /healthz\n"));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(threads);
        server.start();
        info.accept("metrics on http://" + options.host() + ":"
                + server.getAddress().getPort() + "/metrics");
        return new RunMetrics(registry, server, threads, gc);
    }

    private static void counter(
            PrometheusMeterRegistry registry,
            String name,
            String description,
            RunStats stats,
            ToDoubleFunction<RunStats> value) {
        FunctionCounter.builder(name, stats, value).description(description).register(registry);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange e, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", type);
        boolean head = e.getRequestMethod().equals("HEAD");
        e.sendResponseHeaders(code, head ? -1 : bytes.length);
        try (OutputStream out = e.getResponseBody()) {
            if (!head) out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        gc.close();
        registry.close();
    }

    /**
     * The ledger's counts by state, asked again when a scrape finds them older than {@link #LEDGER_EVERY_NANOS}: a
     * pool of many workers scraped often costs the ledger one count per worker every few seconds. While the ledger
     * does not answer, the gauges are NaN (Prometheus: no value), not the last counts.
     */
    private static final class LedgerCounts {
        private final LedgerAdmin ledger;
        private final Consumer<String> info;
        private Map<SplitState, Long> last;
        private long askedAt;
        private boolean asked;
        /** Not synchronized: a scrape's virtual thread waiting on the ledger would hold its carrier (before JDK 24). */
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

        LedgerCounts(LedgerAdmin ledger, Consumer<String> info) {
            this.ledger = ledger;
            this.info = info;
        }

        double get(SplitState state) {
            lock.lock();
            try {
                return locked(state);
            } finally {
                lock.unlock();
            }
        }

        private double locked(SplitState state) {
            long now = System.nanoTime();
            if (!asked || now - askedAt >= LEDGER_EVERY_NANOS) {
                askedAt = now;
                boolean answered = !asked || last != null;
                asked = true;
                try {
                    last = ledger.counts();
                } catch (RuntimeException e) {
                    // said once per outage, not at every scrape
                    if (answered)
                        info.accept("metrics: the ledger's split counts cannot be read, reported as NaN: " + e);
                    last = null;
                }
            }
            return last == null ? Double.NaN : last.getOrDefault(state, 0L);
        }
    }
}
