package io.sluice.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code sluice worker --health-port}: the answers of a worker to Kubernetes' probes. {@code /healthz} (liveness):
 * 200 while the process answers at all. {@code /readyz} (readiness): 200 from when the worker has opened its ledger
 * (the server starts only then) until it is asked to stop (SIGTERM), 503 after, while its splits in flight finish.
 * Nothing else is served: the metrics are on their own port ({@code run.metrics}, {@link RunMetrics}).
 */
final class WorkerHealth implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads;

    private WorkerHealth(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    static WorkerHealth start(int port, BooleanSupplier ready) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            server.createContext("/healthz", e -> answer(e, 200, "ok\n"));
            server.createContext("/readyz", e -> {
                boolean now = ready.getAsBoolean(); // asked once: a code and a body that agree
                answer(e, now ? 200 : 503, now ? "ready\n" : "not ready\n");
            });
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(threads);
            server.start();
            return new WorkerHealth(server, threads);
        } catch (IOException e) {
            throw new UserError(
                    "--health-port " + port + ": cannot listen (" + e.getMessage() + "); choose a free port",
                    io.sluice.runner.RunSummary.INVALID);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange e, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        e.getResponseHeaders().set("Content-Type", "text/plain");
        e.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow(); // a probe still answering is cut: the worker has stopped
    }
}
