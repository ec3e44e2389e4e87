package io.sluice.runner;

import io.sluice.engine.DuckEngine;
import io.sluice.pipeline.EngineOptions;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A run's {@link DuckEngine}, started on a thread of its own: loading DuckDB's native library and opening the database
 * (about 0.1 s) overlap the source's planning (for a database source, a connection and a query) instead of preceding
 * it. A mistake in the engine's options still stops the run before any split is claimed.
 */
final class EngineStart implements AutoCloseable {
    private final CompletableFuture<DuckEngine> started = new CompletableFuture<>();

    private EngineStart() {}

    static EngineStart begin(EngineOptions options, int parallelism) {
        EngineStart start = new EngineStart();
        Thread.ofPlatform().name("sluice-engine-start").daemon().start(() -> {
            try {
                start.started.complete(new DuckEngine(options, parallelism));
            } catch (Throwable e) {
                start.started.completeExceptionally(e);
            }
        });
        return start;
    }

    /** The engine, once started; or the error that stopped its start, as {@code new DuckEngine} threw it. */
    DuckEngine engine() throws SQLException {
        try {
            return started.join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case SQLException s -> throw s;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw e;
            }
        }
    }

    /** Closes the engine once it started; one that failed to start holds nothing. */
    @Override
    public void close() throws SQLException {
        DuckEngine engine;
        try {
            engine = started.join();
        } catch (CompletionException e) {
            return;
        }
        engine.close();
    }
}
